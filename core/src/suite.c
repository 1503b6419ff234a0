/* SPDX-License-Identifier: MIT */
/* In-process benchmarks: suites, the calibrated loop, and the result of each run. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The first call is timed apart: a cold call (code generation, caches being filled) taken for
 * calibration would end it at one call per sample, and every sample of a short body would then
 * carry the loop's and the clock's cost. */
enum phase {
    PHASE_NOT_STARTED,
    PHASE_FIRST_CALL,
    PHASE_CALIBRATE,
    PHASE_WARMUP,
    PHASE_MEASURE,
    PHASE_DONE
};

struct perfbudget_state {
    uint64_t remaining; /* first member: perfbudget_loop() in measure.h inlines on it */
    perfbudget_context *ctx;
    perfbudget_run_options opts;
    enum phase phase;
    uint64_t target_sample_ns;
    uint64_t batch_iterations, batch_start_ns;
    uint64_t run_start_ns, warmup_start_ns, warmup_iterations, measure_start_ns, measure_end_ns;
    double first_call_ns; /* NaN until timed */
    int first_call_given; /* the caller timed it (perfbudget_sampler_set_first_call) */
    double *samples, *rss_iterations, *rss_bytes; /* rss_* : memory after each sample */
    double *reference; /* speed_correction: the reference loop's time after each sample */
    double reference_time; /* and the run's, perfbudget__speed_correct() */
    /* The measuring thread's CPU time of each sample, read just outside its timed span (never
     * with a fake clock: its samples are not real time, so the CPU times would not match). */
    double *cpu_samples;
    int cpu_sampling;                             /* 0 with a fake clock or a failed read */
    /* The front end's interpreter probe last timed before each sample (probing: it noted one,
     * perfbudget_sampler_note_probe()); NaN for samples before the first. */
    double *probe_samples, probe_latest;
    int probing;
    uint64_t batch_cpu_start_ns, batch_cpu_end_ns; /* thread CPU clock around the batch */
    /* Where the clock and usage are read into: not locals, so that the code between batches
     * gets no larger stack frame with addressable locals, which AddressSanitizer's fake stack
     * (detect_stack_use_after_return) places on fresh pages batch after batch: the
     * memory-growth figure would count them as a leak. */
    struct timespec cpu_clock;
    struct rusage usage_start, usage_end;         /* the thread's, when measuring starts, ends */
    int usage_ok;
    double involuntary_switches, voluntary_switches; /* NaN until measuring ends */
    double wait_start_ns, runqueue_wait_ns;          /* schedstat's run delay; NaN: unknown */
    /* I/O bytes, page faults and energy while measuring (issue 23); NaN: unknown */
    double io_start[2], io_used[2], minor_faults, major_faults, energy_joules;
    perfbudget__rapl rapl_start;
    perfbudget__probe *probe; /* NULL: no probe (a fake clock, instructions mode, no memory) */
    uint64_t probe_last_ns;
    size_t rounds, capacity;
    uint64_t measured_iterations;
    perfbudget_cpu_times cpu_start, cpu_end;
    int cpu_ok;
    int statm_fd;
    long page_size;
    perfbudget_counters *counters;
    int counters_ok;
    /* Instructions mode: the count and the size of each measured batch. Batches alternate
     * between count_base and 2 * count_base iterations; the figure is the median over pairs of
     * the extra count per extra iteration, so the harness's own cost per batch (a clock read, a
     * Python loop's turn) drops out whatever size calibration chose under a loaded machine's
     * timing; the median, because an allocator growing its arena in one batch moves that batch. */
    double batch_counts[16];
    uint64_t batch_sizes[16];
    uint64_t count_base;
    int count_pairs; /* alternate sizes: calibrated batches (a size set from outside stays) */
    size_t counted_batches;
    uint64_t counted_so_far; /* perf_event counts accumulate; callgrind's restart at each read */
    perfbudget_run_status status;
    int out_of_memory;
    char message[PERFBUDGET__MESSAGE_SIZE];
    void *userdata;
    uint64_t items_per_iteration, bytes_per_iteration;
    perfbudget__stage_recorder *stages; /* NULL until the body begins a stage */
    const char *name;
    perfbudget_progress_fn progress;
    void *progress_userdata;
    uint64_t progress_interval_ns, progress_last_ns;
    int single_batch; /* interleave.c: a call to the body runs one batch (perfbudget__batch_*) */
    /* Allocations per call: the counter read around each measured batch (NULL: none); ok stays
     * 1 while every read succeeded. */
    perfbudget_alloc_counter_fn alloc_counter;
    void *alloc_userdata;
    uint64_t alloc_batch_start, allocations;
    int alloc_ok;
    uint64_t size;    /* a sweep's input size, 0 outside one */
    uint32_t thread_index, threads; /* a threaded run's (threads.h); 0 and 1 otherwise */
};

struct perfbudget_result {
    char *name;
    perfbudget_run_status status;
    char message[PERFBUDGET__MESSAGE_SIZE];
    char counters_note[PERFBUDGET__MESSAGE_SIZE];
    double *samples;
    size_t count;
    double *cpu_samples; /* NULL, or count of them: CPU ns per iteration of each sample */
    double *probe_samples; /* NULL, or count of them: the interpreter probe before each sample */
    perfbudget_summary summary;
    perfbudget_metrics metrics;
    char *output; /* a failed command's output, or NULL */
    char *identity; /* the benchmarked code's version, or NULL for "" */
    perfbudget_mode mode;
    struct metric_comparison {
        char *metric;
        perfbudget_unit unit;
        perfbudget_comparison comparison;
    } *comparisons;
    size_t comparison_count;
    struct custom_metric {
        char *name;
        double value;
        perfbudget_quantity_kind kind;
        int higher_is_better;
    } *custom;
    size_t custom_count;
    perfbudget_limit_verdict *verdicts; /* from perfbudget_result_judge() */
    size_t verdict_count;
    const char *budget_entry; /* borrowed from the budget */
    char *advice, *advice_link; /* the entry's advice: and link:, or NULL */
    perfbudget_fail_on fail_on;
    perfbudget__stages stages;
    perfbudget__notes notes; /* from perfbudget_result_conclude() */
    int has_complexity; /* a sweep's fit kept with one of its points (complexity.h) */
    perfbudget_complexity_fit complexity_fit;
    perfbudget_complexity_verdict complexity_verdict;
    perfbudget_scaling_point *scaling; /* threads.h: NULL, or scaling_count points */
    size_t scaling_count;
    perfbudget_scaling_verdict scaling_verdict;
    /* Verdicts read back from a result file own their limits (judged ones borrow the budget's). */
    perfbudget_limit *restored_limits;
    char *restored_strings;
};

struct perfbudget_suite {
    perfbudget_context *ctx;
    char *name;
    perfbudget_benchmark_def *defs; /* names owned; sizes NULL (one entry per sweep point) */
    uint64_t *sizes;                /* each entry's input size, 0 when not a sweep point */
    size_t count, capacity;
    perfbudget_progress_fn progress;
    void *progress_userdata;
    uint64_t progress_interval_ns;
    perfbudget_alloc_counter_fn alloc_counter; /* NULL: allocations are not counted */
    void *alloc_userdata;
    /* Names to positions, so adding stays linear in the suite's size (a scan per add made
     * registering 10,000 benchmarks quadratic): open addressing, slot = position + 1, 0 free. */
    size_t *slots;
    size_t slot_count; /* a power of two, at least twice count */
};

void perfbudget_run_options_init(perfbudget_run_options *opts) {
    if (opts == NULL) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->warmup_iterations = 0;
    opts->warmup_ns = UINT64_C(10000000);
    opts->min_rounds = 30;
    opts->min_time_ns = UINT64_C(100000000);
    opts->max_time_ns = UINT64_C(2000000000);
    opts->min_sample_ns = 0;
    opts->max_rounds = 1000000;
    opts->hardware_counters = 1;
    opts->mode = PERFBUDGET_MODE_TIME;
    opts->speed_correction = 0;
}

int perfbudget__run_options_read(perfbudget_context *ctx, const perfbudget_run_options *in,
                                 perfbudget_run_options *out) {
    perfbudget_run_options_init(out);
    if (in == NULL) return PERFBUDGET_OK;
    return perfbudget__sized_read(ctx, "perfbudget_run_options", in,
                                  PERFBUDGET__RUN_OPTIONS_SIZE_1, sizeof *out, out);
}

void perfbudget_do_not_optimize_(const volatile void *p) { (void)p; }

/* ---- the loop --------------------------------------------------------------------------- */

int64_t perfbudget__statm_resident_pages(const char *text) {
    const char *p = text;
    for (int field = 0; field < 2; field++) {
        while (*p == ' ') p++;
        if (*p < '0' || *p > '9') return -1;
        int64_t value = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (value > (INT64_MAX - 9) / 10) return -1;
            value = value * 10 + (*p - '0');
        }
        if (field == 1) return value;
    }
    return -1;
}

/* Read after every sample: the two numbers are parsed by hand, since sscanf cost as much as the
 * read itself (0.4 % of an empty body's measuring, profiled). */
static int64_t rss_now(perfbudget_state *s) {
    char text[128];
    if (s->statm_fd < 0) return -1;
    ssize_t length = pread(s->statm_fd, text, sizeof text - 1, 0);
    if (length <= 0) return -1;
    text[length] = '\0';
    int64_t resident_pages = perfbudget__statm_resident_pages(text);
    return resident_pages < 0 ? -1 : resident_pages * s->page_size;
}

/* The speed reference: a fixed chain of dependent multiplies and shifts, in registers only, so
 * that its time moves with the machine's speed (a clock change, a VM's host) and with nothing
 * a benchmark does. Timed after each sample; the ratio of two runs' reference times is how much
 * of a change between them was the machine's (docs/statistics.md, "Speed correction"). */
#define REFERENCE_STEPS 1024
static uint64_t reference_chain(uint64_t x) {
    for (int i = 0; i < REFERENCE_STEPS; i++) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        x ^= x >> 29;
    }
    return x;
}

/* The reference time of a run: the mean of the loop's times within 1 % of their median. The
 * median alone snaps to whole ns of the clock (0.07 % of the loop here); the mean around it does
 * not, and still leaves out interrupted loops and the other speed of a machine that switched
 * during the run (2.4 % apart here), as the samples' median does. Sorts times. */
double perfbudget__reference_time(double *times, size_t n) {
    double *scratch = malloc(n * sizeof *scratch); /* NULL: a slower sort, no failure */
    perfbudget__sort(times, n, scratch);
    free(scratch);
    double median = perfbudget__quantile_sorted(times, n, 0.5), sum = 0.0;
    size_t near = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(times[i] - median) <= 0.01 * median) sum += times[i], near++;
    return near > 0 ? sum / (double)near : median;
}

/* Each sample brought to the run's reference time by the loop timed right after it: a machine
 * that switched speed during the run leaves every sample at one speed, whatever share of the
 * run each speed had. A timing more than 25 % off (an interrupt in the loop) leaves its sample
 * alone. The CPU sample of the same batch (cpu_samples, NULL for none) is scaled by the same
 * factor, so the two stay comparable. Returns the run's reference time; NaN (and nothing
 * corrected) when out of memory. */
double perfbudget__speed_correct(double *samples, double *cpu_samples, const double *times,
                                 size_t n) {
    double *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) return NAN;
    memcpy(sorted, times, n * sizeof *sorted);
    double reference = perfbudget__reference_time(sorted, n);
    free(sorted);
    for (size_t i = 0; i < n; i++) {
        double factor = reference / times[i];
        if (factor >= 0.8 && factor <= 1.25) {
            samples[i] *= factor;
            if (cpu_samples != NULL) cpu_samples[i] *= factor;
        }
    }
    return reference;
}

