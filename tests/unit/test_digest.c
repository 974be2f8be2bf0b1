#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpod/error.h>

#include "common/digest.h"
#include "tap.h"

/* FIPS 180-2 appendix B (SHA-256) and C (SHA-512) test vectors. */
#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896                                                                    \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop" \
	"jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

#define S256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define S256_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S256_448 "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define S256_MILLION "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define S512_ABC                                                                  \
	"sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" \
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
#define S512_EMPTY                                                                \
	"sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
#define S512_896                                                                  \
	"sha512:8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018" \
	"501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
#define S512_MILLION                                                              \
	"sha512:e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb" \
	"de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"

static void is_digest(char *got, const char *want, const char *name)
{
	is_str(got, want, "%s", name);
	free(got);
}

/* Checks that parsing s fails with CPOD_ERR_INVALID and message msg. */
static void parse_fails(const char *s, const char *msg, const char *name)
{
	cpod_error *e = NULL;

	ok(digest_parse(s, NULL, NULL, &e) == -1, "%s: refused", name);
	is_int(e ? cpod_error_kind(e) : 0, CPOD_ERR_INVALID, "%s: invalid", name);
	is_str(e ? cpod_error_message(e) : NULL, msg, "%s: message", name);
	cpod_error_free(e);
}

static void test_one_shot(void)
{
	is_digest(digest_buf(DIGEST_SHA256, "abc", 3), S256_ABC, "sha256 abc");
	is_digest(digest_buf(DIGEST_SHA256, "", 0), S256_EMPTY, "sha256 empty string");
	is_digest(digest_buf(DIGEST_SHA256, MSG_448, strlen(MSG_448)), S256_448,
		  "sha256 448-bit message");
	is_digest(digest_buf(DIGEST_SHA512, "abc", 3), S512_ABC, "sha512 abc");
	is_digest(digest_buf(DIGEST_SHA512, NULL, 0), S512_EMPTY, "sha512 empty (NULL, 0)");
	is_digest(digest_buf(DIGEST_SHA512, MSG_896, strlen(MSG_896)), S512_896,
		  "sha512 896-bit message");
	is_str(digest_alg_name(DIGEST_SHA256), "sha256", "alg name sha256");
	is_str(digest_alg_name(DIGEST_SHA512), "sha512", "alg name sha512");
	is_str(digest_alg_name((digest_alg)99), NULL, "alg name of junk is NULL");
	is_int(digest_alg_hex_len(DIGEST_SHA512), 128, "sha512 hex length");
	is_int(digest_alg_hex_len((digest_alg)0), 0, "hex length of junk is 0");
}

/* A million 'a' fed in chunks of awkward sizes that straddle the 64/128-byte blocks. */
static char *million_a(digest_alg alg)
{
	static const size_t sizes[] = { 1, 7, 63, 64, 65, 127, 129, 1000, 4093 };
	char *chunk = malloc(4096), *d;
	digest_ctx *ctx = digest_init(alg);
	size_t left = 1000000;

	memset(chunk, 'a', 4096);
	for (size_t i = 0; left; i++) {
		size_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];

		if (n > left)
			n = left;
		digest_update(ctx, chunk, n);
		left -= n;
	}
	d = digest_final(ctx);
	digest_ctx_free(ctx);
	free(chunk);
	return d;
}

static void test_streaming(void)
{
	digest_ctx *ctx;

	is_digest(million_a(DIGEST_SHA256), S256_MILLION, "sha256 of a million 'a', streamed");
	is_digest(million_a(DIGEST_SHA512), S512_MILLION, "sha512 of a million 'a', streamed");

	ctx = digest_init(DIGEST_SHA256);
	digest_update(ctx, "a", 1);
	digest_update(ctx, "", 0);
	digest_update(ctx, "bc", 2);
	is_digest(digest_final(ctx), S256_ABC, "abc in two updates");
	is_digest(digest_final(ctx), S256_EMPTY, "final resets the context");
	digest_update(ctx, MSG_448, strlen(MSG_448));
	is_digest(digest_final(ctx), S256_448, "a reset context is reusable");
	digest_ctx_free(ctx);
	digest_ctx_free(NULL);
	ok(1, "digest_ctx_free(NULL) is a no-op");
}

