"""The only module that touches the C core (cffi's ffi and lib): handles, status codes and text
are converted here and nowhere else. Every figure and every decision comes from C; this module
does no arithmetic on them."""

from __future__ import annotations

import array
import contextlib
import math
import os
import threading
from dataclasses import dataclass, field, fields
from os import fspath
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

from perfbudget._perfbudget_ffi import ffi, lib

PathLike = Union[str, "os.PathLike[str]"]  # noqa: F821 - for annotations only


class PerfbudgetError(Exception):
    """A call into the C core failed; carries the core's status name and message."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.name = _text(lib.perfbudget_errname(code)) or "unknown"
        super().__init__(message or _text(lib.perfbudget_errstr(code)))


@dataclass(frozen=True)
class BudgetProblem:
    """One problem in a budget file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class BudgetError(PerfbudgetError, ValueError):
    """A budget file is missing or invalid. file, line and column locate the first problem;
    problems lists all of them."""

    def __init__(self, code: int, message: str, problems: Sequence[BudgetProblem], file: str):
        super().__init__(code, message)
        self.problems = list(problems)
        self.file = file
        self.line = problems[0].line if problems else 0
        self.column = problems[0].column if problems else 0


def _text(pointer: Any) -> str:
    return "" if pointer == ffi.NULL else ffi.string(pointer).decode("utf-8", "replace")


def _bytes(text: Optional[str]) -> Any:
    # A lone surrogate (a file name decoded with surrogateescape) goes to the core as the bytes
    # it stands for, which refuses what is not UTF-8 with the byte offset, rather than failing
    # here with an encoding error.
    return ffi.NULL if text is None else text.encode("utf-8", "surrogatepass")


def _nan_to_none(value: float) -> Optional[float]:
    return None if math.isnan(value) else value


class _Context:
    """One perfbudget_context: the clock and the last error. Not thread-safe, so one per thread."""

    def __init__(self) -> None:
        out = ffi.new("perfbudget_context **")
        code = lib.perfbudget_context_new(out)
        if code != lib.PERFBUDGET_OK:
            raise PerfbudgetError(code, "cannot create a context")
        self.handle = ffi.gc(out[0], lib.perfbudget_context_free)

    def check(self, code: int) -> None:
        if code != lib.PERFBUDGET_OK:
            raise PerfbudgetError(code, _text(lib.perfbudget_errmsg(self.handle)))


_local = threading.local()


def _context() -> _Context:
    context: Optional[_Context] = getattr(_local, "context", None)
    if context is None:
        context = _local.context = _Context()
    return context


@contextlib.contextmanager
def cpu_pinned(cpu: Optional[int]) -> Iterator[None]:
    """Run the block with the calling thread on one CPU (None: wherever the scheduler likes);
    the affinity is restored afterwards (perfbudget_cpu_pin, perfbudget_cpu_restore)."""
    if cpu is None:
        yield
        return
    context = _context()
    previous = ffi.new("perfbudget_cpu_affinity **")
    context.check(lib.perfbudget_cpu_pin(context.handle, cpu, previous))
    try:
        yield
    finally:
        lib.perfbudget_cpu_restore(previous[0])


def version() -> str:
    """The C core's version."""
    return _text(lib.perfbudget_version())


def now_ns() -> int:
    """The core's monotonic clock, in ns."""
    return int(lib.perfbudget_context_now_ns(_context().handle))


def clock_info() -> dict[str, float]:
    """The clock's overhead and resolution as the core measured them."""
    info = lib.perfbudget_context_clock_info(_context().handle)
    return {"overhead_ns": info.overhead_ns, "resolution_ns": info.resolution_ns}


def _doubles(values: Iterable[float]) -> tuple[Any, int]:
    # A contiguous buffer of C doubles (array("d"), a float64 numpy array, a memoryview of one)
    # is handed to C as it is: no copy. A list or tuple is converted by cffi in C (a quarter
    # faster than through array("d")); values it refuses (such as numeric strings) go through
    # float() one by one.
    if not isinstance(values, (list, tuple)):
        try:
            view = memoryview(values)  # type: ignore[arg-type]
        except TypeError:
            view = None
        if view is not None and view.format == "d" and view.ndim == 1 and view.c_contiguous:
            if len(view) == 0:
                return ffi.new("double[]", 0), 0
            return ffi.from_buffer("double[]", view), len(view)
        values = list(values)
    if not values:
        return ffi.new("double[]", 0), 0
    try:
        return ffi.new("double[]", values), len(values)
    except TypeError:
        return ffi.new("double[]", [float(v) for v in values]), len(values)


@dataclass(frozen=True)
class Summary:
    """Summary statistics of a sample set (docs/statistics.md); NaN where undefined."""

    n: int
    min: float
    max: float
    mean: float
    stddev: float
    median: float
    mad: float
    iqr: float
    p25: float
    p50: float
    p75: float
    p90: float
    p95: float
    p99: float
    outliers_low: int
    outliers_high: int
    median_ci_low: float
    median_ci_high: float
    median_ci_level: float

    @classmethod
    def _from_c(cls, s: Any) -> "Summary":
        return cls(**{f.name: getattr(s, f.name) for f in fields(cls)})


def summarize(samples: Iterable[float]) -> Summary:
    """Summarize samples (any order). Raises PerfbudgetError (EDOMAIN) for NaN or infinity."""
    context = _context()
    data, n = _doubles(samples)
    out = ffi.new("perfbudget_summary *")
    context.check(lib.perfbudget_summarize(context.handle, data, n, out))
    return Summary._from_c(out)


@dataclass(frozen=True)
class LineFit:
    """A least-squares line y = slope * x + intercept (the core's memory-growth fit)."""

    n: int
    slope: float
    intercept: float
    slope_stderr: float
    r_squared: float


def fit_line(x: Iterable[float], y: Iterable[float]) -> LineFit:
    """Fit a line through (x, y). Raises PerfbudgetError for fewer than two points or NaN."""
    context = _context()
    xs, n = _doubles(x)
    ys, n_y = _doubles(y)
    if n != n_y:
        raise ValueError(f"fit_line: {n} x values but {n_y} y values")
    out = ffi.new("perfbudget_line_fit *")
    context.check(lib.perfbudget_fit_line(context.handle, xs, ys, n, out))
    return LineFit(out.n, out.slope, out.intercept, out.slope_stderr, out.r_squared)


@dataclass(frozen=True)
class Comparison:
    """A current sample set against a baseline (docs/statistics.md, "The comparison")."""

    baseline_value: float
    current_value: float
    change_pct: float
    ci_low_pct: float
    ci_high_pct: float
    resolvable_pct: float
    p_value: float
    u_statistic: float
    exact: bool
    significant: bool
    regressed: bool
    threshold_pct: float
    critical_pct: float
    statistic: str
    outcome: str
    severity: str
    text: str
    run_spread_pct: Optional[float] = None  # the run-to-run noise band, when earlier runs gave one
    speed_correction_pct: Optional[float] = None  # the machine's speed change divided out
    _record: Any = field(default=None, repr=False, compare=False)  # the C record, for reports

    @classmethod
    def _from_c(cls, c: Any) -> "Comparison":
        buffer = ffi.new("char[]", 512)
        lib.perfbudget_format_comparison(c, lib.PERFBUDGET_UNIT_NS, buffer, 512)
        return cls(
            baseline_value=c.baseline_value,
            current_value=c.current_value,
            change_pct=c.change_pct,
            ci_low_pct=c.ci_low_pct,
            ci_high_pct=c.ci_high_pct,
            resolvable_pct=c.resolvable_pct,
            p_value=c.p_value,
            u_statistic=c.u_statistic,
            exact=bool(c.exact),
            significant=bool(c.significant),
            regressed=bool(c.regressed),
            threshold_pct=c.threshold_pct,
            critical_pct=c.critical_pct,
            statistic=_text(lib.perfbudget_statistic_name(c.statistic)),
            outcome=_text(lib.perfbudget_outcome_name(c.outcome)),
            severity=_text(lib.perfbudget_severity_name(c.severity)),
            text=_text(buffer),
            run_spread_pct=_nan_to_none(c.run_spread_pct),
            speed_correction_pct=_nan_to_none(c.speed_correction_pct),
            _record=c,
        )


def _compare_options(
    threshold: float, higher_is_better: bool, critical: Optional[float], statistic: str, alpha: float,
    speed_ratio: Optional[float] = None,
) -> Any:
    options = ffi.new("perfbudget_compare_options *")
    lib.perfbudget_compare_options_init(options)
    parsed = ffi.new("perfbudget_statistic *")
    if lib.perfbudget_statistic_parse(_bytes(statistic), parsed) != lib.PERFBUDGET_OK:
        names = ", ".join(_enum_names(lib.perfbudget_statistic_name))
        raise ValueError(f"unknown statistic {statistic!r} ({names})")
    options.statistic = parsed[0]
    options.threshold_pct = threshold
    options.critical_pct = 0.0 if critical is None else critical
    options.alpha = alpha
    options.higher_is_better = int(higher_is_better)
    if speed_ratio is not None:
        options.speed_ratio = speed_ratio
    return options


