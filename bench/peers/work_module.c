/* SPDX-License-Identifier: MIT */
/* The detection workload as a suite module for `perfbudget compare --interleave`: two builds,
 * each reading its steps from its own variable (STEPS_VARIABLE), so bench/detection.py can load
 * a baseline and a candidate that differ by s % more steps into one process. */
#include <perfbudget/perfbudget.h>
#include <stdlib.h>

#include "work.h"

#ifndef STEPS_VARIABLE
#define STEPS_VARIABLE "PEERS_WORK_STEPS"
#endif

static void work(perfbudget_state *state) {
    const char *text = getenv(STEPS_VARIABLE);
    uint64_t steps = strtoull(text ? text : "100", NULL, 10), x = 1;
    while (perfbudget_loop(state)) {
        x = peers_work(x, steps);
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "work", .run = work}};

PERFBUDGET_SUITE_MAIN("peers", benchmarks)
