/* cpod ps / cpod container ps: podman 4.3's listing.  The default table is CONTAINER ID,
 * IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES, with podman's wording ("Up 5 seconds ago",
 * "Exited (0) 3 seconds ago", "Created"; COMMAND cut to 17 characters and "...").  Templates
 * see podman's psReporter fields; --format json prints the library's records with CreatedAt
 * and Status as podman fills them in. */
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "format/goprint.h"
#include "format/output.h"
#include "common/banned.h"

struct ps_opts {
	bool all, external, latest, no_trunc, noheading, ns, pod, quiet, size, sync;
	const char *format, *sort;
	long long last;
	unsigned long long watch;
	strv filters;
};

const cli_option cmd_container_ps_options[] = {
	{ "all", 'a', CLI_BOOL(struct ps_opts, all),
	  .help = "Show all the containers, default is only running containers" },
	{ "external", 0, CLI_BOOL(struct ps_opts, external),
	  .help = "Show containers in storage not controlled by cpod" },
	{ "filter", 'f', CLI_STRV_CSV(struct ps_opts, filters),
	  .help = "Filter output based on conditions given" },
	{ "format", 0, CLI_STRING(struct ps_opts, format),
	  .help = "Pretty-print containers to JSON or using a Go template" },
	{ "last", 'n', CLI_INT(struct ps_opts, last), .def = "-1", .argname = "int",
	  .help = "Print the n last created containers (all states)" },
	{ "latest", 'l', CLI_BOOL(struct ps_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "namespace", 0, CLI_BOOL(struct ps_opts, ns), .flags = CLI_OPT_HIDDEN },
	{ "no-trunc", 0, CLI_BOOL(struct ps_opts, no_trunc),
	  .help = "Display the extended information" },
	{ "noheading", 0, CLI_BOOL(struct ps_opts, noheading), .help = "Do not print headers" },
	{ "notruncate", 0, CLI_BOOL(struct ps_opts, no_trunc), .flags = CLI_OPT_HIDDEN },
	{ "ns", 0, CLI_BOOL(struct ps_opts, ns), .help = "Display namespace information" },
	{ "pod", 'p', CLI_BOOL(struct ps_opts, pod),
	  .help = "Print the ID and name of the pod the containers are associated with" },
	{ "quiet", 'q', CLI_BOOL(struct ps_opts, quiet),
	  .help = "Print the numeric IDs of the containers only" },
	{ "size", 's', CLI_BOOL(struct ps_opts, size), .help = "Display the total file sizes" },
	{ "sort", 0, CLI_STRING(struct ps_opts, sort), .argname = "choice",
	  .help = "Sort output by: command, created, id, image, names, runningfor, size, status" },
	{ "storage", 0, CLI_BOOL(struct ps_opts, external), .flags = CLI_OPT_HIDDEN },
	{ "sync", 0, CLI_BOOL(struct ps_opts, sync),
	  .help = "Sync container state with OCI runtime" },
	{ "watch", 'w', CLI_UINT(struct ps_opts, watch),
	  .help = "Watch the ps output on an interval in seconds" },
	CLI_OPT_END(struct ps_opts),
};

static const char *const sort_keys[] = { "command",    "created", "id",	    "image", "names",
					 "runningfor", "size",	  "status", NULL };

static int check_ps(cli_ctx *ctx, const struct ps_opts *o, cpod_error **err)
{
	if (o->sort && !strv_contains(sort_keys, o->sort))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid argument \"%s\" for \"--sort\" flag: \"%s\" is not a "
				"valid "
				"value.  Choose from: \"command, created, id, image, names, "
				"runningfor, size, status\"",
				o->sort, o->sort);
	if (o->last >= 0 && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "last and latest are mutually exclusive");
	if (o->quiet && (o->size || o->ns))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"quiet conflicts with size and namespace");
	if (o->size && o->ns)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "size and namespace options conflict");
	if (o->watch > 0 && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"the watch and latest flags cannot be used together");
	if (o->ns)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "option --ns is not supported yet");
	for (size_t i = 0; i < o->filters.n; i++)
		if (!strchr(o->filters.v[i], '='))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid filter \"%s\"",
					o->filters.v[i]);
	return 0;
}

/* ---- podman's psReporter ---- */

static char *joined(json_object *arr, const char *sep)
{
	_cleanup_buf_ buf b = BUF_INIT;
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));

		buf_addf(&b, "%s%s", i ? sep : "", s ? s : "");
	}
	return buf_detach(&b, NULL);
}

