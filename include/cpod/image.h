/* Images in cpod's store: import, list, inspect, tag, remove, history.
 *
 * Image names are resolved as podman does: a full ID, a unique ID prefix, a name (normalised:
 * "busybox" is "docker.io/library/busybox:latest"), or "name@sha256:...".
 *
 * Records are returned as json-c objects shaped like podman's JSON (the CLI formats them
 * with --format); the caller owns every returned object and drops it with json_object_put().
 */
#ifndef CPOD_IMAGE_H
#define CPOD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>
#include <cpod/export.h>
#include <cpod/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

typedef struct {
	size_t struct_size;		 /* sizeof(cpod_import_opts) */
	const char *path;		 /* the tarball (gzip, zstd, xz or plain); NULL: read fd */
	int fd;				 /* used when path is NULL (stdin for "-") */
	const char *reference;		 /* name to give the image, or NULL */
	const char *const *changes;	 /* --change "CMD=...", "ENV=...", NULL-terminated */
	const char *message;		 /* --message: the history comment */
	const char *os, *arch, *variant; /* NULL: the host's */
} cpod_import_opts;

/* `cpod import`: a root file system tarball becomes a one-layer image.  Returns the image ID
 * (64 hex digits; caller frees).  A bad archive (path traversal, truncated, not a tar) fails
 * with CPOD_ERR_INVALID and leaves the store as it was. */
CPOD_EXPORT char *cpod_image_import(cpod_runtime *rt, const cpod_import_opts *opts,
				    cpod_error **err);

/* Called with each progress line of a pull, as podman prints them to stderr without a
 * terminal ("Trying to pull REF...", "Getting image source signatures", "Copying blob
 * sha256:...", "Copying config sha256:...", "Writing manifest to image destination",
 * "Storing signatures"), without the newline.  line lives for the call only. */
/* cpod_pull_opts.tls_verify: --tls-verify unset (a zeroed struct), =true, =false. */
#define CPOD_TLS_VERIFY_DEFAULT 0
#define CPOD_TLS_VERIFY_ON 1
#define CPOD_TLS_VERIFY_OFF 2

typedef void (*cpod_pull_progress_fn)(void *data, const char *line);

/* cpod_pull_blob_progress.state: a blob is STARTED (or SKIPPED), then RECEIVING any number of
 * times, then DONE; a failed pull stops without DONE. */
typedef enum {
	CPOD_PULL_BLOB_STARTED = 1, /* to be downloaded (current is 0) */
	CPOD_PULL_BLOB_RECEIVING,   /* bytes arriving: current so far */
	CPOD_PULL_BLOB_DONE,	    /* downloaded, checked and extracted (current is total) */
	CPOD_PULL_BLOB_SKIPPED,	    /* the store has the layer: nothing is downloaded */
} cpod_pull_blob_state;

/* One blob of a pull as cpod_pull_opts.blob_progress sees it; lives for the call only. */
typedef struct {
	const char *digest;	    /* "sha256:<hex>" */
	int config;		    /* 1: the image's config, 0: a layer */
	int index;		    /* a layer's place in the manifest, 0 the bottom; -1 config */
	cpod_pull_blob_state state; /* what happened */
	int64_t current;	    /* compressed bytes received so far */
	int64_t total;		    /* the blob's size from the manifest; <= 0: unknown */
} cpod_pull_blob_progress;

/* Byte progress of a pull's blobs, for progress bars (podman's on a terminal).  With it set,
 * the line callback no longer gets the "Copying blob ..." and "Copying config ..." lines (the
 * other lines stay), and the blobs come here instead: every layer STARTED or SKIPPED in the
 * manifest's order once the manifest and config are read, then for each layer downloading
 * RECEIVING on its first bytes and then at most every 100 ms, and its DONE, in whatever order
 * the parallel downloads make; then the config's STARTED and DONE, before "Writing manifest to
 * image destination".  Calls come from the thread that called cpod_image_pull() and from the
 * download threads, but never two at once (the library serialises them, with the line
 * callback too), so the callback needs no lock of its own; it must return quickly, as the
 * download waits for it.  Gets progress_data. */
typedef void (*cpod_pull_blob_fn)(void *data, const cpod_pull_blob_progress *p);

/* Called with each image a pull stored, on the calling thread: the name it was pulled as
 * ("registry/repo:tag"; the reference as given for a local transport) and its ID (64 hex
 * digits); both live for the call only.  Gets progress_data. */
