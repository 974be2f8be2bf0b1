/* The vfs driver: every layer is a full directory tree, a copy of its parent with the layer's
 * changes applied.  Slow and large, but it works on any file system and needs no privilege.
 *
 * The copy of the parent streams the parent through tar_diff() into tar_apply() over a pipe
 * (the writer in a thread), which keeps ownership, modes, xattrs, hard links, devices,
 * symlinks and mtimes exactly as a layer extraction does, with one tested code path.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/tar_diff.h"

#include "common/banned.h"

static char *layer_path(driver *d, const char *id)
{
	return xasprintf("%s/%s", d->home, id);
}

static char *staging_path(driver *d, const char *id)
{
	return xasprintf("%s/" DRIVER_STAGING_PREFIX "%s", d->home, id);
}

static int vfs_init(driver *d, cpod_error **err)
{
	(void)d;
	(void)err;
	return 0;
}

struct copy_job {
	int srcfd;
	int outfd;
	int r;
	cpod_error *err;
};

static void *copy_writer(void *p)
{
	struct copy_job *job = p;
	sigset_t set;

	/* a reader that gave up must give this thread EPIPE, not kill the process */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	job->r = tar_diff(job->srcfd, job->outfd, NULL, &job->err);
	close(job->outfd);
	job->outfd = -1;
	return NULL;
}

