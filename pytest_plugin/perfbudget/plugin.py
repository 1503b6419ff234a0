"""perfbudget's pytest hooks (entry point pytest11: perfbudget = "perfbudget.plugin"). Hooks
only: settings live in settings.py, the fixture in fixture.py, the run in session.py."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Generator, Optional

import pytest

from perfbudget.fixture import perf  # noqa: F401 - registers the fixture
from perfbudget.session import (
    LOCK_DIR_INPUT,
    PERF_KEY,
    ERRORED_ATTRIBUTE,
    RECORDS_KEY,
    REPORT_ATTRIBUTE,
    SESSION_KEY,
    PerfSession,
    perf_session,
)
from perfbudget.instructions import relaunch_under_callgrind
from perfbudget.settings import SettingError, _category, add_options, repair_early_setup
from perfbudget.testcase import PerformanceRegressionTestCase

MARKER = "performance"
# Discovery by convention (perf_discover = true): where and by what name benchmarks are found.
BENCH_DIRECTORIES = ("benchmarks", "bench")
BENCH_PREFIXES = ("bench_", "benchmark_")
# Categories a marker says (category=...), registered up front; any other word is registered
# when a test first uses it, so --strict-markers accepts it.
CATEGORIES = ("unit", "integration")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    # pytest-benchmark's fixture, marker and options (issue 19): a plugin of its own
    from perfbudget import benchmark_compat

    pluginmanager.register(benchmark_compat, "perfbudget-benchmark-compat")


@pytest.hookimpl(tryfirst=True)  # before pytest adds the ini file's pythonpath and loads conftests
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> None:
    repair_early_setup(early_config, parser, args)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> Optional[int]:
    return relaunch_under_callgrind(config)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(budget=None, *, threshold=None, rounds=None, warmup=None, min_time=None, "
        "max_time=None, processes=None, cpu=None, tracemalloc=False, category=None, "
        "threads=None): a perf "
        "test, judged against its budget in perfbudget.yml (and its baseline with "
        "--performance-regression); select with -m performance, and by category with -m "
        "CATEGORY",
    )
    for category in CATEGORIES:
        config.addinivalue_line("markers", f"{category}: perf tests of category {category} "
                                           "(@pytest.mark.performance(category=...))")
    try:
        session = PerfSession(config, config.rootpath)
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(RunHooks(session), "perfbudget-run")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and LOCK_DIR_INPUT in workerinput:
        session.join_lock(workerinput[LOCK_DIR_INPUT])
    elif workerinput is None and getattr(config.option, "numprocesses", None):
        session.start_lock()
        config.pluginmanager.register(XdistControllerHooks(session), "perfbudget-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()


def pytest_report_header(config: pytest.Config) -> str:
    return perf_session(config).header()


@pytest.hookimpl(tryfirst=True)  # before -m deselects: tests that use perf are perf tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    group = pytest.mark.xdist_group("perfbudget") if config.pluginmanager.hasplugin("xdist") else None
    for item in items:
        cls = getattr(item, "cls", None)
        uses_perf = "perf" in getattr(item, "fixturenames", ()) or (
            cls is not None and issubclass(cls, PerformanceRegressionTestCase))
        if uses_perf and item.get_closest_marker(MARKER) is None:
            item.add_marker(MARKER)
        _mark_category(config, item)
        if group is not None and item.get_closest_marker(MARKER) is not None:
            item.add_marker(group)  # --dist loadgroup: every perf test on one worker


def _mark_category(config: pytest.Config, item: pytest.Item) -> None:
    """@pytest.mark.performance(category="integration") adds the marker integration, so that
    -m "performance and not integration" selects by it."""
    marker = item.get_closest_marker(MARKER)
    category = None if marker is None else marker.kwargs.get("category")
    if category is None:
        return
    try:
        word = _category(category, f"@pytest.mark.performance(category=...) on {item.nodeid}")
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    if word == MARKER:
        return
    if not any(line.split(":")[0].split("(")[0].strip() == word
               for line in config.getini("markers")):
        config.addinivalue_line("markers", f"{word}: perf tests of category {word}")
    if item.get_closest_marker(word) is None:
        item.add_marker(word)


def _discovering(config: pytest.Config) -> bool:
    session = config.stash.get(SESSION_KEY, None)
    return session is not None and bool(session.settings["discover"])


def _in_bench_directory(config: pytest.Config, path: Path) -> bool:
    try:
        parts = path.relative_to(config.rootpath).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    return any(part in BENCH_DIRECTORIES for part in parts)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional[pytest.Module]:
    """With perf_discover, a .py file under benchmarks/ or bench/ is a module to collect even
    when its name is not a test file's (bench_parse.py); pytest's own hook has it otherwise."""
    config = parent.config
    if (file_path.suffix != ".py" or not _discovering(config)
            or not _in_bench_directory(config, file_path) or file_path.name == "conftest.py"):
        return None
    patterns = config.getini("python_files")
    if parent.session.isinitpath(file_path) or any(file_path.match(p) for p in patterns):
        return None  # pytest collects it itself
    module: pytest.Module = pytest.Module.from_parent(parent, path=file_path)
    return module


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """With perf_discover, bench_* and benchmark_* functions that take perf, in modules under
    benchmarks/ or bench/, are perf tests (marked performance at collection)."""
    if (not name.startswith(BENCH_PREFIXES) or not isinstance(collector, pytest.Module)
            or not inspect.isfunction(obj) or not _discovering(collector.config)
            or not _in_bench_directory(collector.config, collector.path)):
        return None
    try:
        takes_perf = "perf" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return None
    if not takes_perf:
        return None
    return list(collector._genfunctions(name, obj))  # parametrize as a test_ function


def _measures(item: pytest.Item) -> bool:
    """A perf test (marked at collection when it uses the perf fixture)."""
    return item.get_closest_marker(MARKER) is not None


class RunHooks:
    """The hooks that need the run's state."""

    def __init__(self, session: PerfSession) -> None:
        self.session = session

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.session.order = {item.nodeid: index for index, item in enumerate(session.items)}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: Optional[pytest.Item]) -> Generator[None, Any, Any]:
        lock = self.session.lock
        if lock is None or item.get_closest_marker(MARKER) is not None:
            return (yield)
        with lock.shared():  # under xdist a plain test never runs while another worker measures
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        instance = getattr(item, "instance", None)
        if isinstance(instance, PerformanceRegressionTestCase):
            instance._perfbudget_perf = self.session.perf_for(item)
        try:
            result = yield
        except BaseException:
            perf = item.stash.get(PERF_KEY, None)
            if perf is not None:
                self.session.ship(item, perf)  # judged by the mixin's assertion, then failed
            raise
        perf = item.stash.get(PERF_KEY, None)
        if perf is not None:
            self.session.conclude(item, perf)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        records = item.stash.get(RECORDS_KEY, None)
        if call.when == "call" and records:
            setattr(report, REPORT_ATTRIBUTE, records)
        elif report.failed and not records and _measures(item):
            # A perf test that errored or failed before it was judged: reports list it too.
            setattr(report, ERRORED_ATTRIBUTE, self.session.errored_record(item, report))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.session.collect(report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.session.finish(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)
        if self.session.output_failed and session.exitstatus in (pytest.ExitCode.OK,
                                                                 pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        self.session.terminal_summary(terminalreporter)


class XdistControllerHooks:
    """Registered on the xdist controller only (the hook exists only with xdist)."""

    def __init__(self, session: PerfSession) -> None:
        self.session = session

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[LOCK_DIR_INPUT] = self.session.lock_dir