typedef void (*cpod_pull_image_fn)(void *data, const char *name, const char *id);

typedef struct {
	size_t struct_size;    /* sizeof(cpod_pull_opts) */
	const char *reference; /* "busybox", "quay.io/x/y:tag", "docker://...", "x@sha256:..." */
	const char *os, *arch, *variant; /* NULL: the host's (for manifest lists) */
	const char *authfile;		 /* NULL: the default auth.json lookup */
	const char *creds;    /* "user:password" or "user" (empty password); NULL: auth.json */
	const char *cert_dir; /* NULL: /etc/containers/certs.d, /etc/docker/certs.d */
	int tls_verify;	      /* CPOD_TLS_VERIFY_*; 0: registries.conf decides */
	const char *signature_policy;	/* NULL: the default policy.json */
	int retries;			/* extra attempts after a network error (podman: 3) */
	int retry_delay_ms;		/* between attempts; 0: none; < 0: podman's default,
					   1 s doubling up to 60 s */
	cpod_pull_progress_fn progress; /* may be NULL */
	void *progress_data;
	/* Appended later: a caller built against an older header leaves them zero. */
	cpod_pull_blob_fn blob_progress; /* byte progress instead of "Copying" lines; may be NULL */
	int all_tags; /* -a: every tag of the repository, each stored as it is pulled; the
			 reference must have no tag or digest (CPOD_ERR_INVALID) */
	cpod_pull_image_fn pulled; /* each image stored (every tag with all_tags); may be NULL */
} cpod_pull_opts;

/* `cpod pull`: resolves the reference (short names through registries.conf), downloads the
 * image and stores it.  Returns the image ID (64 hex digits; caller frees); with all_tags, the
 * last tag's (the tags come from the first candidate registry that lists them, and are pulled
 * in the registry's order; a repository without tags is CPOD_ERR_NOT_FOUND).  Errors:
 * CPOD_ERR_INVALID for a bad reference, a refused policy or an unsupported transport,
 * CPOD_ERR_AUTH when the registry refuses the credentials, CPOD_ERR_NOT_FOUND for an unknown
 * manifest, CPOD_ERR_REGISTRY for a digest or size mismatch, CPOD_ERR_SYSTEM for network
 * errors.  A failed pull leaves the store as it was.  References with a local transport
 * (oci:PATH[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:REF], dir:PATH,
 * containers-storage:NAME) are copied from there, named as podman names them. */
CPOD_EXPORT char *cpod_image_pull(cpod_runtime *rt, const cpod_pull_opts *opts, cpod_error **err);

/* `cpod images`: every image, as podman's ImageSummary records: Id, ParentId, RepoTags,
 * RepoDigests, Names, Digest, Created (unix seconds), Size, VirtualSize, SharedSize, Labels,
 * Containers, Dangling, ReadOnly, History.  With all == 0, intermediate images are left out
 * (podman's rule: untagged images that are parents of others).  Filters are podman's
 * "key=value" strings (reference, before, since, dangling, label, id, until); a bad filter is
 * CPOD_ERR_INVALID.  Returns a JSON array. */
CPOD_EXPORT struct json_object *cpod_image_list(cpod_runtime *rt, int all,
						const char *const *filters, cpod_error **err);

/* `cpod image inspect NAME`: podman's ImageData object (Id, Digest, RepoTags, RepoDigests,
 * Parent, Comment, Created, Config, Version, Author, Architecture, Os, Size, VirtualSize,
 * GraphDriver, RootFS, Labels, Annotations, ManifestType, User, History, NamesHistory). */
CPOD_EXPORT struct json_object *cpod_image_inspect(cpod_runtime *rt, const char *name,
						   cpod_error **err);

/* 1 when NAME resolves to an image, 0 when not, -1 on another error. */
CPOD_EXPORT int cpod_image_exists(cpod_runtime *rt, const char *name, cpod_error **err);

/* `cpod tag`: adds new_name (normalised) to the image; a name held by another image moves. */
CPOD_EXPORT int cpod_image_tag(cpod_runtime *rt, const char *name, const char *new_name,
			       cpod_error **err);
/* `cpod untag`: removes tag (normalised) from the image, or every name when tag is NULL. */
CPOD_EXPORT int cpod_image_untag(cpod_runtime *rt, const char *name, const char *tag,
				 cpod_error **err);

