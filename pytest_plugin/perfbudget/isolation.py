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
import threading
import time
from pathlib import Path
from typing import Callable, ContextManager, Iterator, Optional, Sequence

from perfbudget._core import cpu_pinned

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


def pinned(cpu: Optional[int]) -> ContextManager[None]:
    """Run the block on one CPU (None: wherever the scheduler likes); the affinity is restored
    (the core's perfbudget_cpu_pin, as CPU in CTest)."""
    return cpu_pinned(cpu)


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


MARKER_VARIABLE = "PERFBUDGET_PROCESS_MARKER"


def _left_running(group: int, marker: bytes) -> set[int]:
    """Processes, zombies aside, in the process group or with marker among their environment
    entries: a daemon that setsid()s away keeps the environment it inherited. Linux (/proc);
    elsewhere none."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        entries = os.listdir("/proc")
        for name in entries:
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
                state, _, pgrp = stat[stat.rindex(b")") + 2:].split()[:3]
                if state in (b"Z", b"X"):
                    continue
                ours = int(pgrp) == group
                if not ours:
                    with open(f"/proc/{name}/environ", "rb") as f:
                        ours = marker in f.read().split(b"\0")
            except (OSError, ValueError):  # gone meanwhile, or another user's: not ours
                continue
            if ours:
                found.add(int(name))
    return found


def _kill_left_running(group: int, marker: bytes, grace: float) -> int:
    """Kill what a child left running (its process group, and processes carrying its marker)
    and return how many there were. What ends by itself within grace seconds (a helper that
    exits when the child's pipe closes) is not counted. Several passes: one may fork while
    we look."""
    deadline = time.monotonic() + grace
    left = _left_running(group, marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.01)
        left = _left_running(group, marker)
    killed: set[int] = set()
    for _ in range(10):
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= left
        time.sleep(0.005)  # let the kills land before looking again
        left = _left_running(group, marker) - killed
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    return len(killed)


class _Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived while children measured."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


@contextlib.contextmanager
def _interrupts_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise _Interrupted in the block (SIGINT raises KeyboardInterrupt
    already), so that the children are killed on the way out. Only signals with their default
    action: one that is ignored (nohup) or handled by someone else stays theirs. Signal
    handlers exist in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    def interrupted(number: int, frame: object) -> None:
        raise _Interrupted(number)
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) == signal.SIG_DFL:
            previous[number] = signal.signal(number, interrupted)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_children(
    nodeid: str,
    count: int,
    rootdir: Path,
    inifile: Optional[Path],
    output_dir: Path,
    extra_args: Sequence[str] = (),
    say: Callable[[str], object] = sys.stderr.write,
) -> list[Path]:
    """Measure the test nodeid in count fresh interpreters, one after another; each writes its
    results to a file in output_dir, returned in order. Each child leads its own process group
    and carries a marker in its environment; what it leaves running, in the group or not (a
    setsid() daemon keeps the marker), is killed when it ends, and fails the test as it does
    for commands. Its output goes to a file, not a pipe, so such a straggler cannot keep us
    waiting for end-of-file. SIGINT, SIGTERM or SIGHUP meanwhile kill the child with all it
    started; SIGTERM and SIGHUP then end this process by that signal, recording nothing, after
    say() told why (past pytest's capture: this process will not get to show what it caught)."""
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
            # The module, not the entry point's name: perfbudget on PYTHONPATH and not
            # installed has no entry point, and -p perfbudget would import the bare package.
            command += ["-p", "perfbudget.plugin"]
        marker = f"{MARKER_VARIABLE}={os.getpid()}-{index}-{time.monotonic_ns()}"
        env[MARKER_VARIABLE] = marker.split("=", 1)[1]
        left = 0
        try:
            with open(log, "wb") as sink, _interrupts_raise():
                child = subprocess.Popen(command, cwd=rootdir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=sink, stderr=subprocess.STDOUT,
                                         start_new_session=True)
                try:
                    returncode = child.wait()
                    left = _kill_left_running(child.pid, marker.encode(), grace=1.0)
                finally:  # interrupted: the child too, and at once
                    _kill_left_running(child.pid, marker.encode(), grace=0)
                    child.kill()
                    child.wait()
        except _Interrupted as interrupted:
            name = signal.Signals(interrupted.number).name
            say(f"perfbudget: interrupted by {name} while measuring {nodeid}; the measuring "
                f"processes were killed and nothing recorded\n")
            signal.signal(interrupted.number, signal.SIG_DFL)
            os.kill(os.getpid(), interrupted.number)
            raise  # not reached: the default action ends the process
        if returncode != 0 or not output.exists():
            raise ChildFailed(f"process {index} of {count} measuring {nodeid} failed "
                              f"({_how_it_ended(returncode)}):\n{_tail(log)}")
        if left:
            raise ChildFailed(f"process {index} of {count} measuring {nodeid} left {left} "
                              f"process{'es' if left > 1 else ''} running after it finished "
                              f"(they were killed)")
        outputs.append(output)
    return outputs
