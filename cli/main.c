/* cpod: parse the global options, find the command in the table, parse its options, run it.
 * Errors are printed here, podman-style: "Error: <message>" on stderr and exit status 125
 * (or the one cpod_error_exit_code() picks). */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cpod/cpod.h>

#include "commands.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define EXIT_ENGINE 125

static time_t start_time;

/* logrus quotes a value unless it is made only of these characters. */
static bool needs_quoting(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-._/@^+", *s))
			return true;
	return false;
}

/* time="2006-01-02T15:04:05+01:00" level=warning msg="..." */
static void log_line_plain(buf *line, const char *level, const char *msg)
{
	time_t now = time(NULL);
	char ts[32], zone[8];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	buf_addf(line, "time=\"%s", ts);
	if (tm.tm_gmtoff == 0)
		buf_addch(line, 'Z');
	else
		buf_addf(line, "%.3s:%.2s", zone, zone + 3);
	buf_addf(line, "\" level=%s msg=", level);
	if (needs_quoting(msg))
		cli_go_quote(line, msg);
	else
		buf_adds(line, msg);
}

/* What podman's logrus prints: on a terminal a coloured "WARN[0000] message" (seconds since
 * start), elsewhere time="..." level=warning msg="...". */
static void log_handler(cpod_log_level level, const char *msg, void *userdata)
{
	static const char *const names[] = { "trace", "debug", "info", "warning",
					     "error", "fatal", "panic" };
	static const int colors[] = { 37, 37, 36, 33, 31, 31, 31 };
	unsigned l = (unsigned)level < 7 ? (unsigned)level : 4;
	_cleanup_free_ char *m = xstrdup(msg);
	_cleanup_buf_ buf line = BUF_INIT;
	size_t len = strlen(m);

	if (len && m[len - 1] == '\n')
		m[len - 1] = '\0';
	if (isatty(STDERR_FILENO)) {
		char upper[5] = { 0 };

		for (int i = 0; i < 4; i++)
			upper[i] = (char)toupper((unsigned char)names[l][i]);
		buf_addf(&line, "\033[%dm%s\033[0m[%04ld] %-44s ", colors[l], upper,
			 (long)(time(NULL) - start_time), m);
	} else {
		log_line_plain(&line, names[l], m);
	}
	buf_addch(&line, '\n');
	fputs(line.s, stderr);
}

static int print_error(const cpod_error *err)
{
	fprintf(stderr, "Error: %s\n", cpod_error_message(err));
	return cpod_error_exit_code(err);
}

static int errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ENGINE;
}

/* A bad option: the message and where to get help (podman's flag error function). */
static int flag_error(const cpod_error *err, const char *path)
{
	return errorf("%s\nSee '%s --help'", cpod_error_message(err), path);
}

static int unknown_command(cli_ctx *ctx, const cli_noun *noun, const char *name)
{
	_cleanup_free_ char *path = noun ? xasprintf("%s %s", ctx->prog, noun->name)
					 : xstrdup(ctx->prog);
	_cleanup_strv_ strv sugg = STRV_INIT;
	_cleanup_free_ char *list = NULL;

	cli_suggest(noun, name, &sugg);
	if (!sugg.n)
		return errorf("unrecognized command `%s %s`\nTry '%s --help' for more information",
			      path, name, path);
	list = strv_join((const char *const *)sugg.v, "\n\t");
	return errorf("unrecognized command `%s %s`\n\nDid you mean this?\n\t%s\n\n"
		      "Try '%s --help' for more information",
		      path, name, list, path);
}

