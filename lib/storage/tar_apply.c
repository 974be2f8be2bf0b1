#include "storage/tar_apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "storage/tar_split.h"
#include "common/banned.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* ---- a set of paths (the entries this stream wrote) ---- */

struct pathset {
	char **slots;
	size_t used, alloc; /* alloc: a power of two, or 0 */
};

static size_t path_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static char **pathset_slot(const struct pathset *set, const char *path)
{
	size_t i = path_hash(path) & (set->alloc - 1);

	while (set->slots[i] && strcmp(set->slots[i], path) != 0)
		i = (i + 1) & (set->alloc - 1);
	return &set->slots[i];
}

static bool pathset_has(const struct pathset *set, const char *path)
{
	return set->alloc && *pathset_slot(set, path);
}

static void pathset_add(struct pathset *set, const char *path)
{
	char **slot;

	if ((set->used + 1) * 2 > set->alloc) {
		struct pathset bigger = { .alloc = set->alloc ? set->alloc * 2 : 64 };

		bigger.slots = xcalloc(bigger.alloc, sizeof(char *));
		for (size_t i = 0; i < set->alloc; i++)
			if (set->slots[i])
				*pathset_slot(&bigger, set->slots[i]) = set->slots[i];
		bigger.used = set->used;
		free(set->slots);
		*set = bigger;
	}
	slot = pathset_slot(set, path);
	if (!*slot) {
		*slot = xstrdup(path);
		set->used++;
	}
}

static void pathset_release(struct pathset *set)
{
	for (size_t i = 0; i < set->alloc; i++)
		free(set->slots[i]);
	free(set->slots);
	*set = (struct pathset){ 0 };
}

/* ---- the extraction state ---- */

struct dirfix {
	char *path; /* "" for the layer directory itself */
	struct timespec ts[2];
};

struct applier {
	int rootfd;
	tar_apply_opts opts;
	struct archive *a;
	struct pathset written;
	struct dirfix *dirs;
	size_t ndirs, adirs;
	tar_apply_stats stats;
	bool is_root;
	bool warned_xattr;
	bool lowers_loaded; /* opts.more_lowers was asked */
	int *all_lowers;    /* then: opts.lower_fds and what it gave */
	/* opts.split: the files the record reads back from the layer and their directories */
	struct pathset split_files, split_dirs;
};

/* Whether a target missing here may be found in a lower layer. */
static bool has_lowers(const struct applier *ap)
{
	return ap->opts.n_lower > 0 || ap->opts.more_lowers;
}

/* Asks opts.more_lowers once, appending what it gives to opts.lower_fds. */
static int load_lowers(struct applier *ap, cpod_error **err)
{
	const int *more = NULL;
	size_t n = 0;

	if (!ap->opts.more_lowers || ap->lowers_loaded)
		return 0;
	if (ap->opts.more_lowers(ap->opts.more_lowers_data, &more, &n, err) < 0)
		return -1;
	ap->lowers_loaded = true;
	ap->all_lowers = xcalloc(ap->opts.n_lower + n + 1, sizeof(int));
	for (size_t i = 0; i < ap->opts.n_lower; i++)
		ap->all_lowers[i] = ap->opts.lower_fds[i];
	for (size_t i = 0; i < n; i++)
		ap->all_lowers[ap->opts.n_lower + i] = more[i];
	ap->opts.lower_fds = ap->all_lowers;
	ap->opts.n_lower += n;
	return 0;
}

