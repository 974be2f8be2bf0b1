/* Running containers and exec sessions under conmon, the way podman does (/work/shared/conmon.md
 * is the tested interface this follows; section numbers below refer to it).
 *
 * Create (sections 2a, 3):
 *
 *	conmon_opts o = { .runtime_path = "/usr/sbin/runc", .id = id, .bundle = bundle, ... };
 *	conmon_result res;
 *	if (conmon_create(&o, &res, err) < 0)	// runtime create has run; res.pid is the init pid
 *		...				// (failure: `runtime delete --force` the id)
 *	oci_rt_start(rt, id, err);		// attach first when wanted (engine/attach.h)
 *
 * conmon_create() spawns conmon with the sync and start socketpairs on fds 3 and 4 (after
 * preserve_fds), in its own process group, in the bundle directory, with stdin on /dev/null
 * and stdout and stderr on a pipe that only catches the first conmon's own complaints (the
 * monitor moves to /dev/null at once); with the passthrough log driver all three are the
 * caller's.  It writes the pid of the first conmon to each cgroup_dirs/cgroup.procs, sends the
 * start byte, reaps the first conmon, reads the sync line and then the conmon pidfile.
 *
 * Exec (sections 2b, 4): conmon_exec() goes as far as the second start byte (the attach socket
 * connected first when asked) and hands back a session whose sync descriptor later carries
 * the process' pid and then its exit code.  Read them with conmon_exec_wait_pid() and
 * conmon_exec_wait_exit(), or, while pumping the attach socket, let attach_pump() call
 * conmon_exec_on_sync() when the descriptor is readable (engine/attach.h: extra_fd):
 * conmon writes to attach clients with blocking writes, so a caller that waits for the pid
 * without draining the socket can deadlock with a chatty process.
 *
 * Errors of the runtime (the sync line's {"data": -1, "message": ...}, or better the msg of
 * the runtime's JSON log, oci_log) read like podman's: "runc: <message>: OCI runtime error"
 * (CPOD_ERR_SYSTEM); a message about a missing executable or file becomes "...: OCI runtime
 * attempted to invoke a command that was not found" (CPOD_ERR_CMD_NOT_FOUND, exit 127), one
 * about permissions "...: OCI permission denied" (CPOD_ERR_CANNOT_INVOKE, exit 126).
 */
#ifndef CPOD_OCI_CONMON_H
#define CPOD_OCI_CONMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/strv.h"

#define CONMON_DEFAULT_PATH "/usr/bin/conmon"
/* How long podman waits for the sync line (define.ContainerCreateTimeout). */
#define CONMON_SYNC_TIMEOUT_MS (240 * 1000)

typedef enum {
	CONMON_LOG_K8S_FILE = 0, /* -l k8s-file:<log_path> */
	CONMON_LOG_NONE,	 /* -l none */
	CONMON_LOG_PASSTHROUGH,	 /* -l passthrough: conmon (and the container) keep our stdio */
	CONMON_LOG_JOURNALD,	 /* -l journald */
} conmon_log_driver;

/* What conmon is told.  Strings and vectors are borrowed for the duration of the call;
 * vectors are NULL-terminated and may be NULL. */
