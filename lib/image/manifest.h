/* Image manifests: OCI image manifests and indexes, Docker v2 schema 2 manifests and manifest
 * lists, legacy Docker v2 schema 1 manifests (read only, as containers/image converts them);
 * choosing an index entry for a platform; writing an OCI manifest.
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
#define MEDIA_TYPE_DOCKER_V2S1 "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_V2S1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* Largest manifest accepted (containers/image's limit). */
#define MANIFEST_MAX_SIZE (4u << 20)

typedef enum {
	MANIFEST_OCI = 1,     /* OCI image manifest */
	MANIFEST_OCI_INDEX,   /* OCI image index */
	MANIFEST_DOCKER_V2S2, /* Docker v2 schema 2 manifest */
	MANIFEST_DOCKER_LIST, /* Docker manifest list */
	MANIFEST_DOCKER_V2S1, /* Docker v2 schema 1 manifest (signed or not) */
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

/* One entry of a schema 1 manifest: fsLayers[i] and history[i] together. */
typedef struct {
	char *blob_sum;		/* the layer blob's digest, validated */
	char *v1_compatibility; /* the history entry's JSON text, as written */
	/* from v1_compatibility (containers/image's Schema1V1Compatibility): */
	char *id;	  /* 64 lowercase hex */
	char *parent;	  /* NULL when absent or empty */
	char *created;	  /* RFC 3339 as written; NULL when absent or null */
	char *created_by; /* container_config.Cmd joined with spaces; NULL when empty */
	char *author;	  /* NULL when absent or empty */
	char *comment;	  /* NULL when absent or empty */
	bool throwaway;	  /* an empty layer: its blob is not applied */
} manifest_v1_entry;

typedef struct {
	char *name; /* NULL when absent */
	char *tag;
	char *architecture;
	/* top first, as the manifest lists them; of consecutive entries with one id only the
	 * oldest is kept (containers/image's fixManifestLayers) */
	manifest_v1_entry *entries;
	size_t n_entries;
} manifest_schema1;

typedef struct {
	manifest_kind kind;
	char *media_type; /* the effective one, never NULL */
	/* image manifests; for schema 1 all zero (no config blob: see manifest_schema1_config()) */
	manifest_descriptor config;
	/* image manifests, bottom first; for schema 1 the blobs of the entries that are not
	 * throwaway, as MEDIA_TYPE_DOCKER_LAYER of unknown size (-1) */
	manifest_descriptor *layers;
	size_t n_layers;
	manifest_descriptor *manifests; /* indexes and lists */
	size_t n_manifests;
	strv annotation_keys;
	strv annotation_values;
	manifest_schema1 *schema1; /* MANIFEST_DOCKER_V2S1 only */
} image_manifest;

/* Parses a manifest of any of the five kinds.  Its type is the document's mediaType; when the
 * document has none (umoci and skopeo leave it out of OCI manifests), declared_media_type (the
 * Content-Type it came with; may be NULL) when that is a known manifest type, else the shape
 * ("manifests" → OCI index, "config" → OCI manifest).  A document whose own mediaType
 * contradicts a known declared one, that mixes "manifests" with "config"/"layers", or whose
 * schemaVersion is neither 1 nor 2 is refused.
 *
 * schemaVersion 1 is a Docker v2 schema 1 manifest, checked as containers/image does: no
 * mediaType other than a schema 1 one, no declared type of another kind, no "config", "layers"
 * or "manifests"; "fsLayers" and "history" of one non-zero length; each v1Compatibility a JSON
 * object with a 64-hex "id", the bottom one without a parent, each other one's parent the id
 * below it (of consecutive entries with one id the oldest is kept; an id seen again further
 * down is refused).  A signed manifest ("signatures", MEDIA_TYPE_DOCKER_V2S1_SIGNED) is read
 * from its JWS payload, the bytes its digest covers (see manifest_digest()); the signatures
 * are not verified (nor does containers/image verify them).  This kind has no config
 * descriptor: callers that need one check m->kind. */
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

/* The digest of a manifest as containers/image computes it (manifest.Digest): the sha256 of
 * the bytes or, for a signed schema 1 manifest (schemaVersion 1, "signatures" not null, no
 * mediaType of another kind), of its JWS payload: the first formatLength bytes followed by
 * formatTail, from the signatures' protected headers, which must agree.  Fails
 * (CPOD_ERR_INVALID) only for a signed schema 1 manifest whose payload cannot be found.
 * *ret ("sha256:...") is the caller's. */
int manifest_digest(const void *data, size_t len, char **ret, cpod_error **err);

/* The image config containers/image makes of a schema 1 manifest (Schema1.ToSchema2Config),
 * byte for byte, so that its sha256 is the image ID podman gives the image: the top entry's
 * v1Compatibility members except id, parent, parent_id, layer_id, throwaway and Size, with
 * "history" (one item per entry, bottom first: created, author, created_by, comment,
 * empty_layer for throwaway entries) and "rootfs" ({"type":"layers","diff_ids":[...]}, the
 * diff_ids left out when n is 0), keys sorted and values compacted as Go's encoding/json
 * writes them (<, >, & escaped).  diff_ids: the n diffIDs of m->layers, bottom first (n may
 * be smaller, to check the rest before the layers are known).  CPOD_ERR_INVALID when m is not
 * schema 1 or a created time cannot be written (a year past 9999).  *ret: the caller's. */
int manifest_schema1_config(const image_manifest *m, const char *const *diff_ids, size_t n,
			    char **ret, cpod_error **err);

/* The JSON (compact) of an OCI image manifest with this config and these layers; descriptors'
 * media types, digests, sizes and annotations are written as given.  The caller frees it. */
char *manifest_build_oci(const manifest_descriptor *config, const manifest_descriptor *layers,
			 size_t n_layers);

#endif
