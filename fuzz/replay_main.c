/* SPDX-License-Identifier: MIT */
/* Runs a fuzz target's LLVMFuzzerTestOneInput over files without libFuzzer, so the inputs kept
 * in fuzz/regressions/ (and the seed corpora) run in the ordinary test suite, with any compiler.
 * Arguments are files or directories (their regular files, not recursively); a target that
 * crashes takes this process with it, which ctest reports. Exit status 1 when an argument
 * cannot be read or no file was found. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t size = 0, capacity = 4096;
    uint8_t *data = malloc(capacity);
    size_t got;
    while (data != NULL && (got = fread(data + size, 1, capacity - size, f)) > 0) {
        size += got;
        if (size == capacity) {
            uint8_t *bigger = realloc(data, capacity *= 2);
            if (bigger == NULL) free(data);
            data = bigger;
        }
    }
    int failed = data == NULL || ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(data);
        return -1;
    }
    /* An exact-size copy, as libFuzzer gives, so a read past the end is seen by ASan. */
    uint8_t *exact = malloc(size ? size : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    printf("%s (%zu bytes)\n", path, size);
    fflush(stdout); /* the name is out before a crash */
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a directory, in name order so runs repeat. */
static int run_directory(const char *dir, size_t *files) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char **paths = NULL;
    size_t count = 0, capacity = 0;
    int status = 0;
    struct dirent *e;
    while (status == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t length = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(length);
        struct stat st;
        if (path == NULL) {
            status = -1;
            break;
        }
        snprintf(path, length, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (count == capacity) {
            char **more = realloc(paths, (capacity = capacity ? 2 * capacity : 64) * sizeof *more);
            if (more == NULL) {
                free(path);
                status = -1;
                break;
            }
            paths = more;
        }
        paths[count++] = path;
    }
    closedir(d);
    if (count) qsort(paths, count, sizeof *paths, compare_names);
    for (size_t i = 0; i < count; i++) {
        if (status == 0) status = run_file(paths[i]);
        free(paths[i]);
    }
    free(paths);
    *files += count;
    return status;
}

int main(int argc, char **argv) {
    size_t files = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        int status = S_ISDIR(st.st_mode) ? run_directory(argv[i], &files)
                                         : (files++, run_file(argv[i]));
        if (status != 0) return 1;
    }
    if (files == 0) {
        fprintf(stderr, "%s: no input files\n", argc > 0 ? argv[0] : "replay");
        return 1;
    }
    printf("%zu inputs ran\n", files);
    return 0;
}
