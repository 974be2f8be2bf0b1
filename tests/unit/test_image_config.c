/* Image configs: parsing with typed errors, writing OCI JSON, podman's --change. */
#include <stdlib.h>
#include <string.h>

#include <cpod/error.h>

#include "image/image_config.h"
#include "tap.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char full[] =
	"{\"created\":\"2024-01-02T03:04:05Z\",\"author\":\"me\",\"architecture\":\"arm64\","
	"\"os\":\"linux\",\"variant\":\"v8\",\"config\":{\"User\":\"1000:1000\","
	"\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Env\":[\"PATH=/bin\",\"A=b\"],"
	"\"Entrypoint\":[\"/init\"],\"Cmd\":[\"run\",\"--x\"],\"Volumes\":{\"/data\":{}},"
	"\"WorkingDir\":\"/srv\",\"Labels\":{\"a\":\"1\",\"b.c\":\"2\"},\"StopSignal\":\"SIGINT\","
	"\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":30000000000,"
	"\"Timeout\":5000000000,\"StartPeriod\":1000000000,\"Retries\":3},"
	"\"OnBuild\":[\"RUN x\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2
	"\"]},\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"/bin/sh -c x\","
	"\"author\":\"a\",\"comment\":\"c\"},{\"created_by\":\"ENV A=b\",\"empty_layer\":true}]}";

static image_config *parse(const char *s)
{
	image_config *cfg = NULL;
	cpod_error *err = NULL;

	if (image_config_parse(s, strlen(s), &cfg, &err) < 0) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return cfg;
}

static void check_full(const image_config *c, const char *what)
{
	ok(c != NULL, "%s: parsed", what);
	if (!c)
		return;
	is_str(c->created, "2024-01-02T03:04:05Z", "%s: created", what);
	is_str(c->author, "me", "%s: author", what);
	is_str(c->architecture, "arm64", "%s: architecture", what);
	is_str(c->variant, "v8", "%s: variant", what);
	is_str(c->user, "1000:1000", "%s: user", what);
	is_int(c->exposed_ports.n, 2, "%s: two ports", what);
	ok(strv_contains((const char *const *)c->exposed_ports.v, "53/udp"), "%s: 53/udp", what);
	is_int(c->env.n, 2, "%s: env", what);
	is_str(c->entrypoint.v[0], "/init", "%s: entrypoint", what);
	is_int(c->cmd.n, 2, "%s: cmd", what);
	is_str(c->volumes.v[0], "/data", "%s: volume", what);
	is_str(c->working_dir, "/srv", "%s: workdir", what);
	is_str(image_config_get_label(c, "b.c"), "2", "%s: label with a dot", what);
	is_str(c->stop_signal, "SIGINT", "%s: stop signal", what);
	ok(c->healthcheck.present && c->healthcheck.retries == 3 &&
		   c->healthcheck.interval == 30000000000LL &&
		   c->healthcheck.timeout == 5000000000LL &&
		   c->healthcheck.start_period == 1000000000LL && c->healthcheck.test.n == 2,
	   "%s: healthcheck", what);
	is_str(c->on_build.v[0], "RUN x", "%s: onbuild", what);
	is_int(c->diff_ids.n, 2, "%s: diff ids", what);
	is_str(c->diff_ids.v[1], D2, "%s: second diff id", what);
	is_int(c->n_history, 2, "%s: history", what);
	if (c->n_history == 2) {
		is_str(c->history[0].created_by, "/bin/sh -c x", "%s: created_by", what);
		is_str(c->history[0].comment, "c", "%s: comment", what);
		ok(!c->history[0].empty_layer && c->history[1].empty_layer, "%s: empty_layer",
		   what);
	}
}

