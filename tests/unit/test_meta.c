#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "storage/db.h"
#include "storage/meta.h"
#include "tap.h"

#define DIFF_A "sha256:aaaa000000000000000000000000000000000000000000000000000000000000"
#define DIFF_B "sha256:bbbb000000000000000000000000000000000000000000000000000000000000"

static char tmpdir[] = "/tmp/cpod-test-meta-XXXXXX";

/* Writes a 64-hex ID: prefix, then n in hex, zero-padded. */
static void mkid(char out[65], const char *prefix, unsigned n)
{
	snprintf(out, 65, "%s%0*x", prefix, (int)(64 - strlen(prefix)), n);
}

/* Checks e has kind and its message contains msg, then frees it. */
static void is_error(cpod_error *e, cpod_errkind kind, const char *msg, const char *name)
{
	if (!ok(e != NULL, "%s: fails", name))
		return;
	is_int(cpod_error_kind(e), kind, "%s: kind", name);
	if (!ok(strstr(cpod_error_message(e), msg) != NULL, "%s: message has '%s'", name, msg))
		diag("message: %s", cpod_error_message(e));
	cpod_error_free(e);
}

/* Runs a query answering one text value; returns a copy (caller frees) or NULL. */
static char *query1(db *d, const char *sql)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (db_prepare(d, sql, &st, NULL) < 0 || db_step(d, st, NULL) <= 0)
		return NULL;
	return db_column_strdup(st, 0);
}

static long long query_int(db *d, const char *sql)
{
	_cleanup_free_ char *s = query1(d, sql);

	return s ? atoll(s) : -1;
}

static int add_ready_layer(meta *m, const char *id, const char *parent, const char *diff,
			   cpod_error **err)
{
	meta_layer spec = { .id = (char *)id,
			    .parent = (char *)parent,
			    .driver = (char *)"vfs",
			    .uncompressed_size = -1 };

	if (meta_layer_add(m, &spec, err) < 0)
		return -1;
	return meta_layer_mark_ready(m, id, diff, 1234, err);
}

static void test_db_migrations(void)
{
	_cleanup_free_ char *path = xasprintf("%s/mig.db", tmpdir);
	_cleanup_free_ char *junk = xasprintf("%s/junk.db", tmpdir);
	FILE *f;
	const char *const steps[] = { "CREATE TABLE a (x); INSERT INTO a VALUES (1)",
				      "CREATE TABLE b (y)",
				      "CREATE TABLE c (z); CREATE TABLE c (z)" };
	db *d = NULL;
	cpod_error *e = NULL;
	int v = -1;
	int cond;

	ok(db_open(path, steps, 1, &d, &e) == 0, "db: open with one migration");
	db_user_version(d, &v, NULL);
	is_int(v, 1, "db: user_version 1");
	db_close(d);
	ok(db_open(path, steps, 1, &d, &e) == 0, "db: reopen applies nothing again");
	is_int(query_int(d, "SELECT count(*) FROM a"), 1, "db: step 1 ran once");
	db_close(d);
	ok(db_open(path, steps, 2, &d, &e) == 0, "db: open with two migrations");
	db_user_version(d, &v, NULL);
	is_int(v, 2, "db: user_version 2");
	is_int(query_int(d, "SELECT count(*) FROM b"), 0, "db: table b created");
	db_close(d);
	d = NULL;
	ok(db_open(path, steps, 1, &d, &e) < 0 && !d, "db: older code refuses newer schema");
	is_error(e, CPOD_ERR_STATE, "schema version 2 is newer", "db: newer schema");
	e = NULL;
	ok(db_open(path, steps, 3, &d, &e) < 0, "db: failing migration fails the open");
	is_error(e, CPOD_ERR_SYSTEM, "migrating to schema version 3", "db: failing migration");
	e = NULL;
	ok(db_open(path, steps, 2, &d, &e) == 0, "db: reopen after failed migration");
	db_user_version(d, &v, NULL);
	is_int(v, 2, "db: failed migration left version 2");
	cond = query1(d, "SELECT name FROM sqlite_master WHERE name = 'c'") == NULL;
	ok(cond, "db: failed migration rolled back its first statement");
	db_close(d);

	f = fopen(junk, "w");
	if (f) {
		fputs("this is not an SQLite database, not at all, but long enough to look\n", f);
		fclose(f);
	}
	d = NULL;
	ok(db_open(junk, steps, 1, &d, &e) < 0 && !d, "db: a file that is not a database");
	is_error(e, CPOD_ERR_SYSTEM, "junk.db': file is not a database", "db: not a database");
}

