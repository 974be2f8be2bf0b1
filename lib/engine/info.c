/* `cpod info` and `cpod version`: what this host and this configuration give. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cpod/version.h>
#include <json-c/json.h>

#include "cpod-build.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/spawn.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "config/registries_conf.h"
#include "engine/runtime_internal.h"
#include "image/manifest.h"
#include "oci/cgroup.h"
#include "common/banned.h"

#define jadd(o, k, v) json_object_object_add((o), (k), (v))

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *jstrv(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The first lines of `prog --version`, joined by ", " as podman shows them; "" on failure. */
static char *program_version(const char *path)
{
	const char *const argv[] = { path, "--version", NULL };
	_cleanup_buf_ buf out = BUF_INIT;
	_cleanup_strv_free_ char **lines = NULL;

	if (spawn_capture(argv, &out, 16384, NULL) < 0)
		return xstrdup("");
	lines = strv_split(out.s, "\n", 1);
	return strv_join((const char *const *)lines, ", ");
}

static json_object *os_release(void)
{
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_strv_free_ char **lines = NULL;
	json_object *d = json_object_new_object();
	static const char *const keys[][2] = { { "ID", "distribution" },
					       { "VERSION_ID", "version" },
					       { "VERSION_CODENAME", "codename" } };

	b.cap = 65536;
	if (buf_read_file(&b, "/etc/os-release") < 0)
		return d;
	lines = strv_split(b.s, "\n", 1);
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		const char *v = strv_env_get((const char *const *)lines, keys[k][0]);
		_cleanup_free_ char *val = NULL;

		if (!v)
			continue;
		val = xstrdup(v);
		if (val[0] == '"' && strlen(val) >= 2) {
			memmove(val, val + 1, strlen(val));
			val[strlen(val) - 1] = '\0';
		}
		jadd(d, keys[k][1], jstr(val));
	}
	return d;
}

static char *uptime_text(long secs)
{
	return xasprintf("%ldh %ldm %ld.00s (Approximately %.2f days)", secs / 3600, secs / 60 % 60,
			 secs % 60, secs / 86400.0);
}

static void add_memory(json_object *host)
{
	struct sysinfo si;
	_cleanup_free_ char *up = NULL;

	if (sysinfo(&si) < 0)
		return;
	jadd(host, "memFree", json_object_new_int64((int64_t)si.freeram * si.mem_unit));
	jadd(host, "memTotal", json_object_new_int64((int64_t)si.totalram * si.mem_unit));
	jadd(host, "swapFree", json_object_new_int64((int64_t)si.freeswap * si.mem_unit));
	jadd(host, "swapTotal", json_object_new_int64((int64_t)si.totalswap * si.mem_unit));
	up = uptime_text(si.uptime);
	jadd(host, "uptime", jstr(up));
}

static json_object *conmon_info(cpod_runtime *rt)
{
	json_object *c = json_object_new_object();
	_cleanup_free_ char *path = NULL, *version = NULL;

	if (rt->want_conmon)
		path = xstrdup(rt->want_conmon);
	else if (containers_conf_find_conmon(rt->cc, &path, NULL) < 0)
		path = xstrdup("");
	version = *path ? program_version(path) : xstrdup("");
	jadd(c, "path", jstr(path));
	jadd(c, "version", jstr(version));
	return c;
}

static json_object *oci_info(cpod_runtime *rt, cpod_error **err)
{
	const oci_runtime_choice *oci = engine_oci_runtime(rt, err);
	json_object *o;
	_cleanup_free_ char *version = NULL;

	if (!oci)
		return NULL;
	o = json_object_new_object();
	version = program_version(oci->path);
	jadd(o, "name", jstr(oci->name));
	jadd(o, "path", jstr(oci->path));
	jadd(o, "version", jstr(version));
	jadd(o, "selectedBecause", jstr(oci->reason));
	return o;
}

static json_object *security_info(cpod_runtime *rt)
{
	json_object *s = json_object_new_object();
	_cleanup_free_ char *caps =
		strv_join((const char *const *)rt->cc->default_capabilities.v, ",");
	const char *profile = rt->cc->seccomp_profile;

	if (!*profile && access("/usr/share/containers/seccomp.json", R_OK) == 0)
		profile = "/usr/share/containers/seccomp.json";
	jadd(s, "apparmorEnabled", json_object_new_boolean(0));
	jadd(s, "capabilities", jstr(caps));
	jadd(s, "rootless", json_object_new_boolean(rt->rootless));
	jadd(s, "seccompEnabled",
	     json_object_new_boolean(access("/proc/sys/kernel/seccomp", F_OK) == 0));
	jadd(s, "seccompProfilePath", jstr(*profile ? profile : "(built-in profile)"));
	jadd(s, "selinuxEnabled",
	     json_object_new_boolean(access("/sys/fs/selinux/enforce", F_OK) == 0));
	return s;
}