static void test_round_trip(void)
{
	image_config *c = parse(full), *c2;
	char *json;

	check_full(c, "parse");
	if (!c)
		return;
	json = image_config_to_json(c);
	c2 = parse(json);
	check_full(c2, "round trip");
	ok(strstr(json, "\"rootfs\":{\"type\":\"layers\"") != NULL, "rootfs written");
	free(json);
	image_config_free(c);
	image_config_free(c2);

	c = image_config_new();
	json = image_config_to_json(c);
	is_str(json, "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "empty config");
	free(json);
	image_config_free(c);
}

static void expect_error(const char *json, const char *msg)
{
	image_config *cfg = NULL;
	cpod_error *err = NULL;

	ok(image_config_parse(json, strlen(json), &cfg, &err) == -1 && !cfg, "refused: %s", json);
	is_str(err ? cpod_error_message(err) : NULL, msg, "message for %s", json);
	cpod_error_free(err);
}

static void test_errors(void)
{
	expect_error("[]", "parsing image config: top-level value: expected object, got array");
	expect_error("{\"config\":{\"Env\":[\"A=b\",3]}}", "parsing image config: 'config.Env[1]': "
							   "expected string, got integer");
	expect_error("{\"config\":{\"Labels\":{\"a\":1}}}", "parsing image config: "
							    "'config.Labels.a': expected string, "
							    "got integer");
	expect_error("{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}", "parsing image config: "
								     "'config.ExposedPorts': "
								     "expected object, got array");
	expect_error("{\"rootfs\":{\"type\":\"tarball\"}}", "parsing image config: 'rootfs.type': "
							    "unsupported rootfs type \"tarball\"");
	expect_error("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:zz\"]}}",
		     "parsing image config: 'rootfs.diff_ids[0]': invalid digest \"sha256:zz\"");
	expect_error("{\"history\":[{\"empty_layer\":\"yes\"}]}", "parsing image config: "
								  "'history[0].empty_layer': "
								  "expected boolean, got string");
	expect_error("{\"config\":{\"Healthcheck\":{\"Retries\":\"3\"}}}", "parsing image config: "
									   "'config.Healthcheck."
									   "Retries': expected "
									   "integer, got string");
}

/* The elements joined by '|' (a static buffer, so the checks below leak nothing). */
static const char *joined(char **v)
{
	static char out[1024];
	char *s = strv_join((const char *const *)v, "|");

	snprintf(out, sizeof(out), "%s", s);
	free(s);
	return out;
}

static image_config *changed(const char *const *changes, const char **ret_msg)
{
	static char msg[512];
	image_config *cfg = image_config_new();
	cpod_error *err = NULL;

	*ret_msg = NULL;
	for (size_t i = 0; changes[i]; i++) {
		if (image_config_apply_change(cfg, changes[i], &err) < 0) {
			snprintf(msg, sizeof(msg), "%s", cpod_error_message(err));
			*ret_msg = msg;
			cpod_error_free(err);
			break;
		}
	}
	return cfg;
}

#define CHANGES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_changes(void)
{
	const char *msg;
	image_config *c;
	char *json;

	c = changed(CHANGES("CMD echo hi", "ENTRYPOINT [\"/bin/tini\",\"--\"]", "USER nobody",
			    "ENV A=1", "ENV \"B\"=\"two words\"", "ENV C 3 4", "EXPOSE 80",
			    "expose 53/UDP", "EXPOSE 80/tcp", "LABEL \"k\"=\"v v\"",
			    "LABEL x=", "ONBUILD RUN make", "STOPSIGNAL TERM", "VOLUME /a /b",
			    "VOLUME [\"/c\"]", "WORKDIR /srv", "WORKDIR app/../web", "WORKDIR=./x"),
		    &msg);
	is_str(msg, NULL, "all changes apply");
	is_str(joined(c->cmd.v), "/bin/sh|-c|echo hi", "CMD shell");
	is_str(joined(c->entrypoint.v), "/bin/tini|--", "ENTRYPOINT json");
	is_str(c->user, "nobody", "USER");
	is_str(joined(c->env.v), "A=1|B=two words|C=3 4", "ENV forms");
	is_str(joined(c->exposed_ports.v), "80/tcp|53/udp", "EXPOSE forms, no duplicate");
	is_str(image_config_get_label(c, "k"), "v v", "LABEL quoted");
	is_str(image_config_get_label(c, "x"), "", "LABEL empty value");
	is_str(c->on_build.v[0], "RUN make", "ONBUILD");
	is_str(c->stop_signal, "15", "STOPSIGNAL as a number");
	is_str(joined(c->volumes.v), "/a|/b|/c", "VOLUME forms");
	is_str(c->working_dir, "/srv/web/x", "WORKDIR joins relative paths");
	json = image_config_to_json(c);
	ok(strstr(json, "\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]") != NULL, "CMD in JSON");
	ok(strstr(json, "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}") != NULL, "ports in JSON");
	free(json);
	image_config_free(c);

	c = changed(CHANGES("ENTRYPOINT ", "CMD [\"a\"]", "CMD "), &msg);
	ok(c->entrypoint_set && c->entrypoint.n == 0, "empty ENTRYPOINT clears it");
	is_str(joined(c->cmd.v), "/bin/sh|-c", "empty CMD is sh -c");
	json = image_config_to_json(c);
	ok(strstr(json, "\"Entrypoint\":[]") != NULL, "cleared entrypoint written as []");
	free(json);
	image_config_free(c);

	c = changed(CHANGES("STOPSIGNAL sigkill"), &msg);
	is_str(c->stop_signal, "9", "STOPSIGNAL sigkill");
	image_config_free(c);
	c = changed(CHANGES("STOPSIGNAL 10"), &msg);
	is_str(c->stop_signal, "10", "STOPSIGNAL number");
	image_config_free(c);
}

static void expect_change_error(const char *change, const char *want)
{
	const char *msg;
	image_config *c = changed(CHANGES(change), &msg);

	is_str(msg, want, "error for '%s'", change);
	image_config_free(c);
}

static void test_change_errors(void)
{
	expect_change_error("CMD", "invalid change \"CMD\" - must be formatted as KEY VALUE");
	expect_change_error("FROM alpine", "invalid change \"FROM alpine\" - invalid instruction "
					   "FROM (valid "
					   "instructions are CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
					   "ONBUILD, "
					   "STOPSIGNAL, USER, VOLUME, WORKDIR)");
	expect_change_error("USER ", "invalid change \"USER \" - must provide a value to USER");
	expect_change_error("EXPOSE 80/tcp/x", "invalid change \"EXPOSE 80/tcp/x\" - EXPOSE port "
					       "must be formatted as "
					       "PORT[/PROTO]");
	expect_change_error("EXPOSE http", "invalid change \"EXPOSE http\" - EXPOSE port must be "
					   "an integer");
	expect_change_error("EXPOSE 70000", "invalid change \"EXPOSE 70000\" - EXPOSE port must be "
					    "a valid port "
					    "number");
	expect_change_error("EXPOSE 80/sctp", "invalid change \"EXPOSE 80/sctp\" - EXPOSE protocol "
					      "must be TCP or UDP");
	expect_change_error("ENV =x", "invalid change \"ENV =x\" - ENV must have at least one "
				      "argument");
	expect_change_error("LABEL novalue", "invalid change \"LABEL novalue\" - LABEL must be "
					     "formatted key=value");
	expect_change_error("LABEL \"\"=v", "invalid change \"LABEL \"\"=v\" - LABEL must have a "
					    "non-empty key");
	expect_change_error("VOLUME []", "invalid change \"VOLUME []\" - must provide at least "
					 "one argument to VOLUME");
	expect_change_error("VOLUME /a  /b", "invalid change \"VOLUME /a  /b\" - VOLUME paths must "
					     "not be empty");
	expect_change_error("WORKDIR ", "invalid change \"WORKDIR \" - must provide a non-empty "
					"WORKDIR");
	expect_change_error("STOPSIGNAL SIGNOPE", "invalid change \"STOPSIGNAL SIGNOPE\" - "
						  "KILLSIGNAL must be given a "
						  "valid signal: invalid signal: SIGNOPE");
	expect_change_error("ONBUILD ", "invalid change \"ONBUILD \" - ONBUILD must be given an "
					"argument");
}

int main(void)
{
	test_round_trip();
	test_errors();
	test_changes();
	test_change_errors();
	return done_testing();
}
