/* cpod pause / unpause: freeze or thaw the processes of containers.  Each container done is
 * printed as it was named (the ID with --all or --filter); the failures are reported together
 * at the end, podman's way, and a missing name stops everything before anything is done. */
#include "commands.h"

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct pause_opts {
	bool all;
	bool latest;
	strv cidfiles;
	strv filters;
};

const cli_option cmd_container_pause_options[] = {
	{ "all", 'a', CLI_BOOL(struct pause_opts, all), .help = "Pause all running containers" },
	{ "cidfile", 0, CLI_STRV(struct pause_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "filter", 'f', CLI_STRV_CSV(struct pause_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "latest", 'l', CLI_BOOL(struct pause_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct pause_opts),
};

const cli_option cmd_container_unpause_options[] = {
	{ "all", 'a', CLI_BOOL(struct pause_opts, all), .help = "Unpause all paused containers" },
	{ "cidfile", 0, CLI_STRV(struct pause_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "filter", 'f', CLI_STRV_CSV(struct pause_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "latest", 'l', CLI_BOOL(struct pause_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct pause_opts),
};

typedef int (*pause_fn)(cpod_runtime *rt, const char *nameorid, cpod_error **err);

static int run(cli_ctx *ctx, const struct pause_opts *o, int argc, char **argv, pause_fn fn,
	       cpod_error **err)
{
	cli_ctr_select sel = {
		.all = o->all,
		.latest = o->latest,
		.filters = &o->filters,
		.cidfiles = &o->cidfiles,
	};
	_cleanup_strv_ strv ids = STRV_INIT;
	_cleanup_strv_ strv shown = STRV_INIT;
	cli_errors errs = { NULL, 0 };
	cpod_runtime *rt;
	int r;

	if (cli_ctr_check_args("cidfile", o->all, o->latest, o->cidfiles.n > 0, o->filters.n > 0,
			       argc, err) < 0 ||
	    !(rt = cli_runtime(ctx, err)) ||
	    cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &shown, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (fn(rt, ids.v[i], &e) == 0) {
			printf("%s\n", shown.v[i]);
		} else if (o->all && cpod_error_kind(e) == CPOD_ERR_STATE) {
			/* --all passes over the containers that are not running (paused). */
			cpod_error_free(e);
		} else {
			cli_errors_add(&errs, e);
		}
	}
	fflush(stdout);
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}

int cmd_container_pause(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	return run(ctx, opts, argc, argv, cpod_container_pause, err);
}

int cmd_container_unpause(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	return run(ctx, opts, argc, argv, cpod_container_unpause, err);
}
