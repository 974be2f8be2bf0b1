/* The security part of config.json, as podman 4.3 builds it (pkg/specgen/generate:
 * security_linux.go, oci_linux.go, config_linux.go, oci.go; libpod AddPrivilegedDevices):
 * capabilities, no_new_privileges, seccomp, masked and read-only paths, devices, sysctls,
 * rlimits and oomScoreAdj.
 *
 * Which namespaces the container shares with the host is read from the spec's
 * linux.namespaces (no entry: the host's; an entry with a path: another container's), so the
 * checks here always agree with what the runtime will do. */
#include "oci/spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/caps.h"
#include "oci/seccomp.h"
#include "common/banned.h"

/* podman's define.RLimitDefaultValue: nofile and nproc when neither is given. */
#define RLIMIT_DEFAULT_VALUE 1048576ULL

typedef enum {
	NS_HOST,   /* no entry: the host's namespace */
	NS_JOINED, /* an entry with a path: another container's or a file's */
	NS_NEW,	   /* an entry without a path */
} ns_state;

/* What every section needs to know about the container. */
typedef struct {
	const spec_ctx *ctx;
	json_cur sg;
	json_object *spec, *process, *lx;
	bool privileged;
	bool in_userns; /* rootless, or a new user namespace */
	bool new_userns;
	ns_state net, ipc, uts, pid;
} sec;

/* ---- small helpers ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The member key of obj, created as a new object when missing. */
static json_object *child_object(json_object *obj, const char *key)
{
	json_object *c;

	if (json_object_object_get_ex(obj, key, &c) && json_object_is_type(c, json_type_object))
		return c;
	c = json_object_new_object();
	json_object_object_add(obj, key, c);
	return c;
}

static ns_state spec_ns(json_object *spec, const char *type)
{
	json_object *lx, *nss, *t;

	if (!json_object_object_get_ex(spec, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &nss) ||
	    !json_object_is_type(nss, json_type_array))
		return NS_HOST;
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		json_object *ns = json_object_array_get_idx(nss, i);

		if (!json_object_object_get_ex(ns, "type", &t) ||
		    strcmp(json_object_get_string(t), type) != 0)
			continue;
		return json_object_object_get_ex(ns, "path", &t) ? NS_JOINED : NS_NEW;
	}
	return NS_HOST;
}

/* Reads the array of strings at key of the specgen into *ret. */
static int sg_strings(const sec *s, const char *key, strv *ret, cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(&s->sg, key, &arr, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		const char *v;

		if (json_cur_string(&e, &v, err) < 0)
			return -1;
		strv_push(ret, v);
	}
	return 0;
}

/* The string value of label key: the specgen's labels first, then the image's. */
static int label(const sec *s, const char *key, bool image_only, const char **ret, cpod_error **err)
{
	json_cur labels, img = json_cur_root(s->ctx->image_config), ilabels;

	*ret = NULL;
	if (!image_only && (json_get_object_opt(&s->sg, "labels", &labels, err) < 0 ||
			    json_get_string_opt(&labels, key, NULL, ret, err) < 0))
		return -1;
	if (*ret)
		return 0;
	if (json_cur_object_opt(&img, err) < 0 ||
	    json_get_object_opt(&img, "Labels", &ilabels, err) < 0 ||
	    json_get_string_opt(&ilabels, key, NULL, ret, err) < 0)
		return -1;
	return 0;
}

/* ---- capabilities ---- */

/* Checks each name of key (the option --opt) so that a bad one is reported by its option. */
static int check_caps(const strv *v, const char *opt, cpod_error **err)
{
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_free_ char *c = NULL;

		if (cap_normalize(v->v[i], &c, err) < 0)
			return cpod_err_prefix(err, "invalid %s '%s'", opt, v->v[i]);
	}
	return 0;
}

/* podman runs the process as root when the user is empty (and not keep-id), "root" or "0";
 * an image's User counts when the specgen has none. */
static int root_user(const sec *s, bool *ret, cpod_error **err)
{
	json_cur img = json_cur_root(s->ctx->image_config), userns;
	const char *user, *mode;
	size_t n;

	if (json_get_string_opt(&s->sg, "user", "", &user, err) < 0 ||
	    json_get_object_opt(&s->sg, "userns", &userns, err) < 0 ||
	    json_get_string_opt(&userns, "nsmode", "", &mode, err) < 0)
		return -1;
	if (!*user && (json_cur_object_opt(&img, err) < 0 ||
		       json_get_string_opt(&img, "User", "", &user, err) < 0))
		return -1;
	n = strcspn(user, ":");
	*ret = (n == 0 && strcmp(mode, "keep-id") != 0) || (n == 4 && !strncmp(user, "root", 4)) ||
	       (n == 1 && user[0] == '0');
	return 0;
}

