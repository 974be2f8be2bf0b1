/* A container's way through the OCI runtime: init (mount, config.json, conmon + runtime
 * create), start, the exit, cleanup and removal.  Every function here runs with the
 * container's lock held and saves the state it changed. */
#include "engine/container_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "engine/ctr_files.h"
#include "engine/ctr_oci.h"
#include "engine/volume_internal.h"
#include "image/image_config.h"
#include "oci/cgroup.h"
#include "oci/spec.h"
#include "common/banned.h"

static bool ns_is(json_object *sg, const char *key, const char *mode)
{
	json_object *ns;

	return json_object_object_get_ex(sg, key, &ns) &&
	       strcmp(sg_str(ns, "nsmode", ""), mode) == 0;
}

/* The image's "config" object (Env, Cmd, ...), or NULL when it has none. */
static int image_config_object(cpod_runtime *rt, const ctr *c, json_object **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	json_object *cfg;

	*ret = NULL;
	if (!c->image_id)
		return 0;
	if (store_image_bigdata(engine_store(rt, err), c->image_id, "config", &b,
				IMAGE_CONFIG_MAX_SIZE, err) < 0)
		return cpod_err_prefix(err, "reading the config of image '%s'", c->image_id);
	doc = json_parse_bytes(b.s, b.len, IMAGE_CONFIG_MAX_SIZE, err);
	if (!doc)
		return cpod_err_prefix(err, "image '%s' config", c->image_id);
	if (json_object_object_get_ex(doc, "config", &cfg) &&
	    json_object_is_type(cfg, json_type_object))
		*ret = json_object_get(cfg);
	return 0;
}

/* A copy of the specgen where namespaces shared with another container ("container:ID")
 * point at that container's namespace files. */
static int resolve_ns(cpod_runtime *rt, const ctr *c, json_object **ret, cpod_error **err)
{
	static const struct {
		const char *key, *file;
	} nss[] = { { "pidns", "pid" },
		    { "ipcns", "ipc" },
		    { "utsns", "uts" },
		    { "netns", "net" },
		    { "cgroupns", "cgroup" } };
	json_object *sg = NULL;

	if (json_object_deep_copy(c->sg, &sg, NULL) < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "copying the container spec");
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		_cleanup_(ctr_freep) ctr *other = NULL;
		_cleanup_free_ char *oid = NULL;
		json_object *ns;

		if (!ns_is(sg, nss[i].key, "container"))
			continue;
		json_object_object_get_ex(sg, nss[i].key, &ns);
		oid = ctr_lookup_id(rt, sg_str(ns, "value", ""), err);
		if (!oid || ctr_load(rt, oid, &other, err) < 0)
			goto fail;
		if (other->state != CTR_RUNNING && other->state != CTR_PAUSED &&
		    other->state != CTR_CREATED) {
			cpod_err(err, CPOD_ERR_STATE, 0,
				 "%s: container '%s' is not running: container state improper",
				 nss[i].key, other->name);
			goto fail;
		}
		json_object_object_add(ns, "nsmode", json_object_new_string("path"));
		{
			_cleanup_free_ char *p =
				xasprintf("/proc/%lld/ns/%s", (long long)other->pid, nss[i].file);

			json_object_object_add(ns, "value", json_object_new_string(p));
		}
	}
	*ret = sg;
	return 0;
fail:
	json_object_put(sg);
	return -1;
}

static char *hostname_of(const ctr *c)
{
	const char *h = sg_str(c->sg, "hostname", NULL);

	if (ns_is(c->sg, "utsns", "host"))
		return NULL;
	return h && *h ? xstrdup(h) : id_short(c->id);
}

static int write_spec(cpod_runtime *rt, ctr *c, const char *bundle, cpod_error **err)
{
	_cleanup_json_ json_object *sg = NULL, *img = NULL, *spec = NULL, *vm = NULL;
	_cleanup_free_ char *hostname = hostname_of(c), *cfgpath = NULL;
	_cleanup_close_ int rootfd = -1;
	cgroup_mode mode = cgroup_detect_mode("/sys/fs/cgroup");
	spec_ctx sc = { 0 };
	ctr_files_opts fo = {
		.id = c->id,
		.name = c->name,
		.image_name = c->image_name,
		.image_id = c->image_id,
		.hostname = hostname,
		.sg = c->sg,
		.host_network = ns_is(c->sg, "netns", "host"),
		.privileged = sg_bool(c->sg, "privileged", false),
		.rootless = rt->rootless,
	};
	const char *json;

	if (ctr_files_write(bundle, &fo, err) < 0 || image_config_object(rt, c, &img, err) < 0 ||
	    resolve_ns(rt, c, &sg, err) < 0 ||
	    volume_resolve_for_container(rt, c->id, c->sg, img, c->mountpoint, &vm, err) < 0)
		return -1;
	rootfd = open(c->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", c->mountpoint);
	sc.id = c->id;
	sc.name = c->name;
	sc.sg = sg;
	sc.image_config = img;
	sc.cc = rt->cc;
	sc.rootfs = c->mountpoint;
	sc.rootfs_fd = rootfd;
	sc.bundle = bundle;
	sc.volume_mounts = vm;
	sc.cgroup_parent = sg_str(c->sg, "cgroup_parent", NULL);
	if (!sc.cgroup_parent || !*sc.cgroup_parent)
		sc.cgroup_parent = "/cpod";
	sc.rootless = rt->rootless;
	sc.cgroup2 = mode == CGROUP_UNIFIED;
	sc.hostname = hostname;
	sc.hooks_dirs = rt->hooks_dirs.v;
	if (spec_generate(&sc, &spec, err) < 0)
		return cpod_err_prefix(err, "generating the OCI spec of container '%s'", c->name);
	json = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_NOSLASHESCAPE);
	cfgpath = xasprintf("%s/config.json", bundle);
	/* The bundle is in runroot, a tmpfs: no fsync. */
	return fs_write_atomic(AT_FDCWD, cfgpath, json, strlen(json), 0600, false, err);
}

