#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/conmon.h"
#include "oci/ociruntime.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-conmon-XXXXXX";
#include "tmpdir.h"
#include "conmon_lab.h"

static char *joined(const strv *v)
{
	return strv_join((const char *const *)v->v, " ");
}

/* ---- argv ---- */

static void test_create_argv(void)
{
	static const char *const rargs[] = { "--root", "/run/cpod/runc", "--debug", NULL };
	static const char *const eargs[] = { "--root",	"/var/lib/cpod",  "container",
					     "cleanup", "--stopped-only", "abc",
					     NULL };
	conmon_opts o = { .runtime_path = "/usr/sbin/runc",
			  .runtime_args = rargs,
			  .id = "abc",
			  .name = "web",
			  .bundle = "/b",
			  .pidfile = "/r/pidfile",
			  .exit_dir = "/run/cpod/exits",
			  .persist_dir = "/run/cpod/persist/abc",
			  .log_path = "/b/ctr.log",
			  .log_size_max = 1048576,
			  .oci_log = "/r/oci-log",
			  .terminal = true,
			  .stdin = true,
			  .timeout = 30,
			  .no_new_keyring = true,
			  .conmon_pidfile = "/r/conmon.pid",
			  .no_pivot = true,
			  .exit_command = "/usr/bin/cpod",
			  .exit_command_args = eargs,
			  .preserve_fds = 2 };
	_cleanup_strv_ strv v = STRV_INIT;
	_cleanup_free_ char *s = NULL;

	ok(conmon_create_argv(&o, &v, NULL) == 0, "create argv: built");
	s = joined(&v);
	is_str(s,
	       "/usr/bin/conmon --api-version 1 -c abc -u abc -r /usr/sbin/runc -b /b -p "
	       "/r/pidfile -n web --exit-dir /run/cpod/exits --persist-dir /run/cpod/persist/abc "
	       "--full-attach --runtime-arg --root --runtime-arg /run/cpod/runc --runtime-arg "
	       "--debug -l k8s-file:/b/ctr.log --log-level warning --syslog --log-size-max "
	       "1048576 --runtime-arg --log-format=json --runtime-arg --log "
	       "--runtime-arg=/r/oci-log -t --timeout=30 --no-new-keyring --conmon-pidfile "
	       "/r/conmon.pid --no-pivot --exit-command /usr/bin/cpod --exit-command-arg --root "
	       "--exit-command-arg /var/lib/cpod --exit-command-arg container --exit-command-arg "
	       "cleanup --exit-command-arg --stopped-only --exit-command-arg abc --runtime-opt "
	       "--preserve-fds --runtime-opt 2",
	       "create argv: podman's order, -t wins over -i");

	conmon_opts m = { .conmon_path = "/x/conmon",
			  .runtime_path = "/usr/bin/crun",
			  .id = "i",
			  .bundle = "/b",
			  .pidfile = "/p",
			  .exit_dir = "/e",
			  .log_driver = CONMON_LOG_NONE,
			  .log_level = "error",
			  .stdin = true,
			  .systemd_cgroup = true,
			  .no_cgroups = true,
			  .log_tag = "tag",
			  .sdnotify_socket = "/n.sock",
			  .conmon_pidfile = "/c" };
	strv_clear(&v);
	free(s);
	ok(conmon_create_argv(&m, &v, NULL) == 0, "create argv: minimal");
	s = joined(&v);
	is_str(s,
	       "/x/conmon --api-version 1 -c i -u i -r /usr/bin/crun -b /b -p /p -n i "
	       "--exit-dir /e --full-attach -s -l none --log-level error --syslog --log-tag tag "
	       "--runtime-arg --cgroup-manager --runtime-arg disabled --sdnotify-socket=/n.sock "
	       "-i --conmon-pidfile /c",
	       "create argv: defaults for name and cuuid, -s, none, -i, cgroup manager disabled");

	static const char *const drivers[][2] = { { "passthrough", NULL }, { "journald", NULL } };
	for (int i = 0; i < 2; i++) {
		m.log_driver = i == 0 ? CONMON_LOG_PASSTHROUGH : CONMON_LOG_JOURNALD;
		strv_clear(&v);
		ok(conmon_create_argv(&m, &v, NULL) == 0 &&
			   strv_contains((const char *const *)v.v, drivers[i][0]),
		   "create argv: -l %s", drivers[i][0]);
	}
}

