/* OCI hooks configured in hooks.d directories (oci-hooks(5), schema 1.0.0), as podman reads
 * them through containers/common pkg/hooks.
 *
 * A hook file is "<name>.json":
 *   {"version": "1.0.0",
 *    "hook": {"path": "/abs/bin", "args": [...], "env": [...], "timeout": N},
 *    "when": {"always": bool, "annotations": {"key regex": "value regex"},
 *             "commands": ["regex", ...], "hasBindMounts": bool},
 *    "stages": ["prestart" | "createRuntime" | "createContainer" | "startContainer" |
 *               "poststart" | "poststop" | "precreate", ...]}
 * Regular expressions are POSIX extended ones (podman's are Go RE2: the common subset means the
 * same), searched unanchored.  A file whose hook.path does not exist is skipped, as podman
 * does.  Any other problem fails with CPOD_ERR_INVALID "parsing hook '<file>': ...":
 * a version other than 1.0.0 (0.1.0 files are refused: convert them), a missing or relative
 * hook.path, bad regular expressions, no `when` condition at all, a missing or unknown stage.
 * "precreate" is accepted (podman runs those itself) but cpod does not run it: a matching
 * precreate hook is logged as a warning and ignored.
 *
 * Matching (the same rules as podman's When.Match): always false or hasBindMounts false (or
 * true without bind mounts) never match; every annotations pattern pair must match some
 * annotation of the spec; if commands are given, the hook matches when one of them matches
 * process.args[0] (the other conditions having passed); else it matches when at least one
 * condition held.  Matching hooks are appended to spec.hooks.<stage> in the order of their
 * file names (compared lowercased).
 */
#ifndef CPOD_OCI_HOOKS_H
#define CPOD_OCI_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include <cpod/error.h>

/* Largest hook file read. */
#define HOOKS_FILE_CAP (1u << 20)

typedef struct hook_config hook_config;

/* The hooks of a set of directories, sorted by file name. */
typedef struct {
	hook_config **v;
	size_t n;
} hooks_set;

/* Reads and checks one hook file.  *ret is NULL (and 0 returned) when the file is to be
 * skipped: its hook.path does not exist, or the file itself vanished. */
int hooks_read_file(const char *path, hook_config **ret, cpod_error **err);
void hook_config_free(hook_config *h);
/* The file name ("nvidia.json"); borrowed from h. */
const char *hook_config_name(const hook_config *h);

/* Reads every *.json of dirs (NULL-terminated; missing directories are skipped); a later
 * directory's file masks an earlier one of the same name.  *ret is set on success only;
 * release it with hooks_set_release(). */
int hooks_load(const char *const *dirs, hooks_set *ret, cpod_error **err);
void hooks_set_release(hooks_set *s);

/* Appends the hooks of s matching spec to spec.hooks.<stage>.  has_bind_mounts: whether the
 * container has bind mounts of its own (podman: volumes or bind mounts given by the user). */
int hooks_apply(const hooks_set *s, json_object *spec, bool has_bind_mounts, cpod_error **err);

/* Whether spec mounts something with type "bind" other than the engine's own files
 * (/etc/hosts, /etc/hostname, /etc/resolv.conf, /run/.containerenv, /dev/shm, SPEC_INIT_PATH
 * and the /proc, /sys, /dev/mqueue fallbacks): what spec_hooks() passes as has_bind_mounts.
 * podman counts the user's volumes and bind mounts only; here mounts.conf subscriptions count
 * too.  A caller that knows better calls hooks_load() and hooks_apply() itself. */
bool hooks_spec_has_bind_mounts(json_object *spec);

#endif
