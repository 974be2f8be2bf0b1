#include "oci/conmon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "oci/ociruntime.h"
#include "common/banned.h"

extern char **environ;

/* A sync line is at most {"data": -1, "message": "<8191 bytes, each escaped to up to 6>"}. */
#define SYNC_RECV 65536
#define SYNC_CAP (1 << 20)
#define CAPTURE_KEEP 4096

/* ---- argv ---- */

static const char *log_arg(const conmon_opts *o, char **tmp)
{
	switch (o->log_driver) {
	case CONMON_LOG_NONE:
		return "none";
	case CONMON_LOG_PASSTHROUGH:
		return "passthrough";
	case CONMON_LOG_JOURNALD:
		return "journald";
	case CONMON_LOG_K8S_FILE:
		break;
	}
	*tmp = xasprintf("k8s-file:%s", o->log_path);
	return *tmp;
}

static int check_opts(const conmon_opts *o, bool exec, cpod_error **err)
{
	const struct {
		const char *value, *name;
		bool needed;
	} req[] = {
		{ o->runtime_path, "runtime_path", true },
		{ o->id, "id", true },
		{ o->bundle, "bundle", true },
		{ o->pidfile, "pidfile", true },
		{ o->exit_dir, "exit_dir", true },
		{ o->conmon_pidfile, "conmon_pidfile", !exec },
		{ o->cuuid, "cuuid", exec },
		{ o->process_spec, "process_spec", exec },
		{ o->log_path, "log_path", o->log_driver == CONMON_LOG_K8S_FILE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(req); i++)
		if (req[i].needed && !req[i].value)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "running conmon: no %s given",
					req[i].name);
	if ((unsigned)o->log_driver > CONMON_LOG_JOURNALD)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "running conmon: bad log driver %d",
				(int)o->log_driver);
	return 0;
}

/* podman's sharedConmonArgs. */
static void shared_args(const conmon_opts *o, strv *argv)
{
	_cleanup_free_ char *tmp = NULL;

	strv_push(argv, o->conmon_path ? o->conmon_path : CONMON_DEFAULT_PATH);
	strv_pushv(argv, (const char *const[]){ "--api-version", "1", "-c", o->id, "-u",
						o->cuuid ? o->cuuid : o->id, "-r", o->runtime_path,
						"-b", o->bundle, "-p", o->pidfile, "-n",
						o->name ? o->name : o->id, "--exit-dir",
						o->exit_dir, NULL });
	if (o->persist_dir)
		strv_pushv(argv, (const char *const[]){ "--persist-dir", o->persist_dir, NULL });
	strv_push(argv, "--full-attach");
	for (const char *const *a = o->runtime_args; a && *a; a++)
		strv_pushv(argv, (const char *const[]){ "--runtime-arg", *a, NULL });
	if (o->systemd_cgroup)
		strv_push(argv, "-s");
	strv_pushv(argv, (const char *const[]){ "-l", log_arg(o, &tmp), "--log-level",
						o->log_level ? o->log_level : "warning", "--syslog",
						NULL });
	if (o->log_size_max > 0) {
		strv_push(argv, "--log-size-max");
		strv_pushf(argv, "%lld", (long long)o->log_size_max);
	}
	if (o->oci_log) {
		strv_pushv(argv, (const char *const[]){ "--runtime-arg", "--log-format=json",
							"--runtime-arg", "--log", NULL });
		strv_pushf(argv, "--runtime-arg=%s", o->oci_log);
	}
	if (o->log_tag)
		strv_pushv(argv, (const char *const[]){ "--log-tag", o->log_tag, NULL });
	if (o->no_cgroups)
		strv_pushv(argv, (const char *const[]){ "--runtime-arg", "--cgroup-manager",
							"--runtime-arg", "disabled", NULL });
}

static void exit_command_args(const conmon_opts *o, strv *argv)
{
	if (!o->exit_command)
		return;
	strv_pushv(argv, (const char *const[]){ "--exit-command", o->exit_command, NULL });
	for (const char *const *a = o->exit_command_args; a && *a; a++)
		strv_pushv(argv, (const char *const[]){ "--exit-command-arg", *a, NULL });
}

