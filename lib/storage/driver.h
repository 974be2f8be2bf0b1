/* Layer drivers: how a layer's files are kept on disk and how a container's rootfs is made of
 * them.  Each driver is an ops table registered by name (as LXC's storage backends are);
 * driver_open() finds it and fills a driver handle the ops work on.
 *
 *   overlay  <home> = <graphroot>/overlay.  A layer is <home>/<id>/{diff,work,link}: diff holds
 *            the layer's own changes (whiteouts as 0/0 character devices, opaque directories
 *            marked with an xattr), link the 26-character short name of the symlink
 *            <home>/l/<short> -> ../<id>/diff, so that the lowerdir option of a long chain
 *            still fits in one page.  A mount is an overlay of the layer's diff over its
 *            parents' diffs at <home>/<id>/merged, reference-counted across processes in
 *            <runroot>/overlay-mounts/<id> under flock, so that two users of one rootfs do not
 *            unmount each other.  Mounts are nodev.  diff() is the tar of the diff dir.
 *   vfs      <home> = <graphroot>/vfs.  A layer is the directory <home>/<id>: a full copy of its
 *            parent with the layer's changes applied (whiteouts delete).  A mount is the
 *            directory itself.  diff() compares the layer with its parent's copy.
 *
 * Layer directories are written under a staging name (create(), apply()) and renamed into
 * place by commit(); overlay layers may also be created without their parent and told it
 * (set_parent()) just before commit(), so that the layers of one image are extracted at
 * once.  Staging names start with DRIVER_STAGING_PREFIX so that the leftovers of an
 * interrupted write are recognised and removed by cleanup().  Layer ids and staging ids are
 * 64 lowercase hex characters (the caller checks them).
 *
 * All ops return 0 (or what is documented) / -1 with *err set.  Every path returned is a new
 * string the caller frees.
 */
#ifndef CPOD_STORAGE_DRIVER_H
#define CPOD_STORAGE_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "storage/tar_apply.h"

#define DRIVER_STAGING_PREFIX "staging-"

typedef struct driver driver;

typedef struct {
	const char *name;
	tar_apply_mode whiteout_mode;
	/* Sets the driver up in d->home (created); may set d->priv. */
	int (*init)(driver *d, cpod_error **err);
	/* Frees d->priv (may be NULL: nothing to free); never fails. */
	void (*release)(driver *d);
	/* Creates the staging layer staging_id on parent (NULL: a base layer). */
	int (*create)(driver *d, const char *staging_id, const char *parent, cpod_error **err);
	/* Extracts the layer stream a into the staging layer, in the driver's whiteout mode.
	 * more_lowers (may be NULL) gives lower layers beyond those recorded at create() (see
	 * tar_apply_opts); drivers that keep a full copy of the parent ignore it.  split (may be
	 * NULL) records the stream (tar_apply_opts.split). */
	int (*apply)(driver *d, const char *staging_id, struct archive *a,
		     tar_apply_lowers_fn more_lowers, void *more_lowers_data,
		     struct tar_split_rec *split, tar_apply_stats *ret_stats, cpod_error **err);
	/* Opens (O_PATH) the directories a layer on top of the staging layer would see below it,
	 * nearest first: its own files, then the lower layers recorded at create().  *ret_fds
	 * (malloc'ed, the caller closes and frees) holds *ret_n descriptors.  NULL when a layer
	 * must be created on a committed parent (vfs copies the parent's files at create()). */
	int (*open_dirs)(driver *d, const char *staging_id, int **ret_fds, size_t *ret_n,
			 cpod_error **err);
	/* Records parent as the parent of a staging layer created with none, before commit()
	 * (overlay: its lower file).  NULL exactly when open_dirs is. */
	int (*set_parent)(driver *d, const char *staging_id, const char *parent, cpod_error **err);
	/* Renames the staging layer into place as id, durably. */
	int (*commit)(driver *d, const char *staging_id, const char *id, cpod_error **err);
	/* Removes a layer's files (staging or not); a missing layer is success. */
	int (*remove)(driver *d, const char *id, cpod_error **err);
	/* Mounts the layer with its parents (read-only: only the chain, no writable upper) and
	 * returns its path.  mount_opts (may be NULL) are extra options such as an SELinux
	 * context= label. */
	int (*mount)(driver *d, const char *id, const char *mount_opts, bool read_only,
		     char **ret_path, cpod_error **err);
	/* Drops one reference; unmounts at zero or when force. */
	int (*unmount)(driver *d, const char *id, bool force, cpod_error **err);
	/* How many references the layer's mount holds (0: not mounted); when mounted and ret_path
	 * is not NULL, *ret_path gets the mount point.  May be NULL: the driver does not count
	 * mounts (vfs, whose "mount" is the layer directory itself). */
	long (*mount_count)(driver *d, const char *id, char **ret_path);
	/* Writes the layer's own changes (relative to parent, NULL for a base layer) as a tar
	 * stream to fd. */
	int (*diff)(driver *d, const char *id, const char *parent, int fd, cpod_error **err);
	/* The directory the layer's stream was extracted into, as a new path: where the files
	 * named by its tar-split record are (overlay: diff, vfs: the layer directory). */
	char *(*files_dir)(driver *d, const char *id);
	/* Bytes used by the layer's own files. */
	int (*size)(driver *d, const char *id, int64_t *ret, cpod_error **err);
	/* 1 when the layer's files exist, else 0. */
	int (*exists)(driver *d, const char *id);
	/* Removes staging layers and, when keep (NULL-terminated ids) is not NULL, every layer
	 * directory whose id is not in keep, plus what refers to nothing (dangling short links). */
	int (*cleanup)(driver *d, const char *const *keep, cpod_error **err);
} driver_ops;

