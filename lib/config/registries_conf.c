#include "config/registries_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/confutil.h"
#include "config/toml.h"
#include "common/banned.h"

#define SYSTEM_REGISTRIES_CONF "/etc/containers/registries.conf"
#define SYSTEM_REGISTRIES_DIR "/etc/containers/registries.conf.d"
#define AUTH_FILE_HELPER "containers-auth.json"

/* ---- the reference grammar of distribution/reference, as far as aliases need it ---- */

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0, sep;

		while (i < n && is_alnum_lower(s[i]))
			i++, run++;
		if (!run)
			return false;
		if (i == n)
			return true;
		sep = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else {
			while (i < n && s[i] == '-')
				i++;
		}
		if (i == sep || i == n)
			return false;
	}
	return false;
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_ok(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* domain: component(\.component)*(:[0-9]+)? */
static bool domain_ok(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n, start = 0;

	if (colon) {
		size_t port = n - host - 1;

		if (!port)
			return false;
		for (size_t i = host + 1; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return false;
	}
	for (size_t i = 0; i <= host; i++) {
		if (i == host || s[i] == '.') {
			if (!domain_component_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* A repository name split as reference.Parse() splits it. */
typedef struct {
	char *domain; /* NULL when the name has none */
	char *path;
	bool tagged;
	bool digested;
} parsed_name;

static void parsed_name_clear(parsed_name *p)
{
	free(p->domain);
	free(p->path);
}

static int parse_name(const char *s, parsed_name *ret)
{
	_cleanup_free_ char *name = xstrdup(s);
	char *at = strchr(name, '@'), *slash, *colon, *first_slash, *p;

	if (at) {
		*at = '\0';
		ret->digested = true;
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		ret->tagged = true;
	}
	if (!*name || strlen(name) > 255)
		return -1;
	first_slash = strchr(name, '/');
	if (first_slash && domain_ok(name, (size_t)(first_slash - name))) {
		ret->domain = xstrndup(name, (size_t)(first_slash - name));
		p = first_slash + 1;
	} else {
		p = name;
	}
	if (!*p)
		return -1;
	ret->path = xstrdup(p);
	for (char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (!path_component_ok(c, n))
			return -1;
		c += n + (c[n] == '/');
		if (c[-1] == '/' && !*c)
			return -1;
	}
	return 0;
}

static bool is_registry(const char *domain)
{
	return domain && (strpbrk(domain, ".:") || str_eq(domain, "localhost"));
}

/* containers/image validateShortName(): NULL when name is a valid alias name. */
static const char *short_name_problem(const char *name)
{
	_cleanup_(parsed_name_clear) parsed_name p = { NULL, NULL, false, false };

	if (parse_name(name, &p) < 0)
		return "cannot parse short name";
	if (p.digested)
		return "must not contain digest";
	if (p.tagged)
		return "must not contain tag";
	if (is_registry(p.domain))
		return "must not contain registry";
	return NULL;
}

/* containers/image parseShortNameValue(): the normalized repository, or NULL with *why. */
static char *alias_value(const char *value, const char **why)
{
	_cleanup_(parsed_name_clear) parsed_name p = { NULL, NULL, false, false };
	const char *domain;

	if (parse_name(value, &p) < 0) {
		*why = "cannot parse the alias";
		return NULL;
	}
	if (p.digested || p.tagged) {
		*why = p.digested ? "must not contain digest" : "must not contain tag";
		return NULL;
	}
	if (!is_registry(p.domain)) {
		*why = "must contain registry and repository";
		return NULL;
	}
	domain = str_eq(p.domain, "index.docker.io") ? "docker.io" : p.domain;
	if (str_eq(domain, "docker.io") && !strchr(p.path, '/'))
		return xasprintf("%s/library/%s", domain, p.path);
	return xasprintf("%s/%s", domain, p.path);
}

/* ---- one file ---- */

static void entry_clear(registry_entry *r)
{
	free(r->prefix);
	free(r->endpoint.location);
	for (size_t i = 0; i < r->n_mirrors; i++)
		free(r->mirrors[i].location);
	free(r->mirrors);
	memset(r, 0, sizeof(*r));
}

static void alias_clear(registry_alias *a)
{
	free(a->name);
	free(a->value);
	free(a->origin);
}

void registries_conf_free(registries_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_registries; i++)
		entry_clear(&c->registries[i]);
	free(c->registries);
	strv_clear(&c->unqualified_search);
	free(c->unqualified_search_origin);
	strv_clear(&c->credential_helpers);
	for (size_t i = 0; i < c->n_aliases; i++)
		alias_clear(&c->aliases[i]);
	free(c->aliases);
	strv_clear(&c->files);
	free(c);
}

static registries_conf *conf_new(void)
{
	registries_conf *c = xcalloc(1, sizeof(*c));

	strv_init(&c->unqualified_search);
	strv_init(&c->credential_helpers);
	strv_init(&c->files);
	c->unqualified_search_origin = xstrdup("");
	return c;
}

/* containers/image parseLocation(): no trailing '/', no URI scheme. */
static int location_fixup(const char *file, const char *key, const toml_value *v, char *loc,
			  cpod_error **err)
{
	size_t n = strlen(loc);

	if (str_has_prefix(loc, "http://") || str_has_prefix(loc, "https://"))
		return conf_error_at(file, key, v, err,
				     "invalid location '%s': URI schemes are not supported", loc);
	while (n && loc[n - 1] == '/')
		loc[--n] = '\0';
	return 0;
}

static int get_location(const char *file, const char *key, const toml_value *v, char **dst,
			cpod_error **err)
{
	if (conf_get_string(file, key, v, dst, err) < 0)
		return -1;
	return location_fixup(file, key, v, *dst, err);
}

static int get_pull_from(const char *file, const char *key, const toml_value *v,
			 pull_from_mirror *ret, bool *set, cpod_error **err)
{
	_cleanup_free_ char *s = NULL;

	if (conf_get_string(file, key, v, &s, err) < 0)
		return -1;
	*set = *s != '\0';
	if (!*s || str_eq(s, "all"))
		*ret = PULL_FROM_MIRROR_ALL;
	else if (str_eq(s, "digest-only"))
		*ret = PULL_FROM_MIRROR_DIGEST_ONLY;
	else if (str_eq(s, "tag-only"))
		*ret = PULL_FROM_MIRROR_TAG_ONLY;
	else
		return conf_error_at(file, key, v, err, "unsupported pull-from-mirror value '%s'",
				     s);
	return 0;
}

static int decode_mirror(registry_endpoint *m, bool *pull_from_set, const char *file,
			 const char *key, const toml_value *v, cpod_error **err)
{
	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	m->location = xstrdup("");
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *k = toml_table_key(v, i);
		const toml_value *e = toml_table_value(v, i);
		_cleanup_free_ char *ekey = xasprintf("%s.%s", key, k);
		int r = 0;

		if (str_eq(k, "location"))
			r = get_location(file, ekey, e, &m->location, err);
		else if (str_eq(k, "insecure"))
			r = conf_get_bool(file, ekey, e, &m->insecure, err);
		else if (str_eq(k, "pull-from-mirror"))
			r = get_pull_from(file, ekey, e, &m->pull_from, pull_from_set, err);
		if (r < 0)
			return -1;
	}
	if (!*m->location)
		return conf_error_at(file, key, v, err,
				     "invalid condition: mirror location is unset");
	return 0;
}

static int decode_mirrors(registry_entry *r, const char *file, const char *key, const toml_value *v,
			  cpod_error **err)
{
	size_t n = toml_array_len(v);

	if (toml_type_of(v) != TOML_ARRAY)
		return conf_type_error(file, key, v, "array of tables", err);
	r->mirrors = xcalloc(n ? n : 1, sizeof(*r->mirrors));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *mkey = xasprintf("%s[%zu]", key, i);
		bool set = false;

		r->n_mirrors++;
		if (decode_mirror(&r->mirrors[i], &set, file, mkey, toml_array_at(v, i), err) < 0)
			return -1;
		if (set && r->mirror_by_digest_only)
			return conf_error_at(file, mkey, toml_array_at(v, i), err,
					     "cannot set mirror usage mirror-by-digest-only for "
					     "the registry ('%s') and pull-from-mirror for "
					     "per-mirror ('%s') at the same time",
					     r->prefix ? r->prefix : r->endpoint.location,
					     r->mirrors[i].location);
	}
	return 0;
}

static int decode_registry_keys(registry_entry *r, const char *file, const char *key,
				const toml_value *v, cpod_error **err)
{
	for (size_t i = 0; i < toml_table_len(v); i++) {
		const char *k = toml_table_key(v, i);
		const toml_value *e = toml_table_value(v, i);
		_cleanup_free_ char *ekey = xasprintf("%s.%s", key, k);
		bool set = false;
		int res = 0;

		if (str_eq(k, "prefix"))
			res = get_location(file, ekey, e, &r->prefix, err);
		else if (str_eq(k, "location"))
			res = get_location(file, ekey, e, &r->endpoint.location, err);
		else if (str_eq(k, "insecure"))
			res = conf_get_bool(file, ekey, e, &r->endpoint.insecure, err);
		else if (str_eq(k, "blocked"))
			res = conf_get_bool(file, ekey, e, &r->blocked, err);
		else if (str_eq(k, "mirror-by-digest-only"))
			res = conf_get_bool(file, ekey, e, &r->mirror_by_digest_only, err);
		else if (str_eq(k, "pull-from-mirror"))
			res = get_pull_from(file, ekey, e, &r->endpoint.pull_from, &set, err);
		if (res == 0 && set)
			res = conf_error_at(file, ekey, e, err,
					    "pull-from-mirror must not be set for a non-mirror "
					    "registry");
		if (res < 0)
			return -1;
	}
	return 0;
}

static int decode_registry(registry_entry *r, const char *file, const char *key,
			   const toml_value *v, cpod_error **err)
{
	const toml_value *mirrors = toml_get(v, "mirror");
	_cleanup_free_ char *mkey = xasprintf("%s.mirror", key);

	if (conf_check_table(file, key, v, err) < 0)
		return -1;
	r->endpoint.location = xstrdup("");
	/* The registry's own keys first: the mirror checks need mirror-by-digest-only. */
	if (decode_registry_keys(r, file, key, v, err) < 0)
		return -1;
	if (!r->prefix || !*r->prefix) {
		if (!*r->endpoint.location)
			return conf_error_at(file, key, v, err,
					     "invalid condition: both location and prefix are "
					     "unset");
		free(r->prefix);
		r->prefix = xstrdup(r->endpoint.location);
	} else if (str_has_prefix(r->prefix, "*.")) {
		if (strpbrk(r->prefix, "/@:"))
			return conf_error_at(file, key, v, err,
					     "wildcarded prefix should be in the format: "
					     "*.example.com, got '%s'",
					     r->prefix);
	} else if (!*r->endpoint.location) {
		return conf_error_at(file, key, v, err,
				     "invalid condition: location is unset and prefix is not in "
				     "the format: *.example.com");
	}
	if (mirrors && decode_mirrors(r, file, mkey, mirrors, err) < 0)
		return -1;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const registry_entry *)a)->prefix, ((const registry_entry *)b)->prefix);
}