static void preserve_fds_args(const conmon_opts *o, strv *argv)
{
	if (o->preserve_fds == 0)
		return;
	strv_pushv(argv, (const char *const[]){ "--runtime-opt", "--preserve-fds", "--runtime-opt",
						NULL });
	strv_pushf(argv, "%u", o->preserve_fds);
}

int conmon_create_argv(const conmon_opts *o, strv *argv, cpod_error **err)
{
	if (check_opts(o, false, err) < 0)
		return -1;
	shared_args(o, argv);
	if (o->sdnotify_socket)
		strv_pushf(argv, "--sdnotify-socket=%s", o->sdnotify_socket);
	if (o->terminal)
		strv_push(argv, "-t");
	else if (o->stdin)
		strv_push(argv, "-i");
	if (o->timeout > 0)
		strv_pushf(argv, "--timeout=%u", o->timeout);
	if (o->no_new_keyring)
		strv_push(argv, "--no-new-keyring");
	strv_pushv(argv, (const char *const[]){ "--conmon-pidfile", o->conmon_pidfile, NULL });
	if (o->no_pivot)
		strv_push(argv, "--no-pivot");
	exit_command_args(o, argv);
	preserve_fds_args(o, argv);
	return 0;
}

int conmon_exec_argv(const conmon_opts *o, strv *argv, cpod_error **err)
{
	if (check_opts(o, true, err) < 0)
		return -1;
	shared_args(o, argv);
	preserve_fds_args(o, argv);
	if (o->terminal)
		strv_push(argv, "-t");
	if (o->stdin)
		strv_push(argv, "-i");
	strv_pushv(argv, (const char *const[]){ "-e", "--exec-attach", "--exec-process-spec",
						o->process_spec, NULL });
	if (o->conmon_pidfile)
		strv_pushv(argv,
			   (const char *const[]){ "--conmon-pidfile", o->conmon_pidfile, NULL });
	exit_command_args(o, argv);
	if (o->exit_command && o->exit_delay > 0) {
		strv_push(argv, "--exit-delay");
		strv_pushf(argv, "%u", o->exit_delay);
	}
	return 0;
}

/* ---- starting conmon ---- */

/* Everything the child needs, prepared before fork(): between fork() and execve() a child of
 * a threaded program may only make async-signal-safe calls. */
struct launch {
	char **argv;
	char **envp;
	const char *cwd;
	int stdio[3]; /* -1: inherited */
	int pipes[3]; /* become fds 3+preserve ... */
	int n_pipes;
	unsigned preserve; /* fds 3 .. 3+preserve-1 stay as they are */
	long maxfd;
};

static __attribute__((noreturn)) void child_fail(int errfd)
{
	int e = errno;
	ssize_t n = write(errfd, &e, sizeof(e));

	(void)n;
	_exit(127);
}