static void test_exec_argv(void)
{
	static const char *const eargs[] = { "container", "cleanup", "--exec", "s1", "abc", NULL };
	conmon_opts o = { .runtime_path = "/usr/sbin/runc",
			  .id = "abc",
			  .cuuid = "s1",
			  .name = "web",
			  .bundle = "/b/s1",
			  .pidfile = "/b/s1/exec_pid",
			  .exit_dir = "/b/s1/exit",
			  .persist_dir = "/b/s1/persist/abc",
			  .log_driver = CONMON_LOG_NONE,
			  .terminal = true,
			  .stdin = true,
			  .preserve_fds = 1,
			  .process_spec = "/b/s1/exec-process-x",
			  .exit_command = "/usr/bin/cpod",
			  .exit_command_args = eargs,
			  .exit_delay = 300 };
	_cleanup_strv_ strv v = STRV_INIT;
	_cleanup_free_ char *s = NULL;

	ok(conmon_exec_argv(&o, &v, NULL) == 0, "exec argv: built");
	s = joined(&v);
	is_str(s,
	       "/usr/bin/conmon --api-version 1 -c abc -u s1 -r /usr/sbin/runc -b /b/s1 -p "
	       "/b/s1/exec_pid -n web --exit-dir /b/s1/exit --persist-dir /b/s1/persist/abc "
	       "--full-attach -l none --log-level warning --syslog --runtime-opt --preserve-fds "
	       "--runtime-opt 1 -t -i -e --exec-attach --exec-process-spec /b/s1/exec-process-x "
	       "--exit-command /usr/bin/cpod --exit-command-arg container --exit-command-arg "
	       "cleanup --exit-command-arg --exec --exit-command-arg s1 --exit-command-arg abc "
	       "--exit-delay 300",
	       "exec argv: podman's order, -t and -i together");
}

static void test_missing(void)
{
	conmon_opts full = { .runtime_path = "/r",
			     .id = "i",
			     .cuuid = "s",
			     .bundle = "/b",
			     .pidfile = "/p",
			     .exit_dir = "/e",
			     .log_path = "/l",
			     .conmon_pidfile = "/c",
			     .process_spec = "/s" };
	static const struct {
		size_t off;
		const char *name;
		bool exec;
	} fields[] = {
		{ offsetof(conmon_opts, runtime_path), "runtime_path", false },
		{ offsetof(conmon_opts, id), "id", false },
		{ offsetof(conmon_opts, bundle), "bundle", false },
		{ offsetof(conmon_opts, pidfile), "pidfile", false },
		{ offsetof(conmon_opts, exit_dir), "exit_dir", false },
		{ offsetof(conmon_opts, conmon_pidfile), "conmon_pidfile", false },
		{ offsetof(conmon_opts, log_path), "log_path", false },
		{ offsetof(conmon_opts, cuuid), "cuuid", true },
		{ offsetof(conmon_opts, process_spec), "process_spec", true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		conmon_opts o = full;
		_cleanup_strv_ strv v = STRV_INIT;
		cpod_error *e = NULL;
		_cleanup_free_ char *want =
			xasprintf("running conmon: no %s given", fields[i].name);
		int r;

		*(const char **)((char *)&o + fields[i].off) = NULL;
		r = fields[i].exec ? conmon_exec_argv(&o, &v, &e) : conmon_create_argv(&o, &v, &e);
		ok(r < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID, "missing %s: invalid",
		   fields[i].name);
		is_str(cpod_error_message(e), want, "missing %s: message", fields[i].name);
		cpod_error_free(e);
	}
	conmon_opts o = full;
	_cleanup_strv_ strv v = STRV_INIT;
	o.log_driver = CONMON_LOG_NONE;
	o.log_path = NULL;
	ok(conmon_create_argv(&o, &v, NULL) == 0, "missing log_path is fine without k8s-file");
	o.log_driver = (conmon_log_driver)9;
	ok(conmon_create_argv(&o, &v, NULL) < 0, "a bad log driver is refused");
}

/* ---- sync lines and messages ---- */

static void test_parse_sync(void)
{
	int64_t data = 0;
	char *msg = (char *)"x";
	cpod_error *e = NULL;
	const char *l1 = "{\"data\": 14044}";
	const char *l2 = "{\"data\": -1, \"message\": \"exec: \\\"x\\\": not found\\n\"}";

	ok(conmon_parse_sync(l1, strlen(l1), &data, &msg, NULL) == 0 && data == 14044 && !msg, "syn"
											       "c: "
											       "a "
											       "pi"
											       "d");
	ok(conmon_parse_sync(l2, strlen(l2), &data, &msg, NULL) == 0 && data == -1, "sync: a "
										    "failure");
	is_str(msg, "exec: \"x\": not found\n", "sync: its message unescaped");
	free(msg);
	static const char *const bad[] = { "",
					   "{}",
					   "{\"data\": \"12\"}",
					   "{\"data\": 1.5}",
					   "[1]",
					   "{\"data\": 1, \"message\": 3}",
					   "{\"data\": 1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ok(conmon_parse_sync(bad[i], strlen(bad[i]), &data, NULL, &e) < 0 &&
			   cpod_error_kind(e) == CPOD_ERR_INVALID,
		   "sync: rejects '%s'", bad[i]);
		cpod_error_free(e);
		e = NULL;
	}
}

