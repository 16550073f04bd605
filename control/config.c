/* config.c: the configuration table, its value parsers, and the file/environment/CLI sources. */
#include "config.h"
#include "mp_error.h"
#include "lb_redis.h"
#include "mp_log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum cfg_type { T_LISTEN, T_IFADDR, T_IF6ADDR, T_CIDRS, T_IPV4, T_PORT, T_U16, T_U32, T_MS, T_BOOL, T_STR, T_ENUM };

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off;
	size_t size;       /* T_STR: buffer size */
	const char *def;   /* default, as text */
	const char *env;   /* the SRS proxy's environment name, or NULL */
	const char *choices; /* T_ENUM: '|'-separated */
	const char *help;
	bool live;         /* a reload (SIGHUP, CLI reload) applies a new value at once */
};

#define K(n, t, field, def, env, ch, help) \
	{ n, t, offsetof(struct mp_config, field), sizeof(((struct mp_config *)0)->field), def, env, ch, help, false }
/* A key whose new value a reload applies live: every reader takes it from the running configuration at
 * use time (or mp_control_reapply / the appliance's reload pushes it where it was copied). */
#define KL(n, t, field, def, env, ch, help) \
	{ n, t, offsetof(struct mp_config, field), sizeof(((struct mp_config *)0)->field), def, env, ch, help, true }