def compare(
    baseline: Iterable[float],
    current: Iterable[float],
    threshold: float = 5.0,
    higher_is_better: bool = False,
    *,
    critical: Optional[float] = None,
    statistic: str = "median",
    alpha: float = 0.05,
    run_medians: Optional[Sequence[float]] = None,
    speed_ratio: Optional[float] = None,
) -> Comparison:
    """Compare current samples with baseline samples: change_pct, p_value, significant,
    severity, regressed. threshold and critical are percentages (critical defaults to twice the
    threshold). Without run_medians: the plain two-sample comparison (Mann-Whitney U,
    perfbudget_compare). With run_medians (the statistic of earlier runs of the same code; []
    for none): the rule test verdicts use (perfbudget_compare_runs): one log-ratio estimator
    gives the p-value and the interval, with the spread of the runs when there are 3 or more.
    With speed_ratio (how much slower the machine ran for current, Result.speed_ratio), the
    current samples are divided by it first. Raises PerfbudgetError for an empty set or NaN."""
    context = _context()
    base, n_base = _doubles(baseline)
    now, n_now = _doubles(current)
    options = _compare_options(threshold, higher_is_better, critical, statistic, alpha, speed_ratio)
    out = ffi.new("perfbudget_comparison *")
    lib.perfbudget_comparison_init(out)
    if run_medians is None:
        context.check(lib.perfbudget_compare(context.handle, base, n_base, now, n_now, options, out))
    else:
        runs, n_runs = _doubles(run_medians)
        context.check(lib.perfbudget_compare_runs(context.handle, base, n_base, now, n_now, runs,
                                                  n_runs, options, out))
    return Comparison._from_c(out)


@dataclass(frozen=True)
class PairedComparison:
    """Paired samples judged by the Wilcoxon signed-rank test (docs/statistics.md,
    "Interleaved comparison")."""

    pairs: int
    zero_pairs: int
    baseline_value: float
    current_value: float
    change_pct: float
    ci_low_pct: float
    ci_high_pct: float
    ci_level: float
    resolvable_pct: float
    p_value: float
    w_statistic: float
    exact: bool
    significant: bool
    regressed: bool
    threshold_pct: float
    critical_pct: float
    floor_pct: float
    outcome: str
    severity: str


def compare_paired(
    baseline: Iterable[float],
    current: Iterable[float],
    threshold: float = 5.0,
    higher_is_better: bool = False,
    *,
    critical: Optional[float] = None,
    floor: float = 0.5,
    alpha: float = 0.05,
) -> PairedComparison:
    """Judge paired samples, baseline[i] measured beside current[i] (an interleaved run): the
    median ratio's change in percent, its CI, the two-sided Wilcoxon signed-rank p-value and
    the verdict; a change below floor (percent) never counts (perfbudget_paired_compare).
    Raises ValueError for sets of different lengths, PerfbudgetError for no pairs or a value
    that is not finite and > 0."""
    base, n_base = _doubles(baseline)
    now, n_now = _doubles(current)
    if n_base != n_now:
        raise ValueError(f"paired samples need equal lengths, not {n_base} and {n_now}")
    context = _context()
    options = ffi.new("perfbudget_paired_options *")
    lib.perfbudget_paired_options_init(options)
    options.threshold_pct = threshold
    options.critical_pct = 0.0 if critical is None else critical
    options.floor_pct = floor
    options.alpha = alpha
    options.higher_is_better = int(higher_is_better)
    out = ffi.new("perfbudget_paired_comparison *")
    context.check(lib.perfbudget_paired_compare(context.handle, base, now, n_base, options, out))
    return PairedComparison(
        pairs=out.pairs,
        zero_pairs=out.zero_pairs,
        baseline_value=out.baseline_value,
        current_value=out.current_value,
        change_pct=out.change_pct,
        ci_low_pct=out.ci_low_pct,
        ci_high_pct=out.ci_high_pct,
        ci_level=out.ci_level,
        resolvable_pct=out.resolvable_pct,
        p_value=out.p_value,
        w_statistic=out.w_statistic,
        exact=bool(out.exact),
        significant=bool(out.significant),
        regressed=bool(out.regressed),
        threshold_pct=out.threshold_pct,
        critical_pct=out.critical_pct,
        floor_pct=out.floor_pct,
        outcome=_text(lib.perfbudget_outcome_name(out.outcome)),
        severity=_text(lib.perfbudget_severity_name(out.severity)),
    )


def printable(text: str) -> str:
    """text as the core shows it on a terminal and in text reports: control characters (ESC,
    newline, ...), DEL, C1 controls and bidirectional overrides escaped (\\x1b, \\n, ...)."""
    context = _context()
    out = ffi.new("char **")
    context.check(lib.perfbudget_printable(context.handle, _bytes(text), out))
    try:
        return _text(out[0])
    finally:
        lib.perfbudget_free(out[0])


def format_value(value: float, unit: str) -> str:
    """A figure for people: unit is "ns", "bytes", "percent", "per_second" or "count"."""
    units = {
        "ns": lib.PERFBUDGET_UNIT_NS,
        "bytes": lib.PERFBUDGET_UNIT_BYTES,
        "percent": lib.PERFBUDGET_UNIT_PERCENT,
        "per_second": lib.PERFBUDGET_UNIT_PER_SECOND,
        "count": lib.PERFBUDGET_UNIT_COUNT,
    }
    buffer = ffi.new("char[]", 64)
    return _text(lib.perfbudget_format_value(value, units[unit], buffer, 64))


@dataclass(frozen=True)
class Quantity:
    value: float
    kind: str


def parse_quantity(text: str) -> Quantity:
    """Parse "250ms", "512MB", "70%", "100/s": the value in base units (ns, bytes, percent,
    per second) and its kind. Raises ValueError with the core's message."""
    context = _context()
    out = ffi.new("perfbudget_quantity *")
    code = lib.perfbudget_quantity_parse(context.handle, _bytes(text), out)
    if code != lib.PERFBUDGET_OK:
        raise ValueError(_text(lib.perfbudget_errmsg(context.handle)))
    return Quantity(out.value, _text(lib.perfbudget_quantity_kind_name(out.kind)))


# ---- budgets ---------------------------------------------------------------------------------


# ---- Input sweeps: complexity fits (complexity.h) ----


@dataclass(frozen=True)
class ComplexityFit:
    """time(n) = coefficient * f(n) fitted over a sweep: the class ("O(n log n)"), the
    coefficient in ns, the RMS of the relative residuals (0.05 = 5 %) and the points fitted."""

    complexity: str
    coefficient: float
    rms: float
    n: int

    @classmethod
    def _from_c(cls, fit: Any) -> "ComplexityFit":
        return cls(_text(lib.perfbudget_complexity_name(fit.complexity)), fit.coefficient,
                   fit.rms, fit.n)

    def _to_c(self) -> Any:
        out = ffi.new("perfbudget_complexity_fit *")
        out.complexity = _complexity_value(self.complexity)
        out.coefficient = self.coefficient
        out.rms = self.rms
        out.n = self.n
        return out


@dataclass(frozen=True)
class ComplexityVerdict:
    """A sweep's fit judged: status "pass" or "fail" (the class is worse than the budget's),
    the budget's class (None without one), whether the coefficient regressed against the
    baseline's, its change in percent (None without a baseline), and the core's text."""

    status: str
    allowed: Optional[str]
    regressed: bool
    change_pct: Optional[float]
    threshold_pct: float
    text: str
    _c: Any = field(default=None, repr=False, compare=False)  # the core's record, to keep


def _complexity_value(name: Optional[str]) -> int:
    """The enum value of a class as the core names it ("O(n)"), or as budget files write it."""
    if name is None:
        return int(lib.PERFBUDGET_COMPLEXITY_NONE)
    for value in range(int(lib.PERFBUDGET_COMPLEXITY_COUNT)):
        if _text(lib.perfbudget_complexity_name(value)) == name:
            return value
    context = _context()
    out = ffi.new("perfbudget_complexity *")
    context.check(lib.perfbudget_complexity_parse(context.handle, _bytes(name), out))
    return int(out[0])


def parse_complexity(text: str) -> str:
    """The class a budget file's complexity: text names, as "O(n log n)"; PerfbudgetError if
    none."""
    return _text(lib.perfbudget_complexity_name(_complexity_value(text)))


def fit_complexity(sizes: Iterable[float], times: Iterable[float],
                   complexity: Optional[str] = None) -> ComplexityFit:
    """Fit times (ns) against sizes to complexity ("n log n"), or to the best class (None)."""
    context = _context()
    xs, n = _doubles(sizes)
    ys, n_y = _doubles(times)
    if n != n_y:
        raise ValueError(f"fit_complexity: {n} sizes but {n_y} times")
    out = ffi.new("perfbudget_complexity_fit *")
    context.check(lib.perfbudget_complexity_fit_points(context.handle,
                                                       _complexity_value(complexity), xs, ys, n,
                                                       out))
    return ComplexityFit._from_c(out)


