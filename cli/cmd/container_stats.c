/* cpod stats [options] [CONTAINER...]: resource use of containers, as podman's table
 *
 *   ID  NAME  CPU %  MEM USAGE / LIMIT  MEM %  NET IO  BLOCK IO  PIDS  CPU TIME  AVG CPU %
 *
 * or podman's stats JSON, or a Go template over the fields of podman's ContainerStats (plus its
 * CPUPerc, AVGCPU, MemUsage, MemPerc, NetIO, BlockIO, PIDS, UpTime strings).  Without
 * --no-stream the figures are printed again every --interval seconds until interrupted, the
 * screen cleared first when stdout is a terminal (unless --no-reset).  CPU % is the share of
 * one CPU used since the previous report (since the start for the first); AVG CPU % since the
 * start; CPU TIME the CPU time used.
 *
 * Which containers: the ones named, the latest, every container (--all), or else the running
 * ones.  A named or --all container that is not running shows zeros, as in podman 4.3. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "format/output.h"
#include "common/banned.h"

struct stats_opts {
	bool all;
	bool latest;
	bool no_reset;
	bool no_stream;
	bool no_trunc;
	const char *format;
	long long interval;
};

const cli_option cmd_container_stats_options[] = {
	{ "all", 'a', CLI_BOOL(struct stats_opts, all),
	  .help = "Show all containers. Only running containers are shown by default. The "
		  "default is false" },
	{ "format", 0, CLI_STRING(struct stats_opts, format),
	  .help = "Pretty-print container statistics to JSON or using a Go template" },
	{ "interval", 'i', CLI_INT(struct stats_opts, interval), .def = "5",
	  .help = "Time in seconds between stats reports" },
	{ "latest", 'l', CLI_BOOL(struct stats_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	{ "no-reset", 0, CLI_BOOL(struct stats_opts, no_reset),
	  .help = "Disable resetting the screen between intervals" },
	{ "no-stream", 0, CLI_BOOL(struct stats_opts, no_stream),
	  .help = "Disable streaming stats and only pull the first result, default setting is "
		  "false" },
	{ "no-trunc", 0, CLI_BOOL(struct stats_opts, no_trunc), .help = "Do not truncate output" },
	CLI_OPT_END(struct stats_opts),
};

static const format_header stats_headers[] = {
	{ "ID", "ID" },
	{ "UpTime", "CPU TIME" },
	{ "CPUPerc", "CPU %" },
	{ "AVGCPU", "Avg CPU %" },
	{ "MemUsage", "MEM USAGE / LIMIT" },
	{ "MemUsageBytes", "MEM USAGE / LIMIT" },
	{ "MemPerc", "MEM %" },
	{ "NetIO", "NET IO" },
	{ "BlockIO", "BLOCK IO" },
	{ "PIDS", "PIDS" },
	{ NULL, NULL },
};

#define DEFAULT_FORMAT                                                                      \
	"table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t" \
	"{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}"

/* One container's figures, as podman's define.ContainerStats has them. */
typedef struct {
	const char *id, *name;
	double cpu, avg_cpu, mem_perc;
	int64_t cpu_nano, cpu_system_nano, system_nano;
	int64_t mem_usage, mem_limit, net_in, net_out, block_in, block_out, pids;
} stat_vals;