/* Sets *err to "tar entry 'NAME': MESSAGE"; long names are cut short.  Returns -1. */
static int entry_err(cpod_error **err, cpod_errkind kind, int errnum, const char *name,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int entry_err(cpod_error **err, cpod_errkind kind, int errnum, const char *name,
		     const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	int len = name ? (int)strlen(name) : 0;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	return cpod_err(err, kind, errnum, "tar entry '%.*s%s': %s", len > 200 ? 200 : len,
			name ? name : "", len > 200 ? "..." : "", msg);
}

/* Normalises an entry name (or hard link target): leading and repeated slashes and "."
 * components go, ".." components and overlong names are refused.  Returns a new string, ""
 * for the layer directory itself, or NULL with *err set. */
static char *clean_name(const char *raw, const char *what, cpod_error **err)
{
	_cleanup_buf_ buf out = BUF_INIT;
	const char *p = raw, *start;
	size_t n;

	if (!raw) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "tar entry without a %s", what);
		return NULL;
	}
	if (strlen(raw) >= PATH_MAX) {
		entry_err(err, CPOD_ERR_INVALID, ENAMETOOLONG, raw, "%s longer than %d bytes", what,
			  PATH_MAX - 1);
		return NULL;
	}
	while (*p) {
		for (; *p == '/'; p++)
			;
		for (start = p; *p && *p != '/'; p++)
			;
		n = (size_t)(p - start);
		if (n == 0 || (n == 1 && *start == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			entry_err(err, CPOD_ERR_INVALID, 0, raw, "%s has a '..' component", what);
			return NULL;
		}
		if (n > NAME_MAX) {
			entry_err(err, CPOD_ERR_INVALID, ENAMETOOLONG, raw,
				  "%s has a component longer than %d bytes", what, NAME_MAX);
			return NULL;
		}
		if (out.len)
			buf_addch(&out, '/');
		buf_add(&out, start, n);
	}
	return buf_detach(&out, NULL);
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Makes room for base in parent: removes what is there unless it is a directory and
 * keep_dir is true.  Returns 1 when a directory was kept, 0 when the name is free now, -1. */
static int make_room(int parent, const char *base, bool keep_dir, const char *name,
		     cpod_error **err)
{
	struct stat st;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name,
				 "inspecting the existing entry");
	}
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		if (fs_rm_rf_at(parent, base) < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name,
					 "removing the existing directory");
		return 0;
	}
	if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "removing the existing entry");
	return 0;
}

/* ---- metadata ---- */

static int set_owner(struct applier *ap, int parent, const char *base, int fd,
		     struct archive_entry *e, const char *name, cpod_error **err)
{
	int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	int r;

	if (ap->opts.no_chown)
		return 0;
	uid += ap->opts.uid_shift;
	gid += ap->opts.gid_shift;
	if (uid < 0 || gid < 0 || uid >= UINT32_MAX || gid >= UINT32_MAX)
		return entry_err(err, CPOD_ERR_INVALID, 0, name, "owner %lld:%lld out of range",
				 (long long)uid, (long long)gid);
	if (fd >= 0)
		r = fchown(fd, (uid_t)uid, (gid_t)gid);
	else
		r = fchownat(parent, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "changing the owner");
	return 0;
}

static bool xattr_skipped(const struct applier *ap, const char *key)
{
	if (str_has_prefix(key, "trusted.overlay.") || str_has_prefix(key, "user.overlay."))
		return true;
	if (ap->is_root)
		return false;
	return str_has_prefix(key, "security.") || str_has_prefix(key, "trusted.");
}

static int set_one_xattr(struct applier *ap, int parent, const char *base, int fd, const char *key,
			 const void *value, size_t size)
{
	char path[64 + NAME_MAX];

	if (fd >= 0)
		return fsetxattr(fd, key, value, size, 0);
	/* Devices, FIFOs and symlinks are not opened: set through the parent, never following
	 * the name itself. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", parent, base);
	return lsetxattr(path, key, value, size, 0);
}

static int set_xattrs(struct applier *ap, int parent, const char *base, int fd,
		      struct archive_entry *e, const char *name, cpod_error **err)
{
	const char *key;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
		if (!key || !*key || xattr_skipped(ap, key))
			continue;
		if (set_one_xattr(ap, parent, base, fd, key, value, size) == 0)
			continue;
		/* No xattrs here, or none of the user namespace on this file type. */
		if (errno == EOPNOTSUPP ||
		    (errno == EPERM && fd < 0 && str_has_prefix(key, "user."))) {
			if (!ap->warned_xattr)
				log_warn("tar entry '%s': xattr '%s' not supported here, skipped",
					 name, key);
			ap->warned_xattr = true;
			continue;
		}
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "setting xattr '%s'", key);
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : 0;
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec >= 1000000000L)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec >= 1000000000L)
		ts[1].tv_nsec = 0;
}

