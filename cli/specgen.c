/* create/run options -> the container description (podman's SpecGenerator JSON), following
 * podman 4.3's CreateInit (cmd/podman/containers/create.go) and FillOutSpecGen
 * (pkg/specgenutil/specgen.go): the same checks in the same words, the same keys. */
#include "specgen.h"
#include "specgen_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "common/banned.h"

extern char **environ;

char *sg_goq(const char *s)
{
	_cleanup_buf_ buf b = BUF_INIT;

	cli_go_quote(&b, s);
	return buf_detach(&b, NULL);
}

const char *sg_errno_str(int e, char *out, size_t size)
{
	char tmp[256];
	const char *s = strerror_r(e, tmp, sizeof(tmp));

	snprintf(out, size, "%s", s);
	if (out[0])
		out[0] = (char)tolower((unsigned char)out[0]);
	return out;
}

int cli_not_supported(cpod_error **err, const char *option)
{
	return sg_invalid(err, "option --%s is not supported yet", option);
}

void sgj_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

void sgj_bool(json_object *o, const char *key, bool value)
{
	json_object_object_add(o, key, json_object_new_boolean(value));
}

void sgj_int(json_object *o, const char *key, int64_t value)
{
	json_object_object_add(o, key, json_object_new_int64(value));
}

void sgj_uint(json_object *o, const char *key, unsigned long long value)
{
	json_object_object_add(o, key,
			       value > INT64_MAX ? json_object_new_uint64(value)
						 : json_object_new_int64((int64_t)value));
}

