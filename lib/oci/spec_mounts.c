/* The mounts part of config.json, as podman 4.3.1 builds it (pkg/specgen/generate
 * finalizeMounts, SupersedeUserMounts, InitFSMounts/util.ProcessOptions; libpod generateSpec's
 * U/z/Z handling, bind mounts of the container's files, subscription mounts and sortMounts).
 *
 * The mounts the container asked for ("user mounts": specgen mounts, the engine's resolved
 * volumes, the read-only tmpfs, image volumes as tmpfs, the init binary) come first and replace
 * the base spec's default mounts at the same destination (a user /dev drops every default
 * under /dev).  Then come the bundle's hosts, hostname, resolv.conf and .containerenv and the
 * mounts.conf subscriptions, unless a mount is already at their destination.  Finally mounts
 * are sorted by destination depth (stable), so a parent is mounted before what is inside it.
 *
 * Without SELinux, z and Z are accepted and dropped.  O (overlay mounts) is refused for now.
 */
#include "oci/spec_mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define MOUNTS_CONF_CAP (1u << 20)
#define COPY_MAX_DEPTH 32
#define CHOWN_MAX_DEPTH 256

/* ---- paths ---- */

char *spec_path_clean(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	strv parts = STRV_INIT;
	buf out = BUF_INIT;
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (parts.n > 0)
				strv_remove(&parts, parts.n - 1);
			continue;
		}
		strv_push(&parts, c);
	}
	for (size_t i = 0; i < parts.n; i++)
		buf_addf(&out, "/%s", parts.v[i]);
	if (out.len == 0)
		buf_addch(&out, '/');
	strv_clear(&parts);
	return buf_detach(&out, NULL);
}

bool spec_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *spec_init_path(const spec_ctx *ctx)
{
	json_object *v;

	if (ctx->sg && json_object_object_get_ex(ctx->sg, "init_path", &v) &&
	    json_object_is_type(v, json_type_string) && *json_object_get_string(v))
		return json_object_get_string(v);
	if (ctx->cc->init_path && *ctx->cc->init_path)
		return ctx->cc->init_path;
	return ctx->cc->engine_init_path ? ctx->cc->engine_init_path : "";
}

static const char *const *conf_paths_override;

void spec_mounts_set_conf_paths(const char *const *paths)
{
	conf_paths_override = paths;
}

/* ---- mount objects ---- */

typedef struct {
	const spec_ctx *ctx;
	json_object *user; /* the container's own mounts, destinations clean and unique */
	uint32_t uid, gid; /* the container user, for U */
	bool read_only;
} mctx;

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *mount_new(const char *dest, const char *type, const char *src,
			      const char *const *options)
{
	json_object *m = json_object_new_object(), *opts = json_object_new_array();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	for (; options && *options; options++)
		json_object_array_add(opts, json_object_new_string(*options));
	json_object_object_add(m, "options", opts);
	return m;
}

/* Index of the mount at dest in list, or -1. */
static int find_dest(json_object *list, const char *dest)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++) {
		const char *d = str_member(json_object_array_get_idx(list, i), "destination");

		if (d && strcmp(d, dest) == 0)
			return (int)i;
	}
	return -1;
}

/* Checks a container path (podman's ValidateVolumeCtrDir) and returns it cleaned. */
static char *clean_dest(const char *dest, cpod_error **err)
{
	if (!*dest) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "container directory cannot be empty");
		return NULL;
	}
	if (dest[0] != '/') {
		cpod_err(err, CPOD_ERR_INVALID, 0,
			 "invalid container path '%s', must be an absolute path", dest);
		return NULL;
	}
	return spec_path_clean(dest);
}

static int add_user_mount(mctx *m, json_object *mount, cpod_error **err)
{
	const char *dest = str_member(mount, "destination");

	if (find_dest(m->user, dest) >= 0) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "'%s': duplicate mount destination", dest);
		json_object_put(mount);
		return -1;
	}
	json_object_array_add(m->user, mount);
	return 0;
}

/* ---- U: chown of a host path ---- */

static bool dangerous_host_path(const char *real)
{
	static const char *const paths[] = {
		"/",	       "/bin",	   "/boot",	  "/dev",     "/etc",
		"/etc/passwd", "/etc/pki", "/etc/shadow", "/home",    "/lib",
		"/lib64",      "/media",   "/opt",	  "/proc",    "/root",
		"/run",	       "/sbin",	   "/srv",	  "/sys",     "/tmp",
		"/usr",	       "/var",	   "/var/lib",	  "/var/log", NULL,
	};
	const char *home = getenv("HOME"), *sudo = getenv("SUDO_USER");

	if (strv_contains(paths, real) || (home && *home && strcmp(home, real) == 0))
		return true;
	if (sudo && *sudo) {
		struct passwd pw, *res = NULL;
		char pwbuf[4096];

		if (getpwnam_r(sudo, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
		    strcmp(res->pw_dir, real) == 0)
			return true;
	}
	return false;
}

/* lchown of name in dirfd and, for a directory, of everything below (no symlink followed). */
static int chown_tree(int dfd, const char *name, uid_t uid, gid_t gid, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth > CHOWN_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (chown_tree(dirfd(d), de->d_name, uid, gid, depth + 1) < 0)
			return -1;
	}
	return errno ? -1 : 0;
}

