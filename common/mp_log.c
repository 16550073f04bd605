/* mp_log.c: per-module levels, call-site rate limits, text or JSON lines on stderr, a per-thread defer
 * hook (workers queue their lines, never write); every message escaped (mp_escape.h). */
#include "mp_log.h"
#include "mp_error.h"
#include "mp_escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static uint8_t mp_log_levels[MP_LOGM__COUNT] = {
	MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO,
	MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_INFO, MP_LOG_DEBUG,
};
static bool mp_log_json;
static const char *const mp_log_names[] = { "error", "warn", "info", "debug" };
static const char *const mp_log_modules[MP_LOGM__COUNT] = {
	"app", "lb", "redis", "dp", "srt", "rtmp", "http", "api", "sysapi", "ctl", "cli", "dpdk",
};
static mp_log_defer_fn mp_log_defer;
static void *mp_log_defer_ctx;

void mp_log_set_level(enum mp_log_level level)
{
	for (int m = 0; m < MP_LOGM__COUNT; m++)
		if (m != MP_LOGM_DPDK)
			__atomic_store_n(&mp_log_levels[m], (uint8_t)level, __ATOMIC_RELAXED);
}

enum mp_log_level mp_log_get_level(void)
{
	return mp_log_get_module_level(MP_LOGM_APP);
}

void mp_log_set_module_level(enum mp_log_module m, enum mp_log_level level)
{
	if ((unsigned)m < MP_LOGM__COUNT)
		__atomic_store_n(&mp_log_levels[m], (uint8_t)level, __ATOMIC_RELAXED);
}

enum mp_log_level mp_log_get_module_level(enum mp_log_module m)
{
	return (unsigned)m < MP_LOGM__COUNT ? (enum mp_log_level)__atomic_load_n(&mp_log_levels[m], __ATOMIC_RELAXED)
					     : MP_LOG_INFO;
}

bool mp_log_enabled(enum mp_log_module m, enum mp_log_level level)
{
	return (unsigned)m < MP_LOGM__COUNT && level <= __atomic_load_n(&mp_log_levels[m], __ATOMIC_RELAXED);
}

int mp_log_parse_level(const char *s, enum mp_log_level *out)
{
	for (int i = 0; i <= MP_LOG_DEBUG; i++) {
		if (strcasecmp(s, mp_log_names[i]) == 0) {
			*out = (enum mp_log_level)i;
			return MP_OK;
		}
	}
	if (!strcasecmp(s, "warning")) {
		*out = MP_LOG_WARN;
		return MP_OK;
	}
	return MP_ERR_INVAL;
}

const char *mp_log_level_name(enum mp_log_level level)
{
	return (unsigned)level <= MP_LOG_DEBUG ? mp_log_names[level] : "?";
}

int mp_log_parse_module(const char *s, enum mp_log_module *out)
{
	if (!strncmp(s, "mediaplane.", 11))
		s += 11;
	for (int m = 0; m < MP_LOGM__COUNT; m++)
		if (!strcmp(s, mp_log_modules[m])) {
			*out = (enum mp_log_module)m;
			return MP_OK;
		}
	return MP_ERR_INVAL;
}

const char *mp_log_module_name(enum mp_log_module m)
{
	return (unsigned)m < MP_LOGM__COUNT ? mp_log_modules[m] : "?";
}

int mp_log_levels_parse(const char *spec, uint8_t out[MP_LOGM__COUNT])
{
	char buf[512], *save = NULL;

	memset(out, 0xff, MP_LOGM__COUNT);
	if (strlen(spec) >= sizeof(buf))
		return MP_ERR_INVAL;
	memcpy(buf, spec, strlen(spec) + 1);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(t, '=');
		enum mp_log_module m;
		enum mp_log_level l;

		if (!eq)
			return MP_ERR_INVAL;
		*eq = 0;
		if (mp_log_parse_module(t, &m) != MP_OK || mp_log_parse_level(eq + 1, &l) != MP_OK)
			return MP_ERR_INVAL;
		out[m] = (uint8_t)l;
	}
	return MP_OK;
}

void mp_log_set_json(bool on)
{
	__atomic_store_n(&mp_log_json, on, __ATOMIC_RELAXED);
}

bool mp_log_get_json(void)
{
	return __atomic_load_n(&mp_log_json, __ATOMIC_RELAXED);
}

