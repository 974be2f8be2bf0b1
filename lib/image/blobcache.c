/* The blob info cache (see blobcache.h). */
#include "image/blobcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "storage/db.h"
#include "common/banned.h"

/* A cache must not hold a pull or push up for long: a writer that keeps the lock longer
 * than this makes a record fail (and be logged), not wait. */
#define BLOBCACHE_BUSY_TIMEOUT_MS 1000
/* No caller needs more; a bound on what one lookup allocates. */
#define BLOBCACHE_MAX_CANDIDATES 1000
#define NAME_MAX_LEN 255

struct blobcache {
	db *d;
	size_t max_locations;
};

/* Schema steps: migrations[i] takes the schema from version i to i + 1.  Never edit a
 * released step; append a new one. */
static const char *const migrations[] = {
	/* 1: blobs and where they were seen */
	"CREATE TABLE blobs ("
	"  digest TEXT PRIMARY KEY NOT NULL,"
	"  diff_id TEXT NOT NULL,"
	"  compression TEXT NOT NULL CHECK (compression IN ('none', 'gzip', 'zstd')),"
	"  media_type TEXT,"
	"  size INTEGER NOT NULL DEFAULT -1"
	") WITHOUT ROWID;"
	"CREATE INDEX blobs_diff_id ON blobs(diff_id, compression);"
	"CREATE TABLE locations ("
	"  digest TEXT NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,"
	"  registry TEXT NOT NULL,"
	"  repository TEXT NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (digest, registry, repository)"
	");"
	"CREATE INDEX locations_last_seen ON locations(last_seen);",
};

static const char *const compression_names[] = {
	[COMPRESSION_NONE] = "none",
	[COMPRESSION_GZIP] = "gzip",
	[COMPRESSION_ZSTD] = "zstd",
};

static const char *compression_name(manifest_compression c)
{
	return (size_t)c < ARRAY_SIZE(compression_names) ? compression_names[c] : NULL;
}

static int compression_parse(const char *s, manifest_compression *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(compression_names); i++)
		if (str_eq(s, compression_names[i])) {
			*ret = (manifest_compression)i;
			return 0;
		}
	return -1;
}

/* "host[:port]" as a reference's domain spells it. */
static bool valid_registry(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > NAME_MAX_LEN)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_") ==
	       n;
}

