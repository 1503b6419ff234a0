/* SPDX-License-Identifier: MIT */
/* The environment a result was measured in: host, CPU, OS, compiler. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

static void cpu_model(char *out, size_t size) {
    snprintf(out, size, "unknown");
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *value = strchr(line, ':');
        if (value == NULL) break;
        value += strspn(value + 1, " \t") + 1;
        snprintf(out, size, "%.*s", (int)strcspn(value, "\n"), value);
        break;
    }
    fclose(file);
}

json_t *perfbudget__environment_json(void) {
    struct utsname name;
    char model[256];
    cpu_model(model, sizeof model);
    int have_name = uname(&name) == 0;
    json_t *env = json_object();
    if (env == NULL) return NULL;
    json_object_set_new(env, "host", json_string(have_name ? name.nodename : "unknown"));
    json_object_set_new(env, "os", json_string(have_name ? name.sysname : "unknown"));
    json_object_set_new(env, "kernel", json_string(have_name ? name.release : "unknown"));
    json_object_set_new(env, "machine", json_string(have_name ? name.machine : "unknown"));
    json_object_set_new(env, "cpu_model", json_string(model));
    json_object_set_new(env, "cpu_count", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
#if defined(__clang__)
    json_object_set_new(env, "compiler", json_string("clang " __clang_version__));
#elif defined(__GNUC__)
    json_object_set_new(env, "compiler", json_string("gcc " __VERSION__));
#else
    json_object_set_new(env, "compiler", json_string("unknown"));
#endif
    /* The build type of the code measured, as the front end knows it (a suite from how it was
     * compiled, add_perf_test from ctest's configuration): a Debug figure is no Release one. */
    const char *build_type = getenv("PERFBUDGET_BUILD_TYPE");
    if (build_type != NULL && build_type[0] != '\0')
        json_object_set_new(env, "build_type", json_string(build_type));
    return env;
}

char *perfbudget_environment_json_text(void) {
    json_t *environment = perfbudget__environment_json();
    char *text = environment ? json_dumps(environment, JSON_COMPACT) : NULL;
    json_decref(environment);
    return text;
}
