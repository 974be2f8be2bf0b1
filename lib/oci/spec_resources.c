/* The resources part of config.json (linux.resources limits and linux.cgroupsPath), as podman
 * 4.3 builds it: specgen resource_limits checked as pkg/specgen/generate/validate.go does
 * (limits the host cannot apply are dropped with a warning, bad values refused), pids.limit
 * defaulting to containers.conf pids_limit (specgen InitResourceLimits). */
#include "oci/spec_resources.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* A field that is absent (or null) in resource_limits. */
#define ABSENT INT64_MIN

/* The largest CPU or memory node number a cpuset list may name. */
#define CPUSET_MAX 8191

/* ---- host probing ---- */

static bool has_file(const char *root, const char *ctrl, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/%s", root, ctrl, file);

	return access(p, F_OK) == 0;
}

static char *read_trimmed(const char *root, const char *ctrl, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/%s", root, ctrl, file);
	_cleanup_buf_ buf b = BUF_INIT;

	b.cap = 4096;
	if (buf_read_file(&b, p) < 0)
		return NULL;
	while (b.len && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == ' '))
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b, NULL);
}

/* cgroup v2: podman drops swap when this process's cgroup has memory.max but no
 * memory.swap.max (the kernel was built without swap accounting). */
static bool v2_swap(const char *root)
{
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_free_ char *max = NULL, *swap = NULL;
	const char *own;

	b.cap = 1 << 16;
	if (buf_read_file(&b, "/proc/self/cgroup") < 0 || !(own = strstr(b.s, "0::/")))
		return true;
	own += 3;
	buf_truncate(&b, (size_t)(strchrnul(own, '\n') - b.s));
	max = xasprintf("%s%s/memory.max", root, own);
	swap = xasprintf("%s%s/memory.swap.max", root, own);
	return !(access(max, F_OK) == 0 && access(swap, F_OK) != 0);
}

void cgroup_features_probe(const char *root, bool unified, cgroup_features *f)
{
	*f = (cgroup_features){ .unified = unified };
	if (unified) {
		f->memory = f->reservation = f->swappiness = f->oom_kill_disable = true;
		f->cpu_shares = f->cfs_period = f->cfs_quota = f->rt_period = f->rt_runtime = true;
		f->cpuset = f->blkio_weight = f->blkio_weight_device = f->pids = true;
		f->blkio_read_bps = f->blkio_write_bps = true;
		f->blkio_read_iops = f->blkio_write_iops = true;
		f->swap = v2_swap(root);
		return;
	}
	f->memory = has_file(root, "memory", "memory.limit_in_bytes");
	f->swap = has_file(root, "memory", "memory.memsw.limit_in_bytes");
	f->reservation = has_file(root, "memory", "memory.soft_limit_in_bytes");
	f->swappiness = has_file(root, "memory", "memory.swappiness");
	f->oom_kill_disable = has_file(root, "memory", "memory.oom_control");
	f->cpu_shares = has_file(root, "cpu", "cpu.shares");
	f->cfs_period = has_file(root, "cpu", "cpu.cfs_period_us");
	f->cfs_quota = has_file(root, "cpu", "cpu.cfs_quota_us");
	f->rt_period = has_file(root, "cpu", "cpu.rt_period_us");
	f->rt_runtime = has_file(root, "cpu", "cpu.rt_runtime_us");
	f->cpus = read_trimmed(root, "cpuset", "cpuset.cpus");
	f->mems = read_trimmed(root, "cpuset", "cpuset.mems");
	f->cpuset = f->cpus && f->mems;
	f->blkio_weight = has_file(root, "blkio", "blkio.weight");
	f->blkio_weight_device = has_file(root, "blkio", "blkio.weight_device");
	f->blkio_read_bps = has_file(root, "blkio", "blkio.throttle.read_bps_device");
	f->blkio_write_bps = has_file(root, "blkio", "blkio.throttle.write_bps_device");
	f->blkio_read_iops = has_file(root, "blkio", "blkio.throttle.read_iops_device");
	f->blkio_write_iops = has_file(root, "blkio", "blkio.throttle.write_iops_device");
	f->pids = has_file(root, "pids", "cgroup.procs");
}

void cgroup_features_release(cgroup_features *f)
{
	free(f->cpus);
	free(f->mems);
	f->cpus = f->mems = NULL;
}

/* ---- cpuset lists ---- */

