/* SPDX-License-Identifier: MIT */
/* Loops driven from outside (Python, other languages): the in-process loop's rules for a loop
 * the caller runs itself. */
#ifndef PERFBUDGET_SAMPLER_H
#define PERFBUDGET_SAMPLER_H

#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/result.h"
#include "perfbudget/suite.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The benchmark loop's calibration, warm-up and stopping rules for a loop the caller runs
 *  itself, e.g. in Python: ask how many iterations the next batch has, time them, report the
 *  time, until the sampler says 0. Same rules, same result as perfbudget_loop(). Opaque. */
typedef struct perfbudget_sampler perfbudget_sampler;

/** Start sampling a benchmark named name (copied); resets the peak-RSS mark. opts may be NULL.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_sampler_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_sampler_new(perfbudget_context *ctx, const char *name,
                                          const perfbudget_run_options *opts,
                                          perfbudget_sampler **out);
/** Free a sampler; NULL is a no-op. Results it finished stay the caller's. */
PERFBUDGET_API void perfbudget_sampler_free(perfbudget_sampler *sampler);

/** Iterations to run in the next batch, given how long the previous batch took (ignored on the
 *  first call); 0 when sampling is done. */
PERFBUDGET_API uint64_t perfbudget_sampler_next(perfbudget_sampler *sampler,
                                                uint64_t previous_batch_ns);

/** The caller timed the benchmark's first call itself, apart from the batches (first_call_ns,
 *  e.g. before its own warm-up; NaN: no first call is timed apart, as for pedantic's declared
 *  rounds): the sampler's first batch then calibrates at once instead of being one call timed
 *  apart. Call it before the first perfbudget_sampler_next().
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, a negative time) or PERFBUDGET_ESTATE
 *  (sampling has begun). */
PERFBUDGET_API int perfbudget_sampler_set_first_call(perfbudget_sampler *sampler,
                                                     double first_call_ns);

/** The front end timed its interpreter probe just now (probe_ns, e.g. perfbudget's Python
 *  probe between batches): the samples recorded from now until the next probe carry it
 *  (perfbudget_result_probe_samples()), those before the first probe the first. The judge
 *  compares two runs' samples taken in the same state of the machine by them.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, negative, not finite) or
 *  PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_sampler_note_probe(perfbudget_sampler *sampler, double probe_ns);

/** The sampler's underlying state, for perfbudget_state_fail(), _skip() and
 *  _set_items_per_iteration(). Borrowed. */
PERFBUDGET_API perfbudget_state *perfbudget_sampler_state(perfbudget_sampler *sampler);

/** The result of what was sampled (summary, CPU, memory, growth); call once sampling is done.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (a NULL argument), PERFBUDGET_ESTATE (sampling not
 *  finished) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_sampler_finish(perfbudget_sampler *sampler,
                                             perfbudget_result **out);

#ifdef __cplusplus
}
#endif

#endif
