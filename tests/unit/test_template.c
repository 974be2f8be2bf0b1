/* The template engine: every construct, every function, Go's printing rules, limits, and the
 * messages of bad templates and of templates failing on their data. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/format/template.h"
#include "common/xalloc.h"
#include "tap.h"

static const char *record = "{\"ID\":\"abc123\",\"Names\":[\"web\",\"db\"],\"Labels\":{\"b\":\"2\","
			    "\"a\":\"1\"},"
			    "\"Size\":1024,\"Ratio\":0.5,\"Running\":true,\"Empty\":\"\","
			    "\"Nothing\":null,"
			    "\"Nested\":{\"Inner\":{\"Val\":\"deep\"}},\"Ports\":[],\"Num\":-7,"
			    "\"Floats\":[1000000.0,123456.0,0.00001,3.0,1e21],\"Mixed\":[1,\"a\","
			    "null,{\"k\":[true]}]}";

/* Output of text on data (JSON text, NULL for nil), or "ERR: message". */
static char *run(const char *text, const char *json, unsigned flags, const tmpl_limits *lim)
{
	struct json_object *data = json ? json_tokener_parse(json) : NULL;
	cpod_error *err = NULL;
	tmpl *t = tmpl_parse(text, flags, &err);
	buf b = BUF_INIT;
	char *out;

	if (json && !data)
		return xstrdup("bad test json");
	if (t && tmpl_exec(t, data, &b, lim, &err) == 0) {
		out = buf_detach(&b, NULL);
	} else {
		out = xasprintf("ERR: %s", cpod_error_message(err));
		if (cpod_error_kind(err) != CPOD_ERR_INVALID)
			diag("error kind is %d, not CPOD_ERR_INVALID", cpod_error_kind(err));
	}
	buf_release(&b);
	cpod_error_free(err);
	tmpl_free(t);
	json_object_put(data);
	return out;
}

#define CHECK_FLAGS(text, json, flags, want, ...)          \
	do {                                               \
		char *got_ = run(text, json, flags, NULL); \
		is_str(got_, want, __VA_ARGS__);           \
		free(got_);                                \
	} while (0)
#define CHECK(text, want, ...) CHECK_FLAGS(text, record, 0, want, __VA_ARGS__)

static void test_text_and_fields(void)
{
	CHECK("hello", "hello", "plain text");
	CHECK("", "", "empty template");
	CHECK("{{.ID}}", "abc123", "field");
	CHECK("{{ .ID }}-{{.Size}}", "abc123-1024", "spaces inside actions");
	CHECK("a {{- .ID -}} b", "aabc123b", "trim markers");
	CHECK("a\n\t {{- .ID}}", "aabc123", "left trim eats newlines and tabs");
	CHECK("{{-3}}", "-3", "{{-3 is a number, not a trim marker");
	CHECK("a {{/* a comment */}} b", "a  b", "comment");
	CHECK("a {{- /* c */ -}} b", "ab", "comment with trim markers");
	CHECK("{{.Nested.Inner.Val}}", "deep", "field chain");
	CHECK("{{.Missing}}", "<no value>", "missing field");
	CHECK("{{.Nothing}}", "<no value>", "null field");
	CHECK("{{.Missing.Deeper}}", "<no value>", "field of a missing field");
	CHECK_FLAGS("{{.}}", "\"x\"", 0, "x", "dot");
	CHECK_FLAGS("{{.}}", NULL, 0, "<no value>", "nil dot");
	CHECK("{{$.ID}}", "abc123", "$ is the data");
	CHECK("line1\n{{.ID}}\nline3", "line1\nabc123\nline3", "text around actions");
	/* Go field names against JSON tags: exact key first, else the key equal ignoring case. */
	CHECK("{{.id}}", "abc123", "field matched ignoring case");
	CHECK("{{.nested.INNER.val}}", "deep", "chain matched ignoring case");
	CHECK_FLAGS("{{.Id}}", "{\"ID\":\"upper\",\"Id\":\"exact\"}", 0, "exact",
		    "the exact key wins over a case-insensitive one");
	CHECK_FLAGS("{{.Host.OCIRuntime.Name}}", "{\"host\":{\"ociRuntime\":{\"name\":\"runc\"}}}",
		    0, "runc", "podman's info template on its JSON tags");
}

