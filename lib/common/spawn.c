#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* How much of a failed program's stderr goes into the error message. */
#define STDERR_KEEP 4096

/* What the child writes to the error pipe when it cannot exec. */
struct report {
	int stage;
	int errnum;
};

enum { STAGE_FDS = 1, STAGE_CHDIR, STAGE_EXEC };

/* Everything the child needs, prepared by the parent: between vfork() and execve() the child
 * shares the parent's memory and may only make async-signal-safe calls, so it allocates
 * nothing and looks nothing up. */
struct plan {
	char *path; /* the program, resolved */
	char *const *argv;
	char *const *envp;
	const char *cwd;
	size_t n; /* descriptors to install: src[i] becomes dst[i] */
	int *src, *dst, *tmp;
	bool *keep; /* keep[fd] for fd < floor: fd stays open in the child */
	int floor;  /* above every dst; fds from here up are close-on-exec */
	long maxfd; /* for the close_range() fallback */
	int errpipe[2];
	int devnull;
	int child_end[3];  /* pipe ends for the child, closed in the parent after start */
	int parent_end[3]; /* pipe ends handed to the caller */
};

void spawn_init(spawn *sp, const char *const *argv)
{
	*sp = (spawn){ .argv = argv, .in.fd = -1, .out.fd = -1, .err.fd = -1 };
}

/* ---- the child ---- */

static __attribute__((noreturn)) void child_fail(int errfd, int stage)
{
	struct report r = { .stage = stage, .errnum = errno };
	ssize_t n = write(errfd, &r, sizeof(r));

	(void)n;
	_exit(127);
}

static void child_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) < 0)
			continue;
		if (sig == SIGPIPE || (old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL))
			sigaction(sig, &dfl, NULL);
	}
}

/* Installs the descriptors.  Every source is first copied above all targets, so that no
 * dup2() can clobber a source still to be installed (fd 3 -> 4 and 4 -> 3 both work). */
