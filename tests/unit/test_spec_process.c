/* spec_process(): args, env, cwd, user and groups, umask, terminal. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/spec.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-spec-process-XXXXXX";
#include "tmpdir.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static containers_conf *cc;
static char *rootfs;
static int rootfd = -1;
static json_object *volume_mounts;
static const char *hostname = "myhost";

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n";
static const char group_text[] = "root:x:0:root\n"
				 "bin:x:1:root\n"
				 "wheel:x:10:root,alice\n"
				 "users:x:100:alice\n";

static void make_rootfs(void)
{
	clean_dir();
	write_file("root/etc/passwd", passwd_text);
	write_file("root/etc/group", group_text);
	write_file("root/bin/sh", "");
	write_file("root/srv/.keep", "");
	if (rootfd >= 0)
		close(rootfd);
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static json_object *parse(const char *text)
{
	return text ? json_tokener_parse(text) : NULL;
}

static json_object *base_spec(void)
{
	return json_tokener_parse("{\"ociVersion\":\"1.0.2\",\"process\":{},\"root\":{},"
				  "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
				  "\"source\":\"proc\"}],\"linux\":{}}");
}

/* Runs spec_process on a fresh base spec.  Returns the spec, or NULL with *msg set. */
static json_object *gen(const char *sg_text, const char *img_text, char **msg)
{
	_cleanup_json_ json_object *sg = parse(sg_text), *img = parse(img_text);
	json_object *spec = base_spec();
	cpod_error *err = NULL;
	spec_ctx ctx = {
		.id = ID,
		.name = "test",
		.sg = sg,
		.image_config = img,
		.cc = cc,
		.rootfs = rootfs,
		.rootfs_fd = rootfd,
		.volume_mounts = volume_mounts,
		.cgroup_parent = "/cpod",
		.hostname = hostname,
	};

	*msg = NULL;
	if ((sg_text && !sg) || (img_text && !img))
		abort();
	if (spec_process(&ctx, spec, &err) < 0) {
		*msg = xstrdup(cpod_error_message(err));
		if (cpod_error_kind(err) != CPOD_ERR_INVALID)
			diag("error kind %d: %s", cpod_error_kind(err), *msg);
		cpod_error_free(err);
		json_object_put(spec);
		return NULL;
	}
	return spec;
}

static json_object *get(json_object *o, const char *path)
{
	_cleanup_strv_free_ char **parts = strv_split(path, ".", 1);

	for (char **p = parts; o && *p; p++)
		if (!json_object_object_get_ex(o, *p, &o))
			return NULL;
	return o;
}

/* A JSON array member as one string "a b c" (compact JSON of the array otherwise). */
static char *arr(json_object *spec, const char *path)
{
	json_object *a = get(spec, path);
	buf b = BUF_INIT;

	if (!a)
		return xstrdup("(none)");
	for (size_t i = 0; i < json_object_array_length(a); i++)
		buf_addf(&b, "%s%s", i ? " " : "",
			 json_object_get_string(json_object_array_get_idx(a, i)));
	return buf_detach(&b, NULL);
}

static void check_args(const char *sg, const char *img, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL, *got = NULL;
	_cleanup_json_ json_object *spec = gen(sg, img, &msg);

	got = spec ? arr(spec, "process.args") : NULL;
	is_str(got, want, "args: %s", name);
	if (msg)
		diag("%s", msg);
}

static void check_fails(const char *sg, const char *img, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_json_ json_object *spec = gen(sg, img, &msg);

	ok(!spec, "fails: %s", name);
	ok(msg && strstr(msg, want), "message of %s: '%s' has '%s'", name, msg ? msg : "", want);
}

#define IMG "{\"Entrypoint\":[\"/ep\",\"-x\"],\"Cmd\":[\"c1\",\"c2\"]}"