static int security_caps(const sec *s, char ***ret_bounding, cpod_error **err)
{
	_cleanup_strv_ strv add = STRV_INIT, drop = STRV_INIT;
	_cleanup_strv_free_ char **bounding = caps_bounding_set();
	const containers_conf *cc = s->ctx->cc;
	caps_opts o = { 0 };
	json_object *obj;

	if (sg_strings(s, "cap_add", &add, err) < 0 || sg_strings(s, "cap_drop", &drop, err) < 0 ||
	    check_caps(&add, "--cap-add", err) < 0 || check_caps(&drop, "--cap-drop", err) < 0 ||
	    check_caps(&cc->default_capabilities, "containers.conf default_capabilities", err) <
		    0 ||
	    root_user(s, &o.root_user, err) < 0 ||
	    label(s, "io.containers.capabilities", false, &o.required, err) < 0)
		return -1;
	o.defaults = (const char *const *)cc->default_capabilities.v;
	o.add = (const char *const *)add.v;
	o.drop = (const char *const *)drop.v;
	o.privileged = s->privileged;
	o.bounding = (const char *const *)bounding;
	/* Ambient capabilities came with Linux 4.3; without them podman leaves the set out. */
	o.ambient = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0) >= 0;
	if (caps_process(&o, &obj, ret_bounding, err) < 0)
		return cpod_err_prefix(err, "invalid --cap-add/--cap-drop");
	json_object_object_add(s->process, "capabilities", obj);
	return 0;
}

/* ---- seccomp ---- */

/* seccomp_policy "image": the profile is the image's io.containers.seccomp.profile label. */
static int seccomp_from_image(const sec *s, const seccomp_target *t, json_object **ret,
			      cpod_error **err)
{
	const char *text;

	if (!s->ctx->image_config)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"cannot read seccomp profile without a valid image");
	if (label(s, "io.containers.seccomp.profile", true, &text, err) < 0)
		return -1;
	if (!text || !*text)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no seccomp policy defined by image");
	return seccomp_convert(text, strlen(text), "image label io.containers.seccomp.profile", t,
			       ret, err);
}

static int security_seccomp(const sec *s, char *const *bounding, cpod_error **err)
{
	_cleanup_free_ char *path = NULL;
	seccomp_target t = { .bounding = (const char *const *)bounding };
	const char *sg_path, *policy;
	json_object *obj = NULL;

	if (json_get_string_opt(&s->sg, "seccomp_profile_path", "", &sg_path, err) < 0 ||
	    json_get_string_opt(&s->sg, "seccomp_policy", "", &policy, err) < 0)
		return -1;
	if (*policy && strcmp(policy, "default") != 0 && strcmp(policy, "image") != 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid seccomp policy '%s': valid policies are "
				"[\"default\" \"image\"]",
				policy);
	json_object_object_del(s->lx, "seccomp");
	path = seccomp_choose_profile(sg_path, s->ctx->cc->seccomp_profile, NULL);
	if (str_eq(path, "unconfined") || (s->privileged && seccomp_is_default_profile(path)))
		return 0;
	if (strcmp(policy, "image") == 0) {
		if (seccomp_from_image(s, &t, &obj, err) < 0)
			return -1;
	} else if (seccomp_load(path, &t, &obj, err) < 0) {
		return -1;
	}
	if (obj)
		json_object_object_add(s->lx, "seccomp", obj);
	return 0;
}

/* ---- masked and read-only paths ---- */

/* podman's shouldMask: unmask entries are "ALL" or ':'-separated glob patterns. */
static bool should_mask(const char *path, const strv *unmask)
{
	for (size_t i = 0; i < unmask->n; i++) {
		_cleanup_strv_free_ char **pats = NULL;

		if (strcasecmp(unmask->v[i], "all") == 0)
			return false;
		pats = strv_split(unmask->v[i], ":", 1);
		for (size_t j = 0; pats[j]; j++)
			if (fnmatch(pats[j], path, FNM_PATHNAME) == 0)
				return false;
	}
	return true;
}

/* Keeps the entries of linux.key that should stay masked; drops the key when none is left. */
static void filter_paths(const sec *s, const char *key, const strv *unmask)
{
	json_object *arr, *kept;

	if (!json_object_object_get_ex(s->lx, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	kept = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (!s->privileged && should_mask(json_object_get_string(p), unmask))
			json_object_array_add(kept, json_object_get(p));
	}
	if (json_object_array_length(kept))
		json_object_object_add(s->lx, key, kept);
	else {
		json_object_put(kept);
		json_object_object_del(s->lx, key);
	}
}

static bool array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (str_eq(json_object_get_string(json_object_array_get_idx(arr, i)), s))
			return true;
	return false;
}

static int add_masks(const sec *s, const strv *mask, cpod_error **err)
{
	json_object *arr;

	for (size_t i = 0; i < mask->n; i++) {
		const char *p = mask->v[i];

		if (!*p)
			continue;
		if (p[0] != '/')
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --security-opt mask '%s': path must be absolute",
					p);
		if (!json_object_object_get_ex(s->lx, "maskedPaths", &arr)) {
			arr = json_object_new_array();
			json_object_object_add(s->lx, "maskedPaths", arr);
		}
		if (!array_has(arr, p))
			json_object_array_add(arr, json_object_new_string(p));
	}
	return 0;
}

