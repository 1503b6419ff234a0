/* SPDX-License-Identifier: MIT */
/* A suite whose benchmark names need quoting in CMake: spaces, a semicolon, brackets. */
#include <perfbudget/perfbudget.h>

static void bench_empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "empty", .run = bench_empty},
    {.name = "with space", .run = bench_empty},
    {.name = "semi;colon", .run = bench_empty},
    {.name = "[x]] bracket]=]", .run = bench_empty},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "consumer", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
