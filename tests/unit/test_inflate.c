/* The gzip inflater (ISA-L and zlib engines) against zlib's own deflate output: random and
 * compressible data, every level, members one after the other, zlib streams, full gzip headers,
 * pieces of every size, truncated and corrupt streams. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/inflate.h"
#include "tap.h"

static uint64_t rng_state = 20261127;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_bytes(buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addch(b, (char)(rng() & 0xff));
}

/* Text lines from a small vocabulary: compresses about 4:1, with long matches. */
static void text_bytes(buf *b, size_t n)
{
	static const char *const words[] = { "layer", "blob",	"digest",   "sha256", "overlay",
					     "image", "config", "manifest", "tar",    "gzip" };

	while (b->len < n) {
		buf_adds(b, words[rng() % ARRAY_SIZE(words)]);
		buf_addch(b, rng() % 9 ? ' ' : '\n');
	}
	buf_truncate(b, n);
}

/* windowbits 15 + 16: gzip, 15: zlib.  hdr (may be NULL) sets the gzip header fields. */
static void deflate_into(buf *out, const buf *in, int level, int windowbits, gz_header *hdr)
{
	z_stream z = { 0 };
	unsigned char chunk[16384];
	int r;

	if (deflateInit2(&z, level, Z_DEFLATED, windowbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	if (hdr && deflateSetHeader(&z, hdr) != Z_OK)
		abort();
	z.next_in = (unsigned char *)in->s;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = deflate(&z, Z_FINISH);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (r == Z_OK);
	if (r != Z_STREAM_END)
		abort();
	deflateEnd(&z);
}

typedef struct {
	int members; /* members that ended */
	int result;  /* 0 at the input's end, -1 on an error */
	size_t left; /* input not consumed */
	char *msg;   /* the error */
} run_result;

/* Inflates all of in, handing input in pieces of up to in_piece bytes and room for up to
 * out_piece bytes (random sizes when jitter), into out. */
static run_result run(inflate_impl impl, const buf *in, size_t in_piece, size_t out_piece,
		      bool jitter, buf *out)
{
	_cleanup_(inflater_freep) inflater *z = inflater_new(impl);
	const unsigned char *p = (const unsigned char *)in->s;
	size_t left = in->len;
	unsigned char *room = xmalloc(out_piece);
	run_result res = { 0 };
	cpod_error *err = NULL;
	int idle = 0;

	for (;;) {
		size_t give = jitter ? 1 + rng() % in_piece : in_piece;
		size_t cap = jitter ? 1 + rng() % out_piece : out_piece;
		size_t n = give < left ? give : left, m = cap, before = n;
		unsigned char *o = room;
		int r = inflater_run(z, &p, &n, &o, &m, &err);

		left -= before - n;
		buf_add(out, room, cap - m);
		if (r < 0) {
			res.result = -1;
			res.msg = xstrdup(cpod_error_message(err));
			cpod_error_free(err);
			break;
		}
		res.members += r == 1;
		/* stuck: no input left and no more output coming */
		idle = (before == n && cap == m) ? idle + 1 : 0;
		if (!left && idle > 2)
			break;
	}
	res.left = left;
	free(room);
	return res;
}

static void check_roundtrip(inflate_impl impl, const char *what, const buf *data, int level,
			    int windowbits)
{
	_cleanup_buf_ buf gz = BUF_INIT, out1 = BUF_INIT, out2 = BUF_INIT, out3 = BUF_INIT;
	const char *kind = windowbits > 15 ? "gzip" : "zlib";
	run_result r;

	deflate_into(&gz, data, level, windowbits, NULL);
	r = run(impl, &gz, gz.len, data->len + 64, false, &out1);
	ok(r.result == 0 && r.members == 1 && out1.len == data->len &&
		   !memcmp(out1.s, data->s, data->len),
	   "%s: %s level %d: one call", what, kind, level);
	r = run(impl, &gz, 4096, 65536, true, &out2);
	ok(r.result == 0 && r.members == 1 && out2.len == data->len &&
		   !memcmp(out2.s, data->s, data->len),
	   "%s: %s level %d: random pieces", what, kind, level);
	r = run(impl, &gz, 7, 13, true, &out3);
	ok(r.result == 0 && r.members == 1 && out3.len == data->len &&
		   !memcmp(out3.s, data->s, data->len),
	   "%s: %s level %d: pieces of a few bytes", what, kind, level);
	free(r.msg);
}

static void test_roundtrips(inflate_impl impl, const char *name)
{
	_cleanup_buf_ buf rnd = BUF_INIT, txt = BUF_INIT, small = BUF_INIT, empty = BUF_INIT;
	_cleanup_buf_ buf mixed = BUF_INIT;
	_cleanup_free_ char *w_rnd = xasprintf("%s random 1 MiB", name);
	_cleanup_free_ char *w_txt = xasprintf("%s text 1 MiB", name);
	_cleanup_free_ char *w_mix = xasprintf("%s text and random", name);
	_cleanup_free_ char *w_small = xasprintf("%s 1 byte", name);
	_cleanup_free_ char *w_empty = xasprintf("%s empty", name);
	static const int levels[] = { 0, 1, 6, 9 };

	random_bytes(&rnd, 1 << 20);
	text_bytes(&txt, 1 << 20);
	text_bytes(&mixed, 200000);
	random_bytes(&mixed, 100000);
	buf_adds(&small, "x");
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		check_roundtrip(impl, w_rnd, &rnd, levels[i], 15 + 16);
		check_roundtrip(impl, w_txt, &txt, levels[i], 15 + 16);
	}
	check_roundtrip(impl, w_mix, &mixed, 6, 15 + 16);
	check_roundtrip(impl, w_mix, &mixed, 6, 15);
	check_roundtrip(impl, w_small, &small, 6, 15 + 16);
	check_roundtrip(impl, w_empty, &empty, 6, 15 + 16);
	check_roundtrip(impl, w_empty, &empty, 6, 15);
}

/* Three members (one a zlib stream, one with every optional gzip header field) read as one
 * stream, in one piece and in small pieces. */
static void test_members(inflate_impl impl, const char *name)
{
	_cleanup_buf_ buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT, all = BUF_INIT, in = BUF_INIT;
	unsigned char extra[] = { 'c', 'p', 4, 0, 1, 2, 3, 4 };
	gz_header h = {
		.text = 1,
		.time = 1700000000,
		.os = 3,
		.extra = extra,
		.extra_len = sizeof(extra),
		.name = (unsigned char *)"layer.tar",
		.comment = (unsigned char *)"a comment",
		.hcrc = 1,
	};
	static const size_t pieces[][2] = { { 1 << 20, 1 << 21 }, { 1, 1 }, { 5, 3 }, { 300, 77 } };

	text_bytes(&a, 70000);
	random_bytes(&b, 50000);
	text_bytes(&c, 1000);
	buf_add(&all, a.s, a.len);
	buf_add(&all, b.s, b.len);
	buf_add(&all, c.s, c.len);
	deflate_into(&in, &a, 6, 15 + 16, NULL);
	deflate_into(&in, &b, 1, 15, NULL);
	deflate_into(&in, &c, 9, 15 + 16, &h);
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++) {
		_cleanup_buf_ buf out = BUF_INIT;
		run_result r = run(impl, &in, pieces[i][0], pieces[i][1], i == 3, &out);

		ok(r.result == 0 && r.members == 3 && r.left == 0,
		   "%s: three members, pieces of %zu/%zu: %d ended (%s)", name, pieces[i][0],
		   pieces[i][1], r.members, r.msg ? r.msg : "no error");
		ok(out.len == all.len && !memcmp(out.s, all.s, all.len),
		   "%s: three members, pieces of %zu/%zu: the bytes of all three", name,
		   pieces[i][0], pieces[i][1]);
		free(r.msg);
	}
}