static int chown_source(const mctx *m, const char *src, cpod_error **err)
{
	_cleanup_free_ char *real = realpath(src, NULL);

	if (!real)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "resolving '%s'", src);
	if (dangerous_host_path(real))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"chowning host path '%s' is not allowed. You can manually `chown "
				"-R %u:%u %s`",
				src, m->uid, m->gid, src);
	if (chown_tree(AT_FDCWD, real, m->uid, m->gid, 0) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno,
				"failed to chown recursively host path '%s'", src);
	return 0;
}

/* ---- options (podman's util.ProcessOptions) ---- */

enum {
	F_WRITE = 1 << 0,
	F_SIZE = 1 << 1,
	F_PROP = 1 << 2,
	F_MODE = 1 << 3,
	F_EXEC = 1 << 4,
	F_SUID = 1 << 5,
	F_DEV = 1 << 6,
	F_COPYUP = 1 << 7,
	F_BIND = 1 << 8,
	F_Z = 1 << 9,
	F_U = 1 << 10,
	F_IDMAP = 1 << 11,
	F_COPY = 1 << 12,
};

/* An option of a mount kind: its flag (for duplicates), whether tmpfs / bind only, whether
 * it reaches the runtime, and the duplicate message. */
typedef struct {
	const char *name;
	unsigned flag;
	char only; /* 't' tmpfs only, 'b' bind only, 0 both */
	bool keep;
	const char *dup;
} opt_rule;

static const opt_rule opt_rules[] = {
	{ "copy", F_COPY, 0, false, "only one of 'nocopy' and 'copy' can be used" },
	{ "nocopy", F_COPY, 0, false, "only one of 'nocopy' and 'copy' can be used" },
	{ "exec", F_EXEC, 0, true, "only one of 'noexec' and 'exec' can be used" },
	{ "noexec", F_EXEC, 0, true, "only one of 'noexec' and 'exec' can be used" },
	{ "suid", F_SUID, 0, true, "only one of 'nosuid' and 'suid' can be used" },
	{ "nosuid", F_SUID, 0, true, "only one of 'nosuid' and 'suid' can be used" },
	{ "dev", F_DEV, 0, true, "only one of 'nodev' and 'dev' can be used" },
	{ "nodev", F_DEV, 0, true, "only one of 'nodev' and 'dev' can be used" },
	{ "rw", F_WRITE, 0, true, "only one of 'rw' and 'ro' can be used" },
	{ "ro", F_WRITE, 0, true, "only one of 'rw' and 'ro' can be used" },
	{ "private", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "rprivate", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "slave", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "rslave", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "shared", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "rshared", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "unbindable", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "runbindable", F_PROP, 0, true, "only one root propagation mode can be used" },
	{ "size", F_SIZE, 't', true, "only one tmpfs size can be specified" },
	{ "mode", F_MODE, 't', true, "only one tmpfs mode can be specified" },
	{ "tmpcopyup", F_COPYUP, 't', true,
	  "the 'tmpcopyup' or 'notmpcopyup' option can only be set once" },
	{ "notmpcopyup", F_COPYUP, 't', false,
	  "the 'tmpcopyup' or 'notmpcopyup' option can only be set once" },
	{ "bind", F_BIND, 'b', true, "only one of 'rbind' and 'bind' can be used" },
	{ "rbind", F_BIND, 'b', true, "only one of 'rbind' and 'bind' can be used" },
	{ "z", F_Z, 'b', false, "only one of 'z' and 'Z' can be used" },
	{ "Z", F_Z, 'b', false, "only one of 'z' and 'Z' can be used" },
	{ "U", F_U, 0, false, "the 'U' option can only be set once" },
};

static const char *const only_msg[] = {
	"the 'size' option is only allowed with tmpfs mounts",
	"the 'mode' option is only allowed with tmpfs mounts",
	"the 'tmpcopyup' option is only allowed with tmpfs mounts",
	"the 'notmpcopyup' option is only allowed with tmpfs mounts",
	"the 'bind' and 'rbind' options are not allowed with tmpfs mounts",
	"the 'z' and 'Z' options are not allowed with tmpfs mounts",
};

static const char *only_message(const char *name)
{
	if (strcmp(name, "bind") == 0 || strcmp(name, "rbind") == 0)
		return only_msg[4];
	if (strcmp(name, "z") == 0 || strcmp(name, "Z") == 0)
		return only_msg[5];
	if (strcmp(name, "size") == 0)
		return only_msg[0];
	if (strcmp(name, "mode") == 0)
		return only_msg[1];
	return strcmp(name, "tmpcopyup") == 0 ? only_msg[2] : only_msg[3];
}