static void test_printing(void)
{
	CHECK("{{.Names}}", "[web db]", "arrays print as [a b]");
	CHECK("{{.Labels}}", "map[a:1 b:2]", "maps print sorted as map[k:v]");
	CHECK("{{.Running}} {{.Ratio}} {{.Num}} {{.Size}}", "true 0.5 -7 1024", "scalars");
	CHECK("{{.Floats}}", "[1e+06 123456 1e-05 3 1e+21]", "floats print like Go's %%v");
	CHECK("{{.Mixed}}", "[1 a <nil> map[k:[true]]]", "nested values, nil inside is <nil>");
	CHECK("{{.Ports}} {{.Nested}}", "[] map[Inner:map[Val:deep]]", "empty array, nested map");
	CHECK("{{42}} {{-3}} {{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{1.5}} {{1e3}} {{true}} "
	      "{{'a'}}",
	      "42 -3 31 15 5 1000 1.5 1000 true 97", "number, bool and char literals");
	CHECK("{{\"a\\tb\\u00e9\\x41\"}}|{{`raw\\n`}}",
	      "a\tb\xc3\xa9"
	      "A|raw\\n",
	      "string literals");
	CHECK("{{18446744073709551615}}", "18446744073709551615", "uint64 literal");
}

static void test_variables(void)
{
	CHECK("{{$x := .ID}}{{$x}}", "abc123", "declared variable");
	CHECK("{{$x := 1}}{{$x = 2}}{{$x}}", "2", "assigned variable");
	CHECK("{{$x := 0}}{{range .Names}}{{$x = .}}{{end}}{{$x}}", "db",
	      "assignment inside range changes the outer variable");
	CHECK("{{$x := \"out\"}}{{if true}}{{$x := \"in\"}}{{$x}}{{end}}{{$x}}", "inout",
	      "declaration in a block shadows until {{end}}");
	CHECK("{{if $v := .ID}}{{$v}}{{else}}{{$v}}{{end}}", "abc123", "variable declared in if");
	CHECK("{{with $v := .Nested.Inner}}{{$v.Val}}{{end}}", "deep", "variable fields");
}

static void test_control(void)
{
	CHECK("{{if .Running}}up{{else}}down{{end}}", "up", "if");
	CHECK("{{if .Empty}}a{{else if .Ports}}b{{else}}c{{end}}", "c", "else if chain to else");
	CHECK("{{if .Empty}}a{{else if .Names}}b{{else}}c{{end}}", "b", "else if taken");
	CHECK("{{if .Nothing}}a{{end}}{{if .Missing}}b{{end}}{{if 0}}c{{end}}{{if "
	      ".Labels}}d{{end}}",
	      "d", "truth of nil, missing, 0, map");
	CHECK("{{with .Nested.Inner}}{{.Val}}{{end}}", "deep", "with sets dot");
	CHECK("{{with .Empty}}x{{else}}empty{{end}}", "empty", "with else");
	CHECK("{{with .Empty}}x{{else with .ID}}{{.}}{{end}}", "abc123", "else with");
	CHECK("{{range .Names}}[{{.}}]{{end}}", "[web][db]", "range over an array");
	CHECK("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", "0=web 1=db ",
	      "range index, value");
	CHECK("{{range $n := .Names}}{{$n}}{{$.ID}}{{end}}", "webabc123dbabc123",
	      "range one var, $");
	CHECK("{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}", "a:1;b:2;", "range map sorted");
	CHECK("{{range .Labels}}{{.}}{{end}}", "12", "range map values");
	CHECK("{{range .Ports}}x{{else}}none{{end}}", "none", "range else on empty");
	CHECK("{{range .Missing}}x{{else}}none{{end}}", "none", "range else on missing");
	CHECK("{{range 3}}{{.}}{{end}}", "012", "range over an integer");
	CHECK("{{range .Names}}{{if eq . \"db\"}}{{break}}{{end}}{{.}}{{end}}", "web", "break");
	CHECK("{{range .Names}}{{if eq . \"web\"}}{{continue}}{{end}}{{.}}{{end}}", "db",
	      "continue");
}

