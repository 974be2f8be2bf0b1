/* Streaming gzip / zstd decompression over a reader (see decompress.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "common/xalloc.h"
#include "image/decompress.h"
#include "image/inflate.h"
#include "common/banned.h"

#define IN_SIZE (128u << 10)

struct decompressor {
	manifest_compression kind;
	decompress_src_fn src;
	void *cb;
	unsigned char *in;
	size_t in_pos, in_len;
	bool src_eof;
	bool frame_done; /* between gzip members / zstd frames: the end may come */
	bool ended;
	inflater *gz;
	ZSTD_DStream *zs;
};

decompressor *decompressor_new(manifest_compression c, decompress_src_fn src, void *cb)
{
	decompressor *d = xcalloc(1, sizeof(*d));

	d->kind = c;
	d->src = src;
	d->cb = cb;
	d->frame_done = true; /* an empty stream is an empty layer only when uncompressed */
	if (c == COMPRESSION_NONE)
		return d;
	d->in = xmalloc(IN_SIZE);
	d->frame_done = false;
	if (c == COMPRESSION_GZIP) {
		d->gz = inflater_new(INFLATE_DEFAULT);
	} else {
		d->zs = ZSTD_createDStream();
		if (!d->zs)
			abort();
		ZSTD_initDStream(d->zs);
	}
	return d;
}

void decompressor_free(decompressor *d)
{
	int saved = errno;

	if (!d)
		return;
	inflater_free(d->gz);
	ZSTD_freeDStream(d->zs);
	free(d->in);
	free(d);
	errno = saved;
}

/* Refills the input when it is used up; 0 also at the source's end (src_eof set). */
static int fill(decompressor *d, cpod_error **err)
{
	ssize_t n;

	if (d->in_pos < d->in_len || d->src_eof)
		return 0;
	n = d->src(d->cb, d->in, IN_SIZE, err);
	if (n < 0)
		return -1;
	d->in_pos = 0;
	d->in_len = (size_t)n;
	if (n == 0)
		d->src_eof = true;
	return 0;
}

static ssize_t gzip_step(decompressor *d, void *p, size_t len, cpod_error **err)
{
	const unsigned char *in = d->in + d->in_pos;
	size_t in_len = d->in_len - d->in_pos, out_len = len;
	unsigned char *out = p;
	int r;

	/* After a complete member, what follows is another one. */
	d->frame_done = false;
	r = inflater_run(d->gz, &in, &in_len, &out, &out_len, err);
	if (r < 0)
		return -1;
	d->in_pos = d->in_len - in_len;
	d->frame_done = r == 1;
	return (ssize_t)(len - out_len);
}

static ssize_t zstd_step(decompressor *d, void *p, size_t len, cpod_error **err)
{
	ZSTD_inBuffer in = { .src = d->in, .size = d->in_len, .pos = d->in_pos };
	ZSTD_outBuffer out = { .dst = p, .size = len, .pos = 0 };
	size_t r = ZSTD_decompressStream(d->zs, &out, &in);

	if (ZSTD_isError(r))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "zstd: %s", ZSTD_getErrorName(r));
	d->in_pos = in.pos;
	/* 0: a frame ended and everything of it was flushed. */
	d->frame_done = r == 0;
	return (ssize_t)out.pos;
}

ssize_t decompressor_read(void *dv, void *p, size_t len, cpod_error **err)
{
	decompressor *d = dv;

	if (d->kind == COMPRESSION_NONE)
		return d->src(d->cb, p, len, err);
	if (d->ended || !len)
		return 0;
	for (;;) {
		ssize_t n;

		if (fill(d, err) < 0)
			return -1;
		if (d->in_pos == d->in_len && d->src_eof) {
			if (!d->frame_done)
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"unexpected end of compressed stream");
			d->ended = true;
			return 0;
		}
		/* After a complete member/frame with input left, a new one starts. */
		n = d->kind == COMPRESSION_GZIP ? gzip_step(d, p, len, err)
						: zstd_step(d, p, len, err);
		if (n != 0)
			return n;
	}
}
