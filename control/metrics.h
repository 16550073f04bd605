/* metrics.h: Prometheus text exposition (GET /metrics on the System API). */
#ifndef MP_METRICS_H
#define MP_METRICS_H

struct mp_control;
struct mp_strbuf;

/* The whole exposition: data plane (through c->dp_metrics), balancer tables, control plane. */
void mp_metrics_render(struct mp_control *c, struct mp_strbuf *out);

#endif
