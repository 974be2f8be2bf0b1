/* docker-archive save and load (see saveload.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/json.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "image/saveload.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/manifest.h"
#include "common/banned.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define SYMLINK_DEPTH 16

static void archivep_free(struct archive **a)
{
	if (*a)
		archive_free(*a);
}
#define _cleanup_archive_ _cleanup_(archivep_free)

static void entryp_free(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

static int archive_fail(struct archive *a, cpod_error **err, const char *what)
{
	const char *msg = archive_error_string(a);

	return cpod_err(err, CPOD_ERR_INVALID, archive_errno(a) > 0 ? archive_errno(a) : 0,
			"%s: %s", what, msg ? msg : "archive error");
}

/* ---- save ---- */

static json_object *descriptor(const char *media_type, const char *digest, int64_t size);

typedef struct {
	struct archive *a;
	strv written;	       /* entry names already in the archive */
	json_object *manifest; /* manifest.json's array */
	json_object *repos;    /* repositories */
	const char *tmpdir;
	bool oci;	    /* an OCI layout, not docker-archive */
	json_object *index; /* index.json's "manifests" (oci) */
} saver;

/* The archive name of a blob: docker-archive's <hex><ext>, or blobs/sha256/<hex>. */
static char *blob_name(const saver *sv, const char *digest, const char *ext)
{
	const char *hex = digest + strlen("sha256:");

	return sv->oci ? xasprintf("blobs/sha256/%s", hex) : xasprintf("%s%s", hex, ext);
}

static int write_entry_fd(saver *sv, const char *name, int fd, int64_t size, cpod_error **err)
{
	_cleanup_(entryp_free) struct archive_entry *e = archive_entry_new();
	char chunk[65536];
	ssize_t n;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK)
		return archive_fail(sv->a, err, name);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", name);
		if (archive_write_data(sv->a, chunk, (size_t)n) != n)
			return archive_fail(sv->a, err, name);
	}
	strv_push(&sv->written, name);
	return 0;
}

static int write_entry_mem(saver *sv, const char *name, const void *data, size_t len,
			   cpod_error **err)
{
	_cleanup_(entryp_free) struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK ||
	    archive_write_data(sv->a, data, len) != (la_ssize_t)len)
		return archive_fail(sv->a, err, name);
	strv_push(&sv->written, name);
	return 0;
}

/* The layer ids from the bottom to top. */
static int layer_chain(store *s, const char *top, strv *ret, cpod_error **err)
{
	_cleanup_strv_ strv rev = { 0 };
	_cleanup_free_ char *id = top ? xstrdup(top) : NULL;

	strv_init(&rev);
	while (id) {
		_cleanup_(meta_layer_freep) meta_layer *l = NULL;

		if (rev.n > 1000)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "layer chain of '%s' too long",
					top);
		if (store_layer_get(s, id, &l, err) < 0)
			return -1;
		strv_push(&rev, id);
		free(id);
		id = l->parent ? xstrdup(l->parent) : NULL;
	}
	for (size_t i = rev.n; i > 0; i--)
		strv_push(ret, rev.v[i - 1]);
	return 0;
}

/* Writes one layer's diff to the archive as <hex>.tar; *ret_diff_id: its digest. */
static int save_layer(store *s, saver *sv, const char *layer_id, char **ret_diff_id,
		      int64_t *ret_size, cpod_error **err)
{
	_cleanup_close_ int fd = open(sv->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	_cleanup_free_ char *diff_id = NULL, *name = NULL;
	uint64_t size = 0;

	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a file in '%s'", sv->tmpdir);
	if (store_layer_diff(s, layer_id, fd, err) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	diff_id = digest_fd(DIGEST_SHA256, fd, &size, err);
	if (!diff_id)
		return -1;
	name = blob_name(sv, diff_id, ".tar");
	if (!strv_contains((const char *const *)sv->written.v, name)) {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "rewinding layer '%s'",
					layer_id);
		if (write_entry_fd(sv, name, fd, (int64_t)size, err) < 0)
			return -1;
	}
	*ret_diff_id = TAKE_PTR(diff_id);
	*ret_size = (int64_t)size;
	return 0;
}

/* Sets the config's rootfs.diff_ids to diff_ids; returns the new config text. */
static char *config_with_diff_ids(const buf *config, const strv *diff_ids, cpod_error **err)
{
	_cleanup_json_ json_object *doc =
		json_parse_bytes(config->s, config->len, IMAGE_CONFIG_MAX_SIZE, err);
	json_object *rootfs, *arr;

	if (!doc)
		return NULL;
	if (!json_object_object_get_ex(doc, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object)) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "image config has no rootfs");
		return NULL;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < diff_ids->n; i++)
		json_object_array_add(arr, json_object_new_string(diff_ids->v[i]));
	json_object_object_add(rootfs, "diff_ids", arr);
	return xstrdup(json_object_to_json_string_ext(doc, JSON_FLAGS));
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

