/* SPDX-License-Identifier: MIT */
/* Plain unit tests of the checksum library: the published check values. */
#include <stdio.h>
#include <string.h>

#include "checksum.h"

static int failures;

static void expect(const char *what, uint32_t got, uint32_t want) {
    if (got != want) {
        fprintf(stderr, "%s: got %08lx, want %08lx\n", what, (unsigned long)got,
                (unsigned long)want);
        failures++;
    }
}

int main(void) {
    const char *check = "123456789";
    expect("crc32(\"123456789\")", checksum_crc32(0, check, strlen(check)), 0xCBF43926u);
    expect("crc32 of nothing", checksum_crc32(0, "", 0), 0);
    /* Continuing a checksum over a split buffer gives the same value. */
    expect("crc32 in two parts", checksum_crc32(checksum_crc32(0, check, 4), check + 4, 5),
           0xCBF43926u);
    expect("adler32(\"Wikipedia\")", checksum_adler32(1, "Wikipedia", 9), 0x11E60398u);
    expect("adler32 of nothing", checksum_adler32(1, "", 0), 1);
    return failures == 0 ? 0 : 1;
}
