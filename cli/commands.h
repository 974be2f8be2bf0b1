/* The cpod command table and what every command handler gets.
 *
 * cli_commands[] (commands.c) is the single list of what cpod can do: a command that is not in
 * it does not exist (`cpod foo` answers "unrecognized command").  Each row names the noun and
 * verb as podman has them ("container" "ps"), the verb's other names ("ls", "list"), the
 * top-level alias podman has for it ("ps"), the handler, the options table (opts.h) and the
 * texts --help is generated from.
 *
 * A handler parses nothing itself: it gets its options struct filled from its table and the
 * positional arguments, calls libcpod and prints.  It returns the exit status (0 on success,
 * or a container's status), or -1 with *err set; main() then prints "Error: <message>" and
 * exits with cpod_error_exit_code().
 */
#ifndef CPOD_CLI_COMMANDS_H
#define CPOD_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cpod/cpod.h>

#include "common/buf.h"
#include "common/strv.h"
#include "opts.h"

/* podman's global options; strings borrow from argv. */
typedef struct {
	/* Accepted before and after the command name (cobra persistent flags). */
	const char *cgroup_manager;
	const char *conmon;
	const char *events_backend;
	const char *log_level;
	const char *network_config_dir;
	const char *root;
	const char *runroot;
	const char *runtime;
	const char *storage_driver;
	const char *tmpdir;
	const char *volumepath;
	strv hooks_dirs;
	strv modules;
	strv runtime_flags;
	strv storage_opts;
	bool help;
	/* Accepted only before the command name (root-local flags). */
	const char *config;
	const char *connection;
	const char *context;
	const char *host;
	const char *identity;
	const char *url;
	bool debug;
	bool noout;
	bool remote;
	bool version;
} cli_global_opts;

typedef struct cli_ctx cli_ctx;

/* opts points at the command's options struct (the one its table describes); argv holds the
 * argc positional arguments.  Returns an exit status >= 0, or -1 with *err set. */
typedef int (*cli_handler)(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);

enum {
	/* Options end at the first positional, which starts the container's command line
	 * (`run IMAGE CMD...`, `exec CTR CMD...`). */
	CLI_CMD_STOP_AT_POSITIONAL = 1 << 0,
	/* Works, answers --help, but is not listed (podman's Hidden). */
	CLI_CMD_HIDDEN = 1 << 1,
};

/* Positional argument count: CLI_ARGS(0, 0) is none (also what a zeroed row means),
 * CLI_ARGS(1, CLI_ARGS_MANY) one or more. */
#define CLI_ARGS_MANY (-1)
#define CLI_ARGS(min, max) .min_args = (min), .max_args = (max)

typedef struct {
	const char *noun;	    /* "container"; NULL for a top-level-only command ("version") */
	const char *verb;	    /* "ps"; NULL ends the table */
	const char *const *aliases; /* more names for the verb: ("ls", "list", NULL) */
	const char *toplevel;	    /* also `cpod <toplevel>` ("ps"), or NULL */
	cli_handler run;
	const cli_option *options; /* its own options; the global ones are added */
	unsigned flags;		   /* CLI_CMD_* */
	int min_args, max_args;	   /* see CLI_ARGS() */
	const char *short_help;	   /* one line, capitalised, no full stop */
	const char *long_help;	   /* Description section; NULL repeats short_help */
	const char *usage;	   /* what follows the command path: "[options] IMAGE [COMMAND]" */
	const char *example;	   /* Examples section, or NULL */
} cli_command;

typedef struct {
	const char *name;	/* "container" */
	const char *short_help; /* "Manage containers" */
	const char *long_help;	/* NULL repeats short_help */
} cli_noun;

/* The tables, in commands.c.  cli_commands ends with a row whose verb is NULL, cli_nouns with
 * a NULL name.  The global options come in two tables filling one cli_global_opts. */
extern const cli_command cli_commands[];
extern const cli_noun cli_nouns[];
extern const cli_option cli_root_options[];	  /* before the command name only */
extern const cli_option cli_persistent_options[]; /* anywhere */
extern const cli_option cli_no_options[];	  /* a command without options of its own */

