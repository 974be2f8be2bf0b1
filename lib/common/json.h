/* json-c, wrapped: bounded parsing, typed access that names the failing field, and
 * serialization that never escapes '/'.
 *
 * json-c's own getters coerce silently (a string reads as 0, an array as false), so cpod
 * reads JSON only through the accessors below.  They work on a *cursor*: a borrowed
 * json_object plus how it was reached (parent cursor and key or index).  A cursor is a small
 * value kept on the stack; it allocates nothing, and the path ("config.Env[2]") is built only
 * when an error is reported:
 *
 *	_cleanup_json_ json_object *doc = json_parse_bytes(data, len, 1 << 20, err);
 *	json_cur root = json_cur_root(doc), config, env;
 *	const char *user, *s;
 *	size_t n;
 *
 *	if (!doc || json_get_object_opt(&root, "config", &config, err) < 0 ||
 *	    json_get_string_opt(&config, "User", "", &user, err) < 0 ||
 *	    json_get_array_opt(&config, "Env", &env, &n, err) < 0)
 *		return -1;
 *	for (size_t i = 0; i < n; i++) {
 *		json_cur e = json_cur_index(&env, i);
 *		if (json_cur_string(&e, &s, err) < 0)	// "'config.Env[2]': expected string, got integer"
 *			return -1;
 *	}
 *
 * Lifetimes: a cursor borrows its json_object (owned by the document), its parent cursor and
 * its key string; all must outlive it.  Strings returned by the getters belong to the document
 * and live until it is put or the value is changed.
 *
 * Absent values: an *absent* cursor (present == false) stands for a missing field.  json-c
 * represents JSON null as a NULL json_object too, so obj is NULL for both; present tells them
 * apart.  Required getters report an absent value as "'path': missing required value" and a
 * null one as "'path': expected string, got null"; optional getters (_opt) treat absent and
 * null alike and return the default.  The fields of an absent object are absent, so optional
 * lookups chain through a missing parent.
 *
 * Errors are CPOD_ERR_INVALID with messages such as "'config.Labels': expected object, got
 * array".  The top-level value is named "top-level value".  Keys that contain '.', '[', ']' or
 * '"', or are empty, are printed as ["key"].
 */
#ifndef CPOD_COMMON_JSON_H
#define CPOD_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>
#include <json-c/json.h>

#include "common/cleanup.h"

DEFINE_CLEANUP_FUNC(json_object, json_object_put)
/* Puts (drops the reference to) a json_object at the end of the scope; NULL is fine. */
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Deepest nesting of arrays and objects that json_parse_bytes() accepts. */
#define JSON_MAX_DEPTH 64

/* Parses exactly one JSON value from data[0..len) (need not be NUL-terminated).  Only
 * whitespace may follow the value.  Fails (CPOD_ERR_INVALID) when len > cap (cap 0 = no limit),
 * when nesting passes JSON_MAX_DEPTH, on invalid UTF-8, and on any syntax error, naming the
 * byte offset.  Returns a new reference (json_object_put() it); JSON null yields an error too,
 * since no cpod document is a bare null. */
json_object *json_parse_bytes(const void *data, size_t len, size_t cap, cpod_error **err);

typedef enum {
	JSON_FMT_PLAIN,	  /* one line, json-c's default spacing: { "a": 1, "b": [ 1, 2 ] } */
	JSON_FMT_COMPACT, /* no whitespace at all: {"a":1,"b":[1,2]} (API bodies, files) */
	JSON_FMT_PRETTY,  /* indented by 4 spaces, "key": value, empty [] and {} (podman inspect) */
} json_format;

/* Serializes obj (NULL prints "null") with JSON_C_TO_STRING_NOSLASHESCAPE; never fails.
 * Returns a new string without a trailing newline; the caller frees it. */
char *json_to_string(json_object *obj, json_format fmt);