/* The calling thread's CPU clock in ns, read into *ts; 0 when it cannot be read (never a real
 * reading once a thread has run). A system call on Linux, so it is read only outside timed
 * spans. */
static uint64_t thread_cpu_ns(struct timespec *ts) {
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, ts) != 0) return 0;
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

/* Read the thread's CPU clock at the end of a measured batch (end = 1, right after its wall-clock
 * end) or at the start of the next one (end = 0, right before its wall-clock start). */
static void read_batch_cpu(perfbudget_state *s, int end) {
    if (!s->cpu_sampling || s->phase != PHASE_MEASURE) return;
    uint64_t now = thread_cpu_ns(&s->cpu_clock);
    if (now == 0) s->cpu_sampling = 0; /* a run keeps CPU samples for all its samples or none */
    if (end) s->batch_cpu_end_ns = now;
    else s->batch_cpu_start_ns = now;
}

static int thread_usage(struct rusage *out) {
#ifdef RUSAGE_THREAD
    return getrusage(RUSAGE_THREAD, out) == 0;
#else
    (void)out;
    return 0;
#endif
}

static void time_reference(perfbudget_state *s) {
    uint64_t start = perfbudget_context_now_ns(s->ctx);
    uint64_t x = reference_chain(start);
    PERFBUDGET_DO_NOT_OPTIMIZE(x);
    s->reference[s->rounds - 1] = (double)(perfbudget_context_now_ns(s->ctx) - start);
}

/* Room for twice as many samples in every per-sample array the run keeps; 0, or -1 (and
 * out_of_memory) when there is none. */
static int grow_sample_arrays(perfbudget_state *s) {
    size_t capacity = s->capacity ? 2 * s->capacity : 256;
    double *samples = realloc(s->samples, capacity * sizeof *samples);
    if (samples != NULL) s->samples = samples;
    double *x = realloc(s->rss_iterations, capacity * sizeof *x);
    if (x != NULL) s->rss_iterations = x;
    double *y = realloc(s->rss_bytes, capacity * sizeof *y);
    if (y != NULL) s->rss_bytes = y;
    double *reference = s->opts.speed_correction
                            ? realloc(s->reference, capacity * sizeof *reference) : s->reference;
    if (reference != NULL) s->reference = reference;
    double *cpu = s->cpu_sampling ? realloc(s->cpu_samples, capacity * sizeof *cpu)
                                  : s->cpu_samples;
    if (cpu != NULL) s->cpu_samples = cpu;
    double *probes = s->probing ? realloc(s->probe_samples, capacity * sizeof *probes)
                                : s->probe_samples;
    if (probes != NULL) s->probe_samples = probes;
    if (samples == NULL || x == NULL || y == NULL ||
        (s->opts.speed_correction && reference == NULL) || (s->cpu_sampling && cpu == NULL) ||
        (s->probing && probes == NULL)) {
        s->out_of_memory = 1;
        return -1;
    }
    s->capacity = capacity;
    return 0;
}

static void record_sample(perfbudget_state *s, uint64_t elapsed_ns) {
    if (s->rounds == s->capacity && grow_sample_arrays(s) != 0) return;
    s->measured_iterations += s->batch_iterations;
    uint64_t instructions, cycles;
    if (s->opts.mode == PERFBUDGET_MODE_INSTRUCTIONS && s->counters_ok &&
        s->counted_batches < sizeof s->batch_counts / sizeof *s->batch_counts &&
        perfbudget_counters_read(s->counters, &instructions, &cycles) == PERFBUDGET_OK) {
        uint64_t batch = instructions;
        if (strcmp(perfbudget_counters_source(s->counters), "perf_event") == 0) {
            batch = instructions - s->counted_so_far;
            s->counted_so_far = instructions;
        }
        s->batch_sizes[s->counted_batches] = s->batch_iterations;
        s->batch_counts[s->counted_batches++] = (double)batch;
    }
    s->samples[s->rounds] = (double)elapsed_ns / (double)s->batch_iterations;
    if (s->cpu_sampling)
        s->cpu_samples[s->rounds] =
            (double)(s->batch_cpu_end_ns - s->batch_cpu_start_ns) / (double)s->batch_iterations;
    if (s->probing) s->probe_samples[s->rounds] = s->probe_latest;
    s->rss_iterations[s->rounds] = (double)s->measured_iterations;
    s->rss_bytes[s->rounds] = (double)rss_now(s);
    s->rounds++;
}

/* Grow the batch until one batch lasts the target sample time; like Google Benchmark, grow by
 * the ratio still missing (with headroom), at least 2x and at most 10x per step. */
static uint64_t next_calibration_size(const perfbudget_state *s, uint64_t elapsed_ns) {
    double factor = elapsed_ns == 0 ? 10.0 : 1.4 * (double)s->target_sample_ns / (double)elapsed_ns;
    if (factor < 2.0) factor = 2.0;
    if (factor > 10.0) factor = 10.0;
    double next = ceil((double)s->batch_iterations * factor);
    return next > 1e15 ? UINT64_C(1000000000000000) : (uint64_t)next;
}

static void run_probe(perfbudget_state *s) {
    perfbudget__probe_run(s->probe, s->ctx);
    s->probe_last_ns = perfbudget_context_now_ns(s->ctx);
}

static void start_measuring(perfbudget_state *s, uint64_t now) {
    s->phase = PHASE_MEASURE;
    s->count_base = s->batch_iterations;
    if (s->probe != NULL) run_probe(s);
    s->measure_start_ns = now;
    s->cpu_ok = perfbudget_cpu_times_read(NULL, &s->cpu_start) == PERFBUDGET_OK;
    s->usage_ok = s->cpu_sampling && thread_usage(&s->usage_start);
    s->wait_start_ns = s->cpu_sampling ? perfbudget__runqueue_wait_ns(0) : NAN;
    if (s->cpu_sampling) {
        perfbudget__io_read("/proc/thread-self/io", &s->io_start[0], &s->io_start[1]);
        perfbudget__rapl_read("/sys/class/powercap", &s->rapl_start);
    }
}

/* Instructions mode's figure (see batch_counts): the median over consecutive batches of
 * different sizes of their extra count per extra iteration; with no such pair (one batch), the
 * count per iteration of the batches. NaN when nothing was counted. */
static double count_per_iteration(const perfbudget_state *s) {
    enum { MAX = sizeof s->batch_counts / sizeof *s->batch_counts };
    double figures[MAX];
    size_t n = 0;
    for (size_t i = 0; i + 1 < s->counted_batches; i += 2) {
        uint64_t a = s->batch_sizes[i], b = s->batch_sizes[i + 1];
        if (a != b)
            figures[n++] = (s->batch_counts[i + 1] - s->batch_counts[i]) /
                           ((double)b - (double)a);
    }
    for (size_t i = 0; n == 0 && i < s->counted_batches; i++)
        figures[i] = s->batch_counts[i] / (double)s->batch_sizes[i];
    if (n == 0) n = s->counted_batches;
    if (n == 0) return NAN;
    perfbudget__sort(figures, n, NULL);
    return perfbudget__quantile_sorted(figures, n, 0.5);
}

/* The context switches of the measuring thread since measuring started. */
static void count_switches(perfbudget_state *s) {
    if (!s->usage_ok || !thread_usage(&s->usage_end)) return;
    s->involuntary_switches = (double)(s->usage_end.ru_nivcsw - s->usage_start.ru_nivcsw);
    s->voluntary_switches = (double)(s->usage_end.ru_nvcsw - s->usage_start.ru_nvcsw);
    s->runqueue_wait_ns = perfbudget__runqueue_wait_ns(0) - s->wait_start_ns; /* NaN: unknown */
    s->minor_faults = (double)(s->usage_end.ru_minflt - s->usage_start.ru_minflt);
    s->major_faults = (double)(s->usage_end.ru_majflt - s->usage_start.ru_majflt);
    double io_end[2];
    perfbudget__io_read("/proc/thread-self/io", &io_end[0], &io_end[1]);
    for (int i = 0; i < 2; i++) s->io_used[i] = io_end[i] - s->io_start[i]; /* NaN: unknown */
    perfbudget__rapl rapl_end;
    perfbudget__rapl_read("/sys/class/powercap", &rapl_end);
    s->energy_joules = perfbudget__rapl_joules(&s->rapl_start, &rapl_end);
}

static int measuring_done(const perfbudget_state *s, uint64_t now) {
    if (s->rounds >= s->opts.max_rounds) return 1;
    if (s->rounds >= 1 && now - s->run_start_ns >= s->opts.max_time_ns) return 1;
    return s->rounds >= s->opts.min_rounds && now - s->measure_start_ns >= s->opts.min_time_ns;
}

/* Calibration, after a batch took elapsed ns at time now: a larger batch, or warming up once a
 * batch lasts the target sample time (or the time cap is reached). */
static inline void calibrate(perfbudget_state *s, uint64_t elapsed, uint64_t now) {
    if (elapsed >= s->target_sample_ns || now - s->run_start_ns >= s->opts.max_time_ns) {
        s->phase = PHASE_WARMUP;
        s->warmup_start_ns = now;
        /* Counting: a power of two, so that timing jitter seldom changes how often the
         * code has run before and while it is counted (CPython specialises its bytecode
         * after counts of executions, and the counts would follow). */
        while (s->opts.mode == PERFBUDGET_MODE_INSTRUCTIONS &&
               (s->batch_iterations & (s->batch_iterations - 1)) != 0)
            s->batch_iterations += s->batch_iterations & -s->batch_iterations;
    } else {
        s->batch_iterations = next_calibration_size(s, elapsed);
    }
}

/* After a measured batch took elapsed ns at time now: its sample, and the next batch's size.
 * Returns false when the sample could not be stored (the run has failed). */
static inline bool measured(perfbudget_state *s, uint64_t elapsed, uint64_t now) {
    record_sample(s, elapsed);
    if (s->out_of_memory) {
        perfbudget_state_fail(s, "out of memory storing samples");
        return false;
    }
    if (s->opts.speed_correction) time_reference(s);
    if (s->count_pairs)
        s->batch_iterations = s->batch_iterations == s->count_base ? 2 * s->count_base
                                                                   : s->count_base;
    if (s->probe != NULL && now - s->probe_last_ns >= PERFBUDGET__PROBE_INTERVAL_NS)
        run_probe(s);
    return true;
}

/* Whether warming up is over. A warm-up batch that would end past the time cap is not started:
 * the cap keeps room for a sample (a slow body has run twice by then, its first call and
 * calibration). */
static inline bool warmup_over(const perfbudget_state *s, uint64_t elapsed, uint64_t now) {
    return (s->warmup_iterations >= s->opts.warmup_iterations &&
            now - s->warmup_start_ns >= s->opts.warmup_ns) ||
           now - s->run_start_ns + elapsed >= s->opts.max_time_ns;
}

static void stop_measuring(perfbudget_state *s, uint64_t now) {
    s->phase = PHASE_DONE;
    s->measure_end_ns = now;
    if (s->cpu_ok) s->cpu_ok = perfbudget_cpu_times_read(NULL, &s->cpu_end) == PERFBUDGET_OK;
    count_switches(s);
}

/* The state machine, after a batch of s->batch_iterations took elapsed ns, at time now:
 * calibrate, warm up, measure, stop. Returns true when another batch should run. */
