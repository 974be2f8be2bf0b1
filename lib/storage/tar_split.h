/* Tar-split records: how to write a layer's tar stream again, byte for byte, from the layer's
 * files, so that a pulled or loaded image keeps its diffIDs and its ID when it is saved or
 * pushed (containers/storage keeps the same kind of record; this format is cpod's own).
 *
 * A tar stream is a run of bytes that no file holds (headers, pax and GNU extended headers,
 * the padding after each file, the end-of-archive blocks and whatever follows them) cut by the
 * data of regular files, which the layer directory holds once the stream is applied.  While a
 * stream is applied, the recorder is fed every byte in order and told where each entry's data
 * begins; the bytes it must keep are those outside the files' data, the files are recorded by
 * their path in the layer and their size.  It holds in memory only the bytes read since the
 * last file's data ended (at most TAR_SPLIT_SEGMENT_MAX, copied from the caller's buffer only
 * when that is about to be reused), and writes the record compressed as it goes, so a layer
 * is never spooled.
 *
 * The record (a zstd frame, with its checksum) is the line "cpod-tar-split 1\n" and then
 * operations, integers little-endian:
 *   'R' u32 n, n bytes        n bytes of the stream as they were
 *   'F' u64 size, u32 n, path size bytes: the content of the file path (n bytes, no NUL)
 *   'E' u64 total             the end; total: the stream's length
 *
 * A stream whose every byte cannot be told apart this way (sparse files, a file written twice
 * or removed by a later entry, offsets that do not add up, a record larger than
 * TAR_SPLIT_RECORD_MAX) spoils the record: it is dropped, and the layer is written as cpod's
 * canonical tar (tar_diff.h) instead.  Replaying a record checks what it can (every file must
 * be a regular file of the recorded size); the caller compares the digest of what was written
 * with the layer's diffID, which catches everything else.
 */
#ifndef CPOD_STORAGE_TAR_SPLIT_H
#define CPOD_STORAGE_TAR_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"

/* The longest run of bytes outside the files' data a record keeps (one stretch of headers, or
 * the data of an entry that is not written as a file, such as a hard link carrying data). */
#define TAR_SPLIT_SEGMENT_MAX (16u << 20)
/* The largest record, compressed. */
#define TAR_SPLIT_RECORD_MAX (128u << 20)

typedef struct tar_split_rec tar_split_rec;

/* Starts a record written to out_fd (borrowed: not closed, written to until
 * tar_split_finish()).  Never NULL. */
tar_split_rec *tar_split_rec_new(int out_fd);
/* Accepts NULL. */
void tar_split_rec_free(tar_split_rec *r);
DEFINE_CLEANUP_FUNC(tar_split_rec, tar_split_rec_free)

/* Every byte of the uncompressed stream, in order, as it is read: the bytes after the tar's
 * end included.  The recorder reads p (without copying what it does not need) until the next
 * tar_split_feed(), tar_split_keep() or tar_split_finish(): a caller that reuses its buffer
 * calls tar_split_keep() before it writes into it again. */
void tar_split_feed(tar_split_rec *r, const void *p, size_t n);

/* Copies what the recorder still needs of the bytes fed last: their buffer is to be reused. */
void tar_split_keep(tar_split_rec *r);

/* An entry was read: its data begins at stream offset data_off (libarchive's
 * archive_filter_bytes(a, 0) right after archive_read_next_header() returned it, -1 when
 * unknown).  Everything before data_off not yet recorded is kept as it is. */
void tar_split_entry(tar_split_rec *r, int64_t data_off);

/* The entry announced last is a regular file whose data, size bytes from its data_off, is
 * written whole to path (relative to the layer directory, resolved inside it as tar_apply()
 * resolves names).  Called at most once per entry, before its data is read, so that the
 * data is not held; if it then turns out not to be written whole, spoil the record. */
void tar_split_file(tar_split_rec *r, const char *path, int64_t size);

/* The stream cannot be written again from the layer: the record will be dropped.  The first
 * reason given is kept for the debug log. */
void tar_split_spoil(tar_split_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* false once spoiled. */
bool tar_split_usable(const tar_split_rec *r);

/* Ends the record after the stream's last byte was fed, and writes what is left of it to
 * out_fd.  0 when the record is complete and usable; -1 when it must be dropped (spoiled, or
 * writing failed), the reason logged at debug level. */
int tar_split_finish(tar_split_rec *r);

/* Writes the stream described by the record read from record_fd (its start to its end) to
 * out_fd, or only hashes it when out_fd is -1, reading the files it names in the directory
 * layer_dirfd (resolved inside it, never following a symlink at the name itself).  On success
 * returns 0 and sets *ret_digest ("sha256:...", the digest of the bytes written).  Returns 1
 * when the record does not fit these files or is corrupt, with *ret_why (a new string) saying
 * why; what was written to out_fd is then to be discarded.  -1 with *err when writing to
 * out_fd failed. */
int tar_split_replay(int record_fd, int layer_dirfd, int out_fd, char **ret_digest, char **ret_why,
		     cpod_error **err);

#endif
