/* runtime_dir.h: removes the EAL runtime directory (/var/run/dpdk/<prefix>) after rte_eal_cleanup. */
#ifndef MP_RUNTIME_DIR_H
#define MP_RUNTIME_DIR_H

#include <stddef.h>

/* Copy rte_eal_get_runtime_dir() (call after rte_eal_init). */
void mp_runtime_dir_remember(char *out, size_t cap);
/* Remove the files EAL left in dir and the dir itself (only below /var/run/dpdk or /run/dpdk). */
void mp_runtime_dir_remove(const char *dir);

/* Remove the runtime directories of killed appliances (their cli.sock answers nobody) except own;
 * returns how many. */
int mp_runtime_dir_clean_stale(const char *own);

#endif
