/* cpod stop / cpod container stop: the stop signal, then SIGKILL after --time seconds; each
 * container is printed as it was named (its ID for --all, --latest, --filter).  As podman, a
 * container that is not running is no error. */
#include "commands.h"

#include <limits.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/banned.h"

struct stop_opts {
	bool all, ignore, latest;
	strv cidfiles, filters;
	unsigned long long time;
};

const cli_option cmd_container_stop_options[] = {
	{ "all", 'a', CLI_BOOL(struct stop_opts, all), .help = "Stop all running containers" },
	{ "cidfile", 0, CLI_STRV(struct stop_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "filter", 'f', CLI_STRV_CSV(struct stop_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "ignore", 'i', CLI_BOOL(struct stop_opts, ignore),
	  .help = "Ignore errors when a specified container is missing" },
	{ "latest", 'l', CLI_BOOL(struct stop_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "time", 't', CLI_UINT(struct stop_opts, time), .def = "10",
	  .help = "Seconds to wait for stop before killing the container" },
	{ "timeout", 0, CLI_UINT(struct stop_opts, time), .def = "10", .flags = CLI_OPT_HIDDEN },
	CLI_OPT_END(struct stop_opts),
};

int cmd_container_stop(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct stop_opts *o = opts;
	bool timed = cli_opt_changed(ctx->cmd_set, "time") || cli_opt_changed(ctx->cmd_set, "timeou"
											    "t");
	int timeout = !timed ? -1 : o->time > INT_MAX ? INT_MAX : (int)o->time;
	cli_ctr_select sel = { .all = o->all,
			       .latest = o->latest,
			       .ignore_missing = o->ignore,
			       .filters = &o->filters,
			       .cidfiles = &o->cidfiles };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int r;

	if (cli_ctr_check_args("cidfile", o->all, o->latest, o->cidfiles.n > 0, o->filters.n > 0,
			       argc, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (cpod_container_stop(rt, ids.v[i], timeout, &e) == 0) {
			printf("%s\n", print.v[i]);
			continue;
		}
		/* Not running (never started, already stopped) or removed by its own --rm
		 * cleanup meanwhile: podman reports the container stopped. */
		if (cpod_error_kind(e) == CPOD_ERR_STATE ||
		    cpod_error_kind(e) == CPOD_ERR_NOT_FOUND) {
			log_debug("stopping %s: %s", ids.v[i], cpod_error_message(e));
			cpod_error_free(e);
			printf("%s\n", print.v[i]);
			continue;
		}
		cli_errors_add(&errs, e);
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