static const char *first_name(json_object *c)
{
	json_object *n = cli_json_get(c, "Names");

	if (!json_object_is_type(n, json_type_array) || !json_object_array_length(n))
		return "";
	return json_object_get_string(json_object_array_get_idx(n, 0));
}

/* State(): "Up 5 seconds ago", "Exited (0) 3 seconds ago", else the state capitalised. */
static char *human_state(json_object *c, time_t now)
{
	const char *state = cli_json_str(c, "State");
	_cleanup_free_ char *s = NULL;

	if (str_eq(state, "running")) {
		s = units_up_since(cli_json_time(c, "StartedAt"), now);
		return xasprintf("%s ago", s);
	}
	if (str_eq(state, "exited") || str_eq(state, "stopped")) {
		s = units_time_ago(cli_json_time(c, "ExitedAt"), now);
		return xasprintf("Exited (%d) %s", (int)cli_json_int(c, "ExitCode"), s);
	}
	s = xstrdup(state);
	for (char *p = s; *p; p++)
		if (p == s || !isalpha((unsigned char)p[-1]))
			*p = (char)toupper((unsigned char)*p);
	return TAKE_PTR(s);
}

static char *short_command(json_object *c, bool no_trunc)
{
	char *cmd = joined(cli_json_get(c, "Command"), " ");

	if (!no_trunc && strlen(cmd) > 17) {
		char *cut = xasprintf("%.17s...", cmd);

		free(cmd);
		return cut;
	}
	return cmd;
}

/* portsToString: "0.0.0.0:8080->80/tcp, ..." with ranges grouped. */
static char *ports_string(json_object *ports)
{
	_cleanup_buf_ buf b = BUF_INIT;
	size_t n = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports)
							       : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(ports, i);
		const char *ip = *cli_json_str(p, "host_ip") ? cli_json_str(p, "host_ip")
							     : "0.0.0.0";
		int64_t hp = cli_json_int(p, "host_port"), cp = cli_json_int(p, "container_port");
		int64_t range = cli_json_int(p, "range");
		_cleanup_strv_free_ char **protos = strv_split(cli_json_str(p, "protocol"), ",", 0);

		for (char **proto = protos; *proto; proto++) {
			if (range > 1)
				buf_addf(&b, "%s:%lld-%lld->%lld-%lld/%s, ", ip, (long long)hp,
					 (long long)(hp + range - 1), (long long)cp,
					 (long long)(cp + range - 1), *proto);
			else
				buf_addf(&b, "%s:%lld->%lld/%s, ", ip, (long long)hp, (long long)cp,
					 *proto);
		}
	}
	if (b.len >= 2)
		buf_truncate(&b, b.len - 2);
	return buf_detach(&b, NULL);
}

static char *size_string(json_object *c)
{
	json_object *size = cli_json_get(c, "Size");
	_cleanup_free_ char *rw = NULL, *virt = NULL;

	if (!json_object_is_type(size, json_type_object))
		return xstrdup("");
	rw = units_human_size_prec(cli_json_int(size, "rwSize"), 3);
	virt = units_human_size_prec(cli_json_int(size, "rootFsSize"), 3);
	return xasprintf("%s (virtual %s)", rw, virt);
}

static char *trunc_id(const char *id, bool no_trunc)
{
	return xstrndup(id, no_trunc ? strlen(id) : 12);
}

static void put_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

static void put_take(json_object *o, const char *key, char *value)
{
	put_str(o, key, value);
	free(value);
}

static void put_copy(json_object *o, const char *key, json_object *from, const char *fkey)
{
	json_object_object_add(o, key, json_object_get(cli_json_get(from, fkey)));
}

/* The namespace fields psReporter exposes at the top (Cgroup, IPC, ...). */
static void put_namespaces(json_object *rec, json_object *c)
{
	static const char *const ns[][2] = { { "Cgroup", "Cgroup" }, { "IPC", "Ipc" },
					     { "MNT", "Mnt" },	     { "NET", "Net" },
					     { "PIDNS", "Pidns" },   { "User", "User" },
					     { "UTS", "Uts" } };
	json_object *n = cli_json_get(c, "Namespaces");

	put_copy(rec, "Namespaces", c, "Namespaces");
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
		put_str(rec, ns[i][0], cli_json_str(n, ns[i][1]));
}

