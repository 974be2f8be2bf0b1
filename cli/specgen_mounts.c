/* -v/--volume, --mount and --tmpfs into the description's "mounts" (OCI mounts: bind, tmpfs,
 * devpts) and "volumes" (named and anonymous volumes), as podman 4.3's parseVolumes,
 * GenVolumeMounts and Mounts (pkg/specgenutil/volumes.go, pkg/specgen/volumes.go) do it. */
#include "specgen_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define ERR_OPTION_ARG "must provide an argument for option"
#define ERR_BAD_OPTION "invalid mount option"
#define ERR_DUP_DEST "duplicate mount destination"
#define ERR_MOUNT_SYNTAX                             \
	"incorrect mount format: should be --mount " \
	"type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]"

typedef struct {
	char *dest, *type, *source; /* an OCI mount */
	strv options;
} mnt;

typedef struct {
	char *name, *dest; /* a named volume; name "" for an anonymous one */
	strv options;
} vol;

typedef struct {
	mnt *m;
	size_t nm;
	vol *v;
	size_t nv;
} mount_set;

static void mount_set_release(mount_set *s)
{
	for (size_t i = 0; i < s->nm; i++) {
		free(s->m[i].dest);
		free(s->m[i].type);
		free(s->m[i].source);
		strv_clear(&s->m[i].options);
	}
	for (size_t i = 0; i < s->nv; i++) {
		free(s->v[i].name);
		free(s->v[i].dest);
		strv_clear(&s->v[i].options);
	}
	free(s->m);
	free(s->v);
	*s = (mount_set){ 0 };
}

static void mnt_release(mnt *m)
{
	free(m->dest);
	free(m->type);
	free(m->source);
	strv_clear(&m->options);
}

static void vol_release(vol *v)
{
	free(v->name);
	free(v->dest);
	strv_clear(&v->options);
}

/* Appends (takes) m / v. */
static void push_mnt(mount_set *s, mnt *m)
{
	s->m = xreallocarray(s->m, s->nm + 1, sizeof(*s->m));
	s->m[s->nm++] = *m;
	*m = (mnt){ .options = STRV_INIT };
}

static void push_vol(mount_set *s, vol *v)
{
	s->v = xreallocarray(s->v, s->nv + 1, sizeof(*s->v));
	s->v[s->nv++] = *v;
	*v = (vol){ .options = STRV_INIT };
}

static mnt *find_mnt(mount_set *s, const char *dest)
{
	for (size_t i = 0; i < s->nm; i++)
		if (str_eq(s->m[i].dest, dest))
			return &s->m[i];
	return NULL;
}

static vol *find_vol(mount_set *s, const char *dest)
{
	for (size_t i = 0; i < s->nv; i++)
		if (str_eq(s->v[i].dest, dest))
			return &s->v[i];
	return NULL;
}

static bool strv_equal(const strv *a, const strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!str_eq(a->v[i], b->v[i]))
			return false;
	return true;
}

static int dup_dest(cpod_error **err, const char *dest)
{
	return sg_invalid(err, "%s: " ERR_DUP_DEST, dest);
}

/* Go's path.Clean. */
static char *path_clean(const char *p)
{
	_cleanup_strv_free_ char **parts = strv_split(p, "/", 1);
	_cleanup_strv_ strv out = STRV_INIT;
	bool abs = p[0] == '/';
	_cleanup_free_ char *joined = NULL;

	for (char **c = parts; *c; c++) {
		if (str_eq(*c, "."))
			continue;
		if (str_eq(*c, "..")) {
			if (out.n && !str_eq(out.v[out.n - 1], ".."))
				strv_remove(&out, out.n - 1);
			else if (!abs)
				strv_push(&out, "..");
			continue;
		}
		strv_push(&out, *c);
	}
	joined = strv_join((const char *const *)out.v, "/");
	if (abs)
		return xasprintf("/%s", joined);
	return xstrdup(*joined ? joined : ".");
}

/* An absolute version of a relative host path (filepath.Abs). */
static char *abs_path(const char *p)
{
	char cwd[PATH_MAX];
	_cleanup_free_ char *joined = NULL;

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return path_clean(p);
	joined = xasprintf("%s/%s", cwd, p);
	return path_clean(joined);
}

