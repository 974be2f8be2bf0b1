/* Pull progress bars on a terminal (see progress.h). */
#include "progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "common/banned.h"

/* "Copying blob " and 12 hex digits: longer prefixes are cut there, so that the bars of
 * blobs and config line up (containers/image does the same). */
#define PREFIX_MAX 25
#define ELLIPSIS "\xe2\x80\xa6" /* "…", one column */

/* ---- formatting ---- */

void progress_format_size(buf *out, int64_t bytes)
{
	static const char *const units[] = { "b", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	/* whole units as mpb picks them: below 1 KiB bytes, below 1 MiB KiB, and so on */
	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >= (int64_t)1 << (10 * (u + 1)))
		u++;
	v /= (double)((int64_t)1 << (10 * u));
	buf_addf(out, "%.1f%s", v, units[u]);
}

void progress_format_bar(buf *out, int width, int64_t current, int64_t total)
{
	int inner = width - 2, filled;

	if (inner < 0)
		return;
	if (total <= 0 || current <= 0) {
		filled = 0;
	} else if (current >= total) {
		filled = inner;
	} else {
		/* inner * current / total rounded half up, as mpb's math.Round */
		unsigned __int128 num = (unsigned __int128)inner * (uint64_t)current;

		filled = (int)((2 * num + (uint64_t)total) / (2 * (unsigned __int128)total));
	}
	buf_addch(out, '[');
	/* the tip '>' is the last filled cell while running; a full bar has none */
	for (int i = 0; i < filled; i++)
		buf_addch(out, i == filled - 1 && current < total ? '>' : '=');
	for (int i = filled; i < inner; i++)
		buf_addch(out, '-');
	buf_addch(out, ']');
}

/* Columns taken by s: every byte but UTF-8 continuation bytes (only "…" is not ASCII). */
static int text_columns(const char *s, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* s cut to columns, ending with "…" when cut (runewidth.Truncate, as mpb uses it). */
static void add_truncated(buf *out, const char *s, int columns)
{
	size_t len = strlen(s);

	if (text_columns(s, len) <= columns) {
		buf_add(out, s, len);
		return;
	}
	if (columns < 1)
		return;
	/* s is ASCII here: every piece mpb would cut is */
	buf_add(out, s, (size_t)(columns - 1));
	buf_adds(out, ELLIPSIS);
}

/* "Copying blob <hex>" cut at PREFIX_MAX; a byte a terminal would act on becomes '?' (the
 * digest comes from the registry's manifest). */
static void add_prefix(buf *out, const progress_blob *b)
{
	const char *colon = strchr(b->digest, ':');
	size_t start = out->len;

	buf_addf(out, "Copying %s %s", b->config ? "config" : "blob",
		 colon ? colon + 1 : b->digest);
	if (out->len - start > PREFIX_MAX)
		buf_truncate(out, start + PREFIX_MAX);
	for (size_t i = start; i < out->len; i++)
		if ((unsigned char)out->s[i] < 0x20 || (unsigned char)out->s[i] >= 0x7f)
			out->s[i] = '?';
}

static bool blob_finished(const progress_blob *b)
{
	return b->state == CPOD_PULL_BLOB_DONE || b->state == CPOD_PULL_BLOB_SKIPPED ||
	       (b->total > 0 && b->current >= b->total);
}

/* The spinner mpb shows for a blob of unknown size, left-aligned in width columns. */
static void add_spinner(buf *out, int width, unsigned spin)
{
	static const char *const frames[] = { ".", "..", "...", "....", "" };
	const char *f = frames[spin % (sizeof(frames) / sizeof(frames[0]))];
	int flen = (int)strlen(f);

	if (width < flen)
		return;
	buf_adds(out, f);
	for (int i = flen; i < width; i++)
		buf_addch(out, ' ');
}

/* mpb's bState.draw(): prepend, then " " filler " " append while they fit; the filler takes
 * what is left, at most PROGRESS_BAR_WIDTH. */
static void draw_line(buf *out, const progress_blob *b, int columns)
{
	_cleanup_buf_ buf pre = BUF_INIT, app = BUF_INIT;
	bool finished = blob_finished(b), spaces = false;
	int avail, app_room;

	add_prefix(&pre, b);
	if (finished)
		buf_adds(&pre,
			 b->state == CPOD_PULL_BLOB_SKIPPED ? " skipped: already exists" : " done");
	avail = columns - text_columns(pre.s, pre.len);
	if (avail < 1) {
		add_truncated(out, pre.s, columns);
		return;
	}
	buf_add(out, pre.s, pre.len);
	if (avail > 1) {
		avail -= 2;
		spaces = true;
	}
	if (!finished && b->total > 0) {
		progress_format_size(&app, b->current);
		buf_adds(&app, " / ");
		progress_format_size(&app, b->total);
	}
	app_room = avail;
	avail -= text_columns(app.s, app.len);
	if (spaces)
		buf_addch(out, ' ');
	if (avail < 1) {
		if (spaces)
			buf_addch(out, ' ');
		add_truncated(out, app.s, app_room);
		return;
	}
	if (!finished) {
		int width = PROGRESS_BAR_WIDTH < avail ? PROGRESS_BAR_WIDTH : avail;

		if (b->total > 0)
			progress_format_bar(out, width, b->current, b->total);
		else
			add_spinner(out, width, b->spin);
	}
	if (spaces)
		buf_addch(out, ' ');
	buf_add(out, app.s, app.len);
}

void progress_format_line(buf *out, const progress_blob *b, int columns)
{
	_cleanup_buf_ buf line = BUF_INIT;

	if (columns < 1)
		columns = 1;
	draw_line(&line, b, columns);
	/* a wrapped line would break the cursor arithmetic of the redraws */
	if (text_columns(line.s, line.len) > columns) {
		size_t i, seen = 0;

		for (i = 0; i < line.len; i++) {
			if (((unsigned char)line.s[i] & 0xc0) != 0x80 && seen++ == (size_t)columns)
				break;
		}
		buf_truncate(&line, i);
	}
	buf_add(out, line.s, line.len);
}

/* ---- the display ---- */

typedef struct {
	progress_blob b;
	char *digest; /* b.digest's storage */
} bar_line;

struct cli_progress {
	FILE *out;
	int fd;
	int columns; /* > 0: fixed */
	bar_line *bars;
	size_t n, alloc;
	size_t drawn;	      /* lines of bars on screen, above the cursor */
	bool dirty;	      /* a change not drawn yet */
	int64_t last_draw_ms; /* < 0: never */
};

cli_progress *cli_progress_new(FILE *out, int fd, int columns)
{
	cli_progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->fd = fd;
	p->columns = columns;
	p->last_draw_ms = -1;
	return p;
}

static void forget_bars(cli_progress *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->bars[i].digest);
	p->n = 0;
	p->drawn = 0;
	p->dirty = false;
}

