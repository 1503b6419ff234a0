/* SPDX-License-Identifier: MIT */
/* The floor under every figure perfbudget's C API reports: an empty benchmark body (a compiler
 * barrier, as any real body is), measured by the loop itself, and a body of about 1 ns (one
 * dependent multiply). bench/peers.py compares them with the same bodies under Google Benchmark
 * (empty_gbench.cc). */
#include <perfbudget/perfbudget.h>
#include <stdint.h>

static void empty(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

/* The same body in the lean loop, which counts each batch down in a register. */
static void empty_lean(perfbudget_state *state) {
    PERFBUDGET_LOOP(state) PERFBUDGET_CLOBBER_MEMORY();
}

/* A chain of dependent multiplies: 3 cycles an iteration, about 1 ns here. */
static void multiply_lean(perfbudget_state *state) {
    uint64_t x = 1;
    PERFBUDGET_LOOP(state) {
        x *= UINT64_C(0x9E3779B97F4A7C15);
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static const perfbudget_benchmark_def benchmarks[] = {{.name = "empty", .run = empty},
                                                      {.name = "empty_lean", .run = empty_lean},
                                                      {.name = "multiply_lean",
                                                       .run = multiply_lean}};

int main(int argc, char **argv) { return perfbudget_main(argc, argv, "peers", benchmarks, 3); }
