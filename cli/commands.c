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

/* The options table of a command that has none of its own. */
const cli_option cli_no_options[] = { CLI_OPT_END_NONE };

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
	{
		.noun = "image",
		.verb = "import",
		.toplevel = "import",
		.run = cmd_image_import,
		.options = cmd_image_import_options,
		CLI_ARGS(1, 2),
		.short_help = "Import a tarball to create a filesystem image",
		.long_help = "Create a container image from the contents of the specified tarball "
			     "(.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .txz).\n\n"
			     "  Use - to read the tarball from standard input.\n"
			     "  Optionally tag the image. You can specify the instructions using "
			     "the --change option.",
		.usage = "[options] PATH [REFERENCE]",
		.example = "cpod import ctr.tar my-image\n"
			   "cat ctr.tar | cpod import -q --message \"importing the ctr.tar "
			   "tarball\" - image-imported\n"
			   "cat ctr.tar | cpod import -",
	},
	{
		.noun = "image",
		.verb = "load",
		.toplevel = "load",
		.run = cmd_image_load,
		.options = cmd_image_load_options,
		.short_help = "Load image(s) from a tar archive",
		.long_help = "Loads images from a docker-archive stored on the local machine.\n\n"
			     "  Load images from a tar archive, read from standard input unless "
			     "--input is given.",
		.usage = "[options]",
		.example = "cpod load -q -i busybox.tar\ncpod load < busybox.tar",
	},
	{
		.noun = "image",
		.verb = "save",
		.toplevel = "save",
		.run = cmd_image_save,
		.options = cmd_image_save_options,
		CLI_ARGS(1, CLI_ARGS_MANY),
		.short_help = "Save image(s) to an archive",
		.long_help = "Save an image to a docker-archive on the local machine, to standard "
			     "output unless --output is given (it must then be redirected).",
		.usage = "[options] IMAGE [IMAGE...]",
		.example = "cpod save --quiet -o myimage.tar imageID\n"
			   "cpod save -m -o both.tar img1 img2\n"
			   "cpod save alpine > alpine-all.tar",
	},
	{
		.noun = "image",
		.verb = "list",
		.aliases = (const char *const[]){ "ls", NULL },
		.toplevel = "images",
		.run = cmd_image_list,
		.options = cmd_image_list_options,
		CLI_ARGS(0, 1),
		.short_help = "List images in local storage",
		.long_help = "Lists images previously pulled to the system or created on the "
			     "system.",
		.usage = "[options] [IMAGE]",
		.example = "cpod images --format json\n"
			   "cpod images --sort repository --format \"table {{.ID}} "
			   "{{.Repository}} {{.Tag}}\"\n"
			   "cpod images --filter dangling=true",
	},
	{
		.noun = "image",
		.verb = "inspect",
		.run = cmd_image_inspect,
		.options = cmd_image_inspect_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display the configuration of an image",
		.long_help = "Displays the low-level information of an image identified by name "
			     "or ID.",
		.usage = "[options] IMAGE [IMAGE...]",
		.example = "cpod image inspect alpine\n"
			   "cpod image inspect --format \"imageId: {{.Id}} size: {{.Size}}\" "
			   "alpine",
	},
	{
		.verb = "inspect",
		.run = cmd_inspect,
		.options = cmd_inspect_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display the configuration of object denoted by ID",
		.long_help = "Displays the low-level information on an object identified by name "
			     "or ID.\n  For more inspection options, see:\n\n"
			     "      cpod image inspect",
		.usage = "[options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]",
		.example = "cpod inspect fedora\n"
			   "cpod inspect --type image fedora\n"
			   "cpod inspect --format \"imageId: {{.Id}} size: {{.Size}}\" fedora",
	},
	{
		.noun = "image",
		.verb = "exists",
		.run = cmd_image_exists,
		.options = cli_no_options,
		CLI_ARGS(1, 1),
		.short_help = "Check if an image exists in local storage",
		.long_help = "If the named image exists in local storage, cpod image exists exits "
			     "with 0, otherwise the exit code will be 1.",
		.usage = "IMAGE",
		.example = "cpod image exists ID\n"
			   "cpod image exists IMAGE && cpod pull IMAGE",
	},
	{
		.noun = "image",
		.verb = "tag",
		.toplevel = "tag",
		.run = cmd_image_tag,
		.options = cli_no_options,
		CLI_ARGS(2, CLI_ARGS_MANY),
		.short_help = "Add an additional name to a local image",
		.long_help = "Adds one or more additional names to locally-stored image.",
		.usage = "IMAGE TARGET_NAME [TARGET_NAME...]",
		.example = "cpod tag 0e3bbc2 fedora:latest\n"
			   "cpod tag imageID:latest myNewImage:newTag\n"
			   "cpod tag httpd myregistryhost:5000/fedora/httpd:v2",
	},
	{
		.noun = "image",
		.verb = "untag",
		.toplevel = "untag",
		.run = cmd_image_untag,
		.options = cli_no_options,
		CLI_ARGS(1, CLI_ARGS_MANY),
		.short_help = "Remove a name from a local image",
		.long_help = "Removes one or more names from a locally-stored image.",
		.usage = "IMAGE [IMAGE...]",
		.example = "cpod untag 0e3bbc2\n"
			   "cpod untag imageID:latest otherImageName:latest\n"
			   "cpod untag httpd myregistryhost:5000/fedora/httpd:v2",
	},
	{
		.noun = "image",
		.verb = "rm",
		.toplevel = "rmi",
		.run = cmd_image_rm,
		.options = cmd_image_rm_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Removes one or more images from local storage",
		.long_help = "Removes one or more previously pulled or locally created images.",
		.usage = "[options] IMAGE [IMAGE...]",
		.example = "cpod rmi imageID\n"
			   "cpod rmi --force alpine\n"
			   "cpod rmi c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7",
	},
	{
		.noun = "image",
		.verb = "history",
		.toplevel = "history",
		.run = cmd_image_history,
		.options = cmd_image_history_options,
		CLI_ARGS(1, 1),
		.short_help = "Show history of a specified image",
		.long_help = "Displays the history of an image.\n\n"
			     "  The information can be printed out in an easy to read, or user "
			     "specified format, and can be truncated.",
		.usage = "[options] IMAGE",
		.example = "cpod history quay.io/fedora/fedora",
	},
	{
		.noun = "image",
		.verb = "prune",
		.run = cmd_image_prune,
		.options = cmd_image_prune_options,
		.short_help = "Remove unused images",
		.long_help = "Removes dangling or unused images from local storage.",
		.usage = "[options]",
		.example = "cpod image prune",
	},
	{
		.noun = "image",
		.verb = "tree",
		.run = cmd_image_tree,
		.options = cmd_image_tree_options,
		CLI_ARGS(1, 1),
		.short_help = "Prints layer hierarchy of an image in a tree format",
		.usage = "[options] IMAGE",
		.example = "cpod image tree alpine:latest",
	},
	{
		.noun = "image",
		.verb = "mount",
		.run = cmd_image_mount,
		.options = cmd_image_mount_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Mount an image's root filesystem",
		.long_help = "cpod image mount\n"
			     "    Lists all mounted images mount points if no images is "
			     "specified\n\n"
			     "  cpod image mount IMAGE-NAME-OR-ID\n"
			     "    Mounts the specified image and prints the mountpoint",
		.usage = "[options] [IMAGE...]",
		.example = "cpod image mount imgID\n"
			   "cpod image mount imgID1 imgID2 imgID3\n"
			   "cpod image mount\n"
			   "cpod image mount --all",
	},
	{
		.noun = "image",
		.verb = "unmount",
		.aliases = (const char *const[]){ "umount", NULL },
		.run = cmd_image_unmount,
		.options = cmd_image_unmount_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Unmount an image's root filesystem",
		.long_help = "Image storage increments a mount counter each time an image is "
			     "mounted.\n\n"
			     "  When an image is unmounted, the mount counter is decremented. The "
			     "image's root filesystem is physically unmounted only when the mount "
			     "counter reaches zero indicating no other processes are using the "
			     "mount.\n\n"
			     "  An unmount can be forced with the --force flag.",
		.usage = "[options] IMAGE [IMAGE...]",
		.example = "cpod image unmount imgID\n"
			   "cpod image unmount imgID1 imgID2 imgID3\n"
			   "cpod image unmount --all",
	},
	{
		.noun = "system",
		.verb = "df",
		.run = cmd_system_df,
		.options = cmd_system_df_options,
		.short_help = "Show cpod disk usage",
		.long_help = "cpod system df\n\n  Show cpod disk usage",
		.usage = "[options]",
	},
	{
		.noun = "system",
		.verb = "reset",
		.run = cmd_system_reset,
		.options = cmd_system_reset_options,
		.short_help = "Reset cpod storage",
		.long_help = "Reset cpod storage back to default state\n\n"
			     "  All containers will be stopped and removed, and all images, "
			     "volumes, networks and container content will be removed.",
		.usage = "[options]",
	},
	{
		.noun = "image",
		.verb = "pull",
		.toplevel = "pull",
		.run = cmd_image_pull,
		.options = cmd_image_pull_options,
		CLI_ARGS(1, CLI_ARGS_MANY),
		.short_help = "Pull an image from a registry",
		.long_help = "Pulls an image from a registry and stores it locally.\n\n"
			     "  An image can be pulled by tag or digest. If a tag is not "
			     "specified, the image with the 'latest' tag is pulled.",
		.usage = "[options] IMAGE [IMAGE...]",
		.example = "cpod pull imageName\n"
			   "cpod pull fedora:latest\n"
			   "cpod pull --arch=arm64 busybox",
	},
	{
		.noun = "image",
		.verb = "push",
		.toplevel = "push",
		.run = cmd_image_push,
		.options = cmd_image_push_options,
		CLI_ARGS(1, 2),
		.short_help = "Push an image to a specified destination",
		.long_help = "Pushes a source image to a specified destination.\n\n"
			     "  The Image \"DESTINATION\" uses a \"transport\":\"details\" "
			     "format. See podman-push(1) section \"DESTINATION\" for the expected "
			     "format.",
		.usage = "[options] IMAGE [DESTINATION]",
		.example = "cpod push imageID docker://registry.example.com/repository:tag\n"
			   "cpod push --authfile temp-auths/myauths.json alpine "
			   "docker://registry.example.com/repository:tag",
	},
	{
		.verb = "login",
		.run = cmd_login,
		.options = cmd_login_options,
		CLI_ARGS(0, 1),
		.short_help = "Login to a container registry",
		.long_help = "Login to a container registry on a specified server.",
		.usage = "[options] [REGISTRY]",
		.example = "cpod login quay.io\n"
			   "cpod login --username ... --password ... quay.io\n"
			   "cpod login --authfile dir/auth.json quay.io",
	},
	{
		.verb = "logout",
		.run = cmd_logout,
		.options = cmd_logout_options,
		CLI_ARGS(0, 1),
		.short_help = "Logout of a container registry",
		.long_help = "Remove the cached username and password for the registry.",
		.usage = "[options] [REGISTRY]",
		.example = "cpod logout quay.io\n"
			   "cpod logout --authfile dir/auth.json quay.io\n"
			   "cpod logout --all",
	},
	{
		.verb = "search",
		.run = cmd_search,
		.options = cmd_search_options,
		CLI_ARGS(1, 1),
		.short_help = "Search registry for image",
		.long_help = "Search registries for a given image. Can search all the default "
			     "registries or a specific registry.\n\n"
			     "  Users can limit the number of results, and filter the output based "
			     "on certain conditions.",
		.usage = "[options] TERM",
		.example = "cpod search --limit 3 rhel\n"
			   "cpod search quay.io/\n"
			   "cpod search --list-tags registry.access.redhat.com/ubi8",
	},
	{
		.noun = "container",
		.verb = "exec",
		.toplevel = "exec",
		.run = cmd_container_exec,
		.options = cmd_container_exec_options,
		.flags = CLI_CMD_STOP_AT_POSITIONAL,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Run a process in a running container",
		.long_help = "Execute the specified command inside a running container.",
		.usage = "[options] CONTAINER [COMMAND [ARG...]]",
		.example = "cpod exec -it ctrID ls\n"
			   "cpod exec -it -w /tmp myCtr pwd\n"
			   "cpod exec --user root ctrID ls",
	},
	{
		.noun = "container",
		.verb = "logs",
		.toplevel = "logs",
		.run = cmd_container_logs,
		.options = cmd_container_logs_options,
		.flags = CLI_CMD_STOP_AT_POSITIONAL,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Fetch the logs of one or more containers",
		.long_help = "Retrieves logs for one or more containers.\n\n"
			     "  This does not guarantee execution order when combined with cpod "
			     "run "
			     "(i.e., your run may not have generated any logs at the time you "
			     "execute cpod logs).",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod logs ctrID\n"
			   "cpod logs --names ctrID1 ctrID2\n"
			   "cpod logs --tail 2 mywebserver\n"
			   "cpod logs --follow=true --since 10m ctrID\n"
			   "cpod logs mywebserver mydbserver",
	},
	{
		.noun = "container",
		.verb = "top",
		.toplevel = "top",
		.run = cmd_container_top,
		.options = cmd_container_top_options,
		.flags = CLI_CMD_STOP_AT_POSITIONAL,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display the running processes of a container",
		.long_help = "Display the running processes of a container.\n\n"
			     "  The descriptors may be given as separate arguments or separated by "
			     "commas.\n\n"
			     "  Format Descriptors:\n"
			     "    "
			     "args,comm,elapsed,etime,gid,group,nice,pcpu,%cpu,pgid,pid,ppid,rss,"
			     "state,time,tty,uid,user,vsz",
		.usage = "[options] CONTAINER [FORMAT-DESCRIPTORS...]",
		.example = "cpod top ctrID\n"
			   "cpod top --latest\n"
			   "cpod top ctrID pid user args\n"
			   "cpod top ctrID pid,comm",
	},
	{
		.noun = "container",
		.verb = "stats",
		.toplevel = "stats",
		.run = cmd_container_stats,
		.options = cmd_container_stats_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display a live stream of container resource usage statistics",
		.long_help = "Display percentage of CPU, memory, network I/O, block I/O and PIDs "
			     "for "
			     "one or more containers.",
		.usage = "[options] [CONTAINER...]",
		.example = "cpod stats --all --no-stream\n"
			   "cpod stats ctrID\n"
			   "cpod stats --no-stream --format \"table {{.ID}} {{.Name}} "
			   "{{.MemUsage}}\" ctrID",
	},
	{
		.noun = "container",
		.verb = "pause",
		.toplevel = "pause",
		.run = cmd_container_pause,
		.options = cmd_container_pause_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Pause all the processes in one or more containers",
		.long_help = "Pauses one or more running containers.  The container name or ID can "
			     "be "
			     "used.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod pause mywebserver\n"
			   "cpod pause 860a4b23\n"
			   "cpod pause --all",
	},
	{
		.noun = "container",
		.verb = "unpause",
		.toplevel = "unpause",
		.run = cmd_container_unpause,
		.options = cmd_container_unpause_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Unpause the processes in one or more containers",
		.long_help = "Unpauses one or more previously paused containers.  The container "
			     "name "
			     "or ID can be used.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod unpause ctrID\n"
			   "cpod unpause --all",
	},
	{
		.noun = "container",
		.verb = "rename",
		.toplevel = "rename",
		.run = cmd_container_rename,
		.options = cli_no_options,
		CLI_ARGS(2, 2),
		.short_help = "Rename an existing container",
		.long_help = "The cpod rename command allows you to rename an existing container",
		.usage = "CONTAINER NAME",
		.example = "cpod rename containerA newName",
	},
	{
		.noun = "container",
		.verb = "restart",
		.toplevel = "restart",
		.run = cmd_container_restart,
		.options = cmd_container_restart_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Restart one or more containers",
		.long_help = "Restarts one or more running containers. The container ID or name "
			     "can "
			     "be used.\n\n"
			     "  A timeout before forcibly stopping can be set, but defaults to 10 "
			     "seconds.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod restart ctrID\n"
			   "cpod restart --latest\n"
			   "cpod restart ctrID1 ctrID2",
	},
	{
		.noun = "container",
		.verb = "prune",
		.run = cmd_container_prune,
		.options = cmd_container_prune_options,
		.short_help = "Remove all non running containers",
		.long_help = "cpod container prune\n\n  Removes all non running containers",
		.usage = "[options]",
		.example = "cpod container prune",
	},
	{
		.noun = "container",
		.verb = "port",
		.toplevel = "port",
		.run = cmd_container_port,
		.options = cmd_container_port_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "List port mappings or a specific mapping for the container",
		.long_help = "List port mappings for the CONTAINER, or look up the public-facing "
			     "port "
			     "that is NAT-ed to the PRIVATE_PORT",
		.usage = "[options] CONTAINER [PORT]",
		.example = "cpod port --all\n"
			   "cpod port ctrID 80/tcp\n"
			   "cpod port --latest 80",
	},
	{
		.noun = "container",
		.verb = "create",
		.toplevel = "create",
		.run = cmd_container_create,
		.options = cmd_container_create_options,
		.flags = CLI_CMD_STOP_AT_POSITIONAL,
		CLI_ARGS(1, CLI_ARGS_MANY),
		.short_help = "Create but do not start a container",
		.long_help = "Creates a new container from the given image or storage and prepares "
			     "it for running the specified command.\n\n"
			     "  The container ID is then printed to stdout. You can then start it "
			     "at "
			     "any time with the cpod start <container_id> command. The container "
			     "will be created with the initial state 'created'.",
		.usage = "[options] IMAGE [COMMAND [ARG...]]",
		.example = "cpod create alpine ls\n"
			   "cpod create --annotation HELLO=WORLD alpine ls\n"
			   "cpod create -t -i --name myctr alpine ls",
	},
	{
		.noun = "container",
		.verb = "run",
		.toplevel = "run",
		.run = cmd_container_run,
		.options = cmd_container_run_options,
		.flags = CLI_CMD_STOP_AT_POSITIONAL,
		CLI_ARGS(1, CLI_ARGS_MANY),
		.short_help = "Run a command in a new container",
		.long_help = "Runs a command in a new container from the given image",
		.usage = "[options] IMAGE [COMMAND [ARG...]]",
		.example = "cpod run imageID ls -alF /etc\n"
			   "cpod run --network=host imageID dnf -y install java\n"
			   "cpod run --volume /var/hostdir:/var/ctrdir -i -t fedora /bin/bash",
	},
	{
		.noun = "container",
		.verb = "start",
		.toplevel = "start",
		.run = cmd_container_start,
		.options = cmd_container_start_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Start one or more containers",
		.long_help = "Starts one or more containers.  The container name or ID can be "
			     "used.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod start --latest\n"
			   "cpod start 860a4b231279 5421ab43b45\n"
			   "cpod start --interactive --attach imageID",
	},
	{
		.noun = "container",
		.verb = "stop",
		.toplevel = "stop",
		.run = cmd_container_stop,
		.options = cmd_container_stop_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Stop one or more containers",
		.long_help = "Stops one or more running containers.  The container name or ID can "
			     "be "
			     "used.\n\n"
			     "  A timeout to forcibly stop the container can also be set but "
			     "defaults "
			     "to the container's stop timeout (10 seconds unless configured) "
			     "otherwise.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod stop ctrID\n"
			   "cpod stop --latest\n"
			   "cpod stop --time 2 mywebserver 6e534f14da9d",
	},
	{
		.noun = "container",
		.verb = "kill",
		.toplevel = "kill",
		.run = cmd_container_kill,
		.options = cmd_container_kill_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Kill one or more running containers with a specific signal",
		.long_help = "The main process inside each container specified will be sent "
			     "SIGKILL, "
			     "or any signal specified with option --signal.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod kill mywebserver\n"
			   "cpod kill 860a4b23\n"
			   "cpod kill --signal TERM ctrID",
	},
	{
		.noun = "container",
		.verb = "rm",
		.toplevel = "rm",
		.run = cmd_container_rm,
		.options = cmd_container_rm_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Remove one or more containers",
		.long_help = "Removes one or more containers from the host. The container name or "
			     "ID "
			     "can be used.\n\n"
			     "  Command does not remove images. Running or unusable containers "
			     "will "
			     "not be removed without the -f option.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod rm imageID\n"
			   "cpod rm mywebserver myflaskserver 860a4b23\n"
			   "cpod rm --force --all\n"
			   "cpod rm -f c684f0d469f2",
	},
	{
		.noun = "container",
		.verb = "wait",
		.toplevel = "wait",
		.run = cmd_container_wait,
		.options = cmd_container_wait_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Block on one or more containers",
		.long_help = "Block until one or more containers stop and then print their exit "
			     "codes.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod wait --interval 5s ctrID\ncpod wait ctrID1 ctrID2",
	},
	{
		.noun = "container",
		.verb = "ps",
		.aliases = (const char *const[]){ "ls", "list", NULL },
		.toplevel = "ps",
		.run = cmd_container_ps,
		.options = cmd_container_ps_options,
		.short_help = "List containers",
		.long_help = "Prints out information about the containers",
		.usage = "[options]",
		.example = "cpod ps -a\n"
			   "cpod ps -a --format \"{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}\"\n"
			   "cpod ps --size --sort names",
	},
	{
		.noun = "container",
		.verb = "attach",
		.toplevel = "attach",
		.run = cmd_container_attach,
		.options = cmd_container_attach_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Attach to a running container",
		.long_help = "The cpod attach command allows you to attach to a running container "
			     "using the container's ID or name, either to view its ongoing output "
			     "or "
			     "to control it interactively.",
		.usage = "[options] CONTAINER",
		.example = "cpod attach ctrID\ncpod attach 1234\ncpod attach --no-stdin foobar",
	},
	{
		.noun = "container",
		.verb = "init",
		.toplevel = "init",
		.run = cmd_container_init,
		.options = cmd_container_init_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Initialize one or more containers",
		.long_help = "Initialize one or more containers, creating the OCI spec and mounts "
			     "for "
			     "inspection. Container names or IDs can be used.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod init --latest\ncpod init 3c45ef19d893\ncpod init test1",
	},
	{
		.noun = "container",
		.verb = "exists",
		.run = cmd_container_exists,
		.options = cmd_container_exists_options,
		CLI_ARGS(1, 1),
		.short_help = "Check if a container exists in local storage",
		.long_help = "If the named container exists in local storage, cpod container "
			     "exists "
			     "exits with 0, otherwise the exit code will be 1.",
		.usage = "[options] CONTAINER",
		.example = "cpod container exists --external containerID\n"
			   "cpod container exists myctr || cpod run --name myctr [etc...]",
	},
	{
		.noun = "container",
		.verb = "cleanup",
		.run = cmd_container_cleanup,
		.options = cmd_container_cleanup_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Clean up network and mountpoints of one or more containers",
		.long_help = "cpod container cleanup\n\n"
			     "  Cleans up mount points and network stacks on one or more "
			     "containers "
			     "from the host. The container name or ID can be used. This command is "
			     "used internally when running containers, but can also be used if "
			     "container cleanup has failed when a container exits.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod container cleanup --latest\n"
			   "cpod container cleanup ctrID1 ctrID2 ctrID3\n"
			   "cpod container cleanup --all",
	},
	{
		.noun = "container",
		.verb = "inspect",
		.run = cmd_container_inspect,
		.options = cmd_container_inspect_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display the configuration of a container",
		.long_help = "Displays the low-level information on a container identified by name "
			     "or ID.",
		.usage = "[options] CONTAINER [CONTAINER...]",
		.example = "cpod container inspect myCtr\n"
			   "cpod container inspect -l --format '{{.Id}} {{.Config.Labels}}'",
	},
	{
		.noun = "volume",
		.verb = "create",
		.run = cmd_volume_create,
		.options = cmd_volume_create_options,
		CLI_ARGS(0, 1),
		.short_help = "Create a new volume",
		.long_help = "If using the default driver, \"local\", the volume will be "
			     "created on the host in the volumes directory under container "
			     "storage.",
		.usage = "[options] [NAME]",
		.example = "cpod volume create myvol\n"
			   "cpod volume create\n"
			   "cpod volume create --label foo=bar myvol",
	},
	{
		.noun = "volume",
		.verb = "ls",
		.aliases = (const char *const[]){ "list", NULL },
		.run = cmd_volume_list,
		.options = cmd_volume_list_options,
		.short_help = "List volumes",
		.long_help = "cpod volume ls\n\nList all available volumes. The output of the "
			     "volumes can be filtered\nand the output format can be changed to "
			     "JSON or a user specified Go template.",
		.usage = "[options]",
	},
	{
		.noun = "volume",
		.verb = "inspect",
		.run = cmd_volume_inspect,
		.options = cmd_volume_inspect_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Display detailed information on one or more volumes",
		.long_help = "Display detailed information on one or more volumes.\n\n"
			     "  Use a Go template to change the format from JSON.",
		.usage = "[options] VOLUME [VOLUME...]",
		.example = "cpod volume inspect myvol\n"
			   "cpod volume inspect --all\n"
			   "cpod volume inspect --format \"{{.Driver}} {{.Scope}}\" myvol",
	},
	{
		.noun = "volume",
		.verb = "rm",
		.aliases = (const char *const[]){ "remove", NULL },
		.run = cmd_volume_rm,
		.options = cmd_volume_rm_options,
		CLI_ARGS(0, CLI_ARGS_MANY),
		.short_help = "Remove one or more volumes",
		.long_help = "Remove one or more existing volumes.\n\n"
			     "  By default only volumes that are not being used by any containers "
			     "will be removed. To remove the volumes anyways, use the --force "
			     "flag.",
		.usage = "[options] VOLUME [VOLUME...]",
		.example = "cpod volume rm myvol1 myvol2\n"
			   "cpod volume rm --all\n"
			   "cpod volume rm --force myvol",
	},
	{
		.noun = "volume",
		.verb = "prune",
		.run = cmd_volume_prune,
		.options = cmd_volume_prune_options,
		.short_help = "Remove all unused volumes",
		.long_help = "Volumes that are not currently owned by a container will be "
			     "removed.\n\n  The command prompts for confirmation which can be "
			     "overridden with the --force flag.\n  Note all data will be "
			     "destroyed.",
		.usage = "[options]",
	},
	{
		.noun = "volume",
		.verb = "exists",
		.run = cmd_volume_exists,
		.options = cli_no_options,
		CLI_ARGS(1, 1),
		.short_help = "Volume exists",
		.long_help = "If the given volume exists, cpod volume exists exits with 0, "
			     "otherwise the exit code will be 1.",
		.usage = "VOLUME",
		.example = "cpod volume exists myvol",
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
