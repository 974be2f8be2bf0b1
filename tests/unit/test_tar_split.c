/* Tar-split records: a layer tar applied to the store comes back byte for byte from
 * store_layer_diff(), whatever wrote it.  The tars are written here byte by byte in the layouts
 * of GNU tar (--format=gnu with ././@LongLink entries, pax, ustar with name prefixes, v7),
 * Python's tarfile (././@PaxHeader entries, 10240-byte records) and busybox tar (GNU magic, no
 * padding), and by libarchive's writers; with hard and symbolic links, empty files,
 * directories, whiteouts, names through symlinks, big and many small files, and odd ends
 * (missing, short or extra zero blocks, blocking padding, bytes after the end).  Then what
 * cannot come back: files changed after the apply (the canonical tar instead, with the new
 * content), sparse files, paths written twice, too much non-file data (no record at all),
 * corrupt records, non-seekable output, and the record's life in the store (deleted with its
 * layer, leftovers removed at open).  overlay needs root (whiteouts are devices); vfs runs
 * for anyone. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/store.h"
#include "storage/tar_split.h"
#include "tap.h"

#define MTIME 1500000000ULL

static char top[64];

/* ---- tar streams written byte by byte ---- */

typedef enum {
	FMT_GNU,   /* magic "ustar  \0" (GNU tar --format=gnu, busybox) */
	FMT_USTAR, /* magic "ustar\0" "00" (ustar, pax, Python's tarfile) */
	FMT_V7,	   /* no magic, no owner names */
} tfmt;

typedef struct {
	buf b;
	tfmt fmt;
} tw;

typedef struct {
	const char *name;
	char type;
	unsigned mode;
	uint64_t size;
	const char *link;
	const char *prefix; /* ustar's name prefix */
} th;

/* width - 1 octal digits and a NUL, as GNU tar and Python's tarfile write numbers */
static void octal(unsigned char *dst, size_t width, uint64_t v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(dst, tmp, width - 1);
	dst[width - 1] = '\0';
}

static void put_str(unsigned char *dst, size_t width, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst, s, n < width ? n : width);
}

static void tw_header(tw *t, const th *h)
{
	unsigned char blk[512] = { 0 };
	unsigned sum = 0;

	put_str(blk, 100, h->name);
	octal(blk + 100, 8, h->mode);
	octal(blk + 108, 8, h->type == 'L' || h->type == 'K' ? 0 : 1000);
	octal(blk + 116, 8, h->type == 'L' || h->type == 'K' ? 0 : 1000);
	octal(blk + 124, 12, h->size);
	octal(blk + 136, 12, MTIME);
	memset(blk + 148, ' ', 8);
	blk[156] = (unsigned char)h->type;
	if (h->link)
		put_str(blk + 157, 100, h->link);
	if (t->fmt == FMT_GNU)
		memcpy(blk + 257, "ustar  ", 8);
	else if (t->fmt == FMT_USTAR)
		memcpy(blk + 257, "ustar\00000", 8); /* "ustar", NUL, version "00" */
	if (t->fmt != FMT_V7) {
		put_str(blk + 265, 32, "user");
		put_str(blk + 297, 32, "group");
	}
	if (h->prefix)
		put_str(blk + 345, 155, h->prefix);
	for (size_t i = 0; i < sizeof(blk); i++)
		sum += blk[i];
	snprintf((char *)blk + 148, 8, "%06o", sum); /* "%06o\0 " */
	buf_add(&t->b, blk, sizeof(blk));
}

static void tw_data(tw *t, const void *p, size_t n)
{
	static const char zeros[512];

	buf_add(&t->b, p, n);
	if (n % 512)
		buf_add(&t->b, zeros, 512 - n % 512);
}

static void tw_entry(tw *t, const char *name, char type, unsigned mode, const char *link,
		     const void *data, size_t n)
{
	th h = { .name = name, .type = type, .mode = mode, .size = n, .link = link };

	tw_header(t, &h);
	tw_data(t, data, n);
}

/* A GNU ././@LongLink entry: 'L' (the next entry's name) or 'K' (its link target). */
static void tw_gnu_long(tw *t, char type, const char *s)
{
	tw_entry(t, "././@LongLink", type, 0, NULL, s, strlen(s) + 1);
}

/* Adds the pax record "LEN key=value\n" (LEN counts the whole record). */
static void pax_add(buf *rec, const char *key, const char *value)
{
	size_t n = strlen(key) + strlen(value) + 3, len = n + 1;

	while ((size_t)snprintf(NULL, 0, "%zu", len) + n != len)
		len = (size_t)snprintf(NULL, 0, "%zu", len) + n;
	buf_addf(rec, "%zu %s=%s\n", len, key, value);
}

static void tw_pax(tw *t, char type, const char *hname, buf *rec)
{
	tw_entry(t, hname, type, 0644, NULL, rec->s, rec->len);
	buf_reset(rec);
}

/* zeros zero blocks, then zeros up to a multiple of record bytes (0: none). */
static void tw_end(tw *t, int zeros, size_t record)
{
	static const char zero[512];

	for (int i = 0; i < zeros; i++)
		buf_add(&t->b, zero, sizeof(zero));
	while (record && t->b.len % record)
		buf_add(&t->b, zero, sizeof(zero));
}