/* tmpfs size: a number with an optional k/m/g/t/p/e suffix, or a percentage. */
static bool valid_tmpfs_size(const char *v)
{
	size_t digits = strspn(v, "0123456789");

	if (digits == 0)
		return false;
	v += digits;
	return !*v || (strchr("kKmMgGtTpPeE%", *v) && !v[1]);
}

static bool valid_tmpfs_mode(const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= 4 && strspn(v, "01234567") == n;
}

static int check_value(const char *dest, const char *key, const char *opt, cpod_error **err)
{
	const char *eq = strchr(opt, '=');
	const char *v = eq ? eq + 1 : "";

	if (strcmp(key, "size") == 0 && !valid_tmpfs_size(v))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': invalid tmpfs size '%s'",
				dest, v);
	if (strcmp(key, "mode") == 0 && !valid_tmpfs_mode(v))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': invalid tmpfs mode '%s'",
				dest, v);
	return 0;
}

typedef struct {
	unsigned seen;
	bool tmpfs;
	bool chown; /* U on a bind mount */
} opt_state;

/* One option; kept ones are pushed to out. */
static int process_option(const mctx *m, const char *dest, const char *opt, opt_state *st,
			  strv *out, cpod_error **err)
{
	_cleanup_free_ char *key = xstrndup(opt, strcspn(opt, "="));
	const opt_rule *r = NULL;

	if (str_has_prefix(key, "idmap")) {
		if (st->seen & F_IDMAP)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"mount '%s': the 'idmap' option can only be set once",
					dest);
		st->seen |= F_IDMAP;
		strv_push(out, opt);
		return 0;
	}
	if (strcmp(key, "consistency") == 0 || strcmp(key, "volume-opt") == 0)
		return 0;
	if (strcmp(key, "O") == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"mount '%s': overlay mounts (option 'O') are not supported yet",
				dest);
	for (size_t i = 0; i < ARRAY_SIZE(opt_rules) && !r; i++)
		if (strcmp(opt_rules[i].name, key) == 0)
			r = &opt_rules[i];
	if (!r)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': unknown mount option '%s'",
				dest, opt);
	if ((r->only == 't' && !st->tmpfs) || (r->only == 'b' && st->tmpfs))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': %s", dest,
				only_message(key));
	if (st->seen & r->flag)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': %s", dest, r->dup);
	st->seen |= r->flag;
	if (check_value(dest, key, opt, err) < 0)
		return -1;
	if (r->flag == F_U && st->tmpfs) {
		strv_pushf(out, "uid=%u", m->uid);
		strv_pushf(out, "gid=%u", m->gid);
	}
	st->chown = st->chown || (r->flag == F_U && !st->tmpfs);
	if (r->keep)
		strv_push(out, opt);
	return 0;
}

/* The options of a bind (source given) or tmpfs mount, with podman's defaults appended:
 * rw, rprivate, the source file system's noexec/nosuid/nodev (nosuid and nodev for tmpfs),
 * tmpcopyup for tmpfs and rbind for binds. */
static int process_options(const mctx *m, const char *dest, const char *src, const char *const *in,
			   strv *out, bool *chown, cpod_error **err)
{
	opt_state st = { .tmpfs = !src };
	struct statvfs sv = { .f_flag = ST_NOSUID | ST_NODEV };

	for (; in && *in; in++)
		if (process_option(m, dest, *in, &st, out, err) < 0)
			return -1;
	if (src && statvfs(src, &sv) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, errno, "mount '%s': bind source '%s'", dest,
				src);
	if (!(st.seen & F_WRITE))
		strv_push(out, "rw");
	if (!(st.seen & F_PROP))
		strv_push(out, "rprivate");
	if (!(st.seen & F_EXEC) && (sv.f_flag & ST_NOEXEC))
		strv_push(out, "noexec");
	if (!(st.seen & F_SUID) && (sv.f_flag & ST_NOSUID))
		strv_push(out, "nosuid");
	if (!(st.seen & F_DEV) && (sv.f_flag & ST_NODEV))
		strv_push(out, "nodev");
	if (st.tmpfs && !(st.seen & F_COPYUP))
		strv_push(out, "tmpcopyup");
	if (!st.tmpfs && !(st.seen & F_BIND))
		strv_push(out, "rbind");
	*chown = st.chown;
	return 0;
}

/* ---- the container's own mounts ---- */

static int strings_of(const json_cur *arr, size_t n, strv *out, cpod_error **err)
{
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(arr, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		strv_push(out, s);
	}
	return 0;
}

