/* The registry client: libcurl, one easy handle per client (see registry.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "common/banned.h"

#define USER_AGENT "cpod"
#define TOKEN_MAX_SIZE (1u << 20)
#define ERROR_BODY_MAX (64u << 10)
#define BLOB_PAUSE_AT (1u << 20)
#define LIST_PAGE_MAX (16u << 20)
#define LIST_MAX_PAGES 10000

struct registry_client {
	CURL *curl;
	CURLM *multi;
	char *host;
	bool tls_verify;
	const char *scheme; /* "https" or "http" once pinged */
	buf ca_blob;
	registry_certs certs;
	char *username, *password, *identity_token;
	bool push;
	www_auth challenge; /* scheme NULL: none */
	long ping_status;   /* of the /v2/ ping: 200 or 401 */
	strv token_scopes;  /* parallel to tokens */
	strv tokens;
	int retries;	    /* a blob's transfer: attempts after one that made no progress */
	int retry_delay_ms; /* before such an attempt; < 0: 1 s, doubling */
	/* The current request's headers of interest. */
	char *h_www_auth, *h_content_type, *h_location, *h_link, *h_content_range;
	char errbuf[CURL_ERROR_SIZE];
};

DEFINE_CLEANUP_FUNC(CURLU, curl_url_cleanup)

static void reset_headers(registry_client *c)
{
	free(c->h_www_auth);
	free(c->h_content_type);
	free(c->h_location);
	free(c->h_link);
	free(c->h_content_range);
	c->h_www_auth = c->h_content_type = c->h_location = c->h_link = c->h_content_range = NULL;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userdata)
{
	registry_client *c = userdata;
	size_t len = size * n, klen;
	char **slot = NULL;
	const char *v, *end = data + len;

	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		reset_headers(c); /* a new response (after a redirect) */
	if (len > 17 && !strncasecmp(data, "WWW-Authenticate:", 17))
		slot = &c->h_www_auth, klen = 17;
	else if (len > 13 && !strncasecmp(data, "Content-Type:", 13))
		slot = &c->h_content_type, klen = 13;
	else if (len > 9 && !strncasecmp(data, "Location:", 9))
		slot = &c->h_location, klen = 9;
	else if (len > 5 && !strncasecmp(data, "Link:", 5))
		slot = &c->h_link, klen = 5;
	else if (len > 14 && !strncasecmp(data, "Content-Range:", 14))
		slot = &c->h_content_range, klen = 14;
	if (!slot)
		return len;
	for (v = data + klen; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (!*slot) /* the first challenge is the one used */
		*slot = xstrndup(v, (size_t)(end - v));
	return len;
}

int registry_client_new(const registry_opts *o, registry_client **ret, cpod_error **err)
{
	const char *defaults[] = { REGISTRY_CERTS_DIRS, NULL };
	const char *given[] = { o->cert_dir, NULL };
	registry_client *c = xcalloc(1, sizeof(*c));

	c->host = xstrdup(o->host);
	c->tls_verify = o->tls_verify;
	buf_init(&c->ca_blob, 0);
	strv_init(&c->token_scopes);
	strv_init(&c->tokens);
	c->certs.ca_files = (strv)STRV_INIT;
	c->username = o->username ? xstrdup(o->username) : NULL;
	c->password = o->password ? xstrdup(o->password) : NULL;
	c->push = o->push;
	c->identity_token = o->identity_token && *o->identity_token ? xstrdup(o->identity_token)
								    : NULL;
	c->retries = REGISTRY_DEFAULT_RETRIES;
	c->retry_delay_ms = -1;
	if (registry_certs_find(o->cert_dir ? given : defaults, o->host, &c->certs, err) < 0)
		goto fail;
	for (size_t i = 0; i < c->certs.ca_files.n; i++) {
		if (buf_read_file(&c->ca_blob, c->certs.ca_files.v[i]) < 0) {
			cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading CA certificate '%s'",
				 c->certs.ca_files.v[i]);
			goto fail;
		}
		buf_addch(&c->ca_blob, '\n');
	}
	c->curl = curl_easy_init();
	c->multi = curl_multi_init();
	if (!c->curl || !c->multi) {
		cpod_err(err, CPOD_ERR_SYSTEM, ENOMEM, "initializing libcurl");
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	registry_client_free(c);
	return -1;
}

void registry_client_free(registry_client *c)
{
	int saved = errno;

	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c->host);
	buf_release(&c->ca_blob);
	registry_certs_clear(&c->certs);
	free(c->username);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	free(c->identity_token);
	www_auth_clear(&c->challenge);
	strv_clear(&c->token_scopes);
	strv_clear(&c->tokens);
	reset_headers(c);
	free(c);
	errno = saved;
}

const char *registry_client_host(const registry_client *c)
{
	return c->host;
}

void registry_client_set_retry(registry_client *c, int retries, int delay_ms)
{
	c->retries = retries < 0 ? 0 : retries;
	c->retry_delay_ms = delay_ms;
}