/* n bytes of deterministic content. */
static char *content(size_t n, unsigned seed)
{
	char *p = xmalloc(n + 1);
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (char)(x >> 16);
	}
	return p;
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* GNU tar --format=gnu: long names and link targets in ././@LongLink entries, 10240-byte
 * records. */
static void build_gnu(tw *t)
{
	_cleanup_free_ char *d = repeat('d', 120), *dir = xasprintf("usr/share/%s/", d);
	_cleanup_free_ char *file = xasprintf("usr/share/%s/file", d);
	_cleanup_free_ char *target = xasprintf("/usr/share/%s/file", d);
	_cleanup_free_ char *c700 = content(700, 1), *c512 = content(512, 2);

	t->fmt = FMT_GNU;
	tw_entry(t, "usr/", '5', 0755, NULL, NULL, 0);
	tw_entry(t, "usr/share/", '5', 0755, NULL, NULL, 0);
	tw_gnu_long(t, 'L', dir);
	tw_entry(t, dir, '5', 0700, NULL, NULL, 0);
	tw_gnu_long(t, 'L', file);
	tw_entry(t, file, '0', 0644, NULL, c700, 700);
	tw_entry(t, "usr/empty", '0', 0600, NULL, NULL, 0);
	tw_entry(t, "usr/block", '0', 0644, NULL, c512, 512);
	tw_entry(t, "usr/one", '0', 0644, NULL, "1", 1);
	tw_gnu_long(t, 'K', target);
	tw_entry(t, "usr/longlink", '2', 0777, target, NULL, 0);
	tw_gnu_long(t, 'K', file);
	tw_entry(t, "usr/hard", '1', 0644, file, NULL, 0);
	tw_end(t, 2, 10240);
}

/* GNU tar --format=pax: a global header, extended headers with paths, fractional mtimes,
 * xattrs and a size overriding the header's, and a hard link carrying data. */
static void build_pax(tw *t)
{
	_cleanup_(buf_releasep) buf rec = BUF_INIT;
	_cleanup_free_ char *l = repeat('l', 200), *longname = xasprintf("etc/%s", l);
	_cleanup_free_ char *c300 = content(300, 3), *c40 = content(40, 4);

	t->fmt = FMT_USTAR;
	pax_add(&rec, "comment", "written by test_tar_split");
	tw_pax(t, 'g', "/tmp/GlobalHead.0.1", &rec);
	pax_add(&rec, "mtime", "1500000000.5");
	tw_pax(t, 'x', "./PaxHeaders/etc", &rec);
	tw_entry(t, "etc/", '5', 0755, NULL, NULL, 0);
	pax_add(&rec, "path", "etc/caf\xc3\xa9");
	tw_pax(t, 'x', "etc/PaxHeaders/caf", &rec);
	tw_entry(t, "etc/caf?", '0', 0644, NULL, c40, 40);
	pax_add(&rec, "path", longname);
	pax_add(&rec, "SCHILY.xattr.user.test", "value");
	tw_pax(t, 'x', "etc/PaxHeaders/lll", &rec);
	tw_entry(t, "etc/lll", '0', 0640, NULL, c40, 40);
	/* the header says 0 bytes, the extended header 300 */
	pax_add(&rec, "size", "300");
	tw_pax(t, 'x', "etc/PaxHeaders/sized", &rec);
	tw_header(t, &(th){ .name = "etc/sized", .type = '0', .mode = 0644, .size = 0 });
	tw_data(t, c300, 300);
	pax_add(&rec, "mtime", "1500000000.25");
	tw_pax(t, 'x', "etc/PaxHeaders/linked", &rec);
	tw_entry(t, "etc/linked", '1', 0644, "etc/sized", "data of a link", 14);
	tw_end(t, 2, 10240);
}

/* GNU tar --format=ustar: long paths split into prefix and name; a FIFO; five zero blocks. */
static void build_ustar(tw *t)
{
	_cleanup_free_ char *p = repeat('p', 90), *prefix = xasprintf("opt/%s", p);
	_cleanup_free_ char *f = repeat('f', 60), *c1000 = content(1000, 5);
	_cleanup_free_ char *full = xasprintf("%s/%s", prefix, f);

	t->fmt = FMT_USTAR;
	tw_entry(t, "opt/", '5', 0755, NULL, NULL, 0);
	tw_header(t, &(th){ .name = p, .prefix = "opt", .type = '5', .mode = 0755 });
	tw_header(t, &(th){ .name = f, .prefix = prefix, .type = '0', .mode = 0644, .size = 1000 });
	tw_data(t, c1000, 1000);
	tw_entry(t, "opt/sym", '2', 0777, full, NULL, 0);
	tw_entry(t, "opt/short", '0', 0644, NULL, "short", 5);
	tw_entry(t, "opt/hard", '1', 0644, "opt/short", NULL, 0);
	tw_entry(t, "opt/fifo", '6', 0600, NULL, NULL, 0);
	tw_end(t, 5, 0);
}

/* GNU tar --format=v7: no magic, a directory as a name ending in '/', and no end blocks. */
static void build_v7(tw *t)
{
	_cleanup_free_ char *c2000 = content(2000, 6);

	t->fmt = FMT_V7;
	tw_entry(t, "v7dir/", '\0', 0755, NULL, NULL, 0);
	tw_entry(t, "v7dir/file", '\0', 0644, NULL, c2000, 2000);
	tw_entry(t, "v7dir/link", '1', 0644, "v7dir/file", NULL, 0);
	tw_entry(t, "v7dir/sym", '2', 0777, "file", NULL, 0);
}

