/* Registry logins: `cpod login` and `cpod logout` (podman 4.3, containers/common pkg/auth).
 *
 * Credentials live in containers-auth.json(5) (see lib/config/auth.h for the file that is
 * written and the files that are searched).  A key names a registry ("quay.io",
 * "127.0.0.1:5000"), a namespace or a repository ("quay.io/team/app"); the credentials are
 * checked against the registry part.
 */
#ifndef CPOD_REGISTRY_H
#define CPOD_REGISTRY_H

#include <stddef.h>

#include <cpod/error.h>
#include <cpod/export.h>
#include <cpod/image.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	size_t struct_size;	     /* sizeof(cpod_login_opts) */
	const char *key;	     /* from cpod_login_key(): "host[:port][/path]" */
	const char *authfile;	     /* NULL: $REGISTRY_AUTH_FILE, else the runtime dir's */
	const char *cert_dir;	     /* NULL: /etc/containers/certs.d, /etc/docker/certs.d */
	int tls_verify;		     /* CPOD_TLS_VERIFY_*; DEFAULT: registries.conf's insecure */
	const char *registries_conf; /* NULL: $CONTAINERS_REGISTRIES_CONF or the default */
	const char *username;	     /* the credentials to check (and store) */
	const char *password;
} cpod_login_opts;

/* The credential key for a login argument, as podman computes it: an "http(s)://" URL gives
 * its host[:port]; anything else must be a name without tag or digest ("reference 'X'
 * contains tag or digest").  arg NULL: the first unqualified-search registry of the
 * registries.conf at conf_path (NULL: the default files).  *ret_key is the caller's.
 * CPOD_ERR_INVALID for bad input. */
CPOD_EXPORT int cpod_login_key(const char *arg, const char *conf_path, char **ret_key,
			       cpod_error **err);

/* The stored credentials for o->key (the first file that has them).  Returns 1 and sets
 * *ret_username and *ret_password (caller frees; *ret_has_token, optional, is 1 when the
 * entry holds an identity token), 0 when none is stored, -1 on a malformed file. */
CPOD_EXPORT int cpod_login_lookup(const cpod_login_opts *o, char **ret_username,
				  char **ret_password, int *ret_has_token, cpod_error **err);

/* Checks o->username / o->password against the registry of o->key: GET /v2/ with Basic auth,
 * or through the bearer token its challenge names.  CPOD_ERR_AUTH ("logging into \"KEY\":
 * invalid username/password") when the registry refuses them; other failures are prefixed
 * 'authenticating creds for "KEY"'. */
CPOD_EXPORT int cpod_login_check(const cpod_login_opts *o, cpod_error **err);

/* `cpod login`: cpod_login_check(), then stores the credentials for o->key (mode 0600, every
 * other entry kept).  Nothing is stored when the check fails.  *ret_path (optional) gets the
 * file written (caller frees). */
CPOD_EXPORT int cpod_login(const cpod_login_opts *o, char **ret_path, cpod_error **err);

/* `cpod logout KEY`: removes the entry for key from the auth file; CPOD_ERR_NOT_FOUND ("not
 * logged into KEY") when it has none.  key NULL: empties the file's "auths" (--all). */
CPOD_EXPORT int cpod_logout(const char *authfile, const char *key, cpod_error **err);

#ifdef __cplusplus
}
#endif
#endif
