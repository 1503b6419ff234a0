/* SPDX-License-Identifier: MIT */
/* Alerts: the findings of a judged run (breaches, regressions), a JSON message per webhook of
 * the budget file's alerts: section (built with jansson), posted with libcurl. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <dlfcn.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget_internal.h"

/* At most this many lines of findings in a Slack message; the rest are counted. */
enum { MAX_TEXT_LINES = 20 };

typedef struct finding {
    const perfbudget_result *result;
    int regression; /* 1: a regression; 0: a breach */
    const char *metric;
    double measured, allowed, baseline, change_pct, p_value, threshold_pct;
    const char *unit;     /* the base unit of the figures: "ns", "B", "%", "/s", "B/s", "" */
    const char *severity; /* regressions: "warning", "critical"; else NULL */
    char text[512];       /* the verdict's line, without the test's name */
} finding;

typedef struct findings {
    finding *items;
    size_t count, capacity;
} findings;

size_t perfbudget_budget_alert_count(const perfbudget_budget *budget) {
    return budget ? budget->alert_count : 0;
}

static const char *limit_unit(perfbudget_quantity_kind kind) {
    static const char *const units[] = {"", "ns", "B", "%", "/s", "B/s"};
    return (size_t)kind < sizeof units / sizeof *units ? units[kind] : "";
}

static const char *comparison_unit(perfbudget_unit unit) {
    static const char *const units[] = {"ns", "B", "%", "/s", "", "B/s"};
    return (size_t)unit < sizeof units / sizeof *units ? units[unit] : "";
}

static finding *add_finding(findings *f, const perfbudget_result *r, int regression) {
    finding *grown = perfbudget__grow(f->items, &f->capacity, f->count, sizeof *f->items, 8);
    if (grown == NULL) return NULL;
    f->items = grown;
    finding *x = &f->items[f->count++];
    *x = (finding){.result = r, .regression = regression, .measured = NAN, .allowed = NAN,
                   .baseline = NAN, .change_pct = NAN, .p_value = NAN, .threshold_pct = NAN,
                   .unit = ""};
    return x;
}

/* What each judged result breached and where it regressed, in result order. -1: no memory. */
static int collect_findings(perfbudget_result *const *results, size_t count, findings *f) {
    for (size_t i = 0; i < count; i++) {
        const perfbudget_result *r = results[i];
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) continue; /* neither */
        const perfbudget_limit_verdict *verdicts;
        size_t n = perfbudget_result_verdicts(r, &verdicts);
        for (size_t k = 0; k < n; k++) {
            if (verdicts[k].status != PERFBUDGET_LIMIT_FAIL) continue;
            finding *x = add_finding(f, r, 0);
            if (x == NULL) return -1;
            x->metric = verdicts[k].limit->name;
            x->measured = verdicts[k].measured;
            x->allowed = verdicts[k].allowed;
            x->unit = limit_unit(verdicts[k].limit->kind);
            snprintf(x->text, sizeof x->text, "%s", verdicts[k].text);
        }
        perfbudget_complexity_fit fit;
        perfbudget_complexity_verdict complexity;
        if (perfbudget_result_complexity(r, &fit, &complexity)) {
            for (int regression = 0; regression < 2; regression++) {
                if (regression ? !complexity.regressed
                               : complexity.status != PERFBUDGET_LIMIT_FAIL)
                    continue;
                finding *x = add_finding(f, r, regression);
                if (x == NULL) return -1;
                x->metric = "complexity";
                x->change_pct = regression ? complexity.change_pct : NAN;
                x->threshold_pct = regression ? complexity.threshold_pct : NAN;
                snprintf(x->text, sizeof x->text, "%s", complexity.text);
            }
        }
        for (size_t k = 0; k < perfbudget_result_comparison_count(r); k++) {
            const char *metric;
            perfbudget_unit unit;
            const perfbudget_comparison *c;
            if (perfbudget_result_comparison_at(r, k, &metric, &unit, &c) != PERFBUDGET_OK ||
                !c->regressed)
                continue;
            finding *x = add_finding(f, r, 1);
            if (x == NULL) return -1;
            x->metric = metric;
            x->measured = c->current_value;
            x->baseline = c->baseline_value;
            x->change_pct = c->change_pct;
            x->p_value = c->p_value;
            x->threshold_pct = c->threshold_pct;
            x->unit = comparison_unit(unit);
            x->severity = c->severity == PERFBUDGET_SEVERITY_NONE
                              ? NULL
                              : perfbudget_severity_name(c->severity);
            perfbudget__format_named(r, metric, c, unit, x->text, sizeof x->text);
        }
    }
    return 0;
}

