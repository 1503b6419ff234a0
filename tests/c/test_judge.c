/* SPDX-License-Identifier: MIT */
/* The judging stage: the budget entry a result answers to, baselines by name and mode, the
 * machine's state, the record kept with the result; and Student's t behind the verdicts. */
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

static void test_student_distribution(void **state) {
    (void)state;
    /* scipy.stats.t.sf(2.0, 5), t.sf(-1.5, 3), t.ppf(0.975, 4), t.ppf(0.9, 30) */
    assert_close(perfbudget__student_sf(2.0, 5.0), 0.050969739414929174, 1e-12);
    assert_close(perfbudget__student_sf(-1.5, 3.0), 0.8847080673775886, 1e-12);
    assert_close(perfbudget__student_ppf(0.975, 4.0), 2.7764451051977934, 1e-12);
    assert_close(perfbudget__student_ppf(0.9, 30.0), 1.3104150253913955, 1e-12);
    assert_close(perfbudget__student_ppf(0.975, INFINITY), 1.959963984540054, 1e-12);
}


static void test_budget_entry_by_function_name(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, "version: 1\nbudgets:\n"
                                               "  test_parse: {latency: {median: 1us}}\n"
                                               "  \"tests/*\": {latency: {median: 10min}}\n");
    perfbudget_result *r = patterned_result(ctx, "tests/test_io.py::test_parse[big][decode]", 2000.0,
                                     30, NULL);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    assert_int_equal(perfbudget_result_conclude(ctx, r, &o), PERFBUDGET_OK);
    /* the exact entry for the function's name beats the glob for the whole node id */
    assert_string_equal(perfbudget_result_budget_entry(r), "test_parse");
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_FAIL);
    /* an explicit name (a marker's budget=, BUDGET_NAME) is taken as it is */
    o.budget_name = "tests/anything";
    assert_int_equal(perfbudget_result_conclude(ctx, r, &o), PERFBUDGET_OK);
    assert_string_equal(perfbudget_result_budget_entry(r), "tests/*");
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_PASS);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

static void test_baseline_of_the_same_mode(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *counted = patterned_result(ctx, "b", 1000.0, 30, NULL);
    perfbudget_result_set_mode(counted, PERFBUDGET_MODE_INSTRUCTIONS);
    perfbudget_result *now = patterned_result(ctx, "b", 3000.0, 30, NULL);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.regression = 1;
    o.baseline = &counted;
    o.baseline_count = 1;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    assert_null(perfbudget_result_latency_comparison(now));
    perfbudget_note_kind kind;
    assert_int_equal(perfbudget_result_note_count(now), 1);
    assert_non_null(strstr(perfbudget_result_note_at(now, 0, &kind), "only in instructions mode"));
    assert_int_equal(kind, PERFBUDGET_NOTE_OTHER_MODE);
    /* both modes in the baseline: the timed one is compared, and the 3x slowdown fails */
    perfbudget_result *timed = patterned_result(ctx, "b", 1000.0, 30, NULL);
    perfbudget_result *both[] = {counted, timed};
    o.baseline = both;
    o.baseline_count = 2;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_note_count(now), 0);
    assert_int_equal(perfbudget_result_latency_comparison(now)->outcome,
                     PERFBUDGET_OUTCOME_REGRESSION);
    assert_int_equal(perfbudget_result_test_status(now, NULL), PERFBUDGET_TEST_FAIL);
    perfbudget_result_free(counted);
    perfbudget_result_free(timed);
    perfbudget_result_free(now);
}

/* Options that judge against one baseline result. */
static perfbudget_conclude_options against(perfbudget_result **base) {
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.regression = 1;
    o.baseline = base;
    o.baseline_count = 1;
    return o;
}

/* The text of the result's first note of kind, or NULL for none. */
static const char *note_of_kind(const perfbudget_result *r, perfbudget_note_kind kind) {
    for (size_t k = 0; k < perfbudget_result_note_count(r); k++) {
        perfbudget_note_kind this_kind;
        const char *text = perfbudget_result_note_at(r, k, &this_kind);
        if (this_kind == kind) return text;
    }
    return NULL;
}

/* A result whose run waited for a CPU `wait` of its wall time, with CPU samples `work`. */
static perfbudget_result *loaded(perfbudget_context *ctx, double wall, double work, double wait) {
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.wall_ns = 30 * wall;
    m.cpu_utilization = work / wall;
    m.runqueue_wait_ns = wait * m.wall_ns;
    perfbudget_result *r = patterned_result(ctx, "b", wall, 30, &m);
    double cpu[30];
    for (size_t i = 0; i < 30; i++) cpu[i] = work * (1.0 + 0.01 * ((double)(i % 11) - 5.0) / 5.0);
    assert_int_equal(perfbudget_result_set_cpu_samples(ctx, r, cpu, 30), PERFBUDGET_OK);
    return r;
}

