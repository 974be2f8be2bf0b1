#include "storage/meta.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ids.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct meta {
	db *d;
};

/* Schema steps: migrations[i] takes the schema from version i to i + 1.  Never edit a
 * released step; append a new one. */
static const char *const migrations[] = {
	/* 1: layers, images, names, big-data index, containers' rw layers */
	"CREATE TABLE layers ("
	"  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 64),"
	"  parent TEXT REFERENCES layers(id),"
	"  diff_id TEXT,"
	"  uncompressed_size INTEGER NOT NULL DEFAULT -1,"
	"  driver TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('staging', 'ready'))"
	");"
	"CREATE INDEX layers_parent ON layers(parent);"
	"CREATE INDEX layers_diff_id ON layers(diff_id);"
	"CREATE INDEX layers_state ON layers(state);"
	"CREATE TABLE layer_compressed ("
	"  layer_id TEXT NOT NULL REFERENCES layers(id) ON DELETE CASCADE,"
	"  digest TEXT NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT -1,"
	"  media_type TEXT,"
	"  PRIMARY KEY (layer_id, digest)"
	") WITHOUT ROWID;"
	"CREATE INDEX layer_compressed_digest ON layer_compressed(digest);"
	"CREATE TABLE images ("
	"  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 64),"
	"  top_layer TEXT REFERENCES layers(id),"
	"  created INTEGER NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT -1,"
	"  digest TEXT,"
	"  labels TEXT"
	");"
	"CREATE INDEX images_top_layer ON images(top_layer);"
	"CREATE TABLE image_digests ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  digest TEXT NOT NULL,"
	"  PRIMARY KEY (image_id, digest)"
	") WITHOUT ROWID;"
	"CREATE INDEX image_digests_digest ON image_digests(digest);"
	"CREATE TABLE names ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE INDEX names_image ON names(image_id);"
	"CREATE TABLE image_bigdata ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  digest TEXT NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT -1,"
	"  PRIMARY KEY (image_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE containers_rw ("
	"  container_id TEXT PRIMARY KEY NOT NULL,"
	"  layer_id TEXT NOT NULL REFERENCES layers(id),"
	"  image_id TEXT REFERENCES images(id) ON DELETE SET NULL"
	");"
	"CREATE INDEX containers_rw_layer ON containers_rw(layer_id);"
	"CREATE INDEX containers_rw_image ON containers_rw(image_id);",
};

_Static_assert(ARRAY_SIZE(migrations) == META_SCHEMA_VERSION, "one migration per version");

#define LAYER_COLS "l.id, l.parent, l.diff_id, l.uncompressed_size, l.driver, l.created, l.state"

/* Names and digests come back newline-joined: both are checked to hold no control
 * characters, and the correlated subqueries use the names_image / image_digests keys. */
#define IMAGE_SELECT                                                                     \
	"SELECT i.id, i.top_layer, i.created, i.size, i.digest, i.labels,"               \
	" (SELECT group_concat(n.name, char(10)) FROM names n WHERE n.image_id = i.id)," \
	" (SELECT group_concat(d.digest, char(10)) FROM image_digests d"                 \
	"  WHERE d.image_id = i.id)"                                                     \
	" FROM images i"

db *meta_db(meta *m)
{
	return m->d;
}

int meta_open(const char *graphroot, meta **ret, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", graphroot, META_DB_NAME);
	meta *m = xcalloc(1, sizeof(*m));

	if (db_open(path, migrations, ARRAY_SIZE(migrations), &m->d, err) < 0) {
		free(m);
		return -1;
	}
	*ret = m;
	return 0;
}

void meta_close(meta *m)
{
	if (!m)
		return;
	db_close(m->d);
	free(m);
}

/* ---- records ---- */

void meta_layer_free(meta_layer *l)
{
	if (!l)
		return;
	free(l->id);
	free(l->parent);
	free(l->diff_id);
	free(l->driver);
	free(l);
}

void meta_layerv_free(meta_layer **v)
{
	for (size_t i = 0; v && v[i]; i++)
		meta_layer_free(v[i]);
	free(v);
}

void meta_image_free(meta_image *img)
{
	if (!img)
		return;
	free(img->id);
	free(img->top_layer);
	free(img->digest);
	free(img->labels);
	strv_free(img->names);
	strv_free(img->digests);
	free(img);
}

void meta_imagev_free(meta_image **v)
{
	for (size_t i = 0; v && v[i]; i++)
		meta_image_free(v[i]);
	free(v);
}

