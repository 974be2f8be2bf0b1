/* The subset of Go's text/template that podman users write in --format, evaluated against
 * json-c values (one JSON object per record, with podman's field names).
 *
 * Supported: text, {{ actions }}, trim markers {{- and -}}, comments (an action that is only a
 * C-style slash-star comment), fields .A.B,
 * dot, $ and $x := / $x = variables, string/raw-string/number/char/bool/nil literals,
 * pipelines with |, parenthesised pipelines (also followed by .Field), {{if}} {{else if}}
 * {{else}} {{end}}, {{range}} over arrays, maps (sorted keys) and integers with one or two
 * variables and {{else}}, {{break}}, {{continue}}, {{with}} {{else with}}, and the functions
 * and, or, not, eq, ne, lt, le, gt, ge, len, index, print, printf, println, json, join,
 * lower, upper, title, truncate, split, pad.  {{define}}, {{template}} and {{block}} are not.
 *
 * Values print the way Go prints them: strings raw, numbers like fmt's %v, true/false, a
 * missing or null value as <no value>, arrays as [a b], maps as map[k:v] with sorted keys.
 * The json function keeps the objects' own key order (a Go struct's field order); records
 * that stand for Go maps should be built with sorted keys.
 *
 * Where JSON data cannot carry Go's types, this is more lenient than Go: a field of nil is
 * nil, not an error; numbers compare by value (1 eq 1.0); string functions take nil as "" and
 * print numbers and bools; lower/upper/title change ASCII letters only.
 *
 * Errors are CPOD_ERR_INVALID with messages such as
 *   template: unexpected "}" in operand at 1:7
 *   template: executing <.ID.Name> at 1:3: can't evaluate field Name in type string
 */
#ifndef CPOD_FORMAT_TEMPLATE_H
#define CPOD_FORMAT_TEMPLATE_H

#include <stddef.h>

#include <cpod/error.h>

#include "common/buf.h"

struct json_object;

typedef struct tmpl tmpl;

enum {
	/* The two-character sequences \t and \n in text (outside actions) become a tab and a
	 * newline, as podman does for --format given on a command line. */
	TMPL_CLI_ESCAPES = 1 << 0,
	/* Spaces in text become tabs (podman's "table" formats: columns split on spaces). */
	TMPL_TABLE_SPACES = 1 << 1,
	/* Append a newline unless the text (after TMPL_CLI_ESCAPES) already ends with one,
	 * exactly as podman does before parsing, so a final -}} trims it. */
	TMPL_APPEND_NEWLINE = 1 << 2,
};

/* Default limits of one execution. */
#define TMPL_DEFAULT_MAX_OUTPUT (16u << 20)
#define TMPL_DEFAULT_MAX_STEPS 10000000u

typedef struct {
	size_t max_output; /* bytes written (and bytes of any string made); 0: default */
	size_t max_steps;  /* nodes, calls and iterations executed; 0: default */
} tmpl_limits;

/* Parses text (NUL-terminated).  Returns the template (free with tmpl_free) or NULL with
 * *err set (CPOD_ERR_INVALID, message naming line:column). */
tmpl *tmpl_parse(const char *text, unsigned flags, cpod_error **err);

/* Executes t with dot and $ set to data (borrowed; NULL is nil) and appends the output to
 * out.  lim may be NULL.  On failure returns -1 with *err set (CPOD_ERR_INVALID), and out
 * holds what was appended before it (the caller usually discards it). */
int tmpl_exec(const tmpl *t, struct json_object *data, buf *out, const tmpl_limits *lim,
	      cpod_error **err);

/* Returns the header text of a field name (a malloc'ed string the executor frees). */
typedef char *(*tmpl_header_fn)(const char *field, void *userdata);

/* Executes t in header mode, the way podman prints the header row of a table: every field
 * chain evaluates to header(last field name); functions that transform strings (json, join,
 * printf, upper, index, len ...) return their field-derived argument unchanged; text, if,
 * with and the comparison functions work as usual; range runs its body once. */
int tmpl_exec_header(const tmpl *t, tmpl_header_fn header, void *userdata, buf *out,
		     const tmpl_limits *lim, cpod_error **err);

/* Accepts NULL. */
void tmpl_free(tmpl *t);
static inline void tmpl_freep(tmpl **t)
{
	tmpl_free(*t);
}
#define _cleanup_tmpl_ __attribute__((cleanup(tmpl_freep)))

#endif
