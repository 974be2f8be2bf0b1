/* spec_security(): capabilities, seccomp, masks, devices, sysctls, rlimits and oomScoreAdj in
 * config.json, checked against what podman 4.3.1 writes for the same options; at the end a
 * generated spec is run by runc (as root, when runc is installed). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/spawn.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "config/containers_conf.h"
#include "oci/caps.h"
#include "oci/seccomp.h"
#include "oci/spec.h"
#include "oci/spec_resources.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-spec-security-XXXXXX";

#include "tmpdir.h"

static containers_conf *cc;

#define MASKED                                                                             \
	"[\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","          \
	"\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\"," \
	"\"/sys/firmware\",\"/sys/fs/selinux\",\"/sys/dev/block\"]"
#define READONLY                                                                    \
	"[\"/proc/asound\",\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\"," \
	"\"/proc/sysrq-trigger\"]"

/* The base spec_generate() hands the parts: podman's default mounts, namespaces and paths. */
static json_object *spec_new(void)
{
	static const char text[] =
		"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
		"\"args\":[\"true\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/r\"},\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":"
		"[\"nosuid\",\"noexec\",\"nodev\"]},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
		"[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":"
		"[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
		"\"options\":[\"rprivate\",\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
		"{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],"
		"\"maskedPaths\":" MASKED ",\"readonlyPaths\":" READONLY "}}";

	return json_tokener_parse(text);
}

/* Removes namespace type (the host's is shared) or gives it a path (joined). */
static void ns_set(json_object *spec, const char *type, const char *path)
{
	json_object *lx, *nss, *t;

	json_object_object_get_ex(spec, "linux", &lx);
	json_object_object_get_ex(lx, "namespaces", &nss);
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		json_object *ns = json_object_array_get_idx(nss, i);

		json_object_object_get_ex(ns, "type", &t);
		if (strcmp(json_object_get_string(t), type) != 0)
			continue;
		if (path)
			json_object_object_add(ns, "path", json_object_new_string(path));
		else
			json_object_array_del_idx(nss, i, 1);
		return;
	}
	if (path) {
		json_object *ns = json_object_new_object();

		json_object_object_add(ns, "type", json_object_new_string(type));
		json_object_array_add(nss, ns);
	}
}

/* Runs spec_security() on spec for specgen sg (and image config img); returns NULL on
 * success, else "error: MESSAGE" (kind must be invalid). */
static char *apply(json_object *spec, const char *sg, const char *img, bool rootless)
{
	_cleanup_json_ json_object *sgo = sg ? json_tokener_parse(sg) : NULL;
	_cleanup_json_ json_object *imgo = img ? json_tokener_parse(img) : NULL;
	spec_ctx ctx = { .id = "0123456789abcdef",
			 .name = "t",
			 .sg = sgo,
			 .image_config = imgo,
			 .cc = cc,
			 .rootfs = "/r",
			 .rootfs_fd = -1,
			 .cgroup_parent = "/cpod",
			 .rootless = rootless };
	cpod_error *e = NULL;
	char *r;

	if (sg && !sgo)
		return xstrdup("bad test json");
	if (spec_security(&ctx, spec, &e) == 0)
		return NULL;
	r = xasprintf("error: %s", cpod_error_message(e));
	if (cpod_error_kind(e) != CPOD_ERR_INVALID)
		diag("unexpected error kind %d for %s", cpod_error_kind(e), r);
	cpod_error_free(e);
	return r;
}

/* The compact JSON at a dotted path of spec ("linux.sysctl"), or "absent". */
static char *at(json_object *spec, const char *path)
{
	_cleanup_strv_free_ char **parts = strv_split(path, ".", 0);
	json_object *o = spec;

	for (size_t i = 0; parts[i]; i++)
		if (!json_object_object_get_ex(o, parts[i], &o))
			return xstrdup("absent");
	return json_to_string(o, JSON_FMT_COMPACT);
}

/* Applies sg (and the image config img) to a new base spec and returns the value at path
 * (or the error). */
static char *value_img(const char *sg, const char *img, const char *path)
{
	_cleanup_json_ json_object *spec = spec_new();
	char *e = apply(spec, sg, img, false);

	return e ? e : at(spec, path);
}

static char *value_of(const char *sg, const char *path)
{
	return value_img(sg, NULL, path);
}

static void check_img(const char *sg, const char *img, const char *path, const char *want,
		      const char *name)
{
	_cleanup_free_ char *got = value_img(sg, img, path);

	is_str(got, want, "%s", name);
}

static void check(const char *sg, const char *path, const char *want, const char *name)
{
	check_img(sg, NULL, path, want, name);
}

static void check_error(const char *sg, const char *want, const char *name)
{
	_cleanup_json_ json_object *spec = spec_new();
	_cleanup_free_ char *got = apply(spec, sg, NULL, false);
	_cleanup_free_ char *w = xasprintf("error: %s", want);

	is_str(got, w, "%s", name);
}

/* The containers.conf default capabilities the host's bounding set allows, as JSON. */
static char *default_caps_json(void)
{
	_cleanup_strv_free_ char **b = caps_bounding_set();
	_cleanup_buf_ buf out = BUF_INIT;

	buf_adds(&out, "[");
	for (size_t i = 0; i < cc->default_capabilities.n; i++) {
		if (!strv_contains((const char *const *)b, cc->default_capabilities.v[i]))
			continue;
		buf_addf(&out, "%s\"%s\"", out.len > 1 ? "," : "", cc->default_capabilities.v[i]);
	}
	buf_adds(&out, "]");
	return buf_detach(&out, NULL);
}

