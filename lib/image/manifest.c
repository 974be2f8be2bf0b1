#include "image/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/digest.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/manifest_schema1.h"
#include "common/banned.h"

static void descriptor_release(manifest_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	strv_clear(&d->annotation_keys);
	strv_clear(&d->annotation_values);
	free(d->platform.architecture);
	free(d->platform.os);
	free(d->platform.variant);
}

void manifest_free(image_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_release(&m->manifests[i]);
	free(m->manifests);
	strv_clear(&m->annotation_keys);
	strv_clear(&m->annotation_values);
	schema1_free(m->schema1);
	free(m);
}

bool manifest_is_index(const image_manifest *m)
{
	return m->kind == MANIFEST_OCI_INDEX || m->kind == MANIFEST_DOCKER_LIST;
}

static int get_str(const json_cur *obj, const char *key, bool required, char **ret,
		   cpod_error **err)
{
	const char *s = NULL;

	if (required ? json_get_string(obj, key, &s, err) < 0
		     : json_get_string_opt(obj, key, NULL, &s, err) < 0)
		return -1;
	*ret = s ? xstrdup(s) : NULL;
	return 0;
}

static int get_annotations(const json_cur *obj, strv *keys, strv *values, cpod_error **err)
{
	json_cur o;

	if (json_get_object_opt(obj, "annotations", &o, err) < 0)
		return -1;
	if (!o.obj)
		return 0;
	json_object_object_foreach(o.obj, k, v) {
		json_cur c = json_cur_child(&o, k, v);
		const char *s;
		if (json_cur_string(&c, &s, err) < 0)
			return -1;
		strv_push(keys, k);
		strv_push(values, s);
	}
	return 0;
}

static int get_platform(const json_cur *obj, manifest_descriptor *d, cpod_error **err)
{
	json_cur p;

	if (json_get_object_opt(obj, "platform", &p, err) < 0)
		return -1;
	if (!p.obj)
		return 0;
	d->has_platform = true;
	if (get_str(&p, "architecture", true, &d->platform.architecture, err) < 0 ||
	    get_str(&p, "os", true, &d->platform.os, err) < 0 ||
	    get_str(&p, "variant", false, &d->platform.variant, err) < 0)
		return -1;
	return 0;
}

static int parse_descriptor(const json_cur *c, bool need_type, manifest_descriptor *d,
			    cpod_error **err)
{
	json_cur f;

	strv_init(&d->annotation_keys);
	strv_init(&d->annotation_values);
	if (json_cur_object(c, err) < 0 ||
	    get_str(c, "mediaType", need_type, &d->media_type, err) < 0 ||
	    get_str(c, "digest", true, &d->digest, err) < 0 ||
	    json_get_int64(c, "size", &d->size, err) < 0 ||
	    get_annotations(c, &d->annotation_keys, &d->annotation_values, err) < 0 ||
	    get_platform(c, d, err) < 0)
		return -1;
	if (digest_validate(d->digest, NULL) < 0) {
		f = json_cur_field(c, "digest");
		return json_cur_error(&f, err, "invalid digest \"%s\"", d->digest);
	}
	if (d->size < 0) {
		f = json_cur_field(c, "size");
		return json_cur_error(&f, err, "negative size %lld", (long long)d->size);
	}
	return 0;
}

static int parse_descriptors(const json_cur *root, const char *key, bool need_type,
			     manifest_descriptor **ret, size_t *ret_n, cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array(root, key, &arr, &n, err) < 0)
		return -1;
	if (n)
		*ret = xcalloc(n, sizeof(**ret));
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		(*ret_n)++;
		if (parse_descriptor(&e, need_type, &(*ret)[i], err) < 0)
			return -1;
	}
	return 0;
}

static manifest_kind kind_of(const char *mt)
{
	if (str_eq(mt, MEDIA_TYPE_OCI_MANIFEST))
		return MANIFEST_OCI;
	if (str_eq(mt, MEDIA_TYPE_OCI_INDEX))
		return MANIFEST_OCI_INDEX;
	if (str_eq(mt, MEDIA_TYPE_DOCKER_MANIFEST))
		return MANIFEST_DOCKER_V2S2;
	if (str_eq(mt, MEDIA_TYPE_DOCKER_LIST))
		return MANIFEST_DOCKER_LIST;
	return 0;
}