static void child_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) < 0)
			continue;
		if (sig == SIGPIPE || (old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL))
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Sources are first copied above every target, so no dup2() clobbers one still to come. */
static __attribute__((noreturn)) void child(const struct launch *l, int errpipe)
{
	int floor = 3 + (int)l->preserve + l->n_pipes, tmp[6], errfd;

	child_reset_signals();
	errfd = fcntl(errpipe, F_DUPFD_CLOEXEC, floor);
	if (errfd < 0 || setpgid(0, 0) < 0)
		child_fail(errfd < 0 ? errpipe : errfd);
	for (int i = 0; i < 6; i++) {
		int src = i < 3 ? l->stdio[i] : i - 3 < l->n_pipes ? l->pipes[i - 3] : -1;

		tmp[i] = src < 0 ? -1 : fcntl(src, F_DUPFD_CLOEXEC, floor);
		if (src >= 0 && tmp[i] < 0)
			child_fail(errfd);
	}
	for (int i = 0; i < 6; i++) {
		int dst = i < 3 ? i : 3 + (int)l->preserve + i - 3;

		if (tmp[i] >= 0 && dup2(tmp[i], dst) < 0)
			child_fail(errfd);
	}
	for (int fd = 3; fd < 3 + (int)l->preserve; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0)
			child_fail(errfd);
	if (syscall(SYS_close_range, floor, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (long fd = floor; fd < l->maxfd; fd++)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	if (chdir(l->cwd) < 0)
		child_fail(errfd);
	execve(l->argv[0], l->argv, l->envp);
	child_fail(errfd);
}

/* fork()s and execs conmon; reports exec failures (with the child's errno). */
static int launch(const struct launch *l, pid_t *ret_pid, cpod_error **err)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int fds[2], e = 0, ws;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running conmon: pipe");
	rd = fds[0];
	wr = fds[1];
	pid = fork();
	if (pid < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running conmon: fork");
	if (pid == 0)
		child(l, wr);
	close(TAKE_FD(wr));
	do
		n = read(rd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		*ret_pid = pid;
		return 0;
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(e))
		e = EIO;
	return cpod_err(err, e == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, e,
			"running '%s' in '%s'", l->argv[0], l->cwd);
}

/* Our environment minus what must not leak into containers, plus extra and the pipes. */
static char **conmon_env(const conmon_opts *o, const char *const *pipes_env)
{
	_cleanup_strv_ strv env = STRV_INIT;

	for (char **e = environ; e && *e; e++) {
		if (str_has_prefix(*e, "NOTIFY_SOCKET=") || str_has_prefix(*e, "_OCI_") ||
		    (geteuid() == 0 && str_has_prefix(*e, "DBUS_SESSION_BUS_ADDRESS=")))
			continue;
		strv_push(&env, *e);
	}
	for (const char *const *e = o->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *key = eq ? xstrndup(*e, (size_t)(eq - *e)) : NULL;

		if (key)
			strv_env_set(&env, key, eq + 1);
	}
	strv_pushv(&env, pipes_env);
	return strv_detach(&env);
}

static int seqpacket_pair(int fds[2], cpod_error **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running conmon: socketpair");
	return 0;
}

/* The first conmon is put in the cgroups before it may start anything (podman's
 * moveConmonToCgroupAndSignal); like podman, a failure only warns. */
static void place_in_cgroups(const char *const *dirs, pid_t pid)
{
	char num[24];

	snprintf(num, sizeof(num), "%d", (int)pid);
	for (; dirs && *dirs; dirs++) {
		_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", *dirs);
		_cleanup_close_ int fd = -1;

		if (fs_mkdir_p(*dirs, 0755) < 0 || (fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0 ||
		    write(fd, num, strlen(num)) < 0)
			log_warn("failed to add conmon to cgroup '%s': %s", *dirs, strerror(errno));
	}
}

static int send_start_byte(int fd)
{
	ssize_t n;

	do
		n = send(fd, "", 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	/* EPIPE: conmon already died; waitpid() tells why. */
	return n == 1 || errno == EPIPE ? 0 : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Reads one '\n'-terminated line (without the '\n') into line.  1: a line; 0: EOF first
 * (line holds what came); -1: error or timeout (CPOD_ERR_STATE). */
static int read_line(int fd, int timeout_ms, buf *line, cpod_error **err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	_cleanup_free_ char *chunk = xmalloc(SYNC_RECV);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl = memchr(line->s, '\n', line->len);
		ssize_t n;
		int r;

		if (nl) {
			buf_truncate(line, (size_t)(nl - line->s));
			return 1;
		}
		r = poll(&p, 1, remaining_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "waiting for conmon");
		if (r == 0)
			return cpod_err(err, CPOD_ERR_STATE, ETIMEDOUT, "waiting for conmon");
		n = read(fd, chunk, SYNC_RECV);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno != ECONNRESET)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading from conmon");
		if (n <= 0)
			return 0;
		if (buf_add(line, chunk, (size_t)n) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, EFBIG, "reading from conmon");
	}
}

int conmon_parse_sync(const char *line, size_t len, int64_t *ret_data, char **ret_message,
		      cpod_error **err)
{
	_cleanup_json_ json_object *doc = json_parse_bytes(line, len, SYNC_CAP, err);
	json_cur root = json_cur_root(doc);
	const char *msg;
	int64_t data;

	if (!doc || json_get_int64(&root, "data", &data, err) < 0 ||
	    json_get_string_opt(&root, "message", NULL, &msg, err) < 0)
		return cpod_err_prefix(err, "conmon sent '%.*s'", (int)(len > 200 ? 200 : len),
				       line);
	*ret_data = data;
	if (ret_message)
		*ret_message = msg ? xstrdup(msg) : NULL;
	return 0;
}

/* Go's (?i) match of podman's patterns in getOCIRuntimeError: the first line containing one. */
static const char *find_line(const char *msg, const char *const *pats, size_t *ret_len)
{
	for (const char *line = msg; *line;) {
		size_t len = strcspn(line, "\n");
		_cleanup_free_ char *copy = xstrndup(line, len);

		for (const char *const *p = pats; *p; p++)
			if (strcasestr(copy, *p)) {
				*ret_len = len;
				return line;
			}
		line += len + (line[len] == '\n');
	}
	return NULL;
}

int conmon_runtime_error(cpod_error **err, const char *runtime_name, const char *message)
{
	static const char *const denied[] = { "permission denied", "operation not permitted",
					      NULL };
	static const char *const missing[] = { "executable file not found in",
					       "no such file or directory", "open executable",
					       NULL };
	const char *line;
	size_t len, start = 0, end = strlen(message);

	if ((line = find_line(message, denied, &len)))
		return cpod_err(err, CPOD_ERR_CANNOT_INVOKE, 0, "%s: %.*s: OCI permission denied",
				runtime_name, (int)len, line);
	if ((line = find_line(message, missing, &len)))
		return cpod_err(err, CPOD_ERR_CMD_NOT_FOUND, 0,
				"%s: %.*s: OCI runtime attempted to invoke a command that was not "
				"found",
				runtime_name, (int)len, line);
	while (start < end && message[start] == '\n')
		start++;
	while (end > start && message[end - 1] == '\n')
		end--;
	return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: %.*s: OCI runtime error", runtime_name,
			(int)(end - start), message + start);
}

/* The msg the runtime logged in its JSON log file, or NULL. */
static char *oci_log_message(const char *path)
{
	_cleanup_buf_ buf b = BUF_INIT;
	char *msg;

	if (!path || fs_read_file(path, SYNC_CAP, &b, NULL) < 0)
		return NULL;
	msg = oci_rt_stderr_message(b.s, b.len);
	if (!*msg) {
		free(msg);
		return NULL;
	}
	return msg;
}

/* The error for a failed create or exec: the oci-log msg, else conmon's message. */
static int start_failed(cpod_error **err, const char *runtime_name, const char *oci_log,
			const char *message)
{
	_cleanup_free_ char *logged = oci_log_message(oci_log);

	if (logged)
		return conmon_runtime_error(err, runtime_name, logged);
	if (message && *message)
		return conmon_runtime_error(err, runtime_name, message);
	return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: conmon gave no pid and no reason",
			runtime_name);
}

static int read_pid_file(const char *path, pid_t *ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	char *end;
	long v;

	if (fs_read_file(path, 64, &b, err) < 0)
		return cpod_err_prefix(err, "reading conmon's pid file");
	errno = 0;
	v = strtol(b.s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == b.s || *end || v <= 0 || v > INT_MAX)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "bad pid '%s' in '%s'", b.s, path);
	*ret = (pid_t)v;
	return 0;
}

