/* Lexer of the template language: the whole source becomes an array of tokens, ending with
 * TOK_EOF or with the TOK_ERROR of the first lexical error.  It follows Go's text/template
 * lexer (same token boundaries, same messages), except that podman's command-line escapes
 * are applied to text only, never inside actions.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "template_internal.h"
#include "common/banned.h"

struct lexer {
	const char *s;
	size_t len, pos;
	unsigned flags;
	struct tmpl_tokens *out;
	bool trim_text; /* the previous right delimiter had a trim marker */
	bool space;	/* white space was skipped since the last token */
	int paren_depth;
	bool done;
};

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Letters, digits and '_'; bytes of multi-byte UTF-8 sequences count as letters. */
static bool is_alnum(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int at(const struct lexer *l, size_t i)
{
	return i < l->len ? (unsigned char)l->s[i] : -1;
}

static bool has_at(const struct lexer *l, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	return i <= l->len && l->len - i >= n && memcmp(l->s + i, lit, n) == 0;
}

static struct tmpl_token *push(struct lexer *l, enum tmpl_tok_type type, size_t pos, size_t len)
{
	struct tmpl_tokens *t = l->out;
	struct tmpl_token *tok;

	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 64;
		t->v = xreallocarray(t->v, t->alloc, sizeof(*t->v));
	}
	tok = &t->v[t->n++];
	memset(tok, 0, sizeof(*tok));
	tok->type = type;
	tok->pos = pos;
	tok->len = len;
	tok->space_before = l->space;
	l->space = false;
	return tok;
}

static void lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
{
	struct tmpl_token *tok = push(l, TOK_ERROR, pos, 0);
	buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	tok->text = buf_detach(&b, &tok->text_len);
	l->done = true;
}

/* Go's %#U of an ASCII character. */
static void bad_char(struct lexer *l, size_t pos, const char *what, int c)
{
	if (c > 0x20 && c < 0x7f)
		lex_error(l, pos, "%s U+%04X '%c'", what, (unsigned)c, c);
	else
		lex_error(l, pos, "%s U+%04X", what, (unsigned)(c < 0 ? 0xFFFD : c));
}

/* Emits text [start, end) after podman's escapes and the trim markers around it. */
static void emit_text(struct lexer *l, size_t start, size_t end, bool trim_right)
{
	buf b = BUF_INIT;
	size_t from = 0;
	struct tmpl_token *tok;

	for (size_t i = start; i < end; i++) {
		char c = l->s[i];

		if ((l->flags & TMPL_CLI_ESCAPES) && c == '\\' && i + 1 < end &&
		    (l->s[i + 1] == 't' || l->s[i + 1] == 'n')) {
			c = l->s[++i] == 't' ? '\t' : '\n';
		} else if ((l->flags & TMPL_TABLE_SPACES) && c == ' ') {
			c = '\t';
		}
		buf_addch(&b, c);
	}
	if (l->trim_text)
		while (from < b.len && is_space(b.s[from]))
			from++;
	if (trim_right)
		while (b.len > from && is_space(b.s[b.len - 1]))
			b.len--;
	l->trim_text = false;
	if (b.len > from) {
		tok = push(l, TOK_TEXT, start, end - start);
		tok->text = xstrndup(b.s + from, b.len - from);
		tok->text_len = b.len - from;
	}
	buf_release(&b);
}

/* A right delimiter at i: returns its length (2 for "}}", 4 for " -}}"), 0 if none. */
static size_t right_delim(const struct lexer *l, size_t i, bool *trim)
{
	if (has_at(l, i, "}}")) {
		*trim = false;
		return 2;
	}
	if (is_space(at(l, i)) && at(l, i + 1) == '-' && has_at(l, i + 2, "}}")) {
		*trim = true;
		return 4;
	}
	return 0;
}

static bool at_terminator(const struct lexer *l, size_t i)
{
	int c = at(l, i);
	bool trim;

	if (c < 0 || is_space(c) || strchr(".,|:()", c))
		return true;
	return right_delim(l, i, &trim) == 2;
}

/* A comment: the left delimiter (and its trim marker) is past, l->pos is at the slash. */
static void lex_comment(struct lexer *l)
{
	const char *end = memmem(l->s + l->pos + 2, l->len - l->pos - 2, "*/", 2);
	size_t n;
	bool trim;

	if (!end) {
		lex_error(l, l->pos, "unclosed comment");
		return;
	}
	l->pos = (size_t)(end - l->s) + 2;
	n = right_delim(l, l->pos, &trim);
	if (!n) {
		lex_error(l, l->pos, "comment ends before closing delimiter");
		return;
	}
	l->pos += n;
	l->trim_text = trim;
}