static void test_pipelines(void)
{
	CHECK("{{.ID | upper}}", "ABC123", "pipe into a function");
	CHECK("{{\",\" | join .Names}}", "web,db", "piped value is the last argument");
	CHECK("{{.Names | join \",\"}}",
	      "ERR: template: executing <join \",\"> at 1:12: wrong type "
	      "for value; expected string; got array",
	      "so .Names | join is join \",\" .Names, as in Go");
	CHECK("{{.ID | printf \"%s!\" | upper}}", "ABC123!", "three stages");
	CHECK("{{(index .Names 1) | upper}}", "DB", "parenthesised call");
	CHECK("{{(.Nested).Inner.Val}}", "deep", "fields after parentheses");
	CHECK("{{len (split \"a:b:c\" \":\")}}", "3", "nested call");
	CHECK("{{.ID |}}", "abc123", "a trailing pipe is accepted as in Go");
}

static void test_functions(void)
{
	CHECK("{{json .Labels}}", "{\"b\":\"2\",\"a\":\"1\"}", "json of a map");
	CHECK("{{json .ID}} {{json \"a/b<&>\"}} {{json .Nothing}}", "\"abc123\" \"a/b<&>\" null",
	      "json of strings and nil: no slash or HTML escaping");
	CHECK("{{json .Floats}}", "[1000000,123456,0.00001,3,1e+21]", "json numbers as Go");
	CHECK("{{index .Labels \"a\"}} {{index .Names 0}} {{index .Nested \"Inner\" \"Val\"}}",
	      "1 web deep", "index map, array, nested");
	CHECK("{{index .Labels \"zz\"}}", "<no value>", "index of a missing key");
	CHECK("{{index \"AB\" 1}}", "66", "index of a string is a byte");
	CHECK("{{join .Names \", \"}}|{{join .Ports \",\"}}|{{join .Missing \",\"}}", "web, db||",
	      "join");
	CHECK("{{lower \"ABC\"}} {{upper \"abc\"}} {{title \"hello world-foo_bar 9x\"}}",
	      "abc ABC Hello World-Foo_bar 9x", "lower upper title");
	CHECK("{{truncate .ID 3}} {{truncate .ID 100}} {{truncate .ID 0}}|", "abc abc123 |",
	      "truncate");
	CHECK("{{split \"a,b,\" \",\"}} {{len (split \"\" \",\")}} {{split \"h\xc3\xa9\" \"\"}}",
	      "[a b ] 1 [h \xc3\xa9]", "split");
	CHECK("[{{pad \"x\" 2 3}}][{{pad \"\" 2 3}}]", "[  x   ][]", "pad");
	CHECK("{{len .Names}} {{len .ID}} {{len .Labels}}", "2 6 2", "len");
	CHECK("{{eq .ID \"abc123\"}} {{ne .Size 1024}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} "
	      "{{ge 1.5 2}}",
	      "true false true true true false", "comparisons");
	CHECK("{{eq .ID \"x\" \"abc123\"}} {{eq .Nothing nil}} {{eq .Size 1024.0}}",
	      "true true true", "eq with several values, nil, int and float");
	CHECK("{{and 1 0}} {{or 0 \"x\"}} {{not .Empty}} {{and .Running .ID}}", "0 x true abc123",
	      "and or not return the deciding value");
	CHECK("{{or .ID (index .Names 5)}}|{{and .Empty (index .Names 5)}}|", "abc123||",
	      "and/or stop at the deciding argument");
	CHECK("{{print \"a\" 1 2 \"b\"}}|{{println \"a\" 1}}", "a1 2b|a 1\n", "print println");
}

