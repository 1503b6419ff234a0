/* SPDX-License-Identifier: MIT */
/* Pinning the measuring thread to one CPU (--perf-cpu in pytest, CPU in CTest). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef __linux__
#include <sched.h>

struct perfbudget_cpu_affinity {
    cpu_set_t allowed;
};

/* "0-3,6": the CPUs of set, for a message. */
static void describe(const cpu_set_t *set, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int cpu = 0; cpu < CPU_SETSIZE && used < size; cpu++) {
        if (!CPU_ISSET(cpu, set) || (cpu > 0 && CPU_ISSET(cpu - 1, set))) continue;
        int last = cpu;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set)) last++;
        int n = last == cpu ? snprintf(buf + used, size - used, "%s%d", used ? "," : "", cpu)
                            : snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "", cpu,
                                       last);
        used += n > 0 ? (size_t)n : 0;
    }
}

int perfbudget_cpu_pin(perfbudget_context *ctx, int cpu, perfbudget_cpu_affinity **previous) {
    if (previous == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "cpu_pin: NULL argument");
    *previous = NULL;
    perfbudget_cpu_affinity *saved = malloc(sizeof *saved);
    if (saved == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "cpu_pin: out of memory");
    if (sched_getaffinity(0, sizeof saved->allowed, &saved->allowed) != 0) {
        free(saved);
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "cannot read the CPU affinity");
    }
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &saved->allowed)) {
        char allowed[256];
        describe(&saved->allowed, allowed, sizeof allowed);
        free(saved);
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "cannot pin to CPU %d: this process may use CPUs %s", cpu,
                                allowed);
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        free(saved);
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "cannot pin to CPU %d", cpu);
    }
    *previous = saved;
    return PERFBUDGET_OK;
}

int perfbudget_cpu_restore(perfbudget_cpu_affinity *previous) {
    if (previous == NULL) return PERFBUDGET_OK;
    int refused = sched_setaffinity(0, sizeof previous->allowed, &previous->allowed) != 0;
    free(previous);
    return refused ? PERFBUDGET_EINVAL : PERFBUDGET_OK;
}

#else

int perfbudget_cpu_pin(perfbudget_context *ctx, int cpu, perfbudget_cpu_affinity **previous) {
    (void)cpu;
    if (previous != NULL) *previous = NULL;
    return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "pinning to a CPU needs Linux");
}

int perfbudget_cpu_restore(perfbudget_cpu_affinity *previous) {
    (void)previous;
    return PERFBUDGET_OK;
}

#endif
