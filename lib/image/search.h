/* `search`: repositories of registries that offer /v2/_catalog whose names contain a term,
 * or the tags of one repository, as podman 4.3 (libimage) finds them.
 *
 * TERM "host/rest" searches host for rest (everything before the first '/' is the registry);
 * a term without '/' is searched in every unqualified-search registry of registries.conf.
 * Each registry gives at most limit results (default 25); a full match comes first. */
#ifndef CPOD_IMAGE_SEARCH_H
#define CPOD_IMAGE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cpod/error.h>

#define SEARCH_DEFAULT_LIMIT 25

typedef struct {
	const char *term;
	const char *registries_conf; /* NULL: the default files */
	const char *authfile;	     /* NULL: the default auth files */
	const char *username;	     /* --creds; NULL: from the auth files */
	const char *password;
	const char *cert_dir;
	int tls_verify; /* -1: registries.conf decides, 0, 1 */
	bool list_tags; /* term names one repository: its tags */
	int limit;	/* <= 0: SEARCH_DEFAULT_LIMIT */
} image_search_opts;

/* One record, as podman's: Description, Stars, Official and Automated are always empty or 0
 * for a _catalog registry. */
typedef struct {
	char *index; /* the registry */
	char *name;  /* "host/repo" */
	char *tag;   /* with list_tags; "" otherwise */
} image_search_result;

/* The results of every registry in order.  When some registries fail and others give results,
 * those results are returned; when all fail, the errors are (podman's "couldn't search
 * registry \"HOST\": ..." or "getting repository tags: ..."). */
int image_search(const image_search_opts *o, image_search_result **ret, size_t *ret_n,
		 cpod_error **err);
void image_search_results_free(image_search_result *r, size_t n);

/* Keeps the names of repos that contain term (all for ""), at most limit, a name equal to
 * term moved first; exposed for the tests.  Returns the number kept in repos (the rest
 * freed). */
size_t search_filter_repos(char **repos, size_t n, const char *term, size_t limit);

#endif
