/* The driver registry, detection, and the helpers the drivers share. */
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"

#include "common/banned.h"

static const driver_ops *const registry[] = {
	&overlay_driver_ops,
	&vfs_driver_ops,
};

const driver_ops *driver_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(registry); i++)
		if (str_eq(registry[i]->name, name))
			return registry[i];
	/* containers-storage's storage.conf spells it "overlay2" at times */
	if (str_eq(name, "overlay2"))
		return &overlay_driver_ops;
	return NULL;
}

/* The driver a store without a configured one uses: the one it already has a home for (the
 * choice is made once, when the store is new), else overlay when a test mount works here. */
static const driver_ops *detect(const char *graphroot)
{
	static const driver_ops *const known[] = { &overlay_driver_ops, &vfs_driver_ops };

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		_cleanup_free_ char *home = xasprintf("%s/%s", graphroot, known[i]->name);
		if (access(home, F_OK) == 0)
			return known[i];
	}
	return overlay_supported(graphroot) ? &overlay_driver_ops : &vfs_driver_ops;
}

int driver_open(const char *name, const char *graphroot, const char *runroot,
		const char *const *options, driver **ret, cpod_error **err)
{
	const driver_ops *ops;
	_cleanup_(driver_closep) driver *d = NULL;

	if (name && *name) {
		ops = driver_lookup(name);
		if (!ops)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown storage driver '%s'",
					name);
	} else {
		ops = detect(graphroot);
	}
	d = xcalloc(1, sizeof(*d));
	d->ops = ops;
	d->graphroot = xstrdup(graphroot);
	d->runroot = xstrdup(runroot);
	d->home = xasprintf("%s/%s", graphroot, ops->name);
	d->options = strv_copy(options);
	if (fs_mkdir_p(d->home, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", d->home);
	if (ops->init(d, err) < 0)
		return cpod_err_prefix(err, "storage driver '%s'", ops->name);
	*ret = TAKE_PTR(d);
	return 0;
}

void driver_close(driver *d)
{
	int saved = errno;

	if (!d)
		return;
	if (d->ops && d->ops->release)
		d->ops->release(d);
	free(d->graphroot);
	free(d->runroot);
	free(d->home);
	strv_free(d->options);
	free(d);
	errno = saved;
}

/* storage.conf's ignore_chown_errors, plain or prefixed with the driver's name */
static bool ignore_chown(driver *d)
{
	for (char **o = d->options; *o; o++) {
		const char *v = *o;

		if (str_has_prefix(v, d->ops->name) && v[strlen(d->ops->name)] == '.')
			v += strlen(d->ops->name) + 1;
		if (str_eq(v, "ignore_chown_errors=true") || str_eq(v, "ignore_chown_errors=1"))
			return true;
	}
	return false;
}

int driver_apply_dir(driver *d, const char *layer_path, const int *lower_fds, size_t n_lower,
		     tar_apply_lowers_fn more_lowers, void *more_lowers_data,
		     struct tar_split_rec *split, struct archive *a, tar_apply_stats *ret_stats,
		     cpod_error **err)
{
	_cleanup_close_ int fd = open(layer_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	tar_apply_opts opts = {
		.mode = d->ops->whiteout_mode,
		.allow_devices = geteuid() == 0,
		.rootless = geteuid() != 0,
		.no_chown = ignore_chown(d),
		.lower_fds = lower_fds,
		.n_lower = n_lower,
		.more_lowers = more_lowers,
		.more_lowers_data = more_lowers_data,
		.start_writeback = !d->no_sync,
		.split = split,
	};

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", layer_path);
	return tar_apply(fd, a, &opts, ret_stats, err);
}

int driver_sync_rename(const char *home, const char *from, const char *to, bool sync,
		       cpod_error **err)
{
	_cleanup_close_ int hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int lfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (hfd < 0 || lfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", hfd < 0 ? home : from);
	/* the layer's content must be on disk before its name makes it visible */
	if (sync && syncfs(lfd) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "syncing '%s'", from);
	if (rename(from, to) < 0)
		return cpod_err(err,
				errno == ENOTEMPTY || errno == EEXIST ? CPOD_ERR_EXISTS
								      : CPOD_ERR_SYSTEM,
				errno, "renaming '%s' to '%s'", from, to);
	if (sync && fsync(hfd) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "syncing '%s'", home);
	return 0;
}

/* Hard links are counted once: their inodes are remembered in a small sorted set. */
struct sizer {
	ino_t *inodes;
	size_t n, alloc;
	int64_t total;
};

static bool sizer_seen(struct sizer *s, ino_t ino)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->inodes[mid] == ino)
			return true;
		if (s->inodes[mid] < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->inodes = xreallocarray(s->inodes, s->alloc, sizeof(*s->inodes));
	}
	memmove(s->inodes + lo + 1, s->inodes + lo, (s->n - lo) * sizeof(*s->inodes));
	s->inodes[lo] = ino;
	s->n++;
	return false;
}

static int size_dir(struct sizer *s, int dfd, const char *path, cpod_error **err)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading directory '%s'", path);
	}
	while ((errno = 0, de = readdir(dir))) {
		struct stat st;

		if (str_eq(de->d_name, ".") || str_eq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "stat '%s/%s'", path,
					de->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (size_dir(s, dirfd(dir), de->d_name, err) < 0)
				return cpod_err_prefix(err, "'%s'", path);
			continue;
		}
		if (st.st_nlink > 1 && sizer_seen(s, st.st_ino))
			continue;
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			s->total += st.st_size;
	}
	if (errno)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading directory '%s'", path);
	return 0;
}

int driver_tree_size(const char *path, int64_t *ret, cpod_error **err)
{
	struct sizer s = { 0 };
	int r = size_dir(&s, AT_FDCWD, path, err);

	free(s.inodes);
	if (r == 0)
		*ret = s.total;
	return r;
}

int driver_is_mountpoint(const char *path)
{
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	struct stat a, b;

	if (stat(path, &a) < 0 || stat(parent, &b) < 0)
		return 0;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}
