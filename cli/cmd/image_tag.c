/* cpod tag / cpod image tag: adds names to an image, stopping at the first that fails. */
#include "commands.h"

#include "common/banned.h"

int cmd_image_tag(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt)
		return -1;
	for (int i = 1; i < argc; i++)
		if (cpod_image_tag(rt, argv[0], argv[i], err) < 0)
			return -1;
	return 0;
}
