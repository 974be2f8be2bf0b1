/* The overlay driver (layout in driver.h).
 *
 * Each layer dir holds "link" (its short name in <home>/l) and, unless it is a base layer,
 * "lower": the short-link chain of its parents, nearest first ("l/AAA:l/BBB"), written at
 * create() from the parent's own link and lower, so that a mount never walks the database.
 *
 * The lowerdir option is built with absolute paths when the whole option string fits in one
 * page (the kernel's limit for mount(2) data); otherwise a child process chdir()s to <home>
 * and mounts with the relative "l/<short>" names (29 bytes per layer), as containers/storage
 * does.  The child only makes system calls, so forking from a threaded process is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/tar_diff.h"

#include "common/banned.h"

#define SHORT_LEN 26
#define LINK_DIR "l"
#define EMPTY_DIR "l/.empty" /* the second lower of a read-only mount of a base layer */
#define MOUNTS_DIR "overlay-mounts"

static char *lpath(driver *d, const char *id, const char *sub)
{
	return sub ? xasprintf("%s/%s/%s", d->home, id, sub) : xasprintf("%s/%s", d->home, id);
}

static char *spath(driver *d, const char *id, const char *sub)
{
	return sub ? xasprintf("%s/" DRIVER_STAGING_PREFIX "%s/%s", d->home, id, sub)
		   : xasprintf("%s/" DRIVER_STAGING_PREFIX "%s", d->home, id);
}

static int read_small(const char *path, char **ret, cpod_error **err)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;

	if (fs_read_file(path, 8192, &b, err) < 0)
		return -1;
	while (b.len && (b.s[b.len - 1] == '\n'))
		buf_truncate(&b, b.len - 1);
	*ret = buf_detach(&b, NULL);
	return 0;
}

