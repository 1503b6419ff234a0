"""pytest-benchmark's names in a perfbudget run, so that an existing suite moves over unchanged
(docs/pytest.md, "Migrating from pytest-benchmark"):

- the `benchmark` fixture (ini `perf_benchmark_fixture = true`): perfbudget's `perf` behind
  pytest-benchmark's interface (BenchmarkFixture, stats in seconds);
- `@pytest.mark.benchmark(group=..., min_rounds=..., ...)`, read as @pytest.mark.performance;
- `--benchmark-*` options (in addopts) when pytest-benchmark itself is not loaded: mapped where
  perfbudget has the same meaning, otherwise accepted and named in one note.

Registered by plugin.py (pytest_addhooks) as a plugin of its own."""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Callable, Optional

import pytest

from perfbudget.fixture import Perf

INI_FIXTURE = "perf_benchmark_fixture"
PYTEST_BENCHMARK_PLUGINS = ("benchmark", "pytest_benchmark.plugin", "pytest_benchmark")
MARKER = "benchmark"
PYTEST_BENCHMARK_LOADED = pytest.StashKey[bool]()  # its options are then its own

# pytest-benchmark's options, as its parser declares them (so that addopts written for it
# parse the same), each with what perfbudget makes of it: "mapped" ones act, the others are
# accepted and named in one note, with the perfbudget way to the same end where there is one.
_STORE, _FLAG, _OPTIONAL, _APPEND_OPTIONAL, _MANY = "store", "flag", "optional", "append?", "many"
OPTIONS: dict[str, tuple[str, Optional[str]]] = {
    "min-time": (_STORE, None),  # mapped: min_time of each perf test
    "max-time": (_STORE, None),  # mapped: max_time
    "min-rounds": (_STORE, None),  # mapped: rounds
    "timer": (_STORE, "perfbudget always times with CLOCK_MONOTONIC"),
    "calibration-precision": (_STORE, "perfbudget calibrates until a sample lasts 100 us"),
    "warmup": (_OPTIONAL, None),  # mapped, with warmup-iterations: warmup
    "warmup-iterations": (_STORE, None),
    "disable-gc": (_FLAG, "perfbudget leaves the garbage collector on"),
    "skip": (_FLAG, None),  # mapped: perf tests are skipped
    "disable": (_FLAG, None),  # mapped: --perf-disable
    "enable": (_FLAG, None),  # mapped: perfbudget measures unless disabled, xdist included
    "only": (_FLAG, None),  # mapped: tests that measure nothing are skipped
    "save": (_STORE, "use --perf-save-baseline NAME"),
    "autosave": (_FLAG, "every run is kept in the history"),
    "save-data": (_FLAG, "the history keeps every sample"),
    "json": (_STORE, "use --perf-json FILE"),
    "compare": (_OPTIONAL, "use --performance-regression (--perf-baseline NAME)"),
    "compare-fail": (_MANY, "use --performance-regression --perf-threshold N"),
    "cprofile": (_STORE, "use --perf-profile"),
    "cprofile-loops": (_STORE, "use --perf-profile"),
    "cprofile-top": (_STORE, "use --perf-profile"),
    "cprofile-dump": (_APPEND_OPTIONAL, "use --perf-profile"),
    "storage": (_STORE, "use --perf-history FILE"),
    "netrc": (_OPTIONAL, "perfbudget stores nothing remotely"),
    "verbose": (_FLAG, None),
    "quiet": (_FLAG, None),
    "sort": (_STORE, "the summary keeps the tests' order"),
    "group-by": (_STORE, "the summary groups by perf.group, else by test"),
    "columns": (_STORE, "use --perf-report FILE for every figure"),
    "name": (_STORE, "measurements are named by node id"),
    "time-unit": (_STORE, "units are chosen per value"),
    "histogram": (_APPEND_OPTIONAL, "use --perf-report FILE.html"),
    "csv": (_APPEND_OPTIONAL, "use --perf-report FILE.csv"),
}
MAPPED = ("min-time", "max-time", "min-rounds", "warmup", "warmup-iterations", "skip", "disable",
          "enable", "only")


def _dest(option: str) -> str:
    return "benchmark_" + option.replace("-", "_")


