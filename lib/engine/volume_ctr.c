/* Volumes as containers use them: which volumes a container's specgen and image ask for,
 * their rows in container_volumes, the mount counts, copy-up and the first chown (podman's
 * runtime_ctr.go setupContainer, container_internal.go mountNamedVolume and
 * fixVolumePermissions). */
#include "engine/volume_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "engine/container_internal.h"
#include "oci/spec_mounts.h"
#include "oci/userlookup.h"
#include "common/banned.h"

/* One volume a container asks for. */
typedef struct {
	char *dest;	/* clean, absolute */
	char *name;	/* "" for a new anonymous volume */
	strv options;	/* mount options as given */
	bool anonymous; /* IsAnonymous, or an image volume */
} want;

typedef struct {
	want *v;
	size_t n;
} wantv;

static void wantv_clear(wantv *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].dest);
		free(w->v[i].name);
		strv_clear(&w->v[i].options);
	}
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static want *wantv_find(const wantv *w, const char *dest)
{
	for (size_t i = 0; i < w->n; i++)
		if (str_eq(w->v[i].dest, dest))
			return &w->v[i];
	return NULL;
}

static want *wantv_push(wantv *w, const char *dest, const char *name, bool anonymous)
{
	want *x;

	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	x = &w->v[w->n++];
	*x = (want){ .dest = xstrdup(dest), .name = xstrdup(name), .anonymous = anonymous };
	strv_init(&x->options);
	return x;
}

/* parse.ValidateVolumeCtrDir, then filepath.Clean. */
static char *clean_dest(const char *dest, cpod_error **err)
{
	if (!dest || dest[0] != '/')
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid container path \"%s\", must be an absolute path",
				dest ? dest : ""),
		       NULL;
	return spec_path_clean(dest);
}

/* One specgen volume ({Name, Dest, Options, IsAnonymous}) or "volume" mount ({source,
 * destination, options}). */
static int add_sg_volume(wantv *w, const json_cur *e, bool is_mount, cpod_error **err)
{
	const char *name, *dest;
	_cleanup_free_ char *clean = NULL;
	bool anon = false;
	json_cur opts;
	size_t n;
	want *x;

	if (json_cur_object(e, err) < 0 ||
	    json_get_string_opt(e, is_mount ? "source" : "Name", "", &name, err) < 0 ||
	    json_get_string(e, is_mount ? "destination" : "Dest", &dest, err) < 0 ||
	    json_get_array_opt(e, is_mount ? "options" : "Options", &opts, &n, err) < 0 ||
	    (!is_mount && json_get_bool_opt(e, "IsAnonymous", false, &anon, err) < 0))
		return -1;
	clean = clean_dest(dest, err);
	if (!clean)
		return -1;
	if (wantv_find(w, clean))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"conflict in specified volumes - multiple volumes at \"%s\": "
				"duplicate mount destination",
				clean);
	x = wantv_push(w, clean, name, anon || !*name);
	for (size_t i = 0; i < n; i++) {
		json_cur o = json_cur_index(&opts, i);
		const char *s;

		if (json_cur_string(&o, &s, err) < 0)
			return -1;
		strv_push(&x->options, s);
	}
	return 0;
}

