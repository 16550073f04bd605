/* log_dpdk.c: mp_log on DPDK: rte_log types per module, DPDK's lines through mp_log, workers' rings. */
#include "log_dpdk.h"
#include "mp_error.h"
#include "mp_escape.h"

#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#define LOG_RING_SIZE 1024 /* lines a worker may queue between two drains (100 ms) */

static int log_types[MP_LOGM__COUNT] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
_Static_assert(MP_LOGM__COUNT == 12, "log_types: one -1 per module");
static struct rte_ring *log_rings[RTE_MAX_LCORE];
static uint64_t log_lost[RTE_MAX_LCORE];    /* written by its worker only */
static uint64_t log_lost_told[RTE_MAX_LCORE]; /* control thread */
static unsigned log_main_lcore = RTE_MAX_LCORE;
static int tap_noise_told;

static uint32_t to_rte(enum mp_log_level l)
{
	static const uint32_t map[] = { RTE_LOG_ERR, RTE_LOG_WARNING, RTE_LOG_INFO, RTE_LOG_DEBUG };

	return map[l];
}

static enum mp_log_level from_rte(int lv)
{
	unsigned l = lv < 0 ? 0 : (unsigned)lv;

	return l <= RTE_LOG_ERR ? MP_LOG_ERR : l == RTE_LOG_WARNING ? MP_LOG_WARN : l <= RTE_LOG_INFO ? MP_LOG_INFO
													: MP_LOG_DEBUG;
}

/* A worker lcore (one with a ring) queues its lines; nobody else does. Never blocks: a full ring
 * loses the line and counts it. */
static bool defer_to_ring(const struct mp_log_record *r, void *ctx)
{
	unsigned lc = rte_lcore_id();

	(void)ctx;
	if (lc >= RTE_MAX_LCORE || !log_rings[lc])
		return false;
	if (rte_ring_sp_enqueue_elem(log_rings[lc], (void *)(uintptr_t)r, sizeof(*r)) != 0)
		__atomic_store_n(&log_lost[lc], log_lost[lc] + 1, __ATOMIC_RELAXED);
	return true;
}

/* DPDK's two start-up warnings that are not faults: the kernel has no multiq qdisc module (net_tap
 * then uses one queue discipline for all queues, which only matters for rte_flow on a TAP), and EAL
 * with --no-shconf has no secondary process to tell about a new device. */
static bool tap_noise(const char *line)
{
	static const char *const notes[] = {
		"Could not add multiq qdisc", "failed to create multiq qdisc", "Specified qdisc kind is unknown",
		"Disabling rte flow support", "Failed to send start req to secondary",
		"Failed to send hotplug request to secondary", "No legacy callbacks, legacy socket not created",
	};

	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (strstr(line, notes[i]))
			return true;
	return false;
}

static void dpdk_line(const char *s, size_t len)
{
	struct mp_log_record r;
	char raw[MP_LOG_TEXT_MAX];
	int lvl = rte_log_cur_msg_loglevel();

	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	memcpy(raw, s, len);
	raw[len] = 0;
	if (strstr(raw, "mediaplane.") && strstr(raw, "log level changed from disabled"))
		return; /* our own types being registered */
	if (tap_noise(raw)) {
		if (__atomic_exchange_n(&tap_noise_told, 1, __ATOMIC_RELAXED))
			return;
		snprintf(raw, sizeof(raw), "DPDK's net_tap/EAL start-up notes \"Could not add multiq qdisc\" and \"Failed "
			 "to send start req to secondary\" are harmless (no sch_multiq module; no secondary process) "
			 "and not shown (nor the lines that go with them: qdisc kind unknown, rte_flow disabled on the TAP, no legacy telemetry socket)");
		lvl = RTE_LOG_INFO;
	}
	r.ts_ms = 0;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r.ts_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	r.level = (uint8_t)from_rte(lvl);
	r.module = MP_LOGM_DPDK;
	r.len = (uint16_t)mp_escape(raw, strlen(raw), r.text, sizeof(r.text));
	mp_log_emit(&r);
}

