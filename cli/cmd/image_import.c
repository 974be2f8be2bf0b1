/* cpod import / cpod image import: a root file system tarball (a file, or - for stdin)
 * becomes a one-layer image.  As podman 4.3 does, the copy steps go to stderr unless -q, and
 * the new image's ID, "sha256:<hex>", to stdout. */
#include "commands.h"

#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct import_opts {
	strv changes;
	const char *message;
	const char *os;
	const char *arch;
	const char *variant;
	const char *signature_policy;
	bool quiet;
};

const cli_option cmd_image_import_options[] = {
	{ "arch", 0, CLI_STRING(struct import_opts, arch),
	  .help = "Set the architecture of the imported image" },
	{ "change", 'c', CLI_STRV(struct import_opts, changes),
	  .help = "Apply the following possible instructions to the created image (default []): "
		  "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | "
		  "VOLUME | WORKDIR" },
	{ "message", 'm', CLI_STRING(struct import_opts, message),
	  .help = "Set commit message for imported image" },
	{ "os", 0, CLI_STRING(struct import_opts, os), .help = "Set the OS of the imported image" },
	{ "quiet", 'q', CLI_BOOL(struct import_opts, quiet), .help = "Suppress output" },
	{ "signature-policy", 0, CLI_STRING(struct import_opts, signature_policy),
	  .flags = CLI_OPT_HIDDEN, .help = "Path to a signature-policy file" },
	{ "variant", 0, CLI_STRING(struct import_opts, variant),
	  .help = "Set the variant of the imported image" },
	CLI_OPT_END(struct import_opts),
};

/* podman downloads http(s) sources first; cpod does not. */
static bool is_url(const char *s)
{
	const char *colon = strstr(s, "://");

	if (!colon || colon == s)
		return false;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* What containers/image prints while copying, when stderr is not a terminal.  The blob is the
 * layer as stored (its uncompressed digest). */
static void print_copied(cpod_runtime *rt, const char *id)
{
	_cleanup_json_ json_object *img = cpod_image_inspect(rt, id, NULL);
	json_object *layers = cli_json_get(cli_json_get(img, "RootFS"), "Layers");

	if (json_object_is_type(layers, json_type_array))
		for (size_t i = 0; i < json_object_array_length(layers); i++)
			fprintf(stderr, "Copying blob %s\n",
				json_object_get_string(json_object_array_get_idx(layers, i)));
	fprintf(stderr, "Copying config sha256:%s\n", id);
	fputs("Writing manifest to image destination\nStoring signatures\n", stderr);
}

int cmd_image_import(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct import_opts *o = opts;
	_cleanup_free_ char *id = NULL;
	cpod_import_opts io = {
		.struct_size = sizeof(io),
		.path = str_eq(argv[0], "-") ? NULL : argv[0],
		.fd = STDIN_FILENO,
		.reference = argc > 1 ? argv[1] : NULL,
		.changes = (const char *const *)o->changes.v,
		.message = o->message,
		.os = o->os,
		.arch = o->arch,
		.variant = o->variant,
	};
	cpod_runtime *rt;

	if (is_url(argv[0]))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"importing '%s': importing from a URL is not supported by %s yet",
				argv[0], ctx->prog);
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (!o->quiet)
		fputs("Getting image source signatures\n", stderr);
	id = cpod_image_import(rt, &io, err);
	if (!id)
		return -1;
	if (!o->quiet)
		print_copied(rt, id);
	printf("sha256:%s\n", id);
	return 0;
}
