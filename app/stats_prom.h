/* stats_prom.h: the data plane's counters in the Prometheus text format. */
#ifndef MP_STATS_PROM_H
#define MP_STATS_PROM_H

struct mp_strbuf;

/* ctx is a struct mp_dp *. */
void mp_stats_prom(void *ctx, struct mp_strbuf *out);

#endif
