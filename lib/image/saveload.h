/* Images between the store and image layouts: `cpod save`, `cpod load`, and the local
 * transports of pull and push (transport.h).
 *
 * Three layouts, each in a directory or a tar archive (layout_io.h):
 *   - docker-archive (what `docker save` and `podman save` write): manifest.json,
 *     <config hex>.json, one uncompressed <diffID hex>.tar per layer, repositories;
 *     several images per archive;
 *   - the OCI image layout (oci:, oci-archive:, save --format oci-archive/oci-dir):
 *     oci-layout, index.json (org.opencontainers.image.ref.name annotations), blobs/sha256/;
 *   - the dir: transport (save --format docker-dir): version, manifest.json, blobs named by
 *     their hex digest; one image.
 *
 * Saving reads each layer back from the store (store_layer_diff: the tar it came in when the
 * store has its tar-split record, else cpod's canonical tar), compresses it when asked, and
 * writes the config with rootfs.diff_ids set to the digests of the tars written (unchanged,
 * and so the same image ID, when those are the original tars).
 *
 * Loading reads manifest.json / index.json and the configs (size-capped), checks every blob's
 * digest (OCI, dir) and applies each layer checking its diffID against the config, and
 * registers the images.  A failure leaves the store as it was (names added to images that
 * already existed stay).
 */
#ifndef CPOD_IMAGE_SAVELOAD_H
#define CPOD_IMAGE_SAVELOAD_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/strv.h"
#include "image/layout_io.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "storage/store.h"

/* Largest manifest.json accepted. */
#define ARCHIVE_MANIFEST_MAX_SIZE (4u << 20)

typedef enum {
	LAYOUT_DOCKER_ARCHIVE = 0,
	LAYOUT_OCI,
	LAYOUT_DIR,
} layout_format;

typedef struct {
	const char *const *images; /* names or IDs, NULL-terminated, at least one */
	bool multi;		   /* every name is an image; else images[1..] are extra tags */
	layout_format format;
	layout_writer *w;		  /* where the files go */
	manifest_compression compression; /* of the layers; NONE for a docker-archive */
	bool docker_v2s2;		  /* LAYOUT_DIR: a Docker v2s2 manifest, not OCI */
	const char *ref_name;		  /* the name recorded (RepoTag, OCI ref.name): NULL:
					     from images[], "": none */
	bool merge_index;		  /* LAYOUT_OCI in a directory: keep the other images
					     of an index.json already there */
	const char *tmpdir;		  /* for the layer tars while they are written */
	image_progress_fn progress;	  /* may be NULL */
	void *progress_data;
} image_save_opts;

/* Writes the images to o->w in o->format (the caller closes the writer); *ret_digest (may be
 * NULL): the digest of the manifest written (NULL for a docker-archive). */
int image_save(store *s, const image_save_opts *o, char **ret_digest, cpod_error **err);

typedef struct {
	/* NULL: every image; "": the only one (an error if there are several); otherwise the
	 * docker-archive image with this RepoTag ("name:tag", normalised) or at "@N", or the OCI
	 * index entry with this ref.name. */
	const char *select;
	bool unnamed; /* give the images no name (podman pulls oci: without a name and dir:) */
	image_progress_fn progress; /* may be NULL */
	void *progress_data;
} image_load_opts;

/* Loads the images of the layout r (docker-archive, OCI or dir:, told apart by their files).
 * Appends to *loaded the names given, or "sha256:<id>" for an image without one, and to *ids
 * (may be NULL) the image IDs. */
int image_load_layout(store *s, layout_reader *r, const image_load_opts *o, strv *loaded, strv *ids,
		      cpod_error **err);

#endif
