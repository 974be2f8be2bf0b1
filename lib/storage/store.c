/* The store: meta + driver + tar apply (see store.h for the rules). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/store.h"
#include "storage/store_int.h"
#include "storage/tar_split.h"

#include "common/banned.h"

#define LOCK_NAME "storage.lock"
#define IMAGES_DIR "images"
#define INCOMPLETE_DIR "incomplete"
#define READ_CHUNK (128 * 1024)

const char *store_driver_name(const store *s)
{
	return s->d->ops->name;
}

const char *store_graphroot(const store *s)
{
	return s->graphroot;
}

meta *store_meta(store *s)
{
	return s->m;
}

void store_close(store *s)
{
	int saved = errno;

	if (!s)
		return;
	driver_close(s->d);
	meta_close(s->m);
	free(s->graphroot);
	free(s->runroot);
	free(s->lockpath);
	free(s);
	errno = saved;
}

void store_writer_end(store_writer *w)
{
	if (w->marker) {
		unlink(w->marker);
		free(w->marker);
		w->marker = NULL;
	}
	lock_release(&w->lock);
}

int store_writer_begin(store *s, store_writer *w, cpod_error **err)
{
	_cleanup_free_ char *id = NULL;
	int fd;

	if (lock_open(s->lockpath, LOCK_SHARED, LOCK_WAIT, &w->lock, err) < 0)
		return -1;
	id = id_generate(err);
	if (!id)
		return -1;
	w->marker = xasprintf("%s/" INCOMPLETE_DIR "/%s", s->graphroot, id);
	fd = open(w->marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", w->marker);
		free(w->marker);
		w->marker = NULL;
		return -1;
	}
	close(fd);
	return 0;
}

/* True when a writer left (or is holding) a marker. */
static bool incomplete_pending(store *s)
{
	_cleanup_free_ char *path = xasprintf("%s/" INCOMPLETE_DIR, s->graphroot);
	_cleanup_closedir_ DIR *dir = opendir(path);
	struct dirent *de;

	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			return true;
	return false;
}

/* Called after a cleanup, under the exclusive lock: no writer is active. */
static void incomplete_clear(store *s)
{
	_cleanup_free_ char *path = xasprintf("%s/" INCOMPLETE_DIR, s->graphroot);
	_cleanup_closedir_ DIR *dir = opendir(path);
	struct dirent *de;

	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(dir), de->d_name, 0);
}

void store_warn_err(const char *what, cpod_error *e)
{
	log_warn("%s: %s", what, e ? cpod_error_message(e) : strerror(errno));
	cpod_error_free(e);
}

char *store_split_path(const char *graphroot, const char *id, bool staging)
{
	return xasprintf("%s/" STORE_SPLIT_DIR "/%s%s.zst", graphroot,
			 staging ? DRIVER_STAGING_PREFIX : "", id);
}

/* Removes a layer's files, warning on failure: used where the database already forgot it. */
static void remove_files(store *s, const char *id)
{
	_cleanup_free_ char *split = store_split_path(s->graphroot, id, false);
	cpod_error *e = NULL;

	if (unlink(split) < 0 && errno != ENOENT)
		log_warn("removing '%s': %s", split, strerror(errno));
	if (s->d->ops->remove(s->d, id, &e) < 0)
		store_warn_err("removing the files of a deleted layer", e);
}

/* Removes the tar-split records of staging layers and of layers not in keep. */
static void cleanup_split_dir(store *s, const strv *keep)
{
	_cleanup_free_ char *path = xasprintf("%s/" STORE_SPLIT_DIR, s->graphroot);
	_cleanup_closedir_ DIR *dir = opendir(path);
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *id = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (n > 4 && str_eq(de->d_name + n - 4, ".zst"))
			id = xstrndup(de->d_name, n - 4);
		if (id && strv_contains((const char *const *)keep->v, id))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) < 0)
			log_warn("removing '%s/%s': %s", path, de->d_name, strerror(errno));
	}
}

