#include <cpod/error.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "common/banned.h"

struct cpod_error {
	cpod_errkind kind;
	int errnum;
	char *msg;
};

int cpod_err(cpod_error **err, cpod_errkind kind, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	cpod_error *e;
	int saved = errno;

	if (!err || *err) {
		errno = saved;
		return -1;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (errnum) {
		char *full = xasprintf("%s: %s", msg, strerror(errnum));
		free(msg);
		msg = full;
	}
	e = xmalloc(sizeof(*e));
	e->kind = kind;
	e->errnum = errnum;
	e->msg = msg;
	*err = e;
	errno = saved;
	return -1;
}

int cpod_err_prefix(cpod_error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx = NULL, *full;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		abort();
	va_end(ap);
	full = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = full;
	return -1;
}

const char *cpod_error_message(const cpod_error *e)
{
	return e ? e->msg : "";
}

cpod_errkind cpod_error_kind(const cpod_error *e)
{
	return e ? e->kind : 0;
}

int cpod_error_errno(const cpod_error *e)
{
	return e ? e->errnum : 0;
}

int cpod_error_exit_code(const cpod_error *e)
{
	if (!e)
		return 0;
	switch (e->kind) {
	case CPOD_ERR_CANNOT_INVOKE:
		return 126;
	case CPOD_ERR_CMD_NOT_FOUND:
		return 127;
	default:
		return 125;
	}
}

int cpod_error_http_status(const cpod_error *e)
{
	if (!e)
		return 200;
	switch (e->kind) {
	case CPOD_ERR_NOT_FOUND:
		return 404;
	case CPOD_ERR_EXISTS:
	case CPOD_ERR_STATE:
		return 409;
	case CPOD_ERR_INVALID:
		return 400;
	case CPOD_ERR_AUTH:
		return 401;
	default:
		return 500;
	}
}

void cpod_error_free(cpod_error *e)
{
	int saved = errno;

	if (e) {
		free(e->msg);
		free(e);
	}
	errno = saved;
}

void cpod_error_freep(cpod_error **e)
{
	cpod_error_free(*e);
	*e = NULL;
}