/* The options of the mount at dest with "ro" turned into "rw". */
static void mount_rw(const sec *s, const char *dest)
{
	json_object *mounts, *m, *v, *opts;

	if (!json_object_object_get_ex(s->spec, "mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		m = json_object_array_get_idx(mounts, i);
		if (!json_object_object_get_ex(m, "destination", &v) ||
		    !str_eq(json_object_get_string(v), dest) ||
		    !json_object_object_get_ex(m, "options", &opts))
			continue;
		for (size_t j = 0; j < json_object_array_length(opts); j++)
			if (str_eq(json_object_get_string(json_object_array_get_idx(opts, j)), "r"
											       "o"))
				json_object_array_put_idx(opts, j, json_object_new_string("rw"));
	}
}

/* On cgroup v2, unmasking ALL or /sys/fs/cgroup makes the cgroup mount writable. */
static bool unmask_cgroup(const strv *unmask)
{
	for (size_t i = 0; i < unmask->n; i++) {
		const char *u = unmask->v[i];
		size_t n = strlen(u);

		while (n > 1 && u[n - 1] == '/')
			n--;
		if (strcasecmp(u, "all") == 0 || (n == 14 && strncmp(u, "/sys/fs/cgroup", 14) == 0))
			return true;
	}
	return false;
}

static int security_masks(const sec *s, cpod_error **err)
{
	_cleanup_strv_ strv mask = STRV_INIT, unmask = STRV_INIT;

	if (sg_strings(s, "mask", &mask, err) < 0 || sg_strings(s, "unmask", &unmask, err) < 0)
		return -1;
	filter_paths(s, "maskedPaths", &unmask);
	filter_paths(s, "readonlyPaths", &unmask);
	if (s->privileged || (s->ctx->cgroup2 && unmask_cgroup(&unmask)))
		mount_rw(s, "/sys/fs/cgroup");
	if (s->privileged)
		mount_rw(s, "/sys");
	/* podman leaves the user's masks out for a rootless container in the host's PID
	 * namespace: /proc is the host's there. */
	if (!s->privileged && s->pid == NS_HOST && s->ctx->rootless)
		return 0;
	return add_masks(s, &mask, err);
}

/* ---- devices ---- */

typedef struct {
	json_object *devices; /* linux.devices */
	json_object *rules;   /* linux.resources.devices */
	json_object *mounts;  /* rootless: bind mounts instead */
} dev_out;

static json_object *cgroup_rule(bool allow, const char *type, int64_t major, int64_t minor,
				const char *access)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "allow", json_object_new_boolean(allow));
	if (type)
		json_object_object_add(r, "type", json_object_new_string(type));
	if (major >= 0)
		json_object_object_add(r, "major", json_object_new_int64(major));
	if (minor >= 0)
		json_object_object_add(r, "minor", json_object_new_int64(minor));
	if (access)
		json_object_object_add(r, "access", json_object_new_string(access));
	return r;
}

static const char *dev_type(mode_t m)
{
	if (S_ISBLK(m))
		return "b";
	if (S_ISCHR(m))
		return "c";
	if (S_ISFIFO(m))
		return "p";
	return NULL;
}

/* The linux.devices entry for the node st, seen in the container at path.  fileMode is the
 * whole st_mode, as podman writes it (Go's os.FileMode of the raw mode). */
static json_object *device_entry(const char *path, const struct stat *st)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "path", json_object_new_string(path));
	json_object_object_add(d, "type", json_object_new_string(dev_type(st->st_mode)));
	json_object_object_add(d, "major", json_object_new_int64(major(st->st_rdev)));
	json_object_object_add(d, "minor", json_object_new_int64(minor(st->st_rdev)));
	json_object_object_add(d, "fileMode", json_object_new_int64(st->st_mode));
	json_object_object_add(d, "uid", json_object_new_int64(st->st_uid));
	json_object_object_add(d, "gid", json_object_new_int64(st->st_gid));
	return d;
}

/* Adds or replaces (same path) a linux.devices entry. */
static void put_device(json_object *devices, json_object *d)
{
	json_object *p, *q;

	json_object_object_get_ex(d, "path", &p);
	for (size_t i = 0; i < json_object_array_length(devices); i++) {
		json_object_object_get_ex(json_object_array_get_idx(devices, i), "path", &q);
		if (str_eq(json_object_get_string(p), json_object_get_string(q))) {
			json_object_array_put_idx(devices, i, d);
			return;
		}
	}
	json_object_array_add(devices, d);
}

static json_object *bind_mount(const char *src, const char *dst, const char *perm)
{
	json_object *m = json_object_new_object(), *o = json_object_new_array();
	const char *opts[] = { "slave", "nosuid", "noexec", perm, "rbind" };

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(src));
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		json_object_array_add(o, json_object_new_string(opts[i]));
	json_object_object_add(m, "options", o);
	return m;
}

/* A permissions string of r, w and m, each at most once. */
static bool valid_mode(const char *m)
{
	if (!*m || strlen(m) > 3)
		return false;
	for (const char *p = m; *p; p++)
		if (!strchr("rwm", *p) || strchr(p + 1, *p))
			return false;
	return true;
}

/* podman's ParseDevice: "SRC[:DST][:PERMS]" (DST absolute, PERMS of rwm). */
static int parse_device(const char *spec, char **src, char **dst, char **perms, cpod_error **err)
{
	_cleanup_strv_free_ char **a = strv_split(spec, ":", 0);
	size_t n = strv_length(a);
	const char *d = NULL, *p = "rwm";

	if (n > 3)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid device specification");
	if (n == 3) {
		if (!valid_mode(a[2]))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid device mode: %s", a[2]);
		p = a[2];
	}
	if (n >= 2) {
		if (valid_mode(a[1]))
			p = a[1];
		else if (a[1][0] == '/')
			d = a[1];
		else
			return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid device mode: %s", a[1]);
	}
	*src = xstrdup(a[0]);
	*dst = xstrdup(d ? d : a[0]);
	*perms = xstrdup(p);
	return 0;
}

