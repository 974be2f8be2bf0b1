/* spec_mounts(): user mounts, options, defaults, /dev/shm, read-only, the bundle's files,
 * mounts.conf, init, ordering. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/spec.h"
#include "oci/spec_mounts.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-spec-mounts-XXXXXX";
#include "tmpdir.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static containers_conf *cc;
static char *rootfs, *bundle, *src, *initbin;
static int rootfd = -1;
static json_object *volume_mounts;
static const char *conf_none[2];

static void setup(void)
{
	clean_dir();
	write_file("root/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	write_file("root/real/.keep", "");
	write_file("bundle/hosts", "127.0.0.1 localhost\n");
	write_file("bundle/hostname", "h\n");
	write_file("bundle/resolv.conf", "nameserver 10.0.0.1\n");
	write_file("bundle/.containerenv", "");
	write_file("src/a", "a");
	write_file("src/sub/b", "b");
	write_file("init", "#!/bin/sh\n");
	if (rootfd >= 0)
		close(rootfd);
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static json_object *base_spec(void)
{
	return json_tokener_parse(
		"{\"process\":{\"user\":{\"uid\":1000,\"gid\":1001}},\"root\":{\"path\":\"/r\"},"
		"\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":"
		"[\"nosuid\",\"noexec\",\"nodev\"]},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
		"[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
		"\"options\":[\"nosuid\"]},"
		"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
		"\"options\":[\"nosuid\"]},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":"
		"[\"ro\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
		"\"options\":[\"ro\"]},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":"
		"[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]}],"
		"\"linux\":{}}");
}

static json_object *gen(const char *sg_text, const char *img_text, char **msg)
{
	_cleanup_json_ json_object *sg = json_tokener_parse(sg_text);
	_cleanup_json_ json_object *img = img_text ? json_tokener_parse(img_text) : NULL;
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
		.bundle = bundle,
		.volume_mounts = volume_mounts,
		.cgroup_parent = "/cpod",
		.hostname = "h",
	};

	*msg = NULL;
	if (!sg || (img_text && !img))
		abort();
	if (spec_mounts(&ctx, spec, &err) < 0) {
		*msg = xstrdup(cpod_error_message(err));
		cpod_error_free(err);
		json_object_put(spec);
		return NULL;
	}
	return spec;
}

static json_object *mount_at(json_object *spec, const char *dest)
{
	json_object *mounts = NULL, *found = NULL;

	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *d;

		if (json_object_object_get_ex(m, "destination", &d) &&
		    strcmp(json_object_get_string(d), dest) == 0) {
			if (found)
				return json_tokener_parse("{\"destination\":\"(dup)\"}");
			found = m;
		}
	}
	return found;
}

static const char *field(json_object *m, const char *key)
{
	json_object *v;

	return m && json_object_object_get_ex(m, key, &v) ? json_object_get_string(v) : NULL;
}

/* "type source opt,opt" of the mount at dest, or NULL. */
static char *desc(json_object *spec, const char *dest)
{
	json_object *m = mount_at(spec, dest), *o = NULL;
	buf b = BUF_INIT;

	if (!m)
		return NULL;
	buf_addf(&b, "%s %s ", field(m, "type"), field(m, "source"));
	json_object_object_get_ex(m, "options", &o);
	for (size_t i = 0; o && i < json_object_array_length(o); i++)
		buf_addf(&b, "%s%s", i ? "," : "",
			 json_object_get_string(json_object_array_get_idx(o, i)));
	return buf_detach(&b, NULL);
}

static void check_mount(const char *sg, const char *img, const char *dest, const char *want,
			const char *name)
{
	_cleanup_free_ char *msg = NULL, *got = NULL;
	_cleanup_json_ json_object *spec = gen(sg, img, &msg);

	got = spec ? desc(spec, dest) : NULL;
	is_str(got, want, "%s", name);
	if (msg)
		diag("%s", msg);
}