static bool advance(perfbudget_state *s, uint64_t elapsed, uint64_t now) {
    if (s->status != PERFBUDGET_RUN_OK || s->phase == PHASE_DONE) return false;
    switch (s->phase) {
    case PHASE_NOT_STARTED:
        s->run_start_ns = now;
        s->phase = s->first_call_given ? PHASE_CALIBRATE : PHASE_FIRST_CALL;
        s->batch_iterations = 1;
        break;
    case PHASE_FIRST_CALL:
        s->first_call_ns = (double)elapsed;
        s->phase = PHASE_CALIBRATE;
        break;
    case PHASE_CALIBRATE:
        calibrate(s, elapsed, now);
        break;
    case PHASE_WARMUP:
        s->warmup_iterations += s->batch_iterations;
        break;
    case PHASE_MEASURE:
        if (!measured(s, elapsed, now)) return false;
        break;
    case PHASE_DONE:
        return false;
    }
    if (s->phase == PHASE_WARMUP && warmup_over(s, elapsed, now)) start_measuring(s, now);
    if (s->phase == PHASE_MEASURE && measuring_done(s, now)) {
        stop_measuring(s, now);
        return false;
    }
    return true;
}

static bool single_batch_next(perfbudget_state *s);

/* The allocation counter around a measured batch: read last before it and first after it, so
 * that perfbudget's own allocations between batches (the samples' storage) are not counted. */
static void count_allocations(perfbudget_state *s, int end) {
    uint64_t count = 0;
    if (!s->alloc_ok || s->phase != PHASE_MEASURE) return;
    if (!s->alloc_counter(s->alloc_userdata, &count)) s->alloc_ok = 0;
    else if (end) s->allocations += count - s->alloc_batch_start;
    else s->alloc_batch_start = count;
}

bool perfbudget_loop_next_batch_(perfbudget_state *s) {
    if (s->single_batch) return single_batch_next(s);
    uint64_t now = perfbudget_context_now_ns(s->ctx);
    read_batch_cpu(s, 1);
    if (s->counters_ok) perfbudget_counters_stop(s->counters);
    count_allocations(s, 1);
    if (!advance(s, now - s->batch_start_ns, now)) return false;
    if (s->progress != NULL && now - s->progress_last_ns >= s->progress_interval_ns) {
        s->progress(s->progress_userdata, s->name, now - s->run_start_ns, s->rounds);
        s->progress_last_ns = now;
    }
    s->remaining = s->batch_iterations - 1;
    if (s->counters_ok && s->phase == PHASE_MEASURE) perfbudget_counters_start(s->counters);
    read_batch_cpu(s, 0);
    count_allocations(s, 0);
    s->batch_start_ns = perfbudget_context_now_ns(s->ctx);
    return true;
}

/* ---- state accessors ---------------------------------------------------------------------- */

void *perfbudget_state_userdata(perfbudget_state *state) { return state->userdata; }
uint64_t perfbudget_state_size(const perfbudget_state *state) { return state ? state->size : 0; }
uint32_t perfbudget_state_thread_index(const perfbudget_state *state) {
    return state ? state->thread_index : 0;
}
uint32_t perfbudget_state_threads(const perfbudget_state *state) {
    return state && state->threads > 0 ? state->threads : 1;
}
void perfbudget_state_set_userdata(perfbudget_state *state, void *userdata) {
    state->userdata = userdata;
}
void perfbudget_state_set_items_per_iteration(perfbudget_state *state, uint64_t n) {
    state->items_per_iteration = n;
}
void perfbudget_state_set_bytes_per_iteration(perfbudget_state *state, uint64_t n) {
    state->bytes_per_iteration = n;
}

static void stop_with(perfbudget_state *state, perfbudget_run_status status, const char *reason) {
    if (state->status != PERFBUDGET_RUN_OK) return; /* the first reason wins */
    state->status = status;
    snprintf(state->message, sizeof state->message, "%s", reason ? reason : "");
    state->remaining = 0;
}

void perfbudget_state_fail(perfbudget_state *state, const char *reason) {
    stop_with(state, PERFBUDGET_RUN_FAILED, reason);
}

void perfbudget_state_skip(perfbudget_state *state, const char *reason) {
    stop_with(state, PERFBUDGET_RUN_SKIPPED, reason);
}

void perfbudget_stage_begin(perfbudget_state *state, const char *name) {
    char why[PERFBUDGET__MESSAGE_SIZE];
    if (state->status == PERFBUDGET_RUN_OK &&
        perfbudget__stage_begin(&state->stages, name, perfbudget_context_now_ns(state->ctx),
                                state->phase == PHASE_MEASURE, why, sizeof why) != 0)
        perfbudget_state_fail(state, why);
}

void perfbudget_stage_end(perfbudget_state *state, const char *name) {
    char why[PERFBUDGET__MESSAGE_SIZE];
    uint64_t now = perfbudget_context_now_ns(state->ctx);
    if (state->status == PERFBUDGET_RUN_OK &&
        perfbudget__stage_end(state->stages, name, now, state->measure_start_ns, why,
                              sizeof why) != 0)
        perfbudget_state_fail(state, why);
}

/* ---- suites ----------------------------------------------------------------------------------- */

int perfbudget_suite_new(perfbudget_context *ctx, const char *name, perfbudget_suite **out) {
    if (out == NULL || name == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "suite_new: NULL argument");
    if (perfbudget__check_name(ctx, "suite name", name) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    perfbudget_suite *suite = calloc(1, sizeof *suite);
    if (suite == NULL || (suite->name = perfbudget__strdup(name)) == NULL) {
        free(suite);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "suite_new: out of memory");
    }
    suite->ctx = ctx;
    *out = suite;
    return PERFBUDGET_OK;
}

void perfbudget_suite_free(perfbudget_suite *suite) {
    if (suite == NULL) return;
    for (size_t i = 0; i < suite->count; i++) {
        free((char *)suite->defs[i].name);
        free((char *)suite->defs[i].category);
        free((uint32_t *)suite->defs[i].threads);
    }
    free(suite->defs);
    free(suite->sizes);
    free(suite->slots);
    free(suite->name);
    free(suite);
}

static size_t name_hash(const char *name) { return (size_t)perfbudget__fnv1a(name); }

/* The slot holding name, or the free slot where it would go. */
static size_t *find_slot(const perfbudget_suite *suite, const char *name) {
    size_t mask = suite->slot_count - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
        if (suite->slots[i] == 0 || strcmp(suite->defs[suite->slots[i] - 1].name, name) == 0)
            return &suite->slots[i];
}

static int grow_slots(perfbudget_suite *suite) {
    size_t count = suite->slot_count ? 2 * suite->slot_count : 64;
    size_t *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    free(suite->slots);
    suite->slots = slots;
    suite->slot_count = count;
    for (size_t i = 0; i < suite->count; i++) *find_slot(suite, suite->defs[i].name) = i + 1;
    return 0;
}

/* The thread counts of def in ascending order with 1 first (the efficiency's reference),
 * malloc'd into copy; 0, or -1 when out of memory. */
static int copy_thread_counts(const perfbudget_benchmark_def *def,
                              perfbudget_benchmark_def *copy) {
    uint32_t *counts = malloc((def->thread_count + 1) * sizeof *counts);
    if (counts == NULL) return -1;
    size_t n = 0;
    counts[n++] = 1;
    for (size_t i = 0; i < def->thread_count; i++)
        if (def->threads[i] != 1) counts[n++] = def->threads[i];
    for (size_t i = 1; i < n; i++) /* insertion sort: at most 9 counts */
        for (size_t j = i; j > 1 && counts[j - 1] > counts[j]; j--) {
            uint32_t t = counts[j];
            counts[j] = counts[j - 1];
            counts[j - 1] = t;
        }
    copy->threads = counts;
    copy->thread_count = n;
    return 0;
}

static int add_one(perfbudget_suite *suite, const perfbudget_benchmark_def *def, char *name,
                   uint64_t size) {
    if (2 * (suite->count + 1) > suite->slot_count && grow_slots(suite) != 0) {
        free(name);
        return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
    }
    if (suite->count == suite->capacity) {
        size_t capacity = suite->capacity ? 2 * suite->capacity : 16;
        perfbudget_benchmark_def *defs = realloc(suite->defs, capacity * sizeof *defs);
        if (defs != NULL) suite->defs = defs;
        uint64_t *sizes = defs ? realloc(suite->sizes, capacity * sizeof *sizes) : NULL;
        if (sizes == NULL) {
            free(name);
            return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
        }
        suite->sizes = sizes;
        suite->capacity = capacity;
    }
    perfbudget_benchmark_def copy = *def;
    copy.name = name;
    copy.sizes = NULL;
    copy.size_count = 0;
    copy.category = NULL;
    copy.threads = NULL;
    if ((def->category != NULL && (copy.category = perfbudget__strdup(def->category)) == NULL) ||
        (def->thread_count > 0 && copy_thread_counts(def, &copy) != 0)) {
        free((char *)copy.category);
        free(name);
        return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
    }
    suite->sizes[suite->count] = size;
    suite->defs[suite->count++] = copy;
    *find_slot(suite, name) = suite->count;
    return PERFBUDGET_OK;
}

/* "name/size", malloc'd; NULL when out of memory. */
static char *point_name(const char *name, uint64_t size) {
    size_t length = strlen(name) + 24;
    char *out = malloc(length);
    if (out != NULL) snprintf(out, length, "%s/%llu", name, (unsigned long long)size);
    return out;
}

/* A CTest label and a pytest marker: one word, as ctest -L and pytest -m select it. */
static int check_category(perfbudget_suite *suite, const perfbudget_benchmark_def *def) {
    const char *category = def->category;
    if (category != NULL && (category[0] == '\0' || (category[0] >= '0' && category[0] <= '9') ||
                             strspn(category, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_") != strlen(category)))
        return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                "suite %s: benchmark %s: category '%.64s' is not one word of "
                                "letters, digits and _ (such as unit, integration)",
                                suite->name, def->name, category);
    return PERFBUDGET_OK;
}

/* Thread counts 1..PERFBUDGET_THREADS_MAX, each once, at most PERFBUDGET_THREAD_COUNTS_MAX. */
static int check_thread_counts(perfbudget_suite *suite, const perfbudget_benchmark_def *def) {
    if (def->thread_count > 0 && def->threads == NULL)
        return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                "suite %s: benchmark %s: thread_count without threads",
                                suite->name, def->name);
    if (def->thread_count > PERFBUDGET_THREAD_COUNTS_MAX)
        return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                "suite %s: benchmark %s: %zu thread counts; at most %d",
                                suite->name, def->name, def->thread_count,
                                PERFBUDGET_THREAD_COUNTS_MAX);
    for (size_t i = 0; i < def->thread_count; i++) {
        if (def->threads[i] == 0 || def->threads[i] > PERFBUDGET_THREADS_MAX)
            return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                    "suite %s: benchmark %s: %u threads; from 1 to %d",
                                    suite->name, def->name, (unsigned)def->threads[i],
                                    PERFBUDGET_THREADS_MAX);
        for (size_t j = 0; j < i; j++)
            if (def->threads[j] == def->threads[i])
                return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                        "suite %s: benchmark %s: %u threads is given twice",
                                        suite->name, def->name, (unsigned)def->threads[i]);
    }
    return PERFBUDGET_OK;
}

