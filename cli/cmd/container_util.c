/* What the container commands share: choosing the containers a command acts on (names,
 * --all, --latest, --filter, --cidfile), collecting per-container errors the way podman
 * prints them, and running an attach with the terminal in raw mode. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "specgen.h"
#include "common/banned.h"

/* The IDs (and names) of the containers cpod_container_list() gives for these options. */
static int list_ctrs(cpod_runtime *rt, bool all, int last, const strv *filters, strv *ids,
		     strv *names, cpod_error **err)
{
	cpod_ps_opts po = {
		.struct_size = sizeof(po),
		.all = all,
		.last = last,
		.filters = filters && filters->n ? (const char *const *)filters->v : NULL,
	};
	_cleanup_json_ json_object *arr = cpod_container_list(rt, &po, err);

	if (!arr)
		return -1;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *rec = json_object_array_get_idx(arr, i);
		json_object *n = cli_json_get(rec, "Names");

		strv_push(ids, cli_json_str(rec, "Id"));
		if (names)
			strv_push(names,
				  json_object_is_type(n, json_type_array)
					  ? json_object_get_string(json_object_array_get_idx(n, 0))
					  : "");
	}
	return 0;
}

/* --filter: the matching containers, narrowed to the given names (an ID or a name, exact)
 * when there are some.  What is printed for each is its ID. */
static int select_filtered(cpod_runtime *rt, const cli_ctr_select *sel, int argc, char **argv,
			   strv *ret_ids, strv *ret_print, cpod_error **err)
{
	_cleanup_strv_ strv ids = STRV_INIT, names = STRV_INIT;

	if (list_ctrs(rt, true, 0, sel->filters, &ids, &names, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++) {
		bool match = argc == 0;

		for (int a = 0; a < argc && !match; a++)
			match = str_eq(argv[a], ids.v[i]) || str_eq(argv[a], names.v[i]);
		if (!match)
			continue;
		strv_push(ret_ids, ids.v[i]);
		strv_push(ret_print, ids.v[i]);
	}
	return 0;
}

/* The named containers (argv, then the IDs in --cidfile files).  A missing one is skipped
 * with ignore_missing; otherwise the first failure is returned once all were tried. */
static int select_named(cpod_runtime *rt, const cli_ctr_select *sel, int argc, char **argv,
			strv *ret_ids, strv *ret_print, cpod_error **err)
{
	_cleanup_strv_ strv names = STRV_INIT;
	cpod_error *first = NULL;

	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (size_t i = 0; sel->cidfiles && i < sel->cidfiles->n; i++) {
		char *id;

		if (cli_read_cidfile(sel->cidfiles->v[i], &id, err) < 0)
			return -1;
		strv_push_take(&names, id);
	}
	for (size_t i = 0; i < names.n; i++) {
		cpod_error *e = NULL;
		char *id = NULL;

		if (cpod_container_lookup(rt, names.v[i], &id, &e) == 0) {
			strv_push_take(ret_ids, id);
			strv_push(ret_print, names.v[i]);
		} else if (sel->ignore_missing && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(e);
		} else if (first) {
			cpod_error_free(e);
		} else {
			first = e;
		}
	}
	if (first) {
		*err = first;
		return -1;
	}
	return 0;
}

int cli_ctr_select_targets(cpod_runtime *rt, const cli_ctr_select *sel, int argc, char **argv,
			   strv *ret_ids, strv *ret_print, cpod_error **err)
{
	if (sel->filters && sel->filters->n) {
		for (size_t i = 0; i < sel->filters->n; i++)
			if (!strchr(sel->filters->v[i], '='))
				return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid filter \"%s\"",
						sel->filters->v[i]);
		return select_filtered(rt, sel, argc, argv, ret_ids, ret_print, err);
	}
	if (sel->all) {
		size_t start = ret_ids->n;

		if (list_ctrs(rt, !sel->running_only, 0, NULL, ret_ids, NULL, err) < 0)
			return -1;
		for (size_t i = start; i < ret_ids->n; i++)
			strv_push(ret_print, ret_ids->v[i]);
		return 0;
	}
	if (sel->latest) {
		if (list_ctrs(rt, true, 1, NULL, ret_ids, NULL, err) < 0)
			return -1;
		if (!ret_ids->n)
			return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "no such container");
		strv_push(ret_print, ret_ids->v[0]);
		return 0;
	}
	return select_named(rt, sel, argc, argv, ret_ids, ret_print, err);
}