static void test_printf(void)
{
	CHECK("{{printf \"%s|%5s|%-5s|%.2s\" \"a\" \"b\" \"c\" \"xyz\"}}", "a|    b|c    |xy",
	      "printf strings, width, precision");
	CHECK("{{printf \"%d %05d %x %X %o %b %+d % d %-4d|\" 42 42 255 255 8 5 5 5 7}}",
	      "42 00042 ff FF 10 101 +5  5 7   |", "printf integers");
	CHECK("{{printf \"%#x %#o %x %d\" 255 8 -255 -3}}", "0xff 010 -ff -3", "printf # and sign");
	CHECK("{{printf \"%q %q\" \"a\\\"b\\n\" 120}}", "\"a\\\"b\\n\" 'x'", "printf %%q");
	CHECK("{{printf \"%t %v %v\" true .Names .Labels}}", "true [web db] map[a:1 b:2]",
	      "printf %%t %%v");
	CHECK("{{printf \"%.2f %e %g %6.2f| %v\" 3.14159 1000000.0 0.5 3.14159 1e21}}",
	      "3.14 1.000000e+06 0.5   3.14| 1e+21", "printf floats");
	CHECK("{{printf \"%x %X %c %U\" \"hi\" \"hi\" 65 65}}", "6869 6869 A U+0041",
	      "printf %%x of strings, %%c %%U");
	CHECK("{{printf \"%d\" \"x\"}} {{printf \"%s\" 5}} {{printf \"%d\" .Names}}",
	      "%!d(string=x) %!s(int=5) [%!d(string=web) %!d(string=db)]", "printf bad verbs");
	CHECK("{{printf \"%s %s\" \"a\"}}|{{printf \"%s\" \"a\" 7}}|{{printf \"%%\"}}|{{printf "
	      "\"%\"}}",
	      "a %!s(MISSING)|a%!(EXTRA int=7)|%|%!(NOVERB)", "printf missing, extra, percent");
	CHECK("{{printf \"%n %p %*d|\" 4 7 3 8}}", "%!n(int=4) %!p(int=7)   8|",
	      "printf: C-only verbs are Go bad verbs, * width");
	CHECK("{{printf \"%v %s\" .Nothing .Nothing}}", "<nil> %!s(<nil>)", "printf of nil");
	CHECK("{{printf \"%\xc4\x80|%\xf0\x9f\x98\x80\" 5 \"x\"}}",
	      "%!\xc4\x80(int=5)|%!\xf0\x9f\x98\x80(string=x)", "printf: a non-ASCII verb is bad");
	CHECK("{{printf \"%5.1f|%-8v|%08.3f\" -2.25 true -3.14159}}", " -2.2|true    |-003.142",
	      "printf float padding and zero padding after the sign");
}

static void test_flags(void)
{
	CHECK_FLAGS("{{.ID}}\\t{{.Size}}\\n", record, TMPL_CLI_ESCAPES, "abc123\t1024\n",
		    "CLI escapes \\t and \\n in text");
	CHECK_FLAGS("{{.ID}}\\t", record, 0, "abc123\\t", "no CLI escapes without the flag");
	CHECK_FLAGS("{{printf \"%s\\n\" .ID}}", record, TMPL_CLI_ESCAPES, "abc123\n",
		    "escapes inside actions are Go's own");
	CHECK_FLAGS("{{.ID}}", record, TMPL_APPEND_NEWLINE, "abc123\n", "newline appended");
	CHECK_FLAGS("{{.ID}}\n", record, TMPL_APPEND_NEWLINE, "abc123\n", "newline not doubled");
	CHECK_FLAGS("{{.ID}}\\n", record, TMPL_APPEND_NEWLINE | TMPL_CLI_ESCAPES, "abc123\n",
		    "escaped newline counts as the final newline");
	CHECK_FLAGS("{{.ID -}}", record, TMPL_APPEND_NEWLINE, "abc123",
		    "a final -}} trims the appended newline, as in podman");
	CHECK_FLAGS("{{.ID}} {{.Size}} {{join .Names \", \"}}", record, TMPL_TABLE_SPACES,
		    "abc123\t1024\tweb, db", "table spaces become tabs in text only");
}

struct bad {
	const char *text;
	const char *msg;
};