/* parse.ValidateVolumeCtrDir. */
static int check_ctr_dir(const char *dir, cpod_error **err)
{
	_cleanup_free_ char *q = NULL;

	if (!*dir)
		return sg_invalid(err, "container directory cannot be empty");
	if (dir[0] != '/') {
		q = sg_goq(dir);
		return sg_invalid(err, "invalid container path %s, must be an absolute path", q);
	}
	return 0;
}

/* ---- parse.ValidateVolumeOpts ---- */

static int opts_error(cpod_error **err, const strv *opts, const char *what)
{
	_cleanup_free_ char *joined = strv_join((const char *const *)opts->v, ", ");
	_cleanup_free_ char *q = sg_goq(joined);

	return sg_invalid(err, "invalid options %s, can only specify 1 %s option", q, what);
}

/* Which group of exclusive options o belongs to (-1: none, accepted as is; -2: unknown). */
static int opt_group(const char *o)
{
	static const char *const groups[][9] = {
		{ "noexec", "exec" },
		{ "nodev", "dev" },
		{ "nosuid", "suid" },
		{ "rw", "ro" },
		{ "z", "Z", "O" },
		{ "U" },
		{ "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
		  "runbindable" },
		{ "bind", "rbind" },
		{ "copy", "nocopy" },
	};

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		for (size_t i = 0; i < ARRAY_SIZE(groups[g]) && groups[g][i]; i++)
			if (str_eq(groups[g][i], o))
				return (int)g;
	return -2;
}

static int validate_volume_opts(const strv *in, strv *out, cpod_error **err)
{
	static const char *const what[] = {
		"'noexec' or 'exec'",
		"'nodev' or 'dev'",
		"'nosuid' or 'suid'",
		"'rw' or 'ro'",
		"'z', 'Z', or 'O'",
		"'U'",
		"'[r]shared', '[r]private', '[r]slave' or '[r]unbindable'",
		"'[r]bind'",
		"'copy' or 'nocopy'",
	};
	int seen[ARRAY_SIZE(what)] = { 0 }, upper = 0, work = 0;

	for (size_t i = 0; i < in->n; i++) {
		const char *o = in->v[i];
		int g;

		if (strstr(o, "upperdir") || strstr(o, "workdir")) {
			int *c = strstr(o, "upperdir") ? &upper : &work;

			if (++*c > 1)
				return sg_invalid(err,
						  "invalid options \"%s\", can only specify 1 %s "
						  "per overlay",
						  o, c == &upper ? "upperdir" : "workdir");
		} else if (str_eq(o, "cached") || str_eq(o, "delegated")) {
			continue; /* macOS options, dropped as Docker does */
		} else if (!str_has_prefix(o, "idmap")) {
			g = opt_group(o);
			if (g == -2) {
				_cleanup_free_ char *q = sg_goq(o);

				return sg_invalid(err, "invalid option type %s", q);
			}
			if (++seen[g] > 1)
				return opts_error(err, in, what[g]);
		}
		strv_push(out, o);
	}
	return 0;
}

/* ---- -v/--volume ---- */

/* The host side of -v: ./x through symlinks, other relative paths made absolute. */
static int volume_source(const char *src, char **ret, cpod_error **err)
{
	char es[128];

	if (str_has_prefix(src, "./")) {
		char *real = realpath(src, NULL);

		if (!real) {
			_cleanup_free_ char *clean = path_clean(src);

			return sg_invalid(err, "lstat %s: %s", clean,
					  sg_errno_str(errno, es, sizeof(es)));
		}
		*ret = real;
		return 0;
	}
	*ret = src[0] == '/' ? path_clean(src) : abs_path(src);
	return 0;
}

