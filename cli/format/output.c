/* --format for list and inspect commands; see output.h.  podman's behaviour this follows:
 * containers/common pkg/report (formatter.go, template.go, validate.go) and the callers in
 * podman's cmd/podman (ps.go, inspect.go).
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "goprint.h"
#include "output.h"
#include "tabwriter.h"
#include "template.h"
#include "common/banned.h"

/* The whole rendered output of one command. */
#define FORMAT_MAX_OUTPUT (256u << 20)

/* Go's regexp \s. */
static bool re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static const char *skip_space(const char *s)
{
	while (re_space(*s))
		s++;
	return s;
}

/* Matches literal at s after optional white space; returns the position after it or NULL. */
static const char *match(const char *s, const char *literal)
{
	s = skip_space(s);
	return str_has_prefix(s, literal) ? s + strlen(literal) : NULL;
}

bool format_is_json(const char *format)
{
	const char *s;

	if (!format)
		return false;
	s = skip_space(format);
	if (str_has_prefix(s, "json")) {
		s += 4;
	} else {
		/* {{\s*json\.?\s*}} */
		if (!str_has_prefix(s, "{{") || !(s = match(s + 2, "json")))
			return false;
		if (*s == '.')
			s++;
		if (!(s = match(s, "}}")))
			return false;
	}
	return *skip_space(s) == 0;
}

bool format_is_table(const char *format)
{
	return format && str_has_prefix(format, "table ");
}

/* podman's EnforceRange test: {{\s*range\s*\.\s*}} followed somewhere by
 * {{\s*end\s*-?\s*}}. */
static bool has_range_over_dot(const char *format)
{
	for (const char *s = strstr(format, "{{"); s; s = strstr(s + 2, "{{")) {
		const char *p = match(s + 2, "range"), *e;

		if (!p || !(p = match(p, ".")) || !(p = match(p, "}}")))
			continue;
		for (e = strstr(p, "{{"); e; e = strstr(e + 2, "{{")) {
			const char *q = match(e + 2, "end");

			if (q && *skip_space(q) == '-')
				q = skip_space(q) + 1;
			if (q && match(q, "}}"))
				return true;
		}
		return false;
	}
	return false;
}

enum { CC_LOWER, CC_UPPER, CC_DIGIT, CC_OTHER };

static int char_class(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return CC_LOWER;
	if (c >= 'A' && c <= 'Z')
		return CC_UPPER;
	return c >= '0' && c <= '9' ? CC_DIGIT : CC_OTHER;
}

/* podman's camelcase.Split joined by spaces: runs of one character class, then the last
 * letter of an upper-case run moves to a following lower-case run (PDFLoader -> PDF Loader). */
static void camel_split(buf *b, const char *s)
{
	size_t n = strlen(s), nb = 0;
	_cleanup_free_ size_t *bound = xcalloc(n + 2, sizeof(*bound));

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) { /* not ASCII: leave it whole */
			buf_adds(b, s);
			return;
		}
	for (size_t i = 0; i < n; i++)
		if (i == 0 ||
		    char_class((unsigned char)s[i]) != char_class((unsigned char)s[i - 1]))
			bound[nb++] = i;
	bound[nb] = n;
	for (size_t r = 0; r + 1 < nb; r++)
		if (char_class((unsigned char)s[bound[r]]) == CC_UPPER &&
		    char_class((unsigned char)s[bound[r + 1]]) == CC_LOWER)
			bound[r + 1]--;
	for (size_t r = 0; r < nb; r++) {
		if (bound[r + 1] == bound[r])
			continue;
		if (b->len)
			buf_addch(b, ' ');
		buf_add(b, s + bound[r], bound[r + 1] - bound[r]);
	}
}

char *format_header_name(const char *field, const format_header *overrides)
{
	buf b = BUF_INIT;

	for (const format_header *o = overrides; o && o->field; o++)
		if (str_eq(o->field, field)) {
			buf_adds(&b, o->header);
			break;
		}
	if (!overrides || !b.len)
		camel_split(&b, field);
	for (size_t i = 0; i < b.len; i++)
		if (b.s[i] >= 'a' && b.s[i] <= 'z')
			b.s[i] = (char)(b.s[i] - 32);
	return buf_detach(&b, NULL);
}

static char *header_cb(const char *field, void *userdata)
{
	return format_header_name(field, userdata);
}

