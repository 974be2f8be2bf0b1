/* cpod login / logout: credential keys, the credentials check and auth.json (cpod/registry.h).
 *
 * The check is containers/image's CheckAuth: GET /v2/ anonymously to learn the challenge,
 * then GET /v2/ again with Basic auth, or with a bearer token asked for (no scope) with the
 * credentials.  It needs requests the registry client does not expose (a /v2/ GET with
 * credentials, a scope-less token), so it has its own small libcurl loop here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <cpod/registry.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/auth.h"
#include "config/registries_conf.h"
#include "image/reference.h"
#include "image/registry.h"
#include "common/banned.h"

#define LOGIN_BODY_MAX (1u << 20)

typedef struct {
	CURL *curl;
	const char *host;
	const char *scheme;
	bool tls_verify;
	buf ca_blob;
	registry_certs certs;
	char *www_auth;
	char errbuf[CURL_ERROR_SIZE];
} login_client;

DEFINE_CLEANUP_FUNC(CURLU, curl_url_cleanup)

int cpod_login_key(const char *arg, const char *conf_path, char **ret_key, cpod_error **err)
{
	_cleanup_reference_ image_reference *ref = NULL;
	_cleanup_registries_conf_ registries_conf *conf = NULL;
	_cleanup_free_ char *host = NULL;
	const char *slash;

	if (!arg) {
		registries_conf_opts rco = { .path = conf_path };

		if (registries_conf_load(&rco, &conf, err) < 0)
			return cpod_err_prefix(err, "getting registry from registry.conf, please "
						    "specify a registry");
		if (!conf->unqualified_search.n)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"no registries found in registries.conf, a registry must "
					"be provided");
		*ret_key = xstrdup(conf->unqualified_search.v[0]);
		return 0;
	}
	if (str_has_prefix(arg, "https://") || str_has_prefix(arg, "http://")) {
		_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
		char *h = NULL, *port = NULL;

		if (curl_url_set(u, CURLUPART_URL, arg, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"trimming http{s} prefix: invalid url '%s'", arg);
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		*ret_key = port ? xasprintf("%s:%s", h, port) : xstrdup(h);
		curl_free(h);
		curl_free(port);
		return 0;
	}
	slash = strchr(arg, '/');
	if (!slash) {
		*ret_key = xstrdup(arg);
		return 0;
	}
	if (reference_parse(arg, &ref, err) < 0)
		return cpod_err_prefix(err, "parse reference from \"%s\"", arg);
	if (ref->tag || ref->digest)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "reference \"%s\" contains tag or digest",
				arg);
	host = xstrndup(arg, (size_t)(slash - arg));
	if (!str_eq(ref->domain, host))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"internal error: key \"%s\" registry mismatch, \"%s\" vs. \"%s\"",
				arg, host, ref->domain);
	*ret_key = xstrdup(arg);
	return 0;
}

static const char *tls_file_dirs_default[] = { REGISTRY_CERTS_DIRS, NULL };

static int client_init(login_client *c, const cpod_login_opts *o, const char *host,
		       cpod_error **err)
{
	const char *given[] = { o->cert_dir, NULL };
	_cleanup_registries_conf_ registries_conf *conf = NULL;

	c->host = host;
	buf_init(&c->ca_blob, 0);
	c->certs.ca_files = (strv)STRV_INIT;
	if (o->tls_verify == CPOD_TLS_VERIFY_DEFAULT) {
		registries_conf_opts rco = { .path = o->registries_conf };

		if (registries_conf_load(&rco, &conf, err) < 0)
			return -1;
		c->tls_verify = !registries_is_insecure(conf, host);
	} else {
		c->tls_verify = o->tls_verify == CPOD_TLS_VERIFY_ON;
	}
	if (registry_certs_find(o->cert_dir ? given : tls_file_dirs_default, host, &c->certs, err) <
	    0)
		return -1;
	for (size_t i = 0; i < c->certs.ca_files.n; i++) {
		if (buf_read_file(&c->ca_blob, c->certs.ca_files.v[i]) < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading CA certificate '%s'",
					c->certs.ca_files.v[i]);
		buf_addch(&c->ca_blob, '\n');
	}
	c->curl = curl_easy_init();
	if (!c->curl)
		return cpod_err(err, CPOD_ERR_SYSTEM, ENOMEM, "initializing libcurl");
	return 0;
}

static void client_release(login_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	buf_release(&c->ca_blob);
	registry_certs_clear(&c->certs);
	free(c->www_auth);
}

static size_t header_cb(char *data, size_t size, size_t n, void *userdata)
{
	login_client *c = userdata;
	size_t len = size * n;
	const char *v = data + 17, *end = data + len;

	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		free(c->www_auth);
		c->www_auth = NULL;
	}
	if (len <= 17 || strncasecmp(data, "WWW-Authenticate:", 17) || c->www_auth)
		return len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	c->www_auth = xstrndup(v, (size_t)(end - v));
	return len;
}

static size_t body_cb(char *data, size_t size, size_t n, void *userdata)
{
	return buf_add(userdata, data, size * n) < 0 ? 0 : size * n;
}

/* One GET of url; user (Basic) or bearer may be NULL.  *ret_status: the HTTP status. */
static CURLcode client_get(login_client *c, const char *url, const char *user, const char *pass,
			   const char *bearer, buf *body, long *ret_status)
{
	_cleanup_free_ char *h = NULL;
	struct curl_slist *headers = NULL;
	CURL *e = c->curl;
	CURLcode rc;

	curl_easy_reset(e);
	c->errbuf[0] = '\0';
	buf_reset(body);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cpod");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->ca_blob.len) {
		struct curl_blob blob = { .data = c->ca_blob.s,
					  .len = c->ca_blob.len,
					  .flags = CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->certs.cert_file) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->certs.cert_file);
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->certs.key_file);
	}
	if (user) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, pass ? pass : "");
	}
	if (bearer) {
		h = xasprintf("Authorization: Bearer %s", bearer);
		headers = curl_slist_append(headers, h);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	}
	rc = curl_easy_perform(e);
	*ret_status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, ret_status);
	curl_slist_free_all(headers);
	return rc;
}

