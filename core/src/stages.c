/* SPDX-License-Identifier: MIT */
/* Stages a benchmark times inside its body: recorded while it measures, summarised per stage
 * (count, mean, p99, total) and kept as a bounded timeline of events for Chrome traces. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum {
    MAX_STAGES = 64,
    MAX_DEPTH = 16,
    KEPT_DURATIONS = 10000, /* per stage, for p99: exact below, a uniform sample above */
    KEPT_EVENTS = 4096      /* per run, for the timeline */
};

struct stage_track {
    char *name;
    uint64_t count;
    double total_ns;
    double *durations; /* up to KEPT_DURATIONS */
    size_t kept;
};

struct perfbudget__stage_recorder {
    struct stage_track tracks[MAX_STAGES];
    size_t track_count;
    struct open_stage {
        size_t track;
        uint64_t start_ns;
        int recording; /* begun while measuring: calibration and warm-up are not counted */
    } open[MAX_DEPTH];
    size_t depth;
    perfbudget_trace_event *events; /* up to KEPT_EVENTS */
    size_t event_count;
    uint64_t random; /* splitmix64 state for the reservoir: fixed seed, so runs repeat */
    int out_of_memory;
};

/* Names are usually the same string literal every iteration: compare the pointer first. */
static long find_track(const perfbudget__stage_recorder *r, const char *name) {
    for (size_t i = 0; i < r->track_count; i++)
        if (r->tracks[i].name == name || strcmp(r->tracks[i].name, name) == 0) return (long)i;
    return -1;
}

int perfbudget__stage_begin(perfbudget__stage_recorder **recorder, const char *name,
                            uint64_t now_ns, int measuring, char *why, size_t why_size) {
    if (name == NULL || name[0] == '\0') {
        snprintf(why, why_size, "perfbudget_stage_begin: a stage needs a name");
        return -1;
    }
    size_t offset;
    if (!perfbudget__utf8_valid(name, &offset)) {
        char shown[160];
        snprintf(why, why_size, "perfbudget_stage_begin: stage name '%s' is not valid UTF-8: "
                 "byte 0x%02x at byte offset %zu", perfbudget__shown(name, shown, sizeof shown),
                 (unsigned char)name[offset], offset);
        return -1;
    }
    perfbudget__stage_recorder *r = *recorder;
    if (r == NULL && (r = *recorder = calloc(1, sizeof *r)) == NULL) {
        snprintf(why, why_size, "out of memory recording stages");
        return -1;
    }
    if (r->depth == MAX_DEPTH) {
        snprintf(why, why_size, "perfbudget_stage_begin(\"%s\"): stages nest %d deep at most",
                 name, MAX_DEPTH);
        return -1;
    }
    long track = find_track(r, name);
    if (track < 0) {
        if (r->track_count == MAX_STAGES) {
            snprintf(why, why_size, "perfbudget_stage_begin(\"%s\"): more than %d stages", name,
                     MAX_STAGES);
            return -1;
        }
        if ((r->tracks[r->track_count].name = perfbudget__strdup(name)) == NULL) {
            snprintf(why, why_size, "out of memory recording stages");
            return -1;
        }
        track = (long)r->track_count++;
    }
    r->open[r->depth++] = (struct open_stage){(size_t)track, now_ns, measuring};
    return 0;
}

static void keep_duration(perfbudget__stage_recorder *r, struct stage_track *t, double duration) {
    if (t->durations == NULL && (t->durations = malloc(KEPT_DURATIONS * sizeof *t->durations)) == NULL) {
        r->out_of_memory = 1;
        return;
    }
    if (t->kept < KEPT_DURATIONS) {
        t->durations[t->kept++] = duration;
        return;
    }
    /* Algorithm R: the count-th occurrence replaces a kept one with probability kept/count. */
    uint64_t slot = perfbudget__splitmix64(&r->random) % t->count;
    if (slot < KEPT_DURATIONS) t->durations[slot] = duration;
}

