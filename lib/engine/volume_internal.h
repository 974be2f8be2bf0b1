/* Volumes inside the engine: what the container code calls, and what volume.c, volume_ctr.c
 * and volume_fs.c share.
 *
 * Rows (engine schema, ctr_db.c):
 *   volumes            one per volume: driver, mountpoint (<volume path>/<name>/_data),
 *                      labels and options (JSON objects), anonymous, uid/gid (what the
 *                      directory was made or last chowned as), needs_copy_up, needs_chown,
 *                      mount_count (containers that have it mounted, for volumes with mount
 *                      options)
 *   container_volumes  one per (container, destination): which volume, and whether this
 *                      container holds one of the volume's mount counts (mounted)
 * A volume is in use while a container_volumes row names it; the foreign key keeps a used
 * volume from being deleted, and a deleted one from being attached.
 *
 * Locks: a volume's mount, copy-up and chown happen under <runroot>/locks/volume-<name>,
 * taken after the container's lock, never before it.
 *
 * How the container code uses them:
 *   create   volume_register_for_container() once the container row exists: named volumes
 *            that do not exist yet and anonymous ones are made now, so `volume rm` sees them
 *            in use from the start (as podman does at create)
 *   init     volume_resolve_for_container() with the rootfs mounted, before the spec is
 *            generated: its mounts go into spec_ctx.volume_mounts
 *   cleanup  volume_release_for_container() when the rootfs is unmounted
 *   rm -v    volume_remove_anonymous_of() before the container row is deleted
 */
#ifndef CPOD_ENGINE_VOLUME_INTERNAL_H
#define CPOD_ENGINE_VOLUME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/lock.h"
#include "common/strv.h"
#include "engine/runtime_internal.h"
#include "storage/db.h"

/* ---- for the container code ---- */

/* Creates what the container's volumes need and records them (idempotent: a destination that
 * already has its row is left alone).  sg is the container's specgen: its "volumes"
 * [{Name, Dest, Options, IsAnonymous}] (Name "" = anonymous: a new volume with a random name;
 * a named one is made when missing, with the "volume-opt=KEY=VALUE" options as its driver
 * options) and, unless image_volume_mode (specgen, else containers.conf) is "tmpfs" or
 * "ignore", an anonymous volume for each key of image_config's "Volumes" that no specgen mount
 * or volume covers.  image_config (the image's "config" object) may be NULL.  Errors:
 * CPOD_ERR_INVALID for a bad destination, name, option or image volume mode. */
int volume_register_for_container(cpod_runtime *rt, const char *ctr_id, json_object *sg,
				  json_object *image_config, cpod_error **err);

/* Registers (as above), then readies every volume of the container for a start: mounts the
 * ones with mount options (counting the mount once per container), copies the image's
 * content at the destination into a volume that still needs it and is empty (podman's
 * copy-up: owners, modes, times and symlinks kept, nothing followed out of rootfs), and gives
 * a volume that still needs it the owner and mode of the destination directory (else the
 * container user's uid/gid).  rootfs is the mounted root file system.  *ret_mounts is a new
 * JSON array of OCI mounts: {destination, type "bind", source <_data>, options [the volume's
 * options, "rw" unless ro, "rprivate" unless another propagation, "rbind"]}, plus
 * {destination, type "tmpfs", source "tmpfs", options [rprivate, rw, nodev, exec,
 * tmpcopyup]} for image volumes in tmpfs mode.  On failure nothing stays mounted for it. */
int volume_resolve_for_container(cpod_runtime *rt, const char *ctr_id, json_object *sg,
				 json_object *image_config, const char *rootfs,
				 json_object **ret_mounts, cpod_error **err);

/* Gives back the mount counts the container holds (unmounting a volume whose count reaches
 * 0).  A no-op for a container that holds none. */
int volume_release_for_container(cpod_runtime *rt, const char *ctr_id, cpod_error **err);

/* For `rm -v` and `run --rm`: releases the container's mounts, drops all its
 * container_volumes rows and removes its anonymous volumes that no other container uses
 * (rows, mounts, directories).  Call before deleting the container row. */
int volume_remove_anonymous_of(cpod_runtime *rt, const char *ctr_id, cpod_error **err);

/* The container's volumes for `inspect` Mounts: a new JSON array of {Name, Source (the
 * volume's _data), Destination}, sorted by destination.  Empty before registration. */
int volume_mounts_of(cpod_runtime *rt, const char *ctr_id, json_object **ret, cpod_error **err);

/* ---- shared by volume*.c ---- */

