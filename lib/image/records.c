/* Image records as podman prints them: `images` (ImageSummary), `image inspect` (ImageData)
 * and `history`. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "common/banned.h"

#define jadd(o, k, v) json_object_object_add((o), (k), (v))

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *jstrv(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* "repo@digest" for every name and digest, as podman's RepoDigests. */
static json_object *repo_digests(const meta_image *img)
{
	json_object *a = json_object_new_array();
	strv seen = STRV_INIT;

	for (char **n = img->names; *n; n++) {
		_cleanup_reference_ image_reference *ref = NULL;
		_cleanup_free_ char *repo = NULL;

		if (reference_parse(*n, &ref, NULL) < 0)
			continue;
		repo = reference_name(ref, false);
		for (char **d = img->digests; *d; d++) {
			char *rd = xasprintf("%s@%s", repo, *d);
			if (strv_contains((const char *const *)seen.v, rd)) {
				free(rd);
				continue;
			}
			json_object_array_add(a, json_object_new_string(rd));
			strv_push_take(&seen, rd);
		}
	}
	strv_clear(&seen);
	return a;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Go prints maps with sorted keys: a copy of the object o (consumed) with its keys sorted. */
static json_object *sorted_object(json_object *o)
{
	json_object *out;
	const char **keys;
	size_t n = 0;

	if (!o || !json_object_is_type(o, json_type_object))
		return o;
	keys = xcalloc((size_t)json_object_object_length(o) + 1, sizeof(*keys));
	json_object_object_foreach(o, k, v) {
		(void)v;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), cmp_keys);
	out = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		jadd(out, keys[i], json_object_get(json_object_object_get(o, keys[i])));
	free(keys);
	json_object_put(o);
	return out;
}

/* Sorts the map-valued members (ExposedPorts, Volumes, Labels) of an image config object. */
static json_object *sorted_config(json_object *config)
{
	static const char *const maps[] = { "ExposedPorts", "Volumes", "Labels" };

	if (!config || !json_object_is_type(config, json_type_object))
		return config;
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(config, maps[i], &v) && v)
			jadd(config, maps[i], sorted_object(json_object_get(v)));
	}
	return config;
}

static json_object *labels_object(const char *text)
{
	json_object *o;

	if (!text)
		return NULL;
	o = json_parse_bytes(text, strlen(text), 1 << 20, NULL);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return sorted_object(o);
}

static json_object *summary(const meta_image *img, int64_t containers)
{
	json_object *r = json_object_new_object();
	json_object *tags = json_object_new_array();
	struct timespec ts = { .tv_sec = img->created / 1000000000 };
	_cleanup_free_ char *created_at = timeparse_format_utc(&ts);

	for (char **n = img->names; *n; n++)
		if (!strchr(*n, '@'))
			json_object_array_add(tags, json_object_new_string(*n));
	jadd(r, "Id", jstr(img->id));
	jadd(r, "ParentId", json_object_new_string(""));
	jadd(r, "RepoTags", tags);
	jadd(r, "RepoDigests", repo_digests(img));
	jadd(r, "Created", json_object_new_int64(img->created / 1000000000));
	jadd(r, "CreatedAt", jstr(created_at));
	jadd(r, "Size", json_object_new_int64(img->size));
	jadd(r, "SharedSize", json_object_new_int64(0));
	jadd(r, "VirtualSize", json_object_new_int64(img->size));
	jadd(r, "Labels", labels_object(img->labels));
	jadd(r, "Containers", json_object_new_int64(containers));
	jadd(r, "ReadOnly", json_object_new_boolean(0));
	jadd(r, "Names", jstrv(img->names));
	jadd(r, "Digest", jstr(img->digest ? img->digest : ""));
	jadd(r, "Digests", jstrv(img->digests));
	jadd(r, "Dangling", json_object_new_boolean(img->names[0] == NULL));
	jadd(r, "History", jstrv(img->names));
	return r;
}

/* ---- filters: same key OR, different keys AND, label AND (podman's rules) ---- */

typedef struct {
	char *key;
	char *value;
	int64_t time; /* before/since/until: unix ns */
} image_filter;

static void filters_free(image_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].key);
		free(f[i].value);
	}
	free(f);
}

