/* The public container lifecycle calls: each finds the container, takes its lock, does one
 * step of the state machine (lifecycle.c) and saves the new state. */
#include "engine/container_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "engine/ctr_oci.h"
#include "common/banned.h"

int cpod_container_init(cpod_runtime *rt, const char *nameorid, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	if (ctr_cleanup_locked(rt, c, err) < 0)
		return -1;
	return ctr_init_locked(rt, c, err);
}

int ctr_start_or_fail(cpod_runtime *rt, ctr *c, cpod_error **err)
{
	if (ctr_cleanup_locked(rt, c, err) < 0)
		return -1;
	if (ctr_start_locked(rt, c, err) < 0) {
		cpod_error *e2 = NULL;

		/* Leave it stopped and unmounted, not half-created. */
		if (c->state == CTR_CREATED) {
			ctr_oci_kill(rt, c, SIGKILL, true, NULL);
			ctr_wait_exit_file(rt, c->id, 2000);
			if (ctr_cleanup_locked(rt, c, &e2) < 0)
				cpod_error_free(e2);
		} else if (c->mountpoint && c->state != CTR_RUNNING) {
			if (ctr_cleanup_locked(rt, c, &e2) < 0)
				cpod_error_free(e2);
		}
		return -1;
	}
	return 0;
}

int cpod_container_start(cpod_runtime *rt, const char *nameorid, const cpod_attach_opts *attach,
			 int *ret_status, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (attach)
		return ctr_start_attached(rt, nameorid, attach, ret_status, err);
	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	return ctr_start_or_fail(rt, c, err);
}

/* Sends the stop signal, waits, then SIGKILL, and cleans up.  Locked. */
static int stop_locked(cpod_runtime *rt, ctr *c, int timeout, cpod_error **err)
{
	int sig = (int)sg_int(c->sg, "stop_signal", SIGTERM);
	int r;

	r = ctr_sync_exit(rt, c, err);
	if (r < 0)
		return -1;
	if (c->state == CTR_CONFIGURED || c->state == CTR_EXITED || c->state == CTR_STOPPED)
		return ctr_cleanup_locked(rt, c, err);
	if (timeout < 0)
		timeout = (int)sg_int(c->sg, "stop_timeout", rt->cc->stop_timeout);
	c->stopped_by_user = true;
	if (c->state == CTR_PAUSED && ctr_oci_resume(rt, c, NULL) < 0)
		sig = SIGKILL; /* a frozen process cannot handle a signal */
	if (c->state == CTR_CREATED)
		sig = SIGKILL;
	c->state = CTR_STOPPING;
	if (ctr_save(rt, c, err) < 0)
		return -1;
	if (timeout > 0 && sig != SIGKILL) {
		if (ctr_oci_kill(rt, c, sig, false, NULL) == 0 &&
		    ctr_wait_exit_file(rt, c->id, timeout * 1000))
			return ctr_cleanup_locked(rt, c, err);
		log_info("container %s did not stop in %d seconds after signal %d: sending SIGKILL",
			 c->id, timeout, sig);
	}
	if (ctr_oci_kill(rt, c, SIGKILL, true, err) < 0 &&
	    cpod_error_kind(*err) != CPOD_ERR_STATE && cpod_error_kind(*err) != CPOD_ERR_NOT_FOUND)
		return -1;
	if (err && *err) {
		cpod_error_free(*err);
		*err = NULL;
	}
	if (!ctr_wait_exit_file(rt, c->id, 10000))
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "container %s did not exit after SIGKILL",
				c->id);
	return ctr_cleanup_locked(rt, c, err);
}

int cpod_container_stop(cpod_runtime *rt, const char *nameorid, int timeout, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	return stop_locked(rt, c, timeout, err);
}

int cpod_container_kill(cpod_runtime *rt, const char *nameorid, int sig, cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return -1;
	if (c->state != CTR_RUNNING && c->state != CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"can only kill running containers. %s is in state %s: container "
				"state improper",
				c->id, ctr_state_name(c->state));
	if (sig <= 0 || sig >= 65)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid signal: %d", sig);
	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT) {
		c->stopped_by_user = true;
		if (ctr_save(rt, c, err) < 0)
			return -1;
	}
	return ctr_oci_kill(rt, c, sig, false, err);
}

static bool cond_match(const ctr *c, const char *const *conds)
{
	static const char *const def[] = { "stopped", "exited", NULL };

	if (!conds || !*conds)
		conds = def;
	for (; *conds; conds++) {
		const char *s = ctr_state_name(c->state);

		if (strcmp(*conds, s) == 0)
			return true;
		/* podman: "stopped" and "exited" both mean the process is gone. */
		if ((strcmp(*conds, "stopped") == 0 || strcmp(*conds, "exited") == 0) &&
		    (c->state == CTR_STOPPED || c->state == CTR_EXITED))
			return true;
		if (strcmp(*conds, "created") == 0 && c->state == CTR_CONFIGURED)
			return true;
	}
	return false;
}

