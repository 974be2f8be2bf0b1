/* The security, resource and namespace parts of the container description, as podman 4.3's
 * FillOutSpecGen, GetResources, setNamespaces and NetFlagsToNetOptions build them. */
#include "specgen_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* Appends the strings of value split at sep to the array member key. */
static void append_split(json_object *sg, const char *key, const char *value, const char *sep)
{
	_cleanup_strv_free_ char **parts = strv_split(value, sep, 0);
	json_object *arr;

	if (!json_object_object_get_ex(sg, key, &arr)) {
		arr = json_object_new_array();
		json_object_object_add(sg, key, arr);
	}
	for (char **p = parts; *p; p++)
		json_object_array_add(arr, json_object_new_string(*p));
}

/* Go's strconv.ParseBool. */
static int go_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

	if (strv_contains(yes, s))
		*ret = true;
	else if (strv_contains(no, s))
		*ret = false;
	else
		return -1;
	return 0;
}

static int bad_security_opt(cpod_error **err, int which, const char *opt)
{
	_cleanup_free_ char *q = sg_goq(opt);

	return sg_invalid(err, "invalid --security-opt %d: %s", which, q);
}

/* One --security-opt: KEY=VALUE (or Docker's deprecated KEY:VALUE). */
static int security_opt(json_object *sg, const char *opt, cpod_error **err)
{
	const char *sep = strchr(opt, '=') ? strchr(opt, '=') : strchr(opt, ':');
	_cleanup_free_ char *key = NULL;
	const char *value;
	bool b;

	if (str_eq(opt, "no-new-privileges")) {
		sgj_bool(sg, "no_new_privileges", true);
		return 0;
	}
	if (!sep)
		return bad_security_opt(err, 1, opt);
	key = xstrndup(opt, (size_t)(sep - opt));
	value = sep + 1;
	if (str_eq(key, "apparmor") || str_eq(key, "label")) {
		/* No AppArmor or SELinux support: podman ignores them on such hosts too. */
		log_debug("ignoring --security-opt %s", opt);
	} else if (str_eq(key, "mask")) {
		append_split(sg, "mask", value, ":");
	} else if (str_eq(key, "unmask")) {
		append_split(sg, "unmask", value, ":");
	} else if (str_eq(key, "proc-opts")) {
		return cli_not_supported(err, "security-opt proc-opts");
	} else if (str_eq(key, "seccomp")) {
		sgj_str(sg, "seccomp_profile_path", value);
	} else if (str_eq(key, "systempaths")) {
		if (!str_eq(value, "unconfined")) {
			_cleanup_free_ char *q = sg_goq(value);

			return sg_invalid(err,
					  "invalid systempaths option %s, only `unconfined` is "
					  "supported",
					  q);
		}
		append_split(sg, "unmask", "ALL", ":");
	} else if (str_eq(key, "no-new-privileges")) {
		if (go_parse_bool(value, &b) < 0)
			return bad_security_opt(err, 2, opt);
		sgj_bool(sg, "no_new_privileges", b);
	} else {
		return bad_security_opt(err, 2, opt);
	}
	return 0;
}

/* Go's TrimSpace would change s. */
static bool edge_space(const char *s)
{
	return *s && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1]));
}

/* util.ValidateSysctls: namespaced sysctls only, no stray spaces. */
static int add_sysctls(json_object *sg, const strv *sysctls, cpod_error **err)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb",	   "kernel.msgmni",
		"kernel.sem",	 "kernel.shmall",	   "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL
	};
	_cleanup_json_ json_object *map = json_object_new_object();

	for (size_t i = 0; i < sysctls->n; i++) {
		const char *val = sysctls->v[i];
		_cleanup_strv_free_ char **arr = strv_split(val, "=", 0);
		_cleanup_free_ char *trimmed = NULL;

		if (strv_length(arr) < 2)
			return sg_invalid(err,
					  "%s is invalid, sysctl values must be in the form of "
					  "KEY=VALUE",
					  val);
		trimmed = xasprintf("%s=%s", arr[0], arr[1]);
		if (!str_eq(trimmed, val) || edge_space(arr[0]) || edge_space(arr[1]))
			return sg_invalid(err, "'%s' is invalid, extra spaces found", val);
		if (!strv_contains(ipc, arr[0]) && !str_has_prefix(arr[0], "net.") &&
		    !str_has_prefix(arr[0], "fs.mqueue."))
			return sg_invalid(err, "sysctl '%s' is not allowed", arr[0]);
		sgj_str(map, arr[0], strchr(val, '=') + 1);
	}
	if (sysctls->n)
		json_object_object_add(sg, "sysctl", json_object_get(map));
	return 0;
}

