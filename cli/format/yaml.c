/* JSON values printed as YAML, byte for byte the way podman prints `podman info`: it turns
 * its JSON into YAML with ghodss/yaml, i.e. go-yaml v2's emitter.  That means: mapping keys
 * sorted (digit runs compared as numbers), block style, sequences under a key not indented,
 * empty collections as {} and [], strings plain when they would read back as the same string,
 * else single-quoted, else double-quoted with escapes, multi-line strings as literal blocks
 * (|, |-, |+), and long plain or quoted scalars folded at spaces past column 80.
 *
 * Not reproduced: !!binary for invalid UTF-8 (such bytes are \x-escaped in double quotes) and
 * "? " complex keys for keys over 128 characters.
 */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define BEST_WIDTH 80
#define BEST_INDENT 2

typedef struct {
	buf *out;
	int column;	 /* characters on the current line */
	bool whitespace; /* the last thing written was whitespace or a line start */
	bool indention;	 /* nothing but indentation on the current line */
} emitter;

/* ---- UTF-8 classes of the YAML emitter ---- */

static int width(unsigned char c)
{
	if ((c & 0x80) == 0)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 0;
}

/* Bytes of s from i on (s is NUL-terminated, so reading past a short sequence stops at 0). */
static bool is_break(const unsigned char *s, size_t i)
{
	return s[i] == '\r' || s[i] == '\n' || (s[i] == 0xc2 && s[i + 1] == 0x85) ||
	       (s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9));
}

static bool is_blankz(const unsigned char *s, size_t i)
{
	return s[i] == ' ' || s[i] == '\t' || s[i] == '\0' || is_break(s, i);
}

static bool is_printable(const unsigned char *s, size_t i)
{
	unsigned char c = s[i];

	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c == 0xc2 && s[i + 1] >= 0xa0) ||
	       (c > 0xc2 && c < 0xed) || (c == 0xed && s[i + 1] < 0xa0) || c == 0xee ||
	       (c == 0xef && !(s[i + 1] == 0xbb && s[i + 2] == 0xbf) &&
		!(s[i + 1] == 0xbf && (s[i + 2] == 0xbe || s[i + 2] == 0xbf)));
}