static int collect_sg(json_object *sg, wantv *w, strv *mount_dests, cpod_error **err)
{
	json_cur root = json_cur_root(sg), vols, mounts;
	size_t nv, nm;

	if (json_get_array_opt(&root, "volumes", &vols, &nv, err) < 0 ||
	    json_get_array_opt(&root, "mounts", &mounts, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < nv; i++) {
		json_cur e = json_cur_index(&vols, i);

		if (add_sg_volume(w, &e, false, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < nm; i++) {
		json_cur e = json_cur_index(&mounts, i);
		const char *type, *dest;

		if (json_cur_object(&e, err) < 0 ||
		    json_get_string_opt(&e, "type", "", &type, err) < 0 ||
		    json_get_string_opt(&e, "destination", "", &dest, err) < 0)
			return -1;
		if (str_eq(type, "volume")) {
			if (add_sg_volume(w, &e, true, err) < 0)
				return -1;
		} else if (dest[0] == '/') {
			strv_push_take(mount_dests, spec_path_clean(dest));
		}
	}
	return 0;
}

/* The specgen's image_volume_mode, else containers.conf's; "bind" means anonymous volumes. */
static int image_volume_mode(cpod_runtime *rt, json_object *sg, const char **ret, cpod_error **err)
{
	json_cur root = json_cur_root(sg);
	const char *mode;

	if (json_get_string_opt(&root, "image_volume_mode", "", &mode, err) < 0)
		return -1;
	if (!*mode)
		mode = rt->cc->image_volume_mode && *rt->cc->image_volume_mode
			       ? rt->cc->image_volume_mode
			       : "bind";
	if (strcasecmp(mode, "bind") == 0 || strcasecmp(mode, "anonymous") == 0)
		*ret = "anonymous";
	else if (strcasecmp(mode, "tmpfs") == 0)
		*ret = "tmpfs";
	else if (strcasecmp(mode, "ignore") == 0)
		*ret = "ignore";
	else
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid ImageVolumeMode \"%s\", value must be one of "
				"ignore,tmpfs,anonymous",
				mode);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The image's VOLUMEs that nothing else covers become anonymous volumes (sorted, so that a
 * container's volumes come in the same order every time). */
static int collect_image(cpod_runtime *rt, json_object *sg, json_object *image_config, wantv *w,
			 const strv *mount_dests, cpod_error **err)
{
	static const char *const opts[] = { "rprivate", "rw", "nodev", "exec", NULL };
	json_cur img = json_cur_root(image_config), vols;
	_cleanup_strv_ strv dests = STRV_INIT;
	const char *mode = NULL;

	if (image_volume_mode(rt, sg, &mode, err) < 0 ||
	    json_get_object_opt(&img, "Volumes", &vols, err) < 0)
		return -1;
	if (!str_eq(mode, "anonymous") || !vols.obj)
		return 0;
	json_object_object_foreach(vols.obj, key, val) {
		(void)val;
		if (key[0] == '/')
			strv_push_take(&dests, spec_path_clean(key));
		else
			log_debug("ignoring the image volume '%s': not an absolute path", key);
	}
	if (dests.n)
		qsort(dests.v, dests.n, sizeof(*dests.v), cmp_str);
	for (size_t i = 0; i < dests.n; i++) {
		if (wantv_find(w, dests.v[i]) ||
		    strv_contains((const char *const *)mount_dests->v, dests.v[i]))
			continue;
		strv_pushv(&wantv_push(w, dests.v[i], "", true)->options, opts);
	}
	return 0;
}

static int collect(cpod_runtime *rt, json_object *sg, json_object *image_config, wantv *w,
		   cpod_error **err)
{
	_cleanup_strv_ strv mount_dests = STRV_INIT;

	if (collect_sg(sg, w, &mount_dests, err) < 0 ||
	    collect_image(rt, sg, image_config, w, &mount_dests, err) < 0)
		return cpod_err_prefix(err, "volumes");
	return 0;
}

/* ---- registration ---- */

/* util.ParseDriverOpts: "volume-opt=KEY=VALUE". */
static int driver_opts(const want *x, json_object *into, cpod_error **err)
{
	for (size_t i = 0; i < x->options.n; i++) {
		const char *o = x->options.v[i], *v, *eq;
		_cleanup_free_ char *key = NULL;

		if (!str_has_prefix(o, "volume-opt"))
			continue;
		v = strchr(o, '=');
		eq = v ? strchr(v + 1, '=') : NULL;
		if (!eq)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"cannot parse driver opts: invalid mount option");
		key = xstrndup(v + 1, (size_t)(eq - v - 1));
		json_object_object_add(into, key, json_object_new_string(eq + 1));
	}
	return 0;
}

/* A named volume the container asks for that does not exist yet, made as podman does:
 * owned by the container's root, chowned on first use. */
static int create_named(cpod_runtime *rt, const want *x, char **ret, cpod_error **err)
{
	_cleanup_json_ json_object *options = json_object_new_object();
	vol_spec spec = { .name = x->name, .needs_chown = true, .anonymous = x->anonymous };
	int r;

	if (!vol_name_valid(x->name))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"creating named volume \"%s\": running volume create option: names "
				"must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
				x->name);
	if (driver_opts(x, options, err) < 0 ||
	    vol_check_options(x->name, NULL, options, &spec.uid, &spec.gid, &spec.needs_chown,
			      err) < 0)
		return cpod_err_prefix(err, "creating named volume \"%s\"", x->name);
	spec.options = options;
	r = vol_insert(rt, &spec, ret, err);
	return r < 0 ? cpod_err_prefix(err, "creating named volume \"%s\"", x->name) : 0;
}

/* The row of one destination; *made gets the names of volumes made here. */
static int register_one(cpod_runtime *rt, db *d, const char *ctr_id, const want *x, strv *made,
			cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *name = NULL;
	int r;

	if (db_prepare(d, "SELECT 1 FROM container_volumes WHERE container_id = ? AND dest = ?",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "tt", ctr_id, x->dest) < 0 || (r = db_step(d, st, err)) < 0)
		return -1;
	if (r > 0)
		return 0;
	if (!*x->name) {
		vol_spec spec = { .needs_chown = true, .anonymous = true };

		if (vol_insert(rt, &spec, &name, err) < 0)
			return -1;
		strv_push(made, name);
	} else if ((r = cpod_volume_exists(rt, x->name, err)) < 0) {
		return -1;
	} else if (r == 0) {
		if (create_named(rt, x, &name, err) < 0)
			return -1;
		strv_push(made, name);
	}
	return db_run(d, err,
		      "INSERT INTO container_volumes (container_id, volume, dest) VALUES (?, ?, ?)",
		      "ttt", ctr_id, name ? name : x->name, x->dest) < 0
		       ? -1
		       : 0;
}

static int register_wants(cpod_runtime *rt, const char *ctr_id, const wantv *w, cpod_error **err)
{
	_cleanup_strv_ strv made = STRV_INIT;
	db *d = engine_db(rt, err);
	bool own;
	int r = 0;

	if (!d || vol_tx_begin(d, &own, err) < 0)
		return -1;
	for (size_t i = 0; i < w->n && r == 0; i++)
		r = register_one(rt, d, ctr_id, &w->v[i], &made, err);
	if (vol_tx_end(d, own, r, err) < 0)
		return -1;
	for (size_t i = 0; i < made.n; i++) {
		_cleanup_(vol_freep) vol *v = NULL;

		if (vol_load(rt, made.v[i], &v, err) < 0 ||
		    vol_make_dirs(v->mountpoint, v->uid, v->gid, err) < 0)
			return -1;
	}
	return 0;
}

int volume_register_for_container(cpod_runtime *rt, const char *ctr_id, json_object *sg,
				  json_object *image_config, cpod_error **err)
{
	wantv w = { 0 };
	int r = collect(rt, sg, image_config, &w, err);

	if (r == 0)
		r = register_wants(rt, ctr_id, &w, err);
	wantv_clear(&w);
	return r;
}

/* ---- mount options ---- */

/* podman's util.ProcessOptions for a named volume (not tmpfs, no bind source): checks the
 * options, keeps them in order, adds rw, rprivate and rbind when no option of their kind was
 * given.  copy/nocopy and volume-opt are the engine's and do not reach the runtime. */
static int mount_options(const want *x, json_object **ret, cpod_error **err)
{
	static const char *const groups[][9] = {
		{ "rw", "ro" },
		{ "exec", "noexec" },
		{ "suid", "nosuid" },
		{ "dev", "nodev" },
		{ "bind", "rbind" },
		{ "z", "Z" },
		{ "U" },
		{ "copy", "nocopy" },
		{ "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
		  "runbindable" },
	};
	bool seen[ARRAY_SIZE(groups)] = { false };
	json_object *out = json_object_new_array();

	for (size_t i = 0; i < x->options.n; i++) {
		const char *o = x->options.v[i];
		size_t g;

		if (str_has_prefix(o, "volume-opt") || str_eq(o, "consistency"))
			continue;
		for (g = 0; g < ARRAY_SIZE(groups); g++)
			if (strv_contains(groups[g], o))
				break;
		if (g == ARRAY_SIZE(groups) && !str_eq(o, "O") && !str_has_prefix(o, "idmap")) {
			json_object_put(out);
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"processing options for named volume \"%s\" mounted at "
					"\"%s\": unknown mount option \"%s\": invalid mount option",
					x->name, x->dest, o);
		}
		if (g < ARRAY_SIZE(groups) && seen[g]) {
			json_object_put(out);
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"processing options for named volume \"%s\" mounted at "
					"\"%s\": option \"%s\" conflicts with an earlier one: "
					"duplicate mount option passed",
					x->name, x->dest, o);
		}
		if (g < ARRAY_SIZE(groups))
			seen[g] = true;
		if (!str_eq(o, "copy") && !str_eq(o, "nocopy"))
			json_object_array_add(out, json_object_new_string(o));
	}
	if (!seen[0])
		json_object_array_add(out, json_object_new_string("rw"));
	if (!seen[8])
		json_object_array_add(out, json_object_new_string("rprivate"));
	if (!seen[4])
		json_object_array_add(out, json_object_new_string("rbind"));
	*ret = out;
	return 0;
}