static const char *const ulimit_names[] = { "core",   "cpu",	    "data",	"fsize",
					    "locks",  "memlock",    "msgqueue", "nice",
					    "nofile", "nproc",	    "rss",	"rtprio",
					    "rttime", "sigpending", "stack",	NULL };

/* Go's strconv.ParseInt(s, 10, 64), with its error. */
static int parse_int64(const char *s, long long *ret, cpod_error **err)
{
	_cleanup_free_ char *q = sg_goq(s);
	const char *p = s + (*s == '+' || *s == '-');
	char *end;

	if (!*p || strspn(p, "0123456789") != strlen(p))
		return sg_invalid(err, "strconv.ParseInt: parsing %s: invalid syntax", q);
	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return sg_invalid(err, "strconv.ParseInt: parsing %s: value out of range", q);
	return 0;
}

/* go-units ParseUlimit: name=soft[:hard]. */
static int parse_ulimit(const char *val, json_object **ret, cpod_error **err)
{
	const char *eq = strchr(val, '=');
	_cleanup_free_ char *name = NULL;
	_cleanup_strv_free_ char **lim = NULL;
	long long soft, hard;
	json_object *rl;

	if (!eq)
		return sg_invalid(err, "invalid ulimit argument: %s", val);
	name = xstrndup(val, (size_t)(eq - val));
	if (!strv_contains(ulimit_names, name))
		return sg_invalid(err, "invalid ulimit type: %s", name);
	lim = strv_split(eq + 1, ":", 0);
	if (strv_length(lim) > 2)
		return sg_invalid(err,
				  "too many limit value arguments - %s, can only have up to "
				  "two, `soft[:hard]`",
				  eq + 1);
	if (lim[1] && parse_int64(lim[1], &hard, err) < 0)
		return -1;
	if (parse_int64(lim[0], &soft, err) < 0)
		return -1;
	if (!lim[1])
		hard = soft;
	if (hard != -1 && soft == -1)
		return sg_invalid(err,
				  "ulimit soft limit must be less than or equal to hard limit: "
				  "soft: -1 (unlimited), hard: %lld",
				  hard);
	if (hard != -1 && soft > hard)
		return sg_invalid(err,
				  "ulimit soft limit must be less than or equal to hard limit: "
				  "%lld > %lld",
				  soft, hard);
	rl = json_object_new_object();
	sgj_str(rl, "type", name);
	/* podman's POSIXRlimit holds uint64: -1 (unlimited) is 2^64-1. */
	sgj_uint(rl, "hard", (unsigned long long)hard);
	sgj_uint(rl, "soft", (unsigned long long)soft);
	*ret = rl;
	return 0;
}

/* --ulimit; "host" drops every limit given (podman sets none of its own then). */
static int add_ulimits(json_object *sg, const strv *ulimits, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();

	for (size_t i = 0; i < ulimits->n; i++) {
		json_object *rl = NULL;

		if (str_eq(ulimits->v[i], "host")) {
			json_object_put(arr);
			arr = json_object_new_array();
			break;
		}
		if (parse_ulimit(ulimits->v[i], &rl, err) < 0) {
			_cleanup_free_ char *q = sg_goq(ulimits->v[i]);

			return cpod_err_prefix(err,
					       "ulimit option %s requires name=SOFT:HARD, "
					       "failed to be parsed",
					       q);
		}
		json_object_array_add(arr, rl);
	}
	if (ulimits->n)
		json_object_object_add(sg, "r_limits", json_object_get(arr));
	return 0;
}

static bool device_mode_valid(const char *m)
{
	bool seen[3] = { false, false, false };

	if (!*m)
		return false;
	for (; *m; m++) {
		const char *p = strchr("rwm", *m);

		if (!p || seen[p - "rwm"])
			return false;
		seen[p - "rwm"] = true;
	}
	return true;
}

/* containers/common parse.Device: SRC[:DST][:PERMS]. */
static int check_device(const char *dev, cpod_error **err)
{
	_cleanup_strv_free_ char **arr = strv_split(dev, ":", 0);
	size_t n = strv_length(arr);

	if (n > 3)
		return sg_invalid(err, "invalid device specification: %s", dev);
	if (n == 3 && !device_mode_valid(arr[2]))
		return sg_invalid(err, "invalid device mode: %s", arr[2]);
	if (n >= 2 && !device_mode_valid(arr[1]) && arr[1][0] != '/')
		return sg_invalid(err, "invalid device mode: %s", arr[1]);
	if (!*arr[0])
		return sg_invalid(err, "invalid device specification: %s", dev);
	return 0;
}