/* The setting on which two entries for one location disagree, or NULL. */
static const char *conflict(const registry_entry *a, const registry_entry *b)
{
	const char *ida = *a->endpoint.location ? a->endpoint.location : a->prefix;
	const char *idb = *b->endpoint.location ? b->endpoint.location : b->prefix;

	if (!str_eq(ida, idb))
		return NULL;
	if (a->endpoint.insecure != b->endpoint.insecure)
		return "insecure";
	if (a->blocked != b->blocked)
		return "blocked";
	return NULL;
}

/* containers/image postProcessRegistries(): no conflicting duplicates of one location, one
 * entry per prefix (the first wins), sorted by prefix. */
static int postprocess_registries(registries_conf *c, const char *file, cpod_error **err)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n_registries; i++) {
		for (size_t j = 0; j < i; j++) {
			const char *what = conflict(&c->registries[i], &c->registries[j]);

			if (what)
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"%s: registry '%s' is defined multiple times with "
						"conflicting '%s' setting",
						file, c->registries[i].endpoint.location, what);
		}
	}
	for (size_t i = 0; i < c->n_registries; i++) {
		bool dup = false;

		for (size_t j = 0; j < kept && !dup; j++)
			dup = str_eq(c->registries[j].prefix, c->registries[i].prefix);
		if (dup)
			entry_clear(&c->registries[i]);
		else
			c->registries[kept++] = c->registries[i];
	}
	c->n_registries = kept;
	if (kept)
		qsort(c->registries, kept, sizeof(*c->registries), cmp_entry);
	return 0;
}

