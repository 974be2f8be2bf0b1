/* Manifests: the four kinds, media type rules, platform choice, writing OCI manifests. */
#include <stdlib.h>
#include <string.h>

#include <cpod/error.h>

#include "image/manifest.h"
#include "tap.h"

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define OCI_BODY                                                                    \
	"\"config\":{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG "\",\"digest\":\"" DA  \
	"\",\"size\":7023},\"layers\":[{\"mediaType\":\"" MEDIA_TYPE_OCI_LAYER_GZIP \
	"\",\"digest\":\"" DB "\",\"size\":32654,\"annotations\":{\"k\":\"v\"}},"   \
	"{\"mediaType\":\"" MEDIA_TYPE_OCI_LAYER_ZSTD "\",\"digest\":\"" DC "\",\"size\":16724}]"

static const char oci[] = "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST
			  "\"," OCI_BODY ",\"annotations\":{\"org.opencontainers.image.ref.name\""
			  ":\"1\"}}";
static const char oci_bare[] = "{\"schemaVersion\":2," OCI_BODY "}";

static const char docker[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"config\":"
	"{\"mediaType\":\"" MEDIA_TYPE_DOCKER_CONFIG "\",\"size\":1469,\"digest\":\"" DA "\"},"
	"\"layers\":[{\"mediaType\":\"" MEDIA_TYPE_DOCKER_LAYER "\",\"size\":2814446,"
	"\"digest\":\"" DB "\"}]}";

#define ENTRY(d, arch, variant)                                                           \
	"{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"digest\":\"" d "\",\"size\":1," \
	"\"platform\":{\"architecture\":\"" arch "\",\"os\":\"linux\"" variant "}}"

static const char index_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_INDEX
	"\",\"manifests\":[" ENTRY(DA, "amd64", "") "," ENTRY(DB, "arm64", "") "," ENTRY(
		DC, "arm", ",\"variant\":\"v6\"") "]}";

static const char list_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_DOCKER_LIST
	"\",\"manifests\":[" ENTRY(DA, "arm", ",\"variant\":\"v7\"") "," ENTRY(
		DB, "arm64", ",\"variant\":\"v8\"") "," ENTRY(DC, "arm", ",\"variant\":\"v5\"") "]"
												"}";

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static image_manifest *parse(const char *s, const char *declared)
{
	image_manifest *m = NULL;
	cpod_error *err = NULL;

	if (manifest_parse(s, strlen(s), declared, &m, &err) < 0) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return m;
}

static void test_kinds(void)
{
	image_manifest *m = parse(oci, NULL);
	manifest_compression c = 99;

	ok(m && m->kind == MANIFEST_OCI, "OCI manifest");
	if (m) {
		is_str(m->config.digest, DA, "config digest");
		is_int(m->config.size, 7023, "config size");
		is_str(m->config.media_type, MEDIA_TYPE_OCI_CONFIG, "config media type");
		is_int(m->n_layers, 2, "two layers");
		is_str(m->layers[0].annotation_values.v[0], "v", "layer annotation");
		is_int(m->layers[1].size, 16724, "second layer size");
		ok(manifest_layer_compression(m->layers[0].media_type, &c, NULL) == 0 &&
			   c == COMPRESSION_GZIP,
		   "gzip layer");
		ok(manifest_layer_compression(m->layers[1].media_type, &c, NULL) == 0 &&
			   c == COMPRESSION_ZSTD,
		   "zstd layer");
		is_str(m->annotation_keys.v[0], "org.opencontainers.image.ref.name",
		       "manifest annotation");
		ok(!manifest_is_index(m), "not an index");
	}
	manifest_free(m);

	m = parse(oci_bare, MEDIA_TYPE_OCI_MANIFEST);
	ok(m && m->kind == MANIFEST_OCI, "OCI manifest without mediaType, declared");
	is_str(m ? m->media_type : NULL, MEDIA_TYPE_OCI_MANIFEST, "effective media type");
	manifest_free(m);
	m = parse(oci_bare, "application/octet-stream");
	ok(m && m->kind == MANIFEST_OCI, "no mediaType, unhelpful Content-Type: by shape");
	manifest_free(m);

	m = parse(docker, MEDIA_TYPE_DOCKER_MANIFEST);
	ok(m && m->kind == MANIFEST_DOCKER_V2S2, "Docker v2s2 manifest");
	if (m) {
		is_int(m->layers[0].size, 2814446, "docker layer size");
		ok(manifest_layer_compression(m->layers[0].media_type, &c, NULL) == 0 &&
			   c == COMPRESSION_GZIP,
		   "docker layer is gzip");
	}
	manifest_free(m);

	m = parse(index_doc, NULL);
	ok(m && m->kind == MANIFEST_OCI_INDEX && manifest_is_index(m), "OCI index");
	is_int(m ? m->n_manifests : 0, 3, "three entries");
	is_str(m ? m->manifests[2].platform.variant : NULL, "v6", "entry variant");
	manifest_free(m);

	m = parse(list_doc, NULL);
	ok(m && m->kind == MANIFEST_DOCKER_LIST, "Docker manifest list");
	manifest_free(m);

	ok(manifest_layer_compression(MEDIA_TYPE_OCI_LAYER, &c, NULL) == 0 && c == COMPRESSION_NONE,
	   "plain tar layer");
	ok(manifest_layer_compression("application/"
				      "vnd.oci.image.layer.nondistributable.v1.tar+zstd",
				      &c, NULL) == 0 &&
		   c == COMPRESSION_ZSTD,
	   "non-distributable zstd layer");
	{
		cpod_error *err = NULL;
		ok(manifest_layer_compression("application/x-foo", &c, &err) == -1, "unknown layer "
										    "media type "
										    "refused");
		is_str(err ? cpod_error_message(err) : NULL,
		       "unsupported layer media type \"application/x-foo\"", "its message");
		cpod_error_free(err);
	}
}

static void expect_error(const char *doc, const char *declared, const char *msg)
{
	image_manifest *m = NULL;
	cpod_error *err = NULL;

	ok(manifest_parse(doc, strlen(doc), declared, &m, &err) == -1 && !m, "refused: %s", msg);
	is_str(err ? cpod_error_message(err) : NULL, msg, "message");
	cpod_error_free(err);
}

static void test_errors(void)
{
	/* schema 1 is read (test_schema1.c), but it needs its layers */
	expect_error("{\"schemaVersion\":1,\"name\":\"x\"}", NULL, "parsing manifest: no fsLayers");
	expect_error("{\"schemaVersion\":3," OCI_BODY "}", NULL,
		     "parsing manifest: 'schemaVersion': unsupported schema version 3");
	expect_error("{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\"}", NULL,
		     "parsing manifest: 'schemaVersion': missing required value");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL,
		     "parsing manifest: 'mediaType': unsupported manifest media type "
		     "\"text/html\"");
	expect_error(docker, MEDIA_TYPE_OCI_MANIFEST,
		     "parsing manifest: 'mediaType': media type \"" MEDIA_TYPE_DOCKER_MANIFEST
		     "\" does not match the declared \"" MEDIA_TYPE_OCI_MANIFEST "\"");
	expect_error("{\"schemaVersion\":2,\"manifests\":[]," OCI_BODY "}", NULL,
		     "parsing manifest: ambiguous manifest: it has both \"manifests\" and "
		     "\"config\" or \"layers\"");
	expect_error("{\"schemaVersion\":2,\"layers\":[]}", NULL,
		     "parsing manifest: 'config': missing required value");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DA "\"},"
		     "\"lay"
		     "ers\""
		     ":[]}",
		     NULL, "parsing manifest: 'config.size': missing required value");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:1\","
		     "\"size\":1},\"layers\":[]}",
		     NULL, "parsing manifest: 'config.digest': invalid digest \"sha256:1\"");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DA
		     "\",\"size\":-1},\"layers\":[]}",
		     NULL, "parsing manifest: 'config.size': negative size -1");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" DA
		     "\",\"size\":1},\"layers\":[{\"digest\":\"" DB "\",\"size\":1}]}",
		     NULL, "parsing manifest: 'layers[0].mediaType': missing required value");
	expect_error("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" DB "\",\"size\":1,"
		     "\"platform\":{\"os\":\"linux\"}}]}",
		     NULL,
		     "parsing manifest: 'manifests[0].platform.architecture': missing required "
		     "value");
	expect_error("[1]", NULL, "parsing manifest: top-level value: expected object, got array");
}

