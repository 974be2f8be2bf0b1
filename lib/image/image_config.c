#include "image/image_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

image_config *image_config_new(void)
{
	image_config *cfg = xcalloc(1, sizeof(*cfg));

	strv_init(&cfg->exposed_ports);
	strv_init(&cfg->env);
	strv_init(&cfg->entrypoint);
	strv_init(&cfg->cmd);
	strv_init(&cfg->volumes);
	strv_init(&cfg->label_keys);
	strv_init(&cfg->label_values);
	strv_init(&cfg->healthcheck.test);
	strv_init(&cfg->on_build);
	strv_init(&cfg->diff_ids);
	return cfg;
}

void image_config_free(image_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->created);
	free(cfg->author);
	free(cfg->architecture);
	free(cfg->os);
	free(cfg->variant);
	free(cfg->user);
	strv_clear(&cfg->exposed_ports);
	strv_clear(&cfg->env);
	strv_clear(&cfg->entrypoint);
	strv_clear(&cfg->cmd);
	strv_clear(&cfg->volumes);
	free(cfg->working_dir);
	strv_clear(&cfg->label_keys);
	strv_clear(&cfg->label_values);
	free(cfg->stop_signal);
	strv_clear(&cfg->healthcheck.test);
	strv_clear(&cfg->on_build);
	strv_clear(&cfg->diff_ids);
	for (size_t i = 0; i < cfg->n_history; i++) {
		free(cfg->history[i].created);
		free(cfg->history[i].created_by);
		free(cfg->history[i].author);
		free(cfg->history[i].comment);
	}
	free(cfg->history);
	free(cfg);
}

void image_config_set_label(image_config *cfg, const char *key, const char *value)
{
	for (size_t i = 0; i < cfg->label_keys.n; i++) {
		if (str_eq(cfg->label_keys.v[i], key)) {
			free(cfg->label_values.v[i]);
			cfg->label_values.v[i] = xstrdup(value);
			return;
		}
	}
	strv_push(&cfg->label_keys, key);
	strv_push(&cfg->label_values, value);
}

const char *image_config_get_label(const image_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->label_keys.n; i++)
		if (str_eq(cfg->label_keys.v[i], key))
			return cfg->label_values.v[i];
	return NULL;
}

/* ---- reading ---- */

static int get_str(const json_cur *obj, const char *key, char **ret, cpod_error **err)
{
	const char *s;

	if (json_get_string_opt(obj, key, NULL, &s, err) < 0)
		return -1;
	free(*ret);
	*ret = s ? xstrdup(s) : NULL;
	return 0;
}

/* An array of strings (absent or null: empty, *ret_set false). */
static int get_strv(const json_cur *obj, const char *key, strv *ret, bool *ret_set,
		    cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(obj, key, &arr, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		const char *s;
		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		strv_push(ret, s);
	}
	if (ret_set)
		*ret_set = arr.present && arr.obj;
	return 0;
}

/* The keys of an object of empty objects ("ExposedPorts", "Volumes"). */
static int get_keys(const json_cur *obj, const char *key, strv *ret, cpod_error **err)
{
	json_cur o;

	if (json_get_object_opt(obj, key, &o, err) < 0)
		return -1;
	if (!o.obj)
		return 0;
	json_object_object_foreach(o.obj, k, v) {
		json_cur c = json_cur_child(&o, k, v);
		if (json_cur_object_opt(&c, err) < 0)
			return -1;
		strv_push(ret, k);
	}
	return 0;
}

static int get_labels(const json_cur *obj, image_config *cfg, cpod_error **err)
{
	json_cur o;

	if (json_get_object_opt(obj, "Labels", &o, err) < 0)
		return -1;
	if (!o.obj)
		return 0;
	json_object_object_foreach(o.obj, k, v) {
		json_cur c = json_cur_child(&o, k, v);
		const char *s;
		if (json_cur_string(&c, &s, err) < 0)
			return -1;
		image_config_set_label(cfg, k, s);
	}
	return 0;
}

