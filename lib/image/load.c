/* Images from layouts into the store: docker-archive, OCI layouts, the dir: transport
 * (see saveload.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/json.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "image/decompress.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "image/saveload.h"
#include "storage/meta.h"
#include "common/banned.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define DIR_VERSION "Directory Transport Version: 1.1\n"
#define REF_NAME_KEY "org.opencontainers.image.ref.name"
#define MEDIA_TYPE_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"

typedef struct {
	store *s;
	layout_reader *r;
	const image_load_opts *o;
	strv new_layers; /* made by this load, to remove on failure */
	strv new_images;
	strv *loaded;
	strv *ids;
} loader;

static void progress(const loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	image_vprogress(l->o->progress, l->o->progress_data, fmt, ap);
	va_end(ap);
}

static json_object *descriptor(const char *media_type, const char *digest, int64_t size)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(media_type));
	json_object_object_add(d, "size", json_object_new_int64(size));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	return d;
}

/* The Docker schema 2 manifest podman stores for a docker-archive image. */
static char *docker_manifest(const char *config_digest, size_t config_len, const strv *diff_ids,
			     const int64_t *sizes)
{
	_cleanup_json_ json_object *m = json_object_new_object();
	json_object *layers = json_object_new_array();

	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MEDIA_TYPE_DOCKER_MANIFEST));
	json_object_object_add(m, "config",
			       descriptor(MEDIA_TYPE_DOCKER_CONFIG, config_digest,
					  (int64_t)config_len));
	for (size_t i = 0; i < diff_ids->n; i++)
		json_object_array_add(layers, descriptor(MEDIA_TYPE_DOCKER_LAYER_TAR,
							 diff_ids->v[i], sizes[i]));
	json_object_object_add(m, "layers", layers);
	return xstrdup(json_object_to_json_string_ext(m, JSON_FLAGS));
}

/* A layer with diff_id on *parent that the store has already: it becomes *parent, and the blob
 * (named blob) need not be read. */
static bool layer_present(loader *l, const char *diff_id, const char *blob, char **parent,
			  int64_t *ret_size)
{
	_cleanup_(meta_layer_freep) meta_layer *have = NULL;

	if (meta_layer_find_by_diff_id(store_meta(l->s), diff_id, *parent, &have, NULL) < 0)
		return false;
	progress(l, "Copying blob %s skipped: already exists", blob);
	free(*parent);
	*parent = xstrdup(have->id);
	*ret_size = have->uncompressed_size > 0 ? have->uncompressed_size : 0;
	return true;
}

/* Applies one docker-archive layer file (any compression) on *parent, which becomes the new
 * layer; what: its name for errors. */
static int apply_file(loader *l, int fd, const char *diff_id, const char *what, char **parent,
		      int64_t *ret_size, cpod_error **err)
{
	store_layer_result res = { 0 };

	progress(l, "Copying blob %s", diff_id);
	if (store_layer_apply_fd(l->s, *parent, fd, diff_id, &res, err) < 0)
		return cpod_err_prefix(err, "layer '%s'", what);
	if (!res.existed)
		strv_push(&l->new_layers, res.id);
	*ret_size = res.size;
	free(*parent);
	*parent = TAKE_PTR(res.id);
	store_layer_result_clear(&res);
	return 0;
}