static void test_fd_and_file(void)
{
	char path[] = "/tmp/cpod-test-digest-XXXXXX";
	int fd = mkstemp(path);
	uint64_t size = 0;
	cpod_error *e = NULL;
	ssize_t w;
	char *d;

	w = fd >= 0 ? write(fd, MSG_448, strlen(MSG_448)) : -1;
	ok(w == (ssize_t)strlen(MSG_448), "temporary file written");
	lseek(fd, 0, SEEK_SET);
	is_digest(digest_fd(DIGEST_SHA256, fd, &size, &e), S256_448, "digest of an fd");
	is_int(size, 56, "bytes read from the fd");
	close(fd);
	is_digest(digest_file(DIGEST_SHA256, path, NULL, &e), S256_448, "digest of a file");
	unlink(path);

	d = digest_file(DIGEST_SHA256, path, NULL, &e);
	ok(!d && e && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "missing file: not found");
	ok(e && strstr(cpod_error_message(e), path) != NULL, "missing file: message names it");
	cpod_error_free(e);
	e = NULL;
	d = digest_file(DIGEST_SHA256, "/", NULL, &e);
	ok(!d && e && cpod_error_errno(e) == EISDIR, "a directory cannot be read: EISDIR");
	is_str(e ? cpod_error_message(e) : NULL,
	       "digesting '/': reading data to digest: Is a directory", "directory message");
	cpod_error_free(e);
	e = NULL;
	d = digest_fd(DIGEST_SHA512, -1, NULL, &e);
	ok(!d && e && cpod_error_kind(e) == CPOD_ERR_SYSTEM && cpod_error_errno(e) == EBADF,
	   "a bad fd: system error EBADF");
	cpod_error_free(e);
}

static void test_parse(void)
{
	digest_alg alg = 0;
	const char *hex = NULL;
	cpod_error *e = NULL;

	ok(digest_parse(S256_ABC, &alg, &hex, &e) == 0, "sha256 digest parses");
	ok(alg == DIGEST_SHA256 && hex == S256_ABC + 7, "algorithm and hex part");
	alg = 0;
	ok(digest_parse(S512_ABC, &alg, &hex, &e) == 0, "sha512 digest parses");
	ok(alg == DIGEST_SHA512, "sha512 algorithm");
	ok(digest_validate(S256_EMPTY, NULL) == 0, "validate accepts a good digest");
	parse_fails("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		    "invalid digest \"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF"
		    "61F20015AD\": character 'B' is not lowercase hex",
		    "uppercase hex");
	parse_fails("sha256:abc",
		    "invalid digest \"sha256:abc\": sha256 needs 64 hex digits, not 3", "short");
	parse_fails(S256_ABC "0",
		    "invalid digest \"" S256_ABC "0\": sha256 needs 64 hex digits, not 65",
		    "too long");
	parse_fails("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		    "invalid digest "
		    "\"sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\": "
		    "sha512 needs 128 hex digits, not 64",
		    "sha512 with a sha256-sized hex");
	parse_fails("md5:900150983cd24fb0d6963f7d28e17f72",
		    "invalid digest \"md5:900150983cd24fb0d6963f7d28e17f72\": unsupported "
		    "algorithm \"md5\"",
		    "unknown algorithm");
	parse_fails("SHA256:abc", "invalid digest \"SHA256:abc\": unsupported algorithm \"SHA256\"",
		    "algorithm is case-sensitive");
	parse_fails(":abc", "invalid digest \":abc\": unsupported algorithm \"\"", "no algorithm");
	parse_fails("abcdef", "invalid digest \"abcdef\": expected \"algorithm:hex\"", "no colon");
	parse_fails("sha256:", "invalid digest \"sha256:\": sha256 needs 64 hex digits, not 0",
		    "no hex");
	parse_fails("sha256:ab cd",
		    "invalid digest \"sha256:ab cd\": byte 0x20 is not lowercase hex",
		    "space inside");
	parse_fails("sha256:g", "invalid digest \"sha256:g\": character 'g' is not lowercase hex",
		    "non-hex letter");
	parse_fails("", "invalid digest \"\": empty", "empty string");
	parse_fails(NULL, "invalid digest \"\": empty", "NULL");
}

static void test_equal(void)
{
	ok(digest_equal(S256_ABC, S256_ABC), "same digest is equal");
	ok(!digest_equal(S256_ABC, S256_EMPTY), "different digests differ");
	ok(!digest_equal("sha256:abc", "sha256:abc"), "equal but invalid strings are not equal");
	ok(!digest_equal(S256_ABC, NULL) && !digest_equal(NULL, NULL), "NULL is never equal");
	ok(!digest_equal(S512_ABC, S256_ABC), "different algorithms differ");
}

int main(void)
{
	test_one_shot();
	test_streaming();
	test_fd_and_file();
	test_parse();
	test_equal();
	return done_testing();
}
