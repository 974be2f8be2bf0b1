/* cpod create / cpod container create: the image pulled as --pull says, the container
 * created from the options (cli/specgen.c), its ID printed.  cli_ctr_create() is also the
 * first half of `run`. */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "specgen.h"
#include "common/banned.h"

/* os.Args, as podman records it in containerCreateCommand. */
static char **self_cmdline(void)
{
	_cleanup_buf_ buf b = BUF_INIT;
	strv v = STRV_INIT;

	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, "/proc/self/cmdline") < 0)
		return NULL;
	for (size_t off = 0; off < b.len; off += strlen(b.s + off) + 1)
		strv_push(&v, b.s + off);
	return strv_detach(&v);
}

/* A reference naming a transport ("docker://", "oci-archive:" ...): the container then uses
 * the pulled image's ID, as podman does. */
static bool has_transport(const char *ref)
{
	static const char *const transports[] = { "docker://",		 "docker-archive:",
						  "docker-daemon:",	 "oci:",
						  "oci-archive:",	 "dir:",
						  "containers-storage:", NULL };

	for (size_t i = 0; transports[i]; i++)
		if (str_has_prefix(ref, transports[i]))
			return true;
	return false;
}

static int do_pull(cli_ctx *ctx, cpod_runtime *rt, const struct cli_create_opts *o,
		   const char *name, char **ret_id, cpod_error **err)
{
	_cleanup_free_ char *copy = NULL;
	cpod_pull_opts po = {
		.struct_size = sizeof(po),
		.reference = name,
		.authfile = o->authfile,
		.creds = o->creds,
		.tls_verify = cli_tls_verify(ctx, o->tls_verify),
		.signature_policy = o->signature_policy,
		.retries = 3,
		.retry_delay_ms = -1,
		.progress = o->quiet ? NULL : cli_print_progress,
	};

	if (cli_split_platform(o->platform, o->os, o->arch, o->variant, &copy, &po.os, &po.arch,
			       &po.variant, err) < 0)
		return -1;
	*ret_id = cpod_image_pull(rt, &po, err);
	return *ret_id ? 0 : -1;
}

/* The image for the container, as --pull says: *ret_name is what the description names (the
 * name given, or the pulled ID for a transport reference); NULL keeps the name. */
static int pull_image(cli_ctx *ctx, cpod_runtime *rt, const struct cli_create_opts *o,
		      const char *name, char **ret_name, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_free_ char *id = NULL;
	cli_pull_policy policy;
	int exists;

	*ret_name = NULL;
	if (cli_parse_pull_policy(o->pull, &policy, err) < 0)
		return -1;
	/* A local image may be of another platform: like podman, check with the registry. */
	if ((o->platform || o->arch || o->os || o->variant) && policy != CLI_PULL_ALWAYS &&
	    policy != CLI_PULL_NEVER)
		policy = CLI_PULL_NEWER;
	exists = cpod_image_exists(rt, name, err);
	if (exists < 0)
		return -1;
	if (policy == CLI_PULL_NEVER && !exists)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: image not known", name);
	if (policy == CLI_PULL_NEVER || (policy == CLI_PULL_MISSING && exists))
		return 0;
	if (do_pull(ctx, rt, o, name, &id, &e) < 0) {
		if (policy == CLI_PULL_NEWER && exists) {
			log_debug("pulling %s (pull policy newer): %s; using the local image", name,
				  cpod_error_message(e));
			return 0;
		}
		*err = TAKE_PTR(e);
		return -1;
	}
	if (has_transport(name))
		*ret_name = TAKE_PTR(id);
	return 0;
}

/* podman's CreateCidFile: the file must not exist yet; the ID without a newline. */
static int write_cidfile(const char *path, const char *id, cpod_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(id);

	if (fd < 0 && errno == EEXIST)
		return cpod_err(err, CPOD_ERR_EXISTS, 0,
				"container id file exists. Ensure another container is not using "
				"it or delete %s",
				path);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening cidfile %s", path);
	if (write(fd, id, len) != (ssize_t)len)
		cpod_logf(CPOD_LOG_ERROR, "writing %s: %s", path, strerror(errno));
	return 0;
}

/* --replace: the container of that name goes first (stopped if need be). */
static int replace_container(cpod_runtime *rt, const char *name, cpod_error **err)
{
	cpod_rm_opts ro = {
		.struct_size = sizeof(ro), .force = true, .timeout = -1, .ignore = true
	};

	if (!name || !*name)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot replace container without --name being set");
	return cpod_container_remove(rt, name, &ro, err);
}

void cli_ctr_remove_quietly(cpod_runtime *rt, const char *id)
{
	cpod_rm_opts ro = { .struct_size = sizeof(ro),
			    .force = true,
			    .volumes = true,
			    .timeout = -1,
			    .ignore = true };
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;

	if (cpod_container_remove(rt, id, &ro, &e) < 0)
		log_debug("removing container %s: %s", id, cpod_error_message(e));
}

int cli_ctr_create(cli_ctx *ctx, const struct cli_create_opts *o, int argc, char **argv,
		   char **ret_id, cpod_error **err)
{
	_cleanup_strv_free_ char **cmdline = self_cmdline();
	_cleanup_json_ json_object *sg = NULL;
	_cleanup_free_ char *image = NULL, *id = NULL;
	cpod_runtime *rt;

	if (cli_specgen_build(o, ctx->cmd_set, argc, argv, (const char *const *)cmdline, &sg, err) <
	    0)
		return -1;
	if (str_eq(o->log_driver, "passthrough") &&
	    (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) || isatty(STDERR_FILENO)))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"the '--log-driver passthrough' option cannot be used on a TTY");
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (!o->rootfs && pull_image(ctx, rt, o, argv[0], &image, err) < 0)
		return -1;
	if (image)
		json_object_object_add(sg, "image", json_object_new_string(image));
	if (o->replace && replace_container(rt, o->name, err) < 0)
		return -1;
	if (cpod_container_create(rt, sg, &id, err) < 0)
		return -1;
	if (o->cidfile && *o->cidfile && write_cidfile(o->cidfile, id, err) < 0) {
		cli_ctr_remove_quietly(rt, id);
		return -1;
	}
	*ret_id = TAKE_PTR(id);
	return 0;
}

int cmd_container_create(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct cli_create_opts *o = opts;
	_cleanup_free_ char *id = NULL;

	if (cli_ctr_create(ctx, o, argc, argv, &id, err) < 0)
		return -1;
	if (!str_eq(o->log_driver, "passthrough"))
		printf("%s\n", id);
	return 0;
}
