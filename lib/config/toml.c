/* TOML 1.0 parser.
 *
 * One pass over the text, no tokenizer: the document loop reads a header, a key/value pair or
 * a blank line; values recurse only through arrays and inline tables, and every container
 * carries its depth so that nesting (by brackets, dotted keys or headers alike) stops at
 * TOML_MAX_DEPTH.  That bound is what lets toml_free() and callers walk the tree recursively.
 *
 * Tables remember how they came to exist, which is what TOML's "define once" rules are about:
 *   T_IMPLICIT  created as a parent by a header ([a.b] creates a): [a] may still define it,
 *               and dotted keys may still add to it;
 *   T_HEADER    defined by [a] (or the root): neither [a] again nor dotted keys may add to it,
 *               but [a.x] may define sub-tables;
 *   T_DOTTED    created by dotted keys (a.b = 1 creates a): [a] may not define it again;
 *   T_INLINE    { ... }: closed for good once written;
 *   T_AOT_ELEM  an element of [[a]]: like T_HEADER.
 * Arrays are static (a = [...]) or arrays of tables ([[a]]); only the latter take [[a]].
 */
#include "config/toml.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define TOML_MAX_DEPTH 128
#define TOML_MAX_FILE (16u << 20)
/* Tables up to this many keys are searched linearly; bigger ones get a hash index. */
#define TABLE_LINEAR_MAX 8
/* Keys and tokens are quoted in messages up to this many bytes. */
#define SHOW_MAX 64

enum { T_ROOT, T_IMPLICIT, T_HEADER, T_DOTTED, T_INLINE, T_AOT_ELEM };
enum { A_STATIC, A_TABLES };

struct entry {
	char *key;
	size_t klen;
	uint64_t hash;
	toml_value *val;
};

struct table {
	struct entry *e;
	size_t len, alloc;
	size_t *slots; /* open addressing, entry index + 1, 0 = free; NULL while small */
	size_t nslots; /* a power of two */
};

struct toml_value {
	toml_type type;
	unsigned char kind; /* T_* for tables, A_* for arrays */
	unsigned short depth;
	int line, col;
	union {
		struct table t;
		struct {
			toml_value **v;
			size_t len, alloc;
		} a;
		struct {
			char *s;
			size_t len;
		} s;
		int64_t i;
		double f;
		int b;
	} u;
};

/* One part of a dotted key, with where it starts. */
struct keypart {
	char *s;
	size_t len;
	int line, col;
};

struct key {
	struct keypart *p;
	size_t n, alloc;
};

struct parser {
	const char *s;
	size_t len, pos;
	const char *filename;
	cpod_error **err;
	int line;	   /* line of pos, 1-based */
	size_t line_start; /* offset where that line starts */
	size_t cc_start, cc_pos;
	int cc_col; /* column cache: the column of cc_pos on the line starting at cc_start */
	toml_value *root, *cur;
	buf sb; /* the string being decoded */
};

/* --- values --------------------------------------------------------------------------- */

static toml_value *value_new(toml_type type, int line, int col)
{
	toml_value *v = xcalloc(1, sizeof(*v));

	v->type = type;
	v->line = line;
	v->col = col;
	return v;
}

void toml_free(toml_value *v)
{
	int saved = errno;

	if (!v)
		return;
	switch (v->type) {
	case TOML_TABLE:
		for (size_t i = 0; i < v->u.t.len; i++) {
			free(v->u.t.e[i].key);
			toml_free(v->u.t.e[i].val);
		}
		free(v->u.t.e);
		free(v->u.t.slots);
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < v->u.a.len; i++)
			toml_free(v->u.a.v[i]);
		free(v->u.a.v);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
		free(v->u.s.s);
		break;
	default:
		break;
	}
	free(v);
	errno = saved;
}

/* FNV-1a, seeded with the table's address so that colliding keys are not the same from one
 * run to the next. */
static uint64_t key_hash(const toml_value *t, const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ULL);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static toml_value *table_find(const toml_value *t, const char *k, size_t n)
{
	const struct table *tb = &t->u.t;
	size_t mask, j;
	uint64_t h;

	if (!tb->slots) {
		for (size_t i = 0; i < tb->len; i++)
			if (tb->e[i].klen == n && memcmp(tb->e[i].key, k, n) == 0)
				return tb->e[i].val;
		return NULL;
	}
	h = key_hash(t, k, n);
	mask = tb->nslots - 1;
	for (j = h & mask; tb->slots[j]; j = (j + 1) & mask) {
		const struct entry *e = &tb->e[tb->slots[j] - 1];
		if (e->hash == h && e->klen == n && memcmp(e->key, k, n) == 0)
			return e->val;
	}
	return NULL;
}

static void slot_insert(struct table *tb, size_t idx)
{
	size_t mask = tb->nslots - 1, j;

	for (j = tb->e[idx].hash & mask; tb->slots[j]; j = (j + 1) & mask)
		;
	tb->slots[j] = idx + 1;
}

