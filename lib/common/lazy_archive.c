/* The archive_* functions cpod calls, forwarded to libarchive.so.13 loaded on first use
 * (common/lazylib.h explains why).  To call a new one: add its name to ARCHIVE_FUNCTIONS and
 * a forwarder below, with the prototype of <archive.h> or <archive_entry.h>; the compiler
 * checks that the two agree, and the library's load checks that the name exists. */
#include <archive.h>
#include <archive_entry.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/lazylib.h"
#include "common/banned.h"

#define ARCHIVE_FUNCTIONS(X)                       \
	X(archive_entry_atime)                     \
	X(archive_entry_atime_is_set)              \
	X(archive_entry_atime_nsec)                \
	X(archive_entry_copy_pathname)             \
	X(archive_entry_copy_sourcepath)           \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_gid)                       \
	X(archive_entry_hardlink)                  \
	X(archive_entry_linkify)                   \
	X(archive_entry_linkresolver_free)         \
	X(archive_entry_linkresolver_new)          \
	X(archive_entry_linkresolver_set_strategy) \
	X(archive_entry_mtime)                     \
	X(archive_entry_mtime_is_set)              \
	X(archive_entry_mtime_nsec)                \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_perm)                      \
	X(archive_entry_rdev)                      \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_gname)                 \
	X(archive_entry_set_hardlink)              \
	X(archive_entry_set_mode)                  \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_rdev)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_symlink)               \
	X(archive_entry_set_uid)                   \
	X(archive_entry_set_uname)                 \
	X(archive_entry_size)                      \
	X(archive_entry_size_is_set)               \
	X(archive_entry_sparse_count)              \
	X(archive_entry_symlink)                   \
	X(archive_entry_uid)                       \
	X(archive_entry_xattr_add_entry)           \
	X(archive_entry_xattr_clear)               \
	X(archive_entry_xattr_next)                \
	X(archive_entry_xattr_reset)               \
	X(archive_errno)                           \
	X(archive_error_string)                    \
	X(archive_filter_bytes)                    \
	X(archive_format)                          \
	X(archive_free)                            \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_data_into_fd)               \
	X(archive_read_disk_entry_from_file)       \
	X(archive_read_disk_new)                   \
	X(archive_read_disk_set_behavior)          \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_open)                       \
	X(archive_read_open_fd)                    \
	X(archive_read_open_memory)                \
	X(archive_read_support_filter_all)         \
	X(archive_read_support_filter_bzip2)       \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_none)        \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_empty)       \
	X(archive_read_support_format_gnutar)      \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_format_tar)         \
	X(archive_set_error)                       \
	X(archive_write_add_filter_none)           \
	X(archive_write_add_filter_gzip)           \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open_fd)                   \
	X(archive_write_open_filename)             \
	X(archive_write_open_memory)               \
	X(archive_write_set_bytes_in_last_block)   \
	X(archive_write_set_format_gnutar)         \
	X(archive_write_set_format_pax)            \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_ustar)          \
	X(archive_write_set_format_v7tar)          \
	X(archive_write_set_options)

#define SYM_INDEX(name) SYM_##name,
#define SYM_NAME(name) #name,
enum { ARCHIVE_FUNCTIONS(SYM_INDEX) };
static const char *const archive_names[] = { ARCHIVE_FUNCTIONS(SYM_NAME) };

LAZYLIB_DEFINE(lazy_archive, "libarchive.so.13", archive_names)

/* The real function, with the exact type the header declares. */
#define REAL(name) ((__typeof__(&name))lazylib_sym(&lazy_archive, SYM_##name))
#define FORWARD(ret, name, params, args) \
	ret name params                  \
	{                                \
		return REAL(name) args;  \
	}
#define FORWARD_VOID(name, params, args) \
	void name params                 \
	{                                \
		REAL(name) args;         \
	}
/* The many functions that take only the archive or only the entry. */
#define FORWARD_A(ret, name) FORWARD(ret, name, (struct archive * a), (a))
#define FORWARD_E(ret, name) FORWARD(ret, name, (struct archive_entry * e), (e))

/* Handles. */
FORWARD(struct archive *, archive_read_new, (void), ())
FORWARD(struct archive *, archive_read_disk_new, (void), ())
FORWARD(struct archive *, archive_write_new, (void), ())
FORWARD_A(int, archive_free)
FORWARD_A(int, archive_read_free)
FORWARD_A(int, archive_write_free)
FORWARD_A(int, archive_errno)
FORWARD_A(const char *, archive_error_string)
FORWARD_A(int, archive_format)
FORWARD(la_int64_t, archive_filter_bytes, (struct archive * a, int n), (a, n))

/* Reading. */
FORWARD_A(int, archive_read_support_filter_all)
FORWARD_A(int, archive_read_support_filter_bzip2)
FORWARD_A(int, archive_read_support_filter_gzip)
FORWARD_A(int, archive_read_support_filter_none)
FORWARD_A(int, archive_read_support_filter_xz)
FORWARD_A(int, archive_read_support_filter_zstd)
FORWARD_A(int, archive_read_support_format_empty)
FORWARD_A(int, archive_read_support_format_gnutar)
FORWARD_A(int, archive_read_support_format_raw)
FORWARD_A(int, archive_read_support_format_tar)
FORWARD(int, archive_read_open,
	(struct archive * a, void *data, archive_open_callback *open_cb,
	 archive_read_callback *read_cb, archive_close_callback *close_cb),
	(a, data, open_cb, read_cb, close_cb))
FORWARD(int, archive_read_open_fd, (struct archive * a, int fd, size_t block_size),
	(a, fd, block_size))