static int decode_registries(registries_conf *c, const char *file, const toml_value *v,
			     cpod_error **err)
{
	size_t n = toml_array_len(v);

	if (toml_type_of(v) != TOML_ARRAY)
		return conf_type_error(file, "registry", v, "array of tables", err);
	c->registries = xcalloc(n ? n : 1, sizeof(*c->registries));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = xasprintf("registry[%zu]", i);

		c->n_registries++;
		if (decode_registry(&c->registries[i], file, key, toml_array_at(v, i), err) < 0)
			return -1;
	}
	return 0;
}

static int decode_search(registries_conf *c, const char *file, const toml_value *v,
			 cpod_error **err)
{
	const char *key = "unqualified-search-registries";

	if (conf_get_strv(file, key, v, &c->unqualified_search, err) < 0)
		return -1;
	for (size_t i = 0; i < c->unqualified_search.n; i++) {
		_cleanup_free_ char *ekey = xasprintf("%s[%zu]", key, i);
		const toml_value *e = toml_array_at(v, i);
		char *reg = c->unqualified_search.v[i];

		if (location_fixup(file, ekey, e, reg, err) < 0)
			return -1;
		if (!domain_ok(reg, strlen(reg)))
			return conf_error_at(file, ekey, e, err,
					     "invalid unqualified-search-registries entry '%s'",
					     reg);
	}
	c->unqualified_search_set = true;
	return 0;
}