static void check_fails(const char *sg, const char *want, const char *name)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_json_ json_object *spec = gen(sg, NULL, &msg);

	ok(!spec, "fails: %s", name);
	ok(msg && strstr(msg, want), "message of %s: '%s' has '%s'", name, msg ? msg : "", want);
}

static size_t depth(const char *d)
{
	size_t n = 0;

	for (; *d; d++)
		n += *d == '/';
	return n;
}

static void test_defaults(void)
{
	_cleanup_free_ char *msg = NULL, *hosts = NULL, *shm = NULL, *order = NULL;
	_cleanup_json_ json_object *spec = gen("{}", NULL, &msg);
	json_object *mounts = NULL;
	size_t prev = 0;
	bool sorted = true;
	buf b = BUF_INIT;

	ok(spec != NULL, "defaults: generated");
	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		const char *d = field(json_object_array_get_idx(mounts, i), "destination");

		sorted = sorted && depth(d) >= prev;
		prev = depth(d);
		buf_addf(&b, "%s%s", i ? " " : "", d);
	}
	order = buf_detach(&b, NULL);
	ok(sorted, "defaults: sorted by depth");
	is_str(order,
	       "/proc /dev /sys /dev/pts /dev/mqueue /dev/shm /etc/hosts /etc/hostname "
	       "/etc/resolv.conf /run/.containerenv /sys/fs/cgroup",
	       "defaults: the order is stable within a depth");
	shm = desc(spec, "/dev/shm");
	is_str(shm, "tmpfs shm nosuid,noexec,nodev,mode=1777,size=67108864",
	       "defaults: /dev/shm of containers.conf shm_size 65536k");
	hosts = xasprintf("bind %s/hosts bind,rprivate", bundle);
	free(shm);
	shm = desc(spec, "/etc/hosts");
	is_str(shm, hosts, "defaults: the bundle's hosts");
	ok(!json_object_get_boolean(
		   json_object_object_get(json_object_object_get(spec, "root"), "readonly")),
	   "defaults: root not read-only");
	ok(!json_object_object_get(json_object_object_get(spec, "linux"), "rootfsPropagation"),
	   "defaults: no root propagation");
}

/* The flags podman copies from the file system of a bind source: ",noexec,nosuid,nodev". */
static char *fs_flags(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		abort();
	return xasprintf("%s%s%s", sv.f_flag & ST_NOEXEC ? ",noexec" : "",
			 sv.f_flag & ST_NOSUID ? ",nosuid" : "",
			 sv.f_flag & ST_NODEV ? ",nodev" : "");
}

static void test_bind(void)
{
	char *sg, *want, *flags = fs_flags(src);

	sg = xasprintf("{\"mounts\":[{\"destination\":\"/data/./x/../\",\"type\":\"bind\","
		       "\"source\":\"%s\"}]}",
		       src);
	want = xasprintf("bind %s rw,rprivate%s,rbind", src, flags);
	check_mount(sg, NULL, "/data", want, "bind: clean destination, podman's default options");
	free(sg), free(want);

	sg = xasprintf("{\"mounts\":[{\"destination\":\"/"
		       "data\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"ro\",\"bind\",\"z\",\"consistency=cached\"]}]}",
		       src);
	want = xasprintf("bind %s ro,bind,rprivate%s", src, flags);
	check_mount(sg, NULL, "/data", want, "bind: ro, bind kept, z and consistency dropped");
	free(sg), free(want), free(flags);

	check_mount("{\"mounts\":[{\"destination\":\"/p\",\"type\":\"bind\",\"source\":\"/proc\","
		    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]}]}",
		    NULL, "/p", "bind /proc nosuid,noexec,nodev,rw,rprivate,rbind",
		    "bind: given flags are not added twice");

	sg = xasprintf("{\"mounts\":[{\"destination\":\"/"
		       "data\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"rshared\"]}]}",
		       src);
	{
		_cleanup_free_ char *msg = NULL;
		_cleanup_json_ json_object *spec = gen(sg, NULL, &msg);
		json_object *lnx = json_object_object_get(spec, "linux");
		const char *prop = field(lnx, "rootfsPropagation");

		is_str(prop, "shared", "bind: rshared makes the root shared");
		ok(spec && !strstr(json_object_get_string(mount_at(spec, "/data")), "rprivate"),
		   "bind: a given propagation replaces rprivate");
	}
	free(sg);
	sg = xasprintf("{\"mounts\":[{\"destination\":\"/"
		       "data\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"slave\"]}]}",
		       src);
	{
		_cleanup_free_ char *msg = NULL;
		_cleanup_json_ json_object *spec = gen(sg, NULL, &msg);

		is_str(field(json_object_object_get(spec, "linux"), "rootfsPropagation"), "rslave",
		       "bind: slave makes the root rslave");
	}
	free(sg);
}