static bool utf8_valid(const unsigned char *s)
{
	for (size_t i = 0; s[i];) {
		int w = width(s[i]);

		if (!w)
			return false;
		for (int k = 1; k < w; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += (size_t)w;
	}
	return true;
}

/* ---- would a plain scalar read back as a string? (go-yaml's resolve) ---- */

static bool matches(const char *re, const char *s)
{
	regex_t r;
	bool m;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	m = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

/* Go's strconv.ParseInt/ParseUint(s, 0, 64) accepts it. */
static bool go_parses_int(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p)
		return false;
	for (; *p; p++) {
		int d = isdigit((unsigned char)*p)   ? *p - '0'
			: isalpha((unsigned char)*p) ? tolower((unsigned char)*p) - 'a' + 10
						     : 99;

		if (d >= base)
			return false;
	}
	/* Out of int64 and uint64 range fails in Go; beyond 2^64 is not worth telling apart. */
	return true;
}

/* One of the layouts go-yaml tries with time.Parse: 2006-1-2, 2006-1-2 15:4:5[.9] or
 * 2006-1-2T15:4:5[.9]Z07:00 (also with a lowercase t). */
static bool is_timestamp(const char *s)
{
	long f[6] = { 0 };
	const char *p = s;
	char *end;

	if (!matches("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$", s) &&
	    !matches("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} "
		     "[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?$",
		     s) &&
	    !matches("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}"
		     "(\\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})$",
		     s))
		return false;
	for (int i = 0; i < 6 && *p; i++) {
		f[i] = strtol(p, &end, 10);
		p = *end ? end + 1 : end;
	}
	return f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[2] <= 31 && f[3] < 24 && f[4] < 60 &&
	       f[5] < 60;
}

static bool resolves_to_string(const char *s)
{
	static const char *const special[] = { "y",	"Y",	 "yes",	  "Yes",   "YES",   "true",
					       "True",	"TRUE",	 "on",	  "On",	   "ON",    "n",
					       "N",	"no",	 "No",	  "NO",	   "false", "False",
					       "FALSE", "off",	 "Off",	  "OFF",   "~",	    "null",
					       "Null",	"NULL",	 ".nan",  ".NaN",  ".NAN",  ".inf",
					       ".Inf",	".INF",	 "+.inf", "+.Inf", "+.INF", "-.inf",
					       "-.Inf", "-.INF", NULL };
	_cleanup_free_ char *plain = NULL;
	char *w;

	if (!*s || strv_contains(special, s))
		return false;
	if (*s == '.')
		return !matches("^\\.[0-9]+([eE][-+]?[0-9]+)?$", s);
	if (!isdigit((unsigned char)*s) && *s != '+' && *s != '-')
		return true;
	if (is_timestamp(s))
		return false;
	plain = xstrdup(s);
	w = plain;
	for (const char *r = plain; *r; r++)
		if (*r != '_')
			*w++ = *r;
	*w = '\0';
	if (go_parses_int(plain))
		return false;
	if (matches("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", plain)) {
		double d;

		errno = 0;
		d = strtod(plain, NULL);
		return errno == ERANGE && isinf(d); /* Go refuses only overflow */
	}
	return true;
}

static bool is_base60_float(const char *s)
{
	return matches("^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?$", s);
}

/* ---- scalar analysis (yaml_emitter_analyze_scalar) ---- */

typedef struct {
	bool multiline;
	bool block_plain_allowed;
	bool single_quoted_allowed;
	bool block_allowed;
} scalar_info;

static void first_char_indicators(const unsigned char *s, bool followed_ws, bool *flow, bool *block)
{
	if (strchr("#,[]{}&*!|>'\"%@`", s[0])) {
		*flow = *block = true;
	} else if (s[0] == '?' || s[0] == ':') {
		*flow = true;
		*block = *block || followed_ws;
	} else if (s[0] == '-' && followed_ws) {
		*flow = *block = true;
	}
}

static scalar_info analyze(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	bool block_ind = false, flow_ind = false, breaks = false, special = false;
	bool lead_space = false, lead_break = false, trail_space = false, trail_break = false;
	bool break_space = false, space_break = false, prev_space = false, prev_break = false;
	bool preceded_ws = true;
	size_t len = strlen(str);
	scalar_info si = { false, true, true, true };

	if (!len)
		return (scalar_info){ false, true, true, false };
	if (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		block_ind = flow_ind = true;
	for (size_t i = 0, w; i < len; i += w) {
		bool followed_ws;

		w = (size_t)(width(s[i]) ? width(s[i]) : 1);
		followed_ws = i + w >= len || s[i + w] == ' ' || s[i + w] == '\t';
		if (i == 0) {
			first_char_indicators(s, followed_ws, &flow_ind, &block_ind);
		} else if (strchr(",?[]{}", s[i])) {
			flow_ind = true;
		} else if (s[i] == ':') {
			flow_ind = true;
			block_ind = block_ind || followed_ws;
		} else if (s[i] == '#' && preceded_ws) {
			flow_ind = block_ind = true;
		}
		if (!is_printable(s, i))
			special = true;
		if (s[i] == ' ') {
			lead_space = lead_space || i == 0;
			trail_space = trail_space || i + w == len;
			break_space = break_space || prev_break;
			prev_space = true, prev_break = false;
		} else if (is_break(s, i)) {
			breaks = true;
			lead_break = lead_break || i == 0;
			trail_break = trail_break || i + w == len;
			space_break = space_break || prev_space;
			prev_space = false, prev_break = true;
		} else {
			prev_space = prev_break = false;
		}
		preceded_ws = is_blankz(s, i);
	}
	si.multiline = breaks;
	if (lead_space || lead_break || trail_space || trail_break || breaks || block_ind)
		si.block_plain_allowed = false;
	if (trail_space)
		si.block_allowed = false;
	if (break_space)
		si.block_plain_allowed = si.single_quoted_allowed = false;
	if (space_break || special)
		si.block_plain_allowed = si.single_quoted_allowed = si.block_allowed = false;
	return si;
}

typedef enum { STYLE_PLAIN, STYLE_SINGLE, STYLE_DOUBLE, STYLE_LITERAL } scalar_style;

/* go-yaml's stringv() choice, then the emitter's yaml_emitter_select_scalar_style(). */
static scalar_style select_style(const char *s, bool simple_key)
{
	scalar_info si = analyze(s);
	scalar_style style;

	if (!utf8_valid((const unsigned char *)s))
		return STYLE_DOUBLE;
	if (strchr(s, '\n'))
		style = STYLE_LITERAL;
	else if (resolves_to_string(s) && !is_base60_float(s))
		style = STYLE_PLAIN;
	else
		style = STYLE_DOUBLE;
	if (simple_key && si.multiline)
		style = STYLE_DOUBLE;
	if (style == STYLE_PLAIN && (!si.block_plain_allowed || (!*s && simple_key)))
		style = STYLE_SINGLE;
	if (style == STYLE_SINGLE && !si.single_quoted_allowed)
		style = STYLE_DOUBLE;
	if (style == STYLE_LITERAL && (!si.block_allowed || simple_key))
		style = STYLE_DOUBLE;
	return style;
}

/* ---- output primitives ---- */

static void put(emitter *e, char c)
{
	buf_addch(e->out, c);
	e->column++;
}

static void put_break(emitter *e)
{
	buf_addch(e->out, '\n');
	e->column = 0;
}

/* Copies the character at s[*i] (all its UTF-8 bytes) as one column. */
static void write_char(emitter *e, const unsigned char *s, size_t *i)
{
	size_t w = (size_t)(width(s[*i]) ? width(s[*i]) : 1);

	buf_add(e->out, s + *i, w);
	e->column++;
	*i += w;
}

static void write_break(emitter *e, const unsigned char *s, size_t *i)
{
	if (s[*i] == '\n') {
		put_break(e);
		(*i)++;
	} else {
		write_char(e, s, i);
		e->column = 0;
	}
}

static void write_indent(emitter *e, int indent)
{
	if (indent < 0)
		indent = 0;
	if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
		put_break(e);
	while (e->column < indent)
		put(e, ' ');
	e->whitespace = e->indention = true;
}

static void write_indicator(emitter *e, const char *ind, bool need_ws, bool is_ws, bool is_indent)
{
	if (need_ws && !e->whitespace)
		put(e, ' ');
	for (size_t i = 0; ind[i];)
		write_char(e, (const unsigned char *)ind, &i);
	e->whitespace = is_ws;
	e->indention = e->indention && is_indent;
}

/* ---- scalar writers; indent is where folded or block lines start ---- */

static void write_plain(emitter *e, const unsigned char *s, int indent, bool allow_breaks)
{
	bool spaces = false;

	if (!e->whitespace)
		put(e, ' ');
	for (size_t i = 0; s[i];) {
		if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && s[i + 1] != ' ') {
				write_indent(e, indent);
				i++;
			} else {
				write_char(e, s, &i);
			}
			spaces = true;
		} else {
			write_char(e, s, &i);
			e->indention = false;
			spaces = false;
		}
	}
	e->whitespace = e->indention = false;
}

