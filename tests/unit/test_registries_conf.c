#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "config/registries_conf.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-registries-conf-XXXXXX";

#include "tmpdir.h"

static registries_conf *parse(const char *text, bool force_v2, cpod_error **err)
{
	registries_conf *c = NULL;

	return registries_conf_parse(text, strlen(text), "test.conf", force_v2, &c, err) < 0 ? NULL
											     : c;
}

/* The error message of parsing text ("" when it parses). */
static char *parse_error(const char *text)
{
	cpod_error *e = NULL;
	registries_conf *c = parse(text, false, &e);
	char *msg = xstrdup(cpod_error_message(e));

	registries_conf_free(c);
	cpod_error_free(e);
	return msg;
}

static registries_conf *load(cpod_error **err)
{
	_cleanup_free_ char *sys = path_of("etc/registries.conf");
	_cleanup_free_ char *dir = path_of("etc/registries.conf.d");
	_cleanup_free_ char *home = path_of("home");
	registries_conf_opts o = { NULL, sys, dir, home };
	registries_conf *c = NULL;

	return registries_conf_load(&o, &c, err) < 0 ? NULL : c;
}

static const char *find_prefix(const registries_conf *c, const char *ref)
{
	const registry_entry *r = registries_find(c, ref);

	return r ? r->prefix : NULL;
}

static const char sample[] = "unqualified-search-registries = [\"registry.fedoraproject.org\", "
			     "\"docker.io\"]\n"
			     "short-name-mode = \"enforcing\"\n"
			     "\n"
			     "[[registry]]\n"
			     "location = \"example.com\"\n"
			     "\n"
			     "[[registry]]\n"
			     "prefix = \"example.com/foo\"\n"
			     "location = \"primary.example.net/bar/\"\n"
			     "[[registry.mirror]]\n"
			     "location = \"m1.example.net/ns\"\n"
			     "[[registry.mirror]]\n"
			     "location = \"m2.example.net\"\n"
			     "pull-from-mirror = \"digest-only\"\n"
			     "insecure = true\n"
			     "[[registry.mirror]]\n"
			     "location = \"m3.example.net\"\n"
			     "pull-from-mirror = \"tag-only\"\n"
			     "\n"
			     "[[registry]]\n"
			     "prefix = \"*.wild.example\"\n"
			     "\n"
			     "[[registry]]\n"
			     "prefix = \"exact.wild.example\"\n"
			     "location = \"other.example\"\n"
			     "insecure = true\n"
			     "\n"
			     "[[registry]]\n"
			     "location = \"blocked.example\"\n"
			     "blocked = true\n"
			     "\n"
			     "[[registry]]\n"
			     "location = \"digests.example\"\n"
			     "mirror-by-digest-only = true\n"
			     "mirror = [{ location = \"dm.example\" }]\n"
			     "\n"
			     "[[registry]]\n"
			     "location = \"example.com\"\n"
			     "mirror = [{ location = \"ignored-duplicate.example\" }]\n"
			     "\n"
			     "[aliases]\n"
			     "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
			     "\"alpine\" = \"docker.io/alpine\"\n"
			     "\"org/tool\" = \"quay.io/org/tool\"\n";