def fit_sweep(results: Sequence["Result"], name: str,
              complexity: Optional[str] = None) -> ComplexityFit:
    """Fit the sweep name among results (those named "name/<size>" that ran, by median)."""
    context = _context()
    handles = ffi.new("perfbudget_result *[]", [r._handle for r in results] or 1)
    out = ffi.new("perfbudget_complexity_fit *")
    context.check(lib.perfbudget_results_fit_complexity(context.handle, handles, len(results),
                                                        _bytes(name),
                                                        _complexity_value(complexity), out))
    return ComplexityFit._from_c(out)


def judge_complexity(fit: ComplexityFit, budget: Optional["Budget"], name: str,
                     baseline: Optional[ComplexityFit] = None) -> ComplexityVerdict:
    """Judge a sweep's fit against the complexity: of name's budget entry and, with a baseline
    fitted to the same class, its coefficient against the baseline's."""
    context = _context()
    out = ffi.new("perfbudget_complexity_verdict *")
    context.check(lib.perfbudget_complexity_judge(
        context.handle, ffi.NULL if budget is None else budget._handle, _bytes(name), fit._to_c(),
        ffi.NULL if baseline is None else baseline._to_c(), out))
    allowed = None if out.allowed == lib.PERFBUDGET_COMPLEXITY_NONE else _text(
        lib.perfbudget_complexity_name(out.allowed))
    return ComplexityVerdict(_text(lib.perfbudget_limit_status_name(out.status)), allowed,
                             bool(out.regressed), _nan_to_none(out.change_pct), out.threshold_pct,
                             _text(out.text), out)


# ---- Concurrency: a function run by N threads at once (threads.h) ----


@dataclass(frozen=True)
class ThreadLatency:
    """One thread's batches at one thread count: how many, and their p50, p90 and p99 in ns per
    call."""

    samples: int
    p50_ns: float
    p90_ns: float
    p99_ns: float


@dataclass(frozen=True)
class ScalingPoint:
    """A function run by `threads` threads at once: all threads' calls, the wall time they took
    together, the calls per second (throughput), the efficiency against one thread (None until
    set against a 1-thread point), the slowest thread's median over the fastest's (spread),
    the p50 and p99 over all threads, and each thread's latency."""

    threads: int
    calls: float
    wall_ns: float
    throughput: float
    efficiency: Optional[float]
    spread: float
    p50_ns: float
    p99_ns: float
    per_thread: tuple[ThreadLatency, ...]
    _c: Any = field(default=None, repr=False, compare=False)  # the core's record

    @classmethod
    def _from_c(cls, p: Any) -> "ScalingPoint":
        copy = ffi.new("perfbudget_scaling_point *", p)
        per_thread = tuple(ThreadLatency(int(p.thread[t].samples), p.thread[t].p50_ns,
                                         p.thread[t].p90_ns, p.thread[t].p99_ns)
                           for t in range(p.threads))
        return cls(int(p.threads), p.calls, p.wall_ns, p.throughput, _nan_to_none(p.efficiency),
                   p.spread, p.p50_ns, p.p99_ns, per_thread, copy)


@dataclass(frozen=True)
class ScalingVerdict:
    """Scaling judged against the budget's scaling: {threads, efficiency}: status "pass",
    "fail" or "n/a" (the budgeted thread count was not run), the budgeted thread count (0: the
    budget sets none), the allowed and measured efficiency in %, and the core's one line."""

    status: str
    threads: int
    allowed_pct: Optional[float]
    measured_pct: Optional[float]
    text: str
    _c: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def _from_c(cls, v: Any) -> "ScalingVerdict":
        copy = ffi.new("perfbudget_scaling_verdict *", v)
        return cls(_text(lib.perfbudget_limit_status_name(v.status)), int(v.threads),
                   _nan_to_none(v.allowed_pct), _nan_to_none(v.measured_pct), _text(v.text), copy)


def _points_array(points: Sequence[ScalingPoint]) -> Any:
    array_ = ffi.new("perfbudget_scaling_point[]", max(1, len(points)))
    for i, point in enumerate(points):
        array_[i] = point._c[0]
    return array_


def scaling_plan(result: "Result", options: Any) -> tuple[int, int]:
    """How each thread count is measured after result's one-thread run: calls per batch and
    batches per thread (perfbudget_scaling_plan), for options from run_options()."""
    iterations = ffi.new("uint64_t *")
    samples = ffi.new("uint32_t *")
    _context().check(lib.perfbudget_scaling_plan(result._handle, options, iterations, samples))
    return int(iterations[0]), int(samples[0])


def scaling_point(samples: Sequence[Sequence[float]], calls_per_sample: int,
                  wall_ns: float) -> ScalingPoint:
    """One thread count from each thread's batch times (ns per call), batches of
    calls_per_sample calls, over wall_ns of wall time (<= 0: the busiest thread's time)."""
    context = _context()
    buffers = [_doubles(thread) for thread in samples]
    pointers = ffi.new("double *[]", [data for data, _ in buffers] or 1)
    counts = ffi.new("size_t[]", [n for _, n in buffers] or 1)
    out = ffi.new("perfbudget_scaling_point *")
    context.check(lib.perfbudget_scaling_point_from_samples(
        context.handle, len(samples), ffi.cast("const double *const *", pointers), counts,
        calls_per_sample, wall_ns, out))
    return ScalingPoint._from_c(out[0])


def scaling_efficiency(points: Sequence[ScalingPoint]) -> list[ScalingPoint]:
    """The points with their efficiency set against the 1-thread point among them."""
    array_ = _points_array(points)
    _context().check(lib.perfbudget_scaling_set_efficiency(array_, len(points)))
    return [ScalingPoint._from_c(array_[i]) for i in range(len(points))]


def judge_scaling(points: Sequence[ScalingPoint], budget: Optional["Budget"],
                  name: str) -> ScalingVerdict:
    """Judge the points against the scaling: of name's budget entry."""
    context = _context()
    out = ffi.new("perfbudget_scaling_verdict *")
    context.check(lib.perfbudget_scaling_judge(
        context.handle, ffi.NULL if budget is None else budget._handle, _bytes(name),
        _points_array(points), len(points), out))
    return ScalingVerdict._from_c(out[0])


def describe_scaling(points: Sequence[ScalingPoint]) -> str:
    """The core's one line: "threads 1/2/4: ... calls/s, efficiency 100/91/47 %, spread ..."."""
    buf = ffi.new("char[]", 512)
    return _text(lib.perfbudget_scaling_describe(_points_array(points), len(points), buf, 512))


@dataclass(frozen=True)
class Limit:
    metric: str
    warn: Optional[float]
    fail: Optional[float]
    higher_is_better: bool
    kind: str
    line: int


@dataclass(frozen=True)
class EffectiveBudget:
    """The budget that applies to one benchmark: defaults merged with its entry."""

    entry: Optional[str]
    exact: bool
    limits: list[Limit]
    threshold_pct: Optional[float]
    critical_pct: Optional[float]
    statistic: Optional[str]
    group_threshold_pct: dict[str, float]
    measure: dict[str, int]
    complexity: Optional[str] = None  # an input sweep's complexity: ("O(n log n)")
    scaling_threads: int = 0  # scaling: {threads, efficiency}; 0 when not set
    scaling_efficiency_pct: Optional[float] = None


# perfbudget_measure_settings: the budget file's measuring settings, -1 where not set. Its
# fields, and the metric groups by their enum values, come from the cdef, not a copy kept here.
_MEASURE_KEYS = tuple(name for name, _ in ffi.typeof("perfbudget_measure_settings").fields)
_GROUPS = [name[len("PERFBUDGET_GROUP_"):].lower() for name, _ in  # latency, memory, ...
           sorted(ffi.typeof("perfbudget_metric_group").relements.items(), key=lambda e: e[1])]


