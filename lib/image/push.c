/* cpod push: store → registry (see push.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/auth.h"
#include "config/registries_conf.h"
#include "image/blobcache.h"
#include "image/compress.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/progress.h"
#include "image/push.h"
#include "image/reference.h"
#include "image/registry.h"
#include "common/banned.h"

/* Blobs of the cache tried for one layer before compressing it (containers/image's number). */
#define REUSE_ATTEMPTS 5
#define PUSH_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void progress(const image_push_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const image_push_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	image_vprogress(o->progress, o->progress_data, fmt, ap);
	va_end(ap);
}

/* ---- the push ---- */

typedef struct {
	const image_push_opts *o;
	store *s;
	registry_client *rc;
	const char *repo;
	const char *layer_type;
	blobcache *bc; /* may be NULL */
} pusher;

/* One blob the cache knows: used when the destination has it, else mounted when it was seen
 * in another repository.  checked holds the digests the destination was asked about.  true
 * (d filled) when it is used; a failure only means it is not (logged at debug level). */
static bool try_candidate(pusher *p, const blobcache_candidate *c, strv *checked,
			  manifest_descriptor *d)
{
	cpod_error *e = NULL;
	int64_t size = -1;
	int r = 0;

	if (!strv_contains((const char *const *)checked->v, c->digest)) {
		strv_push(checked, c->digest);
		r = registry_blob_exists(p->rc, p->repo, c->digest, &size, &e);
	}
	if (r == 0 && !str_eq(c->repo, p->repo) && c->size >= 0) {
		r = registry_blob_mount(p->rc, p->repo, c->digest, c->repo, &e);
		if (r > 0)
			log_debug("blob %s mounted from %s/%s into %s/%s", c->digest, c->registry,
				  c->repo, c->registry, p->repo);
	}
	if (r < 0) {
		log_debug("reusing blob %s: %s", c->digest, cpod_error_message(e));
		cpod_error_free(e);
		return false;
	}
	if (size < 0)
		size = c->size;
	if (r == 0 || size < 0)
		return false;
	d->digest = xstrdup(c->digest);
	d->size = size;
	d->media_type = xstrdup(p->layer_type);
	return true;
}

/* Looks for a blob that decompresses to diff_id, compressed as asked, that the destination
 * has or can mount (see try_candidate()); absent: a digest it is known not to have (may be
 * NULL).  true when d was filled. */
static bool reuse_blob(pusher *p, const char *diff_id, const char *absent, manifest_descriptor *d)
{
	_cleanup_strv_ strv checked = STRV_INIT;
	blobcache_candidate *cands = NULL;
	size_t n = blobcache_candidates(p->bc, diff_id, p->o->compression,
					registry_client_host(p->rc), REUSE_ATTEMPTS, &cands);
	bool used = false;

	if (absent)
		strv_push(&checked, absent);
	for (size_t i = 0; i < n && !used; i++)
		used = try_candidate(p, &cands[i], &checked, d);
	blobcache_candidates_free(cands, n);
	return used;
}

static void descriptor_clear(manifest_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	d->media_type = d->digest = NULL;
}

/* Compresses the layer and uploads it unless the registry has it (or a blob of the same
 * content the cache knows, other than the one of tried, can be reused). */