static int add_volume_bind(mount_set *s, char *src, char *dest, strv *opts, cpod_error **err)
{
	mnt m = { .dest = dest, .type = xstrdup("bind"), .source = src, .options = *opts };
	mnt *old = find_mnt(s, dest);

	*opts = (strv)STRV_INIT;
	for (size_t i = 0; i < m.options.n; i++)
		if (str_eq(m.options.v[i], "O")) {
			mnt_release(&m);
			return cli_not_supported(err, "volume with the O (overlay) option");
		}
	if (old) {
		bool same = str_eq(old->source, m.source) && strv_equal(&old->options, &m.options);
		int r = same ? 0 : dup_dest(err, dest);

		mnt_release(&m);
		return r;
	}
	push_mnt(s, &m);
	return 0;
}

static int add_volume_named(mount_set *s, char *name, char *dest, strv *opts, cpod_error **err)
{
	vol v = { .name = name, .dest = dest, .options = *opts };
	vol *old = find_vol(s, dest);

	*opts = (strv)STRV_INIT;
	if (old) {
		int r = str_eq(old->name, v.name) ? 0 : dup_dest(err, dest);

		vol_release(&v);
		return r;
	}
	push_vol(s, &v);
	return 0;
}

/* One -v: [SRC:]DEST[:OPTIONS]. */
static int parse_volume(mount_set *s, const char *spec, cpod_error **err)
{
	_cleanup_strv_free_ char **parts = strv_split(spec, ":", 0);
	_cleanup_strv_ strv opts = STRV_INIT;
	_cleanup_free_ char *src = NULL;
	size_t n = strv_length(parts);
	const char *dest = n == 1 ? parts[0] : parts[1];

	if (n > 3)
		return sg_invalid(err,
				  "%s: incorrect volume format, should be "
				  "[host-dir:]ctr-dir[:option]",
				  spec);
	if (n == 3) {
		_cleanup_strv_free_ char **o = strv_split(parts[2], ",", 0);
		strv in = { .v = o, .n = strv_length(o) };

		if (validate_volume_opts(&in, &opts, err) < 0)
			return -1;
	}
	if (n > 1 && !*parts[0])
		return sg_invalid(err, "host directory cannot be empty");
	if (check_ctr_dir(dest, err) < 0)
		return -1;
	if (n > 1 && (parts[0][0] == '/' || parts[0][0] == '.')) {
		if (volume_source(parts[0], &src, err) < 0)
			return -1;
		return add_volume_bind(s, TAKE_PTR(src), path_clean(dest), &opts, err);
	}
	return add_volume_named(s, xstrdup(n > 1 ? parts[0] : ""), path_clean(dest), &opts, err);
}

/* ---- --mount ---- */

/* One record of Go's encoding/csv, as podman reads --mount. */
static int csv_fields(const char *s, strv *out, cpod_error **err)
{
	const char *p = s;

	if (!*s || strchr(s, '\n'))
		return sg_invalid(err, ERR_MOUNT_SYNTAX);
	for (;;) {
		_cleanup_buf_ buf f = BUF_INIT;

		if (*p == '"') {
			for (p++;; p++) {
				if (!*p || (*p == '"' && p[1] && p[1] != '"' && p[1] != ','))
					return sg_invalid(err,
							  "parse error on line 1, column %zu: "
							  "extraneous or missing \" in "
							  "quoted-field",
							  (size_t)(p - s) + 1);
				if (*p == '"' && p[1] == '"')
					buf_addch(&f, *p++);
				else if (*p == '"')
					break;
				else
					buf_addch(&f, *p);
			}
			p++;
		} else {
			for (; *p && *p != ','; p++) {
				if (*p == '"')
					return sg_invalid(err,
							  "parse error on line 1, column %zu: "
							  "bare \" in non-quoted-field",
							  (size_t)(p - s) + 1);
				buf_addch(&f, *p);
			}
		}
		strv_push_take(out, buf_detach(&f, NULL));
		if (!*p)
			return 0;
		p++;
	}
}

/* findMountType: the first type=X field; the others are returned as tokens. */
static int mount_type(const char *spec, char **ret_type, strv *tokens, cpod_error **err)
{
	_cleanup_strv_ strv fields = STRV_INIT;

	*ret_type = NULL;
	if (csv_fields(spec, &fields, err) < 0)
		return -1;
	for (size_t i = 0; i < fields.n; i++) {
		const char *f = fields.v[i], *eq = strchr(f, '=');

		if (!*ret_type && str_has_prefix(f, "type=") && !strchr(eq + 1, '='))
			*ret_type = xstrdup(eq + 1);
		else
			strv_push(tokens, f);
	}
	if (!*ret_type)
		return sg_invalid(err, ERR_MOUNT_SYNTAX);
	return 0;
}

