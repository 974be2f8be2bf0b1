/* cpod top CONTAINER [DESCRIPTOR...]: the processes of a running container as a table, one
 * column per descriptor (podman's default: user, pid, ppid, %cpu, elapsed, tty, time, comm),
 * aligned as podman's tabwriter aligns them.  Descriptors may come as separate arguments or
 * comma-separated ("pid,comm"). */
#include "commands.h"

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "format/tabwriter.h"
#include "common/banned.h"

struct top_opts {
	bool latest;
};

const cli_option cmd_container_top_options[] = {
	{ "latest", 'l', CLI_BOOL(struct top_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct top_opts),
};

/* Each argument split at commas, empty parts dropped (as libpod's Top does). */
static void split_descriptors(int argc, char **argv, strv *out)
{
	for (int i = 0; i < argc; i++) {
		_cleanup_strv_free_ char **parts = strv_split(argv[i], ",", 1);

		strv_pushv(out, (const char *const *)parts);
	}
}

/* The rows (arrays of strings, the header first) as tab-separated lines. */
static void rows_text(json_object *rows, buf *out)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		size_t n = json_object_is_type(row, json_type_array) ? json_object_array_length(row)
								     : 0;

		for (size_t j = 0; j < n; j++) {
			const char *cell =
				json_object_get_string(json_object_array_get_idx(row, j));

			if (j)
				buf_addch(out, '\t');
			buf_adds(out, cell ? cell : "");
		}
		buf_addch(out, '\n');
	}
}

int cmd_container_top(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct top_opts *o = opts;
	_cleanup_strv_ strv descs = STRV_INIT;
	_cleanup_json_ json_object *rows = NULL;
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_buf_ buf aligned = BUF_INIT;
	_cleanup_strv_ strv latest = STRV_INIT, shown = STRV_INIT;
	cli_ctr_select sel = { .latest = true };
	const char *name;
	cpod_runtime *rt;

	if (argc < 1 && !o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"you must provide the name or id of a running container");
	if (!(rt = cli_runtime(ctx, err)))
		return -1;
	if (o->latest) {
		if (cli_ctr_select_targets(rt, &sel, 0, NULL, &latest, &shown, err) < 0)
			return -1;
		name = latest.v[0];
	} else {
		name = argv[0];
		argc--;
		argv++;
	}
	split_descriptors(argc, argv, &descs);
	rows = cpod_container_top(rt, name, descs.n ? (const char *const *)descs.v : NULL, err);
	if (!rows)
		return -1;
	rows_text(rows, &text);
	tabwriter_format(&aligned, text.s, text.len, &TABWRITER_PODMAN);
	fwrite(aligned.s, 1, aligned.len, stdout);
	fflush(stdout);
	return 0;
}
