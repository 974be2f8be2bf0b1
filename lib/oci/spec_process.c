/* The process part of config.json, as podman 4.3.1 builds it: args (makeCommand), env
 * (CompleteSpec's merge of containers.conf, image and host environments), cwd (and
 * resolveWorkDir's check or creation of it in the rootfs), user and groups (runc's user
 * lookup inside the rootfs), HOME, HOSTNAME, umask and terminal.
 *
 * args follow makeCommand exactly: a given entrypoint replaces the image's, even [] (null is
 * "not given"); the image's Cmd is dropped only when the given entrypoint is not empty
 * ([""], which stands for no entrypoint, counts as not empty).
 *
 * Choices where podman leaves room:
 *   - container=podman is kept (as podman sets it for image containers): systemd and other
 *     tools recognise that value, and cpod aims to look like podman from inside.
 *   - TERM=xterm comes with the defaults (containers.conf env and, for image containers,
 *     podman's PATH/TERM/container defaults), whether or not there is a terminal, as podman.
 *   - HOME falls back to "/" when the user has no passwd entry (runc and crun would set that
 *     at start anyway; podman leaves it out of config.json).
 *   - An image Env entry without '=' is skipped, not looked up in the host environment.
 *   - env_host and httpproxy default to containers.conf's env_host and http_proxy when the
 *     specgen does not say (podman's CLI fills them in from there).
 */
#include "oci/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/spec_mounts.h"
#include "oci/userlookup.h"
#include "common/banned.h"

static json_object *obj_member(json_object *parent, const char *key)
{
	json_object *o;

	if (json_object_object_get_ex(parent, key, &o) && json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(parent, key, o);
	return o;
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static int push_strings(const json_cur *arr, size_t n, strv *out, cpod_error **err)
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

static int image_array(const json_cur *img, const char *key, json_cur *ret, size_t *n,
		       cpod_error **err)
{
	if (json_get_array_opt(img, key, ret, n, err) < 0)
		return cpod_err_prefix(err, "image config");
	return 0;
}

/* ---- args ---- */

static int build_args(const spec_ctx *ctx, strv *args, cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg), img = json_cur_root(ctx->image_config);
	json_cur ep, cmd, e;
	size_t n_ep, n_cmd, n_given_ep;
	const char *first = NULL;
	bool image_ep, image_cmd;

	if (json_get_array_opt(&sg, "entrypoint", &ep, &n_ep, err) < 0 ||
	    json_get_array_opt(&sg, "command", &cmd, &n_cmd, err) < 0)
		return -1;
	n_given_ep = n_ep;
	/* A given entrypoint, even [], replaces the image's. */
	image_ep = !ep.obj;
	if (image_ep && image_array(&img, "Entrypoint", &ep, &n_ep, err) < 0)
		return -1;
	if (n_ep == 1) {
		e = json_cur_index(&ep, 0);
		if (json_cur_string(&e, &first, err) < 0)
			return image_ep ? cpod_err_prefix(err, "image config") : -1;
	}
	/* [""] is no entrypoint at all (run --entrypoint ""). */
	if (!(n_ep == 1 && !*first) && push_strings(&ep, n_ep, args, err) < 0)
		return image_ep ? cpod_err_prefix(err, "image config") : -1;
	/* The image's Cmd only when no command and no non-empty entrypoint were given. */
	image_cmd = n_cmd == 0 && n_given_ep == 0;
	if (image_cmd && image_array(&img, "Cmd", &cmd, &n_cmd, err) < 0)
		return -1;
	if (push_strings(&cmd, n_cmd, args, err) < 0)
		return image_cmd ? cpod_err_prefix(err, "image config") : -1;
	if (args->n == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s",
				"no command or entrypoint provided, and no CMD or ENTRYPOINT "
				"from image");
	return 0;
}

static int add_init(const spec_ctx *ctx, strv *args, cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg);
	strv with = STRV_INIT;
	bool init;

	if (json_get_bool_opt(&sg, "init", false, &init, err) < 0)
		return -1;
	if (!init)
		return 0;
	if (!*spec_init_path(ctx))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"no path to init binary found but container requested an init");
	strv_push(&with, SPEC_INIT_PATH);
	strv_push(&with, "--");
	strv_pushv(&with, (const char *const *)args->v);
	strv_clear(args);
	*args = with;
	return 0;
}

