/* SPDX-License-Identifier: MIT */
/* The machine probe's measure of how strongly a benchmark's samples follow it within a run
 * (metric probe_sensitivity): probe times come from a scripted clock, samples are made from
 * them with a known exponent, so the answer is known by hand. */
#include "internal.h"
#include "test_helpers.h"

enum { PROBES = 100 };

/* A clock that makes the k-th probe take probe_ns[k]: a probe reads the clock at its start and
 * at its end. */
typedef struct {
    const double *probe_ns;
    size_t reads;
    uint64_t last;
} scripted_clock;

static uint64_t scripted_now(void *userdata) {
    scripted_clock *c = userdata;
    size_t k = c->reads++;
    c->last = k % 2 == 0 ? UINT64_C(1000000000) * (k + 1) : c->last + (uint64_t)c->probe_ns[k / 2];
    return c->last;
}

/* The machine's state within a run: 10 probes fast (10 us), 10 slow (12 us, 1.2x), and so on;
 * spikes of +50 % at every 7th probe, as an interrupt makes, when spiky. */
static void machine_states(double *probe_ns, double slow_ratio, int spiky) {
    for (size_t k = 0; k < PROBES; k++) {
        probe_ns[k] = (k / 10) % 2 == 0 ? 10000.0 : 10000.0 * slow_ratio;
        if (spiky && k % 7 == 3) probe_ns[k] *= 1.5;
    }
}

/* The probe of a run with one sample after each probe, the k-th sample following the machine
 * to the power exponent, +-0.5 % in a fixed pattern; the sensitivity measured from them. */
static double sensitivity_of(perfbudget_context *ctx, const double *probe_ns, size_t n_samples,
                             double exponent) {
    scripted_clock clock = {probe_ns, 0, 0};
    perfbudget_context_set_clock(ctx, scripted_now, &clock);
    perfbudget__probe *probe = NULL;
    assert_int_equal(perfbudget__probe_new(&probe), PERFBUDGET_OK);
    double samples[PROBES];
    for (size_t k = 0; k < PROBES; k++) perfbudget__probe_run(probe, ctx, k);
    for (size_t k = 0; k < n_samples; k++) {
        double machine = (k / 10) % 2 == 0 ? 1.0 : probe_ns[11] / probe_ns[1]; /* unspiked */
        samples[k] = 1000.0 * pow(machine, exponent) * (1.0 + 0.005 * ((double)(k % 5) - 2.0) / 2.0);
    }
    double sensitivity = perfbudget__probe_sensitivity(probe, samples, n_samples);
    perfbudget__probe_free(probe);
    perfbudget_context_set_clock(ctx, NULL, NULL);
    return sensitivity;
}

/* By hand (numpy): the halves are the slow and fast moments exactly; the samples' medians are
 * 1.2^b apart and the probes' 1.2 apart, so b; the bound adds 3 standard errors of the
 * samples' log ratio: the MAD of log(1 +- 0.0025, 1 +- 0.005, 1), ten of each in a half, is
 * 0.00250313 (sigma 0.00371114), the error 1.2533 x sqrt(2 x 0.00371114^2 / 50) = 0.00093023,
 * and 3 x 0.00093023 / log(1.2) = 0.0153065. */
static void test_follows_by_exponent(void **state) {
    double probe_ns[PROBES];
    machine_states(probe_ns, 1.2, 0);
    assert_close(sensitivity_of(*state, probe_ns, PROBES, 2.0), 2.0 + 0.0153065, 1e-3);
    assert_close(sensitivity_of(*state, probe_ns, PROBES, 1.0), 1.0 + 0.0153065, 1e-3);
    /* Code in registers: the samples do not follow; the bound is the 3 standard errors. */
    assert_close(sensitivity_of(*state, probe_ns, PROBES, 0.0), 0.0153065, 1e-3);
    /* Faster when the machine is slower (never seen; the noise of a few samples): 0, not less. */
    assert_close(sensitivity_of(*state, probe_ns, PROBES, -1.0), 0.0, 0.0);
}

/* A single probe now and then slowed by an interrupt does not sort samples into the wrong
 * half: each sample gets the median of the 5 probes around it. */
static void test_spikes_do_not_hide_following(void **state) {
    double probe_ns[PROBES];
    machine_states(probe_ns, 1.2, 1);
    double s = perfbudget__probe_sensitivity(NULL, NULL, 0);
    assert_true(isnan(s));
    s = sensitivity_of(*state, probe_ns, PROBES, 2.0);
    if (!(s > 1.9 && s < 2.2)) fail_msg("sensitivity %g, expected about 2", s);
}

/* A run cannot tell: the probe stayed within 5 %, or too few samples to split. */
static void test_cannot_tell(void **state) {
    double probe_ns[PROBES];
    machine_states(probe_ns, 1.03, 0);
    assert_true(isnan(sensitivity_of(*state, probe_ns, PROBES, 2.0)));
    machine_states(probe_ns, 1.2, 0);
    assert_true(isnan(sensitivity_of(*state, probe_ns, 15, 2.0)));
    assert_false(isnan(sensitivity_of(*state, probe_ns, 40, 2.0)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_follows_by_exponent, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_spikes_do_not_hide_following, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_cannot_tell, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