static int get_healthcheck(const json_cur *obj, image_healthcheck *hc, cpod_error **err)
{
	json_cur o;

	if (json_get_object_opt(obj, "Healthcheck", &o, err) < 0)
		return -1;
	if (!o.obj)
		return 0;
	hc->present = true;
	if (get_strv(&o, "Test", &hc->test, NULL, err) < 0 ||
	    json_get_int64_opt(&o, "Interval", 0, &hc->interval, err) < 0 ||
	    json_get_int64_opt(&o, "Timeout", 0, &hc->timeout, err) < 0 ||
	    json_get_int64_opt(&o, "StartPeriod", 0, &hc->start_period, err) < 0 ||
	    json_get_int64_opt(&o, "Retries", 0, &hc->retries, err) < 0)
		return -1;
	return 0;
}

static int parse_inner(const json_cur *root, image_config *cfg, cpod_error **err)
{
	json_cur c;

	if (json_get_object_opt(root, "config", &c, err) < 0 ||
	    get_str(&c, "User", &cfg->user, err) < 0 ||
	    get_keys(&c, "ExposedPorts", &cfg->exposed_ports, err) < 0 ||
	    get_strv(&c, "Env", &cfg->env, NULL, err) < 0 ||
	    get_strv(&c, "Entrypoint", &cfg->entrypoint, &cfg->entrypoint_set, err) < 0 ||
	    get_strv(&c, "Cmd", &cfg->cmd, &cfg->cmd_set, err) < 0 ||
	    get_keys(&c, "Volumes", &cfg->volumes, err) < 0 ||
	    get_str(&c, "WorkingDir", &cfg->working_dir, err) < 0 || get_labels(&c, cfg, err) < 0 ||
	    get_str(&c, "StopSignal", &cfg->stop_signal, err) < 0 ||
	    get_healthcheck(&c, &cfg->healthcheck, err) < 0 ||
	    get_strv(&c, "OnBuild", &cfg->on_build, NULL, err) < 0)
		return -1;
	return 0;
}

static int parse_rootfs(const json_cur *root, image_config *cfg, cpod_error **err)
{
	json_cur rootfs, ids;
	const char *type;
	size_t n;

	if (json_get_object_opt(root, "rootfs", &rootfs, err) < 0)
		return -1;
	if (!rootfs.obj)
		return 0;
	if (json_get_string(&rootfs, "type", &type, err) < 0 ||
	    json_get_array_opt(&rootfs, "diff_ids", &ids, &n, err) < 0)
		return -1;
	if (!str_eq(type, "layers")) {
		json_cur t = json_cur_field(&rootfs, "type");
		return json_cur_error(&t, err, "unsupported rootfs type \"%s\"", type);
	}
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&ids, i);
		const char *s;
		if (json_cur_string(&e, &s, err) < 0)
			return -1;
		if (digest_validate(s, NULL) < 0)
			return json_cur_error(&e, err, "invalid digest \"%s\"", s);
		strv_push(&cfg->diff_ids, s);
	}
	return 0;
}

static int parse_history(const json_cur *root, image_config *cfg, cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(root, "history", &arr, &n, err) < 0)
		return -1;
	if (n)
		cfg->history = xcalloc(n, sizeof(*cfg->history));
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		image_history *h = &cfg->history[i];

		cfg->n_history++;
		if (json_cur_object(&e, err) < 0 || get_str(&e, "created", &h->created, err) < 0 ||
		    get_str(&e, "created_by", &h->created_by, err) < 0 ||
		    get_str(&e, "author", &h->author, err) < 0 ||
		    get_str(&e, "comment", &h->comment, err) < 0 ||
		    json_get_bool_opt(&e, "empty_layer", false, &h->empty_layer, err) < 0)
			return -1;
	}
	return 0;
}