static void remember_dir(struct applier *ap, const char *path, struct archive_entry *e)
{
	if (ap->ndirs == ap->adirs) {
		ap->adirs = ap->adirs ? ap->adirs * 2 : 32;
		ap->dirs = xreallocarray(ap->dirs, ap->adirs, sizeof(*ap->dirs));
	}
	ap->dirs[ap->ndirs].path = xstrdup(path);
	entry_times(e, ap->dirs[ap->ndirs].ts);
	ap->ndirs++;
}

/* Owner, xattrs, mode, mtime, in that order (see the header).  fd is an open descriptor of
 * the entry when it has one (files, directories), else -1 and parent/base name it. */
static int set_meta(struct applier *ap, int parent, const char *base, int fd,
		    struct archive_entry *e, const char *name, cpod_error **err)
{
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	int r;

	if (set_owner(ap, parent, base, fd, e, name, err) < 0 ||
	    set_xattrs(ap, parent, base, fd, e, name, err) < 0)
		return -1;
	if (type != AE_IFLNK) {
		r = fd >= 0 ? fchmod(fd, perm) : fchmodat(parent, base, perm, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "changing the mode");
	}
	if (type == AE_IFDIR) {
		remember_dir(ap, name, e);
		return 0;
	}
	entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) : utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "setting the times");
	return 0;
}

/* ---- entry types ---- */

static int pwrite_all(int fd, const char *p, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Copies the entry's data (sparse holes kept) into fd.  *ret_whole: the data came in one run
 * from offset 0 to the entry's size, so the file holds exactly the bytes the stream had. */
static int copy_data(struct applier *ap, int fd, struct archive_entry *e, const char *name,
		     bool *ret_whole, cpod_error **err)
{
	const void *block;
	size_t size;
	la_int64_t off, next = 0;
	bool whole = true;
	int r;

	for (;;) {
		r = archive_read_data_block(ap->a, &block, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN || off < 0)
			return entry_err(err, CPOD_ERR_INVALID, 0, name, "reading its data: %s",
					 archive_error_string(ap->a) ?: "corrupt archive");
		if (pwrite_all(fd, block, size, (off_t)off) < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "writing");
		ap->stats.bytes += size;
		whole = whole && off == next;
		next = off + (la_int64_t)size;
	}
	*ret_whole = whole && archive_entry_size_is_set(e) && next == archive_entry_size(e);
	if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
	    ftruncate(fd, (off_t)archive_entry_size(e)) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "setting the size");
	/* The layer is synced before it is committed: start writing this file out now, while
	 * the rest of the stream is extracted, so that the sync has less left to wait for. */
	if (ap->opts.start_writeback)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* ---- the tar-split record (opts.split) ---- */

/* Remembers that the record reads name back from the layer. */
static void split_add_file(struct applier *ap, const char *name)
{
	_cleanup_free_ char *dir = xstrdup(name);

	pathset_add(&ap->split_files, name);
	for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
		*slash = '\0';
		if (pathset_has(&ap->split_dirs, dir))
			break; /* and so are the directories above it */
		pathset_add(&ap->split_dirs, dir);
	}
}

/* The entry's data is about to be written to the regular file name: told before it is read,
 * so that the recorder does not hold it. */
static void split_file(struct applier *ap, struct archive_entry *e, const char *name)
{
	if (archive_entry_sparse_count(e) > 0 || !archive_entry_size_is_set(e)) {
		tar_split_spoil(ap->opts.split, "tar entry '%s' is a sparse file", name);
		return;
	}
	/* empty files too: their replay checks that they still are */
	tar_split_file(ap->opts.split, name, archive_entry_size(e));
	split_add_file(ap, name);
}

/* A file the record reads back must stay as this stream wrote it: an entry that replaces or
 * removes it, or a directory holding it, spoils the record. */
