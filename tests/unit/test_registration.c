/* test_registration.c: the SRS heartbeat body, real and broken, with the reason naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "registration.h"
#include "test_data.h"

static struct mp_registration reg;
static char why[256];

static int parse(const char *body)
{
	return mp_registration_parse(body, strlen(body), &reg, why, sizeof(why));
}

/* Parse body, expect err and a reason equal to want. */
static void refused(const char *body, int err, const char *want)
{
	assert_int_equal(parse(body), err);
	assert_string_equal(why, want);
	assert_int_equal(reg.ip[0], 0); /* nothing half-filled is left behind */
}

static void srs7_heartbeat_with_ip_port_endpoints_parses(void **state)
{
	size_t len;
	uint8_t *body = mp_test_read_file("srs7-heartbeat-ports-summaries.json", &len);
	char id[64];

	(void)state;
	assert_int_equal(mp_registration_parse((const char *)body, len, &reg, why, sizeof(why)), MP_OK);
	assert_string_equal(why, "");
	assert_string_equal(reg.device_id, "origin1");
	assert_string_equal(reg.ip, "127.0.0.1");
	assert_int_equal(reg.ipv4, 0x7f000001);
	assert_string_equal(reg.server, "vid-448kd71");
	assert_string_equal(reg.service, "62t4qogt");
	assert_string_equal(reg.pid, "27963");
	assert_int_equal(reg.n_ep[MP_PROTO_RTMP], 1);
	assert_int_equal(reg.ep[MP_PROTO_RTMP][0].ipv4, 0x7f000001);
	assert_int_equal(reg.ep[MP_PROTO_RTMP][0].port, 11935);
	assert_int_equal(reg.ep[MP_PROTO_HTTP][0].port, 18088);
	assert_int_equal(reg.ep[MP_PROTO_API][0].port, 11985);
	assert_int_equal(reg.n_ep[MP_PROTO_SRT], 1);
	assert_int_equal(reg.ep[MP_PROTO_SRT][0].scheme, MP_EP_UDP);
	assert_int_equal(reg.ep[MP_PROTO_SRT][0].ipv4, 0);
	assert_int_equal(reg.ep[MP_PROTO_SRT][0].port, 10080);
	assert_int_equal(reg.ep[MP_PROTO_RTC][0].port, 18000);
	/* summaries.data.system: what least-load picks read */
	assert_true(reg.load.known);
	assert_float_equal(reg.load.cpu_percent, 0.64f, 1e-5);
	assert_float_equal(reg.load.load_1m, 4.59f, 1e-5);
	assert_int_equal(reg.load.cpus, 2);
	assert_int_equal(reg.load.conn_srs, 0);
	assert_false(reg.has_weight); /* never from a heartbeat */
	assert_int_equal(mp_registration_id(&reg, id, sizeof(id)), 26);
	assert_string_equal(id, "vid-448kd71-62t4qogt-27963");
	assert_int_equal(mp_registration_id(&reg, id, 26), MP_ERR_NOSPACE);
	free(body);
}

static void body_2024_form_with_bare_ports_parses(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ip\":\"10.0.0.5\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\","
			       "\"rtmp\":[\"1935\",\"19350\"],\"http\":[\"8080\"],\"api\":[\"1985\"],"
			       "\"srt\":[\"udp://0.0.0.0:10081\"],\"rtc\":[\"udp://8000\"],\"x\":{\"y\":[1]}}"),
			 MP_OK);
	assert_string_equal(reg.device_id, "");
	assert_int_equal(reg.n_ep[MP_PROTO_RTMP], 2);
	assert_int_equal(reg.ep[MP_PROTO_RTMP][1].port, 19350);
	assert_int_equal(reg.ep[MP_PROTO_SRT][0].port, 10081);
	assert_int_equal(reg.ep[MP_PROTO_RTC][0].scheme, MP_EP_UDP);
	/* Endpoint arrays are optional; null counts as absent. */
	assert_int_equal(parse("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtc\":null}"),
			 MP_OK);
	assert_int_equal(reg.n_ep[MP_PROTO_RTC], 0);
	assert_int_equal(parse(" \r\n{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[]}\n "),
			 MP_OK);
}

