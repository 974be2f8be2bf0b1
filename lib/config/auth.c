#include "config/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "config/confutil.h"
#include "common/banned.h"

/* No credentials file is anywhere near this; it bounds what a broken one costs. */
#define AUTH_FILE_MAX (16u << 20)
/* The files lookup_paths() can list. */
#define AUTH_PATHS_MAX 4

void auth_creds_clear(auth_creds *c)
{
	if (!c)
		return;
	/* Do not leave the secret behind in freed memory. */
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	if (c->identity_token)
		explicit_bzero(c->identity_token, strlen(c->identity_token));
	free(c->username);
	free(c->password);
	free(c->identity_token);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* ---- base64 through OpenSSL ---- */

char *auth_encode(const char *username, const char *password)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", username, password);
	size_t n = strlen(plain);
	char *out;

	if (n > INT_MAX / 2)
		abort();
	out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)n);
	explicit_bzero(plain, n);
	return out;
}

/* Decodes standard base64 (padding required, as Go's StdEncoding); -1 when invalid. */
static int b64_decode(const char *in, unsigned char **ret, size_t *ret_len)
{
	size_t n = strlen(in);
	EVP_ENCODE_CTX *ctx;
	unsigned char *out;
	int len = 0, fin = 0, r;

	if (n > INT_MAX / 2)
		return -1;
	ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		abort();
	out = xmalloc(n / 4 * 3 + 4);
	EVP_DecodeInit(ctx);
	r = EVP_DecodeUpdate(ctx, out, &len, (const unsigned char *)in, (int)n);
	if (r >= 0)
		r = EVP_DecodeFinal(ctx, out + len, &fin);
	EVP_ENCODE_CTX_free(ctx);
	/* EVP accepts a last quantum without its padding; Go does not. */
	if (r < 0 || n % 4) {
		free(out);
		return -1;
	}
	*ret = out;
	*ret_len = (size_t)len + (size_t)fin;
	return 0;
}

int auth_decode(const char *b64, char **ret_user, char **ret_pass, cpod_error **err)
{
	unsigned char *dec = NULL;
	size_t len, start, end;
	const unsigned char *colon;

	if (b64_decode(b64, &dec, &len) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid base64 in 'auth'");
	colon = memchr(dec, ':', len);
	if (!colon) {
		explicit_bzero(dec, len);
		free(dec);
		return 0;
	}
	/* containers/image trims NUL bytes around the password. */
	start = (size_t)(colon - dec) + 1;
	end = len;
	while (start < end && dec[start] == '\0')
		start++;
	while (end > start && dec[end - 1] == '\0')
		end--;
	*ret_user = xstrndup((const char *)dec, (size_t)(colon - dec));
	*ret_pass = xstrndup((const char *)dec + start, end - start);
	explicit_bzero(dec, len);
	free(dec);
	return 1;
}

/* ---- keys ---- */

int auth_validate_key(const char *key, bool *ret_namespaced, cpod_error **err)
{
	const char *slash = strchr(key, '/');

	if (str_has_prefix(key, "http://") || str_has_prefix(key, "https://"))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "key '%s' contains http[s]:// prefix",
				key);
	if (strchr(key, '@'))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "key '%s' contains a '@' character", key);
	if (slash && strchr(slash + 1, ':'))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"key '%s' contains a ':' character after host[:port]", key);
	if (ret_namespaced)
		*ret_namespaced = slash != NULL;
	return 0;
}

/* docker.io's other names all mean index.docker.io in auth files. */
static const char *normalize_registry(const char *r)
{
	if (str_eq(r, "registry-1.docker.io") || str_eq(r, "docker.io"))
		return "index.docker.io";
	return r;
}

