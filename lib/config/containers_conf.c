#include "config/containers_conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <dirent.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "config/confutil.h"
#include "config/toml.h"
#include "common/banned.h"

#define USR_CONTAINERS_CONF "/usr/share/containers/containers.conf"
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ETC_CONTAINERS_CONF "/etc/containers/containers.conf"
#define CGROUP2_MAGIC 0x63677270
/* containers/common keeps at least one pipe buffer of log (OCIBufSize). */
#define LOG_SIZE_MAX_MIN 8192

/* ---- host probes for the defaults that podman computes ---- */

static bool host_cgroup2(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/cgroup", &sfs) == 0 && (unsigned long)sfs.f_type == CGROUP2_MAGIC;
}

static bool host_systemd(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/1/comm", "re");
	char comm[64] = "";

	if (!f || !fgets(comm, sizeof(comm), f))
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return str_eq(comm, "systemd");
}

/* podman logs events to the journal when PID 1 is systemd and a journal directory exists. */
static bool host_journald(void)
{
	static const char *const roots[] = { "/run/log/journal", "/var/log/journal" };

	if (!host_systemd())
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		_cleanup_closedir_ DIR *d = opendir(roots[i]);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", roots[i], de->d_name);
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && access(p, R_OK | X_OK) == 0)
				return true;
		}
	}
	return false;
}

/* podman raises RLIMIT_NPROC to kernel.pid_max (falling back to 2^20) and passes that on to
 * containers.  We do not change our own limits: we compute what podman would manage to set. */
static void default_ulimits(strv *out)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned long long want = 1048576, fallback = 1048576, pid_max;
	struct rlimit rl;

	if (f && fscanf(f, "%llu", &pid_max) == 1)
		want = pid_max;
	if (getrlimit(RLIMIT_NPROC, &rl) < 0)
		return;
	if (geteuid() == 0 || rl.rlim_max == RLIM_INFINITY || want <= rl.rlim_max)
		strv_pushf(out, "nproc=%llu:%llu", want, want);
	else if (fallback <= rl.rlim_max)
		strv_pushf(out, "nproc=%llu:%llu", fallback, fallback);
}

/* ---- defaults ---- */

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static void set_strv(strv *dst, const char *const *v)
{
	strv_clear(dst);
	strv_pushv(dst, v);
}

static void add_runtime(containers_conf *c, const char *name, const char *const *paths)
{
	containers_conf_runtime *r;

	c->runtimes = xreallocarray(c->runtimes, c->n_runtimes + 1, sizeof(*c->runtimes));
	r = &c->runtimes[c->n_runtimes++];
	r->name = xstrdup(name);
	strv_init(&r->paths);
	strv_pushv(&r->paths, paths);
}

static void default_runtimes(containers_conf *c)
{
	static const char *const crun[] = { "/usr/bin/crun",
					    "/usr/sbin/crun",
					    "/usr/local/bin/crun",
					    "/usr/local/sbin/crun",
					    "/sbin/crun",
					    "/bin/crun",
					    "/run/current-system/sw/bin/crun",
					    NULL };
	static const char *const runc[] = { "/usr/bin/runc",
					    "/usr/sbin/runc",
					    "/usr/local/bin/runc",
					    "/usr/local/sbin/runc",
					    "/sbin/runc",
					    "/bin/runc",
					    "/usr/lib/cri-o-runc/sbin/runc",
					    "/run/current-system/sw/bin/runc",
					    NULL };
	static const char *const runj[] = { "/usr/local/bin/runj", NULL };
	static const char *const kata[] = { "/usr/bin/kata-runtime",
					    "/usr/sbin/kata-runtime",
					    "/usr/local/bin/kata-runtime",
					    "/usr/local/sbin/kata-runtime",
					    "/sbin/kata-runtime",
					    "/bin/kata-runtime",
					    "/usr/bin/kata-qemu",
					    "/usr/bin/kata-fc",
					    NULL };
	static const char *const runsc[] = { "/usr/bin/runsc",
					     "/usr/sbin/runsc",
					     "/usr/local/bin/runsc",
					     "/usr/local/sbin/runsc",
					     "/bin/runsc",
					     "/sbin/runsc",
					     "/run/current-system/sw/bin/runsc",
					     NULL };
	static const char *const krun[] = { "/usr/bin/krun", "/usr/local/bin/krun", NULL };

	add_runtime(c, "crun", crun);
	add_runtime(c, "runc", runc);
	add_runtime(c, "runj", runj);
	add_runtime(c, "kata", kata);
	add_runtime(c, "runsc", runsc);
	add_runtime(c, "krun", krun);
}

static void defaults_containers(containers_conf *c)
{
	/* podman's 11, as shipped in containers.conf (the Go fallback list is longer). */
	static const char *const caps[] = {
		"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	 "CAP_FSETID",
		"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	 "CAP_SETGID",
		"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT", NULL
	};
	static const char *const env[] = { DEFAULT_PATH, "TERM=xterm", NULL };

	set_str(&c->apparmor_profile, "containers-default-0.50.1");
	set_str(&c->cgroupns, host_cgroup2() ? "private" : "host");
	set_str(&c->cgroups, "enabled");
	set_strv(&c->default_capabilities, caps);
	default_ulimits(&c->default_ulimits);
	c->keyring = true;
	c->label = access("/sys/fs/selinux/enforce", F_OK) == 0;
	set_strv(&c->env, env);
	c->http_proxy = true;
	set_str(&c->ipcns, "shareable");
	set_str(&c->log_driver, "k8s-file");
	c->log_size_max = -1;
	set_str(&c->netns, "private");
	c->pids_limit = 2048;
	set_str(&c->pidns, "private");
	set_str(&c->shm_size, "65536k");
	set_str(&c->umask, "0022");
	c->userns_size = 65536;
	set_str(&c->utsns, "private");
}