static void test_db_tx(void)
{
	_cleanup_free_ char *path = xasprintf("%s/tx.db", tmpdir);
	_cleanup_free_ char *locked = xasprintf("database '%s': database is locked", path);
	_cleanup_free_ char *mode = NULL;
	const char *const steps[] = { "CREATE TABLE t (k TEXT PRIMARY KEY)" };
	_cleanup_(db_closep) db *d = NULL;
	_cleanup_(db_closep) db *d2 = NULL;
	cpod_error *e = NULL;

	if (!ok(db_open(path, steps, 1, &d, &e) == 0, "tx: open"))
		return;
	mode = query1(d, "PRAGMA journal_mode");
	is_str(mode, "wal", "tx: WAL journal");
	is_int(query_int(d, "PRAGMA foreign_keys"), 1, "tx: foreign keys on");
	is_int(query_int(d, "PRAGMA busy_timeout"), DB_BUSY_TIMEOUT_MS, "tx: busy timeout 10 s");
	ok(db_begin(d, &e) == 0 && db_in_transaction(d), "tx: begin");
	ok(db_begin(d, &e) < 0, "tx: nested begin refused");
	is_error(e, CPOD_ERR_INTERNAL, "already open", "tx: nested begin");
	e = NULL;
	is_int(db_run(d, &e, "INSERT INTO t VALUES (?1)", "t", "one"), 1, "tx: insert counts 1");
	db_rollback(d);
	ok(!db_in_transaction(d), "tx: rollback ends it");
	is_int(query_int(d, "SELECT count(*) FROM t"), 0, "tx: rollback undid the insert");
	ok(db_commit(d, &e) < 0, "tx: commit without begin refused");
	is_error(e, CPOD_ERR_INTERNAL, "no transaction", "tx: commit without begin");
	e = NULL;
	db_begin(d, NULL);
	db_run(d, NULL, "INSERT INTO t VALUES (?1)", "t", "one");
	ok(db_commit(d, &e) == 0, "tx: commit");
	is_int(query_int(d, "SELECT count(*) FROM t"), 1, "tx: committed row visible");
	ok(db_run(d, &e, "INSERT INTO t VALUES (?1)", "t", "one") < 0, "tx: duplicate key");
	is_error(e, CPOD_ERR_EXISTS, "UNIQUE constraint failed", "tx: duplicate key");
	e = NULL;
	ok(db_exec(d, "SELEC 1", &e) < 0, "tx: bad SQL");
	is_error(e, CPOD_ERR_SYSTEM, "database '", "tx: bad SQL");
	e = NULL;

	/* A second connection waits for the write lock; with a short timeout it gives up. */
	if (!ok(db_open(path, steps, 1, &d2, &e) == 0, "tx: second connection"))
		return;
	sqlite3_busy_timeout(db_sqlite(d2), 50);
	db_begin(d, NULL);
	ok(db_begin(d2, &e) < 0, "tx: second writer times out");
	if (e)
		is_str(cpod_error_message(e), locked, "tx: locked message names the database");
	cpod_error_free(e);
	e = NULL;
	db_rollback(d);
	ok(db_begin(d2, &e) == 0, "tx: second writer proceeds once the first is done");
	db_rollback(d2);
}

