/* The local transports of pull and push: images copied between the store and OCI layouts
 * (oci:PATH[:REF], oci-archive:PATH[:REF]), docker archives (docker-archive:PATH[:REF]), the
 * dir: transport's directories (dir:PATH) and the store itself (containers-storage:NAME).
 *
 * PATH ends at the first ':' (as in containers/image); REF names the image: the OCI index
 * entry's org.opencontainers.image.ref.name, or a docker-archive's RepoTag ("name:tag") or
 * position ("@N").
 *
 * Pulled images are named as podman names them: oci:PATH:REF as REF; oci:PATH (the layout's
 * only image) and dir: without a name (the ID is printed); oci-archive: by its ref.name
 * annotation; docker-archive: by its RepoTags.  The policy.json is consulted with the
 * transport's name and the absolute path as scope.
 *
 * Pushed images: oci: adds the image to the layout (an entry with the same REF loses the
 * name); oci-archive: and docker-archive: write a new archive; dir: replaces the image in a
 * directory that holds one (and refuses another non-empty directory).  OCI layouts get
 * compressed layers (o->compression); docker-archive: uncompressed ones; dir: uncompressed
 * unless o->dir_compress.
 */
#ifndef CPOD_IMAGE_TRANSPORT_H
#define CPOD_IMAGE_TRANSPORT_H

#include <stdbool.h>

#include <cpod/error.h>

#include "image/manifest.h"
#include "image/saveload.h"
#include "storage/store.h"

/* True when reference starts with one of the local transports above. */
bool image_transport_is_local(const char *reference);

typedef struct {
	const char *reference;
	const char *signature_policy; /* NULL: the default policy.json */
	const char *tmpdir;	      /* where archives are extracted */
	image_progress_fn progress;
	void *progress_data;
} image_transport_pull_opts;

/* Copies the image of o->reference into the store; *ret_id: its ID (caller frees). */
int image_transport_pull(store *s, const image_transport_pull_opts *o, char **ret_id,
			 cpod_error **err);

typedef struct {
	const char *image;		  /* a local name or ID */
	const char *destination;	  /* with its transport */
	manifest_compression compression; /* OCI layouts (and dir: with dir_compress) */
	bool dir_compress;		  /* dir: compressed layers */
	bool docker_v2s2;		  /* dir: a Docker v2s2 manifest */
	const char *tmpdir;		  /* for the layers while they are written */
	image_progress_fn progress;
	void *progress_data;
} image_transport_push_opts;

/* Copies o->image to o->destination; *ret_digest: the manifest's digest (caller frees; NULL
 * for docker-archive and containers-storage). */
int image_transport_push(store *s, const image_transport_push_opts *o, char **ret_digest,
			 cpod_error **err);

#endif
