/* cpod system df: podman's summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) of images,
 * containers and local volumes, --format templates over those summaries, and -v's per-image,
 * per-container and per-volume tables.  Sizes are go-units HumanSize ("1.234MB"). */
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct df_opts {
	bool verbose;
	const char *format;
};

const cli_option cmd_system_df_options[] = {
	{ "format", 0, CLI_STRING(struct df_opts, format),
	  .help = "Pretty-print images using a Go template" },
	{ "verbose", 'v', CLI_BOOL(struct df_opts, verbose),
	  .help = "Show detailed information on disk usage" },
	CLI_OPT_END(struct df_opts),
};

static json_object *jsize(int64_t n)
{
	_cleanup_free_ char *s = units_human_size(n);

	return json_object_new_string(s);
}

static json_object *summary(const char *type, int64_t total, int64_t active, int64_t size,
			    int64_t reclaimable)
{
	json_object *o = json_object_new_object();
	_cleanup_free_ char *rs = units_human_size(reclaimable);
	_cleanup_free_ char *rec = NULL;
	double f = size > 0 ? (double)reclaimable / (double)size * 100.0 : 0.0;
	/* Go's math.Round: halves away from zero */
	long pct = (long)(f < 0 ? f - 0.5 : f + 0.5);

	rec = xasprintf("%s (%ld%%)", rs, pct);
	json_object_object_add(o, "Type", json_object_new_string(type));
	json_object_object_add(o, "Total", json_object_new_int64(total));
	json_object_object_add(o, "Active", json_object_new_int64(active));
	json_object_object_add(o, "RawSize", json_object_new_int64(size));
	json_object_object_add(o, "RawReclaimable", json_object_new_int64(reclaimable));
	json_object_object_add(o, "Size", jsize(size));
	json_object_object_add(o, "Reclaimable", json_object_new_string(rec));
	return o;
}

/* podman: images active when a container uses them (each image once), their unique bytes
 * not reclaimable; containers active when running (cpod runs none yet). */
static json_object *summaries(json_object *df)
{
	json_object *out = json_object_new_array(), *imgs = cli_json_get(df, "Images");
	json_object *ctrs = cli_json_get(df, "Containers");
	_cleanup_strv_ strv seen = STRV_INIT;
	int64_t active = 0, used = 0, csize = 0, cfree = 0, cactive = 0;
	int64_t total = cli_json_int(df, "ImagesSize");

	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		json_object *r = json_object_array_get_idx(imgs, i);

		if (strv_contains((const char *const *)seen.v, cli_json_str(r, "ImageID")))
			continue;
		strv_push(&seen, cli_json_str(r, "ImageID"));
		if (cli_json_int(r, "Containers") > 0) {
			active++;
			used += cli_json_int(r, "UniqueSize");
		}
	}
	json_object_array_add(out, summary("Images", (int64_t)json_object_array_length(imgs),
					   active, total, total - used));
	for (size_t i = 0; i < json_object_array_length(ctrs); i++) {
		json_object *r = json_object_array_get_idx(ctrs, i);

		if (strcmp(cli_json_str(r, "Status"), "running") == 0)
			cactive++;
		else
			cfree += cli_json_int(r, "RWSize");
		csize += cli_json_int(r, "RWSize");
	}
	json_object_array_add(out, summary("Containers", (int64_t)json_object_array_length(ctrs),
					   cactive, csize, cfree));
	/* volumes arrive with the run issue: cpod has none yet */
	json_object_array_add(out, summary("Local Volumes", 0, 0, 0, 0));
	return out;
}

static int print_summary(json_object *df, const char *format, cpod_error **err)
{
	_cleanup_json_ json_object *recs = summaries(df);
	_cleanup_buf_ buf b = BUF_INIT;
	format_list fl = {
		.format = format,
		.default_format = "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t"
				  "{{.Reclaimable}}",
	};

	if (format && format_is_json(format)) {
		/* podman marshals the summaries indented by four spaces */
		if (go_json(&b, recs, "    ") < 0)
			return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
		printf("%s\n", b.s);
		return 0;
	}
	return format_print_records(stdout, &fl, recs, err);
}

