/* The one table of cpod commands, the nouns that group them, and the global options.
 *
 * A command exists when it has a row here and nowhere else: --help, `cpod help --list`, the
 * dispatcher and the system tests all read this table.  Commands podman has and cpod does
 * not implement yet are not listed, so they answer "unrecognized command" instead of
 * pretending.  When adding one, follow podman: the noun and verb of `podman NOUN VERB`, the
 * verb's aliases, and `.toplevel` for podman's short form (`ps`, `rmi`, `images`, `run`).
 */
#include "commands.h"

#include <string.h>

#include "common/xalloc.h"
#include "common/banned.h"

const cli_option cli_persistent_options[] = {
	{ "cgroup-manager", 0, CLI_STRING(cli_global_opts, cgroup_manager),
	  .help = "Cgroup manager to use (\"cgroupfs\"|\"systemd\")" },
	{ "cni-config-dir", 0, CLI_STRING(cli_global_opts, network_config_dir),
	  .flags = CLI_OPT_HIDDEN, .help = "Old name of --network-config-dir" },
	{ "conmon", 0, CLI_STRING(cli_global_opts, conmon), .help = "Path of the conmon binary" },
	{ "events-backend", 0, CLI_STRING(cli_global_opts, events_backend),
	  .help = "Events backend to use (\"file\"|\"journald\"|\"none\")" },
	{ "help", 0, CLI_BOOL(cli_global_opts, help), .help = "Help for cpod" },
	{ "hooks-dir", 0, CLI_STRV_CSV(cli_global_opts, hooks_dirs),
	  .help = "Set the OCI hooks directory path (may be set multiple times)" },
	{ "log-level", 0, CLI_STRING(cli_global_opts, log_level), .def = "warn",
	  .help = "Log messages above specified level (trace, debug, info, warn, warning, error, "
		  "fatal, panic)" },
	{ "module", 0, CLI_STRV(cli_global_opts, modules),
	  .help = "Load the containers.conf(5) module (may be set multiple times)" },
	{ "network-config-dir", 0, CLI_STRING(cli_global_opts, network_config_dir),
	  .help = "Path of the configuration directory for networks" },
	{ "root", 0, CLI_STRING(cli_global_opts, root),
	  .help = "Path to the root directory in which data, including images, is stored" },
	{ "runroot", 0, CLI_STRING(cli_global_opts, runroot),
	  .help = "Path to the 'run directory' where all state information is stored" },
	{ "runtime", 0, CLI_STRING(cli_global_opts, runtime),
	  .help = "Path to the OCI-compatible binary used to run containers" },
	{ "runtime-flag", 0, CLI_STRV(cli_global_opts, runtime_flags),
	  .help = "Add global flags for the container runtime" },
	{ "storage-driver", 0, CLI_STRING(cli_global_opts, storage_driver),
	  .help = "Select which storage driver is used to manage storage of images and "
		  "containers" },
	{ "storage-opt", 0, CLI_STRV(cli_global_opts, storage_opts),
	  .help = "Used to pass an option to the storage driver" },
	{ "tmpdir", 0, CLI_STRING(cli_global_opts, tmpdir),
	  .help = "Path to the tmp directory for libpod state content.\n\nNote: use the "
		  "environment variable 'TMPDIR' to change the temporary storage location for "
		  "container images, '/var/tmp'.\n" },
	{ "volumepath", 0, CLI_STRING(cli_global_opts, volumepath),
	  .help = "Path to the volume directory in which volume data is stored" },
	CLI_OPT_END(cli_global_opts),
};

