/* SPDX-License-Identifier: MIT */
/* Human-readable figures: three significant digits and a prefix chosen by magnitude. */
#include <math.h>
#include <stdio.h>

#include "internal.h"

typedef struct scale {
    double factor;
    const char *suffix;
} scale;

static const scale durations[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "\xC2\xB5s"}, {1, "ns"}};
static const scale bytes[] = {{1099511627776.0, "TiB"}, {1073741824.0, "GiB"},
                              {1048576.0, "MiB"},       {1024.0, "KiB"},
                              {1, "B"}};
static const scale decimal_bytes[] = {{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"},
                                      {1, "B"}};
static const scale byte_rates[] = {{1099511627776.0, "TiB/s"}, {1073741824.0, "GiB/s"},
                                   {1048576.0, "MiB/s"},       {1024.0, "KiB/s"},
                                   {1, "B/s"}};
static const scale rates[] = {{1e9, "G/s"}, {1e6, "M/s"}, {1e3, "k/s"}, {1, "/s"}};
static const scale counts[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}};

static void with_scale(double value, const scale *scales, size_t n, char *buf, size_t size) {
    const scale *chosen = &scales[n - 1];
    for (size_t i = 0; i < n; i++)
        if (fabs(value) >= scales[i].factor) {
            chosen = &scales[i];
            break;
        }
    double scaled = value / chosen->factor;
    double magnitude = fabs(scaled);
    /* Three significant digits; whole numbers of the base unit print without decimals. */
    int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
    if (chosen->factor == 1 && scaled == floor(scaled)) decimals = 0;
    snprintf(buf, size, "%.*f%s%s", decimals, scaled, chosen->suffix[0] ? " " : "", chosen->suffix);
}

char *perfbudget_format_value(double value, perfbudget_unit unit, char *buf, size_t size) {
    if (buf == NULL || size == 0) return buf;
    if (isnan(value)) {
        snprintf(buf, size, "n/a");
        return buf;
    }
    switch (unit) {
    case PERFBUDGET_UNIT_NS:
        with_scale(value, durations, sizeof durations / sizeof *durations, buf, size);
        break;
    case PERFBUDGET_UNIT_BYTES:
        with_scale(value, bytes, sizeof bytes / sizeof *bytes, buf, size);
        break;
    case PERFBUDGET_UNIT_PER_SECOND:
        with_scale(value, rates, sizeof rates / sizeof *rates, buf, size);
        break;
    case PERFBUDGET_UNIT_BYTES_PER_SECOND:
        with_scale(value, byte_rates, sizeof byte_rates / sizeof *byte_rates, buf, size);
        break;
    case PERFBUDGET_UNIT_COUNT:
        with_scale(value, counts, sizeof counts / sizeof *counts, buf, size);
        break;
    case PERFBUDGET_UNIT_PERCENT:
    default:
        snprintf(buf, size, "%.1f %%", value);
        break;
    }
    return buf;
}

char *perfbudget__format_size(double value, int decimal, char *buf, size_t size) {
    if (!decimal || buf == NULL || size == 0 || isnan(value))
        return perfbudget_format_value(value, PERFBUDGET_UNIT_BYTES, buf, size);
    with_scale(value, decimal_bytes, sizeof decimal_bytes / sizeof *decimal_bytes, buf, size);
    return buf;
}
