"""perfbudget's pytest hooks (entry point pytest11: perfbudget = "perfbudget.plugin"). Hooks
only: settings live in settings.py, the fixture in fixture.py, the run in session.py."""

from __future__ import annotations

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
from perfbudget.settings import SettingError, add_options, repair_early_setup
from perfbudget.testcase import PerformanceRegressionTestCase

MARKER = "performance"


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
        "max_time=None, processes=None, cpu=None, tracemalloc=False): a perf test, judged "
        "against its budget in perfbudget.yml (and its baseline with --performance-regression); "
        "select with -m performance",
    )
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
        if group is not None and item.get_closest_marker(MARKER) is not None:
            item.add_marker(group)  # --dist loadgroup: every perf test on one worker


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
