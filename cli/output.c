/* Printing results: JSON as podman prints it, and --format. */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "format/tabwriter.h"
#include "format/template.h"
#include "common/banned.h"

/* json-c indents its pretty output with tabs and prints an empty collection over two lines;
 * Go's json.MarshalIndent(v, "", "  ") indents by two spaces and prints [] and {}.  json-c
 * escapes every control character inside strings, so a raw tab or newline in its output is
 * always layout and can be rewritten. */
static void go_indent(buf *out, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((*p == '[' || *p == '{') && p[1] == '\n') {
			const char *q = p + 1;

			while (*q == '\n' || *q == '\t')
				q++;
			if (*q == (*p == '[' ? ']' : '}')) {
				buf_addch(out, *p);
				buf_addch(out, *q);
				p = q;
				continue;
			}
		}
		if (*p == '\t')
			buf_adds(out, "  ");
		else
			buf_addch(out, *p);
	}
}

void cli_print_json(FILE *out, json_object *obj, bool indent)
{
	_cleanup_buf_ buf b = BUF_INIT;
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (indent)
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
			 JSON_C_TO_STRING_SPACED;
	go_indent(&b, json_object_to_json_string_ext(obj, flags));
	fprintf(out, "%s\n", b.s);
}

bool cli_format_is_json(const char *format)
{
	regex_t re;
	bool m;

	/* containers/common's report.IsJSON. */
	if (regcomp(&re,
		    "^[[:space:]]*(json|\\{\\{[[:space:]]*json[[:space:]]*\\.?[[:space:]]*\\}\\})"
		    "[[:space:]]*$",
		    REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	m = regexec(&re, format, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

int cli_print_format(FILE *out, const char *format, json_object *obj, cpod_error **err)
{
	_cleanup_tmpl_ tmpl *t = NULL;
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_buf_ buf aligned = BUF_INIT;

	if (cli_format_is_json(format)) {
		cli_print_json(out, obj, true);
		return 0;
	}
	/* podman (containers/common's report) turns \t and \n typed on the command line into
	 * tabs and newlines, ends the template with a newline, and writes through a tabwriter. */
	t = tmpl_parse(format, TMPL_CLI_ESCAPES | TMPL_APPEND_NEWLINE, err);
	if (!t || tmpl_exec(t, obj, &b, NULL, err) < 0)
		return -1;
	tabwriter_format(&aligned, b.s, b.len, &TABWRITER_PODMAN);
	fwrite(aligned.s, 1, aligned.len, out);
	return 0;
}

int cli_confirm(bool *yes)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fflush(stdout);
	errno = 0;
	n = getline(&line, &cap, stdin);
	if (n <= 0 || line[n - 1] != '\n')
		return -1;
	*yes = tolower((unsigned char)line[0]) == 'y';
	return 0;
}

int cli_tls_verify(const cli_ctx *ctx, bool value)
{
	if (!ctx->cmd_set || !cli_opt_changed(ctx->cmd_set, "tls-verify"))
		return CPOD_TLS_VERIFY_DEFAULT;
	return value ? CPOD_TLS_VERIFY_ON : CPOD_TLS_VERIFY_OFF;
}
