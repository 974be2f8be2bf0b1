#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "config/auth.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-auth-XXXXXX";

#include "tmpdir.h"

static char *read_text(const char *rel)
{
	_cleanup_free_ char *p = path_of(rel);
	buf b = BUF_INIT;

	if (buf_read_file(&b, p) < 0)
		return NULL;
	return buf_detach(&b, NULL);
}

/* Options with every location under the test directory. */
static auth_opts opts(void)
{
	static char *run, *home, *cfg;

	free(run);
	free(home);
	free(cfg);
	run = path_of("run");
	home = path_of("home");
	cfg = path_of("cfg");
	mkdir(run, 0700);
	return (auth_opts){ .runtime_dir = run, .home = home, .config_home = cfg };
}

static void test_base64(void)
{
	cpod_error *e = NULL;
	char *b64 = auth_encode("user", "pa:ss");
	char *u = NULL, *p = NULL;

	is_str(b64, "dXNlcjpwYTpzcw==", "encode user:pa:ss");
	is_int(auth_decode(b64, &u, &p, &e), 1, "decode");
	is_str(u, "user", "decoded user");
	is_str(p, "pa:ss", "decoded password keeps later colons");
	free(b64), free(u), free(p);
	u = p = NULL;
	/* "bob:\0secret\0" */
	is_int(auth_decode("Ym9iOgBzZWNyZXQA", &u, &p, &e), 1, "decode with NULs");
	is_str(p, "secret", "NUL bytes around the password trimmed");
	free(u), free(p);
	u = p = NULL;
	is_int(auth_decode("bm9jb2xvbg==", &u, &p, &e), 0, "no colon: no credentials");
	ok(u == NULL && p == NULL, "no colon: nothing set");
	is_int(auth_decode("dXNlcjpwYQ", &u, &p, &e), -1, "missing padding refused");
	cpod_error_free(e);
	e = NULL;
	is_int(auth_decode("!!!!", &u, &p, &e), -1, "not base64");
	is_int(cpod_error_kind(e), CPOD_ERR_INVALID, "not base64: invalid");
	cpod_error_free(e);
	b64 = auth_encode("", "");
	is_str(b64, "Og==", "empty user and password");
	free(b64);
}

static void test_keys(void)
{
	cpod_error *e = NULL;
	bool ns = true;

	is_int(auth_validate_key("quay.io", &ns, &e), 0, "host key");
	ok(!ns, "host key not namespaced");
	is_int(auth_validate_key("localhost:5000/team/app", &ns, &e), 0, "host:port/path key");
	ok(ns, "path key namespaced");
	is_int(auth_validate_key("https://quay.io", NULL, &e), -1, "URL key refused");
	is_str(cpod_error_message(e), "key 'https://quay.io' contains http[s]:// prefix",
	       "URL key message");
	cpod_error_free(e);
	e = NULL;
	is_int(auth_validate_key("quay.io/a@sha256:x", NULL, &e), -1, "digest refused");
	cpod_error_free(e);
	e = NULL;
	is_int(auth_validate_key("quay.io/a:tag", NULL, &e), -1, "tag refused");
	cpod_error_free(e);
}

static void test_paths(void)
{
	cpod_error *e = NULL;
	auth_opts o = opts();
	_cleanup_free_ char *want = path_of("run/containers/auth.json");
	_cleanup_free_ char *missing = path_of("no-such-run");
	_cleanup_free_ char *per_uid =
		xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
	char *p;

	p = auth_file_path(&o, &e);
	is_str(p, want, "XDG_RUNTIME_DIR/containers/auth.json");
	free(p);
	setenv("REGISTRY_AUTH_FILE", "/env/auth.json", 1);
	p = auth_file_path(&o, &e);
	is_str(p, "/env/auth.json", "REGISTRY_AUTH_FILE wins over XDG_RUNTIME_DIR");
	free(p);
	o.authfile = "/flag/auth.json";
	p = auth_file_path(&o, &e);
	is_str(p, "/flag/auth.json", "--authfile wins over REGISTRY_AUTH_FILE");
	free(p);
	unsetenv("REGISTRY_AUTH_FILE");
	o.authfile = NULL;
	o.runtime_dir = NULL;
	unsetenv("XDG_RUNTIME_DIR");
	p = auth_file_path(&o, &e);
	is_str(p, per_uid, "no XDG_RUNTIME_DIR: /run/containers/UID/auth.json");
	free(p);
	o.runtime_dir = missing;
	p = auth_file_path(&o, &e);
	ok(p == NULL && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "a missing XDG_RUNTIME_DIR is an "
								  "error");
	ok(strstr(cpod_error_message(e), missing) != NULL, "and named: %s", cpod_error_message(e));
	cpod_error_free(e);
}

