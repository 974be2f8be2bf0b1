/* The public system API (include/cpod/system.h): df and reset. */
#include <cpod/system.h>

#include <stdlib.h>

#include "engine/container_internal.h"
#include "engine/runtime_internal.h"
#include "image/manage.h"
#include "common/banned.h"

struct json_object *cpod_system_df(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);

	return s ? image_disk_usage(s, err) : NULL;
}

/* Stops and removes every container (their mounts and runtime state must go before the
 * store's files do). */
static int remove_all_containers(cpod_runtime *rt, cpod_error **err)
{
	ctr **all = NULL;
	size_t n = 0;
	int r = 0;

	if (ctr_load_all(rt, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cpod_rm_opts o = { .struct_size = sizeof(o),
				   .force = true,
				   .volumes = true,
				   .timeout = 0,
				   .ignore = true };

		if (r == 0 && cpod_container_remove(rt, all[i]->id, &o, err) < 0)
			r = -1;
		ctr_free(all[i]);
	}
	free(all);
	return r;
}

int cpod_system_reset(cpod_runtime *rt, cpod_error **err)
{
	store *s = engine_store(rt, err);

	if (!s || remove_all_containers(rt, err) < 0)
		return -1;
	rt->engine_db_ready = 0;
	/* store_destroy() frees the handle whatever happens; the next use opens a new store */
	rt->store = NULL;
	return store_destroy(s, err);
}
