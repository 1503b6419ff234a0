/* SPDX-License-Identifier: MIT */
#include "checksum.h"

/* Bytewise CRC-32 with the reflected polynomial 0xEDB88320. The table is rebuilt on every call,
 * a deliberate cost that makes the 4 KiB case visibly slower per byte than the 64 KiB one. */
static uint32_t crc_entry(uint32_t index) {
    uint32_t c = index;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    return c;
}

uint32_t checksum_crc32(uint32_t crc, const void *data, size_t size) {
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) table[i] = crc_entry(i);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < size; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

uint32_t checksum_adler32(uint32_t adler, const void *data, size_t size) {
    const unsigned char *p = data;
    uint32_t a = adler & 0xFFFF, b = adler >> 16;
    /* 5552 is the largest block for which b cannot overflow before the modulo (zlib's NMAX). */
    while (size > 0) {
        size_t block = size < 5552 ? size : 5552;
        size -= block;
        for (size_t i = 0; i < block; i++) {
            a += *p++;
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
    }
    return (b << 16) | a;
}
