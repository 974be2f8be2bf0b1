/* Docker v2 schema 1 manifests: the parts manifest.c calls (the API is in manifest.h). */
#ifndef CPOD_IMAGE_MANIFEST_SCHEMA1_H
#define CPOD_IMAGE_MANIFEST_SCHEMA1_H

#include <stddef.h>

#include <cpod/error.h>
#include <json-c/json.h>

#include "image/manifest.h"

/* Fills m from the schema 1 manifest data[0..len), which doc is the parse of (borrowed),
 * as manifest_parse() describes.  m->schema1 and what was filled stay for manifest_free()
 * on failure too. */
int schema1_parse(const void *data, size_t len, json_object *doc, const char *declared,
		  image_manifest *m, cpod_error **err);

/* Accepts NULL. */
void schema1_free(manifest_schema1 *s);

#endif
