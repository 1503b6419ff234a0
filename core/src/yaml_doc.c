/* SPDX-License-Identifier: MIT */
/* YAML documents through libyaml's event parser, into a bounded tree with positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

enum {
    MAX_DEPTH = 64,             /* budget files need 5 */
    MAX_NODES = 4000000,        /* 32 bytes each and their text: bounded memory for any input */
    MAX_SCALAR = 64 * 1024,     /* a name or a value; nothing legitimate comes close */
    ARENA_BLOCK = 64 * 1024
};

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    perfbudget__node data[]; /* nodes, child arrays and text, each at a node's alignment */
} arena_block;

struct perfbudget__doc {
    arena_block *blocks;
    size_t nodes;
};

static void *arena_alloc(perfbudget__doc *doc, size_t size) {
    enum { ALIGN = _Alignof(perfbudget__node) };
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    arena_block *block = doc->blocks;
    if (block == NULL || block->size - block->used < size) {
        size_t capacity = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        block = malloc(sizeof *block + capacity);
        if (block == NULL) return NULL;
        block->next = doc->blocks;
        block->used = 0;
        block->size = capacity;
        doc->blocks = block;
    }
    void *p = (char *)block->data + block->used;
    block->used += size;
    return p;
}

char *perfbudget__doc_strdup(perfbudget__doc *doc, const char *text) {
    size_t size = strlen(text) + 1;
    char *copy = arena_alloc(doc, size);
    if (copy != NULL) memcpy(copy, text, size);
    return copy;
}

void perfbudget__doc_free(perfbudget__doc *doc) {
    if (doc == NULL) return;
    for (arena_block *block = doc->blocks, *next; block != NULL; block = next) {
        next = block->next;
        free(block);
    }
    free(doc);
}

/* An open collection: its children so far are children[start..used) of the builder. */
typedef struct frame {
    perfbudget__node *node;
    size_t start;
} frame;

typedef struct builder {
    perfbudget__doc *doc;
    frame stack[MAX_DEPTH];
    int depth;
    /* The children of every open collection, innermost last: one growing array for the whole
     * parse rather than one per collection. */
    perfbudget__node **children;
    size_t used, capacity;
    perfbudget__node *root;
    int line, column;
    char *message;
    size_t message_size;
} builder;

static int fail_at(builder *b, const yaml_mark_t *mark, const char *message) {
    b->line = (int)mark->line + 1;
    b->column = (int)mark->column + 1;
    snprintf(b->message, b->message_size, "%s", message);
    return PERFBUDGET_EPARSE;
}

/* A node and, for a scalar, room for text_size bytes of text right after it. */
static perfbudget__node *new_node(builder *b, perfbudget__node_kind kind, const yaml_mark_t *mark,
                                  size_t text_size) {
    if (++b->doc->nodes > MAX_NODES) return NULL;
    perfbudget__node *node = arena_alloc(b->doc, sizeof *node + text_size);
    if (node == NULL) return NULL;
    memset(node, 0, sizeof *node);
    node->kind = (unsigned char)kind;
    node->line = (int)mark->line + 1;
    node->column = (int)mark->column + 1;
    return node;
}

static int attach(builder *b, perfbudget__node *node) {
    if (b->depth == 0) {
        b->root = node;
        return PERFBUDGET_OK;
    }
    if (b->used == b->capacity) {
        size_t capacity = b->capacity ? 2 * b->capacity : 256;
        perfbudget__node **children = realloc(b->children, capacity * sizeof *children);
        if (children == NULL) return PERFBUDGET_ENOMEM;
        b->children = children;
        b->capacity = capacity;
    }
    b->children[b->used++] = node;
    return PERFBUDGET_OK;
}

static int open_collection(builder *b, perfbudget__node_kind kind, const yaml_event_t *event) {
    if (b->depth == MAX_DEPTH) return fail_at(b, &event->start_mark, "nesting is too deep");
    perfbudget__node *node = new_node(b, kind, &event->start_mark, 0);
    if (node == NULL) return fail_at(b, &event->start_mark, "document is too large");
    int status = attach(b, node);
    if (status != PERFBUDGET_OK) return status;
    b->stack[b->depth++] = (frame){node, b->used};
    return PERFBUDGET_OK;
}

static int close_collection(builder *b) {
    frame *f = &b->stack[--b->depth];
    size_t count = b->used - f->start;
    int status = PERFBUDGET_OK;
    if (count > 0) {
        f->node->items = arena_alloc(b->doc, count * sizeof *f->node->items);
        if (f->node->items == NULL)
            status = PERFBUDGET_ENOMEM;
        else
            memcpy(f->node->items, b->children + f->start, count * sizeof *f->node->items);
    }
    f->node->count = (unsigned)count; /* at most MAX_NODES */
    b->used = f->start;
    return status;
}

