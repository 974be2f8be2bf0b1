/* Capabilities (names, podman's merge rules, process.capabilities) and ulimit parsing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/caps.h"
#include "tap.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A bounding set for the tests: everything but CAP_SYS_RESOURCE, as on the project's CI. */
static char **test_bounding(void)
{
	strv s = STRV_INIT;

	for (int i = 0; i <= caps_last_cap(); i++)
		if (strcmp(cap_name(i), "CAP_SYS_RESOURCE") != 0)
			strv_push(&s, cap_name(i));
	qsort(s.v, s.n, sizeof(char *), cmp_str);
	return strv_detach(&s);
}

static void test_names(void)
{
	_cleanup_free_ char *c = NULL;
	cpod_error *e = NULL;
	const char *in[] = { "chown", "CAP_CHOWN", "cap_chown", "Cap_Chown", "CHOWN" };

	is_str(cap_name(0), "CAP_CHOWN", "capability 0");
	is_str(cap_name(40), "CAP_CHECKPOINT_RESTORE", "capability 40");
	ok(cap_name(41) == NULL && cap_name(-1) == NULL, "no name past the table");
	is_int(cap_number("CAP_SYS_ADMIN"), 21, "CAP_SYS_ADMIN is 21");
	is_int(cap_number("CAP_BPF"), 39, "CAP_BPF is 39");
	is_int(cap_number("cap_chown"), -1, "cap_number wants the canonical form");
	ok(caps_last_cap() >= 36 && caps_last_cap() <= 40, "last cap %d", caps_last_cap());
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		char *n = NULL;

		ok(cap_normalize(in[i], &n, NULL) == 0, "normalize '%s'", in[i]);
		is_str(n, "CAP_CHOWN", "'%s' -> CAP_CHOWN", in[i]);
		free(n);
	}
	ok(cap_normalize("all", &c, NULL) == 0, "normalize all");
	is_str(c, "ALL", "all -> ALL");
	ok(cap_normalize("foo", &c, &e) < 0, "unknown capability refused");
	is_int(cpod_error_kind(e), CPOD_ERR_INVALID, "unknown capability: invalid");
	is_str(cpod_error_message(e), "unknown capability 'CAP_FOO'", "unknown capability message");
	cpod_error_free(e);
	e = NULL;
	ok(cap_normalize("", &c, &e) < 0, "empty name refused");
	is_str(cpod_error_message(e), "unknown capability 'CAP_'", "empty name message");
	cpod_error_free(e);
}

static char *merge(const char *const *base, const char *const *add, const char *const *drop,
		   char **bounding)
{
	_cleanup_strv_free_ char **out = NULL;
	cpod_error *e = NULL;
	char *r;

	if (caps_merge(base, add, drop, (const char *const *)bounding, &out, &e) < 0) {
		r = xasprintf("error: %s", cpod_error_message(e));
		if (cpod_error_kind(e) != CPOD_ERR_INVALID)
			diag("unexpected error kind %d", cpod_error_kind(e));
		cpod_error_free(e);
		return r;
	}
	return strv_join((const char *const *)out, ",");
}

static void check_merge(const char *const *base, const char *const *add, const char *const *drop,
			char **bounding, const char *want, const char *name)
{
	_cleanup_free_ char *got = merge(base, add, drop, bounding);

	is_str(got, want, "merge: %s", name);
}

