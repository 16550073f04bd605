/* lb_redis_config.c: the Redis backend's configuration: defaults and the SRS proxy's environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_redis.h"
#include "mp_error.h"
#include "mp_log.h"

#undef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_REDIS

void mp_lb_redis_config_default(struct mp_lb_redis_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->host, sizeof(c->host), "127.0.0.1");
	c->port = 6379;
	c->connect_timeout_ms = 200;
	c->command_timeout_ms = 200;
	c->backoff_min_ms = 100;
	c->backoff_max_ms = 5000;
	c->queue_size = 4096;
	c->scan_count = 1000;
	snprintf(c->master_name, sizeof(c->master_name), "mymaster");
	c->fleet_record_ttl_ms = 60000;
}

static int mp_rds_env_str(const char *name, char *dst, size_t cap)
{
	const char *v = getenv(name);
	if (v == NULL)
		return MP_OK;
	if (strlen(v) >= cap) {
		MP_ERR("lb redis: %s is too long (at most %zu bytes)", name, cap - 1);
		return MP_ERR_CONFIG;
	}
	snprintf(dst, cap, "%s", v);
	return MP_OK;
}

static int mp_rds_env_long(const char *name, long min, long max, long *out)
{
	const char *v = getenv(name);
	if (v == NULL || v[0] == '\0')
		return MP_ERR_NOTFOUND;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		MP_ERR("lb redis: %s=%s is not a number in %ld..%ld", name, v, min, max);
		return MP_ERR_CONFIG;
	}
	*out = n;
	return MP_OK;
}

int mp_lb_redis_config_from_env(struct mp_lb_redis_config *c, bool *use_redis)
{
	const char *type = getenv("PROXY_LOAD_BALANCER_TYPE");
	if (use_redis != NULL && type != NULL) {
		if (strcmp(type, "redis") == 0)
			*use_redis = true;
		else if (strcmp(type, "memory") == 0 || type[0] == '\0')
			*use_redis = false;
		else {
			MP_ERR("lb redis: PROXY_LOAD_BALANCER_TYPE=%s (expected memory or redis)", type);
			return MP_ERR_CONFIG;
		}
	}
	long n;
	int rc;
	if (mp_rds_env_str("PROXY_REDIS_HOST", c->host, sizeof(c->host)) != MP_OK ||
	    mp_rds_env_str("PROXY_REDIS_PASSWORD", c->password, sizeof(c->password)) != MP_OK ||
	    mp_rds_env_str("PROXY_REDIS_KEY_PREFIX", c->key_prefix, sizeof(c->key_prefix)) != MP_OK)
		return MP_ERR_CONFIG;
	if ((rc = mp_rds_env_long("PROXY_REDIS_PORT", 1, 65535, &n)) == MP_OK)
		c->port = (uint16_t)n;
	else if (rc == MP_ERR_CONFIG)
		return rc;
	if ((rc = mp_rds_env_long("PROXY_REDIS_DB", 0, 65535, &n)) == MP_OK)
		c->db = (int)n;
	else if (rc == MP_ERR_CONFIG)
		return rc;
	return MP_OK;
}