static void defaults_engine(containers_conf *c, bool rootless)
{
	static const char *const conmon[] = { "/usr/libexec/podman/conmon",
					      "/usr/local/libexec/podman/conmon",
					      "/usr/local/lib/podman/conmon",
					      "/usr/bin/conmon",
					      "/usr/sbin/conmon",
					      "/usr/local/bin/conmon",
					      "/usr/local/sbin/conmon",
					      "/run/current-system/sw/bin/conmon",
					      NULL };
	static const char *const conmonrs[] = { "/usr/libexec/podman/conmonrs",
						"/usr/local/libexec/podman/conmonrs",
						"/usr/local/lib/podman/conmonrs",
						"/usr/bin/conmonrs",
						"/usr/sbin/conmonrs",
						"/usr/local/bin/conmonrs",
						"/usr/local/sbin/conmonrs",
						"/run/current-system/sw/bin/conmonrs",
						NULL };
	static const char *const conmon_env[] = { DEFAULT_PATH, NULL };
	static const char *const helpers[] = { "/usr/local/libexec/podman", "/usr/local/lib/podman",
					       "/usr/libexec/podman", "/usr/lib/podman", NULL };
	static const char *const hooks[] = { "/usr/share/containers/oci/hooks.d", NULL };
	static const char *const json[] = { "crun", "runc", "kata", "runsc", "krun", NULL };
	static const char *const nocgroup[] = { "crun", "krun", NULL };
	static const char *const kvm[] = { "kata",    "kata-runtime", "kata-qemu",
					   "kata-fc", "krun",	      NULL };
	const char *tmp = getenv("TMPDIR");
	bool systemd = host_systemd();

	/* cgroupfs for a rootless user on cgroup v1: there is no delegation to use. */
	set_str(&c->cgroup_manager,
		systemd && !(rootless && !host_cgroup2()) ? "systemd" : "cgroupfs");
	c->chown_copied_files = true;
	c->compat_api_enforce_docker_hub = true;
	set_strv(&c->conmon_env_vars, conmon_env);
	set_strv(&c->conmon_path, conmon);
	set_strv(&c->conmonrs_path, conmonrs);
	set_str(&c->detach_keys, "ctrl-p,ctrl-q");
	c->enable_port_reservation = true;
	c->events_logfile_max_size = 1000000;
	set_str(&c->events_logger, host_journald() ? "journald" : "file");
	set_strv(&c->helper_binaries_dir, helpers);
	set_strv(&c->hooks_dir, hooks);
	set_str(&c->image_build_format, "oci");
	set_str(&c->image_copy_tmp_dir, tmp ? tmp : "/var/tmp");
	set_str(&c->image_default_transport, "docker://");
	set_str(&c->image_volume_mode, "bind");
	set_str(&c->engine_init_path, "/usr/libexec/podman/catatonit");
	set_str(&c->lock_type, "shm");
	c->num_locks = 2048;
	set_str(&c->pod_exit_policy, "continue");
	set_str(&c->pull_policy, "missing");
	default_runtimes(c);
	set_strv(&c->runtime_supports_json, json);
	set_strv(&c->runtime_supports_kvm, kvm);
	set_strv(&c->runtime_supports_nocgroup, nocgroup);
	c->service_timeout = 5;
	c->stop_timeout = 10;
	c->exit_command_delay = 300;
	c->volume_plugin_timeout = 5;
}

static void defaults_network(containers_conf *c)
{
	static const char *const cni[] = { "/usr/local/libexec/cni", "/usr/libexec/cni",
					   "/usr/local/lib/cni",     "/usr/lib/cni",
					   "/opt/cni/bin",	     NULL };
	static const char *const pools[] = { "10.89.0.0/16", "10.90.0.0/15", "10.92.0.0/14",
					     "10.96.0.0/11", "10.128.0.0/9" };

	set_strv(&c->cni_plugin_dirs, cni);
	set_str(&c->default_network, "podman");
	set_str(&c->default_subnet, "10.88.0.0/16");
	c->default_subnet_pools = xcalloc(ARRAY_SIZE(pools), sizeof(*c->default_subnet_pools));
	c->n_default_subnet_pools = ARRAY_SIZE(pools);
	for (size_t i = 0; i < ARRAY_SIZE(pools); i++) {
		c->default_subnet_pools[i].base = xstrdup(pools[i]);
		c->default_subnet_pools[i].size = 24;
	}
}