/* podman's addDevice for one node "SRC[:DST][:PERMS]". */
static int add_device(const sec *s, dev_out *o, const char *spec, cpod_error **err)
{
	_cleanup_free_ char *src = NULL, *dst = NULL, *perms = NULL;
	struct stat st;

	if (parse_device(spec, &src, &dst, &perms, err) < 0)
		return -1;
	if (lstat(src, &st) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, errno, "'%s' is not a valid device", src);
	if (!dev_type(st.st_mode))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"'%s' is not a valid device: not a device node", src);
	if (s->ctx->rootless) {
		json_object_array_add(o->mounts,
				      bind_mount(src, dst, strchr(perms, 'w') ? "rw" : "ro"));
		return 0;
	}
	if (strcmp(src, "/dev/fuse") == 0) {
		/* Opening /dev/fuse loads the fuse module, so it works in the container. */
		int fd = open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
	}
	put_device(o->devices, device_entry(dst, &st));
	json_object_array_add(o->rules, cgroup_rule(true, dev_type(st.st_mode), major(st.st_rdev),
						    minor(st.st_rdev), perms));
	return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Adds every device node under dir (recursively, in name order, not following symlinks),
 * seen at dest + the rest of its path, with mode (may be NULL). */
static int add_device_dir(const sec *s, dev_out *o, const char *dir, const char *src,
			  const char *dest, const char *mode, int *found, cpod_error **err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, name_cmp), r = 0;

	/* Like Go's filepath.WalkDir in podman, a directory that cannot be read is passed over
	 * (the top one included: then no device is found). */
	if (n < 0) {
		log_debug("skipping '%s' looking for devices: %s", dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL, *spec = NULL;
		const char *name = ents[i]->d_name;
		struct stat st;

		if (r == 0 && strcmp(name, ".") && strcmp(name, "..")) {
			p = xasprintf("%s/%s", dir, name);
			if (lstat(p, &st) < 0)
				st.st_mode = 0;
			if (S_ISDIR(st.st_mode)) {
				r = add_device_dir(s, o, p, src, dest, mode, found, err);
			} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
				(*found)++;
				spec = xasprintf("%s:%s%s%s%s", p, dest, p + strlen(src),
						 mode ? ":" : "", mode ? mode : "");
				r = add_device(s, o, spec, err);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

static void strip_slashes(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

/* podman's DevicesFromPath: a device node, or a directory whose nodes are all added. */
static int device_from_path(const sec *s, dev_out *o, const char *spec, cpod_error **err)
{
	_cleanup_strv_free_ char **a = strv_split(spec, ":", 0);
	_cleanup_free_ char *real = NULL, *rest = NULL, *node = NULL;
	char *src = a[0], *dest;
	const char *mode = NULL;
	struct stat st;
	int found = 0;

	if (lstat(src, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(src, NULL)))
		src = real;
	if (stat(src, &st) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, errno, "stat '%s'", src);
	if (!S_ISDIR(st.st_mode)) {
		rest = strv_join((const char *const *)a + 1, ":");
		node = xasprintf("%s%s%s", src, a[1] ? ":" : "", rest);
		return add_device(s, o, node, err);
	}
	dest = src;
	if (a[1] && a[1][0] == '/')
		dest = a[1];
	else if (a[1])
		mode = a[1];
	if (a[1] && a[2]) {
		if (mode)
			return cpod_err(err, CPOD_ERR_INVALID, EINVAL,
					"invalid device specification");
		mode = a[2];
	}
	/* Paths are joined as Go's filepath.Join would: without doubled slashes. */
	strip_slashes(src);
	strip_slashes(dest);
	if (add_device_dir(s, o, src, src, dest, mode, &found, err) < 0)
		return -1;
	if (!found)
		return cpod_err(err, CPOD_ERR_INVALID, EINVAL, "no devices found in '%s'", spec);
	return 0;
}

/* runc's getDevices, as podman uses it for a privileged container: every node under dir but
 * the pts, shm, fd and mqueue directories, console and symbolic links, in name order. */
static int host_devices(const char *dir, json_object *devices, cpod_error **err)
{
	static const char *const skip[] = { "pts",  "shm",	   "fd", "mqueue",
					    ".lxc", ".lxd-mounts", NULL };
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, name_cmp), r = 0;

	if (n < 0 && errno == EACCES)
		return 0; /* rootless podman skips what it may not read */
	if (n < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", dir);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, ents[i]->d_name);
		const char *name = ents[i]->d_name;
		struct stat st;

		if (r < 0 || !strcmp(name, ".") || !strcmp(name, "..") || lstat(p, &st) < 0)
			;
		else if (S_ISDIR(st.st_mode) && !strv_contains(skip, name))
			r = host_devices(p, devices, err);
		else if (dev_type(st.st_mode) && strcmp(name, "console") != 0)
			json_object_array_add(devices, device_entry(p, &st));
		free(ents[i]);
	}
	free(ents);
	return r;
}

/* Privileged: all of the host's devices.  Rootless, they are bind mounts instead (but the
 * terminals, which belong to the host's sessions), put before the other mounts. */
static int privileged_devices(const sec *s, dev_out *o, cpod_error **err)
{
	json_object *mounts, *m, *d;

	if (host_devices("/dev", o->devices, err) < 0)
		return -1;
	if (!s->ctx->rootless) {
		json_object_array_add(o->rules, cgroup_rule(true, NULL, -1, -1, "rwm"));
		return 0;
	}
	if (!json_object_object_get_ex(s->spec, "mounts", &mounts))
		mounts = NULL;
	for (size_t i = 0; i < json_object_array_length(o->devices); i++) {
		const char *p;

		json_object_object_get_ex(json_object_array_get_idx(o->devices, i), "path", &d);
		p = json_object_get_string(d);
		if (strcmp(p, "/dev/ptmx") == 0 || str_has_prefix(p, "/dev/tty"))
			continue;
		for (size_t j = 0; mounts && j < json_object_array_length(mounts); j++) {
			json_object_object_get_ex(json_object_array_get_idx(mounts, j),
						  "destination", &m);
			if (str_eq(json_object_get_string(m), p))
				p = NULL;
			if (!p)
				break;
		}
		if (p)
			json_object_array_add(o->mounts, bind_mount(p, p, "rw"));
	}
	json_object_put(o->devices);
	o->devices = json_object_new_array();
	return 0;
}

/* One device_cgroup_rule {allow, type, major, minor, access}; a missing or -1 number is any. */
static int cgroup_rule_from(const json_cur *c, json_object **ret, cpod_error **err)
{
	json_cur ct = json_cur_field(c, "type"), ca = json_cur_field(c, "access");
	const char *type, *access;
	int64_t maj, min;
	bool allow;

	if (json_cur_object(c, err) < 0 || json_get_bool_opt(c, "allow", false, &allow, err) < 0 ||
	    json_cur_string_opt(&ct, "", &type, err) < 0 ||
	    json_get_int64_opt(c, "major", -1, &maj, err) < 0 ||
	    json_get_int64_opt(c, "minor", -1, &min, err) < 0 ||
	    json_cur_string_opt(&ca, "", &access, err) < 0)
		return -1;
	if (*type && strcmp(type, "a") && strcmp(type, "b") && strcmp(type, "c"))
		return json_cur_error(&ct, err, "unknown device type '%s' (a, b or c)", type);
	if (*access && !valid_mode(access))
		return json_cur_error(&ca, err, "invalid access '%s' (of r, w and m)", access);
	if (maj < -1 || min < -1)
		return json_cur_error(c, err, "negative device number");
	*ret = cgroup_rule(allow, *type ? type : NULL, maj, min, *access ? access : NULL);
	return 0;
}

static int cgroup_rules(const sec *s, dev_out *o, cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(&s->sg, "device_cgroup_rule", &arr, &n, err) < 0)
		return cpod_err_prefix(err, "invalid --device-cgroup-rule");
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		json_object *r = NULL;

		if (cgroup_rule_from(&e, &r, err) < 0)
			return cpod_err_prefix(err, "invalid --device-cgroup-rule");
		/* In a user namespace the runtime cannot set the devices cgroup. */
		if (s->in_userns)
			json_object_put(r);
		else
			json_object_array_add(o->rules, r);
	}
	return 0;
}

static int user_devices(const sec *s, dev_out *o, cpod_error **err)
{
	const strv *conf = &s->ctx->cc->devices;
	json_cur arr;
	size_t n;

	for (size_t i = 0; i < conf->n; i++)
		if (device_from_path(s, o, conf->v[i], err) < 0)
			return cpod_err_prefix(err, "containers.conf devices '%s'", conf->v[i]);
	if (json_get_array_opt(&s->sg, "devices", &arr, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		const char *path;

		if (json_cur_object(&e, err) < 0 || json_get_string(&e, "path", &path, err) < 0)
			return -1;
		if (device_from_path(s, o, path, err) < 0)
			return cpod_err_prefix(err, "invalid --device '%s'", path);
	}
	return 0;
}

/* Moves the collected devices into the spec: linux.devices, linux.resources.devices (the
 * whole list, replacing the base's) and, rootless, bind mounts. */
static void put_devices(const sec *s, dev_out *o)
{
	json_object *res, *mounts;

	json_object_object_del(s->lx, "devices");
	if (json_object_object_get_ex(s->lx, "resources", &res))
		json_object_object_del(res, "devices");
	if (json_object_array_length(o->devices))
		json_object_object_add(s->lx, "devices", json_object_get(o->devices));
	if (json_object_array_length(o->rules))
		json_object_object_add(child_object(s->lx, "resources"), "devices",
				       json_object_get(o->rules));
	if (!json_object_array_length(o->mounts))
		return;
	if (!json_object_object_get_ex(s->spec, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(s->spec, "mounts", mounts);
	}
	/* podman puts a privileged container's device mounts first, the others last. */
	if (s->privileged) {
		for (size_t i = 0; i < json_object_array_length(mounts); i++)
			json_object_array_add(
				o->mounts, json_object_get(json_object_array_get_idx(mounts, i)));
		json_object_object_add(s->spec, "mounts", json_object_get(o->mounts));
		return;
	}
	for (size_t i = 0; i < json_object_array_length(o->mounts); i++)
		json_object_array_add(mounts,
				      json_object_get(json_object_array_get_idx(o->mounts, i)));
}

static int security_devices(const sec *s, cpod_error **err)
{
	dev_out o = { json_object_new_array(), json_object_new_array(), json_object_new_array() };
	int r;

	if (s->privileged) {
		r = privileged_devices(s, &o, err);
	} else {
		/* The default rule first: deny everything, then allow what is added. */
		if (!s->in_userns)
			json_object_array_add(o.rules, cgroup_rule(false, NULL, -1, -1, "rwm"));
		r = user_devices(s, &o, err);
		if (r == 0)
			r = cgroup_rules(s, &o, err);
	}
	if (r == 0)
		put_devices(s, &o);
	json_object_put(o.devices);
	json_object_put(o.rules);
	json_object_put(o.mounts);
	return r;
}

/* ---- sysctls ---- */

typedef enum { SYSCTL_NONE, SYSCTL_IPC, SYSCTL_NET } sysctl_ns;

/* podman's ValidateSysctls: only namespaced sysctls can be set. */
static sysctl_ns sysctl_namespace(const char *key)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb",	   "kernel.msgmni",
		"kernel.sem",	 "kernel.shmall",	   "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL
	};

	if (strv_contains(ipc, key) || str_has_prefix(key, "fs.mqueue."))
		return SYSCTL_IPC;
	if (str_has_prefix(key, "net."))
		return SYSCTL_NET;
	return SYSCTL_NONE;
}

/* Why key cannot be set in this container (a shared namespace), or NULL.  joined_too: also
 * refuse a namespace joined from another container (podman does so for defaults only). */
static const char *sysctl_conflict(const sec *s, const char *key, bool joined_too)
{
	ns_state ipc = s->ipc, net = s->net;

	switch (sysctl_namespace(key)) {
	case SYSCTL_IPC:
		if (ipc == NS_HOST ||
		    (joined_too && ipc == NS_JOINED && str_has_prefix(key, "fs.mqueue.")))
			return "IPC Namespace set to host";
		return NULL;
	case SYSCTL_NET:
		if (net == NS_HOST || (joined_too && net == NS_JOINED))
			return "Network Namespace set to host";
		return NULL;
	default:
		return NULL;
	}
}

/* containers.conf default_sysctls ("key=value"); shared namespaces make podman skip them. */
static int default_sysctls(const sec *s, json_object *out, cpod_error **err)
{
	const strv *v = &s->ctx->cc->default_sysctls;

	for (size_t i = 0; i < v->n; i++) {
		const char *eq = strchr(v->v[i], '=');
		_cleanup_free_ char *key = NULL;
		const char *why;

		if (!eq)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"containers.conf default_sysctls: '%s' is invalid, sysctl "
					"values must be in the form of KEY=VALUE",
					v->v[i]);
		key = xstrndup(v->v[i], (size_t)(eq - v->v[i]));
		if (sysctl_namespace(key) == SYSCTL_NONE)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"containers.conf default_sysctls: sysctl '%s' is not "
					"allowed",
					key);
		why = sysctl_conflict(s, key, true);
		if (why)
			log_info("sysctl %s ignored in containers.conf, since %s", v->v[i], why);
		else
			json_object_object_add(out, key, json_object_new_string(eq + 1));
	}
	return 0;
}

