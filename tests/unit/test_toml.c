#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "config/toml.h"
#include "tap.h"

/* Parses text as "t.toml"; NULL (and a diagnostic) on failure. */
static toml_value *parse(const char *text)
{
	cpod_error *err = NULL;
	toml_value *root = toml_parse(text, strlen(text), "t.toml", &err);

	if (!root) {
		diag("unexpected error: %s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return root;
}

/* The message of parsing text, "" when it parsed; checks that failures are INVALID and that
 * no tree comes with them. */
static char *parse_error(const char *text)
{
	cpod_error *err = NULL;
	toml_value *root = toml_parse(text, strlen(text), "t.toml", &err);
	char *msg;

	if (root) {
		toml_free(root);
		return xstrdup("");
	}
	if (!err)
		return xstrdup("(no error set)");
	if (cpod_error_kind(err) != CPOD_ERR_INVALID)
		msg = xasprintf("(kind %d) %s", cpod_error_kind(err), cpod_error_message(err));
	else
		msg = xstrdup(cpod_error_message(err));
	cpod_error_free(err);
	return msg;
}

#define is_error(text, want, name)                \
	do {                                      \
		char *m_ = parse_error(text);     \
		is_str(m_, "t.toml:" want, name); \
		free(m_);                         \
	} while (0)

/* Rejected, whatever the message says (but it is INVALID and has FILE:LINE:COL). */
#define rejects(text, name)                                                      \
	do {                                                                     \
		char *m_ = parse_error(text);                                    \
		ok(str_has_prefix(m_, "t.toml:") && strchr(m_ + 7, ':') != NULL, \
		   "rejects %s (%s)", name, m_);                                 \
		free(m_);                                                        \
	} while (0)

/* Follows a dotted path of table keys ("a.b.c") from t. */
static const toml_value *path(const toml_value *t, const char *dotted)
{
	char *copy = xstrdup(dotted), *save = NULL;

	for (char *k = strtok_r(copy, ".", &save); k && t; k = strtok_r(NULL, ".", &save))
		t = toml_get(t, k);
	free(copy);
	return t;
}

static void test_basic_strings(void)
{
	toml_value *r = parse("a = \"tab\\tnl\\nq\\\"bs\\\\b\\bf\\fr\\r\"\n"
			      "u = \"caf\\u00e9 \\U0001F600\"\n"
			      "e = \"\"\n"
			      "raw = \"\xc3\xa9t\xc3\xa9\"\n");

	is_str(toml_string(toml_get(r, "a")), "tab\tnl\nq\"bs\\b\bf\fr\r", "basic escapes");
	is_str(toml_string(toml_get(r, "u")), "caf\xc3\xa9 \xf0\x9f\x98\x80",
	       "\\u and \\U escapes become UTF-8");
	is_str(toml_string(toml_get(r, "e")), "", "empty string");
	is_str(toml_string(toml_get(r, "raw")), "\xc3\xa9t\xc3\xa9", "raw UTF-8 kept");
	is_int(toml_type_of(toml_get(r, "a")), TOML_STRING, "string type");
	toml_free(r);

	is_error("a = \"\\x41\"", "1:6: invalid escape '\\x'", "\\x is not a TOML 1.0 escape");
	is_error("a = \"\\uD800\"", "1:6: unicode escape U+D800 is not a unicode scalar value",
		 "surrogate escape rejected");
	rejects("a = \"\\U00110000\"", "escape past U+10FFFF");
	is_error("a = \"\\u12\"", "1:6: invalid unicode escape: 4 hex digits expected",
		 "short \\u escape");
	is_error("a = \"x\x01y\"", "1:7: control character U+0001 in string",
		 "control character in a basic string");
	is_error("a = \"abc\nb = 1", "1:5: unterminated string", "newline ends a basic string");
	is_error("a = \"abc", "1:5: unterminated string", "end of input in a basic string");
	is_error("a = \"x\\ y\"", "1:7: invalid escape: '\\' followed by byte 0x20",
		 "backslash-space in a single-line string");
	is_error("a = \"\xc3\x28\"", "1:6: invalid UTF-8 in string", "invalid UTF-8 rejected");
	is_error("a = \"\xed\xa0\x80\"", "1:6: invalid UTF-8 in string",
		 "encoded surrogate rejected");
}

static void test_other_strings(void)
{
	toml_value *r = parse("lit = 'C:\\Users\\x \"q\"'\n"
			      "ml = \"\"\"\nline1\n  line2 \\\n     joined\\\"\"\"\"\"\n"
			      "mq = \"\"\"two \"\" quotes\"\"\"\"\"\n"
			      "mll = '''\nfirst\n'' \\n second'''''\n"
			      "empty_ml = \"\"\"\"\"\"\n");

	is_str(toml_string(toml_get(r, "lit")), "C:\\Users\\x \"q\"", "literal string keeps \\");
	is_str(toml_string(toml_get(r, "ml")), "line1\n  line2 joined\"\"",
	       "multi-line basic: first newline trimmed, line-ending backslash, quotes at the end");
	is_str(toml_string(toml_get(r, "mq")), "two \"\" quotes\"\"", "up to two quotes inside");
	is_str(toml_string(toml_get(r, "mll")), "first\n'' \\n second''",
	       "multi-line literal: trimmed newline, no escapes, quotes at the end");
	is_str(toml_string(toml_get(r, "empty_ml")), "", "empty multi-line string");
	toml_free(r);

	is_error("a = 'it''s'", "1:9: unexpected \"'\" after value",
		 "literal strings do not escape '");
	is_error("a = 'abc\n'", "1:5: unterminated string", "newline in a literal string");
	is_error("a = '\x7f'", "1:6: control character U+007F in string",
		 "DEL in a literal string");
	is_error("a = \"\"\"abc\n\ndef", "1:5: unterminated string",
		 "unterminated multi-line string points at its start");
	is_error("a = '''abc", "1:5: unterminated string", "unterminated multi-line literal");
	is_error("a = \"\"\"x \\  y\"\"\"", "1:10: invalid escape: '\\' followed by whitespace",
		 "backslash then spaces not ending the line");
	is_error("a = \"\"\"x\"\"\"\"\"\"", "1:9: too many quotes in multi-line string",
		 "six quotes close and reopen");
	is_error("a = \"\"\"x\ry\"\"\"", "1:9: carriage return without line feed in string",
		 "bare CR in a multi-line string");
}

static void test_integers(void)
{
	toml_value *r = parse("a = 0\nb = +17\nc = -17\nd = 1_000_000\ne = 0xDEAD_beef\n"
			      "f = 0o755\ng = 0b1101_0110\nh = 9223372036854775807\n"
			      "i = -9223372036854775808\nj = -0\nk = 0x7FFFFFFFFFFFFFFF\n");

	is_int(toml_int(toml_get(r, "a")), 0, "zero");
	is_int(toml_int(toml_get(r, "b")), 17, "plus sign");
	is_int(toml_int(toml_get(r, "c")), -17, "minus sign");
	is_int(toml_int(toml_get(r, "d")), 1000000, "underscores");
	is_int(toml_int(toml_get(r, "e")), 0xdeadbeef, "hex, mixed case");
	is_int(toml_int(toml_get(r, "f")), 0755, "octal");
	is_int(toml_int(toml_get(r, "g")), 0xd6, "binary");
	ok(toml_int(toml_get(r, "h")) == INT64_MAX, "INT64_MAX");
	ok(toml_int(toml_get(r, "i")) == INT64_MIN, "INT64_MIN");
	is_int(toml_int(toml_get(r, "j")), 0, "-0");
	ok(toml_int(toml_get(r, "k")) == INT64_MAX, "largest hex");
	is_int(toml_type_of(toml_get(r, "e")), TOML_INTEGER, "integer type");
	toml_free(r);

	is_error("a = 012", "1:5: leading zero in number '012'", "leading zero");
	is_error("a = -01", "1:5: leading zero in number '-01'", "signed leading zero");
	is_error("a = 1__0", "1:5: invalid number '1__0'", "double underscore");
	is_error("a = 1_", "1:5: invalid number '1_'", "trailing underscore");
	is_error("a = _1", "1:5: expected a value, found '_'", "leading underscore");
	is_error("a = 0x", "1:5: invalid number '0x'", "prefix without digits");
	is_error("a = +0x1", "1:5: invalid integer '+0x1'", "sign on hex");
	is_error("a = 0xg1", "1:5: invalid integer '0xg1'", "bad hex digit");
	is_error("a = 0o8", "1:5: invalid integer '0o8'", "bad octal digit");
	is_error("a = 0b102", "1:5: invalid integer '0b102'", "bad binary digit");
	is_error("a = 0X1F", "1:5: invalid number '0X1F'", "upper-case prefix");
	is_error("a = 0x_1", "1:5: invalid integer '0x_1'", "underscore after the prefix");
	is_error("a = 9223372036854775808", "1:5: integer '9223372036854775808' out of range",
		 "INT64_MAX + 1");
	is_error("a = -9223372036854775809", "1:5: integer '-9223372036854775809' out of range",
		 "INT64_MIN - 1");
	is_error("a = 0x8000000000000000", "1:5: integer '0x8000000000000000' out of range",
		 "hex past INT64_MAX");
	is_error("a = 99999999999999999999999",
		 "1:5: integer '99999999999999999999999' out of range", "far out of range");
}

static void test_floats_and_bools(void)
{
	toml_value *r = parse("a = 3.14\nb = -0.01\nc = 5e+22\nd = 1E6\ne = 6.626e-34\n"
			      "f = 224_617.445_991\ng = inf\nh = -inf\ni = nan\nj = +nan\n"
			      "k = -0.0\nl = 1e0_1\nt = true\nu = false\n");

	ok(toml_float(toml_get(r, "a")) == 3.14, "fraction");
	ok(toml_float(toml_get(r, "b")) == -0.01, "negative fraction");
	ok(toml_float(toml_get(r, "c")) == 5e22, "exponent with sign");
	ok(toml_float(toml_get(r, "d")) == 1e6, "upper-case exponent");
	ok(toml_float(toml_get(r, "e")) == 6.626e-34, "fraction and negative exponent");
	ok(toml_float(toml_get(r, "f")) == 224617.445991, "underscores in a float");
	ok(isinf(toml_float(toml_get(r, "g"))) && toml_float(toml_get(r, "g")) > 0, "inf");
	ok(isinf(toml_float(toml_get(r, "h"))) && toml_float(toml_get(r, "h")) < 0, "-inf");
	ok(isnan(toml_float(toml_get(r, "i"))) && isnan(toml_float(toml_get(r, "j"))), "nan, +nan");
	ok(signbit(toml_float(toml_get(r, "k"))), "-0.0 keeps its sign");
	ok(toml_float(toml_get(r, "l")) == 10.0, "underscore in the exponent");
	is_int(toml_type_of(toml_get(r, "a")), TOML_FLOAT, "float type");
	is_int(toml_bool(toml_get(r, "t")), 1, "true");
	is_int(toml_bool(toml_get(r, "u")), 0, "false");
	is_int(toml_type_of(toml_get(r, "u")), TOML_BOOL, "boolean type");
	toml_free(r);

	is_error("a = .5", "1:5: expected a value, found '.'", "no integer part");
	is_error("a = 1.", "1:5: invalid float '1.'", "no fraction digits");
	is_error("a = 1.e5", "1:5: invalid float '1.e5'", "dot before the exponent");
	is_error("a = 1e", "1:5: invalid float '1e'", "empty exponent");
	is_error("a = 01.5", "1:5: leading zero in number '01.5'", "leading zero in a float");
	is_error("a = 1._5", "1:5: invalid float '1._5'", "underscore after the dot");
	is_error("a = 1e400", "1:5: float '1e400' out of range", "float overflow");
	is_error("a = infinity", "1:5: invalid number 'infinity'", "infinity is not inf");
	is_error("a = True", "1:5: expected a value, found 'T'", "booleans are lower case");
	is_error("a = truex", "1:9: unexpected 'x' after value", "garbage after true");
}

static void test_datetimes(void)
{
	toml_value *r = parse("odt = 1979-05-27T07:32:00Z\n"
			      "odt2 = 1979-05-27T00:32:00.999999-07:00\n"
			      "odt3 = 1979-05-27 07:32:00+01:30\n"
			      "ldt = 1979-05-27t07:32:00\n"
			      "ld = 2000-02-29\n"
			      "lt = 00:32:00.5\n"
			      "arr = [1979-05-27, 07:32:00]\n");
	const toml_value *v = toml_get(r, "odt");

	is_int(toml_type_of(v), TOML_DATETIME, "offset date-time type");
	is_str(toml_string(v), "1979-05-27T07:32:00Z", "offset date-time text");
	is_str(toml_string(toml_get(r, "odt2")), "1979-05-27T00:32:00.999999-07:00",
	       "fraction and numeric offset");
	is_str(toml_string(toml_get(r, "odt3")), "1979-05-27 07:32:00+01:30", "space separator");
	is_str(toml_string(toml_get(r, "ldt")), "1979-05-27t07:32:00", "local date-time");
	is_str(toml_string(toml_get(r, "ld")), "2000-02-29", "local date, leap day");
	is_str(toml_string(toml_get(r, "lt")), "00:32:00.5", "local time");
	is_int(toml_type_of(toml_array_at(toml_get(r, "arr"), 1)), TOML_DATETIME,
	       "datetimes in arrays");
	toml_free(r);

	is_error("a = 1979-13-01", "1:5: invalid datetime '1979-13-01'", "month 13");
	is_error("a = 1979-02-30", "1:5: invalid datetime '1979-02-30'", "February 30");
	is_error("a = 2100-02-29", "1:5: invalid datetime '2100-02-29'", "not a leap year");
	is_error("a = 24:00:00", "1:5: invalid datetime '24:00:00'", "hour 24");
	is_error("a = 07:32", "1:5: invalid datetime '07:32'", "seconds are required");
	is_error("a = 1979-05-27T07:32:00+25:00",
		 "1:5: invalid datetime '1979-05-27T07:32:00+25:00'", "offset hour 25");
	is_error("a = 07:32:00Z", "1:5: invalid datetime '07:32:00Z'", "local time with an offset");
	is_error("a = 1979-05-27T07:32:00.", "1:5: invalid datetime '1979-05-27T07:32:00.'",
		 "empty fraction");
}

static void test_tables_and_dotted_keys(void)
{
	toml_value *r = parse("top = 1\n"
			      "a.b.c = 1\n"
			      "a.d = 2\n"
			      "[fruit]\n"
			      "apple.color = \"red\"\n"
			      "apple.taste.sweet = true\n"
			      "[fruit.apple.texture]\n"
			      "smooth = true\n"
			      "[x.y.z]\n"
			      "[x]\n"
			      "y.w = 3\n"
			      "[\"quoted.key\".'lit']\n"
			      "\"\" = 'empty key'\n"
			      "[ spaced . header ]\n");

	is_int(toml_int(path(r, "a.b.c")), 1, "dotted keys create tables");
	is_int(toml_int(path(r, "a.d")), 2, "dotted keys extend their tables");
	is_str(toml_string(path(r, "fruit.apple.color")), "red", "dotted keys under a header");
	ok(toml_bool(path(r, "fruit.apple.texture.smooth")), "[table] under dotted keys' table");
	is_int(toml_int(path(r, "x.y.w")), 3, "dotted keys extend an implicit table");
	is_int(toml_type_of(path(r, "x.y.z")), TOML_TABLE, "header's implicit parents");
	is_str(toml_string(toml_get(toml_get(toml_get(r, "quoted.key"), "lit"), "")), "empty key",
	       "quoted keys in headers, empty quoted key");
	is_int(toml_type_of(path(r, "spaced.header")), TOML_TABLE, "whitespace in a header");
	is_int(toml_table_len(r), 6, "root keys");
	is_str(toml_table_key(r, 0), "top", "keys keep their order (1)");
	is_str(toml_table_key(r, 1), "a", "keys keep their order (2)");
	is_str(toml_table_key(r, 2), "fruit", "keys keep their order (3)");
	is_str(toml_table_key(r, 5), "spaced", "keys keep their order (4)");
	toml_free(r);

	is_error("[fruit]\napple.color = 1\n[fruit.apple]",
		 "3:8: redefining table 'apple' defined by dotted keys",
		 "[table] on a table made by dotted keys");
	is_error("[fruit]\napple.taste.sweet = 1\n[fruit.apple.taste]",
		 "3:14: redefining table 'taste' defined by dotted keys", "the same, deeper");
	is_error("[a]\nx = 1\n[a]", "3:2: redefining table 'a'", "table defined twice");
	is_error("[a.b.c]\nz = 1\n[a]\nb.c.t = 2",
		 "4:3: cannot add keys to table 'c' defined by a header",
		 "dotted keys into a table defined by a header");
	is_error("a = 1\n[a]", "2:2: key 'a' is already defined as integer", "[a] over a value");
	is_error("a.b = 1\na.b.c = 2", "2:3: key 'b' is already defined as integer",
		 "dotted key through a value");
	is_error("[a]\nb = 1\n[a.b]", "3:4: key 'b' is already defined as integer",
		 "header through a value");
	is_error("a.b.c = 1\n[a]", "2:2: redefining table 'a' defined by dotted keys",
		 "[a] after a.b.c at the root");
	is_error("[a.b]\n[a]\n[a.b]", "3:4: redefining table 'b'", "implicit parent, then twice");
	is_error("[a.]", "1:4: expected a key, found ']'", "trailing dot in a header");
	is_error("[]", "1:2: expected a key, found ']'", "empty header");
	is_error("[a] x = 1", "1:5: unexpected 'x' after table header", "text after a header");
	is_error("[a\nb = 1", "1:3: expected ']' to close the table header, found end of line",
		 "unclosed header");
}

static void test_arrays_of_tables(void)
{
	toml_value *r = parse("[[fruits]]\nname = \"apple\"\n"
			      "[fruits.physical]\ncolor = \"red\"\n"
			      "[[fruits.varieties]]\nname = \"red delicious\"\n"
			      "[[fruits.varieties]]\nname = \"granny smith\"\n"
			      "[[fruits]]\nname = \"banana\"\n"
			      "[[fruits.varieties]]\nname = \"plantain\"\n"
			      "[[empty]]\n[[empty]]\n");
	const toml_value *fruits = toml_get(r, "fruits"), *f0, *f1;

	is_int(toml_array_len(fruits), 2, "two elements");
	f0 = toml_array_at(fruits, 0);
	f1 = toml_array_at(fruits, 1);
	is_str(toml_string(toml_get(f0, "name")), "apple", "first element");
	is_str(toml_string(path(f0, "physical.color")), "red", "sub-table of an element");
	is_int(toml_array_len(toml_get(f0, "varieties")), 2, "nested array of tables");
	is_str(toml_string(toml_get(toml_array_at(toml_get(f0, "varieties"), 1), "name")),
	       "granny smith", "nested element");
	is_int(toml_array_len(toml_get(f1, "varieties")), 1, "nested array under the 2nd element");
	is_str(toml_string(toml_get(toml_array_at(toml_get(f1, "varieties"), 0), "name")),
	       "plantain", "goes to the most recent element");
	is_int(toml_array_len(toml_get(r, "empty")), 2, "empty elements");
	is_int(toml_line(f1), 9, "element line is its header's");
	toml_free(r);

	is_error("a = []\n[[a]]", "2:3: cannot append to static array 'a'", "[[a]] on a = []");
	is_error("a = [{b = 1}]\n[[a]]", "2:3: cannot append to static array 'a'",
		 "[[a]] on an array of inline tables");
	is_error("[[a]]\n[a]", "2:2: key 'a' is already defined as array of tables",
		 "[a] after [[a]]");
	is_error("[a]\n[[a]]", "2:3: key 'a' is already defined as table", "[[a]] after [a]");
	is_error("[[a.b]]\n[a]\nb.c = 1", "3:1: key 'b' is already defined as array of tables",
		 "dotted keys into an array of tables");
	is_error("[[a]]\n[a.b]\n[a.b]", "3:4: redefining table 'b'",
		 "sub-table of an element defined twice");
	is_error("[[a]\n", "1:4: expected ']]' to close the table header, found ']'",
		 "[[a] half closed");
}

static void test_inline_tables(void)
{
	toml_value *r = parse("p = { x = 1, y.z = 2, y.w = 'w', n = { m = [] } }\n"
			      "e = {}\n"
			      "pts = [ { x = 1 }, { x = 2 } ]\n");

	is_int(toml_int(path(r, "p.x")), 1, "inline table value");
	is_int(toml_int(path(r, "p.y.z")), 2, "dotted keys inside an inline table");
	is_str(toml_string(path(r, "p.y.w")), "w", "dotted keys extend inside the braces");
	is_int(toml_type_of(path(r, "p.n.m")), TOML_ARRAY, "nested inline table");
	is_int(toml_table_len(toml_get(r, "e")), 0, "empty inline table");
	is_int(toml_int(toml_get(toml_array_at(toml_get(r, "pts"), 1), "x")), 2,
	       "inline tables in an array");
	toml_free(r);

	is_error("p = { x = 1 }\n[p]", "2:2: cannot add keys to inline table 'p'", "[p] after");
	is_error("p = { x = 1 }\n[p.q]", "2:2: cannot add keys to inline table 'p'", "[p.q] after");
	is_error("p = { x = 1 }\np.y = 2", "2:1: cannot add keys to inline table 'p'",
		 "p.y = after");
	is_error("p = { x = { a = 1 }, x.b = 2 }", "1:22: cannot add keys to inline table 'x'",
		 "nested inline table is closed too");
	is_error("p = { a = 1, a = 2 }", "1:14: duplicate key 'a'", "duplicate inside braces");
	is_error("p = { a = 1, }", "1:14: trailing comma in inline table", "trailing comma");
	is_error("p = { a = 1\n}", "1:12: expected ',' or '}' in inline table, found end of line",
		 "newline inside braces");
	is_error("p = { a = 1", "1:5: unterminated inline table", "unterminated");
	is_error("p = { , }", "1:7: expected a key, found ','", "leading comma");
}

static void test_arrays(void)
{
	toml_value *r = parse("a = [ 1, 'two', 3.0, [4, [5]], { six = 6 }, 1979-05-27, ]\n"
			      "b = [\n  1, # one\n  2,\n\n  # comment line\n  3\n]\n"
			      "c = []\n"
			      "d = [[], [[]]]\n");
	const toml_value *a = toml_get(r, "a");

	is_int(toml_array_len(a), 6, "mixed types and trailing comma");
	is_str(toml_string(toml_array_at(a, 1)), "two", "string element");
	is_int(toml_int(toml_array_at(toml_array_at(toml_array_at(a, 3), 1), 0)), 5, "nested");
	is_int(toml_int(toml_get(toml_array_at(a, 4), "six")), 6, "inline table element");
	is_int(toml_array_len(toml_get(r, "b")), 3, "newlines and comments inside");
	is_int(toml_int(toml_array_at(toml_get(r, "b"), 2)), 3, "last element after a comment");
	is_int(toml_line(toml_array_at(toml_get(r, "b"), 2)), 7, "element line");
	is_int(toml_column(toml_array_at(toml_get(r, "b"), 2)), 3, "element column");
	is_int(toml_array_len(toml_get(r, "c")), 0, "empty array");
	is_int(toml_array_len(toml_array_at(toml_get(r, "d"), 1)), 1, "nested empty arrays");
	toml_free(r);

	is_error("a = [1,,2]", "1:8: expected a value, found ','", "double comma");
	is_error("a = [,]", "1:6: expected a value, found ','", "lone comma");
	is_error("a = [1 2]", "1:8: expected ',' or ']' in array, found '2'", "missing comma");
	is_error("a = [1, 2", "1:5: unterminated array", "unterminated array");
	is_error("a = [1, 2,\n# c\n", "1:5: unterminated array", "unterminated across lines");
}

static void test_keys_and_duplicates(void)
{
	toml_value *r = parse("bare_key-1 = 1\n\"quoted key\" = 2\n'lit \\ key' = 3\n"
			      "1234 = 4\n\"\\u00e9\" = 5\n");

	is_int(toml_int(toml_get(r, "bare_key-1")), 1, "bare key");
	is_int(toml_int(toml_get(r, "quoted key")), 2, "basic quoted key");
	is_int(toml_int(toml_get(r, "lit \\ key")), 3, "literal quoted key");
	is_int(toml_int(toml_get(r, "1234")), 4, "digits as a bare key");
	is_int(toml_int(toml_get(r, "\xc3\xa9")), 5, "escapes in a quoted key");
	ok(toml_get(r, "missing") == NULL, "missing key is NULL");
	toml_free(r);

	is_error("a = 1\na = 2", "2:1: duplicate key 'a'", "duplicate key");
	is_error("a = 1\n\"a\" = 2", "2:1: duplicate key 'a'", "bare and quoted are the same key");
	is_error("a = 1\n  'a' = 2", "2:3: duplicate key 'a'", "literal key, indented");
	is_error("[t]\nb.c = 1\nb.c = 2", "3:3: duplicate key 'c'", "duplicate dotted key");
	is_error("a = 1\n[x]\nb = 2\nb = 3", "4:1: duplicate key 'b'", "duplicate in a table");
	is_error("a\n= 1", "1:2: expected '=' after key 'a', found end of line", "missing '='");
	is_error("a = ", "1:5: expected a value, found end of input", "missing value");
	is_error("a = 1 2", "1:7: unexpected '2' after value", "garbage after a value");
	is_error("a = 1 # ok\nb = 2 3 # no", "2:7: unexpected '3' after value",
		 "garbage on a later line");
	is_error("\"\"\"a\"\"\" = 1", "1:1: multi-line string used as a key", "multi-line key");
	is_error("a.\"b\nc\" = 1", "1:3: unterminated string", "newline in a quoted key");
	is_error("# a \x01 comment", "1:5: control character U+0001 in comment",
		 "control character in a comment");
	is_error("a = 1 # \xff", "1:9: invalid UTF-8 in comment", "invalid UTF-8 in a comment");
	is_error("=1", "1:1: expected a key, found '='", "no key");
	is_error("key with spaces = 1", "1:5: expected '=' after key 'key', found 'w'",
		 "spaces in a bare key");
}

static void test_positions(void)
{
	toml_value *r = parse("# header\n\n[server]\n  port = 8080\n\t\"h\xc3\xa9\" = 'x'  \n"
			      "[[list]]\n");

	is_int(toml_line(toml_get(r, "server")), 3, "table line");
	is_int(toml_column(toml_get(r, "server")), 1, "table column");
	is_int(toml_line(path(r, "server.port")), 4, "value line");
	is_int(toml_column(path(r, "server.port")), 10, "value column");
	is_int(toml_column(path(r, "server.h\xc3\xa9")), 9, "columns count characters");
	is_int(toml_line(r), 1, "root line");
	is_int(toml_line(toml_array_at(toml_get(r, "list"), 0)), 6, "array element line");
	toml_free(r);

	is_error("a = 1\n\n\n  b = \"\xc3\xa9\xc3\xa9\\z\"", "4:10: invalid escape '\\z'",
		 "error line and character column");
}

static void test_depth(void)
{
	buf b = BUF_INIT;
	toml_value *r;
	char *msg;

	/* 100 nested arrays are fine */
	buf_adds(&b, "a = ");
	for (int i = 0; i < 100; i++)
		buf_addch(&b, '[');
	for (int i = 0; i < 100; i++)
		buf_addch(&b, ']');
	r = parse(b.s);
	ok(r != NULL, "100 nested arrays parse");
	toml_free(r);

	/* 100000 are refused, without running out of stack */
	buf_reset(&b);
	buf_adds(&b, "a = ");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "[{b=");
	msg = parse_error(b.s);
	is_str(msg, "t.toml:1:261: nesting deeper than 128 levels", "nesting bomb refused");
	free(msg);

	/* depth adds up across headers, dotted keys and values */
	buf_reset(&b);
	buf_addch(&b, '[');
	for (int i = 0; i < 100; i++)
		buf_adds(&b, i ? ".t" : "t");
	buf_adds(&b, "]\n");
	for (int i = 0; i < 27; i++)
		buf_adds(&b, "d.");
	buf_adds(&b, "x = [[1]]\n");
	msg = parse_error(b.s);
	is_str(msg, "t.toml:2:60: nesting deeper than 128 levels",
	       "headers + dotted keys + arrays are counted together");
	free(msg);

	buf_reset(&b);
	for (int i = 0; i < 200; i++)
		buf_adds(&b, "k.");
	buf_adds(&b, "k = 1\n");
	msg = parse_error(b.s);
	is_str(msg, "t.toml:1:257: key has more than 128 parts", "long dotted key refused");
	free(msg);
	buf_release(&b);
}

static void test_crlf_and_bom(void)
{
	toml_value *r = parse("\xef\xbb\xbf# bom\r\na = 1\r\n[t]\r\ns = \"\"\"\r\nx\r\ny\"\"\"\r\n"
			      "l = '''a\r\n'''\r\nz = \"\"\"p \\\r\n   q\"\"\"\r\n");

	is_int(toml_int(toml_get(r, "a")), 1, "CRLF lines");
	is_str(toml_string(path(r, "t.s")), "x\ny", "CRLF in multi-line strings becomes LF");
	is_str(toml_string(path(r, "t.l")), "a\n", "CRLF in multi-line literal");
	is_str(toml_string(path(r, "t.z")), "p q", "line-ending backslash before CRLF");
	is_int(toml_line(path(r, "t.z")), 9, "lines counted over CRLF");
	toml_free(r);

	is_error("a = 1\r\nb = 2\r", "2:6: carriage return without line feed", "bare CR");
	is_error("a = 1\rb = 2", "1:6: carriage return without line feed", "CR as a line end");
}

static void test_unterminated_input(void)
{
	const char text[] = "a = 12345\nb = \"xyz\"";
	char *exact = xmalloc(5);
	cpod_error *err = NULL;
	toml_value *r;

	r = toml_parse(text, 6, "t.toml", &err);
	is_int(toml_int(toml_get(r, "a")), 12, "len bounds a number");
	toml_free(r);

	memcpy(exact, "x = '", 5); /* no NUL after it */
	r = toml_parse(exact, 5, "t.toml", &err);
	ok(r == NULL, "input cut inside a string fails");
	is_str(cpod_error_message(err), "t.toml:1:5: unterminated string",
	       "without reading past len");
	cpod_error_free(err);
	err = NULL;

	memcpy(exact, "x = \"", 5);
	r = toml_parse(exact, 5, NULL, &err);
	is_str(cpod_error_message(err), "<input>:1:5: unterminated string", "no file name");
	cpod_error_free(err);
	free(exact);

	r = toml_parse("", 0, "t.toml", NULL);
	is_int(toml_table_len(r), 0, "empty document is an empty table");
	toml_free(r);
	r = toml_parse("a = 'x\x00y'", 9, "t.toml", NULL);
	ok(r == NULL, "NUL byte in a string is a control character");
}

static void test_big_table(void)
{
	buf b = BUF_INIT;
	toml_value *r;
	int good = 0;

	for (int i = 0; i < 5000; i++)
		buf_addf(&b, "k%d = %d\n", i, i);
	r = parse(b.s);
	for (int i = 0; i < 5000; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		good += toml_int(toml_get(r, key)) == i &&
			str_eq(toml_table_key(r, (size_t)i), key);
	}
	is_int(good, 5000, "5000 keys found by name and kept in order");
	toml_free(r);
	buf_adds(&b, "k4321 = 0\n");
	char *msg = parse_error(b.s);
	is_str(msg, "t.toml:5001:1: duplicate key 'k4321'", "duplicate found in a big table");
	free(msg);
	buf_release(&b);
}

static void test_accessors(void)
{
	toml_value *r = parse("s = 'x'\ni = 1\na = [1]\n");
	const toml_value *s = toml_get(r, "s"), *i = toml_get(r, "i"), *a = toml_get(r, "a");

	is_str(toml_string(i), "", "toml_string of an integer");
	is_int(toml_int(s), 0, "toml_int of a string");
	ok(toml_float(i) == 0.0, "toml_float of an integer");
	is_int(toml_bool(s), 0, "toml_bool of a string");
	ok(toml_get(a, "x") == NULL, "toml_get on an array");
	is_int(toml_array_len(r), 0, "toml_array_len of a table");
	ok(toml_array_at(a, 1) == NULL, "toml_array_at past the end");
	ok(toml_table_key(r, 3) == NULL && toml_table_value(r, 3) == NULL, "past the last key");
	is_str(toml_type_name(TOML_BOOL), "boolean", "type name");
	is_str(toml_type_name(TOML_DATETIME), "datetime", "type name of datetimes");
	toml_free(r);
	toml_free(NULL);
}

static void test_parse_file(void)
{
	char dir[] = "/tmp/test_toml.XXXXXX", *file, *missing, *want;
	cpod_error *err = NULL;
	toml_value *r;
	int fd;

	ok(mkdtemp(dir) != NULL, "temporary directory");
	file = xasprintf("%s/c.conf", dir);
	missing = xasprintf("%s/none.conf", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "[engine]\nx = 1\ny = 1\nx = 2\n", 26) == 26, "write a file");
	close(fd);

	r = toml_parse_file(file, &err);
	ok(r == NULL, "bad file fails");
	want = xasprintf("%s:4:1: duplicate key 'x'", file);
	is_str(cpod_error_message(err), want, "message names the file");
	free(want);
	cpod_error_free(err);
	err = NULL;

	r = toml_parse_file(missing, &err);
	ok(r == NULL && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND, "missing file is NOT_FOUND");
	ok(err && strstr(cpod_error_message(err), missing) != NULL, "and names the path");
	cpod_error_free(err);
	err = NULL;

	fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ok(fd >= 0 && write(fd, "[engine]\nx = 1\n", 15) == 15, "rewrite the file");
	close(fd);
	r = toml_parse_file(file, &err);
	is_int(toml_int(path(r, "engine.x")), 1, "good file parses");
	toml_free(r);

	ok(truncate(file, (16 << 20) + 1) == 0, "grow the file past 16 MiB");
	r = toml_parse_file(file, &err);
	ok(r == NULL && cpod_error_kind(err) == CPOD_ERR_INVALID, "a file past the cap is refused");
	want = xasprintf("reading '%s': larger than 16 MiB", file);
	is_str(cpod_error_message(err), want, "and the message says why");
	free(want);
	cpod_error_free(err);
	unlink(file);
	rmdir(dir);
	free(file);
	free(missing);
}