static void test_parse_and_find(void)
{
	cpod_error *e = NULL;
	registries_conf *c = parse(sample, false, &e);
	const registry_entry *r;

	ok(c != NULL, "v2 sample parses: %s", cpod_error_message(e));
	if (!c)
		return;
	is_int(c->n_registries, 6, "one entry per prefix (duplicate dropped)");
	is_str(c->registries[0].prefix, "*.wild.example", "sorted by prefix");
	is_str(c->registries[3].prefix, "exact.wild.example", "sorted by prefix (byte order)");
	is_str(c->registries[5].prefix, "example.com/foo", "sorted by prefix, last");
	is_int(c->unqualified_search.n, 2, "search registries");
	is_str(c->unqualified_search.v[1], "docker.io", "search registry");
	is_int(c->short_name_mode, SHORT_NAME_MODE_ENFORCING, "short-name-mode");

	is_str(find_prefix(c, "example.com/foo/bar:latest"), "example.com/foo", "longest prefix");
	is_str(find_prefix(c, "example.com/foobar:1"), "example.com", "prefix ends at a '/'");
	is_str(find_prefix(c, "example.com/foo"), "example.com/foo", "exact repository");
	is_str(find_prefix(c, "example.com"), "example.com", "a host alone");
	is_str(find_prefix(c, "example.com:5000/x"), "example.com",
	       "host:port matches the host (as containers/image does)");
	ok(find_prefix(c, "example.community/x") == NULL, "no partial host match");
	ok(find_prefix(c, "other.org/x") == NULL, "no match");
	is_str(find_prefix(c, "a.wild.example/img"), "*.wild.example", "wildcard subdomain");
	is_str(find_prefix(c, "a.b.wild.example:5000/img"), "*.wild.example",
	       "wildcard, deeper subdomain with port");
	ok(find_prefix(c, "wild.example/img") == NULL, "wildcard needs a subdomain");
	ok(find_prefix(c, "evil.org/a.wild.example/img") == NULL, "wildcard only in the host");
	is_str(find_prefix(c, "exact.wild.example/img"), "exact.wild.example",
	       "an exact host beats the wildcard");

	r = registries_find(c, "example.com/x");
	ok(r && r->n_mirrors == 0, "the first of duplicate prefixes is kept");
	r = registries_find(c, "example.com/foo/x");
	is_str(r ? r->endpoint.location : NULL, "primary.example.net/bar",
	       "trailing slash trimmed");
	is_int(r ? r->n_mirrors : 0, 3, "mirrors");
	ok(r && r->mirrors[1].insecure && !r->mirrors[0].insecure, "mirror insecure");
	is_int(r ? (int)r->mirrors[1].pull_from : -1, PULL_FROM_MIRROR_DIGEST_ONLY,
	       "pull-from-mirror");

	ok(registries_is_blocked(c, "blocked.example/x:1"), "blocked");
	ok(!registries_is_blocked(c, "example.com/x"), "not blocked");
	ok(registries_is_insecure(c, "exact.wild.example/x"), "insecure");
	ok(!registries_is_insecure(c, "example.com/x"), "not insecure");
	registries_conf_free(c);
}

static void expect_sources(const registries_conf *c, const char *ref, const char *const *want,
			   const char *name)
{
	registry_pull_source *s = NULL;
	size_t n = 0, nwant = strv_length((char *const *)want);
	cpod_error *e = NULL;

	is_int(registries_pull_sources(registries_find(c, ref), ref, &s, &n, &e), 0, "%s: ok",
	       name);
	is_int(n, nwant, "%s: count", name);
	for (size_t i = 0; i < n && i < nwant; i++)
		is_str(s[i].reference, want[i], "%s: source %zu", name, i);
	registry_pull_sources_free(s, n);
	cpod_error_free(e);
}

static void test_pull_sources(void)
{
	cpod_error *e = NULL;
	registries_conf *c = parse(sample, false, &e);
	static const char *const tag[] = { "m1.example.net/ns/img:1", "m3.example.net/img:1",
					   "primary.example.net/bar/img:1", NULL };
	static const char *const dig[] = { "m1.example.net/ns/img@sha256:abc",
					   "m2.example.net/img@sha256:abc",
					   "primary.example.net/bar/img@sha256:abc", NULL };
	static const char *const dtag[] = { "digests.example/x:1", NULL };
	static const char *const ddig[] = { "dm.example/x@sha256:abc",
					    "digests.example/x@sha256:abc", NULL };
	static const char *const wild[] = { "a.wild.example/img:1", NULL };
	static const char *const none[] = { "nowhere.example/img:1", NULL };
	registry_pull_source *s = NULL;
	const registry_endpoint *primary;
	bool flags;
	size_t n = 0;

	if (!c)
		return;
	expect_sources(c, "example.com/foo/img:1", tag, "tag: mirrors (not digest-only), primary");
	expect_sources(c, "example.com/foo/img@sha256:abc", dig,
		       "digest: mirrors (not tag-only), primary");
	expect_sources(c, "digests.example/x:1", dtag, "mirror-by-digest-only, tag");
	expect_sources(c, "digests.example/x@sha256:abc", ddig, "mirror-by-digest-only, digest");
	expect_sources(c, "a.wild.example/img:1", wild, "wildcard without location");
	expect_sources(c, "nowhere.example/img:1", none, "no registry");

	is_int(registries_pull_sources(registries_find(c, "example.com/foo"),
				       "example.com/foo/i@sha256:abc", &s, &n, &e),
	       0, "sources");
	primary = &registries_find(c, "example.com/foo")->endpoint;
	ok(n == 3 && s[2].endpoint == primary, "the last source is the primary endpoint");
	flags = n == 3 && !s[0].endpoint->insecure && s[1].endpoint->insecure;
	ok(flags, "sources carry the endpoint's insecure flag");
	registry_pull_sources_free(s, n);
	is_int(registries_pull_sources(registries_find(c, "example.com"), "elsewhere/x", &s, &n,
				       &e),
	       -1, "a reference the prefix does not match is refused");
	cpod_error_free(e);
	registries_conf_free(c);
}

