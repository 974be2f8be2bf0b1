/* Image manifests: OCI image manifests and indexes, Docker v2 schema 2 manifests and manifest
 * lists; choosing an index entry for a platform; writing an OCI manifest.
 *
 * Everything in the structs is owned by them; manifest_free() releases it.  Errors are
 * CPOD_ERR_INVALID naming the JSON path, except "no entry for this platform"
 * (CPOD_ERR_NOT_FOUND).
 */
#ifndef CPOD_IMAGE_MANIFEST_H
#define CPOD_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "common/strv.h"

#define MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* Largest manifest accepted (containers/image's limit). */
#define MANIFEST_MAX_SIZE (4u << 20)

typedef enum {
	MANIFEST_OCI = 1,     /* OCI image manifest */
	MANIFEST_OCI_INDEX,   /* OCI image index */
	MANIFEST_DOCKER_V2S2, /* Docker v2 schema 2 manifest */
	MANIFEST_DOCKER_LIST, /* Docker manifest list */
} manifest_kind;

typedef enum {
	COMPRESSION_NONE = 0,
	COMPRESSION_GZIP,
	COMPRESSION_ZSTD,
} manifest_compression;

typedef struct {
	char *architecture; /* NULL when absent */
	char *os;
	char *variant;
} manifest_platform;

typedef struct {
	char *media_type;     /* NULL only for a missing optional one (index entries) */
	char *digest;	      /* validated "algo:hex" */
	int64_t size;	      /* >= 0 */
	strv annotation_keys; /* annotations, in two parallel vectors */
	strv annotation_values;
	bool has_platform;
	manifest_platform platform; /* index entries */
} manifest_descriptor;

typedef struct {
	manifest_kind kind;
	char *media_type;	     /* the effective one, never NULL */
	manifest_descriptor config;  /* image manifests */
	manifest_descriptor *layers; /* image manifests, bottom first */
	size_t n_layers;
	manifest_descriptor *manifests; /* indexes and lists */
	size_t n_manifests;
	strv annotation_keys;
	strv annotation_values;
} image_manifest;

/* Parses a manifest of any of the four kinds.  Its type is the document's mediaType; when the
 * document has none (umoci and skopeo leave it out of OCI manifests), declared_media_type (the
 * Content-Type it came with; may be NULL) when that is a known manifest type, else the shape
 * ("manifests" → OCI index, "config" → OCI manifest).  A document whose own mediaType
 * contradicts a known declared one, that mixes "manifests" with "config"/"layers", or whose
 * schemaVersion is not 2 is refused. */
int manifest_parse(const void *data, size_t len, const char *declared_media_type,
		   image_manifest **ret, cpod_error **err);
/* Accepts NULL. */
void manifest_free(image_manifest *m);
DEFINE_CLEANUP_FUNC(image_manifest, manifest_free)
#define _cleanup_manifest_ _cleanup_(manifest_freep)

/* True for MANIFEST_OCI_INDEX and MANIFEST_DOCKER_LIST. */
bool manifest_is_index(const image_manifest *m);

/* The compression of a layer from its media type: OCI tar / tar+gzip / tar+zstd (also the
 * non-distributable forms) and Docker's rootfs.diff.tar(.gzip) / foreign layers.  Fails
 * (CPOD_ERR_INVALID) for any other media type. */
int manifest_layer_compression(const char *media_type, manifest_compression *ret, cpod_error **err);

/* Normalises a platform as containers/image does: x86_64 → amd64, aarch64 → arm64,
 * armhf → arm v7, armel → arm v6; an empty variant of arm64 is "v8", of arm "v7".  Sets new
 * strings in *ret_arch and *ret_variant (variant may become NULL). */
void manifest_normalize_platform(const char *arch, const char *variant, char **ret_arch,
				 char **ret_variant);

/* This machine's architecture as OCI names it ("amd64", "arm64"); static storage. */
const char *manifest_host_arch(void);

/* Picks the entry of an index for os/arch/variant (variant may be NULL): the exact variant
 * first, then older compatible ones (arm v7 runs v6 and v5; arm v8 runs v7...).  Sets *ret to
 * the entry (borrowed from m).  CPOD_ERR_NOT_FOUND when nothing fits; CPOD_ERR_INVALID when m
 * is not an index. */
int manifest_choose_platform(const image_manifest *m, const char *os, const char *arch,
			     const char *variant, const manifest_descriptor **ret,
			     cpod_error **err);

/* The JSON (compact) of an OCI image manifest with this config and these layers; descriptors'
 * media types, digests, sizes and annotations are written as given.  The caller frees it. */
char *manifest_build_oci(const manifest_descriptor *config, const manifest_descriptor *layers,
			 size_t n_layers);

#endif
