#include "image/reference.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define ERR_FORMAT "invalid reference format"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* path-component: [a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = i, sep;

		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		sep = i;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else
			while (i < n && s[i] == '-')
				i++;
		if (i == sep)
			return false;
	}
}

/* domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host (":" [0-9]+)?, host being dotted domain components or "[" [a-fA-F0-9:]+ "]" */
static bool domain_ok(const char *s, size_t n)
{
	size_t host_end = n;
	const char *colon;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!is_xdigit(*p) && *p != ':')
				return false;
		host_end = (size_t)(close - s) + 1;
	} else {
		colon = memchr(s, ':', n);
		if (colon)
			host_end = (size_t)(colon - s);
		for (size_t i = 0, start = 0; i <= host_end; i++) {
			if (i < host_end && s[i] != '.')
				continue;
			if (!domain_component_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	if (host_end == n)
		return true;
	if (s[host_end] != ':' || host_end + 1 == n)
		return false;
	for (size_t i = host_end + 1; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* [\w][\w.-]{0,127} */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !is_word(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [[:xdigit:]]{32,} */
static bool digest_syntax_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i = 0, n;

	if (!colon)
		return false;
	n = (size_t)(colon - s);
	for (;;) {
		if (i >= n || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
		while (i < n && is_alnum(s[i]))
			i++;
		if (i == n)
			break;
		if (!strchr("-_+.", s[i]))
			return false;
		i++;
	}
	if (strlen(colon + 1) < 32)
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (!is_xdigit(*p))
			return false;
	return true;
}

/* Whether name (no tag, no digest) matches (domain "/")? path-component ("/" path-component)*,
 * where any number of components may follow. */
static bool name_ok(const char *name)
{
	const char *slash = strchr(name, '/');
	const char *p = name;

	if (slash && domain_ok(name, (size_t)(slash - name)))
		p = slash + 1;
	for (;;) {
		const char *end = strchrnul(p, '/');
		if (!path_component_ok(p, (size_t)(end - p)))
			return false;
		if (!*end)
			return true;
		p = end + 1;
	}
}

/* The checks of docker/reference's Parse() on "domain/remainder": the syntax, then the length
 * of the name, then the digest's algorithm and hex. */
static int check_syntax(char *name, const char *tag, const char *digest, cpod_error **err)
{
	bool valid = name_ok(name) && (!tag || tag_ok(tag)) &&
		     (!digest || digest_syntax_ok(digest));

	if (!valid) {
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (name_ok(name) && (!tag || tag_ok(tag)) && (!digest || digest_syntax_ok(digest)))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					ERR_FORMAT ": repository name must be lowercase");
		return cpod_err(err, CPOD_ERR_INVALID, 0, ERR_FORMAT);
	}
	if (strlen(name) > REFERENCE_NAME_MAX)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"repository name must not be more than %d characters",
				REFERENCE_NAME_MAX);
	if (digest) {
		const char *hex = strchr(digest, ':') + 1;
		size_t alen = (size_t)(hex - 1 - digest);

		if (!(alen == 6 &&
		      (str_has_prefix(digest, "sha256:") || str_has_prefix(digest, "sha512:"))))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "unsupported digest algorithm");
		if (strlen(hex) != (str_has_prefix(digest, "sha256:") ? 64u : 128u))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid checksum digest length");
		if (digest_validate(digest, NULL) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid checksum digest format");
	}
	return 0;
}

bool reference_is_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!is_digit(s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
			return false;
	return n == 64;
}

/* splitDockerDomain: the length of the registry part of s (0 when none is named). */
static size_t registry_len(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n;

	if (!slash)
		return 0;
	n = (size_t)(slash - s);
	if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9)))
		return n;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return n;
	return 0;
}

static image_reference *split_parts(const char *domain, const char *rest)
{
	image_reference *r = xcalloc(1, sizeof(*r));
	_cleanup_free_ char *copy = xstrdup(rest);
	char *at = strchr(copy, '@'), *slash, *colon;

	if (at) {
		*at = '\0';
		r->digest = xstrdup(at + 1);
	}
	slash = strrchr(copy, '/');
	colon = strchr(slash ? slash : copy, ':');
	if (colon) {
		*colon = '\0';
		r->tag = xstrdup(colon + 1);
	}
	r->domain = xstrdup(domain);
	r->path = xstrdup(copy);
	return r;
}