static void test_aliases(void)
{
	cpod_error *e = NULL;
	registries_conf *c = parse(sample, false, &e);
	const char *origin = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;

	if (!c)
		return;
	is_str(registries_alias(c, "fedora", &origin), "registry.fedoraproject.org/fedora",
	       "alias");
	is_str(origin, "test.conf", "alias origin");
	is_str(registries_alias(c, "alpine", NULL), "docker.io/library/alpine",
	       "docker.io alias normalized");
	is_str(registries_alias(c, "org/tool", NULL), "quay.io/org/tool", "alias with a namespace");
	ok(registries_alias(c, "nope", &origin) == NULL && origin == NULL, "no alias");
	registries_conf_free(c);

	m1 = parse_error("[aliases]\n\"quay.io/x\" = \"quay.io/x\"\n");
	is_str(m1,
	       "test.conf:2:15: key 'aliases.quay.io/x': invalid short name 'quay.io/x': must "
	       "not contain registry",
	       "alias name with a registry");
	m2 = parse_error("[aliases]\nx = \"quay.io/x:latest\"\n");
	is_str(m2,
	       "test.conf:2:5: key 'aliases.x': invalid alias 'quay.io/x:latest': must not "
	       "contain tag",
	       "alias value with a tag");
	m3 = parse_error("[aliases]\nx = \"library/x\"\n");
	is_str(m3,
	       "test.conf:2:5: key 'aliases.x': invalid alias 'library/x': must contain "
	       "registry and repository",
	       "alias value without a registry");
	m4 = parse_error("[aliases]\n\"x:1\" = \"quay.io/x\"\n");
	ok(strstr(m4, "must not contain tag") != NULL, "alias name with a tag: %s", m4);
	m5 = parse_error("[aliases]\nx = \"quay.io/UPPER\"\n");
	ok(strstr(m5, "cannot parse") != NULL, "alias value with upper case: %s", m5);
}