static void test_schema(void)
{
	_cleanup_(meta_closep) meta *m = NULL;
	cpod_error *e = NULL;
	int v = -1;

	if (!ok(meta_open(tmpdir, &m, &e) == 0, "schema: open creates cpod.db"))
		return;
	db_user_version(meta_db(m), &v, NULL);
	is_int(v, META_SCHEMA_VERSION, "schema: version %d", META_SCHEMA_VERSION);
	is_int(query_int(meta_db(m), "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 7,
	       "schema: seven tables");
	meta_close(TAKE_PTR(m));
	ok(meta_open(tmpdir, &m, &e) == 0, "schema: reopen (migrations idempotent)");
	db_user_version(meta_db(m), &v, NULL);
	is_int(v, META_SCHEMA_VERSION, "schema: version unchanged");
	ok(meta_open("/nonexistent/cpod", &(meta *){ NULL }, &e) < 0, "schema: missing graphroot");
	is_error(e, CPOD_ERR_SYSTEM, "database '/nonexistent/cpod/cpod.db'", "schema: missing dir");
}

static void test_layers(meta *m)
{
	char l1[65], l2[65], l3[65], bad[65];
	meta_layer spec = { .driver = (char *)"overlay", .uncompressed_size = -1 };
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;
	meta_layer **v = NULL;
	cpod_error *e = NULL;
	int cond;

	mkid(l1, "1a", 1);
	mkid(l2, "1a", 2);
	mkid(l3, "1a", 3);
	mkid(bad, "1b", 9);
	spec.id = l1;
	ok(meta_layer_add(m, &spec, &e) == 0, "layer: add base");
	ok(meta_layer_get(m, l1, &l, &e) == 0, "layer: get");
	if (l) {
		is_int(l->state, META_LAYER_STAGING, "layer: new layer is staging");
		is_str(l->driver, "overlay", "layer: driver kept");
		ok(l->parent == NULL && l->diff_id == NULL, "layer: no parent, no diff ID yet");
		ok(l->created > 1600000000LL * 1000000000LL, "layer: created in ns");
	}
	is_int(meta_layer_list(m, META_LAYER_LIST_STAGING, &v, &e), 1, "layer: one staging");
	is_str(v[0]->id, l1, "layer: the staging one is l1");
	meta_layerv_free(v);
	ok(meta_layer_add(m, &spec, &e) < 0, "layer: add twice");
	is_error(e, CPOD_ERR_EXISTS, "already exists", "layer: add twice");
	e = NULL;
	spec.id = (char *)"xyz";
	ok(meta_layer_add(m, &spec, &e) < 0, "layer: bad id");
	is_error(e, CPOD_ERR_INVALID, "invalid layer ID 'xyz'", "layer: bad id");
	e = NULL;
	spec.id = l2;
	spec.parent = bad;
	ok(meta_layer_add(m, &spec, &e) < 0, "layer: unknown parent");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "layer: unknown parent");
	e = NULL;
	spec.parent = l1;
	ok(meta_layer_add(m, &spec, &e) < 0, "layer: staging parent");
	is_error(e, CPOD_ERR_STATE, "is not ready", "layer: staging parent");
	e = NULL;
	cond = meta_layer_find_by_diff_id(m, DIFF_A, NULL, &(meta_layer *){ NULL }, &e) < 0;
	ok(cond, "layer: staging layers are not found by diff ID");
	is_error(e, CPOD_ERR_NOT_FOUND, "no layer with diff ID", "layer: staging by diff ID");
	e = NULL;

	ok(meta_layer_mark_ready(m, l1, DIFF_A, 4096, &e) == 0, "layer: mark ready");
	meta_layer_free(TAKE_PTR(l));
	meta_layer_get(m, l1, &l, NULL);
	if (l) {
		is_int(l->state, META_LAYER_READY, "layer: now ready");
		is_str(l->diff_id, DIFF_A, "layer: diff ID set");
		is_int(l->uncompressed_size, 4096, "layer: size set");
	}
	ok(meta_layer_mark_ready(m, l1, NULL, -1, &e) < 0, "layer: mark ready twice");
	is_error(e, CPOD_ERR_STATE, "already ready", "layer: mark ready twice");
	e = NULL;
	ok(meta_layer_mark_ready(m, bad, NULL, -1, &e) < 0, "layer: mark unknown ready");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "layer: mark unknown ready");
	e = NULL;
	is_int(meta_layer_list(m, META_LAYER_LIST_STAGING, &v, &e), 0, "layer: none staging");
	meta_layerv_free(v);

	ok(add_ready_layer(m, l2, l1, DIFF_B, &e) == 0, "layer: child on ready parent");
	meta_layer_free(TAKE_PTR(l));
	ok(meta_layer_find_by_diff_id(m, DIFF_A, NULL, &l, &e) == 0, "layer: find base by diff");
	is_str(l ? l->id : NULL, l1, "layer: found l1");
	meta_layer_free(TAKE_PTR(l));
	ok(meta_layer_find_by_diff_id(m, DIFF_B, l1, &l, &e) == 0, "layer: find child by diff");
	is_str(l ? l->id : NULL, l2, "layer: found l2");
	is_str(l ? l->parent : NULL, l1, "layer: l2's parent");
	ok(meta_layer_find_by_diff_id(m, DIFF_B, NULL, &(meta_layer *){ NULL }, &e) < 0,
	   "layer: same diff on another parent is another layer");
	is_error(e, CPOD_ERR_NOT_FOUND, "no layer", "layer: diff on wrong parent");
	e = NULL;

	ok(meta_layer_add_compressed(m, l1, "sha256:c1", 100, "application/x-gzip", &e) == 0,
	   "layer: record compressed digest");
	cond = meta_layer_add_compressed(m, l1, "sha256:c1", 101, NULL, &e) == 0;
	ok(cond, "layer: record it again");
	meta_layer_free(TAKE_PTR(l));
	ok(meta_layer_find_by_compressed(m, "sha256:c1", &l, &e) == 0, "layer: find compressed");
	is_str(l ? l->id : NULL, l1, "layer: compressed digest leads to l1");
	cond = meta_layer_find_by_compressed(m, "sha256:c2", &(meta_layer *){ NULL }, &e) < 0;
	ok(cond, "layer: unknown compressed digest");
	is_error(e, CPOD_ERR_NOT_FOUND, "compressed digest", "layer: unknown compressed");
	e = NULL;
	cond = meta_layer_add_compressed(m, bad, "sha256:c3", 1, NULL, &e) < 0;
	ok(cond, "layer: compressed digest for unknown layer");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "layer: compressed for unknown");
	e = NULL;

	ok(meta_layer_delete(m, l1, &e) < 0, "layer: delete parent refused");
	is_error(e, CPOD_ERR_STATE, "in use by layer", "layer: delete parent");
	e = NULL;
	spec.id = l3;
	spec.parent = l2;
	meta_layer_add(m, &spec, NULL);
	ok(meta_layer_delete(m, l3, &e) == 0, "layer: delete a staging leaf");
	ok(meta_layer_get(m, l3, &(meta_layer *){ NULL }, &e) < 0, "layer: deleted is gone");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "layer: get deleted");
	e = NULL;
	cond = meta_layer_delete(m, l2, &e) == 0 && meta_layer_delete(m, l1, &e) == 0;
	ok(cond, "layer: delete child then parent");
	is_int(query_int(meta_db(m), "SELECT count(*) FROM layer_compressed"), 0,
	       "layer: compressed digests go with the layer");
	ok(meta_layer_delete(m, l1, &e) < 0, "layer: delete unknown");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "layer: delete unknown");
}

