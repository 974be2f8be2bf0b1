/* cpod pull / cpod image pull: an image from a registry into the store.  As podman 4.3 does,
 * the copy steps go to stderr unless -q (as lines, or with per-blob progress bars when stderr
 * is a terminal), and the image ID (64 hex digits) to stdout; with -a, one ID per tag, each
 * as soon as that image is stored. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "common/cleanup.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct pull_opts {
	bool all_tags;
	const char *arch;
	const char *authfile;
	const char *cert_dir;
	const char *creds;
	const char *os;
	const char *platform;
	const char *retry_delay;
	const char *signature_policy;
	const char *variant;
	unsigned long long retry;
	bool quiet;
	bool tls_verify;
};

const cli_option cmd_image_pull_options[] = {
	{ "all-tags", 'a', CLI_BOOL(struct pull_opts, all_tags),
	  .help = "All tagged images in the repository will be pulled" },
	{ "arch", 0, CLI_STRING(struct pull_opts, arch), .argname = "ARCH",
	  .help = "Use ARCH instead of the architecture of the machine for choosing images" },
	{ "authfile", 0, CLI_STRING(struct pull_opts, authfile),
	  .help = "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
		  "to override" },
	{ "cert-dir", 0, CLI_STRING(struct pull_opts, cert_dir), .argname = "Pathname",
	  .help = "Pathname of a directory containing TLS certificates and keys" },
	{ "creds", 0, CLI_STRING(struct pull_opts, creds), .argname = "[username[:password]]",
	  .help = "Credentials (USERNAME:PASSWORD) to use for authenticating to a registry" },
	{ "os", 0, CLI_STRING(struct pull_opts, os), .argname = "OS",
	  .help = "Use OS instead of the running OS for choosing images" },
	{ "platform", 0, CLI_STRING(struct pull_opts, platform),
	  .help = "Specify the platform for selecting the image.  (Conflicts with arch and os)" },
	{ "quiet", 'q', CLI_BOOL(struct pull_opts, quiet),
	  .help = "Suppress output information when pulling images" },
	{ "retry", 0, CLI_UINT(struct pull_opts, retry), .def = "3",
	  .help = "number of times to retry in case of failure when performing pull" },
	{ "retry-delay", 0, CLI_STRING(struct pull_opts, retry_delay),
	  .help = "delay between retries in case of pull failures" },
	{ "signature-policy", 0, CLI_STRING(struct pull_opts, signature_policy),
	  .flags = CLI_OPT_HIDDEN, .help = "Pathname of signature policy file (not usually used)" },
	{ "tls-verify", 0, CLI_BOOL(struct pull_opts, tls_verify), .def = "true",
	  .help = "Require HTTPS and verify certificates when contacting registries" },
	{ "variant", 0, CLI_STRING(struct pull_opts, variant),
	  .help = "Use VARIANT instead of the running architecture variant for choosing images" },
	CLI_OPT_END(struct pull_opts),
};

static void print_progress(void *data, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

/* -a: each image's ID as soon as it is stored (below the bars of its pull, if any). */
static void print_pulled(void *data, const char *name, const char *id)
{
	if (data)
		cli_progress_finish(data);
	printf("%s\n", id);
	fflush(stdout);
}

/* Bars on a terminal, podman's lines otherwise; nothing with -q.  *ret_bars: the display
 * (NULL without a terminal). */
static void set_progress(const struct pull_opts *o, cpod_pull_opts *po, cli_progress **ret_bars)
{
	*ret_bars = NULL;
	if (o->quiet)
		return;
	if (!isatty(STDERR_FILENO)) {
		po->progress = print_progress;
		return;
	}
	*ret_bars = cli_progress_new(stderr, STDERR_FILENO, 0);
	po->progress = cli_progress_line;
	po->blob_progress = cli_progress_blob;
	po->progress_data = *ret_bars;
}

/* --platform OS/ARCH[/VARIANT] into its parts (pointing into *copy, which the caller frees). */
static int split_platform(const struct pull_opts *o, char **copy, const char **os,
			  const char **arch, const char **variant, cpod_error **err)
{
	char *s, *slash;

	*os = o->os;
	*arch = o->arch;
	*variant = o->variant;
	if (!o->platform || !*o->platform)
		return 0;
	if (o->os || o->arch)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--platform option can not be specified with --arch or --os");
	s = *copy = xstrdup(o->platform);
	slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid platform syntax for --platform=%s", o->platform);
	*slash = '\0';
	*os = s;
	*arch = slash + 1;
	slash = strchr(slash + 1, '/');
	if (slash) {
		*slash = '\0';
		if (!slash[1] || strchr(slash + 1, '/'))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid platform syntax for --platform=%s", o->platform);
		*variant = slash + 1;
	}
	return 0;
}

int cmd_image_pull(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct pull_opts *o = opts;
	_cleanup_free_ char *platform = NULL, *id = NULL;
	_cleanup_(cli_progress_freep) cli_progress *bars = NULL;
	const char *os, *arch, *variant;
	int64_t delay_ns = 0;
	cpod_runtime *rt;

	if (split_platform(o, &platform, &os, &arch, &variant, err) < 0)
		return -1;
	if (o->retry_delay && timeparse_duration(o->retry_delay, &delay_ns, err) < 0)
		return cpod_err_prefix(err, "invalid --retry-delay '%s'", o->retry_delay);
	cpod_pull_opts po = {
		.struct_size = sizeof(po),
		.os = os,
		.arch = arch,
		.variant = variant,
		.authfile = o->authfile,
		.creds = o->creds,
		.cert_dir = o->cert_dir,
		/* The table cannot tell an explicit --tls-verify=true from the default yet. */
		.tls_verify = cli_tls_verify(ctx, o->tls_verify),
		.signature_policy = o->signature_policy,
		.retries = o->retry > 100 ? 100 : (int)o->retry,
		.retry_delay_ms = o->retry_delay ? (int)(delay_ns / 1000000) : -1,
		.all_tags = o->all_tags,
		.pulled = o->all_tags ? print_pulled : NULL,
	};
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	set_progress(o, &po, &bars);
	for (int i = 0; i < argc; i++) {
		po.reference = argv[i];
		id = cpod_image_pull(rt, &po, err);
		if (!id)
			return -1; /* the bars are left on screen above the error */
		if (bars)
			cli_progress_finish(bars);
		if (!o->all_tags)
			printf("%s\n", id);
		fflush(stdout);
		free(TAKE_PTR(id));
	}
	return 0;
}