static json_object *oci_mount(const char *dest, const char *source, json_object *options)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(source));
	json_object_object_add(m, "options", options);
	return m;
}

/* ---- readying one volume ---- */

/* What readying the volumes of one container needs. */
typedef struct {
	cpod_runtime *rt;
	const char *ctr_id;
	json_object *sg, *image_config;
	int rootfd;
	bool have_user;
	uint32_t uid, gid; /* the container process's, resolved on first need */
} ready_ctx;

/* The process user (specgen user, else the image's User) through the rootfs's passwd and
 * group; root when it does not resolve (the spec generation reports that). */
static void process_user(ready_ctx *rc)
{
	json_cur sg = json_cur_root(rc->sg), img = json_cur_root(rc->image_config);
	userlookup_file passwd = { 0 }, group = { 0 };
	exec_user u = { 0 };
	const char *spec = "";
	cpod_error *e = NULL;

	if (rc->have_user)
		return;
	rc->have_user = true;
	rc->uid = rc->gid = 0;
	if (json_get_string_opt(&sg, "user", "", &spec, NULL) < 0 || !*spec)
		if (json_get_string_opt(&img, "User", "", &spec, NULL) < 0)
			spec = "";
	if (userlookup_read_in_root(rc->rootfd, "/etc/passwd", &passwd, &e) == 0 &&
	    userlookup_read_in_root(rc->rootfd, "/etc/group", &group, &e) == 0 &&
	    userlookup_exec_user(spec, &passwd, &group, &u, &e) == 0) {
		rc->uid = u.uid;
		rc->gid = u.gid;
		exec_user_release(&u);
	} else {
		log_debug("volumes: user '%s': %s", spec, cpod_error_message(e));
		cpod_error_free(e);
	}
	userlookup_file_release(&passwd);
	userlookup_file_release(&group);
}

