/* The printing layer: Go-compatible column alignment (checked against the cases of Go's own
 * text/tabwriter tests), podman's --format rules for lists and inspect, header names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/format/output.h"
#include "cli/format/tabwriter.h"
#include "common/xalloc.h"
#include "tap.h"

struct tw_case {
	const char *name;
	tabwriter_opts opts;
	const char *src, *want;
};

static const struct tw_case tw_cases[] = {
	{ "1", { 8, 0, 1, '.', 0 }, "", "" },
	{ "2", { 8, 0, 1, '.', 0 }, "\n\n\n", "\n\n\n" },
	{ "3", { 8, 0, 1, '.', 0 }, "a\nb\nc", "a\nb\nc" },
	{ "4a", { 8, 0, 1, '.', 0 }, "\t", "" },
	{ "4b", { 8, 0, 1, '.', TABWRITER_ALIGN_RIGHT }, "\t", "" },
	{ "5", { 8, 0, 1, '.', 0 }, "*\t*", "*.......*" },
	{ "5b", { 8, 0, 1, '.', 0 }, "*\t*\n", "*.......*\n" },
	{ "5c", { 8, 0, 1, '.', 0 }, "*\t*\t", "*.......*" },
	{ "5d", { 8, 0, 1, '.', TABWRITER_ALIGN_RIGHT }, "*\t*\t", ".......**" },
	{ "6", { 8, 0, 1, '.', 0 }, "\t\n", "........\n" },
	{ "7a", { 8, 0, 1, '.', 0 }, "a) foo", "a) foo" },
	{ "7b", { 8, 0, 1, ' ', 0 }, "b) foo\tbar", "b) foo  bar" },
	{ "7c", { 8, 0, 1, '.', 0 }, "c) foo\tbar\t", "c) foo..bar" },
	{ "7d", { 8, 0, 1, '.', 0 }, "d) foo\tbar\n", "d) foo..bar\n" },
	{ "7e", { 8, 0, 1, '.', 0 }, "e) foo\tbar\t\n", "e) foo..bar.....\n" },
	{ "8", { 8, 0, 1, '*', 0 }, "Hello, world!\n", "Hello, world!\n" },
	{ "9a",
	  { 1, 0, 0, '.', 0 },
	  "1\t2\t3\t4\n11\t222\t3333\t44444\n",
	  "1.2..3...4\n11222333344444\n" },
	{ "9c",
	  { 1, 0, 0, '.', 0 },
	  "1\t2\t3\t4\f11\t222\t3333\t44444\n",
	  "1234\n11222333344444\n" },
	{ "10a", { 5, 0, 0, '.', 0 }, "1\t2\t3\t4\n", "1....2....3....4\n" },
	{ "10b", { 5, 0, 0, '.', 0 }, "1\t2\t3\t4\t\n", "1....2....3....4....\n" },
	{ "11",
	  { 8, 0, 1, '.', 0 },
	  "\xe6\x9c\xac\tb\tc\naa\t\xe6\x9c\xac\xe6\x9c\xac\xe6\x9c\xac\tcccc\tddddd\naaa\tbbbb\n",
	  "\xe6\x9c\xac.......b.......c\n"
	  "aa......\xe6\x9c\xac\xe6\x9c\xac\xe6\x9c\xac.....cccc....ddddd\naaa.....bbbb\n" },
	{ "12a",
	  { 8, 0, 1, ' ', TABWRITER_ALIGN_RIGHT },
	  "a\t\xc3\xa8\tc\t\naa\t\xc3\xa8\xc3\xa8\xc3\xa8\tcccc\tddddd\t\naaa\t"
	  "\xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8\t\n",
	  "       a       \xc3\xa8       c\n      aa     \xc3\xa8\xc3\xa8\xc3\xa8    cccc   ddddd\n"
	  "     aaa    \xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8\n" },
	{ "12b",
	  { 2, 0, 0, ' ', 0 },
	  "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
	  "a  b  c\naa bbbcccc\naaabbbb\n" },
	{ "12c",
	  { 8, 0, 1, '_', 0 },
	  "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
	  "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n" },
	{ "13a",
	  { 4, 0, 1, '-', 0 },
	  "4444\t\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\t22\t1\t333\n999999999\t22\n7\t22\n"
	  "\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
	  "4444------\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e-22--1---333\n999999999-22\n7---------22\n"
	  "------------------88888888\n\n666666-666666-666666----4444\n"
	  "1------1------999999999-0000000000\n" },
	{ "13b",
	  { 4, 0, 3, '.', 0 },
	  "4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n"
	  "666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
	  "4444........333...22...1...333\n999999999...22\n7...........22\n"
	  "....................88888888\n\n666666...666666...666666......4444\n"
	  "1........1........999999999...0000000000\n" },
	{ "14",
	  { 1, 0, 2, ' ', TABWRITER_ALIGN_RIGHT },
	  ".0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n"
	  ".0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t",
	  "    .0          .3    2.4    -5.1\n  23.0  12345678.9    2.4  -989.4\n"
	  "   5.1        12.0    2.4    -7.0\n    .0         0.0  332.0  8908.0\n"
	  "    .0         -.3  456.4    22.1\n    .0         1.2   44.4   -13.3" },
	{ "15a", { 4, 0, 0, '.', 0 }, "a\t\tb", "a.......b" },
	{ "15b", { 4, 0, 0, '.', TABWRITER_DISCARD_EMPTY_COLUMNS }, "a\t\tb", "a.......b" },
	{ "15c", { 4, 0, 0, '.', TABWRITER_DISCARD_EMPTY_COLUMNS }, "a\v\vb", "a...b" },
	{ "15d",
	  { 4, 0, 0, '.', TABWRITER_ALIGN_RIGHT | TABWRITER_DISCARD_EMPTY_COLUMNS },
	  "a\v\vb",
	  "...ab" },
	{ "16a",
	  { 100, 100, 0, '\t', 0 },
	  "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
	  "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n" },
	{ "16b",
	  { 100, 100, 0, '\t', TABWRITER_DISCARD_EMPTY_COLUMNS },
	  "a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n",
	  "a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n" },
	{ "example tabs",
	  { 0, 8, 0, '\t', 0 },
	  "a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n",
	  "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n\n" },
	{ "example right",
	  { 5, 0, 1, ' ', TABWRITER_ALIGN_RIGHT },
	  "a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n",
	  "    a     b       c         d.\n  123 12345 1234567 123456789.\n\n" },
	{ "podman", TABWRITER_PODMAN, "CONTAINER ID\tNAMES\nabc\tweb\n",
	  "CONTAINER ID  NAMES\nabc           web\n" },
};

static void test_tabwriter(void)
{
	buf capped;

	for (size_t i = 0; i < sizeof(tw_cases) / sizeof(tw_cases[0]); i++) {
		const struct tw_case *c = &tw_cases[i];
		buf b = BUF_INIT;

		ok(tabwriter_format(&b, c->src, strlen(c->src), &c->opts) == 0, "tabwriter %s runs",
		   c->name);
		is_str(b.s, c->want, "tabwriter case %s", c->name);
		buf_release(&b);
	}
	buf_init(&capped, 10);
	ok(tabwriter_format(&capped, "a\tb\nccccc\td\n", 12, &TABWRITER_PODMAN) < 0, "tabwriter "
										     "fails past "
										     "the buffer's "
										     "cap");
	buf_release(&capped);
}

static const char *records_json =
	"[{\"ID\":\"3f2a1b0c9d8e\",\"Image\":\"docker.io/library/alpine:latest\","
	"\"Names\":[\"web\"],\"Status\":\"Up 2 minutes\",\"CreatedAt\":\"2024-01-01\","
	"\"Labels\":{\"app\":\"x\"}},"
	"{\"ID\":\"aa11bb22cc33\",\"Image\":\"busybox\",\"Names\":[\"db\",\"db2\"],"
	"\"Status\":\"Exited (0)\",\"CreatedAt\":\"2024-01-02\",\"Labels\":{}}]";

static const format_header ps_headers[] = {
	{ "ID", "container id" },
	{ "Names", "names" },
	{ NULL, NULL },
};

#define PS_DEFAULT "table {{.ID}}\t{{.Image}}\t{{.Status}}"

/* Renders records with a format, or returns "ERR: message". */
static char *list(const char *format, const char *json, bool noheading)
{
	struct json_object *recs = json_tokener_parse(json);
	format_list fl = { format, PS_DEFAULT, ps_headers, noheading };
	cpod_error *err = NULL;
	buf b = BUF_INIT;
	char *out;

	if (format_render_records(&b, &fl, recs, &err) == 0)
		out = buf_detach(&b, NULL);
	else
		out = xasprintf("ERR: %s", cpod_error_message(err));
	buf_release(&b);
	cpod_error_free(err);
	json_object_put(recs);
	return out;
}

