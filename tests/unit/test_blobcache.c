/* The blob info cache: recording and lookups, the compression and registry filters, newest
 * first, pruning, the pull's trust rule (only pairings the store verified), and a cache that
 * is corrupt, locked or read-only, which must read as empty and never fail. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "image/blobcache.h"
#include "image/image_config.h"
#include "image/manifest.h"
#include "storage/store.h"
#include "tap.h"

#define REG "127.0.0.1:5100"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"

static char top[] = "/tmp/test_blobcache.XXXXXX";

/* "sha256:" and 64 times the hex digit c. */
static char *dg(char c)
{
	char hex[65];

	memset(hex, c, 64);
	hex[64] = '\0';
	return xasprintf("sha256:%s", hex);
}

static char *subdir(const char *name)
{
	char *p = xasprintf("%s/%s", top, name);

	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		abort();
	return p;
}

/* Runs a query that answers one integer. */
static long long count_rows(const char *graphroot, const char *sql)
{
	_cleanup_free_ char *path = blobcache_path(graphroot);
	sqlite3 *conn = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(conn);
	return n;
}

static int record1(blobcache *bc, const char *digest, manifest_compression c, const char *diff_id,
		   const char *repo, int64_t when)
{
	blobcache_blob b = { .digest = digest,
			     .media_type = c == COMPRESSION_ZSTD ? MEDIA_TYPE_OCI_LAYER_ZSTD : GZ,
			     .compression = c,
			     .size = 1234,
			     .diff_id = diff_id };

	return blobcache_record(bc, &b, 1, REG, repo, when);
}

static void test_record_lookup(void)
{
	_cleanup_free_ char *root = subdir("basic"), *path = blobcache_path(root);
	_cleanup_free_ char *d1 = dg('1'), *d2 = dg('2'), *d3 = dg('3'), *diff = dg('d');
	_cleanup_free_ char *other = dg('e');
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	blobcache_candidate *c = NULL;
	struct stat st;
	size_t n;

	ok(bc != NULL, "a new cache opens");
	is_str(path + strlen(root), "/cache/blob-info-cache.db", "its path");
	ok(stat(path, &st) == 0 && S_ISREG(st.st_mode), "the database file exists");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 0, "an empty cache has no candidates");
	ok(c == NULL, "and no array");

	is_int(record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 100), 0,
	       "record a gzip blob in ns/a");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 1, "one candidate");
	if (n == 1) {
		is_str(c[0].digest, d1, "its digest");
		is_str(c[0].media_type, GZ, "its media type");
		is_int(c[0].compression, COMPRESSION_GZIP, "its compression");
		is_int(c[0].size, 1234, "its size");
		is_str(c[0].registry, REG, "its registry");
		is_str(c[0].repo, "ns/a", "its repository");
		is_int(c[0].last_seen, 100, "when it was seen");
	}
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, other, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 0, "another diffID has none");

	/* compression filter */
	is_int(record1(bc, d2, COMPRESSION_ZSTD, diff, "ns/a", 110), 0, "record a zstd blob");
	n = blobcache_candidates(bc, diff, COMPRESSION_ZSTD, REG, 10, &c);
	is_int(n, 1, "zstd: one candidate");
	if (n == 1)
		is_str(c[0].digest, d2, "the zstd blob");
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 1, "gzip: still only the gzip blob");
	if (n == 1)
		is_str(c[0].digest, d1, "the gzip blob");
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff, COMPRESSION_NONE, REG, 10, &c);
	is_int(n, 0, "uncompressed: none");

	/* registry filter */
	blobcache_blob b = {
		.digest = d3, .compression = COMPRESSION_GZIP, .size = 9, .diff_id = diff
	};
	is_int(blobcache_record(bc, &b, 1, "quay.io", "x/y", 120), 0, "record in another registry");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 1, "the other registry is not a candidate here");
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, "quay.io", 10, &c);
	is_int(n, 1, "but is there");
	if (n == 1)
		ok(c[0].media_type == NULL, "a NULL media type stays NULL");
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, NULL, 10, &c);
	is_int(n, 2, "any registry: both gzip blobs");
	blobcache_candidates_free(c, n);
}

