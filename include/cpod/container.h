/* Containers: create, start, attach, stop, kill, wait, remove, list and inspect.
 *
 * A container is described as given by podman's SpecGenerator JSON ("specgen": the body of the
 * libpod API's POST /containers/create), so the CLI and the API service hand the library the
 * same thing.  Keys understood (podman's JSON names; all optional except image or rootfs):
 *
 *   name, image, rootfs, command [], entrypoint [], env {}, env_host, unsetenv [], unsetenvall,
 *   work_dir, user, groups [], umask, terminal, stdin, labels {}, annotations {},
 *   stop_signal (int), stop_timeout (uint), timeout (uint), remove, init, init_path,
 *   hostname, restart_policy ("no"|"on-failure"|"always"|"unless-stopped"), restart_tries,
 *   log_configuration {driver, path, size, options {}}, oci_runtime, conmon_pid_file,
 *   pidns/ipcns/utsns/netns/cgroupns {nsmode: "private"|"host"|"path"|"container"|"none"|
 *   "shareable", value}, cap_add [], cap_drop [], privileged, no_new_privileges,
 *   seccomp_profile_path, mask [], unmask [], read_only_filesystem, read_write_tmpfs,
 *   mounts [OCI mount {destination, type, source, options []}], volumes [{Name, Dest,
 *   Options [], IsAnonymous}], image_volume_mode ("bind"|"tmpfs"|"ignore"),
 *   devices [{path}] ("HOST[:CTR[:PERMS]]" in path), device_cgroup_rule [{allow, type,
 *   major, minor, access}], shm_size (int64 bytes), sysctl {}, r_limits [{type, hard, soft}],
 *   oom_score_adj, resource_limits {OCI LinuxResources: memory {limit, reservation, swap,
 *   swappiness}, cpu {shares, quota, period, cpus, mems}, pids {limit}, blockIO {weight}},
 *   cgroup_parent, hostadd [], dns_server [], dns_search [], dns_option [], pull_policy,
 *   containerCreateCommand [], cidfile (cpod: the CLI writes it), sdnotifyMode, httpproxy.
 *
 * Containers are named by full ID, unique ID prefix or name everywhere ("nameorid").  Errors:
 * CPOD_ERR_NOT_FOUND ("no container with name or ID \"x\" found: no such container"),
 * CPOD_ERR_STATE for a container in the wrong state, CPOD_ERR_INVALID for bad options.
 */
#ifndef CPOD_CONTAINER_H
#define CPOD_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>
#include <cpod/export.h>
#include <cpod/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

/* Creates a container from specgen (borrowed); the image must be in the store (pulling is
 * the caller's choice, see pull_policy in the CLI).  *ret_id (caller frees) is the new ID. */
CPOD_EXPORT int cpod_container_create(cpod_runtime *rt, struct json_object *specgen, char **ret_id,
				      cpod_error **err);

/* The full ID of a container named by nameorid; *ret_id is freed by the caller. */
CPOD_EXPORT int cpod_container_lookup(cpod_runtime *rt, const char *nameorid, char **ret_id,
				      cpod_error **err);

/* Standard streams of an attach.  Descriptors are borrowed.  stdin_fd < 0: no input (the
 * container's stdin is closed by detaching, as podman does).  When tty, stdout carries
 * everything and stdin is put in raw mode by the caller (the CLI), the window size of
 * stdin/stdout follows SIGWINCH. */
typedef struct {
	size_t struct_size;
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	const char *detach_keys;       /* NULL: containers.conf detach_keys; "": no detaching */
	bool sig_proxy;		       /* forward SIGINT, SIGTERM, ... to the container */
	bool want_stdout, want_stderr; /* run -a: which streams to show */
} cpod_attach_opts;

/* Returned (instead of 0) by start/attach when the user detached. */
#define CPOD_DETACHED 1

/* Prepares a created (or stopped) container to start: mounts the rootfs, writes config.json
 * and has conmon run the OCI runtime's create.  A no-op when it is already initialized. */
