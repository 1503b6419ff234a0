/* SPDX-License-Identifier: MIT */
/* The spool: runs a PostgreSQL history could not take wait here, as result files, until the next
 * run recorded there (or `perfbudget history push`) sends them. Nothing is lost when the database
 * cannot be reached. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_store.h"
#include "internal.h"

const char *perfbudget_history_spool_directory(void) {
    const char *directory = getenv("PERFBUDGET_SPOOL_DIR");
    return directory != NULL && directory[0] != '\0' ? directory : ".perfbudget/spool";
}

/* Keeps a run the history at location could not take: NAME.json, its results as a result file,
 * then NAME.run, what else the history records of it (JSON), which marks it complete. *kept:
 * NAME.json. */
int perfbudget_history_spool_run(perfbudget_context *ctx, const char *location,
                                 const perfbudget_run_info *info, int64_t created_ns,
                                 perfbudget_result *const *results, size_t count, char *kept,
                                 size_t size) {
    const char *directory = perfbudget_history_spool_directory();
    if (perfbudget_output_make_directory(NULL, directory) != PERFBUDGET_OK)
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create the spool %s: %s", directory,
                                strerror(errno));
    char name[4200], marker[4300], temporary[4300];
    snprintf(name, sizeof name, "%s/run-%020lld-%ld", directory, (long long)created_ns,
             (long)getpid());
    snprintf(kept, size, "%s.json", name);
    snprintf(marker, sizeof marker, "%s.run", name);
    snprintf(temporary, sizeof temporary, "%s.run.tmp", name);
    int code = perfbudget_results_write_json(ctx, kept, "spool", results, count);
    if (code != PERFBUDGET_OK) return code;
    char *shown = perfbudget_history_shown_location(location);
    json_t *run = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:b, s:s?}", "history", shown ? shown : "",
                            "created_ns", (json_int_t)created_ns, "source", info->source,
                            "commit", info->commit, "branch", info->branch, "dirty", info->dirty,
                            "environment", info->environment);
    free(shown);
    if (run == NULL || json_dump_file(run, temporary, JSON_COMPACT) != 0 ||
        rename(temporary, marker) != 0) {
        json_decref(run);
        unlink(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write %s", marker);
    }
    json_decref(run);
    return PERFBUDGET_OK;
}

static int spooled_run(const struct dirent *entry) {
    size_t length = strlen(entry->d_name);
    return length > 4 && strcmp(entry->d_name + length - 4, ".run") == 0;
}

int perfbudget_history_push_spool(perfbudget_context *ctx, perfbudget_history *history,
                                  const char *location, size_t *sent) {
    *sent = 0;
    const char *directory = perfbudget_history_spool_directory();
    struct dirent **entries;
    int n = scandir(directory, &entries, spooled_run, alphasort); /* oldest first */
    if (n < 0) return errno == ENOENT ? PERFBUDGET_OK
                                      : perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot read the "
                                                         "spool %s: %s", directory, strerror(errno));
    char *shown = perfbudget_history_shown_location(location);
    int code = shown != NULL ? PERFBUDGET_OK : PERFBUDGET_ENOMEM;
    for (int i = 0; i < n; i++) {
        char marker[4400], results_file[4400];
        snprintf(marker, sizeof marker, "%s/%s", directory, entries[i]->d_name);
        snprintf(results_file, sizeof results_file, "%.*s.json", (int)strlen(marker) - 4, marker);
        free(entries[i]);
        if (code != PERFBUDGET_OK) continue;
        json_t *run = json_load_file(marker, 0, NULL);
        const char *for_history = json_string_value(json_object_get(run, "history"));
        /* Another history's runs wait for it. */
        if (for_history == NULL || strcmp(for_history, shown) != 0) {
            json_decref(run);
            continue;
        }
        perfbudget_run_info info = {
            .source = json_string_value(json_object_get(run, "source")),
            .commit = json_string_value(json_object_get(run, "commit")),
            .branch = json_string_value(json_object_get(run, "branch")),
            .dirty = json_is_true(json_object_get(run, "dirty")),
            .environment = json_string_value(json_object_get(run, "environment"))};
        perfbudget_result **results = NULL;
        size_t count = 0;
        int was_there = 0;
        code = perfbudget_results_new_from_file(ctx, results_file, &results, &count);
        /* Another process sending the spool at once took this run (and removed its files). */
        if (code != PERFBUDGET_OK && access(marker, F_OK) != 0) {
            json_decref(run);
            code = PERFBUDGET_OK;
            continue;
        }
        /* A run the history has already (sent before a crash left its files here, or by
         * another process sending the spool at once) is not added again. */
        if (code == PERFBUDGET_OK)
            code = perfbudget__history_add_run_once(
                history, &info, json_integer_value(json_object_get(run, "created_ns")), results,
                count, NULL, &was_there);
        if (code == PERFBUDGET_OK) {
            unlink(marker); /* first: a run without its marker is never sent */
            unlink(results_file);
            if (!was_there) ++*sent;
        }
        perfbudget_results_free(results, count);
        json_decref(run);
    }
    free(entries);
    free(shown);
    return code;
}
