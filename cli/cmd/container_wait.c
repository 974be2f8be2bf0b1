/* cpod wait / cpod container wait: blocks until each container reaches a condition (stopped
 * or exited by default) and prints its exit code. */
#include "commands.h"

#include <stdint.h>
#include <stdlib.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct wait_opts {
	bool latest;
	const char *interval;
	strv conditions;
};

const cli_option cmd_container_wait_options[] = {
	{ "condition", 0, CLI_STRV_CSV(struct wait_opts, conditions),
	  .help = "Condition to wait on" },
	{ "interval", 'i', CLI_STRING(struct wait_opts, interval), .def = "250ms",
	  .help = "Time Interval to wait before polling for completion" },
	{ "latest", 'l', CLI_BOOL(struct wait_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct wait_opts),
};

/* The container states podman 4.3 can wait for (define.StringToContainerStatus). */
static int check_conditions(const strv *conds, cpod_error **err)
{
	static const char *const states[] = { "unknown", "created",  "initialized",
					      "running", "stopped",  "paused",
					      "exited",	 "removing", NULL };

	for (size_t i = 0; i < conds->n; i++)
		if (!strv_contains(states, conds->v[i]))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"unknown container state: %s: invalid argument",
					conds->v[i]);
	return 0;
}

/* A Go duration, or a number of milliseconds ("500"). */
static int parse_interval(const char *s, int *ret_ms, cpod_error **err)
{
	_cleanup_free_ char *ms = xasprintf("%sms", s);
	int64_t ns;

	if (timeparse_duration(s, &ns, err) < 0) {
		if (timeparse_duration(ms, &ns, NULL) < 0)
			return -1;
		cpod_error_free(*err);
		*err = NULL;
	}
	if (ns <= 0)
		*ret_ms = 0;
	else if (ns / 1000000 > INT32_MAX)
		*ret_ms = INT32_MAX;
	else
		*ret_ms = ns < 1000000 ? 1 : (int)(ns / 1000000);
	return 0;
}

int cmd_container_wait(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct wait_opts *o = opts;
	cli_ctr_select sel = { .latest = o->latest };
	_cleanup_strv_ strv ids = STRV_INIT, print = STRV_INIT;
	cli_errors errs = { 0 };
	cpod_runtime *rt;
	int interval, r;

	if (parse_interval(o->interval ? o->interval : "250ms", &interval, err) < 0)
		return -1;
	if (!o->latest && argc == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"\"%s\" requires a name, id, or the \"--latest\" flag",
				ctx->cmd_path);
	if (o->latest && argc > 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and containers cannot be used together");
	if (check_conditions(&o->conditions, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt || cli_ctr_select_targets(rt, &sel, argc, argv, &ids, &print, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		cpod_error *e = NULL;
		int code;

		if (cpod_container_wait(rt, ids.v[i],
					o->conditions.n ? (const char *const *)o->conditions.v
							: NULL,
					interval, &code, &e) == 0) {
			printf("%d\n", code);
			fflush(stdout);
		} else {
			cli_errors_add(&errs, e);
		}
	}
	r = cli_errors_finish(&errs, err);
	cli_errors_release(&errs);
	return r;
}
