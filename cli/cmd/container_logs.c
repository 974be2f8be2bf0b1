/* cpod logs [options] CONTAINER...: the logs of one or more containers, as podman prints them.
 * --since and --until read times as podman's logs does (its util.ParseInputTime, which is not
 * the filter syntax of other commands): RFC 3339, a date and time without zone (UTC), a date
 * with or without zone, a unix time, or a Go duration (since: that long ago; until: that long
 * from now). */
#include "commands.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "specgen.h"
#include "common/banned.h"

struct logs_opts {
	bool color;
	bool details;
	bool follow;
	bool latest;
	bool names;
	bool timestamps;
	const char *since;
	const char *until;
	long long tail;
};

const cli_option cmd_container_logs_options[] = {
	{ "color", 0, CLI_BOOL(struct logs_opts, color),
	  .help = "Output the containers with different colors in the log." },
	{ "details", 0, CLI_BOOL(struct logs_opts, details), .flags = CLI_OPT_HIDDEN,
	  .help = "Show extra details provided to the logs" },
	{ "follow", 'f', CLI_BOOL(struct logs_opts, follow),
	  .help = "Follow log output.  The default is false" },
	{ "latest", 'l', CLI_BOOL(struct logs_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "names", 'n', CLI_BOOL(struct logs_opts, names),
	  .help = "Output the container name in the log" },
	{ "since", 0, CLI_STRING(struct logs_opts, since), .help = "Show logs since TIMESTAMP" },
	{ "tail", 0, CLI_INT(struct logs_opts, tail), .def = "-1",
	  .help = "Output the specified number of LINES at the end of the logs.  Defaults to -1, "
		  "which prints all lines" },
	{ "timestamps", 't', CLI_BOOL(struct logs_opts, timestamps),
	  .help = "Output the timestamps in the log" },
	{ "until", 0, CLI_STRING(struct logs_opts, until), .help = "Show logs until TIMESTAMP" },
	CLI_OPT_END(struct logs_opts),
};

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* Go's time.Parse with the layouts "2006-01-02T15:04:05" (fraction allowed) and
 * "2006-01-02Z07:00" / "2006-01-02": the missing parts are added and RFC 3339 parses the rest;
 * a time without zone is UTC. */
static bool parse_partial(const char *s, struct timespec *ret)
{
	_cleanup_free_ char *full = NULL;
	size_t len = strlen(s);

	if (len > 10 && s[10] == 'T')
		full = xasprintf("%sZ", s);
	else if (len == 10)
		full = xasprintf("%sT00:00:00Z", s);
	else if (len > 10 && (s[10] == 'Z' || s[10] == '+' || s[10] == '-'))
		full = xasprintf("%.10sT00:00:00%s", s, s + 10);
	else
		return false;
	return timeparse_rfc3339(full, ret, NULL) == 0;
}

/* podman's util.ParseInputTime; *ret_ns is unix time in nanoseconds. */
static int parse_input_time(const char *flag, const char *s, bool since, int64_t *ret_ns,
			    cpod_error **err)
{
	struct timespec ts;
	int64_t d;

	if (timeparse_rfc3339(s, &ts, NULL) == 0 || parse_partial(s, &ts) ||
	    timeparse_unix(s, &ts, NULL) == 0) {
		*ret_ns = ts_ns(&ts);
		return 0;
	}
	if (timeparse_duration(s, &d, NULL) == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		*ret_ns = since ? ts_ns(&ts) - d : ts_ns(&ts) + d;
		return 0;
	}
	{
		_cleanup_buf_ buf q = BUF_INIT;

		cli_go_quote(&q, s);
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"parsing --%s %s: unable to interpret time value", flag, q.s);
	}
}

static int check_args(const struct logs_opts *o, int argc, cpod_error **err)
{
	if (o->latest && argc > 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and containers cannot be used together");
	if (!o->latest && argc < 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"specify at least one container name or ID to log");
	if (o->color)
		return cli_not_supported(err, "color");
	return 0;
}

int cmd_container_logs(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct logs_opts *o = opts;
	cpod_logs_opts lo = {
		.struct_size = sizeof(lo),
		.follow = o->follow,
		.timestamps = o->timestamps,
		.tail = o->tail,
		.stdout_fd = STDOUT_FILENO,
		.stderr_fd = STDERR_FILENO,
	};
	_cleanup_strv_ strv ids = STRV_INIT, shown = STRV_INIT;
	cli_ctr_select sel = { .latest = true };
	cpod_runtime *rt;

	if (check_args(o, argc, err) < 0)
		return -1;
	if (o->since && *o->since &&
	    parse_input_time("since", o->since, true, &lo.since_ns, err) < 0)
		return -1;
	if (o->until && *o->until &&
	    parse_input_time("until", o->until, false, &lo.until_ns, err) < 0)
		return -1;
	if (!(rt = cli_runtime(ctx, err)))
		return -1;
	if (o->latest && cli_ctr_select_targets(rt, &sel, 0, NULL, &ids, &shown, err) < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		strv_push(&ids, argv[i]);
	/* As in podman, lines are prefixed (with the name or the short ID) only when several
	 * containers are logged. */
	lo.names = o->names && ids.n > 1;
	fflush(stdout);
	return cpod_container_logs(rt, (const char *const *)ids.v, &lo, err) < 0 ? -1 : 0;
}
