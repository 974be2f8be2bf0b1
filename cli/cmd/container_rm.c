/* cpod rm / cpod container rm: removes containers (-f stops running ones first), printing
 * each as it was named.  podman's exit status: 0 all removed, 1 a container did not exist
 * (and not -i), 2 one was running or paused (without -f), 125 any other failure. */
#include "commands.h"

#include <limits.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "specgen.h"
#include "common/banned.h"

struct rm_opts {
	bool all, depend, force, ignore, latest, storage, volumes;
	strv cidfiles, filters;
	unsigned long long time;
};

const cli_option cmd_container_rm_options[] = {
	{ "all", 'a', CLI_BOOL(struct rm_opts, all), .help = "Remove all containers" },
	{ "cidfile", 0, CLI_STRV(struct rm_opts, cidfiles),
	  .help = "Read the container ID from the file" },
	{ "depend", 0, CLI_BOOL(struct rm_opts, depend),
	  .help = "Remove container and all containers that depend on the selected container" },
	{ "filter", 0, CLI_STRV_CSV(struct rm_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "force", 'f', CLI_BOOL(struct rm_opts, force),
	  .help = "Force removal of a running or unusable container" },
	{ "ignore", 'i', CLI_BOOL(struct rm_opts, ignore),
	  .help = "Ignore errors when a specified container is missing" },
	{ "latest", 'l', CLI_BOOL(struct rm_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "storage", 0, CLI_BOOL(struct rm_opts, storage), .flags = CLI_OPT_HIDDEN,
	  .help = "Remove container from storage library" },
	{ "time", 't', CLI_UINT(struct rm_opts, time), .def = "10",
	  .help = "Seconds to wait for stop before killing the container" },
	{ "volumes", 'v', CLI_BOOL(struct rm_opts, volumes),
	  .help = "Remove anonymous volumes associated with the container" },
	CLI_OPT_END(struct rm_opts),
};

/* What went wrong overall, for the exit status. */
struct rm_status {
	bool not_found, state;
};

static int rm_exit(const struct rm_status *st)
{
	return st->not_found ? 1 : st->state ? 2 : 125;
}

static void note(struct rm_status *st, const cpod_error *e)
{
	if (cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
		st->not_found = true;
	else if (cpod_error_kind(e) == CPOD_ERR_STATE)
		st->state = true;
}

static int check_rm(cli_ctx *ctx, const struct rm_opts *o, int argc, cpod_error **err)
{
	if (cli_opt_changed(ctx->cmd_set, "time") && !o->force)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--force option must be specified to use the --time option");
	if (o->depend && !o->all)
		return cli_not_supported(err, "depend");
	return cli_ctr_check_args("cidfile", o->all, o->latest, o->cidfiles.n > 0, o->filters.n > 0,
				  argc, err);
}

int cmd_container_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct rm_opts *o = opts;
	cpod_rm_opts ro = {
		.struct_size = sizeof(ro),
		.force = o->force,
		.volumes = o->volumes,
		.timeout = !cli_opt_changed(ctx->cmd_set, "time") ? -1
			   : o->time > INT_MAX			  ? INT_MAX
								  : (int)o->time,
		.ignore = o->ignore,
	};
	/* With -f a container that does not exist is no error, as podman evicts by name. */
	cli_ctr_select sel = { .all = o->all,
			       .latest = o->latest,
			       .ignore_missing = o->ignore || o->force,
			       .filters = &o->filters,
			       .cidfiles = &o->cidfiles };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	struct rm_status st = { false, false };
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	bool failed;

	if (check_rm(ctx, o, argc, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, &e) < 0) {
		note(&st, e);
		fprintf(stderr, "Error: %s\n", cpod_error_message(e));
		return rm_exit(&st);
	}
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *re = NULL;

		if (cpod_container_remove(rt, ids.v[i], &ro, &re) == 0) {
			printf("%s\n", print.v[i]);
		} else if (o->force && cpod_error_kind(re) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(re); /* removed meanwhile */
		} else {
			note(&st, re);
			cli_errors_add(&errs, re);
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "Error: %s\n", cpod_error_message(errs.v[i]));
	failed = errs.n > 0;
	cli_errors_release(&errs);
	return failed ? rm_exit(&st) : 0;
}