/* Every char * member starts as "" so that no string is ever NULL. */
static const size_t string_members[] = {
	offsetof(containers_conf, apparmor_profile),
	offsetof(containers_conf, base_hosts_file),
	offsetof(containers_conf, cgroupns),
	offsetof(containers_conf, cgroups),
	offsetof(containers_conf, host_containers_internal_ip),
	offsetof(containers_conf, init_path),
	offsetof(containers_conf, ipcns),
	offsetof(containers_conf, log_driver),
	offsetof(containers_conf, log_tag),
	offsetof(containers_conf, netns),
	offsetof(containers_conf, pidns),
	offsetof(containers_conf, seccomp_profile),
	offsetof(containers_conf, shm_size),
	offsetof(containers_conf, tz),
	offsetof(containers_conf, umask),
	offsetof(containers_conf, userns),
	offsetof(containers_conf, utsns),
	offsetof(containers_conf, active_service),
	offsetof(containers_conf, cgroup_manager),
	offsetof(containers_conf, compression_format),
	offsetof(containers_conf, detach_keys),
	offsetof(containers_conf, events_logfile_path),
	offsetof(containers_conf, events_logger),
	offsetof(containers_conf, image_build_format),
	offsetof(containers_conf, image_copy_tmp_dir),
	offsetof(containers_conf, image_default_format),
	offsetof(containers_conf, image_default_transport),
	offsetof(containers_conf, image_volume_mode),
	offsetof(containers_conf, infra_command),
	offsetof(containers_conf, infra_image),
	offsetof(containers_conf, engine_init_path),
	offsetof(containers_conf, lock_type),
	offsetof(containers_conf, namespace),
	offsetof(containers_conf, network_cmd_path),
	offsetof(containers_conf, pod_exit_policy),
	offsetof(containers_conf, pull_policy),
	offsetof(containers_conf, remote_identity),
	offsetof(containers_conf, remote_uri),
	offsetof(containers_conf, runtime),
	offsetof(containers_conf, ssh_config),
	offsetof(containers_conf, static_dir),
	offsetof(containers_conf, tmp_dir),
	offsetof(containers_conf, volume_path),
	offsetof(containers_conf, default_network),
	offsetof(containers_conf, default_subnet),
	offsetof(containers_conf, network_backend),
	offsetof(containers_conf, network_config_dir),
};

static const size_t strv_members[] = {
	offsetof(containers_conf, annotations),
	offsetof(containers_conf, default_capabilities),
	offsetof(containers_conf, default_sysctls),
	offsetof(containers_conf, default_ulimits),
	offsetof(containers_conf, devices),
	offsetof(containers_conf, dns_servers),
	offsetof(containers_conf, dns_options),
	offsetof(containers_conf, dns_searches),
	offsetof(containers_conf, env),
	offsetof(containers_conf, volumes),
	offsetof(containers_conf, conmon_env_vars),
	offsetof(containers_conf, conmon_path),
	offsetof(containers_conf, conmonrs_path),
	offsetof(containers_conf, engine_env),
	offsetof(containers_conf, helper_binaries_dir),
	offsetof(containers_conf, hooks_dir),
	offsetof(containers_conf, network_cmd_options),
	offsetof(containers_conf, runtime_supports_json),
	offsetof(containers_conf, runtime_supports_kvm),
	offsetof(containers_conf, runtime_supports_nocgroup),
	offsetof(containers_conf, cni_plugin_dirs),
	offsetof(containers_conf, files),
};

#define MEMBER(c, off, type) ((type *)((char *)(c) + (off)))

containers_conf *containers_conf_new_defaults(bool rootless)
{
	containers_conf *c = xcalloc(1, sizeof(*c));
	const char *ssh_home = conf_getenv("HOME");

	for (size_t i = 0; i < ARRAY_SIZE(string_members); i++)
		*MEMBER(c, string_members[i], char *) = xstrdup("");
	for (size_t i = 0; i < ARRAY_SIZE(strv_members); i++)
		strv_init(MEMBER(c, strv_members[i], strv));
	defaults_containers(c);
	defaults_engine(c, rootless);
	defaults_network(c);
	if (conf_getenv("CONTAINERS_SSH_CONF")) {
		set_str(&c->ssh_config, conf_getenv("CONTAINERS_SSH_CONF"));
	} else if (ssh_home) {
		free(c->ssh_config);
		c->ssh_config = xasprintf("%s/.ssh/config", ssh_home);
	}
	return c;
}

void containers_conf_free(containers_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(string_members); i++)
		free(*MEMBER(c, string_members[i], char *));
	for (size_t i = 0; i < ARRAY_SIZE(strv_members); i++)
		strv_clear(MEMBER(c, strv_members[i], strv));
	for (size_t i = 0; i < c->n_runtimes; i++) {
		free(c->runtimes[i].name);
		strv_clear(&c->runtimes[i].paths);
	}
	free(c->runtimes);
	for (size_t i = 0; i < c->n_volume_plugins; i++) {
		free(c->volume_plugins[i].name);
		free(c->volume_plugins[i].value);
	}
	free(c->volume_plugins);
	for (size_t i = 0; i < c->n_service_destinations; i++) {
		free(c->service_destinations[i].name);
		free(c->service_destinations[i].uri);
		free(c->service_destinations[i].identity);
	}
	free(c->service_destinations);
	for (size_t i = 0; i < c->n_default_subnet_pools; i++)
		free(c->default_subnet_pools[i].base);
	free(c->default_subnet_pools);
	free(c);
}

/* ---- validation of single values, as containers/common's Validate() does after loading;
 * here it happens while decoding, so the message can name file, line and key ---- */

typedef const char *(*str_check)(const char *s);

static const char *check_umask(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 4 || strspn(s, "01234567") != n)
		return "not a valid umask";
	return NULL;
}

static const char *check_abs_path(const char *s)
{
	return *s && *s != '/' ? "must be an absolute path" : NULL;
}

static const char *check_size(const char *s)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	int64_t n;

	return units_from_human_size(s, &n, &e) < 0 ? "not a valid size" : NULL;
}

static const char *check_pull_policy(const char *s)
{
	static const char *const ok[] = { "",	   "always",  "missing", "ifnotpresent",
					  "newer", "ifnewer", "never",	 NULL };
	_cleanup_free_ char *low = xstrdup(s);

	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return strv_contains(ok, low) ? NULL : "unsupported pull policy";
}

static const char *check_image_volume_mode(const char *s)
{
	static const char *const ok[] = { "", "bind", "tmpfs", "ignore", NULL };

	return strv_contains(ok, s) ? NULL : "expected bind, tmpfs or ignore";
}

