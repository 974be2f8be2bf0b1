/* The store with both drivers: layers with whiteouts and opaque directories, chain ids and
 * dedupe, diffID checks, images and their files, container layers, mounts and their reference
 * counts, leftovers cleaned at open.  Needs root (the layers carry devices and other owners,
 * overlay needs mounts): skipped otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/meta.h"
#include "storage/store.h"
#include "tap.h"

static char top[64];

/* ---- building layer tars in memory ---- */

typedef struct {
	struct archive *w;
	char *mem;
	size_t size, used;
} tarbuild;

static void tb_begin(tarbuild *t, bool gzip)
{
	t->size = 1 << 20;
	t->mem = xmalloc(t->size);
	t->used = 0;
	t->w = archive_write_new();
	archive_write_set_format_pax(t->w);
	if (gzip)
		archive_write_add_filter_gzip(t->w);
	else
		archive_write_add_filter_none(t->w);
	archive_write_open_memory(t->w, t->mem, t->size, &t->used);
}

static void tb_end(tarbuild *t)
{
	archive_write_close(t->w);
	archive_write_free(t->w);
}

static void tb_add(tarbuild *t, const char *name, mode_t mode, const char *data, const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, 1500000000, 0);
	if (S_ISLNK(mode))
		archive_entry_set_symlink(e, link);
	else if (link)
		archive_entry_set_hardlink(e, link);
	if (data)
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	if (archive_write_header(t->w, e) != ARCHIVE_OK)
		diag("write_header %s: %s", name, archive_error_string(t->w));
	if (data)
		archive_write_data(t->w, data, strlen(data));
	archive_entry_free(e);
}

static void tb_add_special(tarbuild *t, const char *name, mode_t mode, unsigned uid, dev_t rdev,
			   const char *xattr)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, 1500000000, 0);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, uid);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	if (xattr)
		archive_entry_xattr_add_entry(e, "user.cpod", xattr, strlen(xattr));
	if (S_ISREG(mode))
		archive_entry_set_size(e, 4);
	if (archive_write_header(t->w, e) != ARCHIVE_OK)
		diag("write_header %s: %s", name, archive_error_string(t->w));
	if (S_ISREG(mode))
		archive_write_data(t->w, "data", 4);
	archive_entry_free(e);
}

static void build_base(tarbuild *t, bool gzip)
{
	tb_begin(t, gzip);
	tb_add(t, "etc/", S_IFDIR | 0755, NULL, NULL);
	tb_add(t, "etc/passwd", S_IFREG | 0644, "root:x:0:0\n", NULL);
	tb_add(t, "bin/", S_IFDIR | 0755, NULL, NULL);
	tb_add(t, "bin/busybox", S_IFREG | 0755, "BUSYBOX", NULL);
	tb_add(t, "bin/sh", S_IFLNK | 0777, NULL, "busybox");
	tb_add(t, "bin/ls", S_IFREG | 0755, NULL, "bin/busybox");
	tb_add(t, "usr/share/doc/", S_IFDIR | 0755, NULL, NULL);
	tb_add(t, "usr/share/doc/a", S_IFREG | 0644, "a", NULL);
	tb_add(t, "usr/share/doc/b", S_IFREG | 0644, "b", NULL);
	tb_add(t, "opt/", S_IFDIR | 0750, NULL, NULL);
	tb_add(t, "opt/gone", S_IFREG | 0600, "gone", NULL);
	tb_add(t, "opt/stay", S_IFREG | 0600, "stay", NULL);
	tb_add(t, "tmp/", S_IFDIR | 01777, NULL, NULL);
	tb_add_special(t, "home/", S_IFDIR | 0755, 0, 0, NULL);
	tb_add_special(t, "home/user/", S_IFDIR | 0700, 1000, 0, "dir");
	tb_add_special(t, "home/user/file", S_IFREG | 0640, 1000, 0, "file");
	tb_add_special(t, "run/", S_IFDIR | 0755, 0, 0, NULL);
	tb_add_special(t, "run/fifo", S_IFIFO | 0600, 0, 0, NULL);
	tb_add_special(t, "dev/", S_IFDIR | 0755, 0, 0, NULL);
	tb_add_special(t, "dev/null", S_IFCHR | 0666, 0, makedev(1, 3), NULL);
	tb_end(t);
}

static void build_upper(tarbuild *t)
{
	tb_begin(t, false);
	tb_add(t, "etc/passwd", S_IFREG | 0640, "root:x:0:0\nuser:x:1:1\n", NULL);
	/* real layers carry the parents of their entries: a parent missing from the stream
	 * would be made 0755 in an overlay diff and hide the lower directory's mode */
	tb_add(t, "opt/", S_IFDIR | 0750, NULL, NULL);
	tb_add(t, "opt/.wh.gone", S_IFREG | 0600, "", NULL);
	tb_add(t, "usr/share/doc/", S_IFDIR | 0755, NULL, NULL);
	tb_add(t, "usr/share/doc/.wh..wh..opq", S_IFREG | 0600, "", NULL);
	tb_add(t, "usr/share/doc/c", S_IFREG | 0644, "c", NULL);
	tb_add(t, "new", S_IFREG | 04755, "new file", NULL);
	/* a hard link to a file of the layer below: overlay copies the target up */
	tb_add(t, "sbin/", S_IFDIR | 0755, NULL, NULL);
	tb_add(t, "sbin/userfile", S_IFREG | 0640, NULL, "home/user/file");
	tb_end(t);
}

/* ---- reading from memory in small pieces ---- */

