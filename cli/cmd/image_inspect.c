/* cpod image inspect: podman's ImageData objects as a JSON array, or a Go template per image.
 * Also the image part of the top-level `cpod inspect` (cmd/inspect.c). */
#include "commands.h"

#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/output.h"
#include "common/banned.h"

struct image_inspect_opts {
	const char *format;
};

const cli_option cmd_image_inspect_options[] = {
	{ "format", 'f', CLI_STRING(struct image_inspect_opts, format), .def = "json",
	  .help = "Format the output to a Go template or json" },
	CLI_OPT_END(struct image_inspect_opts),
};

/* podman's inspectNormalize: old field names in templates still work.  At each position the
 * first pattern that matches is replaced, as Go's strings.Replacer does. */
static char *normalize_format(const char *format, bool image_type)
{
	static const char *const pairs[][2] = {
		{ ".Src", ".Source" },
		{ ".Dst", ".Destination" },
		{ ".ImageID", ".Image" },
		{ ".Config.Healthcheck", ".HealthCheck" }, /* only for --type image */
	};
	size_t npairs = image_type ? 4 : 3;
	_cleanup_buf_ buf b = BUF_INIT;

	for (const char *p = format; *p;) {
		size_t i;

		for (i = 0; i < npairs; i++)
			if (str_has_prefix(p, pairs[i][0]))
				break;
		if (i < npairs) {
			buf_adds(&b, pairs[i][1]);
			p += strlen(pairs[i][0]);
		} else {
			buf_addch(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

/* A failed look-up that does not stop the others (podman: "probably a no such image"). */
static bool lookup_error(const cpod_error *e)
{
	cpod_errkind k = cpod_error_kind(e);

	return k == CPOD_ERR_NOT_FOUND || k == CPOD_ERR_INVALID;
}

static void no_such_object(strv *errs, const char *name)
{
	_cleanup_buf_ buf q = BUF_INIT;

	cli_go_quote(&q, name);
	strv_pushf(errs, "no such object: %s", q.s);
}

int cli_inspect_images(cli_ctx *ctx, const char *format, int argc, char **argv, bool any_type,
		       cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_strv_ strv errs = STRV_INIT;
	_cleanup_free_ char *fmt = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	if (!rt)
		return -1;
	for (int i = 0; i < argc; i++) {
		_cleanup_(cpod_error_freep) cpod_error *e = NULL;
		json_object *obj = cpod_image_inspect(rt, argv[i], &e);

		if (obj) {
			json_object_array_add(arr, obj);
		} else if (!lookup_error(e)) {
			*err = TAKE_PTR(e);
			return -1;
		} else if (any_type) {
			no_such_object(&errs, argv[i]);
		} else {
			strv_push(&errs, cpod_error_message(e));
		}
	}
	/* The images found are printed even when others were not (an empty array at least). */
	if (format && *format && !format_is_json(format))
		fmt = normalize_format(format, !any_type);
	if (format_print_objects(stdout, fmt, arr, err) < 0) {
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

int cmd_image_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct image_inspect_opts *o = opts;

	if (argc == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no names or ids specified");
	return cli_inspect_images(ctx, o->format, argc, argv, false, err);
}