class Budget:
    """A parsed, validated budget file (perfbudget.yml)."""

    def __init__(self, handle: Any, context: _Context) -> None:
        self._handle = handle
        self._context = context

    @property
    def path(self) -> str:
        return _text(lib.perfbudget_budget_path(self._handle))

    @property
    def history_path(self) -> str:
        return _text(lib.perfbudget_budget_history_path(self._handle))

    @property
    def entries(self) -> list[tuple[str, int]]:
        """(pattern, line) of every entry, in file order."""
        line = ffi.new("int *")
        out = []
        for i in range(lib.perfbudget_budget_entry_count(self._handle)):
            pattern = _text(lib.perfbudget_budget_entry_pattern(self._handle, i, line))
            out.append((pattern, int(line[0])))
        return out

    def resolve(self, name: str) -> EffectiveBudget:
        out = ffi.new("perfbudget_effective_budget *")
        out.struct_size = ffi.sizeof("perfbudget_effective_budget")
        lib.perfbudget_budget_resolve(self._handle, _bytes(name), out)
        limits = [
            Limit(
                metric=_text(limit.name),
                warn=_nan_to_none(limit.warn),
                fail=_nan_to_none(limit.fail),
                higher_is_better=bool(limit.higher_is_better),
                kind=_text(lib.perfbudget_quantity_kind_name(limit.kind)),
                line=limit.line,
            )
            for limit in (out.limits[i] for i in range(out.limit_count))
        ]
        r = out.regression
        m = out.measure
        return EffectiveBudget(
            entry=None if out.entry == ffi.NULL else _text(out.entry),
            exact=bool(out.exact),
            limits=limits,
            threshold_pct=_nan_to_none(r.threshold_pct),
            critical_pct=_nan_to_none(r.critical_pct),
            statistic=None if r.statistic < 0 else _text(lib.perfbudget_statistic_name(r.statistic)),
            group_threshold_pct={
                group: getattr(r.per_metric, group + "_pct")
                for group in _GROUPS
                if not math.isnan(getattr(r.per_metric, group + "_pct"))
            },
            measure={key: int(getattr(m, key)) for key in _MEASURE_KEYS if getattr(m, key) >= 0},
            complexity=None if out.complexity == lib.PERFBUDGET_COMPLEXITY_NONE
            else _text(lib.perfbudget_complexity_name(out.complexity)),
            scaling_threads=int(out.scaling_threads),
            scaling_efficiency_pct=_nan_to_none(out.scaling_efficiency_pct)
            if out.scaling_threads else None,
        )

    def unused_entries(self, names: Sequence[str]) -> list[tuple[str, int]]:
        """Entries that match none of names: (pattern, line)."""
        encoded = [ffi.new("char[]", _bytes(name)) for name in names]
        array = ffi.new("const char *[]", encoded) if encoded else ffi.NULL
        capacity = max(1, lib.perfbudget_budget_entry_count(self._handle))
        unused = ffi.new("size_t[]", capacity)
        count = ffi.new("size_t *")
        self._context.check(
            lib.perfbudget_budget_unused_entries(self._handle, array, len(names), unused, count)
        )
        entries = self.entries
        return [entries[unused[i]] for i in range(count[0])]

    @property
    def alert_count(self) -> int:
        """How many webhooks the file's alerts: section names."""
        return int(lib.perfbudget_budget_alert_count(self._handle))

    def send_alerts(self, results: Sequence["Result"], directory: Optional[PathLike] = None,
                    branch: Optional[str] = None, commit: Optional[str] = None) -> list[str]:
        """Send the file's alerts for judged results (perfbudget_alerts_send): the lines for
        people, "alert: sent to ..." and "warning: ..."; a webhook that cannot be reached is a
        warning line, never an exception."""
        context = _context()
        keep = [ffi.NULL if text is None else ffi.new("char[]", _bytes(text))
                for text in (branch, commit, None if directory is None else fspath(directory))]
        origin = ffi.new("perfbudget_alert_origin *")
        origin.branch, origin.commit, origin.directory = keep
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        out = ffi.new("char **")
        code = lib.perfbudget_alerts_send(context.handle, self._handle, handles, len(results),
                                          origin, out)
        try:
            if code not in (lib.PERFBUDGET_OK, lib.PERFBUDGET_EIO):
                context.check(code)
            return _text(out[0]).splitlines() if out[0] != ffi.NULL else []
        finally:
            lib.perfbudget_free(out[0])


def load_budgets(path: PathLike) -> Budget:
    """Load and validate a budget file. Raises BudgetError carrying file, line, column and
    every problem found."""
    context = _context()
    file = fspath(path)
    out = ffi.new("perfbudget_budget **")
    capacity = 100
    errors = ffi.new("perfbudget_budget_error[]", capacity)
    count = ffi.new("size_t *")
    code = lib.perfbudget_budget_new_from_file(context.handle, _bytes(file), out, errors, capacity,
                                               count)
    if code != lib.PERFBUDGET_OK:
        problems = [
            BudgetProblem(file, errors[i].line, errors[i].column, _text(errors[i].message))
            for i in range(min(count[0], capacity))
        ]
        raise BudgetError(code, _text(lib.perfbudget_errmsg(context.handle)), problems, file)
    return Budget(ffi.gc(out[0], lib.perfbudget_budget_free), context)


# ---- measuring and results ---------------------------------------------------------------------


@dataclass
class RunOptions:
    """How long and how often to measure (the C core's perfbudget_run_options); None keeps the
    core's default."""

    warmup_iterations: Optional[int] = None
    warmup_ns: Optional[int] = None
    min_rounds: Optional[int] = None
    min_time_ns: Optional[int] = None
    max_time_ns: Optional[int] = None
    min_sample_ns: Optional[int] = None
    max_rounds: Optional[int] = None
    hardware_counters: Optional[bool] = None
    mode: Optional[int] = None  # 1: instructions (perfbudget_mode)
    speed_correction: Optional[bool] = None  # time the reference loop (metric reference_ns)

    def _to_c(self, budget: Optional[EffectiveBudget] = None) -> Any:
        options = ffi.new("perfbudget_run_options *")
        lib.perfbudget_run_options_init(options)
        if budget is not None:
            settings = ffi.new("perfbudget_measure_settings *")
            for key in _MEASURE_KEYS:
                setattr(settings, key, budget.measure.get(key, -1))
            lib.perfbudget_run_options_apply(options, settings)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                setattr(options, f.name, int(value))
        return options


@dataclass(frozen=True)
class Stage:
    """What a stage timed inside a benchmark took over the measured iterations (ns)."""

    name: str
    count: int
    mean_ns: float
    p99_ns: float
    total_ns: float


