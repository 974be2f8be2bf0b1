/* The public image API (include/cpod/image.h) over the image area. */
#include <cpod/image.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "engine/runtime_internal.h"
#include "image/local.h"
#include "image/manage.h"
#include "image/pull.h"
#include "image/push.h"
#include "image/saveload.h"
#include "image/transport.h"
#include "image/search.h"
#include "common/banned.h"

char *cpod_image_import(cpod_runtime *rt, const cpod_import_opts *opts, cpod_error **err)
{
	cpod_import_opts o = { 0 };
	store *s = engine_store(rt, err);
	char *id = NULL;

	if (!s)
		return NULL;
	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	image_import_opts io = {
		.path = o.path,
		.fd = o.fd,
		.reference = o.reference,
		.changes = o.changes,
		.message = o.message,
		.os = o.os,
		.arch = o.arch,
		.variant = o.variant,
	};
	if (image_import(s, &io, &id, err) < 0)
		return NULL;
	return id;
}

/* "user:password" or "user" into *ret_user (allocated) and *ret_pass (into creds). */
static int split_creds(const char *creds, char **ret_user, const char **ret_pass, cpod_error **err)
{
	const char *colon;

	if (!*creds || *creds == ':')
		return cpod_err(err, CPOD_ERR_INVALID, 0, "credentials can't be empty");
	colon = strchr(creds, ':');
	*ret_user = colon ? xstrndup(creds, (size_t)(colon - creds)) : xstrdup(creds);
	*ret_pass = colon ? colon + 1 : "";
	return 0;
}

static const char *copy_tmpdir(cpod_runtime *rt);

/* oci:, oci-archive:, docker-archive:, dir:, containers-storage: (transport.h). */
static int pull_local(cpod_runtime *rt, store *s, const cpod_pull_opts *o, char **ret_id,
		      cpod_error **err)
{
	image_transport_pull_opts to = {
		.reference = o->reference,
		.signature_policy = o->signature_policy,
		.tmpdir = copy_tmpdir(rt),
		.progress = o->progress,
		.progress_data = o->progress_data,
	};

	return image_transport_pull(s, &to, ret_id, err);
}

char *cpod_image_pull(cpod_runtime *rt, const cpod_pull_opts *opts, cpod_error **err)
{
	cpod_pull_opts o = { 0 };
	_cleanup_free_ char *user = NULL;
	const char *pass = NULL;
	store *s = engine_store(rt, err);
	char *id = NULL;

	if (!s)
		return NULL;
	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (o.creds && split_creds(o.creds, &user, &pass, err) < 0)
		return NULL;
	image_pull_opts po = {
		.reference = o.reference,
		.os = o.os,
		.arch = o.arch,
		.variant = o.variant,
		.authfile = o.authfile,
		.username = user,
		.password = pass,
		.cert_dir = o.cert_dir,
		.tls_verify = o.tls_verify == CPOD_TLS_VERIFY_ON    ? 1
			      : o.tls_verify == CPOD_TLS_VERIFY_OFF ? 0
								    : -1,
		.signature_policy = o.signature_policy,
		.retries = o.retries,
		.retry_delay_ms = o.retry_delay_ms,
		.parallel_copies = (int)rt->cc->image_parallel_copies,
		.progress = o.progress,
		.progress_data = o.progress_data,
		.blob_progress = o.blob_progress,
		.pulled = o.pulled,
		.all_tags = o.all_tags,
	};
	/* with all_tags, image_pull() refuses the local transports as podman does */
	if (!o.all_tags && image_transport_is_local(o.reference)) {
		if (pull_local(rt, s, &o, &id, err) < 0)
			return NULL;
		if (o.pulled)
			o.pulled(o.progress_data, o.reference, id);
		return id;
	}
	if (image_pull(s, &po, &id, err) < 0)
		return NULL;
	return id;
}

static json_object *search_record(const image_search_result *r)
{
	json_object *rec = json_object_new_object();

	json_object_object_add(rec, "Index", json_object_new_string(r->index));
	json_object_object_add(rec, "Name", json_object_new_string(r->name));
	json_object_object_add(rec, "Description", json_object_new_string(""));
	json_object_object_add(rec, "Stars", json_object_new_int(0));
	json_object_object_add(rec, "Official", json_object_new_string(""));
	json_object_object_add(rec, "Automated", json_object_new_string(""));
	json_object_object_add(rec, "Tag", json_object_new_string(r->tag));
	return rec;
}

struct json_object *cpod_image_search(cpod_runtime *rt, const cpod_search_opts *opts,
				      cpod_error **err)
{
	cpod_search_opts o = { 0 };
	_cleanup_free_ char *user = NULL;
	const char *pass = NULL;
	image_search_result *res = NULL;
	json_object *arr;
	size_t n = 0;

	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (o.creds && split_creds(o.creds, &user, &pass, err) < 0)
		return NULL;
	image_search_opts so = {
		.term = o.term ? o.term : "",
		.authfile = o.authfile,
		.username = user,
		.password = pass,
		.cert_dir = o.cert_dir,
		.tls_verify = o.tls_verify == CPOD_TLS_VERIFY_ON    ? 1
			      : o.tls_verify == CPOD_TLS_VERIFY_OFF ? 0
								    : -1,
		.list_tags = o.list_tags,
		.limit = o.limit,
	};
	if (image_search(&so, &res, &n, err) < 0)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, search_record(&res[i]));
	image_search_results_free(res, n);
	return arr;
}

