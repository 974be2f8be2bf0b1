/* cpod pull: registry → store (see pull.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/json.h"
#include "common/log.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "config/auth.h"
#include "image/blobcache.h"
#include "image/image_config.h"
#include "image/manifest.h"
#include "image/policy.h"
#include "image/pull.h"
#include "image/pull_layers.h"
#include "image/reference.h"
#include "image/registry.h"
#include "common/banned.h"

#define CONFIG_MAX_SIZE (16u << 20)

typedef struct {
	store *s;
	const image_pull_opts *o;
	image_policy *policy;
	registries_conf *conf;
	bool *layers_failed; /* set when the layers failed: they retried already */
} pull_ctx;

/* What one registry gave: the manifest chosen, its bytes and digests. */
typedef struct {
	image_manifest *m;
	buf bytes;
	char *digest;
	char *index_digest; /* when reached through an index */
} pulled_manifest;

static void pulled_manifest_clear(pulled_manifest *pm)
{
	manifest_free(pm->m);
	buf_release(&pm->bytes);
	free(pm->digest);
	free(pm->index_digest);
}

static void progress(const pull_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const pull_ctx *c, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;

	if (!c->o->progress)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	c->o->progress(c->o->progress_data, line);
}

/* ---- short names ---- */

/* Splits "ns/name:tag@digest" into the name and the rest (":tag@digest", or ""). */
static void split_short_name(const char *s, char **ret_name, const char **ret_rest)
{
	const char *at = strchr(s, '@'), *end = at ? at : s + strlen(s);
	const char *slash = memrchr(s, '/', (size_t)(end - s));
	const char *colon = memchr(slash ? slash : s, ':', (size_t)(end - (slash ? slash : s)));

	if (colon)
		end = colon;
	*ret_name = xstrndup(s, (size_t)(end - s));
	*ret_rest = end;
}

/* The qualified form of a candidate: parsed and with the default tag. */
static int qualify(const char *s, strv *out, cpod_error **err)
{
	_cleanup_reference_ image_reference *r = NULL;

	if (reference_parse(s, &r, err) < 0)
		return -1;
	reference_with_default_tag(r);
	strv_push_take(out, reference_string(r, false));
	return 0;
}

int image_pull_candidates(const char *reference, const registries_conf *conf, char ***ret,
			  cpod_error **err)
{
	_cleanup_strv_ strv out = STRV_INIT;
	_cleanup_free_ char *name = NULL;
	const char *rest, *alias;

	if (!reference_is_short_name(reference)) {
		if (qualify(reference, &out, err) < 0)
			return -1;
		*ret = strv_detach(&out);
		return 0;
	}
	split_short_name(reference, &name, &rest);
	alias = conf ? registries_alias(conf, name, NULL) : NULL;
	if (alias) {
		_cleanup_free_ char *full = xasprintf("%s%s", alias, rest);

		if (qualify(full, &out, err) < 0)
			return cpod_err_prefix(err, "short-name alias of '%s'", name);
		*ret = strv_detach(&out);
		return 0;
	}
	if (!conf || !conf->unqualified_search.n)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"short-name \"%s\" did not resolve to an alias and no "
				"unqualified-search registries are defined in registries.conf",
				reference);
	for (size_t i = 0; i < conf->unqualified_search.n; i++) {
		_cleanup_free_ char *full =
			xasprintf("%s/%s", conf->unqualified_search.v[i], reference);

		if (qualify(full, &out, err) < 0)
			return -1;
	}
	if (out.n > 1 && conf->short_name_mode == SHORT_NAME_MODE_ENFORCING) {
		_cleanup_free_ char *list = strv_join((const char *const *)out.v, ", ");

		/* podman would prompt on a terminal; a library cannot. */
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"short-name resolution enforced but cannot prompt without a TTY: "
				"'%s' could be any of %s",
				reference, list);
	}
	*ret = strv_detach(&out);
	return 0;
}

/* ---- manifests ---- */

