/* SPDX-License-Identifier: MIT */
/* Text from users (benchmark, metric, stage and baseline names, messages, titles, file names,
 * branches) on its way to a terminal or a file: one rule for control characters and invalid
 * UTF-8, and the UTF-8 check names pass where they enter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* How many bytes the UTF-8 character at p takes, 0 when it is not one: a stray continuation
 * byte, an overlong form, a surrogate, beyond U+10FFFF or cut short. The rule jansson applies,
 * so any name the core takes can be written to JSON. */
static size_t utf8_length(const unsigned char *p) {
    if (p[0] < 0x80) return 1;
    if (p[0] < 0xc2 || p[0] > 0xf4) return 0;
    size_t length = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
    for (size_t i = 1; i < length; i++)
        if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the terminating NUL */
    if (length == 3 && p[0] == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
    if (length == 3 && p[0] == 0xed && p[1] >= 0xa0) return 0; /* surrogate */
    if (length == 4 && p[0] == 0xf0 && p[1] < 0x90) return 0; /* overlong */
    if (length == 4 && p[0] == 0xf4 && p[1] >= 0x90) return 0; /* beyond U+10FFFF */
    return length;
}

int perfbudget__utf8_valid(const char *text, size_t *offset) {
    const unsigned char *p = (const unsigned char *)text;
    for (size_t length; *p; p += length)
        if ((length = utf8_length(p)) == 0) {
            if (offset != NULL) *offset = (size_t)(p - (const unsigned char *)text);
            return 0;
        }
    return 1;
}

int perfbudget__check_name(perfbudget_context *ctx, const char *what, const char *name) {
    size_t offset;
    if (name == NULL || perfbudget__utf8_valid(name, &offset)) return PERFBUDGET_OK;
    char shown[160];
    perfbudget__shown(name, shown, sizeof shown);
    return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                            "%s '%s' is not valid UTF-8: byte 0x%02x at byte offset %zu", what,
                            shown, (unsigned char)name[offset], offset);
}

/* The character at p as it is shown: NULL when as it is, else its escape in buf. *length says
 * how many bytes of p it takes. controls: escape control characters (else only bytes that are
 * not UTF-8); keep_lines: but not newlines and tabs. */
static const char *escape_at(const unsigned char *p, int controls, int keep_lines, char buf[8],
                             size_t *length) {
    size_t n = utf8_length(p);
    *length = n ? n : 1;
    if (n == 0) {
        snprintf(buf, 8, "\\x%02x", p[0]);
        return buf;
    }
    if (!controls) return NULL;
    if (p[0] < 0x20 || p[0] == 0x7f) {
        if (keep_lines && (p[0] == '\n' || p[0] == '\t')) return NULL;
        if (p[0] == '\n') return "\\n";
        if (p[0] == '\r') return "\\r";
        if (p[0] == '\t') return "\\t";
        snprintf(buf, 8, "\\x%02x", p[0]);
        return buf;
    }
    unsigned code = n == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                    : n == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
                             : 0;
    /* The C1 controls (U+0080-U+009F: U+009B is a CSI to many terminals), the line and
     * paragraph separators, and the bidirectional overrides and isolates that make a terminal
     * or an editor show text in another order than it is ("Trojan Source"). */
    if ((code >= 0x80 && code <= 0x9f) || (code >= 0x2028 && code <= 0x202e) ||
        (code >= 0x2066 && code <= 0x2069)) {
        snprintf(buf, 8, "\\u%04x", code);
        return buf;
    }
    return NULL;
}

/* The run of characters at p shown as they are, in bytes. */
static size_t plain_run(const unsigned char *p, int controls, int keep_lines) {
    size_t run = 0, length;
    char buf[8];
    while (p[run] != '\0' && escape_at(p + run, controls, keep_lines, buf, &length) == NULL)
        run += length;
    return run;
}

static void append_shown(perfbudget__text *t, const char *s, int controls, int keep_lines) {
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t run = plain_run(p, controls, keep_lines), length;
        if (run > 0) perfbudget__append(t, "%.*s", (int)run, (const char *)p);
        p += run;
        if (*p == '\0') break;
        char buf[8];
        /* Never NULL here (p is where the plain run stopped); the check keeps -O3's
         * -Wformat-overflow from assuming otherwise. */
        const char *escape = escape_at(p, controls, keep_lines, buf, &length);
        perfbudget__append(t, "%s", escape != NULL ? escape : "");
        p += length;
    }
}

void perfbudget__append_printable(perfbudget__text *t, const char *s, int keep_lines) {
    append_shown(t, s, 1, keep_lines);
}

static char *finished(perfbudget__text *t) {
    if (t->failed) {
        free(t->data);
        return NULL;
    }
    return t->data;
}

char *perfbudget__printable(const char *s) {
    perfbudget__text t = {0};
    perfbudget__append(&t, "%s", "");
    perfbudget__append_printable(&t, s, 0);
    return finished(&t);
}

char *perfbudget__utf8_repaired(const char *s) {
    perfbudget__text t = {0};
    perfbudget__append(&t, "%s", "");
    append_shown(&t, s, 0, 0);
    return finished(&t);
}

void perfbudget__append_text(perfbudget__text *t, const char *s, const char *special,
                             const char *const *with) {
    perfbudget__text shown = {0};
    perfbudget__append(&shown, "%s", "");
    perfbudget__append_printable(&shown, s, 0);
    if (shown.failed) t->failed = 1;
    else perfbudget__append_escaped(t, shown.data, special, with);
    free(shown.data);
}

