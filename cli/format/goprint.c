/* Go's printing rules for json-c values; see goprint.h.  Only fixed, locally built formats
 * ever reach snprintf; the user's Printf format is interpreted by go_sprintf() itself. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/xalloc.h"
#include "goprint.h"
#include "template_internal.h"
#include "common/banned.h"

/* An output with a sticky error, so that a sequence of appends is checked once. */
struct gout {
	buf *b;
	int err; /* errno of the first failure, 0 while none */
};

static void put(struct gout *o, const char *s, size_t n)
{
	if (!o->err && buf_add(o->b, s, n) < 0)
		o->err = EFBIG;
}

static void puts_(struct gout *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putch(struct gout *o, char c)
{
	put(o, &c, 1);
}

static void putn(struct gout *o, char c, size_t n)
{
	char chunk[64];

	memset(chunk, c, sizeof(chunk));
	while (n && !o->err) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		put(o, chunk, k);
		n -= k;
	}
}

static int done(struct gout *o)
{
	if (o->err) {
		errno = o->err;
		return -1;
	}
	return 0;
}

/* ---- UTF-8 ---- */

size_t go_decode_rune(const char *s, size_t n, int32_t *ret_rune)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t r, min;

	if (n == 0) {
		*ret_rune = 0xFFFD;
		return 0;
	}
	if (u[0] < 0x80) {
		*ret_rune = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		len = 2, r = u[0] & 0x1F, min = 0x80;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		len = 3, r = u[0] & 0x0F, min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		len = 4, r = u[0] & 0x07, min = 0x10000;
	} else {
		*ret_rune = 0xFFFD;
		return 1;
	}
	if (n < len)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			goto bad;
		r = r << 6 | (u[i] & 0x3F);
	}
	if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		goto bad;
	*ret_rune = (int32_t)r;
	return len;
bad:
	*ret_rune = 0xFFFD;
	return 1;
}

size_t go_rune_count(const char *s, size_t n)
{
	size_t count = 0;
	int32_t r;

	for (size_t i = 0; i < n; count++)
		i += go_decode_rune(s + i, n - i, &r);
	return count;
}

size_t go_rune_prefix(const char *s, size_t n, size_t runes)
{
	size_t i = 0;
	int32_t r;

	while (i < n && runes--)
		i += go_decode_rune(s + i, n - i, &r);
	return i;
}

static void encode_rune(struct gout *o, int32_t r)
{
	char s[4];
	uint32_t u = (uint32_t)r;

	if (r < 0 || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		u = 0xFFFD;
	if (u < 0x80) {
		putch(o, (char)u);
	} else if (u < 0x800) {
		s[0] = (char)(0xC0 | u >> 6), s[1] = (char)(0x80 | (u & 0x3F));
		put(o, s, 2);
	} else if (u < 0x10000) {
		s[0] = (char)(0xE0 | u >> 12), s[1] = (char)(0x80 | (u >> 6 & 0x3F));
		s[2] = (char)(0x80 | (u & 0x3F));
		put(o, s, 3);
	} else {
		s[0] = (char)(0xF0 | u >> 18), s[1] = (char)(0x80 | (u >> 12 & 0x3F));
		s[2] = (char)(0x80 | (u >> 6 & 0x3F)), s[3] = (char)(0x80 | (u & 0x3F));
		put(o, s, 4);
	}
}

void go_encode_rune(buf *b, int32_t r)
{
	struct gout o = { b, 0 };

	encode_rune(&o, r);
}

/* ---- quoting ---- */

/* unicode.IsPrint, approximately: everything but controls and the space-like and format
 * characters that Go does not consider printable. */
static bool is_print(int32_t r)
{
	if (r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0xA0) || r == 0xAD)
		return false;
	if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
	    (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF ||
	    (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF)
		return false;
	return true;
}

static void quote_rune_body(struct gout *o, int32_t r, size_t width, const char *raw, char quote)
{
	static const char hex[] = "0123456789abcdef";
	char esc[12];

	if (r == 0xFFFD && width == 1) { /* an invalid byte */
		unsigned char c = (unsigned char)raw[0];

		esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15];
		put(o, esc, 4);
		return;
	}
	if (r == quote || r == '\\') {
		putch(o, '\\');
		putch(o, (char)r);
		return;
	}
	if (is_print(r)) {
		put(o, raw, width);
		return;
	}
	switch (r) {
	case '\a':
		puts_(o, "\\a");
		return;
	case '\b':
		puts_(o, "\\b");
		return;
	case '\f':
		puts_(o, "\\f");
		return;
	case '\n':
		puts_(o, "\\n");
		return;
	case '\r':
		puts_(o, "\\r");
		return;
	case '\t':
		puts_(o, "\\t");
		return;
	case '\v':
		puts_(o, "\\v");
		return;
	}
	if (r < 0x80)
		snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)r);
	else if (r < 0x10000)
		snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)r);
	else
		snprintf(esc, sizeof(esc), "\\U%08x", (unsigned)r);
	puts_(o, esc);
}

