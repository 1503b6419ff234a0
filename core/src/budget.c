/* SPDX-License-Identifier: MIT */
/* Budget files: validation of the YAML tree against the format of docs/budgets.md, collecting
 * every problem with its position, into an immutable perfbudget_budget. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget_internal.h"

enum { MAX_FILE_SIZE = 16 * 1024 * 1024 };

typedef struct checker {
    perfbudget_context *ctx;
    perfbudget_budget *budget;
    const char *name;
    perfbudget_budget_error *errors;
    size_t capacity, count;
    int out_of_memory;
    perfbudget_budget_error earliest; /* for perfbudget_errmsg(), whatever the capacity */
    perfbudget_context *scratch; /* takes the unit parser's messages; the first error stays in ctx */
    const char *units[16];       /* unit names already copied into the document, shared by limits */
    size_t unit_count;
} checker;

/* What snprintf(out, size, "%s%s%s", a, b, c) writes, without its cost: validation builds a
 * name like this for every budget and limit of a file, and most are never shown. */
static void join3(char *out, size_t size, const char *a, const char *b, const char *c) {
    const char *parts[3] = {a, b, c};
    size_t used = 0;
    for (int i = 0; i < 3; i++) {
        size_t length = strlen(parts[i]);
        if (length > size - 1 - used) length = size - 1 - used;
        memcpy(out + used, parts[i], length);
        used += length;
    }
    out[used] = '\0';
}

/* A message cut at the buffer's end may end inside a multi-byte character: cut before it, so
 * every message stays valid UTF-8. */
static void truncate_utf8(char *text) {
    size_t end = strlen(text);
    size_t start = end;
    while (start > 0 && ((unsigned char)text[start - 1] & 0xC0) == 0x80) start--;
    if (start > 0 && ((unsigned char)text[start - 1] & 0x80)) {
        unsigned char lead = (unsigned char)text[start - 1];
        size_t needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (end - (start - 1) < needed) text[start - 1] = '\0';
    }
}

static void report(checker *c, int line, int column, const char *fmt, ...)
    PERFBUDGET__PRINTF(4, 5);

static void report(checker *c, int line, int column, const char *fmt, ...) {
    char raw[sizeof c->errors->message], message[sizeof c->errors->message];
    va_list args;
    va_start(args, fmt);
    int length = vsnprintf(raw, sizeof raw, fmt, args);
    va_end(args);
    if (length >= (int)sizeof raw) truncate_utf8(raw);
    /* A message quotes keys and values of the file ("\e" in a quoted scalar is ESC): shown
     * as text reaching a terminal is. */
    perfbudget__shown(raw, message, sizeof message);
    if (c->count == 0 || line < c->earliest.line ||
        (line == c->earliest.line && column < c->earliest.column)) {
        c->earliest.line = line;
        c->earliest.column = column;
        snprintf(c->earliest.message, sizeof c->earliest.message, "%s", message);
    }
    if (c->count < c->capacity) {
        perfbudget_budget_error *e = &c->errors[c->count];
        e->line = line;
        e->column = column;
        snprintf(e->message, sizeof e->message, "%s", message);
    }
    c->count++;
}

#define REPORT_AT(c, node, ...) report((c), (node)->line, (node)->column, __VA_ARGS__)

/* ---- names and suggestions --------------------------------------------------------------- */

static const char *const metric_names[PERFBUDGET__METRIC_COUNT] = {
    "min", "max", "mean", "median", "p50", "p90", "p95", "p99", "stddev",
    "memory", "memory_growth", "cpu", "throughput", "instructions",
    /* resources: */
    "io_read", "io_write", "minor_faults", "major_faults", "voluntary_switches",
    "involuntary_switches", "energy", "gc_collections", "gc_time", "allocations", "custom"};

const char *perfbudget_metric_name(perfbudget_metric metric) {
    return (size_t)metric < PERFBUDGET__METRIC_COUNT ? metric_names[metric] : NULL;
}

perfbudget_metric_group perfbudget_metric_group_of(perfbudget_metric metric) {
    switch (metric) {
    case PERFBUDGET_METRIC_MEMORY:
        return PERFBUDGET_GROUP_MEMORY;
    case PERFBUDGET_METRIC_MEMORY_GROWTH:
        return PERFBUDGET_GROUP_MEMORY_GROWTH;
    case PERFBUDGET_METRIC_CPU:
        return PERFBUDGET_GROUP_CPU;
    case PERFBUDGET_METRIC_THROUGHPUT:
        return PERFBUDGET_GROUP_THROUGHPUT;
    case PERFBUDGET_METRIC_INSTRUCTIONS:
        return PERFBUDGET_GROUP_INSTRUCTIONS;
    default:
        return PERFBUDGET_GROUP_LATENCY;
    }
}

static const char *const group_names[PERFBUDGET__GROUP_COUNT] = {
    "latency", "memory", "memory_growth", "cpu", "throughput", "instructions"};

double *perfbudget__group_threshold_slot(perfbudget_group_thresholds *t, int group) {
    switch (group) {
    case PERFBUDGET_GROUP_LATENCY:
        return &t->latency_pct;
    case PERFBUDGET_GROUP_MEMORY:
        return &t->memory_pct;
    case PERFBUDGET_GROUP_MEMORY_GROWTH:
        return &t->memory_growth_pct;
    case PERFBUDGET_GROUP_CPU:
        return &t->cpu_pct;
    case PERFBUDGET_GROUP_THROUGHPUT:
        return &t->throughput_pct;
    case PERFBUDGET_GROUP_INSTRUCTIONS:
        return &t->instructions_pct;
    default:
        return NULL;
    }
}

double perfbudget_group_threshold(const perfbudget_group_thresholds *thresholds,
                                  perfbudget_metric_group group) {
    if (thresholds == NULL) return NAN;
    const double *slot =
        perfbudget__group_threshold_slot((perfbudget_group_thresholds *)thresholds, (int)group);
    return slot != NULL ? *slot : NAN;
}

/* Edit distance counting a swap of neighbours as one edit ("fial" -> "fail"): the optimal
 * string alignment distance. Only small distances matter for suggestions. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

static void report_unknown_key(checker *c, const perfbudget__node *key, const char *where,
                               const char *const *valid, size_t n_valid) {
    const char *best = NULL;
    size_t best_distance = 99;
    for (size_t i = 0; i < n_valid; i++) {
        size_t d = edit_distance(key->text, valid[i]);
        if (d < best_distance) best_distance = d, best = valid[i];
    }
    size_t length = strlen(key->text);
    if (best != NULL && best_distance <= (length > 5 ? 2 : 1))
        REPORT_AT(c, key, "unknown key '%s' in %s (did you mean '%s'?)", key->text, where, best);
    else {
        char list[256] = "";
        for (size_t i = 0; i < n_valid; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     valid[i]);
        REPORT_AT(c, key, "unknown key '%s' in %s (valid keys: %s)", key->text, where, list);
    }
}

/* ---- scalars ------------------------------------------------------------------------------ */