typedef struct {
	const char *p;
	size_t len, off;
	bool fail;
} memsrc;

static ssize_t mem_read(void *cb, void *p, size_t len, cpod_error **err)
{
	memsrc *m = cb;
	size_t n = m->len - m->off;

	if (m->fail && m->off > m->len / 2)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "connection reset");
	if (n > len)
		n = len;
	if (n > 3000)
		n = 3000;
	memcpy(p, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static int apply_mem(store *s, const char *parent, const tarbuild *t, const char *expected,
		     store_layer_result *res, cpod_error **err)
{
	memsrc m = { .p = t->mem, .len = t->used };

	return store_layer_apply(s, parent, mem_read, &m, expected, res, err);
}

/* ---- trees ---- */

static void list_tree(int dfd, const char *prefix, strv *out)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd = openat(dfd, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		_cleanup_free_ char *path = NULL;
		char content[256] = "";
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = prefix[0] ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(dfd, path, content, sizeof(content) - 1);

			content[n > 0 ? n : 0] = '\0';
		} else if (S_ISREG(st.st_mode)) {
			int f = openat(dfd, path, O_RDONLY | O_CLOEXEC);
			ssize_t n = f >= 0 ? read(f, content, sizeof(content) - 1) : -1;

			content[n > 0 ? n : 0] = '\0';
			if (f >= 0)
				close(f);
		}
		{
			_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d/%s", dfd, path);
			char xv[64] = "";
			ssize_t xn = S_ISLNK(st.st_mode)
					     ? -1
					     : getxattr(proc, "user.cpod", xv, sizeof(xv) - 1);

			xv[xn > 0 ? xn : 0] = '\0';
			strv_pushf(out, "%s %o %u:%u %u,%u x=%s [%s]", path, (unsigned)st.st_mode,
				   st.st_uid, st.st_gid,
				   S_ISCHR(st.st_mode) ? major(st.st_rdev) : 0,
				   S_ISCHR(st.st_mode) ? minor(st.st_rdev) : 0, xv, content);
		}
		if (S_ISDIR(st.st_mode))
			list_tree(dfd, path, out);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *tree_string(const char *path)
{
	_cleanup_strv_ strv v = STRV_INIT;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return xstrdup("(cannot open)");
	list_tree(fd, "", &v);
	qsort(v.v, v.n, sizeof(char *), cmp_str);
	return strv_join((const char *const *)v.v, "\n");
}

static int count_entries(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	return n;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static cpod_errkind kind_of(cpod_error *e)
{
	return e ? cpod_error_kind(e) : 0;
}

/* ---- one driver, end to end ---- */

typedef struct {
	const char *driver;
	char *graphroot, *runroot, *home;
	store *s;
	char *base, *upper, *image, *layer;
} fixture;

static store *open_store(fixture *f)
{
	store_opts o = { .graphroot = f->graphroot, .runroot = f->runroot, .driver = f->driver };
	store *s = NULL;
	cpod_error *err = NULL;

	if (store_open(&o, &s, &err) < 0) {
		diag("store_open: %s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return s;
}

static void test_layers(fixture *f)
{
	tarbuild b0, b1, bz;
	store_layer_result r0 = { 0 }, r1 = { 0 }, again = { 0 }, rz = { 0 }, rz2 = { 0 };
	cpod_error *err = NULL;
	_cleanup_free_ char *d0 = NULL, *d1 = NULL, *chain = NULL, *chain_in = NULL;
	_cleanup_free_ char *tmpl = xasprintf("%s/gz-XXXXXX", top);
	int fd;

	build_base(&b0, false);
	build_upper(&b1);
	d0 = digest_buf(DIGEST_SHA256, b0.mem, b0.used);
	d1 = digest_buf(DIGEST_SHA256, b1.mem, b1.used);

	is_int(apply_mem(f->s, NULL, &b0, d0, &r0, &err), 0, "%s: base layer applies", f->driver);
	is_str(r0.diff_id, d0, "%s: base diffID is the sha256 of the stream", f->driver);
	is_str(r0.id, d0 + 7, "%s: base layer id = its diffID hex", f->driver);
	is_int(r0.size, (long long)b0.used, "%s: base size is the stream size", f->driver);
	ok(!r0.existed, "%s: base layer is new", f->driver);

	is_int(apply_mem(f->s, r0.id, &b1, NULL, &r1, &err), 0, "%s: upper layer applies",
	       f->driver);
	chain_in = xasprintf("%s %s", d0, d1);
	chain = digest_buf(DIGEST_SHA256, chain_in, strlen(chain_in));
	is_str(r1.id, chain + 7, "%s: upper layer id is the chain id", f->driver);
	is_str(r1.diff_id, d1, "%s: upper diffID", f->driver);

	/* the same stream on the same parent is the same layer: nothing new is written */
	is_int(apply_mem(f->s, NULL, &b0, NULL, &again, &err), 0, "%s: base applies again",
	       f->driver);
	ok(again.existed, "%s: dedupe by chain id", f->driver);
	is_str(again.id, r0.id, "%s: dedupe gives the same id", f->driver);
	is_int(count_entries(f->home), str_eq(f->driver, "overlay") ? 3 : 2,
	       "%s: no staging copy left after dedupe", f->driver);

	/* a gzip file gives the diffID of its uncompressed bytes */
	build_base(&bz, true);
	fd = mkstemp(tmpl);
	ok(fd >= 0 && write(fd, bz.mem, bz.used) == (ssize_t)bz.used, "%s: gzip file written",
	   f->driver);
	lseek(fd, 0, SEEK_SET);
	is_int(store_layer_apply_fd(f->s, NULL, fd, d0, &rz, &err), 0,
	       "%s: gzip layer file applies", f->driver);
	is_str(rz.diff_id, d0, "%s: gzip diffID is over the uncompressed bytes", f->driver);
	ok(rz.existed, "%s: gzip layer is the same layer", f->driver);
	close(fd);
	unlink(tmpl);
	{
		_cleanup_free_ char *empty = digest_buf(DIGEST_SHA256, "", 0);

		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		is_int(store_layer_apply_fd(f->s, NULL, fd, NULL, &rz2, &err), 0,
		       "%s: an empty layer file applies", f->driver);
		is_str(rz2.diff_id, empty, "%s: ... with the diffID of nothing", f->driver);
		close(fd);
		if (rz2.id)
			is_int(store_layer_delete(f->s, rz2.id, &err), 0, "%s: empty layer deleted",
			       f->driver);
		store_layer_result_clear(&rz2);
	}

	f->base = xstrdup(r0.id);
	f->upper = xstrdup(r1.id);
	store_layer_result_clear(&r0);
	store_layer_result_clear(&r1);
	store_layer_result_clear(&again);
	store_layer_result_clear(&rz);
	free(b0.mem);
	free(b1.mem);
	free(bz.mem);
	cpod_error_free(err);
}

/* A hard link to a name no layer has, or out of the layer, is refused. */
static void test_bad_hardlinks(fixture *f)
{
	static const char *const targets[] = { "bin/nothing", "../../etc/shadow", "/etc/shadow" };
	meta_layer **all = NULL;
	int before = meta_layer_list(store_meta(f->s), META_LAYER_LIST_ALL, &all, NULL);

	meta_layerv_free(all);
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
		tarbuild t;
		store_layer_result r = { 0 };
		cpod_error *err = NULL;

		tb_begin(&t, false);
		tb_add(&t, "x/", S_IFDIR | 0755, NULL, NULL);
		tb_add(&t, "x/link", S_IFREG | 0644, NULL, targets[i]);
		tb_end(&t);
		is_int(apply_mem(f->s, f->base, &t, NULL, &r, &err), -1,
		       "%s: hard link to '%s' refused", f->driver, targets[i]);
		ok(err && strstr(cpod_error_message(err), "x/link"), "%s: naming the entry: %s",
		   f->driver, err ? cpod_error_message(err) : "");
		cpod_error_free(err);
		store_layer_result_clear(&r);
		free(t.mem);
	}
	is_int(meta_layer_list(store_meta(f->s), META_LAYER_LIST_ALL, &all, NULL), before,
	       "%s: the refused layers left nothing", f->driver);
	meta_layerv_free(all);
}

static void test_bad_layers(fixture *f)
{
	tarbuild b1;
	store_layer_result r = { 0 };
	cpod_error *err = NULL;
	meta_layer **all = NULL;
	int before, after;
	memsrc m;

	build_upper(&b1);
	before = meta_layer_list(store_meta(f->s), META_LAYER_LIST_ALL, &all, NULL);
	meta_layerv_free(all);

	is_int(apply_mem(f->s, f->base, &b1,
			 "sha256:"
			 "0000000000000000000000000000000000000000000000000000000000000000",
			 &r, &err),
	       -1, "%s: diffID mismatch fails", f->driver);
	is_int(kind_of(err), CPOD_ERR_INVALID, "%s: mismatch is invalid input", f->driver);
	ok(err && strstr(cpod_error_message(err), "mismatch"), "%s: message says mismatch: %s",
	   f->driver, err ? cpod_error_message(err) : "");
	cpod_error_free(err);
	err = NULL;

	m = (memsrc){ .p = b1.mem, .len = b1.used, .fail = true };
	is_int(store_layer_apply(f->s, f->base, mem_read, &m, NULL, &r, &err), -1,
	       "%s: a failing source fails", f->driver);
	ok(err && strstr(cpod_error_message(err), "connection reset"),
	   "%s: the source's error is reported: %s", f->driver, err ? cpod_error_message(err) : "");
	cpod_error_free(err);
	err = NULL;

	is_int(apply_mem(f->s, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
			 &b1, NULL, &r, &err),
	       -1, "%s: unknown parent fails", f->driver);
	is_int(kind_of(err), CPOD_ERR_NOT_FOUND, "%s: unknown parent is not found", f->driver);
	cpod_error_free(err);
	err = NULL;

	is_int(apply_mem(f->s, NULL,
			 &(tarbuild){ .mem = (char *)"not a tar stream at all", .used = 23 }, NULL,
			 &r, &err),
	       -1, "%s: garbage fails", f->driver);
	is_int(kind_of(err), CPOD_ERR_INVALID, "%s: garbage is invalid input", f->driver);
	cpod_error_free(err);
	err = NULL;
	{
		tarbuild h;

		tb_begin(&h, false);
		tb_add(&h, "ok", S_IFREG | 0644, "fine", NULL);
		tb_add(&h, "../../escape", S_IFREG | 0644, "evil", NULL);
		tb_end(&h);
		is_int(apply_mem(f->s, NULL, &h, NULL, &r, &err), -1, "%s: '..' entry fails",
		       f->driver);
		is_int(kind_of(err), CPOD_ERR_INVALID, "%s: '..' is invalid input", f->driver);
		cpod_error_free(err);
		err = NULL;
		free(h.mem);
	}
	after = meta_layer_list(store_meta(f->s), META_LAYER_LIST_ALL, &all, NULL);
	meta_layerv_free(all);
	is_int(after, before, "%s: failed applies register nothing", f->driver);
	is_int(count_entries(f->home), str_eq(f->driver, "overlay") ? 3 : 2,
	       "%s: failed applies leave no files", f->driver);
	free(b1.mem);
}

/* Parallel pulls of one layer: every process succeeds and one layer remains. */
static void test_parallel(fixture *f)
{
	tarbuild t;
	pid_t pids[4];
	int good = 0;
	store_layer_result r = { 0 };
	cpod_error *err = NULL;

	tb_begin(&t, false);
	tb_add(&t, "parallel", S_IFREG | 0644, "same bytes for everyone", NULL);
	tb_end(&t);
	fflush(stdout);
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			store *s = open_store(f);
			cpod_error *e = NULL;
			int rc = s && apply_mem(s, f->base, &t, NULL, NULL, &e) == 0 ? 0 : 1;

			if (e)
				diag("child: %s", cpod_error_message(e));
			cpod_error_free(e);

			store_close(s);
			fflush(stdout);
			_exit(rc);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		int status;

		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			good++;
	}
	is_int(good, ARRAY_SIZE(pids), "%s: parallel applies of one layer all succeed", f->driver);
	is_int(apply_mem(f->s, f->base, &t, NULL, &r, &err), 0, "%s: and it is there", f->driver);
	ok(r.existed, "%s: ... once", f->driver);
	is_int(count_entries(f->home), str_eq(f->driver, "overlay") ? 4 : 3,
	       "%s: no staging dirs left by parallel applies", f->driver);
	if (r.id)
		is_int(store_layer_delete(f->s, r.id, &err), 0, "%s: parallel layer deleted",
		       f->driver);
	store_layer_result_clear(&r);
	cpod_error_free(err);
	free(t.mem);
}

static void test_image(fixture *f)
{
	static const char config[] = "{\"architecture\":\"amd64\"}";
	const char *names[] = { "localhost/test:latest", NULL };
	const char *more[] = { "localhost/test:v2", NULL };
	store_bigdata bd[] = { { "config", config, sizeof(config) - 1 },
			       { "manifest-sha256:abc", "{}", 2 } };
	_cleanup_free_ char *dg = digest_buf(DIGEST_SHA256, config, sizeof(config) - 1);
	store_image_spec spec = {
		.top_layer = f->upper, .names = names, .bigdata = bd, .n_bigdata = 2, .size = -1
	};
	store_bigdata bad = { "../evil", "x", 1 };
	store_image_spec badspec = spec;
	_cleanup_(buf_releasep) buf out = BUF_INIT;
	meta_image *img = NULL;
	cpod_error *err = NULL;
	char prefix[13];

	f->image = xstrdup(dg + 7);
	spec.id = f->image;
	is_int(store_image_create(f->s, &spec, &err), 0, "%s: image created", f->driver);
	is_int(store_image_create(f->s, &spec, &err), -1, "%s: image created twice fails",
	       f->driver);
	is_int(kind_of(err), CPOD_ERR_EXISTS, "%s: ... as existing", f->driver);
	cpod_error_free(err);
	err = NULL;
	badspec.id = "1111111111111111111111111111111111111111111111111111111111111111";
	badspec.bigdata = &bad;
	badspec.n_bigdata = 1;
	is_int(store_image_create(f->s, &badspec, &err), -1, "%s: a key with '/' is refused",
	       f->driver);
	is_int(kind_of(err), CPOD_ERR_INVALID, "%s: ... as invalid", f->driver);
	cpod_error_free(err);
	err = NULL;

	is_int(store_image_get_by_name(f->s, "localhost/test:latest", &img, &err), 0,
	       "%s: lookup by name", f->driver);
	is_str(img ? img->id : NULL, f->image, "%s: ... finds the image", f->driver);
	is_str(img ? img->top_layer : NULL, f->upper, "%s: ... with its top layer", f->driver);
	meta_image_free(img);
	img = NULL;
	memcpy(prefix, f->image, 12);
	prefix[12] = '\0';
	is_int(store_image_get_by_prefix(f->s, prefix, &img, &err), 0, "%s: lookup by prefix",
	       f->driver);
	meta_image_free(img);
	img = NULL;
	is_int(store_image_add_names(f->s, f->image, more, &err), 0, "%s: name added", f->driver);
	is_int(store_image_get_by_name(f->s, "localhost/test:v2", &img, &err), 0,
	       "%s: added name resolves", f->driver);
	meta_image_free(img);
	img = NULL;
	is_int(store_image_remove_names(f->s, f->image, more, &err), 0, "%s: name removed",
	       f->driver);
	is_int(store_image_get_by_name(f->s, "localhost/test:v2", &img, &err), -1,
	       "%s: removed name is gone", f->driver);
	cpod_error_free(err);
	err = NULL;

	is_int(store_image_bigdata(f->s, f->image, "config", &out, 1024, &err), 0,
	       "%s: config read back", f->driver);
	is_str(out.s, config, "%s: config content", f->driver);
	is_int(store_image_bigdata(f->s, f->image, "nope", &out, 1024, &err), -1,
	       "%s: unknown key fails", f->driver);
	is_int(kind_of(err), CPOD_ERR_NOT_FOUND, "%s: ... as not found", f->driver);
	cpod_error_free(err);
	err = NULL;
}

static char *test_container(fixture *f)
{
	_cleanup_free_ char *path = NULL, *path2 = NULL, *hello = NULL, *in_diff = NULL;
	_cleanup_free_ char *passwd = NULL, *tree = NULL;
	cpod_error *err = NULL;
	bool overlay = str_eq(f->driver, "overlay");
	int fd;

	is_int(store_container_create(f->s, "ctr1", f->image, &f->layer, &err), 0,
	       "%s: container layer created", f->driver);
	is_int(store_container_create(f->s, "ctr1", f->image, NULL, &err), -1,
	       "%s: a second layer for one container fails", f->driver);
	cpod_error_free(err);
	err = NULL;
	is_int(store_mount(f->s, "ctr1", NULL, &path, &err), 0, "%s: container mounted", f->driver);
	if (!path) {
		diag("mount: %s", cpod_error_message(err));
		return xstrdup("");
	}
	tree = tree_string(path);
	ok(overlay == (driver_is_mountpoint(path) == 1), "%s: mount point iff overlay", f->driver);
	passwd = xasprintf("%s/etc/passwd", path);
	ok(exists(passwd), "%s: etc/passwd visible", f->driver);
	ok(strstr(tree, "opt/gone") == NULL, "%s: whiteout hides opt/gone", f->driver);
	ok(strstr(tree, "opt/stay") != NULL, "%s: opt/stay stays", f->driver);
	ok(strstr(tree, "usr/share/doc/a") == NULL && strstr(tree, "usr/share/doc/b") == NULL,
	   "%s: opaque dir hides the lower entries", f->driver);
	ok(strstr(tree, "usr/share/doc/c 100644 0:0 0,0 x= [c]") != NULL,
	   "%s: opaque dir keeps the new entry", f->driver);
	ok(strstr(tree, "bin/sh 120777 0:0 0,0 x= [busybox]") != NULL, "%s: symlink kept",
	   f->driver);
	ok(strstr(tree, "new 104755 0:0 0,0 x= [new file]") != NULL, "%s: setuid mode kept",
	   f->driver);
	ok(strstr(tree, "tmp 41777") != NULL, "%s: sticky dir kept", f->driver);
	ok(strstr(tree, "home/user 40700 1000:1000 0,0 x=dir []") != NULL,
	   "%s: directory owner and xattr kept", f->driver);
	ok(strstr(tree, "home/user/file 100640 1000:1000 0,0 x=file [data]") != NULL,
	   "%s: file owner and xattr kept", f->driver);
	ok(strstr(tree, "run/fifo 10600 0:0") != NULL, "%s: fifo kept", f->driver);
	ok(strstr(tree, "sbin/userfile 100640 1000:1000 0,0") != NULL &&
		   strstr(tree, "home/user/file 100640 1000:1000 0,0") != NULL,
	   "%s: hard link to a lower layer's file, owner and mode kept", f->driver);
	{
		_cleanup_free_ char *a = xasprintf("%s/sbin/userfile", path);
		_cleanup_free_ char *b = xasprintf("%s/home/user/file", path);
		struct stat sa, sb;
		ok(stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino,
		   "%s: it is one file with the target (copied up in overlay)", f->driver);
	}
	ok(strstr(tree, "dev/null 20666 0:0 1,3") != NULL, "%s: device kept", f->driver);
	ok(strstr(tree, "etc/passwd 100640 0:0 0,0 x= [root:x:0:0\nuser:x:1:1\n]") != NULL,
	   "%s: changed file has the upper content and mode", f->driver);
	{
		_cleanup_free_ char *a = xasprintf("%s/bin/ls", path);
		_cleanup_free_ char *b = xasprintf("%s/bin/busybox", path);
		struct stat sa, sb;

		ok(stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino,
		   "%s: hard link kept", f->driver);
	}

	/* writing into the rootfs lands in the container's layer only */
	hello = xasprintf("%s/hello", path);
	fd = open(hello, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd >= 0 && write(fd, "hi", 2) == 2, "%s: write into the mount", f->driver);
	if (fd >= 0)
		close(fd);
	in_diff = overlay ? xasprintf("%s/%s/diff/hello", f->home, f->layer)
			  : xasprintf("%s/%s/hello", f->home, f->layer);
	ok(exists(in_diff), "%s: the write is in the container layer", f->driver);
	{
		_cleanup_free_ char *up = overlay ? xasprintf("%s/%s/diff/hello", f->home, f->upper)
						  : xasprintf("%s/%s/hello", f->home, f->upper);

		ok(!exists(up), "%s: the image layer is untouched", f->driver);
	}

	/* two users: the first unmount must not take the rootfs from the second */
	is_int(store_mount(f->s, "ctr1", NULL, &path2, &err), 0, "%s: mounted again", f->driver);
	is_str(path2, path, "%s: same path", f->driver);
	is_int(store_unmount(f->s, "ctr1", false, &err), 0, "%s: first unmount", f->driver);
	ok(exists(hello), "%s: still mounted after one unmount", f->driver);
	is_int(store_unmount(f->s, "ctr1", false, &err), 0, "%s: second unmount", f->driver);
	ok(overlay == !exists(hello), "%s: unmounted at zero (overlay only)", f->driver);
	cpod_error_free(err);
	return TAKE_PTR(tree);
}

static char *layer_tree(fixture *f, const char *id)
{
	_cleanup_free_ char *path = str_eq(f->driver, "overlay")
					    ? xasprintf("%s/%s/diff", f->home, id)
					    : xasprintf("%s/%s", f->home, id);

	return tree_string(path);
}

/* The diff of the upper layer, applied again on the base, gives the same layer. */
static void test_diff(fixture *f)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/diff-XXXXXX", top);
	_cleanup_free_ char *want = NULL, *got = NULL;
	_cleanup_free_ char *split = xasprintf("%s/tar-split/%s.zst", f->graphroot, f->upper);
	_cleanup_strv_ strv names = STRV_INIT;
	store_layer_result r = { 0 };
	cpod_error *err = NULL;
	struct archive *a;
	struct archive_entry *e;
	bool overlay = str_eq(f->driver, "overlay");
	int fd = mkstemp(tmpl);

	unlink(tmpl);
	/* The layer's own tar comes back from its tar-split record (test_tar_split.c); without
	 * the record, the driver writes its diff. */
	is_int(unlink(split), 0, "%s: the upper layer has a tar-split record", f->driver);
	is_int(store_layer_diff(f->s, f->upper, fd, &err), 0, "%s: diff of the upper layer",
	       f->driver);
	if (err)
		diag("%s", cpod_error_message(err));
	lseek(fd, 0, SEEK_SET);
	a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_open_fd(a, fd, 4096);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		strv_push(&names, archive_entry_pathname(e));
	archive_read_free(a);
	ok(strv_contains((const char *const *)names.v, "opt/.wh.gone"), "%s: diff has the whiteout",
	   f->driver);
	ok(strv_contains((const char *const *)names.v,
			 overlay ? "usr/share/doc/.wh..wh..opq" : "usr/share/doc/.wh.a"),
	   "%s: diff hides the opaque dir's lower entries", f->driver);
	ok(strv_contains((const char *const *)names.v, "etc/passwd") &&
		   strv_contains((const char *const *)names.v, "new"),
	   "%s: diff has the changed and new files", f->driver);
	ok(!strv_contains((const char *const *)names.v, "bin/busybox") &&
		   !strv_contains((const char *const *)names.v, "opt/stay"),
	   "%s: diff has no unchanged file", f->driver);

	lseek(fd, 0, SEEK_SET);
	is_int(store_layer_apply_fd(f->s, f->base, fd, NULL, &r, &err), 0,
	       "%s: the diff applies on the base", f->driver);
	close(fd);
	if (r.id) {
		want = layer_tree(f, f->upper);
		got = layer_tree(f, r.id);
		is_str(got, want, "%s: diff -> apply gives the same layer", f->driver);
		is_int(store_layer_delete(f->s, r.id, &err), 0, "%s: round-trip layer deleted",
		       f->driver);
	}
	is_int(store_layer_delete(f->s, f->base, &err), -1, "%s: a layer in use is kept",
	       f->driver);
	is_int(kind_of(err), CPOD_ERR_STATE, "%s: ... state error", f->driver);
	store_layer_result_clear(&r);
	cpod_error_free(err);
}

/* A read-only mount of one layer and a container without an image (one lower each at most). */
static void test_single_layer_mounts(fixture *f)
{
	const char *id = "7878787878787878787878787878787878787878787878787878787878787878";
	store_image_spec spec = { .id = id, .top_layer = f->base, .size = -1 };
	_cleanup_free_ char *path = NULL, *probe = NULL, *cpath = NULL;
	cpod_error *err = NULL;
	int fd;

	is_int(store_image_create(f->s, &spec, &err), 0, "overlay: one-layer image created");
	is_int(store_image_mount(f->s, id, &path, &err), 0, "overlay: one-layer image mounted");
	probe = xasprintf("%s/opt/gone", path ? path : "");
	ok(exists(probe), "overlay: one-layer image shows its file");
	is_int(store_image_unmount(f->s, id, false, &err), 0, "overlay: one-layer image unmounted");
	is_int(store_image_delete(f->s, id, false, &err), 0, "overlay: one-layer image deleted");
	ok(exists(f->home) && count_entries(f->home) == 4, "overlay: its layer is kept (in use)");

	is_int(store_container_create(f->s, "scratch", NULL, NULL, &err), 0,
	       "overlay: container without an image");
	is_int(store_mount(f->s, "scratch", NULL, &cpath, &err), 0, "overlay: ... mounted");
	free(probe);
	probe = xasprintf("%s/file", cpath ? cpath : "");
	fd = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd >= 0 && count_entries(cpath) == 1, "overlay: ... empty and writable");
	if (fd >= 0)
		close(fd);
	is_int(store_unmount(f->s, "scratch", false, &err), 0, "overlay: ... unmounted");
	is_int(store_container_delete(f->s, "scratch", &err), 0, "overlay: ... deleted");
	if (err)
		diag("%s", cpod_error_message(err));
	cpod_error_free(err);
}

