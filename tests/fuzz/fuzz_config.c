/* Fuzzes the configuration readers on top of the TOML parser: the same bytes as a
 * registries.conf (v1 allowed, then v2 only, then lookups on what parsed) and as a
 * containers.conf merged over the defaults.  Failures must be bad input naming the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "config/containers_conf.h"
#include "config/registries_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(cpod_error *err, const char *name)
{
	if (!err || cpod_error_kind(err) != CPOD_ERR_INVALID ||
	    !str_has_prefix(cpod_error_message(err), name))
		abort();
	cpod_error_free(err);
}

static void lookups(const registries_conf *c)
{
	static const char *const refs[] = { "docker.io/library/busybox:latest",
					    "quay.io/a/b@sha256:0123", "localhost:5000/x",
					    "a.b.example.com/ns/img:1" };
	registry_pull_source *s = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		const registry_entry *r = registries_find(c, refs[i]);
		cpod_error *err = NULL;

		if (registries_pull_sources(r, refs[i], &s, &n, &err) < 0)
			abort();
		if (n < 1 || !s[n - 1].reference)
			abort();
		registry_pull_sources_free(s, n);
	}
	for (size_t i = 0; i < c->n_aliases; i++)
		if (registries_alias(c, c->aliases[i].name, NULL) != c->aliases[i].value)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	registries_conf *rc = NULL;
	containers_conf *cc;
	cpod_error *err = NULL;

	for (int v2 = 0; v2 <= 1; v2++) {
		if (registries_conf_parse(text, size, "fuzz.conf", v2, &rc, &err) < 0) {
			check_failure(err, "fuzz.conf");
			err = NULL;
			continue;
		}
		lookups(rc);
		registries_conf_free(rc);
	}
	cc = containers_conf_new_defaults(false);
	if (containers_conf_merge_text(cc, text, size, "fuzz.conf", &err) < 0)
		check_failure(err, "fuzz.conf");
	containers_conf_free(cc);
	return 0;
}
