/* Fuzzes what a pull reads from outside besides manifests: the first byte picks the parser,
 * the rest is its input.  0: a WWW-Authenticate header; 1: a policy.json, then a check;
 * 2 / 3: a gzip / zstd layer stream, decompressed in small reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "image/decompress.h"
#include "image/policy.h"
#include "image/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	const uint8_t *p;
	size_t left;
} src;

static ssize_t src_read(void *cb, void *p, size_t len, cpod_error **err)
{
	src *s = cb;
	size_t n = len < s->left ? len : s->left;

	(void)err;
	if (n > 5)
		n = 5;
	memcpy(p, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static void fuzz_auth(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	www_auth a = { 0 };
	cpod_error *err = NULL;

	if (www_auth_parse(text, &a, &err) == 0) {
		if (!a.scheme || !*a.scheme)
			abort();
		for (const char *c = a.scheme; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort();
	} else if (!err || a.scheme) {
		abort();
	}
	www_auth_clear(&a);
	cpod_error_free(err);
	free(text);
}

static void fuzz_policy(const uint8_t *data, size_t size)
{
	image_policy *p = NULL;
	cpod_error *err = NULL;

	if (policy_parse((const char *)data, size, "fuzz", &p, &err) == 0) {
		policy_check(p, "docker", "a.example.com/ns/repo:tag", &err);
		cpod_error_freep(&err);
		policy_check(p, "oci", "/dir", &err);
	}
	cpod_error_free(err);
	policy_free(p);
}

static void fuzz_decompress(manifest_compression kind, const uint8_t *data, size_t size)
{
	src s = { data, size };
	decompressor *d = decompressor_new(kind, src_read, &s);
	cpod_error *err = NULL;
	char out[7];
	size_t total = 0;
	ssize_t n;

	/* Bounded: a tiny input may expand a lot. */
	while (total < (8u << 20) && (n = decompressor_read(d, out, sizeof(out), &err)) > 0)
		total += (size_t)n;
	cpod_error_free(err);
	decompressor_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_auth(data + 1, size - 1);
		break;
	case 1:
		fuzz_policy(data + 1, size - 1);
		break;
	case 2:
		fuzz_decompress(COMPRESSION_GZIP, data + 1, size - 1);
		break;
	default:
		fuzz_decompress(COMPRESSION_ZSTD, data + 1, size - 1);
		break;
	}
	return 0;
}
