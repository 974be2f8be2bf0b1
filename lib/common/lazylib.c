#include "common/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "common/banned.h"

void lazylib_open(lazylib *lib)
{
	const char *why;

	/* RTLD_LOCAL: the library's symbols stay out of the global scope, so nothing else in
	 * the process binds to them by accident; RTLD_NOW: its own dependencies fail here,
	 * not in the middle of a transfer. */
	lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		why = dlerror();
		lib->error = xasprintf("%s could not be loaded: %s", lib->soname,
				       why ? why : "unknown error");
		return;
	}
	for (size_t i = 0; i < lib->n; i++) {
		(void)dlerror();
		lib->syms[i] = dlsym(lib->handle, lib->names[i]);
		if (lib->syms[i])
			continue;
		why = dlerror();
		lib->error = xasprintf("%s could not be loaded: %s", lib->soname,
				       why ? why : lib->names[i]);
		dlclose(lib->handle);
		lib->handle = NULL;
		return;
	}
}

int lazylib_load(lazylib *lib, cpod_error **err)
{
	/* pthread_once also publishes what the routine wrote to every thread that returns
	 * from it, so lib->error and lib->syms need no further synchronisation. */
	pthread_once(&lib->once, lib->open);
	if (lib->error)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s", lib->error);
	return 0;
}

void *lazylib_sym(lazylib *lib, size_t i)
{
	pthread_once(&lib->once, lib->open);
	if (lib->error) {
		/* The caller has no way to report an error (curl_easy_setopt, archive_entry_new
		 * ...); a missing hard dependency is a broken installation, like running out of
		 * memory. */
		fprintf(stderr, "cpod: %s\n", lib->error);
		abort();
	}
	return lib->syms[i];
}
