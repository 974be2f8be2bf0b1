/* What cli/specgen.c and cli/specgen_mounts.c share; not for the commands. */
#ifndef CPOD_CLI_SPECGEN_INTERNAL_H
#define CPOD_CLI_SPECGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cpod/error.h>

#include "specgen.h"

#define sg_invalid(err, ...) cpod_err(err, CPOD_ERR_INVALID, 0, __VA_ARGS__)

/* s quoted as Go's %q; a new string. */
char *sg_goq(const char *s);
/* strerror(e) as Go prints an errno: lowercase first letter ("no such file or directory"). */
const char *sg_errno_str(int e, char *buf, size_t size);

/* Members of a JSON object being built; sgj_member returns the object member key, created
 * empty when missing. */
void sgj_str(json_object *o, const char *key, const char *value);
void sgj_bool(json_object *o, const char *key, bool value);
void sgj_int(json_object *o, const char *key, int64_t value);
void sgj_uint(json_object *o, const char *key, unsigned long long value);
void sgj_strv(json_object *o, const char *key, const strv *v);
json_object *sgj_array(char *const *v, size_t n);
json_object *sgj_member(json_object *o, const char *key);

/* The security part (cli/specgen_security.c): --security-opt, --sysctl, --ulimit,
 * --oom-score-adj, --device, --device-cgroup-rule. */
int sg_add_security(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		    cpod_error **err);
/* resource_limits: memory, cpu, pids, blockIO. */
int sg_add_resources(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		     cpod_error **err);
/* Namespaces (--pid --ipc --uts --cgroupns --network), DNS, --add-host, --shm-size. */
int sg_add_namespaces(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		      cpod_error **err);

/* The mounts part: -v/--volume, --mount and --tmpfs into "mounts" and "volumes" (podman's
 * parseVolumes: duplicates refused, --mount first, then -v, then --tmpfs). */
int sg_add_mounts(json_object *sg, const struct cli_create_opts *o, cpod_error **err);

#endif
