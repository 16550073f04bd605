/* test_pcap_l2l3.c: the real worker loop on a net_pcap port answers ARP and ICMP echo field by field,
 * announces itself with a gratuitous ARP, and drops and counts every malformed frame by reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "appliance.h"
#include "classify.h"
#include "pcap_write.h"
#include "test_data.h"
#include "udp_frame.h"

#define US 0xC6120702u   /* 198.18.7.2 */
#define PEER 0xC6120701u /* 198.18.7.1 */
static const uint8_t PEER_MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t PORT_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x07, 0x02 };

static size_t arp(uint8_t *f, uint32_t target)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0806);
	mp_wr16(f + 14, 1);
	mp_wr16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	mp_wr16(f + 20, 1);
	memcpy(f + 22, PEER_MAC, 6);
	mp_wr32(f + 28, PEER);
	mp_wr32(f + 38, target);
	return 60;
}

static size_t ipv4(uint8_t *f, uint8_t proto, const uint8_t *l4, size_t n)
{
	uint8_t *ip = f + 14;

	memcpy(f, PORT_MAC, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	mp_wr16(ip + 2, (uint16_t)(20 + n));
	ip[8] = 64;
	ip[9] = proto;
	mp_wr32(ip + 12, PEER);
	mp_wr32(ip + 16, US);
	mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, 20, 0));
	memcpy(ip + 20, l4, n);
	return 34 + n;
}

static size_t echo(uint8_t *f, uint16_t seq, int good)
{
	uint8_t ic[48];

	memset(ic, 0x5a, sizeof(ic));
	ic[0] = 8;
	ic[1] = 0;
	mp_wr16(ic + 2, 0);
	mp_wr16(ic + 4, 0x4d50);
	mp_wr16(ic + 6, seq);
	mp_wr16(ic + 2, (uint16_t)(~mp_csum(ic, sizeof(ic), 0) ^ (good ? 0 : 1)));
	return ipv4(f, 1, ic, sizeof(ic));
}

static double json_num(cJSON *o, const char *a, const char *b)
{
	cJSON *x = cJSON_GetObjectItem(o, a);

	if (b)
		x = cJSON_GetObjectItem(x, b);
	return x ? x->valuedouble : -1;
}

static cJSON *dataplane_total(unsigned short port)
{
	char *body = NULL;
	cJSON *o, *t = NULL;

	if (mp_http_request(port, "GET", "/api/v1/dataplane", NULL, NULL, 0, &body, 3000) != 200) {
		free(body);
		return NULL;
	}
	o = cJSON_Parse(body);
	free(body);
	if (o) {
		t = cJSON_DetachItemFromObject(cJSON_GetObjectItem(o, "data"), "total");
		cJSON_Delete(o);
	}
	return t;
}

static struct mp_appliance a;

/* A failed assertion leaves the test early: the appliance must not outlive it (it would hold the
 * test's ports for the next run). */
static int stop_appliance(void **state)
{
	(void)state;
	mp_appliance_cleanup(&a);
	return 0;
}

