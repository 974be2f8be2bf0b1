#include "config/confutil.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

int conf_error_at(const char *file, const char *key, const toml_value *v, cpod_error **err,
		  const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "%s:%d:%d: key '%s': %s", file,
			v ? toml_line(v) : 0, v ? toml_column(v) : 0, key, msg);
}

int conf_type_error(const char *file, const char *key, const toml_value *v, const char *want,
		    cpod_error **err)
{
	return conf_error_at(file, key, v, err, "expected %s, got %s", want,
			     toml_type_name(toml_type_of(v)));
}

int conf_check_table(const char *file, const char *key, const toml_value *v, cpod_error **err)
{
	if (toml_type_of(v) != TOML_TABLE)
		return conf_type_error(file, key, v, "table", err);
	return 0;
}

int conf_get_string(const char *file, const char *key, const toml_value *v, char **dst,
		    cpod_error **err)
{
	if (toml_type_of(v) != TOML_STRING)
		return conf_type_error(file, key, v, "string", err);
	free(*dst);
	*dst = xstrdup(toml_string(v));
	return 0;
}

int conf_get_bool(const char *file, const char *key, const toml_value *v, bool *dst,
		  cpod_error **err)
{
	if (toml_type_of(v) != TOML_BOOL)
		return conf_type_error(file, key, v, "boolean", err);
	*dst = toml_bool(v) != 0;
	return 0;
}

int conf_get_int(const char *file, const char *key, const toml_value *v, int64_t min, int64_t max,
		 int64_t *dst, cpod_error **err)
{
	int64_t n;

	if (toml_type_of(v) != TOML_INTEGER)
		return conf_type_error(file, key, v, "integer", err);
	n = toml_int(v);
	if (n < min || n > max)
		return conf_error_at(file, key, v, err, "value %" PRId64 " out of range", n);
	*dst = n;
	return 0;
}

int conf_get_strv(const char *file, const char *key, const toml_value *v, strv *dst,
		  cpod_error **err)
{
	_cleanup_strv_ strv out = STRV_INIT;
	size_t n;

	if (toml_type_of(v) != TOML_ARRAY)
		return conf_type_error(file, key, v, "array", err);
	n = toml_array_len(v);
	for (size_t i = 0; i < n; i++) {
		const toml_value *e = toml_array_at(v, i);

		if (toml_type_of(e) != TOML_STRING) {
			_cleanup_free_ char *ekey = xasprintf("%s[%zu]", key, i);
			return conf_type_error(file, ekey, e, "string", err);
		}
		strv_push(&out, toml_string(e));
	}
	strv_clear(dst);
	*dst = out;
	strv_init(&out);
	return 0;
}

int conf_get_scalar_text(const char *file, const char *key, const toml_value *v, char **ret,
			 cpod_error **err)
{
	switch (toml_type_of(v)) {
	case TOML_STRING:
	case TOML_DATETIME:
		*ret = xstrdup(toml_string(v));
		return 0;
	case TOML_INTEGER:
		*ret = xasprintf("%" PRId64, toml_int(v));
		return 0;
	case TOML_FLOAT:
		*ret = xasprintf("%g", toml_float(v));
		return 0;
	case TOML_BOOL:
		*ret = xstrdup(toml_bool(v) ? "true" : "false");
		return 0;
	default:
		return conf_type_error(file, key, v, "string", err);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int conf_list_dropins(const char *dir, strv *out, cpod_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_ strv found = STRV_INIT;
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading directory '%s'", dir);
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] || str_eq(de->d_name, "..")))
			continue;
		if (!str_has_suffix(de->d_name, ".conf"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		/* Like filepath.WalkDir: directories are skipped, everything else is a file. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		strv_push_take(&found, TAKE_PTR(path));
	}
	if (errno)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading directory '%s'", dir);
	if (found.n)
		qsort(found.v, found.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < found.n; i++)
		strv_push(out, found.v[i]);
	return 0;
}

int conf_file_exists(const char *path, cpod_error **err)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return cpod_err(err, CPOD_ERR_SYSTEM, errno, "checking '%s'", path);
}

const char *conf_getenv(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

char *conf_home_dir(void)
{
	const char *home = conf_getenv("HOME");
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (home)
		return xstrdup(home);
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_dir &&
	    *res->pw_dir)
		return xstrdup(res->pw_dir);
	return NULL;
}

char *conf_config_home(const char *home)
{
	const char *xdg = conf_getenv("XDG_CONFIG_HOME");

	if (xdg)
		return xstrdup(xdg);
	return home ? xasprintf("%s/.config", home) : NULL;
}

/* Length of the variable name at s (letters, digits, '_'), as Go's os.Expand takes it. */
static size_t env_name_len(const char *s)
{
	size_t n = 0;

	while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

static void expand_var(buf *out, const char *name, size_t len, uid_t uid)
{
	_cleanup_free_ char *n = xstrndup(name, len);
	const char *val;

	if (str_eq(n, "UID")) {
		buf_addf(out, "%u", (unsigned)uid);
		return;
	}
	val = getenv(n);
	if (val)
		buf_adds(out, val);
}

char *conf_expand_env(const char *s, uid_t uid)
{
	buf out = BUF_INIT;

	while (*s) {
		size_t len;

		if (*s != '$') {
			buf_addch(&out, *s++);
			continue;
		}
		if (s[1] == '{') {
			const char *end = strchr(s + 2, '}');

			if (!end) {
				buf_adds(&out, s);
				break;
			}
			expand_var(&out, s + 2, (size_t)(end - (s + 2)), uid);
			s = end + 1;
			continue;
		}
		len = env_name_len(s + 1);
		if (!len) {
			buf_addch(&out, *s++);
			continue;
		}
		expand_var(&out, s + 1, len, uid);
		s += 1 + len;
	}
	return buf_detach(&out, NULL);
}
