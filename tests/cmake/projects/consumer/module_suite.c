/* SPDX-License-Identifier: MIT */
/* A suite ending in PERFBUDGET_SUITE_MAIN: an executable, and a module for compare --interleave. */
#include <perfbudget/perfbudget.h>

static void bench_empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "empty", .run = bench_empty}};

PERFBUDGET_SUITE_MAIN("consumer_module", benchmarks)
