/* SPDX-License-Identifier: MIT */
/* Text a front end prints: names, messages and a command's output made fit for a terminal, the
 * same way the core's own reports show them, so that no name can move the cursor, retitle the
 * window or forge a line. */
#ifndef PERFBUDGET_TEXT_H
#define PERFBUDGET_TEXT_H

#include <stddef.h>

#include "perfbudget/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The widest a benchmark name is shown in a table column, in characters (the core's tables
 *  cut longer names there). */
#define PERFBUDGET_NAME_COLUMNS 60

/** s (NULL: "") fit for a terminal: control characters, DEL, the C1 controls, the line
 *  separators and the bidirectional overrides as \n, \t, \x1b, \u009b..., and bytes that are not
 *  UTF-8 as \xff. keep_lines keeps newlines and tabs (a command's output).
 *  Returns a new string; free with perfbudget_free(). NULL when out of memory. */
PERFBUDGET_API char *perfbudget_text_printable(const char *s, int keep_lines);

/** The same as perfbudget_text_printable(text, 0) into out (size bytes), cut at a whole
 *  character with "..." when too long: for a name in a message.
 *  Returns out (borrowed from the caller). */
PERFBUDGET_API char *perfbudget_text_shown(const char *text, char *out, size_t size);

/** text (NULL: "") into out (size bytes) cut at a whole character, control characters kept and
 *  bytes that are not UTF-8 as \xff: text a JSON document can hold.
 *  Returns out (borrowed from the caller). */
PERFBUDGET_API char *perfbudget_text_copy_utf8(char *out, size_t size, const char *text);

/** How many characters (UTF-8 code points) text has: its columns on a terminal.
 *  Returns that count. */
PERFBUDGET_API int perfbudget_text_columns(const char *text);

/** JSON text (as json_dumps() writes it, escaping only C0) with DEL, the C1 controls, the line
 *  separators and the bidirectional overrides escaped as \u...: the same document to a parser,
 *  harmless on a terminal. Takes json (malloc()ed; NULL gives NULL).
 *  Returns json or a new string in its place (json is then freed); free with perfbudget_free().
 *  NULL when out of memory. */
PERFBUDGET_API char *perfbudget_text_json_printable(char *json);

/** Check a name where it enters (a benchmark name, a title): it must be valid UTF-8.
 *  Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL with a message naming what ("benchmark name") and
 *  the offset of the first byte that is not UTF-8. */
PERFBUDGET_API int perfbudget_text_check_name(perfbudget_context *ctx, const char *what,
                                              const char *name);

#ifdef __cplusplus
}
#endif

#endif