static void unlink_quiet(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		log_debug("removing '%s': %s", path, strerror(errno));
}

static int mkdirs(cpod_runtime *rt, const ctr *c, const char *bundle, cpod_error **err)
{
	_cleanup_free_ char *exits = ctr_exit_dir(rt), *persist = ctr_persist_dir(rt, c->id);
	_cleanup_free_ char *exitfile = ctr_exit_file(rt, c->id);
	_cleanup_free_ char *oom = xasprintf("%s/oom", persist);
	_cleanup_free_ char *pexit = xasprintf("%s/exit", persist);
	const char *dirs[] = { exits, persist, bundle };

	for (size_t i = 0; i < 3; i++)
		if (fs_mkdir_p(dirs[i], 0700) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dirs[i]);
	/* A stale exit file would make the new process look exited at once. */
	unlink_quiet(exitfile);
	unlink_quiet(oom);
	unlink_quiet(pexit);
	return 0;
}

int ctr_init_locked(cpod_runtime *rt, ctr *c, cpod_error **err)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	store *s = engine_store(rt, err);
	ctr_oci_created created = { 0 };

	if (!s)
		return -1;
	if (c->state == CTR_CREATED)
		return 0;
	if (c->state != CTR_CONFIGURED && c->state != CTR_EXITED && c->state != CTR_STOPPED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"container %s has already been created in runtime: container state "
				"improper",
				c->id);
	if (!c->mountpoint) {
		if (store_mount(s, c->id, NULL, &c->mountpoint, err) < 0)
			return cpod_err_prefix(err, "mounting container '%s'", c->name);
		if (ctr_save(rt, c, err) < 0)
			return -1;
	}
	if (mkdirs(rt, c, bundle, err) < 0 || write_spec(rt, c, bundle, err) < 0 ||
	    ctr_oci_create(rt, c, bundle, &created, err) < 0)
		return -1;
	c->pid = created.pid;
	c->conmon_pid = created.conmon_pid;
	free(c->runtime);
	c->runtime = xstrdup(created.runtime);
	c->state = CTR_CREATED;
	c->exit_code = 0;
	c->oom_killed = false;
	c->stopped_by_user = false;
	c->finished_at = 0;
	free(created.runtime);
	return ctr_save(rt, c, err);
}

int ctr_start_locked(cpod_runtime *rt, ctr *c, cpod_error **err)
{
	if (c->state == CTR_RUNNING)
		return 0;
	if (c->state == CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"container %s is paused, use unpause: container state improper",
				c->id);
	if (ctr_init_locked(rt, c, err) < 0)
		return -1;
	if (ctr_oci_start(rt, c, err) < 0)
		return -1;
	c->state = CTR_RUNNING;
	c->started_at = engine_now_ns();
	return ctr_save(rt, c, err);
}

/* Reads a decimal exit code file; 1 when it exists, 0 when not. */
int ctr_read_exit_file(const char *path, int64_t *ret_code, int64_t *ret_time)
{
	_cleanup_buf_ buf b = BUF_INIT;
	struct stat st;
	char *end;
	long long v;

	if (stat(path, &st) < 0)
		return 0;
	if (fs_read_file(path, 64, &b, NULL) < 0)
		return 0;
	errno = 0;
	v = strtoll(b.s, &end, 10);
	*ret_code = (errno || end == b.s) ? -1 : v;
	*ret_time = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	return 1;
}

int ctr_sync_exit(cpod_runtime *rt, ctr *c, cpod_error **err)
{
	_cleanup_free_ char *exitfile = NULL, *oom = NULL, *persist = NULL;
	int64_t code, when;

	if (c->state != CTR_RUNNING && c->state != CTR_CREATED && c->state != CTR_PAUSED &&
	    c->state != CTR_STOPPING)
		return c->state == CTR_STOPPED || c->state == CTR_EXITED;
	exitfile = ctr_exit_file(rt, c->id);
	if (!ctr_read_exit_file(exitfile, &code, &when))
		return 0;
	persist = ctr_persist_dir(rt, c->id);
	oom = xasprintf("%s/oom", persist);
	c->exit_code = code;
	c->finished_at = when;
	c->oom_killed = access(oom, F_OK) == 0;
	c->state = CTR_STOPPED;
	c->pid = 0;
	if (ctr_save(rt, c, err) < 0)
		return -1;
	return 1;
}

