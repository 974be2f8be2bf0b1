/* `container inspect`: podman's InspectContainerData shape, from the row, the specgen and
 * the generated OCI spec when the container has been initialized. */
#include "engine/container_internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "engine/volume_internal.h"
#include "common/banned.h"

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static json_object *copy_or(json_object *v, json_object *def)
{
	if (v) {
		json_object_put(def);
		return json_object_get(v);
	}
	return def;
}

static json_object *state_obj(const ctr *c)
{
	json_object *s = json_object_new_object(), *h = json_object_new_object();
	_cleanup_free_ char *started = engine_time_string(c->started_at),
			    *finished = engine_time_string(c->finished_at);

	json_object_object_add(s, "OciVersion", jstr("1.0.2-dev"));
	json_object_object_add(s, "Status", jstr(ctr_state_name(c->state)));
	json_object_object_add(s, "Running", json_object_new_boolean(c->state == CTR_RUNNING));
	json_object_object_add(s, "Paused", json_object_new_boolean(c->state == CTR_PAUSED));
	json_object_object_add(s, "Restarting", json_object_new_boolean(0));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(c->oom_killed));
	json_object_object_add(s, "Dead", json_object_new_boolean(0));
	json_object_object_add(s, "Pid", json_object_new_int64(c->pid));
	json_object_object_add(s, "ConmonPid", json_object_new_int64(c->conmon_pid));
	json_object_object_add(s, "ExitCode", json_object_new_int64(c->exit_code));
	json_object_object_add(s, "Error", jstr(""));
	json_object_object_add(s, "StartedAt", jstr(started));
	json_object_object_add(s, "FinishedAt", jstr(finished));
	json_object_object_add(h, "Status", jstr(""));
	json_object_object_add(h, "FailingStreak", json_object_new_int(0));
	json_object_object_add(h, "Log", NULL);
	json_object_object_add(s, "Health", h);
	json_object_object_add(s, "CheckpointedAt", jstr("0001-01-01T00:00:00Z"));
	json_object_object_add(s, "RestoredAt", jstr("0001-01-01T00:00:00Z"));
	return s;
}

/* The generated spec, when there is one in the bundle. */
static json_object *load_spec(cpod_runtime *rt, const ctr *c)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	_cleanup_buf_ buf b = BUF_INIT;

	if (fs_read_file(path, 16u << 20, &b, NULL) < 0)
		return NULL;
	return json_parse_bytes(b.s, b.len, 16u << 20, NULL);
}

static json_object *env_from_sg(const ctr *c)
{
	json_object *a = json_object_new_array(), *env = member(c->sg, "env", json_type_object);

	if (env) {
		json_object_object_foreach(env, k, v) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_object_get_string(v));

			json_object_array_add(a, jstr(kv));
		}
	}
	return a;
}

