/* cpod kill / cpod container kill: a signal (default KILL) to each container's process,
 * printed as it was named.  With --all only running containers are signalled. */
#include "commands.h"

#include <cpod/container.h>

#include "common/cleanup.h"
#include "specgen.h"
#include "common/banned.h"

struct kill_opts {
	bool all, latest;
	const char *signal;
	strv cidfiles;
};

const cli_option cmd_container_kill_options[] = {
	{ "all", 'a', CLI_BOOL(struct kill_opts, all), .help = "Signal all running containers" },
	{ "cidfile", 0, CLI_STRV(struct kill_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "latest", 'l', CLI_BOOL(struct kill_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "signal", 's', CLI_STRING(struct kill_opts, signal), .def = "KILL",
	  .help = "Signal to send to the container" },
	CLI_OPT_END(struct kill_opts),
};

int cmd_container_kill(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct kill_opts *o = opts;
	cli_ctr_select sel = {
		.all = o->all, .running_only = true, .latest = o->latest, .cidfiles = &o->cidfiles
	};
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int sig, r;

	if (cli_ctr_check_args("cidfile", o->all, o->latest, o->cidfiles.n > 0, false, argc, err) <
		    0 ||
	    cli_parse_signal(o->signal ? o->signal : "KILL", &sig, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (cpod_container_kill(rt, ids.v[i], sig, &e) == 0) {
			printf("%s\n", print.v[i]);
		} else if (o->all && cpod_error_kind(e) == CPOD_ERR_STATE) {
			cpod_error_free(e); /* it stopped meanwhile */
		} else {
			cli_errors_add(&errs, e);
		}
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