/* containers/image normalizeAuthFileKey(): URL keys ("https://host/v1/") become host. */
static char *normalize_file_key(const char *key, bool legacy)
{
	const char *s = key;

	if (str_has_prefix(s, "http://"))
		s += 7;
	else if (str_has_prefix(s, "https://"))
		s += 8;
	if (legacy || s != key) {
		_cleanup_free_ char *host = xstrndup(s, strcspn(s, "/"));

		return xstrdup(normalize_registry(host));
	}
	return xstrdup(normalize_registry(s));
}

/* ---- paths ---- */

static char *opt_or_env(const char *opt, const char *env)
{
	const char *v = opt ? opt : conf_getenv(env);

	return v ? xstrdup(v) : NULL;
}

char *auth_file_path(const auth_opts *opts, cpod_error **err)
{
	_cleanup_free_ char *run = NULL;
	char *p = opt_or_env(opts ? opts->authfile : NULL, "REGISTRY_AUTH_FILE");
	struct stat st;

	if (p)
		return p;
	run = opt_or_env(opts ? opts->runtime_dir : NULL, "XDG_RUNTIME_DIR");
	if (!run)
		return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
	if (stat(run, &st) < 0 && errno == ENOENT) {
		cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			 "'%s' directory set by $XDG_RUNTIME_DIR does not exist: either create the "
			 "directory or unset $XDG_RUNTIME_DIR",
			 run);
		return NULL;
	}
	return xasprintf("%s/containers/auth.json", run);
}

/* The files to search, in order (at most AUTH_PATHS_MAX); legacy[i] marks the ~/.dockercfg
 * format. */
static void lookup_paths(const auth_opts *opts, strv *paths, bool *legacy)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_free_ char *home = opts && opts->home ? xstrdup(opts->home) : conf_home_dir();
	_cleanup_free_ char *cfg = opt_or_env(opts ? opts->config_home : NULL, "XDG_CONFIG_HOME");
	const char *docker_opt = opts ? opts->docker_config : NULL;
	_cleanup_free_ char *docker = opt_or_env(docker_opt, "DOCKER_CONFIG");
	char *first = auth_file_path(opts, &e);

	if (first)
		strv_push_take(paths, first);
	else
		log_warn("%s: trying to pull image in the event that it is a public image",
			 cpod_error_message(e));
	if (!cfg && home)
		cfg = xasprintf("%s/.config", home);
	if (cfg)
		strv_pushf(paths, "%s/containers/auth.json", cfg);
	if (docker)
		strv_pushf(paths, "%s/config.json", docker);
	else if (home)
		strv_pushf(paths, "%s/.docker/config.json", home);
	for (size_t i = 0; i < paths->n; i++)
		legacy[i] = false;
	if (home) {
		legacy[paths->n] = true;
		strv_pushf(paths, "%s/.dockercfg", home);
	}
}

/* ---- reading ---- */

/* Reads and parses path; *ret is NULL when the file does not exist. */
static int read_json(const char *path, json_object **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	json_object *doc;
	json_cur root;

	*ret = NULL;
	buf_init(&b, AUTH_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		if (errno == ENOENT)
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", path);
	}
	doc = json_parse_bytes(b.s, b.len, AUTH_FILE_MAX, err);
	if (!doc)
		return cpod_err_prefix(err, "reading '%s'", path);
	root = json_cur_root(doc);
	if (json_cur_object(&root, err) < 0) {
		json_object_put(doc);
		return cpod_err_prefix(err, "reading '%s'", path);
	}
	*ret = doc;
	return 0;
}

/* Decodes one entry into *ret: 1 with credentials, 0 when it has none (an empty "auth", as
 * docker leaves for credential helpers, or one without ':'). */