static int lookup(const auth_opts *o, const char *key, auth_creds *c, cpod_error **e)
{
	auth_creds_clear(c);
	return auth_lookup(o, key, c, e);
}

static void test_lookup(void)
{
	cpod_error *e = NULL;
	auth_opts o = opts();
	auth_creds c = { NULL, NULL, NULL, NULL };
	_cleanup_free_ char *primary = path_of("run/containers/auth.json");
	_cleanup_free_ char *xdg = path_of("cfg/containers/auth.json");
	_cleanup_free_ char *docker = path_of("home/.docker/config.json");
	_cleanup_free_ char *legacy = path_of("home/.dockercfg");
	_cleanup_free_ char *dockercfg_dir = path_of("dockerconfig");
	_cleanup_free_ char *custom = path_of("dockerconfig/config.json");

	clean_dir();
	o = opts();
	is_int(lookup(&o, "reg.example", &c, &e), 0, "no files: nothing found");

	/* base64: reg:regpass, ns:nspass, repo:repopass, x:y */
	write_file("run/containers/auth.json", "{ \"auths\": {\n"
					       "  \"reg.example\": { \"auth\": "
					       "\"cmVnOnJlZ3Bhc3M=\" },\n"
					       "  \"reg.example/ns\": { \"auth\": "
					       "\"bnM6bnNwYXNz\", \"identitytoken\": \"tok\" },\n"
					       "  \"reg.example/ns/repo\": { \"auth\": "
					       "\"cmVwbzpyZXBvcGFzcw==\" },\n"
					       "  \"marker.example/ns\": {}\n"
					       "}, \"credHelpers\": { \"helped.example\": "
					       "\"secretservice\" } }\n");
	is_int(lookup(&o, "reg.example/ns/repo", &c, &e), 1, "repository key");
	is_str(c.username, "repo", "repository entry wins");
	is_str(c.password, "repopass", "repository password");
	is_str(c.path, primary, "found in the primary file");
	is_int(lookup(&o, "reg.example/ns/repo/deeper", &c, &e), 1, "deeper key");
	is_str(c.username, "repo", "most specific parent");
	is_int(lookup(&o, "reg.example/ns/other", &c, &e), 1, "namespace key");
	is_str(c.username, "ns", "namespace entry");
	is_str(c.identity_token, "tok", "identity token");
	is_int(lookup(&o, "reg.example/other", &c, &e), 1, "registry key");
	is_str(c.username, "reg", "registry entry");
	is_str(c.identity_token, "", "no identity token");
	is_int(lookup(&o, "reg.example", &c, &e), 1, "host alone");
	is_int(lookup(&o, "reg.example:5000", &c, &e), 0, "another port is another registry");
	is_int(lookup(&o, "helped.example", &c, &e), 0, "credHelpers are not run");

	/* the fallbacks, in order */
	write_file("cfg/containers/auth.json", "{\"auths\": {\"xdg.example\": {\"auth\": \"eDp5\"},"
					       " \"marker.example\": {\"auth\": \"eDp5\"}}}");
	write_file("home/.docker/config.json", "{\"auths\": {\"https://index.docker.io/v1/\": "
					       "{\"auth\": \"aHViOmh1YnBhc3M=\"},"
					       " \"xdg.example\": {\"auth\": \"c2hhZG93OmVk\"}}, "
					       "\"credsStore\": \"desktop\"}");
	write_file("home/.dockercfg", "{\"https://legacy.example/v1/\": {\"auth\": "
				      "\"bGVnOmFjeQ==\", \"email\": \"x\"}}");
	is_int(lookup(&o, "xdg.example/a", &c, &e), 1, "XDG_CONFIG_HOME file");
	is_str(c.path, xdg, "found in the XDG_CONFIG_HOME file first");
	is_str(c.username, "x", "XDG_CONFIG_HOME credentials");
	is_int(lookup(&o, "docker.io/library/alpine", &c, &e), 1, "docker.io via its URL key");
	is_str(c.path, docker, "found in ~/.docker/config.json");
	is_str(c.username, "hub", "docker.io credentials");
	is_int(lookup(&o, "legacy.example/x", &c, &e), 1, "legacy file");
	is_str(c.path, legacy, "found in ~/.dockercfg");
	is_str(c.password, "acy", "legacy credentials");
	is_int(lookup(&o, "marker.example/ns/x", &c, &e), 1, "empty entry skipped");
	is_str(c.path, xdg, "an empty entry ends the search in its file, not the lookup");

	mkdir(dockercfg_dir, 0700);
	write_file("dockerconfig/config.json", "{\"auths\": {\"hub.example\": {\"auth\": "
					       "\"eDp5\"}}}");
	o.docker_config = dockercfg_dir;
	is_int(lookup(&o, "hub.example", &c, &e), 1, "DOCKER_CONFIG");
	is_str(c.path, custom, "DOCKER_CONFIG replaces ~/.docker");
	is_int(lookup(&o, "docker.io", &c, &e), 0, "~/.docker not read with DOCKER_CONFIG");
	o.docker_config = NULL;

	/* a missing XDG_RUNTIME_DIR only skips the primary file */
	o.runtime_dir = "/nonexistent-run-dir";
	is_int(lookup(&o, "xdg.example", &c, &e), 1, "missing XDG_RUNTIME_DIR tolerated");
	auth_creds_clear(&c);
	cpod_error_free(e);
}

