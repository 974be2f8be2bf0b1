/* Running other programs, in the style of git's run-command: an argv, never a shell.
 *
 *	spawn sp;
 *
 *	spawn_init(&sp, (const char *const[]){ "runc", "--version", NULL });
 *	sp.out.mode = SPAWN_PIPE;
 *	if (spawn_start(&sp, err) < 0)
 *		return -1;
 *	... read sp.out.fd until EOF ...
 *	r = spawn_wait(&sp, &status, err);
 *	spawn_release(&sp);
 *
 * The child gets exactly: its three standard streams as asked, the extra descriptors in fds at
 * their child_fd numbers, and nothing else (every other descriptor is closed or close-on-exec,
 * whether or not the parent marked it so).  Signal handlers the parent installed, and SIGPIPE,
 * are reset to their default action; other ignored signals stay ignored (as nohup expects);
 * the signal mask is emptied.
 *
 * argv[0] without a '/' is looked up in the parent's $PATH before the child is created
 * (default "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"); with a '/' it is
 * used as is, relative to cwd when cwd is set.  Failing to find the program, to change to cwd
 * or to execute is reported by spawn_start() itself, with the child's errno (learned through a
 * close-on-exec pipe), never as an exit status.
 *
 * Exit statuses are those a shell reports: the exit code, or 128 + the signal number.
 */
#ifndef CPOD_COMMON_SPAWN_H
#define CPOD_COMMON_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/buf.h"

typedef enum {
	SPAWN_INHERIT = 0, /* the parent's own stream */
	SPAWN_NULL,	   /* /dev/null */
	SPAWN_FD,	   /* io.fd: a descriptor the caller keeps owning (never closed here) */
	SPAWN_PIPE,	   /* a new pipe; spawn_start() sets io.fd to the parent's end */
} spawn_io_mode;

typedef struct {
	spawn_io_mode mode;
	/* SPAWN_FD: the descriptor to give the child (borrowed).  SPAWN_PIPE: after spawn_start(),
	 * the parent's end (write end for stdin, read end for stdout/stderr), close-on-exec and
	 * owned by the spawn: spawn_release() closes it unless the caller took it with TAKE_FD().
	 * -1 otherwise. */
	int fd;
} spawn_io;

/* An extra descriptor for the child: the caller's fd (borrowed, left open) becomes child_fd
 * (>= 3, each number once) in the child. */
typedef struct {
	int fd;
	int child_fd;
} spawn_fd;

typedef struct {
	const char *const *argv; /* program and arguments, NULL-terminated; borrowed */
	const char *const *env;	 /* "KEY=VALUE" vector, borrowed; NULL inherits the environment */
	const char *cwd;	 /* directory to run in, borrowed; NULL keeps the parent's */
	spawn_io in, out, err;
	const spawn_fd *fds; /* extra descriptors (n_fds of them), borrowed */
	size_t n_fds;
	pid_t pid; /* set by spawn_start(); 0 once reaped by spawn_wait() */
} spawn;

/* Sets up sp to run argv with everything inherited and no extra descriptors.  argv, and
 * whatever the caller points sp at later, must live until spawn_start() returns. */
void spawn_init(spawn *sp, const char *const *argv);

/* Starts the child.  On failure nothing is left running or open and *err says why:
 * CPOD_ERR_NOT_FOUND when the program does not exist (errno ENOENT), CPOD_ERR_INVALID for bad
 * descriptors in sp, CPOD_ERR_SYSTEM otherwise ("running 'x': ...").  The caller must
 * eventually call spawn_wait(), or the child stays a zombie. */
int spawn_start(spawn *sp, cpod_error **err);

/* Waits for the child and sets *ret_status to its shell-style status.  Does not close the
 * pipes: close sp->in.fd first if the child reads stdin to its end. */
int spawn_wait(spawn *sp, int *ret_status, cpod_error **err);

/* Sends sig to the running child; -1 with errno when it is not running. */
int spawn_kill(spawn *sp, int sig);

/* spawn_start() then spawn_wait(). */
int spawn_run(spawn *sp, int *ret_status, cpod_error **err);

/* Closes the pipe ends sp still owns.  Does not wait for or kill the child.  sp may be
 * released twice. */
void spawn_release(spawn *sp);
static inline void spawn_releasep(spawn *sp)
{
	spawn_release(sp);
}
#define _cleanup_spawn_ __attribute__((cleanup(spawn_releasep)))

/* Runs sp (set up by the caller: argv, env, cwd, stdin as SPAWN_INHERIT, SPAWN_NULL or
 * SPAWN_FD, extra fds) to completion, appending its stdout to out.  sp's stdout and stderr are
 * replaced by pipes.  Fails when the program cannot run, when it does not exit 0 (the message
 * ends with the start of its stderr) or when stdout passes cap bytes (0 = no cap; the child is
 * then killed, errno EFBIG).  out keeps what was read even on failure. */
int spawn_capture_ex(spawn *sp, buf *out, size_t cap, cpod_error **err);

/* spawn_capture_ex() of argv with stdin from /dev/null and the environment inherited. */
int spawn_capture(const char *const *argv, buf *out, size_t cap, cpod_error **err);

#endif
