/* SPDX-License-Identifier: MIT */
/* Hardware counters through perf_event_open: user-space instructions and cycles. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#define PERFBUDGET__HAVE_PERF_EVENT 1
#endif

struct perfbudget_counters {
    int leader_fd; /* instructions; cycles is a member of its group */
    int cycles_fd;
};

#if PERFBUDGET__HAVE_PERF_EVENT
static int open_event(uint64_t config, int group_fd) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = config;
    attr.disabled = group_fd == -1;
    /* Kernel and hypervisor are excluded: allowed at perf_event_paranoid 2, and not ours. */
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_GROUP;
    return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

static const char *explain(int error) {
    switch (error) {
    case ENOENT:
    case ENODEV:
    case EOPNOTSUPP:
        return "the kernel exposes no hardware counters here (usual in VMs and hosted CI)";
    case EACCES:
    case EPERM:
        return "not permitted (see /proc/sys/kernel/perf_event_paranoid)";
    case ENOSYS:
        return "perf_event_open is not supported by this kernel";
    default:
        return "perf_event_open failed";
    }
}
#endif

int perfbudget_counters_open(perfbudget_context *ctx, perfbudget_counters **out) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "counters: out is NULL");
    *out = NULL;
#if PERFBUDGET__HAVE_PERF_EVENT
    int leader = open_event(PERF_COUNT_HW_INSTRUCTIONS, -1);
    if (leader < 0) {
        int error = errno;
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "instructions unavailable: %s (%s)",
                                explain(error), strerror(error));
    }
    int cycles = open_event(PERF_COUNT_HW_CPU_CYCLES, leader);
    if (cycles < 0) {
        int error = errno;
        close(leader);
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "cycles unavailable: %s (%s)",
                                explain(error), strerror(error));
    }
    perfbudget_counters *counters = malloc(sizeof *counters);
    if (counters == NULL) {
        close(cycles);
        close(leader);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "counters: out of memory");
    }
    counters->leader_fd = leader;
    counters->cycles_fd = cycles;
    ioctl(leader, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
    *out = counters;
    return PERFBUDGET_OK;
#else
    return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE,
                            "hardware counters are only supported on Linux");
#endif
}

void perfbudget_counters_free(perfbudget_counters *counters) {
    if (counters == NULL) return;
    close(counters->cycles_fd);
    close(counters->leader_fd);
    free(counters);
}

int perfbudget_counters_start(perfbudget_counters *counters) {
#if PERFBUDGET__HAVE_PERF_EVENT
    if (counters != NULL &&
        ioctl(counters->leader_fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) == 0)
        return PERFBUDGET_OK;
#endif
    (void)counters;
    return PERFBUDGET_EIO;
}

int perfbudget_counters_stop(perfbudget_counters *counters) {
#if PERFBUDGET__HAVE_PERF_EVENT
    if (counters != NULL &&
        ioctl(counters->leader_fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP) == 0)
        return PERFBUDGET_OK;
#endif
    (void)counters;
    return PERFBUDGET_EIO;
}

int perfbudget_counters_read(perfbudget_counters *counters, uint64_t *instructions,
                             uint64_t *cycles) {
    if (counters == NULL || instructions == NULL || cycles == NULL) return PERFBUDGET_EINVAL;
    /* PERF_FORMAT_GROUP: the number of events, then one value per event in group order. */
    uint64_t values[3];
    if (read(counters->leader_fd, values, sizeof values) != (ssize_t)sizeof values ||
        values[0] != 2)
        return PERFBUDGET_EIO;
    *instructions = values[1];
    *cycles = values[2];
    return PERFBUDGET_OK;
}
