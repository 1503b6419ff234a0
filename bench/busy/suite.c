/* SPDX-License-Identifier: MIT */
/* bench/busy.py's benchmark suite on perfbudget's C API: two benchmarks of about 3 µs and about
 * 1 ms (at ~2.5 ns a step on the study's machine), their size scaled by PERFBUDGET_STUDY_FACTOR. */
#include <perfbudget/perfbudget.h>

#include "work.h"

static void run_steps(perfbudget_state *state, uint64_t base) {
    uint64_t steps = busy_steps(base), x = 1;
    while (perfbudget_loop(state)) {
        x = busy_work(x, steps);
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static void busy_3us(perfbudget_state *state) { run_steps(state, 1200); }
static void busy_1ms(perfbudget_state *state) { run_steps(state, 400000); }

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "busy_3us", .run = busy_3us},
    {.name = "busy_1ms", .run = busy_1ms},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "busy", benchmarks, sizeof benchmarks / sizeof benchmarks[0]);
}