/* Copies the tree src into the directory dst (both paths). */
static int copy_tree(const char *src, const char *dst, cpod_error **err)
{
	_cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int rfd = -1;
	struct copy_job job = { .srcfd = sfd, .outfd = -1 };
	tar_apply_opts opts = {
		.mode = TAR_APPLY_VFS,
		.allow_devices = true,
		.no_chown = geteuid() != 0,
	};
	pthread_t th;
	struct stat st;
	int fds[2], r;

	if (sfd < 0 || dfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", sfd < 0 ? src : dst);
	if (fstat(sfd, &st) < 0 || pipe2(fds, O_CLOEXEC) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "copying '%s'", src);
	rfd = fds[0];
	job.outfd = fds[1];
	r = pthread_create(&th, NULL, copy_writer, &job);
	if (r != 0) {
		close(fds[1]);
		return cpod_err(err, CPOD_ERR_SYSTEM, r, "copying '%s': starting a thread", src);
	}
	r = tar_apply_fd(dfd, rfd, &opts, NULL, err);
	close(TAKE_FD(rfd)); /* unblocks the writer if the reader stopped early */
	pthread_join(th, NULL);
	if (r == 0 && job.r < 0) {
		r = -1;
		if (err && !*err)
			*err = TAKE_PTR(job.err);
	}
	cpod_error_free(job.err);
	if (r < 0)
		return cpod_err_prefix(err, "copying '%s' to '%s'", src, dst);
	/* the tree's own root is not an entry of the stream */
	if ((geteuid() == 0 && fchown(dfd, st.st_uid, st.st_gid) < 0) ||
	    fchmod(dfd, st.st_mode & 07777) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "setting the owner of '%s'", dst);
	return 0;
}

static int vfs_create(driver *d, const char *staging_id, const char *parent, cpod_error **err)
{
	_cleanup_free_ char *path = staging_path(d, staging_id);
	_cleanup_free_ char *ppath = parent ? layer_path(d, parent) : NULL;

	if (mkdir(path, 0755) < 0)
		return cpod_err(err, errno == EEXIST ? CPOD_ERR_EXISTS : CPOD_ERR_SYSTEM, errno,
				"creating '%s'", path);
	if (ppath && copy_tree(ppath, path, err) < 0) {
		fs_rm_rf_at(AT_FDCWD, path);
		return -1;
	}
	return 0;
}

static int vfs_apply(driver *d, const char *staging_id, struct archive *a,
		     tar_apply_lowers_fn more_lowers, void *more_lowers_data,
		     struct tar_split_rec *split, tar_apply_stats *ret_stats, cpod_error **err)
{
	_cleanup_free_ char *path = staging_path(d, staging_id);

	/* the layer holds a copy of its parent: nothing is looked for below */
	(void)more_lowers;
	(void)more_lowers_data;
	return driver_apply_dir(d, path, NULL, 0, NULL, NULL, split, a, ret_stats, err);
}

static int vfs_commit(driver *d, const char *staging_id, const char *id, cpod_error **err)
{
	_cleanup_free_ char *from = staging_path(d, staging_id);
	_cleanup_free_ char *to = layer_path(d, id);

	return driver_sync_rename(d->home, from, to, !d->no_sync, err);
}

static int vfs_remove(driver *d, const char *id, cpod_error **err)
{
	_cleanup_free_ char *path = layer_path(d, id);
	_cleanup_free_ char *spath = staging_path(d, id);

	if (fs_rm_rf_at(AT_FDCWD, path) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", path);
	if (fs_rm_rf_at(AT_FDCWD, spath) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", spath);
	return 0;
}

/* The directory itself: read_only is not enforced (the caller mounts it read-only if it must). */
static int vfs_mount(driver *d, const char *id, const char *mount_opts, bool read_only,
		     char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *path = layer_path(d, id);
	struct stat st;

	(void)mount_opts;
	(void)read_only;
	if (stat(path, &st) < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"layer '%s'", id);
	*ret_path = TAKE_PTR(path);
	return 0;
}

static int vfs_unmount(driver *d, const char *id, bool force, cpod_error **err)
{
	(void)d;
	(void)id;
	(void)force;
	(void)err;
	return 0;
}

/* ---- diff against the parent's copy ----
 *
 * A vfs layer holds its parent's tree and its own changes mixed, so its changes are found by
 * comparing the two trees, as containers/storage's naive diff does: an entry is changed when
 * its type, mode, owner, size (not for directories), mtime, device number or symlink target
 * differs; an entry of the parent missing from the layer becomes a whiteout.  A changed entry's
 * directories are written before it even when they did not change themselves, so that the
 * stream applies on an overlay layer with the right directory metadata.  Entries are
 * described by libarchive's disk reader (xattrs included, ACLs and file flags not).
 */

struct dpending {
	char *rel;
	struct stat st;
	bool emitted;
};

struct vdiff {
	struct archive *w;
	struct archive *disk;
	struct archive_entry_linkresolver *lr;
	const char *root; /* the layer's absolute path */
	struct dpending *stack;
	size_t depth, alloc;
	char *chunk;
};

static int w_err(struct vdiff *v, const char *rel, cpod_error **err)
{
	return cpod_err(err, CPOD_ERR_SYSTEM, archive_errno(v->w), "writing '%s': %s", rel,
			archive_error_string(v->w) ?: "error");
}

/* Drops the xattrs a layer must not carry (overlay's own, the SELinux label). */
static void filter_xattrs(struct archive_entry *e)
{
	_cleanup_strv_ strv names = STRV_INIT;
	struct archive_entry *keep = archive_entry_new();
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		if (str_eq(name, "security.selinux") || str_has_prefix(name, "trusted.overlay.") ||
		    str_has_prefix(name, "user.overlay."))
			continue;
		archive_entry_xattr_add_entry(keep, name, val, len);
	}
	archive_entry_xattr_clear(e);
	archive_entry_xattr_reset(keep);
	while (archive_entry_xattr_next(keep, &name, &val, &len) == ARCHIVE_OK)
		archive_entry_xattr_add_entry(e, name, val, len);
	archive_entry_free(keep);
}

static int copy_content(struct vdiff *v, int fd, const char *rel, cpod_error **err)
{
	for (;;) {
		ssize_t n = read(fd, v->chunk, 64 * 1024);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", rel);
		if (n == 0)
			return 0;
		if (archive_write_data(v->w, v->chunk, (size_t)n) != n)
			return w_err(v, rel, err);
	}
}

static int emit(struct vdiff *v, int dfd, const char *name, const char *rel, const struct stat *st,
		cpod_error **err)
{
	_cleanup_free_ char *src = xasprintf("%s/%s", v->root, rel);
	_cleanup_close_ int fd = -1;
	struct archive_entry *e = archive_entry_new(), *spare = NULL;
	int r = -1;

	if (S_ISREG(st->st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", src);
			goto out;
		}
	}
	archive_entry_copy_sourcepath(e, src);
	archive_entry_copy_pathname(e, rel);
	if (archive_read_disk_entry_from_file(v->disk, e, fd, st) != ARCHIVE_OK) {
		cpod_err(err, CPOD_ERR_SYSTEM, archive_errno(v->disk), "reading '%s': %s", src,
			 archive_error_string(v->disk) ?: "error");
		goto out;
	}
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	filter_xattrs(e);
	archive_entry_linkify(v->lr, &e, &spare);
	if (archive_write_header(v->w, e) != ARCHIVE_OK) {
		w_err(v, rel, err);
		goto out;
	}
	r = 0;
	if (fd >= 0 && archive_entry_size(e) > 0)
		r = copy_content(v, fd, rel, err);
out:
	archive_entry_free(e);
	archive_entry_free(spare);
	return r;
}

static int flush_parents(struct vdiff *v, cpod_error **err)
{
	for (size_t i = 0; i < v->depth; i++) {
		struct dpending *p = &v->stack[i];

		if (p->emitted)
			continue;
		if (emit(v, AT_FDCWD, NULL, p->rel, &p->st, err) < 0)
			return -1;
		p->emitted = true;
	}
	return 0;
}

static int emit_whiteout(struct vdiff *v, const char *rel, const char *name, cpod_error **err)
{
	_cleanup_free_ char *path = rel[0] ? xasprintf("%s/.wh.%s", rel, name)
					   : xasprintf(".wh.%s", name);
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, 0);
	if (archive_write_header(v->w, e) != ARCHIVE_OK)
		r = w_err(v, path, err);
	archive_entry_free(e);
	return r;
}

static bool changed(int lfd, int pfd, const char *name, const struct stat *a, const struct stat *b)
{
	char la[PATH_MAX], lb[PATH_MAX];
	ssize_t na, nb;

	if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	    a->st_rdev != b->st_rdev || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
	    (!S_ISDIR(a->st_mode) && a->st_size != b->st_size))
		return true;
	if (!S_ISLNK(a->st_mode))
		return false;
	na = readlinkat(lfd, name, la, sizeof(la));
	nb = readlinkat(pfd, name, lb, sizeof(lb));
	return na != nb || na < 0 || memcmp(la, lb, (size_t)na) != 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in the directory dfd (not closed); NULL with errno on failure. */
static char **dir_names(int dfd)
{
	_cleanup_strv_ strv v = STRV_INIT;
	DIR *dir;
	struct dirent *de;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return NULL;
	}
	while ((de = readdir(dir)))
		if (!str_eq(de->d_name, ".") && !str_eq(de->d_name, ".."))
			strv_push(&v, de->d_name);
	closedir(dir);
	qsort(v.v, v.n, sizeof(char *), cmp_names);
	return strv_detach(&v);
}

