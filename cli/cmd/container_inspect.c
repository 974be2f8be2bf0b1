/* cpod container inspect: podman's InspectContainerData objects as a JSON array, or a Go
 * template per container.  Also the container part of `cpod inspect` (cmd/inspect.c), whose
 * --type all tries a container, then an image, for each name. */
#include "commands.h"

#include <string.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/output.h"
#include "common/banned.h"

struct ctr_inspect_opts {
	bool latest, size;
	const char *format;
};

const cli_option cmd_container_inspect_options[] = {
	{ "format", 'f', CLI_STRING(struct ctr_inspect_opts, format), .def = "json",
	  .help = "Format the output to a Go template or json" },
	{ "latest", 'l', CLI_BOOL(struct ctr_inspect_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "size", 's', CLI_BOOL(struct ctr_inspect_opts, size), .help = "Display total file size" },
	CLI_OPT_END(struct ctr_inspect_opts),
};

/* podman's inspectNormalize for containers: old field names in templates still work.  At
 * each position the first pattern that matches is replaced, as Go's strings.Replacer does. */
static char *normalize_format(const char *format)
{
	static const char *const pairs[][2] = {
		{ ".Src", ".Source" },
		{ ".Dst", ".Destination" },
		{ ".ImageID", ".Image" },
	};
	_cleanup_buf_ buf b = BUF_INIT;

	for (const char *p = format; *p;) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(pairs); i++)
			if (str_has_prefix(p, pairs[i][0]))
				break;
		if (i < ARRAY_SIZE(pairs)) {
			buf_adds(&b, pairs[i][1]);
			p += strlen(pairs[i][0]);
		} else {
			buf_addch(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

/* The object for one name, appended to arr; a name that is nothing is noted in errs (any
 * other failure is returned). */
static int inspect_one(cpod_runtime *rt, const char *name, bool size, bool any_type,
		       json_object *arr, strv *errs, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	json_object *obj = cpod_container_inspect(rt, name, size, &e);
	cpod_errkind k;

	if (obj) {
		json_object_array_add(arr, obj);
		return 0;
	}
	k = cpod_error_kind(e);
	/* An image reference is not always a valid container name: not a container either. */
	if (k != CPOD_ERR_NOT_FOUND && !(any_type && k == CPOD_ERR_INVALID)) {
		*err = TAKE_PTR(e);
		return -1;
	}
	if (!any_type) {
		strv_pushf(errs, "no such container %s", name);
		return 0;
	}
	cpod_error_free(TAKE_PTR(e));
	obj = cpod_image_inspect(rt, name, &e);
	if (obj) {
		json_object_array_add(arr, obj);
		return 0;
	}
	k = cpod_error_kind(e);
	if (k != CPOD_ERR_NOT_FOUND && k != CPOD_ERR_INVALID) {
		*err = TAKE_PTR(e);
		return -1;
	}
	{
		_cleanup_buf_ buf q = BUF_INIT;

		cli_go_quote(&q, name);
		strv_pushf(errs, "no such object: %s", q.s);
	}
	return 0;
}

/* --latest: the newest container, or the error podman notes for none. */
static int inspect_latest(cpod_runtime *rt, bool size, json_object *arr, strv *errs,
			  cpod_error **err)
{
	cpod_ps_opts po = { .struct_size = sizeof(po), .all = true, .last = 1 };
	_cleanup_json_ json_object *list = cpod_container_list(rt, &po, err);
	json_object *obj;

	if (!list)
		return -1;
	if (!json_object_array_length(list)) {
		strv_push(errs, "no containers to inspect: no such container");
		return 0;
	}
	obj = cpod_container_inspect(rt, cli_json_str(json_object_array_get_idx(list, 0), "Id"),
				     size, err);
	if (!obj)
		return -1;
	json_object_array_add(arr, obj);
	return 0;
}

int cli_inspect_containers(cli_ctx *ctx, const char *format, bool size, bool latest, bool any_type,
			   int argc, char **argv, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_strv_ strv errs = STRV_INIT;
	_cleanup_free_ char *fmt = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt)
		return -1;
	if (latest && inspect_latest(rt, size, arr, &errs, err) < 0)
		return -1;
	for (int i = 0; !latest && i < argc; i++)
		if (inspect_one(rt, argv[i], size, any_type, arr, &errs, err) < 0)
			return -1;
	/* What was found is printed even when other names were not (an empty array at least). */
	if (format && *format && !format_is_json(format))
		fmt = normalize_format(format);
	if (format_print_objects(stdout, fmt, arr, err) < 0) {
		strv_pushf(&errs, "printing inspect output: %s", cpod_error_message(*err));
		cpod_error_free(*err);
		*err = NULL;
	}
	if (!errs.n)
		return 0;
	fflush(stdout);
	for (size_t i = 1; i < errs.n; i++)
		fprintf(stderr, "error inspecting object: %s\n", errs.v[i]);
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "inspecting object: %s", errs.v[0]);
}

int cmd_container_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct ctr_inspect_opts *o = opts;

	if (argc == 0 && !o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no names or ids specified");
	if (argc > 0 && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--latest and arguments cannot be used together");
	return cli_inspect_containers(ctx, o->format, o->size, o->latest, false, argc, argv, err);
}