static int decode_mode(registries_conf *c, const char *file, const toml_value *v, cpod_error **err)
{
	_cleanup_free_ char *s = NULL;

	if (conf_get_string(file, "short-name-mode", v, &s, err) < 0)
		return -1;
	if (!*s)
		return 0;
	if (str_eq(s, "enforcing"))
		c->short_name_mode = SHORT_NAME_MODE_ENFORCING;
	else if (str_eq(s, "permissive"))
		c->short_name_mode = SHORT_NAME_MODE_PERMISSIVE;
	else if (str_eq(s, "disabled"))
		c->short_name_mode = SHORT_NAME_MODE_DISABLED;
	else
		return conf_error_at(file, "short-name-mode", v, err,
				     "invalid short-name mode '%s'", s);
	c->short_name_mode_set = true;
	return 0;
}

/* Index of name in the sorted aliases, or where it would go (with *found false). */
static size_t alias_index(const registries_conf *c, const char *name, bool *found)
{
	size_t lo = 0, hi = c->n_aliases;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->aliases[mid].name, name);

		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Sets name to value (taken; NULL records a reset) from origin. */
static void set_alias(registries_conf *c, const char *name, char *value, const char *origin)
{
	bool found;
	size_t i = alias_index(c, name, &found);

	if (!found) {
		c->aliases = xreallocarray(c->aliases, c->n_aliases + 1, sizeof(*c->aliases));
		memmove(&c->aliases[i + 1], &c->aliases[i],
			(c->n_aliases - i) * sizeof(*c->aliases));
		c->n_aliases++;
		c->aliases[i].name = xstrdup(name);
	} else {
		free(c->aliases[i].value);
		free(c->aliases[i].origin);
	}
	c->aliases[i].value = value;
	c->aliases[i].origin = xstrdup(origin);
}

