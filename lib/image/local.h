/* Images in the local store: name resolution, import, records for list/inspect/history,
 * tagging and removal.  The engine wraps these in the public API (include/cpod/image.h).
 *
 * Names are stored fully qualified with a tag or digest ("docker.io/library/busybox:latest").
 * A name given to tag, import or commit without a registry gets "localhost/", as podman does;
 * a short name given to a lookup is tried as docker.io/library/NAME, then localhost/NAME, and
 * then as the end of the path of any stored name ("busybox" finds
 * "127.0.0.1:5100/x/busybox:latest"), when exactly one image has such a name.
 */
#ifndef CPOD_IMAGE_LOCAL_H
#define CPOD_IMAGE_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cpod/error.h>
#include <json-c/json.h>

#include "common/strv.h"
#include "storage/store.h"

/* Finds the image NAME stands for: a full ID, a name (see above), name@digest, or a unique ID
 * prefix.  CPOD_ERR_NOT_FOUND: "NAME: image not known". */
int image_lookup(store *s, const char *name, meta_image **ret, cpod_error **err);

/* The stored form of a name for tagging: qualified (short names under localhost/), with
 * ":latest" unless it has a tag or digest.  The caller frees it. */
int image_name_for_tag(const char *name, char **ret, cpod_error **err);

/* The ids of the layer top and its parents, bottom first, appended to ret (top NULL: none). */
int image_layer_chain(store *s, const char *top, strv *ret, cpod_error **err);

int image_tag(store *s, const char *name, const char *new_name, cpod_error **err);
/* Removes tag (NULL: every name) from the image NAME. */
int image_untag(store *s, const char *name, const char *tag, cpod_error **err);
/* podman's rmi of one NAME; fills the names removed and the IDs deleted. */
int image_remove(store *s, const char *name, bool force, strv *untagged, strv *deleted,
		 cpod_error **err);

typedef struct {
	const char *path; /* NULL: fd */
	int fd;
	const char *reference; /* NULL: no name */
	const char *const *changes;
	const char *message;
	const char *os, *arch, *variant;
} image_import_opts;

/* Imports a root file system tarball as a one-layer image; *ret_id: the image ID. */
int image_import(store *s, const image_import_opts *o, char **ret_id, cpod_error **err);

/* Records, shaped as podman's JSON (see include/cpod/image.h).  Caller owns the results. */
json_object *image_list(store *s, bool all, const char *const *filters, cpod_error **err);
json_object *image_inspect(store *s, const meta_image *img, cpod_error **err);
json_object *image_history_records(store *s, const meta_image *img, cpod_error **err);

#endif
