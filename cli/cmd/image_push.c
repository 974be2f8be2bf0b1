/* cpod push / cpod image push: an image from the store to a registry, or to a local transport
 * (oci:, oci-archive:, docker-archive:, dir:, containers-storage:).  As podman 4.3 does without
 * a terminal, the copy steps go to stderr unless -q. */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct push_opts {
	const char *authfile;
	const char *cert_dir;
	const char *compression;
	const char *creds;
	const char *digestfile;
	const char *format;
	bool compress;
	bool quiet;
	bool tls_verify;
};

const cli_option cmd_image_push_options[] = {
	{ "authfile", 0, CLI_STRING(struct push_opts, authfile),
	  .help = "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
		  "to override" },
	{ "cert-dir", 0, CLI_STRING(struct push_opts, cert_dir), .argname = "Pathname",
	  .help = "Path to a directory containing TLS certificates and keys" },
	{ "compress", 0, CLI_BOOL(struct push_opts, compress),
	  .help = "Compress tarball image layers when pushing to a directory using the 'dir' "
		  "transport. (default is same compression type as source)" },
	{ "compression-format", 0, CLI_STRING(struct push_opts, compression),
	  .help = "compression format to use (default \"gzip\")" },
	{ "creds", 0, CLI_STRING(struct push_opts, creds), .argname = "[username[:password]]",
	  .help = "Credentials (USERNAME:PASSWORD) to use for authenticating to a registry" },
	{ "digestfile", 0, CLI_STRING(struct push_opts, digestfile),
	  .help = "Write the digest of the pushed image to the specified file" },
	{ "format", 'f', CLI_STRING(struct push_opts, format),
	  .help = "Manifest type (oci, v2s2, or v2s1) to use in the destination (default is "
		  "manifest type of source, with fallbacks)" },
	{ "quiet", 'q', CLI_BOOL(struct push_opts, quiet),
	  .help = "Suppress output information when pushing images" },
	{ "tls-verify", 0, CLI_BOOL(struct push_opts, tls_verify), .def = "true",
	  .help = "Require HTTPS and verify certificates when contacting registries" },
	CLI_OPT_END(struct push_opts),
};

static int write_digestfile(const char *path, const char *digest, cpod_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(digest);

	if (fd < 0 || write(fd, digest, len) != (ssize_t)len)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "failed to write digest to file '%s'",
				path);
	return 0;
}

int cmd_image_push(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct push_opts *o = opts;
	_cleanup_free_ char *digest = NULL;
	cpod_runtime *rt;

	cpod_push_opts po = {
		.struct_size = sizeof(po),
		.image = argv[0],
		.destination = argc > 1 ? argv[1] : NULL,
		.format = o->format,
		.compression = o->compression,
		.authfile = o->authfile,
		.creds = o->creds,
		.cert_dir = o->cert_dir,
		.tls_verify = cli_tls_verify(ctx, o->tls_verify),
		.progress = o->quiet ? NULL : cli_print_progress,
		.compress = o->compress,
	};
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	digest = cpod_image_push(rt, &po, err);
	if (!digest)
		return -1;
	if (o->digestfile && *digest && write_digestfile(o->digestfile, digest, err) < 0)
		return -1;
	return 0;
}