/* The effective media type of the document at root (see manifest_parse()). */
static int effective_type(const json_cur *root, const char *declared, manifest_kind *ret,
			  cpod_error **err)
{
	json_cur f = json_cur_field(root, "mediaType");
	manifest_kind doc_kind = 0, decl_kind = kind_of(declared);
	const char *mt;
	bool has_manifests = json_cur_field(root, "manifests").present;
	bool has_image = json_cur_field(root, "config").present ||
			 json_cur_field(root, "layers").present;

	if (json_get_string_opt(root, "mediaType", NULL, &mt, err) < 0)
		return -1;
	if (mt) {
		doc_kind = kind_of(mt);
		if (!doc_kind)
			return json_cur_error(&f, err, "unsupported manifest media type \"%s\"",
					      mt);
		if (decl_kind && decl_kind != doc_kind)
			return json_cur_error(&f, err,
					      "media type \"%s\" does not match the declared "
					      "\"%s\"",
					      mt, declared);
	}
	*ret = doc_kind ? doc_kind : decl_kind;
	if (!*ret)
		*ret = has_manifests ? MANIFEST_OCI_INDEX : MANIFEST_OCI;
	if (has_manifests && has_image)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"ambiguous manifest: it has both \"manifests\" and \"config\" or "
				"\"layers\"");
	return 0;
}

static int parse_doc(const void *data, size_t len, const json_cur *root, const char *declared,
		     image_manifest *m, cpod_error **err)
{
	int64_t version;
	json_cur cfg;

	if (json_cur_object(root, err) < 0 ||
	    json_get_int64(root, "schemaVersion", &version, err) < 0)
		return -1;
	if (version == 1)
		return schema1_parse(data, len, root->obj, declared, m, err);
	if (version != 2) {
		json_cur f = json_cur_field(root, "schemaVersion");
		return json_cur_error(&f, err, "unsupported schema version %lld",
				      (long long)version);
	}
	if (effective_type(root, declared, &m->kind, err) < 0)
		return -1;
	m->media_type = xstrdup(m->kind == MANIFEST_OCI		  ? MEDIA_TYPE_OCI_MANIFEST
				: m->kind == MANIFEST_OCI_INDEX	  ? MEDIA_TYPE_OCI_INDEX
				: m->kind == MANIFEST_DOCKER_V2S2 ? MEDIA_TYPE_DOCKER_MANIFEST
								  : MEDIA_TYPE_DOCKER_LIST);
	if (get_annotations(root, &m->annotation_keys, &m->annotation_values, err) < 0)
		return -1;
	if (manifest_is_index(m))
		return parse_descriptors(root, "manifests", m->kind == MANIFEST_DOCKER_LIST,
					 &m->manifests, &m->n_manifests, err);
	if (json_get_object(root, "config", &cfg, err) < 0 ||
	    parse_descriptor(&cfg, true, &m->config, err) < 0)
		return -1;
	return parse_descriptors(root, "layers", true, &m->layers, &m->n_layers, err);
}

int manifest_parse(const void *data, size_t len, const char *declared_media_type,
		   image_manifest **ret, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	_cleanup_manifest_ image_manifest *m = NULL;
	json_cur root;

	doc = json_parse_bytes(data, len, MANIFEST_MAX_SIZE, err);
	if (!doc)
		return cpod_err_prefix(err, "parsing manifest");
	root = json_cur_root(doc);
	m = xcalloc(1, sizeof(*m));
	strv_init(&m->config.annotation_keys);
	strv_init(&m->config.annotation_values);
	strv_init(&m->annotation_keys);
	strv_init(&m->annotation_values);
	if (parse_doc(data, len, &root, declared_media_type, m, err) < 0)
		return cpod_err_prefix(err, "parsing manifest");
	*ret = TAKE_PTR(m);
	return 0;
}

static const struct {
	const char *media_type;
	manifest_compression c;
} layer_types[] = {
	{ MEDIA_TYPE_OCI_LAYER, COMPRESSION_NONE },
	{ MEDIA_TYPE_OCI_LAYER_GZIP, COMPRESSION_GZIP },
	{ MEDIA_TYPE_OCI_LAYER_ZSTD, COMPRESSION_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", COMPRESSION_NONE },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", COMPRESSION_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", COMPRESSION_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", COMPRESSION_NONE },
	{ MEDIA_TYPE_DOCKER_LAYER, COMPRESSION_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", COMPRESSION_GZIP },
};

int manifest_layer_compression(const char *media_type, manifest_compression *ret, cpod_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++) {
		if (str_eq(media_type, layer_types[i].media_type)) {
			*ret = layer_types[i].c;
			return 0;
		}
	}
	return cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported layer media type \"%s\"",
			media_type ? media_type : "");
}