static const char *check_pod_exit_policy(const char *s)
{
	static const char *const ok[] = { "", "continue", "stop", NULL };

	return strv_contains(ok, s) ? NULL : "expected continue or stop";
}

static const char *check_tz(const char *s)
{
	static const char *const dirs[] = { "/usr/share/zoneinfo", "/etc/zoneinfo" };

	if (!*s || str_eq(s, "local"))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], s);

		if (access(p, F_OK) == 0)
			return NULL;
	}
	return "no such time zone in /usr/share/zoneinfo or /etc/zoneinfo";
}

/* docker/go-units ParseUlimit: "name=soft[:hard]". */
static const char *check_ulimit(const char *s)
{
	static const char *const names[] = { "core",   "cpu",	     "data",	 "fsize",
					     "locks",  "memlock",    "msgqueue", "nice",
					     "nofile", "nproc",	     "rss",	 "rtprio",
					     "rttime", "sigpending", "stack",	 NULL };
	const char *eq = strchr(s, '=');
	_cleanup_free_ char *name = NULL;
	long long soft, hard;
	char *end;

	if (!eq)
		return "expected name=soft[:hard]";
	name = xstrndup(s, (size_t)(eq - s));
	if (!strv_contains(names, name))
		return "unknown ulimit type";
	errno = 0;
	soft = strtoll(eq + 1, &end, 10);
	if (errno || end == eq + 1 || (*end && *end != ':'))
		return "expected name=soft[:hard]";
	hard = soft;
	if (*end == ':') {
		const char *h = end + 1;

		hard = strtoll(h, &end, 10);
		if (errno || end == h || *end)
			return "expected name=soft[:hard]";
	}
	if (hard != -1 && soft > hard)
		return "soft limit above hard limit";
	return NULL;
}

static bool device_mode_ok(const char *m)
{
	bool seen[3] = { false, false, false };

	if (!*m)
		return false;
	for (; *m; m++) {
		const char *p = strchr("rwm", *m);

		if (!p || seen[p - "rwm"])
			return false;
		seen[p - "rwm"] = true;
	}
	return true;
}

/* containers/common Device(): "/dev/src[:/dst][:rwm]". */
static const char *check_device(const char *s)
{
	_cleanup_strv_free_ char **parts = strv_split(s, ":", 0);
	size_t n = strv_length(parts);

	if (n < 1 || n > 3)
		return "expected /dev/SRC[:DST][:MODE]";
	if (!str_has_prefix(parts[0], "/dev/"))
		return "the source must be under /dev/";
	if (n >= 2 && !device_mode_ok(parts[1]) && parts[1][0] != '/')
		return "invalid device mode";
	if (n == 3 && !device_mode_ok(parts[2]))
		return "invalid device mode";
	return NULL;
}

static const char *check_log_size_max(int64_t n)
{
	return n >= 0 && n < LOG_SIZE_MAX_MIN ? "must be negative or at least 8192" : NULL;
}

/* ---- the table of keys ---- */

typedef enum {
	F_STR,
	F_STRV,
	F_BOOL,
	F_INT,
	F_SIZE,	    /* integer, or a size string such as "1m" */
	F_RUNTIMES, /* [engine.runtimes] */
	F_PLUGINS,  /* [engine.volume_plugins] */
	F_DESTS,    /* [engine.service_destinations] */
	F_POOLS,    /* [network] default_subnet_pools */
} field_type;

typedef struct {
	const char *section;
	const char *key;
	field_type type;
	size_t off;
	int64_t min, max;
	str_check check;
	const char *(*int_check)(int64_t n);
} field;

#define OFF(m) offsetof(containers_conf, m)
#define FS(sec, k, m, chk)                             \
	{                                              \
		sec, k, F_STR, OFF(m), 0, 0, chk, NULL \
	}
#define FV(sec, k, m, chk)                              \
	{                                               \
		sec, k, F_STRV, OFF(m), 0, 0, chk, NULL \
	}
#define FB(sec, k, m)                                    \
	{                                                \
		sec, k, F_BOOL, OFF(m), 0, 0, NULL, NULL \
	}
#define FI(sec, k, m, lo, hi)                             \
	{                                                 \
		sec, k, F_INT, OFF(m), lo, hi, NULL, NULL \
	}
#define FU(sec, k, m) FI(sec, k, m, 0, INT64_MAX)
#define FX(sec, k, type)                          \
	{                                         \
		sec, k, type, 0, 0, 0, NULL, NULL \
	}