/* An option "key" or "key=value" of --mount. */
typedef struct {
	char *key;
	const char *value; /* NULL without '=' */
	const char *token; /* the whole option */
} kv;

/* What one --mount collects while its options are read. */
typedef struct {
	char *dest, *source;
	strv options;
	bool rorw, suid, dev, exec, relabel, chown, copyup; /* seen, for "more than once" */
} mount_parse;

static void mount_parse_release(mount_parse *mp)
{
	free(mp->dest);
	free(mp->source);
	strv_clear(&mp->options);
}

static int need_value(const kv *o, cpod_error **err)
{
	if (!o->value)
		return sg_invalid(err, "%s: " ERR_OPTION_ARG, o->key);
	return 0;
}

static int once(bool *seen, const char *what, cpod_error **err)
{
	if (*seen)
		return sg_invalid(err, "cannot pass %s more than once: " ERR_OPTION_ARG, what);
	*seen = true;
	return 0;
}

/* nosuid/suid, nodev/dev, noexec/exec (any value ignored, as podman does).  1: handled. */
static int exec_dev_suid(mount_parse *mp, const kv *o, cpod_error **err)
{
	int r;

	if (str_eq(o->key, "nosuid") || str_eq(o->key, "suid"))
		r = once(&mp->suid, "'nosuid' and 'suid' options", err);
	else if (str_eq(o->key, "nodev") || str_eq(o->key, "dev"))
		r = once(&mp->dev, "'nodev' and 'dev' options", err);
	else if (str_eq(o->key, "noexec") || str_eq(o->key, "exec"))
		r = once(&mp->exec, "'noexec' and 'exec' options", err);
	else
		return 0;
	if (r < 0)
		return -1;
	strv_push(&mp->options, o->key);
	return 1;
}

/* target=, dst=, destination=, U/chown[=bool], consistency.  1: handled. */
static int common_option(mount_parse *mp, const kv *o, cpod_error **err)
{
	if (str_eq(o->key, "target") || str_eq(o->key, "dst") || str_eq(o->key, "destination")) {
		if (need_value(o, err) < 0 || check_ctr_dir(o->value, err) < 0)
			return -1;
		free(mp->dest);
		mp->dest = path_clean(o->value);
		return 1;
	}
	if (str_eq(o->key, "U") || str_eq(o->key, "chown")) {
		if (once(&mp->chown, "'U' or 'chown' option", err) < 0)
			return -1;
		if (o->value && strcasecmp(o->value, "true") != 0 &&
		    strcasecmp(o->value, "false") != 0) {
			_cleanup_free_ char *q = sg_goq(o->value);

			return sg_invalid(err,
					  "'U' or 'chown' must be set to true or false, instead "
					  "received %s: " ERR_OPTION_ARG,
					  q);
		}
		if (!o->value || strcasecmp(o->value, "true") == 0)
			strv_push(&mp->options, "U");
		return 1;
	}
	return str_eq(o->key, "consistency"); /* macOS only; Docker ignores it too */
}

/* readonly/ro/rw[=true|false] of a bind mount. */
static int bind_rorw(mount_parse *mp, const kv *o, cpod_error **err)
{
	const char *name = str_eq(o->key, "readonly") ? "ro" : o->key;

	if (once(&mp->rorw, "'readonly', 'ro', or 'rw' options", err) < 0)
		return -1;
	if (!o->value || strcasecmp(o->value, "true") == 0) {
		strv_push(&mp->options, name);
	} else if (strcasecmp(o->value, "false") == 0) {
		if (str_eq(name, "rw"))
			strv_push(&mp->options, "ro");
	} else {
		_cleanup_free_ char *q = sg_goq(o->value);

		return sg_invalid(err,
				  "'readonly', 'ro', or 'rw' must be set to true or false, "
				  "instead received %s: " ERR_OPTION_ARG,
				  q);
	}
	return 0;
}