static void test_caps(void)
{
	_cleanup_free_ char *def = default_caps_json(), *root = NULL, *user = NULL;

	root = xasprintf("{\"bounding\":%s,\"effective\":%s,\"permitted\":%s}", def, def, def);
	user = xasprintf("{\"bounding\":%s}", def);
	check(NULL, "process.capabilities", root, "no specgen: root with the default set");
	check("{\"user\":\"0\"}", "process.capabilities", root, "user 0 is root");
	check("{\"user\":\"root:root\"}", "process.capabilities", root, "user root:root is root");
	check("{\"user\":\"1000\"}", "process.capabilities", user, "user 1000: bounding only");
	check("{\"user\":\"1000:1000\"}", "process.capabilities", user, "user 1000:1000");
	check("{\"user\":\"bin\"}", "process.capabilities", user, "a user name is not root");
	check("{\"userns\":{\"nsmode\":\"keep-id\"}}", "process.capabilities", user,
	      "keep-id without a user is not root");
	check_img(NULL, "{\"User\":\"1000\"}", "process.capabilities", user,
		  "the image's User counts when the specgen has none");
	check_img("{\"user\":\"root\"}", "{\"User\":\"1000\"}", "process.capabilities", root,
		  "the specgen's user wins over the image's");
	check("{\"labels\":{\"io.containers.capabilities\":\"CHOWN\"}}",
	      "process.capabilities.bounding", "[\"CAP_CHOWN\"]",
	      "io.containers.capabilities label");
	check_img(NULL, "{\"Labels\":{\"io.containers.capabilities\":\"KILL,CHOWN\"}}",
		  "process.capabilities.bounding", "[\"CAP_CHOWN\",\"CAP_KILL\"]",
		  "the image's label too");
	check("{\"cap_drop\":[\"all\"],\"cap_add\":[\"chown\"]}", "process.capabilities",
	      "{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[\"CAP_CHOWN\"],\"permitted\":"
	      "[\"CAP_CHOWN\"]}",
	      "--cap-drop all --cap-add chown");
	check("{\"cap_drop\":[\"ALL\"]}", "process.capabilities", "{}", "--cap-drop all");
	check_error("{\"cap_add\":[\"foo\"]}",
		    "invalid --cap-add 'foo': unknown capability 'CAP_FOO'", "unknown --cap-add");
	check_error("{\"cap_drop\":[\"net_raw\",\"bar\"]}",
		    "invalid --cap-drop 'bar': unknown capability 'CAP_BAR'", "unknown --cap-drop");
	check_error("{\"cap_add\":[\"all\"],\"cap_drop\":[\"all\"]}",
		    "invalid --cap-add/--cap-drop: adding all caps and removing all caps not "
		    "allowed",
		    "add and drop all");
	check_error("{\"cap_add\":[\"chown\"],\"cap_drop\":[\"CAP_CHOWN\"]}",
		    "invalid --cap-add/--cap-drop: capability 'CAP_CHOWN' cannot be dropped and "
		    "added",
		    "add and drop one");
	check_error("{\"cap_add\":\"chown\"}", "'cap_add': expected array, got string",
		    "cap_add of the wrong type");
	check_error("{\"user\":7}", "'user': expected string, got integer",
		    "user of the wrong type");
}

static void test_process_fields(void)
{
	check("{\"no_new_privileges\":true}", "process.noNewPrivileges", "true",
	      "--security-opt no-new-privileges");
	check("{\"no_new_privileges\":false}", "process.noNewPrivileges", "absent",
	      "no-new-privileges false is left out");
	check("{\"oom_score_adj\":100}", "process.oomScoreAdj", "100", "--oom-score-adj 100");
	check("{\"oom_score_adj\":-1000}", "process.oomScoreAdj", "-1000", "--oom-score-adj -1000");
	check(NULL, "process.oomScoreAdj", "absent", "no oom_score_adj");
	check_error("{\"oom_score_adj\":1001}",
		    "invalid --oom-score-adj '1001': must be between -1000 and 1000", "1001");
	check_error("{\"oom_score_adj\":-1001}",
		    "invalid --oom-score-adj '-1001': must be between -1000 and 1000", "-1001");
	check_error("{\"oom_score_adj\":\"5\"}", "'oom_score_adj': expected integer, got string",
		    "oom_score_adj of the wrong type");
	check_error("{\"no_new_privileges\":1}",
		    "'no_new_privileges': expected boolean, got integer",
		    "no_new_privileges of the wrong type");
	check_error("{\"privileged\":\"yes\"}", "'privileged': expected boolean, got string",
		    "privileged of the wrong type");
}