static const field fields[] = {
	FS("containers", "apparmor_profile", apparmor_profile, NULL),
	FV("containers", "annotations", annotations, NULL),
	FS("containers", "base_hosts_file", base_hosts_file, NULL),
	FS("containers", "cgroupns", cgroupns, NULL),
	FS("containers", "cgroups", cgroups, NULL),
	FV("containers", "default_capabilities", default_capabilities, NULL),
	FV("containers", "default_sysctls", default_sysctls, NULL),
	FV("containers", "default_ulimits", default_ulimits, check_ulimit),
	FV("containers", "devices", devices, check_device),
	FV("containers", "dns_servers", dns_servers, NULL),
	FV("containers", "dns_options", dns_options, NULL),
	FV("containers", "dns_searches", dns_searches, NULL),
	FB("containers", "keyring", keyring),
	FB("containers", "label", label),
	FV("containers", "env", env, NULL),
	FB("containers", "env_host", env_host),
	FS("containers", "host_containers_internal_ip", host_containers_internal_ip, NULL),
	FB("containers", "http_proxy", http_proxy),
	FB("containers", "init", init),
	FS("containers", "init_path", init_path, NULL),
	FS("containers", "ipcns", ipcns, NULL),
	FS("containers", "log_driver", log_driver, NULL),
	{ "containers", "log_size_max", F_INT, OFF(log_size_max), INT64_MIN, INT64_MAX, NULL,
	  check_log_size_max },
	FS("containers", "log_tag", log_tag, NULL),
	FS("containers", "netns", netns, NULL),
	FB("containers", "no_hosts", no_hosts),
	FI("containers", "pids_limit", pids_limit, INT64_MIN, INT64_MAX),
	FS("containers", "pidns", pidns, NULL),
	FB("containers", "prepare_volume_on_create", prepare_volume_on_create),
	FS("containers", "seccomp_profile", seccomp_profile, NULL),
	FS("containers", "shm_size", shm_size, check_size),
	FS("containers", "tz", tz, check_tz),
	FS("containers", "umask", umask, check_umask),
	FS("containers", "userns", userns, NULL),
	FI("containers", "userns_size", userns_size, INT64_MIN, INT64_MAX),
	FS("containers", "utsns", utsns, NULL),
	FV("containers", "volumes", volumes, NULL),

	FS("engine", "active_service", active_service, NULL),
	FB("engine", "cgroup_check", cgroup_check),
	FS("engine", "cgroup_manager", cgroup_manager, NULL),
	FB("engine", "chown_copied_files", chown_copied_files),
	FB("engine", "compat_api_enforce_docker_hub", compat_api_enforce_docker_hub),
	FS("engine", "compression_format", compression_format, NULL),
	FV("engine", "conmon_env_vars", conmon_env_vars, NULL),
	FV("engine", "conmon_path", conmon_path, NULL),
	FV("engine", "conmonrs_path", conmonrs_path, NULL),
	FS("engine", "detach_keys", detach_keys, NULL),
	FB("engine", "enable_port_reservation", enable_port_reservation),
	FV("engine", "env", engine_env, NULL),
	FS("engine", "events_logfile_path", events_logfile_path, NULL),
	{ "engine", "events_logfile_max_size", F_SIZE, OFF(events_logfile_max_size), 0, INT64_MAX,
	  NULL, NULL },
	FS("engine", "events_logger", events_logger, NULL),
	FV("engine", "helper_binaries_dir", helper_binaries_dir, NULL),
	FV("engine", "hooks_dir", hooks_dir, NULL),
	FS("engine", "image_build_format", image_build_format, NULL),
	FS("engine", "image_copy_tmp_dir", image_copy_tmp_dir, NULL),
	FS("engine", "image_default_format", image_default_format, NULL),
	FS("engine", "image_default_transport", image_default_transport, NULL),
	FU("engine", "image_parallel_copies", image_parallel_copies),
	FS("engine", "image_volume_mode", image_volume_mode, check_image_volume_mode),
	FS("engine", "infra_command", infra_command, NULL),
	FS("engine", "infra_image", infra_image, NULL),
	FS("engine", "init_path", engine_init_path, NULL),
	FS("engine", "lock_type", lock_type, NULL),
	FB("engine", "machine_enabled", machine_enabled),
	FB("engine", "multi_image_archive", multi_image_archive),
	FS("engine", "namespace", namespace, NULL),
	FV("engine", "network_cmd_options", network_cmd_options, NULL),
	FS("engine", "network_cmd_path", network_cmd_path, NULL),
	FB("engine", "no_pivot_root", no_pivot_root),
	FI("engine", "num_locks", num_locks, 0, UINT32_MAX),
	FS("engine", "pod_exit_policy", pod_exit_policy, check_pod_exit_policy),
	FS("engine", "pull_policy", pull_policy, check_pull_policy),
	FB("engine", "remote", remote),
	FS("engine", "remote_identity", remote_identity, NULL),
	FS("engine", "remote_uri", remote_uri, NULL),
	FS("engine", "runtime", runtime, NULL),
	FX("engine", "runtimes", F_RUNTIMES),
	FV("engine", "runtime_supports_json", runtime_supports_json, NULL),
	FV("engine", "runtime_supports_kvm", runtime_supports_kvm, NULL),
	FV("engine", "runtime_supports_nocgroup", runtime_supports_nocgroup, NULL),
	FX("engine", "service_destinations", F_DESTS),
	FU("engine", "service_timeout", service_timeout),
	FS("engine", "ssh_config", ssh_config, NULL),
	FS("engine", "static_dir", static_dir, check_abs_path),
	FU("engine", "stop_timeout", stop_timeout),
	FU("engine", "exit_command_delay", exit_command_delay),
	FS("engine", "tmp_dir", tmp_dir, check_abs_path),
	FS("engine", "volume_path", volume_path, check_abs_path),
	FX("engine", "volume_plugins", F_PLUGINS),
	FU("engine", "volume_plugin_timeout", volume_plugin_timeout),

	FV("network", "cni_plugin_dirs", cni_plugin_dirs, NULL),
	FI("network", "dns_bind_port", dns_bind_port, 0, 65535),
	FS("network", "default_network", default_network, NULL),
	FS("network", "default_subnet", default_subnet, NULL),
	FX("network", "default_subnet_pools", F_POOLS),
	FS("network", "network_backend", network_backend, NULL),
	FS("network", "network_config_dir", network_config_dir, NULL),
};

static const field *find_field(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (str_eq(fields[i].section, section) && str_eq(fields[i].key, key))
			return &fields[i];
	return NULL;
}

/* ---- decoding ---- */

