/* A streaming gzip inflater with a choice of engine: ISA-L's igzip (isal_inflate, several
 * times faster than zlib on x86-64 and aarch64) when cpod is built with libisal, zlib otherwise.
 *
 * The input is a sequence of members, each a gzip member (RFC 1952) or, as zlib's automatic
 * header detection (inflateInit2 with 15 + 32) also accepts, a zlib stream (RFC 1950); each
 * member's header is parsed and skipped and its trailer (CRC-32 and length, or Adler-32) is
 * checked before the end of the member is reported.  After a member ended, the next call
 * starts a new one with whatever input follows: concatenated members decompress as one
 * stream, like gzip -d and zlib-based readers do.  Deciding whether the input may end there is
 * the caller's business (see decompress.c).
 *
 * Errors are CPOD_ERR_INVALID with zlib's wording where there is one: "gzip: incorrect header
 * check", "gzip: invalid block type", "gzip: incorrect data check" (a CRC mismatch) ...
 *
 * One inflater is used by one thread at a time; different inflaters are independent.
 */
#ifndef CPOD_IMAGE_INFLATE_H
#define CPOD_IMAGE_INFLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cpod/error.h>

#include "common/cleanup.h"

typedef enum {
	INFLATE_DEFAULT = 0, /* ISA-L when built with it, else zlib */
	INFLATE_ZLIB,
	INFLATE_ISAL,
} inflate_impl;

typedef struct inflater inflater;

/* true when cpod was built with ISA-L. */
bool inflate_have_isal(void);

/* A new inflater; NULL only for INFLATE_ISAL in a build without ISA-L (memory aborts). */
inflater *inflater_new(inflate_impl impl);
/* Accepts NULL. */
void inflater_free(inflater *z);
DEFINE_CLEANUP_FUNC(inflater, inflater_free)

/* "isa-l" or "zlib". */
const char *inflater_impl_name(const inflater *z);

/* Inflates from *in (*in_len bytes) into *out (*out_len bytes of room), advancing both
 * pointers and decreasing both lengths by what was consumed and produced.  Returns 1 when the
 * current member ended in this call (all of its output delivered and its trailer checked),
 * 0 when more input or more room is needed, -1 with *err on corrupt input.  A call with no
 * input and no pending output returns 0 and changes nothing. */
int inflater_run(inflater *z, const unsigned char **in, size_t *in_len, unsigned char **out,
		 size_t *out_len, cpod_error **err);

#endif