/* Into out, whole characters and escapes only; when it does not fit, cut with "...". */
static char *copy_shown(char *out, size_t size, const char *text, int controls) {
    if (out == NULL || size == 0) return out;
    const unsigned char *start = (const unsigned char *)(text ? text : "");
    char buf[8];
    size_t length, total = 0;
    for (const unsigned char *p = start; *p; p += length) {
        const char *escape = escape_at(p, controls, 0, buf, &length);
        total += escape ? strlen(escape) : length;
    }
    size_t room = total < size ? size - 1 : size > 3 ? size - 4 : 0, used = 0;
    for (const unsigned char *p = start; *p; p += length) {
        const char *escape = escape_at(p, controls, 0, buf, &length);
        size_t piece = escape ? strlen(escape) : length;
        if (used + piece > room) break;
        memcpy(out + used, escape ? escape : (const char *)p, piece);
        used += piece;
    }
    if (total >= size && size > 3) memcpy(out + used, "...", 3), used += 3;
    out[used] = '\0';
    return out;
}

char *perfbudget__shown(const char *text, char *out, size_t size) {
    return copy_shown(out, size, text, 1);
}

char *perfbudget__copy_utf8(char *out, size_t size, const char *text) {
    return copy_shown(out, size, text, 0);
}

int perfbudget__columns(const char *text) {
    int columns = 0;
    for (const char *c = text; *c != '\0'; c++) columns += ((unsigned char)*c & 0xC0) != 0x80;
    return columns;
}

/* A cell that is a plain decimal number ("-3.5", "+2e-3"): a spreadsheet reads it as that
 * number, never as a formula, so it needs no neutralising. */
static int plain_number(const char *text) {
    const char *p = text + (*text == '-' || *text == '+');
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t fraction = strspn(p + 1, "0123456789");
        digits += fraction;
        p += 1 + fraction;
    }
    if (digits == 0) return 0;
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '-' || p[1] == '+');
        size_t exponent = strspn(p, "0123456789");
        if (exponent == 0) return 0;
        p += exponent;
    }
    return *p == '\0';
}

void perfbudget__append_csv_text(perfbudget__text *t, const char *s) {
    const char *text = s ? s : "";
    /* OWASP's "CSV Injection": a cell starting with =, +, -, @, tab or carriage return is a
     * formula to spreadsheets; a leading ' makes it text, and the cell is quoted. */
    int formula = text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL && !plain_number(text);
    perfbudget__text shown = {0};
    perfbudget__append(&shown, "%s", formula ? "'" : "");
    perfbudget__append_printable(&shown, text, 0);
    if (shown.failed) {
        t->failed = 1;
        free(shown.data);
        return;
    }
    /* RFC 4180: a field with a comma or a quote is quoted, its quotes doubled (line breaks are
     * escaped above). */
    if (!formula && strpbrk(shown.data, ",\"") == NULL) {
        perfbudget__append(t, "%s", shown.data);
    } else {
        static const char *const doubled[] = {"\"\""};
        perfbudget__append(t, "\"");
        perfbudget__append_escaped(t, shown.data, "\"", doubled);
        perfbudget__append(t, "\"");
    }
    free(shown.data);
}

char *perfbudget__json_shown(char *json) {
    if (json == NULL) return NULL;
    perfbudget__text t = {0};
    perfbudget__append(&t, "%s", "");
    const unsigned char *p = (const unsigned char *)json;
    while (*p) {
        size_t run = 0, length;
        char buf[8];
        const char *escape = NULL;
        /* jansson escapes C0 itself; raw newlines here are the layout's, kept */
        while (p[run] != '\0' && ((escape = escape_at(p + run, 1, 0, buf, &length)) == NULL ||
                                  p[run] < 0x20))
            run += length;
        if (p == (const unsigned char *)json && p[run] == '\0') {
            free(t.data);
            return json; /* nothing to escape: the common case, no copy */
        }
        perfbudget__append(&t, "%.*s", (int)run, (const char *)p);
        p += run;
        if (*p == '\0') break;
        /* as jansson writes its escapes: \u and four upper-case digits (JSON has no \x) */
        unsigned code = length == 1 ? p[0]
                        : length == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                                      : (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
        perfbudget__append(&t, "\\u%04X", code);
        p += length;
    }
    free(json);
    return finished(&t);
}

int perfbudget_printable(perfbudget_context *ctx, const char *text, char **out) {
    if (text == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "printable: NULL argument");
    *out = perfbudget__printable(text);
    return *out ? PERFBUDGET_OK : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
}

/* ---- perfbudget/text.h: the same rules for front ends ---- */

char *perfbudget_text_printable(const char *s, int keep_lines) {
    perfbudget__text t = {0};
    perfbudget__append(&t, "%s", "");
    perfbudget__append_printable(&t, s, keep_lines);
    return finished(&t);
}

char *perfbudget_text_shown(const char *text, char *out, size_t size) {
    return perfbudget__shown(text, out, size);
}

char *perfbudget_text_copy_utf8(char *out, size_t size, const char *text) {
    return perfbudget__copy_utf8(out, size, text);
}

int perfbudget_text_columns(const char *text) { return text ? perfbudget__columns(text) : 0; }

char *perfbudget_text_json_printable(char *json) { return perfbudget__json_shown(json); }

int perfbudget_text_check_name(perfbudget_context *ctx, const char *what, const char *name) {
    if (what == NULL || name == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "check_name: NULL argument");
    return perfbudget__check_name(ctx, what, name);
}
