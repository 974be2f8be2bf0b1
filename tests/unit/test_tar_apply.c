/* tar_apply() and tar_diff(): every entry type, whiteouts and opaque directories in both
 * modes, hostile streams, and apply -> diff -> apply round trips.  Everything runs twice:
 * with openat2() and with the O_PATH walk forced. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/tar_apply.h"
#include "storage/tar_diff.h"
#include "tap.h"

static char top[64]; /* a fresh directory in /tmp; layers are made inside it */
static int topfd = -1;
static bool is_root;
static int serial;

/* ---- building archives in memory ---- */

typedef struct {
	struct archive *w;
	char *mem;
	size_t size, used;
} tarbuild;

static void tb_begin(tarbuild *t, bool gzip)
{
	t->size = 4 << 20;
	t->mem = xmalloc(t->size);
	t->used = 0;
	t->w = archive_write_new();
	archive_write_set_format_pax(t->w);
	archive_write_set_options(t->w, "xattrheader=SCHILY");
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

static struct archive_entry *tb_entry(const char *name, mode_t mode)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, 1500000000, 0);
	return e;
}

static void tb_put(tarbuild *t, struct archive_entry *e, const char *data)
{
	if (data) {
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	}
	if (archive_write_header(t->w, e) != ARCHIVE_OK)
		diag("write_header %s: %s", archive_entry_pathname(e), archive_error_string(t->w));
	if (data)
		archive_write_data(t->w, data, strlen(data));
	archive_entry_free(e);
}

static void tb_file(tarbuild *t, const char *name, mode_t perm, const char *data)
{
	tb_put(t, tb_entry(name, AE_IFREG | perm), data);
}

static void tb_dir(tarbuild *t, const char *name, mode_t perm)
{
	tb_put(t, tb_entry(name, AE_IFDIR | perm), NULL);
}

static void tb_symlink(tarbuild *t, const char *name, const char *target)
{
	struct archive_entry *e = tb_entry(name, AE_IFLNK | 0777);

	archive_entry_set_symlink(e, target);
	tb_put(t, e, NULL);
}

static void tb_hardlink(tarbuild *t, const char *name, const char *target)
{
	struct archive_entry *e = tb_entry(name, AE_IFREG | 0644);

	archive_entry_set_hardlink(e, target);
	tb_put(t, e, NULL);
}

static void tb_node(tarbuild *t, const char *name, mode_t type, unsigned maj, unsigned min)
{
	struct archive_entry *e = tb_entry(name, type | 0640);

	archive_entry_set_rdev(e, makedev(maj, min));
	tb_put(t, e, NULL);
}

/* ---- applying ---- */

static int apply_mem(int rootfd, const tarbuild *t, size_t len, const tar_apply_opts *opts,
		     tar_apply_stats *stats, cpod_error **err)
{
	struct archive *a = tar_apply_reader_new();
	int r;

	archive_read_open_memory(a, t->mem, len);
	r = tar_apply(rootfd, a, opts, stats, err);
	archive_read_free(a);
	return r;
}

/* A fresh empty layer directory top/NAME-N; returns an O_PATH descriptor of it. */
static int new_layer(const char *name, char **ret_path)
{
	char *rel = xasprintf("%s-%d", name, ++serial);
	int fd;

	mkdirat(topfd, rel, 0755);
	fd = openat(topfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ret_path)
		*ret_path = xasprintf("%s/%s", top, rel);
	free(rel);
	return fd;
}

static bool exists_at(int dfd, const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool host_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static char *read_at(int dfd, const char *path)
{
	buf b = BUF_INIT;
	int fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return xstrdup("(missing)");
	buf_read_fd(&b, fd);
	close(fd);
	return buf_detach(&b, NULL);
}

static char *xattr_at(int dfd, const char *path, const char *key)
{
	_cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char v[256];
	ssize_t n = fd >= 0 ? fgetxattr(fd, key, v, sizeof(v) - 1) : -1;

	if (n < 0)
		return xstrdup("(none)");
	v[n] = '\0';
	return xstrdup(v);
}

/* ---- describing a tree, to compare two ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void describe_xattrs(int dfd, const char *name, buf *out)
{
	char path[PATH_MAX], list[4096], v[256];
	char *keys[64];
	size_t nk = 0;
	ssize_t n, vn;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
	n = llistxattr(path, list, sizeof(list));
	/* The names come in creation order: sort them. */
	for (char *k = list; n > 0 && k < list + n && nk < 64; k += strlen(k) + 1)
		keys[nk++] = k;
	qsort(keys, nk, sizeof(char *), cmp_str);
	for (size_t i = 0; i < nk; i++) {
		vn = lgetxattr(path, keys[i], v, sizeof(v) - 1);
		v[vn > 0 ? vn : 0] = '\0';
		buf_addf(out, " %s=%s", keys[i], v);
	}
}

