/* Named volumes: create, list, inspect, remove and prune, as podman 4.3 has them.
 *
 * A volume is a directory <volume path>/<name>/_data that containers mount; the volume path is
 * --volumepath, else containers.conf's volume_path, else <graphroot>/volumes.  Only the
 * "local" driver exists.  Its options (podman's `volume create -o`) are kept as given, with
 * the values podman derives from "o" added under upper-case keys (UID, GID, SIZE, INODES,
 * NOQUOTA).  A volume with a "type" or "device" option (`type=tmpfs,device=tmpfs,o=size=2m`,
 * `type=bind,device=/dir`) is mounted with mount(8) while a container uses it, and unmounted
 * when the last one is done (MountCount).
 *
 * A volume is "in use" while a container refers to it (any state, exited too); a volume no
 * container refers to is "dangling".  Anonymous volumes are the ones the engine made for a
 * container's `-v /path` or an image's VOLUME; they carry a random 64-hex name.
 *
 * Names are looked up exactly, then as a unique prefix of a name.  Errors (podman's words):
 *   CPOD_ERR_NOT_FOUND  no volume with name "x" found: no such volume
 *   CPOD_ERR_EXISTS     volume with name x already exists: volume already exists
 *   CPOD_ERR_STATE      volume x is being used by the following container(s): ID: volume is
 *                       being used
 *   CPOD_ERR_INVALID    bad names, drivers, options, labels and filters
 */
#ifndef CPOD_VOLUME_H
#define CPOD_VOLUME_H

#include <stdbool.h>
#include <stddef.h>

#include <cpod/error.h>
#include <cpod/export.h>
#include <cpod/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

typedef struct {
	size_t struct_size;	    /* sizeof(cpod_volume_create_opts) */
	const char *name;	    /* NULL or "": a random 64-hex name; else it must match
				     * [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	const char *driver;	    /* NULL or "": "local", the only driver there is */
	const char *const *labels;  /* "KEY=VALUE" or "KEY" (empty value), NULL-terminated; a
				     * later KEY replaces an earlier one */
	const char *const *options; /* driver options, "KEY=VALUE" the same way: o, type,
				     * device, uid, gid, size, inodes, noquota, copy, nocopy */
	bool ignore;		    /* an existing volume of that name is no error: its name is
				     * returned and nothing changes */
} cpod_volume_create_opts;

/* `cpod volume create`: makes the volume and its directory.  *ret_name (caller frees) is its
 * name.  Errors: CPOD_ERR_INVALID for a bad name ("running volume create option: names must
 * match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"), an unknown driver, an unknown option
 * key, a bad value in "o" or a bind device that does not exist; CPOD_ERR_EXISTS when the name
 * is taken (unless ignore). */
CPOD_EXPORT int cpod_volume_create(cpod_runtime *rt, const cpod_volume_create_opts *opts,
				   char **ret_name, cpod_error **err);

/* `cpod volume ls`: the volumes as podman's `volume ls --format json` records, sorted by
 * name, in a new JSON array (the caller puts it).  Each record is the object of
 * cpod_volume_inspect().  filters: "key=value" strings, NULL-terminated:
 *   name=REGEX         the name matches the (unanchored, POSIX extended) expression
 *   driver=D, scope=S  exact ("local" both)
 *   label=K, label=K=V the volume has label K (with value V); every label filter must match
 *   opt=K, opt=K=V     the volume has option K (with value V)
 *   until=TIME         created before TIME (a timestamp, unix time or Go duration ago)
 *   dangling=BOOL      true/1: used by no container; false/0: used by one
 * Values of one key OR, different keys AND (as podman does since 4.4; 4.3 ORed everything).
 * A filter without '=' or with another key is CPOD_ERR_INVALID. */
CPOD_EXPORT struct json_object *cpod_volume_list(cpod_runtime *rt, const char *const *filters,
						 cpod_error **err);

/* `cpod volume inspect NAME`: podman's InspectVolumeData object: Name, Driver, Mountpoint,
 * CreatedAt (RFC 3339, local time), Labels {}, Scope "local", Options {}, UID and GID (left
 * out when 0), Anonymous (only when true), MountCount, NeedsCopyUp and NeedsChown (only when
 * true).  A new object (the caller puts it). */
CPOD_EXPORT struct json_object *cpod_volume_inspect(cpod_runtime *rt, const char *name,
						    cpod_error **err);

/* `cpod volume exists NAME`: 1 when a volume has exactly that name, 0 when not, -1 on
 * another error. */
CPOD_EXPORT int cpod_volume_exists(cpod_runtime *rt, const char *name, cpod_error **err);

typedef struct {
	size_t struct_size; /* sizeof(cpod_volume_rm_opts) */
	bool force;	    /* remove the containers using it first (stopping them) */
	int timeout;	    /* their stop timeout with force; < 0: each container's own */
} cpod_volume_rm_opts;

/* `cpod volume rm NAME`: removes the volume, its directory and its mount.  While containers
 * use it: CPOD_ERR_STATE naming their IDs, unless force (then they are removed first, as
 * `cpod rm -f` would).  *ret_name (may be NULL; caller frees) gets the full name removed.
 * opts may be NULL (no force). */
CPOD_EXPORT int cpod_volume_remove(cpod_runtime *rt, const char *name,
				   const cpod_volume_rm_opts *opts, char **ret_name,
				   cpod_error **err);

/* `cpod volume prune`: removes the volumes matching filters (as cpod_volume_list()) that no
 * container uses.  *ret_removed (may be NULL) is set even on failure: a new JSON array of the
 * names removed.  A removal that fails does not stop the others; the first failure is
 * returned afterwards (the later ones are logged as warnings). */
CPOD_EXPORT int cpod_volume_prune(cpod_runtime *rt, const char *const *filters,
				  struct json_object **ret_removed, cpod_error **err);

#ifdef __cplusplus
}
#endif
#endif