/* Adds key (taken over) -> val; the caller has checked that the key is new. */
static void table_put(toml_value *t, char *key, size_t klen, toml_value *val)
{
	struct table *tb = &t->u.t;
	size_t n;

	if (tb->len == tb->alloc) {
		tb->alloc = tb->alloc ? tb->alloc * 2 : 4;
		tb->e = xreallocarray(tb->e, tb->alloc, sizeof(*tb->e));
	}
	tb->e[tb->len] = (struct entry){ key, klen, key_hash(t, key, klen), val };
	tb->len++;
	if (tb->len <= TABLE_LINEAR_MAX)
		return;
	if (tb->slots && tb->len * 2 <= tb->nslots) {
		slot_insert(tb, tb->len - 1);
		return;
	}
	for (n = 64; n < tb->len * 4; n *= 2)
		;
	free(tb->slots);
	tb->slots = xcalloc(n, sizeof(*tb->slots));
	tb->nslots = n;
	for (size_t i = 0; i < tb->len; i++)
		slot_insert(tb, i);
}

static void array_push(toml_value *a, toml_value *item)
{
	if (a->u.a.len == a->u.a.alloc) {
		a->u.a.alloc = a->u.a.alloc ? a->u.a.alloc * 2 : 4;
		a->u.a.v = xreallocarray(a->u.a.v, a->u.a.alloc, sizeof(*a->u.a.v));
	}
	a->u.a.v[a->u.a.len++] = item;
}

static const char *kind_name(const toml_value *v)
{
	if (v->type == TOML_ARRAY && v->kind == A_TABLES)
		return "array of tables";
	return toml_type_name(v->type);
}

/* --- positions and errors ------------------------------------------------------------- */

/* Columns count characters, not bytes.  Values ask for the column of increasing positions,
 * so counting resumes from the previous answer on the same line. */
static int column_at(struct parser *ps, size_t start, size_t pos)
{
	size_t from = start;
	int col = 1;

	if (ps->cc_start == start && ps->cc_pos <= pos && ps->cc_col > 0) {
		from = ps->cc_pos;
		col = ps->cc_col;
	}
	for (size_t i = from; i < pos; i++)
		if (((unsigned char)ps->s[i] & 0xc0) != 0x80 && col < INT_MAX)
			col++;
	ps->cc_start = start;
	ps->cc_pos = pos;
	ps->cc_col = col;
	return col;
}

static void locate(struct parser *ps, size_t pos, int *line, int *col)
{
	size_t start = ps->line_start;
	int ln = ps->line;

	if (pos < start) { /* an error pointing at an earlier line: count again */
		ln = 1;
		start = 0;
		for (size_t i = 0; i < pos; i++) {
			if (ps->s[i] != '\n')
				continue;
			if (ln < INT_MAX)
				ln++;
			start = i + 1;
		}
	}
	*line = ln;
	*col = column_at(ps, start, pos);
}

