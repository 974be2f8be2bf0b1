/* Volumes on the file system: mount(8) for volumes with mount options, and the tree copy of
 * copy-up.  The copy works only with descriptors and *at() calls relative to directories it
 * opened itself with O_NOFOLLOW, so a symlink in the image (or one planted in the volume)
 * is copied as a symlink and never followed. */
#include "engine/volume_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/spawn.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* ---- mounts ---- */

static const char *opt_str(const vol *v, const char *key)
{
	json_object *o;

	if (!v->options || !json_object_object_get_ex(v->options, key, &o))
		return NULL;
	return json_object_get_string(o);
}

/* As podman runs it: mount [-o O] [-t TYPE | -o bind] DEVICE MOUNTPOINT, where a missing
 * device is the type (tmpfs has none). */
int vol_mount(const vol *v, cpod_error **err)
{
	const char *device = opt_str(v, "device"), *type = opt_str(v, "type");
	const char *o = opt_str(v, "o");
	const char *argv[10];
	_cleanup_buf_ buf out = BUF_INIT;
	size_t n = 0;

	if ((!device || !*device) && type && *type)
		device = type;
	argv[n++] = "mount";
	if (o && *o) {
		argv[n++] = "-o";
		argv[n++] = o;
	}
	if (type && str_eq(type, "bind")) {
		argv[n++] = "-o";
		argv[n++] = "bind";
	} else if (type && *type) {
		argv[n++] = "-t";
		argv[n++] = type;
	}
	argv[n++] = device ? device : "";
	argv[n++] = v->mountpoint;
	argv[n] = NULL;
	log_debug("mounting volume %s: mount%s%s %s", v->name, o ? " -o " : "", o ? o : "",
		  v->mountpoint);
	if (spawn_capture(argv, &out, 64 << 10, err) < 0)
		return cpod_err_prefix(err, "mounting volume %s", v->name);
	return 0;
}

int vol_unmount(const vol *v, cpod_error **err)
{
	if (umount2(v->mountpoint, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "unmounting volume %s", v->name);
	return 0;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

bool vol_is_mounted(const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!real || !(f = fopen("/proc/self/mountinfo", "re")))
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *field = strtok_r(line, " ", &save);

		/* id parent major:minor root MOUNTPOINT ... */
		for (int i = 0; field && i < 4; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape(field);
		if (str_eq(field, real))
			return true;
	}
	return false;
}

/* ---- copy ---- */

struct copy {
	buf path; /* the entry being copied, relative to the source, for errors */
	int depth;
};

static int copy_err(struct copy *c, int errnum, cpod_error **err)
{
	return cpod_err(err, CPOD_ERR_SYSTEM, errnum, "copying '%s'", c->path.s);
}

int vol_dir_is_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 1;

	if (dfd < 0)
		return -1;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	errno = 0;
	while (r == 1 && (de = readdir(d)))
		if (!str_eq(de->d_name, ".") && !str_eq(de->d_name, ".."))
			r = 0;
	if (r == 1 && errno)
		r = -1;
	closedir(d);
	return r;
}

/* Extended attributes of regular files and directories (file capabilities, ACLs), where the
 * file systems allow; a failure to read or set one is not an error. */
static void copy_xattrs(int src, int dst)
{
	char names[4096], value[4096];
	ssize_t n = flistxattr(src, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t len = fgetxattr(src, names + i, value, sizeof(value));

		if (len >= 0 && fsetxattr(dst, names + i, value, (size_t)len, 0) < 0)
			log_debug("copy-up: xattr %s: %s", names + i, strerror(errno));
	}
}

/* Owner, then mode (a chown clears setuid bits), then times, on an open descriptor. */
static int set_meta_fd(struct copy *c, int fd, const struct stat *st, cpod_error **err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM && errno != EINVAL)
		return copy_err(c, errno, err);
	if (fchmod(fd, st->st_mode & 07777) < 0 || futimens(fd, ts) < 0)
		return copy_err(c, errno, err);
	return 0;
}