#define LIST(format, json, noheading, want, ...)            \
	do {                                                \
		char *got_ = list(format, json, noheading); \
		is_str(got_, want, __VA_ARGS__);            \
		free(got_);                                 \
	} while (0)

static void test_records(void)
{
	LIST(NULL, records_json, false,
	     "CONTAINER ID  IMAGE                            STATUS\n"
	     "3f2a1b0c9d8e  docker.io/library/alpine:latest  Up 2 minutes\n"
	     "aa11bb22cc33  busybox                          Exited (0)\n",
	     "default table: override header, aligned like podman");
	LIST("", records_json, true,
	     "3f2a1b0c9d8e  docker.io/library/alpine:latest  Up 2 minutes\n"
	     "aa11bb22cc33  busybox                          Exited (0)\n",
	     "empty --format is the default; --noheading drops the header");
	LIST("table {{.ID}}\\t{{.Names}}", records_json, false,
	     "CONTAINER ID  NAMES\n3f2a1b0c9d8e  [web]\naa11bb22cc33  [db db2]\n",
	     "table with a literal \\t from the command line");
	LIST("table {{.ID}} {{.Names}}", records_json, false,
	     "CONTAINER ID  NAMES\n3f2a1b0c9d8e  [web]\naa11bb22cc33  [db db2]\n",
	     "table: a space separates columns");
	LIST("table {{.Image}}\t{{.CreatedAt}}", records_json, false,
	     "IMAGE                            CREATED AT\n"
	     "docker.io/library/alpine:latest  2024-01-01\n"
	     "busybox                          2024-01-02\n",
	     "header without override: camel case split and upper-cased");
	LIST("table {{.ID | upper}}\t{{json .Labels}}\t{{.Missing}}", records_json, false,
	     "CONTAINER ID  LABELS       MISSING\n"
	     "3F2A1B0C9D8E  {\"app\":\"x\"}  <no value>\n"
	     "AA11BB22CC33  {}           <no value>\n",
	     "functions keep the field's header");
	LIST("table {{.ID}}", "[]", false, "CONTAINER ID\n", "no records: header only");
	LIST("table {{.ID}}", "[]", true, "", "no records and no header: nothing");
	LIST("{{.ID}} {{.Status}}", records_json, false,
	     "3f2a1b0c9d8e Up 2 minutes\naa11bb22cc33 Exited (0)\n",
	     "plain template: no header, no alignment, a newline per record");
	LIST("{{.ID}}\\t{{.Image}}\\n", records_json, false,
	     "3f2a1b0c9d8e\tdocker.io/library/alpine:latest\naa11bb22cc33\tbusybox\n",
	     "plain template: \\t and \\n from the command line, no second newline");
	LIST("{{range .}}{{.ID}},{{end}}", records_json, false, "3f2a1b0c9d8e,aa11bb22cc33,\n",
	     "{{range .}} runs once over all records");
	LIST("{{json .}}", "[{\"A\":1},{\"A\":2}]", false, "{\"A\":1}\n{\"A\":2}\n",
	     "{{json .}} prints one compact line per record");
	LIST("json", "[{\"A\":1,\"B\":[],\"C\":{},\"D\":\"x/y\",\"E\":[1,{\"F\":null}]}]", false,
	     "[\n  {\n    \"A\": 1,\n    \"B\": [],\n    \"C\": {},\n    \"D\": \"x/y\",\n"
	     "    \"E\": [\n      1,\n      {\n        \"F\": null\n      }\n    ]\n  }\n]\n",
	     "json: one array indented by 2 spaces, as podman ps");
	LIST(" {{ json }} ", "[]", false, "[]\n", "{{ json }} means json too; empty array is []");
	LIST("table {{.ID", records_json, false, "ERR: template: unclosed action at 1:6",
	     "bad template: error with position");
	LIST("{{.ID.X}}", records_json, false,
	     "ERR: template: executing <.ID.X> at 1:3: can't evaluate field X in type string",
	     "template failing on the data");
	LIST("{{.ID}}", "{\"ID\":1}", false, "ERR: format: the records are not an array",
	     "records must be an array");
}

