/* OCI hooks: reading hooks.d, masking, matching and merging into the spec. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "oci/hooks.h"
#include "oci/spec.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-hooks-XXXXXX";
#include "tmpdir.h"

static char *bin; /* an existing hook program */
static char *d1, *d2;

/* Writes dir/name with a hook running bin with args [tag], for when and stages. */
static void hook(const char *dir, const char *name, const char *tag, const char *when,
		 const char *stages)
{
	_cleanup_free_ char *rel = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *text = xasprintf("{\"version\":\"1.0.0\",\"hook\":{\"path\":\"%s\","
					      "\"args\":[\"%s\"],"
					      "\"env\":[\"A=1\"],\"timeout\":5},\"when\":%s,"
					      "\"stages\":%s}",
					      bin, tag, when, stages);

	write_file(rel, text);
}

static json_object *spec_of(const char *args0, const char *annotations, bool user_bind)
{
	_cleanup_free_ char *text =
		xasprintf("{\"process\":{\"args\":[%s%s%s]},\"annotations\":%s,\"mounts\":["
			  "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/b/"
			  "hosts\"}%s]}",
			  args0 ? "\"" : "", args0 ? args0 : "", args0 ? "\"" : "", annotations,
			  user_bind ? ",{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/"
				      "d\"}"
				    : "");

	return json_tokener_parse(text);
}

/* The tags (args[0]) of spec.hooks.<stage>, space-separated; "(none)" without the stage. */
static char *tags(json_object *spec, const char *stage)
{
	json_object *hooks, *list;
	buf b = BUF_INIT;

	if (!json_object_object_get_ex(spec, "hooks", &hooks) ||
	    !json_object_object_get_ex(hooks, stage, &list))
		return xstrdup("(none)");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *h = json_object_array_get_idx(list, i), *args;

		json_object_object_get_ex(h, "args", &args);
		buf_addf(&b, "%s%s", i ? " " : "",
			 json_object_get_string(json_object_array_get_idx(args, 0)));
	}
	return buf_detach(&b, NULL);
}

static int run(json_object *spec, char **msg)
{
	const char *dirs[] = { d1, d2, NULL };
	cpod_error *err = NULL;

	*msg = NULL;
	if (spec_hooks(dirs, spec, &err) < 0) {
		*msg = xstrdup(cpod_error_message(err));
		ok(cpod_error_kind(err) == CPOD_ERR_INVALID ||
			   cpod_error_kind(err) == CPOD_ERR_SYSTEM,
		   "error kind");
		cpod_error_free(err);
		return -1;
	}
	return 0;
}

static void check(json_object *spec, const char *stage, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL, *got = NULL;

	if (run(spec, &msg) < 0)
		diag("%s", msg);
	got = tags(spec, stage);
	is_str(got, want, "%s", name);
}

static void test_basics(void)
{
	_cleanup_json_ json_object *spec = NULL;
	json_object *h, *hooks;

	clean_dir();
	write_file("bin/hook", "#!/bin/sh\n");
	hook("d1", "b.json", "b", "{\"always\":true}", "[\"prestart\",\"poststop\"]");
	hook("d1", "A.json", "A", "{\"always\":true}", "[\"prestart\"]");
	hook("d1", "x.json", "x-d1", "{\"always\":true}", "[\"createRuntime\"]");
	hook("d2", "x.json", "x-d2", "{\"always\":true}", "[\"createRuntime\"]");
	hook("d1", "c.json.bak", "bak", "{\"always\":true}", "[\"prestart\"]");
	write_file("d1/README", "not a hook");
	spec = spec_of("/bin/sh", "{}", false);
	check(spec, "prestart", "A b", "hooks are ordered by lowercased file name");
	{
		_cleanup_free_ char *t = tags(spec, "poststop");

		is_str(t, "b", "a hook goes to each of its stages");
	}
	{
		_cleanup_free_ char *t = tags(spec, "createRuntime");

		is_str(t, "x-d2", "a later directory masks a file of the same name");
	}
	{
		_cleanup_free_ char *t = tags(spec, "startContainer");

		is_str(t, "(none)", "stages without hooks are not created");
	}
	json_object_object_get_ex(spec, "hooks", &hooks);
	h = json_object_array_get_idx(json_object_object_get(hooks, "prestart"), 0);
	{
		_cleanup_free_ char *want = NULL;

		want = xasprintf("{\"path\":\"%s\",\"args\":[\"A\"],\"env\":[\"A=1\"],\"timeout\":"
				 "5}",
				 bin);
		_cleanup_free_ char *got = json_to_string(h, JSON_FMT_COMPACT);

		is_str(got, want, "the hook object is path, args, env, timeout");
	}
}