static json_object *ps_record(json_object *c, bool no_trunc, time_t now)
{
	static const char *const copied[] = { "AutoRemove", "Exited",  "ExitedAt", "ExitCode",
					      "Image",	    "IsInfra", "Labels",   "Mounts",
					      "Pid",	    "PodName", "StartedAt" };
	json_object *rec = json_object_new_object();
	time_t created = cli_json_time(c, "Created");
	char *state = human_state(c, now);

	put_take(rec, "ID", trunc_id(cli_json_str(c, "Id"), no_trunc));
	put_take(rec, "Command", short_command(c, no_trunc));
	put_take(rec, "Created", cli_time_string(created));
	put_take(rec, "CreatedAt", cli_time_string(created));
	put_take(rec, "CreatedHuman", units_time_ago(created, now));
	put_take(rec, "RunningFor", units_time_ago(created, now));
	put_take(rec, "ImageID", trunc_id(cli_json_str(c, "ImageID"), no_trunc));
	put_str(rec, "Names", first_name(c));
	put_take(rec, "Networks", joined(cli_json_get(c, "Networks"), ","));
	put_take(rec, "Pod", trunc_id(cli_json_str(c, "Pod"), no_trunc));
	put_take(rec, "Ports", ports_string(cli_json_get(c, "Ports")));
	put_take(rec, "Size", size_string(c));
	put_str(rec, "State", state);
	put_take(rec, "Status", state);
	for (size_t i = 0; i < ARRAY_SIZE(copied); i++)
		put_copy(rec, copied[i], c, copied[i]);
	/* Go prints a nil map or slice as map[] and []; JSON null would print <no value>. */
	if (!json_object_is_type(cli_json_get(c, "Labels"), json_type_object))
		json_object_object_add(rec, "Labels", json_object_new_object());
	if (!json_object_is_type(cli_json_get(c, "Mounts"), json_type_array))
		json_object_object_add(rec, "Mounts", json_object_new_array());
	put_namespaces(rec, c);
	return rec;
}

/* ---- sorting ---- */

struct ps_row {
	json_object *c;
	size_t index;
	const char *key;
};

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_text(json_object *a, json_object *b, const char *field)
{
	_cleanup_free_ char *x = joined(cli_json_get(a, field), " ");
	_cleanup_free_ char *y = joined(cli_json_get(b, field), " ");

	return strcmp(x, y);
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct ps_row *ra = pa, *rb = pb;
	json_object *a = ra->c, *b = rb->c;
	const char *k = ra->key;
	int c = 0;

	if (str_eq(k, "command"))
		c = cmp_text(a, b, "Command");
	else if (str_eq(k, "created"))
		c = cmp_i64(cli_json_time(a, "Created"), cli_json_time(b, "Created"));
	else if (str_eq(k, "id"))
		c = strcmp(cli_json_str(a, "Id"), cli_json_str(b, "Id"));
	else if (str_eq(k, "image"))
		c = strcmp(cli_json_str(a, "Image"), cli_json_str(b, "Image"));
	else if (str_eq(k, "names"))
		c = strcmp(first_name(a), first_name(b));
	else if (str_eq(k, "runningfor"))
		c = cmp_i64(cli_json_time(a, "StartedAt"), cli_json_time(b, "StartedAt"));
	else if (str_eq(k, "status"))
		c = strcmp(cli_json_str(a, "State"), cli_json_str(b, "State"));
	else if (str_eq(k, "size") && cli_json_get(a, "Size") && cli_json_get(b, "Size"))
		c = cmp_i64(cli_json_int(cli_json_get(a, "Size"), "rootFsSize"),
			    cli_json_int(cli_json_get(b, "Size"), "rootFsSize"));
	return c ? c : cmp_i64((int64_t)ra->index, (int64_t)rb->index);
}

/* The library's records, sorted by --sort (stable: equal keys keep the library's order). */
static json_object *sorted(json_object *list, const char *key)
{
	size_t n = json_object_array_length(list);
	_cleanup_free_ struct ps_row *rows = xcalloc(n ? n : 1, sizeof(*rows));
	json_object *out = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		rows[i] = (struct ps_row){ json_object_array_get_idx(list, i), i, key };
	if (key && n)
		qsort(rows, n, sizeof(*rows), cmp_rows);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(out, json_object_get(rows[i].c));
	return out;
}

/* ---- output ---- */

