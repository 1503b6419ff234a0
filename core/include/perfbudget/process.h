/* SPDX-License-Identifier: MIT */
/* Supervision of the processes a front end starts (the CLI's measured commands, the suite
 * runner's child): wait with a time limit and a way to cancel, and kill whatever they leave
 * behind. POSIX; the orphan adoption and the environment markers work on Linux. */
#ifndef PERFBUDGET_PROCESS_H
#define PERFBUDGET_PROCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perfbudget/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The name of a signal: "SIGSEGV" for 11, ...; "an unnamed signal" for others.
 *  Returns static text. */
PERFBUDGET_API const char *perfbudget_signal_name(int signal);

/** For a program that spawns only measured commands (the CLI): become the subreaper of what
 *  they leave behind (Linux; elsewhere nothing), so that an orphaned daemon comes back to this
 *  process instead of init, for perfbudget_process_kill_adopted(). */
PERFBUDGET_API void perfbudget_process_adopt_orphans(void);

/** Kill and reap every child of this process still there (adopted orphans included).
 *  Returns how many were killed. */
PERFBUDGET_API int perfbudget_process_kill_adopted(void);

/** Kill every process but this one with marker ("NAME=value") in its environment.
 *  Returns how many there were: Linux (/proc); elsewhere 0. */
PERFBUDGET_API int perfbudget_process_kill_marked(const char *marker);

/** Wait for pid (a forked measuring process) up to timeout_ns (0: forever) or until cancel_fd
 *  (-1: none) is readable, kill it then, and afterwards whatever it left: processes carrying
 *  marker ("NAME=value", may be NULL) in their environment and children adopted by this
 *  subreaper. Returns its exit code (0-2); -1 with the reason in reason (size bytes): a signal,
 *  another exit code, a timeout, processes left behind; -2 when cancel_fd became readable (all
 *  of it killed). */
PERFBUDGET_API int perfbudget_process_supervise(pid_t pid, uint64_t timeout_ns, int cancel_fd,
                                                const char *marker, char *reason, size_t size);

#ifdef __cplusplus
}
#endif

#endif
