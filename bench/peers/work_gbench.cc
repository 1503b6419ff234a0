// SPDX-License-Identifier: MIT
// The detection workload (work.h) under Google Benchmark, its size from PEERS_WORK_STEPS.
#include <benchmark/benchmark.h>
#include <cstdlib>

extern "C" {
#include "work.h"
}

static void work(benchmark::State &state) {
    const char *text = std::getenv("PEERS_WORK_STEPS");
    uint64_t steps = std::strtoull(text ? text : "100", nullptr, 10);
    uint64_t x = 1;
    for (auto _ : state) {
        x = peers_work(x, steps);
        benchmark::DoNotOptimize(x);
    }
}
BENCHMARK(work);

BENCHMARK_MAIN();
