/* The template functions: Go's builtins (and, or, not, eq, ne, lt, le, gt, ge, len, index,
 * print, printf, println) and podman's report functions (json, join, lower, upper, title,
 * truncate, split, pad).  Go's messages are kept where a podman user may know them.
 *
 * lower, upper and title change ASCII letters only; other bytes pass through unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "goprint.h"
#include "template_internal.h"
#include "common/banned.h"

typedef struct json_object jo;

static int ret_string(struct tmpl_exec *x, const char *s, size_t n, jo **ret)
{
	if (n > tmpl_exec_max_string(x))
		return tmpl_exec_fail(x, "result exceeds %zu bytes", tmpl_exec_max_string(x));
	*ret = json_object_new_string_len(s, (int)n);
	return 0;
}

/* Builds a result into a buffer capped at the string limit. */
static int ret_buf(struct tmpl_exec *x, buf *b, int r, jo **ret)
{
	if (r < 0) {
		buf_release(b);
		if (errno == ELOOP)
			return tmpl_exec_fail(x, "value nests deeper than %d",
					      TMPL_MAX_VALUE_DEPTH);
		return tmpl_exec_fail(x, "result exceeds %zu bytes", tmpl_exec_max_string(x));
	}
	r = ret_string(x, b->s, b->len, ret);
	buf_release(b);
	return r;
}

/* A string argument; nil is "", numbers and bools are printed (tmp holds the text). */
static int arg_string(struct tmpl_exec *x, jo *v, buf *tmp, const char **s, size_t *n)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		*s = json_object_get_string(v);
		*n = (size_t)json_object_get_string_len(v);
		return 0;
	case json_type_null:
		*s = "";
		*n = 0;
		return 0;
	case json_type_array:
	case json_type_object:
		return tmpl_exec_fail(x, "wrong type for value; expected string; got %s",
				      tmpl_kind_name(v));
	default:
		go_print_value(tmp, v);
		*s = tmp->s;
		*n = tmp->len;
		return 0;
	}
}

static int arg_int(struct tmpl_exec *x, jo *v, int64_t *ret)
{
	if (!json_object_is_type(v, json_type_int))
		return tmpl_exec_fail(x, "wrong type for value; expected int; got %s",
				      tmpl_kind_name(v));
	*ret = json_object_get_int64(v);
	return 0;
}

/* ---- comparison ---- */

enum cls { CLS_NIL, CLS_BOOL, CLS_NUM, CLS_STR, CLS_OTHER };

static enum cls cls(jo *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return CLS_NIL;
	case json_type_boolean:
		return CLS_BOOL;
	case json_type_int:
	case json_type_double:
		return CLS_NUM;
	case json_type_string:
		return CLS_STR;
	default:
		return CLS_OTHER;
	}
}

/* -1, 0, 1 for comparable a, b of one class. */
static int compare(jo *a, jo *b)
{
	switch (cls(a)) {
	case CLS_NUM:
		if (json_object_is_type(a, json_type_int) &&
		    json_object_is_type(b, json_type_int)) {
			int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);

			return x < y ? -1 : x > y;
		} else {
			double x = json_object_get_double(a), y = json_object_get_double(b);

			return x < y ? -1 : x > y;
		}
	case CLS_STR: {
		size_t na = (size_t)json_object_get_string_len(a);
		size_t nb = (size_t)json_object_get_string_len(b);
		int c = memcmp(json_object_get_string(a), json_object_get_string(b),
			       na < nb ? na : nb);

		return c ? (c < 0 ? -1 : 1) : na < nb ? -1 : na > nb;
	}
	case CLS_BOOL:
		return json_object_get_boolean(a) - json_object_get_boolean(b);
	default:
		return 0;
	}
}

/* a == b; nil equals only nil.  Mismatched or non-comparable kinds fail, except in a header
 * row, where the fields are header strings and a comparison is simply false. */
static int equal(struct tmpl_exec *x, jo *a, jo *b, bool *ret)
{
	enum cls ca = cls(a), cb = cls(b);

	*ret = false;
	if (ca == CLS_NIL || cb == CLS_NIL) {
		*ret = ca == cb;
		return 0;
	}
	if (tmpl_exec_header_mode(x) && (ca != cb || ca == CLS_OTHER))
		return 0;
	if (ca == CLS_OTHER || cb == CLS_OTHER)
		return tmpl_exec_fail(x, "non-comparable type %s",
				      tmpl_kind_name(ca == CLS_OTHER ? a : b));
	if (ca != cb)
		return tmpl_exec_fail(x, "incompatible types for comparison: %s and %s",
				      tmpl_kind_name(a), tmpl_kind_name(b));
	*ret = compare(a, b) == 0;
	return 0;
}