static int get_manifest(registry_client *rc, const char *repo, const char *ref, buf *out,
			char **ret_digest, image_manifest **ret, cpod_error **err)
{
	_cleanup_free_ char *media_type = NULL;

	if (registry_get_manifest(rc, repo, ref, out, &media_type, ret_digest, err) < 0 ||
	    manifest_parse(out->s, out->len, media_type, ret, err) < 0)
		return -1;
	return 0;
}

/* Gets the image manifest for ref, through the index when it is one. */
static int fetch_manifest(const pull_ctx *c, registry_client *rc, const char *repo, const char *ref,
			  const char *display, pulled_manifest *pm, cpod_error **err)
{
	const image_pull_opts *o = c->o;
	const manifest_descriptor *d;
	_cleanup_free_ char *arch = NULL, *variant = NULL;

	if (get_manifest(rc, repo, ref, &pm->bytes, &pm->digest, &pm->m, err) < 0)
		return -1;
	if (!manifest_is_index(pm->m))
		return 0;
	manifest_normalize_platform(o->arch ? o->arch : manifest_host_arch(), o->variant, &arch,
				    &variant);
	if (manifest_choose_platform(pm->m, o->os ? o->os : "linux", arch, variant, &d, err) < 0)
		return cpod_err_prefix(err, "choosing an image from manifest list docker://%s",
				       display);
	_cleanup_free_ char *chosen = xstrdup(d->digest);
	manifest_free(TAKE_PTR(pm->m));
	pm->index_digest = TAKE_PTR(pm->digest);
	if (get_manifest(rc, repo, chosen, &pm->bytes, &pm->digest, &pm->m, err) < 0)
		return -1;
	if (manifest_is_index(pm->m))
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"manifest %s in %s is an index inside an index", chosen, repo);
	return 0;
}

/* ---- layers ---- */

/* Deletes the layers this pull made, newest first. */
static void remove_layers(store *s, strv *made)
{
	for (size_t i = made->n; i > 0; i--)
		store_layer_delete(s, made->v[i - 1], NULL);
}

/* cfg NULL: the diffIDs are learnt (schema 1), into diff_ids. */
static int pull_image_layers(const pull_ctx *c, registry_client *rc, const char *repo,
			     const image_manifest *m, const image_config *cfg, char **ret_top,
			     int64_t *ret_size, strv *diff_ids, strv *made, cpod_error **err)
{
	pull_layers_opts lo = {
		.s = c->s,
		.rc = rc,
		.repo = repo,
		.m = m,
		.cfg = cfg,
		.diff_ids = diff_ids,
		.parallel = c->o->parallel_copies,
		.progress = c->o->progress,
		.blob_progress = c->o->blob_progress,
		.progress_data = c->o->progress_data,
	};

	return pull_layers(&lo, ret_top, ret_size, made, err);
}

/* The config, once the layers are in: podman's line, or its blob events. */
static void report_config(const pull_ctx *c, const manifest_descriptor *d, size_t len)
{
	cpod_pull_blob_progress p = {
		.digest = d->digest,
		.config = 1,
		.index = -1,
		.state = CPOD_PULL_BLOB_STARTED,
		.total = d->size,
	};

	if (!c->o->blob_progress) {
		progress(c, "Copying config %s", d->digest);
		return;
	}
	/* no download thread runs any more: nothing to serialise with */
	c->o->blob_progress(c->o->progress_data, &p);
	p.state = CPOD_PULL_BLOB_DONE;
	p.current = d->size > 0 ? d->size : (int64_t)len;
	c->o->blob_progress(c->o->progress_data, &p);
}

/* ---- the image ---- */

