/* containers-auth.json(5): registry credentials, read and written as containers/image
 * (pkg/docker/config) does.
 *
 * The file that `login` writes and `logout` edits:
 *   --authfile, else $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
 *   /run/containers/$UID/auth.json.
 * Lookups read, in order, the first file holding an entry for the key:
 *   that file; $XDG_CONFIG_HOME/containers/auth.json (default ~/.config/...);
 *   $DOCKER_CONFIG/config.json, else ~/.docker/config.json; ~/.dockercfg (legacy format:
 *   the top-level object is the "auths" object, keys are registry hosts or URLs).
 *
 *   { "auths": { "registry.example.com": { "auth": "base64(user:pass)" },
 *                "registry.example.com/team/app": { "auth": "...", "identitytoken": "..." } },
 *     "credHelpers": { ... } }
 *
 * A key is a registry ("quay.io", "localhost:5000"), a namespace or a repository
 * ("quay.io/team", "quay.io/team/app"); the most specific entry wins ("quay.io/team/app", then
 * "quay.io/team", then "quay.io"), and then entries written as URLs or with docker.io's
 * aliases ("https://index.docker.io/v1/") match their host.  credHelpers entries are not run:
 * they are skipped (debug log).  Writes keep every other key of the file, create the parent
 * directory with mode 0700 and replace the file atomically with mode 0600.
 */
#ifndef CPOD_CONFIG_AUTH_H
#define CPOD_CONFIG_AUTH_H

#include <stdbool.h>

#include <cpod/error.h>

/* Where to look; NULL members take the environment as described above. */
typedef struct {
	const char *authfile;	   /* --authfile */
	const char *runtime_dir;   /* $XDG_RUNTIME_DIR */
	const char *home;	   /* $HOME */
	const char *config_home;   /* $XDG_CONFIG_HOME */
	const char *docker_config; /* $DOCKER_CONFIG */
} auth_opts;

typedef struct {
	char *username;
	char *password;
	char *identity_token; /* "" when none */
	char *path;	      /* the file the entry was found in */
} auth_creds;

void auth_creds_clear(auth_creds *c);

/* The file that auth_set() and auth_remove() change (caller frees).  Fails when
 * $XDG_RUNTIME_DIR names a directory that does not exist, as containers/image does. */
char *auth_file_path(const auth_opts *opts, cpod_error **err);

/* Checks a key: no "http://" or "https://", no '@', no ':' after the host[:port].  Sets
 * *ret_namespaced (optional) when the key has a path after the host. */
int auth_validate_key(const char *key, bool *ret_namespaced, cpod_error **err);

/* Looks key up.  Returns 1 and fills *ret (clear it with auth_creds_clear()), 0 when no file
 * has credentials for it, -1 with *err for an invalid key, a malformed file ("'PATH': 'auths':
 * expected object, got array") or an "auth" that is not base64. */
int auth_lookup(const auth_opts *opts, const char *key, auth_creds *ret, cpod_error **err);

/* Stores username:password for key (replacing the entry).  *ret_path (optional) gets the
 * file written (caller frees). */
int auth_set(const auth_opts *opts, const char *key, const char *username, const char *password,
	     char **ret_path, cpod_error **err);
/* Removes the entry for key; CPOD_ERR_NOT_FOUND ("not logged in to 'KEY'") when there is none. */
int auth_remove(const auth_opts *opts, const char *key, cpod_error **err);
/* Empties "auths" and drops "credHelpers" (logout --all). */
int auth_remove_all(const auth_opts *opts, cpod_error **err);

/* base64("username:password") (caller frees), and back: *ret_user and *ret_pass are set when
 * the decoded text has a ':' (returns 1), 0 when it has none, -1 when b64 is not base64. */
char *auth_encode(const char *username, const char *password);
int auth_decode(const char *b64, char **ret_user, char **ret_pass, cpod_error **err);

#endif