/* Builds the OCI mount for a specgen mount of type bind or tmpfs (others pass unchanged). */
static json_object *user_mount(const mctx *m, const char *dest, const char *type, const char *src,
			       strv *opts, cpod_error **err)
{
	_cleanup_strv_ strv out = STRV_INIT;
	bool bind = strcmp(type, "bind") == 0, tmpfs = strcmp(type, "tmpfs") == 0, chown = false;

	if (!bind && !tmpfs)
		return mount_new(dest, type, *src ? src : type, (const char *const *)opts->v);
	if (bind && src[0] != '/') {
		cpod_err(err, CPOD_ERR_INVALID, 0,
			 "mount '%s': bind source '%s' must be an absolute path", dest, src);
		return NULL;
	}
	/* podman's --tmpfs default when no option is given. */
	if (tmpfs && opts->n == 0)
		strv_pushv(opts, (const char *const[]){ "rw", "noexec", "nosuid", "nodev", NULL });
	if (process_options(m, dest, bind ? src : NULL, (const char *const *)opts->v, &out, &chown,
			    err) < 0)
		return NULL;
	if (chown && chown_source(m, src, err) < 0)
		return NULL;
	return mount_new(dest, type, bind ? src : (*src ? src : "tmpfs"),
			 (const char *const *)out.v);
}

static bool in_volume_mounts(const spec_ctx *ctx, const char *dest)
{
	size_t n = json_object_is_type(ctx->volume_mounts, json_type_array)
			   ? json_object_array_length(ctx->volume_mounts)
			   : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(ctx->volume_mounts, i);
		const char *d = str_member(v, "destination");
		_cleanup_free_ char *c = d && *d == '/' ? spec_path_clean(d) : NULL;

		if (c && strcmp(c, dest) == 0)
			return true;
	}
	return false;
}

static int specgen_mount(mctx *m, const json_cur *mc, cpod_error **err)
{
	_cleanup_strv_ strv opts = STRV_INIT;
	_cleanup_free_ char *dest = NULL;
	const char *d, *type, *src;
	json_object *mount;
	json_cur o;
	size_t n;

	if (json_cur_object(mc, err) < 0 ||
	    json_get_string_opt(mc, "destination", "", &d, err) < 0 ||
	    json_get_string_opt(mc, "type", "", &type, err) < 0 ||
	    json_get_string_opt(mc, "source", "", &src, err) < 0 ||
	    json_get_array_opt(mc, "options", &o, &n, err) < 0 || strings_of(&o, n, &opts, err) < 0)
		return -1;
	dest = clean_dest(d, err);
	if (!dest)
		return -1;
	if (!*type)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "mount '%s': missing mount type", dest);
	if (strcmp(type, "volume") == 0) {
		/* The engine resolves named volumes into ctx->volume_mounts. */
		if (in_volume_mounts(m->ctx, dest))
			return 0;
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "mount '%s': volume was not resolved",
				dest);
	}
	if (strcmp(type, "image") == 0 || strcmp(type, "overlay") == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"mount '%s': mounts of type '%s' are not supported yet", dest,
				type);
	if (find_dest(m->user, dest) >= 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s': duplicate mount destination",
				dest);
	mount = user_mount(m, dest, type, src, &opts, err);
	if (!mount)
		return -1;
	json_object_array_add(m->user, mount);
	return 0;
}

static int specgen_mounts(mctx *m, cpod_error **err)
{
	json_cur sg = json_cur_root(m->ctx->sg), list;
	size_t n;

	if (json_get_array_opt(&sg, "mounts", &list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur mc = json_cur_index(&list, i);

		if (specgen_mount(m, &mc, err) < 0)
			return -1;
	}
	return 0;
}

/* The engine's volume mounts, as they are, but for U (chown), z/Z (dropped) and O. */
static int volume_mount(mctx *m, json_object *v, cpod_error **err)
{
	_cleanup_strv_ strv opts = STRV_INIT;
	_cleanup_free_ char *dest = NULL;
	const char *d = str_member(v, "destination"), *src = str_member(v, "source");
	const char *type = str_member(v, "type");
	json_object *o = NULL;
	bool chown = false;

	dest = clean_dest(d ? d : "", err);
	if (!dest)
		return cpod_err_prefix(err, "volume");
	json_object_object_get_ex(v, "options", &o);
	for (size_t i = 0;
	     json_object_is_type(o, json_type_array) && i < json_object_array_length(o); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(o, i));

		if (strcmp(s, "O") == 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "volume '%s': %s", dest,
					"overlay mounts (option 'O') are not supported yet");
		chown = chown || strcmp(s, "U") == 0;
		if (strcmp(s, "U") != 0 && strcmp(s, "z") != 0 && strcmp(s, "Z") != 0)
			strv_push(&opts, s);
	}
	if (!src || !*src)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "volume '%s': missing source", dest);
	if (chown && chown_source(m, src, err) < 0)
		return -1;
	return add_user_mount(
		m, mount_new(dest, type ? type : "bind", src, (const char *const *)opts.v), err);
}

static int volume_mounts(mctx *m, cpod_error **err)
{
	json_object *list = m->ctx->volume_mounts;
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++)
		if (volume_mount(m, json_object_array_get_idx(list, i), err) < 0)
			return -1;
	return 0;
}

