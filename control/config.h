/* config.h: the appliance configuration: defaults, config file, PROXY_* environment, command line. */
#ifndef MP_CONFIG_H
#define MP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MP_CFG_STR 128

/* A TCP listen address, host byte order. v6 0: ipv4 (0 = all addresses); v6 1: the IPv6 address ip6
 * (all zero = all addresses, "[::]"). All addresses: both families when listen_dual_stack is on. */
struct mp_listen {
	uint32_t ipv4;
	uint16_t port;
	uint8_t v6;
	uint8_t ip6[16];
};

/* An IPv4 interface address with its prefix length. Host byte order. */
struct mp_ifaddr {
	uint32_t ipv4;
	uint8_t prefix;
};

/* An IPv6 address and prefix ("2001:db8::2/64"; prefix 128 when none is given), or none ("off"). */
struct mp_ifaddr6 {
	uint8_t ip6[16];
	uint8_t prefix;
	bool set;
};

/* A list of IPv4 networks ("198.18.0.0/15, 10.1.2.3"): empty matches every address. */
#define MP_CFG_CIDRS_MAX 32
struct mp_cidrs {
	uint8_t n;
	struct mp_ifaddr v[MP_CFG_CIDRS_MAX]; /* host bits cleared */
};

struct mp_config {
	/* control plane listeners */
	struct mp_listen rtmp_listen;
	struct mp_listen http_listen;
	struct mp_listen api_listen;
	struct mp_listen system_api_listen;
	/* TLS listeners (control/tls.h): the same services over TLS; off unless set */
	struct mp_listen https_api_listen;
	struct mp_listen https_stream_listen;
	struct mp_listen https_system_api_listen;
	struct mp_listen rtmps_listen;
	char tls_cert[256];            /* PEM certificate chain file */
	char tls_key[256];             /* PEM private key file */
	char origin_tls_ca[256];       /* PEM CA file the relays verify TLS origins against ("": the system's) */
	bool listen_dual_stack;        /* a listener on all addresses takes IPv4 and IPv6 (one [::] socket) */
	bool api_auth_enabled;
	char api_auth_type[16];
	char api_auth_token[MP_CFG_STR];
	char cli_socket[108];
	uint32_t http_player_buffer;   /* bytes queued for one HTTP stream player before it is dropped */
	uint32_t grace_quit_ms;
	uint32_t force_quit_ms;
	/* connection limits of every control-plane listener (control/conn_guard.h) */
	uint32_t conn_max;             /* open connections per listener (0: no limit) */
	uint32_t conn_max_per_ip;      /* open connections per listener from one address (0: no limit) */
	uint32_t conn_idle_ms;         /* nothing read or written this long: closed (0: never) */
	uint32_t http_header_timeout_ms; /* an HTTP request must arrive whole within this (0: no limit) */
	uint32_t http_max_header_size; /* request line and headers, bytes */
	uint32_t http_max_body_size;   /* request body, bytes */
	/* data plane */
	uint16_t webrtc_port;
	uint16_t srt_port;
	char public_port[MP_CFG_STR];  /* DPDK device name; empty: the default TAP */
	struct mp_ifaddr public_ip;
	uint32_t public_gateway;
	uint32_t service_ip;           /* 0: none (docs/fleet.md) */
	uint32_t service_withdraw_ms;
	uint32_t worker_stall_ms;
	uint32_t fleet_size;           /* > 1: sessions shared with peers (docs/fleet.md) */
	uint32_t fleet_index;
	uint32_t fleet_record_ttl_ms;
	char private_port[MP_CFG_STR]; /* empty: the public port serves origins too */
	struct mp_ifaddr private_ip;
	uint32_t private_gateway;
	struct mp_ifaddr6 public_ip6;      /* IPv6 on the data plane's ports (docs/ipv6-dataplane.md) */
	struct mp_ifaddr6 public_gateway6;
	struct mp_ifaddr6 private_ip6;
	struct mp_ifaddr6 private_gateway6;
	uint16_t vlan_id;              /* 0: untagged */
	uint16_t nat_port_min;
	uint16_t nat_port_max;
	uint32_t webrtc_idle_ms;
	uint32_t srt_idle_ms;
	uint32_t workers;
	uint32_t mbufs;
	uint16_t rx_desc;
	uint16_t tx_desc;
	char tx_csum_offload[8];       /* auto | on | off */
	uint32_t idle_sleep_us;
	char tap_name[16];
	struct mp_ifaddr tap_host_ip;
	char exception_path[8];        /* auto | on | off */
	char exception_tap[12];
	uint32_t exception_rate;
	uint32_t srt_hs_timeout_ms;
	uint32_t nat_port_quiet_ms;
	uint32_t session_rate;
	uint32_t srt_hs_rate;
	bool webrtc_allow_no_pwd;
	/* balancer */
	char lb_type[16];              /* memory | redis */
	char redis_host[MP_CFG_STR];
	uint16_t redis_port;
	char redis_password[MP_CFG_STR];
	uint32_t redis_db;
	char redis_key_prefix[MP_CFG_STR];
	char redis_sentinels[MP_CFG_STR];   /* "host:port,..." or "" */
	char redis_master_name[MP_CFG_STR];
	uint32_t origin_ttl_ms;
	char pick[16];                 /* random | least_load | weighted */
	bool origin_probe;
	uint32_t origin_probe_interval_ms;
	uint32_t origin_probe_timeout_ms;
	uint32_t origin_probe_failures;
	uint32_t origin_connect_timeout_ms; /* RTMP, HTTP stream and WHIP relays: connect to an origin within this */
	uint32_t max_sessions;
	uint32_t max_streams;
	uint32_t max_origins;
	/* an origin made from configuration, kept alive */
	bool default_backend_enabled;
	char default_backend_ip[64];
	char default_backend_rtmp[64];
	char default_backend_http[64];
	char default_backend_api[64];
	char default_backend_rtc[64];
	char default_backend_srt[64];
	/* operations */
	char log_level[16];
	char log_levels[MP_CFG_STR];   /* "lb=debug,srt=debug" over log_level */
	char log_format[8];            /* text | json */
	/* origin guard: who may register, how fast, and this appliance's name in hop markers */
	struct mp_cidrs origin_networks;
	uint32_t register_rate;
	char node_id[33];
	/* client identity towards origins, and the edge's own details (issue 13) */
	struct mp_cidrs trusted_proxies;  /* peers whose forwarding headers are kept (empty: none) */
	char rtmp_client_ip_param[32];    /* RTMP: stream query key carrying the client's address ("": none) */
	char srt_default_stream[256];     /* SRT: stream id of a caller that sends none ("": rejected) */
	bool whip_redirect;               /* WHIP/WHEP: 307 to the origin instead of relaying */
};

