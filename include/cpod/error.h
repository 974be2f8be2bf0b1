/* cpod error object: a kind, an errno and a message with context prepended.
 *
 * Functions that can fail take a `cpod_error **err` last, return 0 / -1 (or a pointer / NULL)
 * and set *err exactly when they fail.  The caller owns *err and frees it with
 * cpod_error_free().  Passing err == NULL discards the error.
 */
#ifndef CPOD_ERROR_H
#define CPOD_ERROR_H

#include <cpod/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Never renumbered: the HTTP API and the exit codes are derived from these. */
typedef enum {
	CPOD_ERR_SYSTEM = 1,	/* a system call or external program failed */
	CPOD_ERR_NOT_FOUND,	/* no such image, container, file, key ... */
	CPOD_ERR_EXISTS,	/* a name or object already exists */
	CPOD_ERR_INVALID,	/* bad input: options, references, files, bodies */
	CPOD_ERR_STATE,		/* the object is in the wrong state for this */
	CPOD_ERR_REGISTRY,	/* the registry refused or answered badly */
	CPOD_ERR_INTERNAL,	/* a bug */
	CPOD_ERR_CANNOT_INVOKE, /* the container command exists but cannot run (126) */
	CPOD_ERR_CMD_NOT_FOUND, /* the container command does not exist (127) */
	CPOD_ERR_AUTH,		/* credentials missing or refused */
} cpod_errkind;

typedef struct cpod_error cpod_error;

/* Sets *err (when err is not NULL and *err is NULL) to a new error; returns -1.
 * errnum is an errno value or 0; when non-zero its strerror() is appended. */
CPOD_EXPORT int cpod_err(cpod_error **err, cpod_errkind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prepends "ctx: " to the message of *err; returns -1.  No-op when err or *err is NULL. */
CPOD_EXPORT int cpod_err_prefix(cpod_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Accessors; the message is owned by the error and lives as long as it. */
CPOD_EXPORT const char *cpod_error_message(const cpod_error *e);
CPOD_EXPORT cpod_errkind cpod_error_kind(const cpod_error *e);
CPOD_EXPORT int cpod_error_errno(const cpod_error *e);

/* podman's exit codes: 126 cannot invoke, 127 command not found, 125 everything else. */
CPOD_EXPORT int cpod_error_exit_code(const cpod_error *e);
/* The HTTP status the API answers with for this error. */
CPOD_EXPORT int cpod_error_http_status(const cpod_error *e);

/* Accepts NULL; keeps errno. */
CPOD_EXPORT void cpod_error_free(cpod_error *e);
CPOD_EXPORT void cpod_error_freep(cpod_error **e);

#ifdef __cplusplus
}
#endif
#endif
