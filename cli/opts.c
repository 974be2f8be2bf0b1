/* Option parsing generated from cli_option tables; see opts.h.  The rules and the error
 * wording follow spf13/pflag, which podman uses, so scripts see the same behaviour. */
#include "opts.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

size_t cli_options_count(const cli_option *table)
{
	size_t n = 0;

	while (table[n].name)
		n++;
	return n;
}

size_t cli_options_struct_size(const cli_option *table)
{
	return table[cli_options_count(table)].offset;
}

void cli_go_quote(buf *out, const char *s)
{
	buf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			buf_adds(out, "\\\"");
			break;
		case '\\':
			buf_adds(out, "\\\\");
			break;
		case '\n':
			buf_adds(out, "\\n");
			break;
		case '\t':
			buf_adds(out, "\\t");
			break;
		case '\r':
			buf_adds(out, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(out, "\\x%02x", *p);
			else
				buf_addch(out, (char)*p);
		}
	}
	buf_addch(out, '"');
}

/* Go's %q of a single byte: 'c'. */
static void go_quote_char(buf *out, unsigned char c)
{
	if (c == '\'' || c == '\\')
		buf_addf(out, "'\\%c'", c);
	else if (c < 0x20 || c >= 0x7f)
		buf_addf(out, "'\\x%02x'", c);
	else
		buf_addf(out, "'%c'", c);
}

/* Go's strconv.ParseUint(s, 0, 64) digits: an optional 0x/0b/0o/0 prefix picks the base. */
static int parse_go_digits(const char *s, unsigned long long *ret)
{
	unsigned base = 10;
	unsigned long long v = 0;

	if (s[0] == '0' && s[1]) {
		switch (s[1]) {
		case 'x':
		case 'X':
			base = 16, s += 2;
			break;
		case 'b':
		case 'B':
			base = 2, s += 2;
			break;
		case 'o':
		case 'O':
			base = 8, s += 2;
			break;
		default:
			base = 8, s += 1;
		}
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'z')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'Z')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (ULLONG_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*ret = v;
	return 0;
}

static int parse_go_int(const char *s, long long *ret)
{
	unsigned long long mag;
	bool neg = false;
	int r;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	r = parse_go_digits(s, &mag);
	if (r < 0)
		return r;
	if (neg ? mag > (unsigned long long)INT64_MAX + 1 : mag > INT64_MAX)
		return -ERANGE;
	*ret = neg ? (long long)(0 - mag) : (long long)mag;
	return 0;
}

static int go_num_err(cpod_error **err, const char *func, const char *s, int r)
{
	_cleanup_buf_ buf q = BUF_INIT;

	cli_go_quote(&q, s);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "strconv.%s: parsing %s: %s", func, q.s,
			r == -ERANGE ? "value out of range" : "invalid syntax");
}

static int parse_go_bool(const char *s, bool *ret, cpod_error **err)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

	if (strv_contains(yes, s))
		*ret = true;
	else if (strv_contains(no, s))
		*ret = false;
	else
		return go_num_err(err, "ParseBool", s, -EINVAL);
	return 0;
}

/* One CSV record as Go's encoding/csv reads it (pflag's stringSlice): fields split at commas;
 * a field that starts with '"' is quoted and "" inside it is one quote. */
static int csv_split(const char *s, strv *out, cpod_error **err)
{
	const char *p = s;

	if (!*s)
		return 0;
	for (;;) {
		_cleanup_buf_ buf field = BUF_INIT;

		if (*p == '"') {
			for (p++;; p++) {
				if (!*p || (*p == '"' && p[1] != '"' && p[1] != ',' && p[1]))
					return cpod_err(err, CPOD_ERR_INVALID, 0,
							"parse error on line 1, column %zu: "
							"extraneous or missing \" in quoted-field",
							(size_t)(p - s) + 1);
				if (*p == '"' && p[1] == '"')
					buf_addch(&field, *p++);
				else if (*p == '"')
					break;
				else
					buf_addch(&field, *p);
			}
			p++;
		} else {
			for (; *p && *p != ','; p++) {
				if (*p == '"')
					return cpod_err(err, CPOD_ERR_INVALID, 0,
							"parse error on line 1, column %zu: "
							"bare \" in non-quoted-field",
							(size_t)(p - s) + 1);
				buf_addch(&field, *p);
			}
		}
		strv_push_take(out, buf_detach(&field, NULL));
		if (!*p)
			return 0;
		p++; /* the comma */
	}
}

static bool offset_changed(const cli_optset *set, size_t offset)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->changed[i] && set->table[i].offset == offset)
			return true;
	return false;
}