static const perfbudget__node *scalar(checker *c, const perfbudget__node *value,
                                      const char *what) {
    if (value->kind != PERFBUDGET__SCALAR) {
        REPORT_AT(c, value, "%s must be a single value, not a %s", what,
                  value->kind == PERFBUDGET__MAPPING ? "mapping" : "list");
        return NULL;
    }
    const char *text = value->text; /* null's spellings start with one of "~nN" */
    if (value->plain && (text[0] == '\0' || ((text[0] == '~' || text[0] == 'n' || text[0] == 'N') &&
                                              (strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
                                               strcmp(text, "Null") == 0 ||
                                               strcmp(text, "NULL") == 0)))) {
        REPORT_AT(c, value, "%s needs a value", what);
        return NULL;
    }
    return value;
}

/* A flag: 1 for true, 0 for false; -1 (reported) for anything else. */
static int boolean(checker *c, const perfbudget__node *value, const char *what) {
    const perfbudget__node *flag = scalar(c, value, what);
    if (flag == NULL) return -1;
    if (strcmp(flag->text, "true") == 0) return 1;
    if (strcmp(flag->text, "false") == 0) return 0;
    REPORT_AT(c, value, "%s must be true or false, not '%s'", what, flag->text);
    return -1;
}

/* A non-negative whole number; -1 after reporting a problem. */
static int64_t whole_number(checker *c, const perfbudget__node *value, const char *what,
                            int64_t minimum) {
    if ((value = scalar(c, value, what)) == NULL) return -1;
    const char *text = value->text;
    if (text[0] == '-' && strspn(text + 1, "0123456789") == strlen(text + 1) && text[1]) {
        REPORT_AT(c, value, "%s must not be negative (got %s)", what, text);
        return -1;
    }
    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text)) {
        REPORT_AT(c, value, "%s must be a whole number, not '%s'", what, text);
        return -1;
    }
    errno = 0;
    long long number = strtoll(text, NULL, 10);
    if (errno == ERANGE || number > INT64_C(1000000000000)) {
        REPORT_AT(c, value, "%s is too large (%s)", what, text);
        return -1;
    }
    if (number < minimum) {
        REPORT_AT(c, value, "%s must be at least %lld (got %s)", what, (long long)minimum, text);
        return -1;
    }
    return number;
}

static const char *kind_example(perfbudget_quantity_kind kind) {
    switch (kind) {
    case PERFBUDGET_QUANTITY_DURATION:
        return "a duration such as 250ms";
    case PERFBUDGET_QUANTITY_SIZE:
        return "a size such as 512MB";
    case PERFBUDGET_QUANTITY_PERCENT:
        return "a percentage such as 70%";
    case PERFBUDGET_QUANTITY_RATE:
    case PERFBUDGET_QUANTITY_BYTE_RATE:
        return "a rate such as 100/s or 50MB/s";
    default:
        return "a plain number such as 1200000";
    }
}

/* Kinds a value may take, as a bit set of perfbudget_quantity_kind. */
#define KIND(k) (1u << (k))
#define ANY_KIND 0x3Fu

/* A finite, non-negative quantity of one of the allowed kinds; 0 on success. A bare number is
 * accepted where a percentage is expected ("threshold: 5" means 5 %). */
static int quantity(checker *c, const perfbudget__node *value, const char *what, unsigned kinds,
                    perfbudget_quantity *out, perfbudget__unit_info *unit) {
    if ((value = scalar(c, value, what)) == NULL) return -1;
    perfbudget__unit_info info;
    if (c->scratch == NULL && perfbudget_context_new(&c->scratch) != PERFBUDGET_OK) {
        c->out_of_memory = 1;
        return -1;
    }
    if (perfbudget__quantity_parse(c->scratch, value->text, out, &info) != PERFBUDGET_OK) {
        REPORT_AT(c, value, "%s: %s", what, perfbudget_errmsg(c->scratch));
        return -1;
    }
    if (out->kind == PERFBUDGET_QUANTITY_NUMBER && (kinds & KIND(PERFBUDGET_QUANTITY_PERCENT)))
        out->kind = PERFBUDGET_QUANTITY_PERCENT;
    if (!(kinds & KIND(out->kind))) {
        perfbudget_quantity_kind wanted = PERFBUDGET_QUANTITY_NUMBER;
        for (int k = 0; k < 6; k++)
            if (kinds & KIND(k)) {
                wanted = (perfbudget_quantity_kind)k;
                break;
            }
        if (out->kind == PERFBUDGET_QUANTITY_NUMBER)
            REPORT_AT(c, value, "%s: '%s' has no unit; %s needs %s", what, value->text, what,
                      kind_example(wanted));
        else
            REPORT_AT(c, value, "%s: '%s' is a %s; %s needs %s", what, value->text,
                      perfbudget_quantity_kind_name(out->kind), what, kind_example(wanted));
        return -1;
    }
    if (out->value < 0) {
        REPORT_AT(c, value, "%s must not be negative (got %s)", what, value->text);
        return -1;
    }
    if (unit != NULL) *unit = info;
    return 0;
}

/* ---- mappings ------------------------------------------------------------------------------- */

typedef void (*key_handler)(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                            void *target);

typedef struct key_def {
    const char *name;
    key_handler handle;
} key_def;

static int is_mapping(checker *c, const perfbudget__node *node, const char *what) {
    if (node->kind == PERFBUDGET__MAPPING) return 1;
    if (node->kind == PERFBUDGET__SCALAR && node->plain && node->text[0] == '\0')
        REPORT_AT(c, node, "%s is empty; write {} for an empty mapping or remove it", what);
    else
        REPORT_AT(c, node, "%s must be a mapping of keys to values", what);
    return 0;
}

static int key_ok(checker *c, const perfbudget__node *key) {
    if (key->kind == PERFBUDGET__SCALAR) return 1;
    REPORT_AT(c, key, "keys must be plain names, not a %s",
              key->kind == PERFBUDGET__MAPPING ? "mapping" : "list");
    return 0;
}

/* Duplicate keys: quadratic for the small mappings of the format, which have at most a dozen. */
static int is_duplicate(checker *c, const perfbudget__node *mapping, size_t pair) {
    const perfbudget__node *key = mapping->items[2 * pair];
    for (size_t i = 0; i < pair; i++) {
        const perfbudget__node *earlier = mapping->items[2 * i];
        if (earlier->kind == PERFBUDGET__SCALAR && strcmp(earlier->text, key->text) == 0) {
            REPORT_AT(c, key, "duplicate key '%s' (first at %d:%d)", key->text, earlier->line,
                      earlier->column);
            return 1;
        }
    }
    return 0;
}

static void walk(checker *c, const perfbudget__node *mapping, const char *what,
                 const key_def *keys, size_t n_keys, void *target) {
    if (!is_mapping(c, mapping, what)) return;
    for (size_t pair = 0; 2 * pair + 1 < mapping->count; pair++) {
        const perfbudget__node *key = mapping->items[2 * pair], *value = mapping->items[2 * pair + 1];
        if (!key_ok(c, key) || is_duplicate(c, mapping, pair)) continue;
        size_t i = 0;
        while (i < n_keys && strcmp(keys[i].name, key->text) != 0) i++;
        if (i < n_keys) {
            keys[i].handle(c, key, value, target);
            continue;
        }
        const char *names[24]; /* gathered only for the report: thousands of entries pass */
        for (size_t k = 0; k < n_keys && k < 24; k++) names[k] = keys[k].name;
        report_unknown_key(c, key, what, names, n_keys < 24 ? n_keys : 24);
    }
}

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ---- measuring and regression settings --------------------------------------------------------- */