/* Counts the container's mount of v, mounting it when nobody has it mounted.  A count left
 * over from before a reboot (nothing mounted at all) starts again from this container. */
static int count_mount(ready_ctx *rc, const vol *v, const char *dest, cpod_error **err)
{
	db *d = engine_db(rc->rt, err);
	bool mounted = vol_is_mounted(v->mountpoint), own;
	int r;

	if (!d || (!mounted && vol_mount(v, err) < 0) || vol_tx_begin(d, &own, err) < 0)
		return -1;
	r = mounted ? 0
		    : db_run(d, err, "UPDATE container_volumes SET mounted = 0 WHERE volume = ?",
			     "t", v->name);
	if (r >= 0)
		r = db_run(d, err,
			   "UPDATE volumes SET mount_count = CASE WHEN ? THEN mount_count + 1"
			   " ELSE 1 END WHERE name = ?",
			   "it", (int64_t)mounted, v->name);
	if (r >= 0)
		r = db_run(d, err,
			   "UPDATE container_volumes SET mounted = 1 WHERE container_id = ? AND"
			   " dest = ?",
			   "tt", rc->ctr_id, dest);
	r = vol_tx_end(d, own, r < 0 ? -1 : 0, err);
	if (r < 0 && !mounted) {
		cpod_error *e = NULL;

		vol_unmount(v, &e);
		cpod_error_free(e);
	}
	return r;
}

