#include "oci/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/spawn.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define CACHE_NAME "oci-runtime-probe.json"
#define CACHE_CAP (64 * 1024)

/* The bundle's root: the host's /usr read-only (merged-/usr hosts: /bin, /lib and /lib64 are
 * symlinks into it) and an empty /proc for the proc mount. */
static const char *const rootfs_dirs[] = { "rootfs", "rootfs/usr", "rootfs/proc" };
static const char *const rootfs_links[][2] = {
	{ "usr/bin", "rootfs/bin" },
	{ "usr/lib", "rootfs/lib" },
	{ "usr/lib64", "rootfs/lib64" },
	{ "usr/sbin", "rootfs/sbin" },
};

static json_object *jstrings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *jmount(const char *dst, const char *type, const char *src,
			   const char *const *opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	if (opts)
		json_object_object_add(m, "options", jstrings(opts));
	return m;
}

static json_object *jidmap(unsigned id)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int64(0));
	json_object_object_add(m, "hostID", json_object_new_int64(id));
	json_object_object_add(m, "size", json_object_new_int64(1));
	json_object_array_add(a, m);
	return a;
}

static json_object *probe_linux(const char *cgroup)
{
	static const char *const ns_root[] = { "pid", "mount", "ipc", "uts", NULL };
	static const char *const ns_user[] = { "pid", "mount", "ipc", "uts", "user", NULL };
	json_object *linux_ = json_object_new_object(), *ns = json_object_new_array();
	int rootless = geteuid() != 0;

	for (const char *const *n = rootless ? ns_user : ns_root; *n; n++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(*n));
		json_object_array_add(ns, o);
	}
	json_object_object_add(linux_, "namespaces", ns);
	if (rootless) {
		json_object_object_add(linux_, "uidMappings", jidmap(geteuid()));
		json_object_object_add(linux_, "gidMappings", jidmap(getegid()));
	} else {
		/* Creating the cgroup is where some runtimes fail on some hosts: include it. */
		json_object_object_add(linux_, "cgroupsPath", json_object_new_string(cgroup));
	}
	return linux_;
}

static char *probe_spec(const char *cgroup)
{
	static const char *const args[] = { "/usr/bin/true", NULL };
	static const char *const env[] = { "PATH=/usr/bin:/bin", NULL };
	static const char *const usr_opts[] = { "rbind", "ro", NULL };
	_cleanup_json_ json_object *spec = json_object_new_object();
	json_object *proc = json_object_new_object(), *user = json_object_new_object();
	json_object *root = json_object_new_object(), *mounts = json_object_new_array();

	json_object_object_add(user, "uid", json_object_new_int64(0));
	json_object_object_add(user, "gid", json_object_new_int64(0));
	json_object_object_add(proc, "args", jstrings(args));
	json_object_object_add(proc, "env", jstrings(env));
	json_object_object_add(proc, "cwd", json_object_new_string("/"));
	json_object_object_add(proc, "user", user);
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_array_add(mounts, jmount("/usr", "bind", "/usr", usr_opts));
	json_object_array_add(mounts, jmount("/proc", "proc", "proc", NULL));
	json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(spec, "process", proc);
	json_object_object_add(spec, "root", root);
	json_object_object_add(spec, "mounts", mounts);
	json_object_object_add(spec, "linux", probe_linux(cgroup));
	return json_to_string(spec, JSON_FMT_COMPACT);
}

static int make_bundle(int dfd, const char *cgroup, cpod_error **err)
{
	_cleanup_free_ char *spec = probe_spec(cgroup);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(spec);

	for (size_t i = 0; i < ARRAY_SIZE(rootfs_dirs); i++)
		if (mkdirat(dfd, rootfs_dirs[i], 0755) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'",
					rootfs_dirs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_links); i++)
		if (symlinkat(rootfs_links[i][0], dfd, rootfs_links[i][1]) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'",
					rootfs_links[i][1]);
	fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, spec, len) != (ssize_t)len)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing the probe's config.json");
	return 0;
}

static void remove_bundle(int dfd, const char *dir)
{
	unlinkat(dfd, "config.json", 0);
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_links); i++)
		unlinkat(dfd, rootfs_links[i][1], 0);
	for (size_t i = ARRAY_SIZE(rootfs_dirs); i-- > 0;)
		unlinkat(dfd, rootfs_dirs[i], AT_REMOVEDIR);
	rmdir(dir);
}