static const struct cfg_key cfg_keys[] = {
	K("rtmp_listen", T_LISTEN, rtmp_listen, "0.0.0.0:1935", "PROXY_RTMP_SERVER", NULL, "RTMP listener (control plane, TCP)"),
	K("http_listen", T_LISTEN, http_listen, "0.0.0.0:8080", "PROXY_HTTP_SERVER", NULL, "HTTP-FLV/TS/HLS listener (TCP)"),
	K("api_listen", T_LISTEN, api_listen, "0.0.0.0:1985", "PROXY_HTTP_API", NULL, "HTTP API listener: WHIP/WHEP (TCP)"),
	K("system_api_listen", T_LISTEN, system_api_listen, "0.0.0.0:12025", "PROXY_SYSTEM_API", NULL, "System API listener: origin registration, queries (TCP)"),
	K("https_api_listen", T_LISTEN, https_api_listen, "off", NULL, NULL, "HTTPS listener of the HTTP API: WHIP/WHEP over TLS (SRS: 1990); needs tls_cert and tls_key"),
	K("https_stream_listen", T_LISTEN, https_stream_listen, "off", NULL, NULL, "HTTPS listener of HTTP-FLV/TS/HLS (SRS: 8088); needs tls_cert and tls_key"),
	K("https_system_api_listen", T_LISTEN, https_system_api_listen, "off", NULL, NULL, "HTTPS listener of the System API; needs tls_cert and tls_key"),
	K("rtmps_listen", T_LISTEN, rtmps_listen, "off", NULL, NULL, "RTMPS listener: RTMP over TLS (rtmps://, usually 443); needs tls_cert and tls_key"),
	K("tls_cert", T_STR, tls_cert, "", NULL, NULL, "PEM certificate (chain) file of the TLS listeners"),
	K("tls_key", T_STR, tls_key, "", NULL, NULL, "PEM private key file of the TLS listeners"),
	K("origin_tls_ca", T_STR, origin_tls_ca, "", NULL, NULL, "PEM CA certificate(s) against which relays verify origins reached over TLS (endpoints registered as tls://, https:// or rtmps://); empty: the system's CA store"),
	K("listen_dual_stack", T_BOOL, listen_dual_stack, "on", NULL, NULL, "a listener on all addresses (a bare port, 0.0.0.0 or [::]) takes IPv4 and IPv6 clients on one socket; off: 0.0.0.0 is IPv4 only, [::] IPv6 only"),
	KL("api_auth_enabled", T_BOOL, api_auth_enabled, "off", "PROXY_HTTP_API_AUTH_ENABLED", NULL, "require a bearer token on the System API and HTTP API"),
	K("api_auth_type", T_ENUM, api_auth_type, "bearer", "PROXY_HTTP_API_AUTH_TYPE", "bearer", "authentication type (only bearer)"),
	KL("api_auth_token", T_STR, api_auth_token, "", "PROXY_HTTP_API_AUTH_TOKEN", NULL, "the bearer token"),
	K("cli_socket", T_STR, cli_socket, "", NULL, NULL, "Unix socket for the operator CLI (empty: <EAL runtime dir>/cli.sock; off: none)"),
	K("http_player_buffer", T_U32, http_player_buffer, "1048576", NULL, NULL, "bytes that may queue for one HTTP-FLV/TS/HLS player; past it its origin is paused (a player that takes nothing for 5 s is closed); a lagging HTTP-FLV player loses whole tags"),
	KL("grace_quit_timeout", T_MS, grace_quit_ms, "20s", "PROXY_GRACE_QUIT_TIMEOUT", NULL, "on SIGTERM, how long open streams may drain"),
	KL("force_quit_timeout", T_MS, force_quit_ms, "30s", "PROXY_FORCE_QUIT_TIMEOUT", NULL, "on SIGTERM, when to stop regardless"),
	K("webrtc_port", T_PORT, webrtc_port, "8000", "PROXY_WEBRTC_SERVER", NULL, "WebRTC media port (data plane, UDP)"),
	K("srt_port", T_PORT, srt_port, "10080", "PROXY_SRT_SERVER", NULL, "SRT port (data plane, UDP)"),
	K("public_port", T_STR, public_port, "", NULL, NULL, "DPDK port facing clients: a device name (0000:03:00.0, net_af_packet0); empty: the default TAP"),
	K("public_ip", T_IFADDR, public_ip, "198.18.0.2/24", NULL, NULL, "the appliance's address and prefix on the public port"),
	K("public_gateway", T_IPV4, public_gateway, "198.18.0.1", NULL, NULL, "next hop for addresses off the public subnet"),
	K("service_ip", T_IPV4, service_ip, "0.0.0.0", NULL, NULL, "the fleet's shared service address (/32): served on the public port, put on its exception TAP while healthy so BGP (BIRD) announces it (0.0.0.0: none)"),
	K("service_withdraw_time", T_MS, service_withdraw_ms, "1s", NULL, NULL, "on SIGTERM, how long the data plane keeps forwarding after the service address is withdrawn (BIRD's withdrawal must leave through it)"),
	K("worker_stall_timeout", T_MS, worker_stall_ms, "1s", NULL, NULL, "a worker lcore that has not turned its loop this long withdraws the service address"),
	K("fleet_size", T_U32, fleet_size, "1", NULL, NULL, "appliances sharing live sessions through Redis (docs/fleet.md); above 1: NAT ports from this appliance's share of the range, traffic to origins from service_ip, session records in Redis, peers' sessions taken over"),
	K("fleet_index", T_U32, fleet_index, "0", NULL, NULL, "this appliance's index in the fleet (0 .. fleet_size - 1), unique: it names its share of the NAT port range"),
	K("fleet_record_ttl", T_MS, fleet_record_ttl_ms, "60s", NULL, NULL, "a live session's record in Redis (fleet_size above 1) lives this long, or the session kind's idle timeout when longer, renewed every third of it; at most nat_port_quiet"),
	K("private_port", T_STR, private_port, "", NULL, NULL, "DPDK port facing origins; empty: the public port serves both"),
	K("private_ip", T_IFADDR, private_ip, "0.0.0.0/0", NULL, NULL, "the appliance's address on the private port"),
	K("private_gateway", T_IPV4, private_gateway, "0.0.0.0", NULL, NULL, "next hop on the private port (0.0.0.0: none)"),
	K("public_ip6", T_IF6ADDR, public_ip6, "off", NULL, NULL, "the appliance's IPv6 address and prefix on the public port, e.g. 2001:db8::2/64 (off: no IPv6 on the data plane)"),
	K("public_gateway6", T_IF6ADDR, public_gateway6, "off", NULL, NULL, "IPv6 next hop for addresses off the public IPv6 prefix (off: none)"),
	K("private_ip6", T_IF6ADDR, private_ip6, "off", NULL, NULL, "the appliance's IPv6 address and prefix on the private port (off: none)"),
	K("private_gateway6", T_IF6ADDR, private_gateway6, "off", NULL, NULL, "IPv6 next hop on the private port (off: none)"),
	K("vlan_id", T_U16, vlan_id, "0", NULL, NULL, "802.1Q VLAN id on the ports (0: untagged)"),
	K("nat_port_min", T_PORT, nat_port_min, "20480", NULL, NULL, "first NAT port towards origins"),
	K("nat_port_max", T_PORT, nat_port_max, "32767", NULL, NULL, "last NAT port towards origins"),
	K("webrtc_idle_timeout", T_MS, webrtc_idle_ms, "30s", NULL, NULL, "a WebRTC session idle this long expires"),
	K("srt_idle_timeout", T_MS, srt_idle_ms, "10s", NULL, NULL, "an SRT session idle this long expires"),
	K("workers", T_U32, workers, "1", NULL, NULL, "worker lcores (each gets one RX/TX queue per port)"),
	K("mbufs", T_U32, mbufs, "0", NULL, NULL, "mbufs in the packet pool; 0: computed from workers, ports and descriptors (logged at start)"),
	K("rx_desc", T_U16, rx_desc, "1024", NULL, NULL, "RX descriptors per queue"),
	K("tx_desc", T_U16, tx_desc, "1024", NULL, NULL, "TX descriptors per queue"),
	K("tx_csum_offload", T_ENUM, tx_csum_offload, "auto", NULL, "auto|on|off", "leave the IPv4 and UDP checksums of forwarded frames to a port that offloads them in hardware (auto; on: also net_tap's software offload) or update them in software (off)"),
	K("idle_sleep_us", T_U32, idle_sleep_us, "0", NULL, NULL, "a worker with nothing to receive sleeps this long (0: busy poll)"),
	K("tap_name", T_STR, tap_name, "mp0", NULL, NULL, "kernel name of the default TAP port"),
	K("exception_path", T_ENUM, exception_path, "auto", NULL, "auto|on|off", "send what the data plane does not serve (TCP...) to the kernel through a TAP per port (auto: on for a real port, off for the default TAP and tap/pcap/ring/null ports)"),
	K("exception_tap", T_STR, exception_tap, "mpx", NULL, NULL, "name prefix of the exception-path TAPs (port i: <prefix><i>)"),
	K("exception_rate", T_U32, exception_rate, "50000", NULL, NULL, "frames per second the data plane hands to the kernel at most (0: no limit)"),
	K("srt_handshake_timeout", T_MS, srt_hs_timeout_ms, "1500ms", NULL, NULL, "an origin silent this long in the SRT handshake: the client is rejected"),
	K("nat_port_quiet", T_MS, nat_port_quiet_ms, "60s", NULL, NULL, "a NAT port freed by a session is given to another only after this"),
	K("session_rate", T_U32, session_rate, "20", NULL, NULL, "new WebRTC/SRT sessions (also replaced or re-bound ones) per source address per second, per worker (0: no limit)"),
	K("srt_handshake_rate", T_U32, srt_hs_rate, "50", NULL, NULL, "SRT handshake packets to the listener per source address per second, per worker (0: no limit)"),
	K("webrtc_allow_no_pwd", T_BOOL, webrtc_allow_no_pwd, "off", NULL, NULL, "let a STUN start a WebRTC session for an ICE username stored without ice-pwd (unverified)"),
	K("tap_host_ip", T_IFADDR, tap_host_ip, "198.18.0.1/24", NULL, NULL, "address given to the kernel side of the default TAP port"),
	K("lb_type", T_ENUM, lb_type, "memory", "PROXY_LOAD_BALANCER_TYPE", "memory|redis", "balancer backend"),
	K("redis_host", T_STR, redis_host, "127.0.0.1", "PROXY_REDIS_HOST", NULL, "Redis host"),
	K("redis_port", T_PORT, redis_port, "6379", "PROXY_REDIS_PORT", NULL, "Redis port"),
	K("redis_password", T_STR, redis_password, "", "PROXY_REDIS_PASSWORD", NULL, "Redis password (empty: none)"),
	K("redis_db", T_U32, redis_db, "0", "PROXY_REDIS_DB", NULL, "Redis database number"),
	K("redis_sentinels", T_STR, redis_sentinels, "", NULL, NULL, "Redis Sentinel \"host:port,...\": ask them for the master and follow failovers (empty: redis_host/redis_port)"),
	K("redis_master_name", T_STR, redis_master_name, "mymaster", NULL, NULL, "the master's name in Sentinel (with redis_sentinels)"),
	K("redis_key_prefix", T_STR, redis_key_prefix, "", "PROXY_REDIS_KEY_PREFIX", NULL, "prefix for every Redis key (\"<prefix>:srs-proxy-...\")"),
	KL("origin_ttl", T_MS, origin_ttl_ms, "300s", "PROXY_ORIGIN_SERVER_TTL", NULL, "an origin is alive this long after its last registration"),
	K("pick", T_ENUM, pick, "random", NULL, "random|least_load|weighted", "how a new stream's origin is chosen: random (as the SRS proxy), least_load (the heartbeat's summaries: cpu_percent, load_1m / cpus, conn_srs; power of two choices), weighted (by each origin's weight); weight 0 drains in every mode"),
	K("origin_probe", T_BOOL, origin_probe, "off", NULL, NULL, "probe each origin's API endpoint (GET /api/v1/versions): any HTTP answer is alive, origin_probe_failures misses in a row mark it down"),
	K("origin_probe_interval", T_MS, origin_probe_interval_ms, "500ms", NULL, NULL, "time between two probes of one origin"),
	K("origin_probe_timeout", T_MS, origin_probe_timeout_ms, "1s", NULL, NULL, "a probe without an answer this long is a miss (a refused connect is one at once)"),
	K("origin_probe_failures", T_U32, origin_probe_failures, "3", NULL, NULL, "probes missed in a row that mark an origin down (its clients closed, its streams re-picked)"),
	K("origin_connect_timeout", T_MS, origin_connect_timeout_ms, "2s", NULL, NULL, "a relay's connect to an origin (RTMP, HTTP streams, WHIP/WHEP) not established this long fails: the origin is marked down and the request tried on another (an origin dropping SYNs)"),
	K("max_sessions", T_U32, max_sessions, "1048576", NULL, NULL, "session table capacity (WebRTC + SRT)"),
	K("max_streams", T_U32, max_streams, "131072", NULL, NULL, "stream pick table capacity"),
	K("max_origins", T_U32, max_origins, "10240", NULL, NULL, "origin table capacity"),
	K("default_backend_enabled", T_BOOL, default_backend_enabled, "off", "PROXY_DEFAULT_BACKEND_ENABLED", NULL, "make an origin from the default_backend_* keys"),
	K("default_backend_ip", T_STR, default_backend_ip, "127.0.0.1", "PROXY_DEFAULT_BACKEND_IP", NULL, "default origin address"),
	K("default_backend_rtmp", T_STR, default_backend_rtmp, "1935", "PROXY_DEFAULT_BACKEND_RTMP", NULL, "default origin RTMP endpoint"),
	K("default_backend_http", T_STR, default_backend_http, "8080", "PROXY_DEFAULT_BACKEND_HTTP", NULL, "default origin HTTP endpoint"),
	K("default_backend_api", T_STR, default_backend_api, "1985", "PROXY_DEFAULT_BACKEND_API", NULL, "default origin HTTP API endpoint"),
	K("default_backend_rtc", T_STR, default_backend_rtc, "udp://8000", "PROXY_DEFAULT_BACKEND_RTC", NULL, "default origin WebRTC endpoint"),
	K("default_backend_srt", T_STR, default_backend_srt, "udp://10080", "PROXY_DEFAULT_BACKEND_SRT", NULL, "default origin SRT endpoint"),
	/* connection limits (control/conn_guard.c), counted in GET /api/v1/connections and /metrics */
	KL("conn_max", T_U32, conn_max, "16384", NULL, NULL, "open TCP connections per control-plane listener (HTTP API, HTTP stream, System API, RTMP); past it a new one is refused (0: no limit)"),
	KL("conn_max_per_ip", T_U32, conn_max_per_ip, "256", NULL, NULL, "open TCP connections per control-plane listener from one client address (0: no limit)"),
	KL("conn_idle_timeout", T_MS, conn_idle_ms, "60s", NULL, NULL, "a control-plane connection on which nothing is read or written this long is closed (0: never)"),
	KL("http_header_timeout", T_MS, http_header_timeout_ms, "10s", NULL, NULL, "an HTTP request (line, headers and body) must arrive whole within this of the connection's opening or its previous answer (0: no limit)"),
	KL("http_max_header_size", T_U32, http_max_header_size, "16384", NULL, NULL, "bytes of request line and headers an HTTP listener takes; past it: 400 and the connection closed"),
	KL("http_max_body_size", T_U32, http_max_body_size, "2097152", NULL, NULL, "bytes of request body an HTTP listener takes; past it: 413 and the connection closed"),
	KL("log_level", T_ENUM, log_level, "info", NULL, "error|warn|info|debug", "log level"),
	KL("log_levels", T_STR, log_levels, "", NULL, NULL, "per-module log levels over log_level, e.g. \"lb=debug,srt=debug\" (modules: app lb redis dp srt rtmp http api sysapi ctl cli dpdk; also the rte_log types mediaplane.<module>)"),
	KL("log_format", T_ENUM, log_format, "text", NULL, "text|json", "log lines as text or as JSON objects (ts, level, module, msg), one a line"),
	/* origin guard (issue 11: loops, open registration) */
	KL("origin_networks", T_CIDRS, origin_networks, "", NULL, NULL, "networks origins may register from (CIDRs, comma-separated; a registration from elsewhere gets 403); empty: any address"),
	K("register_rate", T_U32, register_rate, "20", NULL, NULL, "origin registrations per source address per second, burst twice that (past it: 429); 0: no limit"),
	/* client identity, SRT details, WHIP redirect (issue 13; docs/config.md "Client identity") */
	K("trusted_proxies", T_CIDRS, trusted_proxies, "", NULL, NULL, "peers (a CDN, an L7 proxy in front) whose X-Forwarded-For, Forwarded and X-Real-IP are kept and appended to; from any other peer these headers are replaced by the peer's own address. Empty: no peer is trusted"),
	K("rtmp_client_ip_param", T_STR, rtmp_client_ip_param, "client_ip", NULL, NULL, "RTMP: the query key added to the publish/play stream name replayed to the origin, carrying the client's address (SRS hooks see it in param); a key of that name the client sent is removed. Empty: none added"),
	K("srt_default_stream", T_STR, srt_default_stream, "", NULL, NULL, "SRT: the stream id given to a caller that sends none, e.g. #!::r=live/livestream,m=publish (the origin is asked for it too). Empty: such a caller is rejected (REJX_BAD_REQUEST)"),
	K("whip_redirect", T_BOOL, whip_redirect, "off", NULL, NULL, "WHIP/WHEP: answer an offer with 307 Temporary Redirect to the picked origin's WHIP/WHEP URL instead of relaying it (RFC 9725 section 4.5), for fleets whose clients can reach origins"),
	K("node_id", T_STR, node_id, "", NULL, NULL, "this appliance's name in its hop markers (HTTP Via: 1.1 mediaplane-<node_id>, RTMP connect); a relay carrying its own is refused as a loop; empty: random at start. Letters, digits, '-', '_', '.'"),
};

