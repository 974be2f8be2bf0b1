/* cpod image prune: podman's confirmation (unless --force), then the IDs of the images
 * removed, one a line.  Errors after some removals: every one but the last is printed here,
 * the last is returned (podman's OutputErrors). */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct prune_opts {
	bool all;
	bool force;
	strv filters;
};

const cli_option cmd_image_prune_options[] = {
	{ "all", 'a', CLI_BOOL(struct prune_opts, all),
	  .help = "Remove all images not in use by containers, not just dangling ones" },
	{ "filter", 0, CLI_STRV(struct prune_opts, filters),
	  .help = "Provide filter values (e.g. 'label=<key>=<value>')" },
	{ "force", 'f', CLI_BOOL(struct prune_opts, force),
	  .help = "Do not prompt for confirmation" },
	CLI_OPT_END(struct prune_opts),
};

int cmd_image_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct prune_opts *o = opts;
	_cleanup_json_ json_object *removed = NULL;
	cpod_runtime *rt;
	bool yes = true;
	int r;

	(void)argc;
	(void)argv;
	if (!o->force) {
		printf("WARNING! This command removes all %s.\n"
		       "Are you sure you want to continue? [y/N] ",
		       o->all ? "images without at least one container associated with them"
			      : "dangling images");
		if (cli_confirm(&yes) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "EOF");
		if (!yes)
			return 0;
	}
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	r = cpod_image_prune(rt, o->all, (const char *const *)o->filters.v, &removed, err);
	for (size_t i = 0; i < json_object_array_length(removed); i++)
		printf("%s\n", json_object_get_string(json_object_array_get_idx(removed, i)));
	fflush(stdout);
	return r < 0 ? -1 : 0;
}
