/* mp_error.h: the one error enum of mediaplane and its strerror. */
#ifndef MP_ERROR_H
#define MP_ERROR_H

/* Every fallible function returns MP_OK (0) or one of these negative codes. */
enum mp_err {
	MP_OK = 0,
	MP_ERR_INVAL = -1,       /* invalid argument or malformed input */
	MP_ERR_TRUNCATED = -2,   /* input ends before the structure does */
	MP_ERR_LENGTH = -3,      /* a length field disagrees with the data */
	MP_ERR_TOOLONG = -4,     /* a field or output exceeds its maximum */
	MP_ERR_NOSPACE = -5,     /* the output buffer is too small */
	MP_ERR_NOMEM = -6,       /* allocation failed */
	MP_ERR_FULL = -7,        /* a table is at capacity */
	MP_ERR_NOTFOUND = -8,    /* no such key, attribute or entry */
	MP_ERR_EXISTS = -9,      /* the entry already exists */
	MP_ERR_UNSUPPORTED = -10,/* valid but not handled (version, type) */
	MP_ERR_CHECKSUM = -11,   /* checksum, CRC or fingerprint mismatch */
	MP_ERR_COOKIE = -12,     /* SRT SYN cookie does not verify */
	MP_ERR_NOORIGIN = -13,   /* no alive origin for the stream and protocol */
	MP_ERR_AUTH = -14,       /* authentication failed */
	MP_ERR_CONFIG = -15,     /* bad configuration */
	MP_ERR_IO = -16,         /* system call or socket failure */
	MP_ERR_TIMEOUT = -17,    /* the peer did not answer in time */
	MP_ERR_AGAIN = -18,      /* need more input; try again */
	MP_ERR_STATE = -19,      /* operation not valid in the current state */
	MP_ERR_PERM = -20,       /* permission denied (not root) */
	MP_ERR_ADDRINUSE = -21,  /* address already in use */
	MP_ERR_NODEV = -22,      /* no such device or port */
	MP_ERR_REDIS = -23,      /* Redis error or Redis unreachable */
	MP_ERR_PROTO = -24,      /* protocol violation by the peer */
	MP_ERR__LAST = -25
};

/* A constant, human-readable description of err (never NULL). */
const char *mp_strerror(int err);

#endif