class Result:
    """One benchmark's result: samples (ns per iteration), summary, metrics, verdicts."""

    def __init__(self, handle: Any) -> None:
        self._handle = ffi.gc(handle, lib.perfbudget_result_free)
        self._budget: Optional[Budget] = None  # verdicts borrow from it

    @classmethod
    def from_samples(
        cls,
        name: str,
        samples: Iterable[float],
        metrics: Optional[dict[str, float]] = None,
        failed: Optional[str] = None,
    ) -> "Result":
        """A result from samples in ns; metrics by perfbudget_metrics field name."""
        context = _context()
        data, n = _doubles(samples)
        c_metrics = ffi.new("perfbudget_metrics *")
        lib.perfbudget_metrics_init(c_metrics)
        for key, value in (metrics or {}).items():
            setattr(c_metrics, key, value)
        status = lib.PERFBUDGET_RUN_FAILED if failed else lib.PERFBUDGET_RUN_OK
        out = ffi.new("perfbudget_result **")
        context.check(
            lib.perfbudget_result_new(
                context.handle, _bytes(name), data, n, c_metrics, status, _bytes(failed or ""), out
            )
        )
        return cls(out[0])

    @property
    def name(self) -> str:
        return _text(lib.perfbudget_result_name(self._handle))

    def set_complexity(self, fit: ComplexityFit, verdict: Optional[ComplexityVerdict] = None) -> None:
        """Keep a sweep's fit (and verdict) with this result: its JSON carries it."""
        c_verdict = ffi.NULL if verdict is None or verdict._c is None else verdict._c
        _context().check(lib.perfbudget_result_set_complexity(self._handle, fit._to_c(), c_verdict))

    @property
    def complexity(self) -> Optional[tuple[ComplexityFit, str]]:
        """The sweep's fit kept with this result and its verdict's text, or None."""
        fit = ffi.new("perfbudget_complexity_fit *")
        verdict = ffi.new("perfbudget_complexity_verdict *")
        if not lib.perfbudget_result_complexity(self._handle, fit, verdict):
            return None
        return ComplexityFit._from_c(fit), _text(verdict.text)

    def set_scaling(self, points: Sequence[ScalingPoint],
                    verdict: Optional[ScalingVerdict] = None) -> None:
        """Keep a threaded measurement's points (and verdict) with this result: its JSON and
        reports carry them."""
        c_verdict = ffi.NULL if verdict is None or verdict._c is None else verdict._c
        _context().check(lib.perfbudget_result_set_scaling(self._handle, _points_array(points),
                                                           len(points), c_verdict))

    @property
    def scaling(self) -> tuple[list[ScalingPoint], Optional[ScalingVerdict]]:
        """The scaling points kept with this result ([] when none) and their verdict (None when
        not judged against a scaling: budget)."""
        count = ffi.new("size_t *")
        verdict = ffi.new("perfbudget_scaling_verdict *")
        data = lib.perfbudget_result_scaling(self._handle, count, verdict)
        points = [ScalingPoint._from_c(data[i]) for i in range(count[0])]
        return points, (ScalingVerdict._from_c(verdict[0]) if verdict.threads else None)

    @property
    def status(self) -> str:
        return {
            lib.PERFBUDGET_RUN_OK: "ok",
            lib.PERFBUDGET_RUN_FAILED: "failed",
            lib.PERFBUDGET_RUN_SKIPPED: "skipped",
        }[lib.perfbudget_result_status(self._handle)]

    @property
    def message(self) -> str:
        return _text(lib.perfbudget_result_message(self._handle))

    @property
    def samples(self) -> list[float]:
        count = ffi.new("size_t *")
        data = lib.perfbudget_result_samples(self._handle, count)
        return [data[i] for i in range(count[0])]

    @property
    def cpu_samples(self) -> list[float]:
        """The CPU time of each sample in ns per iteration, as many as samples; [] when not
        measured (fake clocks, imported files, older results)."""
        count = ffi.new("size_t *")
        data = lib.perfbudget_result_cpu_samples(self._handle, count)
        return [data[i] for i in range(count[0])]

    def set_cpu_samples(self, values: Iterable[float]) -> None:
        """Give the result CPU-time samples, as many as its samples ([] drops them)."""
        context = _context()
        data, n = _doubles(values)
        context.check(lib.perfbudget_result_set_cpu_samples(context.handle, self._handle, data, n))

    @property
    def probe_samples(self) -> list[float]:
        """The interpreter probe's time (ns) last timed before each sample, as many as samples;
        [] where none was timed."""
        count = ffi.new("size_t *")
        data = lib.perfbudget_result_probe_samples(self._handle, count)
        return [data[i] for i in range(count[0])]

    def set_probe_samples(self, values: Iterable[float]) -> None:
        """Give the result probe samples, as many as its samples ([] drops them)."""
        context = _context()
        data, n = _doubles(values)
        context.check(lib.perfbudget_result_set_probe_samples(context.handle, self._handle, data, n))

    @property
    def summary(self) -> Summary:
        return Summary._from_c(lib.perfbudget_result_summary(self._handle))

    @property
    def metrics(self) -> dict[str, float]:
        m = lib.perfbudget_result_metrics(self._handle)
        names = [name for name, _ in ffi.typeof("perfbudget_metrics").fields
                 if name != "struct_size"]
        return {name: getattr(m, name) for name in names}

    @property
    def stages(self) -> list[Stage]:
        """The stages the benchmark timed (perf.stage), in the order first seen."""
        count = ffi.new("size_t *")
        data = lib.perfbudget_result_stages(self._handle, count)
        return [Stage(_text(data[i].name), int(data[i].count), data[i].mean_ns, data[i].p99_ns,
                      data[i].total_ns) for i in range(count[0])]

    def copy_stages(self, other: "Result") -> None:
        """Take the stages and trace events of other (replacing this result's own)."""
        context = _context()
        context.check(lib.perfbudget_result_copy_stages(context.handle, self._handle, other._handle))

    def set_runtime_figures(self, gc_collections: float, gc_time_ns: float,
                            allocations_per_call: float) -> None:
        """Figures the Python front end measured (NaN: not measured): garbage collections and
        their time over the measured iterations, allocations per call."""
        if lib.perfbudget_result_set_runtime_figures(self._handle, gc_collections, gc_time_ns,
                                                     allocations_per_call) != 0:
            raise ValueError("runtime figures must not be negative")

    def set_interpreter_probe(self, times_ns: Sequence[float]) -> None:
        """The interpreter probe's times while measuring (metric interpreter_probe_ns: their
        median, from 3 or more), which the judge sets beside the baseline's."""
        data, n = _doubles(times_ns)
        if lib.perfbudget_result_set_interpreter_probe(self._handle, data, n) != 0:
            raise ValueError("interpreter probe times must be finite and not negative")

    def add_metric(self, name: str, value: float, unit: str = "", higher_is_better: bool = False) -> None:
        """Record a custom metric ("hit_rate", 92, "%"); budgets judge it by name."""
        context = _context()
        context.check(
            lib.perfbudget_result_add_metric(
                context.handle, self._handle, _bytes(name), value, _bytes(unit), int(higher_is_better)
            )
        )

    @property
    def custom_metrics(self) -> dict[str, float]:
        """Custom metrics by name, in base units (ns, bytes, percent, per second)."""
        name = ffi.new("const char **")
        value = ffi.new("double *")
        out = {}
        for i in range(lib.perfbudget_result_metric_count(self._handle)):
            lib.perfbudget_result_metric_at(self._handle, i, name, value, ffi.NULL, ffi.NULL)
            out[_text(name[0])] = value[0]
        return out

    @property
    def custom_metric_details(self) -> list[tuple[str, float, str, bool]]:
        """Custom metrics as (name, value in base unit, kind, higher_is_better)."""
        name = ffi.new("const char **")
        value = ffi.new("double *")
        kind = ffi.new("perfbudget_quantity_kind *")
        higher = ffi.new("int *")
        out = []
        for i in range(lib.perfbudget_result_metric_count(self._handle)):
            lib.perfbudget_result_metric_at(self._handle, i, name, value, kind, higher)
            out.append((_text(name[0]), value[0], _text(lib.perfbudget_quantity_kind_name(kind[0])),
                        bool(higher[0])))
        return out

    @property
    def identity(self) -> str:
        """The version of the benchmarked code (a test source hash, a CMake VERSION)."""
        return _text(lib.perfbudget_result_identity(self._handle))

    def set_mode(self, mode: str) -> None:
        """Mark the result as measured in "time" or "instructions" mode."""
        value = _enum_value(lib.perfbudget_mode_name, mode)
        if lib.perfbudget_result_set_mode(self._handle, value) != lib.PERFBUDGET_OK:
            raise ValueError(f"unknown mode {mode!r}")

    def set_identity(self, identity: str) -> None:
        if lib.perfbudget_result_set_identity(self._handle, _bytes(identity)) != lib.PERFBUDGET_OK:
            raise MemoryError("perfbudget_result_set_identity")

    @property
    def mode(self) -> str:
        """"time", or "instructions" when measured in instructions mode (then only instruction
        counts are judged, and the identity carries the mode)."""
        return _text(lib.perfbudget_mode_name(lib.perfbudget_result_mode(self._handle)))

    @property
    def metric_comparisons(self) -> list[dict[str, Any]]:
        metric = ffi.new("const char **")
        record = ffi.new("const perfbudget_comparison **")
        out = []
        for i in range(lib.perfbudget_result_comparison_count(self._handle)):
            lib.perfbudget_result_comparison_at(self._handle, i, metric, ffi.NULL, record)
            c = record[0]
            out.append({"metric": _text(metric[0]), "change_pct": c.change_pct,
                        "outcome": _text(lib.perfbudget_outcome_name(c.outcome)),
                        "regressed": bool(c.regressed)})
        return out

    def conclude(self, *, budget: Optional[Budget] = None, budget_name: Optional[str] = None,
                 regression: bool = False, baseline: Sequence["Result"] = (),
                 baseline_note: Optional[str] = None, history: Optional["History"] = None,
                 environment: Optional[str] = None, branch: Optional[str] = None,
                 baseline_run: int = 0, threshold: Optional[float] = None,
                 critical: Optional[float] = None, statistic: Optional[str] = None) -> str:
        """Judge against the budget and, with regression, the baseline, in the core's one
        judging stage (perfbudget_result_conclude); the verdict record stays with the result.
        Returns the test status: "pass", "fail" or "skip"."""
        context = _context()
        options = ffi.new("perfbudget_conclude_options *")
        lib.perfbudget_conclude_options_init(options)
        keep: list[Any] = []  # the C strings and arrays must live through the call

        def text(value: Optional[str]) -> Any:
            if value is None:
                return ffi.NULL
            keep.append(ffi.new("char[]", _bytes(value)))
            return keep[-1]

        if budget is not None:
            options.budget = budget._handle
            self._budget = budget  # the verdicts borrow from it
        options.budget_name = text(budget_name)
        options.regression = int(regression)
        handles = ffi.new("perfbudget_result *[]", [b._handle for b in baseline] or 1)
        options.baseline = handles if baseline else ffi.NULL
        options.baseline_count = len(baseline)
        options.baseline_note = text(baseline_note)
        if history is not None:
            options.history = history._handle
            options.environment = text(environment)
            options.branch = text(branch)
        options.baseline_run = baseline_run
        options.threshold_pct = math.nan if threshold is None else float(threshold)
        options.critical_pct = math.nan if critical is None else float(critical)
        if statistic is not None:
            options.statistic = _enum_value(lib.perfbudget_statistic_name, statistic)
        context.check(lib.perfbudget_result_conclude(context.handle, self._handle, options))
        return self.test_status()

    @property
    def latency_comparison(self) -> Optional[Comparison]:
        """The latency comparison of the verdict record (perfbudget_result_conclude)."""
        record = lib.perfbudget_result_latency_comparison(self._handle)
        return None if record == ffi.NULL else Comparison._from_c(record)

    @property
    def notes(self) -> list[tuple[str, str]]:
        """The verdict record's notes: (kind, text), e.g. ("machine_busier", "this run had ...")."""
        kind = ffi.new("perfbudget_note_kind *")
        out = []
        for i in range(lib.perfbudget_result_note_count(self._handle)):
            note = lib.perfbudget_result_note_at(self._handle, i, kind)
            out.append((_text(lib.perfbudget_note_kind_name(kind[0])), _text(note)))
        return out

    def set_failed(self, message: str) -> None:
        lib.perfbudget_result_set_status(self._handle, lib.PERFBUDGET_RUN_FAILED, _bytes(message))

    def judge(self, budget: Budget, name: Optional[str] = None) -> str:
        """Judge against the budget entry for name (default: the result's name); the worst
        verdict: "pass", "warn", "fail" or "unavailable"."""
        worst = ffi.new("perfbudget_limit_status *")
        budget._context.check(
            lib.perfbudget_result_judge(
                budget._context.handle, self._handle, budget._handle, _bytes(name), worst
            )
        )
        self._budget = budget
        return _text(lib.perfbudget_limit_status_name(worst[0]))

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        """One per limit of the judged budget: metric, status, measured, allowed, text."""
        verdicts = ffi.new("const perfbudget_limit_verdict **")
        count = lib.perfbudget_result_verdicts(self._handle, verdicts)
        return [
            {
                "metric": _text(v.limit.name),
                "status": _text(lib.perfbudget_limit_status_name(v.status)),
                "measured": _nan_to_none(v.measured),
                "allowed": _nan_to_none(v.allowed),
                "text": _text(v.text),
            }
            for v in (verdicts[0][i] for i in range(count))
        ]

    def compare_with(
        self, baseline: "Result", threshold: float = 5.0, higher_is_better: bool = False, *,
        critical: Optional[float] = None, statistic: str = "median", alpha: float = 0.05,
        run_medians: Optional[Sequence[float]] = None,
    ) -> Comparison:
        return compare(baseline.samples, self.samples, threshold, higher_is_better,
                       critical=critical, statistic=statistic, alpha=alpha,
                       run_medians=run_medians, speed_ratio=self.speed_ratio(baseline))

    def speed_ratio(self, baseline: "Result") -> Optional[float]:
        """How much slower the machine ran for this result than for baseline (their reference
        times, measured with speed correction); None when either lacks one."""
        return _nan_to_none(lib.perfbudget_result_speed_ratio(self._handle, baseline._handle))

    def _c_comparison(self, comparison: Optional[Comparison], baseline: Optional["Result"]) -> Any:
        """The C record of a comparison, recomputed from the baseline's samples."""
        if comparison is None or baseline is None:
            return ffi.NULL
        context = _context()
        base, n_base = _doubles(baseline.samples)
        now, n_now = _doubles(self.samples)
        options = _compare_options(comparison.threshold_pct, False, comparison.critical_pct,
                                   comparison.statistic, 0.05, self.speed_ratio(baseline))
        out = ffi.new("perfbudget_comparison *")
        lib.perfbudget_comparison_init(out)
        context.check(lib.perfbudget_compare(context.handle, base, n_base, now, n_now, options, out))
        return out

    @property
    def budget_entry(self) -> Optional[str]:
        """The budget entry that matched when judged; None for none (or not judged)."""
        entry = lib.perfbudget_result_budget_entry(self._handle)
        return None if entry == ffi.NULL else _text(entry)

    @property
    def fail_on(self) -> str:
        """The policy the test status follows: "regression", "critical" or "never"."""
        return _text(lib.perfbudget_fail_on_name(lib.perfbudget_result_fail_on(self._handle)))

    def set_fail_on(self, policy: str) -> None:
        """Override the budget's policy (after conclude()); ValueError for an unknown one."""
        out = ffi.new("perfbudget_fail_on *")
        if lib.perfbudget_fail_on_parse(policy.encode(), out) != lib.PERFBUDGET_OK:
            raise ValueError(f"fail_on must be regression, critical or never, not {policy!r}")
        lib.perfbudget_result_set_fail_on(self._handle, out[0])

    @property
    def advice(self) -> tuple[Optional[str], Optional[str]]:
        """The budget entry's advice and link; None where not written."""
        link = ffi.new("const char **")
        advice = lib.perfbudget_result_advice(self._handle, link)
        return (None if advice == ffi.NULL else _text(advice),
                None if link[0] == ffi.NULL else _text(link[0]))

    def policy_warned(self, regression: Optional[Any] = None) -> bool:
        """True when the result would fail under fail_on: regression but its policy lets it
        pass: a warning."""
        return bool(lib.perfbudget_result_policy_warned(self._handle, _record_of(regression)))

    def test_status(self, regression: Optional[Any] = None) -> str:
        """"pass", "fail" or "skip" for a test runner; regression is a Comparison (or its C
        record) of this result against its baseline."""
        status = lib.perfbudget_result_test_status(self._handle, _record_of(regression))
        return {lib.PERFBUDGET_TEST_PASS: "pass", lib.PERFBUDGET_TEST_FAIL: "fail",
                lib.PERFBUDGET_TEST_SKIP: "skip"}[status]

    def confirm_next(self, done: int, confirmations: int) -> tuple[bool, str]:
        """--perf-confirm: whether to measure again after done re-measurements of
        confirmations, and else the note the report gains ("" for none); the core decides
        (perfbudget_result_confirm_next)."""
        note = ffi.new("char[]", 256)
        again = lib.perfbudget_result_confirm_next(self._handle, done, confirmations, note, 256)
        return bool(again), _text(note)

    def report(self, regression: Optional[Any] = None, ctest_tags: bool = False) -> str:
        """The text a test runner shows: the verdict first, then the figures."""
        context = _context()
        out = ffi.new("char **")
        context.check(
            lib.perfbudget_render_test_report(
                context.handle, self._handle, _record_of(regression), int(ctest_tags), out
            )
        )
        try:
            return _text(out[0])
        finally:
            lib.perfbudget_free(out[0])

    @staticmethod
    def write_json(results: Sequence["Result"], path: PathLike, suite: str = "pytest") -> None:
        """Write a result file (docs/formats.md) atomically."""
        context = _context()
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        context.check(
            lib.perfbudget_results_write_json(
                context.handle, _bytes(fspath(path)), _bytes(suite), handles, len(results)
            )
        )

    @staticmethod
    def to_json_text(results: Sequence["Result"], suite: str = "pytest") -> str:
        """The result file write_json() writes, as text (results travel between processes so;
        perfbudget_results_to_json_text)."""
        context = _context()
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        out = ffi.new("char **")
        context.check(lib.perfbudget_results_to_json_text(context.handle, _bytes(suite), handles,
                                                          len(results), out))
        try:
            return _text(out[0])
        finally:
            lib.perfbudget_free(out[0])

    @staticmethod
    def from_json_text(text: str, name: str = "result text") -> list["Result"]:
        """Results from the text of a result file (see to_json_text), as load_json() reads a
        file; name stands for the text in messages (perfbudget_results_new_from_text)."""
        context = _context()
        data = text.encode("utf-8", "surrogatepass")
        out = ffi.new("perfbudget_result ***")
        count = ffi.new("size_t *")
        context.check(lib.perfbudget_results_new_from_text(context.handle, data, len(data),
                                                            _bytes(name), out, count))
        return History._adopt(out[0], count[0])

    @staticmethod
    def merge(name: str, runs: Sequence["Result"]) -> "Result":
        """One result from the same measurement in several processes, in process order
        (perfbudget_result_new_merged: samples pooled, figures the median over processes, totals
        summed, each process's median kept as custom metric process_median_<i>)."""
        context = _context()
        handles = ffi.new("const perfbudget_result *[]", [r._handle for r in runs])
        out = ffi.new("perfbudget_result **")
        context.check(lib.perfbudget_result_new_merged(context.handle, _bytes(name), handles,
                                                       len(runs), out))
        return Result(out[0])

    @staticmethod
    def load_json(path: PathLike) -> list["Result"]:
        """Read a result file back; summaries are recomputed from the samples."""
        context = _context()
        out = ffi.new("perfbudget_result ***")
        count = ffi.new("size_t *")
        context.check(lib.perfbudget_results_new_from_file(context.handle, _bytes(fspath(path)), out,
                                                           count))
        array = out[0]
        results = [Result(array[i]) for i in range(count[0])]
        lib.perfbudget_free(array)  # the array only: each result is owned by its Result now
        return results

    @staticmethod
    def table(results: Sequence["Result"], columns: Optional[int] = None) -> str:
        """The core's table; with columns, fitted to that many (long names cut in the middle)."""
        context = _context()
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        out = ffi.new("char **")
        name_width = -max(2, columns) if columns is not None else 0
        context.check(lib.perfbudget_render_table(context.handle, handles, len(results),
                                                  name_width, 1, out))
        try:
            return _text(out[0])
        finally:
            lib.perfbudget_free(out[0])


    @staticmethod
    def summary_table(results: Sequence["Result"], groups: Sequence[str],
                      columns: Sequence[tuple[str, int, Sequence[str]]],
                      width: Optional[int] = None) -> str:
        """The core's table with columns added after the figures, each (heading, width: 0 for
        a last column left as it is, one cell per result), and a heading line before the rows
        of a group of several results; with width, everything fitted to that many columns
        (perfbudget_render_summary_table)."""
        context = _context()
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        keep = []  # the C strings live as long as this call
        def strings(texts: Sequence[str]) -> Any:
            items = [ffi.new("char[]", _bytes(text)) for text in texts]
            keep.append(items)
            array = ffi.new("const char *[]", items) if items else ffi.NULL
            keep.append(array)
            return array
        c_columns = ffi.new("perfbudget_table_column[]", len(columns))
        for c_column, (heading, column_width, cells) in zip(c_columns, columns):
            c_column.heading = strings([heading])[0]
            c_column.width = column_width
            c_column.cells = strings(cells)
        out = ffi.new("char **")
        name_width = -max(2, width) if width is not None else 0
        context.check(lib.perfbudget_render_summary_table(
            context.handle, handles, len(results), strings(groups), c_columns, len(columns),
            name_width, out))
        try:
            return _text(out[0])
        finally:
            lib.perfbudget_free(out[0])


