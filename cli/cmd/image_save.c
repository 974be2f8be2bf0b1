/* cpod save / cpod image save: a docker-archive of images, or one image as an oci-archive, an
 * OCI layout directory (oci-dir) or a dir: directory (docker-dir), to a file or directory (-o)
 * or, for the archives, to stdout, which must not be a terminal (podman 4.3 refuses one). */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strv.h"
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
	  .help = "Save image to oci-archive, oci-dir (directory with oci manifest type), "
		  "docker-archive, docker-dir (directory with v2s2 manifest type)" },
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

static bool is_dir_format(const char *f)
{
	return f && (str_eq(f, "oci-dir") || str_eq(f, "docker-dir"));
}

static int check_flags(cli_ctx *ctx, const struct save_opts *o, cpod_error **err)
{
	static const char *const formats[] = { "docker-archive", "oci-archive", "oci-dir",
					       "docker-dir", NULL };

	if (o->format && !strv_contains(formats, o->format))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"format value must be one of docker-archive oci-archive oci-dir "
				"docker-dir");
	if (o->compress && !(o->format && str_eq(o->format, "docker-dir")))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--compress can only be set when --format is 'docker-dir'");
	if (is_dir_format(o->format) && !o->output)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--format %s needs a directory: use -o DIR", o->format);
	if (!o->output && isatty(STDOUT_FILENO))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"refusing to save to terminal. Use -o flag or redirect");
	(void)ctx;
	return 0;
}

int cmd_image_save(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct save_opts *o = opts;
	_cleanup_close_ int fd = -1;
	bool dir = is_dir_format(o->format);
	cpod_runtime *rt;
	int r;

	if (check_flags(ctx, o, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (o->output && !dir) {
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
		.dir = dir ? o->output : NULL,
		.compress = o->compress,
		.uncompressed = o->uncompressed,
	};
	(void)argc;
	r = cpod_image_save(rt, &so, err);
	if (r < 0 && o->output && !dir)
		unlink(o->output);
	return r;
}