int perfbudget__stage_end(perfbudget__stage_recorder *r, const char *name, uint64_t now_ns,
                          uint64_t origin_ns, char *why, size_t why_size) {
    if (r == NULL || r->depth == 0) {
        snprintf(why, why_size, "perfbudget_stage_end(\"%s\"): no stage is open",
                 name ? name : "");
        return -1;
    }
    struct open_stage *open = &r->open[r->depth - 1];
    struct stage_track *t = &r->tracks[open->track];
    if (name == NULL || (t->name != name && strcmp(t->name, name) != 0)) {
        snprintf(why, why_size, "perfbudget_stage_end(\"%s\"): the open stage is \"%s\"",
                 name ? name : "", t->name);
        return -1;
    }
    r->depth--;
    if (!open->recording) return 0;
    double duration = (double)(now_ns - open->start_ns);
    t->count++;
    t->total_ns += duration;
    keep_duration(r, t, duration);
    if (r->event_count < KEPT_EVENTS) {
        if (r->events == NULL && (r->events = malloc(KEPT_EVENTS * sizeof *r->events)) == NULL) {
            r->out_of_memory = 1;
        } else {
            r->events[r->event_count++] = (perfbudget_trace_event){
                open->track, (uint32_t)r->depth, (double)(open->start_ns - origin_ns), duration};
        }
    }
    if (r->out_of_memory) {
        snprintf(why, why_size, "out of memory recording stages");
        return -1;
    }
    return 0;
}

void perfbudget__stage_recorder_free(perfbudget__stage_recorder *r) {
    if (r == NULL) return;
    for (size_t i = 0; i < r->track_count; i++) {
        free(r->tracks[i].name);
        free(r->tracks[i].durations);
    }
    free(r->events);
    free(r);
}

void perfbudget__stages_clear(perfbudget__stages *s) {
    for (size_t i = 0; i < s->stage_count; i++) free((char *)s->stages[i].name);
    free(s->stages);
    free(s->events);
    memset(s, 0, sizeof *s);
}

int perfbudget__stages_finish(perfbudget__stage_recorder *r, perfbudget__stages *out, char *why,
                              size_t why_size) {
    memset(out, 0, sizeof *out);
    if (r == NULL) return 0;
    if (r->depth > 0) {
        snprintf(why, why_size, "stage \"%s\" was begun but never ended",
                 r->tracks[r->open[r->depth - 1].track].name);
        return -1;
    }
    if (r->track_count > 0 && (out->stages = calloc(r->track_count, sizeof *out->stages)) == NULL)
        goto out_of_memory;
    for (size_t i = 0; i < r->track_count; i++) {
        struct stage_track *t = &r->tracks[i];
        perfbudget_stage *stage = &out->stages[out->stage_count++];
        stage->name = t->name; /* moved: the recorder no longer frees it */
        t->name = NULL;
        stage->count = t->count;
        stage->total_ns = t->total_ns;
        stage->mean_ns = t->count ? t->total_ns / (double)t->count : NAN;
        stage->p99_ns = NAN;
        if (t->kept > 0) {
            perfbudget__sort(t->durations, t->kept, NULL);
            stage->p99_ns = perfbudget__quantile_sorted(t->durations, t->kept, 0.99);
        }
    }
    out->events = r->events;
    out->event_count = r->event_count;
    r->events = NULL;
    r->event_count = 0;
    return 0;
out_of_memory:
    perfbudget__stages_clear(out);
    snprintf(why, why_size, "out of memory recording stages");
    return -1;
}

int perfbudget__stages_copy(perfbudget__stages *dst, const perfbudget__stages *src) {
    perfbudget__stages copy = {0};
    if (src->stage_count > 0 &&
        (copy.stages = calloc(src->stage_count, sizeof *copy.stages)) == NULL)
        return -1;
    for (size_t i = 0; i < src->stage_count; i++) {
        copy.stages[i] = src->stages[i];
        if ((copy.stages[i].name = perfbudget__strdup(src->stages[i].name)) == NULL) {
            perfbudget__stages_clear(&copy);
            return -1;
        }
        copy.stage_count++;
    }
    if (src->event_count > 0) {
        if ((copy.events = malloc(src->event_count * sizeof *copy.events)) == NULL) {
            perfbudget__stages_clear(&copy);
            return -1;
        }
        memcpy(copy.events, src->events, src->event_count * sizeof *copy.events);
        copy.event_count = src->event_count;
    }
    perfbudget__stages_clear(dst);
    *dst = copy;
    return 0;
}

static json_t *number(double value) { return isfinite(value) ? json_real(value) : json_null(); }

json_t *perfbudget__stages_json(const perfbudget__stages *s) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < s->stage_count; i++) {
        const perfbudget_stage *stage = &s->stages[i];
        json_array_append_new(list, json_pack("{s:s, s:I, s:o, s:o, s:o}", "name", stage->name,
                                              "count", (json_int_t)stage->count, "mean_ns",
                                              number(stage->mean_ns), "p99_ns",
                                              number(stage->p99_ns), "total_ns",
                                              number(stage->total_ns)));
    }
    return list;
}