static void check_rt_error(const char *msg, cpod_errkind kind, const char *want)
{
	cpod_error *e = NULL;

	ok(conmon_runtime_error(&e, "runc", msg) == -1, "runtime error: returns -1");
	is_int(cpod_error_kind(e), kind, "runtime error: kind for '%s'", want);
	is_str(cpod_error_message(e), want, "runtime error: message");
	cpod_error_free(e);
}

static void test_runtime_error(void)
{
	check_rt_error("runc create failed: unable to start container process: exec: \"nope\": "
		       "executable file not found in $PATH",
		       CPOD_ERR_CMD_NOT_FOUND,
		       "runc: runc create failed: unable to start container process: exec: "
		       "\"nope\": executable file not found in $PATH: OCI runtime attempted to "
		       "invoke a command that was not found");
	check_rt_error("first line\nerror setting rlimit type 7: Operation not permitted\nmore",
		       CPOD_ERR_CANNOT_INVOKE,
		       "runc: error setting rlimit type 7: Operation not permitted: OCI permission "
		       "denied");
	check_rt_error("\nsomething else broke\n", CPOD_ERR_SYSTEM,
		       "runc: something else broke: OCI runtime error");
	check_rt_error("open /x: No Such File Or Directory", CPOD_ERR_CMD_NOT_FOUND,
		       "runc: open /x: No Such File Or Directory: OCI runtime attempted to invoke "
		       "a command that was not found");
}

static void check_msg(const char *text, const char *want, const char *what)
{
	_cleanup_free_ char *m = oci_rt_stderr_message(text, strlen(text));

	is_str(m, want, "stderr message: %s", what);
}

static void test_stderr_message(void)
{
	check_msg("time=\"2026-11-28T00:29:00Z\" level=error msg=\"container does not exist\"\n",
		  "container does not exist", "logrus text");
	check_msg("time=\"x\" level=warning msg=\"careful\"\ntime=\"x\" level=error "
		  "msg=\"a \\\"quoted\\\" \\\\ \\u00e9\\x41\\n\"\n",
		  "a \"quoted\" \\ \xc3\xa9"
		  "A\n",
		  "logrus text, Go escapes, error line preferred");
	check_msg("{\"level\":\"error\",\"msg\":\"container not running\",\"time\":\"t\"}\n",
		  "container not running", "JSON log line");
	check_msg("  plain text\nsecond line  \n", "plain text\nsecond line", "plain lines");
	check_msg("time=\"x\" level=info msg=\"just info\"\n", "just info",
		  "only a non-error message");
	check_msg("level=error msg=unquoted\n", "unquoted", "bare value");
	check_msg("level=error msg=\"unterminated\n", "level=error msg=\"unterminated",
		  "broken quoting is plain text");
	check_msg("", "", "nothing");
}

static void test_status(void)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		is_str(oci_status_name(oci_status_parse(names[i])), names[i], "status '%s'",
		       names[i]);
	is_int(oci_status_parse("dancing"), OCI_STATUS_UNKNOWN, "status: unknown");
	is_int(oci_status_parse(NULL), OCI_STATUS_UNKNOWN, "status: NULL");
	is_str(oci_status_name((oci_status)42), "unknown", "status name out of range");
}

/* ---- the runtime handle ---- */

static int fake_calls;

static int fake_delete(oci_rt *rt, const char *id, bool force, cpod_error **err)
{
	int *fails = oci_rt_userdata(rt);

	fake_calls++;
	if (str_eq(id, "gone"))
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "fake delete '%s': does not exist", id);
	if ((*fails)-- > 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "fake delete '%s': busy", id);
	return 0;
}

static void test_fake_ops(void)
{
	oci_rt_ops ops = { .del = fake_delete };
	int fails = 1;
	oci_rt *rt = oci_rt_new_with_ops(&ops, &fails, "/opt/crun", NULL, NULL);
	cpod_error *e = NULL;

	is_str(oci_rt_name(rt), "crun", "handle: name from the path");
	is_str(oci_rt_path(rt), "/opt/crun", "handle: path");
	ok(oci_rt_global_args(rt)[0] == NULL, "handle: no global args");
	ok(oci_rt_delete(rt, "c", true, NULL) == 0 && fake_calls == 2, "delete --force: retried "
								       "once after a failure");
	fails = 2;
	fake_calls = 0;
	ok(oci_rt_delete(rt, "c", true, &e) < 0 && fake_calls == 2, "delete --force: only once");
	is_str(cpod_error_message(e), "fake delete 'c': busy", "delete --force: second error");
	cpod_error_free(e);
	e = NULL;
	fake_calls = 0;
	ok(oci_rt_delete(rt, "gone", true, &e) < 0 && fake_calls == 1 &&
		   cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "delete --force: a missing container is not retried");
	cpod_error_free(e);
	fails = 1;
	fake_calls = 0;
	ok(oci_rt_delete(rt, "c", false, NULL) < 0 && fake_calls == 1, "delete without force: no "
								       "retry");
	oci_rt_free(rt);
	oci_rt_free(NULL);
}

