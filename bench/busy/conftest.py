"""bench/busy.py's window on perfbudget's verdicts. For a test that does not fail, pytest shows
only the test's row in perfbudget's summary table ("pass, inconclusive"), not the report the core
wrote for it (verdict first, then the comparison with its change, p-value and reason). This hook
appends that report to the JSON-lines file $PERFBUDGET_STUDY_REPORTS, from the records perfbudget
puts on the call report (the attribute `perfbudget`, which also carries them across xdist)."""

import json
import os

import pytest


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("PERFBUDGET_STUDY_REPORTS")
    if not path or report.when != "call":
        return
    for record in getattr(report, "perfbudget", None) or ():
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"nodeid": report.nodeid, "name": record.get("name"),
                                  "report": record.get("report", ""),
                                  "comparison": record.get("comparison")}) + "\n")
