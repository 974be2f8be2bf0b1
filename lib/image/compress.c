/* Layer compression: gzip through ISA-L or zlib, zstd (see compress.h). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#ifdef CPOD_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "image/compress.h"
#include "common/banned.h"

#define CHUNK (256u << 10)
#define ZSTD_MAX_WORKERS 4

static bool force_zlib;

void compress_force_zlib(bool on)
{
	force_zlib = on;
}

/* Where the compressed bytes go: counted, hashed, written. */
typedef struct {
	int fd;
	digest_ctx *dg;
	int64_t size;
	unsigned char *buf; /* CHUNK bytes for the compressor's output */
} sink;

static int sink_write(sink *k, size_t len, cpod_error **err)
{
	digest_update(k->dg, k->buf, len);
	k->size += (int64_t)len;
	if (fs_write_all(k->fd, k->buf, len) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing a compressed layer");
	return 0;
}

/* Feeds len input bytes (len 0 with fin: the end) through the compressor into k. */
typedef int (*step_fn)(void *state, const void *in, size_t len, bool fin, sink *k,
		       cpod_error **err);

static int zlib_step(void *state, const void *in, size_t len, bool fin, sink *k, cpod_error **err)
{
	z_stream *z = state;
	int zr;

	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	do {
		z->next_out = k->buf;
		z->avail_out = CHUNK;
		zr = deflate(z, fin ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR)
			return cpod_err(err, CPOD_ERR_INTERNAL, 0, "gzip compression failed");
		if (sink_write(k, CHUNK - z->avail_out, err) < 0)
			return -1;
	} while (z->avail_out == 0 || (fin && zr != Z_STREAM_END));
	return 0;
}

#ifdef CPOD_HAVE_ISAL
typedef struct {
	struct isal_zstream z;
	unsigned char *level_buf;
} isal_state;

static int isal_step(void *state, const void *in, size_t len, bool fin, sink *k, cpod_error **err)
{
	struct isal_zstream *z = &((isal_state *)state)->z;

	z->next_in = (uint8_t *)(uintptr_t)in;
	z->avail_in = (uint32_t)len;
	z->end_of_stream = fin;
	do {
		z->next_out = k->buf;
		z->avail_out = CHUNK;
		if (isal_deflate(z) != COMP_OK)
			return cpod_err(err, CPOD_ERR_INTERNAL, 0, "gzip compression failed");
		if (sink_write(k, CHUNK - z->avail_out, err) < 0)
			return -1;
	} while (z->avail_in > 0 || z->avail_out == 0 ||
		 (fin && z->internal_state.state != ZSTATE_END));
	return 0;
}
#endif

static int zstd_step(void *state, const void *in, size_t len, bool fin, sink *k, cpod_error **err)
{
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t left;

	do {
		ZSTD_outBuffer ob = { k->buf, CHUNK, 0 };

		left = ZSTD_compressStream2(state, &ob, &ib, fin ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return cpod_err(err, CPOD_ERR_INTERNAL, 0, "zstd compression failed: %s",
					ZSTD_getErrorName(left));
		if (sink_write(k, ob.pos, err) < 0)
			return -1;
	} while (fin ? left != 0 : ib.pos < ib.size);
	return 0;
}

static int pump(int in_fd, step_fn step, void *state, sink *k, digest_ctx *in_dg, cpod_error **err)
{
	_cleanup_free_ char *p = xmalloc(CHUNK);

	for (;;) {
		ssize_t n = read(in_fd, p, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading a layer");
		digest_update(in_dg, p, (size_t)n);
		if (step(state, p, (size_t)n, n == 0, k, err) < 0)
			return -1;
		if (n == 0)
			return 0;
	}
}

static int gzip_layer(int in_fd, sink *k, digest_ctx *in_dg, cpod_error **err)
{
	z_stream z = { 0 };
	int r;

#ifdef CPOD_HAVE_ISAL
	if (!force_zlib) {
		isal_state st = { .level_buf = xmalloc(ISAL_DEF_LVL1_DEFAULT) };

		isal_deflate_init(&st.z);
		st.z.level = 1;
		st.z.level_buf = st.level_buf;
		st.z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
		st.z.gzip_flag = IGZIP_GZIP;
		r = pump(in_fd, isal_step, &st, k, in_dg, err);
		free(st.level_buf);
		return r;
	}
#endif
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	r = pump(in_fd, zlib_step, &z, k, in_dg, err);
	deflateEnd(&z);
	return r;
}

static int zstd_layer(int in_fd, sink *k, digest_ctx *in_dg, cpod_error **err)
{
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r;

	if (!zc)
		abort();
	/* Fails harmlessly (one thread) with a library built without workers. */
	if (cpus > 1)
		ZSTD_CCtx_setParameter(zc, ZSTD_c_nbWorkers,
				       cpus > ZSTD_MAX_WORKERS ? ZSTD_MAX_WORKERS : (int)cpus);
	r = pump(in_fd, zstd_step, zc, k, in_dg, err);
	ZSTD_freeCCtx(zc);
	return r;
}

int compress_layer(int in_fd, int out_fd, manifest_compression comp, char **ret_diff_id,
		   char **ret_digest, int64_t *ret_size, cpod_error **err)
{
	_cleanup_(digest_ctx_freep) digest_ctx *in_dg = digest_init(DIGEST_SHA256);
	_cleanup_free_ unsigned char *out = xmalloc(CHUNK);
	sink k = { .fd = out_fd, .dg = digest_init(DIGEST_SHA256), .buf = out };
	int r;

	if (comp == COMPRESSION_GZIP)
		r = gzip_layer(in_fd, &k, in_dg, err);
	else if (comp == COMPRESSION_ZSTD)
		r = zstd_layer(in_fd, &k, in_dg, err);
	else
		r = cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported compression for a layer");
	if (r == 0) {
		*ret_diff_id = digest_final(in_dg);
		*ret_digest = digest_final(k.dg);
		*ret_size = k.size;
	}
	digest_ctx_free(k.dg);
	return r;
}
