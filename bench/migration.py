#!/usr/bin/env python3
"""Migration study (issue 19): a real pytest-benchmark suite from PyPI, run unchanged under
pytest-benchmark and under perfbudget's `benchmark` fixture, the tools taking turns.

The suite: cattrs's `bench/` (64 `benchmark(fn, ...)` tests, with `--benchmark-*` options in its
pytest addopts), taken from cattrs's pinned source distribution and run against cattrs's wheel.
The sdist is unpacked as it is: the suite and its pytest settings are not edited.

    python3 bench/migration.py [--rounds 3] [--out bench/results/migration] [--reinstall]

Steps: a virtual environment in build/migration/venv (python3 -m venv) with the pinned packages
from PyPI and perfbudget from this checkout (`pip install <repo root>`, which builds the C core);
then, for each round, pytest-benchmark (`--benchmark-only --benchmark-save --benchmark-save-data`)
and perfbudget (`-p no:benchmark -o perf_benchmark_fixture=true`, with `--perf-json`,
`--perf-report report.html` and `--perf-history`), one after the other.

Figures, in migration.md and migration.json under --out:
- per benchmark (matched by node id = pytest-benchmark's `fullname`), the ratio of medians
  perfbudget / pytest-benchmark in each round; its median over rounds; over the benchmarks, the
  median and range of those;
- the whole-suite wall time of each pytest process, and the median over rounds of its ratio;
- the history (one SQLite file over all rounds) against pytest-benchmark's saved JSON with data
  (one file per run; and the same JSON without `data`, re-serialized, for the file a save without
  --benchmark-save-data writes), after one run and after all rounds;
- the HTML report's size."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
SUITE = "cattrs"
SUITE_VERSION = "26.2.1"
SUITE_DIR = "bench"  # inside the sdist
# Pinned: the suite's extras (its enum benchmarks use msgspec and orjson converters), pytest as
# perfbudget's test extra allows, and the pytest-benchmark the figures were taken with.
REQUIREMENTS = [f"cattrs[msgspec,orjson]=={SUITE_VERSION}", "pytest==9.0.3",
                "pytest-benchmark==5.3.1"]
PB, PERF = "pytest-benchmark", "perfbudget"


# ---- pure logic (tests/python/test_bench_migration.py) ----

def pytest_benchmark_medians_ns(document: Mapping[str, Any]) -> dict[str, float]:
    """pytest-benchmark's saved JSON: median per fullname (the node id), in ns."""
    return {b["fullname"]: float(b["stats"]["median"]) * 1e9 for b in document["benchmarks"]}


def pytest_benchmark_iterations(document: Mapping[str, Any]) -> dict[str, int]:
    """pytest-benchmark's saved JSON: the calls it timed per round, per fullname."""
    return {b["fullname"]: int(b["stats"]["iterations"]) for b in document["benchmarks"]}


_UNIT_NS = {"ns": 1.0, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}


def perfbudget_medians_ns(document: Mapping[str, Any]) -> dict[str, float]:
    """perfbudget's result file: median per benchmark name (the node id), in ns; a benchmark
    without a summary (an error) is left out."""
    medians = {}
    for b in document["benchmarks"]:
        summary = b.get("summary")
        if summary and summary.get("median") is not None:
            medians[b["name"]] = float(summary["median"]) * _UNIT_NS[b.get("unit", "ns")]
    return medians


