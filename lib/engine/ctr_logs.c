/* `logs`: the k8s-file logs of one or more containers (engine/logs.h reads them). */
#include "engine/container_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/ids.h"
#include "common/xalloc.h"
#include "engine/logs.h"
#include "common/banned.h"

typedef struct {
	cpod_runtime *rt;
	char *id;
} follow_ctx;

/* Polled while following: the container is gone or has stopped. */
static bool still_running(void *userdata)
{
	follow_ctx *f = userdata;
	_cleanup_(ctr_freep) ctr *c = NULL;
	cpod_error *e = NULL;
	int r;

	if (ctr_load(f->rt, f->id, &c, &e) < 0) {
		cpod_error_free(e);
		return false;
	}
	r = ctr_sync_exit(f->rt, c, &e);
	if (r < 0)
		cpod_error_free(e);
	return r == 0 && (c->state == CTR_RUNNING || c->state == CTR_PAUSED ||
			  c->state == CTR_CREATED || c->state == CTR_STOPPING);
}

static int check_driver(cpod_runtime *rt, const ctr *c, cpod_error **err)
{
	json_object *lc = NULL;
	const char *d;

	json_object_object_get_ex(c->sg, "log_configuration", &lc);
	d = sg_str(lc, "driver", rt->cc->log_driver);
	if (*d && strcmp(d, "k8s-file") != 0 && strcmp(d, "json-file") != 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"container '%s': the %s log driver keeps no logs to read", c->name,
				d);
	return 0;
}

int cpod_container_logs(cpod_runtime *rt, const char *const *ids, const cpod_logs_opts *opts,
			cpod_error **err)
{
	cpod_logs_opts o = { .struct_size = sizeof(o), .tail = -1, .stdout_fd = 1, .stderr_fd = 2 };
	size_t n = 0;
	logs_source *src;
	follow_ctx *fc;
	logs_opts lo = { 0 };
	logs_output out = { 0 };
	int r = -1;

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	while (ids && ids[n])
		n++;
	src = xcalloc(n ? n : 1, sizeof(*src));
	fc = xcalloc(n ? n : 1, sizeof(*fc));
	for (size_t i = 0; i < n; i++) {
		_cleanup_(ctr_freep) ctr *c = NULL;

		fc[i].rt = rt;
		if (!(fc[i].id = ctr_lookup_id(rt, ids[i], err)) ||
		    ctr_load(rt, fc[i].id, &c, err) < 0 || check_driver(rt, c, err) < 0)
			goto out;
		src[i].path = ctr_log_path(rt, c);
		src[i].color = -1;
		if (o.names) {
			src[i].prefix = xasprintf("%s ", c->name);
		} else if (n > 1) {
			_cleanup_free_ char *s = id_short(c->id);

			src[i].prefix = xasprintf("%s ", s);
		}
		src[i].is_running = still_running;
		src[i].userdata = &fc[i];
	}
	lo.since_ns = o.since_ns;
	lo.until_ns = o.until_ns;
	lo.tail = o.tail;
	lo.timestamps = o.timestamps;
	lo.follow = o.follow;
	out.stdout_fd = o.stdout_fd;
	out.stderr_fd = o.stderr_fd;
	r = logs_read(src, n, &lo, &out, err);
out:
	for (size_t i = 0; i < n; i++) {
		free((char *)src[i].path);
		free((char *)src[i].prefix);
		free(fc[i].id);
	}
	free(src);
	free(fc);
	return r;
}
