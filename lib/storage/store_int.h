/* The store's insides, shared by store.c and stage.c only. */
#ifndef CPOD_STORAGE_STORE_INT_H
#define CPOD_STORAGE_STORE_INT_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/lock.h"
#include "storage/driver.h"
#include "storage/meta.h"
#include "storage/store.h"

struct store {
	char *graphroot;
	char *runroot;
	char *lockpath;
	meta *m;
	driver *d;
};

/* A writer holds the store lock shared while it has work on disk that a crash could leave
 * half done (staging layers, image files before their row, files after their row went), and
 * keeps a marker in <graphroot>/incomplete/ for as long: a marker left behind is what tells a
 * later store_open() that leftovers may exist, so the common case opens without a scan. */
typedef struct {
	file_lock lock;
	char *marker;
} store_writer;

#define STORE_WRITER_INIT                              \
	{                                              \
		.lock = FILE_LOCK_INIT, .marker = NULL \
	}

int store_writer_begin(store *s, store_writer *w, cpod_error **err);
/* Removes the marker and drops the lock; a writer never begun (or ended) is left alone. */
void store_writer_end(store_writer *w);
#define _cleanup_writer_ __attribute__((cleanup(store_writer_end)))

/* Tar-split records (tar_split.h) are files of <graphroot>/tar-split/: "<layer id>.zst" for a
 * committed layer, "staging-<staging id>.zst" while its stream is extracted.  A record is
 * renamed into place after its layer's row was added (still staging) and before the layer's
 * files are, so that it is made durable by the same sync, and every record either belongs to
 * a row or is a leftover that store_open() removes; it is removed with its layer's files. */
#define STORE_SPLIT_DIR "tar-split"
/* The path of the record of layer id (staging: of the staging layer id), a new string. */
char *store_split_path(const char *graphroot, const char *id, bool staging);

/* Logs "what: message" as a warning and frees e (NULL: strerror(errno)). */
void store_warn_err(const char *what, cpod_error *e);

#endif