static void test_image_mount(fixture *f)
{
	_cleanup_free_ char *path = NULL, *probe = NULL;
	cpod_error *err = NULL;
	int fd;

	if (!str_eq(f->driver, "overlay"))
		return;
	is_int(store_image_mount(f->s, f->image, &path, &err), 0, "overlay: image mounted");
	if (!path) {
		diag("image mount: %s", cpod_error_message(err));
		cpod_error_free(err);
		return;
	}
	probe = xasprintf("%s/etc/passwd", path);
	ok(exists(probe), "overlay: image mount shows the image's files");
	free(probe);
	probe = xasprintf("%s/x", path);
	fd = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd < 0 && errno == EROFS, "overlay: image mount is read-only");
	if (fd >= 0)
		close(fd);
	is_int(store_image_unmount(f->s, f->image, false, &err), 0, "overlay: image unmounted");
	ok(driver_is_mountpoint(path) == 0, "overlay: image mount gone");
	test_single_layer_mounts(f);
}

static bool mountinfo_has(const char *needle)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;

	return fs_read_file("/proc/self/mountinfo", 0, &b, NULL) == 0 && strstr(b.s, needle);
}

/* A chain too long for absolute lowerdir paths in one page: mounted with the short links. */
static void test_many_layers(fixture *f)
{
	const char *id = "5656565656565656565656565656565656565656565656565656565656565656";
	_cleanup_free_ char *parent = NULL, *path = NULL, *first = NULL, *last = NULL;
	store_image_spec spec = { .id = id, .size = -1 };
	cpod_error *err = NULL;
	int fails = 0, before;

	if (!str_eq(f->driver, "overlay"))
		return;
	for (int i = 0; i < 90; i++) {
		_cleanup_free_ char *name = xasprintf("many/f%d", i);
		store_layer_result r = { 0 };
		tarbuild t;

		tb_begin(&t, false);
		tb_add(&t, "many/", S_IFDIR | 0755, NULL, NULL);
		tb_add(&t, name, S_IFREG | 0644, name, NULL);
		tb_end(&t);
		if (apply_mem(f->s, parent, &t, NULL, &r, &err) < 0)
			fails++;
		free(parent);
		parent = TAKE_PTR(r.id);
		store_layer_result_clear(&r);
		free(t.mem);
	}
	is_int(fails, 0, "overlay: 90 stacked layers applied");
	spec.top_layer = parent;
	is_int(store_image_create(f->s, &spec, &err), 0, "overlay: 90-layer image created");
	is_int(store_container_create(f->s, "many", id, NULL, &err), 0,
	       "overlay: container on 90 layers");
	is_int(store_mount(f->s, "many", NULL, &path, &err), 0, "overlay: 90 layers mounted");
	if (err)
		diag("%s", cpod_error_message(err));
	ok(mountinfo_has("lowerdir=l/"), "overlay: mounted with relative short links");
	first = xasprintf("%s/many/f0", path ? path : "");
	last = xasprintf("%s/many/f89", path ? path : "");
	ok(exists(first) && exists(last), "overlay: bottom and top layers visible");
	is_int(store_unmount(f->s, "many", false, &err), 0, "overlay: 90 layers unmounted");
	/* forced: the container keeps the layers until it goes */
	before = count_entries(f->home);
	is_int(store_image_delete(f->s, id, true, &err), 0, "overlay: image deleted by force");
	is_int(count_entries(f->home), before, "overlay: the container keeps the image's layers");
	is_int(store_container_delete(f->s, "many", &err), 0, "overlay: container deleted");
	is_int(count_entries(f->home), before - 91,
	       "overlay: the container's and the image's layers are gone with it");
	cpod_error_free(err);
}