static void quote(struct gout *o, const char *s, size_t n)
{
	putch(o, '"');
	for (size_t i = 0; i < n;) {
		int32_t r;
		size_t w = go_decode_rune(s + i, n - i, &r);

		quote_rune_body(o, r, w, s + i, '"');
		i += w;
	}
	putch(o, '"');
}

int go_quote(buf *b, const char *s, size_t n)
{
	struct gout o = { b, 0 };

	quote(&o, s, n);
	return done(&o);
}

static void quote_rune(struct gout *o, int32_t r)
{
	buf tmp = BUF_INIT;

	if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	go_encode_rune(&tmp, r);
	putch(o, '\'');
	quote_rune_body(o, r, tmp.len, tmp.s, '\'');
	putch(o, '\'');
	buf_release(&tmp);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One escape sequence after the backslash at s[*i]; appends its bytes. */
static int unquote_escape(struct gout *o, const char *s, size_t n, size_t *i, char quote,
			  int32_t *rune)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\";
	char c = *i < n ? s[*i] : 0;
	const char *hit = c ? strchr(simple, c) : NULL;
	int digits = 0, base = 16;
	uint32_t v = 0;

	if (hit && (hit - simple) % 2 == 0) {
		(*i)++;
		*rune = hit[1];
		putch(o, hit[1]);
		return 0;
	}
	if (c == quote) {
		(*i)++;
		*rune = c;
		putch(o, c);
		return 0;
	}
	digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
	if (!digits)
		return -1;
	if (c >= '0' && c <= '7')
		base = 8;
	else
		(*i)++;
	for (int k = 0; k < digits; k++, (*i)++) {
		int d = *i < n ? hexval(s[*i]) : -1;

		if (d < 0 || d >= base)
			return -1;
		v = v * (uint32_t)base + (uint32_t)d;
	}
	if (c == 'x' || base == 8) {
		if (v > 255)
			return -1;
		*rune = (int32_t)v;
		if (quote == '\'')
			encode_rune(o, (int32_t)v);
		else
			putch(o, (char)v);
		return 0;
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return -1;
	*rune = (int32_t)v;
	encode_rune(o, (int32_t)v);
	return 0;
}

int go_unquote(buf *b, const char *s, size_t n, int32_t *ret_rune)
{
	char q = ret_rune ? '\'' : '"';
	struct gout o = { b, 0 };
	size_t i = 1, runes = 0;
	int32_t r = 0;

	if (n < 2 || s[0] != q || s[n - 1] != q)
		goto bad;
	n--;
	while (i < n) {
		if (s[i] == '\\') {
			i++;
			if (unquote_escape(&o, s, n, &i, q, &r) < 0)
				goto bad;
		} else if (s[i] == q || s[i] == '\n') {
			goto bad;
		} else {
			size_t w = go_decode_rune(s + i, n - i, &r);

			put(&o, s + i, w);
			i += w;
		}
		runes++;
	}
	if (ret_rune) {
		if (runes != 1)
			goto bad;
		*ret_rune = r;
	}
	return done(&o);
bad:
	errno = EINVAL;
	return -1;
}

/* ---- numbers ---- */

void go_int_string(struct json_object *v, char out[24])
{
	int64_t i = json_object_get_int64(v);

	if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		snprintf(out, 24, "%" PRIu64, json_object_get_uint64(v));
	else
		snprintf(out, 24, "%" PRId64, i);
}

/* The shortest decimal digits that read back as f (f finite and > 0): digits[0..*nd), with
 * the decimal point *dp digits from the left. */
static void shortest_digits(double f, char digits[24], int *nd, int *dp)
{
	char tmp[40], *e;
	int n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	for (const char *p = tmp; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	e = strchr(tmp, 'e');
	*nd = n;
	*dp = (int)strtol(e + 1, NULL, 10) + 1;
}

/* Writes |f| in %e form (expchar 'e' or 'E') or %f form from shortest digits. */
static void put_shortest(struct gout *o, double f, bool exp_form, char expchar, bool json)
{
	char d[24], e[16];
	int nd, dp;

	if (f == 0) {
		putch(o, '0');
		return;
	}
	shortest_digits(f, d, &nd, &dp);
	if (exp_form) {
		int x = dp - 1;

		putch(o, d[0]);
		if (nd > 1) {
			putch(o, '.');
			put(o, d + 1, (size_t)nd - 1);
		}
		/* strconv writes at least two exponent digits; encoding/json trims e-09 to e-9. */
		snprintf(e, sizeof(e), json ? "%c%c%d" : "%c%c%02d", expchar, x < 0 ? '-' : '+',
			 x < 0 ? -x : x);
		puts_(o, e);
		return;
	}
	if (dp <= 0) {
		puts_(o, "0.");
		putn(o, '0', (size_t)-dp);
		put(o, d, (size_t)nd);
	} else if (dp >= nd) {
		put(o, d, (size_t)nd);
		putn(o, '0', (size_t)(dp - nd));
	} else {
		put(o, d, (size_t)dp);
		putch(o, '.');
		put(o, d + dp, (size_t)(nd - dp));
	}
}

/* strconv 'g' with the shortest precision: %e when the exponent is < -4 or >= 6 (Go uses
 * 6 as the precision for this choice when printing the shortest form). */
static void float_g(struct gout *o, double f, char expchar)
{
	char d[24];
	int nd, dp, x;

	if (isnan(f)) {
		puts_(o, "NaN");
		return;
	}
	if (isinf(f)) {
		puts_(o, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(f))
		putch(o, '-');
	f = fabs(f);
	if (f == 0) {
		putch(o, '0');
		return;
	}
	shortest_digits(f, d, &nd, &dp);
	x = dp - 1;
	put_shortest(o, f, x < -4 || x >= 6, expchar, false);
}

int go_format_float(buf *b, double f)
{
	struct gout o = { b, 0 };

	float_g(&o, f, 'e');
	return done(&o);
}

static void json_float(struct gout *o, double f)
{
	double a = fabs(f);

	if (!isfinite(f)) {
		puts_(o, "null");
		return;
	}
	if (signbit(f))
		putch(o, '-');
	put_shortest(o, a, a != 0 && (a < 1e-6 || a >= 1e21), 'e', true);
}

/* ---- %v ---- */

const char *go_type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return "bool";
	case json_type_int:
		return "int";
	case json_type_double:
		return "float64";
	case json_type_string:
		return "string";
	case json_type_array:
		return "[]interface {}";
	case json_type_object:
		return "map[string]interface {}";
	default:
		return "<nil>";
	}
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of an object, sorted (Go prints maps in key order); free the array only. */
static const char **sorted_keys(struct json_object *v, size_t *ret_n)
{
	size_t n = (size_t)json_object_object_length(v), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));

	json_object_object_foreach(v, k, val) {
		(void)val;
		if (i < n)
			keys[i++] = k;
	}
	qsort(keys, i, sizeof(*keys), cmp_keys);
	*ret_n = i;
	return keys;
}