/* Go's strconv.ParseUint(s, 10, 64) error for a device number. */
static int parse_dev_number(const char *s, long long *ret, cpod_error **err)
{
	_cleanup_free_ char *q = sg_goq(s);
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return sg_invalid(err, "strconv.ParseUint: parsing %s: invalid syntax", q);
	errno = 0;
	*ret = (long long)strtoull(s, &end, 10);
	if (errno == ERANGE || *ret < 0)
		return sg_invalid(err, "strconv.ParseUint: parsing %s: value out of range", q);
	return 0;
}

/* --device-cgroup-rule "TYPE MAJOR:MINOR ACCESS" (type a|b|c, * for any number, access
 * made of r, w, m). */
static int parse_cgroup_rule(const char *rule, json_object **ret, cpod_error **err)
{
	_cleanup_strv_free_ char **v = strv_split(rule, " ", 0);
	_cleanup_json_ json_object *o = json_object_new_object();
	char *minor;
	long long n;

	if (strv_length(v) != 3) {
		_cleanup_free_ char *q = sg_goq(rule);

		return sg_invalid(err,
				  "invalid device cgroup rule requires type, major:Minor, and "
				  "access rules: %s",
				  q);
	}
	if (!str_eq(v[0], "a") && !str_eq(v[0], "b") && !str_eq(v[0], "c"))
		return sg_invalid(err, "invalid device type in device-access-add: %s", v[0]);
	sgj_bool(o, "allow", true);
	sgj_str(o, "type", v[0]);
	minor = strchr(v[1], ':');
	if (minor)
		*minor++ = '\0';
	if (!str_eq(v[1], "*")) {
		if (parse_dev_number(v[1], &n, err) < 0)
			return -1;
		sgj_int(o, "major", n);
	}
	if (minor && !str_eq(minor, "*")) {
		if (parse_dev_number(minor, &n, err) < 0)
			return -1;
		sgj_int(o, "minor", n);
	}
	for (const char *c = v[2]; *c; c++)
		if (!strchr("rwm", *c))
			return sg_invalid(err, "invalid device access in device-access-add: %c",
					  *c);
	sgj_str(o, "access", v[2]);
	*ret = TAKE_PTR(o);
	return 0;
}

static int add_devices(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	json_object *arr;

	if (o->device.n) {
		arr = sgj_array(NULL, 0);
		json_object_object_add(sg, "devices", arr);
		for (size_t i = 0; i < o->device.n; i++) {
			json_object *d = json_object_new_object();

			if (check_device(o->device.v[i], err) < 0) {
				json_object_put(d);
				return -1;
			}
			sgj_str(d, "path", o->device.v[i]);
			json_object_array_add(arr, d);
		}
	}
	if (o->device_cgroup_rule.n) {
		arr = sgj_array(NULL, 0);
		json_object_object_add(sg, "device_cgroup_rule", arr);
		for (size_t i = 0; i < o->device_cgroup_rule.n; i++) {
			json_object *r = NULL;

			if (parse_cgroup_rule(o->device_cgroup_rule.v[i], &r, err) < 0)
				return -1;
			json_object_array_add(arr, r);
		}
	}
	return 0;
}

int sg_add_security(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		    cpod_error **err)
{
	for (size_t i = 0; i < o->security_opt.n; i++)
		if (security_opt(sg, o->security_opt.v[i], err) < 0)
			return -1;
	if (add_sysctls(sg, &o->sysctl, err) < 0 || add_ulimits(sg, &o->ulimit, err) < 0 ||
	    add_devices(sg, o, err) < 0)
		return -1;
	if (cli_opt_changed(set, "oom-score-adj"))
		sgj_int(sg, "oom_score_adj", o->oom_score_adj);
	return 0;
}

/* ---- resources ---- */

/* A size option; the error names the option as pflag does for a bad value (podman itself
 * says only "invalid value for memory"). */
static int ram(const char *s, int64_t *ret, const char *flag, cpod_error **err)
{
	_cleanup_free_ char *q = NULL;

	if (units_ram_in_bytes(s, ret, err) == 0)
		return 0;
	q = sg_goq(s);
	return cpod_err_prefix(err, "invalid argument %s for \"%s\" flag", q, flag);
}