static void test_when(void)
{
	json_object *spec;

	clean_dir();
	write_file("bin/hook", "#!/bin/sh\n");
	hook("d1", "ann.json", "ann",
	     "{\"annotations\":{\"^com\\\\.example\\\\.gpu$\":\"^(true|1)$\"}}", "[\"prestart\"]");
	hook("d1", "cmd.json", "cmd", "{\"commands\":[\"^/bin/sh$\",\"sleep\"]}", "[\"prestart\"]");
	hook("d1", "bind.json", "bind", "{\"hasBindMounts\":true}", "[\"prestart\"]");
	hook("d1", "nobind.json", "nobind", "{\"hasBindMounts\":false}", "[\"prestart\"]");
	hook("d1", "never.json", "never",
	     "{\"always\":false,\"annotations\":{\"com\\\\.example\\\\.gpu\":\"true\"}}",
	     "[\"prestart\"]");
	hook("d1", "and.json", "and",
	     "{\"always\":true,\"annotations\":{\"^com\\\\.example\\\\.gpu$\":\"^true$\"}}",
	     "[\"prestart\"]");
	hook("d1", "cmdbind.json", "cmdbind", "{\"hasBindMounts\":true,\"commands\":[\"sh\"]}",
	     "[\"prestart\"]");

	spec = spec_of("/bin/sh", "{\"com.example.gpu\":\"true\"}", false);
	check(spec, "prestart", "and ann cmd", "annotation and command matches");
	json_object_put(spec);
	spec = spec_of("/usr/bin/sleep", "{\"com.example.gpu\":\"false\",\"x\":\"1\"}", false);
	check(spec, "prestart", "cmd", "commands are searched, unanchored");
	json_object_put(spec);
	spec = spec_of("/bin/bash", "{\"other\":\"true\",\"com.example.gpu\":\"1\"}", true);
	check(spec, "prestart", "ann bind cmdbind", "bind mounts; an annotation among others");
	json_object_put(spec);
	spec = spec_of("/bin/bash", "{}", false);
	check(spec, "prestart", "(none)", "nothing matches: no hooks member");
	ok(!json_object_object_get(spec, "hooks"), "no hooks member when nothing matched");
	json_object_put(spec);
	spec = spec_of("/bin/ls", "{}", true);
	check(spec, "prestart", "bind", "with bind mounts but a command that does not match");
	json_object_put(spec);
	spec = spec_of(NULL, "{}", false);
	{
		_cleanup_free_ char *msg = NULL;

		ok(run(spec, &msg) < 0, "commands with empty process.args fail");
		ok(msg && strstr(msg, "process.args must have at least one entry"),
		   "empty args message: %s", msg ? msg : "");
	}
	json_object_put(spec);
}

static void test_has_bind_mounts(void)
{
	_cleanup_json_ json_object *none = spec_of("/bin/sh", "{}", false);
	_cleanup_json_ json_object *user = spec_of("/bin/sh", "{}", true);
	_cleanup_json_ json_object *init = NULL;

	init = json_tokener_parse("{\"mounts\":["
				  "{\"destination\":\"" SPEC_INIT_PATH "\",\"type\":\"bind\"},"
				  "{\"destination\":\"/run/.containerenv\",\"type\":\"bind\"},"
				  "{\"destination\":\"/t\",\"type\":\"tmpfs\"}]}");
	ok(!hooks_spec_has_bind_mounts(none), "the engine's /etc/hosts does not count");
	ok(hooks_spec_has_bind_mounts(user), "a user bind mount counts");
	ok(!hooks_spec_has_bind_mounts(init), "init, .containerenv and tmpfs do not count");
}

static void check_bad(const char *name, const char *text, const char *want)
{
	_cleanup_free_ char *rel = xasprintf("d2/%s", name), *path = path_of(rel);
	_cleanup_free_ char *msg = NULL, *named = xasprintf("hook '%s': ", path);
	_cleanup_json_ json_object *spec = spec_of("/bin/sh", "{}", false);

	clean_dir();
	write_file("bin/hook", "#!/bin/sh\n");
	write_file(rel, text);
	ok(run(spec, &msg) < 0, "bad hook %s fails", name);
	ok(msg && strstr(msg, named), "bad hook %s: the message names the file", name);
	ok(msg && strstr(msg, want), "bad hook %s: '%s' has '%s'", name, msg ? msg : "", want);
}

#define V "{\"version\":\"1.0.0\","
#define H(p) "\"hook\":{\"path\":\"" p "\"},"
#define W "\"when\":{\"always\":true},"
#define S "\"stages\":[\"prestart\"]}"

