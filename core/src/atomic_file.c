/* SPDX-License-Identifier: MIT */
/* Atomic file replacement: temporary file, fsync, rename. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int perfbudget__write_file_atomic(perfbudget_context *ctx, const char *path, const char *data,
                                  size_t size) {
    size_t length = strlen(path);
    char *temporary = malloc(length + sizeof ".tmp.XXXXXX");
    if (temporary == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    memcpy(temporary, path, length);
    memcpy(temporary + length, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(temporary);
    if (fd < 0) {
        int error = errno;
        free(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create %s: %s", path,
                                strerror(error));
    }
    /* mkstemp creates 0600; a result file is an ordinary file, readable like any other. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    const char *cursor = data;
    size_t left = size;
    int error = 0;
    while (left > 0 && error == 0) {
        ssize_t written = write(fd, cursor, left);
        if (written < 0 && errno != EINTR) error = errno;
        if (written > 0) cursor += written, left -= (size_t)written;
    }
    if (error == 0 && fsync(fd) != 0) error = errno;
    if (close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && rename(temporary, path) != 0) error = errno;
    if (error != 0) {
        unlink(temporary);
        free(temporary);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot write %s: %s", path,
                                strerror(error));
    }
    free(temporary);
    return PERFBUDGET_OK;
}
