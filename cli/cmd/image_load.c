/* cpod load / cpod image load: images from a docker-archive or oci-archive (-i FILE, or stdin,
 * which must not be a terminal) or an OCI layout or dir: directory (-i DIR).  As podman 4.3
 * does, prints the copy steps to stderr unless -q, then "Loaded image: NAME" for each name
 * loaded. */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct load_opts {
	const char *input;
	bool quiet;
};

const cli_option cmd_image_load_options[] = {
	{ "input", 'i', CLI_STRING(struct load_opts, input),
	  .help = "Read from specified archive file (default: stdin)" },
	{ "quiet", 'q', CLI_BOOL(struct load_opts, quiet), .help = "Suppress the output" },
	CLI_OPT_END(struct load_opts),
};

int cmd_image_load(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct load_opts *o = opts;
	_cleanup_close_ int fd = -1;
	_cleanup_json_ json_object *names = NULL;
	cpod_runtime *rt;

	(void)argc;
	(void)argv;
	if (!o->input && isatty(STDIN_FILENO))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot read from terminal, use command-line redirection or the "
				"--input flag");
	if (o->input) {
		fd = open(o->input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM,
					errno, "opening '%s'", o->input);
	}
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	cpod_load_opts lo = {
		.struct_size = sizeof(lo),
		.fd = o->input ? fd : STDIN_FILENO,
		.progress = o->quiet ? NULL : cli_print_progress,
	};
	names = cpod_image_load(rt, &lo, err);
	if (!names)
		return -1;
	for (size_t i = 0; i < json_object_array_length(names); i++)
		printf("Loaded image: %s\n",
		       json_object_get_string(json_object_array_get_idx(names, i)));
	return 0;
}
