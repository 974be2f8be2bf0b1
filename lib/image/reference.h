/* Image references as podman reads them: containers/image's docker/reference grammar with
 * ParseNormalizedNamed's defaults (docker.io, library/), plus the transport prefixes of
 * "podman pull oci:dir" and friends.
 *
 *	[registry[:port]/]path[:tag][@algo:hex]
 *
 * The first '/'-separated component is a registry when it holds '.' or ':' or is "localhost"
 * (or has an uppercase letter, which a path never may); otherwise the registry is docker.io and
 * a one-component path gets "library/".  Paths are lowercase; tags match [\w][\w.-]{0,127};
 * "registry/path" is at most 255 characters; a bare 64-hex string is an image ID, not a name.
 * Every error is CPOD_ERR_INVALID, worded as podman words it ("invalid reference format ...").
 */
#ifndef CPOD_IMAGE_REFERENCE_H
#define CPOD_IMAGE_REFERENCE_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/cleanup.h"

#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_DEFAULT_TAG "latest"
#define REFERENCE_NAME_MAX 255

typedef struct image_reference {
	char *domain; /* "docker.io", "quay.io", "localhost:5000", "[::1]:5000"; never NULL */
	char *path;   /* "library/alpine", "ns/repo"; never NULL */
	char *tag;    /* "3.19"; NULL when none was given */
	char *digest; /* "sha256:<hex>"; NULL when none was given */
} image_reference;

/* Parses s into a new reference (free with reference_free()).  A reference with both a tag
 * and a digest keeps both.  -1 with a CPOD_ERR_INVALID error on bad input. */
int reference_parse(const char *s, image_reference **ret, cpod_error **err);
/* Accepts NULL. */
void reference_free(image_reference *r);
DEFINE_CLEANUP_FUNC(image_reference, reference_free)
#define _cleanup_reference_ _cleanup_(reference_freep)

/* "docker.io/library/alpine:3@sha256:..." (full) or "alpine:3@sha256:..." (familiar: docker.io/
 * and a lone library/ dropped, as docker and podman print them).  The caller frees it. */
char *reference_string(const image_reference *r, bool familiar);
/* The name alone, "docker.io/library/alpine" or "alpine" (familiar).  The caller frees it. */
char *reference_name(const image_reference *r, bool familiar);

/* True when s is a valid reference in which the user named no registry ("alpine",
 * "library/alpine", "ns/repo:tag"): podman then resolves it through the short-name aliases
 * and unqualified-search-registries.  False for qualified names and for invalid input. */
bool reference_is_short_name(const char *s);
/* True when s is exactly 64 lowercase hex digits (an image ID, which names nothing). */
bool reference_is_id(const char *s);

/* Gives r the tag "latest" when it has neither a tag nor a digest. */
void reference_with_default_tag(image_reference *r);

typedef enum {
	TRANSPORT_NONE = 0,	      /* no transport prefix: a registry reference */
	TRANSPORT_DOCKER,	      /* docker://ref */
	TRANSPORT_OCI,		      /* oci:path[:ref] */
	TRANSPORT_OCI_ARCHIVE,	      /* oci-archive:path[:ref] */
	TRANSPORT_DOCKER_ARCHIVE,     /* docker-archive:path[:ref] */
	TRANSPORT_DIR,		      /* dir:path */
	TRANSPORT_CONTAINERS_STORAGE, /* containers-storage:[store]ref */
} image_transport;

/* Splits "oci:/tmp/x:tag" into TRANSPORT_OCI and "/tmp/x:tag".  Without a known prefix, sets
 * TRANSPORT_NONE and *ret_rest = s.  *ret_rest points into s.  Fails (CPOD_ERR_INVALID) only
 * when a known prefix is followed by nothing, or "docker:" lacks its "//". */
int reference_split_transport(const char *s, image_transport *ret_transport, const char **ret_rest,
			      cpod_error **err);
/* "docker", "oci", "oci-archive", "docker-archive", "dir", "containers-storage"; "" for NONE. */
const char *reference_transport_name(image_transport t);

#endif
