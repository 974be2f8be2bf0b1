/* Parser of the template language: tokens (template_lex.c) to a tree (template_internal.h),
 * following the grammar and the messages of Go's text/template/parse.  Variables are resolved
 * to slots and functions, their argument counts and "non-function with arguments" are
 * checked here, so that a template that parses can only fail at run time on its data.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "goprint.h"
#include "template_internal.h"
#include "common/banned.h"

/* ---- arena ---- */

struct tmpl_arena_chunk {
	struct tmpl_arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

static void *arena_alloc(tmpl *t, size_t n)
{
	struct tmpl_arena_chunk *c = t->arena;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!c || c->size - c->used < n) {
		size_t size = n > 8192 ? n : 8192;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = t->arena;
		t->arena = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

static char *arena_strndup(tmpl *t, const char *s, size_t n)
{
	char *p = arena_alloc(t, n + 1);

	memcpy(p, s, n);
	return p;
}

/* A growable array of pointers in malloc'ed memory, moved into the arena when complete. */
struct pvec {
	void **v;
	size_t n, alloc;
};

static void pvec_push(struct pvec *v, void *p)
{
	if (v->n == v->alloc) {
		v->alloc = v->alloc ? 2 * v->alloc : 4;
		v->v = xreallocarray(v->v, v->alloc, sizeof(*v->v));
	}
	v->v[v->n++] = p;
}

static void *pvec_finish(tmpl *t, struct pvec *v, size_t *ret_n)
{
	void **a = v->n ? arena_alloc(t, v->n * sizeof(*a)) : NULL;

	if (v->n)
		memcpy(a, v->v, v->n * sizeof(*a));
	*ret_n = v->n;
	free(v->v);
	memset(v, 0, sizeof(*v));
	return a;
}

static void pvec_release(struct pvec *v)
{
	free(v->v);
}

#define _cleanup_pvec_ __attribute__((cleanup(pvec_release)))

/* ---- parser state ---- */

struct var {
	const char *name;
	size_t len;
	size_t slot;
};

struct parser {
	tmpl *t;
	struct tmpl_tokens toks;
	size_t i;
	struct var *vars;
	size_t nvars, vars_alloc;
	int depth, range_depth;
	cpod_error **err;
	bool failed;
};

enum marker { MK_NONE, MK_ELSE, MK_END };

void tmpl_line_col(const char *src, size_t len, size_t pos, size_t *line, size_t *col)
{
	size_t l = 1, start = 0;

	if (pos > len)
		pos = len;
	for (size_t i = 0; i < pos; i++)
		if (src[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = pos - start + 1;
}

static void *fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void *fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	size_t line, col;
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	tmpl_line_col(p->t->src, p->t->user_len, pos, &line, &col);
	cpod_err(p->err, CPOD_ERR_INVALID, 0, "template: %s at %zu:%zu", msg, line, col);
	return NULL;
}

static struct tmpl_token *peek(struct parser *p)
{
	return &p->toks.v[p->i];
}

static struct tmpl_token *peek_at(struct parser *p, size_t k)
{
	size_t i = p->i;

	while (k-- && p->toks.v[i].type != TOK_EOF && p->toks.v[i].type != TOK_ERROR)
		i++;
	return &p->toks.v[i];
}

static struct tmpl_token *next(struct parser *p)
{
	struct tmpl_token *tok = &p->toks.v[p->i];

	if (tok->type != TOK_EOF && tok->type != TOK_ERROR)
		p->i++;
	return tok;
}

static const char *src(struct parser *p, const struct tmpl_token *tok)
{
	return p->t->src + tok->pos;
}

static bool is_keyword(enum tmpl_tok_type type)
{
	return type >= TOK_IF || type == TOK_NIL || type == TOK_DOT;
}

/* Go's description of a token in "unexpected X in Y". */
static char *describe(struct parser *p, const struct tmpl_token *tok)
{
	buf b = BUF_INIT;
	size_t n = tok->len;

	if (tok->type == TOK_EOF)
		return xstrdup("EOF");
	if (tok->type == TOK_ERROR)
		return xstrdup(tok->text);
	if (is_keyword(tok->type)) {
		buf_addf(&b, "<%.*s>", (int)tok->len, src(p, tok));
		return buf_detach(&b, NULL);
	}
	if (n > 10) {
		go_quote(&b, src(p, tok), go_rune_prefix(src(p, tok), n, 10));
		buf_adds(&b, "...");
	} else {
		go_quote(&b, src(p, tok), n);
	}
	return buf_detach(&b, NULL);
}

static void *unexpected(struct parser *p, const struct tmpl_token *tok, const char *context)
{
	_cleanup_free_ char *d = NULL;

	if (tok->type == TOK_ERROR)
		return fail(p, tok->pos, "%s", tok->text);
	d = describe(p, tok);
	return fail(p, tok->pos, "unexpected %s in %s", d, context);
}

static bool expect(struct parser *p, enum tmpl_tok_type type, const char *context)
{
	struct tmpl_token *tok = next(p);

	if (tok->type != type) {
		unexpected(p, tok, context);
		return false;
	}
	return true;
}

/* ---- variables ---- */

static size_t var_declare(struct parser *p, const struct tmpl_token *tok)
{
	if (p->nvars == p->vars_alloc) {
		p->vars_alloc = p->vars_alloc ? 2 * p->vars_alloc : 8;
		p->vars = xreallocarray(p->vars, p->vars_alloc, sizeof(*p->vars));
	}
	p->vars[p->nvars] = (struct var){ src(p, tok), tok->len, p->t->nvars++ };
	return p->vars[p->nvars++].slot;
}

static bool var_lookup(struct parser *p, const struct tmpl_token *tok, size_t *slot)
{
	for (size_t i = p->nvars; i-- > 0;)
		if (p->vars[i].len == tok->len &&
		    memcmp(p->vars[i].name, src(p, tok), tok->len) == 0) {
			*slot = p->vars[i].slot;
			return true;
		}
	fail(p, tok->pos, "undefined variable \"%.*s\"", (int)tok->len, src(p, tok));
	return false;
}

/* ---- literals ---- */

static struct json_object *keep_literal(struct parser *p, struct json_object *v)
{
	tmpl *t = p->t;

	if (t->nlits == t->lits_alloc) {
		t->lits_alloc = t->lits_alloc ? 2 * t->lits_alloc : 8;
		t->lits = xreallocarray(t->lits, t->lits_alloc, sizeof(*t->lits));
	}
	t->lits[t->nlits++] = v;
	return v;
}

static struct json_object *parse_string(struct parser *p, const struct tmpl_token *tok)
{
	buf b = BUF_INIT;
	struct json_object *v;
	int r;

	if (tok->type == TOK_RAW_STRING) {
		for (size_t i = 1; i + 1 < tok->len; i++)
			if (src(p, tok)[i] != '\r')
				buf_addch(&b, src(p, tok)[i]);
		r = 0;
	} else {
		r = go_unquote(&b, src(p, tok), tok->len, NULL);
	}
	if (r < 0) {
		buf_release(&b);
		return fail(p, tok->pos, "invalid syntax in string %.*s", (int)tok->len,
			    src(p, tok));
	}
	v = json_object_new_string_len(b.s, (int)b.len);
	buf_release(&b);
	return keep_literal(p, v);
}

static struct json_object *parse_char(struct parser *p, const struct tmpl_token *tok)
{
	buf b = BUF_INIT;
	int32_t rune;
	int r = go_unquote(&b, src(p, tok), tok->len, &rune);

	buf_release(&b);
	if (r < 0)
		return fail(p, tok->pos, "malformed character constant: %.*s", (int)tok->len,
			    src(p, tok));
	return keep_literal(p, json_object_new_int64(rune));
}

/* Integers in Go syntax (0x, 0o, 0b, leading 0 octal, underscores); 1 if text is not an
 * integer literal, -1 on overflow. */
static int parse_int(const char *text, size_t n, struct json_object **ret)
{
	char digits[128];
	size_t i = 0, k = 0;
	bool neg = false;
	int base = 10;
	uint64_t u = 0;

	if (i < n && (text[i] == '+' || text[i] == '-'))
		neg = text[i++] == '-';
	if (n - i >= 2 && text[i] == '0' && strchr("xXoObB", text[i + 1])) {
		base = strchr("xX", text[i + 1]) ? 16 : strchr("oO", text[i + 1]) ? 8 : 2;
		i += 2;
	} else if (n - i >= 2 && text[i] == '0') {
		base = 8;
	}
	for (; i < n && k + 1 < sizeof(digits); i++)
		if (text[i] != '_')
			digits[k++] = text[i];
	if (i < n || k == 0)
		return 1;
	digits[k] = 0;
	for (size_t j = 0; j < k; j++) {
		int c = digits[j], d;

		d = (c >= '0' && c <= '9')		     ? c - '0'
		    : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
							     : 99;
		if (d >= base)
			return 1;
		if (u > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		u = u * (uint64_t)base + (uint64_t)d;
	}
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -1;
		*ret = json_object_new_int64(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN
									  : -(int64_t)u);
	} else {
		*ret = u > INT64_MAX ? json_object_new_uint64(u)
				     : json_object_new_int64((int64_t)u);
	}
	return 0;
}

static struct json_object *parse_number(struct parser *p, const struct tmpl_token *tok)
{
	const char *s = src(p, tok);
	struct json_object *v = NULL;
	char clean[128], *end;
	size_t k = 0;
	double d;
	int r;

	if (tok->type == TOK_CHAR_CONST)
		return parse_char(p, tok);
	if (s[tok->len - 1] == 'i')
		return fail(p, tok->pos, "complex numbers are not supported: \"%.*s\"",
			    (int)tok->len, s);
	r = parse_int(s, tok->len, &v);
	if (r == 0)
		return keep_literal(p, v);
	if (r < 0)
		return fail(p, tok->pos, "integer overflow: \"%.*s\"", (int)tok->len, s);
	/* A decimal floating-point literal. */
	for (size_t i = 0; i < tok->len && k + 1 < sizeof(clean); i++)
		if (s[i] != '_')
			clean[k++] = s[i];
	clean[k] = 0;
	errno = 0;
	if (k == 0 || k + 1 >= sizeof(clean) || strpbrk(clean, "xXpP") ||
	    !strpbrk(clean, "0123456789"))
		return fail(p, tok->pos, "illegal number syntax: \"%.*s\"", (int)tok->len, s);
	d = strtod(clean, &end);
	if (*end || errno == ERANGE)
		return fail(p, tok->pos, "illegal number syntax: \"%.*s\"", (int)tok->len, s);
	return keep_literal(p, json_object_new_double(d));
}

/* ---- grammar ---- */

static struct tmpl_pipe *pipeline(struct parser *p, const char *context, enum tmpl_tok_type end);
static struct tmpl_list *item_list(struct parser *p, enum marker *mk);

static struct tmpl_arg *new_arg(struct parser *p, enum tmpl_arg_kind kind,
				const struct tmpl_token *tok)
{
	struct tmpl_arg *a = arena_alloc(p->t, sizeof(*a));

	a->kind = kind;
	a->pos = tok->pos;
	a->end = tok->pos + tok->len;
	return a;
}

static struct tmpl_arg *term_paren(struct parser *p, const struct tmpl_token *tok)
{
	struct tmpl_arg *a = new_arg(p, ARG_PIPE, tok);
	struct tmpl_token *close;

	if (++p->depth > TMPL_MAX_DEPTH)
		return fail(p, tok->pos, "nesting deeper than %d", TMPL_MAX_DEPTH);
	a->pipe = pipeline(p, "parenthesized pipeline", TOK_RPAREN);
	if (!a->pipe)
		return NULL;
	close = next(p);
	if (close->type != TOK_RPAREN) {
		_cleanup_free_ char *d = describe(p, close);

		return fail(p, close->pos, "unclosed right paren: unexpected %s", d);
	}
	a->end = close->pos + 1;
	p->depth--;
	return a;
}

/* A term, or NULL without failing when the next token is not one. */
static struct tmpl_arg *term(struct parser *p)
{
	struct tmpl_token *tok = peek(p);
	struct tmpl_arg *a;

	switch (tok->type) {
	case TOK_IDENT:
		next(p);
		a = new_arg(p, ARG_FUNC, tok);
		a->func = tmpl_func_lookup(src(p, tok), tok->len);
		if (!a->func)
			return fail(p, tok->pos, "function \"%.*s\" not defined", (int)tok->len,
				    src(p, tok));
		return a;
	case TOK_DOT:
		next(p);
		return new_arg(p, ARG_DOT, tok);
	case TOK_NIL:
		next(p);
		return new_arg(p, ARG_NIL, tok);
	case TOK_VARIABLE:
		next(p);
		a = new_arg(p, ARG_VAR, tok);
		return var_lookup(p, tok, &a->var) ? a : NULL;
	case TOK_FIELD:
		next(p);
		a = new_arg(p, ARG_FIELD, tok);
		a->fields = arena_alloc(p->t, sizeof(*a->fields));
		a->fields[0] = arena_strndup(p->t, src(p, tok) + 1, tok->len - 1);
		a->nfields = 1;
		return a;
	case TOK_BOOL:
		next(p);
		a = new_arg(p, ARG_LITERAL, tok);
		a->lit = keep_literal(p, json_object_new_boolean(src(p, tok)[0] == 't'));
		return a;
	case TOK_NUMBER:
	case TOK_CHAR_CONST:
		next(p);
		a = new_arg(p, ARG_LITERAL, tok);
		a->lit = parse_number(p, tok);
		return a->lit ? a : NULL;
	case TOK_STRING:
	case TOK_RAW_STRING:
		next(p);
		a = new_arg(p, ARG_LITERAL, tok);
		a->lit = parse_string(p, tok);
		return a->lit ? a : NULL;
	case TOK_LPAREN:
		next(p);
		return term_paren(p, tok);
	default:
		return NULL;
	}
}

/* term .Field*: fields written right after the term (no space) chain onto it. */
static struct tmpl_arg *operand(struct parser *p)
{
	_cleanup_pvec_ struct pvec fields = { 0 };
	struct tmpl_arg *a = term(p);
	struct tmpl_token *tok;

	if (!a)
		return NULL;
	for (size_t i = 0; i < a->nfields; i++)
		pvec_push(&fields, (void *)a->fields[i]);
	while ((tok = peek(p))->type == TOK_FIELD && !tok->space_before) {
		if (a->kind == ARG_LITERAL || a->kind == ARG_NIL || a->kind == ARG_DOT) {
			buf q = BUF_INIT;

			go_quote(&q, p->t->src + a->pos, a->end - a->pos);
			fail(p, tok->pos, "unexpected . after term %s", q.s);
			buf_release(&q);
			return NULL;
		}
		next(p);
		pvec_push(&fields, arena_strndup(p->t, src(p, tok) + 1, tok->len - 1));
		a->end = tok->pos + tok->len;
	}
	a->fields = pvec_finish(p->t, &fields, &a->nfields);
	return a;
}

static bool check_arity(struct parser *p, const struct tmpl_arg *a, size_t got)
{
	const struct tmpl_func *f = a->func;

	if (got >= (size_t)f->min_args && (f->max_args < 0 || got <= (size_t)f->max_args))
		return true;
	if (f->max_args < 0)
		fail(p, a->pos, "wrong number of args for %s: want at least %d got %zu", f->name,
		     f->min_args, got);
	else if (f->min_args == f->max_args)
		fail(p, a->pos, "wrong number of args for %s: want %d got %zu", f->name,
		     f->min_args, got);
	else
		fail(p, a->pos, "wrong number of args for %s: want %d to %d got %zu", f->name,
		     f->min_args, f->max_args, got);
	return false;
}

static bool is_call(const struct tmpl_arg *a)
{
	return a->kind == ARG_FUNC && a->nfields == 0;
}

/* What Go would reject only when executing: arguments given to something that is not a
 * function, and wrong argument counts. */
static bool check_command(struct parser *p, const struct tmpl_cmd *c, size_t stage)
{
	const struct tmpl_arg *first = c->args[0];
	bool piped = stage > 1;

	for (size_t i = 0; i < c->nargs; i++) {
		const struct tmpl_arg *a = c->args[i];

		if (a->kind == ARG_FUNC && (i > 0 || a->nfields) && !check_arity(p, a, 0))
			return false;
	}
	if (is_call(first))
		return check_arity(p, first, c->nargs - 1 + piped);
	if (piped &&
	    (first->kind == ARG_LITERAL || first->kind == ARG_DOT || first->kind == ARG_NIL))
		return fail(p, c->pos, "non executable command in pipeline stage %zu", stage),
		       false;
	if (first->kind == ARG_NIL)
		return fail(p, first->pos, "nil is not a command"), false;
	if (c->nargs > 1 || piped)
		return fail(p, first->pos, "can't give argument to non-function %.*s",
			    (int)(first->end - first->pos), p->t->src + first->pos),
		       false;
	return true;
}

/* stage: 1 for the first command of the pipeline. */
static struct tmpl_cmd *command(struct parser *p, size_t stage)
{
	_cleanup_pvec_ struct pvec args = { 0 };
	struct tmpl_cmd *c = arena_alloc(p->t, sizeof(*c));
	struct tmpl_token *tok;

	c->pos = peek(p)->pos;
	for (;;) {
		struct tmpl_arg *a = operand(p);

		if (p->failed)
			return NULL;
		if (a)
			pvec_push(&args, a);
		tok = peek(p);
		if (tok->type == TOK_RDELIM || tok->type == TOK_RPAREN)
			break;
		if (tok->type == TOK_PIPE) {
			next(p);
			break;
		}
		if (!a || !tok->space_before)
			return unexpected(p, tok, "operand");
	}
	if (args.n == 0)
		return fail(p, c->pos, "empty command");
	c->args = (struct tmpl_arg **)pvec_finish(p->t, &args, &c->nargs);
	return check_command(p, c, stage) ? c : NULL;
}

/* Declarations at the start of a pipeline: "$x :=", "$x =", and in range "$i, $e :=". */
static bool declarations(struct parser *p, struct tmpl_pipe *pipe, const char *context)
{
	const struct tmpl_token *names[2];
	size_t n = 0;
	struct tmpl_token *op;

	for (;;) {
		struct tmpl_token *v = peek(p), *after = peek_at(p, 1);

		if (v->type != TOK_VARIABLE)
			break;
		if (after->type == TOK_DECLARE || after->type == TOK_ASSIGN) {
			names[n++] = next(p);
			op = next(p);
			pipe->assign = op->type == TOK_ASSIGN;
			for (size_t i = 0; i < n; i++) {
				if (!pipe->assign)
					pipe->decl[i] = var_declare(p, names[i]);
				else if (!var_lookup(p, names[i], &pipe->decl[i]))
					return false;
			}
			pipe->ndecl = n;
			return true;
		}
		if (after->type != TOK_CHAR || src(p, after)[0] != ',')
			break;
		if (strcmp(context, "range") != 0 || n == 1)
			return fail(p, after->pos, "too many declarations in %s", context), false;
		names[n++] = next(p);
		next(p);
		if (peek(p)->type != TOK_VARIABLE)
			return fail(p, peek(p)->pos, "range can only initialize variables"), false;
	}
	if (n)
		return fail(p, peek(p)->pos, "range can only initialize variables"), false;
	return true;
}

static bool check_pipeline(struct parser *p, const struct tmpl_pipe *pipe, const char *context)
{
	if (pipe->ncmds == 0)
		return fail(p, pipe->pos, "missing value for %s", context), false;
	for (size_t i = 1; i < pipe->ncmds; i++) {
		enum tmpl_arg_kind k = pipe->cmds[i]->args[0]->kind;

		if (k == ARG_LITERAL || k == ARG_DOT || k == ARG_NIL)
			return fail(p, pipe->cmds[i]->pos,
				    "non executable command in pipeline stage %zu", i + 1),
			       false;
	}
	return true;
}

static struct tmpl_pipe *pipeline(struct parser *p, const char *context, enum tmpl_tok_type end)
{
	_cleanup_pvec_ struct pvec cmds = { 0 };
	struct tmpl_pipe *pipe = arena_alloc(p->t, sizeof(*pipe));

	pipe->pos = peek(p)->pos;
	if (!declarations(p, pipe, context))
		return NULL;
	for (;;) {
		struct tmpl_token *tok = peek(p);
		struct tmpl_cmd *c;

		switch (tok->type) {
		case TOK_RDELIM:
		case TOK_RPAREN:
			if (tok->type != end)
				return unexpected(p, tok, context);
			if (end == TOK_RDELIM)
				next(p);
			pipe->cmds = (struct tmpl_cmd **)pvec_finish(p->t, &cmds, &pipe->ncmds);
			return check_pipeline(p, pipe, context) ? pipe : NULL;
		case TOK_BOOL:
		case TOK_CHAR_CONST:
		case TOK_DOT:
		case TOK_FIELD:
		case TOK_IDENT:
		case TOK_NUMBER:
		case TOK_NIL:
		case TOK_RAW_STRING:
		case TOK_STRING:
		case TOK_VARIABLE:
		case TOK_LPAREN:
			c = command(p, cmds.n + 1);
			if (!c)
				return NULL;
			pvec_push(&cmds, c);
			break;
		default:
			return unexpected(p, tok, context);
		}
	}
}

static struct tmpl_node *new_node(struct parser *p, enum tmpl_node_kind kind, size_t pos)
{
	struct tmpl_node *n = arena_alloc(p->t, sizeof(*n));

	n->kind = kind;
	n->pos = pos;
	return n;
}

static struct tmpl_node *control(struct parser *p, enum tmpl_node_kind kind,
				 const struct tmpl_token *kw)
{
	static const char *const names[] = {
		[NODE_IF] = "if", [NODE_RANGE] = "range", [NODE_WITH] = "with"
	};
	struct tmpl_node *n = new_node(p, kind, kw->pos);
	size_t saved_vars = p->nvars;
	enum marker mk = MK_NONE;

	if (++p->depth > TMPL_MAX_DEPTH)
		return fail(p, kw->pos, "nesting deeper than %d", TMPL_MAX_DEPTH);
	n->pipe = pipeline(p, names[kind], TOK_RDELIM);
	if (!n->pipe)
		return NULL;
	p->range_depth += kind == NODE_RANGE;
	n->list = item_list(p, &mk);
	p->range_depth -= kind == NODE_RANGE;
	if (!n->list)
		return NULL;
	if (mk == MK_ELSE) {
		struct tmpl_token *tok = peek(p);

		if ((kind == NODE_IF && tok->type == TOK_IF) ||
		    (kind == NODE_WITH && tok->type == TOK_WITH)) {
			/* {{else if x}} is {{else}}{{if x}}...{{end}} sharing the final {{end}}. */
			struct tmpl_node *inner;

			next(p);
			inner = control(p, kind, tok);
			if (!inner)
				return NULL;
			n->else_list = arena_alloc(p->t, sizeof(*n->else_list));
			n->else_list->nodes = arena_alloc(p->t, sizeof(*n->else_list->nodes));
			n->else_list->nodes[0] = inner;
			n->else_list->n = 1;
		} else {
			n->else_list = item_list(p, &mk);
			if (!n->else_list)
				return NULL;
			if (mk != MK_END)
				return fail(p, peek(p)->pos, "expected end; found {{else}}");
		}
	}
	p->nvars = saved_vars;
	p->depth--;
	return n;
}

static struct tmpl_node *text_or_action(struct parser *p, enum marker *mk);

static struct tmpl_node *action(struct parser *p, enum marker *mk)
{
	struct tmpl_token *tok = next(p);
	struct tmpl_node *n;

	switch (tok->type) {
	case TOK_ELSE:
		*mk = MK_ELSE;
		if (peek(p)->type == TOK_IF || peek(p)->type == TOK_WITH)
			return NULL;
		expect(p, TOK_RDELIM, "else");
		return NULL;
	case TOK_END:
		*mk = MK_END;
		expect(p, TOK_RDELIM, "end");
		return NULL;
	case TOK_IF:
		return control(p, NODE_IF, tok);
	case TOK_RANGE:
		return control(p, NODE_RANGE, tok);
	case TOK_WITH:
		return control(p, NODE_WITH, tok);
	case TOK_BREAK:
	case TOK_CONTINUE:
		if (!expect(p, TOK_RDELIM, tok->type == TOK_BREAK ? "{{break}}" : "{{continue}}"))
			return NULL;
		if (!p->range_depth)
			return fail(p, tok->pos, "{{%.*s}} outside {{range}}", (int)tok->len,
				    src(p, tok));
		return new_node(p, tok->type == TOK_BREAK ? NODE_BREAK : NODE_CONTINUE, tok->pos);
	case TOK_DEFINE:
	case TOK_TEMPLATE:
	case TOK_BLOCK:
		return fail(p, tok->pos, "{{%.*s}} is not supported", (int)tok->len, src(p, tok));
	default:
		if (tok->type == TOK_EOF || tok->type == TOK_ERROR)
			return unexpected(p, tok, "command");
		p->i--;
		n = new_node(p, NODE_ACTION, tok->pos);
		n->pipe = pipeline(p, "command", TOK_RDELIM);
		return n->pipe ? n : NULL;
	}
}

/* A node, or NULL with *mk set for {{else}} / {{end}}, or NULL after a failure. */
static struct tmpl_node *text_or_action(struct parser *p, enum marker *mk)
{
	struct tmpl_token *tok = next(p);
	struct tmpl_node *n;

	*mk = MK_NONE;
	switch (tok->type) {
	case TOK_TEXT:
		n = new_node(p, NODE_TEXT, tok->pos);
		n->text = arena_strndup(p->t, tok->text, tok->text_len);
		n->text_len = tok->text_len;
		return n;
	case TOK_LDELIM:
		return action(p, mk);
	default:
		return unexpected(p, tok, "input");
	}
}

/* Nodes up to {{else}} or {{end}} (reported in *mk). */
static struct tmpl_list *item_list(struct parser *p, enum marker *mk)
{
	_cleanup_pvec_ struct pvec nodes = { 0 };
	struct tmpl_list *list = arena_alloc(p->t, sizeof(*list));

	for (;;) {
		struct tmpl_token *tok = peek(p);
		struct tmpl_node *n;

		if (tok->type == TOK_EOF)
			return fail(p, tok->pos, "unexpected EOF");
		n = text_or_action(p, mk);
		if (p->failed)
			return NULL;
		if (*mk != MK_NONE)
			break;
		pvec_push(&nodes, n);
	}
	list->nodes = (struct tmpl_node **)pvec_finish(p->t, &nodes, &list->n);
	return list;
}

static struct tmpl_list *parse_top(struct parser *p)
{
	_cleanup_pvec_ struct pvec nodes = { 0 };
	struct tmpl_list *list = arena_alloc(p->t, sizeof(*list));

	while (peek(p)->type != TOK_EOF) {
		size_t pos = peek(p)->pos;
		enum marker mk;
		struct tmpl_node *n = text_or_action(p, &mk);

		if (p->failed)
			return NULL;
		if (mk != MK_NONE)
			return fail(p, pos, "unexpected %s", mk == MK_END ? "{{end}}" : "{{else}}");
		pvec_push(&nodes, n);
	}
	list->nodes = (struct tmpl_node **)pvec_finish(p->t, &nodes, &list->n);
	return list;
}

static bool ends_with_newline(const char *text, size_t len, unsigned flags)
{
	if (len && text[len - 1] == '\n')
		return true;
	return (flags & TMPL_CLI_ESCAPES) && len >= 2 && text[len - 2] == '\\' &&
	       text[len - 1] == 'n';
}

tmpl *tmpl_parse(const char *text, unsigned flags, cpod_error **err)
{
	struct parser p = { .err = err };
	size_t len = strlen(text);
	tmpl *t = xcalloc(1, sizeof(*t));
	static const struct tmpl_token dollar = { .type = TOK_VARIABLE, .len = 1 };

	t->user_len = len;
	if ((flags & TMPL_APPEND_NEWLINE) && !ends_with_newline(text, len, flags)) {
		t->src = xmalloc(len + 2);
		memcpy(t->src, text, len);
		t->src[len++] = '\n';
		t->src[len] = 0;
	} else {
		t->src = xstrdup(text);
	}
	t->len = len;
	p.t = t;
	tmpl_lex(t->src, t->len, flags, &p.toks);
	/* $ is slot 0; its name is the "$" that tmpl_lex never sees here. */
	var_declare(&p, &dollar);
	p.vars[0].name = "$";
	t->root = parse_top(&p);
	tmpl_tokens_release(&p.toks);
	free(p.vars);
	if (!t->root) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

void tmpl_free(tmpl *t)
{
	struct tmpl_arena_chunk *c, *nx;

	if (!t)
		return;
	for (size_t i = 0; i < t->nlits; i++)
		json_object_put(t->lits[i]);
	free(t->lits);
	for (c = t->arena; c; c = nx) {
		nx = c->next;
		free(c);
	}
	free(t->src);
	free(t);
}