void meta_bigdatav_free(meta_bigdata *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].digest);
	}
	free(v);
}

/* Growing NULL-terminated vectors of records. */
/* A kind of record read from rows: how to make one from a row, and how to free one. */
typedef struct {
	void *(*from_row)(sqlite3_stmt *st);
	void (*free_one)(void *rec);
} row_kind;

static void rowv_free(const row_kind *k, void **v)
{
	for (size_t i = 0; v && v[i]; i++)
		k->free_one(v[i]);
	free(v);
}

/* Runs sql with up to two text parameters (types "", "t" or "tt") and collects one record a
 * row.  Returns the count; *ret is NULL-terminated. */
static int query_rows(meta *m, const row_kind *k, const char *sql, const char *types, const char *a,
		      const char *b, void ***ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	void **v = xcalloc(1, sizeof(*v));
	size_t n = 0;
	int r;

	if (db_prepare(m->d, sql, &st, err) < 0 || db_bind(m->d, st, err, types, a, b) < 0) {
		free(v);
		return -1;
	}
	while ((r = db_step(m->d, st, err)) > 0) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = k->from_row(st);
		v[n] = NULL;
	}
	if (r < 0) {
		rowv_free(k, v);
		return -1;
	}
	*ret = v;
	return (int)n;
}

/* Like query_rows() for the first record: none is CPOD_ERR_NOT_FOUND with message nf. */
static int query_row(meta *m, const row_kind *k, const char *sql, const char *types, const char *a,
		     const char *b, const char *nf, void **ret, cpod_error **err)
{
	void **v = NULL;
	int n = query_rows(m, k, sql, types, a, b, &v, err);

	if (n < 0)
		return -1;
	if (n == 0) {
		free(v);
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s", nf);
	}
	*ret = v[0];
	for (int i = 1; i < n; i++)
		k->free_one(v[i]);
	free(v);
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- argument checks ---- */

static int check_id(const char *what, const char *id, cpod_error **err)
{
	if (!id_is_full(id))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid %s ID '%s'", what, id ? id : "");
	return 0;
}

/* Names, digests and keys: non-empty, no whitespace or control characters. */
static int check_token(const char *what, const char *s, cpod_error **err)
{
	if (!s || !*s)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s cannot be empty", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid %s '%s'", what, s);
	}
	return 0;
}

static int check_tokens(const char *what, const char *const *v, cpod_error **err)
{
	for (size_t i = 0; v && v[i]; i++) {
		if (check_token(what, v[i], err) < 0)
			return -1;
	}
	return 0;
}

/* Ends a transaction: commits when r >= 0, else rolls back.  Returns r or -1. */
static int tx_end(meta *m, int r, cpod_error **err)
{
	if (r < 0) {
		db_rollback(m->d);
		return -1;
	}
	if (db_commit(m->d, err) < 0)
		return -1;
	return r;
}

/* Runs a one-parameter query; returns 1 when it yields a row, 0 when not, -1 on error.
 * When ret is not NULL and a row came, *ret is a copy of its first column. */
static int query_text(meta *m, const char *sql, const char *arg, char **ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(m->d, sql, &st, err) < 0 || db_bind(m->d, st, err, "t", arg) < 0)
		return -1;
	r = db_step(m->d, st, err);
	if (r > 0 && ret)
		*ret = db_column_strdup(st, 0);
	return r;
}

/* ---- layers ---- */

static meta_layer *layer_from_row(sqlite3_stmt *st)
{
	meta_layer *l = xcalloc(1, sizeof(*l));
	const char *state = (const char *)sqlite3_column_text(st, 6);

	l->id = db_column_strdup(st, 0);
	l->parent = db_column_strdup(st, 1);
	l->diff_id = db_column_strdup(st, 2);
	l->uncompressed_size = sqlite3_column_int64(st, 3);
	l->driver = db_column_strdup(st, 4);
	l->created = sqlite3_column_int64(st, 5);
	l->state = str_eq(state, "ready") ? META_LAYER_READY : META_LAYER_STAGING;
	return l;
}

static void *layer_row(sqlite3_stmt *st)
{
	return layer_from_row(st);
}

static void layer_free_one(void *l)
{
	meta_layer_free(l);
}

static const row_kind layer_kind = { layer_row, layer_free_one };

/* Runs a query returning LAYER_COLS rows, with up to two text parameters (types "t"/"tt").
 * Returns the number of layers; *ret is NULL-terminated. */