/* The webhook's address as it may be shown: scheme and host, the rest (a token in the path or
 * the query, a user and password) cut to "...". */
static void redact_url(const char *url, char *out, size_t size) {
    const char *authority = strstr(url, "://");
    authority = authority ? authority + 3 : url;
    size_t length = strcspn(authority, "/?#");
    const char *at = NULL;
    for (const char *p = authority; p < authority + length; p++)
        if (*p == '@') at = p;
    const char *host = at ? at + 1 : authority;
    int cut = authority[length] != '\0' || at != NULL;
    snprintf(out, size, "%.*s%.*s%s", (int)(authority - url), url,
             (int)(authority + length - host), host, cut ? "/..." : "");
}

static int branch_matches(const perfbudget__alert *a, const char *branch) {
    if (a->branches == NULL) return 1;
    if (branch == NULL || branch[0] == '\0') return 0;
    if (a->branches->kind == PERFBUDGET__SCALAR) return fnmatch(a->branches->text, branch, 0) == 0;
    for (unsigned i = 0; i < a->branches->count; i++)
        if (fnmatch(a->branches->items[i]->text, branch, 0) == 0) return 1;
    return 0;
}

static int wanted(const perfbudget__alert *a, const finding *x) {
    return x->regression ? a->on_regression : a->on_breach;
}

static json_t *number_or_null(double value) {
    return isfinite(value) ? json_real(value) : json_null();
}

/* Text from a user (a name, a limit's name) as a JSON string: jansson takes only UTF-8. */
static json_t *text_value(const char *text) {
    if (text == NULL) return json_null();
    size_t offset;
    if (perfbudget__utf8_valid(text, &offset)) return json_string(text);
    char *shown = perfbudget__printable(text);
    json_t *value = shown ? json_string(shown) : NULL;
    free(shown);
    return value;
}

static const char *verdict_of(const perfbudget_result *r) {
    return perfbudget_result_test_status(r, NULL) == PERFBUDGET_TEST_FAIL ? "fail" : "warn";
}

/* The message for people, one line per finding: the one-line verdicts of the test reports. */
static void append_text(perfbudget__text *t, const perfbudget__alert *a, const findings *f,
                        const char *branch, const char *commit) {
    size_t regressions = 0, breaches = 0, lines = 0;
    for (size_t i = 0; i < f->count; i++)
        if (wanted(a, &f->items[i])) f->items[i].regression ? regressions++ : breaches++;
    perfbudget__append(t, "perfbudget: ");
    if (regressions)
        perfbudget__append(t, "%zu regression%s", regressions, regressions == 1 ? "" : "s");
    if (regressions && breaches) perfbudget__append(t, " and ");
    if (breaches)
        perfbudget__append(t, "%zu budget breach%s", breaches, breaches == 1 ? "" : "es");
    if (branch != NULL && branch[0]) {
        perfbudget__append(t, " on ");
        perfbudget__append_printable(t, branch, 0);
    }
    if (commit != NULL && commit[0]) {
        perfbudget__append(t, " at ");
        perfbudget__append_printable(t, commit, 0);
    }
    for (size_t i = 0; i < f->count; i++) {
        const finding *x = &f->items[i];
        if (!wanted(a, x)) continue;
        if (lines++ == MAX_TEXT_LINES) {
            perfbudget__append(t, "\n... and %zu more", regressions + breaches - MAX_TEXT_LINES);
            break;
        }
        int failed = strcmp(verdict_of(x->result), "fail") == 0;
        perfbudget__append(t, "\n%s ", failed ? "FAIL" : "WARN");
        perfbudget__append_printable(t, perfbudget_result_name(x->result), 0);
        perfbudget__append(t, ": ");
        perfbudget__append_printable(t, x->text, 0);
    }
}