int reference_parse(const char *s, image_reference **ret, cpod_error **err)
{
	_cleanup_reference_ image_reference *r = NULL;
	_cleanup_free_ char *domain = NULL, *remainder = NULL, *name = NULL;
	size_t dlen, rlen;

	if (reference_is_id(s))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid repository name (%s), cannot specify 64-byte hexadecimal "
				"strings",
				s);
	dlen = registry_len(s);
	if (dlen) {
		domain = xstrndup(s, dlen);
		remainder = xstrdup(s + dlen + 1);
	} else {
		domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
		remainder = xstrdup(s);
	}
	if (str_eq(domain, "index.docker.io")) {
		free(domain);
		domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
	}
	if (str_eq(domain, REFERENCE_DEFAULT_DOMAIN) && !strchr(remainder, '/')) {
		char *tmp = xasprintf("library/%s", remainder);
		free(remainder);
		remainder = tmp;
	}
	/* podman checks the path (up to the first ':') for capitals before anything else */
	rlen = strcspn(remainder, ":");
	for (size_t i = 0; i < rlen; i++)
		if (remainder[i] >= 'A' && remainder[i] <= 'Z')
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					ERR_FORMAT ": repository name must be lowercase");
	r = split_parts(domain, remainder);
	name = xasprintf("%s/%s", r->domain, r->path);
	if (check_syntax(name, r->tag, r->digest, err) < 0)
		return -1;
	*ret = TAKE_PTR(r);
	return 0;
}

void reference_free(image_reference *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
}

char *reference_name(const image_reference *r, bool familiar)
{
	const char *path = r->path;

	if (!familiar || !str_eq(r->domain, REFERENCE_DEFAULT_DOMAIN))
		return xasprintf("%s/%s", r->domain, r->path);
	if (str_has_prefix(path, "library/") && !strchr(path + 8, '/'))
		path += 8;
	return xstrdup(path);
}

char *reference_string(const image_reference *r, bool familiar)
{
	_cleanup_free_ char *name = reference_name(r, familiar);

	return xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
			 r->digest ? "@" : "", r->digest ? r->digest : "");
}

bool reference_is_short_name(const char *s)
{
	_cleanup_reference_ image_reference *r = NULL;
	size_t n;

	if (reference_parse(s, &r, NULL) < 0)
		return false;
	n = registry_len(s);
	if (!n)
		return true;
	/* shortnames.IsShortName: only '.', ':' or "localhost" make a registry */
	return !memchr(s, '.', n) && !memchr(s, ':', n) && !(n == 9 && !strncmp(s, "localhost", 9));
}

void reference_with_default_tag(image_reference *r)
{
	if (!r->tag && !r->digest)
		r->tag = xstrdup(REFERENCE_DEFAULT_TAG);
}

static const struct {
	const char *name;
	image_transport t;
} transports[] = {
	{ "docker", TRANSPORT_DOCKER },
	{ "oci", TRANSPORT_OCI },
	{ "oci-archive", TRANSPORT_OCI_ARCHIVE },
	{ "docker-archive", TRANSPORT_DOCKER_ARCHIVE },
	{ "dir", TRANSPORT_DIR },
	{ "containers-storage", TRANSPORT_CONTAINERS_STORAGE },
};

const char *reference_transport_name(image_transport t)
{
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (transports[i].t == t)
			return transports[i].name;
	return "";
}

int reference_split_transport(const char *s, image_transport *ret_transport, const char **ret_rest,
			      cpod_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		size_t n = strlen(transports[i].name);
		const char *rest = s + n + 1;

		if (strncmp(s, transports[i].name, n) != 0 || s[n] != ':')
			continue;
		if (transports[i].t == TRANSPORT_DOCKER) {
			if (!str_has_prefix(rest, "//"))
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"invalid image name \"%s\": docker: image "
						"reference "
						"\"%s\" does not start with \"//\"",
						s, rest);
			rest += 2;
		}
		if (!*rest)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid image name \"%s\": empty %s reference", s,
					transports[i].name);
		*ret_transport = transports[i].t;
		*ret_rest = rest;
		return 0;
	}
	*ret_transport = TRANSPORT_NONE;
	*ret_rest = s;
	return 0;
}