/* An SRS origin on IPv6: "ip" is an IPv6 address, endpoints in SRS's listen forms. */
static void ipv6_origin_registers(void **state)
{
	static const uint8_t db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, db8_2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	(void)state;
	assert_int_equal(parse("{\"ip\":\"2001:db8::1\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\","
			       "\"rtmp\":[\"[2001:db8::2]:1935\",\"19350\"],\"http\":[\"[::]:8080\"],"
			       "\"api\":[\"tcp://[2001:db8::1]:1985\"],\"rtc\":[\"udp://[::]:8000\"]}"),
			 MP_OK);
	assert_int_equal(reg.ipv4, 0);
	assert_int_equal(reg.ip_v6, 1);
	assert_memory_equal(reg.ip6, db8_1, 16);
	assert_string_equal(reg.ip, "2001:db8::1");
	assert_int_equal(reg.ep[MP_PROTO_RTMP][0].v6, 1);
	assert_memory_equal(reg.ep[MP_PROTO_RTMP][0].ip6, db8_2, 16);
	assert_int_equal(reg.ep[MP_PROTO_RTMP][1].v6, 0); /* a plain port: the origin's address */
	assert_int_equal(reg.ep[MP_PROTO_RTMP][1].port, 19350);
	assert_int_equal(reg.ep[MP_PROTO_HTTP][0].v6, 0);
	assert_int_equal(reg.ep[MP_PROTO_HTTP][0].port, 8080);
	assert_int_equal(reg.ep[MP_PROTO_API][0].scheme, MP_EP_TCP);
	assert_int_equal(reg.ep[MP_PROTO_RTC][0].scheme, MP_EP_UDP);
	/* an IPv4 origin may name an IPv6 endpoint too, and a mapped "ip" is IPv4 */
	assert_int_equal(parse("{\"ip\":\"::ffff:198.18.0.5\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\","
			       "\"rtmp\":[\"[2001:db8::2]:1935\"]}"),
			 MP_OK);
	assert_int_equal(reg.ipv4, 0xc6120005);
	assert_int_equal(reg.ip_v6, 0);
	assert_int_equal(reg.ep[MP_PROTO_RTMP][0].v6, 1);
	refused("{\"ip\":\"2001:db8::1\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"2001:db8::2:1935\"]}",
		MP_ERR_INVAL, "field 'rtmp[0]' is not an endpoint (port, ip:port or scheme://ip:port)");
}

static void pid_must_be_a_string(void **state)
{
	(void)state;
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":27963}", MP_ERR_INVAL,
		"field 'pid' must be a string");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"device_id\":7}",
		MP_ERR_INVAL, "field 'device_id' must be a string");
}

static void broken_bodies_say_why(void **state)
{
	(void)state;
	assert_int_equal(mp_registration_parse("", 0, &reg, why, sizeof(why)), MP_ERR_INVAL);
	assert_string_equal(why, "empty body");
	refused("{\"ip\":", MP_ERR_INVAL, "body is not JSON");
	refused("{} x", MP_ERR_INVAL, "body is not JSON");
	refused("[1,2]", MP_ERR_INVAL, "body is not a JSON object");
	refused("\"ip\"", MP_ERR_INVAL, "body is not a JSON object");
	refused("{}", MP_ERR_INVAL, "missing field 'ip'");
	refused("{\"ip\":\"1.2.3.4\"}", MP_ERR_INVAL, "missing field 'server'");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\"}", MP_ERR_INVAL, "missing field 'service'");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\"}", MP_ERR_INVAL, "missing field 'pid'");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'server' is empty");
	refused("{\"ip\":\"localhost\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'ip' is not an IPv4 or IPv6 address");
	refused("{\"ip\":\"[::1]\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'ip' is not an IPv4 or IPv6 address");
	refused("{\"ip\":\"fe80::1%eth0\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'ip' is not an IPv4 or IPv6 address");
	refused("{\"ip\":\"2001:db8::1:\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'ip' is not an IPv4 or IPv6 address");
	refused("{\"ip\":[\"1.2.3.4\"],\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'ip' must be a string");
}

static void bad_endpoints_name_field_and_index(void **state)
{
	(void)state;
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":\"1935\"}",
		MP_ERR_INVAL, "field 'rtmp' must be an array of strings");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"http\":[\"80\",8080]}",
		MP_ERR_INVAL, "field 'http[1]' must be a string");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"srt\":[\"udp://0.0.0.0:0\"]}",
		MP_ERR_INVAL, "field 'srt[0]' is not an endpoint (port, ip:port or scheme://ip:port)");
	refused("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\","
		"\"rtc\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}",
		MP_ERR_TOOLONG, "field 'rtc' has more than 8 endpoints");
	assert_int_equal(parse("{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\","
			       "\"rtc\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\"]}"), MP_OK);
	assert_int_equal(reg.n_ep[MP_PROTO_RTC], MP_REG_MAX_ENDPOINTS);
}

