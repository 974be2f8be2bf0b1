/* --help texts generated from the command table, in the layout of podman's cobra templates,
 * and the `help` command. */
#include "commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* One line of an "Available Commands" list. */
typedef struct {
	const char *name;
	const char *short_help;
	bool hidden;
} entry;

typedef struct {
	entry *v;
	size_t n, alloc;
} entries;

static void entries_add(entries *e, const char *name, const char *short_help, bool hidden)
{
	if (e->n == e->alloc) {
		e->alloc = e->alloc ? e->alloc * 2 : 16;
		e->v = xreallocarray(e->v, e->alloc, sizeof(*e->v));
	}
	e->v[e->n++] = (entry){ name, short_help, hidden };
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

/* The names directly under noun (NULL: the top level): commands, aliases podman puts at the
 * top level, and nouns (or nouns inside noun) that have commands.  Sorted by name. */
static void collect(const cli_noun *noun, entries *e)
{
	size_t plen = noun ? strlen(noun->name) : 0;

	for (const cli_command *c = cli_commands; c->verb; c++) {
		bool hidden = c->flags & CLI_CMD_HIDDEN;

		if (noun ? str_eq(c->noun, noun->name) : !c->noun)
			entries_add(e, c->verb, c->short_help, hidden);
		if (!noun && c->toplevel)
			entries_add(e, c->toplevel, c->short_help, hidden);
	}
	for (const cli_noun *n = cli_nouns; n->name; n++) {
		const char *rest = n->name;

		if (noun) {
			if (!str_has_prefix(n->name, noun->name) || n->name[plen] != ' ')
				continue;
			rest = n->name + plen + 1;
		}
		if (!strchr(rest, ' ') && cli_find_noun(n->name))
			entries_add(e, rest, n->short_help, false);
	}
	if (e->n)
		qsort(e->v, e->n, sizeof(*e->v), cmp_entry);
}

static void print_commands(const cli_noun *noun, FILE *out)
{
	entries e = { 0 };
	int pad = 11; /* cobra's minimum name padding */

	collect(noun, &e);
	for (size_t i = 0; i < e.n; i++)
		if ((int)strlen(e.v[i].name) > pad)
			pad = (int)strlen(e.v[i].name);
	fputs("Available Commands:", out);
	for (size_t i = 0; i < e.n; i++)
		if (!e.v[i].hidden)
			fprintf(out, "\n  %-*s %s", pad, e.v[i].name, e.v[i].short_help);
	free(e.v);
}

/* Prints text with every line after the first indented by two spaces. */
static void print_indented(const char *text, FILE *out)
{
	for (const char *p = text; *p; p++) {
		fputc(*p, out);
		if (*p == '\n' && p[1] && p[1] != '\n')
			fputs("  ", out);
	}
}

static void print_options(const cli_option *const *tables, size_t n, FILE *out)
{
	_cleanup_buf_ buf b = BUF_INIT;

	cli_opts_help(&b, tables, n);
	if (b.len)
		fprintf(out, "\n\nOptions:\n%s", b.s);
}

void cli_help_root(cli_ctx *ctx, FILE *out)
{
	const cli_option *tables[] = { cli_root_options, cli_persistent_options };

	fprintf(out, "Manage pods, containers and images\n\nUsage:\n  %s [options] [command]\n\n",
		ctx->prog);
	print_commands(NULL, out);
	print_options(tables, 2, out);
	fputc('\n', out);
}

static void print_description(const char *short_help, const char *long_help, FILE *out)
{
	fprintf(out, "%s\n\nDescription:\n  ", short_help);
	print_indented(long_help ? long_help : short_help, out);
	fputs("\n\n", out);
}

void cli_help_noun(cli_ctx *ctx, const cli_noun *noun, FILE *out)
{
	print_description(noun->short_help, noun->long_help, out);
	fprintf(out, "Usage:\n  %s %s [command]\n\n", ctx->prog, noun->name);
	print_commands(noun, out);
	fputs("\n\n", out);
}

void cli_help_command(cli_ctx *ctx, const cli_command *cmd, const char *path, FILE *out)
{
	const cli_option *tables[] = { cmd->options };
	bool via_noun = cmd->noun && !str_eq(strrchr(path, ' ') + 1, cmd->toplevel);

	print_description(cmd->short_help, cmd->long_help, out);
	fprintf(out, "Usage:\n  %s%s%s", path, cmd->usage ? " " : "", cmd->usage ? cmd->usage : "");
	if (via_noun && cmd->aliases) {
		fprintf(out, "\n\nAliases:\n  %s", cmd->verb);
		for (const char *const *a = cmd->aliases; *a; a++)
			fprintf(out, ", %s", *a);
	}
	if (cmd->example) {
		fputs("\n\nExamples:\n  ", out);
		print_indented(cmd->example, out);
	}
	print_options(tables, 1, out);
	fputs("\n\n", out);
}

/* Levenshtein distance, ignoring case, as cobra's suggestions compute it. */
static size_t distance(const char *s, const char *t)
{
	size_t ls = strlen(s), lt = strlen(t);
	_cleanup_free_ size_t *row = xcalloc(lt + 1, sizeof(*row));

	for (size_t j = 0; j <= lt; j++)
		row[j] = j;
	for (size_t i = 1; i <= ls; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lt; j++) {
			size_t up = row[j], cost = tolower((unsigned char)s[i - 1]) !=
						   tolower((unsigned char)t[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lt];
}

void cli_suggest(const cli_noun *noun, const char *typed, strv *out)
{
	entries e = { 0 };

	collect(noun, &e);
	for (size_t i = 0; i < e.n; i++) {
		bool prefix = strncasecmp(e.v[i].name, typed, strlen(typed)) == 0;

		if (!e.v[i].hidden && (prefix || distance(typed, e.v[i].name) <= 2))
			strv_push(out, e.v[i].name);
	}
	free(e.v);
}

struct help_opts {
	bool list;
};

const cli_option cmd_help_options[] = {
	{ "list", 0, CLI_BOOL(struct help_opts, list), .flags = CLI_OPT_HIDDEN,
	  .help = "Print every command path, one a line" },
	CLI_OPT_END(struct help_opts),
};

/* Every way a command can be called, one a line: for tests that walk the whole table. */
static void print_list(FILE *out)
{
	for (const cli_noun *n = cli_nouns; n->name; n++)
		if (cli_find_noun(n->name))
			fprintf(out, "%s\n", n->name);
	for (const cli_command *c = cli_commands; c->verb; c++) {
		if (c->noun)
			fprintf(out, "%s %s\n", c->noun, c->verb);
		else
			fprintf(out, "%s\n", c->verb);
		if (c->toplevel)
			fprintf(out, "%s\n", c->toplevel);
	}
}

int cmd_help(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct help_opts *o = opts;
	const cli_noun *noun = NULL;
	_cleanup_free_ char *path = NULL;
	int i = 0;

	if (o->list) {
		print_list(stdout);
		return 0;
	}
	/* Walk down the nouns as far as the words go, then look for a command. */
	for (; i < argc; i++) {
		_cleanup_free_ char *name = noun ? xasprintf("%s %s", noun->name, argv[i])
						 : xstrdup(argv[i]);
		const cli_noun *next = cli_find_noun(name);

		if (!next)
			break;
		noun = next;
	}
	if (i == argc) {
		if (noun)
			cli_help_noun(ctx, noun, stdout);
		else
			cli_help_root(ctx, stdout);
		return 0;
	}
	if (i == argc - 1) {
		const cli_command *cmd = noun ? cli_find_verb(noun, argv[i])
					      : cli_find_toplevel(argv[i]);

		if (cmd) {
			path = noun ? xasprintf("%s %s %s", ctx->prog, noun->name, argv[i])
				    : xasprintf("%s %s", ctx->prog, argv[i]);
			cli_help_command(ctx, cmd, path, stdout);
			return 0;
		}
	}
	printf("Unknown help topic [`%s`]\n", argv[i]);
	cli_help_root(ctx, stdout);
	return 0;
}