static void split_check_entry(struct applier *ap, struct archive_entry *e, const char *name,
			      const char *last)
{
	_cleanup_free_ char *victim = NULL;
	const char *path = name;
	bool tree = true; /* what is below path goes too */

	if (str_eq(last, WHITEOUT_OPAQUE)) {
		/* vfs removes what the stream has not written (and directories it only made) */
		if (ap->opts.mode != TAR_APPLY_VFS)
			return;
		victim = xstrndup(name, last > name ? (size_t)(last - name) - 1 : 0);
		path = victim;
	} else if (str_has_prefix(last, WHITEOUT_META_PREFIX)) {
		return;
	} else if (str_has_prefix(last, WHITEOUT_PREFIX)) {
		victim = xasprintf("%.*s%s", (int)(last - name), name,
				   last + strlen(WHITEOUT_PREFIX));
		path = victim;
	} else if (archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e)) {
		tree = false; /* merged with a directory already there */
	}
	if (pathset_has(&ap->split_files, path) ||
	    (tree && (*path ? pathset_has(&ap->split_dirs, path) : ap->split_files.used > 0)))
		tar_split_spoil(ap->opts.split,
				"tar entry '%s' replaces or removes a file written before", name);
}

static int apply_file(struct applier *ap, int parent, const char *base, struct archive_entry *e,
		      const char *name, cpod_error **err)
{
	_cleanup_close_ int fd = -1;
	bool whole = false;

	if (make_room(parent, base, false, name, err) < 0)
		return -1;
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	if (fd < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "creating");
	if (ap->opts.split)
		split_file(ap, e, name);
	if (copy_data(ap, fd, e, name, &whole, err) < 0) {
		unlinkat(parent, base, 0); /* no half-written file stays behind */
		return -1;
	}
	if (ap->opts.split && !whole)
		tar_split_spoil(ap->opts.split,
				"tar entry '%s': its data is not one run (a sparse file)", name);
	return set_meta(ap, parent, base, fd, e, name, err);
}

static int apply_dir(struct applier *ap, int parent, const char *base, struct archive_entry *e,
		     const char *name, cpod_error **err)
{
	_cleanup_close_ int fd = -1;
	int r = make_room(parent, base, true, name, err);

	if (r < 0)
		return -1;
	if (r == 0 && mkdirat(parent, base, 0700) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "creating the directory");
	fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "opening the directory");
	return set_meta(ap, parent, base, fd, e, name, err);
}

static int apply_symlink(struct applier *ap, int parent, const char *base, struct archive_entry *e,
			 const char *name, cpod_error **err)
{
	const char *target = archive_entry_symlink(e);

	if (!target || !*target)
		return entry_err(err, CPOD_ERR_INVALID, 0, name, "symlink without a target");
	if (strlen(target) >= PATH_MAX)
		return entry_err(err, CPOD_ERR_INVALID, ENAMETOOLONG, name,
				 "symlink target longer than %d bytes", PATH_MAX - 1);
	if (make_room(parent, base, false, name, err) < 0)
		return -1;
	if (symlinkat(target, parent, base) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "creating the symlink");
	return set_meta(ap, parent, base, -1, e, name, err);
}

static int apply_node(struct applier *ap, int parent, const char *base, struct archive_entry *e,
		      const char *name, cpod_error **err)
{
	mode_t type = archive_entry_filetype(e);
	dev_t rdev = 0;

	if (type == AE_IFCHR || type == AE_IFBLK)
		rdev = archive_entry_rdev(e); /* allowed: see precheck() */
	if (make_room(parent, base, false, name, err) < 0)
		return -1;
	if (mknodat(parent, base, type | 0600, rdev) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "creating the node");
	return set_meta(ap, parent, base, -1, e, name, err);
}

/* Copies the extended attributes of from to to (both open for reading), except overlay's own. */
static void copy_xattrs(struct applier *ap, int from, int to)
{
	char names[65536], value[65536];
	ssize_t len = flistxattr(from, names, sizeof(names));

	for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *n = names + off;
		ssize_t vl;

		if (str_has_prefix(n, "trusted.overlay.") || str_has_prefix(n, "user.overlay.") ||
		    (!ap->is_root && (str_has_prefix(n, "trusted.") || str_has_prefix(n, "security"
											 "."))))
			continue;
		vl = fgetxattr(from, n, value, sizeof(value));
		if (vl >= 0)
			fsetxattr(to, n, value, (size_t)vl, 0);
	}
}

