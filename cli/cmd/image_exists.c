/* cpod image exists: status 0 when the image is in the store, 1 when not; prints nothing. */
#include "commands.h"

#include "common/banned.h"

int cmd_image_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);
	int r;

	if (!rt)
		return -1;
	r = cpod_image_exists(rt, argv[0], err);
	if (r < 0)
		return -1;
	return r ? 0 : 1;
}