static void test_v1(void)
{
	cpod_error *e = NULL;
	registries_conf *c;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;
	bool both;
	const char *v1 = "[registries.search]\nregistries = [\"docker.io\", \"quay.io\"]\n"
			 "[registries.insecure]\nregistries = [\"insecure.example:5000\", "
			 "\"both.example\"]\n"
			 "[registries.block]\nregistries = [\"both.example/\", \"bad.example\"]\n";

	c = parse(v1, false, &e);
	ok(c != NULL, "v1 parses: %s", cpod_error_message(e));
	if (c) {
		is_int(c->unqualified_search.n, 2, "v1 search");
		is_str(c->unqualified_search.v[0], "docker.io", "v1 search order");
		is_int(c->n_registries, 3, "v1 registries");
		ok(registries_is_blocked(c, "bad.example/x"), "v1 blocked");
		both = registries_is_blocked(c, "both.example/x") &&
		       registries_is_insecure(c, "both.example/x");
		ok(both, "v1 blocked and insecure on one registry");
		ok(registries_is_insecure(c, "insecure.example:5000/x") &&
			   !registries_is_blocked(c, "insecure.example:5000/x"),
		   "v1 insecure");
	}
	registries_conf_free(c);

	m1 = parse_error("unqualified-search-registries = [\"docker.io\"]\n"
			 "[registries.search]\nregistries = [\"quay.io\"]\n");
	is_str(m1, "test.conf: mixing sysregistry v1/v2 is not supported", "v1 + v2 rejected");
	c = parse("[registries.search]\nregistries = [\"quay.io\"]\n", true, &e);
	ok(c == NULL, "v1 refused where v2 is required");
	is_str(cpod_error_message(e), "test.conf: registry must be in v2 format but is in v1",
	       "v1 in a drop-in: message");
	cpod_error_free(e);
	e = NULL;
	c = parse("[registries.search]\nregistries = []\n[[registry]]\nlocation = \"a.example\"\n",
		  false, &e);
	ok(c != NULL, "an empty v1 list does not count as v1");
	registries_conf_free(c);
	m2 = parse_error("[registries.block]\nregistries = [\"https://x.example\"]\n");
	ok(strstr(m2, "URI schemes are not supported") != NULL, "v1 location checked: %s", m2);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want, *name;
	} cases[] = {
		{ "[[registry]]\nlocation = \"https://x.example\"\n",
		  "test.conf:2:12: key 'registry[0].location': invalid location "
		  "'https://x.example': URI schemes are not supported",
		  "URI scheme in location" },
		{ "[[registry]]\ninsecure = true\n",
		  "test.conf:1:1: key 'registry[0]': invalid condition: both location and prefix "
		  "are unset",
		  "no location nor prefix" },
		{ "[[registry]]\nprefix = \"a.example/x\"\n",
		  "test.conf:1:1: key 'registry[0]': invalid condition: location is unset and "
		  "prefix "
		  "is not in the format: *.example.com",
		  "prefix without location" },
		{ "[[registry]]\nprefix = \"*.a.example/x\"\n",
		  "test.conf:1:1: key 'registry[0]': wildcarded prefix should be in the format: "
		  "*.example.com, got '*.a.example/x'",
		  "wildcard with a path" },
		{ "[[registry]]\nlocation = \"a.example\"\ninsecure = \"yes\"\n",
		  "test.conf:3:12: key 'registry[0].insecure': expected boolean, got string",
		  "wrong type" },
		{ "[[registry]]\nlocation = \"a.example\"\npull-from-mirror = \"all\"\n",
		  "test.conf:3:20: key 'registry[0].pull-from-mirror': pull-from-mirror must not "
		  "be "
		  "set for a non-mirror registry",
		  "pull-from-mirror on the primary" },
		{ "[[registry]]\nlocation = \"a.example\"\n[[registry.mirror]]\n"
		  "location = \"m.example\"\npull-from-mirror = \"sometimes\"\n",
		  "test.conf:5:20: key 'registry[0].mirror[0].pull-from-mirror': unsupported "
		  "pull-from-mirror value 'sometimes'",
		  "bad pull-from-mirror" },
		{ "[[registry]]\nlocation = \"a.example\"\nmirror-by-digest-only = true\n"
		  "[[registry.mirror]]\nlocation = \"m.example\"\npull-from-mirror = \"all\"\n",
		  "test.conf:4:1: key 'registry[0].mirror[0]': cannot set mirror usage "
		  "mirror-by-digest-only for the registry ('a.example') and pull-from-mirror for "
		  "per-mirror ('m.example') at the same time",
		  "mirror-by-digest-only with pull-from-mirror" },
		{ "[[registry]]\nlocation = \"a.example\"\n[[registry.mirror]]\ninsecure = true\n",
		  "test.conf:3:1: key 'registry[0].mirror[0]': invalid condition: mirror location "
		  "is unset",
		  "mirror without location" },
		{ "[[registry]]\nlocation = \"a.example\"\n[[registry]]\nprefix = \"a.example/x\"\n"
		  "location = \"a.example\"\ninsecure = true\n",
		  "test.conf: registry 'a.example' is defined multiple times with conflicting "
		  "'insecure' setting",
		  "conflicting insecure" },
		{ "unqualified-search-registries = [\"docker.io\", \"bad_host\"]\n",
		  "test.conf:1:47: key 'unqualified-search-registries[1]': invalid "
		  "unqualified-search-registries entry 'bad_host'",
		  "bad search registry" },
		{ "short-name-mode = \"sometimes\"\n",
		  "test.conf:1:19: key 'short-name-mode': invalid short-name mode 'sometimes'",
		  "bad short-name-mode" },
		{ "registry = \"x\"\n",
		  "test.conf:1:12: key 'registry': expected array of tables, got string",
		  "registry not an array" },
		{ "[[registry]\n", "test.conf:1:", "malformed file" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *msg = parse_error(cases[i].text);

		if (str_has_suffix(cases[i].want, ":"))
			ok(str_has_prefix(msg, cases[i].want), "%s: %s", cases[i].name, msg);
		else
			is_str(msg, cases[i].want, "%s", cases[i].name);
	}
}

