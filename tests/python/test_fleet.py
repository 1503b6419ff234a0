# SPDX-License-Identifier: MIT
"""A fleet of CI runners (issue 22): runs of one runner type, recorded on any host, are the
merge-base baseline and the run-to-run spread; another runner type never is."""
from __future__ import annotations

import platform

import pytest

from perfbudget._core import History, environment_fingerprint, runner_type

TESTS = """\
import os
import time

import pytest


@pytest.mark.performance(rounds=10, min_time="1ms", max_time="300ms", warmup=0)
def test_nap(perf):
    perf(time.sleep, 0.001 * float(os.environ.get("NAP_MS", "1")))
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def here() -> str:
    # as the plugin's session composes it
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return environment_fingerprint(python)


def test_runner_type_is_the_fingerprint_without_its_host() -> None:
    fingerprint = here()
    assert fingerprint.startswith("host=")
    assert runner_type(fingerprint) == fingerprint.split("; ", 1)[1]
    assert runner_type("host=runner-b; " + runner_type(fingerprint)) == runner_type(fingerprint)


def test_merge_base_run_of_another_runner_of_this_type(pytester: pytest.Pytester,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_it=TESTS)
    run(pytester).assert_outcomes(passed=1)
    history = History(pytester.path / ".perfbudget/history.sqlite")
    results = history.load_run(1)
    # main's run of the merge base, as runner-b of this type recorded it
    history.add_run(results, "pytest", "host=runner-b; " + runner_type(here()),
                    {"commit": "feedface" * 5, "branch": "main"})
    # and a newer one on another runner type, which must never be taken
    history.add_run(results, "pytest", "host=runner-c; cpu=another; " + runner_type(here()),
                    {"commit": "feedface" * 5, "branch": "main"})
    del history
    monkeypatch.setenv("NAP_MS", "20")
    result = run(pytester, "--perf-baseline", "commit:" + "feedface" * 5)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "perfbudget: *against baseline: the latest run (2) of commit feedfacefeed, recorded on "
        "another runner of this type (host=runner-b)*",
        "FAIL test_it.py::test_nap: median * vs * baseline: +*regression*"])
    # a commit whose only run is of another runner type is not found
    other = History(pytester.path / ".perfbudget/history.sqlite")
    other.add_run(results, "pytest", "host=runner-c; cpu=another; " + runner_type(here()),
                  {"commit": "0ddba11" * 5, "branch": "main"})
    del other
    missing = run(pytester, "--perf-baseline", "commit:" + "0ddba11" * 5)
    missing.stderr.fnmatch_lines(["*no run of commit 0ddba110ddba on this runner type*"])
