/* The option tables of `create` and `run`: podman 4.3's flags (cmd/podman/common/create.go,
 * netflags.go, containers/run.go) with their types, short names and help texts.  Defaults
 * podman reads from containers.conf are left out here: the library applies them when the
 * description does not say otherwise. */
#include "specgen.h"

#define T struct cli_create_opts

/* podman's AliasFlags (--net, --dns-opt, --override-arch ...) are hidden rows filling the
 * same field. */
const cli_option cmd_container_create_options[] = {
#include "specgen_rows.h"
	{ "init-ctr", 0, CLI_STRING(T, init_ctr), .help = "Make this a pod init container." },
	CLI_OPT_END(T),
};

const cli_option cmd_container_run_options[] = {
#include "specgen_rows.h"
	{ "detach", 'd', CLI_BOOL(T, detach),
	  .help = "Run container in background and print container ID" },
	{ "detach-keys", 0, CLI_STRING(T, detach_keys), .argname = "[a-Z]",
	  .help = "Override the key sequence for detaching a container. Format is a single "
		  "character [a-Z] or a comma separated sequence of ctrl-<value>, where <value> "
		  "is one of: a-cf, @, ^, [, \\, ], ^ or _" },
	{ "gpus", 0, CLI_STRING(T, gpus), .flags = CLI_OPT_HIDDEN,
	  .help = "This is a Docker specific option and is a NOOP" },
	{ "passwd", 0, CLI_BOOL(T, passwd), .def = "true",
	  .help = "add entries to /etc/passwd and /etc/group" },
	{ "preserve-fds", 0, CLI_UINT(T, preserve_fds),
	  .help = "Pass a number of additional file descriptors into the container" },
	{ "rmi", 0, CLI_BOOL(T, rmi),
	  .help = "Remove container image unless used by other containers" },
	{ "sig-proxy", 0, CLI_BOOL(T, sig_proxy), .def = "true",
	  .help = "Proxy received signals to the process" },
	CLI_OPT_END(T),
};

/* Last, as everywhere: the tables above include specgen_rows.h. */
#include "common/banned.h"
