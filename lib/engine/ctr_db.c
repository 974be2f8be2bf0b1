/* The engine's tables in cpod.db and the container rows. */
#include "engine/container_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/meta.h"
#include "common/banned.h"

/* Engine schema steps; never edit a released one, append. */
static const char *const engine_migrations[] = {
	"CREATE TABLE containers ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" image_id TEXT,"
	" image_name TEXT,"
	" specgen TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" conmon_pid INTEGER NOT NULL DEFAULT 0,"
	" exit_code INTEGER NOT NULL DEFAULT 0,"
	" started_at INTEGER NOT NULL DEFAULT 0,"
	" finished_at INTEGER NOT NULL DEFAULT 0,"
	" restart_count INTEGER NOT NULL DEFAULT 0,"
	" oom_killed INTEGER NOT NULL DEFAULT 0,"
	" stopped_by_user INTEGER NOT NULL DEFAULT 0,"
	" mountpoint TEXT,"
	" runtime TEXT,"
	" command TEXT NOT NULL DEFAULT '[]');"
	"CREATE INDEX containers_created ON containers (created);"
	"CREATE TABLE volumes ("
	" name TEXT PRIMARY KEY,"
	" driver TEXT NOT NULL,"
	" mountpoint TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" labels TEXT NOT NULL DEFAULT '{}',"
	" options TEXT NOT NULL DEFAULT '{}',"
	" anonymous INTEGER NOT NULL DEFAULT 0,"
	" uid INTEGER NOT NULL DEFAULT 0,"
	" gid INTEGER NOT NULL DEFAULT 0,"
	" needs_copy_up INTEGER NOT NULL DEFAULT 1,"
	" needs_chown INTEGER NOT NULL DEFAULT 1,"
	" mount_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE container_volumes ("
	" container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,"
	" volume TEXT NOT NULL REFERENCES volumes (name),"
	" dest TEXT NOT NULL,"
	" mounted INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (container_id, dest));"
	"CREATE INDEX container_volumes_volume ON container_volumes (volume);",
};

#define CTR_COLUMNS                                                                            \
	"id, name, image_id, image_name, specgen, created, state, pid, conmon_pid, exit_code," \
	" started_at, finished_at, restart_count, oom_killed, stopped_by_user, mountpoint,"    \
	" runtime, command"

const char *ctr_state_name(ctr_state s)
{
	static const char *const names[] = {
		[CTR_UNKNOWN] = "unknown",     [CTR_CONFIGURED] = "created",
		[CTR_CREATED] = "initialized", [CTR_RUNNING] = "running",
		[CTR_STOPPED] = "stopped",     [CTR_PAUSED] = "paused",
		[CTR_EXITED] = "exited",       [CTR_REMOVING] = "removing",
		[CTR_STOPPING] = "stopping",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]) || !names[s])
		return "unknown";
	return names[s];
}

void ctr_free(ctr *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image_name);
	json_object_put(c->sg);
	json_object_put(c->command);
	free(c->mountpoint);
	free(c->runtime);
	free(c);
}

/* After a reboot nothing in runroot survives: no process, no mount, no conmon.  The boot
 * marker lives in runroot (a tmpfs), so its absence means the states must be reset. */
static int reset_after_reboot(cpod_runtime *rt, db *d, cpod_error **err)
{
	_cleanup_free_ char *marker = NULL, *lockpath = NULL;
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	const char *runroot = engine_runroot(rt, err);
	int r;

	if (!runroot)
		return -1;
	marker = xasprintf("%s/engine-alive", runroot);
	if (access(marker, F_OK) == 0)
		return 0;
	lockpath = xasprintf("%s/engine-alive.lock", runroot);
	if (lock_open(lockpath, LOCK_EXCLUSIVE, LOCK_WAIT, &l, err) < 0)
		return -1;
	if (access(marker, F_OK) == 0)
		return 0;
	r = db_run(d, err,
		   "UPDATE containers SET state = ?, pid = 0, conmon_pid = 0, mountpoint = NULL,"
		   " finished_at = CASE WHEN finished_at < started_at THEN ? ELSE finished_at END"
		   " WHERE state NOT IN (?, ?)",
		   "iiii", (int64_t)CTR_EXITED, engine_now_ns(), (int64_t)CTR_CONFIGURED,
		   (int64_t)CTR_EXITED);
	if (r < 0)
		return -1;
	if (r > 0)
		log_info("reset the state of %d containers after a reboot", r);
	if (db_exec(d,
		    "UPDATE volumes SET mount_count = 0; UPDATE container_volumes SET mounted = 0",
		    err) < 0)
		return -1;
	return fs_write_atomic(AT_FDCWD, marker, "", 0, 0644, false, err);
}

