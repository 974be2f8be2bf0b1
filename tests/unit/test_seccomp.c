/* seccomp: containers-format profiles converted to linux.seccomp, profile choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/seccomp.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-seccomp-XXXXXX";

#include "tmpdir.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* podman's default capabilities, the bounding set of a default container. */
static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	 "CAP_FSETID",
	"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	 "CAP_SETGID",
	"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT", NULL
};

/* Converts text; returns the compact JSON, "null" for no seccomp, or "error: MESSAGE". */
static char *conv(const char *text, const char *arch, const char *const *caps, const char *kernel)
{
	seccomp_target t = { .arch = arch, .bounding = caps, .kernel = kernel };
	_cleanup_json_ json_object *o = NULL;
	cpod_error *e = NULL;
	char *r;

	if (seccomp_convert(text, strlen(text), "test.json", &t, &o, &e) < 0) {
		r = xasprintf("error: %s", cpod_error_message(e));
		if (cpod_error_kind(e) != CPOD_ERR_INVALID)
			diag("unexpected error kind %d", cpod_error_kind(e));
		cpod_error_free(e);
		return r;
	}
	return json_to_string(o, JSON_FMT_COMPACT);
}

static void check(const char *text, const char *want, const char *name)
{
	_cleanup_free_ char *got = conv(text, "amd64", default_caps, "6.1.0");

	is_str(got, want, "%s", name);
}

/* The rule (syscalls[i]) whose names start with name, or NULL. */
static json_object *rule_named(json_object *sc, const char *name, const char *action)
{
	json_object *calls, *names, *a;

	if (!json_object_object_get_ex(sc, "syscalls", &calls))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *c = json_object_array_get_idx(calls, i);

		json_object_object_get_ex(c, "names", &names);
		json_object_object_get_ex(c, "action", &a);
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				    name) &&
			    !strcmp(json_object_get_string(a), action))
				return c;
	}
	return NULL;
}

static json_object *load_builtin(const char *arch, const char *const *caps)
{
	seccomp_target t = { .arch = arch, .bounding = caps };
	json_object *o = NULL;
	cpod_error *e = NULL;

	if (seccomp_load(NULL, &t, &o, &e) < 0) {
		diag("%s", cpod_error_message(e));
		cpod_error_free(e);
	}
	return o;
}

static void test_builtin(void)
{
	_cleanup_json_ json_object *sc = load_builtin("amd64", default_caps);
	_cleanup_json_ json_object *admin = NULL;
	_cleanup_free_ char *top = NULL;
	json_object *calls = NULL, *r;

	ok(sc != NULL, "the built-in profile converts");
	ok(json_object_object_get_ex(sc, "syscalls", &calls), "it has syscalls");
	/* podman 4.3.1 writes 22 rules for a default container on x86_64. */
	is_int(json_object_array_length(calls), 22, "22 rules for the default capabilities");
	json_object_get(calls);
	json_object_object_del(sc, "syscalls");
	top = json_to_string(sc, JSON_FMT_COMPACT);
	is_str(top,
	       "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":"
	       "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}",
	       "action, ENOSYS and the x86_64 architectures from archMap");
	json_object_object_add(sc, "syscalls", calls);
	ok(rule_named(sc, "arch_prctl", "SCMP_ACT_ALLOW") != NULL, "amd64 gets arch_prctl");
	ok(rule_named(sc, "arm_fadvise64_64", "SCMP_ACT_ALLOW") == NULL, "but not the arm calls");
	ok(rule_named(sc, "bpf", "SCMP_ACT_ERRNO") != NULL, "bpf refused without CAP_SYS_ADMIN");
	ok(rule_named(sc, "bpf", "SCMP_ACT_ALLOW") == NULL, "bpf not allowed");
	r = rule_named(sc, "chroot", "SCMP_ACT_ALLOW");
	ok(r != NULL, "chroot allowed with CAP_SYS_CHROOT");
	r = rule_named(sc, "socket", "SCMP_ACT_ERRNO");
	ok(r != NULL, "the audit socket rule applies without CAP_AUDIT_WRITE");
	if (r) {
		_cleanup_free_ char *s = json_to_string(r, JSON_FMT_COMPACT);

		is_str(s,
		       "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,"
		       "\"args\":[{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"},"
		       "{\"index\":2,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}",
		       "errno name EINVAL, args with valueTwo 0 left out");
	}
	r = rule_named(sc, "personality", "SCMP_ACT_ALLOW");
	ok(r && !strstr(json_object_to_json_string(r), "errnoRet"), "no errnoRet on allow rules");
	admin = load_builtin("amd64", V("CAP_SYS_ADMIN", "CAP_CHOWN"));
	ok(rule_named(admin, "bpf", "SCMP_ACT_ALLOW") != NULL, "CAP_SYS_ADMIN: bpf allowed");
	ok(rule_named(admin, "bpf", "SCMP_ACT_ERRNO") == NULL, "CAP_SYS_ADMIN: no bpf refusal");
	ok(rule_named(admin, "chroot", "SCMP_ACT_ERRNO") != NULL, "no CAP_SYS_CHROOT: chroot "
								  "refused");
}

