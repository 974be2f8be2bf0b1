#include "oci/seccomp.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/seccomp_default.h"
#include "common/banned.h"

/* Profiles are a few tens of kilobytes; anything past this is not one. */
#define PROFILE_MAX (4u << 20)

const char *seccomp_native_arch(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return "x32";
#elif defined(__x86_64__)
	return "amd64";
#elif defined(__i386__)
	return "x86";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__powerpc__)
	return "ppc";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__s390__)
	return "s390";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__mips__) && defined(__MIPSEL__) && defined(_ABIN32) && _MIPS_SIM == _ABIN32
	return "mipsel64n32";
#elif defined(__mips__) && defined(_ABIN32) && _MIPS_SIM == _ABIN32
	return "mips64n32";
#elif defined(__mips__) && defined(__MIPSEL__) && defined(__mips64)
	return "mipsel64";
#elif defined(__mips__) && defined(__mips64)
	return "mips64";
#elif defined(__mips__) && defined(__MIPSEL__)
	return "mipsel";
#elif defined(__mips__)
	return "mips";
#else
	return "unknown";
#endif
}

/* podman's nativeToSeccomp: the native architectures whose archMap entry is used.  (podman
 * 4.3 leaves the others to libseccomp's native default, and so does cpod.) */
static const char *const native_to_seccomp[][2] = {
	{ "amd64", "SCMP_ARCH_X86_64" },      { "arm64", "SCMP_ARCH_AARCH64" },
	{ "mips64", "SCMP_ARCH_MIPS64" },     { "mips64n32", "SCMP_ARCH_MIPS64N32" },
	{ "mipsel64", "SCMP_ARCH_MIPSEL64" }, { "mipsel64n32", "SCMP_ARCH_MIPSEL64N32" },
	{ "s390x", "SCMP_ARCH_S390X" },
};

static const char *const arches[] = {
	"SCMP_ARCH_NATIVE",   "SCMP_ARCH_X86",	    "SCMP_ARCH_X86_64",
	"SCMP_ARCH_X32",      "SCMP_ARCH_ARM",	    "SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390",     "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",  NULL,
};

static const char *const actions[] = {
	"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	"SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	"SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	NULL,
};

static const char *const operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

#define E(x)          \
	{             \
#x, x \
	}
/* containers/common's errnoArch table. */
static const struct {
	const char *name;
	int value;
} errnos[] = {
	E(EPERM),	    E(ENOENT),		E(ESRCH),	    E(EIO),
	E(ENXIO),	    E(E2BIG),		E(ENOEXEC),	    E(EBADF),
	E(ECHILD),	    E(EDEADLK),		E(ENOMEM),	    E(EACCES),
	E(EFAULT),	    E(ENOTBLK),		E(EBUSY),	    E(EEXIST),
	E(EXDEV),	    E(ENODEV),		E(ENOTDIR),	    E(EISDIR),
	E(EINVAL),	    E(ENFILE),		E(EMFILE),	    E(ENOTTY),
	E(ETXTBSY),	    E(EFBIG),		E(ENOSPC),	    E(ESPIPE),
	E(EROFS),	    E(EMLINK),		E(EPIPE),	    E(EDOM),
	E(ERANGE),	    E(EAGAIN),		E(EINPROGRESS),	    E(EALREADY),
	E(ENOTSOCK),	    E(EDESTADDRREQ),	E(EMSGSIZE),	    E(EPROTOTYPE),
	E(ENOPROTOOPT),	    E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	E(EPFNOSUPPORT),    E(EAFNOSUPPORT),	E(EADDRINUSE),	    E(EADDRNOTAVAIL),
	E(ENETDOWN),	    E(ENETUNREACH),	E(ENETRESET),	    E(ECONNABORTED),
	E(ECONNRESET),	    E(ENOBUFS),		E(EISCONN),	    E(ENOTCONN),
	E(ESHUTDOWN),	    E(ETOOMANYREFS),	E(ETIMEDOUT),	    E(ECONNREFUSED),
	E(ELOOP),	    E(ENAMETOOLONG),	E(EHOSTDOWN),	    E(EHOSTUNREACH),
	E(ENOTEMPTY),	    E(EUSERS),		E(EDQUOT),	    E(ESTALE),
	E(EREMOTE),	    E(ENOLCK),		E(ENOSYS),	    E(EILSEQ),
	E(ENOMEDIUM),	    E(EMEDIUMTYPE),	E(EOVERFLOW),	    E(ECANCELED),
	E(EIDRM),	    E(ENOMSG),		E(ENOTSUP),	    E(EBADMSG),
	E(ENOTRECOVERABLE), E(EOWNERDEAD),
};
#undef E

