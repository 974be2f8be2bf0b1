/* A pull's progress on a terminal, drawn as podman 4.3 draws it (containers/image 5.23's mpb
 * bars): one line per blob, redrawn in place,
 *
 *	Copying blob 4f4fb700ef54 [=========>----------------------------] 1.2MiB / 4.7MiB
 *	Copying blob 63b65145d645 done
 *	Copying blob 8a49fdb3b6a5 skipped: already exists
 *	Copying config 9c6f072447 done
 *
 * (a bar of 40 columns with its brackets, sizes in 1024 units with one decimal; a finished
 * line ends with two spaces, as mpb leaves them).  The other lines of a pull ("Trying to pull
 * ...", "Writing manifest to image destination") are printed as they come, under the bars
 * drawn so far, which are then left as they are.  Redrawing moves the cursor up over the bars
 * (ESC [ n A) and rewrites each line after erasing it (ESC [ 2 K), at most every
 * PROGRESS_REDRAW_MS, and fits every line in the terminal's width (asked again at each redraw,
 * so a resized window is followed), shrinking the bar first as mpb does.
 *
 * Not thread-safe: libcpod calls the callbacks one at a time (cpod_pull_blob_fn).
 */
#ifndef CPOD_CLI_PROGRESS_H
#define CPOD_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include <cpod/image.h>

#include "common/buf.h"
#include "common/cleanup.h"

/* The bar's width with its brackets (podman's mpb.WithWidth(40)). */
#define PROGRESS_BAR_WIDTH 40
/* The least time between two redraws. */
#define PROGRESS_REDRAW_MS 100
/* The width assumed when the terminal does not tell. */
#define PROGRESS_DEFAULT_COLUMNS 80

typedef struct cli_progress cli_progress;

/* A display writing to out (not closed).  columns > 0: the terminal's width; otherwise it is
 * asked of fd (TIOCGWINSZ) at each redraw, PROGRESS_DEFAULT_COLUMNS when that fails. */
cli_progress *cli_progress_new(FILE *out, int fd, int columns);
/* Leaves the bars on screen (cli_progress_finish()) and frees p; accepts NULL. */
void cli_progress_free(cli_progress *p);
DEFINE_CLEANUP_FUNC(cli_progress, cli_progress_free)

/* A cpod_pull_progress_fn (data: the cli_progress): finishes the bars, then prints line. */
void cli_progress_line(void *data, const char *line);
/* A cpod_pull_blob_fn (data: the cli_progress): updates the blob's bar (a new one, under the
 * others, for a blob not seen since the last line; the config's bars start under the layers'
 * finished ones) and, for bytes received or a blob done, redraws when PROGRESS_REDRAW_MS
 * passed since the last redraw (STARTED and SKIPPED come together before the downloads). */
void cli_progress_blob(void *data, const cpod_pull_blob_progress *ev);
/* The same at a given time (milliseconds of any monotonic clock), for the tests. */
void cli_progress_blob_at(cli_progress *p, const cpod_pull_blob_progress *ev, int64_t now_ms);
/* Draws the bars' last state when it is not on screen yet and forgets them; the cursor is
 * left at the start of the line under them. */
void cli_progress_finish(cli_progress *p);

/* ---- the pure formatting, exposed for the tests ---- */

/* bytes as mpb's SizeB1024 with "%.1f": "0.0b", "1023.0b", "1.0KiB", "3.4MiB", "1.0GiB",
 * "2.0TiB"; appended to out. */
void progress_format_size(buf *out, int64_t bytes);

/* A bar width columns wide, brackets included, current of total filled as mpb fills it:
 * "[====>-----]" while running, "[==========]" at total, only "-" at 0; nothing when width < 2.
 * Appended to out. */
void progress_format_bar(buf *out, int width, int64_t current, int64_t total);

/* What one line shows. */
typedef struct {
	const char *digest;	    /* "sha256:<hex>" */
	int config;		    /* "Copying config" (else "Copying blob") */
	cpod_pull_blob_state state; /* DONE and SKIPPED finish the line */
	int64_t current, total;	    /* total <= 0: unknown (a spinner instead of the bar) */
	unsigned spin;		    /* the spinner's frame */
} progress_blob;

/* b's line for a terminal columns wide, without a newline, appended to out: the prefix
 * ("Copying blob " and 12 hex digits, or "Copying config " and 10), then the bar and
 * "current / total" while running, or "done" / "skipped: already exists" once finished (a
 * line whose current reached its total is finished too, as mpb sees it).  Never wider than
 * columns (at least 1). */
void progress_format_line(buf *out, const progress_blob *b, int columns);

#endif
