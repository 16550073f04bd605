/* fuzz_registration.c: any body parses or fails with a reason; no leak, no out-of-bounds read. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "registration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_registration reg;
	char why[128], id[3 * MP_REG_MAX_FIELD];
	int rc = mp_registration_parse((const char *)data, size, &reg, why, sizeof(why));

	if (rc == MP_OK) {
		if (why[0] != '\0' || reg.ip[0] == '\0' || reg.pid[0] == '\0')
			abort();
		for (int p = 0; p < MP_PROTO__COUNT; p++)
			if (reg.n_ep[p] > MP_REG_MAX_ENDPOINTS)
				abort();
		if (mp_registration_id(&reg, id, sizeof(id)) <= 0)
			abort();
		if (reg.ip_v6 && reg.ipv4) /* one family: an IPv6 origin has no IPv4 address */
			abort();
	} else if (rc >= 0 || why[0] == '\0' || strlen(why) >= sizeof(why)) {
		abort();
	}
	return 0;
}