static int memory_limits(json_object *res, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *mem = json_object_new_object();
	bool has = false;
	int64_t v;

	if (o->memory && *o->memory) {
		if (ram(o->memory, &v, "-m, --memory", err) < 0)
			return -1;
		if (v > 0) {
			sgj_int(mem, "limit", v);
			if (!o->memory_swap || !*o->memory_swap)
				sgj_int(mem, "swap", v * 2);
		}
		has = true;
	}
	if (o->memory_reservation && *o->memory_reservation) {
		if (ram(o->memory_reservation, &v, "--memory-reservation", err) < 0)
			return -1;
		sgj_int(mem, "reservation", v);
		has = true;
	}
	if (o->memory_swap && *o->memory_swap && !str_eq(o->memory_swap, "-1")) {
		if (ram(o->memory_swap, &v, "--memory-swap", err) < 0)
			return -1;
		sgj_int(mem, "swap", v);
		has = true;
	}
	if (o->memory_swappiness >= 0) {
		sgj_int(mem, "swappiness", o->memory_swappiness);
		has = true;
	}
	if (has)
		json_object_object_add(res, "memory", json_object_get(mem));
	return 0;
}

/* --cpus is a float64 flag in podman: its errors are pflag's. */
static int parse_cpus(const char *s, double *ret, cpod_error **err)
{
	_cleanup_free_ char *q = sg_goq(s);
	char *end;

	errno = 0;
	*ret = strtod(s, &end);
	if (!*s || *end || isspace((unsigned char)*s) || strpbrk(s, "xXpP"))
		return sg_invalid(err,
				  "invalid argument %s for \"--cpus\" flag: "
				  "strconv.ParseFloat: parsing %s: invalid syntax",
				  q, q);
	if (errno == ERANGE && fabs(*ret) > 1)
		return sg_invalid(err,
				  "invalid argument %s for \"--cpus\" flag: "
				  "strconv.ParseFloat: parsing %s: value out of range",
				  q, q);
	return 0;
}

static int cpu_limits(json_object *res, const struct cli_create_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *cpu = json_object_new_object();
	double cpus = 0;

	if (o->cpus && parse_cpus(o->cpus, &cpus, err) < 0)
		return -1;
	if (cpus > 0) {
		/* CoresToPeriodAndQuota: a 100ms period. */
		sgj_int(cpu, "period", 100000);
		sgj_int(cpu, "quota", (int64_t)(cpus * 100000.0));
	}
	if (o->cpu_shares > 0)
		sgj_uint(cpu, "shares", o->cpu_shares);
	if (o->cpu_period > 0)
		sgj_uint(cpu, "period", o->cpu_period);
	if (o->cpuset_cpus && *o->cpuset_cpus)
		sgj_str(cpu, "cpus", o->cpuset_cpus);
	if (o->cpuset_mems && *o->cpuset_mems)
		sgj_str(cpu, "mems", o->cpuset_mems);
	if (o->cpu_quota > 0)
		sgj_int(cpu, "quota", o->cpu_quota);
	if (json_object_object_length(cpu))
		json_object_object_add(res, "cpu", json_object_get(cpu));
	return 0;
}

static int other_limits(json_object *res, const struct cli_create_opts *o, const cli_optset *set,
			cpod_error **err)
{
	if (cli_opt_changed(set, "pids-limit")) {
		/* -1 means unlimited, which the runtime spells 0; podman parses it as int32. */
		long long v = o->pids_limit == -1 ? 0 : o->pids_limit;

		if (v < INT32_MIN || v > INT32_MAX)
			return sg_invalid(
				err, "strconv.ParseInt: parsing \"%lld\": value out of range", v);
		sgj_int(sgj_member(res, "pids"), "limit", v);
	}
	if (o->blkio_weight && *o->blkio_weight) {
		const char *b = o->blkio_weight;
		_cleanup_free_ char *q = sg_goq(b);
		unsigned long long w;

		if (strspn(b, "0123456789") != strlen(b))
			return sg_invalid(err,
					  "invalid value for blkio-weight: strconv.ParseUint: "
					  "parsing %s: invalid syntax",
					  q);
		errno = 0;
		w = strtoull(b, NULL, 10);
		if (errno == ERANGE || w > UINT16_MAX)
			return sg_invalid(err,
					  "invalid value for blkio-weight: strconv.ParseUint: "
					  "parsing %s: value out of range",
					  q);
		sgj_int(sgj_member(res, "blockIO"), "weight", (int64_t)w);
	}
	return 0;
}