static int verr_at(struct parser *ps, int line, int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int verr_at(struct parser *ps, int line, int col, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	return cpod_err(ps->err, CPOD_ERR_INVALID, 0, "%s:%d:%d: %s", ps->filename, line, col, msg);
}

/* Reports an error at byte offset pos; returns -1. */
static int perr(struct parser *ps, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *ps, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int line, col;

	locate(ps, pos, &line, &col);
	va_start(ap, fmt);
	verr_at(ps, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reports an error at a key part; returns -1. */
static int perr_key(struct parser *ps, const struct keypart *kp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr_key(struct parser *ps, const struct keypart *kp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_at(ps, kp->line, kp->col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Text from the input made fit for a message: control characters and quotes become '?', and
 * at most SHOW_MAX bytes are kept (cut at a character boundary). */
static const char *show(char out[static SHOW_MAX + 4], const char *s, size_t n)
{
	bool cut = n > SHOW_MAX;
	size_t o = 0;

	if (cut) {
		for (n = SHOW_MAX; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c == 0x7f || c == '\'') ? '?' : (char)c;
	}
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

#define SHOW_KEY(out, kp) show(out, (kp)->s, (kp)->len)

/* What stands at pos, for "found ..." in messages. */
static const char *found(const struct parser *ps, char out[static 24])
{
	unsigned char c;

	if (ps->pos >= ps->len)
		return "end of input";
	c = (unsigned char)ps->s[ps->pos];
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c == '\'')
		return "\"'\"";
	if (c > 0x20 && c < 0x7f)
		snprintf(out, 24, "'%c'", c);
	else
		snprintf(out, 24, "byte 0x%02x", c);
	return out;
}

/* --- characters ----------------------------------------------------------------------- */

static inline int peek_at(const struct parser *ps, size_t off)
{
	size_t i = ps->pos + off;

	return i < ps->len ? (unsigned char)ps->s[i] : -1;
}

static inline int peek(const struct parser *ps)
{
	return peek_at(ps, 0);
}

static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static inline bool is_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-';
}

/* The value of a hexadecimal (or lesser base) digit, -1 for anything else. */
static int digit_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len && (ps->s[ps->pos] == ' ' || ps->s[ps->pos] == '\t'))
		ps->pos++;
}

/* Consumes "\n" or "\r\n"; returns whether there was one. */
static bool eat_newline(struct parser *ps)
{
	size_t n;

	if (peek(ps) == '\n')
		n = 1;
	else if (peek(ps) == '\r' && peek_at(ps, 1) == '\n')
		n = 2;
	else
		return false;
	ps->pos += n;
	if (ps->line < INT_MAX)
		ps->line++;
	ps->line_start = ps->pos;
	return true;
}

/* Length of the valid UTF-8 sequence at pos (no overlong forms, surrogates or values past
 * U+10FFFF), 0 when invalid or cut short by the end of input. */
static size_t utf8_seq(const struct parser *ps, size_t pos)
{
	const unsigned char *p = (const unsigned char *)ps->s + pos;
	size_t n, avail = ps->len - pos;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* At '#': skips the comment, leaving pos at the end of the line. */
static int skip_comment(struct parser *ps)
{
	ps->pos++;
	while (ps->pos < ps->len) {
		int c = peek(ps);
		size_t n;

		if (c == '\n' || (c == '\r' && peek_at(ps, 1) == '\n'))
			return 0;
		if (is_ctrl(c))
			return perr(ps, ps->pos, "control character U+%04X in comment", c);
		n = utf8_seq(ps, ps->pos);
		if (!n)
			return perr(ps, ps->pos, "invalid UTF-8 in comment");
		ps->pos += n;
	}
	return 0;
}

/* Skips whitespace, newlines and comments (inside arrays). */
static int skip_ws_nl(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		if (peek(ps) == '#' && skip_comment(ps) < 0)
			return -1;
		if (!eat_newline(ps))
			return 0;
	}
}

/* --- strings -------------------------------------------------------------------------- */

/* Copies ordinary characters of a string into ps->sb up to a quote, a backslash (basic
 * strings only), a line end or the end of input. */
static int plain_run(struct parser *ps, int quote)
{
	size_t from = ps->pos;

	while (ps->pos < ps->len) {
		int c = (unsigned char)ps->s[ps->pos];
		size_t n;

		if (c == quote || (c == '\\' && quote == '"') || c == '\n' || c == '\r')
			break;
		if (is_ctrl(c))
			return perr(ps, ps->pos, "control character U+%04X in string", c);
		n = utf8_seq(ps, ps->pos);
		if (!n)
			return perr(ps, ps->pos, "invalid UTF-8 in string");
		ps->pos += n;
	}
	buf_add(&ps->sb, ps->s + from, ps->pos - from);
	return 0;
}

static void add_utf8(buf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, out, n);
}

/* \uXXXX or \UXXXXXXXX whose backslash is at 'at'; pos is past the 'u'. */
static int unicode_escape(struct parser *ps, size_t at, int digits)
{
	uint32_t cp = 0;

	for (int i = 0; i < digits; i++) {
		int d = digit_value(peek_at(ps, (size_t)i));

		if (d < 0)
			return perr(ps, at, "invalid unicode escape: %d hex digits expected",
				    digits);
		cp = cp << 4 | (uint32_t)d;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return perr(ps, at, "unicode escape U+%04X is not a unicode scalar value", cp);
	ps->pos += (size_t)digits;
	add_utf8(&ps->sb, cp);
	return 0;
}

/* A backslash that ends a line of a multi-line basic string: it eats all whitespace and
 * newlines that follow.  pos is just past the backslash. */
static int line_continuation(struct parser *ps, size_t at)
{
	skip_ws(ps);
	if (!eat_newline(ps))
		return perr(ps, at, "invalid escape: '\\' followed by whitespace");
	for (;;) {
		skip_ws(ps);
		if (!eat_newline(ps))
			return 0;
	}
}

/* At a backslash in a basic string. */
static int escape(struct parser *ps, bool multiline)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	size_t at = ps->pos;
	int c = peek_at(ps, 1);
	const char *p;
	char tmp[24];

	if (c < 0)
		return perr(ps, at, "invalid escape at end of input");
	if (c == 'u' || c == 'U') {
		ps->pos += 2;
		return unicode_escape(ps, at, c == 'u' ? 4 : 8);
	}
	if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		ps->pos++;
		return line_continuation(ps, at);
	}
	p = c ? strchr(from, c) : NULL;
	if (!p && c > 0x20 && c < 0x7f && c != '\'')
		return perr(ps, at, "invalid escape '\\%c'", c);
	if (!p) {
		ps->pos++;
		return perr(ps, at, "invalid escape: '\\' followed by %s", found(ps, tmp));
	}
	buf_addch(&ps->sb, to[p - from]);
	ps->pos += 2;
	return 0;
}

/* Reads a string of any of the four kinds into ps->sb; pos is at the opening quote. */
static int scan_string(struct parser *ps)
{
	size_t start = ps->pos;
	int quote = peek(ps);
	bool ml = peek_at(ps, 1) == quote && peek_at(ps, 2) == quote;

	buf_reset(&ps->sb);
	ps->pos += ml ? 3 : 1;
	if (ml)
		eat_newline(ps); /* a newline right after the opening quotes is trimmed */
	for (;;) {
		int c = peek(ps);
		size_t n = 0;

		if (c < 0 || (!ml && (c == '\n' || c == '\r')))
			return perr(ps, start, "unterminated string");
		if (c == quote && !ml) {
			ps->pos++;
			return 0;
		}
		if (c == quote) {
			while (peek_at(ps, n) == quote)
				n++;
			if (n > 5)
				return perr(ps, ps->pos, "too many quotes in multi-line string");
			buf_add(&ps->sb, ps->s + ps->pos, n >= 3 ? n - 3 : n);
			ps->pos += n;
			if (n >= 3)
				return 0;
		} else if (c == '\\' && quote == '"') {
			if (escape(ps, ml) < 0)
				return -1;
		} else if (c == '\n' || c == '\r') {
			if (!eat_newline(ps))
				return perr(ps, ps->pos,
					    "carriage return without line feed in string");
			buf_addch(&ps->sb, '\n');
		} else if (plain_run(ps, quote) < 0) {
			return -1;
		}
	}
}

/* Hands out the decoded string; it may hold NUL bytes (from \u0000). */
static char *take_string(struct parser *ps, size_t *ret_len)
{
	return buf_detach(&ps->sb, ret_len);
}

/* --- keys ----------------------------------------------------------------------------- */

static void key_release(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->p[i].s);
	free(k->p);
}

