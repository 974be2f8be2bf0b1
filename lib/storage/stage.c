/* Staged layers (store.h): begun and committed on the store's thread, extracted on any. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "storage/store_int.h"
#include "storage/tar_split.h"

#include "common/banned.h"

#define READ_CHUNK (128 * 1024)
#define COMMIT_WAIT_MS (60 * 1000) /* longest wait for another writer's commit of a layer */

typedef enum {
	STAGE_NEW,
	STAGE_APPLYING,
	STAGE_APPLIED,
	STAGE_FAILED, /* the apply failed, or the stage was abandoned */
	STAGE_COMMITTED,
} stage_state;

struct store_stage {
	driver *d;
	store_writer w;
	char *sid;	    /* the staging id, once created */
	char *parent;	    /* the ready layer below, when there is no below */
	store_stage *below; /* borrowed */
	char *expected;	    /* diffID or NULL */
	int *dirs;	    /* what a layer on top of this one sees below it (open_dirs) */
	size_t n_dirs;
	int *lowers; /* the stages' dirs below this one, gathered on demand */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	stage_state state; /* under lock; the fields below are set with it */
	char *diff_id;
	int64_t size;
	char *id;
	bool existed;
	bool split; /* a tar-split record was kept at the staging name */
};

bool store_layer_stage_independent(const store *s)
{
	return s->d->ops->open_dirs && s->d->ops->set_parent;
}

void store_layer_stage_free(store_stage *st)
{
	int saved = errno;

	if (!st)
		return;
	/* after a commit the staging name is gone; otherwise this drops the staging copy */
	if (st->sid) {
		_cleanup_free_ char *split = store_split_path(st->d->graphroot, st->sid, true);

		st->d->ops->remove(st->d, st->sid, NULL);
		unlink(split);
	}
	for (size_t i = 0; i < st->n_dirs; i++)
		close(st->dirs[i]);
	free(st->dirs);
	free(st->lowers);
	store_writer_end(&st->w);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	free(st->sid);
	free(st->parent);
	free(st->expected);
	free(st->diff_id);
	free(st->id);
	free(st);
	errno = saved;
}

static int stage_check_args(store *s, const char *parent, store_stage *below, const char *expected,
			    cpod_error **err)
{
	_cleanup_(meta_layer_freep) meta_layer *pl = NULL;

	if (expected && digest_validate(expected, err) < 0)
		return -1;
	if (below && parent)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "a parent layer and a stage below given");
	if (below && !store_layer_stage_independent(s))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"the %s driver extracts a layer only on a committed parent",
				s->d->ops->name);
	if (parent && store_layer_get(s, parent, &pl, err) < 0)
		return -1;
	return 0;
}

int store_layer_stage_begin(store *s, const char *parent, store_stage *below,
			    const char *expected_diff_id, store_stage **ret, cpod_error **err)
{
	_cleanup_(store_layer_stage_freep) store_stage *st = NULL;
	_cleanup_free_ char *sid = NULL;
	driver *d = s->d;

	if (stage_check_args(s, parent, below, expected_diff_id, err) < 0)
		return cpod_err_prefix(err, "applying a layer");
	st = xcalloc(1, sizeof(*st));
	st->d = d;
	st->w = (store_writer)STORE_WRITER_INIT;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	st->parent = parent ? xstrdup(parent) : NULL;
	st->below = below;
	st->expected = expected_diff_id ? xstrdup(expected_diff_id) : NULL;
	if (store_writer_begin(s, &st->w, err) < 0)
		return -1;
	sid = id_generate(err);
	if (!sid)
		return -1;
	if (d->ops->create(d, sid, parent, err) < 0)
		return cpod_err_prefix(err, "applying a layer");
	st->sid = TAKE_PTR(sid);
	if (d->ops->open_dirs && d->ops->open_dirs(d, st->sid, &st->dirs, &st->n_dirs, err) < 0)
		return cpod_err_prefix(err, "applying a layer");
	*ret = TAKE_PTR(st);
	return 0;
}

/* ---- apply ---- */

/* Waits until the stage b is extracted (or failed). */
static int stage_wait(store_stage *b, cpod_error **err)
{
	stage_state state;

	pthread_mutex_lock(&b->lock);
	while (b->state == STAGE_NEW || b->state == STAGE_APPLYING)
		pthread_cond_wait(&b->cond, &b->lock);
	state = b->state;
	pthread_mutex_unlock(&b->lock);
	if (state == STAGE_FAILED)
		return cpod_err(err, CPOD_ERR_STATE, 0, "a layer below was not extracted");
	return 0;
}

