/* Tar-split records (tar_split.h): recorded while a layer stream is applied, replayed to write
 * the stream again. */
#include "storage/tar_split.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define MAGIC "cpod-tar-split 1\n"
#define OPS_FLUSH (256 * 1024) /* encoded operations gathered before they are compressed */
#define ZCHUNK (64 * 1024)
#define ZSTD_LEVEL 1 /* headers are mostly zeros and names: the fastest level does well */
#define OUT_CHUNK (256 * 1024)

/* ---- recording ---- */

struct tar_split_rec {
	int fd;
	ZSTD_CCtx *z;
	buf ops; /* encoded operations, not compressed yet */
	/* The stream's bytes [base, fed) not recorded yet: pend[start..start+len), copied, then
	 * view[0..vlen), still in the caller's buffer (until tar_split_keep()). */
	char *pend;
	size_t start, len, alloc;
	const char *view;
	size_t vlen;
	int64_t base; /* offset of the first pending byte; past fed while a file's data is skipped */
	int64_t fed;  /* bytes fed so far */
	int64_t entry;	  /* data offset of the entry announced last; -1 once taken by a file */
	uint64_t written; /* compressed bytes written to fd */
	char *why;	  /* why the record is spoiled; NULL while usable */
	unsigned char zout[ZCHUNK];
};

tar_split_rec *tar_split_rec_new(int out_fd)
{
	tar_split_rec *r = xcalloc(1, sizeof(*r));

	r->fd = out_fd;
	r->entry = -1;
	buf_init(&r->ops, 0);
	r->z = ZSTD_createCCtx();
	if (!r->z)
		abort(); /* only memory can fail here */
	ZSTD_CCtx_setParameter(r->z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(r->z, ZSTD_c_checksumFlag, 1);
	buf_add(&r->ops, MAGIC, strlen(MAGIC));
	return r;
}

void tar_split_rec_free(tar_split_rec *r)
{
	if (!r)
		return;
	ZSTD_freeCCtx(r->z);
	buf_release(&r->ops);
	free(r->pend);
	free(r->why);
	free(r);
}

bool tar_split_usable(const tar_split_rec *r)
{
	return !r->why;
}

void tar_split_spoil(tar_split_rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why)
		return;
	va_start(ap, fmt);
	if (vasprintf(&r->why, fmt, ap) < 0)
		abort();
	va_end(ap);
	/* nothing more is kept */
	free(r->pend);
	r->pend = NULL;
	r->start = r->len = r->alloc = 0;
	r->view = NULL;
	r->vlen = 0;
	buf_release(&r->ops);
}

static void pend_add(tar_split_rec *r, const char *p, size_t n)
{
	if (r->start + r->len + n > r->alloc) {
		if (2 * (r->len + n) > r->alloc) {
			/* half free at least after a move: moves cost O(1) per byte added */
			size_t alloc = 2 * (r->len + n) > 65536 ? 2 * (r->len + n) : 65536;
			char *bigger = xmalloc(alloc);

			if (r->len)
				memcpy(bigger, r->pend + r->start, r->len);
			free(r->pend);
			r->pend = bigger;
			r->alloc = alloc;
		} else {
			memmove(r->pend, r->pend + r->start, r->len);
		}
		r->start = 0;
	}
	memcpy(r->pend + r->start + r->len, p, n);
	r->len += n;
}

/* Forgets the first n pending bytes (n at most len + vlen). */
static void pend_drop(tar_split_rec *r, size_t n)
{
	size_t k = n < r->len ? n : r->len;

	r->start += k;
	r->len -= k;
	if (!r->len)
		r->start = 0;
	if (n > k) {
		r->view += n - k;
		r->vlen -= n - k;
	}
}

static void put_u32(buf *b, uint32_t v)
{
	unsigned char x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, x, sizeof(x));
}

static void put_u64(buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, x, sizeof(x));
}

/* Compresses the gathered operations into fd; mode: ZSTD_e_continue, or ZSTD_e_end at the
 * end.  -1 when the record got spoiled. */
