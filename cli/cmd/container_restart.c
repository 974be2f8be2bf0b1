/* cpod restart: stop (when running) and start containers again.  Output and errors as for
 * pause: each container done printed as named, the failures reported together at the end. */
#include "commands.h"

#include <limits.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct restart_opts {
	bool all;
	bool latest;
	bool running;
	strv cidfiles;
	strv filters;
	unsigned long long time;
	unsigned long long timeout; /* podman's alias of --time */
};

const cli_option cmd_container_restart_options[] = {
	{ "all", 'a', CLI_BOOL(struct restart_opts, all),
	  .help = "Restart all non-running containers" },
	{ "cidfile", 0, CLI_STRV(struct restart_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "filter", 'f', CLI_STRV_CSV(struct restart_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "latest", 'l', CLI_BOOL(struct restart_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "running", 0, CLI_BOOL(struct restart_opts, running),
	  .help = "Restart only running containers" },
	{ "time", 't', CLI_UINT(struct restart_opts, time), .def = "10",
	  .help = "Seconds to wait for stop before killing the container" },
	{ "timeout", 0, CLI_UINT(struct restart_opts, timeout), .flags = CLI_OPT_HIDDEN,
	  .help = "Seconds to wait for stop before killing the container" },
	CLI_OPT_END(struct restart_opts),
};

int cmd_container_restart(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct restart_opts *o = opts;
	/* --running: the running containers, whatever was named. */
	cli_ctr_select sel = {
		.all = o->all || o->running,
		.running_only = o->running,
		.latest = o->latest,
		.filters = &o->filters,
		.cidfiles = &o->cidfiles,
	};
	_cleanup_strv_ strv ids = STRV_INIT;
	_cleanup_strv_ strv shown = STRV_INIT;
	cli_errors errs = { NULL, 0 };
	int timeout = -1; /* each container's own stop timeout */
	cpod_runtime *rt;
	int r;

	if (cli_ctr_check_args("cidfile", o->all, o->latest, o->cidfiles.n > 0, o->filters.n > 0,
			       argc, err) < 0)
		return -1;
	/* --timeout is podman's alias of --time. */
	if (cli_opt_changed(ctx->cmd_set, "time"))
		timeout = o->time > INT_MAX ? INT_MAX : (int)o->time;
	else if (cli_opt_changed(ctx->cmd_set, "timeout"))
		timeout = o->timeout > INT_MAX ? INT_MAX : (int)o->timeout;
	if (!(rt = cli_runtime(ctx, err)) ||
	    cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &shown, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (cpod_container_restart(rt, ids.v[i], timeout, &e) == 0)
			printf("%s\n", shown.v[i]);
		else
			cli_errors_add(&errs, e);
	}
	fflush(stdout);
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