static int decode_aliases(registries_conf *c, const char *file, const toml_value *t,
			  cpod_error **err)
{
	if (conf_check_table(file, "aliases", t, err) < 0)
		return -1;
	for (size_t i = 0; i < toml_table_len(t); i++) {
		const char *name = toml_table_key(t, i);
		const toml_value *v = toml_table_value(t, i);
		_cleanup_free_ char *key = xasprintf("aliases.%s", name);
		_cleanup_free_ char *value = NULL;
		const char *why = short_name_problem(name);

		if (conf_get_string(file, key, v, &value, err) < 0)
			return -1;
		if (why)
			return conf_error_at(file, key, v, err, "invalid short name '%s': %s", name,
					     why);
		if (!*value) {
			set_alias(c, name, NULL, file);
			continue;
		}
		free(value);
		value = alias_value(toml_string(v), &why);
		if (!value)
			return conf_error_at(file, key, v, err, "invalid alias '%s': %s",
					     toml_string(v), why);
		set_alias(c, name, TAKE_PTR(value), file);
	}
	return 0;
}

/* ---- the v1 format ---- */

typedef struct {
	strv lists[3]; /* search, insecure, block */
	const toml_value *values[3];
} v1_conf;

static const char *const v1_names[] = { "search", "insecure", "block" };

static void v1_clear(v1_conf *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(v->lists); i++)
		strv_clear(&v->lists[i]);
}