static int print_json(json_object *list, time_t now, cpod_error **err)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_buf_ buf b = BUF_INIT;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i);
		json_object *rec = json_object_new_object();

		json_object_object_foreach(c, k, v)
			json_object_object_add(rec, k, json_object_get(v));
		put_take(rec, "CreatedAt", units_time_ago(cli_json_time(c, "Created"), now));
		put_take(rec, "Status", human_state(c, now));
		json_object_array_add(arr, rec);
	}
	if (go_json(&b, arr, "  ") < 0)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "printing json");
	printf("%s\n", b.s);
	return 0;
}

static char *default_format(const struct ps_opts *o)
{
	return xasprintf("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}"
			 "\t{{.Ports}}\t{{.Names}}%s%s",
			 o->pod ? "\t{{.Pod}}\t{{.PodName}}" : "", o->size ? "\t{{.Size}}" : "");
}

/* podman's ps lets templates say .Namespaces.X for .X. */
static char *user_format(const char *format)
{
	_cleanup_buf_ buf b = BUF_INIT;

	for (const char *p = format; *p;) {
		if (str_has_prefix(p, ".Namespaces.")) {
			buf_addch(&b, '.');
			p += strlen(".Namespaces.");
		} else {
			buf_addch(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

static int print_table(json_object *list, const struct ps_opts *o, time_t now, cpod_error **err)
{
	static const format_header headers[] = {
		{ "Cgroup", "cgroupns" },
		{ "CreatedHuman", "created" },
		{ "ID", "container id" },
		{ "IPC", "ipc" },
		{ "MNT", "mnt" },
		{ "NET", "net" },
		{ "Networks", "networks" },
		{ "PIDNS", "pidns" },
		{ "Pod", "pod id" },
		{ "PodName", "podname" },
		{ "RunningFor", "running for" },
		{ "UTS", "uts" },
		{ "User", "userns" },
		{ NULL, NULL },
	};
	_cleanup_json_ json_object *recs = json_object_new_array();
	_cleanup_free_ char *def = default_format(o);
	_cleanup_free_ char *fmt = o->format && *o->format ? user_format(o->format) : NULL;
	format_list fl = {
		.format = fmt, .default_format = def, .headers = headers, .noheading = o->noheading
	};

	for (size_t i = 0; i < json_object_array_length(list); i++)
		json_object_array_add(recs, ps_record(json_object_array_get_idx(list, i),
						      o->no_trunc, now));
	return format_print_records(stdout, &fl, recs, err);
}

static json_object *list_containers(cpod_runtime *rt, const struct ps_opts *o, cpod_error **err)
{
	cpod_ps_opts po = {
		.struct_size = sizeof(po),
		.all = o->all,
		.size = o->size,
		.last = o->latest     ? 1
			: o->last > 0 ? (o->last > INT32_MAX ? INT32_MAX : (int)o->last)
				      : 0,
		.filters = o->filters.n ? (const char *const *)o->filters.v : NULL,
	};
	_cleanup_json_ json_object *list = cpod_container_list(rt, &po, err);

	return list ? sorted(list, o->sort) : NULL;
}

static int print_once(cli_ctx *ctx, cpod_runtime *rt, const struct ps_opts *o, cpod_error **err)
{
	_cleanup_json_ json_object *list = list_containers(rt, o, err);
	time_t now = time(NULL);

	if (!list)
		return -1;
	if (o->format && format_is_json(o->format))
		return print_json(list, now, err);
	if (o->quiet && !cli_opt_changed(ctx->cmd_set, "format")) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			_cleanup_free_ char *id =
				trunc_id(cli_json_str(json_object_array_get_idx(list, i), "Id"),
					 o->no_trunc);

			printf("%s\n", id);
		}
		return 0;
	}
	return print_table(list, o, now, err);
}

int cmd_container_ps(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct ps_opts *o = opts;
	cpod_runtime *rt;

	if (check_ps(ctx, o, err) < 0)
		return -1;
	rt = cli_runtime(ctx, err);
	if (!rt)
		return -1;
	if (!o->watch)
		return print_once(ctx, rt, o, err);
	for (;;) {
		/* goterm's Clear and MoveCursor(1, 1), as podman's --watch. */
		printf("\033[2J\033[1;1H");
		if (print_once(ctx, rt, o, err) < 0)
			return -1;
		fflush(stdout);
		sleep(o->watch > 3600 ? 3600 : (unsigned)o->watch);
	}
}
