/* The curl_* functions cpod calls, forwarded to libcurl.so.4 loaded on first use
 * (common/lazylib.h explains why).  To call a new one: add its name to CURL_FUNCTIONS and a
 * forwarder below, with the prototype of <curl/curl.h>; the compiler checks that the two
 * agree, and the library's load checks that the name exists. */

/* curl.h turns curl_easy_setopt and curl_easy_getinfo into type-checking macros for gcc,
 * which would rewrite the definitions below. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <stdarg.h>

#include "common/lazylib.h"
#include "common/banned.h"

#define CURL_FUNCTIONS(X)           \
	X(curl_easy_cleanup)        \
	X(curl_easy_escape)         \
	X(curl_easy_getinfo)        \
	X(curl_easy_init)           \
	X(curl_easy_pause)          \
	X(curl_easy_perform)        \
	X(curl_easy_reset)          \
	X(curl_easy_setopt)         \
	X(curl_easy_strerror)       \
	X(curl_free)                \
	X(curl_multi_add_handle)    \
	X(curl_multi_cleanup)       \
	X(curl_multi_info_read)     \
	X(curl_multi_init)          \
	X(curl_multi_perform)       \
	X(curl_multi_poll)          \
	X(curl_multi_remove_handle) \
	X(curl_slist_append)        \
	X(curl_slist_free_all)      \
	X(curl_url)                 \
	X(curl_url_cleanup)         \
	X(curl_url_get)             \
	X(curl_url_set)

#define SYM_INDEX(name) SYM_##name,
#define SYM_NAME(name) #name,
enum { CURL_FUNCTIONS(SYM_INDEX) };
static const char *const curl_names[] = { CURL_FUNCTIONS(SYM_NAME) };

LAZYLIB_DEFINE(lazy_curl, "libcurl.so.4", curl_names)

/* The real function, with the exact type the header declares. */
#define REAL(name) ((__typeof__(&name))lazylib_sym(&lazy_curl, SYM_##name))
#define FORWARD(ret, name, params, args) \
	ret name params                  \
	{                                \
		return REAL(name) args;  \
	}
#define FORWARD_VOID(name, params, args) \
	void name params                 \
	{                                \
		REAL(name) args;         \
	}

FORWARD(CURL *, curl_easy_init, (void), ())
FORWARD_VOID(curl_easy_cleanup, (CURL * curl), (curl))
FORWARD_VOID(curl_easy_reset, (CURL * curl), (curl))
FORWARD(CURLcode, curl_easy_perform, (CURL * curl), (curl))
FORWARD(CURLcode, curl_easy_pause, (CURL * curl, int bitmask), (curl, bitmask))
FORWARD(const char *, curl_easy_strerror, (CURLcode code), (code))
FORWARD(char *, curl_easy_escape, (CURL * curl, const char *s, int length), (curl, s, length))
FORWARD_VOID(curl_free, (void *p), (p))

FORWARD(CURLM *, curl_multi_init, (void), ())
FORWARD(CURLMcode, curl_multi_cleanup, (CURLM * multi), (multi))
FORWARD(CURLMcode, curl_multi_add_handle, (CURLM * multi, CURL *curl), (multi, curl))
FORWARD(CURLMcode, curl_multi_remove_handle, (CURLM * multi, CURL *curl), (multi, curl))
FORWARD(CURLMcode, curl_multi_perform, (CURLM * multi, int *running), (multi, running))
FORWARD(CURLMsg *, curl_multi_info_read, (CURLM * multi, int *queued), (multi, queued))
FORWARD(CURLMcode, curl_multi_poll,
	(CURLM * multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
	 int *ret),
	(multi, extra_fds, extra_nfds, timeout_ms, ret))

FORWARD(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *s),
	(list, s))
FORWARD_VOID(curl_slist_free_all, (struct curl_slist * list), (list))

FORWARD(CURLU *, curl_url, (void), ())
FORWARD_VOID(curl_url_cleanup, (CURLU * u), (u))
FORWARD(CURLUcode, curl_url_get, (CURLU * u, CURLUPart what, char **part, unsigned int flags),
	(u, what, part, flags))
FORWARD(CURLUcode, curl_url_set, (CURLU * u, CURLUPart what, const char *part, unsigned int flags),
	(u, what, part, flags))

/* The variadic functions take exactly one argument after the option, and curl encodes its
 * type in the option's number: curl_easy_setopt's is a long below CURLOPTTYPE_OBJECTPOINT,
 * then a data pointer, a function pointer, a curl_off_t, and a struct curl_blob pointer
 * from CURLOPTTYPE_BLOB on; curl_easy_getinfo's is always a pointer to where the answer
 * goes.  So the forwarder reads it with its type and passes it on, as a variadic argument
 * again, to the real function, which reads it the same way.
 *
 * This is exact as long as callers pass what the option documents.  On the 64-bit ABIs cpod
 * runs on (x86-64, aarch64, ppc64le, s390x, riscv64) a long, a curl_off_t and a data or
 * function pointer all travel in one integer register or stack slot, so even a caller that
 * passes, say, a specific callback type where we read a generic function pointer, or a
 * pointer where curl reads a long, reaches curl unchanged; the assertion keeps a port to an
 * ABI where that fails from compiling silently. */
typedef void (*any_function)(void);
_Static_assert(sizeof(long) == sizeof(void *) && sizeof(curl_off_t) == sizeof(void *) &&
		       sizeof(any_function) == sizeof(void *),
	       "curl's variadic arguments are forwarded as one machine word");

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	CURLcode r;
	va_list ap;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = REAL(curl_easy_setopt)(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		r = REAL(curl_easy_setopt)(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = REAL(curl_easy_setopt)(curl, option, va_arg(ap, any_function));
	else if (option < CURLOPTTYPE_BLOB)
		r = REAL(curl_easy_setopt)(curl, option, va_arg(ap, curl_off_t));
	else
		r = REAL(curl_easy_setopt)(curl, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	CURLcode r;
	va_list ap;

	va_start(ap, info);
	r = REAL(curl_easy_getinfo)(curl, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