static void describe(int dfd, const char *prefix, buf *out)
{
	DIR *d = fdopendir(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	char *names[256];
	size_t n = 0;
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n < 256)
			names[n++] = xstrdup(de->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char target[PATH_MAX] = "";
		_cleanup_free_ char *path = xasprintf("%s%s", prefix, names[i]);

		fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW);
		buf_addf(out, "%s mode=%o owner=%u:%u nlink=%lu mtime=%lld.%09ld", path,
			 (unsigned)st.st_mode, st.st_uid, st.st_gid, (unsigned long)st.st_nlink,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (S_ISLNK(st.st_mode) &&
		    readlinkat(dfd, names[i], target, sizeof(target) - 1) > 0)
			buf_addf(out, " -> %s", target);
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			buf_addf(out, " rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
		if (S_ISREG(st.st_mode)) {
			_cleanup_free_ char *c = read_at(dfd, names[i]);
			buf_addf(out, " size=%lld data=%s", (long long)st.st_size, c);
		}
		describe_xattrs(dfd, names[i], out);
		buf_addch(out, '\n');
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(
				dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_free_ char *p = xasprintf("%s/", path);
			describe(sub, p, out);
		}
		free(names[i]);
	}
}

static char *tree(int dfd)
{
	buf b = BUF_INIT;

	describe(dfd, "", &b);
	return buf_detach(&b, NULL);
}

static void skip(const char *why)
{
	tap_count_++;
	printf("ok %d # skip %s\n", tap_count_, why);
}

static tar_apply_opts opts_for(tar_apply_mode mode, bool devices)
{
	tar_apply_opts o = { .mode = mode, .allow_devices = devices, .no_chown = !is_root };

	return o;
}

static void report(const char *what, int r, cpod_error *err)
{
	if (r < 0)
		diag("%s: %s", what, cpod_error_message(err));
}

static bool same_inode(int dfd, const char *a, const char *b)
{
	struct stat sa, sb;

	return fstatat(dfd, a, &sa, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(dfd, b, &sb, AT_SYMLINK_NOFOLLOW) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static bool is_whiteout(int dfd, const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(0, 0);
}

/* The archive of test_entry_types(), also the start of the round trip. */
static void build_all_types(tarbuild *t)
{
	struct archive_entry *e;

	tb_dir(t, "./", 0711);
	tb_dir(t, "d", 0750);
	e = tb_entry("d/f", AE_IFREG | 0640);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1001);
	archive_entry_set_mtime(e, 1000000000, 123456789);
	archive_entry_xattr_add_entry(e, "user.cpod", "v1", 2);
	tb_put(t, e, "hello");
	e = tb_entry("d/suid", AE_IFREG | 04755);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1000);
	tb_put(t, e, "#!");
	tb_dir(t, "sgid", 02775);
	tb_dir(t, "tmp", 01777);
	tb_symlink(t, "d/abs", "/nonexistent/target");
	tb_symlink(t, "d/rel", "f");
	tb_hardlink(t, "d/hard", "d/f");
	tb_node(t, "fifo", AE_IFIFO, 0, 0);
	tb_node(t, "null", AE_IFCHR, 1, 3);
	tb_node(t, "loop", AE_IFBLK, 7, 0);
	tb_file(t, "implicit/parent/file", 0600, "x");
}

static void test_entry_types(void)
{
	bool c;
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, true);
	tar_apply_stats stats = { 0 };
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("types", NULL);
	_cleanup_free_ char *data = NULL, *xv = NULL;
	char target[64] = "";
	struct stat st;
	tarbuild t;
	int r;

	if (!is_root) {
		skip("entry types: chown and device nodes need root");
		return;
	}
	tb_begin(&t, false);
	build_all_types(&t);
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, &stats, &err);
	report("types", r, err);
	is_int(r, 0, "types: applied");
	is_int(stats.entries, 13, "types: 13 entries counted");
	is_int(stats.bytes, 8, "types: 8 bytes of content counted");
	c = fstat(root, &st) == 0 && (st.st_mode & 07777) == 0711;
	ok(c, "types: './' sets the layer's mode");
	data = read_at(root, "d/f");
	is_str(data, "hello", "types: file content");
	ok(fstatat(root, "d/f", &st, 0) == 0 && (st.st_mode & 07777) == 0640 && st.st_uid == 1000 &&
		   st.st_gid == 1001,
	   "types: file mode and owner");
	c = st.st_mtim.tv_sec == 1000000000 && st.st_mtim.tv_nsec == 123456789;
	ok(c, "types: file mtime with nanoseconds");
	xv = xattr_at(root, "d/f", "user.cpod");
	is_str(xv, "v1", "types: file xattr");
	ok(fstatat(root, "d/suid", &st, 0) == 0 && (st.st_mode & 07777) == 04755 &&
		   st.st_uid == 1000,
	   "types: setuid kept after chown");
	ok(fstatat(root, "sgid", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
		   (st.st_mode & 07777) == 02775,
	   "types: setgid directory");
	ok(fstatat(root, "tmp", &st, 0) == 0 && (st.st_mode & 07777) == 01777, "types: sticky dir");
	ok(readlinkat(root, "d/abs", target, sizeof(target) - 1) > 0 &&
		   strcmp(target, "/nonexistent/target") == 0,
	   "types: absolute symlink created as written");
	memset(target, 0, sizeof(target));
	c = readlinkat(root, "d/rel", target, sizeof(target) - 1) == 1 && target[0] == 'f';
	ok(c, "types: relative symlink");
	ok(same_inode(root, "d/f", "d/hard"), "types: hard link shares the inode");
	ok(fstatat(root, "fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode) &&
		   (st.st_mode & 0777) == 0640,
	   "types: fifo");
	ok(fstatat(root, "null", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
		   st.st_rdev == makedev(1, 3),
	   "types: char device 1:3");
	ok(fstatat(root, "loop", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISBLK(st.st_mode) &&
		   st.st_rdev == makedev(7, 0),
	   "types: block device 7:0");
	c = fstatat(root, "implicit/parent", &st, 0) == 0 && S_ISDIR(st.st_mode);
	ok(c, "types: missing parents created");
	c = fstatat(root, "d", &st, 0) == 0 && st.st_mtim.tv_sec == 1500000000;
	ok(c, "types: directory mtime restored after its children were written");
	free(t.mem);
}

static void test_replace(void)
{
	bool c;
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("replace", NULL);
	_cleanup_free_ char *x = NULL, *s = NULL;
	struct archive_entry *e;
	struct stat st;
	tarbuild t;
	int r;

	tb_begin(&t, false);
	tb_dir(&t, "x/", 0755);
	tb_file(&t, "x/child", 0644, "c");
	tb_file(&t, "y", 0644, "y");
	tb_dir(&t, "d", 0755);
	tb_file(&t, "d/old", 0644, "old");
	tb_symlink(&t, "s", "/");
	tb_file(&t, "f", 0644, "first");
	tb_file(&t, "x", 0600, "file over dir");
	tb_dir(&t, "y", 0700);
	e = tb_entry("d/", AE_IFDIR | 0711);
	archive_entry_set_mtime(e, 1600000000, 0);
	tb_put(&t, e, NULL);
	tb_file(&t, "d/new", 0644, "new");
	tb_file(&t, "s", 0644, "not through the link");
	tb_file(&t, "f", 0644, "second");
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, NULL, &err);
	report("replace", r, err);
	is_int(r, 0, "replace: applied");
	x = read_at(root, "x");
	is_str(x, "file over dir", "replace: a file replaces a directory");
	c = fstatat(root, "y", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
	ok(c, "replace: a directory replaces a file");
	ok(exists_at(root, "d/old") && exists_at(root, "d/new"), "replace: directories merge");
	c = fstatat(root, "d", &st, 0) == 0 && (st.st_mode & 0777) == 0711;
	ok(c, "replace: merged directory takes the new mode");
	is_int(st.st_mtim.tv_sec, 1600000000,
	       "replace: a directory named twice keeps the later mtime");
	s = read_at(root, "s");
	is_str(s, "not through the link", "replace: a file replaces a symlink, not its target");
	free(x);
	x = read_at(root, "f");
	is_str(x, "second", "replace: a file replaces a file");
	free(t.mem);
}

static void test_gzip_fd(void)
{
	bool c;
	tar_apply_opts o = opts_for(TAR_APPLY_VFS, false);
	tar_apply_stats stats = { 0 };
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("gzip", NULL);
	_cleanup_close_ int fd = openat(topfd, "gzip.tar.gz", O_RDWR | O_CREAT | O_TRUNC, 0600);
	_cleanup_free_ char *z = NULL;
	tarbuild t;
	int r;

	tb_begin(&t, true);
	tb_file(&t, "z/zipped", 0644, "compressed content");
	tb_end(&t);
	c = write(fd, t.mem, t.used) == (ssize_t)t.used && lseek(fd, 0, SEEK_SET) == 0;
	ok(c, "gzip: stream written to a file");
	r = tar_apply_fd(root, fd, &o, &stats, &err);
	report("gzip", r, err);
	is_int(r, 0, "gzip: applied from an fd");
	z = read_at(root, "z/zipped");
	is_str(z, "compressed content", "gzip: content");
	is_int(stats.bytes, 18, "gzip: bytes counted");
	free(t.mem);
}

static void test_whiteouts_overlay(void)
{
	bool c;
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	tar_apply_stats stats = { 0 };
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("wh-overlay", NULL);
	_cleanup_free_ char *opq = NULL, *uopq = NULL;
	tarbuild t;
	int r;

	if (!is_root) {
		skip("overlay whiteouts: trusted.overlay.opaque needs root");
		return;
	}
	tb_begin(&t, false);
	tb_file(&t, "keep", 0644, "k");
	tb_file(&t, "dir/f", 0644, "f");
	tb_file(&t, ".wh.gone", 0644, "");
	tb_file(&t, "dir/.wh.f", 0644, "");
	tb_file(&t, "o/.wh..wh..opq", 0644, "");
	tb_file(&t, "o/new", 0644, "n");
	tb_file(&t, ".wh..wh.plnk", 0644, "");
	tb_file(&t, "sub/deep/.wh.x", 0644, "");
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, &stats, &err);
	report("overlay whiteouts", r, err);
	is_int(r, 0, "overlay whiteouts: applied");
	is_int(stats.entries, 8, "overlay whiteouts: 8 entries");
	ok(is_whiteout(root, "gone"), "overlay whiteouts: .wh.gone is a 0/0 char device");
	ok(is_whiteout(root, "dir/f"), "overlay whiteouts: a whiteout replaces an earlier entry");
	ok(is_whiteout(root, "sub/deep/x"), "overlay whiteouts: parents of a whiteout created");
	c = !exists_at(root, ".wh.gone") && !exists_at(root, "dir/.wh.f");
	ok(c, "overlay whiteouts: no .wh. file written");
	ok(!exists_at(root, ".wh..wh.plnk"), "overlay whiteouts: aufs metadata skipped");
	ok(exists_at(root, "keep") && exists_at(root, "o/new"), "overlay whiteouts: others kept");
	opq = xattr_at(root, "o", "trusted.overlay.opaque");
	is_str(opq, "y", "overlay opaque: trusted.overlay.opaque=y");
	ok(!exists_at(root, "o/.wh..wh..opq"), "overlay opaque: no marker file");
	free(t.mem);

	/* Rootless: the user namespace xattr. */
	_cleanup_close_ int root2 = new_layer("wh-rootless", NULL);
	o.rootless = true;
	tb_begin(&t, false);
	tb_file(&t, "o/.wh..wh..opq", 0644, "");
	tb_end(&t);
	r = apply_mem(root2, &t, t.used, &o, NULL, &err);
	report("rootless opaque", r, err);
	uopq = xattr_at(root2, "o", "user.overlay.opaque");
	ok(r == 0 && strcmp(uopq, "y") == 0, "rootless opaque: user.overlay.opaque=y");
	free(opq);
	opq = xattr_at(root2, "o", "trusted.overlay.opaque");
	is_str(opq, "(none)", "rootless opaque: no trusted xattr");
	free(t.mem);
}

static void mkfile(int dfd, const char *path, const char *data)
{
	int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, strlen(data)) < 0)
		diag("cannot create %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_whiteouts_vfs(void)
{
	bool c;
	tar_apply_opts o = opts_for(TAR_APPLY_VFS, false);
	tar_apply_stats stats = { 0 };
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("wh-vfs", NULL);
	_cleanup_free_ char *opq = NULL;
	tarbuild t;
	int r;

	/* The copy of the lower layers. */
	mkdirat(root, "lower", 0755);
	mkdirat(root, "lower/b", 0755);
	mkdirat(root, "gonedir", 0755);
	mkfile(root, "lower/a", "a");
	mkfile(root, "lower/b/c", "c");
	mkfile(root, "gone", "g");
	mkfile(root, "gonedir/x", "x");
	mkfile(root, "keep", "k");
	tb_begin(&t, false);
	tb_file(&t, ".wh.gone", 0644, "");
	tb_file(&t, ".wh.gonedir", 0644, "");
	tb_file(&t, "lower/new", 0644, "n");
	tb_file(&t, "lower/.wh..wh..opq", 0644, "");
	tb_file(&t, "lower/after", 0644, "a");
	tb_file(&t, "lower/b2/.wh.nothing", 0644, "");
	tb_hardlink(&t, "hl", "keep");
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, &stats, &err);
	report("vfs whiteouts", r, err);
	is_int(r, 0, "vfs whiteouts: applied");
	is_int(stats.entries, 7, "vfs whiteouts: 7 entries");
	c = !exists_at(root, "gone") && !exists_at(root, ".wh.gone");
	ok(c, "vfs whiteouts: file removed, no marker");
	ok(!exists_at(root, "gonedir"), "vfs whiteouts: directory removed recursively");
	ok(exists_at(root, "keep"), "vfs whiteouts: others kept");
	c = !exists_at(root, "lower/a") && !exists_at(root, "lower/b");
	ok(c, "vfs opaque: lower entries removed");
	c = exists_at(root, "lower/new") && exists_at(root, "lower/after");
	ok(c, "vfs opaque: this layer's entries kept (before and after the marker)");
	ok(!exists_at(root, "lower/.wh..wh..opq"), "vfs opaque: no marker file");
	opq = xattr_at(root, "lower", "trusted.overlay.opaque");
	is_str(opq, "(none)", "vfs opaque: no overlay xattr");
	ok(!exists_at(root, "lower/b2/nothing"), "vfs whiteouts: a missing name is fine");
	ok(same_inode(root, "hl", "keep"), "vfs: hard link to a file of the lower copy");
	free(t.mem);
}

/* ---- hostile streams ---- */

/* Applies the first len bytes of t to a layer holding only "existing"; the stream must fail
 * with CPOD_ERR_INVALID and a message holding needle, leave the layer as it was (when
 * unchanged) and create nothing at host_path. */
static void expect_rejected(const char *what, const tarbuild *t, size_t len,
			    const tar_apply_opts *o, const char *needle, bool unchanged,
			    const char *host_path)
{
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("evil", NULL);
	_cleanup_free_ char *before = NULL, *after = NULL;
	int r;

	mkfile(root, "existing", "lower");
	before = tree(root);
	r = apply_mem(root, t, len, o, NULL, &err);
	ok(r == -1 && err && cpod_error_kind(err) == CPOD_ERR_INVALID, "%s: rejected as invalid",
	   what);
	ok(err && strstr(cpod_error_message(err), needle), "%s: error names it (%s)", what,
	   err ? cpod_error_message(err) : "no error");
	if (unchanged) {
		after = tree(root);
		is_str(after, before, "%s: layer unchanged", what);
	}
	if (host_path)
		ok(!host_exists(host_path), "%s: nothing at '%s'", what, host_path);
	cpod_error_free(err);
}

static void evil_one_file(const char *what, const char *name, const char *needle,
			  const char *host_path)
{
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	tarbuild t;

	tb_begin(&t, false);
	tb_file(&t, name, 0644, "pwned");
	tb_end(&t);
	expect_rejected(what, &t, t.used, &o, needle, true, host_path);
	free(t.mem);
}

static void evil_hardlink(const char *what, tar_apply_mode mode, const char *symlink_first,
			  const char *target, const char *needle)
{
	tar_apply_opts o = opts_for(mode, false);
	tarbuild t;

	tb_begin(&t, false);
	if (symlink_first)
		tb_symlink(&t, "l", symlink_first);
	tb_hardlink(&t, "h", target);
	tb_end(&t);
	expect_rejected(what, &t, t.used, &o, needle, !symlink_first, NULL);
	free(t.mem);
}

static void test_evil_names(void)
{
	_cleanup_free_ char *escape = xasprintf("%s/escape", top);
	_cleanup_free_ char *longname = xmalloc(10 * 1024 + 1);
	char comp[300];
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	tarbuild t;

	for (size_t i = 0; i < 10 * 1024; i++)
		longname[i] = i % 100 == 99 ? '/' : 'n';
	longname[10 * 1024] = '\0';
	memset(comp, 'c', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	evil_one_file("'../escape'", "../escape", "'..' component", escape);
	evil_one_file("'a/../../escape'", "a/../../escape", "a/../../escape", escape);
	evil_one_file("a 10 KiB name", longname, "longer than", NULL);
	evil_one_file("a 299-byte component", comp, "component longer than 255", NULL);
	evil_one_file("whiteout '.wh...'", ".wh...", "whiteout of '..'", NULL);
	evil_one_file("whiteout '.wh.'", ".wh.", "whiteout of ''", NULL);
	evil_one_file("whiteout '../.wh.x'", "../.wh.x", "'..' component", NULL);

	tb_begin(&t, false);
	tb_node(&t, "null", AE_IFCHR, 1, 3);
	tb_end(&t);
	expect_rejected("char device when not allowed", &t, t.used, &o, "'null': device nodes",
			true, NULL);
	free(t.mem);
	tb_begin(&t, false);
	tb_node(&t, "dev/sda", AE_IFBLK, 8, 0);
	tb_end(&t);
	expect_rejected("block device when not allowed", &t, t.used, &o, "'dev/sda': device", true,
			NULL);
	free(t.mem);
}

static void test_evil_hardlinks(void)
{
	struct stat before, after;
	bool have_shadow = stat("/etc/passwd", &before) == 0;

	evil_hardlink("hard link to /etc/shadow", TAR_APPLY_OVERLAY, NULL, "/etc/shadow",
		      "target 'etc/shadow' is not an earlier entry");
	evil_hardlink("hard link to /etc/shadow (vfs)", TAR_APPLY_VFS, NULL, "/etc/shadow",
		      "'etc/shadow' does not exist in this layer");
	evil_hardlink("hard link to ../../x", TAR_APPLY_OVERLAY, NULL, "../../x", "'..' component");
	evil_hardlink("hard link to ../../x (vfs)", TAR_APPLY_VFS, NULL, "../../x",
		      "'..' component");
	evil_hardlink("hard link to a lower layer", TAR_APPLY_OVERLAY, NULL, "existing",
		      "'h': hard link target 'existing' is not an earlier entry of this layer");
	evil_hardlink("hard link through a symlink to /etc", TAR_APPLY_OVERLAY, "/etc", "l/passwd",
		      "not an earlier entry");
	evil_hardlink("hard link through a symlink to /etc (vfs)", TAR_APPLY_VFS, "/etc",
		      "l/passwd", "does not exist in this layer");
	evil_hardlink("hard link with an empty target", TAR_APPLY_OVERLAY, NULL, "/",
		      "is not an earlier entry");
	ok(!have_shadow || (stat("/etc/passwd", &after) == 0 && after.st_nlink == before.st_nlink),
	   "hard links: /etc/passwd gained no link");
}

static void test_evil_streams(void)
{
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	char big[8192 + 1];
	tarbuild t;

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tb_begin(&t, false);
	tb_file(&t, "big", 0644, big);
	tb_end(&t);
	expect_rejected("truncated in the data", &t, 512 * 3 + 100, &o, "'big': reading its data",
			true, NULL);
	expect_rejected("truncated in the header", &t, 300, &o, "reading the layer stream", true,
			NULL);
	memset(t.mem, 'x', 4096);
	expect_rejected("garbage", &t, 4096, &o, "reading the layer stream", true, NULL);
	free(t.mem);
}

/* Names that would escape through "/" or symlinks land inside the layer instead. */
static void test_contained(void)
{
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, false);
	_cleanup_free_ char *abs = xasprintf("%s/abs-escape", top);
	_cleanup_free_ char *u1 = xasprintf("cpod-tar-escape-%d-a", (int)getpid());
	_cleanup_free_ char *u2 = xasprintf("cpod-tar-escape-%d-b", (int)getpid());
	_cleanup_free_ char *via1 = xasprintf("link/%s", u1), *via2 = xasprintf("up/%s", u2);
	_cleanup_free_ char *host1 = xasprintf("/%s", u1), *host2 = xasprintf("/%s", u2);
	_cleanup_free_ char *top2 = xasprintf("%s/%s", top, u2), *inside_abs = NULL;
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("contained", NULL);
	tarbuild t;
	int r;

	tb_begin(&t, false);
	tb_file(&t, abs, 0644, "absolute");
	tb_symlink(&t, "link", "/");
	tb_file(&t, via1, 0644, "through link");
	tb_symlink(&t, "up", "../../..");
	tb_file(&t, via2, 0644, "through up");
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, NULL, &err);
	report("contained", r, err);
	is_int(r, 0, "contained: applied");
	inside_abs = read_at(root, abs + 1);
	is_str(inside_abs, "absolute", "absolute name: made relative to the layer");
	ok(!host_exists(abs), "absolute name: nothing at '%s'", abs);
	ok(exists_at(root, u1) && !host_exists(host1), "symlink to /: '%s' lands in the layer",
	   via1);
	ok(exists_at(root, u2) && !host_exists(host2) && !host_exists(top2),
	   "symlink to ../../..: '%s' lands in the layer", via2);
	free(t.mem);
}

