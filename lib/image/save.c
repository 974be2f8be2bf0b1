/* Images from the store into layouts: docker-archive, OCI layouts, the dir: transport
 * (see saveload.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/compress.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "image/saveload.h"
#include "common/banned.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define MEDIA_TYPE_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"
#define DIR_VERSION "Directory Transport Version: 1.1\n"
#define REF_NAME_KEY "org.opencontainers.image.ref.name"

typedef struct {
	store *s;
	const image_save_opts *o;
	json_object *manifest; /* docker-archive: manifest.json's array */
	json_object *repos;    /* docker-archive: repositories */
	json_object *index;    /* OCI: index.json's "manifests" */
	char *last_digest;     /* the digest of the newest manifest written */
} saver;

static void progress(const saver *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const saver *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	image_vprogress(sv->o->progress, sv->o->progress_data, fmt, ap);
	va_end(ap);
}

/* The name of a blob in the layout: docker-archive's <hex><ext>, OCI's blobs/sha256/<hex>,
 * dir's <hex>. */
static char *blob_name(const saver *sv, const char *digest, const char *ext)
{
	const char *hex = digest + strlen("sha256:");

	switch (sv->o->format) {
	case LAYOUT_OCI:
		return xasprintf("blobs/sha256/%s", hex);
	case LAYOUT_DIR:
		return xstrdup(hex);
	default:
		return xasprintf("%s%s", hex, ext);
	}
}

static const char *layer_media_type(const saver *sv)
{
	bool docker = sv->o->format == LAYOUT_DIR && sv->o->docker_v2s2;

	switch (sv->o->compression) {
	case COMPRESSION_GZIP:
		return docker ? MEDIA_TYPE_DOCKER_LAYER : MEDIA_TYPE_OCI_LAYER_GZIP;
	case COMPRESSION_ZSTD:
		return MEDIA_TYPE_OCI_LAYER_ZSTD;
	default:
		return docker ? MEDIA_TYPE_DOCKER_LAYER_TAR : MEDIA_TYPE_OCI_LAYER;
	}
}

/* Writes one layer (compressed as asked) unless the layout has it; fills d (digest, size,
 * media type) and *ret_diff_id. */
