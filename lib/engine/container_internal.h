/* The engine's containers: their database rows, their files, their state machine.
 *
 * A container's row in cpod.db (table containers, engine schema) holds its configuration as
 * given (specgen JSON) and its state.  Files:
 *   <graphroot>/containers/<id>/     persistent: ctr.log
 *   <runroot>/containers/<id>/       the OCI bundle (config.json), attach socket, ctl fifo,
 *                                    pidfile, conmon.pid, oci-log, hosts, hostname,
 *                                    resolv.conf, .containerenv
 *   <runroot>/exits/<id>             conmon's exit file
 *   <runroot>/persist/<id>/          conmon's persist dir (exit, oom)
 *   <runroot>/locks/<id>             the container's lock
 * State changes happen under the container's lock (ctr_lock), in one transaction each.
 */
#ifndef CPOD_ENGINE_CONTAINER_INTERNAL_H
#define CPOD_ENGINE_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/lock.h"
#include "engine/runtime_internal.h"
#include "storage/db.h"

/* podman's container states; the numbers are stored in the database: never renumber. */
typedef enum {
	CTR_UNKNOWN = 0,
	CTR_CONFIGURED = 1, /* "created": in the database, not in the OCI runtime */
	CTR_CREATED = 2,    /* "initialized": the OCI runtime created it (conmon runs) */
	CTR_RUNNING = 3,
	CTR_STOPPED = 4, /* the process is gone, cleanup has not run */
	CTR_PAUSED = 5,
	CTR_EXITED = 6, /* stopped and cleaned up */
	CTR_REMOVING = 7,
	CTR_STOPPING = 8,
} ctr_state;

const char *ctr_state_name(ctr_state s);

typedef struct {
	char *id;
	char *name;
	char *image_id;	      /* NULL for a rootfs container */
	char *image_name;     /* as the user gave it (resolved name) */
	json_object *sg;      /* specgen as given; owned */
	int64_t created;      /* unix ns */
	json_object *command; /* the process args as created (entrypoint + cmd): array */

	/* Mutable state (ctr_save). */
	ctr_state state;
	int64_t pid;
	int64_t conmon_pid;
	int64_t exit_code;
	int64_t started_at;  /* unix ns, 0 = never */
	int64_t finished_at; /* unix ns, 0 = never */
	int64_t restart_count;
	bool oom_killed;
	bool stopped_by_user;
	char *mountpoint; /* rootfs while mounted, else NULL */
	char *runtime;	  /* path of the OCI runtime that created it, NULL before init */
} ctr;

void ctr_free(ctr *c);
DEFINE_CLEANUP_FUNC(ctr, ctr_free)

/* The engine's view of the database (the store's cpod.db with the engine schema brought up to
 * date on first use; reboot detection done then too).  Borrowed from rt. */
db *engine_db(cpod_runtime *rt, cpod_error **err);

/* ---- rows (ctr_db.c) ---- */

/* Resolves nameorid (full ID, name, unique ID prefix) to a full ID (caller frees). */
char *ctr_lookup_id(cpod_runtime *rt, const char *nameorid, cpod_error **err);
/* Loads a container by full ID. */
int ctr_load(cpod_runtime *rt, const char *id, ctr **ret, cpod_error **err);
/* Inserts a new row (id, name unique: CPOD_ERR_EXISTS naming the name). */
int ctr_insert(cpod_runtime *rt, const ctr *c, cpod_error **err);
/* Writes the mutable state columns. */
int ctr_save(cpod_runtime *rt, const ctr *c, cpod_error **err);
int ctr_delete_row(cpod_runtime *rt, const char *id, cpod_error **err);
int ctr_rename_row(cpod_runtime *rt, const char *id, const char *name, cpod_error **err);
/* Every container, newest first (*ret: array of n, free each with ctr_free and the array). */
int ctr_load_all(cpod_runtime *rt, ctr ***ret, size_t *ret_n, cpod_error **err);
/* Is name taken? */
int ctr_name_exists(cpod_runtime *rt, const char *name, cpod_error **err);

/* ---- paths (container.c); all new strings ---- */
char *ctr_bundle_dir(cpod_runtime *rt, const char *id);
char *ctr_static_dir(cpod_runtime *rt, const char *id);
char *ctr_exit_dir(cpod_runtime *rt);
char *ctr_exit_file(cpod_runtime *rt, const char *id);
char *ctr_persist_dir(cpod_runtime *rt, const char *id);
char *ctr_log_path(cpod_runtime *rt, const ctr *c);

/* Takes the container's lock (exclusive, waiting). */
int ctr_lock(cpod_runtime *rt, const char *id, file_lock *ret, cpod_error **err);

/* Loads and locks: resolves nameorid, locks, (re)loads the row under the lock. */
int ctr_get_locked(cpod_runtime *rt, const char *nameorid, file_lock *lock, ctr **ret,
		   cpod_error **err);

/* ---- lifecycle (lifecycle.c), all with the container locked ---- */
int ctr_init_locked(cpod_runtime *rt, ctr *c, cpod_error **err);
int ctr_start_locked(cpod_runtime *rt, ctr *c, cpod_error **err);
/* Reads the exit file when the process is gone and runs the cleanup (runtime delete,
 * unmount); state becomes exited. */
int ctr_cleanup_locked(cpod_runtime *rt, ctr *c, cpod_error **err);
/* Removes a stopped container's files, rw layer and row. */
int ctr_remove_locked(cpod_runtime *rt, ctr *c, bool volumes, cpod_error **err);
/* Updates a running/created container's state from its exit file (no cleanup): returns 1
 * when it has exited. */
int ctr_sync_exit(cpod_runtime *rt, ctr *c, cpod_error **err);

/* Starts c (init first when needed); on failure it is left stopped and unmounted. */
int ctr_start_or_fail(cpod_runtime *rt, ctr *c, cpod_error **err);
/* cpod_container_start() with attach (attach.c). */
int ctr_start_attached(cpod_runtime *rt, const char *nameorid, const cpod_attach_opts *attach,
		       int *ret_status, cpod_error **err);
/* Cleans up after an exec session (exec.c). */
int ctr_exec_cleanup(cpod_runtime *rt, const char *nameorid, const char *session, cpod_error **err);

/* Wall-clock time in unix nanoseconds. */
int64_t engine_now_ns(void);
/* ns as podman's JSON prints times (RFC 3339 in UTC, nanoseconds trimmed), Go's zero time for
 * 0.  The caller frees it. */
char *engine_time_string(int64_t ns);

/* The specgen getters the engine uses (missing or mistyped: the default). */
const char *sg_str(json_object *sg, const char *key, const char *def);
int64_t sg_int(json_object *sg, const char *key, int64_t def);
bool sg_bool(json_object *sg, const char *key, bool def);

#endif