/* A shell script as the runtime: logs its arguments and answers like runc would. */
static const char fake_runtime[] = "#!/bin/sh\n"
				   "echo \"$*\" >> \"$(dirname \"$0\")/calls\"\n"
				   "case \"$*\" in\n"
				   "*' state ok') echo "
				   "'{\"ociVersion\":\"1.0.2\",\"id\":\"ok\",\"pid\":42,"
				   "\"status\":\"running\"}' ;;\n"
				   "*' state weird') echo '{\"status\":\"dancing\",\"pid\":1}' ;;\n"
				   "*' state junk') echo 'not json' ;;\n"
				   "*' start gone') echo 'time=\"t\" level=error msg=\"container "
				   "does not exist\"' >&2;"
				   " exit 1 ;;\n"
				   "*' kill stopped 9') echo "
				   "'{\"level\":\"error\",\"msg\":\"container not running\"}' >&2;"
				   " exit 1 ;;\n"
				   "*' pause plain') echo 'something bad happened' >&2; exit 2 ;;\n"
				   "*' resume silent') exit 3 ;;\n"
				   "*' resume killed') kill -9 $$ ;;\n"
				   "esac\n"
				   "exit 0\n";

static void expect_fail(int r, cpod_error *e, cpod_errkind kind, const char *want, const char *what)
{
	ok(r < 0 && cpod_error_kind(e) == kind, "cli: %s fails with the right kind", what);
	is_str(cpod_error_message(e), want, "cli: %s message", what);
	cpod_error_free(e);
}

