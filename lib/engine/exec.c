/* Exec sessions: a process run in a running container through conmon (conmon.md §2b, §4).
 * A session lives in <bundle>/exec/<session id>/: its process spec, pidfile, exit dir,
 * persist dir and attach socket. */
#include "engine/container_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "engine/attach.h"
#include "engine/ctr_oci.h"
#include "oci/caps.h"
#include "oci/conmon.h"
#include "oci/userlookup.h"
#include "common/banned.h"

#define SPEC_CAP (16u << 20)

static json_object *strv_json(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* KEY=V entries of add replace or extend env (a json array of strings). */
static void merge_env(json_object *env, const char *const *add)
{
	for (; add && *add; add++) {
		const char *eq = strchr(*add, '=');
		size_t klen = eq ? (size_t)(eq - *add) : strlen(*add);
		bool done = false;

		for (size_t i = 0; i < json_object_array_length(env); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(env, i));

			if (e && strncmp(e, *add, klen) == 0 && e[klen] == '=') {
				json_object_array_put_idx(env, i, json_object_new_string(*add));
				done = true;
				break;
			}
		}
		if (!done)
			json_object_array_add(env, json_object_new_string(*add));
	}
}

static int resolve_user(const ctr *c, const char *spec, json_object *proc, cpod_error **err)
{
	_cleanup_close_ int rootfd = -1;
	userlookup_file pw = { 0 }, gr = { 0 };
	exec_user u = { 0 };
	json_object *user = json_object_new_object();
	int r = -1;

	rootfd = open(c->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		json_object_put(user);
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", c->mountpoint);
	}
	if (userlookup_read_in_root(rootfd, "/etc/passwd", &pw, err) < 0 ||
	    userlookup_read_in_root(rootfd, "/etc/group", &gr, err) < 0 ||
	    userlookup_exec_user(spec, &pw, &gr, &u, err) < 0)
		goto out;
	json_object_object_add(user, "uid", json_object_new_int64(u.uid));
	json_object_object_add(user, "gid", json_object_new_int64(u.gid));
	if (u.n_sgids) {
		json_object *g = json_object_new_array();

		for (size_t i = 0; i < u.n_sgids; i++)
			json_object_array_add(g, json_object_new_int64(u.sgids[i]));
		json_object_object_add(user, "additionalGids", g);
	}
	json_object_object_add(proc, "user", json_object_get(user));
	r = 0;
out:
	json_object_put(user);
	exec_user_release(&u);
	userlookup_file_release(&pw);
	userlookup_file_release(&gr);
	return r;
}

static json_object *all_caps(void)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i <= caps_last_cap(); i++)
		if (cap_name(i))
			json_object_array_add(a, json_object_new_string(cap_name(i)));
	return a;
}

/* The container's process object with this exec's args, env, cwd, user and terminal. */
static int process_spec(cpod_runtime *rt, const ctr *c, const cpod_exec_opts *o, json_object **ret,
			cpod_error **err)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_json_ json_object *spec = NULL;
	json_object *proc, *env;

	if (fs_read_file(path, SPEC_CAP, &b, err) < 0 ||
	    !(spec = json_parse_bytes(b.s, b.len, SPEC_CAP, err)))
		return cpod_err_prefix(err, "reading the spec of container '%s'", c->name);
	if (!json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_is_type(proc, json_type_object))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s': no process", path);
	proc = json_object_get(proc);
	json_object_object_add(proc, "args", strv_json(o->cmd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
	if (!json_object_object_get_ex(proc, "env", &env) ||
	    !json_object_is_type(env, json_type_array)) {
		env = json_object_new_array();
		json_object_object_add(proc, "env", env);
	}
	merge_env(env, o->env);
	if (o->tty)
		merge_env(env, (const char *const[]){ "TERM=xterm", NULL });
	if (o->workdir && *o->workdir)
		json_object_object_add(proc, "cwd", json_object_new_string(o->workdir));
	if (o->user && *o->user && resolve_user(c, o->user, proc, err) < 0) {
		json_object_put(proc);
		return -1;
	}
	if (o->privileged) {
		json_object *caps = json_object_new_object();

		json_object_object_add(caps, "bounding", all_caps());
		json_object_object_add(caps, "effective", all_caps());
		json_object_object_add(caps, "permitted", all_caps());
		json_object_object_add(proc, "capabilities", caps);
	}
	*ret = proc;
	return 0;
}

static int write_process(const char *dir, json_object *proc, char **ret_path, cpod_error **err)
{
	const char *s = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_NOSLASHESCAPE);
	char *path = xasprintf("%s/exec-process", dir);

	if (fs_write_atomic(AT_FDCWD, path, s, strlen(s), 0600, false, err) < 0) {
		free(path);
		return -1;
	}
	*ret_path = path;
	return 0;
}

typedef struct {
	cpod_runtime *rt;
	const ctr *c;
	conmon_exec_session *s;
} exec_proxy;

static int exec_signal(void *userdata, int sig)
{
	exec_proxy *p = userdata;

	if (p->s->pid > 0)
		kill(p->s->pid, sig);
	return 0;
}