static void test_load(void)
{
	cpod_error *e = NULL;
	registries_conf *c;
	_cleanup_free_ char *sys = path_of("etc/registries.conf");
	_cleanup_free_ char *d1 = path_of("etc/registries.conf.d/10-a.conf");
	_cleanup_free_ char *d2 = path_of("etc/registries.conf.d/20-b.conf");
	_cleanup_free_ char *d3 = path_of("etc/registries.conf.d/30-v1.conf");
	_cleanup_free_ char *u1 = path_of("home/.config/containers/registries.conf.d/01.conf");
	_cleanup_free_ char *user = path_of("home/.config/containers/registries.conf");
	_cleanup_free_ char *explicit = path_of("explicit.conf");
	const char *origin = NULL;
	const char *user_d1 = "home/.config/containers/registries.conf.d/01.conf";
	bool only_user;

	clean_dir();
	c = load(&e);
	ok(c != NULL, "no files: empty configuration");
	if (c) {
		is_int(c->n_registries, 0, "no registries");
		is_int(c->short_name_mode, SHORT_NAME_MODE_PERMISSIVE, "default mode permissive");
		is_int(c->credential_helpers.n, 1, "default credential helper");
		is_str(c->credential_helpers.v[0], "containers-auth.json", "auth files");
	}
	registries_conf_free(c);

	write_file("etc/registries.conf", "unqualified-search-registries = "
					  "[\"a.example\"]\nshort-name-mode = \"enforcing\"\n"
					  "[[registry]]\nlocation = \"r.example\"\n"
					  "[[registry]]\nlocation = \"keep.example\"\n"
					  "[aliases]\nx = \"a.example/x\"\ny = \"a.example/y\"\n");
	write_file("etc/registries.conf.d/20-b.conf", "unqualified-search-registries = "
						      "[]\n[aliases]\ny = \"\"\n");
	write_file("etc/registries.conf.d/10-a.conf", "unqualified-search-registries = "
						      "[\"b.example\"]\n"
						      "[[registry]]\nlocation = "
						      "\"r.example\"\ninsecure = true\n"
						      "[aliases]\nx = \"b.example/x\"\n");
	write_file("etc/registries.conf.d/ignored.txt", "this is not TOML\n");
	write_file(user_d1, "short-name-mode = \"disabled\"\n");
	c = load(&e);
	ok(c != NULL, "system file and drop-ins: %s", cpod_error_message(e));
	if (c) {
		is_int(c->files.n, 4, "four files");
		is_str(c->files.v[0], sys, "main file first");
		is_str(c->files.v[1], d1, "system drop-ins sorted");
		is_str(c->files.v[2], d2, "system drop-ins sorted");
		is_str(c->files.v[3], u1, "user drop-ins last");
		ok(registries_is_insecure(c, "r.example/x"), "drop-in replaces a registry");
		ok(registries_find(c, "keep.example/x") != NULL, "other registries stay");
		is_int(c->unqualified_search.n, 0, "an empty array in a drop-in replaces");
		is_str(c->unqualified_search_origin, d2, "search origin");
		is_int(c->short_name_mode, SHORT_NAME_MODE_DISABLED, "mode from the user drop-in");
		is_str(registries_alias(c, "x", &origin), "b.example/x", "alias overridden");
		is_str(origin, d1, "alias origin is the drop-in");
		ok(registries_alias(c, "y", &origin) == NULL, "alias reset with \"\"");
		is_str(origin, d2, "reset recorded");
	}
	registries_conf_free(c);

	write_file("etc/registries.conf.d/30-v1.conf", "[registries.search]\nregistries = "
						       "[\"x\"]\n");
	c = load(&e);
	ok(c == NULL && strstr(cpod_error_message(e), "must be in v2 format"),
	   "v1 drop-in refused: %s", cpod_error_message(e));
	cpod_error_free(e);
	e = NULL;
	unlink(d3);

	/* the user's registries.conf replaces the system file and the system drop-ins */
	write_file("home/.config/containers/registries.conf", "[[registry]]\nlocation = "
							      "\"u.example\"\n");
	c = load(&e);
	ok(c != NULL, "user file loads");
	if (c) {
		is_int(c->files.n, 2, "user file and user drop-ins only");
		is_str(c->files.v[0], user, "user file is the main file");
		only_user = registries_find(c, "u.example/x") && !registries_find(c, "r.example/x");
		ok(only_user, "system files not read");
	}
	registries_conf_free(c);

	write_file("explicit.conf", "[[registry]]\nlocation = \"e.example\"\n");
	setenv("CONTAINERS_REGISTRIES_CONF", explicit, 1);
	c = load(&e);
	ok(c != NULL, "CONTAINERS_REGISTRIES_CONF loads");
	if (c) {
		is_str(c->files.v[0], explicit, "CONTAINERS_REGISTRIES_CONF is the main file");
		is_int(c->files.n, 4, "system and user drop-ins still read");
		ok(registries_find(c, "e.example/x") && !registries_find(c, "u.example/x"),
		   "the user's file is not read");
	}
	registries_conf_free(c);
	unlink(explicit);
	c = load(&e);
	ok(c == NULL && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "missing "
								  "CONTAINERS_REGISTRIES_CONF "
								  "fails");
	ok(e && strstr(cpod_error_message(e), explicit), "and names it: %s", cpod_error_message(e));
	cpod_error_free(e);
	e = NULL;
	unsetenv("CONTAINERS_REGISTRIES_CONF");

	write_file("home/.config/containers/registries.conf", "[[registry]]\nlocation = 5\n");
	c = load(&e);
	ok(c == NULL && strstr(cpod_error_message(e), ":2:12: key 'registry[0].location'"),
	   "type error in a loaded file: %s", cpod_error_message(e));
	cpod_error_free(e);
}