#define N_KEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err && cap)
		vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return MP_ERR_CONFIG;
}

/* Decimal number in [min,max], whole string. */
static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return MP_ERR_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return MP_ERR_INVAL;
	*out = v;
	return MP_OK;
}

static int parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return MP_ERR_INVAL;
	*out = ntohl(a.s_addr);
	return MP_OK;
}

static int parse_port(const char *s, uint16_t *out)
{
	unsigned long long v;

	if (s[0] == ':')
		s++;
	if (parse_num(s, 65535, &v) || v == 0)
		return MP_ERR_INVAL;
	*out = (uint16_t)v;
	return MP_OK;
}

/* "1935", ":1935", "0.0.0.0:1935", "127.0.0.1:1935", "[::]:1935", "[2001:db8::1]:1935", or "off"
 * (port 0: the listener is disabled) */
static int parse_listen(const char *s, struct mp_listen *out)
{
	const char *colon = strrchr(s, ':');
	char host[64];

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "off"))
		return MP_OK;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		struct in6_addr a;

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return MP_ERR_INVAL;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		if (inet_pton(AF_INET6, host, &a) != 1)
			return MP_ERR_INVAL;
		out->v6 = 1;
		memcpy(out->ip6, &a, 16);
		return parse_port(close + 2, &out->port);
	}
	if (!colon || colon == s)
		return parse_port(s, &out->port);
	if ((size_t)(colon - s) >= sizeof(host))
		return MP_ERR_INVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (parse_ipv4(host, &out->ipv4))
		return MP_ERR_INVAL;
	return parse_port(colon + 1, &out->port);
}

