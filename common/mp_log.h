/* mp_log.h: levelled logging to stderr for the control plane and startup. A message is one line:
 * control characters and non-ASCII bytes in it are written escaped (mp_escape), whoever sent them. */
#ifndef MP_LOG_H
#define MP_LOG_H

enum mp_log_level { MP_LOG_ERR = 0, MP_LOG_WARN, MP_LOG_INFO, MP_LOG_DEBUG };

void mp_log_set_level(enum mp_log_level level);
enum mp_log_level mp_log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns 0 or MP_ERR_INVAL. */
int mp_log_parse_level(const char *s, enum mp_log_level *out);
void mp_log(enum mp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define MP_ERR(...) mp_log(MP_LOG_ERR, __VA_ARGS__)
#define MP_WARN(...) mp_log(MP_LOG_WARN, __VA_ARGS__)
#define MP_INFO(...) mp_log(MP_LOG_INFO, __VA_ARGS__)
#define MP_DEBUG(...) mp_log(MP_LOG_DEBUG, __VA_ARGS__)

#endif
