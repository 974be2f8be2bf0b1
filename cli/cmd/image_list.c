/* cpod images / cpod image list: podman's table (one row per name), -q, --format templates
 * and podman's JSON. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct list_opts {
	bool all;
	bool digests;
	bool history;
	bool noheading;
	bool no_trunc;
	bool quiet;
	strv filters;
	const char *format;
	const char *sort;
};

const cli_option cmd_image_list_options[] = {
	{ "all", 'a', CLI_BOOL(struct list_opts, all),
	  .help = "Show all images (default hides intermediate images)" },
	{ "digests", 0, CLI_BOOL(struct list_opts, digests), .help = "Show digests" },
	{ "filter", 'f', CLI_STRV_CSV(struct list_opts, filters),
	  .help = "Filter output based on conditions provided (default [])" },
	{ "format", 0, CLI_STRING(struct list_opts, format),
	  .help = "Change the output format to JSON or a Go template" },
	{ "history", 0, CLI_BOOL(struct list_opts, history),
	  .help = "Display the image name history" },
	{ "no-trunc", 0, CLI_BOOL(struct list_opts, no_trunc), .help = "Do not truncate output" },
	{ "noheading", 'n', CLI_BOOL(struct list_opts, noheading),
	  .help = "Do not print column headings" },
	{ "quiet", 'q', CLI_BOOL(struct list_opts, quiet), .help = "Display only image IDs" },
	{ "sort", 0, CLI_STRING(struct list_opts, sort), .def = "created",
	  .help = "Sort by created, id, repository, size, tag" },
	CLI_OPT_END(struct list_opts),
};

enum sort_key { SORT_CREATED, SORT_ID, SORT_REPOSITORY, SORT_SIZE, SORT_TAG };

static const char *const sort_names[] = { "created", "id", "repository", "size", "tag", NULL };

/* One line of the listing: an image under one of its names. */
struct row {
	json_object *img; /* borrowed from the library's array */
	char *repo, *tag;
	size_t index; /* keeps equal keys in the library's order */
	enum sort_key key;
};

struct rowv {
	struct row *v;
	size_t n, alloc;
};

static void rowv_release(struct rowv *rv)
{
	for (size_t i = 0; i < rv->n; i++) {
		free(rv->v[i].repo);
		free(rv->v[i].tag);
	}
	free(rv->v);
}

static void push_row(struct rowv *rv, json_object *img, char *repo, char *tag)
{
	if (rv->n == rv->alloc) {
		rv->alloc = rv->alloc ? rv->alloc * 2 : 16;
		rv->v = xreallocarray(rv->v, rv->alloc, sizeof(*rv->v));
	}
	rv->v[rv->n] = (struct row){ .img = img, .repo = repo, .tag = tag, .index = rv->n };
	rv->n++;
}

/* podman's tokenRepoTag on a normalised name: "repo:tag", "repo@digest", "repo:tag@digest". */
static void split_name(const char *name, char **ret_repo, char **ret_tag)
{
	size_t end = strcspn(name, "@"), slash = 0, colon = 0;

	if (str_eq(name, "<none>:<none>") || end == 0) {
		*ret_repo = xstrdup("<none>");
		*ret_tag = xstrdup("<none>");
		return;
	}
	for (size_t i = 0; i < end; i++)
		if (name[i] == '/')
			slash = i + 1;
	for (size_t i = slash; i < end; i++)
		if (name[i] == ':')
			colon = i;
	if (!colon || colon + 1 == end) {
		*ret_repo = xstrndup(name, colon ? colon : end);
		*ret_tag = xstrdup("<none>");
		return;
	}
	*ret_repo = xstrndup(name, colon);
	*ret_tag = xstrndup(name + colon + 1, end - colon - 1);
}

/* podman's sortImages: a row per name with a tag; only when an image has none, one row with
 * its first name (tag <none>), or <none> <none> when it has no name at all. */
static void add_rows(struct rowv *rv, json_object *img)
{
	json_object *tags = cli_json_get(img, "RepoTags");
	size_t ntags = json_object_is_type(tags, json_type_array) ? json_object_array_length(tags)
								  : 0;
	_cleanup_free_ char *untagged = NULL;
	bool tagged = false;

	for (size_t i = 0; i < ntags; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(tags, i));
		char *repo, *tag;

		split_name(name ? name : "", &repo, &tag);
		if (!str_eq(tag, "<none>")) {
			push_row(rv, img, repo, tag);
			tagged = true;
			continue;
		}
		if (!untagged)
			untagged = repo;
		else
			free(repo);
		free(tag);
	}
	if (!tagged)
		push_row(rv, img, untagged ? TAKE_PTR(untagged) : xstrdup("<none>"),
			 xstrdup("<none>"));
}

