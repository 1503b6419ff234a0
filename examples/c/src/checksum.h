/* SPDX-License-Identifier: MIT */
/* Checksums worth guarding: CRC-32 (IEEE 802.3) and Adler-32. */
#ifndef CHECKSUM_H
#define CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/** CRC-32 of data, continuing from crc (0 to start). */
uint32_t checksum_crc32(uint32_t crc, const void *data, size_t size);

/** Adler-32 of data, continuing from adler (1 to start). */
uint32_t checksum_adler32(uint32_t adler, const void *data, size_t size);

#endif