static int child_setup_fds(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		p->tmp[i] = fcntl(p->src[i], F_DUPFD_CLOEXEC, p->floor);
		if (p->tmp[i] < 0)
			return -1;
	}
	for (size_t i = 0; i < p->n; i++)
		if (dup2(p->tmp[i], p->dst[i]) < 0)
			return -1;
	for (int fd = 3; fd < p->floor; fd++)
		if (!p->keep[fd])
			close(fd);
	/* Anything from floor up (the copies, errfd, the parent's other descriptors) must not
	 * survive exec; errfd must survive until then. */
	if (syscall(SYS_close_range, p->floor, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (long fd = p->floor; fd < p->maxfd; fd++)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static __attribute__((noreturn)) void child(const struct plan *p)
{
	sigset_t none;
	int errfd;

	child_reset_signals();
	/* Moved above the targets first, so that installing them cannot close it. */
	errfd = fcntl(p->errpipe[1], F_DUPFD_CLOEXEC, p->floor);
	if (errfd < 0)
		child_fail(p->errpipe[1], STAGE_FDS);
	if (child_setup_fds(p) < 0)
		child_fail(errfd, STAGE_FDS);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (p->cwd && chdir(p->cwd) < 0)
		child_fail(errfd, STAGE_CHDIR);
	execve(p->path, p->argv, p->envp);
	child_fail(errfd, STAGE_EXEC);
}

/* Kept tiny: vfork() returns twice, and the child must never return from here.  vfork()
 * spares copying the parent's page tables (cheap in a large API service too); the child borrows
 * the parent's memory until execve(), so all signals are blocked around it and the child
 * resets the handlers before unblocking: no parent handler may run in the child. */
static pid_t launch(const struct plan *p)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child(p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* ---- the parent ---- */

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* Like execvp(): an empty entry in $PATH is the current directory. */
static char *find_in_path(const char *name, cpod_error **err)
{
	const char *path = getenv("PATH");

	if (!path)
		path = DEFAULT_PATH;
	for (const char *dir = path;; dir++) {
		const char *end = strchrnul(dir, ':');
		char *cand = dir == end ? xasprintf("./%s", name)
					: xasprintf("%.*s/%s", (int)(end - dir), dir, name);

		if (is_executable(cand))
			return cand;
		free(cand);
		if (!*end)
			break;
		dir = end;
	}
	cpod_err(err, CPOD_ERR_NOT_FOUND, ENOENT, "running '%s': not found in $PATH", name);
	return NULL;
}

static void plan_init(struct plan *p)
{
	*p = (struct plan){ .errpipe = { -1, -1 },
			    .devnull = -1,
			    .child_end = { -1, -1, -1 },
			    .parent_end = { -1, -1, -1 } };
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void plan_release(struct plan *p)
{
	free(p->path);
	free(p->src);
	free(p->dst);
	free(p->tmp);
	free(p->keep);
	close_fd(&p->errpipe[0]);
	close_fd(&p->errpipe[1]);
	close_fd(&p->devnull);
	for (int i = 0; i < 3; i++) {
		close_fd(&p->child_end[i]);
		close_fd(&p->parent_end[i]);
	}
}

/* Sets *src to the descriptor standard stream i (0, 1, 2) gets; -1 when inherited. */
static int plan_stdio(struct plan *p, int i, const spawn_io *io, const char *name, int *src,
		      cpod_error **err)
{
	int fds[2];

	*src = -1;
	switch (io->mode) {
	case SPAWN_INHERIT:
		return 0;
	case SPAWN_NULL:
		if (p->devnull < 0)
			p->devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (p->devnull < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '/dev/null'");
		*src = p->devnull;
		return 0;
	case SPAWN_FD:
		if (io->fd < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"running '%s': bad descriptor %d for stream %d", name,
					io->fd, i);
		*src = io->fd;
		return 0;
	case SPAWN_PIPE:
		if (pipe2(fds, O_CLOEXEC) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running '%s': pipe", name);
		p->child_end[i] = fds[i == 0 ? 0 : 1];
		p->parent_end[i] = fds[i == 0 ? 1 : 0];
		*src = p->child_end[i];
		return 0;
	}
	return cpod_err(err, CPOD_ERR_INVALID, 0, "running '%s': bad mode for stream %d", name, i);
}

static void plan_add(struct plan *p, int src, int dst)
{
	p->src[p->n] = src;
	p->dst[p->n] = dst;
	p->n++;
	if (dst >= p->floor)
		p->floor = dst + 1;
}

static int plan_fds(struct plan *p, const spawn *sp, cpod_error **err)
{
	const spawn_io *io[3] = { &sp->in, &sp->out, &sp->err };
	const char *name = sp->argv[0];

	p->src = xcalloc(3 + sp->n_fds, sizeof(int));
	p->dst = xcalloc(3 + sp->n_fds, sizeof(int));
	p->tmp = xcalloc(3 + sp->n_fds, sizeof(int));
	p->floor = 3;
	for (int i = 0; i < 3; i++) {
		int src;

		if (plan_stdio(p, i, io[i], name, &src, err) < 0)
			return -1;
		if (src >= 0)
			plan_add(p, src, i);
	}
	for (size_t j = 0; j < sp->n_fds; j++) {
		const spawn_fd *f = &sp->fds[j];

		if (f->fd < 0 || f->child_fd < 3)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"running '%s': cannot pass descriptor %d as %d", name,
					f->fd, f->child_fd);
		for (size_t k = 0; k < j; k++)
			if (sp->fds[k].child_fd == f->child_fd)
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"running '%s': descriptor %d passed twice", name,
						f->child_fd);
		plan_add(p, f->fd, f->child_fd);
	}
	p->keep = xcalloc((size_t)p->floor, sizeof(bool));
	for (size_t i = 0; i < p->n; i++)
		p->keep[p->dst[i]] = true;
	return 0;
}

static int plan_build(struct plan *p, const spawn *sp, cpod_error **err)
{
	const char *name;

	if (!sp->argv || !sp->argv[0] || !*sp->argv[0])
		return cpod_err(err, CPOD_ERR_INVALID, 0, "running a program: empty command");
	name = sp->argv[0];
	p->path = strchr(name, '/') ? xstrdup(name) : find_in_path(name, err);
	if (!p->path)
		return -1;
	p->argv = (char *const *)sp->argv;
	p->envp = sp->env ? (char *const *)sp->env : environ;
	p->cwd = sp->cwd;
	p->maxfd = sysconf(_SC_OPEN_MAX);
	if (plan_fds(p, sp, err) < 0)
		return -1;
	if (pipe2(p->errpipe, O_CLOEXEC) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "running '%s': pipe", name);
	return 0;
}

/* Reads the child's report: 0 when it reached execve(), -1 with *r filled otherwise. */
static int read_report(int fd, struct report *r)
{
	ssize_t n;

	do
		n = read(fd, r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*r))
		return -1;
	if (n != 0)
		*r = (struct report){ .stage = STAGE_EXEC, .errnum = n < 0 ? errno : EIO };
	return n == 0 ? 0 : -1;
}

static int wait_raw(pid_t pid, int *ret_wstatus)
{
	pid_t r;

	do
		r = waitpid(pid, ret_wstatus, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

static int report_error(const spawn *sp, const struct report *r, cpod_error **err)
{
	const char *name = sp->argv[0];

	errno = r->errnum;
	switch (r->stage) {
	case STAGE_CHDIR:
		return cpod_err(err, CPOD_ERR_SYSTEM, r->errnum,
				"running '%s': changing to directory '%s'", name, sp->cwd);
	case STAGE_FDS:
		return cpod_err(err, CPOD_ERR_SYSTEM, r->errnum,
				"running '%s': setting up descriptors", name);
	default:
		return cpod_err(err, r->errnum == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM,
				r->errnum, "running '%s'", name);
	}
}

int spawn_start(spawn *sp, cpod_error **err)
{
	struct plan p;
	struct report r;
	pid_t pid;
	int ws;

	plan_init(&p);
	if (plan_build(&p, sp, err) < 0) {
		plan_release(&p);
		return -1;
	}
	pid = launch(&p);
	close_fd(&p.errpipe[1]);
	if (pid < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "running '%s': creating a process",
			 sp->argv[0]);
		plan_release(&p);
		return -1;
	}
	if (read_report(p.errpipe[0], &r) < 0) {
		wait_raw(pid, &ws);
		plan_release(&p);
		return report_error(sp, &r, err);
	}
	sp->pid = pid;
	sp->in.fd = sp->in.mode == SPAWN_PIPE ? TAKE_FD(p.parent_end[0]) : sp->in.fd;
	sp->out.fd = sp->out.mode == SPAWN_PIPE ? TAKE_FD(p.parent_end[1]) : sp->out.fd;
	sp->err.fd = sp->err.mode == SPAWN_PIPE ? TAKE_FD(p.parent_end[2]) : sp->err.fd;
	plan_release(&p);
	return 0;
}

static int shell_status(int ws)
{
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return WEXITSTATUS(ws);
}

static int wait_child(spawn *sp, int *ret_wstatus, cpod_error **err)
{
	const char *name = sp->argv && sp->argv[0] ? sp->argv[0] : "?";

	if (sp->pid <= 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, ECHILD, "waiting for '%s'", name);
	if (wait_raw(sp->pid, ret_wstatus) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "waiting for '%s'", name);
	sp->pid = 0;
	return 0;
}

int spawn_wait(spawn *sp, int *ret_status, cpod_error **err)
{
	int ws;

	if (wait_child(sp, &ws, err) < 0)
		return -1;
	*ret_status = shell_status(ws);
	return 0;
}

int spawn_kill(spawn *sp, int sig)
{
	if (sp->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(sp->pid, sig);
}

int spawn_run(spawn *sp, int *ret_status, cpod_error **err)
{
	if (spawn_start(sp, err) < 0)
		return -1;
	return spawn_wait(sp, ret_status, err);
}

void spawn_release(spawn *sp)
{
	if (sp->in.mode == SPAWN_PIPE)
		close_fd(&sp->in.fd);
	if (sp->out.mode == SPAWN_PIPE)
		close_fd(&sp->out.fd);
	if (sp->err.mode == SPAWN_PIPE)
		close_fd(&sp->err.fd);
}

/* ---- capturing output ---- */

/* Reads one chunk from *fd into b (at most cap bytes in b, 0 = no cap; past it only
 * *overflow is set); at EOF sets *fd to -1 so poll() skips it. */
static int read_chunk(int *fd, buf *b, size_t cap, bool *overflow)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		*fd = -1;
		return 0;
	}
	if (cap && b->len + (size_t)n > cap) {
		size_t room = cap - b->len;

		buf_add(b, chunk, room);
		*overflow = true;
		return 0;
	}
	buf_add(b, chunk, (size_t)n);
	return 0;
}

/* Collects stdout into out and the start of stderr into errtext until both reach EOF, or
 * until stdout passes cap (then the child is killed). */
static int drain(spawn *sp, buf *out, size_t cap, buf *errtext, bool *overflow)
{
	struct pollfd pfd[2] = { { .fd = sp->out.fd, .events = POLLIN },
				 { .fd = sp->err.fd, .events = POLLIN } };
	bool err_full = false;

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[0].revents && read_chunk(&pfd[0].fd, out, cap, overflow) < 0)
			return -1;
		if (pfd[1].revents && read_chunk(&pfd[1].fd, errtext, STDERR_KEEP, &err_full) < 0)
			return -1;
		if (*overflow) {
			spawn_kill(sp, SIGKILL);
			return 0;
		}
	}
	return 0;
}

static int exit_error(const spawn *sp, int ws, buf *errtext, cpod_error **err)
{
	_cleanup_free_ char *how = NULL;
	const char *abbrev;

	while (errtext->len && strchr(" \t\r\n", errtext->s[errtext->len - 1]))
		buf_truncate(errtext, errtext->len - 1);
	if (WIFSIGNALED(ws)) {
		abbrev = sigabbrev_np(WTERMSIG(ws));
		how = abbrev ? xasprintf("killed by SIG%s", abbrev)
			     : xasprintf("killed by signal %d", WTERMSIG(ws));
	} else {
		how = xasprintf("exited with status %d", WEXITSTATUS(ws));
	}
	return cpod_err(err, CPOD_ERR_SYSTEM, 0, "running '%s': %s%s%s", sp->argv[0], how,
			errtext->len ? ": " : "", errtext->s);
}

int spawn_capture_ex(spawn *sp, buf *out, size_t cap, cpod_error **err)
{
	_cleanup_buf_ buf errtext = BUF_INIT;
	bool overflow = false;
	int ws, r;

	if (sp->in.mode == SPAWN_PIPE)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "capturing '%s': stdin cannot be a pipe",
				sp->argv && sp->argv[0] ? sp->argv[0] : "?");
	sp->out = (spawn_io){ .mode = SPAWN_PIPE, .fd = -1 };
	sp->err = (spawn_io){ .mode = SPAWN_PIPE, .fd = -1 };
	if (spawn_start(sp, err) < 0)
		return -1;
	r = drain(sp, out, cap, &errtext, &overflow);
	if (r < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the output of '%s'", sp->argv[0]);
		spawn_kill(sp, SIGKILL);
	}
	spawn_release(sp);
	if (wait_child(sp, &ws, r < 0 ? NULL : err) < 0 || r < 0)
		return -1;
	if (overflow)
		return cpod_err(err, CPOD_ERR_SYSTEM, EFBIG,
				"running '%s': output exceeds %zu bytes", sp->argv[0], cap);
	if (ws != 0)
		return exit_error(sp, ws, &errtext, err);
	return 0;
}

int spawn_capture(const char *const *argv, buf *out, size_t cap, cpod_error **err)
{
	spawn sp;

	spawn_init(&sp, argv);
	sp.in.mode = SPAWN_NULL;
	return spawn_capture_ex(&sp, out, cap, err);
}