/* A whiteout or opaque marker behind a symlink acts inside the layer, never on the host. */
static void test_contained_whiteouts(void)
{
	tar_apply_opts o = opts_for(TAR_APPLY_VFS, false);
	_cleanup_free_ char *canary_dir = xasprintf("%s/canary", top);
	_cleanup_free_ char *canary = xasprintf("%s/canary/victim", top);
	_cleanup_free_ char *inside = NULL, *inside_victim = NULL;
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("contained-wh", NULL);
	tarbuild t;
	int r;

	mkdir(canary_dir, 0755);
	mkfile(AT_FDCWD, canary, "host");
	/* The same path inside the layer, which the symlink must resolve to. */
	inside = xasprintf("%s", canary_dir + 1);
	fs_mkdir_p_in_root(root, inside, 0755, NULL, NULL);
	inside_victim = xasprintf("%s/victim", inside);
	mkfile(root, inside_victim, "layer");
	tb_begin(&t, false);
	tb_symlink(&t, "l", canary_dir);
	tb_file(&t, "l/.wh.victim", 0644, "");
	tb_symlink(&t, "m", canary_dir);
	tb_file(&t, "m/.wh..wh..opq", 0644, "");
	tb_end(&t);
	r = apply_mem(root, &t, t.used, &o, NULL, &err);
	report("contained whiteouts", r, err);
	is_int(r, 0, "contained whiteouts: applied");
	ok(host_exists(canary), "contained whiteouts: host canary '%s' survives", canary);
	ok(!exists_at(root, inside_victim), "contained whiteouts: the layer's copy is removed");
	unlink(canary);
	rmdir(canary_dir);
	free(t.mem);
}