static void cleanup_images_dir(store *s)
{
	_cleanup_free_ char *path = xasprintf("%s/" IMAGES_DIR, s->graphroot);
	_cleanup_closedir_ DIR *dir = opendir(path);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		_cleanup_(meta_image_freep) meta_image *img = NULL;
		cpod_error *e = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (meta_image_get(s->m, de->d_name, &img, &e) < 0 &&
		    cpod_error_kind(e) == CPOD_ERR_NOT_FOUND &&
		    fs_rm_rf_at(dirfd(dir), de->d_name) < 0)
			log_warn("removing '%s/%s': %s", path, de->d_name, strerror(errno));
		cpod_error_free(e);
	}
}

/* Removes staging layers (rows and files), layer directories without a row and image
 * directories without an image.  Only called while holding the store lock exclusively. */
static int cleanup_leftovers(store *s, cpod_error **err)
{
	meta_layer **staging = NULL, **all = NULL;
	_cleanup_strv_ strv keep = STRV_INIT;
	int r = -1;

	if (meta_layer_list(s->m, META_LAYER_LIST_STAGING, &staging, err) < 0)
		return -1;
	for (meta_layer **l = staging; *l; l++) {
		cpod_error *e = NULL;

		log_info("removing the interrupted layer '%s'", (*l)->id);
		remove_files(s, (*l)->id);
		if (meta_layer_delete(s->m, (*l)->id, &e) < 0)
			store_warn_err("removing an interrupted layer", e);
	}
	if (meta_layer_list(s->m, META_LAYER_LIST_ALL, &all, err) < 0)
		goto out;
	for (meta_layer **l = all; *l; l++)
		strv_push(&keep, (*l)->id);
	if (s->d->ops->cleanup(s->d, (const char *const *)keep.v, err) < 0)
		goto out;
	cleanup_split_dir(s, &keep);
	cleanup_images_dir(s);
	r = 0;
out:
	meta_layerv_free(staging);
	meta_layerv_free(all);
	return r;
}