/* tar_apply's more_lowers: the directories of the stages below, once they are extracted. */
static int stage_lowers(void *data, const int **ret_fds, size_t *ret_n, cpod_error **err)
{
	store_stage *st = data;
	size_t n = 0;

	for (store_stage *b = st->below; b; b = b->below)
		n += b->n_dirs;
	st->lowers = xcalloc(n + 1, sizeof(int));
	n = 0;
	for (store_stage *b = st->below; b; b = b->below) {
		if (stage_wait(b, err) < 0)
			return -1;
		memcpy(st->lowers + n, b->dirs, b->n_dirs * sizeof(int));
		n += b->n_dirs;
	}
	*ret_fds = st->lowers;
	*ret_n = n;
	return 0;
}

/* What libarchive reads through: every byte is hashed on its way to the tar reader, and
 * recorded. */
struct feed {
	store_read_fn read;
	void *cb;
	digest_ctx *dg;
	tar_split_rec *split; /* may be NULL */
	char *chunk;
	int64_t total;
	cpod_error *err;
};

static la_ssize_t feed_read(struct archive *a, void *p, const void **out)
{
	struct feed *f = p;
	ssize_t n;

	if (f->split)
		tar_split_keep(f->split); /* chunk is overwritten */
	n = f->read(f->cb, f->chunk, READ_CHUNK, &f->err);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", f->err ? cpod_error_message(f->err) : "read error");
		return -1;
	}
	digest_update(f->dg, f->chunk, (size_t)n);
	if (f->split)
		tar_split_feed(f->split, f->chunk, (size_t)n);
	f->total += n;
	*out = f->chunk;
	return n;
}

/* The bytes after the tar end marker belong to the stream and to its diffID too. */
static int feed_drain(struct feed *f, cpod_error **err)
{
	for (;;) {
		ssize_t n;

		if (f->split)
			tar_split_keep(f->split);
		n = f->read(f->cb, f->chunk, READ_CHUNK, err);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		digest_update(f->dg, f->chunk, (size_t)n);
		if (f->split)
			tar_split_feed(f->split, f->chunk, (size_t)n);
		f->total += n;
	}
}

/* Creates the stage's tar-split record at its staging name; -1 when none can be kept (the
 * layer is then saved as cpod's canonical tar: not worth failing the apply for). */
static int split_create(store_stage *st)
{
	_cleanup_free_ char *path = store_split_path(st->d->graphroot, st->sid, true);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		log_debug("no tar-split record: creating '%s': %s", path, strerror(errno));
	return fd;
}

/* Completes the record of an extracted stage; drops it when it is unusable. */
static void split_complete(store_stage *st, tar_split_rec *split)
{
	_cleanup_free_ char *path = NULL;

	if (tar_split_finish(split) == 0) {
		st->split = true;
		return;
	}
	path = store_split_path(st->d->graphroot, st->sid, true);
	unlink(path);
}

/* Extracts the stream into the staging layer; sets the diffID and size. */
static int extract(store_stage *st, store_read_fn read, void *cb, char **ret_diff_id,
		   int64_t *ret_size, cpod_error **err)
{
	_cleanup_(digest_ctx_freep) digest_ctx *dg = digest_init(DIGEST_SHA256);
	_cleanup_free_ char *chunk = xmalloc(READ_CHUNK);
	_cleanup_close_ int split_fd = split_create(st);
	_cleanup_(tar_split_rec_freep) tar_split_rec *split = NULL;
	struct feed f = { .read = read, .cb = cb, .dg = dg, .chunk = chunk };
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		abort();
	if (split_fd >= 0)
		f.split = split = tar_split_rec_new(split_fd);
	/* uncompressed tar only: the diffID is over exactly the bytes the tar reader sees */
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_empty(a);
	archive_read_support_filter_none(a);
	if (archive_read_open(a, &f, NULL, feed_read, NULL) != ARCHIVE_OK)
		r = cpod_err(err, CPOD_ERR_INVALID, 0, "reading the layer stream: %s",
			     archive_error_string(a) ?: "cannot open");
	else
		r = st->d->ops->apply(st->d, st->sid, a, st->below ? stage_lowers : NULL, st, split,
				      NULL, err);
	archive_read_free(a);
	if (r < 0 && f.err) {
		/* the source failed: its error says more than libarchive's */
		cpod_error_free(err ? *err : NULL);
		if (err)
			*err = TAKE_PTR(f.err);
	}
	cpod_error_free(f.err);
	if (r < 0 || feed_drain(&f, err) < 0)
		return -1;
	if (split)
		split_complete(st, split);
	*ret_diff_id = digest_final(dg);
	*ret_size = f.total;
	return 0;
}