static int key_part(struct parser *ps, struct keypart *kp)
{
	int c = peek(ps);
	size_t from = ps->pos;
	char tmp[24];

	locate(ps, ps->pos, &kp->line, &kp->col);
	if (c == '"' || c == '\'') {
		if (peek_at(ps, 1) == c && peek_at(ps, 2) == c)
			return perr(ps, ps->pos, "multi-line string used as a key");
		if (scan_string(ps) < 0)
			return -1;
		kp->s = take_string(ps, &kp->len);
		return 0;
	}
	if (!is_bare(c))
		return perr(ps, ps->pos, "expected a key, found %s", found(ps, tmp));
	while (is_bare(peek(ps)))
		ps->pos++;
	kp->len = ps->pos - from;
	kp->s = xstrndup(ps->s + from, kp->len);
	return 0;
}

/* A possibly dotted key, with the whitespace around it and its dots. */
static int parse_key(struct parser *ps, struct key *k)
{
	for (;;) {
		if (k->n == TOML_MAX_DEPTH)
			return perr(ps, ps->pos, "key has more than %d parts", TOML_MAX_DEPTH);
		if (k->n == k->alloc) {
			k->alloc = k->alloc ? k->alloc * 2 : 4;
			k->p = xreallocarray(k->p, k->alloc, sizeof(*k->p));
		}
		skip_ws(ps);
		k->p[k->n] = (struct keypart){ 0 };
		if (key_part(ps, &k->p[k->n]) < 0)
			return -1;
		k->n++;
		skip_ws(ps);
		if (peek(ps) != '.')
			return 0;
		ps->pos++;
	}
}

/* --- tables --------------------------------------------------------------------------- */

static toml_value *table_new(int kind, int depth, int line, int col)
{
	toml_value *t = value_new(TOML_TABLE, line, col);

	t->kind = (unsigned char)kind;
	t->depth = (unsigned short)depth;
	return t;
}

static int check_depth(struct parser *ps, const struct keypart *kp, int depth)
{
	if (depth <= TOML_MAX_DEPTH)
		return 0;
	return perr_key(ps, kp, "nesting deeper than %d levels", TOML_MAX_DEPTH);
}

/* Creates table kp (taking over its name) in parent. */
static toml_value *child_table(struct parser *ps, toml_value *parent, struct keypart *kp, int kind)
{
	toml_value *t;

	if (check_depth(ps, kp, parent->depth + 1) < 0)
		return NULL;
	t = table_new(kind, parent->depth + 1, kp->line, kp->col);
	table_put(parent, TAKE_PTR(kp->s), kp->len, t);
	return t;
}

/* One step of a dotted key (a.b = 1): into an existing table that dotted keys may extend, or
 * into a new one. */
static int descend_dotted(struct parser *ps, toml_value **t, struct keypart *kp)
{
	toml_value *v = table_find(*t, kp->s, kp->len);
	char name[SHOW_MAX + 4];

	if (!v) {
		*t = child_table(ps, *t, kp, T_DOTTED);
		return *t ? 0 : -1;
	}
	if (v->type != TOML_TABLE)
		return perr_key(ps, kp, "key '%s' is already defined as %s", SHOW_KEY(name, kp),
				kind_name(v));
	if (v->kind == T_INLINE)
		return perr_key(ps, kp, "cannot add keys to inline table '%s'", SHOW_KEY(name, kp));
	if (v->kind != T_IMPLICIT && v->kind != T_DOTTED)
		return perr_key(ps, kp, "cannot add keys to table '%s' defined by a header",
				SHOW_KEY(name, kp));
	v->kind = T_DOTTED;
	*t = v;
	return 0;
}

/* One step of a header ([a.b]) before its last part: into any table but an inline one, or
 * into the last element of an array of tables. */
static int descend_header(struct parser *ps, toml_value **t, struct keypart *kp)
{
	toml_value *v = table_find(*t, kp->s, kp->len);
	char name[SHOW_MAX + 4];

	if (!v) {
		*t = child_table(ps, *t, kp, T_IMPLICIT);
		return *t ? 0 : -1;
	}
	if (v->type == TOML_ARRAY && v->kind == A_TABLES) {
		*t = v->u.a.v[v->u.a.len - 1];
		return 0;
	}
	if (v->type != TOML_TABLE)
		return perr_key(ps, kp, "key '%s' is already defined as %s", SHOW_KEY(name, kp),
				kind_name(v));
	if (v->kind == T_INLINE)
		return perr_key(ps, kp, "cannot add keys to inline table '%s'", SHOW_KEY(name, kp));
	*t = v;
	return 0;
}