static int bind_relabel(mount_parse *mp, const kv *o, cpod_error **err)
{
	if (once(&mp->relabel, "'relabel' option", err) < 0)
		return -1;
	if (str_eq(o->value, "private"))
		strv_push(&mp->options, "Z");
	else if (str_eq(o->value, "shared"))
		strv_push(&mp->options, "z");
	else
		return sg_invalid(err, "relabel mount option must be 'private' or "
				       "'shared': " ERR_BAD_OPTION);
	return 0;
}

static int bind_option(mount_parse *mp, const kv *o, cpod_error **err)
{
	static const char *const plain[] = { "shared", "rshared", "private",	"rprivate",
					     "slave",  "rslave",  "unbindable", "runbindable",
					     "Z",      "z",	  NULL };
	const char *k = o->key;

	if (str_eq(k, "bind-nonrecursive"))
		strv_push(&mp->options, "bind");
	else if (str_eq(k, "readonly") || str_eq(k, "ro") || str_eq(k, "rw"))
		return bind_rorw(mp, o, err);
	else if (strv_contains(plain, k))
		strv_push(&mp->options, k);
	else if (str_eq(k, "bind-propagation"))
		return need_value(o, err) < 0 ? -1 : (strv_push(&mp->options, o->value), 0);
	else if (str_eq(k, "relabel"))
		return bind_relabel(mp, o, err);
	else if (str_eq(k, "idmap"))
		strv_push(&mp->options, o->token);
	else
		return sg_invalid(err, "%s: " ERR_BAD_OPTION, k);
	return 0;
}

static int bind_source(mount_parse *mp, const kv *o, cpod_error **err)
{
	if (need_value(o, err) < 0)
		return -1;
	if (!*o->value)
		return sg_invalid(err, "host directory cannot be empty: " ERR_OPTION_ARG);
	free(mp->source);
	mp->source = abs_path(o->value);
	return 0;
}

static int tmpfs_option(mount_parse *mp, const kv *o, cpod_error **err)
{
	const char *k = o->key;

	if (str_eq(k, "tmpcopyup") || str_eq(k, "notmpcopyup")) {
		if (once(&mp->copyup, "'tmpcopyup' and 'notmpcopyup' options", err) < 0)
			return -1;
		strv_push(&mp->options, k);
	} else if (str_eq(k, "ro") || str_eq(k, "rw")) {
		if (once(&mp->rorw, "'ro' and 'rw' options", err) < 0)
			return -1;
		strv_push(&mp->options, k);
	} else if (str_eq(k, "tmpfs-mode") || str_eq(k, "tmpfs-size")) {
		if (need_value(o, err) < 0)
			return -1;
		strv_pushf(&mp->options, "%s=%s", str_eq(k, "tmpfs-mode") ? "mode" : "size",
			   o->value);
	} else if (str_eq(k, "src") || str_eq(k, "source")) {
		return sg_invalid(err, "source is not supported with tmpfs mounts");
	} else {
		return sg_invalid(err, "%s: " ERR_BAD_OPTION, k);
	}
	return 0;
}

static int volume_option(mount_parse *mp, const kv *o, cpod_error **err)
{
	const char *k = o->key;

	if (str_eq(k, "volume-opt")) {
		strv_push(&mp->options, o->token);
	} else if (str_eq(k, "ro") || str_eq(k, "rw")) {
		if (once(&mp->rorw, "'ro' and 'rw' options", err) < 0)
			return -1;
		strv_push(&mp->options, k);
	} else if (str_eq(k, "volume-label")) {
		return sg_invalid(err, "the --volume-label option is not presently implemented");
	} else if (str_eq(k, "src") || str_eq(k, "source")) {
		if (need_value(o, err) < 0)
			return -1;
		free(mp->source);
		mp->source = xstrdup(o->value);
	} else {
		return sg_invalid(err, "%s: " ERR_BAD_OPTION, k);
	}
	return 0;
}

