#include "storage/tar_diff.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

DEFINE_CLEANUP_FUNC(struct archive_entry, archive_entry_free)

struct link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct differ {
	struct archive *w;
	tar_diff_opts opts;
	struct link *links;    /* open addressing by inode: files with more than one link */
	size_t nlinks, alinks; /* alinks: a power of two, or 0 */
};

static int write_err(struct differ *d, const char *path, cpod_error **err)
{
	return cpod_err(err, CPOD_ERR_SYSTEM, archive_errno(d->w) > 0 ? archive_errno(d->w) : 0,
			"writing tar entry '%s': %s", path,
			archive_error_string(d->w) ?: "libarchive failed");
}

static struct link *link_slot(struct link *links, size_t alloc, dev_t dev, ino_t ino)
{
	size_t i = (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (alloc - 1);

	while (links[i].path && (links[i].dev != dev || links[i].ino != ino))
		i = (i + 1) & (alloc - 1);
	return &links[i];
}

/* Returns the path first written for this inode, or NULL after remembering path for it. */
static const char *link_lookup(struct differ *d, const struct stat *st, const char *path)
{
	struct link *slot;

	if ((d->nlinks + 1) * 2 > d->alinks) {
		size_t alloc = d->alinks ? d->alinks * 2 : 64;
		struct link *bigger = xcalloc(alloc, sizeof(*bigger));

		for (size_t i = 0; i < d->alinks; i++)
			if (d->links[i].path)
				*link_slot(bigger, alloc, d->links[i].dev, d->links[i].ino) =
					d->links[i];
		free(d->links);
		d->links = bigger;
		d->alinks = alloc;
	}
	slot = link_slot(d->links, d->alinks, st->st_dev, st->st_ino);
	if (slot->path)
		return slot->path;
	*slot = (struct link){ .dev = st->st_dev, .ino = st->st_ino, .path = xstrdup(path) };
	d->nlinks++;
	return NULL;
}

static bool xattr_kept(const char *key)
{
	return !str_has_prefix(key, "trusted.overlay.") && !str_has_prefix(key, "user.overlay.") &&
	       !str_eq(key, "security.selinux");
}

/* Copies the xattrs of procpath (a /proc/self/fd/N/NAME path, never followed) into e. */
static int add_xattrs(struct archive_entry *e, const char *procpath, const char *path,
		      cpod_error **err)
{
	_cleanup_free_ char *names = NULL;
	ssize_t len = llistxattr(procpath, NULL, 0);

	if (len < 0 && (errno == EOPNOTSUPP || errno == ENOTSUP))
		return 0;
	if (len < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "listing the xattrs of '%s'", path);
	names = xmalloc((size_t)len + 1);
	len = llistxattr(procpath, names, (size_t)len);
	if (len < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "listing the xattrs of '%s'", path);
	for (char *key = names; key < names + len; key += strlen(key) + 1) {
		_cleanup_free_ char *value = NULL;
		ssize_t n;

		if (!xattr_kept(key))
			continue;
		n = lgetxattr(procpath, key, NULL, 0);
		if (n >= 0) {
			value = xmalloc((size_t)n + 1);
			n = lgetxattr(procpath, key, value, (size_t)n);
		}
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading xattr '%s' of '%s'",
					key, path);
		archive_entry_xattr_add_entry(e, key, value, (size_t)n);
	}
	return 0;
}

/* Copies size bytes of the file: a file that grew since it was stat'ed is cut there, one that
 * shrank is padded with zeros by libarchive, so the header stays true. */
static int write_data(struct differ *d, int dfd, const char *name, const char *path, off_t size,
		      cpod_error **err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	char block[64 * 1024];
	ssize_t n;

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", path);
	while (size > 0) {
		n = read(fd, block, size < (off_t)sizeof(block) ? (size_t)size : sizeof(block));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", path);
		if (n == 0)
			break;
		if (archive_write_data(d->w, block, (size_t)n) != n)
			return write_err(d, path, err);
		size -= n;
	}
	return 0;
}

/* Fills e with what the stream keeps of the entry dfd/name (path in the stream). */
static int fill_entry(struct differ *d, struct archive_entry *e, int dfd, const char *name,
		      const char *path, const struct stat *st, cpod_error **err)
{
	char procpath[64 + NAME_MAX];
	char target[PATH_MAX];
	const char *first;
	ssize_t n;

	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading symlink '%s'", path);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	}
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 && (first = link_lookup(d, st, path))) {
		archive_entry_set_hardlink(e, first);
		archive_entry_set_size(e, 0);
		return 0;
	}
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d/%s", dfd, name);
	return add_xattrs(e, procpath, path, err);
}