/* Image fixtures: base <- t1 (image i1), base <- t2 (image i2). */
static char base[65], t1[65], t2[65], i1[65], i2[65];

static void test_images(meta *m)
{
	const char *names1[] = { "r/a:v1", "r/a:latest", NULL };
	const char *digests1[] = { "sha256:m1", "sha256:list", NULL };
	meta_bigdata bd[] = { { (char *)"manifest-sha256:m1", (char *)"sha256:m1", 500 },
			      { (char *)"config", (char *)"sha256:cfg", 300 } };
	meta_image_spec s = { .id = i1,
			      .top_layer = t1,
			      .size = 7,
			      .digest = "sha256:m1",
			      .labels = "{\"k\":\"v\"}",
			      .names = names1,
			      .digests = digests1,
			      .bigdata = bd,
			      .n_bigdata = 2 };
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	meta_bigdata *got = NULL;
	size_t n = 0;
	cpod_error *e = NULL;

	mkid(base, "2b", 1);
	mkid(t1, "2b", 2);
	mkid(t2, "2b", 3);
	mkid(i1, "abc1", 1);
	mkid(i2, "abc2", 2);
	add_ready_layer(m, base, NULL, DIFF_A, NULL);
	add_ready_layer(m, t1, base, DIFF_B, NULL);
	s.top_layer = t2;
	ok(meta_image_create(m, &s, &e) < 0, "image: unknown top layer");
	is_error(e, CPOD_ERR_NOT_FOUND, "top layer", "image: unknown top layer");
	e = NULL;
	is_int(query_int(meta_db(m), "SELECT count(*) FROM names"), 0,
	       "image: failed create left no names");
	s.top_layer = t1;
	ok(meta_image_create(m, &s, &e) == 0, "image: create");
	ok(meta_image_create(m, &s, &e) < 0, "image: create twice");
	is_error(e, CPOD_ERR_EXISTS, "already exists", "image: create twice");
	e = NULL;

	ok(meta_image_get(m, i1, &img, &e) == 0, "image: get by id");
	if (img) {
		is_str(img->top_layer, t1, "image: top layer");
		is_str(img->names[0], "r/a:latest", "image: names sorted (1)");
		is_str(img->names[1], "r/a:v1", "image: names sorted (2)");
		ok(img->names[2] == NULL, "image: two names");
		is_str(img->digests[0], "sha256:list", "image: digests sorted");
		is_str(img->digest, "sha256:m1", "image: manifest digest");
		is_str(img->labels, "{\"k\":\"v\"}", "image: labels");
		is_int(img->size, 7, "image: size");
	}
	ok(meta_image_bigdata(m, i1, &got, &n, &e) == 0 && n == 2, "image: two big-data entries");
	if (n == 2) {
		is_str(got[0].key, "config", "image: big-data sorted by key");
		is_int(got[1].size, 500, "image: big-data size");
	}
	meta_bigdatav_free(got, n);

	add_ready_layer(m, t2, base, DIFF_A, NULL);
	s = (meta_image_spec){ .id = i2,
			       .top_layer = t2,
			       .size = -1,
			       .names = (const char *[]){ "r/a:latest", "bad name", NULL } };
	ok(meta_image_create(m, &s, &e) < 0, "image: name with a space");
	is_error(e, CPOD_ERR_INVALID, "invalid image name 'bad name'", "image: bad name");
	e = NULL;
	s.names = (const char *[]){ "r/a:latest", "r/b:latest", NULL };
	s.digests = (const char *[]){ "sha256:m2", "sha256:list", NULL };
	ok(meta_image_create(m, &s, &e) == 0, "image: second image takes r/a:latest");
	meta_image_free(TAKE_PTR(img));
	ok(meta_image_get_by_name(m, "r/a:latest", &img, &e) == 0, "image: by name");
	is_str(img ? img->id : NULL, i2, "image: name moved to the new image");
	meta_image_free(TAKE_PTR(img));
	meta_image_get(m, i1, &img, NULL);
	ok(img && img->names[0] && !img->names[1], "image: old image kept one name");
}