static void test_parse_errors(void)
{
	static const struct bad bad[] = {
		{ "{{.ID }", "template: unexpected \"}\" in operand at 1:7" },
		{ "{{ .ID}", "template: bad character U+007D '}' at 1:4" },
		{ "{{.ID", "template: unclosed action at 1:6" },
		{ "{{end}}", "template: unexpected {{end}} at 1:1" },
		{ "{{else}}", "template: unexpected {{else}} at 1:1" },
		{ "{{if .A}}x", "template: unexpected EOF at 1:11" },
		{ "{{range .A}}{{else}}{{else}}{{end}}", "template: expected end; found {{else}} "
							 "at 1:29" },
		{ "{{foo .A}}", "template: function \"foo\" not defined at 1:3" },
		{ "{{join .Names}}", "template: wrong number of args for join: want 2 got 1 at "
				     "1:3" },
		{ "{{.Names | join}}", "template: wrong number of args for join: want 2 got 1 at "
				       "1:12" },
		{ "{{printf}}", "template: wrong number of args for printf: want at least 1 got 0 "
				"at 1:3" },
		{ "{{upper .A \"x\"}}", "template: wrong number of args for upper: want 1 got 2 at "
					"1:3" },
		{ "{{$x}}", "template: undefined variable \"$x\" at 1:3" },
		{ "{{.ID \"x\"}}", "template: can't give argument to non-function .ID at 1:3" },
		{ "{{\"x\" | .ID}}", "template: can't give argument to non-function .ID at 1:9" },
		{ "{{.A | 1}}", "template: non executable command in pipeline stage 2 at 1:8" },
		{ "{{}}", "template: missing value for command at 1:3" },
		{ "{{if}}{{end}}", "template: missing value for if at 1:5" },
		{ "{{nil}}", "template: nil is not a command at 1:3" },
		{ "{{/* x", "template: unclosed comment at 1:3" },
		{ "{{/* x */ .A}}", "template: comment ends before closing delimiter at 1:10" },
		{ "{{break}}", "template: {{break}} outside {{range}} at 1:3" },
		{ "{{\"abc}}", "template: unterminated quoted string at 1:3" },
		{ "{{12ab}}", "template: bad number syntax: \"12a\" at 1:3" },
		{ "{{\"\\q\"}}", "template: invalid syntax in string \"\\q\" at 1:3" },
		{ "{{(.A}}", "template: unclosed left paren at 1:6" },
		{ "{{.A)}}", "template: unexpected right paren U+0029 ')' at 1:5" },
		{ "{{define \"x\"}}{{end}}", "template: {{define}} is not supported at 1:3" },
		{ "{{range $a, $b, $c := .X}}{{end}}", "template: too many declarations in range "
						       "at 1:15" },
		{ "{{if $a, $b := .X}}{{end}}", "template: too many declarations in if at 1:8" },
		{ "{{.A=1}}", "template: bad character U+003D '=' at 1:3" },
		{ "{{1 .A}}", "template: can't give argument to non-function 1 at 1:3" },
		{ "{{\"x\".A}}", "template: unexpected . after term \"\\\"x\\\"\" at 1:6" },
		{ "{{99999999999999999999}}", "template: integer overflow: "
					      "\"99999999999999999999\" at 1:3" },
		{ "{{\x01}}", "template: unrecognized character in action: U+0001 at 1:3" },
		{ "ok\n{{.A\n  | foo}}", "template: function \"foo\" not defined at 3:5" },
	};
	char deep[2000] = "";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *want = xasprintf("ERR: %s", bad[i].msg);

		CHECK(bad[i].text, want, "bad template '%s'", bad[i].text);
		free(want);
	}
	for (int i = 0; i < 101; i++)
		memcpy(deep + 8 * i, "{{if 1}}", 8);
	CHECK(deep, "ERR: template: nesting deeper than 100 at 1:803", "nesting is capped");
}

