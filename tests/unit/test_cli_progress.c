/* cli/progress.c: pull progress bars as podman 4.3 draws them (containers/image 5.23 with
 * mpb v7: a 40-column bar, "%.1f / %.1f" sizes in 1024 units, "done" and "skipped: already
 * exists" when finished), fitted to narrow terminals, and the redraws on a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"
#include "tap.h"

#define DIGEST "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1"
#define CONFIG "sha256:9c6f0724472873bb50a2ae67a9e7adcb57673a183cea8b06eb778dca859181b5"

static char *size_str(int64_t n)
{
	buf b = BUF_INIT;

	progress_format_size(&b, n);
	return buf_detach(&b, NULL);
}

static void test_sizes(void)
{
	static const struct {
		int64_t n;
		const char *want;
	} cases[] = {
		{ 0, "0.0b" },
		{ 512, "512.0b" },
		{ 1023, "1023.0b" },
		{ 1024, "1.0KiB" },
		{ 1536, "1.5KiB" },
		{ 1048575, "1024.0KiB" }, /* below 1 MiB the unit stays KiB, as mpb's */
		{ 1048576, "1.0MiB" },
		{ 3565158, "3.4MiB" },
		{ 42362880, "40.4MiB" },
		{ 1073741824, "1.0GiB" },
		{ 5368709120 + 536870912, "5.5GiB" },
		{ (int64_t)2 << 40, "2.0TiB" },
		{ (int64_t)5000 << 40, "5000.0TiB" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = size_str(cases[i].n);

		is_str(s, cases[i].want, "size %lld", (long long)cases[i].n);
		free(s);
	}
}

static char *repeat(char c, int n)
{
	char *s = calloc(1, (size_t)n + 1);

	memset(s, c, (size_t)n);
	return s;
}

static char *bar_str(int width, int64_t cur, int64_t total)
{
	buf b = BUF_INIT;

	progress_format_bar(&b, width, cur, total);
	return buf_detach(&b, NULL);
}

static void check_bar(int width, int64_t cur, int64_t total, const char *want, const char *what)
{
	char *s = bar_str(width, cur, total);

	is_str(s, want, "bar %s (width %d, %lld/%lld)", what, width, (long long)cur,
	       (long long)total);
	free(s);
}

static void test_bars(void)
{
	char *dashes = repeat('-', 38), *eq = repeat('=', 38), *s;
	char want[64];

	snprintf(want, sizeof(want), "[%s]", dashes);
	check_bar(40, 0, 100, want, "at 0%");
	snprintf(want, sizeof(want), "[%s]", eq);
	check_bar(40, 100, 100, want, "at 100%: no tip");
	check_bar(40, 150, 100, want, "past the total");
	snprintf(want, sizeof(want), "[%.18s>%.19s]", eq, dashes);
	check_bar(40, 50, 100, want, "half: 19 of 38 cells with the tip");
	snprintf(want, sizeof(want), "[%.37s>]", eq);
	check_bar(40, 99, 100, want, "99%: the tip in the last cell");
	check_bar(12, 1, 3, "[==>-------]", "a third of 10 cells");
	check_bar(12, 1, 20, "[>---------]", "a half cell rounds up");
	check_bar(12, 1, 21, "[----------]", "less than half a cell");
	snprintf(want, sizeof(want), "[%s]", dashes);
	check_bar(40, 5, 0, want, "unknown total: empty");
	check_bar(40, 5, -1, want, "negative total: empty");
	check_bar(3, 1, 2, "[>]", "one cell");
	check_bar(2, 1, 2, "[]", "no cell");
	check_bar(1, 1, 2, "", "too narrow");
	check_bar(0, 1, 2, "", "width 0");
	/* a huge total and current do not overflow */
	s = bar_str(12, INT64_MAX / 2, INT64_MAX);
	is_str(s, "[====>-----]", "bar of a huge blob at half");
	free(s);
	free(dashes);
	free(eq);
}

