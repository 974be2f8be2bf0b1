/* The image and layer store: the metadata (meta.h), a layer driver (driver.h) and layer
 * extraction (tar_apply.h) tied together, with the crash-safety rules of DESIGN.md §4.
 *
 * Layers are written into a staging directory, renamed into place, and made visible by their
 * database row turning ready last; image files are written (atomically) before the image's
 * row; files of deleted images and layers are removed only after the deleting transaction
 * committed.  A kill at any moment leaves at worst staging leftovers, which store_open()
 * removes when no other process is writing to the store.
 *
 * Writers (store_layer_apply, store_container_create) hold <runroot>/storage.lock shared while
 * their staging work is in progress; store_open() cleans up only when it gets the lock
 * exclusively at once, and releases it right after, so it never waits for a slow writer.
 *
 * A store handle is used by one thread at a time (staged layers are extracted on others:
 * store_layer_stage_apply()).  Layer and image ids are 64 lowercase hex.
 * Errors follow meta.h's kinds; every returned string or vector belongs to the caller.
 */
#ifndef CPOD_STORAGE_STORE_H
#define CPOD_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "storage/meta.h"

typedef struct store store;

typedef struct {
	const char *graphroot;		/* required; created 0700 */
	const char *runroot;		/* required; created 0700 */
	const char *driver;		/* "overlay", "vfs", or NULL / "" to detect */
	const char *const *driver_opts; /* "key=value", NULL-terminated, may be NULL */
} store_opts;

/* Opens the store: creates the directories, opens cpod.db, opens the driver, and removes the
 * leftovers of interrupted writes (staging layers and their rows, layer directories without a
 * row) when no writer is active.  *ret: free with store_close(). */
int store_open(const store_opts *o, store **ret, cpod_error **err);
/* Accepts NULL; keeps errno. */
void store_close(store *s);
DEFINE_CLEANUP_FUNC(store, store_close)

/* Borrowed, live as long as s. */
const char *store_driver_name(const store *s);
const char *store_graphroot(const store *s);
meta *store_meta(store *s);

/* ---- layers ---- */

/* Reads up to len bytes into p: returns the count, 0 at the end (and again on every later
 * call), -1 with *err set. */
typedef ssize_t (*store_read_fn)(void *cb, void *p, size_t len, cpod_error **err);

typedef struct {
	char *id;      /* the chain id, 64 hex */
	char *diff_id; /* "sha256:..." of the uncompressed stream */
	int64_t size;  /* bytes of the uncompressed stream */
	bool existed;  /* the layer was already in the store: nothing was written */
} store_layer_result;

/* Frees the strings of r (not r itself); accepts NULL. */
void store_layer_result_clear(store_layer_result *r);

/* Applies an uncompressed layer tar read from read(cb) on parent (NULL: a base layer).  The
 * diffID is computed over every byte read (to the end of the stream); when expected_diff_id is
 * not NULL and differs, nothing is kept (CPOD_ERR_INVALID).  A tar-split record of the stream
 * (tar_split.h) is kept with the layer when the stream can be written again from its files.  The layer id is the OCI chain id:
 * chainID(L0) = diffID(L0), chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)) (hex); a
 * layer with that id already present is reused (ret->existed).  *ret (may be NULL) is filled
 * on success; clear it with store_layer_result_clear(). */
int store_layer_apply(store *s, const char *parent, store_read_fn read, void *cb,
		      const char *expected_diff_id, store_layer_result *ret, cpod_error **err);

/* ---- staged layers: extracting off the store's thread ----
 *
 * store_layer_apply() in steps, so that the layers of an image can be extracted at the same
 * time, each on its own thread, while the store handle and its database stay on one thread:
 *
 *   store_layer_stage_begin()    store thread: a staging layer and its writer marker
 *   store_layer_stage_apply()    any thread: extracts a stream into it; touches files only
 *   store_layer_stage_commit()   store thread: the row (staging), the rename into place, the
 *                                row made ready, as store_layer_apply() does
 *   store_layer_stage_free()     store thread: drops whatever was not committed
 *
 * A stage sits on a ready layer (or on nothing), or, when store_layer_stage_independent(),
 * on another stage, "below", that becomes its parent when committed.  Its files do not depend
 * on below's (overlay keeps each layer's own changes), so it is extracted at the same time;
 * only a hard link to a file of a lower layer makes its apply wait until the stages below
 * are extracted.  So: start the applies bottom first (or at once), commit bottom first, and
 * store_layer_stage_abandon() the stages that will never be applied, which fails the
 * stages above that wait for them.  vfs layers start as a copy of their committed parent and
 * cannot be staged on a stage.
 *
 * Until the commit, nothing is visible: a crash leaves a staging directory and a writer
 * marker, which the next store_open() removes.  A stage must not be freed while its apply
 * runs, and a stage must outlive the stages above it. */