static void test_arches(void)
{
	_cleanup_json_ json_object *arm = load_builtin("arm64", default_caps);
	_cleanup_json_ json_object *ppc = load_builtin("ppc64le", default_caps);
	_cleanup_json_ json_object *s390 = load_builtin("s390x", default_caps);
	json_object *a;

	ok(json_object_object_get_ex(arm, "architectures", &a) &&
		   !strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "[\"SCMP_"
										      "ARCH_"
										      "AARCH64\","
										      "\"SCMP_ARCH_"
										      "ARM\"]"),
	   "arm64: AARCH64 and ARM");
	ok(rule_named(arm, "arm_fadvise64_64", "SCMP_ACT_ALLOW") != NULL, "arm64: arm calls");
	ok(rule_named(arm, "arch_prctl", "SCMP_ACT_ALLOW") == NULL, "arm64: no arch_prctl");
	ok(!json_object_object_get_ex(ppc, "architectures", &a), "ppc64le: no architectures "
								 "(podman leaves it to "
								 "libseccomp)");
	ok(rule_named(ppc, "sync_file_range2", "SCMP_ACT_ALLOW") != NULL, "ppc64le: its call");
	ok(json_object_object_get_ex(s390, "architectures", &a) &&
		   strstr(json_object_to_json_string(a), "SCMP_ARCH_S390"),
	   "s390x: S390X and S390");
	ok(rule_named(s390, "s390_runtime_instr", "SCMP_ACT_ALLOW") != NULL, "s390x: its calls");
	ok(strlen(seccomp_native_arch()) > 1, "native arch '%s'", seccomp_native_arch());
#if defined(__x86_64__) && !defined(__ILP32__)
	is_str(seccomp_native_arch(), "amd64", "x86_64 is amd64");
#endif
}

/* The installed /usr/share/containers/seccomp.json converts exactly as the built-in one when
 * it is the same profile (containers/common 0.50.1, as on Debian 12), and converts anyway. */
static void test_installed(void)
{
	seccomp_target t = { .bounding = default_caps };
	_cleanup_json_ json_object *file = NULL, *builtin = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	_cleanup_buf_ buf text = BUF_INIT;
	cpod_error *e = NULL;

	if (access(SECCOMP_DEFAULT_PATH, R_OK) != 0) {
		ok(1, "# SKIP no %s", SECCOMP_DEFAULT_PATH);
		return;
	}
	ok(seccomp_load(SECCOMP_DEFAULT_PATH, &t, &file, &e) == 0, "the installed profile "
								   "converts");
	if (e)
		diag("%s", cpod_error_message(e));
	cpod_error_free(e);
	ok(file && json_object_object_get_ex(file, "syscalls", NULL), "it has rules");
	builtin = load_builtin(NULL, default_caps);
	a = json_to_string(file, JSON_FMT_COMPACT);
	b = json_to_string(builtin, JSON_FMT_COMPACT);
	buf_read_file(&text, SECCOMP_DEFAULT_PATH);
	if (text.len + 1 == strlen(seccomp_builtin_profile()) &&
	    !strncmp(text.s, seccomp_builtin_profile(), text.len))
		is_str(a, b, "the same profile gives the same result");
	else
		ok(1, "# SKIP the installed profile differs from the built-in one");
}

