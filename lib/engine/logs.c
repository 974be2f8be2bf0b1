#include "engine/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define READ_CHUNK (64 * 1024)
#define TAIL_BLOCK (64 * 1024)
/* A line joined from more P records than this is shown in pieces. */
#define GROUP_MAX (1 << 20)

/* "2006-01-02T15:04:05.000000000" */
#define TS_BASE_LEN 29

/* podman's logs colors (libpod/logs getColor), by color index modulo 7. */
static const char *const colors[] = { "\033[37m", "\033[31m", "\033[33m", "\033[34m",
				      "\033[35m", "\033[36m", "\033[32m" };
#define COLOR_RESET "\033[0m"

/* ---- parsing ---- */

/* Go's time.Parse with "2006-01-02T15:04:05.000000000Z07:00": nine fraction digits exactly,
 * then Z or +hh:mm / -hh:mm. */
static int parse_timestamp(const char *s, size_t len, int64_t *ret_ns)
{
	/* d: a digit, s: '+' or '-'; the zone is "Z" or the offset. */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddddd"
				    "sdd:dd";
	char copy[40];
	struct timespec ts;

	if (len != TS_BASE_LEN + 1 && len != TS_BASE_LEN + 6)
		return -1;
	if (len == TS_BASE_LEN + 1 && s[TS_BASE_LEN] != 'Z')
		return -1;
	for (size_t i = 0; i < len && !(i == TS_BASE_LEN && len == TS_BASE_LEN + 1); i++) {
		bool good = shape[i] == 'd'   ? s[i] >= '0' && s[i] <= '9'
			    : shape[i] == 's' ? s[i] == '+' || s[i] == '-'
					      : s[i] == shape[i];
		if (!good)
			return -1;
	}
	memcpy(copy, s, len);
	copy[len] = 0;
	if (timeparse_rfc3339(copy, &ts, NULL) < 0)
		return -1;
	*ret_ns = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

int logs_parse_record(const char *line, size_t len, logs_record *ret)
{
	const char *end = line + len, *f[3], *sp[3];
	const char *p = line;
	logs_record r;

	for (int i = 0; i < 3; i++) {
		f[i] = p;
		sp[i] = memchr(p, ' ', (size_t)(end - p));
		if (!sp[i])
			return -1;
		p = sp[i] + 1;
	}
	if (parse_timestamp(f[0], (size_t)(sp[0] - f[0]), &r.time_ns) < 0)
		return -1;
	r.timestamp = f[0];
	r.timestamp_len = (size_t)(sp[0] - f[0]);
	if (sp[1] - f[1] == 6 && memcmp(f[1], "stdout", 6) == 0)
		r.stream = LOGS_STDOUT;
	else if (sp[1] - f[1] == 6 && memcmp(f[1], "stderr", 6) == 0)
		r.stream = LOGS_STDERR;
	else
		return -1;
	/* Like podman, only "P" is partial; any other tag ends a line. */
	r.partial = sp[2] - f[2] == 1 && f[2][0] == 'P';
	r.content = p;
	r.content_len = (size_t)(end - p);
	*ret = r;
	return 0;
}

/* ---- output ---- */

void logs_format_line(buf *b, const logs_source *src, const logs_opts *opts, const logs_line *line)
{
	const char *ts = line->timestamp;
	size_t tslen = line->timestamp_len;

	if (src->color >= 0)
		buf_adds(b, colors[src->color % (int)ARRAY_SIZE(colors)]);
	if (src->prefix)
		buf_adds(b, src->prefix);
	if (opts->timestamps) {
		/* Go formats a zero offset as "Z". */
		if (tslen == TS_BASE_LEN + 6 && memcmp(ts + TS_BASE_LEN + 1, "00:00", 5) == 0) {
			buf_add(b, ts, TS_BASE_LEN);
			buf_addch(b, 'Z');
		} else {
			buf_add(b, ts, tslen);
		}
		buf_addch(b, ' ');
	}
	buf_add(b, line->content, line->content_len);
	if (src->color >= 0)
		buf_adds(b, COLOR_RESET);
	if (!line->partial)
		buf_addch(b, '\n');
}

/* ---- one source ---- */

struct group {
	buf content; /* P pieces so far */
	int64_t time_ns;
	char timestamp[40];
	size_t timestamp_len;
};

struct reader {
	const logs_source *src;
	const logs_opts *opts;
	const logs_output *out;
	int fd;
	dev_t dev;
	ino_t ino;
	buf acc;       /* bytes read and not yet a whole line */
	bool skipping; /* inside an over-long line, up to its '\n' */
	struct group group[2];
	bool done;
};

static int emit(struct reader *r, const logs_line *line, cpod_error **err)
{
	const logs_output *out = r->out;
	_cleanup_buf_ buf b = BUF_INIT;
	int fd;

	if (r->opts->since_ns && line->time_ns <= r->opts->since_ns)
		return 0;
	if (r->opts->until_ns && line->time_ns >= r->opts->until_ns)
		return 0;
	if (out->emit)
		return out->emit(out->userdata, r->src, line, err);
	fd = line->stream == LOGS_STDOUT ? out->stdout_fd : out->stderr_fd;
	if (fd < 0)
		return 0;
	logs_format_line(&b, r->src, r->opts, line);
	if (fs_write_all(fd, b.s, b.len) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing the logs");
	return 0;
}

static int flush_group(struct reader *r, logs_stream stream, cpod_error **err)
{
	struct group *g = &r->group[stream - 1];
	logs_line line = { .time_ns = g->time_ns,
			   .timestamp = g->timestamp,
			   .timestamp_len = g->timestamp_len,
			   .stream = stream,
			   .content = g->content.s,
			   .content_len = g->content.len,
			   .partial = true };
	int rc;

	if (!g->timestamp_len)
		return 0;
	rc = emit(r, &line, err);
	buf_reset(&g->content);
	g->timestamp_len = 0;
	return rc;
}

static int on_record(struct reader *r, const logs_record *rec, cpod_error **err)
{
	struct group *g = &r->group[rec->stream - 1];
	logs_line line;

	if (rec->partial) {
		if (g->content.len + rec->content_len > GROUP_MAX &&
		    flush_group(r, rec->stream, err) < 0)
			return -1;
		buf_add(&g->content, rec->content, rec->content_len);
		g->time_ns = rec->time_ns;
		memcpy(g->timestamp, rec->timestamp, rec->timestamp_len);
		g->timestamp_len = rec->timestamp_len;
		return 0;
	}
	line = (logs_line){ .time_ns = rec->time_ns,
			    .timestamp = rec->timestamp,
			    .timestamp_len = rec->timestamp_len,
			    .stream = rec->stream,
			    .content = rec->content,
			    .content_len = rec->content_len };
	if (!g->timestamp_len)
		return emit(r, &line, err);
	buf_add(&g->content, rec->content, rec->content_len);
	line.content = g->content.s;
	line.content_len = g->content.len;
	if (emit(r, &line, err) < 0)
		return -1;
	buf_reset(&g->content);
	g->timestamp_len = 0;
	return 0;
}

static int on_line(struct reader *r, const char *line, size_t len, cpod_error **err)
{
	logs_record rec;

	if (len == 0)
		return 0;
	if (logs_parse_record(line, len, &rec) < 0) {
		log_debug("skipping a malformed line in log '%s': '%.*s'", r->src->path,
			  (int)(len > 100 ? 100 : len), line);
		return 0;
	}
	return on_record(r, &rec, err);
}

/* Handles the whole lines in r->acc and keeps the rest. */
static int consume(struct reader *r, cpod_error **err)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(r->acc.s + start, '\n', r->acc.len - start))) {
		size_t len = (size_t)(nl - (r->acc.s + start));

		if (r->skipping)
			r->skipping = false;
		else if (len > LOGS_LINE_MAX)
			log_debug("skipping an over-long line in log '%s'", r->src->path);
		else if (on_line(r, r->acc.s + start, len, err) < 0)
			return -1;
		start += len + 1;
	}
	memmove(r->acc.s, r->acc.s + start, r->acc.len - start);
	buf_truncate(&r->acc, r->acc.len - start);
	if (r->acc.len > LOGS_LINE_MAX) {
		log_debug("skipping an over-long line in log '%s'", r->src->path);
		r->skipping = true;
		buf_reset(&r->acc);
	}
	return 0;
}

