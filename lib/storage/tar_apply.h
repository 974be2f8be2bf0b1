/* Extracting a layer tar stream into a layer directory, safely against hostile input.
 *
 * Entries are read with libarchive (never parsed by hand) and every write goes through
 * common/fs.h, resolved inside the layer directory: "..", absolute names, symlinks in the
 * stream (absolute or relative) and hard links can never make anything land outside it.
 *
 * Entry names.  A leading "/" is stripped and the name is taken as relative to the layer, as
 * podman does ("/etc/x" is written to LAYER/etc/x); "." components and repeated slashes are
 * dropped.  A name with a ".." component, a name longer than PATH_MAX or one component longer
 * than NAME_MAX is rejected.  Symlink entries are created with their target as written and
 * are never followed while extracting them; a later entry whose path goes through a symlink
 * is resolved inside the layer, as if the layer were "/".
 *
 * Replacing.  An entry replaces whatever exists at its name (a directory included: a file
 * may replace a directory, as tar does); a directory entry over an existing directory merges
 * with it and only updates its metadata.  The entry "./" (or "/") sets the layer directory's
 * own metadata.
 *
 * Whiteouts (the OCI image layer spec).  ".wh.NAME" removes NAME of the lower layers: in
 * overlay mode it becomes a 0/0 character device NAME (what overlayfs reads as a whiteout),
 * in vfs mode (the layer directory is a copy of its parent) NAME is removed.  "DIR/.wh..wh..opq"
 * makes DIR opaque: in overlay mode DIR gets the xattr trusted.overlay.opaque=y
 * (user.overlay.opaque=y when opts->rootless), in vfs mode everything in DIR that this stream
 * has not written so far is removed.  Other ".wh..wh.*" names (aufs metadata) are skipped.
 *
 * Hard links must name an entry written earlier in the same stream (in vfs mode, any
 * non-directory already in the layer copy is also accepted).  In overlay mode a target that
 * is not in this layer is looked for in opts->lower_fds, then in what opts->more_lowers gives
 * (the lower layers' directories, nearest first, each resolved as its own root), which is
 * asked only then: a regular file found there is copied up into
 * this layer, with its owner, mode and times, and linked, since a hard link cannot span
 * layers; a whiteout found first means it was deleted.  A link to anything else
 * ("/etc/shadow", "../../x", a name no layer has) is rejected with an error naming the entry.
 *
 * Metadata.  Ownership (shifted by opts->uid_shift / gid_shift) is applied first, then the
 * xattrs, then the mode (so that chown cannot clear setuid/setgid), then the mtime; the
 * mtimes of directories are applied again once the whole stream is in, since extracting into
 * them changed them.  Xattrs named security.* or trusted.* are skipped unless running as
 * root; "trusted.overlay.*" and "user.overlay.*" from the stream are always skipped (only
 * whiteout conversion sets those); xattrs on a file system without support for them are
 * skipped with one warning.
 *
 * On error the layer directory is left partly extracted: callers extract into a staging
 * directory and remove it on failure (DESIGN.md §4).
 */
#ifndef CPOD_STORAGE_TAR_APPLY_H
#define CPOD_STORAGE_TAR_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

struct archive;
struct tar_split_rec;

typedef enum {
	TAR_APPLY_OVERLAY = 0, /* whiteouts become 0/0 char devices, opaque dirs an xattr */
	TAR_APPLY_VFS,	       /* the layer dir is a copy of its parent: whiteouts delete */
} tar_apply_mode;

/* Lower layers found on demand: called at most once per extraction, the first time a hard
 * link names something this layer does not have (overlay mode).  Sets *ret_fds (borrowed,
 * valid until the extraction ends) and *ret_n: more lower layer directories, nearest first,
 * searched after opts->lower_fds.  It may block, for instance until those layers are
 * extracted themselves; -1 with *err fails the entry. */
typedef int (*tar_apply_lowers_fn)(void *data, const int **ret_fds, size_t *ret_n,
				   cpod_error **err);

typedef struct {
	tar_apply_mode mode;
	bool allow_devices;   /* char/block device entries allowed (else rejected) */
	bool rootless;	      /* user.overlay.opaque instead of trusted.overlay.opaque */
	bool no_chown;	      /* keep the extracting user as owner */
	uid_t uid_shift;      /* added to every entry's uid (rootless id mapping) */
	gid_t gid_shift;      /* added to every entry's gid */
	const int *lower_fds; /* overlay: lower layer directories, nearest first (borrowed) */
	size_t n_lower;
	tar_apply_lowers_fn more_lowers; /* overlay: may be NULL */
	void *more_lowers_data;
	bool start_writeback; /* start writing each file to disk once written (no wait) */
	/* Told where each entry's data begins and which regular files were written whole from
	 * it (tar_split.h); spoiled by what it cannot reproduce (a sparse file, a file written
	 * twice or removed by a later entry).  The stream must be uncompressed and its bytes fed
	 * to it by the caller's read callback.  Borrowed; may be NULL. */
	struct tar_split_rec *split;
} tar_apply_opts;

typedef struct {
	uint64_t entries; /* entries applied, whiteouts included */
	uint64_t bytes;	  /* bytes of regular file content written */
} tar_apply_stats;

/* Creates a libarchive reader for layer streams: the tar formats (ustar, pax, GNU) behind
 * no compression, gzip, zstd or xz.  The caller opens it on a source of its choice
 * (archive_read_open_fd, archive_read_open_memory, archive_read_open with callbacks for a
 * streaming download) and frees it with archive_read_free().  Never NULL. */
struct archive *tar_apply_reader_new(void);

/* Applies every entry of the opened reader a to the directory layer_dirfd (any descriptor of
 * a directory, O_PATH included; not closed).  opts may be NULL (overlay mode, no devices).
 * ret_stats, when not NULL, is set on success.  Errors: CPOD_ERR_INVALID for a corrupt,
 * truncated or hostile stream (the message names the entry), CPOD_ERR_SYSTEM when writing
 * failed. */
int tar_apply(int layer_dirfd, struct archive *a, const tar_apply_opts *opts,
	      tar_apply_stats *ret_stats, cpod_error **err);

/* tar_apply() of the stream read from fd (compressed or not) until its end. */
int tar_apply_fd(int layer_dirfd, int fd, const tar_apply_opts *opts, tar_apply_stats *ret_stats,
		 cpod_error **err);

#endif
