/* SPDX-License-Identifier: MIT */
/* The checksum library's performance suite, built on perfbudget's C benchmark API.
 * Run it with --help to see the options; --list names the benchmarks. */
#include <perfbudget/perfbudget.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"

typedef struct buffer {
    unsigned char *data;
    size_t size;
} buffer;

/* Setup allocates the input once per benchmark, outside the measured loop. */
static int make_buffer(perfbudget_state *state, size_t size) {
    buffer *b = malloc(sizeof *b);
    if (b == NULL || (b->data = malloc(size)) == NULL) {
        free(b);
        return -1;
    }
    for (size_t i = 0; i < size; i++) b->data[i] = (unsigned char)(i * 131 + 7);
    b->size = size;
    perfbudget_state_set_userdata(state, b);
    perfbudget_state_set_bytes_per_iteration(state, size);
    return 0;
}

static int setup_4k(perfbudget_state *state) { return make_buffer(state, 4096); }
static int setup_64k(perfbudget_state *state) { return make_buffer(state, 65536); }
/* A sweep's setup: the input is as long as the run's size. */
static int setup_sized(perfbudget_state *state) {
    return make_buffer(state, (size_t)perfbudget_state_size(state));
}

static void free_buffer(perfbudget_state *state) {
    buffer *b = perfbudget_state_userdata(state);
    free(b->data);
    free(b);
}

static void bench_crc32(perfbudget_state *state) {
    buffer *b = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        uint32_t crc = checksum_crc32(0, b->data, b->size);
        PERFBUDGET_DO_NOT_OPTIMIZE(crc);
    }
}

static void bench_adler32(perfbudget_state *state) {
    buffer *b = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        uint32_t adler = checksum_adler32(1, b->data, b->size);
        PERFBUDGET_DO_NOT_OPTIMIZE(adler);
    }
}

/* Both checksums of one buffer, each a stage: reports show where each iteration's time went
 * (count, mean, p99, total per stage) and a .trace.json report draws the timeline. */
static void bench_both(perfbudget_state *state) {
    buffer *b = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_stage_begin(state, "crc32");
        uint32_t crc = checksum_crc32(0, b->data, b->size);
        perfbudget_stage_end(state, "crc32");
        perfbudget_stage_begin(state, "adler32");
        uint32_t adler = checksum_adler32(1, b->data, b->size);
        perfbudget_stage_end(state, "adler32");
        PERFBUDGET_DO_NOT_OPTIMIZE(crc);
        PERFBUDGET_DO_NOT_OPTIMIZE(adler);
    }
}

static void bench_loop_overhead(perfbudget_state *state) {
    /* The clobber keeps the compiler from collapsing the loop, as any real body does. */
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

/* crc32 over inputs from 1 KiB to 256 KiB: one result per size, "crc32_sweep/1024" ..., and a
 * least-squares fit of time against size (the budget file expects O(n)). */
static const uint64_t sweep_sizes[] = {1024, 4096, 16384, 65536, 262144};

/* crc32 by 1, 2 and 4 threads at once, each thread with its own 64 KiB buffer (setup runs once
 * per thread): aggregate throughput, each thread's latency and the scaling efficiency against
 * one thread (the budget file bounds it at 2 threads). */
static const uint32_t thread_counts[] = {1, 2, 4};

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "crc32_4k", .run = bench_crc32, .setup = setup_4k, .teardown = free_buffer},
    {.name = "crc32_64k", .run = bench_crc32, .setup = setup_64k, .teardown = free_buffer},
    {.name = "adler32_4k", .run = bench_adler32, .setup = setup_4k, .teardown = free_buffer},
    {.name = "adler32_64k", .run = bench_adler32, .setup = setup_64k, .teardown = free_buffer},
    {.name = "both_64k", .run = bench_both, .setup = setup_64k, .teardown = free_buffer},
    {.name = "crc32_sweep", .run = bench_crc32, .setup = setup_sized, .teardown = free_buffer,
     .sizes = sweep_sizes, .size_count = sizeof sweep_sizes / sizeof sweep_sizes[0]},
    {.name = "crc32_threads", .run = bench_crc32, .setup = setup_64k, .teardown = free_buffer,
     .threads = thread_counts, .thread_count = sizeof thread_counts / sizeof thread_counts[0]},
    /* The loop's own cost per iteration: perfbudget's overhead on any body. */
    {.name = "loop_overhead", .run = bench_loop_overhead},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "checksum", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