static int register_image(const pull_ctx *c, const char *name, const pulled_manifest *pm,
			  const buf *config, const image_config *cfg, const char *top, int64_t size,
			  const char *id, cpod_error **err)
{
	_cleanup_free_ char *labels = image_config_labels_json(cfg);
	struct timespec ts = { 0 };
	const char *const names[] = { name, NULL };
	const char *const digests[] = { pm->digest, pm->index_digest, NULL };
	const store_bigdata bigdata[] = {
		{ .key = "config", .data = config->s, .len = config->len },
		{ .key = "manifest", .data = pm->bytes.s, .len = pm->bytes.len },
	};

	if (cfg->created && timeparse_rfc3339(cfg->created, &ts, NULL) < 0)
		ts = (struct timespec){ 0 };
	store_image_spec spec = {
		.id = id,
		.top_layer = top,
		.names = names,
		.digests = digests,
		.digest = pm->digest,
		.labels = labels,
		.bigdata = bigdata,
		.n_bigdata = 2,
		.created = ts.tv_sec ? (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec : 0,
		.size = size,
	};
	if (store_image_create(c->s, &spec, err) == 0)
		return 0;
	if (cpod_error_kind(*err) != CPOD_ERR_EXISTS)
		return -1;
	/* Already here (perhaps through another manifest): name it and remember the digests. */
	cpod_error_freep(err);
	if (store_image_add_digests(c->s, id, digests, err) < 0)
		return -1;
	return store_image_add_names(c->s, id, names, err);
}

/* The config of a schema 1 image (manifest_schema1_config()), parsed; *ret_text: its JSON. */
static int schema1_config(const image_manifest *m, const strv *diff_ids, buf *ret_text,
			  image_config **ret, cpod_error **err)
{
	const char *const *ids = (const char *const *)diff_ids->v;
	_cleanup_free_ char *text = NULL;

	if (manifest_schema1_config(m, ids, diff_ids->n, &text, err) < 0 ||
	    image_config_parse(text, strlen(text), ret, err) < 0)
		return cpod_err_prefix(err, "converting the schema 1 manifest to an image config");
	buf_reset(ret_text);
	buf_adds(ret_text, text);
	return 0;
}

/* The image of pulled layers (top, size; made: the layers this pull wrote) stored under name
 * and id, and the blob locations noted; on failure the layers go again. */
static int store_pulled(const pull_ctx *c, registry_client *rc, const char *repo, const char *name,
			const pulled_manifest *pm, const buf *config, const image_config *cfg,
			const char *top, int64_t size, const char *id, strv *made, char **ret_id,
			cpod_error **err)
{
	progress(c, "Writing manifest to image destination");
	if (register_image(c, name, pm, config, cfg, top, size, id, err) < 0) {
		remove_layers(c->s, made);
		return -1;
	}
	blobcache_note_pull(c->s, registry_client_host(rc), repo, pm->m, cfg);
	progress(c, "Storing signatures");
	*ret_id = xstrdup(id);
	return 0;
}

/* A schema 1 image: no config blob, so the layers come first, each diffID computed as it is
 * applied, then the config is made of the manifest and the diffIDs (as containers/image
 * does), and the image ID is its digest.  podman prints no "Copying config" line for it. */
static int pull_schema1_image(const pull_ctx *c, registry_client *rc, const char *repo,
			      const char *name, const pulled_manifest *pm, char **ret_id,
			      cpod_error **err)
{
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_strv_ strv made = STRV_INIT, diff_ids = STRV_INIT;
	_cleanup_free_ char *top = NULL, *digest = NULL;
	const char *id;
	int64_t size = 0;

	/* everything but the diffIDs is checked before anything is downloaded */
	if (schema1_config(pm->m, &diff_ids, &config, &cfg, err) < 0)
		return -1;
	image_config_free(TAKE_PTR(cfg));
	if (pull_image_layers(c, rc, repo, pm->m, NULL, &top, &size, &diff_ids, &made, err) < 0) {
		remove_layers(c->s, &made);
		*c->layers_failed = true;
		return -1;
	}
	if (schema1_config(pm->m, &diff_ids, &config, &cfg, err) < 0) {
		remove_layers(c->s, &made);
		return -1;
	}
	digest = digest_buf(DIGEST_SHA256, config.s, config.len);
	id = digest + strlen("sha256:");
	return store_pulled(c, rc, repo, name, pm, &config, cfg, top, size, id, &made, ret_id, err);
}

/* Config, layers and image from one registry. */
static int pull_image(const pull_ctx *c, registry_client *rc, const char *repo, const char *name,
		      const pulled_manifest *pm, char **ret_id, cpod_error **err)
{
	_cleanup_buf_ buf config = BUF_INIT;
	_cleanup_image_config_ image_config *cfg = NULL;
	_cleanup_strv_ strv made = STRV_INIT;
	_cleanup_free_ char *top = NULL;
	const char *id;
	int64_t size = 0;

	if (pm->m->kind == MANIFEST_DOCKER_V2S1)
		return pull_schema1_image(c, rc, repo, name, pm, ret_id, err);
	if (registry_get_blob(rc, repo, pm->m->config.digest, pm->m->config.size, CONFIG_MAX_SIZE,
			      &config, err) < 0 ||
	    image_config_parse(config.s, config.len, &cfg, err) < 0)
		return cpod_err_prefix(err, "reading config %s", pm->m->config.digest);
	if (digest_parse(pm->m->config.digest, NULL, &id, err) < 0)
		return -1;
	if (pull_image_layers(c, rc, repo, pm->m, cfg, &top, &size, NULL, &made, err) < 0) {
		remove_layers(c->s, &made);
		*c->layers_failed = true;
		return -1;
	}
	report_config(c, &pm->m->config, config.len);
	return store_pulled(c, rc, repo, name, pm, &config, cfg, top, size, id, &made, ret_id, err);
}

/* ---- sources ---- */

static int client_for(const pull_ctx *c, const image_reference *src, const registry_endpoint *ep,
		      registry_client **ret, cpod_error **err)
{
	const image_pull_opts *o = c->o;
	auth_opts ao = { .authfile = o->authfile };
	auth_creds creds = { 0 };
	_cleanup_free_ char *key = xasprintf("%s/%s", src->domain, src->path);
	registry_opts ro = {
		.host = src->domain,
		.tls_verify = o->tls_verify >= 0 ? o->tls_verify : !(ep && ep->insecure),
		.cert_dir = o->cert_dir,
		.username = o->username,
		.password = o->password,
	};
	int r, found = 0;

	if (!o->username) {
		found = auth_lookup(&ao, key, &creds, err);
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
	if (r == 0)
		registry_client_set_retry(*ret, o->retries, o->retry_delay_ms);
	return r;
}

/* Pulls from one source (a mirror or the primary location) under the candidate's name. */
static int pull_from(const pull_ctx *c, const char *name, const char *source,
		     const registry_endpoint *ep, char **ret_id, cpod_error **err)
{
	_cleanup_reference_ image_reference *src = NULL;
	_cleanup_(registry_client_freep) registry_client *rc = NULL;
	pulled_manifest pm = { .bytes = BUF_INIT };
	int r;

	*c->layers_failed = false;
	if (reference_parse(source, &src, err) < 0 || client_for(c, src, ep, &rc, err) < 0)
		return -1;
	r = fetch_manifest(c, rc, src->path, src->digest ? src->digest : src->tag, source, &pm,
			   err);
	if (r == 0)
		progress(c, "Getting image source signatures");
	if (r == 0)
		r = pull_image(c, rc, src->path, name, &pm, ret_id, err);
	pulled_manifest_clear(&pm);
	return r;
}

/* Tries the sources of one candidate in order: mirrors, then the primary. */
/* The sources of a candidate (mirrors, then the primary), unless its registry is blocked or,
 * with pulling, the policy refuses it. */
static int candidate_sources(const pull_ctx *c, const char *name, bool pulling,
			     registry_pull_source **srcs, size_t *n, cpod_error **err)
{
	const registry_entry *e = registries_find(c->conf, name);

	if (e && e->blocked)
		return cpod_err(err, CPOD_ERR_REGISTRY, 0,
				"registry '%s' is blocked in registries.conf", e->prefix);
	if (pulling && policy_check(c->policy, "docker", name, err) < 0)
		return -1;
	return registries_pull_sources(e, name, srcs, n, err);
}

static int pull_candidate(const pull_ctx *c, const char *name, char **ret_id, cpod_error **err)
{
	registry_pull_source *srcs = NULL;
	size_t n = 0;
	int r = -1;

	if (candidate_sources(c, name, true, &srcs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r < 0; i++) {
		if (i > 0) {
			log_debug("pulling from a mirror failed: %s", cpod_error_message(*err));
			cpod_error_freep(err);
		}
		log_debug("trying to pull %s from %s", name, srcs[i].reference);
		r = pull_from(c, name, srcs[i].reference, srcs[i].endpoint, ret_id, err);
	}
	registry_pull_sources_free(srcs, n);
	return r;
}

/* A network failure before the layers (the layers retry their own blobs). */
static bool retryable(const pull_ctx *c, const cpod_error *e)
{
	return cpod_error_kind(e) == CPOD_ERR_SYSTEM && !*c->layers_failed;
}

static int pull_with_retries(const pull_ctx *c, const char *name, char **ret_id, cpod_error **err)
{
	for (int attempt = 0;; attempt++) {
		int delay = registry_retry_delay_ms(c->o->retry_delay_ms, attempt + 1);

		if (pull_candidate(c, name, ret_id, err) == 0)
			return 0;
		if (attempt >= c->o->retries || !retryable(c, *err))
			return -1;
		log_warn("failed, retrying in %d ms ... (%d/%d). Error: %s", delay, attempt + 1,
			 c->o->retries, cpod_error_message(*err));
		cpod_error_freep(err);
		if (delay > 0)
			usleep((useconds_t)delay * 1000);
	}
}

static int resolve_and_pull(pull_ctx *c, const char *ref, char **ret_id, cpod_error **err)
{
	_cleanup_(strv_freep) char **cands = NULL;
	_cleanup_buf_ buf errors = BUF_INIT;
	size_t n;

	if (image_pull_candidates(ref, c->conf, &cands, err) < 0)
		return -1;
	n = strv_length(cands);
	for (size_t i = 0; i < n; i++) {
		cpod_error *e = NULL;

		progress(c, "Trying to pull %s...", cands[i]);
		if (pull_with_retries(c, cands[i], ret_id, &e) == 0) {
			if (c->o->pulled)
				c->o->pulled(c->o->progress_data, cands[i], *ret_id);
			return 0;
		}
		if (n == 1) {
			*err = e;
			return cpod_err_prefix(err, "initializing source docker://%s", cands[i]);
		}
		buf_addf(&errors, "%s* initializing source docker://%s: %s", i ? "; " : "",
			 cands[i], cpod_error_message(e));
		cpod_error_free(e);
	}
	return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%zu errors occurred while pulling: %s", n,
			errors.s);
}

/* ---- all tags ---- */

/* A tag as the distribution spec allows it: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = t[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* The tags of one source's repository, appended to tags only when the whole list came. */
static int list_source_tags(const pull_ctx *c, const char *source, const registry_endpoint *ep,
			    strv *tags, cpod_error **err)
{
	_cleanup_reference_ image_reference *src = NULL;
	_cleanup_(registry_client_freep) registry_client *rc = NULL;
	_cleanup_strv_ strv got = STRV_INIT;

	if (reference_parse(source, &src, err) < 0 || client_for(c, src, ep, &rc, err) < 0 ||
	    registry_list(rc, src->path, &got, err) < 0)
		return -1;
	for (size_t i = 0; i < got.n; i++)
		strv_push(tags, got.v[i]);
	return 0;
}

/* The tags of a candidate's repository from its first source (mirror or primary) that lists
 * them; name is the candidate, tagged. */
static int list_candidate_tags(const pull_ctx *c, const char *name, strv *tags, cpod_error **err)
{
	registry_pull_source *srcs = NULL;
	size_t n = 0;
	int r = -1;

	if (candidate_sources(c, name, false, &srcs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r < 0; i++) {
		if (i > 0) {
			log_debug("listing tags on a mirror failed: %s", cpod_error_message(*err));
			cpod_error_freep(err);
		}
		r = list_source_tags(c, srcs[i].reference, srcs[i].endpoint, tags, err);
	}
	registry_pull_sources_free(srcs, n);
	return r;
}

/* The tags of the first candidate that lists them; *ret_repo: its name, untagged. */
static int list_tags(const pull_ctx *c, char **cands, char **ret_repo, strv *tags, cpod_error **err)
{
	_cleanup_buf_ buf errors = BUF_INIT;
	size_t n = strv_length(cands);

	for (size_t i = 0; i < n; i++) {
		_cleanup_reference_ image_reference *r = NULL;
		cpod_error *e = NULL;

		if (reference_parse(cands[i], &r, err) < 0)
			return -1;
		if (list_candidate_tags(c, cands[i], tags, &e) == 0) {
			*ret_repo = reference_name(r, false);
			return 0;
		}
		if (n == 1) {
			*err = e;
			return -1;
		}
		buf_addf(&errors, "%s* %s", i ? "; " : "", cpod_error_message(e));
		cpod_error_free(e);
	}
	return cpod_err(err, CPOD_ERR_REGISTRY, 0, "%zu errors occurred while listing tags: %s", n,
			errors.s);
}

/* podman pull -a: every tag of the repository ref names (no tag or digest; checked), pulled
 * one after the other. */
static int pull_all_tags(pull_ctx *c, const char *ref, char **ret_id, cpod_error **err)
{
	_cleanup_(strv_freep) char **cands = NULL;
	_cleanup_strv_ strv tags = STRV_INIT;
	_cleanup_free_ char *repo = NULL, *id = NULL;

	if (image_pull_candidates(ref, c->conf, &cands, err) < 0 ||
	    list_tags(c, cands, &repo, &tags, err) < 0)
		return -1;
	if (!tags.n)
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "repository '%s' has no tags", repo);
	for (size_t i = 0; i < tags.n; i++) {
		_cleanup_free_ char *name = xasprintf("%s:%s", repo, tags.v[i]);

		if (!tag_valid(tags.v[i]))
			return cpod_err(err, CPOD_ERR_REGISTRY, 0,
					"creating tagged reference (name %s, tag %s): invalid tag "
					"format",
					repo, tags.v[i]);
		free(TAKE_PTR(id));
		if (resolve_and_pull(c, name, &id, err) < 0)
			return -1;
	}
	*ret_id = TAKE_PTR(id);
	return 0;
}

/* The repository of pull -a: rest must have no tag or digest; a docker:// one is normalised
 * (docker.io/library/...), never searched. */
static int all_tags_repository(const char *rest, bool normalise, char **ret, cpod_error **err)
{
	_cleanup_reference_ image_reference *r = NULL;

	if (reference_parse(rest, &r, err) < 0)
		return -1;
	if (r->tag || r->digest)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "tag can't be used with --all-tags/-a");
	*ret = normalise ? reference_name(r, false) : xstrdup(rest);
	return 0;
}

int image_pull(store *s, const image_pull_opts *o, char **ret_id, cpod_error **err)
{
	_cleanup_(policy_freep) image_policy *policy = NULL;
	_cleanup_free_ char *repo = NULL;
	registries_conf_opts rco = { .path = o->registries_conf };
	bool layers_failed = false;
	pull_ctx c = { .s = s, .o = o, .layers_failed = &layers_failed };
	image_transport t;
	const char *rest;
	int r;

	if (reference_split_transport(o->reference, &t, &rest, err) < 0)
		return -1;
	if (o->all_tags && t != TRANSPORT_NONE && t != TRANSPORT_DOCKER)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"pulling all tags is not supported for %s transport",
				reference_transport_name(t));
	if (t != TRANSPORT_NONE && t != TRANSPORT_DOCKER)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"pulling '%s': the %s transport is not supported yet", o->reference,
				reference_transport_name(t));
	if (o->all_tags && all_tags_repository(rest, t == TRANSPORT_DOCKER, &repo, err) < 0)
		return -1;
	if (policy_load(o->signature_policy, NULL, &policy, err) < 0 ||
	    registries_conf_load(&rco, &c.conf, err) < 0)
		return -1;
	c.policy = policy;
	if (o->all_tags) {
		r = pull_all_tags(&c, repo, ret_id, err);
	} else if (t == TRANSPORT_DOCKER) {
		/* docker://NAME is normalised (docker.io/library/...), never searched. */
		strv q = STRV_INIT;

		r = qualify(rest, &q, err);
		if (r == 0)
			r = resolve_and_pull(&c, q.v[0], ret_id, err);
		strv_clear(&q);
	} else {
		r = resolve_and_pull(&c, rest, ret_id, err);
	}
	registries_conf_free(c.conf);
	return r;
}
