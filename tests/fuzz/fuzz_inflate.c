/* Fuzzes the gzip inflater differentially: the input is inflated by zlib and, when cpod has
 * it, by ISA-L, each fed in pieces whose sizes come from the input's first byte.  What zlib
 * takes as whole and valid (no error, and it ends where a member ends), ISA-L must take too,
 * with the same members and the same bytes out.  The other way round is not required: ISA-L
 * accepts some malformed Huffman code sets that zlib refuses (what they decode to is still
 * checked against the member's CRC, and a layer against its diffID), and where a broken
 * stream fails may differ (a bad CRC before a cut trailer is an error for zlib, a cut stream
 * for ISA-L). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "image/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	int members;
	bool failed, capped;
	bool at_end; /* the last byte consumed ended a member */
	buf out;
} result;

static void inflate_all(inflate_impl impl, const uint8_t *in, size_t len, size_t piece, result *res)
{
	inflater *z = inflater_new(impl);
	unsigned char room[4096];
	int idle = 0;

	buf_init(&res->out, 64u << 20);
	while (idle < 3) {
		size_t n = len < piece ? len : piece, before = n, m = sizeof(room);
		unsigned char *o = room;
		cpod_error *err = NULL;
		int r = inflater_run(z, &in, &n, &o, &m, &err);

		len -= before - n;
		if (r < 0) {
			if (!err)
				abort(); /* a failure always says why */
			cpod_error_free(err);
			res->failed = true;
			break;
		}
		res->members += r == 1;
		if (r == 1)
			res->at_end = true;
		else if (before != n)
			res->at_end = false;
		if (buf_add(&res->out, room, sizeof(room) - m) < 0) {
			res->capped = true; /* a bomb: compared up to here */
			break;
		}
		idle = (!len && before == n && m == sizeof(room)) ? idle + 1 : 0;
	}
	inflater_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	result a = { 0 }, b = { 0 };
	size_t piece;

	if (!size || !inflate_have_isal())
		return 0;
	piece = 1 + data[0] % 64 * 97;
	inflate_all(INFLATE_ZLIB, data + 1, size - 1, piece, &a);
	inflate_all(INFLATE_ISAL, data + 1, size - 1, piece, &b);
	if (a.capped || b.capped) {
		size_t n = a.out.len < b.out.len ? a.out.len : b.out.len;

		if (memcmp(a.out.s, b.out.s, n))
			abort();
	} else {
		bool whole_a = !a.failed && a.at_end, whole_b = !b.failed && b.at_end;

		if (whole_a && !whole_b)
			abort();
		if (whole_a && (a.members != b.members || a.out.len != b.out.len ||
				memcmp(a.out.s, b.out.s, a.out.len)))
			abort();
	}
	buf_release(&a.out);
	buf_release(&b.out);
	return 0;
}
