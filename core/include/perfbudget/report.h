/* SPDX-License-Identifier: MIT */
/* Formatting figures for people; the renderers of reports build on these. */
#ifndef PERFBUDGET_REPORT_H
#define PERFBUDGET_REPORT_H

#include <stddef.h>

#include "perfbudget/budget.h"
#include "perfbudget/compare.h"
#include "perfbudget/result.h"
#include "perfbudget/verdict.h"
#include "perfbudget/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a figure measures, which decides how it is printed. */
typedef enum perfbudget_unit {
    PERFBUDGET_UNIT_NS = 0,         /**< a duration in ns: "812 ns", "2.31 ms", "1.50 s" */
    PERFBUDGET_UNIT_BYTES = 1,      /**< binary multiples: "512 B", "3.20 MiB" */
    PERFBUDGET_UNIT_PERCENT = 2,    /**< "42.0 %" */
    PERFBUDGET_UNIT_PER_SECOND = 3, /**< "1.25 M/s" (items; bytes: BYTES_PER_SECOND) */
    PERFBUDGET_UNIT_COUNT = 4,      /**< "1.23 G" (instructions, cycles) */
    PERFBUDGET_UNIT_BYTES_PER_SECOND = 5 /**< binary multiples per second: "119 MiB/s" */
} perfbudget_unit;

/** Write value with three significant digits and a fitting prefix into buf (always
 *  NUL-terminated); NaN prints as "n/a". Returns buf. */
PERFBUDGET_API char *perfbudget_format_value(double value, perfbudget_unit unit, char *buf,
                                             size_t size);

/** Free memory the library returned as "free with perfbudget_free()"; NULL is a no-op. */
PERFBUDGET_API void perfbudget_free(void *p);

/** A comparison for people: "median 120 µs vs 107 µs baseline: +12.0 % (95 % CI +6.1 % ..
 *  +17.9 %), p = 0.0012: regression (critical)". Values are in unit; "n/a" for c NULL or of a
 *  struct_size this library does not know. Writes into buf and returns it. */
PERFBUDGET_API char *perfbudget_format_comparison(const perfbudget_comparison *c,
                                                  perfbudget_unit unit, char *buf, size_t size);

/** text as perfbudget shows it on a terminal and in its text reports (Markdown, CSV, HTML,
 *  OpenMetrics): control characters, DEL, the C1 controls (U+0080-U+009F), the line
 *  separators and the bidirectional overrides escaped as \n, \t, \x1b, \u009b, \u202e, and
 *  bytes that are not UTF-8 as \xff. For a front end that prints names itself.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM.
 *  Returns a new string in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_printable(perfbudget_context *ctx, const char *text, char **out);

/** An aligned table of results, one row each: rounds x iterations, median, p95, p99, MAD (as a
 *  percentage of the median), CPU, peak memory, instructions per iteration; failed or skipped
 *  runs show their reason. name_width 0 fits the longest name, up to 60 columns (a longer
 *  name overflows its own row only); name_width -1 does the same and fits the rows to the
 *  terminal's width (the COLUMNS environment variable, else the terminal's on standard output
 *  or error, else 100 columns), and name_width -W (W > 1) fits them to W columns: the name
 *  column gets what the 79 columns of figures leave (at least 9), and a longer name is cut in
 *  its middle with "…" (one row per result either way). header adds the heading line. Names and messages are
 *  shown with control characters escaped (\x1b, \n, ...). A stage whose mean is above its p99
 *  says why on its line.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (a NULL argument) or PERFBUDGET_ENOMEM.
 *  Returns a new string in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_render_table(perfbudget_context *ctx,
                                           perfbudget_result *const *results, size_t count,
                                           int name_width, int header, char **out);

/** A column a front end adds to perfbudget_render_summary_table(): its heading, its width in
 *  characters (cells right-aligned in it; 0: as wide as its widest cell, each left as it is,
 *  for a last column) and one cell per result. Borrowed. */
typedef struct perfbudget_table_column {
    const char *heading;
    int width;
    const char *const *cells;
} perfbudget_table_column;