static void remove_runtime_files(cpod_runtime *rt, const ctr *c)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	_cleanup_free_ char *persist = ctr_persist_dir(rt, c->id);

	if (fs_rm_rf_at(AT_FDCWD, bundle) < 0)
		log_debug("removing '%s': %s", bundle, strerror(errno));
	if (fs_rm_rf_at(AT_FDCWD, persist) < 0)
		log_debug("removing '%s': %s", persist, strerror(errno));
}

int ctr_cleanup_locked(cpod_runtime *rt, ctr *c, cpod_error **err)
{
	store *s = engine_store(rt, err);
	int r;

	if (!s)
		return -1;
	r = ctr_sync_exit(rt, c, err);
	if (r < 0)
		return -1;
	if (c->state == CTR_RUNNING || c->state == CTR_PAUSED || c->state == CTR_STOPPING ||
	    c->state == CTR_CREATED)
		return 0; /* its process is still there: nothing to clean up */
	if (c->state == CTR_STOPPED) {
		if (ctr_oci_delete(rt, c, err) < 0)
			return -1;
		c->state = CTR_EXITED;
		c->pid = 0;
		c->conmon_pid = 0;
	}
	if (c->mountpoint) {
		if (volume_release_for_container(rt, c->id, err) < 0)
			return cpod_err_prefix(err, "releasing the volumes of container '%s'",
					       c->name);
		if (store_unmount(s, c->id, false, err) < 0)
			return cpod_err_prefix(err, "unmounting container '%s'", c->name);
		free(c->mountpoint);
		c->mountpoint = NULL;
	}
	return ctr_save(rt, c, err);
}

int ctr_remove_locked(cpod_runtime *rt, ctr *c, bool volumes, cpod_error **err)
{
	_cleanup_free_ char *sdir = ctr_static_dir(rt, c->id);
	_cleanup_free_ char *lockfile = xasprintf("%s/locks/%s", rt->sc->runroot, c->id);
	store *s = engine_store(rt, err);
	cpod_error *e = NULL;

	if (!s || ctr_cleanup_locked(rt, c, err) < 0)
		return -1;
	if (c->state == CTR_RUNNING || c->state == CTR_PAUSED || c->state == CTR_STOPPING)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"cannot remove container %s as it is %s - running or paused "
				"containers cannot be removed without force: container state "
				"improper",
				c->id, ctr_state_name(c->state));
	c->state = CTR_REMOVING;
	if (ctr_save(rt, c, err) < 0)
		return -1;
	/* A runtime container left by an interrupted init or cleanup. */
	if (ctr_oci_exists(rt, c) && ctr_oci_delete(rt, c, err) < 0)
		return -1;
	if (store_container_delete(s, c->id, &e) < 0) {
		if (cpod_error_kind(e) != CPOD_ERR_NOT_FOUND) {
			cpod_err_prefix(&e, "removing the storage of container '%s'", c->name);
			if (err)
				*err = e;
			else
				cpod_error_free(e);
			return -1;
		}
		cpod_error_free(e);
	}
	if (volumes && volume_remove_anonymous_of(rt, c->id, err) < 0)
		return -1;
	remove_runtime_files(rt, c);
	if (fs_rm_rf_at(AT_FDCWD, sdir) < 0)
		log_warn("removing '%s': %s", sdir, strerror(errno));
	/* The exit file stays: a foreground `run --rm` reads the code from it when conmon's
	 * exit command removed the container first. */
	if (ctr_delete_row(rt, c->id, err) < 0)
		return -1;
	unlink_quiet(lockfile);
	return 0;
}

/* Waits up to timeout_ms (< 0: forever) for the exit file of c; 1 when it exists. */
int ctr_wait_exit_file(cpod_runtime *rt, const char *id, int timeout_ms)
{
	_cleanup_free_ char *dir = ctr_exit_dir(rt), *path = ctr_exit_file(rt, id);
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	struct timespec start, now;

	fs_mkdir_p(dir, 0700);
	if (in >= 0 && inotify_add_watch(in, dir, IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE) < 0) {
		close(in);
		in = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		long left = 250;
		char ev[4096];

		if (access(path, F_OK) == 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_ms >= 0) {
			long spent = (now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000;

			if (spent >= timeout_ms)
				return 0;
			if (timeout_ms - spent < left)
				left = timeout_ms - spent;
		}
		if (in >= 0) {
			if (poll(&p, 1, (int)left) > 0)
				while (read(in, ev, sizeof(ev)) > 0)
					;
		} else {
			struct timespec ts = { 0, 10 * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
}