/* manifest_in: the image's manifest as found in the layout, or NULL to make one. */
static int register_loaded(loader *l, const buf *config, const image_config *cfg, const char *top,
			   const strv *names, const int64_t *sizes, const buf *manifest_in,
			   cpod_error **err)
{
	_cleanup_free_ char *cdigest = digest_buf(DIGEST_SHA256, config->s, config->len);
	_cleanup_free_ char *manifest =
		manifest_in ? xstrndup(manifest_in->s, manifest_in->len)
			    : docker_manifest(cdigest, config->len, &cfg->diff_ids, sizes);
	_cleanup_free_ char *mdigest = digest_buf(DIGEST_SHA256, manifest, strlen(manifest));
	_cleanup_free_ char *labels = image_config_labels_json(cfg);
	const char *const digests[] = { mdigest, NULL };
	const store_bigdata bigdata[] = {
		{ .key = "config", .data = config->s, .len = config->len },
		{ .key = "manifest", .data = manifest, .len = strlen(manifest) },
	};
	struct timespec ts = { 0 };
	int64_t size = 0;

	for (size_t i = 0; i < cfg->diff_ids.n; i++)
		size += sizes[i];
	if (cfg->created && timeparse_rfc3339(cfg->created, &ts, NULL) < 0)
		ts = (struct timespec){ 0 };
	progress(l, "Copying config %s", cdigest);
	progress(l, "Writing manifest to image destination");
	store_image_spec spec = {
		.id = cdigest + strlen("sha256:"),
		.top_layer = top,
		.names = names->n ? (const char *const *)names->v : NULL,
		.digests = digests,
		.digest = mdigest,
		.labels = labels,
		.bigdata = bigdata,
		.n_bigdata = 2,
		.created = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
		.size = size,
	};
	if (store_image_create(l->s, &spec, err) == 0) {
		strv_push(&l->new_images, spec.id);
	} else {
		if (cpod_error_kind(*err) != CPOD_ERR_EXISTS)
			return -1;
		cpod_error_freep(err);
		if (names->n && store_image_add_names(l->s, spec.id, spec.names, err) < 0)
			return -1;
	}
	progress(l, "Storing signatures");
	if (names->n)
		strv_pushv(l->loaded, spec.names);
	else
		strv_push(l->loaded, cdigest);
	if (l->ids)
		strv_push(l->ids, spec.id);
	return 0;
}

/* ---- docker-archive ---- */

static int strings_of(const json_cur *arr, size_t n, strv *ret, cpod_error **err)
{
	for (size_t i = 0; i < n; i++) {
		json_cur c = json_cur_index(arr, i);
		const char *v;

		if (json_cur_string(&c, &v, err) < 0)
			return -1;
		strv_push(ret, v);
	}
	return 0;
}

static int apply_archive_layers(loader *l, const strv *files, const strv *diff_ids, int64_t *sizes,
				char **ret_top, cpod_error **err)
{
	_cleanup_free_ char *parent = NULL;

	progress(l, "Getting image source signatures");
	for (size_t i = 0; i < files->n; i++) {
		_cleanup_close_ int fd = -1;

		if (layer_present(l, diff_ids->v[i], diff_ids->v[i], &parent, &sizes[i]))
			continue;
		if (layout_reader_open(l->r, files->v[i], &fd, err) < 0 ||
		    apply_file(l, fd, diff_ids->v[i], files->v[i], &parent, &sizes[i], err) < 0)
			return -1;
	}
	*ret_top = TAKE_PTR(parent);
	return 0;
}

/* The names of RepoTags, normalised (localhost/ for short names). */
static int names_of(const strv *tags, strv *names, cpod_error **err)
{
	for (size_t i = 0; i < tags->n; i++) {
		char *n;

		if (image_name_for_tag(tags->v[i], &n, err) < 0)
			return cpod_err_prefix(err, "'manifest.json'");
		strv_push_take(names, n);
	}
	return 0;
}

/* Whether the entry (at index i, with these normalised names) is the one selected. */
static bool archive_selected(const loader *l, size_t i, const strv *names)
{
	const char *sel = l->o->select;
	_cleanup_free_ char *want = NULL;

	if (!sel || !*sel)
		return true;
	if (sel[0] == '@')
		return strtoull(sel + 1, NULL, 10) == i;
	if (image_name_for_tag(sel, &want, NULL) < 0)
		return false;
	return strv_contains((const char *const *)names->v, want);
}