static void add_kernel(json_object *host)
{
	struct utsname u;
	char hostname[256] = "";

	if (uname(&u) == 0) {
		jadd(host, "kernel", jstr(u.release));
		jadd(host, "arch", jstr(manifest_host_arch()));
	}
	gethostname(hostname, sizeof(hostname) - 1);
	jadd(host, "hostname", jstr(hostname));
	jadd(host, "os", jstr("linux"));
	jadd(host, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
}

static json_object *host_info(cpod_runtime *rt, cpod_error **err)
{
	json_object *host = json_object_new_object(), *oci = oci_info(rt, err);
	cgroup_mode mode = cgroup_detect_mode("/sys/fs/cgroup");
	_cleanup_strv_free_ char **ctrls = cgroup_controllers("/sys/fs/cgroup", mode);

	if (!oci) {
		json_object_put(host);
		return NULL;
	}
	add_kernel(host);
	jadd(host, "cgroupControllers", jstrv(ctrls));
	jadd(host, "cgroupManager", jstr(rt->cgroup_manager));
	jadd(host, "cgroupVersion", jstr(cgroup_version_name(mode)));
	jadd(host, "cgroupMode",
	     jstr(mode == CGROUP_HYBRID	   ? "hybrid"
		  : mode == CGROUP_UNIFIED ? "unified"
					   : "legacy"));
	jadd(host, "conmon", conmon_info(rt));
	jadd(host, "distribution", os_release());
	jadd(host, "eventLogger", jstr(rt->events_backend));
	jadd(host, "linkmode", jstr("dynamic"));
	jadd(host, "logDriver", jstr(rt->cc->log_driver));
	add_memory(host);
	jadd(host, "networkBackend",
	     jstr(*rt->cc->network_backend ? rt->cc->network_backend : "cni"));
	jadd(host, "ociRuntime", oci);
	jadd(host, "security", security_info(rt));
	jadd(host, "serviceIsRemote", json_object_new_boolean(0));
	return host;
}

/* What the store holds, as podman shows it; the driver is the one the open store uses. */
static json_object *store_info(cpod_runtime *rt, cpod_error **err)
{
	const storage_conf *sc = rt->sc;
	_cleanup_free_ char *volumes = xasprintf("%s/volumes", sc->graphroot);
	_cleanup_strv_free_ char **opts = storage_conf_driver_options(sc, sc->driver);
	store *st = engine_store(rt, err);
	meta_image **imgs = NULL;
	json_object *s, *images;
	int n;

	if (!st || (n = store_image_list(st, &imgs, err)) < 0)
		return NULL;
	meta_imagev_free(imgs);
	s = json_object_new_object();
	images = json_object_new_object();
	jadd(images, "number", json_object_new_int64(n));
	jadd(s, "configFile", jstr(sc->path ? sc->path : ""));
	jadd(s, "graphDriverName", jstr(store_driver_name(st)));
	jadd(s, "graphOptions", jstrv(opts));
	jadd(s, "graphRoot", jstr(sc->graphroot));
	jadd(s, "imageStore", images);
	jadd(s, "runRoot", jstr(sc->runroot));
	jadd(s, "volumePath", jstr(rt->volumepath ? rt->volumepath : volumes));
	jadd(s, "imageCopyTmpDir", jstr(rt->tmpdir ? rt->tmpdir : rt->cc->image_copy_tmp_dir));
	return s;
}

/* podman shows {"search": [...]} plus one entry per [[registry]]. */
static json_object *registries_info(const registries_conf *rc)
{
	json_object *r = json_object_new_object();

	for (size_t i = 0; i < rc->n_registries; i++) {
		const registry_entry *e = &rc->registries[i];
		json_object *o = json_object_new_object(), *mirrors = json_object_new_array();

		for (size_t m = 0; m < e->n_mirrors; m++)
			json_object_array_add(mirrors, jstr(e->mirrors[m].location));
		jadd(o, "Prefix", jstr(e->prefix));
		jadd(o, "Location", jstr(e->endpoint.location));
		jadd(o, "Insecure", json_object_new_boolean(e->endpoint.insecure));
		jadd(o, "Blocked", json_object_new_boolean(e->blocked));
		jadd(o, "Mirrors", mirrors);
		jadd(r, e->prefix, o);
	}
	jadd(r, "search", jstrv(rc->unqualified_search.v));
	return r;
}

static json_object *config_files(cpod_runtime *rt, const registries_conf *rc)
{
	json_object *cfg = json_object_new_object();

	jadd(cfg, "containersConf", jstrv(rt->cc->files.v));
	jadd(cfg, "registriesConf", jstrv(rc->files.v));
	jadd(cfg, "storageConf", jstr(rt->sc->path ? rt->sc->path : ""));
	return cfg;
}

json_object *cpod_info(cpod_runtime *rt, cpod_error **err)
{
	_cleanup_registries_conf_ registries_conf *rc = NULL;
	_cleanup_json_ json_object *version = NULL;
	json_object *info, *host, *stor;

	if (registries_conf_load(NULL, &rc, err) < 0)
		return NULL;
	host = host_info(rt, err);
	if (!host)
		return NULL;
	info = json_object_new_object();
	version = cpod_version_info();
	jadd(info, "host", host);
	stor = store_info(rt, err);
	if (!stor) {
		json_object_put(info);
		return NULL;
	}
	jadd(info, "store", stor);
	jadd(info, "registries", registries_info(rc));
	jadd(info, "configFiles", config_files(rt, rc));
	jadd(info, "version", json_object_get(json_object_object_get(version, "Client")));
	return info;
}

/* The compiler's __DATE__ __TIME__ as seconds since the epoch (podman's "Built"). */
static int64_t build_time(void)
{
	struct tm tm = { 0 };

	if (!strptime(__DATE__ " " __TIME__, "%b %d %Y %H:%M:%S", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

json_object *cpod_version_info(void)
{
	json_object *v = json_object_new_object(), *client = json_object_new_object();
	_cleanup_free_ char *osarch = xasprintf("linux/%s", manifest_host_arch());
	jadd(client, "APIVersion", jstr(cpod_api_version()));
	jadd(client, "Version", jstr(cpod_version()));
	jadd(client, "GoVersion", jstr("none (C, " __VERSION__ ")"));
	jadd(client, "GitCommit", jstr(CPOD_GIT_COMMIT));
	jadd(client, "BuiltTime", jstr(__DATE__ " " __TIME__));
	jadd(client, "Built", json_object_new_int64(build_time()));
	jadd(client, "OsArch", jstr(osarch));
	jadd(client, "Os", jstr("linux"));
	jadd(v, "Client", client);
	return v;
}
