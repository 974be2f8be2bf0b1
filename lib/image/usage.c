/* Disk usage of images and containers' rw layers, for system df. */
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/manage.h"
#include "common/banned.h"

typedef struct {
	store_layer_usage *v;
	size_t n;
	int *users; /* how many images have each layer in their chain */
	meta_image **imgs;
	strv cids;	 /* images used by containers, sorted */
	int64_t *counts; /* their container counts */
} usage_data;

static void usage_release(usage_data *u)
{
	store_usage_free(u->v, u->n);
	free(u->users);
	meta_imagev_free(u->imgs);
	strv_clear(&u->cids);
	free(u->counts);
}

static ssize_t find(const usage_data *u, const char *id)
{
	for (size_t i = 0; id && i < u->n; i++)
		if (strcmp(u->v[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

static int usage_load(store *s, usage_data *u, cpod_error **err)
{
	u->cids = (strv)STRV_INIT;
	if (store_usage(s, &u->v, &u->n, err) < 0 || store_image_list(s, &u->imgs, err) < 0 ||
	    meta_image_container_counts(store_meta(s), &u->cids, &u->counts, err) < 0)
		return -1;
	u->users = xcalloc(u->n + 1, sizeof(*u->users));
	for (meta_image **img = u->imgs; *img; img++)
		for (ssize_t i = find(u, (*img)->top_layer), k = 0; i >= 0 && k < 4096;
		     i = find(u, u->v[i].parent), k++)
			u->users[i]++;
	return 0;
}

static int64_t containers_of(const usage_data *u, const char *id)
{
	for (size_t i = 0; i < u->cids.n; i++)
		if (strcmp(u->cids.v[i], id) == 0)
			return u->counts[i];
	return 0;
}

static json_object *row(const meta_image *img, const char *name, int64_t size, int64_t shared,
			int64_t containers)
{
	json_object *r = json_object_new_object();
	_cleanup_free_ char *repo = xstrdup(name ? name : "<none>");
	char *colon = strrchr(repo, ':');
	const char *tag = "<none>";

	if (name && colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
	}
	json_object_object_add(r, "Repository", json_object_new_string(repo));
	json_object_object_add(r, "Tag", json_object_new_string(tag));
	json_object_object_add(r, "ImageID", json_object_new_string(img->id));
	json_object_object_add(r, "Created", json_object_new_int64(img->created / 1000000000));
	json_object_object_add(r, "Size", json_object_new_int64(size));
	json_object_object_add(r, "SharedSize", json_object_new_int64(shared));
	json_object_object_add(r, "UniqueSize",
			       json_object_new_int64(size > shared ? size - shared : 0));
	json_object_object_add(r, "Containers", json_object_new_int64(containers));
	return r;
}

static void image_rows(const usage_data *u, const meta_image *img, json_object *out)
{
	int64_t chain = 0, shared = 0, size, containers = containers_of(u, img->id);
	bool tagged = false;

	for (ssize_t i = find(u, img->top_layer), k = 0; i >= 0 && k < 4096;
	     i = find(u, u->v[i].parent), k++) {
		chain += u->v[i].size;
		if (u->users[i] > 1)
			shared += u->v[i].size;
	}
	size = img->size >= 0 ? img->size : chain;
	for (char **n = img->names; *n; n++) {
		if (strchr(*n, '@'))
			continue;
		json_object_array_add(out, row(img, *n, size, shared, containers));
		tagged = true;
	}
	if (!tagged)
		json_object_array_add(out, row(img, NULL, size, shared, containers));
}

static json_object *container_rows(store *s, const usage_data *u, cpod_error **err)
{
	_cleanup_strv_ strv layers = STRV_INIT;
	json_object *out;

	if (store_container_layers(s, &layers, err) < 0)
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < layers.n; i++) {
		json_object *r = json_object_new_object();
		ssize_t k = find(u, layers.v[i]);

		json_object_object_add(r, "RWLayer", json_object_new_string(layers.v[i]));
		json_object_object_add(r, "RWSize",
				       json_object_new_int64(k < 0 ? 0 : u->v[k].size));
		/* cpod runs no container yet: none is active */
		json_object_object_add(r, "Status", json_object_new_string(""));
		json_object_array_add(out, r);
	}
	return out;
}

json_object *image_disk_usage(store *s, cpod_error **err)
{
	_cleanup_json_ json_object *out = json_object_new_object();
	usage_data u = { 0 };
	json_object *imgs = json_object_new_array(), *ctrs;
	int64_t total = 0;

	json_object_object_add(out, "Images", imgs);
	if (usage_load(s, &u, err) < 0 || !(ctrs = container_rows(s, &u, err))) {
		usage_release(&u);
		return NULL;
	}
	for (meta_image **img = u.imgs; *img; img++)
		image_rows(&u, *img, imgs);
	for (size_t i = 0; i < u.n; i++)
		if (u.users[i])
			total += u.v[i].size;
	json_object_object_add(out, "ImagesSize", json_object_new_int64(total));
	json_object_object_add(out, "Containers", ctrs);
	/* volumes arrive with the run issue: none exist yet */
	json_object_object_add(out, "Volumes", json_object_new_array());
	usage_release(&u);
	return TAKE_PTR(out);
}