db *engine_db(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);
	db *d;

	if (!s)
		return NULL;
	d = meta_db(store_meta(s));
	if (rt->engine_db_ready)
		return d;
	/* Container state changes on every command; in WAL mode NORMAL keeps each commit atomic
	 * and a kill -9 loses nothing, while a power failure may roll back the newest commits
	 * (never corrupt the database).  FULL would cost an fsync per state change: five per
	 * `run --rm`.  Image and layer writes made before the engine is used keep FULL. */
	if (db_exec(d, "PRAGMA synchronous = NORMAL", err) < 0 ||
	    db_migrate_component(d, "engine", engine_migrations,
				 sizeof(engine_migrations) / sizeof(engine_migrations[0]),
				 err) < 0 ||
	    reset_after_reboot(rt, d, err) < 0)
		return NULL;
	rt->engine_db_ready = 1;
	return d;
}

static json_object *parse_specgen(const char *text, const char *id)
{
	json_object *sg = text ? json_tokener_parse(text) : NULL;

	if (!sg || !json_object_is_type(sg, json_type_object)) {
		log_warn("container %s: unreadable configuration in the database", id);
		json_object_put(sg);
		sg = json_object_new_object();
	}
	return sg;
}

static ctr *row_to_ctr(sqlite3_stmt *st)
{
	ctr *c = xcalloc(1, sizeof(*c));

	c->id = db_column_strdup(st, 0);
	c->name = db_column_strdup(st, 1);
	c->image_id = db_column_strdup(st, 2);
	c->image_name = db_column_strdup(st, 3);
	c->sg = parse_specgen((const char *)sqlite3_column_text(st, 4), c->id);
	c->created = sqlite3_column_int64(st, 5);
	c->state = (ctr_state)sqlite3_column_int(st, 6);
	c->pid = sqlite3_column_int64(st, 7);
	c->conmon_pid = sqlite3_column_int64(st, 8);
	c->exit_code = sqlite3_column_int64(st, 9);
	c->started_at = sqlite3_column_int64(st, 10);
	c->finished_at = sqlite3_column_int64(st, 11);
	c->restart_count = sqlite3_column_int64(st, 12);
	c->oom_killed = sqlite3_column_int(st, 13) != 0;
	c->stopped_by_user = sqlite3_column_int(st, 14) != 0;
	c->mountpoint = db_column_strdup(st, 15);
	c->runtime = db_column_strdup(st, 16);
	c->command = json_tokener_parse((const char *)sqlite3_column_text(st, 17));
	if (!c->command || !json_object_is_type(c->command, json_type_array)) {
		json_object_put(c->command);
		c->command = json_object_new_array();
	}
	return c;
}

int ctr_load(cpod_runtime *rt, const char *id, ctr **ret, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	int r;

	if (!d ||
	    db_prepare(d, "SELECT " CTR_COLUMNS " FROM containers WHERE id = ?", &st, err) < 0 ||
	    db_bind(d, st, err, "t", id) < 0)
		return -1;
	r = db_step(d, st, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
				"no container with name or ID \"%s\" found: no such container", id);
	*ret = row_to_ctr(st);
	return 0;
}