static void rowv_releasep(struct rowv *rv)
{
	rowv_release(rv);
}

static const char *bare_id(json_object *img)
{
	const char *id = cli_json_str(img, "Id");

	return str_has_prefix(id, "sha256:") ? id + 7 : id;
}

/* podman's imageReporter.ID(): 12 hex digits, or the whole "sha256:..." with --no-trunc. */
static char *display_id(json_object *img, bool no_trunc)
{
	const char *id = bare_id(img);

	if (!no_trunc && strlen(id) >= 12)
		return xstrndup(id, 12);
	return xasprintf("sha256:%s", id);
}

static int cmp_int(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = 0;

	switch (x->key) {
	case SORT_ID:
		c = strcmp(bare_id(x->img), bare_id(y->img));
		break;
	case SORT_REPOSITORY:
		c = strcmp(x->repo, y->repo);
		break;
	case SORT_SIZE:
		c = cmp_int(cli_json_int(x->img, "Size"), cli_json_int(y->img, "Size"));
		break;
	case SORT_TAG:
		c = strcmp(x->tag, y->tag);
		break;
	case SORT_CREATED: /* newest first */
		c = cmp_int(cli_json_time(y->img, "Created"), cli_json_time(x->img, "Created"));
		break;
	}
	/* podman's sort.Slice leaves ties in no particular order; keep the library's. */
	return c ? c : cmp_int((int64_t)x->index, (int64_t)y->index);
}

static void copy_field(json_object *to, json_object *from, const char *key)
{
	json_object *v = cli_json_get(from, key);

	json_object_object_add(to, key, json_object_get(v));
}

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void add_str_take(json_object *o, const char *key, char *value)
{
	add_str(o, key, value);
	free(value);
}

/* The names history as one string, "a, b". */
static char *joined_history(json_object *img)
{
	json_object *h = cli_json_get(img, "History");
	_cleanup_buf_ buf b = BUF_INIT;
	size_t n = json_object_is_type(h, json_type_array) ? json_object_array_length(h) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(h, i));

		buf_addf(&b, "%s%s", i ? ", " : "", s ? s : "");
	}
	return buf_detach(&b, NULL);
}

/* What a --format template sees for one row: podman's imageReporter, whose methods (ID,
 * Created, Size ...) print the values as the table shows them. */
static json_object *row_record(const struct row *r, bool no_trunc)
{
	static const char *const copied[] = { "ParentId", "RepoTags",	"RepoDigests", "Names",
					      "Digest",	  "Labels",	"Containers",  "ReadOnly",
					      "Dangling", "SharedSize", "VirtualSize" };
	json_object *rec = json_object_new_object();
	time_t created = cli_json_time(r->img, "Created");

	add_str(rec, "Repository", r->repo);
	add_str(rec, "Tag", r->tag);
	add_str_take(rec, "ID", display_id(r->img, no_trunc));
	add_str_take(rec, "Created", cli_time_ago(created));
	add_str_take(rec, "CreatedSince", cli_time_ago(created));
	add_str_take(rec, "CreatedAt", cli_time_string(created));
	add_str_take(rec, "CreatedTime", cli_time_string(created));
	add_str_take(rec, "Size", cli_human_size(cli_json_int(r->img, "Size")));
	add_str_take(rec, "History", joined_history(r->img));
	for (size_t i = 0; i < ARRAY_SIZE(copied); i++)
		copy_field(rec, r->img, copied[i]);
	return rec;
}

static bool non_empty(json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) > 0;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string_len(v) > 0;
	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* One element of podman's `images --format json`: the ImageSummary fields in Go's order, the
 * omitempty ones only when set, RepoTags always null, then Created and CreatedAt. */
