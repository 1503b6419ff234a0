/* SPDX-License-Identifier: MIT */
/* perfbudget_main(): the command line of every suite executable. The only part of perfbudget
 * that prints, kept in its own library (perfbudget_main) so the core never does. */
#define _POSIX_C_SOURCE 200809L
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct main_options {
    int list;
    const char *filter;
    const char *json_path;
    const char *budget_path;
    perfbudget_run_options run;
} main_options;

static void usage(FILE *out, const char *program) {
    fprintf(out,
            "usage: %s [options]\n"
            "Run this suite's benchmarks and print a summary.\n\n"
            "  --list              print the benchmark names, one per line, and exit\n"
            "  --filter PATTERN    run only benchmarks whose name matches the glob PATTERN\n"
            "  --json FILE         write the results (samples, summary, metrics) as JSON\n"
            "  --budget FILE       judge the results against a perfbudget.yml budget file\n"
            "  --rounds N          minimum number of samples (default 30)\n"
            "  --min-time TIME     keep sampling at least this long (default 100ms)\n"
            "  --max-time TIME     cap per benchmark, calibration included (default 2s)\n"
            "  --warmup N|TIME     warm-up iterations, or a duration such as 50ms (default 10ms)\n"
            "  --no-counters       do not open hardware counters\n"
            "  --version           print perfbudget's version\n"
            "  --help              print this help\n\n"
            "Exit status: 0 all benchmarks ran (and met their budgets), 1 a benchmark failed,\n"
            "2 usage error.\n",
            program);
}

/* A TIME option: a duration with a unit ("250ms"); bare numbers are seconds. */
static int parse_time(perfbudget_context *ctx, const char *text, uint64_t *out) {
    perfbudget_quantity quantity;
    if (perfbudget_quantity_parse(ctx, text, &quantity) != PERFBUDGET_OK) return -1;
    if (quantity.kind == PERFBUDGET_QUANTITY_NUMBER) quantity.value *= 1e9;
    else if (quantity.kind != PERFBUDGET_QUANTITY_DURATION) return -1;
    if (quantity.value < 0) return -1;
    *out = (uint64_t)quantity.value;
    return 0;
}

static int parse_count(const char *text, uint64_t *out) {
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == '-') return -1;
    *out = value;
    return 0;
}

static int parse_args(perfbudget_context *ctx, int argc, char **argv, main_options *o) {
    memset(o, 0, sizeof *o);
    perfbudget_run_options_init(&o->run);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = 1, bad = 0;
        uint64_t number = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout, argv[0]);
            return 1;
        } else if (strcmp(arg, "--version") == 0) {
            printf("perfbudget %s\n", perfbudget_version());
            return 1;
        } else if (strcmp(arg, "--list") == 0) {
            o->list = 1;
            takes_value = 0;
        } else if (strcmp(arg, "--no-counters") == 0) {
            o->run.hardware_counters = 0;
            takes_value = 0;
        } else if (value == NULL && (strcmp(arg, "--filter") == 0 || strcmp(arg, "--json") == 0 ||
                                     strcmp(arg, "--budget") == 0 || strcmp(arg, "--rounds") == 0 ||
                                     strcmp(arg, "--min-time") == 0 ||
                                     strcmp(arg, "--max-time") == 0 ||
                                     strcmp(arg, "--warmup") == 0)) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], arg);
            return 2;
        } else if (strcmp(arg, "--filter") == 0) {
            o->filter = value;
        } else if (strcmp(arg, "--json") == 0) {
            o->json_path = value;
        } else if (strcmp(arg, "--budget") == 0) {
            o->budget_path = value;
        } else if (strcmp(arg, "--rounds") == 0) {
            bad = parse_count(value, &number) != 0 || number == 0 || number > UINT32_MAX;
            o->run.min_rounds = (uint32_t)number;
        } else if (strcmp(arg, "--min-time") == 0) {
            bad = parse_time(ctx, value, &o->run.min_time_ns) != 0;
        } else if (strcmp(arg, "--max-time") == 0) {
            bad = parse_time(ctx, value, &o->run.max_time_ns) != 0;
        } else if (strcmp(arg, "--warmup") == 0) {
            if (parse_count(value, &number) == 0) {
                o->run.warmup_iterations = number;
                o->run.warmup_ns = 0;
            } else {
                o->run.warmup_iterations = 0;
                bad = parse_time(ctx, value, &o->run.warmup_ns) != 0;
            }
        } else {
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], arg);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "%s: invalid value '%s' for %s\n", argv[0], value, arg);
            return 2;
        }
        i += takes_value;
    }
    return 0;
}

static int selected(const main_options *o, const char *name) {
    return o->filter == NULL || fnmatch(o->filter, name, 0) == 0;
}

static void print_header(int width) {
    printf("%-*s %14s %10s %10s %10s %7s %7s %10s %12s\n", width, "benchmark", "rounds x iters",
           "median", "p95", "p99", "MAD", "CPU", "peak mem", "instr/iter");
}

