/* The pure parts of the registry client: WWW-Authenticate parsing and certs.d discovery. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/registry.h"
#include "common/banned.h"

void www_auth_clear(www_auth *a)
{
	if (!a)
		return;
	free(a->scheme);
	free(a->realm);
	free(a->service);
	free(a->scope);
	memset(a, 0, sizeof(*a));
}

static bool is_token_char(char ch)
{
	return ch && !strchr(" \t,=\"", ch);
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Reads a token or a quoted string at *p into a new string. */
static int read_value(const char **p, char **ret)
{
	buf b = BUF_INIT;
	const char *s = *p;

	if (*s != '"') {
		while (is_token_char(*s))
			s++;
		if (s == *p)
			return -1;
		*ret = xstrndup(*p, (size_t)(s - *p));
		*p = s;
		return 0;
	}
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		buf_addch(&b, *s);
	}
	if (*s != '"') {
		buf_release(&b);
		return -1;
	}
	*p = s + 1;
	*ret = buf_detach(&b, NULL);
	return 0;
}

static void set_param(www_auth *a, const char *key, char *value)
{
	char **slot = NULL;

	if (!strcasecmp(key, "realm"))
		slot = &a->realm;
	else if (!strcasecmp(key, "service"))
		slot = &a->service;
	else if (!strcasecmp(key, "scope"))
		slot = &a->scope;
	if (!slot) {
		free(value);
		return;
	}
	free(*slot);
	*slot = value;
}

/* Reads "key=value" pairs separated by commas until the end or the next challenge. */
static int parse_params(const char **p, www_auth *a)
{
	for (;;) {
		_cleanup_free_ char *key = NULL;
		const char *s;
		char *value = NULL;

		skip_space(p);
		while (**p == ',')
			(*p)++, skip_space(p);
		if (!**p)
			return 0;
		s = *p;
		while (is_token_char(**p))
			(*p)++;
		if (*p == s)
			return -1;
		key = xstrndup(s, (size_t)(*p - s));
		skip_space(p);
		if (**p != '=')
			return **p == '\0' || **p == ',' ? -1 : 0; /* a new challenge's scheme */
		(*p)++;
		skip_space(p);
		if (read_value(p, &value) < 0)
			return -1;
		set_param(a, key, value);
	}
}

int www_auth_parse(const char *value, www_auth *ret, cpod_error **err)
{
	www_auth a = { 0 };
	const char *p = value ? value : "", *s;

	skip_space(&p);
	s = p;
	while (is_token_char(*p))
		p++;
	if (p == s)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid WWW-Authenticate header '%s'",
				value ? value : "");
	a.scheme = xstrndup(s, (size_t)(p - s));
	for (char *c = a.scheme; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (*p && *p != ' ' && *p != '\t') {
		www_auth_clear(&a);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid WWW-Authenticate header '%s'",
				value);
	}
	if (parse_params(&p, &a) < 0) {
		www_auth_clear(&a);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid WWW-Authenticate header '%s'",
				value);
	}
	*ret = a;
	return 0;
}

void registry_certs_clear(registry_certs *c)
{
	if (!c)
		return;
	strv_clear(&c->ca_files);
	free(c->cert_file);
	free(c->key_file);
	c->cert_file = c->key_file = NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular-file names of dir, sorted; an absent directory gives none. */
static int list_dir(const char *dir, strv *ret, cpod_error **err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading certificate directory '%s'",
				dir);
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(ret, e->d_name);
	closedir(d);
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_names);
	return 0;
}

static int scan_host_dir(const char *dir, registry_certs *c, cpod_error **err)
{
	_cleanup_strv_ strv names = STRV_INIT;

	if (list_dir(dir, &names, err) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		size_t len = strlen(n);

		if (str_has_suffix(n, ".crt")) {
			strv_pushf(&c->ca_files, "%s/%s", dir, n);
		} else if (str_has_suffix(n, ".cert")) {
			_cleanup_free_ char *key = xasprintf("%.*s.key", (int)(len - 5), n);

			if (!strv_contains((const char *const *)names.v, key))
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"missing key '%s' for client certificate '%s/%s'",
						key, dir, n);
			if (!c->cert_file) {
				c->cert_file = xasprintf("%s/%s", dir, n);
				c->key_file = xasprintf("%s/%s", dir, key);
			}
		} else if (str_has_suffix(n, ".key")) {
			_cleanup_free_ char *cert = xasprintf("%.*s.cert", (int)(len - 4), n);

			if (!strv_contains((const char *const *)names.v, cert))
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"missing client certificate '%s' for key '%s/%s'",
						cert, dir, n);
		}
	}
	return 0;
}

int registry_certs_find(const char *const *dirs, const char *host, registry_certs *ret,
			cpod_error **err)
{
	registry_certs c = { .ca_files = STRV_INIT };

	for (; dirs && *dirs; dirs++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", *dirs, host);
		struct stat st;

		/* As containers/image: the first directory that has one for host is used. */
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (scan_host_dir(dir, &c, err) < 0) {
			registry_certs_clear(&c);
			return -1;
		}
		break;
	}
	*ret = c;
	return 0;
}
