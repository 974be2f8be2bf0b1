/* registries.conf(5): registries, mirrors, search registries and short-name aliases, read as
 * containers/image (pkg/sysregistriesv2) reads them.
 *
 * Which files:
 *   - the main file: $CONTAINERS_REGISTRIES_CONF (or opts->path) when set, and then it must
 *     exist; otherwise ~/.config/containers/registries.conf if it exists (and then the system
 *     registries.conf.d is not read); otherwise /etc/containers/registries.conf, whose absence
 *     means an empty configuration;
 *   - the drop-ins: /etc/containers/registries.conf.d/<*.conf> (not when the user's file is the
 *     main file) and then ~/.config/containers/registries.conf.d/<*.conf>, each directory in
 *     name order.  Drop-ins must use the v2 format.
 *
 * The v1 format ([registries.search] registries, [registries.insecure] registries,
 * [registries.block] registries) is read and converted; a file mixing v1 and v2 is refused.
 *
 * Merging a drop-in: a [[registry]] with the same prefix replaces the earlier one whole;
 * unqualified-search-registries, credential-helpers and short-name-mode replace the earlier
 * value when the drop-in sets them (an empty array counts as set); [aliases] merge name by
 * name, and an alias set to "" removes an earlier one.
 *
 * The struct is owned by the caller (registries_conf_free()); lookups borrow from it.
 */
#ifndef CPOD_CONFIG_REGISTRIES_CONF_H
#define CPOD_CONFIG_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <cpod/error.h>

#include "common/strv.h"

typedef enum {
	SHORT_NAME_MODE_PERMISSIVE = 0, /* the default */
	SHORT_NAME_MODE_ENFORCING,
	SHORT_NAME_MODE_DISABLED,
} short_name_mode;

typedef enum {
	PULL_FROM_MIRROR_ALL = 0, /* "" or "all" */
	PULL_FROM_MIRROR_DIGEST_ONLY,
	PULL_FROM_MIRROR_TAG_ONLY,
} pull_from_mirror;

typedef struct {
	char *location;		    /* host[:port][/namespace...]; "" only for a wildcard prefix */
	bool insecure;		    /* skip TLS verification, allow plain HTTP */
	pull_from_mirror pull_from; /* mirrors only */
} registry_endpoint;

typedef struct {
	char *prefix; /* what references are matched against; "*.example.com" allowed */
	registry_endpoint endpoint; /* the primary location */
	registry_endpoint *mirrors;
	size_t n_mirrors;
	bool blocked;
	bool mirror_by_digest_only;
} registry_entry;

typedef struct {
	char *name;   /* the short name */
	char *value;  /* the fully-qualified repository (normalized), or NULL when reset by "" */
	char *origin; /* the file that set it */
} registry_alias;

typedef struct {
	registry_entry *registries; /* sorted by prefix, one per prefix */
	size_t n_registries;
	strv unqualified_search;	 /* unqualified-search-registries */
	char *unqualified_search_origin; /* the file that set them, or "" */
	strv credential_helpers;	 /* ["containers-auth.json"] unless configured */
	short_name_mode short_name_mode;
	registry_alias *aliases; /* sorted by name */
	size_t n_aliases;
	strv files; /* the files read, in order */
	/* Whether a file set these keys (drop-ins replace only what they set). */
	bool unqualified_search_set;
	bool credential_helpers_set;
	bool short_name_mode_set;
} registries_conf;

typedef struct {
	const char *path; /* the main file; NULL: $CONTAINERS_REGISTRIES_CONF, else default */
	const char *system_path; /* NULL: /etc/containers/registries.conf */
	const char *system_dir;	 /* NULL: /etc/containers/registries.conf.d */
	const char *home;	 /* NULL: $HOME (for ~/.config/containers/registries.conf{,.d}) */
} registries_conf_opts;

/* Reads and merges the files; opts may be NULL.  Errors name the file, with
 * "FILE:LINE:COL: key 'registry[0].insecure': expected boolean, got string" for wrong types.
 * *ret on success. */
int registries_conf_load(const registries_conf_opts *opts, registries_conf **ret, cpod_error **err);
/* Parses one file's text in isolation (name for messages); v1 allowed unless force_v2. */
int registries_conf_parse(const char *text, size_t len, const char *name, bool force_v2,
			  registries_conf **ret, cpod_error **err);
void registries_conf_free(registries_conf *c);
static inline void registries_conf_freep(registries_conf **c)
{
	if (*c)
		registries_conf_free(*c);
}
#define _cleanup_registries_conf_ __attribute__((cleanup(registries_conf_freep)))

/* The [[registry]] whose prefix matches ref with the longest prefix, or NULL.  ref is a
 * fully-qualified name as "host[:port]/path[:tag][@digest]" (or a host or a namespace).  A
 * prefix matches when ref equals it or continues it with ':', '/' or '@'; "*.example.com"
 * matches any subdomain of example.com (not example.com itself).  Borrowed from c. */
const registry_entry *registries_find(const registries_conf *c, const char *ref);

/* One place to pull ref from; the endpoint is borrowed from the registries_conf. */
typedef struct {
	const registry_endpoint *endpoint; /* NULL when no [[registry]] matched */
	char *reference;		   /* ref rewritten for this endpoint */
} registry_pull_source;

/* The sources to try for ref, in order: the mirrors usable for it (a digest reference skips
 * "tag-only" mirrors, a tag reference skips "digest-only" ones and every mirror of a
 * mirror-by-digest-only registry), then the primary location.  Each reference is ref with
 * the matched prefix replaced by the endpoint's location.  r may be NULL (no matching
 * registry): then the one source is ref itself.  A blocked registry is the caller's to
 * refuse.  Caller frees with registry_pull_sources_free(). */
int registries_pull_sources(const registry_entry *r, const char *ref, registry_pull_source **ret,
			    size_t *ret_n, cpod_error **err);
void registry_pull_sources_free(registry_pull_source *s, size_t n);

/* The alias of short_name in [aliases]: the fully-qualified repository, or NULL when there is
 * none (or it was reset).  *ret_origin (optional) gets the file that set it.  Borrowed. */
const char *registries_alias(const registries_conf *c, const char *short_name,
			     const char **ret_origin);

/* Whether ref's registry is insecure (the entry matching it says so), and blocked. */
bool registries_is_insecure(const registries_conf *c, const char *ref);
bool registries_is_blocked(const registries_conf *c, const char *ref);

#endif
