/* SPDX-License-Identifier: MIT */
/* Whole commands, measured as hyperfine does: each run its own process, timed by wait4(). */
#ifndef PERFBUDGET_COMMAND_H
#define PERFBUDGET_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How to run and measure a command. */
typedef struct perfbudget_command_options {
    /** sizeof(perfbudget_command_options) as the caller was compiled;
     *  perfbudget_command_options_init() sets it. The core reads and writes the fields within it
     *  only, and refuses a size it does not know (PERFBUDGET_EINVAL); fields are only ever
     *  added at the end. */
    size_t struct_size;
    uint32_t warmup_runs;          /**< discarded runs first (default 1) */
    uint32_t runs;                 /**< measured runs (default 10) */
    uint64_t timeout_ns;           /**< per run; 0 = none (default 60 s) */
    const char *working_directory; /**< NULL: the current one */
    int use_shell;                 /**< 1: argv[0] is a command line for /bin/sh -c */
    size_t output_limit;           /**< bytes of a failing run's output kept (default 64 KiB) */
    const char *stdout_path;       /**< NULL: capture stdout with stderr; else write it here */
    /** -1 (default): none. Else a descriptor the caller makes readable to stop measuring (a
     *  signalfd, a self-pipe's read end): the running command's process group and whatever it
     *  started are killed, and PERFBUDGET_EINTERRUPTED is returned. Polled, never read. */
    int cancel_fd;
} perfbudget_command_options;

/** Fill opts with the defaults above and set its struct_size. */
PERFBUDGET_API void perfbudget_command_options_init(perfbudget_command_options *opts);

/** Run argv (no shell unless opts->use_shell) warm-up plus measured times, each in its own process
 *  group with stdin from /dev/null and stdout+stderr captured: wall time, user+system CPU and
 *  peak RSS per run from wait4(). A run that exits non-zero, dies from a signal, times out (the
 *  whole process group is killed) or leaves processes behind ends measuring and makes the result
 *  PERFBUDGET_RUN_FAILED with the reason as its message and the run's output kept
 *  (perfbudget_result_output()). Samples are ns per run.
 *  Returns PERFBUDGET_OK (check the result's status), PERFBUDGET_EINVAL (also for a
 *  working_directory that is not an enterable directory, named in the message),
 *  PERFBUDGET_EIO (waiting for a run, or the file for stdout_path), PERFBUDGET_ENOMEM, or
 *  PERFBUDGET_EINTERRUPTED once opts->cancel_fd became readable.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_command_measure(perfbudget_context *ctx, const char *name,
                                              char *const argv[],
                                              const perfbudget_command_options *opts,
                                              perfbudget_result **out);

#ifdef __cplusplus
}
#endif

#endif