/* [a]: defines a table, once. */
static int header_table(struct parser *ps, toml_value *t, struct keypart *kp, int line, int col)
{
	toml_value *v = table_find(t, kp->s, kp->len);
	char name[SHOW_MAX + 4];

	if (!v) {
		v = child_table(ps, t, kp, T_HEADER);
		if (!v)
			return -1;
	} else if (v->type != TOML_TABLE) {
		return perr_key(ps, kp, "key '%s' is already defined as %s", SHOW_KEY(name, kp),
				kind_name(v));
	} else if (v->kind == T_INLINE) {
		return perr_key(ps, kp, "cannot add keys to inline table '%s'", SHOW_KEY(name, kp));
	} else if (v->kind == T_DOTTED) {
		return perr_key(ps, kp, "redefining table '%s' defined by dotted keys",
				SHOW_KEY(name, kp));
	} else if (v->kind != T_IMPLICIT) {
		return perr_key(ps, kp, "redefining table '%s'", SHOW_KEY(name, kp));
	}
	v->kind = T_HEADER;
	v->line = line;
	v->col = col;
	ps->cur = v;
	return 0;
}

/* [[a]]: appends a table to an array of tables, making the array the first time. */
static int header_aot(struct parser *ps, toml_value *t, struct keypart *kp, int line, int col)
{
	toml_value *a = table_find(t, kp->s, kp->len), *elem;
	char name[SHOW_MAX + 4];

	if (!a) {
		if (check_depth(ps, kp, t->depth + 2) < 0)
			return -1;
		a = value_new(TOML_ARRAY, line, col);
		a->kind = A_TABLES;
		a->depth = (unsigned short)(t->depth + 1);
		table_put(t, TAKE_PTR(kp->s), kp->len, a);
	} else if (a->type == TOML_ARRAY && a->kind == A_STATIC) {
		return perr_key(ps, kp, "cannot append to static array '%s'", SHOW_KEY(name, kp));
	} else if (a->type != TOML_ARRAY) {
		return perr_key(ps, kp, "key '%s' is already defined as %s", SHOW_KEY(name, kp),
				kind_name(a));
	}
	elem = table_new(T_AOT_ELEM, a->depth + 1, line, col);
	array_push(a, elem);
	ps->cur = elem;
	return 0;
}

/* At '[': a [table] or [[array.of.tables]] header. */
static int header(struct parser *ps)
{
	_cleanup_(key_release) struct key k = { 0 };
	bool aot = peek_at(ps, 1) == '[';
	toml_value *t = ps->root;
	int line, col;
	char tmp[24];

	locate(ps, ps->pos, &line, &col);
	ps->pos += aot ? 2 : 1;
	if (parse_key(ps, &k) < 0)
		return -1;
	if (peek(ps) != ']' || (aot && peek_at(ps, 1) != ']'))
		return perr(ps, ps->pos, "expected '%s' to close the table header, found %s",
			    aot ? "]]" : "]", found(ps, tmp));
	ps->pos += aot ? 2 : 1;
	for (size_t i = 0; i + 1 < k.n; i++)
		if (descend_header(ps, &t, &k.p[i]) < 0)
			return -1;
	if (aot)
		return header_aot(ps, t, &k.p[k.n - 1], line, col);
	return header_table(ps, t, &k.p[k.n - 1], line, col);
}

/* --- values --------------------------------------------------------------------------- */

static int parse_value(struct parser *ps, int depth, toml_value **ret);

/* key = value, added to base (the current table, or an inline table being read). */
static int keyval(struct parser *ps, toml_value *base)
{
	_cleanup_(key_release) struct key k = { 0 };
	toml_value *t = base, *v = NULL;
	struct keypart *last;
	char name[SHOW_MAX + 4], tmp[24];

	if (parse_key(ps, &k) < 0)
		return -1;
	last = &k.p[k.n - 1];
	if (peek(ps) != '=')
		return perr(ps, ps->pos, "expected '=' after key '%s', found %s",
			    SHOW_KEY(name, last), found(ps, tmp));
	ps->pos++;
	skip_ws(ps);
	for (size_t i = 0; i + 1 < k.n; i++)
		if (descend_dotted(ps, &t, &k.p[i]) < 0)
			return -1;
	if (table_find(t, last->s, last->len))
		return perr_key(ps, last, "duplicate key '%s'", SHOW_KEY(name, last));
	if (parse_value(ps, t->depth + 1, &v) < 0)
		return -1;
	table_put(t, TAKE_PTR(last->s), last->len, v);
	return 0;
}