static int open_parts(store *s, const store_opts *o, cpod_error **err)
{
	_cleanup_free_ char *images = xasprintf("%s/" IMAGES_DIR, o->graphroot);
	_cleanup_free_ char *incomplete = xasprintf("%s/" INCOMPLETE_DIR, o->graphroot);
	_cleanup_free_ char *split = xasprintf("%s/" STORE_SPLIT_DIR, o->graphroot);

	if (fs_mkdir_p(o->graphroot, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", o->graphroot);
	if (fs_mkdir_p(o->runroot, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", o->runroot);
	if (fs_mkdir_p(images, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", images);
	if (fs_mkdir_p(incomplete, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", incomplete);
	if (fs_mkdir_p(split, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", split);
	if (meta_open(o->graphroot, &s->m, err) < 0)
		return -1;
	return driver_open(o->driver, o->graphroot, o->runroot, o->driver_opts, &s->d, err);
}

int store_open(const store_opts *o, store **ret, cpod_error **err)
{
	_cleanup_(store_closep) store *s = NULL;
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	int r;

	if (!o || !o->graphroot || !*o->graphroot || !o->runroot || !*o->runroot)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"opening the store: no graphroot or runroot");
	s = xcalloc(1, sizeof(*s));
	s->graphroot = xstrdup(o->graphroot);
	s->runroot = xstrdup(o->runroot);
	s->lockpath = xasprintf("%s/" LOCK_NAME, o->runroot);
	if (open_parts(s, o, err) < 0)
		return cpod_err_prefix(err, "opening the store '%s'", o->graphroot);
	/* clean only after an interrupted writer, when nobody writes; never wait for a writer */
	if (incomplete_pending(s)) {
		r = lock_try(s->lockpath, LOCK_EXCLUSIVE, &l, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (cleanup_leftovers(s, err) < 0)
				return cpod_err_prefix(err, "cleaning the store '%s'",
						       o->graphroot);
			incomplete_clear(s);
		}
	}
	*ret = TAKE_PTR(s);
	return 0;
}

/* ---- layers ---- */

void store_layer_result_clear(store_layer_result *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->diff_id);
	r->id = r->diff_id = NULL;
}

int store_layer_get(store *s, const char *layer_id, meta_layer **ret, cpod_error **err)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;

	if (meta_layer_get(s->m, layer_id, &l, err) < 0)
		return -1;
	if (l->state != META_LAYER_READY)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "layer '%s' not known", layer_id);
	*ret = TAKE_PTR(l);
	return 0;
}

/* Decompressing source for store_layer_apply_fd(): a libarchive "raw" reader. */
static ssize_t raw_read(void *cb, void *p, size_t len, cpod_error **err)
{
	struct archive *raw = cb;
	la_ssize_t n = archive_read_data(raw, p, len);

	if (n < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "decompressing the layer: %s",
				archive_error_string(raw) ?: "read error");
	return n;
}

static ssize_t empty_read(void *cb, void *p, size_t len, cpod_error **err)
{
	(void)cb;
	(void)p;
	(void)len;
	(void)err;
	return 0;
}

int store_layer_apply_fd(store *s, const char *parent, int fd, const char *expected_diff_id,
			 store_layer_result *ret, cpod_error **err)
{
	struct archive *raw = archive_read_new();
	struct archive_entry *e;
	int r;

	if (!raw)
		abort();
	/* the filters are listed, not "all": some of those run external programs */
	archive_read_support_filter_none(raw);
	archive_read_support_filter_gzip(raw);
	archive_read_support_filter_zstd(raw);
	archive_read_support_filter_xz(raw);
	archive_read_support_filter_bzip2(raw);
	archive_read_support_format_raw(raw);
	archive_read_support_format_empty(raw);
	if (archive_read_open_fd(raw, fd, READ_CHUNK) != ARCHIVE_OK) {
		r = cpod_err(err, CPOD_ERR_INVALID, 0, "reading the layer: %s",
			     archive_error_string(raw) ?: "cannot open");
		goto out;
	}
	r = archive_read_next_header(raw, &e);
	if (r == ARCHIVE_EOF) {
		r = store_layer_apply(s, parent, empty_read, NULL, expected_diff_id, ret, err);
	} else if (r != ARCHIVE_OK) {
		r = cpod_err(err, CPOD_ERR_INVALID, 0, "reading the layer: %s",
			     archive_error_string(raw) ?: "bad header");
	} else {
		r = store_layer_apply(s, parent, raw_read, raw, expected_diff_id, ret, err);
	}
out:
	archive_read_free(raw);
	return r;
}

/* Replays the record rfd of layer l over its files dfd into fd (-1: only hashes).  1 when what
 * was written is the layer's tar (its digest is the diffID), 0 when it is not (warned), -1. */
static int split_replay(const meta_layer *l, int rfd, int dfd, int fd, cpod_error **err)
{
	_cleanup_free_ char *digest = NULL, *why = NULL;
	int r;

	if (lseek(rfd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the tar-split record");
	r = tar_split_replay(rfd, dfd, fd, &digest, &why, err);
	if (r < 0)
		return -1;
	if (r == 0 && digest_equal(digest, l->diff_id))
		return 1;
	if (r == 0)
		why = xasprintf("it gives '%s', not the diffID '%s'", digest, l->diff_id);
	log_warn("layer '%s': the tar it came in cannot be written again (%s): writing cpod's "
		 "own tar, under a new diffID",
		 l->id, why);
	return 0;
}

/* Writes layer l's tar as it came in, from its tar-split record.  1 when written, 0 when the
 * layer has no usable record (fd is left as it was found), -1 on error. */
static int diff_from_split(store *s, const meta_layer *l, int fd, cpod_error **err)
{
	_cleanup_free_ char *rpath = store_split_path(s->graphroot, l->id, false), *dir = NULL;
	_cleanup_close_ int rfd = -1, dfd = -1;
	off_t start;
	int r;

	if (!l->diff_id || !s->d->ops->files_dir)
		return 0;
	rfd = open(rpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0 && errno != ENOENT)
		log_warn("reading the tar-split record '%s': %s", rpath, strerror(errno));
	dir = s->d->ops->files_dir(s->d, l->id);
	if (rfd < 0 || (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0; /* the canonical tar then says what is wrong with the files */
	start = lseek(fd, 0, SEEK_CUR);
	if (start < 0) {
		/* a pipe: check first, so that nothing has to be taken back */
		r = split_replay(l, rfd, dfd, -1, err);
		if (r <= 0)
			return r;
		r = split_replay(l, rfd, dfd, fd, err);
		if (r == 0)
			return cpod_err(err, CPOD_ERR_STATE, 0, "its files changed while written");
		return r;
	}
	r = split_replay(l, rfd, dfd, fd, err);
	if (r == 0 && (ftruncate(fd, start) < 0 || lseek(fd, start, SEEK_SET) < 0))
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "taking back what was written");
	return r;
}

int store_layer_diff(store *s, const char *layer_id, int fd, cpod_error **err)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;
	int r;

	if (store_layer_get(s, layer_id, &l, err) < 0 || !l)
		return -1;
	r = diff_from_split(s, l, fd, err);
	if (r < 0)
		return cpod_err_prefix(err, "layer '%s'", layer_id);
	if (r == 0 && s->d->ops->diff(s->d, l->id, l->parent, fd, err) < 0)
		return cpod_err_prefix(err, "layer '%s'", layer_id);
	return 0;
}

int store_layer_delete(store *s, const char *layer_id, cpod_error **err)
{
	if (!id_is_full(layer_id))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "deleting layer '%s': bad id",
				layer_id ? layer_id : "");
	_cleanup_writer_ store_writer w = STORE_WRITER_INIT;

	if (store_writer_begin(s, &w, err) < 0 || meta_layer_delete(s->m, layer_id, err) < 0)
		return cpod_err_prefix(err, "deleting layer '%s'", layer_id);
	remove_files(s, layer_id);
	return 0;
}

/* Deletes the now unused layers below a deleted one, down to the first still in use. */
static void delete_unused_chain(store *s, const char *parent)
{
	_cleanup_free_ char *id = parent ? xstrdup(parent) : NULL;

	while (id) {
		_cleanup_(meta_layer_freep) meta_layer *l = NULL;
		cpod_error *e = NULL;

		if (meta_layer_get(s->m, id, &l, &e) < 0 || meta_layer_delete(s->m, id, &e) < 0) {
			cpod_error_free(e); /* in use (or gone): the walk stops here */
			return;
		}
		remove_files(s, id);
		free(id);
		id = l->parent ? xstrdup(l->parent) : NULL;
	}
}

int store_usage(store *s, store_layer_usage **ret, size_t *ret_n, cpod_error **err)
{
	meta_layer **all = NULL;
	store_layer_usage *v = NULL;
	size_t n = 0;
	int r = -1;

	if (meta_layer_list(s->m, META_LAYER_LIST_ALL, &all, err) < 0)
		return -1;
	for (meta_layer **l = all; *l; l++)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (meta_layer **l = all; *l; l++) {
		if ((*l)->state != META_LAYER_READY)
			continue;
		if (s->d->ops->size(s->d, (*l)->id, &v[n].size, err) < 0)
			goto out;
		v[n].id = xstrdup((*l)->id);
		v[n].parent = (*l)->parent ? xstrdup((*l)->parent) : NULL;
		n++;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	r = 0;
out:
	store_usage_free(v, n);
	meta_layerv_free(all);
	return r;
}

void store_usage_free(store_layer_usage *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].parent);
	}
	free(v);
}

/* ---- images ---- */

static bool valid_key(const char *key)
{
	return key && *key && key[0] != '.' && !strchr(key, '/') && strlen(key) < 256;
}

static int image_exists(store *s, const char *id, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	cpod_error *e = NULL;

	if (meta_image_get(s->m, id, &img, &e) == 0)
		return 1;
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

/* Writes the image's files; fills md with their index entries. */
static int write_bigdata(store *s, const store_image_spec *spec, const char *dir, meta_bigdata *md,
			 cpod_error **err)
{
	_cleanup_close_ int dfd = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", dir);
	(void)s;
	for (size_t i = 0; i < spec->n_bigdata; i++) {
		const store_bigdata *b = &spec->bigdata[i];

		if (fs_write_atomic(dfd, b->key, b->data, b->len, 0600, true, err) < 0)
			return -1;
		md[i].key = (char *)b->key;
		md[i].digest = digest_buf(DIGEST_SHA256, b->data, b->len);
		md[i].size = (int64_t)b->len;
	}
	return 0;
}

static int image_create(store *s, const store_image_spec *spec, cpod_error **err)
{
	_cleanup_writer_ store_writer w = STORE_WRITER_INIT;
	_cleanup_free_ char *dir = xasprintf("%s/" IMAGES_DIR "/%s", s->graphroot, spec->id);
	meta_bigdata *md = xcalloc(spec->n_bigdata + 1, sizeof(*md));
	meta_image_spec ms = {
		.id = spec->id,
		.top_layer = spec->top_layer,
		.created = spec->created,
		.size = spec->size,
		.digest = spec->digest,
		.labels = spec->labels,
		.names = spec->names,
		.digests = spec->digests,
		.bigdata = md,
		.n_bigdata = spec->n_bigdata,
	};
	int r = -1;

	if (store_writer_begin(s, &w, err) < 0)
		goto out;
	r = image_exists(s, spec->id, err);
	if (r != 0) {
		if (r > 0)
			cpod_err(err, CPOD_ERR_EXISTS, 0, "image '%s' already exists", spec->id);
		r = -1;
		goto out;
	}
	r = write_bigdata(s, spec, dir, md, err);
	if (r == 0)
		r = meta_image_create(s->m, &ms, err);
	if (r < 0)
		fs_rm_rf_at(AT_FDCWD, dir);
out:
	for (size_t i = 0; i < spec->n_bigdata; i++)
		free(md[i].digest);
	free(md);
	return r;
}

int store_image_create(store *s, const store_image_spec *spec, cpod_error **err)
{
	if (!spec || !id_is_full(spec->id))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "creating an image: bad id '%s'",
				spec && spec->id ? spec->id : "");
	for (size_t i = 0; i < spec->n_bigdata; i++)
		if (!valid_key(spec->bigdata[i].key))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"creating image '%s': bad big-data key '%s'", spec->id,
					spec->bigdata[i].key ? spec->bigdata[i].key : "");
	if (image_create(s, spec, err) < 0)
		return cpod_err_prefix(err, "creating image '%s'", spec->id);
	return 0;
}

int store_image_get(store *s, const char *id, meta_image **ret, cpod_error **err)
{
	return meta_image_get(s->m, id, ret, err);
}

int store_image_get_by_prefix(store *s, const char *prefix, meta_image **ret, cpod_error **err)
{
	return meta_image_get_by_prefix(s->m, prefix, ret, err);
}

int store_image_get_by_name(store *s, const char *name, meta_image **ret, cpod_error **err)
{
	return meta_image_get_by_name(s->m, name, ret, err);
}

int store_image_list(store *s, meta_image ***ret, cpod_error **err)
{
	return meta_image_list(s->m, ret, err);
}

int store_image_add_names(store *s, const char *id, const char *const *names, cpod_error **err)
{
	return meta_image_add_names(s->m, id, names, err);
}

int store_image_add_digests(store *s, const char *id, const char *const *digests, cpod_error **err)
{
	return meta_image_add_digests(s->m, id, digests, err);
}

int store_image_remove_names(store *s, const char *id, const char *const *names, cpod_error **err)
{
	return meta_image_remove_names(s->m, id, names, err);
}

int store_image_bigdata(store *s, const char *id, const char *key, buf *out, size_t cap,
			cpod_error **err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!id_is_full(id) || !valid_key(key))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "image '%s': bad big-data key '%s'",
				id ? id : "", key ? key : "");
	r = image_exists(s, id, err);
	if (r <= 0)
		return r < 0 ? -1
			     : cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "image '%s' not known", id);
	path = xasprintf("%s/" IMAGES_DIR "/%s/%s", s->graphroot, id, key);
	if (fs_read_file(path, cap, out, err) < 0)
		return cpod_err_prefix(err, "image '%s': big data '%s'", id, key);
	return 0;
}

int store_image_delete(store *s, const char *id, bool force, cpod_error **err)
{
	_cleanup_free_ char *dir = NULL;
	meta_layer **gone = NULL;

	if (!id_is_full(id))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "deleting image '%s': bad id",
				id ? id : "");
	_cleanup_writer_ store_writer w = STORE_WRITER_INIT;

	if (store_writer_begin(s, &w, err) < 0 ||
	    meta_image_delete(s->m, id, force, &gone, err) < 0)
		return cpod_err_prefix(err, "deleting image '%s'", id);
	/* the rows are gone: the files follow, failures are only worth a warning */
	for (meta_layer **l = gone; l && *l; l++)
		remove_files(s, (*l)->id);
	meta_layerv_free(gone);
	dir = xasprintf("%s/" IMAGES_DIR "/%s", s->graphroot, id);
	if (fs_rm_rf_at(AT_FDCWD, dir) < 0)
		log_warn("removing '%s': %s", dir, strerror(errno));
	return 0;
}