int image_config_parse(const void *data, size_t len, image_config **ret, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	json_cur root;

	doc = json_parse_bytes(data, len, IMAGE_CONFIG_MAX_SIZE, err);
	if (!doc)
		return cpod_err_prefix(err, "parsing image config");
	root = json_cur_root(doc);
	cfg = image_config_new();
	if (json_cur_object(&root, err) < 0 || get_str(&root, "created", &cfg->created, err) < 0 ||
	    get_str(&root, "author", &cfg->author, err) < 0 ||
	    get_str(&root, "architecture", &cfg->architecture, err) < 0 ||
	    get_str(&root, "os", &cfg->os, err) < 0 ||
	    get_str(&root, "variant", &cfg->variant, err) < 0 || parse_inner(&root, cfg, err) < 0 ||
	    parse_rootfs(&root, cfg, err) < 0 || parse_history(&root, cfg, err) < 0)
		return cpod_err_prefix(err, "parsing image config");
	*ret = TAKE_PTR(cfg);
	return 0;
}

/* ---- writing ---- */

static void put_str(json_object *o, const char *key, const char *s)
{
	if (s && *s)
		json_object_object_add(o, key, json_object_new_string(s));
}

static json_object *strv_json(const strv *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

static void put_strv(json_object *o, const char *key, const strv *v, bool even_empty)
{
	if (v->n || even_empty)
		json_object_object_add(o, key, strv_json(v));
}

static void put_keys(json_object *o, const char *key, const strv *v)
{
	json_object *m;

	if (!v->n)
		return;
	m = json_object_new_object();
	for (size_t i = 0; i < v->n; i++)
		json_object_object_add(m, v->v[i], json_object_new_object());
	json_object_object_add(o, key, m);
}

static json_object *inner_json(const image_config *cfg)
{
	json_object *c = json_object_new_object();
	const image_healthcheck *hc = &cfg->healthcheck;

	put_str(c, "User", cfg->user);
	put_keys(c, "ExposedPorts", &cfg->exposed_ports);
	put_strv(c, "Env", &cfg->env, false);
	put_strv(c, "Entrypoint", &cfg->entrypoint, cfg->entrypoint_set);
	put_strv(c, "Cmd", &cfg->cmd, cfg->cmd_set);
	put_keys(c, "Volumes", &cfg->volumes);
	put_str(c, "WorkingDir", cfg->working_dir);
	if (cfg->label_keys.n) {
		json_object *l = json_object_new_object();
		for (size_t i = 0; i < cfg->label_keys.n; i++)
			json_object_object_add(l, cfg->label_keys.v[i],
					       json_object_new_string(cfg->label_values.v[i]));
		json_object_object_add(c, "Labels", l);
	}
	put_str(c, "StopSignal", cfg->stop_signal);
	if (hc->present) {
		json_object *h = json_object_new_object();
		put_strv(h, "Test", &hc->test, false);
		if (hc->interval)
			json_object_object_add(h, "Interval", json_object_new_int64(hc->interval));
		if (hc->timeout)
			json_object_object_add(h, "Timeout", json_object_new_int64(hc->timeout));
		if (hc->start_period)
			json_object_object_add(h, "StartPeriod",
					       json_object_new_int64(hc->start_period));
		if (hc->retries)
			json_object_object_add(h, "Retries", json_object_new_int64(hc->retries));
		json_object_object_add(c, "Healthcheck", h);
	}
	put_strv(c, "OnBuild", &cfg->on_build, false);
	return c;
}

char *image_config_to_json(const image_config *cfg)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *rootfs = json_object_new_object(), *inner = inner_json(cfg);

	put_str(o, "created", cfg->created);
	put_str(o, "author", cfg->author);
	put_str(o, "architecture", cfg->architecture);
	put_str(o, "os", cfg->os);
	put_str(o, "variant", cfg->variant);
	if (json_object_object_length(inner))
		json_object_object_add(o, "config", inner);
	else
		json_object_put(inner);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", strv_json(&cfg->diff_ids));
	json_object_object_add(o, "rootfs", rootfs);
	if (cfg->n_history) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < cfg->n_history; i++) {
			const image_history *h = &cfg->history[i];
			json_object *e = json_object_new_object();
			put_str(e, "created", h->created);
			put_str(e, "created_by", h->created_by);
			put_str(e, "author", h->author);
			put_str(e, "comment", h->comment);
			if (h->empty_layer)
				json_object_object_add(e, "empty_layer",
						       json_object_new_boolean(1));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "history", a);
	}
	return json_to_string(o, JSON_FMT_COMPACT);
}

