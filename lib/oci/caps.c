#include "oci/caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int caps_last_cap(void)
{
	static int last = -1;
	_cleanup_fclose_ FILE *f = NULL;
	int v;

	if (last >= 0)
		return last;
	last = (int)ARRAY_SIZE(cap_names) - 1;
	f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f && fscanf(f, "%d", &v) == 1 && v >= 0 && v < last)
		last = v;
	return last;
}

const char *cap_name(int cap)
{
	if (cap < 0 || cap >= (int)ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int cap_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

int cap_normalize(const char *name, char **ret, cpod_error **err)
{
	_cleanup_free_ char *s = NULL;
	int n;

	if (strncasecmp(name, "cap_", 4) == 0 || strcasecmp(name, "all") == 0)
		s = xstrdup(name);
	else
		s = xasprintf("CAP_%s", name);
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	n = strcmp(s, "ALL") == 0 ? 0 : cap_number(s);
	if (n < 0 || n > caps_last_cap())
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown capability '%s'", s);
	*ret = TAKE_PTR(s);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort(strv *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(char *), cmp_str);
}

char **caps_bounding_set(void)
{
	strv out = STRV_INIT;

	for (int i = 0; i <= caps_last_cap(); i++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 1)
			strv_push(&out, cap_names[i]);
	strv_sort(&out);
	return strv_detach(&out);
}

bool caps_have_effective(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	if (cap < 0 || cap >= 64 || syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[cap / 32].effective & (1U << (cap % 32))) != 0;
}

/* Normalizes every element of v into out (sorted, as podman's NormalizeCapabilities). */
static int normalize_all(const char *const *v, strv *out, cpod_error **err)
{
	for (size_t i = 0; v && v[i]; i++) {
		char *c;

		if (cap_normalize(v[i], &c, err) < 0)
			return -1;
		strv_push_take(out, c);
	}
	strv_sort(out);
	return 0;
}

static bool has(const strv *s, const char *c)
{
	return strv_contains((const char *const *)s->v, c);
}

int caps_merge(const char *const *base_in, const char *const *add_in, const char *const *drop_in,
	       const char *const *bounding, char ***ret, cpod_error **err)
{
	_cleanup_strv_ strv base = STRV_INIT, add = STRV_INIT, drop = STRV_INIT, out = STRV_INIT;

	if (normalize_all(base_in, &base, err) < 0 || normalize_all(drop_in, &drop, err) < 0 ||
	    normalize_all(add_in, &add, err) < 0)
		return -1;
	if (has(&drop, "ALL")) {
		if (has(&add, "ALL"))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"adding all caps and removing all caps not allowed");
		*ret = strv_detach(&add);
		return 0;
	}
	if (has(&add, "ALL")) {
		strv_clear(&base);
		strv_pushv(&base, bounding);
		strv_clear(&add);
	}
	for (size_t i = 0; i < add.n; i++)
		if (has(&drop, add.v[i]))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"capability '%s' cannot be dropped and added", add.v[i]);
	for (size_t i = 0; i < base.n; i++)
		if (!has(&drop, base.v[i]) && !has(&out, base.v[i]))
			strv_push(&out, base.v[i]);
	for (size_t i = 0; i < add.n; i++)
		if (!has(&base, add.v[i]) && !has(&out, add.v[i]))
			strv_push(&out, add.v[i]);
	strv_sort(&out);
	*ret = strv_detach(&out);
	return 0;
}

/* The elements of v that are in bounding, in v's order. */
static char **limit_to(char *const *v, const char *const *bounding)
{
	strv out = STRV_INIT;

	for (size_t i = 0; v && v[i]; i++)
		if (strv_contains(bounding, v[i]))
			strv_push(&out, v[i]);
	return strv_detach(&out);
}

/* podman honours an image's io.containers.capabilities label ("CHOWN,SETUID") when every
 * capability it names is already in the set: the set is then narrowed to exactly those. */
static int apply_required(const char *required, char ***caplist, cpod_error **err)
{
	_cleanup_strv_free_ char **want = strv_split(required, ",", 0);
	_cleanup_strv_free_ char **norm = NULL;

	if (caps_merge(NULL, (const char *const *)want, NULL, NULL, &norm, err) < 0)
		return cpod_err_prefix(err, "capabilities requested by user or image are not "
					    "valid");
	for (size_t i = 0; norm[i]; i++) {
		if (!strv_contains((const char *const *)*caplist, norm[i])) {
			_cleanup_free_ char *all = strv_join((const char *const *)norm, ",");

			log_warn("capabilities requested by user or image are not allowed by "
				 "default: '%s'",
				 all);
			return 0;
		}
	}
	strv_free(*caplist);
	*caplist = TAKE_PTR(norm);
	return 0;
}