static int overlay_init(driver *d, cpod_error **err)
{
	_cleanup_free_ char *empty = xasprintf("%s/" EMPTY_DIR, d->home);
	_cleanup_free_ char *mounts = xasprintf("%s/" MOUNTS_DIR, d->runroot);

	if (fs_mkdir_p(empty, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", empty);
	if (fs_mkdir_p(mounts, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", mounts);
	return 0;
}

/* The lower chain a layer on parent has: "l/<parent's short>[:<parent's lower>]". */
static int lower_of(driver *d, const char *parent, char **ret, cpod_error **err)
{
	_cleanup_free_ char *plink = NULL, *plower = NULL, *tmp = lpath(d, parent, "link");

	if (read_small(tmp, &plink, err) < 0)
		return cpod_err_prefix(err, "parent layer '%s'", parent);
	free(tmp);
	tmp = lpath(d, parent, "lower");
	if (access(tmp, F_OK) == 0 && read_small(tmp, &plower, err) < 0)
		return cpod_err_prefix(err, "parent layer '%s'", parent);
	*ret = plower ? xasprintf(LINK_DIR "/%s:%s", plink, plower)
		      : xasprintf(LINK_DIR "/%s", plink);
	return 0;
}

static int overlay_create(driver *d, const char *sid, const char *parent, cpod_error **err)
{
	_cleanup_free_ char *dir = spath(d, sid, NULL);
	_cleanup_free_ char *diff = spath(d, sid, "diff");
	_cleanup_free_ char *work = spath(d, sid, "work");
	_cleanup_free_ char *lower = NULL, *tmp = NULL;

	if (parent && lower_of(d, parent, &lower, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0)
		return cpod_err(err, errno == EEXIST ? CPOD_ERR_EXISTS : CPOD_ERR_SYSTEM, errno,
				"creating '%s'", dir);
	if (mkdir(diff, 0755) < 0 || mkdir(work, 0700) < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", diff);
		goto fail;
	}
	if (lower) {
		tmp = spath(d, sid, "lower");
		if (fs_write_atomic(AT_FDCWD, tmp, lower, strlen(lower), 0600, false, err) < 0)
			goto fail;
	}
	return 0;
fail:
	fs_rm_rf_at(AT_FDCWD, dir);
	return -1;
}

static int overlay_set_parent(driver *d, const char *sid, const char *parent, cpod_error **err)
{
	_cleanup_free_ char *lower = NULL, *path = spath(d, sid, "lower");

	if (lower_of(d, parent, &lower, err) < 0)
		return -1;
	/* synced with the rest of the layer by commit() */
	return fs_write_atomic(AT_FDCWD, path, lower, strlen(lower), 0600, false, err);
}

/* Opens the directories of the lower chain lower ("l/A:l/B"), nearest first, into fds from
 * index *n on. */
static int open_lower_chain(driver *d, const char *lower, int **fds, size_t *n, cpod_error **err)
{
	_cleanup_(strv_freep) char **links = strv_split(lower ? lower : "", ":", 1);
	size_t count = strv_length(links);

	*fds = xreallocarray(*fds, *n + count + 1, sizeof(int));
	for (size_t i = 0; i < count; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", d->home, links[i]);
		int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening lower layer '%s'",
					path);
		(*fds)[(*n)++] = fd;
	}
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static int overlay_open_dirs(driver *d, const char *sid, int **ret_fds, size_t *ret_n,
			     cpod_error **err)
{
	_cleanup_free_ char *diff = spath(d, sid, "diff");
	_cleanup_free_ char *lowerfile = spath(d, sid, "lower"), *lower = NULL;
	int *fds = xmalloc(sizeof(int));
	size_t n = 0;

	fds[0] = open(diff, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds[0] < 0) {
		free(fds);
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", diff);
	}
	n = 1;
	if ((access(lowerfile, F_OK) == 0 && read_small(lowerfile, &lower, err) < 0) ||
	    open_lower_chain(d, lower, &fds, &n, err) < 0) {
		close_fds(fds, n);
		return -1;
	}
	*ret_fds = fds;
	*ret_n = n;
	return 0;
}

static int overlay_apply(driver *d, const char *sid, struct archive *a,
			 tar_apply_lowers_fn more_lowers, void *more_lowers_data,
			 struct tar_split_rec *split, tar_apply_stats *ret_stats, cpod_error **err)
{
	_cleanup_free_ char *diff = spath(d, sid, "diff");
	_cleanup_free_ char *lowerfile = spath(d, sid, "lower"), *lower = NULL;
	int *fds = NULL, r = -1;
	size_t n = 0;

	/* The lower layers, for hard links whose target is below this layer. */
	if (access(lowerfile, F_OK) == 0 && read_small(lowerfile, &lower, err) < 0)
		return -1;
	if (open_lower_chain(d, lower, &fds, &n, err) == 0)
		r = driver_apply_dir(d, diff, fds, n, more_lowers, more_lowers_data, split, a,
				     ret_stats, err);
	close_fds(fds, n);
	return r;
}

static void random_short(char out[SHORT_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char raw[SHORT_LEN];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			abort(); /* getrandom() cannot fail after boot with these arguments */
	}
	for (size_t i = 0; i < SHORT_LEN; i++)
		out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	out[SHORT_LEN] = '\0';
}

/* Makes <home>/l/<short> -> ../<id>/diff with a fresh short name and records it in the
 * staging layer's link file. */
static int make_link(driver *d, const char *sid, const char *id, cpod_error **err)
{
	_cleanup_free_ char *target = xasprintf("../%s/diff", id);
	_cleanup_free_ char *linkfile = spath(d, sid, "link");
	char shortname[SHORT_LEN + 1];

	for (int tries = 0;; tries++) {
		_cleanup_free_ char *path = NULL;

		random_short(shortname);
		path = xasprintf("%s/" LINK_DIR "/%s", d->home, shortname);
		if (symlink(target, path) == 0)
			break;
		if (errno != EEXIST || tries > 8)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", path);
	}
	return fs_write_atomic(AT_FDCWD, linkfile, shortname, SHORT_LEN, 0600, !d->no_sync, err);
}

static int overlay_commit(driver *d, const char *sid, const char *id, cpod_error **err)
{
	_cleanup_free_ char *from = spath(d, sid, NULL);
	_cleanup_free_ char *to = lpath(d, id, NULL);

	if (make_link(d, sid, id, err) < 0)
		return -1;
	return driver_sync_rename(d->home, from, to, !d->no_sync, err);
}

static char *count_path(driver *d, const char *id)
{
	return xasprintf("%s/" MOUNTS_DIR "/%s", d->runroot, id);
}

static int remove_link(driver *d, const char *dir)
{
	_cleanup_free_ char *linkfile = xasprintf("%s/link", dir);
	_cleanup_free_ char *shortname = NULL, *path = NULL;

	if (read_small(linkfile, &shortname, NULL) < 0 || strchr(shortname, '/') || !*shortname ||
	    shortname[0] == '.')
		return 0;
	path = xasprintf("%s/" LINK_DIR "/%s", d->home, shortname);
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

static int overlay_unmount(driver *d, const char *id, bool force, cpod_error **err);

static int overlay_remove(driver *d, const char *id, cpod_error **err)
{
	_cleanup_free_ char *dir = lpath(d, id, NULL);
	_cleanup_free_ char *sdir = spath(d, id, NULL);
	_cleanup_free_ char *merged = lpath(d, id, "merged");
	_cleanup_free_ char *cpath = count_path(d, id);

	if (driver_is_mountpoint(merged) && overlay_unmount(d, id, true, err) < 0)
		return -1;
	if (remove_link(d, dir) < 0 || remove_link(d, sdir) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing the short link of '%s'",
				dir);
	if (fs_rm_rf_at(AT_FDCWD, dir) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", dir);
	if (fs_rm_rf_at(AT_FDCWD, sdir) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", sdir);
	unlink(cpath);
	free(merged);
	merged = xasprintf("%s.lock", cpath);
	unlink(merged);
	return 0;
}

/* ---- mounting ---- */

static const char *extra_opts(driver *d)
{
	for (char **o = d->options; *o; o++) {
		if (str_has_prefix(*o, "overlay.mountopt="))
			return *o + strlen("overlay.mountopt=");
		if (str_has_prefix(*o, "mountopt="))
			return *o + strlen("mountopt=");
	}
	return NULL;
}

/* The mount data, with paths relative to <home> (prefix "") or absolute (prefix "<home>/"). */
static char *mount_data(driver *d, const char *id, const char *lower, const char *own,
			const char *label, bool ro, const char *prefix)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;
	_cleanup_strv_ strv parts = STRV_INIT;
	const char *extra = extra_opts(d);

	if (ro && own)
		strv_push_take(&parts, xasprintf(LINK_DIR "/%s", own));
	if (lower) {
		_cleanup_(strv_freep) char **v = strv_split(lower, ":", 1);

		strv_pushv(&parts, (const char *const *)v);
	}
	if (parts.n < (ro ? 2u : 1u))
		strv_push(&parts, EMPTY_DIR);
	buf_adds(&b, "lowerdir=");
	for (size_t i = 0; i < parts.n; i++)
		buf_addf(&b, "%s%s%s", i ? ":" : "", prefix, parts.v[i]);
	if (!ro)
		buf_addf(&b, ",upperdir=%s%s/diff,workdir=%s%s/work", prefix, id, prefix, id);
	if (extra && *extra)
		buf_addf(&b, ",%s", extra);
	if (label && *label)
		buf_addf(&b, ",%s", label);
	return buf_detach(&b, NULL);
}

static int mount_in_home(driver *d, const char *target, const char *data, cpod_error **err)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "mounting '%s': fork", target);
	if (pid == 0) {
		if (chdir(d->home) < 0 || mount("overlay", target, "overlay", MS_NODEV, data) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "mounting '%s'", target);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;

		return cpod_err(err, CPOD_ERR_SYSTEM, e, "mounting overlay on '%s'", target);
	}
	return 0;
}

static int do_mount(driver *d, const char *id, const char *label, bool ro, const char *merged,
		    cpod_error **err)
{
	_cleanup_free_ char *lowerfile = lpath(d, id, "lower");
	_cleanup_free_ char *linkfile = lpath(d, id, "link");
	_cleanup_free_ char *lower = NULL, *own = NULL, *data = NULL, *prefix = NULL;
	long page = sysconf(_SC_PAGESIZE);

	if (read_small(linkfile, &own, err) < 0)
		return cpod_err_prefix(err, "layer '%s'", id);
	if (access(lowerfile, F_OK) == 0 && read_small(lowerfile, &lower, err) < 0)
		return cpod_err_prefix(err, "layer '%s'", id);
	if (mkdir(merged, 0700) < 0 && errno != EEXIST)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", merged);
	prefix = xasprintf("%s/", d->home);
	data = mount_data(d, id, lower, own, label, ro, prefix);
	if (page <= 0)
		page = 4096;
	if (strlen(data) < (size_t)page) {
		if (mount("overlay", merged, "overlay", MS_NODEV, data) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "mounting overlay on '%s'",
					merged);
		return 0;
	}
	free(data);
	data = mount_data(d, id, lower, own, label, ro, "");
	if (strlen(data) >= (size_t)page)
		return cpod_err(err, CPOD_ERR_INVALID, E2BIG, "layer '%s': too many lower layers",
				id);
	return mount_in_home(d, merged, data, err);
}

static int read_count(const char *path, long *ret)
{
	_cleanup_free_ char *s = NULL;

	*ret = 0;
	if (read_small(path, &s, NULL) < 0)
		return 0;
	*ret = strtol(s, NULL, 10);
	if (*ret < 0)
		*ret = 0;
	return 0;
}

static int write_count(const char *path, long n, cpod_error **err)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "%ld\n", n);

	/* the lock is on <path>.lock, so replacing the count file is safe */
	return fs_write_atomic(AT_FDCWD, path, s, (size_t)len, 0600, false, err);
}

static int lock_count(driver *d, const char *id, file_lock *l, char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *path = count_path(d, id);
	_cleanup_free_ char *lockpath = xasprintf("%s.lock", path);

	if (lock_open(lockpath, LOCK_EXCLUSIVE, LOCK_WAIT, l, err) < 0)
		return -1;
	*ret_path = TAKE_PTR(path);
	return 0;
}

static int overlay_mount(driver *d, const char *id, const char *label, bool ro, char **ret_path,
			 cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_free_ char *merged = lpath(d, id, "merged");
	_cleanup_free_ char *cpath = NULL;
	long n;

	if (!d->ops->exists(d, id))
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", id);
	if (lock_count(d, id, &l, &cpath, err) < 0)
		return -1;
	read_count(cpath, &n);
	if (n > 0 && driver_is_mountpoint(merged)) {
		n++;
	} else {
		if (do_mount(d, id, label, ro, merged, err) < 0)
			return -1;
		n = 1;
	}
	if (write_count(cpath, n, err) < 0)
		return -1;
	*ret_path = TAKE_PTR(merged);
	return 0;
}

static int overlay_unmount(driver *d, const char *id, bool force, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_free_ char *merged = lpath(d, id, "merged");
	_cleanup_free_ char *cpath = NULL;
	long n;

	if (lock_count(d, id, &l, &cpath, err) < 0)
		return -1;
	read_count(cpath, &n);
	if (n > 1 && !force && driver_is_mountpoint(merged))
		return write_count(cpath, n - 1, err);
	if (driver_is_mountpoint(merged) && umount2(merged, 0) < 0) {
		if (errno != EBUSY || !force || umount2(merged, MNT_DETACH) < 0)
			return cpod_err(err, errno == EBUSY ? CPOD_ERR_STATE : CPOD_ERR_SYSTEM,
					errno, "unmounting '%s'", merged);
	}
	rmdir(merged);
	return write_count(cpath, 0, err);
}

/* A count file says nothing once the mount is gone (a reboot empties the runroot, but an
 * unmount behind cpod's back does not), so only a mounted layer counts. */
static long overlay_mount_count(driver *d, const char *id, char **ret_path)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_free_ char *merged = lpath(d, id, "merged");
	_cleanup_free_ char *cpath = NULL;
	_cleanup_free_ char *probe = count_path(d, id);
	cpod_error *e = NULL;
	long n = 0;

	/* never mounted: no count file, and no lock file is created just to look */
	if (access(probe, F_OK) < 0 || lock_count(d, id, &l, &cpath, &e) < 0) {
		cpod_error_free(e);
		return 0;
	}
	read_count(cpath, &n);
	if (n <= 0 || !driver_is_mountpoint(merged))
		return 0;
	if (ret_path)
		*ret_path = TAKE_PTR(merged);
	return n;
}

static int overlay_diff(driver *d, const char *id, const char *parent, int fd, cpod_error **err)
{
	_cleanup_free_ char *diff = lpath(d, id, "diff");
	_cleanup_close_ int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tar_diff_opts opts = { .whiteouts = true };

	(void)parent;
	if (dfd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"opening '%s'", diff);
	return tar_diff(dfd, fd, &opts, err);
}

static char *overlay_files_dir(driver *d, const char *id)
{
	return lpath(d, id, "diff");
}

static int overlay_size(driver *d, const char *id, int64_t *ret, cpod_error **err)
{
	_cleanup_free_ char *diff = lpath(d, id, "diff");

	return driver_tree_size(diff, ret, err);
}

static int overlay_exists(driver *d, const char *id)
{
	_cleanup_free_ char *diff = lpath(d, id, "diff");
	struct stat st;

	return stat(diff, &st) == 0 && S_ISDIR(st.st_mode);
}

static void cleanup_links(driver *d)
{
	_cleanup_free_ char *ldir = xasprintf("%s/" LINK_DIR, d->home);
	_cleanup_closedir_ DIR *dir = opendir(ldir);
	struct dirent *de;
	struct stat st;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		/* a link whose layer is gone (or was never renamed into place) */
		if (fstatat(dirfd(dir), de->d_name, &st, 0) < 0 && errno == ENOENT)
			unlinkat(dirfd(dir), de->d_name, 0);
	}
}

static int overlay_cleanup(driver *d, const char *const *keep, cpod_error **err)
{
	_cleanup_closedir_ DIR *dir = opendir(d->home);
	struct dirent *de;

	if (!dir)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", d->home);
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		const char *id = name;

		if (name[0] == '.' || str_eq(name, LINK_DIR))
			continue;
		if (str_has_prefix(name, DRIVER_STAGING_PREFIX))
			id = name + strlen(DRIVER_STAGING_PREFIX);
		else if (!keep || strv_contains(keep, name))
			continue;
		if (overlay_remove(d, id, NULL) < 0)
			log_warn("removing the leftover layer '%s/%s': %s", d->home, name,
				 strerror(errno));
	}
	cleanup_links(d);
	return 0;
}