static void test_cli_ops(void)
{
	_cleanup_free_ char *rtpath = path_of("rt/fake-runc"), *calls = path_of("rt/calls");
	_cleanup_free_ char *log = NULL;
	oci_rt *rt;
	oci_state st = { 0 };
	cpod_error *e = NULL;
	int r;

	write_file("rt/fake-runc", fake_runtime);
	chmod(rtpath, 0755);
	rt = oci_rt_new(rtpath, "runc", (const char *const[]){ "--root", "/R", NULL });
	ok(oci_rt_state(rt, "ok", &st, NULL) == 0, "cli: state");
	ok(st.status == OCI_STATUS_RUNNING && st.pid == 42, "cli: state parsed");
	ok(oci_rt_start(rt, "a", NULL) == 0, "cli: start");
	ok(oci_rt_kill(rt, "a", 15, false, NULL) == 0, "cli: kill");
	ok(oci_rt_kill(rt, "a", 9, true, NULL) == 0, "cli: kill --all");
	ok(oci_rt_delete(rt, "a", true, NULL) == 0, "cli: delete --force");
	ok(oci_rt_delete(rt, "a", false, NULL) == 0, "cli: delete");
	ok(oci_rt_pause(rt, "a", NULL) == 0 && oci_rt_resume(rt, "a", NULL) == 0, "cli: pause, "
										  "resume");
	log = lab_read(calls);
	is_str(log,
	       "--root /R state ok\n--root /R start a\n--root /R kill a 15\n"
	       "--root /R kill --all a 9\n--root /R delete --force a\n--root /R delete a\n"
	       "--root /R pause a\n--root /R resume a\n",
	       "cli: command lines");

	r = oci_rt_start(rt, "gone", &e);
	expect_fail(r, e, CPOD_ERR_NOT_FOUND, "runc start 'gone': container does not exist",
		    "start of a missing container");
	e = NULL;
	r = oci_rt_kill(rt, "stopped", 9, false, &e);
	expect_fail(r, e, CPOD_ERR_STATE, "runc kill 'stopped': container not running",
		    "kill of a stopped one");
	e = NULL;
	r = oci_rt_pause(rt, "plain", &e);
	expect_fail(r, e, CPOD_ERR_SYSTEM, "runc pause 'plain': something bad happened",
		    "plain stderr");
	e = NULL;
	r = oci_rt_resume(rt, "silent", &e);
	expect_fail(r, e, CPOD_ERR_SYSTEM, "runc resume 'silent': exit status 3", "no stderr");
	e = NULL;
	r = oci_rt_resume(rt, "killed", &e);
	expect_fail(r, e, CPOD_ERR_SYSTEM, "runc resume 'killed': killed by signal 9",
		    "killed runtime");
	e = NULL;
	r = oci_rt_state(rt, "weird", &st, &e);
	expect_fail(r, e, CPOD_ERR_INTERNAL, "runc state 'weird': unrecognized status 'dancing'",
		    "unknown status");
	e = NULL;
	ok(oci_rt_state(rt, "junk", &st, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID &&
		   str_has_prefix(cpod_error_message(e), "runc state 'junk': "),
	   "cli: state that is not JSON");
	cpod_error_free(e);
	e = NULL;
	oci_rt_free(rt);

	rt = oci_rt_new("/nonexistent/runc", NULL, NULL);
	ok(oci_rt_start(rt, "x", &e) < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND &&
		   str_has_prefix(cpod_error_message(e), "runc start 'x': "),
	   "cli: a missing runtime binary");
	cpod_error_free(e);
	oci_rt_free(rt);
}

/* ---- ctl and exit files ---- */

static void test_ctl(void)
{
	_cleanup_free_ char *bundle = path_of("ctl"), *fifo = path_of("ctl/ctl");
	char got[64] = { 0 };
	cpod_error *e = NULL;
	int rd;

	fs_mkdir_p(bundle, 0700);
	ok(conmon_resize(bundle, 24, 80, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "ctl:"
											      " mis"
											      "sing"
											      " FIF"
											      "O");
	cpod_error_free(e);
	e = NULL;
	mkfifo(fifo, 0600);
	ok(conmon_resize(bundle, 24, 80, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_STATE,
	   "ctl: nobody reading (conmon gone) is a state error");
	cpod_error_free(e);
	rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ok(conmon_resize(bundle, 50, 132, NULL) == 0, "ctl: resize written");
	ok(read(rd, got, sizeof(got) - 1) == 9, "ctl: one message");
	is_str(got, "1 50 132\n", "ctl: resize message");
	memset(got, 0, sizeof(got));
	ok(conmon_reopen_log(bundle, NULL) == 0, "ctl: reopen written");
	ok(read(rd, got, sizeof(got) - 1) == 6, "ctl: one message");
	is_str(got, "2 0 0\n", "ctl: reopen message");
	close(rd);
}

static void test_exit_files(void)
{
	_cleanup_free_ char *dir = path_of("exits-unit");
	cpod_error *e = NULL;
	int code = 0;
	pid_t pid;

	fs_mkdir_p(dir, 0700);
	ok(conmon_read_exit_file(dir, "c1", &code, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "exit file: missing");
	cpod_error_free(e);
	e = NULL;
	write_file("exits-unit/c1", "137");
	ok(conmon_read_exit_file(dir, "c1", &code, NULL) == 0 && code == 137, "exit file: 137");
	write_file("exits-unit/c2", "-1\n");
	ok(conmon_read_exit_file(dir, "c2", &code, NULL) == 0 && code == -1, "exit file: -1 "
									     "(timeout) with a "
									     "newline");
	write_file("exits-unit/c3", "x1");
	ok(conmon_read_exit_file(dir, "c3", &code, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_INVALID,
	   "exit file: garbage");
	cpod_error_free(e);
	e = NULL;
	ok(conmon_wait_exit_file(dir, "c4", 50, &code, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_STATE,
	   "exit file: wait times out");
	cpod_error_free(e);
	/* conmon writes it atomically: a temporary file renamed into place. */
	pid = fork();
	if (pid == 0) {
		_cleanup_free_ char *t = path_of("exits-unit/.c4.tmp"), *f = path_of("exits-unit/"
										     "c4");
		usleep(100000);
		write_file("exits-unit/.c4.tmp", "42");
		rename(t, f);
		_exit(0);
	}
	code = 0;
	ok(conmon_wait_exit_file(dir, "c4", 5000, &code, NULL) == 0 && code == 42, "exit file: "
										   "waited for its "
										   "rename");
	waitpid(pid, NULL, 0);
}

/* ---- real containers ---- */

static bool log_has(const char *log, const char *stream_tag_msg)
{
	_cleanup_free_ char *text = lab_read(log);
	_cleanup_free_ char *needle = xasprintf("+00:00 %s\n", stream_tag_msg);
	_cleanup_free_ char *needle2 = xasprintf(" %s\n", stream_tag_msg);

	return strstr(text, needle) || strstr(text, needle2);
}

static void e2e_run(void)
{
	struct lab_ctr c;
	oci_state st;
	cpod_error *e = NULL;
	int code = -99;
	_cleanup_free_ char *persist_exit = NULL, *pexit = NULL;

	lab_ctr_init(&c, "run", NULL,
		     (const char *const[]){ "sh", "-c",
					    "echo hello; echo -n partial; echo to-stderr >&2; "
					    "exit 3",
					    NULL },
		     false, false);
	if (!ok(lab_create(&c, &e) == 0, "run: conmon_create")) {
		diag("%s", cpod_error_message(e));
		cpod_error_free(e);
		lab_ctr_release(&c);
		return;
	}
	ok(c.res.pid > 0 && c.res.conmon_pid > 0 && c.res.pid != c.res.conmon_pid, "run: container "
										   "and conmon "
										   "pids");
	ok(oci_rt_state(lab_rt, c.id, &st, NULL) == 0 && st.status == OCI_STATUS_CREATED &&
		   st.pid == c.res.pid,
	   "run: created, with the pid conmon reported");
	ok(oci_rt_start(lab_rt, c.id, NULL) == 0, "run: start");
	ok(conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL) == 0, "run: exit file");
	is_int(code, 3, "run: exit status");
	persist_exit = xasprintf("%s/exit", c.persist);
	pexit = lab_read(persist_exit);
	is_str(pexit, "3", "run: persist/exit too");
	ok(log_has(c.log, "stdout F hello"), "run: log has the F line");
	ok(log_has(c.log, "stdout P partial"), "run: log has the final P line");
	ok(log_has(c.log, "stderr F to-stderr"), "run: log has stderr");
	ok(lab_wait_file(c.exit_mark, 3000), "run: the exit command ran with its argument");
	ok(oci_rt_state(lab_rt, c.id, &st, NULL) == 0 && st.status == OCI_STATUS_STOPPED, "run: "
											  "stoppe"
											  "d");
	ok(oci_rt_delete(lab_rt, c.id, false, NULL) == 0, "run: delete");
	ok(oci_rt_state(lab_rt, c.id, &st, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "run: state after delete: not found");
	diag("%s", e ? cpod_error_message(e) : "");
	cpod_error_free(e);
	lab_ctr_release(&c);
}

static void e2e_create_fails(void)
{
	struct lab_ctr c;
	cpod_error *e = NULL;

	lab_ctr_init(&c, "fail", NULL, (const char *const[]){ "/nonexistent", NULL }, false, false);
	ok(lab_create(&c, &e) < 0, "bad command: create fails");
	ok(cpod_error_kind(e) == CPOD_ERR_CMD_NOT_FOUND, "bad command: 127 kind");
	diag("%s", cpod_error_message(e));
	ok(str_has_prefix(cpod_error_message(e), "runc: ") &&
		   strstr(cpod_error_message(e), "/nonexistent") &&
		   str_has_suffix(cpod_error_message(e), ": OCI runtime attempted to invoke a "
							 "command that was not found"),
	   "bad command: podman's message");
	cpod_error_free(e);
	lab_ctr_release(&c);

	/* conmon itself refusing its options: its own words come back. */
	lab_ctr_init(&c, "badopt", NULL, (const char *const[]){ "true", NULL }, false, false);
	c.o.log_tag = "x"; /* k8s-file with a tag is fatal to conmon */
	e = NULL;
	ok(lab_create(&c, &e) < 0 && str_has_prefix(cpod_error_message(e), "conmon failed: "),
	   "conmon option error reported");
	diag("%s", e ? cpod_error_message(e) : "");
	cpod_error_free(e);
	lab_ctr_release(&c);
}

static void e2e_signals_pause(void)
{
	struct lab_ctr c;
	oci_state st;
	cpod_error *e = NULL;
	int code = 0;

	lab_ctr_init(&c, "sleep", NULL, (const char *const[]){ "sleep", "30", NULL }, false, false);
	if (!ok(lab_create(&c, NULL) == 0 && oci_rt_start(lab_rt, c.id, NULL) == 0, "sleep: "
										    "created and "
										    "started")) {
		lab_ctr_release(&c);
		return;
	}
	ok(oci_rt_state(lab_rt, c.id, &st, NULL) == 0 && st.status == OCI_STATUS_RUNNING, "sleep: "
											  "runnin"
											  "g");
	ok(oci_rt_pause(lab_rt, c.id, NULL) == 0 && oci_rt_state(lab_rt, c.id, &st, NULL) == 0 &&
		   st.status == OCI_STATUS_PAUSED,
	   "sleep: paused");
	ok(oci_rt_resume(lab_rt, c.id, NULL) == 0 && oci_rt_state(lab_rt, c.id, &st, NULL) == 0 &&
		   st.status == OCI_STATUS_RUNNING,
	   "sleep: resumed");
	ok(oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL) == 0, "sleep: kill");
	ok(conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL) == 0 && code == 137, "sleep: "
											  "killed "
											  "by "
											  "SIGKILL "
											  "is 137");
	ok(oci_rt_kill(lab_rt, c.id, SIGTERM, false, &e) < 0, "sleep: kill after exit fails");
	diag("%s", e ? cpod_error_message(e) : "");
	ok(e && strstr(cpod_error_message(e), "runc kill '") &&
		   cpod_error_kind(e) == CPOD_ERR_STATE,
	   "sleep: as a state error");
	cpod_error_free(e);
	lab_ctr_release(&c);
}

static void e2e_exec(void)
{
	struct lab_ctr c;
	struct lab_exec x;
	conmon_exec_session s;
	cpod_error *e = NULL;
	pid_t pid = 0;
	int code = -5;
	_cleanup_free_ char *exitf = NULL, *ex = NULL;

	lab_ctr_init(&c, "exec", NULL, (const char *const[]){ "sleep", "30", NULL }, false, false);
	if (!ok(lab_create(&c, NULL) == 0 && oci_rt_start(lab_rt, c.id, NULL) == 0, "exec: "
										    "container "
										    "runs")) {
		lab_ctr_release(&c);
		return;
	}
	lab_exec_init(&x, &c, "sess1", (const char *const[]){ "sh", "-c", "exit 7", NULL }, false,
		      false);
	ok(conmon_exec(&x.eo, &s, &e) == 0, "exec: started");
	if (e)
		diag("%s", cpod_error_message(e));
	ok(s.attach_fd < 0 && s.conmon_pid > 0, "exec: no attach asked, conmon pid read");
	ok(conmon_exec_wait_pid(&s, &pid, NULL) == 0 && pid > 0, "exec: pid");
	ok(conmon_exec_wait_exit(&s, 5000, &code, NULL) == 0, "exec: exit code read");
	is_int(code, 7, "exec: exit code 7 (second sync line)");
	exitf = xasprintf("%s/%s", x.exit_dir, c.id);
	ok(lab_wait_file(exitf, 2000), "exec: exit file named after the container");
	ex = lab_read(exitf);
	is_str(ex, "7", "exec: exit file content");
	conmon_exec_session_release(&s);
	conmon_exec_session_release(&s);
	lab_exec_release(&x);

	lab_exec_init(&x, &c, "sess2", (const char *const[]){ "/nonexistent", NULL }, false, false);
	e = NULL;
	ok(conmon_exec(&x.eo, &s, &e) == 0, "exec of a missing binary: conmon starts");
	ok(conmon_exec_wait_pid(&s, &pid, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_CMD_NOT_FOUND,
	   "exec of a missing binary: not found");
	diag("%s", e ? cpod_error_message(e) : "");
	cpod_error_free(e);
	e = NULL;
	ok(conmon_exec_wait_exit(&s, 5000, &code, &e) < 0, "exec failed: no exit code either");
	cpod_error_free(e);
	conmon_exec_session_release(&s);
	lab_exec_release(&x);
	oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL);
	conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	lab_ctr_release(&c);
}

struct ready_probe {
	const char *dir;
	bool socket_there, attached, fail;
};

static int on_ready(void *userdata, const conmon_exec_session *s, cpod_error **err)
{
	struct ready_probe *p = userdata;
	_cleanup_free_ char *sock = xasprintf("%s/attach", p->dir);
	struct stat st;

	p->socket_there = stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
	p->attached = s->attach_fd >= 0;
	if (p->fail)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "caller gave up");
	return 0;
}

static void e2e_exec_ready(void)
{
	struct lab_ctr c;
	struct lab_exec x;
	conmon_exec_session s;
	struct ready_probe probe = { 0 };
	cpod_error *e = NULL;
	int code = -1;
	_cleanup_free_ char *exitf = NULL;

	lab_ctr_init(&c, "ready", NULL, (const char *const[]){ "sleep", "30", NULL }, false, false);
	if (!ok(lab_create(&c, NULL) == 0 && oci_rt_start(lab_rt, c.id, NULL) == 0, "ready: "
										    "container "
										    "runs")) {
		lab_ctr_release(&c);
		return;
	}
	lab_exec_init(&x, &c, "r1", (const char *const[]){ "true", NULL }, false, false);
	probe.dir = x.dir;
	x.eo.attach = true;
	x.eo.ready = on_ready;
	x.eo.userdata = &probe;
	ok(conmon_exec(&x.eo, &s, NULL) == 0, "ready: exec started");
	ok(probe.socket_there && probe.attached, "ready: called with the socket made and attached");
	ok(conmon_exec_wait_exit(&s, 5000, &code, NULL) == 0 && code == 0, "ready: exit 0");
	conmon_exec_session_release(&s);
	lab_exec_release(&x);

	lab_exec_init(&x, &c, "r2", (const char *const[]){ "true", NULL }, false, false);
	probe = (struct ready_probe){ .dir = x.dir, .fail = true };
	x.eo.ready = on_ready;
	x.eo.userdata = &probe;
	ok(conmon_exec(&x.eo, &s, &e) < 0, "ready fails: exec fails");
	is_str(cpod_error_message(e), "caller gave up", "ready fails: its error");
	cpod_error_free(e);
	exitf = xasprintf("%s/%s", x.exit_dir, c.id);
	ok(!lab_wait_file(exitf, 400), "ready fails: the process never ran (no exit file)");
	lab_exec_release(&x);
	oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL);
	conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	lab_ctr_release(&c);
}

/* The caller's fd 3 reaches the container with preserve_fds 1. */
static void e2e_preserve_fds(void)
{
	struct lab_ctr c;
	int p[2], saved = -1, code = -1;
	char got[64] = { 0 };
	bool had3 = fcntl(3, F_GETFD) >= 0;
	cpod_error *e = NULL;

	if (had3)
		saved = fcntl(3, F_DUPFD_CLOEXEC, 10);
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	/* Out of the way of fd 3, which dup2() takes over. */
	for (int i = 0; i < 2; i++) {
		int moved = fcntl(p[i], F_DUPFD_CLOEXEC, 10);
		close(p[i]);
		p[i] = moved;
	}
	dup2(p[1], 3);
	lab_ctr_init(&c, "fds", NULL, (const char *const[]){ "sh", "-c", "echo via-fd3 >&3", NULL },
		     false, false);
	c.o.preserve_fds = 1;
	ok(lab_create(&c, &e) == 0, "preserve fds: created");
	if (e)
		diag("%s", cpod_error_message(e));
	cpod_error_free(e);
	close(3);
	close(p[1]);
	if (had3) {
		dup2(saved, 3);
		close(saved);
	}
	ok(oci_rt_start(lab_rt, c.id, NULL) == 0, "preserve fds: started");
	conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	ok(code == 0 && read(p[0], got, sizeof(got) - 1) > 0, "preserve fds: written to");
	is_str(got, "via-fd3\n", "preserve fds: the container wrote to our pipe");
	close(p[0]);
	lab_ctr_release(&c);
}

/* conmon's pid goes into the cgroups given, before it starts anything. */
static void e2e_cgroup(void)
{
	struct lab_ctr c;
	_cleanup_free_ char *dir = xasprintf("/sys/fs/cgroup/pids/cpodt%d-conmon", (int)getpid());
	_cleanup_free_ char *procfile = NULL, *cg = NULL, *want = NULL;
	const char *dirs[] = { dir, NULL };
	int code;

	if (access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) < 0) {
		ok(1, "# SKIP cgroup placement: no v1 pids hierarchy");
		return;
	}
	lab_ctr_init(&c, "cg", NULL, (const char *const[]){ "sleep", "30", NULL }, false, false);
	c.o.cgroup_dirs = dirs;
	if (ok(lab_create(&c, NULL) == 0, "cgroup: created")) {
		procfile = xasprintf("/proc/%d/cgroup", (int)c.res.conmon_pid);
		cg = lab_read(procfile);
		want = xasprintf(":pids:/cpodt%d-conmon\n", (int)getpid());
		ok(strstr(cg, want) != NULL, "cgroup: the monitor conmon is in it");
		oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL);
		conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	}
	lab_ctr_release(&c);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(20000);
}