static bool touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The store lock held shared by a writer stops the cleanup at open, without waiting. */
static void test_busy_cleanup(fixture *f)
{
	_cleanup_free_ char *lockpath = xasprintf("%s/storage.lock", f->runroot);
	_cleanup_free_ char *sdir = xasprintf("%s/" DRIVER_STAGING_PREFIX "9999", f->home);
	file_lock l = FILE_LOCK_INIT;
	cpod_error *err = NULL;

	_cleanup_free_ char *marker = xasprintf("%s/incomplete/writer-9999", f->graphroot);
	ok(fs_mkdir_p(sdir, 0700) == 0 && touch(marker),
	   "%s: staging dir and marker of a running writer", f->driver);
	is_int(lock_open(lockpath, LOCK_SHARED, LOCK_WAIT, &l, &err), 0,
	       "%s: writer holds the store lock", f->driver);
	store_close(f->s);
	f->s = open_store(f);
	ok(f->s && exists(sdir), "%s: open leaves a running writer's staging dir", f->driver);
	lock_release(&l);
	store_close(f->s);
	f->s = open_store(f);
	ok(f->s && !exists(sdir), "%s: removed once no writer runs", f->driver);
	ok(!exists(marker), "%s: and the marker with it", f->driver);
	cpod_error_free(err);
}