static int image_top(store *s, const char *id, char **ret, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;

	if (meta_image_get(s->m, id, &img, err) < 0)
		return -1;
	if (!img->top_layer)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "image '%s' has no layers", id);
	*ret = TAKE_PTR(img->top_layer);
	return 0;
}

int store_image_mount(store *s, const char *id, char **ret_path, cpod_error **err)
{
	_cleanup_free_ char *top = NULL;

	if (image_top(s, id, &top, err) < 0 ||
	    s->d->ops->mount(s->d, top, NULL, true, ret_path, err) < 0)
		return cpod_err_prefix(err, "mounting image '%s'", id);
	return 0;
}

int store_image_unmount(store *s, const char *id, bool force, cpod_error **err)
{
	_cleanup_free_ char *top = NULL;

	if (image_top(s, id, &top, err) < 0 || s->d->ops->unmount(s->d, top, force, err) < 0)
		return cpod_err_prefix(err, "unmounting image '%s'", id);
	return 0;
}

/* ---- containers ---- */

static int container_layer_files(store *s, const char *cid, const char *top, const char *image_id,
				 const char *layer, const char *sid, const meta_layer *spec,
				 cpod_error **err)
{
	cpod_error *e = NULL;

	if (s->d->ops->create(s->d, sid, top, err) < 0)
		return -1;
	if (meta_layer_add(s->m, spec, err) < 0) {
		s->d->ops->remove(s->d, sid, NULL);
		return -1;
	}
	if (s->d->ops->commit(s->d, sid, layer, err) < 0 ||
	    meta_layer_mark_ready(s->m, layer, NULL, -1, err) < 0 ||
	    meta_container_add(s->m, cid, layer, image_id, err) < 0) {
		s->d->ops->remove(s->d, sid, NULL);
		s->d->ops->remove(s->d, layer, NULL);
		if (meta_layer_delete(s->m, layer, &e) < 0)
			store_warn_err("forgetting a failed container layer", e);
		return -1;
	}
	return 0;
}