json_object *sgj_array(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void sgj_strv(json_object *o, const char *key, const strv *v)
{
	json_object_object_add(o, key, sgj_array(v->v, v->n));
}

/* The object member key, created empty when missing. */
json_object *sgj_member(json_object *o, const char *key)
{
	json_object *m;

	if (json_object_object_get_ex(o, key, &m))
		return m;
	m = json_object_new_object();
	json_object_object_add(o, key, m);
	return m;
}

static bool given(const cli_optset *set, const char *name)
{
	return cli_opt_changed(set, name);
}

/* ---- options cpod cannot honour yet ---- */

static const char *const unsupported_options[] = {
	"blkio-weight-device",
	"cgroup-conf",
	"chrootdirs",
	"cpu-rt-period",
	"cpu-rt-runtime",
	"device-read-bps",
	"device-read-iops",
	"device-write-bps",
	"device-write-iops",
	"env-merge",
	"expose",
	"gidmap",
	"health-cmd",
	"health-interval",
	"health-on-failure",
	"health-retries",
	"health-start-period",
	"health-timeout",
	"hostuser",
	"init-ctr",
	"ip",
	"ip6",
	"mac-address",
	"network-alias",
	"passwd-entry",
	"personality",
	"pidfile",
	"pod",
	"pod-id-file",
	"publish",
	"requires",
	"secret",
	"subgidname",
	"subuidname",
	"tz",
	"uidmap",
	"userns",
	"volumes-from",
	NULL,
};

/* podman's old names of the health check options. */
static const char *const health_aliases[][2] = {
	{ "healthcheck-command", "health-cmd" },
	{ "healthcheck-interval", "health-interval" },
	{ "healthcheck-retries", "health-retries" },
	{ "healthcheck-start-period", "health-start-period" },
	{ "healthcheck-timeout", "health-timeout" },
};

static int check_unsupported_values(const struct cli_create_opts *o, const cli_optset *set,
				    cpod_error **err)
{
	if (o->no_healthcheck)
		return cli_not_supported(err, "no-healthcheck");
	if (o->oom_kill_disable)
		return cli_not_supported(err, "oom-kill-disable");
	if (o->publish_all)
		return cli_not_supported(err, "publish-all");
	if (o->no_hosts)
		return cli_not_supported(err, "no-hosts");
	if (given(set, "passwd") && !o->passwd)
		return cli_not_supported(err, "passwd=false");
	if (o->preserve_fds > 0)
		return cli_not_supported(err, "preserve-fds");
	if (given(set, "cgroups") && !str_eq(o->cgroups, "enabled"))
		return sg_invalid(err, "option --cgroups=%s is not supported yet", o->cgroups);
	if (given(set, "seccomp-policy") && !str_eq(o->seccomp_policy, "default"))
		return sg_invalid(err, "option --seccomp-policy=%s is not supported yet",
				  o->seccomp_policy);
	return 0;
}

static int check_unsupported(const struct cli_create_opts *o, const cli_optset *set,
			     cpod_error **err)
{
	for (size_t i = 0; unsupported_options[i]; i++)
		if (given(set, unsupported_options[i]))
			return cli_not_supported(err, unsupported_options[i]);
	for (size_t i = 0; i < ARRAY_SIZE(health_aliases); i++)
		if (given(set, health_aliases[i][0]))
			return cli_not_supported(err, health_aliases[i][1]);
	return check_unsupported_values(o, set, err);
}

/* ---- plain parsers, shared with the commands ---- */

int cli_parse_pull_policy(const char *s, cli_pull_policy *ret, cpod_error **err)
{
	static const struct {
		const char *name;
		cli_pull_policy p;
	} names[] = {
		{ "always", CLI_PULL_ALWAYS },
		{ "Always", CLI_PULL_ALWAYS },
		{ "missing", CLI_PULL_MISSING },
		{ "Missing", CLI_PULL_MISSING },
		{ "ifnotpresent", CLI_PULL_MISSING },
		{ "IfNotPresent", CLI_PULL_MISSING },
		{ "", CLI_PULL_MISSING },
		{ "newer", CLI_PULL_NEWER },
		{ "Newer", CLI_PULL_NEWER },
		{ "ifnewer", CLI_PULL_NEWER },
		{ "IfNewer", CLI_PULL_NEWER },
		{ "never", CLI_PULL_NEVER },
		{ "Never", CLI_PULL_NEVER },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (str_eq(names[i].name, s ? s : "")) {
			*ret = names[i].p;
			return 0;
		}
	return sg_invalid(err, "unsupported pull policy \"%s\"", s);
}

int cli_split_platform(const char *platform, const char *os, const char *arch, const char *variant,
		       char **copy, const char **ret_os, const char **ret_arch,
		       const char **ret_variant, cpod_error **err)
{
	char *s, *slash;

	*ret_os = os && *os ? os : NULL;
	*ret_arch = arch && *arch ? arch : NULL;
	*ret_variant = variant && *variant ? variant : NULL;
	if (!platform || !*platform)
		return 0;
	if (*ret_os || *ret_arch)
		return sg_invalid(err, "--platform option can not be specified with --arch or "
				       "--os");
	s = *copy = xstrdup(platform);
	slash = strchr(s, '/');
	*ret_os = *s && s != slash ? s : NULL;
	if (!slash)
		return 0;
	*slash = '\0';
	*ret_arch = slash[1] ? slash + 1 : NULL;
	slash = strchr(slash + 1, '/');
	if (slash) {
		*slash = '\0';
		*ret_variant = slash[1] ? slash + 1 : NULL;
	}
	return 0;
}

/* Go's strconv.Atoi: optional sign, decimal digits. */
static bool go_atoi(const char *s, long long *ret, bool *range)
{
	char *end;

	*range = false;
	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (*end || end == s)
		return false;
	*range = errno == ERANGE;
	return !*range;
}

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "ABRT", 6 },	  { "ALRM", 14 },  { "BUS", 7 },   { "CHLD", 17 }, { "CLD", 17 },
	{ "CONT", 18 },	  { "FPE", 8 },	   { "HUP", 1 },   { "ILL", 4 },   { "INT", 2 },
	{ "IO", 29 },	  { "IOT", 6 },	   { "KILL", 9 },  { "PIPE", 13 }, { "POLL", 29 },
	{ "PROF", 27 },	  { "PWR", 30 },   { "QUIT", 3 },  { "SEGV", 11 }, { "STKFLT", 16 },
	{ "STOP", 19 },	  { "SYS", 31 },   { "TERM", 15 }, { "TRAP", 5 },  { "TSTP", 20 },
	{ "TTIN", 21 },	  { "TTOU", 22 },  { "URG", 23 },  { "USR1", 10 }, { "USR2", 12 },
	{ "VTALRM", 26 }, { "WINCH", 28 }, { "XCPU", 24 }, { "XFSZ", 25 }, { "RTMIN", 34 },
	{ "RTMAX", 64 },
};

