/* Executor of parsed templates against json-c values.
 *
 * Every evaluation hands out a new reference (json_object_get) or NULL for nil, so values
 * from the data, literals and function results are released the same way.  Work is bounded
 * by a step budget (nodes, calls, iterations) and output by a byte cap, so a template cannot
 * make the CLI spin or eat memory; nesting is bounded by the parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "goprint.h"
#include "template_internal.h"
#include "common/banned.h"

struct tmpl_exec {
	const tmpl *t;
	buf out;
	struct json_object **vars;
	size_t steps, max_steps, max_output;
	bool header;
	tmpl_header_fn header_fn;
	void *header_data;
	size_t span_pos, span_end; /* what is being executed, for messages */
	cpod_error **err;
	bool failed;
};

enum { FLOW_NEXT = 0, FLOW_BREAK = 1, FLOW_CONTINUE = 2 };

int tmpl_exec_fail(struct tmpl_exec *x, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	size_t line, col, n = x->span_end - x->span_pos;
	va_list ap;

	if (x->failed)
		return -1;
	x->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	tmpl_line_col(x->t->src, x->t->user_len, x->span_pos, &line, &col);
	return cpod_err(x->err, CPOD_ERR_INVALID, 0, "template: executing <%.*s%s> at %zu:%zu: %s",
			(int)(n > 40 ? 40 : n), x->t->src + x->span_pos, n > 40 ? "..." : "", line,
			col, msg);
}

size_t tmpl_exec_max_string(const struct tmpl_exec *x)
{
	return x->max_output;
}

bool tmpl_exec_header_mode(const struct tmpl_exec *x)
{
	return x->header;
}

bool tmpl_truth(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	default:
		return false;
	}
}

const char *tmpl_kind_name(struct json_object *v)
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
		return "array";
	case json_type_object:
		return "map";
	default:
		return "nil";
	}
}

static void span(struct tmpl_exec *x, size_t pos, size_t end)
{
	if (!x->failed) {
		x->span_pos = pos;
		x->span_end = end > pos ? end : pos;
	}
}

int tmpl_exec_step(struct tmpl_exec *x)
{
	if (++x->steps > x->max_steps)
		return tmpl_exec_fail(x, "execution takes more than %zu steps", x->max_steps);
	return 0;
}

static int emit(struct tmpl_exec *x, const char *s, size_t n)
{
	if (buf_add(&x->out, s, n) < 0)
		return tmpl_exec_fail(x, "output exceeds %zu bytes", x->max_output);
	return 0;
}

static void set_var(struct tmpl_exec *x, size_t slot, struct json_object *v)
{
	json_object_put(x->vars[slot]);
	x->vars[slot] = json_object_get(v);
}

/* recv.name, consuming the reference to recv. */
/* A field of a record.  Records are JSON, whose keys follow podman's JSON tags ("Id",
 * "ociRuntime") while podman's templates name Go struct fields ("ID", "OCIRuntime"): the
 * exact key wins, else the one key equal to name ignoring case. */
static struct json_object *field_lookup(struct json_object *obj, const char *name)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(obj, name, &v))
		return v;
	json_object_object_foreach(obj, key, val) {
		if (strcasecmp(key, name) == 0)
			return val;
	}
	return NULL;
}

static int field(struct tmpl_exec *x, struct json_object *recv, const char *name,
		 struct json_object **ret)
{
	struct json_object *v = NULL;

	if (x->header) {
		_cleanup_free_ char *h = x->header_fn(name, x->header_data);

		json_object_put(recv);
		*ret = json_object_new_string(h ? h : "");
		return 0;
	}
	if (recv && !json_object_is_type(recv, json_type_object)) {
		const char *kind = tmpl_kind_name(recv);

		json_object_put(recv);
		return tmpl_exec_fail(x, "can't evaluate field %s in type %s", name, kind);
	}
	if (recv)
		v = field_lookup(recv, name);
	*ret = json_object_get(v);
	json_object_put(recv);
	return 0;
}

