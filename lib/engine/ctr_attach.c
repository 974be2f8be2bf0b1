/* Starting with the streams attached (run in the foreground, start -a) and attaching to a
 * running container.  The container's lock is held only while its state changes, never while
 * the streams are pumped. */
#include "engine/container_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "engine/attach.h"
#include "engine/ctr_oci.h"
#include "oci/conmon.h"
#include "common/banned.h"

typedef struct {
	cpod_runtime *rt;
	const ctr *c;
} proxy_ctx;

static int proxy_signal(void *userdata, int sig)
{
	proxy_ctx *p = userdata;
	cpod_error *e = NULL;

	if (ctr_oci_kill(p->rt, p->c, sig, false, &e) < 0) {
		log_debug("forwarding signal %d: %s", sig, cpod_error_message(e));
		cpod_error_free(e);
	}
	return 0;
}

static void io_from_opts(attach_io *io, const cpod_attach_opts *a, const ctr *c, const char *bundle,
			 proxy_ctx *p, cpod_runtime *rt)
{
	attach_io_init(io);
	io->stdin_fd = sg_bool(c->sg, "stdin", false) ? a->stdin_fd : -1;
	io->stdout_fd = a->stdout_fd;
	io->stderr_fd = a->stderr_fd;
	io->want_stdout = a->want_stdout;
	io->want_stderr = a->want_stderr;
	io->detach_keys = a->detach_keys ? a->detach_keys : rt->cc->detach_keys;
	if (sg_bool(c->sg, "terminal", false)) {
		io->resize_bundle = bundle;
		io->initial_resize = true;
	}
	if (a->sig_proxy) {
		io->signal_cb = proxy_signal;
		io->signal_userdata = p;
	}
}

/* After the streams ended: wait for the exit file, record the exit and clean up as conmon's
 * exit command would (whichever comes first does it; the other finds nothing to do). */
/* timeout_ms: how long the exit file may take (< 0: as long as the container runs). */
static int finish(cpod_runtime *rt, const char *id, int timeout_ms, int *ret_status,
		  cpod_error **err)
{
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_free_ char *exitfile = ctr_exit_file(rt, id);
	int64_t code = -1, when;
	bool rm;

	if (ctr_wait_exit_file(rt, id, timeout_ms))
		ctr_read_exit_file(exitfile, &code, &when);
	if (ctr_lock(rt, id, &l, err) < 0)
		return -1;
	if (ctr_load(rt, id, &c, err) < 0) {
		/* Removed already (--rm, by conmon's exit command): the exit file, which removal
		 * leaves for this, still has the code. */
		if (cpod_error_kind(*err) != CPOD_ERR_NOT_FOUND || code < 0)
			return -1;
		cpod_error_free(*err);
		*err = NULL;
		unlink(exitfile);
		*ret_status = (int)code;
		return 0;
	}
	if (ctr_cleanup_locked(rt, c, err) < 0)
		return -1;
	*ret_status = (int)c->exit_code;
	rm = sg_bool(c->sg, "remove", false);
	if (rm && (c->state == CTR_EXITED || c->state == CTR_CONFIGURED)) {
		if (ctr_remove_locked(rt, c, true, err) < 0)
			return -1;
		unlink(exitfile);
	}
	return 0;
}

static int pump(cpod_runtime *rt, ctr *c, int sock, const cpod_attach_opts *a, int *ret_status,
		cpod_error **err)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	_cleanup_free_ char *id = xstrdup(c->id);
	proxy_ctx p = { rt, c };
	attach_io io;
	int detached = 0, r;

	io_from_opts(&io, a, c, bundle, &p, rt);
	r = attach_pump(sock, &io, &detached, err);
	close(sock);
	if (r < 0)
		return -1;
	if (detached)
		return CPOD_DETACHED;
	/* The socket ended: conmon writes the exit file right after. */
	return finish(rt, id, 30000, ret_status, err);
}

/* The terminal exists once the runtime created the container: give it the caller's size
 * before the process starts, so that its first look (stty size, a shell's line editor) sees
 * it rather than 0x0. */
static void initial_resize(const ctr *c, const char *bundle, const cpod_attach_opts *a)
{
	unsigned short rows, cols;
	cpod_error *e = NULL;

	if (!sg_bool(c->sg, "terminal", false))
		return;
	if (tty_get_size(a->stdout_fd, &rows, &cols) < 0 &&
	    tty_get_size(a->stdin_fd, &rows, &cols) < 0)
		return;
	if (conmon_resize(bundle, rows, cols, &e) < 0) {
		log_debug("resizing the terminal of %s: %s", c->id, cpod_error_message(e));
		cpod_error_free(e);
	}
}

static bool is_passthrough(cpod_runtime *rt, const ctr *c)
{
	json_object *lc = NULL;

	json_object_object_get_ex(c->sg, "log_configuration", &lc);
	return strcmp(sg_str(lc, "driver", rt->cc->log_driver), "passthrough") == 0;
}

int ctr_start_attached(cpod_runtime *rt, const char *nameorid, const cpod_attach_opts *a,
		       int *ret_status, cpod_error **err)
{
	file_lock l = FILE_LOCK_INIT;
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_free_ char *bundle = NULL, *sock_path = NULL;
	int sock;

	if (ctr_get_locked(rt, nameorid, &l, &c, err) < 0)
		return -1;
	if (c->state == CTR_RUNNING) {
		lock_release(&l);
		return cpod_container_attach(rt, c->id, a, ret_status, err);
	}
	if (ctr_cleanup_locked(rt, c, err) < 0 || ctr_init_locked(rt, c, err) < 0)
		goto fail;
	if (is_passthrough(rt, c)) {
		/* The process writes to our own descriptors (conmon hands them on): no socket. */
		_cleanup_free_ char *id = xstrdup(c->id);

		if (ctr_start_or_fail(rt, c, err) < 0)
			goto fail;
		lock_release(&l);
		return finish(rt, id, -1, ret_status, err);
	}
	bundle = ctr_bundle_dir(rt, c->id);
	sock_path = xasprintf("%s/attach", bundle);
	/* Connect before the process runs: conmon does not replay output. */
	sock = attach_connect(sock_path, err);
	if (sock >= 0)
		initial_resize(c, bundle, a);
	if (sock < 0 || ctr_start_or_fail(rt, c, err) < 0) {
		if (sock >= 0)
			close(sock);
		goto fail;
	}
	lock_release(&l);
	return pump(rt, c, sock, a, ret_status, err);
fail:
	lock_release(&l);
	return -1;
}

int cpod_container_attach(cpod_runtime *rt, const char *nameorid, const cpod_attach_opts *a,
			  int *ret_status, cpod_error **err)
{
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err), *bundle = NULL, *path = NULL;
	int sock;

	if (!id || ctr_load(rt, id, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return -1;
	if (c->state != CTR_RUNNING && c->state != CTR_CREATED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"you can only attach to running containers: container state "
				"improper");
	bundle = ctr_bundle_dir(rt, c->id);
	path = xasprintf("%s/attach", bundle);
	sock = attach_connect(path, err);
	if (sock < 0)
		return -1;
	return pump(rt, c, sock, a, ret_status, err);
}