static json_object *config_obj(const ctr *c, json_object *spec)
{
	json_object *o = json_object_new_object();
	json_object *proc = member(spec, "process", json_type_object);
	json_object *ep = member(c->sg, "entrypoint", json_type_array);
	json_object *user = member(proc, "user", json_type_object);
	_cleanup_buf_ buf eps = BUF_INIT, u = BUF_INIT;
	bool tty = sg_bool(c->sg, "terminal", false), in = sg_bool(c->sg, "stdin", false);

	for (size_t i = 0; ep && i < json_object_array_length(ep); i++)
		buf_addf(&eps, "%s%s", i ? " " : "",
			 json_object_get_string(json_object_array_get_idx(ep, i)));
	if (sg_str(c->sg, "user", NULL))
		buf_adds(&u, sg_str(c->sg, "user", ""));
	else if (user)
		buf_addf(&u, "%lld", (long long)sg_int(user, "uid", 0));
	json_object_object_add(o, "Hostname", jstr(sg_str(spec, "hostname", "")));
	json_object_object_add(o, "Domainname", jstr(""));
	json_object_object_add(o, "User", jstr(u.s));
	json_object_object_add(o, "AttachStdin", json_object_new_boolean(in));
	json_object_object_add(o, "AttachStdout", json_object_new_boolean(0));
	json_object_object_add(o, "AttachStderr", json_object_new_boolean(0));
	json_object_object_add(o, "Tty", json_object_new_boolean(tty));
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(in));
	json_object_object_add(o, "StdinOnce", json_object_new_boolean(0));
	json_object_object_add(o, "Env",
			       copy_or(member(proc, "env", json_type_array), env_from_sg(c)));
	json_object_object_add(o, "Cmd",
			       copy_or(member(c->sg, "command", json_type_array),
				       json_object_get(c->command)));
	json_object_object_add(o, "Image", jstr(c->image_name));
	json_object_object_add(o, "Volumes", NULL);
	json_object_object_add(o, "WorkingDir",
			       jstr(proc ? sg_str(proc, "cwd", "/")
					 : sg_str(c->sg, "work_dir", "/")));
	json_object_object_add(o, "Entrypoint", jstr(eps.s));
	json_object_object_add(o, "OnBuild", NULL);
	json_object_object_add(o, "Labels",
			       copy_or(member(c->sg, "labels", json_type_object), NULL));
	json_object_object_add(o, "Annotations",
			       copy_or(member(spec, "annotations", json_type_object),
				       json_object_new_object()));
	json_object_object_add(o, "StopSignal",
			       json_object_new_int64(sg_int(c->sg, "stop_signal", SIGTERM)));
	json_object_object_add(o, "CreateCommand",
			       copy_or(member(c->sg, "containerCreateCommand", json_type_array),
				       NULL));
	json_object_object_add(o, "Umask", jstr(sg_str(c->sg, "umask", "0022")));
	json_object_object_add(o, "Timeout", json_object_new_int64(sg_int(c->sg, "timeout", 0)));
	json_object_object_add(o, "StopTimeout",
			       json_object_new_int64(sg_int(c->sg, "stop_timeout", 10)));
	return o;
}

/* Whether the specgen volume at dest was given with "ro". */
static bool volume_is_ro(json_object *v, const char *dest)
{
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		json_object *opts = member(e, "Options", json_type_array);

		if (strcmp(sg_str(e, "Dest", ""), dest) != 0)
			continue;
		for (size_t j = 0; opts && j < json_object_array_length(opts); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(opts, j)),
				   "ro") == 0)
				return true;
	}
	return false;
}

static json_object *mounts_obj(cpod_runtime *rt, const ctr *c)
{
	json_object *a = json_object_new_array(), *vols = NULL;
	json_object *m = member(c->sg, "mounts", json_type_array);
	json_object *v = member(c->sg, "volumes", json_type_array);

	for (size_t i = 0; m && i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i), *o = json_object_new_object();
		json_object *opts = member(e, "options", json_type_array);
		bool ro = false;

		for (size_t j = 0; opts && j < json_object_array_length(opts); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(opts, j)),
				   "ro") == 0)
				ro = true;
		json_object_object_add(o, "Type", jstr(sg_str(e, "type", "bind")));
		json_object_object_add(o, "Source", jstr(sg_str(e, "source", "")));
		json_object_object_add(o, "Destination", jstr(sg_str(e, "destination", "")));
		json_object_object_add(o, "Driver", jstr(""));
		json_object_object_add(o, "Mode", jstr(""));
		json_object_object_add(o, "Options", copy_or(opts, json_object_new_array()));
		json_object_object_add(o, "RW", json_object_new_boolean(!ro));
		json_object_object_add(o, "Propagation", jstr("rprivate"));
		json_object_array_add(a, o);
	}
	/* Volumes as the engine resolved them: named, anonymous and the image's. */
	if (volume_mounts_of(rt, c->id, &vols, NULL) < 0)
		vols = NULL;
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		json_object *e = json_object_array_get_idx(vols, i), *o = json_object_new_object();
		const char *dest = sg_str(e, "Destination", "");

		json_object_object_add(o, "Type", jstr("volume"));
		json_object_object_add(o, "Name", jstr(sg_str(e, "Name", "")));
		json_object_object_add(o, "Source", jstr(sg_str(e, "Source", "")));
		json_object_object_add(o, "Destination", jstr(dest));
		json_object_object_add(o, "Driver", jstr("local"));
		json_object_object_add(o, "Mode", jstr(""));
		json_object_object_add(o, "RW", json_object_new_boolean(!volume_is_ro(v, dest)));
		json_object_object_add(o, "Propagation", jstr("rprivate"));
		json_object_array_add(a, o);
	}
	json_object_put(vols);
	return a;
}

