#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/banned.h"

/* Attempts at locking a lock file that keeps being replaced before giving up. */
#define LOCK_ATTEMPTS 100

static int lock_err(cpod_error **err, int errnum, const char *what, const char *path)
{
	return cpod_err(err, errnum == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errnum,
			"%s lock '%s'", what, path);
}

static int flock_retry(int fd, int op)
{
	int r;

	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	return r;
}

/* 1 when fd is still the file at path, 0 when that was unlinked or replaced, -1 on error. */
static int still_linked(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0)
		return -1;
	if (stat(path, &b) < 0)
		return errno == ENOENT ? 0 : -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lock_open(const char *path, lock_mode mode, lock_wait wait, file_lock *ret, cpod_error **err)
{
	int op = (mode == LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) |
		 (wait == LOCK_NONBLOCK ? LOCK_NB : 0);

	for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
		_cleanup_close_ int fd =
			open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		int r;

		if (fd < 0)
			return lock_err(err, errno, "opening", path);
		if (flock_retry(fd, op) < 0) {
			if (errno == EWOULDBLOCK)
				return LOCK_BUSY;
			return lock_err(err, errno, "taking", path);
		}
		/* Whoever held it may have removed the file before letting go: a lock on an
		 * unlinked inode excludes nobody who opens path now. */
		r = still_linked(fd, path);
		if (r < 0)
			return lock_err(err, errno, "checking", path);
		if (r > 0) {
			ret->fd = TAKE_FD(fd);
			return 0;
		}
	}
	return lock_err(err, EAGAIN, "taking", path);
}

int lock_try(const char *path, lock_mode mode, file_lock *ret, cpod_error **err)
{
	return lock_open(path, mode, LOCK_NONBLOCK, ret, err);
}

void lock_release(file_lock *l)
{
	closep(&l->fd);
	l->fd = -1;
}
