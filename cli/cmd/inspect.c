/* cpod inspect: podman's inspect of any object by name.  --type all (the default) looks for a
 * container first, then an image; pods, networks and volumes are refused as not supported
 * yet. */
#include "commands.h"

#include "common/xalloc.h"
#include "common/banned.h"

struct inspect_opts {
	const char *format;
	const char *type;
	bool latest;
	bool size;
};

const cli_option cmd_inspect_options[] = {
	{ "format", 'f', CLI_STRING(struct inspect_opts, format), .def = "json",
	  .help = "Format the output to a Go template or json" },
	{ "latest", 'l', CLI_BOOL(struct inspect_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "size", 's', CLI_BOOL(struct inspect_opts, size), .help = "Display total file size" },
	{ "type", 't', CLI_STRING(struct inspect_opts, type), .def = "all",
	  .help = "Specify inspect-object type" },
	CLI_OPT_END(struct inspect_opts),
};

static const char *const types[] = { "image", "container", "pod", "network", "volume", "all", NULL };

int cmd_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct inspect_opts *o = opts;
	const char *type = o->type ? o->type : "all";

	if (str_eq(type, "image") && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"latest is not supported for type \"image\"");
	if ((str_eq(type, "image") || str_eq(type, "pod")) && o->size)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "size is not supported for type \"%s\"",
				type);
	if (argc == 0 && !o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no names or ids specified");
	if (argc > 0 && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and arguments cannot be used together");
	if (!strv_contains(types, type))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid type \"%s\": must be \"image\", \"container\", \"pod\", "
				"\"network\", \"volume\", or \"all\"",
				type);
	if (!str_eq(type, "image") && !str_eq(type, "container") && !str_eq(type, "all"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"inspect --type %s: not supported by %s yet", type, ctx->prog);
	if (str_eq(type, "image"))
		return cli_inspect_images(ctx, o->format, argc, argv, false, err);
	/* -l with --type all means the latest container. */
	return cli_inspect_containers(ctx, o->format, o->size, o->latest,
				      str_eq(type, "all") && !o->latest, argc, argv, err);
}