/* ---- the pieces common to create and exec ---- */

struct run {
	struct launch l;
	int parent[3]; /* sync, start, attach: our ends */
	int child[3];
	int devnull;
	int capture[2]; /* conmon's stdout and stderr, for its own errors */
	pid_t pid;	/* the first conmon, until reaped */
	const char *rt_name;
};

static void run_init(struct run *r)
{
	*r = (struct run){ .parent = { -1, -1, -1 },
			   .child = { -1, -1, -1 },
			   .devnull = -1,
			   .capture = { -1, -1 } };
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void run_release(struct run *r)
{
	int ws;

	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &ws, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 3; i++) {
		close_fd(&r->parent[i]);
		close_fd(&r->child[i]);
	}
	close_fd(&r->devnull);
	close_fd(&r->capture[0]);
	close_fd(&r->capture[1]);
	strv_free(r->l.argv);
	strv_free(r->l.envp);
}

static int make_dirs(const conmon_opts *o, cpod_error **err)
{
	if (fs_mkdir_p(o->exit_dir, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating exit directory '%s'",
				o->exit_dir);
	if (o->persist_dir && fs_mkdir_p(o->persist_dir, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating persist directory '%s'",
				o->persist_dir);
	if (o->oci_log && unlink(o->oci_log) < 0 && errno != ENOENT)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", o->oci_log);
	return 0;
}

static int setup_stdio(const conmon_opts *o, struct run *r, cpod_error **err)
{
	if (o->log_driver == CONMON_LOG_PASSTHROUGH) {
		r->l.stdio[0] = r->l.stdio[1] = r->l.stdio[2] = -1;
		return 0;
	}
	r->devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (r->devnull < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '/dev/null'");
	if (pipe2(r->capture, O_CLOEXEC | O_NONBLOCK) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running conmon: pipe");
	r->l.stdio[0] = r->devnull;
	r->l.stdio[1] = r->l.stdio[2] = r->capture[1];
	return 0;
}

/* Builds the launch, spawns conmon, places it in its cgroups and sends the first start byte.
 * n_pipes: 2 for create (sync, start), 3 for exec (+ attach). */
static int run_start(const conmon_opts *o, struct run *r, strv *argv, int n_pipes, cpod_error **err)
{
	static const char *const names[] = { "_OCI_SYNCPIPE", "_OCI_STARTPIPE", "_OCI_ATTACHPIPE" };
	_cleanup_strv_ strv pipes_env = STRV_INIT;

	if (make_dirs(o, err) < 0 || setup_stdio(o, r, err) < 0)
		return -1;
	for (int i = 0; i < n_pipes; i++) {
		int fds[2];

		if (seqpacket_pair(fds, err) < 0)
			return -1;
		r->parent[i] = fds[0];
		r->child[i] = fds[1];
		r->l.pipes[i] = fds[1];
		strv_pushf(&pipes_env, "%s=%u", names[i], 3 + o->preserve_fds + (unsigned)i);
	}
	r->l.n_pipes = n_pipes;
	r->l.preserve = o->preserve_fds;
	r->l.cwd = o->bundle;
	r->l.maxfd = sysconf(_SC_OPEN_MAX);
	r->l.argv = strv_detach(argv);
	r->l.envp = conmon_env(o, (const char *const *)pipes_env.v);
	if (launch(&r->l, &r->pid, err) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		close_fd(&r->child[i]);
	close_fd(&r->capture[1]);
	place_in_cgroups(o->cgroup_dirs, r->pid);
	if (send_start_byte(r->parent[1]) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "signalling conmon to start");
	return 0;
}

/* Reaps the first conmon: it exits 0 right after forking the monitor; anything else is an
 * option error it printed on its stdout/stderr. */
static int run_reap(struct run *r, cpod_error **err)
{
	char text[CAPTURE_KEEP];
	ssize_t n = 0;
	int ws;

	while (waitpid(r->pid, &ws, 0) < 0)
		if (errno != EINTR)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "waiting for conmon");
	r->pid = 0;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	if (r->capture[0] >= 0)
		n = read(r->capture[0], text, sizeof(text) - 1);
	n = n < 0 ? 0 : n;
	while (n > 0 && strchr(" \t\r\n", text[n - 1]))
		n--;
	text[n] = 0;
	if (WIFSIGNALED(ws))
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "conmon failed: killed by signal %d%s%s",
				WTERMSIG(ws), n ? ": " : "", text);
	return cpod_err(err, CPOD_ERR_SYSTEM, 0, "conmon failed: exit status %d%s%s",
			WEXITSTATUS(ws), n ? ": " : "", text);
}

/* Reads the sync line that carries a pid; data < 0 (or EOF) is the runtime's failure. */
static int read_pid_line(int fd, const conmon_opts *o, const char *rt_name, pid_t *ret,
			 cpod_error **err)
{
	_cleanup_buf_ buf line = BUF_INIT;
	_cleanup_free_ char *msg = NULL;
	int64_t data;
	int r;

	buf_init(&line, SYNC_CAP);
	r = read_line(fd, o->sync_timeout_ms ? o->sync_timeout_ms : CONMON_SYNC_TIMEOUT_MS, &line,
		      err);
	if (r < 0)
		return cpod_err_prefix(err, "%s: container creation", rt_name);
	if (r == 0)
		return start_failed(err, rt_name, o->oci_log, NULL);
	if (conmon_parse_sync(line.s, line.len, &data, &msg, err) < 0)
		return -1;
	if (data < 0)
		return start_failed(err, rt_name, o->oci_log, msg);
	if (data == 0 || data > INT_MAX)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "conmon reported pid %lld",
				(long long)data);
	*ret = (pid_t)data;
	return 0;
}

static const char *runtime_name(const conmon_opts *o)
{
	const char *slash;

	if (o->runtime_name)
		return o->runtime_name;
	slash = strrchr(o->runtime_path, '/');
	return slash ? slash + 1 : o->runtime_path;
}

int conmon_create(const conmon_opts *o, conmon_result *ret, cpod_error **err)
{
	_cleanup_strv_ strv argv = STRV_INIT;
	struct run r;
	pid_t pid = 0, conmon_pid = 0;
	int rc = -1;

	if (conmon_create_argv(o, &argv, err) < 0)
		return -1;
	run_init(&r);
	if (run_start(o, &r, &argv, 2, err) < 0 || run_reap(&r, err) < 0)
		goto out;
	close_fd(&r.parent[1]);
	if (read_pid_line(r.parent[0], o, runtime_name(o), &pid, err) < 0 ||
	    read_pid_file(o->conmon_pidfile, &conmon_pid, err) < 0)
		goto out;
	*ret = (conmon_result){ .pid = pid, .conmon_pid = conmon_pid };
	rc = 0;
out:
	run_release(&r);
	return rc;
}

/* ---- exec ---- */

/* Connects to an attach socket through /proc/self/fd, so that paths longer than sun_path
 * work (conmon.md section 5). */
int conmon_connect_attach(const char *sock_path, cpod_error **err)
{
	_cleanup_close_ int pathfd = -1, fd = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	pathfd = open(sock_path, O_PATH | O_CLOEXEC);
	if (pathfd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"connecting to attach socket '%s'", sock_path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d", pathfd);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"connecting to attach socket '%s'", sock_path);
	return TAKE_FD(fd);
}

/* The attach pipe's {"data": 0}: conmon made the attach socket and ctl. */
static int wait_attach_ready(struct run *r, const conmon_opts *o, const char *rt_name,
			     cpod_error **err)
{
	_cleanup_buf_ buf line = BUF_INIT;
	_cleanup_free_ char *msg = NULL;
	int64_t data;
	int n;

	buf_init(&line, SYNC_CAP);
	n = read_line(r->parent[2],
		      o->sync_timeout_ms ? o->sync_timeout_ms : CONMON_SYNC_TIMEOUT_MS, &line, err);
	if (n < 0)
		return cpod_err_prefix(err, "%s: exec session", rt_name);
	if (n == 0)
		return start_failed(err, rt_name, o->oci_log, NULL);
	if (conmon_parse_sync(line.s, line.len, &data, &msg, err) < 0)
		return -1;
	if (data < 0)
		return start_failed(err, rt_name, o->oci_log, msg);
	return 0;
}

static void session_init(conmon_exec_session *s, const conmon_opts *o)
{
	*s = (conmon_exec_session){ .sync_fd = -1, .attach_fd = -1, .exit_code = -1 };
	s->runtime_name = xstrdup(runtime_name(o));
	s->oci_log = o->oci_log ? xstrdup(o->oci_log) : NULL;
	s->exit_file = xasprintf("%s/%s", o->exit_dir, o->id);
	s->sync_timeout_ms = o->sync_timeout_ms ? o->sync_timeout_ms : CONMON_SYNC_TIMEOUT_MS;
}

/* Between the two start bytes: initial resize, attach, the caller's hook. */
static int exec_prepare(const conmon_exec_opts *eo, conmon_exec_session *s, cpod_error **err)
{
	const conmon_opts *o = &eo->common;
	_cleanup_free_ char *sock = NULL;

	if (o->terminal && eo->rows && eo->cols &&
	    conmon_resize(o->bundle, eo->rows, eo->cols, err) < 0)
		return -1;
	if (eo->attach) {
		sock = xasprintf("%s/attach", o->bundle);
		s->attach_fd = conmon_connect_attach(sock, err);
		if (s->attach_fd < 0)
			return -1;
	}
	if (eo->ready && eo->ready(eo->userdata, s, err) < 0)
		return -1;
	return 0;
}

int conmon_exec(const conmon_exec_opts *eo, conmon_exec_session *ret, cpod_error **err)
{
	const conmon_opts *o = &eo->common;
	_cleanup_strv_ strv argv = STRV_INIT;
	conmon_exec_session s;
	struct run r;

	if (conmon_exec_argv(o, &argv, err) < 0)
		return -1;
	run_init(&r);
	session_init(&s, o);
	if (run_start(o, &r, &argv, 3, err) < 0 || run_reap(&r, err) < 0 ||
	    (o->conmon_pidfile && read_pid_file(o->conmon_pidfile, &s.conmon_pid, err) < 0) ||
	    wait_attach_ready(&r, o, s.runtime_name, err) < 0)
		goto fail;
	if (exec_prepare(eo, &s, err) < 0)
		goto abort;
	if (send_start_byte(r.parent[1]) < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "signalling conmon to start the exec");
		goto abort;
	}
	s.sync_fd = TAKE_FD(r.parent[0]);
	fcntl(s.sync_fd, F_SETFL, O_NONBLOCK);
	run_release(&r);
	*ret = s;
	return 0;
abort:
	/* The monitor waits for the second start byte, but EOF would release it as well: it
	 * must die (its runtime child has PDEATHSIG) for the process not to start. */
	if (s.conmon_pid > 0)
		kill(s.conmon_pid, SIGKILL);
fail:
	run_release(&r);
	conmon_exec_session_release(&s);
	return -1;
}

void conmon_exec_session_release(conmon_exec_session *s)
{
	close_fd(&s->sync_fd);
	close_fd(&s->attach_fd);
	free(s->message);
	free(s->runtime_name);
	free(s->oci_log);
	free(s->exit_file);
	free(s->pending);
	s->message = s->runtime_name = s->oci_log = s->exit_file = s->pending = NULL;
	s->pending_len = 0;
}

static void session_line(conmon_exec_session *s, const char *line, size_t len)
{
	_cleanup_free_ char *msg = NULL;
	cpod_error *e = NULL;
	int64_t data;

	if (conmon_parse_sync(line, len, &data, &msg, &e) < 0) {
		log_debug("exec session: %s", cpod_error_message(e));
		cpod_error_free(e);
		return;
	}
	if (s->lines++ == 0) {
		if (data <= 0 || data > INT_MAX) {
			s->failed = true;
			s->message = TAKE_PTR(msg);
		} else {
			s->pid = (pid_t)data;
		}
	} else if (!s->exited) {
		s->exited = true;
		s->exit_code = (int)data;
	}
}

int conmon_exec_on_sync(void *session)
{
	conmon_exec_session *s = session;
	_cleanup_free_ char *chunk = xmalloc(SYNC_RECV);

	while (s->sync_fd >= 0) {
		ssize_t n = read(s->sync_fd, chunk, SYNC_RECV);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			close_fd(&s->sync_fd);
			break;
		}
		if (s->pending_len + (size_t)n > SYNC_CAP) {
			s->pending_len = 0; /* garbage: conmon never sends this much */
			continue;
		}
		s->pending = xrealloc(s->pending, s->pending_len + (size_t)n);
		memcpy(s->pending + s->pending_len, chunk, (size_t)n);
		s->pending_len += (size_t)n;
		while ((nl = memchr(s->pending, '\n', s->pending_len))) {
			size_t len = (size_t)(nl - s->pending);

			session_line(s, s->pending, len);
			memmove(s->pending, nl + 1, s->pending_len - len - 1);
			s->pending_len -= len + 1;
		}
	}
	return 1;
}

/* Polls the sync descriptor until done(s) or EOF; CPOD_ERR_STATE on timeout. */
static int session_wait(conmon_exec_session *s, int timeout_ms,
			bool (*done)(const conmon_exec_session *), cpod_error **err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	while (!done(s) && s->sync_fd >= 0) {
		struct pollfd p = { .fd = s->sync_fd, .events = POLLIN };
		int r = poll(&p, 1, remaining_ms(deadline));

		if (r < 0 && errno != EINTR)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "waiting for conmon");
		if (r == 0)
			return cpod_err(err, CPOD_ERR_STATE, ETIMEDOUT, "waiting for conmon");
		if (r > 0)
			conmon_exec_on_sync(s);
	}
	return 0;
}