/* Look-ups in the tables.  A noun exists only while it has at least one command. */
const cli_noun *cli_find_noun(const char *name);
/* `cpod NAME`: a command without noun or a top-level alias. */
const cli_command *cli_find_toplevel(const char *name);
/* `cpod NOUN NAME`: by verb or by one of the verb's aliases. */
const cli_command *cli_find_verb(const cli_noun *noun, const char *name);

/* What the running command needs to know. */
struct cli_ctx {
	const char *prog;	    /* "cpod", as messages name the program */
	cli_global_opts g;	    /* the global options */
	cli_optset root_set;	    /* g, bound to cli_root_options */
	cli_optset persistent_set;  /* g, bound to cli_persistent_options */
	bool remote;		    /* remote access was asked for (flags or environment) */
	const cli_command *cmd;	    /* the command being run */
	const cli_optset *cmd_set;  /* its options as parsed (cli_opt_changed()), while it runs */
	const cli_noun *noun;	    /* its noun as typed, NULL when called by a top-level name */
	char *cmd_path;		    /* the command as typed: "cpod system info", "cpod info" */
	const char *argv0;	    /* argv[0] as given */
	const char *storage_driver; /* --storage-driver, else $STORAGE_DRIVER */
	strv storage_opts;	    /* --storage-opt, else $STORAGE_OPTS split at commas */
	bool storage_opts_set;	    /* storage_opts replaces the configured options (even empty) */
	strv self_global_args;	    /* global options to repeat in conmon's exit command */
	char *self_path;	    /* this binary, for conmon's exit command */
	cpod_runtime *rt;	    /* created by cli_runtime() */
};

/* podman's --tls-verify: CPOD_TLS_VERIFY_ON or _OFF when the flag was given, else _DEFAULT
 * (registries.conf decides). */
int cli_tls_verify(const cli_ctx *ctx, bool value);

/* The library handle, created on first use from the global options (and STORAGE_DRIVER,
 * STORAGE_OPTS).  Borrowed: it lives as long as ctx.  NULL with *err on failure. */
cpod_runtime *cli_runtime(cli_ctx *ctx, cpod_error **err);

/* Help texts (cmd/help.c), written to out in podman's layout. */
void cli_help_root(cli_ctx *ctx, FILE *out);
void cli_help_noun(cli_ctx *ctx, const cli_noun *noun, FILE *out);
/* path is the command as typed ("cpod image ls"). */
void cli_help_command(cli_ctx *ctx, const cli_command *cmd, const char *path, FILE *out);
/* Appends "Did you mean this?" lines for the names close to typed (cobra's suggestions:
 * Levenshtein distance up to 2, or a prefix); noun NULL searches the top level. */
void cli_suggest(const cli_noun *noun, const char *typed, strv *out);

/* Output helpers (cmd/output.c). */
/* Prints obj as JSON: indented two spaces like Go's json.MarshalIndent, or on one line. */
void cli_print_json(FILE *out, struct json_object *obj, bool indent);
/* Renders obj with a --format value: "json" (or {{json .}}) prints indented JSON, anything
 * else is a Go template executed on obj.  -1 with *err for a bad template. */
int cli_print_format(FILE *out, const char *format, struct json_object *obj, cpod_error **err);
/* True for the --format values that mean JSON ("json", "{{json .}}", "{{ json . }}"). */
bool cli_format_is_json(const char *format);
/* Appends obj as YAML the way podman's ghodss/yaml prints it: keys sorted, block style. */
void cli_yaml(buf *out, struct json_object *obj);