void mp_log_set_defer(mp_log_defer_fn fn, void *ctx)
{
	mp_log_defer_ctx = ctx;
	__atomic_store_n(&mp_log_defer, fn, __ATOMIC_RELEASE);
}

void mp_log_emit(const struct mp_log_record *r)
{
	mp_log_defer_fn fn = __atomic_load_n(&mp_log_defer, __ATOMIC_ACQUIRE);

	if (fn && fn(r, mp_log_defer_ctx))
		return;
	mp_log_write(r);
}

size_t mp_log_format(const struct mp_log_record *r, char *out, size_t cap)
{
	time_t sec = (time_t)(r->ts_ms / 1000);
	struct tm tm;
	char ts[32];
	size_t n;

	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!mp_log_get_json()) {
		n = (size_t)snprintf(out, cap, "%s.%03uZ %s mediaplane.%s: %s\n", ts, (unsigned)(r->ts_ms % 1000),
				     mp_log_level_name((enum mp_log_level)r->level),
				     mp_log_module_name((enum mp_log_module)r->module), r->text);
	} else {
		/* The text is escaped already (printable ASCII): JSON needs only '"' and '\' escaped. */
		n = (size_t)snprintf(out, cap, "{\"ts\":\"%s.%03uZ\",\"level\":\"%s\",\"module\":\"mediaplane.%s\",\"msg\":\"",
				     ts, (unsigned)(r->ts_ms % 1000), mp_log_level_name((enum mp_log_level)r->level),
				     mp_log_module_name((enum mp_log_module)r->module));
		for (const char *p = r->text; *p && n + 4 < cap; p++) {
			if (*p == '"' || *p == '\\')
				out[n++] = '\\';
			out[n++] = *p;
		}
		if (n + 3 < cap)
			n += (size_t)snprintf(out + n, cap - n, "\"}\n");
	}
	if (n >= cap) { /* cut: still one line */
		n = cap - 1;
		out[n - 1] = '\n';
	}
	return n;
}

void mp_log_write(const struct mp_log_record *r)
{
	char line[MP_LOG_TEXT_MAX * 2 + 160];
	size_t n = mp_log_format(r, line, sizeof(line));

	/* One write per line so lines from threads never interleave. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The call site's window: MP_LOG_BURST lines a second; *suppressed: lines dropped in an earlier one. */
static bool site_pass(struct mp_log_site *s, uint64_t now_s, uint32_t *suppressed)
{
	uint64_t w = __atomic_load_n(&s->window_s, __ATOMIC_RELAXED);

	*suppressed = 0;
	if (w != now_s && __atomic_compare_exchange_n(&s->window_s, &w, now_s, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_store_n(&s->n, 0, __ATOMIC_RELAXED);
		*suppressed = __atomic_exchange_n(&s->suppressed, 0, __ATOMIC_RELAXED);
	}
	if (__atomic_add_fetch(&s->n, 1, __ATOMIC_RELAXED) > MP_LOG_BURST) {
		__atomic_add_fetch(&s->suppressed, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void vlog(struct mp_log_site *site, enum mp_log_module m, enum mp_log_level level, const char *fmt, va_list ap)
{
	struct mp_log_record r;
	char msg[1024];
	uint32_t suppressed = 0;
	size_t n = 0;

	r.ts_ms = now_ms();
	if (site && !site_pass(site, r.ts_ms / 1000, &suppressed))
		return;
	r.level = (uint8_t)level;
	r.module = (uint8_t)m;
	if (suppressed)
		n = (size_t)snprintf(r.text, sizeof(r.text), "(%u similar line(s) suppressed) ", suppressed);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Names from the network (origins, streams, peers) are in the message: no byte of it may end the
	 * line, forge another or reach a terminal as a control sequence. */
	n += mp_escape(msg, strlen(msg), r.text + n, sizeof(r.text) - n);
	r.len = (uint16_t)n;
	mp_log_emit(&r);
}

void mp_log_at(struct mp_log_site *site, enum mp_log_module m, enum mp_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(site, m, level, fmt, ap);
	va_end(ap);
}

void mp_log(enum mp_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!mp_log_enabled(MP_LOGM_APP, level))
		return;
	va_start(ap, fmt);
	vlog(NULL, MP_LOGM_APP, level, fmt, ap);
	va_end(ap);
}