/* --log-level and --debug; podman exits with status 1 on a bad level. */
static int setup_logging(cli_ctx *ctx)
{
	_cleanup_free_ char *lvl = xstrdup(ctx->g.log_level ? ctx->g.log_level : "warn");
	int level;

	if (ctx->g.debug) {
		if (!str_eq(lvl, "warn")) {
			fputs("Setting --log-level and --debug is not allowed\n", stderr);
			return -1;
		}
		free(lvl);
		lvl = xstrdup("debug");
	}
	for (char *p = lvl; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	level = cpod_log_level_parse(lvl);
	if (level < 0) {
		_cleanup_buf_ buf q = BUF_INIT;

		cli_go_quote(&q, ctx->g.log_level);
		fprintf(stderr,
			"Log Level %s is not supported, choose from: trace, debug, info, warn, "
			"warning, error, fatal, panic\n",
			q.s);
		return -1;
	}
	cpod_log_set_level((cpod_log_level)level);
	log_info("%s filtering at log level %s", ctx->argv0, cpod_log_level_name(level));
	return 0;
}

static void add_arg(strv *args, const char *name, const char *value)
{
	if (value)
		strv_pushf(args, "--%s=%s", name, value);
}

static void add_args(strv *args, const char *name, const strv *values)
{
	for (size_t i = 0; i < values->n; i++)
		add_arg(args, name, values->v[i]);
}

/* The storage settings from the environment, as containers/storage reads them (the options
 * win), and the global options conmon's exit command must repeat. */
static void finish_globals(cli_ctx *ctx)
{
	const cli_global_opts *g = &ctx->g;
	const char *env_opts = getenv("STORAGE_OPTS");
	strv *a = &ctx->self_global_args;

	ctx->storage_driver = g->storage_driver;
	if (!ctx->storage_driver && getenv("STORAGE_DRIVER") && *getenv("STORAGE_DRIVER"))
		ctx->storage_driver = getenv("STORAGE_DRIVER");
	if (g->storage_opts.n) {
		strv_pushv(&ctx->storage_opts, (const char *const *)g->storage_opts.v);
		ctx->storage_opts_set = true;
	} else if (env_opts) {
		_cleanup_strv_free_ char **v = strv_split(env_opts, ",", 0);

		/* STORAGE_OPTS="" means no options at all. */
		if (*env_opts)
			strv_pushv(&ctx->storage_opts, (const char *const *)v);
		ctx->storage_opts_set = true;
	}
	add_arg(a, "root", g->root);
	add_arg(a, "runroot", g->runroot);
	add_arg(a, "storage-driver", ctx->storage_driver);
	add_args(a, "storage-opt", &ctx->storage_opts);
	add_arg(a, "runtime", g->runtime);
	add_args(a, "runtime-flag", &g->runtime_flags);
	add_arg(a, "conmon", g->conmon);
	add_arg(a, "cgroup-manager", g->cgroup_manager);
	add_arg(a, "events-backend", g->events_backend);
	add_args(a, "hooks-dir", &g->hooks_dirs);
	add_arg(a, "network-config-dir", g->network_config_dir);
	add_arg(a, "tmpdir", g->tmpdir);
	add_arg(a, "volumepath", g->volumepath);
	add_args(a, "module", &g->modules);
	if (cli_opt_changed(&ctx->persistent_set, "log-level") || g->debug)
		add_arg(a, "log-level", cpod_log_level_name(cpod_log_get_level()));
}

static const char *const *vec_or_null(const strv *s, bool set)
{
	return set || s->n ? (const char *const *)s->v : NULL;
}

cpod_runtime *cli_runtime(cli_ctx *ctx, cpod_error **err)
{
	const cli_global_opts *g = &ctx->g;
	cpod_runtime_opts o = {
		.struct_size = sizeof(o),
		.root = g->root,
		.runroot = g->runroot,
		.storage_driver = ctx->storage_driver,
		.storage_opts = vec_or_null(&ctx->storage_opts, ctx->storage_opts_set),
		.runtime = g->runtime,
		.runtime_flags = vec_or_null(&g->runtime_flags, false),
		.conmon = g->conmon,
		.cgroup_manager = g->cgroup_manager,
		.events_backend = g->events_backend,
		.hooks_dirs = vec_or_null(&g->hooks_dirs, false),
		.network_config_dir = g->network_config_dir,
		.tmpdir = g->tmpdir,
		.volumepath = g->volumepath,
		.modules = vec_or_null(&g->modules, false),
		.self_path = ctx->self_path,
		.self_global_args = (const char *const *)ctx->self_global_args.v,
	};

	if (!ctx->rt)
		ctx->rt = cpod_runtime_new(&o, err);
	return ctx->rt;
}

static int check_arg_count(const cli_command *cmd, const char *path, int argc)
{
	if (cmd->max_args == 0 && argc > 0)
		return errorf("`%s` takes no arguments", path);
	if (cmd->min_args == cmd->max_args && argc != cmd->min_args)
		return errorf("accepts %d arg(s), received %d", cmd->min_args, argc);
	if (argc < cmd->min_args)
		return errorf("requires at least %d arg(s), only received %d", cmd->min_args, argc);
	if (cmd->max_args >= 0 && argc > cmd->max_args)
		return errorf("accepts at most %d arg(s), received %d", cmd->max_args, argc);
	return 0;
}

/* Everything a command needs before its handler runs; an exit status when it must not run. */
static int prepare(cli_ctx *ctx, const cli_command *cmd, int argc)
{
	int r;

	if (setup_logging(ctx) < 0)
		return 1;
	if (ctx->remote && cmd->run != cmd_help)
		return errorf("remote access (--remote, --url, --connection, CONTAINER_HOST, "
			      "CONTAINER_CONNECTION): not supported by %s yet",
			      ctx->prog);
	r = check_arg_count(cmd, ctx->cmd_path, argc);
	if (r)
		return r;
	if (ctx->g.config)
		log_warn("The --config flag is ignored by %s. Exists for Docker compatibility",
			 ctx->prog);
	finish_globals(ctx);
	if (ctx->g.noout) {
		_cleanup_close_ int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		fflush(stdout);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			return errorf("--noout: redirecting stdout to /dev/null: %m");
	}
	return 0;
}

/* Parses the command's options (its own, then the global ones) and runs it. */
static int run_command(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv)
{
	_cleanup_(cpod_error_freep) cpod_error *err = NULL;
	size_t size = cli_options_struct_size(cmd->options);
	_cleanup_free_ void *opts = xcalloc(1, size ? size : 1);
	_cleanup_strv_ strv args = STRV_INIT;
	cli_optset set = { 0 };
	cli_optset *sets[] = { &set, &ctx->persistent_set };
	unsigned flags = cmd->flags & CLI_CMD_STOP_AT_POSITIONAL ? CLI_PARSE_STOP_AT_POSITIONAL : 0;
	int r;

	ctx->cmd = cmd;
	if (cli_optset_init(&set, cmd->options, opts, &err) < 0) {
		r = print_error(err);
		goto out;
	}
	r = cli_opts_parse(sets, 2, flags, argc, argv, &args, NULL, &err);
	if (r < 0) {
		r = flag_error(err, ctx->cmd_path);
		goto out;
	}
	if (r == CLI_PARSE_HELP || ctx->g.help) {
		cli_help_command(ctx, cmd, ctx->cmd_path, stdout);
		r = 0;
		goto out;
	}
	r = prepare(ctx, cmd, (int)args.n);
	if (r)
		goto out;
	ctx->cmd_set = &set;
	r = cmd->run(ctx, opts, (int)args.n, args.v, &err);
	ctx->cmd_set = NULL;
	if (r < 0)
		r = print_error(err);
out:
	cli_optset_release(&set);
	return r;
}

static int missing_command(cli_ctx *ctx, const cli_noun *noun)
{
	if (noun)
		cli_help_noun(ctx, noun, stdout);
	else
		cli_help_root(ctx, stdout);
	fflush(stdout);
	if (noun)
		return errorf("missing command '%s %s COMMAND'", ctx->prog, noun->name);
	return errorf("missing command '%s COMMAND'", ctx->prog);
}

/* After `cpod NOUN`: global options may come before the verb (or a noun inside the noun). */
static int dispatch_noun(cli_ctx *ctx, const cli_noun *noun, int argc, char **argv)
{
	_cleanup_(cpod_error_freep) cpod_error *err = NULL;
	_cleanup_free_ char *path = xasprintf("%s %s", ctx->prog, noun->name);
	_cleanup_free_ char *sub_name = NULL;
	_cleanup_strv_ strv args = STRV_INIT;
	cli_optset *sets[] = { &ctx->persistent_set };
	const cli_command *cmd;
	const cli_noun *sub;
	int r;

	r = cli_opts_parse(sets, 1, CLI_PARSE_STOP_AT_POSITIONAL, argc, argv, &args, NULL, &err);
	if (r < 0)
		return flag_error(err, path);
	if (r == CLI_PARSE_HELP || (ctx->g.help && args.n == 0)) {
		cli_help_noun(ctx, noun, stdout);
		return 0;
	}
	if (args.n == 0)
		return missing_command(ctx, noun);
	sub_name = xasprintf("%s %s", noun->name, args.v[0]);
	sub = cli_find_noun(sub_name);
	if (sub)
		return dispatch_noun(ctx, sub, (int)args.n - 1, args.v + 1);
	cmd = cli_find_verb(noun, args.v[0]);
	if (!cmd) {
		if (ctx->g.help) {
			cli_help_noun(ctx, noun, stdout);
			return 0;
		}
		return unknown_command(ctx, noun, args.v[0]);
	}
	ctx->noun = noun;
	ctx->cmd_path = xasprintf("%s %s", path, args.v[0]);
	return run_command(ctx, cmd, (int)args.n - 1, args.v + 1);
}

static int dispatch(cli_ctx *ctx, int argc, char **argv)
{
	_cleanup_(cpod_error_freep) cpod_error *err = NULL;
	_cleanup_strv_ strv args = STRV_INIT;
	cli_optset *sets[] = { &ctx->root_set, &ctx->persistent_set };
	const cli_noun *noun;
	const cli_command *cmd;
	int r;

	r = cli_opts_parse(sets, 2, CLI_PARSE_STOP_AT_POSITIONAL, argc, argv, &args, NULL, &err);
	if (r < 0)
		return flag_error(err, ctx->prog);
	ctx->remote = ctx->g.remote || ctx->g.url || ctx->g.connection || ctx->g.host ||
		      !str_eq(ctx->g.context, "default") || getenv("CONTAINER_HOST") ||
		      getenv("CONTAINER_CONNECTION");
	if (r == CLI_PARSE_HELP || (ctx->g.help && args.n == 0)) {
		cli_help_root(ctx, stdout);
		return 0;
	}
	if (args.n == 0 && ctx->g.version) {
		printf("%s version %s\n", ctx->prog, cpod_version());
		return 0;
	}
	if (args.n == 0)
		return missing_command(ctx, NULL);
	noun = cli_find_noun(args.v[0]);
	if (noun)
		return dispatch_noun(ctx, noun, (int)args.n - 1, args.v + 1);
	cmd = cli_find_toplevel(args.v[0]);
	if (!cmd) {
		if (ctx->g.help) {
			cli_help_root(ctx, stdout);
			return 0;
		}
		return unknown_command(ctx, NULL, args.v[0]);
	}
	ctx->cmd_path = xasprintf("%s %s", ctx->prog, args.v[0]);
	return run_command(ctx, cmd, (int)args.n - 1, args.v + 1);
}

static void ctx_release(cli_ctx *ctx)
{
	cpod_runtime_free(ctx->rt);
	cli_optset_release(&ctx->root_set);
	cli_optset_release(&ctx->persistent_set);
	strv_clear(&ctx->storage_opts);
	strv_clear(&ctx->self_global_args);
	free(ctx->cmd_path);
	free(ctx->self_path);
}

int main(int argc, char **argv)
{
	_cleanup_(cpod_error_freep) cpod_error *err = NULL;
	cli_ctx ctx = { .argv0 = argv[0] };
	const char *slash = argv[0] ? strrchr(argv[0], '/') : NULL;
	char self[PATH_MAX];
	ssize_t n;
	int r;

	start_time = time(NULL);
	cpod_log_set_handler(log_handler, NULL);
	ctx.prog = slash ? slash + 1 : argv[0] ? argv[0] : "cpod";
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ctx.self_path = n > 0 ? xstrndup(self, (size_t)n) : NULL;
	strv_init(&ctx.storage_opts);
	strv_init(&ctx.self_global_args);
	if (cli_optset_init(&ctx.root_set, cli_root_options, &ctx.g, &err) < 0 ||
	    cli_optset_init(&ctx.persistent_set, cli_persistent_options, &ctx.g, &err) < 0)
		r = print_error(err);
	else
		r = dispatch(&ctx, argc - 1, argv + 1);
	ctx_release(&ctx);
	fflush(stdout);
	return r;
}
