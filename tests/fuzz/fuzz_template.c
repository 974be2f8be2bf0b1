/* Fuzzes the template engine: the first byte picks the parse flags (its low three bits, so
 * the digits '0'..'7' in a seed file), the rest is the template.  A template that parses is
 * executed against a fixed record, in header mode, and its output is aligned by the
 * tabwriter.  Any failure must be a CPOD_ERR_INVALID "template: ..." error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/format/output.h"
#include "cli/format/tabwriter.h"
#include "cli/format/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *sample =
	"{\"ID\":\"3f2a1b0c9d8e7f6a\",\"Names\":[\"web\",\"db\",\"\xc3\xa9t\xc3\xa9\"],"
	"\"Labels\":{\"app\":\"x\",\"com.example.tier\":\"front\",\"empty\":\"\"},"
	"\"Size\":1024,\"Neg\":-7,\"Big\":18446744073709551615,\"Ratio\":0.25,\"Huge\":1e300,"
	"\"Running\":true,\"Stopped\":false,\"Nothing\":null,\"Ports\":[],"
	"\"Mounts\":[{\"Source\":\"/a\",\"Destination\":\"/b\",\"RW\":true}],"
	"\"State\":{\"Status\":\"running\",\"Pid\":42,\"Health\":{\"Log\":[1,2.5,\"x\",null]}}}";

static struct json_object *record;

static void check_error(cpod_error *err)
{
	if (!err || cpod_error_kind(err) != CPOD_ERR_INVALID ||
	    strncmp(cpod_error_message(err), "template: ", 10) != 0)
		abort();
}

static char *header(const char *field, void *userdata)
{
	return format_header_name(field, userdata);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const format_header overrides[] = { { "ID", "container id" }, { NULL, NULL } };
	tmpl_limits lim = { .max_output = 1 << 16, .max_steps = 20000 };
	cpod_error *err = NULL;
	buf out = BUF_INIT, aligned = BUF_INIT;
	unsigned flags;
	char *text;
	tmpl *t;

	if (!record)
		record = json_tokener_parse(sample);
	if (size == 0)
		return 0;
	flags = data[0] & 7;
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	t = tmpl_parse(text, flags, &err);
	if (!t) {
		check_error(err);
		goto done;
	}
	if (tmpl_exec(t, record, &out, &lim, &err) < 0) {
		check_error(err);
		cpod_error_free(err);
		err = NULL;
	}
	if (tmpl_exec_header(t, header, (void *)overrides, &out, &lim, &err) < 0)
		check_error(err);
	if (tabwriter_format(&aligned, out.s, out.len, &TABWRITER_PODMAN) < 0)
		abort();
	(void)format_is_json(text);
	tmpl_free(t);
done:
	cpod_error_free(err);
	buf_release(&out);
	buf_release(&aligned);
	free(text);
	return 0;
}
