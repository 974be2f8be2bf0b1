/* pause, unpause, rename, restart and prune. */
#include "engine/container_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strv.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "engine/ctr_oci.h"
#include "common/banned.h"

int cpod_container_pause(cpod_runtime *rt, const char *nameorid, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return -1;
	if (c->state == CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"\"%s\" is already paused: container state improper", c->id);
	if (c->state != CTR_RUNNING)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"\"%s\" is not running, can't pause: container state improper",
				c->id);
	if (ctr_oci_pause(rt, c, err) < 0)
		return -1;
	c->state = CTR_PAUSED;
	return ctr_save(rt, c, err);
}

int cpod_container_unpause(cpod_runtime *rt, const char *nameorid, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	if (c->state != CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"\"%s\" is not paused, can't unpause: container state improper",
				c->id);
	if (ctr_oci_resume(rt, c, err) < 0)
		return -1;
	c->state = CTR_RUNNING;
	return ctr_save(rt, c, err);
}

int cpod_container_rename(cpod_runtime *rt, const char *nameorid, const char *new_name,
			  cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."
				 "-";

	if (!new_name || !*new_name || strspn(new_name, ok) != strlen(new_name) ||
	    strchr("_.-", new_name[0]))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	return ctr_rename_row(rt, c->id, new_name, err);
}

int cpod_container_restart(cpod_runtime *rt, const char *nameorid, int timeout, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;
	bool was_running;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return -1;
	was_running = c->state == CTR_RUNNING || c->state == CTR_PAUSED;
	lock_release(&l);
	if (was_running && cpod_container_stop(rt, c->id, timeout, err) < 0)
		return -1;
	ctr_free(c);
	c = NULL;
	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	c->restart_count++;
	if (ctr_save(rt, c, err) < 0)
		return -1;
	return ctr_start_or_fail(rt, c, err);
}

/* container prune's filters: label=k[=v], label!=k[=v], until=TIME. */
static int prune_match(const ctr *c, const char *const *filters, bool *ret, cpod_error **err)
{
	*ret = true;
	for (; filters && *filters; filters++) {
		const char *f = *filters;

		if (str_has_prefix(f, "until=")) {
			struct timespec now, t;

			clock_gettime(CLOCK_REALTIME, &now);
			if (timeparse_filter(f + 6, &now, &t, err) < 0)
				return cpod_err_prefix(err, "invalid filter '%s'", f);
			if (c->created >= (int64_t)t.tv_sec * 1000000000 + t.tv_nsec)
				*ret = false;
		} else if (str_has_prefix(f, "label=") || str_has_prefix(f, "label!=")) {
			bool neg = f[5] == '!';
			const char *kv = f + (neg ? 7 : 6), *eq = strchr(kv, '=');
			_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
			json_object *labels, *v;
			bool has = json_object_object_get_ex(c->sg, "labels", &labels) &&
				   json_object_object_get_ex(labels, k, &v) &&
				   (!eq || strcmp(json_object_get_string(v), eq + 1) == 0);

			if (has == neg)
				*ret = false;
		} else {
			return cpod_err(err, CPOD_ERR_INVALID, 0, "%s is an invalid filter", f);
		}
	}
	return 0;
}

int cpod_container_prune(cpod_runtime *rt, const char *const *filters, char ***ret_ids,
			 cpod_error **err)
{
	_cleanup_strv_ strv removed = STRV_INIT;
	ctr **all = NULL;
	size_t n = 0;
	int r = -1;

	for (const char *const *f = filters; f && *f; f++)
		if (!str_has_prefix(*f, "until=") && !str_has_prefix(*f, "label=") &&
		    !str_has_prefix(*f, "label!="))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "%s is an invalid filter", *f);
	if (ctr_load_all(rt, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cpod_rm_opts o = {
			.struct_size = sizeof(o), .volumes = false, .ignore = true, .timeout = -1
		};
		bool match;

		/* podman prunes every container that is not running: exited and created ones. */
		if (all[i]->state != CTR_EXITED && all[i]->state != CTR_STOPPED &&
		    all[i]->state != CTR_CONFIGURED)
			continue;
		if (prune_match(all[i], filters, &match, err) < 0)
			goto out;
		if (!match)
			continue;
		if (cpod_container_remove(rt, all[i]->id, &o, err) < 0)
			goto out;
		strv_push(&removed, all[i]->id);
	}
	*ret_ids = strv_detach(&removed);
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		ctr_free(all[i]);
	free(all);
	return r;
}
