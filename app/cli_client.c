/* cli_client.c: mediaplane-cli, the operator's client for the appliance's CLI socket. */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* One command per connection; print everything the appliance answers until it closes. */
static int run(const char *path, const char *cmd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), failed = -1;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "mediaplane-cli: cannot connect to %s (is the appliance running?)\n", path);
		return 2;
	}
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
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
	return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char path[108] = "", cmd[1024] = "", line[1024];
	int i = 1, rc = 0;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		snprintf(path, sizeof(path), "%s", argv[2]);
		i = 3;
	} else {
		/* The socket of the one running appliance: <EAL runtime dir>/cli.sock. */
		glob_t g;

		if (glob("/var/run/dpdk/*/cli.sock", 0, NULL, &g) == 0 && g.gl_pathc == 1)
			snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
		else if (g.gl_pathc > 1)
			fprintf(stderr, "mediaplane-cli: several appliances run; choose one with -s SOCKET\n");
		globfree(&g);
		if (!path[0]) {
			fprintf(stderr, "usage: mediaplane-cli [-s SOCKET] [command ...]   (no running appliance found)\n");
			return 2;
		}
	}
	if (i < argc) {
		for (size_t n = 0; i < argc; i++)
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", n ? " " : "", argv[i]);
		return run(path, cmd);
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			rc |= run(path, line);
	}
	return rc;
}