/* Go's time.Duration.String(): "0s", "870ns", "1.5µs", "4.933ms", "4m39.028579s", "1h0m0s". */
static void fmt_frac(char *b, int *w, uint64_t *v, int prec)
{
	bool print = false;

	for (int i = 0; i < prec; i++) {
		int digit = (int)(*v % 10);

		print = print || digit != 0;
		if (print)
			b[--*w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		b[--*w] = '.';
}

static void fmt_int(char *b, int *w, uint64_t v)
{
	if (v == 0)
		b[--*w] = '0';
	for (; v > 0; v /= 10)
		b[--*w] = (char)('0' + v % 10);
}

static char *go_duration(int64_t d)
{
	char b[40];
	int w = sizeof(b);
	uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;

	b[--w] = 's';
	if (u == 0)
		return xstrdup("0s");
	if (u < 1000000000) {
		int prec = u < 1000 ? 0 : u < 1000000 ? 3 : 6;

		if (prec == 0) {
			b[--w] = 'n';
		} else if (prec == 3) {
			w -= 2;
			memcpy(b + w, "\xc2\xb5", 2); /* µ */
		} else {
			b[--w] = 'm';
		}
		fmt_frac(b, &w, &u, prec);
		fmt_int(b, &w, u);
	} else {
		fmt_frac(b, &w, &u, 9);
		fmt_int(b, &w, u % 60);
		u /= 60;
		if (u > 0) {
			b[--w] = 'm';
			fmt_int(b, &w, u % 60);
			u /= 60;
			if (u > 0) {
				b[--w] = 'h';
				fmt_int(b, &w, u);
			}
		}
	}
	if (d < 0)
		b[--w] = '-';
	return xstrndup(b + w, sizeof(b) - (size_t)w);
}

static char *percent(double f)
{
	return xasprintf("%.2f%%", f);
}

/* "a / b" with go-units HumanSize (or BytesSize) on both. */
static char *pair(int64_t a, int64_t b, bool binary)
{
	_cleanup_free_ char *x = binary ? units_bytes_size(a) : units_human_size(a);
	_cleanup_free_ char *y = binary ? units_bytes_size(b) : units_human_size(b);

	return xasprintf("%s / %s", x, y);
}

static void add_str(json_object *o, const char *key, char *take)
{
	json_object_object_add(o, key, json_object_new_string(take));
	free(take);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* The record templates and the table see: podman's fields and its method values. */
static json_object *view(const stat_vals *v, bool no_trunc)
{
	json_object *o = json_object_new_object();

	add_str(o, "ID", no_trunc ? xstrdup(v->id) : xstrndup(v->id, 12));
	add_str(o, "ContainerID", xstrdup(v->id));
	add_str(o, "Name", xstrdup(v->name));
	add_str(o, "CPUPerc", percent(v->cpu));
	add_str(o, "AVGCPU", percent(v->avg_cpu));
	json_object_object_add(o, "AvgCPU", json_object_new_double(v->avg_cpu));
	json_object_object_add(o, "CPU", json_object_new_double(v->cpu));
	add_int(o, "CPUNano", v->cpu_nano);
	add_int(o, "CPUSystemNano", v->cpu_system_nano);
	add_int(o, "SystemNano", v->system_nano);
	add_str(o, "MemUsage", pair(v->mem_usage, v->mem_limit, false));
	add_str(o, "MemUsageBytes", pair(v->mem_usage, v->mem_limit, true));
	add_int(o, "MemLimit", v->mem_limit);
	add_str(o, "MemPerc", percent(v->mem_perc));
	add_str(o, "NetIO", pair(v->net_in, v->net_out, false));
	add_int(o, "NetInput", v->net_in);
	add_int(o, "NetOutput", v->net_out);
	add_str(o, "BlockIO", pair(v->block_in, v->block_out, false));
	add_int(o, "BlockInput", v->block_in);
	add_int(o, "BlockOutput", v->block_out);
	add_str(o, "PIDS", xasprintf("%lld", (long long)v->pids));
	add_int(o, "PIDs", v->pids);
	add_str(o, "UpTime", go_duration(v->cpu_nano));
	add_str(o, "Up", go_duration(v->cpu_nano));
	add_int(o, "Duration", v->cpu_nano);
	json_object_object_add(o, "PerCPU", NULL);
	return o;
}

static double num(json_object *o, const char *key)
{
	return json_object_get_double(cli_json_get(o, key));
}

/* CPU % since the previous report of the same container (prev: id -> [CPUNano, SystemNano]);
 * the library's figure, since the start, for the first one or after a restart. */
static void read_vals(json_object *s, json_object *prev, stat_vals *v)
{
	json_object *p = cli_json_get(prev, v->id);

	v->avg_cpu = num(s, "CPU");
	v->cpu = v->avg_cpu;
	v->mem_perc = num(s, "MemPerc");
	v->cpu_nano = cli_json_int(s, "CPUNano");
	v->cpu_system_nano = cli_json_int(s, "CPUSystemNano");
	v->system_nano = cli_json_int(s, "SystemNano");
	v->mem_usage = cli_json_int(s, "MemUsage");
	v->mem_limit = cli_json_int(s, "MemLimit");
	v->net_in = cli_json_int(s, "NetInput");
	v->net_out = cli_json_int(s, "NetOutput");
	v->block_in = cli_json_int(s, "BlockInput");
	v->block_out = cli_json_int(s, "BlockOutput");
	v->pids = cli_json_int(s, "PIDs");
	if (json_object_is_type(p, json_type_array)) {
		int64_t pc = json_object_get_int64(json_object_array_get_idx(p, 0));
		int64_t ps = json_object_get_int64(json_object_array_get_idx(p, 1));

		if (v->cpu_nano >= pc && v->system_nano > ps)
			v->cpu = (double)(v->cpu_nano - pc) / (double)(v->system_nano - ps) * 100.0;
	}
	p = json_object_new_array();
	json_object_array_add(p, json_object_new_int64(v->cpu_nano));
	json_object_array_add(p, json_object_new_int64(v->system_nano));
	json_object_object_add(prev, v->id, p);
}

/* Adds the row of one container.  A container that is not running shows zeros when
 * zero_if_stopped (it was named, or --all), else it is left out (the listing raced with its
 * stop or removal). */
static int add_one(cpod_runtime *rt, const char *nameorid, bool zero_if_stopped, json_object *prev,
		   bool no_trunc, json_object *rows, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_json_ json_object *s = cpod_container_stats(rt, nameorid, &e);
	_cleanup_json_ json_object *info = NULL;
	stat_vals v = { 0 };

	if (s) {
		v.id = cli_json_str(s, "ContainerID");
		v.name = cli_json_str(s, "Name");
		read_vals(s, prev, &v);
		json_object_array_add(rows, view(&v, no_trunc));
		return 0;
	}
	if (cpod_error_kind(e) == CPOD_ERR_STATE && zero_if_stopped) {
		if (!(info = cpod_container_inspect(rt, nameorid, false, err)))
			return -1;
		v.id = cli_json_str(info, "Id");
		v.name = cli_json_str(info, "Name");
		json_object_array_add(rows, view(&v, no_trunc));
		return 0;
	}
	if (!zero_if_stopped &&
	    (cpod_error_kind(e) == CPOD_ERR_STATE || cpod_error_kind(e) == CPOD_ERR_NOT_FOUND))
		return 0;
	if (err && !*err)
		*err = TAKE_PTR(e);
	return -1;
}

/* The containers of one report: names (or the latest) as given, else listed each time. */
static int collect(cli_ctx *ctx, const struct stats_opts *o, const strv *names, json_object *prev,
		   json_object *rows, cpod_error **err)
{
	cpod_runtime *rt = cli_runtime(ctx, err);
	cpod_ps_opts po = { .struct_size = sizeof(po), .all = o->all };
	_cleanup_json_ json_object *list = NULL;

	if (!rt)
		return -1;
	if (names->n > 0) {
		for (size_t i = 0; i < names->n; i++)
			if (add_one(rt, names->v[i], true, prev, o->no_trunc, rows, err) < 0)
				return -1;
		return 0;
	}
	if (!(list = cpod_container_list(rt, &po, err)))
		return -1;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *id = cli_json_str(json_object_array_get_idx(list, i), "Id");

		if (add_one(rt, id, o->all, prev, o->no_trunc, rows, err) < 0)
			return -1;
	}
	return 0;
}

/* podman's stats JSON: its own field names, indented by one space (json.MarshalIndent). */
static void print_json(json_object *rows)
{
	_cleanup_json_ json_object *out = json_object_new_array();
	static const char *const keys[][2] = {
		{ "id", "ID" },
		{ "name", "Name" },
		{ "cpu_time", "UpTime" },
		{ "cpu_percent", "CPUPerc" },
		{ "avg_cpu", "AVGCPU" },
		{ "mem_usage", "MemUsage" },
		{ "mem_percent", "MemPerc" },
		{ "net_io", "NetIO" },
		{ "block_io", "BlockIO" },
		{ "pids", "PIDS" },
	};
	const char *s;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i), *j = json_object_new_object();

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			json_object_object_add(j, keys[k][0],
					       json_object_new_string(cli_json_str(r, keys[k][1])));
		json_object_array_add(out, j);
	}
	if (json_object_array_length(out) == 0) {
		puts("[]");
		return;
	}
	/* json-c escapes every control character inside strings, so each raw tab is one level
	 * of indentation. */
	s = json_object_to_json_string_ext(
		out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
			     JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	for (; *s; s++)
		putchar(*s == '\t' ? ' ' : *s);
	putchar('\n');
}

static int report(cli_ctx *ctx, const struct stats_opts *o, json_object *rows, cpod_error **err)
{
	format_list fl = {
		.format = cli_opt_changed(ctx->cmd_set, "format") ? o->format : NULL,
		.default_format = DEFAULT_FORMAT,
		.headers = stats_headers,
	};

	if (!o->no_reset && isatty(STDOUT_FILENO))
		fputs("\033[2J\033[1;1H", stdout);
	if (o->format && format_is_json(o->format)) {
		print_json(rows);
		return fflush(stdout) == 0 ? 0 : cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing");
	}
	if (format_print_records(stdout, &fl, rows, err) < 0)
		return -1;
	return fflush(stdout) == 0 ? 0 : cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing");
}

static int latest_ids(cli_ctx *ctx, strv *ids, cpod_error **err)
{
	cli_ctr_select sel = { .latest = true };
	_cleanup_strv_ strv shown = STRV_INIT;
	cpod_runtime *rt = cli_runtime(ctx, err);

	return rt ? cli_ctr_select_targets(rt, &sel, 0, NULL, ids, &shown, err) : -1;
}

int cmd_container_stats(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct stats_opts *o = opts;
	_cleanup_json_ json_object *prev = json_object_new_object();
	_cleanup_strv_ strv names = STRV_INIT;

	if ((o->all ? 1 : 0) + (o->latest ? 1 : 0) + (argc > 0 ? 1 : 0) > 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--all, --latest and containers cannot be used together");
	if (o->interval < 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid interval, must be a positive number greater zero");
	if (o->latest && latest_ids(ctx, &names, err) < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		strv_push(&names, argv[i]);
	for (;;) {
		_cleanup_json_ json_object *rows = json_object_new_array();

		if (collect(ctx, o, &names, prev, rows, err) < 0 || report(ctx, o, rows, err) < 0)
			return -1;
		if (o->no_stream)
			return 0;
		sleep((unsigned)(o->interval > 86400 ? 86400 : o->interval));
	}
}