static int check_conditions(const char *const *conds, cpod_error **err)
{
	static const char *const known[] = { "configured", "created",  "exited",  "initialized",
					     "paused",	   "removing", "running", "stopped",
					     "stopping",   "unknown",  NULL };

	for (; conds && *conds; conds++)
		if (!strv_contains(known, *conds))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown condition %s", *conds);
	return 0;
}

int cpod_container_wait(cpod_runtime *rt, const char *nameorid, const char *const *conditions,
			int interval_ms, int *ret_exit, cpod_error **err)
{
	_cleanup_free_ char *id = NULL;

	if (check_conditions(conditions, err) < 0 || !(id = ctr_lookup_id(rt, nameorid, err)))
		return -1;
	if (interval_ms <= 0)
		interval_ms = 250;
	for (;;) {
		_cleanup_(ctr_freep) ctr *c = NULL;
		int r;

		if (ctr_load(rt, id, &c, err) < 0)
			return -1;
		/* The exit file is the truth; cleanup may not have recorded it yet. */
		r = ctr_sync_exit(rt, c, err);
		if (r < 0)
			return -1;
		if (cond_match(c, conditions)) {
			*ret_exit = (c->state == CTR_STOPPED || c->state == CTR_EXITED)
					    ? (int)c->exit_code
					    : -1;
			return 0;
		}
		if (c->state == CTR_RUNNING || c->state == CTR_CREATED || c->state == CTR_PAUSED ||
		    c->state == CTR_STOPPING)
			ctr_wait_exit_file(rt, id, interval_ms);
		else {
			struct timespec ts = { interval_ms / 1000,
					       (interval_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

int cpod_container_remove(cpod_runtime *rt, const char *nameorid, const cpod_rm_opts *opts,
			  cpod_error **err)
{
	cpod_rm_opts o = { .struct_size = sizeof(o), .timeout = -1 };
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0) {
		if (o.ignore && cpod_error_kind(*err) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	if (ctr_sync_exit(rt, c, err) < 0)
		return -1;
	if ((c->state == CTR_RUNNING || c->state == CTR_PAUSED || c->state == CTR_STOPPING ||
	     c->state == CTR_CREATED)) {
		if (!o.force && c->state != CTR_CREATED)
			return cpod_err(err, CPOD_ERR_STATE, 0,
					"cannot remove container %s as it is %s - running or "
					"paused containers cannot be removed without force: "
					"container state improper",
					c->id, ctr_state_name(c->state));
		if (stop_locked(rt, c, o.force ? o.timeout : -1, err) < 0)
			return -1;
	}
	return ctr_remove_locked(rt, c, o.volumes, err);
}

/* The restart policy's verdict for a container that just exited. */
static bool should_restart(const ctr *c)
{
	const char *p = sg_str(c->sg, "restart_policy", "no");
	int64_t tries = sg_int(c->sg, "restart_tries", 0);

	if (c->stopped_by_user || sg_bool(c->sg, "remove", false))
		return false;
	if (strcmp(p, "always") == 0 || strcmp(p, "unless-stopped") == 0)
		return true;
	if (strcmp(p, "on-failure") == 0)
		return c->exit_code != 0 && (tries <= 0 || c->restart_count < tries);
	return false;
}

int cpod_container_cleanup(cpod_runtime *rt, const char *nameorid, const cpod_cleanup_opts *opts,
			   cpod_error **err)
{
	cpod_cleanup_opts o = { .struct_size = sizeof(o) };
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (o.exec_session)
		return ctr_exec_cleanup(rt, nameorid, o.exec_session, err);
	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0) {
		/* conmon's exit command after the container was removed (run --rm in the
		 * foreground, rm -f): nothing is left to do. */
		if (o.stopped_only && cpod_error_kind(*err) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	if (ctr_cleanup_locked(rt, c, err) < 0)
		return -1;
	if (c->state == CTR_RUNNING || c->state == CTR_PAUSED) {
		if (o.stopped_only)
			return 0;
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"container %s is running: container state improper", c->id);
	}
	if (c->state == CTR_EXITED && should_restart(c)) {
		c->restart_count++;
		if (ctr_save(rt, c, err) < 0)
			return -1;
		return ctr_start_or_fail(rt, c, err);
	}
	if ((o.rm || sg_bool(c->sg, "remove", false)) &&
	    (c->state == CTR_EXITED || c->state == CTR_CONFIGURED))
		return ctr_remove_locked(rt, c, true, err);
	return 0;
}
