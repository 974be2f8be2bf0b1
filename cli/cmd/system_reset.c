/* cpod system reset: podman's confirmation (unless --force), then every image, layer,
 * container layer and the database go: the graphroot and runroot are left empty.  As in
 * podman, an unreadable answer exits 1 and any answer but y/Y exits 0 doing nothing. */
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct reset_opts {
	bool force;
};

const cli_option cmd_system_reset_options[] = {
	{ "force", 'f', CLI_BOOL(struct reset_opts, force),
	  .help = "Do not prompt for confirmation" },
	CLI_OPT_END(struct reset_opts),
};

int cmd_system_reset(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct reset_opts *o = opts;
	cpod_runtime *rt;
	bool yes = false;

	(void)argc;
	(void)argv;
	if (!o->force) {
		printf("WARNING! This will remove:\n"
		       "        - all containers\n"
		       "        - all pods\n"
		       "        - all images\n"
		       "        - all networks\n"
		       "        - all build cache\n"
		       "        - all machines\n"
		       "        - all volumes\n"
		       "Are you sure you want to continue? [y/N] ");
		if (cli_confirm(&yes) < 0) {
			fprintf(stderr, "Error: EOF\n");
			return 1;
		}
		if (!yes)
			return 0;
	}
	rt = cli_runtime(ctx, err);
	if (!rt || cpod_system_reset(rt, err) < 0)
		return -1;
	return 0;
}