void manifest_normalize_platform(const char *arch, const char *variant, char **ret_arch,
				 char **ret_variant)
{
	const char *a = arch ? arch : "", *v = variant && *variant ? variant : NULL;

	if (str_eq(a, "x86_64") || str_eq(a, "x86-64"))
		a = "amd64";
	else if (str_eq(a, "aarch64"))
		a = "arm64";
	else if (str_eq(a, "armhf")) {
		a = "arm";
		v = "v7";
	} else if (str_eq(a, "armel")) {
		a = "arm";
		v = "v6";
	}
	if (str_eq(a, "arm64") && !v)
		v = "v8";
	else if (str_eq(a, "arm") && !v)
		v = "v7";
	*ret_arch = xstrdup(a);
	*ret_variant = v ? xstrdup(v) : NULL;
}

/* The variants a wanted one can run, best first (NULL-terminated in a fixed array). */
static void compatible_variants(const char *arch, const char *variant, const char *out[6])
{
	static const char *const arm[] = { "v8", "v7", "v6", "v5" };
	size_t n = 0;

	if (str_eq(arch, "arm")) {
		size_t i = 0;
		while (i < ARRAY_SIZE(arm) && !str_eq(arm[i], variant))
			i++;
		if (i == ARRAY_SIZE(arm))
			out[n++] = variant;
		for (; i < ARRAY_SIZE(arm); i++)
			out[n++] = arm[i];
	} else {
		out[n++] = variant;
	}
	out[n] = NULL;
}

static bool entry_fits(const manifest_descriptor *d, const char *os, const char *arch,
		       const char *variant)
{
	_cleanup_free_ char *a = NULL, *v = NULL;

	if (!d->has_platform || !str_eq(d->platform.os, os))
		return false;
	manifest_normalize_platform(d->platform.architecture, d->platform.variant, &a, &v);
	if (!str_eq(a, arch))
		return false;
	/* no wanted variant (amd64, s390x ...): any entry */
	return !variant || str_eq(v, variant);
}

int manifest_choose_platform(const image_manifest *m, const char *os, const char *arch,
			     const char *variant, const manifest_descriptor **ret, cpod_error **err)
{
	_cleanup_free_ char *a = NULL, *v = NULL;
	const char *candidates[6];

	if (!manifest_is_index(m))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"choosing a platform: \"%s\" is not a manifest list",
				m->media_type);
	manifest_normalize_platform(arch, variant, &a, &v);
	compatible_variants(a, v, candidates);
	for (size_t c = 0; c == 0 || candidates[c]; c++) {
		for (size_t i = 0; i < m->n_manifests; i++) {
			if (entry_fits(&m->manifests[i], os, a, candidates[c])) {
				*ret = &m->manifests[i];
				return 0;
			}
		}
	}
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0,
			"no image found in %s for architecture \"%s\", variant \"%s\", OS \"%s\"",
			m->kind == MANIFEST_OCI_INDEX ? "image index" : "manifest list", arch,
			variant ? variant : "", os);
}

static json_object *descriptor_json(const manifest_descriptor *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "mediaType",
			       json_object_new_string(d->media_type ? d->media_type : ""));
	json_object_object_add(o, "digest", json_object_new_string(d->digest ? d->digest : ""));
	json_object_object_add(o, "size", json_object_new_int64(d->size));
	if (d->annotation_keys.n) {
		json_object *a = json_object_new_object();
		for (size_t i = 0; i < d->annotation_keys.n; i++)
			json_object_object_add(a, d->annotation_keys.v[i],
					       json_object_new_string(d->annotation_values.v[i]));
		json_object_object_add(o, "annotations", a);
	}
	return o;
}

char *manifest_build_oci(const manifest_descriptor *config, const manifest_descriptor *layers,
			 size_t n_layers)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();

	json_object_object_add(o, "schemaVersion", json_object_new_int(2));
	json_object_object_add(o, "mediaType", json_object_new_string(MEDIA_TYPE_OCI_MANIFEST));
	json_object_object_add(o, "config", descriptor_json(config));
	for (size_t i = 0; i < n_layers; i++)
		json_object_array_add(arr, descriptor_json(&layers[i]));
	json_object_object_add(o, "layers", arr);
	return json_to_string(o, JSON_FMT_COMPACT);
}

const char *manifest_host_arch(void)
{
	static char arch[65];
	struct utsname u;
	char *a = NULL, *v = NULL;

	if (arch[0])
		return arch;
	if (uname(&u) < 0)
		return "amd64";
	manifest_normalize_platform(u.machine, NULL, &a, &v);
	snprintf(arch, sizeof(arch), "%s", a);
	free(a);
	free(v);
	return arch;
}