def _pytest_benchmark_will_load(pluginmanager: pytest.PytestPluginManager) -> bool:
    """Whether pytest-benchmark is (or will be) a plugin of this run: loaded already, or
    installed and neither blocked (-p no:benchmark) nor left out of the plugin autoload."""
    if any(pluginmanager.has_plugin(name) for name in PYTEST_BENCHMARK_PLUGINS):
        return True
    if pluginmanager.is_blocked("benchmark") or pluginmanager.is_blocked("pytest_benchmark"):
        return False
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False  # only -p would load it, and -p plugins are registered before this one
    return importlib.util.find_spec("pytest_benchmark") is not None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    parser.addini(INI_FIXTURE, "provide pytest-benchmark's `benchmark` fixture, measured by "
                  "perfbudget (needs pytest-benchmark not loaded: -p no:benchmark)",
                  type="bool", default=False)
    if _pytest_benchmark_will_load(pluginmanager):
        return  # its own options; the same names twice would be an error
    group = parser.getgroup("perfbudget-benchmark", "pytest-benchmark's options, read by "
                            "perfbudget (pytest-benchmark is not loaded)")
    for option, (kind, hint) in OPTIONS.items():
        what = "mapped to perfbudget's equivalent" if option in MAPPED else f"ignored: {hint}"
        names = dict(dest=_dest(option), help=f"pytest-benchmark's option, {what}")
        if kind == _FLAG:
            group.addoption(f"--benchmark-{option}", action="store_true", default=None, **names)
        elif kind == _OPTIONAL:
            group.addoption(f"--benchmark-{option}", nargs="?", const=True, default=None, **names)
        elif kind == _APPEND_OPTIONAL:
            group.addoption(f"--benchmark-{option}", action="append", nargs="?", const=True,
                            default=None, **names)
        elif kind == _MANY:
            group.addoption(f"--benchmark-{option}", nargs="+", default=None, **names)
        else:
            group.addoption(f"--benchmark-{option}", default=None, **names)


def given_options(config: pytest.Config) -> dict[str, Any]:
    """The --benchmark-* options this run was given (none when pytest-benchmark reads them)."""
    given = {}
    for option in OPTIONS:
        value = getattr(config.option, _dest(option), None)
        if value is not None and not config.stash.get(PYTEST_BENCHMARK_LOADED, False):
            given[option] = value
    return given


def ignored_note(given: dict[str, Any]) -> Optional[str]:
    """One line naming the given options perfbudget does not act on, each with its hint."""
    ignored = [f"--benchmark-{option} ({OPTIONS[option][1]})" for option in given
               if option not in MAPPED and OPTIONS[option][1]]
    quiet = [f"--benchmark-{option}" for option in given
             if option not in MAPPED and not OPTIONS[option][1]]
    if not ignored and not quiet:
        return None
    return ("perfbudget: pytest-benchmark's options without a perfbudget meaning, ignored: "
            + "; ".join(ignored + quiet))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(group=None, min_rounds=None, min_time=None, max_time=None, "
        "warmup=False, warmup_iterations=None, ...): pytest-benchmark's marker, read by perfbudget "
        "as @pytest.mark.performance (group: the summary's group)")
    pytest_benchmark = any(config.pluginmanager.has_plugin(name)
                           for name in PYTEST_BENCHMARK_PLUGINS)
    config.stash[PYTEST_BENCHMARK_LOADED] = pytest_benchmark
    if config.getini(INI_FIXTURE):
        if pytest_benchmark:
            raise pytest.UsageError(
                f"{INI_FIXTURE} = true asks perfbudget for the `benchmark` fixture, but "
                f"pytest-benchmark is loaded and provides its own: add -p no:benchmark to addopts "
                f"(or uninstall pytest-benchmark)")
        if not config.pluginmanager.has_plugin("perfbudget-benchmark-fixture"):
            from perfbudget import benchmark_fixture

            config.pluginmanager.register(benchmark_fixture, "perfbudget-benchmark-fixture")
    given = given_options(config)
    if given.get("disable") and getattr(config.option, "perfbudget_disable", None) is None:
        config.option.perfbudget_disable = True  # --benchmark-disable: --perf-disable


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    return ignored_note(given_options(config))