static int check_string(const field *f, const char *file, const char *key, const toml_value *v,
			cpod_error **err)
{
	const char *why;

	if (toml_type_of(v) != TOML_STRING)
		return conf_type_error(file, key, v, "string", err);
	why = f->check ? f->check(toml_string(v)) : NULL;
	if (why)
		return conf_error_at(file, key, v, err, "invalid value '%s': %s", toml_string(v),
				     why);
	return 0;
}

static int decode_strv(const field *f, strv *dst, const char *file, const char *key,
		       const toml_value *v, cpod_error **err)
{
	size_t n = toml_array_len(v);

	if (toml_type_of(v) != TOML_ARRAY)
		return conf_type_error(file, key, v, "array", err);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ekey = xasprintf("%s[%zu]", key, i);

		if (check_string(f, file, ekey, toml_array_at(v, i), err) < 0)
			return -1;
	}
	return conf_get_strv(file, key, v, dst, err);
}

static int decode_size(const char *file, const char *key, const toml_value *v, int64_t *dst,
		       cpod_error **err)
{
	int64_t n;

	if (toml_type_of(v) == TOML_INTEGER)
		return conf_get_int(file, key, v, 0, INT64_MAX, dst, err);
	if (toml_type_of(v) != TOML_STRING)
		return conf_type_error(file, key, v, "integer or size string", err);
	if (!*toml_string(v))
		return 0;
	if (units_from_human_size(toml_string(v), &n, NULL) < 0)
		return conf_error_at(file, key, v, err, "invalid value '%s': not a valid size",
				     toml_string(v));
	*dst = n;
	return 0;
}

static int decode_runtimes(containers_conf *c, const char *file, const char *key,
			   const toml_value *v, cpod_error **err)
{
	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *name = toml_table_key(v, i);
		_cleanup_free_ char *rkey = xasprintf("%s.%s", key, name);
		_cleanup_strv_ strv paths = STRV_INIT;
		size_t j;

		if (conf_get_strv(file, rkey, toml_table_value(v, i), &paths, err) < 0)
			return -1;
		for (j = 0; j < c->n_runtimes && !str_eq(c->runtimes[j].name, name); j++)
			;
		if (j == c->n_runtimes)
			add_runtime(c, name, NULL);
		strv_clear(&c->runtimes[j].paths);
		c->runtimes[j].paths = paths;
		strv_init(&paths);
	}
	return 0;
}

static int decode_plugins(containers_conf *c, const char *file, const char *key,
			  const toml_value *v, cpod_error **err)
{
	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *name = toml_table_key(v, i);
		_cleanup_free_ char *pkey = xasprintf("%s.%s", key, name);
		_cleanup_free_ char *value = NULL;
		size_t j;

		if (conf_get_string(file, pkey, toml_table_value(v, i), &value, err) < 0)
			return -1;
		for (j = 0; j < c->n_volume_plugins && !str_eq(c->volume_plugins[j].name, name);
		     j++)
			;
		if (j == c->n_volume_plugins) {
			c->volume_plugins =
				xreallocarray(c->volume_plugins, j + 1, sizeof(*c->volume_plugins));
			c->volume_plugins[j].name = xstrdup(name);
			c->volume_plugins[j].value = NULL;
			c->n_volume_plugins++;
		}
		free(c->volume_plugins[j].value);
		c->volume_plugins[j].value = TAKE_PTR(value);
	}
	return 0;
}

static int decode_destination(containers_conf_destination *d, const char *file, const char *key,
			      const toml_value *v, cpod_error **err)
{
	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *k = toml_table_key(v, i);
		const toml_value *e = toml_table_value(v, i);
		_cleanup_free_ char *ekey = xasprintf("%s.%s", key, k);
		int r = 0;

		if (str_eq(k, "uri"))
			r = conf_get_string(file, ekey, e, &d->uri, err);
		else if (str_eq(k, "identity"))
			r = conf_get_string(file, ekey, e, &d->identity, err);
		else if (str_eq(k, "is_machine"))
			r = conf_get_bool(file, ekey, e, &d->is_machine, err);
		if (r < 0)
			return -1;
	}
	return 0;
}

static void destination_clear(containers_conf_destination *d)
{
	free(d->name);
	free(d->uri);
	free(d->identity);
}

static int decode_destinations(containers_conf *c, const char *file, const char *key,
			       const toml_value *v, cpod_error **err)
{
	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *name = toml_table_key(v, i);
		_cleanup_free_ char *dkey = xasprintf("%s.%s", key, name);
		containers_conf_destination d = { xstrdup(name), xstrdup(""), xstrdup(""), false };
		size_t j;

		if (decode_destination(&d, file, dkey, toml_table_value(v, i), err) < 0) {
			destination_clear(&d);
			return -1;
		}
		/* A destination is replaced whole, as Go's decoder fills a fresh map value. */
		for (j = 0; j < c->n_service_destinations &&
			    !str_eq(c->service_destinations[j].name, name);
		     j++)
			;
		if (j == c->n_service_destinations) {
			c->service_destinations = xreallocarray(c->service_destinations, j + 1,
								sizeof(*c->service_destinations));
			c->n_service_destinations++;
		} else {
			destination_clear(&c->service_destinations[j]);
		}
		c->service_destinations[j] = d;
	}
	return 0;
}

/* The prefix length of an IPv4 CIDR "a.b.c.d/n", or -1. */
static int ipv4_cidr_prefix(const char *s)
{
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *ip = NULL;
	struct in_addr addr;
	char *end;
	long n;

	if (!slash)
		return -1;
	ip = xstrndup(s, (size_t)(slash - s));
	if (inet_pton(AF_INET, ip, &addr) != 1)
		return -1;
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || n < 0 || n > 32)
		return -1;
	return (int)n;
}

