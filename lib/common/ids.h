/* Object IDs: 64 lowercase hex characters, as podman and containers/storage use them.
 *
 * New IDs come from getrandom(2).  Like stringid.GenerateRandomID, an ID whose first 12
 * characters are all digits is never handed out: that short form would parse as a number,
 * which breaks its use as a hostname.
 *
 * Lookups by a user string (full ID, name or unique ID prefix) go through id_lookup() or
 * id_lookup_iter(); their error messages are podman 4.3.1's, word for word, so that scripts
 * matching podman's output keep working.
 */
#ifndef CPOD_COMMON_IDS_H
#define CPOD_COMMON_IDS_H

#include <stddef.h>

#include <cpod/error.h>

#define ID_LEN 64	/* hex characters in a full ID */
#define ID_RAW_LEN 32	/* random bytes behind one ID */
#define ID_SHORT_LEN 12 /* characters podman shows without --no-trunc */

/* Returns a new random ID (caller frees), or NULL with *err set when getrandom() fails. */
char *id_generate(cpod_error **err);

/* Hex-encodes raw into ret (ID_LEN + 1 bytes, NUL-terminated).  Returns 0, or -1 when the
 * result must not be used because its first ID_SHORT_LEN characters are all digits (ret is
 * written either way).  id_generate() draws again on -1; exposed for tests. */
int id_encode(const unsigned char raw[ID_RAW_LEN], char ret[ID_LEN + 1]);

/* Returns 1 when s is exactly ID_LEN lowercase hex characters, else 0 (also for NULL). */
int id_is_full(const char *s);

/* Returns 1 when s is 1 to ID_LEN lowercase hex characters, else 0 (also for NULL). */
int id_is_valid_prefix(const char *s);

/* Returns the short form of id (caller frees): like stringid.TruncateID, anything up to and
 * including the first ':' ("sha256:") is dropped, then the rest is cut to ID_SHORT_LEN. */
char *id_short(const char *id);

/* What a lookup is for; it picks podman's wording for the errors. */
typedef enum {
	ID_OBJ_CONTAINER,
	ID_OBJ_POD,
	ID_OBJ_VOLUME, /* volumes match on name prefixes, the candidates are names */
	ID_OBJ_NETWORK,
	ID_OBJ_IMAGE,
} id_object;

/* Finds the one candidate that equals user, or else the one that starts with user.
 * ids is a NULL-terminated vector of candidates (full IDs, or volume names).
 * On success *ret points at the matching element of ids (borrowed: it lives as long as ids)
 * and 0 is returned.  Errors (-1):
 *   user empty or NULL          CPOD_ERR_INVALID    "name or ID cannot be empty"
 *   no candidate matches        CPOD_ERR_NOT_FOUND  e.g. no container with name or ID "ab"
 *                                                   found: no such container
 *   several candidates match    CPOD_ERR_INVALID    e.g. more than one result for container
 *                                                   ID ab: container already exists
 * Images follow containers/storage: an ambiguous prefix is simply not found
 * ("ab: image not known", CPOD_ERR_NOT_FOUND).
 * ret_matches (may be NULL) receives the number of candidates that matched (0, 1 or more;
 * an exact match counts as 1), so a caller can say how many IDs share the prefix. */
int id_lookup(const char *const *ids, const char *user, id_object what, const char **ret,
	      size_t *ret_matches, cpod_error **err);

/* Candidate source for id_lookup_iter(): returns the next candidate, or NULL at the end.
 * The returned string only needs to stay valid until the next call. */
typedef const char *(*id_iter_fn)(void *ctx);

/* Like id_lookup(), with candidates from an iterator.  Returns a copy of the match (caller
 * frees), or NULL with *err set. */
char *id_lookup_iter(id_iter_fn next, void *ctx, const char *user, id_object what,
		     size_t *ret_matches, cpod_error **err);

#endif
