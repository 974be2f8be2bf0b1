#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/spawn.h"
#include "common/xalloc.h"
#include "tap.h"

/* This program doubles as a child: "--list-fds" prints its open descriptors, "--sigs" the
 * SigBlk and SigIgn lines of /proc/self/status. */
static int child_list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	buf b = BUF_INIT;

	if (!d)
		return 99;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			buf_addf(&b, "%s%s", b.len ? " " : "", de->d_name);
	closedir(d);
	printf("%s\n", b.s);
	buf_release(&b);
	return 0;
}

static int child_sigs(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 99;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, stdout);
	fclose(f);
	return 0;
}

static char self[4096];

static int run_status(const char *const *argv)
{
	spawn sp;
	cpod_error *e = NULL;
	int status = -1;

	spawn_init(&sp, argv);
	if (spawn_run(&sp, &status, &e) < 0) {
		diag("%s", cpod_error_message(e));
		cpod_error_free(e);
		return -1;
	}
	return status;
}

static void test_status(void)
{
	is_int(run_status((const char *const[]){ "true", NULL }), 0, "true exits 0");
	is_int(run_status((const char *const[]){ "false", NULL }), 1, "false exits 1");
	is_int(run_status((const char *const[]){ "/bin/sh", "-c", "exit 42", NULL }), 42,
	       "exit code passed through");
	is_int(run_status((const char *const[]){ "sh", "-c", "kill -TERM $$", NULL }),
	       128 + SIGTERM, "killed by SIGTERM is 143");
}

static void test_kill(void)
{
	spawn sp;
	cpod_error *e = NULL;
	int status = -1;

	spawn_init(&sp, (const char *const[]){ "sleep", "30", NULL });
	ok(spawn_start(&sp, &e) == 0 && sp.pid > 0, "sleep started");
	ok(spawn_kill(&sp, SIGKILL) == 0, "kill sent");
	ok(spawn_wait(&sp, &status, &e) == 0, "waited");
	is_int(status, 128 + SIGKILL, "SIGKILL is 137");
	is_int(sp.pid, 0, "pid cleared after wait");
	ok(spawn_kill(&sp, SIGKILL) == -1 && errno == ESRCH, "kill after wait refused");
	ok(spawn_wait(&sp, &status, &e) == -1 && cpod_error_kind(e) == CPOD_ERR_INTERNAL, "second "
											  "wait is "
											  "an "
											  "error");
	cpod_error_freep(&e);
}

static void capture_is(const char *const *argv, const char *want, const char *name)
{
	buf out = BUF_INIT;
	cpod_error *e = NULL;

	ok(spawn_capture(argv, &out, 0, &e) == 0, "%s: runs", name);
	if (e)
		diag("%s", cpod_error_message(e));
	is_str(out.s, want, "%s: output", name);
	buf_release(&out);
	cpod_error_free(e);
}

static void capture_fails(const char *const *argv, size_t cap, cpod_errkind kind, const char *want,
			  const char *name)
{
	buf out = BUF_INIT;
	cpod_error *e = NULL;

	ok(spawn_capture(argv, &out, cap, &e) == -1 && cpod_error_kind(e) == kind, "%s: fails",
	   name);
	is_str(cpod_error_message(e), want, "%s: message", name);
	buf_release(&out);
	cpod_error_free(e);
}

