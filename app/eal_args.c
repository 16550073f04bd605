/* eal_args.c: EAL argument defaults (no PCI, own file prefix, hugepage fallback, lcores, TAP). */
#include "eal_args.h"
#include "mp_error.h"

#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MP_NOHUGE_MEM_MB 1024 /* what the default configuration needs, tables and pool */

static int push(struct mp_eal_args *a, const char *s)
{
	size_t n = strlen(s) + 1;

	if (a->argc >= MP_EAL_MAX_ARGS - 1 || a->used + n > sizeof(a->store))
		return MP_ERR_TOOLONG;
	memcpy(a->store + a->used, s, n);
	a->argv[a->argc++] = a->store + a->used;
	a->argv[a->argc] = NULL;
	a->used += n;
	return MP_OK;
}

/* Does the operator's argv hold option opt (as "opt", "opt=..." or a short option)? */
static bool has_opt(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], opt, n) && (argv[i][n] == 0 || argv[i][n] == '=' || opt[1] != '-'))
			return true;
	return false;
}

static bool has_any(int argc, char **argv, const char *const *opts)
{
	for (; *opts; opts++)
		if (has_opt(argc, argv, *opts))
			return true;
	return false;
}

bool mp_eal_is_pci_addr(const char *s)
{
	/* [domain:]bus:devid.function, hexadecimal: 0000:03:00.0 or 03:00.0 */
	static const char *const forms[] = { "xxxx:xx:xx.x", "xx:xx:xx.x" };

	for (size_t k = 0; k < 2; k++) {
		const char *f = forms[k];
		size_t i;

		if (strlen(s) != strlen(f) - (k == 1 ? 3 : 0))
			continue;
		if (k == 1)
			f += 3;
		for (i = 0; f[i]; i++)
			if (f[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != f[i])
				break;
		if (!f[i])
			return true;
	}
	return false;
}

int mp_eal_args_build(int user_argc, char **user_argv, const struct mp_eal_facts *f, unsigned workers,
		      const char *tap_name, const char *const *ports, struct mp_eal_args *a)
{
	static const char *const pci_opts[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	static const char *const mem_opts[] = { "--no-huge", "--in-memory", "-m", "--socket-mem", NULL };
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	char buf[512];
	int rc = MP_OK;

	memset(a, 0, sizeof(*a));
	rc |= push(a, "mediaplane");
	for (int i = 0; i < user_argc; i++)
		rc |= push(a, user_argv[i]);
	if (!has_any(user_argc, user_argv, pci_opts)) {
		bool pci = false;

		for (size_t i = 0; ports && ports[i]; i++)
			if (mp_eal_is_pci_addr(ports[i])) {
				rc |= push(a, "-a");
				rc |= push(a, ports[i]);
				pci = true;
			}
		if (!pci)
			rc |= push(a, "--no-pci");
	}
	if (has_opt(user_argc, user_argv, "--file-prefix")) {
		for (int i = 0; i < user_argc; i++) {
			if (!strncmp(user_argv[i], "--file-prefix=", 14))
				snprintf(a->file_prefix, sizeof(a->file_prefix), "%s", user_argv[i] + 14);
			else if (!strcmp(user_argv[i], "--file-prefix") && i + 1 < user_argc)
				snprintf(a->file_prefix, sizeof(a->file_prefix), "%s", user_argv[i + 1]);
		}
	} else {
		snprintf(a->file_prefix, sizeof(a->file_prefix), "mediaplane-%d", f->pid);
		snprintf(buf, sizeof(buf), "--file-prefix=%s", a->file_prefix);
		rc |= push(a, buf);
	}
	if (!has_any(user_argc, user_argv, mem_opts)) {
		unsigned long free_mb = f->hugepages_free * (f->hugepage_kb ? f->hugepage_kb : 2048) / 1024;

		if (free_mb >= MP_NOHUGE_MEM_MB) {
			rc |= push(a, "--in-memory");
		} else {
			a->no_huge = true;
			a->huge_free_mb = free_mb;
			rc |= push(a, "--no-huge");
			rc |= push(a, "-m");
			snprintf(buf, sizeof(buf), "%d", MP_NOHUGE_MEM_MB);
			rc |= push(a, buf);
			rc |= push(a, "--no-shconf");
		}
	}
	if (!has_any(user_argc, user_argv, lcore_opts) && f->n_cpus > 0) {
		size_t n = 0;
		unsigned need = workers + 1;

		if ((unsigned)f->n_cpus >= need) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "-l");
			rc |= push(a, buf);
			n = 0;
			for (unsigned i = 0; i < need && n < sizeof(buf); i++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%d", i ? "," : "", f->cpus[i]);
		} else {
			/* Fewer CPUs than lcores: every lcore floats over the CPUs we have. */
			a->lcores_shared = true;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "--lcores=(0-%u)@(", workers);
			for (int i = 0; i < f->n_cpus && n < sizeof(buf); i++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%d", i ? "," : "", f->cpus[i]);
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ")");
		}
		if (n >= sizeof(buf))
			return MP_ERR_TOOLONG;
		rc |= push(a, buf);
	}
	if (!has_opt(user_argc, user_argv, "--log-level"))
		rc |= push(a, "--log-level=*:notice");
	if (tap_name) {
		a->added_tap = true;
		snprintf(buf, sizeof(buf), "--vdev=net_tap0,iface=%s", tap_name);
		rc |= push(a, buf);
	}
	return rc ? MP_ERR_TOOLONG : MP_OK;
}

void mp_eal_facts_read(struct mp_eal_facts *f)
{
	FILE *m = fopen("/proc/meminfo", "r");
	char line[256];
	cpu_set_t set;

	memset(f, 0, sizeof(*f));
	f->pid = (int)getpid();
	if (m) {
		while (fgets(line, sizeof(line), m))
			if (sscanf(line, "HugePages_Free: %lu", &f->hugepages_free) != 1)
				(void)sscanf(line, "Hugepagesize: %lu kB", &f->hugepage_kb);
		fclose(m);
	}
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && f->n_cpus < 256; c++)
			if (CPU_ISSET(c, &set))
				f->cpus[f->n_cpus++] = c;
}