/* ---- podman's --change instructions ---- */

#define CHANGE_INSTRUCTIONS \
	"CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR"

/* A JSON array of strings, as Go's json.Unmarshal into []string accepts it; false otherwise. */
static bool parse_json_strv(const char *value, strv *ret)
{
	_cleanup_json_ json_object *doc = json_parse_bytes(value, strlen(value), 1 << 20, NULL);
	_cleanup_strv_ strv v = STRV_INIT;

	if (!doc || !json_object_is_type(doc, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(doc); i++) {
		json_object *e = json_object_array_get_idx(doc, i);
		if (!json_object_is_type(e, json_type_string))
			return false;
		strv_push(&v, json_object_get_string(e));
	}
	strv_clear(ret);
	*ret = v;
	strv_init(&v);
	return true;
}

/* Strips one pair of surrounding double quotes, as podman does for ENV and LABEL. */
static char *unquote(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return xstrndup(s + 1, n - 2);
	return xstrndup(s, n);
}

/* filepath.Join(base, rel) followed by Clean: "." and ".." resolved lexically. */
static char *join_clean(const char *base, const char *rel)
{
	_cleanup_free_ char *joined =
		xasprintf("%s%s%s", base ? base : "", base && *base ? "/" : "", rel);
	_cleanup_strv_free_ char **parts = strv_split(joined, "/", 1);
	bool abs = joined[0] == '/';
	_cleanup_strv_ strv out = STRV_INIT;
	_cleanup_free_ char *body = NULL;

	for (size_t i = 0; parts[i]; i++) {
		if (str_eq(parts[i], "."))
			continue;
		if (str_eq(parts[i], "..")) {
			if (out.n && !str_eq(out.v[out.n - 1], ".."))
				strv_remove(&out, out.n - 1);
			else if (!abs)
				strv_push(&out, "..");
			continue;
		}
		strv_push(&out, parts[i]);
	}
	body = strv_join((const char *const *)out.v, "/");
	if (abs)
		return xasprintf("/%s", body);
	return *body ? TAKE_PTR(body) : xstrdup(".");
}

static const struct {
	const char *name;
	int num;
} signals[] = {
	/* clang-format off */
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD }, { "CONT", SIGCONT }, { "FPE", SIGFPE }, { "HUP", SIGHUP },
	{ "ILL", SIGILL }, { "INT", SIGINT }, { "IO", SIGIO }, { "IOT", SIGABRT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGIO }, { "PROF", SIGPROF },
	{ "PWR", SIGPWR }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS }, { "TERM", SIGTERM }, { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	/* clang-format on */
};

/* A signal number from "15", "TERM", "SIGTERM" or "sigterm"; -1 when unknown. */
static int parse_signal(const char *s)
{
	char *end;
	long n;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > 64)
			return -1;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].num;
	return -1;
}

