/* SPDX-License-Identifier: MIT */
/* Instruction counts: user-space instructions and cycles through perf_event_open, or, running
 * under valgrind's callgrind (VMs and hosted CI expose no PMU), the Ir callgrind counts while
 * the measured batches run: collection is toggled around them and read back from a dump. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define PERFBUDGET__HAVE_CALLGRIND 1
#endif
#endif

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#define PERFBUDGET__HAVE_PERF_EVENT 1
#endif

struct perfbudget_counters {
    int leader_fd; /* instructions; cycles is a member of its group; -1 under callgrind */
    int cycles_fd;
    int collecting; /* callgrind: collection is on (a toggle, so it must be tracked) */
};

int perfbudget_running_on_valgrind(void) {
#if PERFBUDGET__HAVE_CALLGRIND
    return RUNNING_ON_VALGRIND != 0;
#else
    return 0;
#endif
}

const char *perfbudget_counters_source(const perfbudget_counters *counters) {
    return counters == NULL ? "none" : counters->leader_fd < 0 ? "callgrind" : "perf_event";
}

#if PERFBUDGET__HAVE_CALLGRIND
/* Collection starts off (--collect-atstart=no, which the front ends pass) and what an earlier
 * benchmark left uncollected is zeroed, so a dump holds this benchmark's measured batches only. */
static int open_callgrind(perfbudget_context *ctx, perfbudget_counters **out) {
    perfbudget_counters *counters = malloc(sizeof *counters);
    if (counters == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "counters: out of memory");
    counters->leader_fd = counters->cycles_fd = -1;
    counters->collecting = 0;
    /* The launchers pass --instr-atstart=no too: start-up and imports then run some ten times
     * faster, uninstrumented; instrumenting starts here, for this benchmark, and stops when the
     * counters are freed. */
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
    *out = counters;
    return PERFBUDGET_OK;
}

/* Dumps are "<out file>.<part>", the out file "callgrind.out.<pid>" in the directory
 * PERFBUDGET_CALLGRIND_DIR names (set by the front ends), else valgrind's default, the working
 * directory. The newest part is this dump: each is deleted once read. */
static int read_callgrind(uint64_t *instructions) {
    CALLGRIND_DUMP_STATS_AT("perfbudget");
    const char *directory = getenv("PERFBUDGET_CALLGRIND_DIR");
    if (directory == NULL || directory[0] == '\0') directory = ".";
    char prefix[64];
    int prefix_length = snprintf(prefix, sizeof prefix, "callgrind.out.%ld.", (long)getpid());
    DIR *dir = opendir(directory);
    if (dir == NULL) return PERFBUDGET_EIO;
    unsigned long newest = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        if (strncmp(entry->d_name, prefix, (size_t)prefix_length) != 0) continue;
        char *end;
        unsigned long part = strtoul(entry->d_name + prefix_length, &end, 10);
        if (*end == '\0' && part > newest) newest = part;
    }
    closedir(dir);
    if (newest == 0) return PERFBUDGET_EIO; /* valgrind, but not callgrind (memcheck, say) */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%lu", directory, prefix, newest);
    FILE *dump = fopen(path, "r");
    if (dump == NULL) return PERFBUDGET_EIO;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, dump) != NULL)
        found = sscanf(line, "totals: %" SCNu64, instructions) == 1 ||
                sscanf(line, "summary: %" SCNu64, instructions) == 1;
    fclose(dump);
    unlink(path);
    return found ? PERFBUDGET_OK : PERFBUDGET_EIO;
}
#endif

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

int perfbudget_counters_new(perfbudget_context *ctx, perfbudget_counters **out) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "counters: out is NULL");
    *out = NULL;
#if PERFBUDGET__HAVE_CALLGRIND
    if (RUNNING_ON_VALGRIND) return open_callgrind(ctx, out);
#else
    if (getenv("PERFBUDGET_CALLGRIND_DIR") != NULL) /* started under callgrind to count */
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE,
                                "instructions unavailable: this perfbudget was built without "
                                "valgrind's headers (install valgrind, then rebuild it)");
#endif
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
    counters->collecting = 0;
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
#if PERFBUDGET__HAVE_CALLGRIND
    if (counters->leader_fd < 0 && counters->collecting) CALLGRIND_TOGGLE_COLLECT;
    if (counters->leader_fd < 0) CALLGRIND_STOP_INSTRUMENTATION;
#endif
    if (counters->leader_fd >= 0) close(counters->cycles_fd), close(counters->leader_fd);
    free(counters);
}

int perfbudget_counters_start(perfbudget_counters *counters) {
#if PERFBUDGET__HAVE_CALLGRIND
    if (counters != NULL && counters->leader_fd < 0) {
        if (!counters->collecting) CALLGRIND_TOGGLE_COLLECT;
        counters->collecting = 1;
        return PERFBUDGET_OK;
    }
#endif
#if PERFBUDGET__HAVE_PERF_EVENT
    if (counters != NULL &&
        ioctl(counters->leader_fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) == 0)
        return PERFBUDGET_OK;
#endif
    (void)counters;
    return PERFBUDGET_EIO;
}

int perfbudget_counters_stop(perfbudget_counters *counters) {
#if PERFBUDGET__HAVE_CALLGRIND
    if (counters != NULL && counters->leader_fd < 0) {
        if (counters->collecting) CALLGRIND_TOGGLE_COLLECT;
        counters->collecting = 0;
        return PERFBUDGET_OK;
    }
#endif
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
#if PERFBUDGET__HAVE_CALLGRIND
    if (counters->leader_fd < 0) {
        *cycles = 0; /* callgrind counts no cycles */
        perfbudget_counters_stop(counters);
        return read_callgrind(instructions);
    }
#endif
    /* PERF_FORMAT_GROUP: the number of events, then one value per event in group order. */
    uint64_t values[3];
    if (read(counters->leader_fd, values, sizeof values) != (ssize_t)sizeof values ||
        values[0] != 2)
        return PERFBUDGET_EIO;
    *instructions = values[1];
    *cycles = values[2];
    return PERFBUDGET_OK;
}