/* Every cut of a stream is either an error or an unfinished member, never a complete one. */
static void test_truncated(inflate_impl impl, const char *name)
{
	_cleanup_buf_ buf data = BUF_INIT, gz = BUF_INIT;
	int complete = 0, cuts = 0;

	text_bytes(&data, 20000);
	random_bytes(&data, 3000);
	deflate_into(&gz, &data, 6, 15 + 16, NULL);
	for (size_t cut = 0; cut < gz.len; cut += 1 + cut / 8, cuts++) {
		_cleanup_buf_ buf part = BUF_INIT, out = BUF_INIT;
		run_result r;

		buf_add(&part, gz.s, cut);
		r = run(impl, &part, 64, 4096, true, &out);
		complete += r.members != 0;
		free(r.msg);
	}
	/* the last bytes of the trailer, one at a time */
	for (size_t back = 1; back <= 8; back++, cuts++) {
		_cleanup_buf_ buf part = BUF_INIT, out = BUF_INIT;
		run_result r;

		buf_add(&part, gz.s, gz.len - back);
		r = run(impl, &part, gz.len, 1 << 16, false, &out);
		complete += r.members != 0;
		free(r.msg);
	}
	is_int(complete, 0, "%s: none of %d truncated streams ends a member", name, cuts);
}

static void expect_error(inflate_impl impl, const char *name, const buf *in, const char *want,
			 const char *what)
{
	_cleanup_buf_ buf out = BUF_INIT;
	run_result r = run(impl, in, 1000, 1 << 16, false, &out);

	ok(r.result == -1 && r.msg && strstr(r.msg, want), "%s: %s: '%s' (want '%s')", name, what,
	   r.msg ? r.msg : "no error", want);
	free(r.msg);
}

