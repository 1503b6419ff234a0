/* SPDX-License-Identifier: MIT */
/* Resident memory: current and peak RSS, and resetting the peak between benchmarks; the time a
 * thread waited for a CPU; its I/O bytes; the CPU packages' energy (RAPL). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "internal.h"

/* Value in kB of a "Key:   1234 kB" line of /proc/self/status, or -1. */
static int64_t status_kib(const char *status, const char *key) {
    const char *line = strstr(status, key);
    if (line == NULL) return -1;
    char *end;
    long long kib = strtoll(line + strlen(key), &end, 10);
    return end == line + strlen(key) ? -1 : (int64_t)kib;
}

int perfbudget_memory_read(perfbudget_context *ctx, perfbudget_memory_usage *out) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "memory: out is NULL");
    char status[8192];
    ssize_t length = -1;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        length = read(fd, status, sizeof status - 1);
        close(fd);
    }
    if (length > 0) {
        status[length] = '\0';
        int64_t rss = status_kib(status, "\nVmRSS:"), hwm = status_kib(status, "\nVmHWM:");
        if (rss >= 0 && hwm >= 0) {
            out->rss_bytes = rss * 1024;
            out->peak_rss_bytes = hwm * 1024;
            return PERFBUDGET_OK;
        }
    }
    /* Without /proc only the lifetime peak is known; report it for both. */
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "memory: %s", strerror(errno));
    out->rss_bytes = (int64_t)usage.ru_maxrss * 1024;
    out->peak_rss_bytes = out->rss_bytes;
    return PERFBUDGET_OK;
}

int perfbudget_memory_reset_peak(perfbudget_context *ctx) {
#ifdef __GLIBC__
    /* Memory freed before this measurement (a baseline judged and let go of, an earlier test's
     * garbage) stays resident in malloc's heap, and would count in this peak: give it back. */
    malloc_trim(0);
#endif
    /* Writing 5 resets VmHWM to the current RSS (Linux 4.0+); containers may forbid it. */
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE,
                                "cannot reset peak RSS: /proc/self/clear_refs: %s",
                                strerror(errno));
    ssize_t written = write(fd, "5", 1);
    int saved = errno;
    close(fd);
    if (written != 1)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE,
                                "cannot reset peak RSS: writing /proc/self/clear_refs: %s",
                                strerror(saved));
    return PERFBUDGET_OK;
}

double perfbudget__runqueue_wait_ns(pid_t pid) {
    /* schedstat: time on the CPU, time waiting on a run queue, time slices; all in ns. */
    char path[64];
    if (pid == 0) snprintf(path, sizeof path, "/proc/thread-self/schedstat");
    else snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NAN;
    char text[128];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return NAN;
    text[n] = '\0';
    unsigned long long running, waiting;
    return sscanf(text, "%llu %llu", &running, &waiting) == 2 ? (double)waiting : NAN;
}

void perfbudget__io_read(const char *path, double *read_bytes, double *write_bytes) {
    *read_bytes = *write_bytes = NAN;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char text[512];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return;
    text[n] = '\0';
    /* "rchar: 123\nwchar: 456\n...": bytes through read()/write()-like calls, which the kernel
     * counts for every file, pipe and socket (read_bytes/write_bytes count storage only, and
     * nothing on tmpfs). */
    for (char *line = text; line != NULL && *line; line = strchr(line, '\n'), line += line != NULL) {
        unsigned long long value;
        if (sscanf(line, "rchar: %llu", &value) == 1) *read_bytes = (double)value;
        else if (sscanf(line, "wchar: %llu", &value) == 1) *write_bytes = (double)value;
    }
}

/* A number from a one-line sysfs file, or -1. */
static double sysfs_number(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[64];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = '\0';
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    return end == text ? -1 : (double)value;
}

void perfbudget__rapl_read(const char *powercap_root, perfbudget__rapl *out) {
    out->count = 0;
    /* The package zones intel-rapl:0, :1, ...; their subzones (intel-rapl:0:0, the cores) are
     * inside the package's figure and would count twice. */
    for (int zone = 0; zone < PERFBUDGET__RAPL_ZONES; zone++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/intel-rapl:%d/energy_uj", powercap_root, zone);
        double energy = sysfs_number(path);
        if (energy < 0) break;
        snprintf(path, sizeof path, "%s/intel-rapl:%d/max_energy_range_uj", powercap_root, zone);
        out->energy_uj[out->count] = energy;
        out->range_uj[out->count++] = sysfs_number(path);
    }
}

double perfbudget__rapl_joules(const perfbudget__rapl *start, const perfbudget__rapl *end) {
    if (start->count == 0 || start->count != end->count) return NAN;
    double total_uj = 0;
    for (size_t i = 0; i < start->count; i++) {
        double used = end->energy_uj[i] - start->energy_uj[i];
        if (used < 0) { /* the counter wrapped at its range */
            if (end->range_uj[i] <= 0) return NAN;
            used += end->range_uj[i];
        }
        total_uj += used;
    }
    return total_uj / 1e6;
}