static int parse_array(struct parser *ps, int depth, toml_value *a)
{
	size_t start = ps->pos;
	char tmp[24];

	ps->pos++;
	for (;;) {
		toml_value *item = NULL;

		if (skip_ws_nl(ps) < 0)
			return -1;
		if (peek(ps) == ']')
			break;
		if (peek(ps) < 0)
			return perr(ps, start, "unterminated array");
		if (parse_value(ps, depth + 1, &item) < 0)
			return -1;
		array_push(a, item);
		if (skip_ws_nl(ps) < 0)
			return -1;
		if (peek(ps) == ']')
			break;
		if (peek(ps) < 0)
			return perr(ps, start, "unterminated array");
		if (peek(ps) != ',')
			return perr(ps, ps->pos, "expected ',' or ']' in array, found %s",
				    found(ps, tmp));
		ps->pos++;
	}
	ps->pos++;
	return 0;
}

static int parse_inline_table(struct parser *ps, toml_value *t)
{
	size_t start = ps->pos;
	char tmp[24];

	ps->pos++;
	skip_ws(ps);
	if (peek(ps) == '}') {
		ps->pos++;
		return 0;
	}
	for (;;) {
		if (keyval(ps, t) < 0)
			return -1;
		skip_ws(ps);
		if (peek(ps) == '}') {
			ps->pos++;
			return 0;
		}
		if (peek(ps) < 0)
			return perr(ps, start, "unterminated inline table");
		if (peek(ps) != ',')
			return perr(ps, ps->pos, "expected ',' or '}' in inline table, found %s",
				    found(ps, tmp));
		ps->pos++;
		skip_ws(ps);
		if (peek(ps) == '}')
			return perr(ps, ps->pos, "trailing comma in inline table");
	}
}

static int parse_container(struct parser *ps, int depth, int line, int col, toml_value **ret)
{
	_cleanup_toml_ toml_value *v = NULL;
	bool array = peek(ps) == '[';
	int r;

	if (depth > TOML_MAX_DEPTH)
		return perr(ps, ps->pos, "nesting deeper than %d levels", TOML_MAX_DEPTH);
	if (array) {
		v = value_new(TOML_ARRAY, line, col);
		v->depth = (unsigned short)depth;
		r = parse_array(ps, depth, v);
	} else {
		v = table_new(T_INLINE, depth, line, col);
		r = parse_inline_table(ps, v);
	}
	if (r < 0)
		return -1;
	*ret = TAKE_PTR(v);
	return 0;
}

/* --- numbers and datetimes ------------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool valid_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, max;

	if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
	    !all_digits(s + 8, 2))
		return false;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	d = num2(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	return d <= max;
}

/* Length of a valid HH:MM:SS[.fraction] at s, 0 when there is none. */
static size_t time_len(const char *s, size_t n)
{
	size_t i = 8, f;

	if (n < 8 || !all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2) || s[5] != ':' ||
	    !all_digits(s + 6, 2))
		return 0;
	if (num2(s) > 23 || num2(s + 3) > 59 || num2(s + 6) > 60) /* 60: leap second */
		return 0;
	if (i < n && s[i] == '.') {
		for (f = ++i; i < n && is_digit(s[i]); i++)
			;
		if (i == f)
			return 0;
	}
	return i;
}

static bool looks_like_datetime(const char *s, size_t n)
{
	return (n >= 5 && all_digits(s, 4) && s[4] == '-') ||
	       (n >= 3 && all_digits(s, 2) && s[2] == ':');
}

/* Offset date-time, local date-time, local date or local time (RFC 3339 as TOML has it). */
static bool valid_datetime(const char *s, size_t n)
{
	size_t i = 11, t;

	if (s[2] == ':')
		return time_len(s, n) == n;
	if (n < 10 || !valid_date(s))
		return false;
	if (n == 10)
		return true;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return false;
	t = time_len(s + i, n - i);
	if (!t)
		return false;
	i += t;
	if (i == n)
		return true;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
		return true;
	return (s[i] == '+' || s[i] == '-') && n - i == 6 && all_digits(s + i + 1, 2) &&
	       s[i + 3] == ':' && all_digits(s + i + 4, 2) && num2(s + i + 1) <= 23 &&
	       num2(s + i + 4) <= 59;
}

/* Digits of the given base with '_' only between two digits; at least one digit. */
static bool valid_digits(const char *s, size_t n, int base)
{
	for (size_t i = 0; i < n; i++) {
		int d = digit_value((unsigned char)s[i]);

		if (s[i] == '_' && i > 0 && i + 1 < n && s[i + 1] != '_')
			continue;
		if (d < 0 || d >= base)
			return false;
	}
	return n > 0;
}

/* Value of valid digits; false when it passes limit. */
static bool digits_value(const char *s, size_t n, int base, uint64_t limit, uint64_t *ret)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = digit_value((unsigned char)s[i]);

		if (d < 0) /* '_' */
			continue;
		if (v > (limit - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*ret = v;
	return true;
}

/* strtod() in the C locale whatever the process's locale is. */
static double c_strtod(const char *s, char **end)
{
	static locale_t c_locale;
	locale_t loc = __atomic_load_n(&c_locale, __ATOMIC_ACQUIRE), expected = (locale_t)0;

	if (!loc) {
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!loc)
			abort();
		if (!__atomic_compare_exchange_n(&c_locale, &expected, loc, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			freelocale(loc);
			loc = expected;
		}
	}
	return strtod_l(s, end, loc);
}

/* Length of the part of a decimal number: digits and underscores. */
static size_t digit_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (is_digit(s[i]) || s[i] == '_'))
		i++;
	return i;
}