static int change_expose(image_config *cfg, const char *change, const char *value, cpod_error **err)
{
	const char *slash = strchr(value, '/'), *proto = "tcp";
	_cleanup_free_ char *num = xstrndup(value, slash ? (size_t)(slash - value) : strlen(value));
	char *end, *port;
	long n;

	if (slash && strchr(slash + 1, '/'))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - EXPOSE port must be formatted as "
				"PORT[/PROTO]",
				change);
	errno = 0;
	n = strtol(num, &end, 10);
	if (!*num || *end || errno || n > INT_MAX || n < INT_MIN)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - EXPOSE port must be an integer", change);
	if (n <= 0 || n > 65535)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - EXPOSE port must be a valid port number",
				change);
	if (slash) {
		if (strcasecmp(slash + 1, "tcp") == 0)
			proto = "tcp";
		else if (strcasecmp(slash + 1, "udp") == 0)
			proto = "udp";
		else
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - EXPOSE protocol must be TCP or "
					"UDP",
					change);
	}
	port = xasprintf("%ld/%s", n, proto);
	if (strv_contains((const char *const *)cfg->exposed_ports.v, port))
		free(port);
	else
		strv_push_take(&cfg->exposed_ports, port);
	return 0;
}

/* ENV k=v, ENV "k"="v", and (unlike podman, which reads it as the key "k v") ENV k v. */
static int change_env(image_config *cfg, const char *change, const char *value, cpod_error **err)
{
	const char *eq = strchr(value, '='), *val;
	size_t klen;
	_cleanup_free_ char *key = NULL, *v = NULL;

	if (!eq && strpbrk(value, " \t")) {
		klen = strcspn(value, " \t");
		val = value + klen + strspn(value + klen, " \t");
	} else {
		klen = eq ? (size_t)(eq - value) : strlen(value);
		val = eq ? eq + 1 : "";
	}
	if (klen == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - ENV must have at least one argument",
				change);
	key = unquote(value, klen);
	v = unquote(val, strlen(val));
	strv_env_set(&cfg->env, key, v);
	return 0;
}

static int change_label(image_config *cfg, const char *change, const char *value, cpod_error **err)
{
	const char *eq = strchr(value, '=');
	_cleanup_free_ char *key = NULL, *val = NULL;

	if (!eq)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - LABEL must be formatted key=value",
				change);
	key = unquote(value, (size_t)(eq - value));
	val = unquote(eq + 1, strlen(eq + 1));
	if (!*key)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - LABEL must have a non-empty key", change);
	image_config_set_label(cfg, key, val);
	return 0;
}

static int change_volume(image_config *cfg, const char *change, const char *value, cpod_error **err)
{
	_cleanup_strv_ strv vols = STRV_INIT;

	if (!parse_json_strv(value, &vols)) {
		_cleanup_strv_free_ char **split = strv_split(value, " ", 0);
		strv_pushv(&vols, (const char *const *)split);
	}
	if (!vols.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - must provide at least one argument to "
				"VOLUME",
				change);
	for (size_t i = 0; i < vols.n; i++)
		if (!*vols.v[i])
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - VOLUME paths must not be empty",
					change);
	for (size_t i = 0; i < vols.n; i++)
		if (!strv_contains((const char *const *)cfg->volumes.v, vols.v[i]))
			strv_push(&cfg->volumes, vols.v[i]);
	return 0;
}

/* CMD and ENTRYPOINT: a JSON array, or a shell command run by /bin/sh -c.  An empty shell form
 * gives ENTRYPOINT [] but CMD ["/bin/sh", "-c"], as podman does. */
static void change_command(strv *target, bool *set, const char *value, bool is_cmd)
{
	_cleanup_strv_ strv v = STRV_INIT;

	if (!parse_json_strv(value, &v) && (is_cmd || *value)) {
		strv_push(&v, "/bin/sh");
		strv_push(&v, "-c");
		if (*value)
			strv_push(&v, value);
	}
	strv_clear(target);
	*target = v;
	strv_init(&v);
	*set = true;
}