int ctr_load_all(cpod_runtime *rt, ctr ***ret, size_t *ret_n, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);
	ctr **v = NULL;
	size_t n = 0, cap = 0;
	int r;

	if (!d || db_prepare(d, "SELECT " CTR_COLUMNS " FROM containers ORDER BY created DESC", &st,
			     err) < 0)
		return -1;
	while ((r = db_step(d, st, err)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = row_to_ctr(st);
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			ctr_free(v[i]);
		free(v);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Name, then full ID, then unique ID prefix, as podman looks containers up. */
char *ctr_lookup_id(cpod_runtime *rt, const char *nameorid, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_ strv ids = STRV_INIT;
	const char *match;
	db *d;
	int r;

	if (!nameorid || !*nameorid)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "name or ID cannot be empty"), NULL;
	d = engine_db(rt, err);
	if (!d ||
	    db_prepare(d, "SELECT id FROM containers WHERE name = ? OR id = ?", &st, err) < 0 ||
	    db_bind(d, st, err, "tt", nameorid, nameorid) < 0)
		return NULL;
	r = db_step(d, st, err);
	if (r < 0)
		return NULL;
	if (r > 0)
		return db_column_strdup(st, 0);
	sqlite3_finalize(TAKE_PTR(st));
	if (!id_is_valid_prefix(nameorid))
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
				"no container with name or ID \"%s\" found: no such container",
				nameorid),
		       NULL;
	if (db_prepare(d, "SELECT id FROM containers WHERE substr(id, 1, ?) = ? LIMIT 3", &st,
		       err) < 0 ||
	    db_bind(d, st, err, "it", (int64_t)strlen(nameorid), nameorid) < 0)
		return NULL;
	while ((r = db_step(d, st, err)) > 0)
		strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
	if (r < 0)
		return NULL;
	if (id_lookup((const char *const *)ids.v, nameorid, ID_OBJ_CONTAINER, &match, NULL, err) <
	    0)
		return NULL;
	return xstrdup(match);
}

int ctr_insert(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	db *d = engine_db(rt, err);
	const char *sg = json_object_to_json_string_ext(c->sg, JSON_C_TO_STRING_NOSLASHESCAPE);
	int r;

	if (!d)
		return -1;
	r = db_run(d, err,
		   "INSERT INTO containers (id, name, image_id, image_name, specgen, created, "
		   "state,"
		   " runtime, command) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		   "tttttiitt", c->id, c->name, c->image_id, c->image_name, sg, c->created,
		   (int64_t)c->state, c->runtime,
		   c->command ? json_object_to_json_string_ext(c->command,
							       JSON_C_TO_STRING_NOSLASHESCAPE)
			      : "[]");
	if (r < 0 && cpod_error_kind(*err) == CPOD_ERR_EXISTS) {
		cpod_error_free(*err);
		*err = NULL;
		return cpod_err(err, CPOD_ERR_EXISTS, 0,
				"the container name \"%s\" is already in use by another container:"
				" name already in use",
				c->name);
	}
	return r < 0 ? -1 : 0;
}

int ctr_save(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	db *d = engine_db(rt, err);

	int r;

	if (!d)
		return -1;
	r = db_run(d, err,
		   "UPDATE containers SET state = ?, pid = ?, conmon_pid = ?, exit_code = ?,"
		   " started_at = ?, finished_at = ?, restart_count = ?, oom_killed = ?,"
		   " stopped_by_user = ?, mountpoint = ?, runtime = ? WHERE id = ?",
		   "iiiiiiiiittt", (int64_t)c->state, c->pid, c->conmon_pid, c->exit_code,
		   c->started_at, c->finished_at, c->restart_count, (int64_t)c->oom_killed,
		   (int64_t)c->stopped_by_user, c->mountpoint, c->runtime, c->id);
	if (r < 0)
		return -1;
	if (r == 0)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
				"no container with name or ID \"%s\" found: no such container",
				c->id);
	return 0;
}

int ctr_delete_row(cpod_runtime *rt, const char *id, cpod_error **err)
{
	db *d = engine_db(rt, err);

	if (!d)
		return -1;
	return db_run(d, err, "DELETE FROM containers WHERE id = ?", "t", id) < 0 ? -1 : 0;
}

int ctr_rename_row(cpod_runtime *rt, const char *id, const char *name, cpod_error **err)
{
	db *d = engine_db(rt, err);
	int r;

	if (!d)
		return -1;
	r = db_run(d, err, "UPDATE containers SET name = ? WHERE id = ?", "tt", name, id);
	if (r < 0 && cpod_error_kind(*err) == CPOD_ERR_EXISTS) {
		cpod_error_free(*err);
		*err = NULL;
		return cpod_err(err, CPOD_ERR_EXISTS, 0,
				"the container name \"%s\" is already in use by another container:"
				" name already in use",
				name);
	}
	return r < 0 ? -1 : 0;
}

int ctr_name_exists(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	db *d = engine_db(rt, err);

	if (!d || db_prepare(d, "SELECT 1 FROM containers WHERE name = ?", &st, err) < 0 ||
	    db_bind(d, st, err, "t", name) < 0)
		return -1;
	return db_step(d, st, err);
}