/* Opens the directory dest inside the rootfs; 0 with *ret -1 when it is missing or not a
 * directory. */
static int open_source(int rootfd, const char *dest, int flags, int *ret, cpod_error **err)
{
	cpod_error *e = NULL;
	int fd = fs_open_in_root(rootfd, dest, flags | O_CLOEXEC, 0, &e);
	int errnum = cpod_error_errno(e);

	*ret = fd;
	if (fd >= 0)
		return 0;
	if (errnum == ENOENT || errnum == ENOTDIR) {
		cpod_error_free(e);
		return 0;
	}
	if (err)
		*err = e;
	else
		cpod_error_free(e);
	return -1;
}

/* podman's copy-up: the image's files at dest go into the volume when the volume still
 * needs it, dest is a non-empty directory and the volume is empty (never into a volume with
 * content: CVE-2020-1726). */
static int copy_up(ready_ctx *rc, const vol *v, const char *dest, cpod_error **err)
{
	_cleanup_close_ int src = -1, dst = -1;
	db *d;
	int r;

	if (open_source(rc->rootfd, dest, O_RDONLY | O_DIRECTORY, &src, err) < 0)
		return cpod_err_prefix(
			err, "identifying source directory for copy up into volume %s", v->name);
	if (src < 0 || (r = vol_dir_is_empty(src)) == 1)
		return 0;
	if (r < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno,
				"reading contents of source directory for copy up into volume %s",
				v->name);
	dst = open(v->mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0 || (r = vol_dir_is_empty(dst)) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno,
				"listing contents of volume %s mountpoint", v->name);
	if (r == 0)
		return 0;
	d = engine_db(rc->rt, err);
	/* Cleared first, as podman does: a copy that fails half-way is not retried into a
	 * volume that now has content. */
	if (!d ||
	    db_run(d, err, "UPDATE volumes SET needs_copy_up = 0 WHERE name = ?", "t", v->name) < 0)
		return -1;
	log_info("copying up into volume %s", v->name);
	if (vol_copy_tree(src, dst, err) < 0)
		return cpod_err_prefix(err, "copying up to volume %s", v->name);
	return 0;
}

/* podman's fixVolumePermissions: once, the volume takes the owner, mode and times of the
 * directory it is mounted over, or the process user when there is none. */
static int first_chown(ready_ctx *rc, const vol *v, const char *dest, cpod_error **err)
{
	_cleanup_close_ int fd = -1, target = -1;
	struct stat st;
	db *d;

	process_user(rc);
	fd = open(v->mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, rc->uid, rc->gid) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "chowning volume %s", v->name);
	if (open_source(rc->rootfd, dest, O_PATH, &target, err) < 0)
		return -1;
	if (target >= 0 && fstat(target, &st) == 0) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (fchown(fd, st.st_uid, st.st_gid) < 0 || fchmod(fd, st.st_mode & 07777) < 0 ||
		    futimens(fd, ts) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "chowning volume %s", v->name);
	}
	d = engine_db(rc->rt, err);
	/* podman records the process user as the volume's UID/GID. */
	return d && db_run(d, err,
			   "UPDATE volumes SET needs_chown = 0, uid = ?, gid = ? WHERE name = ?",
			   "iit", (int64_t)rc->uid, (int64_t)rc->gid, v->name) >= 0
		       ? 0
		       : -1;
}

static bool has_option(const strv *opts, const char *o)
{
	return strv_contains((const char *const *)opts->v, o);
}