/* Runs the probe container; returns 1 (ran), 0 (runtime failed, *ret_reason set) or -1. */
static int run_probe(const char *path, const char *workdir, char **ret_reason, cpod_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/oci-probe.XXXXXX", workdir);
	_cleanup_free_ char *state = xasprintf("%s/oci-probe-state", workdir);
	_cleanup_free_ char *id = xasprintf("cpod-probe-%d", (int)getpid());
	_cleanup_free_ char *cgroup = xasprintf("/cpod-probe-%d", (int)getpid());
	_cleanup_close_ int dfd = -1;
	_cleanup_buf_ buf out = BUF_INIT;
	cpod_error *run_err = NULL;
	int r;

	if (!mkdtemp(dir))
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a probe bundle in '%s'",
				workdir);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || make_bundle(dfd, cgroup, err) < 0) {
		if (dfd < 0)
			cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", dir);
		remove_bundle(dfd, dir);
		return -1;
	}
	const char *const argv[] = { path, "--root", state, "run", "--bundle", dir, id, NULL };
	spawn sp;
	spawn_init(&sp, argv);
	sp.in.mode = SPAWN_NULL;
	r = spawn_capture_ex(&sp, &out, 4096, &run_err);
	if (r < 0) {
		const char *const del[] = { path, "--root", state, "delete", "--force", id, NULL };
		spawn ds;
		int st;

		spawn_init(&ds, del);
		ds.in.mode = ds.out.mode = ds.err.mode = SPAWN_NULL;
		spawn_run(&ds, &st, NULL);
		*ret_reason = xstrdup(cpod_error_message(run_err));
		cpod_error_free(run_err);
	}
	remove_bundle(dfd, dir);
	return r < 0 ? 0 : 1;
}

static json_object *cache_read(const char *file)
{
	_cleanup_buf_ buf b = BUF_INIT;
	json_object *doc;

	b.cap = CACHE_CAP;
	if (buf_read_file(&b, file) < 0)
		return json_object_new_object();
	/* A damaged cache is only a cache: start again. */
	doc = json_parse_bytes(b.s, b.len, CACHE_CAP, NULL);
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return json_object_new_object();
	}
	return doc;
}

/* Returns 1/0 from a cache entry that still describes the binary at path, -1 when none. */
static int cache_lookup(json_object *cache, const char *path, const struct stat *st,
			char **ret_reason)
{
	json_cur root = json_cur_root(cache), e = json_cur_field(&root, path);
	int64_t size, mtime;
	const char *reason;
	bool ok;

	if (json_cur_object(&e, NULL) < 0 || json_get_int64(&e, "size", &size, NULL) < 0 ||
	    json_get_int64(&e, "mtime", &mtime, NULL) < 0 ||
	    json_get_bool(&e, "ok", &ok, NULL) < 0 ||
	    json_get_string_opt(&e, "reason", "", &reason, NULL) < 0)
		return -1;
	if (size != (int64_t)st->st_size || mtime != (int64_t)st->st_mtime)
		return -1;
	if (!ok)
		*ret_reason = xstrdup(reason);
	return ok ? 1 : 0;
}

static void cache_store(const char *workdir, json_object *cache, const char *path,
			const struct stat *st, int ok, const char *reason)
{
	json_object *e = json_object_new_object();
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = open(workdir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	json_object_object_add(e, "size", json_object_new_int64(st->st_size));
	json_object_object_add(e, "mtime", json_object_new_int64(st->st_mtime));
	json_object_object_add(e, "ok", json_object_new_boolean(ok));
	if (reason)
		json_object_object_add(e, "reason", json_object_new_string(reason));
	json_object_object_add(cache, path, e);
	text = json_to_string(cache, JSON_FMT_COMPACT);
	/* Losing the cache costs one probe later; never fail the caller for it. */
	if (dfd >= 0)
		fs_write_atomic(dfd, CACHE_NAME, text, strlen(text), 0644, false, NULL);
}

int oci_probe_runtime(const char *path, const char *workdir, char **ret_reason, cpod_error **err)
{
	_cleanup_free_ char *cache_file = xasprintf("%s/%s", workdir, CACHE_NAME);
	_cleanup_json_ json_object *cache = NULL;
	char *reason = NULL;
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, errno, "OCI runtime '%s'", path);
	cache = cache_read(cache_file);
	r = cache_lookup(cache, path, &st, &reason);
	if (r < 0) {
		r = run_probe(path, workdir, &reason, err);
		if (r < 0)
			return -1;
		cache_store(workdir, cache, path, &st, r, reason);
	}
	if (r == 0)
		*ret_reason = reason;
	else
		free(reason);
	return r;
}
