/* SPDX-License-Identifier: MIT */
/* Formatting figures for people; the renderers of reports build on these. */
#ifndef PERFBUDGET_REPORT_H
#define PERFBUDGET_REPORT_H

#include <stddef.h>

#include "perfbudget/version.h"

/** What a figure measures, which decides how it is printed. */
typedef enum perfbudget_unit {
    PERFBUDGET_UNIT_NS = 0,         /**< a duration in ns: "812 ns", "2.31 ms", "1.50 s" */
    PERFBUDGET_UNIT_BYTES = 1,      /**< binary multiples: "512 B", "3.20 MiB" */
    PERFBUDGET_UNIT_PERCENT = 2,    /**< "42.0 %" */
    PERFBUDGET_UNIT_PER_SECOND = 3, /**< "1.25 M/s" */
    PERFBUDGET_UNIT_COUNT = 4       /**< "1.23 G" (instructions, cycles) */
} perfbudget_unit;

/** Write value with three significant digits and a fitting prefix into buf (always
 *  NUL-terminated); NaN prints as "n/a". Returns buf. */
PERFBUDGET_API char *perfbudget_format_value(double value, perfbudget_unit unit, char *buf,
                                             size_t size);

#endif
