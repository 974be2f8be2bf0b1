/* cpod volume create: makes a volume and prints its name. */
#include "commands.h"

#include <stdio.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct create_opts {
	const char *driver;
	strv labels;
	strv options;
	bool ignore;
};

const cli_option cmd_volume_create_options[] = {
	{ "driver", 0, CLI_STRING(struct create_opts, driver), .def = "local",
	  .help = "Specify volume driver name" },
	{ "ignore", 0, CLI_BOOL(struct create_opts, ignore),
	  .help = "Don't fail if volume already exists" },
	{ "label", 'l', CLI_STRV_CSV(struct create_opts, labels),
	  .help = "Set metadata for a volume (default [])" },
	{ "opt", 'o', CLI_STRV(struct create_opts, options),
	  .help = "Set driver specific options (default [])" },
	CLI_OPT_END(struct create_opts),
};

int cmd_volume_create(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct create_opts *o = opts;
	cpod_volume_create_opts co = {
		.struct_size = sizeof(co),
		.name = argc ? argv[0] : NULL,
		.driver = o->driver,
		.labels = (const char *const *)o->labels.v,
		.options = (const char *const *)o->options.v,
		.ignore = o->ignore,
	};
	_cleanup_free_ char *name = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt || cpod_volume_create(rt, &co, &name, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}
