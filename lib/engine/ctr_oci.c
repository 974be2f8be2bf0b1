/* The engine's side of conmon and the OCI runtime: which paths, flags, log driver and exit
 * command a container gets. */
#include "engine/ctr_oci.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/conmon.h"
#include "oci/ociruntime.h"
#include "common/banned.h"

/* The runtime's global flags: containers.conf / --runtime-flag ones, and a --root of cpod's
 * own so that its containers never mix with another engine's. */
void ctr_oci_runtime_args(cpod_runtime *rt, const char *rtpath, strv *out)
{
	const char *base = strrchr(rtpath, '/');

	_cleanup_free_ char *root =
		xasprintf("%s/oci/%s", rt->sc->runroot, base ? base + 1 : rtpath);

	for (size_t i = 0; i < rt->runtime_flags.n; i++) {
		const char *f = rt->runtime_flags.v[i];
		_cleanup_free_ char *dashed = str_has_prefix(f, "-") ? NULL : xasprintf("--%s", f);

		strv_push(out, dashed ? dashed : f);
	}
	strv_push(out, "--root");
	strv_push(out, root);
}

static oci_rt *open_rt(cpod_runtime *rt, const char *path)
{
	_cleanup_strv_ strv args = STRV_INIT;

	ctr_oci_runtime_args(rt, path, &args);
	return oci_rt_new(path, NULL, (const char *const *)args.v);
}

static int runtime_path(cpod_runtime *rt, const ctr *c, const char **ret, cpod_error **err)
{
	const oci_runtime_choice *ch;

	if (c->runtime) {
		*ret = c->runtime;
		return 0;
	}
	ch = engine_oci_runtime(rt, err);
	if (!ch)
		return -1;
	*ret = ch->path;
	return 0;
}

static conmon_log_driver log_driver(cpod_runtime *rt, const ctr *c, cpod_error **err, int *ok)
{
	json_object *lc = NULL;
	const char *d;

	json_object_object_get_ex(c->sg, "log_configuration", &lc);
	d = sg_str(lc, "driver", NULL);
	if (!d || !*d)
		d = rt->cc->log_driver;
	*ok = 1;
	if (!*d || strcmp(d, "k8s-file") == 0 || strcmp(d, "json-file") == 0)
		return CONMON_LOG_K8S_FILE;
	if (strcmp(d, "none") == 0)
		return CONMON_LOG_NONE;
	if (strcmp(d, "passthrough") == 0)
		return CONMON_LOG_PASSTHROUGH;
	if (strcmp(d, "journald") == 0)
		return CONMON_LOG_JOURNALD;
	*ok = 0;
	cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported log driver '%s'", d);
	return CONMON_LOG_NONE;
}

/* conmon's exit command: `cpod <global args> container cleanup --stopped-only [--rm] ID`. */
static void exit_command(cpod_runtime *rt, const ctr *c, strv *args)
{
	strv_pushv(args, (const char *const *)rt->self_global_args.v);
	strv_push(args, "container");
	strv_push(args, "cleanup");
	strv_push(args, "--stopped-only");
	if (sg_bool(c->sg, "remove", false))
		strv_push(args, "--rm");
	strv_push(args, c->id);
}

