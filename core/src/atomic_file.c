/* SPDX-License-Identifier: MIT */
/* The output rule (perfbudget/output.h): a regular file or a new path is replaced atomically
 * (temporary file in the same directory, fsync, rename, fsync of the directory), so a reader, a
 * crash or SIGKILL at any moment sees the old file or the new one; a device or a FIFO is
 * written in place, since renaming over it would replace the node itself (/dev/null, as root);
 * anything else is refused. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

enum { MAX_LINKS = 40 }; /* as the kernel's ELOOP limit */

/* Where a path leads once its symbolic links are followed. */
typedef struct output_target {
    char *path;       /* the file the links end at: what is replaced, or created */
    struct stat info; /* valid when exists */
    int exists;
    int open_file;    /* a link of /proc (/dev/stdout, /dev/fd/N) to a process's open file */
} output_target;

/* The directory part of path, "." for a bare name; a new string. */
static char *directory_of(const char *path) {
    size_t length = strlen(path);
    char *directory = malloc(length + 2);
    if (directory == NULL) return NULL;
    memcpy(directory, path, length + 1);
    char *slash = strrchr(directory, '/');
    if (slash == NULL) strcpy(directory, ".");
    else if (slash == directory) slash[1] = '\0';
    else *slash = '\0';
    return directory;
}

/* The target of the link at link_path, as a path usable from here; a new string. */
static char *follow_link(const char *link_path, int *error) {
    char target[PATH_MAX];
    ssize_t length = readlink(link_path, target, sizeof target - 1);
    if (length < 0) {
        *error = errno;
        return NULL;
    }
    target[length] = '\0';
    char *directory = target[0] == '/' ? NULL : directory_of(link_path);
    size_t size = (directory ? strlen(directory) + 1 : 0) + (size_t)length + 1;
    char *next = (target[0] == '/' || directory != NULL) ? malloc(size) : NULL;
    if (next != NULL)
        snprintf(next, size, "%s%s%s", directory ? directory : "", directory ? "/" : "", target);
    free(directory);
    if (next == NULL) *error = ENOMEM;
    return next;
}

/* Follows path's symbolic links one by one, not with realpath(): a link of /proc names a
 * process's open file ("pipe:[123]" is no path), which only the kernel can follow. */
static int resolve_target(const char *path, output_target *out, int *error) {
    memset(out, 0, sizeof *out);
    struct stat proc;
    int have_proc = stat("/proc/self", &proc) == 0;
    char *current = strdup(path);
    for (int hop = 0; current != NULL && hop <= MAX_LINKS; hop++) {
        struct stat info;
        if (lstat(current, &info) != 0) {
            if (errno != ENOENT) break;
            out->path = current; /* a new file, or the missing target of a link */
            return 0;
        }
        if (!S_ISLNK(info.st_mode)) {
            out->path = current;
            out->info = info;
            out->exists = 1;
            return 0;
        }
        if (have_proc && info.st_dev == proc.st_dev) {
            out->open_file = 1;
            out->path = current;
            out->exists = stat(current, &out->info) == 0;
            if (out->exists) return 0;
            break;
        }
        char *next = follow_link(current, error);
        free(current);
        if (next == NULL) return -1;
        current = next;
        if (hop == MAX_LINKS) errno = ELOOP;
    }
    *error = current == NULL ? ENOMEM : errno;
    free(current);
    return -1;
}

static const char *kind_of(mode_t mode) {
    return S_ISDIR(mode)    ? "a directory"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISBLK(mode)  ? "a block device"
                            : "not a regular file";
}

static int refuse(perfbudget_context *ctx, const char *path, mode_t mode) {
    return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                            "cannot write %s: it is %s; an output is a regular file or a new "
                            "path, a character device, a FIFO, or - for standard output; left "
                            "unchanged",
                            path, kind_of(mode));
}

static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t written = write(fd, data, size);
        if (written < 0 && errno != EINTR) return errno;
        if (written > 0) data += written, size -= (size_t)written;
    }
    return 0;
}

/* Creates "<path>.tmp.<pid>.<n>" exclusively. open() with 0666 lets the umask decide the mode,
 * as for any new file, without the process-wide umask() dance mkstemp's 0600 would need. */
static int create_temporary(const char *path, char *temporary, size_t size) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t salt = (uint64_t)now.tv_nsec ^ ((uint64_t)(uintptr_t)temporary << 16);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(temporary, size, "%s.tmp.%ld.%llx", path, (long)getpid(),
                 (unsigned long long)(salt + (uint64_t)attempt));
        int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

/* The rename is durable only once the directory is on disk too; a failure here loses no data
 * (the file is complete either way), so it is not reported. */