static int container_layer(store *s, const char *cid, const char *top, const char *image_id,
			   const char *layer, cpod_error **err)
{
	_cleanup_writer_ store_writer w = STORE_WRITER_INIT;
	_cleanup_free_ char *sid = NULL;
	meta_layer spec = {
		.id = (char *)layer,
		.parent = (char *)top,
		.uncompressed_size = -1,
		.driver = (char *)s->d->ops->name,
	};
	int r;

	if (store_writer_begin(s, &w, err) < 0 || !(sid = id_generate(err)))
		return -1;
	s->d->no_sync = true;
	r = container_layer_files(s, cid, top, image_id, layer, sid, &spec, err);
	s->d->no_sync = false;
	return r;
}

int store_container_create(store *s, const char *container_id, const char *image_id,
			   char **ret_layer, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_free_ char *layer = NULL;

	if (!container_id || !*container_id)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "creating a container layer: no id");
	if (image_id && meta_image_get(s->m, image_id, &img, err) < 0)
		return cpod_err_prefix(err, "creating the layer of container '%s'", container_id);
	layer = id_generate(err);
	if (!layer ||
	    container_layer(s, container_id, img ? img->top_layer : NULL, image_id, layer, err) < 0)
		return cpod_err_prefix(err, "creating the layer of container '%s'", container_id);
	if (ret_layer)
		*ret_layer = TAKE_PTR(layer);
	return 0;
}

