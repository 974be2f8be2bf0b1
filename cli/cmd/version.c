/* cpod version: podman's text layout, --format json (one line) or a Go template. */
#include "commands.h"

#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct version_opts {
	const char *format;
};

const cli_option cmd_version_options[] = {
	{ "format", 'f', CLI_STRING(struct version_opts, format),
	  .help = "Change the output format to JSON or a Go template" },
	CLI_OPT_END(struct version_opts),
};

static const char *field(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);

	return v ? json_object_get_string(v) : "";
}

/* podman's versionTemplate, whose labels a tabwriter pads to one column (minimum width 12,
 * padding 2). */
static void print_text(json_object *client)
{
	static const char *const labels[][2] = {
		{ "Version:", "Version" },	{ "API Version:", "APIVersion" },
		{ "Go Version:", "GoVersion" }, { "Git Commit:", "GitCommit" },
		{ "Built:", "BuiltTime" },	{ "OS/Arch:", "OsArch" },
	};
	int w = 14; /* "API Version:" plus the padding */

	printf("%-*s%s\n", w, "Client:", "cpod Engine");
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		const char *v = field(client, labels[i][1]);

		if (str_eq(labels[i][1], "GitCommit") && !*v)
			continue;
		printf("%-*s%s\n", w, labels[i][0], v);
	}
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	_cleanup_buf_ buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(s, from))) {
		buf_add(&b, s, (size_t)(p - s));
		buf_adds(&b, to);
		s = p + strlen(from);
	}
	buf_adds(&b, s);
	return buf_detach(&b, NULL);
}

int cmd_version(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct version_opts *o = opts;
	_cleanup_json_ json_object *v = cpod_version_info();
	json_object *client = json_object_object_get(v, "Client");

	if (!o->format) {
		print_text(client);
		return 0;
	}
	if (cli_format_is_json(o->format)) {
		cli_print_json(stdout, v, false);
		return 0;
	}
	/* When a template fails on the whole report, podman runs it again on the client part
	 * with ".Server." made ".": so the client's fields named directly ({{.Version}}, the
	 * old form) and {{.Server.X}} without a server both print the client's values. */
	if (strstr(o->format, ".Server.")) {
		_cleanup_free_ char *f = replace_all(o->format, ".Server.", ".");

		return cli_print_format(stdout, f, client, err) < 0 ? -1 : 0;
	}
	if (!strstr(o->format, ".Client"))
		return cli_print_format(stdout, o->format, client, err) < 0 ? -1 : 0;
	return cli_print_format(stdout, o->format, v, err) < 0 ? -1 : 0;
}