/* Parses "0-3,5" into set (CPUSET_MAX + 1 flags); "" is the empty set. */
static bool cpuset_parse(const char *list, bool *set)
{
	_cleanup_strv_free_ char **parts = NULL;

	if (!*list)
		return true;
	parts = strv_split(list, ",", 0);
	for (size_t i = 0; parts[i]; i++) {
		unsigned long a, b;
		char *end;

		if (parts[i][0] < '0' || parts[i][0] > '9')
			return false;
		a = b = strtoul(parts[i], &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			b = strtoul(end + 1, &end, 10);
		}
		if (*end || a > b || b > CPUSET_MAX)
			return false;
		for (unsigned long n = a; n <= b; n++)
			set[n] = true;
	}
	return true;
}

int cpuset_check(const char *list, const char *available, const char *what, cpod_error **err)
{
	_cleanup_free_ bool *want = xcalloc(CPUSET_MAX + 1, sizeof(bool));
	_cleanup_free_ bool *have = xcalloc(CPUSET_MAX + 1, sizeof(bool));
	bool cpus = strcmp(what, "cpus") == 0;

	if (!cpuset_parse(list, want))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid value %s for cpuset %s", list,
				what);
	if (!available || !cpuset_parse(available, have))
		return 0;
	for (size_t i = 0; i <= CPUSET_MAX; i++)
		if (want[i] && !have[i])
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"requested %s are not available - requested %s, available: "
					"%s",
					cpus ? "CPUs" : "memory nodes", list, available);
	return 0;
}

/* ---- resource_limits ---- */

typedef struct {
	const spec_ctx *ctx;
	const cgroup_features *f;
	json_object *res; /* linux.resources */
} res;

/* Reads integer fields of obj into vals (ABSENT when missing or null). */
static int get_ints(const json_cur *obj, const char *const *keys, int64_t *vals, cpod_error **err)
{
	for (size_t i = 0; keys[i]; i++)
		if (json_get_int64_opt(obj, keys[i], ABSENT, &vals[i], err) < 0)
			return -1;
	return 0;
}

static void put_int(json_object *o, const char *key, int64_t v)
{
	if (v != ABSENT)
		json_object_object_add(o, key, json_object_new_int64(v));
}

/* A limit the host cannot apply is dropped with podman's warning. */
static void drop(int64_t *v, bool supported, const char *what, const char *dropped)
{
	if (*v == ABSENT || supported)
		return;
	log_warn("Your kernel does not support %s or the cgroup is not mounted. %s discarded.",
		 what, dropped);
	*v = ABSENT;
}

/* Amounts of bytes: -1 (unlimited) or more. */
static int check_bytes(int64_t v, const char *opt, cpod_error **err)
{
	if (v != ABSENT && v < -1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid %s '%lld': must be -1 or positive", opt, (long long)v);
	return 0;
}

enum { M_LIMIT, M_RESERVATION, M_SWAP, M_KERNEL, M_KERNEL_TCP, M_SWAPPINESS, M_N };

static int memory_check(const res *r, int64_t *m, cpod_error **err)
{
	static const char *const opts[] = { "--memory", "--memory-reservation", "--memory-swap",
					    "--kernel-memory", "resource_limits.memory.kernelTCP" };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (check_bytes(m[i], opts[i], err) < 0)
			return -1;
	if (m[M_LIMIT] != ABSENT && !r->f->memory) {
		drop(&m[M_LIMIT], false, "memory limit capabilities", "Limitation");
		m[M_SWAP] = ABSENT;
	}
	if (m[M_LIMIT] != ABSENT && m[M_SWAP] != ABSENT && !r->f->swap) {
		log_warn("Your kernel does not support swap limit capabilities or the cgroup is "
			 "not "
			 "mounted. Memory limited without swap.");
		m[M_SWAP] = ABSENT;
	}
	if (m[M_SWAP] != ABSENT && m[M_SWAP] != -1) {
		if (m[M_LIMIT] == ABSENT)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --memory-swap '%lld': you should always set a "
					"memory limit when using a memoryswap limit, see usage",
					(long long)m[M_SWAP]);
		if (m[M_LIMIT] != -1 && m[M_SWAP] < m[M_LIMIT])
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --memory-swap '%lld': minimum memoryswap limit "
					"should be larger than memory limit, see usage",
					(long long)m[M_SWAP]);
	}
	if (m[M_SWAPPINESS] == -1)
		m[M_SWAPPINESS] = ABSENT; /* the API's "unset" */
	drop(&m[M_SWAPPINESS], r->f->swappiness, "memory swappiness capabilities,",
	     "Memory swappiness");
	if (m[M_SWAPPINESS] != ABSENT && (m[M_SWAPPINESS] < 0 || m[M_SWAPPINESS] > 100))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --memory-swappiness '%lld': valid memory swappiness range "
				"is 0-100",
				(long long)m[M_SWAPPINESS]);
	drop(&m[M_RESERVATION], r->f->reservation, "memory soft limit capabilities", "Limitation");
	if (m[M_LIMIT] > 0 && m[M_RESERVATION] > m[M_LIMIT])
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --memory-reservation '%lld': minimum memory limit cannot "
				"be less than memory reservation limit, see usage",
				(long long)m[M_RESERVATION]);
	return 0;
}