static void test_lookups(meta *m)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	meta_image **v = NULL;
	cpod_error *e = NULL;
	int cond;

	ok(meta_image_get_by_prefix(m, "abc1", &img, &e) == 0, "lookup: unique prefix");
	is_str(img ? img->id : NULL, i1, "lookup: prefix finds i1");
	cond = meta_image_get_by_prefix(m, "abc", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "lookup: ambiguous prefix");
	is_error(e, CPOD_ERR_NOT_FOUND, "abc: image not known", "lookup: ambiguous");
	e = NULL;
	cond = meta_image_get_by_prefix(m, "r/a", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "lookup: non-hex prefix");
	is_error(e, CPOD_ERR_NOT_FOUND, "image not known", "lookup: non-hex prefix");
	e = NULL;
	ok(meta_image_get_by_prefix(m, "", &(meta_image *){ NULL }, &e) < 0, "lookup: empty");
	is_error(e, CPOD_ERR_INVALID, "cannot be empty", "lookup: empty");
	e = NULL;
	meta_image_free(TAKE_PTR(img));
	ok(meta_image_get_by_prefix(m, i2, &img, &e) == 0, "lookup: full id as prefix");

	meta_image_free(TAKE_PTR(img));
	ok(meta_image_get_by_name(m, "r/a@sha256:m1", &img, &e) == 0, "lookup: name@digest");
	is_str(img ? img->id : NULL, i1, "lookup: r/a@sha256:m1 is i1");
	meta_image_free(TAKE_PTR(img));
	cond = meta_image_get_by_name(m, "r/b@sha256:list", &img, &e) == 0;
	ok(cond, "lookup: name@digest picks the image named in repo");
	is_str(img ? img->id : NULL, i2, "lookup: r/b@sha256:list is i2");
	cond = meta_image_get_by_name(m, "r/c@sha256:m1", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "lookup: digest under another repo");
	is_error(e, CPOD_ERR_NOT_FOUND, "r/c@sha256:m1: image not known", "lookup: other repo");
	e = NULL;
	cond = meta_image_get_by_name(m, "r:a@sha256:m1", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "lookup: repo must match up to ':'");
	cpod_error_free(TAKE_PTR(e));
	cond = meta_image_get_by_name(m, "r/x:1", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "lookup: unknown name");
	is_error(e, CPOD_ERR_NOT_FOUND, "r/x:1: image not known", "lookup: unknown name");
	e = NULL;
	meta_image_free(TAKE_PTR(img));
	ok(meta_image_get_by_digest(m, NULL, "sha256:m2", &img, &e) == 0, "lookup: by digest");
	is_str(img ? img->id : NULL, i2, "lookup: sha256:m2 is i2");

	is_int(meta_image_list(m, &v, &e), 2, "lookup: list has two images");
	if (v && v[0] && v[1]) {
		is_str(v[0]->id, i1, "lookup: list sorted by id");
		is_str(v[1]->names[1], "r/b:latest", "lookup: list carries names");
	}
	meta_imagev_free(v);
}