static void test_seccomp(void)
{
	_cleanup_free_ char *good = path_of("profile.json"), *bad = path_of("bad.json");
	_cleanup_free_ char *want = NULL;
	char *sg, *got;

	check(NULL, "linux.seccomp.defaultAction", "\"SCMP_ACT_ERRNO\"", "the default profile");
	got = value_of(NULL, "linux.seccomp.architectures");
#if defined(__x86_64__) && !defined(__ILP32__)
	is_str(got, "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]",
	       "for this host's architecture");
#else
	ok(got != NULL, "architectures: %s", got);
#endif
	free(TAKE_PTR(got));
	check("{\"seccomp_profile_path\":\"unconfined\"}", "linux.seccomp", "absent",
	      "--security-opt seccomp=unconfined");
	check("{\"privileged\":true}", "linux.seccomp", "absent", "privileged: no seccomp");
	write_file("profile.json", "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":"
				   "[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
				   "[\"CAP_SYS_ADMIN\"]}}]}");
	sg = xasprintf("{\"seccomp_profile_path\":\"%s\"}", good);
	check(sg, "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_LOG\"}", "a profile file");
	free(sg);
	sg = xasprintf("{\"seccomp_profile_path\":\"%s\",\"cap_add\":[\"sys_admin\"]}", good);
	check(sg, "linux.seccomp",
	      "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"bpf\"],\"action\":"
	      "\"SCMP_ACT_ALLOW\"}]}",
	      "rules follow the container's capabilities");
	free(sg);
	sg = xasprintf("{\"seccomp_profile_path\":\"%s\",\"privileged\":true}", good);
	check(sg, "linux.seccomp.defaultAction", "\"SCMP_ACT_LOG\"",
	      "privileged with a profile of its own keeps it");
	free(sg);
	sg = xasprintf("{\"seccomp_profile_path\":\"%s\",\"privileged\":true}",
		       SECCOMP_DEFAULT_PATH);
	check(sg, "linux.seccomp", "absent", "privileged with the default file: none");
	free(sg);
	write_file("bad.json", "{\"defaultAction\":[]}");
	sg = xasprintf("{\"seccomp_profile_path\":\"%s\"}", bad);
	want = xasprintf("loading seccomp profile '%s': 'defaultAction': expected string, got "
			 "array",
			 bad);
	check_error(sg, want, "a malformed profile names the file");
	free(sg);
	free(cc->seccomp_profile);
	cc->seccomp_profile = xstrdup(good);
	check(NULL, "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_LOG\"}",
	      "containers.conf seccomp_profile");
	free(cc->seccomp_profile);
	cc->seccomp_profile = xstrdup("unconfined");
	check(NULL, "linux.seccomp", "absent", "containers.conf seccomp_profile unconfined");
	free(cc->seccomp_profile);
	cc->seccomp_profile = xstrdup("");
	check_error("{\"seccomp_policy\":\"mine\"}",
		    "invalid seccomp policy 'mine': valid policies are [\"default\" \"image\"]",
		    "unknown seccomp policy");
	check_error("{\"seccomp_policy\":\"image\"}",
		    "cannot read seccomp profile without a valid image", "image policy, no image");
	check_img("{\"seccomp_policy\":\"image\"}",
		  "{\"Labels\":{\"io.containers.seccomp.profile\":"
		  "\"{\\\"defaultAction\\\":\\\"SCMP_ACT_TRAP\\\"}\"}}",
		  "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_TRAP\"}",
		  "seccomp policy image: the image's label");
	check_img("{\"seccomp_policy\":\"image\"}", "{\"Labels\":{}}", "linux.seccomp",
		  "error: no seccomp policy defined by image", "image without the label");
}

static void test_masks(void)
{
	check(NULL, "linux.maskedPaths", MASKED, "default masked paths kept");
	check(NULL, "linux.readonlyPaths", READONLY, "default read-only paths kept");
	check("{\"mask\":[\"/proc/foo\",\"/bar\"],\"unmask\":[\"/proc/k*:/sys/firmware\"]}",
	      "linux.maskedPaths",
	      "[\"/proc/acpi\",\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	      "\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/fs/selinux\",\"/sys/dev/block\","
	      "\"/proc/foo\",\"/bar\"]",
	      "mask and unmask patterns (podman)");
	check("{\"unmask\":[\"ALL\"]}", "linux.maskedPaths", "absent", "unmask ALL: masked");
	check("{\"unmask\":[\"all\"]}", "linux.readonlyPaths", "absent", "unmask all: read-only");
	check("{\"unmask\":[\"/proc/*\"]}", "linux.maskedPaths",
	      "[\"/sys/firmware\",\"/sys/fs/selinux\",\"/sys/dev/block\"]",
	      "unmask /proc/*: the /sys ones stay");
	check("{\"unmask\":[\"/proc/*\"]}", "linux.readonlyPaths", "absent",
	      "unmask /proc/*: no read-only paths");
	check("{\"mask\":[\"/proc/acpi\"]}", "linux.maskedPaths", MASKED, "a mask already there");
	check("{\"privileged\":true}", "linux.maskedPaths", "absent", "privileged: no masks");
	check("{\"privileged\":true}", "linux.readonlyPaths", "absent", "privileged: no ro paths");
	check("{\"privileged\":true,\"mask\":[\"/proc/x\"]}", "linux.maskedPaths", "[\"/proc/x\"]",
	      "privileged keeps the user's masks");
	check_error("{\"mask\":[\"rel\"]}",
		    "invalid --security-opt mask 'rel': path must be absolute", "a relative mask");
	check_error("{\"unmask\":[1]}", "'unmask[0]': expected string, got integer",
		    "unmask of the wrong type");
}

static void test_mounts(void)
{
	_cleanup_json_ json_object *spec = spec_new();
	_cleanup_free_ char *e = NULL, *got = NULL;
	spec_ctx ctx = { .id = "x", .cc = cc, .cgroup_parent = "/", .cgroup2 = true };
	cpod_error *err = NULL;
	json_object *sg = json_tokener_parse("{\"unmask\":[\"/sys/fs/cgroup/\"]}");

	ctx.sg = sg;
	ok(spec_security(&ctx, spec, &err) == 0, "cgroup v2 unmask");
	got = at(spec, "mounts");
	ok(strstr(got, "\"relatime\",\"rw\"") != NULL, "unmask /sys/fs/cgroup on v2: rw cgroup");
	ok(strstr(got, "\"nodev\",\"ro\"]") != NULL, "/sys stays read-only");
	free(TAKE_PTR(got));
	json_object_put(spec);
	spec = spec_new();
	ctx.cgroup2 = false;
	ok(spec_security(&ctx, spec, &err) == 0, "cgroup v1 unmask");
	got = at(spec, "mounts");
	ok(strstr(got, "\"relatime\",\"ro\"") != NULL, "unmask /sys/fs/cgroup on v1: still ro");
	free(TAKE_PTR(got));
	json_object_put(sg);
	json_object_put(spec);
	spec = spec_new();
	e = apply(spec, "{\"privileged\":true}", NULL, false);
	got = at(spec, "mounts");
	ok(strstr(got, "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
		       "\"options\":[\"rprivate\",\"nosuid\",\"noexec\",\"nodev\",\"rw\"]}"),
	   "privileged: a writable sysfs (podman's options)");
	ok(strstr(got, "\"relatime\",\"rw\"") != NULL, "privileged: writable cgroup mount");
}

