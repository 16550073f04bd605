/* mp_log.h: levelled, per-module logging (mediaplane.lb, .dp, .srt...) for every plane. A message is one
 * line: control characters and non-ASCII bytes in it are written escaped (mp_escape), whoever sent them;
 * text or JSON lines; each call site is rate limited; a thread given a defer hook (a data-plane worker)
 * never writes: its lines are handed to the hook (a ring the control thread drains, app/log_dpdk.c). */
#ifndef MP_LOG_H
#define MP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mp_log_level { MP_LOG_ERR = 0, MP_LOG_WARN, MP_LOG_INFO, MP_LOG_DEBUG };

/* One module per area; its rte_log type is "mediaplane.<name>" (app/log_dpdk.c). */
enum mp_log_module {
	MP_LOGM_APP = 0, /* startup, signals, reload */
	MP_LOGM_LB,      /* balancer tables, picks */
	MP_LOGM_REDIS,   /* the Redis backend */
	MP_LOGM_DP,      /* data plane: ports, workers, NAT, WebRTC */
	MP_LOGM_SRT,     /* data plane: SRT handshakes and sessions */
	MP_LOGM_RTMP,    /* RTMP listener and relays */
	MP_LOGM_HTTP,    /* HTTP-FLV/TS/HLS listener and relays */
	MP_LOGM_API,     /* HTTP API: WHIP/WHEP */
	MP_LOGM_SYSAPI,  /* System API: registration, dashboard */
	MP_LOGM_CTL,     /* control plane core: connections, guards */
	MP_LOGM_CLI,     /* the operator CLI */
	MP_LOGM_DPDK,    /* DPDK's own lines (EAL, drivers), passed through */
	MP_LOGM__COUNT
};

#ifndef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_APP
#endif

/* A line ready to write (or to queue from a worker). */
#define MP_LOG_TEXT_MAX 480
struct mp_log_record {
	uint64_t ts_ms;  /* UTC, ms */
	uint8_t level;   /* enum mp_log_level */
	uint8_t module;  /* enum mp_log_module */
	uint16_t len;
	char text[MP_LOG_TEXT_MAX]; /* escaped, NUL-terminated */
};

/* Per call site: the rate limit's window (MP_LOG_BURST lines per second, then one count). */
#define MP_LOG_BURST 10
struct mp_log_site {
	uint64_t window_s;
	uint32_t n;
	uint32_t suppressed;
};

/* Levels: one module, or all (mp_log_set_level). */
void mp_log_set_level(enum mp_log_level level);
enum mp_log_level mp_log_get_level(void);
void mp_log_set_module_level(enum mp_log_module m, enum mp_log_level level);
enum mp_log_level mp_log_get_module_level(enum mp_log_module m);
bool mp_log_enabled(enum mp_log_module m, enum mp_log_level level);
/* Parse "error", "warn", "info", "debug"; returns 0 or MP_ERR_INVAL. */
int mp_log_parse_level(const char *s, enum mp_log_level *out);
const char *mp_log_level_name(enum mp_log_level level);
/* "lb" or "mediaplane.lb" -> module; returns 0 or MP_ERR_INVAL. */
int mp_log_parse_module(const char *s, enum mp_log_module *out);
const char *mp_log_module_name(enum mp_log_module m); /* "lb" */
/* "lb=debug,srt=debug" (the log_levels key): out[m] = level for each module named, 0xff for the others.
 * Returns 0 or MP_ERR_INVAL. */
int mp_log_levels_parse(const char *spec, uint8_t out[MP_LOGM__COUNT]);

/* JSON lines ({"ts":..,"level":..,"module":..,"msg":..}) instead of text. */
void mp_log_set_json(bool on);
bool mp_log_get_json(void);

/* Every line is first offered to fn (true: taken, e.g. queued because the calling thread is a data-plane
 * worker, which never writes); NULL, or false: written at once. */
typedef bool (*mp_log_defer_fn)(const struct mp_log_record *r, void *ctx);
void mp_log_set_defer(mp_log_defer_fn fn, void *ctx);
/* Offer r to the defer hook, else write it. */
void mp_log_emit(const struct mp_log_record *r);

/* Write one record now (the control thread draining workers' rings; DPDK's own lines). One write(2). */
void mp_log_write(const struct mp_log_record *r);
/* Format a record as a line (text or JSON, with '\n'); returns its length. */
size_t mp_log_format(const struct mp_log_record *r, char *out, size_t cap);

void mp_log_at(struct mp_log_site *site, enum mp_log_module m, enum mp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Without a call site's rate limit (kept for callers that pass their own format). */
void mp_log(enum mp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define MP_LOGM(mod, lvl, ...)                                         \
	do {                                                           \
		static struct mp_log_site mp_log_site_;                \
		if (mp_log_enabled((mod), (lvl)))                      \
			mp_log_at(&mp_log_site_, (mod), (lvl), __VA_ARGS__); \
	} while (0)
#define MP_ERR(...) MP_LOGM(MP_LOG_MODULE, MP_LOG_ERR, __VA_ARGS__)
#define MP_WARN(...) MP_LOGM(MP_LOG_MODULE, MP_LOG_WARN, __VA_ARGS__)
#define MP_INFO(...) MP_LOGM(MP_LOG_MODULE, MP_LOG_INFO, __VA_ARGS__)
#define MP_DEBUG(...) MP_LOGM(MP_LOG_MODULE, MP_LOG_DEBUG, __VA_ARGS__)

#endif