/* --read-only with --read-only-tmpfs: tmpfs on /tmp, /var/tmp and /run unless mounted. */
static int readonly_tmpfs(mctx *m, cpod_error **err)
{
	static const char *const dests[] = { "/tmp", "/var/tmp", "/run" };
	static const char *const opts[] = { "rw", "rprivate", "nosuid", "nodev", "tmpcopyup", NULL };
	json_cur sg = json_cur_root(m->ctx->sg);
	bool rw_tmpfs;

	if (json_get_bool_opt(&sg, "read_only_filesystem", false, &m->read_only, err) < 0 ||
	    json_get_bool_opt(&sg, "read_write_tmpfs", true, &rw_tmpfs, err) < 0)
		return -1;
	for (size_t i = 0; m->read_only && rw_tmpfs && i < ARRAY_SIZE(dests); i++)
		if (find_dest(m->user, dests[i]) < 0)
			json_object_array_add(m->user, mount_new(dests[i], "tmpfs", "tmpfs", opts));
	return 0;
}

/* image_volume_mode tmpfs: the image's volumes become tmpfs (unless something is mounted
 * there). */
static int image_tmpfs(mctx *m, cpod_error **err)
{
	static const char *const base[] = { "rprivate", "rw", "nodev", "exec", NULL };
	json_cur sg = json_cur_root(m->ctx->sg), img = json_cur_root(m->ctx->image_config), vols;
	const char *mode;

	if (json_get_string_opt(&sg, "image_volume_mode", m->ctx->cc->image_volume_mode, &mode,
				err) < 0 ||
	    json_get_object_opt(&img, "Volumes", &vols, err) < 0)
		return -1;
	if (!mode || strcmp(mode, "tmpfs") != 0 || !vols.obj)
		return 0;
	json_object_object_foreach(vols.obj, key, val) {
		_cleanup_strv_ strv out = STRV_INIT;
		_cleanup_free_ char *dest = clean_dest(key, err);
		bool chown;

		(void)val;
		if (!dest)
			return cpod_err_prefix(err, "image volume");
		if (find_dest(m->user, dest) >= 0)
			continue;
		if (process_options(m, dest, NULL, base, &out, &chown, err) < 0)
			return -1;
		json_object_array_add(m->user, mount_new(dest, "tmpfs", "tmpfs",
							 (const char *const *)out.v));
	}
	return 0;
}

static bool pidns_private(const spec_ctx *ctx)
{
	json_object *ns, *mode;
	const char *s = ctx->cc->pidns && *ctx->cc->pidns ? ctx->cc->pidns : "private";

	if (ctx->sg && json_object_object_get_ex(ctx->sg, "pidns", &ns) &&
	    json_object_object_get_ex(ns, "nsmode", &mode) &&
	    json_object_is_type(mode, json_type_string) && *json_object_get_string(mode))
		s = json_object_get_string(mode);
	return strcmp(s, "private") == 0;
}

/* --init: the init binary, read-only at SPEC_INIT_PATH. */
static int init_mount(mctx *m, cpod_error **err)
{
	static const char *const base[] = { "bind", "ro", NULL };
	_cleanup_strv_ strv out = STRV_INIT;
	json_cur sg = json_cur_root(m->ctx->sg);
	const char *path = spec_init_path(m->ctx);
	struct stat st;
	bool init, chown;

	if (json_get_bool_opt(&sg, "init", false, &init, err) < 0)
		return -1;
	if (!init)
		return 0;
	if (!*path)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"please specify a path to the container-init binary");
	if (!pidns_private(m->ctx))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot add init binary as PID 1 (PID namespace isn't private)");
	if (stat(path, &st) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, errno,
				"container-init binary '%s' not found on the host", path);
	if (find_dest(m->user, SPEC_INIT_PATH) >= 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"conflict with mount added by --init to '%s': duplicate mount "
				"destination",
				SPEC_INIT_PATH);
	if (process_options(m, SPEC_INIT_PATH, path, base, &out, &chown, err) < 0)
		return -1;
	json_object_array_add(m->user,
			      mount_new(SPEC_INIT_PATH, "bind", path, (const char *const *)out.v));
	return 0;
}

/* ---- defaults, /dev/shm ---- */

static const char *ipc_mode(const spec_ctx *ctx)
{
	json_object *ns, *mode;

	if (ctx->sg && json_object_object_get_ex(ctx->sg, "ipcns", &ns) &&
	    json_object_object_get_ex(ns, "nsmode", &mode) &&
	    json_object_is_type(mode, json_type_string))
		return json_object_get_string(mode);
	return ctx->cc->ipcns ? ctx->cc->ipcns : "";
}

