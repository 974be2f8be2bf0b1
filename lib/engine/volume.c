/* Volumes: rows, directories, the local driver's options, and the public API (create, list,
 * inspect, exists, remove, prune).  What containers do with volumes is in volume_ctr.c. */
#include "engine/volume_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/timeparse.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "engine/container_internal.h"
#include "engine/volume_filter.h"
#include "common/banned.h"

#define VOL_COLUMNS                                                                \
	"name, driver, mountpoint, created, labels, options, anonymous, uid, gid," \
	" needs_copy_up, needs_chown, mount_count,"                                \
	" (SELECT count(DISTINCT cv.container_id) FROM container_volumes cv"       \
	"  WHERE cv.volume = volumes.name)"

#define ERR_NO_SUCH_VOLUME "no volume with name \"%s\" found: no such volume"

void vol_free(vol *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->driver);
	free(v->mountpoint);
	json_object_put(v->labels);
	json_object_put(v->options);
	free(v);
}

bool vol_name_valid(const char *name)
{
	if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
		       (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

char *vol_base_dir(cpod_runtime *rt)
{
	if (rt->volumepath && *rt->volumepath)
		return xstrdup(rt->volumepath);
	if (rt->cc->volume_path && *rt->cc->volume_path)
		return xstrdup(rt->cc->volume_path);
	return xasprintf("%s/volumes", rt->sc->graphroot);
}

int vol_tx_begin(db *d, bool *own, cpod_error **err)
{
	*own = !db_in_transaction(d);
	return *own ? db_begin(d, err) : 0;
}

int vol_tx_end(db *d, bool own, int r, cpod_error **err)
{
	if (!own)
		return r;
	if (r < 0) {
		db_rollback(d);
		return r;
	}
	return db_commit(d, err);
}

/* ---- rows ---- */

static json_object *parse_map(const char *text)
{
	json_object *o = text ? json_tokener_parse(text) : NULL;

	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

static vol *row_to_vol(sqlite3_stmt *st)
{
	vol *v = xcalloc(1, sizeof(*v));

	v->name = db_column_strdup(st, 0);
	v->driver = db_column_strdup(st, 1);
	v->mountpoint = db_column_strdup(st, 2);
	v->created = sqlite3_column_int64(st, 3);
	v->labels = parse_map((const char *)sqlite3_column_text(st, 4));
	v->options = parse_map((const char *)sqlite3_column_text(st, 5));
	v->anonymous = sqlite3_column_int(st, 6) != 0;
	v->uid = sqlite3_column_int64(st, 7);
	v->gid = sqlite3_column_int64(st, 8);
	v->needs_copy_up = sqlite3_column_int(st, 9) != 0;
	v->needs_chown = sqlite3_column_int(st, 10) != 0;
	v->mount_count = sqlite3_column_int64(st, 11);
	v->users = sqlite3_column_int64(st, 12);
	return v;
}

int vol_load(cpod_runtime *rt, const char *name, vol **ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	int r;

	if (!d ||
	    db_prepare(d, "SELECT " VOL_COLUMNS " FROM volumes WHERE name = ?", &st, err) < 0 ||
	    db_bind(d, st, err, "t", name) < 0)
		return -1;
	r = db_step(d, st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, ERR_NO_SUCH_VOLUME, name);
	*ret = row_to_vol(st);
	return 0;
}

/* Every volume, sorted by name. */
static int vol_load_all(cpod_runtime *rt, vol ***ret, size_t *ret_n, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	vol **v = NULL;
	size_t n = 0;
	int r;

	if (!d || db_prepare(d, "SELECT " VOL_COLUMNS " FROM volumes ORDER BY name", &st, err) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = row_to_vol(st);
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			vol_free(v[i]);
		free(v);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static void vol_free_all(vol **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vol_free(v[i]);
	free(v);
}

/* The full name of the volume user names: itself, else the one name it is a prefix of. */
static char *vol_lookup(cpod_runtime *rt, const char *user, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_ strv names = STRV_INIT;
	const char *match;
	db *d;
	int r;

	if (!user || !*user)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "name or ID cannot be empty"), NULL;
	d = engine_db(rt, err);
	/* An exact match sorts first. */
	if (!d ||
	    db_prepare(d,
		       "SELECT name FROM volumes WHERE name = ? OR substr(name, 1, ?) = ?"
		       " ORDER BY name = ? DESC LIMIT 3",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "titt", user, (int64_t)strlen(user), user, user) < 0)
		return NULL;
	while ((r = db_step(d, st, err)) > 0)
		strv_push(&names, (const char *)sqlite3_column_text(st, 0));
	if (r < 0)
		return NULL;
	if (names.n && str_eq(names.v[0], user))
		return xstrdup(user);
	if (id_lookup((const char *const *)names.v, user, ID_OBJ_VOLUME, &match, NULL, err) < 0)
		return NULL;
	return xstrdup(match);
}

int vol_users(cpod_runtime *rt, const char *name, strv *ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	int r;

	if (!d ||
	    db_prepare(d,
		       "SELECT DISTINCT container_id FROM container_volumes WHERE volume = ?"
		       " ORDER BY container_id",
		       &st, err) < 0 ||
	    db_bind(d, st, err, "t", name) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0)
		strv_push(ret, (const char *)sqlite3_column_text(st, 0));
	return r < 0 ? -1 : 0;
}

int vol_lock(cpod_runtime *rt, const char *name, file_lock *ret, cpod_error **err)
{
	const char *runroot = engine_runroot(rt, err);
	_cleanup_free_ char *dir = NULL, *path = NULL;

	if (!runroot)
		return -1;
	dir = xasprintf("%s/locks", runroot);
	path = xasprintf("%s/volume-%s", dir, name);
	if (fs_mkdir_p(dir, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dir);
	return lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, ret, err);
}

/* ---- the local driver's options ---- */

/* Go's syscall error strings are strerror() in lower case. */
static char *go_strerror(int errnum)
{
	char *s = xstrdup(strerror(errnum));

	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

static const char *opt_get(json_object *options, const char *key)
{
	json_object *v;

	if (!options || !json_object_object_get_ex(options, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void opt_set(json_object *options, const char *key, const char *value)
{
	json_object_object_add(options, key, json_object_new_string(value));
}

/* A decimal int as Go's strconv.Atoi reads it. */
static int parse_id(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < INT_MIN || v > INT_MAX)
		return -1;
	*ret = v;
	return 0;
}

struct o_state {
	json_object *options;
	strv kept; /* what stays in "o" */
	int64_t *uid, *gid;
	bool *needs_chown;
};

/* One "o" entry; podman's parse.VolumeOptions. */
static int o_entry(struct o_state *s, const char *entry, cpod_error **err)
{
	const char *eq = strchr(entry, '=');
	_cleanup_free_ char *key = xstrndup(entry, eq ? (size_t)(eq - entry) : strlen(entry));
	const char *val = eq ? eq + 1 : NULL;
	int64_t n;

	for (char *p = key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (str_eq(key, "size")) {
		if (units_from_human_size(val ? val : "", &n, err) < 0)
			return cpod_err_prefix(err, "cannot convert size %s to integer",
					       val ? val : "");
		opt_set(s->options, "SIZE", val);
	} else if (str_eq(key, "inodes")) {
		char *end;

		errno = 0;
		if (!val || !*val || *val == '-' || (strtoull(val, &end, 10), errno || *end))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"cannot convert inodes %s to integer: strconv.ParseUint: "
					"parsing \"%s\": invalid syntax",
					val ? val : "", val ? val : "");
		opt_set(s->options, "INODES", val);
	} else if (str_eq(key, "uid") || str_eq(key, "gid")) {
		bool uid = key[0] == 'u';

		if (!val)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"%s option must provide a %s: invalid argument", key,
					uid ? "UID" : "GID");
		if (parse_id(val, &n) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"cannot convert %s %s to integer: strconv.Atoi: parsing "
					"\"%s\": invalid syntax",
					uid ? "UID" : "GID", val, val);
		*(uid ? s->uid : s->gid) = n;
		*s->needs_chown = false;
		opt_set(s->options, uid ? "UID" : "GID", val);
	} else if (str_eq(key, "noquota")) {
		opt_set(s->options, "NOQUOTA", "true");
		return 0; /* not a mount option: dropped from "o" */
	} else if (str_eq(key, "timeout")) {
		if (!val || parse_id(val, &n) < 0 || n < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"timeout option must provide a valid timeout in seconds: "
					"invalid argument");
		return 0; /* a volume plugin's; meaningless for local */
	}
	strv_push(&s->kept, entry);
	return 0;
}

static int parse_o(json_object *options, int64_t *uid, int64_t *gid, bool *needs_chown,
		   cpod_error **err)
{
	const char *o = opt_get(options, "o");
	_cleanup_strv_free_ char **entries = NULL;
	struct o_state s = { options, STRV_INIT, uid, gid, needs_chown };
	int r = 0;

	if (!o)
		return 0;
	entries = strv_split(o, ",", 0);
	for (size_t i = 0; entries[i] && r == 0; i++)
		r = o_entry(&s, entries[i], err);
	if (r == 0 && s.kept.n) {
		_cleanup_free_ char *joined = strv_join((const char *const *)s.kept.v, ",");

		opt_set(options, "o", joined);
	} else if (r == 0) {
		json_object_object_del(options, "o");
	}
	strv_clear(&s.kept);
	return r;
}

/* podman's newVolume checks for the local driver, plus the quota rules of later podman:
 * size on a tmpfs is a mount option, elsewhere it would need project quotas cpod lacks. */
static int check_local(json_object *options, cpod_error **err)
{
	static const char *const keys[] = { "o",       "type", "uid",	 "gid",	   "size", "inodes",
					    "noquota", "copy", "nocopy", "device", NULL };
	const char *type = opt_get(options, "type");
	bool tmpfs = type && strcasecmp(type, "tmpfs") == 0;

	json_object_object_foreach(options, key, val) {
		_cleanup_free_ char *lower = xstrdup(key);

		for (char *p = lower; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (!strv_contains(keys, lower))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid mount option %s for driver 'local': invalid "
					"argument",
					key);
		if (str_eq(lower, "device") && type && strcasecmp(type, "bind") == 0) {
			struct stat st;
			const char *dev = json_object_get_string(val);

			if (stat(dev, &st) < 0) {
				_cleanup_free_ char *e = go_strerror(errno);

				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"invalid volume option %s for driver 'local': stat "
						"%s: %s",
						key, dev, e);
			}
		}
	}
	if (!opt_get(options, "SIZE") && !opt_get(options, "INODES"))
		return 0;
	if (opt_get(options, "NOQUOTA"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"volume options size and inodes cannot be used without quota");
	if (tmpfs && opt_get(options, "INODES"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"volume option inodes not supported on tmpfs filesystem");
	if (!tmpfs)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"volume options size and inodes not supported. Filesystem does "
				"not support Project Quota");
	return 0;
}

int vol_check_options(const char *name, const char *driver, json_object *options, int64_t *uid,
		      int64_t *gid, bool *needs_chown, cpod_error **err)
{
	if (driver && *driver && !str_eq(driver, "local"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"volume %s uses volume plugin %s but it could not be retrieved: no "
				"volume plugin with name %s available: required plugin missing",
				name ? name : "", driver, driver);
	if (!options)
		return 0;
	if (parse_o(options, uid, gid, needs_chown, err) < 0)
		return -1;
	return check_local(options, err);
}

bool vol_needs_mount(const vol *v)
{
	static const char *const derived[] = { "UID", "GID", "SIZE", "NOQUOTA", "nocopy", "copy" };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(derived); i++)
		if (opt_get(v->options, derived[i]))
			n++;
	/* uid= and the like also leave an "o" behind, which alone needs no mount. */
	if (n > 0)
		n++;
	return (size_t)json_object_object_length(v->options) > n;
}

/* ---- creation ---- */

int vol_insert(cpod_runtime *rt, const vol_spec *spec, char **ret_name, cpod_error **err)
{
	_cleanup_free_ char *name = spec->name ? xstrdup(spec->name) : id_generate(err);
	_cleanup_free_ char *base = vol_base_dir(rt), *mp = NULL;
	_cleanup_free_ char *labels = NULL, *options = NULL;
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	db *d;

	if (!name)
		return -1;
	d = engine_db(rt, err);
	if (!d)
		return -1;
	mp = xasprintf("%s/%s/_data", base, name);
	labels = spec->labels ? json_to_string(spec->labels, JSON_FMT_COMPACT) : xstrdup("{}");
	options = spec->options ? json_to_string(spec->options, JSON_FMT_COMPACT) : xstrdup("{}");
	if (db_run(d, &e,
		   "INSERT INTO volumes (name, driver, mountpoint, created, labels, options,"
		   " anonymous, uid, gid, needs_copy_up, needs_chown, mount_count)"
		   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 0)",
		   "tttittiiii", name, spec->driver && *spec->driver ? spec->driver : "local", mp,
		   engine_now_ns(), labels, options, (int64_t)spec->anonymous, spec->uid, spec->gid,
		   (int64_t)spec->needs_chown) < 0) {
		if (cpod_error_kind(e) == CPOD_ERR_EXISTS)
			return cpod_err(err, CPOD_ERR_EXISTS, 0,
					"volume with name %s already exists: volume already exists",
					name);
		if (err)
			*err = TAKE_PTR(e);
		return -1;
	}
	*ret_name = TAKE_PTR(name);
	return 0;
}

/* mkdirat + open without following a symlink at name; chowned and chmodded when new. */
static int make_dir_at(int dirfd, const char *name, mode_t mode, int64_t uid, int64_t gid)
{
	bool made = mkdirat(dirfd, name, mode) == 0;
	int fd;

	if (!made && errno != EEXIST)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (made && (fchown(fd, (uid_t)uid, (gid_t)gid) < 0 || fchmod(fd, mode) < 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int vol_make_dirs(const char *mountpoint, int64_t uid, int64_t gid, cpod_error **err)
{
	_cleanup_free_ char *dir = xstrdup(mountpoint), *base = NULL;
	_cleanup_close_ int basefd = -1, vfd = -1, dfd = -1;
	char *slash = strrchr(dir, '/'), *name;

	if (!slash || !str_eq(slash, "/_data"))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume mountpoint '%s'", mountpoint);
	*slash = '\0';
	name = strrchr(dir, '/');
	if (!name || name == dir)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume mountpoint '%s'", mountpoint);
	base = xstrndup(dir, (size_t)(name - dir));
	name++;
	if (fs_mkdir_p(base, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating volume directory \"%s\"",
				base);
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0 || (vfd = make_dir_at(basefd, name, 0700, uid, gid)) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating volume directory \"%s\"",
				dir);
	dfd = make_dir_at(vfd, "_data", 0755, uid, gid);
	if (dfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating volume directory \"%s\"",
				mountpoint);
	return 0;
}

/* "KEY=VALUE" / "KEY" strings into an object; podman's GetAllLabels. */
static int parse_pairs(const char *const *v, json_object *into, const char *what, cpod_error **err)
{
	for (; v && *v; v++) {
		const char *eq = strchr(*v, '=');
		_cleanup_free_ char *key = xstrndup(*v, eq ? (size_t)(eq - *v) : strlen(*v));

		if (!*key)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"unable to process %s: invalid label format: \"%s\"", what,
					*v);
		opt_set(into, key, eq ? eq + 1 : "");
	}
	return 0;
}

/* Makes the directories of a new row, or deletes the row again. */
static int finish_create(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(vol_freep) vol *v = NULL;
	cpod_error *e2 = NULL;
	db *d;

	if (vol_load(rt, name, &v, err) == 0 &&
	    vol_make_dirs(v->mountpoint, v->uid, v->gid, err) == 0)
		return 0;
	d = engine_db(rt, &e2);
	if (!d || db_run(d, &e2, "DELETE FROM volumes WHERE name = ?", "t", name) < 0)
		log_warn("removing the row of volume %s: %s", name, cpod_error_message(e2));
	cpod_error_free(e2);
	return -1;
}

int cpod_volume_create(cpod_runtime *rt, const cpod_volume_create_opts *opts, char **ret_name,
		       cpod_error **err)
{
	cpod_volume_create_opts o = { .struct_size = sizeof(o) };
	_cleanup_json_ json_object *labels = json_object_new_object();
	_cleanup_json_ json_object *options = json_object_new_object();
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_free_ char *name = NULL;
	vol_spec spec = { .needs_chown = true };

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (o.name && *o.name && !vol_name_valid(o.name))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"running volume create option: names must match "
				"[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
	if (parse_pairs(o.labels, labels, "labels", err) < 0 ||
	    parse_pairs(o.options, options, "options", err) < 0)
		return -1;
	spec.name = o.name && *o.name ? o.name : NULL;
	spec.driver = o.driver;
	if (vol_check_options(spec.name, o.driver, options, &spec.uid, &spec.gid, &spec.needs_chown,
			      err) < 0)
		return -1;
	spec.labels = labels;
	spec.options = options;
	if (vol_insert(rt, &spec, &name, &e) < 0) {
		if (o.ignore && cpod_error_kind(e) == CPOD_ERR_EXISTS) {
			*ret_name = xstrdup(spec.name);
			return 0;
		}
		if (err)
			*err = TAKE_PTR(e);
		return -1;
	}
	if (finish_create(rt, name, err) < 0)
		return -1;
	*ret_name = TAKE_PTR(name);
	return 0;
}

/* ---- output ---- */

static json_object *vol_json(const vol *v)
{
	json_object *o = json_object_new_object();
	struct timespec ts = { .tv_sec = v->created / 1000000000,
			       .tv_nsec = v->created % 1000000000 };
	_cleanup_free_ char *created = timeparse_format_local(&ts);

	json_object_object_add(o, "Name", json_object_new_string(v->name));
	json_object_object_add(o, "Driver", json_object_new_string(v->driver));
	json_object_object_add(o, "Mountpoint", json_object_new_string(v->mountpoint));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "Labels", json_object_get(v->labels));
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	json_object_object_add(o, "Options", json_object_get(v->options));
	if (v->uid)
		json_object_object_add(o, "UID", json_object_new_int64(v->uid));
	if (v->gid)
		json_object_object_add(o, "GID", json_object_new_int64(v->gid));
	if (v->anonymous)
		json_object_object_add(o, "Anonymous", json_object_new_boolean(1));
	json_object_object_add(o, "MountCount", json_object_new_int64(v->mount_count));
	if (v->needs_copy_up)
		json_object_object_add(o, "NeedsCopyUp", json_object_new_boolean(1));
	if (v->needs_chown)
		json_object_object_add(o, "NeedsChown", json_object_new_boolean(1));
	return o;
}

json_object *cpod_volume_inspect(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_free_ char *full = vol_lookup(rt, name, err);
	_cleanup_(vol_freep) vol *v = NULL;

	if (!full || vol_load(rt, full, &v, err) < 0)
		return NULL;
	return vol_json(v);
}

int cpod_volume_exists(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);

	if (!d || db_prepare(d, "SELECT 1 FROM volumes WHERE name = ?", &st, err) < 0 ||
	    db_bind(d, st, err, "t", name ? name : "") < 0)
		return -1;
	return db_step(d, st, err);
}

/* The volumes matching filters (all when none), sorted by name. */
static int vol_select(cpod_runtime *rt, const char *const *filters, vol ***ret, size_t *ret_n,
		      cpod_error **err)
{
	_cleanup_(vol_filter_clear) vol_filter f = VOL_FILTER_INIT;
	vol **all = NULL;
	size_t n = 0, kept = 0;

	if (vol_filter_parse(&f, filters, err) < 0 || vol_load_all(rt, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (vol_filter_match(&f, all[i]))
			all[kept++] = all[i];
		else
			vol_free(all[i]);
	}
	*ret = all;
	*ret_n = kept;
	return 0;
}

json_object *cpod_volume_list(cpod_runtime *rt, const char *const *filters, cpod_error **err)
{
	vol **v = NULL;
	size_t n = 0;
	json_object *arr;

	if (vol_select(rt, filters, &v, &n, err) < 0)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, vol_json(v[i]));
	vol_free_all(v, n);
	return arr;
}

/* ---- removal ---- */

/* "volume x is being used by the following container(s): a, b: volume is being used" */
static int in_use_error(const char *name, const strv *users, cpod_error **err)
{
	_cleanup_free_ char *joined = strv_join((const char *const *)users->v, ", ");

	return cpod_err(err, CPOD_ERR_STATE, 0,
			"volume %s is being used by the following container(s): %s: volume is "
			"being used",
			name, joined);
}

/* Unmounts and deletes a volume's directory once its row is gone. */
static int vol_teardown(cpod_runtime *rt, const char *name, const char *mountpoint,
			cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_free_ char *dir = xstrdup(mountpoint), *lockfile = NULL;
	char *slash = strrchr(dir, '/');
	vol v = { .name = (char *)name, .mountpoint = (char *)mountpoint };

	if (vol_lock(rt, name, &l, err) < 0)
		return -1;
	if (vol_is_mounted(mountpoint) && vol_unmount(&v, err) < 0)
		return cpod_err_prefix(err, "unmounting volume %s", name);
	/* Only ever <base>/<name>/_data is removed, whatever the row said. */
	if (!slash || !str_eq(slash, "/_data"))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume %s: mountpoint '%s'", name,
				mountpoint);
	*slash = '\0';
	slash = strrchr(dir, '/');
	if (!slash || !str_eq(slash + 1, name))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume %s: mountpoint '%s'", name,
				mountpoint);
	if (fs_rm_rf_at(AT_FDCWD, dir) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno,
				"cleaning up volume storage for \"%s\"", name);
	lockfile = xasprintf("%s/locks/volume-%s", rt->sc->runroot, name);
	unlink(lockfile);
	return 0;
}

int vol_delete_unused(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(vol_freep) vol *v = NULL;
	_cleanup_strv_ strv users = STRV_INIT;
	db *d = engine_db(rt, err);
	bool own;
	int r;

	if (!d || vol_tx_begin(d, &own, err) < 0)
		return -1;
	r = vol_load(rt, name, &v, err);
	if (r == 0)
		r = vol_users(rt, name, &users, err);
	if (r == 0 && users.n)
		r = in_use_error(name, &users, err);
	if (r == 0)
		r = db_run(d, err, "DELETE FROM volumes WHERE name = ?", "t", name) < 0 ? -1 : 0;
	if (vol_tx_end(d, own, r, err) < 0)
		return -1;
	return vol_teardown(rt, v->name, v->mountpoint, err);
}

/* --force: the containers using the volume go first, as `rm -f` would remove them. */
static int remove_users(cpod_runtime *rt, const char *name, int timeout, cpod_error **err)
{
	_cleanup_strv_ strv users = STRV_INIT;
	cpod_rm_opts o = {
		.struct_size = sizeof(o), .force = true, .timeout = timeout, .ignore = true
	};

	if (vol_users(rt, name, &users, err) < 0)
		return -1;
	for (size_t i = 0; i < users.n; i++) {
		cpod_error *e = NULL;

		log_debug("removing container %s (depends on volume %s)", users.v[i], name);
		if (cpod_container_remove(rt, users.v[i], &o, &e) == 0)
			continue;
		cpod_err_prefix(&e, "removing container %s that depends on volume %s", users.v[i],
				name);
		if (err)
			*err = e;
		else
			cpod_error_free(e);
		return -1;
	}
	return 0;
}

int cpod_volume_remove(cpod_runtime *rt, const char *name, const cpod_volume_rm_opts *opts,
		       char **ret_name, cpod_error **err)
{
	cpod_volume_rm_opts o = { .struct_size = sizeof(o), .timeout = -1 };
	_cleanup_free_ char *full = NULL;

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	full = vol_lookup(rt, name, err);
	if (!full)
		return -1;
	if (o.force && remove_users(rt, full, o.timeout, err) < 0)
		return -1;
	if (vol_delete_unused(rt, full, err) < 0)
		return -1;
	if (ret_name)
		*ret_name = TAKE_PTR(full);
	return 0;
}

int cpod_volume_prune(cpod_runtime *rt, const char *const *filters, json_object **ret_removed,
		      cpod_error **err)
{
	json_object *removed = json_object_new_array();
	cpod_error *first = NULL;
	vol **v = NULL;
	size_t n = 0;

	if (vol_select(rt, filters, &v, &n, err) < 0) {
		if (ret_removed)
			*ret_removed = removed;
		else
			json_object_put(removed);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		cpod_error *e = NULL;

		if (v[i]->users)
			continue;
		if (vol_delete_unused(rt, v[i]->name, &e) == 0) {
			json_object_array_add(removed, json_object_new_string(v[i]->name));
		} else if (cpod_error_kind(e) == CPOD_ERR_STATE ||
			   cpod_error_kind(e) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(e); /* taken or removed meanwhile */
		} else if (!first) {
			first = e;
		} else {
			log_warn("pruning volume %s: %s", v[i]->name, cpod_error_message(e));
			cpod_error_free(e);
		}
	}
	vol_free_all(v, n);
	if (ret_removed)
		*ret_removed = removed;
	else
		json_object_put(removed);
	if (!first)
		return 0;
	if (err && !*err)
		*err = first;
	else
		cpod_error_free(first);
	return -1;
}
