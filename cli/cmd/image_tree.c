/* cpod image tree: podman's layer tree of an image. */
#include "commands.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct tree_opts {
	bool whatrequires;
};

const cli_option cmd_image_tree_options[] = {
	{ "whatrequires", 0, CLI_BOOL(struct tree_opts, whatrequires),
	  .help = "Show all child images and layers of the specified image" },
	CLI_OPT_END(struct tree_opts),
};

int cmd_image_tree(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct tree_opts *o = opts;
	_cleanup_free_ char *text = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	(void)argc;
	if (!rt)
		return -1;
	text = cpod_image_tree(rt, argv[0], o->whatrequires, err);
	if (!text)
		return -1;
	/* podman prints the tree, which ends with a newline, with Println */
	printf("%s\n", text);
	return 0;
}
