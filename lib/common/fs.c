#include "common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* Sets *err with the kind that fits errnum; returns -1. */
static int fs_err(cpod_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fs_err(cpod_error **err, int errnum, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	cpod_err(err, errnum == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errnum, "%s", msg);
	errno = errnum;
	return -1;
}

/* ---- openat2, or the walk ---- */

static bool force_fallback;
static int openat2_state; /* 0 not probed yet, 1 works, -1 missing or blocked */

void fs_force_fallback(bool on)
{
	__atomic_store_n(&force_fallback, on, __ATOMIC_RELAXED);
}

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = flags & (O_CREAT | O_TMPFILE) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Probed once: ENOSYS on old kernels, EPERM under seccomp profiles that predate openat2. */
static bool have_openat2(void)
{
	int state = __atomic_load_n(&openat2_state, __ATOMIC_RELAXED);

	if (state == 0) {
		int fd = sys_openat2(AT_FDCWD, "/", O_PATH, 0);

		state = fd >= 0 ? 1 : -1;
		if (fd >= 0)
			close(fd);
		__atomic_store_n(&openat2_state, state, __ATOMIC_RELAXED);
	}
	return state > 0 && !__atomic_load_n(&force_fallback, __ATOMIC_RELAXED);
}

/* The walk keeps an O_PATH descriptor for every directory entered below the root, so ".."
 * is a pop (never a lookup of "..", which a concurrent rename could turn into an escape) and
 * stops at the root.  A symlink's target replaces it in the path still to resolve; an
 * absolute target starts again from the root. */
struct walk {
	int rootfd;
	int *dirs; /* innermost last */
	size_t depth, alloc;
	buf rest; /* the path still to resolve, from pos */
	size_t pos;
	int links;
};

#define WALK_MORE (-2)

static int walk_cur(const struct walk *w)
{
	return w->depth ? w->dirs[w->depth - 1] : w->rootfd;
}

static void walk_pop(struct walk *w)
{
	if (w->depth)
		close(w->dirs[--w->depth]);
}

static void walk_push(struct walk *w, int fd)
{
	if (w->depth == w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 16;
		w->dirs = xreallocarray(w->dirs, w->alloc, sizeof(int));
	}
	w->dirs[w->depth++] = fd;
}

static void walk_release(struct walk *w)
{
	while (w->depth)
		walk_pop(w);
	free(w->dirs);
	buf_release(&w->rest);
}

/* Copies the next component into name.  Returns 1, 0 when none is left, -1 on error.
 * *last: only slashes follow; *slash: at least one does. */
static int walk_next(struct walk *w, char *name, bool *last, bool *slash)
{
	const char *s = w->rest.s;
	size_t p = w->pos, start;

	while (s[p] == '/')
		p++;
	if (!s[p]) {
		w->pos = p;
		return 0;
	}
	for (start = p; s[p] && s[p] != '/'; p++)
		;
	if (p - start > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, s + start, p - start);
	name[p - start] = '\0';
	w->pos = p;
	*slash = s[p] == '/';
	while (s[p] == '/')
		p++;
	*last = !s[p];
	return 1;
}

/* Replaces the component just read (the symlink open at linkfd) with its target. */
static int walk_follow(struct walk *w, int linkfd)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target));
	buf next = BUF_INIT;

	if (n < 0)
		return -1;
	if (n == 0 || (size_t)n == sizeof(target)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	if (++w->links > FS_MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	if (target[0] == '/')
		while (w->depth)
			walk_pop(w);
	buf_add(&next, target, (size_t)n);
	buf_adds(&next, w->rest.s + w->pos);
	buf_release(&w->rest);
	w->rest = next;
	w->pos = 0;
	return 0;
}

/* An intermediate component: a directory to enter or a symlink to follow. */
static int walk_dir(struct walk *w, const char *name)
{
	struct stat st;
	int fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		r = -1;
	} else if (S_ISLNK(st.st_mode)) {
		r = walk_follow(w, fd);
	} else if (S_ISDIR(st.st_mode)) {
		walk_push(w, fd);
		return 0;
	} else {
		errno = ENOTDIR;
		r = -1;
	}
	close(fd);
	return r;
}

/* The last component: opened with flags unless it is a symlink to follow (WALK_MORE).  The
 * final open adds O_NOFOLLOW: should the name turn into a symlink meanwhile, it fails. */