/* Gives to the owner, mode, xattrs and times of from (stat st). */
static int copy_meta(struct applier *ap, int from, int to, const struct stat *st)
{
	const struct timespec times[2] = { st->st_atim, st->st_mtim };

	if (!ap->opts.no_chown && fchown(to, st->st_uid, st->st_gid) < 0 && ap->is_root)
		return -1;
	copy_xattrs(ap, from, to);
	if (fchmod(to, st->st_mode & 07777) < 0 || futimens(to, times) < 0)
		return -1;
	return 0;
}

/* Makes every missing parent directory of target in this layer as the nearest lower layer has
 * it, so that a copied-up file does not hide its directories' owners and modes. */
static int copy_up_parents(struct applier *ap, const char *target, const char *name,
			   cpod_error **err)
{
	_cleanup_free_ char *dir = xstrdup(target);

	for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
		_cleanup_close_ int here = -1;

		*slash = '\0';
		here = fs_open_in_root(ap->rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, NULL);
		if (here < 0) {
			for (size_t i = 0; i < ap->opts.n_lower; i++) {
				_cleanup_close_ int from = fs_open_in_root(
					ap->opts.lower_fds[i], dir,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, NULL);
				_cleanup_close_ int made = -1;
				struct stat st;

				if (from < 0 || fstat(from, &st) < 0)
					continue;
				if (fs_mkdir_p_in_root(ap->rootfd, dir, 0700, NULL, err) < 0)
					return cpod_err_prefix(err, "tar entry '%s'", name);
				made = fs_open_in_root(ap->rootfd, dir,
						       O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
				if (made < 0 || copy_meta(ap, from, made, &st) < 0)
					return entry_err(err, CPOD_ERR_SYSTEM, errno, name,
							 "copying up directory '%s'", dir);
				break;
			}
		}
		*slash = '/';
	}
	return 0;
}

/* Copies the regular file in (a lower layer's lparent/base, stat st) to target in this layer. */
static int copy_file_up(struct applier *ap, int lparent, const char *base, const struct stat *st,
			const char *target, const char *name, cpod_error **err)
{
	_cleanup_close_ int in = openat(lparent, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *obase = NULL;
	_cleanup_close_ int oparent = -1, out = -1;
	char chunk[65536];
	ssize_t n;

	if (in < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "opening '%s' below", target);
	if (copy_up_parents(ap, target, name, err) < 0)
		return -1;
	oparent = fs_open_parent_in_root(ap->rootfd, target, true, &obase, err);
	if (oparent < 0)
		return cpod_err_prefix(err, "tar entry '%s'", name);
	out = openat(oparent, obase, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "copying up '%s'", target);
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "copying up '%s'",
					 target);
	if (n < 0 || copy_meta(ap, in, out, st) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "copying up '%s'", target);
	return 0;
}