static int res_memory(const res *r, const json_cur *rl, cpod_error **err)
{
	static const char *const keys[] = { "limit",	 "reservation", "swap", "kernel",
					    "kernelTCP", "swappiness",	NULL };
	int64_t m[M_N];
	json_cur mem;
	json_object *out;
	bool oom;

	if (json_get_object_opt(rl, "memory", &mem, err) < 0)
		return -1;
	if (!mem.obj)
		return 0;
	if (get_ints(&mem, keys, m, err) < 0 ||
	    json_get_bool_opt(&mem, "disableOOMKiller", false, &oom, err) < 0 ||
	    memory_check(r, m, err) < 0)
		return -1;
	if (oom && !r->f->oom_kill_disable) {
		log_warn("Your kernel does not support OomKillDisable. OomKillDisable discarded.");
		oom = false;
	}
	out = json_object_new_object();
	for (size_t i = 0; keys[i]; i++)
		put_int(out, keys[i], m[i]);
	if (oom)
		json_object_object_add(out, "disableOOMKiller", json_object_new_boolean(1));
	json_object_object_add(r->res, "memory", out);
	return 0;
}

enum { C_SHARES, C_QUOTA, C_PERIOD, C_RT_RUNTIME, C_RT_PERIOD, C_N };

static int cpu_check(const res *r, int64_t *c, cpod_error **err)
{
	drop(&c[C_SHARES], r->f->cpu_shares, "CPU shares", "Shares");
	drop(&c[C_PERIOD], r->f->cfs_period, "CPU cfs period", "Period");
	drop(&c[C_QUOTA], r->f->cfs_quota, "CPU cfs quota", "Quota");
	if (r->f->unified && (c[C_RT_RUNTIME] != ABSENT || c[C_RT_PERIOD] != ABSENT)) {
		log_warn("Realtime period and runtime not supported on cgroups V2 systems");
		c[C_RT_RUNTIME] = c[C_RT_PERIOD] = ABSENT;
	}
	drop(&c[C_RT_RUNTIME], r->f->rt_runtime, "CPU realtime runtime", "Realtime runtime");
	drop(&c[C_RT_PERIOD], r->f->rt_period, "CPU realtime period", "Realtime period");
	if (c[C_SHARES] != ABSENT && c[C_SHARES] < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid --cpu-shares '%lld'",
				(long long)c[C_SHARES]);
	if (c[C_PERIOD] != ABSENT && (c[C_PERIOD] < 1000 || c[C_PERIOD] > 1000000))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --cpu-period '%lld': CPU cfs period cannot be less than "
				"1ms "
				"(i.e. 1000) or larger than 1s (i.e. 1000000)",
				(long long)c[C_PERIOD]);
	if (c[C_QUOTA] != ABSENT && c[C_QUOTA] != -1 && c[C_QUOTA] < 1000)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --cpu-quota '%lld': CPU cfs quota cannot be less than 1ms "
				"(i.e. 1000)",
				(long long)c[C_QUOTA]);
	if ((c[C_RT_PERIOD] != ABSENT && c[C_RT_PERIOD] < 0) ||
	    (c[C_RT_RUNTIME] != ABSENT && c[C_RT_RUNTIME] < -1))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --cpu-rt-period/--cpu-rt-runtime: negative value");
	return 0;
}

/* cpus and mems: list syntax, and on cgroup v1 the nodes the root cpuset has. */
static int cpuset_fields(const res *r, const json_cur *cpu, json_object *out, cpod_error **err)
{
	const char *cpus, *mems;

	if (json_get_string_opt(cpu, "cpus", "", &cpus, err) < 0 ||
	    json_get_string_opt(cpu, "mems", "", &mems, err) < 0)
		return -1;
	if ((*cpus || *mems) && !r->f->cpuset) {
		log_warn("Your kernel does not support cpuset or the cgroup is not mounted. CPUset "
			 "discarded.");
		return 0;
	}
	if (cpuset_check(cpus, r->f->unified ? NULL : r->f->cpus, "cpus", err) < 0)
		return cpod_err_prefix(err, "invalid --cpuset-cpus '%s'", cpus);
	if (cpuset_check(mems, r->f->unified ? NULL : r->f->mems, "mems", err) < 0)
		return cpod_err_prefix(err, "invalid --cpuset-mems '%s'", mems);
	if (*cpus)
		json_object_object_add(out, "cpus", json_object_new_string(cpus));
	if (*mems)
		json_object_object_add(out, "mems", json_object_new_string(mems));
	return 0;
}

