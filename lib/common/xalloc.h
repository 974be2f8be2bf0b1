/* Allocation that cannot fail: out of memory aborts, as STYLE.md asks. */
#ifndef CPOD_COMMON_XALLOC_H
#define CPOD_COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray(p, nmemb, size): realloc with overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a new string formatted like printf. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Returns true when s starts with prefix / ends with suffix. */
int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);
/* NULL-safe strcmp equality. */
int str_eq(const char *a, const char *b);

#endif