static json_object *host_config(cpod_runtime *rt, const ctr *c, json_object *spec)
{
	json_object *o = json_object_new_object(), *rp = json_object_new_object();
	json_object *lc = json_object_new_object();
	_cleanup_free_ char *logpath = ctr_log_path(rt, c);
	json_object *logc = member(c->sg, "log_configuration", json_type_object);
	json_object *res =
		member(member(spec, "linux", json_type_object), "resources", json_type_object);
	json_object *mem;

	if (!res)
		res = member(c->sg, "resource_limits", json_type_object);
	mem = member(res, "memory", json_type_object);
	json_object *pids = member(res, "pids", json_type_object);
	json_object *cpu = member(res, "cpu", json_type_object);

	json_object_object_add(rp, "Name", jstr(sg_str(c->sg, "restart_policy", "")));
	json_object_object_add(rp, "MaximumRetryCount",
			       json_object_new_int64(sg_int(c->sg, "restart_tries", 0)));
	json_object_object_add(lc, "Type", jstr(sg_str(logc, "driver", rt->cc->log_driver)));
	json_object_object_add(lc, "Path", jstr(logpath));
	json_object_object_add(lc, "Size", jstr(""));
	json_object_object_add(o, "Binds", json_object_new_array());
	json_object_object_add(o, "CgroupManager", jstr(rt->cgroup_manager));
	json_object_object_add(o, "CgroupParent", jstr(sg_str(c->sg, "cgroup_parent", "/cpod")));
	json_object_object_add(o, "LogConfig", lc);
	json_object_object_add(
		o, "NetworkMode",
		jstr(sg_str(member(c->sg, "netns", json_type_object), "nsmode", "none")));
	json_object_object_add(o, "RestartPolicy", rp);
	json_object_object_add(o, "AutoRemove",
			       json_object_new_boolean(sg_bool(c->sg, "remove", 0)));
	json_object_object_add(o, "CapAdd",
			       copy_or(member(c->sg, "cap_add", json_type_array),
				       json_object_new_array()));
	json_object_object_add(o, "CapDrop",
			       copy_or(member(c->sg, "cap_drop", json_type_array),
				       json_object_new_array()));
	json_object_object_add(o, "Privileged",
			       json_object_new_boolean(sg_bool(c->sg, "privileged", 0)));
	json_object_object_add(o, "ReadonlyRootfs",
			       json_object_new_boolean(sg_bool(c->sg, "read_only_filesystem", 0)));
	json_object_object_add(o, "Memory", json_object_new_int64(sg_int(mem, "limit", 0)));
	json_object_object_add(o, "MemoryReservation",
			       json_object_new_int64(sg_int(mem, "reservation", 0)));
	json_object_object_add(o, "MemorySwap", json_object_new_int64(sg_int(mem, "swap", 0)));
	json_object_object_add(o, "CpuShares", json_object_new_int64(sg_int(cpu, "shares", 0)));
	json_object_object_add(o, "CpuPeriod", json_object_new_int64(sg_int(cpu, "period", 0)));
	json_object_object_add(o, "CpuQuota", json_object_new_int64(sg_int(cpu, "quota", 0)));
	json_object_object_add(o, "CpusetCpus", jstr(sg_str(cpu, "cpus", "")));
	json_object_object_add(o, "CpusetMems", jstr(sg_str(cpu, "mems", "")));
	json_object_object_add(o, "PidsLimit", json_object_new_int64(sg_int(pids, "limit", 0)));
	json_object_object_add(o, "ShmSize",
			       json_object_new_int64(sg_int(c->sg, "shm_size", 65536000)));
	json_object_object_add(o, "Runtime", jstr("oci"));
	json_object_object_add(o, "OomScoreAdj",
			       json_object_new_int64(sg_int(c->sg, "oom_score_adj", 0)));
	return o;
}