const cli_option cli_root_options[] = {
	{ "config", 0, CLI_STRING(cli_global_opts, config), .flags = CLI_OPT_HIDDEN,
	  .help = "Ignored for Docker compatibility" },
	{ "connection", 'c', CLI_STRING(cli_global_opts, connection),
	  .help = "Connection to use for remote cpod service" },
	{ "context", 0, CLI_STRING(cli_global_opts, context), .def = "default",
	  .flags = CLI_OPT_HIDDEN, .help = "Name of the context to use (Docker compatibility)" },
	{ "debug", 'D', CLI_BOOL(cli_global_opts, debug), .flags = CLI_OPT_HIDDEN,
	  .help = "Docker compatibility, force setting of log-level" },
	{ "host", 'H', CLI_STRING(cli_global_opts, host), .flags = CLI_OPT_HIDDEN,
	  .help = "Used for Docker compatibility" },
	{ "identity", 0, CLI_STRING(cli_global_opts, identity),
	  .help = "path to SSH identity file, (CONTAINER_SSHKEY)" },
	{ "noout", 0, CLI_BOOL(cli_global_opts, noout), .help = "do not output to stdout" },
	{ "remote", 'r', CLI_BOOL(cli_global_opts, remote), .help = "Access remote cpod service" },
	{ "url", 0, CLI_STRING(cli_global_opts, url),
	  .help = "URL to access cpod service (CONTAINER_HOST)" },
	{ "version", 'v', CLI_BOOL(cli_global_opts, version), .help = "version for cpod" },
	CLI_OPT_END(cli_global_opts),
};

/* podman's nouns; one is shown only while cli_commands has a row for it.  A name with a
 * space is a noun inside a noun (`system connection`). */
const cli_noun cli_nouns[] = {
	{ "container", "Manage containers" },
	{ "generate", "Generate structured data based on containers, pods or volumes" },
	{ "healthcheck", "Manage health checks on containers" },
	{ "image", "Manage images" },
	{ "image trust", "Manage container image trust policy" },
	{ "kube", "Play containers, pods or volumes from a structured file" },
	{ "manifest", "Manipulate manifest lists and image indexes" },
	{ "network", "Manage networks" },
	{ "pod", "Manage pods" },
	{ "secret", "Manage secrets" },
	{ "system", "Manage cpod" },
	{ "system connection", "Manage remote API service destinations" },
	{ "volume", "Manage volumes" },
	{ NULL, NULL },
};

const cli_command cli_commands[] = {
	{
		.verb = "help",
		.run = cmd_help,
		.options = cmd_help_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Help about any command",
		.long_help = "Help provides help for any command in the application.\n"
			     "Simply type cpod help [path to command] for full details.",
		.usage = "[command]",
	},
	{
		.noun = "system",
		.verb = "info",
		.toplevel = "info",
		.run = cmd_system_info,
		.options = cmd_system_info_options,
		.short_help = "Display cpod system information",
		.long_help = "Display information about the host, the store and the build of "
			     "cpod.\n\nUseful for the user and when reporting issues.",
		.usage = "[options]",
		.example = "cpod info\ncpod info --format json",
	},
	{
		.verb = "version",
		.run = cmd_version,
		.options = cmd_version_options,
		.short_help = "Display the cpod version information",
		.usage = "[options]",
	},
	{ .verb = NULL },
};

static bool noun_has_commands(const char *name)
{
	size_t len = strlen(name);

	for (const cli_command *c = cli_commands; c->verb; c++)
		if (c->noun && str_has_prefix(c->noun, name) &&
		    (c->noun[len] == '\0' || c->noun[len] == ' '))
			return true;
	return false;
}

const cli_noun *cli_find_noun(const char *name)
{
	for (const cli_noun *n = cli_nouns; n->name; n++)
		if (str_eq(n->name, name))
			return noun_has_commands(name) ? n : NULL;
	return NULL;
}

const cli_command *cli_find_toplevel(const char *name)
{
	for (const cli_command *c = cli_commands; c->verb; c++)
		if ((!c->noun && str_eq(c->verb, name)) || str_eq(c->toplevel, name))
			return c;
	return NULL;
}

const cli_command *cli_find_verb(const cli_noun *noun, const char *name)
{
	for (const cli_command *c = cli_commands; c->verb; c++) {
		if (!str_eq(c->noun, noun->name))
			continue;
		if (str_eq(c->verb, name) ||
		    (c->aliases && strv_contains((const char *const *)c->aliases, name)))
			return c;
	}
	return NULL;
}
