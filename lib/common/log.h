/* Library logging: debug/info/warning go to a handler the caller installs.
 * The library never prints errors; it returns them.  The default handler writes
 * "level: message" lines to stderr for warnings and above. */
#ifndef CPOD_COMMON_LOG_H
#define CPOD_COMMON_LOG_H

#include <cpod/log.h>

void cpod_logf(cpod_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cpod_log_enabled(cpod_log_level level);

#define log_debug(...)                                          \
	do {                                                    \
		if (cpod_log_enabled(CPOD_LOG_DEBUG))           \
			cpod_logf(CPOD_LOG_DEBUG, __VA_ARGS__); \
	} while (0)
#define log_info(...)                                          \
	do {                                                   \
		if (cpod_log_enabled(CPOD_LOG_INFO))           \
			cpod_logf(CPOD_LOG_INFO, __VA_ARGS__); \
	} while (0)
#define log_warn(...)                                  \
	do {                                           \
		cpod_logf(CPOD_LOG_WARN, __VA_ARGS__); \
	} while (0)

#endif