static json_t *generic_payload(const perfbudget__alert *a, const findings *f, const char *branch,
                               const char *commit, const char *text) {
    json_t *tests = json_array(), *list = json_array();
    const char *overall = "warn";
    for (size_t i = 0; tests && list && i < f->count; i++) {
        const finding *x = &f->items[i];
        if (!wanted(a, x)) continue;
        const char *name = perfbudget_result_name(x->result);
        int listed = 0;
        for (size_t k = 0; k < i && !listed; k++)
            listed = wanted(a, &f->items[k]) && f->items[k].result == x->result;
        if (!listed) json_array_append_new(tests, text_value(name));
        const char *verdict = verdict_of(x->result);
        if (strcmp(verdict, "fail") == 0) overall = "fail";
        json_array_append_new(
            list, json_pack("{s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:s, s:o}",
                            "test", text_value(name), "kind",
                            x->regression ? "regression" : "breach", "metric",
                            text_value(x->metric), "verdict", verdict, "measured",
                            number_or_null(x->measured), "allowed", number_or_null(x->allowed),
                            "baseline", number_or_null(x->baseline), "change_pct",
                            number_or_null(x->change_pct), "p", number_or_null(x->p_value),
                            "threshold_pct", number_or_null(x->threshold_pct), "severity",
                            x->severity, "unit", x->unit, "message", text_value(x->text)));
    }
    return json_pack("{s:s, s:i, s:o, s:o, s:s, s:o, s:o, s:s}", "source", "perfbudget",
                     "version", 1, "branch", text_value(branch && branch[0] ? branch : NULL),
                     "commit", text_value(commit && commit[0] ? commit : NULL), "verdict",
                     overall, "tests", tests ? tests : json_null(), "findings",
                     list ? list : json_null(), "text", text);
}

/* The message for alert a, or NULL in *out when it has nothing to say (no finding of its
 * events, or another branch). */
int perfbudget__alert_payload(perfbudget_context *ctx, const perfbudget_budget *budget,
                              size_t index, perfbudget_result *const *results, size_t count,
                              const char *branch, const char *commit, char **out) {
    if (budget == NULL || out == NULL || index >= budget->alert_count ||
        (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "alerts: invalid argument");
    *out = NULL;
    const perfbudget__alert *a = &budget->alerts[index];
    if (!branch_matches(a, branch)) return PERFBUDGET_OK;
    findings f = {0};
    if (collect_findings(results, count, &f) != 0) {
        free(f.items);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "alerts: out of memory");
    }
    size_t relevant = 0;
    for (size_t i = 0; i < f.count; i++) relevant += wanted(a, &f.items[i]);
    if (relevant == 0) {
        free(f.items);
        return PERFBUDGET_OK;
    }
    perfbudget__text text = {0};
    append_text(&text, a, &f, branch, commit);
    json_t *payload = NULL;
    if (!text.failed)
        payload = a->generic ? generic_payload(a, &f, branch, commit, text.data)
                             : json_pack("{s:s}", "text", text.data);
    free(f.items);
    free(text.data);
    *out = payload ? json_dumps(payload, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(payload);
    return *out ? PERFBUDGET_OK : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "alerts: out of memory");
}

static size_t discard_body(char *data, size_t size, size_t n, void *userdata) {
    (void)data, (void)userdata;
    return size * n;
}

/* The libcurl functions alerts call, loaded when an alert is posted: every other program
 * (each `perfbudget` command, each suite) starts without libcurl and the dozens of libraries it
 * pulls in, which made up most of a command's start-up time (15 ms of 20 here). */
typedef struct curl_api {
    CURL *(*easy_init)(void);
    void (*easy_reset)(CURL *curl);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode code);
    void (*easy_cleanup)(CURL *curl);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} curl_api;

/* Fills api from libcurl's shared library, which stays loaded (unloading it could take code
 * that its TLS library registered to run at exit); 0, or -1 with why in reason. */