/* Settings hold durations as int64_t ns: beyond 2^63 ns (292 years) the conversion would be
 * undefined, so such a value is reported rather than converted. */
static int fits_in_ns(checker *c, const perfbudget__node *value, const char *what, double ns) {
    if (ns < 0x1p63) return 1;
    REPORT_AT(c, value, "%s of %s is too long (at most 292 years)", what, value->text);
    return 0;
}

static void on_warmup(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                      void *target) {
    (void)key;
    perfbudget_measure_settings *m = target;
    const char *digits = value->kind == PERFBUDGET__SCALAR && value->text[0] == '-'
                             ? value->text + 1
                             : value->text;
    if (value->kind == PERFBUDGET__SCALAR && digits != NULL && digits[0] != '\0' &&
        strspn(digits, "0123456789") == strlen(digits)) {
        m->warmup_iterations = whole_number(c, value, "warmup", 0);
        m->warmup_ns = m->warmup_iterations >= 0 ? 0 : -1;
        return;
    }
    perfbudget_quantity q;
    if (value->kind == PERFBUDGET__SCALAR && value->plain &&
        strspn(value->text, "0123456789.") == strlen(value->text) && value->text[0] != '\0') {
        REPORT_AT(c, value, "warmup must be a whole number of iterations or a duration such as "
                            "100ms, not '%s'", value->text);
        return;
    }
    if (quantity(c, value, "warmup", KIND(PERFBUDGET_QUANTITY_DURATION), &q, NULL) == 0 &&
        fits_in_ns(c, value, "warmup", q.value)) {
        m->warmup_ns = (int64_t)q.value;
        m->warmup_iterations = 0;
    }
}

static void on_rounds(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                      void *target) {
    (void)key;
    ((perfbudget_measure_settings *)target)->rounds = whole_number(c, value, "rounds", 1);
}

static void duration_setting(checker *c, const perfbudget__node *key,
                             const perfbudget__node *value, int64_t *out) {
    perfbudget_quantity q;
    if (quantity(c, value, key->text, KIND(PERFBUDGET_QUANTITY_DURATION), &q, NULL) != 0) return;
    if (q.value <= 0) {
        REPORT_AT(c, value, "%s must be longer than 0", key->text);
        return;
    }
    if (fits_in_ns(c, value, key->text, q.value)) *out = (int64_t)q.value;
}

static void on_max_time(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        void *target) {
    duration_setting(c, key, value, &((perfbudget_measure_settings *)target)->max_time_ns);
}

static void on_min_time(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        void *target) {
    duration_setting(c, key, value, &((perfbudget_measure_settings *)target)->min_time_ns);
}

static void on_speed_correction(checker *c, const perfbudget__node *key,
                                const perfbudget__node *value, void *target) {
    (void)key;
    int flag = boolean(c, value, "speed_correction");
    if (flag >= 0) ((perfbudget_measure_settings *)target)->speed_correction = flag;
}

static double percentage(checker *c, const perfbudget__node *value, const char *what) {
    perfbudget_quantity q;
    if (quantity(c, value, what, KIND(PERFBUDGET_QUANTITY_PERCENT), &q, NULL) != 0) return NAN;
    if (q.value > 1e6) {
        REPORT_AT(c, value, "%s of %s is beyond any sensible threshold", what, value->text);
        return NAN;
    }
    return q.value;
}

static void on_threshold(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                         void *target) {
    (void)key;
    ((perfbudget_regression_settings *)target)->threshold_pct = percentage(c, value, "threshold");
}

static void on_critical(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        void *target) {
    (void)key;
    ((perfbudget_regression_settings *)target)->critical_pct = percentage(c, value, "critical");
}