/* ---- env ---- */

static const char *const proxy_env[] = {
	"http_proxy",  "https_proxy", "ftp_proxy", "no_proxy", "HTTP_PROXY",
	"HTTPS_PROXY", "FTP_PROXY",   "NO_PROXY",  NULL,
};

static void env_unset(strv *env, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], key, kl) == 0 && env->v[i][kl] == '=') {
			strv_remove(env, i);
			return;
		}
	}
}

/* Sets a "KEY=VALUE" entry (a bare "KEY" sets it empty). */
static void env_set_entry(strv *env, const char *entry)
{
	const char *eq = strchr(entry, '=');
	_cleanup_free_ char *key = xstrndup(entry, eq ? (size_t)(eq - entry) : strlen(entry));

	strv_env_set(env, key, eq ? eq + 1 : "");
}

/* The host environment: all of it, or only the proxy variables. */
static void env_from_host(strv *env, bool all, bool proxy)
{
	if (all) {
		for (char **e = environ; e && *e; e++)
			env_set_entry(env, *e);
		return;
	}
	for (size_t i = 0; proxy && proxy_env[i]; i++) {
		const char *v = getenv(proxy_env[i]);

		if (v)
			strv_env_set(env, proxy_env[i], v);
	}
}

/* One entry of containers.conf env or image Env, as podman's env.ParseSlice: "KEY=VALUE";
 * a bare "KEY" takes the host's value (if any), "PREFIX*" every host variable so named
 * (from_host only). */
static int env_add_parsed(strv *env, const char *entry, bool from_host, cpod_error **err)
{
	const char *eq = strchr(entry, '=');
	_cleanup_free_ char *name = NULL;
	const char *n, *v;
	size_t len;

	name = xstrndup(entry, eq ? (size_t)(eq - entry) : strlen(entry));
	n = name + strspn(name, " \t");
	if (!*n)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid environment variable: \"%s\"",
				entry);
	if (eq) {
		strv_env_set(env, n, eq + 1);
		return 0;
	}
	if (!from_host)
		return 0;
	len = strlen(n);
	if (n[len - 1] != '*') {
		v = getenv(n);
		if (v)
			strv_env_set(env, n, v);
		return 0;
	}
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, n, len - 1) == 0 && strchr(*e, '='))
			env_set_entry(env, *e);
	return 0;
}

/* The defaults: podman's own (image containers only), containers.conf env over the host's
 * (env_host) or proxy variables, then the image's Env. */
static int env_defaults(const spec_ctx *ctx, bool host, bool proxy, strv *env, cpod_error **err)
{
	json_cur img = json_cur_root(ctx->image_config), ienv;
	size_t n;

	if (ctx->image_config) {
		strv_env_set(env, "PATH",
			     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		strv_env_set(env, "TERM", "xterm");
		strv_env_set(env, "container", "podman");
	}
	env_from_host(env, host, proxy);
	for (size_t i = 0; i < ctx->cc->env.n; i++)
		if (env_add_parsed(env, ctx->cc->env.v[i], true, err) < 0)
			return cpod_err_prefix(err, "parsing fields in containers.conf");
	if (image_array(&img, "Env", &ienv, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&ienv, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0)
			return cpod_err_prefix(err, "image config");
		if (env_add_parsed(env, s, false, err) < 0)
			return cpod_err_prefix(err, "env fields from image failed to parse");
	}
	return 0;
}

static int env_specgen(const json_cur *sg, strv *env, cpod_error **err)
{
	json_cur map;

	if (json_get_object_opt(sg, "env", &map, err) < 0)
		return -1;
	if (!map.obj)
		return 0;
	json_object_object_foreach(map.obj, key, val) {
		json_cur c = json_cur_child(&map, key, val);
		const char *s;

		if (json_cur_string(&c, &s, err) < 0)
			return -1;
		if (!*key || strchr(key, '='))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid environment variable: \"%s=%s\"", key, s);
		strv_env_set(env, key, s);
	}
	return 0;
}

