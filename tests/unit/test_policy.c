/* policy.json parsing and evaluation. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "image/policy.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-policy-XXXXXX";

#include "tmpdir.h"

static image_policy *parse(const char *text)
{
	image_policy *p = NULL;
	cpod_error *err = NULL;

	if (policy_parse(text, strlen(text), "test.json", &p, &err) < 0) {
		diag("parse failed: %s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return p;
}

/* 0 accepted, else the error message checked against want. */
static void check(const image_policy *p, const char *transport, const char *ref, const char *want)
{
	cpod_error *err = NULL;
	int r = policy_check(p, transport, ref, &err);

	if (!want)
		ok(r == 0, "%s://%s accepted", transport, ref);
	else
		ok(r < 0 && cpod_error_kind(err) == CPOD_ERR_INVALID &&
			   strstr(cpod_error_message(err), want),
		   "%s://%s refused with '%s' (got: %s)", transport, ref, want,
		   err ? cpod_error_message(err) : "accepted");
	cpod_error_free(err);
}

static void test_default(void)
{
	_cleanup_(policy_freep) image_policy *acc = parse("{\"default\":[{\"type\":"
							  "\"insecureAcceptAnything\"}]}");
	_cleanup_(policy_freep) image_policy *rej = parse("{\"default\":[{\"type\":\"reject\"}]}");

	ok(acc && rej, "both parse");
	check(acc, "docker", "quay.io/a/b:1", NULL);
	check(rej, "docker", "quay.io/a/b:1",
	      "Running image docker://quay.io/a/b:1 is rejected by policy.");
}

static void test_scopes(void)
{
	_cleanup_(policy_freep) image_policy *p =
		parse("{\"default\":[{\"type\":\"reject\"}],"
		      " \"transports\":{\"docker\":{"
		      "   \"quay.io/ok\":[{\"type\":\"insecureAcceptAnything\"}],"
		      "   \"quay.io/ok/bad\":[{\"type\":\"reject\"}],"
		      "   \"quay.io/ok/img:good\":[{\"type\":\"insecureAcceptAnything\"}],"
		      "   \"localhost:5000\":[{\"type\":\"insecureAcceptAnything\"}],"
		      "   \"*.example.com\":[{\"type\":\"insecureAcceptAnything\"}],"
		      "   "
		      "\"signed.io\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":"
		      "\"/k\"}],"
		      "   \"sig.io\":[{\"type\":\"insecureAcceptAnything\"},"
		      "              {\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\"}]},"
		      "  \"oci\":{\"\":[{\"type\":\"insecureAcceptAnything\"}]}}}");

	ok(p != NULL, "scoped policy parses");
	check(p, "docker", "quay.io/ok/x:1", NULL);
	check(p, "docker",
	      "quay.io/ok/deep/er@sha256:"
	      "0123456789012345678901234567890123456789012345678901234567890123",
	      NULL);
	check(p, "docker", "quay.io/ok/bad:1", "rejected by policy");
	check(p, "docker", "quay.io/ok/img:good", NULL);
	check(p, "docker", "quay.io/other:1", "rejected by policy");
	check(p, "docker", "quay.io/okay/x:1", "rejected by policy");
	check(p, "docker", "localhost:5000/a:latest", NULL);
	check(p, "docker", "localhost:5001/a:latest", "rejected by policy");
	check(p, "docker", "reg.example.com/a:1", NULL);
	check(p, "docker", "a.b.example.com/a:1", NULL);
	check(p, "docker", "example.com/a:1", "rejected by policy");
	check(p, "docker", "signed.io/a:1", "signature verification is not supported yet");
	check(p, "docker", "sig.io/a:1", "'sigstoreSigned'");
	check(p, "oci", "/some/dir", NULL);
	check(p, "dir", "/some/dir", "rejected by policy");
}

static void test_invalid(void)
{
	const char *bad[] = {
		"",
		"[]",
		"{}",
		"{\"default\":[]}",
		"{\"default\":[{\"type\":\"acceptEverything\"}]}",
		"{\"default\":[{}]}",
		"{\"default\":[{\"type\":\"reject\"}],\"transports\":[]}",
		"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"x\":[]}}}",
		"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"x\":{}}}}",
		NULL,
	};

	for (const char **b = bad; *b; b++) {
		image_policy *p = NULL;
		cpod_error *err = NULL;

		ok(policy_parse(*b, strlen(*b), "bad.json", &p, &err) < 0 && !p &&
			   strstr(cpod_error_message(err), "invalid policy in 'bad.json'"),
		   "refused: %s (%s)", *b, err ? cpod_error_message(err) : "accepted");
		cpod_error_free(err);
		policy_free(p);
	}
}

static void test_load(void)
{
	_cleanup_free_ char *home = path_of("home"), *given = path_of("given.json");
	_cleanup_free_ char *missing = path_of("missing.json");
	image_policy *p = NULL;
	cpod_error *err = NULL;

	write_file("home/.config/containers/policy.json", "{\"default\":[{\"type\":\"reject\"}]}");
	write_file("given.json", "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
	ok(policy_load(NULL, home, &p, &err) == 0, "the user's policy is loaded");
	check(p, "docker", "a.io/b:1", "rejected");
	policy_free(p);
	ok(policy_load(given, home, &p, &err) == 0, "a given path wins");
	check(p, "docker", "a.io/b:1", NULL);
	policy_free(p);
	ok(policy_load(missing, home, &p, &err) < 0 && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND,
	   "a missing file is an error");
	ok(strstr(cpod_error_message(err), "missing.json") != NULL, "naming it: %s",
	   cpod_error_message(err));
	cpod_error_free(err);
}

int main(void)
{
	if (!mkdtemp(tmp))
		abort();
	test_default();
	test_scopes();
	test_invalid();
	test_load();
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