static void on_statistic(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                         void *target) {
    (void)key;
    if ((value = scalar(c, value, "statistic")) == NULL) return;
    perfbudget_statistic statistic;
    if (perfbudget_statistic_parse(value->text, &statistic) == PERFBUDGET_OK) {
        ((perfbudget_regression_settings *)target)->statistic = (int)statistic;
        return;
    }
    /* The valid names are the comparison's own (perfbudget_statistic_name), in its order. */
    char valid[64] = "";
    const char *best = NULL, *name;
    size_t best_distance = 3, used = 0;
    for (int i = 0; (name = perfbudget_statistic_name((perfbudget_statistic)i)) != NULL; i++) {
        if (used < sizeof valid) /* snprintf counts what it would have written beyond */
            used += (size_t)snprintf(valid + used, sizeof valid - used, "%s%s", i ? ", " : "",
                                     name);
        size_t d = edit_distance(value->text, name);
        if (d < best_distance) best_distance = d, best = name;
    }
    REPORT_AT(c, value, "unknown statistic '%s' (valid: %s)%s%s%s", value->text, valid,
              best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
}

static void on_per_metric(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                          void *target) {
    (void)key;
    perfbudget_regression_settings *r = target;
    if (!is_mapping(c, value, "per_metric")) return;
    for (size_t pair = 0; 2 * pair + 1 < value->count; pair++) {
        const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
        if (!key_ok(c, k) || is_duplicate(c, value, pair)) continue;
        size_t g = 0;
        while (g < PERFBUDGET__GROUP_COUNT && strcmp(group_names[g], k->text) != 0) g++;
        if (g == PERFBUDGET__GROUP_COUNT)
            report_unknown_key(c, k, "per_metric", group_names, PERFBUDGET__GROUP_COUNT);
        else
            *perfbudget__group_threshold_slot(&r->per_metric, (int)g) = percentage(c, v, k->text);
    }
}

static const key_def regression_keys[] = {{"threshold", on_threshold},
                                          {"critical", on_critical},
                                          {"statistic", on_statistic},
                                          {"per_metric", on_per_metric}};

static void check_regression(checker *c, const perfbudget__node *value,
                             perfbudget_regression_settings *r) {
    walk(c, value, "regression", regression_keys, COUNT(regression_keys), r);
    if (!isnan(r->threshold_pct) && !isnan(r->critical_pct) && r->critical_pct < r->threshold_pct) {
        /* Point at the critical value itself. */
        const perfbudget__node *at = value;
        for (size_t pair = 0; 2 * pair + 1 < value->count; pair++)
            if (value->items[2 * pair]->kind == PERFBUDGET__SCALAR &&
                strcmp(value->items[2 * pair]->text, "critical") == 0)
                at = value->items[2 * pair + 1];
        REPORT_AT(c, at, "critical (%g%%) is below threshold (%g%%)", r->critical_pct,
                  r->threshold_pct);
    }
}

/* ---- limits --------------------------------------------------------------------------------- */

typedef struct limit_target {
    entry *entry;
    perfbudget_metric metric;
    unsigned kinds;
    int higher_is_better;
} limit_target;

static perfbudget_limit *new_limit(checker *c, entry *e) {
    if (e->limit_count == e->limit_capacity) {
        size_t capacity = e->limit_capacity ? 2 * e->limit_capacity : 4;
        perfbudget_limit *limits = realloc(e->limits, capacity * sizeof *limits);
        if (limits == NULL) {
            c->out_of_memory = 1;
            return NULL;
        }
        e->limits = limits;
        e->limit_capacity = capacity;
    }
    return &e->limits[e->limit_count++];
}

static const char *limit_unit_name(checker *c, const perfbudget__unit_info *info) {
    char unit[32];
    size_t length = info->unit_length < 31 ? info->unit_length : 31;
    memcpy(unit, info->unit, length);
    unit[length] = '\0';
    /* A file has a handful of units among thousands of limits: copy each once. */
    for (size_t i = 0; i < c->unit_count; i++)
        if (strcmp(c->units[i], unit) == 0) return c->units[i];
    const char *copy = perfbudget__doc_strdup(c->budget->doc, unit);
    if (copy == NULL) c->out_of_memory = 1;
    else if (c->unit_count < COUNT(c->units)) c->units[c->unit_count++] = copy;
    return copy ? copy : "";
}

/* The limit's kind and unit, from the quantity of its warn or fail. */
static void limit_take_unit(checker *c, perfbudget_limit *limit, const perfbudget_quantity *q,
                            const perfbudget__unit_info *info) {
    limit->kind = q->kind;
    limit->unit = limit_unit_name(c, info);
    limit->unit_factor = info->factor;
}

/* Pair `pair` of a limit's mapping (warn:, fail:, and higher_is_better: for a custom metric) into
 * limit; 0 when it was reported. */
static int limit_pair(checker *c, const perfbudget__node *value, size_t pair, const limit_target *t,
                      const char *name, perfbudget_limit *limit, int *have_kind) {
    const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
    if (!key_ok(c, k) || is_duplicate(c, value, pair)) return 0;
    int is_warn = strcmp(k->text, "warn") == 0, is_fail = strcmp(k->text, "fail") == 0;
    if (t->metric == PERFBUDGET_METRIC_CUSTOM && strcmp(k->text, "higher_is_better") == 0) {
        limit->higher_is_better = boolean(c, v, "higher_is_better") == 1;
        return 1;
    }
    if (!is_warn && !is_fail) {
        static const char *const plain[] = {"warn", "fail"};
        static const char *const custom[] = {"warn", "fail", "higher_is_better"};
        report_unknown_key(c, k, name, t->metric == PERFBUDGET_METRIC_CUSTOM ? custom : plain,
                           t->metric == PERFBUDGET_METRIC_CUSTOM ? 3 : 2);
        return 0;
    }
    char what[96];
    join3(what, sizeof what, name, ".", k->text);
    perfbudget_quantity q;
    perfbudget__unit_info info;
    if (quantity(c, v, what, t->kinds, &q, &info) != 0) return 0;
    if (*have_kind && q.kind != limit->kind) {
        REPORT_AT(c, v, "%s: warn and fail must be the same kind of quantity", name);
        return 0;
    }
    *have_kind = 1;
    limit_take_unit(c, limit, &q, &info);
    if (is_warn) limit->warn = q.value;
    else limit->fail = q.value;
    return 1;
}

static void check_limit(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        const limit_target *t, const char *name) {
    perfbudget_limit limit = {.metric = t->metric, .name = name, .warn = NAN, .fail = NAN,
                              .higher_is_better = t->higher_is_better, .line = key->line,
                              .column = key->column};
    perfbudget_quantity q;
    perfbudget__unit_info info;
    int ok = 1;
    if (value->kind == PERFBUDGET__MAPPING) {
        int have_kind = 0;
        /* Every pair is checked, so that one run reports all of a limit's errors. */
        for (size_t pair = 0; 2 * pair + 1 < value->count; pair++)
            if (!limit_pair(c, value, pair, t, name, &limit, &have_kind)) ok = 0;
        if (ok && isnan(limit.warn) && isnan(limit.fail)) {
            REPORT_AT(c, value, "%s needs warn, fail or both", name);
            ok = 0;
        }
    } else if (quantity(c, value, name, t->kinds, &q, &info) == 0) {
        limit_take_unit(c, &limit, &q, &info);
        limit.fail = q.value;
    } else {
        ok = 0;
    }
    if (!ok) return;
    if (!isnan(limit.warn) && !isnan(limit.fail) &&
        (limit.higher_is_better ? limit.warn < limit.fail : limit.warn > limit.fail)) {
        REPORT_AT(c, value, "%s: warn is beyond fail (a warning must come before the failure; "
                            "for a %s, warn %s fail)",
                  name, limit.higher_is_better ? "minimum" : "maximum",
                  limit.higher_is_better ? ">=" : "<=");
        return;
    }
    perfbudget_limit *slot = new_limit(c, t->entry);
    if (slot != NULL) *slot = limit;
}

/* The index in valid[] of the key of pair `pair` of a section (latency:, resources:), or
 * count when it is no key of the section (reported), malformed or given twice. */
static size_t section_key(checker *c, const perfbudget__node *section, size_t pair,
                          const char *name, const char *const *valid, size_t count) {
    const perfbudget__node *k = section->items[2 * pair];
    if (!key_ok(c, k) || is_duplicate(c, section, pair)) return count;
    size_t m = 0;
    while (m < count && strcmp(valid[m], k->text) != 0) m++;
    if (m == count) report_unknown_key(c, k, name, valid, count);
    return m;
}

static void on_latency(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    if (!is_mapping(c, value, "latency")) return;
    static const char *const valid[] = {"min", "max", "mean", "median", "p50",
                                        "p90", "p95", "p99", "stddev"};
    for (size_t pair = 0; 2 * pair + 1 < value->count; pair++) {
        const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
        size_t m = section_key(c, value, pair, "latency", valid, COUNT(valid));
        if (m == COUNT(valid)) continue;
        limit_target t = {target, (perfbudget_metric)m, KIND(PERFBUDGET_QUANTITY_DURATION), 0};
        check_limit(c, k, v, &t, metric_names[m]);
    }
}

static void simple_limit(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                         void *target, perfbudget_metric metric, unsigned kinds,
                         int higher_is_better) {
    limit_target t = {target, metric, kinds, higher_is_better};
    check_limit(c, key, value, &t, metric_names[metric]);
}

static void on_memory(checker *c, const perfbudget__node *k, const perfbudget__node *v, void *t) {
    simple_limit(c, k, v, t, PERFBUDGET_METRIC_MEMORY, KIND(PERFBUDGET_QUANTITY_SIZE), 0);
}
static void on_memory_growth(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                             void *t) {
    simple_limit(c, k, v, t, PERFBUDGET_METRIC_MEMORY_GROWTH, KIND(PERFBUDGET_QUANTITY_SIZE), 0);
}
static void on_cpu(checker *c, const perfbudget__node *k, const perfbudget__node *v, void *t) {
    simple_limit(c, k, v, t, PERFBUDGET_METRIC_CPU, KIND(PERFBUDGET_QUANTITY_PERCENT), 0);
}
static void on_throughput(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                          void *t) {
    simple_limit(c, k, v, t, PERFBUDGET_METRIC_THROUGHPUT,
                 KIND(PERFBUDGET_QUANTITY_RATE) | KIND(PERFBUDGET_QUANTITY_BYTE_RATE), 1);
}
static void on_instructions(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                            void *t) {
    simple_limit(c, k, v, t, PERFBUDGET_METRIC_INSTRUCTIONS, KIND(PERFBUDGET_QUANTITY_NUMBER), 0);
}

/* resources: {io_write: 1 MB, major_faults: 0, gc_time: 50 us, ...}, per iteration. */
static void on_resources(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                         void *target) {
    (void)key;
    if (!is_mapping(c, value, "resources")) return;
    static const char *const valid[] = {
        "io_read", "io_write", "minor_faults", "major_faults", "voluntary_switches",
        "involuntary_switches", "energy", "gc_collections", "gc_time", "allocations"};
    for (size_t pair = 0; 2 * pair + 1 < value->count; pair++) {
        const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
        size_t m = section_key(c, value, pair, "resources", valid, COUNT(valid));
        if (m == COUNT(valid)) continue;
        perfbudget_metric metric = (perfbudget_metric)(PERFBUDGET_METRIC_IO_READ + m);
        unsigned kinds = metric == PERFBUDGET_METRIC_IO_READ || metric == PERFBUDGET_METRIC_IO_WRITE
                             ? KIND(PERFBUDGET_QUANTITY_SIZE)
                         : metric == PERFBUDGET_METRIC_GC_TIME ? KIND(PERFBUDGET_QUANTITY_DURATION)
                                                               : KIND(PERFBUDGET_QUANTITY_NUMBER);
        simple_limit(c, k, v, target, metric, kinds, 0);
    }
}

static void on_metrics(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    if (!is_mapping(c, value, "metrics")) return;
    for (size_t pair = 0; 2 * pair + 1 < value->count; pair++) {
        const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
        if (!key_ok(c, k) || is_duplicate(c, value, pair)) continue;
        if (k->text[0] == '\0') {
            REPORT_AT(c, k, "a custom metric needs a name");
            continue;
        }
        limit_target t = {target, PERFBUDGET_METRIC_CUSTOM, ANY_KIND, 0};
        check_limit(c, k, v, &t, k->text);
    }
}

static void on_entry_regression(checker *c, const perfbudget__node *key,
                                const perfbudget__node *value, void *target) {
    (void)key;
    check_regression(c, value, &((entry *)target)->regression);
}

static void on_entry_warmup(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                            void *t) {
    on_warmup(c, k, v, &((entry *)t)->measure);
}
static void on_entry_rounds(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                            void *t) {
    on_rounds(c, k, v, &((entry *)t)->measure);
}
static void on_entry_max_time(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                              void *t) {
    on_max_time(c, k, v, &((entry *)t)->measure);
}
static void on_entry_min_time(checker *c, const perfbudget__node *k, const perfbudget__node *v,
                              void *t) {
    on_min_time(c, k, v, &((entry *)t)->measure);
}
static void on_entry_speed_correction(checker *c, const perfbudget__node *k,
                                      const perfbudget__node *v, void *t) {
    on_speed_correction(c, k, v, &((entry *)t)->measure);
}

static void on_complexity(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                          void *target) {
    (void)key;
    if ((value = scalar(c, value, "complexity")) == NULL) return;
    perfbudget_complexity complexity;
    if (c->scratch == NULL && perfbudget_context_new(&c->scratch) != PERFBUDGET_OK) {
        c->out_of_memory = 1;
        return;
    }
    if (perfbudget_complexity_parse(c->scratch, value->text, &complexity) != PERFBUDGET_OK) {
        REPORT_AT(c, value, "complexity: %s", perfbudget_errmsg(c->scratch));
        return;
    }
    ((entry *)target)->complexity = (int)complexity;
}

/* scaling: {threads: 2, efficiency: 80%}: the least efficiency N threads may reach against one
 * (threads.h). Both keys are needed; efficiency is a percentage from 0 to 100. */
static void on_scaling_threads(checker *c, const perfbudget__node *key,
                               const perfbudget__node *value, void *target) {
    (void)key;
    int64_t threads = whole_number(c, value, "scaling.threads", 1);
    if (threads > PERFBUDGET_THREADS_MAX)
        REPORT_AT(c, value, "scaling.threads must be at most %d (got %s)", PERFBUDGET_THREADS_MAX,
                  value->text);
    else if (threads > 0)
        ((entry *)target)->scaling_threads = (uint32_t)threads;
}

static void on_scaling_efficiency(checker *c, const perfbudget__node *key,
                                  const perfbudget__node *value, void *target) {
    (void)key;
    perfbudget_quantity q;
    if (quantity(c, value, "scaling.efficiency", KIND(PERFBUDGET_QUANTITY_PERCENT), &q, NULL) != 0)
        return;
    if (q.value > 100.0) {
        REPORT_AT(c, value, "scaling.efficiency must be at most 100%% (got %s)", value->text);
        return;
    }
    ((entry *)target)->scaling_efficiency_pct = q.value;
}

static const key_def scaling_keys[] = {{"threads", on_scaling_threads},
                                       {"efficiency", on_scaling_efficiency}};

static void on_scaling(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    entry *e = target;
    e->scaling_efficiency_pct = NAN;
    size_t errors_before = c->count;
    walk(c, value, "scaling", scaling_keys, COUNT(scaling_keys), e);
    if (c->count > errors_before) {
        e->scaling_threads = 0; /* said what is wrong; half an entry is not kept */
        return;
    }
    if (e->scaling_threads == 0 || isnan(e->scaling_efficiency_pct)) {
        REPORT_AT(c, key, "scaling needs threads and efficiency, such as "
                          "{threads: 2, efficiency: 80%%}");
        e->scaling_threads = 0;
    }
}

/* advice: and link: a team's words on what to do when the entry fails, shown under the failure. */
static void on_advice(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                      void *target) {
    (void)key;
    if ((value = scalar(c, value, "advice")) == NULL) return;
    ((entry *)target)->advice = value->text;
}

static void on_link(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                    void *target) {
    (void)key;
    if ((value = scalar(c, value, "link")) == NULL) return;
    /* Shown as one word in terminals and Markdown: a space or a control character would cut it. */
    for (const unsigned char *p = (const unsigned char *)value->text; *p; p++)
        if (*p <= ' ' || *p == 0x7F) {
            REPORT_AT(c, value, "link '%s' must be one URL or path without spaces, such as "
                                "https://wiki.example.com/perf", value->text);
            return;
        }
    ((entry *)target)->link = value->text;
}

static void on_fail_on(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    if ((value = scalar(c, value, "fail_on")) == NULL) return;
    perfbudget_fail_on policy;
    if (perfbudget_fail_on_parse(value->text, &policy) == PERFBUDGET_OK)
        *(int *)target = (int)policy;
    else
        REPORT_AT(c, value, "fail_on must be regression, critical or never, not '%s'",
                  value->text);
}

static const key_def policy_keys[] = {{"fail_on", on_fail_on}};

static void on_entry_policy(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                            void *target) {
    (void)key;
    walk(c, value, "policy", policy_keys, COUNT(policy_keys), &((entry *)target)->fail_on);
}

static const key_def entry_keys[] = {
    {"latency", on_latency},         {"memory", on_memory},
    {"memory_growth", on_memory_growth}, {"cpu", on_cpu},
    {"throughput", on_throughput},   {"instructions", on_instructions},
    {"metrics", on_metrics},         {"resources", on_resources},
    {"regression", on_entry_regression},
    {"warmup", on_entry_warmup},     {"rounds", on_entry_rounds},
    {"max_time", on_entry_max_time}, {"min_time", on_entry_min_time},
    {"speed_correction", on_entry_speed_correction}, {"complexity", on_complexity},
    {"scaling", on_scaling},
    {"advice", on_advice},           {"link", on_link},
    {"policy", on_entry_policy}};

/* ---- top level ---------------------------------------------------------------------------- */

static void on_defaults_regression(checker *c, const perfbudget__node *key,
                                   const perfbudget__node *value, void *target) {
    (void)key;
    (void)target;
    check_regression(c, value, &c->budget->regression);
}

static const key_def defaults_keys[] = {{"warmup", on_warmup},
                                        {"rounds", on_rounds},
                                        {"max_time", on_max_time},
                                        {"min_time", on_min_time},
                                        {"speed_correction", on_speed_correction},
                                        {"regression", on_defaults_regression}};

static void on_version(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    *(int *)target = 1;
    if ((value = scalar(c, value, "version")) == NULL) return;
    if (strcmp(value->text, "1") == 0) return;
    if (value->text[0] != '\0' && strspn(value->text, "0123456789") == strlen(value->text))
        REPORT_AT(c, value, "unsupported version %s (this perfbudget %s reads version 1)",
                  value->text, perfbudget_version());
    else
        REPORT_AT(c, value, "version must be 1, not '%s'", value->text);
}

static void on_history(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    (void)target;
    if ((value = scalar(c, value, "history")) == NULL) return;
    /* An empty path would be SQLite's temporary database: every run lost, silently. */
    size_t length = strlen(value->text);
    if (length == 0)
        REPORT_AT(c, value, "history is empty; give a file such as .perfbudget/history.sqlite, or "
                            "leave the key out");
    else if (value->text[length - 1] == '/')
        REPORT_AT(c, value, "history '%s' names a directory; give a file in it, such as "
                            "%shistory.sqlite", value->text, value->text);
    else
        c->budget->history_setting = value->text;
}

static const key_def settings_keys[] = {{"history", on_history}};

static void on_settings(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        void *target) {
    (void)key;
    walk(c, value, "settings", settings_keys, COUNT(settings_keys), target);
}

static void on_defaults(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                        void *target) {
    (void)key;
    (void)target;
    walk(c, value, "defaults", defaults_keys, COUNT(defaults_keys), &c->budget->measure);
}

static void init_measure(perfbudget_measure_settings *m) {
    m->warmup_iterations = m->warmup_ns = m->rounds = m->min_time_ns = m->max_time_ns = -1;
    m->speed_correction = -1;
}

static void init_regression(perfbudget_regression_settings *r) {
    r->threshold_pct = r->critical_pct = NAN;
    r->statistic = -1;
    for (int g = 0; g < PERFBUDGET__GROUP_COUNT; g++)
        *perfbudget__group_threshold_slot(&r->per_metric, g) = NAN;
}

/* Budgets can hold thousands of entries: find duplicates by sorting, not pairwise. */
static int compare_entries(const void *a, const void *b) {
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    int order = strcmp(x->pattern, y->pattern);
    return order ? order : (x->line > y->line) - (x->line < y->line);
}

static void report_duplicate_entries(checker *c) {
    perfbudget_budget *b = c->budget;
    if (b->entry_count < 2) return;
    entry **sorted = malloc(b->entry_count * sizeof *sorted);
    if (sorted == NULL) {
        c->out_of_memory = 1;
        return;
    }
    for (size_t i = 0; i < b->entry_count; i++) sorted[i] = &b->entries[i];
    qsort(sorted, b->entry_count, sizeof *sorted, compare_entries);
    const entry *first = sorted[0];
    for (size_t i = 1; i < b->entry_count; i++) {
        const entry *again = sorted[i];
        if (strcmp(first->pattern, again->pattern) != 0)
            first = again;
        else
            report(c, again->line, again->column, "duplicate budget '%s' (first at %d:%d)",
                   again->pattern, first->line, first->column);
    }
    /* Without duplicates this is the order of the index of exact names: sorted once, not twice
     * (perfbudget__budget_index). */
    b->exact = (const entry **)sorted;
    b->exact_count = b->entry_count;
}

static void on_budgets(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                       void *target) {
    (void)key;
    (void)target;
    if (!is_mapping(c, value, "budgets")) return;
    perfbudget_budget *b = c->budget;
    size_t pairs = value->count / 2;
    b->entries = calloc(pairs ? pairs : 1, sizeof *b->entries);
    if (b->entries == NULL) {
        c->out_of_memory = 1;
        return;
    }
    for (size_t pair = 0; pair < pairs; pair++) {
        const perfbudget__node *k = value->items[2 * pair], *v = value->items[2 * pair + 1];
        if (!key_ok(c, k)) continue;
        if (k->text[0] == '\0') {
            REPORT_AT(c, k, "a budget needs a benchmark name or a glob");
            continue;
        }
        entry *e = &b->entries[b->entry_count++];
        e->pattern = k->text;
        e->line = k->line;
        e->column = k->column;
        init_measure(&e->measure);
        init_regression(&e->regression);
        e->fail_on = -1;
        char what[128], shown[101];
        size_t length = strlen(k->text);
        length = length < 100 ? length : 100; /* as "%.100s": bytes */
        memcpy(shown, k->text, length);
        shown[length] = '\0';
        join3(what, sizeof what, "budget '", shown, "'");
        walk(c, v, what, entry_keys, COUNT(entry_keys), e);
    }
    report_duplicate_entries(c);
}

static void on_policy(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                      void *target) {
    (void)key;
    (void)target;
    walk(c, value, "policy", policy_keys, COUNT(policy_keys), &c->budget->fail_on);
}

void perfbudget__budget_guidance(const perfbudget_budget *budget, const char *entry_pattern,
                                 const char **advice, const char **link, int *fail_on) {
    *advice = *link = NULL;
    *fail_on = budget->fail_on;
    for (size_t i = 0; entry_pattern != NULL && i < budget->entry_count; i++) {
        const entry *e = &budget->entries[i];
        if (e->pattern != entry_pattern) continue; /* resolve() hands out the entry's own pointer */
        *advice = e->advice;
        *link = e->link;
        if (e->fail_on >= 0) *fail_on = e->fail_on;
        break;
    }
    if (*fail_on < 0) *fail_on = PERFBUDGET_FAIL_ON_REGRESSION;
}


/* ---- alerts ---------------------------------------------------------------------------------- */

/* The words of a scalar or of a sequence of scalars (branches:, events:), each checked by
 * accept; 0 when the value is neither or a word is refused (reported). */
static int each_word(checker *c, const perfbudget__node *value, const char *what,
                     int (*accept)(checker *, const perfbudget__node *, void *), void *target) {
    if (value->kind == PERFBUDGET__MAPPING) {
        REPORT_AT(c, value, "%s must be a word or a list of words, not a mapping", what);
        return 0;
    }
    if (value->kind == PERFBUDGET__SCALAR)
        return scalar(c, value, what) != NULL && accept(c, value, target);
    if (value->count == 0) {
        REPORT_AT(c, value, "%s is an empty list; leave the key out instead", what);
        return 0;
    }
    int ok = 1;
    for (unsigned i = 0; i < value->count; i++) {
        const perfbudget__node *item = value->items[i];
        if (item->kind != PERFBUDGET__SCALAR || scalar(c, item, what) == NULL) {
            if (item->kind != PERFBUDGET__SCALAR)
                REPORT_AT(c, item, "%s: each item must be a word", what);
            ok = 0;
        } else if (!accept(c, item, target)) {
            ok = 0;
        }
    }
    return ok;
}

static int accept_branch(checker *c, const perfbudget__node *word, void *target) {
    (void)c, (void)word, (void)target;
    return 1;
}

static int accept_event(checker *c, const perfbudget__node *word, void *target) {
    perfbudget__alert *a = target;
    if (strcmp(word->text, "regression") == 0) a->on_regression = 1;
    else if (strcmp(word->text, "breach") == 0) a->on_breach = 1;
    else {
        REPORT_AT(c, word, "unknown event '%s' in alerts (valid: regression, breach)", word->text);
        return 0;
    }
    return 1;
}

static void on_alert_url(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                         void *target) {
    (void)key;
    if ((value = scalar(c, value, "url")) == NULL) return;
    /* libcurl speaks many protocols; a webhook is HTTP, and nothing else is ever tried. */
    if (strncmp(value->text, "https://", 8) != 0 && strncmp(value->text, "http://", 7) != 0)
        REPORT_AT(c, value, "url must start with https:// or http://");
    else
        ((perfbudget__alert *)target)->url = value->text;
}

static void on_alert_url_env(checker *c, const perfbudget__node *key,
                             const perfbudget__node *value, void *target) {
    (void)key;
    if ((value = scalar(c, value, "url_env")) == NULL) return;
    const char *name = value->text;
    if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
            strlen(name) || (name[0] >= '0' && name[0] <= '9'))
        REPORT_AT(c, value, "url_env must name an environment variable (letters, digits and _), "
                            "not '%s'", name);
    else
        ((perfbudget__alert *)target)->url_env = name;
}

