/* cpod container cleanup: what conmon runs when a container exits (its exit command), also
 * usable by hand: records the exit code, unmounts, deletes the OCI container, applies the
 * restart policy, removes --rm containers.  Errors are also logged, since the caller is
 * usually conmon and only the log reaches anyone. */
#include "commands.h"

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/banned.h"

struct cleanup_opts {
	bool all, latest, rm, rmi, stopped_only;
	const char *exec;
};

const cli_option cmd_container_cleanup_options[] = {
	{ "all", 'a', CLI_BOOL(struct cleanup_opts, all), .help = "Cleans up all containers" },
	{ "exec", 0, CLI_STRING(struct cleanup_opts, exec),
	  .help = "Clean up the given exec session instead of the container" },
	{ "latest", 'l', CLI_BOOL(struct cleanup_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "rm", 0, CLI_BOOL(struct cleanup_opts, rm),
	  .help = "After cleanup, remove the container entirely" },
	{ "rmi", 0, CLI_BOOL(struct cleanup_opts, rmi),
	  .help = "After cleanup, remove the image entirely" },
	{ "stopped-only", 0, CLI_BOOL(struct cleanup_opts, stopped_only), .flags = CLI_OPT_HIDDEN,
	  .help = "Only cleanup when the container is in the stopped state" },
	CLI_OPT_END(struct cleanup_opts),
};

static int check_cleanup(const struct cleanup_opts *o, int argc, cpod_error **err)
{
	if (o->exec && *o->exec) {
		if (o->all)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "exec and all options conflict");
		if (argc > 1)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"cannot use exec option when more than one container is "
					"given");
		if (o->rmi)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "exec and rmi options conflict");
	}
	return cli_ctr_check_args("", o->all, o->latest, false, false, argc, err);
}

int cmd_container_cleanup(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct cleanup_opts *o = opts;
	cpod_cleanup_opts co = {
		.struct_size = sizeof(co),
		.rm = o->rm,
		.rmi = o->rmi,
		.stopped_only = o->stopped_only,
		.exec_session = o->exec && *o->exec ? o->exec : NULL,
	};
	cli_ctr_select sel = { .all = o->all, .latest = o->latest };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int r;

	if (check_cleanup(o, argc, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0) {
		cpod_logf(CPOD_LOG_ERROR, "Running container cleanup: %s",
			  cpod_error_message(*err));
		return -1;
	}
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;

		if (cpod_container_cleanup(rt, ids.v[i], &co, &e) < 0) {
			cpod_logf(CPOD_LOG_ERROR, "Cleaning up container: %s",
				  cpod_error_message(e));
			cli_errors_add(&errs, e);
		} else if (!co.exec_session) {
			printf("%s\n", print.v[i]);
		}
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