/* Stores value into the field of row i; the error is the bare reason, without the
 * "invalid argument" wrapper. */
static int opt_set(cli_optset *set, size_t i, const char *value, cpod_error **err)
{
	const cli_option *o = &set->table[i];
	char *field = (char *)set->dest + o->offset;
	unsigned long long u;
	long long v;
	int r;

	switch (o->type) {
	case CLI_OPT_BOOL:
		return parse_go_bool(value, (bool *)field, err);
	case CLI_OPT_STRING:
		*(const char **)field = value;
		return 0;
	case CLI_OPT_INT:
		r = parse_go_int(value, &v);
		if (r < 0)
			return go_num_err(err, "ParseInt", value, r);
		*(long long *)field = v;
		return 0;
	case CLI_OPT_UINT:
		r = parse_go_digits(value, &u);
		if (r < 0)
			return go_num_err(err, "ParseUint", value, r);
		*(unsigned long long *)field = u;
		return 0;
	case CLI_OPT_COUNT:
		if (str_eq(value, "+1")) {
			(*(int *)field)++;
			return 0;
		}
		r = parse_go_int(value, &v);
		if (r == 0 && (v > INT_MAX || v < INT_MIN))
			r = -ERANGE;
		if (r < 0)
			return go_num_err(err, "ParseInt", value, r);
		*(int *)field = (int)v;
		return 0;
	case CLI_OPT_STRV:
	case CLI_OPT_STRV_CSV: {
		_cleanup_strv_ strv vals = STRV_INIT;

		/* The first value given replaces the default, later ones append. */
		if (o->type == CLI_OPT_STRV)
			strv_push(&vals, value);
		else if (csv_split(value, &vals, err) < 0)
			return -1;
		if (!offset_changed(set, o->offset))
			strv_clear((strv *)field);
		strv_pushv((strv *)field, (const char *const *)vals.v);
		return 0;
	}
	case CLI_OPT_END_:
		break;
	}
	return cpod_err(err, CPOD_ERR_INTERNAL, 0, "option '%s' has no type", o->name);
}

static void field_zero(const cli_option *o, void *field)
{
	switch (o->type) {
	case CLI_OPT_BOOL:
		*(bool *)field = false;
		break;
	case CLI_OPT_STRING:
		*(const char **)field = NULL;
		break;
	case CLI_OPT_INT:
		*(long long *)field = 0;
		break;
	case CLI_OPT_UINT:
		*(unsigned long long *)field = 0;
		break;
	case CLI_OPT_COUNT:
		*(int *)field = 0;
		break;
	case CLI_OPT_STRV:
	case CLI_OPT_STRV_CSV:
		strv_init(field);
		break;
	case CLI_OPT_END_:
		break;
	}
}

int cli_optset_init(cli_optset *set, const cli_option *table, void *dest, cpod_error **err)
{
	set->table = table;
	set->dest = dest;
	set->n = cli_options_count(table);
	set->changed = xcalloc(set->n + 1, 1);
	for (size_t i = 0; i < set->n; i++)
		field_zero(&table[i], (char *)dest + table[i].offset);
	for (size_t i = 0; i < set->n; i++) {
		const cli_option *o = &table[i];

		if (!o->def)
			continue;
		if (o->type == CLI_OPT_STRV) {
			/* A string array's default is written as a list. */
			if (csv_split(o->def, (strv *)((char *)dest + o->offset), err) < 0)
				return cpod_err_prefix(err, "default of option '--%s'", o->name);
		} else if (opt_set(set, i, o->def, err) < 0) {
			return cpod_err_prefix(err, "default of option '--%s'", o->name);
		}
	}
	return 0;
}

void cli_optset_release(cli_optset *set)
{
	for (size_t i = 0; set->dest && i < set->n; i++) {
		const cli_option *o = &set->table[i];

		if (o->type == CLI_OPT_STRV || o->type == CLI_OPT_STRV_CSV)
			strv_clear((strv *)((char *)set->dest + o->offset));
	}
	free(set->changed);
	set->changed = NULL;
	set->n = 0;
}

bool cli_opt_changed(const cli_optset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->changed[i] && str_eq(set->table[i].name, name))
			return true;
	return false;
}

typedef struct {
	cli_optset *set;
	size_t row;
} opt_ref;