static json_object *image_rows(json_object *imgs)
{
	json_object *out = json_object_new_array();
	time_t now = time(NULL);

	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		json_object *r = json_object_array_get_idx(imgs, i), *o = json_object_new_object();
		int64_t age = (int64_t)now - cli_json_int(r, "Created");
		_cleanup_free_ char *created = units_human_duration(age > 0 ? age : 0);
		_cleanup_free_ char *id = xstrndup(cli_json_str(r, "ImageID"), 12);

		json_object_object_add(o, "Repository",
				       json_object_new_string(cli_json_str(r, "Repository")));
		json_object_object_add(o, "Tag", json_object_new_string(cli_json_str(r, "Tag")));
		json_object_object_add(o, "ImageID", json_object_new_string(id));
		json_object_object_add(o, "Created", json_object_new_string(created));
		json_object_object_add(o, "Size", jsize(cli_json_int(r, "Size")));
		json_object_object_add(o, "SharedSize", jsize(cli_json_int(r, "SharedSize")));
		json_object_object_add(o, "UniqueSize", jsize(cli_json_int(r, "UniqueSize")));
		json_object_object_add(o, "Containers",
				       json_object_new_int64(cli_json_int(r, "Containers")));
		json_object_array_add(out, o);
	}
	return out;
}

/* cpod has no container records yet, only their rw layers: the layer stands for the ID. */
static json_object *container_rows(json_object *ctrs)
{
	json_object *out = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(ctrs); i++) {
		json_object *r = json_object_array_get_idx(ctrs, i), *o = json_object_new_object();
		_cleanup_free_ char *id = xstrndup(cli_json_str(r, "RWLayer"), 12);

		json_object_object_add(o, "ContainerID", json_object_new_string(id));
		json_object_object_add(o, "Image", json_object_new_string(""));
		json_object_object_add(o, "Command", json_object_new_string(""));
		json_object_object_add(o, "LocalVolumes", json_object_new_int64(0));
		json_object_object_add(o, "RWSize", jsize(cli_json_int(r, "RWSize")));
		json_object_object_add(o, "Created", json_object_new_string(""));
		json_object_object_add(o, "Status",
				       json_object_new_string(cli_json_str(r, "Status")));
		json_object_object_add(o, "Names", json_object_new_string(""));
		json_object_array_add(out, o);
	}
	return out;
}

static int section(const char *title, const char *table, const format_header *headers,
		   json_object *recs, cpod_error **err)
{
	_cleanup_json_ json_object *owned = recs;
	format_list fl = { .format = table, .headers = headers };

	printf("%s space usage:\n\n", title);
	return format_print_records(stdout, &fl, owned, err);
}

static int print_verbose(json_object *df, cpod_error **err)
{
	static const format_header ctr_headers[] = { { "RWSize", "size" }, { NULL, NULL } };

	if (section("Images",
		    "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t"
		    "{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
		    NULL, image_rows(cli_json_get(df, "Images")), err) < 0)
		return -1;
	printf("\n");
	if (section("Containers",
		    "table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t"
		    "{{.RWSize}}\t{{.Created}}\t{{.Status}}\t{{.Names}}",
		    ctr_headers, container_rows(cli_json_get(df, "Containers")), err) < 0)
		return -1;
	printf("\n");
	return section("Local Volumes", "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", NULL,
		       json_object_new_array(), err);
}

int cmd_system_df(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct df_opts *o = opts;
	_cleanup_json_ json_object *df = NULL;
	cpod_runtime *rt = cli_runtime(ctx, err);

	(void)argc;
	(void)argv;
	if (!rt)
		return -1;
	df = cpod_system_df(rt, err);
	if (!df)
		return -1;
	if (o->format && *o->format && o->verbose)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot combine --format and --verbose flags");
	if (o->verbose)
		return print_verbose(df, err);
	return print_summary(df, o->format && *o->format ? o->format : NULL, err);
}