static int walk_last(struct walk *w, const char *name, int flags, mode_t mode)
{
	int cur = walk_cur(w);
	struct stat st;
	int fd, r;

	if (flags & O_NOFOLLOW)
		return openat(cur, name, flags | O_CLOEXEC, mode);
	fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && (flags & O_CREAT)
			       ? openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
			       : -1;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	r = fstat(fd, &st);
	if (r == 0 && S_ISLNK(st.st_mode))
		r = walk_follow(w, fd) < 0 ? -1 : WALK_MORE;
	close(fd);
	if (r < 0)
		return r;
	return openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

static int walk_open(struct walk *w, int flags, mode_t mode)
{
	char name[NAME_MAX + 1];
	bool last = false, slash = false;
	int r;

	for (;;) {
		r = walk_next(w, name, &last, &slash);
		if (r < 0)
			return -1;
		if (r == 0) /* the path ends at a directory: "/", "a/..", "." */
			return openat(walk_cur(w), ".", flags | O_CLOEXEC, mode);
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			walk_pop(w);
			continue;
		}
		if (!last) {
			if (walk_dir(w, name) < 0)
				return -1;
			continue;
		}
		if (slash && (flags & O_CREAT)) {
			errno = EISDIR;
			return -1;
		}
		r = walk_last(w, name, flags | (slash ? O_DIRECTORY : 0), mode);
		if (r != WALK_MORE)
			return r;
	}
}

/* Returns a descriptor or -1 with errno. */
static int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct walk w = { .rootfd = rootfd, .rest = BUF_INIT };
	int fd, saved;

	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	if (have_openat2()) {
		do
			fd = sys_openat2(rootfd, path, flags, mode);
		while (fd < 0 && errno == EAGAIN); /* a rename raced with the lookup */
		return fd;
	}
	buf_adds(&w.rest, path);
	fd = walk_open(&w, flags, mode);
	saved = errno;
	walk_release(&w);
	errno = saved;
	return fd;
}

int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, cpod_error **err)
{
	int fd = open_in_root(rootfd, path, flags, mode);

	if (fd < 0)
		return fs_err(err, errno, "opening '%s'", path);
	return fd;
}

/* Creates path one component at a time, each mkdirat() in the directory the previous prefix
 * resolved to, and each prefix resolved again inside the root. */
static int mkdir_walk(int rootfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *prefix = xstrdup(path);
	_cleanup_close_ int prev = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	size_t i = 0, start;
	int fd;

	if (prev < 0)
		return -1;
	while (path[i]) {
		while (path[i] == '/')
			i++;
		if (!path[i])
			break;
		for (start = i; path[i] && path[i] != '/'; i++)
			;
		prefix[i] = '\0';
		fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT) {
			bool existed = mkdirat(prev, prefix + start, mode) < 0;

			if (existed && errno != EEXIST)
				return -1;
			fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
			/* There but not resolvable: a dangling symlink, as mkdir -p says. */
			if (fd < 0 && errno == ENOENT && existed)
				errno = EEXIST;
		}
		prefix[i] = path[i];
		if (fd < 0)
			return -1;
		close(prev);
		prev = fd;
	}
	return TAKE_FD(prev);
}

int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd, cpod_error **err)
{
	int fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0 && errno == ENOENT)
		fd = mkdir_walk(rootfd, path, mode);
	if (fd < 0)
		return fs_err(err, errno, "creating directory '%s'", path);
	if (ret_fd)
		*ret_fd = fd;
	else
		close(fd);
	return 0;
}

int fs_open_parent_in_root(int rootfd, const char *path, bool create_parents, char **ret_base,
			   cpod_error **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	size_t n = strlen(dir);
	char *slash, *base;
	const char *parent;
	int fd;

	while (n > 0 && dir[n - 1] == '/')
		dir[--n] = '\0';
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return cpod_err(err, CPOD_ERR_INVALID, EINVAL, "'%s' has no last component", path);
	base = xstrdup(base);
	if (slash)
		*slash = '\0';
	parent = !slash ? "." : *dir ? dir : "/";
	if (create_parents) {
		if (fs_mkdir_p_in_root(rootfd, parent, 0755, &fd, err) < 0)
			fd = -1;
	} else {
		fd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			fs_err(err, errno, "opening the directory of '%s'", path);
	}
	if (fd < 0) {
		free(base);
		return -1;
	}
	*ret_base = base;
	return fd;
}

/* ---- atomic writes ---- */