typedef struct {
	const char *conmon_path;  /* NULL: CONMON_DEFAULT_PATH */
	const char *runtime_path; /* -r (required) */
	const char *runtime_name; /* names the runtime in errors; NULL: basename of the path */
	/* --runtime-arg each: the runtime's global flags and --root, the same as
	 * oci_rt_global_args(). */
	const char *const *runtime_args;
	const char *id;	   /* -c: the container ID (required) */
	const char *cuuid; /* -u: NULL = id; for exec the session's ID (required) */
	const char *name;  /* -n: NULL = id */
	/* -b and conmon's working directory (required, must exist); for exec the session's
	 * directory, where conmon makes attach, ctl and winsz. */
	const char *bundle;
	const char *pidfile;	 /* -p: where the runtime writes the pid (required) */
	const char *exit_dir;	 /* --exit-dir (required; made 0700 when missing) */
	const char *persist_dir; /* --persist-dir (made when missing); NULL: not passed */
	conmon_log_driver log_driver;
	const char *log_path; /* the k8s-file log (required for CONMON_LOG_K8S_FILE) */
	const char *log_tag;  /* --log-tag (journald only) */
	int64_t log_size_max; /* --log-size-max when > 0 */
	/* conmon's --log-level; NULL: "warning" (never "debug" for exec: its lines leak into
	 * the process' stderr). */
	const char *log_level;
	/* The runtime's --log-format=json --log <oci_log> (runc, crun), whose msg explains a
	 * failure; removed before the start so that it is fresh.  NULL: not passed. */
	const char *oci_log;
	bool systemd_cgroup;	     /* -s */
	bool no_cgroups;	     /* --runtime-arg --cgroup-manager --runtime-arg disabled */
	bool terminal;		     /* -t; must match process.terminal of the spec */
	bool stdin;		     /* -i (create: only without terminal) */
	const char *sdnotify_socket; /* --sdnotify-socket=P (create) */
	unsigned timeout;	     /* --timeout=N when > 0 (create) */
	bool no_new_keyring;	     /* --no-new-keyring (create) */
	bool no_pivot;		     /* --no-pivot (create) */
	/* --conmon-pidfile; required by conmon_create(); for exec needed to stop conmon when
	 * the exec is abandoned before its process starts. */
	const char *conmon_pidfile;
	const char *exit_command;	      /* --exit-command (an absolute path); NULL: none */
	const char *const *exit_command_args; /* --exit-command-arg each */
	unsigned exit_delay;		      /* --exit-delay when > 0 (exec, with exit_command) */
	/* The caller's fds 3 .. 3+N-1 go to the container: --runtime-opt --preserve-fds
	 * --runtime-opt N. */
	unsigned preserve_fds;
	const char *process_spec; /* exec: --exec-process-spec (the OCI process JSON) */
	/* The first conmon's pid is written to <dir>/cgroup.procs of each before it may start
	 * anything (directories made when missing; failures are warnings, as in podman). */
	const char *const *cgroup_dirs;
	/* KEY=VALUE added to conmon's environment, which is ours minus NOTIFY_SOCKET (and as
	 * root DBUS_SESSION_BUS_ADDRESS). */
	const char *const *env;
	int sync_timeout_ms; /* waiting for sync lines; 0: CONMON_SYNC_TIMEOUT_MS */
} conmon_opts;

typedef conmon_opts conmon_create_opts;

/* The argument vectors conmon_create() and conmon_exec() run, in podman's order (exposed for
 * tests).  CPOD_ERR_INVALID when a required field is missing; argv is appended to. */
int conmon_create_argv(const conmon_opts *o, strv *argv, cpod_error **err);
int conmon_exec_argv(const conmon_opts *o, strv *argv, cpod_error **err);

typedef struct {
	pid_t pid;	  /* the container's init pid (the runtime's pidfile) */
	pid_t conmon_pid; /* the monitor conmon (--conmon-pidfile) */
} conmon_result;

/* Runs `runtime create` under conmon (see the top).  *ret is set only on success. */
int conmon_create(const conmon_opts *o, conmon_result *ret, cpod_error **err);

/* ---- exec ---- */

typedef struct {
	pid_t conmon_pid; /* the monitor (0 when no conmon_pidfile was asked for) */
	int sync_fd;	  /* carries the pid line, then the exit code line; -1 once at EOF */
	int attach_fd;	  /* the connected attach socket (attach was asked), else -1 */
	pid_t pid;	  /* the process' pid once read, else 0 */
	int exit_code;	  /* its exit code once read (exited), else -1 */
	bool exited;	  /* the exit code line came */
	bool failed;	  /* conmon reported {"data": -1}: the process did not start */
	char *message;	  /* then the runtime's message (prefers the oci_log msg) */
	/* private */
	char *runtime_name, *oci_log, *exit_file;
	char *pending;
	size_t pending_len;
	int lines;
	int sync_timeout_ms;
} conmon_exec_session;

