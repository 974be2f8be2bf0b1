/* cpod volume prune: unless --force, lists the unused volumes the filters select and asks;
 * then removes them and prints their names.  Errors after some removals are returned. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>

#include <json-c/json.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct prune_opts {
	strv filters;
	bool force;
};

const cli_option cmd_volume_prune_options[] = {
	{ "filter", 0, CLI_STRV(struct prune_opts, filters),
	  .help = "Provide filter values (e.g. 'label=<key>=<value>')" },
	{ "force", 'f', CLI_BOOL(struct prune_opts, force),
	  .help = "Do not prompt for confirmation" },
	CLI_OPT_END(struct prune_opts),
};

/* Prints what would go (podman intersects the dangling volumes with the filtered ones);
 * 0 when there is nothing, 1 when something, -1 on error. */
static int list_candidates(cpod_runtime *rt, const strv *filters, cpod_error **err)
{
	static const char *const dangling[] = { "dangling=true", NULL };
	_cleanup_json_ json_object *unused = NULL, *selected = NULL;
	int n = 0;

	unused = cpod_volume_list(rt, dangling, err);
	if (!unused)
		return -1;
	selected = cpod_volume_list(rt, (const char *const *)filters->v, err);
	if (!selected)
		return -1;
	for (size_t i = 0; i < json_object_array_length(selected); i++) {
		const char *name = cli_json_str(json_object_array_get_idx(selected, i), "Name");

		for (size_t j = 0; j < json_object_array_length(unused); j++)
			if (str_eq(name, cli_json_str(json_object_array_get_idx(unused, j), "Nam"
											    "e"))) {
				printf("%s\n", name);
				n++;
				break;
			}
	}
	return n > 0;
}

int cmd_volume_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct prune_opts *o = opts;
	_cleanup_json_ json_object *removed = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);
	bool yes = true;
	int r;

	(void)argc;
	(void)argv;
	if (!rt)
		return -1;
	if (!o->force) {
		printf("WARNING! This will remove all volumes not used by at least one container. "
		       "The following volumes will be removed:\n");
		r = list_candidates(rt, &o->filters, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			printf("No dangling volumes found\n");
			return 0;
		}
		printf("Are you sure you want to continue? [y/N] ");
		fflush(stdout);
		if (cli_confirm(&yes) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "EOF");
		if (!yes)
			return 0;
	}
	r = cpod_volume_prune(rt, (const char *const *)o->filters.v, &removed, err);
	for (size_t i = 0; i < json_object_array_length(removed); i++)
		printf("%s\n", json_object_get_string(json_object_array_get_idx(removed, i)));
	fflush(stdout);
	return r < 0 ? -1 : 0;
}