static int save_layer(saver *sv, const char *layer_id, manifest_descriptor *d, char **ret_diff_id,
		      cpod_error **err)
{
	_cleanup_close_ int tar_fd = fs_tmpfile(sv->o->tmpdir, err);
	_cleanup_close_ int out_fd = -1;
	_cleanup_free_ char *name = NULL;
	uint64_t size = 0;
	int blob_fd = tar_fd;

	if (tar_fd < 0 || store_layer_diff(sv->s, layer_id, tar_fd, err) < 0 ||
	    lseek(tar_fd, 0, SEEK_SET) < 0)
		return -1;
	if (sv->o->compression == COMPRESSION_NONE) {
		*ret_diff_id = digest_fd(DIGEST_SHA256, tar_fd, &size, err);
		if (!*ret_diff_id)
			return -1;
		d->digest = xstrdup(*ret_diff_id);
		d->size = (int64_t)size;
	} else {
		out_fd = fs_tmpfile(sv->o->tmpdir, err);
		if (out_fd < 0 || compress_layer(tar_fd, out_fd, sv->o->compression, ret_diff_id,
						 &d->digest, &d->size, err) < 0)
			return cpod_err_prefix(err, "compressing layer '%s'", layer_id);
		blob_fd = out_fd;
	}
	d->media_type = xstrdup(layer_media_type(sv));
	name = blob_name(sv, d->digest, ".tar");
	if (layout_writer_has(sv->o->w, name)) {
		progress(sv, "Copying blob %s skipped: already exists", d->digest);
		return 0;
	}
	progress(sv, "Copying blob %s", d->digest);
	if (lseek(blob_fd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "rewinding layer '%s'", layer_id);
	return layout_writer_put_fd(sv->o->w, name, blob_fd, d->size, err);
}

static void add_repo_tag(saver *sv, json_object *tags, const char *name, const char *top)
{
	const char *colon = strrchr(name, ':');
	json_object *repo;

	if (strchr(name, '@') || !colon || strchr(colon, '/'))
		return;
	json_object_array_add(tags, json_object_new_string(name));
	_cleanup_free_ char *r = xstrndup(name, (size_t)(colon - name));
	if (!json_object_object_get_ex(sv->repos, r, &repo)) {
		repo = json_object_new_object();
		json_object_object_add(sv->repos, r, repo);
	}
	json_object_object_add(repo, colon + 1, json_object_new_string(top ? top : ""));
}

static json_object *descriptor_json(const char *media_type, const char *digest, int64_t size)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(media_type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

/* The image manifest (OCI, or Docker v2s2 for a docker-dir); the caller frees it. */
static char *manifest_text(const saver *sv, const manifest_descriptor *cd,
			   const manifest_descriptor *ld, size_t n)
{
	_cleanup_free_ char *oci = manifest_build_oci(cd, ld, n);
	_cleanup_json_ json_object *doc = NULL;

	if (sv->o->format != LAYOUT_DIR || !sv->o->docker_v2s2)
		return TAKE_PTR(oci);
	doc = json_tokener_parse(oci);
	if (!doc)
		abort();
	json_object_object_add(doc, "mediaType",
			       json_object_new_string(MEDIA_TYPE_DOCKER_MANIFEST));
	return xstrdup(json_object_to_json_string_ext(doc, JSON_FLAGS));
}

/* OCI: the manifest blob and its index entry (named tag when not NULL). */
static int add_oci_manifest(saver *sv, const char *text, const char *tag, cpod_error **err)
{
	_cleanup_free_ char *name = NULL;
	json_object *d;
	size_t len = strlen(text);

	name = blob_name(sv, sv->last_digest, "");
	if (layout_writer_put_mem(sv->o->w, name, text, len, err) < 0)
		return -1;
	d = descriptor_json(MEDIA_TYPE_OCI_MANIFEST, sv->last_digest, (int64_t)len);
	if (tag) {
		json_object *ann = json_object_new_object();

		json_object_object_add(ann, REF_NAME_KEY, json_object_new_string(tag));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(sv->index, d);
	return 0;
}

/* docker-archive: the manifest.json entry and the repositories. */
static void add_archive_entry(saver *sv, const char *config_name, const manifest_descriptor *ld,
			      const strv *diff_ids, const char *const *tags)
{
	json_object *entry = json_object_new_object(), *rtags = json_object_new_array();
	json_object *layers = json_object_new_array();
	const char *top = diff_ids->n ? diff_ids->v[diff_ids->n - 1] + strlen("sha256:") : NULL;

	for (size_t i = 0; i < diff_ids->n; i++) {
		_cleanup_free_ char *f = blob_name(sv, ld[i].digest, ".tar");

		json_object_array_add(layers, json_object_new_string(f));
	}
	for (const char *const *t = tags; t && *t; t++)
		add_repo_tag(sv, rtags, *t, top);
	json_object_object_add(entry, "Config", json_object_new_string(config_name));
	json_object_object_add(entry, "RepoTags", rtags);
	json_object_object_add(entry, "Layers", layers);
	json_object_array_add(sv->manifest, entry);
}

static void descriptors_free(manifest_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].media_type);
		free(d[i].digest);
	}
	free(d);
}

/* The config (with the diff_ids of the layers written) and the manifest or archive entry. */
static int save_rest(saver *sv, const buf *config, const image_config *cfg, const strv *diff_ids,
		     const manifest_descriptor *ld, const char *const *tags, cpod_error **err)
{
	_cleanup_free_ char *text = NULL, *cname = NULL, *man = NULL;
	manifest_descriptor cd = { 0 };

	text = image_config_with_diff_ids(config->s, config->len, cfg, diff_ids, err);
	if (!text)
		return -1;
	cd.digest = digest_buf(DIGEST_SHA256, text, strlen(text));
	cd.size = (int64_t)strlen(text);
	cd.media_type = (char *)(sv->o->format == LAYOUT_DIR && sv->o->docker_v2s2
					 ? MEDIA_TYPE_DOCKER_CONFIG
					 : MEDIA_TYPE_OCI_CONFIG);
	cname = blob_name(sv, cd.digest, ".json");
	progress(sv, "Copying config %s", cd.digest);
	if (layout_writer_put_mem(sv->o->w, cname, text, strlen(text), err) < 0)
		goto fail;
	if (sv->o->format == LAYOUT_DOCKER_ARCHIVE) {
		add_archive_entry(sv, cname, ld, diff_ids, tags);
		free(cd.digest);
		return 0;
	}
	man = manifest_text(sv, &cd, ld, diff_ids->n);
	free(sv->last_digest);
	sv->last_digest = digest_buf(DIGEST_SHA256, man, strlen(man));
	progress(sv, "Writing manifest to image destination");
	if (sv->o->format == LAYOUT_OCI
		    ? add_oci_manifest(sv, man, tags ? tags[0] : NULL, err)
		    : layout_writer_put_mem(sv->o->w, "manifest.json", man, strlen(man), err))
		goto fail;
	free(cd.digest);
	return 0;
fail:
	free(cd.digest);
	return -1;
}