static void lex_quoted(struct lexer *l, char quote)
{
	size_t i = l->pos + 1;

	for (;;) {
		int c = at(l, i);

		if (c == '\\') {
			c = at(l, ++i);
			if (c >= 0 && c != '\n') {
				i++;
				continue;
			}
		}
		if (c < 0 || c == '\n') {
			lex_error(l, l->pos,
				  quote == '"' ? "unterminated quoted string"
					       : "unterminated character constant");
			return;
		}
		i++;
		if (c == quote)
			break;
	}
	push(l, quote == '"' ? TOK_STRING : TOK_CHAR_CONST, l->pos, i - l->pos);
	l->pos = i;
}

static void lex_raw(struct lexer *l)
{
	const char *end = memchr(l->s + l->pos + 1, '`', l->len - l->pos - 1);

	if (!end) {
		lex_error(l, l->pos, "unterminated raw quoted string");
		return;
	}
	push(l, TOK_RAW_STRING, l->pos, (size_t)(end - l->s) + 1 - l->pos);
	l->pos = (size_t)(end - l->s) + 1;
}

/* ".Field", "." or "$x", "$": the sigil is at l->pos. */
static void lex_field_or_var(struct lexer *l, enum tmpl_tok_type type)
{
	size_t i = l->pos + 1;

	if (at_terminator(l, i)) {
		push(l, type == TOK_FIELD ? TOK_DOT : TOK_VARIABLE, l->pos, 1);
		l->pos = i;
		return;
	}
	while (i < l->len && is_alnum(at(l, i)))
		i++;
	if (!at_terminator(l, i)) {
		bad_char(l, l->pos, "bad character", at(l, i));
		return;
	}
	push(l, type, l->pos, i - l->pos);
	l->pos = i;
}

static size_t accept_run(const struct lexer *l, size_t i, const char *set)
{
	while (i < l->len && l->s[i] && strchr(set, l->s[i]))
		i++;
	return i;
}

static size_t accept(const struct lexer *l, size_t i, const char *set)
{
	return (i < l->len && l->s[i] && strchr(set, l->s[i])) ? i + 1 : i;
}

static void lex_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	size_t i = accept(l, l->pos, "+-"), j;

	j = accept(l, i, "0");
	if (j > i) {
		i = j;
		if ((j = accept(l, i, "xX")) > i)
			digits = "0123456789abcdefABCDEF_";
		else if ((j = accept(l, i, "oO")) > i)
			digits = "01234567_";
		else if ((j = accept(l, i, "bB")) > i)
			digits = "01_";
		i = j;
	}
	i = accept_run(l, i, digits);
	if ((j = accept(l, i, ".")) > i)
		i = accept_run(l, j, digits);
	if (strlen(digits) == 11 && (j = accept(l, i, "eE")) > i)
		i = accept_run(l, accept(l, j, "+-"), "0123456789_");
	if (strlen(digits) == 23 && (j = accept(l, i, "pP")) > i)
		i = accept_run(l, accept(l, j, "+-"), "0123456789_");
	i = accept(l, i, "i");
	if (i < l->len && is_alnum(at(l, i))) {
		lex_error(l, l->pos, "bad number syntax: \"%.*s\"", (int)(i + 1 - l->pos),
			  l->s + l->pos);
		return;
	}
	push(l, TOK_NUMBER, l->pos, i - l->pos);
	l->pos = i;
}

static const struct {
	const char *word;
	enum tmpl_tok_type type;
} keywords[] = {
	{ "if", TOK_IF },
	{ "else", TOK_ELSE },
	{ "end", TOK_END },
	{ "range", TOK_RANGE },
	{ "with", TOK_WITH },
	{ "break", TOK_BREAK },
	{ "continue", TOK_CONTINUE },
	{ "define", TOK_DEFINE },
	{ "template", TOK_TEMPLATE },
	{ "block", TOK_BLOCK },
	{ "nil", TOK_NIL },
	{ "true", TOK_BOOL },
	{ "false", TOK_BOOL },
};