typedef struct store_stage store_stage;

/* true when layers can be staged on stages (overlay). */
bool store_layer_stage_independent(const store *s);

/* Begins a staging layer on parent (a ready layer, NULL: a base layer) or, when below is not
 * NULL, on below (parent must then be NULL; CPOD_ERR_INVALID when the driver cannot).
 * expected_diff_id (may be NULL) is checked by the apply.  *ret: free with
 * store_layer_stage_free(). */
int store_layer_stage_begin(store *s, const char *parent, store_stage *below,
			    const char *expected_diff_id, store_stage **ret, cpod_error **err);

/* Extracts the uncompressed layer tar read from read(cb) into the stage and computes its
 * diffID over every byte read, as store_layer_apply() does; a diffID other than the expected
 * one fails (CPOD_ERR_INVALID).  Called once per stage, from any thread; it uses the store
 * only through files. */
int store_layer_stage_apply(store_stage *st, store_read_fn read, void *cb, cpod_error **err);

/* Marks a stage that will not be applied: stages above it that wait for it fail. */
void store_layer_stage_abandon(store_stage *st);

/* Commits an applied stage (its below committed first) as store_layer_apply() does: *ret
 * (may be NULL) gets the layer's id, diffID, size and whether it existed already. */
int store_layer_stage_commit(store *s, store_stage *st, store_layer_result *ret, cpod_error **err);

/* Removes the staging files unless committed, and ends the stage's writer.  Accepts NULL. */
void store_layer_stage_free(store_stage *st);
DEFINE_CLEANUP_FUNC(store_stage, store_layer_stage_free)

/* store_layer_apply() of the stream in fd (read to its end, not closed), which may be
 * uncompressed or compressed with gzip, zstd or xz: the diffID is that of the uncompressed
 * bytes. */
int store_layer_apply_fd(store *s, const char *parent, int fd, const char *expected_diff_id,
			 store_layer_result *ret, cpod_error **err);

/* Writes the layer's own changes as a tar stream to fd (not closed), from where its offset is:
 * the tar the layer came in, byte for byte, when the layer has a tar-split record and its
 * files still match it (the digest of what was written is its diffID); else the driver's
 * canonical tar (tar_diff.h), with a warning when a record was there but did not match.  A
 * seekable fd gets the replay and, when it does not match, has it cut off again before the
 * canonical tar is written; on another fd (a pipe) the replay is checked before anything is
 * written, which reads the files twice. */
int store_layer_diff(store *s, const char *layer_id, int fd, cpod_error **err);

/* Deletes a layer and its files; refused with CPOD_ERR_STATE while a layer, an image or a
 * container uses it. */
int store_layer_delete(store *s, const char *layer_id, cpod_error **err);

/* The layer's record (meta_layer_free()); CPOD_ERR_NOT_FOUND unless it is ready. */
int store_layer_get(store *s, const char *layer_id, meta_layer **ret, cpod_error **err);

/* ---- images ---- */

typedef struct {
	const char *key; /* a file name: no '/', not starting with '.' */
	const void *data;
	size_t len;
} store_bigdata;

typedef struct {
	const char *id;		    /* config digest hex */
	const char *top_layer;	    /* NULL: no layers */
	const char *const *names;   /* may be NULL */
	const char *const *digests; /* manifest digests, may be NULL */
	const char *digest;	    /* the main manifest digest, may be NULL */
	const char *labels;	    /* JSON object text, may be NULL */
	const store_bigdata *bigdata;
	size_t n_bigdata;
	int64_t created; /* unix ns, 0 = now */
	int64_t size;	 /* -1 = unknown */
} store_image_spec;