static int load_curl(curl_api *api, char *reason, size_t size) {
#define CURL_FUNCTION(member, name) {#name, offsetof(curl_api, member)}
    static const struct {
        const char *name;
        size_t offset;
    } functions[] = {
        CURL_FUNCTION(easy_init, curl_easy_init), CURL_FUNCTION(easy_reset, curl_easy_reset),
        CURL_FUNCTION(easy_setopt, curl_easy_setopt),
        CURL_FUNCTION(easy_perform, curl_easy_perform),
        CURL_FUNCTION(easy_getinfo, curl_easy_getinfo),
        CURL_FUNCTION(easy_strerror, curl_easy_strerror),
        CURL_FUNCTION(easy_cleanup, curl_easy_cleanup),
        CURL_FUNCTION(slist_append, curl_slist_append),
        CURL_FUNCTION(slist_free_all, curl_slist_free_all),
    };
#undef CURL_FUNCTION
    /* Never unloaded (RTLD_NODELETE): libcurl's own libraries (OpenSSL, Kerberos) keep
     * process-wide state, which unloading them would orphan. */
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (library == NULL) {
        snprintf(reason, size, "cannot load libcurl (%s); install libcurl4", dlerror());
        return -1;
    }
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++) {
        void *function = dlsym(library, functions[i].name);
        if (function == NULL) {
            snprintf(reason, size, "libcurl.so.4 has no %s", functions[i].name);
            return -1;
        }
        /* A function pointer of the member's own type, from dlsym's void *. */
        memcpy((char *)api + functions[i].offset, &function, sizeof function);
    }
    return 0;
}

/* One POST; 0 delivered, 1 worth another try, -1 not (why in reason). */
static int post_once(const curl_api *api, CURL *curl, const char *url, const char *body,
                     long timeout_ms, char *reason, size_t size) {
    api->easy_reset(curl);
    struct curl_slist *headers = api->slist_append(NULL, "Content-Type: application/json");
    if (headers == NULL) {
        snprintf(reason, size, "out of memory");
        return -1;
    }
    api->easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    api->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    api->easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    api->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api->easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    api->easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    api->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in the caller's process */
    api->easy_setopt(curl, CURLOPT_USERAGENT, "perfbudget/" PERFBUDGET_VERSION_STRING);
    api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    CURLcode code = api->easy_perform(curl);
    long status = 0;
    api->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    api->slist_free_all(headers);
    if (code != CURLE_OK) {
        /* curl's generic text: its detailed message could quote the address */
        snprintf(reason, size, "%s", api->easy_strerror(code));
        return code == CURLE_OUT_OF_MEMORY || code == CURLE_UNSUPPORTED_PROTOCOL ||
                       code == CURLE_URL_MALFORMAT
                   ? -1
                   : 1;
    }
    if (status >= 200 && status < 300) return 0;
    snprintf(reason, size, "HTTP %ld", status);
    return status == 429 || status >= 500 ? 1 : -1;
}

static void pause_ms(long ms) {
    struct timespec wait = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0) {
    }
}

/* Deliver body to url in up to tries attempts; 0, or -1 with the last reason. */
static int deliver(const char *url, const char *body, int tries, int64_t timeout_ns,
                   int *attempts, char *reason, size_t size) {
    curl_api api;
    if (load_curl(&api, reason, size) != 0) return -1;
    CURL *curl = api.easy_init();
    if (curl == NULL) {
        snprintf(reason, size, "libcurl could not start");
        return -1;
    }
    long timeout_ms = (long)(timeout_ns / 1000000);
    int outcome = 1;
    for (*attempts = 0; outcome == 1 && *attempts < tries;) {
        if (*attempts > 0) pause_ms(500L * *attempts);
        ++*attempts;
        outcome = post_once(&api, curl, url, body, timeout_ms > 0 ? timeout_ms : 1, reason, size);
    }
    api.easy_cleanup(curl);
    return outcome == 0 ? 0 : -1;
}

static const char *first_set(const char *const *names) {
    for (; *names != NULL; names++) {
        const char *value = getenv(*names);
        if (value != NULL && value[0] != '\0') return value;
    }
    return NULL;
}