/* RTMIN+n (n 1..15) and RTMAX-n (n 1..14), as containers/common names them. */
static int rt_signal(const char *s)
{
	char name[16];

	for (int n = 1; n <= 15; n++) {
		snprintf(name, sizeof(name), "RTMIN+%d", n);
		if (str_eq(s, name))
			return 34 + n;
		snprintf(name, sizeof(name), "RTMAX-%d", n);
		if (n <= 14 && str_eq(s, name))
			return 64 - n;
	}
	return -1;
}

int cli_parse_signal(const char *s, int *ret, cpod_error **err)
{
	const char *base = s[0] == '-' ? s + 1 : s;
	_cleanup_free_ char *up = xstrdup(base);
	const char *name = up;
	long long n;
	bool range;
	int sig = -1;

	if (go_atoi(base, &n, &range) || range) {
		if (range || n == 0)
			return sg_invalid(err, "invalid signal: %s", base);
		if (n < 1 || n > 64)
			return sg_invalid(err, "valid signals are 1 through 64");
		*ret = (int)n;
		return 0;
	}
	for (char *p = up; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (str_has_prefix(name, "SIG"))
		name += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals) && sig < 0; i++)
		if (str_eq(signals[i].name, name))
			sig = signals[i].num;
	if (sig < 0)
		sig = rt_signal(name);
	if (sig < 0)
		return sg_invalid(err, "invalid signal: %s", base);
	*ret = sig;
	return 0;
}

int cli_read_cidfile(const char *path, char **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	char es[128];

	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) < 0)
		return sg_invalid(err, "reading CIDFile: open %s: %s", path,
				  sg_errno_str(errno, es, sizeof(es)));
	*ret = xstrndup(b.s, strcspn(b.s, "\n"));
	return 0;
}

/* ---- environment and labels ---- */

/* KEY* : every host variable whose name starts with KEY. */
static void env_glob(json_object *map, const char *prefix)
{
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *k = NULL;

		if (!eq || !str_has_prefix(*e, prefix))
			continue;
		k = xstrndup(*e, (size_t)(eq - *e));
		sgj_str(map, k, eq + 1);
	}
}

/* One KEY=VALUE (or KEY, KEY*) of -e, --env-file or --label-file, as podman's parseEnv and
 * parseEnvOrLabel read it; label: the label-file rules (no spaces in names, a lone KEY is
 * dropped). */
static int parse_env_line(json_object *map, const char *line, bool label, cpod_error **err)
{
	const char *eq = strchr(line, '=');
	size_t klen = eq ? (size_t)(eq - line) : strlen(line);
	_cleanup_free_ char *name = NULL;
	const char *n = line;

	if (klen == 0) {
		_cleanup_free_ char *q = sg_goq(line);

		return sg_invalid(err, "invalid environment variable: %s", q);
	}
	while (n < line + klen && (*n == ' ' || *n == '\t'))
		n++;
	name = xstrndup(n, klen - (size_t)(n - line));
	if (label && strpbrk(name, " \t")) {
		_cleanup_free_ char *q = sg_goq(name);

		return sg_invalid(err, "name %s has white spaces, poorly formatted name", q);
	}
	if (eq) {
		sgj_str(map, name, eq + 1);
	} else if (*name && name[strlen(name) - 1] == '*') {
		name[strlen(name) - 1] = '\0';
		env_glob(map, name);
	} else if (!label && getenv(name)) {
		sgj_str(map, name, getenv(name));
	}
	return 0;
}

