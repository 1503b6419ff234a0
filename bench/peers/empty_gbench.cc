// SPDX-License-Identifier: MIT
// The same bodies under Google Benchmark (Debian's libbenchmark-dev), for bench/peers.py: the
// empty body and one dependent multiply an iteration.
#include <benchmark/benchmark.h>
#include <cstdint>

static void empty(benchmark::State &state) {
    for (auto _ : state) benchmark::ClobberMemory();
}
BENCHMARK(empty);

static void multiply(benchmark::State &state) {
    std::uint64_t x = 1;
    for (auto _ : state) {
        x *= UINT64_C(0x9E3779B97F4A7C15);
        benchmark::DoNotOptimize(x);
    }
}
BENCHMARK(multiply);

BENCHMARK_MAIN();