static void sync_directory(const char *path) {
    char *directory = directory_of(path);
    int fd = directory ? open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(directory);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

/* shown: the path as the caller gave it, for messages; target->path: the file replaced. */
static int replace_atomically(perfbudget_context *ctx, const char *shown,
                              const output_target *target, const char *data, size_t size) {
    const char *path = target->path;
    size_t capacity = strlen(path) + sizeof ".tmp.4294967295.ffffffffffffffff";
    char *temporary = malloc(capacity);
    if (temporary == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    int fd = create_temporary(path, temporary, capacity);
    if (fd < 0) {
        int error = errno;
        free(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create %s: %s", shown,
                                strerror(error));
    }
    /* A file the user made read-only to others, say, keeps its mode when replaced. */
    if (target->exists) fchmod(fd, target->info.st_mode & 07777);
    int error = write_all(fd, data, size);
    /* fsync before rename: otherwise a crash after the rename can leave an empty file behind
     * the new name on ext4 and XFS. */
    if (error == 0 && fsync(fd) != 0) error = errno;
    if (close(fd) != 0 && error == 0) error = errno;
    /* Looked at again just before the rename: what took the path's place meanwhile (a device
     * node, a directory) is not replaced either. */
    struct stat now;
    int changed = error == 0 && lstat(path, &now) == 0 && !S_ISREG(now.st_mode);
    if (error == 0 && !changed && rename(temporary, path) != 0) error = errno;
    if (error != 0 || changed) {
        unlink(temporary);
        free(temporary);
        if (changed) return refuse(ctx, shown, now.st_mode);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write %s: %s; the file is unchanged",
                                shown, strerror(error));
    }
    free(temporary);
    sync_directory(path);
    return PERFBUDGET_OK;
}

/* A device or a FIFO keeps its node: opened, never created, never renamed over. */
static int write_in_place(perfbudget_context *ctx, const char *shown, const output_target *target,
                          const char *data, size_t size) {
    /* An open file named through /proc is appended to, as its owner's standard output would be:
     * `--output /dev/stdout >> log` must not overwrite the log. */
    int append = target->open_file && S_ISREG(target->info.st_mode) ? O_APPEND : 0;
    int fd = open(target->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | append);
    if (fd < 0)
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot open %s for writing: %s", shown,
                                strerror(errno));
    struct stat opened;
    int error = fstat(fd, &opened) != 0 ? errno : 0;
    if (error == 0 && (opened.st_mode & S_IFMT) != (target->info.st_mode & S_IFMT)) {
        close(fd);
        return refuse(ctx, shown, opened.st_mode);
    }
    if (error == 0) error = write_all(fd, data, size);
    if (close(fd) != 0 && error == 0) error = errno;
    return error == 0 ? PERFBUDGET_OK
                      : perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write %s: %s", shown,
                                         strerror(error));
}

int perfbudget_output_make_directory(perfbudget_context *ctx, const char *path) {
    if (path == NULL || path[0] == '\0')
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "make_directory: no path");
    char copy[PATH_MAX];
    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy) {
        errno = ENAMETOOLONG;
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create %s: %s", path,
                                strerror(errno));
    }
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char end = *p;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            int cause = errno;
            perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create %s: %s", copy, strerror(cause));
            errno = cause;
            return PERFBUDGET_EIO;
        }
        if (end == '\0') return PERFBUDGET_OK;
        *p = end;
    }
}

int perfbudget_output_write(perfbudget_context *ctx, const char *path, const char *data,
                            size_t size) {
    if (path == NULL || (data == NULL && size > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "output_write: NULL argument");
    if (path[0] == '\0')
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "cannot write an output to an empty path; give a file, or - for "
                                "standard output");
    if (strcmp(path, "-") == 0) {
        /* Through stdio, so that it follows whatever the program printed there before. */
        if ((size > 0 && fwrite(data, 1, size, stdout) != size) || fflush(stdout) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write standard output: %s",
                                    strerror(errno));
        return PERFBUDGET_OK;
    }
    output_target target;
    int error = 0;
    if (resolve_target(path, &target, &error) != 0)
        return perfbudget__fail(ctx, error == ENOMEM ? PERFBUDGET_ENOMEM : PERFBUDGET_EIO,
                                "cannot write %s: %s", path, strerror(error));
    mode_t type = target.info.st_mode & S_IFMT;
    int code;
    if (!target.exists || (type == S_IFREG && !target.open_file))
        code = replace_atomically(ctx, path, &target, data, size);
    else if (type == S_IFCHR || type == S_IFIFO || type == S_IFREG)
        code = write_in_place(ctx, path, &target, data, size);
    else
        code = refuse(ctx, path, target.info.st_mode);
    free(target.path);
    return code;
}

int perfbudget_step_summary_append(perfbudget_context *ctx, const char *markdown) {
    if (markdown == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "step_summary_append: NULL argument");
    const char *summary = getenv("GITHUB_STEP_SUMMARY");
    if (summary == NULL || summary[0] == '\0') return PERFBUDGET_OK;
    /* Appended, not replaced: the job's other steps write there too. */
    FILE *f = fopen(summary, "a");
    int failed = f == NULL;
    if (f != NULL) {
        failed = fputs(markdown, f) == EOF || fputc('\n', f) == EOF;
        failed |= fclose(f) != 0;
    }
    return failed ? perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot append to %s: %s", summary,
                                     strerror(errno))
                  : PERFBUDGET_OK;
}
