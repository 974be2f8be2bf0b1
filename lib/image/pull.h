/* Pulling an image from a registry into the store (podman pull's docker transport).
 *
 * The reference is resolved as podman does: a qualified name is used as given; a short name
 * through the registries.conf aliases, then each unqualified-search-registries entry in order
 * (short-name-mode "enforcing" refuses more than one candidate since there is no prompt;
 * "permissive" and "disabled" try them in order).  Blocked registries are refused, mirrors are
 * tried before the primary location, and the policy.json must accept the image.
 *
 * Layers are streamed, several at once (pull_layers.h): blob → sha256 check → decompression →
 * the store's staged apply with the config's diffID, committed in order; a layer the store has
 * (same diffID on the same parent) is not downloaded.  A broken blob transfer is resumed
 * (registry.h); other network failures retry the whole pull, o->retries times.  Any failure
 * removes the layers this pull made, so the store is left as it was.
 *
 * A Docker schema 1 manifest (read-only, as in podman) has no config blob: its layers (bottom
 * first, "throwaway" history entries skipped) are pulled without expected diffIDs, which are
 * computed as they are applied, and the config is then built from the history's
 * v1Compatibility entries exactly as containers/image converts it (manifest_schema1.h), so the
 * image ID matches podman's.
 */
#ifndef CPOD_IMAGE_PULL_H
#define CPOD_IMAGE_PULL_H

#include <stdbool.h>

#include <cpod/error.h>
#include <cpod/image.h>

#include "config/registries_conf.h"
#include "storage/store.h"

/* Called with each line podman prints while pulling ("Trying to pull REF...", "Copying blob
 * sha256:..."), without the newline. */
typedef void (*image_pull_progress_fn)(void *data, const char *line);

typedef struct {
	const char *reference;
	const char *os, *arch, *variant; /* NULL: the host's (linux, uname) */
	const char *authfile;		 /* NULL: auth.json's default lookup */
	const char *username;		 /* --creds; NULL: auth.json */
	const char *password;
	const char *cert_dir;		 /* NULL: the certs.d defaults */
	int tls_verify;			 /* -1: from registries.conf, 0: no, 1: yes */
	const char *signature_policy;	 /* NULL: the default policy.json */
	const char *registries_conf;	 /* NULL: $CONTAINERS_REGISTRIES_CONF or the default */
	int retries;			 /* extra attempts after a network error */
	int retry_delay_ms;		 /* between attempts; < 0: 1 s doubling (podman's) */
	int parallel_copies;		 /* blobs downloaded at once; <= 0: 6 */
	image_pull_progress_fn progress; /* may be NULL */
	void *progress_data;		 /* for the three callbacks */
	cpod_pull_blob_fn blob_progress; /* may be NULL; as cpod_pull_opts' (include/cpod/image.h) */
	cpod_pull_image_fn pulled;	 /* each image stored; may be NULL */
	bool all_tags;			 /* every tag of the repository (podman pull -a) */
} image_pull_opts;

/* Pulls o->reference; *ret_id: the image ID (64 hex, caller frees).  With o->all_tags the
 * reference names a repository (a tag or digest is CPOD_ERR_INVALID): its tags are listed by
 * the first candidate (source) that answers, then each "repository:tag" is pulled as above, in
 * the registry's order, stopping at the first failure; *ret_id is the last one's.  Without
 * tags: CPOD_ERR_NOT_FOUND. */
int image_pull(store *s, const image_pull_opts *o, char **ret_id, cpod_error **err);

/* The candidates for reference, fully qualified with a tag or digest, in the order to try
 * (see above); exposed for the tests.  *ret: a NULL-terminated vector (strv_free()). */
int image_pull_candidates(const char *reference, const registries_conf *conf, char ***ret,
			  cpod_error **err);

#endif