static void add_set(json_object *obj, const char *key, char *const *v)
{
	json_object *arr;

	if (!v || !v[0])
		return;
	arr = json_object_new_array();
	for (size_t i = 0; v[i]; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	json_object_object_add(obj, key, arr);
}

int caps_process(const caps_opts *o, json_object **ret_obj, char ***ret_bounding, cpod_error **err)
{
	_cleanup_strv_free_ char **caplist = NULL, **merged = NULL, **user = NULL;
	json_object *obj;

	if (o->privileged) {
		caplist = strv_copy(o->bounding);
	} else {
		if (caps_merge(o->defaults, o->add, o->drop, o->bounding, &merged, err) < 0)
			return -1;
		caplist = limit_to(merged, o->bounding);
		if (o->required && *o->required && apply_required(o->required, &caplist, err) < 0)
			return -1;
	}
	if (!o->root_user) {
		_cleanup_strv_free_ char **added = NULL;

		if (caps_merge(NULL, o->add, NULL, o->bounding, &added, err) < 0)
			return cpod_err_prefix(err, "capabilities requested by user are not valid");
		user = limit_to(added, o->bounding);
	}
	obj = json_object_new_object();
	/* The runtime-spec field order: bounding, effective, inheritable, permitted, ambient. */
	add_set(obj, "bounding", caplist);
	add_set(obj, "effective", o->root_user ? caplist : user);
	if (!o->root_user && o->ambient)
		add_set(obj, "inheritable", user);
	add_set(obj, "permitted", o->root_user ? caplist : user);
	if (!o->root_user && o->ambient)
		add_set(obj, "ambient", user);
	*ret_obj = obj;
	*ret_bounding = TAKE_PTR(caplist);
	return 0;
}

/* ---- resource limits ---- */

static const struct {
	const char *name; /* go-units' name */
	int resource;
	const char *oci; /* the runtime-spec's name */
	bool ulimit;	 /* accepted by --ulimit (go-units leaves "as" out) */
} rlimits[] = {
	{ "as", RLIMIT_AS, "RLIMIT_AS", false },
	{ "core", RLIMIT_CORE, "RLIMIT_CORE", true },
	{ "cpu", RLIMIT_CPU, "RLIMIT_CPU", true },
	{ "data", RLIMIT_DATA, "RLIMIT_DATA", true },
	{ "fsize", RLIMIT_FSIZE, "RLIMIT_FSIZE", true },
	{ "locks", RLIMIT_LOCKS, "RLIMIT_LOCKS", true },
	{ "memlock", RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", true },
	{ "msgqueue", RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", true },
	{ "nice", RLIMIT_NICE, "RLIMIT_NICE", true },
	{ "nofile", RLIMIT_NOFILE, "RLIMIT_NOFILE", true },
	{ "nproc", RLIMIT_NPROC, "RLIMIT_NPROC", true },
	{ "rss", RLIMIT_RSS, "RLIMIT_RSS", true },
	{ "rtprio", RLIMIT_RTPRIO, "RLIMIT_RTPRIO", true },
	{ "rttime", RLIMIT_RTTIME, "RLIMIT_RTTIME", true },
	{ "sigpending", RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", true },
	{ "stack", RLIMIT_STACK, "RLIMIT_STACK", true },
};

int rlimit_lookup(const char *name, const char **ret_name)
{
	const char *n = strncasecmp(name, "rlimit_", 7) == 0 ? name + 7 : name;

	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++) {
		if (strcasecmp(rlimits[i].name, n) == 0) {
			*ret_name = rlimits[i].oci;
			return rlimits[i].resource;
		}
	}
	return -1;
}

static bool ulimit_name(const char *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].ulimit && strcmp(rlimits[i].name, n) == 0)
			return true;
	return false;
}

/* Go's strconv.ParseInt(s, 10, 64), with its error words. */
static int parse_int64(const char *s, int64_t *ret, cpod_error **err)
{
	const char *p = s;
	char *end;
	long long v;

	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"strconv.ParseInt: parsing \"%s\": invalid syntax", s);
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"strconv.ParseInt: parsing \"%s\": invalid syntax", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"strconv.ParseInt: parsing \"%s\": value out of range", s);
	*ret = v;
	return 0;
}

static int ulimit_values(const char *vals, int64_t *soft, int64_t *hard, cpod_error **err)
{
	_cleanup_strv_free_ char **parts = strv_split(vals, ":", 0);
	size_t n = strv_length(parts);

	if (n > 2)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"too many limit value arguments - %s, can only have up to two, "
				"`soft[:hard]`",
				vals);
	if (parse_int64(parts[0], soft, err) < 0)
		return -1;
	*hard = *soft;
	if (n == 2 && parse_int64(parts[1], hard, err) < 0)
		return -1;
	if (*hard != -1 && *soft == -1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"ulimit soft limit must be less than or equal to hard limit: soft: "
				"-1 "
				"(unlimited), hard: %lld",
				(long long)*hard);
	if (*hard != -1 && *soft > *hard)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"ulimit soft limit must be less than or equal to hard limit: %lld "
				"> "
				"%lld",
				(long long)*soft, (long long)*hard);
	return 0;
}

int ulimit_parse(const char *s, char **ret_type, int64_t *soft, int64_t *hard, cpod_error **err)
{
	const char *eq = strchr(s, '=');
	_cleanup_free_ char *name = NULL;
	int64_t so, ha;

	if (!eq)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid ulimit argument: %s", s);
	name = xstrndup(s, (size_t)(eq - s));
	if (!ulimit_name(name))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid ulimit type: %s", name);
	if (ulimit_values(eq + 1, &so, &ha, err) < 0)
		return -1;
	*ret_type = TAKE_PTR(name);
	*soft = so;
	*hard = ha;
	return 0;
}
