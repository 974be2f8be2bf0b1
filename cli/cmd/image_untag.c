/* cpod untag / cpod image untag: removes the given names from an image, or all its names. */
#include "commands.h"

#include "common/banned.h"

int cmd_image_untag(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt)
		return -1;
	if (argc == 1)
		return cpod_image_untag(rt, argv[0], NULL, err);
	for (int i = 1; i < argc; i++)
		if (cpod_image_untag(rt, argv[0], argv[i], err) < 0)
			return -1;
	return 0;
}