struct json_object *cpod_image_list(cpod_runtime *rt, int all, const char *const *filters,
				    cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_list(s, all, filters, err) : NULL;
}

struct json_object *cpod_image_inspect(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	store *s = engine_store(rt, err);

	if (!s || image_lookup(s, name, &img, err) < 0)
		return NULL;
	return image_inspect(s, img, err);
}

int cpod_image_exists(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	cpod_error *lerr = NULL;
	store *s = engine_store(rt, err);

	if (!s)
		return -1;
	if (image_lookup(s, name, &img, &lerr) == 0)
		return 1;
	if (cpod_error_kind(lerr) == CPOD_ERR_NOT_FOUND) {
		cpod_error_free(lerr);
		return 0;
	}
	*err = lerr;
	return -1;
}

int cpod_image_tag(cpod_runtime *rt, const char *name, const char *new_name, cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_tag(s, name, new_name, err) : -1;
}

int cpod_image_untag(cpod_runtime *rt, const char *name, const char *tag, cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_untag(s, name, tag, err) : -1;
}

static struct json_object *jstrv(const strv *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

int cpod_image_remove(cpod_runtime *rt, const char *name, int force,
		      struct json_object **ret_untagged, struct json_object **ret_deleted,
		      cpod_error **err)
{
	_cleanup_strv_ strv untagged = STRV_INIT, deleted = STRV_INIT;
	store *s = engine_store(rt, err);

	if (!s || image_remove(s, name, force, &untagged, &deleted, err) < 0)
		return -1;
	if (ret_untagged)
		*ret_untagged = jstrv(&untagged);
	if (ret_deleted)
		*ret_deleted = jstrv(&deleted);
	return 0;
}

struct json_object *cpod_image_history(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	store *s = engine_store(rt, err);

	if (!s || image_lookup(s, name, &img, err) < 0)
		return NULL;
	return image_history_records(s, img, err);
}

int cpod_image_prune(cpod_runtime *rt, int all, const char *const *filters,
		     struct json_object **ret_removed, cpod_error **err)
{
	_cleanup_strv_ strv removed = STRV_INIT;
	store *s = engine_store(rt, err);
	int r = s ? image_prune(s, all, filters, &removed, err) : -1;

	if (ret_removed)
		*ret_removed = jstrv(&removed);
	return r;
}

char *cpod_image_tree(cpod_runtime *rt, const char *name, int whatrequires, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	store *s = engine_store(rt, err);
	char *text = NULL;

	if (!s || image_lookup(s, name, &img, err) < 0 ||
	    image_tree(s, img, whatrequires, &text, err) < 0)
		return NULL;
	return text;
}

static struct json_object *names_json(char *const *names, bool tags_only)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; names[i]; i++)
		if (!tags_only || !strchr(names[i], '@'))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

struct json_object *cpod_image_mount(cpod_runtime *rt, const char *name, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_free_ char *path = NULL;
	store *s = engine_store(rt, err);
	struct json_object *o;

	if (!s || image_lookup(s, name, &img, err) < 0 || image_mount(s, img, &path, err) < 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "Names", names_json(img->names, false));
	json_object_object_add(o, "Repositories", names_json(img->names, true));
	json_object_object_add(o, "Path", json_object_new_string(path));
	return o;
}

char *cpod_image_unmount(cpod_runtime *rt, const char *name, int force, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	store *s = engine_store(rt, err);

	if (!s || image_lookup(s, name, &img, err) < 0 || image_unmount(s, img, force, err) < 0)
		return NULL;
	return TAKE_PTR(img->id);
}

struct json_object *cpod_image_mounted(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_mounted(s, err) : NULL;
}

static const char *copy_tmpdir(cpod_runtime *rt)
{
	const char *d = rt->tmpdir ? rt->tmpdir : rt->cc->image_copy_tmp_dir;

	return d && *d ? d : "/var/tmp";
}