def _seconds(value: Any) -> Any:
    """pytest-benchmark's seconds (a number, or its text on the command line) for perfbudget's
    duration settings, which read a bare number as seconds."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _warmup_on(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("on", "yes", "true", "1")


def performance_kwargs(benchmark_kwargs: dict[str, Any]) -> dict[str, Any]:
    """pytest-benchmark's settings (marker keywords, or options with _ for -) as
    @pytest.mark.performance keywords; those without a perfbudget meaning are left out."""
    out: dict[str, Any] = {}
    if benchmark_kwargs.get("min_rounds") is not None:
        out["rounds"] = int(benchmark_kwargs["min_rounds"])
    for key in ("min_time", "max_time"):
        if benchmark_kwargs.get(key) is not None:
            out[key] = _seconds(benchmark_kwargs[key])
    iterations = benchmark_kwargs.get("warmup_iterations")
    if iterations is not None and _warmup_on(benchmark_kwargs.get("warmup")):
        out["warmup"] = int(iterations)
    return out


def _uses_measurement(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "perf" in names or "benchmark" in names


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    given = given_options(config)
    from_options = performance_kwargs({key.replace("-", "_"): value
                                       for key, value in given.items()})
    fixture = config.pluginmanager.has_plugin("perfbudget-benchmark-fixture")
    for item in items:
        # pytest-benchmark's own tests (it is loaded, they use its fixture) are left to it
        measured = _uses_measurement(item) if fixture else "perf" in getattr(item, "fixturenames", ())
        if not measured:
            continue
        marker = item.get_closest_marker(MARKER)
        if marker is None and not from_options:
            if fixture and item.get_closest_marker("performance") is None:
                item.add_marker("performance")  # a `benchmark` test is a perf test
            continue
        kwargs = dict(from_options)
        if marker is not None:
            kwargs.update(performance_kwargs(dict(marker.kwargs)))
        own = item.get_closest_marker("performance")
        args = own.args if own is not None else ()
        if own is not None:
            kwargs.update(own.kwargs)  # the perfbudget marker's own settings win
        # first among the item's markers: get_closest_marker("performance") finds this one
        item.add_marker(pytest.mark.performance(*args, **kwargs), append=False)
    if given.get("only") or given.get("skip"):
        only = bool(given.get("only"))
        for item in items:
            perf_test = item.get_closest_marker("performance") is not None
            if only and not perf_test:
                item.add_marker(pytest.mark.skip(reason="--benchmark-only: measures nothing"))
            elif not only and perf_test:
                item.add_marker(pytest.mark.skip(reason="--benchmark-skip: a perf test"))


def benchmark_group(item: pytest.Item) -> Optional[str]:
    """@pytest.mark.benchmark(group=...) of the item, if any."""
    marker = item.get_closest_marker(MARKER)
    group = marker.kwargs.get("group") if marker is not None else None
    return None if group is None else str(group)


class BenchmarkStats:
    """pytest-benchmark's benchmark.stats (its Metadata, whose .stats is itself here): times in
    seconds, per call, from perfbudget's samples. Quartiles are perfbudget's p25 and p75."""

    def __init__(self, result: Any) -> None:
        samples = [value / 1e9 for value in result.samples]
        summary = result.summary
        self.data = samples
        self.rounds = len(samples)
        self.iterations = int(result.metrics.get("iterations_per_sample") or 1)
        self.min, self.max = summary.min / 1e9, summary.max / 1e9
        self.mean, self.stddev = summary.mean / 1e9, summary.stddev / 1e9
        self.median = summary.median / 1e9
        self.q1, self.q3, self.iqr = summary.p25 / 1e9, summary.p75 / 1e9, summary.iqr / 1e9
        self.ld15iqr = min((v for v in samples if v >= self.q1 - 1.5 * self.iqr), default=self.min)
        self.hd15iqr = max((v for v in samples if v <= self.q3 + 1.5 * self.iqr), default=self.max)
        self.iqr_outliers = summary.outliers_low + summary.outliers_high
        self.stddev_outliers = sum(1 for v in samples if abs(v - self.mean) > self.stddev)
        self.outliers = f"{self.stddev_outliers};{self.iqr_outliers}"
        self.ops = 1 / self.mean if self.mean > 0 else 0.0
        self.total = sum(samples) * self.iterations

    @property
    def stats(self) -> "BenchmarkStats":
        return self

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in (
            "min", "max", "mean", "stddev", "rounds", "median", "iqr", "q1", "q3", "iqr_outliers",
            "stddev_outliers", "outliers", "ld15iqr", "hd15iqr", "ops", "total", "iterations")}


class BenchmarkFixture:
    """pytest-benchmark's `benchmark` fixture, measured by perfbudget's `perf`: the same calls
    (`benchmark(fn, *args, **kwargs)`, `benchmark.pedantic(...)`) and attributes (`extra_info`,
    `group`, `name`, `fullname`, `stats` in seconds, `enabled`, `disabled`)."""

    def __init__(self, perf: Perf, item: pytest.Item) -> None:
        self._perf = perf
        self.name = item.name
        self.fullname = item.nodeid
        group = benchmark_group(item)
        if group is not None and perf.group is None:
            perf.group = group

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._perf(fn, *args, **kwargs)

    def pedantic(self, target: Callable[..., Any], args: tuple[Any, ...] = (),
                 kwargs: Optional[dict[str, Any]] = None, setup: Optional[Callable[[], Any]] = None,
                 teardown: Optional[Callable[..., Any]] = None, rounds: int = 1,
                 warmup_rounds: int = 0, iterations: int = 1) -> Any:
        return self._perf.pedantic(target, args, kwargs, setup, teardown, rounds, warmup_rounds,
                                   iterations)

    @property
    def extra_info(self) -> dict[str, Any]:
        return self._perf.extra_info

    @extra_info.setter
    def extra_info(self, value: dict[str, Any]) -> None:
        self._perf.extra_info = value

    @property
    def group(self) -> Optional[str]:
        return self._perf.group

    @group.setter
    def group(self, value: Optional[str]) -> None:
        self._perf.group = value

    @property
    def enabled(self) -> bool:
        return bool(self._perf._context.measuring)

    @property
    def disabled(self) -> bool:
        return not self.enabled

    @property
    def stats(self) -> Optional[BenchmarkStats]:
        result = self._perf.result
        return None if result is None else BenchmarkStats(result)

    @property
    def perf(self) -> Perf:
        """perfbudget's own fixture behind this one (perf.named, perf.record, perf.stage...)."""
        return self._perf

    def weave(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("benchmark.weave (aspectlib) is not supported by perfbudget: "
                                  "measure the call itself with benchmark(fn, ...)")

    patch = weave
