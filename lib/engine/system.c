/* The public system API (include/cpod/system.h): df and reset. */
#include <cpod/system.h>

#include "engine/runtime_internal.h"
#include "image/manage.h"
#include "common/banned.h"

struct json_object *cpod_system_df(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_disk_usage(s, err) : NULL;
}

int cpod_system_reset(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);

	if (!s)
		return -1;
	/* store_destroy() frees the handle whatever happens; the next use opens a new store */
	rt->store = NULL;
	return store_destroy(s, err);
}