static int user_sysctls(const sec *s, json_object *out, cpod_error **err)
{
	json_cur obj;

	if (json_get_object_opt(&s->sg, "sysctl", &obj, err) < 0)
		return -1;
	if (!obj.obj)
		return 0;
	json_object_object_foreach(obj.obj, key, val) {
		json_cur c = json_cur_child(&obj, key, val);
		const char *v, *why;

		if (json_cur_string(&c, &v, err) < 0)
			return -1;
		if (sysctl_namespace(key) == SYSCTL_NONE)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --sysctl '%s=%s': sysctl '%s' is not allowed", key,
					v, key);
		why = sysctl_conflict(s, key, false);
		if (why)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --sysctl '%s=%s': sysctl can't be set since %s",
					key, v, why);
		json_object_object_add(out, key, json_object_new_string(v));
	}
	return 0;
}

static int security_sysctls(const sec *s, cpod_error **err)
{
	_cleanup_json_ json_object *all = json_object_new_object();
	_cleanup_strv_ strv keys = STRV_INIT;
	json_object *base, *sorted;

	if (json_object_object_get_ex(s->lx, "sysctl", &base) &&
	    json_object_is_type(base, json_type_object)) {
		json_object_object_foreach(base, k, v) {
			json_object_object_add(all, k, json_object_get(v));
		}
	}
	if (default_sysctls(s, all, err) < 0 || user_sysctls(s, all, err) < 0)
		return -1;
	json_object_object_del(s->lx, "sysctl");
	if (json_object_object_length(all) == 0)
		return 0;
	/* Sorted by key, as podman's Go map comes out of encoding/json. */
	json_object_object_foreach(all, k, v) {
		(void)v;
		strv_push(&keys, k);
	}
	qsort(keys.v, keys.n, sizeof(char *), cmp_str);
	sorted = json_object_new_object();
	for (size_t i = 0; i < keys.n; i++)
		json_object_object_add(sorted, keys.v[i],
				       json_object_get(json_object_object_get(all, keys.v[i])));
	json_object_object_add(s->lx, "sysctl", sorted);
	return 0;
}