class Sampler:
    """The core's calibration, warm-up and stopping rules for a loop run in Python:

        sampler = Sampler("name", options)
        elapsed = 0
        while (n := sampler.next(elapsed)):
            start = now_ns(); [fn() for _ in range(n)]; elapsed = now_ns() - start
        result = sampler.finish()
    """

    def __init__(self, name: str, options: Optional[Any] = None) -> None:
        self._context = _context()
        out = ffi.new("perfbudget_sampler **")
        self._context.check(
            lib.perfbudget_sampler_new(self._context.handle, _bytes(name), options or ffi.NULL, out)
        )
        self._handle = ffi.gc(out[0], lib.perfbudget_sampler_free)
        self._state = lib.perfbudget_sampler_state(self._handle)

    def next(self, previous_batch_ns: int) -> int:
        return int(lib.perfbudget_sampler_next(self._handle, previous_batch_ns))

    def set_first_call(self, first_call_ns: Optional[float]) -> None:
        """The caller timed the first call itself (None: no first call is timed apart); before
        the first next(), whose batch then calibrates at once."""
        value = float("nan") if first_call_ns is None else float(first_call_ns)
        self._context.check(lib.perfbudget_sampler_set_first_call(self._handle, value))

    def note_probe(self, probe_ns: float) -> None:
        """The interpreter probe was timed just now: the samples from here on carry it."""
        self._context.check(lib.perfbudget_sampler_note_probe(self._handle, float(probe_ns)))

    def fail(self, reason: str) -> None:
        lib.perfbudget_state_fail(self._state, _bytes(reason))

    def skip(self, reason: str) -> None:
        lib.perfbudget_state_skip(self._state, _bytes(reason))

    def set_items_per_iteration(self, n: int) -> None:
        lib.perfbudget_state_set_items_per_iteration(self._state, n)

    def set_bytes_per_iteration(self, n: int) -> None:
        lib.perfbudget_state_set_bytes_per_iteration(self._state, n)

    def stage_begin(self, name: bytes) -> None:
        lib.perfbudget_stage_begin(self._state, name)

    def stage_end(self, name: bytes) -> None:
        lib.perfbudget_stage_end(self._state, name)

    def finish(self) -> Result:
        out = ffi.new("perfbudget_result **")
        self._context.check(lib.perfbudget_sampler_finish(self._handle, out))
        return Result(out[0])