json_object *cpod_container_inspect(cpod_runtime *rt, const char *nameorid, bool size,
				    cpod_error **err)
{
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err);
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_json_ json_object *spec = NULL;
	_cleanup_free_ char *created = NULL, *bundle = NULL, *sdir = NULL, *path = NULL;
	json_object *o, *args;
	const char *rtname;

	(void)size;
	if (!id || ctr_load(rt, id, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return NULL;
	spec = load_spec(rt, c);
	created = engine_time_string(c->created);
	bundle = ctr_bundle_dir(rt, c->id);
	sdir = ctr_static_dir(rt, c->id);
	o = json_object_new_object();
	args = json_object_new_array();
	for (size_t i = 1; i < json_object_array_length(c->command); i++)
		json_object_array_add(args,
				      json_object_get(json_object_array_get_idx(c->command, i)));
	rtname = c->runtime ? strrchr(c->runtime, '/') : NULL;
	json_object_object_add(o, "Id", jstr(c->id));
	json_object_object_add(o, "Created", jstr(created));
	json_object_object_add(
		o, "Path",
		jstr(json_object_array_length(c->command)
			     ? json_object_get_string(json_object_array_get_idx(c->command, 0))
			     : ""));
	json_object_object_add(o, "Args", args);
	json_object_object_add(o, "State", state_obj(c));
	json_object_object_add(o, "Image", jstr(c->image_id));
	json_object_object_add(o, "ImageName", jstr(c->image_name));
	json_object_object_add(o, "Rootfs", jstr(""));
	json_object_object_add(o, "Pod", jstr(""));
	free(path), path = xasprintf("%s/resolv.conf", bundle);
	json_object_object_add(o, "ResolvConfPath", jstr(path));
	free(path), path = xasprintf("%s/hostname", bundle);
	json_object_object_add(o, "HostnamePath", jstr(path));
	free(path), path = xasprintf("%s/hosts", bundle);
	json_object_object_add(o, "HostsPath", jstr(path));
	json_object_object_add(o, "StaticDir", jstr(sdir));
	free(path), path = xasprintf("%s/config.json", bundle);
	json_object_object_add(o, "OCIConfigPath", jstr(path));
	json_object_object_add(o, "OCIRuntime", jstr(rtname ? rtname + 1 : c->runtime));
	free(path), path = xasprintf("%s/conmon.pid", bundle);
	json_object_object_add(o, "ConmonPidFile", jstr(path));
	free(path), path = xasprintf("%s/pidfile", bundle);
	json_object_object_add(o, "PidFile", jstr(path));
	json_object_object_add(o, "Name", jstr(c->name));
	json_object_object_add(o, "RestartCount", json_object_new_int64(c->restart_count));
	json_object_object_add(o, "Driver", jstr(store_driver_name(engine_store(rt, NULL))));
	json_object_object_add(o, "MountLabel", jstr(""));
	json_object_object_add(o, "ProcessLabel", jstr(""));
	json_object_object_add(o, "AppArmorProfile", jstr(""));
	json_object_object_add(o, "ExecIDs", json_object_new_array());
	json_object_object_add(o, "Mounts", mounts_obj(rt, c));
	json_object_object_add(o, "Dependencies", json_object_new_array());
	json_object_object_add(o, "NetworkSettings", json_object_new_object());
	json_object_object_add(o, "Namespace", jstr(""));
	json_object_object_add(o, "IsInfra", json_object_new_boolean(0));
	json_object_object_add(o, "IsService", json_object_new_boolean(0));
	json_object_object_add(o, "Config", config_obj(c, spec));
	json_object_object_add(o, "HostConfig", host_config(rt, c, spec));
	return o;
}