static void pools_free(containers_conf_subnet_pool *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].base);
	free(p);
}

static int decode_pool(containers_conf_subnet_pool *p, const char *file, const char *key,
		       const toml_value *v, cpod_error **err)
{
	const toml_value *base = toml_get(v, "base"), *size = toml_get(v, "size");
	_cleanup_free_ char *bkey = xasprintf("%s.base", key);
	_cleanup_free_ char *skey = xasprintf("%s.size", key);
	int prefix;

	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	if (!base)
		return conf_error_at(file, key, v, err, "missing 'base'");
	if (conf_get_string(file, bkey, base, &p->base, err) < 0)
		return -1;
	prefix = ipv4_cidr_prefix(p->base);
	if (prefix < 0)
		return conf_error_at(file, bkey, base, err,
				     "invalid value '%s': expected an IPv4 subnet", p->base);
	if (size && conf_get_int(file, skey, size, 0, 32, &p->size, err) < 0)
		return -1;
	if (prefix > p->size)
		return conf_error_at(file, key, v, err,
				     "size %" PRId64 " is smaller than the subnet '%s'", p->size,
				     p->base);
	return 0;
}

static int decode_pools(containers_conf *c, const char *file, const char *key, const toml_value *v,
			cpod_error **err)
{
	containers_conf_subnet_pool *pools;
	size_t n = toml_array_len(v);

	if (toml_type_of(v) != TOML_ARRAY)
		return conf_type_error(file, key, v, "array", err);
	pools = xcalloc(n ? n : 1, sizeof(*pools));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pkey = xasprintf("%s[%zu]", key, i);

		if (decode_pool(&pools[i], file, pkey, toml_array_at(v, i), err) < 0) {
			pools_free(pools, n);
			return -1;
		}
	}
	pools_free(c->default_subnet_pools, c->n_default_subnet_pools);
	c->default_subnet_pools = pools;
	c->n_default_subnet_pools = n;
	return 0;
}

static int decode_field(containers_conf *c, const field *f, const char *file, const char *key,
			const toml_value *v, cpod_error **err)
{
	int64_t n;
	bool b;

	switch (f->type) {
	case F_STR:
		if (check_string(f, file, key, v, err) < 0)
			return -1;
		set_str(MEMBER(c, f->off, char *), toml_string(v));
		return 0;
	case F_STRV:
		return decode_strv(f, MEMBER(c, f->off, strv), file, key, v, err);
	case F_BOOL:
		if (conf_get_bool(file, key, v, &b, err) < 0)
			return -1;
		*MEMBER(c, f->off, bool) = b;
		return 0;
	case F_INT:
		if (conf_get_int(file, key, v, f->min, f->max, &n, err) < 0)
			return -1;
		if (f->int_check && f->int_check(n))
			return conf_error_at(file, key, v, err, "invalid value %" PRId64 ": %s", n,
					     f->int_check(n));
		*MEMBER(c, f->off, int64_t) = n;
		return 0;
	case F_SIZE:
		return decode_size(file, key, v, MEMBER(c, f->off, int64_t), err);
	case F_RUNTIMES:
		return decode_runtimes(c, file, key, v, err);
	case F_PLUGINS:
		return decode_plugins(c, file, key, v, err);
	case F_DESTS:
		return decode_destinations(c, file, key, v, err);
	case F_POOLS:
		return decode_pools(c, file, key, v, err);
	}
	return cpod_err(err, CPOD_ERR_INTERNAL, 0, "unknown field type %d", (int)f->type);
}