static void e2e_tty_and_rotation(void)
{
	struct lab_ctr c;
	int code = -1;
	_cleanup_free_ char *old = NULL, *oldtext = NULL, *newtext = NULL;

	/* conmon applies a resize asynchronously, once the pty is there: give it a moment. */
	lab_ctr_init(&c, "tty", NULL,
		     (const char *const[]){ "sh", "-c", "sleep 0.2; stty size", NULL }, true,
		     false);
	if (ok(lab_create(&c, NULL) == 0, "tty: created")) {
		ok(conmon_resize(c.bundle, 50, 132, NULL) == 0, "tty: resize before start");
		ok(oci_rt_start(lab_rt, c.id, NULL) == 0, "tty: started");
		ok(conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL) == 0 && code == 0,
		   "tty: stty exited 0");
		ok(log_has(c.log, "stdout F 50 132\r"), "tty: stty saw 50x132 (line ends in \\r)");
	}
	lab_ctr_release(&c);

	lab_ctr_init(&c, "rotate", NULL,
		     (const char *const[]){ "sh", "-c", "echo one; sleep 0.4; echo two", NULL },
		     false, false);
	old = xasprintf("%s.1", c.log);
	if (ok(lab_create(&c, NULL) == 0 && oci_rt_start(lab_rt, c.id, NULL) == 0, "rotate: "
										   "running")) {
		for (int i = 0; i < 200 && !log_has(c.log, "stdout F one"); i++)
			usleep(5000);
		ok(rename(c.log, old) == 0 && conmon_reopen_log(c.bundle, NULL) == 0, "rotate: "
										      "renamed, "
										      "reopen "
										      "sent");
		conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
		oldtext = lab_read(old);
		newtext = lab_read(c.log);
		ok(strstr(oldtext, "stdout F one\n") && !strstr(oldtext, "two"), "rotate: old "
										 "lines in the "
										 "renamed file");
		ok(strstr(newtext, "stdout F two\n") && !strstr(newtext, "one"), "rotate: new "
										 "lines in a new "
										 "file");
	}
	lab_ctr_release(&c);
}

int main(void)
{
	const char *why;

	if (!mkdtemp(tmp))
		return 1;
	test_create_argv();
	test_exec_argv();
	test_missing();
	test_parse_sync();
	test_runtime_error();
	test_stderr_message();
	test_status();
	test_fake_ops();
	test_cli_ops();
	test_ctl();
	test_exit_files();
	why = lab_unavailable();
	if (why) {
		ok(1, "# SKIP real containers: %s", why);
	} else if (!ok(lab_setup() == 0, "lab: busybox root file system")) {
		lab_teardown();
	} else {
		e2e_run();
		e2e_create_fails();
		e2e_signals_pause();
		e2e_exec();
		e2e_exec_ready();
		e2e_preserve_fds();
		e2e_cgroup();
		e2e_tty_and_rotation();
		lab_teardown();
	}
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