int cli_ctr_check_args(const char *idfile_flag, bool all, bool latest, bool idfile, bool filter,
		       int argc, cpod_error **err)
{
	if (filter) {
		if (argc > 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "--filter takes no arguments");
		return 0;
	}
	if (idfile && (all || latest))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--all, --latest, and --%s cannot be used together", idfile_flag);
	if (all && latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--all and --latest cannot be used together");
	if (argc > 0 && all)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no arguments are needed with --all");
	if (argc > 0 && latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and containers cannot be used together");
	if (argc > 0 && idfile)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"no arguments are needed with --latest or --%s", idfile_flag);
	if (argc < 1 && !all && !latest && !idfile)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"you must provide at least one name or id");
	return 0;
}

/* ---- errors of several containers ---- */

void cli_errors_add(cli_errors *e, cpod_error *taken)
{
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	e->v[e->n++] = taken;
}

void cli_errors_release(cli_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		cpod_error_free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

int cli_errors_finish(cli_errors *e, cpod_error **err)
{
	if (!e->n)
		return 0;
	fflush(stdout);
	for (size_t i = 0; i + 1 < e->n; i++)
		fprintf(stderr, "Error: %s\n", cpod_error_message(e->v[i]));
	*err = e->v[--e->n];
	return -1;
}

/* ---- attaching ---- */

int cli_ctr_state(cpod_runtime *rt, const char *name, cli_ctr_info *ret, cpod_error **err)
{
	_cleanup_json_ json_object *obj = cpod_container_inspect(rt, name, false, err);
	json_object *state, *config, *host;

	if (!obj)
		return -1;
	state = cli_json_get(obj, "State");
	config = cli_json_get(obj, "Config");
	host = cli_json_get(obj, "HostConfig");
	ret->running = json_object_get_boolean(cli_json_get(state, "Running"));
	ret->tty = json_object_get_boolean(cli_json_get(config, "Tty"));
	ret->open_stdin = json_object_get_boolean(cli_json_get(config, "OpenStdin"));
	ret->auto_remove = json_object_get_boolean(cli_json_get(host, "AutoRemove"));
	return 0;
}

/* podman puts the terminal in raw mode for a container with a terminal when stdin is one;
 * the library resizes it. */
static bool make_raw(int fd, struct termios *saved)
{
	struct termios raw;

	if (!isatty(fd) || tcgetattr(fd, saved) < 0)
		return false;
	raw = *saved;
	cfmakeraw(&raw); /* what Go's term.MakeRaw does */
	return tcsetattr(fd, TCSANOW, &raw) == 0;
}

int cli_ctr_attach_run(cpod_runtime *rt, const char *name, const cli_attach *a, int *ret_status,
		       cpod_error **err)
{
	cpod_attach_opts ao = {
		.struct_size = sizeof(ao),
		.stdin_fd = a->stdin ? STDIN_FILENO : -1,
		.stdout_fd = STDOUT_FILENO,
		.stderr_fd = STDERR_FILENO,
		.detach_keys = a->detach_keys,
		.sig_proxy = a->sig_proxy,
		.want_stdout = a->want_stdout,
		.want_stderr = a->want_stderr,
	};
	struct termios saved;
	bool raw = a->tty && make_raw(STDIN_FILENO, &saved);
	int r;

	fflush(stdout);
	if (a->start)
		r = cpod_container_start(rt, name, &ao, ret_status, err);
	else
		r = cpod_container_attach(rt, name, &ao, ret_status, err);
	if (raw && tcsetattr(STDIN_FILENO, TCSANOW, &saved) < 0)
		cpod_logf(CPOD_LOG_ERROR, "Unable to restore terminal: %s", strerror(errno));
	return r;
}