/* Conversion state: the target resolved once. */
typedef struct {
	const char *arch;
	const char *const *bounding;
	unsigned kmajor, kminor;
} target;

/* A JSON integer read as uint64 (json-c keeps values past INT64_MAX as uint64). */
static int cur_u64(const json_cur *c, uint64_t max, uint64_t *ret, cpod_error **err)
{
	int64_t v;

	if (!json_object_is_type(c->obj, json_type_int))
		return json_cur_int64(c, &v, err); /* reports the type */
	v = json_object_get_int64(c->obj);
	if (v < 0)
		return json_cur_error(c, err, "expected an unsigned integer, got %lld",
				      (long long)v);
	if (v == INT64_MAX)
		*ret = json_object_get_uint64(c->obj);
	else
		*ret = (uint64_t)v;
	if (*ret > max)
		return json_cur_error(c, err, "%llu is out of range", (unsigned long long)*ret);
	return 0;
}

/* Reads an array of strings at key (absent or null: *ret stays empty). */
static int get_strings(const json_cur *obj, const char *key, strv *ret, cpod_error **err)
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
	return 0;
}

static int check_one_of(const json_cur *c, const char *s, const char *const *allowed,
			const char *what, cpod_error **err)
{
	if (!strv_contains(allowed, s))
		return json_cur_error(c, err, "unknown %s '%s'", what, s);
	return 0;
}

/* getErrno: an errno name or number in errno_key, else the errnoRet number (may be absent:
 * *ret_set false). */
static int get_errno(const json_cur *obj, const char *errno_key, const char *ret_key, bool *ret_set,
		     uint64_t *ret, cpod_error **err)
{
	json_cur c = json_cur_field(obj, errno_key), r = json_cur_field(obj, ret_key);
	const char *name;
	char *end;

	*ret_set = false;
	if (json_cur_string_opt(&c, "", &name, err) < 0)
		return -1;
	if (!*name) {
		if (!r.obj)
			return 0;
		*ret_set = true;
		return cur_u64(&r, UINT32_MAX, ret, err);
	}
	*ret_set = true;
	errno = 0;
	*ret = strtoull(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && errno == 0 && *ret <= UINT32_MAX)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++) {
		if (strcmp(errnos[i].name, name) == 0) {
			*ret = (uint64_t)errnos[i].value;
			return 0;
		}
	}
	return json_cur_error(&c, err, "unknown errno %s", name);
}

static json_object *string_array(char *const *v)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

