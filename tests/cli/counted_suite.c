/* SPDX-License-Identifier: MIT */
/* A suite whose work is set from outside (COUNTED_STEPS), for tests/cli/test_instructions.sh. */
#include <perfbudget/perfbudget.h>
#include <stdint.h>
#include <stdlib.h>

static void steps(perfbudget_state *state) {
    const char *text = getenv("COUNTED_STEPS");
    uint64_t n = strtoull(text ? text : "100", NULL, 10), x = 1;
    while (perfbudget_loop(state)) {
        for (uint64_t i = 0; i < n; i++) x = x * 6364136223846793005u + 1442695040888963407u;
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "steps", .run = steps}};

int main(int argc, char **argv) { return perfbudget_main(argc, argv, "counted", benchmarks, 1); }