static void test_shapes(void)
{
	check("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
	      "only a default action");
	check("{}", "null", "empty profile: no seccomp");
	check("{\"syscalls\":[]}", "null", "no action and no rules: no seccomp");
	check("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"defaultErrno\":"
	      "\"EIO\"}",
	      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":5}",
	      "defaultErrno wins over defaultErrnoRet");
	check("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"38\"}",
	      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38}", "numeric errno");
	check("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":0}",
	      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":0}", "errnoRet 0 kept");
	check("{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"SCMP_ARCH_X86\"],"
	      "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"listenerPath\":\"/run/l.sock\","
	      "\"listenerMetadata\":\"m\"}",
	      "{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"SCMP_ARCH_X86\"],\"flags\":"
	      "[\"SECCOMP_FILTER_FLAG_LOG\"],\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":"
	      "\"m\"}",
	      "architectures, flags and the listener copied");
	check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"kill\","
	      "\"action\":\"SCMP_ACT_ERRNO\",\"errno\":\"EPERM\",\"comment\":\"x\",\"args\":["
	      "{\"index\":1,\"value\":18446744073709551615,\"valueTwo\":3,\"op\":"
	      "\"SCMP_CMP_MASKED_EQ\"}]},{\"names\":[\"a\",\"b\"],\"action\":\"SCMP_ACT_TRAP\","
	      "\"errnoRet\":7,\"args\":null}]}",
	      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"kill\"],"
	      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,\"value\":"
	      "18446744073709551615,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},{\"names\":"
	      "[\"a\",\"b\"],\"action\":\"SCMP_ACT_TRAP\",\"errnoRet\":7}]}",
	      "name becomes names, errno names, big values, valueTwo kept");
	check("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_LOG\"}]}",
	      "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "a rule naming nothing is dropped");
}

#define RULE(inc, exc)                                                                       \
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":" \
	"\"SCMP_ACT_LOG\",\"includes\":" inc ",\"excludes\":" exc "}]}"
#define KEPT                                                                                 \
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":" \
	"\"SCMP_ACT_LOG\"}]}"
#define DROPPED "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"

static void check_k(const char *text, const char *kernel, const char *want, const char *name)
{
	_cleanup_free_ char *got = conv(text, "amd64", default_caps, kernel);

	is_str(got, want, "%s", name);
}

