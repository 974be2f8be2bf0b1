/* `ps` records and their filters, and `container inspect`, in podman's JSON shapes. */
#include "engine/container_internal.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "engine/ctr_oci.h"
#include "common/banned.h"

/* Go's zero time.Time as unix seconds, what podman prints for "never". */
#define GO_ZERO_UNIX (-62135596800LL)

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static int64_t unix_s(int64_t ns)
{
	return ns ? ns / 1000000000 : GO_ZERO_UNIX;
}

/* podman's human durations ("5 seconds", "About a minute", "3 hours"). */
static char *human_duration(int64_t secs)
{
	if (secs < 1)
		return xstrdup("Less than a second");
	if (secs == 1)
		return xstrdup("1 second");
	if (secs < 60)
		return xasprintf("%lld seconds", (long long)secs);
	if (secs / 60 == 1)
		return xstrdup("About a minute");
	if (secs < 3600)
		return xasprintf("%lld minutes", (long long)(secs / 60));
	if ((secs + 1800) / 3600 == 1)
		return xstrdup("About an hour");
	if (secs < 48 * 3600)
		return xasprintf("%lld hours", (long long)((secs + 1800) / 3600));
	if (secs < 7 * 24 * 3600 * 2)
		return xasprintf("%lld days", (long long)(secs / 86400));
	if (secs < 30 * 24 * 3600 * 3)
		return xasprintf("%lld weeks", (long long)(secs / (7 * 86400)));
	if (secs < 365 * 24 * 3600 * 2)
		return xasprintf("%lld months", (long long)(secs / (30 * 86400)));
	return xasprintf("%lld years", (long long)(secs / (365 * 86400)));
}

static char *status_text(const ctr *c, int64_t now)
{
	_cleanup_free_ char *d = NULL;

	switch (c->state) {
	case CTR_RUNNING:
		d = human_duration((now - c->started_at) / 1000000000);
		return xasprintf("Up %s", d);
	case CTR_PAUSED:
		d = human_duration((now - c->started_at) / 1000000000);
		return xasprintf("Up %s (paused)", d);
	case CTR_STOPPED:
	case CTR_EXITED:
		d = human_duration((now - c->finished_at) / 1000000000);
		return xasprintf("Exited (%lld) %s ago", (long long)c->exit_code, d);
	case CTR_CREATED:
		return xstrdup("Initialized");
	case CTR_REMOVING:
		return xstrdup("Removing");
	case CTR_STOPPING:
		return xstrdup("Stopping");
	default:
		return xstrdup("Created");
	}
}

static json_object *labels_of(const ctr *c)
{
	json_object *l;

	if (json_object_object_get_ex(c->sg, "labels", &l) &&
	    json_object_is_type(l, json_type_object) && json_object_object_length(l) > 0)
		return json_object_get(l);
	return NULL;
}

static json_object *mount_dests(const ctr *c)
{
	json_object *a = json_object_new_array();
	const char *keys[] = { "mounts", "volumes" };
	const char *dkeys[] = { "destination", "Dest" };

	for (size_t k = 0; k < 2; k++) {
		json_object *m;

		if (!json_object_object_get_ex(c->sg, keys[k], &m) ||
		    !json_object_is_type(m, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(m); i++)
			json_object_array_add(
				a, jstr(sg_str(json_object_array_get_idx(m, i), dkeys[k], "")));
	}
	return a;
}

static json_object *ps_record(const ctr *c, int64_t now)
{
	json_object *o = json_object_new_object(), *names = json_object_new_array();
	_cleanup_free_ char *created = engine_time_string(c->created),
			    *status = status_text(c, now);
	bool exited = c->state == CTR_EXITED || c->state == CTR_STOPPED;

	json_object_array_add(names, jstr(c->name));
	json_object_object_add(o, "AutoRemove",
			       json_object_new_boolean(sg_bool(c->sg, "remove", 0)));
	json_object_object_add(o, "Command", json_object_get(c->command));
	json_object_object_add(o, "Created", json_object_new_int64(c->created / 1000000000));
	json_object_object_add(o, "CreatedAt", jstr(created));
	json_object_object_add(o, "Exited", json_object_new_boolean(exited));
	json_object_object_add(o, "ExitedAt", json_object_new_int64(unix_s(c->finished_at)));
	json_object_object_add(o, "ExitCode", json_object_new_int64(c->exit_code));
	json_object_object_add(o, "Id", jstr(c->id));
	json_object_object_add(o, "Image", jstr(c->image_name));
	json_object_object_add(o, "ImageID", jstr(c->image_id));
	json_object_object_add(o, "IsInfra", json_object_new_boolean(0));
	json_object_object_add(o, "Labels", labels_of(c));
	json_object_object_add(o, "Mounts", mount_dests(c));
	json_object_object_add(o, "Names", names);
	json_object_object_add(o, "Namespaces", json_object_new_object());
	json_object_object_add(o, "Networks", json_object_new_array());
	json_object_object_add(o, "Pid", json_object_new_int64(c->pid));
	json_object_object_add(o, "Pod", jstr(""));
	json_object_object_add(o, "PodName", jstr(""));
	json_object_object_add(o, "Ports", NULL);
	json_object_object_add(o, "Restarts", json_object_new_int64(c->restart_count));
	json_object_object_add(o, "Size", NULL);
	json_object_object_add(o, "StartedAt", json_object_new_int64(unix_s(c->started_at)));
	json_object_object_add(o, "State", jstr(ctr_state_name(c->state)));
	json_object_object_add(o, "Status", jstr(status));
	return o;
}

/* ---- filters ---- */

typedef struct {
	strv keys, values; /* parallel */
} ps_filters;

static const char *const filter_keys[] = { "id",       "name",	 "label", "status", "exited",
					   "ancestor", "before", "since", "volume", NULL };
static const char *const status_values[] = { "created", "exited",   "paused",	"running",
					     "unknown", "removing", "stopping", "initialized",
					     "stopped", NULL };

static int parse_filters(const char *const *f, ps_filters *pf, cpod_error **err)
{
	for (; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*f, (size_t)(eq - *f)) : NULL;

		if (!eq || !strv_contains(filter_keys, k))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid filter \"%s\"", *f);
		if (strcmp(k, "status") == 0 && !strv_contains(status_values, eq + 1))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "%s is not a valid status",
					eq + 1);
		if (strcmp(k, "exited") == 0) {
			char *end;

			errno = 0;
			strtol(eq + 1, &end, 10);
			if (errno || end == eq + 1 || *end)
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"exited code out of range \"%s\"", eq + 1);
		}
		strv_push(&pf->keys, k);
		strv_push(&pf->values, eq + 1);
	}
	return 0;
}