/** perfbudget_render_table() with its heading line and, after the figures, columns added by
 *  the front end (pytest's ops/s, change against the baseline and verdict): each row is padded
 *  to the heading line's width and its cells follow, two spaces apart (a stage's line under its
 *  row gets none). groups (may be NULL) gives each result's group: before the first row of a
 *  run of rows of one group that has several results, a line "<group>:". name_width as for
 *  perfbudget_render_table(); when it fits a width (negative), the added columns are part of
 *  that width. Names, messages and groups are shown with control characters escaped.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (a NULL argument, column, cell or group) or
 *  PERFBUDGET_ENOMEM. Returns a new string in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_render_summary_table(perfbudget_context *ctx,
                                                   perfbudget_result *const *results,
                                                   size_t count, const char *const *groups,
                                                   const perfbudget_table_column *columns,
                                                   size_t column_count, int name_width,
                                                   char **out);

/** Keep a comparison of one of the result's metrics with the baseline (from
 *  perfbudget_compare_metric(): memory, CPU, throughput, instructions) with the result: test
 *  status, reports and the result file take it into account. metric is copied.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_add_comparison(perfbudget_context *ctx,
                                                    perfbudget_result *result, const char *metric,
                                                    perfbudget_unit unit,
                                                    const perfbudget_comparison *comparison);

/** How many comparisons the result keeps (0 for NULL). */
PERFBUDGET_API size_t perfbudget_result_comparison_count(const perfbudget_result *result);
/** Comparison index: its metric name, unit and record (any out-parameter may be NULL; the
 *  record has the core's struct_size). Borrowed: valid until the result is freed or gains a
 *  comparison. Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL (NULL, index out of range). */
PERFBUDGET_API int perfbudget_result_comparison_at(const perfbudget_result *result, size_t index,
                                                   const char **metric, perfbudget_unit *unit,
                                                   const perfbudget_comparison **comparison);

/** What a judged result means for a test runner. */
typedef enum perfbudget_test_status {
    PERFBUDGET_TEST_PASS = 0,
    PERFBUDGET_TEST_FAIL = 1, /**< the run failed, a limit failed, or a regression */
    PERFBUDGET_TEST_SKIP = 2  /**< a limit cannot be measured here, and nothing failed */
} perfbudget_test_status;

/** What fails a test (policy: {fail_on: ...} in a budget file, --fail-on, --perf-fail-on,
 *  $PERFBUDGET_FAIL_ON), so that a team can roll budgets out warn-only first. A verdict that does
 *  not fail because of it is reported as a warning; the verdict itself is unchanged. A run that
 *  failed (crashed, timed out) fails whatever the policy. */
typedef enum perfbudget_fail_on {
    PERFBUDGET_FAIL_ON_REGRESSION = 0, /**< the default: any regression or breached limit */
    PERFBUDGET_FAIL_ON_CRITICAL = 1,   /**< only critical regressions and breached limits */
    PERFBUDGET_FAIL_ON_NEVER = 2       /**< nothing that was measured fails the test */
} perfbudget_fail_on;

/** Parse "regression", "critical" or "never". Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_fail_on_parse(const char *name, perfbudget_fail_on *out);
/** "regression", "critical", "never"; NULL for an unknown value. Static storage. */
PERFBUDGET_API const char *perfbudget_fail_on_name(perfbudget_fail_on policy);

/** The policy a result's test status follows: set by perfbudget_result_judge() from the budget
 *  entry (else the file), PERFBUDGET_FAIL_ON_REGRESSION before; a front end's own setting
 *  overrides it with perfbudget_result_set_fail_on() after judging. */
PERFBUDGET_API perfbudget_fail_on perfbudget_result_fail_on(const perfbudget_result *result);
/** Set the result's policy (nothing for NULL). */
PERFBUDGET_API void perfbudget_result_set_fail_on(perfbudget_result *result,
                                                  perfbudget_fail_on policy);

/** The budget entry's advice: and link: for the judged result (NULL where not written; link may
 *  be NULL). Borrowed: the result's copies, valid until it is freed or judged again. */
PERFBUDGET_API const char *perfbudget_result_advice(const perfbudget_result *result,
                                                    const char **link);

/** The test status of a result judged with perfbudget_result_judge(); regression may be NULL
 *  (a regression of a struct_size this library does not know counts as none). It follows the
 *  result's policy (perfbudget_result_fail_on()). */
PERFBUDGET_API perfbudget_test_status perfbudget_result_test_status(
    const perfbudget_result *result, const perfbudget_comparison *regression);

/** 1 when the result would fail under fail_on: regression but its policy lets it pass: its
 *  verdict shows as a warning ("warn"). */
PERFBUDGET_API int perfbudget_result_policy_warned(const perfbudget_result *result,
                                                   const perfbudget_comparison *regression);

