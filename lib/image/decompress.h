/* Streaming decompression of layer blobs: a reader that pulls compressed bytes from another
 * reader (a store_read_fn) and hands out the uncompressed ones, for store_layer_apply().
 *
 * gzip (inflate.h: ISA-L or zlib, several members allowed), zstd (libzstd's streaming API, several
 * frames allowed) or none.  When the compressed stream ends, the source is read to its own end
 * (so that a digest check there runs) and anything left over is an error.  Errors are
 * CPOD_ERR_INVALID ("gzip: invalid stored block lengths", "zstd: ...", "unexpected end of
 * compressed stream"), or the source's own.
 */
#ifndef CPOD_IMAGE_DECOMPRESS_H
#define CPOD_IMAGE_DECOMPRESS_H

#include <sys/types.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "image/manifest.h"

typedef ssize_t (*decompress_src_fn)(void *cb, void *p, size_t len, cpod_error **err);

typedef struct decompressor decompressor;

/* A reader of what src(cb) yields, decompressed as c says.  Never fails (memory aborts). */
decompressor *decompressor_new(manifest_compression c, decompress_src_fn src, void *cb);
/* A store_read_fn over d: the count, 0 at the end (repeated), -1 with *err. */
ssize_t decompressor_read(void *d, void *p, size_t len, cpod_error **err);
/* Accepts NULL. */
void decompressor_free(decompressor *d);
DEFINE_CLEANUP_FUNC(decompressor, decompressor_free)

#endif