static int decode_v1(v1_conf *v1, const char *file, const toml_value *t, cpod_error **err)
{
	if (conf_check_table(file, "registries", t, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(v1_names); i++) {
		const toml_value *sub = toml_get(t, v1_names[i]);
		_cleanup_free_ char *skey = xasprintf("registries.%s", v1_names[i]);
		_cleanup_free_ char *key = xasprintf("registries.%s.registries", v1_names[i]);

		if (!sub)
			continue;
		if (conf_check_table(file, skey, sub, err) < 0)
			return -1;
		v1->values[i] = toml_get(sub, "registries");
		if (v1->values[i] &&
		    conf_get_strv(file, key, v1->values[i], &v1->lists[i], err) < 0)
			return -1;
	}
	return 0;
}

static registry_entry *v1_registry(registries_conf *c, const char *location)
{
	registry_entry *r;

	for (size_t i = 0; i < c->n_registries; i++)
		if (str_eq(c->registries[i].endpoint.location, location))
			return &c->registries[i];
	c->registries = xreallocarray(c->registries, c->n_registries + 1, sizeof(*r));
	r = &c->registries[c->n_registries++];
	memset(r, 0, sizeof(*r));
	r->prefix = xstrdup(location);
	r->endpoint.location = xstrdup(location);
	return r;
}

/* containers/image ConvertToV2(): blocked and insecure registries become [[registry]]. */
static int convert_v1(registries_conf *c, v1_conf *v1, const char *file, cpod_error **err)
{
	static const size_t order[] = { 2, 1 }; /* block first, then insecure */

	for (size_t l = 0; l < ARRAY_SIZE(order); l++) {
		size_t which = order[l];
		_cleanup_free_ char *key = xasprintf("registries.%s.registries", v1_names[which]);

		for (size_t i = 0; i < v1->lists[which].n; i++) {
			_cleanup_free_ char *loc = xstrdup(v1->lists[which].v[i]);
			registry_entry *r;

			if (location_fixup(file, key, v1->values[which], loc, err) < 0)
				return -1;
			r = v1_registry(c, loc);
			if (which == 2)
				r->blocked = true;
			else
				r->endpoint.insecure = true;
		}
	}
	if (v1->values[0]) {
		strv_clear(&c->unqualified_search);
		strv_pushv(&c->unqualified_search, (const char *const *)v1->lists[0].v);
		c->unqualified_search_set = true;
	}
	return 0;
}

/* ---- a whole file ---- */

static bool v1_nonempty(const v1_conf *v1)
{
	return v1->lists[0].n || v1->lists[1].n || v1->lists[2].n;
}

static bool v2_nonempty(const registries_conf *c)
{
	return c->n_registries || c->unqualified_search.n || c->credential_helpers.n ||
	       c->short_name_mode_set || c->n_aliases;
}

static int decode_key(registries_conf *c, v1_conf *v1, const char *file, const char *key,
		      const toml_value *v, cpod_error **err)
{
	if (str_eq(key, "registry"))
		return decode_registries(c, file, v, err);
	if (str_eq(key, "unqualified-search-registries"))
		return decode_search(c, file, v, err);
	if (str_eq(key, "credential-helpers")) {
		c->credential_helpers_set = true;
		return conf_get_strv(file, key, v, &c->credential_helpers, err);
	}
	if (str_eq(key, "short-name-mode"))
		return decode_mode(c, file, v, err);
	if (str_eq(key, "aliases"))
		return decode_aliases(c, file, v, err);
	if (str_eq(key, "registries"))
		return decode_v1(v1, file, v, err);
	log_debug("%s: ignoring unknown key '%s'", file, key);
	return 0;
}

static int parse_doc(registries_conf *c, const toml_value *root, const char *file, bool force_v2,
		     cpod_error **err)
{
	_cleanup_(v1_clear) v1_conf v1 = { { STRV_INIT, STRV_INIT, STRV_INIT }, { NULL } };

	for (size_t i = 0; i < toml_table_len(root); i++)
		if (decode_key(c, &v1, file, toml_table_key(root, i), toml_table_value(root, i),
			       err) < 0)
			return -1;
	if (v1_nonempty(&v1)) {
		if (force_v2)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"%s: registry must be in v2 format but is in v1", file);
		if (v2_nonempty(c))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"%s: mixing sysregistry v1/v2 is not supported", file);
		if (convert_v1(c, &v1, file, err) < 0)
			return -1;
	}
	free(c->unqualified_search_origin);
	c->unqualified_search_origin = xstrdup(file);
	return postprocess_registries(c, file, err);
}

int registries_conf_parse(const char *text, size_t len, const char *name, bool force_v2,
			  registries_conf **ret, cpod_error **err)
{
	_cleanup_registries_conf_ registries_conf *c = conf_new();
	_cleanup_toml_ toml_value *root = toml_parse(text, len, name, err);

	if (!root || parse_doc(c, root, name, force_v2, err) < 0)
		return -1;
	strv_push(&c->files, name);
	*ret = TAKE_PTR(c);
	return 0;
}