static int save_oci_manifest(saver *sv, const char *config_digest, size_t config_len,
			     const strv *diff_ids, const int64_t *sizes, const char *tag,
			     cpod_error **err)
{
	_cleanup_free_ manifest_descriptor *ld = xcalloc(diff_ids->n + 1, sizeof(*ld));
	_cleanup_free_ char *text = NULL, *digest = NULL, *name = NULL;
	manifest_descriptor cd = {
		.media_type = (char *)MEDIA_TYPE_OCI_CONFIG,
		.digest = (char *)config_digest,
		.size = (int64_t)config_len,
	};
	json_object *d;

	for (size_t i = 0; i < diff_ids->n; i++) {
		ld[i].media_type = (char *)MEDIA_TYPE_OCI_LAYER;
		ld[i].digest = diff_ids->v[i];
		ld[i].size = sizes[i];
	}
	text = manifest_build_oci(&cd, ld, diff_ids->n);
	digest = digest_buf(DIGEST_SHA256, text, strlen(text));
	name = blob_name(sv, digest, "");
	if (!strv_contains((const char *const *)sv->written.v, name) &&
	    write_entry_mem(sv, name, text, strlen(text), err) < 0)
		return -1;
	d = descriptor(MEDIA_TYPE_OCI_MANIFEST, digest, (int64_t)strlen(text));
	if (tag) {
		json_object *ann = json_object_new_object();

		json_object_object_add(ann, "org.opencontainers.image.ref.name",
				       json_object_new_string(tag));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(sv->index, d);
	return 0;
}

static int save_image(store *s, saver *sv, const char *name, const char *const *tags,
		      cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_strv_ strv chain = { 0 }, diff_ids = { 0 };
	_cleanup_free_ char *text = NULL, *cdigest = NULL, *cname = NULL;
	_cleanup_free_ int64_t *sizes = NULL;
	_cleanup_json_ json_object *layers = NULL;
	json_object *entry, *rtags;
	bool changed = false;

	strv_init(&chain);
	strv_init(&diff_ids);
	if (image_lookup(s, name, &img, err) < 0 ||
	    store_image_bigdata(s, img->id, "config", &config, IMAGE_CONFIG_MAX_SIZE, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0 ||
	    layer_chain(s, img->top_layer, &chain, err) < 0)
		return cpod_err_prefix(err, "saving '%s'", name);
	if (chain.n != cfg->diff_ids.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"saving '%s': the config lists %zu layers, the image has %zu", name,
				cfg->diff_ids.n, chain.n);
	sizes = xcalloc(chain.n + 1, sizeof(*sizes));
	layers = json_object_new_array();
	entry = json_object_new_object();
	json_object_array_add(sv->manifest, entry);
	for (size_t i = 0; i < chain.n; i++) {
		_cleanup_free_ char *d = NULL, *f = NULL;

		if (save_layer(s, sv, chain.v[i], &d, &sizes[i], err) < 0)
			return cpod_err_prefix(err, "saving '%s'", name);
		changed |= !str_eq(d, cfg->diff_ids.v[i]);
		f = blob_name(sv, d, ".tar");
		json_object_array_add(layers, json_object_new_string(f));
		strv_push_take(&diff_ids, TAKE_PTR(d));
	}
	text = changed ? config_with_diff_ids(&config, &diff_ids, err)
		       : xstrndup(config.s, config.len);
	if (!text)
		return cpod_err_prefix(err, "saving '%s'", name);
	cdigest = digest_buf(DIGEST_SHA256, text, strlen(text));
	cname = blob_name(sv, cdigest, ".json");
	if (!strv_contains((const char *const *)sv->written.v, cname) &&
	    write_entry_mem(sv, cname, text, strlen(text), err) < 0)
		return -1;
	if (sv->oci)
		return save_oci_manifest(sv, cdigest, strlen(text), &diff_ids, sizes,
					 tags ? tags[0] : NULL, err);
	rtags = json_object_new_array();
	for (const char *const *t = tags; t && *t; t++)
		add_repo_tag(sv, rtags, *t,
			     diff_ids.n ? diff_ids.v[diff_ids.n - 1] + strlen("sha256:") : NULL);
	json_object_object_add(entry, "Config", json_object_new_string(cname));
	json_object_object_add(entry, "RepoTags", rtags);
	json_object_object_add(entry, "Layers", json_object_get(layers));
	return 0;
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

static int save_all(store *s, saver *sv, const image_save_opts *o, cpod_error **err)
{
	_cleanup_strv_ strv tags = { 0 };

	strv_init(&tags);
	if (!o->multi) {
		for (const char *const *n = o->images; *n; n++) {
			char *t = tag_for(s, *n);

			if (t)
				strv_push_take(&tags, t);
		}
		return save_image(s, sv, o->images[0], (const char *const *)tags.v, err);
	}
	for (const char *const *n = o->images; *n; n++) {
		_cleanup_free_ char *t = tag_for(s, *n);
		const char *const one[] = { t, NULL };

		if (save_image(s, sv, *n, one, err) < 0)
			return -1;
	}
	return 0;
}

/* Writes the archive's index files. */
static int finish(saver *sv, cpod_error **err)
{
	_cleanup_json_ json_object *idx = NULL;
	const char *text, *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";

	if (sv->oci) {
		idx = json_object_new_object();
		json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
		json_object_object_add(idx, "manifests", json_object_get(sv->index));
		text = json_object_to_json_string_ext(idx, JSON_FLAGS);
		return write_entry_mem(sv, "oci-layout", layout, strlen(layout), err) < 0 ||
				       write_entry_mem(sv, "index.json", text, strlen(text), err) <
					       0
			       ? -1
			       : 0;
	}
	text = json_object_to_json_string_ext(sv->manifest, JSON_FLAGS);
	if (write_entry_mem(sv, "manifest.json", text, strlen(text), err) < 0)
		return -1;
	text = json_object_to_json_string_ext(sv->repos, JSON_FLAGS);
	return write_entry_mem(sv, "repositories", text, strlen(text), err);
}

int image_save_docker(store *s, const image_save_opts *o, cpod_error **err)
{
	_cleanup_archive_ struct archive *a = archive_write_new();
	_cleanup_json_ json_object *manifest = json_object_new_array();
	_cleanup_json_ json_object *repos = json_object_new_object();
	_cleanup_json_ json_object *index = json_object_new_array();
	saver sv = { .a = a,
		     .manifest = manifest,
		     .repos = repos,
		     .tmpdir = o->tmpdir,
		     .oci = o->oci,
		     .index = index };
	int r = -1;

	strv_init(&sv.written);
	if (!o->images || !o->images[0]) {
		cpod_err(err, CPOD_ERR_INVALID, 0, "no image to save");
		goto out;
	}
	if (o->oci && (o->multi || o->images[1])) {
		cpod_err(err, CPOD_ERR_INVALID, 0,
			 "an oci-archive holds one image: save the others separately");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, o->fd) != ARCHIVE_OK) {
		archive_fail(a, err, "writing the archive");
		goto out;
	}
	if (save_all(s, &sv, o, err) < 0)
		goto out;
	if (finish(&sv, err) < 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(a, err, "writing the archive");
		goto out;
	}
	r = 0;
out:
	strv_clear(&sv.written);
	return r;
}

/* ---- load ---- */

/* The archive's entries: names (normalised) with, for files, the extracted file's path, for
 * symlinks and hard links "=" and the normalised name they point at. */
typedef struct {
	char *dir;
	strv names;
	strv targets;
} extracted;

static void extracted_clear(extracted *x)
{
	for (size_t i = 0; i < x->targets.n; i++)
		if (x->targets.v[i][0] != '=')
			unlink(x->targets.v[i]);
	if (x->dir)
		rmdir(x->dir);
	free(x->dir);
	strv_clear(&x->names);
	strv_clear(&x->targets);
}

/* name relative to base (a directory in the archive, "" for the top) without "." and empty
 * components; NULL for an absolute name or one that climbs above the top. */
static char *normalize(const char *base, const char *name)
{
	_cleanup_strv_free_ char **parts = NULL;
	_cleanup_strv_ strv out = { 0 };
	_cleanup_free_ char *full = NULL;

	if (name[0] == '/')
		return NULL;
	strv_init(&out);
	full = *base ? xasprintf("%s/%s", base, name) : xstrdup(name);
	parts = strv_split(full, "/", 1);
	for (char **p = parts; *p; p++) {
		if (str_eq(*p, "."))
			continue;
		if (str_eq(*p, "..")) {
			if (!*base || !out.n)
				return NULL;
			free(out.v[out.n - 1]);
			out.v[--out.n] = NULL;
			continue;
		}
		strv_push(&out, *p);
	}
	return strv_join((const char *const *)out.v, "/");
}

static const char *lookup(const extracted *x, const char *name, cpod_error **err);

static bool has_dotdot(const char *name)
{
	_cleanup_strv_free_ char **parts = strv_split(name, "/", 1);

	return strv_contains((const char *const *)parts, "..");
}

static int add_symlink(extracted *x, const char *raw, const char *name, const char *link,
		       cpod_error **err)
{
	_cleanup_free_ char *dir = xstrdup(name), *t = NULL;

	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	t = link ? normalize(dir, link) : NULL;
	if (!t)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"archive entry '%s': unsafe link target '%s'", raw,
				link ? link : "");
	strv_push(&x->names, name);
	strv_push_take(&x->targets, xasprintf("=%s", t));
	return 0;
}

static int extract_entry(struct archive *a, struct archive_entry *e, extracted *x, cpod_error **err)
{
	const char *raw = archive_entry_pathname(e), *link;
	_cleanup_free_ char *name = NULL, *path = NULL;
	_cleanup_close_ int fd = -1;

	if (!raw || raw[0] == '/' || has_dotdot(raw))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "archive entry '%s': unsafe name",
				raw ? raw : "");
	name = normalize("", raw);
	if (!name)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "archive entry '%s': unsafe name", raw);
	link = archive_entry_hardlink(e);
	if (link) {
		/* A hard link names an earlier entry: share its file. */
		const char *target;

		if (link[0] == '/' || has_dotdot(link))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"archive entry '%s': unsafe link target '%s'", raw, link);
		target = lookup(x, link, err);
		if (!target)
			return cpod_err_prefix(err, "archive entry '%s'", raw);
		strv_push(&x->names, name);
		strv_push(&x->targets, target);
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return 0;
	case AE_IFLNK:
		return add_symlink(x, raw, name, archive_entry_symlink(e), err);
	case AE_IFREG:
		break;
	default:
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"archive entry '%s': not a file, directory or symlink", raw);
	}
	path = xasprintf("%s/%zu", x->dir, x->targets.n);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", path);
	strv_push(&x->names, name);
	strv_push(&x->targets, path);
	if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
		return archive_fail(a, err, raw);
	return 0;
}