static void test_names(meta *m)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	char nope[65];
	cpod_error *e = NULL;
	int cond;

	mkid(nope, "dd", 4);
	ok(meta_image_add_names(m, i1, (const char *[]){ "r/a:latest", "r/c:1", NULL }, &e) == 0,
	   "names: add (moving r/a:latest back)");
	cond = meta_image_get_by_name(m, "r/a:latest", &img, &e) == 0 && str_eq(img->id, i1);
	ok(cond, "names: r/a:latest is i1's again");
	cond = meta_image_add_names(m, nope, (const char *[]){ "r/d:1", NULL }, &e) < 0;
	ok(cond, "names: add to unknown image");
	is_error(e, CPOD_ERR_NOT_FOUND, "image not known", "names: add to unknown");
	e = NULL;
	ok(meta_image_remove_names(m, i1, (const char *[]){ "r/c:1", "r/b:latest", NULL }, &e) < 0,
	   "names: removing a name the image lacks");
	is_error(e, CPOD_ERR_NOT_FOUND, "has no name 'r/b:latest'", "names: remove missing");
	e = NULL;
	meta_image_free(TAKE_PTR(img));
	cond = meta_image_get_by_name(m, "r/c:1", &img, &e) == 0 && str_eq(img->id, i1);
	ok(cond, "names: failed remove removed nothing");
	cpod_error_free(TAKE_PTR(e));
	cond = meta_image_remove_names(m, i1, (const char *[]){ "r/c:1", NULL }, &e) == 0;
	ok(cond, "names: remove");
	cond = meta_image_get_by_name(m, "r/c:1", &(meta_image *){ NULL }, &e) < 0;
	ok(cond, "names: removed name is gone");
	cpod_error_free(TAKE_PTR(e));
}