/* The same on a name that must not be followed (symlinks, device nodes, fifos). */
static int set_meta_at(struct copy *c, int dir, const char *name, const struct stat *st,
		       cpod_error **err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EPERM && errno != EINVAL)
		return copy_err(c, errno, err);
	if (!S_ISLNK(st->st_mode) &&
	    fchmodat(dir, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_err(c, errno, err);
	if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_err(c, errno, err);
	return 0;
}

static int copy_data(int in, int out)
{
	char b[65536];

	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		break;
	}
	for (;;) {
		ssize_t n = read(in, b, sizeof(b)), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		while (w < n) {
			ssize_t k = write(out, b + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			w += k;
		}
	}
}

static int copy_file(struct copy *c, int sdir, int ddir, const char *name, cpod_error **err)
{
	_cleanup_close_ int in = -1, out = -1;
	struct stat st;

	/* O_NONBLOCK: an entry swapped for a fifo since the fstatat() must not hang us. */
	in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return copy_err(c, errno, err);
	if (!S_ISREG(st.st_mode))
		return copy_err(c, EINVAL, err);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0 || copy_data(in, out) < 0)
		return copy_err(c, errno, err);
	copy_xattrs(in, out);
	return set_meta_fd(c, out, &st, err);
}

static int copy_link(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st,
		     cpod_error **err)
{
	char target[PATH_MAX + 1];
	ssize_t n = readlinkat(sdir, name, target, sizeof(target));

	if (n < 0)
		return copy_err(c, errno, err);
	if ((size_t)n >= sizeof(target))
		return copy_err(c, ENAMETOOLONG, err);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return copy_err(c, errno, err);
	return set_meta_at(c, ddir, name, st, err);
}

static int copy_node(struct copy *c, int ddir, const char *name, const struct stat *st,
		     cpod_error **err)
{
	if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		if (errno == EPERM && !S_ISFIFO(st->st_mode)) {
			log_debug("copy-up: skipping device '%s': %s", c->path.s, strerror(errno));
			return 0;
		}
		return copy_err(c, errno, err);
	}
	return set_meta_at(c, ddir, name, st, err);
}

static int copy_entries(struct copy *c, int sdir, int ddir, cpod_error **err);

static int copy_dir(struct copy *c, int sdir, int ddir, const char *name, cpod_error **err)
{
	_cleanup_close_ int in = -1, out = -1;
	struct stat st;

	if (c->depth >= VOL_COPY_MAX_DEPTH)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"copying '%s': more than %d directory levels", c->path.s,
				VOL_COPY_MAX_DEPTH);
	in = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || mkdirat(ddir, name, 0700) < 0)
		return copy_err(c, errno, err);
	out = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0)
		return copy_err(c, errno, err);
	c->depth++;
	if (copy_entries(c, in, out, err) < 0)
		return -1;
	c->depth--;
	copy_xattrs(in, out);
	return set_meta_fd(c, out, &st, err);
}

static int copy_entry(struct copy *c, int sdir, int ddir, const char *name, cpod_error **err)
{
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_err(c, errno, err);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_dir(c, sdir, ddir, name, err);
	case S_IFREG:
		return copy_file(c, sdir, ddir, name, err);
	case S_IFLNK:
		return copy_link(c, sdir, ddir, name, &st, err);
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		return copy_node(c, ddir, name, &st, err);
	default: /* sockets mean nothing without their process */
		return 0;
	}
}

static int copy_entries(struct copy *c, int sdir, int ddir, cpod_error **err)
{
	int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (fd < 0)
		return copy_err(c, errno, err);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return copy_err(c, errno, err);
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		size_t len = c->path.len;
		int r;

		if (str_eq(de->d_name, ".") || str_eq(de->d_name, ".."))
			continue;
		buf_addf(&c->path, "%s%s", len ? "/" : "", de->d_name);
		r = copy_entry(c, sdir, ddir, de->d_name, err);
		buf_truncate(&c->path, len);
		if (r < 0)
			return -1;
	}
	return errno ? copy_err(c, errno, err) : 0;
}

int vol_copy_tree(int srcfd, int dstfd, cpod_error **err)
{
	struct copy c = { .path = BUF_INIT, .depth = 0 };
	int r;

	buf_adds(&c.path, "");
	r = copy_entries(&c, srcfd, dstfd, err);
	buf_release(&c.path);
	return r;
}