static bool find_long(cli_optset *const *sets, size_t n_sets, const char *name, size_t len,
		      opt_ref *ret)
{
	for (size_t s = 0; s < n_sets; s++)
		for (size_t i = 0; i < sets[s]->n; i++) {
			const char *on = sets[s]->table[i].name;

			if (strlen(on) == len && memcmp(on, name, len) == 0) {
				*ret = (opt_ref){ sets[s], i };
				return true;
			}
		}
	return false;
}

static bool find_short(cli_optset *const *sets, size_t n_sets, char c, opt_ref *ret)
{
	for (size_t s = 0; s < n_sets; s++)
		for (size_t i = 0; i < sets[s]->n; i++)
			if (sets[s]->table[i].short_name == c) {
				*ret = (opt_ref){ sets[s], i };
				return true;
			}
	return false;
}

/* bool and count options take no separate argument (pflag's NoOptDefVal). */
static const char *implied_value(const cli_option *o)
{
	if (o->type == CLI_OPT_BOOL)
		return "true";
	if (o->type == CLI_OPT_COUNT)
		return "+1";
	return NULL;
}

static int apply(opt_ref ref, const char *value, cpod_error **err)
{
	const cli_option *o = &ref.set->table[ref.row];
	_cleanup_buf_ buf msg = BUF_INIT;

	if (opt_set(ref.set, ref.row, value, err) == 0) {
		ref.set->changed[ref.row] = 1;
		return 0;
	}
	buf_adds(&msg, "invalid argument ");
	cli_go_quote(&msg, value);
	buf_adds(&msg, " for \"");
	if (o->short_name)
		buf_addf(&msg, "-%c, ", o->short_name);
	buf_addf(&msg, "--%s\" flag", o->name);
	return cpod_err_prefix(err, "%s", msg.s);
}

/* "--name", "--name=value" or "--name value"; *i is advanced past a consumed value. */
static int parse_long(cli_optset *const *sets, size_t n_sets, int argc, char *const *argv, int *i,
		      cpod_error **err)
{
	const char *arg = argv[*i], *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *value;
	opt_ref ref;

	if (!*name || *name == '-' || *name == '=')
		return cpod_err(err, CPOD_ERR_INVALID, 0, "bad flag syntax: %s", arg);
	if (!find_long(sets, n_sets, name, len, &ref)) {
		if (len == 4 && memcmp(name, "help", 4) == 0)
			return CLI_PARSE_HELP;
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown flag: --%.*s", (int)len, name);
	}
	if (eq)
		value = eq + 1;
	else if ((value = implied_value(&ref.set->table[ref.row])))
		;
	else if (*i + 1 < argc)
		value = argv[++*i];
	else
		return cpod_err(err, CPOD_ERR_INVALID, 0, "flag needs an argument: %s", arg);
	return apply(ref, value, err);
}

static int short_error(cpod_error **err, const char *what, char c, const char *rest)
{
	_cleanup_buf_ buf q = BUF_INIT;

	go_quote_char(&q, (unsigned char)c);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "%s: %s in -%s", what, q.s, rest);
}

