/* runtime_dir.c: leaves no files under /var/run/dpdk after the appliance stops. */
#include "runtime_dir.h"

#include <dirent.h>
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