CPOD_EXPORT int cpod_container_init(cpod_runtime *rt, const char *nameorid, cpod_error **err);

/* Starts a container (init first when needed).  attach NULL: returns once it runs.
 * Otherwise the streams are attached before the process starts, and the call returns when
 * the container exits (0, *ret_status = its exit code) or the user detached (CPOD_DETACHED). */
CPOD_EXPORT int cpod_container_start(cpod_runtime *rt, const char *nameorid,
				     const cpod_attach_opts *attach, int *ret_status,
				     cpod_error **err);

/* Attaches to a running container; returns as cpod_container_start() with attach. */
CPOD_EXPORT int cpod_container_attach(cpod_runtime *rt, const char *nameorid,
				      const cpod_attach_opts *attach, int *ret_status,
				      cpod_error **err);

/* Sends the stop signal, waits timeout seconds (< 0: the container's stop_timeout), then
 * SIGKILL; returns when it has stopped and been cleaned up. */
CPOD_EXPORT int cpod_container_stop(cpod_runtime *rt, const char *nameorid, int timeout,
				    cpod_error **err);

/* Sends signal to the container's process (CPOD_ERR_STATE when it is not running). */
CPOD_EXPORT int cpod_container_kill(cpod_runtime *rt, const char *nameorid, int signal,
				    cpod_error **err);

/* Waits until the container reaches one of conditions ("stopped", "exited", "running",
 * "created", "paused", "healthy"...; NULL = stopped or exited) and sets *ret_exit to its exit
 * code (-1 when the condition is not an exit).  interval_ms: polling interval (0 = 250). */
CPOD_EXPORT int cpod_container_wait(cpod_runtime *rt, const char *nameorid,
				    const char *const *conditions, int interval_ms, int *ret_exit,
				    cpod_error **err);

typedef struct {
	size_t struct_size;
	bool force;   /* stop a running container first */
	bool volumes; /* remove its anonymous volumes */
	int timeout;  /* stop timeout with force; < 0: the container's */
	bool ignore;  /* a missing container is not an error */
} cpod_rm_opts;

CPOD_EXPORT int cpod_container_remove(cpod_runtime *rt, const char *nameorid,
				      const cpod_rm_opts *opts, cpod_error **err);

typedef struct {
	size_t struct_size;
	bool rm;		  /* remove the container afterwards */
	bool rmi;		  /* and its image, when unused */
	bool stopped_only;	  /* do nothing when it is running again (a restart won the race) */
	const char *exec_session; /* clean up this exec session only */
} cpod_cleanup_opts;

/* What conmon's exit command runs: records the exit code from the exit file, deletes the OCI
 * container, unmounts the rootfs, applies the restart policy, removes --rm containers. */
CPOD_EXPORT int cpod_container_cleanup(cpod_runtime *rt, const char *nameorid,
				       const cpod_cleanup_opts *opts, cpod_error **err);

typedef struct {
	size_t struct_size;
	bool all;		    /* false: running ones only */
	bool size;		    /* add Size {rwSize, rootFsSize} */
	int last;		    /* > 0: only the last N created (implies all) */
	const char *const *filters; /* podman's ps --filter "key=value" strings, NULL-terminated;
				       the same key ORs, different keys AND */
} cpod_ps_opts;

/* Containers as podman's `ps --format json` records (a JSON array, newest first; the caller
 * puts it).  A bad filter is CPOD_ERR_INVALID naming it. */
CPOD_EXPORT struct json_object *cpod_container_list(cpod_runtime *rt, const cpod_ps_opts *opts,
						    cpod_error **err);

/* podman's `container inspect` object for one container (the caller puts it). */
CPOD_EXPORT struct json_object *cpod_container_inspect(cpod_runtime *rt, const char *nameorid,
						       bool size, cpod_error **err);

/* Freezes / thaws every process of a running container (the cgroup freezer). */
CPOD_EXPORT int cpod_container_pause(cpod_runtime *rt, const char *nameorid, cpod_error **err);
CPOD_EXPORT int cpod_container_unpause(cpod_runtime *rt, const char *nameorid, cpod_error **err);