static int diff_dir(struct vdiff *v, int lfd, int pfd, const char *rel, cpod_error **err);

static int diff_subdir(struct vdiff *v, int lfd, int pfd, const char *name, const char *path,
		       const struct stat *ls, const struct stat *ps, cpod_error **err)
{
	_cleanup_close_ int sl = openat(lfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int sp = -1;
	bool same = ps && S_ISDIR(ps->st_mode) && !changed(lfd, pfd, name, ls, ps);
	int r;

	if (sl < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s/%s'", v->root, path);
	if (ps && S_ISDIR(ps->st_mode))
		sp = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (v->depth == v->alloc) {
		v->alloc = v->alloc ? 2 * v->alloc : 16;
		v->stack = xreallocarray(v->stack, v->alloc, sizeof(*v->stack));
	}
	v->stack[v->depth++] = (struct dpending){ .rel = xstrdup(path), .st = *ls };
	r = same ? 0 : flush_parents(v, err);
	if (r == 0)
		r = diff_dir(v, sl, sp, path, err);
	free(v->stack[--v->depth].rel);
	return r;
}

static int diff_entry(struct vdiff *v, int lfd, int pfd, const char *rel, const char *name,
		      cpod_error **err)
{
	_cleanup_free_ char *path = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
	struct stat ls, ps;
	bool has_p = pfd >= 0 && fstatat(pfd, name, &ps, AT_SYMLINK_NOFOLLOW) == 0;

	if (fstatat(lfd, name, &ls, AT_SYMLINK_NOFOLLOW) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "stat '%s/%s'", v->root, path);
	if (S_ISDIR(ls.st_mode))
		return diff_subdir(v, lfd, pfd, name, path, &ls, has_p ? &ps : NULL, err);
	if (has_p && !changed(lfd, pfd, name, &ls, &ps))
		return 0;
	if (flush_parents(v, err) < 0)
		return -1;
	return emit(v, lfd, name, path, &ls, err);
}

static int diff_dir(struct vdiff *v, int lfd, int pfd, const char *rel, cpod_error **err)
{
	_cleanup_(strv_freep) char **lnames = dir_names(lfd);
	_cleanup_(strv_freep) char **pnames = pfd >= 0 ? dir_names(pfd) : NULL;
	struct stat st;

	if (!lnames || (pfd >= 0 && !pnames))
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s/%s'", v->root, rel);
	for (char **n = lnames; *n; n++)
		if (diff_entry(v, lfd, pfd, rel, *n, err) < 0)
			return -1;
	for (char **n = pnames; n && *n; n++) {
		if (fstatat(lfd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (flush_parents(v, err) < 0 || emit_whiteout(v, rel, *n, err) < 0)
			return -1;
	}
	return 0;
}

static int naive_diff(const char *layer, const char *parent, int fd, cpod_error **err)
{
	_cleanup_close_ int lfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct vdiff v = { .root = layer };
	int r = -1;

	if (lfd < 0 || pfd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"opening '%s'", lfd < 0 ? layer : parent);
	v.w = archive_write_new();
	v.disk = archive_read_disk_new();
	v.lr = archive_entry_linkresolver_new();
	v.chunk = xmalloc(64 * 1024);
	if (!v.w || !v.disk || !v.lr)
		abort();
	archive_read_disk_set_behavior(v.disk,
				       ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax(v.w);
	archive_write_set_options(v.w, "xattrheader=SCHILY");
	archive_write_add_filter_none(v.w);
	archive_write_set_bytes_in_last_block(v.w, 1);
	archive_entry_linkresolver_set_strategy(v.lr, archive_format(v.w));
	if (archive_write_open_fd(v.w, fd) != ARCHIVE_OK)
		w_err(&v, layer, err);
	else if (diff_dir(&v, lfd, pfd, "", err) == 0)
		r = archive_write_close(v.w) == ARCHIVE_OK ? 0 : w_err(&v, layer, err);
	archive_write_free(v.w);
	archive_read_free(v.disk);
	archive_entry_linkresolver_free(v.lr);
	free(v.stack);
	free(v.chunk);
	return r;
}

static int vfs_diff(driver *d, const char *id, const char *parent, int fd, cpod_error **err)
{
	_cleanup_free_ char *path = layer_path(d, id);
	_cleanup_free_ char *ppath = parent ? layer_path(d, parent) : NULL;
	_cleanup_close_ int dfd = -1;

	if (ppath)
		return naive_diff(path, ppath, fd, err);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"opening '%s'", path);
	return tar_diff(dfd, fd, NULL, err);
}

static int vfs_size(driver *d, const char *id, int64_t *ret, cpod_error **err)
{
	_cleanup_free_ char *path = layer_path(d, id);

	return driver_tree_size(path, ret, err);
}

static int vfs_exists(driver *d, const char *id)
{
	_cleanup_free_ char *path = layer_path(d, id);
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int vfs_cleanup(driver *d, const char *const *keep, cpod_error **err)
{
	_cleanup_closedir_ DIR *dir = opendir(d->home);
	struct dirent *de;

	if (!dir)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", d->home);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (!str_has_prefix(de->d_name, DRIVER_STAGING_PREFIX) &&
		    (!keep || strv_contains(keep, de->d_name)))
			continue;
		if (fs_rm_rf_at(dirfd(dir), de->d_name) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s/%s'", d->home,
					de->d_name);
	}
	return 0;
}

const driver_ops vfs_driver_ops = {
	.name = "vfs",
	.whiteout_mode = TAR_APPLY_VFS,
	.init = vfs_init,
	.create = vfs_create,
	.apply = vfs_apply,
	.commit = vfs_commit,
	.remove = vfs_remove,
	.mount = vfs_mount,
	.unmount = vfs_unmount,
	.diff = vfs_diff,
	.files_dir = layer_path,
	.size = vfs_size,
	.exists = vfs_exists,
	.cleanup = vfs_cleanup,
};
