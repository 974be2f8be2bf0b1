/* cpod rmi / cpod image rm: removes images or names, printing podman's "Untagged:" and
 * "Deleted:" lines.  As in podman, every image is tried, and the exit status tells what went
 * wrong: 1 when some image was not found (and nothing else failed), 2 when one is in use by a
 * container, 125 otherwise. */
#include "commands.h"

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct rm_opts {
	bool all;
	bool force;
	bool ignore;
	bool no_prune;
};

const cli_option cmd_image_rm_options[] = {
	{ "all", 'a', CLI_BOOL(struct rm_opts, all), .help = "Remove all images" },
	{ "force", 'f', CLI_BOOL(struct rm_opts, force), .help = "Force Removal of the image" },
	{ "ignore", 'i', CLI_BOOL(struct rm_opts, ignore),
	  .help = "Ignore errors if a specified image does not exist" },
	{ "no-prune", 0, CLI_BOOL(struct rm_opts, no_prune),
	  .help = "Do not remove dangling images" },
	CLI_OPT_END(struct rm_opts),
};

/* What the whole command did. */
struct rm_report {
	strv untagged, deleted;
	strv errors; /* the messages to print */
	bool not_found, in_use, other;
};

static void report_release(struct rm_report *r)
{
	strv_clear(&r->untagged);
	strv_clear(&r->deleted);
	strv_clear(&r->errors);
}

static void add_strings(strv *to, json_object *arr)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));

		if (s && *s)
			strv_push(to, s);
	}
}

static void remove_one(cpod_runtime *rt, const char *name, const struct rm_opts *o,
		       struct rm_report *rep)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_json_ json_object *untagged = NULL;
	_cleanup_json_ json_object *deleted = NULL;
	cpod_errkind kind;

	if (cpod_image_remove(rt, name, o->force, &untagged, &deleted, &e) == 0) {
		add_strings(&rep->untagged, untagged);
		add_strings(&rep->deleted, deleted);
		return;
	}
	kind = cpod_error_kind(e);
	if (kind == CPOD_ERR_NOT_FOUND && o->ignore)
		return;
	if (kind == CPOD_ERR_NOT_FOUND)
		rep->not_found = true;
	else if (kind == CPOD_ERR_STATE)
		rep->in_use = true;
	else
		rep->other = true;
	/* --force makes a missing image no error at all (the status still counts it when
	 * another error is printed). */
	if (kind == CPOD_ERR_NOT_FOUND && o->force)
		return;
	strv_push(&rep->errors, cpod_error_message(e));
}

/* The IDs of every image, for --all. */
static int all_images(cpod_runtime *rt, strv *ids, cpod_error **err)
{
	_cleanup_json_ json_object *imgs = cpod_image_list(rt, 1, NULL, err);

	if (!imgs)
		return -1;
	for (size_t i = 0; i < json_object_array_length(imgs); i++)
		strv_push(ids, cli_json_str(json_object_array_get_idx(imgs, i), "Id"));
	return 0;
}

static int exit_status(const struct rm_report *rep)
{
	if (rep->in_use)
		return 2;
	if (rep->not_found && !rep->other)
		return 1;
	return 125;
}

/* podman joins several errors the way hashicorp/go-multierror prints them. */
static void print_errors(const strv *errors)
{
	if (errors->n == 1) {
		fprintf(stderr, "Error: %s\n", errors->v[0]);
		return;
	}
	fprintf(stderr, "Error: %zu errors occurred:", errors->n);
	for (size_t i = 0; i < errors->n; i++)
		fprintf(stderr, "\n\t* %s", errors->v[i]);
	fputc('\n', stderr);
}

int cmd_image_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct rm_opts *o = opts;
	_cleanup_strv_ strv names = STRV_INIT;
	struct rm_report rep = { STRV_INIT, STRV_INIT, STRV_INIT, false, false, false };
	cpod_runtime *rt;
	int status = 0;

	if (argc < 1 && !o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "image name or ID must be specified");
	if (argc > 0 && o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"when using the --all switch, you may not pass any images names "
				"or IDs");
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (o->all && all_images(rt, &names, err) < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (size_t i = 0; i < names.n; i++)
		remove_one(rt, names.v[i], o, &rep);
	for (size_t i = 0; i < rep.untagged.n; i++)
		printf("Untagged: %s\n", rep.untagged.v[i]);
	for (size_t i = 0; i < rep.deleted.n; i++)
		printf("Deleted: %s\n", rep.deleted.v[i]);
	fflush(stdout);
	if (rep.errors.n) {
		print_errors(&rep.errors);
		status = exit_status(&rep);
	}
	report_release(&rep);
	return status;
}