static int add_scalar(builder *b, const yaml_event_t *event) {
    size_t length = event->data.scalar.length;
    if (length > MAX_SCALAR)
        return fail_at(b, &event->start_mark, "scalar is longer than 64 KiB");
    if (memchr(event->data.scalar.value, '\0', length) != NULL)
        return fail_at(b, &event->start_mark, "value contains a NUL character");
    perfbudget__node *node = new_node(b, PERFBUDGET__SCALAR, &event->start_mark, length + 1);
    if (node == NULL) return fail_at(b, &event->start_mark, "document is too large");
    char *text = (char *)(node + 1);
    memcpy(text, event->data.scalar.value, length);
    text[length] = '\0';
    node->text = text;
    node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(b, node);
}

/* libyaml's reader errors carry a byte offset but no mark: count lines and characters. */
static void position_of(const char *text, size_t offset, int *line, int *column) {
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*column;
        }
    }
}

static int syntax_error(builder *b, const yaml_parser_t *parser, const char *text, size_t size) {
    const char *problem = parser->problem ? parser->problem : "malformed YAML";
    if (parser->error == YAML_READER_ERROR) {
        position_of(text, parser->problem_offset < size ? parser->problem_offset : size, &b->line,
                    &b->column);
        snprintf(b->message, b->message_size, "%s (the file must be UTF-8)", problem);
        return PERFBUDGET_EPARSE;
    }
    b->line = (int)parser->problem_mark.line + 1;
    b->column = (int)parser->problem_mark.column + 1;
    size_t index = parser->problem_mark.index;
    int tab = index < size && text[index] == '\t';
    /* libyaml's context mark says where the unfinished construct began: worth naming when the
     * problem shows up elsewhere (an unclosed quote found only at the end of the file). */
    char started[64] = "";
    if (parser->context != NULL && (parser->context_mark.line != parser->problem_mark.line ||
                                    parser->context_mark.column != parser->problem_mark.column))
        snprintf(started, sizeof started, " started at %d:%d",
                 (int)parser->context_mark.line + 1, (int)parser->context_mark.column + 1);
    snprintf(b->message, b->message_size, "YAML syntax error: %s%s%s%s%s", problem,
             parser->context ? " " : "", parser->context ? parser->context : "", started,
             tab ? " (tabs are not allowed for indentation; use spaces)" : "");
    return PERFBUDGET_EPARSE;
}

int perfbudget__doc_parse(const char *text, size_t size, perfbudget__doc **out,
                          perfbudget__node **root, int *line, int *column, char *message,
                          size_t message_size) {
    *out = NULL;
    *root = NULL;
    builder b = {.line = 0, .column = 0, .message = message, .message_size = message_size};
    b.doc = calloc(1, sizeof *b.doc);
    yaml_parser_t parser;
    if (b.doc == NULL || !yaml_parser_initialize(&parser)) {
        free(b.doc);
        return PERFBUDGET_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
    int status = PERFBUDGET_OK, documents = 0, done = 0;
    while (status == PERFBUDGET_OK && !done) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = syntax_error(&b, &parser, text, size);
            break;
        }
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                status = fail_at(&b, &event.start_mark,
                                 "a budget file holds one YAML document; found a second");
            break;
        case YAML_ALIAS_EVENT:
            status = fail_at(&b, &event.start_mark,
                             "aliases (*name) are not supported in budget files");
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const yaml_char_t *anchor = event.type == YAML_SCALAR_EVENT
                                            ? event.data.scalar.anchor
                                            : event.type == YAML_SEQUENCE_START_EVENT
                                                  ? event.data.sequence_start.anchor
                                                  : event.data.mapping_start.anchor;
            if (anchor != NULL)
                status = fail_at(&b, &event.start_mark,
                                 "anchors (&name) are not supported in budget files");
            else if (event.type == YAML_SCALAR_EVENT)
                status = add_scalar(&b, &event);
            else
                status = open_collection(&b,
                                         event.type == YAML_MAPPING_START_EVENT
                                             ? PERFBUDGET__MAPPING
                                             : PERFBUDGET__SEQUENCE,
                                         &event);
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            status = close_collection(&b);
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
    }
    while (b.depth > 0) close_collection(&b);
    free(b.children);
    yaml_parser_delete(&parser);
    if (status != PERFBUDGET_OK) {
        if (status == PERFBUDGET_ENOMEM) snprintf(message, message_size, "out of memory");
        *line = b.line;
        *column = b.column;
        perfbudget__doc_free(b.doc);
        return status;
    }
    *out = b.doc;
    *root = b.root;
    return PERFBUDGET_OK;
}
