/* Streaming gzip inflation through ISA-L or zlib (see inflate.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#ifdef CPOD_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/inflate.h"
#include "common/banned.h"

#define GZIP_MAGIC0 0x1f

/* Where the current member is. */
typedef enum {
	MEMBER_NEW,    /* its first byte decides who reads it */
	MEMBER_HEADER, /* ISA-L engine: cpod parses the gzip header */
	MEMBER_BODY,   /* ISA-L engine: the deflate data and the trailer */
	MEMBER_ZLIB,   /* zlib reads the member, header included */
} member_state;

/* The gzip header's fields, in order (RFC 1952 2.3). */
typedef enum {
	HDR_ID1,
	HDR_ID2,
	HDR_CM,
	HDR_FLG,
	HDR_FIXED, /* MTIME, XFL, OS */
	HDR_XLEN,
	HDR_EXTRA,
	HDR_NAME,
	HDR_COMMENT,
	HDR_HCRC,
	HDR_DONE,
} header_field;

#define FLG_FHCRC 0x02
#define FLG_FEXTRA 0x04
#define FLG_FNAME 0x08
#define FLG_FCOMMENT 0x10
#define FLG_RESERVED 0xe0

struct inflater {
	inflate_impl impl;
	member_state member;
	z_stream z;
	bool z_ready;
	/* the gzip header being parsed */
	header_field field;
	unsigned flags;
	size_t left;	 /* bytes left in the field */
	uint32_t hcrc;	 /* CRC-32 of the header so far */
	uint32_t stored; /* the header's own CRC16, as read */
#ifdef CPOD_HAVE_ISAL
	struct inflate_state *isal;
#endif
};

bool inflate_have_isal(void)
{
#ifdef CPOD_HAVE_ISAL
	return true;
#else
	return false;
#endif
}

inflater *inflater_new(inflate_impl impl)
{
	inflater *z;

	if (impl == INFLATE_DEFAULT)
		impl = inflate_have_isal() ? INFLATE_ISAL : INFLATE_ZLIB;
	if (impl == INFLATE_ISAL && !inflate_have_isal())
		return NULL;
	z = xcalloc(1, sizeof(*z));
	z->impl = impl;
	z->member = MEMBER_NEW;
#ifdef CPOD_HAVE_ISAL
	if (impl == INFLATE_ISAL)
		z->isal = xmalloc(sizeof(*z->isal));
#endif
	return z;
}

void inflater_free(inflater *z)
{
	int saved = errno;

	if (!z)
		return;
	if (z->z_ready)
		inflateEnd(&z->z);
#ifdef CPOD_HAVE_ISAL
	free(z->isal);
#endif
	free(z);
	errno = saved;
}

const char *inflater_impl_name(const inflater *z)
{
	return z->impl == INFLATE_ISAL ? "isa-l" : "zlib";
}

/* zlib counts in uInt, ISA-L in uint32_t: longer buffers are handed over in parts. */
static uint32_t clamp32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* zlib reads a whole member, header and trailer included. */
static int zlib_run(inflater *z, const unsigned char **in, size_t *in_len, unsigned char **out,
		    size_t *out_len, cpod_error **err)
{
	uint32_t avail_in = clamp32(*in_len), avail_out = clamp32(*out_len);
	int r;

	if (!z->z_ready) {
		/* 15 + 32: a gzip or a zlib header, detected. */
		if (inflateInit2(&z->z, 15 + 32) != Z_OK)
			abort();
		z->z_ready = true;
	} else if (z->member == MEMBER_NEW) {
		inflateReset(&z->z);
	}
	z->member = MEMBER_ZLIB;
	z->z.next_in = (unsigned char *)*in;
	z->z.avail_in = avail_in;
	z->z.next_out = *out;
	z->z.avail_out = avail_out;
	r = inflate(&z->z, Z_NO_FLUSH);
	*in += avail_in - z->z.avail_in;
	*in_len -= avail_in - z->z.avail_in;
	*out += avail_out - z->z.avail_out;
	*out_len -= avail_out - z->z.avail_out;
	if (r == Z_STREAM_END) {
		z->member = MEMBER_NEW;
		return 1;
	}
	if (r == Z_OK || r == Z_BUF_ERROR)
		return 0;
	if (r == Z_MEM_ERROR)
		abort();
	if (r == Z_NEED_DICT)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "gzip: a preset dictionary is needed");
	return cpod_err(err, CPOD_ERR_INVALID, 0, "gzip: %s", z->z.msg ? z->z.msg : "invalid data");
}

#ifdef CPOD_HAVE_ISAL
/* ISA-L's codes in zlib's words, so that a message does not depend on the engine. */
static const char *isal_message(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid block type";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INCORRECT_CHECKSUM:
		return "incorrect data check";
	default:
		return "invalid data";
	}
}