static int save_image(saver *sv, const char *name, const char *const *tags, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_strv_ strv chain = STRV_INIT, diff_ids = STRV_INIT;
	manifest_descriptor *ld = NULL;
	int r = -1;

	if (image_lookup(sv->s, name, &img, err) < 0 ||
	    store_image_bigdata(sv->s, img->id, "config", &config, IMAGE_CONFIG_MAX_SIZE, err) <
		    0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0 ||
	    image_layer_chain(sv->s, img->top_layer, &chain, err) < 0)
		return cpod_err_prefix(err, "saving '%s'", name);
	if (chain.n != cfg->diff_ids.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"saving '%s': the config lists %zu layers, the image has %zu", name,
				cfg->diff_ids.n, chain.n);
	progress(sv, "Getting image source signatures");
	ld = xcalloc(chain.n + 1, sizeof(*ld));
	for (size_t i = 0; i < chain.n; i++) {
		char *d = NULL;
		int lr = save_layer(sv, chain.v[i], &ld[i], &d, err);

		if (d)
			strv_push_take(&diff_ids, d);
		if (lr < 0)
			goto out;
	}
	r = save_rest(sv, &config, cfg, &diff_ids, ld, tags, err);
	if (r == 0)
		progress(sv, "Storing signatures");
out:
	descriptors_free(ld, chain.n);
	return r < 0 ? cpod_err_prefix(err, "saving '%s'", name) : 0;
}

/* The tag an argument stands for: none for an ID (podman leaves RepoTags empty then). */
static char *tag_for(store *s, const char *arg)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	char *name = NULL;

	if (image_lookup(s, arg, &img, NULL) == 0 && str_has_prefix(img->id, arg))
		return NULL;
	if (image_name_for_tag(arg, &name, NULL) < 0)
		return NULL;
	if (img && !strv_contains((const char *const *)img->names, name)) {
		/* a short name found through the search: use the stored name */
		for (char **n = img->names; *n; n++)
			if (!strchr(*n, '@')) {
				free(name);
				return xstrdup(*n);
			}
	}
	return name;
}

static int save_all(saver *sv, cpod_error **err)
{
	const image_save_opts *o = sv->o;
	_cleanup_strv_ strv tags = STRV_INIT;

	if (o->ref_name) {
		const char *const one[] = { o->ref_name, NULL };

		return save_image(sv, o->images[0], *o->ref_name ? one : NULL, err);
	}
	if (!o->multi) {
		for (const char *const *n = o->images; *n; n++) {
			char *t = tag_for(sv->s, *n);

			if (t)
				strv_push_take(&tags, t);
		}
		return save_image(sv, o->images[0], (const char *const *)tags.v, err);
	}
	for (const char *const *n = o->images; *n; n++) {
		_cleanup_free_ char *t = tag_for(sv->s, *n);
		const char *const one[] = { t, NULL };

		if (save_image(sv, *n, one, err) < 0)
			return -1;
	}
	return 0;
}

/* Whether a new index entry has the ref name (or, with name NULL, the digest). */
static bool new_entry_has(const saver *sv, const char *name, const char *digest)
{
	for (size_t m = 0; m < json_object_array_length(sv->index); m++) {
		json_object *nd = json_object_array_get_idx(sv->index, m), *na, *nv, *dg;

		if (!name && json_object_object_get_ex(nd, "digest", &dg) &&
		    str_eq(json_object_get_string(dg), digest))
			return true;
		if (name && json_object_object_get_ex(nd, "annotations", &na) &&
		    json_object_object_get_ex(na, REF_NAME_KEY, &nv) &&
		    str_eq(json_object_get_string(nv), name))
			return true;
	}
	return false;
}

/* An old index entry as it stays beside the new ones: without a ref name a new entry takes
 * over; NULL when it goes (unnamed then, and the same manifest as a new entry). */
