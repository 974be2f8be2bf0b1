#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/banned.h"

static const char *const level_names[] = { "trace", "debug", "info", "warn",
					   "error", "fatal", "panic" };

static cpod_log_level min_level = CPOD_LOG_WARN;
static cpod_log_handler handler;
static void *handler_data;

void cpod_log_set_handler(cpod_log_handler h, void *userdata)
{
	handler = h;
	handler_data = userdata;
}

void cpod_log_set_level(cpod_log_level level)
{
	min_level = level;
}

cpod_log_level cpod_log_get_level(void)
{
	return min_level;
}

int cpod_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "warning") == 0)
		return CPOD_LOG_WARN;
	return -1;
}

const char *cpod_log_level_name(cpod_log_level level)
{
	if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
		return level_names[level];
	return "unknown";
}

int cpod_log_enabled(cpod_log_level level)
{
	return level >= min_level;
}

void cpod_logf(cpod_log_level level, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (handler)
		handler(level, msg, handler_data);
	else
		fprintf(stderr, "%s: %s\n",
			level >= CPOD_LOG_WARN ? "WARN" : cpod_log_level_name(level), msg);
	free(msg);
}