static void lex_identifier(struct lexer *l)
{
	size_t i = l->pos, n;
	enum tmpl_tok_type type = TOK_IDENT;

	while (i < l->len && is_alnum(at(l, i)))
		i++;
	if (!at_terminator(l, i)) {
		bad_char(l, l->pos, "bad character", at(l, i));
		return;
	}
	n = i - l->pos;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (strlen(keywords[k].word) == n &&
		    memcmp(keywords[k].word, l->s + l->pos, n) == 0)
			type = keywords[k].type;
	push(l, type, l->pos, n);
	l->pos = i;
}

static void lex_single(struct lexer *l, enum tmpl_tok_type type, size_t n)
{
	push(l, type, l->pos, n);
	l->pos += n;
}

/* Punctuation: = := | ( ).  Returns false when c is none of them. */
static bool lex_punct(struct lexer *l, int c)
{
	switch (c) {
	case '=':
		lex_single(l, TOK_ASSIGN, 1);
		return true;
	case ':':
		if (at(l, l->pos + 1) != '=')
			lex_error(l, l->pos, "expected :=");
		else
			lex_single(l, TOK_DECLARE, 2);
		return true;
	case '|':
		lex_single(l, TOK_PIPE, 1);
		return true;
	case '(':
		l->paren_depth++;
		lex_single(l, TOK_LPAREN, 1);
		return true;
	case ')':
		if (--l->paren_depth < 0)
			lex_error(l, l->pos, "unexpected right paren U+0029 ')'");
		else
			lex_single(l, TOK_RPAREN, 1);
		return true;
	default:
		return false;
	}
}

/* One token inside an action; returns false once the right delimiter has been lexed or an
 * error ended the lexing. */
static bool lex_action_token(struct lexer *l)
{
	bool trim;
	size_t n = right_delim(l, l->pos, &trim);
	int c = at(l, l->pos);

	if (n) {
		if (l->paren_depth) {
			lex_error(l, l->pos, "unclosed left paren");
			return false;
		}
		push(l, TOK_RDELIM, l->pos, n);
		l->pos += n;
		l->trim_text = trim;
		return false;
	}
	if (c < 0) {
		lex_error(l, l->pos, "unclosed action");
	} else if (is_space(c)) {
		l->pos++;
		l->space = true;
	} else if (lex_punct(l, c)) {
		/* = := | ( ) */
	} else if (c == '"' || c == '\'') {
		lex_quoted(l, (char)c);
	} else if (c == '`') {
		lex_raw(l);
	} else if (c == '$') {
		lex_field_or_var(l, TOK_VARIABLE);
	} else if (c == '.' && !(at(l, l->pos + 1) >= '0' && at(l, l->pos + 1) <= '9')) {
		lex_field_or_var(l, TOK_FIELD);
	} else if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
		lex_number(l);
	} else if (is_alnum(c)) {
		lex_identifier(l);
	} else if (c >= 0x20 && c < 0x7f) {
		lex_single(l, TOK_CHAR, 1);
	} else {
		bad_char(l, l->pos, "unrecognized character in action:", c);
	}
	return !l->done;
}

/* The left delimiter is at l->pos. */
static void lex_left_delim(struct lexer *l)
{
	size_t start = l->pos;
	bool trim = at(l, start + 2) == '-' && is_space(at(l, start + 3));
	size_t after = trim ? 2 : 0;

	l->pos = start + 2;
	if (has_at(l, l->pos + after, "/*")) {
		l->pos += after;
		lex_comment(l);
		return;
	}
	push(l, TOK_LDELIM, start, 2 + after);
	l->pos += after;
	l->paren_depth = 0;
	l->space = false;
	while (!l->done && lex_action_token(l))
		;
}

void tmpl_lex(const char *src, size_t len, unsigned flags, struct tmpl_tokens *ret)
{
	struct lexer l = { .s = src, .len = len, .flags = flags, .out = ret };

	memset(ret, 0, sizeof(*ret));
	while (!l.done) {
		const char *d = memmem(l.s + l.pos, l.len - l.pos, "{{", 2);
		size_t end = d ? (size_t)(d - l.s) : l.len;
		bool trim = d && at(&l, end + 2) == '-' && is_space(at(&l, end + 3));

		emit_text(&l, l.pos, end, trim);
		l.pos = end;
		if (!d) {
			push(&l, TOK_EOF, l.len, 0);
			break;
		}
		lex_left_delim(&l);
	}
}

void tmpl_tokens_release(struct tmpl_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
