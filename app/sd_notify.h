/* sd_notify.h: systemd's readiness protocol (Type=notify) without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef MP_SD_NOTIFY_H
#define MP_SD_NOTIFY_H

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."); nothing when not run by systemd.
 * Never blocks. Returns 0 when sent or nothing to do, -1 on failure. */
int mp_sd_notify(const char *state);

#endif
