/* SPDX-License-Identifier: MIT */
/* A suite whose benchmarks misbehave inside the measuring loop; perf_discover_tests runs each
 * in its own test, so each fails (or passes) alone. Pids of the processes "straggler" starts go
 * to $FAULTY_PID_FILE. One name is built to reach a shell or escape a directory. */
#define _POSIX_C_SOURCE 200809L
#include <perfbudget/perfbudget.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void bench_ok(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static void bench_segfault(perfbudget_state *state) {
    while (perfbudget_loop(state)) *(volatile int *)perfbudget_state_userdata(state) = 1;
}

static void bench_abort(perfbudget_state *state) {
    while (perfbudget_loop(state)) abort();
}

static void bench_exit3(perfbudget_state *state) {
    while (perfbudget_loop(state)) exit(3);
}

/* exit(1) is also what a benchmark that failed would return: only the missing verdict tells. */
static void bench_exit1(perfbudget_state *state) {
    while (perfbudget_loop(state)) exit(1);
}

static void bench_hang(perfbudget_state *state) {
    while (perfbudget_loop(state)) pause();
}

/* Starts a daemon once: a double fork with setsid(), out of the suite's process group. */
static void bench_straggler(perfbudget_state *state) {
    static int started; /* a test fixture's flag; the suite's own state is not touched */
    if (!started++ && fork() == 0) {
        setsid();
        if (fork() != 0) _exit(0);
        const char *file = getenv("FAULTY_PID_FILE");
        FILE *f = file ? fopen(file, "a") : NULL;
        if (f != NULL) fprintf(f, "%ld\n", (long)getpid()), fclose(f);
        sleep(300);
        _exit(0);
    }
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static void bench_closeout(perfbudget_state *state) {
    close(STDOUT_FILENO);
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "ok", .run = bench_ok},           {.name = "segfault", .run = bench_segfault},
    {.name = "abort", .run = bench_abort},     {.name = "exit3", .run = bench_exit3},
    {.name = "hang", .run = bench_hang},       {.name = "straggler", .run = bench_straggler},
    {.name = "closeout", .run = bench_closeout}, {.name = "exit1", .run = bench_exit1},
    /* hostile, but well-behaved: the name must reach no shell and make no file outside */
    {.name = "$(touch pwned)`touch pwned`;'\"../x", .run = bench_ok},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "faulty", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