static int build_env(const spec_ctx *ctx, strv *env, cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg), unset;
	bool host, proxy, unset_all;
	size_t n;

	if (json_get_bool_opt(&sg, "env_host", ctx->cc->env_host, &host, err) < 0 ||
	    json_get_bool_opt(&sg, "httpproxy", ctx->cc->http_proxy, &proxy, err) < 0 ||
	    json_get_bool_opt(&sg, "unsetenvall", false, &unset_all, err) < 0 ||
	    json_get_array_opt(&sg, "unsetenv", &unset, &n, err) < 0)
		return -1;
	if (env_defaults(ctx, host, proxy, env, err) < 0)
		return -1;
	/* unsetenv and unsetenvall act on the defaults only. */
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&unset, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		env_unset(env, s);
	}
	if (unset_all)
		strv_clear(env);
	env_from_host(env, host, proxy);
	return env_specgen(&sg, env, err);
}

/* HOME, HOSTNAME and the socket activation variables, unless already set. */
static void env_finish(const spec_ctx *ctx, const exec_user *u, strv *env)
{
	json_cur sg = json_cur_root(ctx->sg), uts = json_cur_field(&sg, "utsns");
	json_cur mode = json_cur_field(&uts, "nsmode");
	const char *const *v = (const char *const *)env->v;
	char host[256];

	if (!strv_env_get(v, "HOME"))
		strv_env_set(env, "HOME", *u->home ? u->home : "/");
	v = (const char *const *)env->v;
	if (!strv_env_get(v, "HOSTNAME")) {
		if (mode.obj && json_object_is_type(mode.obj, json_type_string) &&
		    strcmp(json_object_get_string(mode.obj), "host") == 0) {
			if (gethostname(host, sizeof(host)) == 0) {
				host[sizeof(host) - 1] = '\0';
				strv_env_set(env, "HOSTNAME", host);
			}
		} else if (ctx->hostname) {
			strv_env_set(env, "HOSTNAME", ctx->hostname);
		}
	}
	/* systemd socket activation passes through, with the PID the container will see. */
	if (getenv("LISTEN_PID"))
		strv_env_set(env, "LISTEN_PID", "1");
	if (getenv("LISTEN_FDS"))
		strv_env_set(env, "LISTEN_FDS", getenv("LISTEN_FDS"));
	if (getenv("LISTEN_FDNAMES"))
		strv_env_set(env, "LISTEN_FDNAMES", getenv("LISTEN_FDNAMES"));
}

/* ---- user ---- */

/* The host source of a bind mount over dest among the specgen mounts and volumes, or NULL
 * (podman reads /etc/passwd and /etc/group from such a mount). */
static const char *bind_source_at(const spec_ctx *ctx, const char *dest)
{
	json_object *lists[2] = { NULL, ctx->volume_mounts };

	if (ctx->sg)
		json_object_object_get_ex(ctx->sg, "mounts", &lists[0]);
	for (size_t l = 0; l < 2; l++) {
		size_t n = json_object_is_type(lists[l], json_type_array)
				   ? json_object_array_length(lists[l])
				   : 0;

		for (size_t i = 0; i < n; i++) {
			json_object *m = json_object_array_get_idx(lists[l], i), *d, *s, *t;

			if (!json_object_object_get_ex(m, "destination", &d) ||
			    !json_object_object_get_ex(m, "source", &s) ||
			    !json_object_is_type(d, json_type_string) ||
			    !json_object_is_type(s, json_type_string) ||
			    strcmp(json_object_get_string(d), dest) != 0)
				continue;
			if (json_object_object_get_ex(m, "type", &t) &&
			    json_object_is_type(t, json_type_string) &&
			    strcmp(json_object_get_string(t), "bind") != 0)
				continue;
			return json_object_get_string(s);
		}
	}
	return NULL;
}

static int read_user_file(const spec_ctx *ctx, const char *name, userlookup_file *f,
			  cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("/etc/%s", name);
	_cleanup_free_ char *in_etc = NULL;
	const char *src = bind_source_at(ctx, path);

	if (!src && (src = bind_source_at(ctx, "/etc")))
		src = in_etc = xasprintf("%s/%s", src, name);
	if (src)
		return userlookup_read_host(src, f, err);
	if (ctx->rootfs_fd < 0) {
		f->data = NULL;
		f->len = 0;
		return 0;
	}
	return userlookup_read_in_root(ctx->rootfs_fd, path, f, err);
}

