// SPDX-License-Identifier: MIT
// The same empty body under Google Benchmark (Debian's libbenchmark-dev), for bench/peers.py.
#include <benchmark/benchmark.h>

static void empty(benchmark::State &state) {
    for (auto _ : state) benchmark::ClobberMemory();
}
BENCHMARK(empty);

BENCHMARK_MAIN();
