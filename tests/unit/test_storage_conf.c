#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "config/storage_conf.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-storage-conf-XXXXXX";

#include "tmpdir.h"

static storage_conf_opts opts(int rootless)
{
	static char *sys, *user;

	free(sys);
	free(user);
	sys = path_of("etc/storage.conf");
	user = path_of("home/.config/cpod/storage.conf");
	return (storage_conf_opts){ .system_path = sys, .user_path = user, .rootless = rootless };
}

static storage_conf *load(const storage_conf_opts *o, cpod_error **err)
{
	storage_conf *c = NULL;

	return storage_conf_load(o, &c, err) < 0 ? NULL : c;
}

static void set_user_env(void)
{
	_cleanup_free_ char *home = path_of("home");

	setenv("HOME", home, 1);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("STORAGE_DRIVER");
	unsetenv("STORAGE_OPTS");
	unsetenv("CPOD_STORAGE_CONF");
}

static void test_defaults(void)
{
	cpod_error *e = NULL;
	storage_conf_opts o = opts(0);
	storage_conf *c;
	_cleanup_free_ char *data = path_of("data");
	_cleanup_free_ char *run = path_of("run");
	_cleanup_free_ char *home_data = path_of("home/.local/share/cpod");
	_cleanup_free_ char *want = NULL;

	clean_dir();
	set_user_env();
	c = load(&o, &e);
	ok(c != NULL, "root: no file is fine");
	if (c) {
		ok(c->path == NULL, "root: no file recorded");
		is_str(c->graphroot, "/var/lib/cpod", "root graphroot");
		is_str(c->runroot, "/run/cpod", "root runroot");
		is_str(c->driver, "", "driver unset");
		is_int(c->options.n, 0, "no options");
	}
	storage_conf_free(c);

	o = opts(1);
	setenv("XDG_DATA_HOME", data, 1);
	setenv("XDG_RUNTIME_DIR", run, 1);
	c = load(&o, &e);
	want = xasprintf("%s/cpod", data);
	is_str(c ? c->graphroot : NULL, want, "rootless graphroot in XDG_DATA_HOME");
	free(want);
	want = xasprintf("%s/cpod", run);
	is_str(c ? c->runroot : NULL, want, "rootless runroot in XDG_RUNTIME_DIR");
	free(want);
	storage_conf_free(c);

	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	c = load(&o, &e);
	is_str(c ? c->graphroot : NULL, home_data, "rootless graphroot in ~/.local/share/cpod");
	want = xasprintf("/tmp/cpod-run-%u", (unsigned)getuid());
	is_str(c ? c->runroot : NULL, want, "rootless runroot fallback");
	storage_conf_free(c);
	cpod_error_free(e);
}

static const char system_file[] = "# containers-storage style\n"
				  "[storage]\n"
				  "driver = \"overlay2\"\n"
				  "runroot = \"/run/sys-cpod\"\n"
				  "graphroot = \"/var/lib/sys-cpod\"\n"
				  "rootless_storage_path = \"$HOME/store-$UID\"\n"
				  "unknown = 1\n"
				  "[storage.options]\n"
				  "additionalimagestores = [\"/a\", \"/b\"]\n"
				  "pull_options = {enable_partial_images = \"false\", "
				  "use_hard_links = \"false\"}\n"
				  "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
				  "mountopt = \"nodev\"\n"
				  "size = \"\"\n"
				  "[storage.options.overlay]\n"
				  "mountopt = \"nodev,metacopy=on\"\n"
				  "force_mask = \"shared\"\n"
				  "[storage.options.vfs]\n"
				  "force_mask = 0o700\n"
				  "ignore_chown_errors = \"true\"\n"
				  "[storage.options.thinpool]\n"
				  "autoextend_percent = \"20\"\n";

