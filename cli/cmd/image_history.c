/* cpod history / cpod image history: an image's history entries, newest first, as podman's
 * table, a Go template, -q IDs or podman's one-line JSON. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct history_opts {
	const char *format;
	bool human;
	bool no_trunc;
	bool quiet;
};

const cli_option cmd_image_history_options[] = {
	{ "format", 0, CLI_STRING(struct history_opts, format),
	  .help = "Change the output to JSON or a Go template" },
	{ "human", 'H', CLI_BOOL(struct history_opts, human), .def = "true",
	  .help = "Display sizes and dates in human readable format" },
	{ "no-trunc", 0, CLI_BOOL(struct history_opts, no_trunc),
	  .help = "Do not truncate the output" },
	{ "quiet", 'q', CLI_BOOL(struct history_opts, quiet),
	  .help = "Display the numeric IDs only" },
	CLI_OPT_END(struct history_opts),
};

/* podman's historyReporter: what the table and templates show of one entry. */
static json_object *entry_record(json_object *l, const struct history_opts *o)
{
	json_object *rec = json_object_new_object();
	const char *id = cli_json_str(l, "id");
	const char *by = cli_json_str(l, "createdBy");
	time_t created = cli_json_time(l, "created");
	char *s;

	s = !o->no_trunc && strlen(id) >= 12 ? xstrndup(id, 12) : xstrdup(id);
	json_object_object_add(rec, "ID", json_object_new_string(s));
	free(s);
	s = o->human ? cli_time_ago(created) : cli_rfc3339(created);
	json_object_object_add(rec, "Created", json_object_new_string(s));
	json_object_object_add(rec, "CreatedSince", json_object_new_string(s));
	free(s);
	/* Cut to 45 bytes as podman does, whatever the characters. */
	s = !o->no_trunc && strlen(by) > 45 ? xasprintf("%.42s...", by) : xstrdup(by);
	json_object_object_add(rec, "CreatedBy", json_object_new_string(s));
	free(s);
	s = cli_human_size(cli_json_int(l, "size"));
	json_object_object_add(rec, "Size", json_object_new_string(s));
	free(s);
	json_object_object_add(rec, "Comment", json_object_new_string(cli_json_str(l, "comment")));
	json_object_object_add(rec, "Tags", json_object_get(cli_json_get(l, "tags")));
	s = cli_time_string(created);
	json_object_object_add(rec, "CreatedAt", json_object_new_string(s));
	free(s);
	return rec;
}

/* One element of podman's JSON: ImageHistoryLayer's fields (omitempty ones only when set) and
 * the "Created" podman adds beside the embedded "created". */
static json_object *json_entry(json_object *l)
{
	json_object *rec = json_object_new_object();
	json_object *tags = cli_json_get(l, "tags");
	time_t created = cli_json_time(l, "created");
	_cleanup_free_ char *when = cli_rfc3339(created);

	json_object_object_add(rec, "id", json_object_new_string(cli_json_str(l, "id")));
	/* A time.Time, which encoding/json prints as RFC 3339 with nanoseconds. */
	json_object_object_add(rec, "created",
			       json_object_new_string(*cli_json_str(l, "created")
							      ? cli_json_str(l, "created")
							      : when));
	if (*cli_json_str(l, "createdBy"))
		json_object_object_add(rec, "CreatedBy",
				       json_object_new_string(cli_json_str(l, "createdBy")));
	if (json_object_is_type(tags, json_type_array) && json_object_array_length(tags))
		json_object_object_add(rec, "tags", json_object_get(tags));
	json_object_object_add(rec, "size", json_object_new_int64(cli_json_int(l, "size")));
	if (*cli_json_str(l, "comment"))
		json_object_object_add(rec, "comment",
				       json_object_new_string(cli_json_str(l, "comment")));
	json_object_object_add(rec, "Created", json_object_new_string(when));
	return rec;
}

/* Go's json.Encoder escapes <, > and & (podman does not turn that off here). */
static void print_html_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '<' || *s == '>' || *s == '&')
			printf("\\u%04x", (unsigned)*s);
		else
			putchar(*s);
	}
	putchar('\n');
}

static int print_json(json_object *layers, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_buf_ buf b = BUF_INIT;
	size_t n = json_object_array_length(layers);

	if (n == 0) {
		printf("[]\n");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_entry(json_object_array_get_idx(layers, i)));
	if (go_json(&b, arr, NULL) < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
	print_html_escaped(b.s);
	return 0;
}

int cmd_image_history(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	static const format_header headers[] = { { "CreatedBy", "created by" }, { NULL, NULL } };
	const struct history_opts *o = opts;
	_cleanup_json_ json_object *layers = NULL;
	_cleanup_json_ json_object *recs = json_object_new_array();
	cpod_runtime *rt = cli_runtime(ctx, err);
	format_list fl = {
		.format = o->quiet ? "{{.ID}}" : o->format,
		.default_format = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t"
				  "{{.Comment}}",
		.headers = headers,
	};

	if (!rt)
		return -1;
	layers = cpod_image_history(rt, argv[0], err);
	if (!layers)
		return -1;
	if (o->format && format_is_json(o->format))
		return print_json(layers, err);
	for (size_t i = 0; i < json_object_array_length(layers); i++)
		json_object_array_add(recs, entry_record(json_object_array_get_idx(layers, i), o));
	return format_print_records(stdout, &fl, recs, err);
}
