/* `create` and `run` options, and their conversion into a container description (podman's
 * SpecGenerator JSON, the keys listed in include/cpod/container.h).
 *
 * The options are podman 4.3's, with podman's types, so that parsing errors read the same.
 * The ones cpod cannot honour yet (ports and networks, pods, health checks, secrets, user
 * namespaces ...) are parsed and refused by cli_specgen_build() with "option --X is not
 * supported yet" (CPOD_ERR_INVALID).  Defaults that podman takes from containers.conf (env,
 * shm size, ulimits, stop timeout, init path ...) are left out of the description, where the
 * library applies them.
 *
 * This file is part of the CLI's pure helpers (no libcpod calls), so that the conversion can
 * be unit-tested.
 */
#ifndef CPOD_CLI_SPECGEN_H
#define CPOD_CLI_SPECGEN_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/strv.h"
#include "opts.h"

struct json_object;

/* Every create/run option; strings borrow from argv. */
struct cli_create_opts {
	/* strings */
	const char *arch, *authfile, *blkio_weight, *cgroupns, *cgroup_parent, *cgroups;
	const char *cidfile, *conmon_pidfile, *cpus, *cpuset_cpus, *cpuset_mems, *creds;
	const char *entrypoint, *health_cmd, *health_interval, *health_on_failure;
	const char *health_start_period, *health_timeout, *hostname, *image_volume;
	const char *init_ctr, *init_path, *ip, *ip6, *ipc, *kernel_memory, *log_driver;
	const char *mac_address, *memory, *memory_reservation, *memory_swap, *name, *os;
	const char *passwd_entry, *personality, *pid, *pidfile, *platform, *pod, *pod_id_file;
	const char *pull, *restart, *sdnotify, *seccomp_policy, *shm_size, *signature_policy;
	const char *stop_signal, *subgidname, *subuidname, *systemd, *tz, *umask, *user;
	const char *userns, *uts, *variant, *workdir;
	/* booleans */
	bool disable_content_trust, env_host, http_proxy, init, interactive, no_healthcheck;
	bool no_hosts, oom_kill_disable, privileged, publish_all, quiet, read_only;
	bool read_only_tmpfs, replace, rm, rootfs, tls_verify, tty, unsetenv_all;
	/* numbers */
	long long cpu_quota, cpu_rt_runtime, memory_swappiness, oom_score_adj, pids_limit;
	unsigned long long cpu_period, cpu_rt_period, cpu_shares, health_retries;
	unsigned long long stop_timeout, timeout;
	/* lists: pflag stringSlice (comma-separated) */
	strv add_host, annotation, attach, blkio_weight_device, cap_add, cap_drop;
	strv cgroup_conf, chrootdirs, device, device_cgroup_rule, device_read_bps;
	strv device_read_iops, device_write_bps, device_write_iops, dns, dns_option;
	strv dns_search, env_file, expose, gidmap, group_add, hostuser, label_file, log_opt;
	strv network_alias, publish, requires, sysctl, uidmap, ulimit;
	/* lists: pflag stringArray (one value each) */
	strv env, env_merge, label, mount, network, secret, security_opt, tmpfs, unsetenv;
	strv volume, volumes_from;
	/* run only */
	const char *detach_keys, *gpus;
	bool detach, passwd, rmi, sig_proxy;
	unsigned long long preserve_fds;
};

/* The options tables of `create` and `run` (run adds -d, --detach-keys, --sig-proxy, --rmi,
 * --preserve-fds, --passwd, --gpus); both fill struct cli_create_opts. */
extern const cli_option cmd_container_create_options[];
extern const cli_option cmd_container_run_options[];

/* Builds the container description from the parsed options.  set is the optset the options
 * were parsed with (to tell given options from defaults); argv[0] is the image (or with
 * --rootfs the root file system path) and argv[1..] the command.  create_command (may be NULL)
 * becomes containerCreateCommand.  Host files (--env-file, --label-file) and the host
 * environment (-e KEY, --env-file KEY, PODMAN_SYSTEMD_UNIT) are read here.  *ret is a new
 * object on success; errors are CPOD_ERR_INVALID worded as podman's. */
int cli_specgen_build(const struct cli_create_opts *o, const cli_optset *set, int argc,
		      char *const *argv, const char *const *create_command,
		      struct json_object **ret, cpod_error **err);

/* podman's pull policies. */
typedef enum {
	CLI_PULL_MISSING,
	CLI_PULL_ALWAYS,
	CLI_PULL_NEVER,
	CLI_PULL_NEWER,
} cli_pull_policy;

/* containers/common's ParsePullPolicy ("always", "missing", "never", "newer" and their
 * aliases; "" is missing).  Error: unsupported pull policy "x". */
int cli_parse_pull_policy(const char *s, cli_pull_policy *ret, cpod_error **err);

/* --platform OS/ARCH[/VARIANT] with --os/--arch/--variant: *copy (caller frees) holds the
 * parts the returned pointers may point into; each of ret_os/arch/variant may be NULL. */
int cli_split_platform(const char *platform, const char *os, const char *arch, const char *variant,
		       char **copy, const char **ret_os, const char **ret_arch,
		       const char **ret_variant, cpod_error **err);

/* A signal by name ("TERM", "SIGTERM", "sigkill", "RTMIN+3") or number, with an optional
 * leading '-', as podman parses --stop-signal and kill --signal: 1..64 only. */
int cli_parse_signal(const char *s, int *ret, cpod_error **err);

/* Reads the first line of a --cidfile: *ret (caller frees).  Error "reading CIDFile: ...". */
int cli_read_cidfile(const char *path, char **ret, cpod_error **err);

/* Sets *ret to a new "key=value" with the message "option --KEY is not supported yet". */
int cli_not_supported(cpod_error **err, const char *option);

#endif