/* "2001:db8::2/64", "fe80::1" (prefix 128) or "off" */
static int parse_if6addr(const char *s, struct mp_ifaddr6 *out)
{
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN];
	unsigned long long len = 128;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "off"))
		return MP_OK;
	if (n >= sizeof(host) || (slash && parse_num(slash + 1, 128, &len)))
		return MP_ERR_INVAL;
	memcpy(host, s, n);
	host[n] = 0;
	if (inet_pton(AF_INET6, host, out->ip6) != 1)
		return MP_ERR_INVAL;
	out->prefix = (uint8_t)len;
	out->set = true;
	return MP_OK;
}

/* "a.b.c.d/len" (len defaults to 32) */
static int parse_ifaddr(const char *s, struct mp_ifaddr *out)
{
	const char *slash = strchr(s, '/');
	char host[32];
	unsigned long long len = 32;

	if (slash) {
		if ((size_t)(slash - s) >= sizeof(host) || parse_num(slash + 1, 32, &len))
			return MP_ERR_INVAL;
		memcpy(host, s, (size_t)(slash - s));
		host[slash - s] = 0;
		s = host;
	}
	if (parse_ipv4(s, &out->ipv4))
		return MP_ERR_INVAL;
	out->prefix = (uint8_t)len;
	return MP_OK;
}

