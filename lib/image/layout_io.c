/* The files of image layouts, in directories or tar archives (see layout_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/layout_io.h"
#include "common/banned.h"

#define SYMLINK_DEPTH 16
#define COPY_CHUNK (128u << 10)

static int archive_fail(struct archive *a, cpod_error **err, const char *what)
{
	const char *msg = archive_error_string(a);

	return cpod_err(err, CPOD_ERR_INVALID, archive_errno(a) > 0 ? archive_errno(a) : 0,
			"%s: %s", what, msg ? msg : "archive error");
}

/* ---- reading ---- */

/* A directory (rootfd), or an extracted archive: the entries' normalised names with, for
 * files, the extracted file's path, for symlinks and hard links "=" and the normalised name
 * they point at. */
struct layout_reader {
	int rootfd;
	char *dir;
	strv names;
	strv targets;
};

static layout_reader *reader_new(void)
{
	layout_reader *r = xcalloc(1, sizeof(*r));

	r->rootfd = -1;
	strv_init(&r->names);
	strv_init(&r->targets);
	return r;
}

void layout_reader_free(layout_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->targets.n; i++)
		if (r->targets.v[i][0] != '=')
			unlink(r->targets.v[i]);
	if (r->dir)
		rmdir(r->dir);
	if (r->rootfd >= 0)
		close(r->rootfd);
	free(r->dir);
	strv_clear(&r->names);
	strv_clear(&r->targets);
	free(r);
}

int layout_reader_open_dir(const char *path, layout_reader **ret, cpod_error **err)
{
	layout_reader *r;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"opening directory '%s'", path);
	r = reader_new();
	r->rootfd = fd;
	*ret = r;
	return 0;
}

int layout_reader_open_fd(int dirfd, layout_reader **ret, cpod_error **err)
{
	layout_reader *r;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening the directory");
	r = reader_new();
	r->rootfd = fd;
	*ret = r;
	return 0;
}

/* name relative to base (a directory in the archive, "" for the top) without "." and empty
 * components; NULL for an absolute name or one that climbs above the top. */
static char *normalize(const char *base, const char *name)
{
	_cleanup_strv_free_ char **parts = NULL;
	_cleanup_strv_ strv out = STRV_INIT;
	_cleanup_free_ char *full = NULL;

	if (name[0] == '/')
		return NULL;
	full = *base ? xasprintf("%s/%s", base, name) : xstrdup(name);
	parts = strv_split(full, "/", 1);
	for (char **p = parts; *p; p++) {
		if (str_eq(*p, "."))
			continue;
		if (str_eq(*p, "..")) {
			if (!*base || !out.n)
				return NULL;
			free(out.v[out.n - 1]);
			out.v[--out.n] = NULL;
			continue;
		}
		strv_push(&out, *p);
	}
	return strv_join((const char *const *)out.v, "/");
}

static bool has_dotdot(const char *name)
{
	_cleanup_strv_free_ char **parts = strv_split(name, "/", 1);

	return strv_contains((const char *const *)parts, "..");
}

/* The extracted file holding name (following links), or NULL with *err. */
static const char *lookup(const layout_reader *r, const char *name, cpod_error **err)
{
	_cleanup_free_ char *cur = normalize("", name);

	for (int depth = 0; cur && depth < SYMLINK_DEPTH; depth++) {
		size_t i = r->names.n;

		while (i > 0 && !str_eq(r->names.v[i - 1], cur))
			i--;
		if (i == 0)
			break;
		if (r->targets.v[i - 1][0] != '=')
			return r->targets.v[i - 1];
		free(cur);
		cur = xstrdup(r->targets.v[i - 1] + 1);
	}
	cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "file '%s' is missing from the archive", name);
	return NULL;
}

static int add_symlink(layout_reader *r, const char *raw, const char *name, const char *link,
		       cpod_error **err)
{
	_cleanup_free_ char *dir = xstrdup(name), *t = NULL;

	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	t = link ? normalize(dir, link) : NULL;
	if (!t)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"archive entry '%s': unsafe link target '%s'", raw,
				link ? link : "");
	strv_push(&r->names, name);
	strv_push_take(&r->targets, xasprintf("=%s", t));
	return 0;
}

static int add_hardlink(layout_reader *r, const char *raw, const char *name, const char *link,
			cpod_error **err)
{
	const char *target;

	if (link[0] == '/' || has_dotdot(link))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"archive entry '%s': unsafe link target '%s'", raw, link);
	target = lookup(r, link, err);
	if (!target)
		return cpod_err_prefix(err, "archive entry '%s'", raw);
	strv_push(&r->names, name);
	strv_push(&r->targets, target);
	return 0;
}