static char *strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int registry_client_clone(registry_client *c, registry_client **ret, cpod_error **err)
{
	registry_client *n;

	if (registry_ping(c, err) < 0)
		return -1;
	n = xcalloc(1, sizeof(*n));
	n->host = xstrdup(c->host);
	n->tls_verify = c->tls_verify;
	n->scheme = c->scheme;
	buf_init(&n->ca_blob, 0);
	buf_add(&n->ca_blob, c->ca_blob.s, c->ca_blob.len);
	strv_init(&n->certs.ca_files);
	strv_pushv(&n->certs.ca_files, (const char *const *)c->certs.ca_files.v);
	n->certs.cert_file = strdup_or_null(c->certs.cert_file);
	n->certs.key_file = strdup_or_null(c->certs.key_file);
	n->username = strdup_or_null(c->username);
	n->password = strdup_or_null(c->password);
	n->identity_token = strdup_or_null(c->identity_token);
	n->push = c->push;
	n->challenge.scheme = strdup_or_null(c->challenge.scheme);
	n->challenge.realm = strdup_or_null(c->challenge.realm);
	n->challenge.service = strdup_or_null(c->challenge.service);
	n->challenge.scope = strdup_or_null(c->challenge.scope);
	n->ping_status = c->ping_status;
	strv_init(&n->token_scopes);
	strv_init(&n->tokens);
	strv_pushv(&n->token_scopes, (const char *const *)c->token_scopes.v);
	strv_pushv(&n->tokens, (const char *const *)c->tokens.v);
	n->retries = c->retries;
	n->retry_delay_ms = c->retry_delay_ms;
	n->curl = curl_easy_init();
	n->multi = curl_multi_init();
	if (!n->curl || !n->multi) {
		registry_client_free(n);
		return cpod_err(err, CPOD_ERR_SYSTEM, ENOMEM, "initializing libcurl");
	}
	*ret = n;
	return 0;
}

/* Resets the handle (keeping its connections) and sets what every request needs. */
static void setup(registry_client *c, const char *url)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	reset_headers(c);
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer (under 1 byte/s for 60 s) fails instead of hanging. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->ca_blob.len) {
		struct curl_blob blob = { .data = c->ca_blob.s,
					  .len = c->ca_blob.len,
					  .flags = CURL_BLOB_COPY };

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->certs.cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->certs.cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->certs.key_file);
	}
}

static const char *curl_message(registry_client *c, CURLcode rc)
{
	return c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
}

/* Appends to a capped buf; a full buffer stops the transfer (CURLE_WRITE_ERROR). */
static size_t buf_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	return buf_add(userdata, data, size * n) < 0 ? 0 : size * n;
}

/* "code: message" of a registry's JSON error body, or NULL. */
static char *registry_error_text(const buf *body)
{
	_cleanup_json_ json_object *doc = NULL;
	json_object *errors, *e, *code, *msg;

	if (!body->len)
		return NULL;
	doc = json_tokener_parse(body->s);
	if (!json_object_object_get_ex(doc, "errors", &errors) ||
	    !json_object_is_type(errors, json_type_array) || !json_object_array_length(errors))
		return NULL;
	e = json_object_array_get_idx(errors, 0);
	if (!json_object_object_get_ex(e, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string))
		return NULL;
	if (json_object_object_get_ex(e, "code", &code) &&
	    json_object_is_type(code, json_type_string) &&
	    str_eq(json_object_get_string(code), "UNAUTHORIZED"))
		return xasprintf("unauthorized: %s", json_object_get_string(msg));
	return xstrdup(json_object_get_string(msg));
}

/* The error for an HTTP status other than success. */
static int status_error(long status, const buf *body, cpod_error **err, const char *what)
{
	_cleanup_free_ char *text = registry_error_text(body);
	cpod_errkind kind = CPOD_ERR_REGISTRY;

	if (status == 401 || status == 403)
		kind = CPOD_ERR_AUTH;
	else if (status == 404)
		kind = CPOD_ERR_NOT_FOUND;
	if (text)
		return cpod_err(err, kind, 0, "%s: %s", what, text);
	if (status == 401)
		return cpod_err(err, kind, 0, "%s: unauthorized", what);
	if (status == 404)
		return cpod_err(err, kind, 0, "%s: not found", what);
	return cpod_err(err, kind, 0, "%s: unexpected http status %ld", what, status);
}

/* A certificate that does not verify is not a network error: retrying cannot help. */
static bool is_tls_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

static CURLcode ping_once(registry_client *c, const char *scheme, long *ret_status)
{
	_cleanup_free_ char *url = xasprintf("%s://%s/v2/", scheme, c->host);
	_cleanup_buf_ buf body = BUF_INIT;
	CURLcode rc;

	buf_init(&body, ERROR_BODY_MAX);
	setup(c, url);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, ret_status);
	return rc;
}

int registry_ping(registry_client *c, cpod_error **err)
{
	long status = 0;
	CURLcode rc;

	if (c->scheme)
		return 0;
	rc = ping_once(c, "https", &status);
	if (rc == CURLE_OK) {
		c->scheme = "https";
	} else if (!c->tls_verify) {
		/* Insecure registries may speak plain http: containers/image tries it next. */
		log_debug("pinging https://%s/v2/: %s; trying http", c->host, curl_message(c, rc));
		rc = ping_once(c, "http", &status);
		if (rc == CURLE_OK)
			c->scheme = "http";
	}
	if (rc != CURLE_OK)
		return cpod_err(err, is_tls_error(rc) ? CPOD_ERR_REGISTRY : CPOD_ERR_SYSTEM, 0,
				"pinging container registry %s: %s", c->host, curl_message(c, rc));
	if (status != 200 && status != 401) {
		c->scheme = NULL;
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"pinging container registry %s: unexpected http status %ld",
				c->host, status);
	}
	c->ping_status = status;
	www_auth_clear(&c->challenge);
	if (status == 401 && c->h_www_auth && www_auth_parse(c->h_www_auth, &c->challenge, err) < 0)
		return cpod_err_prefix(err, "pinging container registry %s", c->host);
	return 0;
}

