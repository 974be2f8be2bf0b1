/* A small lab for tests that run real containers through conmon and runc: a busybox root file
 * system, bundles with a minimal config.json, and the conmon options podman would pass.
 * Include after tmpdir.h.  Everything lives under tmp (runc's state too, through --root), so
 * nothing leaks into /run/runc; IDs carry the test's pid so that parallel runs do not meet.
 */
#ifndef CPOD_TEST_CONMON_LAB_H
#define CPOD_TEST_CONMON_LAB_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "oci/conmon.h"
#include "oci/ociruntime.h"

#define LAB_CONMON "/usr/bin/conmon"
#define LAB_RUNC "/usr/sbin/runc"
#define LAB_BUSYBOX "/bin/busybox"

static char *lab_rootfs, *lab_runc_root, *lab_exits;
static oci_rt *lab_rt;

/* Why the lab cannot run here, or NULL. */
static inline const char *lab_unavailable(void)
{
	if (geteuid() != 0)
		return "not root";
	if (access(LAB_CONMON, X_OK) < 0)
		return "no " LAB_CONMON;
	if (access(LAB_RUNC, X_OK) < 0)
		return "no " LAB_RUNC;
	if (access(LAB_BUSYBOX, X_OK) < 0)
		return "no " LAB_BUSYBOX;
	return NULL;
}

static inline int lab_copy(const char *from, const char *to)
{
	buf b = BUF_INIT;
	int fd, r = -1;

	if (buf_read_file(&b, from) < 0)
		return -1;
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd >= 0 && write(fd, b.s, b.len) == (ssize_t)b.len)
		r = 0;
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return r;
}

static inline int lab_setup(void)
{
	static const char *const dirs[] = { "rootfs/bin", "rootfs/proc", "rootfs/dev",
					    "rootfs/sys", "rootfs/tmp",	 "rootfs/etc" };
	static const char *const tools[] = { "sh",   "echo",   "sleep", "cat", "true", "ls",
					     "stty", "printf", "env",	"id",  "kill" };
	_cleanup_free_ char *bb = path_of("rootfs/bin/busybox");

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = path_of(dirs[i]);
		if (fs_mkdir_p(d, 0755) < 0)
			return -1;
	}
	if (lab_copy(LAB_BUSYBOX, bb) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		_cleanup_free_ char *l = xasprintf("%s/rootfs/bin/%s", tmp, tools[i]);
		if (symlink("busybox", l) < 0)
			return -1;
	}
	lab_rootfs = path_of("rootfs");
	lab_runc_root = path_of("runc");
	lab_exits = path_of("exits");
	lab_rt = oci_rt_new(LAB_RUNC, NULL, (const char *const[]){ "--root", lab_runc_root, NULL });
	return 0;
}

static inline void lab_teardown(void)
{
	oci_rt_free(lab_rt);
	free(lab_rootfs);
	free(lab_runc_root);
	free(lab_exits);
}

static inline json_object *lab_strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static inline json_object *lab_mount(const char *dst, const char *type, const char *src,
				     const char *const *opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", lab_strings(opts));
	return m;
}

/* The OCI process object: args, terminal, root user, PATH. */
static inline json_object *lab_process(const char *const *args, bool tty)
{
	json_object *p = json_object_new_object(), *user = json_object_new_object();

	json_object_object_add(user, "uid", json_object_new_int64(0));
	json_object_object_add(user, "gid", json_object_new_int64(0));
	json_object_object_add(p, "terminal", json_object_new_boolean(tty));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", lab_strings(args));
	json_object_object_add(
		p, "env", lab_strings((const char *const[]){ "PATH=/bin", "TERM=xterm", NULL }));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	return p;
}

static inline void lab_write_json(const char *path, json_object *obj)
{
	_cleanup_free_ char *s = json_to_string(obj, JSON_FMT_COMPACT);
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(s, f);
	fclose(f);
}

static inline json_object *lab_linux(void)
{
	static const char *const ns[] = { "pid", "mount", "ipc", "uts" };
	json_object *l = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(ns[i]));
		json_object_array_add(a, o);
	}
	json_object_object_add(l, "namespaces", a);
	return l;
}