void cli_progress_free(cli_progress *p)
{
	if (!p)
		return;
	cli_progress_finish(p);
	free(p->bars);
	free(p);
}

static int terminal_columns(const cli_progress *p)
{
	struct winsize ws;

	if (p->columns > 0)
		return p->columns;
	if (p->fd >= 0 && ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return PROGRESS_DEFAULT_COLUMNS;
}

/* One write per picture: back up over the lines drawn, then each line erased and drawn. */
static void redraw(cli_progress *p)
{
	_cleanup_buf_ buf frame = BUF_INIT;
	int columns = terminal_columns(p);

	if (p->drawn)
		buf_addf(&frame, "\r\x1b[%zuA", p->drawn);
	for (size_t i = 0; i < p->n; i++) {
		buf_adds(&frame, "\x1b[2K");
		progress_format_line(&frame, &p->bars[i].b, columns);
		buf_addch(&frame, '\n');
		p->bars[i].b.spin++;
	}
	fwrite(frame.s, 1, frame.len, p->out);
	fflush(p->out);
	p->drawn = p->n;
	p->dirty = false;
}

static bar_line *find_bar(cli_progress *p, const cpod_pull_blob_progress *ev)
{
	bar_line *l;

	for (size_t i = 0; i < p->n; i++) {
		l = &p->bars[i];
		if (l->b.config == !!ev->config && str_eq(l->digest, ev->digest))
			return l;
	}
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->bars = xreallocarray(p->bars, p->alloc, sizeof(*p->bars));
	}
	l = &p->bars[p->n++];
	*l = (bar_line){ .digest = xstrdup(ev->digest) };
	l->b.digest = l->digest;
	l->b.config = !!ev->config;
	return l;
}

void cli_progress_blob_at(cli_progress *p, const cpod_pull_blob_progress *ev, int64_t now_ms)
{
	bar_line *l;

	/* the config gets bars of its own under the layers' (podman draws it in a new pool) */
	if (ev->config && p->n && !p->bars[p->n - 1].b.config)
		cli_progress_finish(p);
	l = find_bar(p, ev);

	l->b.state = ev->state;
	l->b.current = ev->current;
	l->b.total = ev->total;
	p->dirty = true;
	/* the layers are listed at once before any download: drawn with the first bytes */
	if (ev->state == CPOD_PULL_BLOB_STARTED || ev->state == CPOD_PULL_BLOB_SKIPPED)
		return;
	if (p->last_draw_ms >= 0 && now_ms - p->last_draw_ms < PROGRESS_REDRAW_MS)
		return;
	p->last_draw_ms = now_ms;
	redraw(p);
}

void cli_progress_blob(void *data, const cpod_pull_blob_progress *ev)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	cli_progress_blob_at(data, ev, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void cli_progress_finish(cli_progress *p)
{
	if (p->n && (p->dirty || p->drawn < p->n))
		redraw(p);
	forget_bars(p);
}

void cli_progress_line(void *data, const char *line)
{
	cli_progress *p = data;

	cli_progress_finish(p);
	fprintf(p->out, "%s\n", line);
	fflush(p->out);
}