/* Appends "&key=value" (value URL-encoded; no '&' for the first) to form. */
static void form_add(registry_client *c, buf *form, const char *key, const char *value)
{
	char *v = curl_easy_escape(c->curl, value, 0);

	if (!v)
		abort();
	buf_addf(form, "%s%s=%s", form->len ? "&" : "", key, v);
	curl_free(v);
}

/* Sets up the token request for scope (NULL, or scopes separated by spaces, each sent as a
 * parameter of its own): with an identity (refresh) token from auth.json, an OAuth2 POST as
 * containers/image sends it; otherwise a GET with the credentials, if any, as Basic auth.
 * form holds the POST body, which must outlive the request. */
static int setup_token_request(registry_client *c, const char *scope, buf *form, cpod_error **err)
{
	_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
	_cleanup_free_ char *service = NULL;
	_cleanup_strv_ strv scopes = STRV_INIT;
	char *url = NULL;

	if (scope) {
		_cleanup_strv_free_ char **parts = strv_split(scope, " ", 1);

		strv_pushv(&scopes, (const char *const *)parts);
	}

	if (!c->challenge.realm ||
	    curl_url_set(u, CURLUPART_URL, c->challenge.realm, 0) != CURLUE_OK)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "invalid token realm '%s' of %s",
				c->challenge.realm ? c->challenge.realm : "", c->host);
	if (c->identity_token) {
		setup(c, c->challenge.realm);
		form_add(c, form, "grant_type", "refresh_token");
		form_add(c, form, "refresh_token", c->identity_token);
		form_add(c, form, "client_id", USER_AGENT);
		if (c->challenge.service)
			form_add(c, form, "service", c->challenge.service);
		for (size_t i = 0; i < scopes.n; i++)
			form_add(c, form, "scope", scopes.v[i]);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, form->s);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)form->len);
		return 0;
	}
	if (c->challenge.service) {
		service = xasprintf("service=%s", c->challenge.service);
		curl_url_set(u, CURLUPART_QUERY, service, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	for (size_t i = 0; i < scopes.n; i++) {
		_cleanup_free_ char *scope_q = xasprintf("scope=%s", scopes.v[i]);

		curl_url_set(u, CURLUPART_QUERY, scope_q, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	curl_url_get(u, CURLUPART_URL, &url, 0);
	setup(c, url);
	curl_free(url);
	if (c->username) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	return 0;
}

/* Asks the challenge's realm for a token for scope (NULL: no scope, as login asks). */
static int fetch_token(registry_client *c, const char *scope, char **ret, cpod_error **err)
{
	_cleanup_buf_ buf body = BUF_INIT, form = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	const char *token = NULL;
	long status = 0;
	CURLcode rc;

	if (setup_token_request(c, scope, &form, err) < 0)
		return -1;
	buf_init(&body, TOKEN_MAX_SIZE);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "requesting a token from %s: %s",
				c->challenge.realm, curl_message(c, rc));
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		_cleanup_free_ char *what =
			xasprintf("requesting a token from %s for %s", c->challenge.realm, c->host);

		return status_error(status, &body, err, what);
	}
	doc = json_parse_bytes(body.s, body.len, TOKEN_MAX_SIZE, err);
	if (!doc)
		return cpod_err_prefix(err, "reading the token from %s", c->challenge.realm);
	json_cur root = json_cur_root(doc);
	if (json_get_string_opt(&root, "token", NULL, &token, err) < 0 ||
	    (!token && json_get_string_opt(&root, "access_token", NULL, &token, err) < 0))
		return cpod_err_prefix(err, "reading the token from %s", c->challenge.realm);
	if (!token || !*token)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "no token in the answer of %s",
				c->challenge.realm);
	*ret = xstrdup(token);
	return 0;
}

/* The bearer scope of a request to repo (NULL: the catalog), which also reads from (NULL:
 * nothing else), a cross-repository mount's source. */
static char *bearer_scope(const registry_client *c, const char *repo, const char *from)
{
	const char *actions = c->push ? "pull,push" : "pull";

	if (!repo)
		return xstrdup("registry:catalog:*");
	if (from && !str_eq(from, repo))
		return xasprintf("repository:%s:%s repository:%s:pull", repo, actions, from);
	return xasprintf("repository:%s:%s", repo, actions);
}

/* Sets the credentials the challenge asks for on the handle (after setup()).  *headers gets
 * the Authorization header for a bearer token, whose scope also covers pulling from from
 * (NULL: no other repository). */
static int apply_auth(registry_client *c, const char *repo, const char *from,
		      struct curl_slist **headers, cpod_error **err)
{
	_cleanup_free_ char *scope = NULL, *token = NULL, *h = NULL;
	int i;

	if (str_eq(c->challenge.scheme, "basic")) {
		if (c->username) {
			curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->username);
			curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->password ? c->password : "");
		}
		return 0;
	}
	if (!str_eq(c->challenge.scheme, "bearer"))
		return 0;
	scope = bearer_scope(c, repo, from);
	i = strv_contains((const char *const *)c->token_scopes.v, scope);
	if (i <= 0) {
		if (fetch_token(c, scope, &token, err) < 0)
			return -1;
		strv_push(&c->token_scopes, scope);
		strv_push(&c->tokens, token);
	}
	for (size_t j = 0; j < c->token_scopes.n; j++)
		if (str_eq(c->token_scopes.v[j], scope))
			h = xasprintf("Authorization: Bearer %s", c->tokens.v[j]);
	*headers = curl_slist_append(*headers, h);
	return 0;
}

