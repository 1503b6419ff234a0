"""Every perfbudget setting of the pytest front end, its names in each layer, and the one
function that resolves it: marker > command line > environment > ini file > budget file >
built-in default. Each value remembers where it came from, and every validation error names
that source ("--perf-threshold", "PERFBUDGET_THRESHOLD", "perf_threshold in pytest.ini",
"@pytest.mark.performance(threshold=...) on tests/test_x.py::test_y")."""

from __future__ import annotations

import argparse
import copy
import inspect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import pytest

from perfbudget._core import EffectiveBudget, parse_quantity, report_format_for_path


class SettingError(ValueError):
    """A setting has a value that cannot be used; the message starts with its source."""


# ---- parsers: (raw value, source) -> value ----------------------------------------------------


def _text(raw: Any, source: str) -> str:
    text = str(raw).strip()
    if not text:
        raise SettingError(f"{source}: must not be empty")
    return text


def _flag(raw: Any, source: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingError(f"{source}: expected 1/0, true/false, yes/no or on/off, not {raw!r}")


def _percent(raw: Any, source: str) -> float:
    try:
        quantity = parse_quantity(str(raw).strip())
    except ValueError as error:
        raise SettingError(f"{source}: {error}") from None
    if quantity.kind not in ("number", "percent") or quantity.value < 0:
        raise SettingError(f"{source}: expected a percentage such as 5 or 5%, not {raw!r}")
    return quantity.value


def _count(raw: Any, source: str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SettingError(f"{source}: expected a whole number, not {raw!r}") from None
    if value < 1:
        raise SettingError(f"{source}: must be at least 1, not {value}")
    return value


def _thread_counts(raw: Any, source: str) -> tuple[int, ...]:
    """threads=4 or threads=[1, 2, 4]: whole numbers from 1 to 64, each once, at most 8."""
    values = [raw] if isinstance(raw, (int, str)) else list(raw)
    counts = tuple(_count(value, source) for value in values)
    if any(count > 64 for count in counts) or len(set(counts)) != len(counts) or len(counts) > 8:
        raise SettingError(f"{source}: thread counts are from 1 to 64, each once, at most 8, "
                           f"not {raw!r}")
    return counts


def _count0(raw: Any, source: str) -> int:
    """A whole number >= 0."""
    if str(raw).strip() == "0":
        return 0
    return _count(raw, source)


def _cpu(raw: Any, source: str) -> int:
    try:
        cpu = int(str(raw).strip())
    except ValueError:
        raise SettingError(f"{source}: expected a CPU number, not {raw!r}") from None
    if not hasattr(os, "sched_getaffinity"):
        raise SettingError(f"{source}: pinning to a CPU needs os.sched_setaffinity (Linux)")
    allowed = sorted(os.sched_getaffinity(0))
    if cpu not in allowed:
        raise SettingError(f"{source}: CPU {cpu} is not available to this process (allowed: "
                           f"{', '.join(map(str, allowed))})")
    return cpu


def _name(raw: Any, source: str) -> str:
    text = _text(raw, source)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text):
        raise SettingError(f"{source}: a baseline name is letters, digits, '.', '-' and '_', "
                           f"not {text!r}")
    return text


_REPORT_FORMATS = (".md", ".csv", ".json", ".html", ".trace.json")


def _report(raw: Any, source: str) -> str:
    text = _text(raw, source)
    if report_format_for_path(text) is None:
        suffix = Path(text).suffix.lower()
        raise SettingError(f"{source}: the report format follows the file's suffix: "
                           f"{', '.join(_REPORT_FORMATS)} (not {suffix or 'none'!r})")
    return text


def _reports(raw: Any, source: str) -> tuple[str, ...]:
    """One report or several (--perf-report given again, or the ini's list): each checked, each
    file once, in the order given."""
    values = [raw] if isinstance(raw, str) else list(raw)
    reports = [_report(value, source) for value in values]
    return tuple(dict.fromkeys(reports))


def _fail_on(raw: Any, source: str) -> str:
    text = str(raw).strip()
    if text not in ("regression", "critical", "never"):
        raise SettingError(f"{source}: expected regression, critical or never, not {raw!r}")
    return text


def _category(raw: Any, source: str) -> str:
    # a pytest marker and a CTest label: one word, as -m and ctest -L select it
    text = str(raw).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise SettingError(f"{source}: a category is one word of letters, digits and _, "
                           f"not {raw!r}")
    return text


def _mode(raw: Any, source: str) -> str:
    text = _text(raw, source)
    if text not in ("time", "instructions"):
        raise SettingError(f"{source}: must be time or instructions (not {text!r})")
    return text


def _duration(raw: Any, source: str) -> int:
    """A duration ("2s", "100ms") or a number of seconds (pytest-benchmark's max_time), in ns."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = f"{raw}s"
    try:
        quantity = parse_quantity(str(raw).strip())
    except ValueError as error:
        raise SettingError(f"{source}: {error}") from None
    if quantity.kind != "duration" or quantity.value < 0:
        raise SettingError(f"{source}: expected a duration such as 2s or 100ms, not {raw!r}")
    return int(quantity.value)


def _warmup(raw: Any, source: str) -> tuple[str, int]:
    """Warm-up as iterations (a number) or as a duration: ("iterations" | "ns", value)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise SettingError(f"{source}: must not be negative")
        return ("iterations", raw)
    try:
        quantity = parse_quantity(str(raw).strip())
    except ValueError as error:
        raise SettingError(f"{source}: {error}") from None
    if quantity.kind == "number" and quantity.value >= 0:
        return ("iterations", int(quantity.value))
    if quantity.kind == "duration" and quantity.value >= 0:
        return ("ns", int(quantity.value))
    raise SettingError(f"{source}: expected iterations (5) or a duration (100ms), not {raw!r}")


# ---- the settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One setting: its names per layer (None: not settable there), parser and help."""

    key: str
    parse: Callable[[Any, str], Any]
    help: str
    default: Any = None
    cli: Optional[str] = None
    metavar: Optional[str] = None
    env: Optional[str] = None
    marker: Optional[str] = None
    flag: bool = False
    several: bool = False  # may be given more than once (a list in the ini file)

    @property
    def ini(self) -> Optional[str]:
        """The ini twin: the option's name without dashes ("--perf-threshold": perf_threshold)."""
        return None if self.cli is None else self.cli.lstrip("-").replace("-", "_")


SPECS: tuple[Spec, ...] = (
    Spec("regression", _flag, "compare every perf test with its baseline; regressions fail",
         False, "--performance-regression", env="PERFBUDGET_REGRESSION", flag=True),
    Spec("threshold", _percent, "regression threshold in percent (default 5; the budget file's "
         "regression.threshold applies when unset)", 5.0, "--perf-threshold", "PCT",
         "PERFBUDGET_THRESHOLD", "threshold"),
    Spec("budget_file", _text, "budget file (default: perfbudget.yml at the rootdir, beside "
         "the ini file or in the invocation directory, if it exists)",
         None, "--perf-budget", "FILE", "PERFBUDGET_BUDGET"),
    Spec("baseline", _text, "baseline to compare with: a name saved with --perf-save-baseline "
         "or a result file; implies --performance-regression (default: the last run)",
         None, "--perf-baseline", "NAME|FILE", "PERFBUDGET_BASELINE"),
    Spec("save_baseline", _name, "name this run baseline NAME in the history (--perf-history), "
         "for --perf-baseline NAME later; perfbudget baseline export NAME writes it to a file",
         None, "--perf-save-baseline", "NAME"),
    Spec("json", _text, "write this run's results to FILE (perfbudget result file, JSON: the "
         "document --perf-report FILE.json writes)", None, "--perf-json", "FILE"),
    Spec("report", _reports, "write a report of the perf tests to FILE, in the format of its "
         "suffix: .md, .csv, .json, .html or .trace.json; give it again for more reports",
         None, "--perf-report", "FILE", several=True),
    Spec("history", _text, "the history database (default: the budget file's settings.history, "
         "else .perfbudget/history.sqlite)", None, "--perf-history", "FILE",
         "PERFBUDGET_HISTORY"),
    Spec("confirm", _count0, "re-measure a suspected regression up to N times; it fails only if "
         "every re-measurement regresses too (default 0)", 0, "--perf-confirm", "N",
         "PERFBUDGET_CONFIRM", "confirm"),
    Spec("disable", _flag, "run perf tests once, as plain functional tests, without measuring",
         False, "--perf-disable", env="PERFBUDGET_DISABLE", flag=True),
    Spec("processes", _count, "measure each perf test in N fresh processes and pool them "
         "(default 1)", 1, "--perf-processes", "N", "PERFBUDGET_PROCESSES", "processes"),
    Spec("cpu", _cpu, "pin measuring to CPU N (os.sched_setaffinity)", None, "--perf-cpu", "N",
         "PERFBUDGET_CPU", "cpu"),
    Spec("mode", _mode, "time (default), or instructions: judge instructions per iteration only, "
         "counted by the PMU or, where the kernel has none, under valgrind's callgrind, which "
         "pytest is started again under", "time", "--perf-mode", "time|instructions",
         "PERFBUDGET_MODE"),
    Spec("speed_correction", _flag, "time a reference loop after each sample, so that "
         "comparisons divide out a change of the machine's speed (also speed_correction: true "
         "in the budget file)", False, "--perf-speed-correction",
         env="PERFBUDGET_SPEED_CORRECTION", flag=True),
    Spec("profile", _flag, "write a cProfile dump of one extra run of each perf test that "
         "regressed or breached its budget", False, "--perf-profile", flag=True),
    Spec("fail_on", _fail_on, "what fails a perf test: regression (any regression or breached "
         "limit), critical (only critical regressions and breached limits) or never; the rest "
         "is reported as a warning (default: the budget file's policy.fail_on, else "
         "regression)", None, "--perf-fail-on", "regression|critical|never",
         "PERFBUDGET_FAIL_ON"),
    Spec("discover", _flag, "collect functions named bench_* or benchmark_* that take perf, in "
         ".py files under benchmarks/ or bench/ directories, as perf tests without markers",
         False, "--perf-discover", env="PERFBUDGET_DISCOVER", flag=True),
    # marker only
    Spec("budget_name", _text, "budget entry", marker="budget"),
    Spec("category", _category, "category, added as a marker", marker="category"),
    Spec("tracemalloc", _flag, "python_peak_memory by tracemalloc", False, marker="tracemalloc"),
    Spec("rounds", _count, "minimum samples", marker="rounds"),
    Spec("threads", _thread_counts, "thread counts to run the measured function with, each at "
         "once (1 is added); docs/threads.md", marker="threads"),
    Spec("warmup", _warmup, "warm-up", marker="warmup"),
    Spec("min_time", _duration, "minimum measuring time", marker="min_time"),
    Spec("max_time", _duration, "cap on measuring time", marker="max_time"),
    # from the budget file only
    Spec("critical", _percent, "critical threshold"),
    Spec("statistic", _text, "statistic compared", "median"),
)
WORKER_OUTPUT = "--perf-worker-output"  # hidden: a --perf-processes child writes its results here


def add_options(parser: pytest.Parser) -> None:
    """The option group shown by pytest --help, and each option's ini twin."""
    group = parser.getgroup("perfbudget", "performance budgets and regressions (perfbudget)")
    for spec in SPECS:
        if spec.cli is None:
            continue
        dest = "perfbudget_" + spec.key
        if spec.flag:
            group.addoption(spec.cli, action="store_true", default=None, dest=dest, help=spec.help)
        elif spec.several:
            group.addoption(spec.cli, action="append", default=None, dest=dest,
                            metavar=spec.metavar, help=spec.help)
        else:
            group.addoption(spec.cli, default=None, dest=dest, metavar=spec.metavar, help=spec.help)
        env = f" [env {spec.env}]" if spec.env else ""
        if spec.several:  # several files, as pytest's args ini type splits them (shell quoting)
            parser.addini(spec.ini or "", spec.help + env, type="args", default=[])
        else:
            parser.addini(spec.ini or "", spec.help + env, default="")
    group.addoption(WORKER_OUTPUT, default=None, dest="perfbudget_worker_output",
                    help=argparse.SUPPRESS)


# ---- option values given as their own argument ----------------------------------------------


def join_option_values(args: Sequence[str]) -> list[str]:
    """args with the value of each perfbudget option that takes one joined to it: `--perf-report
    FILE` becomes `--perf-report=FILE`. Nothing after `--` changes, and an argument that looks
    like an option is left for argparse to refuse as a value."""
    takes_value = {spec.cli for spec in SPECS if spec.cli and not spec.flag} | {WORKER_OUTPUT}
    joined: list[str] = []
    index = 0
    while index < len(args):
        arg = str(args[index])
        if arg == "--":
            joined += [str(rest) for rest in args[index:]]
            break
        value = str(args[index + 1]) if index + 1 < len(args) else None
        if arg in takes_value and value is not None and (value == "-" or not value.startswith("-")):
            joined.append(f"{arg}={value}")
            index += 2
        else:
            joined.append(arg)
            index += 1
    return joined


def _determine_setup(config: pytest.Config, namespace: argparse.Namespace) -> tuple[Any, ...]:
    """pytest's own choice of rootdir and ini file for these arguments: (rootpath, inipath,
    inicfg[, ignored config files]). Its signature differs between pytest 7, 8 and 9."""
    from _pytest.config.findpaths import determine_setup

    parameters = inspect.signature(determine_setup).parameters
    offered = {"inifile": namespace.inifilename, "args": list(namespace.file_or_dir),
               "rootdir_cmd_arg": getattr(namespace, "rootdir", None) or None,
               "invocation_dir": config.invocation_params.dir,
               "override_ini": getattr(namespace, "override_ini", None), "config": config}
    return tuple(determine_setup(**{key: value for key, value in offered.items()
                                    if key in parameters}))


def repair_early_setup(config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """pytest picks the rootdir and the ini file before it loads plugins, so it cannot know that
    `--perf-report report.html` is an option and its value: once the file exists, the value counts
    as a test path, which moves the rootdir to the report's directory and can lose the ini file
    (its pythonpath, its addopts): the second run of a command fails where the first passed
    (pytest issue #8846). Called from pytest_load_initial_conftests, the first hook a plugin
    gets, before conftest files load: the values are joined to their options in args (the list
    pytest parses next), and when pytest picked another rootdir or ini file than the joined
    arguments give, they are picked again and what pytest derived from them is redone: the ini
    file's addopts, pythonpath, minversion, required_plugins and the conftest boundary."""
    ini_addopts = [str(arg) for arg in config.getini("addopts")]
    prefix = len(ini_addopts) if list(args[:len(ini_addopts)]) == ini_addopts else 0
    given = join_option_values(args[prefix:])  # PYTEST_ADDOPTS and the command line
    if given == list(args[prefix:]):
        return
    namespace = parser.parse_known_args(given, namespace=copy.copy(config.option))
    found = _determine_setup(config, namespace)
    rootpath, inipath, inicfg = found[:3]
    if rootpath == config.rootpath and inipath == config.inipath:
        args[:] = list(args[:prefix]) + given
        return
    if hasattr(config, "_unconfigure_python_path"):  # pytest 9: the wrong ini's pythonpath out
        config._unconfigure_python_path()
    config._rootpath = rootpath
    config._inipath = inipath
    setattr(config, "_inicfg" if hasattr(config, "_inicfg") else "inicfg", inicfg)
    if len(found) > 3 and hasattr(config, "_ignored_config_files"):
        config._ignored_config_files = found[3]
    config._inicache.clear()
    parser.extra_info["rootdir"] = str(rootpath)
    parser.extra_info["inifile"] = str(inipath)
    addopts = join_option_values([str(arg) for arg in config.getini("addopts")])
    args[:] = addopts + given
    config.known_args_namespace = parser.parse_known_args(args, namespace=copy.copy(config.option))
    if config.known_args_namespace.confcutdir is None:
        config.known_args_namespace.confcutdir = str(inipath.parent if inipath else rootpath)
    for redo in ("_checkversion", "_configure_python_path", "_validate_plugins"):
        if hasattr(config, redo):  # pytest 7 and 8 add pythonpath in a later hook of this call
            getattr(config, redo)()
    config.pluginmanager.consider_preparse(addopts, exclude_only=False)


# ---- layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One source of settings: what it calls a setting and what raw value it holds (None: unset)."""

    describe: Callable[[Spec], Optional[str]]
    get: Callable[[Spec], Any]


def _marker_layer(marker: Optional[pytest.Mark], nodeid: str) -> Optional[Layer]:
    if marker is None:
        return None
    kwargs = dict(marker.kwargs)
    if marker.args:
        if len(marker.args) > 1 or "budget" in kwargs:
            raise SettingError(f"@pytest.mark.performance on {nodeid}: takes at most one "
                               f"positional argument, the budget name")
        kwargs["budget"] = marker.args[0]
    known = {spec.marker for spec in SPECS if spec.marker}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise SettingError(f"@pytest.mark.performance on {nodeid}: unknown argument "
                           f"{unknown[0]!r} (known: {', '.join(sorted(k for k in known if k))})")
    return Layer(
        lambda spec: f"@pytest.mark.performance({spec.marker}=...) on {nodeid}" if spec.marker else None,
        lambda spec: kwargs.get(spec.marker) if spec.marker else None,
    )


def _cli_layer(config: pytest.Config) -> Layer:
    def get(spec: Spec) -> Any:
        return getattr(config.option, "perfbudget_" + spec.key, None) if spec.cli else None

    return Layer(lambda spec: spec.cli, get)


def _env_layer(environ: Mapping[str, str]) -> Layer:
    def get(spec: Spec) -> Any:
        value = environ.get(spec.env) if spec.env else None
        return value if value != "" else None

    return Layer(lambda spec: spec.env, get)


def _ini_layer(config: pytest.Config) -> Layer:
    ini_file = config.inipath.name if config.inipath else "the ini file"

    def get(spec: Spec) -> Any:
        if spec.ini is None:
            return None
        value = config.getini(spec.ini)
        return value if value not in ("", None, []) else None

    return Layer(lambda spec: f"{spec.ini} in {ini_file}" if spec.ini else None, get)


def _budget_layer(budget: Optional[EffectiveBudget], budget_file: str) -> Optional[Layer]:
    if budget is None:
        return None
    values = {
        # the latency threshold: regression.per_metric.latency, else regression.threshold (as C)
        "threshold": budget.group_threshold_pct.get("latency", budget.threshold_pct),
        "critical": budget.critical_pct,
        "statistic": budget.statistic,
    }
    where = budget_file + (f" ({budget.entry})" if budget.entry else " (defaults)")
    return Layer(lambda spec: where if spec.key in values else None, lambda spec: values.get(spec.key))


# ---- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Resolved settings; values[key] and sources[key] ("default" when nothing set it)."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def source(self, key: str) -> str:
        return self.sources[key]

    @property
    def threshold(self) -> float:
        return float(self.values["threshold"])

    @property
    def critical(self) -> Optional[float]:
        value = self.values["critical"]
        return None if value is None else float(value)

    @property
    def statistic(self) -> str:
        return str(self.values["statistic"])

    @property
    def regression(self) -> bool:
        """Regression checks are on: asked for, or a baseline was named."""
        return bool(self.values["regression"]) or self.values["baseline"] is not None

    def run_overrides(self) -> dict[str, int]:
        """RunOptions fields set by the marker (they beat the budget file's measuring settings)."""
        out: dict[str, int] = {}
        if self.values["rounds"] is not None:
            out["min_rounds"] = self.values["rounds"]
        warmup = self.values["warmup"]
        if warmup is not None:
            kind, value = warmup
            out["warmup_iterations" if kind == "iterations" else "warmup_ns"] = value
            out["warmup_ns" if kind == "iterations" else "warmup_iterations"] = 0
        if self.values["min_time"] is not None:
            out["min_time_ns"] = self.values["min_time"]
        if self.values["max_time"] is not None:
            out["max_time_ns"] = self.values["max_time"]
        if self.values["mode"] == "instructions":
            out["mode"] = 1  # PERFBUDGET_MODE_INSTRUCTIONS
        if self.values["speed_correction"]:
            out["speed_correction"] = 1
        return out


def resolve(
    config: Optional[pytest.Config],
    *,
    marker: Optional[pytest.Mark] = None,
    nodeid: str = "",
    budget: Optional[EffectiveBudget] = None,
    budget_file: str = "",
    environ: Optional[Mapping[str, str]] = None,
) -> Settings:
    """Resolve every setting: marker > command line > environment > ini > budget file >
    default. config None (a unittest run outside pytest) leaves out the command line and ini.
    Raises SettingError naming the source of the first invalid value."""
    layers: list[Optional[Layer]] = [
        _marker_layer(marker, nodeid),
        _cli_layer(config) if config is not None else None,
        _env_layer(os.environ if environ is None else environ),
        _ini_layer(config) if config is not None else None,
        _budget_layer(budget, budget_file),
    ]
    settings = Settings()
    for spec in SPECS:
        settings.values[spec.key] = spec.default
        settings.sources[spec.key] = "default"
        for layer in layers:
            if layer is None:
                continue
            raw = layer.get(spec)
            source = layer.describe(spec)
            if raw is None or source is None:
                continue
            settings.values[spec.key] = spec.parse(raw, source)
            settings.sources[spec.key] = source
            break
    if config is not None and getattr(config.option, "perfbudget_worker_output", None):
        settings.values["processes"] = 1  # a child measures in its own process only
        settings.sources["processes"] = WORKER_OUTPUT
    return settings

