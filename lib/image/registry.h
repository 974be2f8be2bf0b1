/* A client for one container registry (OCI distribution spec / Docker registry v2) on
 * libcurl: the /v2/ ping and its WWW-Authenticate challenge, Basic auth and Bearer tokens
 * (cached per scope), TLS with certs.d, manifests and blobs with digest checks.
 *
 * One client holds one curl easy handle, reused for every request (HTTP/1.1), and is used by
 * one thread at a time; registry_client_clone() makes one for another thread.  Errors name
 * the registry and the repository and have the kind
 * CPOD_ERR_REGISTRY (the registry answered badly, or a digest or size did not match),
 * CPOD_ERR_AUTH (401/403), CPOD_ERR_NOT_FOUND (404, manifest or blob unknown) or
 * CPOD_ERR_SYSTEM (the connection failed).
 */
#ifndef CPOD_IMAGE_REGISTRY_H
#define CPOD_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/strv.h"

/* The default certs.d directories, searched in this order when no cert_dir is given. */
#define REGISTRY_CERTS_DIRS "/etc/containers/certs.d", "/etc/docker/certs.d"

typedef struct {
	const char *host;     /* "host[:port]", required */
	bool tls_verify;      /* false: unverified TLS, then plain http when TLS fails */
	const char *cert_dir; /* certs.d root holding <host>/; NULL: the default dirs */
	const char *username; /* NULL: anonymous unless the challenge asks and none is known */
	const char *password;
	const char *identity_token; /* auth.json's refresh token: exchanged by OAuth2 POST */
	bool push;		    /* bearer tokens ask for "repository:X:pull,push" */
} registry_opts;

typedef struct registry_client registry_client;

/* A new client (nothing is sent yet).  Fails only for unreadable certs.d files. */
int registry_client_new(const registry_opts *o, registry_client **ret, cpod_error **err);

/* A client for another thread: pings c first when it was not (on the caller's thread), then
 * copies its settings, what the ping learnt and the tokens it holds, with handles of its own
 * (its own connections).  *ret: free with registry_client_free(). */
int registry_client_clone(registry_client *c, registry_client **ret, cpod_error **err);

/* How a streamed blob gets past network errors (see registry_blob_open()): retries requests
 * that failed without progress, delay_ms before each (< 0: 1 s, doubling, at most 60 s).
 * The defaults are REGISTRY_DEFAULT_RETRIES and -1, podman's. */
#define REGISTRY_DEFAULT_RETRIES 3
void registry_client_set_retry(registry_client *c, int retries, int delay_ms);
/* The registry's "host[:port]" as given (borrowed, lives as long as c). */
const char *registry_client_host(const registry_client *c);
/* Accepts NULL. */
void registry_client_free(registry_client *c);
DEFINE_CLEANUP_FUNC(registry_client, registry_client_free)
#define _cleanup_registry_client_ _cleanup_(registry_client_freep)

/* GET /v2/: learns the scheme (https, or http when allowed) and the auth challenge.  Done
 * once; the other requests call it themselves when it was not done.  An answer other than
 * 200 or 401 fails: "pinging container registry HOST: ...". */
int registry_ping(registry_client *c, cpod_error **err);

/* Checks the client's credentials as `login` does: GET /v2/ with them (Basic), or with a
 * token asked for with them and no scope (Bearer).  0 when the registry accepts them or asks
 * for none; CPOD_ERR_AUTH when it refuses them; CPOD_ERR_SYSTEM/REGISTRY otherwise. */
int registry_check_auth(registry_client *c, cpod_error **err);

/* GETs the manifest of repo ("ns/name") at ref (a tag or "sha256:..."), at most
 * MANIFEST_MAX_SIZE bytes, into out.  *ret_media_type gets the Content-Type (may be NULL) and
 * *ret_digest the manifest's digest (manifest_digest(): of the bytes received, or of the signed
 * payload of a schema 1 manifest); for a digest reference a different digest is an error.  Both
 * strings are the caller's. */
int registry_get_manifest(registry_client *c, const char *repo, const char *ref, buf *out,
			  char **ret_media_type, char **ret_digest, cpod_error **err);

/* GETs a whole blob of at most cap bytes into out, checking its digest and size (size < 0:
 * unknown). */
int registry_get_blob(registry_client *c, const char *repo, const char *digest, int64_t size,
		      size_t cap, buf *out, cpod_error **err);

