/* cpod attach / cpod container attach: the standard streams joined to a running container's
 * until it exits or the user detaches.  As podman 4.3, a newline follows and the status is 0
 * (the container's exit code is `cpod wait`'s business). */
#include "commands.h"

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/banned.h"

struct attach_opts {
	bool latest, no_stdin, sig_proxy;
	const char *detach_keys;
};

const cli_option cmd_container_attach_options[] = {
	{ "detach-keys", 0, CLI_STRING(struct attach_opts, detach_keys), .argname = "[a-Z]",
	  .help = "Select the key sequence for detaching a container. Format is a single "
		  "character [a-Z] or a comma separated sequence of ctrl-<value>, where <value> "
		  "is one of: a-z, @, ^, [, \\, ], ^ or _" },
	{ "latest", 'l', CLI_BOOL(struct attach_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "no-stdin", 0, CLI_BOOL(struct attach_opts, no_stdin),
	  .help = "Do not attach STDIN. The default is false" },
	{ "sig-proxy", 0, CLI_BOOL(struct attach_opts, sig_proxy), .def = "true",
	  .help = "Proxy received signals to the process" },
	CLI_OPT_END(struct attach_opts),
};

int cmd_container_attach(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct attach_opts *o = opts;
	cli_ctr_select sel = { .latest = o->latest };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_attach a = { .stdin = !o->no_stdin,
			 .want_stdout = true,
			 .want_stderr = true,
			 .sig_proxy = o->sig_proxy,
			 .detach_keys = o->detach_keys };
	cli_ctr_info info;
	cpod_runtime *rt;
	int status, r;

	if (argc > 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "`%s` accepts at most one argument",
				ctx->cmd_path);
	if (argc == 0 && !o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"\"%s\" requires a name, id, or the \"--latest\" flag",
				ctx->cmd_path);
	if (argc > 0 && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and containers cannot be used together");
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0 ||
	    cli_ctr_state(rt, ids.v[0], &info, err) < 0)
		return -1;
	if (!info.running)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"you can only attach to running containers");
	a.tty = info.tty;
	r = cli_ctr_attach_run(rt, ids.v[0], &a, &status, err);
	if (r < 0)
		return cpod_err_prefix(err, "attaching to container %s", ids.v[0]);
	printf("\n");
	return 0;
}