int store_container_delete(store *s, const char *container_id, cpod_error **err)
{
	_cleanup_free_ char *layer = NULL;
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;
	_cleanup_writer_ store_writer w = STORE_WRITER_INIT;

	if (store_writer_begin(s, &w, err) < 0 ||
	    meta_container_get(s->m, container_id, &layer, NULL, err) < 0 ||
	    meta_layer_get(s->m, layer, &l, err) < 0 ||
	    s->d->ops->unmount(s->d, layer, true, err) < 0 ||
	    meta_container_delete(s->m, container_id, err) < 0 ||
	    meta_layer_delete(s->m, layer, err) < 0)
		return cpod_err_prefix(err, "deleting the layer of container '%s'", container_id);
	remove_files(s, layer);
	delete_unused_chain(s, l->parent);
	return 0;
}

int store_mount(store *s, const char *container_id, const char *mount_label, char **ret_path,
		cpod_error **err)
{
	_cleanup_free_ char *layer = NULL;

	if (meta_container_get(s->m, container_id, &layer, NULL, err) < 0 ||
	    s->d->ops->mount(s->d, layer, mount_label, false, ret_path, err) < 0)
		return cpod_err_prefix(err, "mounting container '%s'", container_id);
	return 0;
}

int store_unmount(store *s, const char *container_id, bool force, cpod_error **err)
{
	_cleanup_free_ char *layer = NULL;

	if (meta_container_get(s->m, container_id, &layer, NULL, err) < 0 ||
	    s->d->ops->unmount(s->d, layer, force, err) < 0)
		return cpod_err_prefix(err, "unmounting container '%s'", container_id);
	return 0;
}