static int compress_ops(tar_split_rec *r, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { r->ops.s, r->ops.len, 0 };

	for (;;) {
		ZSTD_outBuffer out = { r->zout, sizeof(r->zout), 0 };
		size_t left = ZSTD_compressStream2(r->z, &out, &in, mode);
		size_t n = out.pos;

		if (ZSTD_isError(left)) {
			tar_split_spoil(r, "compressing the record: %s", ZSTD_getErrorName(left));
			return -1;
		}
		if (n && fs_write_all(r->fd, r->zout, n) < 0) {
			tar_split_spoil(r, "writing the record: %s", strerror(errno));
			return -1;
		}
		r->written += n;
		if (r->written > TAR_SPLIT_RECORD_MAX) {
			tar_split_spoil(r, "the record is larger than %u bytes",
					TAR_SPLIT_RECORD_MAX);
			return -1;
		}
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			break;
	}
	buf_reset(&r->ops);
	return 0;
}

static void ops_added(tar_split_rec *r)
{
	if (r->ops.len >= OPS_FLUSH)
		compress_ops(r, ZSTD_e_continue);
}

/* Records the first n pending bytes as they are. */
static void emit_raw(tar_split_rec *r, size_t n)
{
	if (!n)
		return;
	buf_addch(&r->ops, 'R');
	put_u32(&r->ops, (uint32_t)n); /* n <= TAR_SPLIT_SEGMENT_MAX + a chunk */
	if (r->len)
		buf_add(&r->ops, r->pend + r->start, n < r->len ? n : r->len);
	if (n > r->len)
		buf_add(&r->ops, r->view, n - r->len);
	pend_drop(r, n);
	r->base += (int64_t)n;
	ops_added(r);
}

void tar_split_keep(tar_split_rec *r)
{
	if (!r->vlen)
		return;
	pend_add(r, r->view, r->vlen);
	r->view = NULL;
	r->vlen = 0;
	if (r->len > TAR_SPLIT_SEGMENT_MAX)
		tar_split_spoil(r, "more than %u bytes in a row outside the files' data",
				TAR_SPLIT_SEGMENT_MAX);
}

void tar_split_feed(tar_split_rec *r, const void *p, size_t n)
{
	int64_t from = r->fed;
	size_t skip;

	tar_split_keep(r);
	r->fed += (int64_t)n;
	if (r->why || r->fed <= r->base)
		return;
	/* not copied: most of it is data, or headers recorded before the buffer is reused */
	skip = r->base > from ? (size_t)(r->base - from) : 0;
	r->view = (const char *)p + skip;
	r->vlen = n - skip;
}

void tar_split_entry(tar_split_rec *r, int64_t data_off)
{
	if (r->why)
		return;
	if (data_off < r->base || data_off > r->fed) {
		tar_split_spoil(r, "an entry's data at offset %lld, outside %lld..%lld",
				(long long)data_off, (long long)r->base, (long long)r->fed);
		return;
	}
	emit_raw(r, (size_t)(data_off - r->base));
	r->entry = data_off;
}

void tar_split_file(tar_split_rec *r, const char *path, int64_t size)
{
	size_t n = strlen(path);

	if (r->why)
		return;
	if (r->entry < 0 || r->entry != r->base || size < 0 || !n || n >= PATH_MAX) {
		tar_split_spoil(r, "file '%s' not where its entry began", path);
		return;
	}
	buf_addch(&r->ops, 'F');
	put_u64(&r->ops, (uint64_t)size);
	put_u32(&r->ops, (uint32_t)n);
	buf_add(&r->ops, path, n);
	pend_drop(r, (uint64_t)size < r->len + r->vlen ? (size_t)size : r->len + r->vlen);
	r->base += size;
	r->entry = -1;
	ops_added(r);
}

int tar_split_finish(tar_split_rec *r)
{
	if (!r->why && r->base > r->fed)
		tar_split_spoil(r, "the stream ends inside the data of a file");
	if (!r->why) {
		emit_raw(r, r->len + r->vlen);
		if (!r->why) {
			buf_addch(&r->ops, 'E');
			put_u64(&r->ops, (uint64_t)r->fed);
			compress_ops(r, ZSTD_e_end);
		}
	}
	if (r->why) {
		log_debug("no tar-split record for this layer: %s", r->why);
		return -1;
	}
	return 0;
}

