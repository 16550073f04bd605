/* http_stream.c: HTTP-FLV/TS/HLS to origins — not built yet (issue 7): every request gets 404. */
#include "http_stream.h"
#include "control.h"

void mp_http_stream_install(struct mp_control *c)
{
	(void)c; /* the generic 404 handler set by control.c answers until this is built */
}
