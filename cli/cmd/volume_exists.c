/* cpod volume exists: status 0 when a volume has exactly that name, 1 when not. */
#include "commands.h"

#include <cpod/volume.h>

#include "common/banned.h"

int cmd_volume_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);
	int r;

	(void)opts;
	(void)argc;
	if (!rt)
		return -1;
	r = cpod_volume_exists(rt, argv[0], err);
	if (r < 0)
		return -1;
	return r ? 0 : 1;
}
