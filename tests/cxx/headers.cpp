// SPDX-License-Identifier: MIT
// A C++17 program that includes every public header and calls a function declared in each: it
// compiles only if the headers are valid C++, and links only if they declare C linkage.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "perfbudget/alerts.h"
#include "perfbudget/budget.h"
#include "perfbudget/command.h"
#include "perfbudget/compare.h"
#include "perfbudget/complexity.h"
#include "perfbudget/context.h"
#include "perfbudget/error.h"
#include "perfbudget/history.h"
#include "perfbudget/interleave.h"
#include "perfbudget/measure.h"
#include "perfbudget/output.h"
#include "perfbudget/perfbudget.h"
#include "perfbudget/process.h"
#include "perfbudget/report.h"
#include "perfbudget/resources.h"
#include "perfbudget/result.h"
#include "perfbudget/result_files.h"
#include "perfbudget/sampler.h"
#include "perfbudget/stats.h"
#include "perfbudget/suite.h"
#include "perfbudget/text.h"
#include "perfbudget/threads.h"
#include "perfbudget/verdict.h"
#include "perfbudget/version.h"

static int failures = 0;

static void check(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "FAIL %s\n", what);
        failures++;
    }
}

int main() {
    check(std::strcmp(perfbudget_version(), PERFBUDGET_VERSION_STRING) == 0, "version.h");
    check(std::strcmp(perfbudget_errname(PERFBUDGET_EINVAL), "EINVAL") == 0, "error.h");

    perfbudget_context *ctx = nullptr;
    check(perfbudget_context_new(&ctx) == PERFBUDGET_OK, "context.h");

    const double samples[] = {3.0, 1.0, 2.0};
    perfbudget_summary summary;
    check(perfbudget_summarize(ctx, samples, 3, &summary) == PERFBUDGET_OK &&
              summary.median == 2.0,
          "stats.h");

    perfbudget_quantity quantity;
    check(perfbudget_quantity_parse(ctx, "250ms", &quantity) == PERFBUDGET_OK, "budget.h");

    perfbudget_compare_options compare;
    perfbudget_compare_options_init(&compare);
    perfbudget_comparison comparison;
    perfbudget_comparison_init(&comparison);
    check(compare.alpha > 0.0 && compare.alpha < 1.0 &&
              comparison.struct_size == sizeof comparison,
          "compare.h");

    perfbudget_cpu_times times;
    check(perfbudget_cpu_times_read(ctx, &times) == PERFBUDGET_OK, "resources.h");

    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    check(metrics.struct_size == sizeof metrics && std::isnan(metrics.wall_ns) &&
              std::strcmp(perfbudget_mode_name(PERFBUDGET_MODE_INSTRUCTIONS), "instructions") == 0,
          "result.h");

    perfbudget_run_options run;
    perfbudget_run_options_init(&run);
    check(run.struct_size == sizeof run && run.min_rounds == 30, "suite.h");

    perfbudget_sampler *sampler = nullptr;
    check(perfbudget_sampler_new(ctx, "cxx", &run, &sampler) == PERFBUDGET_OK &&
              perfbudget_sampler_state(sampler) != nullptr,
          "sampler.h");
    perfbudget_sampler_free(sampler);

    perfbudget_command_options command;
    perfbudget_command_options_init(&command);
    check(command.struct_size == sizeof command && command.runs == 10, "command.h");

    char file_name[128];
    check(std::strstr(perfbudget_result_file_name("a/b", file_name, sizeof file_name), ".json") !=
              nullptr,
          "result_files.h");

    char fingerprint[512];
    check(perfbudget_environment_fingerprint(nullptr, fingerprint, sizeof fingerprint) != nullptr,
          "history.h");

    perfbudget_paired_options paired;
    perfbudget_paired_options_init(&paired);
    check(paired.alpha > 0.0, "interleave.h");

    char text[64];
    check(std::strcmp(perfbudget_format_value(2.31e6, PERFBUDGET_UNIT_NS, text, sizeof text),
                      "2.31 ms") == 0,
          "report.h");

    perfbudget_conclude_options conclude;
    perfbudget_conclude_options_init(&conclude);
    check(perfbudget_note_kind_name(PERFBUDGET_NOTE_MACHINE_SPEED) != nullptr, "verdict.h");

    // output.h: a directory is refused, with the error in the context.
    check(perfbudget_output_write(ctx, "/", "x", 1) != PERFBUDGET_OK &&
              std::strlen(perfbudget_errmsg(ctx)) > 0,
          "output.h");

    char shown[16];
    check(std::strcmp(perfbudget_text_shown("a\x1b[2J", shown, sizeof shown), "a\\x1b[2J") == 0,
          "text.h");

    check(std::strcmp(perfbudget_signal_name(11), "SIGSEGV") == 0, "process.h");
    check(perfbudget_budget_alert_count(nullptr) == 0, "alerts.h");
    check(std::strcmp(perfbudget_complexity_name(PERFBUDGET_COMPLEXITY_N), "O(n)") == 0,
          "complexity.h");

    perfbudget_scaling_point points[2] = {};
    points[0].threads = 1, points[0].throughput = 10.0;
    points[1].threads = 2, points[1].throughput = 15.0;
    check(perfbudget_scaling_set_efficiency(points, 2) == PERFBUDGET_OK &&
              std::fabs(points[1].efficiency - 0.75) < 1e-12,
          "threads.h");

    perfbudget_context_free(ctx);
    if (failures == 0) std::puts("every public header is usable from C++");
    return failures == 0 ? 0 : 1;
}