const driver_ops overlay_driver_ops = {
	.name = "overlay",
	.whiteout_mode = TAR_APPLY_OVERLAY,
	.init = overlay_init,
	.create = overlay_create,
	.apply = overlay_apply,
	.open_dirs = overlay_open_dirs,
	.set_parent = overlay_set_parent,
	.commit = overlay_commit,
	.remove = overlay_remove,
	.mount = overlay_mount,
	.unmount = overlay_unmount,
	.mount_count = overlay_mount_count,
	.diff = overlay_diff,
	.files_dir = overlay_files_dir,
	.size = overlay_size,
	.exists = overlay_exists,
	.cleanup = overlay_cleanup,
};

/* ---- detection ---- */

static bool kernel_has_overlay(void)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;

	if (fs_read_file("/proc/filesystems", 1 << 20, &b, NULL) < 0)
		return false;
	return strstr(b.s, "\toverlay\n") != NULL;
}

int overlay_supported(const char *graphroot)
{
	_cleanup_free_ char *probe = xasprintf("%s/.overlay-probe-XXXXXX", graphroot);
	_cleanup_free_ char *data = NULL;
	static const char *const subs[] = { "l1", "l2", "u", "w", "m" };
	int ok = 0;

	if (!kernel_has_overlay() || !mkdtemp(probe))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", probe, subs[i]);

		if (mkdir(p, 0700) < 0)
			goto out;
	}
	data = xasprintf("lowerdir=%s/l2:%s/l1,upperdir=%s/u,workdir=%s/w", probe, probe, probe,
			 probe);
	{
		_cleanup_free_ char *m = xasprintf("%s/m", probe);

		if (mount("overlay", m, "overlay", MS_NODEV, data) == 0) {
			ok = 1;
			umount2(m, MNT_DETACH);
		}
	}
out:
	fs_rm_rf_at(AT_FDCWD, probe);
	return ok;
}