int ctr_oci_create(cpod_runtime *rt, const ctr *c, const char *bundle, ctr_oci_created *ret,
		   cpod_error **err)
{
	_cleanup_strv_ strv rargs = STRV_INIT, eargs = STRV_INIT;
	_cleanup_free_ char *conmon = NULL, *pidfile = xasprintf("%s/pidfile", bundle);
	_cleanup_free_ char *cpid = xasprintf("%s/conmon.pid", bundle);
	_cleanup_free_ char *ocilog = xasprintf("%s/oci-log", bundle);
	_cleanup_free_ char *exits = ctr_exit_dir(rt), *persist = ctr_persist_dir(rt, c->id);
	_cleanup_free_ char *logpath = ctr_log_path(rt, c);
	json_object *lc = NULL;
	conmon_opts o = { 0 };
	conmon_result res;
	const char *rtpath;
	int ok;

	if (runtime_path(rt, c, &rtpath, err) < 0)
		return -1;
	if (rt->want_conmon)
		conmon = xstrdup(rt->want_conmon);
	else if (containers_conf_find_conmon(rt->cc, &conmon, err) < 0)
		return -1;
	ctr_oci_runtime_args(rt, rtpath, &rargs);
	json_object_object_get_ex(c->sg, "log_configuration", &lc);
	o.conmon_path = conmon;
	o.runtime_path = rtpath;
	o.runtime_args = (const char *const *)rargs.v;
	o.id = c->id;
	o.name = c->name;
	o.bundle = bundle;
	o.pidfile = pidfile;
	o.exit_dir = exits;
	o.persist_dir = persist;
	o.log_driver = log_driver(rt, c, err, &ok);
	if (!ok)
		return -1;
	o.log_path = logpath;
	o.log_size_max = sg_int(lc, "size", rt->cc->log_size_max);
	o.log_tag = sg_str(lc, "tag", NULL);
	o.oci_log = ocilog;
	o.terminal = sg_bool(c->sg, "terminal", false);
	o.stdin = sg_bool(c->sg, "stdin", false);
	o.timeout = (unsigned)sg_int(c->sg, "timeout", 0);
	o.no_pivot = rt->cc->no_pivot_root;
	o.conmon_pidfile = cpid;
	if (rt->self_path) {
		exit_command(rt, c, &eargs);
		o.exit_command = rt->self_path;
		o.exit_command_args = (const char *const *)eargs.v;
	}
	if (conmon_create(&o, &res, err) < 0)
		return cpod_err_prefix(err, "creating container '%s'", c->name);
	ret->pid = res.pid;
	ret->conmon_pid = res.conmon_pid;
	ret->runtime = xstrdup(rtpath);
	return 0;
}

#define WITH_RT(c, call)                                    \
	do {                                                \
		_cleanup_(oci_rtp) oci_rt *r_ = NULL;       \
		const char *path_;                          \
		if (runtime_path(rt, (c), &path_, err) < 0) \
			return -1;                          \
		r_ = open_rt(rt, path_);                    \
		return call;                                \
	} while (0)

/* oci_rt_freep comes from DEFINE_CLEANUP_FUNC(oci_rt, oci_rt_free). */
#define oci_rtp oci_rt_freep

int ctr_oci_start(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	WITH_RT(c, oci_rt_start(r_, c->id, err));
}

int ctr_oci_kill(cpod_runtime *rt, const ctr *c, int sig, bool all, cpod_error **err)
{
	WITH_RT(c, oci_rt_kill(r_, c->id, sig, all, err));
}

int ctr_oci_pause(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	WITH_RT(c, oci_rt_pause(r_, c->id, err));
}

int ctr_oci_resume(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	WITH_RT(c, oci_rt_resume(r_, c->id, err));
}

bool ctr_oci_exists(cpod_runtime *rt, const ctr *c)
{
	const char *base = c->runtime ? strrchr(c->runtime, '/') : NULL;
	_cleanup_free_ char *dir = NULL;

	if (!c->runtime)
		return false;
	/* runc and crun keep a directory per container under their --root. */
	dir = xasprintf("%s/oci/%s/%s", rt->sc->runroot, base ? base + 1 : c->runtime, c->id);
	return access(dir, F_OK) == 0;
}

int ctr_oci_delete(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	_cleanup_(oci_rt_freep) oci_rt *r = NULL;
	const char *path;

	if (runtime_path(rt, c, &path, err) < 0)
		return -1;
	r = open_rt(rt, path);
	if (oci_rt_delete(r, c->id, true, err) < 0) {
		if (cpod_error_kind(*err) != CPOD_ERR_NOT_FOUND)
			return -1;
		cpod_error_free(*err);
		*err = NULL;
	}
	return 0;
}