/* Writes the image's files to <graphroot>/images/<id>/<key>, then registers it.  An image
 * with this id already: CPOD_ERR_EXISTS (its files are left alone). */
int store_image_create(store *s, const store_image_spec *spec, cpod_error **err);

/* Lookups, thin wrappers over meta_image_get*() (meta_image_free()). */
int store_image_get(store *s, const char *id, meta_image **ret, cpod_error **err);
int store_image_get_by_prefix(store *s, const char *prefix, meta_image **ret, cpod_error **err);
int store_image_get_by_name(store *s, const char *name, meta_image **ret, cpod_error **err);
/* meta_image_list(): *ret NULL-terminated (meta_imagev_free()); returns the count or -1. */
int store_image_list(store *s, meta_image ***ret, cpod_error **err);
int store_image_add_names(store *s, const char *id, const char *const *names, cpod_error **err);
int store_image_add_digests(store *s, const char *id, const char *const *digests, cpod_error **err);
int store_image_remove_names(store *s, const char *id, const char *const *names, cpod_error **err);

/* Reads the image's file key into out (replaced; at most cap bytes, 0 = no cap).  An unknown
 * key: CPOD_ERR_NOT_FOUND. */
int store_image_bigdata(store *s, const char *id, const char *key, buf *out, size_t cap,
			cpod_error **err);

/* Deletes the image (refused with CPOD_ERR_STATE while a container was made from it, unless
 * force) and then the files of the layers that no longer have a user and its images/<id>
 * directory.  A failure to remove files after the commit is logged as a warning. */
int store_image_delete(store *s, const char *id, bool force, cpod_error **err);

/* Mounts the image's layers read-only (refcounted with store_image_unmount()); *ret_path is
 * the mount point.  With vfs it is the top layer's directory itself, which is not read-only:
 * the caller must not write there. */
int store_image_mount(store *s, const char *id, char **ret_path, cpod_error **err);
int store_image_unmount(store *s, const char *id, bool force, cpod_error **err);

/* ---- containers ---- */

/* Creates container_id's rw layer on the image's top layer (image_id NULL: an empty rootfs).
 * ret_layer (may be NULL) receives the new layer's id. */
int store_container_create(store *s, const char *container_id, const char *image_id,
			   char **ret_layer, cpod_error **err);
/* Unmounts and deletes the container's rw layer, then the layers below that no longer have a
 * user (left by an image deleted with force). */
int store_container_delete(store *s, const char *container_id, cpod_error **err);
/* Mounts the container's rootfs (refcounted across processes); mount_label (may be NULL) is
 * an extra mount option such as context="...". */
int store_mount(store *s, const char *container_id, const char *mount_label, char **ret_path,
		cpod_error **err);
/* Drops one mount reference, unmounting at zero; force unmounts whatever the count. */
int store_unmount(store *s, const char *container_id, bool force, cpod_error **err);

/* *ret_count: how many references hold the image's mount (store_image_mount() adds one,
 * store_image_unmount() drops one); 0 when not mounted or for an image without layers; -1
 * with a driver that does not count mounts (vfs).  When mounted and ret_path is not NULL, *ret_path
 * gets the mount point.  An unknown id: CPOD_ERR_NOT_FOUND. */
int store_image_mounted(store *s, const char *id, long *ret_count, char **ret_path,
			cpod_error **err);

/* Appends the rw layer id of every container to *ret (a strv the caller clears). */
int store_container_layers(store *s, strv *ret, cpod_error **err);

/* `system reset`: unmounts every layer (forcing), then removes everything in the graphroot and
 * the runroot (the directories themselves stay), never following a symlink nor crossing into
 * another mount (a mount left below fails with EBUSY).  Refused with CPOD_ERR_STATE while
 * another process writes to the store.  s is freed in every case. */
int store_destroy(store *s, cpod_error **err);

/* ---- usage (system df) ---- */

typedef struct {
	char *id;
	char *parent;
	int64_t size; /* bytes of the layer's own files */
} store_layer_usage;

/* Every ready layer with its size: *ret holds *ret_n entries (store_usage_free()). */
int store_usage(store *s, store_layer_usage **ret, size_t *ret_n, cpod_error **err);
void store_usage_free(store_layer_usage *v, size_t n);

#endif