static const char *client_message(login_client *c, CURLcode rc)
{
	return c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
}

/* The anonymous GET /v2/: the scheme (https, or http when TLS is not verified) and the
 * status. */
static int client_ping(login_client *c, buf *body, long *ret_status, cpod_error **err)
{
	_cleanup_free_ char *url = xasprintf("https://%s/v2/", c->host);
	CURLcode rc;

	c->scheme = "https";
	rc = client_get(c, url, NULL, NULL, NULL, body, ret_status);
	if (rc != CURLE_OK && !c->tls_verify) {
		log_debug("pinging https://%s/v2/: %s; trying http", c->host,
			  client_message(c, rc));
		free(url);
		url = xasprintf("http://%s/v2/", c->host);
		c->scheme = "http";
		rc = client_get(c, url, NULL, NULL, NULL, body, ret_status);
	}
	if (rc != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "pinging container registry %s: %s",
				c->host, client_message(c, rc));
	if (*ret_status != 200 && *ret_status != 401)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"pinging container registry %s: unexpected http status %ld",
				c->host, *ret_status);
	return 0;
}

/* The "code: message" of a registry's JSON error body, or the status. */
static int status_error(long status, const buf *body, const char *what, cpod_error **err)
{
	_cleanup_json_ json_object *doc = NULL;
	json_object *errors, *e, *msg;
	const char *m = NULL;

	if (body->len)
		doc = json_tokener_parse(body->s);
	if (json_object_object_get_ex(doc, "errors", &errors) &&
	    json_object_is_type(errors, json_type_array) && json_object_array_length(errors) &&
	    (e = json_object_array_get_idx(errors, 0)) &&
	    json_object_object_get_ex(e, "message", &msg) &&
	    json_object_is_type(msg, json_type_string))
		m = json_object_get_string(msg);
	return cpod_err(err, status == 401 ? CPOD_ERR_AUTH : CPOD_ERR_REGISTRY, 0, "%s: %s", what,
			m		? m
			: status == 401 ? "unauthorized"
					: "unexpected http status");
}