static void test_bind_errors(void)
{
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/no/"
		    "such\"}]}",
		    "mount '/d': bind source '/no/such'", "a missing bind source");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"rel\"}]}",
		    "mount '/d': bind source 'rel' must be an absolute path", "a relative source");
	check_fails("{\"mounts\":[{\"destination\":\"d\",\"type\":\"bind\",\"source\":\"/tmp\"}]}",
		    "invalid container path 'd', must be an absolute path",
		    "a relative destination");
	check_fails("{\"mounts\":[{\"type\":\"bind\",\"source\":\"/tmp\"}]}",
		    "container directory cannot be empty", "no destination");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"source\":\"/tmp\"}]}",
		    "mount '/d': missing mount type", "no type");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\"},"
		    "{\"destination\":\"/d/\",\"type\":\"tmpfs\"}]}",
		    "'/d': duplicate mount destination", "a duplicate destination");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"foo\"]}]}",
		    "mount '/d': unknown mount option 'foo'", "an unknown option");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"ro\",\"rw\"]}]}",
		    "mount '/d': only one of 'rw' and 'ro' can be used", "ro and rw");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"bind\",\"rbind\"]}]}",
		    "only one of 'rbind' and 'bind' can be used", "bind and rbind");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"z\",\"Z\"]}]}",
		    "only one of 'z' and 'Z' can be used", "z and Z");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"private\",\"rshared\"]}]}",
		    "only one root propagation mode can be used", "two propagations");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"size=1m\"]}]}",
		    "mount '/d': the 'size' option is only allowed with tmpfs mounts",
		    "size on a bind");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"O\"]}]}",
		    "mount '/d': overlay mounts (option 'O') are not supported yet", "O");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[\"U\",\"U\"]}]}",
		    "the 'U' option can only be set once", "U twice");
	check_fails("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/tmp\","
		    "\"options\":[1]}]}",
		    "'mounts[0].options[0]'", "a number in options");
	check_fails("{\"mounts\":[{\"destination\":\"/"
		    "d\",\"type\":\"image\",\"source\":\"alpine\"}]}",
		    "mount '/d': mounts of type 'image' are not supported yet", "an image mount");
	check_fails("{\"mounts\":\"x\"}", "'mounts'", "mounts not an array");
}