static int res_cpu(const res *r, const json_cur *rl, cpod_error **err)
{
	static const char *const keys[] = { "shares",	       "quota",		 "period",
					    "realtimeRuntime", "realtimePeriod", NULL };
	_cleanup_json_ json_object *out = NULL;
	int64_t c[C_N];
	json_cur cpu;

	if (json_get_object_opt(rl, "cpu", &cpu, err) < 0)
		return -1;
	if (!cpu.obj)
		return 0;
	if (get_ints(&cpu, keys, c, err) < 0 || cpu_check(r, c, err) < 0)
		return -1;
	out = json_object_new_object();
	for (size_t i = 0; keys[i]; i++)
		put_int(out, keys[i], c[i]);
	if (cpuset_fields(r, &cpu, out, err) < 0)
		return -1;
	json_object_object_add(r->res, "cpu", TAKE_PTR(out));
	return 0;
}

/* containers.conf pids_limit applies unless the specgen set one (0 and -1: unlimited, which
 * podman writes as 0); rootless on cgroup v1 or with cgroupfs podman has no default. */
static int res_pids(const res *r, const json_cur *rl, cpod_error **err)
{
	json_cur pids;
	int64_t limit;
	json_object *o;

	if (json_get_object_opt(rl, "pids", &pids, err) < 0 ||
	    json_get_int64_opt(&pids, "limit", ABSENT, &limit, err) < 0)
		return -1;
	if (limit == ABSENT && pids.obj)
		limit = 0;
	if (limit == ABSENT) {
		limit = r->ctx->rootless ? 0 : r->ctx->cc->pids_limit;
		if (limit == 0)
			return 0;
		if (!r->f->pids) {
			log_debug("no pids cgroup controller: pids_limit %lld not applied",
				  (long long)limit);
			return 0;
		}
	}
	if (limit < -1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --pids-limit '%lld': must be -1 (unlimited) or more",
				(long long)limit);
	if (limit == -1)
		limit = 0;
	if (!r->f->pids) {
		log_warn("Your kernel does not support pids limit capabilities or the cgroup is "
			 "not "
			 "mounted. PIDs limit discarded.");
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(r->res, "pids", o);
	return 0;
}

/* A per-device list of blockIO ({major, minor, weight|rate}), copied when the host has it. */
static int blkio_list(const json_cur *bio, const char *key, bool supported, json_object *out,
		      cpod_error **err)
{
	json_cur arr;
	size_t n;

	if (json_get_array_opt(bio, key, &arr, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&arr, i);
		int64_t maj, min;

		if (json_cur_object(&e, err) < 0 || json_get_int64(&e, "major", &maj, err) < 0 ||
		    json_get_int64(&e, "minor", &min, err) < 0)
			return -1;
		if (maj < 0 || min < 0)
			return json_cur_error(&e, err, "negative device number");
	}
	if (n && !supported) {
		log_warn("Your kernel does not support cgroup blkio %s or the cgroup is not "
			 "mounted. Limitation discarded.",
			 key);
		return 0;
	}
	if (n)
		json_object_object_add(out, key, json_object_get(arr.obj));
	return 0;
}

static int res_blkio(const res *r, const json_cur *rl, cpod_error **err)
{
	_cleanup_json_ json_object *out = NULL;
	int64_t w[3];
	json_cur bio;

	if (json_get_object_opt(rl, "blockIO", &bio, err) < 0 ||
	    get_ints(&bio, (const char *const[]){ "weight", "leafWeight", NULL }, w, err) < 0)
		return -1;
	if (!bio.obj)
		return 0;
	drop(&w[0], r->f->blkio_weight, "Block I/O weight", "Weight");
	for (size_t i = 0; i < 2; i++)
		if (w[i] != ABSENT && (w[i] < 10 || w[i] > 1000))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --blkio-weight '%lld': range of blkio weight is "
					"from 10 to 1000",
					(long long)w[i]);
	out = json_object_new_object();
	put_int(out, "weight", w[0]);
	put_int(out, "leafWeight", w[1]);
	if (blkio_list(&bio, "weightDevice", r->f->blkio_weight_device, out, err) < 0 ||
	    blkio_list(&bio, "throttleReadBpsDevice", r->f->blkio_read_bps, out, err) < 0 ||
	    blkio_list(&bio, "throttleWriteBpsDevice", r->f->blkio_write_bps, out, err) < 0 ||
	    blkio_list(&bio, "throttleReadIOPSDevice", r->f->blkio_read_iops, out, err) < 0 ||
	    blkio_list(&bio, "throttleWriteIOPSDevice", r->f->blkio_write_iops, out, err) < 0)
		return -1;
	/* podman keeps the (possibly emptied) object. */
	json_object_object_add(r->res, "blockIO", TAKE_PTR(out));
	return 0;
}

