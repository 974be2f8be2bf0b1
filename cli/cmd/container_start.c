/* cpod start / cpod container start: starts containers, printing each as it was named; with
 * -a one container is started attached and its exit status becomes cpod's.  As podman 4.3
 * does, a container that already runs is left alone (and not printed) unless attaching. */
#include "commands.h"

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/banned.h"

struct start_opts {
	bool all, attach, interactive, latest, sig_proxy;
	const char *detach_keys;
	strv filters;
};

const cli_option cmd_container_start_options[] = {
	{ "all", 0, CLI_BOOL(struct start_opts, all),
	  .help = "Start all containers regardless of their state or configuration" },
	{ "attach", 'a', CLI_BOOL(struct start_opts, attach),
	  .help = "Attach container's STDOUT and STDERR" },
	{ "detach-keys", 0, CLI_STRING(struct start_opts, detach_keys), .argname = "[a-Z]",
	  .help = "Select the key sequence for detaching a container. Format is a single "
		  "character [a-Z] or a comma separated sequence of ctrl-<value>, where <value> "
		  "is one of: a-z, @, ^, [, \\, ], ^ or _" },
	{ "filter", 'f', CLI_STRV_CSV(struct start_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "interactive", 'i', CLI_BOOL(struct start_opts, interactive),
	  .help = "Keep STDIN open even if not attached" },
	{ "latest", 'l', CLI_BOOL(struct start_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "sig-proxy", 0, CLI_BOOL(struct start_opts, sig_proxy),
	  .help = "Proxy received signals to the process (default true if attaching, false "
		  "otherwise)" },
	CLI_OPT_END(struct start_opts),
};

static int validate_start(const struct start_opts *o, int argc, cpod_error **err)
{
	const char *msg = NULL;

	if (argc == 0 && !o->latest && !o->all && !o->filters.n)
		msg = "start requires at least one argument";
	else if (o->all && o->latest)
		msg = "--all and --latest cannot be used together";
	else if (argc > 0 && o->latest)
		msg = "--latest and containers cannot be used together";
	else if (argc > 1 && o->attach)
		msg = "you cannot start and attach multiple containers at once";
	else if ((argc > 0 || o->latest) && o->all)
		msg = "either start all containers or the container(s) provided in the arguments";
	else if (o->attach && o->all)
		msg = "you cannot start and attach all containers at once";
	if (msg)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s", msg);
	return 0;
}

/* start -a: one container, attached; a running one is only attached to. */
static int start_attached(cpod_runtime *rt, const struct start_opts *o, bool sig_proxy,
			  const char *id, cpod_error **err)
{
	cli_ctr_info info;
	cli_attach a = { .want_stdout = true,
			 .want_stderr = true,
			 .sig_proxy = sig_proxy,
			 .detach_keys = o->detach_keys };
	int status = 0, r;

	if (cli_ctr_state(rt, id, &info, err) < 0)
		return -1;
	a.start = !info.running;
	a.tty = info.tty;
	a.stdin = info.open_stdin || o->interactive;
	r = cli_ctr_attach_run(rt, id, &a, &status, err);
	if (r == CPOD_DETACHED)
		return 0;
	if (r < 0 && !info.running) {
		if (info.auto_remove)
			cli_ctr_remove_quietly(rt, id);
		return cpod_err_prefix(err, "unable to start container %s", id);
	}
	return r < 0 ? -1 : status;
}

/* One container without -a: started unless it runs already; *printed when it was. */
static int start_one(cpod_runtime *rt, const char *id, bool *started, cpod_error **err)
{
	cli_ctr_info info;

	*started = false;
	if (cli_ctr_state(rt, id, &info, err) < 0)
		return -1;
	if (info.running)
		return 0;
	if (cpod_container_start(rt, id, NULL, NULL, err) < 0) {
		if (info.auto_remove)
			cli_ctr_remove_quietly(rt, id);
		return cpod_err_prefix(err, "unable to start container \"%s\"", id);
	}
	*started = true;
	return 0;
}

int cmd_container_start(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct start_opts *o = opts;
	bool sig_proxy = cli_opt_changed(ctx->cmd_set, "sig-proxy") ? o->sig_proxy : o->attach;
	cli_ctr_select sel = { .all = o->all, .latest = o->latest, .filters = &o->filters };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int r;

	if (validate_start(o, argc, err) < 0)
		return -1;
	if (sig_proxy && !o->attach)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"you cannot use sig-proxy without --attach: invalid argument");
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0)
		return -1;
	if (o->attach)
		return ids.n ? start_attached(rt, o, sig_proxy, ids.v[0], err) : 0;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;
		bool started;

		if (start_one(rt, ids.v[i], &started, &e) < 0)
			cli_errors_add(&errs, e);
		else if (started)
			printf("%s\n", print.v[i]);
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