/* Checks a decimal integer or float (no sign); sets *is_float.  Returns an error message
 * or NULL. */
static const char *check_decimal(const char *s, size_t n, bool *is_float)
{
	size_t i = digit_run(s, n), f;

	if (!valid_digits(s, i, 10))
		return "invalid number";
	if (i > 1 && s[0] == '0')
		return "leading zero in number";
	*is_float = false;
	if (i < n && s[i] == '.') {
		f = ++i;
		i += digit_run(s + i, n - i);
		if (!valid_digits(s + f, i - f, 10))
			return "invalid float";
		*is_float = true;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		f = i;
		i += digit_run(s + i, n - i);
		if (!valid_digits(s + f, i - f, 10))
			return "invalid float";
		*is_float = true;
	}
	return i == n ? NULL : "invalid number";
}

static int float_value(struct parser *ps, size_t at, const char *s, size_t n, toml_value *v)
{
	_cleanup_free_ char *copy = xmalloc(n + 1);
	char *end, name[SHOW_MAX + 4];
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			copy[o++] = s[i];
	copy[o] = '\0';
	errno = 0;
	v->u.f = c_strtod(copy, &end);
	if (*end)
		return perr(ps, at, "invalid float '%s'", show(name, s, n));
	if (errno == ERANGE && isinf(v->u.f))
		return perr(ps, at, "float '%s' out of range", show(name, s, n));
	v->type = TOML_FLOAT;
	return 0;
}

