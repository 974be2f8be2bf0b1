/* Go's text/tabwriter algorithm without its recursion: Go formats column by column,
 * recursing into each block of lines that has a cell in the next column.  A block of column j
 * is exactly a maximal run of consecutive lines with more than j+1 cells, so one pass that
 * keeps the open run of every column gives each cell its block, in time linear in the cells
 * and without a recursion as deep as the number of columns.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "goprint.h"
#include "tabwriter.h"
#include "common/banned.h"

struct cell {
	size_t off, size, width;
	bool htab;  /* ended by '\t' rather than '\v' */
	size_t run; /* the column block, for cells ended by a tab */
};

struct line {
	size_t first, n; /* its cells */
	bool newline;	 /* ended by '\n' or '\f' (the last line may not be) */
};

struct run {
	size_t width;	  /* widest cell */
	bool discardable; /* every cell empty and ended by '\v' */
};

struct table {
	struct cell *cells;
	size_t ncells, cells_alloc;
	struct line *lines;
	size_t nlines, lines_alloc;
	struct run *runs;
	size_t nruns, runs_alloc;
};

static void add_cell(struct table *t, const char *text, size_t off, size_t end, bool htab)
{
	if (t->ncells == t->cells_alloc) {
		t->cells_alloc = t->cells_alloc ? 2 * t->cells_alloc : 64;
		t->cells = xreallocarray(t->cells, t->cells_alloc, sizeof(*t->cells));
	}
	t->cells[t->ncells++] =
		(struct cell){ off, end - off, go_rune_count(text + off, end - off), htab, 0 };
}

static void add_line(struct table *t, size_t first, bool newline)
{
	if (t->nlines == t->lines_alloc) {
		t->lines_alloc = t->lines_alloc ? 2 * t->lines_alloc : 32;
		t->lines = xreallocarray(t->lines, t->lines_alloc, sizeof(*t->lines));
	}
	t->lines[t->nlines++] = (struct line){ first, t->ncells - first, newline };
}

static size_t new_run(struct table *t)
{
	if (t->nruns == t->runs_alloc) {
		t->runs_alloc = t->runs_alloc ? 2 * t->runs_alloc : 32;
		t->runs = xreallocarray(t->runs, t->runs_alloc, sizeof(*t->runs));
	}
	t->runs[t->nruns] = (struct run){ 0, true };
	return t->nruns++;
}

/* Cuts the text into lines of cells; '\f' lines are marked by closing every run. */
static void split(struct table *t, const char *text, size_t len, bool **ret_ff)
{
	size_t start = 0, first = 0;
	bool *ff = NULL;
	size_t ff_alloc = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c != '\t' && c != '\v' && c != '\n' && c != '\f')
			continue;
		add_cell(t, text, start, i, c == '\t');
		start = i + 1;
		if (c == '\n' || c == '\f') {
			add_line(t, first, true);
			if (t->nlines > ff_alloc) {
				ff_alloc = 2 * t->nlines;
				ff = xreallocarray(ff, ff_alloc, sizeof(*ff));
			}
			ff[t->nlines - 1] = c == '\f';
			first = t->ncells;
		}
	}
	/* At the end Go ends the pending cell only when it has text: "a\t" is one cell. */
	if (start < len)
		add_cell(t, text, start, len, false);
	if (t->ncells > first) {
		add_line(t, first, false);
		if (t->nlines > ff_alloc)
			ff = xreallocarray(ff, t->nlines, sizeof(*ff));
		ff[t->nlines - 1] = false;
	}
	*ret_ff = ff;
}

/* Gives every tab-ended cell its column block and each block its width. */
static void assign_runs(struct table *t, const bool *ff)
{
	size_t *active = NULL, nactive = 0, alloc = 0;

	for (size_t l = 0; l < t->nlines; l++) {
		struct line *ln = &t->lines[l];
		size_t ncols = ln->n ? ln->n - 1 : 0;

		if (ncols > alloc) {
			alloc = ncols;
			active = xreallocarray(active, alloc, sizeof(*active));
		}
		for (size_t j = 0; j < ncols; j++) {
			struct cell *c = &t->cells[ln->first + j];
			struct run *r;

			if (j >= nactive)
				active[j] = new_run(t);
			c->run = active[j];
			r = &t->runs[c->run];
			if (c->width > r->width)
				r->width = c->width;
			if (c->width > 0 || c->htab)
				r->discardable = false;
		}
		nactive = ff[l] ? 0 : ncols;
	}
	free(active);
}

static int padding(buf *out, const tabwriter_opts *o, size_t textw, size_t cellw)
{
	if (o->padchar == '\t') {
		size_t tw = (size_t)o->tabwidth, n;

		if (tw == 0)
			return 0;
		cellw = (cellw + tw - 1) / tw * tw;
		n = cellw - textw;
		for (size_t k = 0; k < (n + tw - 1) / tw; k++)
			if (buf_addch(out, '\t') < 0)
				return -1;
		return 0;
	}
	for (size_t k = textw; k < cellw; k++)
		if (buf_addch(out, o->padchar) < 0)
			return -1;
	return 0;
}

static size_t run_width(const struct table *t, const tabwriter_opts *o, size_t run)
{
	size_t w = t->runs[run].width + (size_t)(o->padding > 0 ? o->padding : 0);

	if (t->runs[run].discardable && (o->flags & TABWRITER_DISCARD_EMPTY_COLUMNS))
		return 0;
	return w < (size_t)(o->minwidth > 0 ? o->minwidth : 0) ? (size_t)o->minwidth : w;
}

static int write_line(buf *out, const struct table *t, const struct line *ln, const char *text,
		      const tabwriter_opts *o)
{
	bool right = (o->flags & TABWRITER_ALIGN_RIGHT) && o->padchar != '\t';

	for (size_t j = 0; j < ln->n; j++) {
		const struct cell *c = &t->cells[ln->first + j];
		bool column = j + 1 < ln->n;
		size_t w = column ? run_width(t, o, c->run) : 0;

		if (column && (c->size == 0 || right) && padding(out, o, c->width, w) < 0)
			return -1;
		if (c->size && buf_add(out, text + c->off, c->size) < 0)
			return -1;
		if (column && c->size && !right && padding(out, o, c->width, w) < 0)
			return -1;
	}
	return ln->newline ? buf_addch(out, '\n') : 0;
}

int tabwriter_format(buf *out, const char *text, size_t len, const tabwriter_opts *o)
{
	struct table t = { 0 };
	bool *ff = NULL;
	int r = 0;

	split(&t, text, len, &ff);
	assign_runs(&t, ff);
	for (size_t l = 0; l < t.nlines && r == 0; l++)
		r = write_line(out, &t, &t.lines[l], text, o);
	free(ff);
	free(t.cells);
	free(t.lines);
	free(t.runs);
	if (r < 0)
		errno = EFBIG;
	return r;
}