static int parse_file(const char *path, bool force_v2, registries_conf **ret, cpod_error **err)
{
	_cleanup_registries_conf_ registries_conf *c = conf_new();
	_cleanup_toml_ toml_value *root = toml_parse_file(path, err);

	if (!root || parse_doc(c, root, path, force_v2, err) < 0)
		return -1;
	log_debug("loaded registries configuration '%s'", path);
	strv_push(&c->files, path);
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- merging drop-ins ---- */

/* containers/image updateWithConfigurationFrom(); empties u. */
static void merge_conf(registries_conf *c, registries_conf *u)
{
	for (size_t i = 0; i < u->n_registries; i++) {
		size_t j;

		for (j = 0; j < c->n_registries; j++)
			if (str_eq(c->registries[j].prefix, u->registries[i].prefix))
				break;
		if (j == c->n_registries) {
			c->registries = xreallocarray(c->registries, j + 1, sizeof(*c->registries));
			c->n_registries++;
		} else {
			entry_clear(&c->registries[j]);
		}
		c->registries[j] = u->registries[i];
	}
	u->n_registries = 0;
	if (c->n_registries)
		qsort(c->registries, c->n_registries, sizeof(*c->registries), cmp_entry);
	if (u->unqualified_search_set) {
		strv_clear(&c->unqualified_search);
		strv_pushv(&c->unqualified_search, (const char *const *)u->unqualified_search.v);
		free(c->unqualified_search_origin);
		c->unqualified_search_origin = xstrdup(u->unqualified_search_origin);
		c->unqualified_search_set = true;
	}
	if (u->credential_helpers_set) {
		strv_clear(&c->credential_helpers);
		strv_pushv(&c->credential_helpers, (const char *const *)u->credential_helpers.v);
		c->credential_helpers_set = true;
	}
	if (u->short_name_mode_set) {
		c->short_name_mode = u->short_name_mode;
		c->short_name_mode_set = true;
	}
	for (size_t i = 0; i < u->n_aliases; i++)
		set_alias(c, u->aliases[i].name, TAKE_PTR(u->aliases[i].value),
			  u->aliases[i].origin);
	strv_pushv(&c->files, (const char *const *)u->files.v);
}

typedef struct {
	char *main;    /* the main file */
	bool required; /* it must exist */
	char *dirs[2]; /* drop-in directories, NULL-terminated */
} file_plan;

static void file_plan_clear(file_plan *p)
{
	free(p->main);
	free(p->dirs[0]);
	free(p->dirs[1]);
}

/* containers/image newConfigWrapperWithHomeDir(). */
static int plan_files(const registries_conf_opts *opts, file_plan *p, cpod_error **err)
{
	const char *env = conf_getenv("CONTAINERS_REGISTRIES_CONF");
	const char *explicit = opts && opts->path ? opts->path : env;
	const char *sys = opts && opts->system_path ? opts->system_path : SYSTEM_REGISTRIES_CONF;
	const char *sys_dir = opts && opts->system_dir ? opts->system_dir : SYSTEM_REGISTRIES_DIR;
	_cleanup_free_ char *home = opts && opts->home ? xstrdup(opts->home) : conf_home_dir();
	_cleanup_free_ char *user = NULL;
	char *user_dir = NULL;
	int r = 0;

	if (home) {
		user = xasprintf("%s/.config/containers/registries.conf", home);
		user_dir = xasprintf("%s/.config/containers/registries.conf.d", home);
	}
	if (!explicit && user)
		r = conf_file_exists(user, err);
	if (r < 0) {
		free(user_dir);
		return -1;
	}
	p->required = explicit != NULL;
	if (r > 0) {
		/* The user's registries.conf replaces the system's, and its directory too. */
		p->main = TAKE_PTR(user);
		p->dirs[0] = user_dir;
		return 0;
	}
	p->main = xstrdup(explicit ? explicit : sys);
	p->dirs[0] = xstrdup(sys_dir);
	p->dirs[1] = user_dir;
	return 0;
}

static int load_main(const file_plan *p, registries_conf **ret, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;

	if (parse_file(p->main, false, ret, &e) == 0)
		return 0;
	if (!p->required && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND) {
		*ret = conf_new();
		return 0;
	}
	*err = TAKE_PTR(e);
	return cpod_err_prefix(err, "loading registries configuration");
}

int registries_conf_load(const registries_conf_opts *opts, registries_conf **ret, cpod_error **err)
{
	_cleanup_(file_plan_clear) file_plan plan = { NULL, false, { NULL, NULL } };
	_cleanup_registries_conf_ registries_conf *c = NULL;
	_cleanup_strv_ strv dropins = STRV_INIT;

	if (plan_files(opts, &plan, err) < 0 || load_main(&plan, &c, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(plan.dirs) && plan.dirs[i]; i++)
		if (conf_list_dropins(plan.dirs[i], &dropins, err) < 0)
			return -1;
	for (size_t i = 0; i < dropins.n; i++) {
		_cleanup_registries_conf_ registries_conf *u = NULL;

		if (parse_file(dropins.v[i], true, &u, err) < 0)
			return cpod_err_prefix(err, "loading drop-in registries configuration");
		merge_conf(c, u);
	}
	if (!c->credential_helpers.n)
		strv_push(&c->credential_helpers, AUTH_FILE_HELPER);
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- lookups ---- */

/* containers/image refMatchingSubdomainPrefix() for "*.example.com". */
static long match_wildcard(const char *ref, const char *prefix)
{
	const char *suffix = prefix + 1; /* ".example.com" */
	const char *at = strstr(ref, suffix);
	size_t end;

	if (!at || memchr(ref, '/', (size_t)(at - ref)))
		return -1;
	end = (size_t)(at - ref) + strlen(suffix);
	if (!ref[end] || strchr(":/@", ref[end]))
		return (long)end;
	return -1;
}

/* containers/image refMatchingPrefix(): the length of ref matched by prefix, or -1. */
static long match_prefix(const char *ref, const char *prefix)
{
	size_t n = strlen(prefix);

	if (str_has_prefix(prefix, "*."))
		return match_wildcard(ref, prefix);
	if (strncmp(ref, prefix, n) != 0)
		return -1;
	if (!ref[n] || strchr(":/@", ref[n]))
		return (long)n;
	return -1;
}

const registry_entry *registries_find(const registries_conf *c, const char *ref)
{
	const registry_entry *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < c->n_registries; i++) {
		const registry_entry *r = &c->registries[i];
		size_t len = strlen(r->prefix);

		if (match_prefix(ref, r->prefix) >= 0 && len > best_len) {
			best = r;
			best_len = len;
		}
	}
	return best;
}

void registry_pull_sources_free(registry_pull_source *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i].reference);
	free(s);
}

