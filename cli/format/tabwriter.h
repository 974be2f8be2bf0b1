/* Column alignment compatible with Go's text/tabwriter.
 *
 * Text is cut into cells at '\t' (and '\v'); a cell ended by a tab belongs to a column, the
 * last cell of a line does not.  A column block is a run of consecutive lines that all have
 * a cell in that column; its width is the widest cell (in UTF-8 runes) plus padding, at
 * least minwidth.  '\f' ends a line and every block.  Go's escape character (0xff) and the
 * Debug / FilterHTML / TabIndent / StripEscape flags are not implemented.
 */
#ifndef CPOD_FORMAT_TABWRITER_H
#define CPOD_FORMAT_TABWRITER_H

#include <stddef.h>

#include "common/buf.h"

enum {
	TABWRITER_ALIGN_RIGHT = 1 << 0,		  /* cell text flush right */
	TABWRITER_DISCARD_EMPTY_COLUMNS = 1 << 1, /* columns of empty '\v' cells take no room */
};

typedef struct {
	int minwidth;	/* smallest column width, padding included */
	int tabwidth;	/* width of a tab when padding with tabs */
	int padding;	/* added to the widest cell of a column */
	char padchar;	/* ' ', or '\t' to pad with tabs (which forces left alignment) */
	unsigned flags; /* TABWRITER_* */
} tabwriter_opts;

/* What podman's tables use: tabwriter.NewWriter(w, 12, 2, 2, ' ', 0). */
#define TABWRITER_PODMAN ((tabwriter_opts){ 12, 2, 2, ' ', 0 })

/* Appends text[0..len) aligned to out.  Returns 0, or -1 with errno EFBIG past out's cap. */
int tabwriter_format(buf *out, const char *text, size_t len, const tabwriter_opts *opts);

#endif
