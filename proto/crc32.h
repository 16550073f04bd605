/* crc32.h: CRC-32 as in ISO 3309 / zlib (STUN FINGERPRINT, RFC 8489 section 14.7). */
#ifndef MP_PROTO_CRC32_H
#define MP_PROTO_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32 over buf; start with crc = 0. mp_crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t mp_crc32_update(uint32_t crc, const uint8_t *buf, size_t len);

/* Slicing-by-8 lookup tables (crc32_table.c). */
extern const uint32_t mp_crc32_table[8][256];

#endif
