/* appliance.c: runs the real appliance binary under test, and a minimal HTTP client for its APIs. */
#include "appliance.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mp_appliance_spawn(struct mp_appliance *a, char *const *argv, char *const *env_extra, uid_t uid)
{
	const char *dir = getenv("MP_BUILD_DIR");
	char exe[512];
	int fd;

	memset(a, 0, sizeof(*a));
	a->exit_status = -1;
	snprintf(exe, sizeof(exe), "%s/mediaplane", dir ? dir : "build");
	snprintf(a->log_path, sizeof(a->log_path), "/tmp/mp-test-log.XXXXXX");
	fd = mkstemp(a->log_path);
	if (fd < 0)
		return -1;
	a->pid = fork();
	if (a->pid < 0)
		return -1;
	if (a->pid == 0) {
		char *args[64];
		int n = 0;

		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		args[n++] = exe;
		for (int i = 0; argv && argv[i] && n < 63; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		for (int i = 0; env_extra && env_extra[i]; i++)
			putenv(env_extra[i]);
		if (uid != 0 && (setgid(uid) != 0 || setuid(uid) != 0))
			_exit(126);
		execv(exe, args);
		_exit(127);
	}
	close(fd);
	a->prefix[0] = 0;
	for (int i = 0; argv && argv[i] && strcmp(argv[i], "--"); i++)
		if (!strncmp(argv[i], "--file-prefix=", 14))
			snprintf(a->prefix, sizeof(a->prefix), "%s", argv[i] + 14);
	if (!a->prefix[0]) /* the appliance's default */
		snprintf(a->prefix, sizeof(a->prefix), "mediaplane-%d", (int)a->pid);
	return 0;
}

char *mp_appliance_log(const struct mp_appliance *a)
{
	FILE *f = fopen(a->log_path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = 0;
	fclose(f);
	return buf;
}

static bool reap(struct mp_appliance *a, int flags)
{
	int st;
	pid_t r;

	if (a->pid <= 0)
		return true;
	r = waitpid(a->pid, &st, flags);
	if (r != a->pid)
		return false;
	a->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	a->pid = 0;
	return true;
}

bool mp_appliance_wait_log(struct mp_appliance *a, const char *text, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		char *log = mp_appliance_log(a);
		bool found = strstr(log, text) != NULL;

		free(log);
		if (found)
			return true;
		if (reap(a, WNOHANG) || now_ms() > end)
			return false;
		usleep(50000);
	}
}

int mp_appliance_wait(struct mp_appliance *a, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!reap(a, WNOHANG)) {
		if (now_ms() > end) {
			kill(a->pid, SIGKILL);
			reap(a, 0);
			break;
		}
		usleep(20000);
	}
	return a->exit_status;
}

int mp_appliance_stop(struct mp_appliance *a, int sig, int timeout_ms)
{
	if (a->pid > 0)
		kill(a->pid, sig);
	return mp_appliance_wait(a, timeout_ms);
}

void mp_appliance_cleanup(struct mp_appliance *a)
{
	if (a->pid > 0) {
		char dir[96], cmd[128];

		/* Killed: it cannot remove its own EAL runtime directory. */
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", a->prefix);
		mp_appliance_stop(a, SIGKILL, 5000);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	if (a->log_path[0])
		unlink(a->log_path);
	a->log_path[0] = 0;
}

int mp_http_request(unsigned short port, const char *method, const char *path, const char *headers,
		    const char *body, size_t body_len, char **resp_body, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[8192], *resp = NULL;
	size_t len = 0, cap = 0;
	int fd, code = -1, n;
	long end = now_ms() + timeout_ms;

	*resp_body = NULL;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	/* A POST or a body is JSON unless the caller's headers say otherwise (the System API registers only
	 * JSON: without it an empty or broken body would get 415 before its 400). */
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s"
		     "Content-Length: %zu\r\n\r\n", method, path, port, headers ? headers : "",
		     (body_len || !strcmp(method, "POST")) && !(headers && strcasestr(headers, "Content-Type:"))
			     ? "Content-Type: application/json\r\n" : "",
		     body_len);
	if (write(fd, req, (size_t)n) != n || (body_len && write(fd, body, body_len) != (ssize_t)body_len)) {
		close(fd);
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 16384;
			resp = realloc(resp, cap);
		}
		r = read(fd, resp + len, 4096);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!resp)
		return -1;
	resp[len] = 0;
	if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
		code = -1;
	{
		char *b = strstr(resp, "\r\n\r\n");

		*resp_body = strdup(b ? b + 4 : "");
	}
	free(resp);
	return code;
}