/* A blob being streamed.  registry_blob_read() is a store_read_fn: it returns the bytes as
 * they arrive and, at the end, 0 only when their count equals the descriptor's size (when
 * known) and their sha256 equals its digest; otherwise -1 (CPOD_ERR_REGISTRY).  The client
 * must not be used for anything else until the blob is closed.
 *
 * When the transfer breaks (a connection reset, refused or timed out; a 429 or 5xx answer),
 * the rest is asked for with "Range: bytes=N-", and the reader sees one unbroken stream: a
 * 206 answer must start at N; a 200 answer (a registry that ignores Range) starts again at 0
 * and its first N bytes are dropped.  The digest's state is kept, nothing is hashed twice.  A
 * request that broke after 1 MiB or 60 s is followed at once; one that broke before counts as
 * a failed attempt, and after the client's retries (registry_client_set_retry()) the error
 * stands. */
typedef struct registry_blob registry_blob;
int registry_blob_open(registry_client *c, const char *repo, const char *digest, int64_t size,
		       registry_blob **ret, cpod_error **err);
ssize_t registry_blob_read(void *blob, void *p, size_t len, cpod_error **err);
/* How many requests the blob took so far (1 without interruption). */
int registry_blob_requests(const registry_blob *b);
/* Accepts NULL; stops a transfer still running. */
void registry_blob_close(registry_blob *b);
DEFINE_CLEANUP_FUNC(registry_blob, registry_blob_close)

/* GETs a list, following the Link: <...>; rel="next" pages: repo NULL, /v2/_catalog's
 * "repositories" (a bearer token is asked for the scope "registry:catalog:*"); otherwise
 * /v2/<repo>/tags/list's "tags".  The names are appended to ret in the registry's order. */
int registry_list(registry_client *c, const char *repo, strv *ret, cpod_error **err);

/* ---- pushing (the client must have been made with .push) ---- */

/* HEAD /v2/<repo>/blobs/<digest>: 1 when the registry has the blob, 0 when not (404).  When
 * it has it and ret_size is not NULL, *ret_size gets its Content-Length (-1 when none). */
int registry_blob_exists(registry_client *c, const char *repo, const char *digest,
			 int64_t *ret_size, cpod_error **err);

/* Cross-repository mount: POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<from>, with a
 * bearer token whose scope also asks for "repository:<from>:pull".  1 when the registry
 * mounted the blob (201 Created); 0 when it started an ordinary upload instead (202
 * Accepted: it cannot mount, or not from there), which is then cancelled (best effort);
 * -1 for any other answer or a failure. */
int registry_blob_mount(registry_client *c, const char *repo, const char *digest, const char *from,
			cpod_error **err);

/* Uploads size bytes read from fd (from its current offset) as the blob digest: POST
 * /v2/<repo>/blobs/uploads/, then one PUT to the Location given (relative or absolute) with
 * ?digest=.  The registry must answer 201. */
int registry_blob_upload(registry_client *c, const char *repo, const char *digest, int fd,
			 int64_t size, cpod_error **err);

/* PUT /v2/<repo>/manifests/<ref> with this Content-Type; the registry must answer 201. */
int registry_put_manifest(registry_client *c, const char *repo, const char *ref,
			  const char *media_type, const void *data, size_t len, cpod_error **err);

/* ---- pure parts, exposed for the tests ---- */

/* A WWW-Authenticate challenge: scheme "basic" or "bearer" (lowercased) and the parameters
 * cpod uses.  Strings are owned (www_auth_clear()). */
typedef struct {
	char *scheme;
	char *realm;
	char *service;
	char *scope;
} www_auth;

/* Parses the first challenge of a header value ('Bearer realm="https://x/token",
 * service="x",scope="repository:a/b:pull"'): quoted values with backslash escapes or tokens.
 * CPOD_ERR_INVALID for an empty or malformed value. */
int www_auth_parse(const char *value, www_auth *ret, cpod_error **err);
void www_auth_clear(www_auth *a);

/* The first byte offset of a Content-Range value ("bytes 100-199/200"), or -1 when it is
 * not one. */
int64_t registry_content_range_start(const char *value);

/* The delay before attempt number attempt (1, 2, ...): delay_ms, or when it is negative 1 s
 * doubling with each attempt, at most 60 s. */
int registry_retry_delay_ms(int delay_ms, int attempt);

/* The URL of a Link header value's rel="next" ("</v2/_catalog?last=a&n=1>; rel=\"next\""),
 * as written (maybe relative); NULL when there is none. */
char *registry_link_next(const char *link);

/* The TLS files of certs.d for host, from the first of dirs that has a <host>/ directory:
 * every "*.crt" in it as a CA, and the first "*.cert" + "*.key" pair (the key named as the
 * cert with ".key") as the client certificate.  No such directory is not an error; a .cert
 * without its .key, or a .key without its .cert, is (CPOD_ERR_INVALID). */
typedef struct {
	strv ca_files;	 /* sorted by name */
	char *cert_file; /* NULL when none */
	char *key_file;
} registry_certs;
int registry_certs_find(const char *const *dirs, const char *host, registry_certs *ret,
			cpod_error **err);
void registry_certs_clear(registry_certs *c);

#endif
