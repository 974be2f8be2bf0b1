/* cpod init / cpod container init: prepares containers to start (rootfs mounted, config.json
 * written, the OCI runtime's create done) without starting them; each printed as named. */
#include "commands.h"

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct init_opts {
	bool all, latest;
};

const cli_option cmd_container_init_options[] = {
	{ "all", 'a', CLI_BOOL(struct init_opts, all), .help = "Initialize all containers" },
	{ "latest", 'l', CLI_BOOL(struct init_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct init_opts),
};

int cmd_container_init(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct init_opts *o = opts;
	cli_ctr_select sel = { .all = o->all, .latest = o->latest };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int r;

	if (cli_ctr_check_args("", o->all, o->latest, false, false, argc, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (cpod_container_init(rt, ids.v[i], &e) == 0)
			printf("%s\n", print.v[i]);
		else if (o->all && cpod_error_kind(e) == CPOD_ERR_STATE)
			cpod_error_free(e); /* running or stopped: nothing to do with --all */
		else
			cli_errors_add(&errs, e);
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
