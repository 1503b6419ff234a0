"""What the controller shows of the run at the end: the core's summary table of every result
with the columns pytest adds (ops/s, the change against the baseline, the verdict in words),
why a test that did not fail was not a plain pass, and the run's notes. Rendering only: every
figure and verdict comes from the records the core's judging stage kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from perfbudget._core import Result, format_value, printable

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.session import PerfSession


class RunSummary:
    """The results in the summary's order, the core's table with the columns pytest adds, and
    the notes under it."""

    def __init__(self, session: "PerfSession") -> None:
        self.session = session

    def rows(self) -> list[dict[str, str]]:
        rows = []
        for record, result in self.ordered():
            summary = result.summary
            metrics = result.metrics
            rows.append({
                "benchmark": record["name"],
                "median": format_value(summary.median, "ns"),
                "p95": format_value(summary.p95, "ns"),
                "p99": format_value(summary.p99, "ns"),
                "ops/s": format_value(metrics["items_per_second"], "per_second"),
                "memory": format_value(metrics["peak_rss_bytes"], "bytes"),
                "Δ baseline": _delta(record),
                "verdict": _verdict(record),
            })
        return rows

    def ordered(self) -> list[tuple[dict[str, Any], Result]]:
        """Rows grouped by test (a parametrized test's cases together), in first-seen order."""
        # xdist: in any order
        by_collection = sorted(self.session.results, key=lambda pair: pair[0]["order"])
        first: dict[str, int] = {}
        for record, _ in by_collection:
            first.setdefault(_group_key(record), len(first))
        return sorted(by_collection, key=lambda pair: first[_group_key(pair[0])])

    def unmatched_baseline_note(self) -> str:
        """A note when the baseline has entries but none is named like a measurement of this run:
        node ids are relative to the rootdir, so a baseline recorded under another rootdir
        (pytest moves it for existing paths on the command line) matches nothing, and every test
        would pass as "new" without a word in the summary."""
        names = [record["name"] for record, _ in self.session.results]
        baseline = self.session.baseline.results
        if not baseline or not names or any(name in baseline for name in names):
            return ""
        return (f"note: none of this run's {len(names)} perf measurements is in the baseline, "
                f"so none was compared: the baseline names {baseline.first_name()!r}, this "
                f"run {names[0]!r}. Node ids are relative to the rootdir "
                f"({self.session.setup.rootdir}): was the baseline recorded with another one? "
                "(--rootdir sets it.)")

    @staticmethod
    def reasons(ordered: Sequence[tuple[dict[str, Any], Result]]) -> list[str]:
        """Why a test that did not fail was inconclusive or improved, or was judged on CPU time:
        a failing test shows the core's report already."""
        lines = []
        for record, _ in ordered:
            if record["status"] == "fail":
                continue
            comparison = record["comparison"]
            reasons = list(record.get("notes") or [])
            if comparison is not None and comparison["outcome"] in ("inconclusive", "improvement"):
                reasons.insert(0, comparison["text"])
            lines += [f"note: {record['name']}: {reason}" for reason in reasons]
        return lines

    def show(self, reporter: Any) -> None:
        session = self.session
        if session.child_output is not None or session.is_xdist_worker:
            return
        if not session.results and not session.notes and not session.baseline.note:
            return
        reporter.write_sep("-", "perfbudget")
        # Names, notes and paths reach the terminal with the core's one rule: control characters
        # shown as text (\x1b, \n), never acted on. The core's table is escaped already, and
        # escaping is idempotent.
        def write(line: str) -> None:
            reporter.write_line(printable(line))

        if session.results:
            ordered = self.ordered()
            # On a terminal the rows fit its width, the columns added here included (names cut
            # in the middle); in a log or a pipe they keep whole names, to be searched.
            rows = self.rows()
            columns = [(heading, width, [row[heading] for row in rows])
                       for heading, width in (("ops/s", 10), ("Δ baseline", 11), ("verdict", 0))]
            text = Result.summary_table([result for _, result in ordered],
                                        [_group_key(record) for record, _ in ordered], columns,
                                        reporter._tw.fullwidth if reporter.isatty else None)
            lines = text.rstrip("\n").split("\n")
            lines += self.reasons(ordered)
            for line in lines:
                write(line)
        if session.settings.regression and not session.settings["disable"]:
            write(f"compared with {session.baseline.label}")
            unmatched = self.unmatched_baseline_note()
            if unmatched:
                write(unmatched)
        if session.baseline.note:
            write(f"note: {session.baseline.note}")
        for note in session.notes:
            write(note)


def _group_key(record: dict[str, Any]) -> str:
    return str(record.get("perf_group") or record["group"])


def _delta(record: dict[str, Any]) -> str:
    comparison = record["comparison"]
    if comparison is not None:
        return f"{comparison['change_pct']:+.1f}%"
    return "new" if record["note"].startswith("new") else ""


def _verdict(record: dict[str, Any]) -> str:
    words = {"fail": "FAIL", "skip": "skip", "pass": "pass"}[record["status"]]
    if record.get("policy_warned"):
        words = f"warn (fail_on: {record['fail_on']})"
    elif record["worst"] == "warn":
        words += " (budget warning)"
    comparison = record["comparison"]
    if comparison is not None and comparison["outcome"] != "pass":
        severity = comparison["severity"]
        words += f", {comparison['outcome']}" + (f" ({severity})" if severity not in ("none", "") else "")
    return words