/* Fill cfg with the built-in defaults (the default TAP mode). */
void mp_config_defaults(struct mp_config *cfg);

/* Apply a config file ("key = value" lines, '#' comments). On error returns MP_ERR_CONFIG and writes
 * "FILE:LINE: key 'k': reason" into err. */
int mp_config_load_file(struct mp_config *cfg, const char *path, char *err, size_t errcap);

/* Apply the SRS proxy's PROXY_* environment names (and MEDIAPLANE_<KEY> for every key) from envp. */
int mp_config_load_env(struct mp_config *cfg, char *const *envp, char *err, size_t errcap);

/* Set one key from text (used by the file, the environment and --key=value); origin names the
 * source for messages ("file.conf:12", "PROXY_SRT_SERVER", "--srt-port"). */
int mp_config_set(struct mp_config *cfg, const char *key, const char *value, const char *origin,
		  char *err, size_t errcap);

/* Cross-key checks after all sources are applied (port ranges, auth settings, lb type). */
int mp_config_validate(const struct mp_config *cfg, char *err, size_t errcap);

/* Write every key with its current value, one "key = value" line each (show config). */
void mp_config_dump(const struct mp_config *cfg, char *out, size_t cap);

/* True when ip (host order) is in one of the networks, or the list is empty. */
bool mp_cidrs_match(const struct mp_cidrs *l, uint32_t ip);
/* Parse "a.b.c.d/len, a.b.c.d ..." (commas and/or spaces; len defaults to 32; "" is the empty list).
 * MP_OK, MP_ERR_INVAL, or MP_ERR_TOOLONG past MP_CFG_CIDRS_MAX networks. */
int mp_cidrs_parse(const char *s, struct mp_cidrs *out);

/* Iterate the documented keys: returns the name of key i, or NULL past the end; help, def, env optional. */
const char *mp_config_key(size_t i, const char **help, const char **def, const char **env);
/* Whether key i applies live on a reload (its "live" property in the key table). */
bool mp_config_key_live(size_t i);

/* A reload: every key whose value differs between previous (the configuration read last time) and next
 * (read now) is reported to fn (old and new value as text); a live key's new value is copied into
 * running, the others stay as they were (a restart applies them). Returns the number of keys that differ. */
typedef void (*mp_config_changed_fn)(const char *key, bool live, const char *old_value, const char *new_value,
				     void *ctx);
int mp_config_reload(struct mp_config *running, const struct mp_config *previous, const struct mp_config *next,
		     mp_config_changed_fn fn, void *ctx);

#endif
