/* The blob info cache: what cpod learnt about registry blobs while pulling and pushing, so
 * that a push can reuse a blob instead of compressing and uploading a layer again (podman's
 * blob info cache, containers/image's blobinfocache).
 *
 * It keeps, in a small SQLite database at <graphroot>/cache/blob-info-cache.db:
 *   - blobs: a compressed blob's digest, its compression, media type and size, and the
 *     diffID (digest of the uncompressed tar) it decompresses to;
 *   - locations: the registry ("host[:port]") and repository where a blob was seen, and when.
 * The locations are capped (BLOBCACHE_MAX_LOCATIONS by default): recording prunes the oldest,
 * and blobs left without a location go with them.
 *
 * A cache is an optimisation and never a reason to fail: a cache that cannot be created,
 * opened, read or written (corrupt, locked, read-only) is logged at debug level and the
 * functions below behave as if it were empty.  A file that is not a SQLite database at all is
 * replaced by a new one.  blobcache_open() returns NULL in that case and every function
 * accepts NULL.  A handle is used by one thread at a time.
 */
#ifndef CPOD_IMAGE_BLOBCACHE_H
#define CPOD_IMAGE_BLOBCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "image/image_config.h"
#include "image/manifest.h"
#include "storage/store.h"

#define BLOBCACHE_MAX_LOCATIONS 20000

typedef struct blobcache blobcache;

/* The database's path for graphroot (caller frees). */
char *blobcache_path(const char *graphroot);

/* Opens (creating <graphroot>/cache/ and the database as needed) the cache of graphroot;
 * NULL when it cannot be used (logged at debug level).  Free with blobcache_close(). */
blobcache *blobcache_open(const char *graphroot);
/* Accepts NULL; keeps errno. */
void blobcache_close(blobcache *bc);
DEFINE_CLEANUP_FUNC(blobcache, blobcache_close)
#define _cleanup_blobcache_ _cleanup_(blobcache_closep)

/* Changes the cap on locations (tests); 0 is taken as 1. */
void blobcache_set_max_locations(blobcache *bc, size_t max);

/* A blob as recorded; the strings are borrowed. */
typedef struct {
	const char *digest;	/* the compressed blob, "sha256:..." */
	const char *media_type; /* may be NULL */
	manifest_compression compression;
	int64_t size;	     /* bytes of the compressed blob, -1 when not known */
	const char *diff_id; /* "sha256:..." of what it decompresses to */
} blobcache_blob;

/* Records n blobs and that each was seen in registry/repo at seen_ns (unix ns; 0: now), in one
 * transaction, then prunes.  A blob recorded again gets the new values and its location the
 * new time; a blob with an invalid digest, diffID or compression is skipped.  Returns 0, or
 * -1 when nothing was recorded (an invalid registry or repository name, or the cache failed:
 * logged at debug level).  bc may be NULL (-1). */
int blobcache_record(blobcache *bc, const blobcache_blob *blobs, size_t n, const char *registry,
		     const char *repo, int64_t seen_ns);

/* A place where a blob that decompresses to the asked diffID can be found. */
typedef struct {
	char *digest;
	char *media_type; /* NULL when not known */
	manifest_compression compression;
	int64_t size;
	char *registry;
	char *repo;
	int64_t last_seen; /* unix ns */
} blobcache_candidate;

/* The locations of blobs known to decompress to diff_id and compressed with comp, in registry
 * (NULL: any), newest first, at most max.  Returns their count (0 when there are none or the
 * cache failed) and sets *ret (blobcache_candidates_free(); NULL when 0). */
size_t blobcache_candidates(blobcache *bc, const char *diff_id, manifest_compression comp,
			    const char *registry, size_t max, blobcache_candidate **ret);
/* Accepts NULL. */
void blobcache_candidates_free(blobcache_candidate *v, size_t n);

/* After a pull: records the layers of m (config cfg) as seen in registry/repo.  Only a layer
 * whose blob the store saw decompress to the config's diffID (meta_layer_find_by_compressed())
 * is recorded: a manifest alone is not trusted with that pairing. */
void blobcache_note_pull(store *s, const char *registry, const char *repo, const image_manifest *m,
			 const image_config *cfg);

#endif