static void worker_loop_answers_arp_icmp_and_counts_every_drop(void **state)
{
	char in[] = "/tmp/mp-pkt-in.XXXXXX", out[64], vdev[256];
	uint8_t f[256], udp[16] = { 0x13, 0x88, 0x1f, 0x40, 0, 16 }, tcp[20] = { 0 };
	int fd = mkstemp(in), sent = 0;
	FILE *p;
	cJSON *t = NULL;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(out, sizeof(out), "%s.out", in);
	p = mp_pcap_create(in);
	mp_pcap_write(p, f, arp(f, US)), sent++;                    /* answered */
	mp_pcap_write(p, f, echo(f, 1, 1)), sent++;                 /* answered */
	mp_pcap_write(p, f, echo(f, 2, 1)), sent++;                 /* answered */
	mp_pcap_write(p, f, arp(f, 0xC6120709)), sent++;            /* arp_not_us */
	mp_pcap_write(p, f, echo(f, 3, 0)), sent++;                 /* icmp_malformed */
	n = echo(f, 4, 1);
	f[14 + 10] ^= 0xff;
	mp_pcap_write(p, f, n), sent++;                             /* ip_checksum */
	mp_pcap_write(p, f, 10), sent++;                            /* runt */
	mp_pcap_write(p, f, ipv4(f, 17, udp, 16)), sent++;          /* no_session: unknown WebRTC client */
	mp_pcap_write(p, f, ipv4(f, 6, tcp, 20)), sent++;           /* tcp: no exception path yet */
	n = ipv4(f, 17, udp, 16);
	mp_wr16(f + 14 + 2, 200);
	mp_pcap_write(p, f, n), sent++;                             /* ip_header: length past the frame */
	fclose(p);

	snprintf(vdev, sizeof(vdev), "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s", in, out);
	{
		char *argv[] = { vdev, "--", "--public-port=net_pcap0", "--public-ip=198.18.7.2/24",
				 "--public-gateway=198.18.7.1", "--system-api-listen=127.0.0.1:12325", "--api-listen=12385",
				 "--http-listen=12380", "--rtmp-listen=12335", "--idle-sleep-us=100", NULL };

		assert_int_equal(mp_appliance_spawn(&a, argv, NULL, 0), 0);
	}
	if (!mp_appliance_wait_log(&a, "running (pid", 60000)) {
		char *log = mp_appliance_log(&a);

		mp_appliance_cleanup(&a);
		fail_msg("appliance did not start:\n%s", log);
	}
	for (int i = 0; i < 200; i++) {
		cJSON_Delete(t);
		t = dataplane_total(12325);
		if (t && json_num(t, "rx_packets", NULL) >= sent)
			break;
		usleep(50000);
	}
	assert_non_null(t);
	assert_int_equal((int)json_num(t, "rx_packets", NULL), sent);
	assert_int_equal((int)json_num(t, "arp_replies", NULL), 1);
	assert_int_equal((int)json_num(t, "icmp_echo_replies", NULL), 2);
	assert_int_equal((int)json_num(t, "drop_reasons", "arp_not_us"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "icmp_malformed"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "ip_checksum"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "runt"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "no_session"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "tcp"), 1);
	assert_int_equal((int)json_num(t, "drop_reasons", "ip_header"), 1);
	assert_int_equal((int)json_num(t, "drops", NULL), 7);
	cJSON_Delete(t);
	assert_int_equal(mp_appliance_stop(&a, SIGTERM, 20000), 0);
	mp_appliance_cleanup(&a);

	{
		struct mp_pcap pc;
		struct mp_pcap_frame fr;
		uint8_t our_mac[6] = { 0x02, 0x00, 0xc6, 0x12, 0x07, 0x02 };
		int garp = 0, arp_reply = 0, echo_reply = 0, other = 0;
		mp_pcap_open(&pc, out);
		while (mp_pcap_next(&pc, &fr)) {
			const uint8_t *e = fr.frame;

			if (mp_rd16(e + 12) == 0x0806 && mp_rd16(e + 20) == 1 && mp_rd16(e + 28) == mp_rd16(e + 38)) {
				garp++; /* gratuitous: sender == target == us, broadcast */
				assert_memory_equal(e, "\xff\xff\xff\xff\xff\xff", 6);
				assert_int_equal(mp_rd16(e + 28), US >> 16);
				assert_int_equal(mp_rd16(e + 30), US & 0xffff);
				memcpy(our_mac, e + 6, 6);
			} else if (mp_rd16(e + 12) == 0x0806 && mp_rd16(e + 20) == 2) {
				arp_reply++;
				assert_memory_equal(e, PEER_MAC, 6);
				assert_memory_equal(e + 22, our_mac, 6);       /* sender hw: the port's MAC */
				assert_int_equal(mp_rd16(e + 28), US >> 16);       /* sender ip: us */
				assert_int_equal(mp_rd16(e + 30), US & 0xffff);
				assert_memory_equal(e + 32, PEER_MAC, 6);      /* target: the requester */
				assert_int_equal(mp_rd16(e + 40), PEER & 0xffff);
			} else if (fr.ip_proto == 0 && mp_rd16(e + 12) == 0x0800 && e[14 + 9] == 1) {
				const uint8_t *ic = e + 34;

				echo_reply++;
				assert_memory_equal(e, PEER_MAC, 6);
				assert_int_equal(mp_rd16(e + 14 + 12), US >> 16);
				assert_int_equal(mp_rd16(e + 14 + 16), PEER >> 16);
				assert_int_equal(mp_csum(e + 14, 20, 0), 0xffff);
				assert_int_equal(ic[0], 0);
				assert_int_equal(mp_csum(ic, 48, 0), 0xffff);
				assert_int_equal(mp_rd16(ic + 4), 0x4d50);
				assert_int_equal(mp_rd16(ic + 6), (uint16_t)echo_reply);
			} else {
				other++;
			}
		}
		mp_pcap_close(&pc);
		assert_int_equal(garp, 1);
		assert_int_equal(arp_reply, 1);
		assert_int_equal(echo_reply, 2);
		assert_int_equal(other, 0);
	}
	unlink(in);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(worker_loop_answers_arp_icmp_and_counts_every_drop, stop_appliance),
	};
	if (geteuid() != 0)
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