static void test_capture(void)
{
	buf out = BUF_INIT;
	cpod_error *e = NULL;

	capture_is((const char *const[]){ "echo", "hello", "world", NULL }, "hello world\n",
		   "echo");
	capture_is((const char *const[]){ "sh", "-c", "echo out; echo err >&2", NULL }, "out\n",
		   "stderr not captured on success");
	capture_is((const char *const[]){ "cat", NULL }, "", "stdin is /dev/null");
	capture_is((const char *const[]){ "printf", "%s", "no $HOME; expansion", NULL },
		   "no $HOME; expansion", "no shell in between");
	capture_fails((const char *const[]){ "sh", "-c", "echo partial; echo oops >&2; exit 3",
					     NULL },
		      0, CPOD_ERR_SYSTEM, "running 'sh': exited with status 3: oops",
		      "non-zero exit with stderr");
	capture_fails((const char *const[]){ "false", NULL }, 0, CPOD_ERR_SYSTEM,
		      "running 'false': exited with status 1", "non-zero exit, no stderr");
	capture_fails((const char *const[]){ "sh", "-c", "kill -KILL $$", NULL }, 0,
		      CPOD_ERR_SYSTEM, "running 'sh': killed by SIGKILL", "killed");
	capture_fails((const char *const[]){ "yes", NULL }, 1000, CPOD_ERR_SYSTEM,
		      "running 'yes': output exceeds 1000 bytes: File too large",
		      "endless output stops at the cap");
	ok(spawn_capture((const char *const[]){ "head", "-c", "1000", "/dev/zero", NULL }, &out,
			 1000, &e) == 0 &&
		   out.len == 1000,
	   "output exactly at the cap");
	buf_release(&out);
	cpod_error_freep(&e);
}

static void test_not_found(void)
{
	capture_fails((const char *const[]){ "cpod-no-such-program", NULL }, 0, CPOD_ERR_NOT_FOUND,
		      "running 'cpod-no-such-program': not found in $PATH: No such file or "
		      "directory",
		      "missing program in $PATH");
	capture_fails((const char *const[]){ "/nonexistent/prog", NULL }, 0, CPOD_ERR_NOT_FOUND,
		      "running '/nonexistent/prog': No such file or directory",
		      "missing program by path (the child's execve errno)");
	{
		char path[] = "/tmp/cpod-test-spawn-XXXXXX";
		int fd = mkstemp(path);
		_cleanup_free_ char *want = xasprintf("running '%s': Permission denied", path);

		ok(fd >= 0 && fchmod(fd, 0644) == 0, "a file without x bits");
		capture_fails((const char *const[]){ path, NULL }, 0, CPOD_ERR_SYSTEM, want,
			      "not executable");
		close(fd);
		unlink(path);
	}
	capture_fails((const char *const[]){ "", NULL }, 0, CPOD_ERR_INVALID,
		      "running a program: empty command", "empty argv[0]");
}

static void test_stdin_pipe(void)
{
	spawn sp;
	cpod_error *e = NULL;
	buf out = BUF_INIT;
	int status = -1;

	spawn_init(&sp, (const char *const[]){ "tr", "a-z", "A-Z", NULL });
	sp.in.mode = SPAWN_PIPE;
	sp.out.mode = SPAWN_PIPE;
	ok(spawn_start(&sp, &e) == 0 && sp.in.fd >= 0 && sp.out.fd >= 0, "pipes handed out");
	ok(fcntl(sp.in.fd, F_GETFD) & FD_CLOEXEC, "parent ends are close-on-exec");
	ok(write(sp.in.fd, "hello\n", 6) == 6, "wrote stdin");
	close(TAKE_FD(sp.in.fd));
	ok(buf_read_fd(&out, sp.out.fd) == 0, "read stdout");
	ok(spawn_wait(&sp, &status, &e) == 0 && status == 0, "tr exited 0");
	is_str(out.s, "HELLO\n", "stdin reached the child");
	spawn_release(&sp);
	ok(sp.out.fd == -1, "release closes the pipe");
	spawn_release(&sp);
	buf_release(&out);
}

