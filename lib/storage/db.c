#include "storage/db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct db {
	sqlite3 *sq;
	char *path;
	int in_tx;
};

const char *db_path(const db *d)
{
	return d->path;
}

sqlite3 *db_sqlite(db *d)
{
	return d->sq;
}

int db_in_transaction(const db *d)
{
	return d->in_tx;
}

static cpod_errkind kind_of(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return CPOD_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return CPOD_ERR_STATE;
	default:
		break;
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return CPOD_ERR_INVALID;
	return CPOD_ERR_SYSTEM;
}

int db_error(db *d, cpod_error **err)
{
	int rc = sqlite3_extended_errcode(d->sq);

	return cpod_err(err, kind_of(rc), 0, "database '%s': %s", d->path, sqlite3_errmsg(d->sq));
}

int db_exec(db *d, const char *sql, cpod_error **err)
{
	if (sqlite3_exec(d->sq, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(d, err);
	return 0;
}

int db_prepare(db *d, const char *sql, sqlite3_stmt **ret, cpod_error **err)
{
	if (sqlite3_prepare_v2(d->sq, sql, -1, ret, NULL) != SQLITE_OK) {
		*ret = NULL;
		return db_error(d, err);
	}
	return 0;
}

static int bind_va(db *d, sqlite3_stmt *st, cpod_error **err, const char *types, va_list ap)
{
	for (int i = 0; types[i]; i++) {
		const char *s;
		int rc;

		switch (types[i]) {
		case 't':
			s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		default:
			return cpod_err(err, CPOD_ERR_INTERNAL, 0,
					"database '%s': bad bind type '%c'", d->path, types[i]);
		}
		if (rc != SQLITE_OK)
			return db_error(d, err);
	}
	return 0;
}

int db_bind(db *d, sqlite3_stmt *st, cpod_error **err, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = bind_va(d, st, err, types, ap);
	va_end(ap);
	return r;
}

int db_step(db *d, sqlite3_stmt *st, cpod_error **err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(d, err);
}

int db_run(db *d, cpod_error **err, const char *sql, const char *types, ...)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	va_list ap;
	int r;

	if (db_prepare(d, sql, &st, err) < 0)
		return -1;
	va_start(ap, types);
	r = bind_va(d, st, err, types, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0)
		;
	if (r < 0)
		return -1;
	return sqlite3_changes(d->sq);
}

char *db_column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? xstrdup((const char *)s) : NULL;
}

int db_user_version(db *d, int *ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(d, "PRAGMA user_version", &st, err) < 0)
		return -1;
	r = db_step(d, st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "database '%s': no user_version",
				d->path);
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

