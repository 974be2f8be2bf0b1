/* Printing json-c values the way Go prints them, for podman-compatible output:
 * fmt's %v and Printf verbs, strconv's quoting, encoding/json's output.
 *
 * A value is a `struct json_object *` (NULL is Go's nil).  Every function appends to a buf and
 * returns 0, or -1 with errno EFBIG when the buffer's cap is reached or ELOOP when values nest
 * deeper than TMPL_MAX_VALUE_DEPTH; on failure the buffer holds a partial result.
 */
#ifndef CPOD_FORMAT_GOPRINT_H
#define CPOD_FORMAT_GOPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct json_object;

/* What {{.X}} prints: like fmt.Print, but a nil value is "<no value>" (text/template's
 * output for a missing map key); nested nils print "<nil>", maps as map[k:v] sorted by key. */
int go_print_value(buf *b, struct json_object *v);

/* fmt.Sprintf: verbs %v %s %d %q %t %x %X %o %O %b %c %U %e %E %f %F %g %G %%, flags
 * "+- #0", width and precision (also '*'), and Go's %!v(MISSING), %!d(string=x),
 * %!(EXTRA ...), %!(NOVERB), %!(BADWIDTH), %!(BADPREC) markers.  The format is interpreted
 * here; nothing of it reaches C's printf. */
int go_sprintf(buf *b, const char *format, size_t len, struct json_object *const *args, size_t n);
/* fmt.Sprint (spaces between operands when neither is a string) and fmt.Sprintln. */
int go_sprint(buf *b, struct json_object *const *args, size_t n);
int go_sprintln(buf *b, struct json_object *const *args, size_t n);

/* strconv.FormatFloat(f, 'g', -1, 64), which is what %v prints. */
int go_format_float(buf *b, double f);

/* encoding/json without HTML escaping: compact when indent is NULL, else like
 * json.MarshalIndent(v, "", indent) (empty arrays and objects stay [] and {}). */
int go_json(buf *b, struct json_object *v, const char *indent);

/* strconv.Quote of the bytes s[0..n). */
int go_quote(buf *b, const char *s, size_t n);
/* strconv.Unquote of a "double-quoted" literal (ret_rune NULL) or a 'c' character literal
 * (its rune in *ret_rune).  Returns -1 (errno EINVAL) on bad syntax. */
int go_unquote(buf *b, const char *s, size_t n, int32_t *ret_rune);

/* UTF-8 as Go sees it: an invalid byte is one rune (U+FFFD). */
size_t go_decode_rune(const char *s, size_t n, int32_t *ret_rune);
size_t go_rune_count(const char *s, size_t n);
/* Bytes taken by the first `runes` runes of s[0..n). */
size_t go_rune_prefix(const char *s, size_t n, size_t runes);
void go_encode_rune(buf *b, int32_t r);

/* Go's name of a value's type in %!verb(type=value): bool, int, float64, string,
 * []interface {}, map[string]interface {}. */
const char *go_type_name(struct json_object *v);

/* The integer value of a json-c int as a string (json-c ints are int64, or uint64 above
 * INT64_MAX). */
void go_int_string(struct json_object *v, char out[24]);

#endif