/* Creates dirfd/<dir of name>/.<base>.tmp-XXXXXX exclusively; sets *ret_tmp to its name. */
static int create_temp(int dirfd, const char *name, char **ret_tmp)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678"
				    "9";
	const char *slash = strrchr(name, '/');
	int dirlen = slash ? (int)(slash - name + 1) : 0;

	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[6];
		char suffix[7];
		char *tmp;
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		for (size_t i = 0; i < sizeof(rnd); i++)
			suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		suffix[6] = '\0';
		tmp = xasprintf("%.*s.%s.tmp-%s", dirlen, name, name + dirlen, suffix);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			*ret_tmp = tmp;
			return fd;
		}
		free(tmp);
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory that holds dirfd/name. */
static int sync_dir(int dirfd, const char *name)
{
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(name, (size_t)(slash - name + 1)) : NULL;
	_cleanup_close_ int fd = openat(dirfd, dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return fsync(fd);
}

int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		    bool sync, cpod_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int fd = create_temp(dirfd, name, &tmp);
	int r, saved;

	if (fd < 0)
		return fs_err(err, errno, "writing '%s': creating a temporary file", name);
	r = fs_write_all(fd, data, len);
	if (r == 0)
		r = fchmod(fd, mode);
	if (r == 0 && sync)
		r = fsync(fd);
	saved = errno;
	if (close(fd) < 0 && r == 0) {
		r = -1;
		saved = errno;
	}
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -1;
		saved = errno;
	}
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return fs_err(err, saved, "writing '%s'", name);
	}
	if (sync && sync_dir(dirfd, name) < 0)
		return fs_err(err, errno, "writing '%s': syncing its directory", name);
	return 0;
}

/* ---- host paths ---- */

static int mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = NULL;

	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	if (mkdir_one(path, mode) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (mkdir_one(p, mode) < 0)
			return -1;
		*s = '/';
	}
	return mkdir_one(path, mode);
}

/* ---- rm -rf ---- */

/* Identifies the mount fd is on: its mount ID where statx() knows it (bind mounts of one file
 * system share st_dev), else its device. */
static int mount_of(int fd, uint64_t *ret)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return -1;
	*ret = stx.stx_mask & STATX_MNT_ID
		       ? stx.stx_mnt_id
		       : ((uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor);
	return 0;
}

static int rm_entry(int dirfd, const char *name, uint64_t mnt);

/* Removes everything in the directory dfd (which it takes over); 0 or -1 with errno. */
static int rm_children(int dfd, uint64_t mnt)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0, first = 0;

	if (!d) {
		close(dfd);
		return -1;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_entry(dirfd(d), de->d_name, mnt) < 0 && !first)
			first = errno;
	}
	if (errno && !first)
		first = errno;
	closedir(d);
	if (first) {
		errno = first;
		r = -1;
	}
	return r;
}

/* Opens the directory dirfd/name for reading, never through a symlink.  One we may not read
 * (mode 000 in a layer, rootless) is made readable first when we own it: chmod() through
 * /proc/self/fd of an O_PATH descriptor reaches exactly that inode. */
static int open_dir(int dirfd, const char *name)
{
	const int flags = O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, O_RDONLY | flags);
	char proc[32];
	int pfd;

	if (fd >= 0 || errno != EACCES)
		return fd;
	pfd = openat(dirfd, name, O_PATH | flags);
	if (pfd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = chmod(proc, 0700) == 0 ? openat(dirfd, name, O_RDONLY | flags) : -1;
	if (fd < 0)
		errno = EACCES;
	close(pfd);
	return fd;
}

/* Opening with O_NOFOLLOW | O_DIRECTORY tells a real directory from anything else (symlinks
 * included) without a race: whatever is not one is unlinked as a name. */
static int rm_entry(int dirfd, const char *name, uint64_t mnt)
{
	int fd = open_dir(dirfd, name);
	uint64_t here;
	int r;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -1;
		r = unlinkat(dirfd, name, 0);
		return r < 0 && errno == ENOENT ? 0 : r;
	}
	if (mount_of(fd, &here) < 0) {
		close(fd);
		return -1;
	}
	if (here != mnt) {
		close(fd);
		errno = EBUSY;
		return -1;
	}
	if (rm_children(fd, mnt) < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int fs_rm_rf_at(int dirfd, const char *name)
{
	_cleanup_close_ int parent = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	uint64_t mnt;

	if (parent < 0 || mount_of(parent, &mnt) < 0)
		return -1;
	return rm_entry(dirfd, name, mnt);
}

/* ---- reading ---- */

int fs_read_file(const char *path, size_t cap, buf *out, cpod_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	buf_reset(out);
	out->cap = cap;
	if (fd < 0)
		return fs_err(err, errno, "reading '%s'", path);
	if (buf_read_fd(out, fd) < 0) {
		if (errno == EFBIG)
			return cpod_err(err, CPOD_ERR_INVALID, EFBIG,
					"reading '%s': larger than %zu bytes", path, cap);
		return fs_err(err, errno, "reading '%s'", path);
	}
	return 0;
}

int fs_tmpfile(const char *dir, cpod_error **err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a file in '%s'", dir);
	return fd;
}
