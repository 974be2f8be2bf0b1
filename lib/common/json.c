#include "common/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* ---- parsing ---- */

#ifndef JSON_TOKENER_VALIDATE_UTF8 /* json-c < 0.15: bytes pass through unchecked */
#define JSON_TOKENER_VALIDATE_UTF8 0
#endif

static bool only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

static int parse_error(struct json_tokener *tok, size_t base, cpod_error **err)
{
	enum json_tokener_error e = json_tokener_get_error(tok);

	return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid JSON at offset %zu: %s",
			base + json_tokener_get_parse_end(tok), json_tokener_error_desc(e));
}

/* Feeds data to tok in chunks json-c can take (its lengths are int).  Returns the value or
 * NULL; *base is the offset of the chunk the tokener stopped in (len when it wants more). */
static json_object *feed(struct json_tokener *tok, const char *p, size_t len, size_t *base)
{
	const size_t chunk = 1u << 30;
	json_object *obj = NULL;

	*base = 0;
	do {
		size_t n = len - *base < chunk ? len - *base : chunk;

		obj = json_tokener_parse_ex(tok, p + *base, (int)n);
		if (obj || json_tokener_get_error(tok) != json_tokener_continue)
			return obj;
		*base += n;
	} while (*base < len);
	return NULL;
}

