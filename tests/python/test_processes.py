"""--perf-processes against tests that misbehave: a setsid() daemon, a measured function that
crashes every time, and the parent interrupted while a child measures. Each case fails only its
own test (or ends the session by the signal), leaves nothing running and records nothing
half-done."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from perfbudget._core import History, PerfbudgetError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and uses signals")

# scripts/test-sanitize makes the interpreter a wrapper that preloads AddressSanitizer's runtime.
_UNDER_ASAN = sys.platform == "linux" and "libasan" in Path("/proc/self/maps").read_text()


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)


def _running(starting_with: str) -> list[int]:
    """Processes (zombies aside) whose command line starts with the argument starting_with."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            command = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        if command[0].decode(errors="replace") == starting_with and \
                stat[stat.rindex(")") + 2] not in "ZX":
            found.append(int(name))
    return found


def _running_with_argument(argument: str) -> list[int]:
    """Processes (zombies aside) with argument among their command line's arguments."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            command = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        if argument.encode() in command and stat[stat.rindex(")") + 2] not in "ZX":
            found.append(int(name))
    return found


def _soon(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll condition until it holds, with a deadline generous enough for a loaded machine."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def sleeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of sleep under a name of its own: its processes are exactly the test's."""
    path = tmp_path_factory.mktemp("sleeper") / "sleeper"
    sleep = shutil.which("sleep")
    assert sleep is not None
    shutil.copy(sleep, path)
    yield str(path)
    for pid in _running(str(path)):  # should a check fail, its strays must not outlive it
        os.kill(pid, signal.SIGKILL)


def test_a_setsid_daemon_fails_its_test_and_is_killed(pytester: pytest.Pytester,
                                                      sleeper: str) -> None:
    pytester.makepyfile(f"""
        import subprocess

        started = []

        def start_a_daemon():
            if not started:  # one per process
                started.append(subprocess.Popen([{sleeper!r}, "300"], start_new_session=True))

        def test_daemon(perf):
            perf.pedantic(start_a_daemon, rounds=3)

        def test_fine(perf):
            perf(len, "abc")
    """)
    result = run(pytester, "--perf-processes", "2", "--perf-history", "h.sqlite")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*process 1 of 2 measuring *test_daemon left 1 process running after it finished "
        "(they were killed)*",
    ])
    # the child's daemon was killed, and the parent never called the function to start one
    assert _soon(lambda: not _running(sleeper), 30), _running(sleeper)


@pytest.mark.skipif(_UNDER_ASAN, reason="a fresh venv links the real interpreter, which then "
                    "aborts on loading the extension without AddressSanitizer preloaded")
def test_children_load_the_plugin_from_pythonpath_with_autoload_off(tmp_path: Path) -> None:
    """`pytest -p perfbudget.plugin` with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 and perfbudget on
    PYTHONPATH, not installed: there is no entry point named perfbudget, and the children must
    still load the plugin (they failed on --perf-worker-output, an unknown option)."""
    import perfbudget

    # An interpreter whose site holds everything this one's does but perfbudget's metadata.
    site = Path(pytest.__file__).resolve().parents[1]
    shadow = tmp_path / "site"
    shadow.mkdir()
    for entry in site.iterdir():
        if "perfbudget" not in entry.name:
            (shadow / entry.name).symlink_to(entry)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    venv_site = subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip()
    (Path(venv_site) / "shadow.pth").write_text(f"{shadow}\n")
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "perfbudget").symlink_to(Path(perfbudget.__file__).resolve().parent)
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_work.py").write_text("def test_work(perf):\n    perf(len, 'abc')\n")
    (project / "perfbudget.yml").write_text(
        "version: 1\ndefaults:\n  min_time: 20ms\n  max_time: 50ms\n")
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=str(plugin),
               PYTEST_ADDOPTS="")
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(project),
         "-p", "perfbudget.plugin", "--perf-processes", "2", "--perf-history", "h.sqlite"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout


def test_a_function_that_always_crashes_fails_its_test_and_the_session_goes_on(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_crashing="""
        import ctypes, os

        def test_before(perf):
            perf(len, "abc")

        def test_aborts(perf):
            perf(os.abort)

        def test_segfaults(perf):
            perf(ctypes.string_at, 0)

        def test_after(perf):
            perf(len, "abcd")
    """)
    result = run(pytester, "--perf-processes", "2", "--perf-history", "h.sqlite")
    result.assert_outcomes(passed=2, failed=2)
    # Under AddressSanitizer (scripts/test-sanitize preloads it) its handler turns SIGSEGV into
    # an abort.
    segv = "6 (SIGABRT)" if _UNDER_ASAN else "11 (SIGSEGV)"
    result.stdout.fnmatch_lines_random([
        "*process 1 of 2 measuring test_crashing.py::test_aborts failed (killed by signal 6 "
        "(SIGABRT)):*",
        f"*process 1 of 2 measuring test_crashing.py::test_segfaults failed (killed by signal "
        f"{segv}):*",
        "history: run 1 recorded in h.sqlite",
    ])
    recorded = sorted(r.name for r in History(pytester.path / "h.sqlite").load_run(1))
    assert recorded == ["test_crashing.py::test_after", "test_crashing.py::test_before"]


@pytest.mark.parametrize("number, exit_status", [
    (signal.SIGTERM, -signal.SIGTERM),
    (signal.SIGHUP, -signal.SIGHUP),
    (signal.SIGINT, pytest.ExitCode.INTERRUPTED),  # pytest's KeyboardInterrupt
])
def test_an_interrupt_kills_the_measuring_child_and_records_nothing(
        pytester: pytest.Pytester, sleeper: str, number: int, exit_status: int) -> None:
    test_file = pytester.makepyfile(test_hangs=f"""
        import subprocess

        def test_first(perf):
            perf(len, "abc")

        def test_hangs(perf):
            perf.pedantic(subprocess.run, args=([{sleeper!r}, "300"],), rounds=1)
    """)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--perf-processes", "2",
               "--perf-history", "h.sqlite", "--perf-json", "out.json", str(test_file)]

    def default_signals() -> None:  # not ignored, whatever started this test
        for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(each, signal.SIG_DFL)

    with open(pytester.path / "log", "wb") as log:
        session = subprocess.Popen(command, cwd=pytester.path, stdout=log,
                                   stderr=subprocess.STDOUT, preexec_fn=default_signals)
        try:
            assert _soon(lambda: bool(_running(sleeper))), "the child never started to measure"
            session.send_signal(number)
            assert session.wait(timeout=120) == exit_status
        finally:
            session.kill()
            session.wait()
    output = (pytester.path / "log").read_text()
    if number != signal.SIGINT:
        assert f"interrupted by {signal.Signals(number).name} while measuring" in output
    else:
        assert "interrupted: the run is not recorded in the history" in output
    # the measuring child and what it started are gone
    assert _soon(lambda: not _running(sleeper), 30), _running(sleeper)
    assert _soon(lambda: not _running_with_argument("test_hangs.py::test_hangs"), 30)
    # nothing half-done recorded: no run in the history (test_first did pass), no result file
    assert not (pytester.path / "out.json").exists()
    if (pytester.path / "h.sqlite").exists():
        with pytest.raises(PerfbudgetError, match="has no run 1"):
            History(pytester.path / "h.sqlite").run(1)