static int merge_section(containers_conf *c, const char *file, const char *section,
			 const toml_value *t, cpod_error **err)
{
	if (conf_check_table(file, section, t, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *k = toml_table_key(t, i);
		_cleanup_free_ char *key = xasprintf("%s.%s", section, k);
		const field *f = find_field(section, k);

		if (!f) {
			log_debug("%s: ignoring unknown key '%s'", file, key);
			continue;
		}
		if (decode_field(c, f, file, key, toml_table_value(t, i), err) < 0)
			return -1;
	}
	return 0;
}

/* containers/common prefixes capabilities with CAP_ after loading ("CHOWN" -> "CAP_CHOWN"). */
static void normalize_caps(strv *caps)
{
	for (size_t i = 0; i < caps->n; i++) {
		char *cap = caps->v[i];

		if (strncasecmp(cap, "cap_", 4) != 0) {
			caps->v[i] = xasprintf("CAP_%s", cap);
			free(cap);
		}
		for (char *p = caps->v[i]; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
}

static int merge_doc(containers_conf *c, const toml_value *root, const char *file, cpod_error **err)
{
	for (size_t i = 0; i < toml_table_len(root); i++) {
		const char *section = toml_table_key(root, i);

		if (!str_eq(section, "containers") && !str_eq(section, "engine") &&
		    !str_eq(section, "network")) {
			log_debug("%s: ignoring section '%s'", file, section);
			continue;
		}
		if (merge_section(c, file, section, toml_table_value(root, i), err) < 0)
			return -1;
	}
	normalize_caps(&c->default_capabilities);
	return 0;
}

int containers_conf_merge_text(containers_conf *c, const char *text, size_t len, const char *name,
			       cpod_error **err)
{
	_cleanup_toml_ toml_value *root = toml_parse(text, len, name, err);

	if (!root || merge_doc(c, root, name, err) < 0)
		return -1;
	strv_push(&c->files, name);
	return 0;
}

int containers_conf_merge_file(containers_conf *c, const char *path, cpod_error **err)
{
	_cleanup_toml_ toml_value *root = toml_parse_file(path, err);

	if (!root || merge_doc(c, root, path, err) < 0)
		return -1;
	log_debug("merged containers.conf '%s'", path);
	strv_push(&c->files, path);
	return 0;
}

/* ---- loading ---- */

static int add_if_exists(strv *files, const char *path, cpod_error **err)
{
	int r = conf_file_exists(path, err);

	if (r > 0)
		strv_push(files, path);
	return r < 0 ? -1 : 0;
}

static char *user_conf_path(const containers_conf_opts *opts)
{
	_cleanup_free_ char *home = NULL, *cfg = NULL;

	if (opts && opts->user_path)
		return xstrdup(opts->user_path);
	home = conf_home_dir();
	cfg = conf_config_home(home);
	return cfg ? xasprintf("%s/containers/containers.conf", cfg) : NULL;
}

/* containers/common systemConfigs(): the files to merge, in order. */
static int system_configs(const containers_conf_opts *opts, bool rootless, strv *files,
			  cpod_error **err)
{
	const char *usr = opts && opts->usr_path ? opts->usr_path : USR_CONTAINERS_CONF;
	const char *etc = opts && opts->etc_path ? opts->etc_path : ETC_CONTAINERS_CONF;
	const char *env = conf_getenv("CONTAINERS_CONF");
	_cleanup_free_ char *etc_d = xasprintf("%s.d", etc);
	_cleanup_free_ char *user = NULL, *user_d = NULL;
	int r;

	if (env) {
		r = conf_file_exists(env, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return cpod_err(err, CPOD_ERR_NOT_FOUND, ENOENT,
					"CONTAINERS_CONF file '%s'", env);
		strv_push(files, env);
		return 0;
	}
	if (add_if_exists(files, usr, err) < 0 || add_if_exists(files, etc, err) < 0 ||
	    conf_list_dropins(etc_d, files, err) < 0)
		return -1;
	if (!rootless)
		return 0;
	user = user_conf_path(opts);
	if (!user)
		return 0;
	user_d = xasprintf("%s.d", user);
	if (add_if_exists(files, user, err) < 0 || conf_list_dropins(user_d, files, err) < 0)
		return -1;
	return 0;
}

int containers_conf_load(const containers_conf_opts *opts, containers_conf **ret, cpod_error **err)
{
	bool rootless = opts && opts->rootless >= 0 ? opts->rootless > 0 : geteuid() != 0;
	_cleanup_containers_conf_ containers_conf *c = containers_conf_new_defaults(rootless);
	_cleanup_strv_ strv files = STRV_INIT;
	const char *override = conf_getenv("CONTAINERS_CONF_OVERRIDE");

	if (system_configs(opts, rootless, &files, err) < 0)
		return -1;
	for (size_t i = 0; i < files.n; i++)
		if (containers_conf_merge_file(c, files.v[i], err) < 0)
			return -1;
	if (override && containers_conf_merge_file(c, override, err) < 0)
		return cpod_err_prefix(err, "CONTAINERS_CONF_OVERRIDE");
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- finding binaries ---- */

const char *const *containers_conf_runtime_paths(const containers_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_runtimes; i++)
		if (str_eq(c->runtimes[i].name, name))
			return (const char *const *)c->runtimes[i].paths.v;
	return NULL;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* exec.LookPath: the first executable regular file NAME in $PATH. */
static char *path_lookup(const char *name)
{
	const char *path = conf_getenv("PATH");
	_cleanup_strv_free_ char **dirs = NULL;

	dirs = strv_split(path ? path
			       : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			  ":", 1);
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], name);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	return NULL;
}

static char *find_named_runtime(const containers_conf *c, const char *name)
{
	const char *const *cands = containers_conf_runtime_paths(c, name);

	for (size_t i = 0; cands && cands[i]; i++)
		if (is_file(cands[i]))
			return xstrdup(cands[i]);
	return path_lookup(name);
}

int containers_conf_find_runtime(const containers_conf *c, const char *want, char **ret_name,
				 char **ret_path, cpod_error **err)
{
	static const char *const autodetect[] = { "crun", "runc", "runj", "kata", "runsc" };
	char *path;

	if (!want || !*want)
		want = c->runtime;
	if (strchr(want, '/')) {
		if (!is_file(want))
			return cpod_err(err, CPOD_ERR_NOT_FOUND, ENOENT, "OCI runtime '%s'", want);
		*ret_name = xstrdup(strrchr(want, '/') + 1);
		*ret_path = xstrdup(want);
		return 0;
	}
	if (*want) {
		path = find_named_runtime(c, want);
		if (!path)
			return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
					"OCI runtime '%s' not found in engine.runtimes or $PATH",
					want);
		*ret_name = xstrdup(want);
		*ret_path = path;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(autodetect); i++) {
		path = find_named_runtime(c, autodetect[i]);
		if (path) {
			*ret_name = xstrdup(autodetect[i]);
			*ret_path = path;
			return 0;
		}
	}
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			"no OCI runtime found: install crun or runc, or set engine.runtime");
}

int containers_conf_find_conmon(const containers_conf *c, char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *tried = NULL;
	char *path;

	for (size_t i = 0; i < c->conmon_path.n; i++)
		if (is_file(c->conmon_path.v[i])) {
			*ret_path = xstrdup(c->conmon_path.v[i]);
			return 0;
		}
	path = path_lookup("conmon");
	if (path) {
		*ret_path = path;
		return 0;
	}
	tried = strv_join((const char *const *)c->conmon_path.v, ", ");
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			"could not find a conmon binary (configured: %s, then $PATH)", tried);
}