static int query_layers(meta *m, const char *sql, const char *types, const char *a, const char *b,
			meta_layer ***ret, cpod_error **err)
{
	return query_rows(m, &layer_kind, sql, types, a, b, (void ***)ret, err);
}

/* Like query_layers(), for one layer: missing is CPOD_ERR_NOT_FOUND with message nf. */
static int query_layer(meta *m, const char *sql, const char *types, const char *a, const char *b,
		       const char *nf, meta_layer **ret, cpod_error **err)
{
	return query_row(m, &layer_kind, sql, types, a, b, nf, (void **)ret, err);
}

int meta_layer_get(meta *m, const char *id, meta_layer **ret, cpod_error **err)
{
	_cleanup_free_ char *nf = xasprintf("layer '%s' not known", id ? id : "");

	return query_layer(m, "SELECT " LAYER_COLS " FROM layers l WHERE l.id = ?1", "t", id, NULL,
			   nf, ret, err);
}

int meta_layer_find_by_diff_id(meta *m, const char *diff_id, const char *parent, meta_layer **ret,
			       cpod_error **err)
{
	_cleanup_free_ char *nf = xasprintf("no layer with diff ID '%s' on parent '%s'",
					    diff_id ? diff_id : "", parent ? parent : "");

	return query_layer(m,
			   "SELECT " LAYER_COLS " FROM layers l WHERE l.diff_id = ?1"
			   " AND l.parent IS ?2 AND l.state = 'ready' ORDER BY l.created LIMIT 1",
			   "tt", diff_id, parent, nf, ret, err);
}

int meta_layer_find_by_compressed(meta *m, const char *digest, meta_layer **ret, cpod_error **err)
{
	_cleanup_free_ char *nf =
		xasprintf("no layer with compressed digest '%s'", digest ? digest : "");

	return query_layer(m,
			   "SELECT " LAYER_COLS " FROM layer_compressed c"
			   " JOIN layers l ON l.id = c.layer_id"
			   " WHERE c.digest = ?1 AND l.state = 'ready' ORDER BY l.created LIMIT 1",
			   "t", digest, NULL, nf, ret, err);
}

int meta_layer_list(meta *m, meta_layer_filter filter, meta_layer ***ret, cpod_error **err)
{
	if (filter == META_LAYER_LIST_STAGING)
		return query_layers(m,
				    "SELECT " LAYER_COLS " FROM layers l WHERE l.state = 'staging'"
				    " ORDER BY l.created, l.id",
				    "", NULL, NULL, ret, err);
	return query_layers(m, "SELECT " LAYER_COLS " FROM layers l ORDER BY l.created, l.id", "",
			    NULL, NULL, ret, err);
}

/* Returns 1 and sets *ret_ready when layer id exists, 0 when it does not, -1 on error. */
static int layer_state(meta *m, const char *id, int *ret_ready, cpod_error **err)
{
	_cleanup_free_ char *state = NULL;
	int r = query_text(m, "SELECT state FROM layers WHERE id = ?1", id, &state, err);

	if (r > 0)
		*ret_ready = str_eq(state, "ready");
	return r;
}