/* Python's tarfile (PAX_FORMAT): ././@PaxHeader entries where a name needs one, and the
 * archive padded to 10240 bytes. */
static void build_python(tw *t)
{
	_cleanup_(buf_releasep) buf rec = BUF_INIT;
	_cleanup_free_ char *c5000 = content(5000, 7);

	t->fmt = FMT_USTAR;
	tw_entry(t, "py/", '5', 0755, NULL, NULL, 0);
	pax_add(&rec, "path", "py/\xe2\x82\xac-euro");
	tw_pax(t, 'x', "././@PaxHeader", &rec);
	tw_entry(t, "py/?-euro", '0', 0644, NULL, c5000, 5000);
	tw_entry(t, "py/empty", '0', 0644, NULL, NULL, 0);
	tw_end(t, 2, 10240);
}

/* busybox tar: GNU magic and long names, two zero blocks and nothing more (one_block: a single
 * zero block, as some writers end). */
static void build_busybox(tw *t, bool one_block)
{
	_cleanup_free_ char *b = repeat('b', 130), *name = xasprintf("bb/%s", b);
	_cleanup_free_ char *c3 = content(3, 8);

	t->fmt = FMT_GNU;
	tw_entry(t, "bb/", '5', 0755, NULL, NULL, 0);
	tw_gnu_long(t, 'L', name);
	tw_entry(t, name, '0', 0755, NULL, c3, 3);
	tw_end(t, one_block ? 1 : 2, 0);
}

/* What layers hold: whiteouts, an opaque directory, aufs metadata with data, "./" and "/"
 * names, a name through a symlink, a file of several reads and many small ones, and bytes
 * after the end of the archive. */
static void build_layer(tw *t)
{
	_cleanup_free_ char *big = content(3 * 1024 * 1024 + 1, 9);

	t->fmt = FMT_USTAR;
	tw_entry(t, "./", '5', 0755, NULL, NULL, 0);
	tw_entry(t, "./gone/", '5', 0755, NULL, NULL, 0);
	tw_entry(t, "gone/.wh.old", '0', 0644, NULL, NULL, 0);
	tw_entry(t, "opq/", '5', 0755, NULL, NULL, 0);
	tw_entry(t, "opq/.wh..wh..opq", '0', 0644, NULL, NULL, 0);
	tw_entry(t, ".wh..wh.plnk/1.2", '0', 0644, NULL, "aufs hard link data", 19);
	tw_entry(t, "real/", '5', 0755, NULL, NULL, 0);
	tw_entry(t, "lnk", '2', 0777, "real", NULL, 0);
	tw_entry(t, "lnk/through", '0', 0644, NULL, "through a symlink", 17);
	tw_entry(t, "/abs", '0', 0644, NULL, "absolute", 8);
	tw_entry(t, "big", '0', 0644, NULL, big, 3 * 1024 * 1024 + 1);
	tw_entry(t, "many/", '5', 0755, NULL, NULL, 0);
	for (unsigned i = 0; i < 2000; i++) {
		_cleanup_free_ char *name = xasprintf("many/f%04u", i);
		_cleanup_free_ char *c = content(i % 700 + 1, i);

		tw_entry(t, name, '0', 0644, NULL, c, i % 700 + 1);
	}
	tw_end(t, 2, 0);
	buf_adds(&t->b, "bytes after the end\n");
}

/* ---- the store ---- */

typedef struct {
	const char *driver;
	const char *const *opts;
	char *graphroot, *runroot;
	store *s;
} fixture;

typedef struct {
	const char *p;
	size_t len, off, chunk;
} memsrc;

