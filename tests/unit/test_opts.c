/* cli/opts.c: option tables, pflag-compatible parsing and the generated --help lines. */
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "tap.h"

struct t_opts {
	bool all, quiet, detach, tty;
	const char *format, *name;
	long long last;
	unsigned long long time;
	strv env, caps, labels;
	int verbose;
};

static const cli_option table[] = {
	{ "all", 'a', CLI_BOOL(struct t_opts, all), .help = "Show all" },
	{ "quiet", 'q', CLI_BOOL(struct t_opts, quiet), .help = "Only IDs" },
	{ "detach", 'd', CLI_BOOL(struct t_opts, detach), .help = "Detach" },
	{ "tty", 0, CLI_BOOL(struct t_opts, tty), .def = "true", .flags = CLI_OPT_HIDDEN },
	{ "format", 'f', CLI_STRING(struct t_opts, format), .help = "Format" },
	{ "name", 0, CLI_STRING(struct t_opts, name), .def = "web", .help = "Name" },
	{ "last", 'n', CLI_INT(struct t_opts, last), .def = "-1", .help = "Last" },
	{ "time", 't', CLI_UINT(struct t_opts, time), .def = "10", .help = "Time" },
	{ "env", 'e', CLI_STRV(struct t_opts, env), .help = "Env" },
	{ "cap-add", 0, CLI_STRV_CSV(struct t_opts, caps), .help = "Caps" },
	{ "label", 'l', CLI_STRV(struct t_opts, labels), .def = "a=1,b=2", .help = "Labels" },
	{ "verbose", 'v', CLI_COUNT(struct t_opts, verbose), .help = "More" },
	CLI_OPT_END(struct t_opts),
};

/* A second table, like the global options. */
struct g_opts {
	const char *root;
	bool quiet;
	const char *log_level;
};

static const cli_option gtable[] = {
	{ "root", 0, CLI_STRING(struct g_opts, root), .help = "Root" },
	{ "quiet", 0, CLI_BOOL(struct g_opts, quiet), .help = "Global quiet" },
	CLI_OPT_END(struct g_opts),
};

/* Fills the log_level field of the same struct: two tables, one struct. */
static const cli_option gtable2[] = {
	{ "log-level", 0, CLI_STRING(struct g_opts, log_level), .def = "warn", .help = "Level" },
	CLI_OPT_END(struct g_opts),
};

typedef struct {
	char **argv;
	struct t_opts o;
	struct g_opts g;
	cli_optset set, gset, gset2;
	strv args;
	int dash;
	int r;
	char *err;
} run;

/* Parses the space-separated words of line ("" for no words) against table + gtable. */
static run *parse(const char *line, unsigned flags)
{
	run *t = xcalloc(1, sizeof(*t));
	cli_optset *sets[] = { &t->set, &t->gset, &t->gset2 };
	cpod_error *err = NULL;

	t->argv = strv_split(line, " ", 1);
	strv_init(&t->args);
	if (cli_optset_init(&t->set, table, &t->o, &err) < 0 ||
	    cli_optset_init(&t->gset, gtable, &t->g, &err) < 0 ||
	    cli_optset_init(&t->gset2, gtable2, &t->g, &err) < 0)
		abort();
	t->r = cli_opts_parse(sets, 3, flags, (int)strv_length(t->argv), t->argv, &t->args,
			      &t->dash, &err);
	t->err = err ? xstrdup(cpod_error_message(err)) : NULL;
	cpod_error_free(err);
	return t;
}

static void run_free(run *t)
{
	cli_optset_release(&t->set);
	cli_optset_release(&t->gset);
	cli_optset_release(&t->gset2);
	strv_clear(&t->args);
	strv_free(t->argv);
	free(t->err);
	free(t);
}

/* Parses line and expects the error message want. */
static void expect_error(const char *line, const char *want)
{
	run *t = parse(line, 0);

	is_int(t->r, -1, "'%s' fails", line);
	is_str(t->err, want, "'%s' error message", line);
	run_free(t);
}

static void test_defaults(void)
{
	run *t = parse("", 0);

	is_int(t->r, 0, "empty command line parses");
	ok(!t->o.all && !t->o.quiet, "bools default to false");
	ok(t->o.tty, "a bool can default to true");
	is_str(t->o.format, NULL, "strings default to NULL");
	is_str(t->o.name, "web", "string default");
	is_int(t->o.last, -1, "int default");
	is_int(t->o.time, 10, "uint default");
	is_int(t->o.labels.n, 2, "string array default");
	is_str(t->o.labels.v[1], "b=2", "string array default values");
	is_int(t->o.env.n, 0, "string array without default is empty");
	ok(t->o.env.v && !t->o.env.v[0], "empty string array is NULL-terminated");
	is_str(t->g.log_level, "warn", "second table on the same struct keeps its default");
	ok(!cli_opt_changed(&t->set, "name"), "a default is not a change");
	is_int(t->dash, -1, "no -- seen");
	is_int(cli_options_count(table), 12, "rows counted");
	is_int(cli_options_struct_size(table), sizeof(struct t_opts), "end row carries size");
	run_free(t);
}