static void on_alert_format(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                            void *target) {
    (void)key;
    if ((value = scalar(c, value, "format")) == NULL) return;
    if (strcmp(value->text, "slack") == 0) ((perfbudget__alert *)target)->generic = 0;
    else if (strcmp(value->text, "generic") == 0) ((perfbudget__alert *)target)->generic = 1;
    else REPORT_AT(c, value, "format must be slack or generic, not '%s'", value->text);
}

static void on_alert_branches(checker *c, const perfbudget__node *key,
                              const perfbudget__node *value, void *target) {
    (void)key;
    if (each_word(c, value, "branches", accept_branch, NULL))
        ((perfbudget__alert *)target)->branches = value;
}

static void on_alert_events(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                            void *target) {
    (void)key;
    perfbudget__alert *a = target;
    a->on_regression = a->on_breach = 0;
    each_word(c, value, "events", accept_event, a);
}

static void on_alert_tries(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                           void *target) {
    (void)key;
    int64_t tries = whole_number(c, value, "tries", 1);
    if (tries > 10) REPORT_AT(c, value, "tries must be at most 10 (got %s)", value->text);
    else if (tries >= 1) ((perfbudget__alert *)target)->tries = (int)tries;
}

static void on_alert_timeout(checker *c, const perfbudget__node *key,
                             const perfbudget__node *value, void *target) {
    perfbudget__alert *a = target;
    int64_t timeout_ns = -1;
    duration_setting(c, key, value, &timeout_ns);
    if (timeout_ns > INT64_C(60000000000))
        REPORT_AT(c, value, "timeout must be at most 60s (got %s)", value->text);
    else if (timeout_ns > 0)
        a->timeout_ns = timeout_ns;
}