static void test_system_file(void)
{
	cpod_error *e = NULL;
	storage_conf_opts o = opts(0);
	storage_conf *c;
	_cleanup_free_ char *sys = path_of("etc/storage.conf");
	_cleanup_free_ char *want = NULL;
	char **v;

	clean_dir();
	set_user_env();
	write_file("etc/storage.conf", system_file);
	c = load(&o, &e);
	ok(c != NULL, "containers-storage style file loads: %s", cpod_error_message(e));
	if (!c)
		return;
	is_str(c->path, sys, "file recorded");
	is_str(c->driver, "overlay", "overlay2 means overlay");
	is_str(c->graphroot, "/var/lib/sys-cpod", "root: graphroot from the file");
	is_str(c->runroot, "/run/sys-cpod", "root: runroot from the file");
	is_int(c->options.n, 4, "general options, the empty one left out");
	is_str(c->options.v[0], "imagestore=/a", "array option, renamed");
	is_str(c->options.v[1], "imagestore=/b", "array option, second element");
	is_str(c->options.v[2], "mount_program=/usr/bin/fuse-overlayfs", "mount_program");
	is_str(c->options.v[3], "mountopt=nodev", "mountopt");
	is_int(c->overlay_options.n, 2, "overlay options");
	is_int(c->vfs_options.n, 2, "vfs options");
	is_str(c->vfs_options.v[0], "force_mask=700", "an integer file mode in octal");

	v = storage_conf_driver_options(c, "overlay");
	is_int(strv_length(v), 5, "overlay driver options");
	is_str(v[0], "overlay.imagestore=/a", "general option prefixed");
	is_str(v[2], "overlay.mount_program=/usr/bin/fuse-overlayfs", "general mount_program");
	is_str(v[3], "overlay.mountopt=nodev,metacopy=on", "driver section wins over general");
	is_str(v[4], "overlay.force_mask=shared", "driver section option");
	strv_free(v);
	v = storage_conf_driver_options(c, "vfs");
	is_int(strv_length(v), 6, "vfs driver options");
	is_str(v[3], "vfs.mountopt=nodev", "general mountopt for vfs");
	is_str(v[5], "vfs.ignore_chown_errors=true", "vfs section");
	strv_free(v);
	storage_conf_free(c);

	/* rootless: the system file's roots are not for this user, its rootless path is */
	o = opts(1);
	c = load(&o, &e);
	want = xasprintf("%s/home/store-%u", tmp, (unsigned)getuid());
	is_str(c ? c->graphroot : NULL, want, "rootless: rootless_storage_path with $HOME, $UID");
	is_str(c ? c->rootless_storage_path : NULL, want, "rootless_storage_path expanded");
	ok(c && str_has_prefix(c->runroot, "/tmp/cpod-run-"), "rootless: runroot not the system's");
	is_str(c ? c->driver : NULL, "overlay", "rootless: overlay usable");
	storage_conf_free(c);

	write_file("etc/storage.conf", "[storage]\ndriver = \"devicemapper\"\n");
	c = load(&o, &e);
	is_str(c ? c->driver : NULL, "", "rootless: a root-only driver is dropped");
	storage_conf_free(c);
	o = opts(0);
	c = load(&o, &e);
	is_str(c ? c->driver : NULL, "devicemapper", "root: driver kept");
	storage_conf_free(c);
	cpod_error_free(e);
}

static void test_user_file(void)
{
	cpod_error *e = NULL;
	storage_conf_opts o = opts(1);
	storage_conf *c;
	_cleanup_free_ char *user = path_of("home/.config/cpod/storage.conf");

	clean_dir();
	set_user_env();
	write_file("etc/storage.conf", "[storage]\ngraphroot = \"/sys-root\"\n");
	write_file("home/.config/cpod/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = "
						     "\"/my/root\"\nrunroot = \"/my/run\"\n");
	c = load(&o, &e);
	ok(c != NULL, "rootless user file loads");
	if (c) {
		is_str(c->path, user, "user's own file chosen");
		is_str(c->graphroot, "/my/root", "user file graphroot honoured");
		is_str(c->runroot, "/my/run", "user file runroot honoured");
		is_str(c->driver, "vfs", "user file driver");
	}
	storage_conf_free(c);

	o = opts(0);
	c = load(&o, &e);
	is_str(c ? c->graphroot : NULL, "/sys-root", "root ignores the user file");
	storage_conf_free(c);
	cpod_error_free(e);
}

