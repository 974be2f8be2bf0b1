/* `stats`: a running container's resource use, read from its cgroup (v1 controllers, or the
 * unified v2 hierarchy). */
#include "engine/container_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "oci/cgroup.h"
#include "common/banned.h"

#define CG_ROOT "/sys/fs/cgroup"

/* The first number in a cgroup file, or -1. */
static int64_t read_num(const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_buf_ buf b = BUF_INIT;

	if (fs_read_file(path, 4096, &b, NULL) < 0)
		return -1;
	if (strncmp(b.s, "max", 3) == 0)
		return INT64_MAX;
	return strtoll(b.s, NULL, 10);
}

/* The value of "key N" lines (cpu.stat, memory.stat) or the sum of key=N pairs (io.stat). */
static int64_t read_key(const char *dir, const char *file, const char *key, bool sum_pairs)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_buf_ buf b = BUF_INIT;
	size_t klen = strlen(key);
	int64_t total = 0;
	bool found = false;

	if (fs_read_file(path, 1u << 20, &b, NULL) < 0)
		return -1;
	for (char *p = b.s; (p = strstr(p, key)); p += klen) {
		bool start = p == b.s || p[-1] == '\n' || p[-1] == ' ';

		if (!start)
			continue;
		if (sum_pairs && p[klen] == '=') {
			total += strtoll(p + klen + 1, NULL, 10);
			found = true;
		} else if (!sum_pairs && p[klen] == ' ') {
			return strtoll(p + klen + 1, NULL, 10);
		}
	}
	return found ? total : (sum_pairs ? 0 : -1);
}

/* blkio.throttle.io_service_bytes "Total" lines split by Read / Write (v1). */
static void blkio_v1(const char *dir, int64_t *rd, int64_t *wr)
{
	_cleanup_free_ char *path = xasprintf("%s/blkio.throttle.io_service_bytes", dir);
	_cleanup_buf_ buf b = BUF_INIT;
	char *line, *save = NULL;

	*rd = *wr = 0;
	if (fs_read_file(path, 1u << 20, &b, NULL) < 0)
		return;
	for (line = strtok_r(b.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[64], op[16];
		long long v;

		if (sscanf(line, "%63s %15s %lld", dev, op, &v) != 3)
			continue;
		if (strcmp(op, "Read") == 0)
			*rd += v;
		else if (strcmp(op, "Write") == 0)
			*wr += v;
	}
}

static char *cgroups_path(cpod_runtime *rt, const ctr *c)
{
	_cleanup_free_ char *bundle = ctr_bundle_dir(rt, c->id);
	_cleanup_free_ char *cfg = xasprintf("%s/config.json", bundle);
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_json_ json_object *spec = NULL;
	json_object *lx, *p;

	if (fs_read_file(cfg, 16u << 20, &b, NULL) == 0 &&
	    (spec = json_parse_bytes(b.s, b.len, 16u << 20, NULL)) &&
	    json_object_object_get_ex(spec, "linux", &lx) &&
	    json_object_object_get_ex(lx, "cgroupsPath", &p) && json_object_get_string(p))
		return xstrdup(json_object_get_string(p));
	return xasprintf("/cpod/cpod-%s", c->id);
}

static void add_i64(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v < 0 ? 0 : v));
}

json_object *cpod_container_stats(cpod_runtime *rt, const char *nameorid, cpod_error **err)
{
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err), *cg = NULL;
	_cleanup_free_ char *mem = NULL, *cpu = NULL, *pids = NULL, *blk = NULL;
	_cleanup_(ctr_freep) ctr *c = NULL;
	cgroup_mode mode = cgroup_detect_mode(CG_ROOT);
	int64_t usage, limit, cpu_ns, sys_ns, npids, rd = 0, wr = 0, now = engine_now_ns();
	struct sysinfo si;
	json_object *o;
	double up, perc;

	if (!id || ctr_load(rt, id, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return NULL;
	if (c->state != CTR_RUNNING && c->state != CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"container %s is not running: container state improper", c->name),
		       NULL;
	cg = cgroups_path(rt, c);
	if (mode == CGROUP_UNIFIED) {
		mem = xasprintf(CG_ROOT "%s", cg);
		usage = read_num(mem, "memory.current");
		limit = read_num(mem, "memory.max");
		cpu_ns = read_key(mem, "cpu.stat", "usage_usec", false) * 1000;
		sys_ns = read_key(mem, "cpu.stat", "system_usec", false) * 1000;
		npids = read_num(mem, "pids.current");
		rd = read_key(mem, "io.stat", "rbytes", true);
		wr = read_key(mem, "io.stat", "wbytes", true);
	} else {
		mem = xasprintf(CG_ROOT "/memory%s", cg);
		cpu = xasprintf(CG_ROOT "/cpuacct%s", cg);
		pids = xasprintf(CG_ROOT "/pids%s", cg);
		blk = xasprintf(CG_ROOT "/blkio%s", cg);
		usage = read_num(mem, "memory.usage_in_bytes");
		limit = read_num(mem, "memory.limit_in_bytes");
		cpu_ns = read_num(cpu, "cpuacct.usage");
		sys_ns = read_key(cpu, "cpuacct.stat", "system", false);
		if (sys_ns > 0)
			sys_ns = sys_ns * (1000000000 / 100);
		npids = read_num(pids, "pids.current");
		blkio_v1(blk, &rd, &wr);
	}
	if (sysinfo(&si) == 0 && (limit < 0 || limit > (int64_t)si.totalram * si.mem_unit))
		limit = (int64_t)si.totalram * si.mem_unit;
	up = c->started_at ? (double)(now - c->started_at) : 0;
	perc = up > 0 && cpu_ns > 0 ? (double)cpu_ns / up * 100.0 : 0.0;
	o = json_object_new_object();
	json_object_object_add(o, "ContainerID", json_object_new_string(c->id));
	json_object_object_add(o, "Name", json_object_new_string(c->name));
	json_object_object_add(o, "PerCPU", NULL);
	json_object_object_add(o, "CPU", json_object_new_double(perc));
	add_i64(o, "CPUNano", cpu_ns);
	add_i64(o, "CPUSystemNano", sys_ns);
	add_i64(o, "SystemNano", now);
	add_i64(o, "MemUsage", usage);
	add_i64(o, "MemLimit", limit);
	json_object_object_add(o, "MemPerc",
			       json_object_new_double(limit > 0 && usage > 0
							      ? (double)usage / (double)limit * 100
							      : 0.0));
	add_i64(o, "NetInput", 0);
	add_i64(o, "NetOutput", 0);
	add_i64(o, "BlockInput", rd);
	add_i64(o, "BlockOutput", wr);
	add_i64(o, "PIDs", npids);
	add_i64(o, "UpTime", (int64_t)up);
	add_i64(o, "Duration", (int64_t)up);
	return o;
}
