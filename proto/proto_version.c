/* proto_version.c: the versions body the System API and HTTP API answer with. */
#include "proto_version.h"
#include "mp_error.h"

#include <stdio.h>

int mp_version_json(char *out, unsigned long cap, const char *pid)
{
	/* Same shape as SRS and the SRS proxy: {"code":0,"server":..,"data":{major,minor,revision,version}} */
	int n = snprintf(out, cap,
			 "{\"code\":0,\"server\":\"%s\",\"service\":\"%s\",\"pid\":\"%s\",\"signature\":\"%s\","
			 "\"data\":{\"major\":%d,\"minor\":%d,\"revision\":%d,\"version\":\"%s\"}}",
			 MP_SIGNATURE, MP_SIGNATURE, pid, MP_SIGNATURE, MP_VERSION_MAJOR, MP_VERSION_MINOR,
			 MP_VERSION_REVISION, MP_VERSION_STRING);
	if (n < 0 || (unsigned long)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}
