/* SPDX-License-Identifier: MIT */
/* Budgets and the quantities they are written in ("250ms", "512MB", "70%", "100/s"). */
#ifndef PERFBUDGET_BUDGET_H
#define PERFBUDGET_BUDGET_H

#include "perfbudget/context.h"

/** The kind of a quantity, which decides the metrics it may limit. */
typedef enum perfbudget_quantity_kind {
    PERFBUDGET_QUANTITY_NUMBER = 0,    /**< no unit: a count, or iterations */
    PERFBUDGET_QUANTITY_DURATION = 1,  /**< ns us µs ms s min; value in ns */
    PERFBUDGET_QUANTITY_SIZE = 2,      /**< B KB MB GB TB (10^3) KiB MiB GiB TiB (2^10); bytes */
    PERFBUDGET_QUANTITY_PERCENT = 3,   /**< %; value in percent */
    PERFBUDGET_QUANTITY_RATE = 4,      /**< /s ops/s items/s; value per second */
    PERFBUDGET_QUANTITY_BYTE_RATE = 5  /**< MB/s and other size units per second; bytes/s */
} perfbudget_quantity_kind;

typedef struct perfbudget_quantity {
    double value; /**< in the kind's base unit (ns, bytes, percent, per second) */
    perfbudget_quantity_kind kind;
} perfbudget_quantity;

/** Parse "250ms", "2.5 s", "512MiB", "70%", "100/s", "42": a finite decimal number, optional
 *  spaces, then a unit. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL argument) or
 *  PERFBUDGET_EPARSE (the message says what is wrong and lists the units). */
PERFBUDGET_API int perfbudget_quantity_parse(perfbudget_context *ctx, const char *text,
                                             perfbudget_quantity *out);

/** A lower-case name of a kind ("duration", "size", ...). Static storage. */
PERFBUDGET_API const char *perfbudget_quantity_kind_name(perfbudget_quantity_kind kind);

#endif