static int change_simple(image_config *cfg, const char *change, const char *key, const char *value,
			 cpod_error **err)
{
	if (str_eq(key, "USER")) {
		if (!*value)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - must provide a value to USER",
					change);
		free(cfg->user);
		cfg->user = xstrdup(value);
	} else if (str_eq(key, "WORKDIR")) {
		char *wd;
		if (!*value)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - must provide a non-empty WORKDIR",
					change);
		wd = join_clean(cfg->working_dir, value);
		free(cfg->working_dir);
		cfg->working_dir = wd;
	} else if (str_eq(key, "STOPSIGNAL")) {
		int sig = parse_signal(value);
		if (sig < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - KILLSIGNAL must be given a valid "
					"signal: invalid signal: %s",
					change, value);
		free(cfg->stop_signal);
		cfg->stop_signal = xasprintf("%d", sig);
	} else if (str_eq(key, "ONBUILD")) {
		if (!*value)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid change \"%s\" - ONBUILD must be given an argument",
					change);
		strv_push(&cfg->on_build, value);
	} else {
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - invalid instruction %s (valid "
				"instructions "
				"are " CHANGE_INSTRUCTIONS ")",
				change, key);
	}
	return 0;
}

int image_config_apply_change(image_config *cfg, const char *change, cpod_error **err)
{
	const char *sep = strchr(change, ' ');
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t start, end;

	if (!sep)
		sep = strchr(change, '=');
	if (!sep)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid change \"%s\" - must be formatted as KEY VALUE", change);
	/* TrimSpace on both halves, ToUpper on the instruction */
	start = strspn(change, " \t\n\r\v\f");
	end = (size_t)(sep - change);
	while (end > start && isspace((unsigned char)change[end - 1]))
		end--;
	key = xstrndup(change + start, end > start ? end - start : 0);
	for (char *p = key; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	sep += 1 + strspn(sep + 1, " \t\n\r\v\f");
	end = strlen(sep);
	while (end && isspace((unsigned char)sep[end - 1]))
		end--;
	value = xstrndup(sep, end);

	if (str_eq(key, "EXPOSE"))
		return change_expose(cfg, change, value, err);
	if (str_eq(key, "ENV"))
		return change_env(cfg, change, value, err);
	if (str_eq(key, "LABEL"))
		return change_label(cfg, change, value, err);
	if (str_eq(key, "VOLUME"))
		return change_volume(cfg, change, value, err);
	if (str_eq(key, "CMD") || str_eq(key, "ENTRYPOINT")) {
		bool cmd = str_eq(key, "CMD");
		change_command(cmd ? &cfg->cmd : &cfg->entrypoint,
			       cmd ? &cfg->cmd_set : &cfg->entrypoint_set, value, cmd);
		return 0;
	}
	return change_simple(cfg, change, key, value, err);
}

char *image_config_labels_json(const image_config *cfg)
{
	json_object *o;
	char *text;

	if (!cfg->label_keys.n)
		return NULL;
	o = json_object_new_object();
	for (size_t i = 0; i < cfg->label_keys.n; i++)
		json_object_object_add(o, cfg->label_keys.v[i],
				       json_object_new_string(cfg->label_values.v[i]));
	text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

char *image_config_with_diff_ids(const char *text, size_t len, const image_config *cfg,
				 const strv *diff_ids, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	json_object *rootfs, *arr;
	bool same = cfg->diff_ids.n == diff_ids->n;

	for (size_t i = 0; same && i < diff_ids->n; i++)
		same = str_eq(cfg->diff_ids.v[i], diff_ids->v[i]);
	if (same)
		return xstrndup(text, len);
	doc = json_parse_bytes(text, len, IMAGE_CONFIG_MAX_SIZE, err);
	if (!doc)
		return NULL;
	if (!json_object_object_get_ex(doc, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object)) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "image config has no rootfs");
		return NULL;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < diff_ids->n; i++)
		json_object_array_add(arr, json_object_new_string(diff_ids->v[i]));
	json_object_object_add(rootfs, "diff_ids", arr);
	return xstrdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
}