/* The size of /dev/shm: 0 and *ret, 1 when none is configured, -1 on error. */
static int shm_size(const mctx *m, int64_t *ret, cpod_error **err)
{
	json_cur sg = json_cur_root(m->ctx->sg), v = json_cur_field(&sg, "shm_size");

	if (v.obj) {
		if (json_cur_int64(&v, ret, err) < 0)
			return -1;
		if (*ret < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid shm_size %" PRId64 ": must not be negative", *ret);
		return 0;
	}
	if (!*m->ctx->cc->shm_size)
		return 1;
	if (units_ram_in_bytes(m->ctx->cc->shm_size, ret, err) < 0)
		return cpod_err_prefix(err, "containers.conf shm_size");
	return 0;
}

/* The default /dev/shm: a tmpfs of shm_size (specgen, else containers.conf), the host's with
 * ipc host, none with ipc none.  *ret NULL: no mount. */
static int shm_mount(const mctx *m, json_object *def, json_object **ret, cpod_error **err)
{
	_cleanup_strv_ strv opts = STRV_INIT;
	const char *ipc = ipc_mode(m->ctx), *type = str_member(def, "type");
	const char *src = str_member(def, "source");
	json_object *o = NULL;
	int64_t size;
	int r;

	*ret = NULL;
	if (strcmp(ipc, "none") == 0)
		return 0;
	if (strcmp(ipc, "host") == 0) {
		*ret = mount_new("/dev/shm", "bind", "/dev/shm",
				 (const char *const[]){ "bind", "rprivate", "nosuid", "noexec",
							"nodev", NULL });
		return 0;
	}
	r = str_eq(type, "tmpfs") ? shm_size(m, &size, err) : 1;
	if (r < 0)
		return -1;
	if (r > 0) {
		*ret = json_object_get(def);
		return 0;
	}
	json_object_object_get_ex(def, "options", &o);
	for (size_t i = 0;
	     json_object_is_type(o, json_type_array) && i < json_object_array_length(o); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(o, i));

		if (!str_has_prefix(s, "size="))
			strv_push(&opts, s);
	}
	strv_pushf(&opts, "size=%" PRId64, size);
	*ret = mount_new("/dev/shm", "tmpfs", src ? src : "shm", (const char *const *)opts.v);
	return 0;
}

/* The base spec's mounts that no user mount replaces (a user /dev replaces all of /dev). */
static int merge_defaults(const mctx *m, json_object *spec, json_object *out, cpod_error **err)
{
	bool user_dev = find_dest(m->user, "/dev") >= 0;
	json_object *base = NULL;
	size_t n;

	json_object_object_get_ex(spec, "mounts", &base);
	n = json_object_is_type(base, json_type_array) ? json_object_array_length(base) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(base, i), *shm;
		const char *d = str_member(b, "destination");
		_cleanup_free_ char *dest = spec_path_clean(d ? d : "/");

		if (find_dest(m->user, dest) >= 0 || (user_dev && str_has_prefix(dest, "/dev/")))
			continue;
		if (strcmp(dest, "/dev/shm") != 0) {
			json_object_array_add(out, json_object_get(b));
			continue;
		}
		if (shm_mount(m, b, &shm, err) < 0)
			return -1;
		if (shm)
			json_object_array_add(out, shm);
	}
	return 0;
}

/* ---- the container's files and subscriptions ---- */

/* podman's bind of a file the engine made: read-only, nosuid, noexec, nodev in a read-only
 * container. */
static json_object *engine_bind(const mctx *m, const char *src, const char *dest)
{
	static const char *const rw[] = { "bind", "rprivate", NULL };
	static const char *const ro[] = { "bind",   "rprivate", "ro", "nosuid",
					  "noexec", "nodev",	NULL };

	return mount_new(dest, "bind", src, m->read_only ? ro : rw);
}

static void bundle_binds(const mctx *m, json_object *out)
{
	static const char *const files[][2] = {
		{ "hosts", "/etc/hosts" },
		{ "hostname", "/etc/hostname" },
		{ "resolv.conf", "/etc/resolv.conf" },
		{ ".containerenv", "/run/.containerenv" },
	};

	for (size_t i = 0; m->ctx->bundle && i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", m->ctx->bundle, files[i][0]);

		if (access(src, F_OK) < 0 || find_dest(out, files[i][1]) >= 0)
			continue;
		/* podman makes no .containerenv when something is mounted on /run. */
		if (i == 3 && find_dest(out, "/run") >= 0)
			continue;
		json_object_array_add(out, engine_bind(m, src, files[i][1]));
	}
}