static int extract_entry(struct archive *a, struct archive_entry *e, layout_reader *r,
			 cpod_error **err)
{
	const char *raw = archive_entry_pathname(e);
	_cleanup_free_ char *name = NULL, *path = NULL;
	_cleanup_close_ int fd = -1;

	if (!raw || raw[0] == '/' || has_dotdot(raw))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "archive entry '%s': unsafe name",
				raw ? raw : "");
	name = normalize("", raw);
	if (!name)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "archive entry '%s': unsafe name", raw);
	if (archive_entry_hardlink(e))
		return add_hardlink(r, raw, name, archive_entry_hardlink(e), err);
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return 0;
	case AE_IFLNK:
		return add_symlink(r, raw, name, archive_entry_symlink(e), err);
	case AE_IFREG:
		break;
	default:
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"archive entry '%s': not a file, directory or symlink", raw);
	}
	path = xasprintf("%s/%zu", r->dir, r->targets.n);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", path);
	strv_push(&r->names, name);
	strv_push(&r->targets, path);
	if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
		return archive_fail(a, err, raw);
	return 0;
}

static int extract(int fd, layout_reader *r, cpod_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int ar, ret = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		ret = archive_fail(a, err, "reading the archive");
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		if (extract_entry(a, e, r, err) < 0) {
			ret = -1;
			goto out;
		}
	if (ar != ARCHIVE_EOF)
		ret = archive_fail(a, err, "reading the archive");
out:
	archive_read_free(a);
	return ret;
}

int layout_reader_open_archive(int fd, const char *tmpdir, layout_reader **ret, cpod_error **err)
{
	layout_reader *r = reader_new();

	r->dir = xasprintf("%s/cpod-load-XXXXXX", tmpdir);
	if (!mkdtemp(r->dir)) {
		int e = errno;

		free(TAKE_PTR(r->dir));
		layout_reader_free(r);
		return cpod_err(err, CPOD_ERR_SYSTEM, e, "creating a directory in '%s'", tmpdir);
	}
	if (extract(fd, r, err) < 0) {
		layout_reader_free(r);
		return -1;
	}
	*ret = r;
	return 0;
}

int layout_reader_open(layout_reader *r, const char *name, int *ret_fd, cpod_error **err)
{
	const char *path;
	int fd;

	if (r->rootfd >= 0) {
		fd = fs_open_in_root(r->rootfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0, err);
		if (fd < 0)
			return cpod_err_prefix(err, "opening '%s'", name);
		*ret_fd = fd;
		return 0;
	}
	path = lookup(r, name, err);
	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", name);
	*ret_fd = fd;
	return 0;
}

bool layout_reader_has(layout_reader *r, const char *name)
{
	int fd;

	if (r->rootfd < 0)
		return lookup(r, name, NULL) != NULL;
	if (layout_reader_open(r, name, &fd, NULL) < 0)
		return false;
	close(fd);
	return true;
}

int layout_reader_read(layout_reader *r, const char *name, size_t cap, buf *out, cpod_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (layout_reader_open(r, name, &fd, err) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", name);
	if (!S_ISREG(st.st_mode))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s' is not a file", name);
	if ((uint64_t)st.st_size > cap)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s' is larger than %zu bytes", name,
				cap);
	buf_reset(out);
	out->cap = cap;
	if (buf_read_fd(out, fd) < 0)
		return cpod_err(err, errno == EFBIG ? CPOD_ERR_INVALID : CPOD_ERR_SYSTEM, errno,
				"reading '%s'", name);
	return 0;
}

/* ---- writing ---- */

struct layout_writer {
	struct archive *a; /* or NULL: a directory */
	char *dir;
	strv written;
};

static layout_writer *writer_new(void)
{
	layout_writer *w = xcalloc(1, sizeof(*w));

	strv_init(&w->written);
	return w;
}

void layout_writer_free(layout_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	free(w->dir);
	strv_clear(&w->written);
	free(w);
}

int layout_writer_open_archive(int fd, layout_writer **ret, cpod_error **err)
{
	layout_writer *w = writer_new();

	w->a = archive_write_new();
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		archive_fail(w->a, err, "writing the archive");
		layout_writer_free(w);
		return -1;
	}
	*ret = w;
	return 0;
}