static void test_args(void)
{
	check_args("{\"command\":[\"a\",\"b\"]}", NULL, "a b", "command alone");
	check_args("{}", IMG, "/ep -x c1 c2", "image entrypoint and cmd");
	check_args("{\"command\":[\"x\"]}", IMG, "/ep -x x", "command replaces cmd");
	check_args("{\"entrypoint\":[\"/e2\"]}", IMG, "/e2", "entrypoint drops the image cmd");
	check_args("{\"entrypoint\":[\"/e2\"],\"command\":[\"y\"]}", IMG, "/e2 y",
		   "entrypoint and command");
	check_args("{\"entrypoint\":[\"\"],\"command\":[\"z\"]}", IMG, "z",
		   "entrypoint [\"\"] is none");
	check_args("{\"entrypoint\":[]}", IMG, "c1 c2", "entrypoint [] keeps the image cmd");
	check_args("{\"entrypoint\":null}", IMG, "/ep -x c1 c2", "entrypoint null is absent");
	check_args("{}", "{\"Cmd\":[\"only\"]}", "only", "image cmd alone");
	check_args("{}", "{\"Entrypoint\":null,\"Cmd\":null}", NULL, "nothing at all");
	check_fails("{\"entrypoint\":[\"\"]}", IMG,
		    "no command or entrypoint provided, and no CMD or ENTRYPOINT from image",
		    "entrypoint [\"\"] without command");
	check_fails("{}", NULL,
		    "no command or entrypoint provided, and no CMD or ENTRYPOINT from image",
		    "no image and no command");
	check_fails("{\"command\":[1]}", NULL, "'command[0]'", "a number in command");
	check_fails("{\"entrypoint\":\"sh\"}", NULL, "'entrypoint'", "entrypoint not an array");
	check_fails("{}", "{\"Cmd\":[true]}", "image config: 'Cmd[0]'", "a bad image Cmd");
	check_fails("{}", "{\"Entrypoint\":[1]}", "image config: 'Entrypoint[0]'",
		    "a bad image Entrypoint");
	check_fails("{}", "{\"Entrypoint\":[\"a\",2]}", "image config: 'Entrypoint[1]'",
		    "a bad second image Entrypoint element");
	check_args("{\"command\":[\"a\"],\"init\":true}", NULL, SPEC_INIT_PATH " -- a", "init");
	free(cc->engine_init_path);
	cc->engine_init_path = xstrdup("");
	check_fails("{\"command\":[\"a\"],\"init\":true}", NULL,
		    "no path to init binary found but container requested an init",
		    "init without path");
	check_args("{\"command\":[\"a\"],\"init\":true,\"init_path\":\"/x/init\"}", NULL,
		   SPEC_INIT_PATH " -- a", "init with init_path");
	free(cc->engine_init_path);
	cc->engine_init_path = xstrdup("/usr/libexec/podman/catatonit");
}

/* The value of KEY in process.env, or NULL; "(dup)" when it is there twice. */
static const char *env_of(json_object *spec, const char *key)
{
	json_object *env = get(spec, "process.env");
	size_t kl = strlen(key);
	const char *found = NULL;

	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (strncmp(e, key, kl) == 0 && e[kl] == '=') {
			if (found)
				return "(dup)";
			found = e + kl + 1;
		}
	}
	return found;
}

static void set_cc_env(const char *const *v)
{
	strv_clear(&cc->env);
	strv_pushv(&cc->env, v);
}

static const char *const conf_env[] = { "PATH=/cc/bin", "CCVAR=cc",   "HOSTPASS",
					"PFX_*",	"TERM=xterm", NULL };

