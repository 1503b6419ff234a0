/* SPDX-License-Identifier: MIT */
/* Quantities with units, as written in budget files and on command lines. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct unit_def {
    const char *name;
    double factor;
    perfbudget_quantity_kind kind;
} unit_def;

static const unit_def units[] = {
    {"", 1, PERFBUDGET_QUANTITY_NUMBER},
    {"ns", 1, PERFBUDGET_QUANTITY_DURATION},
    {"us", 1e3, PERFBUDGET_QUANTITY_DURATION},
    {"\xC2\xB5s", 1e3, PERFBUDGET_QUANTITY_DURATION}, /* µs, MICRO SIGN */
    {"\xCE\xBCs", 1e3, PERFBUDGET_QUANTITY_DURATION}, /* μs, GREEK SMALL LETTER MU */
    {"ms", 1e6, PERFBUDGET_QUANTITY_DURATION},
    {"s", 1e9, PERFBUDGET_QUANTITY_DURATION},
    {"min", 60e9, PERFBUDGET_QUANTITY_DURATION},
    {"B", 1, PERFBUDGET_QUANTITY_SIZE},
    {"KB", 1e3, PERFBUDGET_QUANTITY_SIZE},
    {"kB", 1e3, PERFBUDGET_QUANTITY_SIZE},
    {"MB", 1e6, PERFBUDGET_QUANTITY_SIZE},
    {"GB", 1e9, PERFBUDGET_QUANTITY_SIZE},
    {"TB", 1e12, PERFBUDGET_QUANTITY_SIZE},
    {"KiB", 1024.0, PERFBUDGET_QUANTITY_SIZE},
    {"MiB", 1048576.0, PERFBUDGET_QUANTITY_SIZE},
    {"GiB", 1073741824.0, PERFBUDGET_QUANTITY_SIZE},
    {"TiB", 1099511627776.0, PERFBUDGET_QUANTITY_SIZE},
    {"%", 1, PERFBUDGET_QUANTITY_PERCENT},
    {"/s", 1, PERFBUDGET_QUANTITY_RATE},
    {"ops/s", 1, PERFBUDGET_QUANTITY_RATE},
    {"items/s", 1, PERFBUDGET_QUANTITY_RATE},
};

static const char *const kind_names[] = {"number", "duration", "size", "percent", "rate",
                                         "byte rate"};

const char *perfbudget_quantity_kind_name(perfbudget_quantity_kind kind) {
    return (size_t)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : "unknown";
}

/* Case-insensitive prefix test for ASCII words (strncasecmp is not C11). */
static int strncasecmp_ascii(const char *text, const char *word, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != word[i]) return 0;
    }
    return 1;
}

static const unit_def *find_unit(const char *name, size_t length) {
    char first = length ? name[0] : '\0'; /* looked at first: most units differ there */
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (units[i].name[0] == first && strlen(units[i].name) == length &&
            strncmp(units[i].name, name, length) == 0)
            return &units[i];
    return NULL;
}

int perfbudget_quantity_parse(perfbudget_context *ctx, const char *text,
                              perfbudget_quantity *out) {
    return perfbudget__quantity_parse(ctx, text, out, NULL);
}

/* The number at cursor, as strtod reads it (*end after it; errno ERANGE when out of range).
 * Most quantities are a few digits and a unit ("250ms"): those are read without strtod, an
 * eighth of validating a budget file of 10,000 entries. Up to 15 digits the integer is exact as
 * a double, as strtod's result is. */
static double read_number(const char *cursor, char **end) {
    size_t digits = 0;
    uint64_t whole = 0;
    while (digits < 16 && cursor[digits] >= '0' && cursor[digits] <= '9')
        whole = whole * 10 + (uint64_t)(cursor[digits++] - '0');
    char next = cursor[digits];
    if (digits > 0 && digits < 16 && (next == '\0' || strchr(".eExXpP", next) == NULL)) {
        *end = (char *)cursor + digits;
        return (double)whole;
    }
    return strtod(cursor, end);
}

int perfbudget__quantity_parse(perfbudget_context *ctx, const char *text, perfbudget_quantity *out,
                               perfbudget__unit_info *unit_info) {
    if (text == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "quantity: NULL argument");
    const char *cursor = text;
    while (*cursor == ' ') cursor++;
    /* Only plain decimal notation: strtod alone would also take "inf", "nan" and hex. */
    size_t number_length = strspn(cursor, "0123456789.eE+-");
    const char *word = cursor + strspn(cursor, ".+-");
    if (strncasecmp_ascii(word, "inf", 3) || strncasecmp_ascii(word, "nan", 3))
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "'%s' is not a finite number", text);
    if (number_length == 0 || strchr("0123456789.+-", cursor[0]) == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "'%s' is not a number with a unit", text);
    char *end;
    errno = 0;
    double value = read_number(cursor, &end);
    if (end == cursor || end > cursor + number_length)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "'%s' is not a number with a unit", text);
    if (errno == ERANGE && fabs(value) > 1.0)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "'%s' is too large", text);
    const char *unit = end;
    while (*unit == ' ') unit++;
    size_t unit_length = strlen(unit);
    while (unit_length > 0 && unit[unit_length - 1] == ' ') unit_length--;
    const unit_def *found = find_unit(unit, unit_length);
    perfbudget_quantity_kind kind;
    double factor;
    if (found != NULL) {
        kind = found->kind;
        factor = found->factor;
    } else if (unit_length > 2 && strncmp(unit + unit_length - 2, "/s", 2) == 0 &&
               (found = find_unit(unit, unit_length - 2)) != NULL &&
               found->kind == PERFBUDGET_QUANTITY_SIZE) {
        kind = PERFBUDGET_QUANTITY_BYTE_RATE; /* MB/s, GiB/s, ... */
        factor = found->factor;
    } else {
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "unknown unit '%.*s' in '%s' (durations: ns us µs ms s min; sizes: "
                                "B kB KB MB GB TB KiB MiB GiB TiB; %%; rates: /s ops/s items/s "
                                "MB/s)",
                                (int)unit_length, unit, text);
    }
    double scaled = value * factor;
    if (!isfinite(scaled))
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "'%s' is too large", text);
    out->value = scaled;
    out->kind = kind;
    if (unit_info != NULL) {
        unit_info->unit = unit;
        unit_info->unit_length = unit_length;
        unit_info->factor = factor;
    }
    return PERFBUDGET_OK;
}