int registry_check_auth(registry_client *c, cpod_error **err)
{
	_cleanup_free_ char *url = NULL, *token = NULL, *h = NULL;
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	CURLcode rc;

	if (registry_ping(c, err) < 0)
		return -1;
	if (c->ping_status == 200)
		return 0; /* the registry asks for nothing */
	if (!c->challenge.scheme)
		return cpod_err(err, CPOD_ERR_AUTH, 0, "checking credentials: unauthorized");
	/* The token request uses the handle: get it before setting the check up. */
	if (str_eq(c->challenge.scheme, "bearer")) {
		if (fetch_token(c, NULL, &token, err) < 0)
			return -1;
		h = xasprintf("Authorization: Bearer %s", token);
		headers = curl_slist_append(headers, h);
	}
	url = xasprintf("%s://%s/v2/", c->scheme, c->host);
	setup(c, url);
	if (!token && apply_auth(c, NULL, NULL, &headers, err) < 0) {
		curl_slist_free_all(headers);
		return -1;
	}
	buf_init(&body, ERROR_BODY_MAX);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "checking credentials with %s: %s",
				c->host, curl_message(c, rc));
	if (status != 200)
		return status_error(status, &body, err, "checking credentials");
	return 0;
}

/* Prepares a request of url (NULL: /v2/<repo>/<kind>/<ref>) with its credentials (after the
 * ping); a bearer token's scope also covers pulling from from (may be NULL). */
static int prepare_scoped(registry_client *c, const char *repo, const char *from, const char *url,
			  const char *kind, const char *ref, struct curl_slist **headers,
			  cpod_error **err)
{
	_cleanup_free_ char *made = NULL;

	if (registry_ping(c, err) < 0)
		return -1;
	/* A token request uses the handle: get it before setting this request up. */
	if (str_eq(c->challenge.scheme, "bearer") && apply_auth(c, repo, from, headers, err) < 0)
		return -1;
	if (!url)
		url = made = xasprintf("%s://%s/v2/%s/%s/%s", c->scheme, c->host, repo, kind, ref);
	setup(c, url);
	if (!str_eq(c->challenge.scheme, "bearer") && apply_auth(c, repo, from, headers, err) < 0)
		return -1;
	return 0;
}

static int prepare_url(registry_client *c, const char *repo, const char *url, const char *kind,
		       const char *ref, struct curl_slist **headers, cpod_error **err)
{
	return prepare_scoped(c, repo, NULL, url, kind, ref, headers, err);
}

static int prepare_get(registry_client *c, const char *repo, const char *kind, const char *ref,
		       struct curl_slist **headers, cpod_error **err)
{
	return prepare_url(c, repo, NULL, kind, ref, headers, err);
}

/* GETs a whole response into out (capped); *ret_status gets the HTTP status.  On a status
 * other than 200, out holds the error body. */
static int get_buffered(registry_client *c, const char *repo, const char *url, const char *kind,
			const char *ref, const char *accept, buf *out, const char *what,
			cpod_error **err)
{
	struct curl_slist *headers = NULL;
	long status = 0;
	CURLcode rc;
	int r = -1;

	if (prepare_url(c, repo, url, kind, ref, &headers, err) < 0)
		goto out;
	if (accept)
		headers = curl_slist_append(headers, accept);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && out->cap && out->len + CURL_MAX_WRITE_SIZE > out->cap) {
		cpod_err(err, CPOD_ERR_REGISTRY, EFBIG, "%s: larger than %zu bytes", what,
			 out->cap);
		goto out;
	}
	if (rc != CURLE_OK) {
		cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: %s", what, curl_message(c, rc));
		goto out;
	}
	if (status != 200) {
		status_error(status, out, err, what);
		goto out;
	}
	r = 0;
out:
	curl_slist_free_all(headers);
	return r;
}

int registry_get_manifest(registry_client *c, const char *repo, const char *ref, buf *out,
			  char **ret_media_type, char **ret_digest, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("reading manifest %s in %s/%s", ref, c->host, repo);
	_cleanup_free_ char *digest = NULL;
	/* schema 1 last: a registry that has another form of the image serves that one */
	const char *accept = "Accept: " MEDIA_TYPE_OCI_MANIFEST ", " MEDIA_TYPE_OCI_INDEX
			     ", " MEDIA_TYPE_DOCKER_MANIFEST ", " MEDIA_TYPE_DOCKER_LIST
			     ", " MEDIA_TYPE_DOCKER_V2S1_SIGNED ", " MEDIA_TYPE_DOCKER_V2S1;

	buf_reset(out);
	out->cap = MANIFEST_MAX_SIZE;
	if (get_buffered(c, repo, NULL, "manifests", ref, accept, out, what, err) < 0)
		return -1;
	/* a signed schema 1 manifest's digest is that of its payload, without the signatures */
	if (manifest_digest(out->s, out->len, &digest, err) < 0)
		return cpod_err_prefix(err, "%s", what);
	if (str_has_prefix(ref, "sha256:") && !str_eq(digest, ref))
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: manifest digest %s does not match",
				what, digest);
	if (ret_media_type) {
		const char *ct = c->h_content_type;
		size_t n = ct ? strcspn(ct, "; ") : 0;

		*ret_media_type = n ? xstrndup(ct, n) : NULL;
	}
	if (ret_digest)
		*ret_digest = TAKE_PTR(digest);
	return 0;
}

