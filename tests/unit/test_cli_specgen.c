/* cli/specgen*.c: create/run options -> the container description (podman's SpecGenerator
 * JSON), parsed through the real option tables as `cpod run` parses them. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/opts.h"
#include "cli/specgen.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-specgen-XXXXXX";
#include "tmpdir.h"

/* Strings handed out by the helpers below, freed at the end. */
static strv pool = STRV_INIT;

static const char *keep(char *s)
{
	strv_push_take(&pool, s);
	return s;
}

typedef struct {
	json_object *sg; /* the description, or NULL */
	const char *err; /* the error message, or NULL */
	int kind;
} result;

/* Parses argv (NULL-terminated) with the run table and converts it. */
static result convert_table(const cli_option *table, const char *const *argv)
{
	struct cli_create_opts o;
	cli_optset set = { 0 };
	cli_optset *sets[] = { &set };
	cpod_error *err = NULL;
	strv args = STRV_INIT;
	result r = { 0 };
	static const char *const cmdline[] = { "cpod", "run", "x", NULL };

	memset(&o, 0, sizeof(o));
	if (cli_optset_init(&set, table, &o, &err) < 0)
		abort();
	if (cli_opts_parse(sets, 1, CLI_PARSE_STOP_AT_POSITIONAL, (int)strv_length((char **)argv),
			   (char *const *)argv, &args, NULL, &err) != 0 ||
	    cli_specgen_build(&o, &set, (int)args.n, args.v, cmdline, &r.sg, &err) < 0) {
		r.err = err ? keep(xstrdup(cpod_error_message(err))) : "(no error)";
		r.kind = err ? (int)cpod_error_kind(err) : 0;
	}
	cpod_error_free(err);
	strv_clear(&args);
	cli_optset_release(&set);
	return r;
}

#define RUN(...) \
	convert_table(cmd_container_run_options, (const char *const[]){ __VA_ARGS__, NULL })
#define CREATE(...) \
	convert_table(cmd_container_create_options, (const char *const[]){ __VA_ARGS__, NULL })

