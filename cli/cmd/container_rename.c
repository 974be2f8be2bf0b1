/* cpod rename CONTAINER NAME: gives a container a new name; prints nothing. */
#include "commands.h"

#include <cpod/container.h>

#include "common/banned.h"

int cmd_container_rename(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);

	(void)opts;
	(void)argc;
	if (!rt)
		return -1;
	return cpod_container_rename(rt, argv[0], argv[1], err) < 0 ? -1 : 0;
}
