/* Volumes against a real runtime in a temporary directory (vfs store, empty configuration):
 * create with its names, drivers, labels and the local driver's options; inspect, list and
 * the filters; exists; remove (missing, in use, --force removing the container); prune; what
 * containers ask for (specgen volumes, image VOLUMEs, image_volume_mode), copy-up with owners,
 * modes, times and symlinks kept and nothing followed out of the rootfs, the first chown,
 * the mount options handed to the spec, mount counts of tmpfs volumes (root only), and the
 * removal of a container's anonymous volumes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cpod/container.h>
#include <cpod/runtime.h>
#include <cpod/volume.h>

#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "engine/container_internal.h"
#include "engine/volume_filter.h"
#include "engine/volume_internal.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-volume-XXXXXX";
#include "tmpdir.h"

static cpod_runtime *rt;
static bool root;

/* ---- helpers ---- */

static cpod_runtime *new_runtime(const char *volumepath)
{
	_cleanup_free_ char *r = path_of("root"), *run = path_of("run");
	cpod_runtime_opts o = { .struct_size = sizeof(o),
				.root = r,
				.runroot = run,
				.storage_driver = "vfs",
				.volumepath = volumepath };
	cpod_error *err = NULL;
	cpod_runtime *x = cpod_runtime_new(&o, &err);

	if (!x) {
		diag("runtime: %s", cpod_error_message(err));
		exit(1);
	}
	return x;
}

/* A NULL-terminated vector of up to three strings; eight calls may be in use at once. */
static const char *const *sv(const char *a, const char *b, const char *c)
{
	static const char *pool[8][4];
	static unsigned next;
	const char **v = pool[next++ % 8];

	v[0] = a;
	v[1] = b;
	v[2] = c;
	v[3] = NULL;
	return v;
}

/* Creates a volume; returns its name (caller frees) or NULL, leaving the error in *e. */
static char *create(const char *name, const char *const *labels, const char *const *options,
		    cpod_error **e)
{
	cpod_volume_create_opts o = {
		.struct_size = sizeof(o), .name = name, .labels = labels, .options = options
	};
	char *ret = NULL;

	cpod_error_free(*e);
	*e = NULL;
	if (cpod_volume_create(rt, &o, &ret, e) < 0)
		return NULL;
	return ret;
}

