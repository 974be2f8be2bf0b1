#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "engine/logs.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-logs-XXXXXX";
#include "tmpdir.h"

/* 2026-11-27T19:43:30Z */
#define T0 1795808610LL
#define NS 1000000000LL

/* A record as conmon writes it, at T0 + sec seconds + nsec, with offset "+00:00". */
static void rec(buf *b, int sec, long nsec, const char *stream, const char *tag, const char *msg)
{
	time_t t = (time_t)(T0 + sec);
	struct tm tm;
	char ts[64];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_addf(b, "%s.%09ld+00:00 %s %s %s\n", ts, nsec, stream, tag, msg);
}

static void put(const char *rel, const buf *b)
{
	_cleanup_free_ char *p = path_of(rel);
	FILE *f = fopen(p, "w");

	if (!f)
		abort();
	fwrite(b->s, 1, b->len, f);
	fclose(f);
}

static char *slurp_fd(int fd)
{
	buf b = BUF_INIT;

	lseek(fd, 0, SEEK_SET);
	buf_read_fd(&b, fd);
	return buf_detach(&b, NULL);
}

/* Runs logs_read with stdout and stderr going to files; returns 0/-1 and the texts. */
static int run_logs(const logs_source *srcs, size_t n, const logs_opts *o, char **ret_out,
		    char **ret_err, cpod_error **err)
{
	_cleanup_free_ char *po = path_of("out.txt"), *pe = path_of("err.txt");
	int fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int fe = open(pe, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	logs_output out = { .stdout_fd = fo, .stderr_fd = fe };
	int r = logs_read(srcs, n, o, &out, err);

	*ret_out = slurp_fd(fo);
	if (ret_err)
		*ret_err = slurp_fd(fe);
	close(fo);
	close(fe);
	return r;
}

static char *show(const char *rel, const logs_opts *o)
{
	_cleanup_free_ char *p = path_of(rel);
	logs_source src = { .path = p, .color = -1 };
	char *out = NULL;

	if (run_logs(&src, 1, o, &out, NULL, NULL) < 0) {
		free(out);
		return xstrdup("(error)");
	}
	return out;
}

static void test_parse(void)
{
	logs_record r;
	const char *l1 = "2026-11-27T19:43:30.057723314+00:00 stdout F hello world";
	const char *l2 = "2026-11-27T20:43:30.000000001+01:00 stderr P ";
	const char *l3 = "2026-11-27T19:43:30.000000000Z stdout X a  b";

	ok(logs_parse_record(l1, strlen(l1), &r) == 0, "parse: a full stdout record");
	is_int(r.time_ns, T0 * NS + 57723314, "parse: time in ns");
	is_int(r.stream, LOGS_STDOUT, "parse: stream stdout");
	ok(!r.partial, "parse: F is not partial");
	is_int(r.content_len, 11, "parse: content keeps its spaces");
	ok(memcmp(r.content, "hello world", 11) == 0, "parse: content");
	is_int(r.timestamp_len, 35, "parse: timestamp text");

	ok(logs_parse_record(l2, strlen(l2), &r) == 0, "parse: an empty partial stderr record");
	is_int(r.time_ns, T0 * NS + 1, "parse: +01:00 offset applied");
	is_int(r.stream, LOGS_STDERR, "parse: stream stderr");
	ok(r.partial && r.content_len == 0, "parse: P with empty content");

	ok(logs_parse_record(l3, strlen(l3), &r) == 0, "parse: Z offset, unknown tag");
	ok(!r.partial, "parse: a tag other than P ends the line (as podman)");
	is_int(r.content_len, 4, "parse: double space kept in content");

	static const char *const bad[] = {
		"2026-11-27T19:43:30.057723314+00:00 stdout F",	   /* three fields */
		"2026-11-27T19:43:30.05772331+00:00 stdout F x",   /* 8 fraction digits */
		"2026-11-27T19:43:30.0577233140+00:00 stdout F x", /* 10 */
		"2026-11-27T19:43:30+00:00 stdout F x",		   /* no fraction */
		"2026-11-27T19:43:30.057723314 stdout F x",	   /* no offset */
		"2026-13-27T19:43:30.057723314+00:00 stdout F x",  /* month 13 */
		"2026-11-27 19:43:30.057723314+00:00 stdout F x",  /* no T */
		"2026-11-27T19:43:30.057723314+0000 stdout F x",   /* offset without ':' */
		"2026-11-27T19:43:30.05772331a+00:00 stdout F x",  /* letter */
		"2026-11-27T19:43:30.057723314+00:00 stdin F x",   /* stream */
		"2026-11-27T19:43:30.057723314+00:00 STDOUT F x",  /* stream case */
		"",
		"garbage",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ok(logs_parse_record(bad[i], strlen(bad[i]), &r) < 0, "parse: rejects '%s'",
		   bad[i]);
}

static void test_format(void)
{
	const char *ts = "2026-11-27T19:43:30.057723314+00:00";
	logs_line line = { .timestamp = ts,
			   .timestamp_len = strlen(ts),
			   .stream = LOGS_STDOUT,
			   .content = "hi",
			   .content_len = 2 };
	logs_source src = { .color = -1 };
	logs_opts o = { .tail = -1 };
	buf b = BUF_INIT;

	logs_format_line(&b, &src, &o, &line);
	is_str(b.s, "hi\n", "format: plain line");
	buf_reset(&b);
	o.timestamps = true;
	src.prefix = "0123456789ab ";
	logs_format_line(&b, &src, &o, &line);
	is_str(b.s, "0123456789ab 2026-11-27T19:43:30.057723314Z hi\n",
	       "format: prefix, timestamp with +00:00 printed as Z");
	buf_reset(&b);
	line.timestamp = "2026-11-27T20:43:30.057723314+01:00";
	line.partial = true;
	src.prefix = NULL;
	logs_format_line(&b, &src, &o, &line);
	is_str(b.s, "2026-11-27T20:43:30.057723314+01:00 hi", "format: offset kept, open line");
	buf_reset(&b);
	src.color = 8;
	src.prefix = "web ";
	o.timestamps = false;
	line.partial = false;
	logs_format_line(&b, &src, &o, &line);
	is_str(b.s, "\033[31mweb hi\033[0m\n", "format: color 8 is podman's color 1 (red)");
	buf_release(&b);
}

static void test_read_basic(void)
{
	logs_opts o = { .tail = -1 };
	buf b = BUF_INIT;
	char *out, *errt;
	_cleanup_free_ char *p = path_of("basic.log");
	logs_source src = { .path = p, .color = -1 };

	rec(&b, 0, 1, "stdout", "F", "hello");
	rec(&b, 1, 0, "stdout", "P", "abc");
	rec(&b, 1, 0, "stderr", "F", "to-stderr");
	rec(&b, 1, 0, "stdout", "P", "def");
	rec(&b, 2, 5, "stdout", "F", "ghi");
	rec(&b, 3, 0, "stdout", "F", "");
	buf_adds(&b, "this is not a record\n\n");
	rec(&b, 4, 0, "stdout", "F", "two  spaces ");
	rec(&b, 5, 0, "stdout", "P", "partial");
	put("basic.log", &b);
	ok(run_logs(&src, 1, &o, &out, &errt, NULL) == 0, "read: succeeds");
	is_str(out, "hello\nabcdefghi\n\ntwo  spaces \npartial",
	       "read: P pieces joined per stream, empty line, malformed skipped, open line last");
	is_str(errt, "to-stderr\n", "read: stderr separated");
	free(out);
	free(errt);

	o.timestamps = true;
	ok(run_logs(&src, 1, &o, &out, &errt, NULL) == 0, "read: timestamps");
	is_str(out,
	       "2026-11-27T19:43:30.000000001Z hello\n2026-11-27T19:43:32.000000005Z abcdefghi\n"
	       "2026-11-27T19:43:33.000000000Z \n2026-11-27T19:43:34.000000000Z two  spaces \n"
	       "2026-11-27T19:43:35.000000000Z partial",
	       "read: timestamps; a joined line carries the time of its F record");
	free(out);
	free(errt);

	o.timestamps = false;
	o.since_ns = (T0 + 1) * NS;
	o.until_ns = (T0 + 4) * NS;
	ok(run_logs(&src, 1, &o, &out, &errt, NULL) == 0, "read: since/until");
	is_str(out, "abcdefghi\n\n", "read: since is exclusive, until is exclusive");
	is_str(errt, "", "read: the stderr line at since is left out");
	free(out);
	free(errt);
	buf_release(&b);

	_cleanup_free_ char *missing = path_of("nope.log");
	logs_source msrc = { .path = missing, .color = -1 };
	logs_opts all = { .tail = -1 };
	ok(run_logs(&msrc, 1, &all, &out, NULL, NULL) == 0, "read: a missing log is no error");
	is_str(out, "", "read: and shows nothing");
	free(out);
}

static void test_read_edges(void)
{
	logs_opts o = { .tail = -1 };
	buf b = BUF_INIT;
	char *out;

	/* An over-long line between two good ones, and a last line without '\n'. */
	rec(&b, 0, 0, "stdout", "F", "before");
	buf_adds(&b, "2026-11-27T19:43:30.000000000+00:00 stdout F ");
	for (int i = 0; i < LOGS_LINE_MAX + 10; i++)
		buf_addch(&b, 'x');
	buf_addch(&b, '\n');
	rec(&b, 1, 0, "stdout", "F", "after");
	buf_adds(&b, "2026-11-27T19:43:32.000000000+00:00 stdout F no-newline");
	put("edge.log", &b);
	out = show("edge.log", &o);
	is_str(out, "before\nafter\nno-newline\n", "edges: over-long line skipped, last line read");
	free(out);
	buf_release(&b);
}

/* The expected tail of a list of lines, computed simply. */
static char *last_lines(char **lines, int n, int64_t tail)
{
	buf b = BUF_INIT;

	for (int i = tail < 0 || tail > n ? 0 : n - (int)tail; i < n; i++)
		buf_addf(&b, "%s\n", lines[i]);
	return buf_detach(&b, NULL);
}

static void test_tail(void)
{
	logs_opts o = { .tail = 0 };
	buf b = BUF_INIT;
	char *out;

	rec(&b, 0, 0, "stdout", "F", "one");
	rec(&b, 1, 0, "stdout", "P", "tw");
	rec(&b, 1, 0, "stdout", "F", "o");
	rec(&b, 2, 0, "stderr", "F", "three");
	rec(&b, 3, 0, "stdout", "F", "four");
	rec(&b, 4, 0, "stdout", "P", "fi");
	rec(&b, 4, 0, "stdout", "P", "ve");
	put("tail.log", &b);
	out = show("tail.log", &o);
	is_str(out, "", "tail 0: nothing");
	free(out);
	o.tail = 1;
	out = show("tail.log", &o);
	is_str(out, "five", "tail 1: the open last line counts as one");
	free(out);
	o.tail = 2;
	out = show("tail.log", &o);
	is_str(out, "four\nfive", "tail 2");
	free(out);
	o.tail = 4;
	out = show("tail.log", &o);
	is_str(out, "two\nfour\nfive", "tail 4: its P pieces come with the line (stderr apart)");
	free(out);
	o.tail = 50;
	out = show("tail.log", &o);
	is_str(out, "one\ntwo\nfour\nfive", "tail larger than the log: all");
	free(out);
	o.tail = 3;
	o.since_ns = (T0 + 2) * NS;
	out = show("tail.log", &o);
	is_str(out, "four\nfive", "tail first, then since");
	free(out);
	buf_release(&b);

	/* A log much larger than the backwards block, lines of many lengths. */
	char **lines = xcalloc(6000, sizeof(char *));
	srand(7);
	for (int i = 0; i < 6000; i++) {
		int len = rand() % 300;
		buf l = BUF_INIT;
		buf_addf(&l, "line-%d-", i);
		for (int j = 0; j < len; j++)
			buf_addch(&l, (char)('a' + j % 26));
		lines[i] = buf_detach(&l, NULL);
		rec(&b, i, 0, "stdout", "F", lines[i]);
		if (i % 97 == 0)
			buf_adds(&b, "garbage line in between\n");
	}
	put("big.log", &b);
	static const int64_t tails[] = { 1, 2, 3, 100, 333, 1000, 5999, 6000, 6001, -1 };
	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		logs_opts to = { .tail = tails[i] };
		char *want = last_lines(lines, 6000, tails[i]);
		out = show("big.log", &to);
		ok(strcmp(out, want) == 0, "big log: tail %lld", (long long)tails[i]);
		free(out);
		free(want);
	}
	for (int i = 0; i < 6000; i++)
		free(lines[i]);
	free(lines);
	buf_release(&b);
}

/* Random bytes and damaged records must never crash the reader or the tail. */
static void test_garbage(void)
{
	int crashed = 0;

	for (unsigned seed = 1; seed <= 60; seed++) {
		buf b = BUF_INIT;
		char *out;

		srand(seed);
		for (int i = 0; i < 400; i++) {
			int kind = rand() % 4;
			if (kind == 0) {
				rec(&b, i, rand() % 1000, rand() % 2 ? "stdout" : "stderr",
				    rand() % 3 ? "F" : "P", "ok");
			} else if (kind == 1) {
				/* a valid record cut at a random place */
				buf r = BUF_INIT;
				rec(&r, i, 0, "stdout", "F", "cut");
				buf_add(&b, r.s, (size_t)rand() % r.len);
				buf_release(&r);
			} else {
				int n = rand() % 80;
				for (int j = 0; j < n; j++)
					buf_addch(&b, (char)(rand() % 256));
			}
			if (rand() % 2)
				buf_addch(&b, '\n');
		}
		put("garbage.log", &b);
		for (int64_t t = -1; t < 5; t++) {
			logs_opts o = { .tail = t, .timestamps = t % 2 };
			out = show("garbage.log", &o);
			if (strcmp(out, "(error)") == 0)
				crashed++;
			free(out);
		}
		buf_release(&b);
	}
	is_int(crashed, 0, "garbage: 60 random logs read without error at several tails");
}

struct collected {
	buf text;
	int calls;
	bool fail;
};

static int collect(void *userdata, const logs_source *src, const logs_line *line, cpod_error **err)
{
	struct collected *c = userdata;

	c->calls++;
	if (c->fail)
		return cpod_err(err, CPOD_ERR_SYSTEM, EPIPE, "client went away");
	buf_addf(&c->text, "%s|%d|%d|%.*s\n", src->prefix ? src->prefix : "", line->stream,
		 line->partial, (int)line->content_len, line->content);
	return 0;
}

static void test_emit_and_multi(void)
{
	buf a = BUF_INIT, c2 = BUF_INIT;
	_cleanup_free_ char *pa = path_of("a.log"), *pb = path_of("b.log");
	logs_source srcs[2] = { { .path = pa, .prefix = "aaaaaaaaaaaa ", .color = -1 },
				{ .path = pb, .prefix = "web ", .color = -1 } };
	logs_opts o = { .tail = -1 };
	struct collected c = { .text = BUF_INIT };
	logs_output out = { .stdout_fd = -1, .stderr_fd = -1, .emit = collect, .userdata = &c };
	cpod_error *e = NULL;
	char *text;

	rec(&a, 0, 0, "stdout", "F", "from a");
	rec(&a, 1, 0, "stderr", "P", "open");
	rec(&c2, 0, 0, "stdout", "F", "from b");
	put("a.log", &a);
	put("b.log", &c2);
	ok(logs_read(srcs, 2, &o, &out, NULL) == 0, "emit: succeeds");
	is_str(c.text.s, "aaaaaaaaaaaa |1|0|from a\naaaaaaaaaaaa |2|1|open\nweb |1|0|from b\n",
	       "emit: lines with source, stream, partial flag");
	c.fail = true;
	c.calls = 0;
	ok(logs_read(srcs, 2, &o, &out, &e) < 0, "emit: a failing callback stops the reading");
	is_int(c.calls, 1, "emit: after its first failure");
	ok(e && strstr(cpod_error_message(e), "client went away"), "emit: its error returned");
	cpod_error_free(e);

	ok(run_logs(srcs, 2, &o, &text, NULL, NULL) == 0, "multi: default writer");
	is_str(text, "aaaaaaaaaaaa from a\nweb from b\n", "multi: prefixes before each line");
	free(text);
	buf_release(&a);
	buf_release(&c2);
	buf_release(&c.text);
}

/* ---- follow ---- */

static bool not_done(void *userdata)
{
	struct stat st;

	return stat((const char *)userdata, &st) < 0;
}

static void append_rec(const char *rel, int sec, const char *tag, const char *msg)
{
	_cleanup_free_ char *p = path_of(rel);
	buf b = BUF_INIT;
	FILE *f = fopen(p, "a");

	if (!f)
		abort();
	rec(&b, sec, 0, "stdout", tag, msg);
	fwrite(b.s, 1, b.len, f);
	fclose(f);
	buf_release(&b);
}

/* The writer: plays conmon while the parent follows. */
static void writer(void)
{
	_cleanup_free_ char *log = path_of("f.log"), *old = path_of("f.log.1");
	_cleanup_free_ char *done = path_of("f.done");

	usleep(60000);
	append_rec("f.log", 1, "F", "one");
	usleep(60000);
	/* rotation: rename, then conmon's reopen makes a new file */
	rename(log, old);
	append_rec("f.log.1", 2, "F", "late-in-old");
	append_rec("f.log", 3, "F", "two");
	usleep(60000);
	append_rec("f.log", 4, "P", "thr");
	usleep(60000);
	append_rec("f.log", 4, "F", "ee");
	append_rec("f.log", 5, "P", "open-at-exit");
	close(open(done, O_CREAT | O_WRONLY, 0600));
	_exit(0);
}

static void test_follow(void)
{
	_cleanup_free_ char *log = path_of("f.log"), *done = path_of("f.done");
	logs_source src = { .path = log, .color = -1, .is_running = not_done, .userdata = done };
	logs_opts o = { .tail = -1, .follow = true, .poll_ms = 20 };
	char *out;
	pid_t pid;
	int ws;

	append_rec("f.log", 0, "F", "zero");
	pid = fork();
	if (pid == 0)
		writer();
	ok(run_logs(&src, 1, &o, &out, NULL, NULL) == 0, "follow: returns once stopped");
	waitpid(pid, &ws, 0);
	is_str(out, "zero\none\nlate-in-old\ntwo\nthree\nopen-at-exit",
	       "follow: new lines, across a rotation, joined pieces, the open line at the end");
	free(out);

	/* tail 0: only what comes after the start; a stopped container ends at once. */
	logs_opts t0 = { .tail = 0, .follow = true, .poll_ms = 20 };
	ok(run_logs(&src, 1, &t0, &out, NULL, NULL) == 0, "follow: tail 0 of a stopped container");
	is_str(out, "", "follow: tail 0 shows nothing old");
	free(out);

	/* until in the past ends following even without is_running. */
	logs_source forever = { .path = log, .color = -1 };
	logs_opts until = { .tail = -1, .follow = true, .poll_ms = 20, .until_ns = T0 * NS + 1 };
	ok(run_logs(&forever, 1, &until, &out, NULL, NULL) == 0, "follow: until passed stops");
	is_str(out, "", "follow: nothing before until");
	free(out);
}

/* A log truncated in place (not by conmon, which replaces it) is read again from its start. */
static void test_follow_truncate(void)
{
	_cleanup_free_ char *log = path_of("t.log"), *done = path_of("t.done");
	logs_source src = { .path = log, .color = -1, .is_running = not_done, .userdata = done };
	logs_opts o = { .tail = -1, .follow = true, .poll_ms = 20 };
	char *out;
	pid_t pid;

	append_rec("t.log", 0, "F", "a-long-first-line-that-makes-the-file-big");
	append_rec("t.log", 1, "F", "another-long-line-before-the-truncation");
	pid = fork();
	if (pid == 0) {
		usleep(80000);
		close(open(log, O_WRONLY | O_TRUNC | O_CLOEXEC));
		usleep(80000);
		append_rec("t.log", 2, "F", "new");
		usleep(60000);
		close(open(done, O_CREAT | O_WRONLY, 0600));
		_exit(0);
	}
	ok(run_logs(&src, 1, &o, &out, NULL, NULL) == 0, "truncate: followed");
	waitpid(pid, NULL, 0);
	is_str(out,
	       "a-long-first-line-that-makes-the-file-big\nanother-long-line-before-the-"
	       "truncation\nnew\n",
	       "truncate: read again from the start");
	free(out);
}

static void test_tail_offset_direct(void)
{
	_cleanup_free_ char *p = path_of("off.log");
	buf b = BUF_INIT;
	off_t off = -1;
	int fd;

	rec(&b, 0, 0, "stdout", "F", "a");
	rec(&b, 1, 0, "stdout", "F", "b");
	put("off.log", &b);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	ok(logs_tail_offset(fd, 1, &off, NULL) == 0 && off == (off_t)(b.len / 2), "tail offset: "
										  "the start of "
										  "the last "
										  "record");
	ok(logs_tail_offset(fd, 0, &off, NULL) == 0 && off == (off_t)b.len, "tail offset: 0 is the "
									    "end");
	ok(logs_tail_offset(fd, 2, &off, NULL) == 0 && off == 0, "tail offset: 2 is the start");
	ok(logs_tail_offset(fd, -1, &off, NULL) == 0 && off == 0, "tail offset: -1 is the start");
	close(fd);
	buf_release(&b);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	test_parse();
	test_format();
	test_read_basic();
	test_read_edges();
	test_tail();
	test_tail_offset_direct();
	test_garbage();
	test_emit_and_multi();
	test_follow();
	test_follow_truncate();
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