static void test_bools(void)
{
	run *t = parse("--all", 0);

	ok(t->o.all, "--all sets true");
	ok(cli_opt_changed(&t->set, "all"), "--all marks changed");
	run_free(t);
	t = parse("--tty=false", 0);
	ok(!t->o.tty, "--tty=false clears a default true");
	ok(cli_opt_changed(&t->set, "tty"), "--tty=false marks changed");
	run_free(t);
	t = parse("--all=true --quiet=1 --detach=T", 0);
	ok(t->o.all && t->o.quiet && t->o.detach, "=true, =1 and =T are true");
	run_free(t);
	t = parse("--all=FALSE -q=0", 0);
	ok(!t->o.all && !t->o.quiet, "=FALSE and -q=0 are false");
	run_free(t);
	t = parse("--all false", 0);
	ok(t->o.all, "a bool never takes the next word");
	is_int(t->args.n, 1, "the next word stays a positional");
	run_free(t);
	expect_error("--all=maybe", "invalid argument \"maybe\" for \"-a, --all\" flag: "
				    "strconv.ParseBool: parsing \"maybe\": invalid syntax");
}

static void test_shorts(void)
{
	run *t = parse("-aqd", 0);

	ok(t->o.all && t->o.quiet && t->o.detach, "-aqd sets three bools");
	run_free(t);
	t = parse("-af json", 0);
	ok(t->o.all, "-af: a set");
	is_str(t->o.format, "json", "-af json: the last letter takes the next word");
	run_free(t);
	t = parse("-afjson", 0);
	is_str(t->o.format, "json", "-afjson: the rest of the word is the value");
	ok(t->o.all, "-afjson: a set");
	run_free(t);
	t = parse("-f=json", 0);
	is_str(t->o.format, "json", "-f=json");
	run_free(t);
	t = parse("-f -a", 0);
	is_str(t->o.format, "-a", "-f takes the next word even when it starts with -");
	ok(!t->o.all, "... which is then not an option");
	run_free(t);
	expect_error("-f", "flag needs an argument: 'f' in -f");
	expect_error("-af", "flag needs an argument: 'f' in -f");
	expect_error("-x", "unknown shorthand flag: 'x' in -x");
	expect_error("-ax", "unknown shorthand flag: 'x' in -x");
	expect_error("-axq", "unknown shorthand flag: 'x' in -xq");
}

static void test_longs(void)
{
	run *t = parse("--format json", 0);

	is_str(t->o.format, "json", "--format json");
	run_free(t);
	t = parse("--format=a=b", 0);
	is_str(t->o.format, "a=b", "--format=a=b keeps everything after the first =");
	run_free(t);
	t = parse("--format=", 0);
	is_str(t->o.format, "", "--format= is an empty value");
	ok(cli_opt_changed(&t->set, "format"), "... and a change");
	run_free(t);
	t = parse("--name a --name b", 0);
	is_str(t->o.name, "b", "the last string wins");
	run_free(t);
	expect_error("--format", "flag needs an argument: --format");
	expect_error("--foo", "unknown flag: --foo");
	expect_error("--foo=bar", "unknown flag: --foo");
	expect_error("---x", "bad flag syntax: ---x");
	expect_error("--=x", "bad flag syntax: --=x");
}

static void test_numbers(void)
{
	run *t = parse("--last 5 -t 30", 0);

	is_int(t->o.last, 5, "--last 5");
	is_int(t->o.time, 30, "-t 30");
	run_free(t);
	t = parse("--last=-3", 0);
	is_int(t->o.last, -3, "negative int");
	run_free(t);
	t = parse("-n 0x10", 0);
	is_int(t->o.last, 16, "hex int (Go base 0)");
	run_free(t);
	t = parse("-n 010", 0);
	is_int(t->o.last, 8, "leading 0 is octal (Go base 0)");
	run_free(t);
	t = parse("-n 0b101", 0);
	is_int(t->o.last, 5, "0b binary (Go base 0)");
	run_free(t);
	expect_error("-n abc", "invalid argument \"abc\" for \"-n, --last\" flag: "
			       "strconv.ParseInt: parsing \"abc\": invalid syntax");
	expect_error("--last=99999999999999999999", "invalid argument \"99999999999999999999\" for "
						    "\"-n, --last\" flag: "
						    "strconv.ParseInt: parsing "
						    "\"99999999999999999999\": value out of range");
	expect_error("--time -1", "invalid argument \"-1\" for \"-t, --time\" flag: "
				  "strconv.ParseUint: parsing \"-1\": invalid syntax");
	expect_error("--time=+1", "invalid argument \"+1\" for \"-t, --time\" flag: "
				  "strconv.ParseUint: parsing \"+1\": invalid syntax");
	expect_error("--time 08", "invalid argument \"08\" for \"-t, --time\" flag: "
				  "strconv.ParseUint: parsing \"08\": invalid syntax");
}