static void create_ok(const char *name)
{
	cpod_error *e = NULL;
	char *n = create(name, NULL, NULL, &e);

	if (!n)
		diag("creating %s: %s", name, cpod_error_message(e));
	free(n);
	cpod_error_free(e);
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static bool has_key(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static json_object *inspect(const char *name)
{
	cpod_error *e = NULL;
	json_object *o = cpod_volume_inspect(rt, name, &e);

	if (!o) {
		diag("inspect %s: %s", name, cpod_error_message(e));
		cpod_error_free(e);
	}
	return o;
}

static char *mountpoint_of(const char *name)
{
	_cleanup_json_ json_object *o = inspect(name);
	const char *m = o ? str_of(o, "Mountpoint") : NULL;

	return xstrdup(m ? m : "");
}

/* A container row (no storage, no process) with specgen text sg; returns its ID. */
static char *add_container(const char *name, const char *sg)
{
	ctr c = { 0 };
	cpod_error *err = NULL;

	c.id = id_generate(&err);
	c.name = (char *)name;
	c.sg = json_tokener_parse(sg);
	c.created = 1;
	c.state = CTR_CONFIGURED;
	c.command = json_object_new_array();
	if (!c.sg || ctr_insert(rt, &c, &err) < 0) {
		diag("container %s: %s", name, err ? cpod_error_message(err) : "bad specgen");
		exit(1);
	}
	json_object_put(c.sg);
	json_object_put(c.command);
	return c.id;
}

static int reg(const char *id, const char *sg, const char *img, cpod_error **e)
{
	_cleanup_json_ json_object *s = json_tokener_parse(sg);
	_cleanup_json_ json_object *i = img ? json_tokener_parse(img) : NULL;

	cpod_error_free(*e);
	*e = NULL;
	return volume_register_for_container(rt, id, s, i, e);
}

/* The volume name at dest of container id, or NULL. */
static char *volume_at(const char *id, const char *dest)
{
	cpod_error *e = NULL;
	db *d = engine_db(rt, &e);
	sqlite3_stmt *st = NULL;
	char *name = NULL;

	if (d &&
	    db_prepare(d,
		       "SELECT volume FROM container_volumes WHERE container_id = ? AND"
		       " dest = ?",
		       &st, &e) == 0 &&
	    db_bind(d, st, &e, "tt", id, dest) == 0 && db_step(d, st, &e) > 0)
		name = db_column_strdup(st, 0);
	sqlite3_finalize(st);
	cpod_error_free(e);
	return name;
}

static size_t count_volumes(void)
{
	cpod_error *e = NULL;
	json_object *l = cpod_volume_list(rt, NULL, &e);
	size_t n = l ? json_object_array_length(l) : 0;

	json_object_put(l);
	cpod_error_free(e);
	return n;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists_path(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static char *read_all(const char *p)
{
	buf b = BUF_INIT;

	if (fs_read_file(p, 1 << 20, &b, NULL) < 0)
		return NULL;
	return buf_detach(&b, NULL);
}

/* Names in a list result, joined by spaces. */
static char *names_of(json_object *arr)
{
	buf b = BUF_INIT;

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *n = json_object_is_type(o, json_type_string) ? json_object_get_string(o)
									 : str_of(o, "Name");

		buf_addf(&b, "%s%s", i ? " " : "", n);
	}
	return buf_detach(&b, NULL);
}

static char *list_names(const char *const *filters, cpod_error **e)
{
	json_object *l;
	char *s;

	cpod_error_free(*e);
	*e = NULL;
	l = cpod_volume_list(rt, filters, e);
	if (!l)
		return NULL;
	s = names_of(l);
	json_object_put(l);
	return s;
}

static void remove_all(void)
{
	json_object *l = cpod_volume_list(rt, NULL, NULL);
	cpod_volume_rm_opts o = { .struct_size = sizeof(o), .force = true, .timeout = 0 };

	for (size_t i = 0; l && i < json_object_array_length(l); i++)
		cpod_volume_remove(rt, str_of(json_object_array_get_idx(l, i), "Name"), &o, NULL,
				   NULL);
	json_object_put(l);
}

/* ---- create ---- */

static void test_names(void)
{
	ok(vol_name_valid("a") && vol_name_valid("A1_.-x") && vol_name_valid("0"), "valid names");
	ok(!vol_name_valid("") && !vol_name_valid("_a") && !vol_name_valid(".a") &&
		   !vol_name_valid("-a") && !vol_name_valid("a/b") && !vol_name_valid("a b") &&
		   !vol_name_valid("a:b") && !vol_name_valid(NULL),
	   "invalid names");
}

static void test_create(void)
{
	cpod_error *e = NULL;
	_cleanup_free_ char *n = create("myvol", NULL, NULL, &e);
	_cleanup_free_ char *data = path_of("root/volumes/myvol/_data");
	_cleanup_free_ char *dir = path_of("root/volumes/myvol");
	cpod_volume_create_opts ig = { .struct_size = sizeof(ig), .name = "myvol", .ignore = true };
	char *again = NULL;
	struct stat st;

	is_str(n, "myvol", "create returns the name");
	ok(stat(data, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "_data is "
											"a 0755 "
											"director"
											"y");
	ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700, "the volume directory is 0700");
	is_int(cpod_volume_exists(rt, "myvol", NULL), 1, "exists");
	ok(!create("myvol", NULL, NULL, &e), "a second create fails");
	is_int(cpod_error_kind(e), CPOD_ERR_EXISTS, "  as exists");
	is_str(cpod_error_message(e),
	       "volume with name myvol already exists: volume already exists",
	       "  in podman's words");
	ok(cpod_volume_create(rt, &ig, &again, NULL) == 0, "--ignore: no error");
	is_str(again, "myvol", "  and the name");
	free(again);
	again = create(NULL, NULL, NULL, &e);
	ok(again && id_is_full(again), "no name: a random 64-hex one (%s)", again ? again : "-");
	free(again);
	ok(!create("bad/name", NULL, NULL, &e), "a bad name fails");
	is_str(cpod_error_message(e),
	       "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
	       "invalid argument",
	       "  in podman's words");
	is_int(cpod_error_kind(e), CPOD_ERR_INVALID, "  as invalid");
	{
		cpod_volume_create_opts o = { .struct_size = sizeof(o),
					      .name = "d",
					      .driver = "nfs" };
		char *r = NULL;

		cpod_error_free(e);
		e = NULL;
		ok(cpod_volume_create(rt, &o, &r, &e) < 0, "driver nfs fails");
		is_str(cpod_error_message(e),
		       "volume d uses volume plugin nfs but it could not be retrieved: no volume "
		       "plugin with name nfs available: required plugin missing",
		       "  naming the plugin");
		o.driver = "local";
		o.name = "drv";
		ok(cpod_volume_create(rt, &o, &r, NULL) == 0, "driver local works");
		free(r);
	}
	cpod_error_free(e);
}

static void test_labels_options(void)
{
	cpod_error *e = NULL;
	_cleanup_free_ char *n =
		create("lab", sv("a=b", "c", "a=d"), sv("o=uid=1000,gid=2000", NULL, NULL), &e);
	_cleanup_json_ json_object *o = n ? inspect("lab") : NULL;
	json_object *labels = NULL, *opts = NULL;
	struct stat st;
	_cleanup_free_ char *data = path_of("root/volumes/lab/_data");

	ok(n != NULL, "labels and o=uid,gid accepted");
	json_object_object_get_ex(o, "Labels", &labels);
	json_object_object_get_ex(o, "Options", &opts);
	is_str(str_of(labels, "a"), "d", "a later label replaces an earlier one");
	is_str(str_of(labels, "c"), "", "a label without value is empty");
	is_str(str_of(opts, "o"), "uid=1000,gid=2000", "o kept");
	is_str(str_of(opts, "UID"), "1000", "UID derived");
	is_str(str_of(opts, "GID"), "2000", "GID derived");
	is_int(json_object_get_int64(json_object_object_get(o, "UID")), 1000, "inspect UID");
	is_int(json_object_get_int64(json_object_object_get(o, "GID")), 2000, "inspect GID");
	ok(!has_key(o, "NeedsChown"), "uid= means no chown on first use");
	if (root)
		ok(stat(data, &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000, "_data owned by "
										   "uid:gid");
	ok(!create("l2", sv("=x", NULL, NULL), NULL, &e), "a label without key fails");
	is_str(cpod_error_message(e), "unable to process labels: invalid label format: \"=x\"",
	       "  in podman's words");
	ok(!create("l2", NULL, sv("=x", NULL, NULL), &e), "an option without key fails");
	is_str(cpod_error_message(e), "unable to process options: invalid label format: \"=x\"",
	       "  as options");
	cpod_error_free(e);
}

struct opt_case {
	const char *opts[4];
	const char *error; /* NULL: works */
};

static void test_option_checks(void)
{
	static const struct opt_case cases[] = {
		{ { "o=size=2m" },
		  "volume options size and inodes not supported. Filesystem does not support "
		  "Project Quota" },
		{ { "type=tmpfs", "device=tmpfs", "o=size=2m" }, NULL },
		{ { "type=tmpfs", "o=inodes=5" },
		  "volume option inodes not supported on tmpfs filesystem" },
		{ { "type=tmpfs", "o=noquota,size=1m" },
		  "volume options size and inodes cannot be used without quota" },
		{ { "o=size=abc" }, "cannot convert size abc to integer: *" },
		{ { "o=uid=x" }, "cannot convert UID x to integer: *" },
		{ { "o=gid" }, "gid option must provide a GID: invalid argument" },
		{ { "o=inodes=-1", "type=tmpfs" }, "cannot convert inodes -1 to integer: *" },
		{ { "foo=bar" }, "invalid mount option foo for driver 'local': invalid argument" },
		{ { "type=bind", "device=/nonexistent-cpod-dir" },
		  "invalid volume option device for driver 'local': stat /nonexistent-cpod-dir: no "
		  "such file or directory" },
		{ { "type=bind", "device=/tmp" }, NULL },
		{ { "o=noquota" }, NULL },
		{ { "TYPE=tmpfs", "nocopy=" }, NULL },
	};
	cpod_error *e = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *name = xasprintf("opt%zu", i);
		_cleanup_free_ char *r = create(name, NULL, cases[i].opts, &e);
		const char *msg = e ? cpod_error_message(e) : "";
		const char *want = cases[i].error;
		size_t wl = want ? strlen(want) : 0;
		bool match = want && want[wl - 1] == '*' ? strncmp(msg, want, wl - 1) == 0
							 : str_eq(msg, want);

		if (!want)
			ok(r != NULL, "options %zu (%s...) accepted", i, cases[i].opts[0]);
		else
			ok(!r && match && cpod_error_kind(e) == CPOD_ERR_INVALID,
			   "options %zu refused: %s", i, msg);
	}
	{
		_cleanup_json_ json_object *o = inspect("opt11");
		json_object *opts = NULL;

		json_object_object_get_ex(o, "Options", &opts);
		ok(opts && !has_key(opts, "o") && str_eq(str_of(opts, "NOQUOTA"), "true"), "noquota"
											   " leaves"
											   " o and "
											   "becomes"
											   " NOQUOT"
											   "A");
	}
	cpod_error_free(e);
}

static void test_needs_mount(void)
{
	struct {
		const char *json;
		bool want;
	} cases[] = {
		{ "{}", false },
		{ "{\"o\":\"uid=1\",\"UID\":\"1\"}", false },
		{ "{\"o\":\"uid=1,gid=2\",\"UID\":\"1\",\"GID\":\"2\"}", false },
		{ "{\"type\":\"tmpfs\",\"device\":\"tmpfs\"}", true },
		{ "{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=2m\",\"SIZE\":\"2m\"}",
		  true },
		{ "{\"nocopy\":\"\"}", false },
		{ "{\"o\":\"nodev\"}", true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		vol v = { .options = json_tokener_parse(cases[i].json) };

		is_int(vol_needs_mount(&v), cases[i].want, "needs mount: %s", cases[i].json);
		json_object_put(v.options);
	}
}

/* ---- inspect, exists, list ---- */

static void test_inspect(void)
{
	_cleanup_json_ json_object *o = inspect("myvol");
	_cleanup_free_ char *mp = path_of("root/volumes/myvol/_data");
	cpod_error *e = NULL;
	json_object *x;
	struct timespec ts;

	is_str(str_of(o, "Name"), "myvol", "Name");
	is_str(str_of(o, "Driver"), "local", "Driver");
	is_str(str_of(o, "Mountpoint"), mp, "Mountpoint");
	is_str(str_of(o, "Scope"), "local", "Scope");
	ok(json_object_object_get_ex(o, "CreatedAt", &x) &&
		   timeparse_rfc3339(json_object_get_string(x), &ts, NULL) == 0 &&
		   labs(ts.tv_sec - time(NULL)) < 3600,
	   "CreatedAt is RFC 3339 and recent");
	ok(json_object_object_get_ex(o, "Labels", &x) && json_object_is_type(x, json_type_object),
	   "Labels is an object");
	ok(json_object_object_get_ex(o, "Options", &x) && json_object_is_type(x, json_type_object),
	   "Options is an object");
	ok(json_object_object_get_ex(o, "MountCount", &x) && json_object_get_int64(x) == 0, "MountC"
											    "ount "
											    "0");
	ok(json_object_get_boolean(json_object_object_get(o, "NeedsCopyUp")) &&
		   json_object_get_boolean(json_object_object_get(o, "NeedsChown")),
	   "NeedsCopyUp and NeedsChown on a new volume");
	ok(!has_key(o, "UID") && !has_key(o, "GID") && !has_key(o, "Anonymous"), "UID, GID, "
										 "Anonymous left "
										 "out when empty");
	json_object_put(cpod_volume_inspect(rt, "nosuch", &e));
	is_int(cpod_error_kind(e), CPOD_ERR_NOT_FOUND, "inspect of a missing volume");
	is_str(cpod_error_message(e), "no volume with name \"nosuch\" found: no such volume",
	       "  in podman's words");
	cpod_error_free(e);
	e = NULL;
	create_ok("prefix-one");
	create_ok("prefix-two");
	x = cpod_volume_inspect(rt, "prefix-o", &e);
	is_str(str_of(x, "Name"), "prefix-one", "a unique prefix finds the volume");
	json_object_put(x);
	x = cpod_volume_inspect(rt, "prefix", &e);
	ok(!x && cpod_error_kind(e) == CPOD_ERR_INVALID, "an ambiguous prefix fails");
	is_str(cpod_error_message(e),
	       "more than one result for volume name \"prefix\": volume already exists",
	       "  in podman's words");
	is_int(cpod_volume_exists(rt, "prefix-o", NULL), 0, "exists takes no prefix");
	is_int(cpod_volume_exists(rt, "prefix-one", NULL), 1, "exists by the exact name");
	cpod_error_free(e);
}

static void test_list_filters(void)
{
	cpod_error *e = NULL;
	_cleanup_free_ char *id = NULL, *s = NULL;
	struct {
		const char *f[4];
		const char *want;
	} cases[] = {
		{ { "name=^f" }, "fa fb fc" },
		{ { "name=a$", "name=c$" }, "fa fc" },
		{ { "name=^f", "label=k" }, "fa fb" },
		{ { "label=k=1" }, "fa" },
		{ { "label=k", "label=j" }, "fb" },
		{ { "label=k=" }, "fa fb" },
		{ { "name=^f", "opt=type" }, "fc" },
		{ { "opt=type=tmpfs", "opt=nope" }, "fc" },
		{ { "name=^f", "driver=local" }, "fa fb fc" },
		{ { "driver=other" }, "" },
		{ { "name=^f", "scope=local" }, "fa fb fc" },
		{ { "name=^f", "dangling=true" }, "fb fc" },
		{ { "name=^f", "dangling=0" }, "fa" },
		{ { "name=^f", "dangling=TRUE", "dangling=false" }, "fa fb fc" },
		{ { "name=^f", "until=2000-01-01" }, "" },
		{ { "name=^f", "until=2999-01-01" }, "fa fb fc" },
	};
	struct {
		const char *f;
		const char *msg;
	} bad[] = {
		{ "name", "filter input must be in the form of filter=value: name is invalid" },
		{ "foo=1", "\"foo\" is an invalid volume filter" },
		{ "dangling=maybe", "\"maybe\" is not a valid value for the \"dangling\" filter - "
				    "must be true or "
				    "false" },
		{ "name=(", NULL },
		{ "until=notatime", NULL },
	};

	remove_all();
	free(create("fa", sv("k=1", NULL, NULL), NULL, &e));
	free(create("fb", sv("k=2", "j", NULL), NULL, &e));
	free(create("fc", NULL, sv("type=tmpfs", "device=tmpfs", NULL), &e));
	free(create("other", NULL, NULL, &e));
	id = add_container("user-of-fa", "{\"volumes\":[{\"Name\":\"fa\",\"Dest\":\"/a\"}]}");
	ok(reg(id, "{\"volumes\":[{\"Name\":\"fa\",\"Dest\":\"/a\"}]}", NULL, &e) == 0, "a "
											"container "
											"uses fa");
	s = list_names(NULL, &e);
	is_str(s, "fa fb fc other", "list: every volume, sorted by name");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = list_names(cases[i].f, &e);

		is_str(got, cases[i].want, "filter %s %s %s", cases[i].f[0],
		       cases[i].f[1] ? cases[i].f[1] : "", cases[i].f[2] ? cases[i].f[2] : "");
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *got = list_names(sv(bad[i].f, NULL, NULL), &e);

		ok(!got && cpod_error_kind(e) == CPOD_ERR_INVALID &&
			   (!bad[i].msg || str_eq(cpod_error_message(e), bad[i].msg)),
		   "bad filter %s: %s", bad[i].f, e ? cpod_error_message(e) : "(no error)");
	}
	{
		json_object *l = cpod_volume_list(rt, sv("name=^fa$", NULL, NULL), &e);
		json_object *rec = l ? json_object_array_get_idx(l, 0) : NULL;

		ok(rec && has_key(rec, "Mountpoint") && has_key(rec, "CreatedAt") &&
			   str_eq(str_of(rec, "Scope"), "local") && has_key(rec, "MountCount"),
		   "list records are inspect objects");
		json_object_put(l);
	}
	cpod_error_free(e);
}

/* ---- remove and prune ---- */

static void test_remove(void)
{
	cpod_error *e = NULL;
	cpod_volume_rm_opts force = { .struct_size = sizeof(force), .force = true, .timeout = 0 };
	_cleanup_free_ char *mp = NULL, *dir = NULL, *id = NULL, *msg = NULL, *got = NULL;
	_cleanup_(ctr_freep) ctr *c = NULL;

	ok(cpod_volume_remove(rt, "nosuch", NULL, NULL, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "rm of a missing volume: not found");
	is_str(cpod_error_message(e), "no volume with name \"nosuch\" found: no such volume",
	       "  in podman's words");
	cpod_error_free(e);
	e = NULL;
	create_ok("gone");
	mp = mountpoint_of("gone");
	dir = xstrndup(mp, strlen(mp) - strlen("/_data"));
	ok(cpod_volume_remove(rt, "gon", NULL, &got, &e) == 0, "rm by prefix");
	is_str(got, "gone", "  returns the full name");
	ok(!exists_path(dir), "  and the directory is gone");
	is_int(cpod_volume_exists(rt, "gone", NULL), 0, "  and the row");

	create_ok("busy");
	id = add_container("busy-user", "{}");
	ok(reg(id, "{\"volumes\":[{\"Name\":\"busy\",\"Dest\":\"/b\"}]}", NULL, &e) == 0, "a "
											  "containe"
											  "r uses "
											  "busy");
	ok(cpod_volume_remove(rt, "busy", NULL, NULL, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_STATE,
	   "rm of a volume in use fails");
	msg = xasprintf("volume busy is being used by the following container(s): %s: volume is "
			"being used",
			id);
	is_str(cpod_error_message(e), msg, "  naming the container");
	is_int(cpod_volume_exists(rt, "busy", NULL), 1, "  and the volume stays");
	cpod_error_free(e);
	e = NULL;
	ok(cpod_volume_remove(rt, "busy", &force, NULL, &e) == 0, "rm --force: %s",
	   e ? cpod_error_message(e) : "ok");
	is_int(cpod_volume_exists(rt, "busy", NULL), 0, "  removes the volume");
	ok(ctr_load(rt, id, &c, NULL) < 0, "  and the container using it");
	cpod_error_free(e);
}

static void test_prune(void)
{
	cpod_error *e = NULL;
	json_object *removed = NULL;
	_cleanup_free_ char *id = NULL, *s = NULL;

	remove_all();
	create_ok("p1");
	create_ok("p2");
	free(create("p3", sv("keep", NULL, NULL), NULL, &e));
	id = add_container("pruner", "{}");
	reg(id, "{\"volumes\":[{\"Name\":\"p1\",\"Dest\":\"/1\"}]}", NULL, &e);
	ok(cpod_volume_prune(rt, sv("label=keep", NULL, NULL), &removed, &e) == 0, "prune with a "
										   "filter");
	s = names_of(removed);
	is_str(s, "p3", "  removes only the matching unused volume");
	json_object_put(removed);
	free(s);
	ok(cpod_volume_prune(rt, NULL, &removed, &e) == 0, "prune");
	s = names_of(removed);
	is_str(s, "p2", "  removes what no container uses");
	json_object_put(removed);
	free(s);
	s = list_names(NULL, &e);
	is_str(s, "p1", "  keeps the volume in use");
	ok(cpod_volume_prune(rt, sv("bogus=1", NULL, NULL), &removed, &e) < 0 &&
		   json_object_array_length(removed) == 0,
	   "a bad filter fails, with an empty result");
	json_object_put(removed);
	cpod_error_free(e);
}

/* ---- what containers ask for ---- */

static void test_register(void)
{
	const char *sg = "{\"volumes\":[{\"Name\":\"\",\"Dest\":\"/data/\"},"
			 "{\"Name\":\"auto1\",\"Dest\":\"/n\",\"Options\":[\"ro\"]},"
			 "{\"Name\":\"auto2\",\"Dest\":\"/o\",\"Options\":"
			 "[\"volume-opt=o=uid=5\"]}],"
			 "\"mounts\":[{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"/"
			 "tmp\"},"
			 "{\"destination\":\"/mv\",\"type\":\"volume\",\"source\":\"auto3\"}]}";
	const char *img = "{\"Volumes\":{\"/img\":{},\"/data\":{},\"/m\":{},\"/n/\":{},"
			  "\"/img2\":{}}}";
	cpod_error *e = NULL;
	_cleanup_free_ char *id = NULL, *anon = NULL, *imgv = NULL, *n = NULL, *m = NULL;
	_cleanup_free_ char *mv = NULL;
	_cleanup_json_ json_object *a = NULL, *o = NULL;
	size_t before;

	remove_all();
	id = add_container("reg", sg);
	ok(reg(id, sg, img, &e) == 0, "register: %s", e ? cpod_error_message(e) : "ok");
	anon = volume_at(id, "/data");
	imgv = volume_at(id, "/img");
	n = volume_at(id, "/n");
	m = volume_at(id, "/m");
	mv = volume_at(id, "/mv");
	ok(anon && id_is_full(anon), "an anonymous volume at /data (cleaned dest)");
	is_str(n, "auto1", "a missing named volume is made and recorded");
	is_str(mv, "auto3", "a mount of type volume is a named volume too");
	ok(imgv && id_is_full(imgv) && !str_eq(imgv, anon), "an image volume at /img");
	ok(!m, "an image volume covered by a bind mount is left out");
	{
		_cleanup_free_ char *img2 = volume_at(id, "/img2");

		ok(img2 != NULL, "every uncovered image volume");
	}
	a = anon ? inspect(anon) : NULL;
	ok(json_object_get_boolean(json_object_object_get(a, "Anonymous")), "the anonymous volume "
									    "is marked anonymous");
	o = inspect("auto2");
	is_int(json_object_get_int64(json_object_object_get(o, "UID")), 5,
	       "volume-opt options make the new volume");
	{
		json_object *ms = NULL;
		_cleanup_free_ char *txt = NULL;

		ok(volume_mounts_of(rt, id, &ms, &e) == 0 && json_object_array_length(ms) == 6,
		   "mounts_of lists the six volumes");
		txt = json_to_string(json_object_array_get_idx(ms, 0), JSON_FMT_COMPACT);
		ok(txt && strstr(txt, "\"Destination\":\"/data\"") && strstr(txt, "\"Name\":\"") &&
			   strstr(txt, "/_data\""),
		   "  sorted by destination, with name and source: %s", txt ? txt : "");
		json_object_put(ms);
	}
	before = count_volumes();
	is_int(before, 6, "six volumes made");
	ok(reg(id, sg, img, &e) == 0 && count_volumes() == before, "registering again changes "
								   "nothing");

	{
		_cleanup_free_ char *id2 = add_container("reg2", "{}");

		ok(reg(id2, "{\"image_volume_mode\":\"tmpfs\"}", img, &e) == 0 &&
			   count_volumes() == before,
		   "image_volume_mode tmpfs: no volume");
		ok(reg(id2, "{\"image_volume_mode\":\"ignore\"}", img, &e) == 0 &&
			   count_volumes() == before,
		   "image_volume_mode ignore: no volume");
		ok(reg(id2, "{\"image_volume_mode\":\"bogus\"}", img, &e) < 0 &&
			   strstr(cpod_error_message(e), "invalid ImageVolumeMode \"bogus\""),
		   "a bad image_volume_mode fails");
		ok(reg(id2, "{\"volumes\":[{\"Name\":\"x\",\"Dest\":\"rel\"}]}", NULL, &e) < 0 &&
			   strstr(cpod_error_message(e), "invalid container path \"rel\", must be "
							 "an absolute path"),
		   "a relative destination fails");
		ok(reg(id2,
		       "{\"volumes\":[{\"Name\":\"x\",\"Dest\":\"/a\"},"
		       "{\"Name\":\"y\",\"Dest\":\"/a/\"}]}",
		       NULL, &e) < 0 &&
			   strstr(cpod_error_message(e), "multiple volumes at \"/a\""),
		   "two volumes at one destination fail");
		ok(reg(id2, "{\"volumes\":[{\"Name\":\"bad/name\",\"Dest\":\"/a\"}]}", NULL, &e) <
				   0 &&
			   strstr(cpod_error_message(e), "names must match"),
		   "a bad volume name fails");
		ok(reg(id2, "{\"volumes\":[{\"Name\":\"v\",\"Dest\":\"/a\",\"Options\":[1]}]}",
		       NULL, &e) < 0 &&
			   strstr(cpod_error_message(e), "expected string"),
		   "a mistyped option fails");
		is_int(count_volumes(), before, "failed registrations made no volume");
	}
	cpod_error_free(e);
}

/* A rootfs with /data to copy up, /etc/passwd and group, and symlinks pointing out. */
static void make_rootfs(void)
{
	_cleanup_free_ char *r = path_of("rootfs"), *data = path_of("rootfs/data");
	_cleanup_free_ char *f = path_of("rootfs/data/f"), *e = path_of("rootfs/data/e");
	_cleanup_free_ char *p = path_of("rootfs/data/p"), *abs = path_of("rootfs/data/abs");
	_cleanup_free_ char *rel = path_of("rootfs/data/rel"), *lnk = path_of("rootfs/link");
	struct timespec ts[2] = { { 1000000, 0 }, { 2000000, 0 } };

	write_file("rootfs/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/"
					"bin/sh\n");
	write_file("rootfs/etc/group", "root:x:0:\napp:x:1001:\n");
	write_file("rootfs/data/f", "file content\n");
	write_file("rootfs/data/sub/deep/g", "deep\n");
	write_file("rootfs/empty/.keep", "");
	mkdir(e, 0700);
	chmod(e, 0711);
	chmod(f, 0640);
	utimensat(AT_FDCWD, f, ts, 0);
	mkfifo(p, 0620);
	chmod(p, 0620);
	symlink("/etc/passwd", abs);
	symlink("../../../../../../outside", rel);
	symlink("/etc", lnk);
	chmod(data, 0750);
	if (root) {
		chown(f, 1234, 5678);
		chown(data, 42, 43);
		lchown(abs, 7, 8);
	}
	(void)r;
}

static void test_resolve(void)
{
	const char *sg = "{\"user\":\"app\",\"volumes\":["
			 "{\"Name\":\"\",\"Dest\":\"/data\"},"
			 "{\"Name\":\"ro1\",\"Dest\":\"/ro\",\"Options\":[\"ro\",\"nocopy\"]},"
			 "{\"Name\":\"viaLink\",\"Dest\":\"/link\"},"
			 "{\"Name\":\"nothere\",\"Dest\":\"/nothere\"}]}";
	const char *img = "{\"Volumes\":{\"/data\":{},\"/empty\":{}}}";
	_cleanup_free_ char *rootfs = path_of("rootfs"), *id = NULL, *anon = NULL;
	_cleanup_free_ char *mp = NULL, *p = NULL, *s = NULL;
	_cleanup_json_ json_object *mounts = NULL, *sgj = json_tokener_parse(sg);
	_cleanup_json_ json_object *imgj = json_tokener_parse(img), *o = NULL;
	cpod_error *e = NULL;
	struct stat st;
	char target[256];
	ssize_t n;

	remove_all();
	make_rootfs();
	id = add_container("res", sg);
	ok(volume_resolve_for_container(rt, id, sgj, imgj, rootfs, &mounts, &e) == 0, "resolve: %s",
	   e ? cpod_error_message(e) : "ok");
	ok(mounts && json_object_array_length(mounts) == 5, "five mounts");
	anon = volume_at(id, "/data");
	mp = anon ? mountpoint_of(anon) : xstrdup("");
	{
		json_object *m0 = json_object_array_get_idx(mounts, 0);
		json_object *m1 = json_object_array_get_idx(mounts, 1);
		json_object *m4 = json_object_array_get_idx(mounts, 4);
		_cleanup_free_ char *o0 =
			json_to_string(json_object_object_get(m0, "options"), JSON_FMT_COMPACT);
		_cleanup_free_ char *o1 =
			json_to_string(json_object_object_get(m1, "options"), JSON_FMT_COMPACT);
		_cleanup_free_ char *o4 =
			json_to_string(json_object_object_get(m4, "options"), JSON_FMT_COMPACT);

		is_str(str_of(m0, "destination"), "/data", "mount 0 at /data");
		is_str(str_of(m0, "type"), "bind", "  a bind mount");
		is_str(str_of(m0, "source"), mp, "  of the volume's _data");
		is_str(o0, "[\"rw\",\"rprivate\",\"rbind\"]", "  rw, rprivate, rbind by default");
		is_str(o1, "[\"ro\",\"rprivate\",\"rbind\"]", "ro kept, nocopy dropped");
		is_str(str_of(m4, "destination"), "/empty", "the image volume last");
		is_str(o4, "[\"rprivate\",\"rw\",\"nodev\",\"exec\",\"rbind\"]",
		       "  with podman's image volume options");
	}
	/* copy-up */
	free(p);
	p = xasprintf("%s/f", mp);
	s = read_all(p);
	is_str(s, "file content\n", "copy-up: file content");
	ok(lstat(p, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_mtim.tv_sec == 2000000,
	   "  mode and mtime kept");
	if (root)
		ok(st.st_uid == 1234 && st.st_gid == 5678, "  owner kept");
	free(s);
	free(p);
	p = xasprintf("%s/sub/deep/g", mp);
	s = read_all(p);
	is_str(s, "deep\n", "  nested directories");
	free(p);
	p = xasprintf("%s/e", mp);
	ok(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0711, "  an empty "
										      "directory "
										      "with its "
										      "mode");
	free(p);
	p = xasprintf("%s/p", mp);
	ok(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0620, "  a fifo");
	free(p);
	p = xasprintf("%s/abs", mp);
	n = readlink(p, target, sizeof(target) - 1);
	ok(n > 0 && (target[n] = '\0', str_eq(target, "/etc/passwd")), "  an absolute symlink "
								       "copied as a symlink");
	if (root)
		ok(lstat(p, &st) == 0 && st.st_uid == 7 && st.st_gid == 8, "  with the symlink's "
									   "own owner");
	free(p);
	p = xasprintf("%s/rel", mp);
	n = readlink(p, target, sizeof(target) - 1);
	ok(n > 0 && (target[n] = '\0', str_eq(target, "../../../../../../outside")), "  a relative "
										     "symlink out "
										     "of the root "
										     "copied, not "
										     "followed");
	ok(stat(mp, &st) == 0 && (st.st_mode & 07777) == 0750, "first use: the volume takes the "
							       "mode of the directory it covers");
	if (root)
		ok(st.st_uid == 42 && st.st_gid == 43, "  and its owner");
	free(s);
	s = NULL;
	o = inspect(anon);
	ok(!has_key(o, "NeedsCopyUp") && !has_key(o, "NeedsChown"), "NeedsCopyUp and NeedsChown "
								    "cleared");
	is_int(json_object_get_int64(json_object_object_get(o, "UID")), 1000,
	       "UID: the process user's, as podman records it");
	is_int(json_object_get_int64(json_object_object_get(o, "GID")), 1001, "GID likewise");
	json_object_put(o);

	/* /link -> /etc inside the rootfs: the rootfs's /etc, never the host's. */
	free(mp);
	mp = mountpoint_of("viaLink");
	free(p);
	p = xasprintf("%s/passwd", mp);
	s = read_all(p);
	ok(s && strstr(s, "app:x:1000"), "a symlinked destination resolves inside the rootfs");
	free(s);
	s = NULL;
	free(p);
	p = xasprintf("%s/os-release", mp);
	ok(!exists_path(p), "  nothing of the host's /etc");

	/* nocopy, and a destination that does not exist */
	free(mp);
	mp = mountpoint_of("ro1");
	{
		int fd = open(mp, O_RDONLY | O_DIRECTORY);

		is_int(vol_dir_is_empty(fd), 1, "nocopy: nothing copied");
		close(fd);
	}
	o = inspect("nothere");
	ok(json_object_get_boolean(json_object_object_get(o, "NeedsCopyUp")) && !has_key(o, "NeedsC"
											    "hown"),
	   "a missing destination: copy-up still pending, chown done");
	json_object_put(o);
	o = NULL;
	free(mp);
	mp = mountpoint_of("nothere");
	if (root)
		ok(stat(mp, &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001, "  owned by the "
										 "process user");

	/* a second start copies nothing again */
	free(mp);
	mp = mountpoint_of(anon);
	free(p);
	p = xasprintf("%s/f", mp);
	unlink(p);
	json_object_put(mounts);
	mounts = NULL;
	ok(volume_resolve_for_container(rt, id, sgj, imgj, rootfs, &mounts, &e) == 0 &&
		   !exists_path(p),
	   "a second resolve copies nothing");
	cpod_error_free(e);
}

static void test_copy_up_into_used_volume(void)
{
	const char *sg = "{\"volumes\":[{\"Name\":\"full\",\"Dest\":\"/data\"}]}";
	_cleanup_free_ char *rootfs = path_of("rootfs"), *id = NULL, *mp = NULL, *p = NULL;
	_cleanup_json_ json_object *mounts = NULL, *sgj = json_tokener_parse(sg), *o = NULL;
	cpod_error *e = NULL;

	create_ok("full");
	mp = mountpoint_of("full");
	p = xasprintf("%s/mine", mp);
	write_file("x", "");
	{
		FILE *f = fopen(p, "w");

		if (f)
			fclose(f);
	}
	id = add_container("full-user", sg);
	ok(volume_resolve_for_container(rt, id, sgj, NULL, rootfs, &mounts, &e) == 0, "resolve "
										      "with a "
										      "volume that "
										      "has "
										      "content");
	free(p);
	p = xasprintf("%s/f", mp);
	ok(!exists_path(p), "  copies nothing into it (CVE-2020-1726)");
	o = inspect("full");
	ok(json_object_get_boolean(json_object_object_get(o, "NeedsCopyUp")), "  and it still "
									      "needs copy-up");
	cpod_error_free(e);
}

static void test_mount_option_errors(void)
{
	_cleanup_free_ char *rootfs = path_of("rootfs"), *id = add_container("badopt", "{}");
	const char *bad[] = {
		"{\"volumes\":[{\"Name\":\"bo\",\"Dest\":\"/a\",\"Options\":[\"bogus\"]}]}",
		"{\"volumes\":[{\"Name\":\"bo\",\"Dest\":\"/a\",\"Options\":[\"ro\",\"rw\"]}]}",
		"{\"volumes\":[{\"Name\":\"bo\",\"Dest\":\"/a\",\"Options\":[\"size=1m\"]}]}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_json_ json_object *sgj = json_tokener_parse(bad[i]), *mounts = NULL;
		cpod_error *e = NULL;

		ok(volume_resolve_for_container(rt, id, sgj, NULL, rootfs, &mounts, &e) < 0 &&
			   cpod_error_kind(e) == CPOD_ERR_INVALID &&
			   strstr(cpod_error_message(e), "processing options for named volume"),
		   "bad mount options %zu: %s", i, e ? cpod_error_message(e) : "(none)");
		cpod_error_free(e);
	}
}

/* tmpfs volumes: mounted by the first container, unmounted after the last. */
static void test_tmpfs_mounts(void)
{
	const char *sg = "{\"volumes\":[{\"Name\":\"tv\",\"Dest\":\"/data\"}]}";
	_cleanup_free_ char *rootfs = path_of("rootfs"), *a = NULL, *b = NULL, *mp = NULL;
	_cleanup_free_ char *p = NULL, *s = NULL;
	_cleanup_json_ json_object *sgj = json_tokener_parse(sg), *m1 = NULL, *m2 = NULL;
	_cleanup_json_ json_object *o = NULL;
	cpod_error *e = NULL;

	if (!root || access("/proc/self/mountinfo", R_OK) != 0) {
		ok(1, "# SKIP tmpfs volumes need root");
		return;
	}
	free(create("tv", NULL, sv("type=tmpfs", "device=tmpfs", "o=size=1m"), &e));
	mp = mountpoint_of("tv");
	a = add_container("tv-a", sg);
	b = add_container("tv-b", sg);
	ok(volume_resolve_for_container(rt, a, sgj, NULL, rootfs, &m1, &e) == 0,
	   "first container: %s", e ? cpod_error_message(e) : "ok");
	ok(vol_is_mounted(mp), "  the tmpfs is mounted");
	p = xasprintf("%s/f", mp);
	s = read_all(p);
	is_str(s, "file content\n", "  and the image's files copied up into it");
	o = inspect("tv");
	is_int(json_object_get_int64(json_object_object_get(o, "MountCount")), 1, "  MountCount 1");
	json_object_put(o);
	json_object_put(m1);
	m1 = NULL;
	ok(volume_resolve_for_container(rt, a, sgj, NULL, rootfs, &m1, &e) == 0, "the same "
										 "container again");
	o = inspect("tv");
	is_int(json_object_get_int64(json_object_object_get(o, "MountCount")), 1,
	       "  counts once per container");
	json_object_put(o);
	ok(volume_resolve_for_container(rt, b, sgj, NULL, rootfs, &m2, &e) == 0, "second "
										 "container");
	o = inspect("tv");
	is_int(json_object_get_int64(json_object_object_get(o, "MountCount")), 2, "  MountCount 2");
	json_object_put(o);
	ok(volume_release_for_container(rt, a, &e) == 0 && vol_is_mounted(mp), "release of the "
									       "first: still "
									       "mounted");
	ok(volume_release_for_container(rt, a, &e) == 0, "a second release is a no-op");
	ok(volume_release_for_container(rt, b, &e) == 0 && !vol_is_mounted(mp), "release of the "
										"last: unmounted");
	o = inspect("tv");
	is_int(json_object_get_int64(json_object_object_get(o, "MountCount")), 0, "  MountCount 0");
	json_object_put(o);
	o = NULL;
	json_object_put(m1);
	m1 = NULL;
	ok(volume_resolve_for_container(rt, a, sgj, NULL, rootfs, &m1, &e) == 0 &&
		   vol_is_mounted(mp),
	   "mounted again");
	ok(cpod_volume_remove(rt, "tv",
			      &(cpod_volume_rm_opts){ .struct_size = sizeof(cpod_volume_rm_opts),
						      .force = true,
						      .timeout = 0 },
			      NULL, &e) == 0 &&
		   !vol_is_mounted(mp) && !exists_path(mp),
	   "rm --force unmounts and removes it: %s", e ? cpod_error_message(e) : "ok");
	cpod_error_free(e);
}

static void test_remove_anonymous(void)
{
	const char *sg_a = "{\"volumes\":[{\"Name\":\"\",\"Dest\":\"/a\"},"
			   "{\"Name\":\"named-keep\",\"Dest\":\"/k\"},"
			   "{\"Name\":\"\",\"Dest\":\"/solo\"}]}";
	_cleanup_free_ char *a = NULL, *b = NULL, *anon = NULL, *solo = NULL, *sg_b = NULL;
	_cleanup_free_ char *solo_mp = NULL;
	cpod_error *e = NULL;

	remove_all();
	a = add_container("anon-a", sg_a);
	ok(reg(a, sg_a, NULL, &e) == 0, "container A with two anonymous volumes and a named one");
	anon = volume_at(a, "/a");
	solo = volume_at(a, "/solo");
	solo_mp = solo ? mountpoint_of(solo) : xstrdup("");
	sg_b = xasprintf("{\"volumes\":[{\"Name\":\"%s\",\"Dest\":\"/x\"}]}", anon ? anon : "");
	b = add_container("anon-b", sg_b);
	ok(reg(b, sg_b, NULL, &e) == 0, "container B uses A's first anonymous volume");
	ok(volume_remove_anonymous_of(rt, a, &e) == 0, "remove A's anonymous volumes");
	is_int(cpod_volume_exists(rt, solo, NULL), 0, "  the unshared one is gone");
	ok(!exists_path(solo_mp), "  with its directory");
	is_int(cpod_volume_exists(rt, anon, NULL), 1, "  the one B uses stays");
	is_int(cpod_volume_exists(rt, "named-keep", NULL), 1, "  named volumes stay");
	{
		_cleanup_free_ char *k = volume_at(a, "/k");

		ok(k == NULL, "  A's rows are gone");
	}
	ok(volume_remove_anonymous_of(rt, b, &e) == 0 && cpod_volume_exists(rt, anon, NULL) == 0,
	   "removing B's removes the shared one now");
	cpod_error_free(e);
}

static void test_copy_tree(void)
{
	_cleanup_free_ char *src = path_of("ct/src"), *dst = path_of("ct/dst");
	_cleanup_free_ char *deep = NULL;
	buf b = BUF_INIT;
	cpod_error *e = NULL;
	int s, d;

	write_file("ct/src/a", "a");
	write_file("ct/dst/a", "other");
	s = open(src, O_RDONLY | O_DIRECTORY);
	d = open(dst, O_RDONLY | O_DIRECTORY);
	ok(vol_copy_tree(s, d, &e) < 0 && cpod_error_errno(e) == EEXIST,
	   "an existing entry is never overwritten: %s", e ? cpod_error_message(e) : "");
	close(s);
	close(d);
	cpod_error_free(e);
	e = NULL;
	buf_adds(&b, "ct/deep");
	for (int i = 0; i < VOL_COPY_MAX_DEPTH + 2; i++)
		buf_adds(&b, "/d");
	buf_adds(&b, "/f");
	write_file(b.s, "x");
	buf_release(&b);
	deep = path_of("ct/deep");
	fs_mkdir_p(dst, 0700);
	s = open(deep, O_RDONLY | O_DIRECTORY);
	d = open(dst, O_RDONLY | O_DIRECTORY);
	unlinkat(d, "a", 0);
	ok(vol_copy_tree(s, d, &e) < 0 && strstr(cpod_error_message(e), "directory levels"),
	   "too deep a tree is refused: %s", e ? cpod_error_message(e) : "");
	close(s);
	close(d);
	cpod_error_free(e);
}

static void test_volumepath(void)
{
	_cleanup_free_ char *vp = path_of("elsewhere"), *want = NULL, *got = NULL;
	cpod_runtime *old = rt;
	cpod_error *e = NULL;

	rt = new_runtime(vp);
	free(create("placed", NULL, NULL, &e));
	got = mountpoint_of("placed");
	want = xasprintf("%s/placed/_data", vp);
	is_str(got, want, "--volumepath places new volumes");
	ok(is_dir(want), "  and makes them there");
	cpod_runtime_free(rt);
	rt = old;
	cpod_error_free(e);
}

int main(void)
{
	_cleanup_free_ char *conf = NULL, *sconf = NULL;

	if (!mkdtemp(tmp))
		return 1;
	root = geteuid() == 0;
	write_file("containers.conf", "");
	write_file("storage.conf", "");
	conf = path_of("containers.conf");
	sconf = path_of("storage.conf");
	setenv("CONTAINERS_CONF", conf, 1);
	setenv("CPOD_STORAGE_CONF", sconf, 1);
	rt = new_runtime(NULL);

	test_names();
	test_create();
	test_labels_options();
	test_option_checks();
	test_needs_mount();
	test_inspect();
	test_list_filters();
	test_remove();
	test_prune();
	test_register();
	test_resolve();
	test_copy_up_into_used_volume();
	test_mount_option_errors();
	test_tmpfs_mounts();
	test_remove_anonymous();
	test_copy_tree();
	test_volumepath();

	remove_all();
	cpod_runtime_free(rt);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
