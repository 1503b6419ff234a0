"""Keeping measurements apart from other work: a lock shared by pytest-xdist workers (one
measures, nobody else runs a test meanwhile), pinning to one CPU, and running a perf test in
fresh child processes (--perf-processes)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional, Sequence

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: xdist workers measure without the lock
    fcntl = None  # type: ignore[assignment]


class MeasureLock:
    """A readers-writer lock across processes, on two lock files in a directory the xdist
    controller shares with its workers. Plain tests hold it shared while they run; a
    measurement holds it exclusively, so it waits until no other worker runs a test, and no
    worker starts one until it is done. A turnstile file keeps a waiting measurement from
    starving behind a stream of short tests."""

    def __init__(self, directory: str) -> None:
        self._turnstile = os.open(os.path.join(directory, "turnstile.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self._main = os.open(os.path.join(directory, "measure.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self._shared = False

    def close(self) -> None:
        os.close(self._turnstile)
        os.close(self._main)

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        fcntl.flock(self._main, fcntl.LOCK_SH)
        fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        self._shared = True
        try:
            yield
        finally:
            self._shared = False
            fcntl.flock(self._main, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        was_shared = self._shared
        if was_shared:  # this process holds it shared (a perf call from a plain test): upgrade
            fcntl.flock(self._main, fcntl.LOCK_UN)
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        fcntl.flock(self._main, fcntl.LOCK_EX)
        fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            if was_shared:
                fcntl.flock(self._main, fcntl.LOCK_SH)  # flock converts the lock in place
            else:
                fcntl.flock(self._main, fcntl.LOCK_UN)


def new_lock_directory() -> str:
    return tempfile.mkdtemp(prefix="perfbudget-lock-")


@contextlib.contextmanager
def pinned(cpu: Optional[int]) -> Iterator[None]:
    """Run the block on one CPU (None: wherever the scheduler likes); the affinity is restored."""
    if cpu is None:
        yield
        return
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


class ChildFailed(Exception):
    """A --perf-processes child failed; the message holds the end of its output."""


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "an unnamed signal"
        return f"killed by signal {-returncode} ({name})"
    return f"exit {returncode}"


def _tail(path: Path, lines: int = 30, limit: int = 8192) -> str:
    """The last lines of a child's output, at most limit bytes of it: a child may print
    megabytes, in one line or many."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - limit))
        text = f.read().decode("utf-8", "replace")
    shown = "\n".join(text.strip().splitlines()[-lines:])
    return f"[... {size - limit} bytes not shown ...]\n{shown}" if size > limit else shown


def run_children(
    nodeid: str,
    count: int,
    rootdir: Path,
    inifile: Optional[Path],
    output_dir: Path,
    extra_args: Sequence[str] = (),
) -> list[Path]:
    """Measure the test nodeid in count fresh interpreters, one after another; each writes its
    results to a file in output_dir, returned in order. Each child leads its own process group,
    killed when it ends, so what a test started in the background dies with it; its output goes
    to a file, not a pipe, so such a straggler cannot keep us waiting for end-of-file."""
    outputs = []
    env = dict(os.environ)
    env["PYTEST_ADDOPTS"] = ""  # no -n from the environment, no recursion
    for index in range(1, count + 1):
        output = output_dir / f"process-{index}.json"
        log = output_dir / f"process-{index}.log"
        command = [
            sys.executable, "-m", "pytest", nodeid, "--perf-worker-output", str(output),
            "--rootdir", str(rootdir), "-o", "addopts=", "-p", "no:cacheprovider",
            "-p", "no:xdist", "-q", "--no-header", "-W", "ignore::pytest.PytestConfigWarning",
            *(["-c", str(inifile)] if inifile else []), *extra_args,
        ]
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            command += ["-p", "perfbudget"]
        with open(log, "wb") as sink:
            child = subprocess.Popen(command, cwd=rootdir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                returncode = child.wait()
            finally:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if returncode != 0 or not output.exists():
            raise ChildFailed(f"process {index} of {count} measuring {nodeid} failed "
                              f"({_how_it_ended(returncode)}):\n{_tail(log)}")
        outputs.append(output)
    return outputs