static const key_def alert_keys[] = {
    {"url", on_alert_url},           {"url_env", on_alert_url_env}, {"format", on_alert_format},
    {"branches", on_alert_branches}, {"events", on_alert_events},   {"tries", on_alert_tries},
    {"timeout", on_alert_timeout}};

static void on_alerts(checker *c, const perfbudget__node *key, const perfbudget__node *value,
                      void *target) {
    (void)key;
    (void)target;
    if (value->kind != PERFBUDGET__SEQUENCE) {
        REPORT_AT(c, value, "alerts must be a list of webhooks, each a mapping with url: or "
                            "url_env:");
        return;
    }
    perfbudget_budget *b = c->budget;
    b->alerts = calloc(value->count ? value->count : 1, sizeof *b->alerts);
    if (b->alerts == NULL) {
        c->out_of_memory = 1;
        return;
    }
    for (unsigned i = 0; i < value->count; i++) {
        const perfbudget__node *item = value->items[i];
        perfbudget__alert a = {.on_regression = 1, .on_breach = 1, .tries = 3,
                               .timeout_ns = INT64_C(5000000000), .line = item->line};
        if (item->kind != PERFBUDGET__MAPPING) {
            REPORT_AT(c, item, "each alert must be a mapping with url: or url_env:");
            continue;
        }
        size_t errors_before = c->count;
        walk(c, item, "alerts", alert_keys, COUNT(alert_keys), &a);
        if (c->count != errors_before) continue;
        if (a.url == NULL && a.url_env == NULL) {
            REPORT_AT(c, item, "an alert needs url: (the webhook) or url_env: (the variable "
                               "holding it)");
            continue;
        }
        if (a.url != NULL && a.url_env != NULL) {
            REPORT_AT(c, item, "an alert takes url: or url_env:, not both");
            continue;
        }
        b->alerts[b->alert_count++] = a;
    }
}