DEFINE_CLEANUP_FUNC(userlookup_file, userlookup_file_release)
DEFINE_CLEANUP_FUNC(exec_user, exec_user_release)

static int user_groups(const spec_ctx *ctx, const userlookup_file *group, uint32_t **gids,
		       size_t *n_gids, cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg), groups;
	strv names = STRV_INIT;
	size_t n;
	int r;

	*gids = NULL;
	*n_gids = 0;
	if (json_get_array_opt(&sg, "groups", &groups, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	r = push_strings(&groups, n, &names, err);
	if (r == 0 &&
	    userlookup_groups((const char *const *)names.v, names.n, group, gids, n_gids, err) < 0)
		r = cpod_err_prefix(err, "looking up supplemental groups for container %s",
				    ctx->id);
	strv_clear(&names);
	return r;
}

static void add_gid(json_object *arr, uint32_t gid)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++)
		if (json_object_get_int64(json_object_array_get_idx(arr, i)) == (int64_t)gid)
			return;
	json_object_array_add(arr, json_object_new_int64(gid));
}

/* process.user: uid/gid of the user spec; additionalGids = its gid (when a user is named),
 * --group-add groups, then its /etc/group memberships (unless a group was named). */
static int build_user(const spec_ctx *ctx, json_object *proc, exec_user *ret, cpod_error **err)
{
	_cleanup_(userlookup_file_releasep) userlookup_file *pp = NULL, *gp = NULL;
	_cleanup_free_ uint32_t *gids = NULL;
	json_cur sg = json_cur_root(ctx->sg), img = json_cur_root(ctx->image_config);
	userlookup_file passwd = { 0 }, group = { 0 };
	json_object *user, *extra;
	const char *spec;
	exec_user u;
	size_t n_gids;

	if (json_get_string_opt(&sg, "user", "", &spec, err) < 0)
		return -1;
	if (!*spec && json_get_string_opt(&img, "User", "", &spec, err) < 0)
		return cpod_err_prefix(err, "image config");
	if (read_user_file(ctx, "passwd", &passwd, err) < 0)
		return -1;
	pp = &passwd;
	if (read_user_file(ctx, "group", &group, err) < 0)
		return -1;
	gp = &group;
	if (userlookup_exec_user(spec, &passwd, &group, &u, err) < 0)
		return -1;
	if (user_groups(ctx, &group, &gids, &n_gids, err) < 0) {
		exec_user_release(&u);
		return -1;
	}
	user = obj_member(proc, "user");
	json_object_object_add(user, "uid", json_object_new_int64(u.uid));
	json_object_object_add(user, "gid", json_object_new_int64(u.gid));
	extra = json_object_new_array();
	if (*spec)
		add_gid(extra, u.gid);
	for (size_t i = 0; i < n_gids; i++)
		add_gid(extra, gids[i]);
	for (size_t i = 0; !strchr(spec, ':') && i < u.n_sgids; i++)
		add_gid(extra, u.sgids[i]);
	if (json_object_array_length(extra) > 0)
		json_object_object_add(user, "additionalGids", extra);
	else
		json_object_put(extra);
	*ret = u;
	return 0;
}

/* ---- cwd ---- */

static bool on_mount_list(json_object *list, const char *path)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *d;
		_cleanup_free_ char *dest = NULL;

		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "destination",
					       &d) ||
		    !json_object_is_type(d, json_type_string))
			continue;
		dest = spec_path_clean(json_object_get_string(d));
		/* On the mount, or one of its parents (which the runtime creates). */
		if (spec_path_within(path, dest) ||
		    (strcmp(path, "/") != 0 && spec_path_within(dest, path)))
			return true;
	}
	return false;
}

static bool on_mount(const spec_ctx *ctx, json_object *spec, const char *path)
{
	json_object *list = NULL;

	if (ctx->sg && json_object_object_get_ex(ctx->sg, "mounts", &list) &&
	    on_mount_list(list, path))
		return true;
	if (json_object_object_get_ex(spec, "mounts", &list) && on_mount_list(list, path))
		return true;
	return on_mount_list(ctx->volume_mounts, path);
}

/* podman's resolveWorkDir: a workdir given by the user must exist (unless a mount provides
 * it); the image's is created, owned by the container user. */
