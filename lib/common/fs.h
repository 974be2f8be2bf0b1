/* File system helpers: paths resolved inside a root, atomic writes, recursive removal, bounded
 * reads.
 *
 * Inside a root.  Paths taken from a layer tar, an image or a container (entry names, symlink
 * targets, volume destinations) are resolved as if rootfd were "/": "..", absolute paths and
 * symlinks (absolute ones re-rooted, ".." stopping at the root) can never lead outside it, and
 * magic links (/proc/self/fd/N style) are never followed.  This is openat2() with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS; where openat2() is missing (Linux < 5.6, or blocked
 * by a seccomp filter) an equivalent walk, one O_PATH component at a time with at most 40
 * symlinks, does the same.  All descriptors returned are close-on-exec and owned by the
 * caller.  Errors: CPOD_ERR_NOT_FOUND for ENOENT, CPOD_ERR_SYSTEM otherwise, with the errno.
 */
#ifndef CPOD_COMMON_FS_H
#define CPOD_COMMON_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/buf.h"

/* Most symlinks followed while resolving one path (the kernel's limit too). */
#define FS_MAX_SYMLINKS 40

/* Opens path inside rootfd with open(2) flags and mode (used with O_CREAT).  A trailing
 * symlink is followed inside the root unless O_NOFOLLOW is given; with O_CREAT a dangling one
 * creates its target inside the root.  Returns a new descriptor or -1. */
int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, cpod_error **err);

/* mkdir -p of path inside rootfd: missing directories are created with mode (minus umask),
 * symlinks on the way are followed inside the root.  Existing non-directories fail with
 * ENOTDIR, dangling symlinks with EEXIST.  When ret_fd is not NULL it receives an O_PATH
 * descriptor of the directory (the caller closes it). */
int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd, cpod_error **err);

/* Opens the directory holding the last component of path, inside rootfd, for the *at() calls
 * of an extractor (mkdirat, mknodat, symlinkat, linkat, unlinkat, openat with O_NOFOLLOW on
 * *ret_base — none of which follow a symlink at the name itself).  With create_parents, missing
 * directories are made with mode 0755 first.  Returns an O_PATH directory descriptor and sets
 * *ret_base to the last component (a new string, freed by the caller); paths without a last
 * component ("", "/", ".", "a/..") fail with EINVAL. */
int fs_open_parent_in_root(int rootfd, const char *path, bool create_parents, char **ret_base,
			   cpod_error **err);

/* Tests only: resolve with the O_PATH walk even where openat2() works. */
void fs_force_fallback(bool on);

/* Replaces dirfd/name with data atomically: writes a temporary file in the same directory
 * (".name.tmp-XXXXXX"), sets exactly mode (umask ignored), fsyncs it when sync is true,
 * renames it over name, and then fsyncs the directory (when sync).  On failure the temporary
 * file is removed and name is untouched.  dirfd may be AT_FDCWD; name may contain '/'. */
int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		    bool sync, cpod_error **err);

/* Writes all of data to fd, retrying after EINTR and short writes, and waiting (poll) when a
 * non-blocking fd answers EAGAIN.  0, or -1 with errno. */
int fs_write_all(int fd, const void *data, size_t len);

/* mkdir -p on the host (symlinks followed; for trusted paths only).  0, or -1 with errno
 * (ENOTDIR when a component exists and is not a directory). */
int fs_mkdir_p(const char *path, mode_t mode);

/* rm -rf dirfd/name without following any symlink and without crossing into another mount:
 * a mount point below is left alone and makes the call fail with EBUSY after removing all
 * else.  A missing name is success.  0, or -1 with errno (the first error met). */
int fs_rm_rf_at(int dirfd, const char *name);

/* Reads the whole file at path into out (its previous content is replaced, its cap set to
 * cap; 0 = no cap).  Files larger than cap fail with CPOD_ERR_INVALID and errno EFBIG. */
int fs_read_file(const char *path, size_t cap, buf *out, cpod_error **err);

/* An unnamed file (O_TMPFILE) for reading and writing in the directory dir, gone when closed.
 * Returns its descriptor, or -1 with an error naming dir. */
int fs_tmpfile(const char *dir, cpod_error **err);

#endif