static void test_env(void)
{
	_cleanup_free_ char *msg = NULL;
	json_object *spec;

	set_cc_env(conf_env);
	setenv("HOSTPASS", "fromhost", 1);
	setenv("PFX_A", "a", 1);
	setenv("PFX_B", "b", 1);
	setenv("CPOD_TEST_HOSTVAR", "host", 1);
	setenv("http_proxy", "http://proxy:3128", 1);
	spec = gen("{\"command\":[\"sh\"],\"env\":{\"SGVAR\":\"sg\",\"IMGVAR\":\"sg-wins\"}}",
		   "{\"Env\":[\"CCVAR=img\",\"IMGVAR=img\",\"IMGONLY=1\",\"NOEQUALS\"]}", &msg);
	ok(spec != NULL, "env: generated");
	is_str(env_of(spec, "PATH"), "/cc/bin", "env: containers.conf PATH over the default");
	is_str(env_of(spec, "container"), "podman", "env: container=podman for image containers");
	is_str(env_of(spec, "TERM"), "xterm", "env: TERM=xterm without a terminal");
	is_str(env_of(spec, "CCVAR"), "img", "env: image Env over containers.conf");
	is_str(env_of(spec, "IMGVAR"), "sg-wins", "env: specgen env over image Env");
	is_str(env_of(spec, "IMGONLY"), "1", "env: image-only variable");
	is_str(env_of(spec, "SGVAR"), "sg", "env: specgen variable");
	ok(!env_of(spec, "NOEQUALS"), "env: an image entry without '=' is skipped");
	is_str(env_of(spec, "HOSTPASS"), "fromhost",
	       "env: a bare containers.conf name is the host's");
	is_str(env_of(spec, "PFX_A"), "a", "env: PREFIX* takes host variables (a)");
	is_str(env_of(spec, "PFX_B"), "b", "env: PREFIX* takes host variables (b)");
	ok(!env_of(spec, "CPOD_TEST_HOSTVAR"), "env: no host variables without env_host");
	is_str(env_of(spec, "http_proxy"), "http://proxy:3128", "env: proxy variables by default");
	is_str(env_of(spec, "HOSTNAME"), "myhost", "env: HOSTNAME");
	is_str(env_of(spec, "HOME"), "/root", "env: HOME of root from passwd");
	json_object_put(spec);

	spec = gen("{\"command\":[\"sh\"],\"env_host\":true,\"httpproxy\":false}",
		   "{\"Env\":[\"CPOD_TEST_HOSTVAR=img\"]}", &msg);
	is_str(env_of(spec, "CPOD_TEST_HOSTVAR"), "host", "env: env_host wins over image Env");
	is_str(env_of(spec, "HOSTPASS"), "fromhost", "env: env_host brings all host variables");
	json_object_put(spec);

	spec = gen("{\"command\":[\"sh\"],\"httpproxy\":false}", NULL, &msg);
	ok(!env_of(spec, "http_proxy"), "env: httpproxy false leaves the proxy out");
	ok(!env_of(spec, "container"), "env: no container= without an image");
	is_str(env_of(spec, "PATH"), "/cc/bin", "env: PATH from containers.conf without an image");
	json_object_put(spec);

	spec = gen("{\"command\":[\"sh\"],\"unsetenv\":[\"CCVAR\",\"PATH\"],"
		   "\"env\":{\"KEEP\":\"1\"}}",
		   "{\"Env\":[\"CCVAR=img\"]}", &msg);
	ok(!env_of(spec, "CCVAR") && !env_of(spec, "PATH"), "env: unsetenv removes defaults");
	is_str(env_of(spec, "KEEP"), "1", "env: unsetenv keeps specgen env");
	json_object_put(spec);

	spec = gen("{\"command\":[\"sh\"],\"unsetenvall\":true,\"httpproxy\":false,"
		   "\"env\":{\"KEEP\":\"1\",\"CCVAR\":\"mine\"}}",
		   "{\"Env\":[\"IMGONLY=1\"]}", &msg);
	ok(!env_of(spec, "PATH") && !env_of(spec, "TERM") && !env_of(spec, "container") &&
		   !env_of(spec, "IMGONLY") && !env_of(spec, "HOSTPASS"),
	   "env: unsetenvall drops podman's, containers.conf and image defaults");
	is_str(env_of(spec, "CCVAR"), "mine", "env: unsetenvall keeps specgen env");
	is_str(env_of(spec, "HOSTNAME"), "myhost", "env: HOSTNAME still set after unsetenvall");
	is_str(env_of(spec, "HOME"), "/root", "env: HOME still set after unsetenvall");
	json_object_put(spec);
}

static void test_env_extras(void)
{
	_cleanup_free_ char *msg = NULL;
	json_object *spec;

	spec = gen("{\"command\":[\"sh\"],\"env\":{\"HOSTNAME\":\"given\",\"HOME\":\"/h\"}}", NULL,
		   &msg);
	is_str(env_of(spec, "HOSTNAME"), "given", "env: a given HOSTNAME wins");
	is_str(env_of(spec, "HOME"), "/h", "env: a given HOME wins");
	json_object_put(spec);

	spec = gen("{\"command\":[\"sh\"],\"utsns\":{\"nsmode\":\"host\"}}", NULL, &msg);
	{
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		is_str(env_of(spec, "HOSTNAME"), host, "env: utsns host gives the host's name");
	}
	json_object_put(spec);

	setenv("LISTEN_PID", "999", 1);
	setenv("LISTEN_FDS", "3", 1);
	spec = gen("{\"command\":[\"sh\"]}", NULL, &msg);
	is_str(env_of(spec, "LISTEN_PID"), "1", "env: LISTEN_PID becomes 1");
	is_str(env_of(spec, "LISTEN_FDS"), "3", "env: LISTEN_FDS passes");
	ok(!env_of(spec, "LISTEN_FDNAMES"), "env: LISTEN_FDNAMES only when set");
	json_object_put(spec);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");

	check_fails("{\"command\":[\"sh\"],\"env\":{\"A\":1}}", NULL, "'env.A'", "non-string env");
	check_fails("{\"command\":[\"sh\"],\"env\":{\"\":\"x\"}}", NULL,
		    "invalid environment variable: \"=x\"", "empty env name");
	check_fails("{\"command\":[\"sh\"],\"env\":{\"A=B\":\"x\"}}", NULL,
		    "invalid environment variable: \"A=B=x\"", "'=' in an env name");
	check_fails("{\"command\":[\"sh\"]}", "{\"Env\":[\"=bad\"]}",
		    "env fields from image failed to parse: invalid environment variable: \"=bad\"",
		    "a bad image Env");
	check_fails("{\"command\":[\"sh\"],\"unsetenv\":[3]}", NULL, "'unsetenv[0]'",
		    "non-string unsetenv");
	{
		static const char *const bad[] = { "=x", NULL };

		set_cc_env(bad);
		check_fails("{\"command\":[\"sh\"]}", NULL,
			    "parsing fields in containers.conf: invalid environment variable: "
			    "\"=x\"",
			    "a bad containers.conf env");
	}
	set_cc_env(conf_env);
	unsetenv("http_proxy");
}

