/* policy.json evaluation (see policy.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/policy.h"
#include "common/banned.h"

#define POLICY_MAX_SIZE (4u << 20)
#define POLICY_SYSTEM_PATH "/etc/containers/policy.json"

struct image_policy {
	json_object *doc;
	char *name;
};

void policy_free(image_policy *p)
{
	if (!p)
		return;
	json_object_put(p->doc);
	free(p->name);
	free(p);
}

/* Checks one requirement list: non-empty, each with a known type. */
static int check_requirements(const json_cur *list, cpod_error **err)
{
	size_t n;

	if (json_cur_array(list, &n, err) < 0)
		return -1;
	if (!n)
		return json_cur_error(list, err, "no requirements");
	for (size_t i = 0; i < n; i++) {
		json_cur r = json_cur_index(list, i);
		const char *type;

		if (json_get_string(&r, "type", &type, err) < 0)
			return -1;
		if (!str_eq(type, "insecureAcceptAnything") && !str_eq(type, "reject") &&
		    !str_eq(type, "signedBy") && !str_eq(type, "sigstoreSigned"))
			return json_cur_error(&r, err, "unknown policy requirement type '%s'",
					      type);
	}
	return 0;
}

static int check_policy(json_object *doc, cpod_error **err)
{
	json_cur root = json_cur_root(doc), def = json_cur_field(&root, "default"), ts;

	if (json_cur_object(&root, err) < 0 || check_requirements(&def, err) < 0 ||
	    json_get_object_opt(&root, "transports", &ts, err) < 0)
		return -1;
	if (!ts.obj)
		return 0;
	json_object_object_foreach(ts.obj, tname, scopes) {
		json_cur tc = json_cur_child(&ts, tname, scopes);

		if (json_cur_object(&tc, err) < 0)
			return -1;
		json_object_object_foreach(scopes, sname, reqs) {
			json_cur sc = json_cur_child(&tc, sname, reqs);

			if (check_requirements(&sc, err) < 0)
				return -1;
		}
	}
	return 0;
}

int policy_parse(const char *text, size_t len, const char *name, image_policy **ret,
		 cpod_error **err)
{
	json_object *doc = json_parse_bytes(text, len, POLICY_MAX_SIZE, err);
	image_policy *p;

	if (!doc || check_policy(doc, err) < 0) {
		json_object_put(doc);
		return cpod_err_prefix(err, "invalid policy in '%s'", name);
	}
	p = xcalloc(1, sizeof(*p));
	p->doc = doc;
	p->name = xstrdup(name);
	*ret = p;
	return 0;
}

int policy_load(const char *path, const char *home, image_policy **ret, cpod_error **err)
{
	_cleanup_free_ char *user = NULL;
	_cleanup_buf_ buf b = BUF_INIT;
	struct stat st;

	if (!home)
		home = getenv("HOME");
	if (!path && home && *home) {
		user = xasprintf("%s/.config/containers/policy.json", home);
		if (stat(user, &st) == 0)
			path = user;
	}
	if (!path)
		path = POLICY_SYSTEM_PATH;
	buf_init(&b, POLICY_MAX_SIZE);
	if (buf_read_file(&b, path) < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"reading signature policy '%s'", path);
	return policy_parse(b.s, b.len, path, ret, err);
}

/* The requirement list for ref in the transport's scopes, or NULL. */
static json_object *docker_scope(json_object *scopes, const char *ref)
{
	_cleanup_free_ char *s = xstrdup(ref);
	json_object *r;
	char *slash, *end;

	if (json_object_object_get_ex(scopes, s, &r))
		return r;
	/* The repository: strip the digest, else the tag (a ':' after the last '/'). */
	end = strchr(s, '@');
	if (!end) {
		slash = strrchr(s, '/');
		end = strchr(slash ? slash : s, ':');
	}
	if (end)
		*end = '\0';
	for (;;) {
		if (json_object_object_get_ex(scopes, s, &r))
			return r;
		slash = strrchr(s, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	/* s is the host[:port] now: "*.example.com" wildcards, from the longest. */
	for (char *dot = strchr(s, '.'); dot; dot = strchr(dot + 1, '.')) {
		_cleanup_free_ char *w = xasprintf("*%s", dot);

		if (json_object_object_get_ex(scopes, w, &r))
			return r;
	}
	return NULL;
}

static json_object *find_requirements(const image_policy *p, const char *transport, const char *ref)
{
	json_object *ts, *scopes, *r = NULL;

	if (json_object_object_get_ex(p->doc, "transports", &ts) &&
	    json_object_object_get_ex(ts, transport, &scopes)) {
		if (str_eq(transport, "docker"))
			r = docker_scope(scopes, ref);
		else if (!json_object_object_get_ex(scopes, ref, &r))
			r = NULL;
		if (!r && !json_object_object_get_ex(scopes, "", &r))
			r = NULL;
	}
	if (!r)
		json_object_object_get_ex(p->doc, "default", &r);
	return r;
}

int policy_check(const image_policy *p, const char *transport, const char *ref, cpod_error **err)
{
	json_object *reqs = find_requirements(p, transport, ref);

	for (size_t i = 0; i < json_object_array_length(reqs); i++) {
		json_object *r = json_object_array_get_idx(reqs, i), *type;
		const char *t;

		json_object_object_get_ex(r, "type", &type);
		t = json_object_get_string(type);
		if (str_eq(t, "insecureAcceptAnything"))
			continue;
		if (str_eq(t, "reject"))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"Source image rejected: Running image %s://%s is "
					"rejected by policy.",
					transport, ref);
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"Source image rejected: the policy in '%s' requires '%s' for "
				"%s://%s: signature verification is not supported yet",
				p->name, t, transport, ref);
	}
	return 0;
}