/* ---- rlimits ---- */

typedef struct {
	const char *type; /* "RLIMIT_NOFILE" (static) */
	int resource;
	uint64_t hard, soft;
} rlim;

typedef struct {
	rlim v[32];
	size_t n;
} rlim_list;

/* Sets type's limits, in place when it is already listed (runtime-tools' AddProcessRlimits). */
static void rlim_set(rlim_list *l, const char *type, int resource, uint64_t hard, uint64_t soft)
{
	size_t i = 0;

	while (i < l->n && strcmp(l->v[i].type, type) != 0)
		i++;
	if (i == l->n) {
		if (l->n == ARRAY_SIZE(l->v))
			return; /* cannot happen: the list has one entry per resource */
		l->n++;
	}
	l->v[i] = (rlim){ type, resource, hard, soft };
}

static bool rlim_has(const rlim_list *l, const char *type)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].type, type) == 0)
			return true;
	return false;
}

/* -1 (unlimited) or an unsigned 64-bit number (json-c keeps those past INT64_MAX apart). */
static int rlim_value(const json_cur *c, uint64_t *ret, cpod_error **err)
{
	int64_t v;

	if (!c->obj) {
		*ret = 0;
		return 0;
	}
	if (json_object_is_type(c->obj, json_type_int) &&
	    json_object_get_int64(c->obj) == INT64_MAX) {
		*ret = json_object_get_uint64(c->obj);
		return 0;
	}
	if (json_cur_int64(c, &v, err) < 0)
		return -1;
	if (v < -1)
		return json_cur_error(c, err, "%lld is not a limit (-1 is unlimited)",
				      (long long)v);
	*ret = v == -1 ? UINT64_MAX : (uint64_t)v;
	return 0;
}