/* Checks a received blob's size and digest. */
static int check_blob(const char *what, const char *digest, int64_t size, int64_t got,
		      const char *actual, cpod_error **err)
{
	if (size >= 0 && got != size)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"%s: size mismatch: expected %lld bytes, got %lld", what,
				(long long)size, (long long)got);
	if (!digest_equal(actual, digest))
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: digest mismatch: got %s", what,
				actual);
	return 0;
}

int registry_get_blob(registry_client *c, const char *repo, const char *digest, int64_t size,
		      size_t cap, buf *out, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("reading blob %s in %s/%s", digest, c->host, repo);
	_cleanup_free_ char *actual = NULL;
	digest_alg alg;

	if (digest_parse(digest, &alg, NULL, err) < 0)
		return cpod_err_prefix(err, "%s", what);
	if (size >= 0 && cap && (uint64_t)size > cap)
		return cpod_err(err, CPOD_ERR_REGISTRY, EFBIG, "%s: larger than %zu bytes", what,
				cap);
	buf_reset(out);
	out->cap = cap;
	if (get_buffered(c, repo, NULL, "blobs", digest, NULL, out, what, err) < 0)
		return -1;
	actual = digest_buf(alg, out->s, out->len);
	return check_blob(what, digest, size, (int64_t)out->len, actual, err);
}

/* ---- streamed blobs ---- */

/* An interrupted transfer that got this far since its request started is resumed at once,
 * without counting as a failed attempt (as containers/image's bodyReader does). */
#define RESUME_PROGRESS_BYTES (1 << 20)
#define RESUME_PROGRESS_MS (60 * 1000)
#define RETRY_DELAY_MAX_MS (60 * 1000)

struct registry_blob {
	registry_client *c;
	struct curl_slist *headers;
	char *what;
	char *repo;
	char *digest;
	int64_t size;
	int64_t got;	    /* bytes taken: hashed and queued */
	int64_t skip;	    /* bytes of the current answer to drop (it started again at 0) */
	int64_t started_at; /* got when the current request started */
	struct timespec started;
	int attempts; /* requests in a row that failed without progress */
	int requests;
	digest_ctx *dg;
	buf pending; /* received, not read yet, from offset off */
	size_t off;
	buf error_body;
	long status;
	bool in_multi, paused, done, too_big, bad_range;
	int state; /* 0 running, 1 ended and verified, -1 failed */
	cpod_errkind fail_kind;
	char *fail_msg;
	CURLcode result;
};

int64_t registry_content_range_start(const char *value)
{
	char *end;
	long long start;

	if (!value || strncasecmp(value, "bytes ", 6) != 0)
		return -1;
	value += 6;
	while (*value == ' ')
		value++;
	if (*value < '0' || *value > '9')
		return -1;
	errno = 0;
	start = strtoll(value, &end, 10);
	if (errno || *end != '-')
		return -1;
	return start;
}

/* The first bytes of an answer: its status, and where its body starts.  A 206 must start
 * where the blob stopped; a 200 to a resumed request starts again at 0 (the registry ignored
 * the Range), and what was taken already is dropped from it. */
static int blob_answer(registry_blob *b)
{
	curl_easy_getinfo(b->c->curl, CURLINFO_RESPONSE_CODE, &b->status);
	if (b->status == 200)
		b->skip = b->got;
	if (b->status == 206 &&
	    (!b->got || registry_content_range_start(b->c->h_content_range) != b->got)) {
		b->bad_range = true;
		return -1;
	}
	return 0;
}

static size_t blob_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	registry_blob *b = userdata;
	size_t len = size * n, dropped;

	if (!b->status && blob_answer(b) < 0)
		return 0;
	if (b->status != 200 && b->status != 206)
		return buf_add(&b->error_body, data, len) < 0 ? 0 : len;
	if (b->pending.len - b->off >= BLOB_PAUSE_AT) {
		b->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	dropped = (uint64_t)b->skip < len ? (size_t)b->skip : len;
	b->skip -= (int64_t)dropped;
	if (b->size >= 0 && b->got + (int64_t)(len - dropped) > b->size) {
		b->too_big = true;
		return 0;
	}
	if (b->off == b->pending.len) {
		buf_reset(&b->pending);
		b->off = 0;
	}
	buf_add(&b->pending, data + dropped, len - dropped);
	digest_update(b->dg, data + dropped, len - dropped);
	b->got += (int64_t)(len - dropped);
	return len;
}