static void test_env_cwd(void)
{
	spawn sp;
	cpod_error *e = NULL;
	buf out = BUF_INIT;

	spawn_init(&sp, (const char *const[]){ "/usr/bin/env", NULL });
	sp.env = (const char *const[]){ "A=1", "B=two words", NULL };
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "env runs");
	is_str(out.s, "A=1\nB=two words\n", "the environment is exactly env");
	buf_reset(&out);

	setenv("CPOD_SPAWN_TEST", "inherited", 1);
	spawn_init(&sp, (const char *const[]){ "printenv", "CPOD_SPAWN_TEST", NULL });
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "printenv runs");
	is_str(out.s, "inherited\n", "NULL env inherits");
	buf_reset(&out);

	spawn_init(&sp, (const char *const[]){ "pwd", NULL });
	sp.cwd = "/usr/share";
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "pwd runs");
	is_str(out.s, "/usr/share\n", "cwd applied");
	buf_reset(&out);

	spawn_init(&sp, (const char *const[]){ "./ls", "-d", ".", NULL });
	sp.cwd = "/bin";
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "relative program resolved in cwd");
	is_str(out.s, ".\n", "./ls ran in /bin");

	spawn_init(&sp, (const char *const[]){ "pwd", NULL });
	sp.cwd = "/nonexistent-dir";
	ok(spawn_capture_ex(&sp, &out, 0, &e) == -1, "missing cwd fails");
	is_str(cpod_error_message(e),
	       "running 'pwd': changing to directory '/nonexistent-dir': No such file or directory",
	       "chdir failure reported by stage");
	cpod_error_freep(&e);
	buf_release(&out);
}

static void test_stdout_modes(void)
{
	char path[] = "/tmp/cpod-test-spawn-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	char got[64] = "";
	buf out = BUF_INIT;
	spawn sp;
	cpod_error *e = NULL;
	int status = -1;

	spawn_init(&sp, (const char *const[]){ "echo", "to a file", NULL });
	sp.out = (spawn_io){ .mode = SPAWN_FD, .fd = fd };
	ok(spawn_run(&sp, &status, &e) == 0 && status == 0, "stdout to a given fd");
	ok(pread(fd, got, sizeof(got) - 1, 0) == 10, "file written");
	is_str(got, "to a file\n", "file content");
	ok(fcntl(fd, F_GETFD) >= 0, "the given fd stays open in the parent");
	unlink(path);

	spawn_init(&sp, (const char *const[]){ "sh", "-c",
					       "x=$(readlink /proc/$$/fd/0 /proc/$$/fd/1); echo $x "
					       ">&2",
					       NULL });
	sp.in.mode = SPAWN_NULL;
	sp.out.mode = SPAWN_NULL;
	sp.err.mode = SPAWN_PIPE;
	ok(spawn_start(&sp, &e) == 0, "stdin and stdout to /dev/null");
	ok(buf_read_fd(&out, sp.err.fd) == 0 && spawn_wait(&sp, &status, &e) == 0 && status == 0,
	   "stderr read through a pipe");
	is_str(out.s, "/dev/null /dev/null\n", "both streams are /dev/null");
	spawn_release(&sp);
	buf_release(&out);

	spawn_init(&sp, (const char *const[]){ "true", NULL });
	sp.out = (spawn_io){ .mode = SPAWN_FD, .fd = -1 };
	ok(spawn_start(&sp, &e) == -1 && cpod_error_kind(e) == CPOD_ERR_INVALID, "SPAWN_FD with -1 "
										 "rejected");
	cpod_error_freep(&e);
}