/* specgen r_limits [{type, hard, soft}]; type "nofile" or "RLIMIT_NOFILE". */
static int user_rlimits(const sec *s, rlim_list *l, bool *given, cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(&s->sg, "r_limits", &arr, &n, err) < 0)
		return -1;
	*given = n > 0;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i), ch, cs;
		const char *type, *name;
		uint64_t hard, soft;
		int res;

		if (json_cur_object(&e, err) < 0 || json_get_string(&e, "type", &type, err) < 0)
			return -1;
		ch = json_cur_field(&e, "hard");
		cs = json_cur_field(&e, "soft");
		res = rlimit_lookup(type, &name);
		if (res < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --ulimit '%s': invalid ulimit type", type);
		if (rlim_value(&ch, &hard, err) < 0 || rlim_value(&cs, &soft, err) < 0)
			return cpod_err_prefix(err, "invalid --ulimit '%s'", type);
		if (soft > hard)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --ulimit '%s': soft limit %llu is above hard "
					"limit "
					"%llu",
					type, (unsigned long long)soft, (unsigned long long)hard);
		rlim_set(l, name, res, hard, soft);
	}
	return 0;
}

/* containers.conf default_ulimits, used when the specgen gives none. */
static int default_rlimits(const sec *s, rlim_list *l, cpod_error **err)
{
	const strv *v = &s->ctx->cc->default_ulimits;

	for (size_t i = 0; i < v->n; i++) {
		_cleanup_free_ char *type = NULL;
		int64_t soft, hard;
		const char *name;
		int res;

		if (ulimit_parse(v->v[i], &type, &soft, &hard, err) < 0)
			return cpod_err_prefix(err, "containers.conf default_ulimits '%s'",
					       v->v[i]);
		res = rlimit_lookup(type, &name);
		rlim_set(l, name, res, hard == -1 ? UINT64_MAX : (uint64_t)hard,
			 soft == -1 ? UINT64_MAX : (uint64_t)soft);
	}
	return 0;
}

/* podman's default for nofile and nproc: 1048576, or rootless the caller's own limits when
 * lower. */
static void rlim_default(const sec *s, rlim_list *l, const char *type, int res)
{
	uint64_t hard = RLIMIT_DEFAULT_VALUE, soft = RLIMIT_DEFAULT_VALUE;
	struct rlimit rl;

	if (s->ctx->rootless && getrlimit(res, &rl) == 0) {
		if (rl.rlim_cur < soft)
			soft = rl.rlim_cur;
		if (rl.rlim_max < hard)
			hard = rl.rlim_max;
	}
	rlim_set(l, type, res, hard, soft);
}

static uint64_t read_nr_open(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	unsigned long long v;

	if (f && fscanf(f, "%llu", &v) == 1)
		return v;
	return RLIMIT_DEFAULT_VALUE;
}

/* The runtime sets the limits with the caller's privileges: without CAP_SYS_RESOURCE (or
 * rootless) no hard limit may pass the caller's; with it, nofile may not pass fs.nr_open.
 * Anything higher makes the container fail to start, so it is lowered here. */
