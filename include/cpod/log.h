/* Where libcpod's log lines go. */
#ifndef CPOD_LOG_H
#define CPOD_LOG_H

#include <cpod/export.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	CPOD_LOG_TRACE = 0,
	CPOD_LOG_DEBUG,
	CPOD_LOG_INFO,
	CPOD_LOG_WARN,
	CPOD_LOG_ERROR,
	CPOD_LOG_FATAL,
	CPOD_LOG_PANIC,
} cpod_log_level;

/* msg is borrowed for the duration of the call. */
typedef void (*cpod_log_handler)(cpod_log_level level, const char *msg, void *userdata);

/* Installs handler (NULL restores the default stderr handler) and the lowest level passed on. */
CPOD_EXPORT void cpod_log_set_handler(cpod_log_handler handler, void *userdata);
CPOD_EXPORT void cpod_log_set_level(cpod_log_level level);
CPOD_EXPORT cpod_log_level cpod_log_get_level(void);
/* Parses podman's level names (trace, debug, info, warn, error, fatal, panic); -1 if unknown. */
CPOD_EXPORT int cpod_log_level_parse(const char *name);
CPOD_EXPORT const char *cpod_log_level_name(cpod_log_level level);

#ifdef __cplusplus
}
#endif
#endif
