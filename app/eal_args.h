/* eal_args.h: builds the EAL argument vector from the operator's EAL options and the machine. */
#ifndef MP_EAL_ARGS_H
#define MP_EAL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define MP_EAL_MAX_ARGS 96

struct mp_eal_facts {
	unsigned long hugepages_free; /* free hugepages of the default size (HugePages_Free) */
	unsigned long hugepage_kb;    /* their size (Hugepagesize; 0: not known, taken as 2 MB) */
	int cpus[256];                /* CPUs this process may run on */
	int n_cpus;
	int pid;
};

struct mp_eal_args {
	int argc;
	char *argv[MP_EAL_MAX_ARGS];
	char store[8192];             /* the strings argv points to */
	size_t used;
	bool no_huge;                 /* fell back to --no-huge */
	unsigned long huge_free_mb;   /* hugepage memory free when it fell back with some free (else 0) */
	bool added_tap;               /* added the default TAP vdev */
	bool lcores_shared;           /* fewer CPUs than lcores: lcores share CPUs */
	char file_prefix[64];
};

/* True for a PCI address as EAL takes it ("0000:03:00.0" or "03:00.0"). */
bool mp_eal_is_pci_addr(const char *s);

/* From the operator's EAL options (user_argv, without argv[0]) and the facts, build the full EAL
 * argv: --no-pci unless PCI devices are asked for (with -a/-b, or as configured ports: ports is a
 * NULL-terminated list of the port names the config gives, and each PCI address among them is
 * allowed with -a when the operator gave no -a/-b), a unique --file-prefix unless given, hugepages
 * (--in-memory) when at least as much hugepage memory is free as --no-huge would be given (another
 * process may hold most of the reserved pages: then the tables would not fit) else --no-huge -m <mem>
 * --no-shconf, an lcore list for the
 * main lcore plus `workers`, and the default TAP vdev when tap_name is not NULL.
 * Returns 0 or a negative mp_err. */
int mp_eal_args_build(int user_argc, char **user_argv, const struct mp_eal_facts *facts, unsigned workers,
		      const char *tap_name, const char *const *ports, struct mp_eal_args *out);

/* Read the facts of this machine (hugepages from /proc/meminfo, CPU affinity, pid). */
void mp_eal_facts_read(struct mp_eal_facts *facts);

#endif
