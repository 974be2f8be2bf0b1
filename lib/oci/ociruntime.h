/* An OCI runtime (runc, crun, or any runtime with runc's command line) driven through its
 * command line, behind an ops table so that tests can put a fake in its place.
 *
 *	oci_rt *rt = oci_rt_new("/usr/sbin/runc", NULL,
 *				(const char *const[]){ "--root", "/run/cpod/runc", NULL });
 *	if (oci_rt_start(rt, id, err) < 0) ...	   // runc --root /run/cpod/runc start ID
 *	oci_rt_free(rt);
 *
 * Containers are created through conmon (oci/conmon.h), exec sessions too; the handle only
 * runs the direct commands: start, kill, delete, pause, resume, state.  Each command line is
 * `PATH GLOBAL_ARGS... VERB [options] ID`, the global arguments being the runtime flags of
 * containers.conf and --root; conmon must get the same ones (oci_rt_global_args()).
 *
 * Errors name the runtime, the verb and the container and end with the runtime's own message:
 * "runc start 'ID': container does not exist".  The message is taken from the runtime's stderr
 * (the msg of its logrus text or JSON log lines when it prints those, else the text).  The kind
 * is CPOD_ERR_NOT_FOUND when the runtime says the container does not exist ("does not exist",
 * "no such file or directory"), CPOD_ERR_STATE when it says it is not running, else
 * CPOD_ERR_SYSTEM (the errno is 0).
 */
#ifndef CPOD_OCI_OCIRUNTIME_H
#define CPOD_OCI_OCIRUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/cleanup.h"

typedef struct oci_rt oci_rt;

/* What `runtime state ID` reports. */
typedef enum {
	OCI_STATUS_UNKNOWN = 0,
	OCI_STATUS_CREATING, /* crun, while create runs */
	OCI_STATUS_CREATED,
	OCI_STATUS_RUNNING,
	OCI_STATUS_PAUSED,
	OCI_STATUS_STOPPED,
} oci_status;

typedef struct {
	oci_status status;
	pid_t pid; /* the container's init pid; 0 when stopped */
} oci_state;

/* The operations.  Each returns 0, or -1 with *err set.  state fills *ret only on success. */
typedef struct {
	int (*start)(oci_rt *rt, const char *id, cpod_error **err);
	int (*kill)(oci_rt *rt, const char *id, int sig, bool all, cpod_error **err);
	int (*del)(oci_rt *rt, const char *id, bool force, cpod_error **err);
	int (*pause)(oci_rt *rt, const char *id, cpod_error **err);
	int (*resume)(oci_rt *rt, const char *id, cpod_error **err);
	int (*state)(oci_rt *rt, const char *id, oci_state *ret, cpod_error **err);
} oci_rt_ops;

/* A runtime run from path (absolute, or looked up in $PATH).  name names it in errors (NULL:
 * the basename of path); global_args (NULL-terminated, may be NULL) go before every verb.
 * Everything is copied.  Free with oci_rt_free(). */
oci_rt *oci_rt_new(const char *path, const char *name, const char *const *global_args);

/* A runtime whose operations are ops (borrowed, must outlive the handle), for tests: path,
 * name and global_args as above, userdata for the fake (oci_rt_userdata()). */
oci_rt *oci_rt_new_with_ops(const oci_rt_ops *ops, void *userdata, const char *path,
			    const char *name, const char *const *global_args);

/* Accepts NULL. */
void oci_rt_free(oci_rt *rt);
DEFINE_CLEANUP_FUNC(oci_rt, oci_rt_free)

/* Borrowed from the handle. */
const char *oci_rt_path(const oci_rt *rt);
const char *oci_rt_name(const oci_rt *rt);
const char *const *oci_rt_global_args(const oci_rt *rt); /* never NULL */
void *oci_rt_userdata(const oci_rt *rt);

/* runtime start ID: runs the process of a created container. */
int oci_rt_start(oci_rt *rt, const char *id, cpod_error **err);
/* runtime kill [--all] ID SIG: sig is a signal number. */
int oci_rt_kill(oci_rt *rt, const char *id, int sig, bool all, cpod_error **err);
/* runtime delete [--force] ID.  With force, a failure other than "does not exist" is retried
 * once (crun sometimes refuses right after the container exited). */
int oci_rt_delete(oci_rt *rt, const char *id, bool force, cpod_error **err);
int oci_rt_pause(oci_rt *rt, const char *id, cpod_error **err);
int oci_rt_resume(oci_rt *rt, const char *id, cpod_error **err);
/* runtime state ID, parsed: "status" and "pid".  An unknown status is CPOD_ERR_INTERNAL. */
int oci_rt_state(oci_rt *rt, const char *id, oci_state *ret, cpod_error **err);

/* "created", "running" ... as the runtime spells them ("unknown" for OCI_STATUS_UNKNOWN). */
const char *oci_status_name(oci_status s);
/* The status named s, OCI_STATUS_UNKNOWN when it is none of them. */
oci_status oci_status_parse(const char *s);

/* The message in a runtime's stderr text: the msg of the last error-level line when it logs
 * in logrus text (time=... level=error msg="...") or JSON ({"msg": ...}) form, else the
 * whole text with surrounding white space trimmed.  Returns a new string ("" for no text). */
char *oci_rt_stderr_message(const char *text, size_t len);

#endif
