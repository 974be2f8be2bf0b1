/* Creating containers, their paths and locks. */
#include "engine/container_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "image/image_config.h"
#include "image/local.h"
#include "engine/volume_internal.h"
#include "common/banned.h"

/* ---- specgen getters ---- */

const char *sg_str(json_object *sg, const char *key, const char *def)
{
	json_object *v;

	if (!sg || !json_object_object_get_ex(sg, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return def;
	return json_object_get_string(v);
}

int64_t sg_int(json_object *sg, const char *key, int64_t def)
{
	json_object *v;

	if (!sg || !json_object_object_get_ex(sg, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

bool sg_bool(json_object *sg, const char *key, bool def)
{
	json_object *v;

	if (!sg || !json_object_object_get_ex(sg, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return def;
	return json_object_get_boolean(v);
}

/* ---- paths ---- */

static const char *runroot(cpod_runtime *rt)
{
	return rt->sc->runroot;
}

char *ctr_bundle_dir(cpod_runtime *rt, const char *id)
{
	return xasprintf("%s/containers/%s", runroot(rt), id);
}

char *ctr_static_dir(cpod_runtime *rt, const char *id)
{
	return xasprintf("%s/containers/%s", rt->sc->graphroot, id);
}

char *ctr_exit_dir(cpod_runtime *rt)
{
	return xasprintf("%s/exits", runroot(rt));
}

char *ctr_exit_file(cpod_runtime *rt, const char *id)
{
	return xasprintf("%s/exits/%s", runroot(rt), id);
}

char *ctr_persist_dir(cpod_runtime *rt, const char *id)
{
	return xasprintf("%s/persist/%s", runroot(rt), id);
}

char *ctr_log_path(cpod_runtime *rt, const ctr *c)
{
	json_object *lc;
	const char *path;

	if (json_object_object_get_ex(c->sg, "log_configuration", &lc) &&
	    (path = sg_str(lc, "path", NULL)) && *path)
		return xstrdup(path);
	return xasprintf("%s/containers/%s/ctr.log", rt->sc->graphroot, c->id);
}

int ctr_lock(cpod_runtime *rt, const char *id, file_lock *ret, cpod_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/locks", runroot(rt));
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, id);

	if (!engine_runroot(rt, err))
		return -1;
	if (fs_mkdir_p(dir, 0700) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dir);
	return lock_open(path, LOCK_EXCLUSIVE, LOCK_WAIT, ret, err);
}

int ctr_get_locked(cpod_runtime *rt, const char *nameorid, file_lock *lock, ctr **ret,
		   cpod_error **err)
{
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err);

	if (!id || ctr_lock(rt, id, lock, err) < 0)
		return -1;
	if (ctr_load(rt, id, ret, err) < 0) {
		lock_release(lock);
		return -1;
	}
	return 0;
}

/* ---- names ---- */

static bool name_valid(const char *s)
{
	static const char more[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
				   ".-";

	if (!*s || !strchr(more, *s) || *s == '_' || *s == '.' || *s == '-')
		return false;
	return strspn(s, more) == strlen(s);
}

/* adjective_noun names, as podman gives containers without a name. */
static char *random_name(void)
{
	static const char *const adj[] = {
		"agile",  "bold",   "brave",  "bright", "calm",	 "clever", "cool",   "eager",
		"fair",	  "fast",   "gentle", "happy",	"keen",	 "kind",   "lively", "lucid",
		"merry",  "modest", "nimble", "noble",	"quiet", "quick",  "sharp",  "shiny",
		"silent", "sleepy", "smart",  "steady", "sunny", "swift",  "tidy",   "witty",
	};
	static const char *const noun[] = {
		"ant",	   "badger", "bear",   "beaver", "bison",  "crane", "crow",    "deer",
		"dolphin", "eagle",  "falcon", "ferret", "finch",  "fox",   "gecko",   "heron",
		"ibis",	   "koala",  "lemur",  "lynx",	 "marten", "mole",  "otter",   "owl",
		"panda",   "puffin", "raven",  "seal",	 "shrew",  "stoat", "swallow", "wren",
	};
	unsigned char r[2];

	if (getentropy(r, sizeof(r)) < 0) {
		r[0] = (unsigned char)time(NULL);
		r[1] = (unsigned char)getpid();
	}
	return xasprintf("%s_%s", adj[r[0] % (sizeof(adj) / sizeof(adj[0]))],
			 noun[r[1] % (sizeof(noun) / sizeof(noun[0]))]);
}

static int pick_name(cpod_runtime *rt, json_object *sg, char **ret, cpod_error **err)
{
	const char *want = sg_str(sg, "name", NULL);

	if (want && *want) {
		if (!name_valid(want))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid "
					"argument");
		*ret = xstrdup(want);
		return 0;
	}
	for (int i = 0; i < 64; i++) {
		_cleanup_free_ char *base = random_name();
		_cleanup_free_ char *n = i < 16 ? xstrdup(base) : xasprintf("%s_%d", base, i);
		int r = ctr_name_exists(rt, n, err);

		if (r < 0)
			return -1;
		if (r == 0) {
			*ret = TAKE_PTR(n);
			return 0;
		}
	}
	return cpod_err(err, CPOD_ERR_INTERNAL, 0, "could not pick a container name");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Checks the JSON types the engine relies on, so a hostile API body fails here with the
 * field's name rather than somewhere deep. */
static int check_specgen(json_object *sg, cpod_error **err)
{
	static const struct {
		const char *key;
		json_type type;
	} want[] = {
		{ "name", json_type_string },
		{ "image", json_type_string },
		{ "command", json_type_array },
		{ "entrypoint", json_type_array },
		{ "env", json_type_object },
		{ "labels", json_type_object },
		{ "annotations", json_type_object },
		{ "mounts", json_type_array },
		{ "volumes", json_type_array },
		{ "remove", json_type_boolean },
		{ "terminal", json_type_boolean },
		{ "stdin", json_type_boolean },
		{ "stop_timeout", json_type_int },
		{ "stop_signal", json_type_int },
		{ "restart_policy", json_type_string },
		{ "restart_tries", json_type_int },
	};

	if (!sg || !json_object_is_type(sg, json_type_object))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "container spec: expected a JSON object");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_object *v;

		if (json_object_object_get_ex(sg, want[i].key, &v) && v &&
		    !json_object_is_type(v, want[i].type))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"container spec: '%s': expected %s, got %s", want[i].key,
					json_type_to_name(want[i].type),
					json_type_to_name(json_object_get_type(v)));
	}
	return 0;
}

static int resolve_image(cpod_runtime *rt, json_object *sg, ctr *c, cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	const char *name = sg_str(sg, "image", NULL);
	store *s = engine_store(rt, err);

	if (!s)
		return -1;
	if (!name || !*name) {
		if (sg_str(sg, "rootfs", NULL))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "--rootfs is not supported yet");
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no image given");
	}
	if (image_lookup(s, name, &img, err) < 0)
		return -1;
	c->image_id = xstrdup(img->id);
	c->image_name = xstrdup(img->names[0] && !strchr(name, '@') && !id_is_valid_prefix(name)
					? img->names[0]
					: name);
	for (size_t i = 0; img->names[i]; i++)
		if (strstr(img->names[i], name)) {
			free(c->image_name);
			c->image_name = xstrdup(img->names[i]);
			break;
		}
	return 0;
}

static void append_strings(json_object *to, json_object *from)
{
	for (size_t i = 0; from && i < json_object_array_length(from); i++) {
		json_object *v = json_object_array_get_idx(from, i);

		if (json_object_is_type(v, json_type_string))
			json_object_array_add(to, json_object_get(v));
	}
}

static json_object *array_member(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

/* The process args as podman computes them: a given entrypoint (even empty) replaces the
 * image's and drops its Cmd; a given command replaces the Cmd. */
/* The image's config blob (*ret NULL for a container without an image). */
static int load_image_config(cpod_runtime *rt, const ctr *c, json_object **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	*ret = NULL;
	if (!c->image_id)
		return 0;
	if (store_image_bigdata(engine_store(rt, err), c->image_id, "config", &b,
				IMAGE_CONFIG_MAX_SIZE, err) < 0)
		return cpod_err_prefix(err, "reading the config of image '%s'", c->image_id);
	*ret = json_parse_bytes(b.s, b.len, IMAGE_CONFIG_MAX_SIZE, err);
	if (!*ret)
		return cpod_err_prefix(err, "image '%s' config", c->image_id);
	return 0;
}

static int effective_command(ctr *c, json_object *cfg, cpod_error **err)
{
	json_object *ep = array_member(c->sg, "entrypoint");
	json_object *cmd = array_member(c->sg, "command");

	c->command = json_object_new_array();
	append_strings(c->command, ep ? ep : array_member(cfg, "Entrypoint"));
	append_strings(c->command, cmd ? cmd : (ep ? NULL : array_member(cfg, "Cmd")));
	if (json_object_array_length(c->command) == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"no command or entrypoint provided, and no CMD or ENTRYPOINT from "
				"image");
	return 0;
}

int cpod_container_create(cpod_runtime *rt, json_object *specgen, char **ret_id, cpod_error **err)
{
	_cleanup_(ctr_freep) ctr *c = xcalloc(1, sizeof(*c));
	_cleanup_free_ char *dir = NULL;
	_cleanup_json_ json_object *doc = NULL;
	json_object *cfg = NULL;
	const oci_runtime_choice *choice;
	store *s;

	if (check_specgen(specgen, err) < 0 || !(s = engine_store(rt, err)) ||
	    resolve_image(rt, specgen, c, err) < 0 || pick_name(rt, specgen, &c->name, err) < 0)
		return -1;
	c->sg = json_object_get(specgen);
	if (load_image_config(rt, c, &doc, err) < 0)
		return -1;
	if (doc && json_object_object_get_ex(doc, "config", &cfg) &&
	    !json_object_is_type(cfg, json_type_object))
		cfg = NULL;
	if (effective_command(c, cfg, err) < 0 || !(choice = engine_oci_runtime(rt, err)))
		return -1;
	/* The runtime is the container's for life: start, stop and cleanup use this one. */
	c->runtime = xstrdup(choice->path);
	c->id = id_generate(err);
	if (!c->id)
		return -1;
	c->created = now_ns();
	c->state = CTR_CONFIGURED;
	/* The row first: a kill from here on leaves a container that rm -f removes. */
	if (ctr_insert(rt, c, err) < 0)
		return cpod_err_prefix(err, "creating container");
	dir = ctr_static_dir(rt, c->id);
	if (volume_register_for_container(rt, c->id, c->sg, cfg, err) < 0 ||
	    store_container_create(s, c->id, c->image_id, NULL, err) < 0 ||
	    (fs_mkdir_p(dir, 0700) < 0 &&
	     cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", dir) < 0)) {
		cpod_error *e2 = NULL;

		store_container_delete(s, c->id, NULL);
		if (volume_remove_anonymous_of(rt, c->id, &e2) < 0) {
			cpod_error_free(e2);
			e2 = NULL;
		}
		if (ctr_delete_row(rt, c->id, &e2) < 0)
			cpod_error_free(e2);
		return cpod_err_prefix(err, "creating container '%s'", c->name);
	}
	*ret_id = xstrdup(c->id);
	return 0;
}

int cpod_container_lookup(cpod_runtime *rt, const char *nameorid, char **ret_id, cpod_error **err)
{
	char *id = ctr_lookup_id(rt, nameorid, err);

	if (!id)
		return -1;
	*ret_id = id;
	return 0;
}

int64_t engine_now_ns(void)
{
	return now_ns();
}

char *engine_time_string(int64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = ns % 1000000000 };

	if (!ns)
		return xstrdup("0001-01-01T00:00:00Z");
	return timeparse_format_utc(&ts);
}