def match_ratios(pb_rounds: Sequence[Mapping[str, float]],
                 perf_rounds: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """Per benchmark, the ratio perfbudget / pytest-benchmark of the medians of round i of each
    tool (paired rounds: they ran one after the other), and its median over rounds. A benchmark
    is matched when both tools measured it in the same round; the others are listed."""
    if len(pb_rounds) != len(perf_rounds):
        raise ValueError("each round needs both tools")
    ratios: dict[str, list[float]] = {}
    only_pb: set[str] = set()
    only_perf: set[str] = set()
    for pb, perf in zip(pb_rounds, perf_rounds):
        for name in pb.keys() & perf.keys():
            if pb[name] > 0:
                ratios.setdefault(name, []).append(perf[name] / pb[name])
        only_pb |= pb.keys() - perf.keys()
        only_perf |= perf.keys() - pb.keys()
    per_benchmark = {name: {"ratios": r, "median": statistics.median(r)}
                     for name, r in sorted(ratios.items())}
    return {"per_benchmark": per_benchmark,
            "only_pytest_benchmark": sorted(only_pb - ratios.keys()),
            "only_perfbudget": sorted(only_perf - ratios.keys())}


SMALL_NS = 10_000.0  # the study's split: calls under 10 µs against longer ones


def by_size(per_benchmark: Mapping[str, Mapping[str, Any]],
            pb_rounds: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """The benchmarks' ratios split by pytest-benchmark's median (its median over rounds): under
    SMALL_NS, where each tool's own cost per call weighs most, and the rest."""
    groups: dict[str, list[float]] = {"under 10 µs": [], "10 µs or more": []}
    for name, b in per_benchmark.items():
        medians = [r[name] for r in pb_rounds if name in r]
        if medians:
            key = "under 10 µs" if statistics.median(medians) < SMALL_NS else "10 µs or more"
            groups[key].append(b["median"])
    return {k: spread(v) for k, v in groups.items()}


def spread(values: Iterable[float]) -> Optional[dict[str, float]]:
    """Median, min and max, or None for no values."""
    v = sorted(values)
    if not v:
        return None
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "n": len(v)}


def wall_ratios(pb_wall_s: Sequence[float], perf_wall_s: Sequence[float]) -> list[float]:
    """Per round, perfbudget's wall time over pytest-benchmark's."""
    return [perf / pb for pb, perf in zip(pb_wall_s, perf_wall_s)]


def without_data(document: Mapping[str, Any]) -> dict[str, Any]:
    """pytest-benchmark's saved JSON as a save without --benchmark-save-data writes it: the same
    document, with no `data` in any benchmark's stats."""
    benchmarks = [{**b, "stats": {k: v for k, v in b["stats"].items() if k != "data"}}
                  for b in document["benchmarks"]]
    return {**document, "benchmarks": benchmarks}


def serialized_size(document: Mapping[str, Any]) -> int:
    """Bytes pytest-benchmark's storage writes for a document (json.dumps, indent 4)."""
    return len(json.dumps(document, indent=4).encode())


def size_ratio(numerator: int, denominator: int) -> Optional[float]:
    return numerator / denominator if denominator else None


def human_bytes(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} B"


def summarize(rounds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The study's figures from its rounds. Each round: `pb_medians`, `perf_medians` (ns by node
    id), `pb_wall_s`, `perf_wall_s`, `pb_json_bytes`, `pb_json_nodata_bytes`,
    `history_bytes` (the history after this round), `report_bytes`, `perf_json_bytes`, and
    optionally `pb_iterations` (calls per round by node id)."""
    matched = match_ratios([r["pb_medians"] for r in rounds], [r["perf_medians"] for r in rounds])
    per_bench = matched["per_benchmark"]
    walls = wall_ratios([r["pb_wall_s"] for r in rounds], [r["perf_wall_s"] for r in rounds])
    first, last = rounds[0], rounds[-1]
    pb_total = sum(r["pb_json_bytes"] for r in rounds)
    pb_nodata_total = sum(r["pb_json_nodata_bytes"] for r in rounds)
    return {
        "rounds": len(rounds),
        "benchmarks_matched": len(per_bench),
        "only_pytest_benchmark": matched["only_pytest_benchmark"],
        "only_perfbudget": matched["only_perfbudget"],
        "medians_ratio": spread(b["median"] for b in per_bench.values()),
        "medians_ratio_by_size": by_size(per_bench, [r["pb_medians"] for r in rounds]),
        "medians_ratio_per_benchmark": per_bench,
        "wall_s": {PB: [r["pb_wall_s"] for r in rounds], PERF: [r["perf_wall_s"] for r in rounds]},
        "wall_ratio": spread(walls),
        "wall_ratios": walls,
        "storage": {
            "history_after_first_run": first["history_bytes"],
            "history_after_all_runs": last["history_bytes"],
            "pb_json_with_data_first_run": first["pb_json_bytes"],
            "pb_json_with_data_all_runs": pb_total,
            "pb_json_without_data_first_run": first["pb_json_nodata_bytes"],
            "pb_json_without_data_all_runs": pb_nodata_total,
            "history_vs_pb_with_data_all_runs": size_ratio(last["history_bytes"], pb_total),
            "history_vs_pb_without_data_all_runs": size_ratio(last["history_bytes"],
                                                              pb_nodata_total),
        },
        "report_bytes": spread(r["report_bytes"] for r in rounds),
        "perf_json_bytes": spread(r["perf_json_bytes"] for r in rounds),
    }


def render_markdown(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    s = summary["storage"]
    m, w = summary["medians_ratio"], summary["wall_ratio"]
    n = summary["rounds"]
    lines = [
        f"# Migration study: {meta['suite']} {meta['suite_version']}'s `{SUITE_DIR}/` suite",
        "",
        f"{summary['benchmarks_matched']} benchmarks matched by node id, {n} rounds "
        f"(pytest-benchmark, then perfbudget, in turn). Command: `{meta['command']}`.",
        f"Packages: {', '.join(meta['packages'])}; Python {meta['python']}.",
        "",
        "| figure | perfbudget / pytest-benchmark |",
        "|---|---:|",
    ]
    if m:
        lines.append(f"| ratio of medians, per benchmark (median of {n} rounds): median over "
                     f"{m['n']} benchmarks | {m['median']:.3f} (range {m['min']:.3f} .. "
                     f"{m['max']:.3f}) |")
    for size, g in summary["medians_ratio_by_size"].items():
        if g:
            lines.append(f"| the same, the {g['n']} benchmarks of {size} (pytest-benchmark's "
                         f"median) | {g['median']:.3f} (range {g['min']:.3f} .. "
                         f"{g['max']:.3f}) |")
    if w:
        walls = summary["wall_s"]
        lines.append(f"| suite wall time (median of {n} rounds) | {w['median']:.3f} "
                     f"({statistics.median(walls[PERF]):.1f} s vs "
                     f"{statistics.median(walls[PB]):.1f} s) |")

    def vs(history: int, pb: int) -> str:
        ratio = size_ratio(history, pb)
        shown = f"{ratio:.4f}" if ratio is not None and ratio < 0.01 else f"{ratio:.2f}"
        return f"{shown} ({human_bytes(history)} vs {human_bytes(pb)})"

    lines += [
        f"| history after 1 run vs saved JSON with data | "
        f"{vs(s['history_after_first_run'], s['pb_json_with_data_first_run'])} |",
        f"| history after 1 run vs saved JSON without data | "
        f"{vs(s['history_after_first_run'], s['pb_json_without_data_first_run'])} |",
        f"| history after {n} runs vs {n} saved JSON files with data | "
        f"{vs(s['history_after_all_runs'], s['pb_json_with_data_all_runs'])} |",
        f"| history after {n} runs vs {n} saved JSON files without data | "
        f"{vs(s['history_after_all_runs'], s['pb_json_without_data_all_runs'])} |",
    ]
    if summary["report_bytes"]:
        lines.append(f"| HTML report (`--perf-report report.html`), median of runs | "
                     f"{human_bytes(summary['report_bytes']['median'])} |")
    lines += ["", "Per benchmark (ratio of medians, each round):", "",
              "| benchmark | median | rounds |", "|---|---:|---|"]
    for name, b in summary["medians_ratio_per_benchmark"].items():
        lines.append(f"| `{name}` | {b['median']:.3f} | "
                     f"{' '.join(f'{r:.3f}' for r in b['ratios'])} |")
    for label, key in (("only pytest-benchmark measured", "only_pytest_benchmark"),
                       ("only perfbudget measured", "only_perfbudget")):
        if summary[key]:
            lines += ["", f"{label}: " + ", ".join(f"`{x}`" for x in summary[key])]
    if meta.get("history_size"):
        lines += ["", f"`perfbudget history size`: {meta['history_size']}"]
    if meta.get("failures"):
        lines += ["", f"runs that failed (exit codes): {meta['failures']}"]
    if meta.get("notes"):
        lines += ["", "perfbudget said:", ""] + [f"    {x}" for x in meta["notes"]]
    return "\n".join(lines) + "\n"


# ---- running ----

def run(cmd: Sequence[Any], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, text=True, **kwargs)


def prepare(work: Path, reinstall: bool) -> tuple[Path, Path]:
    """The virtual environment (its python) and the unpacked suite."""
    venv = work / "venv"
    python = venv / "bin" / "python"
    stamp = venv / "migration-requirements.json"
    wanted = json.dumps(REQUIREMENTS + [str(ROOT)])
    if reinstall or not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        if venv.exists():
            shutil.rmtree(venv)
        run([sys.executable, "-m", "venv", venv])
        run([python, "-m", "pip", "install", "-q", *REQUIREMENTS])
        run([python, "-m", "pip", "install", "-q", ROOT])  # builds the C core
        stamp.write_text(wanted)
    source = work / "src" / f"{SUITE}-{SUITE_VERSION}"
    if not source.exists():
        sdist_dir = work / "sdist"
        sdist_dir.mkdir(parents=True, exist_ok=True)
        run([python, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
             "-d", sdist_dir, f"{SUITE}=={SUITE_VERSION}"])
        (archive,) = sdist_dir.glob(f"{SUITE}-{SUITE_VERSION}.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(work / "src", filter="data")
    return python, source


def timed(cmd: Sequence[Any], cwd: Path, log: Path) -> tuple[float, int, str]:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    log.write_text(proc.stdout)
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    print(f"  {wall:.1f} s, exit {proc.returncode}: {tail}", flush=True)
    return wall, proc.returncode, proc.stdout


def pytest_benchmark_cmd(python: Path, storage: Path, round_no: int) -> list[Any]:
    return [python, "-m", "pytest", SUITE_DIR, "-p", "no:cacheprovider", "--benchmark-only",
            f"--benchmark-storage=file://{storage}", f"--benchmark-save=round{round_no}",
            "--benchmark-save-data"]


def perfbudget_cmd(python: Path, out: Path, history: Path) -> list[Any]:
    return [python, "-m", "pytest", SUITE_DIR, "-p", "no:cacheprovider", "-p", "no:benchmark",
            "-o", "perf_benchmark_fixture=true", "--perf-json", out / "result.json",
            "--perf-report", out / "report.html", "--perf-history", history]


def perfbudget_notes(output: str) -> list[str]:
    """perfbudget's own lines about the suite (options it ignored, errors), from a run's output."""
    return sorted({line.strip() for line in output.splitlines()
                   if line.startswith("perfbudget:") or "Error" in line and "perfbudget" in line})


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "migration")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "migration")
    parser.add_argument("--reinstall", action="store_true",
                        help="rebuild the virtual environment (perfbudget changed)")
    parser.add_argument("--from-json", type=Path, metavar="MIGRATION_JSON",
                        help="measure nothing: write the tables again from a migration.json")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        write(args.out, saved["meta"], saved["rounds"])
        return 0

    python, source = prepare(args.work, args.reinstall)
    runs = args.work / "runs"
    if runs.exists():
        shutil.rmtree(runs)
    storage = runs / "pytest-benchmark"
    history = runs / "perfbudget" / "history.sqlite"
    history.parent.mkdir(parents=True)
    shutil.rmtree(source / ".benchmarks", ignore_errors=True)

    rounds, notes, failures = [], set(), []
    for i in range(1, args.rounds + 1):
        before = set(storage.rglob("*.json")) if storage.exists() else set()
        pb_wall, pb_rc, _ = timed(pytest_benchmark_cmd(python, storage, i), source,
                                  runs / f"pytest-benchmark-{i}.log")
        (saved,) = set(storage.rglob("*.json")) - before
        pb_doc = json.loads(saved.read_text())
        perf_out = runs / "perfbudget" / f"round{i}"
        perf_out.mkdir()
        perf_wall, perf_rc, perf_output = timed(perfbudget_cmd(python, perf_out, history), source,
                                                runs / f"perfbudget-{i}.log")
        notes |= set(perfbudget_notes(perf_output))
        if pb_rc or perf_rc:
            failures.append({"round": i, PB: pb_rc, PERF: perf_rc})
        perf_doc = json.loads((perf_out / "result.json").read_text())
        rounds.append({
            "pb_medians": pytest_benchmark_medians_ns(pb_doc),
            "pb_iterations": pytest_benchmark_iterations(pb_doc),
            "perf_medians": perfbudget_medians_ns(perf_doc),
            "pb_wall_s": pb_wall, "perf_wall_s": perf_wall,
            "pb_json_bytes": saved.stat().st_size,
            "pb_json_nodata_bytes": serialized_size(without_data(pb_doc)),
            "history_bytes": history.stat().st_size,
            "report_bytes": (perf_out / "report.html").stat().st_size,
            "perf_json_bytes": (perf_out / "result.json").stat().st_size,
        })
        del pb_doc, perf_doc

    history_size = subprocess.run([python.parent / "perfbudget", "history", "size", "--history",
                                   history], text=True, stdout=subprocess.PIPE).stdout.strip()
    packages = subprocess.run([python, "-m", "pip", "list", "--format", "json"], text=True,
                              stdout=subprocess.PIPE, check=True).stdout
    versions = {p["name"].lower(): p["version"] for p in json.loads(packages)}
    meta = {
        "suite": SUITE, "suite_version": SUITE_VERSION, "suite_dir": SUITE_DIR,
        "command": "python3 bench/migration.py" + (f" --rounds {args.rounds}"
                                                   if args.rounds != 3 else ""),
        "python": sys.version.split()[0],
        "packages": [f"{n} {versions[n]}" for n in ("cattrs", "pytest", "pytest-benchmark",
                                                     "perfbudget") if n in versions],
        "pytest_benchmark_command": " ".join(map(str, pytest_benchmark_cmd(
            Path("python"), Path("STORAGE"), 1))),
        "perfbudget_command": " ".join(map(str, perfbudget_cmd(
            Path("python"), Path("OUT"), Path("HISTORY")))),
        "notes": sorted(notes), "failures": failures, "history_size": history_size,
    }
    write(args.out, meta, rounds)
    return 1 if failures else 0


def write(out: Path, meta: Mapping[str, Any], rounds: Sequence[Mapping[str, Any]]) -> None:
    summary = summarize(rounds)
    out.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(summary, meta)
    (out / "migration.md").write_text(markdown)
    (out / "migration.json").write_text(json.dumps({"meta": meta, "summary": summary,
                                                    "rounds": rounds}, indent=1) + "\n")
    print(markdown)


if __name__ == "__main__":
    sys.exit(main())
