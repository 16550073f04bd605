/* test_eal.c: EAL set-up for tests with a per-process file prefix and guaranteed runtime-dir cleanup. */
#include "test_eal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

static char runtime_dir[256];
static int eal_up;

static void remove_runtime_dir(void)
{
	DIR *d;
	struct dirent *e;

	if (!runtime_dir[0])
		return;
	d = opendir(runtime_dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			char p[512];

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", runtime_dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(runtime_dir);
	runtime_dir[0] = 0;
}

void mp_test_eal_cleanup(void)
{
	if (eal_up) {
		eal_up = 0;
		rte_eal_cleanup();
	}
	remove_runtime_dir();
}

int mp_test_eal_init(const char *tag, int mem_mb, char *const *extra)
{
	char prefix[96], mem[16], *argv[32];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-%d", tag, (int)getpid());
	snprintf(mem, sizeof(mem), "%d", mem_mb);
	argv[argc++] = "test";
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "--no-shconf";
	argv[argc++] = prefix;
	argv[argc++] = "--log-level=error";
	for (int i = 0; extra && extra[i] && argc < 31; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	atexit(remove_runtime_dir);
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	eal_up = 1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}