static void test_fd_passing(void)
{
	int a[2], b[2];
	char ra[16] = "", rb[16] = "";
	spawn sp;
	cpod_error *e = NULL;
	int status = -1;

	ok(pipe2(a, O_CLOEXEC) == 0 && pipe2(b, O_CLOEXEC) == 0, "pipes");
	/* Put the write ends at 8 and 9 and swap them in the child (dash knows only 0-9). */
	ok(dup3(a[1], 8, O_CLOEXEC) == 8 && dup3(b[1], 9, O_CLOEXEC) == 9, "fds 8 and 9");
	close(a[1]);
	close(b[1]);
	spawn_init(&sp, (const char *const[]){ "sh", "-c", "echo x8 >&8; echo x9 >&9", NULL });
	sp.fds = (const spawn_fd[]){ { .fd = 8, .child_fd = 9 }, { .fd = 9, .child_fd = 8 } };
	sp.n_fds = 2;
	ok(spawn_run(&sp, &status, &e) == 0 && status == 0, "child wrote to passed fds");
	close(8);
	close(9);
	ok(read(a[0], ra, sizeof(ra) - 1) > 0 && read(b[0], rb, sizeof(rb) - 1) > 0, "read both");
	is_str(ra, "x9\n", "parent fd 8 became child fd 9");
	is_str(rb, "x8\n", "parent fd 9 became child fd 8");
	close(a[0]);
	close(b[0]);

	spawn_init(&sp, (const char *const[]){ "true", NULL });
	sp.fds = (const spawn_fd[]){ { .fd = 0, .child_fd = 2 } };
	sp.n_fds = 1;
	ok(spawn_start(&sp, &e) == -1 && cpod_error_kind(e) == CPOD_ERR_INVALID, "extra fd onto a "
										 "standard stream "
										 "rejected");
	cpod_error_freep(&e);
	sp.fds = (const spawn_fd[]){ { .fd = 0, .child_fd = 5 }, { .fd = 1, .child_fd = 5 } };
	sp.n_fds = 2;
	ok(spawn_start(&sp, &e) == -1, "the same child fd twice rejected");
	is_str(cpod_error_message(e), "running 'true': descriptor 5 passed twice", "message");
	cpod_error_freep(&e);
}

static void test_no_leaks(void)
{
	int leaky = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	int gap, plain[2];
	spawn sp;
	buf out = BUF_INIT;
	cpod_error *e = NULL;

	ok(pipe(plain) == 0, "a pipe without O_CLOEXEC");
	gap = dup2(leaky, 5); /* below the passed fd 7: must be closed, not only marked */
	ok(leaky >= 0 && gap == 5, "leaky fds at %d, 5, %d, %d", leaky, plain[0], plain[1]);
	spawn_init(&sp, (const char *const[]){ self, "--list-fds", NULL });
	sp.fds = (const spawn_fd[]){ { .fd = plain[1], .child_fd = 7 } };
	sp.n_fds = 1;
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "child listed its fds");
	is_str(out.s, "0 1 2 7\n", "only stdio and the passed fd reach the child");
	buf_reset(&out);
	spawn_init(&sp, (const char *const[]){ self, "--list-fds", NULL });
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "child listed its fds");
	is_str(out.s, "0 1 2\n", "nothing but stdio without extra fds");
	close(leaky);
	close(gap);
	close(plain[0]);
	close(plain[1]);
	buf_release(&out);
	cpod_error_free(e);
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void test_signals(void)
{
	sigset_t set, old;
	spawn sp;
	buf out = BUF_INIT;
	cpod_error *e = NULL;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR2, on_usr2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	spawn_init(&sp, (const char *const[]){ self, "--sigs", NULL });
	ok(spawn_capture_ex(&sp, &out, 0, &e) == 0, "child read its signal state");
	/* SigIgn keeps only SIGHUP (bit 0); SIGPIPE back to default; nothing blocked. */
	is_str(out.s, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000001\n",
	       "mask emptied, SIGPIPE reset, nohup's SIGHUP kept");
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	buf_release(&out);
	cpod_error_free(e);
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc > 1 && strcmp(argv[1], "--list-fds") == 0)
		return child_list_fds();
	if (argc > 1 && strcmp(argv[1], "--sigs") == 0)
		return child_sigs();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ok(n > 0, "found myself");
	test_status();
	test_kill();
	test_capture();
	test_not_found();
	test_stdin_pipe();
	test_env_cwd();
	test_stdout_modes();
	test_fd_passing();
	test_no_leaks();
	test_signals();
	return done_testing();
}