static int extract(int fd, extracted *x, cpod_error **err)
{
	_cleanup_archive_ struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		return archive_fail(a, err, "reading the archive");
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		if (extract_entry(a, e, x, err) < 0)
			return -1;
	if (r != ARCHIVE_EOF)
		return archive_fail(a, err, "reading the archive");
	return 0;
}

/* The extracted file holding name (following links), or NULL with *err. */
static const char *lookup(const extracted *x, const char *name, cpod_error **err)
{
	_cleanup_free_ char *cur = normalize("", name);

	for (int depth = 0; cur && depth < SYMLINK_DEPTH; depth++) {
		size_t i = x->names.n;

		while (i > 0 && !str_eq(x->names.v[i - 1], cur))
			i--;
		if (i == 0)
			break;
		if (x->targets.v[i - 1][0] != '=')
			return x->targets.v[i - 1];
		free(cur);
		cur = xstrdup(x->targets.v[i - 1] + 1);
	}
	cpod_err(err, CPOD_ERR_INVALID, 0, "file '%s' is missing from the archive", name);
	return NULL;
}

static int read_capped(const extracted *x, const char *name, size_t cap, buf *out, cpod_error **err)
{
	const char *path = lookup(x, name, err);
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", name);
	if ((uint64_t)st.st_size > cap)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s' is larger than %zu bytes", name,
				cap);
	buf_reset(out);
	if (buf_grow(out, (size_t)st.st_size + 1) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s' is too large", name);
	n = read(fd, out->s, (size_t)st.st_size);
	if (n != st.st_size)
		return cpod_err(err, CPOD_ERR_SYSTEM, n < 0 ? errno : 0, "reading '%s'", name);
	out->len = (size_t)n;
	out->s[n] = '\0';
	return 0;
}

