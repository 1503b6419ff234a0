"""The `perf` fixture: call-compatible with pytest-benchmark's `benchmark`. It runs the measured
callable in a loop whose calibration, warm-up and stopping rules come from the C core (Sampler)
and keeps what was measured; judging happens after the test body (session.py)."""

from __future__ import annotations

import asyncio
import gc
import math
import threading
import time
import tracemalloc as _tracemalloc
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

import pytest

from perfbudget._core import (ComplexityFit, ComplexityVerdict, Result, Sampler, ScalingPoint, Summary,
                              fit_sweep, judge_scaling, scaling_efficiency, scaling_plan,
                              scaling_point, summarize)

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.session import MeasureContext

_clock = time.perf_counter_ns  # CLOCK_MONOTONIC on Linux, as the core's clock
PYTHON_PEAK_MEMORY = "python_peak_memory"


@dataclass
class Measurement:
    """One named measurement of a test: its result (None when run once, unmeasured) and one
    call of the measured work (for --perf-profile)."""

    name: str
    result: Optional[Result]
    call_once: Callable[[], Any]
    remeasure: Optional[Callable[[], Result]] = None  # a fresh measurement (--perf-confirm)


@dataclass
class _Record:
    name: str
    value: float
    unit: str
    higher_is_better: bool


Runner = Callable[[Sampler], Any]


@dataclass
class Sweep:
    """One perf.sweep(): the sweep's name, its sizes (each measured as "<name>/<size>"), the fit
    of time against size (None until two sizes are measured) and, once judged, its verdict."""

    name: str
    sizes: list[int]
    fit: Optional[ComplexityFit] = None
    verdict: Optional[ComplexityVerdict] = None


def _sweep_sizes(sizes: Any) -> list[int]:
    try:
        values = list(sizes)
    except TypeError:
        raise TypeError(f"perf.sweep: sizes must be a list of whole numbers, not {sizes!r}") from None
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"perf.sweep: every size must be a whole number above 0, not {value!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"perf.sweep: a size is given twice in {values!r}")
    if len(values) < 2:
        raise ValueError(f"perf.sweep: a fit needs at least 2 sizes, not {values!r}")
    return values


def _thread_counts(counts: Any) -> list[int]:
    """perf.threads(4) or perf.threads([2, 4]): 1 first (the efficiency's reference), then the
    others in ascending order."""
    values = [counts] if isinstance(counts, int) else list(counts)
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 64:
            raise ValueError(f"perf.threads: a thread count is a whole number from 1 to 64, "
                             f"not {value!r}")
    if len(set(values)) != len(values) or len(values) > 8:
        raise ValueError(f"perf.threads: at most 8 thread counts, each once, not {values!r}")
    return [1] + sorted(value for value in values if value != 1)


def _run_in_threads(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                    threads: int, iterations: int, batches: int) -> tuple[list[list[float]], int]:
    """fn called by `threads` threads at once, each timing `batches` batches of `iterations`
    calls into a list of its own (ns per call). They start together at a barrier; the wall
    time runs from the first thread's first batch to the last one's end. Under the GIL the
    threads take turns, and the throughput says so. An exception in a thread is raised here."""
    barrier = threading.Barrier(threads)
    samples: list[list[float]] = [[] for _ in range(threads)]
    spans: list[tuple[int, int]] = [(0, 0)] * threads
    errors: list[Optional[BaseException]] = [None] * threads

    def work(index: int) -> None:
        mine, call, positional, named, clock = samples[index], fn, args, kwargs, _clock
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # another thread could not be started
            return
        first = clock()
        try:
            for _ in repeat(None, batches):
                start = clock()
                for _ in repeat(None, iterations):
                    call(*positional, **named)
                mine.append((clock() - start) / iterations)
        except BaseException as error:  # raised again in the test's thread
            errors[index] = error
        spans[index] = (first, clock())

    workers = [threading.Thread(target=work, args=(index,), name=f"perf-thread-{index}",
                                daemon=True) for index in range(threads)]
    try:
        for worker in workers:
            worker.start()
    except BaseException:
        barrier.abort()  # the started ones stop waiting for the rest
        raise
    finally:
        for worker in workers:
            if worker.ident is not None:
                worker.join()
    for error in errors:
        if error is not None:
            raise error
    return samples, max(end for _, end in spans) - min(start for start, _ in spans)


