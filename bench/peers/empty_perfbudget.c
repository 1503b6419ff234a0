/* SPDX-License-Identifier: MIT */
/* The floor under every figure perfbudget's C API reports: an empty benchmark body (a compiler
 * barrier, as any real body is), measured by the loop itself. bench/peers.py compares it with
 * the same body under Google Benchmark (empty_gbench.cc). */
#include <perfbudget/perfbudget.h>

static void empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

/* The same body in the lean loop, which counts each batch down in a register. */
static void empty_lean(perfbudget_state *state) {
    PERFBUDGET_LOOP(state) PERFBUDGET_CLOBBER_MEMORY();
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "empty", .run = empty},
                                                      {.name = "empty_lean", .run = empty_lean}};

int main(int argc, char **argv) { return perfbudget_main(argc, argv, "peers", benchmarks, 2); }