static const char containers_conf[] = "# The containers configuration file\n"
				      "[containers]\n"
				      "# default_capabilities = [\"CHOWN\"]\n"
				      "default_capabilities = [\n"
				      "  \"CHOWN\",\n"
				      "  \"DAC_OVERRIDE\",\n"
				      "  \"FOWNER\",   # trailing comment\n"
				      "]\n"
				      "default_sysctls = [\n"
				      "  \"net.ipv4.ping_group_range=0 0\",\n"
				      "]\n"
				      "log_size_max = -1\n"
				      "pids_limit = 2048\n"
				      "tz = \"\"\n"
				      "\n"
				      "[engine]\n"
				      "cgroup_manager = \"systemd\"\n"
				      "events_logger = \"journald\"\n"
				      "runtime = \"crun\"\n"
				      "\n"
				      "[engine.runtimes]\n"
				      "crun = [\n"
				      "  \"/usr/bin/crun\",\n"
				      "  \"/usr/local/bin/crun\",\n"
				      "]\n"
				      "\n"
				      "[engine.volume_plugins]\n"
				      "\n"
				      "[network]\n"
				      "network_backend = \"netavark\"\n"
				      "default_subnet_pools = [\n"
				      "  {\"base\" = \"10.89.0.0/16\", \"size\" = 24},\n"
				      "  {\"base\" = \"10.90.0.0/15\", \"size\" = 24},\n"
				      "]\n"
				      "\n"
				      "[machine]\n"
				      "cpus = 1\n";