static void write_single(emitter *e, const unsigned char *s, int indent, bool allow_breaks)
{
	size_t len = strlen((const char *)s);
	bool spaces = false, breaks = false;

	write_indicator(e, "'", true, false, false);
	for (size_t i = 0; i < len;) {
		if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i > 0 &&
			    i < len - 1 && s[i + 1] != ' ') {
				write_indent(e, indent);
				i++;
			} else {
				write_char(e, s, &i);
			}
			spaces = true;
		} else if (is_break(s, i)) {
			/* Only \r, NEL and the Unicode separators get here: \n made it literal. */
			if (!breaks && s[i] == '\n')
				put_break(e);
			write_break(e, s, &i);
			e->indention = breaks = true;
		} else {
			if (breaks)
				write_indent(e, indent);
			if (s[i] == '\'')
				put(e, '\'');
			write_char(e, s, &i);
			e->indention = false;
			spaces = breaks = false;
		}
	}
	write_indicator(e, "'", false, false, false);
	e->whitespace = e->indention = false;
}

/* The code point at s[*i]; advances *i.  An invalid byte stands for itself. */
static unsigned decode(const unsigned char *s, size_t *i)
{
	int w = width(s[*i]);
	unsigned v;

	if (w <= 1) {
		return s[(*i)++];
	}
	v = s[*i] & (0xff >> (w + 1));
	for (int k = 1; k < w; k++)
		v = (v << 6) | (s[*i + k] & 0x3f);
	*i += (size_t)w;
	return v;
}

static void write_escape(emitter *e, unsigned v)
{
	static const char from[] = {
		0x00, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b, '"', '\\'
	};
	static const char to[] = "0abtnvfre\"\\";

	put(e, '\\');
	for (size_t k = 0; k < sizeof(from); k++)
		if (v == (unsigned char)from[k]) {
			put(e, to[k]);
			return;
		}
	if (v == 0x85 || v == 0xa0 || v == 0x2028 || v == 0x2029) {
		put(e, v == 0x85 ? 'N' : v == 0xa0 ? '_' : v == 0x2028 ? 'L' : 'P');
		return;
	}
	if (v <= 0xff)
		buf_addf(e->out, "x%02X", v), e->column += 3;
	else if (v <= 0xffff)
		buf_addf(e->out, "u%04X", v), e->column += 5;
	else
		buf_addf(e->out, "U%08X", v), e->column += 9;
}

