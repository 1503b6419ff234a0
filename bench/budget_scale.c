/* SPDX-License-Identifier: MIT */
/* Budget files at scale (issue 24): generates a budget file of ENTRIES entries (the shape of
 * core_benchmarks' budget_parse_10k: two latency limits and a memory limit an entry, a glob every
 * hundredth), then times, in alternating rounds, and prints the median and range of each:
 *   libyaml events    libyaml's own event parse of the text, nothing built: the floor under any
 *                     parser that uses it
 *   API parse         perfbudget_budget_new_from_text on the text in memory
 *   validate CLI      `CLI validate FILE`, the whole process: wall and CPU time, peak RSS; once per
 *                     --cli, so that two builds are compared in the same run
 * Run: build/bench/budget_scale [--entries N] [--rounds N] [--cli PATH]...
 *      (--cli defaults to build/perfbudget beside this program) */
#define _DEFAULT_SOURCE /* wait4: the rusage of one child */
#include <perfbudget/perfbudget.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

extern char **environ;

enum { MAX_CLIS = 4, MAX_ROUNDS = 101 };

static double seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_row(const char *what, const char *unit, double scale, double *values,
                      int count) {
    qsort(values, (size_t)count, sizeof *values, by_value);
    double median = count % 2 ? values[count / 2]
                              : (values[count / 2 - 1] + values[count / 2]) / 2.0;
    printf("%-44s %9.1f %s  (%.1f .. %.1f)\n", what, median * scale, unit, values[0] * scale,
           values[count - 1] * scale);
}

static char *generate(size_t entries, size_t *size) {
    char *text = malloc(entries * 160 + 256);
    if (text == NULL) return NULL;
    char *p = text;
    p += sprintf(p, "version: 1\ndefaults:\n  regression: {threshold: 5%%}\nbudgets:\n");
    for (size_t i = 0; i < entries; i++) {
        if (i % 100 == 0)
            p += sprintf(p, "  \"suite_%zu::glob_%05zu*\":\n    latency: {p95: 2ms}\n", i % 17, i);
        else
            p += sprintf(p,
                         "  suite_%zu::bench_%05zu:\n    latency: {p95: %zuus, p99: {warn: 3ms, "
                         "fail: 4ms}}\n    memory: 64MB\n",
                         i % 17, i, 100 + i % 900);
    }
    *size = (size_t)(p - text);
    return text;
}

/* libyaml alone: every event parsed and freed. */
static int libyaml_events(const char *text, size_t size) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return -1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
    int status = 0;
    for (int done = 0; !done;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = -1;
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return status;
}

/* One `cli validate path`: wall and CPU seconds, peak RSS in KiB. */
static int run_validate(const char *cli, const char *path, double *wall, double *cpu,
                        double *rss_kib) {
    char *argv[] = {(char *)cli, "validate", (char *)path, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    double start = seconds(CLOCK_MONOTONIC);
    pid_t pid;
    int error = posix_spawn(&pid, cli, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) return -1;
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid) return -1;
    *wall = seconds(CLOCK_MONOTONIC) - start;
    *cpu = (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
           (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec;
    *rss_kib = (double)usage.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    size_t entries = 10000;
    int rounds = 9, cli_count = 0;
    const char *clis[MAX_CLIS];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
            entries = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--cli") == 0 && i + 1 < argc && cli_count < MAX_CLIS)
            clis[cli_count++] = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--entries N] [--rounds N] [--cli PATH]...\n", argv[0]);
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 9;
    static char default_cli[4096];
    if (cli_count == 0) {
        const char *slash = strrchr(argv[0], '/');
        snprintf(default_cli, sizeof default_cli, "%.*s/../perfbudget",
                 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
        clis[cli_count++] = default_cli;
    }
    size_t size;
    char *text = generate(entries, &size);
    char path[] = "/tmp/budget_scale_XXXXXX";
    int fd = text ? mkstemp(path) : -1;
    if (fd < 0 || write(fd, text, size) != (ssize_t)size || close(fd) != 0) {
        fprintf(stderr, "budget_scale: cannot write the budget file\n");
        return 1;
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 1;
    static double yaml_wall[MAX_ROUNDS], yaml_cpu[MAX_ROUNDS], api_wall[MAX_ROUNDS],
        api_cpu[MAX_ROUNDS], cli_wall[MAX_CLIS][MAX_ROUNDS], cli_cpu[MAX_CLIS][MAX_ROUNDS],
        cli_rss[MAX_CLIS][MAX_ROUNDS];
    int status = 0;
    for (int r = 0; r < rounds && status == 0; r++) {
        double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
        status |= libyaml_events(text, size);
        yaml_wall[r] = seconds(CLOCK_MONOTONIC) - wall;
        yaml_cpu[r] = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
        wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
        perfbudget_budget *budget = NULL;
        if (perfbudget_budget_new_from_text(ctx, text, size, path, &budget, NULL, 0, NULL) !=
            PERFBUDGET_OK) {
            fprintf(stderr, "budget_scale: %s\n", perfbudget_errmsg(ctx));
            status = -1;
        }
        perfbudget_budget_free(budget);
        api_wall[r] = seconds(CLOCK_MONOTONIC) - wall;
        api_cpu[r] = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
        for (int c = 0; c < cli_count && status == 0; c++)
            if (run_validate(clis[c], path, &cli_wall[c][r], &cli_cpu[c][r], &cli_rss[c][r]) !=
                0) {
                fprintf(stderr, "budget_scale: %s validate %s failed\n", clis[c], path);
                status = -1;
            }
    }
    if (status == 0) {
        printf("budget file: %zu entries, %zu bytes; %d rounds, median (min .. max)\n", entries,
               size, rounds);
        print_row("libyaml events only, wall", "ms", 1e3, yaml_wall, rounds);
        print_row("libyaml events only, CPU", "ms", 1e3, yaml_cpu, rounds);
        print_row("perfbudget_budget_new_from_text, wall", "ms", 1e3, api_wall, rounds);
        print_row("perfbudget_budget_new_from_text, CPU", "ms", 1e3, api_cpu, rounds);
        for (int c = 0; c < cli_count; c++) {
            char what[128];
            printf("%s validate:\n", clis[c]);
            snprintf(what, sizeof what, "  wall");
            print_row(what, "ms", 1e3, cli_wall[c], rounds);
            snprintf(what, sizeof what, "  CPU (user + system)");
            print_row(what, "ms", 1e3, cli_cpu[c], rounds);
            snprintf(what, sizeof what, "  peak RSS");
            print_row(what, "MiB", 1.0 / 1024, cli_rss[c], rounds);
        }
    }
    unlink(path);
    free(text);
    perfbudget_context_free(ctx);
    return status == 0 ? 0 : 1;
}
