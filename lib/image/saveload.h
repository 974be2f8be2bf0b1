/* Image archives: `cpod save` and `cpod load` in the docker-archive format (what `docker save`
 * and `podman save` write: manifest.json, <config hex>.json, one uncompressed <diffID hex>.tar
 * per layer, repositories).
 *
 * cpod's store keeps no tar-split data, so a layer read back from the store is cpod's own
 * canonical tar (storage/tar_diff.h), which may differ from the tar the image was made from.
 * When it does, the saved config's rootfs.diff_ids are rewritten to the digests of the tars
 * written, and the saved image has a new ID.  Images whose layers are already canonical (any
 * image that was loaded from a cpod archive) keep their ID through save and load.
 *
 * Loading extracts the archive into a private directory under tmpdir first (entries with an
 * absolute name or a ".." component, and anything but files, directories and symlinks, are
 * refused), reads manifest.json and the configs (size-capped), applies each layer checking its
 * diffID against the config, and registers the images.  A failure leaves the store as it was
 * (names added to images that already existed stay).
 */
#ifndef CPOD_IMAGE_SAVELOAD_H
#define CPOD_IMAGE_SAVELOAD_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/strv.h"
#include "storage/store.h"

/* Largest manifest.json accepted. */
#define ARCHIVE_MANIFEST_MAX_SIZE (4u << 20)

typedef struct {
	const char *const *images; /* names or IDs, NULL-terminated, at least one */
	bool multi;		   /* every name is an image; else images[1..] are extra tags */
	bool oci;		   /* an oci-archive (one image) instead of a docker-archive */
	int fd;			   /* where the tar goes (not closed) */
	const char *tmpdir;	   /* for the layer tars while they are written */
} image_save_opts;

/* Writes a docker-archive of the images to o->fd. */
int image_save_docker(store *s, const image_save_opts *o, cpod_error **err);

/* Loads every image of the docker-archive read from fd (not closed; may be compressed).
 * Appends to *loaded the loaded names, or "sha256:<id>" for an image without one. */
int image_load_docker(store *s, int fd, const char *tmpdir, strv *loaded, cpod_error **err);

#endif