/* architectures, or the archMap entry of the native architecture. */
static int convert_arches(const json_cur *root, const target *t, json_object *out, cpod_error **err)
{
	_cleanup_strv_ strv list = STRV_INIT;
	const char *want = NULL;
	json_cur map;
	size_t n;

	if (get_strings(root, "architectures", &list, err) < 0 ||
	    json_get_array_opt(root, "archMap", &map, &n, err) < 0)
		return -1;
	if (list.n && n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"'architectures' and 'archMap' were specified in the seccomp "
				"profile, use either 'architectures' or 'archMap'");
	for (size_t i = 0; i < list.n; i++)
		if (!strv_contains(arches, list.v[i]))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"'architectures[%zu]': unknown architecture '%s'", i,
					list.v[i]);
	for (size_t i = 0; i < ARRAY_SIZE(native_to_seccomp); i++)
		if (strcmp(native_to_seccomp[i][0], t->arch) == 0)
			want = native_to_seccomp[i][1];
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&map, i), a;
		_cleanup_strv_ strv sub = STRV_INIT;
		const char *arch;

		if (json_cur_object(&e, err) < 0 ||
		    json_get_string(&e, "architecture", &arch, err) < 0 ||
		    get_strings(&e, "subArchitectures", &sub, err) < 0)
			return -1;
		a = json_cur_field(&e, "architecture");
		if (check_one_of(&a, arch, arches, "architecture", err) < 0)
			return -1;
		for (size_t j = 0; j < sub.n; j++)
			if (!strv_contains(arches, sub.v[j]))
				return json_cur_error(&e, err, "unknown architecture '%s'",
						      sub.v[j]);
		if (want && list.n == 0 && strcmp(arch, want) == 0) {
			strv_push(&list, arch);
			strv_pushv(&list, (const char *const *)sub.v);
		}
	}
	if (list.n)
		json_object_object_add(out, "architectures", string_array(list.v));
	return 0;
}

/* "5.8" against the running kernel: true when the kernel is at least that. */
static int kernel_at_least(const json_cur *c, const char *min, const target *t, bool *ret,
			   cpod_error **err)
{
	unsigned maj, min_;
	char extra;

	if (sscanf(min, "%u.%u%c", &maj, &min_, &extra) != 2)
		return json_cur_error(c, err, "invalid kernel version '%s' (expected MAJOR.MINOR)",
				      min);
	*ret = t->kmajor > maj || (t->kmajor == maj && t->kminor >= min_);
	return 0;
}

static bool any_in(const strv *v, const char *const *set)
{
	for (size_t i = 0; i < v->n; i++)
		if (set && strv_contains(set, v->v[i]))
			return true;
	return false;
}

static bool all_in(const strv *v, const char *const *set)
{
	for (size_t i = 0; i < v->n; i++)
		if (!set || !strv_contains(set, v->v[i]))
			return false;
	return true;
}

/* Whether a rule applies to the target, per its includes and excludes. */
static int rule_applies(const json_cur *rule, const target *t, bool *ret, cpod_error **err)
{
	_cleanup_strv_ strv icaps = STRV_INIT, iarches = STRV_INIT, ecaps = STRV_INIT,
			    earches = STRV_INIT;
	json_cur inc, exc, mk;
	const char *minkernel;
	bool kernel_ok = true;

	if (json_get_object_opt(rule, "includes", &inc, err) < 0 ||
	    json_get_object_opt(rule, "excludes", &exc, err) < 0 ||
	    get_strings(&inc, "caps", &icaps, err) < 0 ||
	    get_strings(&inc, "arches", &iarches, err) < 0 ||
	    json_get_string_opt(&inc, "minKernel", "", &minkernel, err) < 0 ||
	    get_strings(&exc, "caps", &ecaps, err) < 0 ||
	    get_strings(&exc, "arches", &earches, err) < 0)
		return -1;
	mk = json_cur_field(&inc, "minKernel");
	if (*minkernel && kernel_at_least(&mk, minkernel, t, &kernel_ok, err) < 0)
		return -1;
	*ret = !strv_contains((const char *const *)earches.v, t->arch) &&
	       !any_in(&ecaps, t->bounding) &&
	       (iarches.n == 0 || strv_contains((const char *const *)iarches.v, t->arch)) &&
	       all_in(&icaps, t->bounding) && kernel_ok;
	return 0;
}