static void test_exec_errors(void)
{
	tmpl_limits small = { .max_output = 100, .max_steps = 10000 };
	char *got;

	CHECK("{{.ID.Name}}",
	      "ERR: template: executing <.ID.Name> at 1:3: can't evaluate field Name in type "
	      "string",
	      "field of a string");
	CHECK("{{.Names.First}}",
	      "ERR: template: executing <.Names.First> at 1:3: can't evaluate "
	      "field First in type array",
	      "field of an array");
	CHECK_FLAGS("{{.ID}}", "[1,2]", 0,
		    "ERR: template: executing <.ID> at 1:3: can't evaluate field ID in type array",
		    "field of non-object data is an error, not a crash");
	CHECK_FLAGS("{{.ID}}", "\"s\"", 0,
		    "ERR: template: executing <.ID> at 1:3: can't evaluate field ID in type string",
		    "field of string data");
	CHECK("{{index .Names 5}}",
	      "ERR: template: executing <index .Names 5> at 1:3: index out of range: 5",
	      "index range");
	CHECK("{{index .Nothing 1}}",
	      "ERR: template: executing <index .Nothing 1> at 1:3: index of untyped nil",
	      "index nil");
	CHECK("{{range .ID}}{{end}}",
	      "ERR: template: executing <range> at 1:3: range can't iterate over string value",
	      "range over a string");
	CHECK("{{eq .ID 1}}",
	      "ERR: template: executing <eq .ID 1> at 1:3: incompatible types for "
	      "comparison: string and int",
	      "eq of mismatched types");
	CHECK("{{lt .Names 1}}",
	      "ERR: template: executing <lt .Names 1> at 1:3: invalid type for "
	      "comparison: array",
	      "lt of an array");
	CHECK("{{len .Size}}", "ERR: template: executing <len .Size> at 1:3: len of type int",
	      "len of an int");
	CHECK("{{truncate .ID -1}}",
	      "ERR: template: executing <truncate .ID -1> at 1:3: truncate: "
	      "negative length -1",
	      "negative truncate");
	CHECK("{{upper .Names}}",
	      "ERR: template: executing <upper .Names> at 1:3: wrong type for "
	      "value; expected string; got array",
	      "upper of an array");

	got = run("{{range 100000000}}{{end}}", record, 0, &small);
	is_str(got,
	       "ERR: template: executing <range> at 1:3: execution takes more than 10000 steps",
	       "step budget stops long loops");
	free(got);
	got = run("{{range 1000}}xxxxxxxxxx{{end}}", record, 0, &small);
	ok(strstr(got, "output exceeds 100 bytes") != NULL, "output cap: %s", got);
	free(got);
	got = run("{{$x := \"ab\"}}{{range 40}}{{$x = printf \"%s%s\" $x $x}}{{end}}", record, 0,
		  &small);
	ok(strstr(got, "result exceeds 100 bytes") != NULL, "string growth is capped: %s", got);
	free(got);
	got = run("{{pad \"x\" 1000000000 0}}", record, 0, NULL);
	ok(strstr(got, "result exceeds") != NULL, "huge pad is refused: %s", got);
	free(got);
	got = run("{{printf \"%100000000d\" 1}}", record, 0, NULL);
	is_str(got, "%!(NOVERB)%!(EXTRA int=1)", "huge printf width is Go's NOVERB");
	free(got);
}

static char *upper_header(const char *field, void *userdata)
{
	char *s = xasprintf("%s%s", (const char *)userdata, field);

	for (char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	return s;
}

static void test_header_mode(void)
{
	cpod_error *err = NULL;
	tmpl *t = tmpl_parse("{{.ID}}\t{{.Names | join \",\"}}\t{{json .Labels}}\t"
			     "{{if .Pod}}{{.Pod}}{{end}}\t{{.State.Status}}\t{{printf \"%d\" "
			     ".Size}}"
			     "\t{{range .Ports}}{{.}}{{end}}\t{{lower .x}}\t{{if eq .Size "
			     "0}}z{{end}}",
			     0, &err);
	buf b = BUF_INIT;

	ok(t != NULL, "header template parses");
	ok(tmpl_exec_header(t, upper_header, (void *)"", &b, NULL, &err) == 0, "header mode runs");
	is_str(b.s, "ID\tNAMES\tLABELS\tPOD\tSTATUS\tSIZE\tPORTS\tX\t",
	       "header mode: fields are headers, string functions pass them through");
	tmpl_free(t);
	buf_release(&b);
	cpod_error_free(err);
}

int main(void)
{
	test_text_and_fields();
	test_printing();
	test_variables();
	test_control();
	test_pipelines();
	test_functions();
	test_printf();
	test_flags();
	test_parse_errors();
	test_exec_errors();
	test_header_mode();
	return done_testing();
}