static int copy_regular(const char *src, int bundlefd, const char *dst, mode_t mode,
			cpod_error **err)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_NOCTTY | O_CLOEXEC), dir = -1, out = -1;
	_cleanup_free_ char *base = NULL, *data = xmalloc(65536);
	ssize_t r;

	if (in < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", src);
	dir = fs_open_parent_in_root(bundlefd, dst, true, &base, err);
	if (dir < 0)
		return -1;
	out = openat(dir, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dst);
	while ((r = read(in, data, 65536)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", src);
		for (ssize_t off = 0, w; off < r; off += w) {
			w = write(out, data + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing '%s'", dst);
		}
	}
	if (fchmod(out, mode & 07777) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "setting the mode of '%s'", dst);
	return 0;
}

/* Copies the host file or directory src to dst inside the bundle (symlinks followed, as
 * podman reads them; other file types skipped). */
static int copy_tree(const char *src, int bundlefd, const char *dst, int depth, cpod_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;

	if (stat(src, &st) < 0)
		return errno == ENOENT ? 0
				       : cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", src);
	if (S_ISREG(st.st_mode))
		return copy_regular(src, bundlefd, dst, st.st_mode, err);
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth > COPY_MAX_DEPTH)
		return cpod_err(err, CPOD_ERR_INVALID, ELOOP, "copying '%s'", src);
	if (fs_mkdir_p_in_root(bundlefd, dst, st.st_mode & 07777, NULL, err) < 0)
		return -1;
	d = opendir(src);
	if (!d)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", src);
	while ((de = readdir(d))) {
		_cleanup_free_ char *s = NULL, *t = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = xasprintf("%s/%s", src, de->d_name);
		t = xasprintf("%s/%s", dst, de->d_name);
		if (copy_tree(s, bundlefd, t, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* One "host[:container]" line of mounts.conf: the host content is copied into the bundle
 * (once; a restart finds it there) and that copy is mounted, as podman's subscriptions. */
static int subscription(const mctx *m, int bundlefd, const char *line, json_object *found,
			cpod_error **err)
{
	_cleanup_free_ char *host = xstrndup(line, strcspn(line, ":")), *dest = NULL, *src = NULL;
	_cleanup_close_ int fd = -1;
	const char *colon = strchr(line, ':');
	struct stat st;

	dest = spec_path_clean(colon ? colon + 1 : host);
	if (stat(host, &st) < 0) {
		if (errno != ENOENT)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "'%s'", host);
		log_warn("path '%s' from mounts.conf doesn't exist, skipping", host);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported file type for: '%s'", host);
	fd = fs_open_in_root(bundlefd, dest, O_PATH, 0, NULL);
	if (fd < 0 && copy_tree(host, bundlefd, dest, 0, err) < 0)
		return -1;
	src = xasprintf("%s%s", m->ctx->bundle, dest);
	if (find_dest(found, dest) < 0)
		json_object_array_add(found, engine_bind(m, src, dest));
	return 0;
}

static int read_mounts_conf(const mctx *m, buf *b, const char **ret_path)
{
	_cleanup_free_ char *user = NULL;
	const char *home = getenv("HOME");
	const char *defaults[] = { NULL, "/etc/containers/mounts.conf",
				   "/usr/share/containers/mounts.conf", NULL };
	const char *const *paths = conf_paths_override;

	if (!paths) {
		if (m->ctx->rootless && home && *home)
			defaults[0] = user = xasprintf("%s/.config/containers/mounts.conf", home);
		paths = defaults[0] ? defaults : defaults + 1;
	}
	for (; *paths; paths++) {
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;

		if (fs_read_file(*paths, MOUNTS_CONF_CAP, b, &e) == 0) {
			*ret_path = *paths == user ? "mounts.conf" : *paths;
			return 0;
		}
		if (cpod_error_kind(e) != CPOD_ERR_NOT_FOUND) {
			log_warn("reading '%s': %s, skipping", *paths, cpod_error_message(e));
			return -1;
		}
	}
	return -1;
}

/* The mounts of the first mounts.conf found.  Failures are warnings, as in podman, and then
 * no subscription is mounted. */
static void subscriptions(const mctx *m, json_object *out)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_json_ json_object *found = json_object_new_array();
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_close_ int bundlefd = -1;
	_cleanup_buf_ buf b = BUF_INIT;
	const char *path = NULL;
	size_t n;

	if (!m->ctx->bundle || read_mounts_conf(m, &b, &path) < 0)
		return;
	bundlefd = open(m->ctx->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bundlefd < 0) {
		log_warn("opening '%s': %s", m->ctx->bundle, strerror(errno));
		return;
	}
	lines = strv_split(b.s, "\n", 1);
	for (char **l = lines; *l; l++) {
		char *line = *l + strspn(*l, " \t");
		size_t len = strlen(line);

		while (len > 0 && strchr(" \t\r", line[len - 1]))
			line[--len] = '\0';
		if (*line != '/')
			continue;
		if (subscription(m, bundlefd, line, found, &e) < 0) {
			log_warn("failed to mount subscriptions, skipping entries in '%s': %s",
				 path, cpod_error_message(e));
			return;
		}
	}
	n = json_object_array_length(found);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(found, i);

		if (find_dest(out, str_member(s, "destination")) < 0)
			json_object_array_add(out, json_object_get(s));
	}
}

/* ---- final touches ---- */

/* runc and crun choke on symlinks in tmpfs destinations: resolve them inside the rootfs. */
static void resolve_tmpfs_dests(const mctx *m, json_object *out)
{
	_cleanup_free_ char *root = m->ctx->rootfs ? realpath(m->ctx->rootfs, NULL) : NULL;
	size_t n = json_object_array_length(out), rl = root ? strlen(root) : 0;

	for (size_t i = 0; root && m->ctx->rootfs_fd >= 0 && i < n; i++) {
		json_object *mt = json_object_array_get_idx(out, i);
		const char *dest = str_member(mt, "destination");
		_cleanup_close_ int fd = -1;
		char proc[64], real[PATH_MAX];
		ssize_t len;

		if (!dest || !str_eq(str_member(mt, "type"), "tmpfs"))
			continue;
		fd = fs_open_in_root(m->ctx->rootfs_fd, dest, O_PATH, 0, NULL);
		if (fd < 0)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		len = readlink(proc, real, sizeof(real) - 1);
		if (len < 0 || (size_t)len < rl || strncmp(real, root, rl) != 0 ||
		    (real[rl] != '/' && real[rl] != '\0'))
			continue;
		real[len] = '\0';
		if (strcmp(real + rl, dest) != 0)
			json_object_object_add(mt, "destination",
					       json_object_new_string(real[rl] ? real + rl : "/"));
	}
}

static size_t depth_of(json_object *mt)
{
	const char *d = str_member(mt, "destination");
	_cleanup_free_ char *c = spec_path_clean(d ? d : "/");
	size_t n = 0;

	for (const char *p = c; *p; p++)
		n += *p == '/';
	return n;
}

/* podman's sortMounts, made stable: fewer path components first. */
static json_object *sort_by_depth(json_object *list)
{
	size_t n = json_object_array_length(list);
	_cleanup_free_ json_object **v = xcalloc(n ? n : 1, sizeof(*v));
	_cleanup_free_ size_t *depth = xcalloc(n ? n : 1, sizeof(*depth));
	json_object *out = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);
		size_t j = i, d = depth_of(item);

		for (; j > 0 && depth[j - 1] > d; j--) {
			v[j] = v[j - 1];
			depth[j] = depth[j - 1];
		}
		v[j] = item;
		depth[j] = d;
	}
	for (size_t i = 0; i < n; i++)
		json_object_array_add(out, json_object_get(v[i]));
	return out;
}

/* A shared mount needs a shared root, a slave one a slave root (podman's
 * addRootPropagation). */
static void root_propagation(json_object *spec, json_object *mounts)
{
	const char *prop = NULL;
	json_object *lnx;

	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *o = NULL;

		json_object_object_get_ex(json_object_array_get_idx(mounts, i), "options", &o);
		for (size_t j = 0;
		     json_object_is_type(o, json_type_array) && j < json_object_array_length(o);
		     j++) {
			const char *s = json_object_get_string(json_object_array_get_idx(o, j));

			bool shared = str_eq(s, "shared") || str_eq(s, "rshared");
			bool slave = str_eq(s, "slave") || str_eq(s, "rslave");

			if (shared)
				prop = "shared";
			else if (slave && !str_eq(prop, "shared"))
				prop = "rslave";
		}
	}
	if (!prop)
		return;
	if (!json_object_object_get_ex(spec, "linux", &lnx)) {
		lnx = json_object_new_object();
		json_object_object_add(spec, "linux", lnx);
	}
	json_object_object_add(lnx, "rootfsPropagation", json_object_new_string(prop));
}