/* Point i of a sweep: a size above 0, given once. */
static int check_size(perfbudget_suite *suite, const perfbudget_benchmark_def *def, size_t i) {
    if (def->sizes[i] == 0)
        return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                "suite %s: sweep %s: size %zu is 0; sizes must be above 0",
                                suite->name, def->name, i);
    for (size_t j = 0; j < i; j++)
        if (def->sizes[j] == def->sizes[i])
            return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                    "suite %s: sweep %s: size %llu is given twice", suite->name,
                                    def->name, (unsigned long long)def->sizes[i]);
    return PERFBUDGET_OK;
}

/* The name of point i of def (the name itself when it is no sweep), malloc'd; NULL when out of
 * memory. */
static char *name_of_point(const perfbudget_benchmark_def *def, size_t i) {
    return def->size_count ? point_name(def->name, def->sizes[i]) : perfbudget__strdup(def->name);
}

int perfbudget_suite_add(perfbudget_suite *suite, const perfbudget_benchmark_def *def) {
    if (suite == NULL || def == NULL)
        return PERFBUDGET_EINVAL;
    if (def->name == NULL || def->name[0] == '\0' || def->run == NULL ||
        (def->size_count > 0 && def->sizes == NULL))
        return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                "suite %s: a benchmark needs a name and a body", suite->name);
    if (perfbudget__check_name(suite->ctx, "benchmark name", def->name) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    if (check_category(suite, def) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    if (check_thread_counts(suite, def) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    if (suite->slot_count == 0 && grow_slots(suite) != 0)
        return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
    /* Every name is checked before any is added, so a refused sweep adds nothing. */
    size_t points = def->size_count ? def->size_count : 1;
    for (size_t i = 0; i < points; i++) {
        if (def->size_count > 0 && check_size(suite, def, i) != PERFBUDGET_OK)
            return PERFBUDGET_EINVAL;
        char *name = name_of_point(def, i);
        if (name == NULL)
            return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
        int taken = *find_slot(suite, name) != 0;
        free(name);
        if (taken)
            return perfbudget__fail(suite->ctx, PERFBUDGET_EINVAL,
                                    "suite %s: benchmark %s is defined twice", suite->name,
                                    def->name);
    }
    for (size_t i = 0; i < points; i++) {
        char *name = name_of_point(def, i);
        if (name == NULL)
            return perfbudget__fail(suite->ctx, PERFBUDGET_ENOMEM, "suite_add: out of memory");
        int status = add_one(suite, def, name, def->size_count ? def->sizes[i] : 0);
        if (status != PERFBUDGET_OK) return status;
    }
    return PERFBUDGET_OK;
}

void perfbudget_suite_set_progress(perfbudget_suite *suite, perfbudget_progress_fn fn,
                                   void *userdata, uint64_t interval_ns) {
    if (suite == NULL) return;
    suite->progress = fn;
    suite->progress_userdata = userdata;
    suite->progress_interval_ns = interval_ns;
}

void perfbudget_suite_set_alloc_counter(perfbudget_suite *suite, perfbudget_alloc_counter_fn fn,
                                        void *userdata) {
    if (suite == NULL) return;
    suite->alloc_counter = fn;
    suite->alloc_userdata = userdata;
}

const char *perfbudget_suite_name(const perfbudget_suite *suite) {
    return suite ? suite->name : NULL;
}
size_t perfbudget_suite_count(const perfbudget_suite *suite) { return suite ? suite->count : 0; }
int perfbudget_result_set_complexity(perfbudget_result *result,
                                     const perfbudget_complexity_fit *fit,
                                     const perfbudget_complexity_verdict *verdict) {
    if (result == NULL || fit == NULL || fit->complexity <= PERFBUDGET_COMPLEXITY_NONE ||
        fit->complexity >= PERFBUDGET_COMPLEXITY_COUNT)
        return PERFBUDGET_EINVAL;
    result->has_complexity = 1;
    result->complexity_fit = *fit;
    if (verdict != NULL) {
        result->complexity_verdict = *verdict;
    } else {
        memset(&result->complexity_verdict, 0, sizeof result->complexity_verdict);
        result->complexity_verdict.change_pct = result->complexity_verdict.threshold_pct = NAN;
    }
    return PERFBUDGET_OK;
}

int perfbudget_result_complexity(const perfbudget_result *result, perfbudget_complexity_fit *fit,
                                 perfbudget_complexity_verdict *verdict) {
    if (result == NULL || !result->has_complexity) return 0;
    if (fit != NULL) *fit = result->complexity_fit;
    if (verdict != NULL) *verdict = result->complexity_verdict;
    return 1;
}

int perfbudget_result_set_scaling(perfbudget_result *result,
                                  const perfbudget_scaling_point *points, size_t count,
                                  const perfbudget_scaling_verdict *verdict) {
    if (result == NULL || (points == NULL && count > 0) || count > PERFBUDGET_THREAD_COUNTS_MAX + 1)
        return PERFBUDGET_EINVAL;
    perfbudget_scaling_point *copy = NULL;
    if (count > 0) {
        if ((copy = malloc(count * sizeof *copy)) == NULL) return PERFBUDGET_ENOMEM;
        memcpy(copy, points, count * sizeof *copy);
    }
    free(result->scaling);
    result->scaling = copy;
    result->scaling_count = count;
    memset(&result->scaling_verdict, 0, sizeof result->scaling_verdict);
    result->scaling_verdict.allowed_pct = result->scaling_verdict.measured_pct = NAN;
    if (verdict != NULL) result->scaling_verdict = *verdict;
    return PERFBUDGET_OK;
}

const perfbudget_scaling_point *perfbudget_result_scaling(const perfbudget_result *result,
                                                          size_t *count,
                                                          perfbudget_scaling_verdict *verdict) {
    if (count != NULL) *count = result != NULL ? result->scaling_count : 0;
    if (verdict != NULL && result != NULL) *verdict = result->scaling_verdict;
    return result != NULL ? result->scaling : NULL;
}

const perfbudget_benchmark_def *perfbudget__suite_def(const perfbudget_suite *suite, size_t index,
                                                     uint64_t *size) {
    if (suite == NULL || index >= suite->count) return NULL;
    if (size != NULL) *size = suite->sizes[index];
    return &suite->defs[index];
}

perfbudget_context *perfbudget__suite_context(const perfbudget_suite *suite) {
    return suite != NULL ? suite->ctx : NULL;
}

uint64_t perfbudget_suite_benchmark_size(const perfbudget_suite *suite, size_t index) {
    return suite && index < suite->count ? suite->sizes[index] : 0;
}
const char *perfbudget_suite_benchmark_name(const perfbudget_suite *suite, size_t index) {
    return suite && index < suite->count ? suite->defs[index].name : NULL;
}

const char *perfbudget_suite_benchmark_category(const perfbudget_suite *suite, size_t index) {
    return suite && index < suite->count ? suite->defs[index].category : NULL;
}

/* ---- running one benchmark ------------------------------------------------------------------ */

/* The resident set's growth over the samples, and its slope per iteration. */
static void fill_memory_growth(const perfbudget_state *s, perfbudget_metrics *m) {
    m->memory_growth_bytes = m->memory_growth_per_iteration_bytes =
        m->memory_growth_stderr_bytes = NAN;
    if (s->rounds > 0 && s->rss_bytes[0] >= 0.0)
        m->memory_growth_bytes = s->rss_bytes[s->rounds - 1] - s->rss_bytes[0];
    perfbudget_line_fit fit;
    if (s->rounds >= 3 && s->rss_bytes[0] >= 0.0 &&
        perfbudget_fit_line(NULL, s->rss_iterations, s->rss_bytes, s->rounds, &fit) ==
            PERFBUDGET_OK) {
        m->memory_growth_per_iteration_bytes = fit.slope;
        m->memory_growth_stderr_bytes = fit.slope_stderr;
    }
}

/* Instructions (and cycles, from the PMU) per iteration. */
static void fill_counts(const perfbudget_state *s, perfbudget_metrics *m) {
    m->instructions_per_iteration = m->cycles_per_iteration = NAN;
    uint64_t instructions, cycles;
    if (s->opts.mode == PERFBUDGET_MODE_INSTRUCTIONS) {
        m->instructions_per_iteration = count_per_iteration(s);
    } else if (s->counters_ok && s->measured_iterations > 0 &&
        perfbudget_counters_read(s->counters, &instructions, &cycles) == PERFBUDGET_OK) {
        m->instructions_per_iteration = (double)instructions / (double)s->measured_iterations;
        if (strcmp(perfbudget_counters_source(s->counters), "perf_event") == 0)
            m->cycles_per_iteration = (double)cycles / (double)s->measured_iterations;
    }
}

static void fill_metrics(const perfbudget_state *s, perfbudget_result *r,
                         const perfbudget_memory_usage *peak, int peak_reset) {
    perfbudget_metrics *m = &r->metrics;
    perfbudget_clock_info clock = perfbudget_context_clock_info(s->ctx);
    m->clock_overhead_ns = clock.overhead_ns;
    m->clock_resolution_ns = clock.resolution_ns;
    /* Instructions mode alternates sizes: the base size (the smaller) is the one shown. */
    m->iterations_per_sample = s->opts.mode == PERFBUDGET_MODE_INSTRUCTIONS && s->count_base > 0
                                   ? s->count_base
                                   : s->batch_iterations;
    m->rounds = s->rounds;
    m->total_iterations = s->measured_iterations;
    m->time_capped = s->rounds < s->opts.min_rounds;
    m->wall_ns = (double)(s->measure_end_ns - s->measure_start_ns);
    m->cpu_ns_per_iteration = m->cpu_utilization = NAN;
    if (s->cpu_ok && s->measured_iterations > 0) {
        double cpu = (double)(s->cpu_end.process_ns - s->cpu_start.process_ns);
        m->cpu_ns_per_iteration = cpu / (double)s->measured_iterations;
        if (m->wall_ns > 0.0 && !clock.is_fake) m->cpu_utilization = cpu / m->wall_ns;
    }
    m->peak_rss_bytes = peak ? (double)peak->peak_rss_bytes : NAN;
    m->peak_rss_reset = peak_reset;
    fill_memory_growth(s, m);
    fill_counts(s, m);
    m->reference_ns = s->opts.speed_correction && s->rounds > 0 ? s->reference_time : NAN;
    m->involuntary_switches = s->involuntary_switches;
    m->voluntary_switches = s->voluntary_switches;
    m->runqueue_wait_ns = s->runqueue_wait_ns;
    m->io_read_bytes = s->io_used[0];
    m->io_write_bytes = s->io_used[1];
    m->minor_faults = s->minor_faults;
    m->major_faults = s->major_faults;
    m->energy_joules = s->energy_joules;
    /* The Python front end's figures: it sets them after the loop (set_runtime_figures); in C
     * allocations per call come from the suite's allocation counter, when it has one. */
    m->gc_collections = m->gc_time_ns = m->allocations_per_call = NAN;
    if (s->alloc_ok && s->measured_iterations > 0)
        m->allocations_per_call = (double)s->allocations / (double)s->measured_iterations;
    perfbudget__probe_metrics(s->probe, m);
    m->first_call_ns = s->first_call_ns;
    m->items_per_second = m->bytes_per_second = NAN;
    double median = r->summary.median;
    if (median > 0.0 && s->items_per_iteration)
        m->items_per_second = (double)s->items_per_iteration * 1e9 / median;
    if (median > 0.0 && s->bytes_per_iteration)
        m->bytes_per_second = (double)s->bytes_per_iteration * 1e9 / median;
}

static void state_init(perfbudget_state *s, perfbudget_context *ctx,
                       const perfbudget_run_options *opts, const perfbudget_benchmark_def *def,
                       perfbudget_result *r) {
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->opts = *opts;
    if (s->opts.max_rounds == 0) s->opts.max_rounds = 1;
    perfbudget_clock_info clock = perfbudget_context_clock_info(ctx);
    s->target_sample_ns = opts->min_sample_ns;
    if (s->target_sample_ns == 0) {
        double automatic = fmax(1000.0 * clock.overhead_ns, 100.0 * clock.resolution_ns);
        s->target_sample_ns = automatic > 100000.0 ? (uint64_t)automatic : UINT64_C(100000);
    }
    if (opts->mode == PERFBUDGET_MODE_INSTRUCTIONS) {
        /* Counts hardly vary between batches: ten samples after calibration do. Batches of
         * 50 ms keep the per-batch harness cost (a clock read, a Python loop) negligible in
         * the count per iteration, even under valgrind, which runs code some 50 times slower. */
        s->opts.hardware_counters = 1;
        s->opts.warmup_ns = s->opts.min_time_ns = 0;
        s->opts.warmup_iterations = 1; /* one batch */
        s->opts.min_rounds = 10;
        s->opts.max_rounds = 10;
        s->opts.speed_correction = 0; /* counts do not depend on speed */
        if (opts->min_sample_ns == 0) s->target_sample_ns = UINT64_C(50000000);
        s->count_pairs = opts->min_sample_ns == 0;
    }
    perfbudget_result_set_mode(r, opts->mode); /* out of memory: the tag is missing, no more */
    s->cpu_sampling = !clock.is_fake;
    s->involuntary_switches = s->voluntary_switches = NAN;
    s->wait_start_ns = s->runqueue_wait_ns = NAN;
    s->first_call_ns = NAN;
    s->io_start[0] = s->io_start[1] = s->io_used[0] = s->io_used[1] = NAN;
    s->minor_faults = s->major_faults = s->energy_joules = NAN;
    s->userdata = def->userdata;
    s->items_per_iteration = def->items_per_iteration;
    s->bytes_per_iteration = def->bytes_per_iteration;
    s->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    s->page_size = sysconf(_SC_PAGESIZE);
    /* Made here, before the peak of memory is reset: the probe's table is perfbudget's, not the
     * benchmark's. Out of memory leaves the run without a probe, not failed. */
    if (s->cpu_sampling && s->opts.mode == PERFBUDGET_MODE_TIME)
        perfbudget__probe_new(&s->probe);
    if (s->opts.hardware_counters) {
        if (perfbudget_counters_new(ctx, &s->counters) == PERFBUDGET_OK)
            s->counters_ok = 1;
        else
            snprintf(r->counters_note, sizeof r->counters_note, "%s", perfbudget_errmsg(ctx));
        if (!s->counters_ok && opts->mode == PERFBUDGET_MODE_INSTRUCTIONS) {
            char why[PERFBUDGET__MESSAGE_SIZE + 96];
            snprintf(why, sizeof why, "instructions mode: %s; run it under valgrind's callgrind "
                     "(the suite's --mode instructions does)", r->counters_note);
            perfbudget_state_fail(s, why);
        }
    } else {
        snprintf(r->counters_note, sizeof r->counters_note, "hardware counters not requested");
    }
}

/* perfbudget's own work after each measured batch, in ns: the thread's CPU clock read twice
 * (system calls), the resident set read, and the speed reference when it is on. The median of a
 * few timings, so that one preempted timing does not count. */
static double bookkeeping_ns(perfbudget_state *s) {
    enum { TIMINGS = 9 };
    double times[TIMINGS];
    for (int i = 0; i < TIMINGS; i++) {
        struct timespec clock;
        uint64_t start = perfbudget_context_now_ns(s->ctx);
        uint64_t cpu = thread_cpu_ns(&clock) + thread_cpu_ns(&clock);
        int64_t rss = rss_now(s);
        uint64_t x = s->opts.speed_correction ? reference_chain(start) : 0;
        PERFBUDGET_DO_NOT_OPTIMIZE(cpu);
        PERFBUDGET_DO_NOT_OPTIMIZE(rss);
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
        times[i] = (double)(perfbudget_context_now_ns(s->ctx) - start);
    }
    perfbudget__sort(times, TIMINGS, NULL);
    return times[TIMINGS / 2];
}

/* A C body's loop adds nothing between iterations, so perfbudget's work between batches is what
 * its measuring costs: the automatic batch is made long enough (up to 1 ms) for that work to
 * stay under 0.5 % of the measuring time. On this project's VM it was about 4 % of 100 us
 * batches. Not for a sampler, whose batches its caller drives (the pytest plugin's), nor on a
 * fake clock, whose tests set their batches' times. */
static void size_batches_to_bookkeeping(perfbudget_state *s, const perfbudget_run_options *opts) {
    if (opts->min_sample_ns != 0 || s->opts.mode != PERFBUDGET_MODE_TIME || !s->cpu_sampling)
        return;
    double target = fmin(200.0 * bookkeeping_ns(s), 1e6);
    if (target > (double)s->target_sample_ns) s->target_sample_ns = (uint64_t)target;
}

/* The probe samples into the result, those before the first probe given its time (the
 * nearest); none where out of memory, as for the CPU samples. */
static void keep_probe_samples(const perfbudget_state *s, perfbudget_result *r) {
    size_t first = 0;
    while (first < s->rounds && isnan(s->probe_samples[first])) first++;
    if (first == s->rounds ||
        (r->probe_samples = malloc(s->rounds * sizeof *r->probe_samples)) == NULL)
        return;
    for (size_t i = 0; i < s->rounds; i++)
        r->probe_samples[i] = s->probe_samples[i < first ? first : i];
}

/* Move what the state measured into the result: samples, summary, metrics. */
static int finish(perfbudget_context *ctx, perfbudget_state *s, perfbudget_result *r,
                  const perfbudget_memory_usage *peak, int peak_reset) {
    char why[PERFBUDGET__MESSAGE_SIZE];
    if (s->status == PERFBUDGET_RUN_OK &&
        perfbudget__stages_finish(s->stages, &r->stages, why, sizeof why) != 0)
        perfbudget_state_fail(s, why);
    r->status = s->status;
    snprintf(r->message, sizeof r->message, "%s", s->message);
    int status = PERFBUDGET_OK;
    if (s->status == PERFBUDGET_RUN_OK && s->rounds > 0) {
        r->samples = malloc(s->rounds * sizeof *r->samples);
        if (r->samples == NULL) {
            status = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        } else {
            memcpy(r->samples, s->samples, s->rounds * sizeof *r->samples);
            r->count = s->rounds;
            /* The result owns the CPU samples as it owns the samples; a failed read or no
             * memory for them leaves none rather than failing the run. */
            if (s->cpu_sampling && (r->cpu_samples = malloc(s->rounds * sizeof *r->cpu_samples)))
                memcpy(r->cpu_samples, s->cpu_samples, s->rounds * sizeof *r->cpu_samples);
            if (s->probing) keep_probe_samples(s, r);
            if (s->opts.speed_correction)
                s->reference_time = perfbudget__speed_correct(r->samples, r->cpu_samples,
                                                              s->reference, s->rounds);
            status = perfbudget_summarize(ctx, r->samples, r->count, &r->summary);
        }
    } else {
        perfbudget_summarize(NULL, NULL, 0, &r->summary);
    }
    if (status == PERFBUDGET_OK) fill_metrics(s, r, peak, peak_reset);
    return status;
}

static void state_release(perfbudget_state *s) {
    if (s->statm_fd >= 0) close(s->statm_fd);
    perfbudget_counters_free(s->counters);
    free(s->samples);
    free(s->rss_iterations);
    free(s->rss_bytes);
    free(s->reference);
    free(s->cpu_samples);
    free(s->probe_samples);
    perfbudget__probe_free(s->probe);
    perfbudget__stage_recorder_free(s->stages);
}

void perfbudget_result_free(perfbudget_result *result) {
    if (result == NULL) return;
    free(result->name);
    free(result->samples);
    free(result->cpu_samples);
    free(result->probe_samples);
    free(result->verdicts);
    free(result->output);
    free(result->identity);
    for (size_t i = 0; i < result->custom_count; i++) free(result->custom[i].name);
    free(result->custom);
    for (size_t i = 0; i < result->comparison_count; i++) free(result->comparisons[i].metric);
    free(result->comparisons);
    perfbudget__stages_clear(&result->stages);
    perfbudget__notes_clear(&result->notes);
    free(result->restored_limits);
    free(result->restored_strings);
    free(result->advice);
    free(result->advice_link);
    free(result->scaling);
    free(result);
}

/* After the one-thread run: the benchmark again with each of its thread counts, in batches of
 * the size the one-thread run calibrated. A body failing in a thread fails the result. */
static int run_thread_counts(perfbudget_suite *suite, size_t index,
                             const perfbudget_run_options *opts, perfbudget_result *r) {
    const perfbudget_benchmark_def *def = &suite->defs[index];
    perfbudget_scaling_point points[PERFBUDGET_THREAD_COUNTS_MAX + 1];
    uint64_t iterations;
    uint32_t samples;
    perfbudget_scaling_plan(r, opts, &iterations, &samples);
    for (size_t i = 0; i < def->thread_count; i++) {
        int status = perfbudget_suite_run_threads(suite, index, def->threads[i], iterations,
                                                  samples, &points[i]);
        if (status == PERFBUDGET_ESTATE) {
            perfbudget_result_set_status(r, PERFBUDGET_RUN_FAILED, perfbudget_errmsg(suite->ctx));
            return PERFBUDGET_OK;
        }
        if (status != PERFBUDGET_OK) return status;
    }
    perfbudget_scaling_set_efficiency(points, def->thread_count);
    return perfbudget_result_set_scaling(r, points, def->thread_count, NULL);
}

int perfbudget_suite_run(perfbudget_suite *suite, size_t index,
                         const perfbudget_run_options *opts, perfbudget_result **out) {
    if (suite == NULL || out == NULL) return PERFBUDGET_EINVAL;
    perfbudget_context *ctx = suite->ctx;
    if (index >= suite->count)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "suite %s has no benchmark %zu",
                                suite->name, index);
    perfbudget_run_options known;
    if (perfbudget__run_options_read(ctx, opts, &known) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    opts = &known;
    const perfbudget_benchmark_def *def = &suite->defs[index];
    perfbudget_result *r = calloc(1, sizeof *r);
    if (r != NULL) perfbudget_metrics_init(&r->metrics);
    perfbudget_state *s = malloc(sizeof *s);
    if (r == NULL || s == NULL || (r->name = perfbudget__strdup(def->name)) == NULL) {
        free(r);
        free(s);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "suite_run: out of memory");
    }
    state_init(s, ctx, opts, def, r);
    size_batches_to_bookkeeping(s, opts);
    s->name = def->name;
    s->size = suite->sizes[index];
    s->progress = suite->progress;
    s->progress_userdata = suite->progress_userdata;
    s->progress_interval_ns = suite->progress_interval_ns;
    s->progress_last_ns = perfbudget_context_now_ns(ctx);
    s->alloc_counter = suite->alloc_counter;
    s->alloc_userdata = suite->alloc_userdata;
    s->alloc_ok = suite->alloc_counter != NULL;

    int setup_ok = def->setup == NULL || def->setup(s) == 0;
    int peak_reset = 0;
    perfbudget_memory_usage peak;
    int peak_ok = 0;
    if (!setup_ok) {
        perfbudget_state_fail(s, "setup failed");
    } else {
        peak_reset = perfbudget_memory_reset_peak(NULL) == PERFBUDGET_OK;
        def->run(s);
        peak_ok = perfbudget_memory_read(NULL, &peak) == PERFBUDGET_OK;
        if (s->status == PERFBUDGET_RUN_OK && s->phase == PHASE_NOT_STARTED)
            perfbudget_state_fail(s, "the benchmark body never called perfbudget_loop()");
        else if (s->status == PERFBUDGET_RUN_OK && s->phase != PHASE_DONE)
            perfbudget_state_fail(s, "the benchmark body left the loop before it ended");
        if (def->teardown != NULL) def->teardown(s);
    }
    int status = finish(ctx, s, r, peak_ok ? &peak : NULL, peak_reset);
    /* A suite's sample is a batch of C calls: their fastest tenth is the machine's fast state,
     * which a run reaches however long its slow spells (docs/statistics.md, "Which statistic is
     * compared"). A loop driven from outside (perfbudget_sampler: the Python front end) keeps
     * the median; counts compare exactly, whatever the statistic. */
    if (opts->mode == PERFBUDGET_MODE_TIME) r->metrics.compared_statistic = PERFBUDGET_STAT_P10;
    state_release(s);
    free(s);
    if (status == PERFBUDGET_OK && def->thread_count > 0 && r->status == PERFBUDGET_RUN_OK &&
        opts->mode == PERFBUDGET_MODE_TIME)
        status = run_thread_counts(suite, index, opts, r);
    if (status != PERFBUDGET_OK) {
        perfbudget_result_free(r);
        return status;
    }
    *out = r;
    return PERFBUDGET_OK;
}

void perfbudget_metrics_init(perfbudget_metrics *m) {
    if (m == NULL) return;
    memset(m, 0, sizeof *m);
    m->struct_size = sizeof *m;
    m->wall_ns = m->cpu_ns_per_iteration = m->cpu_utilization = m->peak_rss_bytes = NAN;
    m->memory_growth_bytes = m->memory_growth_per_iteration_bytes = NAN;
    m->memory_growth_stderr_bytes = m->instructions_per_iteration = NAN;
    m->cycles_per_iteration = m->items_per_second = m->bytes_per_second = NAN;
    m->clock_overhead_ns = m->clock_resolution_ns = m->reference_ns = NAN;
    m->involuntary_switches = m->voluntary_switches = m->runqueue_wait_ns = NAN;
    m->probe_ns = m->first_call_ns = NAN;
    m->io_read_bytes = m->io_write_bytes = m->minor_faults = m->major_faults = NAN;
    m->energy_joules = m->gc_collections = m->gc_time_ns = m->allocations_per_call = NAN;
    m->probe_fast_ns = m->spawn_probe_ns = m->interpreter_probe_ns = NAN;
    m->compared_statistic = -1;
}

int perfbudget__metrics_read(perfbudget_context *ctx, const perfbudget_metrics *in,
                             perfbudget_metrics *out) {
    perfbudget_metrics_init(out);
    return perfbudget__sized_read(ctx, "perfbudget_metrics", in, PERFBUDGET__METRICS_SIZE_1,
                                  sizeof *out, out);
}

int perfbudget_result_new(perfbudget_context *ctx, const char *name, const double *samples,
                          size_t count, const perfbudget_metrics *metrics,
                          perfbudget_run_status status, const char *message,
                          perfbudget_result **out) {
    if (name == NULL || out == NULL || (samples == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "result_new: NULL argument");
    /* The gate of every name measured or imported: one that is not UTF-8 would be stored and
     * then fail every JSON report of its run. */
    if (perfbudget__check_name(ctx, "benchmark name", name) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    perfbudget_metrics known;
    if (metrics != NULL && perfbudget__metrics_read(ctx, metrics, &known) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    perfbudget_result *r = calloc(1, sizeof *r);
    if (r != NULL) perfbudget_metrics_init(&r->metrics);
    if (r == NULL || (r->name = perfbudget__strdup(name)) == NULL ||
        (count > 0 && (r->samples = malloc(count * sizeof *r->samples)) == NULL)) {
        perfbudget_result_free(r);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "result_new: out of memory");
    }
    if (count > 0) memcpy(r->samples, samples, count * sizeof *samples);
    r->count = count;
    int code = perfbudget_summarize(ctx, r->samples, count, &r->summary);
    if (code != PERFBUDGET_OK) {
        perfbudget_result_free(r);
        return code;
    }
    if (metrics != NULL)
        r->metrics = known;
    else
        perfbudget_metrics_init(&r->metrics);
    if (isnan(r->metrics.instructions_per_iteration))
        snprintf(r->counters_note, sizeof r->counters_note, "hardware counters not measured");
    perfbudget_result_set_status(r, status, message);
    *out = r;
    return PERFBUDGET_OK;
}

int perfbudget_result_set_runtime_figures(perfbudget_result *result, double gc_collections,
                                          double gc_time_ns, double allocations_per_call) {
    if (result == NULL || gc_collections < 0 || gc_time_ns < 0 || allocations_per_call < 0)
        return PERFBUDGET_EINVAL; /* NaN compares false: allowed, it means not measured */
    result->metrics.gc_collections = gc_collections;
    result->metrics.gc_time_ns = gc_time_ns;
    result->metrics.allocations_per_call = allocations_per_call;
    return PERFBUDGET_OK;
}

int perfbudget_result_set_interpreter_probe(perfbudget_result *result, const double *times_ns,
                                            size_t n) {
    if (result == NULL || (times_ns == NULL && n > 0)) return PERFBUDGET_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(times_ns[i] >= 0.0 && isfinite(times_ns[i]))) return PERFBUDGET_EINVAL;
    double *sorted = perfbudget__probe_sorted(times_ns, n); /* as the code probe's timings */
    if (sorted == NULL && n >= 3) return PERFBUDGET_ENOMEM;
    result->metrics.interpreter_probe_ns =
        sorted != NULL ? perfbudget__quantile_sorted(sorted, n, 0.5) : NAN;
    free(sorted);
    return PERFBUDGET_OK;
}

void perfbudget_result_set_status(perfbudget_result *result, perfbudget_run_status status,
                                  const char *message) {
    if (result == NULL) return;
    result->status = status;
    /* A message may quote a command's output: made UTF-8 (whole characters, other bytes as
     * \xff), so that the result can always be written to JSON. */
    perfbudget__copy_utf8(result->message, sizeof result->message, message);
}

void perfbudget_results_free(perfbudget_result **results, size_t count) {
    if (results == NULL) return;
    for (size_t i = 0; i < count; i++) perfbudget_result_free(results[i]);
    free(results);
}

const char *perfbudget_result_name(const perfbudget_result *result) { return result->name; }

/* Results measured in instructions mode are never compared with timed ones: the mode is part
 * of the identity, as "<version> [instructions mode]", so the history keeps them apart too. */
#define MODE_TAG "[instructions mode]"

static int has_mode_tag(const char *identity) {
    size_t n = identity ? strlen(identity) : 0, tag = strlen(MODE_TAG);
    return n >= tag && strcmp(identity + n - tag, MODE_TAG) == 0;
}

static int store_identity(perfbudget_result *result, const char *identity) {
    int tag = result->mode == PERFBUDGET_MODE_INSTRUCTIONS && !has_mode_tag(identity);
    /* A version (--bench-version) is any text given: bytes that are not UTF-8 are kept as
     * \xff, the same each time, so the result can be written to JSON and still matches. */
    char *repaired = NULL;
    if (identity != NULL && !perfbudget__utf8_valid(identity, NULL)) {
        if ((repaired = perfbudget__utf8_repaired(identity)) == NULL) return PERFBUDGET_ENOMEM;
        identity = repaired;
    }
    size_t n = identity ? strlen(identity) : 0;
    char *copy = NULL;
    if (n > 0 || tag) {
        copy = malloc(n + sizeof MODE_TAG + 1);
        if (copy == NULL) {
            free(repaired);
            return PERFBUDGET_ENOMEM;
        }
        snprintf(copy, n + sizeof MODE_TAG + 1, "%s%s%s", n ? identity : "", n && tag ? " " : "",
                 tag ? MODE_TAG : "");
    }
    free(repaired);
    free(result->identity);
    result->identity = copy;
    return PERFBUDGET_OK;
}

int perfbudget_result_set_identity(perfbudget_result *result, const char *identity) {
    if (result == NULL) return PERFBUDGET_EINVAL;
    if (has_mode_tag(identity)) result->mode = PERFBUDGET_MODE_INSTRUCTIONS;
    return store_identity(result, identity);
}

perfbudget_mode perfbudget_result_mode(const perfbudget_result *result) {
    return result ? result->mode : PERFBUDGET_MODE_TIME;
}

int perfbudget_result_set_mode(perfbudget_result *result, perfbudget_mode mode) {
    if (result == NULL || perfbudget_mode_name(mode) == NULL) return PERFBUDGET_EINVAL;
    if (mode == result->mode) return PERFBUDGET_OK;
    result->mode = mode;
    if (mode == PERFBUDGET_MODE_INSTRUCTIONS) return store_identity(result, result->identity);
    size_t n = result->identity ? strlen(result->identity) : 0;
    if (has_mode_tag(result->identity)) { /* drop " [instructions mode]" */
        n -= strlen(MODE_TAG);
        while (n > 0 && result->identity[n - 1] == ' ') n--;
        result->identity[n] = '\0';
    }
    return PERFBUDGET_OK;
}

const char *perfbudget_mode_name(perfbudget_mode mode) {
    return mode == PERFBUDGET_MODE_INSTRUCTIONS ? "instructions"
           : mode == PERFBUDGET_MODE_TIME       ? "time"
                                                : NULL;
}

int perfbudget_mode_parse(const char *name, perfbudget_mode *out) {
    if (name == NULL || out == NULL) return PERFBUDGET_EINVAL;
    if (strcmp(name, "time") == 0) *out = PERFBUDGET_MODE_TIME;
    else if (strcmp(name, "instructions") == 0) *out = PERFBUDGET_MODE_INSTRUCTIONS;
    else return PERFBUDGET_EINVAL;
    return PERFBUDGET_OK;
}

const char *perfbudget_result_identity(const perfbudget_result *result) {
    return result->identity ? result->identity : "";
}

const char *perfbudget_result_output(const perfbudget_result *result) {
    return result->output ? result->output : "";
}

void perfbudget__result_take_output(perfbudget_result *result, char *output) {
    free(result->output);
    result->output = output;
}
perfbudget_run_status perfbudget_result_status(const perfbudget_result *result) {
    return result->status;
}
const char *perfbudget_result_message(const perfbudget_result *result) { return result->message; }
const double *perfbudget_result_samples(const perfbudget_result *result, size_t *count) {
    if (count != NULL) *count = result->count;
    return result->samples;
}
const double *perfbudget_result_cpu_samples(const perfbudget_result *result, size_t *count) {
    int has = result != NULL && result->cpu_samples != NULL;
    if (count != NULL) *count = has ? result->count : 0;
    return has ? result->cpu_samples : NULL;
}

/* Replace *slot with a copy of values (count of them, each finite; 0: none), checked against
 * the result's samples: the CPU and probe samples' common setter. what names them ("CPU"). */
static int set_parallel_samples(perfbudget_context *ctx, perfbudget_result *result,
                                double **slot, const double *values, size_t count,
                                const char *what) {
    if (result == NULL || (values == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "set %s samples: NULL argument", what);
    if (count != 0 && count != result->count)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "set %s samples: %zu %s samples for %zu "
                                "samples of %s", what, count, what, result->count, result->name);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "set %s samples: %s sample %zu of %s is not finite", what,
                                    what, i, result->name);
    double *copy = NULL;
    if (count > 0) {
        if ((copy = malloc(count * sizeof *copy)) == NULL)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "set %s samples: out of memory", what);
        memcpy(copy, values, count * sizeof *copy);
    }
    free(*slot);
    *slot = copy;
    return PERFBUDGET_OK;
}

