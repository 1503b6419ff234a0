/* SPDX-License-Identifier: MIT */
/* libFuzzer target: quantities with units ("250ms", "512MiB", "70%") and the other names a
 * command line or budget file gives (statistics, report formats). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The parsers take C strings: an exact-size copy lets ASan see a read past the end. */
    char *text = malloc(size + 1);
    if (text == NULL) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) abort();

    perfbudget_quantity q;
    perfbudget__unit_info unit;
    if (perfbudget__quantity_parse(ctx, text, &q, &unit) == PERFBUDGET_OK) {
        /* What a budget may rely on: a finite value of a known kind, the unit inside the text. */
        if (!isfinite(q.value) || strcmp(perfbudget_quantity_kind_name(q.kind), "unknown") == 0 ||
            unit.unit < text || unit.unit + unit.unit_length > text + strlen(text))
            abort();
    } else if (perfbudget_errmsg(ctx)[0] == '\0') {
        abort(); /* every refusal says why */
    }
    perfbudget_statistic statistic;
    perfbudget_report_format format;
    (void)perfbudget_statistic_parse(text, &statistic);
    (void)perfbudget_report_format_parse(text, &format);

    perfbudget_context_free(ctx);
    free(text);
    return 0;
}
