/* Fuzzes the TOML parser: parse, walk the whole tree through the public accessors checking
 * what must hold of any tree it hands out, free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int strict_keys;

static size_t walk(const toml_value *v, int depth)
{
	size_t n = 1;

	/* the parser caps nesting at 128 */
	if (depth > 130 || toml_line(v) < 1 || toml_column(v) < 1)
		abort();
	switch (toml_type_of(v)) {
	case TOML_TABLE:
		for (size_t i = 0; i < toml_table_len(v); i++) {
			const char *key = toml_table_key(v, i);
			const toml_value *child = toml_table_value(v, i);
			if (!key || !child)
				abort();
			/* keys are unique, so each is found again by name (unless it holds a NUL
			 * byte, which only \u0000 or \U00000000 can put there) */
			if (strict_keys && toml_get(v, key) != child)
				abort();
			n += walk(child, depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < toml_array_len(v); i++)
			n += walk(toml_array_at(v, i), depth + 1);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
		n += strlen(toml_string(v));
		break;
	case TOML_INTEGER:
		n += (size_t)(toml_int(v) & 1);
		break;
	case TOML_FLOAT:
		n += toml_float(v) > 0;
		break;
	case TOML_BOOL:
		n += (size_t)toml_bool(v);
		break;
	default:
		abort();
	}
	(void)toml_type_name(toml_type_of(v));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cpod_error *err = NULL;
	toml_value *root = toml_parse((const char *)data, size, "fuzz.toml", &err);

	if (root) {
		strict_keys = !memmem(data, size, "u0000", 5) &&
			      !memmem(data, size, "U00000000", 9);
		if (err || toml_type_of(root) != TOML_TABLE)
			abort();
		walk(root, 0);
		toml_free(root);
	} else {
		/* every failure is reported, as bad input, at FILE:LINE:COL */
		if (!err || cpod_error_kind(err) != CPOD_ERR_INVALID ||
		    strncmp(cpod_error_message(err), "fuzz.toml:", 10) != 0)
			abort();
		cpod_error_free(err);
	}
	return 0;
}