static void expect_choice(const image_manifest *m, const char *arch, const char *variant,
			  const char *want)
{
	const manifest_descriptor *d = NULL;
	cpod_error *err = NULL;

	if (manifest_choose_platform(m, "linux", arch, variant, &d, &err) < 0) {
		is_str(cpod_error_message(err), want, "linux/%s/%s", arch, variant ? variant : "");
		is_int(want ? cpod_error_kind(err) : 0, CPOD_ERR_NOT_FOUND, "not found kind");
		cpod_error_free(err);
		return;
	}
	is_str(d->digest, want, "linux/%s/%s", arch, variant ? variant : "");
}

static void test_platforms(void)
{
	image_manifest *idx = parse(index_doc, NULL), *list = parse(list_doc, NULL), *img;
	const manifest_descriptor *d;
	cpod_error *err = NULL;
	char *a, *v;

	if (!idx || !list)
		return;
	expect_choice(idx, "amd64", NULL, DA);
	expect_choice(idx, "x86_64", NULL, DA);
	expect_choice(idx, "arm64", NULL, DB);
	expect_choice(idx, "arm64", "v8", DB);
	expect_choice(idx, "aarch64", NULL, DB);
	expect_choice(idx, "arm", "v6", DC);
	expect_choice(idx, "arm", NULL, DC); /* v7 runs the v6 image */
	expect_choice(idx, "armel", NULL, DC);
	expect_choice(idx, "arm", "v5",
		      "no image found in image index for architecture "
		      "\"arm\", variant \"v5\", OS \"linux\"");
	expect_choice(idx, "s390x", NULL,
		      "no image found in image index for architecture "
		      "\"s390x\", variant \"\", OS \"linux\"");
	expect_choice(list, "arm", NULL, DA);
	expect_choice(list, "armhf", NULL, DA);
	expect_choice(list, "arm", "v6", DC);
	expect_choice(list, "arm64", NULL, DB);
	expect_choice(list, "amd64", NULL,
		      "no image found in manifest list for architecture "
		      "\"amd64\", variant \"\", OS \"linux\"");
	ok(manifest_choose_platform(idx, "windows", "amd64", NULL, &d, NULL) == -1, "another OS "
										    "does not "
										    "match");

	img = parse(oci, NULL);
	ok(manifest_choose_platform(img, "linux", "amd64", NULL, &d, &err) == -1 && err &&
		   cpod_error_kind(err) == CPOD_ERR_INVALID,
	   "choosing from an image manifest is refused");
	cpod_error_free(err);
	manifest_free(img);

	manifest_normalize_platform("arm64", NULL, &a, &v);
	ok(streq(a, "arm64") && streq(v, "v8"), "arm64 defaults to v8");
	free(a);
	free(v);
	manifest_normalize_platform("amd64", "", &a, &v);
	ok(v == NULL, "amd64 has no default variant");
	free(a);
	free(v);
	manifest_free(idx);
	manifest_free(list);
}