static void test_containers_conf(void)
{
	toml_value *r = parse(containers_conf);
	const toml_value *caps = path(r, "containers.default_capabilities");
	const toml_value *pools = path(r, "network.default_subnet_pools");

	is_int(toml_array_len(caps), 3, "capabilities");
	is_str(toml_string(toml_array_at(caps, 2)), "FOWNER", "last capability");
	is_int(toml_int(path(r, "containers.log_size_max")), -1, "negative integer");
	is_str(toml_string(path(r, "engine.runtime")), "crun", "engine.runtime");
	is_str(toml_string(toml_array_at(path(r, "engine.runtimes.crun"), 1)),
	       "/usr/local/bin/crun", "runtime paths");
	is_int(toml_table_len(path(r, "engine.volume_plugins")), 0, "empty table");
	is_int(toml_int(toml_get(toml_array_at(pools, 1), "size")), 24, "subnet pool size");
	is_int(toml_line(path(r, "engine.runtime")), 19, "line of engine.runtime");
	is_str(toml_table_key(r, 0), "containers", "sections in order (1)");
	is_str(toml_table_key(r, 3), "machine", "sections in order (2)");
	toml_free(r);
}

int main(void)
{
	test_basic_strings();
	test_other_strings();
	test_integers();
	test_floats_and_bools();
	test_datetimes();
	test_tables_and_dotted_keys();
	test_arrays_of_tables();
	test_inline_tables();
	test_arrays();
	test_keys_and_duplicates();
	test_positions();
	test_depth();
	test_crlf_and_bom();
	test_unterminated_input();
	test_big_table();
	test_accessors();
	test_parse_file();
	test_containers_conf();
	return done_testing();
}
