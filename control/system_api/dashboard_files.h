/* dashboard_files.h: the dashboard's HTML/JS/CSS, embedded at build time (scripts/embed_files.py). */
#ifndef MP_DASHBOARD_FILES_H
#define MP_DASHBOARD_FILES_H

#include <stddef.h>

struct mp_dash_file {
	const char *name;  /* "index.html" */
	const char *type;  /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Ends with a zeroed entry. */
extern const struct mp_dash_file mp_dash_files[];

#endif
