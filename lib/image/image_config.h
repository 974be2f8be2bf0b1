/* Image configuration (the "config" blob of an OCI or Docker v2 image): reading it with strict
 * types, writing the OCI form, and podman's --change instructions for import and commit.
 *
 * All strings and vectors in the struct are owned by it; image_config_free() releases them.
 * Optional strings are NULL when absent.  Errors are CPOD_ERR_INVALID and name the JSON path
 * ("'config.Env[1]': expected string, got integer").
 */
#ifndef CPOD_IMAGE_IMAGE_CONFIG_H
#define CPOD_IMAGE_IMAGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

#include "common/cleanup.h"
#include "common/strv.h"

/* Largest config blob accepted (containers/image's limit). */
#define IMAGE_CONFIG_MAX_SIZE (4u << 20)

typedef struct {
	bool present;
	strv test;	      /* ["CMD-SHELL", "curl -f localhost"], ["NONE"] ... */
	int64_t interval;     /* nanoseconds; 0 = default */
	int64_t timeout;      /* nanoseconds */
	int64_t start_period; /* nanoseconds */
	int64_t retries;
} image_healthcheck;

typedef struct {
	char *created; /* RFC 3339 */
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
} image_history;

typedef struct {
	char *created; /* RFC 3339, as written */
	char *author;
	char *architecture; /* "amd64" */
	char *os;	    /* "linux" */
	char *variant;	    /* "v8" */

	/* "config" */
	char *user;
	strv exposed_ports; /* keys of ExposedPorts: "80/tcp" */
	strv env;	    /* "KEY=value" */
	strv entrypoint;
	bool entrypoint_set; /* Entrypoint given, possibly [] (which clears the base's) */
	strv cmd;
	bool cmd_set;
	strv volumes; /* keys of Volumes */
	char *working_dir;
	strv label_keys; /* Labels, in two parallel vectors */
	strv label_values;
	char *stop_signal;
	image_healthcheck healthcheck;
	strv on_build;

	/* "rootfs" */
	strv diff_ids; /* "sha256:..." of each uncompressed layer, bottom first */

	image_history *history;
	size_t n_history;
} image_config;

/* A new empty config (rootfs type "layers", no layers). */
image_config *image_config_new(void);
/* Accepts NULL. */
void image_config_free(image_config *cfg);
DEFINE_CLEANUP_FUNC(image_config, image_config_free)
#define _cleanup_image_config_ _cleanup_(image_config_freep)

/* Parses an OCI or Docker image config from data[0..len) (at most IMAGE_CONFIG_MAX_SIZE bytes).
 * Unknown fields are ignored; known ones must have their type; rootfs.type must be "layers" and
 * diff_ids valid digests. */
int image_config_parse(const void *data, size_t len, image_config **ret, cpod_error **err);

/* The OCI JSON of cfg (compact, keys in the order the OCI spec lists them, empty fields left
 * out except rootfs).  The caller frees it. */
char *image_config_to_json(const image_config *cfg);
/* The config's labels as the text of a JSON object (the store's image labels, for list
 * filters), or NULL when it has none.  The caller frees it. */
char *image_config_labels_json(const image_config *cfg);
/* The config text (len bytes, parsed as cfg) with rootfs.diff_ids set to diff_ids: a copy of
 * the text as it is when they are already those, so its digest (the image ID) stays.  The
 * caller frees it; NULL with *err for a config without a rootfs object. */
char *image_config_with_diff_ids(const char *text, size_t len, const image_config *cfg,
				 const strv *diff_ids, cpod_error **err);

/* Sets label key to value, replacing an existing one. */
void image_config_set_label(image_config *cfg, const char *key, const char *value);
/* The value of label key, or NULL. */
const char *image_config_get_label(const image_config *cfg, const char *key);

/* Applies one podman --change instruction ("CMD [\"sh\"]", "ENV A=b", "EXPOSE 80/udp",
 * "LABEL a=b", "ONBUILD ...", "STOPSIGNAL TERM", "USER u", "VOLUME /a /b", "WORKDIR /w",
 * "ENTRYPOINT ...").  The instruction and its argument are separated by a space or, failing
 * that, by '='.  cfg is unchanged on failure. */
int image_config_apply_change(image_config *cfg, const char *change, cpod_error **err);

#endif