static void test_delete(meta *m)
{
	char rw[65], b3[65], t3[65], i3[65];
	meta_layer spec = { .id = rw, .parent = t1, .driver = (char *)"vfs" };
	meta_layer **gone = NULL;
	_cleanup_free_ char *img_of_ctr = NULL;
	cpod_error *e = NULL;
	int cond;

	mkid(rw, "3c", 1);
	mkid(b3, "4d", 1);
	mkid(t3, "4d", 2);
	mkid(i3, "4e", 3);
	meta_layer_add(m, &spec, NULL);
	ok(meta_container_add(m, "ctr1", rw, i1, &e) == 0, "delete: container rw layer recorded");
	ok(meta_container_add(m, "ctr1", rw, i1, &e) < 0, "delete: container recorded twice");
	is_error(e, CPOD_ERR_EXISTS, "already has a layer", "delete: container twice");
	e = NULL;
	ok(meta_container_add(m, "ctr2", b3, NULL, &e) < 0, "delete: container on unknown layer");
	is_error(e, CPOD_ERR_NOT_FOUND, "not known", "delete: container unknown layer");
	e = NULL;
	ok(meta_image_delete(m, i1, 0, &gone, &e) < 0, "delete: image in use refused");
	is_error(e, CPOD_ERR_STATE, "in use by container 'ctr1'", "delete: image in use");
	e = NULL;
	ok(meta_layer_delete(m, rw, &e) < 0, "delete: container's layer refused");
	is_error(e, CPOD_ERR_STATE, "in use by container", "delete: container layer");
	e = NULL;
	ok(meta_layer_delete(m, t1, &e) < 0, "delete: image's top layer refused");
	cpod_error_free(TAKE_PTR(e));

	ok(meta_image_delete(m, i2, 0, &gone, &e) == 0, "delete: unused image");
	cond = gone && gone[0] && str_eq(gone[0]->id, t2) && !gone[1];
	ok(cond, "delete: only its own top layer went (base is shared)");
	meta_layerv_free(TAKE_PTR(gone));
	is_int(query_int(meta_db(m), "SELECT count(*) FROM names WHERE name = 'r/b:latest'"), 0,
	       "delete: names went with the image");
	ok(meta_image_delete(m, i1, 1, &gone, &e) == 0, "delete: forced while in use");
	ok(gone && !gone[0], "delete: no layer freed (the container's layer holds them)");
	meta_layerv_free(TAKE_PTR(gone));
	cond = meta_container_get(m, "ctr1", NULL, &img_of_ctr, &e) == 0 && !img_of_ctr;
	ok(cond, "delete: container's image reference cleared");
	ok(meta_container_delete(m, "ctr1", &e) == 0, "delete: forget container");
	ok(meta_container_delete(m, "ctr1", &e) < 0, "delete: forget it twice");
	is_error(e, CPOD_ERR_NOT_FOUND, "has no layer", "delete: container twice");
	e = NULL;
	ok(meta_image_delete(m, i1, 0, NULL, &e) < 0, "delete: unknown image");
	is_error(e, CPOD_ERR_NOT_FOUND, "image not known", "delete: unknown image");
	e = NULL;

	add_ready_layer(m, b3, NULL, DIFF_A, NULL);
	add_ready_layer(m, t3, b3, DIFF_B, NULL);
	meta_image_create(m, &(meta_image_spec){ .id = i3, .top_layer = t3 }, NULL);
	ok(meta_image_delete(m, i3, 0, &gone, &e) == 0, "delete: image with its own chain");
	ok(gone && gone[0] && gone[1] && !gone[2] && str_eq(gone[0]->id, t3) &&
		   str_eq(gone[1]->id, b3),
	   "delete: both layers returned, top first");
	meta_layerv_free(gone);
	ok(meta_layer_get(m, b3, &(meta_layer *){ NULL }, &e) < 0, "delete: layer rows removed");
	cpod_error_free(TAKE_PTR(e));

	ok(db_run(meta_db(m), &e, "INSERT INTO names (name, image_id) VALUES ('x', ?1)", "t", i3) <
		   0,
	   "fk: name of a missing image refused");
	is_error(e, CPOD_ERR_STATE, "FOREIGN KEY", "fk: names");
	e = NULL;
	ok(db_run(meta_db(m), &e, "INSERT INTO layers VALUES (?1, ?2, NULL, 0, 'vfs', 0, 'ready')",
		  "tt", i3, b3) < 0,
	   "fk: layer with a missing parent refused");
	cpod_error_free(TAKE_PTR(e));
}