/* The branch and commit of the run, as perfbudget_alert_origin says. */
static void find_origin(const perfbudget_alert_origin *origin, perfbudget_git_info *git,
                        const char **branch, const char **commit) {
    *branch = origin ? origin->branch : NULL;
    *commit = origin ? origin->commit : NULL;
    if (*branch == NULL) *branch = getenv("PERFBUDGET_BRANCH");
    if (*branch != NULL && (*branch)[0] == '\0') *branch = NULL;
    memset(git, 0, sizeof *git);
    if (*branch == NULL || *commit == NULL)
        perfbudget_git_describe(NULL, origin && origin->directory ? origin->directory : ".", git);
    /* A detached HEAD (CI checks out a commit) says "HEAD": the CI's variables know better. */
    static const char *const branch_variables[] = {"GITHUB_HEAD_REF", "GITHUB_REF_NAME",
                                                   "CI_COMMIT_REF_NAME", NULL};
    static const char *const commit_variables[] = {"GITHUB_SHA", "CI_COMMIT_SHA", NULL};
    if (*branch == NULL && git->branch[0] != '\0' && strcmp(git->branch, "HEAD") != 0)
        *branch = git->branch;
    if (*branch == NULL) *branch = first_set(branch_variables);
    if (*commit == NULL) *commit = git->commit[0] ? git->commit : first_set(commit_variables);
}

static int is_http(const char *url) {
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* Post body as alert a says, telling t what happened; a failure goes to warning instead. */
static void send_one(const perfbudget__alert *a, const char *body, int disabled,
                     perfbudget__text *t, char *warning, size_t size) {
    const char *url = a->url ? a->url : getenv(a->url_env);
    char shown[256], reason[256];
    redact_url(url ? url : "", shown, sizeof shown);
    int attempts = 0;
    if (disabled)
        perfbudget__append(t, "alert: not sent to %s: PERFBUDGET_ALERTS=0\n",
                           a->url ? shown : a->url_env);
    else if (url == NULL || url[0] == '\0')
        snprintf(warning, size, "warning: alert (line %d) not sent: $%s is not set", a->line,
                 a->url_env);
    else if (!is_http(url))
        snprintf(warning, size, "warning: alert (line %d) not sent: $%s is not an http:// or "
                 "https:// address", a->line, a->url_env);
    else if (deliver(url, body, a->tries, a->timeout_ns, &attempts, reason, sizeof reason) == 0)
        perfbudget__append(t, "alert: sent to %s\n", shown);
    else
        snprintf(warning, size, "warning: alert to %s not delivered after %d %s: %s", shown,
                 attempts, attempts == 1 ? "try" : "tries", reason);
}

int perfbudget_alerts_send(perfbudget_context *ctx, const perfbudget_budget *budget,
                           perfbudget_result *const *results, size_t count,
                           const perfbudget_alert_origin *origin, char **log) {
    if (log != NULL) *log = NULL;
    if (budget == NULL || (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "alerts: NULL argument");
    perfbudget__text t = {0};
    perfbudget__append(&t, "%s", "");
    char first_warning[PERFBUDGET__MESSAGE_SIZE] = "";
    perfbudget_git_info git;
    const char *branch = NULL, *commit = NULL;
    if (budget->alert_count > 0) find_origin(origin, &git, &branch, &commit);
    const char *enabled = getenv("PERFBUDGET_ALERTS");
    int disabled = enabled != NULL && strcmp(enabled, "0") == 0, out_of_memory = 0;
    for (size_t i = 0; i < budget->alert_count && !out_of_memory; i++) {
        char *body = NULL, warning[PERFBUDGET__MESSAGE_SIZE] = "";
        out_of_memory = perfbudget__alert_payload(ctx, budget, i, results, count, branch, commit,
                                                  &body) != PERFBUDGET_OK;
        if (body != NULL) send_one(&budget->alerts[i], body, disabled, &t, warning,
                                   sizeof warning);
        free(body);
        if (warning[0] != '\0') perfbudget__append(&t, "%s\n", warning);
        if (warning[0] != '\0' && first_warning[0] == '\0')
            snprintf(first_warning, sizeof first_warning, "%s", warning);
    }
    if (t.failed || out_of_memory) {
        free(t.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "alerts: out of memory");
    }
    if (log != NULL) *log = t.data;
    else free(t.data);
    if (first_warning[0] != '\0') return perfbudget__fail(ctx, PERFBUDGET_EIO, "%s", first_warning);
    return PERFBUDGET_OK;
}
