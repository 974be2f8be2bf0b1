/* cpod run / cpod container run: create (pulling as --pull says), then start: detached (-d,
 * the ID printed), or attached to the standard streams until the container exits, whose exit
 * status becomes cpod's (podman: 125 engine error, 126 cannot invoke, 127 not found). */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "specgen.h"
#include "common/banned.h"

/* Which streams to attach: all but stdin (unless -i), or those -a names. */
static int run_streams(const struct cli_create_opts *o, bool attach_given, cli_attach *a,
		       cpod_error **err)
{
	a->stdin = o->interactive;
	a->want_stdout = a->want_stderr = true;
	if (!attach_given)
		return 0;
	if (str_eq(o->log_driver, "passthrough"))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot specify --attach with --log-driver=passthrough: invalid "
				"argument");
	a->want_stdout = a->want_stderr = false;
	for (size_t i = 0; i < o->attach.n; i++) {
		const char *s = o->attach.v[i];

		if (strcasecmp(s, "stdout") == 0)
			a->want_stdout = true;
		else if (strcasecmp(s, "stderr") == 0)
			a->want_stderr = true;
		else if (strcasecmp(s, "stdin") == 0)
			a->stdin = true;
		else
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid stream \"%s\" for --attach - must be one of "
					"stdin, "
					"stdout, or stderr: invalid argument",
					s);
	}
	return 0;
}

static int run_checks(const struct cli_create_opts *o, cpod_error **err)
{
	struct stat st;

	if (o->tty && o->interactive && !isatty(STDIN_FILENO))
		log_warn("The input device is not a TTY. The --tty and --interactive flags might "
			 "not "
			 "work properly");
	if (o->authfile && *o->authfile && stat(o->authfile, &st) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "stat %s: %s", o->authfile,
				errno == ENOENT ? "no such file or directory" : strerror(errno));
	return 0;
}

static int run_detached(cpod_runtime *rt, const struct cli_create_opts *o, const char *id,
			cpod_error **err)
{
	if (cpod_container_start(rt, id, NULL, NULL, err) < 0) {
		if (o->rm)
			cli_ctr_remove_quietly(rt, id);
		return -1;
	}
	if (!str_eq(o->log_driver, "passthrough"))
		printf("%s\n", id);
	return 0;
}

/* After a foreground run: --rm (the cleanup process normally did it already) and --rmi. */
static void after_run(cpod_runtime *rt, const struct cli_create_opts *o, const char *id,
		      const char *image)
{
	if (o->rm) {
		cpod_rm_opts ro = {
			.struct_size = sizeof(ro), .volumes = true, .timeout = -1, .ignore = true
		};
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;

		if (cpod_container_remove(rt, id, &ro, &e) < 0)
			cpod_logf(CPOD_LOG_ERROR, "Removing container %s: %s", id,
				  cpod_error_message(e));
	}
	if (o->rmi && image) {
		_cleanup_json_ json_object *untagged = NULL, *deleted = NULL;
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;

		if (cpod_image_remove(rt, image, 0, &untagged, &deleted, &e) < 0)
			cpod_logf(CPOD_LOG_ERROR, "%s", cpod_error_message(e));
	}
}

int cmd_container_run(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct cli_create_opts *o = opts;
	cli_attach a = { .start = true,
			 .tty = o->tty,
			 .sig_proxy = o->sig_proxy,
			 .detach_keys = o->detach_keys };
	_cleanup_free_ char *id = NULL;
	cpod_runtime *rt;
	int status = 0, r;

	if (run_checks(o, err) < 0 ||
	    run_streams(o, cli_opt_changed(ctx->cmd_set, "attach"), &a, err) < 0)
		return -1;
	if (cli_ctr_create(ctx, o, argc, argv, &id, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (o->detach)
		return run_detached(rt, o, id, err);
	/* podman prints the ID when nothing of the container's output is shown. */
	if (!a.want_stdout && !a.want_stderr)
		printf("%s\n", id);
	r = cli_ctr_attach_run(rt, id, &a, &status, err);
	if (r < 0) {
		if (o->rm)
			cli_ctr_remove_quietly(rt, id);
		return -1;
	}
	if (r == CPOD_DETACHED)
		return 0;
	after_run(rt, o, id, o->rootfs ? NULL : argv[0]);
	if (cli_opt_changed(ctx->cmd_set, "gpus"))
		log_info("--gpus is a Docker specific option and is a NOOP");
	return status;
}
