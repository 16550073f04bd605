/* proto_version.h: the version strings mediaplane reports (System API, CLI). */
#ifndef MP_PROTO_VERSION_H
#define MP_PROTO_VERSION_H

#define MP_VERSION_MAJOR 0
#define MP_VERSION_MINOR 1
#define MP_VERSION_REVISION 0
#define MP_VERSION_STRING "0.1.0"
#define MP_SIGNATURE "mediaplane"

/* Write the /api/v1/versions JSON body into out; returns its length or MP_ERR_NOSPACE. */
int mp_version_json(char *out, unsigned long cap, const char *pid);

#endif
