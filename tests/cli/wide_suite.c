/* SPDX-License-Identifier: MIT */
/* A suite of 20 small benchmarks, for tests/cli/test_postgresql_faults.sh: a run of it is 20
 * results, so a run cut short shows as a run with fewer. */
#include <perfbudget/perfbudget.h>
#include <stdint.h>

static void spin(perfbudget_state *state) {
    uint64_t x = 1;
    while (perfbudget_loop(state)) {
        for (int i = 0; i < 1000; i++) x = x * 6364136223846793005u + 1442695040888963407u;
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

#define WIDE(label) {.name = label, .run = spin}
static const perfbudget_benchmark_def benchmarks[] = {
    WIDE("w01"), WIDE("w02"), WIDE("w03"), WIDE("w04"), WIDE("w05"), WIDE("w06"), WIDE("w07"),
    WIDE("w08"), WIDE("w09"), WIDE("w10"), WIDE("w11"), WIDE("w12"), WIDE("w13"), WIDE("w14"),
    WIDE("w15"), WIDE("w16"), WIDE("w17"), WIDE("w18"), WIDE("w19"), WIDE("w20")};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "wide", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