typedef struct {
	char *name;
	char *driver;
	char *mountpoint;
	int64_t created;      /* unix ns */
	json_object *labels;  /* object of strings, owned */
	json_object *options; /* object of strings, owned */
	bool anonymous;
	int64_t uid, gid;
	bool needs_copy_up;
	bool needs_chown;
	int64_t mount_count;
	int64_t users; /* containers referring to it */
} vol;

void vol_free(vol *v);
DEFINE_CLEANUP_FUNC(vol, vol_free)

/* What a new volume is made of. */
typedef struct {
	const char *name;     /* NULL: a random 64-hex name */
	const char *driver;   /* NULL: "local" */
	json_object *labels;  /* borrowed; NULL: none */
	json_object *options; /* borrowed, already checked by vol_check_options(); NULL: none */
	int64_t uid, gid;
	bool needs_chown;
	bool anonymous;
} vol_spec;

/* [a-zA-Z0-9][a-zA-Z0-9_.-]* */
bool vol_name_valid(const char *name);
/* Where volumes are made: --volumepath, else containers.conf volume_path, else
 * <graphroot>/volumes.  A new string. */
char *vol_base_dir(cpod_runtime *rt);
/* Checks a new volume's driver and options ("o" parsed: UID, GID, SIZE, INODES, NOQUOTA
 * added, uid= and gid= copied to *uid and *gid and *needs_chown cleared).  Edits options in place. */
int vol_check_options(const char *name, const char *driver, json_object *options, int64_t *uid,
		      int64_t *gid, bool *needs_chown, cpod_error **err);
/* Inserts the row of a new volume (CPOD_ERR_EXISTS when the name is taken); *ret_name
 * (caller frees) is its name.  Works inside or outside a transaction; makes no directory. */
int vol_insert(cpod_runtime *rt, const vol_spec *spec, char **ret_name, cpod_error **err);
/* Makes <base>/<name> (0700) and its _data (0755) when missing, owned by uid:gid. */
int vol_make_dirs(const char *mountpoint, int64_t uid, int64_t gid, cpod_error **err);
/* Loads the volume named exactly name (CPOD_ERR_NOT_FOUND in podman's words). */
int vol_load(cpod_runtime *rt, const char *name, vol **ret, cpod_error **err);
/* Takes the volume's lock. */
int vol_lock(cpod_runtime *rt, const char *name, file_lock *ret, cpod_error **err);
/* The container IDs using the volume. */
int vol_users(cpod_runtime *rt, const char *name, strv *ret, cpod_error **err);
/* Deletes the row of a volume no container uses (CPOD_ERR_STATE naming the users otherwise),
 * then its mount and directory. */
int vol_delete_unused(cpod_runtime *rt, const char *name, cpod_error **err);

/* Whether the local driver mounts it (podman's needsMount: options besides uid, gid, size,
 * noquota, copy and nocopy). */
bool vol_needs_mount(const vol *v);
/* Runs statements inside a transaction of its own, or the caller's when one is open:
 * *own tells which (pass it to vol_tx_end). */
int vol_tx_begin(db *d, bool *own, cpod_error **err);
/* Commits (r == 0) or rolls back (r < 0) an own transaction; returns r, or -1 when the
 * commit failed. */
int vol_tx_end(db *d, bool own, int r, cpod_error **err);

/* ---- mounts and copy-up (volume_fs.c) ---- */

/* Mounts v->mountpoint with mount(8) as its options say. */
int vol_mount(const vol *v, cpod_error **err);
/* Lazily unmounts v->mountpoint; not mounted is success. */
int vol_unmount(const vol *v, cpod_error **err);
/* Whether path is a mount point (listed in /proc/self/mountinfo). */
bool vol_is_mounted(const char *path);

/* Most directory levels copied below the source. */
#define VOL_COPY_MAX_DEPTH 256

/* Copies the content of the directory srcfd into the directory dstfd (both opened
 * O_DIRECTORY; neither is closed): directories, regular files, symlinks, fifos and device
 * nodes, with owners, modes and times.  No symlink is ever followed, on either side, and
 * nothing is overwritten (an entry that exists in dstfd fails with EEXIST).  Sockets are
 * skipped; device nodes too where mknod is not permitted.  Errors name the entry
 * ("copying 'a/b': ..."). */
int vol_copy_tree(int srcfd, int dstfd, cpod_error **err);

/* 1 when the directory fd has no entry besides . and .., 0 when it has, -1 with errno. */
int vol_dir_is_empty(int fd);

#endif