static void test_filters(void)
{
	check(RULE("{}", "{}"), KEPT, "no filter");
	check(RULE("{\"caps\":[\"CAP_KILL\"]}", "{}"), KEPT, "includes a held capability");
	check(RULE("{\"caps\":[\"CAP_KILL\",\"CAP_SYS_ADMIN\"]}", "{}"), DROPPED,
	      "includes needs every capability");
	check(RULE("{}", "{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]}"), DROPPED,
	      "excludes when any capability is held");
	check(RULE("{}", "{\"caps\":[\"CAP_SYS_ADMIN\"]}"), KEPT, "excludes a capability not held");
	check(RULE("{\"arches\":[\"arm64\",\"amd64\"]}", "{}"), KEPT, "includes this arch");
	check(RULE("{\"arches\":[\"arm64\"]}", "{}"), DROPPED, "includes another arch");
	check(RULE("{}", "{\"arches\":[\"amd64\"]}"), DROPPED, "excludes this arch");
	check(RULE("{}", "{\"arches\":[\"s390x\"]}"), KEPT, "excludes another arch");
	check_k(RULE("{\"minKernel\":\"5.8\"}", "{}"), "5.4.0-1-amd64", DROPPED,
		"minKernel above the kernel");
	check_k(RULE("{\"minKernel\":\"5.8\"}", "{}"), "5.10.0", KEPT, "minKernel below");
	check_k(RULE("{\"minKernel\":\"5.8\"}", "{}"), "5.8", KEPT, "minKernel equal");
	check_k(RULE("{\"minKernel\":\"4.20\"}", "{}"), "6.1.0", KEPT, "minKernel older major");
	check_k(RULE("{\"minKernel\":\"five\"}", "{}"), "6.1.0",
		"error: loading seccomp profile 'test.json': 'syscalls[0].includes.minKernel': "
		"invalid kernel version 'five' (expected MAJOR.MINOR)",
		"bad minKernel");
}

static void test_errors(void)
{
	const char *pre = "error: loading seccomp profile 'test.json': ";
	struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"defaultAction\":", "offset" },
		{ "[]", "top-level value: expected object, got array" },
		{ "{\"syscalls\":{}}", "'syscalls': expected array, got object" },
		{ "{\"defaultAction\":7}", "'defaultAction': expected string, got integer" },
		{ "{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "'defaultAction': unknown action "
							   "'SCMP_ACT_NOPE'" },
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"EWHAT\"}", "'defaultErr"
										       "no': "
										       "unknown "
										       "errno "
										       "EWHAT" },
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}", "'defaultErrnoRe"
										   "t': expected "
										   "an unsigned "
										   "integer, got "
										   "-1" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
		  "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86\"}]}",
		  "'architectures' and 'archMap' were specified in the seccomp profile, use either "
		  "'architectures' or 'archMap'" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
		  "'architectures[0]': unknown architecture 'SCMP_ARCH_VAX'" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
		  "\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"X\"]}]}",
		  "'archMap[0]': unknown architecture 'X'" },
		{ "{\"syscalls\":[{\"names\":[\"a\"]}]}", "'syscalls[0].action': missing required "
							  "value" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_X\"}]}", "'syscalls[0]."
										    "action': "
										    "unknown "
										    "action "
										    "'SCMP_ACT_"
										    "X'" },
		{ "{\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],\"action\":\"SCMP_ACT_LOG\"}]}",
		  "'syscalls[0]': 'name' and 'names' were specified in the seccomp profile, use "
		  "either "
		  "'name' or 'names'" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{"
		  "\"index\":"
		  "6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		  "'syscalls[0].args[0].index': 6 is out of range" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{"
		  "\"index\":"
		  "0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		  "'syscalls[0].args[0].value': expected an unsigned integer, got -1" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{"
		  "\"index\":"
		  "0,\"value\":1,\"op\":\"SCMP_CMP_SOMETIMES\"}]}]}",
		  "'syscalls[0].args[0].op': unknown operator 'SCMP_CMP_SOMETIMES'" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\",\"errno\":"
		  "\"ENOPE\"}]}",
		  "'syscalls[0].errno': unknown errno ENOPE" },
		{ "{\"syscalls\":[{\"names\":[1],\"action\":\"SCMP_ACT_LOG\"}]}", "'syscalls[0]."
										  "names[0]': "
										  "expected "
										  "string, got "
										  "integer" },
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\",\"includes\":[]}]"
		  "}",
		  "'syscalls[0].includes': expected object, got array" },
		/* checked even where the rule does not apply to this architecture */
		{ "{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_BAD\",\"includes\":"
		  "{\"arches\":[\"s390x\"]}}]}",
		  "'syscalls[0].action': unknown action 'SCMP_ACT_BAD'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = conv(cases[i].text, "amd64", default_caps, "6.1");
		_cleanup_free_ char *want = xasprintf("%s%s", pre, cases[i].want);

		if (strcmp(cases[i].want, "offset") == 0)
			ok(got && str_has_prefix(got, pre) && strstr(got, "offset"),
			   "malformed JSON names the profile: %s", got);
		else
			is_str(got, want, "bad profile %zu", i);
	}
}

