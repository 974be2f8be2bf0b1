/* Name resolution, tagging and removal of local images. */
#include "image/local.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/ids.h"
#include "common/xalloc.h"
#include "image/reference.h"
#include "common/banned.h"

static int not_known(const char *name, cpod_error **err)
{
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: image not known", name);
}

/* Runs a store lookup; returns 1 found, 0 not found, -1 on another error. */
static int try_found(int r, cpod_error **lerr, cpod_error **err)
{
	if (r == 0)
		return 1;
	if (cpod_error_kind(*lerr) == CPOD_ERR_NOT_FOUND) {
		cpod_error_freep(lerr);
		return 0;
	}
	*err = *lerr;
	*lerr = NULL;
	return -1;
}

static int by_name(store *s, const char *name, meta_image **ret, cpod_error **err)
{
	cpod_error *lerr = NULL;

	return try_found(store_image_get_by_name(s, name, ret, &lerr), &lerr, err);
}

/* A short name's last resort: the one image with a name whose path part is "/PATH:TAG". */
static int by_path_suffix(store *s, const char *suffix, meta_image **ret, cpod_error **err)
{
	meta_image **all = NULL;
	meta_image *found = NULL;
	size_t ls = strlen(suffix);
	int n = store_image_list(s, &all, err), matches = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		for (char **nm = all[i]->names; *nm; nm++) {
			size_t l = strlen(*nm);
			if (l > ls && (*nm)[l - ls - 1] == '/' &&
			    strcmp(*nm + l - ls, suffix) == 0) {
				if (found != all[i])
					matches++;
				found = all[i];
				break;
			}
		}
	}
	if (matches == 1) {
		for (int i = 0; i < n; i++)
			if (all[i] == found)
				all[i] = all[n - 1], all[n - 1] = NULL;
		*ret = found;
	}
	meta_imagev_free(all);
	return matches == 1;
}

static int lookup_reference(store *s, const char *name, meta_image **ret, cpod_error **err)
{
	_cleanup_reference_ image_reference *ref = NULL;
	_cleanup_free_ char *full = NULL, *path = NULL, *local = NULL, *suffix = NULL;
	int r;

	if (reference_parse(name, &ref, NULL) < 0)
		return 0;
	reference_with_default_tag(ref);
	full = reference_string(ref, false);
	r = by_name(s, full, ret, err);
	if (r != 0 || !reference_is_short_name(name) || !ref->tag)
		return r;
	/* "busybox" or "ns/repo": the path as the user wrote it. */
	path = reference_name(ref, true);
	local = xasprintf("localhost/%s:%s", path, ref->tag);
	r = by_name(s, local, ret, err);
	if (r != 0)
		return r;
	suffix = xasprintf("%s:%s", path, ref->tag);
	return by_path_suffix(s, suffix, ret, err);
}

int image_lookup(store *s, const char *name, meta_image **ret, cpod_error **err)
{
	const char *id = str_has_prefix(name, "sha256:") ? name + 7 : name;
	cpod_error *lerr = NULL;
	int r;

	if (!*name)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "image name or ID cannot be empty");
	if (reference_is_id(id)) {
		r = try_found(store_image_get(s, id, ret, &lerr), &lerr, err);
		return r < 0 ? -1 : r ? 0 : not_known(name, err);
	}
	r = lookup_reference(s, name, ret, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (id_is_valid_prefix(id)) {
		r = try_found(store_image_get_by_prefix(s, id, ret, &lerr), &lerr, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return not_known(name, err);
}

int image_name_for_tag(const char *name, char **ret, cpod_error **err)
{
	_cleanup_reference_ image_reference *ref = NULL;
	_cleanup_free_ char *qualified = NULL;

	if (reference_is_id(name))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid image name '%s': a 64-hex image ID cannot be a name",
				name);
	/* podman: names without a registry are local ones. */
	if (reference_is_short_name(name))
		name = qualified = xasprintf("localhost/%s", name);
	if (reference_parse(name, &ref, err) < 0)
		return cpod_err_prefix(err, "normalizing name '%s'", name);
	reference_with_default_tag(ref);
	*ret = reference_string(ref, false);
	return 0;
}

int image_tag(store *s, const char *name, const char *new_name, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	_cleanup_free_ char *n = NULL;

	if (image_lookup(s, name, &img, err) < 0 || image_name_for_tag(new_name, &n, err) < 0)
		return -1;
	const char *const names[] = { n, NULL };
	return store_image_add_names(s, img->id, names, err);
}

/* The stored name that NAME means among the image's names, or NULL. */
static const char *own_name(const meta_image *img, const char *name)
{
	_cleanup_free_ char *n = NULL, *full = NULL;
	_cleanup_reference_ image_reference *ref = NULL;

	if (strv_contains((const char *const *)img->names, name))
		return name;
	if (image_name_for_tag(name, &n, NULL) == 0)
		for (char **p = img->names; *p; p++)
			if (strcmp(*p, n) == 0)
				return *p;
	if (reference_parse(name, &ref, NULL) < 0)
		return NULL;
	reference_with_default_tag(ref);
	full = reference_string(ref, false);
	for (char **p = img->names; *p; p++)
		if (strcmp(*p, full) == 0)
			return *p;
	return NULL;
}

int image_untag(store *s, const char *name, const char *tag, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	const char *victim;

	if (image_lookup(s, name, &img, err) < 0)
		return -1;
	if (!tag) {
		if (!img->names[0])
			return 0;
		return store_image_remove_names(s, img->id, (const char *const *)img->names, err);
	}
	victim = own_name(img, tag);
	if (!victim)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "%s: tag not known", tag);
	const char *const names[] = { victim, NULL };
	return store_image_remove_names(s, img->id, names, err);
}

int image_remove(store *s, const char *name, bool force, strv *untagged, strv *deleted,
		 cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	const char *victim;

	if (image_lookup(s, name, &img, err) < 0)
		return -1;
	/* A name of an image that has others: only that name goes (podman's "Untagged"). */
	victim = own_name(img, name);
	if (victim && img->names[0] && img->names[1]) {
		const char *const names[] = { victim, NULL };
		if (store_image_remove_names(s, img->id, names, err) < 0)
			return -1;
		strv_push(untagged, victim);
		return 0;
	}
	if (store_image_delete(s, img->id, force, err) < 0) {
		if (cpod_error_kind(*err) == CPOD_ERR_STATE)
			cpod_err_prefix(err, "image used by a container: consider --force");
		return -1;
	}
	strv_pushv(untagged, (const char *const *)img->names);
	strv_push(deleted, img->id);
	return 0;
}

int image_layer_chain(store *s, const char *top, strv *ret, cpod_error **err)
{
	_cleanup_strv_ strv rev = STRV_INIT;
	_cleanup_free_ char *id = top ? xstrdup(top) : NULL;

	while (id) {
		_cleanup_(meta_layer_freep) meta_layer *l = NULL;

		if (rev.n > 1000)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "layer chain of '%s' too long",
					top);
		if (store_layer_get(s, id, &l, err) < 0)
			return -1;
		strv_push(&rev, id);
		free(id);
		id = l->parent ? xstrdup(l->parent) : NULL;
	}
	for (size_t i = rev.n; i > 0; i--)
		strv_push(ret, rev.v[i - 1]);
	return 0;
}
