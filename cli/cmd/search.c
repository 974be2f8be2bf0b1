/* cpod search: repositories of registries that offer /v2/_catalog, or one repository's tags
 * (--list-tags), printed as podman 4.3 prints them: a NAME DESCRIPTION table (NAME TAG with
 * --list-tags), JSON indented by 4 spaces, or a Go template.  No result prints nothing, not
 * even the header.  --filter is not supported (a _catalog registry has no stars, official or
 * automated flags to filter on). */
#include "commands.h"

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct search_opts {
	const char *authfile;
	const char *cert_dir;
	const char *creds;
	const char *format;
	long long limit;
	bool compatible;
	bool list_tags;
	bool no_trunc;
	bool tls_verify;
};

const cli_option cmd_search_options[] = {
	{ "authfile", 0, CLI_STRING(struct search_opts, authfile),
	  .help = "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
		  "to override" },
	{ "cert-dir", 0, CLI_STRING(struct search_opts, cert_dir), .argname = "Pathname",
	  .help = "Pathname of a directory containing TLS certificates and keys" },
	{ "compatible", 0, CLI_BOOL(struct search_opts, compatible),
	  .help = "List stars, official and automated columns (Docker compatibility)" },
	{ "creds", 0, CLI_STRING(struct search_opts, creds), .argname = "[username[:password]]",
	  .help = "Credentials (USERNAME:PASSWORD) to use for authenticating to a registry" },
	{ "format", 0, CLI_STRING(struct search_opts, format),
	  .help = "Change the output format to JSON or a Go template" },
	{ "limit", 0, CLI_INT(struct search_opts, limit), .def = "0",
	  .help = "Limit the number of results" },
	{ "list-tags", 0, CLI_BOOL(struct search_opts, list_tags),
	  .help = "List the tags of the input registry" },
	{ "no-trunc", 0, CLI_BOOL(struct search_opts, no_trunc),
	  .help = "Do not truncate the output" },
	{ "tls-verify", 0, CLI_BOOL(struct search_opts, tls_verify), .def = "true",
	  .help = "Require HTTPS and verify certificates when contacting registries" },
	CLI_OPT_END(struct search_opts),
};

static int print_json(json_object *v, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	if (go_json(&b, v, "    ") < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
	printf("%s\n", b.s);
	return 0;
}

/* --list-tags --format json: [{"Name": ..., "Tags": [...]}], one entry per repository. */
static int print_tags_json(json_object *recs, cpod_error **err)
{
	_cleanup_json_ json_object *out = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(recs); i++) {
		json_object *r = json_object_array_get_idx(recs, i), *name, *tag, *entry = NULL;
		json_object *tags;

		json_object_object_get_ex(r, "Name", &name);
		json_object_object_get_ex(r, "Tag", &tag);
		for (size_t j = 0; j < json_object_array_length(out) && !entry; j++) {
			json_object *e = json_object_array_get_idx(out, j), *n;

			json_object_object_get_ex(e, "Name", &n);
			if (str_eq(json_object_get_string(n), json_object_get_string(name)))
				entry = e;
		}
		if (!entry) {
			entry = json_object_new_object();
			json_object_object_add(entry, "Name", json_object_get(name));
			json_object_object_add(entry, "Tags", json_object_new_array());
			json_object_array_add(out, entry);
		}
		json_object_object_get_ex(entry, "Tags", &tags);
		json_object_array_add(tags, json_object_get(tag));
	}
	return print_json(out, err);
}

int cmd_search(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct search_opts *o = opts;
	_cleanup_json_ json_object *recs = NULL;
	bool is_json = o->format && format_is_json(o->format);
	cpod_runtime *rt = cli_runtime(ctx, err);
	cpod_search_opts so = {
		.struct_size = sizeof(so),
		.term = argv[0],
		.authfile = o->authfile,
		.creds = o->creds,
		.cert_dir = o->cert_dir,
		.tls_verify = cli_tls_verify(ctx, o->tls_verify),
		.list_tags = o->list_tags,
		.limit = o->limit > 0 && o->limit < 1000000 ? (int)o->limit : 0,
	};
	format_list fl = {
		.format = o->format,
		.default_format = o->compatible ? "table {{.Name}}\t{{.Description}}\t{{.Stars}}\t"
						  "{{.Official}}\t{{.Automated}}"
						: "table {{.Name}}\t{{.Description}}",
	};

	if (!rt)
		return -1;
	recs = cpod_image_search(rt, &so, err);
	if (!recs)
		return -1;
	if (!json_object_array_length(recs))
		return 0;
	if (o->list_tags) {
		if (is_json)
			return print_tags_json(recs, err);
		fl.format = "table {{.Name}}\t{{.Tag}}";
	} else if (is_json) {
		return print_json(recs, err);
	}
	return format_print_records(stdout, &fl, recs, err);
}