/** The text a test runner shows for one benchmark, verdict first (CTest keeps only the first
 *  1 KB of a passing test's output): "FAIL name: reason", one line per breached limit and the
 *  regression, a line with PERFBUDGET_SKIP when skipped, a figures line, and with ctest_tags
 *  one <CTestMeasurement type="numeric/double"> per key figure; a failed command's output last.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (result or out NULL, a regression of a
 *  struct_size this library does not know) or PERFBUDGET_ENOMEM.
 *  Returns a new string in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_render_test_report(perfbudget_context *ctx,
                                                 const perfbudget_result *result,
                                                 const perfbudget_comparison *regression,
                                                 int ctest_tags, char **out);

/** Formats of perfbudget_render_report(). */
typedef enum perfbudget_report_format {
    PERFBUDGET_REPORT_MARKDOWN = 0, /**< a status line and a table, for a pull-request comment */
    PERFBUDGET_REPORT_CSV = 1,      /**< a row per benchmark and metric, RFC 4180 */
    PERFBUDGET_REPORT_JSON = 2,     /**< the result file format (docs/formats.md) */
    PERFBUDGET_REPORT_PYTEST_BENCHMARK = 3, /**< pytest-benchmark's saved JSON (seconds) */
    PERFBUDGET_REPORT_GOOGLE_BENCHMARK = 4, /**< Google Benchmark's JSON, one run per sample */
    PERFBUDGET_REPORT_BENCHER = 5,          /**< Bencher Metric Format (BMF) */
    PERFBUDGET_REPORT_OPENMETRICS = 6,      /**< OpenMetrics text for Prometheus */
    PERFBUDGET_REPORT_HTML = 7,             /**< one self-contained page with plots */
    PERFBUDGET_REPORT_CHROME_TRACE = 8      /**< trace-event JSON of the stages, for Perfetto */
} perfbudget_report_format;

/** Parse "md" (or "markdown"), "csv", "json", "pytest-benchmark", "google-benchmark", "bencher",
 *  "openmetrics", "html" or "chrome-trace" (or "trace").
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_report_format_parse(const char *name,
                                                  perfbudget_report_format *out);

/** The format a report file's name asks for: ".trace.json" a Chrome trace, else the suffix
 *  (".md", ".markdown", ".csv", ".json", ".html"), case-insensitively.
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_report_format_for_path(const char *path,
                                                     perfbudget_report_format *out);

struct perfbudget_history;

/** What a report says about where its results come from; any field may be NULL (or 0). */
typedef struct perfbudget_report_info {
    /** sizeof(perfbudget_report_info) as the caller was compiled (perfbudget_report_info_init()
     *  sets it; an initializer may: {.struct_size = sizeof(perfbudget_report_info), ...}). The
     *  core reads the fields within it only, and refuses a size it does not know
     *  (PERFBUDGET_EINVAL); fields are only ever added at the end. */
    size_t struct_size;
    const char *title;    /**< "checksum (ctest)"; default "perfbudget" */
    const char *commit;   /**< git commit of the run */
    const char *baseline; /**< which baseline the changes are against */
    int64_t created_ns;   /**< when the run was measured (Unix ns); 0: unknown */
    /** HTML only: the baseline's results, drawn beside each benchmark's samples */
    perfbudget_result *const *baseline_results;
    size_t baseline_count;
    /** HTML only: the history each benchmark's trend is drawn from */
    struct perfbudget_history *history;
} perfbudget_report_info;

/** Every field NULL or 0, and struct_size set. */
PERFBUDGET_API void perfbudget_report_info_init(perfbudget_report_info *info);

/** A report of judged results: regressions and failures first. The change against the baseline
 *  is the result's first comparison (perfbudget_result_add_comparison) of a latency statistic,
 *  and further comparisons appear in CSV rows. Names are escaped for the format.
 *  HTML: a sortable summary table and, per benchmark, its samples against the baseline's
 *  (info->baseline_results) with the budget's limits drawn as lines, and its trend over
 *  info->history with detected steps marked and commits and dates on the x axis;
 *  self-contained, no network at view time.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (also for info of a struct_size this library does
 *  not know) or PERFBUDGET_ENOMEM.
 *  Returns a new string in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_render_report(perfbudget_context *ctx,
                                            perfbudget_result *const *results, size_t count,
                                            perfbudget_report_format format,
                                            const perfbudget_report_info *info, char **out);

/** Every report format's name as perfbudget_report_format_parse() takes it ("md", "csv", ...),
 *  joined by ", ", into buf (size bytes): the one list a front end's help and messages show.
 *  Returns buf. */
PERFBUDGET_API char *perfbudget_report_format_list(char *buf, size_t size);

/** The report site (perfbudget report --format site) in directory: an index of every benchmark
 *  in info->history (its newest result judged as judging says, may be NULL for the defaults)
 *  and a page per benchmark, written beside directory and renamed into place, so that a failed
 *  run leaves the old site or none. An existing directory is replaced only when it is empty or
 *  a site written so. *pages (may be NULL) gets the number of benchmark pages.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (also for no info->history, or info of a
 *  struct_size this library does not know), PERFBUDGET_EIO or
 *  PERFBUDGET_ENOMEM. Everything passed is borrowed. */
PERFBUDGET_API int perfbudget_report_write_site(perfbudget_context *ctx, const char *directory,
                                                const perfbudget_report_info *info,
                                                const perfbudget_conclude_options *judging,
                                                size_t *pages);

#ifdef __cplusplus
}
#endif

#endif
