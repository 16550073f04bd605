/* dp_exception.h: the exception path: a kernel TAP per data port that carries the port's IP and MAC. */
#ifndef MP_DP_EXCEPTION_H
#define MP_DP_EXCEPTION_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp.h"

#define MP_DP_EXC_DESC 512 /* RX and TX descriptors per queue of an exception-path TAP */

/*
 * What is addressed to the appliance but not served by the fast path (TCP for RTMP/HTTP, other
 * UDP, ICMP other than echo, fragments, IP options, ARP replies) is written to a net_tap port whose
 * kernel interface has the data port's IPv4 address/prefix and MAC; the kernel's own frames read
 * from it leave through the data port. One IP then serves UDP media through DPDK and TCP through
 * the kernel's sockets (the control plane). Each worker uses its own queue of the TAP, a token
 * bucket (exception_rate frames/s shared out among the workers) bounds what goes to the kernel, and
 * the TAP is read at most every millisecond unless it had more, so a TCP flood costs the workers
 * a bounded number of system calls.
 */

#define MP_DP_EXC_POLL_MS 1
#define MP_DP_EXC_POLL_BURSTS 4

/* Make and start the TAP of every data port (after the data ports are up). 0 or -1 with err. */
int mp_dp_exception_setup(struct mp_dp *dp, char *err, size_t errcap);
/* Stop and close them. */
void mp_dp_exception_teardown(struct mp_dp *dp);
/* An ARP reply learned by the data plane: the kernel needs it too (it resolves its own next hops). */
void mp_dp_exception_arp(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms);
/* Worker loop: send what the kernel wrote out through the data ports (read at most every ms). */
void mp_dp_exception_poll(struct mp_dp_worker *w, uint64_t now_ms);
/* Worker loop: write the frames queued for the kernel. */
void mp_dp_exception_flush(struct mp_dp_worker *w);

#endif