static ssize_t mem_read(void *cb, void *p, size_t len, cpod_error **err)
{
	memsrc *m = cb;
	size_t n = m->len - m->off;

	(void)err;
	if (n > len)
		n = len;
	if (n > m->chunk)
		n = m->chunk;
	memcpy(p, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/* Applies the tar (read chunk bytes at a time) on parent; *ret: the layer id or NULL. */
static char *apply(fixture *f, const char *parent, const buf *tar, size_t chunk)
{
	memsrc m = { .p = tar->s, .len = tar->len, .chunk = chunk };
	store_layer_result r = { 0 };
	cpod_error *err = NULL;
	char *id;

	if (store_layer_apply(f->s, parent, mem_read, &m, NULL, &r, &err) < 0) {
		diag("%s: apply: %s", f->driver, cpod_error_message(err));
		cpod_error_free(err);
		return NULL;
	}
	id = TAKE_PTR(r.id);
	store_layer_result_clear(&r);
	return id;
}

static char *split_path(fixture *f, const char *id)
{
	return xasprintf("%s/tar-split/%s.zst", f->graphroot, id);
}

static bool has_record(fixture *f, const char *id)
{
	_cleanup_free_ char *p = split_path(f, id);

	return access(p, F_OK) == 0;
}

/* store_layer_diff() into a temporary file, read back into out. */
static int diff_to(fixture *f, const char *id, buf *out)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/diff-XXXXXX", top);
	_cleanup_close_ int fd = mkstemp(tmpl);
	cpod_error *err = NULL;

	unlink(tmpl);
	buf_reset(out);
	/* something already in the file: the layer is written from where the offset is */
	if (write(fd, "KEEP", 4) != 4 || store_layer_diff(f->s, id, fd, &err) < 0) {
		diag("%s: diff: %s", f->driver, err ? cpod_error_message(err) : "write");
		cpod_error_free(err);
		return -1;
	}
	lseek(fd, 4, SEEK_SET);
	return buf_read_fd(out, fd);
}

static bool same(const buf *a, const buf *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static char *layer_diff_id(fixture *f, const char *id)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;

	if (store_layer_get(f->s, id, &l, NULL) < 0)
		return NULL;
	return TAKE_PTR(l->diff_id);
}

static void delete_layer(fixture *f, const char *id)
{
	cpod_error *err = NULL;

	if (store_layer_delete(f->s, id, &err) < 0)
		diag("%s: delete: %s", f->driver, cpod_error_message(err));
	cpod_error_free(err);
}

/* The tar, applied chunk bytes at a time, has a record and comes back byte for byte, its
 * digest the layer's diffID; deleting the layer deletes the record. */
static void round_trip(fixture *f, const char *what, const buf *tar, size_t chunk)
{
	_cleanup_free_ char *id = apply(f, NULL, tar, chunk), *diff_id = NULL, *dg = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;

	ok(id != NULL, "%s: %s (reads of %zu): applied", f->driver, what, chunk);
	if (!id)
		return;
	ok(has_record(f, id), "%s: %s: a tar-split record is kept", f->driver, what);
	is_int(diff_to(f, id, &out), 0, "%s: %s: diff", f->driver, what);
	ok(same(&out, tar), "%s: %s: the tar comes back byte for byte (%zu of %zu bytes)",
	   f->driver, what, out.len, tar->len);
	diff_id = layer_diff_id(f, id);
	dg = digest_buf(DIGEST_SHA256, out.s, out.len);
	is_str(dg, diff_id, "%s: %s: its digest is the diffID", f->driver, what);
	delete_layer(f, id);
	ok(!has_record(f, id), "%s: %s: the record goes with the layer", f->driver, what);
}

/* ---- tars that come back ---- */

static void test_formats(fixture *f)
{
	struct {
		const char *what;
		void (*build)(tw *t);
	} cases[] = {
		{ "gnu long names", build_gnu },    { "pax headers", build_pax },
		{ "ustar prefixes", build_ustar },  { "v7 without end blocks", build_v7 },
		{ "python tarfile", build_python },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		tw t = { .b = BUF_INIT };

		cases[i].build(&t);
		round_trip(f, cases[i].what, &t.b, 1);
		round_trip(f, cases[i].what, &t.b, 1000);
		round_trip(f, cases[i].what, &t.b, 1 << 20);
		buf_release(&t.b);
	}
	for (int one = 0; one < 2; one++) {
		tw t = { .b = BUF_INIT };

		build_busybox(&t, one);
		round_trip(f, one ? "busybox, one zero block" : "busybox", &t.b, 1000);
		buf_release(&t.b);
	}
}

static void test_layer_features(fixture *f)
{
	tw t = { .b = BUF_INIT };

	build_layer(&t);
	round_trip(f, "layer features", &t.b, 1000);
	round_trip(f, "layer features", &t.b, 128 * 1024);
	/* odd padding: the same entries, several zero blocks and a record's padding after */
	buf_truncate(&t.b, t.b.len - strlen("bytes after the end\n"));
	tw_end(&t, 7, 10240);
	round_trip(f, "extra zero blocks and padding", &t.b, 4096);
	buf_release(&t.b);
}

/* A file's data is never held by the recorder: one larger than what it holds of other bytes
 * keeps the record. */
static void test_huge_file(fixture *f)
{
	size_t n = TAR_SPLIT_SEGMENT_MAX + 4097;
	_cleanup_free_ char *c = content(n, 12);
	tw t = { .b = BUF_INIT, .fmt = FMT_GNU };

	tw_entry(&t, "huge", '0', 0644, NULL, c, n);
	tw_end(&t, 2, 10240);
	round_trip(f, "a file larger than 16 MiB", &t.b, 128 * 1024);
	buf_release(&t.b);
}

/* Writes a tree with libarchive's writer in the given format. */
static void build_libarchive(buf *out, int (*set_format)(struct archive *))
{
	struct archive *w = archive_write_new();
	size_t size = 1 << 20, used = 0;
	char *mem = xmalloc(size);
	_cleanup_free_ char *c = content(2500, 10);
	struct {
		const char *name;
		mode_t mode;
		size_t size;
		const char *link;
		bool hard;
	} es[] = {
		{ "la/", S_IFDIR | 0755, 0, NULL, false },
		{ "la/file", S_IFREG | 0644, 2500, NULL, false },
		{ "la/empty", S_IFREG | 0600, 0, NULL, false },
		{ "la/sym", S_IFLNK | 0777, 0, "file", false },
		{ "la/hard", S_IFREG | 0644, 0, "la/file", true },
	};

	set_format(w);
	archive_write_add_filter_none(w);
	archive_write_open_memory(w, mem, size, &used);
	for (size_t i = 0; i < ARRAY_SIZE(es); i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, es[i].name);
		archive_entry_set_mode(e, es[i].mode);
		archive_entry_set_mtime(e, (time_t)MTIME, 0);
		archive_entry_set_size(e, (la_int64_t)es[i].size);
		if (es[i].link && es[i].hard)
			archive_entry_set_hardlink(e, es[i].link);
		else if (es[i].link)
			archive_entry_set_symlink(e, es[i].link);
		archive_write_header(w, e);
		if (es[i].size)
			archive_write_data(w, c, es[i].size);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
	buf_reset(out);
	buf_add(out, mem, used);
	free(mem);
}

static void test_libarchive_writers(fixture *f)
{
	struct {
		const char *what;
		int (*set)(struct archive *);
	} fmts[] = {
		{ "libarchive gnutar", archive_write_set_format_gnutar },
		{ "libarchive ustar", archive_write_set_format_ustar },
		{ "libarchive v7", archive_write_set_format_v7tar },
		{ "libarchive pax", archive_write_set_format_pax },
		{ "libarchive pax restricted", archive_write_set_format_pax_restricted },
	};
	_cleanup_(buf_releasep) buf tar = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		build_libarchive(&tar, fmts[i].set);
		round_trip(f, fmts[i].what, &tar, 3000);
	}
	buf_reset(&tar);
	round_trip(f, "an empty stream", &tar, 1000);
	buf_add(&tar, (char[1024]){ 0 }, 1024);
	round_trip(f, "only the end blocks", &tar, 1000);
}