static bool have_pid(const conmon_exec_session *s)
{
	return s->pid > 0 || s->failed;
}

static bool have_exit(const conmon_exec_session *s)
{
	return s->exited || s->failed;
}

int conmon_exec_wait_pid(conmon_exec_session *s, pid_t *ret_pid, cpod_error **err)
{
	if (session_wait(s, s->sync_timeout_ms, have_pid, err) < 0)
		return cpod_err_prefix(err, "%s: exec session", s->runtime_name);
	if (s->pid <= 0)
		return start_failed(err, s->runtime_name, s->oci_log, s->message);
	*ret_pid = s->pid;
	return 0;
}

int conmon_exec_wait_exit(conmon_exec_session *s, int timeout_ms, int *ret_code, cpod_error **err)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash;

	if (session_wait(s, timeout_ms, have_exit, err) < 0)
		return -1;
	if (s->failed || (s->pid <= 0 && !s->exited))
		return start_failed(err, s->runtime_name, s->oci_log, s->message);
	if (s->exited) {
		*ret_code = s->exit_code;
		return 0;
	}
	/* conmon ended without the second line: its exit file is the truth. */
	slash = strrchr(s->exit_file, '/');
	dir = xstrndup(s->exit_file, (size_t)(slash - s->exit_file));
	return conmon_read_exit_file(dir, slash + 1, ret_code, err);
}

