/* SPDX-License-Identifier: MIT */
/* perfbudget baseline save|list|export|import: named runs in the history, and files a
 * repository can commit. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

/* The exported file: the result file of the run with, beside it, the environment it was
 * measured on. Composed in memory and written once, atomically: a crash, a full disk or a
 * second export to the same file leaves the old file or the whole new one. */
static int export_text(perfbudget_context *ctx, const perfbudget_run_record *run, const char *name,
                       perfbudget_result *const *results, size_t count, char **out) {
    char suite[160] = "baseline ";
    perfbudget_text_copy_utf8(suite + 9, sizeof suite - 9, name); /* whole characters: JSON */
    char *results_text;
    int code = perfbudget_results_to_json_text(ctx, suite, results, count, &results_text);
    if (code != PERFBUDGET_OK) return code;
    json_t *root = json_loads(results_text, 0, NULL);
    free(results_text);
    if (root != NULL)
        json_object_set_new(root, "baseline",
                            json_pack("{s:s, s:I, s:s, s:s, s:s, s:b, s:I}", "name", name,
                                      "run_id", (json_int_t)run->id, "environment",
                                      run->environment, "commit", run->commit, "branch",
                                      run->branch, "dirty", run->dirty, "created_ns",
                                      (json_int_t)run->created_ns));
    const size_t flags = JSON_INDENT(1) | JSON_REAL_PRECISION(17);
    *out = root ? perfbudget_text_json_printable(json_dumps(root, flags)) : NULL;
    json_decref(root);
    if (*out != NULL) return PERFBUDGET_OK;
    fprintf(stderr, "perfbudget baseline: out of memory\n");
    return -1; /* said here: the context holds no message for it */
}