/* store_layer_apply_fd() of a zstd-compressed tar: the record is of the uncompressed stream. */
static void test_compressed(fixture *f)
{
	tw t = { .b = BUF_INIT };
	_cleanup_free_ char *tmpl = xasprintf("%s/zst-XXXXXX", top), *z = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;
	_cleanup_close_ int fd = mkstemp(tmpl);
	store_layer_result r = { 0 };
	cpod_error *err = NULL;
	size_t n;

	build_gnu(&t);
	z = xmalloc(ZSTD_compressBound(t.b.len));
	n = ZSTD_compress(z, ZSTD_compressBound(t.b.len), t.b.s, t.b.len, 3);
	if (ZSTD_isError(n) || write(fd, z, n) != (ssize_t)n)
		diag("writing the zstd layer failed");
	lseek(fd, 0, SEEK_SET);
	unlink(tmpl);
	is_int(store_layer_apply_fd(f->s, NULL, fd, NULL, &r, &err), 0, "%s: a zstd layer applied",
	       f->driver);
	if (r.id) {
		ok(has_record(f, r.id), "%s: zstd: a record is kept", f->driver);
		is_int(diff_to(f, r.id, &out), 0, "%s: zstd: diff", f->driver);
		ok(same(&out, &t.b), "%s: zstd: the uncompressed tar comes back", f->driver);
		delete_layer(f, r.id);
	}
	cpod_error_free(err);
	store_layer_result_clear(&r);
	buf_release(&t.b);
}

/* A layer on a parent; overlay: two stages extracted at once, the upper on the lower stage. */
static void test_on_parent(fixture *f)
{
	tw lower = { .b = BUF_INIT }, upper = { .b = BUF_INIT };
	_cleanup_free_ char *base = NULL, *top_id = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;

	build_gnu(&lower);
	build_layer(&upper);
	base = apply(f, NULL, &lower.b, 1000);
	top_id = base ? apply(f, base, &upper.b, 1000) : NULL;
	ok(top_id && has_record(f, top_id), "%s: a layer on a parent has a record", f->driver);
	is_int(top_id ? diff_to(f, top_id, &out) : -1, 0, "%s: its diff", f->driver);
	ok(same(&out, &upper.b), "%s: the upper layer's tar comes back", f->driver);
	if (top_id)
		delete_layer(f, top_id);
	if (base)
		delete_layer(f, base);
	buf_release(&lower.b);
	buf_release(&upper.b);
}

static void test_stages(fixture *f)
{
	tw lower = { .b = BUF_INIT }, upper = { .b = BUF_INIT };
	_cleanup_(store_layer_stage_freep) store_stage *s1 = NULL;
	_cleanup_(store_layer_stage_freep) store_stage *s2 = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;
	store_layer_result r1 = { 0 }, r2 = { 0 };
	cpod_error *err = NULL;
	memsrc m1, m2;
	int r;

	if (!store_layer_stage_independent(f->s))
		return;
	build_python(&lower);
	build_pax(&upper);
	m1 = (memsrc){ .p = lower.b.s, .len = lower.b.len, .chunk = 777 };
	m2 = (memsrc){ .p = upper.b.s, .len = upper.b.len, .chunk = 777 };
	r = store_layer_stage_begin(f->s, NULL, NULL, NULL, &s1, &err);
	if (r == 0)
		r = store_layer_stage_begin(f->s, NULL, s1, NULL, &s2, &err);
	/* the upper first: each stage extracts on its own */
	if (r == 0)
		r = store_layer_stage_apply(s2, mem_read, &m2, &err);
	if (r == 0)
		r = store_layer_stage_apply(s1, mem_read, &m1, &err);
	if (r == 0)
		r = store_layer_stage_commit(f->s, s1, &r1, &err);
	if (r == 0)
		r = store_layer_stage_commit(f->s, s2, &r2, &err);
	is_int(r, 0, "%s: two stages extracted and committed", f->driver);
	if (err)
		diag("%s", cpod_error_message(err));
	ok(r2.id && has_record(f, r2.id), "%s: the upper stage has a record", f->driver);
	is_int(r2.id ? diff_to(f, r2.id, &out) : -1, 0, "%s: its diff", f->driver);
	ok(same(&out, &upper.b), "%s: the staged layer's tar comes back", f->driver);
	if (r2.id)
		delete_layer(f, r2.id);
	if (r1.id)
		delete_layer(f, r1.id);
	store_layer_result_clear(&r1);
	store_layer_result_clear(&r2);
	cpod_error_free(err);
	buf_release(&lower.b);
	buf_release(&upper.b);
}