int perfbudget_result_set_cpu_samples(perfbudget_context *ctx, perfbudget_result *result,
                                      const double *cpu_samples, size_t count) {
    return set_parallel_samples(ctx, result, result != NULL ? &result->cpu_samples : NULL,
                                cpu_samples, count, "CPU");
}

const double *perfbudget_result_probe_samples(const perfbudget_result *result, size_t *count) {
    int has = result != NULL && result->probe_samples != NULL;
    if (count != NULL) *count = has ? result->count : 0;
    return has ? result->probe_samples : NULL;
}

int perfbudget_result_set_probe_samples(perfbudget_context *ctx, perfbudget_result *result,
                                        const double *probe_samples, size_t count) {
    return set_parallel_samples(ctx, result, result != NULL ? &result->probe_samples : NULL,
                                probe_samples, count, "probe");
}

const perfbudget_summary *perfbudget_result_summary(const perfbudget_result *result) {
    return &result->summary;
}
const perfbudget_metrics *perfbudget_result_metrics(const perfbudget_result *result) {
    return &result->metrics;
}
const char *perfbudget_result_counters_note(const perfbudget_result *result) {
    return result->counters_note;
}

const perfbudget_stage *perfbudget_result_stages(const perfbudget_result *result, size_t *count) {
    if (count != NULL) *count = result->stages.stage_count;
    return result->stages.stages;
}

