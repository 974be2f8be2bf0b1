/* Image layout files in tar archives and directories: hostile archive entries refused, links
 * followed inside the archive or directory only, atomic directory writes. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "image/layout_io.h"
#include "tap.h"

static char tmp[] = "/tmp/test_layout_io-XXXXXX";

typedef struct {
	const char *name;
	char type;	  /* 'f' file, 'l' symlink, 'h' hard link, 'd' directory, 'c' char device */
	const char *data; /* content, or the link target */
} entry;

/* A tar of the entries, in a new file; returns an fd at its start. */
static int make_tar(const entry *es, size_t n)
{
	char path[256];
	struct archive *a = archive_write_new();
	int fd;

	snprintf(path, sizeof(path), "%s/t.tar", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, es[i].name);
		archive_entry_set_perm(e, 0644);
		switch (es[i].type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(es[i].data));
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, es[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, es[i].data);
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFCHR);
			break;
		}
		archive_write_header(a, e);
		if (es[i].type == 'f')
			archive_write_data(a, es[i].data, strlen(es[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *read_name(layout_reader *r, const char *name)
{
	buf b = BUF_INIT;
	cpod_error *err = NULL;

	if (layout_reader_read(r, name, 1024, &b, &err) < 0) {
		cpod_error_free(err);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Opens an archive of the entries; NULL and *msg on failure. */
static layout_reader *open_tar(const entry *es, size_t n, char **msg)
{
	layout_reader *r = NULL;
	cpod_error *err = NULL;
	int fd = make_tar(es, n);

	*msg = NULL;
	if (layout_reader_open_archive(fd, tmp, &r, &err) < 0) {
		*msg = xstrdup(cpod_error_message(err));
		cpod_error_free(err);
	}
	close(fd);
	return r;
}

static void test_archive(void)
{
	const entry good[] = {
		{ "dir", 'd', NULL },	       { "./dir/a.json", 'f', "A" },
		{ "dir/link", 'l', "a.json" }, { "dir/up", 'l', "../dir/link" },
		{ "top", 'l', "dir/up" },      { "hard", 'h', "dir/a.json" },
		{ "loop", 'l', "loop" },
	};
	char *msg, *s;
	layout_reader *r = open_tar(good, sizeof(good) / sizeof(good[0]), &msg);

	ok(r != NULL, "a good archive opens (%s)", msg ? msg : "");
	s = read_name(r, "dir/a.json");
	is_str(s, "A", "a file");
	free(s);
	s = read_name(r, "top");
	is_str(s, "A", "symlinks are followed inside the archive");
	free(s);
	s = read_name(r, "hard");
	is_str(s, "A", "a hard link shares its target");
	free(s);
	ok(!layout_reader_has(r, "loop"), "a symlink loop finds nothing");
	ok(!layout_reader_has(r, "missing"), "a missing name");
	ok(layout_reader_has(r, "./dir//a.json"), "names are normalised");
	layout_reader_free(r);
}

static void expect_refused(const entry *e, const char *want)
{
	char *msg = NULL;
	layout_reader *r = open_tar(e, 1, &msg);

	ok(r == NULL && msg && strstr(msg, want), "'%s' refused: %s", e->name, msg ? msg : "");
	layout_reader_free(r);
	free(msg);
}

static void test_hostile(void)
{
	const entry abs = { "/etc/x", 'f', "x" };
	const entry up = { "a/../../x", 'f', "x" };
	const entry link_up = { "l", 'l', "../../etc/passwd" };
	const entry link_abs = { "l", 'l', "/etc/passwd" };
	const entry hard_up = { "h", 'h', "../x" };
	const entry dev = { "dev", 'c', NULL };
	DIR *d;
	int n = 0;

	expect_refused(&abs, "unsafe name");
	expect_refused(&up, "unsafe name");
	expect_refused(&link_up, "unsafe link target");
	expect_refused(&link_abs, "unsafe link target");
	expect_refused(&hard_up, "unsafe link target");
	expect_refused(&dev, "not a file, directory or symlink");
	d = opendir(tmp);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	is_int(n, 0, "nothing left in tmpdir after refusals");
}

static void test_dir_reader(void)
{
	char path[256], outside[256];
	layout_reader *r = NULL;
	cpod_error *err = NULL;
	char *s;
	int fd;

	snprintf(path, sizeof(path), "%s/lay", tmp);
	snprintf(outside, sizeof(outside), "%s/secret", tmp);
	fs_mkdir_p(path, 0755);
	fs_write_atomic(AT_FDCWD, outside, "S", 1, 0644, false, NULL);
	snprintf(path, sizeof(path), "%s/lay/in", tmp);
	fs_write_atomic(AT_FDCWD, path, "I", 1, 0644, false, NULL);
	snprintf(path, sizeof(path), "%s/lay/abs", tmp);
	symlink(outside, path);
	snprintf(path, sizeof(path), "%s/lay/rel", tmp);
	symlink("../secret", path);
	snprintf(path, sizeof(path), "%s/lay", tmp);
	ok(layout_reader_open_dir(path, &r, &err) == 0, "a directory opens");
	s = read_name(r, "in");
	is_str(s, "I", "a file in the directory");
	free(s);
	ok(!layout_reader_has(r, "abs"), "an absolute link is re-rooted in the directory");
	ok(!layout_reader_has(r, "rel"), "a relative link stops at the top");
	ok(!layout_reader_has(r, "../secret"), ".. stops at the top");
	layout_reader_free(r);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	ok(layout_reader_open_fd(fd, &r, &err) == 0, "a directory by fd");
	close(fd);
	s = read_name(r, "in");
	is_str(s, "I", "read through the duplicated fd");
	free(s);
	layout_reader_free(r);
	snprintf(path, sizeof(path), "%s/nowhere", tmp);
	ok(layout_reader_open_dir(path, &r, &err) < 0 && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND,
	   "a missing directory: not found");
	cpod_error_freep(&err);
}

static void test_dir_writer(void)
{
	char path[256], file[300];
	layout_writer *w = NULL;
	layout_reader *r = NULL;
	cpod_error *err = NULL;
	char *s;
	int fd;

	snprintf(path, sizeof(path), "%s/out/deep", tmp);
	ok(layout_writer_open_dir(path, &w, &err) == 0, "a missing directory is made");
	is_str(layout_writer_dir(w), path, "its path");
	ok(!layout_writer_has(w, "blobs/sha256/x"), "nothing yet");
	ok(layout_writer_put_mem(w, "blobs/sha256/x", "hello", 5, &err) == 0, "put_mem");
	ok(layout_writer_has(w, "blobs/sha256/x"), "written");
	snprintf(file, sizeof(file), "%s/src", tmp);
	fs_write_atomic(AT_FDCWD, file, "0123456789", 10, 0644, false, NULL);
	fd = open(file, O_RDONLY);
	lseek(fd, 2, SEEK_SET);
	ok(layout_writer_put_fd(w, "f", fd, 5, &err) == 0, "put_fd from the current offset");
	lseek(fd, 0, SEEK_SET);
	ok(layout_writer_put_fd(w, "g", fd, 50, &err) < 0, "a short source fails");
	cpod_error_freep(&err);
	close(fd);
	ok(!layout_writer_has(w, "g"), "and leaves nothing");
	ok(layout_writer_close(w, &err) == 0, "close");
	layout_writer_free(w);
	layout_reader_open_dir(path, &r, NULL);
	s = read_name(r, "f");
	is_str(s, "23456", "the bytes asked for");
	free(s);
	s = read_name(r, "blobs/sha256/x");
	is_str(s, "hello", "in a subdirectory");
	free(s);
	layout_reader_free(r);
	snprintf(file, sizeof(file), "%s/blobs/sha256/x", path);
	struct stat st;
	ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644");
}

static void test_archive_writer(void)
{
	char path[256];
	layout_writer *w = NULL;
	layout_reader *r = NULL;
	cpod_error *err = NULL;
	char *s;
	int fd;

	snprintf(path, sizeof(path), "%s/w.tar", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(layout_writer_open_archive(fd, &w, &err) == 0, "an archive writer");
	ok(layout_writer_dir(w) == NULL, "has no directory");
	layout_writer_put_mem(w, "index.json", "{}", 2, &err);
	layout_writer_put_mem(w, "index.json", "[]", 2, &err);
	ok(layout_writer_has(w, "index.json"), "has what it wrote");
	ok(layout_writer_close(w, &err) == 0, "closes");
	layout_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	ok(layout_reader_open_archive(fd, tmp, &r, &err) == 0, "reads back");
	s = read_name(r, "index.json");
	is_str(s, "{}", "a name written twice is written once");
	free(s);
	layout_reader_free(r);
	close(fd);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	test_archive();
	test_hostile();
	test_dir_reader();
	test_dir_writer();
	test_archive_writer();
	fs_rm_rf_at(AT_FDCWD, tmp);
	return done_testing();
}