static void test_merge(void)
{
	_cleanup_strv_free_ char **b = test_bounding();
	_cleanup_free_ char *all = NULL, *all_but = NULL;
	strv s = STRV_INIT;

	check_merge(V("SETUID", "chown", "CAP_KILL"), NULL, NULL, b,
		    "CAP_CHOWN,CAP_KILL,CAP_SETUID", "base normalized and sorted");
	check_merge(V("CHOWN", "KILL"), V("net_admin", "chown"), V("kill"), b,
		    "CAP_CHOWN,CAP_NET_ADMIN", "add and drop");
	check_merge(V("CHOWN", "KILL"), V("sys_admin", "chown"), V("ALL"), b,
		    "CAP_CHOWN,CAP_SYS_ADMIN", "drop ALL keeps exactly the added ones");
	check_merge(V("CHOWN"), NULL, V("all"), b, "", "drop all of them");
	check_merge(V("CHOWN"), V("ALL"), V("ALL"), b,
		    "error: adding all caps and removing all caps not allowed", "add and drop ALL");
	check_merge(V("CHOWN"), V("chown"), V("CHOWN"), b,
		    "error: capability 'CAP_CHOWN' cannot be dropped and added",
		    "the same capability added and dropped");
	check_merge(NULL, V("foo"), NULL, b, "error: unknown capability 'CAP_FOO'",
		    "unknown in add");
	check_merge(NULL, NULL, V("bar"), b, "error: unknown capability 'CAP_BAR'",
		    "unknown in drop");
	check_merge(V("nope"), NULL, NULL, b, "error: unknown capability 'CAP_NOPE'",
		    "unknown in base");
	/* "ALL" added: the caller's bounding set, less what is dropped. */
	all = strv_join((const char *const *)b, ",");
	check_merge(V("CHOWN"), V("ALL"), NULL, b, all, "add ALL is the bounding set");
	for (size_t i = 0; b[i]; i++)
		if (strcmp(b[i], "CAP_NET_RAW") && strcmp(b[i], "CAP_CHOWN"))
			strv_push(&s, b[i]);
	all_but = strv_join((const char *const *)s.v, ",");
	check_merge(NULL, V("all"), V("net_raw", "chown"), b, all_but,
		    "add ALL, drop two (podman: --cap-add all --cap-drop net_raw,chown)");
	strv_clear(&s);
}

static char *process_caps(caps_opts *o, char **bounding, char **ret_bounding_list)
{
	_cleanup_json_ json_object *obj = NULL;
	_cleanup_strv_free_ char **bset = NULL;
	cpod_error *e = NULL;
	char *r;

	o->bounding = (const char *const *)bounding;
	if (caps_process(o, &obj, &bset, &e) < 0) {
		r = xasprintf("error: %s", cpod_error_message(e));
		cpod_error_free(e);
		return r;
	}
	if (ret_bounding_list)
		*ret_bounding_list = strv_join((const char *const *)bset, ",");
	return json_to_string(obj, JSON_FMT_COMPACT);
}

static const char *const defaults[] = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER",
					"CAP_FSETID",  "CAP_KILL",	   "CAP_NET_BIND_SERVICE",
					"CAP_SETFCAP", "CAP_SETGID",	   "CAP_SETPCAP",
					"CAP_SETUID",  "CAP_SYS_CHROOT",   NULL };

#define DEF_LIST                                                                                  \
	"[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\",\"CAP_KILL\","         \
	"\"CAP_NET_BIND_SERVICE\",\"CAP_SETFCAP\",\"CAP_SETGID\",\"CAP_SETPCAP\",\"CAP_SETUID\"," \
	"\"CAP_SYS_CHROOT\"]"

static void test_process(void)
{
	_cleanup_strv_free_ char **b = test_bounding();
	_cleanup_free_ char *blist = NULL;
	char *got;
	caps_opts o = { .defaults = defaults, .root_user = true };

	/* The outputs podman 4.3.1 wrote for the same options, taken from its config.json. */
	got = process_caps(&o, b, &blist);
	is_str(got,
	       "{\"bounding\":" DEF_LIST ",\"effective\":" DEF_LIST ",\"permitted\":" DEF_LIST "}",
	       "root: bounding, effective and permitted (podman create)");
	ok(blist && strstr(blist, "CAP_KILL") && !strstr(blist, "CAP_SYS_ADMIN"), "the bounding "
										  "list is "
										  "returned");
	free(got);
	o.root_user = false;
	got = process_caps(&o, b, NULL);
	is_str(got, "{\"bounding\":" DEF_LIST "}", "user 1000: bounding only (podman -u 1000)");
	free(got);
	o.add = V("net_admin", "SYS_ADMIN");
	o.ambient = true;
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "{\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\","
	       "\"CAP_KILL\",\"CAP_NET_ADMIN\",\"CAP_NET_BIND_SERVICE\",\"CAP_SETFCAP\","
	       "\"CAP_SETGID\",\"CAP_SETPCAP\",\"CAP_SETUID\",\"CAP_SYS_ADMIN\","
	       "\"CAP_SYS_CHROOT\"],"
	       "\"effective\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"],"
	       "\"inheritable\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"],"
	       "\"permitted\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"],"
	       "\"ambient\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"]}",
	       "user 1000 with --cap-add: the added ones everywhere (podman -u 1000 --cap-add)");
	free(got);
	o.ambient = false;
	got = process_caps(&o, b, NULL);
	ok(got && !strstr(got, "ambient") && !strstr(got, "inheritable") &&
		   strstr(got, "\"effective\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"]"),
	   "no ambient support: no ambient or inheritable sets");
	free(got);
	o = (caps_opts){ .defaults = defaults, .root_user = true, .drop = V("all") };
	got = process_caps(&o, b, NULL);
	is_str(got, "{}", "--cap-drop all: an empty object (podman)");
	free(got);
	o.add = V("chown");
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[\"CAP_CHOWN\"],"
	       "\"permitted\":[\"CAP_CHOWN\"]}",
	       "--cap-drop all --cap-add chown");
	free(got);
}

