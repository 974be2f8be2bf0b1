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

#include <cpod/registry.h>
#include <curl/curl.h>

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

/* Whether to verify TLS for host: the option, else registries.conf's insecure flag. */
static int tls_verify_for(const cpod_login_opts *o, const char *host, bool *ret, cpod_error **err)
{
	_cleanup_registries_conf_ registries_conf *conf = NULL;
	registries_conf_opts rco = { .path = o->registries_conf };

	if (o->tls_verify != CPOD_TLS_VERIFY_DEFAULT) {
		*ret = o->tls_verify == CPOD_TLS_VERIFY_ON;
		return 0;
	}
	if (registries_conf_load(&rco, &conf, err) < 0)
		return -1;
	*ret = !registries_is_insecure(conf, host);
	return 0;
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
	_cleanup_registry_client_ registry_client *c = NULL;
	registry_opts ro = { 0 };
	int r;

	if (!o || o->struct_size < sizeof(*o) || !o->key || !*o->key)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "login: no registry given");
	host = key_registry(o->key);
	ro.host = host;
	ro.cert_dir = o->cert_dir;
	ro.username = o->username;
	ro.password = o->password;
	r = tls_verify_for(o, host, &ro.tls_verify, err);
	if (r == 0)
		r = registry_client_new(&ro, &c, err);
	if (r == 0)
		r = registry_check_auth(c, err);
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