int sg_add_resources(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		     cpod_error **err)
{
	_cleanup_json_ json_object *res = json_object_new_object();

	if (memory_limits(res, o, err) < 0 || cpu_limits(res, o, err) < 0 ||
	    other_limits(res, o, set, err) < 0)
		return -1;
	if (json_object_object_length(res))
		json_object_object_add(sg, "resource_limits", json_object_get(res));
	return 0;
}

/* ---- namespaces and network ---- */

/* specgen.ParseNamespace (ipc: ParseIPCNamespace): *ret_mode is a static string, *ret_value
 * points into ns. */
static int parse_namespace(const char *opt, const char *ns, bool ipc, const char **ret_mode,
			   const char **ret_value, cpod_error **err)
{
	*ret_value = NULL;
	if (ipc && (str_eq(ns, "shareable") || !*ns))
		*ret_mode = "shareable";
	else if (ipc && str_eq(ns, "none"))
		*ret_mode = "none";
	else if (str_eq(ns, "pod"))
		return sg_invalid(err, "option --%s=pod is not supported yet", opt);
	else if (str_eq(ns, "host"))
		*ret_mode = "host";
	else if (str_eq(ns, "private") || !*ns)
		*ret_mode = "private";
	else if (str_has_prefix(ns, "ns:"))
		*ret_mode = "path", *ret_value = ns + 3;
	else if (str_has_prefix(ns, "container:"))
		*ret_mode = "container", *ret_value = ns + 10;
	else
		return sg_invalid(err, "unrecognized namespace mode %s passed", ns);
	if (str_eq(*ret_mode, "path") && !**ret_value)
		return sg_invalid(err, "must provide a path to a namespace when specifying "
				       "\"ns:\"");
	if (str_eq(*ret_mode, "container") && !**ret_value)
		return sg_invalid(err, "must provide name or ID or a container when specifying "
				       "\"container:\"");
	return 0;
}

static void add_ns(json_object *sg, const char *key, const char *mode, const char *value)
{
	json_object *ns = json_object_new_object();

	sgj_str(ns, "nsmode", mode);
	if (value && *value)
		sgj_str(ns, "value", value);
	json_object_object_add(sg, key, ns);
}

static int ns_option(json_object *sg, const char *opt, const char *key, const char *value, bool ipc,
		     const char **ret_mode, cpod_error **err)
{
	const char *mode = NULL, *v = NULL;

	*ret_mode = NULL;
	if (!value || !*value)
		return 0;
	if (parse_namespace(opt, value, ipc, &mode, &v, err) < 0)
		return -1;
	add_ns(sg, key, mode, v);
	*ret_mode = mode;
	return 0;
}

/* --network: none, host, ns:PATH and container:ID; "", default and private leave the
 * library's default; the rest needs networking, which cpod does not have yet. */
static int network_mode(json_object *sg, const strv *networks, const char **ret_mode,
			cpod_error **err)
{
	const char *ns = networks->n ? networks->v[0] : "";
	const char *mode, *value = NULL;

	*ret_mode = NULL;
	if (!*ns || str_eq(ns, "default") || str_eq(ns, "private"))
		return 0;
	if (str_eq(ns, "none") || str_eq(ns, "host")) {
		mode = ns;
	} else if (str_has_prefix(ns, "ns:")) {
		mode = "path", value = ns + 3;
		if (!*value)
			return sg_invalid(err, "must provide a path to a namespace when specifying "
					       "\"ns:\"");
	} else if (str_has_prefix(ns, "container:")) {
		mode = "container", value = ns + 10;
		if (!*value)
			return sg_invalid(err, "must provide name or ID or a container when "
					       "specifying \"container:\"");
	} else {
		return sg_invalid(err, "option --network=%s is not supported yet", ns);
	}
	add_ns(sg, "netns", mode, value);
	*ret_mode = mode;
	return 0;
}

