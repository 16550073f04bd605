/* stats_json.h: the data plane's counters as JSON, for the control plane's APIs. */
#ifndef MP_STATS_JSON_H
#define MP_STATS_JSON_H

struct cJSON;

/* ctx is a struct mp_dp *. Adds "total" and "lcores" [...] to out. */
void mp_stats_json(void *ctx, struct cJSON *out);

#endif