/* The lines of an env or label file: leading blanks trimmed, empty lines and # comments
 * skipped, a trailing \r dropped (Go's bufio.ScanLines). */
static int parse_env_file(json_object *map, const char *path, bool label, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	char es[128];

	buf_init(&b, 64 << 20);
	if (buf_read_file(&b, path) < 0)
		return sg_invalid(err, "open %s: %s", path, sg_errno_str(errno, es, sizeof(es)));
	for (char *line = b.s; line < b.s + b.len;) {
		char *nl = memchr(line, '\n', (size_t)(b.s + b.len - line));
		char *end = nl ? nl : b.s + b.len;

		if (end - line > 65535)
			return sg_invalid(err, "bufio.Scanner: token too long");
		*end = '\0';
		if (end > line && end[-1] == '\r')
			end[-1] = '\0';
		line += strspn(line, " \t");
		if (*line && *line != '#' && parse_env_line(map, line, label, err) < 0)
			return -1;
		line = end + 1;
	}
	return 0;
}

static int add_env(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *env = json_object_new_object();

	for (size_t i = 0; i < o->env_file.n; i++)
		if (parse_env_file(env, o->env_file.v[i], false, err) < 0) {
			_cleanup_free_ char *q = sg_goq(o->env_file.v[i]);

			return cpod_err_prefix(err, "parsing env file %s", q);
		}
	for (size_t i = 0; i < o->env.n; i++)
		if (parse_env_line(env, o->env.v[i], false, err) < 0)
			return -1;
	if (json_object_object_length(env))
		json_object_object_add(sg, "env", json_object_get(env));
	if (o->env_host)
		sgj_bool(sg, "env_host", true);
	if (o->unsetenv.n)
		sgj_strv(sg, "unsetenv", &o->unsetenv);
	if (o->unsetenv_all)
		sgj_bool(sg, "unsetenvall", true);
	return 0;
}

static int add_labels(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *labels = json_object_new_object();
	const char *unit = getenv("PODMAN_SYSTEMD_UNIT");

	for (size_t i = 0; i < o->label_file.n; i++)
		if (parse_env_file(labels, o->label_file.v[i], true, err) < 0)
			return cpod_err_prefix(err, "unable to process labels");
	for (size_t i = 0; i < o->label.n; i++) {
		const char *l = o->label.v[i], *eq = strchr(l, '=');
		_cleanup_free_ char *key = xstrndup(l, eq ? (size_t)(eq - l) : strlen(l));

		if (!*key) {
			_cleanup_free_ char *q = sg_goq(l);

			return sg_invalid(err, "unable to process labels: invalid label format: %s",
					  q);
		}
		sgj_str(labels, key, eq ? eq + 1 : "");
	}
	if (unit)
		sgj_str(labels, "PODMAN_SYSTEMD_UNIT", unit);
	if (json_object_object_length(labels))
		json_object_object_add(sg, "labels", json_object_get(labels));
	return 0;
}

/* podman always sets the CRI-O TTY annotation; then the user's, then keep-groups. */
static int add_annotations(json_object *sg, const struct cli_create_opts *o, bool keep_groups,
			   cpod_error **err)
{
	json_object *ann = sgj_member(sg, "annotations");

	sgj_str(ann, "io.kubernetes.cri-o.TTY", o->tty ? "true" : "false");
	for (size_t i = 0; i < o->annotation.n; i++) {
		const char *a = o->annotation.v[i], *eq = strchr(a, '=');
		_cleanup_free_ char *key = NULL;

		if (!eq)
			return sg_invalid(err, "annotations must be formatted KEY=VALUE");
		key = xstrndup(a, (size_t)(eq - a));
		sgj_str(ann, key, eq + 1);
	}
	if (keep_groups)
		sgj_str(ann, "run.oci.keep_original_groups", "1");
	return 0;
}