static int devpts_option(mount_parse *mp, const kv *o, cpod_error **err)
{
	static const char *const allowed[] = { "uid",	      "gid", "mode", "ptxmode",
					       "newinstance", "max", NULL };

	if (!strv_contains(allowed, o->key))
		return sg_invalid(err, "%s: " ERR_BAD_OPTION, o->key);
	strv_push(&mp->options, o->token);
	return 0;
}

typedef int (*option_fn)(mount_parse *mp, const kv *o, cpod_error **err);

/* Reads the tokens of one --mount of type: common options first, then the type's own. */
static int read_options(mount_parse *mp, const char *type, const strv *tokens, cpod_error **err)
{
	bool bind = str_eq(type, "bind"), devpts = str_eq(type, "devpts");
	option_fn fn = bind		       ? bind_option
		       : str_eq(type, "tmpfs") ? tmpfs_option
		       : devpts		       ? devpts_option
					       : volume_option;

	for (size_t i = 0; i < tokens->n; i++) {
		const char *eq = strchr(tokens->v[i], '=');
		_cleanup_free_ char *key = xstrndup(tokens->v[i], eq ? (size_t)(eq - tokens->v[i])
								     : strlen(tokens->v[i]));
		kv o = { .key = key, .value = eq ? eq + 1 : NULL, .token = tokens->v[i] };
		int r = devpts ? 0 : exec_dev_suid(mp, &o, err);

		if (!r && bind && (str_eq(key, "src") || str_eq(key, "source")))
			r = bind_source(mp, &o, err) < 0 ? -1 : 1;
		/* devpts takes only the target of the common options. */
		if (!r && (!devpts || str_eq(key, "target") || str_eq(key, "dst") ||
			   str_eq(key, "destination")))
			r = common_option(mp, &o, err);
		if (!r)
			r = fn(mp, &o, err);
		if (r < 0)
			return -1;
	}
	if (!mp->dest)
		return sg_invalid(err, "must set volume destination");
	return 0;
}

/* Adds one --mount; duplicates among --mount are always refused. */
static int parse_mount(mount_set *s, const char *spec, cpod_error **err)
{
	_cleanup_strv_ strv tokens = STRV_INIT;
	_cleanup_free_ char *type = NULL;
	mount_parse mp = { .options = STRV_INIT };
	int r = -1;

	if (mount_type(spec, &type, &tokens, err) < 0)
		return -1;
	if (str_eq(type, "image"))
		return cli_not_supported(err, "mount type=image");
	if (!str_eq(type, "bind") && !str_eq(type, "tmpfs") && !str_eq(type, "devpts") &&
	    !str_eq(type, "volume"))
		return sg_invalid(err, "invalid filesystem type \"%s\"", type);
	if (read_options(&mp, type, &tokens, err) < 0)
		goto out;
	if (str_eq(type, "volume") ? !!find_vol(s, mp.dest) : !!find_mnt(s, mp.dest)) {
		r = dup_dest(err, mp.dest);
		goto out;
	}
	if (str_eq(type, "volume")) {
		vol v = { .name = mp.source ? TAKE_PTR(mp.source) : xstrdup(""),
			  .dest = TAKE_PTR(mp.dest),
			  .options = mp.options };

		mp.options = (strv)STRV_INIT;
		push_vol(s, &v);
		r = 0;
	} else {
		mnt m = { .dest = TAKE_PTR(mp.dest), .type = xstrdup(type), .options = STRV_INIT };

		m.source = mp.source ? TAKE_PTR(mp.source)
				     : xstrdup(str_eq(type, "bind") ? m.dest : type);
		r = str_eq(type, "bind")
			    ? validate_volume_opts(&mp.options, &m.options, err)
			    : (strv_pushv(&m.options, (const char *const *)mp.options.v), 0);
		if (r == 0)
			push_mnt(s, &m);
		else
			mnt_release(&m);
	}
out:
	mount_parse_release(&mp);
	return r;
}

/* ---- --tmpfs ---- */

/* One --tmpfs DEST[:OPTIONS] into s (the --tmpfs mounts only); the same DEST twice with the
 * same options is fine. */