static int walk(struct tmpl_exec *x, const struct tmpl_arg *a, struct json_object *v,
		struct json_object **ret)
{
	span(x, a->pos, a->end);
	for (size_t i = 0; i < a->nfields; i++)
		if (field(x, v, a->fields[i], &v) < 0)
			return -1;
	*ret = v;
	return 0;
}

static int eval_pipe(struct tmpl_exec *x, const struct tmpl_pipe *p, struct json_object *dot,
		     bool bind, struct json_object **ret);
static int call(struct tmpl_exec *x, const struct tmpl_arg *fn, struct tmpl_arg *const *args,
		size_t n, struct json_object *final, bool has_final, struct json_object *dot,
		struct json_object **ret);

static int eval_arg(struct tmpl_exec *x, const struct tmpl_arg *a, struct json_object *dot,
		    struct json_object **ret)
{
	struct json_object *v = NULL;

	span(x, a->pos, a->end);
	switch (a->kind) {
	case ARG_FIELD:
		return walk(x, a, json_object_get(dot), ret);
	case ARG_DOT:
		*ret = json_object_get(dot);
		return 0;
	case ARG_VAR:
		return walk(x, a, json_object_get(x->vars[a->var]), ret);
	case ARG_LITERAL:
		*ret = json_object_get(a->lit);
		return 0;
	case ARG_NIL:
		*ret = NULL;
		return 0;
	case ARG_FUNC:
		if (call(x, a, NULL, 0, NULL, false, dot, &v) < 0)
			return -1;
		return walk(x, a, v, ret);
	case ARG_PIPE:
		if (eval_pipe(x, a->pipe, dot, true, &v) < 0)
			return -1;
		return walk(x, a, v, ret);
	}
	return tmpl_exec_fail(x, "unknown argument");
}

static bool is_literal(const struct tmpl_arg *a)
{
	return a->kind == ARG_LITERAL || a->kind == ARG_NIL;
}

/* Header mode: a string function returns its field-derived argument unchanged. */
static int call_header_pass(struct tmpl_exec *x, struct tmpl_arg *const *args, size_t n,
			    struct json_object *final, bool has_final, struct json_object *dot,
			    struct json_object **ret)
{
	if (has_final) {
		*ret = json_object_get(final);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_literal(args[i]))
			return eval_arg(x, args[i], dot, ret);
	*ret = json_object_new_string("");
	return 0;
}

/* and / or: Go evaluates the arguments one by one and stops at the deciding one. */
static int call_lazy(struct tmpl_exec *x, bool is_and, struct tmpl_arg *const *args, size_t n,
		     struct json_object *final, bool has_final, struct json_object *dot,
		     struct json_object **ret)
{
	size_t total = n + has_final;

	for (size_t i = 0; i < total; i++) {
		struct json_object *v;

		if (i < n) {
			if (eval_arg(x, args[i], dot, &v) < 0)
				return -1;
		} else {
			v = json_object_get(final);
		}
		if (i + 1 == total || tmpl_truth(v) != is_and) {
			*ret = v;
			return 0;
		}
		json_object_put(v);
	}
	*ret = NULL;
	return 0;
}

static int call(struct tmpl_exec *x, const struct tmpl_arg *fn, struct tmpl_arg *const *args,
		size_t n, struct json_object *final, bool has_final, struct json_object *dot,
		struct json_object **ret)
{
	const struct tmpl_func *f = fn->func;
	struct json_object **vals;
	size_t total = n + has_final, got = 0;
	int r = -1;

	if (tmpl_exec_step(x) < 0)
		return -1;
	*ret = NULL;
	if (x->header && (f->flags & FN_HEADER_PASS))
		return call_header_pass(x, args, n, final, has_final, dot, ret);
	if (f->flags & FN_LAZY)
		return call_lazy(x, f->name[0] == 'a', args, n, final, has_final, dot, ret);
	vals = xcalloc(total ? total : 1, sizeof(*vals));
	for (; got < n; got++)
		if (eval_arg(x, args[got], dot, &vals[got]) < 0)
			goto out;
	if (has_final)
		vals[got++] = json_object_get(final);
	span(x, fn->pos, n ? args[n - 1]->end : fn->end);
	r = f->fn(x, vals, total, ret);
out:
	for (size_t i = 0; i < got; i++)
		json_object_put(vals[i]);
	free(vals);
	return r;
}