static int filter_time(store *s, image_filter *f, cpod_error **err)
{
	struct timespec now, t;

	if (strcmp(f->key, "until") == 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (timeparse_filter(f->value, &now, &t, err) < 0)
			return -1;
		f->time = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
		return 0;
	}
	_cleanup_(meta_image_freep) meta_image *ref = NULL;
	if (image_lookup(s, f->value, &ref, err) < 0)
		return -1;
	f->time = ref->created;
	return 0;
}

static int parse_filters(store *s, const char *const *filters, image_filter **ret, size_t *ret_n,
			 cpod_error **err)
{
	static const char *const known[] = { "reference", "before", "since", "after", "dangling",
					     "label",	  "id",	    "until", NULL };
	size_t n = strv_length((char *const *)filters);
	image_filter *f = xcalloc(n + 1, sizeof(*f));

	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(filters[i], '=');
		if (!eq || eq == filters[i]) {
			filters_free(f, n);
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid image filter %s",
					filters[i]);
		}
		f[i].key = xstrndup(filters[i], (size_t)(eq - filters[i]));
		f[i].value = xstrdup(eq + 1);
		if (strcmp(f[i].key, "after") == 0) {
			free(f[i].key);
			f[i].key = xstrdup("since");
		}
		if (!strv_contains(known, f[i].key) ||
		    (strcmp(f[i].key, "dangling") == 0 && strcmp(f[i].value, "true") != 0 &&
		     strcmp(f[i].value, "false") != 0)) {
			filters_free(f, n);
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid image filter %s",
					filters[i]);
		}
		if ((strcmp(f[i].key, "before") == 0 || strcmp(f[i].key, "since") == 0 ||
		     strcmp(f[i].key, "until") == 0) &&
		    filter_time(s, &f[i], err) < 0) {
			filters_free(f, n);
			return cpod_err_prefix(err, "filter %s", filters[i]);
		}
	}
	*ret = f;
	*ret_n = n;
	return 0;
}

static bool reference_matches(const meta_image *img, const char *pattern)
{
	bool with_tag = strchr(pattern, ':') && strrchr(pattern, ':') > strrchr(pattern, '/');

	for (char **n = img->names; *n; n++) {
		_cleanup_reference_ image_reference *ref = NULL;
		_cleanup_free_ char *full = NULL, *fam = NULL, *name = NULL, *fname = NULL;

		if (reference_parse(*n, &ref, NULL) < 0)
			continue;
		full = reference_string(ref, false);
		fam = reference_string(ref, true);
		name = reference_name(ref, false);
		fname = reference_name(ref, true);
		const char *cands[] = { full, fam, with_tag ? NULL : name,
					with_tag ? NULL : fname };
		for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
			if (cands[i] && fnmatch(pattern, cands[i], 0) == 0)
				return true;
		/* "busybox" matches ".../busybox" by its last path components. */
		size_t lp = strlen(pattern), ln = strlen(with_tag ? fam : fname);
		const char *c = with_tag ? fam : fname;
		if (ln > lp && c[ln - lp - 1] == '/' && fnmatch(pattern, c + ln - lp, 0) == 0)
			return true;
	}
	return false;
}

