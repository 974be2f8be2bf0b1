/* Image housekeeping over the local store: prune, the layer tree, mounts and disk usage.
 * The engine wraps these in the public API (include/cpod/image.h, include/cpod/system.h).
 * Every returned object or string belongs to the caller.
 */
#ifndef CPOD_IMAGE_MANAGE_H
#define CPOD_IMAGE_MANAGE_H

#include <stdbool.h>

#include <cpod/error.h>
#include <json-c/json.h>

#include "common/strv.h"
#include "storage/store.h"

/* podman's image prune, in one pass: removes the dangling images (no name), or with all every
 * image, that no container uses and that match filters ("key=value": the keys of image_list()
 * and "label!=KEY[=VALUE]", which keeps the images having that label).  The IDs removed are
 * appended to removed, also when a later removal fails. */
int image_prune(store *s, bool all, const char *const *filters, strv *removed, cpod_error **err);

/* podman's image tree text of img (ends with a newline): its layers base first, or with
 * whatrequires the layers stacked on its top layer, as a tree. */
int image_tree(store *s, const meta_image *img, bool whatrequires, char **ret, cpod_error **err);

/* Mounts img read-only (one more reference); *ret_path: the mount point. */
int image_mount(store *s, const meta_image *img, char **ret_path, cpod_error **err);
/* Drops one reference of img's mount (every one with force); CPOD_ERR_STATE when the image
 * is not mounted (known only with drivers that count mounts). */
int image_unmount(store *s, const meta_image *img, bool force, cpod_error **err);
/* The mounted images: an array of {Id, Names, Repositories (its tags), Path, Count}. */
json_object *image_mounted(store *s, cpod_error **err);

/* Disk usage for system df: {"Images": [{Repository, Tag, ImageID, Created (unix seconds),
 * Size, SharedSize, UniqueSize, Containers}] (a row per tag, one "<none>" row for an image
 * without tags), "ImagesSize" (bytes of all image layers), "Containers": [{RWLayer, RWSize,
 * Status}], "Volumes": []}. */
json_object *image_disk_usage(store *s, cpod_error **err);

#endif
