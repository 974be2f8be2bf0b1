/* cpod container prune: podman's confirmation (unless --force), then the IDs of the stopped
 * containers removed, one a line. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct prune_opts {
	bool force;
	strv filters;
};

const cli_option cmd_container_prune_options[] = {
	{ "filter", 0, CLI_STRV(struct prune_opts, filters),
	  .help = "Provide filter values (e.g. 'label=<key>=<value>')" },
	{ "force", 'f', CLI_BOOL(struct prune_opts, force),
	  .help = "Do not prompt for confirmation.  The default is false" },
	CLI_OPT_END(struct prune_opts),
};

/* podman's FilterArgumentsIntoFilters: every filter is key=value. */
static int check_filters(const strv *filters, cpod_error **err)
{
	for (size_t i = 0; i < filters->n; i++)
		if (!strchr(filters->v[i], '='))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"filter input must be in the form of filter=value: %s is "
					"invalid",
					filters->v[i]);
	return 0;
}

int cmd_container_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct prune_opts *o = opts;
	_cleanup_strv_free_ char **removed = NULL;
	cpod_runtime *rt;
	bool yes = true;

	(void)argc;
	(void)argv;
	if (!o->force) {
		printf("WARNING! This will remove all non running containers.\n"
		       "Are you sure you want to continue? [y/N] ");
		if (cli_confirm(&yes) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "EOF");
		if (!yes)
			return 0;
	}
	if (check_filters(&o->filters, err) < 0 || !(rt = cli_runtime(ctx, err)))
		return -1;
	if (cpod_container_prune(rt, (const char *const *)o->filters.v, &removed, err) < 0)
		return -1;
	for (char **id = removed; id && *id; id++)
		printf("%s\n", *id);
	fflush(stdout);
	return 0;
}