static void test_busier_machine(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = loaded(ctx, 1000.0, 1000.0, 0.005);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, work, wait;
        perfbudget_outcome outcome;
        perfbudget_note_kind note;
        int notes;
    } cases[] = {
        {5000, 1000, 0.80, PERFBUDGET_OUTCOME_PASS, PERFBUDGET_NOTE_CPU_TIME, 1},      /* unchanged */
        {6500, 1300, 0.80, PERFBUDGET_OUTCOME_INCONCLUSIVE, PERFBUDGET_NOTE_CPU_TIME, 1}, /* +30 % */
        {10000, 2000, 0.80, PERFBUDGET_OUTCOME_REGRESSION, PERFBUDGET_NOTE_CPU_TIME, 1},  /* 2x */
        {3000, 1000, 0.005, PERFBUDGET_OUTCOME_REGRESSION, PERFBUDGET_NOTE_BASELINE, 0},  /* sleeps */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = loaded(ctx, cases[i].wall, cases[i].work, cases[i].wait);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        assert_non_null(c);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        assert_int_equal(perfbudget_result_note_count(now), (size_t)cases[i].notes);
        perfbudget_note_kind kind;
        if (cases[i].notes) {
            perfbudget_result_note_at(now, 0, &kind);
            assert_int_equal(kind, cases[i].note);
        }
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* A Python run on a busier machine whose interpreter probe ran 1.3x slower than the baseline's:
 * CPU time may rise by up to 1.3^2 (+69 %), not only the usual 60 %, before the change is the
 * code's; never by 2x. Beside four spinners an unchanged test's CPU time rose +61 % (the
 * machine's slow state). Where the probe ran faster than for the baseline (a baseline saved in
 * the slow state), a slowdown beyond 30 % is the code's: there 2x read +41 % to +58 %. A
 * speed-up within the probe's reach is the machine's. A change made inconclusive so also says
 * how much the baseline's slow state can hide. */
static void test_busier_machine_python(void **state) {
    perfbudget_context *ctx = *state;
    const double probe[] = {10000.0, 10000.0, 10000.0};
    perfbudget_result *base = loaded(ctx, 1000.0, 1000.0, 0.005);
    assert_int_equal(perfbudget_result_set_interpreter_probe(base, probe, 3), PERFBUDGET_OK);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double work, interpreter; /* NaN: no interpreter probe */
        perfbudget_outcome outcome;
        const char *note; /* in a note, or NULL */
    } cases[] = {
        {1650, 13000, PERFBUDGET_OUTCOME_INCONCLUSIVE, "by up to 69 %"},
        {1650, NAN, PERFBUDGET_OUTCOME_REGRESSION, NULL},  /* no probe: the usual 60 % */
        {1500, NAN, PERFBUDGET_OUTCOME_INCONCLUSIVE, "by up to 60 %"},
        {1400, 9500, PERFBUDGET_OUTCOME_INCONCLUSIVE, "by up to 60 %"}, /* the same state */
        {1400, 6700, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* the baseline's state the slower */
        {1200, 6700, PERFBUDGET_OUTCOME_INCONCLUSIVE, "by up to 30 %"},
        /* and it says why: the baseline's slow state can hide up to 1.49^2 (+123 %) */
        {1200, 6700, PERFBUDGET_OUTCOME_INCONCLUSIVE, "33 % faster than for the baseline"},
        {1200, 6700, PERFBUDGET_OUTCOME_INCONCLUSIVE, "of up to +123 %"},
        {2050, 15000, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* 2x is never the machine's */
        {600, 6700, PERFBUDGET_OUTCOME_INCONCLUSIVE, "interpreter probe (Python code: list "
                                                     "indexing and branches) 33 % faster"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = loaded(ctx, 5.0 * cases[i].work, cases[i].work, 0.80);
        const double times[] = {cases[i].interpreter, cases[i].interpreter, cases[i].interpreter};
        if (!isnan(cases[i].interpreter))
            assert_int_equal(perfbudget_result_set_interpreter_probe(now, times, 3),
                             PERFBUDGET_OK);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        perfbudget_note_kind kind;
        assert_non_null(perfbudget_result_note_at(now, 0, &kind));
        assert_int_equal(kind, PERFBUDGET_NOTE_CPU_TIME); /* judged on CPU time, said first */
        int noted = 0;
        for (size_t k = 0; k < perfbudget_result_note_count(now); k++)
            noted |= cases[i].note != NULL &&
                     strstr(perfbudget_result_note_at(now, k, &kind), cases[i].note) != NULL;
        if (noted != (cases[i].note != NULL)) fail_msg("case %zu: the note", i);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* The verdict line of a change left inconclusive by the machine's speed names the machine, not
 * the noise: a 2x slowdown against a baseline saved in the slow state read "too noisy". */
static void test_verdict_line_names_the_machine(void **state) {
    perfbudget_context *ctx = *state;
    const double slow[] = {10000.0, 10000.0, 10000.0}, fast[] = {6700.0, 6700.0, 6700.0};
    perfbudget_result *base = loaded(ctx, 1000.0, 1000.0, 0.005);
    assert_int_equal(perfbudget_result_set_interpreter_probe(base, slow, 3), PERFBUDGET_OK);
    perfbudget_conclude_options o = against(&base);
    perfbudget_result *now = loaded(ctx, 6000.0, 1200.0, 0.80);
    assert_int_equal(perfbudget_result_set_interpreter_probe(now, fast, 3), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
    char *text = NULL;
    assert_int_equal(perfbudget_render_test_report(ctx, now, c, 0, &text), PERFBUDGET_OK);
    assert_non_null(strstr(text, "PASS b: inconclusive against the baseline (the machine ran at "
                                 "another speed than for the baseline: see the notes)\n"));
    perfbudget_free(text);
    perfbudget_result_free(now);
    perfbudget_result_free(base);
    /* A baseline that waited for a CPU half its time, then a quiet run 50 % slower on wall time
     * with the interpreter probe 30 % slower: the load says the slowdown is at least this, the
     * probe that it may be the machine's; the line names both. */
    base = loaded(ctx, 2000.0, 1000.0, 0.5);
    assert_int_equal(perfbudget_result_set_interpreter_probe(base, slow, 3), PERFBUDGET_OK);
    o = against(&base);
    now = loaded(ctx, 3000.0, 3000.0, 0.005);
    const double slower[] = {13000.0, 13000.0, 13000.0};
    assert_int_equal(perfbudget_result_set_interpreter_probe(now, slower, 3), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    c = perfbudget_result_latency_comparison(now);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_INCONCLUSIVE);
    assert_int_equal(perfbudget_render_test_report(ctx, now, c, 0, &text), PERFBUDGET_OK);
    assert_non_null(strstr(text, "as far as the load goes the slowdown is at least this"));
    assert_non_null(strstr(text, "PASS b: inconclusive against the baseline (the machine was "
                                 "busier and ran at another speed than for the baseline: see the "
                                 "notes)\n"));
    perfbudget_free(text);
    perfbudget_result_free(now);
    perfbudget_result_free(base);
}

/* Code that sleeps (2 % of a CPU), now on a busier machine: CPU time cannot show that it
 * sleeps 20 times longer, so the wall time is judged with the waits for a CPU left out. A 20x
 * slowdown fails (it passed on CPU time, +40 %, in CI beside 4 spinners); unchanged code, whose
 * wall time grew only by its waits, does not. */
static void test_busier_machine_sleeping_code(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = loaded(ctx, 1000.0, 20.0, 0.0);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, work, wait;
        int regression;
    } cases[] = {
        {20000, 28, 0.3, 1}, /* sleeps 20x longer */
        {1400, 28, 0.3, 0},  /* unchanged: 30 % of its time spent waiting for a CPU */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = loaded(ctx, cases[i].wall, cases[i].work, cases[i].wait);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        assert_non_null(c);
        int regression = c->outcome == PERFBUDGET_OUTCOME_REGRESSION;
        if (regression != cases[i].regression) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        int busier_note = 0;
        for (size_t k = 0; k < perfbudget_result_note_count(now); k++) {
            perfbudget_note_kind kind;
            const char *text = perfbudget_result_note_at(now, k, &kind);
            busier_note |= kind == PERFBUDGET_NOTE_MACHINE_BUSIER &&
                           strstr(text, "leaving out the time each run waited") != NULL;
        }
        if (busier_note != cases[i].regression) fail_msg("case %zu: the note", i);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* Both runs waited for a CPU much of their time (a noisy week): whether the median sample was
 * preempted decides its wall time, so the CPU time is compared, even where the baseline waited
 * more (its wall time is not the only inflated one). Unchanged code whose wall-time median
 * tripled passes; 2x the work fails; +20 % is within what a busy machine does to CPU time. Code
 * that sleeps is judged on its wall time with the waits left out, as on a busier machine. */
static void test_both_runs_busy(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = loaded(ctx, 2000.0, 1000.0, 0.55);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, work, wait;
        perfbudget_outcome outcome;
    } cases[] = {
        {6000, 1000, 0.60, PERFBUDGET_OUTCOME_PASS},
        {6000, 2000, 0.60, PERFBUDGET_OUTCOME_REGRESSION},
        {6000, 1200, 0.60, PERFBUDGET_OUTCOME_INCONCLUSIVE},
        {3000, 1000, 0.20, PERFBUDGET_OUTCOME_PASS}, /* the baseline waited more */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = loaded(ctx, cases[i].wall, cases[i].work, cases[i].wait);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        perfbudget_note_kind kind;
        const char *text = perfbudget_result_note_at(now, 0, &kind);
        assert_int_equal(kind, PERFBUDGET_NOTE_CPU_TIME);
        if (strstr(text, "the machine was busy for both runs") == NULL) fail_msg("%s", text);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);

    /* A command that sleeps (2 % of a CPU), both runs waiting for one 30 % of their time:
     * sleeping 4x longer does not show on CPU time, but leaving out the waits, wall time rose
     * +300 %. It passed before (tests/cli/test_ci.sh, a GitLab merge request beside four
     * spinners); unchanged, it still passes. */
    base = loaded(ctx, 1000.0, 20.0, 0.30);
    o = against(&base);
    const double sleeping[] = {4000.0, 1000.0};
    const perfbudget_outcome expected[] = {PERFBUDGET_OUTCOME_REGRESSION, PERFBUDGET_OUTCOME_PASS};
    for (size_t i = 0; i < 2; i++) {
        perfbudget_result *now = loaded(ctx, sleeping[i], 20.0, 0.30);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != expected[i]) fail_msg("sleeping %zu: outcome %d", i, (int)c->outcome);
        int unwaited = 0;
        for (size_t k = 0; k < perfbudget_result_note_count(now); k++) {
            perfbudget_note_kind kind;
            const char *text = perfbudget_result_note_at(now, k, &kind);
            unwaited |= strstr(text, "the machine was busy for both runs, but leaving out the "
                                     "time each run waited") != NULL;
        }
        if (unwaited != (i == 0)) fail_msg("sleeping %zu: the note", i);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* The baseline ran on the busier machine: its wall time was inflated, so a wall-time slowdown
 * stands (sleeping code shows it there only); a speed-up may be the machine's. */
static void test_busier_baseline(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = loaded(ctx, 5000.0, 1000.0, 0.80);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, work;
        perfbudget_outcome outcome;
        perfbudget_note_kind note;
    } cases[] = {
        {60000, 1000, PERFBUDGET_OUTCOME_REGRESSION, PERFBUDGET_NOTE_MACHINE_BUSIER}, /* sleeps */
        {2000, 2000, PERFBUDGET_OUTCOME_REGRESSION, PERFBUDGET_NOTE_CPU_TIME},        /* 2x work */
        {1000, 1000, PERFBUDGET_OUTCOME_PASS, PERFBUDGET_NOTE_CPU_TIME},              /* unchanged */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = loaded(ctx, cases[i].wall, cases[i].work, 0.001);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        assert_non_null(c);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        perfbudget_note_kind kind;
        assert_true(perfbudget_result_note_count(now) >= 1);
        perfbudget_result_note_at(now, 0, &kind);
        if (kind != cases[i].note) fail_msg("case %zu: note %d", i, (int)kind);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* A run on a quiet machine (full CPU share, no wait) whose probe took probe_ns at its median
 * and fast_ns at its fastest tenth, and whose spawn probe (commands) spawn_ns (NaN: not
 * recorded). */
static perfbudget_result *probed_spawn(perfbudget_context *ctx, double wall, double probe_ns,
                                       double fast_ns, double spawn_ns) {
    perfbudget_result *r = loaded(ctx, wall, wall, 0.001);
    perfbudget_metrics m = *perfbudget_result_metrics(r);
    m.probe_ns = probe_ns;
    m.probe_fast_ns = fast_ns;
    m.spawn_probe_ns = spawn_ns;
    perfbudget_result *out = patterned_result(ctx, "b", wall, 30, &m);
    perfbudget_result_free(r);
    return out;
}

static perfbudget_result *probed_fast(perfbudget_context *ctx, double wall, double probe_ns,
                                      double fast_ns) {
    return probed_spawn(ctx, wall, probe_ns, fast_ns, NAN);
}

static perfbudget_result *probed(perfbudget_context *ctx, double wall, double probe_ns) {
    return probed_fast(ctx, wall, probe_ns, NAN);
}

/* A busy neighbour on the host: the machine ran the probe (and code like it) slower for a
 * while, at a full CPU share. Measured on this project's VM: Python code +55 % while the probe
 * read +27 %, in runs of unchanged code. */
static void test_machine_at_another_speed(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = probed(ctx, 1000.0, 11700.0);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, probe;
        perfbudget_outcome outcome;
        int notes;
    } cases[] = {
        {1550, 14900, PERFBUDGET_OUTCOME_INCONCLUSIVE, 1}, /* unchanged, slow machine */
        {1550, 12000, PERFBUDGET_OUTCOME_REGRESSION, 0},   /* +55 %, machine as before */
        {3100, 14900, PERFBUDGET_OUTCOME_REGRESSION, 0},   /* 2x on the slow machine */
        {1290, 7550, PERFBUDGET_OUTCOME_REGRESSION, 0},    /* 2x, the baseline's machine slow */
        {650, 7550, PERFBUDGET_OUTCOME_INCONCLUSIVE, 1},   /* unchanged, baseline slow */
        {1000, 14900, PERFBUDGET_OUTCOME_PASS, 0},         /* no change: nothing to explain */
        {1000, 7550, PERFBUDGET_OUTCOME_INCONCLUSIVE, 1},  /* faster machine: may hide one */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = probed(ctx, cases[i].wall, cases[i].probe);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        assert_non_null(c);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        assert_int_equal(perfbudget_result_note_count(now), (size_t)cases[i].notes);
        perfbudget_note_kind kind;
        if (cases[i].notes) {
            const char *text = perfbudget_result_note_at(now, 0, &kind);
            assert_int_equal(kind, PERFBUDGET_NOTE_MACHINE_SPEED);
            assert_non_null(strstr(text, "probe"));
        }
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* Case i's result carries one machine_speed note holding `note`, or no note for NULL. */
static void machine_speed_noted(const perfbudget_result *now, size_t i, const char *note) {
    assert_int_equal(perfbudget_result_note_count(now), note != NULL);
    perfbudget_note_kind kind;
    if (note == NULL) return;
    const char *text = perfbudget_result_note_at(now, 0, &kind);
    assert_int_equal(kind, PERFBUDGET_NOTE_MACHINE_SPEED);
    if (strstr(text, note) == NULL) fail_msg("case %zu: %s", i, text);
}

/* A short command is mostly the creation and end of its process, which the machine's slow state
 * moves far more than the code probe: measured here, the README's 0.5 ms command ran +31 % with
 * the code probe +4.5 %, and a fork probe followed the command at nearly its own ratio. A
 * command's change within SPAWN_SPEED_REACH of the spawn probe's ratio may be the machine's. */
static void test_command_at_another_spawn_speed(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = probed_spawn(ctx, 600e3, 8400.0, NAN, 240e3);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, spawn;
        perfbudget_outcome outcome;
        const char *note; /* in the note, or NULL for none */
    } cases[] = {
        {780e3, 300e3, PERFBUDGET_OUTCOME_INCONCLUSIVE, "spawn probe (a fork, an exit and a "
                                                        "reap: most of a short command's time) "
                                                        "25 % slower"},
        {780e3, 241e3, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* +30 %, machine as before */
        {1200e3, 300e3, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* 2x on the slow machine */
        {780e3, NAN, PERFBUDGET_OUTCOME_REGRESSION, NULL},    /* a result without the probe */
        {450e3, 190e3, PERFBUDGET_OUTCOME_INCONCLUSIVE, "21 % faster"}, /* baseline slow */
        {600e3, 200e3, PERFBUDGET_OUTCOME_INCONCLUSIVE, "can hide a slowdown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = probed_spawn(ctx, cases[i].wall, 8400.0, NAN, cases[i].spawn);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        machine_speed_noted(now, i, cases[i].note);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* A run of the Python front end whose interpreter probe took interpreter_ns (NaN: none); its
 * code probe stays at 8,400 ns, as it did while Python code slowed 1.55x on this VM. */
static perfbudget_result *interpreted(perfbudget_context *ctx, double wall,
                                      double interpreter_ns) {
    perfbudget_result *r = probed(ctx, wall, 8400.0);
    if (!isnan(interpreter_ns)) {
        const double times[] = {interpreter_ns * 0.99, interpreter_ns, interpreter_ns * 1.02};
        assert_int_equal(perfbudget_result_set_interpreter_probe(r, times, 3), PERFBUDGET_OK);
    }
    return r;
}

/* Python code moves with the interpreter probe, by a power that depends on the code and the
 * machine's state, so a change in the probe's direction within its ratio squared is
 * inconclusive from a probe 1 % apart, a larger one stands, and a pass on a machine that ran
 * the probe 10 % faster may hide a slowdown. */
static void test_python_at_another_interpreter_speed(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = interpreted(ctx, 1000.0, 10000.0);
    assert_close(perfbudget_result_metrics(base)->interpreter_probe_ns, 10000.0, 1e-9);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double wall, interpreter;
        perfbudget_outcome outcome;
        const char *note; /* in the note, or NULL for none */
    } cases[] = {
        {1300, 13000, PERFBUDGET_OUTCOME_INCONCLUSIVE, "interpreter probe (Python code: list "
                                                      "indexing and branches) 30 % slower"},
        {2600, 13000, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* 2x on the slow machine */
        {2100, 20000, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* 2x or more is never the machine */
        {1300, NAN, PERFBUDGET_OUTCOME_REGRESSION, NULL},   /* no probe */
        {1300, 10200, PERFBUDGET_OUTCOME_REGRESSION, NULL}, /* the probe as before */
        {1000, 8000, PERFBUDGET_OUTCOME_INCONCLUSIVE, "can hide a slowdown"},
        /* a probe 4 % slower explains up to +8.2 %, not +10 %; 5 % faster hides nothing */
        {1070, 10400, PERFBUDGET_OUTCOME_INCONCLUSIVE, "4 % slower"},
        {1100, 10400, PERFBUDGET_OUTCOME_REGRESSION, NULL},
        {1000, 9500, PERFBUDGET_OUTCOME_PASS, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = interpreted(ctx, cases[i].wall, cases[i].interpreter);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        machine_speed_noted(now, i, cases[i].note);
        perfbudget_result_free(now);
    }
    const double bad[] = {100.0, -1.0, 100.0};
    assert_int_equal(perfbudget_result_set_interpreter_probe(base, bad, 3), PERFBUDGET_EINVAL);
    assert_close(perfbudget_result_metrics(base)->interpreter_probe_ns, 10000.0, 1e-9);
    assert_int_equal(perfbudget_result_set_interpreter_probe(base, bad, 1), PERFBUDGET_OK);
    assert_true(isnan(perfbudget_result_metrics(base)->interpreter_probe_ns)); /* too few */
    perfbudget_result_free(base);
}

/* A comparison of p10 meets both runs' fast state, and so sets the probe's fastest tenth beside
 * the baseline's: a run that spent most of its time in the slow state (its probe's median 27 %
 * slower) but had the fast state too is judged; one whose fast state was slow as well is not.
 * A comparison of the median keeps the probe's median. */
static void test_p10_meets_the_fast_state(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = probed_fast(ctx, 1000.0, 11700.0, 8400.0);
    const struct {
        perfbudget_statistic statistic;
        double fast;
        perfbudget_outcome outcome;
        const char *note; /* in the note, or NULL for none */
    } cases[] = {
        {PERFBUDGET_STAT_P10, 8450, PERFBUDGET_OUTCOME_REGRESSION, NULL},
        {PERFBUDGET_STAT_P10, 10700, PERFBUDGET_OUTCOME_INCONCLUSIVE, "fastest tenth"},
        {PERFBUDGET_STAT_MEDIAN, 8450, PERFBUDGET_OUTCOME_INCONCLUSIVE, "ran perfbudget's probe"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_conclude_options o = against(&base);
        o.statistic = (int)cases[i].statistic;
        perfbudget_result *now = probed_fast(ctx, 1100.0, 14900.0, cases[i].fast);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        assert_int_equal(c->statistic, cases[i].statistic);
        assert_int_equal(perfbudget_result_note_count(now), cases[i].note != NULL);
        perfbudget_note_kind kind;
        if (cases[i].note != NULL)
            assert_non_null(strstr(perfbudget_result_note_at(now, 0, &kind), cases[i].note));
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* A result of 80 samples (8 blocks of 10), the first `slow` of every 10 at 1.3 times `fast`,
 * each within +-0.3 %, whose front end chose `statistic` (-1: none). */
static perfbudget_result *two_levels(perfbudget_context *ctx, double fast, size_t slow,
                                     int statistic) {
    double samples[80];
    for (size_t i = 0; i < 80; i++)
        samples[i] = fast * (i % 10 < slow ? 1.3 : 1.0) * (1.0 + 0.001 * ((double)(i % 7) - 3.0));
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    assert_int_equal(m.compared_statistic, -1);
    m.compared_statistic = statistic;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "b", samples, 80, &m, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    return r;
}

/* The statistic compared: the caller's, else the budget's, else the one the result's front
 * end chose (C suites: p10), else the median. */
static void test_statistic_the_front_end_chose(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *by_median =
        parsed_budget(ctx, "version: 1\nbudgets:\n  b: {regression: {statistic: median}}\n");
    perfbudget_result *base = two_levels(ctx, 1000.0, 0, PERFBUDGET_STAT_P10);
    const struct {
        int chosen, option;
        const perfbudget_budget *budget;
        perfbudget_statistic compared;
    } cases[] = {
        {-1, -1, NULL, PERFBUDGET_STAT_MEDIAN},
        {PERFBUDGET_STAT_P10, -1, NULL, PERFBUDGET_STAT_P10},
        {PERFBUDGET_STAT_P10, -1, by_median, PERFBUDGET_STAT_MEDIAN},
        {PERFBUDGET_STAT_P10, PERFBUDGET_STAT_P95, by_median, PERFBUDGET_STAT_P95},
        {-1, PERFBUDGET_STAT_P10, NULL, PERFBUDGET_STAT_P10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_conclude_options o = against(&base);
        o.budget = cases[i].budget;
        o.statistic = cases[i].option;
        perfbudget_result *now = two_levels(ctx, 2000.0, 0, cases[i].chosen); /* 2x: fails */
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->statistic != cases[i].compared) fail_msg("case %zu: %d", i, (int)c->statistic);
        if (c->outcome != PERFBUDGET_OUTCOME_REGRESSION)
            fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
    perfbudget_budget_free(by_median);
}

/* p10 cannot see a slowdown of fewer than 90 % of the samples: when the median rose beyond the
 * threshold while p10 passed, the verdict is inconclusive with the median's note. A slowdown
 * of every sample fails on p10; one of a tenth of them, which the median does not see either,
 * passes. */
static void test_median_beside_p10(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = two_levels(ctx, 1000.0, 0, PERFBUDGET_STAT_P10);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double fast;
        size_t slow;
        perfbudget_outcome outcome;
        int median_note;
    } cases[] = {
        {1000.0, 8, PERFBUDGET_OUTCOME_INCONCLUSIVE, 1}, /* 8 of 10 calls 30 % slower */
        {1000.0, 1, PERFBUDGET_OUTCOME_PASS, 0},         /* 1 of 10 */
        {1300.0, 0, PERFBUDGET_OUTCOME_REGRESSION, 0},   /* every call */
        {1000.0, 0, PERFBUDGET_OUTCOME_PASS, 0},         /* unchanged */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = two_levels(ctx, cases[i].fast, cases[i].slow, PERFBUDGET_STAT_P10);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        if (c->outcome != cases[i].outcome) fail_msg("case %zu: outcome %d", i, (int)c->outcome);
        assert_int_equal(c->statistic, PERFBUDGET_STAT_P10);
        assert_int_equal(c->regressed, cases[i].outcome == PERFBUDGET_OUTCOME_REGRESSION);
        const char *text = note_of_kind(now, PERFBUDGET_NOTE_MEDIAN_ROSE);
        if (text != NULL && strstr(text, "the median rose +29.9 %") == NULL)
            fail_msg("note: %s", text);
        if ((text != NULL) != cases[i].median_note) fail_msg("case %zu: median note", i);
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
}

/* A result measured in k processes (--perf-processes): each process's 12 samples tight around
 * its own median (+-0.1 %), pooled in process order, and each median kept as
 * process_median_<i>. k = 1 keeps no medians. */
static perfbudget_result *in_processes(perfbudget_context *ctx, const double *medians, size_t k) {
    double samples[12 * 8];
    for (size_t p = 0; p < k; p++)
        for (size_t i = 0; i < 12; i++)
            samples[12 * p + i] = medians[p] * (1.0 + 0.001 * ((double)(i % 5) - 2.0) / 2.0);
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "b", samples, 12 * k, &m, PERFBUDGET_RUN_OK, "",
                                           &r),
                     PERFBUDGET_OK);
    for (size_t p = 0; k >= 2 && p < k; p++) {
        char name[48];
        snprintf(name, sizeof name, "process_median_%zu", p);
        assert_int_equal(perfbudget_result_add_metric(ctx, r, name, medians[p], "ns", 0),
                         PERFBUDGET_OK);
    }
    return r;
}

/* Measured in several processes, the spread between them is measured too, not assumed: the
 * interval follows the pooled spread of the processes' log medians, on Student's t with their
 * degrees of freedom. By hand (numpy, scipy): the medians below have a pooled sd of the logs
 * of 0.0079060 (both sides alike, df 8), and the spread of a difference of 5-process levels is
 * t(0.975, 8) sqrt(s^2 (1/5 + 1/5)) = 2.306004 x 0.0050002 = 1.1530 % (exp - 1: 1.1597 %). */
static void test_processes_measure_the_spread(void **state) {
    perfbudget_context *ctx = *state;
    const double base_medians[] = {1000, 1010, 990, 1005, 995};
    double now_medians[5], wide[5];
    const double wide_offsets[] = {1.00, 1.08, 0.92, 1.04, 0.96};
    for (size_t p = 0; p < 5; p++) {
        now_medians[p] = 1.10 * base_medians[p];
        wide[p] = 1.06 * 1000.0 * wide_offsets[p];
    }
    perfbudget_result *base = in_processes(ctx, base_medians, 5);
    perfbudget_conclude_options o = against(&base);
    perfbudget_result *now = in_processes(ctx, now_medians, 5);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_REGRESSION);
    assert_close(c->run_spread_pct, 1.1597, 1e-3);
    perfbudget_result_free(now);

    /* Processes 8 % apart: +6 % cannot be told from them, and the note says why. */
    now = in_processes(ctx, wide, 5);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    c = perfbudget_result_latency_comparison(now);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_INCONCLUSIVE);
    perfbudget_note_kind kind;
    const char *text = perfbudget_result_note_at(now, 0, &kind);
    assert_int_equal(kind, PERFBUDGET_NOTE_RUN_SPREAD);
    assert_non_null(strstr(text, "processes measured (5 for the baseline, 5 now)"));
    perfbudget_result_free(now);

    /* One process now against five saved: this run is one draw of the processes' spread. By
     * hand: the baseline's medians alone, sd 0.0079060 (df 4); t(0.975, 4) x sqrt(s^2 (1/5 +
     * 1)) = 2.776445 x 0.0086605 = 2.4046 % (exp - 1: 2.4337 %). */
    double one = 1.10 * 1000.0;
    now = in_processes(ctx, &one, 1);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    c = perfbudget_result_latency_comparison(now);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_REGRESSION);
    assert_close(c->run_spread_pct, 2.4337, 1e-3);
    perfbudget_result_free(now);
    perfbudget_result_free(base);

    /* Two processes now, one saved: 1 degree of freedom (t = 12.7) is no measure of the
     * spread, so the assumed one applies, and the note says so. */
    base = in_processes(ctx, base_medians, 1);
    o = against(&base);
    const double two[] = {1000.0, 1300.0};
    now = in_processes(ctx, two, 2);
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    c = perfbudget_result_latency_comparison(now);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_INCONCLUSIVE);
    assert_true(c->run_spread_pct < 50.0);
    text = perfbudget_result_note_at(now, 0, &kind);
    assert_non_null(strstr(text, "is assumed until it has 3"));
    perfbudget_result_free(now);
    perfbudget_result_free(base);
}

static void test_record_travels_in_the_result_file(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, "version: 1\nbudgets:\n  b: {latency: {p95: 1us}}\n");
    perfbudget_result *base = loaded(ctx, 1000.0, 1000.0, 0.005);
    perfbudget_result *now = loaded(ctx, 6500.0, 1300.0, 0.8);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    o.regression = 1;
    o.baseline = &base;
    o.baseline_count = 1;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    char *text = NULL;
    assert_int_equal(perfbudget__results_json_text(ctx, "t", &now, 1, &text), PERFBUDGET_OK);
    perfbudget_result **back = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget__results_parse_json(ctx, text, strlen(text), "t.json", &back,
                                                    &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    /* the limits, the comparison and the notes, without the budget file */
    const perfbudget_limit_verdict *verdicts;
    assert_int_equal(perfbudget_result_verdicts(back[0], &verdicts), 1);
    assert_int_equal(verdicts[0].status, PERFBUDGET_LIMIT_FAIL);
    assert_string_equal(verdicts[0].limit->name, "p95");
    assert_string_equal(perfbudget_result_budget_entry(back[0]), "b");
    assert_int_equal(perfbudget_result_test_status(back[0], NULL), PERFBUDGET_TEST_FAIL);
    const perfbudget_comparison *a = perfbudget_result_latency_comparison(now);
    const perfbudget_comparison *b = perfbudget_result_latency_comparison(back[0]);
    assert_non_null(b);
    assert_int_equal(a->outcome, b->outcome);
    assert_close(a->ci_high_pct, b->ci_high_pct, 0);
    assert_close(a->threshold_pct, b->threshold_pct, 0);
    assert_int_equal(perfbudget_result_note_count(back[0]), perfbudget_result_note_count(now));
    assert_string_equal(perfbudget_result_note_at(back[0], 0, NULL),
                        perfbudget_result_note_at(now, 0, NULL));
    perfbudget_free(text);
    perfbudget_results_free(back, count);
    perfbudget_result_free(base);
    perfbudget_result_free(now);
    perfbudget_budget_free(budget);
}

/* A Python run of n samples, `fast` of them (the first) taken in the machine's fast state
 * (interpreter probe 30 us) at `centre`, the rest in its slow state (probe 46 us) at 1.55
 * times that: the VM's two states as measured here. */
static perfbudget_result *two_state_run_waiting(perfbudget_context *ctx, double centre,
                                                size_t n, size_t fast, double wait) {
    double samples[200], probes[200];
    assert_true(n <= 200);
    for (size_t i = 0; i < n; i++) {
        double jitter = 1.0 + 0.01 * ((double)(i % 11) - 5.0) / 5.0;
        samples[i] = (i < fast ? centre : 1.55 * centre) * jitter;
        probes[i] = (i < fast ? 30000.0 : 46000.0) * jitter;
    }
    perfbudget_metrics m; /* with a wait share: the run waited for a CPU that share of its time */
    perfbudget_metrics_init(&m);
    m.wall_ns = (double)n * centre;
    m.cpu_utilization = isnan(wait) ? NAN : 1.0 - wait;
    m.runqueue_wait_ns = wait * m.wall_ns;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "b", samples, n, &m, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_probe_samples(ctx, r, probes, n), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_interpreter_probe(r, probes, n), PERFBUDGET_OK);
    return r;
}

static perfbudget_result *two_state_run(perfbudget_context *ctx, double centre, size_t n,
                                        size_t fast) {
    return two_state_run_waiting(ctx, centre, n, fast, NAN); /* waits unknown */
}

/* Where both runs took samples in the same state of the machine, only those are compared: an
 * unchanged run that spent most of its time in the slow state passes (the whole run's median
 * read +55 %, which the interpreter probe could only make inconclusive), and a slowdown of the
 * code in that state is what it is. A run with too few samples in the fast state is compared
 * whole, as before, and so are two runs that took nearly all their samples in the fast state,
 * and a run that waited for a CPU. */
static void test_samples_of_the_same_state_compared(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = two_state_run(ctx, 1000.0, 100, 70);
    perfbudget_conclude_options o = against(&base);
    const struct {
        double centre;
        size_t fast;
        perfbudget_outcome outcome;
        int matched;
    } cases[] = {
        {1000.0, 25, PERFBUDGET_OUTCOME_PASS, 1},         /* unchanged, mostly slow */
        {1000.0, 90, PERFBUDGET_OUTCOME_PASS, 1},         /* unchanged, mostly fast */
        {1200.0, 25, PERFBUDGET_OUTCOME_REGRESSION, 1},   /* +20 % */
        {2000.0, 25, PERFBUDGET_OUTCOME_REGRESSION, 1},   /* 2x */
        {1000.0, 5, PERFBUDGET_OUTCOME_INCONCLUSIVE, 0},  /* 5 fast samples: not enough */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result *now = two_state_run(ctx, cases[i].centre, 100, cases[i].fast);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        const perfbudget_comparison *c = perfbudget_result_latency_comparison(now);
        assert_non_null(c);
        if (c->outcome != cases[i].outcome)
            fail_msg("case %zu: outcome %d, change %+.1f %%", i, (int)c->outcome, c->change_pct);
        const char *text = note_of_kind(now, PERFBUDGET_NOTE_SAME_STATE);
        if ((text != NULL) != cases[i].matched) fail_msg("case %zu: matched", i);
        char expected[64];
        snprintf(expected, sizeof expected, "%zu of this run's 100 and 70 of the baseline's",
                 cases[i].fast);
        if (text != NULL) assert_non_null(strstr(text, expected));
        perfbudget_result_free(now);
    }
    perfbudget_result_free(base);
    /* A run that waited for a CPU is judged by the busy rules, on whole runs; two runs that took
     * nearly all their samples in the fast state are compared whole, without the note. */
    const struct {
        double base_wait, wait;
        size_t base_fast, fast;
    } whole[] = {{0.005, 0.6, 70, 25}, {NAN, NAN, 95, 92}};
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++) {
        base = two_state_run_waiting(ctx, 1000.0, 100, whole[i].base_fast, whole[i].base_wait);
        o = against(&base);
        perfbudget_result *now = two_state_run_waiting(ctx, 1000.0, 100, whole[i].fast,
                                                       whole[i].wait);
        assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
        assert_non_null(perfbudget_result_latency_comparison(now));
        if (note_of_kind(now, PERFBUDGET_NOTE_SAME_STATE) != NULL)
            fail_msg("case %zu: compared same-state", i);
        perfbudget_result_free(now);
        perfbudget_result_free(base);
    }
}

static void test_note_kind_names(void **state) {
    (void)state;
    for (int k = 0; k <= PERFBUDGET_NOTE_SAME_STATE; k++) {
        perfbudget_note_kind back;
        assert_int_equal(perfbudget_note_kind_parse(perfbudget_note_kind_name((perfbudget_note_kind)k),
                                                    &back),
                         PERFBUDGET_OK);
        assert_int_equal(back, k);
    }
    assert_null(perfbudget_note_kind_name((perfbudget_note_kind)99));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_student_distribution),
        cmocka_unit_test_setup_teardown(test_budget_entry_by_function_name, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_baseline_of_the_same_mode, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_busier_machine, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_busier_machine_sleeping_code, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_busier_baseline, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_both_runs_busy, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_busier_machine_python, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_line_names_the_machine, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_p10_meets_the_fast_state, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_statistic_the_front_end_chose, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_median_beside_p10, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_command_at_another_spawn_speed, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_python_at_another_interpreter_speed, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_machine_at_another_speed, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_processes_measure_the_spread, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_record_travels_in_the_result_file, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_samples_of_the_same_state_compared, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_note_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