static void write_double(emitter *e, const unsigned char *s, int indent, bool allow_breaks)
{
	size_t len = strlen((const char *)s);
	bool spaces = false;

	write_indicator(e, "\"", true, false, false);
	/* go-yaml's is_bom() looks at the start of the string whatever the position, so a
	 * string that starts with a BOM has every character escaped. */
	bool bom = s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf;

	for (size_t i = 0; i < len;) {
		if (!is_printable(s, i) || bom || is_break(s, i) || s[i] == '"' || s[i] == '\\') {
			write_escape(e, decode(s, &i));
			spaces = false;
		} else if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i > 0 &&
			    i < len - 1) {
				write_indent(e, indent);
				if (s[i + 1] == ' ')
					put(e, '\\');
				i++;
			} else {
				write_char(e, s, &i);
			}
			spaces = true;
		} else {
			write_char(e, s, &i);
			spaces = false;
		}
	}
	write_indicator(e, "\"", false, false, false);
	e->whitespace = e->indention = false;
}

/* The start of the character whose last byte is at s[i]. */
static size_t char_start(const unsigned char *s, size_t i)
{
	while (i > 0 && (s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* The hints after "|": "2" when the text starts with a space or a line break, then "-" when
 * it has no final line break, none for one, "+" for more (yaml_emitter_write_block_scalar_hints). */
static void write_block_hints(emitter *e, const unsigned char *s)
{
	size_t i = char_start(s, strlen((const char *)s) - 1);

	if (s[0] == ' ' || is_break(s, 0))
		write_indicator(e, "2", false, false, false);
	if (!is_break(s, i)) {
		write_indicator(e, "-", false, false, false);
		return;
	}
	if (i > 0 && !is_break(s, char_start(s, i - 1)))
		return;
	write_indicator(e, "+", false, false, false);
}

static void write_literal(emitter *e, const unsigned char *s, int indent)
{
	bool breaks = true;

	write_indicator(e, "|", true, false, false);
	write_block_hints(e, s);
	put_break(e);
	e->indention = e->whitespace = true;
	for (size_t i = 0; s[i];) {
		if (is_break(s, i)) {
			write_break(e, s, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e, indent);
			write_char(e, s, &i);
			e->indention = false;
			breaks = false;
		}
	}
}

/* A string scalar.  parent is the indentation of the enclosing collection (-1 at the top). */
static void emit_string(emitter *e, const char *str, int parent, bool simple_key)
{
	const unsigned char *s = (const unsigned char *)str;
	int indent = parent < 0 ? BEST_INDENT : parent + BEST_INDENT;

	switch (select_style(str, simple_key)) {
	case STYLE_PLAIN:
		write_plain(e, s, indent, !simple_key);
		break;
	case STYLE_SINGLE:
		write_single(e, s, indent, !simple_key);
		break;
	case STYLE_DOUBLE:
		write_double(e, s, indent, !simple_key);
		break;
	case STYLE_LITERAL:
		write_literal(e, s, indent);
		break;
	}
}

/* ---- numbers ---- */

/* Go's strconv.FormatFloat(d, 'g', -1, 64): the shortest digits that read back as d, in %e
 * form when the exponent is below -4 or at least 6 (so 1e+06, 123456, 1.5e-05). */
static void add_go_float(buf *out, double d)
{
	char tmp[40], digits[24];
	int nd = 0, exp;
	const char *p;

	if (isnan(d) || isinf(d)) {
		buf_adds(out, isnan(d) ? ".nan" : d > 0 ? ".inf" : "-.inf");
		return;
	}
	for (int prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	p = tmp;
	if (*p == '-')
		buf_addch(out, *p++);
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp < -4 || exp >= 6) {
		buf_addf(out, "%c%s%.*se%c%02d", digits[0], nd > 1 ? "." : "", nd - 1, digits + 1,
			 exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		buf_adds(out, "0.");
		for (int i = 0; i < -exp - 1; i++)
			buf_addch(out, '0');
		buf_add(out, digits, (size_t)nd);
		return;
	}
	for (int i = 0; i <= exp || i < nd; i++) {
		if (i == exp + 1)
			buf_addch(out, '.');
		buf_addch(out, i < nd ? digits[i] : '0');
	}
}

/* ---- mapping key order (go-yaml's keyList.Less on strings) ---- */

static size_t runes(const char *s, unsigned **ret)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0, i = 0;
	unsigned *r = xcalloc(strlen(s) + 1, sizeof(*r));

	while (u[i])
		r[n++] = decode(u, &i);
	*ret = r;
	return n;
}

static bool is_letter(unsigned c)
{
	return c >= 0x80 || isalpha((int)c);
}

static bool is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* Digits from the first difference on compare as numbers ("a9" < "a10"). */
static bool key_less(const char *a, const char *b)
{
	_cleanup_free_ unsigned *ar = NULL, *br = NULL;
	size_t na = runes(a, &ar), nb = runes(b, &br);

	for (size_t i = 0; i < na && i < nb; i++) {
		long long an = 0, bn = 0;
		size_t ai, bi;

		if (ar[i] == br[i])
			continue;
		if (is_letter(ar[i]) && is_letter(br[i]))
			return ar[i] < br[i];
		if (is_letter(ar[i]) || is_letter(br[i]))
			return is_letter(br[i]);
		if (ar[i] == '0' || br[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(ar[j]);)
				if (ar[j] != '0') {
					an = bn = 1;
					break;
				}
		}
		for (ai = i; ai < na && is_digit(ar[ai]); ai++)
			an = an * 10 + (ar[ai] - '0');
		for (bi = i; bi < nb && is_digit(br[bi]); bi++)
			bn = bn * 10 + (br[bi] - '0');
		if (an != bn)
			return an < bn;
		if (ai != bi)
			return ai < bi;
		return ar[i] < br[i];
	}
	return na < nb;
}

/* keyList.Less is not a strict order once digits mix ("a1b" < "a09" < "a10" < "a1b"), so
 * the result depends on the algorithm: this is Go's insertion sort, which sort.Sort uses for
 * up to 12 elements (every mapping cpod prints in practice). */
static void sort_keys(const char **keys, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && key_less(keys[j], keys[j - 1]); j--) {
			const char *t = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
}

/* ---- the tree ---- */

static void emit_node(emitter *e, json_object *o, int parent, bool mapping_value);

static void emit_empty(emitter *e, const char *open, const char *close)
{
	write_indicator(e, open, true, true, false);
	write_indicator(e, close, false, false, false);
}

static void emit_mapping(emitter *e, json_object *o, int parent)
{
	int indent = parent < 0 ? 0 : parent + BEST_INDENT;
	size_t n = 0;
	_cleanup_free_ const char **keys =
		xcalloc((size_t)json_object_object_length(o) + 1, sizeof(*keys));

	json_object_object_foreach(o, k, v) {
		(void)v;
		keys[n++] = k;
	}
	if (!n) {
		emit_empty(e, "{", "}");
		return;
	}
	sort_keys(keys, n);
	for (size_t i = 0; i < n; i++) {
		write_indent(e, indent);
		if (!analyze(keys[i]).multiline && strlen(keys[i]) <= 128) {
			emit_string(e, keys[i], indent, true);
			write_indicator(e, ":", false, false, false);
		} else {
			/* Not a simple key: "? key" then ": value" on a line of its own. */
			write_indicator(e, "?", true, false, true);
			emit_string(e, keys[i], indent, false);
			write_indent(e, indent);
			write_indicator(e, ":", true, false, true);
		}
		emit_node(e, json_object_object_get(o, keys[i]), indent, true);
	}
}

static void emit_sequence(emitter *e, json_object *o, int parent, bool mapping_value)
{
	size_t n = json_object_array_length(o);
	/* A sequence that is a mapping value starts at the key's column. */
	int indent = parent < 0			      ? 0
		     : mapping_value && !e->indention ? parent
						      : parent + BEST_INDENT;

	if (!n) {
		emit_empty(e, "[", "]");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		write_indent(e, indent);
		write_indicator(e, "-", true, false, true);
		emit_node(e, json_object_array_get_idx(o, i), indent, false);
	}
}

static void emit_node(emitter *e, json_object *o, int parent, bool mapping_value)
{
	_cleanup_buf_ buf num = BUF_INIT;

	switch (json_object_get_type(o)) {
	case json_type_object:
		emit_mapping(e, o, parent);
		return;
	case json_type_array:
		emit_sequence(e, o, parent, mapping_value);
		return;
	case json_type_string:
		emit_string(e, json_object_get_string(o), parent, false);
		return;
	case json_type_null:
		buf_adds(&num, "null");
		break;
	case json_type_boolean:
		buf_adds(&num, json_object_get_boolean(o) ? "true" : "false");
		break;
	case json_type_double:
		add_go_float(&num, json_object_get_double(o));
		break;
	case json_type_int:
		buf_adds(&num, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		break;
	}
	write_plain(e, (const unsigned char *)num.s,
		    parent < 0 ? BEST_INDENT : parent + BEST_INDENT, true);
}

void cli_yaml(buf *out, json_object *obj)
{
	emitter e = { .out = out, .whitespace = true, .indention = true };

	emit_node(&e, obj, -1, false);
	write_indent(&e, -1);
}
