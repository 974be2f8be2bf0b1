#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/buf.h"
#include "common/xalloc.h"
#include "tap.h"

/* Parses s (copied into an exact-size buffer so that a read past the end is caught under
 * ASan); returns the document or NULL with the message in *msg. */
static json_object *parse(const char *s, size_t len, size_t cap, char **msg)
{
	char *copy = xmalloc(len ? len : 1);
	cpod_error *e = NULL;
	json_object *o;

	memcpy(copy, s, len);
	o = json_parse_bytes(copy, len, cap, &e);
	free(copy);
	*msg = e ? xstrdup(cpod_error_message(e)) : NULL;
	if (e && cpod_error_kind(e) != CPOD_ERR_INVALID)
		diag("unexpected error kind %d", cpod_error_kind(e));
	if (!o && !e)
		diag("NULL without an error");
	cpod_error_free(e);
	return o;
}

static void parse_fails(const char *s, size_t len, size_t cap, const char *want, const char *name)
{
	char *msg = NULL;
	json_object *o = parse(s, len, cap, &msg);

	ok(o == NULL, "%s: rejected", name);
	is_str(msg, want, "%s: message", name);
	json_object_put(o);
	free(msg);
}

static void parse_ok(const char *s, const char *want_compact, const char *name)
{
	char *msg = NULL;
	_cleanup_json_ json_object *o = parse(s, strlen(s), 0, &msg);
	_cleanup_free_ char *out = o ? json_to_string(o, JSON_FMT_COMPACT) : NULL;

	is_str(out, want_compact, "%s: parsed", name);
	if (msg)
		diag("error: %s", msg);
	free(msg);
}

static char *nested(int depth)
{
	buf b = BUF_INIT;

	for (int i = 0; i < depth; i++)
		buf_addch(&b, '[');
	buf_addch(&b, '1');
	for (int i = 0; i < depth; i++)
		buf_addch(&b, ']');
	return buf_detach(&b, NULL);
}