static bool mirror_usable(const registry_entry *r, const registry_endpoint *m, bool digested)
{
	if (r->mirror_by_digest_only)
		return digested;
	if (m->pull_from == PULL_FROM_MIRROR_DIGEST_ONLY)
		return digested;
	if (m->pull_from == PULL_FROM_MIRROR_TAG_ONLY)
		return !digested;
	return true;
}

int registries_pull_sources(const registry_entry *r, const char *ref, registry_pull_source **ret,
			    size_t *ret_n, cpod_error **err)
{
	bool digested = strchr(ref, '@') != NULL;
	registry_pull_source *s;
	long plen;
	size_t n = 0;

	if (!r) {
		s = xcalloc(1, sizeof(*s));
		s->reference = xstrdup(ref);
		*ret = s;
		*ret_n = 1;
		return 0;
	}
	plen = match_prefix(ref, r->prefix);
	if (plen < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid prefix '%s' for reference '%s'",
				r->prefix, ref);
	s = xcalloc(r->n_mirrors + 1, sizeof(*s));
	for (size_t i = 0; i <= r->n_mirrors; i++) {
		const registry_endpoint *e = i < r->n_mirrors ? &r->mirrors[i] : &r->endpoint;

		if (i < r->n_mirrors && !mirror_usable(r, e, digested))
			continue;
		s[n].endpoint = e;
		/* An empty location (a wildcard prefix) pulls from where the reference says. */
		s[n].reference = *e->location ? xasprintf("%s%s", e->location, ref + plen)
					      : xstrdup(ref);
		n++;
	}
	*ret = s;
	*ret_n = n;
	return 0;
}

const char *registries_alias(const registries_conf *c, const char *short_name,
			     const char **ret_origin)
{
	bool found;
	size_t i = alias_index(c, short_name, &found);

	if (ret_origin)
		*ret_origin = NULL;
	if (!found)
		return NULL;
	if (ret_origin)
		*ret_origin = c->aliases[i].origin;
	return c->aliases[i].value;
}

bool registries_is_insecure(const registries_conf *c, const char *ref)
{
	const registry_entry *r = registries_find(c, ref);

	return r && r->endpoint.insecure;
}

bool registries_is_blocked(const registries_conf *c, const char *ref)
{
	const registry_entry *r = registries_find(c, ref);

	return r && r->blocked;
}
