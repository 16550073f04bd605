/* cli_client.c: mediaplane-cli, the operator's client for the appliance's CLI socket. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const usage =
	"usage: mediaplane-cli [-s SOCKET] [--json] [COMMAND ...]\n"
	"       mediaplane-cli --list      the running appliances' sockets\n"
	"       mediaplane-cli --help\n"
	"\n"
	"Runs COMMAND on a running mediaplane appliance (without one: one command per line from stdin) and\n"
	"exits 0 when it succeeded, 1 when the appliance refused it, 2 when none could be reached.\n"
	"  -s SOCKET   the appliance's CLI socket (its cli_socket key; default <EAL runtime dir>/cli.sock,\n"
	"              found under /var/run/dpdk/*/ when exactly one appliance answers there)\n"
	"  --json      the answer as one JSON object: {\"ok\":..,\"data\":..} or {\"ok\":..,\"output\":\"..\"}\n"
	"  --list      list the sockets of the running appliances (stale ones of killed appliances skipped)\n"
	"Commands (the appliance's `help` lists them all): show origins|streams|sessions|config|log,\n"
	"show port stats all, show lcore stats, origin add|del|drain, set log level MODULE LEVEL, reload,\n"
	"start, stop.\n";

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 30, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One command per connection; print everything the appliance answers until it closes. */
static int run(const char *path, const char *cmd, bool json)
{
	char buf[4096];
	ssize_t n;
	int fd = connect_to(path), failed = -1;

	if (fd < 0) {
		fprintf(stderr, "mediaplane-cli: cannot connect to %s: %s (is the appliance running?)\n", path,
			strerror(errno));
		return 2;
	}
	if ((json && write(fd, "--json ", 7) < 0) || write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		return 2;
	}
	/* The answer's first line is OK or ERROR (the exit status); the rest is printed. */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		if (failed < 0) {
			char *nl = memchr(buf, '\n', (size_t)n);

			if (!nl)
				break;
			failed = strncmp(buf, "OK", 2) != 0;
			p = nl + 1;
		}
		fwrite(p, 1, (size_t)(buf + n - p), stdout);
	}
	close(fd);
	return failed == 0 ? 0 : failed < 0 ? 2 : 1;
}

/* The sockets under the EAL runtime directories that answer (a killed appliance's refuses). */
static int discover(char found[][108], int cap, bool list)
{
	static const char *const patterns[] = { "/var/run/dpdk/*/cli.sock", "/run/dpdk/*/cli.sock" };
	int n = 0;

	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		glob_t g;

		if (glob(patterns[p], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int fd = connect_to(g.gl_pathv[i]);
			bool dup = false;

			if (fd < 0) {
				if (list)
					fprintf(stderr, "mediaplane-cli: %s: stale (nobody answers; the next start cleans it)\n",
						g.gl_pathv[i]);
				continue;
			}
			close(fd); /* the appliance reads a line or the end: closing at once is harmless */
			for (int k = 0; k < n; k++) {
				char a[PATH_MAX], b[PATH_MAX];

				if (realpath(found[k], a) && realpath(g.gl_pathv[i], b) && !strcmp(a, b))
					dup = true;
			}
			if (!dup && n < cap)
				snprintf(found[n++], 108, "%s", g.gl_pathv[i]);
		}
		globfree(&g);
	}
	return n;
}

int main(int argc, char **argv)
{
	char path[108] = "", cmd[1024] = "", line[1024], found[32][108];
	bool json = false, list = false;
	int i, rc = 0, n;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--list")) {
			list = true;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			snprintf(path, sizeof(path), "%s", argv[++i]);
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "mediaplane-cli: unknown option %s\n%s", argv[i], usage);
			return 2;
		} else {
			break;
		}
	}
	if (list) {
		n = discover(found, 32, true);
		for (int k = 0; k < n; k++)
			printf("%s\n", found[k]);
		return n ? 0 : 2;
	}
	if (!path[0]) {
		n = discover(found, 32, false);
		if (n == 1) {
			snprintf(path, sizeof(path), "%s", found[0]);
		} else if (n > 1) {
			fprintf(stderr, "mediaplane-cli: %d appliances run; choose one with -s SOCKET:\n", n);
			for (int k = 0; k < n; k++)
				fprintf(stderr, "  %s\n", found[k]);
			return 2;
		} else {
			fprintf(stderr, "mediaplane-cli: no running appliance found under /var/run/dpdk (give -s SOCKET)\n%s",
				usage);
			return 2;
		}
	}
	if (i < argc) {
		for (size_t len = 0; i < argc && len < sizeof(cmd); i++)
			len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s", len ? " " : "", argv[i]);
		return run(path, cmd, json);
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			rc |= run(path, line, json);
	}
	return rc;
}