/* A header with FHCRC whose CRC is wrong. */
static void test_header_crc(inflate_impl impl, const char *name)
{
	_cleanup_buf_ buf data = BUF_INIT, gz = BUF_INIT;
	gz_header h = { .name = (unsigned char *)"x", .hcrc = 1 };

	text_bytes(&data, 1000);
	deflate_into(&gz, &data, 6, 15 + 16, &h);
	/* ID1 ID2 CM FLG MTIME(4) XFL OS "x\0" CRC16 */
	gz.s[12] ^= 0x10;
	expect_error(impl, name, &gz, "gzip: header crc mismatch", "a wrong header CRC");
}

static void test_corrupt(inflate_impl impl, const char *name)
{
	_cleanup_buf_ buf data = BUF_INIT, gz = BUF_INIT, bad = BUF_INIT;
	size_t crc_at;

	text_bytes(&data, 50000);
	deflate_into(&gz, &data, 6, 15 + 16, NULL);
	crc_at = gz.len - 8;

	buf_add(&bad, gz.s, gz.len);
	bad.s[crc_at] ^= 0x01;
	expect_error(impl, name, &bad, "gzip: incorrect data check", "a wrong CRC");
	buf_reset(&bad);
	buf_add(&bad, gz.s, gz.len);
	bad.s[gz.len - 2] ^= 0x40;
	expect_error(impl, name, &bad, "gzip: incorrect", "a wrong length in the trailer");
	buf_reset(&bad);
	buf_add(&bad, gz.s, gz.len);
	bad.s[2] = 7; /* compression method */
	expect_error(impl, name, &bad, "gzip: unknown compression method",
		     "an unknown compression method");
	buf_reset(&bad);
	buf_add(&bad, gz.s, gz.len);
	bad.s[3] = (char)0x20; /* a reserved flag */
	expect_error(impl, name, &bad, "gzip: unknown header flags set", "a reserved flag");
	buf_reset(&bad);
	buf_adds(&bad, "this is not compressed at all, not even a little");
	expect_error(impl, name, &bad, "gzip: incorrect header check", "garbage");
	buf_reset(&bad);
	buf_add(&bad, gz.s, gz.len);
	buf_adds(&bad, "trailing junk");
	expect_error(impl, name, &bad, "gzip: incorrect header check", "junk after a member");
	buf_reset(&bad);
	buf_add(&bad, gz.s, gz.len);
	/* the first block header: type 3 does not exist */
	bad.s[10] = (char)(bad.s[10] | 0x06);
	expect_error(impl, name, &bad, "gzip: ", "an invalid block type");

	/* Flipping bytes in the body: an error every time, never silently wrong output. */
	{
		int silent = 0, tries = 0;

		for (size_t at = 12; at < crc_at; at += 1 + at / 5, tries++) {
			_cleanup_buf_ buf out = BUF_INIT;
			run_result r;

			buf_reset(&bad);
			buf_add(&bad, gz.s, gz.len);
			bad.s[at] ^= (char)(1 + rng() % 255);
			r = run(impl, &bad, 1000, 1 << 16, false, &out);
			silent += r.result == 0 && r.members == 1;
			free(r.msg);
		}
		is_int(silent, 0, "%s: %d corrupt bodies: each one fails", name, tries);
	}
}

/* Both engines agree on large mixed input, byte for byte. */
static void test_engines_agree(void)
{
	_cleanup_buf_ buf data = BUF_INIT, gz = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	run_result ra, rb;

	for (int i = 0; i < 8; i++) {
		text_bytes(&data, data.len + 300000);
		random_bytes(&data, 200000);
	}
	deflate_into(&gz, &data, 6, 15 + 16, NULL);
	ra = run(INFLATE_ZLIB, &gz, 131072, 131072, true, &a);
	rb = run(INFLATE_ISAL, &gz, 131072, 131072, true, &b);
	ok(ra.result == 0 && rb.result == 0 && a.len == data.len && b.len == data.len &&
		   !memcmp(a.s, b.s, a.len) && !memcmp(a.s, data.s, a.len),
	   "zlib and isa-l give the same %zu bytes", data.len);
	free(ra.msg);
	free(rb.msg);
}

static void test_engine(inflate_impl impl, const char *name)
{
	inflater *z = inflater_new(impl);

	is_str(z ? inflater_impl_name(z) : NULL, name, "the %s engine", name);
	inflater_free(z);
	test_roundtrips(impl, name);
	test_members(impl, name);
	test_truncated(impl, name);
	test_corrupt(impl, name);
	test_header_crc(impl, name);
}

int main(void)
{
	inflater *def = inflater_new(INFLATE_DEFAULT);

	is_str(inflater_impl_name(def), inflate_have_isal() ? "isa-l" : "zlib",
	       "the default engine is the fastest one built in");
	inflater_free(def);
	test_engine(INFLATE_ZLIB, "zlib");
	if (inflate_have_isal()) {
		test_engine(INFLATE_ISAL, "isa-l");
		test_engines_agree();
	} else {
		ok(inflater_new(INFLATE_ISAL) == NULL, "no isa-l engine in a build without it");
	}
	return done_testing();
}