bool mp_cidrs_match(const struct mp_cidrs *l, uint32_t ip)
{
	if (!l->n)
		return true;
	for (unsigned i = 0; i < l->n; i++) {
		uint32_t mask = l->v[i].prefix ? ~0u << (32 - l->v[i].prefix) : 0;

		if ((ip & mask) == l->v[i].ipv4)
			return true;
	}
	return false;
}

int mp_cidrs_parse(const char *s, struct mp_cidrs *out)
{
	struct mp_cidrs l = { 0 };
	char one[40];

	while (*s) {
		size_t n = strcspn(s, ", \t");
		struct mp_ifaddr a;

		if (n == 0) {
			s++;
			continue;
		}
		if (n >= sizeof(one))
			return MP_ERR_INVAL;
		memcpy(one, s, n);
		one[n] = 0;
		if (parse_ifaddr(one, &a) != MP_OK)
			return MP_ERR_INVAL;
		if (l.n >= MP_CFG_CIDRS_MAX)
			return MP_ERR_TOOLONG;
		if (a.prefix < 32)
			a.ipv4 &= a.prefix ? ~0u << (32 - a.prefix) : 0;
		l.v[l.n++] = a;
		s += n;
	}
	*out = l;
	return MP_OK;
}

/* "30s", "500ms", "5m", "1h", or plain seconds. */
static int parse_ms(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v, mul = 1000;

	if (!isdigit((unsigned char)s[0]))
		return MP_ERR_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return MP_ERR_INVAL;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		return MP_ERR_INVAL;
	if (v > UINT32_MAX / mul)
		return MP_ERR_INVAL;
	*out = (uint32_t)(v * mul);
	return MP_OK;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" }, *const no[] = { "off", "false", "no", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, MP_OK;
		if (!strcasecmp(s, no[i]))
			return *out = false, MP_OK;
	}
	return MP_ERR_INVAL;
}

static bool enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && !strncmp(p, s, n))
			return true;
		p += len + (bar ? 1 : 0);
	}
	return false;
}

