/* runtime_dir.c: leaves no files under /var/run/dpdk after the appliance stops; cleans killed ones' at start. */
#include "runtime_dir.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

void mp_runtime_dir_remember(char *out, size_t cap)
{
	snprintf(out, cap, "%s", rte_eal_get_runtime_dir());
}

void mp_runtime_dir_remove(const char *dir)
{
	DIR *d;
	struct dirent *e;

	/* Only ever a prefix directory EAL made: never follow an odd path. */
	if (!dir[0] || (strncmp(dir, "/var/run/dpdk/", 14) && strncmp(dir, "/run/dpdk/", 10)) || strstr(dir, ".."))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[1024];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* A runtime directory left by a killed appliance: its cli.sock refuses connections (a live appliance's
 * listener accepts), and when it is named mediaplane-<pid>, no process has that pid. A directory without
 * a cli.sock (an appliance starting, or one with cli_socket elsewhere) is never touched. */
static bool stale(const char *dir, const char *sock)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *base = strrchr(dir, '/');
	int fd, rc, e;

	if (strlen(sock) >= sizeof(sun.sun_path))
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	close(fd);
	if (rc == 0 || e != ECONNREFUSED)
		return false;
	if (base && !strncmp(base + 1, "mediaplane-", 11)) {
		char *end;
		long pid = strtol(base + 12, &end, 10);

		if (!*end && pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			return false;
	}
	return true;
}

int mp_runtime_dir_clean_stale(const char *own)
{
	glob_t g;
	int n = 0;

	if (glob("/var/run/dpdk/*/cli.sock", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char dir[512];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", g.gl_pathv[i]);
		slash = strrchr(dir, '/');
		if (!slash)
			continue;
		*slash = 0;
		if (!strcmp(dir, own) || !stale(dir, g.gl_pathv[i]))
			continue;
		mp_runtime_dir_remove(dir);
		n++;
	}
	globfree(&g);
	return n;
}