static void expect_lookup_error(const char *text, const char *want, const char *name)
{
	cpod_error *e = NULL;
	auth_opts o = opts();
	auth_creds c = { NULL, NULL, NULL, NULL };
	_cleanup_free_ char *primary = path_of("run/containers/auth.json");
	_cleanup_free_ char *full = xasprintf("reading '%s': %s", primary, want);

	clean_dir();
	o = opts();
	write_file("run/containers/auth.json", text);
	is_int(auth_lookup(&o, "reg.example", &c, &e), -1, "%s: fails", name);
	if (str_has_suffix(want, "*")) {
		full[strlen(full) - 1] = '\0';
		ok(str_has_prefix(cpod_error_message(e), full), "%s: %s", name,
		   cpod_error_message(e));
	} else {
		is_str(cpod_error_message(e), full, "%s", name);
	}
	cpod_error_free(e);
	auth_creds_clear(&c);
}

static void test_malformed(void)
{
	expect_lookup_error("{ \"auths\": [] }", "'auths': expected object, got array",
			    "auths not an object");
	expect_lookup_error("{ \"auths\": { \"reg.example\": { \"auth\": 5 } } }",
			    "'auths[\"reg.example\"].auth': expected string, got integer",
			    "auth not a string");
	expect_lookup_error("[1]", "top-level value: expected object, got array", "not an object");
	expect_lookup_error("{ \"auths\": { \"reg.example\": { \"auth\": \"???\" } } }",
			    "'auths[\"reg.example\"]': invalid base64 in 'auth'", "bad base64");
	expect_lookup_error("{ \"auths\": ", "*", "truncated JSON");
	expect_lookup_error("", "*", "empty file");
}

