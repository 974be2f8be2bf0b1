/* The image and layer store's records in <graphroot>/cpod.db.
 *
 * Tables (schema version 1): layers, layer_compressed (compressed digests seen for a layer),
 * images, image_digests (every manifest digest of an image), names (one name -> one image),
 * image_bigdata (index of the manifest / config / signature files stored by digest) and
 * containers_rw (containers' rw layers, so images and layers in use are not removed).
 *
 * Every function that changes something does it in one transaction: it is all applied or
 * nothing is.  Lookups of a missing object fail with CPOD_ERR_NOT_FOUND, creating an object
 * that exists with CPOD_ERR_EXISTS, removing an object in use with CPOD_ERR_STATE, bad
 * arguments with CPOD_ERR_INVALID; database failures with the kinds described in db.h.
 *
 * Names are stored exactly as given (normalisation is the image area's job).  A name or
 * digest must be non-empty and free of whitespace and control characters.
 *
 * Records returned to the caller are owned by the caller: free them with meta_layer_free(),
 * meta_image_free(), or the vector forms meta_layerv_free() / meta_imagev_free().
 */
#ifndef CPOD_STORAGE_META_H
#define CPOD_STORAGE_META_H

#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "storage/db.h"

#define META_DB_NAME "cpod.db"
#define META_SCHEMA_VERSION 1

typedef struct meta meta;

typedef enum {
	META_LAYER_STAGING, /* registered, content being written: invisible to lookups */
	META_LAYER_READY,   /* content complete */
} meta_layer_state;

typedef struct {
	char *id;		   /* 64 hex */
	char *parent;		   /* NULL for a base layer */
	char *diff_id;		   /* "sha256:..." of the uncompressed tar; NULL when not known */
	int64_t uncompressed_size; /* -1 when not known */
	char *driver;		   /* "overlay", "vfs" */
	int64_t created;	   /* unix time in nanoseconds */
	meta_layer_state state;
} meta_layer;

typedef struct {
	char *key;    /* "manifest-sha256:...", "config", "signature-1" ... */
	char *digest; /* digest of the file's content, which names the file */
	int64_t size;
} meta_bigdata;

typedef struct {
	char *id;	 /* config digest hex, 64 hex */
	char *top_layer; /* NULL for an image without layers */
	int64_t created; /* unix ns */
	int64_t size;	 /* -1 when not known */
	char *digest;	 /* the manifest digest it was pulled or stored with, or NULL */
	char *labels;	 /* JSON object text, or NULL */
	char **names;	 /* NULL-terminated, sorted, never NULL */
	char **digests;	 /* all manifest digests, NULL-terminated, sorted, never NULL */
} meta_image;

/* What meta_image_create() registers.  names, digests may be NULL (none); bigdata holds
 * n_bigdata entries.  created == 0 means now. */
typedef struct {
	const char *id;
	const char *top_layer;
	int64_t created;
	int64_t size;
	const char *digest;
	const char *labels;
	const char *const *names;
	const char *const *digests;
	const meta_bigdata *bigdata;
	size_t n_bigdata;
} meta_image_spec;

/* Opens (creating and migrating as needed) <graphroot>/cpod.db; graphroot must exist.
 * *ret is a new handle (free with meta_close()). */
int meta_open(const char *graphroot, meta **ret, cpod_error **err);
/* Accepts NULL; keeps errno. */
void meta_close(meta *m);
DEFINE_CLEANUP_FUNC(meta, meta_close)
/* The database handle (borrowed, lives as long as m). */
db *meta_db(meta *m);

void meta_layer_free(meta_layer *l);
DEFINE_CLEANUP_FUNC(meta_layer, meta_layer_free)
void meta_layerv_free(meta_layer **v);
void meta_image_free(meta_image *img);
DEFINE_CLEANUP_FUNC(meta_image, meta_image_free)
void meta_imagev_free(meta_image **v);
void meta_bigdatav_free(meta_bigdata *v, size_t n);

/* ---- layers ---- */

/* Registers a layer in the staging state.  Uses id, parent, diff_id, uncompressed_size,
 * driver and created (0 = now) from spec; the state is ignored.  The parent must exist
 * and be ready (else CPOD_ERR_NOT_FOUND / CPOD_ERR_STATE); an existing id: CPOD_ERR_EXISTS. */
int meta_layer_add(meta *m, const meta_layer *spec, cpod_error **err);

/* Marks a staging layer ready, setting diff_id and uncompressed_size when diff_id is not
 * NULL / size is not negative.  A layer that is already ready: CPOD_ERR_STATE. */
int meta_layer_mark_ready(meta *m, const char *id, const char *diff_id, int64_t size,
			  cpod_error **err);

/* Records that compressed blob digest (size, media_type may be NULL) decompresses to the
 * layer id.  Recording it again updates size and media type. */
int meta_layer_add_compressed(meta *m, const char *id, const char *digest, int64_t size,
			      const char *media_type, cpod_error **err);

/* Gets a layer by full id, in any state. */
int meta_layer_get(meta *m, const char *id, meta_layer **ret, cpod_error **err);