/* ---- the process ---- */

/* --entrypoint: a JSON array of strings, else the whole value as one element. */
static void add_entrypoint(json_object *sg, const char *value)
{
	json_object *parsed = json_tokener_parse(value);
	json_object *arr = json_object_new_array();
	bool ok = json_object_is_type(parsed, json_type_array);

	for (size_t i = 0; ok && i < json_object_array_length(parsed); i++)
		ok = json_object_is_type(json_object_array_get_idx(parsed, i), json_type_string);
	if (ok) {
		for (size_t i = 0; i < json_object_array_length(parsed); i++)
			json_object_array_add(
				arr, json_object_get(json_object_array_get_idx(parsed, i)));
	} else {
		json_object_array_add(arr, json_object_new_string(value));
	}
	json_object_put(parsed);
	json_object_object_add(sg, "entrypoint", arr);
}

/* --group-add: keep-groups alone becomes an annotation. */
static int add_groups(json_object *sg, const struct cli_create_opts *o, bool *keep_groups,
		      cpod_error **err)
{
	_cleanup_strv_ strv groups = STRV_INIT;

	*keep_groups = false;
	for (size_t i = 0; i < o->group_add.n; i++) {
		if (!str_eq(o->group_add.v[i], "keep-groups")) {
			strv_push(&groups, o->group_add.v[i]);
			continue;
		}
		if (o->group_add.n > 1)
			return sg_invalid(err, "the '--group-add keep-groups' option is not "
					       "allowed "
					       "with any other --group-add options");
		*keep_groups = true;
	}
	if (groups.n)
		sgj_strv(sg, "groups", &groups);
	return 0;
}

static bool umask_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 4 && strspn(s, "01234567") == n;
}

static int add_process(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		       cpod_error **err)
{
	if (o->workdir && *o->workdir)
		sgj_str(sg, "work_dir", o->workdir);
	if (o->user && *o->user)
		sgj_str(sg, "user", o->user);
	if (o->umask) {
		if (!umask_valid(o->umask))
			return sg_invalid(err, "invalid umask string %s: invalid argument",
					  o->umask);
		sgj_str(sg, "umask", o->umask);
	}
	if (o->tty)
		sgj_bool(sg, "terminal", true);
	if (o->interactive)
		sgj_bool(sg, "stdin", true);
	if (given(set, "entrypoint"))
		add_entrypoint(sg, o->entrypoint ? o->entrypoint : "");
	if (o->init)
		sgj_bool(sg, "init", true);
	if (o->init_path && *o->init_path)
		sgj_str(sg, "init_path", o->init_path);
	if (o->stop_signal && *o->stop_signal) {
		int sig;

		if (cli_parse_signal(o->stop_signal, &sig, err) < 0)
			return -1;
		sgj_int(sg, "stop_signal", sig);
	}
	if (given(set, "stop-timeout"))
		sgj_uint(sg, "stop_timeout", o->stop_timeout);
	if (o->timeout)
		sgj_uint(sg, "timeout", o->timeout);
	return 0;
}

/* --restart POLICY[:RETRIES]. */
static int add_restart(json_object *sg, const char *restart, cpod_error **err)
{
	static const char *const policies[] = { "",  "no", "on-failure", "always", "unless-stopped",
						NULL };
	_cleanup_strv_free_ char **parts = strv_split(restart, ":", 0);
	size_t n = strv_length(parts);
	long long retries;
	bool range;

	if (n > 2)
		return sg_invalid(err, "invalid restart policy: may specify retries at most once");
	if (n == 2) {
		if (strcasecmp(parts[0], "on-failure") != 0)
			return sg_invalid(err, "restart policy retries can only be specified with "
					       "on-failure restart policy");
		if (!go_atoi(parts[1], &retries, &range)) {
			_cleanup_free_ char *q = sg_goq(parts[1]);

			return sg_invalid(err,
					  "parsing restart policy retry count: strconv.Atoi: "
					  "parsing %s: %s",
					  q, range ? "value out of range" : "invalid syntax");
		}
		if (retries < 0)
			return sg_invalid(err, "must specify restart policy retry count as a "
					       "number "
					       "greater than 0");
	}
	if (!strv_contains((const char *const *)policies, parts[0])) {
		_cleanup_free_ char *q = sg_goq(parts[0]);

		return sg_invalid(err, "%s is not a valid restart policy: invalid argument", q);
	}
	sgj_str(sg, "restart_policy", parts[0]);
	if (n == 2)
		sgj_uint(sg, "restart_tries", (unsigned long long)retries);
	return 0;
}