/* A zero-length regular file: a whiteout marker carrying st's owner and mtime. */
static int write_marker(struct differ *d, const char *path, const struct stat *st, cpod_error **err)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, S_IFREG | 0644);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	if (archive_write_header(d->w, e) < ARCHIVE_WARN)
		return write_err(d, path, err);
	return 0;
}

static bool is_opaque(int fd)
{
	char v[2];

	return (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y') ||
	       (fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
}

static int diff_dir(struct differ *d, int dfd, const char *prefix, cpod_error **err);

static int diff_one(struct differ *d, int dfd, const char *name, const char *path, cpod_error **err)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
	_cleanup_free_ char *marker = NULL;
	_cleanup_close_ int sub = -1;
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "inspecting '%s'", path);
	if (S_ISSOCK(st.st_mode)) /* tar cannot hold sockets; they are runtime state anyway */
		return 0;
	if (d->opts.whiteouts && S_ISCHR(st.st_mode) && st.st_rdev == 0) {
		marker = xasprintf("%.*s.wh.%s", (int)(strlen(path) - strlen(name)), path, name);
		return write_marker(d, marker, &st, err);
	}
	if (fill_entry(d, e, dfd, name, path, &st, err) < 0)
		return -1;
	if (archive_write_header(d->w, e) < ARCHIVE_WARN)
		return write_err(d, path, err);
	if (S_ISREG(st.st_mode) && !archive_entry_hardlink(e))
		return write_data(d, dfd, name, path, st.st_size, err);
	if (!S_ISDIR(st.st_mode))
		return 0;
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", path);
	if (d->opts.whiteouts && is_opaque(sub)) {
		marker = xasprintf("%s/.wh..wh..opq", path);
		if (write_marker(d, marker, &st, err) < 0)
			return -1;
	}
	return diff_dir(d, sub, path, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dfd, sorted; *ret_n of them.  NULL with *err on failure. */
static char **read_names(int dfd, const char *prefix, size_t *ret_n, cpod_error **err)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading directory '%s'",
			 *prefix ? prefix : ".");
		return NULL;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		if (str_eq(de->d_name, ".") || str_eq(de->d_name, ".."))
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			names = xreallocarray(names, alloc, sizeof(char *));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	*ret_n = n;
	return names ? names : xcalloc(1, sizeof(char *));
}

static int diff_dir(struct differ *d, int dfd, const char *prefix, cpod_error **err)
{
	size_t n = 0, i;
	char **names = read_names(dfd, prefix, &n, err);
	int r = 0;

	if (!names)
		return -1;
	for (i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *path = *prefix ? xasprintf("%s/%s", prefix, names[i])
						    : xstrdup(names[i]);

		r = diff_one(d, dfd, names[i], path, err);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int tar_diff_write(int dirfd, struct archive *w, const tar_diff_opts *opts, cpod_error **err)
{
	struct differ d = { .w = w };
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (opts)
		d.opts = *opts;
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening the layer directory");
	r = diff_dir(&d, fd, "", err);
	for (size_t i = 0; i < d.alinks; i++)
		free(d.links[i].path);
	free(d.links);
	return r;
}

int tar_diff(int dirfd, int out_fd, const tar_diff_opts *opts, cpod_error **err)
{
	struct archive *w = archive_write_new();
	int r = -1;

	if (!w)
		abort();
	/* Full pax keeps mtimes to the nanosecond; SCHILY.xattr is what other tools read. */
	if (archive_write_set_format_pax(w) != ARCHIVE_OK ||
	    archive_write_set_options(w, "xattrheader=SCHILY") != ARCHIVE_OK ||
	    archive_write_add_filter_none(w) != ARCHIVE_OK ||
	    /* the same bytes into a pipe as into a file: libarchive pads the last block of a
	     * FIFO's or a device's output to 10240 bytes unless told */
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w, out_fd) != ARCHIVE_OK)
		cpod_err(err, CPOD_ERR_SYSTEM, archive_errno(w) > 0 ? archive_errno(w) : 0,
			 "writing the tar stream: %s", archive_error_string(w) ?: "cannot open");
	else if (tar_diff_write(dirfd, w, opts, err) == 0)
		r = 0;
	if (archive_write_close(w) != ARCHIVE_OK && r == 0)
		r = cpod_err(err, CPOD_ERR_SYSTEM, archive_errno(w) > 0 ? archive_errno(w) : 0,
			     "writing the tar stream: %s",
			     archive_error_string(w) ?: "cannot finish");
	archive_write_free(w);
	return r;
}