static void test_real_files(void)
{
	cpod_error *e = NULL;
	registries_conf *c = NULL;
	_cleanup_free_ char *home = path_of("nohome");
	registries_conf_opts o = { NULL, NULL, NULL, home };

	if (access("/etc/containers/registries.conf", R_OK) != 0) {
		ok(1, "# SKIP no /etc/containers/registries.conf");
		return;
	}
	is_int(registries_conf_load(&o, &c, &e), 0, "the installed files load: %s",
	       cpod_error_message(e));
	if (c) {
		is_str(c->files.v[0], "/etc/containers/registries.conf", "installed file first");
		if (access("/etc/containers/registries.conf.d/shortnames.conf", R_OK) == 0) {
			is_str(registries_alias(c, "fedora", NULL),
			       "registry.fedoraproject.org/fedora", "shortnames.conf alias");
			is_str(registries_alias(c, "alpine", NULL), "docker.io/library/alpine",
			       "shortnames.conf docker alias");
		}
	}
	registries_conf_free(c);
	cpod_error_free(e);
}

int main(void)
{
	unsetenv("CONTAINERS_REGISTRIES_CONF");
	if (!mkdtemp(tmp))
		abort();
	test_parse_and_find();
	test_pull_sources();
	test_aliases();
	test_v1();
	test_errors();
	test_load();
	test_real_files();
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