typedef struct json_cur {
	json_object *obj;	       /* the value, borrowed; NULL when absent or JSON null */
	bool present;		       /* false when absent */
	const struct json_cur *parent; /* NULL for the root */
	const char *key;	       /* key in the parent object; NULL for an array element */
	size_t index;		       /* index in the parent array when key is NULL */
} json_cur;

/* A cursor at the top of a document; obj may be NULL (an absent document). */
json_cur json_cur_root(json_object *obj);
/* A cursor for the value val found under key in parent, for json_object_object_foreach():
 * key and val are borrowed from parent's object. */
json_cur json_cur_child(const json_cur *parent, const char *key, json_object *val);
/* The element i of an array cursor checked with json_get_array*() or json_cur_array();
 * absent when arr is absent or i is past the end. */
json_cur json_cur_index(const json_cur *arr, size_t i);
/* The member key of an object cursor; absent when missing, or when c is absent or not an
 * object (use json_get_object*() or json_cur_object() first to report that). */
json_cur json_cur_field(const json_cur *c, const char *key);

/* The path of c, such as "config.Env[2]" ("" for the root); the caller frees it. */
char *json_cur_path(const json_cur *c);
/* Reports a problem with the value at c: sets *err to CPOD_ERR_INVALID "'path': <fmt...>";
 * returns -1.  For checks beyond types ("'config.User': invalid user name"). */
int json_cur_error(const json_cur *c, cpod_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Typed access to the value at a cursor.  Required forms fail when it is absent, null or of
 * another type; _opt forms return def when it is absent or null and fail on another type.
 * *ret is written only on success.  Integers must be JSON integers within int64_t (1.0 is a
 * number, not an integer; json-c clamps values below INT64_MIN to INT64_MIN). */
int json_cur_string(const json_cur *c, const char **ret, cpod_error **err);
int json_cur_string_opt(const json_cur *c, const char *def, const char **ret, cpod_error **err);
int json_cur_int64(const json_cur *c, int64_t *ret, cpod_error **err);
int json_cur_int64_opt(const json_cur *c, int64_t def, int64_t *ret, cpod_error **err);
int json_cur_bool(const json_cur *c, bool *ret, cpod_error **err);
int json_cur_bool_opt(const json_cur *c, bool def, bool *ret, cpod_error **err);
/* Checks that c is an object (_opt: or absent/null, which then reads as absent). */
int json_cur_object(const json_cur *c, cpod_error **err);
int json_cur_object_opt(const json_cur *c, cpod_error **err);
/* Checks that c is an array and sets *ret_len (optional) to its length (_opt: absent/null
 * gives 0). */
int json_cur_array(const json_cur *c, size_t *ret_len, cpod_error **err);
int json_cur_array_opt(const json_cur *c, size_t *ret_len, cpod_error **err);

/* The same, on the member key of the object at obj.  All of them first check that obj is an
 * object (an absent obj is fine and has only absent members).  The object/array forms set
 * *ret to a cursor on the member, borrowing obj and key; the _opt forms set an absent cursor
 * (and length 0) when the member is missing or null. */
int json_get_string(const json_cur *obj, const char *key, const char **ret, cpod_error **err);
int json_get_string_opt(const json_cur *obj, const char *key, const char *def, const char **ret,
			cpod_error **err);
int json_get_int64(const json_cur *obj, const char *key, int64_t *ret, cpod_error **err);
int json_get_int64_opt(const json_cur *obj, const char *key, int64_t def, int64_t *ret,
		       cpod_error **err);
int json_get_bool(const json_cur *obj, const char *key, bool *ret, cpod_error **err);
int json_get_bool_opt(const json_cur *obj, const char *key, bool def, bool *ret, cpod_error **err);
int json_get_object(const json_cur *obj, const char *key, json_cur *ret, cpod_error **err);
int json_get_object_opt(const json_cur *obj, const char *key, json_cur *ret, cpod_error **err);
int json_get_array(const json_cur *obj, const char *key, json_cur *ret, size_t *ret_len,
		   cpod_error **err);
int json_get_array_opt(const json_cur *obj, const char *key, json_cur *ret, size_t *ret_len,
		       cpod_error **err);

#endif
