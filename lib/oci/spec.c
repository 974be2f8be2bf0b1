/* The base of a container's config.json (root, hostname, default mounts, namespaces, masked
 * paths, annotations) and the order in which the parts fill the rest. */
#include "oci/spec.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define OCI_VERSION "1.0.2-dev"

static json_object *strs(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_mount(json_object *mounts, const char *dest, const char *type, const char *src,
		      const char *const *options)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", strs(options));
	json_object_array_add(mounts, m);
}

static json_object *default_mounts(const spec_ctx *ctx)
{
	json_object *m = json_object_new_array();

	add_mount(m, "/proc", "proc", "proc",
		  (const char *[]){ "nosuid", "noexec", "nodev", NULL });
	add_mount(m, "/dev", "tmpfs", "tmpfs",
		  (const char *[]){ "nosuid", "strictatime", "mode=755", "size=65536k", NULL });
	add_mount(m, "/dev/pts", "devpts", "devpts",
		  (const char *[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
				    ctx->rootless ? NULL : "gid=5", NULL });
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *[]){ "nosuid", "noexec", "nodev", NULL });
	add_mount(m, "/sys", "sysfs", "sysfs",
		  (const char *[]){ "nosuid", "noexec", "nodev", "ro", NULL });
	add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *[]){ "rprivate", "nosuid", "noexec", "nodev", "relatime", "ro",
				    NULL });
	add_mount(m, "/dev/shm", "tmpfs", "shm",
		  (const char *[]){ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
				    NULL });
	return m;
}

/* The namespace setting of key: nsmode (default def) and value. */
static void ns_mode(json_object *sg, const char *key, const char *def, const char **mode,
		    const char **value)
{
	json_object *ns, *v;

	*mode = def;
	*value = NULL;
	if (!sg || !json_object_object_get_ex(sg, key, &ns) ||
	    !json_object_is_type(ns, json_type_object))
		return;
	if (json_object_object_get_ex(ns, "nsmode", &v) &&
	    json_object_is_type(v, json_type_string) && *json_object_get_string(v))
		*mode = json_object_get_string(v);
	if (json_object_object_get_ex(ns, "value", &v) && json_object_is_type(v, json_type_string))
		*value = json_object_get_string(v);
}

/* Adds the namespace of OCI type `type` as specgen key asks: private (new), host (none),
 * path (join the file). */
static int add_ns(const spec_ctx *ctx, json_object *nss, const char *key, const char *type,
		  const char *def, cpod_error **err)
{
	const char *mode, *value;
	json_object *ns;

	ns_mode(ctx->sg, key, def, &mode, &value);
	if (strcmp(mode, "host") == 0)
		return 0;
	ns = json_object_new_object();
	json_object_object_add(ns, "type", json_object_new_string(type));
	if (strcmp(mode, "path") == 0) {
		if (!value || value[0] != '/') {
			json_object_put(ns);
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"%s: namespace path '%s' must be absolute", key,
					value ? value : "");
		}
		json_object_object_add(ns, "path", json_object_new_string(value));
	} else if (strcmp(mode, "private") != 0 && strcmp(mode, "shareable") != 0 &&
		   strcmp(mode, "none") != 0 && strcmp(mode, "") != 0) {
		json_object_put(ns);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s: unsupported namespace mode '%s'",
				key, mode);
	}
	json_object_array_add(nss, ns);
	return 0;
}

static int namespaces(const spec_ctx *ctx, json_object *lx, cpod_error **err)
{
	json_object *nss = json_object_new_array();
	const char *cgroupns = ctx->cc->cgroupns && *ctx->cc->cgroupns
				       ? ctx->cc->cgroupns
				       : (ctx->cgroup2 ? "private" : "host");

	json_object_object_add(lx, "namespaces", nss);
	if (add_ns(ctx, nss, "pidns", "pid", "private", err) < 0 ||
	    add_ns(ctx, nss, "netns", "network", "private", err) < 0 ||
	    add_ns(ctx, nss, "ipcns", "ipc", "private", err) < 0 ||
	    add_ns(ctx, nss, "utsns", "uts", "private", err) < 0 ||
	    add_ns(ctx, nss, "cgroupns", "cgroup", cgroupns, err) < 0)
		return -1;
	json_object_array_add(nss, json_object_new_object());
	json_object_object_add(json_object_array_get_idx(nss, json_object_array_length(nss) - 1),
			       "type", json_object_new_string("mount"));
	return 0;
}

static const char *const masked_paths[] = {
	"/proc/acpi",	    "/proc/kcore",	 "/proc/keys",	      "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware",    "/sys/fs/selinux",	 "/sys/dev/block",    NULL,
};
static const char *const readonly_paths[] = {
	"/proc/asound", "/proc/bus",	       "/proc/fs", "/proc/irq",
	"/proc/sys",	"/proc/sysrq-trigger", NULL,
};

