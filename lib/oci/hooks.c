/* OCI hooks from hooks.d directories; see hooks.h. */
#include "oci/hooks.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/spec.h"
#include "common/banned.h"

static const char *const stage_names[] = {
	"prestart",  "createRuntime", "createContainer", "startContainer",
	"poststart", "poststop",      "precreate",	 NULL,
};

struct hook_config {
	char *name;	   /* file name */
	json_object *hook; /* what goes into spec.hooks.<stage>: path, args, env, timeout */
	int always;	   /* -1: not given */
	int has_bind_mounts;
	regex_t *ann; /* key, value, key, value ... */
	size_t n_ann; /* pairs */
	regex_t *cmd;
	size_t n_cmd;
	strv stages;
};

void hook_config_free(hook_config *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < 2 * h->n_ann; i++)
		regfree(&h->ann[i]);
	for (size_t i = 0; i < h->n_cmd; i++)
		regfree(&h->cmd[i]);
	free(h->ann);
	free(h->cmd);
	json_object_put(h->hook);
	strv_clear(&h->stages);
	free(h->name);
	free(h);
}

DEFINE_CLEANUP_FUNC(hook_config, hook_config_free)

const char *hook_config_name(const hook_config *h)
{
	return h->name;
}

/* ---- reading ---- */

static int compile(regex_t *re, const char *what, const char *pattern, cpod_error **err)
{
	char msg[256];
	int r = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);

	if (r == 0)
		return 0;
	regerror(r, re, msg, sizeof(msg));
	return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid %s '%s': %s", what, pattern, msg);
}

static int string_array(const json_cur *obj, const char *key, json_object *out, cpod_error **err)
{
	json_object *arr;
	json_cur a;
	size_t n;

	if (json_get_array_opt(obj, key, &a, &n, err) < 0)
		return -1;
	if (!a.obj)
		return 0;
	arr = json_object_new_array();
	json_object_object_add(out, key, arr);
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&a, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		json_object_array_add(arr, json_object_new_string(s));
	}
	return 0;
}

/* The "hook" member.  *skip when its program does not exist. */
static int parse_command(hook_config *h, const json_cur *root, bool *skip, cpod_error **err)
{
	json_cur hook, timeout;
	const char *path;
	struct stat st;
	int64_t t;

	if (json_get_object(root, "hook", &hook, err) < 0 ||
	    json_get_string_opt(&hook, "path", "", &path, err) < 0)
		return -1;
	if (!*path)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "missing required property: hook.path");
	if (path[0] != '/')
		return cpod_err(err, CPOD_ERR_INVALID, 0, "hook.path '%s' must be an absolute path",
				path);
	h->hook = json_object_new_object();
	json_object_object_add(h->hook, "path", json_object_new_string(path));
	if (string_array(&hook, "args", h->hook, err) < 0 ||
	    string_array(&hook, "env", h->hook, err) < 0)
		return -1;
	timeout = json_cur_field(&hook, "timeout");
	if (timeout.obj) {
		if (json_cur_int64(&timeout, &t, err) < 0)
			return -1;
		if (t < 1 || t > INT32_MAX)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"hook.timeout must be a positive number of seconds");
		json_object_object_add(h->hook, "timeout", json_object_new_int64(t));
	}
	if (stat(path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "hook.path '%s'", path);
		*skip = true;
	}
	return 0;
}

static int parse_flag(const json_cur *when, const char *key, int *ret, cpod_error **err)
{
	json_cur c = json_cur_field(when, key);
	bool b;

	*ret = -1;
	if (!c.obj)
		return 0;
	if (json_cur_bool(&c, &b, err) < 0)
		return -1;
	*ret = b;
	return 0;
}

static int parse_annotations(hook_config *h, const json_cur *when, cpod_error **err)
{
	json_cur ann;
	size_t i = 0;

	if (json_get_object_opt(when, "annotations", &ann, err) < 0)
		return -1;
	if (!ann.obj)
		return 0;
	h->ann = xcalloc(2 * (size_t)json_object_object_length(ann.obj) + 1, sizeof(regex_t));
	json_object_object_foreach(ann.obj, key, val) {
		json_cur c = json_cur_child(&ann, key, val);
		const char *v;

		if (json_cur_string(&c, &v, err) < 0 ||
		    compile(&h->ann[2 * i], "annotation key", key, err) < 0)
			return -1;
		if (compile(&h->ann[2 * i + 1], "annotation value", v, err) < 0) {
			regfree(&h->ann[2 * i]);
			return -1;
		}
		h->n_ann = ++i;
	}
	return 0;
}