struct driver {
	const driver_ops *ops;
	char *graphroot;
	char *runroot;
	char *home;	/* <graphroot>/<name> */
	char **options; /* NULL-terminated "key=value", never NULL */
	void *priv;
	/* Set by the store while it makes a container's rw layer: no fsync nor syncfs.  Such a
	 * layer starts empty and lives as long as its container; an unsynced one lost to a power
	 * failure is recreated with the container, while a sync would cost every `run` a flush
	 * of the whole file system. */
	bool no_sync;
};

extern const driver_ops overlay_driver_ops;
extern const driver_ops vfs_driver_ops;

/* The ops registered under name ("overlay", "vfs"), or NULL. */
const driver_ops *driver_lookup(const char *name);

/* Opens the driver name, or when name is NULL detects one: overlay when the kernel lists it in
 * /proc/filesystems and a test mount inside graphroot works, else vfs.  graphroot and runroot
 * must exist.  options (may be NULL) are copied.  *ret: free with driver_close(). */
int driver_open(const char *name, const char *graphroot, const char *runroot,
		const char *const *options, driver **ret, cpod_error **err);
/* Accepts NULL; keeps errno. */
void driver_close(driver *d);
DEFINE_CLEANUP_FUNC(driver, driver_close)

/* Shared by the drivers: the apply op on the directory layer_path; lower_fds (n_lower of them,
 * nearest first, borrowed) are the lower layers' directories for hard links below (overlay). */
int driver_apply_dir(driver *d, const char *layer_path, const int *lower_fds, size_t n_lower,
		     tar_apply_lowers_fn more_lowers, void *more_lowers_data,
		     struct tar_split_rec *split, struct archive *a, tar_apply_stats *ret_stats,
		     cpod_error **err);
/* Renames the staging directory from to to (in the directory home), durably when sync: the
 * file system is synced before, the directory after. */
int driver_sync_rename(const char *home, const char *from, const char *to, bool sync,
		       cpod_error **err);
/* 1 when overlay works in graphroot: listed in /proc/filesystems and a test mount succeeds. */
int overlay_supported(const char *graphroot);
/* Bytes of the tree below dirfd/name (regular files and symlinks, hard links counted once). */
int driver_tree_size(const char *path, int64_t *ret, cpod_error **err);
/* 1 when path is a mount point other than its parent's file system. */
int driver_is_mountpoint(const char *path);

#endif