static void test_build(void)
{
	manifest_descriptor cfg = { .media_type = (char *)MEDIA_TYPE_OCI_CONFIG,
				    .digest = (char *)DA,
				    .size = 10 };
	manifest_descriptor layers[2] = {
		{ .media_type = (char *)MEDIA_TYPE_OCI_LAYER_GZIP,
		  .digest = (char *)DB,
		  .size = 20 },
		{ .media_type = (char *)MEDIA_TYPE_OCI_LAYER, .digest = (char *)DC, .size = 30 },
	};
	char *json;
	image_manifest *m;

	strv_init(&cfg.annotation_keys);
	strv_init(&cfg.annotation_values);
	for (int i = 0; i < 2; i++) {
		strv_init(&layers[i].annotation_keys);
		strv_init(&layers[i].annotation_values);
	}
	strv_push(&layers[1].annotation_keys, "a");
	strv_push(&layers[1].annotation_values, "b");
	json = manifest_build_oci(&cfg, layers, 2);
	ok(strstr(json, "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST
			"\",\"config\":{") == json,
	   "built manifest starts as expected");
	m = parse(json, NULL);
	ok(m && m->kind == MANIFEST_OCI && m->n_layers == 2, "built manifest parses back");
	is_int(m ? m->layers[1].size : 0, 30, "layer size kept");
	is_str(m ? m->layers[1].annotation_values.v[0] : NULL, "b", "annotation kept");
	manifest_free(m);
	free(json);
	strv_clear(&layers[1].annotation_keys);
	strv_clear(&layers[1].annotation_values);
}

int main(void)
{
	test_kinds();
	test_errors();
	test_platforms();
	test_build();
	return done_testing();
}