static char *labels_text(const image_config *cfg)
{
	_cleanup_json_ json_object *o = NULL;

	if (!cfg->label_keys.n)
		return NULL;
	o = json_object_new_object();
	for (size_t i = 0; i < cfg->label_keys.n; i++)
		json_object_object_add(o, cfg->label_keys.v[i],
				       json_object_new_string(cfg->label_values.v[i]));
	return xstrdup(json_object_to_json_string_ext(o, JSON_FLAGS));
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
		json_object_array_add(layers, descriptor("application/"
							 "vnd.docker.image.rootfs.diff.tar",
							 diff_ids->v[i], sizes[i]));
	json_object_object_add(m, "layers", layers);
	return xstrdup(json_object_to_json_string_ext(m, JSON_FLAGS));
}

typedef struct {
	store *s;
	extracted *x;
	strv new_layers; /* made by this load, to remove on failure */
	strv new_images;
	strv *loaded;
} loader;

static int apply_layers(loader *l, const strv *files, const strv *diff_ids, int64_t *sizes,
			char **ret_top, cpod_error **err)
{
	_cleanup_free_ char *parent = NULL;

	for (size_t i = 0; i < files->n; i++) {
		const char *path = lookup(l->x, files->v[i], err);
		_cleanup_close_ int fd = -1;
		store_layer_result res = { 0 };

		if (!path)
			return -1;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", files->v[i]);
		if (store_layer_apply_fd(l->s, parent, fd, diff_ids->v[i], &res, err) < 0)
			return cpod_err_prefix(err, "layer '%s'", files->v[i]);
		if (!res.existed)
			strv_push(&l->new_layers, res.id);
		sizes[i] = res.size;
		free(parent);
		parent = TAKE_PTR(res.id);
		store_layer_result_clear(&res);
	}
	*ret_top = TAKE_PTR(parent);
	return 0;
}