static void stage_set_state(store_stage *st, stage_state state)
{
	pthread_mutex_lock(&st->lock);
	st->state = state;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

int store_layer_stage_apply(store_stage *st, store_read_fn read, void *cb, cpod_error **err)
{
	_cleanup_free_ char *diff_id = NULL;
	int64_t size = 0;
	int r;

	pthread_mutex_lock(&st->lock);
	r = st->state == STAGE_NEW ? 0 : -1;
	if (r == 0)
		st->state = STAGE_APPLYING;
	pthread_mutex_unlock(&st->lock);
	if (r < 0)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"applying a layer: the staging layer was applied or abandoned");
	r = extract(st, read, cb, &diff_id, &size, err);
	if (r == 0 && st->expected && !digest_equal(st->expected, diff_id))
		r = cpod_err(err, CPOD_ERR_INVALID, 0,
			     "layer diffID mismatch: expected '%s', got '%s'", st->expected,
			     diff_id);
	if (r == 0) {
		st->diff_id = TAKE_PTR(diff_id);
		st->size = size;
	}
	stage_set_state(st, r < 0 ? STAGE_FAILED : STAGE_APPLIED);
	return r < 0 ? cpod_err_prefix(err, "applying a layer") : 0;
}

void store_layer_stage_abandon(store_stage *st)
{
	pthread_mutex_lock(&st->lock);
	if (st->state == STAGE_NEW) {
		st->state = STAGE_FAILED;
		pthread_cond_broadcast(&st->cond);
	}
	pthread_mutex_unlock(&st->lock);
}

/* ---- commit ---- */

static char *chain_id(const char *parent, const char *diff_id)
{
	_cleanup_free_ char *s = NULL, *d = NULL;

	if (!parent)
		return xstrdup(diff_id + strlen("sha256:"));
	s = xasprintf("sha256:%s %s", parent, diff_id);
	d = digest_buf(DIGEST_SHA256, s, strlen(s));
	return xstrdup(d + strlen("sha256:"));
}

/* Renames the stage's tar-split record into place as the record of layer id: before the
 * layer's files, so that the sync of their commit covers it (store_int.h).  A record that
 * cannot be moved is dropped: the layer is then saved as cpod's canonical tar. */
static void split_install(store *s, store_stage *st, const char *id)
{
	_cleanup_free_ char *from = NULL, *to = NULL;

	if (!st->split)
		return;
	from = store_split_path(s->graphroot, st->sid, true);
	to = store_split_path(s->graphroot, id, false);
	if (rename(from, to) < 0) {
		log_warn("keeping the tar-split record of layer '%s': renaming '%s': %s", id, from,
			 strerror(errno));
		unlink(from);
	}
}

/* Registers the extracted stage as id: row (staging), rename, row ready.  Returns 0, 1 when a
 * row with this id appeared since the caller looked, or -1. */
static int commit_layer(store *s, store_stage *st, const char *id, const char *parent,
			cpod_error **err)
{
	meta_layer spec = {
		.id = (char *)id,
		.parent = (char *)parent,
		.diff_id = st->diff_id,
		.uncompressed_size = st->size,
		.driver = (char *)s->d->ops->name,
	};
	cpod_error *e = NULL;

	if (st->below && s->d->ops->set_parent(s->d, st->sid, parent, err) < 0)
		return -1;
	if (meta_layer_add(s->m, &spec, &e) < 0) {
		if (cpod_error_kind(e) == CPOD_ERR_EXISTS) {
			cpod_error_free(e);
			return 1; /* another writer registered it meanwhile */
		}
		if (err && !*err)
			*err = e;
		else
			cpod_error_free(e);
		return -1;
	}
	split_install(s, st, id);
	if (s->d->ops->commit(s->d, st->sid, id, err) < 0 ||
	    meta_layer_mark_ready(s->m, id, st->diff_id, st->size, err) < 0) {
		_cleanup_free_ char *split = store_split_path(s->graphroot, id, false);

		unlink(split);
		s->d->ops->remove(s->d, id, NULL);
		if (meta_layer_delete(s->m, id, &e) < 0)
			store_warn_err("forgetting a failed layer", e);
		return -1;
	}
	return 0;
}