static int columns_of(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static char *line_str(const char *digest, int config, cpod_pull_blob_state st, int64_t cur,
		      int64_t total, int columns)
{
	progress_blob b = {
		.digest = digest, .config = config, .state = st, .current = cur, .total = total
	};
	buf out = BUF_INIT;

	progress_format_line(&out, &b, columns);
	return buf_detach(&out, NULL);
}

static void check_line(cpod_pull_blob_state st, int64_t cur, int64_t total, int columns,
		       const char *want, const char *what)
{
	char *s = line_str(DIGEST, 0, st, cur, total, columns);

	is_str(s, want, "line: %s", what);
	free(s);
}

static void test_lines(void)
{
	const int64_t mib = 1 << 20;
	char want[256], *s;

	snprintf(want, sizeof(want), "Copying blob 4f4fb700ef54 [%.12s>%.25s] 1.2MiB / 3.4MiB",
		 "============", "-------------------------");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 100, want,
		   "running, 100 columns: the whole 40-column bar");
	check_line(CPOD_PULL_BLOB_STARTED, 0, mib * 34 / 10, 100,
		   "Copying blob 4f4fb700ef54 [--------------------------------------] 0.0b / "
		   "3.4MiB",
		   "started");
	check_line(CPOD_PULL_BLOB_DONE, mib * 34 / 10, mib * 34 / 10, 100,
		   "Copying blob 4f4fb700ef54 done  ", "done: mpb's two spaces stay");
	check_line(CPOD_PULL_BLOB_SKIPPED, 0, 0, 100,
		   "Copying blob 4f4fb700ef54 skipped: already exists  ", "skipped");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 34 / 10, mib * 34 / 10, 100,
		   "Copying blob 4f4fb700ef54 done  ", "all bytes received: done, as mpb sees it");
	check_line(CPOD_PULL_BLOB_DONE, 10, 0, 100, "Copying blob 4f4fb700ef54 done  ",
		   "done, size unknown");
	s = line_str(CONFIG, 1, CPOD_PULL_BLOB_DONE, 1469, 1469, 100);
	is_str(s, "Copying config 9c6f072447 done  ", "config: 10 hex digits, aligned");
	free(s);
	s = line_str("sha256:abc", 0, CPOD_PULL_BLOB_DONE, 1, 1, 100);
	is_str(s, "Copying blob abc done  ", "a short digest is kept whole");
	free(s);
	s = line_str("sha256:\x1b[2J\x07x", 0, CPOD_PULL_BLOB_DONE, 1, 1, 100);
	is_str(s, "Copying blob ?[2J?x done  ", "control bytes of a digest are not sent");
	free(s);

	/* unknown size: mpb's spinner, left-aligned in the 40 columns */
	snprintf(want, sizeof(want), "Copying blob 4f4fb700ef54 .%39s ", "");
	check_line(CPOD_PULL_BLOB_RECEIVING, 5, 0, 100, want, "unknown total: a spinner");

	/* narrow terminals: the bar shrinks, then the sizes are cut, then the prefix */
	snprintf(want, sizeof(want), "Copying blob 4f4fb700ef54 [%.5s>%.10s] 1.2MiB / 3.4MiB",
		 "=====", "----------");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 60, want,
		   "60 columns: an 18-column bar");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 45,
		   "Copying blob 4f4fb700ef54 [-] 1.2MiB / 3.4MiB", "45 columns: one cell");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 44,
		   "Copying blob 4f4fb700ef54 [] 1.2MiB / 3.4MiB", "44 columns: no cell");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 43,
		   "Copying blob 4f4fb700ef54  1.2MiB / 3.4MiB", "43 columns: no bar");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 30,
		   "Copying blob 4f4fb700ef54  1.\xe2\x80\xa6", "30 columns: the sizes cut");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 26,
		   "Copying blob 4f4fb700ef54\xe2\x80\xa6", "26 columns: no room for spaces");
	check_line(CPOD_PULL_BLOB_RECEIVING, mib * 12 / 10, mib * 34 / 10, 20,
		   "Copying blob 4f4fb7\xe2\x80\xa6", "20 columns: the prefix cut");
	check_line(CPOD_PULL_BLOB_DONE, 1, 1, 31, "Copying blob 4f4fb700ef54 done",
		   "done in 31 columns: no trailing spaces");
	check_line(CPOD_PULL_BLOB_DONE, 1, 1, 10, "Copying b\xe2\x80\xa6", "done in 10 columns");
	check_line(CPOD_PULL_BLOB_DONE, 1, 1, 0, "\xe2\x80\xa6", "0 columns count as 1");

	/* no width makes a line wrap */
	for (int cols = 1; cols <= 120; cols++) {
		static const cpod_pull_blob_state states[] = { CPOD_PULL_BLOB_STARTED,
							       CPOD_PULL_BLOB_RECEIVING,
							       CPOD_PULL_BLOB_DONE,
							       CPOD_PULL_BLOB_SKIPPED };
		int worst = 0;

		for (size_t i = 0; i < 4; i++) {
			for (int64_t total = -1; total <= 1; total++) {
				s = line_str(DIGEST, 0, states[i], mib * 3,
					     total < 1 ? total : (int64_t)5000 << 40, cols);
				if (columns_of(s) > worst)
					worst = columns_of(s);
				free(s);
			}
		}
		if (worst > cols) {
			ok(0, "a line of %d columns in a terminal of %d", worst, cols);
			return;
		}
	}
	ok(1, "no line is wider than the terminal, 1 to 120 columns");
}

