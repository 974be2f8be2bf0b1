/* cpod info / cpod system info: the library's report as YAML (podman's default), indented
 * JSON, or a Go template. */
#include "commands.h"

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/banned.h"

struct info_opts {
	bool debug;
	const char *format;
};

const cli_option cmd_system_info_options[] = {
	{ "debug", 'D', CLI_BOOL(struct info_opts, debug), .flags = CLI_OPT_HIDDEN,
	  .help = "Display additional debug information (no effect, as in podman)" },
	{ "format", 'f', CLI_STRING(struct info_opts, format),
	  .help = "Change the output format to JSON or a Go template" },
	CLI_OPT_END(struct info_opts),
};

int cmd_system_info(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct info_opts *o = opts;
	_cleanup_json_ json_object *info = NULL;
	_cleanup_buf_ buf yaml = BUF_INIT;
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt)
		return -1;
	info = cpod_info(rt, err);
	if (!info)
		return -1;
	if (o->format)
		return cli_print_format(stdout, o->format, info, err) < 0 ? -1 : 0;
	/* podman prints the YAML document with Println: one more newline after it. */
	cli_yaml(&yaml, info);
	printf("%s\n", yaml.s);
	return 0;
}
