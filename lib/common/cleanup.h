/* Scope-bound cleanup, in the style of systemd and crun.
 *
 * Declare cleanup variables first, initialised to NULL / -1; hand ownership out with
 * TAKE_PTR()/TAKE_FD().  Every free function used here accepts NULL and keeps errno.
 */
#ifndef CPOD_COMMON_CLEANUP_H
#define CPOD_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

static inline void closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Defines `static inline void name##p(type **p)` calling func(*p) when non-NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)      \
	static inline void func##p(type **p) \
	{                                    \
		if (*p) {                    \
			int saved_ = errno;  \
			func(*p);            \
			errno = saved_;      \
		}                            \
	}

#define TAKE_PTR(p)                            \
	({                                     \
		__typeof__(p) take_tmp_ = (p); \
		(p) = NULL;                    \
		take_tmp_;                     \
	})

#define TAKE_FD(fd)                  \
	({                           \
		int take_fd_ = (fd); \
		(fd) = -1;           \
		take_fd_;            \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
