/* Image references: the docker/reference grammar, podman's normalisation and errors. */
#include <stdlib.h>
#include <string.h>

#include <cpod/error.h>

#include "image/reference.h"
#include "tap.h"

#define HEX64 "ab5a7b6c7e5b5ae3fb3cf4f1bd2fdcc4ab0c3bd5a08e9e0ce4a5f0e2d1a4c8f0"
#define D256 "sha256:" HEX64

static const struct {
	const char *in, *full, *familiar;
	const char *domain, *path, *tag, *digest;
} valid[] = {
	{ "alpine", "docker.io/library/alpine", "alpine", "docker.io", "library/alpine", NULL,
	  NULL },
	{ "alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19", "docker.io",
	  "library/alpine", "3.19", NULL },
	{ "library/alpine", "docker.io/library/alpine", "alpine", "docker.io", "library/alpine",
	  NULL, NULL },
	{ "docker.io/alpine", "docker.io/library/alpine", "alpine", "docker.io", "library/alpine",
	  NULL, NULL },
	{ "index.docker.io/foo/bar", "docker.io/foo/bar", "foo/bar", "docker.io", "foo/bar", NULL,
	  NULL },
	{ "foo/bar:v1", "docker.io/foo/bar:v1", "foo/bar:v1", "docker.io", "foo/bar", "v1", NULL },
	{ "quay.io/podman/hello", "quay.io/podman/hello", "quay.io/podman/hello", "quay.io",
	  "podman/hello", NULL, NULL },
	{ "localhost/img", "localhost/img", "localhost/img", "localhost", "img", NULL, NULL },
	{ "localhost:5000/ns/repo:tag@" D256, "localhost:5000/ns/repo:tag@" D256,
	  "localhost:5000/ns/repo:tag@" D256, "localhost:5000", "ns/repo", "tag", D256 },
	{ "alpine@" D256, "docker.io/library/alpine@" D256, "alpine@" D256, "docker.io",
	  "library/alpine", NULL, D256 },
	{ "[::1]:5000/repo", "[::1]:5000/repo", "[::1]:5000/repo", "[::1]:5000", "repo", NULL,
	  NULL },
	{ "a.b.c/x/y/z:T_a.g-1", "a.b.c/x/y/z:T_a.g-1", "a.b.c/x/y/z:T_a.g-1", "a.b.c", "x/y/z",
	  "T_a.g-1", NULL },
	{ "foo_bar.baz__qux--x", "docker.io/library/foo_bar.baz__qux--x", "foo_bar.baz__qux--x",
	  "docker.io", "library/foo_bar.baz__qux--x", NULL, NULL },
	{ "docker.io/library/a/b", "docker.io/library/a/b", "library/a/b", "docker.io",
	  "library/a/b", NULL, NULL },
	{ "Uppercase-Registry.io/x", "Uppercase-Registry.io/x", "Uppercase-Registry.io/x",
	  "Uppercase-Registry.io", "x", NULL, NULL },
	{ "localhost:5000", "docker.io/library/localhost:5000", "localhost:5000", "docker.io",
	  "library/localhost", "5000", NULL },
};