typedef struct {
	conmon_opts common;
	/* Connect the session's attach socket before the process starts (session.attach_fd). */
	bool attach;
	/* With terminal: the first window size, sent through ctl before the process starts (a
	 * tty exec otherwise starts at 0x0).  0: none. */
	unsigned short rows, cols;
	/* Called after the attach socket exists and before the process starts (e.g. to hijack
	 * an HTTP connection); an error aborts the exec.  NULL: none. */
	int (*ready)(void *userdata, const conmon_exec_session *s, cpod_error **err);
	void *userdata;
} conmon_exec_opts;

/* Starts an exec session (see the top).  On success *ret must be released with
 * conmon_exec_session_release().  On failure nothing is left open; when the failure comes
 * after conmon got going (the attach connection, the initial resize or ready failed), conmon
 * is killed (its pid comes from conmon_pidfile) so that the process never starts. */
int conmon_exec(const conmon_exec_opts *o, conmon_exec_session *ret, cpod_error **err);

/* Reads whatever the sync descriptor has, without blocking, and records the pid, the exit code
 * or the failure.  Returns 1 once the descriptor reached its end (it is closed), else 0.  Its
 * signature fits attach_io.extra_cb (userdata = the session). */
int conmon_exec_on_sync(void *session);

/* Waits (up to the session's sync timeout) for the pid line.  A failed start gives the
 * runtime's error as described at the top. */
int conmon_exec_wait_pid(conmon_exec_session *s, pid_t *ret_pid, cpod_error **err);

/* Waits up to timeout_ms (< 0: forever) for the exit code: the second sync line, or, when
 * conmon ended without it, the exit file <exit_dir>/<id>.  CPOD_ERR_STATE on timeout. */
int conmon_exec_wait_exit(conmon_exec_session *s, int timeout_ms, int *ret_code, cpod_error **err);

/* Closes the descriptors and frees the strings; accepts a released session. */
void conmon_exec_session_release(conmon_exec_session *s);

/* ---- while conmon runs ---- */

/* Writes "1 <rows> <cols>\n" to <bundle>/ctl: conmon resizes the container's terminal.
 * CPOD_ERR_STATE when conmon is gone (ENXIO). */
int conmon_resize(const char *bundle, unsigned short rows, unsigned short cols, cpod_error **err);

/* Writes "2 0 0\n" to <bundle>/ctl: conmon reopens (replaces) its k8s-file log.  To rotate,
 * rename the log first. */
int conmon_reopen_log(const char *bundle, cpod_error **err);

/* The exit status conmon wrote to <exit_dir>/<id> (128+signal when killed, -1 after
 * --timeout).  CPOD_ERR_NOT_FOUND when the file is not there (yet). */
int conmon_read_exit_file(const char *exit_dir, const char *id, int *ret_code, cpod_error **err);

/* Waits up to timeout_ms (< 0: forever) for that file (inotify on exit_dir), then reads it.
 * CPOD_ERR_STATE on timeout. */
int conmon_wait_exit_file(const char *exit_dir, const char *id, int timeout_ms, int *ret_code,
			  cpod_error **err);

/* Connects to the attach socket at sock_path (<bundle>/attach) through an O_PATH descriptor
 * and /proc/self/fd, so that paths longer than sun_path work.  Returns a SOCK_SEQPACKET
 * close-on-exec descriptor, or -1 (CPOD_ERR_NOT_FOUND when there is no socket). */
int conmon_connect_attach(const char *sock_path, cpod_error **err);

/* Parses one sync line, {"data": N} or {"data": N, "message": "..."}: *ret_message (may be
 * NULL) gets a new string or NULL.  CPOD_ERR_INVALID for anything else (exposed for tests). */
int conmon_parse_sync(const char *line, size_t len, int64_t *ret_data, char **ret_message,
		      cpod_error **err);

/* The podman-style error for a runtime message (see the top); returns -1. */
int conmon_runtime_error(cpod_error **err, const char *runtime_name, const char *message);

#endif