/* ---- what cannot come back ---- */

static char *files_path(fixture *f, const char *id, const char *rel)
{
	return str_eq(f->driver, "overlay")
		       ? xasprintf("%s/overlay/%s/diff/%s", f->graphroot, id, rel)
		       : xasprintf("%s/vfs/%s/%s", f->graphroot, id, rel);
}

/* The content of the member name of the tar in t; NULL when missing. */
static char *member(const buf *t, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *found = NULL;

	archive_read_support_format_tar(a);
	archive_read_open_memory(a, t->s, t->len);
	while (!found && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		la_int64_t n = archive_entry_size(e);

		if (!str_eq(archive_entry_pathname(e), name))
			continue;
		found = xmalloc((size_t)n + 1);
		if (archive_read_data(a, found, (size_t)n) != n)
			found[0] = '\0';
		found[n] = '\0';
	}
	archive_read_free(a);
	return found;
}

/* store_layer_diff() of id equals the canonical tar (what it gives once the record is gone). */
static bool is_canonical(fixture *f, const char *id, const buf *out)
{
	_cleanup_(buf_releasep) buf canon = BUF_INIT;
	_cleanup_free_ char *p = split_path(f, id);

	unlink(p);
	if (diff_to(f, id, &canon) == 0 && same(out, &canon))
		return true;
	diag("%s: %zu bytes, the canonical tar %zu", f->driver, out->len, canon.len);
	return false;
}

/* Changes the layer id made of build_python()'s tar the way how says. */
static void change(fixture *f, const char *id, int how)
{
	_cleanup_free_ char *empty = files_path(f, id, "py/empty");
	_cleanup_free_ char *euro = files_path(f, id, "py/\xe2\x82\xac-euro");
	_cleanup_free_ char *c = content(5000, 7), *record = split_path(f, id);
	struct stat st;

	switch (how) {
	case 0: /* one bit of a file, its size kept */
		c[100] ^= 1;
		fs_write_atomic(AT_FDCWD, euro, c, 5000, 0644, false, NULL);
		break;
	case 1: /* an empty file that is not empty any more */
		fs_write_atomic(AT_FDCWD, empty, "changed!", 8, 0644, false, NULL);
		break;
	case 2:
		unlink(euro);
		break;
	case 3: /* the files are right, the record is not */
		fs_write_atomic(AT_FDCWD, record, "garbage", 7, 0600, false, NULL);
		break;
	default: /* cut in the middle */
		if (stat(record, &st) == 0 && truncate(record, st.st_size / 2) < 0)
			diag("truncating '%s': %s", record, strerror(errno));
		break;
	}
}

/* Files changed after the apply (or a broken record): the canonical tar, with the files as
 * they are now. */
static void test_changed(fixture *f)
{
	const char *how[] = { "a bit flipped", "a file grown", "a file removed", "a corrupt record",
			      "a truncated record" };
	_cleanup_free_ char *want = content(5000, 7);
	tw t = { .b = BUF_INIT };

	want[100] ^= 1;
	build_python(&t);
	for (int i = 0; i < (int)ARRAY_SIZE(how); i++) {
		_cleanup_free_ char *id = apply(f, NULL, &t.b, 1000), *got = NULL;
		_cleanup_free_ char *dg = NULL, *diff_id = NULL;
		_cleanup_(buf_releasep) buf out = BUF_INIT;

		ok(id && has_record(f, id), "%s: %s: a record first", f->driver, how[i]);
		if (!id)
			break;
		change(f, id, i);
		is_int(diff_to(f, id, &out), 0, "%s: %s: diff", f->driver, how[i]);
		dg = digest_buf(DIGEST_SHA256, out.s, out.len);
		diff_id = layer_diff_id(f, id);
		ok(!same(&out, &t.b) && !str_eq(dg, diff_id),
		   "%s: %s: not the original tar, not its digest", f->driver, how[i]);
		if (i == 0) {
			got = member(&out, "py/\xe2\x82\xac-euro");
			ok(got && memcmp(got, want, 5000) == 0, "%s: %s: the new content",
			   f->driver, how[i]);
		} else if (i == 1) {
			got = member(&out, "py/empty");
			is_str(got, "changed!", "%s: %s: the new content", f->driver, how[i]);
		} else if (i == 2) {
			got = member(&out, "py/\xe2\x82\xac-euro");
			ok(!got && (got = member(&out, "py/empty")), "%s: %s: not in the tar",
			   f->driver, how[i]);
		}
		ok(is_canonical(f, id, &out), "%s: %s: the canonical tar", f->driver, how[i]);
		delete_layer(f, id);
	}
	buf_release(&t.b);
}

