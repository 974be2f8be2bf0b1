/* Shared libraries loaded on first use.
 *
 * libcurl and libarchive drag about 35 more shared libraries into the process (TLS, Kerberos,
 * LDAP, SSH, libxml2, ICU, libstdc++ ...) and mapping them took most of the run time of a
 * command such as `cpod version` that never uses them.  So libcpod does not link them.
 * lazy_curl.c and lazy_archive.c instead define every curl_* and archive_* function cpod
 * calls, with the prototypes of <curl/curl.h> and <archive.h>; each forwards to the real
 * function, resolved when the first of them is called: the library is opened once
 * (dlopen, RTLD_NOW | RTLD_LOCAL, under pthread_once) and every name of its list is looked up
 * at that moment, so a library that lacks one fails at once and as a whole.
 *
 * Adding a call to a curl_* or archive_* function that has no forwarder makes the link fail
 * with "undefined reference to `curl_foo'": add it to the list and write the forwarder in
 * lazy_curl.c or lazy_archive.c (tests/check-source.sh names the missing ones).
 *
 * When a library cannot be loaded, the forwarders print "cpod: libcurl.so.4 could not be
 * loaded: <dlerror>" and abort: the packages are hard dependencies, so this is a broken
 * installation, handled like an allocation failure.  Code that prefers an error can call
 * lazylib_load() before its first curl or archive call.
 */
#ifndef CPOD_COMMON_LAZYLIB_H
#define CPOD_COMMON_LAZYLIB_H

#include <pthread.h>
#include <stddef.h>

#include <cpod/error.h>

#include "common/cleanup.h"

typedef struct lazylib {
	const char *soname;	  /* what dlopen is given: "libcurl.so.4" */
	const char *const *names; /* the n functions to resolve */
	void **syms;		  /* their addresses once loaded, n entries */
	size_t n;
	pthread_once_t once;
	void (*open)(void); /* the pthread_once routine: lazylib_open() on this struct */
	void *handle;	    /* the dlopen handle, NULL if loading failed */
	char *error;	    /* why loading failed, NULL if it did not */
} lazylib;

/* Defines `lazylib var` for the library soname and the array of names (a real array: its
 * size is taken with ARRAY_SIZE), with the storage for the addresses and the pthread_once
 * routine it needs. */
#define LAZYLIB_DEFINE(var, so, names_array)              \
	static void var##_open(void);                     \
	static void *var##_syms[ARRAY_SIZE(names_array)]; \
	lazylib var = { .soname = (so),                   \
			.names = (names_array),           \
			.syms = var##_syms,               \
			.n = ARRAY_SIZE(names_array),     \
			.once = PTHREAD_ONCE_INIT,        \
			.open = var##_open };             \
	static void var##_open(void)                      \
	{                                                 \
		lazylib_open(&var);                       \
	}

/* The two libraries, with the list of the functions cpod forwards to each. */
extern lazylib lazy_curl;    /* libcurl.so.4, lazy_curl.c */
extern lazylib lazy_archive; /* libarchive.so.13, lazy_archive.c */

/* Loads lib if that was not tried yet (thread-safe; only the first call does the work).
 * Returns 0, or -1 with *err (CPOD_ERR_SYSTEM) "libcurl.so.4 could not be loaded: <dlerror>"
 * when the library or one of its functions cannot be found; every later call returns the
 * same result. */
int lazylib_load(lazylib *lib, cpod_error **err);

/* The address of lib->names[i], loading lib first.  If lib cannot be loaded, prints why on
 * stderr and aborts; it never returns NULL. */
void *lazylib_sym(lazylib *lib, size_t i);

/* Does the loading; only for LAZYLIB_DEFINE's pthread_once routine. */
void lazylib_open(lazylib *lib);

#endif
