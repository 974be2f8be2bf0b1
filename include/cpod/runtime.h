/* The top-level libcpod handle: configuration (containers.conf, storage.conf, registries.conf),
 * the store paths, the chosen OCI runtime and conmon.  Every other libcpod call takes one.
 *
 * A cpod_runtime is cheap to create: configuration files are read on creation, but the store
 * database, the OCI runtime probe and everything else are opened lazily on first use.
 */
#ifndef CPOD_RUNTIME_H
#define CPOD_RUNTIME_H

#include <stddef.h>

#include <cpod/error.h>
#include <cpod/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

typedef struct cpod_runtime cpod_runtime;

/* Options a caller (the CLI's global flags, the API service) can set; NULL / 0 means "from
 * configuration".  struct_size must be sizeof(cpod_runtime_opts) so the struct can grow. */
typedef struct {
	size_t struct_size;
	const char *root;		  /* --root: graphroot */
	const char *runroot;		  /* --runroot */
	const char *storage_driver;	  /* --storage-driver */
	const char *const *storage_opts;  /* --storage-opt; NULL = from the configuration, an
					   * empty vector = no options */
	const char *runtime;		  /* --runtime: a name from containers.conf or a path */
	const char *const *runtime_flags; /* --runtime-flag, NULL-terminated */
	const char *conmon;		  /* --conmon: path */
	const char *cgroup_manager;	  /* --cgroup-manager: cgroupfs | systemd */
	const char *events_backend;	  /* --events-backend: file | journald | none */
	const char *const *hooks_dirs;	  /* --hooks-dir, NULL-terminated */
	const char *network_config_dir;	  /* --network-config-dir */
	const char *tmpdir;		  /* --tmpdir */
	const char *volumepath;		  /* --volumepath */
	const char *const *modules; /* --module: extra containers.conf files, NULL-terminated */
	const char *self_path;	    /* path of the calling binary, for conmon's exit command */
	const char *const *self_global_args; /* global args to repeat in the exit command */
} cpod_runtime_opts;

/* Reads the configuration and returns a new handle; the caller frees it with
 * cpod_runtime_free().  A malformed configuration file is a CPOD_ERR_INVALID error naming the
 * file and line. */
CPOD_EXPORT cpod_runtime *cpod_runtime_new(const cpod_runtime_opts *opts, cpod_error **err);
CPOD_EXPORT void cpod_runtime_free(cpod_runtime *rt);

/* True when running without root privileges in the initial user namespace. */
CPOD_EXPORT int cpod_runtime_is_rootless(const cpod_runtime *rt);

/* `cpod info` as podman's JSON shape ({"host": {...}, "store": {...}, "registries": {...},
 * "plugins": {...}, "version": {...}}).  The caller owns the returned object
 * (json_object_put()). */
CPOD_EXPORT struct json_object *cpod_info(cpod_runtime *rt, cpod_error **err);

/* `cpod version` as {"Client": {"APIVersion", "Version", "GoVersion", "GitCommit", "BuiltTime",
 * "Built", "OsArch", "Os"}}.  Needs no runtime.  Caller owns the object. */
CPOD_EXPORT struct json_object *cpod_version_info(void);

#ifdef __cplusplus
}
#endif
#endif