/* The container user as spec_process() set it, for U. */
static void process_user(json_object *spec, uint32_t *uid, uint32_t *gid)
{
	json_object *p, *u, *v;

	*uid = *gid = 0;
	if (!json_object_object_get_ex(spec, "process", &p) ||
	    !json_object_object_get_ex(p, "user", &u))
		return;
	if (json_object_object_get_ex(u, "uid", &v) && json_object_is_type(v, json_type_int))
		*uid = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(u, "gid", &v) && json_object_is_type(v, json_type_int))
		*gid = (uint32_t)json_object_get_int64(v);
}

static void set_readonly(json_object *spec)
{
	json_object *root;

	if (!json_object_object_get_ex(spec, "root", &root)) {
		root = json_object_new_object();
		json_object_object_add(spec, "root", root);
	}
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
}

int spec_mounts(const spec_ctx *ctx, json_object *spec, cpod_error **err)
{
	_cleanup_json_ json_object *user = json_object_new_array();
	_cleanup_json_ json_object *out = json_object_new_array();
	json_object *sorted;
	mctx m = { .ctx = ctx, .user = user };

	process_user(spec, &m.uid, &m.gid);
	if (specgen_mounts(&m, err) < 0 || volume_mounts(&m, err) < 0 ||
	    readonly_tmpfs(&m, err) < 0 || image_tmpfs(&m, err) < 0 || init_mount(&m, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(user); i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(user, i)));
	if (merge_defaults(&m, spec, out, err) < 0)
		return -1;
	bundle_binds(&m, out);
	subscriptions(&m, out);
	resolve_tmpfs_dests(&m, out);
	sorted = sort_by_depth(out);
	json_object_object_add(spec, "mounts", sorted);
	root_propagation(spec, sorted);
	if (m.read_only)
		set_readonly(spec);
	return 0;
}