static json_object *json_record(json_object *img)
{
	static const char *const always[] = { "ParentId", "RepoTags",	"RepoDigests",
					      "Size",	  "SharedSize", "VirtualSize",
					      "Labels",	  "Containers" };
	static const char *const omitempty[] = { "ReadOnly", "Dangling", "Names", "Digest",
						 "History" };
	json_object *rec = json_object_new_object();
	time_t created = cli_json_time(img, "Created");

	add_str(rec, "Id", bare_id(img));
	for (size_t i = 0; i < ARRAY_SIZE(always); i++) {
		json_object *v = str_eq(always[i], "RepoTags") ? NULL
							       : cli_json_get(img, always[i]);

		if (!v && (str_eq(always[i], "Size") || str_eq(always[i], "SharedSize") ||
			   str_eq(always[i], "VirtualSize") || str_eq(always[i], "Containers")))
			v = json_object_new_int64(0);
		else if (!v && str_eq(always[i], "ParentId"))
			v = json_object_new_string("");
		else
			v = json_object_get(v);
		json_object_object_add(rec, always[i], v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(omitempty); i++) {
		json_object *v = cli_json_get(img, omitempty[i]);

		if (non_empty(v))
			json_object_object_add(rec, omitempty[i], json_object_get(v));
	}
	json_object_object_add(rec, "Created", json_object_new_int64((int64_t)created));
	add_str_take(rec, "CreatedAt", cli_rfc3339(created));
	return rec;
}

static int print_json(const struct rowv *rv, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_buf_ buf b = BUF_INIT;

	/* podman prints a row's image once per row, so an image with two tags twice. */
	for (size_t i = 0; i < rv->n; i++)
		json_object_array_add(arr, json_record(rv->v[i].img));
	if (go_json(&b, arr, "    ") < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
	printf("%s\n", b.s);
	return 0;
}

/* -q: each image's ID once, in the order of the rows. */
static void print_ids(const struct rowv *rv, bool no_trunc)
{
	_cleanup_strv_ strv seen = STRV_INIT;

	for (size_t i = 0; i < rv->n; i++) {
		_cleanup_free_ char *id = display_id(rv->v[i].img, no_trunc);

		if (strv_contains((const char *const *)seen.v, id))
			continue;
		printf("%s\n", id);
		strv_push(&seen, id);
	}
}

static char *default_format(const struct list_opts *o, bool read_only)
{
	return xasprintf("table {{.Repository}}\t{{.Tag}}\t%s{{.ID}}\t{{.Created}}\t{{.Size}}%s%s",
			 o->digests ? "{{.Digest}}\t" : "",
			 o->history ? "\t{{if .History}}{{.History}}{{else}}<none>{{end}}" : "",
			 read_only ? "\t{{.ReadOnly}}" : "");
}

static int print_table(const struct rowv *rv, const struct list_opts *o, cpod_error **err)
{
	static const format_header headers[] = { { "ID", "image id" },
						 { "ReadOnly", "r/o" },
						 { NULL, NULL } };
	_cleanup_json_ json_object *recs = json_object_new_array();
	/* podman adds the R/O column when the last image it saw is read-only. */
	bool read_only = rv->n && json_object_get_boolean(cli_json_get(rv->v[rv->n - 1].img, "ReadO"
											     "nl"
											     "y"));
	_cleanup_free_ char *def = default_format(o, read_only);
	format_list fl = {
		.format = o->format,
		.default_format = def,
		.headers = headers,
		.noheading = o->noheading,
	};

	for (size_t i = 0; i < rv->n; i++)
		json_object_array_add(recs, row_record(&rv->v[i], o->no_trunc));
	return format_print_records(stdout, &fl, recs, err);
}

static int parse_sort(const char *s, cpod_error **err)
{
	for (int i = 0; sort_names[i]; i++)
		if (str_eq(sort_names[i], s))
			return i;
	return cpod_err(err, CPOD_ERR_INVALID, 0,
			"\"%s\" is not a valid field for sorting. Choose from: created, id, "
			"repository, size, tag",
			s);
}

int cmd_image_list(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct list_opts *o = opts;
	_cleanup_json_ json_object *imgs = NULL;
	_cleanup_strv_ strv filters = STRV_INIT;
	_cleanup_(rowv_releasep) struct rowv rv = { 0 };
	cpod_runtime *rt;
	int key;

	if (o->filters.n && argc)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot specify an image and a filter(s)");
	key = parse_sort(o->sort ? o->sort : "created", err);
	if (key < 0)
		return -1;
	strv_pushv(&filters, (const char *const *)o->filters.v);
	if (argc)
		strv_pushf(&filters, "reference=%s", argv[0]);
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	imgs = cpod_image_list(rt, o->all, (const char *const *)filters.v, err);
	if (!imgs)
		return -1;
	for (size_t i = 0; i < json_object_array_length(imgs); i++)
		add_rows(&rv, json_object_array_get_idx(imgs, i));
	for (size_t i = 0; i < rv.n; i++)
		rv.v[i].key = (enum sort_key)key;
	if (rv.n)
		qsort(rv.v, rv.n, sizeof(*rv.v), cmp_rows);
	if (o->format && format_is_json(o->format))
		return print_json(&rv, err);
	if (o->quiet) {
		print_ids(&rv, o->no_trunc);
		return 0;
	}
	return print_table(&rv, o, err);
}