/* A repository path: what goes into /v2/<repo>/ and a token scope, so nothing else. */
static bool valid_repo(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > NAME_MAX_LEN || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//") ||
	    strstr(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-/") == n;
}

static bool valid_blob(const blobcache_blob *b)
{
	return digest_validate(b->digest, NULL) == 0 && digest_validate(b->diff_id, NULL) == 0 &&
	       compression_name(b->compression) && b->size >= -1;
}

char *blobcache_path(const char *graphroot)
{
	return xasprintf("%s/cache/blob-info-cache.db", graphroot);
}

/* True when path holds something other than a SQLite database (an empty file is one). */
static bool not_a_database(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char head[sizeof(magic)];
	ssize_t n;

	if (fd < 0)
		return errno == ELOOP;
	do
		n = read(fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	return n > 0 && ((size_t)n < sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0);
}

static void remove_database(const char *path)
{
	const char *const suffixes[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", path, suffixes[i]);

		if (unlink(p) < 0 && errno != ENOENT)
			log_debug("blob info cache: removing '%s': %s", p, strerror(errno));
	}
}

blobcache *blobcache_open(const char *graphroot)
{
	_cleanup_free_ char *dir = xasprintf("%s/cache", graphroot);
	_cleanup_free_ char *path = blobcache_path(graphroot);
	cpod_error *e = NULL;
	blobcache *bc;
	db *d = NULL;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_debug("blob info cache: creating '%s': %s", dir, strerror(errno));
		return NULL;
	}
	if (not_a_database(path)) {
		log_debug("blob info cache: '%s' is not a database: starting a new one", path);
		remove_database(path);
	}
	if (db_open(path, migrations, ARRAY_SIZE(migrations), &d, &e) < 0) {
		log_debug("blob info cache: %s", cpod_error_message(e));
		cpod_error_free(e);
		return NULL;
	}
	sqlite3_busy_timeout(db_sqlite(d), BLOBCACHE_BUSY_TIMEOUT_MS);
	/* Losing the newest records to a power failure costs a compression, nothing more. */
	if (db_exec(d, "PRAGMA synchronous = NORMAL", &e) < 0) {
		log_debug("blob info cache: %s", cpod_error_message(e));
		cpod_error_freep(&e);
	}
	bc = xcalloc(1, sizeof(*bc));
	bc->d = d;
	bc->max_locations = BLOBCACHE_MAX_LOCATIONS;
	return bc;
}

void blobcache_close(blobcache *bc)
{
	int saved = errno;

	if (!bc)
		return;
	db_close(bc->d);
	free(bc);
	errno = saved;
}

void blobcache_set_max_locations(blobcache *bc, size_t max)
{
	if (bc)
		bc->max_locations = max ? max : 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int record_one(blobcache *bc, const blobcache_blob *b, const char *registry,
		      const char *repo, int64_t seen, cpod_error **err)
{
	if (db_run(bc->d, err,
		   "INSERT INTO blobs (digest, diff_id, compression, media_type, size)"
		   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (digest) DO UPDATE SET"
		   " diff_id = excluded.diff_id, compression = excluded.compression,"
		   " media_type = excluded.media_type, size = excluded.size",
		   "tttti", b->digest, b->diff_id, compression_name(b->compression), b->media_type,
		   b->size) < 0)
		return -1;
	if (db_run(bc->d, err,
		   "INSERT INTO locations (digest, registry, repository, last_seen)"
		   " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (digest, registry, repository)"
		   " DO UPDATE SET last_seen = excluded.last_seen",
		   "ttti", b->digest, registry, repo, seen) < 0)
		return -1;
	return 0;
}

/* Keeps the newest max_locations locations, and the blobs that still have one. */
static int prune(blobcache *bc, cpod_error **err)
{
	int r = db_run(bc->d, err,
		       "DELETE FROM locations WHERE rowid IN (SELECT rowid FROM locations"
		       " ORDER BY last_seen DESC, rowid DESC LIMIT -1 OFFSET ?1)",
		       "i", (int64_t)bc->max_locations);

	if (r <= 0)
		return r;
	if (db_run(bc->d, err,
		   "DELETE FROM blobs WHERE NOT EXISTS"
		   " (SELECT 1 FROM locations l WHERE l.digest = blobs.digest)",
		   "") < 0)
		return -1;
	return 0;
}

int blobcache_record(blobcache *bc, const blobcache_blob *blobs, size_t n, const char *registry,
		     const char *repo, int64_t seen_ns)
{
	cpod_error *e = NULL;
	int64_t seen = seen_ns ? seen_ns : now_ns();

	if (!bc)
		return -1;
	if (!valid_registry(registry) || !valid_repo(repo)) {
		log_debug("blob info cache: not recording the location '%s/%s'",
			  registry ? registry : "", repo ? repo : "");
		return -1;
	}
	if (db_begin(bc->d, &e) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!valid_blob(&blobs[i])) {
			log_debug("blob info cache: not recording an invalid blob '%s'",
				  blobs[i].digest ? blobs[i].digest : "");
			continue;
		}
		if (record_one(bc, &blobs[i], registry, repo, seen, &e) < 0)
			goto fail;
	}
	if (prune(bc, &e) < 0 || db_commit(bc->d, &e) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(bc->d);
	log_debug("blob info cache: recording blobs of %s/%s: %s", registry, repo,
		  cpod_error_message(e));
	cpod_error_free(e);
	return -1;
}

void blobcache_candidates_free(blobcache_candidate *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].digest);
		free(v[i].media_type);
		free(v[i].registry);
		free(v[i].repo);
	}
	free(v);
}

