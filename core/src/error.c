/* SPDX-License-Identifier: MIT */
/* Texts for status codes, from the one table in error.h. */
#include "internal.h"

const char *perfbudget_errstr(int code) {
    switch (code) {
#define PERFBUDGET_ERROR_TEXT_(name, number, text) \
    case number:                                   \
        return text;
        PERFBUDGET_ERROR_TABLE(PERFBUDGET_ERROR_TEXT_)
#undef PERFBUDGET_ERROR_TEXT_
    default:
        return "unknown error";
    }
}

const char *perfbudget_errname(int code) {
    switch (code) {
#define PERFBUDGET_ERROR_NAME_(name, number, text) \
    case number:                                   \
        return #name;
        PERFBUDGET_ERROR_TABLE(PERFBUDGET_ERROR_NAME_)
#undef PERFBUDGET_ERROR_NAME_
    default:
        return NULL;
    }
}

const char *perfbudget_version(void) { return PERFBUDGET_VERSION_STRING; }
