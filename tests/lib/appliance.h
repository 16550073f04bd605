/* appliance.h: start and stop build/mediaplane from a test, read its log, and speak plain HTTP to it. */
#ifndef MP_TEST_APPLIANCE_H
#define MP_TEST_APPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mp_appliance {
	pid_t pid;
	char log_path[64];   /* its stdout+stderr */
	int exit_status;     /* after mp_appliance_wait: exit code, or 128+signal */
	char prefix[64];     /* its EAL file prefix (given in argv, or the appliance's default) */
};

/* Start $MP_BUILD_DIR/mediaplane with argv (NULL-terminated, without argv[0]); env_extra is a
 * NULL-terminated list of "NAME=value" added to the environment (or NULL). uid != 0 runs it as
 * that user. Returns 0 or -1. */
int mp_appliance_spawn(struct mp_appliance *a, char *const *argv, char *const *env_extra, uid_t uid);
/* Wait until its log contains text (true), it exits, or timeout_ms passes (false). */
bool mp_appliance_wait_log(struct mp_appliance *a, const char *text, int timeout_ms);
/* Wait for it to exit, up to timeout_ms; kills it with SIGKILL past that. Returns exit_status. */
int mp_appliance_wait(struct mp_appliance *a, int timeout_ms);
/* Send sig and wait (as above). */
int mp_appliance_stop(struct mp_appliance *a, int sig, int timeout_ms);
/* The whole log, malloc'd (NUL-terminated). */
char *mp_appliance_log(const struct mp_appliance *a);
/* Remove the log file (and kill it if it still runs). */
void mp_appliance_cleanup(struct mp_appliance *a);

/* One HTTP/1.1 request to 127.0.0.1:port; returns the status code (or -1) and the body (malloc'd). */
int mp_http_request(unsigned short port, const char *method, const char *path, const char *headers,
		    const char *body, size_t body_len, char **resp_body, int timeout_ms);

#endif