/* ---- while conmon runs ---- */

static int write_ctl(const char *bundle, const char *msg, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/ctl", bundle);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = strlen(msg);
	ssize_t n;

	if (fd < 0)
		return cpod_err(err,
				errno == ENXIO	  ? CPOD_ERR_STATE
				: errno == ENOENT ? CPOD_ERR_NOT_FOUND
						  : CPOD_ERR_SYSTEM,
				errno, "opening '%s'", path);
	/* One message per write: conmon 2.1.6 reads several lines in one read badly. */
	do
		n = write(fd, msg, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return cpod_err(err, CPOD_ERR_SYSTEM, n < 0 ? errno : EIO, "writing to '%s'", path);
	return 0;
}

int conmon_resize(const char *bundle, unsigned short rows, unsigned short cols, cpod_error **err)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "1 %u %u\n", rows, cols);
	if (write_ctl(bundle, msg, err) < 0)
		return cpod_err_prefix(err, "resizing the terminal");
	return 0;
}

int conmon_reopen_log(const char *bundle, cpod_error **err)
{
	if (write_ctl(bundle, "2 0 0\n", err) < 0)
		return cpod_err_prefix(err, "reopening the container log");
	return 0;
}

int conmon_read_exit_file(const char *exit_dir, const char *id, int *ret_code, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", exit_dir, id);
	_cleanup_buf_ buf b = BUF_INIT;
	char *end;
	long v;

	if (fs_read_file(path, 64, &b, err) < 0)
		return cpod_err_prefix(err, "reading exit file");
	errno = 0;
	v = strtol(b.s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == b.s || *end || v < INT_MIN || v > INT_MAX)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "bad exit status '%s' in '%s'", b.s,
				path);
	*ret_code = (int)v;
	return 0;
}

