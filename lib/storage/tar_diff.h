/* Writing a layer directory (a layer's diff) as a tar stream: the inverse of tar_apply().
 *
 * The stream is pax (mtimes to the nanosecond, xattrs as SCHILY.xattr.* records, which
 * GNU tar, Go's archive/tar and libarchive all read).  Entries come depth first, each directory's children in byte order of their names,
 * names relative without a leading "./" ("etc/", "etc/passwd"), so that one tree always gives
 * the same bytes.  Kept: type, numeric owner, mode (setuid/setgid/sticky included), mtime,
 * symlink targets, device numbers, xattrs (but not security.selinux, nor overlay's own
 * trusted.overlay.* / user.overlay.*), and hard links (files sharing device and inode after
 * the first become links to it).  User and group names are not written; sockets are skipped
 * (tar cannot hold them).
 *
 * With opts->whiteouts (an overlay diff directory), a 0/0 character device NAME becomes the
 * entry ".wh.NAME" and a directory with the xattr trusted.overlay.opaque=y (or
 * user.overlay.opaque=y) is followed by the entry "DIR/.wh..wh..opq".
 */
#ifndef CPOD_STORAGE_TAR_DIFF_H
#define CPOD_STORAGE_TAR_DIFF_H

#include <stdbool.h>

#include <cpod/error.h>

struct archive;

typedef struct {
	bool whiteouts; /* convert overlay whiteouts and opaque directories */
} tar_diff_opts;

/* Writes the entries of the directory dirfd (not itself; the descriptor is not closed) to
 * the libarchive writer w, which the caller has set to a tar format and opened (and will
 * close).  opts may be NULL.  Errors: CPOD_ERR_SYSTEM naming the path. */
int tar_diff_write(int dirfd, struct archive *w, const tar_diff_opts *opts, cpod_error **err);

/* Writes the directory dirfd as an uncompressed pax tar stream to out_fd (not closed). */
int tar_diff(int dirfd, int out_fd, const tar_diff_opts *opts, cpod_error **err);

#endif
