/* cpod container exists: status 0 when a container of that name or ID exists, 1 when not;
 * prints nothing. */
#include "commands.h"

#include <stdlib.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct exists_opts {
	bool external;
};

const cli_option cmd_container_exists_options[] = {
	{ "external", 0, CLI_BOOL(struct exists_opts, external),
	  .help = "Check external storage containers as well as cpod containers" },
	CLI_OPT_END(struct exists_opts),
};

int cmd_container_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_free_ char *id = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	/* cpod keeps no containers outside its database, so --external finds nothing more. */
	if (!rt)
		return -1;
	if (cpod_container_lookup(rt, argv[0], &id, &e) == 0)
		return 0;
	if (cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
		return 1;
	*err = TAKE_PTR(e);
	return -1;
}
