"""--perf-mode instructions where the kernel exposes no hardware counters (VMs, hosted CI): the
whole pytest run starts again under valgrind's callgrind, collection off until the C core turns
it on around the measured batches, so imports, collection, setup and warm-up are not counted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Optional

import pytest

from perfbudget._core import instruction_counter_problem, running_on_valgrind
from perfbudget.settings import SettingError, resolve


def relaunch_under_callgrind(config: pytest.Config) -> Optional[int]:
    """The exit code of the run under callgrind, or None when this process measures itself."""
    try:
        mode = resolve(config)["mode"]
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    # PERFBUDGET_CALLGRIND_DIR: started under callgrind already (a build without valgrind's
    # headers cannot tell); the counters then say why they fail, rather than looping
    if mode != "instructions" or running_on_valgrind() or "PERFBUDGET_CALLGRIND_DIR" in os.environ:
        return None
    problem = instruction_counter_problem()
    if problem is None:
        return None  # the PMU counts: no valgrind needed
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise pytest.UsageError(
            f"--perf-mode instructions: {problem}, and valgrind, which counts instructions "
            "instead, is not installed (on Debian: apt-get install valgrind)")
    directory = tempfile.mkdtemp(prefix="perfbudget-callgrind-")
    env = dict(os.environ, PERFBUDGET_CALLGRIND_DIR=directory)
    env.setdefault("PYTHONHASHSEED", "0")  # the same hashing, run after run: the same counts
    # pymalloc's path through an allocation depends on how full its pools are, which depends on
    # everything the process allocated before (options, plugins, a loaded baseline): a run with
    # other options counted up to 0.3 % more. malloc's thread cache takes the same path each time.
    env.setdefault("PYTHONMALLOC", "malloc")
    command = [valgrind, "--tool=callgrind", "--collect-atstart=no", "--instr-atstart=no", "-q",
               "--trace-children=yes",  # --perf-processes children and xdist workers
               f"--callgrind-out-file={directory}/callgrind.out.%p",
               sys.executable, *sys.orig_argv[1:]]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return int(pytest.ExitCode.INTERRUPTED)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
