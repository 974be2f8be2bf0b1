#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "config/containers_conf.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-containers-conf-XXXXXX";

#include "tmpdir.h"

/* Loads with the test directory standing in for /usr/share, /etc and the user's config. */
static containers_conf *load(int rootless, cpod_error **err)
{
	_cleanup_free_ char *usr = path_of("usr/containers.conf");
	_cleanup_free_ char *etc = path_of("etc/containers.conf");
	_cleanup_free_ char *user = path_of("user/containers.conf");
	containers_conf_opts o = { usr, etc, user, rootless };
	containers_conf *c = NULL;

	if (containers_conf_load(&o, &c, err) < 0)
		return NULL;
	return c;
}

/* The message of loading with the current files, for error tests ("" when it loaded). */
static char *load_error(void)
{
	cpod_error *e = NULL;
	containers_conf *c = load(0, &e);
	char *msg = xstrdup(cpod_error_message(e));

	containers_conf_free(c);
	cpod_error_free(e);
	return msg;
}

static const char *runtime_path(const containers_conf *c, const char *name, size_t i)
{
	const char *const *v = containers_conf_runtime_paths(c, name);

	for (size_t j = 0; v && v[j]; j++)
		if (j == i)
			return v[j];
	return NULL;
}

static void test_defaults(void)
{
	containers_conf *c = containers_conf_new_defaults(false);
	bool has;
	static const char *const caps[] = {
		"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	"CAP_FSETID",
		"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	"CAP_SETGID",
		"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT"
	};

	is_int(c->default_capabilities.n, 11, "11 default capabilities");
	for (size_t i = 0; i < 11; i++)
		is_str(c->default_capabilities.v[i], caps[i], "default capability %zu", i);
	is_int(c->pids_limit, 2048, "pids_limit");
	is_str(c->shm_size, "65536k", "shm_size");
	is_str(c->log_driver, "k8s-file", "log_driver");
	is_int(c->log_size_max, -1, "log_size_max");
	is_int(c->stop_timeout, 10, "stop_timeout");
	is_int(c->num_locks, 2048, "num_locks");
	is_str(c->runtime, "", "runtime auto-detected");
	is_str(runtime_path(c, "crun", 0), "/usr/bin/crun", "crun candidates");
	is_str(runtime_path(c, "runc", 1), "/usr/sbin/runc", "runc candidates");
	is_str(runtime_path(c, "kata", 0), "/usr/bin/kata-runtime", "kata candidates");
	ok(containers_conf_runtime_paths(c, "runsc") != NULL, "runsc candidates");
	ok(containers_conf_runtime_paths(c, "nope") == NULL, "no candidates for unknown runtime");
	is_str(c->conmon_path.v[0], "/usr/libexec/podman/conmon", "conmon_path first");
	has = strv_contains((const char *const *)c->conmon_path.v, "/usr/bin/conmon");
	ok(has, "conmon_path has /usr/bin/conmon");
	is_str(c->default_network, "podman", "default_network");
	is_str(c->default_subnet, "10.88.0.0/16", "default_subnet");
	is_int(c->n_default_subnet_pools, 5, "default_subnet_pools");
	is_str(c->default_subnet_pools[0].base, "10.89.0.0/16", "first pool");
	is_int(c->default_subnet_pools[0].size, 24, "pool size");
	is_str(c->cni_plugin_dirs.v[0], "/usr/local/libexec/cni", "cni_plugin_dirs");
	is_str(c->network_backend, "", "network_backend chosen by the network code");
	is_str(c->umask, "0022", "umask");
	is_str(c->env.v[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	       "env PATH");
	is_str(c->env.v[1], "TERM=xterm", "env TERM");
	is_str(c->netns, "private", "netns");
	is_str(c->ipcns, "shareable", "ipcns");
	is_str(c->pidns, "private", "pidns");
	is_str(c->utsns, "private", "utsns");
	is_str(c->userns, "", "userns");
	ok(str_eq(c->cgroupns, "private") || str_eq(c->cgroupns, "host"), "cgroupns");
	has = str_eq(c->cgroup_manager, "systemd") || str_eq(c->cgroup_manager, "cgroupfs");
	ok(has, "cgroup_manager");
	has = str_eq(c->events_logger, "file") || str_eq(c->events_logger, "journald");
	ok(has, "events_logger");
	is_str(c->image_default_transport, "docker://", "image_default_transport");
	is_str(c->engine_init_path, "/usr/libexec/podman/catatonit", "engine.init_path");
	is_str(c->hooks_dir.v[0], "/usr/share/containers/oci/hooks.d", "hooks_dir");
	is_str(c->pull_policy, "missing", "pull_policy");
	is_str(c->detach_keys, "ctrl-p,ctrl-q", "detach_keys");
	is_int(c->events_logfile_max_size, 1000000, "events_logfile_max_size");
	is_str(c->static_dir, "", "static_dir derived from the store");
	is_str(c->infra_image, "", "infra_image");
	ok(c->http_proxy && !c->init && c->keyring, "booleans");
	is_int(c->files.n, 0, "no files read");
	containers_conf_free(c);
}

static void test_no_files(void)
{
	cpod_error *e = NULL;
	containers_conf *c;

	clean_dir();
	c = load(1, &e);
	ok(c != NULL, "loading without any file works");
	if (c) {
		is_int(c->files.n, 0, "no files recorded");
		is_int(c->stop_timeout, 10, "defaults kept");
	}
	containers_conf_free(c);
	cpod_error_free(e);
}

static void test_merge_order(void)
{
	cpod_error *e = NULL;
	containers_conf *c;
	_cleanup_free_ char *usr = path_of("usr/containers.conf");
	_cleanup_free_ char *etc = path_of("etc/containers.conf");
	_cleanup_free_ char *d10 = path_of("etc/containers.conf.d/10-a.conf");
	_cleanup_free_ char *d20 = path_of("etc/containers.conf.d/20-b.conf");
	_cleanup_free_ char *user = path_of("user/containers.conf");
	_cleanup_free_ char *ud = path_of("user/containers.conf.d/05.conf");
	_cleanup_free_ char *d40 = path_of("etc/containers.conf.d/40-dir.conf");

	clean_dir();
	write_file("usr/containers.conf", "[containers]\npids_limit = 1\ntz = \"UTC\"\n"
					  "default_sysctls = [\"a=1\", \"b=2\"]\n"
					  "[engine]\nstop_timeout = 1\nnum_locks = 1\n"
					  "[engine.runtimes]\ncrun = [\"/x/crun\"]\n");
	write_file("etc/containers.conf", "[containers]\npids_limit = 2\n"
					  "default_sysctls = [\"c=3\"]\n"
					  "[engine]\nstop_timeout = 2\n"
					  "[engine.runtimes]\nrunc = [\"/y/runc\"]\n");
	/* written out of order: the loader sorts */
	write_file("etc/containers.conf.d/20-b.conf", "[engine]\nstop_timeout = 20\n");
	write_file("etc/containers.conf.d/10-a.conf", "[engine]\nstop_timeout = 10\nnum_locks = "
						      "10\n");
	write_file("etc/containers.conf.d/30-ignored.txt", "[engine]\nstop_timeout = 99\n");
	mkdir(d40, 0755);
	write_file("user/containers.conf", "[engine]\nstop_timeout = 50\n");
	write_file("user/containers.conf.d/05.conf", "[containers]\npids_limit = 5\n");

	c = load(0, &e);
	ok(c != NULL, "root: loads");
	if (c) {
		is_int(c->files.n, 4, "root: four files");
		is_str(c->files.v[0], usr, "usr first");
		is_str(c->files.v[1], etc, "etc second");
		is_str(c->files.v[2], d10, "drop-ins sorted");
		is_str(c->files.v[3], d20, "drop-ins sorted");
		is_int(c->stop_timeout, 20, "last drop-in wins");
		is_int(c->num_locks, 10, "a key set only by an earlier drop-in stays");
		is_int(c->pids_limit, 2, "etc overrides usr");
		is_str(c->tz, "UTC", "a key only in usr stays");
		is_int(c->default_sysctls.n, 1, "arrays are replaced");
		is_str(c->default_sysctls.v[0], "c=3", "array from etc");
		is_str(runtime_path(c, "crun", 0), "/x/crun", "runtimes table merged: crun");
		ok(runtime_path(c, "crun", 1) == NULL, "crun's list replaced");
		is_str(runtime_path(c, "runc", 0), "/y/runc", "runtimes table merged: runc");
		is_str(runtime_path(c, "kata", 0), "/usr/bin/kata-runtime",
		       "runtimes table merged: built-in kata kept");
	}
	containers_conf_free(c);

	c = load(1, &e);
	ok(c != NULL, "rootless: loads");
	if (c) {
		is_int(c->files.n, 6, "rootless: user files too");
		is_str(c->files.v[4], user, "user file after the system ones");
		is_str(c->files.v[5], ud, "user drop-in last");
		is_int(c->stop_timeout, 50, "user file overrides");
		is_int(c->pids_limit, 5, "user drop-in overrides");
	}
	containers_conf_free(c);
	cpod_error_free(e);
}

static void test_env_overrides(void)
{
	cpod_error *e = NULL;
	containers_conf *c;
	_cleanup_free_ char *only = path_of("only.conf");
	_cleanup_free_ char *over = path_of("override.conf");
	_cleanup_free_ char *missing = path_of("missing.conf");

	clean_dir();
	write_file("etc/containers.conf", "[engine]\nstop_timeout = 2\nnum_locks = 7\n");
	write_file("only.conf", "[engine]\nstop_timeout = 3\n");
	write_file("override.conf", "[engine]\nnum_locks = 9\n");

	setenv("CONTAINERS_CONF", only, 1);
	c = load(0, &e);
	ok(c != NULL, "CONTAINERS_CONF: loads");
	if (c) {
		is_int(c->files.n, 1, "CONTAINERS_CONF: one file");
		is_str(c->files.v[0], only, "CONTAINERS_CONF: only that file");
		is_int(c->stop_timeout, 3, "CONTAINERS_CONF: its value");
		is_int(c->num_locks, 2048, "CONTAINERS_CONF: /etc not read");
	}
	containers_conf_free(c);

	setenv("CONTAINERS_CONF_OVERRIDE", over, 1);
	c = load(0, &e);
	ok(c != NULL, "CONTAINERS_CONF + OVERRIDE: loads");
	if (c) {
		is_int(c->files.n, 2, "override read after CONTAINERS_CONF");
		is_str(c->files.v[1], over, "override last");
		is_int(c->num_locks, 9, "override applied");
		is_int(c->stop_timeout, 3, "earlier value kept");
	}
	containers_conf_free(c);

	unsetenv("CONTAINERS_CONF");
	c = load(0, &e);
	ok(c != NULL, "OVERRIDE over the normal list: loads");
	if (c) {
		is_int(c->files.n, 2, "etc then override");
		is_int(c->stop_timeout, 2, "etc value");
		is_int(c->num_locks, 9, "override wins over etc");
	}
	containers_conf_free(c);

	setenv("CONTAINERS_CONF_OVERRIDE", missing, 1);
	c = load(0, &e);
	ok(c == NULL && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "missing override fails");
	ok(strstr(cpod_error_message(e), "CONTAINERS_CONF_OVERRIDE") != NULL,
	   "missing override named: %s", cpod_error_message(e));
	cpod_error_free(e);
	e = NULL;
	unsetenv("CONTAINERS_CONF_OVERRIDE");

	setenv("CONTAINERS_CONF", missing, 1);
	c = load(0, &e);
	ok(c == NULL && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "missing CONTAINERS_CONF fails");
	ok(strstr(cpod_error_message(e), missing) != NULL, "message names the file: %s",
	   cpod_error_message(e));
	cpod_error_free(e);
	unsetenv("CONTAINERS_CONF");
}

static void expect_error(const char *etc_text, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ char *full = NULL;

	clean_dir();
	write_file("etc/containers.conf", etc_text);
	msg = load_error();
	full = xasprintf("%s/etc/containers.conf:%s", tmp, want);
	is_str(msg, full, "%s", name);
}

static void test_errors(void)
{
	expect_error("# a comment\n\n[containers]\n\n\n[engine]\nstop_timeout = \"10\"\n",
		     "7:16: key 'engine.stop_timeout': expected integer, got string",
		     "wrong type: file, line, column and key");
	expect_error("[containers]\nenv = [\"A=1\", 2]\n",
		     "2:15: key 'containers.env[1]': expected string, got integer",
		     "wrong element type");
	expect_error("[containers]\ndevices = \"/dev/null\"\n",
		     "2:11: key 'containers.devices': expected array, got string",
		     "string for an array");
	expect_error("[containers]\nhttp_proxy = 1\n",
		     "2:14: key 'containers.http_proxy': expected boolean, got integer",
		     "integer for a boolean");
	expect_error("containers = 5\n", "1:14: key 'containers': expected table, got integer",
		     "section not a table");
	expect_error("[engine]\nstop_timeout = -1\n",
		     "2:16: key 'engine.stop_timeout': value -1 out of range", "negative unsigned");
	expect_error("[network]\ndns_bind_port = 70000\n",
		     "2:17: key 'network.dns_bind_port': value 70000 out of range", "port range");
	expect_error("[containers]\numask = \"0999\"\n",
		     "2:9: key 'containers.umask': invalid value '0999': not a valid umask",
		     "invalid umask");
	expect_error("[containers]\nlog_size_max = 100\n",
		     "2:16: key 'containers.log_size_max': invalid value 100: must be negative or "
		     "at least 8192",
		     "log_size_max too small");
	expect_error("[containers]\nshm_size = \"lots\"\n",
		     "2:12: key 'containers.shm_size': invalid value 'lots': not a valid size",
		     "invalid shm_size");
	expect_error("[containers]\ndefault_ulimits = [\"nofile=10:5\"]\n",
		     "2:20: key 'containers.default_ulimits[0]': invalid value 'nofile=10:5': soft "
		     "limit above hard limit",
		     "invalid ulimit");
	expect_error("[containers]\ndevices = [\"/tmp/x\"]\n",
		     "2:12: key 'containers.devices[0]': invalid value '/tmp/x': the source must "
		     "be "
		     "under /dev/",
		     "invalid device");
	expect_error("[engine]\npull_policy = \"sometimes\"\n",
		     "2:15: key 'engine.pull_policy': invalid value 'sometimes': unsupported pull "
		     "policy",
		     "invalid pull policy");
	expect_error("[engine]\nstatic_dir = \"relative\"\n",
		     "2:14: key 'engine.static_dir': invalid value 'relative': must be an absolute "
		     "path",
		     "relative static_dir");
	expect_error("[engine.runtimes]\ncrun = \"/usr/bin/crun\"\n",
		     "2:8: key 'engine.runtimes.crun': expected array, got string",
		     "runtime paths must be an array");
	expect_error("[network]\ndefault_subnet_pools = [{base = \"10.0.0.0/8\", size = 4}]\n",
		     "2:25: key 'network.default_subnet_pools[0]': size 4 is smaller than the "
		     "subnet '10.0.0.0/8'",
		     "subnet pool size");
	expect_error("[engine]\nstop_timeout = \n", "2:16: expected a value, found end of line",
		     "malformed file: parser's message");
}

static void test_values(void)
{
	cpod_error *e = NULL;
	containers_conf *c;
	const char *text;

	clean_dir();
	write_file("etc/containers.conf",
		   "unknown_top = 1\n"
		   "[secrets]\ndriver = \"file\"\n"
		   "[containers]\n"
		   "default_capabilities = [\"chown\", \"CAP_KILL\", \"cap_net_raw\"]\n"
		   "unknown_key = \"ignored\"\n"
		   "umask = \"0077\"\ntz = \"local\"\nlog_size_max = 8192\n"
		   "default_ulimits = [\"nofile=1024:2048\", \"nproc=-1\"]\n"
		   "devices = [\"/dev/fuse\", \"/dev/sdc:/dev/xvdc:rw\", \"/dev/null:r\"]\n"
		   "[engine]\nevents_logfile_max_size = \"1m\"\nruntime = \"runc\"\n"
		   "pull_policy = \"Always\"\n"
		   "[engine.volume_plugins]\nfoo = \"/run/foo.sock\"\n"
		   "[engine.service_destinations.prod]\nuri = \"ssh://h/run/podman.sock\"\n"
		   "identity = \"/k\"\n"
		   "[network]\ndefault_subnet_pools = [{base = \"10.10.0.0/16\", size = 24}]\n");
	c = load(0, &e);
	ok(c != NULL, "valid values load: %s", cpod_error_message(e));
	if (c) {
		is_int(c->default_capabilities.n, 3, "capabilities replaced");
		is_str(c->default_capabilities.v[0], "CAP_CHOWN", "CAP_ prefix added");
		is_str(c->default_capabilities.v[1], "CAP_KILL", "prefixed kept");
		is_str(c->default_capabilities.v[2], "CAP_NET_RAW", "lowercase prefix upper-cased");
		is_str(c->umask, "0077", "umask");
		is_int(c->log_size_max, 8192, "log_size_max");
		is_int(c->default_ulimits.n, 2, "ulimits");
		is_int(c->devices.n, 3, "devices");
		is_int(c->events_logfile_max_size, 1000000, "size string");
		is_str(c->runtime, "runc", "runtime");
		is_int(c->n_volume_plugins, 1, "volume plugin");
		is_str(c->volume_plugins[0].value, "/run/foo.sock", "volume plugin value");
		is_int(c->n_service_destinations, 1, "service destination");
		is_str(c->service_destinations[0].name, "prod", "destination name");
		is_str(c->service_destinations[0].uri, "ssh://h/run/podman.sock",
		       "destination uri");
		is_str(c->service_destinations[0].identity, "/k", "destination identity");
		is_int(c->n_default_subnet_pools, 1, "pools replaced");
		is_str(c->default_subnet_pools[0].base, "10.10.0.0/16", "pool base");
	}
	containers_conf_free(c);

	c = containers_conf_new_defaults(false);
	text = "[engine]\nevents_logfile_max_size = 2048\n";
	is_int(containers_conf_merge_text(c, text, strlen(text), "text", &e), 0, "merge text");
	is_int(c->events_logfile_max_size, 2048, "integer size");
	is_str(c->files.v[0], "text", "text name recorded");
	text = "[engine.volume_plugins]\nfoo = 3\n";
	is_int(containers_conf_merge_text(c, text, strlen(text), "t2", &e), -1,
	       "plugin must be a string");
	is_str(cpod_error_message(e),
	       "t2:2:7: key 'engine.volume_plugins.foo': expected string, got integer",
	       "plugin type error");
	containers_conf_free(c);
	cpod_error_free(e);
}

static void make_exe(const char *rel)
{
	_cleanup_free_ char *p = path_of(rel);

	write_file(rel, "#!/bin/sh\n");
	chmod(p, 0755);
}

static void test_find_binaries(void)
{
	cpod_error *e = NULL;
	containers_conf *c;
	char *name = NULL, *path = NULL;
	_cleanup_free_ char *bin = path_of("bin");
	_cleanup_free_ char *crun = path_of("bin/crun");
	_cleanup_free_ char *myrt = path_of("opt/myrt");
	_cleanup_free_ char *conmon = path_of("bin/conmon");
	_cleanup_free_ char *text = NULL;
	const char *old_path = getenv("PATH");
	bool has;
	_cleanup_free_ char *saved_path = old_path ? xstrdup(old_path) : NULL;

	clean_dir();
	make_exe("bin/crun");
	make_exe("opt/myrt");
	make_exe("bin/conmon");
	text = xasprintf("[engine]\nconmon_path = [\"/nonexistent/conmon\"]\n"
			 "[engine.runtimes]\ncrun = [\"/nonexistent/crun\"]\n"
			 "runc = [\"/nonexistent/runc\"]\nrunj = []\nkata = []\nrunsc = []\n"
			 "myrt = [\"/nonexistent/x\", \"%s\"]\n",
			 myrt);
	c = containers_conf_new_defaults(false);
	is_int(containers_conf_merge_text(c, text, strlen(text), "rt", &e), 0, "runtimes set");
	setenv("PATH", bin, 1);

	is_int(containers_conf_find_runtime(c, NULL, &name, &path, &e), 0, "auto-detect");
	is_str(name, "crun", "auto-detect: crun found in $PATH");
	is_str(path, crun, "auto-detect: path");
	free(name), free(path);
	is_int(containers_conf_find_runtime(c, "myrt", &name, &path, &e), 0, "named runtime");
	is_str(path, myrt, "named runtime: second candidate");
	free(name), free(path);
	is_int(containers_conf_find_runtime(c, crun, &name, &path, &e), 0, "runtime by path");
	is_str(name, "crun", "runtime by path: basename");
	free(name), free(path);
	is_int(containers_conf_find_runtime(c, "runc", &name, &path, &e), -1, "missing runtime");
	is_int(cpod_error_kind(e), CPOD_ERR_NOT_FOUND, "missing runtime: not found");
	cpod_error_free(e);
	e = NULL;
	is_int(containers_conf_find_conmon(c, &path, &e), 0, "conmon from $PATH");
	is_str(path, conmon, "conmon path");
	free(path);

	setenv("PATH", "/nonexistent", 1);
	is_int(containers_conf_find_conmon(c, &path, &e), -1, "no conmon");
	has = strstr(cpod_error_message(e), "/nonexistent/conmon") != NULL;
	ok(has, "no conmon: candidates named");
	cpod_error_free(e);
	e = NULL;
	is_int(containers_conf_find_runtime(c, NULL, &name, &path, &e), -1, "nothing to detect");
	cpod_error_free(e);
	if (saved_path)
		setenv("PATH", saved_path, 1);
	containers_conf_free(c);
}

static void test_real_files(void)
{
	cpod_error *e = NULL;
	containers_conf *c = NULL;
	containers_conf_opts o = { NULL, NULL, NULL, 0 };

	if (access("/usr/share/containers/containers.conf", R_OK) != 0) {
		ok(1, "# SKIP no /usr/share/containers/containers.conf");
		return;
	}
	is_int(containers_conf_load(&o, &c, &e), 0, "the installed files load: %s",
	       cpod_error_message(e));
	if (c) {
		is_str(c->files.v[0], "/usr/share/containers/containers.conf",
		       "installed file read first");
		is_int(c->default_capabilities.n, 11, "installed capabilities");
		is_str(c->default_capabilities.v[0], "CAP_CHOWN",
		       "installed capabilities prefixed");
	}
	containers_conf_free(c);
	cpod_error_free(e);
	e = NULL;
	c = containers_conf_new_defaults(false);
	is_int(containers_conf_merge_file(c, "/usr/share/containers/containers.conf", &e), 0,
	       "merge the installed file alone");
	ok(strv_contains((const char *const *)c->default_sysctls.v, "net.ipv4.ping_group_range=0 "
								    "0"),
	   "installed sysctl read");
	containers_conf_free(c);
	cpod_error_free(e);
}

int main(void)
{
	unsetenv("CONTAINERS_CONF");
	unsetenv("CONTAINERS_CONF_OVERRIDE");
	if (!mkdtemp(tmp))
		abort();
	test_defaults();
	test_no_files();
	test_merge_order();
	test_env_overrides();
	test_errors();
	test_values();
	test_find_binaries();
	test_real_files();
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
