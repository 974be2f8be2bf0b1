/* cpod image mount: mounts images and prints the mount point (one image), or lists images
 * and their mount points as podman does ("ID  PATH" rows without a header, the ID being the
 * first tag when the image has one); with no image, lists the mounted ones. */
#include "commands.h"

#include <string.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct mount_opts {
	bool all;
	const char *format;
};

const cli_option cmd_image_mount_options[] = {
	{ "all", 'a', CLI_BOOL(struct mount_opts, all), .help = "Mount all images" },
	{ "format", 0, CLI_STRING(struct mount_opts, format),
	  .help = "Print the mounted images in specified format (json)" },
	CLI_OPT_END(struct mount_opts),
};

static const char *first_string(json_object *o, const char *key)
{
	json_object *a = cli_json_get(o, key);

	if (!json_object_is_type(a, json_type_array) || !json_object_array_length(a))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(a, 0));
}

/* podman's JSON: id, Names (one), Repositories, mountpoint; indented by one space. */
static int print_json(json_object *reports, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_buf_ buf b = BUF_INIT;

	for (size_t i = 0; i < json_object_array_length(reports); i++) {
		json_object *r = json_object_array_get_idx(reports, i),
			    *j = json_object_new_object();
		const char *name = first_string(r, "Names");
		json_object *names = json_object_new_array();

		json_object_array_add(names, json_object_new_string(name ? name : ""));
		json_object_object_add(j, "id", json_object_new_string(cli_json_str(r, "Id")));
		json_object_object_add(j, "Names", names);
		json_object_object_add(j, "Repositories",
				       json_object_get(cli_json_get(r, "Repositories")));
		json_object_object_add(j, "mountpoint",
				       json_object_new_string(cli_json_str(r, "Path")));
		json_object_array_add(arr, j);
	}
	if (go_json(&b, arr, " ") < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
	printf("%s\n", b.s);
	return 0;
}

static int print_table(json_object *reports, cpod_error **err)
{
	_cleanup_json_ json_object *recs = json_object_new_array();
	format_list fl = { .format = "table {{.ID}}\t{{.Path}}", .noheading = true };

	for (size_t i = 0; i < json_object_array_length(reports); i++) {
		json_object *r = json_object_array_get_idx(reports, i),
			    *row = json_object_new_object();
		const char *repo = first_string(r, "Repositories");

		json_object_object_add(row, "ID",
				       json_object_new_string(repo ? repo : cli_json_str(r, "Id")));
		json_object_object_add(row, "Path",
				       json_object_new_string(cli_json_str(r, "Path")));
		json_object_array_add(recs, row);
	}
	return format_print_records(stdout, &fl, recs, err);
}

/* Mounts every image named (or all of them), collecting the reports. */
static json_object *mount_images(cpod_runtime *rt, int argc, char **argv, bool all,
				 cpod_error **err)
{
	_cleanup_json_ json_object *imgs = NULL;
	_cleanup_json_ json_object *out = json_object_new_array();
	_cleanup_strv_ strv names = STRV_INIT;

	if (all) {
		imgs = cpod_image_list(rt, 1, NULL, err);
		if (!imgs)
			return NULL;
		for (size_t i = 0; i < json_object_array_length(imgs); i++)
			strv_push(&names, cli_json_str(json_object_array_get_idx(imgs, i), "Id"));
	}
	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (size_t i = 0; i < names.n; i++) {
		json_object *r = cpod_image_mount(rt, names.v[i], err);

		if (!r)
			return NULL;
		json_object_array_add(out, r);
	}
	return TAKE_PTR(out);
}

int cmd_image_mount(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct mount_opts *o = opts;
	_cleanup_json_ json_object *reports = NULL;
	bool json = o->format && *o->format && format_is_json(o->format);
	cpod_runtime *rt;

	if (argc > 0 && o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"when using the --all switch, you may not pass any image names or "
				"IDs");
	if (o->format && *o->format && !json)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown --format argument: \"%s\"",
				o->format);
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (argc == 0 && !o->all)
		reports = cpod_image_mounted(rt, err);
	else
		reports = mount_images(rt, argc, argv, o->all, err);
	if (!reports)
		return -1;
	if (argc == 1 && !json && !o->all) {
		printf("%s\n", cli_json_str(json_object_array_get_idx(reports, 0), "Path"));
		return 0;
	}
	return json ? print_json(reports, err) : print_table(reports, err);
}