static int render_json(buf *out, struct json_object *v, const char *indent, cpod_error **err)
{
	if (go_json(out, v, indent) == 0 && buf_addch(out, '\n') == 0)
		return 0;
	if (errno == ELOOP)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "printing json: values nest too deeply");
	return cpod_err(err, CPOD_ERR_INVALID, 0, "printing json: output exceeds %u bytes",
			FORMAT_MAX_OUTPUT);
}

struct plan {
	const char *body; /* the template without "table " */
	bool table;	  /* align columns */
	bool header;	  /* print a header row */
	bool over_all;	  /* execute once over the whole array */
};

/* Executes the plan's template on the array, into text (not yet aligned). */
static int execute(buf *text, const struct plan *pl, struct json_object *arr,
		   const format_header *headers, cpod_error **err)
{
	unsigned flags = TMPL_CLI_ESCAPES | TMPL_APPEND_NEWLINE |
			 (pl->table ? TMPL_TABLE_SPACES : 0);
	_cleanup_tmpl_ tmpl *t = tmpl_parse(pl->body, flags, err);
	size_t n = json_object_array_length(arr);

	if (!t)
		return -1;
	if (pl->header && tmpl_exec_header(t, header_cb, (void *)headers, text, NULL, err) < 0)
		return -1;
	if (pl->over_all)
		return tmpl_exec(t, arr, text, NULL, err);
	for (size_t i = 0; i < n; i++)
		if (tmpl_exec(t, json_object_array_get_idx(arr, i), text, NULL, err) < 0)
			return -1;
	return 0;
}

static int finish(buf *out, const buf *text, bool table, cpod_error **err)
{
	int r = table ? tabwriter_format(out, text->s, text->len, &TABWRITER_PODMAN)
		      : buf_add(out, text->s, text->len);

	if (r < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "output exceeds %u bytes",
				FORMAT_MAX_OUTPUT);
	return 0;
}

int format_render_records(buf *out, const format_list *fl, struct json_object *records,
			  cpod_error **err)
{
	const char *format = fl->format && *fl->format ? fl->format : NULL;
	bool user = format != NULL;
	_cleanup_buf_ buf text = BUF_INIT;
	struct plan pl;

	if (!json_object_is_type(records, json_type_array))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "format: the records are not an array");
	if (!user)
		format = fl->default_format;
	if (!format)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "format: no format to print with");
	if (format_is_json(format))
		return render_json(out, records, "  ", err);
	pl.table = format_is_table(format) || !user;
	pl.body = format_is_table(format) ? format + 6 : format;
	/* podman: a user's template has a header row only with "table"; its own always. */
	pl.header = pl.table && !fl->noheading;
	pl.over_all = user && !format_is_table(format) && has_range_over_dot(format);
	buf_init(&text, FORMAT_MAX_OUTPUT);
	if (execute(&text, &pl, records, fl->headers, err) < 0)
		return -1;
	return finish(out, &text, pl.table, err);
}

int format_render_objects(buf *out, const char *format, struct json_object *objects,
			  cpod_error **err)
{
	_cleanup_buf_ buf text = BUF_INIT;
	struct plan pl = { 0 };

	if (!json_object_is_type(objects, json_type_array))
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "format: the objects are not an array");
	if (!format || !*format || format_is_json(format))
		return render_json(out, objects, "     ", err);
	pl.table = format_is_table(format);
	pl.body = pl.table ? format + 6 : format;
	pl.over_all = !pl.table && has_range_over_dot(format);
	buf_init(&text, FORMAT_MAX_OUTPUT);
	if (execute(&text, &pl, objects, NULL, err) < 0)
		return -1;
	return finish(out, &text, pl.table, err);
}

static int write_out(FILE *f, const buf *b, cpod_error **err)
{
	if (b->len && fwrite(b->s, 1, b->len, f) != b->len)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing output");
	if (fflush(f) != 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing output");
	return 0;
}

int format_print_records(FILE *out, const format_list *fl, struct json_object *records,
			 cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	buf_init(&b, FORMAT_MAX_OUTPUT);
	if (format_render_records(&b, fl, records, err) < 0)
		return -1;
	return write_out(out, &b, err);
}

int format_print_objects(FILE *out, const char *format, struct json_object *objects,
			 cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	buf_init(&b, FORMAT_MAX_OUTPUT);
	if (format_render_objects(&b, format, objects, err) < 0)
		return -1;
	return write_out(out, &b, err);
}
