/* podman's image mount / unmount and the list of mounted images. */
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/manage.h"
#include "common/banned.h"

int image_mount(store *s, const meta_image *img, char **ret_path, cpod_error **err)
{
	return store_image_mount(s, img->id, ret_path, err);
}

int image_unmount(store *s, const meta_image *img, bool force, cpod_error **err)
{
	long n;

	if (store_image_mounted(s, img->id, &n, NULL, err) < 0)
		return -1;
	if (n == 0)
		return cpod_err(err, CPOD_ERR_STATE, 0, "unmounting image %s: layer is not mounted",
				img->id);
	return store_image_unmount(s, img->id, force, err);
}

static json_object *strings(char *const *v, bool tags_only)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v[i]; i++)
		if (!tags_only || !strchr(v[i], '@'))
			json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

json_object *image_mounted(store *s, cpod_error **err)
{
	meta_image **imgs = NULL;
	json_object *out;

	if (store_image_list(s, &imgs, err) < 0)
		return NULL;
	out = json_object_new_array();
	for (meta_image **i = imgs; *i; i++) {
		_cleanup_free_ char *path = NULL;
		json_object *o;
		long n;

		if (store_image_mounted(s, (*i)->id, &n, &path, err) < 0) {
			json_object_put(out);
			out = NULL;
			break;
		}
		if (n <= 0 || !path)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "Id", json_object_new_string((*i)->id));
		json_object_object_add(o, "Names", strings((*i)->names, false));
		json_object_object_add(o, "Repositories", strings((*i)->names, true));
		json_object_object_add(o, "Path", json_object_new_string(path));
		json_object_object_add(o, "Count", json_object_new_int64(n));
		json_object_array_add(out, o);
	}
	meta_imagev_free(imgs);
	return out;
}
