/* `search` on registries' /v2/_catalog and tags/list (see search.h). */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "config/auth.h"
#include "config/registries_conf.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/search.h"
#include "common/banned.h"

size_t search_filter_repos(char **repos, size_t n, const char *term, size_t limit)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		char *r = repos[i];

		repos[i] = NULL;
		if (kept == limit || !strstr(r, term)) {
			free(r);
			continue;
		}
		if (str_eq(r, term)) {
			memmove(repos + 1, repos, kept * sizeof(*repos));
			repos[0] = r;
		} else {
			repos[kept] = r;
		}
		kept++;
	}
	return kept;
}

static int client_for(const image_search_opts *o, const registries_conf *conf, const char *host,
		      registry_client **ret, cpod_error **err)
{
	const registry_entry *e = registries_find(conf, host);
	auth_opts ao = { .authfile = o->authfile };
	auth_creds creds = { 0 };
	registry_opts ro = {
		.host = host,
		.tls_verify = o->tls_verify >= 0 ? o->tls_verify : !(e && e->endpoint.insecure),
		.cert_dir = o->cert_dir,
		.username = o->username,
		.password = o->password,
	};
	int r, found = 0;

	if (!o->username) {
		found = auth_lookup(&ao, host, &creds, err);
		if (found < 0)
			return -1;
		if (found) {
			ro.username = creds.username;
			ro.password = creds.password;
			ro.identity_token = creds.identity_token;
		}
	}
	r = registry_client_new(&ro, ret, err);
	if (found)
		auth_creds_clear(&creds);
	return r;
}

static void add_result(buf *out, const char *index, const char *name, const char *tag)
{
	image_search_result r = {
		.index = xstrdup(index),
		.name = xstrdup(name),
		.tag = xstrdup(tag),
	};

	buf_add(out, &r, sizeof(r));
}

static int search_tags(registry_client *rc, const image_search_opts *o, const char *host,
		       const char *term, size_t limit, buf *out, cpod_error **err)
{
	_cleanup_free_ char *full = xasprintf("%s/%s", host, term);
	_cleanup_reference_ image_reference *ref = NULL;
	_cleanup_free_ char *name = NULL;
	strv tags = STRV_INIT;
	cpod_error *e = NULL;

	if (reference_parse(full, &ref, &e) < 0 || !str_eq(ref->domain, host)) {
		cpod_error_free(e);
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"reference \"%s\" must be a docker reference", term);
	}
	if (registry_list(rc, ref->path, &tags, err) < 0) {
		strv_clear(&tags);
		return cpod_err_prefix(err, "getting repository tags");
	}
	name = xasprintf("%s/%s", ref->domain, ref->path);
	for (size_t i = 0; i < tags.n && i < limit; i++)
		add_result(out, host, name, tags.v[i]);
	strv_clear(&tags);
	return 0;
}

/* Words a failed catalog request as containers/image does: a 401 is "unable to retrieve auth
 * token: invalid username/password: MESSAGE", another status "invalid status code from
 * registry N (TEXT)"; then the registry is named. */
static int catalog_error(const char *host, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("listing repositories of %s: ", host);
	const char *msg = cpod_error_message(*err);
	cpod_errkind kind = cpod_error_kind(*err);
	_cleanup_free_ char *text = NULL;

	if (str_has_prefix(msg, what))
		msg += strlen(what);
	if (kind == CPOD_ERR_AUTH)
		text = xasprintf("unable to retrieve auth token: invalid username/password: %s",
				 msg);
	else if (kind == CPOD_ERR_NOT_FOUND)
		text = xstrdup("invalid status code from registry 404 (Not Found)");
	else
		return cpod_err_prefix(err, "couldn't search registry \"%s\"", host);
	cpod_error_free(*err);
	*err = NULL;
	return cpod_err(err, kind, 0, "couldn't search registry \"%s\": %s", host, text);
}

static int search_catalog(registry_client *rc, const char *host, const char *term, size_t limit,
			  buf *out, cpod_error **err)
{
	strv repos = STRV_INIT;
	size_t n;

	if (registry_list(rc, NULL, &repos, err) < 0) {
		strv_clear(&repos);
		return catalog_error(host, err);
	}
	n = search_filter_repos(repos.v, repos.n, term, limit);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *name = xasprintf("%s/%s", host, repos.v[i]);

		add_result(out, host, name, "");
	}
	strv_clear(&repos);
	return 0;
}

static int search_one(const image_search_opts *o, const registries_conf *conf, const char *host,
		      const char *term, buf *out, cpod_error **err)
{
	_cleanup_registry_client_ registry_client *rc = NULL;
	size_t limit = o->limit > 0 ? (size_t)o->limit : SEARCH_DEFAULT_LIMIT;

	if (client_for(o, conf, host, &rc, err) < 0)
		return -1;
	if (o->list_tags)
		return search_tags(rc, o, host, term, limit, out, err);
	return search_catalog(rc, host, term, limit, out, err);
}

/* Searches each registry; the errors are gathered as podman's multierror words them. */
static int search_all(const image_search_opts *o, const registries_conf *conf, char *const *hosts,
		      size_t nhosts, const char *term, buf *out, cpod_error **err)
{
	_cleanup_buf_ buf errors = BUF_INIT;
	cpod_error *first = NULL;
	cpod_errkind kind;
	size_t failed = 0;

	for (size_t i = 0; i < nhosts; i++) {
		cpod_error *e = NULL;

		if (search_one(o, conf, hosts[i], term, out, &e) == 0)
			continue;
		buf_addf(&errors, "\n\t* %s", cpod_error_message(e));
		if (!failed++)
			first = e;
		else
			cpod_error_free(e);
	}
	if (!failed || out->len) {
		cpod_error_free(first);
		return 0;
	}
	/* hashicorp/go-multierror's wording, as podman prints it. */
	kind = cpod_error_kind(first);
	cpod_error_free(first);
	return cpod_err(err, failed == 1 ? kind : CPOD_ERR_REGISTRY, 0, "%zu error%s occurred:%s",
			failed, failed == 1 ? "" : "s", errors.s);
}

static void image_search_result_clear(image_search_result *r)
{
	free(r->index);
	free(r->name);
	free(r->tag);
}

int image_search(const image_search_opts *o, image_search_result **ret, size_t *ret_n,
		 cpod_error **err)
{
	registries_conf_opts rco = { .path = o->registries_conf };
	_cleanup_registries_conf_ registries_conf *conf = NULL;
	_cleanup_buf_ buf out = BUF_INIT;
	const char *slash = strchr(o->term, '/'), *term = o->term;
	_cleanup_free_ char *host = NULL;
	char *one[1];
	size_t n;
	int r;

	if (registries_conf_load(&rco, &conf, err) < 0)
		return -1;
	if (slash) {
		host = xstrndup(o->term, (size_t)(slash - o->term));
		term = slash + 1;
		one[0] = host;
		r = search_all(o, conf, one, 1, term, &out, err);
	} else {
		r = search_all(o, conf, conf->unqualified_search.v, conf->unqualified_search.n,
			       term, &out, err);
	}
	n = out.len / sizeof(image_search_result);
	if (r < 0) {
		image_search_result *v = (image_search_result *)(void *)out.s;

		for (size_t i = 0; i < n; i++)
			image_search_result_clear(&v[i]);
		return -1;
	}
	*ret_n = n;
	*ret = (image_search_result *)(void *)buf_detach(&out, NULL);
	return 0;
}

void image_search_results_free(image_search_result *r, size_t n)
{
	for (size_t i = 0; i < n && r; i++)
		image_search_result_clear(&r[i]);
	free(r);
}
