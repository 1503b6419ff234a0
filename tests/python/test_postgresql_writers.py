# SPDX-License-Identifier: MIT
"""8 concurrent pytest processes x 5 sessions, each recording its run with --perf-history in one
PostgreSQL database, leave exactly 40 whole runs (tests/postgresql/writers.sh; docs/history.md
gives the figures of more runs)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_eight_concurrent_pytest_writers() -> None:
    if not os.environ.get("PERFBUDGET_TEST_POSTGRESQL"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and PERFBUDGET_TEST_POSTGRESQL is unset")
        pytest.skip("no PostgreSQL server (PERFBUDGET_TEST_POSTGRESQL is unset; "
                    "tests/postgresql/start starts one)")
    environment = dict(os.environ, PYTHON=sys.executable)
    done = subprocess.run(["bash", str(ROOT / "tests/postgresql/writers.sh"), "--front", "pytest",
                           "--runs", "5"], env=environment, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pytest: 8 writers x 5 runs: 40 runs recorded (0 not whole)" in done.stdout