static int export_baseline(perfbudget_context *ctx, perfbudget_history *history, const char *name,
                           const char *file) {
    int64_t run_id;
    char why[512];
    if (perfbudget_history_find(history, name, NULL, NULL, &run_id, why, sizeof why) !=
        PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", why);
        return 2;
    }
    perfbudget_run_record run;
    perfbudget_result **results;
    size_t count;
    if (perfbudget_history_run(history, run_id, &run) != PERFBUDGET_OK ||
        perfbudget_history_load_baseline(history, name, run_id, &results, &count) !=
            PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char *text = NULL;
    int code = export_text(ctx, &run, name, results, count, &text);
    perfbudget_results_free(results, count);
    if (code == PERFBUDGET_OK) code = perfbudget_output_write(ctx, file, text, strlen(text));
    free(text);
    if (code != PERFBUDGET_OK) {
        if (code > 0) fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char shown_name[256], shown_file[4096];
    /* With - the file is standard output, which must hold the JSON alone. */
    fprintf(strcmp(file, "-") == 0 ? stderr : stdout,
            "baseline '%s' (run %lld, %zu benchmarks) exported to %s\n",
            perfbudget_text_shown(name, shown_name, sizeof shown_name), (long long)run_id, count,
            perfbudget_text_shown(file, shown_file, sizeof shown_file));
    return 0;
}

static const char *text_of(const json_t *object, const char *key) {
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "";
}

/* Where another tool's file says it was measured, as perfbudget_environment_fingerprint()
 * composes it, so that the environment check compares like with like.
 * pytest-benchmark's machine_info names host, CPU, cores, OS, kernel, machine and Python (the
 * pytest plugin's toolchain). Google Benchmark's context names the host and cores only: on
 * this host with as many cores it is this machine's fingerprint, elsewhere the fingerprint of
 * what it names (which then differs from every environment here, as it should). */
static void foreign_environment(const json_t *root, int google, char *out, size_t size) {
    if (google) {
        const json_t *context = json_object_get(root, "context");
        const char *host = text_of(context, "host_name");
        json_int_t cores = json_integer_value(json_object_get(context, "num_cpus"));
        char *here_text = perfbudget_environment_json_text();
        json_t *here = here_text ? json_loads(here_text, 0, NULL) : NULL;
        perfbudget_free(here_text);
        int same = here != NULL && host[0] != '\0' &&
                   strcmp(host, text_of(here, "host")) == 0 &&
                   cores == json_integer_value(json_object_get(here, "cpu_count"));
        json_decref(here);
        if (same) perfbudget_environment_fingerprint(NULL, out, size);
        else snprintf(out, size, "host=%s; cpu=unknown; cores=%lld; os=unknown; toolchain=unknown",
                      host[0] ? host : "unknown", (long long)cores);
        return;
    }
    const json_t *machine = json_object_get(root, "machine_info");
    if (!json_is_object(machine)) return;
    const json_t *cpu = json_object_get(machine, "cpu");
    const char *model = text_of(cpu, "brand_raw");
    if (model[0] == '\0') model = text_of(cpu, "brand");
    snprintf(out, size, "host=%s; cpu=%s; cores=%lld; os=%s %s %s; toolchain=%s %s",
             text_of(machine, "node"), model[0] ? model : "unknown",
             (long long)json_integer_value(json_object_get(cpu, "count")),
             text_of(machine, "system"), text_of(machine, "release"), text_of(machine, "machine"),
             text_of(machine, "python_implementation"), text_of(machine, "python_version"));
}

static int import_baseline(perfbudget_context *ctx, perfbudget_history *history, const char *file,
                           const char *name) {
    /* The file's name and the name it is saved under reach the terminal: shown, never raw. */
    char shown_file[4096], shown_name[256], shown_error[512];
    perfbudget_text_shown(file, shown_file, sizeof shown_file);
    perfbudget_text_shown(name, shown_name, sizeof shown_name);
    json_error_t error;
    json_t *root = json_load_file(file, 0, &error);
    if (root == NULL) {
        fprintf(stderr, "perfbudget baseline: %s:%d:%d: %s\n", shown_file, error.line,
                error.column, perfbudget_text_shown(error.text, shown_error, sizeof shown_error));
        return 2;
    }
    const char *schema = json_string_value(json_object_get(root, "schema"));
    int ours = schema != NULL && strcmp(schema, "perfbudget-result") == 0;
    /* Another tool's file: Google Benchmark's has a context, pytest-benchmark's the rest. */
    int google = !ours && json_is_object(json_object_get(root, "context")) &&
                 json_object_get(root, "machine_info") == NULL;
    const json_t *recorded = json_object_get(root, "baseline");
    char environment[512] = "", commit[64] = "", branch[128] = "";
    int dirty = 0;
    if (json_is_object(recorded)) {
        snprintf(environment, sizeof environment, "%s",
                 text_of(recorded, "environment"));
        snprintf(commit, sizeof commit, "%s", text_of(recorded, "commit"));
        snprintf(branch, sizeof branch, "%s", text_of(recorded, "branch"));
        dirty = json_is_true(json_object_get(recorded, "dirty"));
    } else if (!ours) {
        foreign_environment(root, google, environment, sizeof environment);
        const json_t *commit_info = json_object_get(root, "commit_info"); /* pytest-benchmark */
        /* outside a repository it writes "unversioned" and "(unknown)": no commit, no branch */
        const char *id = text_of(commit_info, "id"), *on = text_of(commit_info, "branch");
        snprintf(commit, sizeof commit, "%s", strcmp(id, "unversioned") == 0 ? "" : id);
        snprintf(branch, sizeof branch, "%s", strcmp(on, "(unknown)") == 0 ? "" : on);
        dirty = json_is_true(json_object_get(commit_info, "dirty"));
    }
    json_decref(root);
    perfbudget_result **results = NULL;
    size_t count = 0;
    int code = ours ? perfbudget_results_new_from_file(ctx, file, &results, &count)
                    : perfbudget_results_new_imported(ctx, file,
                                                google ? "google-benchmark" : "pytest-benchmark",
                                                NULL, &results, &count);
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    if (environment[0] == '\0')
        printf("note: %s does not say where it was measured; it is taken as measured on this "
               "environment\n", shown_file);
    perfbudget_run_info info = {.source = "import",
                                .commit = commit[0] ? commit : NULL,
                                .branch = branch[0] ? branch : NULL,
                                .dirty = dirty,
                                .environment = environment[0] ? environment : NULL};
    int64_t run_id;
    int exit_code = 0;
    if (perfbudget_history_add_run(history, &info, results, count, &run_id) != PERFBUDGET_OK ||
        perfbudget_history_save_baseline(history, name, run_id) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    } else {
        printf("imported %zu benchmarks from %s as run %lld, baseline '%s'\n", count, shown_file,
               (long long)run_id, shown_name);
    }
    perfbudget_results_free(results, count);
    return exit_code;
}

/* What the command line says. */
typedef struct baseline_args {
    cli_location location;
    const char *name; /* --name, for import */
    long long run;    /* --run, for save; 0: the latest */
    const char *positional[3]; /* the action and its operands */
    int positionals;
} baseline_args;

static int parse_run(perfbudget_context *ctx, void *record, const char *value, const char *from,
                     const char *program) {
    (void)ctx, (void)from;
    uint64_t number;
    if (cli_parse_count(value, INT64_MAX, &number) != 0 || number == 0) {
        fprintf(stderr, "%s: --run takes a run number\n", program);
        return 2;
    }
    ((baseline_args *)record)->run = (long long)number;
    return 0;
}

static int take_positional(perfbudget_context *ctx, void *record, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    baseline_args *a = record;
    if (a->positionals == 3) return -1;
    a->positional[a->positionals++] = value;
    return 0;
}

static const perfbudget_frontend_option baseline_options[] = {
    PERFBUDGET_FRONTEND_PARSED_ROW("--run", "ID", parse_run, NULL,
                                   "save: the run to name (default: the latest)"),
    PERFBUDGET_FRONTEND_TEXT_ROW("--name", "NAME", baseline_args, name,
                                 "import: the baseline's name (default: the file's base name)"),
};

static const perfbudget_frontend_option_group baseline_groups[] = {
    {cli_location_options, CLI_LOCATION_OPTIONS, offsetof(baseline_args, location)},
};

static const perfbudget_frontend_command baseline_command = {
    .program = "perfbudget baseline",
    .usage = "usage: perfbudget baseline save NAME [--run ID]   name a run (default: the latest)\n"
             "       perfbudget baseline list\n"
             "       perfbudget baseline export NAME FILE      a JSON file a repository can "
             "commit\n"
             "                 (- for standard output)\n"
             "       perfbudget baseline import FILE [--name NAME]",
    .summary = "Named runs of the history to compare with, and files a repository can commit.\n"
               "import takes a file from export, a perfbudget result file, or a pytest-benchmark\n"
               "or Google Benchmark JSON file (environment from its machine_info or context,\n"
               "commit from commit_info).",
    .options = baseline_options,
    .count = PERFBUDGET_FRONTEND_COUNT(baseline_options),
    .groups = baseline_groups,
    .group_count = PERFBUDGET_FRONTEND_COUNT(baseline_groups),
    .positional = take_positional,
    .bare_names = 1,
};

/* How many positional arguments the action takes, itself included; -1: no such action. */
static int arguments_of(const char *action) {
    return action == NULL                  ? -1
           : strcmp(action, "list") == 0   ? 1
           : strcmp(action, "save") == 0   ? 2
           : strcmp(action, "import") == 0 ? 2
           : strcmp(action, "export") == 0 ? 3
                                           : -1;
}

static int save_baseline(perfbudget_context *ctx, perfbudget_history *history, const char *name,
                         long long run) {
    if (perfbudget_history_save_baseline(history, name, run) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char shown[256];
    printf("baseline '%s' saved\n", perfbudget_text_shown(name, shown, sizeof shown));
    return 0;
}

static int list_baselines(perfbudget_context *ctx, perfbudget_history *history) {
    perfbudget_baseline_record records[256];
    size_t count;
    if (perfbudget_history_baselines(history, records, 256, &count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    for (size_t i = 0; i < count; i++) {
        perfbudget_run_record r;
        perfbudget_history_run(history, records[i].run_id, &r);
        char shown_name[4 * sizeof records[i].name], commit12[13], commit[64];
        char branch[4 * sizeof r.branch];
        snprintf(commit12, sizeof commit12, "%.12s", r.commit[0] ? r.commit : "-");
        perfbudget_text_shown(records[i].name, shown_name, sizeof shown_name);
        int pad = 24 - perfbudget_text_columns(shown_name);
        printf("%s%*s run %-6lld commit %-12s branch %s\n", shown_name, pad > 0 ? pad : 0, "",
               (long long)records[i].run_id, perfbudget_text_shown(commit12, commit,
                                                                   sizeof commit),
               perfbudget_text_shown(r.branch[0] ? r.branch : "-", branch, sizeof branch));
    }
    if (count == 0) printf("no baselines yet (perfbudget baseline save NAME)\n");
    return 0;
}

/* import FILE under --name, else the file's base name without its suffix. */
static int import_named(perfbudget_context *ctx, perfbudget_history *history, const char *file,
                        const char *name) {
    char stem[128];
    const char *base = strrchr(file, '/');
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : file);
    char *dot = strrchr(stem, '.');
    if (dot != NULL && dot != stem) *dot = '\0';
    /* Checked before anything is recorded: the default name comes from a file name, which may
     * be any bytes. */
    const char *checked = name ? name : stem;
    if (perfbudget_text_check_name(ctx, "baseline name", checked) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget baseline: %s (give one with --name)\n",
                perfbudget_errmsg(ctx));
        return 2;
    }
    return import_baseline(ctx, history, file, checked);
}

static int run_action(perfbudget_context *ctx, perfbudget_history *history,
                      const baseline_args *a) {
    const char *action = a->positional[0];
    if (strcmp(action, "save") == 0) return save_baseline(ctx, history, a->positional[1], a->run);
    if (strcmp(action, "list") == 0) return list_baselines(ctx, history);
    if (strcmp(action, "export") == 0)
        return export_baseline(ctx, history, a->positional[1], a->positional[2]);
    return import_named(ctx, history, a->positional[1], a->name);
}

int perfbudget_cli_baseline(int argc, char **argv) {
    baseline_args a = {.name = NULL};
    int parsed = cli_parse(&baseline_command, argc, argv, &a);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    const char *action = a.positional[0];
    if (arguments_of(action) != a.positionals) return cli_usage_error(&baseline_command);
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    int read_only = strcmp(action, "list") == 0 || strcmp(action, "export") == 0;
    perfbudget_history *history =
        cli_open_history(ctx, "perfbudget baseline", a.location.history_option,
                         a.location.budget_path, read_only);
    int exit_code = history == NULL ? 2 : run_action(ctx, history, &a);
    perfbudget_history_free(history);
    perfbudget_context_free(ctx);
    return exit_code;
}