/* ---- the display ---- */

typedef struct {
	char *text;
	size_t len;
	FILE *f;
} capture;

static void capture_open(capture *c)
{
	c->text = NULL;
	c->len = 0;
	c->f = open_memstream(&c->text, &c->len);
}

/* What was written since the last call (the caller frees). */
static char *capture_take(capture *c, size_t *seen)
{
	char *s;

	fflush(c->f);
	s = strndup(c->text + *seen, c->len - *seen);
	*seen = c->len;
	return s;
}

static void event(cli_progress *p, const char *digest, int config, cpod_pull_blob_state st,
		  int64_t cur, int64_t total, int64_t now)
{
	cpod_pull_blob_progress ev = {
		.digest = digest,
		.config = config,
		.index = config ? -1 : 0,
		.state = st,
		.current = cur,
		.total = total,
	};

	cli_progress_blob_at(p, &ev, now);
}

#define A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* "\x1b[2K" + the blob's line at 60 columns + "\n", appended to out. */
static void frame_line(buf *out, const char *digest, int config, cpod_pull_blob_state st,
		       int64_t cur, int64_t total)
{
	char *s = line_str(digest, config, st, cur, total, 60);

	buf_addf(out, "\x1b[2K%s\n", s);
	free(s);
}

static void check_frame(capture *c, size_t *seen, buf *want, const char *what)
{
	char *s = capture_take(c, seen);

	is_str(s, want->s, "%s", what);
	free(s);
	buf_reset(want);
}