def _record_of(regression: Optional[Any]) -> Any:
    """The C comparison record behind a Comparison (or a record passed as is)."""
    if regression is None:
        return ffi.NULL
    if isinstance(regression, Comparison):
        return regression._record if regression._record is not None else ffi.NULL
    return regression


def run_options(**kwargs: Any) -> Any:
    """A C perfbudget_run_options from RunOptions fields (and an EffectiveBudget as budget=)."""
    budget = kwargs.pop("budget", None)
    return RunOptions(**kwargs)._to_c(budget)


def import_results(path: PathLike, format: str, single_name: Optional[str] = None) -> list["Result"]:
    """Results from another tool's JSON: "google-benchmark", "hyperfine", "nanobench" or
    "pytest-benchmark" (perfbudget_results_new_imported)."""
    context = _context()
    out = ffi.new("perfbudget_result ***")
    count = ffi.new("size_t *")
    context.check(lib.perfbudget_results_new_imported(context.handle, _bytes(fspath(path)),
                                                      _bytes(format), _bytes(single_name), out,
                                                      count))
    return History._adopt(out[0], count[0])


def _enum_names(namer: Any) -> list[str]:
    """The lower-case names of an enum's constants, in value order: the core names them from 0
    up to the first value it has no name for."""
    names: list[str] = []
    while (name := namer(len(names))) != ffi.NULL:
        names.append(_text(name))
    return names


def _enum_value(namer: Any, name: str) -> int:
    """The value of an enum constant from its lower-case name."""
    names = _enum_names(namer)
    if name not in names:
        raise ValueError(f"unknown name {name!r}")
    return names.index(name)


def render_report(results: Sequence["Result"], format: str = "md", *, title: Optional[str] = None,
                  commit: Optional[str] = None, baseline: Optional[str] = None,
                  created_ns: int = 0, baseline_results: Sequence["Result"] = (),
                  history: Optional["History"] = None) -> str:
    """A report of results rendered by the core in a format `perfbudget report` knows ("md",
    "csv", "json", "html", ...). The HTML report also draws the baseline's samples and each
    benchmark's trend from the history."""
    context = _context()
    kind = ffi.new("perfbudget_report_format *")
    if lib.perfbudget_report_format_parse(_bytes(format), kind) != lib.PERFBUDGET_OK:
        raise ValueError(f"unknown report format {format!r}")
    keep = [ffi.NULL if text is None else ffi.new("char[]", _bytes(text))
            for text in (title, commit, baseline)]
    info = ffi.new("perfbudget_report_info *")
    lib.perfbudget_report_info_init(info)
    info.title, info.commit, info.baseline = keep
    info.created_ns = created_ns
    handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
    bases = ffi.new("perfbudget_result *[]", [r._handle for r in baseline_results])
    info.baseline_results, info.baseline_count = bases, len(baseline_results)
    info.history = history._handle if history is not None else ffi.NULL
    out = ffi.new("char **")
    context.check(lib.perfbudget_render_report(context.handle, handles, len(results), kind[0], info, out))
    try:
        return _text(out[0])
    finally:
        lib.perfbudget_free(out[0])



def write_output(path: PathLike, text: str) -> None:
    """Write text to path by the core's output rule (perfbudget/output.h): a regular file or a
    new path atomically, a character device or a FIFO in place, anything else refused."""
    context = _context()
    data = text.encode("utf-8")
    context.check(lib.perfbudget_output_write(context.handle, _bytes(fspath(path)), data,
                                              len(data)))

def step_summary_append(markdown: str) -> None:
    """On GitHub Actions ($GITHUB_STEP_SUMMARY set), append markdown to the job summary, as
    every front end does (perfbudget_step_summary_append)."""
    context = _context()
    context.check(lib.perfbudget_step_summary_append(context.handle, _bytes(markdown)))


_REPORT_FORMAT_NAMES = {
    lib.PERFBUDGET_REPORT_MARKDOWN: "md", lib.PERFBUDGET_REPORT_CSV: "csv",
    lib.PERFBUDGET_REPORT_JSON: "json", lib.PERFBUDGET_REPORT_HTML: "html",
    lib.PERFBUDGET_REPORT_CHROME_TRACE: "chrome-trace",
}


def report_format_for_path(path: str) -> Optional[str]:
    """The report format a file name asks for by its suffix (the core's rule), or None."""
    kind = ffi.new("perfbudget_report_format *")
    if lib.perfbudget_report_format_for_path(_bytes(path), kind) != lib.PERFBUDGET_OK:
        return None
    return _REPORT_FORMAT_NAMES[kind[0]]


def result_file_name(name: str) -> str:
    buffer = ffi.new("char[]", 160)
    return _text(lib.perfbudget_result_file_name(_bytes(name), buffer, 160))


# ---- the history ---------------------------------------------------------------------------------


class HistoryNotFound(PerfbudgetError, LookupError):
    """A baseline, run or commit the history does not have; the message says what is missing."""