static int decode_entry(const char *path, const json_cur *e, auth_creds *ret, cpod_error **err)
{
	const char *auth, *token;
	char *user = NULL, *pass = NULL;
	int r;

	if (json_cur_object_opt(e, err) < 0 || json_get_string_opt(e, "auth", "", &auth, err) < 0 ||
	    json_get_string_opt(e, "identitytoken", "", &token, err) < 0)
		return cpod_err_prefix(err, "reading '%s'", path);
	r = auth_decode(auth, &user, &pass, err);
	if (r < 0) {
		_cleanup_free_ char *where = json_cur_path(e);

		return cpod_err_prefix(err, "reading '%s': '%s'", path, where);
	}
	if (r == 0) {
		if (*auth)
			log_warn("error parsing the \"auth\" field of a credential entry in '%s', "
				 "missing colon",
				 path);
		return 0;
	}
	ret->username = user;
	ret->password = pass;
	ret->identity_token = xstrdup(token);
	ret->path = xstrdup(path);
	return 1;
}

/* containers/image findCredentialsInFile(). */
static int find_in_file(const char *path, bool legacy, const char *key, const char *registry,
			auth_creds *ret, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	_cleanup_free_ char *k = xstrdup(legacy ? registry : key);
	json_cur root, auths, helpers = json_cur_root(NULL);

	if (read_json(path, &doc, err) < 0)
		return -1;
	if (!doc)
		return 0;
	root = json_cur_root(doc);
	auths = root;
	if (!legacy && (json_get_object_opt(&root, "auths", &auths, err) < 0 ||
			json_get_object_opt(&root, "credHelpers", &helpers, err) < 0))
		return cpod_err_prefix(err, "reading '%s'", path);
	if (!legacy && json_cur_field(&helpers, registry).present)
		log_debug("%s: credHelpers entry for '%s' ignored: credential helpers are not "
			  "supported",
			  path, registry);
	/* Most specific first: quay.io/a/b, quay.io/a, quay.io.  Only exact matches. */
	for (;;) {
		json_cur e = json_cur_field(&auths, k);
		char *slash;

		if (e.present)
			return decode_entry(path, &e, ret, err);
		slash = strrchr(k, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	/* Then keys written as URLs, or with another name of docker.io. */
	if (auths.obj) {
		const char *want = normalize_registry(registry);

		json_object_object_foreach(auths.obj, name, val) {
			_cleanup_free_ char *norm = normalize_file_key(name, legacy);

			if (str_eq(norm, want)) {
				json_cur e = json_cur_child(&auths, name, val);

				return decode_entry(path, &e, ret, err);
			}
		}
	}
	return 0;
}

int auth_lookup(const auth_opts *opts, const char *key, auth_creds *ret, cpod_error **err)
{
	_cleanup_strv_ strv paths = STRV_INIT;
	_cleanup_free_ char *registry = NULL;
	bool legacy[AUTH_PATHS_MAX];

	if (auth_validate_key(key, NULL, err) < 0)
		return -1;
	registry = xstrndup(key, strcspn(key, "/"));
	lookup_paths(opts, &paths, legacy);
	for (size_t i = 0; i < paths.n; i++) {
		auth_creds c = { NULL, NULL, NULL, NULL };
		int r = find_in_file(paths.v[i], legacy[i], key, registry, &c, err);

		if (r < 0)
			return -1;
		if (r > 0) {
			log_debug("found credentials for '%s' in '%s'", key, paths.v[i]);
			*ret = c;
			return 1;
		}
	}
	log_debug("no credentials for '%s' found", key);
	return 0;
}

/* ---- writing ---- */

/* mkdir -p with mode for the directories it creates (os.MkdirAll). */
static int mkdir_parents(const char *dir, mode_t mode, cpod_error **err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	char c;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating directory '%s'", p);
		*s = c;
		if (!c)
			return 0;
	}
}

/* Writes data to a temporary file beside path, mode 0600, then renames it over path. */
static int write_atomic(const char *path, const char *data, cpod_error **err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *tmp =
		slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
		      : xasprintf(".%s.XXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	int saved;

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a temporary file for '%s'",
				path);
	if (fchmod(fd, 0600) < 0 || fs_write_all(fd, data, strlen(data)) < 0 || fsync(fd) < 0 ||
	    close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		return cpod_err(err, CPOD_ERR_SYSTEM, saved, "writing '%s'", path);
	}
	return 0;
}

typedef int (*auth_editor)(json_object *root, json_object *auths, const char *key, const void *data,
			   bool *changed, cpod_error **err);

/* containers/image modifyJSON(): read the file (or start empty), edit, write back if changed. */
static int modify_file(const auth_opts *opts, auth_editor edit, const char *key, const void *data,
		       char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *path = auth_file_path(opts, err);
	_cleanup_free_ char *dir = NULL, *text = NULL;
	_cleanup_json_ json_object *doc = NULL;
	json_object *auths = NULL;
	bool changed = false;
	json_cur root, ac;

	if (!path)
		return -1;
	dir = xstrndup(path, strrchr(path, '/') ? (size_t)(strrchr(path, '/') - path) : 0);
	if (*dir && mkdir_parents(dir, 0700, err) < 0)
		return -1;
	if (read_json(path, &doc, err) < 0)
		return -1;
	if (!doc)
		doc = json_object_new_object();
	root = json_cur_root(doc);
	if (json_get_object_opt(&root, "auths", &ac, err) < 0)
		return cpod_err_prefix(err, "reading '%s'", path);
	auths = ac.obj;
	if (!auths) {
		auths = json_object_new_object();
		json_object_object_add(doc, "auths", auths);
	}
	if (edit(doc, auths, key, data, &changed, err) < 0)
		return cpod_err_prefix(err, "updating '%s'", path);
	if (changed) {
		text = json_to_string(doc, JSON_FMT_PRETTY);
		if (write_atomic(path, text, err) < 0)
			return -1;
	}
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}

static int edit_set(json_object *root, json_object *auths, const char *key, const void *data,
		    bool *changed, cpod_error **err)
{
	json_object *entry = json_object_new_object();

	json_object_object_add(entry, "auth", json_object_new_string(data));
	/* The entry is replaced whole: an old identity token goes too. */
	json_object_object_add(auths, key, entry);
	*changed = true;
	return 0;
}

static int edit_remove(json_object *root, json_object *auths, const char *key, const void *data,
		       bool *changed, cpod_error **err)
{
	if (!json_object_object_get_ex(auths, key, NULL))
		return 0;
	json_object_object_del(auths, key);
	*changed = true;
	return 0;
}

static int edit_remove_all(json_object *root, json_object *auths, const char *key, const void *data,
			   bool *changed, cpod_error **err)
{
	json_object_object_add(root, "auths", json_object_new_object());
	json_object_object_del(root, "credHelpers");
	*changed = true;
	return 0;
}

int auth_set(const auth_opts *opts, const char *key, const char *username, const char *password,
	     char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *b64 = NULL;
	int r;

	if (auth_validate_key(key, NULL, err) < 0)
		return -1;
	b64 = auth_encode(username, password);
	r = modify_file(opts, edit_set, key, b64, ret_path, err);
	explicit_bzero(b64, strlen(b64));
	return r;
}

int auth_remove(const auth_opts *opts, const char *key, cpod_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *doc = NULL;
	json_cur root, auths;

	if (auth_validate_key(key, NULL, err) < 0)
		return -1;
	path = auth_file_path(opts, err);
	if (!path || read_json(path, &doc, err) < 0)
		return -1;
	root = json_cur_root(doc);
	if (json_get_object_opt(&root, "auths", &auths, err) < 0)
		return cpod_err_prefix(err, "reading '%s'", path);
	if (!json_cur_field(&auths, key).present)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "not logged in to '%s'", key);
	return modify_file(opts, edit_remove, key, NULL, NULL, err);
}

int auth_remove_all(const auth_opts *opts, cpod_error **err)
{
	return modify_file(opts, edit_remove_all, NULL, NULL, NULL, err);
}