/* ---- mounts, containers, reset ---- */

int store_image_mounted(store *s, const char *id, long *ret_count, char **ret_path,
			cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;

	if (meta_image_get(s->m, id, &img, err) < 0)
		return -1;
	*ret_count = s->d->ops->mount_count ? 0 : -1;
	if (img->top_layer && s->d->ops->mount_count)
		*ret_count = s->d->ops->mount_count(s->d, img->top_layer, ret_path);
	return 0;
}

int store_container_layers(store *s, strv *ret, cpod_error **err)
{
	return meta_container_layers(s->m, ret, err);
}

/* The names in the directory dirfd, . and .. left out. */
static int dir_names(int dirfd, strv *ret)
{
	DIR *dir;
	struct dirent *de;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			strv_push(ret, de->d_name);
	closedir(dir);
	return 0;
}

/* Removes what path holds (not path itself), never following a symlink nor crossing into
 * another mount. */
static int empty_dir(const char *path, cpod_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_strv_ strv names = STRV_INIT;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", path);
	}
	if (dir_names(fd, &names) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", path);
	for (size_t i = 0; i < names.n; i++)
		if (fs_rm_rf_at(fd, names.v[i]) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "removing '%s/%s'", path,
					names.v[i]);
	return 0;
}

/* Unmounts every layer, whatever its mount count. */
static int unmount_all(store *s, cpod_error **err)
{
	meta_layer **all = NULL;
	int r = 0;

	if (meta_layer_list(s->m, META_LAYER_LIST_ALL, &all, err) < 0)
		return -1;
	for (meta_layer **l = all; *l && r == 0; l++)
		r = s->d->ops->unmount(s->d, (*l)->id, true, err);
	meta_layerv_free(all);
	return r;
}

int store_destroy(store *s, cpod_error **err)
{
	_cleanup_(store_closep) store *owned = s;
	_cleanup_lock_ file_lock l = FILE_LOCK_INIT;
	int r = lock_try(s->lockpath, LOCK_EXCLUSIVE, &l, err);

	(void)owned; /* closed on every return */
	if (r < 0)
		return cpod_err_prefix(err, "resetting the store '%s'", s->graphroot);
	if (r == LOCK_BUSY)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"resetting the store '%s': another process is writing to it",
				s->graphroot);
	if (unmount_all(s, err) < 0)
		return cpod_err_prefix(err, "resetting the store '%s'", s->graphroot);
	/* the database and the driver go first: nothing may hold a file being removed */
	meta_close(TAKE_PTR(s->m));
	driver_close(TAKE_PTR(s->d));
	if (empty_dir(s->graphroot, err) < 0 || empty_dir(s->runroot, err) < 0)
		return cpod_err_prefix(err, "resetting the store '%s'", s->graphroot);
	return 0;
}
