/* Volume filters; see volume_filter.h. */
#include "engine/volume_filter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/timeparse.h"
#include "common/xalloc.h"
#include "common/banned.h"

void vol_filter_clear(vol_filter *f)
{
	for (size_t i = 0; i < f->n_names; i++)
		regfree(&f->names[i]);
	free(f->names);
	f->names = NULL;
	f->n_names = 0;
	strv_clear(&f->drivers);
	strv_clear(&f->scopes);
	strv_clear(&f->labels);
	strv_clear(&f->opts);
	free(f->untils);
	f->untils = NULL;
	f->n_untils = 0;
}

static int add_name(vol_filter *f, const char *re, cpod_error **err)
{
	regex_t r;
	int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		char msg[256];

		regerror(rc, &r, msg, sizeof(msg));
		return cpod_err(err, CPOD_ERR_INVALID, 0, "error parsing regexp: %s: `%s`", msg,
				re);
	}
	f->names = xreallocarray(f->names, f->n_names + 1, sizeof(*f->names));
	f->names[f->n_names++] = r;
	return 0;
}

static int add_until(vol_filter *f, const char *value, cpod_error **err)
{
	struct timespec now, t;

	clock_gettime(CLOCK_REALTIME, &now);
	if (timeparse_filter(value, &now, &t, err) < 0)
		return -1;
	f->untils = xreallocarray(f->untils, f->n_untils + 1, sizeof(*f->untils));
	f->untils[f->n_untils++] = t;
	return 0;
}

static int add_dangling(vol_filter *f, const char *value, cpod_error **err)
{
	if (strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
		f->dangling_true = true;
	else if (strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
		f->dangling_false = true;
	else
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"\"%s\" is not a valid value for the \"dangling\" filter - must be "
				"true or false",
				value);
	return 0;
}

static int add_one(vol_filter *f, const char *key, const char *value, cpod_error **err)
{
	if (strcmp(key, "name") == 0)
		return add_name(f, value, err);
	if (strcmp(key, "until") == 0)
		return add_until(f, value, err);
	if (strcmp(key, "dangling") == 0)
		return add_dangling(f, value, err);
	if (strcmp(key, "driver") == 0)
		strv_push(&f->drivers, value);
	else if (strcmp(key, "scope") == 0)
		strv_push(&f->scopes, value);
	else if (strcmp(key, "label") == 0)
		strv_push(&f->labels, value);
	else if (strcmp(key, "opt") == 0)
		strv_push(&f->opts, value);
	else
		return cpod_err(err, CPOD_ERR_INVALID, 0, "\"%s\" is an invalid volume filter",
				key);
	return 0;
}

int vol_filter_parse(vol_filter *f, const char *const *filters, cpod_error **err)
{
	for (; filters && *filters; filters++) {
		const char *eq = strchr(*filters, '=');
		_cleanup_free_ char *key = NULL;

		if (!eq)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"filter input must be in the form of filter=value: %s is "
					"invalid",
					*filters);
		key = xstrndup(*filters, (size_t)(eq - *filters));
		if (add_one(f, key, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* KEY or KEY=VALUE against a map of strings (containers/common's label matching). */
static bool map_has(json_object *map, const char *filter)
{
	const char *eq = strchr(filter, '=');
	_cleanup_free_ char *key = xstrndup(filter, eq ? (size_t)(eq - filter) : strlen(filter));
	json_object *v;

	if (!json_object_object_get_ex(map, key, &v))
		return false;
	return !eq || !eq[1] || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static bool any_equal(const strv *s, const char *value)
{
	return strv_contains((const char *const *)s->v, value);
}

static bool match_untils(const vol_filter *f, int64_t created)
{
	int64_t sec = created / 1000000000, nsec = created % 1000000000;

	/* In seconds and nanoseconds: a far "until" does not fit int64 nanoseconds. */
	for (size_t i = 0; i < f->n_untils; i++)
		if (sec < f->untils[i].tv_sec ||
		    (sec == f->untils[i].tv_sec && nsec < f->untils[i].tv_nsec))
			return true;
	return false;
}

bool vol_filter_match(const vol_filter *f, const vol *v)
{
	bool ok = f->n_names == 0;

	for (size_t i = 0; !ok && i < f->n_names; i++)
		ok = regexec(&f->names[i], v->name, 0, NULL, 0) == 0;
	if (!ok || (f->drivers.n && !any_equal(&f->drivers, v->driver)) ||
	    (f->scopes.n && !any_equal(&f->scopes, "local")))
		return false;
	for (size_t i = 0; i < f->labels.n; i++)
		if (!map_has(v->labels, f->labels.v[i]))
			return false;
	if (f->opts.n) {
		ok = false;
		for (size_t i = 0; !ok && i < f->opts.n; i++)
			ok = map_has(v->options, f->opts.v[i]);
		if (!ok)
			return false;
	}
	if (f->n_untils && !match_untils(f, v->created))
		return false;
	if (f->dangling_true || f->dangling_false)
		return (f->dangling_true && v->users == 0) || (f->dangling_false && v->users > 0);
	return true;
}