/* `cpod rmi NAME`: removes the image, or only the name NAME when the image has other names
 * and NAME is not an ID (podman's "Untagged:" case).  Refused with CPOD_ERR_STATE while a
 * container uses it, unless force.  Sets *ret_untagged and *ret_deleted (JSON arrays of
 * strings: the names removed, the image IDs deleted). */
CPOD_EXPORT int cpod_image_remove(cpod_runtime *rt, const char *name, int force,
				  struct json_object **ret_untagged,
				  struct json_object **ret_deleted, cpod_error **err);

typedef struct {
	size_t struct_size;   /* sizeof(cpod_search_opts) */
	const char *term;     /* "host/term" searches host; "term" every unqualified-search one */
	const char *authfile; /* NULL: the default auth.json lookup */
	const char *creds;    /* "user:password" or "user"; NULL: auth.json */
	const char *cert_dir; /* NULL: the default certs.d directories */
	int tls_verify;	      /* CPOD_TLS_VERIFY_*; 0: registries.conf decides */
	int list_tags;	      /* term names one repository: list its tags */
	int limit;	      /* results per registry; <= 0: 25 */
} cpod_search_opts;

/* `cpod search`: repositories of registries offering /v2/_catalog whose names contain the
 * term (or, with list_tags, the repository's tags), as a JSON array of podman's records
 * {Index, Name, Description, Stars, Official, Automated, Tag} (the caller puts it).  Fails
 * (CPOD_ERR_REGISTRY, _AUTH, _SYSTEM) when every registry searched failed. */
CPOD_EXPORT struct json_object *cpod_image_search(cpod_runtime *rt, const cpod_search_opts *opts,
						  cpod_error **err);

/* `cpod history NAME`: podman's history records, newest first: id, created (unix seconds),
 * createdBy, size, comment, tags. */
CPOD_EXPORT struct json_object *cpod_image_history(cpod_runtime *rt, const char *name,
						   cpod_error **err);

/* `cpod image prune`: removes the dangling images (no name), or with all every image, that no
 * container uses, in one pass (cpod's images have no parent chains that a removal could leave
 * dangling).  filters: "until=TIME", "label=KEY[=VALUE]" (the image must have it),
 * "label!=KEY[=VALUE]" (the image must not), and the other keys of cpod_image_list(); a bad
 * filter is CPOD_ERR_INVALID.  *ret_removed (may be NULL) is set even on failure: a JSON array
 * of the IDs removed. */
CPOD_EXPORT int cpod_image_prune(cpod_runtime *rt, int all, const char *const *filters,
				 struct json_object **ret_removed, cpod_error **err);

/* `cpod image tree NAME`: podman's text ("Image ID: ...", "Tags:", "Size:", then the layers
 * drawn as a tree), ending with a newline; with whatrequires the layers stacked on the image's
 * top layer instead of those below it.  The caller frees the string. */
CPOD_EXPORT char *cpod_image_tree(cpod_runtime *rt, const char *name, int whatrequires,
				  cpod_error **err);

/* `cpod image mount NAME`: mounts the image read-only, one more reference each call.  Returns
 * {Id, Names, Repositories (its tags), Path}.  With the vfs driver the path is the layer
 * directory itself: do not write there. */
CPOD_EXPORT struct json_object *cpod_image_mount(cpod_runtime *rt, const char *name,
						 cpod_error **err);
/* `cpod image unmount NAME`: drops one reference (every one with force), unmounting at zero.
 * An image that is not mounted: CPOD_ERR_STATE.  Returns the image ID (caller frees). */
CPOD_EXPORT char *cpod_image_unmount(cpod_runtime *rt, const char *name, int force,
				     cpod_error **err);
/* The mounted images: a JSON array of {Id, Names, Repositories, Path, Count}.  The vfs driver
 * does not count mounts: with it the array is always empty. */
CPOD_EXPORT struct json_object *cpod_image_mounted(cpod_runtime *rt, cpod_error **err);

/* cpod_save_opts.format */
#define CPOD_SAVE_DOCKER_ARCHIVE "docker-archive"
#define CPOD_SAVE_OCI_ARCHIVE "oci-archive"
#define CPOD_SAVE_OCI_DIR "oci-dir"
#define CPOD_SAVE_DOCKER_DIR "docker-dir"

