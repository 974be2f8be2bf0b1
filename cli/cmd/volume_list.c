/* cpod volume ls: podman's "DRIVER  VOLUME NAME" table, -q, --format templates and JSON.
 * As in podman, an empty list prints nothing at all (no header), except as JSON ("[]"). */
#include "commands.h"

#include <stdio.h>

#include <json-c/json.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "format/output.h"
#include "common/banned.h"

struct list_opts {
	strv filters;
	const char *format;
	bool noheading;
	bool quiet;
};

const cli_option cmd_volume_list_options[] = {
	{ "filter", 'f', CLI_STRV_CSV(struct list_opts, filters), .help = "Filter volume output" },
	{ "format", 0, CLI_STRING(struct list_opts, format),
	  .help = "Format volume output using Go template" },
	{ "noheading", 0, CLI_BOOL(struct list_opts, noheading), .help = "Do not print headers" },
	{ "quiet", 'q', CLI_BOOL(struct list_opts, quiet),
	  .help = "Print volume output in quiet mode" },
	CLI_OPT_END(struct list_opts),
};

int cmd_volume_list(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	static const format_header headers[] = { { "Name", "volume name" }, { NULL, NULL } };
	const struct list_opts *o = opts;
	_cleanup_json_ json_object *vols = NULL;
	format_list fl = {
		.format = o->format,
		.default_format = "table {{.Driver}}\t{{.Name}}",
		.headers = headers,
		.noheading = o->noheading,
	};
	cpod_runtime *rt;

	(void)argc;
	(void)argv;
	if (o->quiet && cli_opt_changed(ctx->cmd_set, "format"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"quiet and format flags cannot be used together");
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	vols = cpod_volume_list(rt, (const char *const *)o->filters.v, err);
	if (!vols)
		return -1;
	if (!(o->format && format_is_json(o->format)) && json_object_array_length(vols) == 0)
		return 0;
	if (o->quiet)
		fl.format = "{{.Name}}";
	else if (!fl.format || !format_is_json(fl.format))
		cli_volume_fill_defaults(vols);
	return format_print_records(stdout, &fl, vols, err);
}