static mode_t mode_of(const char *rel)
{
	_cleanup_free_ char *p = path_of(rel);
	struct stat st;

	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static size_t count_entries(const char *rel)
{
	_cleanup_free_ char *p = path_of(rel);
	_cleanup_closedir_ DIR *d = opendir(p);
	size_t n = 0;

	while (d && readdir(d))
		n++;
	return n - 2;
}

static json_object *load_json(const char *rel)
{
	_cleanup_free_ char *text = read_text(rel);

	return text ? json_tokener_parse(text) : NULL;
}

static void test_write(void)
{
	cpod_error *e = NULL;
	auth_opts o = opts();
	auth_creds c = { NULL, NULL, NULL, NULL };
	_cleanup_free_ char *primary = path_of("run/containers/auth.json");
	_cleanup_free_ char *before = NULL, *after = NULL;
	char *written = NULL;
	json_object *doc, *auths, *v;

	clean_dir();
	o = opts();
	is_int(auth_set(&o, "reg.example", "me", "s3cret", &written, &e), 0, "set in a new file");
	is_str(written, primary, "written path");
	free(written);
	is_int(mode_of("run/containers"), 0700, "parent directory created 0700");
	is_int(mode_of("run/containers/auth.json"), 0600, "file mode 0600");
	is_int(lookup(&o, "reg.example", &c, &e), 1, "written credentials read back");
	is_str(c.password, "s3cret", "password read back");

	write_file("run/containers/auth.json", "{\"auths\": {\"other.example\": {\"auth\": "
					       "\"eDp5\", \"email\": \"a@b\"},"
					       " \"reg.example\": {\"auth\": \"eDp5\", "
					       "\"identitytoken\": \"old\"}},"
					       " \"credHelpers\": {\"h.example\": \"pass\"}, "
					       "\"credsStore\": \"desktop\","
					       " \"HttpHeaders\": {\"User-Agent\": \"x\"}}");
	chmod(primary, 0644);
	is_int(auth_set(&o, "reg.example/team", "t", "p", NULL, &e), 0, "set a namespaced entry");
	is_int(auth_set(&o, "reg.example", "me", "new", NULL, &e), 0, "replace an entry");
	is_int(mode_of("run/containers/auth.json"), 0600, "rewritten file mode 0600");
	is_int(count_entries("run/containers"), 1, "no temporary file left behind");
	doc = load_json("run/containers/auth.json");
	ok(doc != NULL, "valid JSON written");
	ok(json_object_object_get_ex(doc, "credsStore", &v) &&
		   str_eq(json_object_get_string(v), "desktop"),
	   "other top-level keys kept");
	ok(json_object_object_get_ex(doc, "HttpHeaders", NULL), "nested other keys kept");
	ok(json_object_object_get_ex(doc, "credHelpers", NULL), "credHelpers kept");
	json_object_object_get_ex(doc, "auths", &auths);
	ok(json_object_object_get_ex(auths, "other.example", &v) &&
		   json_object_object_get_ex(v, "email", NULL),
	   "other entries kept whole");
	ok(json_object_object_get_ex(auths, "reg.example", &v) &&
		   !json_object_object_get_ex(v, "identitytoken", NULL),
	   "a replaced entry loses its old token");
	ok(json_object_object_get_ex(auths, "reg.example/team", NULL), "namespaced entry added");
	json_object_put(doc);
	is_int(lookup(&o, "reg.example/team/app", &c, &e), 1, "namespaced entry read back");
	is_str(c.username, "t", "namespaced user");
	is_int(lookup(&o, "reg.example/other", &c, &e), 1, "registry entry read back");
	is_str(c.password, "new", "replaced password");

	is_int(auth_remove(&o, "reg.example/team", &e), 0, "remove");
	is_int(lookup(&o, "reg.example/team/app", &c, &e), 1, "after remove: the registry entry");
	is_str(c.username, "me", "removed entry no longer matches");
	is_int(auth_remove(&o, "nobody.example", &e), -1, "remove a missing entry");
	is_int(cpod_error_kind(e), CPOD_ERR_NOT_FOUND, "not logged in: not found");
	is_str(cpod_error_message(e), "not logged in to 'nobody.example'", "not logged in message");
	cpod_error_free(e);
	e = NULL;

	is_int(auth_remove_all(&o, &e), 0, "remove all");
	doc = load_json("run/containers/auth.json");
	json_object_object_get_ex(doc, "auths", &auths);
	is_int(json_object_object_length(auths), 0, "remove all: auths empty");
	ok(!json_object_object_get_ex(doc, "credHelpers", NULL), "remove all: credHelpers gone");
	ok(json_object_object_get_ex(doc, "credsStore", NULL), "remove all: other keys kept");
	json_object_put(doc);

	write_file("run/containers/auth.json", "{ \"auths\": { oops");
	before = read_text("run/containers/auth.json");
	is_int(auth_set(&o, "reg.example", "a", "b", NULL, &e), -1, "set over a malformed file");
	ok(str_has_prefix(cpod_error_message(e), "reading '") &&
		   strstr(cpod_error_message(e), primary),
	   "malformed file named: %s", cpod_error_message(e));
	after = read_text("run/containers/auth.json");
	is_str(after, before, "malformed file left as it was");
	cpod_error_free(e);
	e = NULL;
	is_int(auth_set(&o, "https://reg.example", "a", "b", NULL, &e), -1, "set with a URL key");
	cpod_error_free(e);
	auth_creds_clear(&c);
}

int main(void)
{
	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("DOCKER_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	if (!mkdtemp(tmp))
		abort();
	test_base64();
	test_keys();
	test_paths();
	test_lookup();
	test_malformed();
	test_write();
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
