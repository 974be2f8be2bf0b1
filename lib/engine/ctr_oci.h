/* The engine's calls into conmon and the OCI runtime for one container, with the paths and
 * options the engine uses (bundle, exit and persist dirs, log driver, exit command). */
#ifndef CPOD_ENGINE_CTR_OCI_H
#define CPOD_ENGINE_CTR_OCI_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strv.h"
#include "engine/container_internal.h"

typedef struct {
	int64_t pid;
	int64_t conmon_pid;
	char *runtime; /* path of the runtime used; the caller frees */
} ctr_oci_created;

/* The runtime's global flags for rtpath: --runtime-flag ones and cpod's own --root. */
void ctr_oci_runtime_args(cpod_runtime *rt, const char *rtpath, strv *out);

/* conmon + `runtime create` with the bundle's config.json. */
int ctr_oci_create(cpod_runtime *rt, const ctr *c, const char *bundle, ctr_oci_created *ret,
		   cpod_error **err);
int ctr_oci_start(cpod_runtime *rt, const ctr *c, cpod_error **err);
int ctr_oci_kill(cpod_runtime *rt, const ctr *c, int sig, bool all, cpod_error **err);
/* Whether the runtime still has state for c (its directory under cpod's --root). */
bool ctr_oci_exists(cpod_runtime *rt, const ctr *c);
/* `runtime delete --force`; a container the runtime does not know is not an error. */
int ctr_oci_delete(cpod_runtime *rt, const ctr *c, cpod_error **err);
int ctr_oci_pause(cpod_runtime *rt, const ctr *c, cpod_error **err);
int ctr_oci_resume(cpod_runtime *rt, const ctr *c, cpod_error **err);

/* Reads a decimal exit code file: 1 when it exists (*ret_code, -1 if unreadable; *ret_time its
 * ctime in unix ns), 0 when not. */
int ctr_read_exit_file(const char *path, int64_t *ret_code, int64_t *ret_time);

/* Waits up to timeout_ms (< 0: forever) for the container's exit file: 1 when it exists. */
int ctr_wait_exit_file(cpod_runtime *rt, const char *id, int timeout_ms);

#endif