/* The layout, compression and writer of a save. */
static int save_target(const cpod_save_opts *o, image_save_opts *so, layout_writer **w,
		       cpod_error **err)
{
	const char *f = o->format ? o->format : CPOD_SAVE_DOCKER_ARCHIVE;
	bool dir = str_eq(f, CPOD_SAVE_OCI_DIR) || str_eq(f, CPOD_SAVE_DOCKER_DIR);

	if (str_eq(f, CPOD_SAVE_OCI_ARCHIVE) || str_eq(f, CPOD_SAVE_OCI_DIR)) {
		so->format = LAYOUT_OCI;
		so->compression = o->uncompressed ? COMPRESSION_NONE : COMPRESSION_GZIP;
	} else if (str_eq(f, CPOD_SAVE_DOCKER_DIR)) {
		so->format = LAYOUT_DIR;
		so->docker_v2s2 = true;
		so->compression = o->compress ? COMPRESSION_GZIP : COMPRESSION_NONE;
	} else if (!str_eq(f, CPOD_SAVE_DOCKER_ARCHIVE)) {
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported format '%s' for save", f);
	}
	if (dir && (!o->dir || !*o->dir))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "format '%s' needs a directory", f);
	return dir ? layout_writer_open_dir(o->dir, w, err)
		   : layout_writer_open_archive(o->fd, w, err);
}

int cpod_image_save(cpod_runtime *rt, const cpod_save_opts *opts, cpod_error **err)
{
	_cleanup_(layout_writer_freep) layout_writer *w = NULL;
	cpod_save_opts o = { 0 };
	store *s = engine_store(rt, err);
	image_save_opts so = { 0 };

	if (!s)
		return -1;
	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (save_target(&o, &so, &w, err) < 0)
		return -1;
	so.images = o.images;
	so.multi = o.multi_image;
	so.w = w;
	so.tmpdir = copy_tmpdir(rt);
	if (image_save(s, &so, NULL, err) < 0)
		return -1;
	return layout_writer_close(w, err);
}

struct json_object *cpod_image_load(cpod_runtime *rt, const cpod_load_opts *opts, cpod_error **err)
{
	_cleanup_(layout_reader_freep) layout_reader *r = NULL;
	_cleanup_strv_ strv names = STRV_INIT;
	cpod_load_opts o = { 0 };
	image_load_opts lo = { 0 };
	store *s = engine_store(rt, err);
	json_object *arr;
	struct stat st;
	int fd;

	if (!s)
		return NULL;
	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	fd = o.fd;
	lo.progress = o.progress;
	lo.progress_data = o.progress_data;
	if (fstat(fd, &st) < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the archive");
		return NULL;
	}
	if (S_ISDIR(st.st_mode) ? layout_reader_open_fd(fd, &r, err)
				: layout_reader_open_archive(fd, copy_tmpdir(rt), &r, err))
		return NULL;
	if (image_load_layout(s, r, &lo, &names, NULL, err) < 0)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < names.n; i++)
		json_object_array_add(arr, json_object_new_string(names.v[i]));
	return arr;
}

static int push_compression(const char *name, manifest_compression *ret, cpod_error **err)
{
	if (!name || str_eq(name, "gzip"))
		*ret = COMPRESSION_GZIP;
	else if (str_eq(name, "zstd"))
		*ret = COMPRESSION_ZSTD;
	else
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported compression format '%s'",
				name);
	return 0;
}

static char *push_local(store *s, const image_push_opts *po, bool compress, cpod_error **err)
{
	char *digest = NULL;
	image_transport_push_opts to = {
		.image = po->image,
		.destination = po->destination,
		.compression = po->compression,
		.dir_compress = compress,
		.docker_v2s2 = po->docker_v2s2,
		.tmpdir = po->tmpdir,
		.progress = po->progress,
		.progress_data = po->progress_data,
	};

	if (image_transport_push(s, &to, &digest, err) < 0)
		return NULL;
	return digest ? digest : xstrdup("");
}

char *cpod_image_push(cpod_runtime *rt, const cpod_push_opts *opts, cpod_error **err)
{
	cpod_push_opts o = { 0 };
	_cleanup_free_ char *user = NULL;
	const char *pass = NULL;
	store *s = engine_store(rt, err);
	image_push_opts po = { 0 };
	char *digest = NULL;

	if (!s)
		return NULL;
	memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (o.format && !str_eq(o.format, CPOD_PUSH_FORMAT_OCI) &&
	    !str_eq(o.format, CPOD_PUSH_FORMAT_V2S2)) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "unknown format '%s'", o.format);
		return NULL;
	}
	if ((o.creds && split_creds(o.creds, &user, &pass, err) < 0) ||
	    push_compression(o.compression, &po.compression, err) < 0)
		return NULL;
	po.image = o.image;
	po.destination = o.destination;
	po.docker_v2s2 = o.format && str_eq(o.format, CPOD_PUSH_FORMAT_V2S2);
	po.authfile = o.authfile;
	po.username = user;
	po.password = pass;
	po.cert_dir = o.cert_dir;
	po.tls_verify = o.tls_verify == CPOD_TLS_VERIFY_ON    ? 1
			: o.tls_verify == CPOD_TLS_VERIFY_OFF ? 0
							      : -1;
	po.tmpdir = copy_tmpdir(rt);
	po.progress = o.progress;
	po.progress_data = o.progress_data;
	if (o.destination && image_transport_is_local(o.destination))
		return push_local(s, &po, o.compress, err);
	if (image_push(s, &po, &digest, err) < 0)
		return NULL;
	return digest;
}