/* 1 when the ready layer id exists, 0 when it does not, 2 while another writer commits it,
 * -1 on error. */
static int layer_ready(store *s, const char *id, cpod_error **err)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;
	cpod_error *e = NULL;

	if (meta_layer_get(s->m, id, &l, &e) < 0) {
		if (cpod_error_kind(e) == CPOD_ERR_NOT_FOUND) {
			cpod_error_free(e);
			return 0;
		}
		if (err && !*err)
			*err = e;
		else
			cpod_error_free(e);
		return -1;
	}
	return l->state == META_LAYER_READY ? 1 : 2;
}

/* Commits the stage as id unless that layer exists; a parallel writer of the same layer (a
 * pull of the same image) may be committing it: then its outcome is waited for.  Returns 1
 * when the layer existed, 0 when committed, -1 on error. */
static int commit_or_reuse(store *s, store_stage *st, const char *id, const char *parent,
			   cpod_error **err)
{
	for (int waited = 0;; waited++) {
		int r = layer_ready(s, id, err);

		if (r < 0)
			return -1;
		if (r == 1)
			return 1;
		if (r == 0) {
			r = commit_layer(s, st, id, parent, err);
			if (r <= 0)
				return r;
			continue;
		}
		if (waited >= COMMIT_WAIT_MS / 20)
			return cpod_err(err, CPOD_ERR_STATE, 0,
					"layer '%s' is still being written by another process", id);
		usleep(20 * 1000);
	}
}

static int stage_commit(store *s, store_stage *st, cpod_error **err)
{
	const char *parent = st->parent;
	_cleanup_free_ char *id = NULL;
	stage_state state;
	int r;

	pthread_mutex_lock(&st->lock);
	state = st->state;
	pthread_mutex_unlock(&st->lock);
	if (state != STAGE_APPLIED)
		return cpod_err(err, CPOD_ERR_STATE, 0, "the staging layer is not extracted");
	if (st->below) {
		if (!st->below->id)
			return cpod_err(err, CPOD_ERR_STATE, 0, "the layer below is not committed");
		parent = st->below->id;
	}
	id = chain_id(parent, st->diff_id);
	r = commit_or_reuse(s, st, id, parent, err);
	if (r < 0) {
		stage_set_state(st, STAGE_FAILED);
		return -1;
	}
	st->existed = r == 1;
	/* after a commit the staging names are gone; otherwise this drops the staging copies */
	if (st->split) {
		_cleanup_free_ char *split = store_split_path(s->graphroot, st->sid, true);

		unlink(split);
	}
	if (s->d->ops->remove(s->d, st->sid, err) < 0) {
		stage_set_state(st, STAGE_FAILED);
		return -1;
	}
	st->id = TAKE_PTR(id);
	stage_set_state(st, STAGE_COMMITTED);
	return 0;
}

int store_layer_stage_commit(store *s, store_stage *st, store_layer_result *ret, cpod_error **err)
{
	if (stage_commit(s, st, err) < 0)
		return cpod_err_prefix(err, "applying a layer");
	if (ret) {
		ret->id = xstrdup(st->id);
		ret->diff_id = xstrdup(st->diff_id);
		ret->size = st->size;
		ret->existed = st->existed;
	}
	return 0;
}

/* ---- all at once ---- */

int store_layer_apply(store *s, const char *parent, store_read_fn read, void *cb,
		      const char *expected_diff_id, store_layer_result *ret, cpod_error **err)
{
	_cleanup_(store_layer_stage_freep) store_stage *st = NULL;

	if (store_layer_stage_begin(s, parent, NULL, expected_diff_id, &st, err) < 0 ||
	    store_layer_stage_apply(st, read, cb, err) < 0 ||
	    store_layer_stage_commit(s, st, ret, err) < 0)
		return -1;
	return 0;
}