typedef struct {
	size_t struct_size;	   /* sizeof(cpod_save_opts) */
	const char *const *images; /* names or IDs, NULL-terminated, at least one */
	const char *format;	   /* CPOD_SAVE_*; NULL: docker-archive */
	int multi_image;	   /* -m: every name is an image; else the others tag the first */
	int fd;			   /* where an archive is written (not closed) */
	const char *dir;	   /* oci-dir, docker-dir: the directory written */
	int compress;		   /* docker-dir: gzip the layers (--compress) */
	int uncompressed;	   /* oci-archive, oci-dir: keep the layers uncompressed */
} cpod_save_opts;

/* `cpod save`: writes a docker-archive (manifest.json, <config>.json, <diffID>.tar layers,
 * repositories) of the images; or one image as an oci-archive or OCI layout directory
 * (oci-layout, index.json with the name as org.opencontainers.image.ref.name, blobs/sha256/
 * with gzip layers unless uncompressed), or as a dir: directory with a Docker v2s2 manifest
 * (docker-dir: version, manifest.json, blobs named by their hex digest; uncompressed layers
 * unless compress).  A layer the store keeps no tar-split record for is written as cpod's
 * canonical tar, and when that differs from the tar the image was made from the config's
 * diff_ids are rewritten (a new image ID in the archive).  An unknown image:
 * CPOD_ERR_NOT_FOUND; another format: CPOD_ERR_INVALID. */
CPOD_EXPORT int cpod_image_save(cpod_runtime *rt, const cpod_save_opts *opts, cpod_error **err);

typedef struct {
	size_t struct_size;		/* sizeof(cpod_load_opts) */
	int fd;				/* the archive, or a directory (not closed) */
	cpod_pull_progress_fn progress; /* "Copying blob ...", as podman prints them; may be NULL */
	void *progress_data;
} cpod_load_opts;

/* `cpod load`: loads every image of the docker-archive or oci-archive read from opts->fd (may
 * be compressed), or of the OCI layout or dir: directory it opens, checking each layer's diffID
 * against its config.  Returns a JSON array of the names loaded ("sha256:<id>" for an image
 * without a name).  A bad archive fails with CPOD_ERR_INVALID naming the file and leaves the
 * store as it was. */
CPOD_EXPORT struct json_object *cpod_image_load(cpod_runtime *rt, const cpod_load_opts *opts,
						cpod_error **err);

/* cpod_push_opts.format / .compression */
#define CPOD_PUSH_FORMAT_OCI "oci"
#define CPOD_PUSH_FORMAT_V2S2 "v2s2"

typedef struct {
	size_t struct_size;		/* sizeof(cpod_push_opts) */
	const char *image;		/* a local name or ID */
	const char *destination;	/* NULL: the image's name; "docker://" accepted */
	const char *format;		/* "oci" (NULL: the same) or "v2s2" */
	const char *compression;	/* "gzip" (NULL: the same) or "zstd" */
	const char *authfile;		/* NULL: the default auth.json lookup */
	const char *creds;		/* "user:password" or "user"; NULL: auth.json */
	const char *cert_dir;		/* NULL: the certs.d defaults */
	int tls_verify;			/* CPOD_TLS_VERIFY_*; 0: registries.conf decides */
	cpod_pull_progress_fn progress; /* "Copying blob ...", may be NULL */
	void *progress_data;
	int compress; /* dir: destinations: compress the layers */
} cpod_push_opts;

/* `cpod push`: uploads the image's layers (compressed; blobs the registry has are skipped),
 * its config and an OCI or Docker v2s2 manifest.  A destination with a local transport
 * (oci:PATH[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:REF], dir:PATH,
 * containers-storage:NAME) is written instead; the digest is then that of the manifest
 * written, or "" for docker-archive and containers-storage.  Returns the manifest digest ("sha256:...",
 * caller frees).  Errors: CPOD_ERR_NOT_FOUND for an unknown image, CPOD_ERR_INVALID for a
 * bad reference or option, CPOD_ERR_AUTH when the registry refuses, CPOD_ERR_REGISTRY or
 * CPOD_ERR_SYSTEM otherwise. */
CPOD_EXPORT char *cpod_image_push(cpod_runtime *rt, const cpod_push_opts *opts, cpod_error **err);

#ifdef __cplusplus
}
#endif
#endif