static int fn_eq(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	bool eq = false;

	for (size_t i = 1; i < n && !eq; i++)
		if (equal(x, args[0], args[i], &eq) < 0)
			return -1;
	*ret = json_object_new_boolean(eq);
	return 0;
}

static int fn_ne(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	bool eq;

	if (equal(x, args[0], args[1], &eq) < 0)
		return -1;
	*ret = json_object_new_boolean(!eq);
	return 0;
}

/* lt, le, gt, ge: numbers or strings. */
static int order(struct tmpl_exec *x, jo *const *args, jo **ret, int want_lo, int want_hi)
{
	enum cls a = cls(args[0]), b = cls(args[1]);
	int c;

	if (a != b || (a != CLS_NUM && a != CLS_STR)) {
		if (tmpl_exec_header_mode(x)) {
			*ret = json_object_new_boolean(false);
			return 0;
		}
		if (a != CLS_NUM && a != CLS_STR)
			return tmpl_exec_fail(x, "invalid type for comparison: %s",
					      tmpl_kind_name(args[0]));
		if (b != CLS_NUM && b != CLS_STR)
			return tmpl_exec_fail(x, "invalid type for comparison: %s",
					      tmpl_kind_name(args[1]));
		return tmpl_exec_fail(x, "incompatible types for comparison: %s and %s",
				      tmpl_kind_name(args[0]), tmpl_kind_name(args[1]));
	}
	c = compare(args[0], args[1]);
	*ret = json_object_new_boolean(c >= want_lo && c <= want_hi);
	return 0;
}

static int fn_lt(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return order(x, args, ret, -1, -1);
}

static int fn_le(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return order(x, args, ret, -1, 0);
}

static int fn_gt(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return order(x, args, ret, 1, 1);
}

static int fn_ge(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return order(x, args, ret, 0, 1);
}

static int fn_not(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	*ret = json_object_new_boolean(!tmpl_truth(args[0]));
	return 0;
}

/* ---- Go builtins ---- */

static int fn_len(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	jo *v = args[0];
	size_t len = 0;

	switch (json_object_get_type(v)) {
	case json_type_string:
		len = (size_t)json_object_get_string_len(v);
		break;
	case json_type_array:
		len = json_object_array_length(v);
		break;
	case json_type_object:
		len = (size_t)json_object_object_length(v);
		break;
	default:
		return tmpl_exec_fail(x, "len of type %s", tmpl_kind_name(v));
	}
	*ret = json_object_new_int64((int64_t)len);
	return 0;
}

/* v[idx] as a new reference: a map by key, an array by position, a string's byte (Go's
 * index yields a byte there). */
static int index_one(struct tmpl_exec *x, jo *v, jo *idx, jo **ret)
{
	int64_t i;
	size_t len = 0;

	switch (json_object_get_type(v)) {
	case json_type_object:
		if (!json_object_is_type(idx, json_type_string))
			return tmpl_exec_fail(x, "value has type %s; should be string",
					      tmpl_kind_name(idx));
		*ret = json_object_get(json_object_object_get(v, json_object_get_string(idx)));
		return 0;
	case json_type_array:
	case json_type_string:
		if (!json_object_is_type(idx, json_type_int))
			return tmpl_exec_fail(x, "cannot index slice/array with type %s",
					      tmpl_kind_name(idx));
		i = json_object_get_int64(idx);
		len = json_object_is_type(v, json_type_array)
			      ? json_object_array_length(v)
			      : (size_t)json_object_get_string_len(v);
		if (i < 0 || (uint64_t)i >= len)
			return tmpl_exec_fail(x, "index out of range: %" PRId64, i);
		if (json_object_is_type(v, json_type_array))
			*ret = json_object_get(json_object_array_get_idx(v, (size_t)i));
		else
			*ret = json_object_new_int64((unsigned char)json_object_get_string(v)[i]);
		return 0;
	case json_type_null:
		return tmpl_exec_fail(x, "index of untyped nil");
	default:
		return tmpl_exec_fail(x, "can't index item of type %s", tmpl_kind_name(v));
	}
}