static void test_arrays(void)
{
	run *t = parse("-e A=1 --env B=2 --env=C=3", 0);

	is_int(t->o.env.n, 3, "repeated string array collects every value");
	is_str(t->o.env.v[0], "A=1", "first value");
	is_str(t->o.env.v[2], "C=3", "in order");
	run_free(t);
	t = parse("--env a,b", 0);
	is_int(t->o.env.n, 1, "string array does not split at commas");
	run_free(t);
	t = parse("-l x=1", 0);
	is_int(t->o.labels.n, 1, "the first value replaces the default");
	is_str(t->o.labels.v[0], "x=1", "replaced default");
	run_free(t);
	t = parse("-l x=1 --label y=2", 0);
	is_int(t->o.labels.n, 2, "later values append");
	run_free(t);
	t = parse("--cap-add a,b --cap-add c", 0);
	is_int(t->o.caps.n, 3, "string slice splits at commas and appends");
	is_str(t->o.caps.v[2], "c", "slice values in order");
	run_free(t);
	t = parse("--cap-add \"x,y\",z", 0);
	is_int(t->o.caps.n, 2, "a quoted CSV field keeps its comma");
	is_str(t->o.caps.v[0], "x,y", "quoted field unquoted");
	run_free(t);
	t = parse("--cap-add \"a\"\"b\"", 0);
	is_str(t->o.caps.v[0], "a\"b", "doubled quote inside a quoted field");
	run_free(t);
	t = parse("--cap-add a,", 0);
	is_int(t->o.caps.n, 2, "a trailing comma makes an empty field");
	run_free(t);
	t = parse("--cap-add=", 0);
	is_int(t->o.caps.n, 0, "empty slice value adds nothing");
	ok(cli_opt_changed(&t->set, "cap-add"), "... but is a change");
	run_free(t);
	expect_error("--cap-add a\"b", "invalid argument \"a\\\"b\" for \"--cap-add\" flag: "
				       "parse error on line 1, column 2: bare \" in "
				       "non-quoted-field");
	expect_error("--cap-add \"ab", "invalid argument \"\\\"ab\" for \"--cap-add\" flag: "
				       "parse error on line 1, column 4: extraneous or missing "
				       "\" in quoted-field");
}

static void test_count(void)
{
	run *t = parse("-vvv", 0);

	is_int(t->o.verbose, 3, "-vvv counts three");
	run_free(t);
	t = parse("-v --verbose -av", 0);
	is_int(t->o.verbose, 3, "-v, --verbose and bundled -av add up");
	ok(t->o.all, "bundled with a bool");
	run_free(t);
	t = parse("--verbose=5", 0);
	is_int(t->o.verbose, 5, "--verbose=5 sets");
	run_free(t);
	expect_error("--verbose=x", "invalid argument \"x\" for \"-v, --verbose\" flag: "
				    "strconv.ParseInt: parsing \"x\": invalid syntax");
}

static void test_positionals(void)
{
	run *t = parse("a --all b -- --quiet c", 0);

	is_int(t->args.n, 4, "options may follow positionals; -- ends options");
	is_str(t->args.v[1], "b", "positional after an option");
	is_str(t->args.v[2], "--quiet", "after --, options are positionals");
	ok(t->o.all && !t->o.quiet, "only options before -- were parsed");
	is_int(t->dash, 2, "positionals before --");
	run_free(t);
	t = parse("--all img --format json ls -l", CLI_PARSE_STOP_AT_POSITIONAL);
	ok(t->o.all, "options before the first positional are parsed");
	is_int(t->args.n, 5, "everything from the first positional on is a positional");
	is_str(t->args.v[1], "--format", "options after it belong to the command");
	is_str(t->o.format, NULL, "... and are not parsed");
	run_free(t);
	t = parse("- -a", 0);
	is_str(t->args.v[0], "-", "a lone - is a positional");
	ok(t->o.all, "... and parsing goes on");
	run_free(t);
}