static int parse_commands(hook_config *h, const json_cur *when, cpod_error **err)
{
	json_cur cmds;
	size_t n;

	if (json_get_array_opt(when, "commands", &cmds, &n, err) < 0)
		return -1;
	h->cmd = xcalloc(n + 1, sizeof(regex_t));
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&cmds, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0 || compile(&h->cmd[i], "command", s, err) < 0)
			return -1;
		h->n_cmd = i + 1;
	}
	return 0;
}

static int parse_when(hook_config *h, const json_cur *root, cpod_error **err)
{
	json_cur when;

	if (json_get_object_opt(root, "when", &when, err) < 0 ||
	    parse_flag(&when, "always", &h->always, err) < 0 ||
	    parse_flag(&when, "hasBindMounts", &h->has_bind_mounts, err) < 0 ||
	    parse_annotations(h, &when, err) < 0 || parse_commands(h, &when, err) < 0)
		return -1;
	if (h->always < 0 && h->has_bind_mounts < 0 && h->n_ann == 0 && h->n_cmd == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"when: at least one of always, annotations, commands and "
				"hasBindMounts is required");
	return 0;
}

static int parse_stages(hook_config *h, const json_cur *root, cpod_error **err)
{
	json_cur stages;
	size_t n;

	if (!json_cur_field(root, "stages").obj)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "missing required property: stages");
	if (json_get_array(root, "stages", &stages, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&stages, i);
		const char *s;

		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		if (!strv_contains(stage_names, s))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown stage '%s'", s);
		strv_push(&h->stages, s);
	}
	return 0;
}

static int parse_hook(hook_config *h, json_object *doc, bool *skip, cpod_error **err)
{
	json_cur root = json_cur_root(doc);
	const char *version;

	if (json_cur_object(&root, err) < 0 ||
	    json_get_string_opt(&root, "version", "", &version, err) < 0)
		return -1;
	if (!*version || strcmp(version, "0.1.0") == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "version 0.1.0 hooks are %s",
				"not supported, convert it to version 1.0.0");
	if (strcmp(version, "1.0.0") != 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unrecognized hook version: '%s'",
				version);
	if (parse_command(h, &root, skip, err) < 0 || parse_when(h, &root, err) < 0 ||
	    parse_stages(h, &root, err) < 0)
		return -1;
	return 0;
}

int hooks_read_file(const char *path, hook_config **ret, cpod_error **err)
{
	_cleanup_(hook_config_freep) hook_config *h = xcalloc(1, sizeof(*h));
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_json_ json_object *doc = NULL;
	_cleanup_buf_ buf b = BUF_INIT;
	const char *base = strrchr(path, '/');
	bool skip = false;

	*ret = NULL;
	h->name = xstrdup(base ? base + 1 : path);
	h->stages = (strv)STRV_INIT;
	if (fs_read_file(path, HOOKS_FILE_CAP, &b, &e) < 0) {
		/* Vanished since the directory was listed, or a dangling symlink. */
		if (cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
			return 0;
		return cpod_err(err, cpod_error_kind(e), cpod_error_errno(e), "reading hook '%s'",
				path);
	}
	doc = json_parse_bytes(b.s, b.len, HOOKS_FILE_CAP, err);
	if (!doc || parse_hook(h, doc, &skip, err) < 0)
		return cpod_err_prefix(err, "parsing hook '%s'", path);
	if (skip) {
		log_info("hook '%s': program '%s' does not exist, skipping", path,
			 json_object_get_string(json_object_object_get(h->hook, "path")));
		return 0;
	}
	*ret = TAKE_PTR(h);
	return 0;
}

/* ---- directories ---- */

void hooks_set_release(hooks_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		hook_config_free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

DEFINE_CLEANUP_FUNC(hooks_set, hooks_set_release)

/* Adds h, replacing a hook of the same file name. */
static void set_put(hooks_set *s, hook_config *h)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i]->name, h->name) == 0) {
			hook_config_free(s->v[i]);
			s->v[i] = h;
			return;
		}
	}
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = h;
}

static int read_dir(const char *dir, hooks_set *s, cpod_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading hooks directory '%s'", dir);
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		hook_config *h;

		if (!str_has_suffix(de->d_name, ".json"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (hooks_read_file(path, &h, err) < 0)
			return -1;
		if (h)
			set_put(s, h);
	}
	if (errno)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading hooks directory '%s'", dir);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	const hook_config *x = *(hook_config *const *)a, *y = *(hook_config *const *)b;
	int r = strcasecmp(x->name, y->name);

	return r ? r : strcmp(x->name, y->name);
}

int hooks_load(const char *const *dirs, hooks_set *ret, cpod_error **err)
{
	hooks_set s = { 0 };

	for (; dirs && *dirs; dirs++) {
		if (read_dir(*dirs, &s, err) < 0) {
			hooks_set_release(&s);
			return -1;
		}
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), cmp_name);
	*ret = s;
	return 0;
}