/* ---- logging ---- */

static int add_log(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *log = json_object_new_object();
	json_object *opts = json_object_new_object();

	json_object_object_add(log, "options", opts);
	if (o->log_driver && *o->log_driver)
		sgj_str(log, "driver", o->log_driver);
	for (size_t i = 0; i < o->log_opt.n; i++) {
		const char *opt = o->log_opt.v[i], *eq = strchr(opt, '=');
		_cleanup_free_ char *key = NULL;
		int64_t size;

		if (!eq) {
			_cleanup_free_ char *q = sg_goq(opt);

			return sg_invalid(err, "invalid log option %s", q);
		}
		key = xstrndup(opt, (size_t)(eq - opt));
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (str_eq(key, "driver")) {
			sgj_str(log, "driver", eq + 1);
		} else if (str_eq(key, "path")) {
			sgj_str(log, "path", eq + 1);
		} else if (str_eq(key, "max-size")) {
			if (units_from_human_size(eq + 1, &size, err) < 0)
				return -1;
			sgj_int(log, "size", size);
		} else {
			_cleanup_free_ char *orig = xstrndup(opt, (size_t)(eq - opt));

			sgj_str(opts, orig, eq + 1);
		}
	}
	if (!json_object_object_length(opts))
		json_object_object_del(log, "options");
	if (json_object_object_length(log))
		json_object_object_add(sg, "log_configuration", json_object_get(log));
	return 0;
}

/* ---- the top ---- */

/* What CreateInit and validate() check before anything else. */
static int check_conflicts(const struct cli_create_opts *o, const cli_optset *set, cpod_error **err)
{
	cli_pull_policy pull;

	if (given(set, "cpu-period") && given(set, "cpus"))
		return sg_invalid(err, "--cpu-period and --cpus cannot be set together");
	if (given(set, "cpu-quota") && given(set, "cpus"))
		return sg_invalid(err, "--cpu-quota and --cpus cannot be set together");
	if (o->rm && o->restart && *o->restart && !str_eq(o->restart, "no") &&
	    !str_eq(o->restart, "on-failure"))
		return sg_invalid(err, "the --rm option conflicts with --restart, when the "
				       "restartPolicy is not \"\" and \"no\"");
	if (cli_parse_pull_policy(o->pull, &pull, err) < 0)
		return -1;
	if (given(set, "image-volume") && o->image_volume && *o->image_volume &&
	    !str_eq(o->image_volume, "bind") && !str_eq(o->image_volume, "tmpfs") &&
	    !str_eq(o->image_volume, "ignore"))
		return sg_invalid(err,
				  "invalid image volume mode \"%s\" required value: bind, "
				  "tmpfs, ignore",
				  o->image_volume);
	if (given(set, "kernel-memory"))
		log_warn("The --kernel-memory flag is no longer supported. This flag is a noop.");
	return 0;
}

