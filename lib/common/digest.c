#include "common/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/xalloc.h"
#include "common/banned.h"

struct digest_ctx {
	digest_alg alg;
	const EVP_MD *md;
	EVP_MD_CTX *evp;
};

#define READ_CHUNK (128 * 1024)

const char *digest_alg_name(digest_alg alg)
{
	switch (alg) {
	case DIGEST_SHA256:
		return "sha256";
	case DIGEST_SHA512:
		return "sha512";
	}
	return NULL;
}

size_t digest_alg_hex_len(digest_alg alg)
{
	switch (alg) {
	case DIGEST_SHA256:
		return 64;
	case DIGEST_SHA512:
		return 128;
	}
	return 0;
}

static const EVP_MD *alg_md(digest_alg alg)
{
	switch (alg) {
	case DIGEST_SHA256:
		return EVP_sha256();
	case DIGEST_SHA512:
		return EVP_sha512();
	}
	abort(); /* a caller passed a value outside the enum: a bug */
}

digest_ctx *digest_init(digest_alg alg)
{
	digest_ctx *ctx = xmalloc(sizeof(*ctx));

	ctx->alg = alg;
	ctx->md = alg_md(alg);
	ctx->evp = EVP_MD_CTX_new();
	if (!ctx->evp || !EVP_DigestInit_ex(ctx->evp, ctx->md, NULL))
		abort();
	return ctx;
}

void digest_update(digest_ctx *ctx, const void *data, size_t len)
{
	if (len && !EVP_DigestUpdate(ctx->evp, data, len))
		abort();
}

char *digest_final(digest_ctx *ctx)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const char *name = digest_alg_name(ctx->alg);
	size_t off = strlen(name) + 1;
	char *s;

	if (!EVP_DigestFinal_ex(ctx->evp, md, &n) || !EVP_DigestInit_ex(ctx->evp, ctx->md, NULL))
		abort();
	s = xmalloc(off + 2 * (size_t)n + 1);
	memcpy(s, name, off - 1);
	s[off - 1] = ':';
	for (unsigned int i = 0; i < n; i++) {
		s[off + 2 * i] = hex[md[i] >> 4];
		s[off + 2 * i + 1] = hex[md[i] & 0xf];
	}
	s[off + 2 * n] = '\0';
	return s;
}

void digest_ctx_free(digest_ctx *ctx)
{
	int saved = errno;

	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->evp);
	free(ctx);
	errno = saved;
}

char *digest_buf(digest_alg alg, const void *data, size_t len)
{
	_cleanup_(digest_ctx_freep) digest_ctx *ctx = digest_init(alg);

	digest_update(ctx, data, len);
	return digest_final(ctx);
}

char *digest_fd(digest_alg alg, int fd, uint64_t *ret_size, cpod_error **err)
{
	_cleanup_(digest_ctx_freep) digest_ctx *ctx = digest_init(alg);
	_cleanup_free_ unsigned char *chunk = xmalloc(READ_CHUNK);
	uint64_t total = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, READ_CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading data to digest");
			return NULL;
		}
		digest_update(ctx, chunk, (size_t)n);
		total += (uint64_t)n;
	}
	if (ret_size)
		*ret_size = total;
	return digest_final(ctx);
}

char *digest_file(digest_alg alg, const char *path, uint64_t *ret_size, cpod_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *d;

	if (fd < 0) {
		cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
			 "opening '%s'", path);
		return NULL;
	}
	d = digest_fd(alg, fd, ret_size, err);
	if (!d)
		cpod_err_prefix(err, "digesting '%s'", path);
	return d;
}

/* Returns the algorithm named by the len bytes at name, or 0. */
static digest_alg alg_from_name(const char *name, size_t len)
{
	if (len == 6 && memcmp(name, "sha256", 6) == 0)
		return DIGEST_SHA256;
	if (len == 6 && memcmp(name, "sha512", 6) == 0)
		return DIGEST_SHA512;
	return 0;
}

static int check_hex(const char *s, const char *hex, digest_alg alg, cpod_error **err)
{
	size_t want = digest_alg_hex_len(alg), len = strlen(hex);
	size_t good = strspn(hex, "0123456789abcdef");

	if (good < len && hex[good] > ' ' && hex[good] < 0x7f)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid digest \"%s\": character '%c' is not lowercase hex", s,
				hex[good]);
	if (good < len)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid digest \"%s\": byte 0x%02x is not lowercase hex", s,
				(unsigned char)hex[good]);
	if (len != want)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid digest \"%s\": %s needs %zu hex digits, not %zu", s,
				digest_alg_name(alg), want, len);
	return 0;
}

int digest_parse(const char *s, digest_alg *ret_alg, const char **ret_hex, cpod_error **err)
{
	const char *colon;
	digest_alg alg;

	if (!s || !*s)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid digest \"\": empty");
	colon = strchr(s, ':');
	if (!colon)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid digest \"%s\": expected \"algorithm:hex\"", s);
	alg = alg_from_name(s, (size_t)(colon - s));
	if (!alg)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid digest \"%s\": unsupported algorithm \"%.*s\"", s,
				(int)(colon - s), s);
	if (check_hex(s, colon + 1, alg, err) < 0)
		return -1;
	if (ret_alg)
		*ret_alg = alg;
	if (ret_hex)
		*ret_hex = colon + 1;
	return 0;
}

int digest_validate(const char *s, cpod_error **err)
{
	return digest_parse(s, NULL, NULL, err);
}

int digest_equal(const char *a, const char *b)
{
	/* Valid digests are canonical (lowercase only), so equal strings mean equal digests. */
	return digest_validate(a, NULL) == 0 && digest_validate(b, NULL) == 0 && strcmp(a, b) == 0;
}