json_t *perfbudget__trace_events_json(const perfbudget__stages *s) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < s->event_count; i++) {
        const perfbudget_trace_event *e = &s->events[i];
        json_array_append_new(list, json_pack("[I, I, f, f]", (json_int_t)e->stage,
                                              (json_int_t)e->depth, e->start_ns, e->duration_ns));
    }
    return list;
}

static int finite_or_null(const json_t *value, double *out) {
    if (json_is_null(value)) {
        *out = NAN;
        return 0;
    }
    if (!json_is_number(value)) return -1;
    *out = json_number_value(value);
    return isfinite(*out) && *out >= 0.0 ? 0 : -1;
}

/* The numbers of a stage entry into stage; returns its name (not copied), NULL when the entry
 * is malformed. */
static const char *stage_fields(const json_t *item, perfbudget_stage *stage) {
    const char *name = json_string_value(json_object_get(item, "name"));
    const json_t *count = json_object_get(item, "count");
    if (name == NULL || name[0] == '\0' || !json_is_integer(count) ||
        json_integer_value(count) < 0 ||
        finite_or_null(json_object_get(item, "mean_ns"), &stage->mean_ns) != 0 ||
        finite_or_null(json_object_get(item, "p99_ns"), &stage->p99_ns) != 0 ||
        finite_or_null(json_object_get(item, "total_ns"), &stage->total_ns) != 0)
        return NULL;
    stage->count = (uint64_t)json_integer_value(count);
    return name;
}

/* A trace event entry, [stage, depth, start_ns, duration_ns], into out; -1 when malformed. */
static int event_from_json(const json_t *item, size_t stage_count, perfbudget_trace_event *out) {
    json_int_t stage, depth;
    double start, duration;
    if (json_unpack((json_t *)item, "[IIFF]", &stage, &depth, &start, &duration) != 0 ||
        stage < 0 || (size_t)stage >= stage_count || depth < 0 || depth >= MAX_DEPTH ||
        !isfinite(start) || !isfinite(duration) || start < 0.0 || duration < 0.0)
        return -1;
    *out = (perfbudget_trace_event){(size_t)stage, (uint32_t)depth, start, duration};
    return 0;
}

/* Stages and events as result files and the history keep them; missing lists are no stages.
 * Returns 0, or -1 with why set for a malformed entry (a file from elsewhere may be hostile). */
int perfbudget__stages_from_json(const json_t *stages, const json_t *events,
                                 perfbudget__stages *out, char *why, size_t why_size) {
    memset(out, 0, sizeof *out);
    size_t stage_count = json_is_array(stages) ? json_array_size(stages) : 0;
    size_t event_count = json_is_array(events) ? json_array_size(events) : 0;
    if ((stages != NULL && !json_is_array(stages)) || (events != NULL && !json_is_array(events))) {
        snprintf(why, why_size, "\"stages\" and \"trace_events\" must be arrays");
        return -1;
    }
    if (stage_count > MAX_STAGES || event_count > KEPT_EVENTS) {
        snprintf(why, why_size, "more than %d stages or %d trace events", MAX_STAGES, KEPT_EVENTS);
        return -1;
    }
    if ((stage_count > 0 && (out->stages = calloc(stage_count, sizeof *out->stages)) == NULL) ||
        (event_count > 0 && (out->events = calloc(event_count, sizeof *out->events)) == NULL))
        goto out_of_memory;
    for (size_t i = 0; i < stage_count; i++) {
        perfbudget_stage *stage = &out->stages[i];
        const char *name = stage_fields(json_array_get(stages, i), stage);
        if (name == NULL) {
            snprintf(why, why_size, "stage %zu is malformed", i);
            goto fail;
        }
        if ((stage->name = perfbudget__strdup(name)) == NULL) goto out_of_memory;
        out->stage_count++;
    }
    for (size_t i = 0; i < event_count; i++) {
        if (event_from_json(json_array_get(events, i), stage_count, &out->events[i]) != 0) {
            snprintf(why, why_size, "trace event %zu is malformed", i);
            goto fail;
        }
        out->event_count++;
    }
    return 0;
out_of_memory:
    snprintf(why, why_size, "out of memory reading stages");
fail:
    perfbudget__stages_clear(out);
    return -1;
}