/* Sends the blob's request, for the bytes from b->got on. */
static int blob_start(registry_blob *b, cpod_error **err)
{
	registry_client *c = b->c;

	if (b->in_multi)
		curl_multi_remove_handle(c->multi, c->curl);
	b->in_multi = false;
	curl_slist_free_all(b->headers);
	b->headers = NULL;
	if (prepare_get(c, b->repo, "blobs", b->digest, &b->headers, err) < 0)
		return -1;
	if (b->got > 0) {
		_cleanup_free_ char *range = xasprintf("Range: bytes=%lld-", (long long)b->got);

		b->headers = curl_slist_append(b->headers, range);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, b->headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, blob_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
	b->status = 0;
	b->skip = 0;
	b->done = b->paused = false;
	b->result = CURLE_OK;
	buf_reset(&b->error_body);
	b->started_at = b->got;
	clock_gettime(CLOCK_MONOTONIC, &b->started);
	b->requests++;
	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: starting the transfer", b->what);
	b->in_multi = true;
	return 0;
}

int registry_blob_open(registry_client *c, const char *repo, const char *digest, int64_t size,
		       registry_blob **ret, cpod_error **err)
{
	digest_alg alg;
	registry_blob *b;

	if (digest_parse(digest, &alg, NULL, err) < 0)
		return cpod_err_prefix(err, "reading blob in %s/%s", c->host, repo);
	b = xcalloc(1, sizeof(*b));
	b->c = c;
	b->what = xasprintf("reading blob %s in %s/%s", digest, c->host, repo);
	b->repo = xstrdup(repo);
	b->digest = xstrdup(digest);
	b->size = size;
	b->dg = digest_init(alg);
	buf_init(&b->pending, 0);
	buf_init(&b->error_body, ERROR_BODY_MAX);
	if (blob_start(b, err) < 0) {
		registry_blob_close(b);
		return -1;
	}
	*ret = b;
	return 0;
}

/* Drives the transfer until data is pending or it ends. */
static int blob_pump(registry_blob *b, cpod_error **err)
{
	CURLM *m = b->c->multi;
	int running = 1, left;
	CURLMsg *msg;

	if (b->paused) {
		b->paused = false;
		curl_easy_pause(b->c->curl, CURLPAUSE_CONT);
		if (b->pending.len > b->off)
			return 0;
	}
	if (curl_multi_perform(m, &running) != CURLM_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: transfer failed", b->what);
	while ((msg = curl_multi_info_read(m, &left)))
		if (msg->msg == CURLMSG_DONE) {
			b->done = true;
			b->result = msg->data.result;
		}
	if (!b->done && running && b->pending.len == b->off && !b->paused)
		curl_multi_poll(m, NULL, 0, 1000, NULL);
	return 0;
}

/* A failure another request may get past: the connection broke, timed out or could not be
 * made, or the registry could not answer for a moment (429, 5xx). */
static bool blob_retryable(const registry_blob *b)
{
	if (b->too_big || b->bad_range)
		return false;
	if (b->status == 429 || (b->status >= 500 && b->status <= 599))
		return true;
	if (b->status && b->status != 200 && b->status != 206)
		return false;
	switch (b->result) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

static bool blob_made_progress(const registry_blob *b)
{
	struct timespec now;
	int64_t ms;

	if (b->got - b->started_at >= RESUME_PROGRESS_BYTES)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - b->started.tv_sec) * 1000 +
	     (now.tv_nsec - b->started.tv_nsec) / 1000000;
	return ms >= RESUME_PROGRESS_MS;
}

int registry_retry_delay_ms(int delay_ms, int attempt)
{
	int64_t ms;

	if (delay_ms >= 0)
		return delay_ms;
	ms = (int64_t)1000 << (attempt < 1 ? 0 : attempt > 10 ? 9 : attempt - 1);
	return ms > RETRY_DELAY_MAX_MS ? RETRY_DELAY_MAX_MS : (int)ms;
}

/* After the transfer ended: 1 when another request for the rest was started, 0 when the
 * outcome stands, -1 when the new request could not be made. */
static int blob_retry(registry_blob *b, cpod_error **err)
{
	registry_client *c = b->c;
	_cleanup_free_ char *why = NULL;

	/* an answer without a body never reached blob_write_cb() */
	if (!b->status)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &b->status);
	why = b->result != CURLE_OK ? xstrdup(curl_message(c, b->result))
				    : xasprintf("http status %ld", b->status);
	if (!blob_retryable(b))
		return 0;
	if (blob_made_progress(b)) {
		b->attempts = 0;
	} else {
		int delay;

		if (b->attempts >= c->retries)
			return 0;
		b->attempts++;
		delay = registry_retry_delay_ms(c->retry_delay_ms, b->attempts);
		log_warn("%s: %s; retrying in %d ms (%d/%d)", b->what, why, delay, b->attempts,
			 c->retries);
		if (delay > 0)
			usleep((useconds_t)delay * 1000);
	}
	log_debug("%s: %s; requesting the rest from byte %lld", b->what, why, (long long)b->got);
	return blob_start(b, err) < 0 ? -1 : 1;
}

static int blob_finish(registry_blob *b, cpod_error **err)
{
	_cleanup_free_ char *actual = NULL;

	if (!b->status)
		curl_easy_getinfo(b->c->curl, CURLINFO_RESPONSE_CODE, &b->status);
	if (b->bad_range)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"%s: asked for the bytes from %lld, the registry sent '%s'",
				b->what, (long long)b->got,
				b->c->h_content_range ? b->c->h_content_range : "no Content-Range");
	if (b->status && b->status != 200 && b->status != 206)
		return status_error(b->status, &b->error_body, err, b->what);
	if (b->too_big)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"%s: size mismatch: more than the expected %lld bytes", b->what,
				(long long)b->size);
	if (b->result != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: %s", b->what,
				curl_message(b->c, b->result));
	actual = digest_final(b->dg);
	return check_blob(b->what, b->digest, b->size, b->got, actual, err);
}