const perfbudget_trace_event *perfbudget_result_trace_events(const perfbudget_result *result,
                                                             size_t *count) {
    if (count != NULL) *count = result->stages.event_count;
    return result->stages.events;
}

int perfbudget_result_copy_stages(perfbudget_context *ctx, perfbudget_result *result,
                                  const perfbudget_result *from) {
    if (result == NULL || from == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "result_copy_stages: NULL argument");
    if (result == from) return PERFBUDGET_OK;
    if (perfbudget__stages_copy(&result->stages, &from->stages) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "result_copy_stages: out of memory");
    return PERFBUDGET_OK;
}

perfbudget__stages *perfbudget__result_stages(perfbudget_result *result) {
    return &result->stages;
}

perfbudget__notes *perfbudget__result_notes(const perfbudget_result *result) {
    return (perfbudget__notes *)&result->notes;
}

/* ---- judgement against a budget ------------------------------------------------------------- */

void perfbudget_run_options_apply(perfbudget_run_options *opts,
                                  const perfbudget_measure_settings *settings) {
    /* Written field by field, and only a record of the size this library has: the fields of a
     * record from other headers are not where it would write them. */
    if (opts == NULL || settings == NULL || opts->struct_size != sizeof *opts) return;
    if (settings->warmup_iterations >= 0) opts->warmup_iterations = (uint64_t)settings->warmup_iterations;
    if (settings->warmup_ns >= 0) opts->warmup_ns = (uint64_t)settings->warmup_ns;
    if (settings->rounds >= 0) opts->min_rounds = (uint32_t)settings->rounds;
    if (settings->min_time_ns >= 0) opts->min_time_ns = (uint64_t)settings->min_time_ns;
    if (settings->max_time_ns >= 0) opts->max_time_ns = (uint64_t)settings->max_time_ns;
    if (settings->speed_correction >= 0) opts->speed_correction = settings->speed_correction != 0;
}