/* ---- tar_diff ---- */

static int diff_to_file(int layer, const char *name, const tar_diff_opts *o, cpod_error **err)
{
	int fd = openat(topfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (tar_diff(layer, fd, o, err) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* "name type size [xattr...]\n" for each entry of the tar stream in fd. */
static char *list_stream(int fd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	buf b = BUF_INIT;
	const char *key;
	const void *v;
	size_t n;

	archive_read_support_format_tar(a);
	archive_read_open_fd(a, fd, 4096);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		buf_addf(&b, "%s %o %lld", archive_entry_pathname(e),
			 (unsigned)archive_entry_filetype(e), (long long)archive_entry_size(e));
		if (archive_entry_hardlink(e))
			buf_addf(&b, " link=%s", archive_entry_hardlink(e));
		archive_entry_xattr_reset(e);
		while (archive_entry_xattr_next(e, &key, &v, &n) == ARCHIVE_OK)
			buf_addf(&b, " %s", key);
		buf_addch(&b, '\n');
	}
	archive_read_free(a);
	return buf_detach(&b, NULL);
}

static void test_diff_whiteouts(void)
{
	tar_diff_opts o = { .whiteouts = true };
	cpod_error *err = NULL;
	_cleanup_close_ int root = new_layer("diff-wh", NULL);
	_cleanup_close_ int odir = -1, fd = -1, fd2 = -1;
	_cleanup_free_ char *got = NULL, *got2 = NULL;

	if (!is_root) {
		skip("diff whiteouts: trusted.overlay.opaque needs root");
		return;
	}
	mknodat(root, "gone", S_IFCHR | 0, makedev(0, 0));
	mkdirat(root, "o", 0755);
	mkfile(root, "o/f", "f");
	odir = openat(root, "o", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fsetxattr(odir, "trusted.overlay.opaque", "y", 1, 0);
	fsetxattr(odir, "user.kept", "1", 1, 0);
	fd = diff_to_file(root, "diff-wh.tar", &o, &err);
	report("diff whiteouts", fd, err);
	ok(fd >= 0, "diff whiteouts: written");
	got = list_stream(fd);
	is_str(got,
	       ".wh.gone 100000 0\no/ 40000 0 user.kept\no/.wh..wh..opq 100000 0\no/f 100000 1\n",
	       "diff whiteouts: 0/0 device -> .wh.NAME, opaque xattr -> .wh..wh..opq");
	fd2 = diff_to_file(root, "diff-plain.tar", &(tar_diff_opts){ .whiteouts = false }, &err);
	got2 = list_stream(fd2);
	is_str(got2, "gone 20000 0\no/ 40000 0 user.kept\no/f 100000 1\n",
	       "diff without whiteouts: devices kept as they are");
}

/* apply -> diff -> apply must give the same tree, and diffing that the same bytes.  Returns
 * the description of the tree. */
static char *round_trip(const char *what, const tarbuild *t, const tar_apply_opts *o)
{
	tar_diff_opts d = { .whiteouts = o->mode == TAR_APPLY_OVERLAY };
	cpod_error *err = NULL;
	_cleanup_close_ int a = new_layer("rt-a", NULL), b = new_layer("rt-b", NULL);
	_cleanup_close_ int fda = -1, fdb = -1;
	_cleanup_free_ char *tb = NULL;
	buf ba = BUF_INIT, bb = BUF_INIT;
	char *ta;
	bool c;
	int r;

	r = apply_mem(a, t, t->used, o, NULL, &err);
	report(what, r, err);
	is_int(r, 0, "%s: first apply", what);
	fda = diff_to_file(a, "rt-a.tar", &d, &err);
	report(what, fda, err);
	ok(fda >= 0, "%s: diff written", what);
	r = tar_apply_fd(b, fda, o, NULL, &err);
	report(what, r, err);
	is_int(r, 0, "%s: second apply", what);
	ta = tree(a);
	tb = tree(b);
	is_str(tb, ta, "%s: same types, modes, owners, times, contents, links, xattrs", what);
	fdb = diff_to_file(b, "rt-b.tar", &d, &err);
	lseek(fda, 0, SEEK_SET);
	buf_read_fd(&ba, fda);
	buf_read_fd(&bb, fdb);
	c = ba.len > 0 && ba.len == bb.len && memcmp(ba.s, bb.s, ba.len) == 0;
	ok(c, "%s: diffs of both trees are the same bytes", what);
	buf_release(&ba);
	buf_release(&bb);
	return ta;
}

static void test_round_trip(void)
{
	tar_apply_opts o = opts_for(TAR_APPLY_OVERLAY, true);
	_cleanup_free_ char *ta = NULL;
	struct archive_entry *e;
	tarbuild t;
	bool c;

	if (!is_root) {
		skip("round trip: chown, devices and trusted xattrs need root");
		return;
	}
	tb_begin(&t, false);
	build_all_types(&t);
	e = tb_entry("xd", AE_IFDIR | 0755);
	archive_entry_xattr_add_entry(e, "user.dir", "dv", 2);
	archive_entry_xattr_add_entry(e, "trusted.cpod", "tv", 2);
	tb_put(&t, e, NULL);
	tb_file(&t, "xd/.wh.lower", 0644, "");
	tb_file(&t, "op/.wh..wh..opq", 0644, "");
	tb_file(&t, "op/inside", 0644, "in");
	tb_hardlink(&t, "op/link", "implicit/parent/file");
	tb_end(&t);
	ta = round_trip("round trip", &t, &o);
	c = strstr(ta, "trusted.overlay.opaque=y") && strstr(ta, "rdev=0:0") &&
	    strstr(ta, "user.dir=dv") && strstr(ta, "trusted.cpod=tv") && strstr(ta, "nlink=2");
	ok(c, "round trip: the tree has whiteouts, an opaque dir, xattrs and hard links");
	free(t.mem);
}

/* What an unprivileged user can extract: no owners, devices or trusted xattrs. */
static void test_round_trip_unprivileged(void)
{
	const char *want;
	tar_apply_opts o = opts_for(TAR_APPLY_VFS, false);
	_cleanup_free_ char *ta = NULL;
	struct archive_entry *e;
	tarbuild t;
	bool c;

	o.no_chown = true;
	want = "nlink=2 mtime=1500000000.000000000 size=9 data=many/f099";
	tb_begin(&t, false);
	tb_dir(&t, "etc", 0755);
	e = tb_entry("etc/conf", AE_IFREG | 0600);
	archive_entry_set_mtime(e, 1600000000, 5);
	archive_entry_xattr_add_entry(e, "user.a", "1", 1);
	archive_entry_xattr_add_entry(e, "user.b", "two", 3);
	tb_put(&t, e, "key = value\n");
	tb_file(&t, "bin/tool", 02755, "#!/bin/sh\n");
	tb_hardlink(&t, "bin/tool2", "bin/tool");
	tb_symlink(&t, "bin/sh", "/bin/busybox");
	tb_node(&t, "run/pipe", AE_IFIFO, 0, 0);
	tb_dir(&t, "var/empty", 0700);
	for (int i = 0; i < 100; i++) {
		char name[32], link[32];

		snprintf(name, sizeof(name), "many/f%03d", i);
		snprintf(link, sizeof(link), "many/l%03d", i);
		tb_file(&t, name, 0644, name);
		tb_hardlink(&t, link, name);
	}
	tb_end(&t);
	ta = round_trip("unprivileged round trip", &t, &o);
	c = strstr(ta, "user.a=1 user.b=two") && strstr(ta, "nlink=2") &&
	    strstr(ta, "-> /bin/busybox") && strstr(ta, "mtime=1600000000.000000005");
	ok(c, "unprivileged round trip: xattrs, hard links, symlinks and mtimes were there");
	c = strstr(ta, "many/l099 mode=100644 owner=") && strstr(ta, want);
	ok(c, "unprivileged round trip: 100 hard-linked pairs");
	free(t.mem);
}

static void test_diff_skips_sockets(void)
{
	cpod_error *err = NULL;
	_cleanup_free_ char *path = NULL, *got = NULL;
	_cleanup_close_ int root = new_layer("diff-sock", &path), fd = -1;
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", path);
	ok(bind(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0, "diff sockets: socket made");
	mkfile(root, "f", "f");
	fd = diff_to_file(root, "diff-sock.tar", NULL, &err);
	report("diff sockets", fd, err);
	got = list_stream(fd);
	is_str(got, "f 100000 1\n", "diff sockets: skipped");
}

static void run_all_cases(void)
{
	test_entry_types();
	test_replace();
	test_gzip_fd();
	test_whiteouts_overlay();
	test_whiteouts_vfs();
	test_evil_names();
	test_evil_hardlinks();
	test_evil_streams();
	test_contained();
	test_contained_whiteouts();
	test_diff_whiteouts();
	test_round_trip();
	test_round_trip_unprivileged();
	test_diff_skips_sockets();
}

int main(void)
{
	is_root = geteuid() == 0;
	snprintf(top, sizeof(top), "/tmp/cpod-tar-XXXXXX");
	if (!mkdtemp(top))
		return 1;
	topfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int pass = 0; pass < 2; pass++) {
		fs_force_fallback(pass == 1);
		diag("pass %d: %s", pass + 1,
		     pass ? "O_PATH walk forced" : "openat2 when available");
		run_all_cases();
	}
	fs_force_fallback(false);
	close(topfd);
	if (!getenv("CPOD_TEST_KEEP")) /* keep the trees for a look */
		fs_rm_rf_at(AT_FDCWD, top);
	return done_testing();
}
