/* cpod_login_key(): the credential key of a login / logout argument, and cpod_login_check()'s
 * failures that need no registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpod/registry.h>

#include "common/cleanup.h"
#include "tap.h"

/* The key for arg, or "ERR: message". */
static char *key_of(const char *arg, const char *conf)
{
	cpod_error *err = NULL;
	char *key = NULL, *s;

	if (cpod_login_key(arg, conf, &key, &err) == 0)
		return key;
	if (asprintf(&s, "ERR: %s", cpod_error_message(err)) < 0)
		abort();
	ok(cpod_error_kind(err) == CPOD_ERR_INVALID, "'%s': an invalid-input error",
	   arg ? arg : "(none)");
	cpod_error_free(err);
	return s;
}

static void check_key(const char *arg, const char *conf, const char *want)
{
	_cleanup_free_ char *got = key_of(arg, conf);

	is_str(got, want, "key of '%s'", arg ? arg : "(none)");
}

static void test_keys(void)
{
	check_key("quay.io", NULL, "quay.io");
	check_key("127.0.0.1:5000", NULL, "127.0.0.1:5000");
	check_key("quay.io/team", NULL, "quay.io/team");
	check_key("quay.io/team/app", NULL, "quay.io/team/app");
	check_key("localhost:5000/a/b", NULL, "localhost:5000/a/b");
	check_key("https://quay.io", NULL, "quay.io");
	check_key("https://quay.io/v2/team/", NULL, "quay.io");
	check_key("http://127.0.0.1:5000/v2/", NULL, "127.0.0.1:5000");
	check_key("quay.io/team/app:latest", NULL,
		  "ERR: reference \"quay.io/team/app:latest\" contains tag or digest");
	check_key("quay.io/team/app@sha256:"
		  "0000000000000000000000000000000000000000000000000000000000000000",
		  NULL,
		  "ERR: reference \"quay.io/team/app@sha256:"
		  "0000000000000000000000000000000000000000000000000000000000000000\" "
		  "contains tag or digest");
	{
		_cleanup_free_ char *got = key_of("quay.io/Team", NULL);

		ok(!strncmp(got, "ERR: parse reference from \"quay.io/Team\": ", 40),
		   "an invalid name: '%s'", got);
	}
	/* No registry in the name: the domain docker.io differs from the first component. */
	check_key("team/app", NULL,
		  "ERR: internal error: key \"team/app\" registry mismatch, \"team\" vs. "
		  "\"docker.io\"");
}

static void test_default_registry(void)
{
	char dir[] = "/tmp/cpod-test-login-XXXXXX";
	_cleanup_free_ char *with = NULL, *without = NULL;
	FILE *f;

	ok(mkdtemp(dir) != NULL, "temporary directory");
	if (asprintf(&with, "%s/with.conf", dir) < 0 ||
	    asprintf(&without, "%s/without.conf", dir) < 0)
		abort();
	f = fopen(with, "w");
	fputs("unqualified-search-registries = [\"registry.example\", \"quay.io\"]\n", f);
	fclose(f);
	f = fopen(without, "w");
	fputs("unqualified-search-registries = []\n", f);
	fclose(f);
	setenv("HOME", dir, 1); /* no ~/.config/containers/registries.conf */
	check_key(NULL, with, "registry.example");
	check_key(NULL, without,
		  "ERR: no registries found in registries.conf, a registry must be provided");
	unlink(with);
	unlink(without);
	rmdir(dir);
}

static void test_check_bad_opts(void)
{
	cpod_error *err = NULL;
	cpod_login_opts o = { .struct_size = sizeof(o) };

	ok(cpod_login_check(&o, &err) < 0, "no key refused");
	is_int(cpod_error_kind(err), CPOD_ERR_INVALID, "invalid");
	cpod_error_free(err);
	err = NULL;
	o.key = "quay.io";
	o.struct_size = sizeof(o) - 1;
	ok(cpod_login_check(&o, &err) < 0, "a struct_size too small refused");
	cpod_error_free(err);
	err = NULL;
	ok(cpod_login(NULL, NULL, &err) < 0, "NULL options refused");
	cpod_error_free(err);
}

int main(void)
{
	test_keys();
	test_default_registry();
	test_check_bad_opts();
	return done_testing();
}
