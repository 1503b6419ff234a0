/* SPDX-License-Identifier: MIT */
/* A CPU-bound workload whose size is set from outside (PEERS_WORK_STEPS), so bench/detection.py
 * can inject a slowdown of s % by doing s % more steps. The same work as work_gbench.cc. */
#include <perfbudget/perfbudget.h>
#include <stdlib.h>

#include "work.h"

static void work(perfbudget_state *state) {
    uint64_t steps = strtoull(getenv("PEERS_WORK_STEPS") ? getenv("PEERS_WORK_STEPS") : "100", NULL, 10);
    uint64_t x = 1;
    while (perfbudget_loop(state)) {
        x = peers_work(x, steps);
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "work", .run = work}};

int main(int argc, char **argv) { return perfbudget_main(argc, argv, "peers", benchmarks, 1); }