static int compress_and_push(pusher *p, const char *layer_id, const char *tried,
			     manifest_descriptor *d, char **ret_diff_id, cpod_error **err)
{
	_cleanup_close_ int tar_fd = fs_tmpfile(p->o->tmpdir, err);
	_cleanup_close_ int out_fd = -1;
	manifest_descriptor other = { 0 };
	int r;

	if (tar_fd < 0 || store_layer_diff(p->s, layer_id, tar_fd, err) < 0)
		return -1;
	out_fd = fs_tmpfile(p->o->tmpdir, err);
	if (out_fd < 0)
		return -1;
	if (lseek(tar_fd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "rewinding layer '%s'", layer_id);
	if (compress_layer(tar_fd, out_fd, p->o->compression, ret_diff_id, &d->digest, &d->size,
			   err) < 0)
		return cpod_err_prefix(err, "compressing layer '%s'", layer_id);
	d->media_type = xstrdup(p->layer_type);
	r = registry_blob_exists(p->rc, p->repo, d->digest, NULL, err);
	if (r < 0)
		return -1;
	if (r == 0 && !str_eq(*ret_diff_id, tried) &&
	    reuse_blob(p, *ret_diff_id, d->digest, &other)) {
		descriptor_clear(d);
		*d = other;
		r = 1;
	}
	if (r > 0) {
		progress(p->o, "Copying blob %s skipped: already exists", *ret_diff_id);
		return 0;
	}
	progress(p->o, "Copying blob %s", *ret_diff_id);
	if (lseek(out_fd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "rewinding layer '%s'", layer_id);
	return registry_blob_upload(p->rc, p->repo, d->digest, out_fd, d->size, err);
}

/* Pushes one layer unless the registry has it or a blob the cache knows can be reused (it
 * keeps the layer's diffID); fills its descriptor and *ret_diff_id. */
static int push_layer(pusher *p, const char *layer_id, manifest_descriptor *d, char **ret_diff_id,
		      cpod_error **err)
{
	_cleanup_(meta_layer_freep) meta_layer *l = NULL;

	if (store_layer_get(p->s, layer_id, &l, err) < 0)
		return -1;
	if (l->diff_id && reuse_blob(p, l->diff_id, NULL, d)) {
		*ret_diff_id = xstrdup(l->diff_id);
		progress(p->o, "Copying blob %s skipped: already exists", l->diff_id);
		return 0;
	}
	return compress_and_push(p, layer_id, l->diff_id, d, ret_diff_id, err);
}

/* Remembers where the layers went, for the next push. */
static void record_pushed(pusher *p, const manifest_descriptor *layers, const strv *diff_ids)
{
	_cleanup_free_ blobcache_blob *blobs = xcalloc(diff_ids->n + 1, sizeof(*blobs));

	for (size_t i = 0; i < diff_ids->n; i++)
		blobs[i] = (blobcache_blob){ .digest = layers[i].digest,
					     .media_type = layers[i].media_type,
					     .compression = p->o->compression,
					     .size = layers[i].size,
					     .diff_id = diff_ids->v[i] };
	blobcache_record(p->bc, blobs, diff_ids->n, registry_client_host(p->rc), p->repo, 0);
}

/* The manifest JSON; Docker v2s2 is the OCI one with Docker's media types. */
static char *manifest_text(const pusher *p, const manifest_descriptor *config,
			   const manifest_descriptor *layers, size_t n)
{
	_cleanup_free_ char *oci = manifest_build_oci(config, layers, n);
	_cleanup_json_ json_object *doc = NULL;

	if (!p->o->docker_v2s2)
		return TAKE_PTR(oci);
	doc = json_tokener_parse(oci);
	if (!doc)
		abort();
	json_object_object_add(doc, "mediaType",
			       json_object_new_string(MEDIA_TYPE_DOCKER_MANIFEST));
	return xstrdup(json_object_to_json_string_ext(doc, PUSH_JSON_FLAGS));
}

static int client_for(const image_push_opts *o, const image_reference *dst, registry_client **ret,
		      cpod_error **err)
{
	_cleanup_(registries_conf_freep) registries_conf *conf = NULL;
	_cleanup_free_ char *key = xasprintf("%s/%s", dst->domain, dst->path);
	registries_conf_opts rco = { .path = o->registries_conf };
	auth_opts ao = { .authfile = o->authfile };
	auth_creds creds = { 0 };
	registry_opts ro = {
		.host = dst->domain,
		.tls_verify = o->tls_verify != 0,
		.cert_dir = o->cert_dir,
		.username = o->username,
		.password = o->password,
		.push = true,
	};
	int r, found = 0;

	if (o->tls_verify < 0) {
		if (registries_conf_load(&rco, &conf, err) < 0)
			return -1;
		ro.tls_verify = !registries_is_insecure(conf, key);
	}
	if (!o->username) {
		found = auth_lookup(&ao, key, &creds, err);
		if (found < 0)
			return -1;
		if (found) {
			ro.username = creds.username;
			ro.password = creds.password;
			ro.identity_token = creds.identity_token;
		}
	}
	r = registry_client_new(&ro, ret, err);
	if (found)
		auth_creds_clear(&creds);
	return r;
}

/* Pushes the config blob; fills its descriptor. */
static int push_config(pusher *p, const char *text, manifest_descriptor *d, cpod_error **err)
{
	size_t len = strlen(text);
	_cleanup_close_ int fd = -1;
	int r;

	d->media_type =
		xstrdup(p->o->docker_v2s2 ? MEDIA_TYPE_DOCKER_CONFIG : MEDIA_TYPE_OCI_CONFIG);
	d->digest = digest_buf(DIGEST_SHA256, text, len);
	d->size = (int64_t)len;
	progress(p->o, "Copying config %s", d->digest);
	r = registry_blob_exists(p->rc, p->repo, d->digest, NULL, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	fd = fs_tmpfile(p->o->tmpdir, err);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing the image config");
	return registry_blob_upload(p->rc, p->repo, d->digest, fd, d->size, err);
}

static void descriptors_free(manifest_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].media_type);
		free(d[i].digest);
	}
	free(d);
}

