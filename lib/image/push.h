/* Pushing an image from the store to a registry (podman push's docker transport).
 *
 * For each layer, the blob-info cache (blobcache.h) is asked first for a blob of the same
 * content and compression on the destination registry: one the destination repository has is
 * used as it is, one another repository has is mounted (POST ?mount=&from=).  Otherwise the
 * layer is read back from the store (store_layer_diff: its original tar when the store keeps
 * the tar-split record, else cpod's canonical tar), compressed (compress.h) into a temporary
 * file while its diffID and the compressed digest are computed, and uploaded unless the
 * registry already has that blob.  The config is pushed with rootfs.diff_ids set to the
 * digests of the tars pushed (unchanged when they are the original ones), then the manifest
 * (OCI, or Docker v2s2) under the destination's tag or digest, and the cache learns where the
 * layers went.
 */
#ifndef CPOD_IMAGE_PUSH_H
#define CPOD_IMAGE_PUSH_H

#include <stdbool.h>

#include <cpod/error.h>

#include "image/manifest.h"
#include "storage/store.h"

/* Called with each line podman prints while pushing, without the newline. */
typedef void (*image_push_progress_fn)(void *data, const char *line);

typedef struct {
	const char *image;		  /* a local name or ID */
	const char *destination;	  /* NULL: the image name; "docker://" accepted */
	bool docker_v2s2;		  /* --format v2s2 (gzip layers only) */
	manifest_compression compression; /* COMPRESSION_GZIP or COMPRESSION_ZSTD */
	const char *authfile;		  /* NULL: auth.json's default lookup */
	const char *username;		  /* --creds; NULL: auth.json */
	const char *password;
	const char *cert_dir;		 /* NULL: the certs.d defaults */
	int tls_verify;			 /* -1: from registries.conf, 0: no, 1: yes */
	const char *registries_conf;	 /* NULL: $CONTAINERS_REGISTRIES_CONF or the default */
	const char *tmpdir;		 /* for the layer files while they are pushed */
	image_push_progress_fn progress; /* may be NULL */
	void *progress_data;
} image_push_opts;

/* Pushes o->image; *ret_digest: the manifest digest ("sha256:...", caller frees). */
int image_push(store *s, const image_push_opts *o, char **ret_digest, cpod_error **err);

#endif
