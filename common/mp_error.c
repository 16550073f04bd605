/* mp_error.c: descriptions for the mediaplane error enum. */
#include "mp_error.h"

static const char *const mp_err_text[] = {
	[0] = "success",
	[1] = "invalid argument or malformed input",
	[2] = "input truncated",
	[3] = "length field disagrees with data",
	[4] = "field too long",
	[5] = "output buffer too small",
	[6] = "out of memory",
	[7] = "table full",
	[8] = "not found",
	[9] = "already exists",
	[10] = "unsupported",
	[11] = "checksum mismatch",
	[12] = "bad SRT cookie",
	[13] = "no origin available",
	[14] = "authentication failed",
	[15] = "bad configuration",
	[16] = "I/O error",
	[17] = "timed out",
	[18] = "need more data",
	[19] = "invalid state",
	[20] = "permission denied",
	[21] = "address already in use",
	[22] = "no such device",
	[23] = "redis error",
	[24] = "protocol violation",
};

const char *mp_strerror(int err)
{
	int i = -err;

	if (i < 0 || i >= (int)(sizeof(mp_err_text) / sizeof(mp_err_text[0])) || !mp_err_text[i])
		return "unknown error";
	return mp_err_text[i];
}