static void test_bad(void)
{
	_cleanup_free_ char *h = NULL;

	check_bad("old.json",
		  "{\"version\":\"0.1.0\",\"hook\":\"/bin/true\",\"stage\":[\"prestart\"]}",
		  "version 0.1.0 hooks are not supported, convert it to version 1.0.0");
	check_bad("noversion.json", "{\"hook\":{\"path\":\"/bin/true\"}," W S,
		  "version 0.1.0 hooks are not supported");
	check_bad("v2.json", "{\"version\":\"2.0\"," H("/bin/true") W S,
		  "unrecognized hook version: '2.0'");
	check_bad("nopath.json", V "\"hook\":{}," W S, "missing required property: hook.path");
	check_bad("nohook.json", V W S, "'hook': missing required value");
	check_bad("rel.json", V H("bin/true") W S, "hook.path 'bin/true' must be an absolute path");
	check_bad("badkey.json", V H("/bin/sh") "\"when\":{\"annotations\":{\"(\":\"x\"}}," S,
		  "invalid annotation key '('");
	check_bad("badval.json", V H("/bin/sh") "\"when\":{\"annotations\":{\"x\":\"[\"}}," S,
		  "invalid annotation value '['");
	check_bad("badcmd.json", V H("/bin/sh") "\"when\":{\"commands\":[\"(\"]}," S,
		  "invalid command '('");
	check_bad("nowhen.json", V H("/bin/sh") S,
		  "when: at least one of always, annotations, commands and hasBindMounts is "
		  "required");
	check_bad("emptywhen.json", V H("/bin/sh") "\"when\":{}," S, "when: at least one of");
	check_bad("nostages.json", V H("/bin/sh") W "\"x\":1}",
		  "missing required property: stages");
	check_bad("badstage.json", V H("/bin/sh") W "\"stages\":[\"prestart\",\"foo\"]}",
		  "unknown stage 'foo'");
	check_bad("syntax.json", "{\"version\":", "parsing hook");
	check_bad("timeout.json", V "\"hook\":{\"path\":\"/bin/sh\",\"timeout\":0}," W S,
		  "hook.timeout must be a positive number of seconds");
	check_bad("args.json", V "\"hook\":{\"path\":\"/bin/sh\",\"args\":[1]}," W S,
		  "'hook.args[0]'");
	check_bad("always.json", V H("/bin/sh") "\"when\":{\"always\":\"yes\"}," S,
		  "'when.always'");
	check_bad("array.json", "[]", "expected object");
	h = xmalloc(HOOKS_FILE_CAP + 2);
	memset(h, ' ', HOOKS_FILE_CAP + 1);
	h[HOOKS_FILE_CAP + 1] = '\0';
	check_bad("huge.json", h, "reading hook");
}

static void test_skips(void)
{
	_cleanup_free_ char *link = NULL, *msg = NULL, *dirname = NULL;
	_cleanup_json_ json_object *spec = spec_of("/bin/sh", "{}", false);
	hook_config *h = NULL;
	json_object *hooks;
	cpod_error *err = NULL;
	hooks_set s = { 0 };
	const char *dirs[] = { "/nonexistent/hooks.d", NULL };

	clean_dir();
	write_file("bin/hook", "#!/bin/sh\n");
	write_file("d1/gone.json", V "\"hook\":{\"path\":\"/nonexistent/bin/hook\"}," W S);
	hook("d1", "ok.json", "ok", "{\"always\":true}", "[\"prestart\",\"precreate\"]");
	link = path_of("d1/dangling.json");
	ok(symlink("/nonexistent/x.json", link) == 0, "a dangling hook symlink");
	check(spec, "prestart", "ok",
	      "a hook whose program is missing and a dangling file are skipped");
	hooks = json_object_object_get(spec, "hooks");
	ok(!json_object_object_get(hooks, "precreate"), "precreate is accepted, not in the spec");
	ok(hooks_load(dirs, &s, &err) == 0 && s.n == 0, "a missing directory is fine");
	ok(spec_hooks(NULL, spec, &err) == 0, "no hooks directories at all");
	free(link);
	link = path_of("d1/ok.json");
	ok(hooks_read_file(link, &h, &err) == 0 && h, "hooks_read_file reads one file");
	is_str(h ? hook_config_name(h) : NULL, "ok.json", "the hook's name is its file name");
	hook_config_free(h);
	dirname = path_of("d2");
	mkdir(dirname, 0755);
	free(dirname);
	dirname = path_of("d2/dir.json");
	mkdir(dirname, 0755);
	{
		_cleanup_json_ json_object *s2 = spec_of("/bin/sh", "{}", false);

		bool failed = run(s2, &msg) < 0;

		ok(failed && msg && strstr(msg, "reading hook"), "a directory x.json is an error");
	}
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	bin = path_of("bin/hook");
	d1 = path_of("d1");
	d2 = path_of("d2");
	test_basics();
	test_when();
	test_has_bind_mounts();
	test_bad();
	test_skips();
	free(bin), free(d1), free(d2);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