/* Mounts, copies up and chowns one volume of the container, under the volume's lock. */
static int ready_one(ready_ctx *rc, const char *name, const want *x, bool mounted, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(vol_freep) vol *v = NULL;

	if (vol_lock(rc->rt, name, &l, err) < 0 || vol_load(rc->rt, name, &v, err) < 0 ||
	    vol_make_dirs(v->mountpoint, v->uid, v->gid, err) < 0)
		return -1;
	if (vol_needs_mount(v) && !mounted && count_mount(rc, v, x->dest, err) < 0)
		return cpod_err_prefix(err, "mounting volume %s for container %s", name,
				       rc->ctr_id);
	if (v->needs_copy_up && !has_option(&x->options, "nocopy") &&
	    !json_object_object_get_ex(v->options, "nocopy", NULL) &&
	    copy_up(rc, v, x->dest, err) < 0)
		return -1;
	if (v->needs_chown && first_chown(rc, v, x->dest, err) < 0)
		return -1;
	return 0;
}

/* The volume names and mount flags of the container's rows, in the order of w. */
static int load_rows(cpod_runtime *rt, const char *ctr_id, const wantv *w, strv *names,
		     bool *mounted, cpod_error **err)
{
	db *d = engine_db(rt, err);

	if (!d)
		return -1;
	for (size_t i = 0; i < w->n; i++) {
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		int r;

		if (db_prepare(d,
			       "SELECT volume, mounted FROM container_volumes WHERE"
			       " container_id = ? AND dest = ?",
			       &st, err) < 0 ||
		    db_bind(d, st, err, "tt", ctr_id, w->v[i].dest) < 0 ||
		    (r = db_step(d, st, err)) < 0)
			return -1;
		if (r == 0)
			return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume at '%s' not registered",
					w->v[i].dest);
		strv_push(names, (const char *)sqlite3_column_text(st, 0));
		mounted[i] = sqlite3_column_int(st, 1) != 0;
	}
	return 0;
}

static int resolve(ready_ctx *rc, const wantv *w, json_object *mounts, cpod_error **err)
{
	_cleanup_strv_ strv names = STRV_INIT;
	_cleanup_free_ bool *mounted = xcalloc(w->n + 1, sizeof(*mounted));

	if (load_rows(rc->rt, rc->ctr_id, w, &names, mounted, err) < 0)
		return -1;
	for (size_t i = 0; i < w->n; i++) {
		_cleanup_(vol_freep) vol *v = NULL;
		json_object *opts = NULL;
		want x = w->v[i];

		x.name = names.v[i];
		if (mount_options(&x, &opts, err) < 0)
			return -1;
		if (ready_one(rc, names.v[i], &x, mounted[i], err) < 0 ||
		    vol_load(rc->rt, names.v[i], &v, err) < 0) {
			json_object_put(opts);
			return -1;
		}
		json_object_array_add(mounts, oci_mount(x.dest, v->mountpoint, opts));
	}
	return 0;
}

