/* Fuzzes image reference parsing: whatever parses must print back to a string that parses to
 * the same reference (full and familiar forms), and every refusal is CPOD_ERR_INVALID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reparse(const char *s, const char *want_full)
{
	image_reference *r = NULL;
	char *full;

	if (reference_parse(s, &r, NULL) < 0)
		abort();
	full = reference_string(r, false);
	if (strcmp(full, want_full) != 0)
		abort();
	free(full);
	reference_free(r);
}

static void check(const char *s)
{
	image_reference *r = NULL;
	cpod_error *err = NULL;
	char *full, *familiar;

	if (reference_parse(s, &r, &err) < 0) {
		if (!err || cpod_error_kind(err) != CPOD_ERR_INVALID || r)
			abort();
		cpod_error_free(err);
		if (reference_is_short_name(s))
			abort();
		return;
	}
	if (err || !*r->domain || !*r->path || strlen(r->domain) + strlen(r->path) + 1 > 255)
		abort();
	full = reference_string(r, false);
	familiar = reference_string(r, true);
	reparse(full, full);
	/* "docker.io/localhost/x" and "docker.io/library/<64 hex>" have familiar forms that read
	 * as something else, in docker and podman too; every other one reads back the same */
	if (!str_eq(r->domain, REFERENCE_DEFAULT_DOMAIN) || reference_is_short_name(familiar))
		reparse(familiar, full);
	reference_with_default_tag(r);
	if (!r->tag && !r->digest)
		abort();
	free(full);
	free(familiar);
	reference_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	image_transport t;
	const char *rest = NULL;

	check(s);
	if (reference_split_transport(s, &t, &rest, NULL) == 0) {
		if (!rest || (t == TRANSPORT_NONE) != (rest == s))
			abort();
		if (t == TRANSPORT_DOCKER)
			check(rest);
	}
	free(s);
	return 0;
}