/* ---- matching ---- */

static bool search(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

static bool annotation_matches(json_object *annotations, const regex_t *key, const regex_t *value)
{
	if (!json_object_is_type(annotations, json_type_object))
		return false;
	json_object_object_foreach(annotations, k, v) {
		if (search(key, k) && json_object_is_type(v, json_type_string) &&
		    search(value, json_object_get_string(v)))
			return true;
	}
	return false;
}

static int command_matches(const hook_config *h, json_object *proc, bool *ret, cpod_error **err)
{
	json_object *args = NULL, *first;

	json_object_object_get_ex(proc, "args", &args);
	first = json_object_is_type(args, json_type_array) ? json_object_array_get_idx(args, 0)
							   : NULL;
	if (!first || !json_object_is_type(first, json_type_string))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"matching hook '%s': process.args must have at least one entry",
				h->name);
	*ret = false;
	for (size_t i = 0; i < h->n_cmd && !*ret; i++)
		*ret = search(&h->cmd[i], json_object_get_string(first));
	return 0;
}

static int hook_matches(const hook_config *h, json_object *spec, bool has_bind_mounts, bool *ret,
			cpod_error **err)
{
	json_object *annotations = NULL, *proc = NULL;
	int matches = 0;

	*ret = false;
	if (h->always == 0 || h->has_bind_mounts == 0 ||
	    (h->has_bind_mounts > 0 && !has_bind_mounts))
		return 0;
	matches += h->always > 0;
	matches += h->has_bind_mounts > 0;
	json_object_object_get_ex(spec, "annotations", &annotations);
	for (size_t i = 0; i < h->n_ann; i++) {
		if (!annotation_matches(annotations, &h->ann[2 * i], &h->ann[2 * i + 1]))
			return 0;
		matches++;
	}
	if (json_object_object_get_ex(spec, "process", &proc) && proc && h->n_cmd > 0)
		return command_matches(h, proc, ret, err);
	*ret = matches > 0;
	return 0;
}

static void add_to_stages(const hook_config *h, json_object *spec)
{
	json_object *hooks, *list, *copy;

	if (!json_object_object_get_ex(spec, "hooks", &hooks) || !hooks) {
		hooks = json_object_new_object();
		json_object_object_add(spec, "hooks", hooks);
	}
	for (size_t i = 0; i < h->stages.n; i++) {
		const char *stage = h->stages.v[i];

		if (strcmp(stage, "precreate") == 0) {
			log_warn("hook '%s': the precreate stage is not supported, ignoring it",
				 h->name);
			continue;
		}
		if (!json_object_object_get_ex(hooks, stage, &list) || !list) {
			list = json_object_new_array();
			json_object_object_add(hooks, stage, list);
		}
		copy = NULL;
		json_object_deep_copy(h->hook, &copy, NULL);
		json_object_array_add(list, copy);
	}
}

int hooks_apply(const hooks_set *s, json_object *spec, bool has_bind_mounts, cpod_error **err)
{
	for (size_t i = 0; i < s->n; i++) {
		bool match;

		if (hook_matches(s->v[i], spec, has_bind_mounts, &match, err) < 0)
			return -1;
		if (match)
			add_to_stages(s->v[i], spec);
	}
	return 0;
}

bool hooks_spec_has_bind_mounts(json_object *spec)
{
	static const char *const engine[] = {
		"/etc/hosts",
		"/etc/hostname",
		"/etc/resolv.conf",
		"/run/.containerenv",
		"/dev/shm",
		SPEC_INIT_PATH,
		"/proc",
		"/sys",
		"/dev/mqueue",
		NULL,
	};
	json_object *mounts = NULL;

	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0;
	     json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
	     i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *t, *d;

		if (!json_object_object_get_ex(m, "type", &t) ||
		    !json_object_object_get_ex(m, "destination", &d) ||
		    !str_eq(json_object_get_string(t), "bind"))
			continue;
		if (!strv_contains(engine, json_object_get_string(d)))
			return true;
	}
	return false;
}

int spec_hooks(const char *const *hooks_dirs, json_object *spec, cpod_error **err)
{
	_cleanup_(hooks_set_releasep) hooks_set *sp = NULL;
	hooks_set s = { 0 };

	if (!hooks_dirs || !*hooks_dirs)
		return 0;
	if (hooks_load(hooks_dirs, &s, err) < 0)
		return -1;
	sp = &s;
	return hooks_apply(&s, spec, hooks_spec_has_bind_mounts(spec), err);
}
