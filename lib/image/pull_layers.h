/* The layers of a pull: downloaded and extracted in parallel, committed in order.
 *
 * Layers the store has (the same diffID on the same parent) are skipped.  The others are
 * jobs, started bottom first by up to `parallel` worker threads, each with its own registry
 * client (its own connection): blob -> sha256 of the compressed bytes -> decompression
 * (decompress.h) -> the store's staged apply (store_layer_stage_apply(), which computes the
 * diffID) into a staging layer of its own.  Meanwhile the calling thread, which alone uses the
 * store handle, commits each layer as soon as it and the layers below it are extracted, so the
 * parent chain is built bottom up.  The first failure stops the others (their next read fails)
 * and is the one reported; nothing of the failed pull stays visible in the store, and the
 * layers committed before it are returned in *made for the caller to delete.
 *
 * With a driver that cannot stage a layer before its parent exists (vfs), the layers are
 * downloaded and applied one after the other on the calling thread.
 *
 * Progress lines ("Copying blob sha256:..." for each layer, "... skipped: already exists" for
 * the ones the store has) are all given on the calling thread, in the manifest's order, before
 * the downloads start.  With blob_progress set they are not: each layer is STARTED or SKIPPED
 * instead, on the calling thread before the downloads start, then RECEIVING (from the thread
 * downloading it, at most every PULL_LAYERS_PROGRESS_MS and on its first bytes) and DONE once
 * extracted.  One mutex makes the calls one at a time.
 */
#ifndef CPOD_IMAGE_PULL_LAYERS_H
#define CPOD_IMAGE_PULL_LAYERS_H

#include <stdint.h>

#include <cpod/error.h>
#include <cpod/image.h>

#include "common/strv.h"
#include "image/image_config.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "storage/store.h"

/* Blobs downloaded at once by default (podman's). */
#define PULL_LAYERS_DEFAULT_PARALLEL 6
/* The least time between two RECEIVING events of one blob. */
#define PULL_LAYERS_PROGRESS_MS 100

typedef void (*pull_layers_progress_fn)(void *data, const char *line);

typedef struct {
	store *s;
	registry_client *rc; /* the caller's client: cloned for each worker */
	const char *repo;
	const image_manifest *m;
	/* the config with the layers' diffIDs; NULL when they are not known before the layers
	 * are (schema 1): each is then computed as its layer is applied, and a layer is found in
	 * the store through the diffID its blob was seen to produce before */
	const image_config *cfg;
	strv *diff_ids; /* may be NULL; gets every layer's diffID, bottom first, on success */
	int parallel;	/* <= 0: PULL_LAYERS_DEFAULT_PARALLEL */
	pull_layers_progress_fn progress; /* may be NULL */
	cpod_pull_blob_fn blob_progress;  /* may be NULL; replaces the "Copying blob" lines */
	void *progress_data;		  /* for both */
} pull_layers_opts;

/* Pulls every layer of o->m; *ret_top gets the top layer's id (NULL for an image without
 * layers; the caller frees it), *ret_size the sum of the uncompressed sizes.  made (an
 * initialised strv) collects the layers written, on failure too, for the caller's cleanup. */
int pull_layers(const pull_layers_opts *o, char **ret_top, int64_t *ret_size, strv *made,
		cpod_error **err);

#endif