static void test_choose(void)
{
	_cleanup_free_ char *a = path_of("a.json"), *b = path_of("b.json");
	char *p;

	p = seccomp_choose_profile("/x.json", "/conf.json", V(a));
	is_str(p, "/x.json", "the container's profile first");
	free(p);
	p = seccomp_choose_profile("", "/conf.json", V(a));
	is_str(p, "/conf.json", "then containers.conf's");
	free(p);
	p = seccomp_choose_profile(NULL, "unconfined", NULL);
	is_str(p, "unconfined", "unconfined is passed on");
	free(p);
	p = seccomp_choose_profile(NULL, "", V(a, b));
	ok(p == NULL, "no default file: the built-in profile");
	free(p);
	write_file("b.json", "{}");
	p = seccomp_choose_profile(NULL, NULL, V(a, b));
	is_str(p, b, "the first default file that exists");
	free(p);
	write_file("a.json", "{}");
	p = seccomp_choose_profile(NULL, NULL, V(a, b));
	is_str(p, a, "the override file before the default one");
	free(p);
	p = seccomp_choose_profile(NULL, NULL, NULL);
	if (access(SECCOMP_OVERRIDE_PATH, F_OK) == 0)
		is_str(p, SECCOMP_OVERRIDE_PATH, "real defaults: the override");
	else if (access(SECCOMP_DEFAULT_PATH, F_OK) == 0)
		is_str(p, SECCOMP_DEFAULT_PATH, "real defaults: /usr/share");
	else
		ok(p == NULL, "real defaults: built in");
	free(p);
	ok(seccomp_is_default_profile(NULL), "built-in is a default");
	ok(seccomp_is_default_profile(SECCOMP_DEFAULT_PATH), "/usr/share is a default");
	ok(seccomp_is_default_profile(SECCOMP_OVERRIDE_PATH), "/etc is a default");
	ok(!seccomp_is_default_profile("/tmp/mine.json"), "another file is not");
}

static void test_load(void)
{
	_cleanup_free_ char *p = path_of("bad.json"), *want = NULL, *want2 = NULL;
	_cleanup_free_ char *good = path_of("good.json");
	_cleanup_json_ json_object *o = NULL;
	cpod_error *e = NULL;

	write_file("bad.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{]}");
	ok(seccomp_load(p, NULL, &o, &e) < 0, "a malformed file fails");
	want = xasprintf("loading seccomp profile '%s': ", p);
	ok(e && cpod_error_kind(e) == CPOD_ERR_INVALID &&
		   str_has_prefix(cpod_error_message(e), want),
	   "the error names the file: %s", e ? cpod_error_message(e) : "");
	cpod_error_free(e);
	e = NULL;
	ok(seccomp_load("/nonexistent/seccomp.json", NULL, &o, &e) < 0, "a missing file fails");
	is_str(cpod_error_message(e),
	       "opening seccomp profile '/nonexistent/seccomp.json': No such file or directory",
	       "missing file message");
	is_int(cpod_error_kind(e), CPOD_ERR_INVALID, "missing file: invalid");
	cpod_error_free(e);
	e = NULL;
	write_file("good.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				"[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	ok(seccomp_load(good, NULL, &o, &e) == 0, "a good file loads");
	want2 = json_to_string(o, JSON_FMT_COMPACT);
	is_str(want2,
	       "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"kill\"],"
	       "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	       "its conversion");
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	test_builtin();
	test_arches();
	test_installed();
	test_shapes();
	test_filters();
	test_errors();
	test_choose();
	test_load();
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