/* Finds the ready layer with this diff_id on top of parent (NULL: a base layer), which is
 * the layer a pull can reuse. */
int meta_layer_find_by_diff_id(meta *m, const char *diff_id, const char *parent, meta_layer **ret,
			       cpod_error **err);

/* Finds a ready layer that a blob with this compressed digest was seen to produce (any
 * parent: the caller learns the diff_id and then looks for it on the right parent). */
int meta_layer_find_by_compressed(meta *m, const char *digest, meta_layer **ret, cpod_error **err);

/* Lists all layers (META_LAYER_LIST_ALL) or only the staging ones, which are leftovers of an
 * interrupted write once no writer is running.  *ret is a NULL-terminated vector (free with
 * meta_layerv_free()); returns the number of layers or -1. */
typedef enum { META_LAYER_LIST_ALL, META_LAYER_LIST_STAGING } meta_layer_filter;
int meta_layer_list(meta *m, meta_layer_filter filter, meta_layer ***ret, cpod_error **err);

/* Removes a layer's row (the caller removes its files).  Refused with CPOD_ERR_STATE while a
 * child layer, an image or a container references it. */
int meta_layer_delete(meta *m, const char *id, cpod_error **err);

/* ---- images ---- */

/* Registers an image with its names (each moved from the image that had it), digests and
 * big-data index, in one transaction.  The top layer must exist and be ready. */
int meta_image_create(meta *m, const meta_image_spec *spec, cpod_error **err);

/* Lookups.  meta_image_get: full id.  _by_prefix: a unique id prefix (through id_lookup, so
 * an ambiguous prefix is "not known", as in podman).  _by_name: an exact name; when no name
 * matches and name has the form repo@digest, the image whose digests hold digest and which
 * has a name in repo (repo, repo:tag or repo@...).  _by_digest: the same, with repo NULL
 * meaning any image.  When several images qualify (a manifest list's digest is recorded on
 * each platform's image), the newest is returned. */
int meta_image_get(meta *m, const char *id, meta_image **ret, cpod_error **err);
int meta_image_get_by_prefix(meta *m, const char *prefix, meta_image **ret, cpod_error **err);
int meta_image_get_by_name(meta *m, const char *name, meta_image **ret, cpod_error **err);
int meta_image_get_by_digest(meta *m, const char *repo, const char *digest, meta_image **ret,
			     cpod_error **err);

/* Lists all images, sorted by id, with their names and digests, in one query.
 * *ret is NULL-terminated (free with meta_imagev_free()); returns the count or -1. */
int meta_image_list(meta *m, meta_image ***ret, cpod_error **err);

/* The image's big-data index, sorted by key: *ret holds *ret_n entries (free with
 * meta_bigdatav_free()). */
int meta_image_bigdata(meta *m, const char *id, meta_bigdata **ret, size_t *ret_n,
		       cpod_error **err);

/* Adds names to an image, moving each from the image that had it.  The image must exist. */
int meta_image_add_names(meta *m, const char *id, const char *const *names, cpod_error **err);

/* Removes names from an image; a name the image does not have: CPOD_ERR_NOT_FOUND (and no
 * name is removed). */
/* Records more manifest digests for the image (the same config reached through another
 * manifest); digests already recorded are kept once. */
int meta_image_add_digests(meta *m, const char *id, const char *const *digests, cpod_error **err);
int meta_image_remove_names(meta *m, const char *id, const char *const *names, cpod_error **err);

/* Deletes an image and, in the same transaction, the layers that no longer have a user
 * (walking down from its top layer).  Refused with CPOD_ERR_STATE while a container's rw
 * layer was made from it, unless force (the container keeps its rw layer, which keeps the
 * image's layers).  *ret_layers (may be NULL) receives the deleted layers, top first,
 * so the caller can remove their files: a NULL-terminated vector, free with
 * meta_layerv_free(). */
int meta_image_delete(meta *m, const char *id, int force, meta_layer ***ret_layers,
		      cpod_error **err);

/* ---- containers' rw layers ---- */

/* Records that container_id's rw layer is layer_id, made from image_id (may be NULL). */
int meta_container_add(meta *m, const char *container_id, const char *layer_id,
		       const char *image_id, cpod_error **err);
/* Gets the rw layer id and image id (NULL when none or deleted by force); both out
 * parameters may be NULL; caller frees. */
int meta_container_get(meta *m, const char *container_id, char **ret_layer, char **ret_image,
		       cpod_error **err);
/* Forgets a container (its rw layer row stays; delete it with meta_layer_delete()). */
int meta_container_delete(meta *m, const char *container_id, cpod_error **err);
/* The rw layer ids of every container, sorted by container id, appended to *ret (a strv the
 * caller clears). */
int meta_container_layers(meta *m, strv *ret, cpod_error **err);
/* How many containers use each image, in one query: image ids (sorted) into *ret_ids (an
 * empty strv the caller clears) and their counts into *ret_counts (caller frees). */
int meta_image_container_counts(meta *m, strv *ret_ids, int64_t **ret_counts, cpod_error **err);

#endif
