/* SPDX-License-Identifier: MIT */
/* The detection workload: a dependent chain of xorshift steps, so its time is proportional to
 * steps and the compiler cannot shorten it. */
#ifndef PEERS_WORK_H
#define PEERS_WORK_H
#include <stdint.h>

static inline uint64_t peers_work(uint64_t x, uint64_t steps) {
    for (uint64_t i = 0; i < steps; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}
#endif
