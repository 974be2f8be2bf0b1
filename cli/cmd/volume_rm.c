/* cpod volume rm: removes volumes, printing each name removed.  As podman, every volume is
 * tried; each error is printed ("Error: ..."), and the status is that of the last error that
 * has one: 1 for a volume not found, 2 for one in use, else 125.  --force skips missing
 * volumes silently and removes the containers using a volume first. */
#include "commands.h"

#include <stdio.h>

#include <json-c/json.h>

#include <cpod/volume.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/banned.h"

struct rm_opts {
	bool all;
	bool force;
	unsigned long long time;
};

const cli_option cmd_volume_rm_options[] = {
	{ "all", 'a', CLI_BOOL(struct rm_opts, all), .help = "Remove all volumes" },
	{ "force", 'f', CLI_BOOL(struct rm_opts, force),
	  .help = "Remove a volume by force, even if it is being used by a container" },
	{ "time", 't', CLI_UINT(struct rm_opts, time), .def = "10",
	  .help = "Seconds to wait for running containers to stop before killing the "
		  "container" },
	CLI_OPT_END(struct rm_opts),
};

static int all_volumes(cpod_runtime *rt, strv *names, cpod_error **err)
{
	_cleanup_json_ json_object *vols = cpod_volume_list(rt, NULL, err);

	if (!vols)
		return -1;
	for (size_t i = 0; i < json_object_array_length(vols); i++)
		strv_push(names, cli_json_str(json_object_array_get_idx(vols, i), "Name"));
	return 0;
}

int cmd_volume_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct rm_opts *o = opts;
	bool timed = cli_opt_changed(ctx->cmd_set, "time");
	cpod_volume_rm_opts ro = { .struct_size = sizeof(ro),
				   .force = o->force,
				   .timeout = timed ? (int)o->time : -1 };
	_cleanup_strv_ strv names = STRV_INIT;
	cpod_runtime *rt;
	int status = 0;

	if ((argc > 0 && o->all) || (argc < 1 && !o->all))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"choose either one or more volumes or all");
	if (timed && !o->force)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--force option must be specified to use the --time option");
	rt = cli_runtime(ctx, err);
	if (!rt || (o->all && all_volumes(rt, &names, err) < 0))
		return -1;
	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;
		_cleanup_free_ char *name = NULL;
		cpod_errkind kind;

		if (cpod_volume_remove(rt, names.v[i], &ro, &name, &e) == 0) {
			printf("%s\n", name);
			fflush(stdout);
			continue;
		}
		kind = cpod_error_kind(e);
		if (kind == CPOD_ERR_NOT_FOUND && o->force)
			continue;
		if (!status)
			status = 125;
		if (kind == CPOD_ERR_NOT_FOUND)
			status = 1;
		else if (kind == CPOD_ERR_STATE)
			status = 2;
		fprintf(stderr, "Error: %s\n", cpod_error_message(e));
	}
	return status;
}