int db_begin(db *d, cpod_error **err)
{
	if (d->in_tx || !sqlite3_get_autocommit(d->sq))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0,
				"database '%s': a transaction is already open", d->path);
	if (db_exec(d, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	d->in_tx = 1;
	return 0;
}

void db_rollback(db *d)
{
	if (!d->in_tx && sqlite3_get_autocommit(d->sq))
		return;
	d->in_tx = 0;
	/* A failed statement may already have ended the transaction (autocommit is back on). */
	if (sqlite3_get_autocommit(d->sq))
		return;
	if (sqlite3_exec(d->sq, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("database '%s': rollback: %s", d->path, sqlite3_errmsg(d->sq));
}

int db_commit(db *d, cpod_error **err)
{
	if (!d->in_tx)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0,
				"database '%s': no transaction to commit", d->path);
	if (db_exec(d, "COMMIT", err) < 0) {
		db_rollback(d);
		return -1;
	}
	d->in_tx = 0;
	return 0;
}

/* Applies migrations[version..n-1] and sets user_version = n, in one transaction. */
static int db_migrate(db *d, const char *const *migrations, size_t n, cpod_error **err)
{
	int version;

	if (db_begin(d, err) < 0 || db_user_version(d, &version, err) < 0)
		goto fail;
	if (version < 0 || (size_t)version > n) {
		cpod_err(err, CPOD_ERR_STATE, 0,
			 "database '%s': schema version %d is newer than this cpod knows (%zu)",
			 d->path, version, n);
		goto fail;
	}
	if ((size_t)version == n) {
		db_rollback(d);
		return 0;
	}
	for (size_t i = (size_t)version; i < n; i++) {
		if (db_exec(d, migrations[i], err) < 0) {
			cpod_err_prefix(err, "migrating to schema version %zu", i + 1);
			goto fail;
		}
	}
	{
		_cleanup_free_ char *sql = xasprintf("PRAGMA user_version = %zu", n);

		if (db_exec(d, sql, err) < 0)
			goto fail;
	}
	return db_commit(d, err);
fail:
	db_rollback(d);
	return -1;
}

static int component_version(db *d, const char *component, int *ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (db_exec(d,
		    "CREATE TABLE IF NOT EXISTS schema_versions ("
		    " component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
		    err) < 0 ||
	    db_prepare(d, "SELECT version FROM schema_versions WHERE component = ?", &st, err) <
		    0 ||
	    db_bind(d, st, err, "t", component) < 0)
		return -1;
	r = db_step(d, st, err);
	if (r < 0)
		return -1;
	*ret = r ? sqlite3_column_int(st, 0) : 0;
	return 0;
}

int db_migrate_component(db *d, const char *component, const char *const *migrations, size_t n,
			 cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int version;

	/* The common case, the schema is current, needs no write lock: look first. */
	if (db_prepare(d, "SELECT version FROM schema_versions WHERE component = ?", &st, NULL) ==
		    0 &&
	    db_bind(d, st, NULL, "t", component) == 0 && db_step(d, st, NULL) == 1 &&
	    (size_t)sqlite3_column_int(st, 0) == n)
		return 0;
	if (db_begin(d, err) < 0 || component_version(d, component, &version, err) < 0)
		goto fail;
	if (version < 0 || (size_t)version > n) {
		cpod_err(err, CPOD_ERR_STATE, 0,
			 "database '%s': %s schema version %d is newer than this cpod knows (%zu)",
			 d->path, component, version, n);
		goto fail;
	}
	for (size_t i = (size_t)version; i < n; i++) {
		if (db_exec(d, migrations[i], err) < 0) {
			cpod_err_prefix(err, "migrating %s to schema version %zu", component,
					i + 1);
			goto fail;
		}
	}
	if (db_run(d, err,
		   "INSERT INTO schema_versions (component, version) VALUES (?, ?)"
		   " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
		   "ti", component, (int64_t)n) < 0)
		goto fail;
	return db_commit(d, err);
fail:
	db_rollback(d);
	return -1;
}

/* Runs a PRAGMA that answers one row and checks its first column reads want. */
static int pragma_expect(db *d, const char *sql, const char *want, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	const char *got;
	int r;

	if (db_prepare(d, sql, &st, err) < 0)
		return -1;
	r = db_step(d, st, err);
	if (r < 0)
		return -1;
	got = r ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (!got || strcmp(got, want) != 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0,
				"database '%s': '%s' answered '%s', not '%s'", d->path, sql,
				got ? got : "", want);
	return 0;
}

static int db_setup(db *d, cpod_error **err)
{
	int persist = 1;

	sqlite3_extended_result_codes(d->sq, 1);
	/* Every cpod command opens and closes the database.  By default the last connection to
	 * close checkpoints the WAL into the database and deletes it, three fsyncs per command;
	 * instead the WAL stays and SQLite's automatic checkpoint (every 1000 pages) folds it
	 * in.  Readers see the same data either way. */
	sqlite3_db_config(d->sq, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_file_control(d->sq, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	if (sqlite3_busy_timeout(d->sq, DB_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_error(d, err);
	if (pragma_expect(d, "PRAGMA journal_mode = WAL", "wal", err) < 0)
		return -1;
	if (db_exec(d, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err) < 0)
		return -1;
	/* foreign_keys silently stays off in a library built without them: check. */
	return pragma_expect(d, "PRAGMA foreign_keys", "1", err);
}

int db_open(const char *path, const char *const *migrations, size_t n_migrations, db **ret,
	    cpod_error **err)
{
	_cleanup_(db_closep) db *d = xcalloc(1, sizeof(*d));
	int rc;

	d->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &d->sq,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		if (!d->sq)
			return cpod_err(err, CPOD_ERR_SYSTEM, 0, "database '%s': %s", path,
					sqlite3_errstr(rc));
		return db_error(d, err);
	}
	if (db_setup(d, err) < 0 || db_migrate(d, migrations, n_migrations, err) < 0)
		return -1;
	*ret = TAKE_PTR(d);
	return 0;
}

void db_close(db *d)
{
	int saved = errno;

	if (!d)
		return;
	if (d->sq) {
		db_rollback(d);
		if (sqlite3_close(d->sq) != SQLITE_OK)
			log_warn("database '%s': close: %s", d->path, sqlite3_errmsg(d->sq));
	}
	free(d->path);
	free(d);
	errno = saved;
}