static int eval_cmd(struct tmpl_exec *x, const struct tmpl_cmd *c, struct json_object *dot,
		    struct json_object *final, bool has_final, struct json_object **ret)
{
	const struct tmpl_arg *first = c->args[0];

	if (tmpl_exec_step(x) < 0)
		return -1;
	if (first->kind == ARG_FUNC && first->nfields == 0)
		return call(x, first, c->args + 1, c->nargs - 1, final, has_final, dot, ret);
	return eval_arg(x, first, dot, ret);
}

static int eval_pipe(struct tmpl_exec *x, const struct tmpl_pipe *p, struct json_object *dot,
		     bool bind, struct json_object **ret)
{
	struct json_object *v = NULL;

	for (size_t i = 0; i < p->ncmds; i++) {
		struct json_object *nv;

		if (eval_cmd(x, p->cmds[i], dot, v, i > 0, &nv) < 0) {
			json_object_put(v);
			return -1;
		}
		json_object_put(v);
		v = nv;
	}
	if (bind && p->ndecl)
		set_var(x, p->decl[0], v);
	*ret = v;
	return 0;
}

static int exec_list(struct tmpl_exec *x, const struct tmpl_list *l, struct json_object *dot);

/* One iteration: binds the range variables, runs the body.  Returns the flow or -1. */
static int range_iter(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *key,
		      struct json_object *val)
{
	const struct tmpl_pipe *p = n->pipe;

	if (tmpl_exec_step(x) < 0)
		return -1;
	if (p->ndecl == 1)
		set_var(x, p->decl[0], val);
	if (p->ndecl == 2) {
		set_var(x, p->decl[0], key);
		set_var(x, p->decl[1], val);
	}
	return exec_list(x, n->list, val);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Maps iterate in key order, as in Go. */
static int range_object(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *v,
			size_t *count)
{
	size_t nkeys = (size_t)json_object_object_length(v), k = 0;
	_cleanup_free_ const char **keys = xcalloc(nkeys ? nkeys : 1, sizeof(*keys));
	int r = 0;

	json_object_object_foreach(v, key, val) {
		(void)val;
		if (k < nkeys)
			keys[k++] = key;
	}
	qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k && r != FLOW_BREAK; i++) {
		struct json_object *kv = json_object_new_string(keys[i]);

		r = range_iter(x, n, kv, json_object_object_get(v, keys[i]));
		json_object_put(kv);
		if (r < 0)
			return -1;
	}
	*count = k;
	return 0;
}

static int range_array(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *v,
		       size_t *count)
{
	size_t len = json_object_array_length(v);
	int r = 0;

	for (size_t i = 0; i < len && r != FLOW_BREAK; i++) {
		struct json_object *idx = json_object_new_int64((int64_t)i);

		r = range_iter(x, n, idx, json_object_array_get_idx(v, i));
		json_object_put(idx);
		if (r < 0)
			return -1;
	}
	*count = len;
	return 0;
}

/* Go 1.22: range over an integer n runs n times with 0..n-1. */
static int range_int(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *v,
		     size_t *count)
{
	int64_t len = json_object_get_int64(v);
	int r = 0;

	for (int64_t i = 0; i < len && r != FLOW_BREAK; i++) {
		struct json_object *idx = json_object_new_int64(i);

		r = range_iter(x, n, idx, idx);
		json_object_put(idx);
		if (r < 0)
			return -1;
	}
	*count = len > 0 ? (size_t)len : 0;
	return 0;
}