static void test_tmpfs(void)
{
	check_mount("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\"}]}", NULL, "/t",
		    "tmpfs tmpfs rw,noexec,nosuid,nodev,rprivate,tmpcopyup",
		    "tmpfs: podman's defaults");
	check_mount("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		    "\"options\":[\"size=64m\",\"mode=1777\"]}]}",
		    NULL, "/t", "tmpfs tmpfs size=64m,mode=1777,rw,rprivate,nosuid,nodev,tmpcopyup",
		    "tmpfs: size and mode");
	check_mount("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\","
		    "\"options\":[\"size=50%\",\"notmpcopyup\",\"exec\"]}]}",
		    NULL, "/t", "tmpfs tmpfs size=50%,exec,rw,rprivate,nosuid,nodev",
		    "tmpfs: notmpcopyup is not passed on, exec replaces noexec");
	check_mount("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\","
		    "\"options\":[\"rw\",\"U\"]}]}",
		    NULL, "/t", "tmpfs tmpfs rw,uid=1000,gid=1001,rprivate,nosuid,nodev,tmpcopyup",
		    "tmpfs: U gives the container user's uid and gid");
	check_fails("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":"
		    "[\"size=abc\"]}]}",
		    "mount '/t': invalid tmpfs size 'abc'", "a bad tmpfs size");
	check_fails("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":"
		    "[\"size=1m\",\"size=2m\"]}]}",
		    "only one tmpfs size can be specified", "two sizes");
	check_fails("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":"
		    "[\"mode=99\"]}]}",
		    "mount '/t': invalid tmpfs mode '99'", "a bad tmpfs mode");
	check_fails("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":"
		    "[\"bind\"]}]}",
		    "the 'bind' and 'rbind' options are not allowed with tmpfs mounts",
		    "bind on tmpfs");
	check_fails("{\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":"
		    "[\"Z\"]}]}",
		    "the 'z' and 'Z' options are not allowed with tmpfs mounts", "Z on tmpfs");
	check_mount("{\"mounts\":[{\"destination\":\"/dev/pts2\",\"type\":\"devpts\","
		    "\"options\":[\"newinstance\"]}]}",
		    NULL, "/dev/pts2", "devpts devpts newinstance", "other types pass unchanged");
}

