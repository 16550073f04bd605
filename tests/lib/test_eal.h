/* test_eal.h: EAL for unit tests and benches: no PCI, no hugepages, a unique file prefix, and the
 * runtime directory removed at exit even when the test fails. */
#ifndef MP_TEST_EAL_H
#define MP_TEST_EAL_H

/* rte_eal_init with --no-pci --no-huge -m <mem_mb> --no-shconf --file-prefix=<tag>-<pid>
 * --log-level=error (plus extra, NULL-terminated, may be NULL). Returns 0 or -1. */
int mp_test_eal_init(const char *tag, int mem_mb, char *const *extra);
/* rte_eal_cleanup and remove /var/run/dpdk/<prefix> (also run at exit if not called). */
void mp_test_eal_cleanup(void);

#endif