static void test_delete(fixture *f)
{
	_cleanup_free_ char *imgdir = xasprintf("%s/images/%s", f->graphroot, f->image);
	store_layer_usage *u = NULL;
	size_t n = 0;
	cpod_error *err = NULL;

	is_int(store_usage(f->s, &u, &n, &err), 0, "%s: usage", f->driver);
	is_int(n, 3, "%s: usage lists three layers", f->driver);
	store_usage_free(u, n);

	is_int(store_image_delete(f->s, f->image, false, &err), -1,
	       "%s: image in use cannot be deleted", f->driver);
	is_int(kind_of(err), CPOD_ERR_STATE, "%s: ... state error", f->driver);
	cpod_error_free(err);
	err = NULL;
	ok(exists(imgdir), "%s: refused delete keeps the files", f->driver);

	is_int(store_container_delete(f->s, "ctr1", &err), 0, "%s: container layer deleted",
	       f->driver);
	ok(!exists(f->layer) && count_entries(f->home) == (str_eq(f->driver, "overlay") ? 3 : 2),
	   "%s: container layer files gone", f->driver);
	is_int(store_image_delete(f->s, f->image, false, &err), 0, "%s: image deleted", f->driver);
	ok(!exists(imgdir), "%s: image files gone", f->driver);
	is_int(count_entries(f->home), str_eq(f->driver, "overlay") ? 1 : 0,
	       "%s: unreferenced layer dirs gone", f->driver);
	if (str_eq(f->driver, "overlay")) {
		_cleanup_free_ char *l = xasprintf("%s/l", f->home);

		is_int(count_entries(l), 0, "overlay: short links gone");
	}
	cpod_error_free(err);
}