/* Layers, config and manifest of img to p->repo at ref. */
static int push_image(pusher *p, const meta_image *img, const char *ref, char **ret_digest,
		      cpod_error **err)
{
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_strv_ strv chain = STRV_INIT, diff_ids = STRV_INIT;
	_cleanup_free_ char *text = NULL, *man = NULL;
	manifest_descriptor cd = { 0 }, *layers = NULL;
	int r = -1;

	if (store_image_bigdata(p->s, img->id, "config", &config, IMAGE_CONFIG_MAX_SIZE, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0 ||
	    image_layer_chain(p->s, img->top_layer, &chain, err) < 0)
		return -1;
	layers = xcalloc(chain.n + 1, sizeof(*layers));
	progress(p->o, "Getting image source signatures");
	for (size_t i = 0; i < chain.n; i++) {
		char *d = NULL;
		int pr = push_layer(p, chain.v[i], &layers[i], &d, err);

		if (d)
			strv_push_take(&diff_ids, d);
		if (pr < 0)
			goto out;
	}
	text = image_config_with_diff_ids(config.s, config.len, cfg, &diff_ids, err);
	if (!text || push_config(p, text, &cd, err) < 0)
		goto out;
	man = manifest_text(p, &cd, layers, chain.n);
	progress(p->o, "Writing manifest to image destination");
	if (registry_put_manifest(p->rc, p->repo, ref,
				  p->o->docker_v2s2 ? MEDIA_TYPE_DOCKER_MANIFEST
						    : MEDIA_TYPE_OCI_MANIFEST,
				  man, strlen(man), err) < 0)
		goto out;
	record_pushed(p, layers, &diff_ids);
	progress(p->o, "Storing signatures");
	*ret_digest = digest_buf(DIGEST_SHA256, man, strlen(man));
	r = 0;
out:
	descriptors_free(layers, chain.n);
	free(cd.media_type);
	free(cd.digest);
	return r;
}

/* The destination reference: o->destination (without "docker://") or the image's name. */
static int destination(const image_push_opts *o, image_reference **ret, cpod_error **err)
{
	const char *d = o->destination ? o->destination : o->image;

	if (str_has_prefix(d, "docker://"))
		d += strlen("docker://");
	if (reference_parse(d, ret, err) < 0)
		return -1;
	if (!(*ret)->digest)
		reference_with_default_tag(*ret);
	return 0;
}

int image_push(store *s, const image_push_opts *o, char **ret_digest, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_reference_ image_reference *dst = NULL;
	_cleanup_(registry_client_freep) registry_client *rc = NULL;
	_cleanup_blobcache_ blobcache *bc = NULL;
	_cleanup_free_ char *shown = NULL;
	pusher p = { .o = o, .s = s };

	if (image_lookup(s, o->image, &img, err) < 0)
		return -1;
	if (o->docker_v2s2 && o->compression == COMPRESSION_ZSTD)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"zstd compression is not supported with the v2s2 format");
	if (destination(o, &dst, err) < 0 || client_for(o, dst, &rc, err) < 0)
		return -1;
	shown = reference_string(dst, false);
	bc = blobcache_open(store_graphroot(s));
	p.bc = bc;
	p.rc = rc;
	p.repo = dst->path;
	p.layer_type = o->docker_v2s2			    ? MEDIA_TYPE_DOCKER_LAYER
		       : o->compression == COMPRESSION_ZSTD ? MEDIA_TYPE_OCI_LAYER_ZSTD
							    : MEDIA_TYPE_OCI_LAYER_GZIP;
	if (push_image(&p, img, dst->digest ? dst->digest : dst->tag, ret_digest, err) < 0)
		return cpod_err_prefix(err, "pushing '%s' to 'docker://%s'", o->image, shown);
	return 0;
}