ssize_t registry_blob_read(void *blob, void *p, size_t len, cpod_error **err)
{
	registry_blob *b = blob;
	cpod_error *e = NULL;

	for (;;) {
		size_t avail = b->pending.len - b->off;
		int r;

		if (avail) {
			size_t n = avail < len ? avail : len;

			memcpy(p, b->pending.s + b->off, n);
			b->off += n;
			return (ssize_t)n;
		}
		if (b->state > 0)
			return 0;
		if (b->state < 0)
			return cpod_err(err, b->fail_kind, 0, "%s", b->fail_msg);
		if (b->done) {
			r = blob_retry(b, &e);
			if (r < 0)
				break;
			if (r > 0)
				continue;
			if (blob_finish(b, &e) < 0)
				break;
			b->state = 1;
			return 0;
		}
		if (blob_pump(b, &e) < 0)
			break;
	}
	/* Checked once: later calls repeat the outcome. */
	b->state = -1;
	b->fail_kind = cpod_error_kind(e);
	b->fail_msg = xstrdup(cpod_error_message(e));
	if (err)
		*err = e;
	else
		cpod_error_free(e);
	return -1;
}

int registry_blob_requests(const registry_blob *b)
{
	return b->requests;
}

void registry_blob_close(registry_blob *b)
{
	int saved = errno;

	if (!b)
		return;
	if (b->in_multi)
		curl_multi_remove_handle(b->c->multi, b->c->curl);
	curl_slist_free_all(b->headers);
	free(b->what);
	free(b->repo);
	free(b->digest);
	free(b->fail_msg);
	digest_ctx_free(b->dg);
	buf_release(&b->pending);
	buf_release(&b->error_body);
	free(b);
	errno = saved;
}

/* ---- pushing ---- */

/* Runs the prepared request; *ret_status gets the HTTP status, body the answer (capped). */
static int perform(registry_client *c, struct curl_slist *headers, buf *body, long *ret_status,
		   const char *what, cpod_error **err)
{
	CURLcode rc;

	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "%s: %s", what, curl_message(c, rc));
	*ret_status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, ret_status);
	return 0;
}

int registry_blob_exists(registry_client *c, const char *repo, const char *digest,
			 int64_t *ret_size, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("checking blob %s in %s/%s", digest, c->host, repo);
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int r = -1;

	buf_init(&body, ERROR_BODY_MAX);
	if (prepare_get(c, repo, "blobs", digest, &headers, err) < 0)
		goto out;
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	if (perform(c, headers, &body, &status, what, err) < 0)
		goto out;
	if (status == 200) {
		curl_off_t len = -1;

		if (ret_size && curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
						  &len) != CURLE_OK)
			len = -1;
		if (ret_size)
			*ret_size = len;
		r = 1;
	} else if (status == 404)
		r = 0;
	else
		status_error(status, &body, err, what);
out:
	curl_slist_free_all(headers);
	return r;
}

/* The absolute URL of the last answer's upload Location (relative to repo's uploads, or
 * absolute), with query (may be NULL) appended. */
static int upload_location(registry_client *c, const char *repo, const char *query, char **ret,
			   const char *what, cpod_error **err)
{
	_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
	_cleanup_free_ char *base = NULL;
	char *url = NULL;

	if (!c->h_location || !*c->h_location)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: no upload location", what);
	base = xasprintf("%s://%s/v2/%s/blobs/uploads/", c->scheme, c->host, repo);
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, c->h_location, 0) != CURLUE_OK ||
	    (query && curl_url_set(u, CURLUPART_QUERY, query,
				   CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: invalid upload location '%s'", what,
				c->h_location);
	*ret = xstrdup(url);
	curl_free(url);
	return 0;
}

/* POSTs an empty body on the request prepare made (prepared: its result) and frees headers. */
static int post_empty(registry_client *c, int prepared, struct curl_slist *headers, buf *body,
		      long *status, const char *what, cpod_error **err)
{
	int r = prepared;

	if (r == 0) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, 0L);
		r = perform(c, headers, body, status, what, err);
	}
	curl_slist_free_all(headers);
	return r;
}

/* POST /v2/<repo>/blobs/uploads/: *ret gets the absolute upload URL with ?digest= added. */
static int start_upload(registry_client *c, const char *repo, const char *digest, char **ret,
			const char *what, cpod_error **err)
{
	_cleanup_free_ char *q = xasprintf("digest=%s", digest);
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int r;

	buf_init(&body, ERROR_BODY_MAX);
	r = prepare_get(c, repo, "blobs", "uploads/", &headers, err);
	if (post_empty(c, r, headers, &body, &status, what, err) < 0)
		return -1;
	if (status != 202)
		return status_error(status, &body, err, what);
	return upload_location(c, repo, q, ret, what, err);
}

static size_t fd_read_cb(char *p, size_t size, size_t n, void *userdata)
{
	ssize_t got;

	do
		got = read(*(int *)userdata, p, size * n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

int registry_blob_upload(registry_client *c, const char *repo, const char *digest, int fd,
			 int64_t size, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("uploading blob %s to %s/%s", digest, c->host, repo);
	_cleanup_free_ char *url = NULL;
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int r;

	if (start_upload(c, repo, digest, &url, what, err) < 0)
		return -1;
	buf_init(&body, ERROR_BODY_MAX);
	r = prepare_url(c, repo, url, NULL, NULL, &headers, err);
	if (r == 0) {
		headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, fd_read_cb);
		curl_easy_setopt(c->curl, CURLOPT_READDATA, &fd);
		curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
		r = perform(c, headers, &body, &status, what, err);
	}
	curl_slist_free_all(headers);
	if (r < 0)
		return -1;
	if (status != 201)
		return status_error(status, &body, err, what);
	return 0;
}

/* Ends the upload session a mount request opened instead (DELETE of its Location).  Best
 * effort: a registry may refuse it (distribution wants a token with "delete"), and then purges
 * the session itself after a while. */
static void cancel_upload(registry_client *c, const char *repo, const char *from, const char *what)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	cpod_error *e = NULL;
	long status = 0;

	buf_init(&body, ERROR_BODY_MAX);
	if (upload_location(c, repo, NULL, &url, what, &e) == 0 &&
	    prepare_scoped(c, repo, from, url, NULL, NULL, &headers, &e) == 0) {
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
		if (perform(c, headers, &body, &status, what, &e) == 0)
			log_debug("%s: the registry started an upload instead; cancelling it: "
				  "http status %ld",
				  what, status);
	}
	curl_slist_free_all(headers);
	if (e)
		log_debug("%s: cancelling the upload it started instead: %s", what,
			  cpod_error_message(e));
	cpod_error_free(e);
}

