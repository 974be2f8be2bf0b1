/* Declarative command-line options: one table per command, from which both parsing and the
 * Options section of --help are generated.  The syntax is podman's (spf13/pflag):
 *
 *   --flag  --flag=false  -abc  -f value  -fvalue  -f=value  --opt value  --opt=value  --
 *
 * A table describes the fields of one plain struct (the command's options); parsing writes
 * into a zeroed instance of it.  A row is written with the typed field macros, which refuse to
 * compile when the field's C type does not match the option type:
 *
 *   struct ps_opts { bool all; const char *format; strv filters; long long last; };
 *   static const cli_option ps_options[] = {
 *           { "all", 'a', CLI_BOOL(struct ps_opts, all), .help = "Show all the containers" },
 *           { "filter", 'f', CLI_STRV(struct ps_opts, filters), .help = "Filter output" },
 *           { "last", 'n', CLI_INT(struct ps_opts, last), .def = "-1", .help = "..." },
 *           CLI_OPT_END(struct ps_opts),
 *   };
 *
 * Ownership: CLI_STRING values borrow from argv (or the table's .def), which must outlive
 * the options struct; CLI_STRV and CLI_STRV_CSV fields own their strings and are freed by
 * cli_optset_release().
 */
#ifndef CPOD_CLI_OPTS_H
#define CPOD_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "common/strv.h"

typedef enum {
	CLI_OPT_END_ = 0,
	CLI_OPT_BOOL,	  /* bool: --x is true, --x=false; never takes the next argument */
	CLI_OPT_STRING,	  /* const char *: borrowed from argv; last occurrence wins */
	CLI_OPT_INT,	  /* long long: Go's strconv.ParseInt base 0 (10, 0x10, 010) */
	CLI_OPT_UINT,	  /* unsigned long long: strconv.ParseUint base 0, no sign */
	CLI_OPT_STRV,	  /* strv: repeatable, each value appended (pflag stringArray) */
	CLI_OPT_STRV_CSV, /* strv: repeatable, each value split as CSV (pflag stringSlice) */
	CLI_OPT_COUNT,	  /* int: -v / --v adds one (-vvv is 3), --v=N sets N */
} cli_opt_type;

enum {
	CLI_OPT_HIDDEN = 1 << 0, /* parsed, not listed in --help */
};

typedef struct {
	const char *name; /* long name without "--"; NULL ends the table */
	char short_name;  /* one letter, or 0 */
	cli_opt_type type;
	size_t offset;	 /* of the field; in the end row: the size of the whole struct */
	const char *def; /* default, written as a value would be ("10", "true", "a,b"); NULL: zero */
	const char *help;    /* may contain newlines; continuation lines are indented in --help */
	const char *argname; /* shown after the name in --help instead of the type ("string") */
	unsigned flags;	     /* CLI_OPT_* */
} cli_option;

/* Offset of T.f, refusing to compile unless T.f has C type `ctype`. */
#define CLI_FIELD_(T, f, ctype)                                                               \
	(offsetof(T, f) +                                                                     \
	 0 * sizeof(struct {                                                                  \
		 _Static_assert(__builtin_types_compatible_p(__typeof__(((T *)0)->f), ctype), \
				"option field '" #f "' must have type " #ctype);              \
		 int x_;                                                                      \
	 }))

#define CLI_BOOL(T, f) .type = CLI_OPT_BOOL, .offset = CLI_FIELD_(T, f, bool)
#define CLI_STRING(T, f) .type = CLI_OPT_STRING, .offset = CLI_FIELD_(T, f, const char *)
#define CLI_INT(T, f) .type = CLI_OPT_INT, .offset = CLI_FIELD_(T, f, long long)
#define CLI_UINT(T, f) .type = CLI_OPT_UINT, .offset = CLI_FIELD_(T, f, unsigned long long)
#define CLI_STRV(T, f) .type = CLI_OPT_STRV, .offset = CLI_FIELD_(T, f, strv)
#define CLI_STRV_CSV(T, f) .type = CLI_OPT_STRV_CSV, .offset = CLI_FIELD_(T, f, strv)
#define CLI_COUNT(T, f) .type = CLI_OPT_COUNT, .offset = CLI_FIELD_(T, f, int)

/* Ends a table whose fields live in struct T. */
#define CLI_OPT_END(T)                            \
	{                                         \
		.name = NULL, .offset = sizeof(T) \
	}
/* Ends a table of a command that has no options of its own. */
#define CLI_OPT_END_NONE                  \
	{                                 \
		.name = NULL, .offset = 0 \
	}

/* Size of the options struct a table describes (0 for CLI_OPT_END_NONE). */
size_t cli_options_struct_size(const cli_option *table);
size_t cli_options_count(const cli_option *table);

/* One table bound to the struct it fills. */
typedef struct {
	const cli_option *table;
	void *dest;
	unsigned char *changed; /* per row: set on the command line (cobra's Flag.Changed) */
	size_t n;
} cli_optset;

/* Binds table to dest (sizeof dest == cli_options_struct_size(table)), sets the fields the
 * table describes to zero (an empty strv) and then to their defaults; other fields of dest are
 * left alone, so two tables may fill one struct.  Fails only when a default does not parse. */
int cli_optset_init(cli_optset *set, const cli_option *table, void *dest, cpod_error **err);
/* Frees the string vectors in dest and the bookkeeping; dest itself stays the caller's. */
void cli_optset_release(cli_optset *set);
/* True when the option with long name `name` was given on the command line. */
bool cli_opt_changed(const cli_optset *set, const char *name);

enum {
	/* Options stop at the first positional: it and everything after it are positionals
	 * (cobra's SetInterspersed(false), for `run IMAGE CMD...`).  Otherwise options may
	 * follow positionals. */
	CLI_PARSE_STOP_AT_POSITIONAL = 1 << 0,
};

/* Returned by cli_opts_parse() when -h (not claimed by an option) or an undeclared --help
 * was seen; parsing stopped there. */
#define CLI_PARSE_HELP 1

/* Parses argv[0..argc) against the sets, looked up in order (so a command's own options
 * shadow global ones).  Positionals are appended (copied) to ret_args; *ret_dash is the number
 * of positionals before a "--" (-1 when there was none); ret_dash may be NULL.
 * Returns 0, CLI_PARSE_HELP, or -1 with a CPOD_ERR_INVALID error worded as podman's
 * ("unknown flag: --foo", "flag needs an argument: 'f' in -f",
 * "invalid argument \"x\" for \"-t, --time\" flag: strconv.ParseUint: ..."). */
int cli_opts_parse(cli_optset *const *sets, size_t n_sets, unsigned flags, int argc,
		   char *const *argv, strv *ret_args, int *ret_dash, cpod_error **err);

/* Appends the Options lines of --help for the visible options of the tables, sorted by long
 * name, columns aligned as pflag aligns them; no trailing newline after the last line. */
void cli_opts_help(buf *out, const cli_option *const *tables, size_t n_tables);

/* Appends s quoted as Go's %q would ("a\"b", "\n", "\x01"). */
void cli_go_quote(buf *out, const char *s);

#endif
