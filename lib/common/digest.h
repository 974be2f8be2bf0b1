/* Content digests as OCI writes them: "sha256:<64 hex>" or "sha512:<128 hex>", lowercase.
 *
 * Hashing is OpenSSL's EVP.  Every function returning char * hands a new string to the caller
 * (free() it).  A failure inside OpenSSL while hashing can only mean memory exhaustion, so it
 * aborts like xmalloc(); only reading input and parsing digest strings report errors.
 */
#ifndef CPOD_COMMON_DIGEST_H
#define CPOD_COMMON_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"

typedef enum {
	DIGEST_SHA256 = 1,
	DIGEST_SHA512,
} digest_alg;

/* Longest digest string, without the NUL: "sha512:" and 128 hex digits. */
#define DIGEST_MAX_LEN (7 + 128)

/* "sha256" / "sha512"; NULL for an unknown value. */
const char *digest_alg_name(digest_alg alg);
/* Hex digits in a digest of alg (64 / 128); 0 for an unknown value. */
size_t digest_alg_hex_len(digest_alg alg);

/* One shot: the digest string of len bytes at data. */
char *digest_buf(digest_alg alg, const void *data, size_t len);

/* Streaming.  digest_final() returns the digest of everything fed since digest_init() (or the
 * previous digest_final()) and leaves the context reset for reuse.  Free with digest_ctx_free(),
 * which accepts NULL; _cleanup_(digest_ctx_freep) frees at scope exit. */
typedef struct digest_ctx digest_ctx;
digest_ctx *digest_init(digest_alg alg);
void digest_update(digest_ctx *ctx, const void *data, size_t len);
char *digest_final(digest_ctx *ctx);
void digest_ctx_free(digest_ctx *ctx);
DEFINE_CLEANUP_FUNC(digest_ctx, digest_ctx_free)

/* Digest of everything read from fd up to EOF (fd stays open, its offset at EOF); ret_size
 * (may be NULL) receives the number of bytes read.  NULL with *err set on a read error. */
char *digest_fd(digest_alg alg, int fd, uint64_t *ret_size, cpod_error **err);
/* Digest of the file at path; NULL with *err set (CPOD_ERR_NOT_FOUND when it is missing). */
char *digest_file(digest_alg alg, const char *path, uint64_t *ret_size, cpod_error **err);

/* Checks that s is "sha256:" + 64 or "sha512:" + 128 lowercase hex digits.  On success returns
 * 0 and, when not NULL, *ret_alg and *ret_hex (pointing into s, past the colon).  Otherwise -1
 * with a CPOD_ERR_INVALID error naming what is wrong. */
int digest_parse(const char *s, digest_alg *ret_alg, const char **ret_hex, cpod_error **err);
/* digest_parse() without the results. */
int digest_validate(const char *s, cpod_error **err);
/* 1 when a and b are both valid digests and the same one, else 0 (also for NULL). */
int digest_equal(const char *a, const char *b);

#endif
