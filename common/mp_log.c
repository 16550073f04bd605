/* mp_log.c: levelled logging to stderr with a UTC timestamp; every message escaped (mp_escape.h). */
#include "mp_log.h"
#include "mp_error.h"
#include "mp_escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static enum mp_log_level mp_log_level = MP_LOG_INFO;
static const char *const mp_log_names[] = { "error", "warn", "info", "debug" };

void mp_log_set_level(enum mp_log_level level)
{
	mp_log_level = level;
}

enum mp_log_level mp_log_get_level(void)
{
	return mp_log_level;
}

int mp_log_parse_level(const char *s, enum mp_log_level *out)
{
	for (int i = 0; i <= MP_LOG_DEBUG; i++) {
		if (strcasecmp(s, mp_log_names[i]) == 0) {
			*out = (enum mp_log_level)i;
			return MP_OK;
		}
	}
	return MP_ERR_INVAL;
}

void mp_log(enum mp_log_level level, const char *fmt, ...)
{
	char line[1024], msg[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;

	if (level > mp_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s mediaplane: ",
			      ts.tv_nsec / 1000000, mp_log_names[level]);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Names from the network (origins, streams, peers) are in the message: no byte of it may end the
	 * line, forge another or reach a terminal as a control sequence. */
	if (n < sizeof(line))
		mp_escape(msg, strlen(msg), line + n, sizeof(line) - n);
	/* One write per line so lines from threads never interleave. */
	fprintf(stderr, "%s\n", line);
}