static const key_def top_keys[] = {{"version", on_version},
                                   {"settings", on_settings},
                                   {"defaults", on_defaults},
                                   {"budgets", on_budgets},
                                   {"policy", on_policy},
                                   {"alerts", on_alerts}};

/* ---- loading ---------------------------------------------------------------------------------- */

void perfbudget_budget_free(perfbudget_budget *budget) {
    if (budget == NULL) return;
    for (size_t i = 0; i < budget->entry_count; i++) free(budget->entries[i].limits);
    free(budget->entries);
    free(budget->exact);
    free(budget->globs);
    free(budget->alerts);
    free(budget->path);
    free(budget->history);
    perfbudget__doc_free(budget->doc);
    free(budget);
}

static char *resolve_history(const char *budget_path, const char *setting) {
    const char *relative = setting ? setting : ".perfbudget/history.sqlite";
    const char *slash = strrchr(budget_path, '/');
    /* A PostgreSQL URI is no path: it is taken as it is. */
    size_t dir_length = relative[0] == '/' || slash == NULL ||
                                perfbudget_history_is_database(relative)
                            ? 0
                            : (size_t)(slash - budget_path) + 1;
    size_t size = dir_length + strlen(relative) + 1;
    char *path = malloc(size);
    if (path != NULL) snprintf(path, size, "%.*s%s", (int)dir_length, budget_path, relative);
    return path;
}

