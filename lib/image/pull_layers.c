/* A pull's layers: parallel downloads and extraction, commits in order (see pull_layers.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/decompress.h"
#include "image/pull_layers.h"
#include "common/banned.h"

/* Where blob events go (o->blob_progress): one call at a time, from any thread. */
typedef struct {
	cpod_pull_blob_fn fn;
	void *data;
	pthread_mutex_t lock;
} blob_reporter;

/* One layer to download. */
typedef struct {
	const manifest_descriptor *desc;
	const char *diff_id;
	int index; /* in the manifest */
	store_stage *stage;
	bool finished;	 /* under the queue's lock */
	cpod_error *err; /* its failure, once finished */
	/* only the thread running the job touches these */
	int64_t received;	/* compressed bytes so far */
	int64_t next_report_ms; /* the next RECEIVING event not before then */
} layer_job;

typedef struct {
	const char *repo;
	layer_job *jobs;
	size_t n;
	size_t next; /* the next job to start */
	pthread_mutex_t lock;
	pthread_cond_t done; /* a job finished */
	atomic_bool cancel;  /* a job failed: the others stop */
	blob_reporter *rep;  /* NULL: no blob events */
} job_queue;

typedef struct {
	job_queue *q;
	registry_client *rc;
	pthread_t thread;
	bool running;
} worker;

static void progress(const pull_layers_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const pull_layers_opts *o, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	o->progress(o->progress_data, line);
}

static void blob_report(blob_reporter *rep, const manifest_descriptor *d, int index,
			cpod_pull_blob_state state, int64_t current)
{
	cpod_pull_blob_progress p = {
		.digest = d->digest,
		.index = index,
		.state = state,
		.current = current,
		.total = d->size,
	};

	pthread_mutex_lock(&rep->lock);
	rep->fn(rep->data, &p);
	pthread_mutex_unlock(&rep->lock);
}

/* A layer listed before the downloads: an event, or podman's line without a terminal. */
static void report_listed(const pull_layers_opts *o, blob_reporter *rep,
			  const manifest_descriptor *d, int index, bool skipped)
{
	if (rep)
		blob_report(rep, d, index,
			    skipped ? CPOD_PULL_BLOB_SKIPPED : CPOD_PULL_BLOB_STARTED, 0);
	else if (skipped)
		progress(o, "Copying blob %s skipped: already exists", d->digest);
	else
		progress(o, "Copying blob %s", d->digest);
}