FORWARD(int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
FORWARD(la_ssize_t, archive_read_data, (struct archive * a, void *p, size_t n), (a, p, n))
FORWARD(int, archive_read_data_block,
	(struct archive * a, const void **p, size_t *n, la_int64_t *offset), (a, p, n, offset))
FORWARD(int, archive_read_data_into_fd, (struct archive * a, int fd), (a, fd))
FORWARD(int, archive_read_disk_set_behavior, (struct archive * a, int flags), (a, flags))
FORWARD(int, archive_read_disk_entry_from_file,
	(struct archive * a, struct archive_entry *e, int fd, const struct stat *st),
	(a, e, fd, st))

/* Writing. */
FORWARD_A(int, archive_write_add_filter_none)
FORWARD_A(int, archive_write_set_format_pax)
FORWARD_A(int, archive_write_set_format_pax_restricted)
FORWARD(int, archive_write_set_options, (struct archive * a, const char *opts), (a, opts))
FORWARD(int, archive_write_set_bytes_in_last_block, (struct archive * a, int n), (a, n))
FORWARD(int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
FORWARD(int, archive_write_header, (struct archive * a, struct archive_entry *e), (a, e))
FORWARD(la_ssize_t, archive_write_data, (struct archive * a, const void *p, size_t n), (a, p, n))
FORWARD_A(int, archive_write_close)

/* Entries. */
FORWARD(struct archive_entry *, archive_entry_new, (void), ())
FORWARD_VOID(archive_entry_free, (struct archive_entry * e), (e))
FORWARD_E(const char *, archive_entry_pathname)
FORWARD_E(const char *, archive_entry_hardlink)
FORWARD_E(const char *, archive_entry_symlink)
FORWARD_E(mode_t, archive_entry_filetype)
FORWARD_E(mode_t, archive_entry_perm)
FORWARD_E(la_int64_t, archive_entry_size)
FORWARD_E(int, archive_entry_size_is_set)
FORWARD_E(int, archive_entry_sparse_count)
FORWARD_E(la_int64_t, archive_entry_uid)
FORWARD_E(la_int64_t, archive_entry_gid)
FORWARD_E(dev_t, archive_entry_rdev)
FORWARD_E(time_t, archive_entry_atime)
FORWARD_E(long, archive_entry_atime_nsec)
FORWARD_E(int, archive_entry_atime_is_set)
FORWARD_E(time_t, archive_entry_mtime)
FORWARD_E(long, archive_entry_mtime_nsec)
FORWARD_E(int, archive_entry_mtime_is_set)
FORWARD_VOID(archive_entry_copy_pathname, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_copy_sourcepath, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_pathname, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_hardlink, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_symlink, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_uname, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_gname, (struct archive_entry * e, const char *s), (e, s))
FORWARD_VOID(archive_entry_set_filetype, (struct archive_entry * e, unsigned int t), (e, t))
FORWARD_VOID(archive_entry_set_mode, (struct archive_entry * e, mode_t m), (e, m))
FORWARD_VOID(archive_entry_set_perm, (struct archive_entry * e, mode_t m), (e, m))
FORWARD_VOID(archive_entry_set_size, (struct archive_entry * e, la_int64_t n), (e, n))
FORWARD_VOID(archive_entry_set_uid, (struct archive_entry * e, la_int64_t id), (e, id))
FORWARD_VOID(archive_entry_set_gid, (struct archive_entry * e, la_int64_t id), (e, id))
FORWARD_VOID(archive_entry_set_rdev, (struct archive_entry * e, dev_t dev), (e, dev))
FORWARD_VOID(archive_entry_set_mtime, (struct archive_entry * e, time_t sec, long nsec),
	     (e, sec, nsec))
FORWARD_VOID(archive_entry_xattr_clear, (struct archive_entry * e), (e))
FORWARD_VOID(archive_entry_xattr_add_entry,
	     (struct archive_entry * e, const char *name, const void *value, size_t size),
	     (e, name, value, size))
FORWARD_E(int, archive_entry_xattr_reset)
FORWARD(int, archive_entry_xattr_next,
	(struct archive_entry * e, const char **name, const void **value, size_t *size),
	(e, name, value, size))

/* Hard links. */
FORWARD(struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())
FORWARD_VOID(archive_entry_linkresolver_free, (struct archive_entry_linkresolver * lr), (lr))
FORWARD_VOID(archive_entry_linkresolver_set_strategy,
	     (struct archive_entry_linkresolver * lr, int format), (lr, format))
FORWARD_VOID(archive_entry_linkify,
	     (struct archive_entry_linkresolver * lr, struct archive_entry **e,
	      struct archive_entry **spare),
	     (lr, e, spare))

/* Used only by the unit tests and fuzz targets, which build and read tar files in memory;
 * they link this forwarder like the library code does. */
FORWARD_A(int, archive_write_add_filter_gzip)
FORWARD_A(int, archive_write_set_format_gnutar)
FORWARD_A(int, archive_write_set_format_ustar)
FORWARD_A(int, archive_write_set_format_v7tar)
FORWARD(int, archive_write_open_filename, (struct archive * a, const char *path), (a, path))
FORWARD(int, archive_write_open_memory, (struct archive * a, void *p, size_t size, size_t *used),
	(a, p, size, used))
FORWARD(int, archive_read_open_memory, (struct archive * a, const void *p, size_t size),
	(a, p, size))

/* A variadic function cannot pass its arguments on to another; format the message here
 * and hand it over whole. */
void archive_set_error(struct archive *a, int errnum, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	REAL(archive_set_error)(a, errnum, "%s", msg ? msg : fmt);
	free(msg);
}