static void test_newest_first(void)
{
	_cleanup_free_ char *root = subdir("order");
	_cleanup_free_ char *d1 = dg('1'), *d2 = dg('2'), *diff = dg('d');
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	blobcache_candidate *c = NULL;
	size_t n;

	record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 100);
	record1(bc, d2, COMPRESSION_GZIP, diff, "ns/b", 150);
	record1(bc, d1, COMPRESSION_GZIP, diff, "ns/c", 200);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 3, "three locations");
	if (n == 3) {
		ok(str_eq(c[0].repo, "ns/c") && str_eq(c[0].digest, d1), "newest first: ns/c");
		ok(str_eq(c[1].repo, "ns/b") && str_eq(c[1].digest, d2), "then ns/b");
		ok(str_eq(c[2].repo, "ns/a") && str_eq(c[2].digest, d1), "then ns/a");
	}
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 2, &c);
	is_int(n, 2, "at most max");
	if (n == 2)
		is_str(c[1].repo, "ns/b", "the two newest");
	blobcache_candidates_free(c, n);

	record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 300);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 3, "seeing a location again adds no row");
	if (n == 3) {
		is_str(c[0].repo, "ns/a", "and makes it the newest");
		is_int(c[0].last_seen, 300, "with the new time");
	}
	blobcache_candidates_free(c, n);

	/* time 0: now, newer than anything recorded above */
	record1(bc, d2, COMPRESSION_GZIP, diff, "ns/now", 0);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 1, &c);
	ok(n == 1 && str_eq(c[0].repo, "ns/now") && c[0].last_seen > 1000000000000000000LL,
	   "a record at time 0 is stamped now");
	blobcache_candidates_free(c, n);
}

static void test_prune(void)
{
	_cleanup_free_ char *root = subdir("prune"), *diff = dg('d');
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	blobcache_candidate *c = NULL;
	size_t n;

	blobcache_set_max_locations(bc, 3);
	for (int i = 0; i < 5; i++) {
		_cleanup_free_ char *d = dg((char)('1' + i));

		record1(bc, d, COMPRESSION_GZIP, diff, "ns/a", 100 + i);
	}
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 3, "pruned to the cap");
	if (n == 3) {
		is_int(c[0].last_seen, 104, "the newest kept");
		is_int(c[2].last_seen, 102, "the two oldest gone");
	}
	blobcache_candidates_free(c, n);
	is_int(count_rows(root, "SELECT count(*) FROM locations"), 3, "three location rows");
	is_int(count_rows(root, "SELECT count(*) FROM blobs"), 3,
	       "blobs left without a location are gone too");
	blobcache_close(TAKE_PTR(bc));

	bc = blobcache_open(root);
	{
		_cleanup_free_ char *d = dg('9');

		record1(bc, d, COMPRESSION_GZIP, diff, "ns/a", 50);
	}
	is_int(count_rows(root, "SELECT count(*) FROM locations"), 4,
	       "the cap is the handle's: the default keeps more");
}

static void test_invalid(void)
{
	_cleanup_free_ char *root = subdir("invalid"), *d1 = dg('1'), *diff = dg('d');
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	blobcache_candidate *c = (blobcache_candidate *)1;
	blobcache_blob bad[] = {
		{ .digest = "sha256:short", .compression = COMPRESSION_GZIP, .diff_id = diff },
		{ .digest = d1, .compression = COMPRESSION_GZIP, .diff_id = "md5:x" },
		{ .digest = d1, .compression = (manifest_compression)7, .diff_id = diff },
		{ .digest = NULL, .compression = COMPRESSION_GZIP, .diff_id = diff },
		{ .digest = d1, .compression = COMPRESSION_GZIP, .size = 5, .diff_id = diff },
	};
	size_t n;

	is_int(blobcache_record(bc, bad, ARRAY_SIZE(bad), REG, "ns/a", 1), 0,
	       "a batch with invalid blobs is recorded");
	is_int(count_rows(root, "SELECT count(*) FROM blobs"), 1, "only its valid blob");
	is_int(blobcache_record(bc, bad + 4, 1, REG, "../etc", 1), -1, "a repository with ..");
	is_int(blobcache_record(bc, bad + 4, 1, REG, "ns/A", 1), -1, "an uppercase repository");
	is_int(blobcache_record(bc, bad + 4, 1, REG, "a?b=c", 1), -1, "a query in a repository");
	is_int(blobcache_record(bc, bad + 4, 1, REG, "/a", 1), -1, "a leading slash");
	is_int(blobcache_record(bc, bad + 4, 1, "", "ns/a", 1), -1, "an empty registry");
	is_int(blobcache_record(bc, bad + 4, 1, "a/b", "ns/a", 1), -1, "a slash in a registry");
	is_int(blobcache_record(bc, bad + 4, 1, NULL, "ns/a", 1), -1, "a NULL registry");
	is_int(count_rows(root, "SELECT count(*) FROM locations"), 1, "none of them recorded");
	n = blobcache_candidates(bc, NULL, COMPRESSION_GZIP, REG, 10, &c);
	ok(n == 0 && c == NULL, "a NULL diffID: nothing, *ret set to NULL");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 0, &c);
	is_int(n, 0, "max 0: nothing");

	/* Rows written by something else: an invalid one is skipped, not returned. */
	{
		_cleanup_free_ char *path = blobcache_path(root);
		sqlite3 *conn = NULL;

		sqlite3_open(path, &conn);
		sqlite3_exec(conn,
			     "INSERT INTO locations (digest, registry, repository, last_seen)"
			     " SELECT digest, '" REG "', 'bad/../repo', 99 FROM blobs",
			     NULL, NULL, NULL);
		sqlite3_close(conn);
	}
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	ok(n == 1 && str_eq(c[0].repo, "ns/a"), "a row with an invalid repository is skipped");
	blobcache_candidates_free(c, n);

	is_int(blobcache_record(NULL, bad + 4, 1, REG, "ns/a", 1), -1,
	       "a NULL cache records nothing");
	n = blobcache_candidates(NULL, diff, COMPRESSION_GZIP, REG, 10, &c);
	ok(n == 0 && c == NULL, "a NULL cache has no candidates");
	blobcache_close(NULL);
	blobcache_set_max_locations(NULL, 3);
	ok(1, "close and set_max_locations accept NULL");
}