static const char *type_expect(const struct cfg_key *k)
{
	switch (k->type) {
	case T_LISTEN: return "expected PORT, IPV4:PORT, [IPV6]:PORT or off";
	case T_IFADDR: return "expected IPV4/PREFIX";
	case T_IF6ADDR: return "expected IPV6/PREFIX, IPV6 or off";
	case T_CIDRS: return "expected IPV4/PREFIX networks separated by commas";
	case T_IPV4: return "expected an IPv4 address";
	case T_PORT: return "expected a port 1-65535";
	case T_U16: return "expected a number 0-65535";
	case T_U32: return "expected a number 0-4294967295";
	case T_MS: return "expected a duration (30s, 500ms, 5m; plain number = seconds)";
	case T_BOOL: return "expected on|off";
	case T_STR: return "too long";
	case T_ENUM: return k->choices;
	}
	return "bad value";
}

static const struct cfg_key *find_key(const char *name)
{
	char norm[64];
	size_t i;

	for (i = 0; name[i] && i < sizeof(norm) - 1; i++)
		norm[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	norm[i] = 0;
	for (i = 0; i < N_KEYS; i++)
		if (!strcmp(cfg_keys[i].name, norm))
			return &cfg_keys[i];
	return NULL;
}

static int set_value(struct mp_config *cfg, const struct cfg_key *k, const char *v)
{
	void *p = (char *)cfg + k->off;
	unsigned long long n;

	switch (k->type) {
	case T_LISTEN: return parse_listen(v, p);
	case T_IFADDR: return parse_ifaddr(v, p);
	case T_IF6ADDR: return parse_if6addr(v, p);
	case T_CIDRS: return mp_cidrs_parse(v, p);
	case T_IPV4: return parse_ipv4(v, p);
	case T_PORT: return parse_port(v, p);
	case T_U16:
		if (parse_num(v, 65535, &n))
			return MP_ERR_INVAL;
		*(uint16_t *)p = (uint16_t)n;
		return MP_OK;
	case T_U32:
		if (parse_num(v, UINT32_MAX, &n))
			return MP_ERR_INVAL;
		*(uint32_t *)p = (uint32_t)n;
		return MP_OK;
	case T_MS: return parse_ms(v, p);
	case T_BOOL: return parse_bool(v, p);
	case T_ENUM:
		if (!enum_has(k->choices, v))
			return MP_ERR_INVAL;
		/* fall through */
	case T_STR:
		if (strlen(v) >= k->size)
			return MP_ERR_TOOLONG;
		memcpy(p, v, strlen(v) + 1);
		return MP_OK;
	}
	return MP_ERR_INVAL;
}

int mp_config_set(struct mp_config *cfg, const char *key, const char *value, const char *origin,
		  char *err, size_t errcap)
{
	const struct cfg_key *k = find_key(key);

	if (!k)
		return fail(err, errcap, "%s: unknown key '%s'", origin, key);
	if (set_value(cfg, k, value) != MP_OK)
		return fail(err, errcap, "%s: key '%s': bad value '%s' (%s)", origin, k->name, value, type_expect(k));
	return MP_OK;
}

void mp_config_defaults(struct mp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_KEYS; i++)
		if (set_value(cfg, &cfg_keys[i], cfg_keys[i].def) != MP_OK)
			abort(); /* a bad built-in default is a programming error, caught by the unit tests */
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int mp_config_load_file(struct mp_config *cfg, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	char line[1024], where[512];
	int lineno = 0, rc = MP_OK;

	if (!f)
		return fail(err, errcap, "config %s: %s", path, strerror(errno));
	while (rc == MP_OK && fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val, *hash;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			rc = fail(err, errcap, "%s: line longer than %zu bytes", where, sizeof(line) - 2);
			break;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = fail(err, errcap, "%s: expected 'key = value', got '%s'", where, s);
			break;
		}
		*eq = 0;
		key = trim(s);
		val = eq + 1;
		/* A '#' after whitespace starts a comment; values themselves may hold '#'. */
		for (hash = val; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash > val && isspace((unsigned char)hash[-1])) {
				*hash = 0;
				break;
			}
		val = trim(val);
		if (strlen(val) >= 2 && val[0] == '"' && val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = 0;
			val++;
		}
		rc = mp_config_set(cfg, key, val, where, err, errcap);
	}
	fclose(f);
	return rc;
}

int mp_config_load_env(struct mp_config *cfg, char *const *envp, char *err, size_t errcap)
{
	for (size_t e = 0; envp && envp[e]; e++) {
		const char *kv = envp[e], *eq = strchr(kv, '=');
		char name[128];

		if (!eq || (size_t)(eq - kv) >= sizeof(name))
			continue;
		memcpy(name, kv, (size_t)(eq - kv));
		name[eq - kv] = 0;
		for (size_t i = 0; i < N_KEYS; i++) {
			const struct cfg_key *k = &cfg_keys[i];
			char own[96];
			size_t j;

			/* MEDIAPLANE_<KEY> for every key, e.g. MEDIAPLANE_PUBLIC_IP */
			j = (size_t)snprintf(own, sizeof(own), "MEDIAPLANE_");
			for (const char *c = k->name; *c && j < sizeof(own) - 1; c++)
				own[j++] = (char)toupper((unsigned char)*c);
			own[j] = 0;
			if ((k->env && !strcmp(name, k->env)) || !strcmp(name, own)) {
				if (set_value(cfg, k, eq + 1) != MP_OK)
					return fail(err, errcap, "environment %s: key '%s': bad value '%s' (%s)", name,
						    k->name, eq + 1, type_expect(k));
			}
		}
	}
	return MP_OK;
}