static const struct {
	const char *in, *msg;
} invalid[] = {
	{ "", "invalid reference format" },
	{ "Alpine", "invalid reference format: repository name must be lowercase" },
	{ "quay.io/Podman/hello", "invalid reference format: repository name must be lowercase" },
	{ "alpine:", "invalid reference format" },
	{ "alpine:tag:more", "invalid reference format" },
	{ "alpine@", "invalid reference format" },
	{ "alpine@sha256:abc", "invalid reference format" },
	{ "alpine@md5:" HEX64, "unsupported digest algorithm" },
	{ "alpine@sha256:" HEX64 "00", "invalid checksum digest length" },
	{ "alpine@sha256:AB5A7B6C7E5B5AE3FB3CF4F1BD2FDCC4AB0C3BD5A08E9E0CE4A5F0E2D1A4C8F0", "invali"
											    "d "
											    "checks"
											    "um "
											    "digest"
											    " forma"
											    "t" },
	{ "-alpine", "invalid reference format" },
	{ "alpine-", "invalid reference format" },
	{ "a..b", "invalid reference format" },
	{ "a___b", "invalid reference format" },
	{ "foo//bar", "invalid reference format" },
	{ "quay.io/", "invalid reference format" },
	{ "-host.io/x", "invalid reference format" },
	{ "host.io:/x", "invalid reference format" },
	{ "host.io:port/x", "invalid reference format" },
	{ "alpine:-tag", "invalid reference format" },
	{ "alpine:.tag", "invalid reference format" },
	{ "alpine with space", "invalid reference format" },
	{ "alpine@" D256 "@" D256, "invalid reference format" },
	{ HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal "
		 "strings" },
};

static void test_valid(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++) {
		image_reference *r = NULL;
		cpod_error *err = NULL;
		char *s;

		if (!ok(reference_parse(valid[i].in, &r, &err) == 0, "parse '%s'", valid[i].in)) {
			diag("%s", cpod_error_message(err));
			cpod_error_free(err);
			continue;
		}
		is_str(r->domain, valid[i].domain, "'%s' domain", valid[i].in);
		is_str(r->path, valid[i].path, "'%s' path", valid[i].in);
		is_str(r->tag, valid[i].tag, "'%s' tag", valid[i].in);
		is_str(r->digest, valid[i].digest, "'%s' digest", valid[i].in);
		s = reference_string(r, false);
		is_str(s, valid[i].full, "'%s' full string", valid[i].in);
		free(s);
		s = reference_string(r, true);
		is_str(s, valid[i].familiar, "'%s' familiar string", valid[i].in);
		free(s);
		reference_free(r);
	}
}

static void test_invalid(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		image_reference *r = NULL;
		cpod_error *err = NULL;
		int rc = reference_parse(invalid[i].in, &r, &err);

		ok(rc == -1 && !r, "'%s' refused", invalid[i].in);
		is_str(err ? cpod_error_message(err) : NULL, invalid[i].msg, "'%s' message",
		       invalid[i].in);
		is_int(err ? cpod_error_kind(err) : 0, CPOD_ERR_INVALID, "'%s' kind",
		       invalid[i].in);
		cpod_error_free(err);
	}
}

static void expect_valid(const char *s, const char *what)
{
	image_reference *r = NULL;
	ok(reference_parse(s, &r, NULL) == 0, "%s", what);
	reference_free(r);
}

static void expect_message(const char *s, const char *msg, const char *what)
{
	image_reference *r = NULL;
	cpod_error *err = NULL;

	ok(reference_parse(s, &r, &err) == -1, "%s refused", what);
	is_str(err ? cpod_error_message(err) : NULL, msg, "%s message", what);
	cpod_error_free(err);
}

static void test_limits(void)
{
	char name[300], tag[200];

	/* docker.io/library/ (18) + 237 = 255 */
	memset(name, 'a', 237);
	name[237] = '\0';
	expect_valid(name, "name of exactly 255 characters");
	name[237] = 'a';
	name[238] = '\0';
	expect_message(name, "repository name must not be more than 255 characters",
		       "name of 256 characters");
	memcpy(tag, "a:", 2);
	memset(tag + 2, 't', 128);
	tag[130] = '\0';
	expect_valid(tag, "tag of 128 characters");
	tag[130] = 't';
	tag[131] = '\0';
	expect_message(tag, "invalid reference format", "tag of 129 characters");
	/* 63 or 65 hex digits are names, not IDs */
	expect_valid("ab5a7b6c7e5b5ae3fb3cf4f1bd2fdcc4ab0c3bd5a08e9e0ce4a5f0e2d1a4c8f", "63 hex");
	ok(reference_is_id(HEX64), "64 hex is an ID");
	ok(!reference_is_id("sha256:" HEX64), "a digest is not a bare ID");
	ok(!reference_is_id("alpine"), "a name is not an ID");
}