static void write_file(const char *path, const void *data, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
}

static void test_corrupt(void)
{
	_cleanup_free_ char *root = subdir("corrupt"), *dir = subdir("corrupt/cache");
	_cleanup_free_ char *path = blobcache_path(root), *d1 = dg('1'), *diff = dg('d');
	_cleanup_free_ char *wal = xasprintf("%s-wal", path);
	blobcache_candidate *c = NULL;
	blobcache *bc;
	char junk[8192];
	size_t n;

	write_file(path, "this is not a database\n", 23);
	bc = blobcache_open(root);
	ok(bc != NULL, "a file that is not a database is replaced");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 0, "and reads as empty");
	is_int(record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 1), 0, "the new one works");
	blobcache_close(bc);

	/* A SQLite header over garbage: SQLite itself says it is malformed. */
	memset(junk, 0xa5, sizeof(junk));
	memcpy(junk, "SQLite format 3", 16);
	unlink(wal);
	write_file(path, junk, sizeof(junk));
	bc = blobcache_open(root);
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 0, "a malformed database: no candidates");
	ok(c == NULL, "and no array");
	is_int(record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 1), -1,
	       "recording into it fails without aborting");
	blobcache_close(bc);

	/* The cache directory is a file. */
	{
		_cleanup_free_ char *r2 = subdir("cachefile"), *f = xasprintf("%s/cache", r2);

		write_file(f, "x", 1);
		bc = blobcache_open(r2);
		ok(bc == NULL, "cache/ being a file: no cache");
		n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
		is_int(n, 0, "and no candidates");
	}
}

static void test_locked(void)
{
	_cleanup_free_ char *root = subdir("locked"), *path = blobcache_path(root);
	_cleanup_free_ char *d1 = dg('1'), *d2 = dg('2'), *diff = dg('d');
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	blobcache_candidate *c = NULL;
	struct timespec t0, t1;
	sqlite3 *other = NULL;
	size_t n;

	record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 1);
	sqlite3_open(path, &other);
	ok(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK, "another process "
										  "holds the write "
										  "lock");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(record1(bc, d2, COMPRESSION_GZIP, diff, "ns/b", 2), -1, "recording fails");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(t1.tv_sec - t0.tv_sec < 5, "after a short wait, not the store's 10 s");
	n = blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 1, "lookups still work");
	blobcache_candidates_free(c, n);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	is_int(record1(bc, d2, COMPRESSION_GZIP, diff, "ns/b", 2), 0, "and records once released");
}

/* ---- the pull's record: only what the store verified ---- */

static image_manifest *manifest_of(const char *l1, const char *l2)
{
	_cleanup_free_ char *cfg = dg('c');
	_cleanup_free_ char *text =
		xasprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%"
			  "s\","
			  "\"digest\":\"%s\",\"size\":10},\"layers\":["
			  "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":11},"
			  "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":12}]}",
			  MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_CONFIG, cfg, GZ, l1, GZ, l2);
	image_manifest *m = NULL;

	if (manifest_parse(text, strlen(text), NULL, &m, NULL) < 0)
		abort();
	return m;
}

