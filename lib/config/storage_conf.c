#include "config/storage_conf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/confutil.h"
#include "config/toml.h"
#include "common/banned.h"

#define ETC_STORAGE_CONF "/etc/cpod/storage.conf"

/* What the file says, before the rules for roots and overrides are applied. */
typedef struct {
	char *driver;
	char *graphroot;
	char *runroot;
	char *rootless_storage_path;
} file_values;

static void file_values_clear(file_values *f)
{
	free(f->driver);
	free(f->graphroot);
	free(f->runroot);
	free(f->rootless_storage_path);
}

void storage_conf_free(storage_conf *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->driver);
	free(c->graphroot);
	free(c->runroot);
	free(c->rootless_storage_path);
	strv_clear(&c->options);
	strv_clear(&c->overlay_options);
	strv_clear(&c->vfs_options);
	strv_clear(&c->driver_options);
	free(c);
}

/* containers-storage names some options differently in the file and for the driver. */
static const char *option_name(const char *key)
{
	if (str_eq(key, "additionalimagestores"))
		return "imagestore";
	if (str_eq(key, "additionallayerstores"))
		return "additionallayerstore";
	return key;
}

/* One option: a scalar gives "key=value" (nothing when empty), an array of strings one
 * "name=elem" per element. */
static int decode_option(strv *out, const char *file, const char *key, const char *name,
			 const toml_value *v, cpod_error **err)
{
	_cleanup_strv_ strv elems = STRV_INIT;
	char *text = NULL;

	if (toml_type_of(v) == TOML_ARRAY) {
		if (conf_get_strv(file, key, v, &elems, err) < 0)
			return -1;
		for (size_t i = 0; i < elems.n; i++)
			strv_pushf(out, "%s=%s", option_name(name), elems.v[i]);
		return 0;
	}
	if (str_eq(name, "force_mask") && toml_type_of(v) == TOML_INTEGER)
		/* a file mode: containers-storage prints it in octal */
		text = xasprintf("%llo", (unsigned long long)toml_int(v));
	else if (conf_get_scalar_text(file, key, v, &text, err) < 0)
		return -1;
	/* containers-storage passes on only the options that have a value. */
	if (*text)
		strv_pushf(out, "%s=%s", name, text);
	free(text);
	return 0;
}

