/* Fuzzes manifest and image config parsing.  Whatever parses is written back and must parse
 * again to the same thing (a schema 1 manifest: its image config must be JSON); refusals are
 * CPOD_ERR_INVALID.  The input also gets a manifest digest and is tried as a --change
 * instruction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "image/image_config.h"
#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const declared[] = {
	NULL,
	MEDIA_TYPE_OCI_MANIFEST,
	MEDIA_TYPE_DOCKER_LIST,
};

static void expect_invalid(cpod_error *err)
{
	if (!err || cpod_error_kind(err) != CPOD_ERR_INVALID)
		abort();
	cpod_error_free(err);
}

/* Its config, for made-up diffIDs, must be one JSON object. */
static void check_schema1(const image_manifest *m)
{
	const char **ids = xcalloc(m->n_layers + 1, sizeof(*ids));
	char diff_id[7 + 64 + 1] = "sha256:";
	json_object *o;
	char *text = NULL;

	memset(diff_id + 7, 'a', 64);
	for (size_t i = 0; i < m->n_layers; i++)
		ids[i] = diff_id;
	if (manifest_schema1_config(m, ids, m->n_layers, &text, NULL) < 0)
		abort();
	o = json_parse_bytes(text, strlen(text), 0, NULL);
	if (!o || !json_object_is_type(o, json_type_object))
		abort();
	json_object_put(o);
	free(text);
	free(ids);
}

static void check_manifest(const image_manifest *m)
{
	const manifest_descriptor *d;
	manifest_compression c;
	image_manifest *back = NULL;
	char *json;

	if (m->kind == MANIFEST_DOCKER_V2S1) {
		check_schema1(m);
		return;
	}
	if (manifest_is_index(m)) {
		if (manifest_choose_platform(m, "linux", "arm", NULL, &d, NULL) == 0 &&
		    (d < m->manifests || d >= m->manifests + m->n_manifests))
			abort();
		return;
	}
	for (size_t i = 0; i < m->n_layers; i++)
		(void)manifest_layer_compression(m->layers[i].media_type, &c, NULL);
	json = manifest_build_oci(&m->config, m->layers, m->n_layers);
	if (manifest_parse(json, strlen(json), NULL, &back, NULL) < 0 ||
	    back->n_layers != m->n_layers || strcmp(back->config.digest, m->config.digest) != 0)
		abort();
	manifest_free(back);
	free(json);
}

static void check_config(const uint8_t *data, size_t size)
{
	image_config *cfg = NULL, *back = NULL;
	cpod_error *err = NULL;
	char *json, *again;

	if (image_config_parse(data, size, &cfg, &err) < 0) {
		expect_invalid(err);
		return;
	}
	json = image_config_to_json(cfg);
	if (image_config_parse(json, strlen(json), &back, NULL) < 0)
		abort();
	again = image_config_to_json(back);
	if (strcmp(json, again) != 0)
		abort();
	free(json);
	free(again);
	image_config_free(cfg);
	image_config_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	image_config *cfg;
	char *change, *digest = NULL;
	cpod_error *derr = NULL;

	for (size_t i = 0; i < sizeof(declared) / sizeof(declared[0]); i++) {
		image_manifest *m = NULL;
		cpod_error *err = NULL;

		if (manifest_parse(data, size, declared[i], &m, &err) < 0) {
			expect_invalid(err);
			continue;
		}
		check_manifest(m);
		manifest_free(m);
	}
	if (manifest_digest(data, size, &digest, &derr) < 0)
		expect_invalid(derr);
	free(digest);
	check_config(data, size);

	cfg = image_config_new();
	change = xstrndup((const char *)data, size < 4096 ? size : 4096);
	if (image_config_apply_change(cfg, change, NULL) == 0) {
		char *json = image_config_to_json(cfg);
		free(json);
	}
	free(change);
	image_config_free(cfg);
	return 0;
}
