/* cpod save / cpod image save: a docker-archive (or an oci-archive) of images to a file (-o) or to stdout, which
 * must not be a terminal (podman 4.3 refuses one). */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct save_opts {
	const char *output;
	const char *format;
	bool multi;
	bool quiet;
	bool compress;
	bool uncompressed;
};

const cli_option cmd_image_save_options[] = {
	{ "compress", 0, CLI_BOOL(struct save_opts, compress),
	  .help = "Compress tarball image layers when saving to a directory using the 'dir' "
		  "transport. (default is same compression type as source)" },
	{ "format", 0, CLI_STRING(struct save_opts, format),
	  .help = "Save image to oci-archive or docker-archive (default: \"docker-archive\")" },
	{ "multi-image-archive", 'm', CLI_BOOL(struct save_opts, multi),
	  .help = "Interpret additional arguments as images not tags and create a multi-image "
		  "archive (only for docker-archive)" },
	{ "output", 'o', CLI_STRING(struct save_opts, output),
	  .help = "Write to a specified file (default: stdout, which must be redirected)" },
	{ "quiet", 'q', CLI_BOOL(struct save_opts, quiet), .help = "Suppress the output" },
	{ "uncompressed", 0, CLI_BOOL(struct save_opts, uncompressed),
	  .help = "Accept uncompressed layers when copying OCI images" },
	CLI_OPT_END(struct save_opts),
};

int cmd_image_save(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct save_opts *o = opts;
	_cleanup_close_ int fd = -1;
	cpod_runtime *rt;
	int r;

	if (o->format && !str_eq(o->format, "docker-archive") && !str_eq(o->format, "oci-archive"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"unsupported format '%s': %s supports docker-archive and "
				"oci-archive",
				o->format, ctx->prog);
	if (o->compress)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--compress can only be set when --format is 'docker-dir'");
	if (!o->output && isatty(STDOUT_FILENO))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"refusing to save to terminal. Use -o flag or redirect");
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (o->output) {
		fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", o->output);
	}
	fflush(stdout);
	cpod_save_opts so = {
		.struct_size = sizeof(so),
		.images = (const char *const *)argv,
		.format = o->format ? o->format : CPOD_SAVE_DOCKER_ARCHIVE,
		.multi_image = o->multi,
		.fd = o->output ? fd : STDOUT_FILENO,
	};
	(void)argc;
	r = cpod_image_save(rt, &so, err);
	if (r < 0 && o->output)
		unlink(o->output);
	return r;
}
