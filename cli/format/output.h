/* The printing layer of list and inspect commands: --format handling as podman does it
 * (containers/common/pkg/report), on records that are json-c objects with podman's field
 * names.
 *
 * For lists (ps, images, volume ls ...), format_print_records():
 *   no --format      the command's default table: header row + aligned columns
 *   json             the records as one JSON array indented by 2 spaces (also "{{json}}",
 *                    "{{ json. }}"; "{{json .}}" is a template printing one line per record)
 *   table TEMPLATE   header row (unless noheading) and aligned columns; spaces in the text
 *                    of the template separate columns as tabs do
 *   TEMPLATE         executed per record, no header, no alignment; a template containing
 *                    {{range .}}...{{end}} is executed once over the whole array
 * In every template the two-character sequences \t and \n become a tab and a newline, and a
 * newline is appended unless the template already ends with one.
 *
 * The header of a column is the template evaluated in header mode (see tmpl_exec_header()):
 * a field's header is its override, else its name split at case changes and upper-cased
 * (CreatedAt -> CREATED AT, ID -> ID, ImageID -> IMAGE ID).
 */
#ifndef CPOD_FORMAT_OUTPUT_H
#define CPOD_FORMAT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <cpod/error.h>

#include "common/buf.h"

struct json_object;

typedef struct {
	const char *field;  /* a field name of the records, e.g. "ID" */
	const char *header; /* its column header, e.g. "container id" (printed upper-cased) */
} format_header;

typedef struct {
	const char *format;	      /* --format; NULL or "" when not given */
	const char *default_format;   /* the command's own table, e.g.
					 * "table {{.ID}}\t{{.Image}}\t{{.Names}}" */
	const format_header *headers; /* overrides ending with { NULL, NULL }; may be NULL */
	bool noheading;		      /* --noheading */
} format_list;

/* podman's report.IsJSON: "json", "{{json}}", "{{ json. }}" with any surrounding space. */
bool format_is_json(const char *format);
/* The format starts with "table ". */
bool format_is_table(const char *format);

/* The column header of a field: the override (upper-cased) if any, else podman's default.
 * Returns a malloc'ed string. */
char *format_header_name(const char *field, const format_header *overrides);

/* Renders records (a JSON array of objects, borrowed) as described above, appending to out.
 * Errors: CPOD_ERR_INVALID for a bad template or one failing on the data,
 * CPOD_ERR_INTERNAL when records is not an array or there is no format at all. */
int format_render_records(buf *out, const format_list *fl, struct json_object *records,
			  cpod_error **err);
/* Renders and writes to out; CPOD_ERR_SYSTEM when writing fails.  Nothing is written when
 * rendering fails. */
int format_print_records(FILE *out, const format_list *fl, struct json_object *records,
			 cpod_error **err);

/* For inspect: NULL, "" or json prints the objects (a JSON array, borrowed) as a JSON array
 * indented by 5 spaces like podman inspect; otherwise the template is executed per object
 * (or once over all with {{range .}}), "table" aligning columns without a header row. */
int format_render_objects(buf *out, const char *format, struct json_object *objects,
			  cpod_error **err);
int format_print_objects(FILE *out, const char *format, struct json_object *objects,
			 cpod_error **err);

#endif