static int convert_arg(const json_cur *a, json_object **ret, cpod_error **err)
{
	json_cur ci = json_cur_field(a, "index"), cv = json_cur_field(a, "value"),
		 cv2 = json_cur_field(a, "valueTwo"), cop = json_cur_field(a, "op");
	uint64_t index = 0, value = 0, value2 = 0;
	const char *op;
	json_object *o;

	if (json_cur_object(a, err) < 0 || (ci.obj && cur_u64(&ci, 5, &index, err) < 0) ||
	    (cv.obj && cur_u64(&cv, UINT64_MAX, &value, err) < 0) ||
	    (cv2.obj && cur_u64(&cv2, UINT64_MAX, &value2, err) < 0) ||
	    json_cur_string(&cop, &op, err) < 0 ||
	    check_one_of(&cop, op, operators, "operator", err) < 0)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "index", json_object_new_uint64(index));
	json_object_object_add(o, "value", json_object_new_uint64(value));
	if (value2)
		json_object_object_add(o, "valueTwo", json_object_new_uint64(value2));
	json_object_object_add(o, "op", json_object_new_string(op));
	*ret = o;
	return 0;
}

static int convert_args(const json_cur *rule, json_object *call, cpod_error **err)
{
	_cleanup_json_ json_object *out = NULL;
	json_cur args;
	size_t n;

	if (json_get_array_opt(rule, "args", &args, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_cur a = json_cur_index(&args, i);
		json_object *o;

		if (convert_arg(&a, &o, err) < 0)
			return -1;
		json_object_array_add(out, o);
	}
	json_object_object_add(call, "args", TAKE_PTR(out));
	return 0;
}

/* One rule of the profile, appended to syscalls when it applies. */
static int convert_rule(const json_cur *rule, const target *t, json_object *syscalls,
			cpod_error **err)
{
	_cleanup_strv_ strv names = STRV_INIT;
	_cleanup_json_ json_object *call = NULL;
	json_cur ca = json_cur_field(rule, "action");
	const char *name, *action;
	bool applies, errno_set;
	uint64_t errno_ret;

	if (json_cur_object(rule, err) < 0 ||
	    json_get_string_opt(rule, "name", "", &name, err) < 0 ||
	    get_strings(rule, "names", &names, err) < 0 || json_cur_string(&ca, &action, err) < 0 ||
	    check_one_of(&ca, action, actions, "action", err) < 0 ||
	    get_errno(rule, "errno", "errnoRet", &errno_set, &errno_ret, err) < 0)
		return -1;
	if (*name && names.n)
		return json_cur_error(rule, err,
				      "'name' and 'names' were specified in the seccomp profile, "
				      "use either 'name' or 'names'");
	if (*name)
		strv_push(&names, name);
	call = json_object_new_object();
	json_object_object_add(call, "names", string_array(names.v));
	json_object_object_add(call, "action", json_object_new_string(action));
	if (errno_set)
		json_object_object_add(call, "errnoRet", json_object_new_uint64(errno_ret));
	/* Every rule is checked; only those that apply (and name a syscall) are kept. */
	if (convert_args(rule, call, err) < 0 || rule_applies(rule, t, &applies, err) < 0)
		return -1;
	if (applies && names.n)
		json_object_array_add(syscalls, TAKE_PTR(call));
	return 0;
}

static int convert_top(const json_cur *root, const target *t, json_object *out, cpod_error **err)
{
	_cleanup_strv_ strv flags = STRV_INIT;
	json_cur ca = json_cur_field(root, "defaultAction");
	const char *action, *lpath, *lmeta;
	bool errno_set;
	uint64_t errno_ret;

	if (json_cur_string_opt(&ca, "", &action, err) < 0 ||
	    (*action && check_one_of(&ca, action, actions, "action", err) < 0) ||
	    get_errno(root, "defaultErrno", "defaultErrnoRet", &errno_set, &errno_ret, err) < 0 ||
	    get_strings(root, "flags", &flags, err) < 0 ||
	    json_get_string_opt(root, "listenerPath", "", &lpath, err) < 0 ||
	    json_get_string_opt(root, "listenerMetadata", "", &lmeta, err) < 0)
		return -1;
	json_object_object_add(out, "defaultAction", json_object_new_string(action));
	if (errno_set)
		json_object_object_add(out, "defaultErrnoRet", json_object_new_uint64(errno_ret));
	if (convert_arches(root, t, out, err) < 0)
		return -1;
	if (flags.n)
		json_object_object_add(out, "flags", string_array(flags.v));
	if (*lpath)
		json_object_object_add(out, "listenerPath", json_object_new_string(lpath));
	if (*lmeta)
		json_object_object_add(out, "listenerMetadata", json_object_new_string(lmeta));
	return 0;
}

static int convert(json_object *doc, const target *t, json_object **ret, cpod_error **err)
{
	_cleanup_json_ json_object *out = NULL, *syscalls = NULL;
	json_cur root = json_cur_root(doc), calls;
	const char *action;
	size_t n;

	if (json_cur_object(&root, err) < 0 ||
	    json_get_string_opt(&root, "defaultAction", "", &action, err) < 0 ||
	    json_get_array_opt(&root, "syscalls", &calls, &n, err) < 0)
		return -1;
	if (!*action && n == 0) {
		*ret = NULL; /* podman: no default action and no rules, no seccomp */
		return 0;
	}
	out = json_object_new_object();
	if (convert_top(&root, t, out, err) < 0)
		return -1;
	syscalls = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_cur rule = json_cur_index(&calls, i);

		if (convert_rule(&rule, t, syscalls, err) < 0)
			return -1;
	}
	if (json_object_array_length(syscalls))
		json_object_object_add(out, "syscalls", TAKE_PTR(syscalls));
	*ret = TAKE_PTR(out);
	return 0;
}