/* DPDK's stream: each rte_log() is one fprintf and fflush; split into lines. */
static ssize_t stream_write(void *c, const char *buf, size_t size)
{
	const char *p = buf, *end = buf + size;

	(void)c;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n)
			dpdk_line(p, n);
		p += n + (nl ? 1 : 0);
	}
	return (ssize_t)size;
}

void mp_log_dpdk_init(void)
{
	static cookie_io_functions_t io = { .write = stream_write };
	char name[64];
	FILE *f;

	f = fopencookie(NULL, "w", io);
	if (f) {
		setvbuf(f, NULL, _IOFBF, 4096);
		rte_openlog_stream(f);
	}
	for (int m = 0; m < MP_LOGM__COUNT; m++) {
		log_types[m] = -1;
		if (m == MP_LOGM_DPDK)
			continue;
		snprintf(name, sizeof(name), "mediaplane.%s", mp_log_module_name((enum mp_log_module)m));
		log_types[m] = rte_log_register_type_and_pick_level(name, to_rte(mp_log_get_module_level(m)));
	}
}

int mp_log_dpdk_start(void)
{
	unsigned lc;
	char name[RTE_RING_NAMESIZE];

	for (int m = 0; m < MP_LOGM__COUNT; m++)
		if (log_types[m] >= 0)
			mp_log_set_module_level(m, from_rte(rte_log_get_level((uint32_t)log_types[m])));
	log_main_lcore = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lc) {
		snprintf(name, sizeof(name), "mp_log%u", lc);
		log_rings[lc] = rte_ring_create_elem(name, sizeof(struct mp_log_record), LOG_RING_SIZE,
						     (int)rte_lcore_to_socket_id(lc), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!log_rings[lc]) {
			MP_ERR("cannot create the log ring of worker lcore %u", lc);
			return MP_ERR_NOMEM;
		}
	}
	mp_log_set_defer(defer_to_ring, NULL);
	return MP_OK;
}

void mp_log_dpdk_set_level(enum mp_log_module m, int all, enum mp_log_level level)
{
	for (int i = 0; i < MP_LOGM__COUNT; i++) {
		if (!all && i != (int)m)
			continue;
		if (all && i == MP_LOGM_DPDK)
			continue;
		mp_log_set_module_level(i, level);
		if (log_types[i] >= 0)
			rte_log_set_level((uint32_t)log_types[i], to_rte(level));
	}
}

unsigned mp_log_dpdk_drain(void)
{
	struct mp_log_record r[16];
	unsigned total = 0, n;

	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		uint64_t lost;

		if (!log_rings[lc])
			continue;
		while ((n = rte_ring_sc_dequeue_burst_elem(log_rings[lc], r, sizeof(r[0]), 16, NULL)) > 0) {
			for (unsigned i = 0; i < n; i++)
				mp_log_write(&r[i]);
			total += n;
		}
		lost = __atomic_load_n(&log_lost[lc], __ATOMIC_RELAXED);
		if (lost != log_lost_told[lc]) {
			MP_WARN("worker lcore %u: %lu log line(s) lost (its ring of %u was full)", lc,
				(unsigned long)(lost - log_lost_told[lc]), LOG_RING_SIZE);
			log_lost_told[lc] = lost;
		}
	}
	return total;
}

void mp_log_dpdk_stop(void)
{
	mp_log_dpdk_drain();
	mp_log_set_defer(NULL, NULL);
	mp_log_dpdk_drain();
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		rte_ring_free(log_rings[lc]);
		log_rings[lc] = NULL;
	}
}

void mp_log_dpdk_configure(const struct mp_config *cfg)
{
	enum mp_log_level l;
	uint8_t lv[MP_LOGM__COUNT];

	if (mp_log_parse_level(cfg->log_level, &l) == MP_OK)
		mp_log_dpdk_set_level(MP_LOGM_APP, 1, l);
	if (mp_log_levels_parse(cfg->log_levels, lv) == MP_OK) /* checked by mp_config_validate */
		for (int m = 0; m < MP_LOGM__COUNT; m++)
			if (lv[m] != 0xff)
				mp_log_dpdk_set_level((enum mp_log_module)m, 0, (enum mp_log_level)lv[m]);
	mp_log_set_json(!strcmp(cfg->log_format, "json"));
}
