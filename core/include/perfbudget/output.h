/* SPDX-License-Identifier: MIT */
/* Where perfbudget writes its outputs (reports, result files, exported baselines): one rule for
 * every front end, so that no output ever replaces a file it does not own. */
#ifndef PERFBUDGET_OUTPUT_H
#define PERFBUDGET_OUTPUT_H

#include <stddef.h>

#include "perfbudget/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Write size bytes of data to path by the output rule:
 *  - a regular file or a path that does not exist is replaced atomically (a temporary file in
 *    the same directory, fsync, rename): a reader, a crash or a second writer sees the old file
 *    or the whole new one; an existing file keeps its permissions;
 *  - a symbolic link is followed, and the rule applies to the file it ends at (the link stays);
 *  - a character device (/dev/null, a terminal) or a FIFO is written in place, as is an open
 *    file named through /proc (/dev/stdout, /dev/fd/N: appended to, as standard output would
 *    be); "-" is standard output;
 *  - anything else (a directory, a socket, a block device) is refused, and left unchanged.
 *  Opening a FIFO waits for its reader, as any writer of a FIFO does.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL argument, or a path of a refused kind),
 *  PERFBUDGET_EIO (the message names the path and the cause; a regular file is then unchanged)
 *  or PERFBUDGET_ENOMEM. data is borrowed. */
PERFBUDGET_API int perfbudget_output_write(perfbudget_context *ctx, const char *path,
                                           const char *data, size_t size);

/** Create the directory path and any missing parents (mkdir -p, mode 0777 less the umask);
 *  nothing when it exists already.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL or empty path) or PERFBUDGET_EIO (errno kept;
 *  the message, when ctx is not NULL, names the directory and the cause). path is borrowed. */
PERFBUDGET_API int perfbudget_output_make_directory(perfbudget_context *ctx, const char *path);

/** On GitHub Actions, append markdown and a newline to the job summary (the file
 *  $GITHUB_STEP_SUMMARY names); nothing when that variable is unset or empty. Every front end's
 *  Markdown report goes there through this.
 *  Returns PERFBUDGET_OK (also when unset), PERFBUDGET_EINVAL (NULL) or PERFBUDGET_EIO (the
 *  message names the file). markdown is borrowed. */
PERFBUDGET_API int perfbudget_step_summary_append(perfbudget_context *ctx, const char *markdown);

#ifdef __cplusplus
}
#endif

#endif