static int run_session(cpod_runtime *rt, const ctr *c, const cpod_exec_opts *o,
		       conmon_exec_opts *eo, const char *sdir, int *ret_status, cpod_error **err)
{
	conmon_exec_session s = { .sync_fd = -1, .attach_fd = -1 };
	exec_proxy p = { rt, c, &s };
	attach_io io;
	int detached = 0, code = -1, r = -1;
	pid_t pid;

	if (o->tty)
		tty_get_size(o->stdout_fd >= 0 && isatty(o->stdout_fd) ? o->stdout_fd : o->stdin_fd,
			     &eo->rows, &eo->cols);
	if (conmon_exec(eo, &s, err) < 0)
		return -1;
	if (o->detach) {
		r = conmon_exec_wait_pid(&s, &pid, err);
		goto out;
	}
	attach_io_init(&io);
	io.stdin_fd = o->interactive ? o->stdin_fd : -1;
	io.stdout_fd = o->stdout_fd;
	io.stderr_fd = o->stderr_fd;
	io.detach_keys = o->detach_keys ? o->detach_keys : rt->cc->detach_keys;
	io.resize_bundle = o->tty ? sdir : NULL;
	io.extra_fd = s.sync_fd;
	io.extra_cb = conmon_exec_on_sync;
	io.extra_userdata = &s;
	io.signal_cb = exec_signal;
	io.signal_userdata = &p;
	if (attach_pump(s.attach_fd, &io, &detached, err) < 0)
		goto out;
	if (detached) {
		r = CPOD_DETACHED;
		goto out;
	}
	if (s.failed) {
		r = conmon_runtime_error(err, s.runtime_name, s.message);
		goto out;
	}
	if (conmon_exec_wait_exit(&s, 30000, &code, err) < 0)
		goto out;
	*ret_status = code;
	r = 0;
out:
	conmon_exec_session_release(&s);
	return r;
}

int cpod_container_exec(cpod_runtime *rt, const char *nameorid, const cpod_exec_opts *opts,
			int *ret_status, char **ret_session, cpod_error **err)
{
	cpod_exec_opts o = {
		.struct_size = sizeof(o), .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1
	};
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_free_ char *id = NULL, *sid = NULL, *bundle = NULL, *sdir = NULL, *spec = NULL;
	_cleanup_free_ char *pidfile = NULL, *exitdir = NULL, *persist = NULL, *conmon = NULL;
	_cleanup_json_ json_object *proc = NULL;
	_cleanup_strv_ strv eargs = STRV_INIT;
	conmon_exec_opts eo = { 0 };
	int r;

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (!o.cmd || !o.cmd[0])
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"must provide a non-empty command to start an exec session");
	if (!(id = ctr_lookup_id(rt, nameorid, err)) || ctr_load(rt, id, &c, err) < 0 ||
	    ctr_sync_exit(rt, c, err) < 0)
		return -1;
	if (c->state != CTR_RUNNING)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"can only create exec sessions on running containers: container "
				"state improper");
	if (!(sid = id_generate(err)) || process_spec(rt, c, &o, &proc, err) < 0)
		return -1;
	bundle = ctr_bundle_dir(rt, c->id);
	sdir = xasprintf("%s/exec/%s", bundle, sid);
	exitdir = xasprintf("%s/exit", sdir);
	persist = xasprintf("%s/persist/%s", sdir, c->id);
	pidfile = xasprintf("%s/exec_pid", sdir);
	if (fs_mkdir_p(exitdir, 0700) < 0 || fs_mkdir_p(persist, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", sdir);
	if (write_process(sdir, proc, &spec, err) < 0)
		return -1;
	if (rt->want_conmon)
		conmon = xstrdup(rt->want_conmon);
	else if (containers_conf_find_conmon(rt->cc, &conmon, err) < 0)
		return -1;
	eo.common.conmon_path = conmon;
	eo.common.runtime_path = c->runtime;
	eo.common.id = c->id;
	eo.common.cuuid = sid;
	eo.common.name = c->name;
	eo.common.bundle = sdir;
	eo.common.pidfile = pidfile;
	eo.common.exit_dir = exitdir;
	eo.common.persist_dir = persist;
	eo.common.log_driver = CONMON_LOG_NONE;
	eo.common.terminal = o.tty;
	eo.common.stdin = o.interactive;
	eo.common.process_spec = spec;
	eo.attach = !o.detach;
	{
		_cleanup_strv_ strv rargs = STRV_INIT;

		ctr_oci_runtime_args(rt, c->runtime, &rargs);
		eo.common.runtime_args = (const char *const *)rargs.v;
		if (o.detach && rt->self_path) {
			strv_pushv(&eargs, (const char *const *)rt->self_global_args.v);
			strv_pushv(&eargs, (const char *const[]){ "container", "cleanup", "--exec",
								  sid, c->id, NULL });
			eo.common.exit_command = rt->self_path;
			eo.common.exit_command_args = (const char *const *)eargs.v;
		}
		r = run_session(rt, c, &o, &eo, sdir, ret_status, err);
	}
	if (r == 0 && o.detach && ret_session)
		*ret_session = xstrdup(sid);
	if (!o.detach && r != CPOD_DETACHED && fs_rm_rf_at(AT_FDCWD, sdir) < 0)
		log_debug("removing '%s': %s", sdir, strerror(errno));
	return r;
}

int ctr_exec_cleanup(cpod_runtime *rt, const char *nameorid, const char *session, cpod_error **err)
{
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err), *bundle = NULL, *sdir = NULL;

	if (!id)
		return -1;
	if (!id_is_full(session))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid exec session ID '%s'", session);
	bundle = ctr_bundle_dir(rt, id);
	sdir = xasprintf("%s/exec/%s", bundle, session);
	if (fs_rm_rf_at(AT_FDCWD, sdir) < 0 && errno != ENOENT)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s'", sdir);
	return 0;
}