/* The value at path ("a.b[2].c") as compact JSON, or "(absent)". */
static const char *jget(json_object *o, const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *save = NULL;

	for (char *tok = strtok_r(p, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');

		if (br)
			*br = '\0';
		if (*tok && !json_object_object_get_ex(o, tok, &o))
			return "(absent)";
		for (; br && o; br = strchr(br + 1, '[')) {
			size_t i = strtoul(br + 1, NULL, 10);

			if (!json_object_is_type(o, json_type_array) ||
			    i >= json_object_array_length(o))
				return "(absent)";
			o = json_object_array_get_idx(o, i);
		}
	}
	return keep(xstrdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
}

/* Converts and checks the value at path. */
static void expect_at(result r, const char *path, const char *want, const char *what)
{
	if (!r.sg) {
		ok(0, "%s: converts", what);
		diag("error: %s", r.err);
		return;
	}
	is_str(jget(r.sg, path), want, "%s: %s", what, path);
}

static void expect_err(result r, const char *want, const char *what)
{
	ok(!r.sg, "%s: refused", what);
	is_str(r.err, want, "%s: message", what);
	if (r.sg)
		is_int(0, 1, "%s: kind", what);
	else
		is_int(r.kind, CPOD_ERR_INVALID, "%s: CPOD_ERR_INVALID", what);
	json_object_put(r.sg);
}

/* One result checked at several paths: CHECK(RUN(...), {path, want}, ...). */
typedef struct {
	const char *path, *want;
} at;

static void check(result r, const char *what, const at *checks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_at(r, checks[i].path, checks[i].want, what);
	json_object_put(r.sg);
}

#define CHECK(what, r, ...)                         \
	check(r, what, (const at[]){ __VA_ARGS__ }, \
	      sizeof((const at[]){ __VA_ARGS__ }) / sizeof(at))

static void test_basics(void)
{
	CHECK("image and command", RUN("busybox", "ls", "-l", "--all"), { "image", "\"busybox\"" },
	      { "command", "[\"ls\",\"-l\",\"--all\"]" }, { "rootfs", "(absent)" },
	      { "pull_policy", "\"missing\"" }, { "name", "(absent)" },
	      { "containerCreateCommand", "[\"cpod\",\"run\",\"x\"]" },
	      { "annotations", "{\"io.kubernetes.cri-o.TTY\":\"false\"}" }, { "env", "(absent)" },
	      { "resource_limits", "(absent)" }, { "stop_timeout", "(absent)" },
	      { "mounts", "(absent)" });
	CHECK("no command", RUN("busybox"), { "command", "(absent)" });
	CHECK("-- ends options", RUN("--", "busybox", "-v"), { "command", "[\"-v\"]" });
	CHECK("rootfs", RUN("--rootfs", "/srv/root", "sh"), { "rootfs", "\"/srv/root\"" },
	      { "image", "(absent)" });
	expect_err(RUN("--name", "x"), "requires at least 1 arg(s), only received 0", "no image");
	CHECK("name and hostname", RUN("--name", "web", "-h", "box", "busybox"),
	      { "name", "\"web\"" }, { "hostname", "\"box\"" });
	CHECK("create table", CREATE("--name", "c1", "busybox"), { "name", "\"c1\"" });
	expect_err(CREATE("-d", "busybox"), "unknown shorthand flag: 'd' in -d",
		   "create has no -d");
	CHECK("booleans", RUN("--rm", "--privileged", "--init", "-t", "-i", "busybox"),
	      { "remove", "true" }, { "privileged", "true" }, { "init", "true" },
	      { "terminal", "true" }, { "stdin", "true" });
	CHECK("tty annotation", RUN("-t", "busybox"),
	      { "annotations", "{\"io.kubernetes.cri-o.TTY\":\"true\"}" });
	CHECK("purge is --rm", RUN("--purge", "busybox"), { "remove", "true" });
	CHECK("process", RUN("-w", "/srv", "-u", "1000:1000", "--umask", "0077", "busybox"),
	      { "work_dir", "\"/srv\"" }, { "user", "\"1000:1000\"" }, { "umask", "\"0077\"" });
	expect_err(RUN("--umask", "0999", "busybox"), "invalid umask string 0999: invalid argument",
		   "umask with 9");
	expect_err(RUN("--umask", "00777", "busybox"),
		   "invalid umask string 00777: invalid argument", "umask too long");
	expect_err(RUN("--umask", "", "busybox"), "invalid umask string : invalid argument",
		   "empty umask");
	CHECK("init path", RUN("--init-path", "/usr/bin/tini", "busybox"),
	      { "init_path", "\"/usr/bin/tini\"" });
	CHECK("caps", RUN("--cap-add", "NET_ADMIN,SYS_TIME", "--cap-drop", "all", "busybox"),
	      { "cap_add", "[\"NET_ADMIN\",\"SYS_TIME\"]" }, { "cap_drop", "[\"all\"]" });
	CHECK("cgroup parent and pidfile",
	      RUN("--cgroup-parent", "/mine", "--conmon-pidfile", "/run/c.pid", "busybox"),
	      { "cgroup_parent", "\"/mine\"" }, { "conmon_pid_file", "\"/run/c.pid\"" });
	CHECK("cidfile", RUN("--cidfile", "/tmp/cid", "busybox"), { "cidfile", "\"/tmp/cid\"" });
	{
		result r = RUN("--cidfile", "/tmp/cid", "busybox");
		json_object *ann = NULL, *v = NULL;

		ok(r.sg && json_object_object_get_ex(r.sg, "annotations", &ann) &&
			   json_object_object_get_ex(ann, "io.podman.annotations.cid-file", &v) &&
			   strcmp(json_object_get_string(v), "/tmp/cid") == 0,
		   "cidfile annotation");
		json_object_put(r.sg);
	}
	CHECK("timeouts", RUN("--stop-timeout", "0", "--timeout", "30", "busybox"),
	      { "stop_timeout", "0" }, { "timeout", "30" });
	CHECK("zero timeout is none", RUN("--timeout", "0", "busybox"), { "timeout", "(absent)" });
	expect_err(RUN("--stop-timeout", "x", "busybox"),
		   "invalid argument \"x\" for \"--stop-timeout\" flag: strconv.ParseUint: parsing "
		   "\"x\": invalid syntax",
		   "bad stop timeout");
	expect_err(RUN("--timeout", "-1", "busybox"),
		   "invalid argument \"-1\" for \"--timeout\" flag: strconv.ParseUint: parsing "
		   "\"-1\": invalid syntax",
		   "negative timeout");
	CHECK("sdnotify", RUN("--sdnotify", "conmon", "busybox"), { "sdnotifyMode", "\"conmon\"" });
	CHECK("sdnotify default", RUN("busybox"), { "sdnotifyMode", "(absent)" });
	expect_err(RUN("--sdnotify", "x", "busybox"),
		   "invalid argument: invalid sdnotify value \"x\": must be container, conmon or "
		   "ignore",
		   "bad sdnotify");
	CHECK("http proxy", RUN("--http-proxy=false", "busybox"), { "httpproxy", "false" });
	CHECK("http proxy default", RUN("busybox"), { "httpproxy", "(absent)" });
	CHECK("image volume", RUN("--image-volume", "tmpfs", "busybox"),
	      { "image_volume_mode", "\"tmpfs\"" });
	CHECK("image volume default", RUN("busybox"), { "image_volume_mode", "(absent)" });
	expect_err(RUN("--image-volume", "x", "busybox"),
		   "invalid image volume mode \"x\" required value: bind, tmpfs, ignore",
		   "bad image volume");
	CHECK("systemd", RUN("--systemd", "FALSE", "busybox"), { "image", "\"busybox\"" });
	expect_err(RUN("--systemd", "always", "busybox"),
		   "option --systemd=always is not supported yet", "systemd always");
	expect_err(RUN("--systemd", "x", "busybox"),
		   "--systemd values must be one of \"true, false, always\": invalid configuration",
		   "bad systemd");
	CHECK("noops",
	      RUN("--disable-content-trust", "--kernel-memory", "1g", "--gpus", "all", "-q",
		  "--authfile", "/a.json", "--creds", "u:p", "--tls-verify=false", "busybox"),
	      { "image", "\"busybox\"" });
}

static void test_pull_and_platform(void)
{
	cli_pull_policy p;
	cpod_error *err = NULL;
	_cleanup_free_ char *copy = NULL;
	const char *os, *arch, *variant;

	CHECK("pull always", RUN("--pull", "always", "busybox"), { "pull_policy", "\"always\"" });
	CHECK("pull never", RUN("--pull=never", "busybox"), { "pull_policy", "\"never\"" });
	expect_err(RUN("--pull", "sometimes", "busybox"), "unsupported pull policy \"sometimes\"",
		   "bad pull policy");
	ok(cli_parse_pull_policy("IfNotPresent", &p, NULL) == 0 && p == CLI_PULL_MISSING, "IfNotPre"
											  "sent is "
											  "missin"
											  "g");
	ok(cli_parse_pull_policy("", &p, NULL) == 0 && p == CLI_PULL_MISSING, "'' is missing");
	ok(cli_parse_pull_policy("ifnewer", &p, NULL) == 0 && p == CLI_PULL_NEWER, "ifnewer");
	ok(cli_parse_pull_policy("Never", &p, NULL) == 0 && p == CLI_PULL_NEVER, "Never");
	ok(cli_parse_pull_policy("Always", &p, NULL) == 0 && p == CLI_PULL_ALWAYS, "Always");
	ok(cli_parse_pull_policy("ALWAYS", &p, &err) < 0, "ALWAYS is not a policy");
	cpod_error_free(err);
	err = NULL;

	ok(cli_split_platform("linux/arm64/v8", NULL, NULL, NULL, &copy, &os, &arch, &variant,
			      NULL) == 0,
	   "platform with variant");
	is_str(os, "linux", "platform os");
	is_str(arch, "arm64", "platform arch");
	is_str(variant, "v8", "platform variant");
	free(copy);
	copy = NULL;
	ok(cli_split_platform("linux/amd64", NULL, NULL, "v2", &copy, &os, &arch, &variant, NULL) ==
			   0 &&
		   str_eq(arch, "amd64") && str_eq(variant, "v2"),
	   "platform keeps --variant");
	free(copy);
	copy = NULL;
	ok(cli_split_platform(NULL, "linux", "arm", NULL, &copy, &os, &arch, &variant, NULL) == 0 &&
		   str_eq(os, "linux") && str_eq(arch, "arm") && !variant && !copy,
	   "--os and --arch without --platform");
	ok(cli_split_platform("linux/arm", "linux", NULL, NULL, &copy, &os, &arch, &variant, &err) <
		   0,
	   "--platform with --os refused");
	is_str(cpod_error_message(err),
	       "--platform option can not be specified with --arch or --os",
	       "platform conflict message");
	cpod_error_free(err);
}

static void test_signals(void)
{
	static const struct {
		const char *in;
		int want;
	} good[] = { { "TERM", 15 }, { "SIGKILL", 9 },	{ "sigusr1", 10 },    { "9", 9 },
		     { "-HUP", 1 },  { "RTMIN+3", 37 }, { "SIGRTMAX-1", 63 }, { "RTMAX", 64 },
		     { "64", 64 },   { "+2", 2 },	{ "winch", 28 },      { "CLD", 17 } };
	static const struct {
		const char *in, *msg;
	} bad[] = { { "FOO", "invalid signal: FOO" },
		    { "0", "invalid signal: 0" },
		    { "65", "valid signals are 1 through 64" },
		    { "--5", "valid signals are 1 through 64" },
		    { "RTMIN+16", "invalid signal: RTMIN+16" },
		    { "", "invalid signal: " },
		    { "99999999999999999999", "invalid signal: 99999999999999999999" } };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int sig = -1;

		ok(cli_parse_signal(good[i].in, &sig, NULL) == 0, "signal '%s' parses", good[i].in);
		is_int(sig, good[i].want, "signal '%s' value", good[i].in);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cpod_error *err = NULL;
		int sig = -1;

		ok(cli_parse_signal(bad[i].in, &sig, &err) < 0, "signal '%s' refused", bad[i].in);
		is_str(cpod_error_message(err), bad[i].msg, "signal '%s' message", bad[i].in);
		cpod_error_free(err);
	}
	CHECK("stop signal", RUN("--stop-signal", "SIGINT", "busybox"), { "stop_signal", "2" });
	expect_err(RUN("--stop-signal", "NOPE", "busybox"), "invalid signal: NOPE",
		   "bad stop signal");
}

static void test_env(void)
{
	_cleanup_free_ char *file = path_of("env.list"), *bad = path_of("bad.env");
	_cleanup_free_ char *missing = path_of("missing.env");
	_cleanup_free_ char *want = NULL;

	setenv("CPOD_T_HOST", "from-host", 1);
	setenv("CPOD_T_GLOB_A", "a", 1);
	setenv("CPOD_T_GLOB_B", "b", 1);
	unsetenv("CPOD_T_UNSET");
	write_file("env.list", "# comment\n\n  A=1\nB=two words\r\nCPOD_T_HOST\nCPOD_T_UNSET\n"
			       "\tC=from-file\n");
	write_file("bad.env", "OK=1\n=oops\n");
	CHECK("env",
	      RUN("-e", "X=1", "-e", "CPOD_T_HOST", "-e", "CPOD_T_UNSET", "-e", "E=", "busybox"),
	      { "env", "{\"X\":\"1\",\"CPOD_T_HOST\":\"from-host\",\"E\":\"\"}" });
	CHECK("env glob", RUN("-e", "CPOD_T_GLOB_*", "busybox"), { "env.CPOD_T_GLOB_A", "\"a\"" },
	      { "env.CPOD_T_GLOB_B", "\"b\"" });
	CHECK("env value with =", RUN("-e", "A=b=c", "busybox"), { "env.A", "\"b=c\"" });
	CHECK("env-file then -e", RUN("--env-file", file, "-e", "C=from-flag", "busybox"),
	      { "env.A", "\"1\"" }, { "env.B", "\"two words\"" },
	      { "env.CPOD_T_HOST", "\"from-host\"" }, { "env.CPOD_T_UNSET", "(absent)" },
	      { "env.C", "\"from-flag\"" });
	want = xasprintf("parsing env file \"%s\": invalid environment variable: \"=oops\"", bad);
	expect_err(RUN("--env-file", bad, "busybox"), want, "bad env file line");
	free(want);
	want = xasprintf("parsing env file \"%s\": open %s: no such file or directory", missing,
			 missing);
	expect_err(RUN("--env-file", missing, "busybox"), want, "missing env file");
	expect_err(RUN("-e", "=x", "busybox"), "invalid environment variable: \"=x\"", "-e =x");
	CHECK("env host and unset",
	      RUN("--env-host", "--unsetenv", "PATH", "--unsetenv", "HOME", "--unsetenv-all",
		  "busybox"),
	      { "env_host", "true" }, { "unsetenv", "[\"PATH\",\"HOME\"]" },
	      { "unsetenvall", "true" });
}

static void test_labels_annotations(void)
{
	_cleanup_free_ char *file = path_of("labels"), *bad = path_of("bad.labels");
	_cleanup_free_ char *want = NULL;

	write_file("labels", "# c\nx=1\nlonely\nCPOD_T_GLOB_*\n");
	write_file("bad.labels", "a b=1\n");
	unsetenv("PODMAN_SYSTEMD_UNIT");
	CHECK("labels", RUN("-l", "a=1", "--label", "b", "-l", "c=x=y", "busybox"),
	      { "labels", "{\"a\":\"1\",\"b\":\"\",\"c\":\"x=y\"}" });
	CHECK("label file", RUN("--label-file", file, "-l", "x=2", "busybox"),
	      { "labels.x", "\"2\"" }, { "labels.lonely", "(absent)" },
	      { "labels.CPOD_T_GLOB_A", "\"a\"" });
	expect_err(RUN("--label-file", bad, "busybox"),
		   "unable to process labels: name \"a b\" has white spaces, poorly formatted name",
		   "label with spaces");
	want = xasprintf("unable to process labels: open %s/none: no such file or directory", tmp);
	{
		_cleanup_free_ char *none = path_of("none");

		expect_err(RUN("--label-file", none, "busybox"), want, "missing label file");
	}
	expect_err(RUN("-l", "=v", "busybox"),
		   "unable to process labels: invalid label format: \"=v\"", "empty label key");
	setenv("PODMAN_SYSTEMD_UNIT", "web.service", 1);
	CHECK("systemd unit label", RUN("busybox"),
	      { "labels.PODMAN_SYSTEMD_UNIT", "\"web.service\"" });
	unsetenv("PODMAN_SYSTEMD_UNIT");
	CHECK("annotations", RUN("--annotation", "a=1,b=x=y", "busybox"),
	      { "annotations.a", "\"1\"" }, { "annotations.b", "\"x=y\"" });
	expect_err(RUN("--annotation", "novalue", "busybox"),
		   "annotations must be formatted KEY=VALUE", "bad annotation");
	{
		result r = RUN("--group-add", "keep-groups", "busybox");
		json_object *ann = NULL, *v = NULL;

		ok(r.sg && json_object_object_get_ex(r.sg, "annotations", &ann) &&
			   json_object_object_get_ex(ann, "run.oci.keep_original_groups", &v) &&
			   str_eq(json_object_get_string(v), "1"),
		   "keep-groups annotation");
		is_str(r.sg ? jget(r.sg, "groups") : NULL, "(absent)", "keep-groups is no group");
		json_object_put(r.sg);
	}
	CHECK("groups", RUN("--group-add", "wheel,10", "busybox"),
	      { "groups", "[\"wheel\",\"10\"]" });
	expect_err(RUN("--group-add", "keep-groups,wheel", "busybox"),
		   "the '--group-add keep-groups' option is not allowed with any other --group-add "
		   "options",
		   "keep-groups with others");
}

static void test_entrypoint_restart_log(void)
{
	CHECK("entrypoint json", RUN("--entrypoint", "[\"/bin/sh\",\"-c\"]", "busybox"),
	      { "entrypoint", "[\"/bin/sh\",\"-c\"]" });
	CHECK("entrypoint string", RUN("--entrypoint", "/bin/sh -c", "busybox"),
	      { "entrypoint", "[\"/bin/sh -c\"]" });
	CHECK("entrypoint empty", RUN("--entrypoint", "", "busybox"), { "entrypoint", "[\"\"]" });
	CHECK("entrypoint not strings", RUN("--entrypoint", "[1]", "busybox"),
	      { "entrypoint", "[\"[1]\"]" });
	CHECK("restart", RUN("--restart", "always", "busybox"), { "restart_policy", "\"always\"" },
	      { "restart_tries", "(absent)" });
	CHECK("restart tries", RUN("--restart", "on-failure:3", "busybox"),
	      { "restart_policy", "\"on-failure\"" }, { "restart_tries", "3" });
	CHECK("restart no", RUN("--restart", "no", "--rm", "busybox"),
	      { "restart_policy", "\"no\"" });
	CHECK("rm with on-failure", RUN("--restart", "on-failure", "--rm", "busybox"),
	      { "remove", "true" });
	CHECK("unless-stopped", RUN("--restart", "unless-stopped", "busybox"),
	      { "restart_policy", "\"unless-stopped\"" });
	expect_err(RUN("--restart", "always", "--rm", "busybox"),
		   "the --rm option conflicts with --restart, when the restartPolicy is not \"\" "
		   "and \"no\"",
		   "rm and restart");
	expect_err(RUN("--restart", "on-failure:2", "--rm", "busybox"),
		   "the --rm option conflicts with --restart, when the restartPolicy is not \"\" "
		   "and \"no\"",
		   "rm and restart with retries");
	expect_err(RUN("--restart", "on-failure:x", "busybox"),
		   "parsing restart policy retry count: strconv.Atoi: parsing \"x\": invalid "
		   "syntax",
		   "bad retries");
	expect_err(RUN("--restart", "on-failure:-1", "busybox"),
		   "must specify restart policy retry count as a number greater than 0",
		   "negative retries");
	expect_err(RUN("--restart", "always:3", "busybox"),
		   "restart policy retries can only be specified with on-failure restart policy",
		   "retries without on-failure");
	expect_err(RUN("--restart", "on-failure:1:2", "busybox"),
		   "invalid restart policy: may specify retries at most once", "two retries");
	expect_err(RUN("--restart", "sometimes", "busybox"),
		   "\"sometimes\" is not a valid restart policy: invalid argument", "bad policy");
	CHECK("log",
	      RUN("--log-driver", "k8s-file", "--log-opt", "path=/tmp/l.log,max-size=10k",
		  "--log-opt", "tag={{.Name}}", "busybox"),
	      { "log_configuration.driver", "\"k8s-file\"" },
	      { "log_configuration.path", "\"/tmp/l.log\"" }, { "log_configuration.size", "10000" },
	      { "log_configuration.options", "{\"tag\":\"{{.Name}}\"}" });
	CHECK("log driver in opt", RUN("--log-opt", "Driver=journald", "busybox"),
	      { "log_configuration.driver", "\"journald\"" },
	      { "log_configuration.options", "(absent)" });
	CHECK("no log config", RUN("busybox"), { "log_configuration", "(absent)" });
	expect_err(RUN("--log-opt", "nokey", "busybox"), "invalid log option \"nokey\"",
		   "log opt without =");
	expect_err(RUN("--log-opt", "max-size=lots", "busybox"), "invalid size: 'lots'",
		   "bad max-size");
}

static void test_security(void)
{
	CHECK("read only", RUN("--read-only", "busybox"), { "read_only_filesystem", "true" },
	      { "read_write_tmpfs", "true" });
	CHECK("read only without tmpfs", RUN("--read-only", "--read-only-tmpfs=false", "busybox"),
	      { "read_write_tmpfs", "false" });
	CHECK("tmpfs option alone", RUN("--read-only-tmpfs=false", "busybox"),
	      { "read_write_tmpfs", "(absent)" });
	CHECK("security opts",
	      RUN("--security-opt", "seccomp=/etc/s.json", "--security-opt", "no-new-privileges",
		  "--security-opt", "mask=/a:/b", "--security-opt", "unmask=/c", "--security-opt",
		  "label=disable", "--security-opt", "apparmor=unconfined", "busybox"),
	      { "seccomp_profile_path", "\"/etc/s.json\"" }, { "no_new_privileges", "true" },
	      { "mask", "[\"/a\",\"/b\"]" }, { "unmask", "[\"/c\"]" },
	      { "selinux_opts", "(absent)" }, { "apparmor_profile", "(absent)" });
	CHECK("colon syntax", RUN("--security-opt", "seccomp:unconfined", "busybox"),
	      { "seccomp_profile_path", "\"unconfined\"" });
	CHECK("no-new-privileges=false",
	      RUN("--security-opt", "no-new-privileges=false", "busybox"),
	      { "no_new_privileges", "false" });
	CHECK("systempaths", RUN("--security-opt", "systempaths=unconfined", "busybox"),
	      { "unmask", "[\"ALL\"]" });
	expect_err(RUN("--security-opt", "systempaths=x", "busybox"),
		   "invalid systempaths option \"x\", only `unconfined` is supported",
		   "bad systempaths");
	expect_err(RUN("--security-opt", "no-new-privileges=maybe", "busybox"),
		   "invalid --security-opt 2: \"no-new-privileges=maybe\"", "bad nnp value");
	expect_err(RUN("--security-opt", "bogus", "busybox"), "invalid --security-opt 1: \"bogus\"",
		   "opt without value");
	expect_err(RUN("--security-opt", "foo=bar", "busybox"),
		   "invalid --security-opt 2: \"foo=bar\"", "unknown opt");
	expect_err(RUN("--security-opt", "proc-opts=a", "busybox"),
		   "option --security-opt proc-opts is not supported yet", "proc-opts");
	CHECK("sysctl",
	      RUN("--sysctl", "net.ipv4.ip_forward=1,kernel.msgmax=8192", "--sysctl",
		  "fs.mqueue.msg_max=10", "busybox"),
	      { "sysctl", "{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"8192\","
			  "\"fs.mqueue.msg_max\":\"10\"}" });
	expect_err(RUN("--sysctl", "kernel.hostname=x", "busybox"),
		   "sysctl 'kernel.hostname' is not allowed", "host sysctl");
	expect_err(RUN("--sysctl", "net.x", "busybox"),
		   "net.x is invalid, sysctl values must be in the form of KEY=VALUE",
		   "sysctl no =");
	expect_err(RUN("--sysctl", "net.x= 1", "busybox"),
		   "'net.x= 1' is invalid, extra spaces found", "sysctl space");
	expect_err(RUN("--sysctl", "net.x=1=2", "busybox"),
		   "'net.x=1=2' is invalid, extra spaces found", "sysctl two =");
	CHECK("oom score", RUN("--oom-score-adj", "-500", "busybox"), { "oom_score_adj", "-500" });
	CHECK("oom score zero", RUN("--oom-score-adj", "0", "busybox"), { "oom_score_adj", "0" });
	CHECK("oom score default", RUN("busybox"), { "oom_score_adj", "(absent)" });
	expect_err(RUN("--oom-score-adj", "x", "busybox"),
		   "invalid argument \"x\" for \"--oom-score-adj\" flag: strconv.ParseInt: parsing "
		   "\"x\": invalid syntax",
		   "bad oom score");
}

static void test_ulimits(void)
{
	CHECK("ulimits", RUN("--ulimit", "nofile=1024:2048", "--ulimit", "nproc=10", "busybox"),
	      { "r_limits[0]", "{\"type\":\"nofile\",\"hard\":2048,\"soft\":1024}" },
	      { "r_limits[1]", "{\"type\":\"nproc\",\"hard\":10,\"soft\":10}" });
	CHECK("unlimited", RUN("--ulimit", "core=-1", "busybox"),
	      { "r_limits[0]", "{\"type\":\"core\",\"hard\":18446744073709551615,"
			       "\"soft\":18446744073709551615}" });
	CHECK("soft below unlimited", RUN("--ulimit", "core=10:-1", "busybox"),
	      { "r_limits[0].soft", "10" }, { "r_limits[0].hard", "18446744073709551615" });
	CHECK("host", RUN("--ulimit", "nofile=1:2,host", "busybox"), { "r_limits", "[]" });
	CHECK("no ulimit", RUN("busybox"), { "r_limits", "(absent)" });
	expect_err(RUN("--ulimit", "nofile=2048:1024", "busybox"),
		   "ulimit option \"nofile=2048:1024\" requires name=SOFT:HARD, failed to be "
		   "parsed: "
		   "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024",
		   "soft above hard");
	expect_err(RUN("--ulimit", "nofile=-1:10", "busybox"),
		   "ulimit option \"nofile=-1:10\" requires name=SOFT:HARD, failed to be parsed: "
		   "ulimit soft limit must be less than or equal to hard limit: soft: -1 "
		   "(unlimited), hard: 10",
		   "unlimited soft");
	expect_err(RUN("--ulimit", "bogus=1", "busybox"),
		   "ulimit option \"bogus=1\" requires name=SOFT:HARD, failed to be parsed: "
		   "invalid "
		   "ulimit type: bogus",
		   "bad type");
	expect_err(RUN("--ulimit", "nofile", "busybox"),
		   "ulimit option \"nofile\" requires name=SOFT:HARD, failed to be parsed: invalid "
		   "ulimit argument: nofile",
		   "no value");
	expect_err(RUN("--ulimit", "nofile=x", "busybox"),
		   "ulimit option \"nofile=x\" requires name=SOFT:HARD, failed to be parsed: "
		   "strconv.ParseInt: parsing \"x\": invalid syntax",
		   "bad number");
	expect_err(RUN("--ulimit", "nofile=1:2:3", "busybox"),
		   "ulimit option \"nofile=1:2:3\" requires name=SOFT:HARD, failed to be parsed: "
		   "too "
		   "many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`",
		   "three values");
	expect_err(RUN("--ulimit", "nofile=99999999999999999999", "busybox"),
		   "ulimit option \"nofile=99999999999999999999\" requires name=SOFT:HARD, failed "
		   "to "
		   "be parsed: strconv.ParseInt: parsing \"99999999999999999999\": value out of "
		   "range",
		   "huge number");
}

static void test_devices(void)
{
	CHECK("devices",
	      RUN("--device", "/dev/fuse", "--device", "/dev/sda:/dev/xvda:rw", "--device",
		  "/dev/null:r", "busybox"),
	      { "devices", "[{\"path\":\"/dev/fuse\"},{\"path\":\"/dev/sda:/dev/xvda:rw\"},"
			   "{\"path\":\"/dev/null:r\"}]" });
	expect_err(RUN("--device", "/dev/sda:/dev/x:rwx", "busybox"), "invalid device mode: rwx",
		   "bad device mode");
	expect_err(RUN("--device", "/dev/sda:rr", "busybox"), "invalid device mode: rr",
		   "repeated device mode");
	expect_err(RUN("--device", "/dev/sda:x", "busybox"), "invalid device mode: x",
		   "relative device destination");
	expect_err(RUN("--device", ":/dev/x", "busybox"), "invalid device specification: :/dev/x",
		   "empty device source");
	expect_err(RUN("--device", "/a:/b:r:w", "busybox"),
		   "invalid device specification: /a:/b:r:w", "four parts");
	CHECK("cgroup rules",
	      RUN("--device-cgroup-rule", "c 1:3 mr", "--device-cgroup-rule", "a *:* rwm",
		  "--device-cgroup-rule", "b 8:* r", "busybox"),
	      { "device_cgroup_rule[0]", "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
					 "\"access\":\"mr\"}" },
	      { "device_cgroup_rule[1]", "{\"allow\":true,\"type\":\"a\",\"access\":\"rwm\"}" },
	      { "device_cgroup_rule[2]", "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":"
					 "\"r\"}" });
	expect_err(RUN("--device-cgroup-rule", "c 1:3", "busybox"),
		   "invalid device cgroup rule requires type, major:Minor, and access rules: "
		   "\"c 1:3\"",
		   "rule with two fields");
	expect_err(RUN("--device-cgroup-rule", "x 1:3 r", "busybox"),
		   "invalid device type in device-access-add: x", "bad rule type");
	expect_err(RUN("--device-cgroup-rule", "c a:3 r", "busybox"),
		   "strconv.ParseUint: parsing \"a\": invalid syntax", "bad major");
	expect_err(RUN("--device-cgroup-rule", "c 1:-3 r", "busybox"),
		   "strconv.ParseUint: parsing \"-3\": invalid syntax", "bad minor");
	expect_err(RUN("--device-cgroup-rule", "c 1:3 rx", "busybox"),
		   "invalid device access in device-access-add: x", "bad access");
}

static void test_resources(void)
{
	CHECK("memory",
	      RUN("-m", "1g", "--memory-reservation", "512m", "--memory-swappiness", "10",
		  "busybox"),
	      { "resource_limits.memory", "{\"limit\":1073741824,\"swap\":2147483648,"
					  "\"reservation\":536870912,"
					  "\"swappiness\":10}" });
	CHECK("memory swap", RUN("--memory", "100m", "--memory-swap", "300m", "busybox"),
	      { "resource_limits.memory", "{\"limit\":104857600,\"swap\":314572800}" });
	CHECK("unlimited swap", RUN("--memory", "100m", "--memory-swap", "-1", "busybox"),
	      { "resource_limits.memory", "{\"limit\":104857600}" });
	CHECK("zero memory", RUN("--memory", "0", "busybox"), { "resource_limits.memory", "{}" });
	CHECK("swappiness default", RUN("--memory-swappiness", "-1", "busybox"),
	      { "resource_limits", "(absent)" });
	expect_err(RUN("-m", "lots", "busybox"),
		   "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'",
		   "bad memory");
	expect_err(RUN("--memory-reservation", "1q", "busybox"),
		   "invalid argument \"1q\" for \"--memory-reservation\" flag: invalid suffix: 'q'",
		   "bad reservation");
	expect_err(RUN("--memory-swap", "x", "busybox"),
		   "invalid argument \"x\" for \"--memory-swap\" flag: invalid size: 'x'",
		   "bad swap");
	expect_err(RUN("--memory-swappiness", "x", "busybox"),
		   "invalid argument \"x\" for \"--memory-swappiness\" flag: strconv.ParseInt: "
		   "parsing \"x\": invalid syntax",
		   "bad swappiness");
	CHECK("cpus", RUN("--cpus", "1.5", "busybox"),
	      { "resource_limits.cpu", "{\"period\":100000,\"quota\":150000}" });
	CHECK("cpu",
	      RUN("-c", "512", "--cpu-period", "50000", "--cpu-quota", "25000", "--cpuset-cpus",
		  "0-1", "--cpuset-mems", "0", "busybox"),
	      { "resource_limits.cpu", "{\"shares\":512,\"period\":50000,\"cpus\":\"0-1\","
				       "\"mems\":\"0\",\"quota\":25000}" });
	CHECK("zero cpus", RUN("--cpus", "0", "busybox"), { "resource_limits", "(absent)" });
	expect_err(RUN("--cpus", "many", "busybox"),
		   "invalid argument \"many\" for \"--cpus\" flag: strconv.ParseFloat: parsing "
		   "\"many\": invalid syntax",
		   "bad cpus");
	expect_err(RUN("--cpus", "1", "--cpu-period", "1000", "busybox"),
		   "--cpu-period and --cpus cannot be set together", "cpus and period");
	expect_err(RUN("--cpus", "1", "--cpu-quota", "1000", "busybox"),
		   "--cpu-quota and --cpus cannot be set together", "cpus and quota");
	expect_err(RUN("-c", "x", "busybox"),
		   "invalid argument \"x\" for \"-c, --cpu-shares\" flag: strconv.ParseUint: "
		   "parsing \"x\": invalid syntax",
		   "bad shares");
	CHECK("pids", RUN("--pids-limit", "100", "busybox"),
	      { "resource_limits.pids", "{\"limit\":100}" });
	CHECK("unlimited pids", RUN("--pids-limit", "-1", "busybox"),
	      { "resource_limits.pids", "{\"limit\":0}" });
	CHECK("pids default", RUN("busybox"), { "resource_limits", "(absent)" });
	expect_err(RUN("--pids-limit", "3000000000", "busybox"),
		   "strconv.ParseInt: parsing \"3000000000\": value out of range", "huge pids");
	CHECK("blkio", RUN("--blkio-weight", "500", "busybox"),
	      { "resource_limits.blockIO", "{\"weight\":500}" });
	expect_err(RUN("--blkio-weight", "x", "busybox"),
		   "invalid value for blkio-weight: strconv.ParseUint: parsing \"x\": invalid "
		   "syntax",
		   "bad blkio");
	expect_err(RUN("--blkio-weight", "70000", "busybox"),
		   "invalid value for blkio-weight: strconv.ParseUint: parsing \"70000\": value "
		   "out "
		   "of range",
		   "blkio out of range");
	CHECK("shm", RUN("--shm-size", "64m", "busybox"), { "shm_size", "67108864" });
	expect_err(RUN("--shm-size", "x", "busybox"),
		   "unable to translate --shm-size: invalid size: 'x'", "bad shm");
	expect_err(RUN("--shm-size", "1m", "--ipc", "host", "busybox"),
		   "cannot set shmsize when running in the host IPC Namespace",
		   "shm with host ipc");
}

static void test_namespaces(void)
{
	CHECK("namespaces",
	      RUN("--pid", "host", "--ipc", "none", "--uts", "ns:/proc/1/ns/uts", "--cgroupns",
		  "container:web", "busybox"),
	      { "pidns", "{\"nsmode\":\"host\"}" }, { "ipcns", "{\"nsmode\":\"none\"}" },
	      { "utsns", "{\"nsmode\":\"path\",\"value\":\"/proc/1/ns/uts\"}" },
	      { "cgroupns", "{\"nsmode\":\"container\",\"value\":\"web\"}" });
	CHECK("private and shareable", RUN("--pid", "private", "--ipc", "shareable", "busybox"),
	      { "pidns", "{\"nsmode\":\"private\"}" }, { "ipcns", "{\"nsmode\":\"shareable\"}" });
	CHECK("ipc private", RUN("--ipc", "private", "busybox"),
	      { "ipcns", "{\"nsmode\":\"private\"}" });
	expect_err(RUN("--pid", "pod", "busybox"), "option --pid=pod is not supported yet",
		   "pod ns");
	expect_err(RUN("--uts", "bogus", "busybox"), "unrecognized namespace mode bogus passed",
		   "bad ns");
	expect_err(RUN("--ipc", "ns:", "busybox"),
		   "must provide a path to a namespace when specifying \"ns:\"", "empty ns path");
	expect_err(RUN("--pid", "container:", "busybox"),
		   "must provide name or ID or a container when specifying \"container:\"",
		   "empty container");
	expect_err(RUN("--uts", "host", "--hostname", "x", "busybox"),
		   "cannot set hostname when running in the host UTS namespace: invalid "
		   "configuration",
		   "hostname with host uts");
	CHECK("networks", RUN("--network", "none", "busybox"),
	      { "netns", "{\"nsmode\":\"none\"}" });
	CHECK("host net", RUN("--net", "host", "busybox"), { "netns", "{\"nsmode\":\"host\"}" });
	CHECK("net path", RUN("--network=ns:/run/netns/x", "busybox"),
	      { "netns", "{\"nsmode\":\"path\",\"value\":\"/run/netns/x\"}" });
	CHECK("net container", RUN("--network", "container:db", "busybox"),
	      { "netns", "{\"nsmode\":\"container\",\"value\":\"db\"}" });
	CHECK("default net", RUN("--network", "default", "busybox"), { "netns", "(absent)" });
	CHECK("private net", RUN("--network", "private", "busybox"), { "netns", "(absent)" });
	expect_err(RUN("--network", "bridge", "busybox"),
		   "option --network=bridge is not supported yet", "bridge");
	expect_err(RUN("--network", "mynet", "busybox"),
		   "option --network=mynet is not supported yet", "named network");
	expect_err(RUN("--network", "slirp4netns:port_handler=slirp4netns", "busybox"),
		   "option --network=slirp4netns:port_handler=slirp4netns is not supported yet",
		   "slirp");
	expect_err(RUN("--network", "ns:", "busybox"),
		   "must provide a path to a namespace when specifying \"ns:\"", "empty net path");
	expect_err(RUN("--network", "container:", "busybox"),
		   "must provide name or ID or a container when specifying \"container:\"",
		   "empty net container");
}

static void test_dns_hosts(void)
{
	CHECK("dns",
	      RUN("--dns", "1.1.1.1,2001:db8::1", "--dns-search", "example.com", "--dns-search",
		  "corp.example.", "--dns-option", "ndots:2", "--dns-opt", "timeout:1", "busybox"),
	      { "dns_server", "[\"1.1.1.1\",\"2001:db8::1\"]" },
	      { "dns_search", "[\"example.com\",\"corp.example.\"]" },
	      { "dns_option", "[\"ndots:2\",\"timeout:1\"]" });
	CHECK("dot search", RUN("--dns-search", ".", "busybox"), { "dns_search", "[\".\"]" });
	expect_err(RUN("--dns", "one.one", "busybox"), "one.one is not an ip address", "dns name");
	expect_err(RUN("--dns", "none", "busybox"), "option --dns=none is not supported yet",
		   "dns none");
	expect_err(RUN("--dns", "1.1.1.1,none", "busybox"),
		   "none is not allowed to be specified with other DNS ip addresses",
		   "none with others");
	expect_err(RUN("--dns-search", ".,example.com", "busybox"),
		   "cannot pass additional search domains when also specifying '.'",
		   "dot with others");
	expect_err(RUN("--dns-search", "-bad", "busybox"), "-bad is not a valid domain",
		   "bad domain");
	expect_err(RUN("--dns-search", "123", "busybox"), "123 is not a valid domain",
		   "domain without letters");
	expect_err(RUN("--dns", "1.1.1.1", "--network", "none", "busybox"),
		   "conflicting options: dns and the network mode: none", "dns without network");
	expect_err(RUN("--dns-option", "x", "--network", "container:a", "busybox"),
		   "conflicting options: dns and the network mode: container",
		   "dns option with container network");
	CHECK("dns with host network", RUN("--dns", "1.1.1.1", "--network", "host", "busybox"),
	      { "dns_server", "[\"1.1.1.1\"]" });
	CHECK("hosts",
	      RUN("--add-host", "db:10.0.0.2,v6:2001:db8::2", "--add-host", "sp: 1.2.3.4",
		  "busybox"),
	      { "hostadd", "[\"db:10.0.0.2\",\"v6:2001:db8::2\",\"sp: 1.2.3.4\"]" });
	expect_err(RUN("--add-host", "db", "busybox"), "bad format for add-host: \"db\"",
		   "host without ip");
	expect_err(RUN("--add-host", ":1.2.3.4", "busybox"),
		   "bad format for add-host: \":1.2.3.4\"", "ip without host");
	expect_err(RUN("--add-host", "db:x", "busybox"), "invalid IP address in add-host: \"x\"",
		   "bad host ip");
	expect_err(RUN("--add-host", "db:1.2.3.4", "--network", "container:x", "busybox"),
		   "cannot set extra host entries when the container is joined to another "
		   "containers network namespace: invalid configuration",
		   "hosts with container network");
}

static void test_unsupported(void)
{
	static const char *const opts[] = {
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
	};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		_cleanup_free_ char *arg = xasprintf("--%s=1", opts[i]);
		_cleanup_free_ char *want = xasprintf("option --%s is not supported yet", opts[i]);

		expect_err(RUN(arg, "busybox"), want, opts[i]);
	}
	expect_err(CREATE("--init-ctr", "always", "busybox"),
		   "option --init-ctr is not supported yet", "init-ctr");
	expect_err(RUN("-p", "8080:80", "busybox"), "option --publish is not supported yet", "-p");
	expect_err(RUN("--healthcheck-command", "true", "busybox"),
		   "option --health-cmd is not supported yet", "old health option name");
	expect_err(RUN("--no-healthcheck", "busybox"),
		   "option --no-healthcheck is not supported yet", "no-healthcheck");
	expect_err(RUN("--oom-kill-disable", "busybox"),
		   "option --oom-kill-disable is not supported yet", "oom-kill-disable");
	expect_err(RUN("-P", "busybox"), "option --publish-all is not supported yet", "-P");
	expect_err(RUN("--no-hosts", "busybox"), "option --no-hosts is not supported yet",
		   "no-hosts");
	expect_err(RUN("--passwd=false", "busybox"), "option --passwd=false is not supported yet",
		   "passwd=false");
	expect_err(RUN("--preserve-fds", "2", "busybox"),
		   "option --preserve-fds is not supported yet", "preserve-fds");
	expect_err(RUN("--cgroups", "disabled", "busybox"),
		   "option --cgroups=disabled is not supported yet", "cgroups disabled");
	expect_err(RUN("--seccomp-policy", "image", "busybox"),
		   "option --seccomp-policy=image is not supported yet", "seccomp policy");
	CHECK("harmless defaults",
	      RUN("--publish-all=false", "--no-hosts=false", "--passwd", "--cgroups", "enabled",
		  "--seccomp-policy", "default", "--preserve-fds", "0", "busybox"),
	      { "image", "\"busybox\"" });
}

