/* image_push_compress(): gzip and zstd layers with their diffID, digest and size. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/xalloc.h"
#include "image/decompress.h"
#include "image/push.h"
#include "tap.h"

static ssize_t fd_src(void *cb, void *p, size_t len, cpod_error **err)
{
	ssize_t n = read(*(int *)cb, p, len);

	return n < 0 ? cpod_err(err, CPOD_ERR_SYSTEM, 0, "read") : n;
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("push-test", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	return fd;
}

/* Reads all of fd from the start into out (decompressed with c unless COMPRESSION_NONE). */
static void read_back(int fd, manifest_compression c, buf *out)
{
	char p[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	if (c == COMPRESSION_NONE) {
		while ((n = read(fd, p, sizeof(p))) > 0)
			buf_add(out, p, (size_t)n);
		return;
	}
	decompressor *d = decompressor_new(c, fd_src, &fd);
	while ((n = decompressor_read(d, p, sizeof(p), NULL)) > 0)
		buf_add(out, p, (size_t)n);
	ok(n == 0, "decompression ends cleanly");
	decompressor_free(d);
}

static void check(manifest_compression c, const char *name, const unsigned char *data, size_t len)
{
	_cleanup_close_ int in = memfd_with(data, len);
	_cleanup_close_ int out = memfd_create("push-out", MFD_CLOEXEC);
	_cleanup_free_ char *diff_id = NULL, *digest = NULL, *want = NULL, *want_c = NULL;
	_cleanup_buf_ buf plain = BUF_INIT, packed = BUF_INIT;
	int64_t size = -1;

	buf_init(&plain, 0);
	buf_init(&packed, 0);
	ok(image_push_compress(in, out, c, &diff_id, &digest, &size, NULL) == 0, "%s: %zu bytes",
	   name, len);
	want = digest_buf(DIGEST_SHA256, data, len);
	is_str(diff_id, want, "%s: the diffID is the input's digest", name);
	read_back(out, COMPRESSION_NONE, &packed);
	is_int(size, (long long)packed.len, "%s: the size is the output's", name);
	want_c = digest_buf(DIGEST_SHA256, packed.s, packed.len);
	is_str(digest, want_c, "%s: the digest is the output's", name);
	read_back(out, c, &plain);
	ok(plain.len == len && !memcmp(plain.s, data, len), "%s: decompresses to the input", name);
	if (c == COMPRESSION_GZIP)
		ok(packed.len >= 2 && (unsigned char)packed.s[0] == 0x1f &&
			   (unsigned char)packed.s[1] == 0x8b,
		   "gzip magic");
	else
		ok(packed.len >= 4 && !memcmp(packed.s, "\x28\xb5\x2f\xfd", 4), "zstd magic");
}

static void test_errors(void)
{
	_cleanup_close_ int in = memfd_with("abc", 3);
	_cleanup_close_ int out = memfd_create("push-out", MFD_CLOEXEC);
	_cleanup_close_ int wronly = -1;
	char *diff_id = NULL, *digest = NULL;
	cpod_error *err = NULL;
	int64_t size = -1;
	char path[64];

	ok(image_push_compress(in, out, COMPRESSION_NONE, &diff_id, &digest, &size, &err) < 0,
	   "no compression is refused");
	is_int(cpod_error_kind(err), CPOD_ERR_INVALID, "as invalid");
	ok(!diff_id && !digest && size == -1, "nothing set on failure");
	cpod_error_free(err);
	err = NULL;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", in);
	wronly = open(path, O_WRONLY | O_CLOEXEC);
	ok(wronly >= 0, "a write-only fd");
	ok(image_push_compress(wronly, out, COMPRESSION_GZIP, &diff_id, &digest, &size, &err) < 0,
	   "an unreadable input fails");
	is_int(cpod_error_kind(err), CPOD_ERR_SYSTEM, "as a system error");
	is_str(cpod_error_message(err), "reading a layer: Bad file descriptor", "message");
	cpod_error_free(err);
}

int main(void)
{
	size_t len = 700 * 1024; /* several compression chunks */
	_cleanup_free_ unsigned char *data = xmalloc(len);
	unsigned int x = 12345;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		/* half random bytes, half runs: compressible, not trivially */
		data[i] = (i / 4096) % 2 ? (unsigned char)(x >> 16) : (unsigned char)(i / 512);
	}
	check(COMPRESSION_GZIP, "gzip", data, len);
	check(COMPRESSION_ZSTD, "zstd", data, len);
	check(COMPRESSION_GZIP, "gzip empty", data, 0);
	check(COMPRESSION_ZSTD, "zstd empty", data, 0);
	check(COMPRESSION_GZIP, "gzip small", (const unsigned char *)"hello", 5);
	test_errors();
	return done_testing();
}