static json_object *kept_entry(const saver *sv, const manifest_descriptor *d)
{
	json_object *j, *ann = NULL;
	bool named = false;

	for (size_t k = 0; k < d->annotation_keys.n; k++) {
		const char *key = d->annotation_keys.v[k], *val = d->annotation_values.v[k];

		if (str_eq(key, REF_NAME_KEY)) {
			if (new_entry_has(sv, val, NULL))
				continue;
			named = true;
		}
		if (!ann)
			ann = json_object_new_object();
		json_object_object_add(ann, key, json_object_new_string(val));
	}
	if (!named && new_entry_has(sv, NULL, d->digest)) {
		json_object_put(ann);
		return NULL;
	}
	j = descriptor_json(d->media_type ? d->media_type : MEDIA_TYPE_OCI_MANIFEST, d->digest,
			    d->size);
	if (ann)
		json_object_object_add(j, "annotations", ann);
	return j;
}

/* OCI in a directory: the entries of an index.json already there come first, as kept_entry()
 * leaves them. */
static int merge_index(saver *sv, cpod_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/index.json", layout_writer_dir(sv->o->w));
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_manifest_ image_manifest *old = NULL;
	json_object *merged;

	if (fs_read_file(path, MANIFEST_MAX_SIZE, &text, err) < 0 ||
	    manifest_parse(text.s, text.len, MEDIA_TYPE_OCI_INDEX, &old, err) < 0)
		return cpod_err_prefix(err, "updating the OCI layout");
	if (!manifest_is_index(old))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"updating the OCI layout: '%s' is not an image index", path);
	merged = json_object_new_array();
	for (size_t i = 0; i < old->n_manifests; i++) {
		json_object *j = kept_entry(sv, &old->manifests[i]);

		if (j)
			json_object_array_add(merged, j);
	}
	for (size_t m = 0; m < json_object_array_length(sv->index); m++)
		json_object_array_add(merged,
				      json_object_get(json_object_array_get_idx(sv->index, m)));
	json_object_put(sv->index);
	sv->index = merged;
	return 0;
}

/* Writes the layout's index files. */
static int finish(saver *sv, cpod_error **err)
{
	layout_writer *w = sv->o->w;
	_cleanup_json_ json_object *idx = NULL;
	const char *text, *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";

	if (sv->o->format == LAYOUT_DIR)
		return layout_writer_put_mem(w, "version", DIR_VERSION, strlen(DIR_VERSION), err);
	if (sv->o->format == LAYOUT_OCI) {
		if (sv->o->merge_index && layout_writer_dir(w) &&
		    layout_writer_has(w, "index.json") && merge_index(sv, err) < 0)
			return -1;
		idx = json_object_new_object();
		json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
		json_object_object_add(idx, "manifests", json_object_get(sv->index));
		text = json_object_to_json_string_ext(idx, JSON_FLAGS);
		if (layout_writer_put_mem(w, "oci-layout", layout, strlen(layout), err) < 0)
			return -1;
		return layout_writer_put_mem(w, "index.json", text, strlen(text), err);
	}
	text = json_object_to_json_string_ext(sv->manifest, JSON_FLAGS);
	if (layout_writer_put_mem(w, "manifest.json", text, strlen(text), err) < 0)
		return -1;
	text = json_object_to_json_string_ext(sv->repos, JSON_FLAGS);
	return layout_writer_put_mem(w, "repositories", text, strlen(text), err);
}

static int check_opts(const image_save_opts *o, cpod_error **err)
{
	if (!o->images || !o->images[0])
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no image to save");
	if (o->format != LAYOUT_DOCKER_ARCHIVE && (o->multi || o->images[1]))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"%s holds one image: save the others separately",
				o->format == LAYOUT_OCI ? "an oci-archive" : "a dir: directory");
	if (o->format == LAYOUT_DOCKER_ARCHIVE && o->compression != COMPRESSION_NONE)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"a docker-archive holds uncompressed layers");
	if (o->format == LAYOUT_DIR && o->docker_v2s2 && o->compression == COMPRESSION_ZSTD)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"zstd compression is not supported with the v2s2 format");
	return 0;
}

int image_save(store *s, const image_save_opts *o, char **ret_digest, cpod_error **err)
{
	saver sv = {
		.s = s,
		.o = o,
		.manifest = json_object_new_array(),
		.repos = json_object_new_object(),
		.index = json_object_new_array(),
	};
	int r = check_opts(o, err);

	if (r == 0)
		r = save_all(&sv, err);
	if (r == 0)
		r = finish(&sv, err);
	if (r == 0 && ret_digest)
		*ret_digest = sv.last_digest ? xstrdup(sv.last_digest) : NULL;
	json_object_put(sv.manifest);
	json_object_put(sv.repos);
	json_object_put(sv.index);
	free(sv.last_digest);
	return r;
}