static int fn_index(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	jo *cur = json_object_get(args[0]);

	for (size_t k = 1; k < n; k++) {
		jo *next = NULL;
		int r = index_one(x, cur, args[k], &next);

		json_object_put(cur);
		if (r < 0)
			return -1;
		cur = next;
	}
	*ret = cur;
	return 0;
}

static int fn_print(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	buf b;

	buf_init(&b, tmpl_exec_max_string(x));
	return ret_buf(x, &b, go_sprint(&b, args, n), ret);
}

static int fn_println(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	buf b;

	buf_init(&b, tmpl_exec_max_string(x));
	return ret_buf(x, &b, go_sprintln(&b, args, n), ret);
}

static int fn_printf(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	buf b, tmp = BUF_INIT;
	const char *f = NULL;
	size_t len = 0;
	int r;

	if (!json_object_is_type(args[0], json_type_string))
		return tmpl_exec_fail(x, "wrong type for value; expected string; got %s",
				      tmpl_kind_name(args[0]));
	if (arg_string(x, args[0], &tmp, &f, &len) < 0)
		return -1;
	buf_init(&b, tmpl_exec_max_string(x));
	r = go_sprintf(&b, f, len, args + 1, n - 1);
	buf_release(&tmp);
	return ret_buf(x, &b, r, ret);
}

/* ---- podman's functions ---- */

static int fn_json(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	buf b;

	buf_init(&b, tmpl_exec_max_string(x));
	return ret_buf(x, &b, go_json(&b, args[0], NULL), ret);
}

static int fn_join(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	_cleanup_buf_ buf tmp = BUF_INIT;
	const char *sep = NULL;
	size_t seplen = 0, len = 0;
	buf b;
	int r = 0;

	if (arg_string(x, args[1], &tmp, &sep, &seplen) < 0)
		return -1;
	if (!args[0])
		return ret_string(x, "", 0, ret);
	if (!json_object_is_type(args[0], json_type_array))
		return tmpl_exec_fail(x, "wrong type for value; expected []string; got %s",
				      tmpl_kind_name(args[0]));
	buf_init(&b, tmpl_exec_max_string(x));
	len = json_object_array_length(args[0]);
	for (size_t i = 0; i < len && r == 0; i++) {
		jo *e = json_object_array_get_idx(args[0], i);

		if (i)
			r = buf_add(&b, sep, seplen);
		if (r == 0 && json_object_is_type(e, json_type_string))
			r = buf_add(&b, json_object_get_string(e),
				    (size_t)json_object_get_string_len(e));
		else if (r == 0)
			r = go_print_value(&b, e);
	}
	return ret_buf(x, &b, r, ret);
}

enum { CASE_LOWER, CASE_UPPER, CASE_TITLE };

/* ASCII letters only; other bytes pass through. */
static int change_case(struct tmpl_exec *x, jo *v, int how, jo **ret)
{
	_cleanup_buf_ buf tmp = BUF_INIT;
	_cleanup_free_ char *s = NULL;
	const char *in = NULL;
	size_t n = 0;
	bool sep = true;

	if (arg_string(x, v, &tmp, &in, &n) < 0)
		return -1;
	s = xstrndup(in, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';

		if (how == CASE_LOWER && upper)
			s[i] = (char)(c + 32);
		else if ((how == CASE_UPPER || (how == CASE_TITLE && sep)) && lower)
			s[i] = (char)(c - 32);
		/* strings.Title: a letter after a separator starts a word; ASCII letters, digits,
		 * '_' and (here) every non-ASCII byte are not separators. */
		sep = !(lower || upper || (c >= '0' && c <= '9') || c == '_' || c >= 0x80);
	}
	return ret_string(x, s, n, ret);
}

static int fn_lower(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return change_case(x, args[0], CASE_LOWER, ret);
}

static int fn_upper(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return change_case(x, args[0], CASE_UPPER, ret);
}

static int fn_title(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	return change_case(x, args[0], CASE_TITLE, ret);
}

/* podman's truncate: the first n bytes when the string is at least n long. */
static int fn_truncate(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	_cleanup_buf_ buf tmp = BUF_INIT;
	const char *s = NULL;
	size_t len = 0;
	int64_t max = 0;

	if (arg_string(x, args[0], &tmp, &s, &len) < 0 || arg_int(x, args[1], &max) < 0)
		return -1;
	if (max < 0)
		return tmpl_exec_fail(x, "truncate: negative length %" PRId64, max);
	return ret_string(x, s, len < (uint64_t)max ? len : (size_t)max, ret);
}

