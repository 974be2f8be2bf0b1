/* containers.conf(5): the engine's defaults for containers, the engine and networks.
 *
 * containers_conf_load() starts from podman's built-in defaults and merges, in order:
 *   /usr/share/containers/containers.conf
 *   /etc/containers/containers.conf
 *   /etc/containers/containers.conf.d/<*.conf, sorted>
 *   rootless only: $XDG_CONFIG_HOME/containers/containers.conf (default ~/.config/...) and
 *                  its .d/<*.conf, sorted>
 * Missing files are skipped.  $CONTAINERS_CONF, when set, replaces that whole list with its one
 * file (which must exist); $CONTAINERS_CONF_OVERRIDE, when set, is merged last (and must exist).
 * A later file overrides an earlier one key by key: arrays are replaced whole, tables
 * ([engine.runtimes], [engine.volume_plugins], [engine.service_destinations]) are merged entry
 * by entry.  Unknown sections and keys are ignored (logged at debug level).
 *
 * A key of the wrong type or with an invalid value fails naming file, line, column and key:
 *   /etc/containers/containers.conf:7:1: key 'engine.stop_timeout': expected integer, got string
 * A malformed file fails with the TOML parser's "FILE:LINE:COL: ..." message.
 *
 * Strings are never NULL (empty means unset), vectors are never NULL.  The struct is owned by
 * the caller and freed with containers_conf_free().
 */
#ifndef CPOD_CONFIG_CONTAINERS_CONF_H
#define CPOD_CONFIG_CONTAINERS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/strv.h"

/* One OCI runtime of [engine.runtimes]: name = [candidate paths]. */
typedef struct {
	char *name;
	strv paths;
} containers_conf_runtime;

/* One entry of a string table such as [engine.volume_plugins]: name = "value". */
typedef struct {
	char *name;
	char *value;
} containers_conf_kv;

/* One [engine.service_destinations.NAME] (podman --connection). */
typedef struct {
	char *name;
	char *uri;
	char *identity;
	bool is_machine;
} containers_conf_destination;

/* One element of [network] default_subnet_pools: {base = "10.89.0.0/16", size = 24}. */
typedef struct {
	char *base;
	int64_t size;
} containers_conf_subnet_pool;

typedef struct {
	/* [containers] */
	char *apparmor_profile; /* "containers-default-0.50.1" */
	strv annotations;
	char *base_hosts_file;
	char *cgroupns;		   /* "private" on cgroup v2, "host" on v1 */
	char *cgroups;		   /* "enabled" */
	strv default_capabilities; /* normalized to "CAP_CHOWN" form */
	strv default_sysctls;
	strv default_ulimits; /* "nproc=4194304:4194304" when it can be raised */
	strv devices;
	strv dns_servers;
	strv dns_options;
	strv dns_searches;
	bool keyring; /* key "keyring" */
	bool label;   /* key "label" (SELinux labelling) */
	strv env;     /* PATH=..., TERM=xterm */
	bool env_host;
	char *host_containers_internal_ip;
	bool http_proxy;
	bool init;
	char *init_path;      /* containers.init_path; "" = engine.init_path */
	char *ipcns;	      /* "shareable" */
	char *log_driver;     /* "k8s-file" */
	int64_t log_size_max; /* -1 = unlimited */
	char *log_tag;
	char *netns; /* "private" */
	bool no_hosts;
	int64_t pids_limit; /* 2048 */
	char *pidns;	    /* "private" */
	bool prepare_volume_on_create;
	char *seccomp_profile; /* "" = the default profile */
	char *shm_size;	       /* "65536k" */
	char *tz;
	char *umask;	     /* "0022" */
	char *userns;	     /* "" = host */
	int64_t userns_size; /* 65536 */
	char *utsns;	     /* "private" */
	strv volumes;

	/* [engine] */
	char *active_service;
	bool cgroup_check;
	char *cgroup_manager; /* "systemd" when PID 1 is systemd, else "cgroupfs" */
	bool chown_copied_files;
	bool compat_api_enforce_docker_hub;
	char *compression_format;
	strv conmon_env_vars;
	strv conmon_path; /* conmon candidates, tried in order, then $PATH */
	strv conmonrs_path;
	char *detach_keys; /* "ctrl-p,ctrl-q" */
	bool enable_port_reservation;
	strv engine_env; /* engine.env */
	char *events_logfile_path;
	int64_t events_logfile_max_size; /* bytes; integer or size string "1m" */
	char *events_logger;		 /* "journald" when the journal is there, else "file" */
	strv helper_binaries_dir;
	strv hooks_dir;
	char *image_build_format; /* "oci" */
	char *image_copy_tmp_dir; /* $TMPDIR or /var/tmp */
	char *image_default_format;
	char *image_default_transport; /* "docker://" */
	int64_t image_parallel_copies;
	char *image_volume_mode; /* "bind" */
	char *infra_command;
	char *infra_image;
	char *engine_init_path; /* engine.init_path: "/usr/libexec/podman/catatonit" */
	char *lock_type;	/* "shm" */
	bool machine_enabled;
	bool multi_image_archive;
	char *namespace;
	strv network_cmd_options;
	char *network_cmd_path;
	bool no_pivot_root;
	int64_t num_locks;     /* 2048 */
	char *pod_exit_policy; /* "continue" */
	char *pull_policy;     /* "missing" */
	bool remote;
	char *remote_identity;
	char *remote_uri;
	char *runtime; /* engine.runtime: "" = first found of crun, runc, runj, kata, runsc */
	containers_conf_runtime *runtimes; /* [engine.runtimes], in insertion order */
	size_t n_runtimes;
	strv runtime_supports_json;
	strv runtime_supports_kvm;
	strv runtime_supports_nocgroup;
	containers_conf_destination *service_destinations;
	size_t n_service_destinations;
	int64_t service_timeout; /* 5 */
	char *ssh_config;
	char *static_dir;	    /* "" = derived from cpod's graphroot */
	int64_t stop_timeout;	    /* 10 */
	int64_t exit_command_delay; /* 300 */
	char *tmp_dir;		    /* "" = derived from cpod's runroot */
	char *volume_path;	    /* "" = derived from cpod's graphroot */
	containers_conf_kv *volume_plugins;
	size_t n_volume_plugins;
	int64_t volume_plugin_timeout; /* 5 */

	/* [network] */
	strv cni_plugin_dirs;
	int64_t dns_bind_port;
	char *default_network; /* "podman" */
	char *default_subnet;  /* "10.88.0.0/16" */
	containers_conf_subnet_pool *default_subnet_pools;
	size_t n_default_subnet_pools;
	char *network_backend;	  /* "" = chosen by the network code */
	char *network_config_dir; /* "" = the backend's default */

	/* The files merged, in order (cpod info shows them). */
	strv files;
} containers_conf;