static void test_chown(void)
{
	_cleanup_free_ char *sg = NULL, *sub = path_of("src/sub/b"), *home = path_of("home");
	_cleanup_free_ char *msg = NULL;
	const char *old_home = getenv("HOME");
	_cleanup_free_ char *saved = old_home ? xstrdup(old_home) : NULL;
	json_object *spec;
	struct stat st;
	bool b;

	if (geteuid() != 0) {
		ok(1, "# SKIP chown needs root");
		return;
	}
	sg = xasprintf("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"U\"]}]}",
		       src);
	spec = gen(sg, NULL, &msg);
	b = spec && !strstr(json_object_get_string(mount_at(spec, "/d")), "\"U\"");
	ok(b, "U: not passed to the runtime");
	b = stat(sub, &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001;
	ok(b, "U: the source tree is chowned to the container user");
	json_object_put(spec);
	free(sg);
	/* The user's home directory is never chowned. */
	write_file("home/f", "x");
	setenv("HOME", home, 1);
	sg = xasprintf("{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"U\"]}]}",
		       home);
	check_fails(sg, "chowning host path", "U on $HOME");
	free(sg);
	sg = path_of("home/f");
	ok(stat(sg, &st) == 0 && st.st_uid == 0, "U on $HOME: nothing chowned");
	if (saved)
		setenv("HOME", saved, 1);
	else
		unsetenv("HOME");
	free(sg);
	/* A volume with U is chowned too; U and z do not reach the runtime. */
	write_file("vol/f", "x");
	free(home);
	home = path_of("vol");
	sg = xasprintf("[{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"%s\","
		       "\"options\":[\"rw\",\"U\",\"z\"]}]",
		       home);
	volume_mounts = json_tokener_parse(sg);
	free(sg);
	sg = xasprintf("bind %s rw", home);
	check_mount("{}", NULL, "/vol", sg, "U on a volume: U and z are not passed on");
	free(sg);
	sg = path_of("vol/f");
	ok(stat(sg, &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001, "U on a volume: chowned");
	json_object_put(volume_mounts);
	volume_mounts = NULL;
}

static void test_user_over_defaults(void)
{
	_cleanup_free_ char *msg = NULL;
	json_object *spec;

	spec = gen("{\"mounts\":[{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"options\":"
		   "[\"size=1k\"]}]}",
		   NULL, &msg);
	{
		_cleanup_free_ char *d = desc(spec, "/dev/shm");

		is_str(d, "tmpfs tmpfs size=1k,rw,rprivate,nosuid,nodev,tmpcopyup",
		       "a user /dev/shm replaces the default");
	}
	json_object_put(spec);
	spec = gen("{\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\"}]}", NULL, &msg);
	ok(spec && !mount_at(spec, "/dev/pts") && !mount_at(spec, "/dev/mqueue") &&
		   !mount_at(spec, "/dev/shm"),
	   "a user /dev drops every default below /dev");
	ok(spec && mount_at(spec, "/proc") && mount_at(spec, "/etc/hosts"), "/dev keeps the rest");
	json_object_put(spec);
	spec = gen("{\"mounts\":[{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":"
		   "\"/etc/hosts\"}]}",
		   NULL, &msg);
	is_str(field(mount_at(spec, "/etc/hosts"), "source"), "/etc/hosts",
	       "a user /etc/hosts wins over the bundle's");
	json_object_put(spec);
}

static void test_shm(void)
{
	check_mount("{\"shm_size\":1048576}", NULL, "/dev/shm",
		    "tmpfs shm nosuid,noexec,nodev,mode=1777,size=1048576", "shm_size");
	check_fails("{\"shm_size\":-1}", "invalid shm_size -1: must not be negative",
		    "a negative shm_size");
	check_fails("{\"shm_size\":\"1g\"}", "'shm_size'", "shm_size not a number");
	free(cc->shm_size);
	cc->shm_size = xstrdup("1g");
	check_mount("{}", NULL, "/dev/shm",
		    "tmpfs shm nosuid,noexec,nodev,mode=1777,size=1073741824",
		    "containers.conf shm_size");
	free(cc->shm_size);
	cc->shm_size = xstrdup("xyz");
	check_fails("{}", "containers.conf shm_size: invalid size",
		    "a bad containers.conf shm_size");
	free(cc->shm_size);
	cc->shm_size = xstrdup("");
	check_mount("{}", NULL, "/dev/shm", "tmpfs shm nosuid,noexec,nodev,mode=1777,size=65536k",
		    "no containers.conf shm_size: the base size stays");
	check_mount("{\"shm_size\":2048}", NULL, "/dev/shm",
		    "tmpfs shm nosuid,noexec,nodev,mode=1777,size=2048",
		    "shm_size without a containers.conf one");
	free(cc->shm_size);
	cc->shm_size = xstrdup("65536k");
	check_mount("{\"ipcns\":{\"nsmode\":\"host\"}}", NULL, "/dev/shm",
		    "bind /dev/shm bind,rprivate,nosuid,noexec,nodev",
		    "ipc host: the host's /dev/shm");
	check_mount("{\"ipcns\":{\"nsmode\":\"none\"}}", NULL, "/dev/shm", NULL,
		    "ipc none: no /dev/shm");
}

static void test_read_only(void)
{
	_cleanup_free_ char *msg = NULL, *want = NULL;
	json_object *spec;
	bool b;

	spec = gen("{\"read_only_filesystem\":true}", NULL, &msg);
	ok(json_object_get_boolean(
		   json_object_object_get(json_object_object_get(spec, "root"), "readonly")),
	   "read-only: root.readonly");
	{
		_cleanup_free_ char *t = desc(spec, "/tmp"), *v = desc(spec, "/var/tmp");
		_cleanup_free_ char *r = desc(spec, "/run"), *h = desc(spec, "/etc/hosts");
		_cleanup_free_ char *s = desc(spec, "/dev/shm");

		is_str(t, "tmpfs tmpfs rw,rprivate,nosuid,nodev,tmpcopyup",
		       "read-only: /tmp tmpfs");
		is_str(v, "tmpfs tmpfs rw,rprivate,nosuid,nodev,tmpcopyup",
		       "read-only: /var/tmp tmpfs");
		is_str(r, "tmpfs tmpfs rw,rprivate,nosuid,nodev,tmpcopyup",
		       "read-only: /run tmpfs");
		want = xasprintf("bind %s/hosts bind,rprivate,ro,nosuid,noexec,nodev", bundle);
		is_str(h, want, "read-only: the bundle's files are read-only");
		is_str(s, "tmpfs shm nosuid,noexec,nodev,mode=1777,size=67108864",
		       "read-only: /dev/shm stays writable");
	}
	ok(!mount_at(spec, "/run/.containerenv"), "read-only: no .containerenv (/run is tmpfs)");
	json_object_put(spec);
	spec = gen("{\"read_only_filesystem\":true,\"read_write_tmpfs\":false}", NULL, &msg);
	b = spec && !mount_at(spec, "/tmp") && !mount_at(spec, "/run");
	ok(b, "read-only without read_write_tmpfs: no tmpfs");
	json_object_put(spec);
	check_mount("{\"read_only_filesystem\":true,\"mounts\":[{\"destination\":\"/tmp\","
		    "\"type\":\"tmpfs\",\"options\":[\"size=1k\"]}]}",
		    NULL, "/tmp", "tmpfs tmpfs size=1k,rw,rprivate,nosuid,nodev,tmpcopyup",
		    "read-only: a user /tmp is kept");
	check_fails("{\"read_only_filesystem\":\"yes\"}", "'read_only_filesystem'",
		    "read_only_filesystem not a boolean");
}

static void test_bundle_files(void)
{
	_cleanup_free_ char *resolv = path_of("bundle/resolv.conf"), *msg = NULL;
	json_object *spec;

	unlink(resolv);
	spec = gen("{}", NULL, &msg);
	ok(spec && !mount_at(spec, "/etc/resolv.conf") && mount_at(spec, "/etc/hostname"),
	   "a file missing from the bundle is not mounted");
	json_object_put(spec);
	spec = gen("{\"mounts\":[{\"destination\":\"/run\",\"type\":\"tmpfs\"}]}", NULL, &msg);
	ok(spec && !mount_at(spec, "/run/.containerenv"), "no .containerenv when /run is mounted");
	json_object_put(spec);
	write_file("bundle/resolv.conf", "nameserver 10.0.0.1\n");
}

static void test_volumes(void)
{
	_cleanup_free_ char *msg = NULL, *sg = NULL, *v = NULL, *want = NULL;
	json_object *spec;

	v = xasprintf("[{\"destination\":\"/vol/\",\"type\":\"bind\",\"source\":\"%s\","
		      "\"options\":[\"rw\",\"z\",\"rprivate\",\"nodev\",\"rbind\"]}]",
		      src);
	volume_mounts = json_tokener_parse(v);
	want = xasprintf("bind %s rw,rprivate,nodev,rbind", src);
	check_mount("{}", NULL, "/vol", want, "volumes: added as given, z dropped");
	spec = gen("{\"mounts\":[{\"destination\":\"/vol\",\"type\":\"volume\",\"source\":\"v\"}]}",
		   NULL, &msg);
	ok(spec && mount_at(spec, "/vol"), "volumes: a specgen volume mount is the resolved one");
	json_object_put(spec);
	sg = xasprintf("{\"mounts\":[{\"destination\":\"/"
		       "vol\",\"type\":\"bind\",\"source\":\"%s\"}]}",
		       src);
	check_fails(sg, "'/vol': duplicate mount destination", "a bind over a volume");
	check_fails("{\"mounts\":[{\"destination\":\"/other\",\"type\":\"volume\"}]}",
		    "mount '/other': volume was not resolved", "an unresolved volume");
	check_mount("{\"read_only_filesystem\":true}", NULL, "/vol", want,
		    "volumes: kept as they are in a read-only container");
	json_object_put(volume_mounts);
	volume_mounts = json_tokener_parse("[{\"destination\":\"/v\",\"type\":\"bind\","
					   "\"source\":\"/tmp\",\"options\":[\"O\"]}]");
	check_fails("{}", "volume '/v': overlay mounts (option 'O') are not supported yet",
		    "an overlay volume");
	json_object_put(volume_mounts);
	volume_mounts = json_tokener_parse("[{\"destination\":\"v\",\"source\":\"/tmp\"}]");
	check_fails("{}", "volume: invalid container path 'v'", "a relative volume destination");
	json_object_put(volume_mounts);
	volume_mounts = NULL;
}

static void test_init(void)
{
	_cleanup_free_ char *sg = NULL, *want = NULL, *opts = NULL;

	sg = xasprintf("{\"init\":true,\"init_path\":\"%s\"}", initbin);
	opts = fs_flags(initbin);
	want = xasprintf("bind %s bind,ro,rprivate%s", initbin, opts);
	check_mount(sg, NULL, SPEC_INIT_PATH, want, "init: the binary mounted read-only");
	free(sg);
	sg = xasprintf("{\"init\":true,\"init_path\":\"%s/nope\"}", tmp);
	check_fails(sg, "container-init binary", "init: a missing binary");
	free(sg);
	sg = xasprintf("{\"init\":true,\"init_path\":\"%s\",\"pidns\":{\"nsmode\":\"host\"}}",
		       initbin);
	check_fails(sg, "cannot add init binary as PID 1 (PID namespace isn't private)",
		    "init: host pid namespace");
	free(sg);
	sg = xasprintf("{\"init\":true,\"init_path\":\"%s\",\"mounts\":[{\"destination\":\"%s\","
		       "\"type\":\"tmpfs\"}]}",
		       initbin, SPEC_INIT_PATH);
	check_fails(sg, "conflict with mount added by --init", "init: a mount already there");
	free(cc->engine_init_path);
	cc->engine_init_path = xstrdup("");
	check_fails("{\"init\":true}", "please specify a path to the container-init binary",
		    "init: no path");
	free(cc->engine_init_path);
	cc->engine_init_path = xstrdup(initbin);
	check_mount("{\"init\":true}", NULL, SPEC_INIT_PATH, want,
		    "init: containers.conf engine init_path");
	check_mount("{}", NULL, SPEC_INIT_PATH, NULL, "no init: no mount");
}

static void test_image_volumes(void)
{
	check_mount("{\"image_volume_mode\":\"tmpfs\"}", "{\"Volumes\":{\"/ivol/\":{}}}", "/ivol",
		    "tmpfs tmpfs rprivate,rw,nodev,exec,nosuid,tmpcopyup",
		    "image volumes as tmpfs");
	check_mount("{\"image_volume_mode\":\"tmpfs\",\"mounts\":[{\"destination\":\"/ivol\","
		    "\"type\":\"tmpfs\",\"options\":[\"size=1k\"]}]}",
		    "{\"Volumes\":{\"/ivol\":{}}}", "/ivol",
		    "tmpfs tmpfs size=1k,rw,rprivate,nosuid,nodev,tmpcopyup",
		    "a user mount wins over an image volume");
	check_mount("{}", "{\"Volumes\":{\"/ivol\":{}}}", "/ivol", NULL,
		    "image volumes in bind mode are the engine's");
}

static void test_mounts_conf(void)
{
	_cleanup_free_ char *conf = path_of("mounts.conf"), *other = path_of("other.conf");
	_cleanup_free_ char *none = path_of("none.conf"), *text = NULL, *want = NULL;
	_cleanup_free_ char *copied = path_of("bundle/run/secrets/sub/b"), *msg = NULL;
	_cleanup_free_ char *one = path_of("onefile"), *marker = NULL;
	const char *paths[] = { none, conf, other, NULL };
	json_object *spec;
	struct stat st;
	bool b;

	write_file("onefile", "1");
	text = xasprintf("# comment\n  %s:/run/secrets  \nrelative:/x\n%s/missing:/y\n%s\n", src,
			 tmp, one);
	write_file("mounts.conf", text);
	free(text);
	text = xasprintf("%s:/from-other\n", src);
	write_file("other.conf", text);
	spec_mounts_set_conf_paths(paths);
	spec = gen("{}", NULL, &msg);
	want = xasprintf("bind %s/run/secrets bind,rprivate", bundle);
	{
		_cleanup_free_ char *d = desc(spec, "/run/secrets");

		is_str(d, want, "mounts.conf: the copy in the bundle is mounted");
	}
	ok(stat(copied, &st) == 0 && S_ISREG(st.st_mode), "mounts.conf: directories are copied");
	ok(spec && mount_at(spec, one), "mounts.conf: a line without ':' mounts at the same path");
	b = spec && !mount_at(spec, "/x") && !mount_at(spec, "/y");
	ok(b, "mounts.conf: relative and missing hosts paths are skipped");
	ok(spec && !mount_at(spec, "/from-other"), "mounts.conf: only the first file is used");
	json_object_put(spec);
	marker = path_of("bundle/run/secrets/marker");
	write_file("bundle/run/secrets/marker", "kept");
	spec = gen("{}", NULL, &msg);
	ok(stat(marker, &st) == 0, "mounts.conf: an existing copy is not made again");
	json_object_put(spec);
	spec = gen("{\"mounts\":[{\"destination\":\"/run/secrets\",\"type\":\"tmpfs\"}]}", NULL,
		   &msg);
	is_str(field(mount_at(spec, "/run/secrets"), "type"), "tmpfs",
	       "mounts.conf: a user mount wins");
	json_object_put(spec);
	spec = gen("{\"read_only_filesystem\":true}", NULL, &msg);
	free(want);
	want = xasprintf("bind %s/run/secrets bind,rprivate,ro,nosuid,noexec,nodev", bundle);
	{
		_cleanup_free_ char *d = desc(spec, "/run/secrets");

		is_str(d, want, "mounts.conf: read-only in a read-only container");
	}
	json_object_put(spec);
	spec_mounts_set_conf_paths(conf_none);
}

static void test_tmpfs_symlink_and_order(void)
{
	_cleanup_free_ char *link = path_of("root/tmplink"), *msg = NULL, *order = NULL;
	json_object *spec, *mounts;
	buf b = BUF_INIT;
	bool resolved;

	ok(symlink("/real", link) == 0, "a symlink in the rootfs");
	spec = gen("{\"mounts\":[{\"destination\":\"/tmplink\",\"type\":\"tmpfs\"}]}", NULL, &msg);
	resolved = spec && mount_at(spec, "/real") && !mount_at(spec, "/tmplink");
	ok(resolved, "a tmpfs destination through a symlink is resolved in the rootfs");
	json_object_put(spec);
	spec = gen("{\"mounts\":[{\"destination\":\"/a/b/c\",\"type\":\"tmpfs\"},"
		   "{\"destination\":\"/a/b\",\"type\":\"tmpfs\"},"
		   "{\"destination\":\"/a\",\"type\":\"tmpfs\"}]}",
		   NULL, &msg);
	mounts = json_object_object_get(spec, "mounts");
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		const char *d = field(json_object_array_get_idx(mounts, i), "destination");

		if (str_has_prefix(d, "/a"))
			buf_addf(&b, "%s ", d);
	}
	order = buf_detach(&b, NULL);
	is_str(order, "/a /a/b /a/b/c ", "parents are mounted before their children");
	json_object_put(spec);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	rootfs = path_of("root");
	bundle = path_of("bundle");
	src = path_of("src");
	initbin = path_of("init");
	conf_none[0] = path_of("no-mounts.conf");
	spec_mounts_set_conf_paths(conf_none);
	cc = containers_conf_new_defaults(false);
	setup();
	test_defaults();
	test_bind();
	test_bind_errors();
	test_tmpfs();
	test_chown();
	test_user_over_defaults();
	test_shm();
	test_read_only();
	test_bundle_files();
	test_volumes();
	test_init();
	test_image_volumes();
	test_mounts_conf();
	test_tmpfs_symlink_and_order();
	spec_mounts_set_conf_paths(NULL);
	containers_conf_free(cc);
	close(rootfd);
	free((char *)conf_none[0]);
	free(rootfs), free(bundle), free(src), free(initbin);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
