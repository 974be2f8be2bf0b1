/* OCI runtime spec (config.json) generation, the way podman builds it.
 *
 * The input is a container's configuration as given: podman's SpecGenerator JSON ("specgen",
 * the body of the libpod API's POST /containers/create; keys listed in include/cpod/container.h),
 * plus what the engine resolved for it (image config, rootfs, bundle, containers.conf).  The
 * output is a json-c object in the OCI runtime-spec 1.0 shape, owned by the caller.
 *
 * spec_generate() builds the base (root, hostname, default mounts, namespaces, masked and
 * read-only paths) and then calls the parts below in order; each part reads ctx and edits the
 * spec in place.  A part rejects a bad value with CPOD_ERR_INVALID naming the option as the
 * user wrote it ("invalid --ulimit 'nofile=x': ..."), leaving the spec half-built (the caller
 * throws it away).
 */
#ifndef CPOD_OCI_SPEC_H
#define CPOD_OCI_SPEC_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <cpod/error.h>

#include "config/containers_conf.h"

/* Where --init mounts the init binary in the container. */
#define SPEC_INIT_PATH "/run/cpod-init"

typedef struct {
	const char *id;	  /* the container's 64-hex ID */
	const char *name; /* the container's name */
	/* The container's specgen (validated only for JSON types by the engine; every value is
	 * still checked by the part that uses it).  Borrowed. */
	json_object *sg;
	/* The image's OCI config object (the "config" member of the image config blob: Env,
	 * Cmd, Entrypoint, WorkingDir, User, Volumes, StopSignal, Labels ...), or NULL when the
	 * container has no image (rootfs) or the image has no config. Borrowed. */
	json_object *image_config;
	const containers_conf *cc;
	const char *rootfs; /* the mounted root file system (absolute path) */
	int rootfs_fd;	    /* O_PATH descriptor of rootfs, for lookups inside it */
	const char *bundle; /* the container's bundle/userdata dir: hosts, hostname, resolv.conf,
			       .containerenv are made here by the engine before generation */
	/* Bind mounts the engine resolved from named and anonymous volumes: an array of OCI
	 * mount objects ({destination, type "bind", source, options}), or NULL.  Borrowed. */
	json_object *volume_mounts;
	const char *cgroup_parent; /* resolved cgroup parent ("/cpod" style path, or for a
				      pod its own); never NULL */
	bool rootless;
	bool cgroup2;	      /* the host's cgroup mode is unified */
	const char *hostname; /* resolved (specgen hostname, else the short ID) */
	char **hooks_dirs;    /* NULL-terminated: --hooks-dir, else containers.conf hooks_dir */
} spec_ctx;

/* Generates the whole spec.  *ret is a new object on success. */
int spec_generate(const spec_ctx *ctx, json_object **ret, cpod_error **err);

/* ---- the parts, in the order spec_generate() calls them ---- */

/* process: args (entrypoint + command, image's when not given), env (containers.conf env,
 * image Env, env_host, env map, unsetenv/unsetenvall), cwd (work_dir, else image WorkingDir,
 * else "/"), user (user "name|uid[:group|gid]" resolved through rootfs /etc/passwd and
 * /etc/group; groups -> additionalGids; HOME set from passwd when not in env), umask,
 * terminal.  (lib/oci/spec_process.c) */
int spec_process(const spec_ctx *ctx, json_object *spec, cpod_error **err);

/* mounts: specgen mounts (bind, tmpfs, volume already resolved into ctx->volume_mounts),
 * shm_size for /dev/shm, read_only_filesystem (+ read_write_tmpfs: /tmp, /var/tmp, /run as
 * tmpfs), the bundle's hosts/hostname/resolv.conf/.containerenv bind mounts, mounts.conf.
 * User mounts override default mounts with the same destination.  (lib/oci/spec_mounts.c) */
int spec_mounts(const spec_ctx *ctx, json_object *spec, cpod_error **err);

/* security: capabilities (containers.conf default_capabilities, cap_add/cap_drop with "ALL",
 * privileged), no_new_privileges, seccomp (seccomp_profile_path "unconfined" | file |
 * containers.conf | /usr/share/containers/seccomp.json | built in, converted to the OCI
 * linux.seccomp shape for the host arch and the container's capabilities), mask/unmask,
 * devices (+ privileged: all host devices) and device_cgroup_rule, sysctl (containers.conf
 * default_sysctls + sysctl; namespaced ones only, refused with a host namespace), r_limits
 * (+ containers.conf default_ulimits; clamped to the caller's hard limits), oom_score_adj.
 * (lib/oci/spec_security.c, seccomp.c, caps.c) */
int spec_security(const spec_ctx *ctx, json_object *spec, cpod_error **err);

/* resources: resource_limits (memory, cpu, pids, blockIO as the OCI LinuxResources shape;
 * pids.limit defaults to containers.conf pids_limit unless 0 or -1 was given), and
 * linux.cgroupsPath = <cgroup_parent>/cpod-<id>.  (lib/oci/spec_resources.c) */
int spec_resources(const spec_ctx *ctx, json_object *spec, cpod_error **err);

/* hooks: the OCI hooks of hooks.d directories (1.0.0 schema) whose `when` matches the spec
 * (annotations, commands, hasBindMounts, always), merged into spec.hooks by stage.
 * hooks_dirs is containers.conf hooks_dir or --hooks-dir, in order; a later directory's file
 * masks an earlier one of the same name.  (lib/oci/hooks.c) */
int spec_hooks(const char *const *hooks_dirs, json_object *spec, cpod_error **err);

#endif
