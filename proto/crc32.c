/* crc32.c: CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), used by STUN FINGERPRINT. */
#include "crc32.h"

uint32_t mp_crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
	const uint32_t (*t)[256] = mp_crc32_table;

	crc = ~crc;
	/* slicing-by-8: eight table lookups per 8 input bytes, independent of each other */
	while (len >= 8) {
		uint32_t a = crc ^ ((uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
				    (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24);

		crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
		      t[3][buf[4]] ^ t[2][buf[5]] ^ t[1][buf[6]] ^ t[0][buf[7]];
		buf += 8;
		len -= 8;
	}
	while (len--)
		crc = t[0][(crc ^ *buf++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}