static void test_json_and_headers(void)
{
	static const format_header none[] = { { NULL, NULL } };
	static const struct {
		const char *field, *want;
	} names[] = {
		{ "ID", "ID" },
		{ "CreatedAt", "CREATED AT" },
		{ "ImageID", "IMAGE ID" },
		{ "PDFLoader", "PDF LOADER" },
		{ "GL11Version", "GL 11 VERSION" },
		{ "vimRPCPlugin", "VIM RPC PLUGIN" },
		{ "MyC", "MY C" },
		{ "Names", "NAMES" },
	};
	char *h;

	ok(format_is_json("json"), "json");
	ok(format_is_json("  json\n"), "json with space");
	ok(format_is_json("{{json}}") && format_is_json("{{ json. }}"), "{{json}} {{ json. }}");
	ok(!format_is_json("{{json .}}"), "{{json .}} is a template");
	ok(!format_is_json("jsonx") && !format_is_json("table json") && !format_is_json(NULL),
	   "other formats are not json");
	ok(format_is_table("table {{.ID}}") && !format_is_table("{{.ID}}") &&
		   !format_is_table("table"),
	   "table needs the keyword and a space");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		h = format_header_name(names[i].field, none);
		is_str(h, names[i].want, "header of %s", names[i].field);
		free(h);
	}
	h = format_header_name("ID", ps_headers);
	is_str(h, "CONTAINER ID", "override is upper-cased");
	free(h);
}