/* Renames a container (CPOD_ERR_EXISTS when the name is taken). */
CPOD_EXPORT int cpod_container_rename(cpod_runtime *rt, const char *nameorid, const char *new_name,
				      cpod_error **err);

/* Stops (timeout as cpod_container_stop) a running container and starts it again; a stopped
 * one is just started.  The restart count grows by one. */
CPOD_EXPORT int cpod_container_restart(cpod_runtime *rt, const char *nameorid, int timeout,
				       cpod_error **err);

/* Removes every stopped container that matches filters (podman's container prune filters:
 * label, until; NULL-terminated, may be NULL).  *ret_ids: NULL-terminated IDs removed (the
 * caller frees each and the vector). */
CPOD_EXPORT int cpod_container_prune(cpod_runtime *rt, const char *const *filters, char ***ret_ids,
				     cpod_error **err);

/* podman's `top`: one row per process of the container, columns as descriptors (NULL: podman's
 * default "user,pid,ppid,%cpu,elapsed,tty,time,comm").  Returns a JSON array of arrays of
 * strings, the first being the header (the caller puts it).  An unknown descriptor is
 * CPOD_ERR_INVALID naming it. */
CPOD_EXPORT struct json_object *cpod_container_top(cpod_runtime *rt, const char *nameorid,
						   const char *const *descriptors,
						   cpod_error **err);

/* podman's `stats --no-stream --format json` record of one running container (ContainerID,
 * Name, PerCPU, CPU, CPUNano, CPUSystemNano, SystemNano, MemUsage, MemLimit, MemPerc, NetInput,
 * NetOutput, BlockInput, BlockOutput, PIDs, UpTime, Duration), read from its cgroup (v1 or v2).
 * The caller puts it. */
CPOD_EXPORT struct json_object *cpod_container_stats(cpod_runtime *rt, const char *nameorid,
						     cpod_error **err);

typedef struct {
	size_t struct_size;
	bool follow;
	bool timestamps;
	int64_t since_ns, until_ns; /* 0: no bound */
	int64_t tail;		    /* < 0: all lines */
	bool names;		    /* prefix each line with the container's name */
	int stdout_fd, stderr_fd;
} cpod_logs_opts;

/* Prints the containers' logs (k8s-file driver) to the given descriptors, as podman logs
 * does; with follow, until the containers have exited.  ids: NULL-terminated names or IDs. */
CPOD_EXPORT int cpod_container_logs(cpod_runtime *rt, const char *const *ids,
				    const cpod_logs_opts *o, cpod_error **err);

/* An exec session: a process run inside a running container. */
typedef struct {
	size_t struct_size;
	const char *const *cmd; /* argv, NULL-terminated, required */
	const char *const *env; /* KEY=VALUE added to the container's environment */
	const char *user;	/* user[:group]; NULL: the container's */
	const char *workdir;	/* NULL: the container's */
	bool tty;
	bool interactive;	 /* keep stdin open and forward it */
	bool privileged;	 /* all capabilities */
	bool detach;		 /* start it and return at once (*ret_session gets its ID) */
	const char *detach_keys; /* NULL: containers.conf's */
	int stdin_fd, stdout_fd, stderr_fd;
} cpod_exec_opts;

/* Runs o->cmd in the running container nameorid.  Attached: returns 0 with *ret_status the
 * process's exit code (or CPOD_DETACHED); detached: returns once it runs, *ret_session (may be
 * NULL) gets the session ID.  A command that does not exist is CPOD_ERR_CMD_NOT_FOUND (127),
 * one that cannot run CPOD_ERR_CANNOT_INVOKE (126). */
CPOD_EXPORT int cpod_container_exec(cpod_runtime *rt, const char *nameorid, const cpod_exec_opts *o,
				    int *ret_status, char **ret_session, cpod_error **err);

#ifdef __cplusplus
}
#endif
#endif