static char *user_of(json_object *spec)
{
	json_object *u = get(spec, "process.user");
	_cleanup_free_ char *gids = arr(spec, "process.user.additionalGids");

	return xasprintf("%s:%s [%s]", json_object_get_string(get(u, "uid")),
			 json_object_get_string(get(u, "gid")), gids);
}

static void check_user(const char *sg, const char *img, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL, *got = NULL;
	_cleanup_json_ json_object *spec = gen(sg, img, &msg);

	got = spec ? user_of(spec) : NULL;
	is_str(got, want, "user: %s", name);
	if (msg)
		diag("%s", msg);
}

static void test_user(void)
{
	_cleanup_free_ char *msg = NULL;
	json_object *spec;

	check_user("{\"command\":[\"sh\"]}", NULL, "0:0 [0 1 10]",
		   "root by default, with its groups");
	check_user("{\"command\":[\"sh\"]}", "{\"User\":\"alice\",\"Cmd\":[\"sh\"]}",
		   "1000:1000 [1000 10 100]", "the image's user");
	check_user("{\"command\":[\"sh\"],\"user\":\"root\"}", "{\"User\":\"alice\"}",
		   "0:0 [0 1 10]", "specgen user over the image's");
	check_user("{\"command\":[\"sh\"],\"user\":\"alice:wheel\"}", NULL, "1000:10 [10]",
		   "user:group has no supplementary groups");
	check_user("{\"command\":[\"sh\"],\"user\":\"1000:100\"}", NULL, "1000:100 [100]",
		   "uid:gid");
	check_user("{\"command\":[\"sh\"],\"user\":\"4242\"}", NULL, "4242:0 [0]", "unknown uid");
	check_user("{\"command\":[\"sh\"],\"user\":\"alice\",\"groups\":[\"users\",\"4000\","
		   "\"bin\"]}",
		   NULL, "1000:1000 [1000 100 4000 1 10]", "groups: given, then the user's own");
	check_fails("{\"command\":[\"sh\"],\"user\":\"nobody\"}", NULL,
		    "unable to find user nobody: no matching entries in passwd file",
		    "unknown user");
	{
		_cleanup_free_ char *m2 = NULL;
		_cleanup_json_ json_object *s2 =
			gen("{\"command\":[\"sh\"],\"user\":\"nobody\"}", NULL, &m2);

		is_str(m2, "unable to find user nobody: no matching entries in passwd file",
		       "unknown user: the exact message");
	}
	check_fails("{\"command\":[\"sh\"],\"user\":\"alice:nogroup\"}", NULL,
		    "unable to find group nogroup: no matching entries in group file",
		    "unknown group");
	check_fails("{\"command\":[\"sh\"],\"groups\":[\"nogroup\"]}", NULL,
		    "looking up supplemental groups for container " ID ": unable to find group "
		    "nogroup: no matching "
		    "entries in group file",
		    "unknown --group-add group");
	check_fails("{\"command\":[\"sh\"],\"groups\":[7]}", NULL, "'groups[0]'",
		    "a number in groups");
	check_fails("{\"command\":[\"sh\"],\"user\":5}", NULL, "'user'", "user not a string");

	spec = gen("{\"command\":[\"sh\"],\"user\":\"4242\"}", NULL, &msg);
	is_str(env_of(spec, "HOME"), "/", "HOME is / for a user without a passwd entry");
	json_object_put(spec);
	spec = gen("{\"command\":[\"sh\"],\"user\":\"alice\"}", NULL, &msg);
	is_str(env_of(spec, "HOME"), "/home/alice", "HOME from passwd");
	json_object_put(spec);
}

