/* cpod exec [options] CONTAINER COMMAND [ARG...]: runs a process in a running container.  The
 * options end at the container's name.  Attached, the exit status is the process's (126 when
 * it cannot be run, 127 when it does not exist, 125 for other errors); with --detach the exec
 * session's ID is printed.  With --tty and a terminal on stdin, the terminal is in raw mode
 * while the process runs. */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "specgen.h"
#include "common/banned.h"

extern char **environ;

struct exec_opts {
	bool detach;
	bool interactive;
	bool latest;
	bool privileged;
	bool tty;
	const char *detach_keys;
	const char *user;
	const char *workdir;
	strv env;
	strv env_file;
	unsigned long long preserve_fds;
};

const cli_option cmd_container_exec_options[] = {
	{ "detach", 'd', CLI_BOOL(struct exec_opts, detach),
	  .help = "Run the exec session in detached mode (backgrounded)" },
	{ "detach-keys", 0, CLI_STRING(struct exec_opts, detach_keys),
	  .help = "Select the key sequence for detaching a container. Format is a single "
		  "character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _" },
	{ "env", 'e', CLI_STRV(struct exec_opts, env), .help = "Set environment variables" },
	{ "env-file", 0, CLI_STRV_CSV(struct exec_opts, env_file),
	  .help = "Read in a file of environment variables" },
	{ "interactive", 'i', CLI_BOOL(struct exec_opts, interactive),
	  .help = "Keep STDIN open even if not attached" },
	{ "latest", 'l', CLI_BOOL(struct exec_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "preserve-fds", 0, CLI_UINT(struct exec_opts, preserve_fds),
	  .help = "Pass N additional file descriptors to the container" },
	{ "privileged", 0, CLI_BOOL(struct exec_opts, privileged),
	  .help = "Give the process extended Linux capabilities inside the container.  The "
		  "default is false" },
	{ "tty", 't', CLI_BOOL(struct exec_opts, tty),
	  .help = "Allocate a pseudo-TTY. The default is false" },
	{ "user", 'u', CLI_STRING(struct exec_opts, user),
	  .help = "Sets the username or UID used and optionally the groupname or GID for the "
		  "specified command" },
	{ "workdir", 'w', CLI_STRING(struct exec_opts, workdir),
	  .help = "Working directory inside the container" },
	CLI_OPT_END(struct exec_opts),
};

static int invalid_env(const char *line, cpod_error **err)
{
	_cleanup_buf_ buf q = BUF_INIT;

	cli_go_quote(&q, line);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid environment variable: %s", q.s);
}

/* One variable as podman's env package reads it: KEY=VALUE; KEY alone takes the host's value
 * (nothing when unset); KEY* takes every host variable whose name starts with KEY. */
static int parse_env(strv *env, const char *line, cpod_error **err)
{
	const char *eq = strchr(line, '=');
	size_t klen = eq ? (size_t)(eq - line) : strlen(line);
	_cleanup_free_ char *key = NULL;
	const char *name;

	if (klen == 0)
		return invalid_env(line, err);
	key = xstrndup(line, klen);
	name = key + strspn(key, " \t");
	if (eq) {
		strv_env_set(env, name, eq + 1);
	} else if (*name && name[strlen(name) - 1] == '*') {
		size_t plen = strlen(name) - 1;

		for (char **e = environ; e && *e; e++) {
			const char *heq = strchr(*e, '=');
			_cleanup_free_ char *k = NULL;

			if (!heq || strncmp(*e, name, plen) != 0)
				continue;
			k = xstrndup(*e, (size_t)(heq - *e));
			strv_env_set(env, k, heq + 1);
		}
	} else if (getenv(name)) {
		strv_env_set(env, name, getenv(name));
	}
	return 0;
}

/* An --env-file: one variable a line; blank lines and lines starting with '#' (after leading
 * white space) are skipped. */
static int parse_env_file(strv *env, const char *path, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_buf_ buf q = BUF_INIT;
	char *line, *save = NULL;

	cli_go_quote(&q, path);
	buf_init(&b, 64u << 20);
	if (buf_read_file(&b, path) < 0) {
		char es[256];
		const char *m = strerror_r(errno, es, sizeof(es));

		/* Go's words: "open PATH: no such file or directory". */
		return cpod_err(err, CPOD_ERR_INVALID, 0, "parsing env file %s: open %s: %c%s", q.s,
				path, tolower((unsigned char)m[0]), m[0] ? m + 1 : "");
	}
	for (line = strtok_r(b.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len;

		line += strspn(line, " \t");
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (!*line || *line == '#')
			continue;
		if (parse_env(env, line, err) < 0)
			return cpod_err_prefix(err, "parsing env file %s", q.s);
	}
	return 0;
}

/* --env-file first, then -e, later values replacing earlier ones. */
static int build_env(const struct exec_opts *o, strv *env, cpod_error **err)
{
	for (size_t i = 0; i < o->env_file.n; i++)
		if (parse_env_file(env, o->env_file.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < o->env.n; i++)
		if (parse_env(env, o->env.v[i], err) < 0)
			return cpod_err_prefix(err, "parsing environment variables");
	return 0;
}

/* Raw mode as Go's term.MakeRaw sets it; *saved is restored afterwards. */
static bool make_raw(int fd, struct termios *saved)
{
	struct termios raw;

	if (tcgetattr(fd, saved) < 0)
		return false;
	raw = *saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &raw) == 0;
}

static int run_attached(cpod_runtime *rt, const char *name, cpod_exec_opts *eo, cpod_error **err)
{
	struct termios saved;
	bool raw = eo->tty && isatty(STDIN_FILENO) && make_raw(STDIN_FILENO, &saved);
	int status = 0, r;

	fflush(stdout);
	r = cpod_container_exec(rt, name, eo, &status, NULL, err);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (r < 0)
		return -1;
	/* Detached with the detach keys: the process goes on, cpod exits 0. */
	return r == CPOD_DETACHED ? 0 : status;
}

int cmd_container_exec(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct exec_opts *o = opts;
	_cleanup_strv_ strv env = STRV_INIT;
	_cleanup_strv_ strv latest = STRV_INIT, shown = STRV_INIT;
	_cleanup_free_ char *session = NULL;
	cli_ctr_select sel = { .latest = true };
	cpod_exec_opts eo = {
		.struct_size = sizeof(eo),
		.user = o->user,
		.workdir = o->workdir,
		.tty = o->tty,
		.interactive = o->interactive,
		.privileged = o->privileged,
		.detach = o->detach,
		.detach_keys = cli_opt_changed(ctx->cmd_set, "detach-keys") ? o->detach_keys : NULL,
		.stdin_fd = o->interactive ? STDIN_FILENO : -1,
		.stdout_fd = STDOUT_FILENO,
		.stderr_fd = STDERR_FILENO,
	};
	const char *name;
	cpod_runtime *rt;

	if (argc == 0 && !o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"exec requires the name or ID of a container or the --latest flag");
	if (build_env(o, &env, err) < 0)
		return -1;
	if (o->preserve_fds > 0)
		return cli_not_supported(err, "preserve-fds");
	if (!(rt = cli_runtime(ctx, err)))
		return -1;
	if (o->latest && cli_ctr_select_targets(rt, &sel, 0, NULL, &latest, &shown, err) < 0)
		return -1;
	name = o->latest ? latest.v[0] : argv[0];
	eo.cmd = (const char *const *)(o->latest ? argv : argv + 1);
	eo.env = (const char *const *)env.v;
	if (!o->detach)
		return run_attached(rt, name, &eo, err);
	if (cpod_container_exec(rt, name, &eo, NULL, &session, err) < 0)
		return -1;
	printf("%s\n", session ? session : "");
	return 0;
}
