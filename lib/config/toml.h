/* TOML 1.0 parser (Debian ships no C TOML library).
 *
 * toml_parse() returns the root table.  The tree is immutable and owned by the root: free
 * it with toml_free(); every pointer handed out by the accessors borrows from it.  Keys of
 * a table keep their order of appearance.  Datetimes are kept as their source text with
 * type TOML_DATETIME.  Errors name "FILE:LINE:COL: what" (FILE as passed to the parser).
 */
#ifndef CPOD_CONFIG_TOML_H
#define CPOD_CONFIG_TOML_H

#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

typedef enum {
	TOML_TABLE = 1,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,
} toml_type;

typedef struct toml_value toml_value;

/* Parses len bytes of text (need not be NUL-terminated); filename is used in messages only.
 * Returns the root table, or NULL with *err (kind CPOD_ERR_INVALID) set. */
toml_value *toml_parse(const char *text, size_t len, const char *filename, cpod_error **err);
/* Reads and parses a file; a missing file is CPOD_ERR_NOT_FOUND. */
toml_value *toml_parse_file(const char *path, cpod_error **err);
void toml_free(toml_value *root);
static inline void toml_freep(toml_value **v)
{
	if (*v)
		toml_free(*v);
}
#define _cleanup_toml_ __attribute__((cleanup(toml_freep)))

toml_type toml_type_of(const toml_value *v);
/* "table", "array", "string", "integer", "float", "boolean", "datetime". */
const char *toml_type_name(toml_type t);
/* 1-based line and column where the value (or table) was defined. */
int toml_line(const toml_value *v);
int toml_column(const toml_value *v);

/* Tables: lookup by key (NULL when absent or when t is not a table), and iteration. */
const toml_value *toml_get(const toml_value *t, const char *key);
size_t toml_table_len(const toml_value *t);
const char *toml_table_key(const toml_value *t, size_t i);
const toml_value *toml_table_value(const toml_value *t, size_t i);

/* Arrays (including arrays of tables). */
size_t toml_array_len(const toml_value *a);
const toml_value *toml_array_at(const toml_value *a, size_t i);

/* Scalars; call only on a value of the matching type (else they return "", 0 or 0.0).
 * toml_string() also returns the text of a TOML_DATETIME. */
const char *toml_string(const toml_value *v);
int64_t toml_int(const toml_value *v);
double toml_float(const toml_value *v);
int toml_bool(const toml_value *v);

#endif
