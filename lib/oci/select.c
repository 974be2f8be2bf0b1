#include "oci/select.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/probe.h"
#include "common/banned.h"

/* podman's auto-detection order. */
static const char *const candidates[] = { "crun", "runc", "runj", "kata", "runsc" };

void oci_runtime_choice_release(oci_runtime_choice *c)
{
	free(c->name);
	free(c->path);
	free(c->reason);
	c->name = c->path = c->reason = NULL;
}

static int select_configured(const containers_conf *cc, const char *want, const char *why,
			     oci_runtime_choice *ret, cpod_error **err)
{
	if (containers_conf_find_runtime(cc, want, &ret->name, &ret->path, err) < 0)
		return -1;
	ret->reason = xasprintf("set by %s", why);
	return 0;
}

int oci_select_runtime(const containers_conf *cc, const char *want, const char *workdir,
		       oci_runtime_choice *ret, cpod_error **err)
{
	_cleanup_buf_ buf failed = BUF_INIT;

	memset(ret, 0, sizeof(*ret));
	if (want && *want)
		return select_configured(cc, want, "--runtime", ret, err);
	if (cc->runtime && *cc->runtime)
		return select_configured(cc, cc->runtime, "engine.runtime in containers.conf", ret,
					 err);
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		_cleanup_free_ char *name = NULL, *path = NULL, *why = NULL;
		int r;

		if (containers_conf_find_runtime(cc, candidates[i], &name, &path, NULL) < 0)
			continue;
		r = oci_probe_runtime(path, workdir, &why, err);
		if (r < 0)
			return cpod_err_prefix(err, "probing OCI runtime '%s'", path);
		if (r == 0) {
			buf_addf(&failed, "%s%s (%s) cannot run containers here: %s",
				 failed.len ? "; " : "", name, path, why);
			continue;
		}
		ret->name = TAKE_PTR(name);
		ret->path = TAKE_PTR(path);
		ret->reason = failed.len ? xasprintf("first runtime that runs containers here; %s",
						     failed.s)
					 : xstrdup("first runtime found (podman's order: crun, "
						   "runc, "
						   "runj, kata, runsc)");
		return 0;
	}
	if (failed.len)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
				"no installed OCI runtime can run containers here: %s", failed.s);
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			"no OCI runtime found: install crun or runc, or name one with --runtime");
}