/* Right-align text in width columns, counting characters, not bytes ("µs" is one column). */
static void print_cell(const char *text, int width) {
    int columns = 0;
    for (const char *c = text; *c != '\0'; c++) columns += ((unsigned char)*c & 0xC0) != 0x80;
    printf(" %*s%s", width > columns ? width - columns : 0, "", text);
}

static void print_row(const perfbudget_result *r, int width) {
    const char *name = perfbudget_result_name(r);
    if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) {
        printf("%-*s %s: %s\n", width, name,
               perfbudget_result_status(r) == PERFBUDGET_RUN_SKIPPED ? "SKIPPED" : "FAILED",
               perfbudget_result_message(r));
        return;
    }
    const perfbudget_summary *s = perfbudget_result_summary(r);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    char median[32], p95[32], p99[32], mad[32], cpu[32], peak[32], instructions[32], shape[48];
    snprintf(shape, sizeof shape, "%llu x %llu", (unsigned long long)m->rounds,
             (unsigned long long)m->iterations_per_sample);
    perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, median, sizeof median);
    perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, p95, sizeof p95);
    perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, p99, sizeof p99);
    perfbudget_format_value(s->median > 0 ? 100.0 * s->mad / s->median : s->mad,
                            PERFBUDGET_UNIT_PERCENT, mad, sizeof mad);
    perfbudget_format_value(100.0 * m->cpu_utilization, PERFBUDGET_UNIT_PERCENT, cpu, sizeof cpu);
    perfbudget_format_value(m->peak_rss_bytes, PERFBUDGET_UNIT_BYTES, peak, sizeof peak);
    perfbudget_format_value(m->instructions_per_iteration, PERFBUDGET_UNIT_COUNT, instructions,
                            sizeof instructions);
    printf("%-*s %14s", width, name, shape);
    const char *cells[] = {median, p95, p99, mad, cpu, peak, instructions};
    const int widths[] = {10, 10, 10, 7, 7, 10, 12};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) print_cell(cells[i], widths[i]);
    putchar('\n');
}

int perfbudget_main(int argc, char **argv, const char *suite_name,
                    const perfbudget_benchmark_def *defs, size_t count) {
    perfbudget_context *ctx = NULL;
    perfbudget_suite *suite = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
        perfbudget_suite_new(ctx, suite_name, &suite) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        perfbudget_context_free(ctx);
        return 2;
    }
    int exit_code = 0;
    for (size_t i = 0; i < count && exit_code == 0; i++)
        if (perfbudget_suite_add(suite, &defs[i]) != PERFBUDGET_OK) {
            fprintf(stderr, "%s: %s\n", argv[0], perfbudget_errmsg(ctx));
            exit_code = 2;
        }
    main_options o;
    int parsed = exit_code == 0 ? parse_args(ctx, argc, argv, &o) : 2;
    if (parsed != 0) {
        perfbudget_suite_free(suite);
        perfbudget_context_free(ctx);
        return parsed == 1 ? 0 : 2;
    }
    if (o.list) {
        for (size_t i = 0; i < count; i++)
            if (selected(&o, defs[i].name)) printf("%s\n", defs[i].name);
        perfbudget_suite_free(suite);
        perfbudget_context_free(ctx);
        return 0;
    }
    perfbudget_result **results = calloc(count ? count : 1, sizeof *results);
    size_t ran = 0;
    int width = 9;
    for (size_t i = 0; i < count; i++)
        if (selected(&o, defs[i].name) && (int)strlen(defs[i].name) > width)
            width = (int)strlen(defs[i].name);
    if (results == NULL) exit_code = 2;
    if (exit_code == 0) print_header(width);
    for (size_t i = 0; i < count && exit_code != 2; i++) {
        if (!selected(&o, defs[i].name)) continue;
        fflush(stdout);
        if (perfbudget_suite_run(suite, i, &o.run, &results[ran]) != PERFBUDGET_OK) {
            fprintf(stderr, "%s: %s: %s\n", argv[0], defs[i].name, perfbudget_errmsg(ctx));
            exit_code = 2;
            break;
        }
        print_row(results[ran], width);
        if (perfbudget_result_status(results[ran]) == PERFBUDGET_RUN_FAILED) exit_code = 1;
        ran++;
    }
    if (ran == 0 && exit_code == 0 && o.filter != NULL) {
        fprintf(stderr, "%s: no benchmark matches '%s' (see --list)\n", argv[0], o.filter);
        exit_code = 2;
    }
    if (ran > 0 && perfbudget_result_counters_note(results[0])[0] != '\0')
        printf("instr/iter: %s\n", perfbudget_result_counters_note(results[0]));
    if (o.json_path != NULL && exit_code != 2 &&
        perfbudget_results_write_json(ctx, o.json_path, suite_name, results, ran) !=
            PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    for (size_t i = 0; i < ran; i++) perfbudget_result_free(results[i]);
    free(results);
    perfbudget_suite_free(suite);
    perfbudget_context_free(ctx);
    return exit_code;
}
