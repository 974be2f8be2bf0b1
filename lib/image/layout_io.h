/* The files of an image layout (an OCI image layout, a docker-archive's manifest.json and
 * blobs, the dir: transport's directory), read from or written to either a directory on disk
 * or a tar archive.
 *
 * Reading an archive extracts it first into a private directory under tmpdir, refusing entries
 * with an absolute name or a ".." component and anything but files, directories, symlinks and
 * hard links; names are then looked up in the archive's own namespace, links followed inside
 * it.  Reading a directory resolves every name inside it (fs_open_in_root): a link can never
 * lead out.  Names are relative ("blobs/sha256/<hex>", "manifest.json").
 *
 * Writing an archive appends pax entries (mode 0644) to the caller's fd; writing a directory
 * creates it and its subdirectories as needed and puts each file in place atomically, so a
 * file that exists is complete.  A name written twice is written once.
 */
#ifndef CPOD_IMAGE_LAYOUT_IO_H
#define CPOD_IMAGE_LAYOUT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "common/cleanup.h"

typedef struct layout_reader layout_reader;

/* Reads the directory path. */
int layout_reader_open_dir(const char *path, layout_reader **ret, cpod_error **err);
/* Reads the directory dirfd opens (not closed: it is duplicated). */
int layout_reader_open_fd(int dirfd, layout_reader **ret, cpod_error **err);
/* Extracts the tar (maybe compressed) read from fd (not closed) under tmpdir. */
int layout_reader_open_archive(int fd, const char *tmpdir, layout_reader **ret, cpod_error **err);
/* Removes what was extracted.  Accepts NULL. */
void layout_reader_free(layout_reader *r);
DEFINE_CLEANUP_FUNC(layout_reader, layout_reader_free)

/* Whether the file name exists (links followed). */
bool layout_reader_has(layout_reader *r, const char *name);
/* Opens the file name for reading; *ret_fd at its start. */
int layout_reader_open(layout_reader *r, const char *name, int *ret_fd, cpod_error **err);
/* Reads the whole file name, at most cap bytes (more is CPOD_ERR_INVALID). */
int layout_reader_read(layout_reader *r, const char *name, size_t cap, buf *out, cpod_error **err);

typedef struct layout_writer layout_writer;

/* Writes a tar archive to fd (not closed). */
int layout_writer_open_archive(int fd, layout_writer **ret, cpod_error **err);
/* Writes into the directory path, made if missing. */
int layout_writer_open_dir(const char *path, layout_writer **ret, cpod_error **err);
/* Ends the archive (a directory needs nothing).  Without it, free leaves the archive cut. */
int layout_writer_close(layout_writer *w, cpod_error **err);
/* Accepts NULL. */
void layout_writer_free(layout_writer *w);
DEFINE_CLEANUP_FUNC(layout_writer, layout_writer_free)

/* Whether name was written already (or exists in the directory). */
bool layout_writer_has(layout_writer *w, const char *name);
/* Writes name with size bytes read from fd (from its current offset). */
int layout_writer_put_fd(layout_writer *w, const char *name, int fd, int64_t size,
			 cpod_error **err);
int layout_writer_put_mem(layout_writer *w, const char *name, const void *data, size_t len,
			  cpod_error **err);
/* The directory's path, or NULL for an archive. */
const char *layout_writer_dir(const layout_writer *w);

#endif
