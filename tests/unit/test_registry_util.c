/* WWW-Authenticate parsing and certs.d discovery of the registry client. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "image/registry.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-registry-XXXXXX";

#include "tmpdir.h"

static void test_bearer(void)
{
	www_auth a = { 0 };
	cpod_error *err = NULL;

	ok(www_auth_parse("Bearer realm=\"https://auth.example.com/token\",service=\"registry."
			  "example.com\",scope=\"repository:ns/app:pull\"",
			  &a, &err) == 0,
	   "bearer challenge parses");
	is_str(a.scheme, "bearer", "scheme lowercased");
	is_str(a.realm, "https://auth.example.com/token", "realm");
	is_str(a.service, "registry.example.com", "service");
	is_str(a.scope, "repository:ns/app:pull", "scope");
	www_auth_clear(&a);

	ok(www_auth_parse("bearer  realm = \"r\\\"q\" , service=tok-en", &a, &err) == 0, "spaces, "
											 "escapes "
											 "and a "
											 "token "
											 "value");
	is_str(a.realm, "r\"q", "backslash escape in a quoted value");
	is_str(a.service, "tok-en", "unquoted value");
	ok(a.scope == NULL, "no scope");
	www_auth_clear(&a);
}

static void test_basic(void)
{
	www_auth a = { 0 };
	cpod_error *err = NULL;

	ok(www_auth_parse("Basic realm=\"cpod-test\"", &a, &err) == 0, "basic parses");
	is_str(a.scheme, "basic", "basic scheme");
	is_str(a.realm, "cpod-test", "basic realm");
	www_auth_clear(&a);

	ok(www_auth_parse("Basic", &a, &err) == 0, "a scheme alone");
	is_str(a.scheme, "basic", "scheme alone");
	ok(a.realm == NULL, "no realm");
	www_auth_clear(&a);

	ok(www_auth_parse("Basic realm=\"a\", Bearer realm=\"b\"", &a, &err) == 0, "two "
										   "challenges");
	is_str(a.realm, "a", "the first challenge's realm is kept");
	www_auth_clear(&a);
}

static void test_bad(void)
{
	const char *bad[] = {
		"",	      "   ", "Bearer realm=\"unterminated", "Bearer realm=", "Bearer =x",
		"\"Bearer\"", NULL
	};

	for (const char **b = bad; *b; b++) {
		www_auth a = { 0 };
		cpod_error *err = NULL;

		ok(www_auth_parse(*b, &a, &err) < 0 && cpod_error_kind(err) == CPOD_ERR_INVALID,
		   "refused: '%s'", *b);
		ok(a.scheme == NULL, "nothing set for '%s'", *b);
		cpod_error_free(err);
	}
}

static void test_certs(void)
{
	_cleanup_free_ char *d1 = path_of("one"), *d2 = path_of("two"), *d3 = path_of("three");
	_cleanup_free_ char *want = NULL;
	const char *dirs[] = { d1, d2, NULL };
	registry_certs c;
	cpod_error *err = NULL;

	write_file("two/reg:5000/b.crt", "B");
	write_file("two/reg:5000/a.crt", "A");
	write_file("two/reg:5000/client.cert", "C");
	write_file("two/reg:5000/client.key", "K");
	write_file("two/reg:5000/README", "ignored");
	write_file("two/other/x.crt", "X");
	ok(registry_certs_find(dirs, "reg:5000", &c, &err) == 0, "certs found");
	is_int((int)c.ca_files.n, 2, "two CA files");
	want = xasprintf("%s/reg:5000/a.crt", d2);
	is_str(c.ca_files.v[0], want, "sorted: a.crt first");
	ok(str_has_suffix(c.ca_files.v[1], "/reg:5000/b.crt"), "then b.crt");
	ok(str_has_suffix(c.cert_file, "/client.cert"), "client cert");
	ok(str_has_suffix(c.key_file, "/client.key"), "client key");
	registry_certs_clear(&c);

	/* The first directory that has the host wins, even when it has nothing usable. */
	write_file("one/reg:5000/notes.txt", "x");
	ok(registry_certs_find(dirs, "reg:5000", &c, &err) == 0, "first dir with the host");
	is_int((int)c.ca_files.n, 0, "its (empty) content is used, the second dir is not");
	ok(c.cert_file == NULL, "no client cert");
	registry_certs_clear(&c);

	ok(registry_certs_find(dirs, "nowhere:1", &c, &err) == 0, "no dir for the host is fine");
	is_int((int)c.ca_files.n, 0, "nothing found");
	registry_certs_clear(&c);

	const char *dirs3[] = { d3, NULL };
	write_file("three/h/lonely.cert", "C");
	ok(registry_certs_find(dirs3, "h", &c, &err) < 0 &&
		   cpod_error_kind(err) == CPOD_ERR_INVALID,
	   "a .cert without its .key is refused");
	ok(strstr(cpod_error_message(err), "lonely.key") != NULL, "the key is named: %s",
	   cpod_error_message(err));
	cpod_error_freep(&err);
	_cleanup_free_ char *lonely = path_of("three/h/lonely.cert");
	unlink(lonely);
	write_file("three/h/only.key", "K");
	ok(registry_certs_find(dirs3, "h", &c, &err) < 0, "a .key without its .cert is refused");
	cpod_error_freep(&err);
}

int main(void)
{
	if (!mkdtemp(tmp))
		abort();
	test_bearer();
	test_basic();
	test_bad();
	test_certs();
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