static void test_overrides(void)
{
	cpod_error *e = NULL;
	storage_conf_opts o = opts(0);
	storage_conf *c;
	_cleanup_free_ char *explicit = path_of("explicit.conf");
	_cleanup_free_ char *missing = path_of("missing.conf");
	static const char *const cli_opts[] = { "overlay.mountopt=ro", NULL };
	static const char *const no_opts[] = { NULL };
	char **v;

	clean_dir();
	set_user_env();
	write_file("etc/storage.conf", "[storage]\ndriver = "
				       "\"overlay\"\n[storage.options]\nmountopt = \"nodev\"\n");
	write_file("explicit.conf", "[storage]\ngraphroot = \"/explicit\"\n");

	setenv("CPOD_STORAGE_CONF", explicit, 1);
	c = load(&o, &e);
	is_str(c ? c->path : NULL, explicit, "CPOD_STORAGE_CONF chooses the file");
	is_str(c ? c->graphroot : NULL, "/explicit", "CPOD_STORAGE_CONF graphroot");
	storage_conf_free(c);
	setenv("CPOD_STORAGE_CONF", missing, 1);
	c = load(&o, &e);
	ok(c == NULL && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "missing CPOD_STORAGE_CONF "
								  "fails");
	ok(e && strstr(cpod_error_message(e), missing), "error names the file");
	cpod_error_free(e);
	e = NULL;
	unsetenv("CPOD_STORAGE_CONF");

	setenv("STORAGE_DRIVER", "vfs", 1);
	setenv("STORAGE_OPTS", "vfs.ignore_chown_errors=true,,x=y", 1);
	c = load(&o, &e);
	is_str(c ? c->driver : NULL, "vfs", "STORAGE_DRIVER overrides the file");
	v = c ? storage_conf_driver_options(c, "vfs") : NULL;
	is_int(strv_length(v), 2, "STORAGE_OPTS replaces the options");
	is_str(v ? v[0] : NULL, "vfs.ignore_chown_errors=true", "STORAGE_OPTS as written");
	strv_free(v);
	storage_conf_free(c);

	o.graphroot = "/cli/root";
	o.runroot = "/cli/run";
	o.driver = "overlay";
	o.storage_opts = cli_opts;
	c = load(&o, &e);
	ok(c != NULL, "caller overrides load");
	if (c) {
		is_str(c->graphroot, "/cli/root", "--root wins");
		is_str(c->runroot, "/cli/run", "--runroot wins");
		is_str(c->driver, "overlay", "--storage-driver wins");
		v = storage_conf_driver_options(c, "overlay");
		is_int(strv_length(v), 1, "--storage-opt replaces everything");
		is_str(v[0], "overlay.mountopt=ro", "--storage-opt value");
		strv_free(v);
	}
	storage_conf_free(c);
	o.storage_opts = no_opts;
	c = load(&o, &e);
	v = c ? storage_conf_driver_options(c, "overlay") : NULL;
	ok(v && !v[0], "an empty --storage-opt list clears the options");
	strv_free(v);
	storage_conf_free(c);
	unsetenv("STORAGE_DRIVER");
	unsetenv("STORAGE_OPTS");

	o.storage_opts = NULL;
	o.graphroot = "relative/root";
	c = load(&o, &e);
	ok(c == NULL, "relative --root refused");
	is_str(cpod_error_message(e), "--root 'relative/root' must be an absolute path",
	       "relative root message");
	cpod_error_free(e);
}

static void test_paths_and_errors(void)
{
	cpod_error *e = NULL;
	storage_conf_opts o = opts(0);
	storage_conf *c;
	_cleanup_free_ char *sys = path_of("etc/storage.conf");
	_cleanup_free_ char *real = path_of("real");
	_cleanup_free_ char *link = path_of("link");
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *want = NULL;

	clean_dir();
	set_user_env();
	mkdir(real, 0755);
	if (symlink(real, link) < 0)
		abort();
	setenv("CPOD_TEST_ROOT", tmp, 1);
	write_file("etc/storage.conf", "[storage]\ngraphroot = \"${CPOD_TEST_ROOT}/link\"\n"
				       "runroot = \"$CPOD_TEST_ROOT/run/$UID\"\n");
	c = load(&o, &e);
	is_str(c ? c->graphroot : NULL, real, "${VAR} expanded and symlink resolved");
	want = xasprintf("%s/run/%u", tmp, (unsigned)getuid());
	is_str(c ? c->runroot : NULL, want, "$VAR and $UID expanded; missing path kept");
	storage_conf_free(c);

	write_file("etc/storage.conf", "[storage]\n\ngraphroot = 5\n");
	c = load(&o, &e);
	text = xasprintf("%s:3:13: key 'storage.graphroot': expected string, got integer", sys);
	is_str(cpod_error_message(e), text, "type error names file, line and key");
	cpod_error_free(e);
	e = NULL;
	free(TAKE_PTR(text));

	write_file("etc/storage.conf", "[storage.options]\nadditionalimagestores = [1]\n");
	c = load(&o, &e);
	text = xasprintf("%s:2:26: key 'storage.options.additionalimagestores[0]': expected "
			 "string, got integer",
			 sys);
	is_str(cpod_error_message(e), text, "array element type error");
	cpod_error_free(e);
	e = NULL;
	free(TAKE_PTR(text));

	write_file("etc/storage.conf", "[storage]\ndriver = \"overlay\n");
	c = load(&o, &e);
	ok(c == NULL && e && str_has_prefix(cpod_error_message(e), sys), "malformed file: %s",
	   cpod_error_message(e));
	ok(e && strstr(cpod_error_message(e), ":2:"), "malformed file: line named");
	cpod_error_free(e);
	e = NULL;

	write_file("etc/storage.conf", "[storage]\ngraphroot = \"relative\"\n");
	c = load(&o, &e);
	is_str(cpod_error_message(e), "graphroot 'relative' must be an absolute path",
	       "relative graphroot refused");
	cpod_error_free(e);
	storage_conf_free(c);
}

int main(void)
{
	if (!mkdtemp(tmp))
		abort();
	test_defaults();
	test_system_file();
	test_user_file();
	test_overrides();
	test_paths_and_errors();
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