/* The linux.devices entry podman writes for the host node path, seen at ctr. */
static char *dev_json(const char *path, const char *ctr)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return xstrdup("no such node");
	return xasprintf("{\"path\":\"%s\",\"type\":\"%s\",\"major\":%u,\"minor\":%u,\"fileMode\":"
			 "%u,\"uid\":%u,\"gid\":%u}",
			 ctr, S_ISBLK(st.st_mode) ? "b" : "c", major(st.st_rdev), minor(st.st_rdev),
			 (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
}

#define DENY "{\"allow\":false,\"access\":\"rwm\"}"

static void test_devices(void)
{
	_cleanup_free_ char *null = dev_json("/dev/null", "/dev/mynull");
	_cleanup_free_ char *zero = dev_json("/dev/zero", "/dev/zero");
	_cleanup_free_ char *hostnull = dev_json("/dev/null", "/dev/null");
	_cleanup_free_ char *ptmx = dev_json("/dev/pts/ptmx", "/dev/foo/ptmx");
	_cleanup_free_ char *link = path_of("nulllink"), *sg = NULL, *want = NULL, *got = NULL;

	check(NULL, "linux.resources.devices", "[" DENY "]", "the default deny-all rule");
	check(NULL, "linux.devices", "absent", "no devices");
	want = xasprintf("[%s,%s]", null, zero);
	check("{\"devices\":[{\"path\":\"/dev/null:/dev/mynull:rw\"},{\"path\":\"/dev/zero\"}]}",
	      "linux.devices", want, "--device /dev/null:/dev/mynull:rw --device /dev/zero");
	check("{\"devices\":[{\"path\":\"/dev/null:/dev/mynull:rw\"},{\"path\":\"/dev/zero\"}]}",
	      "linux.resources.devices",
	      "[" DENY ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
	      "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]",
	      "their cgroup rules after the deny rule (podman)");
	free(TAKE_PTR(want));
	want = xasprintf("[%s]", null);
	check("{\"devices\":[{\"path\":\"/dev/zero:/dev/mynull\"},"
	      "{\"path\":\"/dev/null:/dev/mynull\"}]}",
	      "linux.devices", want, "the same container path twice: the last one");
	got = value_of("{\"devices\":[{\"path\":\"/dev/pts:/dev/foo:r\"}]}", "linux.devices");
	ok(strstr(got, ptmx) != NULL, "a directory adds its nodes under the new path: %s", got);
	free(TAKE_PTR(got));
	got = value_of("{\"devices\":[{\"path\":\"/dev/pts/:/dev/foo/:r\"}]}", "linux.devices");
	ok(strstr(got, ptmx) != NULL, "trailing slashes are not doubled");
	free(TAKE_PTR(got));
	got = value_of("{\"devices\":[{\"path\":\"/dev/pts:r\"}]}", "linux.resources.devices");
	ok(strstr(got, "\"minor\":2,\"access\":\"r\"}") != NULL, "with the directory's mode");
	free(TAKE_PTR(got));
	free(TAKE_PTR(want));
	want = xasprintf("[%s]", hostnull);
	if (symlink("/dev/null", link) == 0) {
		sg = xasprintf("{\"devices\":[{\"path\":\"%s\"}]}", link);
		check(sg, "linux.devices", want, "a symbolic link is resolved (podman)");
	}
	strv_push(&cc->devices, "/dev/null");
	check(NULL, "linux.devices", want, "containers.conf devices");
	strv_clear(&cc->devices);
	strv_push(&cc->devices, "/nonexistent");
	check_error(NULL,
		    "containers.conf devices '/nonexistent': stat '/nonexistent': No such file or "
		    "directory",
		    "a bad containers.conf device");
	strv_clear(&cc->devices);
	check("{\"privileged\":true,\"devices\":[{\"path\":\"/dev/null:/dev/mynull\"}]}",
	      "linux.resources.devices", "[{\"allow\":true,\"access\":\"rwm\"}]",
	      "privileged: allow everything");
	got = value_of("{\"privileged\":true}", "linux.devices");
	ok(strstr(got, hostnull) && !strstr(got, "\"/dev/pts/") && !strstr(got, "mynull"),
	   "privileged: the host's devices, without /dev/pts or --device ones");
}

static void test_device_dir_errors(void)
{
	_cleanup_free_ char *dir = path_of("nodevs"), *sg = NULL, *want = NULL;

	write_file("nodevs/sub/file", "x");
	sg = xasprintf("{\"devices\":[{\"path\":\"%s\"}]}", dir);
	want = xasprintf("invalid --device '%s': no devices found in '%s': Invalid argument", dir,
			 dir);
	check_error(sg, want, "a directory without device nodes");
}

static void test_device_errors(void)
{
	struct {
		const char *path, *want;
	} cases[] = {
		{ "/nonexistent", "stat '/nonexistent': No such file or directory" },
		{ "/dev/null:rwx", "invalid device mode: rwx" },
		{ "/dev/null:/a:rr", "invalid device mode: rr" },
		{ "/dev/null:abc", "invalid device mode: abc" },
		{ "/dev/null::", "invalid device mode: " },
		{ "/dev/null:/a:r:w", "invalid device specification" },
		{ "/etc/passwd", "'/etc/passwd' is not a valid device: not a device node" },
		{ "/dev/pts:r:w", "invalid device specification: Invalid argument" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *sg =
			xasprintf("{\"devices\":[{\"path\":\"%s\"}]}", cases[i].path);
		_cleanup_free_ char *want =
			xasprintf("invalid --device '%s': %s", cases[i].path, cases[i].want);

		check_error(sg, want, cases[i].path);
	}
	check_error("{\"devices\":[{\"src\":\"/dev/null\"}]}",
		    "'devices[0].path': missing required value", "a device without path");
	test_device_dir_errors();
}

static void test_cgroup_rules(void)
{
	_cleanup_json_ json_object *spec = spec_new();
	_cleanup_free_ char *e = NULL, *got = NULL;

	check("{\"device_cgroup_rule\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
	      "\"access\":\"rwm\"},{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}]}",
	      "linux.resources.devices",
	      "[" DENY ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}"
	      ","
	      "{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}]",
	      "--device-cgroup-rule 'c 1:3 rwm' and 'b *:* m' (podman)");
	check_error("{\"device_cgroup_rule\":[{\"allow\":true,\"type\":\"x\"}]}",
		    "invalid --device-cgroup-rule: 'device_cgroup_rule[0].type': unknown device "
		    "type 'x' (a, b or c)",
		    "a bad rule type");
	check_error("{\"device_cgroup_rule\":[{\"allow\":true,\"access\":\"rwx\"}]}",
		    "invalid --device-cgroup-rule: 'device_cgroup_rule[0].access': invalid access "
		    "'rwx' (of r, w and m)",
		    "a bad rule access");
	check_error("{\"device_cgroup_rule\":[{\"major\":-3}]}",
		    "invalid --device-cgroup-rule: 'device_cgroup_rule[0]': negative device number",
		    "a bad rule number");
	ns_set(spec, "user", "/proc/1/ns/user");
	e = apply(spec,
		  "{\"devices\":[{\"path\":\"/dev/null\"}],\"device_cgroup_rule\":"
		  "[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}",
		  NULL, false);
	got = at(spec, "linux.resources.devices");
	is_str(got, "[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]",
	       "in a user namespace: no deny rule and no --device-cgroup-rule");
	free(TAKE_PTR(got));
	json_object_put(spec);
	spec = spec_new();
	free(TAKE_PTR(e));
	e = apply(spec, "{\"devices\":[{\"path\":\"/dev/null:/dev/n:r\"}]}", NULL, true);
	got = at(spec, "linux.devices");
	is_str(got, "absent", "rootless: no device nodes");
	free(TAKE_PTR(got));
	got = at(spec, "mounts");
	ok(strstr(got, "{\"destination\":\"/dev/n\",\"type\":\"bind\",\"source\":\"/dev/null\","
		       "\"options\":[\"slave\",\"nosuid\",\"noexec\",\"ro\",\"rbind\"]}]"),
	   "rootless: a bind mount, last");
	free(TAKE_PTR(got));
	got = at(spec, "linux.resources");
	is_str(got, "absent", "rootless: no device rules");
}

static void test_sysctls(void)
{
	_cleanup_json_ json_object *spec = spec_new();
	_cleanup_free_ char *e = NULL, *got = NULL;

	strv_push(&cc->default_sysctls, "net.ipv4.ping_group_range=0 0");
	check(NULL, "linux.sysctl", "{\"net.ipv4.ping_group_range\":\"0 0\"}",
	      "containers.conf default_sysctls");
	check("{\"sysctl\":{\"net.core.somaxconn\":\"1024\",\"kernel.msgmax\":\"8192\","
	      "\"fs.mqueue.msg_max\":\"20\"}}",
	      "linux.sysctl",
	      "{\"fs.mqueue.msg_max\":\"20\",\"kernel.msgmax\":\"8192\",\"net.core.somaxconn\":"
	      "\"1024\",\"net.ipv4.ping_group_range\":\"0 0\"}",
	      "--sysctl, sorted by key (podman)");
	check("{\"sysctl\":{\"net.ipv4.ping_group_range\":\"1 1\"}}", "linux.sysctl",
	      "{\"net.ipv4.ping_group_range\":\"1 1\"}", "--sysctl overrides the default");
	check_error("{\"sysctl\":{\"kernel.foo\":\"1\"}}",
		    "invalid --sysctl 'kernel.foo=1': sysctl 'kernel.foo' is not allowed",
		    "a sysctl that is not namespaced");
	check_error("{\"sysctl\":{\"kernel.hostname\":\"x\"}}",
		    "invalid --sysctl 'kernel.hostname=x': sysctl 'kernel.hostname' is not allowed",
		    "kernel.hostname (podman 4.3 refuses it too)");
	check_error("{\"sysctl\":{\"net.a\":1}}",
		    "'sysctl[\"net.a\"]': expected string, got integer",
		    "a sysctl value of the wrong type");
	ns_set(spec, "network", NULL);
	e = apply(spec, NULL, NULL, false);
	got = at(spec, "linux.sysctl");
	is_str(got, "absent", "net host: the default net.* sysctl is skipped (podman)");
	free(TAKE_PTR(got));
	free(TAKE_PTR(e));
	e = apply(spec, "{\"sysctl\":{\"net.core.somaxconn\":\"1\"}}", NULL, false);
	is_str(e,
	       "error: invalid --sysctl 'net.core.somaxconn=1': sysctl can't be set since Network "
	       "Namespace set to host",
	       "net host: --sysctl net.* refused");
	json_object_put(spec);
	spec = spec_new();
	ns_set(spec, "network", "/run/netns/x");
	free(TAKE_PTR(e));
	e = apply(spec, "{\"sysctl\":{\"net.core.somaxconn\":\"1\"}}", NULL, false);
	got = at(spec, "linux.sysctl");
	is_str(got, "{\"net.core.somaxconn\":\"1\"}",
	       "joined netns: the default skipped, --sysctl applied (podman)");
	free(TAKE_PTR(got));
	json_object_put(spec);
	spec = spec_new();
	ns_set(spec, "ipc", NULL);
	free(TAKE_PTR(e));
	e = apply(spec, "{\"sysctl\":{\"fs.mqueue.msg_max\":\"20\"}}", NULL, false);
	is_str(e,
	       "error: invalid --sysctl 'fs.mqueue.msg_max=20': sysctl can't be set since IPC "
	       "Namespace set to host",
	       "ipc host: fs.mqueue refused");
	free(TAKE_PTR(e));
	e = apply(spec, "{\"sysctl\":{\"kernel.shmmax\":\"20\"}}", NULL, false);
	is_str(e,
	       "error: invalid --sysctl 'kernel.shmmax=20': sysctl can't be set since IPC "
	       "Namespace set to host",
	       "ipc host: kernel.shm* refused");
	strv_clear(&cc->default_sysctls);
	strv_push(&cc->default_sysctls, "kernel.foo=1");
	check_error(NULL, "containers.conf default_sysctls: sysctl 'kernel.foo' is not allowed",
		    "a bad default sysctl");
	strv_clear(&cc->default_sysctls);
	strv_push(&cc->default_sysctls, "net.foo");
	check_error(NULL,
		    "containers.conf default_sysctls: 'net.foo' is invalid, sysctl values must be "
		    "in the form of KEY=VALUE",
		    "a default sysctl without a value");
	strv_clear(&cc->default_sysctls);
}

/* The hard limit the test runs with, so that clamping is predictable. */
#define TEST_NOFILE 4096

/* What a limit of want becomes, as spec_security() lowers it for this process. */
static unsigned long long clamped(int resource, unsigned long long want, bool rootless)
{
	struct rlimit rl;

	if (!rootless && caps_have_effective(cap_number("CAP_SYS_RESOURCE"))) {
		_cleanup_fclose_ FILE *f = fopen("/proc/sys/fs/nr_open", "re");
		unsigned long long nr = 1048576;

		if (resource == RLIMIT_NOFILE && f && fscanf(f, "%llu", &nr) == 1 && want > nr)
			return nr;
		return want;
	}
	getrlimit(resource, &rl);
	return rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max ? rl.rlim_max : want;
}

static char *rlimit_json(const char *type, int res, unsigned long long hard,
			 unsigned long long soft, bool rootless)
{
	unsigned long long h = clamped(res, hard, rootless), s = soft > h ? h : soft;

	return xasprintf("{\"type\":\"%s\",\"hard\":%llu,\"soft\":%llu}", type, h, s);
}

static void test_rlimits(void)
{
	_cleanup_free_ char *nofile =
		rlimit_json("RLIMIT_NOFILE", RLIMIT_NOFILE, 1048576, 1048576, false);
	_cleanup_free_ char *nproc =
		rlimit_json("RLIMIT_NPROC", RLIMIT_NPROC, 1048576, 1048576, false);
	_cleanup_free_ char *nproc_conf =
		rlimit_json("RLIMIT_NPROC", RLIMIT_NPROC, 32768, 32768, false);
	_cleanup_free_ char *want = NULL, *unl = NULL;
	_cleanup_json_ json_object *spec = spec_new();
	struct rlimit rl;

	strv_clear(&cc->default_ulimits);
	check(NULL, "process.rlimits", "absent", "no ulimits anywhere: none (podman)");
	strv_push(&cc->default_ulimits, "nproc=32768:32768");
	want = xasprintf("[%s,%s]", nofile, nproc_conf);
	check(NULL, "process.rlimits", want,
	      "containers.conf nproc, then podman's nofile default first (podman create)");
	free(TAKE_PTR(want));
	want = xasprintf("[{\"type\":\"RLIMIT_NOFILE\",\"hard\":200,\"soft\":100},%s]", nproc);
	check("{\"r_limits\":[{\"type\":\"nofile\",\"hard\":200,\"soft\":100}]}", "process.rlimits",
	      want, "--ulimit nofile=100:200 replaces the defaults (podman)");
	free(TAKE_PTR(want));
	unl = rlimit_json("RLIMIT_NOFILE", RLIMIT_NOFILE, UINT64_MAX, UINT64_MAX, false);
	want = xasprintf("[%s,{\"type\":\"RLIMIT_CORE\",\"hard\":5,\"soft\":5},%s]", unl, nproc);
	check("{\"r_limits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":-1,\"soft\":-1},"
	      "{\"type\":\"core\",\"hard\":5,\"soft\":5}]}",
	      "process.rlimits", want, "-1 is unlimited, lowered to what may be set");
	free(TAKE_PTR(want));
	want = xasprintf("[%s,{\"type\":\"RLIMIT_NPROC\",\"hard\":20,\"soft\":10}]", nofile);
	check("{\"r_limits\":[{\"type\":\"nproc\",\"hard\":20,\"soft\":10}]}", "process.rlimits",
	      want, "--ulimit nproc=10:20 (podman)");
	free(TAKE_PTR(want));
	want = xasprintf("[%s,{\"type\":\"RLIMIT_NPROC\",\"hard\":20,\"soft\":10}]", nofile);
	check("{\"r_limits\":[{\"type\":\"nproc\",\"hard\":18446744073709551615,\"soft\":10},"
	      "{\"type\":\"nproc\",\"hard\":20,\"soft\":10}]}",
	      "process.rlimits", want, "the last of one type wins; uint64 values read");
	free(TAKE_PTR(want));
	check_error("{\"r_limits\":[{\"type\":\"foo\",\"hard\":1,\"soft\":1}]}",
		    "invalid --ulimit 'foo': invalid ulimit type", "unknown type");
	check_error("{\"r_limits\":[{\"type\":\"nofile\",\"hard\":10,\"soft\":20}]}",
		    "invalid --ulimit 'nofile': soft limit 20 is above hard limit 10",
		    "soft above hard");
	check_error("{\"r_limits\":[{\"type\":\"nofile\",\"hard\":-2,\"soft\":1}]}",
		    "invalid --ulimit 'nofile': 'r_limits[0].hard': -2 is not a limit (-1 is "
		    "unlimited)",
		    "a negative limit");
	check_error("{\"r_limits\":[{\"type\":\"nofile\",\"hard\":\"1\"}]}",
		    "invalid --ulimit 'nofile': 'r_limits[0].hard': expected integer, got string",
		    "a limit of the wrong type");
	check_error("{\"r_limits\":[{\"hard\":1}]}", "'r_limits[0].type': missing required value",
		    "no type");
	/* The caller's hard limit is the ceiling without CAP_SYS_RESOURCE (and rootless). */
	getrlimit(RLIMIT_NOFILE, &rl);
	want = xasprintf("{\"type\":\"RLIMIT_NOFILE\",\"hard\":%llu,\"soft\":%llu}",
			 (unsigned long long)rl.rlim_max, (unsigned long long)rl.rlim_max);
	free(apply(spec, "{\"r_limits\":[{\"type\":\"nofile\",\"hard\":9999999,\"soft\":9999999}]}",
		   NULL, true));
	{
		_cleanup_free_ char *got = at(spec, "process.rlimits");

		ok(str_has_prefix(got + 1, want), "rootless: nofile lowered to the caller's hard "
						  "limit");
	}
	free(TAKE_PTR(want));
	strv_clear(&cc->default_ulimits);
	strv_push(&cc->default_ulimits, "nofile=x");
	check_error(NULL,
		    "containers.conf default_ulimits 'nofile=x': strconv.ParseInt: parsing \"x\": "
		    "invalid syntax",
		    "a bad default ulimit");
	strv_clear(&cc->default_ulimits);
	strv_push(&cc->default_ulimits, "nproc=32768:32768");
}

/* ---- a generated spec under runc ---- */

static const char *find_runc(void)
{
	static const char *const paths[] = { "/usr/bin/runc", "/usr/sbin/runc",
					     "/usr/local/bin/runc", "/usr/local/sbin/runc" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static bool copy_file(const char *from, const char *to, mode_t mode)
{
	_cleanup_buf_ buf b = BUF_INIT;
	FILE *f;
	bool okay;

	if (buf_read_file(&b, from) < 0 || !(f = fopen(to, "we")))
		return false;
	okay = fwrite(b.s, 1, b.len, f) == b.len;
	okay = fclose(f) == 0 && okay;
	return okay && chmod(to, mode) == 0;
}

/* A bundle whose rootfs holds busybox; returns the bundle path. */
static char *make_bundle(void)
{
	char *bundle = path_of("bundle");
	_cleanup_free_ char *rootfs = path_of("bundle/rootfs"), *bin = path_of("bundle/rootfs/bin");
	_cleanup_free_ char *bb = path_of("bundle/rootfs/bin/busybox");

	mkdir(bundle, 0755);
	mkdir(rootfs, 0755);
	mkdir(bin, 0755);
	if (!copy_file("/bin/busybox", bb, 0755)) {
		free(bundle);
		return NULL;
	}
	return bundle;
}

#define SCRIPT                                                               \
	"grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; " \
	"echo nofile $(ulimit -n) $(ulimit -Hn); "                           \
	"echo somaxconn $(cat /proc/sys/net/core/somaxconn); "               \
	"test -c /dev/mynull && echo mynull ok; "                            \
	"echo oom $(cat /proc/self/oom_score_adj); "                         \
	"echo pids $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)"

/* Generates the security and resources parts for sg, runs the spec under runc as uid and
 * returns what the script printed (NULL on failure, with a diagnostic). */
static char *run_runc(const char *runc, const char *bundle, const char *sg, unsigned uid)
{
	_cleanup_json_ json_object *spec = spec_new(), *sgo = json_tokener_parse(sg);
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", bundle), *cfg = NULL, *text = NULL;
	_cleanup_free_ char *root = path_of("runc-root"),
			    *id = xasprintf("cpod-unit-%d-%u", (int)getpid(), uid);
	_cleanup_buf_ buf out = BUF_INIT;
	spec_ctx ctx = { .id = id,
			 .name = "t",
			 .sg = sgo,
			 .cc = cc,
			 .rootfs = rootfs,
			 .rootfs_fd = -1,
			 .cgroup_parent = "/cpod-unittest" };
	json_object *proc, *user, *args = json_object_new_array(), *env = json_object_new_array();
	const char *argv[] = { runc, "--root", root, "run", "--bundle", bundle, id, NULL };
	cgroup_features f;
	cpod_error *e = NULL;
	spawn sp;
	FILE *fp;
	int r;

	ctx.cgroup2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	cgroup_features_probe("/sys/fs/cgroup", ctx.cgroup2, &f);
	r = spec_security(&ctx, spec, &e);
	if (r == 0)
		r = spec_resources_apply(&ctx, &f, spec, &e);
	cgroup_features_release(&f);
	if (r < 0) {
		diag("generating: %s", cpod_error_message(e));
		cpod_error_free(e);
		json_object_put(args);
		json_object_put(env);
		return NULL;
	}
	json_object_object_get_ex(spec, "process", &proc);
	json_object_array_add(args, json_object_new_string("/bin/busybox"));
	json_object_array_add(args, json_object_new_string("sh"));
	json_object_array_add(args, json_object_new_string("-c"));
	json_object_array_add(args, json_object_new_string(SCRIPT));
	json_object_object_add(proc, "args", args);
	json_object_array_add(env, json_object_new_string("PATH=/bin"));
	json_object_object_add(proc, "env", env);
	json_object_object_get_ex(proc, "user", &user);
	json_object_object_add(user, "uid", json_object_new_int(uid));
	json_object_object_add(user, "gid", json_object_new_int(uid));
	json_object_object_add(json_object_object_get(spec, "root"), "path",
			       json_object_new_string(rootfs));
	cfg = xasprintf("%s/config.json", bundle);
	text = json_to_string(spec, JSON_FMT_PRETTY);
	fp = fopen(cfg, "we");
	if (!fp)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	spawn_init(&sp, argv);
	sp.in.mode = SPAWN_NULL;
	if (spawn_capture_ex(&sp, &out, 1 << 20, &e) < 0) {
		diag("runc: %s", cpod_error_message(e));
		cpod_error_free(e);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* The CapBnd mask of the default capabilities (within the bounding set) plus extra. */
static unsigned long long caps_mask(const char *extra)
{
	_cleanup_strv_free_ char **b = caps_bounding_set();
	unsigned long long m = 0;

	for (size_t i = 0; i < cc->default_capabilities.n; i++)
		if (strv_contains((const char *const *)b, cc->default_capabilities.v[i]))
			m |= 1ULL << cap_number(cc->default_capabilities.v[i]);
	if (extra)
		m |= 1ULL << cap_number(extra);
	return m;
}

/* runc removes the container's cgroups but not their parent. */
static void remove_test_cgroups(void)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *de;

	rmdir("/sys/fs/cgroup/cpod-unittest");
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s/cpod-unittest", de->d_name);

		rmdir(p);
	}
}

static void test_runc(void)
{
	const char *runc = find_runc();
	_cleanup_free_ char *bundle = NULL, *out = NULL, *want = NULL;
	unsigned long long full = caps_mask("CAP_NET_ADMIN");

	if (geteuid() != 0 || !runc || access("/bin/busybox", X_OK) != 0) {
		ok(1, "# SKIP runc test: needs root, runc and /bin/busybox");
		return;
	}
	remove_test_cgroups();
	bundle = make_bundle();
	ok(bundle != NULL, "a busybox bundle");
	if (!bundle)
		return;
	out = run_runc(runc, bundle,
		       "{\"cap_add\":[\"net_admin\"],\"no_new_privileges\":true,\"devices\":"
		       "[{\"path\":\"/dev/null:/dev/mynull\"}],\"sysctl\":{\"net.core.somaxconn\":"
		       "\"1024\"},\"r_limits\":[{\"type\":\"nofile\",\"hard\":2048,\"soft\":1024}],"
		       "\"oom_score_adj\":100}",
		       0);
	ok(out != NULL, "runc ran the generated spec");
	if (!out)
		return;
	for (char *line = out, *nl; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		diag("%.*s", (int)(nl - line), line);
		if (!*nl)
			break;
	}
	want = xasprintf("CapBnd:\t%016llx\n", full);
	ok(strstr(out, want) != NULL, "bounding set in /proc/1/status");
	free(TAKE_PTR(want));
	want = xasprintf("CapEff:\t%016llx\n", full);
	ok(strstr(out, want) != NULL, "effective set in /proc/1/status");
	ok(strstr(out, "NoNewPrivs:\t1\n") != NULL, "no_new_privileges");
	ok(strstr(out, "Seccomp:\t2\n") != NULL, "a seccomp filter");
	ok(strstr(out, "nofile 1024 2048\n") != NULL, "the nofile limits");
	ok(strstr(out, "somaxconn 1024\n") != NULL, "the sysctl");
	ok(strstr(out, "mynull ok\n") != NULL, "the device node");
	ok(strstr(out, "oom 100\n") != NULL, "oom_score_adj");
	ok(strstr(out, "pids 2048\n") != NULL, "the pids limit from containers.conf");
	free(out);
	out = run_runc(runc, bundle, "{\"user\":\"1000\"}", 1000);
	ok(out != NULL, "runc ran the spec of a user 1000 container");
	free(TAKE_PTR(want));
	want = xasprintf("CapEff:\t0000000000000000\nCapBnd:\t%016llx\n", caps_mask(NULL));
	ok(out && strstr(out, want) != NULL, "user 1000: bounding set, no effective capabilities");
	remove_test_cgroups();
}

int main(void)
{
	struct rlimit rl;

	if (!mkdtemp(tmp))
		return 1;
	/* A known hard limit for nofile, below any default, makes the clamping predictable. */
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max > TEST_NOFILE) {
		rl.rlim_max = TEST_NOFILE;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cc = containers_conf_new_defaults(false);
	strv_clear(&cc->default_ulimits);
	strv_push(&cc->default_ulimits, "nproc=32768:32768");
	test_caps();
	test_process_fields();
	test_seccomp();
	test_masks();
	test_mounts();
	test_devices();
	test_device_errors();
	test_cgroup_rules();
	test_sysctls();
	test_rlimits();
	test_runc();
	containers_conf_free(cc);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