/* A kill mid-write leaves a staging row and dirs; the next open removes them. */
static void test_leftovers(fixture *f)
{
	const char *ghost = "abababababababababababababababababababababababababababababababab";
	meta_layer spec = { .id = (char *)ghost, .driver = (char *)f->driver };
	_cleanup_free_ char *gdir = xasprintf("%s/%s", f->home, ghost);
	_cleanup_free_ char *sdir = xasprintf("%s/" DRIVER_STAGING_PREFIX "cdcd", f->home);
	_cleanup_free_ char *orphan = xasprintf("%s/%s", f->home,
						"efefefefefefefefefefefefefefefefefefefefefefefefef"
						"efefefefefefef");
	_cleanup_free_ char *imgdir = xasprintf("%s/images/%s", f->graphroot,
						"12121212121212121212121212121212121212121212121212"
						"12121212121212");
	_cleanup_free_ char *marker = xasprintf("%s/incomplete/killed-writer", f->graphroot);
	meta_layer *l = NULL;
	cpod_error *err = NULL;

	is_int(meta_layer_add(store_meta(f->s), &spec, &err), 0, "%s: staging row added",
	       f->driver);
	ok(fs_mkdir_p(gdir, 0700) == 0 && fs_mkdir_p(sdir, 0700) == 0 &&
		   fs_mkdir_p(orphan, 0700) == 0 && fs_mkdir_p(imgdir, 0700) == 0,
	   "%s: leftover dirs made", f->driver);
	/* Without the marker a killed writer leaves, open does not scan: leftovers stay. */
	store_close(f->s);
	f->s = open_store(f);
	ok(f->s && exists(gdir) && exists(orphan), "%s: no marker, no scan", f->driver);
	ok(touch(marker), "%s: the killed writer's marker", f->driver);
	store_close(f->s);
	f->s = open_store(f);
	ok(f->s != NULL, "%s: store reopened", f->driver);
	if (!f->s)
		return;
	is_int(meta_layer_get(store_meta(f->s), ghost, &l, &err), -1, "%s: staging row removed",
	       f->driver);
	meta_layer_free(l);
	cpod_error_free(err);
	ok(!exists(gdir) && !exists(sdir) && !exists(orphan), "%s: leftover layer dirs removed",
	   f->driver);
	ok(!exists(imgdir), "%s: image dir without a row removed", f->driver);
	ok(!exists(marker), "%s: the marker is cleared", f->driver);
}