static void rlim_clamp(rlim *r, bool can_raise)
{
	uint64_t ceiling = UINT64_MAX;
	struct rlimit rl;

	if (can_raise && r->resource == RLIMIT_NOFILE)
		ceiling = read_nr_open();
	else if (!can_raise && getrlimit(r->resource, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
		ceiling = rl.rlim_max;
	if (r->hard > ceiling) {
		log_debug("lowering %s hard limit from %llu to %llu, the most this process can set",
			  r->type, (unsigned long long)r->hard, (unsigned long long)ceiling);
		r->hard = ceiling;
	}
	if (r->soft > r->hard)
		r->soft = r->hard;
}

static int security_rlimits(const sec *s, cpod_error **err)
{
	rlim_list l = { .n = 0 };
	bool given, can_raise;
	json_object *arr;

	/* runtime-tools' base spec lists nofile first; podman sets its value in place. */
	rlim_default(s, &l, "RLIMIT_NOFILE", RLIMIT_NOFILE);
	if (user_rlimits(s, &l, &given, err) < 0 || (!given && default_rlimits(s, &l, err) < 0))
		return -1;
	json_object_object_del(s->process, "rlimits");
	if (!given && s->ctx->cc->default_ulimits.n == 0)
		return 0; /* podman: no limits given at all, the runtime's own stay */
	if (!rlim_has(&l, "RLIMIT_NPROC"))
		rlim_default(s, &l, "RLIMIT_NPROC", RLIMIT_NPROC);
	can_raise = !s->ctx->rootless && caps_have_effective(cap_number("CAP_SYS_RESOURCE"));
	arr = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		json_object *o = json_object_new_object();

		rlim_clamp(&l.v[i], can_raise);
		json_object_object_add(o, "type", json_object_new_string(l.v[i].type));
		json_object_object_add(o, "hard", json_object_new_uint64(l.v[i].hard));
		json_object_object_add(o, "soft", json_object_new_uint64(l.v[i].soft));
		json_object_array_add(arr, o);
	}
	json_object_object_add(s->process, "rlimits", arr);
	return 0;
}

/* ---- the rest ---- */

static int security_process(const sec *s, cpod_error **err)
{
	json_cur oom = json_cur_field(&s->sg, "oom_score_adj");
	bool nnp;
	int64_t adj;

	if (json_get_bool_opt(&s->sg, "no_new_privileges", false, &nnp, err) < 0 ||
	    json_cur_int64_opt(&oom, INT64_MIN, &adj, err) < 0)
		return -1;
	json_object_object_del(s->process, "noNewPrivileges");
	if (nnp)
		json_object_object_add(s->process, "noNewPrivileges", json_object_new_boolean(1));
	if (adj != INT64_MIN) {
		if (adj < -1000 || adj > 1000)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --oom-score-adj '%lld': must be between -1000 and "
					"1000",
					(long long)adj);
		json_object_object_add(s->process, "oomScoreAdj", json_object_new_int64(adj));
	}
	return 0;
}

static int sec_init(const spec_ctx *ctx, json_object *spec, sec *s, cpod_error **err)
{
	json_cur userns;
	const char *mode;

	*s = (sec){ .ctx = ctx, .sg = json_cur_root(ctx->sg), .spec = spec };
	if (json_cur_object_opt(&s->sg, err) < 0 ||
	    json_get_bool_opt(&s->sg, "privileged", false, &s->privileged, err) < 0 ||
	    json_get_object_opt(&s->sg, "userns", &userns, err) < 0 ||
	    json_get_string_opt(&userns, "nsmode", "", &mode, err) < 0)
		return -1;
	s->process = child_object(spec, "process");
	s->lx = child_object(spec, "linux");
	s->net = spec_ns(spec, "network");
	s->ipc = spec_ns(spec, "ipc");
	s->uts = spec_ns(spec, "uts");
	s->pid = spec_ns(spec, "pid");
	s->new_userns = spec_ns(spec, "user") != NS_HOST;
	s->in_userns = ctx->rootless || s->new_userns;
	return 0;
}

/* A privileged container gets a writable sysfs of its own when it may mount one (podman's
 * canMountSys: not with the host's network namespace in a user namespace, nor with a joined
 * one in a new user namespace). */
static void privileged_sysfs(const sec *s)
{
	static const char *const opts[] = { "rprivate", "nosuid", "noexec", "nodev", "rw" };
	json_object *mounts, *m, *v, *o;

	if (!s->privileged || (s->net == NS_HOST && s->in_userns) ||
	    (s->new_userns && s->net != NS_NEW))
		return;
	if (!json_object_object_get_ex(s->spec, "mounts", &mounts))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		m = json_object_array_get_idx(mounts, i);
		if (!json_object_object_get_ex(m, "destination", &v) ||
		    !str_eq(json_object_get_string(v), "/sys") ||
		    !json_object_object_get_ex(m, "type", &v) ||
		    !str_eq(json_object_get_string(v), "sysfs"))
			continue;
		o = json_object_new_array();
		for (size_t j = 0; j < ARRAY_SIZE(opts); j++)
			json_object_array_add(o, json_object_new_string(opts[j]));
		json_object_object_add(m, "options", o);
	}
}

int spec_security(const spec_ctx *ctx, json_object *spec, cpod_error **err)
{
	_cleanup_strv_free_ char **bounding = NULL;
	sec s;

	if (sec_init(ctx, spec, &s, err) < 0 || security_caps(&s, &bounding, err) < 0 ||
	    security_process(&s, err) < 0 || security_seccomp(&s, bounding, err) < 0 ||
	    security_masks(&s, err) < 0 || security_devices(&s, err) < 0 ||
	    security_sysctls(&s, err) < 0 || security_rlimits(&s, err) < 0)
		return -1;
	privileged_sysfs(&s);
	return 0;
}