/* An old GNU sparse entry: 512 bytes of data at 4096 in a file of 8192. */
static void tw_sparse(tw *t, const char *name, const char *data)
{
	unsigned char blk[512] = { 0 };
	unsigned sum = 0;

	put_str(blk, 100, name);
	octal(blk + 100, 8, 0644);
	octal(blk + 108, 8, 1000);
	octal(blk + 116, 8, 1000);
	octal(blk + 124, 12, 512);
	octal(blk + 136, 12, MTIME);
	memset(blk + 148, ' ', 8);
	blk[156] = 'S';
	memcpy(blk + 257, "ustar  ", 8);
	octal(blk + 386, 12, 4096); /* the sparse map: offset, bytes */
	octal(blk + 398, 12, 512);
	octal(blk + 483, 12, 8192); /* the real size */
	for (size_t i = 0; i < sizeof(blk); i++)
		sum += blk[i];
	snprintf((char *)blk + 148, 8, "%06o", sum);
	buf_add(&t->b, blk, sizeof(blk));
	tw_data(t, data, 512);
}

/* The tar gives no record (and the canonical tar), where the same tar without its last entry
 * (control) has one. */
static void expect_no_record(fixture *f, const char *what, tw *t, size_t control_len)
{
	_cleanup_free_ char *id = NULL, *ctl = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT, head = BUF_INIT;

	buf_add(&head, t->b.s, control_len);
	buf_add(&head, (char[1024]){ 0 }, 1024);
	ctl = apply(f, NULL, &head, 1000);
	ok(ctl && has_record(f, ctl), "%s: %s: without it, a record", f->driver, what);
	if (ctl)
		delete_layer(f, ctl);
	id = apply(f, NULL, &t->b, 1000);
	ok(id != NULL, "%s: %s: applied", f->driver, what);
	if (!id)
		return;
	ok(!has_record(f, id), "%s: %s: no record", f->driver, what);
	is_int(diff_to(f, id, &out), 0, "%s: %s: diff", f->driver, what);
	ok(!same(&out, &t->b) && is_canonical(f, id, &out), "%s: %s: the canonical tar", f->driver,
	   what);
	delete_layer(f, id);
}

static void test_no_record(fixture *f)
{
	_cleanup_free_ char *c = content(600, 11), *sparse = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;
	size_t len;
	tw t = { .b = BUF_INIT, .fmt = FMT_USTAR };

	tw_entry(&t, "d/", '5', 0755, NULL, NULL, 0);
	tw_entry(&t, "d/a", '0', 0644, NULL, c, 600);
	len = t.b.len;
	tw_entry(&t, "d/a", '0', 0644, NULL, c, 100);
	tw_end(&t, 2, 0);
	expect_no_record(f, "a file written twice", &t, len);

	buf_truncate(&t.b, len);
	tw_entry(&t, "d/.wh.a", '0', 0644, NULL, NULL, 0);
	tw_end(&t, 2, 0);
	expect_no_record(f, "a file whited out by the same layer", &t, len);

	buf_truncate(&t.b, len);
	tw_entry(&t, "d", '2', 0777, "elsewhere", NULL, 0);
	tw_end(&t, 2, 0);
	expect_no_record(f, "its directory replaced", &t, len);

	buf_truncate(&t.b, len);
	t.fmt = FMT_GNU;
	tw_sparse(&t, "d/sparse", c);
	tw_end(&t, 2, 0);
	expect_no_record(f, "a sparse file", &t, len);
	{
		_cleanup_free_ char *id = apply(f, NULL, &t.b, 1000);
		_cleanup_free_ char *got = NULL;

		if (id && diff_to(f, id, &out) == 0)
			got = member(&out, "d/sparse");
		ok(got && got[0] == 0 && got[4095] == 0 && memcmp(got + 4096, c, 512) == 0,
		   "%s: the sparse file is in the canonical tar, holes as zeros", f->driver);
		if (id)
			delete_layer(f, id);
	}

	/* more non-file bytes in a row than a record keeps */
	buf_truncate(&t.b, len);
	tw_end(&t, 2, 0);
	sparse = xcalloc(1, TAR_SPLIT_SEGMENT_MAX + 1);
	buf_add(&t.b, sparse, TAR_SPLIT_SEGMENT_MAX + 1);
	expect_no_record(f, "16 MiB after the end", &t, len);
	buf_release(&t.b);
}

/* ---- output that cannot be taken back ---- */

typedef struct {
	int fd;
	buf out;
} piper;

static void *pipe_drain(void *p)
{
	piper *pr = p;

	buf_read_fd(&pr->out, pr->fd);
	return NULL;
}

/* store_layer_diff() into a pipe, read by another thread into out. */
static int diff_to_pipe(fixture *f, const char *id, buf *out)
{
	piper pr = { .out = BUF_INIT };
	cpod_error *err = NULL;
	pthread_t reader;
	int fds[2], r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pr.fd = fds[0];
	pthread_create(&reader, NULL, pipe_drain, &pr);
	r = store_layer_diff(f->s, id, fds[1], &err);
	if (r < 0)
		diag("%s: diff to a pipe: %s", f->driver, cpod_error_message(err));
	cpod_error_free(err);
	close(fds[1]);
	pthread_join(reader, NULL);
	close(fds[0]);
	buf_release(out);
	*out = pr.out;
	return r;
}