/* A token from the challenge's realm, asked for with the credentials and no scope. */
static int client_token(login_client *c, const www_auth *ch, const cpod_login_opts *o, buf *body,
			char **ret, cpod_error **err)
{
	_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
	_cleanup_json_ json_object *doc = NULL;
	_cleanup_free_ char *service = NULL;
	const char *token = NULL;
	char *url = NULL;
	long status;
	CURLcode rc;

	if (!ch->realm || curl_url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "invalid token realm '%s' of %s",
				ch->realm ? ch->realm : "", c->host);
	if (ch->service) {
		service = xasprintf("service=%s", ch->service);
		curl_url_set(u, CURLUPART_QUERY, service, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	curl_url_get(u, CURLUPART_URL, &url, 0);
	rc = client_get(c, url, o->username, o->password, NULL, body, &status);
	curl_free(url);
	if (rc != CURLE_OK)
		return cpod_err(err, CPOD_ERR_SYSTEM, 0, "requesting a token from %s: %s",
				ch->realm, client_message(c, rc));
	if (status != 200)
		return status_error(status, body, "requesting bearer token", err);
	doc = json_tokener_parse(body->s ? body->s : "");
	json_object *t;
	if ((json_object_object_get_ex(doc, "token", &t) ||
	     json_object_object_get_ex(doc, "access_token", &t)) &&
	    json_object_is_type(t, json_type_string))
		token = json_object_get_string(t);
	if (!token || !*token)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0, "no token in the answer of %s",
				ch->realm);
	*ret = xstrdup(token);
	return 0;
}

static int check_registry(login_client *c, const cpod_login_opts *o, cpod_error **err)
{
	_cleanup_buf_ buf body = BUF_INIT;
	_cleanup_free_ char *url = NULL, *token = NULL;
	www_auth ch = { 0 };
	long status = 0;
	CURLcode rc;
	int r = -1;

	buf_init(&body, LOGIN_BODY_MAX);
	if (client_ping(c, &body, &status, err) < 0)
		return -1;
	if (status == 200)
		return 0; /* the registry asks for nothing */
	if (!c->www_auth || www_auth_parse(c->www_auth, &ch, err) < 0) {
		cpod_error_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		return status_error(status, &body, "checking credentials", err);
	}
	url = xasprintf("%s://%s/v2/", c->scheme, c->host);
	if (str_eq(ch.scheme, "bearer")) {
		if (client_token(c, &ch, o, &body, &token, err) < 0)
			goto out;
		rc = client_get(c, url, NULL, NULL, token, &body, &status);
	} else {
		rc = client_get(c, url, o->username, o->password, NULL, &body, &status);
	}
	if (rc != CURLE_OK) {
		cpod_err(err, CPOD_ERR_SYSTEM, 0, "checking credentials with %s: %s", c->host,
			 client_message(c, rc));
		goto out;
	}
	if (status != 200) {
		status_error(status, &body, "checking credentials", err);
		goto out;
	}
	r = 0;
out:
	www_auth_clear(&ch);
	return r;
}

/* The registry part of a key: up to the first '/'. */
static char *key_registry(const char *key)
{
	const char *slash = strchr(key, '/');

	return slash ? xstrndup(key, (size_t)(slash - key)) : xstrdup(key);
}

int cpod_login_check(const cpod_login_opts *o, cpod_error **err)
{
	_cleanup_free_ char *host = NULL;
	login_client c = { 0 };
	int r;

	if (!o || o->struct_size < sizeof(*o) || !o->key || !*o->key)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "login: no registry given");
	host = key_registry(o->key);
	r = client_init(&c, o, host, err);
	if (r == 0)
		r = check_registry(&c, o, err);
	client_release(&c);
	if (r == 0)
		return 0;
	if (err && *err && cpod_error_kind(*err) == CPOD_ERR_AUTH) {
		log_debug("error logging into \"%s\": %s", o->key, cpod_error_message(*err));
		cpod_error_free(*err);
		*err = NULL;
		return cpod_err(err, CPOD_ERR_AUTH, 0,
				"logging into \"%s\": invalid username/password", o->key);
	}
	return cpod_err_prefix(err, "authenticating creds for \"%s\"", o->key);
}

int cpod_login(const cpod_login_opts *o, char **ret_path, cpod_error **err)
{
	auth_opts ao = { 0 };

	if (cpod_login_check(o, err) < 0)
		return -1;
	ao.authfile = o->authfile;
	return auth_set(&ao, o->key, o->username ? o->username : "", o->password ? o->password : "",
			ret_path, err);
}

int cpod_login_lookup(const cpod_login_opts *o, char **ret_username, char **ret_password,
		      int *ret_has_token, cpod_error **err)
{
	auth_opts ao = { .authfile = o->authfile };
	auth_creds c = { 0 };
	int r;

	r = auth_lookup(&ao, o->key, &c, err);
	if (r < 0)
		return cpod_err_prefix(err, "get credentials");
	if (r == 0)
		return 0;
	*ret_username = xstrdup(c.username ? c.username : "");
	*ret_password = xstrdup(c.password ? c.password : "");
	if (ret_has_token)
		*ret_has_token = c.identity_token && *c.identity_token;
	auth_creds_clear(&c);
	return 1;
}

int cpod_logout(const char *authfile, const char *key, cpod_error **err)
{
	auth_opts ao = { .authfile = authfile };

	if (!key)
		return auth_remove_all(&ao, err);
	if (auth_remove(&ao, key, err) == 0)
		return 0;
	if (err && *err && cpod_error_kind(*err) == CPOD_ERR_NOT_FOUND) {
		cpod_error_free(*err);
		*err = NULL;
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "not logged into %s", key);
	}
	return cpod_err_prefix(err, "logging out of \"%s\"", key);
}