/* Loads the manifest.json entry i; 0 without loading it when it is not selected. */
static int load_entry(loader *l, const json_cur *entry, size_t i, bool *ret_done, cpod_error **err)
{
	_cleanup_strv_ strv tags = STRV_INIT, files = STRV_INIT, names = STRV_INIT;
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_free_ char *top = NULL;
	_cleanup_free_ int64_t *sizes = NULL;
	const char *cname;
	json_cur rt, ly;
	size_t nt = 0, nl = 0;

	if (json_get_string(entry, "Config", &cname, err) < 0 ||
	    json_get_array_opt(entry, "RepoTags", &rt, &nt, err) < 0 ||
	    json_get_array(entry, "Layers", &ly, &nl, err) < 0 ||
	    strings_of(&rt, nt, &tags, err) < 0 || strings_of(&ly, nl, &files, err) < 0)
		return cpod_err_prefix(err, "'manifest.json'");
	if (names_of(&tags, &names, err) < 0)
		return -1;
	*ret_done = false;
	if (!archive_selected(l, i, &names))
		return 0;
	*ret_done = true;
	if (layout_reader_read(l->r, cname, IMAGE_CONFIG_MAX_SIZE, &config, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0)
		return cpod_err_prefix(err, "config '%s'", cname);
	if (cfg->diff_ids.n != files.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"config '%s' lists %zu layers, manifest.json %zu", cname,
				cfg->diff_ids.n, files.n);
	sizes = xcalloc(files.n + 1, sizeof(*sizes));
	if (apply_archive_layers(l, &files, &cfg->diff_ids, sizes, &top, err) < 0)
		return -1;
	if (l->o->unnamed)
		strv_clear(&names);
	return register_loaded(l, &config, cfg, top, &names, sizes, NULL, err);
}

static int load_docker_archive(loader *l, cpod_error **err)
{
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	json_cur root;
	size_t n;
	bool any = false;

	if (layout_reader_read(l->r, "manifest.json", ARCHIVE_MANIFEST_MAX_SIZE, &text, err) < 0)
		return -1;
	doc = json_parse_bytes(text.s, text.len, ARCHIVE_MANIFEST_MAX_SIZE, err);
	root = json_cur_root(doc);
	if (!doc || json_cur_array(&root, &n, err) < 0)
		return cpod_err_prefix(err, "'manifest.json'");
	if (n == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'manifest.json' lists no image");
	if (l->o->select && !*l->o->select && n > 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"the archive holds %zu images: name one (docker-archive:PATH:NAME "
				"or :@INDEX)",
				n);
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&root, i);
		bool done = false;

		if (load_entry(l, &e, i, &done, err) < 0)
			return -1;
		any |= done;
		if (done && l->o->select)
			break;
	}
	if (!any)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "no image '%s' in the archive",
				l->o->select);
	return 0;
}

/* ---- OCI layouts and dir: ---- */

/* The blob of digest: blobs/<alg>/<hex> (OCI) or <hex> (dir). */
static int blob_path(const char *digest, bool dir, char **ret, cpod_error **err)
{
	const char *hex;
	digest_alg alg;

	if (digest_parse(digest, &alg, &hex, err) < 0)
		return -1;
	*ret = dir ? xstrdup(hex) : xasprintf("blobs/%s/%s", digest_alg_name(alg), hex);
	return 0;
}

/* Reads the blob of d (at most cap bytes) and checks its digest. */
static int read_blob(loader *l, const manifest_descriptor *d, bool dir, size_t cap, buf *out,
		     cpod_error **err)
{
	_cleanup_free_ char *path = NULL, *got = NULL;
	digest_alg alg;

	if (blob_path(d->digest, dir, &path, err) < 0 ||
	    digest_parse(d->digest, &alg, NULL, err) < 0 ||
	    layout_reader_read(l->r, path, cap, out, err) < 0)
		return -1;
	got = digest_buf(alg, out->s, out->len);
	if (!str_eq(got, d->digest))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "blob '%s': digest mismatch (got %s)",
				path, got);
	return 0;
}

/* A layer blob read through its digest check: the end of the file is an error when the bytes
 * read do not have the descriptor's digest. */
typedef struct {
	int fd;
	digest_ctx *dg;
	const char *want;
	const char *path;
	bool checked;
} blob_src;

static ssize_t blob_read(void *cb, void *p, size_t len, cpod_error **err)
{
	blob_src *b = cb;
	_cleanup_free_ char *got = NULL;
	ssize_t n;

	do
		n = read(b->fd, p, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", b->path);
	if (n > 0) {
		digest_update(b->dg, p, (size_t)n);
		return n;
	}
	if (b->checked)
		return 0;
	b->checked = true;
	got = digest_final(b->dg);
	if (!str_eq(got, b->want))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "blob '%s': digest mismatch (got %s)",
				b->path, got);
	return 0;
}

/* After a failure before the end of the blob: when the blob's digest is wrong, that is the
 * error to report (a corrupt blob fails decompression first). */
