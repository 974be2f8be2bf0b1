/* The store as a whole: disk usage (`system df`) and reset (`system reset`). */
#ifndef CPOD_SYSTEM_H
#define CPOD_SYSTEM_H

#include <cpod/error.h>
#include <cpod/export.h>
#include <cpod/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

/* `cpod system df`: a JSON object the caller owns (json_object_put()):
 *   Images      a row per image tag (one "<none>" row for an image without one): Repository,
 *               Tag, ImageID, Created (unix seconds), Size, SharedSize (bytes of its layers
 *               that other images have too), UniqueSize, Containers (how many use it)
 *   ImagesSize  bytes of every layer that belongs to an image
 *   Containers  a row per container rw layer: RWLayer, RWSize, Status ("" : cpod runs none yet)
 *   Volumes     [] (volumes are not implemented yet) */
CPOD_EXPORT struct json_object *cpod_system_df(cpod_runtime *rt, cpod_error **err);

/* `cpod system reset`: unmounts every layer, then removes every image, layer, container layer
 * and the database: everything inside the graphroot and the runroot, which stay as empty
 * directories.  Nothing outside them is touched (no symlink is followed, no mount crossed).
 * Refused with CPOD_ERR_STATE while another process writes to the store.  rt stays usable:
 * the next call opens a new, empty store. */
CPOD_EXPORT int cpod_system_reset(cpod_runtime *rt, cpod_error **err);

#ifdef __cplusplus
}
#endif
#endif
