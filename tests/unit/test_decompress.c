/* Streaming decompression fed in small pieces. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/decompress.h"
#include "tap.h"

/* A source handing out data in pieces of 1..7 bytes; fail_at >= 0 fails there. */
typedef struct {
	const unsigned char *data;
	size_t len, pos;
	long fail_at;
	int ends; /* how many times 0 was returned */
} src;

static ssize_t src_read(void *cb, void *p, size_t len, cpod_error **err)
{
	src *s = cb;
	size_t n = 1 + s->pos % 7;

	if (s->fail_at >= 0 && s->pos >= (size_t)s->fail_at)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "source failed");
	if (s->pos == s->len) {
		s->ends++;
		return 0;
	}
	if (n > len)
		n = len;
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(p, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void gzip_into(buf *out, const void *data, size_t len)
{
	z_stream z = { 0 };
	unsigned char chunk[4096];
	int r;

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = deflate(&z, Z_FINISH);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (r == Z_OK);
	deflateEnd(&z);
}

static void zstd_into(buf *out, const void *data, size_t len)
{
	size_t cap = ZSTD_compressBound(len);
	void *c = xmalloc(cap);
	size_t n = ZSTD_compress(c, cap, data, len, 3);

	if (ZSTD_isError(n))
		abort();
	buf_add(out, c, n);
	free(c);
}

/* Decompresses all of in, reading 1..13 bytes at a time; -1 with *err on failure. */
static int drain(manifest_compression kind, const buf *in, long fail_at, buf *out, int *ends,
		 cpod_error **err)
{
	src s = { .data = (const unsigned char *)in->s, .len = in->len, .fail_at = fail_at };
	_cleanup_(decompressor_freep) decompressor *d = decompressor_new(kind, src_read, &s);
	unsigned char piece[13];

	for (size_t i = 0;; i++) {
		ssize_t n = decompressor_read(d, piece, 1 + i % sizeof(piece), err);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf_add(out, piece, (size_t)n);
	}
	/* The end is repeated. */
	if (decompressor_read(d, piece, sizeof(piece), err) != 0)
		return -2;
	if (ends)
		*ends = s.ends;
	return 0;
}

static char *sample(size_t *ret_len)
{
	buf b = BUF_INIT;

	for (int i = 0; i < 3000; i++)
		buf_addf(&b, "line %d of a layer tar stand-in %x\n", i, i * 2654435761u);
	return buf_detach(&b, ret_len);
}

static void test_roundtrip(manifest_compression kind, const char *name)
{
	size_t len;
	_cleanup_free_ char *data = sample(&len);
	_cleanup_buf_ buf in = BUF_INIT, out = BUF_INIT;
	cpod_error *err = NULL;
	int ends = 0;

	if (kind == COMPRESSION_GZIP)
		gzip_into(&in, data, len);
	else if (kind == COMPRESSION_ZSTD)
		zstd_into(&in, data, len);
	else
		buf_add(&in, data, len);
	ok(drain(kind, &in, -1, &out, &ends, &err) == 0, "%s: decompresses in small pieces", name);
	ok(out.len == len && !memcmp(out.s, data, len), "%s: the same bytes back", name);
	ok(ends >= 1, "%s: the source was read to its end", name);
	cpod_error_freep(&err);
}

static void test_concatenated(manifest_compression kind, const char *name)
{
	_cleanup_buf_ buf in = BUF_INIT, out = BUF_INIT;
	cpod_error *err = NULL;

	if (kind == COMPRESSION_GZIP) {
		gzip_into(&in, "first,", 6);
		gzip_into(&in, "second", 6);
	} else {
		zstd_into(&in, "first,", 6);
		zstd_into(&in, "second", 6);
	}
	ok(drain(kind, &in, -1, &out, NULL, &err) == 0, "%s: two members/frames", name);
	is_str(out.s, "first,second", "%s: both decompressed in order", name);
	cpod_error_freep(&err);
}

static void expect_fail(manifest_compression kind, const buf *in, long fail_at, const char *want,
			const char *what)
{
	_cleanup_buf_ buf out = BUF_INIT;
	cpod_error *err = NULL;

	ok(drain(kind, in, fail_at, &out, NULL, &err) == -1, "%s fails", what);
	ok(err && strstr(cpod_error_message(err), want), "%s: message '%s' has '%s'", what,
	   err ? cpod_error_message(err) : "(none)", want);
	cpod_error_freep(&err);
}

static void test_errors(void)
{
	size_t len;
	_cleanup_free_ char *data = sample(&len);
	_cleanup_buf_ buf gz = BUF_INIT, zs = BUF_INIT, cut = BUF_INIT, junk = BUF_INIT;
	_cleanup_buf_ buf trailing = BUF_INIT, empty = BUF_INIT;

	gzip_into(&gz, data, len);
	zstd_into(&zs, data, len);
	buf_add(&cut, gz.s, gz.len - 20);
	expect_fail(COMPRESSION_GZIP, &cut, -1, "unexpected end of compressed stream",
		    "truncated gzip");
	buf_reset(&cut);
	buf_add(&cut, zs.s, zs.len - 5);
	expect_fail(COMPRESSION_ZSTD, &cut, -1, "unexpected end of compressed stream",
		    "truncated zstd");
	buf_adds(&junk, "this is not compressed at all, not even a little");
	expect_fail(COMPRESSION_GZIP, &junk, -1, "gzip:", "garbage as gzip");
	expect_fail(COMPRESSION_ZSTD, &junk, -1, "zstd:", "garbage as zstd");
	buf_add(&trailing, gz.s, gz.len);
	buf_adds(&trailing, "junk after the end");
	expect_fail(COMPRESSION_GZIP, &trailing, -1, "gzip:", "trailing garbage after gzip");
	expect_fail(COMPRESSION_GZIP, &empty, -1, "unexpected end", "empty gzip stream");
	expect_fail(COMPRESSION_ZSTD, &empty, -1, "unexpected end", "empty zstd stream");
	expect_fail(COMPRESSION_GZIP, &gz, 100, "source failed", "a source error (gzip)");
	expect_fail(COMPRESSION_ZSTD, &zs, 100, "source failed", "a source error (zstd)");
	expect_fail(COMPRESSION_NONE, &gz, 100, "source failed", "a source error (none)");
}

int main(void)
{
	test_roundtrip(COMPRESSION_GZIP, "gzip");
	test_roundtrip(COMPRESSION_ZSTD, "zstd");
	test_roundtrip(COMPRESSION_NONE, "none");
	test_concatenated(COMPRESSION_GZIP, "gzip");
	test_concatenated(COMPRESSION_ZSTD, "zstd");
	test_errors();
	return done_testing();
}
