/* SPDX-License-Identifier: MIT */
/* bench/busy.py's command for add_perf_test: about 40 ms of CPU work in one process (at ~2.5 ns
 * a step on the study's machine), scaled by PERFBUDGET_STUDY_FACTOR. It prints the chain's end,
 * so the compiler cannot drop the work. */
#include <inttypes.h>
#include <stdio.h>

#include "work.h"

int main(void) {
    printf("%" PRIu64 "\n", busy_work(1, busy_steps(16000000)));
    return 0;
}