/* Fills c from the current row; false (c untouched) for a row that is not valid. */
static bool candidate_from_row(sqlite3_stmt *st, blobcache_candidate *c)
{
	const char *digest = (const char *)sqlite3_column_text(st, 0);
	const char *comp = (const char *)sqlite3_column_text(st, 2);
	const char *registry = (const char *)sqlite3_column_text(st, 4);
	const char *repo = (const char *)sqlite3_column_text(st, 5);
	manifest_compression mc;

	if (!digest || digest_validate(digest, NULL) < 0 || compression_parse(comp, &mc) < 0 ||
	    !valid_registry(registry) || !valid_repo(repo))
		return false;
	*c = (blobcache_candidate){
		.digest = xstrdup(digest),
		.media_type = db_column_strdup(st, 1),
		.compression = mc,
		.size = sqlite3_column_int64(st, 3),
		.registry = xstrdup(registry),
		.repo = xstrdup(repo),
		.last_seen = sqlite3_column_int64(st, 6),
	};
	return true;
}

size_t blobcache_candidates(blobcache *bc, const char *diff_id, manifest_compression comp,
			    const char *registry, size_t max, blobcache_candidate **ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	blobcache_candidate *v = NULL;
	cpod_error *e = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	if (!bc || !diff_id || !compression_name(comp) || !max)
		return 0;
	if (max > BLOBCACHE_MAX_CANDIDATES)
		max = BLOBCACHE_MAX_CANDIDATES;
	if (db_prepare(bc->d,
		       "SELECT b.digest, b.media_type, b.compression, b.size, l.registry,"
		       " l.repository, l.last_seen FROM blobs b JOIN locations l"
		       " ON l.digest = b.digest WHERE b.diff_id = ?1 AND b.compression = ?2"
		       " AND (?3 IS NULL OR l.registry = ?3)"
		       " ORDER BY l.last_seen DESC, l.rowid DESC LIMIT ?4",
		       &st, &e) < 0 ||
	    db_bind(bc->d, st, &e, "ttti", diff_id, compression_name(comp), registry,
		    (int64_t)max) < 0)
		goto fail;
	v = xcalloc(max, sizeof(*v));
	while ((r = db_step(bc->d, st, &e)) > 0)
		if (candidate_from_row(st, &v[n]))
			n++;
	if (r < 0)
		goto fail;
	if (!n)
		free(v);
	else
		*ret = v;
	return n;
fail:
	log_debug("blob info cache: looking up %s: %s", diff_id, cpod_error_message(e));
	cpod_error_free(e);
	blobcache_candidates_free(v, n);
	return 0;
}

/* Layers only a registry can serve: foreign and non-distributable ones are not reused. */
static bool distributable(const char *media_type)
{
	return media_type && !strstr(media_type, "nondistributable") &&
	       !strstr(media_type, "foreign");
}

/* True when the store saw the blob digest decompress to diff_id. */
static bool store_verified(store *s, const char *digest, const char *diff_id)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;

	if (meta_layer_find_by_compressed(store_meta(s), digest, &l, NULL) < 0)
		return false;
	return str_eq(l->diff_id, diff_id);
}

void blobcache_note_pull(store *s, const char *registry, const char *repo, const image_manifest *m,
			 const image_config *cfg)
{
	_cleanup_blobcache_ blobcache *bc = NULL;
	_cleanup_free_ blobcache_blob *blobs = NULL;
	size_t n = 0;

	if (!m->n_layers || m->n_layers != cfg->diff_ids.n)
		return;
	blobs = xcalloc(m->n_layers, sizeof(*blobs));
	for (size_t i = 0; i < m->n_layers; i++) {
		const manifest_descriptor *l = &m->layers[i];
		manifest_compression comp;

		if (!distributable(l->media_type) ||
		    manifest_layer_compression(l->media_type, &comp, NULL) < 0)
			continue;
		if (!store_verified(s, l->digest, cfg->diff_ids.v[i])) {
			log_debug("blob info cache: %s was not seen to decompress to %s", l->digest,
				  cfg->diff_ids.v[i]);
			continue;
		}
		blobs[n++] = (blobcache_blob){ .digest = l->digest,
					       .media_type = l->media_type,
					       .compression = comp,
					       .size = l->size,
					       .diff_id = cfg->diff_ids.v[i] };
	}
	if (!n)
		return;
	bc = blobcache_open(store_graphroot(s));
	blobcache_record(bc, blobs, n, registry, repo, 0);
}