static bool label_matches(const meta_image *img, const char *want)
{
	_cleanup_json_ json_object *labels = labels_object(img->labels);
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	json_object *v;

	if (!labels || !json_object_object_get_ex(labels, key, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static bool one_matches(const meta_image *img, const image_filter *f)
{
	if (strcmp(f->key, "reference") == 0)
		return reference_matches(img, f->value);
	if (strcmp(f->key, "before") == 0)
		return img->created < f->time;
	if (strcmp(f->key, "since") == 0)
		return img->created > f->time;
	if (strcmp(f->key, "until") == 0)
		return img->created < f->time;
	if (strcmp(f->key, "dangling") == 0)
		return (img->names[0] == NULL) == (strcmp(f->value, "true") == 0);
	if (strcmp(f->key, "label") == 0)
		return label_matches(img, f->value);
	if (strcmp(f->key, "id") == 0)
		return str_has_prefix(img->id, f->value);
	return false;
}

static bool matches(const meta_image *img, const image_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool any = false;

		if (strcmp(f[i].key, "label") == 0) {
			if (!one_matches(img, &f[i]))
				return false;
			continue;
		}
		/* OR across the filters with this key; evaluate each key once. */
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (strcmp(f[j].key, f[i].key) == 0)
				first = false;
		if (!first)
			continue;
		for (size_t j = i; j < n; j++)
			if (strcmp(f[j].key, f[i].key) == 0 && one_matches(img, &f[j]))
				any = true;
		if (!any)
			return false;
	}
	return true;
}

json_object *image_list(store *s, bool all, const char *const *filters, cpod_error **err)
{
	meta_image **imgs = NULL;
	image_filter *f = NULL;
	size_t nf = 0, ci = 0;
	_cleanup_strv_ strv cids = STRV_INIT;
	_cleanup_free_ int64_t *counts = NULL;
	json_object *out;
	int n;

	(void)all; /* no parent chains yet: nothing is intermediate */
	if (parse_filters(s, filters, &f, &nf, err) < 0)
		return NULL;
	if (meta_image_container_counts(store_meta(s), &cids, &counts, err) < 0 ||
	    (n = store_image_list(s, &imgs, err)) < 0) {
		filters_free(f, nf);
		return NULL;
	}
	out = json_object_new_array();
	for (int i = 0; i < n; i++) {
		int64_t used = 0;

		/* Both lists are sorted by id: one merge pass. */
		while (ci < cids.n && strcmp(cids.v[ci], imgs[i]->id) < 0)
			ci++;
		if (ci < cids.n && strcmp(cids.v[ci], imgs[i]->id) == 0)
			used = counts[ci];
		if (matches(imgs[i], f, nf))
			json_object_array_add(out, summary(imgs[i], used));
	}
	meta_imagev_free(imgs);
	filters_free(f, nf);
	return out;
}

/* ---- inspect and history ---- */

static int read_config(store *s, const meta_image *img, json_object **ret_raw,
		       image_config **ret_cfg, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	if (store_image_bigdata(s, img->id, "config", &b, IMAGE_CONFIG_MAX_SIZE, err) < 0 ||
	    image_config_parse(b.s, b.len, ret_cfg, err) < 0)
		return cpod_err_prefix(err, "image %s: reading its config", img->id);
	*ret_raw = json_parse_bytes(b.s, b.len, IMAGE_CONFIG_MAX_SIZE, err);
	if (!*ret_raw) {
		image_config_free(TAKE_PTR(*ret_cfg));
		return cpod_err_prefix(err, "image %s: reading its config", img->id);
	}
	return 0;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return json_object_get(v);
}

static json_object *graph_driver(store *s, const meta_image *img)
{
	json_object *g = json_object_new_object(), *data = NULL;
	const char *driver = store_driver_name(s);

	if (img->top_layer && strcmp(driver, "overlay") == 0) {
		_cleanup_free_ char *upper =
			xasprintf("%s/overlay/%s/diff", store_graphroot(s), img->top_layer);
		_cleanup_free_ char *work =
			xasprintf("%s/overlay/%s/work", store_graphroot(s), img->top_layer);
		data = json_object_new_object();
		jadd(data, "UpperDir", jstr(upper));
		jadd(data, "WorkDir", jstr(work));
	}
	jadd(g, "Name", jstr(driver));
	jadd(g, "Data", data);
	return g;
}

static const char *last_comment(const image_config *cfg)
{
	for (size_t i = cfg->n_history; i-- > 0;)
		if (cfg->history[i].comment)
			return cfg->history[i].comment;
	return "";
}

/* The media type of the image's stored manifest (podman's ManifestType). */
static const char *manifest_type(store *s, const meta_image *img)
{
	static char type[128];
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_manifest_ image_manifest *m = NULL;

	if (store_image_bigdata(s, img->id, "manifest", &b, MANIFEST_MAX_SIZE, NULL) < 0 ||
	    manifest_parse(b.s, b.len, NULL, &m, NULL) < 0)
		return "";
	snprintf(type, sizeof(type), "%s", m->media_type);
	return type;
}

static json_object *inspect_object(store *s, const meta_image *img, json_object *raw,
				   const image_config *cfg)
{
	json_object *o = json_object_new_object(), *rootfs = json_object_new_object();
	json_object *tags = json_object_new_array();
	json_object *config = member(raw, "config");

	for (char **n = img->names; *n; n++)
		if (!strchr(*n, '@'))
			json_object_array_add(tags, json_object_new_string(*n));
	jadd(rootfs, "Type", json_object_new_string("layers"));
	jadd(rootfs, "Layers", jstrv(cfg->diff_ids.v));
	jadd(o, "Id", jstr(img->id));
	jadd(o, "Digest", jstr(img->digest ? img->digest : ""));
	jadd(o, "RepoTags", tags);
	jadd(o, "RepoDigests", repo_digests(img));
	jadd(o, "Parent", json_object_new_string(""));
	jadd(o, "Comment", jstr(last_comment(cfg)));
	jadd(o, "Created", jstr(cfg->created ? cfg->created : ""));
	jadd(o, "Config", config ? sorted_config(config) : json_object_new_object());
	jadd(o, "Version", json_object_new_string(""));
	jadd(o, "Author", jstr(cfg->author ? cfg->author : ""));
	jadd(o, "Architecture", jstr(cfg->architecture ? cfg->architecture : ""));
	jadd(o, "Os", jstr(cfg->os ? cfg->os : ""));
	if (cfg->variant)
		jadd(o, "Variant", jstr(cfg->variant));
	jadd(o, "Size", json_object_new_int64(img->size));
	jadd(o, "VirtualSize", json_object_new_int64(img->size));
	jadd(o, "GraphDriver", graph_driver(s, img));
	jadd(o, "RootFS", rootfs);
	jadd(o, "Labels", labels_object(img->labels));
	jadd(o, "Annotations", json_object_new_object());
	jadd(o, "ManifestType", jstr(manifest_type(s, img)));
	jadd(o, "User", jstr(cfg->user ? cfg->user : ""));
	jadd(o, "History", member(raw, "history"));
	jadd(o, "NamesHistory", jstrv(img->names));
	return o;
}

json_object *image_inspect(store *s, const meta_image *img, cpod_error **err)
{
	_cleanup_json_ json_object *raw = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;

	if (read_config(s, img, &raw, &cfg, err) < 0)
		return NULL;
	return inspect_object(s, img, raw, cfg);
}

/* The image's layers, base first (*ret_n of them); caller frees with meta_layerv_free(). */
static meta_layer **layer_chain(store *s, const meta_image *img, size_t *ret_n, cpod_error **err)
{
	meta_layer **v = xcalloc(1, sizeof(*v));
	size_t n = 0;

	for (const char *id = img->top_layer; id; id = v[n - 1]->parent) {
		if (n >= 4096) {
			meta_layerv_free(v);
			cpod_err(err, CPOD_ERR_INVALID, 0, "image %s: too many layers", img->id);
			return NULL;
		}
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n + 1] = NULL;
		if (store_layer_get(s, id, &v[n], err) < 0) {
			v[n] = NULL;
			meta_layerv_free(v);
			return NULL;
		}
		n++;
	}
	for (size_t i = 0; i < n / 2; i++) {
		meta_layer *t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	*ret_n = n;
	return v;
}

static json_object *history_row(const image_history *h, const char *id, int64_t size,
				char *const *tags)
{
	json_object *r = json_object_new_object();

	jadd(r, "id", jstr(id));
	jadd(r, "created", jstr(h->created ? h->created : ""));
	jadd(r, "createdBy", jstr(h->created_by ? h->created_by : ""));
	jadd(r, "size", json_object_new_int64(size));
	jadd(r, "comment", jstr(h->comment ? h->comment : ""));
	jadd(r, "tags", tags && *tags ? jstrv(tags) : NULL);
	return r;
}

json_object *image_history_records(store *s, const meta_image *img, cpod_error **err)
{
	_cleanup_json_ json_object *raw = NULL;
	_cleanup_image_config_ image_config *cfg = NULL;
	meta_layer **chain;
	size_t n = 0, layer;
	json_object *out;

	if (read_config(s, img, &raw, &cfg, err) < 0 || !(chain = layer_chain(s, img, &n, err)))
		return NULL;
	/* Entries that made a layer take the layers base first; podman lists newest first, the
	 * image's own ID on the newest row and "<missing>" on the older ones. */
	layer = 0;
	for (size_t i = 0; i < cfg->n_history; i++)
		if (!cfg->history[i].empty_layer)
			layer++;
	out = json_object_new_array();
	for (size_t i = cfg->n_history; i-- > 0;) {
		const image_history *h = &cfg->history[i];
		int64_t size = 0;

		if (!h->empty_layer && layer > 0) {
			layer--;
			if (layer < n && chain[layer]->uncompressed_size > 0)
				size = chain[layer]->uncompressed_size;
		}
		json_object_array_add(
			out, history_row(h, i + 1 == cfg->n_history ? img->id : "<missing>", size,
					 i + 1 == cfg->n_history ? img->names : NULL));
	}
	meta_layerv_free(chain);
	return out;
}
