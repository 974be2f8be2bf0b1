#include "common/strv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "common/banned.h"

char *strv_empty_[1];

void strv_init(strv *s)
{
	s->v = strv_empty_;
	s->n = 0;
	s->alloc = 0;
}

void strv_clear(strv *s)
{
	if (s->alloc)
		strv_free(s->v);
	strv_init(s);
}

void strv_push_take(strv *s, char *str)
{
	if (s->n + 2 > s->alloc) {
		size_t want = s->alloc ? s->alloc * 2 : 8;
		char **nv = xreallocarray(s->alloc ? s->v : NULL, want, sizeof(char *));
		s->v = nv;
		s->alloc = want;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void strv_push(strv *s, const char *str)
{
	strv_push_take(s, xstrdup(str));
}

void strv_pushf(strv *s, const char *fmt, ...)
{
	va_list ap;
	char *str = NULL;

	va_start(ap, fmt);
	if (vasprintf(&str, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_push_take(s, str);
}

void strv_pushv(strv *s, const char *const *v)
{
	for (; v && *v; v++)
		strv_push(s, *v);
}

void strv_remove(strv *s, size_t i)
{
	if (i >= s->n)
		return;
	free(s->v[i]);
	memmove(s->v + i, s->v + i + 1, (s->n - i) * sizeof(char *));
	s->n--;
}

char **strv_detach(strv *s)
{
	char **v = s->alloc ? s->v : xcalloc(1, sizeof(char *));
	strv_init(s);
	return v;
}

size_t strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

char **strv_copy(const char *const *v)
{
	strv s = STRV_INIT;
	strv_pushv(&s, v);
	return strv_detach(&s);
}

int strv_contains(const char *const *v, const char *str)
{
	for (; v && *v; v++)
		if (strcmp(*v, str) == 0)
			return 1;
	return 0;
}

char **strv_split(const char *s, const char *seps, int skip_empty)
{
	strv out = STRV_INIT;

	for (;;) {
		size_t n = strcspn(s, seps);
		if (n || !skip_empty)
			strv_push_take(&out, xstrndup(s, n));
		if (!s[n])
			break;
		s += n + 1;
	}
	return strv_detach(&out);
}

char *strv_join(const char *const *v, const char *sep)
{
	buf b = BUF_INIT;

	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			buf_adds(&b, sep);
		buf_adds(&b, v[i]);
	}
	return buf_detach(&b, NULL);
}

const char *strv_env_get(const char *const *env, const char *key)
{
	size_t kl = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, kl) == 0 && (*env)[kl] == '=')
			return *env + kl + 1;
	return NULL;
}

void strv_env_set(strv *env, const char *key, const char *value)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], key, kl) == 0 && env->v[i][kl] == '=') {
			free(env->v[i]);
			env->v[i] = xasprintf("%s=%s", key, value);
			return;
		}
	}
	strv_pushf(env, "%s=%s", key, value);
}