int mp_config_validate(const struct mp_config *c, char *err, size_t errcap)
{
	if (c->nat_port_min > c->nat_port_max)
		return fail(err, errcap, "key 'nat_port_min': %u is above nat_port_max %u", c->nat_port_min,
			    c->nat_port_max);
	if ((c->webrtc_port >= c->nat_port_min && c->webrtc_port <= c->nat_port_max) ||
	    (c->srt_port >= c->nat_port_min && c->srt_port <= c->nat_port_max))
		return fail(err, errcap, "key 'nat_port_min': the NAT range %u-%u holds webrtc_port or srt_port",
			    c->nat_port_min, c->nat_port_max);
	if (c->webrtc_port == c->srt_port)
		return fail(err, errcap, "key 'srt_port': same as webrtc_port (%u)", c->srt_port);
	if (c->fleet_size > 256 || (c->fleet_size > 1 && c->fleet_index >= c->fleet_size))
		return fail(err, errcap, "key 'fleet_index': %u is not below fleet_size %u (at most 256)", c->fleet_index,
			    c->fleet_size);
	if (c->fleet_size > 1 && (strcmp(c->lb_type, "redis") || !c->service_ip))
		return fail(err, errcap, "key 'fleet_size': sharing sessions needs lb_type = redis and a service_ip");
	if (c->fleet_size > 1 && c->fleet_record_ttl_ms > c->nat_port_quiet_ms)
		return fail(err, errcap, "key 'fleet_record_ttl': %u ms is longer than nat_port_quiet (%u ms): a record "
			    "may outlive its session by its TTL, and its NAT port must not go to another session meanwhile",
			    c->fleet_record_ttl_ms, c->nat_port_quiet_ms);
	if (c->api_auth_enabled && strcmp(c->api_auth_type, "bearer"))
		return fail(err, errcap, "key 'api_auth_type' (PROXY_HTTP_API_AUTH_TYPE): only supports bearer");
	if (c->api_auth_enabled && !c->api_auth_token[0])
		return fail(err, errcap, "key 'api_auth_token' (PROXY_HTTP_API_AUTH_TOKEN): empty while api_auth_enabled is on");
	if ((c->https_api_listen.port || c->https_stream_listen.port || c->https_system_api_listen.port ||
	     c->rtmps_listen.port) && (!c->tls_cert[0] || !c->tls_key[0]))
		return fail(err, errcap, "key '%s': empty while a TLS listener (https_*_listen, rtmps_listen) is on",
			    c->tls_cert[0] ? "tls_key" : "tls_cert");
	if (strlen(c->redis_key_prefix) > 63)
		return fail(err, errcap, "key 'redis_key_prefix' (PROXY_REDIS_KEY_PREFIX): longer than 63 bytes");
	if (c->origin_probe && (c->origin_probe_interval_ms < 50 || c->origin_probe_timeout_ms < 50 ||
				c->origin_probe_failures < 1))
		return fail(err, errcap, "key 'origin_probe_interval': origin_probe_interval and origin_probe_timeout at least 50ms, origin_probe_failures at least 1");
	if (c->origin_connect_timeout_ms < 50)
		return fail(err, errcap, "key 'origin_connect_timeout': at least 50ms");
	if (mp_lb_redis_sentinels_check(c->redis_sentinels) != MP_OK)
		return fail(err, errcap, "key 'redis_sentinels': expected host:port[,host:port...]");
	if (c->redis_sentinels[0] && (!c->redis_master_name[0] || strlen(c->redis_master_name) > 63))
		return fail(err, errcap, "key 'redis_master_name': empty or longer than 63 bytes");
	if (c->workers == 0 || c->workers > 64)
		return fail(err, errcap, "key 'workers': %u is not in 1-64", c->workers);
	if (c->mbufs && c->mbufs < 1024)
		return fail(err, errcap, "key 'mbufs': %u is below 1024", c->mbufs);
	if (c->rx_desc < 64 || c->tx_desc < 64)
		return fail(err, errcap, "key '%s': below 64 descriptors", c->rx_desc < 64 ? "rx_desc" : "tx_desc");
	if (!c->public_ip.ipv4)
		return fail(err, errcap, "key 'public_ip': must be set");
	if (c->private_port[0] && !c->private_ip.ipv4)
		return fail(err, errcap, "key 'private_ip': must be set when private_port is");
	if (c->max_sessions < 16 || c->max_streams < 16 || c->max_origins < 1)
		return fail(err, errcap, "key '%s': too small", c->max_sessions < 16 ? "max_sessions" :
			    c->max_streams < 16 ? "max_streams" : "max_origins");
	for (const char *p = c->node_id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return fail(err, errcap, "key 'node_id': only letters, digits, '-', '_' and '.'");
	if (c->http_player_buffer < 4096)
		return fail(err, errcap, "key 'http_player_buffer': %u is below 4096 bytes", c->http_player_buffer);
	{
		uint8_t lv[MP_LOGM__COUNT];

		if (mp_log_levels_parse(c->log_levels, lv) != MP_OK)
			return fail(err, errcap, "key 'log_levels': not MODULE=LEVEL,... (modules: app lb redis dp srt "
				    "rtmp http api sysapi ctl cli dpdk; levels: error warn info debug)");
	}
	return MP_OK;
}

static int format_value(const struct mp_config *cfg, const struct cfg_key *k, char *out, size_t cap)
{
	const void *p = (const char *)cfg + k->off;
	struct in_addr a;
	char ip[INET_ADDRSTRLEN];

	switch (k->type) {
	case T_LISTEN: {
		const struct mp_listen *l = p;

		if (!l->port)
			return snprintf(out, cap, "off");
		if (l->v6) {
			char ip6[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, l->ip6, ip6, sizeof(ip6));
			return snprintf(out, cap, "[%s]:%u", ip6, l->port);
		}
		a.s_addr = htonl(l->ipv4);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		return snprintf(out, cap, "%s:%u", ip, l->port);
	}
	case T_IFADDR: {
		const struct mp_ifaddr *f = p;

		a.s_addr = htonl(f->ipv4);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		return snprintf(out, cap, "%s/%u", ip, f->prefix);
	}
	case T_IF6ADDR: {
		const struct mp_ifaddr6 *f = p;
		char ip6[INET6_ADDRSTRLEN];

		if (!f->set)
			return snprintf(out, cap, "off");
		inet_ntop(AF_INET6, f->ip6, ip6, sizeof(ip6));
		return snprintf(out, cap, "%s/%u", ip6, f->prefix);
	}
	case T_CIDRS: {
		const struct mp_cidrs *l = p;
		int n = snprintf(out, cap, "\"");

		for (unsigned i = 0; i < l->n && n >= 0 && (size_t)n < cap; i++) {
			a.s_addr = htonl(l->v[i].ipv4);
			inet_ntop(AF_INET, &a, ip, sizeof(ip));
			n += snprintf(out + n, cap - (size_t)n, "%s%s/%u", i ? "," : "", ip, l->v[i].prefix);
		}
		if (n >= 0 && (size_t)n < cap)
			n += snprintf(out + n, cap - (size_t)n, "\"");
		return n;
	}
	case T_IPV4:
		a.s_addr = htonl(*(const uint32_t *)p);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		return snprintf(out, cap, "%s", ip);
	case T_PORT:
	case T_U16: return snprintf(out, cap, "%u", *(const uint16_t *)p);
	case T_U32: return snprintf(out, cap, "%u", *(const uint32_t *)p);
	case T_MS: return snprintf(out, cap, "%ums", *(const uint32_t *)p);
	case T_BOOL: return snprintf(out, cap, "%s", *(const bool *)p ? "on" : "off");
	case T_STR:
	case T_ENUM:
		if (k->name && strstr(k->name, "password") && *(const char *)p)
			return snprintf(out, cap, "\"(set)\"");
		if (k->name && strstr(k->name, "token") && *(const char *)p)
			return snprintf(out, cap, "\"(set)\"");
		return snprintf(out, cap, "\"%s\"", (const char *)p);
	}
	return 0;
}

void mp_config_dump(const struct mp_config *cfg, char *out, size_t cap)
{
	size_t n = 0;

	if (cap)
		out[0] = 0;
	for (size_t i = 0; i < N_KEYS && n < cap; i++) {
		char v[256];

		format_value(cfg, &cfg_keys[i], v, sizeof(v));
		n += (size_t)snprintf(out + n, cap - n, "%s = %s\n", cfg_keys[i].name, v);
	}
}

bool mp_config_key_live(size_t i)
{
	return i < N_KEYS && cfg_keys[i].live;
}

int mp_config_reload(struct mp_config *running, const struct mp_config *previous, const struct mp_config *next,
		     mp_config_changed_fn fn, void *ctx)
{
	int n = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		char a[512], b[512];

		if (!memcmp((const char *)previous + k->off, (const char *)next + k->off, k->size))
			continue;
		format_value(previous, k, a, sizeof(a));
		format_value(next, k, b, sizeof(b));
		if (!strcmp(a, b))
			continue; /* the same value (padding, bytes past a string's end) */
		if (k->live)
			memcpy((char *)running + k->off, (const char *)next + k->off, k->size);
		if (fn)
			fn(k->name, k->live, a, b, ctx);
		n++;
	}
	return n;
}

const char *mp_config_key(size_t i, const char **help, const char **def, const char **env)
{
	if (i >= N_KEYS)
		return NULL;
	if (help)
		*help = cfg_keys[i].help;
	if (def)
		*def = cfg_keys[i].def;
	if (env)
		*env = cfg_keys[i].env;
	return cfg_keys[i].name;
}