static int exec_range(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *dot)
{
	struct json_object *v;
	size_t count = 0;
	int r = 0;

	if (eval_pipe(x, n->pipe, dot, false, &v) < 0)
		return -1;
	span(x, n->pos, n->pos + 5);
	if (x->header && v) {
		/* A header row: the body once, with the column's header as dot. */
		r = range_iter(x, n, v, v);
		count = 1;
	} else {
		switch (json_object_get_type(v)) {
		case json_type_null:
			break;
		case json_type_array:
			r = range_array(x, n, v, &count);
			break;
		case json_type_object:
			r = range_object(x, n, v, &count);
			break;
		case json_type_int:
			r = range_int(x, n, v, &count);
			break;
		default:
			r = tmpl_exec_fail(x, "range can't iterate over %s value",
					   tmpl_kind_name(v));
			break;
		}
	}
	json_object_put(v);
	if (r < 0)
		return -1;
	if (count == 0 && n->else_list)
		return exec_list(x, n->else_list, dot);
	return FLOW_NEXT;
}

static int print_value(struct tmpl_exec *x, struct json_object *v)
{
	if (go_print_value(&x->out, v) < 0) {
		if (errno == ELOOP)
			return tmpl_exec_fail(x, "value nests deeper than %d",
					      TMPL_MAX_VALUE_DEPTH);
		return tmpl_exec_fail(x, "output exceeds %zu bytes", x->max_output);
	}
	return 0;
}

static int exec_node(struct tmpl_exec *x, const struct tmpl_node *n, struct json_object *dot)
{
	struct json_object *v;
	int r;

	if (tmpl_exec_step(x) < 0)
		return -1;
	switch (n->kind) {
	case NODE_TEXT:
		return emit(x, n->text, n->text_len);
	case NODE_ACTION:
		if (eval_pipe(x, n->pipe, dot, true, &v) < 0)
			return -1;
		r = n->pipe->ndecl ? 0 : print_value(x, v);
		json_object_put(v);
		return r;
	case NODE_IF:
	case NODE_WITH:
		if (eval_pipe(x, n->pipe, dot, true, &v) < 0)
			return -1;
		if (tmpl_truth(v))
			r = exec_list(x, n->list, n->kind == NODE_WITH ? v : dot);
		else
			r = n->else_list ? exec_list(x, n->else_list, dot) : 0;
		json_object_put(v);
		return r;
	case NODE_RANGE:
		return exec_range(x, n, dot);
	case NODE_BREAK:
		return FLOW_BREAK;
	case NODE_CONTINUE:
		return FLOW_CONTINUE;
	}
	return 0;
}

static int exec_list(struct tmpl_exec *x, const struct tmpl_list *l, struct json_object *dot)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = exec_node(x, l->nodes[i], dot);

		if (r != FLOW_NEXT)
			return r;
	}
	return FLOW_NEXT;
}

static int run(struct tmpl_exec *x, struct json_object *data, buf *out, const tmpl_limits *lim)
{
	int r;

	x->max_output = lim && lim->max_output ? lim->max_output : TMPL_DEFAULT_MAX_OUTPUT;
	x->max_steps = lim && lim->max_steps ? lim->max_steps : TMPL_DEFAULT_MAX_STEPS;
	buf_init(&x->out, x->max_output);
	x->vars = xcalloc(x->t->nvars ? x->t->nvars : 1, sizeof(*x->vars));
	x->vars[0] = json_object_get(data);
	r = exec_list(x, x->t->root, data);
	for (size_t i = 0; i < x->t->nvars; i++)
		json_object_put(x->vars[i]);
	free(x->vars);
	if (r >= 0 && buf_add(out, x->out.s, x->out.len) < 0)
		r = cpod_err(x->err, CPOD_ERR_INVALID, 0,
			     "template: output exceeds the buffer's cap");
	buf_release(&x->out);
	return r < 0 ? -1 : 0;
}

int tmpl_exec(const tmpl *t, struct json_object *data, buf *out, const tmpl_limits *lim,
	      cpod_error **err)
{
	struct tmpl_exec x = { .t = t, .err = err };

	return run(&x, data, out, lim);
}

int tmpl_exec_header(const tmpl *t, tmpl_header_fn header, void *userdata, buf *out,
		     const tmpl_limits *lim, cpod_error **err)
{
	struct tmpl_exec x = {
		.t = t, .err = err, .header = true, .header_fn = header, .header_data = userdata
	};

	return run(&x, NULL, out, lim);
}