/* hugepageLimits and unified are copied as given (unified only on cgroup v2). */
static int res_other(const res *r, const json_cur *rl, cpod_error **err)
{
	json_cur huge, uni;
	size_t n;

	if (json_get_array_opt(rl, "hugepageLimits", &huge, &n, err) < 0 ||
	    json_get_object_opt(rl, "unified", &uni, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&huge, i);
		const char *size;
		int64_t limit;

		if (json_cur_object(&e, err) < 0 ||
		    json_get_string(&e, "pageSize", &size, err) < 0 ||
		    json_get_int64(&e, "limit", &limit, err) < 0)
			return -1;
	}
	if (n)
		json_object_object_add(r->res, "hugepageLimits", json_object_get(huge.obj));
	if (uni.obj && !r->f->unified)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid --cgroup-conf: cannot use --cgroup-conf without cgroup "
				"v2");
	if (uni.obj)
		json_object_object_add(r->res, "unified", json_object_get(uni.obj));
	return 0;
}

static json_object *child_object(json_object *obj, const char *key)
{
	json_object *c;

	if (json_object_object_get_ex(obj, key, &c) && json_object_is_type(c, json_type_object))
		return c;
	c = json_object_new_object();
	json_object_object_add(obj, key, c);
	return c;
}

/* cgroupfs style: <cgroup_parent>/cpod-<id>; none rootless (podman with cgroupfs) or with
 * cgroups disabled. */
static void cgroups_path(const spec_ctx *ctx, json_object *lx, bool disabled)
{
	const char *parent = ctx->cgroup_parent ? ctx->cgroup_parent : "";
	_cleanup_free_ char *path = NULL;
	size_t n = strlen(parent);

	json_object_object_del(lx, "cgroupsPath");
	if (ctx->rootless || disabled)
		return;
	while (n && parent[n - 1] == '/')
		n--;
	path = xasprintf("%.*s/cpod-%s", (int)n, parent, ctx->id);
	json_object_object_add(lx, "cgroupsPath", json_object_new_string(path));
}

int spec_resources_apply(const spec_ctx *ctx, const cgroup_features *f, json_object *spec,
			 cpod_error **err)
{
	json_cur sg = json_cur_root(ctx->sg), rl;
	json_object *lx = child_object(spec, "linux");
	res r = { ctx, f, NULL };
	const char *mode;

	if (json_cur_object_opt(&sg, err) < 0 ||
	    json_get_object_opt(&sg, "resource_limits", &rl, err) < 0 ||
	    json_get_string_opt(&sg, "cgroups_mode", ctx->cc->cgroups, &mode, err) < 0)
		return -1;
	cgroups_path(ctx, lx, strcmp(mode, "disabled") == 0);
	if (strcmp(mode, "disabled") == 0)
		return 0;
	if (ctx->rootless && !f->unified) {
		if (rl.obj)
			log_warn("Resource limits are not supported and ignored on cgroups V1 "
				 "rootless systems");
		return 0;
	}
	r.res = child_object(lx, "resources");
	if (res_memory(&r, &rl, err) < 0 || res_cpu(&r, &rl, err) < 0 ||
	    res_pids(&r, &rl, err) < 0 || res_blkio(&r, &rl, err) < 0 ||
	    res_other(&r, &rl, err) < 0)
		return -1;
	if (json_object_object_length(r.res) == 0)
		json_object_object_del(lx, "resources");
	return 0;
}

int spec_resources(const spec_ctx *ctx, json_object *spec, cpod_error **err)
{
	cgroup_features f;
	int r;

	cgroup_features_probe("/sys/fs/cgroup", ctx->cgroup2, &f);
	r = spec_resources_apply(ctx, &f, spec, err);
	cgroup_features_release(&f);
	return r;
}
