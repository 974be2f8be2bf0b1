/* Short-name resolution of image_pull_candidates(). */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/pull.h"
#include "tap.h"

static registries_conf *conf(const char *text)
{
	registries_conf *c = NULL;
	cpod_error *err = NULL;

	if (registries_conf_parse(text, strlen(text), "test.conf", false, &c, &err) < 0) {
		diag("%s", cpod_error_message(err));
		abort();
	}
	return c;
}

/* The candidates joined with ' ', or "ERR: message". */
static char *cands(const registries_conf *c, const char *ref)
{
	_cleanup_(strv_freep) char **v = NULL;
	cpod_error *err = NULL;
	char *s;

	if (image_pull_candidates(ref, c, &v, &err) < 0) {
		s = xasprintf("ERR: %s", cpod_error_message(err));
		cpod_error_free(err);
		return s;
	}
	return strv_join((const char *const *)v, " ");
}

#define CHECK(c, ref, want)                                    \
	do {                                                   \
		_cleanup_free_ char *got_ = cands(c, ref);     \
		is_str(got_, want, "candidates of '%s'", ref); \
	} while (0)

int main(void)
{
	registries_conf *two = conf("unqualified-search-registries = [\"a.io\", \"b.io:5000\"]\n"
				    "[aliases]\n\"web\" = \"quay.io/team/web\"\n");
	registries_conf *enf = conf("unqualified-search-registries = [\"a.io\", \"b.io\"]\n"
				    "short-name-mode = \"enforcing\"\n");
	registries_conf *one = conf("unqualified-search-registries = [\"a.io\"]\n"
				    "short-name-mode = \"enforcing\"\n");
	registries_conf *none = conf("unqualified-search-registries = []\n");

	CHECK(two, "quay.io/x/y", "quay.io/x/y:latest");
	CHECK(two, "quay.io/x/y:1", "quay.io/x/y:1");
	CHECK(two,
	      "localhost:5000/y@sha256:0123456789012345678901234567890123456789012345678901"
	      "234567890123",
	      "localhost:5000/y@sha256:012345678901234567890123456789012345678901234567890123456"
	      "7890123");
	CHECK(two, "busybox", "a.io/busybox:latest b.io:5000/busybox:latest");
	CHECK(two, "ns/app:2", "a.io/ns/app:2 b.io:5000/ns/app:2");
	CHECK(two, "web", "quay.io/team/web:latest");
	CHECK(two, "web:3", "quay.io/team/web:3");
	CHECK(enf, "busybox",
	      "ERR: short-name resolution enforced but cannot prompt without a TTY: 'busybox' "
	      "could be any of a.io/busybox:latest, b.io/busybox:latest");
	CHECK(one, "busybox", "a.io/busybox:latest");
	CHECK(none, "busybox",
	      "ERR: short-name \"busybox\" did not resolve to an alias and no "
	      "unqualified-search registries are defined in registries.conf");
	CHECK(none, "Busybox", "ERR: invalid reference format: repository name must be lowercase");
	registries_conf_free(two);
	registries_conf_free(enf);
	registries_conf_free(one);
	registries_conf_free(none);
	return done_testing();
}