static void test_parse(void)
{
	_cleanup_free_ char *deep_ok = nested(JSON_MAX_DEPTH);
	_cleanup_free_ char *deep_bad = nested(JSON_MAX_DEPTH + 1);
	_cleanup_free_ char *deep_bad_msg =
		xasprintf("invalid JSON at offset %d: nesting too deep", JSON_MAX_DEPTH + 1);

	parse_ok("{\"a\": [1, \"x/y\", true, null]}", "{\"a\":[1,\"x/y\",true,null]}", "object");
	parse_ok(" \n{\"a\":1}\r\n\t ", "{\"a\":1}", "surrounding whitespace");
	parse_ok("123", "123", "a number ending the input");
	parse_ok("-7 ", "-7", "a number then whitespace");
	parse_ok("\"s\"", "\"s\"", "a string");
	parse_ok("\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"", "UTF-8 kept");
	parse_ok(deep_ok, deep_ok, "nesting at JSON_MAX_DEPTH");

	parse_fails("{\"a\":1} x", 9, 0, "invalid JSON at offset 8: unexpected character",
		    "trailing garbage");
	parse_fails("[1][2]", 6, 0, "invalid JSON at offset 3: unexpected character", "two values");
	parse_fails("[1]\0", 4, 0, "invalid JSON at offset 3: data after the value",
		    "trailing NUL");
	parse_fails("\"a\0b\"", 5, 0, "invalid JSON at offset 3: unexpected end of data",
		    "NUL inside a string");
	parse_fails("", 0, 0, "invalid JSON at offset 0: unexpected end of data", "empty");
	parse_fails("  \n", 3, 0, "invalid JSON at offset 3: unexpected end of data",
		    "only whitespace");
	parse_fails("[1,", 3, 0, "invalid JSON at offset 3: unexpected end of data", "truncated");
	parse_fails("12 3", 4, 0, "invalid JSON at offset 3: unexpected character",
		    "number then garbage");
	parse_fails("[1,]", 4, 0, "invalid JSON at offset 3: unexpected character",
		    "trailing comma");
	parse_fails("\"\xff\"", 3, 0, "invalid JSON at offset 1: invalid utf-8 string",
		    "invalid UTF-8");
	parse_fails("null", 4, 0, "invalid JSON: the document is null", "a null document");
	parse_fails("[1, 2]", 6, 5, "JSON document of 6 bytes exceeds 5 bytes: File too large",
		    "size cap");
	parse_fails(deep_bad, strlen(deep_bad), 0, deep_bad_msg, "nesting past JSON_MAX_DEPTH");
	{
		char *msg = NULL;
		json_object *o = parse("[1, 2]", 6, 6, &msg);

		ok(o && !msg, "a document exactly at the cap is accepted");
		json_object_put(o);
		free(msg);
	}
}

static void test_serialize(void)
{
	const char *src = "{\"a\":1,\"b\":[],\"c\":{},\"d\":[1,{\"x\":\"a/b\\tc\"}],\"e\":\"\"}";
	char *msg = NULL;
	_cleanup_json_ json_object *o = parse(src, strlen(src), 0, &msg);
	_cleanup_free_ char *compact = json_to_string(o, JSON_FMT_COMPACT);
	_cleanup_free_ char *plain = json_to_string(o, JSON_FMT_PLAIN);
	_cleanup_free_ char *pretty = json_to_string(o, JSON_FMT_PRETTY);
	_cleanup_free_ char *null = json_to_string(NULL, JSON_FMT_PRETTY);
	_cleanup_json_ json_object *arr = json_object_new_array();
	_cleanup_free_ char *empty = NULL;

	is_str(compact, "{\"a\":1,\"b\":[],\"c\":{},\"d\":[1,{\"x\":\"a/b\\tc\"}],\"e\":\"\"}",
	       "compact: no whitespace, '/' not escaped");
	is_str(plain,
	       "{ \"a\": 1, \"b\": [ ], \"c\": { }, \"d\": [ 1, { \"x\": \"a/b\\tc\" } ], "
	       "\"e\": \"\" }",
	       "plain: json-c's spaced line");
	is_str(pretty,
	       "{\n"
	       "    \"a\": 1,\n"
	       "    \"b\": [],\n"
	       "    \"c\": {},\n"
	       "    \"d\": [\n"
	       "        1,\n"
	       "        {\n"
	       "            \"x\": \"a/b\\tc\"\n"
	       "        }\n"
	       "    ],\n"
	       "    \"e\": \"\"\n"
	       "}",
	       "pretty: 4 spaces, empty containers collapsed, escaped tab untouched");
	is_str(null, "null", "NULL serializes as null");
	empty = json_to_string(arr, JSON_FMT_PRETTY);
	is_str(empty, "[]", "pretty empty top-level array");
	free(msg);
}

static const char *doc_src = "{\"config\": {\"User\": \"1000\", \"Env\": [\"A=1\", \"B=2\", 3],"
			     " \"Labels\": [], \"Tty\": true, \"Null\": null, \"Size\": 42, "
			     "\"Neg\": -9223372036854775808,"
			     " \"Big\": 9223372036854775808, \"Frac\": 1.0, \"Str\": \"true\","
			     " \"Annotations\": {\"io.podman.x\": \"v\", \"\": 1}}, \"list\": "
			     "[[1], {\"k\": \"v\"}]}";

/* Runs one failing accessor and checks the message; resets *e. */
static void fails(int r, cpod_error **e, const char *want, const char *name)
{
	ok(r == -1 && *e && cpod_error_kind(*e) == CPOD_ERR_INVALID, "%s: fails, invalid", name);
	is_str(*e ? cpod_error_message(*e) : NULL, want, "%s: message", name);
	cpod_error_freep(e);
}

static void test_required(json_cur *root, json_cur *config)
{
	cpod_error *e = NULL;
	const char *s = "untouched";
	int64_t i = 7;
	bool b = false;
	json_cur c;

	ok(json_get_string(config, "User", &s, &e) == 0 && e == NULL, "string member");
	is_str(s, "1000", "string value");
	ok(json_get_int64(config, "Size", &i, &e) == 0 && i == 42, "int64 member");
	ok(json_get_int64(config, "Neg", &i, &e) == 0 && i == INT64_MIN, "INT64_MIN");
	ok(json_get_bool(config, "Tty", &b, &e) == 0 && b, "bool member");
	s = "untouched";
	fails(json_get_string(config, "Image", &s, &e), &e,
	      "'config.Image': missing required value", "missing member");
	is_str(s, "untouched", "*ret untouched on failure");
	fails(json_get_object(config, "Labels", &c, &e), &e,
	      "'config.Labels': expected object, got array", "object expected");
	fails(json_get_array(config, "User", &c, NULL, &e), &e,
	      "'config.User': expected array, got string", "array expected");
	fails(json_get_string(config, "Null", &s, &e), &e,
	      "'config.Null': expected string, got null", "required null");
	fails(json_get_int64(config, "Frac", &i, &e), &e,
	      "'config.Frac': expected integer, got number", "1.0 is not an integer");
	fails(json_get_int64(config, "Big", &i, &e), &e, "'config.Big': integer out of range",
	      "int64 overflow");
	fails(json_get_bool(config, "Str", &b, &e), &e,
	      "'config.Str': expected boolean, got string", "no coercion of \"true\"");
	fails(json_get_int64(config, "User", &i, &e), &e,
	      "'config.User': expected integer, got string", "no coercion of \"1000\"");
	fails(json_get_string(&(json_cur){ 0 }, "x", &s, &e), &e, "'x': missing required value",
	      "member of an absent root");
	c = json_cur_field(root, "list");
	fails(json_get_string(&c, "x", &s, &e), &e, "'list': expected object, got array",
	      "member of a non-object");
	{
		_cleanup_json_ json_object *arr = json_object_new_array();
		json_cur top = json_cur_root(arr);

		fails(json_get_string(&top, "x", &s, &e), &e,
		      "top-level value: expected object, got array", "top level named");
	}
}

static void test_optional(json_cur *root, json_cur *config)
{
	cpod_error *e = NULL;
	const char *s = NULL;
	int64_t i = 0;
	bool b = true;
	size_t n = 99;
	json_cur c, missing;

	ok(json_get_string_opt(config, "Image", "dflt", &s, &e) == 0, "optional missing string");
	is_str(s, "dflt", "default returned");
	ok(json_get_string_opt(config, "Null", "dflt2", &s, &e) == 0, "optional null string");
	is_str(s, "dflt2", "null reads as default");
	ok(json_get_string_opt(config, "User", "dflt", &s, &e) == 0, "optional present string");
	is_str(s, "1000", "present value returned");
	ok(json_get_int64_opt(config, "Nope", -5, &i, &e) == 0 && i == -5, "optional int64 "
									   "default");
	ok(json_get_bool_opt(config, "Nope", false, &b, &e) == 0 && !b, "optional bool default");
	fails(json_get_string_opt(config, "Size", "d", &s, &e), &e,
	      "'config.Size': expected string, got integer", "optional of the wrong type");
	fails(json_get_object_opt(config, "Env", &c, &e), &e,
	      "'config.Env': expected object, got array", "optional object of the wrong type");

	ok(json_get_object_opt(root, "missing", &missing, &e) == 0 && !missing.present, "optional "
											"missing "
											"object is "
											"absent");
	ok(json_get_string_opt(&missing, "deeper", "d", &s, &e) == 0, "lookups through absent");
	is_str(s, "d", "default through an absent parent");
	ok(json_get_array_opt(&missing, "arr", &c, &n, &e) == 0 && n == 0 && !c.present,
	   "optional array through absent parent: length 0");
	n = 99;
	ok(json_get_array_opt(config, "Null", &c, &n, &e) == 0 && n == 0, "null array: length 0");
	fails(json_get_string(&missing, "deeper", &s, &e), &e,
	      "'missing.deeper': missing required value", "required below an absent parent");
	ok(e == NULL, "no error left behind");
}

static void test_arrays_and_keys(json_cur *root, json_cur *config)
{
	cpod_error *e = NULL;
	const char *s = NULL;
	size_t n = 0;
	json_cur env, ann, el, list;
	int count = 0;

	ok(json_get_array(config, "Env", &env, &n, &e) == 0 && n == 3, "array with length");
	el = json_cur_index(&env, 1);
	ok(json_cur_string(&el, &s, &e) == 0, "element string");
	is_str(s, "B=2", "element value");
	el = json_cur_index(&env, 2);
	fails(json_cur_string(&el, &s, &e), &e, "'config.Env[2]': expected string, got integer",
	      "element path in the message");
	el = json_cur_index(&env, 3);
	ok(!el.present, "index past the end is absent");
	fails(json_cur_string(&el, &s, &e), &e, "'config.Env[3]': missing required value",
	      "missing element");

	ok(json_get_object(config, "Annotations", &ann, &e) == 0, "object member");
	json_object_object_foreach(ann.obj, key, val) {
		json_cur kv = json_cur_child(&ann, key, val);

		if (strcmp(key, "io.podman.x") == 0) {
			ok(json_cur_string(&kv, &s, &e) == 0, "foreach child string");
			is_str(s, "v", "foreach child value");
		} else {
			fails(json_cur_string(&kv, &s, &e), &e,
			      "'config.Annotations[\"\"]': expected string, got integer",
			      "empty key quoted");
		}
		count++;
	}
	is_int(count, 2, "both annotations visited");
	el = json_cur_field(&ann, "io.podman.x");
	{
		_cleanup_free_ char *path = json_cur_path(&el);

		is_str(path, "config.Annotations[\"io.podman.x\"]", "dotted key quoted in paths");
	}
	fails(json_cur_error(&el, &e, "bad value '%s'", "v"), &e,
	      "'config.Annotations[\"io.podman.x\"]': bad value 'v'", "json_cur_error");

	ok(json_get_array(root, "list", &list, &n, &e) == 0 && n == 2, "list");
	el = json_cur_index(&list, 1);
	fails(json_cur_array(&el, &n, &e), &e, "'list[1]': expected array, got object",
	      "element type check");
	el = json_cur_index(&list, 0);
	ok(json_cur_array(&el, &n, &e) == 0 && n == 1, "nested array length");
	{
		json_cur inner = json_cur_index(&el, 0);
		bool b;

		fails(json_cur_bool(&inner, &b, &e), &e,
		      "'list[0][0]': expected boolean, got integer", "nested index path");
	}
	ok(json_cur_object(root, &e) == 0, "root is an object");
}

int main(void)
{
	char *msg = NULL;
	_cleanup_json_ json_object *doc = parse(doc_src, strlen(doc_src), 0, &msg);
	json_cur root = json_cur_root(doc), config;
	cpod_error *e = NULL;

	if (msg)
		diag("%s", msg);
	test_parse();
	test_serialize();
	ok(json_get_object(&root, "config", &config, &e) == 0, "config object");
	test_required(&root, &config);
	test_optional(&root, &config);
	test_arrays_and_keys(&root, &config);
	cpod_error_free(e);
	free(msg);
	return done_testing();
}
