/* SPDX-License-Identifier: MIT */
/* Alerts: after a run is judged, a JSON message to each webhook of the budget file's alerts:
 * section whose branch and events match (docs/budgets.md, "Alerts"). Every front end sends
 * through perfbudget_alerts_send(), once per run. */
#ifndef PERFBUDGET_ALERTS_H
#define PERFBUDGET_ALERTS_H

#include <stddef.h>

#include "perfbudget/budget.h"
#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where the run was made. Any field may be NULL. */
typedef struct perfbudget_alert_origin {
    /** NULL: $PERFBUDGET_BRANCH, else git's branch of directory (unless HEAD is detached), else
     *  $GITHUB_HEAD_REF, $GITHUB_REF_NAME or $CI_COMMIT_REF_NAME, the first set. */
    const char *branch;
    /** NULL: git's commit of directory, else $GITHUB_SHA or $CI_COMMIT_SHA. */
    const char *commit;
    /** Where git is asked; NULL: the current directory. */
    const char *directory;
} perfbudget_alert_origin;

/** How many alerts of the budget file there are (0 without an alerts: section). */
PERFBUDGET_API size_t perfbudget_budget_alert_count(const perfbudget_budget *budget);

/** Send the budget's alerts for judged results (perfbudget_result_conclude() or
 *  perfbudget_result_judge() first): to each webhook whose branches: match the branch and
 *  whose events: (regression, breach) occurred in the results, one POST of a JSON message, in
 *  the Slack format ({"text": ...}) or the generic one (docs/budgets.md). A result's breaches
 *  are its limits at fail level and a complexity worse than allowed; its regressions are its
 *  comparisons with the baseline that regressed, whatever the policy makes of them. Each
 *  message is tried up to the alert's tries (a refused connection, a timeout, HTTP 429 or
 *  5xx is tried again after 0.5 s, 1 s, ...; other HTTP errors are not) with its timeout per
 *  try. $PERFBUDGET_ALERTS=0 sends nothing. Nothing here changes a result.
 *  *log (may be NULL) receives lines for people, each ending in a newline: "alert: sent ..."
 *  for each message delivered, "warning: ..." for each one not delivered or not sent; webhook
 *  URLs appear only as scheme and host ("https://hooks.slack.com/..."). "" when there was
 *  nothing to send.
 *  Returns PERFBUDGET_OK (delivered, or nothing to send), PERFBUDGET_EIO (a message was not
 *  delivered or not sent; the first warning is perfbudget_errmsg()), PERFBUDGET_EINVAL or
 *  PERFBUDGET_ENOMEM. Returns a new string in *log; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_alerts_send(perfbudget_context *ctx, const perfbudget_budget *budget,
                                          perfbudget_result *const *results, size_t count,
                                          const perfbudget_alert_origin *origin, char **log);

#ifdef __cplusplus
}
#endif

#endif