double perfbudget_result_speed_ratio(const perfbudget_result *result,
                                     const perfbudget_result *baseline) {
    if (result == NULL || baseline == NULL) return NAN;
    double now = result->metrics.reference_ns, then = baseline->metrics.reference_ns;
    return now > 0.0 && then > 0.0 && isfinite(now) && isfinite(then) ? now / then : NAN;
}

/* Replace a result's limit verdicts; limits and strings: what restored ones own, else NULL. */
static void set_verdicts(perfbudget_result *result, perfbudget_limit_verdict *verdicts,
                         size_t count, const char *entry, perfbudget_limit *limits,
                         char *strings) {
    free(result->verdicts);
    free(result->restored_limits);
    free(result->restored_strings);
    result->verdicts = verdicts;
    result->verdict_count = count;
    result->budget_entry = entry;
    result->restored_limits = limits;
    result->restored_strings = strings;
}

int perfbudget_result_judge(perfbudget_context *ctx, perfbudget_result *result,
                            const perfbudget_budget *budget, const char *budget_name,
                            perfbudget_limit_status *worst) {
    if (result == NULL || budget == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "judge: NULL argument");
    perfbudget_effective_budget effective;
    perfbudget__budget_resolve(budget, budget_name ? budget_name : result->name, &effective);
    perfbudget_limit_verdict *verdicts =
        calloc(effective.limit_count ? effective.limit_count : 1, sizeof *verdicts);
    if (verdicts == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "judge: out of memory");
    perfbudget_observation observed;
    perfbudget__observation_init(&observed, &result->summary, &result->metrics);
    int by_count = result->mode == PERFBUDGET_MODE_INSTRUCTIONS;
    /* Times, memory and CPU under valgrind say nothing of the code: instruction counts only. */
    for (int m = 0; by_count && m < PERFBUDGET__METRIC_COUNT; m++)
        if (m != PERFBUDGET_METRIC_INSTRUCTIONS) observed.values[m] = NAN;
    if (by_count) observed.bytes_per_second = NAN;
    const char **custom_names = calloc(result->custom_count + 1, sizeof *custom_names);
    double *custom_values = calloc(result->custom_count + 1, sizeof *custom_values);
    if (custom_names == NULL || custom_values == NULL) {
        free(custom_names);
        free(custom_values);
        free(verdicts);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "judge: out of memory");
    }
    for (size_t i = 0; i < result->custom_count; i++) {
        custom_names[i] = result->custom[i].name;
        custom_values[i] = result->custom[i].value;
    }
    observed.custom_names = custom_names;
    observed.custom_values = custom_values;
    observed.custom_count = result->custom_count;
    perfbudget_limit_status status;
    int code = perfbudget_budget_evaluate(ctx, &effective, &observed, verdicts,
                                          effective.limit_count, &status);
    free(custom_names);
    free(custom_values);
    if (code != PERFBUDGET_OK) {
        free(verdicts);
        return code;
    }
    for (size_t i = 0; by_count && i < effective.limit_count; i++)
        if (verdicts[i].status == PERFBUDGET_LIMIT_UNAVAILABLE &&
            verdicts[i].limit->metric != PERFBUDGET_METRIC_INSTRUCTIONS &&
            verdicts[i].limit->metric != PERFBUDGET_METRIC_CUSTOM)
            snprintf(verdicts[i].text, sizeof verdicts[i].text,
                     "%s not judged in instructions mode", verdicts[i].limit->name);
    /* In time mode, instructions the machine could not count are instructions mode's to judge. */
    for (size_t i = 0; !by_count && i < effective.limit_count; i++)
        if (verdicts[i].status == PERFBUDGET_LIMIT_UNAVAILABLE &&
            verdicts[i].limit->metric == PERFBUDGET_METRIC_INSTRUCTIONS)
            snprintf(verdicts[i].text, sizeof verdicts[i].text,
                     "%s not judged in time mode: not counted here (instructions mode counts "
                     "them)", verdicts[i].limit->name);
    set_verdicts(result, verdicts, effective.limit_count, effective.entry, NULL, NULL);
    const char *advice, *link;
    int fail_on;
    perfbudget__budget_guidance(budget, effective.entry, &advice, &link, &fail_on);
    result->fail_on = (perfbudget_fail_on)fail_on;
    if (perfbudget__result_set_advice(result, advice, link) != PERFBUDGET_OK)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "judge: out of memory");
    if (worst != NULL) *worst = status;
    return PERFBUDGET_OK;
}

int perfbudget__result_set_advice(perfbudget_result *result, const char *advice,
                                  const char *link) {
    char *advice_copy = advice ? perfbudget__strdup(advice) : NULL;
    char *link_copy = link ? perfbudget__strdup(link) : NULL;
    if ((advice && advice_copy == NULL) || (link && link_copy == NULL)) {
        free(advice_copy);
        free(link_copy);
        return PERFBUDGET_ENOMEM;
    }
    free(result->advice);
    free(result->advice_link);
    result->advice = advice_copy;
    result->advice_link = link_copy;
    return PERFBUDGET_OK;
}

const char *perfbudget_result_advice(const perfbudget_result *result, const char **link) {
    if (link != NULL) *link = result ? result->advice_link : NULL;
    return result ? result->advice : NULL;
}

perfbudget_fail_on perfbudget_result_fail_on(const perfbudget_result *result) {
    return result ? result->fail_on : PERFBUDGET_FAIL_ON_REGRESSION;
}

void perfbudget_result_set_fail_on(perfbudget_result *result, perfbudget_fail_on policy) {
    if (result != NULL && (unsigned)policy <= PERFBUDGET_FAIL_ON_NEVER) result->fail_on = policy;
}