static void resolve_target(const seccomp_target *in, target *t)
{
	struct utsname u;
	const char *release = in ? in->kernel : NULL;

	t->arch = in && in->arch ? in->arch : seccomp_native_arch();
	t->bounding = in ? in->bounding : NULL;
	if (!release && uname(&u) == 0)
		release = u.release;
	t->kmajor = t->kminor = 0;
	if (release && sscanf(release, "%u.%u", &t->kmajor, &t->kminor) < 1)
		t->kmajor = t->kminor = 0;
}

int seccomp_convert(const char *text, size_t len, const char *name, const seccomp_target *st,
		    json_object **ret, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	target t;

	resolve_target(st, &t);
	doc = json_parse_bytes(text, len, PROFILE_MAX, err);
	if (!doc || convert(doc, &t, ret, err) < 0)
		return cpod_err_prefix(err, "loading seccomp profile '%s'", name);
	return 0;
}

const char *seccomp_builtin_profile(void)
{
	return seccomp_default_profile;
}

char *seccomp_choose_profile(const char *sg_path, const char *conf_path,
			     const char *const *defaults)
{
	static const char *const std[] = { SECCOMP_OVERRIDE_PATH, SECCOMP_DEFAULT_PATH, NULL };

	if (sg_path && *sg_path)
		return xstrdup(sg_path);
	if (conf_path && *conf_path)
		return xstrdup(conf_path);
	for (const char *const *p = defaults ? defaults : std; *p; p++)
		if (access(*p, F_OK) == 0)
			return xstrdup(*p);
	return NULL;
}

bool seccomp_is_default_profile(const char *path)
{
	return !path || !*path || strcmp(path, SECCOMP_OVERRIDE_PATH) == 0 ||
	       strcmp(path, SECCOMP_DEFAULT_PATH) == 0;
}

int seccomp_load(const char *path, const seccomp_target *t, json_object **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	if (!path)
		return seccomp_convert(seccomp_default_profile, strlen(seccomp_default_profile),
				       "built-in", t, ret, err);
	b.cap = PROFILE_MAX;
	if (buf_read_file(&b, path) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, errno, "opening seccomp profile '%s'", path);
	return seccomp_convert(b.s, b.len, path, t, ret, err);
}