/* Where the header's fixed part leads after FLG, or after an optional field. */
static void header_next(inflater *z)
{
	static const struct {
		header_field field;
		unsigned flag;
	} optional[] = {
		{ HDR_XLEN, FLG_FEXTRA },
		{ HDR_NAME, FLG_FNAME },
		{ HDR_COMMENT, FLG_FCOMMENT },
		{ HDR_HCRC, FLG_FHCRC },
	};

	for (size_t i = 0; i < ARRAY_SIZE(optional); i++)
		if (optional[i].field > z->field && (z->flags & optional[i].flag)) {
			z->field = optional[i].field;
			z->left = optional[i].field == HDR_XLEN || optional[i].field == HDR_HCRC
					  ? 2
					  : 0;
			return;
		}
	z->field = HDR_DONE;
}

/* One byte of the header. */
static int header_byte(inflater *z, unsigned char c, cpod_error **err)
{
	static const unsigned char magic[] = { 0x1f, 0x8b };

	if (z->field != HDR_HCRC)
		z->hcrc = (uint32_t)crc32(z->hcrc, &c, 1);
	switch (z->field) {
	case HDR_ID1:
	case HDR_ID2:
		if (c != magic[z->field - HDR_ID1])
			return cpod_err(err, CPOD_ERR_INVALID, 0, "gzip: incorrect header check");
		z->field++;
		return 0;
	case HDR_CM:
		if (c != Z_DEFLATED)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"gzip: unknown compression method");
		z->field = HDR_FLG;
		return 0;
	case HDR_FLG:
		if (c & FLG_RESERVED)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "gzip: unknown header flags set");
		z->flags = c;
		z->field = HDR_FIXED;
		z->left = 6;
		return 0;
	case HDR_XLEN:
		/* little-endian: the low byte first */
		z->stored = z->left == 2 ? c : z->stored | (uint32_t)c << 8;
		if (--z->left == 0) {
			z->field = HDR_EXTRA;
			z->left = z->stored;
			if (!z->left)
				header_next(z);
		}
		return 0;
	case HDR_NAME:
	case HDR_COMMENT:
		if (!c)
			header_next(z);
		return 0;
	case HDR_HCRC:
		z->stored = z->left == 2 ? c : z->stored | (uint32_t)c << 8;
		if (--z->left == 0) {
			if (z->stored != (z->hcrc & 0xffff))
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"gzip: header crc mismatch");
			header_next(z);
		}
		return 0;
	default: /* HDR_FIXED, HDR_EXTRA: counted bytes */
		if (--z->left == 0)
			header_next(z);
		return 0;
	}
}

/* Parses the gzip header (ISA-L 2.30 mis-checks FHCRC when a header arrives in pieces, so it
 * only ever sees the deflate data and the trailer). */
static int header_run(inflater *z, const unsigned char **in, size_t *in_len, cpod_error **err)
{
	while (*in_len && z->field != HDR_DONE) {
		if (header_byte(z, **in, err) < 0)
			return -1;
		(*in)++;
		(*in_len)--;
	}
	if (z->field == HDR_DONE) {
		isal_inflate_init(z->isal);
		z->isal->crc_flag = ISAL_GZIP_NO_HDR_VER; /* checks the trailer that follows */
		z->member = MEMBER_BODY;
	}
	return 0;
}

static int isal_body_run(inflater *z, const unsigned char **in, size_t *in_len, unsigned char **out,
			 size_t *out_len, cpod_error **err)
{
	struct inflate_state *s = z->isal;
	uint32_t avail_in = clamp32(*in_len), avail_out = clamp32(*out_len);
	int r;

	s->next_in = (uint8_t *)*in;
	s->avail_in = avail_in;
	s->next_out = *out;
	s->avail_out = avail_out;
	r = isal_inflate(s);
	*in += avail_in - s->avail_in;
	*in_len -= avail_in - s->avail_in;
	*out += avail_out - s->avail_out;
	*out_len -= avail_out - s->avail_out;
	if (r < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "gzip: %s", isal_message(r));
	if (s->block_state == ISAL_BLOCK_FINISH) {
		z->member = MEMBER_NEW;
		return 1;
	}
	return 0;
}

static int isal_run(inflater *z, const unsigned char **in, size_t *in_len, unsigned char **out,
		    size_t *out_len, cpod_error **err)
{
	if (z->member == MEMBER_NEW) {
		if (!*in_len)
			return 0;
		/* zlib's detection: 1f is gzip, anything else must be a zlib stream, which zlib
		 * reads (rare enough for speed not to matter) */
		if (**in != GZIP_MAGIC0)
			return zlib_run(z, in, in_len, out, out_len, err);
		z->member = MEMBER_HEADER;
		z->field = HDR_ID1;
		z->hcrc = 0;
	}
	if (z->member == MEMBER_ZLIB)
		return zlib_run(z, in, in_len, out, out_len, err);
	if (z->member == MEMBER_HEADER && header_run(z, in, in_len, err) < 0)
		return -1;
	if (z->member == MEMBER_HEADER)
		return 0;
	return isal_body_run(z, in, in_len, out, out_len, err);
}
#endif

int inflater_run(inflater *z, const unsigned char **in, size_t *in_len, unsigned char **out,
		 size_t *out_len, cpod_error **err)
{
#ifdef CPOD_HAVE_ISAL
	if (z->impl == INFLATE_ISAL)
		return isal_run(z, in, in_len, out, out_len, err);
#endif
	return zlib_run(z, in, in_len, out, out_len, err);
}