static void test_volumes(void)
{
	_cleanup_free_ char *dir = path_of("data"), *want = NULL, *cwd = NULL;
	char cwdbuf[PATH_MAX];

	write_file("data/f", "x");
	cwd = xstrdup(getcwd(cwdbuf, sizeof(cwdbuf)));
	if (chdir(tmp) < 0)
		abort();
	CHECK("bind and named",
	      RUN("-v", "/srv/a:/a", "-v", "/srv/b:/b:ro,z", "-v", "vol:/v:nocopy", "-v", "/anon",
		  "busybox"),
	      { "mounts[0]", "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/srv/a\"}" },
	      { "mounts[1]", "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/srv/b\","
			     "\"options\":[\"ro\",\"z\"]}" },
	      { "volumes[0]", "{\"Name\":\"vol\",\"Dest\":\"/v\",\"Options\":[\"nocopy\"],"
			      "\"IsAnonymous\":false}" },
	      { "volumes[1]", "{\"Name\":\"\",\"Dest\":\"/"
			      "anon\",\"Options\":[],\"IsAnonymous\":true}" });
	want = xasprintf("\"%s\"", dir);
	CHECK("relative ./", RUN("-v", "./data:/d", "busybox"), { "mounts[0].source", want });
	CHECK("relative ../", RUN("-v", "../x/y/../z:/d/", "busybox"),
	      { "mounts[0].destination", "\"/d\"" });
	{
		result r = RUN("-v", "../x:/d", "busybox");
		const char *src = r.sg ? jget(r.sg, "mounts[0].source") : "(no result)";

		ok(str_has_prefix(src, "\"/") && strstr(src, "/x\""), "../ made absolute: %s", src);
		json_object_put(r.sg);
	}
	free(want);
	want = xasprintf("lstat %s: no such file or directory", "nothere");
	expect_err(RUN("-v", "./nothere:/d", "busybox"), want, "missing ./ source");
	if (chdir(cwd) < 0)
		abort();
	CHECK("same volume twice", RUN("-v", "/a:/a", "-v", "/a:/a", "busybox"),
	      { "mounts[1]", "(absent)" });
	CHECK("cached dropped", RUN("-v", "/a:/a:cached,ro", "busybox"),
	      { "mounts[0].options", "[\"ro\"]" });
	CHECK("idmap and U", RUN("-v", "/a:/a:idmap=uids=0-1-2,U", "busybox"),
	      { "mounts[0].options", "[\"idmap=uids=0-1-2\",\"U\"]" });
	expect_err(RUN("-v", "/a:/b:ro:x", "busybox"),
		   "/a:/b:ro:x: incorrect volume format, should be [host-dir:]ctr-dir[:option]",
		   "four parts");
	expect_err(RUN("-v", "/a:/b:bogus", "busybox"), "invalid option type \"bogus\"",
		   "bad volume option");
	expect_err(RUN("-v", "/a:/b:ro,rw", "busybox"),
		   "invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option",
		   "ro and rw");
	expect_err(RUN("-v", "/a:/b:shared,private", "busybox"),
		   "invalid options \"shared, private\", can only specify 1 '[r]shared', "
		   "'[r]private', '[r]slave' or '[r]unbindable' option",
		   "two propagations");
	expect_err(RUN("-v", ":/b", "busybox"), "host directory cannot be empty", "empty source");
	expect_err(RUN("-v", "/a:b", "busybox"),
		   "invalid container path \"b\", must be an absolute path",
		   "relative destination");
	expect_err(RUN("-v", "/a:/b", "-v", "/c:/b", "busybox"), "/b: duplicate mount destination",
		   "duplicate bind");
	expect_err(RUN("-v", "x:/b", "-v", "y:/b", "busybox"), "/b: duplicate mount destination",
		   "duplicate volume");
	expect_err(RUN("-v", "/a:/b:O", "busybox"),
		   "option --volume with the O (overlay) option is not supported yet", "overlay");
	expect_err(RUN("-v", "x:/b", "--tmpfs", "/b", "busybox"), "/b: duplicate mount destination",
		   "volume and tmpfs");
}