static void test_empty_word(void)
{
	char *argv[] = { (char *)"", (char *)"--all", NULL };
	struct t_opts o;
	cli_optset set;
	cli_optset *sets[] = { &set };
	strv args = STRV_INIT;
	cpod_error *err = NULL;

	cli_optset_init(&set, table, &o, &err);
	is_int(cli_opts_parse(sets, 1, 0, 2, argv, &args, NULL, &err), 0, "empty word parses");
	is_int(args.n, 1, "an empty word is a positional");
	ok(o.all, "options after it are parsed");
	strv_clear(&args);
	cli_optset_release(&set);
}

static void test_help_and_sets(void)
{
	run *t = parse("-a -h --bogus", 0);

	is_int(t->r, CLI_PARSE_HELP, "-h asks for help when no option claims h");
	run_free(t);
	t = parse("--help", 0);
	is_int(t->r, CLI_PARSE_HELP, "undeclared --help asks for help");
	run_free(t);
	t = parse("--bogus --help", 0);
	is_int(t->r, -1, "an error before --help wins");
	run_free(t);
	t = parse("--root /x -q", 0);
	is_str(t->g.root, "/x", "an option of the second table");
	ok(t->o.quiet && !t->g.quiet, "the first table shadows the second (-q)");
	run_free(t);
	t = parse("--quiet --log-level debug", 0);
	ok(t->o.quiet && !t->g.quiet, "the first table shadows the second (--quiet)");
	is_str(t->g.log_level, "debug", "third table");
	ok(cli_opt_changed(&t->gset2, "log-level"), "changed in its own set");
	run_free(t);
}

struct h_opts {
	bool all, secret, tty;
	const char *format, *name, *tmpdir;
	long long last;
	unsigned long long time;
	strv env;
};

static const cli_option htable[] = {
	{ "tty", 0, CLI_BOOL(struct h_opts, tty), .def = "true", .help = "Allocate a tty" },
	{ "all", 'a', CLI_BOOL(struct h_opts, all), .help = "Show all containers" },
	{ "format", 'f', CLI_STRING(struct h_opts, format), .help = "Pretty-print containers" },
	{ "last", 'n', CLI_INT(struct h_opts, last), .def = "-1",
	  .help = "Print the n last created" },
	{ "name", 0, CLI_STRING(struct h_opts, name), .def = "web", .help = "Assign a name" },
	{ "secret", 0, CLI_BOOL(struct h_opts, secret), .flags = CLI_OPT_HIDDEN, .help = "x" },
	{ "env", 'e', CLI_STRV(struct h_opts, env), .help = "Set environment variables" },
	{ "tmpdir", 0, CLI_STRING(struct h_opts, tmpdir), .help = "Path.\nNote: second line" },
	{ "time", 't', CLI_UINT(struct h_opts, time), .def = "10", .argname = "seconds",
	  .help = "Seconds to wait" },
	CLI_OPT_END(struct h_opts),
};

static void test_help_text(void)
{
	const cli_option *tables[] = { htable, gtable };
	const char *want = "  -a, --all               Show all containers\n"
			   "  -e, --env stringArray   Set environment variables\n"
			   "  -f, --format string     Pretty-print containers\n"
			   "  -n, --last int          Print the n last created (default -1)\n"
			   "      --name string       Assign a name (default \"web\")\n"
			   "      --quiet             Global quiet\n"
			   "      --root string       Root\n"
			   "  -t, --time seconds      Seconds to wait (default 10)\n"
			   "      --tmpdir string     Path.\n"
			   "                          Note: second line\n"
			   "      --tty               Allocate a tty (default true)";
	buf b = BUF_INIT;

	buf_adds(&b, "Options:\n");
	cli_opts_help(&b, tables, 2);
	ok(str_has_prefix(b.s, "Options:\n"), "help appends to the buffer");
	is_str(b.s + strlen("Options:\n"), want,
	       "help lines: sorted, aligned, defaults, hidden left out, argname");
	buf_release(&b);

	buf_adds(&b, "x\n");
	cli_opts_help(&b, (const cli_option *const[]){ gtable }, 1);
	is_str(b.s, "x\n      --quiet         Global quiet\n      --root string   Root",
	       "columns are aligned per call (widest name plus three spaces)");
	buf_release(&b);
}

static void test_quote(void)
{
	buf b = BUF_INIT;

	cli_go_quote(&b, "a\"b\\c\n\t\x01");
	is_str(b.s, "\"a\\\"b\\\\c\\n\\t\\x01\"", "Go %%q quoting");
	buf_release(&b);
}

int main(void)
{
	test_defaults();
	test_bools();
	test_shorts();
	test_longs();
	test_numbers();
	test_arrays();
	test_count();
	test_positionals();
	test_empty_word();
	test_help_and_sets();
	test_help_text();
	test_quote();
	return done_testing();
}