static bool is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* parse.ValidateDomain; its regular expression as podman has it, "(:?" slips included. */
static bool domain_valid(const char *d)
{
	static const char re_src[] = "^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))"
				     "(:?\\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))"
				     ")*)"
				     "\\.?[[:space:]]*$";
	regmatch_t m[2];
	regex_t re;
	bool ok;

	if (!strpbrk(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		return false;
	if (regcomp(&re, re_src, REG_EXTENDED) != 0)
		abort();
	ok = regexec(&re, d, 2, m, 0) == 0 && m[1].rm_eo - m[1].rm_so < 255;
	regfree(&re);
	return ok;
}

static int add_dns(json_object *sg, const struct cli_create_opts *o, cpod_error **err)
{
	for (size_t i = 0; i < o->dns.n; i++) {
		if (str_eq(o->dns.v[i], "none")) {
			if (o->dns.n > 1)
				return sg_invalid(err, "none is not allowed to be specified with "
						       "other DNS ip addresses");
			return cli_not_supported(err, "dns=none");
		}
		if (!is_ip(o->dns.v[i]))
			return sg_invalid(err, "%s is not an ip address", o->dns.v[i]);
	}
	for (size_t i = 0; i < o->dns_search.n; i++) {
		const char *d = o->dns_search.v[i];

		if (str_eq(d, ".") && o->dns_search.n > 1)
			return sg_invalid(err, "cannot pass additional search domains when also "
					       "specifying '.'");
		if (!str_eq(d, ".") && !domain_valid(d))
			return sg_invalid(err, "%s is not a valid domain", d);
	}
	if (o->dns.n)
		sgj_strv(sg, "dns_server", &o->dns);
	if (o->dns_search.n)
		sgj_strv(sg, "dns_search", &o->dns_search);
	if (o->dns_option.n)
		sgj_strv(sg, "dns_option", &o->dns_option);
	return 0;
}

/* parse.ValidateExtraHost: NAME:IP, the IP may be v6 (split at the first colon). */
static int add_hosts(json_object *sg, const strv *hosts, cpod_error **err)
{
	for (size_t i = 0; i < hosts->n; i++) {
		const char *h = hosts->v[i], *colon = strchr(h, ':');
		_cleanup_free_ char *ip = NULL, *q = NULL;
		size_t a, b;

		if (!colon || colon == h) {
			q = sg_goq(h);
			return sg_invalid(err, "bad format for add-host: %s", q);
		}
		a = strspn(colon + 1, " \t\n\r\v\f");
		ip = xstrdup(colon + 1 + a);
		for (b = strlen(ip); b > 0 && isspace((unsigned char)ip[b - 1]); b--)
			ip[b - 1] = '\0';
		if (!is_ip(ip)) {
			q = sg_goq(colon + 1);
			return sg_invalid(err, "invalid IP address in add-host: %s", q);
		}
	}
	if (hosts->n)
		sgj_strv(sg, "hostadd", hosts);
	return 0;
}

static int add_network(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		       cpod_error **err)
{
	const char *net;
	bool dns = cli_opt_changed(set, "dns") || cli_opt_changed(set, "dns-option") ||
		   cli_opt_changed(set, "dns-opt") || cli_opt_changed(set, "dns-search");

	if (network_mode(sg, &o->network, &net, err) < 0)
		return -1;
	if (dns && (str_eq(net, "none") || str_eq(net, "container")))
		return sg_invalid(err, "conflicting options: dns and the network mode: %s", net);
	if (str_eq(net, "container") && o->add_host.n)
		return sg_invalid(err, "cannot set extra host entries when the container is joined "
				       "to another containers network namespace: invalid "
				       "configuration");
	if (add_dns(sg, o, err) < 0 || add_hosts(sg, &o->add_host, err) < 0)
		return -1;
	return 0;
}

int sg_add_namespaces(json_object *sg, const struct cli_create_opts *o, const cli_optset *set,
		      cpod_error **err)
{
	const char *pid, *ipc, *uts, *cg;
	int64_t shm;

	if (ns_option(sg, "pid", "pidns", o->pid, false, &pid, err) < 0 ||
	    ns_option(sg, "ipc", "ipcns", o->ipc, true, &ipc, err) < 0 ||
	    ns_option(sg, "uts", "utsns", o->uts, false, &uts, err) < 0 ||
	    ns_option(sg, "cgroupns", "cgroupns", o->cgroupns, false, &cg, err) < 0)
		return -1;
	if (o->hostname && *o->hostname && uts && !str_eq(uts, "private"))
		return sg_invalid(err, "cannot set hostname when running in the host UTS "
				       "namespace: invalid configuration");
	if (o->shm_size && *o->shm_size) {
		if (units_ram_in_bytes(o->shm_size, &shm, err) < 0)
			return cpod_err_prefix(err, "unable to translate --shm-size");
		if (str_eq(ipc, "host") || str_eq(ipc, "none"))
			return sg_invalid(err,
					  "cannot set shmsize when running in the %s IPC "
					  "Namespace",
					  ipc);
		sgj_int(sg, "shm_size", shm);
	}
	return add_network(sg, o, set, err);
}
