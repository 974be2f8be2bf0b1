/* Advisory file locks with flock(2), e.g. the per-container lock in runroot.
 *
 *	file_lock l = FILE_LOCK_INIT;
 *	int r = lock_open(path, LOCK_EXCLUSIVE, LOCK_NONBLOCK, &l, err);
 *	if (r < 0) return -1;		// error, *err set
 *	if (r == LOCK_BUSY) ...		// someone else holds it; no error set
 *	...
 *	lock_release(&l);		// or _cleanup_lock_
 *
 * The lock belongs to the open file description: it is released when the descriptor is closed
 * (lock_release()), and a child forked without exec shares it.  The descriptor is
 * close-on-exec, so spawned programs never hold it.  The lock file is created (mode 0644) when
 * missing and never removed here; if it is unlinked or replaced while a locker waits, the locker
 * notices and locks the file now at path instead.
 */
#ifndef CPOD_COMMON_LOCK_H
#define CPOD_COMMON_LOCK_H

#include <cpod/error.h>

typedef enum {
	LOCK_SHARED,	/* many holders (readers) */
	LOCK_EXCLUSIVE, /* one holder */
} lock_mode;

typedef enum {
	LOCK_WAIT,     /* block until the lock is granted */
	LOCK_NONBLOCK, /* return LOCK_BUSY at once when it is held */
} lock_wait;

/* lock_open()'s result when LOCK_NONBLOCK found the lock held. */
#define LOCK_BUSY 1

typedef struct {
	int fd; /* owned; -1 when not held */
} file_lock;

#define FILE_LOCK_INIT   \
	{                \
		.fd = -1 \
	}

/* Opens (creating) path and locks it.  Returns 0 with *ret holding the lock, LOCK_BUSY (only
 * with LOCK_NONBLOCK) with *ret untouched and no error, or -1 with *err set. */
int lock_open(const char *path, lock_mode mode, lock_wait wait, file_lock *ret, cpod_error **err);

/* lock_open(path, mode, LOCK_NONBLOCK, ...). */
int lock_try(const char *path, lock_mode mode, file_lock *ret, cpod_error **err);

/* Unlocks by closing the descriptor; accepts a lock not held.  Keeps errno. */
void lock_release(file_lock *l);
static inline void lock_releasep(file_lock *l)
{
	lock_release(l);
}
#define _cleanup_lock_ __attribute__((cleanup(lock_releasep)))

#endif
