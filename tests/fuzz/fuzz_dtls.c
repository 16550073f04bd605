/* fuzz_dtls.c: the DTLS alert walk on any datagram (never crash, never overread, answers in range). */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1); /* exact size, so ASan sees a read past the end */
	int k;

	memcpy(b, data, size);
	k = mp_dtls_alert(b, size);
	if (k >= 0 && k > MP_DTLS_ALERT_ENCRYPTED)
		abort();
	if (k < 0 && k != MP_ERR_TRUNCATED && k != MP_ERR_INVAL && k != MP_ERR_LENGTH)
		abort();
	free(b);
	return 0;
}