/* strings.Split; an empty separator splits into UTF-8 sequences.  Every part costs a step,
 * so a huge split runs into the step budget. */
static int fn_split(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	_cleanup_buf_ buf t1 = BUF_INIT, t2 = BUF_INIT;
	const char *s = NULL, *sep = NULL;
	size_t len = 0, seplen = 0, i = 0;
	jo *arr;

	if (arg_string(x, args[0], &t1, &s, &len) < 0 ||
	    arg_string(x, args[1], &t2, &sep, &seplen) < 0)
		return -1;
	arr = json_object_new_array();
	for (;;) {
		const char *hit = NULL;
		size_t part;
		int32_t r;

		if (tmpl_exec_step(x) < 0) {
			json_object_put(arr);
			return -1;
		}
		if (seplen == 0 && i >= len)
			break;
		if (seplen == 0)
			part = go_decode_rune(s + i, len - i, &r);
		else if ((hit = memmem(s + i, len - i, sep, seplen)))
			part = (size_t)(hit - (s + i));
		else
			part = len - i;
		json_object_array_add(arr, json_object_new_string_len(s + i, (int)part));
		i += part;
		if (seplen && !hit)
			break;
		i += seplen;
	}
	*ret = arr;
	return 0;
}

/* podman's pad: prefix and suffix spaces around a non-empty string. */
static int fn_pad(struct tmpl_exec *x, jo *const *args, size_t n, jo **ret)
{
	_cleanup_buf_ buf tmp = BUF_INIT;
	_cleanup_free_ char *s = NULL;
	const char *in = NULL;
	size_t len = 0;
	int64_t pre = 0, post = 0;

	if (arg_string(x, args[0], &tmp, &in, &len) < 0 || arg_int(x, args[1], &pre) < 0 ||
	    arg_int(x, args[2], &post) < 0)
		return -1;
	if (pre < 0 || post < 0)
		return tmpl_exec_fail(x, "pad: negative count");
	if (len == 0)
		return ret_string(x, "", 0, ret);
	if ((uint64_t)pre > tmpl_exec_max_string(x) || (uint64_t)post > tmpl_exec_max_string(x) ||
	    len + (size_t)pre + (size_t)post > tmpl_exec_max_string(x))
		return tmpl_exec_fail(x, "result exceeds %zu bytes", tmpl_exec_max_string(x));
	s = xmalloc(len + (size_t)pre + (size_t)post);
	memset(s, ' ', (size_t)pre);
	memcpy(s + pre, in, len);
	memset(s + pre + len, ' ', (size_t)post);
	return ret_string(x, s, len + (size_t)pre + (size_t)post, ret);
}

static const struct tmpl_func funcs[] = {
	{ "and", 1, -1, FN_LAZY, NULL },
	{ "eq", 2, -1, 0, fn_eq },
	{ "ge", 2, 2, 0, fn_ge },
	{ "gt", 2, 2, 0, fn_gt },
	{ "index", 1, -1, FN_HEADER_PASS, fn_index },
	{ "join", 2, 2, FN_HEADER_PASS, fn_join },
	{ "json", 1, 1, FN_HEADER_PASS, fn_json },
	{ "le", 2, 2, 0, fn_le },
	{ "len", 1, 1, FN_HEADER_PASS, fn_len },
	{ "lower", 1, 1, FN_HEADER_PASS, fn_lower },
	{ "lt", 2, 2, 0, fn_lt },
	{ "ne", 2, 2, 0, fn_ne },
	{ "not", 1, 1, 0, fn_not },
	{ "or", 1, -1, FN_LAZY, NULL },
	{ "pad", 3, 3, FN_HEADER_PASS, fn_pad },
	{ "print", 0, -1, FN_HEADER_PASS, fn_print },
	{ "printf", 1, -1, FN_HEADER_PASS, fn_printf },
	{ "println", 0, -1, FN_HEADER_PASS, fn_println },
	{ "split", 2, 2, FN_HEADER_PASS, fn_split },
	{ "title", 1, 1, FN_HEADER_PASS, fn_title },
	{ "truncate", 2, 2, FN_HEADER_PASS, fn_truncate },
	{ "upper", 1, 1, FN_HEADER_PASS, fn_upper },
};

const struct tmpl_func *tmpl_func_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strlen(funcs[i].name) == len && memcmp(funcs[i].name, name, len) == 0)
			return &funcs[i];
	return NULL;
}
