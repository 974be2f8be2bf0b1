/* Compressing layer tars for push and save.
 *
 * gzip goes through ISA-L's igzip at its level 1 where libisal is built in (several times the
 * speed of zlib's default level, at a ratio close to gzip -3), else zlib at level 1; zstd at its
 * default level 3, on worker threads (one per CPU, at most 4) when the library has them.  The
 * output of each is deterministic for one input and one build.
 */
#ifndef CPOD_IMAGE_COMPRESS_H
#define CPOD_IMAGE_COMPRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <cpod/error.h>

#include "image/manifest.h"

/* Compresses what in_fd holds (read to its end) into out_fd; *ret_diff_id gets the digest of
 * the input, *ret_digest and *ret_size those of the output (the caller frees the strings). */
int compress_layer(int in_fd, int out_fd, manifest_compression comp, char **ret_diff_id,
		   char **ret_digest, int64_t *ret_size, cpod_error **err);

/* Tests only: use zlib for gzip even where ISA-L is built in. */
void compress_force_zlib(bool on);

#endif