static void report_done(blob_reporter *rep, const layer_job *j)
{
	if (rep)
		blob_report(rep, j->desc, j->index, CPOD_PULL_BLOB_DONE,
			    j->desc->size > 0 ? j->desc->size : j->received);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	/* the coarse clock is cheap enough to read after every block received */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- one job ---- */

/* The blob as the decompressor reads it: a read fails once another layer failed. */
typedef struct {
	registry_blob *blob;
	atomic_bool *cancel; /* may be NULL */
	layer_job *job;
	blob_reporter *rep; /* may be NULL */
} job_source;

/* Counts the bytes received and reports them, on the first block and then at most every
 * PULL_LAYERS_PROGRESS_MS. */
static void source_count(job_source *src, ssize_t n)
{
	layer_job *j = src->job;
	int64_t now;

	now = monotonic_ms();
	if (now < j->next_report_ms)
		return;
	j->next_report_ms = now + PULL_LAYERS_PROGRESS_MS;
	blob_report(src->rep, j->desc, j->index, CPOD_PULL_BLOB_RECEIVING, j->received);
}

static ssize_t source_read(void *cb, void *p, size_t len, cpod_error **err)
{
	job_source *src = cb;
	ssize_t n;

	/* CPOD_ERR_STATE marks what failed because of another failure (see pick_error()) */
	if (src->cancel && atomic_load(src->cancel))
		return cpod_err(err, CPOD_ERR_STATE, ECANCELED, "stopped: another layer failed");
	n = registry_blob_read(src->blob, p, len, err);
	if (n > 0)
		src->job->received += n;
	if (n > 0 && src->rep)
		source_count(src, n);
	return n;
}

/* After a failed apply: a blob that does not match its digest explains a decompression or tar
 * error, so read the rest of it and, when its check fails, report that instead. */
static void report_blob_mismatch(registry_blob *blob, cpod_error **err)
{
	char scratch[65536];
	cpod_error *berr = NULL;
	ssize_t n;

	while ((n = registry_blob_read(blob, scratch, sizeof(scratch), &berr)) > 0)
		;
	if (n == 0 || cpod_error_kind(berr) != CPOD_ERR_REGISTRY) {
		cpod_error_free(berr);
		return;
	}
	cpod_error_freep(err);
	*err = berr;
}

/* Downloads the job's blob into its stage; on any thread. */
static int run_job(registry_client *rc, const char *repo, layer_job *j, atomic_bool *cancel,
		   blob_reporter *rep, cpod_error **err)
{
	_cleanup_(registry_blob_closep) registry_blob *blob = NULL;
	_cleanup_(decompressor_freep) decompressor *d = NULL;
	const manifest_descriptor *l = j->desc;
	manifest_compression comp;
	job_source src = { .cancel = cancel, .job = j, .rep = rep };

	if (manifest_layer_compression(l->media_type, &comp, err) < 0)
		return cpod_err_prefix(err, "layer %s", l->digest);
	if (registry_blob_open(rc, repo, l->digest, l->size, &blob, err) < 0)
		return -1;
	src.blob = blob;
	d = decompressor_new(comp, source_read, &src);
	if (store_layer_stage_apply(j->stage, decompressor_read, d, err) < 0) {
		/* not worth reading the rest of the blob once the pull is failing anyway */
		if (cpod_error_kind(*err) != CPOD_ERR_STATE && !(cancel && atomic_load(cancel)))
			report_blob_mismatch(blob, err);
		return cpod_err_prefix(err, "writing blob %s", l->digest);
	}
	report_done(rep, j);
	return 0;
}

/* ---- the workers ---- */

static void *worker_main(void *arg)
{
	worker *w = arg;
	job_queue *q = w->q;

	for (;;) {
		layer_job *j;
		cpod_error *e = NULL;
		int r;

		pthread_mutex_lock(&q->lock);
		if (q->next == q->n || atomic_load(&q->cancel)) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		j = &q->jobs[q->next++];
		pthread_mutex_unlock(&q->lock);

		r = run_job(w->rc, q->repo, j, &q->cancel, q->rep, &e);

		pthread_mutex_lock(&q->lock);
		j->finished = true;
		j->err = r < 0 ? e : NULL;
		if (r < 0)
			atomic_store(&q->cancel, true);
		pthread_cond_broadcast(&q->done);
		pthread_mutex_unlock(&q->lock);
	}
}

/* Starts up to n workers, each with a client of its own. */
static int start_workers(const pull_layers_opts *o, job_queue *q, worker *ws, size_t n,
			 cpod_error **err)
{
	size_t started = 0;

	for (size_t i = 0; i < n; i++) {
		ws[i].q = q;
		if (registry_client_clone(o->rc, &ws[i].rc, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int r = pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);

		if (r != 0) {
			log_debug("starting a download thread: %s", strerror(r));
			continue;
		}
		ws[i].running = true;
		started++;
	}
	if (!started)
		return cpod_err(err, CPOD_ERR_SYSTEM, EAGAIN, "starting the download threads");
	return 0;
}

/* Stops the workers: no job starts any more, running ones fail at their next read, the
 * stages never started are abandoned (which fails the stages waiting for them). */
static void stop_workers(job_queue *q, worker *ws, size_t n)
{
	size_t first_unstarted;

	pthread_mutex_lock(&q->lock);
	atomic_store(&q->cancel, true);
	first_unstarted = q->next;
	q->next = q->n;
	pthread_mutex_unlock(&q->lock);
	for (size_t i = first_unstarted; i < q->n; i++)
		store_layer_stage_abandon(q->jobs[i].stage);
	for (size_t i = 0; i < n; i++) {
		if (ws[i].running)
			pthread_join(ws[i].thread, NULL);
		ws[i].running = false;
		registry_client_free(ws[i].rc);
		ws[i].rc = NULL;
	}
}

/* The failure to report: the lowest layer's that is not a consequence of another one
 * (CPOD_ERR_STATE: stopped, or waiting for a layer below that failed). */
static cpod_error *pick_error(job_queue *q)
{
	layer_job *first = NULL;

	for (size_t i = 0; i < q->n; i++) {
		layer_job *j = &q->jobs[i];

		if (!j->err)
			continue;
		if (cpod_error_kind(j->err) != CPOD_ERR_STATE)
			return TAKE_PTR(j->err);
		if (!first)
			first = j;
	}
	return first ? TAKE_PTR(first->err) : NULL;
}

/* ---- committing ---- */

typedef struct {
	char *parent; /* the top so far */
	int64_t size;
	strv *made;
	strv *diff_ids;	    /* may be NULL */
	blob_reporter *rep; /* NULL: progress lines instead of blob events */
} chain;

static int commit_job(const pull_layers_opts *o, layer_job *j, chain *c, cpod_error **err)
{
	store_layer_result res = { 0 };
	const manifest_descriptor *l = j->desc;

	if (store_layer_stage_commit(o->s, j->stage, &res, err) < 0)
		return cpod_err_prefix(err, "writing blob %s", l->digest);
	if (!res.existed)
		strv_push(c->made, res.id);
	/* the whole blob was read and checked: what was received is its size */
	if (meta_layer_add_compressed(store_meta(o->s), res.id, l->digest,
				      l->size >= 0 ? l->size : j->received, l->media_type,
				      NULL) < 0)
		log_debug("recording compressed digest %s failed", l->digest);
	if (c->diff_ids)
		strv_push(c->diff_ids, res.diff_id);
	free(c->parent);
	c->parent = TAKE_PTR(res.id);
	c->size += res.size;
	store_layer_result_clear(&res);
	return 0;
}

/* Waits for each job in order and commits it. */
static int commit_in_order(const pull_layers_opts *o, job_queue *q, chain *c, cpod_error **err)
{
	for (size_t i = 0; i < q->n; i++) {
		layer_job *j = &q->jobs[i];
		bool failed;

		pthread_mutex_lock(&q->lock);
		while (!j->finished && !atomic_load(&q->cancel))
			pthread_cond_wait(&q->done, &q->lock);
		failed = !j->finished || j->err;
		pthread_mutex_unlock(&q->lock);
		if (failed)
			return -1; /* the caller picks the error */
		if (commit_job(o, j, c, err) < 0)
			return -1;
	}
	return 0;
}

static int run_parallel(const pull_layers_opts *o, job_queue *q, chain *c, cpod_error **err)
{
	size_t nw = o->parallel > 0 ? (size_t)o->parallel : PULL_LAYERS_DEFAULT_PARALLEL;
	worker *ws;
	int r;

	if (nw > q->n)
		nw = q->n;
	ws = xcalloc(nw, sizeof(*ws));
	r = start_workers(o, q, ws, nw, err);
	if (r == 0)
		r = commit_in_order(o, q, c, err);
	stop_workers(q, ws, nw);
	free(ws);
	if (r < 0 && err && !*err) {
		*err = pick_error(q);
		if (!*err)
			cpod_err(err, CPOD_ERR_INTERNAL, 0, "a layer download stopped");
	}
	return r;
}

/* vfs: each layer is a copy of its committed parent, so one after the other. */
static int run_sequential(const pull_layers_opts *o, job_queue *q, chain *c, cpod_error **err)
{
	for (size_t i = 0; i < q->n; i++) {
		layer_job *j = &q->jobs[i];

		if (store_layer_stage_begin(o->s, c->parent, NULL, j->diff_id, &j->stage, err) <
			    0 ||
		    run_job(o->rc, o->repo, j, NULL, c->rep, err) < 0 ||
		    commit_job(o, j, c, err) < 0)
			return -1;
		store_layer_stage_free(TAKE_PTR(j->stage));
	}
	return 0;
}

/* ---- the whole ---- */

/* The diffID of layer i before it is downloaded: the config's or, without a config, the one
 * the store saw its blob decompress to (*seen holds it); NULL when not known. */
static const char *known_diff_id(const pull_layers_opts *o, size_t i, meta_layer **seen)
{
	if (o->cfg)
		return o->cfg->diff_ids.v[i];
	if (meta_layer_find_by_compressed(store_meta(o->s), o->m->layers[i].digest, seen, NULL) < 0)
		return NULL;
	return (*seen)->diff_id;
}

/* Skips the bottom layers the store has; returns the index of the first it lacks. */
static size_t skip_present(const pull_layers_opts *o, chain *c)
{
	meta *md = store_meta(o->s);
	size_t i;

	for (i = 0; i < o->m->n_layers; i++) {
		_cleanup_(meta_layer_freep) meta_layer *have = NULL, *seen = NULL;
		const char *diff_id = known_diff_id(o, i, &seen);

		if (!diff_id || meta_layer_find_by_diff_id(md, diff_id, c->parent, &have, NULL) < 0)
			break;
		if (c->diff_ids)
			strv_push(c->diff_ids, diff_id);
		report_listed(o, c->rep, &o->m->layers[i], (int)i, true);
		free(c->parent);
		c->parent = xstrdup(have->id);
		c->size += have->uncompressed_size > 0 ? have->uncompressed_size : 0;
	}
	/* Above a missing layer every chain id is new. */
	return i;
}

/* An unsupported layer type fails the pull before anything is downloaded. */
static int check_media_types(job_queue *q, cpod_error **err)
{
	for (size_t i = 0; i < q->n; i++) {
		manifest_compression comp;

		if (manifest_layer_compression(q->jobs[i].desc->media_type, &comp, err) < 0)
			return cpod_err_prefix(err, "layer %s", q->jobs[i].desc->digest);
	}
	return 0;
}

static int begin_stages(const pull_layers_opts *o, job_queue *q, const char *parent,
			cpod_error **err)
{
	for (size_t i = 0; i < q->n; i++) {
		layer_job *j = &q->jobs[i];
		store_stage *below = i ? q->jobs[i - 1].stage : NULL;

		if (store_layer_stage_begin(o->s, i ? NULL : parent, below, j->diff_id, &j->stage,
					    err) < 0)
			return cpod_err_prefix(err, "writing blob %s", j->desc->digest);
	}
	return 0;
}

static void queue_release(job_queue *q)
{
	/* top first: a stage must outlive the stages above it */
	for (size_t i = q->n; i > 0; i--) {
		store_layer_stage_free(q->jobs[i - 1].stage);
		cpod_error_free(q->jobs[i - 1].err);
	}
	free(q->jobs);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->done);
}

static int pull_missing(const pull_layers_opts *o, size_t first, chain *c, cpod_error **err)
{
	job_queue q = { .repo = o->repo, .n = o->m->n_layers - first, .rep = c->rep };
	int r;

	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.done, NULL);
	atomic_init(&q.cancel, false);
	q.jobs = xcalloc(q.n, sizeof(*q.jobs));
	for (size_t i = 0; i < q.n; i++) {
		q.jobs[i].desc = &o->m->layers[first + i];
		q.jobs[i].diff_id = o->cfg ? o->cfg->diff_ids.v[first + i] : NULL;
		q.jobs[i].index = (int)(first + i);
		report_listed(o, c->rep, q.jobs[i].desc, q.jobs[i].index, false);
	}
	r = check_media_types(&q, err);
	if (r < 0)
		;
	else if (!store_layer_stage_independent(o->s))
		r = run_sequential(o, &q, c, err);
	else
		r = begin_stages(o, &q, c->parent, err) < 0 ? -1 : run_parallel(o, &q, c, err);
	queue_release(&q);
	return r;
}

int pull_layers(const pull_layers_opts *o, char **ret_top, int64_t *ret_size, strv *made,
		cpod_error **err)
{
	blob_reporter rep = { .fn = o->blob_progress, .data = o->progress_data };
	chain c = { .made = made, .rep = o->blob_progress ? &rep : NULL };
	_cleanup_strv_ strv diff_ids = STRV_INIT;
	size_t first;
	int r = 0;

	if (o->diff_ids)
		c.diff_ids = &diff_ids;
	if (o->cfg && o->cfg->diff_ids.n != o->m->n_layers)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"image in %s has %zu layers but its config lists %zu diffIDs",
				o->repo, o->m->n_layers, o->cfg->diff_ids.n);
	pthread_mutex_init(&rep.lock, NULL);
	first = skip_present(o, &c);
	if (first < o->m->n_layers)
		r = pull_missing(o, first, &c, err);
	pthread_mutex_destroy(&rep.lock);
	if (r < 0) {
		free(c.parent);
		return -1;
	}
	*ret_top = c.parent;
	*ret_size = c.size;
	if (o->diff_ids)
		for (size_t i = 0; i < diff_ids.n; i++)
			strv_push(o->diff_ids, diff_ids.v[i]);
	return 0;
}