static int check_values(const struct cli_create_opts *o, const cli_optset *set, cpod_error **err)
{
	static const char *const systemd[] = { "true", "false", NULL };
	_cleanup_free_ char *sd = xstrdup(o->systemd ? o->systemd : "true");

	for (char *p = sd; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (str_eq(sd, "always"))
		return cli_not_supported(err, "systemd=always");
	if (!strv_contains(systemd, sd))
		return sg_invalid(err, "--systemd values must be one of \"true, false, always\": "
				       "invalid configuration");
	if (o->sdnotify && !str_eq(o->sdnotify, "") && !str_eq(o->sdnotify, "container") &&
	    !str_eq(o->sdnotify, "conmon") && !str_eq(o->sdnotify, "ignore"))
		return sg_invalid(err,
				  "invalid argument: invalid sdnotify value \"%s\": must be "
				  "container, conmon or ignore",
				  o->sdnotify);
	return 0;
}

static void add_basics(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		       int argc, char *const *argv, const char *const *create_command)
{
	sgj_str(sg, o->rootfs ? "rootfs" : "image", argv[0]);
	if (argc > 1)
		json_object_object_add(sg, "command", sgj_array(argv + 1, (size_t)argc - 1));
	if (o->name && *o->name)
		sgj_str(sg, "name", o->name);
	if (o->hostname && *o->hostname)
		sgj_str(sg, "hostname", o->hostname);
	if (o->rm)
		sgj_bool(sg, "remove", true);
	if (o->privileged)
		sgj_bool(sg, "privileged", true);
	if (o->read_only) {
		sgj_bool(sg, "read_only_filesystem", true);
		sgj_bool(sg, "read_write_tmpfs", o->read_only_tmpfs);
	}
	if (o->cap_add.n)
		sgj_strv(sg, "cap_add", &o->cap_add);
	if (o->cap_drop.n)
		sgj_strv(sg, "cap_drop", &o->cap_drop);
	if (o->cgroup_parent && *o->cgroup_parent)
		sgj_str(sg, "cgroup_parent", o->cgroup_parent);
	if (o->conmon_pidfile && *o->conmon_pidfile)
		sgj_str(sg, "conmon_pid_file", o->conmon_pidfile);
	if (o->cidfile && *o->cidfile) {
		sgj_str(sg, "cidfile", o->cidfile);
		sgj_str(sgj_member(sg, "annotations"), "io.podman.annotations.cid-file",
			o->cidfile);
	}
	if (given(set, "sdnotify") && o->sdnotify && *o->sdnotify)
		sgj_str(sg, "sdnotifyMode", o->sdnotify);
	if (given(set, "http-proxy"))
		sgj_bool(sg, "httpproxy", o->http_proxy);
	if (given(set, "image-volume"))
		sgj_str(sg, "image_volume_mode", o->image_volume);
	sgj_str(sg, "pull_policy", o->pull && *o->pull ? o->pull : "missing");
	if (create_command)
		json_object_object_add(sg, "containerCreateCommand",
				       sgj_array((char *const *)create_command,
						 strv_length((char *const *)create_command)));
}

int cli_specgen_build(const struct cli_create_opts *o, const cli_optset *set, int argc,
		      char *const *argv, const char *const *create_command, json_object **ret,
		      cpod_error **err)
{
	_cleanup_json_ json_object *sg = json_object_new_object();
	bool keep_groups;

	if (argc < 1)
		return sg_invalid(err, "requires at least 1 arg(s), only received 0");
	if (check_unsupported(o, set, err) < 0 || check_conflicts(o, set, err) < 0 ||
	    check_values(o, set, err) < 0)
		return -1;
	add_basics(sg, o, set, argc, argv, create_command);
	if (add_process(sg, o, set, err) < 0 || add_groups(sg, o, &keep_groups, err) < 0 ||
	    add_env(sg, o, err) < 0 || add_labels(sg, o, err) < 0 ||
	    add_annotations(sg, o, keep_groups, err) < 0)
		return -1;
	if (o->restart && *o->restart && add_restart(sg, o->restart, err) < 0)
		return -1;
	if (add_log(sg, o, err) < 0 || sg_add_security(sg, o, set, err) < 0 ||
	    sg_add_resources(sg, o, set, err) < 0 || sg_add_namespaces(sg, o, set, err) < 0 ||
	    sg_add_mounts(sg, o, err) < 0)
		return -1;
	*ret = TAKE_PTR(sg);
	return 0;
}
