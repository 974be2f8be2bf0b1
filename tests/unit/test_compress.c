/* Layer compression: gzip (ISA-L and zlib) and zstd streams decompress to the input, digests
 * and sizes are those of the bytes, output is deterministic, and errors are reported. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "common/digest.h"
#include "common/xalloc.h"
#include "image/compress.h"
#include "image/decompress.h"
#include "tap.h"

static int memfd(const void *data, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC);

	if (len && write(fd, data, len) != (ssize_t)len)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static unsigned char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *p = xmalloc((size_t)end + 1);

	if (pread(fd, p, (size_t)end, 0) != end)
		abort();
	*len = (size_t)end;
	return p;
}

typedef struct {
	const unsigned char *p;
	size_t len, off;
} src;

static ssize_t src_read(void *cb, void *p, size_t len, cpod_error **err)
{
	src *s = cb;
	size_t n = s->len - s->off < len ? s->len - s->off : len;

	memcpy(p, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

/* Decompresses with cpod's own reader. */
static unsigned char *expand(manifest_compression c, const unsigned char *p, size_t len,
			     size_t *ret_len)
{
	src s = { p, len, 0 };
	decompressor *d = decompressor_new(c, src_read, &s);
	size_t cap = 1 << 20, n = 0;
	unsigned char *out = xmalloc(cap);
	cpod_error *err = NULL;
	ssize_t r;

	while ((r = decompressor_read(d, out + n, cap - n, &err)) > 0) {
		n += (size_t)r;
		if (n == cap)
			out = xrealloc(out, cap *= 2);
	}
	decompressor_free(d);
	if (r < 0) {
		cpod_error_free(err);
		free(out);
		return NULL;
	}
	*ret_len = n;
	return out;
}

/* Half text, half random bytes. */
static unsigned char *sample(size_t len)
{
	unsigned char *p = xmalloc(len ? len : 1);
	unsigned int seed = 7;

	for (size_t i = 0; i < len; i++)
		p[i] = i < len / 2 ? (unsigned char)"the quick brown fox "[i % 20]
				   : (unsigned char)(rand_r(&seed) & 0xff);
	return p;
}

static void roundtrip(manifest_compression c, bool zlib, size_t len, const char *what)
{
	unsigned char *in = sample(len), *out, *back;
	int ifd = memfd(in, len), ofd = memfd(NULL, 0);
	char *diff_id = NULL, *digest = NULL, *want_in = digest_buf(DIGEST_SHA256, in, len);
	char *want_out;
	int64_t size = -1;
	size_t olen = 0, blen = 0;
	cpod_error *err = NULL;

	compress_force_zlib(zlib);
	ok(compress_layer(ifd, ofd, c, &diff_id, &digest, &size, &err) == 0, "%s: compresses",
	   what);
	out = slurp(ofd, &olen);
	want_out = digest_buf(DIGEST_SHA256, out, olen);
	is_str(diff_id, want_in, "%s: diffID is the input's digest", what);
	is_str(digest, want_out, "%s: digest is the output's", what);
	is_int(size, olen, "%s: size is the output's", what);
	back = expand(c, out, olen, &blen);
	ok(back && blen == len && memcmp(back, in, len) == 0, "%s: decompresses to the input",
	   what);
	if (c == COMPRESSION_GZIP && len > 0) {
		/* zlib's own gunzip agrees, whichever engine wrote it. */
		unsigned char *z = xmalloc(len);
		z_stream zs = { .next_in = out,
				.avail_in = (uInt)olen,
				.next_out = z,
				.avail_out = (uInt)len };

		inflateInit2(&zs, 16 + 15);
		ok(inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == len &&
			   memcmp(z, in, len) == 0,
		   "%s: zlib inflates it", what);
		inflateEnd(&zs);
		free(z);
	}
	if (len > 1000)
		ok(olen < len, "%s: smaller than the input (%zu < %zu)", what, olen, len);
	if (c == COMPRESSION_GZIP)
		ok(olen >= 2 && out[0] == 0x1f && out[1] == 0x8b, "%s: gzip magic", what);
	else
		ok(olen >= 4 && !memcmp(out, "\x28\xb5\x2f\xfd", 4), "%s: zstd magic", what);
	free(in);
	free(out);
	free(back);
	free(diff_id);
	free(digest);
	free(want_in);
	free(want_out);
	close(ifd);
	close(ofd);
}

static char *digest_of(manifest_compression c, bool zlib, size_t len)
{
	unsigned char *in = sample(len);
	int ifd = memfd(in, len), ofd = memfd(NULL, 0);
	char *diff_id = NULL, *digest = NULL;
	int64_t size;

	compress_force_zlib(zlib);
	compress_layer(ifd, ofd, c, &diff_id, &digest, &size, NULL);
	free(in);
	free(diff_id);
	close(ifd);
	close(ofd);
	return digest;
}

int main(void)
{
	const size_t sizes[] = { 0, 1, 4096, 3u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "gzip %zu bytes", sizes[i]);
		roundtrip(COMPRESSION_GZIP, false, sizes[i], what);
		snprintf(what, sizeof(what), "gzip (zlib) %zu bytes", sizes[i]);
		roundtrip(COMPRESSION_GZIP, true, sizes[i], what);
		snprintf(what, sizeof(what), "zstd %zu bytes", sizes[i]);
		roundtrip(COMPRESSION_ZSTD, false, sizes[i], what);
	}
	for (int c = COMPRESSION_GZIP; c <= COMPRESSION_ZSTD; c++) {
		char *a = digest_of(c, false, 2u << 20), *b = digest_of(c, false, 2u << 20);

		is_str(a, b, "compression %d is deterministic", c);
		free(a);
		free(b);
	}

	int ifd = memfd("x", 1), ofd = memfd(NULL, 0);
	char *d1 = NULL, *d2 = NULL;
	int64_t size;
	cpod_error *err = NULL;

	size = -1;
	ok(compress_layer(ifd, ofd, COMPRESSION_NONE, &d1, &d2, &size, &err) < 0 &&
		   cpod_error_kind(err) == CPOD_ERR_INVALID,
	   "no compression is refused");
	ok(!d1 && !d2 && size == -1, "nothing set on failure");
	cpod_error_freep(&err);
	int wronly = open("/dev/null", O_WRONLY);
	ok(compress_layer(wronly, ofd, COMPRESSION_ZSTD, &d1, &d2, &size, &err) < 0 &&
		   cpod_error_kind(err) == CPOD_ERR_SYSTEM,
	   "an unreadable input is an error: %s", err ? cpod_error_message(err) : "");
	cpod_error_freep(&err);
	close(wronly);
	close(ofd);
	ofd = open("/dev/full", O_WRONLY);
	lseek(ifd, 0, SEEK_SET);
	ok(compress_layer(ifd, ofd, COMPRESSION_GZIP, &d1, &d2, &size, &err) < 0 &&
		   cpod_error_kind(err) == CPOD_ERR_SYSTEM,
	   "a full disk is an error: %s", err ? cpod_error_message(err) : "");
	cpod_error_freep(&err);
	close(ifd);
	close(ofd);
	return done_testing();
}