def git_describe(directory: PathLike = ".") -> dict[str, Any]:
    """Commit, branch, dirty flag and merge base of the work tree holding directory (empty
    strings outside git), as the core's perfbudget_git_describe sees them."""
    out = ffi.new("perfbudget_git_info *")
    lib.perfbudget_git_describe(ffi.NULL, _bytes(fspath(directory)), out)
    return {
        "commit": _text(out.commit),
        "branch": _text(out.branch),
        "dirty": bool(out.dirty),
        "merge_base": _text(out.merge_base),
    }


def environment_fingerprint(toolchain: Optional[str] = None) -> str:
    """This machine's fingerprint (host, CPU, cores, OS, kernel, toolchain)."""
    buffer = ffi.new("char[]", 512)
    return _text(lib.perfbudget_environment_fingerprint(_bytes(toolchain), buffer, 512))


def runner_type(fingerprint: str) -> str:
    """The fingerprint without its host: the runner type whose runs merge-base and the
    run-to-run spread take, recorded on any host."""
    buffer = ffi.new("char[]", _bytes(fingerprint))  # the result points into it
    return _text(lib.perfbudget_environment_runner_type(buffer))


class SpoolError(PerfbudgetError):
    """The spool could not be sent whole; sent counts the runs that were."""

    def __init__(self, code: int, message: str, sent: int) -> None:
        super().__init__(code, message)
        self.sent = sent


def _run_info(source: str, environment: str, git: Optional[dict[str, Any]]) -> tuple[Any, list[Any]]:
    """A perfbudget_run_info, and the char arrays its fields point to: keep them alive until
    the call that reads it returns."""
    git = git or {}
    keep = [ffi.NULL if text is None else ffi.new("char[]", _bytes(text))
            for text in (source, environment, git.get("commit") or None,
                         git.get("branch") or None)]
    info = ffi.new("perfbudget_run_info *")
    info.source, info.environment, info.commit, info.branch = keep
    info.dirty = int(bool(git.get("dirty")))
    return info, keep


def history_is_database(location: str) -> bool:
    """Whether a history location names a PostgreSQL database (postgresql://, postgres://)
    rather than a file (perfbudget_history_is_database)."""
    return bool(lib.perfbudget_history_is_database(_bytes(location)))


def history_shown_location(location: str) -> str:
    """A history location as messages show it: a URI's password replaced by "***"
    (perfbudget_history_shown_location)."""
    shown = lib.perfbudget_history_shown_location(_bytes(location))
    if shown == ffi.NULL:
        raise MemoryError("perfbudget_history_shown_location")
    try:
        return _text(shown)
    finally:
        lib.perfbudget_free(shown)


def spool_directory() -> str:
    """Where runs wait that a PostgreSQL history could not take: $PERFBUDGET_SPOOL_DIR, else
    .perfbudget/spool in the working directory (perfbudget_history_spool_directory)."""
    return _text(lib.perfbudget_history_spool_directory())


def spool_run(location: str, results: Sequence["Result"], source: str, environment: str,
              created_ns: int, git: Optional[dict[str, Any]] = None) -> str:
    """Keep a run that the history at location could not take in the spool, to be sent with
    the time it was measured (created_ns, ns since the epoch) by the next run recorded there
    (History.push_spool) or by `perfbudget history push`; the result file it is kept in
    (perfbudget_history_spool_run)."""
    context = _context()
    info, keep = _run_info(source, environment, git)
    handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
    kept = ffi.new("char[]", 4400)
    context.check(lib.perfbudget_history_spool_run(context.handle, _bytes(location), info,
                                                   created_ns, handles, len(results), kept,
                                                   4400))
    del keep
    return _text(kept)


class History:
    """The history of runs and baselines, a SQLite file or a PostgreSQL database
    (docs/history.md)."""

    def __init__(self, path: PathLike, read_only: bool = False) -> None:
        """read_only: open an existing history for reading only, creating no file beside it
        (perfbudget_history_new_read_only); else open or create it for writing."""
        self._context = _context()
        self.path = fspath(path)
        out = ffi.new("perfbudget_history **")
        opener = lib.perfbudget_history_new_read_only if read_only else lib.perfbudget_history_new
        self._context.check(opener(self._context.handle, _bytes(self.path), out))
        self._handle = ffi.gc(out[0], lib.perfbudget_history_free)

    def add_run(self, results: Sequence[Result], source: str, environment: str,
                git: Optional[dict[str, Any]] = None, created_ns: int = 0) -> int:
        """Append a run (one transaction) recorded at created_ns (ns since the epoch; 0: now);
        its id."""
        info, keep = _run_info(source, environment, git)
        handles = ffi.new("perfbudget_result *[]", [r._handle for r in results])
        run_id = ffi.new("int64_t *")
        self._context.check(lib.perfbudget_history_add_run_at(self._handle, info, created_ns,
                                                              handles, len(results), run_id))
        del keep
        return int(run_id[0])

    def push_spool(self) -> int:
        """Send the runs the spool keeps for this history, oldest first, each leaving the spool
        once recorded (perfbudget_history_push_spool); how many were sent. When one cannot be
        sent, it and those after it stay, and SpoolError says why and how many were sent."""
        sent = ffi.new("size_t *")
        code = lib.perfbudget_history_push_spool(self._context.handle, self._handle,
                                                 _bytes(self.path), sent)
        if code != lib.PERFBUDGET_OK:
            raise SpoolError(code, _text(lib.perfbudget_errmsg(self._context.handle)),
                             int(sent[0]))
        return int(sent[0])

    def load_latest(self, environment: str, branch: Optional[str]) -> list[Result]:
        """Each benchmark's most recent result on this environment and branch."""
        out = ffi.new("perfbudget_result ***")
        count = ffi.new("size_t *")
        self._context.check(lib.perfbudget_history_load_latest(
            self._handle, _bytes(environment), _bytes(branch or None), out, count))
        return self._adopt(out[0], count[0])

    def find(self, spec: str, environment: str, branch: Optional[str]) -> tuple[int, str]:
        """The run a baseline spec names (a baseline name, run:ID, commit:SHA) and why."""
        run_id = ffi.new("int64_t *")
        why = ffi.new("char[]", 512)
        code = lib.perfbudget_history_find(self._handle, _bytes(spec), _bytes(environment),
                                           _bytes(branch or None), run_id, why, 512)
        if code == lib.PERFBUDGET_ENOTFOUND:
            raise HistoryNotFound(code, _text(why))
        self._context.check(code)
        return int(run_id[0]), _text(why)

    def run(self, run_id: int) -> dict[str, Any]:
        out = ffi.new("perfbudget_run_record *")
        self._context.check(lib.perfbudget_history_run(self._handle, run_id, out))
        return {"id": out.id, "environment": _text(out.environment), "commit": _text(out.commit),
                "branch": _text(out.branch), "source": _text(out.source)}

    def load_run(self, run_id: int) -> list[Result]:
        out = ffi.new("perfbudget_result ***")
        count = ffi.new("size_t *")
        self._context.check(lib.perfbudget_history_load_run(self._handle, run_id, out, count))
        return self._adopt(out[0], count[0])

    def load_baseline(self, spec: str, run_id: int) -> list[Result]:
        """The results of the baseline spec that find() found as run_id: a baseline name holds
        a run per mode."""
        out = ffi.new("perfbudget_result ***")
        count = ffi.new("size_t *")
        self._context.check(lib.perfbudget_history_load_baseline(self._handle, _bytes(spec),
                                                                 run_id, out, count))
        return self._adopt(out[0], count[0])

    def run_medians(self, name: str, identity: str, environment: str, branch: Optional[str],
                    up_to: int = 0, last: int = 10) -> list[float]:
        """The medians of the benchmark's last runs of the same code here, up to run up_to
        (0: the newest), oldest first."""
        out = ffi.new("double **")
        count = ffi.new("size_t *")
        self._context.check(lib.perfbudget_history_run_medians(
            self._handle, _bytes(name), _bytes(identity), _bytes(environment),
            _bytes(branch or None), up_to, last, out, count))
        values = [out[0][i] for i in range(count[0])]
        lib.perfbudget_free(out[0])
        return values

    def save_baseline(self, name: str, run_id: int = 0) -> None:
        self._context.check(lib.perfbudget_history_save_baseline(self._handle, _bytes(name), run_id))

    @staticmethod
    def _adopt(array: Any, count: int) -> list[Result]:
        results = [Result(array[i]) for i in range(count)]
        lib.perfbudget_free(array)  # the array only: each result is owned by its Result now
        return results


def running_on_valgrind() -> bool:
    return bool(lib.perfbudget_running_on_valgrind())


def instruction_counter_problem() -> Optional[str]:
    """None when this process can count instructions (a PMU, or running under callgrind), else
    why not."""
    context = _context()
    counters = ffi.new("perfbudget_counters **")
    if lib.perfbudget_counters_new(context.handle, counters) != lib.PERFBUDGET_OK:
        return _text(lib.perfbudget_errmsg(context.handle))
    lib.perfbudget_counters_free(counters[0])
    return None
