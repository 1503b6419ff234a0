/* SPDX-License-Identifier: MIT */
/* Result files (docs/formats.md): results written and read as JSON, as files or as text, and
 * the files other benchmark tools write, imported as results. */
#ifndef PERFBUDGET_RESULT_FILES_H
#define PERFBUDGET_RESULT_FILES_H

#include <stddef.h>

#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Results read back from a result file (docs/formats.md), summaries recomputed from the
 *  samples. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO, PERFBUDGET_EPARSE (the
 *  message names what is wrong and where) or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_new_from_file(perfbudget_context *ctx, const char *path,
                                                    perfbudget_result ***out, size_t *count);

/** Import the JSON another benchmark tool wrote: format "google-benchmark" (each "iteration"
 *  run of a benchmark, e.g. from --benchmark_repetitions, is one sample; aggregates are
 *  skipped), "hyperfine" (--export-json: every run's time is a sample), "nanobench" (the
 *  templates::json() output: every epoch's elapsed time per iteration is a sample) or
 *  "pytest-benchmark" (a saved run: its raw data when saved with --benchmark-save-data, else
 *  its median as a single sample). When the
 *  file holds a single benchmark and single_name is not NULL, the result takes that name.
 *  Entries of one name are one benchmark's samples, except in pytest-benchmark files, which
 *  name each test once: there a name twice is refused.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (unknown format), PERFBUDGET_EIO, PERFBUDGET_EPARSE
 *  (also for a negative time, one too large to count in ns, iterations below 1 or a duplicate;
 *  the message names the file, the benchmark and its entry) or PERFBUDGET_ENOMEM. Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_new_imported(perfbudget_context *ctx, const char *path,
                                                   const char *format, const char *single_name,
                                                   perfbudget_result ***out, size_t *count);

/** A file name for a benchmark's result that is safe on any file system and never leaves its
 *  directory: letters, digits, '.', '-' and '_' kept, anything else '_', no leading '.', at
 *  most 80 characters, then a hash of the full name and ".json" so distinct names stay
 *  distinct. Writes into buf (at least 100 bytes) and returns it. */
PERFBUDGET_API char *perfbudget_result_file_name(const char *name, char *buf, size_t size);

/** Write results as a JSON result file (docs/formats.md) by the output rule of
 *  perfbudget_output_write(): a regular file atomically, a device or FIFO in place.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_results_write_json(perfbudget_context *ctx, const char *path,
                                                 const char *suite_name,
                                                 perfbudget_result *const *results, size_t count);

/** The result file perfbudget_results_write_json() writes, as text: results travel between
 *  processes so. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM (also for a name
 *  that is not UTF-8). Returns a new string in *text; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_results_to_json_text(perfbudget_context *ctx,
                                                   const char *suite_name,
                                                   perfbudget_result *const *results,
                                                   size_t count, char **text);

/** Results read back from result-file text (size bytes; perfbudget_results_to_json_text()),
 *  as perfbudget_results_new_from_file() reads a file; name stands for the text in messages.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EPARSE or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_new_from_text(perfbudget_context *ctx, const char *text,
                                                    size_t size, const char *name,
                                                    perfbudget_result ***out, size_t *count);

/** perfbudget_results_new_imported() of a file named shown_as in every message ("the output of
 *  'CMD'" for a captured temporary file), read whole but never past 256 MiB (PERFBUDGET_EIO
 *  beyond it). Same codes; returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_new_imported_as(perfbudget_context *ctx, const char *path,
                                                      const char *shown_as, const char *format,
                                                      const char *single_name,
                                                      perfbudget_result ***out, size_t *count);

#ifdef __cplusplus
}
#endif

#endif
