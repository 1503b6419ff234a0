/* SPDX-License-Identifier: MIT */
/* bench/busy.py's C workload: a dependent chain of xorshift steps (as bench/peers/work.h), so
 * its time is proportional to the steps and the compiler cannot shorten it; the number of steps
 * is a base times PERFBUDGET_STUDY_FACTOR from the environment, so a candidate 10 % slower does
 * exactly 10 % more steps. */
#ifndef BUSY_WORK_H
#define BUSY_WORK_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static inline uint64_t busy_work(uint64_t x, uint64_t steps) {
    for (uint64_t i = 0; i < steps; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

/* base × PERFBUDGET_STUDY_FACTOR (default 1), rounded to whole steps. */
static inline uint64_t busy_steps(uint64_t base) {
    const char *text = getenv("PERFBUDGET_STUDY_FACTOR");
    double factor = text != NULL && *text != '\0' ? strtod(text, NULL) : 1.0;
    if (!(factor > 0.0)) factor = 1.0;
    return (uint64_t)llround((double)base * factor);
}
#endif
