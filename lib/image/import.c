/* cpod import: a root file system tarball becomes a one-layer image. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "image/image_config.h"
#include "image/local.h"
#include "image/manifest.h"
#include "common/banned.h"

#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

static image_config *import_config(const image_import_opts *o, const char *diff_id,
				   const char *created, cpod_error **err)
{
	_cleanup_image_config_ image_config *cfg = image_config_new();

	cfg->created = xstrdup(created);
	cfg->os = xstrdup(o->os ? o->os : "linux");
	cfg->architecture = xstrdup(o->arch ? o->arch : manifest_host_arch());
	cfg->variant = o->variant ? xstrdup(o->variant) : NULL;
	strv_push(&cfg->diff_ids, diff_id);
	for (const char *const *c = o->changes; c && *c; c++)
		if (image_config_apply_change(cfg, *c, err) < 0)
			return NULL;
	cfg->history = xcalloc(1, sizeof(*cfg->history));
	cfg->n_history = 1;
	cfg->history[0].created = xstrdup(created);
	cfg->history[0].created_by =
		xasprintf("/bin/sh -c #(nop) ADD file:%s in / ", diff_id + strlen("sha256:"));
	cfg->history[0].comment = o->message ? xstrdup(o->message) : NULL;
	return TAKE_PTR(cfg);
}

static int register_image(store *s, const image_import_opts *o, const image_config *cfg,
			  const store_layer_result *layer, int64_t created_ns, char **ret_id,
			  cpod_error **err)
{
	_cleanup_free_ char *config = image_config_to_json(cfg), *name = NULL, *labels = NULL;
	_cleanup_free_ char *config_digest = NULL, *manifest = NULL, *manifest_digest = NULL;
	manifest_descriptor cd = { 0 }, ld = { 0 };

	if (o->reference && image_name_for_tag(o->reference, &name, err) < 0)
		return -1;
	config_digest = digest_buf(DIGEST_SHA256, config, strlen(config));
	cd.media_type = (char *)MEDIA_OCI_CONFIG;
	cd.digest = config_digest;
	cd.size = (int64_t)strlen(config);
	ld.media_type = (char *)MEDIA_OCI_LAYER;
	ld.digest = layer->diff_id;
	ld.size = layer->size;
	manifest = manifest_build_oci(&cd, &ld, 1);
	manifest_digest = digest_buf(DIGEST_SHA256, manifest, strlen(manifest));
	labels = image_config_labels_json(cfg);

	const char *const names[] = { name, NULL };
	const char *const digests[] = { manifest_digest, NULL };
	const store_bigdata bigdata[] = {
		{ .key = "config", .data = config, .len = strlen(config) },
		{ .key = "manifest", .data = manifest, .len = strlen(manifest) },
	};
	store_image_spec spec = {
		.id = config_digest + strlen("sha256:"),
		.top_layer = layer->id,
		.names = name ? names : NULL,
		.digests = digests,
		.digest = manifest_digest,
		.labels = labels,
		.bigdata = bigdata,
		.n_bigdata = 2,
		.created = created_ns,
		.size = layer->size,
	};
	if (store_image_create(s, &spec, err) < 0) {
		/* The same content imported again is the same image: just name it. */
		if (cpod_error_kind(*err) != CPOD_ERR_EXISTS)
			return -1;
		cpod_error_freep(err);
		if (name && store_image_add_names(s, spec.id, names, err) < 0)
			return -1;
	}
	*ret_id = xstrdup(spec.id);
	return 0;
}

int image_import(store *s, const image_import_opts *o, char **ret_id, cpod_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_free_ char *created = NULL;
	store_layer_result layer = { 0 };
	struct timespec now;
	int r;

	if (o->path) {
		fd = open(o->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM,
					errno, "opening '%s'", o->path);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	created = timeparse_format_utc(&now);
	/* Check the --change instructions before reading anything. */
	cfg = import_config(o,
			    "sha256:"
			    "0000000000000000000000000000000000000000000000000000000000000000",
			    created, err);
	if (!cfg)
		return -1;
	image_config_free(TAKE_PTR(cfg));
	if (store_layer_apply_fd(s, NULL, o->path ? fd : o->fd, NULL, &layer, err) < 0)
		return cpod_err_prefix(err, "importing '%s'", o->path ? o->path : "-");
	cfg = import_config(o, layer.diff_id, created, err);
	r = cfg ? register_image(s, o, cfg, &layer, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
				 ret_id, err)
		: -1;
	/* No image holds a layer this import made: remove it again. */
	if (r < 0 && !layer.existed)
		store_layer_delete(s, layer.id, NULL);
	store_layer_result_clear(&layer);
	return r;
}
