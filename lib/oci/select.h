/* Which OCI runtime cpod uses, and why. */
#ifndef CPOD_OCI_SELECT_H
#define CPOD_OCI_SELECT_H

#include <cpod/error.h>

#include "config/containers_conf.h"

typedef struct {
	char *name;   /* "crun", "runc", or the basename of a path */
	char *path;   /* the binary */
	char *reason; /* one line: why this one ("--runtime", or what failed before it) */
} oci_runtime_choice;

/* Chooses the runtime: `want` (--runtime, a name or a path) if given, else containers.conf's
 * engine.runtime if set, used as they are; otherwise the first of podman's candidates (crun,
 * runc, runj, kata, runsc) that is installed and passes oci_probe_runtime() here.  workdir
 * holds the probe's bundle and cache (the runroot).  Fills *ret on success; the caller
 * releases it with oci_runtime_choice_release(). */
int oci_select_runtime(const containers_conf *cc, const char *want, const char *workdir,
		       oci_runtime_choice *ret, cpod_error **err);
void oci_runtime_choice_release(oci_runtime_choice *c);

#endif