int volume_resolve_for_container(cpod_runtime *rt, const char *ctr_id, json_object *sg,
				 json_object *image_config, const char *rootfs,
				 json_object **ret_mounts, cpod_error **err)
{
	_cleanup_json_ json_object *mounts = json_object_new_array();
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ready_ctx rc = { rt, ctr_id, sg, image_config, rootfd, false, 0, 0 };
	wantv w = { 0 };
	int r;

	if (rootfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", rootfs);
	r = collect(rt, sg, image_config, &w, err);
	if (r == 0)
		r = register_wants(rt, ctr_id, &w, err);
	if (r == 0)
		r = resolve(&rc, &w, mounts, err);
	wantv_clear(&w);
	if (r < 0) {
		cpod_error *e = NULL;

		if (volume_release_for_container(rt, ctr_id, &e) < 0)
			log_warn("releasing the volumes of container %s: %s", ctr_id,
				 cpod_error_message(e));
		cpod_error_free(e);
		return -1;
	}
	*ret_mounts = TAKE_PTR(mounts);
	return 0;
}

/* ---- release and removal ---- */

/* Gives back the container's count on the volume at dest; unmounts at 0. */
static int release_one(cpod_runtime *rt, const char *ctr_id, const char *name, const char *dest,
		       cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(vol_freep) vol *v = NULL;
	db *d = engine_db(rt, err);
	bool own;
	int r;

	if (!d || vol_lock(rt, name, &l, err) < 0 || vol_tx_begin(d, &own, err) < 0)
		return -1;
	r = vol_load(rt, name, &v, err);
	if (r == 0)
		r = db_run(d, err,
			   "UPDATE volumes SET mount_count = max(mount_count - 1, 0) WHERE name = "
			   "?",
			   "t", name);
	if (r >= 0)
		r = db_run(d, err,
			   "UPDATE container_volumes SET mounted = 0 WHERE container_id = ? AND"
			   " dest = ?",
			   "tt", ctr_id, dest);
	if (vol_tx_end(d, own, r < 0 ? -1 : 0, err) < 0)
		return -1;
	if (v->mount_count <= 1 && vol_is_mounted(v->mountpoint))
		return vol_unmount(v, err);
	return 0;
}

int volume_release_for_container(cpod_runtime *rt, const char *ctr_id, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_ strv names = STRV_INIT, dests = STRV_INIT;
	db *d = engine_db(rt, err);
	int r, ret = 0;

	if (!d ||
	    db_prepare(d,
		       "SELECT volume, dest FROM container_volumes WHERE container_id = ? AND"
		       " mounted = 1",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "t", ctr_id) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0) {
		strv_push(&names, (const char *)sqlite3_column_text(st, 0));
		strv_push(&dests, (const char *)sqlite3_column_text(st, 1));
	}
	if (r < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		cpod_error *e = NULL;

		if (release_one(rt, ctr_id, names.v[i], dests.v[i], &e) == 0)
			continue;
		if (ret == 0 && err)
			*err = e;
		else
			cpod_error_free(e);
		ret = -1;
	}
	return ret;
}

/* The container's anonymous volumes. */
static int anonymous_of(cpod_runtime *rt, const char *ctr_id, strv *ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	int r;

	if (!d ||
	    db_prepare(d,
		       "SELECT DISTINCT cv.volume FROM container_volumes cv JOIN volumes v ON"
		       " v.name = cv.volume WHERE cv.container_id = ? AND v.anonymous = 1",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "t", ctr_id) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0)
		strv_push(ret, (const char *)sqlite3_column_text(st, 0));
	return r < 0 ? -1 : 0;
}

int volume_remove_anonymous_of(cpod_runtime *rt, const char *ctr_id, cpod_error **err)
{
	_cleanup_strv_ strv names = STRV_INIT;
	cpod_error *first = NULL;
	db *d;

	if (volume_release_for_container(rt, ctr_id, err) < 0 ||
	    anonymous_of(rt, ctr_id, &names, err) < 0 || !(d = engine_db(rt, err)) ||
	    db_run(d, err, "DELETE FROM container_volumes WHERE container_id = ?", "t", ctr_id) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		cpod_error *e = NULL;

		if (vol_delete_unused(rt, names.v[i], &e) == 0)
			continue;
		/* Still used by another container (--volumes-from), or gone meanwhile. */
		if (cpod_error_kind(e) == CPOD_ERR_STATE ||
		    cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
			cpod_error_free(e);
		else if (!first)
			first = e;
		else
			cpod_error_free(e);
	}
	if (!first)
		return 0;
	if (err)
		*err = first;
	else
		cpod_error_free(first);
	return -1;
}

int volume_mounts_of(cpod_runtime *rt, const char *ctr_id, json_object **ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_json_ json_object *arr = json_object_new_array();
	db *d = engine_db(rt, err);
	int r;

	if (!d ||
	    db_prepare(d,
		       "SELECT cv.volume, v.mountpoint, cv.dest FROM container_volumes cv JOIN"
		       " volumes v ON v.name = cv.volume WHERE cv.container_id = ? ORDER BY"
		       " cv.dest",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "t", ctr_id) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0) {
		json_object *m = json_object_new_object();

		json_object_object_add(
			m, "Name",
			json_object_new_string((const char *)sqlite3_column_text(st, 0)));
		json_object_object_add(
			m, "Source",
			json_object_new_string((const char *)sqlite3_column_text(st, 1)));
		json_object_object_add(
			m, "Destination",
			json_object_new_string((const char *)sqlite3_column_text(st, 2)));
		json_object_array_add(arr, m);
	}
	if (r < 0)
		return -1;
	*ret = TAKE_PTR(arr);
	return 0;
}