/* An integer or float token s (n bytes, at byte offset at) into v. */
static int number_value(struct parser *ps, size_t at, const char *s, size_t n, toml_value *v)
{
	static const char prefixes[] = "xob";
	static const int bases[] = { 16, 8, 2 };
	bool neg = s[0] == '-', sign = neg || s[0] == '+', is_float = false;
	const char *b = s + sign, *p, *msg;
	size_t bn = n - sign;
	char name[SHOW_MAX + 4];
	uint64_t u;

	if (bn == 3 && (memcmp(b, "inf", 3) == 0 || memcmp(b, "nan", 3) == 0)) {
		v->type = TOML_FLOAT;
		v->u.f = b[0] == 'i' ? INFINITY : NAN;
		v->u.f = neg ? -v->u.f : v->u.f;
		return 0;
	}
	if (bn > 2 && b[0] == '0' && (p = memchr(prefixes, b[1], 3)) != NULL) {
		int base = bases[p - prefixes];
		if (sign || !valid_digits(b + 2, bn - 2, base))
			return perr(ps, at, "invalid integer '%s'", show(name, s, n));
		if (!digits_value(b + 2, bn - 2, base, INT64_MAX, &u))
			return perr(ps, at, "integer '%s' out of range", show(name, s, n));
		v->u.i = (int64_t)u;
		return 0;
	}
	msg = check_decimal(b, bn, &is_float);
	if (msg)
		return perr(ps, at, "%s '%s'", msg, show(name, s, n));
	if (is_float)
		return float_value(ps, at, s, n, v);
	if (!digits_value(b, bn, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &u))
		return perr(ps, at, "integer '%s' out of range", show(name, s, n));
	v->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

static size_t token_end(const struct parser *ps, size_t i)
{
	while (i < ps->len) {
		char c = ps->s[i];
		if (!is_bare(c) && c != '.' && c != ':' && c != '+')
			break;
		i++;
	}
	return i;
}

/* A number, inf, nan or datetime. */
static int parse_scalar(struct parser *ps, toml_value *v)
{
	size_t at = ps->pos, end = token_end(ps, at), n;
	const char *s = ps->s + at;
	char name[SHOW_MAX + 4];

	/* "1979-05-27 07:32:00": a space may part the date from the time */
	if (end - at == 10 && looks_like_datetime(s, 10) && end + 1 < ps->len &&
	    ps->s[end] == ' ' && is_digit(ps->s[end + 1]))
		end = token_end(ps, end + 1);
	n = end - at;
	if (looks_like_datetime(s, n)) {
		if (!valid_datetime(s, n))
			return perr(ps, at, "invalid datetime '%s'", show(name, s, n));
		v->type = TOML_DATETIME;
		v->u.s.s = xstrndup(s, n);
		v->u.s.len = n;
	} else if (number_value(ps, at, s, n, v) < 0) {
		return -1;
	}
	ps->pos = end;
	return 0;
}

/* A value of a key/value pair or of an array; depth is what it will have in the tree. */
static int parse_value(struct parser *ps, int depth, toml_value **ret)
{
	_cleanup_toml_ toml_value *v = NULL;
	int c = peek(ps), line, col;
	char tmp[24];

	locate(ps, ps->pos, &line, &col);
	if (c == '[' || c == '{')
		return parse_container(ps, depth, line, col, ret);
	v = value_new(TOML_INTEGER, line, col);
	if (c == '"' || c == '\'') {
		if (scan_string(ps) < 0)
			return -1;
		v->type = TOML_STRING;
		v->u.s.s = take_string(ps, &v->u.s.len);
	} else if (c == 't' && ps->len - ps->pos >= 4 && memcmp(ps->s + ps->pos, "true", 4) == 0) {
		v->type = TOML_BOOL;
		v->u.b = 1;
		ps->pos += 4;
	} else if (c == 'f' && ps->len - ps->pos >= 5 && memcmp(ps->s + ps->pos, "false", 5) == 0) {
		v->type = TOML_BOOL;
		ps->pos += 5;
	} else if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n') {
		if (parse_scalar(ps, v) < 0)
			return -1;
	} else {
		return perr(ps, ps->pos, "expected a value, found %s", found(ps, tmp));
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* --- document ------------------------------------------------------------------------- */

/* After a header or key/value pair: only whitespace and a comment may end the line. */
static int end_of_line(struct parser *ps, const char *after)
{
	char tmp[24];

	skip_ws(ps);
	if (peek(ps) == '#' && skip_comment(ps) < 0)
		return -1;
	if (peek(ps) < 0 || eat_newline(ps))
		return 0;
	if (peek(ps) == '\r')
		return perr(ps, ps->pos, "carriage return without line feed");
	return perr(ps, ps->pos, "unexpected %s after %s", found(ps, tmp), after);
}

static int parse_document(struct parser *ps)
{
	if (ps->len >= 3 && memcmp(ps->s, "\xef\xbb\xbf", 3) == 0) /* byte order mark */
		ps->pos = 3;
	while (ps->pos < ps->len) {
		const char *after = "comment";
		int c, r = 0;

		skip_ws(ps);
		c = peek(ps);
		if (c == '[') {
			r = header(ps);
			after = "table header";
		} else if (c >= 0 && c != '#' && c != '\n' && c != '\r') {
			r = keyval(ps, ps->cur);
			after = "value";
		}
		if (r < 0 || end_of_line(ps, after) < 0)
			return -1;
	}
	return 0;
}

toml_value *toml_parse(const char *text, size_t len, const char *filename, cpod_error **err)
{
	struct parser ps = {
		.s = text,
		.len = len,
		.filename = filename ? filename : "<input>",
		.err = err,
		.line = 1,
	};
	toml_value *root;

	buf_init(&ps.sb, 0);
	root = table_new(T_ROOT, 0, 1, 1);
	ps.root = ps.cur = root;
	if (parse_document(&ps) < 0) {
		toml_free(root);
		root = NULL;
	}
	buf_release(&ps.sb);
	return root;
}

toml_value *toml_parse_file(const char *path, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	buf_init(&b, TOML_MAX_FILE);
	if (buf_read_file(&b, path) < 0 || b.len > TOML_MAX_FILE) {
		if (b.len > TOML_MAX_FILE) /* buf_read_fd() can read past its cap */
			errno = EFBIG;
		if (errno == ENOENT)
			cpod_err(err, CPOD_ERR_NOT_FOUND, errno, "reading '%s'", path);
		else if (errno == EFBIG)
			cpod_err(err, CPOD_ERR_INVALID, 0, "reading '%s': larger than %u MiB", path,
				 TOML_MAX_FILE >> 20);
		else
			cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", path);
		return NULL;
	}
	return toml_parse(b.s, b.len, path, err);
}

/* --- accessors ------------------------------------------------------------------------ */

toml_type toml_type_of(const toml_value *v)
{
	return v ? v->type : 0;
}

const char *toml_type_name(toml_type t)
{
	switch (t) {
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_DATETIME:
		return "datetime";
	}
	return "unknown";
}

int toml_line(const toml_value *v)
{
	return v ? v->line : 0;
}

int toml_column(const toml_value *v)
{
	return v ? v->col : 0;
}

const toml_value *toml_get(const toml_value *t, const char *key)
{
	if (!t || t->type != TOML_TABLE || !key)
		return NULL;
	return table_find(t, key, strlen(key));
}

size_t toml_table_len(const toml_value *t)
{
	return t && t->type == TOML_TABLE ? t->u.t.len : 0;
}

const char *toml_table_key(const toml_value *t, size_t i)
{
	return i < toml_table_len(t) ? t->u.t.e[i].key : NULL;
}

const toml_value *toml_table_value(const toml_value *t, size_t i)
{
	return i < toml_table_len(t) ? t->u.t.e[i].val : NULL;
}

size_t toml_array_len(const toml_value *a)
{
	return a && a->type == TOML_ARRAY ? a->u.a.len : 0;
}

const toml_value *toml_array_at(const toml_value *a, size_t i)
{
	return i < toml_array_len(a) ? a->u.a.v[i] : NULL;
}

const char *toml_string(const toml_value *v)
{
	if (!v || (v->type != TOML_STRING && v->type != TOML_DATETIME))
		return "";
	return v->u.s.s;
}

int64_t toml_int(const toml_value *v)
{
	return v && v->type == TOML_INTEGER ? v->u.i : 0;
}

double toml_float(const toml_value *v)
{
	return v && v->type == TOML_FLOAT ? v->u.f : 0.0;
}

int toml_bool(const toml_value *v)
{
	return v && v->type == TOML_BOOL ? v->u.b : 0;
}