static void print_v(struct gout *o, struct json_object *v, int depth)
{
	char num[24];

	if (depth > TMPL_MAX_VALUE_DEPTH) {
		o->err = o->err ? o->err : ELOOP;
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		puts_(o, "<nil>");
		break;
	case json_type_boolean:
		puts_(o, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		go_int_string(v, num);
		puts_(o, num);
		break;
	case json_type_double:
		float_g(o, json_object_get_double(v), 'e');
		break;
	case json_type_string:
		put(o, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		putch(o, '[');
		for (size_t i = 0; i < json_object_array_length(v) && !o->err; i++) {
			if (i)
				putch(o, ' ');
			print_v(o, json_object_array_get_idx(v, i), depth + 1);
		}
		putch(o, ']');
		break;
	case json_type_object: {
		size_t n;
		const char **keys = sorted_keys(v, &n);

		puts_(o, "map[");
		for (size_t i = 0; i < n && !o->err; i++) {
			if (i)
				putch(o, ' ');
			puts_(o, keys[i]);
			putch(o, ':');
			print_v(o, json_object_object_get(v, keys[i]), depth + 1);
		}
		putch(o, ']');
		free(keys);
		break;
	}
	}
}

int go_print_value(buf *b, struct json_object *v)
{
	struct gout o = { b, 0 };

	if (!v)
		puts_(&o, "<no value>");
	else
		print_v(&o, v, 0);
	return done(&o);
}

int go_sprint(buf *b, struct json_object *const *args, size_t n)
{
	struct gout o = { b, 0 };

	for (size_t i = 0; i < n; i++) {
		if (i && !json_object_is_type(args[i - 1], json_type_string) &&
		    !json_object_is_type(args[i], json_type_string))
			putch(&o, ' ');
		print_v(&o, args[i], 0);
	}
	return done(&o);
}

int go_sprintln(buf *b, struct json_object *const *args, size_t n)
{
	struct gout o = { b, 0 };

	for (size_t i = 0; i < n; i++) {
		if (i)
			putch(&o, ' ');
		print_v(&o, args[i], 0);
	}
	putch(&o, '\n');
	return done(&o);
}

/* ---- JSON ---- */

static void json_indent(struct gout *o, const char *indent, int depth)
{
	putch(o, '\n');
	for (int i = 0; i < depth; i++)
		puts_(o, indent);
}

static void json_string(struct gout *o, const char *s, size_t n)
{
	/* json-c does the escaping (no slash escaping, as Go's encoder without HTML escaping). */
	struct json_object *tmp = json_object_new_string_len(s, (int)n);

	puts_(o, json_object_to_json_string_ext(tmp, JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(tmp);
}

static void json_value(struct gout *o, struct json_object *v, const char *indent, int depth)
{
	char num[24];
	size_t i = 0;

	if (depth > TMPL_MAX_VALUE_DEPTH) {
		o->err = o->err ? o->err : ELOOP;
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		puts_(o, "null");
		break;
	case json_type_boolean:
		puts_(o, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		go_int_string(v, num);
		puts_(o, num);
		break;
	case json_type_double:
		json_float(o, json_object_get_double(v));
		break;
	case json_type_string:
		json_string(o, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		putch(o, '[');
		for (i = 0; i < json_object_array_length(v) && !o->err; i++) {
			if (i)
				putch(o, ',');
			if (indent)
				json_indent(o, indent, depth + 1);
			json_value(o, json_object_array_get_idx(v, i), indent, depth + 1);
		}
		if (indent && i)
			json_indent(o, indent, depth);
		putch(o, ']');
		break;
	case json_type_object:
		putch(o, '{');
		json_object_object_foreach(v, key, val) {
			if (o->err)
				break;
			if (i++)
				putch(o, ',');
			if (indent)
				json_indent(o, indent, depth + 1);
			json_string(o, key, strlen(key));
			puts_(o, indent ? ": " : ":");
			json_value(o, val, indent, depth + 1);
		}
		if (indent && i)
			json_indent(o, indent, depth);
		putch(o, '}');
		break;
	}
}

int go_json(buf *b, struct json_object *v, const char *indent)
{
	struct gout o = { b, 0 };

	json_value(&o, v, indent, 0);
	return done(&o);
}

/* ---- Printf ---- */

struct spec {
	bool minus, plus, sharp, space, zero;
	bool has_wid, has_prec;
	int wid, prec;
	int32_t verb;
};

/* Pads body (already formatted) to the width, with zeros when asked (Go pads strings with
 * zeros too). */
static void pad(struct gout *o, const struct spec *sp, const char *body, size_t n, bool zero)
{
	size_t runes = go_rune_count(body, n);
	size_t fill = sp->has_wid && (size_t)sp->wid > runes ? (size_t)sp->wid - runes : 0;

	if (!sp->minus)
		putn(o, zero && sp->zero ? '0' : ' ', fill);
	put(o, body, n);
	if (sp->minus)
		putn(o, ' ', fill);
}

static void pad_buf(struct gout *o, const struct spec *sp, buf *body, bool zero)
{
	pad(o, sp, body->s, body->len, zero);
	buf_release(body);
}

static void fmt_value(struct gout *o, const struct spec *sp, struct json_object *v, int depth);

static void bad_verb(struct gout *o, int32_t verb, struct json_object *v)
{
	puts_(o, "%!");
	encode_rune(o, verb);
	putch(o, '(');
	if (v) {
		puts_(o, go_type_name(v));
		putch(o, '=');
		print_v(o, v, 1);
	} else {
		puts_(o, "<nil>");
	}
	putch(o, ')');
}

/* Go's fmtInteger: zero padding is a precision, the final padding always spaces. */
static void fmt_integer(struct gout *o, const struct spec *sp, struct json_object *v)
{
	int64_t i = json_object_get_int64(v);
	bool neg = i < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	int base = 10, prec = 0, verb = sp->verb;
	char digits[80];
	size_t nd = 0;
	buf body = BUF_INIT;
	struct spec nozero = *sp;

	if (i == INT64_MAX)
		u = json_object_get_uint64(v);
	if (verb == 'b')
		base = 2;
	else if (verb == 'o' || verb == 'O')
		base = 8;
	else if (verb == 'x' || verb == 'X')
		base = 16;
	if (sp->has_prec) {
		prec = sp->prec;
		if (prec == 0 && u == 0) {
			pad(o, &nozero, "", 0, false);
			return;
		}
	} else if (sp->zero && sp->has_wid) {
		prec = sp->wid - (neg || sp->plus || sp->space);
	}
	do {
		digits[nd++] =
			(verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef")[u % (uint64_t)base];
		u /= (uint64_t)base;
	} while (u);
	if (neg)
		buf_addch(&body, '-');
	else if (sp->plus)
		buf_addch(&body, '+');
	else if (sp->space)
		buf_addch(&body, ' ');
	if (verb == 'O')
		buf_adds(&body, "0o");
	else if (sp->sharp && base == 2)
		buf_adds(&body, "0b");
	else if (sp->sharp && base == 16)
		buf_adds(&body, verb == 'X' ? "0X" : "0x");
	else if (sp->sharp && base == 8 && (prec <= (int)nd) && digits[nd - 1] != '0')
		buf_addch(&body, '0');
	for (int k = (int)nd; k < prec; k++)
		buf_addch(&body, '0');
	while (nd)
		buf_addch(&body, digits[--nd]);
	nozero.zero = false;
	pad_buf(o, &nozero, &body, false);
}

static void fmt_int_verb(struct gout *o, const struct spec *sp, struct json_object *v)
{
	int64_t i = json_object_get_int64(v);
	int32_t r = (i < 0 || i > 0x10FFFF) ? 0xFFFD : (int32_t)i;
	struct gout tmp;
	buf body = BUF_INIT;

	tmp.b = &body, tmp.err = 0;
	switch (sp->verb) {
	case 'c':
		encode_rune(&tmp, r);
		break;
	case 'q':
		quote_rune(&tmp, r);
		break;
	case 'U': {
		char u[32];

		snprintf(u, sizeof(u), "U+%04" PRIX64, (uint64_t)i);
		buf_adds(&body, u);
		if (sp->sharp && is_print(r)) {
			buf_adds(&body, " '");
			encode_rune(&tmp, r);
			buf_addch(&body, '\'');
		}
		break;
	}
	default:
		buf_release(&body);
		fmt_integer(o, sp, v);
		return;
	}
	pad_buf(o, sp, &body, false);
}

/* %e %E %f %g %G with a precision, through C's conversions, which print these the way Go
 * does; the precision is capped so that the result fits. */
static void float_fixed(buf *body, int verb, int prec, double f)
{
	char num[1024];

	if (prec > 500)
		prec = 500;
	switch (verb) {
	case 'e':
		snprintf(num, sizeof(num), "%.*e", prec, f);
		break;
	case 'E':
		snprintf(num, sizeof(num), "%.*E", prec, f);
		break;
	case 'g':
		snprintf(num, sizeof(num), "%.*g", prec, f);
		break;
	case 'G':
		snprintf(num, sizeof(num), "%.*G", prec, f);
		break;
	default: /* at most 309 integer digits, so it fits */
		snprintf(num, sizeof(num), "%.*f", prec, f);
		break;
	}
	buf_adds(body, num);
}

static void fmt_float(struct gout *o, const struct spec *sp, double f)
{
	int verb = sp->verb == 'v' ? 'g' : sp->verb == 'F' ? 'f' : sp->verb;
	bool finite = isfinite(f);
	buf body = BUF_INIT;
	struct gout tmp = { &body, 0 };
	struct spec nozero = *sp;
	size_t start;

	if (isnan(f))
		buf_adds(&body, sp->plus ? "+NaN" : sp->space ? " NaN" : "NaN");
	else if (signbit(f))
		buf_addch(&body, '-');
	else if (sp->plus || (isinf(f) && !sp->space))
		buf_addch(&body, '+');
	else if (sp->space)
		buf_addch(&body, ' ');
	start = body.len;
	if (isinf(f)) {
		buf_adds(&body, "Inf");
	} else if (finite && (verb == 'g' || verb == 'G') && !sp->has_prec) {
		float_g(&tmp, fabs(f), verb == 'G' ? 'E' : 'e');
	} else if (finite) {
		float_fixed(&body, verb, sp->has_prec ? sp->prec : 6, fabs(f));
	}
	if (finite && sp->zero && !sp->minus && sp->has_wid && (size_t)sp->wid > body.len) {
		size_t fill = (size_t)sp->wid - body.len;

		put(o, body.s, start);
		putn(o, '0', fill);
		put(o, body.s + start, body.len - start);
		buf_release(&body);
		return;
	}
	nozero.zero = false;
	pad_buf(o, &nozero, &body, false);
}

static void fmt_string(struct gout *o, const struct spec *sp, const char *s, size_t n)
{
	buf body = BUF_INIT;
	struct gout tmp = { &body, 0 };
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";

	switch (sp->verb) {
	case 'v':
	case 's':
		if (sp->has_prec)
			n = go_rune_prefix(s, n, (size_t)sp->prec);
		pad(o, sp, s, n, true);
		return;
	case 'q':
		if (sp->has_prec)
			n = go_rune_prefix(s, n, (size_t)sp->prec);
		quote(&tmp, s, n);
		break;
	default: /* x, X */
		if (sp->has_prec && (size_t)sp->prec < n)
			n = (size_t)sp->prec;
		for (size_t i = 0; i < n; i++) {
			const char *h = sp->verb == 'X' ? upper : lower;
			unsigned char c = (unsigned char)s[i];

			if (i && sp->space)
				buf_addch(&body, ' ');
			if (sp->sharp && (i == 0 || sp->space))
				buf_adds(&body, sp->verb == 'X' ? "0X" : "0x");
			buf_addch(&body, h[c >> 4]);
			buf_addch(&body, h[c & 15]);
		}
		break;
	}
	pad_buf(o, sp, &body, true);
}

/* Arrays and maps apply the verb to each element, as Go's fmt does. */
static void fmt_container(struct gout *o, const struct spec *sp, struct json_object *v, int depth)
{
	size_t n;
	const char **keys;

	if (json_object_is_type(v, json_type_array)) {
		putch(o, '[');
		for (size_t i = 0; i < json_object_array_length(v) && !o->err; i++) {
			if (i)
				putch(o, ' ');
			fmt_value(o, sp, json_object_array_get_idx(v, i), depth + 1);
		}
		putch(o, ']');
		return;
	}
	keys = sorted_keys(v, &n);
	puts_(o, "map[");
	for (size_t i = 0; i < n && !o->err; i++) {
		struct json_object *k = json_object_new_string(keys[i]);

		if (i)
			putch(o, ' ');
		fmt_value(o, sp, k, depth + 1);
		putch(o, ':');
		fmt_value(o, sp, json_object_object_get(v, keys[i]), depth + 1);
		json_object_put(k);
	}
	putch(o, ']');
	free(keys);
}

/* One operand of Printf: the verbs each kind accepts, else Go's %!verb(type=value). */
static void fmt_value(struct gout *o, const struct spec *sp, struct json_object *v, int depth)
{
	int32_t verb = sp->verb;
	bool b = json_object_get_boolean(v);

	if (depth > TMPL_MAX_VALUE_DEPTH) {
		o->err = o->err ? o->err : ELOOP;
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		if (verb == 'v' || depth > 0)
			pad(o, sp, "<nil>", 5, false);
		else
			bad_verb(o, verb, NULL);
		return;
	case json_type_boolean:
		if (verb == 't' || verb == 'v')
			pad(o, sp, b ? "true" : "false", b ? 4 : 5, false);
		else
			bad_verb(o, verb, v);
		return;
	case json_type_int:
		if (verb > 0 && verb < 0x80 && strchr("vdboOxXcqU", verb))
			fmt_int_verb(o, sp, v);
		else
			bad_verb(o, verb, v);
		return;
	case json_type_double:
		if (verb > 0 && verb < 0x80 && strchr("vgGeEfF", verb))
			fmt_float(o, sp, json_object_get_double(v));
		else
			bad_verb(o, verb, v);
		return;
	case json_type_string:
		if (verb > 0 && verb < 0x80 && strchr("vsqxX", verb))
			fmt_string(o, sp, json_object_get_string(v),
				   (size_t)json_object_get_string_len(v));
		else
			bad_verb(o, verb, v);
		return;
	default:
		fmt_container(o, sp, v, depth);
		return;
	}
}

/* Go's parsenum: digits at s[*i]; false when there are none or the number passes 1e6. */
static bool parse_num(const char *s, size_t n, size_t *i, int *ret, bool *too_large)
{
	int v = 0;
	bool any = false;

	*too_large = false;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (v > 1000000) {
			*too_large = true;
			return false;
		}
		v = v * 10 + (s[(*i)++] - '0');
		any = true;
	}
	*ret = v;
	return any;
}

/* A '*' width or precision from the next argument: an int within Go's bounds. */
static bool star_arg(struct json_object *const *args, size_t n, size_t *argi, int *ret)
{
	int64_t v;

	if (*argi >= n || !json_object_is_type(args[*argi], json_type_int)) {
		(*argi)++;
		return false;
	}
	v = json_object_get_int64(args[(*argi)++]);
	if (v > 1000000 || v < -1000000)
		return false;
	*ret = (int)v;
	return true;
}

/* Flags, width and precision of one directive; *i is past the '%'. false on %!(NOVERB). */
static bool parse_spec(struct gout *o, const char *f, size_t n, size_t *i, struct spec *sp,
		       struct json_object *const *args, size_t nargs, size_t *argi)
{
	bool big;

	memset(sp, 0, sizeof(*sp));
	for (; *i < n; (*i)++) {
		char c = f[*i];

		if (c == '#')
			sp->sharp = true;
		else if (c == '0')
			sp->zero = !sp->minus;
		else if (c == '+')
			sp->plus = true;
		else if (c == '-')
			sp->minus = true, sp->zero = false;
		else if (c == ' ')
			sp->space = true;
		else
			break;
	}
	if (*i < n && f[*i] == '*') {
		(*i)++;
		sp->has_wid = star_arg(args, nargs, argi, &sp->wid);
		if (!sp->has_wid)
			puts_(o, "%!(BADWIDTH)");
		if (sp->wid < 0)
			sp->wid = -sp->wid, sp->minus = true, sp->zero = false;
	} else {
		sp->has_wid = parse_num(f, n, i, &sp->wid, &big);
		if (big)
			return false;
	}
	if (*i < n && f[*i] == '.') {
		(*i)++;
		if (*i < n && f[*i] == '*') {
			(*i)++;
			sp->has_prec = star_arg(args, nargs, argi, &sp->prec);
			if (sp->prec < 0)
				sp->prec = 0, sp->has_prec = false;
			if (!sp->has_prec)
				puts_(o, "%!(BADPREC)");
		} else {
			parse_num(f, n, i, &sp->prec, &big);
			if (big)
				return false;
			sp->has_prec = true;
		}
	}
	return *i < n;
}

int go_sprintf(buf *b, const char *f, size_t n, struct json_object *const *args, size_t nargs)
{
	struct gout o = { b, 0 };
	size_t i = 0, argi = 0;

	while (i < n && !o.err) {
		size_t start = i;
		struct spec sp;

		while (i < n && f[i] != '%')
			i++;
		put(&o, f + start, i - start);
		if (i >= n)
			break;
		i++;
		if (!parse_spec(&o, f, n, &i, &sp, args, nargs, &argi)) {
			puts_(&o, "%!(NOVERB)");
			break;
		}
		i += go_decode_rune(f + i, n - i, &sp.verb);
		if (sp.verb == '%') {
			putch(&o, '%');
		} else if (argi >= nargs) {
			puts_(&o, "%!");
			encode_rune(&o, sp.verb);
			puts_(&o, "(MISSING)");
		} else {
			fmt_value(&o, &sp, args[argi++], 0);
		}
	}
	if (argi < nargs && !o.err) {
		puts_(&o, "%!(EXTRA ");
		for (size_t k = argi; k < nargs; k++) {
			if (k > argi)
				puts_(&o, ", ");
			if (args[k]) {
				puts_(&o, go_type_name(args[k]));
				putch(&o, '=');
				print_v(&o, args[k], 1);
			} else {
				puts_(&o, "<nil>");
			}
		}
		putch(&o, ')');
	}
	return done(&o);
}