/* ---- replaying ---- */

struct replay {
	int rfd;
	int dirfd;
	int out_fd;
	ZSTD_DCtx *z;
	ZSTD_inBuffer zin; /* over in */
	bool z_end;	   /* the frame ended */
	unsigned char in[ZCHUNK];
	unsigned char ib[ZCHUNK]; /* decompressed, unread: ib[ipos..ilen) */
	size_t ipos, ilen;
	char ob[OUT_CHUNK]; /* output not yet hashed and written */
	size_t olen;
	uint64_t total; /* bytes of output flushed */
	digest_ctx *dg;
	char *why;
	cpod_error **err;
};

/* Sets why (the first reason wins) and returns 1: the record does not fit. */
static int rp_bad(struct replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rp_bad(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	if (rp->why)
		return 1;
	va_start(ap, fmt);
	if (vasprintf(&rp->why, fmt, ap) < 0)
		abort();
	va_end(ap);
	return 1;
}

/* Inflates more of the record when all of ib was used. */
static int rp_fill(struct replay *rp)
{
	while (rp->ipos == rp->ilen) {
		ZSTD_outBuffer out = { rp->ib, sizeof(rp->ib), 0 };
		size_t left;

		if (rp->z_end)
			return rp_bad(rp, "the record ends early");
		if (rp->zin.pos == rp->zin.size) {
			ssize_t n = read(rp->rfd, rp->in, sizeof(rp->in));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return rp_bad(rp, "reading the record: %s", strerror(errno));
			if (n == 0)
				return rp_bad(rp, "the record is truncated");
			rp->zin = (ZSTD_inBuffer){ rp->in, (size_t)n, 0 };
		}
		left = ZSTD_decompressStream(rp->z, &out, &rp->zin);
		if (ZSTD_isError(left))
			return rp_bad(rp, "the record is corrupt: %s", ZSTD_getErrorName(left));
		rp->z_end = left == 0;
		rp->ipos = 0;
		rp->ilen = out.pos;
	}
	return 0;
}

static int rp_read(struct replay *rp, void *dst, size_t n)
{
	char *d = dst;

	while (n) {
		size_t k;

		if (rp_fill(rp))
			return 1;
		k = rp->ilen - rp->ipos < n ? rp->ilen - rp->ipos : n;
		memcpy(d, rp->ib + rp->ipos, k);
		rp->ipos += k;
		d += k;
		n -= k;
	}
	return 0;
}

static int rp_u32(struct replay *rp, uint32_t *ret)
{
	unsigned char x[4];

	if (rp_read(rp, x, sizeof(x)))
		return 1;
	*ret = 0;
	for (int i = 3; i >= 0; i--)
		*ret = (*ret << 8) | x[i];
	return 0;
}

static int rp_u64(struct replay *rp, uint64_t *ret)
{
	unsigned char x[8];

	if (rp_read(rp, x, sizeof(x)))
		return 1;
	*ret = 0;
	for (int i = 7; i >= 0; i--)
		*ret = (*ret << 8) | x[i];
	return 0;
}

/* Hashes and writes out what ob holds. */
static int rp_flush(struct replay *rp)
{
	digest_update(rp->dg, rp->ob, rp->olen);
	if (rp->out_fd >= 0 && fs_write_all(rp->out_fd, rp->ob, rp->olen) < 0)
		return cpod_err(rp->err, CPOD_ERR_SYSTEM, errno, "writing the layer's tar");
	rp->total += rp->olen;
	rp->olen = 0;
	return 0;
}

/* 'R': n bytes of the record go out as they are. */
static int rp_raw(struct replay *rp)
{
	uint32_t n;

	if (rp_u32(rp, &n))
		return 1;
	while (n) {
		size_t k;

		if (rp_fill(rp))
			return 1;
		k = rp->ilen - rp->ipos;
		if (k > n)
			k = n;
		if (k > sizeof(rp->ob) - rp->olen)
			k = sizeof(rp->ob) - rp->olen;
		memcpy(rp->ob + rp->olen, rp->ib + rp->ipos, k);
		rp->olen += k;
		rp->ipos += k;
		n -= (uint32_t)k;
		if (rp->olen == sizeof(rp->ob) && rp_flush(rp) < 0)
			return -1;
	}
	return 0;
}

/* Copies size bytes of the open file path into the output. */
static int rp_copy(struct replay *rp, int fd, const char *path, uint64_t size)
{
	while (size) {
		size_t want = sizeof(rp->ob) - rp->olen;
		ssize_t n;

		if (want > size)
			want = (size_t)size;
		n = read(fd, rp->ob + rp->olen, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rp_bad(rp, "reading file '%s': %s", path, strerror(errno));
		if (n == 0)
			return rp_bad(rp, "file '%s' is shorter than recorded", path);
		rp->olen += (size_t)n;
		size -= (uint64_t)n;
		if (rp->olen == sizeof(rp->ob) && rp_flush(rp) < 0)
			return -1;
	}
	return 0;
}

/* 'F': a file's content from the layer. */
static int rp_file(struct replay *rp)
{
	_cleanup_close_ int fd = -1;
	cpod_error *e = NULL;
	char path[PATH_MAX];
	uint64_t size;
	uint32_t n;
	struct stat st;

	if (rp_u64(rp, &size) || rp_u32(rp, &n))
		return 1;
	if (n == 0 || n >= sizeof(path))
		return rp_bad(rp, "the record is corrupt: a path of %u bytes", n);
	if (rp_read(rp, path, n))
		return 1;
	path[n] = '\0';
	if (strlen(path) != n)
		return rp_bad(rp, "the record is corrupt: a path with a NUL byte");
	fd = fs_open_in_root(rp->dirfd, path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0, &e);
	if (fd < 0) {
		rp_bad(rp, "%s", cpod_error_message(e));
		cpod_error_free(e);
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return rp_bad(rp, "file '%s' is not the regular file of %llu bytes recorded", path,
			      (unsigned long long)size);
	return rp_copy(rp, fd, path, size);
}

static int rp_run(struct replay *rp)
{
	char magic[sizeof(MAGIC) - 1];
	uint64_t total;
	int r;

	if (rp_read(rp, magic, sizeof(magic)) || memcmp(magic, MAGIC, sizeof(magic)) != 0)
		return rp_bad(rp, "not a tar-split record");
	for (;;) {
		unsigned char op;

		if (rp_read(rp, &op, 1))
			return 1;
		switch (op) {
		case 'R':
			r = rp_raw(rp);
			break;
		case 'F':
			r = rp_file(rp);
			break;
		case 'E':
			if (rp_u64(rp, &total))
				return 1;
			if (rp_flush(rp) < 0)
				return -1;
			if (total != rp->total)
				return rp_bad(rp,
					      "the record is corrupt: %llu bytes instead of %llu",
					      (unsigned long long)rp->total,
					      (unsigned long long)total);
			return 0;
		default:
			return rp_bad(rp, "the record is corrupt: operation 0x%02x", op);
		}
		if (r)
			return r;
	}
}

int tar_split_replay(int record_fd, int layer_dirfd, int out_fd, char **ret_digest, char **ret_why,
		     cpod_error **err)
{
	struct replay *rp = xcalloc(1, sizeof(*rp));
	int r;

	rp->rfd = record_fd;
	rp->dirfd = layer_dirfd;
	rp->out_fd = out_fd;
	rp->err = err;
	rp->dg = digest_init(DIGEST_SHA256);
	rp->z = ZSTD_createDCtx();
	if (!rp->z)
		abort(); /* only memory can fail here */
	r = rp_run(rp);
	if (r == 0)
		*ret_digest = digest_final(rp->dg);
	else if (r > 0)
		*ret_why = TAKE_PTR(rp->why);
	ZSTD_freeDCtx(rp->z);
	digest_ctx_free(rp->dg);
	free(rp->why);
	free(rp);
	return r;
}
