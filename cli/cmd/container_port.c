/* cpod port: the published ports of running containers, read from their inspect record
 * (NetworkSettings.Ports: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], ...}), printed as
 * podman prints its port mappings:
 *
 *   80/tcp -> 0.0.0.0:8080          all of one container
 *   0.0.0.0:8080                    one private port (PORT[/PROTO], tcp by default)
 *   0123456789ab\t80/tcp -> ...     --all: prefixed with the short ID
 *
 * A container that is not running, or publishes nothing, prints nothing. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <cpod/container.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct port_opts {
	bool all;
	bool latest;
};

const cli_option cmd_container_port_options[] = {
	{ "all", 'a', CLI_BOOL(struct port_opts, all),
	  .help = "Display port information for all containers" },
	{ "latest", 'l', CLI_BOOL(struct port_opts, latest),
	  .help = "Act on the latest container cpod is aware of\nNot supported with the "
		  "\"--remote\" flag" },
	CLI_OPT_END(struct port_opts),
};

/* The private port asked for, as "PORT/PROTO" (ParseUint's errors for a bad number). */
static int parse_port(const char *arg, char **ret, cpod_error **err)
{
	const char *slash = strchr(arg, '/');
	_cleanup_free_ char *num = slash ? xstrndup(arg, (size_t)(slash - arg)) : xstrdup(arg);
	bool digits = *num && strspn(num, "0123456789") == strlen(num);
	unsigned long v = 0;

	if (slash && strchr(slash + 1, '/'))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"port formats are port/protocol. '%s' is invalid", arg);
	if (digits) {
		errno = 0;
		v = strtoul(num, NULL, 10);
	}
	if (!digits || errno || v > 65535) {
		_cleanup_buf_ buf q = BUF_INIT;

		cli_go_quote(&q, num);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "strconv.ParseUint: parsing %s: %s", q.s,
				digits ? "value out of range" : "invalid syntax");
	}
	*ret = xasprintf("%lu/%s", v, slash ? slash + 1 : "tcp");
	return 0;
}

static const char *host_ip(json_object *binding)
{
	const char *ip = cli_json_str(binding, "HostIp");

	return *ip ? ip : "0.0.0.0";
}

/* Prints the mappings of one container; *found tells whether `want` was among them. */
static void print_ports(json_object *info, const char *prefix, const char *want, bool *found)
{
	json_object *ports = cli_json_get(cli_json_get(info, "NetworkSettings"), "Ports");

	if (!json_object_is_type(ports, json_type_object))
		return;
	json_object_object_foreach(ports, key, bindings) {
		size_t n = json_object_is_type(bindings, json_type_array)
				   ? json_object_array_length(bindings)
				   : 0;

		for (size_t i = 0; i < n; i++) {
			json_object *b = json_object_array_get_idx(bindings, i);

			if (!want) {
				printf("%s%s -> %s:%s\n", prefix, key, host_ip(b),
				       cli_json_str(b, "HostPort"));
			} else if (str_eq(key, want) && !*found) {
				printf("%s%s:%s\n", prefix, host_ip(b),
				       cli_json_str(b, "HostPort"));
				*found = true;
			}
		}
	}
}

static bool has_ports(json_object *info)
{
	json_object *ports = cli_json_get(cli_json_get(info, "NetworkSettings"), "Ports");

	if (!json_object_is_type(ports, json_type_object))
		return false;
	json_object_object_foreach(ports, key, bindings) {
		(void)key;
		if (json_object_is_type(bindings, json_type_array) &&
		    json_object_array_length(bindings) > 0)
			return true;
	}
	return false;
}

/* want: "PORT/PROTO" or NULL for all; typed: the port as given, for the error. */
static int show(cpod_runtime *rt, const char *id, bool all, const char *want, const char *typed,
		cpod_error **err)
{
	_cleanup_json_ json_object *info = cpod_container_inspect(rt, id, false, err);
	_cleanup_free_ char *prefix = NULL;
	bool found = false;

	if (!info)
		return -1;
	if (!str_eq(cli_json_str(cli_json_get(info, "State"), "Status"), "running") ||
	    !has_ports(info))
		return 0;
	prefix = all ? xasprintf("%.12s\t", cli_json_str(info, "Id")) : xstrdup("");
	print_ports(info, prefix, want, &found);
	if (want && !found) {
		_cleanup_buf_ buf q = BUF_INIT;

		cli_go_quote(&q, typed);
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "failed to find published port %s",
				q.s);
	}
	return 0;
}

int cmd_container_port(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct port_opts *o = opts;
	cli_ctr_select sel = { .all = o->all, .latest = o->latest };
	_cleanup_strv_ strv ids = STRV_INIT, shown = STRV_INIT;
	_cleanup_free_ char *want = NULL;
	const char *port = NULL;
	cpod_runtime *rt;
	int named;

	if (o->all && o->latest)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"--all and --latest cannot be used together");
	if (o->all && argc > 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no arguments are needed with --all");
	if (argc == 0 && !o->latest && !o->all)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"you must supply a running container name or id");
	if (argc > 2)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "`port` accepts at most 2 arguments");
	if (argc > 1 && !o->latest)
		port = argv[1];
	if (argc == 1 && o->latest)
		port = argv[0];
	if (port && parse_port(port, &want, err) < 0)
		return -1;
	/* The containers: all of them, the latest, or the one named. */
	named = o->all || o->latest ? 0 : 1;
	if (!(rt = cli_runtime(ctx, err)) ||
	    cli_ctr_select_targets(rt, &sel, named, argv, &ids, &shown, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n; i++)
		if (show(rt, ids.v[i], o->all, want, port, err) < 0)
			return -1;
	fflush(stdout);
	return 0;
}