static void test_short_names(void)
{
	ok(reference_is_short_name("alpine"), "alpine is short");
	ok(reference_is_short_name("library/alpine:3"), "library/alpine:3 is short");
	ok(reference_is_short_name("foo/bar@" D256), "foo/bar@digest is short");
	ok(!reference_is_short_name("docker.io/alpine"), "docker.io/alpine is qualified");
	ok(!reference_is_short_name("localhost/x"), "localhost/x is qualified");
	ok(!reference_is_short_name("host:5000/x"), "host:5000/x is qualified");
	/* as containers/image's shortnames: only '.', ':' or localhost qualify a name */
	ok(reference_is_short_name("Foo/bar"), "an uppercase first component is still short");
	ok(!reference_is_short_name("Alpine"), "invalid input is not a short name");
}

static void test_default_tag(void)
{
	image_reference *r = NULL;
	char *s;

	reference_parse("alpine", &r, NULL);
	reference_with_default_tag(r);
	s = reference_string(r, false);
	is_str(s, "docker.io/library/alpine:latest", "name only gets :latest");
	free(s);
	reference_free(r);
	reference_parse("alpine:3", &r, NULL);
	reference_with_default_tag(r);
	is_str(r->tag, "3", "a tag stays");
	reference_free(r);
	reference_parse("alpine@" D256, &r, NULL);
	reference_with_default_tag(r);
	ok(r->tag == NULL, "a digest gets no tag");
	reference_free(r);
	reference_parse("quay.io/a/b:1", &r, NULL);
	s = reference_name(r, true);
	is_str(s, "quay.io/a/b", "name without tag");
	free(s);
	reference_free(r);
}

static void test_transports(void)
{
	static const struct {
		const char *in;
		image_transport t;
		const char *rest, *name;
	} rows[] = {
		{ "docker://quay.io/a/b", TRANSPORT_DOCKER, "quay.io/a/b", "docker" },
		{ "oci:/tmp/layout:tag", TRANSPORT_OCI, "/tmp/layout:tag", "oci" },
		{ "oci-archive:/tmp/x.tar", TRANSPORT_OCI_ARCHIVE, "/tmp/x.tar", "oci-archive" },
		{ "docker-archive:x.tar:img:1", TRANSPORT_DOCKER_ARCHIVE, "x.tar:img:1",
		  "docker-archive" },
		{ "dir:/tmp/d", TRANSPORT_DIR, "/tmp/d", "dir" },
		{ "containers-storage:alpine", TRANSPORT_CONTAINERS_STORAGE, "alpine",
		  "containers-storage" },
		{ "alpine:3", TRANSPORT_NONE, "alpine:3", "" },
		{ "localhost:5000/x", TRANSPORT_NONE, "localhost:5000/x", "" },
	};
	static const char *const bad[] = { "docker:quay.io/a", "oci:", "docker://" };

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		image_transport t = 99;
		const char *rest = NULL;
		ok(reference_split_transport(rows[i].in, &t, &rest, NULL) == 0, "split '%s'",
		   rows[i].in);
		ok(t == rows[i].t, "'%s' transport", rows[i].in);
		is_str(rest, rows[i].rest, "'%s' rest", rows[i].in);
		is_str(reference_transport_name(t), rows[i].name, "'%s' transport name",
		       rows[i].in);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		image_transport t;
		const char *rest;
		cpod_error *err = NULL;
		ok(reference_split_transport(bad[i], &t, &rest, &err) == -1 && err &&
			   cpod_error_kind(err) == CPOD_ERR_INVALID,
		   "'%s' refused", bad[i]);
		cpod_error_free(err);
	}
}

int main(void)
{
	test_valid();
	test_invalid();
	test_limits();
	test_short_names();
	test_default_tag();
	test_transports();
	return done_testing();
}