/* "-abc", "-fvalue", "-f=value" or "-f value". */
static int parse_shorts(cli_optset *const *sets, size_t n_sets, int argc, char *const *argv, int *i,
			cpod_error **err)
{
	const char *sh = argv[*i] + 1;

	while (*sh) {
		const char *value;
		opt_ref ref;
		int r;

		if (!find_short(sets, n_sets, *sh, &ref)) {
			if (*sh == 'h')
				return CLI_PARSE_HELP;
			return short_error(err, "unknown shorthand flag", *sh, sh);
		}
		if (sh[1] == '=') {
			value = sh + 2;
			sh += strlen(sh);
		} else if ((value = implied_value(&ref.set->table[ref.row]))) {
			sh++;
		} else if (sh[1]) {
			value = sh + 1;
			sh += strlen(sh);
		} else if (*i + 1 < argc) {
			value = argv[++*i];
			sh++;
		} else {
			return short_error(err, "flag needs an argument", *sh, sh);
		}
		r = apply(ref, value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cli_opts_parse(cli_optset *const *sets, size_t n_sets, unsigned flags, int argc,
		   char *const *argv, strv *ret_args, int *ret_dash, cpod_error **err)
{
	if (ret_dash)
		*ret_dash = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (a[0] != '-' || a[1] == '\0') {
			if (flags & CLI_PARSE_STOP_AT_POSITIONAL) {
				for (; i < argc; i++)
					strv_push(ret_args, argv[i]);
				return 0;
			}
			strv_push(ret_args, a);
			continue;
		}
		if (str_eq(a, "--")) {
			if (ret_dash)
				*ret_dash = (int)ret_args->n;
			for (i++; i < argc; i++)
				strv_push(ret_args, argv[i]);
			return 0;
		}
		if (a[1] == '-')
			r = parse_long(sets, n_sets, argc, argv, &i, err);
		else
			r = parse_shorts(sets, n_sets, argc, argv, &i, err);
		if (r != 0)
			return r;
	}
	return 0;
}

static const char *type_name(const cli_option *o)
{
	if (o->argname)
		return o->argname;
	switch (o->type) {
	case CLI_OPT_STRING:
		return "string";
	case CLI_OPT_INT:
		return "int";
	case CLI_OPT_UINT:
		return "uint";
	case CLI_OPT_STRV:
		return "stringArray";
	case CLI_OPT_STRV_CSV:
		return "strings";
	case CLI_OPT_COUNT:
		return "count";
	default:
		return "";
	}
}

/* pflag prints "(default ...)" unless the default is the type's zero value. */
static void add_default(buf *out, const cli_option *o)
{
	const char *d = o->def;
	unsigned long long u = 0;
	long long v = 0;

	if (!d || !*d)
		return;
	switch (o->type) {
	case CLI_OPT_BOOL:
		if (strv_contains((const char *const[]){ "1", "t", "T", "TRUE", "true", "True",
							 NULL },
				  d))
			buf_adds(out, " (default true)");
		break;
	case CLI_OPT_STRING:
		buf_adds(out, " (default ");
		cli_go_quote(out, d);
		buf_addch(out, ')');
		break;
	case CLI_OPT_INT:
	case CLI_OPT_COUNT:
		if (parse_go_int(d, &v) == 0 && v != 0)
			buf_addf(out, " (default %lld)", v);
		break;
	case CLI_OPT_UINT:
		if (parse_go_digits(d, &u) == 0 && u != 0)
			buf_addf(out, " (default %llu)", u);
		break;
	case CLI_OPT_STRV:
	case CLI_OPT_STRV_CSV:
		buf_addf(out, " (default [%s])", d);
		break;
	case CLI_OPT_END_:
		break;
	}
}

static int cmp_opt_name(const void *a, const void *b)
{
	const cli_option *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The visible rows of all tables, sorted by name; a name already seen in an earlier table
 * (a command option shadowing a global one) is left out. */
static size_t visible_rows(const cli_option *const *tables, size_t n_tables,
			   const cli_option ***ret)
{
	const cli_option **rows = NULL;
	size_t n = 0, alloc = 0;

	for (size_t t = 0; t < n_tables; t++)
		for (const cli_option *o = tables[t]; o->name; o++) {
			bool dup = false;

			if (o->flags & CLI_OPT_HIDDEN)
				continue;
			for (size_t k = 0; k < n && !dup; k++)
				dup = str_eq(rows[k]->name, o->name);
			if (dup)
				continue;
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				rows = xreallocarray(rows, alloc, sizeof(*rows));
			}
			rows[n++] = o;
		}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_opt_name);
	*ret = rows;
	return n;
}

void cli_opts_help(buf *out, const cli_option *const *tables, size_t n_tables)
{
	_cleanup_free_ const cli_option **rows = NULL;
	_cleanup_strv_ strv heads = STRV_INIT;
	size_t n = visible_rows(tables, n_tables, &rows), maxlen = 0, start = out->len;

	for (size_t i = 0; i < n; i++) {
		const char *t = type_name(rows[i]);
		char *h;

		if (rows[i]->short_name)
			h = xasprintf("  -%c, --%s%s%s", rows[i]->short_name, rows[i]->name,
				      *t ? " " : "", t);
		else
			h = xasprintf("      --%s%s%s", rows[i]->name, *t ? " " : "", t);
		if (strlen(h) + 1 > maxlen)
			maxlen = strlen(h) + 1;
		strv_push_take(&heads, h);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ buf text = BUF_INIT;

		buf_adds(&text, rows[i]->help ? rows[i]->help : "");
		add_default(&text, rows[i]);
		if (i)
			buf_addch(out, '\n');
		buf_addf(out, "%s %*s ", heads.v[i], (int)(maxlen - strlen(heads.v[i])), "");
		/* Continuation lines of a multi-line help start under the first one. */
		for (const char *p = text.s; *p; p++) {
			buf_addch(out, *p);
			if (*p == '\n')
				buf_addf(out, "%*s", (int)maxlen + 2, "");
		}
	}
	/* The help template trims trailing whitespace of the whole block. */
	while (out->len > start && (out->s[out->len - 1] == ' ' || out->s[out->len - 1] == '\n'))
		buf_truncate(out, out->len - 1);
}