json_object *json_parse_bytes(const void *data, size_t len, size_t cap, cpod_error **err)
{
	const char *p = data;
	struct json_tokener *tok;
	json_object *obj;
	size_t base, end;

	if (cap && len > cap) {
		cpod_err(err, CPOD_ERR_INVALID, EFBIG,
			 "JSON document of %zu bytes exceeds %zu bytes", len, cap);
		return NULL;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = feed(tok, p, len, &base);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue) {
		/* A number at the very end might go on: a NUL byte ends it (and anything else
		 * still open is truncated input). */
		obj = json_tokener_parse_ex(tok, "", 1);
		base = len;
	}
	if (!obj && json_tokener_get_error(tok) == json_tokener_success)
		cpod_err(err, CPOD_ERR_INVALID, 0, "invalid JSON: the document is null");
	else if (!obj)
		parse_error(tok, base, err);
	end = base == len ? len : base + json_tokener_get_parse_end(tok);
	if (obj && !only_space(p + end, len - end)) {
		cpod_err(err, CPOD_ERR_INVALID, 0,
			 "invalid JSON at offset %zu: data after the value", end);
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* ---- serialization ---- */

/* json-c's pretty printer indents with tabs (or 2 spaces) and prints empty containers as
 * "[\n]".  Strings never contain a raw newline or tab (json-c escapes every control
 * character), so every such byte in its output is layout and can be rewritten safely. */
static char *pretty(const char *s)
{
	buf b = BUF_INIT;

	for (const char *p = s; *p; p++) {
		if ((*p == '[' || *p == '{') && p[1] == '\n') {
			const char *q = p + 1;

			while (*q == '\n' || *q == '\t')
				q++;
			if (*q == (*p == '[' ? ']' : '}')) {
				buf_addch(&b, *p);
				buf_addch(&b, *q);
				p = q;
				continue;
			}
		}
		if (*p == '\t')
			buf_adds(&b, "    ");
		else
			buf_addch(&b, *p);
	}
	return buf_detach(&b, NULL);
}

char *json_to_string(json_object *obj, json_format fmt)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;

	switch (fmt) {
	case JSON_FMT_COMPACT:
		flags |= JSON_C_TO_STRING_PLAIN;
		break;
	case JSON_FMT_PRETTY:
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
			 JSON_C_TO_STRING_SPACED;
		break;
	case JSON_FMT_PLAIN:
	default:
		flags |= JSON_C_TO_STRING_SPACED;
		break;
	}
	s = json_object_to_json_string_ext(obj, flags);
	if (!s)
		abort();
	return fmt == JSON_FMT_PRETTY ? pretty(s) : xstrdup(s);
}

/* ---- cursors ---- */

json_cur json_cur_root(json_object *obj)
{
	return (json_cur){ .obj = obj, .present = obj != NULL };
}

json_cur json_cur_child(const json_cur *parent, const char *key, json_object *val)
{
	return (json_cur){ .obj = val, .present = true, .parent = parent, .key = key };
}

json_cur json_cur_index(const json_cur *arr, size_t i)
{
	json_cur c = { .parent = arr, .index = i };

	if (json_object_is_type(arr->obj, json_type_array) &&
	    i < json_object_array_length(arr->obj)) {
		c.obj = json_object_array_get_idx(arr->obj, i);
		c.present = true;
	}
	return c;
}

json_cur json_cur_field(const json_cur *c, const char *key)
{
	json_cur f = { .parent = c, .key = key };

	if (json_object_is_type(c->obj, json_type_object))
		f.present = json_object_object_get_ex(c->obj, key, &f.obj);
	return f;
}

static bool plain_key(const char *key)
{
	return *key && !strpbrk(key, ".[]\"");
}

static void path_add(buf *b, const json_cur *c)
{
	if (!c->parent)
		return;
	path_add(b, c->parent);
	if (!c->key)
		buf_addf(b, "[%zu]", c->index);
	else if (!plain_key(c->key))
		buf_addf(b, "[\"%s\"]", c->key);
	else
		buf_addf(b, "%s%s", b->len ? "." : "", c->key);
}

char *json_cur_path(const json_cur *c)
{
	buf b = BUF_INIT;

	path_add(&b, c);
	return buf_detach(&b, NULL);
}

int json_cur_error(const json_cur *c, cpod_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!err || *err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	path = json_cur_path(c);
	if (!*path)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "top-level value: %s", msg);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s': %s", path, msg);
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

/* 1: c holds a value of type t; 0: optional and absent or null; -1: error reported. */
static int check_type(const json_cur *c, json_type t, bool optional, cpod_error **err)
{
	if (c->obj && json_object_is_type(c->obj, t))
		return 1;
	if (optional && !c->obj)
		return 0;
	if (!c->present)
		return json_cur_error(c, err, "missing required value");
	return json_cur_error(c, err, "expected %s, got %s", type_name(t),
			      type_name(json_object_get_type(c->obj)));
}

static int cur_string(const json_cur *c, bool opt, const char *def, const char **ret,
		      cpod_error **err)
{
	int r = check_type(c, json_type_string, opt, err);

	if (r >= 0)
		*ret = r ? json_object_get_string(c->obj) : def;
	return r < 0 ? -1 : 0;
}

int json_cur_string(const json_cur *c, const char **ret, cpod_error **err)
{
	return cur_string(c, false, NULL, ret, err);
}

int json_cur_string_opt(const json_cur *c, const char *def, const char **ret, cpod_error **err)
{
	return cur_string(c, true, def, ret, err);
}

static int cur_int64(const json_cur *c, bool opt, int64_t def, int64_t *ret, cpod_error **err)
{
	int r = check_type(c, json_type_int, opt, err);
	int64_t v;

	if (r <= 0) {
		if (r == 0)
			*ret = def;
		return r;
	}
	/* json-c keeps integers above INT64_MAX as uint64 and clamps int64 reads. */
	v = json_object_get_int64(c->obj);
	if (v == INT64_MAX && json_object_get_uint64(c->obj) > (uint64_t)INT64_MAX)
		return json_cur_error(c, err, "integer out of range");
	*ret = v;
	return 0;
}

int json_cur_int64(const json_cur *c, int64_t *ret, cpod_error **err)
{
	return cur_int64(c, false, 0, ret, err);
}

int json_cur_int64_opt(const json_cur *c, int64_t def, int64_t *ret, cpod_error **err)
{
	return cur_int64(c, true, def, ret, err);
}

static int cur_bool(const json_cur *c, bool opt, bool def, bool *ret, cpod_error **err)
{
	int r = check_type(c, json_type_boolean, opt, err);

	if (r >= 0)
		*ret = r ? json_object_get_boolean(c->obj) : def;
	return r < 0 ? -1 : 0;
}

int json_cur_bool(const json_cur *c, bool *ret, cpod_error **err)
{
	return cur_bool(c, false, false, ret, err);
}

int json_cur_bool_opt(const json_cur *c, bool def, bool *ret, cpod_error **err)
{
	return cur_bool(c, true, def, ret, err);
}

int json_cur_object(const json_cur *c, cpod_error **err)
{
	return check_type(c, json_type_object, false, err) < 0 ? -1 : 0;
}

int json_cur_object_opt(const json_cur *c, cpod_error **err)
{
	return check_type(c, json_type_object, true, err) < 0 ? -1 : 0;
}

static int cur_array(const json_cur *c, bool opt, size_t *ret_len, cpod_error **err)
{
	int r = check_type(c, json_type_array, opt, err);

	if (r >= 0 && ret_len)
		*ret_len = r ? json_object_array_length(c->obj) : 0;
	return r < 0 ? -1 : 0;
}

int json_cur_array(const json_cur *c, size_t *ret_len, cpod_error **err)
{
	return cur_array(c, false, ret_len, err);
}

int json_cur_array_opt(const json_cur *c, size_t *ret_len, cpod_error **err)
{
	return cur_array(c, true, ret_len, err);
}

/* ---- members of an object ---- */

/* Sets *f to the member key of obj after checking that obj is an object or absent/null. */
static int member(const json_cur *obj, const char *key, json_cur *f, cpod_error **err)
{
	if (json_cur_object_opt(obj, err) < 0)
		return -1;
	*f = json_cur_field(obj, key);
	return 0;
}

int json_get_string(const json_cur *obj, const char *key, const char **ret, cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_string(&f, ret, err);
}

int json_get_string_opt(const json_cur *obj, const char *key, const char *def, const char **ret,
			cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_string_opt(&f, def, ret, err);
}

int json_get_int64(const json_cur *obj, const char *key, int64_t *ret, cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_int64(&f, ret, err);
}

int json_get_int64_opt(const json_cur *obj, const char *key, int64_t def, int64_t *ret,
		       cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_int64_opt(&f, def, ret, err);
}

int json_get_bool(const json_cur *obj, const char *key, bool *ret, cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_bool(&f, ret, err);
}

int json_get_bool_opt(const json_cur *obj, const char *key, bool def, bool *ret, cpod_error **err)
{
	json_cur f;

	return member(obj, key, &f, err) < 0 ? -1 : json_cur_bool_opt(&f, def, ret, err);
}

/* The object/array getters hand out a cursor whose parent is obj itself. */
static int get_container(const json_cur *obj, const char *key, json_type t, bool opt, json_cur *ret,
			 size_t *ret_len, cpod_error **err)
{
	json_cur f;
	int r;

	if (member(obj, key, &f, err) < 0)
		return -1;
	r = check_type(&f, t, opt, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		f.obj = NULL;
		f.present = false;
	}
	if (ret_len)
		*ret_len = r && t == json_type_array ? json_object_array_length(f.obj) : 0;
	*ret = f;
	return 0;
}

int json_get_object(const json_cur *obj, const char *key, json_cur *ret, cpod_error **err)
{
	return get_container(obj, key, json_type_object, false, ret, NULL, err);
}

int json_get_object_opt(const json_cur *obj, const char *key, json_cur *ret, cpod_error **err)
{
	return get_container(obj, key, json_type_object, true, ret, NULL, err);
}

int json_get_array(const json_cur *obj, const char *key, json_cur *ret, size_t *ret_len,
		   cpod_error **err)
{
	return get_container(obj, key, json_type_array, false, ret, ret_len, err);
}

int json_get_array_opt(const json_cur *obj, const char *key, json_cur *ret, size_t *ret_len,
		       cpod_error **err)
{
	return get_container(obj, key, json_type_array, true, ret, ret_len, err);
}
