#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/lock.h"
#include "common/xalloc.h"
#include "tap.h"

static char path[64];

/* Child exit codes. */
enum { C_LOCKED = 10, C_BUSY = 11, C_ERROR = 12, C_WRONG_FILE = 13 };

static int try_in_child(lock_mode mode)
{
	file_lock l = FILE_LOCK_INIT;
	int r = lock_try(path, mode, &l, NULL);

	lock_release(&l);
	return r == 0 ? C_LOCKED : r == LOCK_BUSY ? C_BUSY : C_ERROR;
}

/* Runs try_in_child(mode) in a forked child and returns its exit code. */
static int child_try(lock_mode mode)
{
	pid_t pid = fork();
	int ws;

	if (pid == 0)
		_exit(try_in_child(mode));
	if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws))
		return -1;
	return WEXITSTATUS(ws);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until /proc/locks shows pid blocked on a flock ("-> FLOCK ... pid"). */
static bool wait_blocked(pid_t pid)
{
	char line[256], want[32];

	snprintf(want, sizeof(want), " %d ", (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen("/proc/locks", "r");
		bool found = false;

		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "-> FLOCK") && strstr(line, want))
				found = true;
		if (f)
			fclose(f);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

static void test_exclusive(void)
{
	file_lock l = FILE_LOCK_INIT;
	cpod_error *e = NULL;

	is_int(lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, &l, &e), 0, "exclusive lock taken");
	ok(l.fd >= 0 && (fcntl(l.fd, F_GETFD) & FD_CLOEXEC), "descriptor held, close-on-exec");
	is_int(child_try(LOCK_EXCLUSIVE), C_BUSY, "another process: exclusive is busy");
	is_int(child_try(LOCK_SHARED), C_BUSY, "another process: shared is busy");
	lock_release(&l);
	is_int(l.fd, -1, "released");
	lock_release(&l);
	is_int(child_try(LOCK_EXCLUSIVE), C_LOCKED, "free again after release");
}

static void test_shared(void)
{
	file_lock l = FILE_LOCK_INIT, l2 = FILE_LOCK_INIT;
	cpod_error *e = NULL;

	is_int(lock_open(path, LOCK_SHARED, LOCK_NONBLOCK, &l, &e), 0, "shared lock taken");
	is_int(child_try(LOCK_SHARED), C_LOCKED, "another process shares it");
	is_int(child_try(LOCK_EXCLUSIVE), C_BUSY, "exclusive is busy under a shared lock");
	/* flock locks belong to open file descriptions: a second open in this process contends
	 * like another process would. */
	is_int(lock_try(path, LOCK_EXCLUSIVE, &l2, &e), LOCK_BUSY, "busy in the same process too");
	ok(e == NULL && l2.fd == -1, "busy sets no error and no lock");
	lock_release(&l);
}

static void test_wait(void)
{
	file_lock l = FILE_LOCK_INIT;
	cpod_error *e = NULL;
	int ready[2], ws;
	char c;
	pid_t pid;
	double t0;

	ok(pipe(ready) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		file_lock held = FILE_LOCK_INIT;

		if (lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, &held, NULL) < 0)
			_exit(C_ERROR);
		if (write(ready[1], "x", 1) != 1)
			_exit(C_ERROR);
		usleep(300000);
		_exit(C_LOCKED); /* exiting closes the descriptor: the lock goes */
	}
	ok(read(ready[0], &c, 1) == 1, "child holds the lock");
	t0 = now();
	is_int(lock_try(path, LOCK_SHARED, &l, &e), LOCK_BUSY, "busy while the child holds it");
	is_int(lock_open(path, LOCK_SHARED, LOCK_WAIT, &l, &e), 0, "waited for the lock");
	ok(now() - t0 > 0.2, "the wait lasted until the child let go (%.3fs)", now() - t0);
	ok(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == C_LOCKED, "child "
											"exited");
	lock_release(&l);
	close(ready[0]);
	close(ready[1]);
}

/* The holder unlinks the lock file before releasing it: a waiter must not keep a lock on the
 * dead inode (it would exclude nobody) but lock the file now at path. */
static void test_replaced(void)
{
	file_lock l = FILE_LOCK_INIT;
	cpod_error *e = NULL;
	int ws;
	pid_t pid;

	is_int(lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, &l, &e), 0, "holder locks");
	pid = fork();
	if (pid == 0) {
		file_lock w = FILE_LOCK_INIT;
		struct stat a, b;

		/* The inherited copy shares the holder's lock: drop it, or we wait on ourselves. */
		close(l.fd);
		if (lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, &w, NULL) < 0)
			_exit(C_ERROR);
		if (fstat(w.fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino)
			_exit(C_WRONG_FILE);
		_exit(C_LOCKED);
	}
	ok(wait_blocked(pid), "waiter blocked in flock (seen in /proc/locks)");
	ok(unlink(path) == 0, "holder unlinks the lock file");
	lock_release(&l);
	ok(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws), "waiter finished");
	is_int(WEXITSTATUS(ws), C_LOCKED, "waiter holds the lock on the file at path");
}

static void test_errors(void)
{
	file_lock l = FILE_LOCK_INIT;
	cpod_error *e = NULL;

	is_int(lock_open("/nonexistent-dir/lock", LOCK_SHARED, LOCK_WAIT, &l, &e), -1,
	       "missing directory fails");
	ok(e && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "not found");
	is_str(cpod_error_message(e),
	       "opening lock '/nonexistent-dir/lock': No such file or directory", "message");
	is_int(l.fd, -1, "nothing held");
	cpod_error_free(e);
}

int main(void)
{
	char dir[] = "/tmp/cpod-test-lock-XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/lock", dir);
	test_exclusive();
	test_shared();
	test_wait();
	test_replaced();
	test_errors();
	{
		struct stat st;
		mode_t mask = umask(0);

		umask(mask);
		ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~mask), "lock file "
										  "created, mode "
										  "0644 minus "
										  "umask");
	}
	unlink(path);
	rmdir(dir);
	return done_testing();
}
