/* A SQLite database handle for cpod's metadata (cpod.db).
 *
 * db_open() sets the connection up the way every cpod process must use it: WAL journal,
 * synchronous=FULL, a 10 s busy timeout, foreign keys enforced, extended result codes.  It
 * then brings the schema up to date: migrations[i] is the SQL that takes the schema from
 * version i to version i + 1; the version lives in PRAGMA user_version.  All missing steps
 * are applied in one BEGIN IMMEDIATE transaction, so concurrent openers apply them once and a
 * failed step leaves the database as it was.
 *
 * Writes go through db_begin() (BEGIN IMMEDIATE: the write lock is taken up front, waiting
 * up to the busy timeout, so a transaction never fails half-way with SQLITE_BUSY) and
 * db_commit() / db_rollback().  Transactions do not nest: db_begin() inside one is refused.
 *
 * Errors read "database '<path>': <sqlite message>"; the kind follows the SQLite result:
 * UNIQUE / PRIMARY KEY constraint -> CPOD_ERR_EXISTS, FOREIGN KEY constraint -> CPOD_ERR_STATE,
 * other constraints -> CPOD_ERR_INVALID, everything else (busy, I/O, corrupt) -> CPOD_ERR_SYSTEM.
 *
 * A handle is used by one thread at a time and must not cross fork().
 */
#ifndef CPOD_STORAGE_DB_H
#define CPOD_STORAGE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <cpod/error.h>

#include "common/cleanup.h"

#define DB_BUSY_TIMEOUT_MS 10000

typedef struct db db;

/* Opens (creating when missing) the database at path and applies the missing migrations.
 * A database whose version is newer than n_migrations is refused (CPOD_ERR_STATE).
 * On success *ret is a new handle (free with db_close()). */
int db_open(const char *path, const char *const *migrations, size_t n_migrations, db **ret,
	    cpod_error **err);

/* Brings a second schema up to date inside the same database: the schema of another area
 * (the engine's containers and volumes) whose version lives in the row `component` of the table
 * schema_versions (made on first use) rather than in user_version.  Same rules as db_open(). */
int db_migrate_component(db *d, const char *component, const char *const *migrations,
			 size_t n_migrations, cpod_error **err);

/* Rolls back an open transaction and closes the handle.  Accepts NULL; keeps errno. */
void db_close(db *d);
DEFINE_CLEANUP_FUNC(db, db_close)

/* The path given to db_open() (borrowed, lives as long as d) and the raw connection. */
const char *db_path(const db *d);
sqlite3 *db_sqlite(db *d);

/* Sets *err from the connection's last error ("database '<path>': <message>"); returns -1. */
int db_error(db *d, cpod_error **err);

/* Reads PRAGMA user_version into *ret. */
int db_user_version(db *d, int *ret, cpod_error **err);

/* Runs one or more SQL statements that take no parameters (rows are discarded). */
int db_exec(db *d, const char *sql, cpod_error **err);

/* Transactions.  db_begin() refuses (CPOD_ERR_INTERNAL) when one is already open.
 * db_commit() rolls back when COMMIT fails.  db_rollback() is a no-op outside a transaction
 * and cannot fail (an error is logged as a warning). */
int db_begin(db *d, cpod_error **err);
int db_commit(db *d, cpod_error **err);
void db_rollback(db *d);
int db_in_transaction(const db *d);

/* Prepared statements.  Finalize with sqlite3_finalize() or declare the variable
 * _cleanup_stmt_. */
DEFINE_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

int db_prepare(db *d, const char *sql, sqlite3_stmt **ret, cpod_error **err);

/* Binds parameters 1..n, one per character of types:
 *   't'  const char *  (NULL binds SQL NULL)
 *   'i'  int64_t       (pass an int64_t, not an int)
 * Returns 0, or -1 with *err set. */
int db_bind(db *d, sqlite3_stmt *st, cpod_error **err, const char *types, ...);

/* Steps st: returns 1 when a row is available, 0 when done, -1 with *err set. */
int db_step(db *d, sqlite3_stmt *st, cpod_error **err);

/* Prepares sql, binds like db_bind(), steps it to completion (rows are discarded) and
 * returns the number of rows it changed, or -1 with *err set. */
int db_run(db *d, cpod_error **err, const char *sql, const char *types, ...);

/* Returns a copy of a text column (caller frees), or NULL for SQL NULL. */
char *db_column_strdup(sqlite3_stmt *st, int col);

#endif