/* Where the loader looks; NULL members take the real locations.  Tests point these at
 * temporary directories. */
typedef struct {
	const char *usr_path;  /* /usr/share/containers/containers.conf */
	const char *etc_path;  /* /etc/containers/containers.conf; drop-ins in etc_path + ".d" */
	const char *user_path; /* $XDG_CONFIG_HOME/containers/containers.conf, else
				  $HOME/.config/containers/containers.conf; + ".d" */
	int rootless;	       /* < 0: geteuid() != 0; 0: root; > 0: rootless */
} containers_conf_opts;

/* Returns podman's built-in defaults (host probes for cgroup_manager, cgroupns, events_logger,
 * default_ulimits). */
containers_conf *containers_conf_new_defaults(bool rootless);
/* Loads the defaults and every file in the order above; opts may be NULL.  *ret on success. */
int containers_conf_load(const containers_conf_opts *opts, containers_conf **ret, cpod_error **err);
/* Merges one more file over c (appending it to c->files).  A missing file is
 * CPOD_ERR_NOT_FOUND.  On error c may hold part of the file's keys. */
int containers_conf_merge_file(containers_conf *c, const char *path, cpod_error **err);
/* Merges TOML text (name is used in messages and recorded in c->files). */
int containers_conf_merge_text(containers_conf *c, const char *text, size_t len, const char *name,
			       cpod_error **err);
void containers_conf_free(containers_conf *c);
static inline void containers_conf_freep(containers_conf **c)
{
	if (*c)
		containers_conf_free(*c);
}
#define _cleanup_containers_conf_ __attribute__((cleanup(containers_conf_freep)))

/* The candidate paths of runtime name in [engine.runtimes], or NULL when it has none.
 * Borrowed from c. */
const char *const *containers_conf_runtime_paths(const containers_conf *c, const char *name);

/* Finds the OCI runtime binary to use.  want is --runtime (a name or a path) or NULL for
 * engine.runtime.  A path (containing '/') is taken as is.  A name is looked up in its
 * [engine.runtimes] candidates, then in $PATH.  No name at all means podman's auto-detection:
 * the first of crun, runc, runj, kata, runsc that is found.  Sets *ret_name (the runtime name,
 * or the basename of a path) and *ret_path (caller frees both); CPOD_ERR_NOT_FOUND when
 * nothing is installed. */
int containers_conf_find_runtime(const containers_conf *c, const char *want, char **ret_name,
				 char **ret_path, cpod_error **err);
/* Finds conmon: the first executable of engine.conmon_path, then "conmon" in $PATH.  Sets
 * *ret_path (caller frees); CPOD_ERR_NOT_FOUND naming the candidates. */
int containers_conf_find_conmon(const containers_conf *c, char **ret_path, cpod_error **err);

#endif
