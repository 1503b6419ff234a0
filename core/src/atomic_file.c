/* SPDX-License-Identifier: MIT */
/* Atomic file replacement: temporary file in the same directory, fsync, rename, fsync of the
 * directory. A reader, a crash or SIGKILL at any moment sees the old file or the new one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

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
    size_t length = strlen(path);
    char *directory = malloc(length + 2);
    if (directory == NULL) return;
    memcpy(directory, path, length + 1);
    char *slash = strrchr(directory, '/');
    if (slash == NULL) strcpy(directory, ".");
    else if (slash == directory) slash[1] = '\0';
    else *slash = '\0';
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(directory);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

int perfbudget__write_file_atomic(perfbudget_context *ctx, const char *path, const char *data,
                                  size_t size) {
    size_t capacity = strlen(path) + sizeof ".tmp.4294967295.ffffffffffffffff";
    char *temporary = malloc(capacity);
    if (temporary == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    int fd = create_temporary(path, temporary, capacity);
    if (fd < 0) {
        int error = errno;
        free(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create %s: %s", path,
                                strerror(error));
    }
    /* A file the user made read-only to others, say, keeps its mode when replaced. */
    struct stat existing;
    if (stat(path, &existing) == 0 && S_ISREG(existing.st_mode))
        fchmod(fd, existing.st_mode & 07777);
    const char *cursor = data;
    size_t left = size;
    int error = 0;
    while (left > 0 && error == 0) {
        ssize_t written = write(fd, cursor, left);
        if (written < 0 && errno != EINTR) error = errno;
        if (written > 0) cursor += written, left -= (size_t)written;
    }
    /* fsync before rename: otherwise a crash after the rename can leave an empty file behind
     * the new name on ext4 and XFS. */
    if (error == 0 && fsync(fd) != 0) error = errno;
    if (close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && rename(temporary, path) != 0) error = errno;
    if (error != 0) {
        unlink(temporary);
        free(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write %s: %s; the file is unchanged",
                                path, strerror(error));
    }
    free(temporary);
    sync_directory(path);
    return PERFBUDGET_OK;
}