static int parse_tmpfs(mount_set *s, const char *spec, cpod_error **err)
{
	_cleanup_strv_free_ char **parts = strv_split(spec, ":", 0);
	_cleanup_free_ char *dest = NULL;
	mnt m = { .options = STRV_INIT };
	mnt *old;

	if (check_ctr_dir(parts[0], err) < 0)
		return -1;
	if (parts[1]) {
		_cleanup_strv_free_ char **o = strv_split(parts[1], ",", 0);

		strv_pushv(&m.options, (const char *const *)o);
	}
	dest = path_clean(parts[0]);
	old = find_mnt(s, dest);
	if (old) {
		bool same = strv_equal(&old->options, &m.options);

		strv_clear(&m.options);
		return same ? 0 : dup_dest(err, dest);
	}
	m.dest = TAKE_PTR(dest);
	m.type = xstrdup("tmpfs");
	m.source = xstrdup("tmpfs");
	push_mnt(s, &m);
	return 0;
}

/* ---- all together ---- */

static json_object *mount_json(const mnt *m)
{
	json_object *o = json_object_new_object();

	sgj_str(o, "destination", m->dest);
	sgj_str(o, "type", m->type);
	sgj_str(o, "source", m->source);
	if (m->options.n)
		sgj_strv(o, "options", &m->options);
	return o;
}

static json_object *volume_json(const vol *v)
{
	json_object *o = json_object_new_object();

	sgj_str(o, "Name", v->name);
	sgj_str(o, "Dest", v->dest);
	sgj_strv(o, "Options", &v->options);
	sgj_bool(o, "IsAnonymous", !*v->name);
	return o;
}

static void mount_set_releasep(mount_set *s)
{
	mount_set_release(s);
}

/* --mount first, then -v (a destination --mount has is a duplicate unless identical), then
 * --tmpfs (skipped where a tmpfs is already mounted), then no destination may be both a
 * mount and a volume. */
static int collect(mount_set *all, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_(mount_set_releasep) mount_set vs = { 0 }, ts = { 0 };

	for (size_t i = 0; i < o->mount.n; i++)
		if (parse_mount(all, o->mount.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < o->volume.n; i++)
		if (parse_volume(&vs, o->volume.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < vs.nm; i++) {
		mnt *old = find_mnt(all, vs.m[i].dest);

		if (old && !(str_eq(old->source, vs.m[i].source) &&
			     strv_equal(&old->options, &vs.m[i].options)))
			return dup_dest(err, vs.m[i].dest);
		if (!old)
			push_mnt(all, &vs.m[i]);
	}
	for (size_t i = 0; i < vs.nv; i++) {
		vol *old = find_vol(all, vs.v[i].dest);

		if (old && !(str_eq(old->name, vs.v[i].name) &&
			     strv_equal(&old->options, &vs.v[i].options)))
			return dup_dest(err, vs.v[i].dest);
		if (!old)
			push_vol(all, &vs.v[i]);
	}
	for (size_t i = 0; i < o->tmpfs.n; i++)
		if (parse_tmpfs(&ts, o->tmpfs.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < ts.nm; i++) {
		mnt *old = find_mnt(all, ts.m[i].dest);

		if (old && !str_eq(old->type, "tmpfs"))
			return dup_dest(err, ts.m[i].dest);
		if (!old)
			push_mnt(all, &ts.m[i]);
	}
	for (size_t i = 0; i < all->nv; i++)
		if (find_mnt(all, all->v[i].dest))
			return dup_dest(err, all->v[i].dest);
	return 0;
}

int sg_add_mounts(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_(mount_set_releasep) mount_set all = { 0 };
	json_object *arr;

	if (collect(&all, o, err) < 0)
		return -1;
	if (all.nm) {
		arr = json_object_new_array();
		for (size_t i = 0; i < all.nm; i++)
			json_object_array_add(arr, mount_json(&all.m[i]));
		json_object_object_add(sg, "mounts", arr);
	}
	if (all.nv) {
		arr = json_object_new_array();
		for (size_t i = 0; i < all.nv; i++)
			json_object_array_add(arr, volume_json(&all.v[i]));
		json_object_object_add(sg, "volumes", arr);
	}
	return 0;
}