static void test_user_files(void)
{
	_cleanup_free_ char *link = NULL, *alt = NULL, *sg = NULL;

	/* /etc/passwd pointing out of the rootfs resolves inside it. */
	write_file("host-passwd", "evil:x:0:0::/:/bin/sh\n");
	link = path_of("root/etc/passwd");
	unlink(link);
	ok(symlink("/../../host-passwd", link) == 0, "passwd symlink to /../../host-passwd");
	check_fails("{\"command\":[\"sh\"],\"user\":\"evil\"}", NULL,
		    "unable to find user evil: no matching entries in passwd file",
		    "the host's file is not read through the symlink");
	write_file("root/host-passwd", "inside:x:33:33::/in:/bin/sh\n");
	check_user("{\"command\":[\"sh\"],\"user\":\"inside\"}", NULL, "33:33 [33]",
		   "the symlink resolves inside the rootfs");

	/* A bind mount over /etc/passwd is where the user is looked up. */
	write_file("alt/passwd", "mounted:x:55:56::/m:/bin/sh\n");
	alt = path_of("alt/passwd");
	sg = xasprintf("{\"command\":[\"sh\"],\"user\":\"mounted\",\"mounts\":[{\"destination\":"
		       "\"/etc/passwd\",\"type\":\"bind\",\"source\":\"%s\"}]}",
		       alt);
	check_user(sg, NULL, "55:56 [56]", "user from a bind mount over /etc/passwd");
	free(sg);
	alt[strlen(alt) - strlen("/passwd")] = '\0';
	sg = xasprintf("{\"command\":[\"sh\"],\"user\":\"mounted\",\"mounts\":[{\"destination\":"
		       "\"/etc\",\"type\":\"bind\",\"source\":\"%s\"}]}",
		       alt);
	check_user(sg, NULL, "55:56 [56]", "user from a bind mount over /etc");
	make_rootfs();

	/* Without a rootfs, numbers still work and names do not. */
	{
		int saved = rootfd;

		rootfd = -1;
		check_user("{\"command\":[\"sh\"],\"user\":\"7:8\"}", NULL, "7:8 [8]",
			   "numeric ids without files");
		check_fails("{\"command\":[\"sh\"],\"user\":\"alice\"}", NULL,
			    "unable to find user alice", "names need the files");
		rootfd = saved;
	}
}

static void test_cwd(void)
{
	_cleanup_free_ char *msg = NULL, *app = path_of("root/app/sub");
	json_object *spec;
	struct stat st;

	spec = gen("{\"command\":[\"sh\"]}", NULL, &msg);
	is_str(json_object_get_string(get(spec, "process.cwd")), "/", "cwd: / by default");
	json_object_put(spec);
	spec = gen("{\"command\":[\"sh\"]}", "{\"WorkingDir\":\"/app/sub\",\"User\":\"alice\"}",
		   &msg);
	is_str(json_object_get_string(get(spec, "process.cwd")), "/app/sub",
	       "cwd: the image's WorkingDir");
	ok(stat(app, &st) == 0 && S_ISDIR(st.st_mode), "cwd: the image's WorkingDir is created");
	if (geteuid() == 0)
		ok(st.st_uid == 1000 && st.st_gid == 1000, "cwd: created for the container user");
	json_object_put(spec);
	spec = gen("{\"command\":[\"sh\"],\"work_dir\":\"/srv\"}", "{\"WorkingDir\":\"/app\"}",
		   &msg);
	is_str(json_object_get_string(get(spec, "process.cwd")), "/srv", "cwd: work_dir wins");
	json_object_put(spec);
	check_fails("{\"command\":[\"sh\"],\"work_dir\":\"/nonexist\"}", NULL,
		    "workdir '/nonexist' does not exist on container " ID, "a missing work_dir");
	check_fails("{\"command\":[\"sh\"],\"work_dir\":\"rel\"}", NULL,
		    "invalid workdir 'rel': must be an absolute path", "a relative work_dir");
	check_fails("{\"command\":[\"sh\"]}", "{\"WorkingDir\":\"rel\"}",
		    "invalid workdir 'rel': must be an absolute path",
		    "a relative image WorkingDir");
	check_fails("{\"command\":[\"sh\"],\"work_dir\":\"/etc/passwd\"}", NULL,
		    "workdir '/etc/passwd' exists on container " ID ", but is not a directory",
		    "a work_dir that is a file");
	spec = gen("{\"command\":[\"sh\"],\"work_dir\":\"/data/x\",\"mounts\":[{\"destination\":"
		   "\"/data\",\"type\":\"tmpfs\"}]}",
		   NULL, &msg);
	ok(spec != NULL, "cwd: a work_dir on a mount need not exist");
	json_object_put(spec);
	spec = gen("{\"command\":[\"sh\"],\"work_dir\":\"/proc/1\"}", NULL, &msg);
	ok(spec != NULL, "cwd: a work_dir on a default mount need not exist");
	json_object_put(spec);
	volume_mounts = json_tokener_parse("[{\"destination\":\"/vol/a\",\"type\":\"bind\","
					   "\"source\":\"/tmp\",\"options\":[]}]");
	spec = gen("{\"command\":[\"sh\"],\"work_dir\":\"/vol\"}", NULL, &msg);
	ok(spec != NULL, "cwd: a parent of a volume need not exist");
	json_object_put(spec);
	json_object_put(volume_mounts);
	volume_mounts = NULL;
	spec = gen("{\"command\":[\"sh\"],\"work_dir\":\"/made\",\"create_working_dir\":true}",
		   NULL, &msg);
	ok(spec != NULL, "cwd: create_working_dir creates a given work_dir");
	json_object_put(spec);
}

