/* SPDX-License-Identifier: MIT */
/* checksum_file FILE...: print the CRC-32 and the size of each file, like cksum. The example's
 * command-line tool, timed as a whole process by add_perf_test(). */
#include <stdio.h>

#include "checksum.h"

static int checksum_one(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    static unsigned char buffer[1 << 16];
    uint32_t crc = 0;
    unsigned long long size = 0;
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, f)) > 0) {
        crc = checksum_crc32(crc, buffer, got);
        size += got;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: read error\n", path);
        return 1;
    }
    printf("%08lx %llu %s\n", (unsigned long)crc, size, path);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) status |= checksum_one(argv[i]);
    return status;
}