int conmon_wait_exit_file(const char *exit_dir, const char *id, int timeout_ms, int *ret_code,
			  cpod_error **err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	_cleanup_close_ int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	char events[4096];

	/* Without inotify the loop below still works: it polls every 100 ms. */
	if (ino >= 0 && inotify_add_watch(ino, exit_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		close_fd(&ino);
	for (;;) {
		struct pollfd p = { .fd = ino, .events = POLLIN };
		cpod_error *e = NULL;
		int left, wait;

		if (conmon_read_exit_file(exit_dir, id, ret_code, &e) == 0)
			return 0;
		if (cpod_error_kind(e) != CPOD_ERR_NOT_FOUND) {
			if (err && !*err)
				*err = e;
			else
				cpod_error_free(e);
			return -1;
		}
		cpod_error_free(e);
		left = remaining_ms(deadline);
		if (left == 0)
			return cpod_err(err, CPOD_ERR_STATE, ETIMEDOUT,
					"waiting for exit file '%s/%s'", exit_dir, id);
		wait = ino >= 0 ? 1000 : 100;
		if (left >= 0 && left < wait)
			wait = left;
		if (poll(&p, ino >= 0 ? 1 : 0, wait) > 0)
			while (read(ino, events, sizeof(events)) > 0)
				;
	}
}