static image_config *config_of(const char *diff1, const char *diff2)
{
	_cleanup_free_ char *text = xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\","
					      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
					      "[\"%s\",\"%s\"]}}",
					      diff1, diff2);
	image_config *c = NULL;

	if (image_config_parse(text, strlen(text), &c, NULL) < 0)
		abort();
	return c;
}

static void test_note_pull(void)
{
	_cleanup_free_ char *root = subdir("store"), *run = subdir("store-run");
	_cleanup_free_ char *x = dg('a'), *y = dg('b'), *diff2 = dg('2');
	_cleanup_(store_closep) store *s = NULL;
	store_opts so = { .graphroot = root, .runroot = run, .driver = "vfs" };
	store_layer_result res = { 0 };
	cpod_error *err = NULL;
	blobcache_candidate *c = NULL;
	char empty_tar[1024] = { 0 };
	int fd = memfd_create("layer", MFD_CLOEXEC);
	size_t n;

	if (fd < 0 || write(fd, empty_tar, sizeof(empty_tar)) != (ssize_t)sizeof(empty_tar) ||
	    lseek(fd, 0, SEEK_SET) < 0)
		abort();
	ok(store_open(&so, &s, &err) == 0, "a store");
	ok(s && store_layer_apply_fd(s, NULL, fd, NULL, &res, &err) == 0, "with one layer");
	close(fd);
	if (!s || !res.id) {
		diag("%s", err ? cpod_error_message(err) : "?");
		cpod_error_free(err);
		return;
	}
	/* The store saw blob x decompress to the layer; it never saw y. */
	ok(meta_layer_add_compressed(store_meta(s), res.id, x, 11, GZ, NULL) == 0, "blob x was "
										   "seen to make "
										   "the layer");

	image_manifest *m = manifest_of(x, y);
	image_config *cfg = config_of(res.diff_id, diff2);
	blobcache_note_pull(s, REG, "ns/pulled", m, cfg);
	_cleanup_blobcache_ blobcache *bc = blobcache_open(root);
	n = blobcache_candidates(bc, res.diff_id, COMPRESSION_GZIP, REG, 10, &c);
	is_int(n, 1, "the verified layer is recorded");
	if (n == 1) {
		is_str(c[0].digest, x, "with its blob digest");
		is_str(c[0].repo, "ns/pulled", "where it was pulled from");
		is_int(c[0].size, 11, "and its size");
		is_str(c[0].media_type, GZ, "and media type");
	}
	blobcache_candidates_free(c, n);
	n = blobcache_candidates(bc, diff2, COMPRESSION_GZIP, NULL, 10, &c);
	is_int(n, 0, "a layer the store never saw decompress is not");
	manifest_free(m);
	image_config_free(cfg);

	/* A manifest pairing x with another diffID is not believed. */
	m = manifest_of(y, x);
	cfg = config_of(diff2, diff2);
	blobcache_note_pull(s, REG, "ns/liar", m, cfg);
	n = blobcache_candidates(bc, diff2, COMPRESSION_GZIP, NULL, 10, &c);
	is_int(n, 0, "x claimed for another diffID: not recorded");
	manifest_free(m);
	image_config_free(cfg);
	store_layer_result_clear(&res);
}

/* Must run last: it leaves this process in a mount namespace of its own. */
static void test_read_only(void)
{
	_cleanup_free_ char *ro = subdir("ro"), *path = blobcache_path(ro), *diff = dg('d');
	_cleanup_free_ char *d1 = dg('1');
	blobcache_candidate *c = NULL;
	blobcache *bc;
	struct stat st;

	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") < 0) {
			ok(0, "a read-only directory (mount: %s)", strerror(errno));
			return;
		}
	} else if (chmod(ro, 0500) < 0) {
		abort();
	}
	bc = blobcache_open(ro);
	ok(bc == NULL, "a read-only graphroot: no cache");
	ok(stat(path, &st) < 0, "and nothing made");
	is_int(record1(bc, d1, COMPRESSION_GZIP, diff, "ns/a", 1), -1, "recording: nothing");
	is_int(blobcache_candidates(bc, diff, COMPRESSION_GZIP, REG, 10, &c), 0,
	       "lookups: nothing");
	if (geteuid() == 0)
		umount2(ro, MNT_DETACH);
	else
		chmod(ro, 0700);
}

int main(void)
{
	if (!mkdtemp(top))
		abort();
	test_record_lookup();
	test_newest_first();
	test_prune();
	test_invalid();
	test_corrupt();
	test_locked();
	test_note_pull();
	test_read_only();
	if (fs_rm_rf_at(AT_FDCWD, top) < 0)
		diag("removing %s: %s", top, strerror(errno));
	return done_testing();
}