static void test_mounts(void)
{
	CHECK("bind mount",
	      RUN("--mount", "type=bind,src=/a,dst=/b,ro,bind-propagation=rshared", "busybox"),
	      { "mounts[0]", "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/a\","
			     "\"options\":[\"ro\",\"rshared\"]}" });
	CHECK("readonly=false",
	      RUN("--mount", "type=bind,source=/a,target=/b,readonly=false", "busybox"),
	      { "mounts[0].options", "(absent)" });
	CHECK("rw=false", RUN("--mount", "type=bind,source=/a,destination=/b,rw=false", "busybox"),
	      { "mounts[0].options", "[\"ro\"]" });
	CHECK("bind without source",
	      RUN("--mount", "type=bind,target=/b,relabel=private,U=false", "busybox"),
	      { "mounts[0].source", "\"/b\"" }, { "mounts[0].options", "[\"Z\"]" });
	CHECK("quoted field", RUN("--mount", "type=bind,\"src=/a,b\",dst=/c", "busybox"),
	      { "mounts[0].source", "\"/a,b\"" });
	CHECK("volume mount",
	      RUN("--mount", "type=volume,src=data,target=/d,ro,volume-opt=x=y", "busybox"),
	      { "volumes[0]", "{\"Name\":\"data\",\"Dest\":\"/d\",\"Options\":[\"ro\","
			      "\"volume-opt=x=y\"],\"IsAnonymous\":false}" });
	CHECK("anonymous volume mount", RUN("--mount", "type=volume,target=/d", "busybox"),
	      { "volumes[0].Name", "\"\"" }, { "volumes[0].IsAnonymous", "true" });
	CHECK("tmpfs mount",
	      RUN("--mount",
		  "type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777,"
		  "noexec,U",
		  "busybox"),
	      { "mounts[0]", "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
			     "\"options\":[\"size=64m\",\"mode=1777\",\"noexec\",\"U\"]}" });
	CHECK("devpts mount",
	      RUN("--mount", "type=devpts,target=/dev/pts2,uid=0,mode=620", "busybox"),
	      { "mounts[0]", "{\"destination\":\"/dev/pts2\",\"type\":\"devpts\","
			     "\"source\":\"devpts\",\"options\":[\"uid=0\",\"mode=620\"]}" });
	expect_err(RUN("--mount", "type=image,src=x,dst=/x", "busybox"),
		   "option --mount type=image is not supported yet", "image mount");
	expect_err(RUN("--mount", "type=nfs,dst=/x", "busybox"), "invalid filesystem type \"nfs\"",
		   "bad type");
	expect_err(RUN("--mount", "src=/a,dst=/b", "busybox"),
		   "incorrect mount format: should be --mount type=<bind|tmpfs|volume>,"
		   "[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]",
		   "no type");
	expect_err(RUN("--mount", "type=bind,src=/a", "busybox"), "must set volume destination",
		   "no destination");
	expect_err(RUN("--mount", "type=bind,src,dst=/b", "busybox"),
		   "src: must provide an argument for option", "src without value");
	expect_err(RUN("--mount", "type=bind,src=,dst=/b", "busybox"),
		   "host directory cannot be empty: must provide an argument for option",
		   "empty src");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,bogus", "busybox"),
		   "bogus: invalid mount option", "bad option");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,ro,rw", "busybox"),
		   "cannot pass 'readonly', 'ro', or 'rw' options more than once: must provide an "
		   "argument for option",
		   "ro twice");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,ro=maybe", "busybox"),
		   "'readonly', 'ro', or 'rw' must be set to true or false, instead received "
		   "\"maybe\": must provide an argument for option",
		   "ro=maybe");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,nosuid,suid", "busybox"),
		   "cannot pass 'nosuid' and 'suid' options more than once: must provide an "
		   "argument for option",
		   "suid twice");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,relabel=x", "busybox"),
		   "relabel mount option must be 'private' or 'shared': invalid mount option",
		   "bad relabel");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,U=maybe", "busybox"),
		   "'U' or 'chown' must be set to true or false, instead received \"maybe\": must "
		   "provide an argument for option",
		   "bad chown");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,bind-propagation", "busybox"),
		   "bind-propagation: must provide an argument for option", "propagation no value");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b,bind-propagation=sideways", "busybox"),
		   "invalid option type \"sideways\"", "bad propagation");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=rel", "busybox"),
		   "invalid container path \"rel\", must be an absolute path", "relative target");
	expect_err(RUN("--mount", "type=tmpfs,src=x,dst=/t", "busybox"),
		   "source is not supported with tmpfs mounts", "tmpfs source");
	expect_err(RUN("--mount", "type=tmpfs,dst=/t,tmpcopyup,notmpcopyup", "busybox"),
		   "cannot pass 'tmpcopyup' and 'notmpcopyup' options more than once: must provide "
		   "an argument for option",
		   "copyup twice");
	expect_err(RUN("--mount", "type=volume,dst=/t,volume-label=x", "busybox"),
		   "the --volume-label option is not presently implemented", "volume label");
	expect_err(RUN("--mount", "type=devpts,dst=/t,U", "busybox"), "U: invalid mount option",
		   "devpts chown");
	expect_err(RUN("--mount", "type=bind,\"src=/a\"x,dst=/b", "busybox"),
		   "parse error on line 1, column 18: extraneous or missing \" in quoted-field",
		   "text after quotes");
	expect_err(RUN("--mount", "type=bind,src=/a\"b,dst=/b", "busybox"),
		   "parse error on line 1, column 17: bare \" in non-quoted-field", "bare quote");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b", "--mount", "type=tmpfs,dst=/b",
		       "busybox"),
		   "/b: duplicate mount destination", "duplicate mounts");
	expect_err(RUN("--mount", "type=bind,src=/a,dst=/b", "-v", "/c:/b", "busybox"),
		   "/b: duplicate mount destination", "mount and volume");
	CHECK("mount and identical volume",
	      RUN("--mount", "type=bind,src=/a,dst=/b", "-v", "/a:/b", "busybox"),
	      { "mounts[1]", "(absent)" });
	CHECK("tmpfs", RUN("--tmpfs", "/t", "--tmpfs", "/u:size=1m,mode=1777", "busybox"),
	      { "mounts[0]", "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}" },
	      { "mounts[1].options", "[\"size=1m\",\"mode=1777\"]" });
	CHECK("tmpfs over tmpfs mount",
	      RUN("--mount", "type=tmpfs,dst=/t", "--tmpfs", "/t:size=1m", "busybox"),
	      { "mounts[0].options", "(absent)" }, { "mounts[1]", "(absent)" });
	expect_err(RUN("--tmpfs", "t", "busybox"),
		   "invalid container path \"t\", must be an absolute path", "relative tmpfs");
	expect_err(RUN("--tmpfs", "/t", "--tmpfs", "/t:size=1m", "busybox"),
		   "/t: duplicate mount destination", "tmpfs twice");
	expect_err(RUN("--tmpfs", "/t", "-v", "/a:/t", "busybox"),
		   "/t: duplicate mount destination", "tmpfs over bind");
}