static void test_process_limits(void)
{
	_cleanup_strv_free_ char **b = test_bounding();
	_cleanup_free_ char *all = strv_join((const char *const *)b, "\",\"");
	char *got;
	_cleanup_free_ char *want = NULL;
	const char *narrow[] = { "CAP_CHOWN", "CAP_SYS_RESOURCE", NULL };
	caps_opts o = { .defaults = narrow, .root_user = true };

	got = process_caps(&o, (char **)narrow + 0, NULL);
	ok(got && strstr(got, "CAP_SYS_RESOURCE"), "a capability in the bounding set is kept");
	free(got);
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[\"CAP_CHOWN\"],"
	       "\"permitted\":[\"CAP_CHOWN\"]}",
	       "capabilities outside the caller's bounding set are left out");
	free(got);
	o = (caps_opts){
		.defaults = defaults, .root_user = true, .privileged = true, .drop = V("chown")
	};
	got = process_caps(&o, b, NULL);
	want = xasprintf("{\"bounding\":[\"%s\"],\"effective\":[\"%s\"],\"permitted\":[\"%s\"]}",
			 all, all, all);
	is_str(got, want, "privileged: the whole bounding set, cap-drop ignored (podman)");
	free(got);
	o = (caps_opts){ .defaults = defaults, .root_user = true, .required = "chown,KILL" };
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\","
	       "\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"]}",
	       "io.containers.capabilities narrows the set");
	free(got);
	o.required = "chown,sys_admin";
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "{\"bounding\":" DEF_LIST ",\"effective\":" DEF_LIST ",\"permitted\":" DEF_LIST "}",
	       "a label asking for more than the default is ignored");
	free(got);
	o.required = "chown,bogus";
	got = process_caps(&o, b, NULL);
	is_str(got,
	       "error: capabilities requested by user or image are not valid: unknown capability "
	       "'CAP_BOGUS'",
	       "a label with an unknown capability fails");
	free(got);
	o = (caps_opts){ .defaults = defaults, .root_user = false, .add = V("ALL") };
	got = process_caps(&o, b, NULL);
	ok(got && strstr(got, "\"effective\":[\"CAP_AUDIT_CONTROL\""), "user with --cap-add all");
	free(got);
}

/* The bounding set read through prctl agrees with /proc/self/status. */
static void test_host(void)
{
	_cleanup_strv_free_ char **b = caps_bounding_set();
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	unsigned long long bnd = 0, eff = 0, mask = 0;
	char line[256];
	bool sorted = true;

	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "CapBnd: %llx", &bnd);
		sscanf(line, "CapEff: %llx", &eff);
	}
	for (size_t i = 0; b[i]; i++) {
		mask |= 1ULL << cap_number(b[i]);
		if (i && strcmp(b[i - 1], b[i]) >= 0)
			sorted = false;
	}
	is_int(mask, bnd, "caps_bounding_set() matches CapBnd");
	ok(sorted, "the bounding set is sorted");
	is_int(caps_have_effective(cap_number("CAP_SYS_RESOURCE")), (eff >> 24) & 1,
	       "caps_have_effective(CAP_SYS_RESOURCE) matches CapEff");
	is_int(caps_have_effective(cap_number("CAP_CHOWN")), eff & 1,
	       "caps_have_effective(CAP_CHOWN) matches CapEff");
	ok(!caps_have_effective(-1) && !caps_have_effective(64), "out of range is false");
}