static int decode_driver_section(strv *out, const char *file, const char *section,
				 const toml_value *t, cpod_error **err)
{
	if (conf_check_table(file, section, t, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *k = toml_table_key(t, i);
		_cleanup_free_ char *key = xasprintf("%s.%s", section, k);

		if (decode_option(out, file, key, k, toml_table_value(t, i), err) < 0)
			return -1;
	}
	return 0;
}

static int decode_options(storage_conf *c, const char *file, const toml_value *t, cpod_error **err)
{
	if (conf_check_table(file, "storage.options", t, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *k = toml_table_key(t, i);
		const toml_value *v = toml_table_value(t, i);
		_cleanup_free_ char *key = xasprintf("storage.options.%s", k);
		int r = 0;

		if (str_eq(k, "overlay"))
			r = decode_driver_section(&c->overlay_options, file, key, v, err);
		else if (str_eq(k, "vfs"))
			r = decode_driver_section(&c->vfs_options, file, key, v, err);
		else if (toml_type_of(v) == TOML_TABLE)
			/* thinpool, btrfs, zfs, aufs, pull_options: not cpod's drivers */
			log_debug("%s: ignoring '%s'", file, key);
		else
			r = decode_option(&c->options, file, key, k, v, err);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int decode_storage(storage_conf *c, file_values *fv, const char *file, const toml_value *t,
			  cpod_error **err)
{
	if (conf_check_table(file, "storage", t, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *k = toml_table_key(t, i);
		const toml_value *v = toml_table_value(t, i);
		_cleanup_free_ char *key = xasprintf("storage.%s", k);
		int r = 0;

		if (str_eq(k, "driver"))
			r = conf_get_string(file, key, v, &fv->driver, err);
		else if (str_eq(k, "graphroot"))
			r = conf_get_string(file, key, v, &fv->graphroot, err);
		else if (str_eq(k, "runroot"))
			r = conf_get_string(file, key, v, &fv->runroot, err);
		else if (str_eq(k, "rootless_storage_path"))
			r = conf_get_string(file, key, v, &fv->rootless_storage_path, err);
		else if (str_eq(k, "options"))
			r = decode_options(c, file, v, err);
		else
			log_debug("%s: ignoring unknown key '%s'", file, key);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Parses the file into c's option lists and fv; a missing file is fine unless required. */
static int read_file(storage_conf *c, file_values *fv, const char *path, bool required,
		     cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_toml_ toml_value *root = toml_parse_file(path, &e);
	const toml_value *storage;

	if (!root) {
		if (!required && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
			return 0;
		*err = TAKE_PTR(e);
		return -1;
	}
	c->path = xstrdup(path);
	storage = toml_get(root, "storage");
	if (storage && decode_storage(c, fv, path, storage, err) < 0)
		return -1;
	return 0;
}

/* Expands $UID and $VAR, resolves symlinks when the path exists, and insists on an absolute
 * path; frees *p and replaces it. */
static int finish_path(char **p, const char *what, bool expand, uid_t uid, cpod_error **err)
{
	_cleanup_free_ char *x = expand ? conf_expand_env(*p, uid) : xstrdup(*p);
	char real[PATH_MAX];

	if (x[0] != '/')
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s '%s' must be an absolute path", what,
				x);
	free(*p);
	*p = realpath(x, real) ? xstrdup(real) : TAKE_PTR(x);
	return 0;
}

static char *rootless_graphroot(const file_values *fv, cpod_error **err)
{
	_cleanup_free_ char *home = NULL;
	const char *data = conf_getenv("XDG_DATA_HOME");

	if (fv->rootless_storage_path && *fv->rootless_storage_path)
		return xstrdup(fv->rootless_storage_path);
	if (data)
		return xasprintf("%s/cpod", data);
	home = conf_home_dir();
	if (!home) {
		cpod_err(err, CPOD_ERR_INVALID, 0,
			 "cannot find the rootless store: neither XDG_DATA_HOME nor HOME is set");
		return NULL;
	}
	return xasprintf("%s/.local/share/cpod", home);
}

static char *rootless_runroot(uid_t uid)
{
	const char *run = conf_getenv("XDG_RUNTIME_DIR");

	return run ? xasprintf("%s/cpod", run) : xasprintf("/tmp/cpod-run-%u", (unsigned)uid);
}

/* Picks the file: explicit path, $CPOD_STORAGE_CONF, a rootless user's own, the system's.
 * Sets *required (an explicit file must exist) and *own (the user's own file). */
static int choose_file(const storage_conf_opts *opts, bool rootless, char **ret, bool *required,
		       bool *own, cpod_error **err)
{
	const char *env = conf_getenv("CPOD_STORAGE_CONF");
	_cleanup_free_ char *home = NULL, *cfg = NULL, *user = NULL;
	int r;

	*required = *own = false;
	if ((opts && opts->path) || env) {
		*required = true;
		*ret = xstrdup(opts && opts->path ? opts->path : env);
		return 0;
	}
	if (rootless) {
		if (opts && opts->user_path) {
			user = xstrdup(opts->user_path);
		} else {
			home = conf_home_dir();
			cfg = conf_config_home(home);
			user = cfg ? xasprintf("%s/cpod/storage.conf", cfg) : NULL;
		}
		r = user ? conf_file_exists(user, err) : 0;
		if (r < 0)
			return -1;
		if (r > 0) {
			*own = true;
			*ret = TAKE_PTR(user);
			return 0;
		}
	}
	*ret = xstrdup(opts && opts->system_path ? opts->system_path : ETC_STORAGE_CONF);
	return 0;
}

static bool rootless_driver(const char *d)
{
	return str_eq(d, "overlay") || str_eq(d, "vfs") || str_eq(d, "btrfs");
}

static void set_driver(storage_conf *c, const file_values *fv, bool rootless, bool own,
		       const storage_conf_opts *opts)
{
	const char *d = fv->driver ? fv->driver : "";
	const char *env = conf_getenv("STORAGE_DRIVER");

	if (str_eq(d, "overlay2"))
		d = "overlay";

	/* A system-wide driver applies to rootless users only if it can work for them. */
	if (rootless && !own && !rootless_driver(d))
		d = "";
	if (env)
		d = env;
	if (opts && opts->driver)
		d = opts->driver;
	c->driver = xstrdup(str_eq(d, "overlay2") ? "overlay" : d);
}

static void set_override_options(storage_conf *c, const storage_conf_opts *opts)
{
	const char *env = getenv("STORAGE_OPTS");

	if (opts && opts->storage_opts) {
		c->driver_options_override = true;
		strv_clear(&c->driver_options);
		strv_pushv(&c->driver_options, opts->storage_opts);
	} else if (env) {
		_cleanup_strv_free_ char **v = strv_split(env, ",", 1);

		c->driver_options_override = true;
		strv_pushv(&c->driver_options, (const char *const *)v);
	}
}

static int set_roots(storage_conf *c, const file_values *fv, bool rootless, bool own,
		     const storage_conf_opts *opts, cpod_error **err)
{
	uid_t uid = getuid();
	bool from_file = !rootless || own;

	if (fv->rootless_storage_path && *fv->rootless_storage_path)
		c->rootless_storage_path = conf_expand_env(fv->rootless_storage_path, uid);
	else
		c->rootless_storage_path = xstrdup("");
	if (from_file && fv->graphroot && *fv->graphroot)
		c->graphroot = xstrdup(fv->graphroot);
	else if (!rootless)
		c->graphroot = xstrdup("/var/lib/cpod");
	else if (!(c->graphroot = rootless_graphroot(fv, err)))
		return -1;
	if (from_file && fv->runroot && *fv->runroot)
		c->runroot = xstrdup(fv->runroot);
	else
		c->runroot = rootless ? rootless_runroot(uid) : xstrdup("/run/cpod");
	if (finish_path(&c->graphroot, "graphroot", true, uid, err) < 0 ||
	    finish_path(&c->runroot, "runroot", true, uid, err) < 0)
		return -1;
	if (opts && opts->graphroot) {
		free(c->graphroot);
		c->graphroot = xstrdup(opts->graphroot);
		if (finish_path(&c->graphroot, "--root", false, uid, err) < 0)
			return -1;
	}
	if (opts && opts->runroot) {
		free(c->runroot);
		c->runroot = xstrdup(opts->runroot);
		if (finish_path(&c->runroot, "--runroot", false, uid, err) < 0)
			return -1;
	}
	return 0;
}

int storage_conf_load(const storage_conf_opts *opts, storage_conf **ret, cpod_error **err)
{
	bool rootless = opts && opts->rootless >= 0 ? opts->rootless > 0 : geteuid() != 0;
	_cleanup_storage_conf_ storage_conf *c = xcalloc(1, sizeof(*c));
	_cleanup_(file_values_clear) file_values fv = { NULL, NULL, NULL, NULL };
	_cleanup_free_ char *path = NULL;
	bool required, own;

	strv_init(&c->options);
	strv_init(&c->overlay_options);
	strv_init(&c->vfs_options);
	strv_init(&c->driver_options);
	if (choose_file(opts, rootless, &path, &required, &own, err) < 0 ||
	    read_file(c, &fv, path, required, err) < 0)
		return -1;
	set_driver(c, &fv, rootless, own, opts);
	set_override_options(c, opts);
	if (set_roots(c, &fv, rootless, own, opts, err) < 0)
		return -1;
	if (c->path)
		log_debug("storage configuration '%s': graphroot '%s', runroot '%s'", c->path,
			  c->graphroot, c->runroot);
	*ret = TAKE_PTR(c);
	return 0;
}

/* Whether opts has an entry with the key (the part before '=') of opt. */
static bool has_key(const strv *opts, const char *opt)
{
	size_t klen = strcspn(opt, "=");

	for (size_t i = 0; i < opts->n; i++)
		if (strncmp(opts->v[i], opt, klen) == 0 && opts->v[i][klen] == '=')
			return true;
	return false;
}

char **storage_conf_driver_options(const storage_conf *c, const char *driver)
{
	const strv *own = str_eq(driver, "overlay") ? &c->overlay_options
			  : str_eq(driver, "vfs")   ? &c->vfs_options
						    : NULL;
	_cleanup_strv_ strv out = STRV_INIT;

	if (c->driver_options_override)
		return strv_copy((const char *const *)c->driver_options.v);
	for (size_t i = 0; i < c->options.n; i++)
		if (!own || !has_key(own, c->options.v[i]))
			strv_pushf(&out, "%s.%s", driver, c->options.v[i]);
	for (size_t i = 0; own && i < own->n; i++)
		strv_pushf(&out, "%s.%s", driver, own->v[i]);
	return strv_detach(&out);
}