static char *objects(const char *format, const char *json)
{
	struct json_object *objs = json_tokener_parse(json);
	cpod_error *err = NULL;
	buf b = BUF_INIT;
	char *out;

	if (format_render_objects(&b, format, objs, &err) == 0)
		out = buf_detach(&b, NULL);
	else
		out = xasprintf("ERR: %s", cpod_error_message(err));
	buf_release(&b);
	cpod_error_free(err);
	json_object_put(objs);
	return out;
}

static void test_objects(void)
{
	char *got;

	got = objects(NULL, "[{\"Id\":\"x\",\"State\":{\"Running\":true}}]");
	is_str(got,
	       "[\n     {\n          \"Id\": \"x\",\n          \"State\": {\n"
	       "               \"Running\": true\n          }\n     }\n]\n",
	       "inspect default: JSON indented by 5 spaces like podman inspect");
	free(got);
	got = objects("json", "[]");
	is_str(got, "[]\n", "inspect json of nothing");
	free(got);
	got = objects("{{.Id}} {{.State.Running}}", "[{\"Id\":\"x\",\"State\":{\"Running\":true}},"
						    "{\"Id\":\"y\",\"State\":{\"Running\":false}}"
						    "]");
	is_str(got, "x true\ny false\n", "inspect template per object");
	free(got);
	got = objects("table {{.Id}}\t{{.Name}}", "[{\"Id\":\"x\",\"Name\":\"a\"},"
						  "{\"Id\":\"yyyyyyyyyyyyyy\",\"Name\":\"b\"}]");
	is_str(got, "x               a\nyyyyyyyyyyyyyy  b\n", "inspect table: aligned, no header");
	free(got);
	got = objects("{{.Id", "[]");
	is_str(got, "ERR: template: unclosed action at 1:6", "inspect bad template");
	free(got);
}

static void test_print(void)
{
	struct json_object *recs = json_tokener_parse(records_json);
	format_list fl = { "{{.ID}}", PS_DEFAULT, ps_headers, false };
	cpod_error *err = NULL;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	FILE *full;

	ok(format_print_records(f, &fl, recs, &err) == 0, "print records");
	fclose(f);
	is_str(mem, "3f2a1b0c9d8e\naa11bb22cc33\n", "printed to the stream");
	free(mem);

	mem = NULL;
	f = open_memstream(&mem, &len);
	fl.format = "{{.Nope";
	ok(format_print_records(f, &fl, recs, &err) < 0, "bad template fails");
	fclose(f);
	is_int(len, 0, "nothing printed when rendering fails");
	ok(cpod_error_kind(err) == CPOD_ERR_INVALID, "bad template is CPOD_ERR_INVALID");
	cpod_error_free(err);
	err = NULL;
	free(mem);

	full = fopen("/dev/full", "w");
	if (full) {
		fl.format = "{{.ID}}";
		ok(format_print_records(full, &fl, recs, &err) < 0 &&
			   cpod_error_kind(err) == CPOD_ERR_SYSTEM,
		   "a failing write is CPOD_ERR_SYSTEM: %s", cpod_error_message(err));
		fclose(full);
		cpod_error_free(err);
		err = NULL;
	}
	mem = NULL;
	f = open_memstream(&mem, &len);
	ok(format_print_objects(f, "{{.ID}}", recs, &err) == 0, "print objects");
	fclose(f);
	is_str(mem, "3f2a1b0c9d8e\naa11bb22cc33\n", "objects printed to the stream");
	free(mem);
	json_object_put(recs);
}

int main(void)
{
	test_tabwriter();
	test_records();
	test_json_and_headers();
	test_objects();
	test_print();
	return done_testing();
}
