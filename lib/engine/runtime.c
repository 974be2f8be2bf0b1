#include "engine/runtime_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void copy_opts(cpod_runtime *rt, const cpod_runtime_opts *o)
{
	rt->want_runtime = dup_or_null(o->runtime);
	strv_pushv(&rt->runtime_flags, o->runtime_flags);
	rt->want_conmon = dup_or_null(o->conmon);
	rt->cgroup_manager =
		xstrdup(o->cgroup_manager ? o->cgroup_manager : rt->cc->cgroup_manager);
	rt->events_backend = xstrdup(o->events_backend ? o->events_backend : rt->cc->events_logger);
	strv_pushv(&rt->hooks_dirs,
		   o->hooks_dirs ? o->hooks_dirs : (const char *const *)rt->cc->hooks_dir.v);
	rt->network_config_dir = dup_or_null(o->network_config_dir);
	rt->tmpdir = dup_or_null(o->tmpdir);
	rt->volumepath = dup_or_null(o->volumepath);
	rt->self_path = dup_or_null(o->self_path);
	strv_pushv(&rt->self_global_args, o->self_global_args);
}

static int load_modules(cpod_runtime *rt, const char *const *modules, cpod_error **err)
{
	for (; modules && *modules; modules++)
		if (containers_conf_merge_file(rt->cc, *modules, err) < 0)
			return cpod_err_prefix(err, "loading module '%s'", *modules);
	return 0;
}

cpod_runtime *cpod_runtime_new(const cpod_runtime_opts *opts, cpod_error **err)
{
	static const cpod_runtime_opts none = { .struct_size = sizeof(cpod_runtime_opts) };
	cpod_runtime_opts o = none;
	cpod_runtime *rt = xcalloc(1, sizeof(*rt));
	storage_conf_opts so = { .rootless = -1 };

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	rt->rootless = geteuid() != 0;
	strv_init(&rt->runtime_flags);
	strv_init(&rt->hooks_dirs);
	strv_init(&rt->self_global_args);
	so.graphroot = o.root;
	so.runroot = o.runroot;
	so.driver = o.storage_driver;
	so.storage_opts = o.storage_opts;
	if (containers_conf_load(NULL, &rt->cc, err) < 0 || load_modules(rt, o.modules, err) < 0 ||
	    storage_conf_load(&so, &rt->sc, err) < 0) {
		cpod_runtime_free(rt);
		return NULL;
	}
	copy_opts(rt, &o);
	return rt;
}

void cpod_runtime_free(cpod_runtime *rt)
{
	if (!rt)
		return;
	if (rt->cc)
		containers_conf_free(rt->cc);
	if (rt->sc)
		storage_conf_free(rt->sc);
	free(rt->want_runtime);
	strv_clear(&rt->runtime_flags);
	free(rt->want_conmon);
	free(rt->cgroup_manager);
	free(rt->events_backend);
	strv_clear(&rt->hooks_dirs);
	free(rt->network_config_dir);
	free(rt->tmpdir);
	free(rt->volumepath);
	free(rt->self_path);
	strv_clear(&rt->self_global_args);
	oci_runtime_choice_release(&rt->oci);
	store_close(rt->store);
	free(rt);
}

int cpod_runtime_is_rootless(const cpod_runtime *rt)
{
	return rt->rootless;
}

const char *engine_runroot(cpod_runtime *rt, cpod_error **err)
{
	if (fs_mkdir_p(rt->sc->runroot, 0700) < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating runroot '%s'", rt->sc->runroot);
		return NULL;
	}
	return rt->sc->runroot;
}

const oci_runtime_choice *engine_oci_runtime(cpod_runtime *rt, cpod_error **err)
{
	const char *runroot;

	if (rt->oci_chosen)
		return &rt->oci;
	runroot = engine_runroot(rt, err);
	if (!runroot || oci_select_runtime(rt->cc, rt->want_runtime, runroot, &rt->oci, err) < 0)
		return NULL;
	rt->oci_chosen = 1;
	return &rt->oci;
}

store *engine_store(cpod_runtime *rt, cpod_error **err)
{
	_cleanup_strv_free_ char **opts = NULL;
	store_opts o = { 0 };

	if (rt->store)
		return rt->store;
	opts = storage_conf_driver_options(rt->sc, rt->sc->driver);
	o.graphroot = rt->sc->graphroot;
	o.runroot = rt->sc->runroot;
	o.driver = rt->sc->driver;
	o.driver_opts = (const char *const *)opts;
	if (store_open(&o, &rt->store, err) < 0)
		return NULL;
	return rt->store;
}
