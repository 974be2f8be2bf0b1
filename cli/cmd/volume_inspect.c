/* cpod volume inspect: podman's InspectVolumeData objects as a JSON array, or a Go template
 * per volume.  Volumes not found do not stop the others; the first is then the error
 * ("inspecting object: no such volume x"), the others go to stderr. */
#include "commands.h"

#include <stdio.h>

#include <json-c/json.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "format/output.h"
#include "common/banned.h"

struct inspect_opts {
	bool all;
	const char *format;
};

const cli_option cmd_volume_inspect_options[] = {
	{ "all", 'a', CLI_BOOL(struct inspect_opts, all), .help = "Inspect all volumes" },
	{ "format", 'f', CLI_STRING(struct inspect_opts, format), .def = "json",
	  .help = "Format volume output using Go template" },
	CLI_OPT_END(struct inspect_opts),
};

void cli_volume_fill_defaults(json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_object_get_ex(v, "UID", NULL))
			json_object_object_add(v, "UID", json_object_new_int64(0));
		if (!json_object_object_get_ex(v, "GID", NULL))
			json_object_object_add(v, "GID", json_object_new_int64(0));
		if (!json_object_object_get_ex(v, "Anonymous", NULL))
			json_object_object_add(v, "Anonymous", json_object_new_boolean(0));
		if (!json_object_object_get_ex(v, "NeedsCopyUp", NULL))
			json_object_object_add(v, "NeedsCopyUp", json_object_new_boolean(0));
		if (!json_object_object_get_ex(v, "NeedsChown", NULL))
			json_object_object_add(v, "NeedsChown", json_object_new_boolean(0));
		if (!json_object_object_get_ex(v, "Timeout", NULL))
			json_object_object_add(v, "Timeout", json_object_new_int64(0));
		if (!json_object_object_get_ex(v, "StorageID", NULL))
			json_object_object_add(v, "StorageID", json_object_new_string(""));
	}
}

/* Every volume's inspect object, for --all. */
static int inspect_all(cpod_runtime *rt, json_object *out, cpod_error **err)
{
	_cleanup_json_ json_object *all = cpod_volume_list(rt, NULL, err);

	if (!all)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(all, i)));
	return 0;
}

static int inspect_names(cpod_runtime *rt, int argc, char **argv, json_object *out, strv *errs,
			 cpod_error **err)
{
	for (int i = 0; i < argc; i++) {
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;
		json_object *v = cpod_volume_inspect(rt, argv[i], &e);

		if (v)
			json_object_array_add(out, v);
		else if (cpod_error_kind(e) == CPOD_ERR_NOT_FOUND)
			strv_pushf(errs, "no such volume %s", argv[i]);
		else
			return cpod_err(err, cpod_error_kind(e), 0, "inspecting volume %s: %s",
					argv[i], cpod_error_message(e));
	}
	return 0;
}

int cmd_volume_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct inspect_opts *o = opts;
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_strv_ strv errs = STRV_INIT;
	cpod_runtime *rt;

	if ((o->all && argc > 0) || (!o->all && argc < 1))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"provide one or more volume names or use --all");
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if ((o->all ? inspect_all(rt, arr, err) : inspect_names(rt, argc, argv, arr, &errs, err)) <
	    0)
		return -1;
	if (o->format && *o->format && !format_is_json(o->format))
		cli_volume_fill_defaults(arr);
	if (format_print_objects(stdout, o->format, arr, err) < 0) {
		strv_pushf(&errs, "printing inspect output: %s", cpod_error_message(*err));
		cpod_error_free(*err);
		*err = NULL;
	}
	if (!errs.n)
		return 0;
	for (size_t i = 1; i < errs.n; i++)
		fprintf(stderr, "error inspecting object: %s\n", errs.v[i]);
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "inspecting object: %s", errs.v[0]);
}