class Stage:
    """`with perf.stage("decode"):` inside the measured function: the core times the block on
    each measured call (calibration and warm-up aside); outside a measurement it does nothing."""

    __slots__ = ("_perf", "_name")

    def __init__(self, perf: "Perf", name: str) -> None:
        self._perf = perf
        # one buffer: the core then matches it by address (a lone surrogate: refused there)
        self._name = name.encode("utf-8", "surrogatepass")

    def __enter__(self) -> None:
        sampler = self._perf._sampler
        if sampler is not None:
            sampler.stage_begin(self._name)

    def __exit__(self, *exc_info: object) -> None:
        sampler = self._perf._sampler
        if sampler is not None:
            sampler.stage_end(self._name)


# Warming up before the core calibrates: a function whose first calls are slow (code
# generation, a cache being filled) would otherwise end the calibration at one call per sample,
# and every sample of a microsecond function would then carry the clock's and the loop's cost.
WARM_BATCH_NS = 20_000  # batches this long are compared: the clock's resolution does not matter
WARM_STABLE_RATIO = 1.25  # two successive per-call times this close: the function is warm
WARM_LIMIT_NS = 200_000_000  # a function that never settles is measured as it is after this


@dataclass
class WarmUp:
    first_call_ns: int  # the cold first call
    calls: int  # calls made, the first included
    per_call_ns: float  # the last batch's time per call, warm
    spent_ns: int  # all the warm-up took, the first call included


def warm_up(time_batch: Callable[[int], int], limit_ns: int = WARM_LIMIT_NS) -> WarmUp:
    """Call time_batch(n) (which times n calls and returns the ns they took) first with n = 1
    for the cold first call, then with n = 1, 2, 4, ... until a batch of at least WARM_BATCH_NS
    agrees with the one before on the time per call within WARM_STABLE_RATIO, or limit_ns is
    spent. Doubling batches compare calls [k, 2k) with [2k, 4k): a function that warms over
    many calls is still warming by that measure. The clock is time_batch's, so a test can give
    fake times."""
    first = time_batch(1)
    spent, calls, n, previous = first, 1, 1, float(first)
    per_call = float(first)
    # a batch expected to overrun the limit is not started: doubling would overshoot it by 2x
    while spent + per_call * n <= limit_ns:
        elapsed = time_batch(n)
        spent += elapsed
        calls += n
        per_call = elapsed / n
        if (elapsed >= WARM_BATCH_NS and previous <= WARM_STABLE_RATIO * per_call
                and per_call <= WARM_STABLE_RATIO * previous):
            break
        previous = per_call
        n *= 2
    return WarmUp(first, calls, per_call, spent)