static void test_reopen(void)
{
	_cleanup_(meta_closep) meta *m = NULL;
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;
	_cleanup_(meta_image_freep) meta_image *img = NULL;

	if (!ok(meta_open(tmpdir, &m, NULL) == 0, "reopen: open"))
		return;
	ok(meta_layer_get(m, t1, &l, NULL) == 0 && l->state == META_LAYER_READY &&
		   str_eq(l->parent, base),
	   "reopen: layer kept with parent and state");
	ok(meta_image_get_by_name(m, "r/a:latest", &img, NULL) == 0 && str_eq(img->id, i1) &&
		   str_eq(img->top_layer, t1),
	   "reopen: image and name kept");
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 1,000 images with two names and a digest each: listing is one query. */
static void test_list_speed(meta *m)
{
	char lid[65], iid[65];
	meta_image **v = NULL;
	int64_t t0;
	int fails = 0, n;
	int cond;

	mkid(lid, "5e", 1);
	add_ready_layer(m, lid, NULL, DIFF_A, NULL);
	db_exec(meta_db(m), "PRAGMA synchronous = OFF", NULL); /* only to fill faster */
	for (unsigned i = 0; i < 1000; i++) {
		_cleanup_free_ char *n1 = xasprintf("perf/img%u:latest", i);
		_cleanup_free_ char *n2 = xasprintf("perf/img%u:v1", i);
		_cleanup_free_ char *dg = xasprintf("sha256:perf%u", i);

		mkid(iid, "6f", i);
		fails += meta_image_create(
				 m,
				 &(meta_image_spec){ .id = iid,
						     .top_layer = lid,
						     .names = (const char *[]){ n1, n2, NULL },
						     .digests = (const char *[]){ dg, NULL } },
				 NULL) < 0;
	}
	db_exec(meta_db(m), "PRAGMA synchronous = FULL", NULL);
	is_int(fails, 0, "speed: 1,000 images created");
	t0 = mono_ns();
	n = meta_image_list(m, &v, NULL);
	diag("listing %d images took %.2f ms", n, (double)(mono_ns() - t0) / 1e6);
	ok(n >= 1000, "speed: list returns them all");
	cond = n >= 1000 && v[999]->names[0] && v[999]->names[1] && v[999]->digests[0];
	ok(cond, "speed: each with names and digests");
	meta_imagev_free(v);
}

#define WRITERS 8
#define ROUNDS 15

/* One concurrent writer: creates and deletes images on its own layers; all writers fight
 * over one shared name.  Exits 0 when no call failed. */
static void writer(int k)
{
	meta *m = NULL;
	cpod_error *e = NULL;
	int rc = 0;

	if (meta_open(tmpdir, &m, &e) < 0)
		goto out;
	for (unsigned r = 0; r < ROUNDS && !rc; r++) {
		char lid[65], iid[65];
		_cleanup_free_ char *own = xasprintf("w%d/img:%u", k, r);
		meta_layer **gone = NULL;

		mkid(lid, "7a", (unsigned)(k * 1000) + r);
		mkid(iid, "7b", (unsigned)(k * 1000) + r);
		rc = add_ready_layer(m, lid, NULL, DIFF_A, &e);
		if (!rc)
			rc = meta_image_create(
				m,
				&(meta_image_spec){
					.id = iid,
					.top_layer = lid,
					.names = (const char *[]){ "shared:latest", own, NULL } },
				&e);
		if (!rc)
			rc = meta_image_delete(m, iid, 0, &gone, &e);
		if (!rc && (!gone || !gone[0] || !str_eq(gone[0]->id, lid)))
			rc = -1;
		meta_layerv_free(gone);
	}
out:
	if (e)
		fprintf(stderr, "writer %d: %s\n", k, cpod_error_message(e));
	cpod_error_free(e);
	meta_close(m);
	_exit(e || rc ? 1 : 0);
}

static void test_concurrent(void)
{
	_cleanup_(meta_closep) meta *m = NULL;
	_cleanup_free_ char *integrity = NULL;
	pid_t pids[WRITERS];
	int good = 0;

	fflush(stdout);
	for (int k = 0; k < WRITERS; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			writer(k);
	}
	for (int k = 0; k < WRITERS; k++) {
		int status = -1;

		if (pids[k] > 0 && waitpid(pids[k], &status, 0) == pids[k] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			good++;
	}
	is_int(good, WRITERS, "concurrent: all %d writers succeeded (no SQLITE_BUSY)", WRITERS);
	if (!ok(meta_open(tmpdir, &m, NULL) == 0, "concurrent: reopen"))
		return;
	integrity = query1(meta_db(m), "PRAGMA integrity_check");
	is_str(integrity, "ok", "concurrent: integrity check");
	is_int(query_int(meta_db(m), "SELECT count(*) FROM pragma_foreign_key_check"), 0,
	       "concurrent: no foreign key violations");
	is_int(query_int(meta_db(m), "SELECT count(*) FROM names n LEFT JOIN images i ON i.id = "
				     "n.image_id WHERE i.id IS NULL"),
	       0, "concurrent: no dangling names");
	is_int(query_int(meta_db(m), "SELECT count(*) FROM layers WHERE id LIKE '7a%'"), 0,
	       "concurrent: every writer layer was released");
	is_int(query_int(meta_db(m), "SELECT count(*) FROM names WHERE name = 'shared:latest'"), 0,
	       "concurrent: the shared name went with the last image holding it");
}

int main(void)
{
	_cleanup_(meta_closep) meta *m = NULL;
	cpod_error *e = NULL;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_db_migrations();
	test_db_tx();
	test_schema();
	if (meta_open(tmpdir, &m, &e) < 0) {
		diag("open: %s", cpod_error_message(e));
		return 1;
	}
	test_layers(m);
	test_images(m);
	test_lookups(m);
	test_names(m);
	meta_close(TAKE_PTR(m));
	test_reopen();
	meta_open(tmpdir, &m, NULL);
	test_delete(m);
	test_list_speed(m);
	meta_close(TAKE_PTR(m));
	test_concurrent();
	{
		_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	return done_testing();
}
