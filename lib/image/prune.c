/* podman's image prune over the local store.
 *
 * podman repeats its pass until nothing more goes, because removing an image can leave its
 * parent dangling.  cpod's images have no parent chains yet (every image is made whole, by
 * import or pull), so one pass removes all there is; a loop comes with parent images.
 */
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/local.h"
#include "image/manage.h"
#include "common/banned.h"

#define LABEL_NOT "label!="

/* The image has the label KEY (with VALUE when given as KEY=VALUE). */
static bool has_label(json_object *img, const char *want)
{
	json_object *labels, *v;
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);

	if (!json_object_object_get_ex(img, "Labels", &labels) ||
	    !json_object_is_type(labels, json_type_object) ||
	    !json_object_object_get_ex(labels, key, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static bool kept_by_label(json_object *img, const strv *not_labels)
{
	for (size_t i = 0; i < not_labels->n; i++)
		if (has_label(img, not_labels->v[i]))
			return true;
	return false;
}

static bool prunable(json_object *img, const strv *not_labels)
{
	json_object *v;

	if (json_object_object_get_ex(img, "Containers", &v) && json_object_get_int64(v) > 0)
		return false;
	return !kept_by_label(img, not_labels);
}

int image_prune(store *s, bool all, const char *const *filters, strv *removed, cpod_error **err)
{
	_cleanup_strv_ strv pass = STRV_INIT, not_labels = STRV_INIT;
	_cleanup_json_ json_object *imgs = NULL;

	for (const char *const *f = filters; f && *f; f++) {
		if (str_has_prefix(*f, LABEL_NOT) && (*f)[strlen(LABEL_NOT)])
			strv_push(&not_labels, *f + strlen(LABEL_NOT));
		else
			strv_push(&pass, *f);
	}
	if (!all)
		strv_push(&pass, "dangling=true");
	imgs = image_list(s, true, (const char *const *)pass.v, err);
	if (!imgs)
		return -1;
	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		json_object *img = json_object_array_get_idx(imgs, i), *id;

		if (!prunable(img, &not_labels) || !json_object_object_get_ex(img, "Id", &id))
			continue;
		if (store_image_delete(s, json_object_get_string(id), false, err) < 0)
			return cpod_err_prefix(err, "pruning images");
		strv_push(removed, json_object_get_string(id));
	}
	return 0;
}