static json_object *annotations(const spec_ctx *ctx)
{
	json_object *a = json_object_new_object(), *given;

	if (json_object_object_get_ex(ctx->sg, "annotations", &given) &&
	    json_object_is_type(given, json_type_object)) {
		json_object_object_foreach(given, k, v) {
			if (json_object_is_type(v, json_type_string))
				json_object_object_add(a, k, json_object_get(v));
		}
	}
	json_object_object_add(a, "io.container.manager", json_object_new_string("cpod"));
	return a;
}

static json_object *base(const spec_ctx *ctx)
{
	json_object *spec = json_object_new_object();
	json_object *root = json_object_new_object();
	json_object *proc = json_object_new_object();
	json_object *lx = json_object_new_object();
	const char *uts, *value;

	json_object_object_add(spec, "ociVersion", json_object_new_string(OCI_VERSION));
	json_object_object_add(spec, "process", proc);
	json_object_object_add(root, "path", json_object_new_string(ctx->rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(0));
	json_object_object_add(spec, "root", root);
	ns_mode(ctx->sg, "utsns", "private", &uts, &value);
	if (strcmp(uts, "host") != 0 && ctx->hostname)
		json_object_object_add(spec, "hostname", json_object_new_string(ctx->hostname));
	json_object_object_add(spec, "mounts", default_mounts(ctx));
	json_object_object_add(spec, "annotations", annotations(ctx));
	json_object_object_add(lx, "maskedPaths", strs(masked_paths));
	json_object_object_add(lx, "readonlyPaths", strs(readonly_paths));
	json_object_object_add(spec, "linux", lx);
	return spec;
}

/* The init binary for --init: --init-path, containers.conf init_path / engine init_path,
 * else catatonit from $PATH. */
static int find_init(const spec_ctx *ctx, char **ret, cpod_error **err)
{
	const char *cands[] = { NULL,
				ctx->cc->init_path,
				ctx->cc->engine_init_path,
				"/usr/bin/catatonit",
				"/usr/libexec/podman/catatonit",
				"/usr/local/bin/catatonit" };
	json_object *v;

	if (json_object_object_get_ex(ctx->sg, "init_path", &v) &&
	    json_object_is_type(v, json_type_string) && *json_object_get_string(v)) {
		if (access(json_object_get_string(v), X_OK) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, errno, "--init-path '%s'",
					json_object_get_string(v));
		*ret = xstrdup(json_object_get_string(v));
		return 0;
	}
	for (size_t i = 1; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (cands[i] && *cands[i] && access(cands[i], X_OK) == 0) {
			*ret = xstrdup(cands[i]);
			return 0;
		}
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			"--init: no init binary found (install catatonit or set init_path)");
}

/* --init: the init binary bind-mounted read-only at SPEC_INIT_PATH runs as pid 1 and starts
 * the process ("/run/cpod-init -- ARGS..."). */
static int add_init(const spec_ctx *ctx, json_object *spec, cpod_error **err)
{
	_cleanup_free_ char *path = NULL;
	json_object *v, *proc, *args, *mounts, *nargs;

	if (!json_object_object_get_ex(ctx->sg, "init", &v) || !json_object_get_boolean(v))
		return 0;
	if (find_init(ctx, &path, err) < 0)
		return -1;
	json_object_object_get_ex(spec, "mounts", &mounts);
	add_mount(mounts, SPEC_INIT_PATH, "bind", path,
		  (const char *[]){ "bind", "ro", "nosuid", "nodev", NULL });
	json_object_object_get_ex(spec, "process", &proc);
	nargs = json_object_new_array();
	json_object_array_add(nargs, json_object_new_string(SPEC_INIT_PATH));
	json_object_array_add(nargs, json_object_new_string("--"));
	if (json_object_object_get_ex(proc, "args", &args))
		for (size_t i = 0; i < json_object_array_length(args); i++)
			json_object_array_add(nargs,
					      json_object_get(json_object_array_get_idx(args, i)));
	json_object_object_add(proc, "args", nargs);
	return 0;
}

int spec_generate(const spec_ctx *ctx, json_object **ret, cpod_error **err)
{
	_cleanup_json_ json_object *spec = base(ctx);
	json_object *lx;

	json_object_object_get_ex(spec, "linux", &lx);
	if (namespaces(ctx, lx, err) < 0 || spec_process(ctx, spec, err) < 0 ||
	    spec_mounts(ctx, spec, err) < 0 || spec_security(ctx, spec, err) < 0 ||
	    spec_resources(ctx, spec, err) < 0 || add_init(ctx, spec, err) < 0 ||
	    spec_hooks((const char *const *)ctx->hooks_dirs, spec, err) < 0)
		return -1;
	*ret = TAKE_PTR(spec);
	return 0;
}