/* manifest: the image's manifest as found in the archive, or NULL to make one. */
static int register_loaded(loader *l, const buf *config, const image_config *cfg, const char *top,
			   const strv *names, const int64_t *sizes, const buf *manifest_in,
			   cpod_error **err)
{
	_cleanup_free_ char *cdigest = digest_buf(DIGEST_SHA256, config->s, config->len);
	_cleanup_free_ char *manifest =
		manifest_in ? xstrndup(manifest_in->s, manifest_in->len)
			    : docker_manifest(cdigest, config->len, &cfg->diff_ids, sizes);
	_cleanup_free_ char *mdigest = digest_buf(DIGEST_SHA256, manifest, strlen(manifest));
	_cleanup_free_ char *labels = labels_text(cfg);
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
	if (names->n)
		strv_pushv(l->loaded, spec.names);
	else
		strv_push(l->loaded, cdigest);
	return 0;
}

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

static int load_entry(loader *l, const json_cur *entry, cpod_error **err)
{
	_cleanup_strv_ strv tags = { 0 }, files = { 0 }, names = { 0 };
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_free_ char *top = NULL;
	_cleanup_free_ int64_t *sizes = NULL;
	const char *cname;
	json_cur rt, ly;
	size_t nt = 0, nl = 0;

	strv_init(&tags);
	strv_init(&files);
	strv_init(&names);
	if (json_get_string(entry, "Config", &cname, err) < 0 ||
	    json_get_array_opt(entry, "RepoTags", &rt, &nt, err) < 0 ||
	    json_get_array(entry, "Layers", &ly, &nl, err) < 0 ||
	    strings_of(&rt, nt, &tags, err) < 0 || strings_of(&ly, nl, &files, err) < 0)
		return cpod_err_prefix(err, "'manifest.json'");
	if (read_capped(l->x, cname, IMAGE_CONFIG_MAX_SIZE, &config, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0)
		return cpod_err_prefix(err, "config '%s'", cname);
	if (cfg->diff_ids.n != files.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"config '%s' lists %zu layers, manifest.json %zu", cname,
				cfg->diff_ids.n, files.n);
	for (size_t i = 0; i < tags.n; i++) {
		char *n;

		if (image_name_for_tag(tags.v[i], &n, err) < 0)
			return cpod_err_prefix(err, "'manifest.json'");
		strv_push_take(&names, n);
	}
	sizes = xcalloc(files.n + 1, sizeof(*sizes));
	if (apply_layers(l, &files, &cfg->diff_ids, sizes, &top, err) < 0)
		return -1;
	return register_loaded(l, &config, cfg, top, &names, sizes, NULL, err);
}

static int load_manifest(loader *l, cpod_error **err)
{
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	json_cur root;
	size_t n;

	if (read_capped(l->x, "manifest.json", ARCHIVE_MANIFEST_MAX_SIZE, &text, err) < 0)
		return -1;
	doc = json_parse_bytes(text.s, text.len, ARCHIVE_MANIFEST_MAX_SIZE, err);
	root = json_cur_root(doc);
	if (!doc || json_cur_array(&root, &n, err) < 0)
		return cpod_err_prefix(err, "'manifest.json'");
	if (n == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'manifest.json' lists no image");
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&root, i);

		if (load_entry(l, &e, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- oci-archive ---- */

/* Reads the blob of d (at most cap bytes) and checks its digest. */
static int read_blob(loader *l, const manifest_descriptor *d, size_t cap, buf *out,
		     cpod_error **err)
{
	_cleanup_free_ char *path = NULL, *got = NULL;
	const char *hex;
	digest_alg alg;

	if (digest_parse(d->digest, &alg, &hex, err) < 0)
		return -1;
	path = xasprintf("blobs/%s/%s", digest_alg_name(alg), hex);
	if (read_capped(l->x, path, cap, out, err) < 0)
		return -1;
	got = digest_buf(alg, out->s, out->len);
	if (!str_eq(got, d->digest))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "blob '%s': digest mismatch (got %s)",
				path, got);
	return 0;
}

/* Opens the layer blob of d after checking its digest; *ret_fd at its start. */
static int open_layer_blob(loader *l, const manifest_descriptor *d, int *ret_fd, cpod_error **err)
{
	_cleanup_free_ char *path = NULL, *got = NULL;
	_cleanup_close_ int fd = -1;
	const char *hex, *file;
	digest_alg alg;

	if (digest_parse(d->digest, &alg, &hex, err) < 0)
		return -1;
	path = xasprintf("blobs/%s/%s", digest_alg_name(alg), hex);
	file = lookup(l->x, path, err);
	if (!file)
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", path);
	got = digest_fd(alg, fd, NULL, err);
	if (!got)
		return -1;
	if (!str_eq(got, d->digest))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "blob '%s': digest mismatch (got %s)",
				path, got);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "rewinding '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int apply_oci_layers(loader *l, const image_manifest *m, const image_config *cfg,
			    int64_t *sizes, char **ret_top, cpod_error **err)
{
	_cleanup_free_ char *parent = NULL;

	for (size_t i = 0; i < m->n_layers; i++) {
		_cleanup_close_ int fd = -1;
		store_layer_result res = { 0 };
		manifest_compression c;

		if (manifest_layer_compression(m->layers[i].media_type, &c, err) < 0 ||
		    open_layer_blob(l, &m->layers[i], &fd, err) < 0 ||
		    store_layer_apply_fd(l->s, parent, fd, cfg->diff_ids.v[i], &res, err) < 0)
			return cpod_err_prefix(err, "layer '%s'", m->layers[i].digest);
		if (!res.existed)
			strv_push(&l->new_layers, res.id);
		sizes[i] = res.size;
		free(parent);
		parent = TAKE_PTR(res.id);
		store_layer_result_clear(&res);
	}
	*ret_top = TAKE_PTR(parent);
	return 0;
}

static const char *ref_name(const manifest_descriptor *d)
{
	for (size_t i = 0; i < d->annotation_keys.n; i++)
		if (str_eq(d->annotation_keys.v[i], "org.opencontainers.image.ref.name"))
			return d->annotation_values.v[i];
	return NULL;
}

static int load_oci_image(loader *l, const manifest_descriptor *d, cpod_error **err)
{
	_cleanup_buf_ buf mtext = BUF_INIT, config = BUF_INIT;
	_cleanup_manifest_ image_manifest *m = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_strv_ strv names = { 0 };
	_cleanup_free_ char *top = NULL;
	_cleanup_free_ int64_t *sizes = NULL;
	const char *ref = ref_name(d);

	strv_init(&names);
	if (read_blob(l, d, MANIFEST_MAX_SIZE, &mtext, err) < 0 ||
	    manifest_parse(mtext.s, mtext.len, d->media_type, &m, err) < 0)
		return cpod_err_prefix(err, "manifest '%s'", d->digest);
	if (manifest_is_index(m))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"manifest '%s': a nested index is not supported", d->digest);
	if (read_blob(l, &m->config, IMAGE_CONFIG_MAX_SIZE, &config, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0)
		return cpod_err_prefix(err, "config '%s'", m->config.digest);
	if (cfg->diff_ids.n != m->n_layers)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"config '%s' lists %zu layers, manifest '%s' %zu", m->config.digest,
				cfg->diff_ids.n, d->digest, m->n_layers);
	if (ref) {
		char *n;

		if (image_name_for_tag(ref, &n, err) < 0)
			return cpod_err_prefix(err, "'index.json'");
		strv_push_take(&names, n);
	}
	sizes = xcalloc(m->n_layers + 1, sizeof(*sizes));
	if (apply_oci_layers(l, m, cfg, sizes, &top, err) < 0)
		return -1;
	return register_loaded(l, &config, cfg, top, &names, sizes, &mtext, err);
}

static int load_oci(loader *l, cpod_error **err)
{
	_cleanup_buf_ buf text = BUF_INIT;
	_cleanup_manifest_ image_manifest *idx = NULL;

	if (read_capped(l->x, "index.json", MANIFEST_MAX_SIZE, &text, err) < 0 ||
	    manifest_parse(text.s, text.len, MEDIA_TYPE_OCI_INDEX, &idx, err) < 0)
		return cpod_err_prefix(err, "'index.json'");
	if (!manifest_is_index(idx) || idx->n_manifests == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'index.json' lists no image");
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (load_oci_image(l, &idx->manifests[i], err) < 0)
			return -1;
	return 0;
}

int image_load_docker(store *s, int fd, const char *tmpdir, strv *loaded, cpod_error **err)
{
	extracted x = { 0 };
	loader l = { .s = s, .x = &x };
	strv out;
	int r;

	strv_init(&x.names);
	strv_init(&x.targets);
	strv_init(&l.new_layers);
	strv_init(&l.new_images);
	strv_init(&out);
	l.loaded = &out;
	x.dir = xasprintf("%s/cpod-load-XXXXXX", tmpdir);
	if (!mkdtemp(x.dir)) {
		r = cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a directory in '%s'", tmpdir);
		free(TAKE_PTR(x.dir));
	} else {
		r = extract(fd, &x, err) < 0 ? -1
		    : lookup(&x, "manifest.json", NULL) || !lookup(&x, "oci-layout", NULL)
			    ? load_manifest(&l, err)
			    : load_oci(&l, err);
	}
	if (r < 0) {
		/* Leave the store as it was: the images, then the layers this load made. */
		for (size_t i = l.new_images.n; i > 0; i--)
			store_image_delete(s, l.new_images.v[i - 1], false, NULL);
		for (size_t i = l.new_layers.n; i > 0; i--)
			store_layer_delete(s, l.new_layers.v[i - 1], NULL);
	} else {
		strv_pushv(loaded, (const char *const *)out.v);
	}
	extracted_clear(&x);
	strv_clear(&l.new_layers);
	strv_clear(&l.new_images);
	strv_clear(&out);
	return r;
}
