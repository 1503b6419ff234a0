/* SPDX-License-Identifier: MIT */
/* Status codes shared by every fallible function, with their texts. */
#ifndef PERFBUDGET_ERROR_H
#define PERFBUDGET_ERROR_H

#include "perfbudget/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One table for codes and texts so C, Python and the docs never disagree.
 * Released numbers never change; new codes are appended. */
#define PERFBUDGET_ERROR_TABLE(X)                                              \
    X(OK, 0, "success")                                                        \
    X(EINVAL, 1, "invalid argument")                                           \
    X(ENOMEM, 2, "out of memory")                                              \
    X(EIO, 3, "input/output error")                                            \
    X(EDOMAIN, 4, "value outside the domain (NaN, infinite or impossible)")    \
    X(ENODATA, 5, "not enough data")                                           \
    X(EUNAVAILABLE, 6, "not available on this system")                         \
    X(EPARSE, 7, "malformed input")                                            \
    X(ESTATE, 8, "call not valid in the current state")                        \
    X(ENOTFOUND, 9, "not found")                                               \
    X(EINTERRUPTED, 10, "interrupted")

typedef enum perfbudget_status {
#define PERFBUDGET_ERROR_ENUM_(name, code, text) PERFBUDGET_##name = code,
    PERFBUDGET_ERROR_TABLE(PERFBUDGET_ERROR_ENUM_)
#undef PERFBUDGET_ERROR_ENUM_
} perfbudget_status;

/** Static text for a status code ("not enough data"); "unknown error" for an unknown code.
 *  Static storage: never free it. */
PERFBUDGET_API const char *perfbudget_errstr(int code);

/** The symbolic name of a status code without its prefix ("ENODATA"); NULL for an unknown code.
 *  Static storage: never free it. */
PERFBUDGET_API const char *perfbudget_errname(int code);

#ifdef __cplusplus
}
#endif

#endif