/* The handlers and options tables of the commands, one file each under cmd/. */
extern const cli_option cmd_help_options[];
int cmd_help(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_system_info_options[];
int cmd_system_info(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_version_options[];
int cmd_version(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
int cmd_image_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_history_options[];
int cmd_image_history(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_import_options[];
int cmd_image_import(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_load_options[];
int cmd_image_load(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_save_options[];
int cmd_image_save(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_pull_options[];
int cmd_image_pull(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_search_options[];
int cmd_search(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_push_options[];
int cmd_image_push(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_inspect_options[];
int cmd_image_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_list_options[];
int cmd_image_list(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_rm_options[];
int cmd_image_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
int cmd_image_tag(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
int cmd_image_untag(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_prune_options[];
int cmd_image_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_tree_options[];
int cmd_image_tree(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_mount_options[];
int cmd_image_mount(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_image_unmount_options[];
int cmd_image_unmount(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_system_df_options[];
int cmd_system_df(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_system_reset_options[];
int cmd_system_reset(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_login_options[];
int cmd_login(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_logout_options[];
int cmd_logout(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
/* --authfile's default for login and logout: given, else $REGISTRY_AUTH_FILE, else
 * $DOCKER_CONFIG/config.json, else NULL (cmd/login.c).  Caller frees. */
char *cli_default_authfile(const char *given);
extern const cli_option cmd_inspect_options[];
int cmd_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);

/* Volumes (cmd/volume_*.c). */
extern const cli_option cmd_volume_create_options[];
int cmd_volume_create(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
int cmd_volume_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_volume_inspect_options[];
int cmd_volume_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_volume_list_options[];
int cmd_volume_list(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_volume_prune_options[];
int cmd_volume_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_volume_rm_options[];
int cmd_volume_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
/* Adds the fields podman's InspectVolumeData leaves out of JSON when empty (UID, GID,
 * Anonymous, NeedsCopyUp, NeedsChown, Timeout, StorageID) to each volume of arr, so that
 * templates print 0 / false / "" for them as Go does (cmd/volume_inspect.c). */
void cli_volume_fill_defaults(struct json_object *arr);

/* Shared by the image commands (cmd/image_util.c, cmd/image_inspect.c). */
/* A progress callback (cpod_pull_progress_fn) printing each line to stderr, as podman prints
 * its copy steps without a terminal. */
void cli_print_progress(void *data, const char *line);
/* The member key of o (borrowed), or one whose name differs only in case; NULL when o is not
 * an object or has neither. */
struct json_object *cli_json_get(struct json_object *o, const char *key);
/* The string / integer member key, or "" / 0 when missing or of another type. */
const char *cli_json_str(struct json_object *o, const char *key);
int64_t cli_json_int(struct json_object *o, const char *key);
/* A time given as unix seconds or as an RFC 3339 string; 0 when missing or malformed. */
time_t cli_json_time(struct json_object *o, const char *key);
/* A new JSON array of copies of v's strings. */
struct json_object *cli_json_strings(const strv *v);
/* Sizes and times as podman's image tables print them; each returns a new string.
 * cli_human_size: go-units HumanSizeWithPrecision(size, 3) with a space before the unit
 * ("1.23 MB"); cli_time_ago: "2 days ago"; cli_time_string: Go's time.Time.String() in UTC
 * ("2024-01-02 15:04:05 +0000 UTC"); cli_rfc3339: "2024-01-02T15:04:05Z". */
char *cli_human_size(int64_t size);

/* Reads a [y/N] answer from stdin as podman does (Go's ReadString('\n')): *yes when it starts
 * with y or Y.  -1 when stdin ends before a newline (podman's "EOF"; errno set on a read
 * error). */
int cli_confirm(bool *yes);
char *cli_time_ago(time_t t);
char *cli_time_string(time_t t);
char *cli_rfc3339(time_t t);
/* Inspects the images named by argv and prints them with --format (NULL or "json": a JSON
 * array, even empty).  Images not found do not stop the others; afterwards the first such
 * error is returned as "inspecting object: <message>" and the others are printed to stderr.
 * any_type: the names were given to `cpod inspect`, whose error says "no such object". */
int cli_inspect_images(cli_ctx *ctx, const char *format, int argc, char **argv, bool any_type,
		       cpod_error **err);

/* The container commands (cmd/container_*.c); create and run fill struct cli_create_opts
 * (specgen.h, where their tables are defined). */
extern const cli_option cmd_container_create_options[];
int cmd_container_create(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_run_options[];
int cmd_container_run(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_start_options[];
int cmd_container_start(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_stop_options[];
int cmd_container_stop(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_kill_options[];
int cmd_container_kill(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_rm_options[];
int cmd_container_rm(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_wait_options[];
int cmd_container_wait(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_ps_options[];
int cmd_container_ps(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_attach_options[];
int cmd_container_attach(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_init_options[];
int cmd_container_init(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_exists_options[];
int cmd_container_exists(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_cleanup_options[];
int cmd_container_cleanup(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_inspect_options[];
int cmd_container_inspect(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_exec_options[];
int cmd_container_exec(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_logs_options[];
int cmd_container_logs(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_top_options[];
int cmd_container_top(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_stats_options[];
int cmd_container_stats(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_pause_options[];
int cmd_container_pause(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_unpause_options[];
int cmd_container_unpause(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
int cmd_container_rename(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_restart_options[];
int cmd_container_restart(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_prune_options[];
int cmd_container_prune(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);
extern const cli_option cmd_container_port_options[];
int cmd_container_port(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err);

/* Shared by the container commands (cmd/container_util.c, cmd/container_create.c,
 * cmd/container_inspect.c). */
struct cli_create_opts;

/* Which containers a command acts on. */
typedef struct {
	bool all;	      /* every container (--all) */
	bool running_only;    /* with all: the running ones only */
	bool latest;	      /* the newest container (--latest) */
	bool ignore_missing;  /* a name that matches nothing is skipped (--ignore) */
	const strv *filters;  /* --filter key=value (may be NULL) */
	const strv *cidfiles; /* --cidfile files, each holding an ID (may be NULL) */
} cli_ctr_select;

/* The full IDs of the containers chosen (appended to ret_ids) and, for each, what the command
 * prints when it succeeds (podman's RawInput: the name as typed, or the ID for --all,
 * --latest and --filter).  Names are looked up one by one; the first failure is returned
 * after all were tried.  A filter without '=' is "invalid filter". */
int cli_ctr_select_targets(cpod_runtime *rt, const cli_ctr_select *sel, int argc, char **argv,
			   strv *ret_ids, strv *ret_print, cpod_error **err);
/* podman's CheckAllLatestAndIDFile: --all, --latest, --<idfile_flag> and names together. */
int cli_ctr_check_args(const char *idfile_flag, bool all, bool latest, bool idfile, bool filter,
		       int argc, cpod_error **err);

/* Errors of several containers, printed as podman's OutputErrors: all but the last on
 * stderr ("Error: ..."), the last returned (it keeps its kind, hence the exit status). */
typedef struct {
	cpod_error **v;
	size_t n;
} cli_errors;
void cli_errors_add(cli_errors *e, cpod_error *taken);
/* 0 when there were none; else prints and moves the last one to *err, returns -1. */
int cli_errors_finish(cli_errors *e, cpod_error **err);
void cli_errors_release(cli_errors *e);

/* What inspect says of a container, for start and attach. */
typedef struct {
	bool running, tty, open_stdin, auto_remove;
} cli_ctr_info;
int cli_ctr_state(cpod_runtime *rt, const char *name, cli_ctr_info *ret, cpod_error **err);

/* An attach to run (start=true: start it attached). */
typedef struct {
	bool start;
	bool tty;   /* the container has a terminal: stdin goes raw when it is one */
	bool stdin; /* forward stdin */
	bool want_stdout, want_stderr;
	bool sig_proxy;
	const char *detach_keys; /* NULL: containers.conf's */
} cli_attach;

/* cpod_container_start() or _attach() on the process's standard streams, the terminal in
 * raw mode meanwhile; returns as they do (0 with *ret_status, CPOD_DETACHED, -1). */
int cli_ctr_attach_run(cpod_runtime *rt, const char *name, const cli_attach *a, int *ret_status,
		       cpod_error **err);

/* Pull (as --pull says), create, write --cidfile: `create` and the first half of `run`.
 * *ret_id: the new container's ID (caller frees). */
int cli_ctr_create(cli_ctx *ctx, const struct cli_create_opts *o, int argc, char **argv,
		   char **ret_id, cpod_error **err);
/* Removes a container (forced, with its anonymous volumes), logging a failure at debug
 * level: after a run that failed. */
void cli_ctr_remove_quietly(cpod_runtime *rt, const char *id);

/* Inspects containers (any_type: `cpod inspect --type all`, which tries a container, then an
 * image, per name) and prints them with --format as cli_inspect_images() does. */
int cli_inspect_containers(cli_ctx *ctx, const char *format, bool size, bool latest, bool any_type,
			   int argc, char **argv, cpod_error **err);

#endif