/* Reads what the file has up to its current end. */
static int pump(struct reader *r, cpod_error **err)
{
	_cleanup_free_ char *chunk = xmalloc(READ_CHUNK);

	for (;;) {
		ssize_t n = read(r->fd, chunk, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading log '%s'",
					r->src->path);
		if (n == 0)
			return 0;
		buf_add(&r->acc, chunk, (size_t)n);
		if (consume(r, err) < 0)
			return -1;
	}
}

/* The end of a file: a last line without '\n', then the lines still open. */
static int finish_file(struct reader *r, cpod_error **err)
{
	if (r->acc.len && !r->skipping && on_line(r, r->acc.s, r->acc.len, err) < 0)
		return -1;
	buf_reset(&r->acc);
	r->skipping = false;
	return 0;
}

static int finish(struct reader *r, cpod_error **err)
{
	int rc = finish_file(r, err);

	if (rc == 0)
		rc = flush_group(r, LOGS_STDOUT, err);
	if (rc == 0)
		rc = flush_group(r, LOGS_STDERR, err);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->done = true;
	return rc;
}

static void reader_release(struct reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	buf_release(&r->acc);
	buf_release(&r->group[0].content);
	buf_release(&r->group[1].content);
}

/* Opens the log and moves to where reading starts; a missing log is done at once. */
static int reader_open(struct reader *r, cpod_error **err)
{
	struct stat st;
	off_t off = 0;

	r->fd = open(r->src->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 && errno == ENOENT) {
		r->done = true;
		return 0;
	}
	if (r->fd < 0 || fstat(r->fd, &st) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening log '%s'", r->src->path);
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	if (r->opts->tail >= 0) {
		if (logs_tail_offset(r->fd, r->opts->tail, &off, err) < 0)
			return cpod_err_prefix(err, "log '%s'", r->src->path);
		if (lseek(r->fd, off, SEEK_SET) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "seeking in log '%s'",
					r->src->path);
	}
	return 0;
}

/* follow: conmon's reopen (and a user's rotation) replaces the file; truncation starts it
 * over.  The old file was read to its end before. */
static int check_rotation(struct reader *r, cpod_error **err)
{
	_cleanup_close_ int fd = open(r->src->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	off_t pos;

	/* Missing: between a rename and the new file; try again at the next round. */
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	if (st.st_dev != r->dev || st.st_ino != r->ino) {
		/* What was written before the rename is in the old file. */
		if (pump(r, err) < 0 || finish_file(r, err) < 0)
			return -1;
		close(r->fd);
		r->fd = TAKE_FD(fd);
		r->dev = st.st_dev;
		r->ino = st.st_ino;
		return pump(r, err);
	}
	pos = lseek(r->fd, 0, SEEK_CUR);
	if (pos > st.st_size) {
		buf_reset(&r->acc);
		if (lseek(r->fd, 0, SEEK_SET) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "seeking in log '%s'",
					r->src->path);
		return pump(r, err);
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* One round of following: reads what is new; finishes once the container stopped. */
static int follow_step(struct reader *r, cpod_error **err)
{
	const logs_source *src = r->src;
	bool running = src->is_running ? src->is_running(src->userdata) : true;

	if (r->opts->until_ns && now_ns() >= r->opts->until_ns)
		running = false;
	if (pump(r, err) < 0 || check_rotation(r, err) < 0)
		return -1;
	if (!running)
		return finish(r, err);
	return 0;
}

static int read_follow(struct reader *rs, size_t n, int poll_ms, cpod_error **err)
{
	for (;;) {
		size_t active = 0;

		for (size_t i = 0; i < n; i++) {
			if (rs[i].done)
				continue;
			if (follow_step(&rs[i], err) < 0)
				return -1;
			active += !rs[i].done;
		}
		if (!active)
			return 0;
		poll(NULL, 0, poll_ms);
	}
}

int logs_read(const logs_source *srcs, size_t n, const logs_opts *opts, const logs_output *out,
	      cpod_error **err)
{
	struct reader *rs = xcalloc(n ? n : 1, sizeof(*rs));
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		rs[i] = (struct reader){ .src = &srcs[i], .opts = opts, .out = out, .fd = -1 };
		buf_init(&rs[i].acc, 0);
		buf_init(&rs[i].group[0].content, 0);
		buf_init(&rs[i].group[1].content, 0);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = reader_open(&rs[i], err);
		if (rc == 0 && !opts->follow && !rs[i].done) {
			rc = pump(&rs[i], err);
			if (rc == 0)
				rc = finish(&rs[i], err);
		}
	}
	if (rc == 0 && opts->follow)
		rc = read_follow(rs, n, opts->poll_ms > 0 ? opts->poll_ms : LOGS_POLL_MS, err);
	for (size_t i = 0; i < n; i++)
		reader_release(&rs[i]);
	free(rs);
	return rc;
}

/* ---- tail ---- */

struct tail_scan {
	int fd;
	int64_t want;  /* lines wanted */
	int64_t lines; /* counted so far */
	bool seen_any; /* a record was counted */
	const char *block;
	off_t block_start;
	size_t block_len;
	char *tmp; /* for a line that spans blocks */
};

static int pread_full(int fd, char *dst, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, dst, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (errno = EIO, -1) : -1;
		dst += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Looks at the record [start, end): returns 1 when the tail begins after it (it is the F
 * record that ends the line before the wanted ones), 0 to go on, -1 on a read error. */
static int tail_visit(struct tail_scan *t, off_t start, off_t end)
{
	size_t len = (size_t)(end - start);
	const char *line;
	logs_record rec;

	if (len == 0 || len > LOGS_LINE_MAX)
		return 0;
	if (start >= t->block_start && end <= t->block_start + (off_t)t->block_len) {
		line = t->block + (start - t->block_start);
	} else {
		if (pread_full(t->fd, t->tmp, len, start) < 0)
			return -1;
		line = t->tmp;
	}
	if (logs_parse_record(line, len, &rec) < 0)
		return 0;
	if (!t->seen_any) {
		/* The last record counts whether it ends its line or not. */
		t->seen_any = true;
		t->lines = 1;
		return 0;
	}
	if (rec.partial)
		return 0;
	if (t->lines == t->want)
		return 1;
	t->lines++;
	return 0;
}

int logs_tail_offset(int fd, int64_t tail, off_t *ret_offset, cpod_error **err)
{
	_cleanup_free_ char *block = NULL, *tmp = NULL;
	struct tail_scan t = { .fd = fd, .want = tail };
	struct stat st;
	off_t pos, line_end;
	int r;

	if (fstat(fd, &st) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the log's size");
	if (tail <= 0) {
		*ret_offset = tail == 0 ? st.st_size : 0;
		return 0;
	}
	block = xmalloc(TAIL_BLOCK);
	tmp = xmalloc(LOGS_LINE_MAX);
	t.block = block;
	t.tmp = tmp;
	pos = line_end = st.st_size;
	while (pos > 0) {
		off_t start = pos > TAIL_BLOCK ? pos - TAIL_BLOCK : 0;

		if (pread_full(fd, block, (size_t)(pos - start), start) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the log");
		t.block_start = start;
		t.block_len = (size_t)(pos - start);
		for (size_t i = t.block_len; i-- > 0;) {
			if (block[i] != '\n')
				continue;
			r = tail_visit(&t, start + (off_t)i + 1, line_end);
			if (r < 0)
				return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the log");
			if (r > 0) {
				*ret_offset = line_end + 1;
				return 0;
			}
			line_end = start + (off_t)i;
		}
		pos = start;
	}
	r = tail_visit(&t, 0, line_end);
	if (r < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the log");
	*ret_offset = r > 0 ? line_end + 1 : 0;
	return 0;
}