static void blame_digest(blob_src *b, cpod_error **err)
{
	char chunk[65536];
	cpod_error *e = NULL;
	ssize_t n;

	while ((n = blob_read(b, chunk, sizeof(chunk), &e)) > 0)
		;
	if (n < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID) {
		cpod_error_freep(err);
		*err = e;
		return;
	}
	cpod_error_free(e);
}

/* Applies the layer blob of d on *parent in one pass: read, digest-checked, decompressed (the
 * media type says how) and extracted; a bad digest keeps nothing. */
static int apply_blob(loader *l, const manifest_descriptor *d, bool dir, const char *diff_id,
		      char **parent, int64_t *ret_size, cpod_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_(decompressor_freep) decompressor *dc = NULL;
	store_layer_result res = { 0 };
	manifest_compression c;
	digest_alg alg;
	blob_src b = { .want = d->digest };
	int r;

	if (manifest_layer_compression(d->media_type, &c, err) < 0 ||
	    blob_path(d->digest, dir, &path, err) < 0 ||
	    digest_parse(d->digest, &alg, NULL, err) < 0 ||
	    layout_reader_open(l->r, path, &fd, err) < 0)
		return cpod_err_prefix(err, "layer '%s'", d->digest);
	progress(l, "Copying blob %s", d->digest);
	b.fd = fd;
	b.path = path;
	b.dg = digest_init(alg);
	dc = decompressor_new(c, blob_read, &b);
	r = store_layer_apply(l->s, *parent, decompressor_read, dc, diff_id, &res, err);
	if (r < 0 && !b.checked)
		blame_digest(&b, err);
	digest_ctx_free(b.dg);
	if (r < 0)
		return cpod_err_prefix(err, "layer '%s'", d->digest);
	if (!res.existed)
		strv_push(&l->new_layers, res.id);
	*ret_size = res.size;
	free(*parent);
	*parent = TAKE_PTR(res.id);
	store_layer_result_clear(&res);
	return 0;
}

static int apply_blob_layers(loader *l, const image_manifest *m, const image_config *cfg, bool dir,
			     int64_t *sizes, char **ret_top, cpod_error **err)
{
	_cleanup_free_ char *parent = NULL;

	progress(l, "Getting image source signatures");
	for (size_t i = 0; i < m->n_layers; i++) {
		if (layer_present(l, cfg->diff_ids.v[i], m->layers[i].digest, &parent, &sizes[i]))
			continue;
		if (apply_blob(l, &m->layers[i], dir, cfg->diff_ids.v[i], &parent, &sizes[i], err) <
		    0)
			return -1;
	}
	*ret_top = TAKE_PTR(parent);
	return 0;
}

/* Loads the image of manifest mtext (already read and checked), named ref when not NULL. */
static int load_manifest_image(loader *l, const buf *mtext, const char *media_type, bool dir,
			       const char *ref, cpod_error **err)
{
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_manifest_ image_manifest *m = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_strv_ strv names = STRV_INIT;
	_cleanup_free_ char *top = NULL;
	_cleanup_free_ int64_t *sizes = NULL;

	if (manifest_parse(mtext->s, mtext->len, media_type, &m, err) < 0)
		return -1;
	if (manifest_is_index(m))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "a nested index is not supported");
	if (m->kind == MANIFEST_DOCKER_V2S1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"a Docker schema 1 manifest is only read from registries");
	if (read_blob(l, &m->config, dir, IMAGE_CONFIG_MAX_SIZE, &config, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0)
		return cpod_err_prefix(err, "config '%s'", m->config.digest);
	if (cfg->diff_ids.n != m->n_layers)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"config '%s' lists %zu layers, the manifest %zu", m->config.digest,
				cfg->diff_ids.n, m->n_layers);
	if (ref && !l->o->unnamed) {
		char *n;

		if (image_name_for_tag(ref, &n, err) < 0)
			return -1;
		strv_push_take(&names, n);
	}
	sizes = xcalloc(m->n_layers + 1, sizeof(*sizes));
	if (apply_blob_layers(l, m, cfg, dir, sizes, &top, err) < 0)
		return -1;
	return register_loaded(l, &config, cfg, top, &names, sizes, mtext, err);
}

