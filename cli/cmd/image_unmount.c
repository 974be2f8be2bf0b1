/* cpod image unmount: drops a mount reference of each image (all of them with --force) and
 * prints its ID.  Failures do not stop the others; every error but the last is printed here
 * and the last is returned (podman's OutputErrors). */
#include "commands.h"

#include <stdlib.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/banned.h"

struct unmount_opts {
	bool all;
	bool force;
};

const cli_option cmd_image_unmount_options[] = {
	{ "all", 'a', CLI_BOOL(struct unmount_opts, all),
	  .help = "Unmount all of the currently mounted images" },
	{ "force", 'f', CLI_BOOL(struct unmount_opts, force),
	  .help = "Force the complete unmount of the specified mounted images" },
	CLI_OPT_END(struct unmount_opts),
};

static int mounted_ids(cpod_runtime *rt, strv *ids, cpod_error **err)
{
	_cleanup_json_ json_object *m = cpod_image_mounted(rt, err);

	if (!m)
		return -1;
	for (size_t i = 0; i < json_object_array_length(m); i++)
		strv_push(ids, cli_json_str(json_object_array_get_idx(m, i), "Id"));
	return 0;
}

int cmd_image_unmount(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct unmount_opts *o = opts;
	_cleanup_strv_ strv names = STRV_INIT;
	cpod_error *last = NULL;
	cpod_runtime *rt;

	if (argc < 1 && !o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "image name or ID must be specified");
	if (argc > 0 && o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"when using the --all switch, you may not pass any image names or "
				"IDs");
	rt = cli_runtime(ctx, err);
	if (!rt || (o->all && mounted_ids(rt, &names, err) < 0))
		return -1;
	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (size_t i = 0; i < names.n; i++) {
		cpod_error *e = NULL;
		_cleanup_free_ char *id = cpod_image_unmount(rt, names.v[i], o->force, &e);

		if (id) {
			printf("%s\n", id);
			continue;
		}
		if (last)
			fprintf(stderr, "Error: %s\n", cpod_error_message(last));
		cpod_error_free(last);
		last = e;
	}
	fflush(stdout);
	if (last) {
		*err = last;
		return -1;
	}
	return 0;
}