static void test_pipe(fixture *f)
{
	tw t = { .b = BUF_INIT };
	_cleanup_free_ char *id = NULL;
	_cleanup_(buf_releasep) buf out = BUF_INIT;

	build_python(&t);
	id = apply(f, NULL, &t.b, 1000);
	is_int(id ? diff_to_pipe(f, id, &out) : -1, 0, "%s: diff into a pipe", f->driver);
	ok(same(&out, &t.b), "%s: pipe: the tar comes back byte for byte", f->driver);
	if (id) {
		change(f, id, 0);
		is_int(diff_to_pipe(f, id, &out), 0, "%s: pipe: diff of a changed layer",
		       f->driver);
		ok(!same(&out, &t.b) && is_canonical(f, id, &out),
		   "%s: pipe: the canonical tar, nothing of the replay before it", f->driver);
		delete_layer(f, id);
	}
	buf_release(&t.b);
}

/* ---- the record's life in the store ---- */

/* The names in the tar-split directory starting with prefix. */
static int count_records(fixture *f, const char *prefix)
{
	_cleanup_free_ char *path = xasprintf("%s/tar-split", f->graphroot);
	_cleanup_closedir_ DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.' && str_has_prefix(de->d_name, prefix))
			n++;
	return n;
}

static void reopen(fixture *f)
{
	store_opts o = { .graphroot = f->graphroot,
			 .runroot = f->runroot,
			 .driver = f->driver,
			 .driver_opts = f->opts };
	cpod_error *err = NULL;

	store_close(f->s);
	f->s = NULL;
	if (store_open(&o, &f->s, &err) < 0)
		diag("%s: reopening: %s", f->driver, cpod_error_message(err));
	cpod_error_free(err);
}

static void test_lifecycle(fixture *f)
{
	char orphan[65] = { 0 };
	_cleanup_free_ char *id = NULL, *again = NULL, *p = NULL;
	_cleanup_(store_layer_stage_freep) store_stage *st = NULL;
	tw t = { .b = BUF_INIT };
	cpod_error *err = NULL;
	memsrc m;

	memset(orphan, 'a', 64); /* a layer id no layer has */
	build_gnu(&t);
	id = apply(f, NULL, &t.b, 1000);
	again = apply(f, NULL, &t.b, 1000);
	is_str(again, id, "%s: the same tar again: the same layer", f->driver);
	ok(id && has_record(f, id), "%s: ... whose record stays", f->driver);
	is_int(count_records(f, "staging-"), 0, "%s: no staging record left", f->driver);

	/* applied, never committed */
	m = (memsrc){ .p = t.b.s, .len = t.b.len, .chunk = 1000 };
	if (store_layer_stage_begin(f->s, NULL, NULL, NULL, &st, &err) == 0)
		store_layer_stage_apply(st, mem_read, &m, &err);
	is_int(count_records(f, "staging-"), 1, "%s: a stage records at its staging name",
	       f->driver);
	store_layer_stage_free(TAKE_PTR(st));
	is_int(count_records(f, "staging-"), 0, "%s: ... dropped with the stage", f->driver);

	/* what a crash leaves: store_open() removes it when a writer's marker is left too */
	p = xasprintf("%s/tar-split/staging-%s.zst", f->graphroot, orphan);
	fs_write_atomic(AT_FDCWD, p, "x", 1, 0600, false, NULL);
	free(p);
	p = split_path(f, orphan);
	fs_write_atomic(AT_FDCWD, p, "x", 1, 0600, false, NULL);
	free(p);
	p = xasprintf("%s/incomplete/crashed", f->graphroot);
	fs_write_atomic(AT_FDCWD, p, "", 0, 0600, false, NULL);
	reopen(f);
	ok(!has_record(f, orphan), "%s: a record without a layer is removed at open", f->driver);
	is_int(count_records(f, "staging-"), 0, "%s: a staging record is removed at open",
	       f->driver);
	ok(id && has_record(f, id), "%s: a layer's record is kept at open", f->driver);
	if (id)
		delete_layer(f, id);
	cpod_error_free(err);
	buf_release(&t.b);
}

static void run_driver(const char *name)
{
	static const char *const rootless_opts[] = { "vfs.ignore_chown_errors=true", NULL };
	fixture f = { .driver = name, .opts = geteuid() != 0 ? rootless_opts : NULL };
	store_opts o = { .driver = name, .driver_opts = f.opts };
	cpod_error *err = NULL;

	f.graphroot = xasprintf("%s/%s/root", top, name);
	f.runroot = xasprintf("%s/%s/run", top, name);
	o.graphroot = f.graphroot;
	o.runroot = f.runroot;
	if (store_open(&o, &f.s, &err) < 0) {
		ok(0, "%s: store_open: %s", name, cpod_error_message(err));
		cpod_error_free(err);
		return;
	}
	test_formats(&f);
	test_layer_features(&f);
	test_huge_file(&f);
	test_libarchive_writers(&f);
	test_compressed(&f);
	test_on_parent(&f);
	test_stages(&f);
	test_changed(&f);
	test_no_record(&f);
	test_pipe(&f);
	test_lifecycle(&f);
	store_close(f.s);
	free(f.graphroot);
	free(f.runroot);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/cpod-tar-split-XXXXXX");
	if (!mkdtemp(top))
		return 1;
	run_driver("vfs");
	if (geteuid() == 0 && overlay_supported(top))
		run_driver("overlay");
	else
		diag("skipping overlay: needs root and the kernel's overlay");
	fs_rm_rf_at(AT_FDCWD, top);
	return done_testing();
}