static int check_workdir(const spec_ctx *ctx, json_object *spec, const char *wd, bool create,
			 const exec_user *u, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (ctx->rootfs_fd < 0 || on_mount(ctx, spec, wd))
		return 0;
	fd = fs_open_in_root(ctx->rootfs_fd, wd, O_PATH, 0, &e);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "detecting workdir '%s'", wd);
		if (!S_ISDIR(st.st_mode))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"workdir '%s' exists on container %s, but is not a "
					"directory",
					wd, ctx->id);
		return 0;
	}
	if (cpod_error_kind(e) != CPOD_ERR_NOT_FOUND)
		return cpod_err(err, cpod_error_kind(e), cpod_error_errno(e),
				"detecting workdir '%s' on container %s", wd, ctx->id);
	if (!create)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"workdir '%s' does not exist on container %s", wd, ctx->id);
	if (fs_mkdir_p_in_root(ctx->rootfs_fd, wd, 0755, &fd, err) < 0)
		return cpod_err_prefix(err, "creating container %s workdir", ctx->id);
	if (fchownat(fd, "", u->uid, u->gid, AT_EMPTY_PATH) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "chowning container %s workdir '%s'",
				ctx->id, wd);
	return 0;
}

static int build_cwd(const spec_ctx *ctx, json_object *spec, json_object *proc, const exec_user *u,
		     cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg), img = json_cur_root(ctx->image_config);
	_cleanup_free_ char *clean = NULL;
	const char *wd;
	bool create;

	if (json_get_string_opt(&sg, "work_dir", "", &wd, err) < 0 ||
	    json_get_bool_opt(&sg, "create_working_dir", false, &create, err) < 0)
		return -1;
	if (!*wd && ctx->image_config) {
		create = true;
		if (json_get_string_opt(&img, "WorkingDir", "", &wd, err) < 0)
			return cpod_err_prefix(err, "image config");
	}
	if (!*wd)
		wd = "/";
	if (wd[0] != '/')
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid workdir '%s': must be an absolute path", wd);
	clean = spec_path_clean(wd);
	if (check_workdir(ctx, spec, clean, create, u, err) < 0)
		return -1;
	json_object_object_add(proc, "cwd", json_object_new_string(wd));
	return 0;
}

/* ---- umask, terminal ---- */

static bool valid_umask(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 4 && strspn(s, "01234567") == n;
}

static int build_umask(const spec_ctx *ctx, json_object *proc, cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg);
	const char *umask;

	if (json_get_string_opt(&sg, "umask", "", &umask, err) < 0)
		return -1;
	if (!*umask) {
		umask = ctx->cc->umask;
		if (*umask && !valid_umask(umask))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid containers.conf umask '%s': %s", umask,
					"must be 1 to 4 octal digits");
	}
	if (!*umask)
		return 0;
	if (!valid_umask(umask))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid umask '%s': must be 1 to 4 octal digits", umask);
	json_object_object_add(obj_member(proc, "user"), "umask",
			       json_object_new_int64(strtol(umask, NULL, 8)));
	return 0;
}

int spec_process(const spec_ctx *ctx, json_object *spec, cpod_error **err)
{
	_cleanup_strv_ strv args = STRV_INIT, env = STRV_INIT;
	_cleanup_(exec_user_releasep) exec_user *up = NULL;
	json_cur sg = json_cur_root(ctx->sg);
	json_object *proc = obj_member(spec, "process");
	exec_user u = { 0 };
	bool terminal;

	if (json_cur_object_opt(&sg, err) < 0 ||
	    json_get_bool_opt(&sg, "terminal", false, &terminal, err) < 0 ||
	    build_args(ctx, &args, err) < 0 || add_init(ctx, &args, err) < 0 ||
	    build_env(ctx, &env, err) < 0 || build_user(ctx, proc, &u, err) < 0)
		return -1;
	up = &u;
	if (build_cwd(ctx, spec, proc, &u, err) < 0 || build_umask(ctx, proc, err) < 0)
		return -1;
	env_finish(ctx, &u, &env);
	json_object_object_add(proc, "terminal", json_object_new_boolean(terminal));
	json_object_object_add(proc, "args", strv_json(args.v));
	json_object_object_add(proc, "env", strv_json(env.v));
	return 0;
}