static bool regex_match(const char *pattern, const char *s)
{
	regex_t re;
	bool m;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return strstr(s, pattern) != NULL;
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool label_match(const ctr *c, const char *want)
{
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	json_object *l, *v;

	if (!json_object_object_get_ex(c->sg, "labels", &l) || !json_object_object_get_ex(l, k, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

/* The created time of the container the before/since filter names, in the set. */
static int64_t ref_created(ctr **all, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, ref) == 0 || strncmp(all[i]->id, ref, strlen(ref)) == 0)
			return all[i]->created;
	return -1;
}

static bool one_match(const ctr *c, const char *k, const char *v, ctr **all, size_t n)
{
	if (strcmp(k, "id") == 0)
		return strncmp(c->id, v, strlen(v)) == 0 || regex_match(v, c->id);
	if (strcmp(k, "name") == 0)
		return regex_match(v, c->name);
	if (strcmp(k, "label") == 0)
		return label_match(c, v);
	if (strcmp(k, "status") == 0)
		return strcmp(ctr_state_name(c->state), v) == 0 ||
		       (strcmp(v, "exited") == 0 && c->state == CTR_STOPPED) ||
		       (strcmp(v, "created") == 0 && c->state == CTR_CREATED);
	if (strcmp(k, "exited") == 0)
		return (c->state == CTR_EXITED || c->state == CTR_STOPPED) &&
		       c->exit_code == strtol(v, NULL, 10);
	if (strcmp(k, "ancestor") == 0)
		return (c->image_id && strncmp(c->image_id, v, strlen(v)) == 0) ||
		       (c->image_name &&
			(strcmp(c->image_name, v) == 0 || regex_match(v, c->image_name)));
	if (strcmp(k, "before") == 0 || strcmp(k, "since") == 0) {
		int64_t t = ref_created(all, n, v);

		return t >= 0 && (k[0] == 'b' ? c->created < t : c->created > t);
	}
	if (strcmp(k, "volume") == 0) {
		_cleanup_json_ json_object *d = mount_dests(c);

		for (size_t i = 0; i < json_object_array_length(d); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(d, i)), v) == 0)
				return true;
		{
			json_object *vols;

			if (json_object_object_get_ex(c->sg, "volumes", &vols))
				for (size_t i = 0; i < json_object_array_length(vols); i++)
					if (strcmp(sg_str(json_object_array_get_idx(vols, i),
							  "Name", ""),
						   v) == 0)
						return true;
		}
		return false;
	}
	return false;
}

/* The same key ORs, different keys AND. */
static bool filters_match(const ps_filters *pf, const ctr *c, ctr **all, size_t n)
{
	for (size_t k = 0; filter_keys[k]; k++) {
		bool seen = false, any = false;

		for (size_t i = 0; i < pf->keys.n; i++) {
			if (strcmp(pf->keys.v[i], filter_keys[k]) != 0)
				continue;
			seen = true;
			if (one_match(c, filter_keys[k], pf->values.v[i], all, n))
				any = true;
		}
		if (seen && !any)
			return false;
	}
	return true;
}

json_object *cpod_container_list(cpod_runtime *rt, const cpod_ps_opts *opts, cpod_error **err)
{
	cpod_ps_opts o = { .struct_size = sizeof(o) };
	ps_filters pf = { STRV_INIT, STRV_INIT };
	json_object *out = NULL;
	ctr **all = NULL;
	size_t n = 0, shown = 0;
	int64_t now = engine_now_ns();

	if (opts)
		memcpy(&o, opts, opts->struct_size < sizeof(o) ? opts->struct_size : sizeof(o));
	if (parse_filters(o.filters, &pf, err) < 0 || ctr_load_all(rt, &all, &n, err) < 0)
		goto out;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		ctr *c = all[i];
		bool running = c->state == CTR_RUNNING || c->state == CTR_PAUSED;

		if (!o.all && o.last <= 0 && !pf.keys.n && !running)
			continue;
		if (!filters_match(&pf, c, all, n))
			continue;
		if (o.last > 0 && shown >= (size_t)o.last)
			break;
		json_object_array_add(out, ps_record(c, now));
		shown++;
	}
out:
	for (size_t i = 0; i < n; i++)
		ctr_free(all[i]);
	free(all);
	strv_clear(&pf.keys);
	strv_clear(&pf.values);
	return out;
}