static void test_umask_terminal(void)
{
	_cleanup_free_ char *msg = NULL;
	json_object *spec;

	spec = gen("{\"command\":[\"sh\"]}", NULL, &msg);
	is_int(json_object_get_int(get(spec, "process.user.umask")), 022,
	       "umask: containers.conf 0022 by default");
	ok(!json_object_get_boolean(get(spec, "process.terminal")), "terminal: false");
	ok(!get(spec, "process.rlimits"), "rlimits are left alone");
	json_object_put(spec);
	spec = gen("{\"command\":[\"sh\"],\"umask\":\"077\",\"terminal\":true}", NULL, &msg);
	is_int(json_object_get_int(get(spec, "process.user.umask")), 077, "umask: given");
	ok(json_object_get_boolean(get(spec, "process.terminal")) == 1, "terminal: true");
	json_object_put(spec);
	check_fails("{\"command\":[\"sh\"],\"umask\":\"0999\"}", NULL,
		    "invalid umask '0999': must be 1 to 4 octal digits", "a non-octal umask");
	check_fails("{\"command\":[\"sh\"],\"umask\":\"12345\"}", NULL, "invalid umask '12345'",
		    "a 5-digit umask");
	check_fails("{\"command\":[\"sh\"],\"terminal\":\"yes\"}", NULL, "'terminal'",
		    "terminal not a boolean");
	free(cc->umask);
	cc->umask = xstrdup("abc");
	check_fails("{\"command\":[\"sh\"]}", NULL, "invalid containers.conf umask 'abc'",
		    "a bad containers.conf umask");
	free(cc->umask);
	cc->umask = xstrdup("");
	spec = gen("{\"command\":[\"sh\"]}", NULL, &msg);
	ok(spec && !get(spec, "process.user.umask"), "umask: none when containers.conf has none");
	json_object_put(spec);
	free(cc->umask);
	cc->umask = xstrdup("0022");
}

static void test_process_created(void)
{
	_cleanup_json_ json_object *spec = json_object_new_object();
	_cleanup_json_ json_object *sg = json_tokener_parse("{\"command\":[\"true\"]}");
	cpod_error *err = NULL;
	spec_ctx ctx = { .id = ID,
			 .sg = sg,
			 .cc = cc,
			 .rootfs = rootfs,
			 .rootfs_fd = rootfd,
			 .cgroup_parent = "/",
			 .hostname = "h" };

	ok(spec_process(&ctx, spec, &err) == 0, "a spec without process");
	ok(get(spec, "process.args") && get(spec, "process.user.uid"), "process is created");
	check_fails("[1]", NULL, "expected object", "a specgen that is not an object");
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	rootfs = path_of("root");
	cc = containers_conf_new_defaults(false);
	make_rootfs();
	test_args();
	test_env();
	test_env_extras();
	test_user();
	test_user_files();
	make_rootfs();
	test_cwd();
	test_umask_terminal();
	test_process_created();
	containers_conf_free(cc);
	close(rootfd);
	free(rootfs);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