static char *run_driver(const char *name)
{
	fixture f = { .driver = name };
	char *tree = NULL;

	f.graphroot = xasprintf("%s/%s/root", top, name);
	f.runroot = xasprintf("%s/%s/run", top, name);
	f.home = xasprintf("%s/%s", f.graphroot, name);
	f.s = open_store(&f);
	ok(f.s != NULL, "%s: store opened", name);
	if (!f.s)
		goto out;
	is_str(store_driver_name(f.s), name, "%s: driver name", name);
	test_layers(&f);
	test_bad_layers(&f);
	test_bad_hardlinks(&f);
	test_parallel(&f);
	test_image(&f);
	tree = test_container(&f);
	test_diff(&f);
	test_image_mount(&f);
	test_many_layers(&f);
	test_delete(&f);
	test_leftovers(&f);
	if (f.s)
		test_busy_cleanup(&f);
out:
	store_close(f.s);
	free(f.graphroot);
	free(f.runroot);
	free(f.home);
	free(f.base);
	free(f.upper);
	free(f.image);
	free(f.layer);
	return tree;
}

static void test_detect(void)
{
	_cleanup_free_ char *g = xasprintf("%s/detect/root", top);
	_cleanup_free_ char *r = xasprintf("%s/detect/run", top);
	store_opts o = { .graphroot = g, .runroot = r };
	store *s = NULL;
	cpod_error *err = NULL;
	struct stat st;

	is_int(store_open(&o, &s, &err), 0, "detect: store opened without a driver name");
	is_str(s ? store_driver_name(s) : NULL, overlay_supported(top) ? "overlay" : "vfs",
	       "detect: overlay when it works here");
	ok(stat(g, &st) == 0 && (st.st_mode & 07777) == 0700, "detect: graphroot is 0700");
	store_close(s);
	s = NULL;
	o.driver = "zfs";
	is_int(store_open(&o, &s, &err), -1, "detect: unknown driver refused");
	is_int(kind_of(err), CPOD_ERR_INVALID, "detect: ... as invalid");
	cpod_error_free(err);
	err = NULL;
	o.driver = NULL;
	o.runroot = NULL;
	is_int(store_open(&o, &s, &err), -1, "detect: no runroot refused");
	cpod_error_free(err);
}

int main(void)
{
	_cleanup_free_ char *ov = NULL, *vfs = NULL;

	if (geteuid() != 0) {
		/* the layers carry devices and other owners, and overlay needs mounts */
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	snprintf(top, sizeof(top), "/tmp/cpod-store-XXXXXX");
	if (!mkdtemp(top))
		return 1;
	test_detect();
	vfs = run_driver("vfs");
	if (overlay_supported(top)) {
		ov = run_driver("overlay");
		is_str(ov, vfs, "overlay and vfs mount the same tree");
	} else {
		diag("skipping overlay: the kernel has no overlay here");
	}
	fs_rm_rf_at(AT_FDCWD, top);
	return done_testing();
}
