/* dp_pool.h: how many mbufs the packet pool needs for a configuration (pure; DPDK's l3fwd NB_MBUF). */
#ifndef MP_DP_POOL_H
#define MP_DP_POOL_H

/* Everything that can hold an mbuf at once. */
struct mp_dp_pool_need {
	unsigned workers;      /* worker lcores = RX/TX queues per port */
	unsigned ports;        /* data ports (1 or 2) */
	unsigned rx_desc, tx_desc;
	unsigned exc_ports;    /* exception-path TAPs (0 or one per data port) */
	unsigned exc_desc;     /* their RX and TX descriptors per queue, each */
	unsigned worker_held;  /* frames one worker holds in its loop and rings (bursts, TX batches, hand-off ring) */
	unsigned cache;        /* per-lcore mempool cache size */
};

/* What can be held at once: the sum below, without headroom or rounding. */
unsigned long long mp_dp_pool_held(const struct mp_dp_pool_need *n);
/* The pool size: every RX ring full, every TX ring full, what each worker holds, every lcore's cache
 * (workers + the main lcore) full, plus 1/8 headroom; at least 8191 (l3fwd's floor), rounded up to
 * 2^n - 1 (the size rte_mempool works best with). */
unsigned mp_dp_pool_size(const struct mp_dp_pool_need *n);

#endif