int perfbudget__result_restore_verdicts(perfbudget_context *ctx, perfbudget_result *result,
                                       const char *entry, const perfbudget_limit_verdict *verdicts,
                                       size_t count) {
    /* One block for the strings: the entry, then each limit's name and unit. */
    size_t size = (entry ? strlen(entry) + 1 : 0);
    for (size_t i = 0; i < count; i++)
        size += strlen(verdicts[i].limit->name) + 1 + strlen(verdicts[i].limit->unit) + 1;
    char *strings = malloc(size ? size : 1);
    perfbudget_limit *limits = calloc(count ? count : 1, sizeof *limits);
    perfbudget_limit_verdict *copy = calloc(count ? count : 1, sizeof *copy);
    if (strings == NULL || limits == NULL || copy == NULL) {
        free(strings);
        free(limits);
        free(copy);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    char *next = strings;
    const char *entry_copy = NULL;
    if (entry != NULL) {
        entry_copy = strcpy(next, entry);
        next += strlen(entry) + 1;
    }
    for (size_t i = 0; i < count; i++) {
        limits[i] = *verdicts[i].limit;
        limits[i].name = strcpy(next, verdicts[i].limit->name);
        next += strlen(next) + 1;
        limits[i].unit = strcpy(next, verdicts[i].limit->unit);
        next += strlen(next) + 1;
        copy[i] = verdicts[i];
        copy[i].limit = &limits[i];
    }
    set_verdicts(result, copy, count, entry_copy, limits, strings);
    return PERFBUDGET_OK;
}

size_t perfbudget_result_verdicts(const perfbudget_result *result,
                                  const perfbudget_limit_verdict **verdicts) {
    if (verdicts != NULL) *verdicts = result->verdicts;
    return result->verdict_count;
}

const char *perfbudget_result_budget_entry(const perfbudget_result *result) {
    return result->budget_entry;
}

/* ---- loops driven from outside ----------------------------------------------------------------- */

struct perfbudget_sampler {
    perfbudget_state state;
    perfbudget_result *result; /* holds the name and the counters' note until finish */
    int peak_reset;
};

int perfbudget_sampler_new(perfbudget_context *ctx, const char *name,
                           const perfbudget_run_options *opts, perfbudget_sampler **out) {
    if (name == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "sampler_new: NULL argument");
    if (perfbudget__check_name(ctx, "benchmark name", name) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    perfbudget_run_options known;
    if (perfbudget__run_options_read(ctx, opts, &known) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    opts = &known;
    perfbudget_sampler *sampler = calloc(1, sizeof *sampler);
    perfbudget_result *r = calloc(1, sizeof *r);
    if (r != NULL) perfbudget_metrics_init(&r->metrics);
    if (sampler == NULL || r == NULL || (r->name = perfbudget__strdup(name)) == NULL) {
        free(sampler);
        perfbudget_result_free(r);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "sampler_new: out of memory");
    }
    perfbudget_benchmark_def def = {.name = name};
    state_init(&sampler->state, ctx, opts, &def, r);
    sampler->result = r;
    sampler->peak_reset = perfbudget_memory_reset_peak(NULL) == PERFBUDGET_OK;
    *out = sampler;
    return PERFBUDGET_OK;
}

void perfbudget_sampler_free(perfbudget_sampler *sampler) {
    if (sampler == NULL) return;
    state_release(&sampler->state);
    perfbudget_result_free(sampler->result);
    free(sampler);
}

uint64_t perfbudget_sampler_next(perfbudget_sampler *sampler, uint64_t previous_batch_ns) {
    perfbudget_state *s = &sampler->state;
    uint64_t now = perfbudget_context_now_ns(s->ctx);
    read_batch_cpu(s, 1); /* the caller timed the batch just before calling */
    if (s->counters_ok) perfbudget_counters_stop(s->counters);
    if (!advance(s, previous_batch_ns, now)) return 0;
    if (s->counters_ok && s->phase == PHASE_MEASURE) perfbudget_counters_start(s->counters);
    read_batch_cpu(s, 0); /* and starts timing the next one right after it returns */
    return s->batch_iterations;
}

int perfbudget_sampler_set_first_call(perfbudget_sampler *sampler, double first_call_ns) {
    if (sampler == NULL || first_call_ns < 0.0 || isinf(first_call_ns)) return PERFBUDGET_EINVAL;
    perfbudget_state *s = &sampler->state;
    if (s->phase != PHASE_NOT_STARTED)
        return perfbudget__fail(s->ctx, PERFBUDGET_ESTATE,
                                "sampler_set_first_call: sampling of %s has begun",
                                sampler->result->name);
    s->first_call_given = 1;
    s->first_call_ns = first_call_ns;
    return PERFBUDGET_OK;
}

int perfbudget_sampler_note_probe(perfbudget_sampler *sampler, double probe_ns) {
    if (sampler == NULL || !(probe_ns >= 0.0) || isinf(probe_ns)) return PERFBUDGET_EINVAL;
    perfbudget_state *s = &sampler->state;
    if (!s->probing && s->capacity > 0) { /* samples taken before the first probe */
        if ((s->probe_samples = malloc(s->capacity * sizeof *s->probe_samples)) == NULL)
            return perfbudget__fail(s->ctx, PERFBUDGET_ENOMEM, "sampler_note_probe: out of memory");
        for (size_t i = 0; i < s->rounds; i++) s->probe_samples[i] = NAN;
    }
    s->probing = 1;
    s->probe_latest = probe_ns;
    return PERFBUDGET_OK;
}

perfbudget_state *perfbudget_sampler_state(perfbudget_sampler *sampler) {
    return &sampler->state;
}

int perfbudget_sampler_finish(perfbudget_sampler *sampler, perfbudget_result **out) {
    if (sampler == NULL || out == NULL) return PERFBUDGET_EINVAL;
    perfbudget_state *s = &sampler->state;
    if (sampler->result == NULL)
        return perfbudget__fail(s->ctx, PERFBUDGET_ESTATE, "sampler_finish: called twice");
    if (s->status == PERFBUDGET_RUN_OK && s->phase != PHASE_DONE)
        return perfbudget__fail(s->ctx, PERFBUDGET_ESTATE,
                                "sampler_finish: sampling of %s has not finished",
                                sampler->result->name);
    perfbudget_memory_usage peak;
    int peak_ok = perfbudget_memory_read(NULL, &peak) == PERFBUDGET_OK;
    perfbudget_result *r = sampler->result;
    int status = finish(s->ctx, s, r, peak_ok ? &peak : NULL, sampler->peak_reset);
    if (status != PERFBUDGET_OK) return status;
    sampler->result = NULL;
    *out = r;
    return PERFBUDGET_OK;
}

/* ---- custom metrics ------------------------------------------------------------------------------ */

int perfbudget_result_add_metric(perfbudget_context *ctx, perfbudget_result *result,
                                 const char *name, double value, const char *unit,
                                 int higher_is_better) {
    if (result == NULL || name == NULL || name[0] == '\0')
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "add_metric: a metric needs a name");
    if (perfbudget__check_name(ctx, "metric name", name) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    if (!isfinite(value))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "metric %s: value is not finite", name);
    /* The unit's factor and kind, from the same parser budget files use: "1 ms". */
    char one[64];
    snprintf(one, sizeof one, "1%s", unit ? unit : "");
    perfbudget_quantity quantity;
    if (perfbudget_quantity_parse(ctx, one, &quantity) != PERFBUDGET_OK)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "metric %s: unknown unit '%s'", name,
                                unit ? unit : "");
    struct custom_metric *grown =
        realloc(result->custom, (result->custom_count + 1) * sizeof *grown);
    char *copy = perfbudget__strdup(name);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL) result->custom = grown;
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "add_metric: out of memory");
    }
    result->custom = grown;
    grown[result->custom_count++] =
        (struct custom_metric){copy, value * quantity.value, quantity.kind, higher_is_better != 0};
    return PERFBUDGET_OK;
}

size_t perfbudget_result_metric_count(const perfbudget_result *result) {
    return result ? result->custom_count : 0;
}

int perfbudget_result_metric_at(const perfbudget_result *result, size_t index, const char **name,
                                double *value, perfbudget_quantity_kind *kind,
                                int *higher_is_better) {
    if (result == NULL || index >= result->custom_count) return PERFBUDGET_EINVAL;
    const struct custom_metric *m = &result->custom[index];
    if (name) *name = m->name;
    if (value) *value = m->value;
    if (kind) *kind = m->kind;
    if (higher_is_better) *higher_is_better = m->higher_is_better;
    return PERFBUDGET_OK;
}

/* ---- comparisons of metrics with a baseline ------------------------------------------------------ */

int perfbudget_result_add_comparison(perfbudget_context *ctx, perfbudget_result *result,
                                     const char *metric, perfbudget_unit unit,
                                     const perfbudget_comparison *comparison) {
    if (result == NULL || metric == NULL || comparison == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "add_comparison: NULL argument");
    perfbudget_comparison known;
    if (perfbudget__comparison_read(ctx, comparison, &known) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    comparison = &known;
    struct metric_comparison *grown =
        realloc(result->comparisons, (result->comparison_count + 1) * sizeof *grown);
    char *copy = perfbudget__strdup(metric);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL) result->comparisons = grown;
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "add_comparison: out of memory");
    }
    result->comparisons = grown;
    grown[result->comparison_count++] = (struct metric_comparison){copy, unit, *comparison};
    return PERFBUDGET_OK;
}

void perfbudget__result_clear_record(perfbudget_result *result) {
    for (size_t i = 0; i < result->comparison_count; i++) free(result->comparisons[i].metric);
    free(result->comparisons);
    result->comparisons = NULL;
    result->comparison_count = 0;
    perfbudget__notes_clear(&result->notes);
}

size_t perfbudget_result_comparison_count(const perfbudget_result *result) {
    return result ? result->comparison_count : 0;
}

int perfbudget_result_comparison_at(const perfbudget_result *result, size_t index,
                                    const char **metric, perfbudget_unit *unit,
                                    const perfbudget_comparison **comparison) {
    if (result == NULL || index >= result->comparison_count) return PERFBUDGET_EINVAL;
    if (metric) *metric = result->comparisons[index].metric;
    if (unit) *unit = result->comparisons[index].unit;
    if (comparison) *comparison = &result->comparisons[index].comparison;
    return PERFBUDGET_OK;
}

/* ---- one batch per call (interleave.c) ------------------------------------------------------ */

/* Interleaving alternates two bodies batch by batch, so a call to a body must measure exactly
 * one batch of a size fixed from outside: no calibration, warm-up or stopping rules, no
 * counters or memory sampling. The body still runs its own while (perfbudget_loop(state)). */
struct perfbudget__batch {
    perfbudget_state state;
    const perfbudget_benchmark_def *def;
    int setup_ok;
};

static bool single_batch_next(perfbudget_state *s) {
    if (s->status != PERFBUDGET_RUN_OK) return false;
    if (s->phase == PHASE_NOT_STARTED) {
        s->phase = PHASE_MEASURE;
        s->remaining = s->batch_iterations - 1;
        s->batch_start_ns = perfbudget_context_now_ns(s->ctx);
        return true;
    }
    uint64_t now = perfbudget_context_now_ns(s->ctx);
    if (s->phase == PHASE_MEASURE) {
        s->measure_end_ns = now;
        s->phase = PHASE_DONE;
    }
    return false;
}

int perfbudget__batch_new(perfbudget_context *ctx, const perfbudget_benchmark_def *def,
                          perfbudget__batch **out) {
    return perfbudget__batch_new_thread(ctx, def, 0, 0, 1, out);
}

int perfbudget__batch_new_thread(perfbudget_context *ctx, const perfbudget_benchmark_def *def,
                                 uint64_t size, uint32_t thread_index, uint32_t threads,
                                 perfbudget__batch **out) {
    if (def == NULL || def->run == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "batch_new: a benchmark needs a body");
    perfbudget__batch *b = calloc(1, sizeof *b);
    if (b == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "batch_new: out of memory");
    perfbudget_state *s = &b->state;
    s->ctx = ctx;
    s->statm_fd = -1;
    s->single_batch = 1;
    s->name = def->name;
    s->userdata = def->userdata;
    s->items_per_iteration = def->items_per_iteration;
    s->bytes_per_iteration = def->bytes_per_iteration;
    s->size = size;
    s->thread_index = thread_index;
    s->threads = threads;
    b->def = def;
    b->setup_ok = def->setup == NULL || def->setup(s) == 0;
    if (!b->setup_ok) perfbudget_state_fail(s, "setup failed");
    *out = b;
    return PERFBUDGET_OK;
}

int perfbudget__batch_run(perfbudget__batch *b, uint64_t iterations, uint64_t *elapsed_ns) {
    perfbudget_state *s = &b->state;
    if (s->status != PERFBUDGET_RUN_OK) return -1;
    s->batch_iterations = iterations > 0 ? iterations : 1;
    s->phase = PHASE_NOT_STARTED;
    s->remaining = 0;
    b->def->run(s);
    if (s->status == PERFBUDGET_RUN_OK && s->phase == PHASE_NOT_STARTED)
        perfbudget_state_fail(s, "the benchmark body never called perfbudget_loop()");
    else if (s->status == PERFBUDGET_RUN_OK && s->phase != PHASE_DONE)
        perfbudget_state_fail(s, "the benchmark body left the loop before it ended");
    if (s->status != PERFBUDGET_RUN_OK) return -1;
    *elapsed_ns = s->measure_end_ns - s->batch_start_ns;
    return 0;
}

perfbudget_run_status perfbudget__batch_status(const perfbudget__batch *b, const char **message) {
    if (message != NULL) *message = b->state.message;
    return b->state.status;
}

void perfbudget__batch_free(perfbudget__batch *b) {
    if (b == NULL) return;
    if (b->setup_ok && b->def->teardown != NULL) b->def->teardown(&b->state);
    perfbudget__stage_recorder_free(b->state.stages);
    free(b);
}