/* Checks that a layer others build on (a parent, an image's top) exists and is ready. */
static int need_ready_layer(meta *m, const char *what, const char *id, cpod_error **err)
{
	int ready = 0;
	int r = layer_state(m, id, &ready, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s '%s' not known", what, id);
	if (!ready)
		return cpod_err(err, CPOD_ERR_STATE, 0, "%s '%s' is not ready", what, id);
	return 0;
}

static int layer_insert(meta *m, const meta_layer *s, cpod_error **err)
{
	int ready;
	int r = layer_state(m, s->id, &ready, err);

	if (r < 0)
		return -1;
	if (r > 0)
		return cpod_err(err, CPOD_ERR_EXISTS, 0, "layer '%s' already exists", s->id);
	if (s->parent && need_ready_layer(m, "parent layer", s->parent, err) < 0)
		return -1;
	return db_run(m->d, err,
		      "INSERT INTO layers (id, parent, diff_id, uncompressed_size, driver, created,"
		      " state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'staging')",
		      "tttiti", s->id, s->parent, s->diff_id,
		      s->uncompressed_size < 0 ? (int64_t)-1 : s->uncompressed_size, s->driver,
		      s->created ? s->created : now_ns());
}

int meta_layer_add(meta *m, const meta_layer *spec, cpod_error **err)
{
	if (check_id("layer", spec->id, err) < 0 ||
	    (spec->parent && check_id("parent layer", spec->parent, err) < 0) ||
	    check_token("storage driver", spec->driver, err) < 0 ||
	    (spec->diff_id && check_token("diff ID", spec->diff_id, err) < 0))
		return cpod_err_prefix(err, "adding layer");
	if (db_begin(m->d, err) < 0)
		return -1;
	return tx_end(m, layer_insert(m, spec, err), err) < 0 ? -1 : 0;
}

static int layer_ready(meta *m, const char *id, const char *diff_id, int64_t size, cpod_error **err)
{
	int ready;
	int r = layer_state(m, id, &ready, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", id);
	if (ready)
		return cpod_err(err, CPOD_ERR_STATE, 0, "layer '%s' is already ready", id);
	return db_run(m->d, err,
		      "UPDATE layers SET state = 'ready', diff_id = coalesce(?2, diff_id),"
		      " uncompressed_size = CASE WHEN ?3 < 0 THEN uncompressed_size ELSE ?3 END"
		      " WHERE id = ?1",
		      "tti", id, diff_id, size);
}

int meta_layer_mark_ready(meta *m, const char *id, const char *diff_id, int64_t size,
			  cpod_error **err)
{
	if (diff_id && check_token("diff ID", diff_id, err) < 0)
		return -1;
	if (db_begin(m->d, err) < 0)
		return -1;
	return tx_end(m, layer_ready(m, id, diff_id, size, err), err) < 0 ? -1 : 0;
}

int meta_layer_add_compressed(meta *m, const char *id, const char *digest, int64_t size,
			      const char *media_type, cpod_error **err)
{
	int ready, r;

	if (check_token("compressed digest", digest, err) < 0)
		return -1;
	if (db_begin(m->d, err) < 0)
		return -1;
	r = layer_state(m, id, &ready, err);
	if (r == 0)
		r = cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", id);
	if (r > 0)
		r = db_run(m->d, err,
			   "INSERT INTO layer_compressed (layer_id, digest, size, media_type)"
			   " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (layer_id, digest) DO UPDATE"
			   " SET size = excluded.size, media_type = excluded.media_type",
			   "ttit", id, digest, size, media_type);
	return tx_end(m, r, err) < 0 ? -1 : 0;
}

/* Returns 1 when something uses layer id (then *ret_msg says what, caller frees), 0 when
 * nothing does, -1 on error. */
static int layer_user(meta *m, const char *id, char **ret_msg, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(m->d,
		       "SELECT 'layer', id FROM layers WHERE parent = ?1"
		       " UNION ALL SELECT 'image', id FROM images WHERE top_layer = ?1"
		       " UNION ALL SELECT 'container', container_id FROM containers_rw"
		       " WHERE layer_id = ?1 LIMIT 1",
		       &st, err) < 0 ||
	    db_bind(m->d, st, err, "t", id) < 0)
		return -1;
	r = db_step(m->d, st, err);
	if (r > 0 && ret_msg)
		*ret_msg = xasprintf("%s '%s'", (const char *)sqlite3_column_text(st, 0),
				     (const char *)sqlite3_column_text(st, 1));
	return r;
}

static int layer_remove(meta *m, const char *id, cpod_error **err)
{
	_cleanup_free_ char *user = NULL;
	int ready;
	int r = layer_state(m, id, &ready, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", id);
	r = layer_user(m, id, &user, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return cpod_err(err, CPOD_ERR_STATE, 0, "layer '%s' is in use by %s", id, user);
	return db_run(m->d, err, "DELETE FROM layers WHERE id = ?1", "t", id);
}

int meta_layer_delete(meta *m, const char *id, cpod_error **err)
{
	if (db_begin(m->d, err) < 0)
		return -1;
	return tx_end(m, layer_remove(m, id, err), err) < 0 ? -1 : 0;
}

/* ---- images ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits a newline-joined column into a sorted vector (never NULL). */
static char **column_strv(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	char **v;

	if (!s)
		return xcalloc(1, sizeof(char *));
	v = strv_split(s, "\n", 1);
	qsort(v, strv_length(v), sizeof(char *), cmp_str);
	return v;
}

static meta_image *image_from_row(sqlite3_stmt *st)
{
	meta_image *img = xcalloc(1, sizeof(*img));

	img->id = db_column_strdup(st, 0);
	img->top_layer = db_column_strdup(st, 1);
	img->created = sqlite3_column_int64(st, 2);
	img->size = sqlite3_column_int64(st, 3);
	img->digest = db_column_strdup(st, 4);
	img->labels = db_column_strdup(st, 5);
	img->names = column_strv(st, 6);
	img->digests = column_strv(st, 7);
	return img;
}

static void *image_row(sqlite3_stmt *st)
{
	return image_from_row(st);
}

static void image_free_one(void *img)
{
	meta_image_free(img);
}

static const row_kind image_kind = { image_row, image_free_one };

/* Runs IMAGE_SELECT + where with text parameters a, b (types "", "t" or "tt").
 * Returns the number of images; *ret is NULL-terminated. */
static int query_images(meta *m, const char *where, const char *types, const char *a, const char *b,
			meta_image ***ret, cpod_error **err)
{
	_cleanup_free_ char *sql = xasprintf("%s %s", IMAGE_SELECT, where);

	return query_rows(m, &image_kind, sql, types, a, b, (void ***)ret, err);
}

/* Like query_images() for the first image; none is CPOD_ERR_NOT_FOUND "<what>: image not
 * known", podman's wording. */
static int query_image(meta *m, const char *where, const char *types, const char *a, const char *b,
		       const char *what, meta_image **ret, cpod_error **err)
{
	_cleanup_free_ char *sql = xasprintf("%s %s", IMAGE_SELECT, where);
	_cleanup_free_ char *nf = xasprintf("%s: image not known", what);

	return query_row(m, &image_kind, sql, types, a, b, nf, (void **)ret, err);
}

int meta_image_get(meta *m, const char *id, meta_image **ret, cpod_error **err)
{
	return query_image(m, "WHERE i.id = ?1", "t", id, NULL, id ? id : "", ret, err);
}

int meta_image_get_by_name(meta *m, const char *name, meta_image **ret, cpod_error **err)
{
	_cleanup_free_ char *repo = NULL;
	cpod_error *e = NULL;
	const char *at;

	if (check_token("image name", name, err) < 0)
		return -1;
	if (query_image(m, "WHERE i.id = (SELECT image_id FROM names WHERE name = ?1)", "t", name,
			NULL, name, ret, &e) == 0)
		return 0;
	at = strrchr(name, '@');
	if (cpod_error_kind(e) != CPOD_ERR_NOT_FOUND || !at || at == name || !at[1]) {
		if (err && !*err)
			*err = e;
		else
			cpod_error_free(e);
		return -1;
	}
	cpod_error_free(e);
	repo = xstrndup(name, (size_t)(at - name));
	return meta_image_get_by_digest(m, repo, at + 1, ret, err);
}

int meta_image_get_by_digest(meta *m, const char *repo, const char *digest, meta_image **ret,
			     cpod_error **err)
{
	_cleanup_free_ char *what = NULL;

	if (check_token("digest", digest, err) < 0 || (repo && check_token("name", repo, err) < 0))
		return -1;
	what = repo ? xasprintf("%s@%s", repo, digest) : xstrdup(digest);
	/* A name is in repo when it is repo itself, or repo followed by ":tag" or "@digest";
	 * the rest must hold no '/' so that repo "host" does not match "host:5000/x:tag". */
	return query_image(m,
			   "WHERE i.id IN (SELECT d.image_id FROM image_digests d"
			   " WHERE d.digest = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM names n"
			   "  WHERE n.image_id = d.image_id AND (n.name = ?2"
			   "  OR (substr(n.name, 1, length(?2) + 1) IN (?2 || ':', ?2 || '@')"
			   "      AND instr(substr(n.name, length(?2) + 2), '/') = 0)))))"
			   " ORDER BY i.created DESC, i.id",
			   "tt", digest, repo, what, ret, err);
}

struct prefix_iter {
	db *d;
	sqlite3_stmt *st;
	cpod_error *err;
};

static const char *prefix_next(void *ctx)
{
	struct prefix_iter *it = ctx;
	int r = db_step(it->d, it->st, it->err ? NULL : &it->err);

	return r > 0 ? (const char *)sqlite3_column_text(it->st, 0) : NULL;
}

int meta_image_get_by_prefix(meta *m, const char *prefix, meta_image **ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *id = NULL, *end = NULL;
	struct prefix_iter it = { .d = m->d };

	/* Every ID starting with hex prefix p sorts in [p, p + "g"): the key index answers. */
	end = xasprintf("%s%s", prefix ? prefix : "", id_is_valid_prefix(prefix) ? "g" : "");
	if (db_prepare(m->d, "SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id", &st,
		       err) < 0 ||
	    db_bind(m->d, st, err, "tt", prefix ? prefix : "", end) < 0)
		return -1;
	it.st = st;
	id = id_lookup_iter(prefix_next, &it, prefix, ID_OBJ_IMAGE, NULL, err);
	if (it.err) {
		/* The database failed mid-scan: that error, not "not known", is the answer. */
		if (err) {
			cpod_error_free(*err);
			*err = it.err;
		} else {
			cpod_error_free(it.err);
		}
		return -1;
	}
	if (!id)
		return -1;
	return query_image(m, "WHERE i.id = ?1", "t", id, NULL, prefix, ret, err);
}

int meta_image_list(meta *m, meta_image ***ret, cpod_error **err)
{
	return query_images(m, "ORDER BY i.id", "", NULL, NULL, ret, err);
}

int meta_image_bigdata(meta *m, const char *id, meta_bigdata **ret, size_t *ret_n, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	meta_bigdata *v = NULL;
	size_t n = 0;
	int r;

	r = query_text(m, "SELECT id FROM images WHERE id = ?1", id, NULL, err);
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: image not known", id ? id : "");
	if (r < 0 ||
	    db_prepare(m->d,
		       "SELECT key, digest, size FROM image_bigdata WHERE image_id = ?1"
		       " ORDER BY key",
		       &st, err) < 0 ||
	    db_bind(m->d, st, err, "t", id) < 0)
		return -1;
	while ((r = db_step(m->d, st, err)) > 0) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].key = db_column_strdup(st, 0);
		v[n].digest = db_column_strdup(st, 1);
		v[n].size = sqlite3_column_int64(st, 2);
		n++;
	}
	if (r < 0) {
		meta_bigdatav_free(v, n);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Runs sql (parameters ?1 = id, ?2 = item) once per item of v.  When each must change a
 * row and one does not, fails with CPOD_ERR_NOT_FOUND "<nf_fmt item>". */
static int run_each(meta *m, const char *sql, const char *id, const char *const *v,
		    const char *nf_what, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (!v || !*v)
		return 0;
	if (db_prepare(m->d, sql, &st, err) < 0)
		return -1;
	for (size_t i = 0; v[i]; i++) {
		sqlite3_reset(st);
		if (db_bind(m->d, st, err, "tt", id, v[i]) < 0 || db_step(m->d, st, err) < 0)
			return -1;
		if (nf_what && sqlite3_changes(db_sqlite(m->d)) == 0)
			return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "image '%s' has no %s '%s'", id,
					nf_what, v[i]);
	}
	return 0;
}

static const char SQL_SET_NAME[] = "INSERT INTO names (image_id, name) VALUES (?1, ?2)"
				   " ON CONFLICT (name) DO UPDATE SET image_id = excluded.image_id";

/* Returns 1 when image id exists, else sets CPOD_ERR_NOT_FOUND; -1 on errors. */
static int need_image(meta *m, const char *id, cpod_error **err)
{
	int r = query_text(m, "SELECT id FROM images WHERE id = ?1", id, NULL, err);

	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: image not known", id ? id : "");
	return r;
}

static int image_insert(meta *m, const meta_image_spec *s, cpod_error **err)
{
	sqlite3_stmt *st = NULL;
	int r = query_text(m, "SELECT id FROM images WHERE id = ?1", s->id, NULL, err);

	if (r < 0)
		return -1;
	if (r > 0)
		return cpod_err(err, CPOD_ERR_EXISTS, 0, "image '%s' already exists", s->id);
	if (s->top_layer && need_ready_layer(m, "top layer", s->top_layer, err) < 0)
		return -1;
	if (db_run(m->d, err,
		   "INSERT INTO images (id, top_layer, created, size, digest, labels)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		   "ttiitt", s->id, s->top_layer, s->created ? s->created : now_ns(),
		   s->size < 0 ? (int64_t)-1 : s->size, s->digest, s->labels) < 0)
		return -1;
	if (run_each(m, "INSERT OR IGNORE INTO image_digests (image_id, digest) VALUES (?1, ?2)",
		     s->id, s->digests, NULL, err) < 0 ||
	    run_each(m, SQL_SET_NAME, s->id, s->names, NULL, err) < 0)
		return -1;
	if (s->n_bigdata && db_prepare(m->d,
				       "INSERT OR REPLACE INTO image_bigdata (image_id, key, "
				       "digest,"
				       " size) VALUES (?1, ?2, ?3, ?4)",
				       &st, err) < 0)
		return -1;
	for (size_t i = 0; r >= 0 && i < s->n_bigdata; i++) {
		const meta_bigdata *b = &s->bigdata[i];

		sqlite3_reset(st);
		r = db_bind(m->d, st, err, "ttti", s->id, b->key, b->digest, b->size);
		if (r >= 0)
			r = db_step(m->d, st, err);
	}
	sqlite3_finalize(st);
	return r < 0 ? -1 : 0;
}

static int check_image_spec(const meta_image_spec *s, cpod_error **err)
{
	if (check_id("image", s->id, err) < 0 ||
	    (s->top_layer && check_id("layer", s->top_layer, err) < 0) ||
	    check_tokens("image name", s->names, err) < 0 ||
	    check_tokens("digest", s->digests, err) < 0 ||
	    (s->digest && check_token("digest", s->digest, err) < 0))
		return -1;
	for (size_t i = 0; i < s->n_bigdata; i++) {
		if (check_token("big-data key", s->bigdata[i].key, err) < 0 ||
		    check_token("digest", s->bigdata[i].digest, err) < 0)
			return -1;
	}
	return 0;
}

int meta_image_create(meta *m, const meta_image_spec *spec, cpod_error **err)
{
	if (check_image_spec(spec, err) < 0)
		return cpod_err_prefix(err, "creating image");
	if (db_begin(m->d, err) < 0)
		return -1;
	return tx_end(m, image_insert(m, spec, err), err) < 0 ? -1 : 0;
}

int meta_image_add_names(meta *m, const char *id, const char *const *names, cpod_error **err)
{
	int r;

	if (check_tokens("image name", names, err) < 0)
		return -1;
	if (db_begin(m->d, err) < 0)
		return -1;
	r = need_image(m, id, err);
	if (r > 0)
		r = run_each(m, SQL_SET_NAME, id, names, NULL, err);
	return tx_end(m, r, err) < 0 ? -1 : 0;
}

int meta_image_add_digests(meta *m, const char *id, const char *const *digests, cpod_error **err)
{
	int r;

	if (check_tokens("image digest", digests, err) < 0)
		return -1;
	if (db_begin(m->d, err) < 0)
		return -1;
	r = need_image(m, id, err);
	if (r > 0)
		r = run_each(m,
			     "INSERT OR IGNORE INTO image_digests (image_id, digest) VALUES (?1, "
			     "?2)",
			     id, digests, NULL, err);
	return tx_end(m, r, err) < 0 ? -1 : 0;
}

int meta_image_remove_names(meta *m, const char *id, const char *const *names, cpod_error **err)
{
	int r;

	if (db_begin(m->d, err) < 0)
		return -1;
	r = need_image(m, id, err);
	if (r > 0)
		r = run_each(m, "DELETE FROM names WHERE image_id = ?1 AND name = ?2", id, names,
			     "name", err);
	return tx_end(m, r, err) < 0 ? -1 : 0;
}

/* Deletes the layers from top down that nothing uses any more; appends them to *v. */
static int prune_layers(meta *m, const char *top, meta_layer ***v, size_t *n, cpod_error **err)
{
	_cleanup_free_ char *next = top ? xstrdup(top) : NULL;

	while (next) {
		meta_layer *l = NULL;
		int r = layer_user(m, next, NULL, err);

		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
		if (meta_layer_get(m, next, &l, err) < 0)
			return -1;
		*v = xreallocarray(*v, *n + 2, sizeof(**v));
		(*v)[(*n)++] = l;
		(*v)[*n] = NULL;
		if (db_run(m->d, err, "DELETE FROM layers WHERE id = ?1", "t", next) < 0)
			return -1;
		free(next);
		next = l->parent ? xstrdup(l->parent) : NULL;
	}
	return 0;
}

static int image_remove(meta *m, const char *id, int force, meta_layer ***v, size_t *n,
			cpod_error **err)
{
	_cleanup_free_ char *top = NULL, *ctr = NULL;
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(m->d, "SELECT top_layer FROM images WHERE id = ?1", &st, err) < 0 ||
	    db_bind(m->d, st, err, "t", id) < 0)
		return -1;
	r = db_step(m->d, st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: image not known", id ? id : "");
	top = db_column_strdup(st, 0);
	if (!force) {
		r = query_text(m, "SELECT container_id FROM containers_rw WHERE image_id = ?1", id,
			       &ctr, err);
		if (r < 0)
			return -1;
		if (r > 0)
			return cpod_err(err, CPOD_ERR_STATE, 0,
					"image '%s' is in use by container '%s'", id, ctr);
	}
	if (db_run(m->d, err, "DELETE FROM images WHERE id = ?1", "t", id) < 0)
		return -1;
	return prune_layers(m, top, v, n, err);
}

int meta_image_delete(meta *m, const char *id, int force, meta_layer ***ret_layers,
		      cpod_error **err)
{
	meta_layer **v = NULL;
	size_t n = 0;

	if (db_begin(m->d, err) < 0)
		return -1;
	if (tx_end(m, image_remove(m, id, force, &v, &n, err), err) < 0) {
		meta_layerv_free(v);
		return -1;
	}
	if (!v)
		v = xcalloc(1, sizeof(*v));
	if (ret_layers)
		*ret_layers = v;
	else
		meta_layerv_free(v);
	return 0;
}

/* ---- containers' rw layers ---- */

static int container_insert(meta *m, const char *ctr, const char *layer, const char *image,
			    cpod_error **err)
{
	int ready;
	int r = query_text(m, "SELECT 1 FROM containers_rw WHERE container_id = ?1", ctr, NULL,
			   err);

	if (r < 0)
		return -1;
	if (r > 0)
		return cpod_err(err, CPOD_ERR_EXISTS, 0, "container '%s' already has a layer", ctr);
	r = layer_state(m, layer, &ready, err);
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", layer);
	if (r < 0 || (image && need_image(m, image, err) < 0))
		return -1;
	return db_run(m->d, err,
		      "INSERT INTO containers_rw (container_id, layer_id, image_id)"
		      " VALUES (?1, ?2, ?3)",
		      "ttt", ctr, layer, image);
}

int meta_container_add(meta *m, const char *container_id, const char *layer_id,
		       const char *image_id, cpod_error **err)
{
	if (check_token("container ID", container_id, err) < 0)
		return -1;
	if (db_begin(m->d, err) < 0)
		return -1;
	return tx_end(m, container_insert(m, container_id, layer_id, image_id, err), err) < 0 ? -1
											      : 0;
}

int meta_container_get(meta *m, const char *container_id, char **ret_layer, char **ret_image,
		       cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(m->d, "SELECT layer_id, image_id FROM containers_rw WHERE container_id = ?1",
		       &st, err) < 0 ||
	    db_bind(m->d, st, err, "t", container_id) < 0)
		return -1;
	r = db_step(m->d, st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "container '%s' has no layer",
				container_id ? container_id : "");
	if (ret_layer)
		*ret_layer = db_column_strdup(st, 0);
	if (ret_image)
		*ret_image = db_column_strdup(st, 1);
	return 0;
}

int meta_container_delete(meta *m, const char *container_id, cpod_error **err)
{
	int r = db_run(m->d, err, "DELETE FROM containers_rw WHERE container_id = ?1", "t",
		       container_id);

	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "container '%s' has no layer",
				container_id ? container_id : "");
	return r < 0 ? -1 : 0;
}

int meta_image_container_counts(meta *m, strv *ret_ids, int64_t **ret_counts, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int64_t *counts = NULL;
	size_t alloc = 0;
	int r;

	if (db_prepare(m->d,
		       "SELECT image_id, COUNT(*) FROM containers_rw WHERE image_id IS NOT NULL"
		       " GROUP BY image_id ORDER BY image_id",
		       &st, err) < 0)
		return -1;
	while ((r = db_step(m->d, st, err)) > 0) {
		if (ret_ids->n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			counts = xreallocarray(counts, alloc, sizeof(*counts));
		}
		counts[ret_ids->n] = sqlite3_column_int64(st, 1);
		strv_push_take(ret_ids, db_column_strdup(st, 0));
	}
	if (r < 0) {
		free(counts);
		strv_clear(ret_ids);
		return -1;
	}
	*ret_counts = counts;
	return 0;
}

int meta_container_layers(meta *m, strv *ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(m->d, "SELECT layer_id FROM containers_rw ORDER BY container_id", &st, err) <
	    0)
		return -1;
	while ((r = db_step(m->d, st, err)) > 0)
		strv_push_take(ret, db_column_strdup(st, 0));
	return r < 0 ? -1 : 0;
}
