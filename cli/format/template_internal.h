/* Internals of the template engine shared by template.c (parser), template_lex.c,
 * template_exec.c and template_funcs.c.  Nothing outside cli/format/ includes this.
 *
 * The tree is allocated in one arena owned by the tmpl and freed with it; the only other
 * resources it holds are the json-c literal values, released by tmpl_free().
 */
#ifndef CPOD_FORMAT_TEMPLATE_INTERNAL_H
#define CPOD_FORMAT_TEMPLATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "template.h"

struct json_object;

/* Nesting of control structures and parentheses the parser accepts. */
#define TMPL_MAX_DEPTH 100
/* Nesting of values (arrays in arrays ...) printed or serialised. */
#define TMPL_MAX_VALUE_DEPTH 256

/* ---- lexer ---- */

enum tmpl_tok_type {
	TOK_EOF,
	TOK_ERROR, /* text holds the message */
	TOK_TEXT,  /* text holds the processed text */
	TOK_LDELIM,
	TOK_RDELIM,
	TOK_FIELD,    /* ".Name": the name is source[pos+1 .. pos+len) */
	TOK_VARIABLE, /* "$x" or "$" */
	TOK_IDENT,
	TOK_STRING,	/* "quoted" */
	TOK_RAW_STRING, /* `raw` */
	TOK_NUMBER,
	TOK_CHAR_CONST, /* 'c' */
	TOK_BOOL,
	TOK_NIL,
	TOK_DOT,
	TOK_PIPE,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_DECLARE, /* := */
	TOK_ASSIGN,  /* = */
	TOK_CHAR,    /* any other printable ASCII character, e.g. ',' or '}' */
	/* keywords */
	TOK_IF,
	TOK_ELSE,
	TOK_END,
	TOK_RANGE,
	TOK_WITH,
	TOK_BREAK,
	TOK_CONTINUE,
	TOK_DEFINE,
	TOK_TEMPLATE,
	TOK_BLOCK,
};

struct tmpl_token {
	enum tmpl_tok_type type;
	size_t pos;	   /* byte offset in the source */
	size_t len;	   /* bytes of source */
	bool space_before; /* white space separates it from the previous token */
	char *text;	   /* TOK_TEXT / TOK_ERROR: malloc'ed, owned by the token array */
	size_t text_len;
};

struct tmpl_tokens {
	struct tmpl_token *v;
	size_t n, alloc;
};

/* Splits src into tokens; always ends with TOK_EOF or TOK_ERROR.  flags: TMPL_CLI_ESCAPES,
 * TMPL_TABLE_SPACES. */
void tmpl_lex(const char *src, size_t len, unsigned flags, struct tmpl_tokens *ret);
void tmpl_tokens_release(struct tmpl_tokens *t);

/* ---- tree ---- */

enum tmpl_arg_kind {
	ARG_FIELD,   /* .A.B: fields from dot */
	ARG_DOT,     /* . */
	ARG_VAR,     /* $x.A.B */
	ARG_LITERAL, /* string, number, bool: lit */
	ARG_NIL,     /* nil */
	ARG_FUNC,    /* identifier; fields after it make it a chain */
	ARG_PIPE,    /* (pipeline) followed by optional fields */
};

struct tmpl_func;
struct tmpl_pipe;

struct tmpl_arg {
	enum tmpl_arg_kind kind;
	size_t pos, end;     /* source span, for messages */
	const char **fields; /* field names after the term */
	size_t nfields;
	size_t var; /* ARG_VAR: slot */
	const struct tmpl_func *func;
	struct tmpl_pipe *pipe;
	struct json_object *lit;
};

struct tmpl_cmd {
	struct tmpl_arg **args;
	size_t nargs;
	size_t pos;
};

struct tmpl_pipe {
	size_t pos;
	size_t decl[2]; /* variable slots */
	size_t ndecl;
	bool assign; /* "=" rather than ":=" */
	struct tmpl_cmd **cmds;
	size_t ncmds;
};

enum tmpl_node_kind {
	NODE_TEXT,
	NODE_ACTION,
	NODE_IF,
	NODE_RANGE,
	NODE_WITH,
	NODE_BREAK,
	NODE_CONTINUE,
};

struct tmpl_list;

struct tmpl_node {
	enum tmpl_node_kind kind;
	size_t pos;
	const char *text; /* NODE_TEXT */
	size_t text_len;
	struct tmpl_pipe *pipe;
	struct tmpl_list *list, *else_list;
};

struct tmpl_list {
	struct tmpl_node **nodes;
	size_t n;
};

struct tmpl_arena_chunk;

struct tmpl {
	char *src; /* the text parsed (with the appended newline) */
	size_t len;
	size_t user_len; /* length of the caller's text: positions in messages
					 * never point into the appended newline */
	struct tmpl_list *root;
	size_t nvars; /* variable slots; slot 0 is $ */
	struct tmpl_arena_chunk *arena;
	struct json_object **lits; /* literal values to release */
	size_t nlits, lits_alloc;
};

/* Line and column (1-based) of a byte offset of t's source. */
void tmpl_line_col(const char *src, size_t len, size_t pos, size_t *line, size_t *col);

/* ---- functions ---- */

struct tmpl_exec;

enum {
	FN_HEADER_PASS = 1 << 0, /* in header mode return the field-derived argument unchanged */
	FN_LAZY = 1 << 1,	 /* and/or: arguments are evaluated by the executor one by one */
};

/* args[0..n) are owned by the caller; *ret receives a new reference (or NULL for nil). */
typedef int (*tmpl_fn)(struct tmpl_exec *x, struct json_object *const *args, size_t n,
		       struct json_object **ret);

struct tmpl_func {
	const char *name;
	int min_args, max_args; /* max_args -1: variadic */
	unsigned flags;
	tmpl_fn fn;
};

const struct tmpl_func *tmpl_func_lookup(const char *name, size_t len);

/* ---- executor helpers used by the functions ---- */

/* Fails the execution with a message (printf-like); returns -1. */
int tmpl_exec_fail(struct tmpl_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts one step of work; fails once the budget is spent. */
int tmpl_exec_step(struct tmpl_exec *x);
/* Cap on any string value produced while executing. */
size_t tmpl_exec_max_string(const struct tmpl_exec *x);
bool tmpl_exec_header_mode(const struct tmpl_exec *x);
/* Go's truth: false, 0, "", empty array or map, nil. */
bool tmpl_truth(struct json_object *v);
/* A short name for a value's kind in error messages: string, int, float64, bool, array, map,
 * nil. */
const char *tmpl_kind_name(struct json_object *v);

#endif