int layout_writer_open_dir(const char *path, layout_writer **ret, cpod_error **err)
{
	layout_writer *w;

	if (fs_mkdir_p(path, 0755) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating directory '%s'", path);
	w = writer_new();
	w->dir = xstrdup(path);
	*ret = w;
	return 0;
}

int layout_writer_close(layout_writer *w, cpod_error **err)
{
	if (w->a && archive_write_close(w->a) != ARCHIVE_OK)
		return archive_fail(w->a, err, "writing the archive");
	return 0;
}

const char *layout_writer_dir(const layout_writer *w)
{
	return w->dir;
}

bool layout_writer_has(layout_writer *w, const char *name)
{
	_cleanup_free_ char *path = NULL;

	if (strv_contains((const char *const *)w->written.v, name))
		return true;
	if (!w->dir)
		return false;
	path = xasprintf("%s/%s", w->dir, name);
	return access(path, F_OK) == 0;
}

/* ---- into an archive ---- */

static int entry_header(layout_writer *w, const char *name, int64_t size, cpod_error **err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		r = archive_fail(w->a, err, name);
	archive_entry_free(e);
	return r;
}

/* Copies size bytes from fd to the archive entry or to out_fd. */
static int copy_out(layout_writer *w, const char *name, int fd, int out_fd, int64_t size,
		    cpod_error **err)
{
	_cleanup_free_ char *chunk = xmalloc(COPY_CHUNK);

	while (size > 0) {
		size_t want = size < (int64_t)COPY_CHUNK ? (size_t)size : COPY_CHUNK;
		ssize_t n = read(fd, chunk, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", name);
		if (n == 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, 0, "reading '%s': file shrank", name);
		if (out_fd >= 0 ? fs_write_all(out_fd, chunk, (size_t)n) < 0
				: archive_write_data(w->a, chunk, (size_t)n) != n)
			return out_fd >= 0
				       ? cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing '%s'", name)
				       : archive_fail(w->a, err, name);
		size -= n;
	}
	return 0;
}

/* ---- into a directory ---- */

/* Opens a temporary file beside dir/name, making the directories on the way. */
static int dir_tmpfile(layout_writer *w, const char *name, char **ret_tmp, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", w->dir, name);
	char *slash = strrchr(path, '/');
	char *tmp;
	int fd;

	*slash = '\0';
	if (fs_mkdir_p(path, 0755) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating directory '%s'", path);
	*slash = '/';
	tmp = xasprintf("%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		free(tmp);
		return cpod_err(err, CPOD_ERR_SYSTEM, e, "creating a file for '%s'", path);
	}
	*ret_tmp = tmp;
	return fd;
}

static int dir_commit(layout_writer *w, const char *name, int fd, const char *tmp, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", w->dir, name);

	if (fchmod(fd, 0644) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return cpod_err(err, CPOD_ERR_SYSTEM, e, "writing '%s'", path);
	}
	return 0;
}

int layout_writer_put_fd(layout_writer *w, const char *name, int fd, int64_t size, cpod_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int out = -1;

	if (strv_contains((const char *const *)w->written.v, name))
		return 0;
	if (w->a) {
		if (entry_header(w, name, size, err) < 0 ||
		    copy_out(w, name, fd, -1, size, err) < 0)
			return -1;
	} else {
		out = dir_tmpfile(w, name, &tmp, err);
		if (out < 0)
			return -1;
		if (copy_out(w, name, fd, out, size, err) < 0) {
			unlink(tmp);
			return -1;
		}
		if (dir_commit(w, name, out, tmp, err) < 0)
			return -1;
	}
	strv_push(&w->written, name);
	return 0;
}

int layout_writer_put_mem(layout_writer *w, const char *name, const void *data, size_t len,
			  cpod_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int out = -1;

	if (strv_contains((const char *const *)w->written.v, name))
		return 0;
	if (w->a) {
		if (entry_header(w, name, (int64_t)len, err) < 0)
			return -1;
		if (archive_write_data(w->a, data, len) != (la_ssize_t)len)
			return archive_fail(w->a, err, name);
	} else {
		out = dir_tmpfile(w, name, &tmp, err);
		if (out < 0)
			return -1;
		if (fs_write_all(out, data, len) < 0) {
			int e = errno;

			unlink(tmp);
			return cpod_err(err, CPOD_ERR_SYSTEM, e, "writing '%s/%s'", w->dir, name);
		}
		if (dir_commit(w, name, out, tmp, err) < 0)
			return -1;
	}
	strv_push(&w->written, name);
	return 0;
}