static void check_ulimit(const char *s, const char *want, const char *name)
{
	_cleanup_free_ char *type = NULL, *got = NULL;
	cpod_error *e = NULL;
	int64_t soft = 7, hard = 7;

	if (ulimit_parse(s, &type, &soft, &hard, &e) < 0) {
		got = xasprintf("error: %s", cpod_error_message(e));
		if (cpod_error_kind(e) != CPOD_ERR_INVALID)
			diag("unexpected error kind %d", cpod_error_kind(e));
		ok(soft == 7 && hard == 7 && type == NULL, "%s: nothing written on failure", name);
		cpod_error_free(e);
	} else {
		got = xasprintf("%s %lld %lld", type, (long long)soft, (long long)hard);
	}
	is_str(got, want, "ulimit %s ('%s')", name, s);
}

static void test_ulimit(void)
{
	/* The messages are podman's: `podman create --ulimit ...` with go-units. */
	check_ulimit("nofile=100:200", "nofile 100 200", "soft and hard");
	check_ulimit("core=5", "core 5 5", "hard defaults to soft");
	check_ulimit("nofile=-1:-1", "nofile -1 -1", "unlimited");
	check_ulimit("nofile=-1", "nofile -1 -1", "unlimited soft only");
	check_ulimit("nproc=10:-1", "nproc 10 -1", "unlimited hard");
	check_ulimit("foo=1", "error: invalid ulimit type: foo", "unknown type");
	check_ulimit("as=1", "error: invalid ulimit type: as", "go-units leaves 'as' out");
	check_ulimit("NOFILE=1", "error: invalid ulimit type: NOFILE", "names are lowercase");
	check_ulimit("nofile=20:10",
		     "error: ulimit soft limit must be less than or equal to hard limit: 20 > 10",
		     "soft above hard");
	check_ulimit("nofile=-1:10",
		     "error: ulimit soft limit must be less than or equal to hard limit: soft: -1 "
		     "(unlimited), hard: 10",
		     "unlimited soft, limited hard");
	check_ulimit("nofile=x", "error: strconv.ParseInt: parsing \"x\": invalid syntax",
		     "not a number");
	check_ulimit("nofile=", "error: strconv.ParseInt: parsing \"\": invalid syntax", "empty");
	check_ulimit("nofile=1:", "error: strconv.ParseInt: parsing \"\": invalid syntax",
		     "empty hard");
	check_ulimit("nofile=1.5", "error: strconv.ParseInt: parsing \"1.5\": invalid syntax",
		     "fraction");
	check_ulimit("nofile=99999999999999999999",
		     "error: strconv.ParseInt: parsing \"99999999999999999999\": value out of "
		     "range",
		     "too big");
	check_ulimit("nofile=1:2:3",
		     "error: too many limit value arguments - 1:2:3, can only have up to two, "
		     "`soft[:hard]`",
		     "three values");
	check_ulimit("nofile", "error: invalid ulimit argument: nofile", "no value");
	check_ulimit("nofile=+5", "nofile 5 5", "a plus sign, as Go accepts it");
}

static void test_rlimit_lookup(void)
{
	const char *n = NULL;

	is_int(rlimit_lookup("nofile", &n), RLIMIT_NOFILE, "nofile");
	is_str(n, "RLIMIT_NOFILE", "nofile's name");
	is_int(rlimit_lookup("RLIMIT_NPROC", &n), RLIMIT_NPROC, "RLIMIT_NPROC");
	is_str(n, "RLIMIT_NPROC", "RLIMIT_NPROC's name");
	is_int(rlimit_lookup("rlimit_core", &n), RLIMIT_CORE, "rlimit_core");
	is_int(rlimit_lookup("Stack", &n), RLIMIT_STACK, "Stack");
	is_int(rlimit_lookup("as", &n), RLIMIT_AS, "as");
	is_str(n, "RLIMIT_AS", "as's name");
	is_int(rlimit_lookup("foo", &n), -1, "unknown");
	is_int(rlimit_lookup("RLIMIT_", &n), -1, "prefix only");
}

int main(void)
{
	test_names();
	test_merge();
	test_process();
	test_process_limits();
	test_host();
	test_ulimit();
	test_rlimit_lookup();
	return done_testing();
}