/* Writes <bundle>/config.json for args (no rlimits: conmon.md 8.5). */
static inline void lab_config(const char *bundle, const char *const *args, bool tty)
{
	static const char *const dev_opts[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
						NULL };
	static const char *const pts_opts[] = { "nosuid",	 "noexec",    "newinstance",
						"ptmxmode=0666", "mode=0620", NULL };
	_cleanup_json_ json_object *spec = json_object_new_object();
	json_object *root = json_object_new_object(), *mounts = json_object_new_array();
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);

	json_object_object_add(root, "path", json_object_new_string(lab_rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_array_add(mounts, lab_mount("/proc", "proc", "proc", NULL));
	json_object_array_add(mounts, lab_mount("/dev", "tmpfs", "tmpfs", dev_opts));
	json_object_array_add(mounts, lab_mount("/dev/pts", "devpts", "devpts", pts_opts));
	json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(spec, "process", lab_process(args, tty));
	json_object_object_add(spec, "root", root);
	json_object_object_add(spec, "hostname", json_object_new_string("lab"));
	json_object_object_add(spec, "mounts", mounts);
	json_object_object_add(spec, "linux", lab_linux());
	lab_write_json(path, spec);
}

/* One container: its paths and the conmon options podman would use. */
struct lab_ctr {
	char *id, *bundle, *pidfile, *log, *oci_log, *conmon_pidfile, *persist, *exit_mark;
	const char *runtime_args[3];
	const char *exit_args[2];
	conmon_opts o;
	conmon_result res;
	bool created;
};

/* name: a short word; bundle_dir: NULL for tmp/b/<id>, or a directory to use. */
static inline void lab_ctr_init(struct lab_ctr *c, const char *name, const char *bundle_dir,
				const char *const *args, bool tty, bool stdin_open)
{
	*c = (struct lab_ctr){ 0 };
	c->id = xasprintf("cpodt%d-%s", (int)getpid(), name);
	c->bundle = bundle_dir ? xstrdup(bundle_dir) : xasprintf("%s/b/%s", tmp, c->id);
	fs_mkdir_p(c->bundle, 0700);
	c->pidfile = xasprintf("%s/pidfile", c->bundle);
	c->log = xasprintf("%s/ctr.log", c->bundle);
	c->oci_log = xasprintf("%s/oci-log", c->bundle);
	c->conmon_pidfile = xasprintf("%s/conmon.pid", c->bundle);
	c->persist = xasprintf("%s/persist/%s", tmp, c->id);
	c->exit_mark = xasprintf("%s/exit-command-ran-%s", tmp, c->id);
	lab_config(c->bundle, args, tty);
	c->runtime_args[0] = "--root";
	c->runtime_args[1] = lab_runc_root;
	c->exit_args[0] = c->exit_mark;
	c->o = (conmon_opts){ .conmon_path = LAB_CONMON,
			      .runtime_path = LAB_RUNC,
			      .runtime_args = c->runtime_args,
			      .id = c->id,
			      .name = name,
			      .bundle = c->bundle,
			      .pidfile = c->pidfile,
			      .exit_dir = lab_exits,
			      .persist_dir = c->persist,
			      .log_driver = CONMON_LOG_K8S_FILE,
			      .log_path = c->log,
			      .oci_log = c->oci_log,
			      .terminal = tty,
			      .stdin = stdin_open,
			      .conmon_pidfile = c->conmon_pidfile,
			      .exit_command = "/usr/bin/touch",
			      .exit_command_args = c->exit_args,
			      .sync_timeout_ms = 10000 };
}

static inline int lab_create(struct lab_ctr *c, cpod_error **err)
{
	if (conmon_create(&c->o, &c->res, err) < 0)
		return -1;
	c->created = true;
	return 0;
}

/* Kills pid only when it still is the conmon of id (pids get reused). */
static inline void lab_kill_conmon(pid_t pid, const char *id)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cmdline", (int)pid);
	buf b = BUF_INIT;
	bool ours;

	if (pid <= 0 || buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return;
	}
	ours = strcmp(b.s, LAB_CONMON) == 0 && memmem(b.s, b.len, id, strlen(id));
	buf_release(&b);
	if (ours)
		kill(pid, SIGKILL);
}

/* Deletes the container in runc and makes sure its conmon is gone. */
static inline void lab_ctr_release(struct lab_ctr *c)
{
	oci_rt_delete(lab_rt, c->id, true, NULL);
	if (c->created)
		lab_kill_conmon(c->res.conmon_pid, c->id);
	free(c->id);
	free(c->bundle);
	free(c->pidfile);
	free(c->log);
	free(c->oci_log);
	free(c->conmon_pidfile);
	free(c->persist);
	free(c->exit_mark);
}

/* Waits up to ms for path to exist. */
static inline bool lab_wait_file(const char *path, int ms)
{
	struct stat st;

	for (int i = 0; i < ms / 10; i++) {
		if (stat(path, &st) == 0)
			return true;
		usleep(10000);
	}
	return stat(path, &st) == 0;
}

static inline char *lab_read(const char *path)
{
	buf b = BUF_INIT;

	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b, NULL);
}

/* An exec session directory under the container's bundle with its process spec. */
struct lab_exec {
	char *sid, *dir, *exit_dir, *persist, *pidfile, *spec, *conmon_pidfile, *oci_log;
	conmon_exec_opts eo;
};

static inline void lab_exec_init(struct lab_exec *x, struct lab_ctr *c, const char *sid,
				 const char *const *args, bool tty, bool stdin_open)
{
	_cleanup_json_ json_object *proc = lab_process(args, tty);

	*x = (struct lab_exec){ 0 };
	x->sid = xstrdup(sid);
	x->dir = xasprintf("%s/%s", c->bundle, sid);
	x->exit_dir = xasprintf("%s/exit", x->dir);
	x->persist = xasprintf("%s/persist/%s", x->dir, c->id);
	x->pidfile = xasprintf("%s/exec_pid", x->dir);
	x->spec = xasprintf("%s/exec-process", x->dir);
	x->conmon_pidfile = xasprintf("%s/conmon.pid", x->dir);
	x->oci_log = xasprintf("%s/oci-log", x->dir);
	fs_mkdir_p(x->dir, 0700);
	lab_write_json(x->spec, proc);
	x->eo.common = c->o;
	x->eo.common.cuuid = x->sid;
	x->eo.common.bundle = x->dir;
	x->eo.common.pidfile = x->pidfile;
	x->eo.common.exit_dir = x->exit_dir;
	x->eo.common.persist_dir = x->persist;
	x->eo.common.log_driver = CONMON_LOG_NONE;
	x->eo.common.log_path = NULL;
	x->eo.common.oci_log = x->oci_log;
	x->eo.common.terminal = tty;
	x->eo.common.stdin = stdin_open;
	x->eo.common.process_spec = x->spec;
	x->eo.common.conmon_pidfile = x->conmon_pidfile;
	x->eo.common.exit_command = NULL;
}

static inline void lab_exec_release(struct lab_exec *x)
{
	free(x->sid);
	free(x->dir);
	free(x->exit_dir);
	free(x->persist);
	free(x->pidfile);
	free(x->spec);
	free(x->conmon_pidfile);
	free(x->oci_log);
}

#endif