static void field_lengths_are_bounded(void **state)
{
	char body[600], longest[MP_REG_MAX_FIELD + 1];

	(void)state;
	memset(longest, 'a', sizeof(longest));
	longest[MP_REG_MAX_FIELD - 1] = '\0'; /* 127 bytes: fits */
	snprintf(body, sizeof(body), "{\"ip\":\"1.2.3.4\",\"server\":\"%s\",\"service\":\"v\",\"pid\":\"1\"}", longest);
	assert_int_equal(parse(body), MP_OK);
	assert_string_equal(reg.server, longest);
	longest[MP_REG_MAX_FIELD - 1] = 'a'; /* 128 bytes: too long */
	longest[MP_REG_MAX_FIELD] = '\0';
	snprintf(body, sizeof(body), "{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"%s\"}", longest);
	refused(body, MP_ERR_TOOLONG, "field 'pid' longer than 127 bytes");
}

static void truncated_real_body_is_refused_at_every_length(void **state)
{
	size_t len;
	uint8_t *body = mp_test_read_file("srs7-heartbeat-ports-summaries.json", &len);

	(void)state;
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == ' '))
		len--;
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(mp_registration_parse((const char *)body, n, &reg, why, sizeof(why)), MP_OK);
	/* A NULL reason buffer is allowed. */
	assert_int_equal(mp_registration_parse((const char *)body, len, &reg, NULL, 0), MP_OK);
	free(body);
}

/* Issue 11 item 8: names reach logs, Redis and the operator's terminal. */
static void control_characters_and_nul_in_names_are_refused(void **state)
{
	static const char raw_nul[] = "{\"ip\":\"198.18.0.9\",\"server\":\"a\0b\",\"service\":\"s\",\"pid\":\"1\"}";

	(void)state;
	refused("{\"ip\":\"198.18.0.9\",\"server\":\"srv\\u001b[2J\",\"service\":\"s\",\"pid\":\"1\"}", MP_ERR_INVAL,
		"field 'server' holds a control character");
	refused("{\"ip\":\"198.18.0.9\",\"server\":\"s\",\"service\":\"x\\r\\nerror forged\",\"pid\":\"1\"}",
		MP_ERR_INVAL, "field 'service' holds a control character");
	refused("{\"ip\":\"198.18.0.9\",\"server\":\"s\",\"service\":\"s\",\"pid\":\"1\",\"device_id\":\"d\\u007f\"}",
		MP_ERR_INVAL, "field 'device_id' holds a control character");
	refused("{\"ip\":\"198.18.0.9\",\"server\":\"s\",\"service\":\"s\",\"pid\":\"1\\u0000-hidden\"}", MP_ERR_INVAL,
		"a string holds a NUL character (\\u0000)");
	assert_int_equal(mp_registration_parse(raw_nul, sizeof(raw_nul) - 1, &reg, why, sizeof(why)), MP_ERR_INVAL);
	assert_string_equal(why, "body holds a NUL byte");
	/* An escaped backslash before "u0000" is text, not a NUL; UTF-8 names stay allowed. */
	assert_int_equal(parse("{\"ip\":\"198.18.0.9\",\"server\":\"a\\\\u0000\",\"service\":\"caf\xc3\xa9\",\"pid\":\"1\"}"),
			 MP_OK);
	assert_string_equal(reg.server, "a\\u0000");
}

static void proto_names_are_the_json_fields(void **state)
{
	(void)state;
	assert_string_equal(mp_proto_name(MP_PROTO_RTMP), "rtmp");
	assert_string_equal(mp_proto_name(MP_PROTO_RTC), "rtc");
	assert_string_equal(mp_proto_name(MP_PROTO__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(srs7_heartbeat_with_ip_port_endpoints_parses),
		cmocka_unit_test(body_2024_form_with_bare_ports_parses),
		cmocka_unit_test(ipv6_origin_registers),
		cmocka_unit_test(pid_must_be_a_string),
		cmocka_unit_test(broken_bodies_say_why),
		cmocka_unit_test(bad_endpoints_name_field_and_index),
		cmocka_unit_test(field_lengths_are_bounded),
		cmocka_unit_test(truncated_real_body_is_refused_at_every_length),
		cmocka_unit_test(control_characters_and_nul_in_names_are_refused),
		cmocka_unit_test(proto_names_are_the_json_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