/* Finds target in the lower layers, nearest first, and copies it up into this layer. */
static int copy_up(struct applier *ap, const char *target, const char *name, cpod_error **err)
{
	for (size_t i = 0; i < ap->opts.n_lower; i++) {
		_cleanup_free_ char *base = NULL;
		_cleanup_close_ int lparent =
			fs_open_parent_in_root(ap->opts.lower_fds[i], target, false, &base, NULL);
		struct stat st;

		if (lparent < 0 || fstatat(lparent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			break; /* a whiteout: deleted in this lower layer */
		if (!S_ISREG(st.st_mode))
			return entry_err(err, CPOD_ERR_INVALID, 0, name,
					 "hard link target '%s' below is not a regular file",
					 target);
		return copy_file_up(ap, lparent, base, &st, target, name, err);
	}
	return entry_err(err, CPOD_ERR_INVALID, 0, name,
			 "hard link target '%s' does not exist in this layer or below", target);
}

/* A hard link must point at a non-directory that this stream wrote (vfs: or that the layer
 * copy holds); its target is resolved inside the layer like any name. */
static int apply_hardlink(struct applier *ap, int parent, const char *base, struct archive_entry *e,
			  const char *name, cpod_error **err)
{
	_cleanup_free_ char *target =
		clean_name(archive_entry_hardlink(e), "hard link target", err);
	_cleanup_free_ char *obase = NULL;
	_cleanup_close_ int oparent = -1;
	struct stat st;

	if (!target)
		return cpod_err_prefix(err, "tar entry '%s'", name);
	if (str_eq(target, name))
		return 0;
	oparent = fs_open_parent_in_root(ap->rootfd, target, false, &obase, NULL);
	if ((oparent < 0 || fstatat(oparent, obase, &st, AT_SYMLINK_NOFOLLOW) < 0) &&
	    ap->opts.mode == TAR_APPLY_OVERLAY && has_lowers(ap) &&
	    !pathset_has(&ap->written, target)) {
		if (oparent >= 0)
			close(TAKE_FD(oparent));
		free(TAKE_PTR(obase));
		if (load_lowers(ap, err) < 0)
			return cpod_err_prefix(err, "tar entry '%s'", name);
		if (copy_up(ap, target, name, err) < 0)
			return -1;
		oparent = fs_open_parent_in_root(ap->rootfd, target, false, &obase, NULL);
	}
	if (oparent < 0 || fstatat(oparent, obase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_err(err, CPOD_ERR_INVALID, errno, name,
				 "hard link target '%s' does not exist in this layer", target);
	if (S_ISDIR(st.st_mode))
		return entry_err(err, CPOD_ERR_INVALID, 0, name,
				 "hard link target '%s' is a directory", target);
	if (make_room(parent, base, false, name, err) < 0)
		return -1;
	if (linkat(oparent, obase, parent, base, 0) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "linking to '%s'", target);
	return 0;
}

/* ---- whiteouts ---- */

/* vfs: empties dir of everything this stream has not written. */
static int make_opaque_vfs(struct applier *ap, int dfd, const char *dir, const char *name,
			   cpod_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "reading the directory");
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (str_eq(de->d_name, ".") || str_eq(de->d_name, ".."))
			continue;
		child = *dir ? xasprintf("%s/%s", dir, de->d_name) : xstrdup(de->d_name);
		if (pathset_has(&ap->written, child))
			continue;
		if (fs_rm_rf_at(dfd, de->d_name) < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "removing '%s'", child);
	}
	return 0;
}

static int apply_opaque(struct applier *ap, const char *name, cpod_error **err)
{
	_cleanup_free_ char *dir = xstrndup(name, (size_t)(last_component(name) - name));
	_cleanup_close_ int dfd = -1;
	const char *key = ap->opts.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
	size_t n = strlen(dir);

	if (n)
		dir[n - 1] = '\0'; /* the slash */
	if (fs_mkdir_p_in_root(ap->rootfd, *dir ? dir : ".", 0755, NULL, err) < 0)
		return cpod_err_prefix(err, "tar entry '%s'", name);
	dfd = fs_open_in_root(ap->rootfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY, 0, err);
	if (dfd < 0)
		return cpod_err_prefix(err, "tar entry '%s'", name);
	if (ap->opts.mode == TAR_APPLY_VFS)
		return make_opaque_vfs(ap, dfd, dir, name, err);
	if (fsetxattr(dfd, key, "y", 1, 0) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "setting xattr '%s'", key);
	return 0;
}

/* ".wh.NAME": removes NAME (vfs) or replaces it with a 0/0 character device (overlay).  last
 * points at the last component of name, ".wh.NAME". */
static int apply_whiteout(struct applier *ap, int parent, const char *last, struct archive_entry *e,
			  const char *name, cpod_error **err)
{
	const char *victim = last + strlen(WHITEOUT_PREFIX); /* checked by precheck() */
	_cleanup_free_ char *vpath = NULL;
	struct timespec ts[2];

	vpath = xasprintf("%.*s%s", (int)(last - name), name, victim);
	if (ap->opts.mode == TAR_APPLY_VFS) {
		if (fs_rm_rf_at(parent, victim) < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "removing '%s'", vpath);
		return 0;
	}
	if (make_room(parent, victim, false, name, err) < 0)
		return -1;
	if (mknodat(parent, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "creating the whiteout");
	pathset_add(&ap->written, vpath);
	if (set_owner(ap, parent, victim, -1, e, name, err) < 0)
		return -1;
	entry_times(e, ts);
	if (utimensat(parent, victim, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, name, "setting the times");
	return 0;
}

/* ---- entries ---- */

/* Refusals that need no look at the layer, made before anything is created for the entry. */
static int precheck(struct applier *ap, struct archive_entry *e, const char *name, const char *last,
		    cpod_error **err)
{
	mode_t type = archive_entry_filetype(e);
	_cleanup_free_ char *target = NULL;
	const char *victim = last + strlen(WHITEOUT_PREFIX);

	if (str_has_prefix(last, WHITEOUT_PREFIX)) {
		if (!*victim || str_eq(victim, ".") || str_eq(victim, ".."))
			return entry_err(err, CPOD_ERR_INVALID, 0, name, "whiteout of '%s'",
					 victim);
		return 0;
	}
	if (archive_entry_hardlink(e)) {
		target = clean_name(archive_entry_hardlink(e), "hard link target", err);
		if (!target)
			return cpod_err_prefix(err, "tar entry '%s'", name);
		/* In overlay mode the layer holds only what this stream wrote: a link to a lower
		 * layer cannot be made. */
		if (*target && (ap->opts.mode == TAR_APPLY_VFS || has_lowers(ap) ||
				pathset_has(&ap->written, target)))
			return 0;
		return entry_err(err, CPOD_ERR_INVALID, 0, name,
				 "hard link target '%s' is not an earlier entry of this layer",
				 target);
	}
	if ((type == AE_IFCHR || type == AE_IFBLK) && !ap->opts.allow_devices)
		return entry_err(err, CPOD_ERR_INVALID, 0, name, "device nodes are not allowed");
	return 0;
}

/* The entry "./": the layer directory's own metadata. */
static int apply_root(struct applier *ap, struct archive_entry *e, cpod_error **err)
{
	_cleanup_close_ int fd = -1;

	if (archive_entry_filetype(e) != AE_IFDIR || archive_entry_hardlink(e))
		return entry_err(err, CPOD_ERR_INVALID, 0, archive_entry_pathname(e),
				 "only a directory can replace the layer directory");
	fd = openat(ap->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return entry_err(err, CPOD_ERR_SYSTEM, errno, ".", "opening the layer directory");
	return set_meta(ap, ap->rootfd, ".", fd, e, "", err);
}

static int apply_typed(struct applier *ap, int parent, const char *base, struct archive_entry *e,
		       const char *name, cpod_error **err)
{
	if (archive_entry_hardlink(e))
		return apply_hardlink(ap, parent, base, e, name, err);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return apply_file(ap, parent, base, e, name, err);
	case AE_IFDIR:
		return apply_dir(ap, parent, base, e, name, err);
	case AE_IFLNK:
		return apply_symlink(ap, parent, base, e, name, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return apply_node(ap, parent, base, e, name, err);
	default:
		return entry_err(err, CPOD_ERR_INVALID, 0, name, "unsupported type 0%o",
				 (unsigned)archive_entry_filetype(e));
	}
}

static int apply_entry(struct applier *ap, struct archive_entry *e, cpod_error **err)
{
	_cleanup_free_ char *name = clean_name(archive_entry_pathname(e), "name", err);
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int parent = -1;
	const char *last;

	if (!name)
		return -1;
	if (!*name)
		return apply_root(ap, e, err);
	last = last_component(name);
	if (ap->opts.split)
		split_check_entry(ap, e, name, last);
	if (str_eq(last, WHITEOUT_OPAQUE))
		return apply_opaque(ap, name, err);
	if (str_has_prefix(last, WHITEOUT_META_PREFIX)) {
		log_debug("tar entry '%s': aufs metadata skipped", name);
		return 0;
	}
	if (precheck(ap, e, name, last, err) < 0)
		return -1;
	parent = fs_open_parent_in_root(ap->rootfd, name, true, &base, err);
	if (parent < 0)
		return cpod_err_prefix(err, "tar entry '%s'", name);
	if (str_has_prefix(last, WHITEOUT_PREFIX))
		return apply_whiteout(ap, parent, last, e, name, err);
	if (apply_typed(ap, parent, base, e, name, err) < 0)
		return -1;
	pathset_add(&ap->written, name);
	return 0;
}

/* Directories were modified by what was extracted into them: their times go last, in stream
 * order so that a directory named twice keeps the later times (setting a directory's times
 * does not touch its parent's).  A directory replaced or removed since is skipped. */
static int fix_dir_times(struct applier *ap, cpod_error **err)
{
	for (size_t i = 0; i < ap->ndirs; i++) {
		const struct dirfix *fix = &ap->dirs[i];
		_cleanup_free_ char *base = NULL;
		_cleanup_close_ int parent = -1;
		struct stat st;

		if (!*fix->path) {
			if (utimensat(ap->rootfd, ".", fix->ts, 0) < 0)
				return entry_err(err, CPOD_ERR_SYSTEM, errno, ".",
						 "setting the times");
			continue;
		}
		parent = fs_open_parent_in_root(ap->rootfd, fix->path, false, &base, NULL);
		if (parent < 0 || fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (utimensat(parent, base, fix->ts, AT_SYMLINK_NOFOLLOW) < 0)
			return entry_err(err, CPOD_ERR_SYSTEM, errno, fix->path,
					 "setting the times");
	}
	return 0;
}

static void applier_release(struct applier *ap)
{
	pathset_release(&ap->written);
	pathset_release(&ap->split_files);
	pathset_release(&ap->split_dirs);
	for (size_t i = 0; i < ap->ndirs; i++)
		free(ap->dirs[i].path);
	free(ap->dirs);
	free(ap->all_lowers);
}

static int apply_all(struct applier *ap, cpod_error **err)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		r = archive_read_next_header(ap->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN)
			log_warn("reading the layer stream: %s",
				 archive_error_string(ap->a) ?: "warning");
		else if (r != ARCHIVE_OK)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"reading the layer stream after %llu entries: %s",
					(unsigned long long)ap->stats.entries,
					archive_error_string(ap->a) ?: "corrupt archive");
		/* the header was consumed, the data not yet: this is where the data begins */
		if (ap->opts.split)
			tar_split_entry(ap->opts.split, archive_filter_bytes(ap->a, 0));
		if (apply_entry(ap, e, err) < 0)
			return -1;
		ap->stats.entries++;
	}
	return fix_dir_times(ap, err);
}

int tar_apply(int layer_dirfd, struct archive *a, const tar_apply_opts *opts,
	      tar_apply_stats *ret_stats, cpod_error **err)
{
	struct applier ap = {
		.rootfd = layer_dirfd,
		.a = a,
		.is_root = geteuid() == 0,
	};
	int r;

	if (opts)
		ap.opts = *opts;
	r = apply_all(&ap, err);
	if (r == 0 && ret_stats)
		*ret_stats = ap.stats;
	applier_release(&ap);
	return r;
}

struct archive *tar_apply_reader_new(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		abort();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_empty(a);
	archive_read_support_filter_none(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	return a;
}

int tar_apply_fd(int layer_dirfd, int fd, const tar_apply_opts *opts, tar_apply_stats *ret_stats,
		 cpod_error **err)
{
	struct archive *a = tar_apply_reader_new();
	int r;

	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
		r = cpod_err(err, CPOD_ERR_INVALID, 0, "reading the layer stream: %s",
			     archive_error_string(a) ?: "cannot open");
	else
		r = tar_apply(layer_dirfd, a, opts, ret_stats, err);
	archive_read_free(a);
	return r;
}