static const char *ref_name(const manifest_descriptor *d)
{
	for (size_t i = 0; i < d->annotation_keys.n; i++)
		if (str_eq(d->annotation_keys.v[i], REF_NAME_KEY))
			return d->annotation_values.v[i];
	return NULL;
}

static int load_oci_image(loader *l, const manifest_descriptor *d, cpod_error **err)
{
	_cleanup_buf_ buf mtext = BUF_INIT;

	if (read_blob(l, d, false, MANIFEST_MAX_SIZE, &mtext, err) < 0 ||
	    load_manifest_image(l, &mtext, d->media_type, false, ref_name(d), err) < 0)
		return cpod_err_prefix(err, "manifest '%s'", d->digest);
	return 0;
}

/* The index entries to load: all, the only one, or the one named l->o->select. */
static int oci_selected(const loader *l, const image_manifest *idx, size_t i, cpod_error **err)
{
	const char *sel = l->o->select, *name = ref_name(&idx->manifests[i]);

	if (!sel)
		return 1;
	if (!*sel) {
		if (idx->n_manifests > 1)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"more than one image in the OCI layout: name one "
					"(oci:PATH:NAME)");
		return 1;
	}
	return name && str_eq(name, sel);
}

static int load_oci(loader *l, cpod_error **err)
{
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_manifest_ image_manifest *idx = NULL;
	bool any = false;

	if (layout_reader_read(l->r, "index.json", MANIFEST_MAX_SIZE, &text, err) < 0 ||
	    manifest_parse(text.s, text.len, MEDIA_TYPE_OCI_INDEX, &idx, err) < 0)
		return cpod_err_prefix(err, "'index.json'");
	if (!manifest_is_index(idx) || idx->n_manifests == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'index.json' lists no image");
	for (size_t i = 0; i < idx->n_manifests; i++) {
		int sel = oci_selected(l, idx, i, err);

		if (sel < 0)
			return -1;
		if (!sel)
			continue;
		if (load_oci_image(l, &idx->manifests[i], err) < 0)
			return -1;
		any = true;
		if (l->o->select)
			break;
	}
	if (!any)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "no image named '%s' in the OCI layout",
				l->o->select);
	return 0;
}

static int load_dir(loader *l, cpod_error **err)
{
	_cleanup_buf_ buf version = BUF_INIT, mtext = BUF_INIT;

	if (layout_reader_read(l->r, "version", 256, &version, err) < 0)
		return -1;
	if (!str_eq(version.s, DIR_VERSION) && !str_eq(version.s, "Directory Transport Version: "
								  "1.0\n"))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "unknown dir: version '%.*s'",
				(int)strcspn(version.s, "\n"), version.s);
	if (layout_reader_read(l->r, "manifest.json", MANIFEST_MAX_SIZE, &mtext, err) < 0 ||
	    load_manifest_image(l, &mtext, NULL, true, NULL, err) < 0)
		return cpod_err_prefix(err, "'manifest.json'");
	return 0;
}

/* ---- the load ---- */

int image_load_layout(store *s, layout_reader *r, const image_load_opts *o, strv *loaded, strv *ids,
		      cpod_error **err)
{
	loader l = { .s = s, .r = r, .o = o, .ids = ids };
	strv out = STRV_INIT;
	int ret;

	l.loaded = &out;
	strv_init(&l.new_layers);
	strv_init(&l.new_images);
	if (layout_reader_has(r, "version") && layout_reader_has(r, "manifest.json"))
		ret = load_dir(&l, err);
	else if (layout_reader_has(r, "manifest.json") || !layout_reader_has(r, "oci-layout"))
		ret = load_docker_archive(&l, err);
	else
		ret = load_oci(&l, err);
	if (ret < 0) {
		/* Leave the store as it was: the images, then the layers this load made. */
		for (size_t i = l.new_images.n; i > 0; i--)
			store_image_delete(s, l.new_images.v[i - 1], false, NULL);
		for (size_t i = l.new_layers.n; i > 0; i--)
			store_layer_delete(s, l.new_layers.v[i - 1], NULL);
	} else {
		strv_pushv(loaded, (const char *const *)out.v);
	}
	strv_clear(&l.new_layers);
	strv_clear(&l.new_images);
	strv_clear(&out);
	return ret;
}