/* Every table: unique long and short names, help generated for all. */
static void test_tables(void)
{
	const cli_option *tables[] = { cmd_container_create_options, cmd_container_run_options };

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		bool dup = false;
		_cleanup_buf_ buf help = BUF_INIT;

		for (const cli_option *a = tables[t]; a->name; a++)
			for (const cli_option *b = a + 1; b->name; b++)
				if (str_eq(a->name, b->name) ||
				    (a->short_name && a->short_name == b->short_name)) {
					diag("duplicate: %s %s", a->name, b->name);
					dup = true;
				}
		ok(!dup, "table %zu: names and letters unique", t);
		cli_opts_help(&help, &tables[t], 1);
		ok(strstr(help.s, "  -v, --volume stringArray") && !strstr(help.s, "--net "),
		   "table %zu: help lists -v and hides --net", t);
		is_int(cli_options_struct_size(tables[t]), sizeof(struct cli_create_opts),
		       "table %zu fills struct cli_create_opts", t);
	}
}

static void test_cidfile(void)
{
	_cleanup_free_ char *p = path_of("cid"), *id = NULL, *none = path_of("none");
	_cleanup_free_ char *want = NULL;
	cpod_error *err = NULL;

	write_file("cid", "abc123\nrest\n");
	ok(cli_read_cidfile(p, &id, NULL) == 0, "cidfile read");
	is_str(id, "abc123", "first line of the cidfile");
	ok(cli_read_cidfile(none, &id, &err) < 0, "missing cidfile");
	want = xasprintf("reading CIDFile: open %s: no such file or directory", none);
	is_str(cpod_error_message(err), want, "missing cidfile message");
	cpod_error_free(err);
}

int main(void)
{
	if (!mkdtemp(tmp))
		abort();
	test_basics();
	test_pull_and_platform();
	test_signals();
	test_env();
	test_labels_annotations();
	test_entrypoint_restart_log();
	test_security();
	test_ulimits();
	test_devices();
	test_resources();
	test_namespaces();
	test_dns_hosts();
	test_unsupported();
	test_volumes();
	test_mounts();
	test_tables();
	test_cidfile();
	clean_dir();
	rmdir(tmp);
	strv_clear(&pool);
	return done_testing();
}
