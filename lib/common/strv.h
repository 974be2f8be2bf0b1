/* NULL-terminated string vectors (argv, env, lists).
 *
 * A strv owns its strings.  The struct form tracks the length so appends are O(1);
 * strv_detach() hands out the plain char ** (free with strv_free()).
 */
#ifndef CPOD_COMMON_STRV_H
#define CPOD_COMMON_STRV_H

#include <stddef.h>

typedef struct {
	char **v; /* NULL-terminated; points at a static empty vector while nothing is allocated */
	size_t n;
	size_t alloc;
} strv;

extern char *strv_empty_[];
#define STRV_INIT                                    \
	{                                            \
		.v = strv_empty_, .n = 0, .alloc = 0 \
	}

void strv_init(strv *s);
void strv_clear(strv *s);
static inline void strv_clearp(strv *s)
{
	strv_clear(s);
}
#define _cleanup_strv_ __attribute__((cleanup(strv_clearp)))

/* Appends a copy of str / takes ownership of str / a formatted string. */
void strv_push(strv *s, const char *str);
void strv_push_take(strv *s, char *str);
void strv_pushf(strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_pushv(strv *s, const char *const *v);
/* Removes and frees element i. */
void strv_remove(strv *s, size_t i);
/* Returns the vector (caller frees with strv_free()); s is empty again. */
char **strv_detach(strv *s);

/* Functions on plain NULL-terminated vectors. */
size_t strv_length(char *const *v);
void strv_free(char **v);
static inline void strv_freep(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))
char **strv_copy(const char *const *v);
int strv_contains(const char *const *v, const char *str);
/* Splits s at every character in seps; empty fields are kept unless skip_empty. */
char **strv_split(const char *s, const char *seps, int skip_empty);
/* Joins with sep; returns a new string. */
char *strv_join(const char *const *v, const char *sep);
/* Looks up KEY in a "KEY=VALUE" vector; returns the value or NULL. */
const char *strv_env_get(const char *const *env, const char *key);
/* Sets KEY=VALUE, replacing an existing KEY. */
void strv_env_set(strv *env, const char *key, const char *value);

#endif