/* Insertion sort: stable, and error lists are short. */
static void sort_errors(perfbudget_budget_error *errors, size_t n) {
    for (size_t i = 1; i < n; i++) {
        perfbudget_budget_error e = errors[i];
        size_t j = i;
        while (j > 0 && (errors[j - 1].line > e.line ||
                         (errors[j - 1].line == e.line && errors[j - 1].column > e.column))) {
            errors[j] = errors[j - 1];
            j--;
        }
        errors[j] = e;
    }
}

/* An empty budget named name, with the default settings; NULL when out of memory. */
static perfbudget_budget *new_budget(const char *name) {
    perfbudget_budget *b = calloc(1, sizeof *b);
    if (b == NULL || (b->path = malloc(strlen(name) + 1)) == NULL) {
        free(b);
        return NULL;
    }
    memcpy(b->path, name, strlen(name) + 1);
    init_measure(&b->measure);
    init_regression(&b->regression);
    b->fail_on = -1;
    return b;
}

/* Checks a parsed budget document, from its root (NULL for an empty document), into c. */
static void check_root(checker *c, const perfbudget__node *root) {
    if (root == NULL ||
        (root->kind == PERFBUDGET__SCALAR && root->plain && root->text[0] == '\0')) {
        report(c, 1, 1, "the budget file is empty (it needs at least 'version: 1')");
    } else if (root->kind != PERFBUDGET__MAPPING) {
        REPORT_AT(c, root, "a budget file is a mapping with 'version: 1' and 'budgets:'");
    } else {
        int have_version = 0;
        walk(c, root, "the top level", top_keys, COUNT(top_keys), &have_version);
        if (!have_version) report(c, root->line, root->column, "missing 'version: 1'");
    }
}

int perfbudget_budget_new_from_text(perfbudget_context *ctx, const char *text, size_t size,
                                    const char *name, perfbudget_budget **out,
                                    perfbudget_budget_error *errors, size_t capacity,
                                    size_t *error_count) {
    if (error_count != NULL) *error_count = 0;
    if (out == NULL || (text == NULL && size > 0) || name == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "budget: NULL argument");
    *out = NULL;
    checker c = {.ctx = ctx, .name = name, .errors = errors, .capacity = errors ? capacity : 0};
    perfbudget_budget *b = new_budget(name);
    if (b == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "budget: out of memory");
    c.budget = b;

    perfbudget__node *root = NULL;
    int line = 1, column = 1;
    char message[sizeof errors->message];
    int status = perfbudget__doc_parse(text ? text : "", size, &b->doc, &root, &line, &column,
                                       message, sizeof message);
    if (status == PERFBUDGET_ENOMEM) {
        perfbudget_budget_free(b);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "budget: out of memory");
    }
    if (status != PERFBUDGET_OK) report(&c, line, column, "%s", message);
    else check_root(&c, root);
    if (!c.out_of_memory && c.count == 0) {
        b->history = resolve_history(name, b->history_setting);
        if (b->history == NULL || perfbudget__budget_index(b) != PERFBUDGET_OK)
            c.out_of_memory = 1;
    }
    if (error_count != NULL) *error_count = c.count;
    perfbudget_context_free(c.scratch);
    if (c.count > 0) {
        /* In file order, as editors list them; the sort is stable by report order. */
        size_t stored = c.count < c.capacity ? c.count : c.capacity;
        sort_errors(errors, stored);
        perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s:%d:%d: %s", name, c.earliest.line,
                         c.earliest.column, c.earliest.message);
    }
    if (c.out_of_memory) {
        perfbudget_budget_free(b);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "budget: out of memory");
    }
    if (c.count > 0) {
        perfbudget_budget_free(b);
        return PERFBUDGET_EPARSE;
    }
    *out = b;
    return PERFBUDGET_OK;
}

int perfbudget_budget_new_from_file(perfbudget_context *ctx, const char *path,
                                    perfbudget_budget **out, perfbudget_budget_error *errors,
                                    size_t capacity, size_t *error_count) {
    if (error_count != NULL) *error_count = 0;
    if (path == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "budget: NULL argument");
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO would wait for a writer, forever; only a regular file is read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "%s: cannot open: %s", path,
                                strerror(errno));
    struct stat info;
    int error = fstat(fd, &info) != 0 ? errno : 0;
    if (error != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        if (error != 0)
            return perfbudget__fail(ctx, PERFBUDGET_EIO, "%s: cannot open: %s", path,
                                    strerror(error));
        return perfbudget__fail(ctx, PERFBUDGET_EIO,
                                "%s: not a regular file (%s); a budget file is a regular file",
                                path, S_ISDIR(info.st_mode)    ? "a directory"
                                      : S_ISFIFO(info.st_mode) ? "a FIFO"
                                      : S_ISCHR(info.st_mode)  ? "a character device"
                                                               : "a special file");
    }
    FILE *file = fdopen(fd, "rb");
    if (file == NULL) {
        close(fd);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "budget: out of memory");
    }
    char *text = malloc(MAX_FILE_SIZE + 1);
    size_t size = text ? fread(text, 1, MAX_FILE_SIZE + 1, file) : 0;
    int read_error = ferror(file);
    fclose(file);
    if (text == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "budget: out of memory");
    if (read_error) {
        free(text);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "%s: read error", path);
    }
    if (size > MAX_FILE_SIZE) {
        free(text);
        if (errors != NULL && capacity > 0) {
            errors[0].line = errors[0].column = 1;
            snprintf(errors[0].message, sizeof errors[0].message,
                     "the file is larger than %d MiB", MAX_FILE_SIZE >> 20);
        }
        if (error_count != NULL) *error_count = 1;
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s:1:1: the file is larger than %d MiB",
                                path, MAX_FILE_SIZE >> 20);
    }
    int status = perfbudget_budget_new_from_text(ctx, text, size, path, out, errors, capacity,
                                                 error_count);
    free(text);
    return status;
}

const char *perfbudget_budget_path(const perfbudget_budget *budget) {
    return budget ? budget->path : NULL;
}

const char *perfbudget_budget_history_path(const perfbudget_budget *budget) {
    return budget ? budget->history : NULL;
}

size_t perfbudget_budget_entry_count(const perfbudget_budget *budget) {
    return budget ? budget->entry_count : 0;
}

const char *perfbudget_budget_entry_pattern(const perfbudget_budget *budget, size_t index,
                                            int *line) {
    if (budget == NULL || index >= budget->entry_count) return NULL;
    if (line != NULL) *line = budget->entries[index].line;
    return budget->entries[index].pattern;
}