static void test_display(void)
{
	_cleanup_buf_ buf want = BUF_INIT;
	capture c;
	size_t seen = 0;
	cli_progress *p;

	capture_open(&c);
	p = cli_progress_new(c.f, -1, 60);
	cli_progress_line(p, "Getting image source signatures");
	event(p, A, 0, CPOD_PULL_BLOB_SKIPPED, 0, 0, 1000);
	event(p, B, 0, CPOD_PULL_BLOB_STARTED, 0, 2048, 1000);
	event(p, C, 0, CPOD_PULL_BLOB_STARTED, 0, 4096, 1000);
	buf_adds(&want, "Getting image source signatures\n");
	check_frame(&c, &seen, &want, "a line is printed as it comes; listed blobs wait for bytes");

	event(p, B, 0, CPOD_PULL_BLOB_RECEIVING, 1024, 2048, 1000);
	frame_line(&want, A, 0, CPOD_PULL_BLOB_SKIPPED, 0, 0);
	frame_line(&want, B, 0, CPOD_PULL_BLOB_RECEIVING, 1024, 2048);
	frame_line(&want, C, 0, CPOD_PULL_BLOB_STARTED, 0, 4096);
	ok(strstr(want.s, "skipped: already exists") && strstr(want.s, "] 1.0KiB / 2.0KiB\n") &&
		   strstr(want.s, "] 0.0b / 4.0KiB\n"),
	   "the frame expected has the three states");
	check_frame(&c, &seen, &want, "the first bytes draw every bar, each line erased first");

	event(p, C, 0, CPOD_PULL_BLOB_RECEIVING, 1024, 4096, 1050);
	event(p, B, 0, CPOD_PULL_BLOB_DONE, 2048, 2048, 1099);
	check_frame(&c, &seen, &want, "no redraw within 100 ms");

	event(p, C, 0, CPOD_PULL_BLOB_RECEIVING, 2048, 4096, 1100);
	buf_adds(&want, "\r\x1b[3A");
	frame_line(&want, A, 0, CPOD_PULL_BLOB_SKIPPED, 0, 0);
	frame_line(&want, B, 0, CPOD_PULL_BLOB_DONE, 2048, 2048);
	frame_line(&want, C, 0, CPOD_PULL_BLOB_RECEIVING, 2048, 4096);
	check_frame(&c, &seen, &want,
		    "100 ms later: up over the 3 lines, redrawn with every change since");

	event(p, C, 0, CPOD_PULL_BLOB_DONE, 4096, 4096, 1150);
	event(p, CONFIG, 1, CPOD_PULL_BLOB_STARTED, 0, 1469, 1150);
	buf_adds(&want, "\r\x1b[3A");
	frame_line(&want, A, 0, CPOD_PULL_BLOB_SKIPPED, 0, 0);
	frame_line(&want, B, 0, CPOD_PULL_BLOB_DONE, 2048, 2048);
	frame_line(&want, C, 0, CPOD_PULL_BLOB_DONE, 4096, 4096);
	check_frame(&c, &seen, &want, "the config's first event leaves the layers' final picture");

	event(p, CONFIG, 1, CPOD_PULL_BLOB_DONE, 1469, 1469, 1160);
	cli_progress_line(p, "Writing manifest to image destination");
	buf_adds(&want, "\x1b[2KCopying config 9c6f072447 done  \n"
			"Writing manifest to image destination\n");
	check_frame(&c, &seen, &want, "the config's bar is new, and finished before the next line");

	cli_progress_finish(p);
	check_frame(&c, &seen, &want, "finishing with no bars writes nothing");

	/* a pull that fails: the bars stay as last known, drawn once more when changed */
	event(p, A, 0, CPOD_PULL_BLOB_STARTED, 0, 100, 5000);
	event(p, A, 0, CPOD_PULL_BLOB_RECEIVING, 10, 100, 5000);
	event(p, A, 0, CPOD_PULL_BLOB_RECEIVING, 50, 100, 5010);
	cli_progress_free(p);
	frame_line(&want, A, 0, CPOD_PULL_BLOB_RECEIVING, 10, 100);
	buf_adds(&want, "\r\x1b[1A");
	frame_line(&want, A, 0, CPOD_PULL_BLOB_RECEIVING, 50, 100);
	check_frame(&c, &seen, &want, "freeing the display draws the last state");

	fclose(c.f);
	free(c.text);
}

/* The width is asked of the terminal at each redraw; without one, 80 columns. */
static void test_default_width(void)
{
	capture c;
	size_t seen = 0;
	cli_progress *p;
	char *s, want[256];

	capture_open(&c);
	p = cli_progress_new(c.f, -1, 0);
	event(p, A, 0, CPOD_PULL_BLOB_RECEIVING, 0, 1024, 0);
	snprintf(want, sizeof(want), "\x1b[2KCopying blob aaaaaaaaaaaa [%.38s] 0.0b / 1.0KiB\n",
		 "--------------------------------------");
	s = capture_take(&c, &seen);
	is_str(s, want, "no terminal: 80 columns, the whole bar");
	free(s);
	cli_progress_free(p);
	fclose(c.f);
	free(c.text);
}

int main(void)
{
	test_sizes();
	test_bars();
	test_lines();
	test_display();
	test_default_width();
	return done_testing();
}