/* The URL of a mount request: /v2/<repo>/blobs/uploads/?mount=<digest>&from=<from>. */
static char *mount_url(registry_client *c, const char *repo, const char *digest, const char *from)
{
	_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
	_cleanup_free_ char *base =
		xasprintf("%s://%s/v2/%s/blobs/uploads/", c->scheme, c->host, repo);
	_cleanup_free_ char *qm = xasprintf("mount=%s", digest), *qf = xasprintf("from=%s", from);
	char *url = NULL, *ret;

	if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, qm, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, qf, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		return NULL;
	ret = xstrdup(url);
	curl_free(url);
	return ret;
}

int registry_blob_mount(registry_client *c, const char *repo, const char *digest, const char *from,
			cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("mounting blob %s from %s/%s into %s/%s", digest,
					      c->host, from, c->host, repo);
	_cleanup_free_ char *url = NULL;
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int r;

	if (digest_validate(digest, err) < 0)
		return cpod_err_prefix(err, "%s", what);
	if (registry_ping(c, err) < 0)
		return -1;
	url = mount_url(c, repo, digest, from);
	if (!url)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%s: cannot make its URL", what);
	buf_init(&body, ERROR_BODY_MAX);
	r = prepare_scoped(c, repo, from, url, NULL, NULL, &headers, err);
	if (post_empty(c, r, headers, &body, &status, what, err) < 0)
		return -1;
	if (status == 201)
		return 1;
	if (status == 202) {
		cancel_upload(c, repo, from, what);
		return 0;
	}
	return status_error(status, &body, err, what);
}

int registry_put_manifest(registry_client *c, const char *repo, const char *ref,
			  const char *media_type, const void *data, size_t len, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("writing manifest %s to %s/%s", ref, c->host, repo);
	_cleanup_free_ char *ct = xasprintf("Content-Type: %s", media_type);
	_cleanup_buf_ buf body = BUF_INIT;
	struct curl_slist *headers = NULL;
	long status = 0;
	int r;

	buf_init(&body, ERROR_BODY_MAX);
	r = prepare_get(c, repo, "manifests", ref, &headers, err);
	if (r == 0) {
		headers = curl_slist_append(headers, ct);
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		r = perform(c, headers, &body, &status, what, err);
	}
	curl_slist_free_all(headers);
	if (r < 0)
		return -1;
	if (status != 201)
		return status_error(status, &body, err, what);
	return 0;
}

/* ---- listing: the catalog and a repository's tags ---- */

char *registry_link_next(const char *link)
{
	const char *lt, *gt;

	if (!link)
		return NULL;
	lt = strchr(link, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (!gt || gt == lt + 1 || (!strstr(gt, "rel=\"next\"") && !strstr(gt, "rel=next")))
		return NULL;
	return xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

/* Appends the strings of the array key of a JSON page to ret (a null array adds nothing). */
static int list_page_parse(const buf *body, const char *key, strv *ret, const char *what,
			   cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	json_object *arr = NULL;

	doc = json_parse_bytes(body->s, body->len, body->cap, err);
	if (!doc)
		return cpod_err_prefix(err, "%s", what);
	if (!json_object_is_type(doc, json_type_object))
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: not a JSON object", what);
	json_object_object_get_ex(doc, key, &arr);
	if (!arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: \"%s\" is not an array", what, key);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_string))
			return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: a name is not a string",
					what);
		strv_push(ret, json_object_get_string(e));
	}
	return 0;
}

int registry_list(registry_client *c, const char *repo, strv *ret, cpod_error **err)
{
	_cleanup_free_ char *what = repo ? xasprintf("listing tags of %s/%s", c->host, repo)
					 : xasprintf("listing repositories of %s", c->host);
	_cleanup_free_ char *url = NULL;
	_cleanup_buf_ buf body = BUF_INIT;

	if (registry_ping(c, err) < 0)
		return -1;
	url = repo ? xasprintf("%s://%s/v2/%s/tags/list", c->scheme, c->host, repo)
		   : xasprintf("%s://%s/v2/_catalog", c->scheme, c->host);
	for (int page = 0; url; page++) {
		_cleanup_free_ char *next = NULL;

		if (page >= LIST_MAX_PAGES)
			return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%s: more than %d pages", what,
					LIST_MAX_PAGES);
		buf_init(&body, LIST_PAGE_MAX);
		if (get_buffered(c, repo, url, NULL, NULL, NULL, &body, what, err) < 0 ||
		    list_page_parse(&body, repo ? "tags" : "repositories", ret, what, err) < 0)
			return -1;
		buf_release(&body);
		next = registry_link_next(c->h_link);
		free(url);
		url = NULL;
		if (next && next[0] == '/')
			url = xasprintf("%s://%s%s", c->scheme, c->host, next);
		else if (next)
			url = TAKE_PTR(next);
	}
	return 0;
}