def _batch_timer(fn: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Callable[[int], int]:
    def time_batch(n: int) -> int:
        start = _clock()
        for _ in repeat(None, n):
            fn(*args, **kwargs)
        return _clock() - start

    return time_batch


def _plain_loop(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                warm: bool = False) -> Runner:
    """The measured loop: time n calls back to back, n as the core's sampler asks. With warm,
    the function is first warmed up until its time per call holds (warm_up), so that the core
    calibrates on warm calls, and the core is given the warm-up's cold first call (metric
    first_call_ns); without, the core times the first call apart itself."""

    def run(sampler: Sampler) -> Any:
        if warm:
            sampler.set_first_call(warm_up(_batch_timer(fn, args, kwargs)).first_call_ns)
        # Locals, not the closure's cells: a cell costs a fraction of a ns on every call.
        value, call, positional, named, clock = None, fn, args, kwargs, _clock
        next_batch = sampler.next
        n = next_batch(0)
        if positional or named:
            while n:
                start = clock()
                for _ in repeat(None, n):
                    value = call(*positional, **named)
                n = next_batch(clock() - start)
        else:
            while n:
                start = clock()
                for _ in repeat(None, n):
                    value = call()
                n = next_batch(clock() - start)
        return value

    return run


def _pedantic_arguments(args: tuple[Any, ...], kwargs: dict[str, Any],
                        setup: Optional[Callable[[], Any]]) -> Callable[[], tuple[Any, Any]]:
    """pytest-benchmark's rule for one round's arguments: setup's (args, kwargs) when it
    returns them (then args and kwargs must not be given too), else the ones given."""
    given = bool(args or kwargs)

    def make() -> tuple[Any, Any]:
        if setup is not None:
            prepared = setup()
            if prepared:
                if given:
                    raise TypeError("perf.pedantic: setup returned the arguments while args or "
                                    "kwargs were given as well; use one or the other")
                call_args, call_kwargs = prepared
                return call_args, call_kwargs
        return args, kwargs

    return make


def _pedantic_loop(
    target: Callable[..., Any],
    arguments: Callable[[], tuple[Any, Any]],
    teardown: Optional[Callable[..., Any]],
    iterations: int,
) -> Runner:
    """pytest-benchmark's pedantic mode: each sampler iteration is one round of `iterations`
    calls, setup before and teardown after each round (both untimed); the sampler is told the
    time per call. The target runs in the declared warm-up and measured rounds only."""

    def run(sampler: Sampler) -> Any:
        value = None
        # The core's first batch calibrates, which pedantic's fixed rounds need not: it is
        # answered at once, without a call, so that single-use arguments are never spent on it;
        # no first call is timed apart either.
        sampler.set_first_call(None)
        n = sampler.next(0)
        if n:
            n = sampler.next(1)
        while n:
            elapsed = 0
            for _ in repeat(None, n):
                call_args, call_kwargs = arguments()
                start = _clock()
                for _ in repeat(None, iterations):
                    value = target(*call_args, **call_kwargs)
                elapsed += _clock() - start
                if teardown is not None:
                    teardown(*call_args, **call_kwargs)
            n = sampler.next(elapsed // iterations)  # ns per call, as the core's samples are
        return value

    return run


async def _async_batches(sampler: Sampler, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...],
                         kwargs: dict[str, Any]) -> Any:
    value = None
    n = sampler.next(0)
    while n:
        start = _clock()
        for _ in repeat(None, n):
            value = await fn(*args, **kwargs)
        n = sampler.next(_clock() - start)
    return value


EVENT_LOOP_OVERHEAD = "event_loop_overhead"  # the custom metric of an async measurement
LOOP_OVERHEAD_BATCHES = 15


async def _empty() -> None:
    return None


async def _loop_overhead() -> float:
    """What awaiting an empty coroutine costs on the running loop, in ns per call: batches
    doubled to at least WARM_BATCH_NS, then LOOP_OVERHEAD_BATCHES of them, and the core's
    median. Shown beside an async measurement, it is the part of each call that is the loop's
    and the coroutine machinery's, not the function's."""
    n, elapsed = 1, 0
    while elapsed < WARM_BATCH_NS:
        n *= 2
        start = _clock()
        for _ in repeat(None, n):
            await _empty()
        elapsed = _clock() - start
    per_call = []
    for _ in repeat(None, LOOP_OVERHEAD_BATCHES):
        start = _clock()
        for _ in repeat(None, n):
            await _empty()
        per_call.append((_clock() - start) / n)
    return summarize(per_call).median


def _in_new_loop(awaitable_fn: Callable[[], Awaitable[Any]]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(awaitable_fn())
    finally:
        loop.close()


# At most one interpreter probe every 4 ms of measuring: a pass to warm it up and a timed pass,
# 60 to 150 us on this project's VM, so 1.5 to 4 % of the time. Not in instructions mode, where
# nothing depends on the machine's speed and valgrind runs Python some 50 times slower.
INTERPRETER_PROBE_INTERVAL_NS = 4_000_000
_PROBE_TABLE = list(range(1024))


def interpreter_probe(table: list[int] = _PROBE_TABLE) -> int:
    """perfbudget's interpreter probe: 256 steps through a list with branches on what it reads,
    in Python. Interpreted code moves with the machine's speed states further than the core's
    probe, written in C, does (docs/statistics.md, "A machine at another speed")."""
    h = 0
    for i in range(256):
        h = (h * 31 + table[(h ^ i) & 1023]) & 0xFFFFFF
        if h & 1:
            h += 7
        else:
            h ^= h >> 3
    return h


class _LoopWatch:
    """What a measurement's loop leaves beside its samples: the garbage collections, and the
    time they took (gc.callbacks; issue 23), over the calls the loop made, and the interpreter
    probe, timed between batches. The sampler's batches are counted through it, its calibration
    and warm-up included, so the figures per call hold for them all; a warm-up before the
    sampler's first batch is left out."""

    def __init__(self, sampler: Sampler, probe: bool = True) -> None:
        self._sampler = sampler
        self._probe = probe
        self.calls = 0
        self.collections = 0
        self.time_ns = 0
        self._started: Optional[int] = None
        self.probe_times: list[int] = []
        self._probed_at = -INTERPRETER_PROBE_INTERVAL_NS

    def __getattr__(self, name: str) -> Any:  # the rest of the sampler's interface
        return getattr(self._sampler, name)

    def next(self, previous_batch_ns: int) -> int:
        if self.calls == 0:  # the sampler's first batch: what ran before (a warm-up) is not its
            self.collections = self.time_ns = 0
        start = _clock() if self._probe else 0
        if self._probe and start - self._probed_at >= INTERPRETER_PROBE_INTERVAL_NS:
            # Timed warm: a first pass straight after the measured calls, or after another
            # process had the CPU, read up to 1.9x slower with the machine's speed unchanged
            # (docs/statistics.md, "A machine at another speed").
            interpreter_probe()
            warm = _clock()
            interpreter_probe()
            self._probed_at = _clock()
            self.probe_times.append(self._probed_at - warm)
            # The samples from here on carry it: the judge compares two runs' samples taken
            # in the same state of the machine (docs/statistics.md).
            self._sampler.note_probe(self._probed_at - warm)
        n = self._sampler.next(previous_batch_ns)
        self.calls += n
        return n

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = _clock()
        elif self._started is not None:
            self.collections += 1
            self.time_ns += _clock() - self._started
            self._started = None

    def __enter__(self) -> "_LoopWatch":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self)

    def give(self, result: Result, allocations_per_call: float) -> None:
        """Scaled from the loop's calls to the result's measured iterations."""
        iterations = result.metrics["total_iterations"]
        share = iterations / self.calls if self.calls and iterations else math.nan
        result.set_runtime_figures(self.collections * share, self.time_ns * share,
                                   allocations_per_call)
        result.set_interpreter_probe(self.probe_times)


def python_allocations(call_once: Callable[[], Any]) -> int:
    """Memory blocks one call allocated that were still allocated when it returned (its result
    and what it kept), by tracemalloc: it traces live blocks, so temporaries freed within the
    call are not counted. Outside the timed loop, as python_peak_memory."""
    already = _tracemalloc.is_tracing()
    if not already:
        _tracemalloc.start()
    try:
        ignore = [_tracemalloc.Filter(False, _tracemalloc.__file__)]
        before = _tracemalloc.take_snapshot().filter_traces(ignore)
        value = call_once()
        after = _tracemalloc.take_snapshot().filter_traces(ignore)
        del value
    finally:
        if not already:
            _tracemalloc.stop()
    return sum(max(0, stat.count_diff) for stat in after.compare_to(before, "traceback"))


def python_peak_memory(call_once: Callable[[], Any]) -> int:
    """Peak bytes Python allocated during one call, by tracemalloc (outside the timed loop:
    tracing slows every allocation down)."""
    already = _tracemalloc.is_tracing()
    if not already:
        _tracemalloc.start()
    try:
        _tracemalloc.reset_peak()
        before = _tracemalloc.get_traced_memory()[0]
        call_once()
        peak = _tracemalloc.get_traced_memory()[1]
    finally:
        if not already:
            _tracemalloc.stop()
    return max(0, peak - before)


class Perf:
    """The `perf` fixture. `perf(fn, *args, **kwargs)` measures fn and returns its result, as
    pytest-benchmark's `benchmark` does; `perf.pedantic(...)`, `perf.record(...)`,
    `perf.async_(...)`, `await perf.aio(...)` and `perf.named(name)` do the rest
    (docs/pytest.md)."""

    def __init__(self, context: "MeasureContext") -> None:
        self._context = context
        self.measurements: list[Measurement] = []
        self.records: list[_Record] = []
        self.extra_info: dict[str, Any] = {}  # pytest-benchmark's, shown as JUnit properties
        self.group: Optional[str] = None  # pytest-benchmark's; groups rows of the summary
        self.verdicts: Optional[list[Any]] = None  # set once judged (session.evaluate)
        self._sampler: Optional[Sampler] = None  # while measuring, for perf.stage()
        self._stages: dict[str, Stage] = {}
        # --perf-processes: each child's results by name, once they measured (session.py)
        self._per_process: Optional[list[dict[str, Result]]] = None
        self.sweeps: list[Sweep] = []  # perf.sweep()'s, judged with the measurements

    # ---- pytest-benchmark's interface ----

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        counts = self._context.settings["threads"]  # @pytest.mark.performance(threads=[...])
        if counts:
            return self._threaded(None, _thread_counts(counts), fn, args, kwargs)
        return self._measure(None, None, self._plain(fn, args, kwargs), lambda: fn(*args, **kwargs))

    def pedantic(
        self,
        target: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: Optional[dict[str, Any]] = None,
        setup: Optional[Callable[[], Any]] = None,
        teardown: Optional[Callable[..., Any]] = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """pytest-benchmark's pedantic(): exactly warmup_rounds + rounds rounds of `iterations`
        calls; setup() before each round may return (args, kwargs); teardown(*args, **kwargs)
        after each. Nothing else calls target (no calibration)."""
        return self._pedantic(None, target, args, kwargs, setup, teardown, rounds, warmup_rounds,
                              iterations)

    @property
    def stats(self) -> Optional[Summary]:
        """The summary of the latest measurement (pytest-benchmark's benchmark.stats has the same
        min, max, mean, stddev, median fields), or None before any."""
        result = self.result
        return None if result is None else result.summary

    @property
    def first_call_ns(self) -> Optional[int]:
        """The latest measurement's first call, cold, timed alone before the warm-up or
        calibration (the result's metric first_call_ns; None for pedantic and unmeasured runs)."""
        result = self.result
        first = None if result is None else result.metrics.get("first_call_ns")
        return None if first is None or first != first else int(first)  # NaN: not timed

    @property
    def result(self) -> Optional[Result]:
        """The latest measurement's full result (samples, summary, metrics)."""
        for measurement in reversed(self.measurements):
            if measurement.result is not None:
                return measurement.result
        return None

    # ---- perfbudget's additions ----

    def record(self, name: str, value: float, unit: str = "", higher_is_better: bool = False) -> None:
        """Record a custom metric ("hit_rate", 92, "%"); budgets limit it under metrics:."""
        self.records.append(_Record(name, value, unit, higher_is_better))
        self._attach_records()

    def sweep(self, fn: Callable[[int], Any], sizes: Any, *,
              name: Optional[str] = None) -> Optional[ComplexityFit]:
        """Measure fn(n) at each size n, each a measurement named "<nodeid>/<n>" (with name:
        "<nodeid>[name]/<n>"), and fit time against n to O(1), O(log n), O(n), O(n log n),
        O(n^2) and O(n^3). Returns the best fit (None when nothing was measured here); a
        budget's complexity: fails the test when the fitted class is worse (docs/pytest.md)."""
        values = _sweep_sizes(sizes)
        sweep_name, points = self._context.sweep_names(name, values)
        sweep = Sweep(sweep_name, values)
        self.sweeps.append(sweep)
        for n, point in zip(values, points):
            self._measure(None, None, self._plain(fn, (n,), {}), partial(fn, n),
                          full_name=point)
        results = [m.result for m in self.measurements if m.name in points and m.result is not None]
        if len(results) >= 2:
            sweep.fit = fit_sweep(results, sweep_name)
        return sweep.fit

    def threads(self, counts: Any) -> "ThreadedPerf":
        """perf.threads([2, 4])(fn, *args): measure fn as perf(fn) does, then run it by 1, 2
        and 4 threads at once; the result keeps each count's per-thread latency, throughput,
        spread and efficiency against one thread, and a budget's scaling: bounds the
        efficiency (docs/threads.md). fn must be safe to call from several threads."""
        return ThreadedPerf(self, _thread_counts(counts))

    def stage(self, name: str) -> Stage:
        """Time a part of the measured function: `with perf.stage("decode"): ...`. Reports show
        each stage's count, mean, p99 and total; a .trace.json report is its timeline."""
        stage = self._stages.get(name)
        if stage is None:
            stage = self._stages[name] = Stage(self, name)
        return stage

    def named(self, name: str, *, tracemalloc: Optional[bool] = None) -> "NamedPerf":
        """A measurement named "<nodeid>[name]": perf.named("decode")(fn, *args). tracemalloc
        adds python_peak_memory (bytes Python allocated in one call) for this measurement."""
        return NamedPerf(self, name, tracemalloc)

    def async_(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Measure a coroutine function from a synchronous test, in a fresh event loop; returns
        the result of the last await."""
        return self._async(None, None, fn, args, kwargs)

    async def aio(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Measure a coroutine function from an async test, in the running loop:
        `result = await perf.aio(fetch, url)`."""
        return await self._aio(None, None, fn, args, kwargs)

    # ---- the work ----

    def _plain(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Runner:
        # Instructions mode counts a fixed number of warm-up calls (suite.c): no timed warm-up.
        time_mode = self._context.settings["mode"] != "instructions"
        return _plain_loop(fn, args, kwargs, warm=time_mode)

    def _pedantic(self, name: Optional[str], target: Callable[..., Any], args: tuple[Any, ...],
                  kwargs: Optional[dict[str, Any]], setup: Optional[Callable[[], Any]],
                  teardown: Optional[Callable[..., Any]], rounds: int, warmup_rounds: int,
                  iterations: int, tracemalloc: Optional[bool] = None) -> Any:
        kwargs = kwargs or {}
        for what, value, least in (("rounds", rounds, 1), ("iterations", iterations, 1),
                                   ("warmup_rounds", warmup_rounds, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"perf.pedantic: {what} must be a whole number >= {least}, "
                                 f"not {value!r}")
        if setup is not None and iterations > 1:
            raise ValueError("perf.pedantic: setup runs once per round, so iterations must be 1")
        arguments = _pedantic_arguments(args, kwargs, setup)

        def call_once() -> Any:
            call_args, call_kwargs = arguments()
            value = target(*call_args, **call_kwargs)
            if teardown is not None:
                teardown(*call_args, **call_kwargs)
            return value

        exact = {"min_sample_ns": 1, "min_rounds": rounds, "max_rounds": rounds,
                 "warmup_iterations": warmup_rounds, "warmup_ns": 0, "min_time_ns": 0,
                 "max_time_ns": 1 << 62}
        return self._measure(name, tracemalloc,
                             _pedantic_loop(target, arguments, teardown, iterations), call_once,
                             exact)

    def _async(self, name: Optional[str], tracemalloc: Optional[bool],
               fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        def call_once() -> Any:
            return _in_new_loop(lambda: fn(*args, **kwargs))

        overhead: list[float] = []

        async def measured(sampler: Sampler) -> Any:
            value = await _async_batches(sampler, fn, args, kwargs)
            overhead.append(await _loop_overhead())  # on the same loop, after the samples
            return value

        def run(sampler: Sampler) -> Any:
            return _in_new_loop(lambda: measured(sampler))

        value = self._measure(name, tracemalloc, run, call_once)
        self._add_loop_overhead(overhead)
        return value

    def _probing(self) -> bool:
        """Whether the loop times the interpreter probe: in time mode."""
        return bool(self._context.settings["mode"] != "instructions")

    def _add_loop_overhead(self, overhead: list[float]) -> None:
        result = self.measurements[-1].result if self.measurements else None
        if overhead and result is not None:
            result.add_metric(EVENT_LOOP_OVERHEAD, overhead[-1], "ns")

    async def _aio(self, name: Optional[str], tracemalloc: Optional[bool],
                   fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        measurement_name = self._context.measurement_name(name, len(self.measurements))
        call_once = lambda: _in_new_loop(lambda: fn(*args, **kwargs))  # noqa: E731 (profiling)
        if not self._context.measuring:
            self._context.session.processes.measure_in_children_first(self)
            self.measurements.append(Measurement(measurement_name, None, call_once))
            return await fn(*args, **kwargs)
        with self._context.isolated():
            sampler = self._sampler = self._context.sampler(measurement_name)
            try:
                with _LoopWatch(sampler, self._probing()) as watch:
                    value = await _async_batches(watch, fn, args, kwargs)  # type: ignore[arg-type]
                overhead = await _loop_overhead()  # on the running loop, after the samples
            finally:
                self._sampler = None
            result = sampler.finish()
            watch.give(result, math.nan)
        self._finish(measurement_name, result, call_once, tracemalloc)
        self._add_loop_overhead([overhead])
        return value

    def _threaded(self, name: Optional[str], counts: list[int], fn: Callable[..., Any],
                  args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The usual measurement, then fn by each count of threads at once, in batches of the
        size the usual one calibrated (the core's scaling plan); the points go with its result."""
        value = self._measure(name, None, self._plain(fn, args, kwargs), lambda: fn(*args, **kwargs))
        measurement = self.measurements[-1]
        result = measurement.result
        if (result is None or result.status != "ok"
                or self._context.settings["mode"] == "instructions"):
            return value
        iterations, batches = scaling_plan(result, self._context.run_options(measurement.name))
        points: list[ScalingPoint] = []
        with self._context.isolated():
            for threads in counts:
                samples, wall_ns = _run_in_threads(fn, args, kwargs, threads, iterations, batches)
                points.append(scaling_point(samples, iterations, wall_ns))
        points = scaling_efficiency(points)
        # Judged here, before the measurement's verdict: the core's test status and report
        # take a scaling: breach as they take a breached limit.
        budget_name, _ = self._context.budget_choice(measurement.name)
        verdict = judge_scaling(points, self._context.session.budget, budget_name)
        result.set_scaling(points, verdict if verdict.threads else None)
        return value

    def _measure(self, name: Optional[str], tracemalloc: Optional[bool], run: Runner,
                 call_once: Callable[[], Any], exact: Optional[dict[str, int]] = None,
                 full_name: Optional[str] = None) -> Any:
        measurement_name = full_name or self._context.measurement_name(name,
                                                                        len(self.measurements))
        if not self._context.measuring:  # --perf-disable, or measured by child processes
            self._context.session.processes.measure_in_children_first(self)  # before calling it here
            self.measurements.append(Measurement(measurement_name, None, call_once))
            return call_once()

        def measure() -> tuple[Any, Result]:
            with self._context.isolated():
                sampler = self._sampler = self._context.sampler(measurement_name, exact)
                try:
                    with _LoopWatch(sampler, self._probing()) as watch:
                        value = run(watch)  # type: ignore[arg-type]  # a Sampler's interface
                finally:
                    self._sampler = None
                result = sampler.finish()
                watch.give(result, math.nan)
                if exact is not None:
                    # pedantic: a batch's CPU time spans its rounds' setup calls too, while
                    # its sample is the time of one call; no CPU samples rather than wrong ones
                    result.set_cpu_samples([])
                return value, result

        value, result = measure()
        self._finish(measurement_name, result, call_once, tracemalloc, lambda: measure()[1])
        return value

    def _finish(self, name: str, result: Result, call_once: Callable[[], Any],
                tracemalloc: Optional[bool],
                remeasure: Optional[Callable[[], Result]] = None) -> None:
        if self._context.tracemalloc if tracemalloc is None else tracemalloc:
            result.add_metric(PYTHON_PEAK_MEMORY, python_peak_memory(call_once), "B")
            metrics = result.metrics
            result.set_runtime_figures(metrics["gc_collections"], metrics["gc_time_ns"],
                                       python_allocations(call_once))
        self.measurements.append(Measurement(name, result, call_once, remeasure))
        self._attach_records()

    def _attach_records(self) -> None:
        """Custom metrics go to the test's first measurement, once it exists."""
        first = next((m.result for m in self.measurements if m.result is not None), None)
        if first is None:
            return
        for record in self.records:
            first.add_metric(record.name, record.value, record.unit, record.higher_is_better)
        self.records.clear()


@dataclass
class NamedPerf:
    """perf.named(name): the same interface, for one named measurement."""

    perf: Perf
    name: str
    tracemalloc: Optional[bool] = None

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.perf._measure(self.name, self.tracemalloc, _plain_loop(fn, args, kwargs),
                                  lambda: fn(*args, **kwargs))

    def pedantic(self, target: Callable[..., Any], args: tuple[Any, ...] = (),
                 kwargs: Optional[dict[str, Any]] = None, setup: Optional[Callable[[], Any]] = None,
                 teardown: Optional[Callable[..., Any]] = None, rounds: int = 1,
                 warmup_rounds: int = 0, iterations: int = 1) -> Any:
        return self.perf._pedantic(self.name, target, args, kwargs, setup, teardown, rounds,
                                   warmup_rounds, iterations, self.tracemalloc)

    def async_(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        return self.perf._async(self.name, self.tracemalloc, fn, args, kwargs)

    def stage(self, name: str) -> Stage:
        return self.perf.stage(name)

    def threads(self, counts: Any) -> "ThreadedPerf":
        return ThreadedPerf(self.perf, _thread_counts(counts), self.name)

    async def aio(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        return await self.perf._aio(self.name, self.tracemalloc, fn, args, kwargs)


@dataclass
class ThreadedPerf:
    """perf.threads(counts): call it as perf: `perf.threads([2, 4])(fn, *args, **kwargs)`."""

    perf: Perf
    counts: list[int]
    name: Optional[str] = None

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.perf._threaded(self.name, self.counts, fn, args, kwargs)


@pytest.fixture
def perf(request: pytest.FixtureRequest) -> Perf:
    """Measure a callable: `result = perf(fn, *args, **kwargs)` (pytest-benchmark's `benchmark`
    interface). The test fails when the measurement breaches its budget in perfbudget.yml, or,
    with --performance-regression, when it regressed against the baseline."""
    from perfbudget.benchmark_compat import benchmark_group
    from perfbudget.session import perf_session

    perf = perf_session(request.config).perf_for(request.node)
    group = benchmark_group(request.node)  # @pytest.mark.benchmark(group=...)
    if group is not None:
        perf.group = group
    return perf
