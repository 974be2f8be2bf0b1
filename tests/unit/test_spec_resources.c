/* spec_resources(): resource_limits checked and copied into linux.resources, the pids
 * default, linux.cgroupsPath; the host's cgroup features probed from a cgroup tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "config/containers_conf.h"
#include "oci/spec_resources.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-spec-resources-XXXXXX";

#include "tmpdir.h"

static containers_conf *cc;

/* A cgroup v1 host that has everything, with CPUs 0-1 and memory node 0. */
static cgroup_features full_v1(void)
{
	return (cgroup_features){
		.memory = true,
		.swap = true,
		.reservation = true,
		.swappiness = true,
		.oom_kill_disable = true,
		.cpu_shares = true,
		.cfs_period = true,
		.cfs_quota = true,
		.rt_period = true,
		.rt_runtime = true,
		.cpuset = true,
		.cpus = (char *)"0-1",
		.mems = (char *)"0",
		.blkio_weight = true,
		.blkio_weight_device = true,
		.blkio_read_bps = true,
		.blkio_write_bps = true,
		.blkio_read_iops = true,
		.blkio_write_iops = true,
		.pids = true,
	};
}

typedef struct {
	bool rootless;
	const char *parent;
	const char *base; /* the spec before, JSON; NULL: {"linux":{}} */
} opts;

/* Applies sg with features f; returns "error: ..." or the compact JSON at linux.key. */
static char *run(const char *sg, const cgroup_features *f, const opts *o, const char *key)
{
	_cleanup_json_ json_object *sgo = sg ? json_tokener_parse(sg) : NULL;
	_cleanup_json_ json_object *spec = json_tokener_parse(o && o->base ? o->base : "{}");
	spec_ctx ctx = { .id = "abc123",
			 .sg = sgo,
			 .cc = cc,
			 .rootfs_fd = -1,
			 .cgroup_parent = o && o->parent ? o->parent : "/cpod",
			 .rootless = o && o->rootless,
			 .cgroup2 = f->unified };
	json_object *lx, *v;
	cpod_error *e = NULL;
	char *r;

	if (sg && !sgo)
		return xstrdup("bad test json");
	if (spec_resources_apply(&ctx, f, spec, &e) < 0) {
		r = xasprintf("error: %s", cpod_error_message(e));
		if (cpod_error_kind(e) != CPOD_ERR_INVALID)
			diag("unexpected error kind %d", cpod_error_kind(e));
		cpod_error_free(e);
		return r;
	}
	if (!json_object_object_get_ex(spec, "linux", &lx))
		return xstrdup("no linux");
	if (!key)
		return json_to_string(lx, JSON_FMT_COMPACT);
	if (!json_object_object_get_ex(lx, key, &v))
		return xstrdup("absent");
	return json_to_string(v, JSON_FMT_COMPACT);
}

static void check(const char *sg, const cgroup_features *f, const opts *o, const char *key,
		  const char *want, const char *name)
{
	_cleanup_free_ char *got = run(sg, f, o, key);

	is_str(got, want, "%s", name);
}

static void check_err(const char *sg, const cgroup_features *f, const char *want, const char *name)
{
	_cleanup_free_ char *got = run(sg, f, NULL, "resources");
	_cleanup_free_ char *w = xasprintf("error: %s", want);

	is_str(got, w, "%s", name);
}

static void test_path_and_pids(void)
{
	cgroup_features f = full_v1(), nopids = full_v1();
	opts root = { .parent = "/" }, slash = { .parent = "/machine/" }, rl = { .rootless = true };
	opts withdev = { .base = "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,"
				 "\"access\":\"rwm\"}]}}}" };

	nopids.pids = false;
	check(NULL, &f, NULL, "cgroupsPath", "\"/cpod/cpod-abc123\"", "cgroupfs path");
	check(NULL, &f, &root, "cgroupsPath", "\"/cpod-abc123\"", "parent /");
	check(NULL, &f, &slash, "cgroupsPath", "\"/machine/cpod-abc123\"", "trailing slash");
	check(NULL, &f, &rl, "cgroupsPath", "absent", "rootless with cgroupfs: no path (podman)");
	check("{\"cgroups_mode\":\"disabled\"}", &f, NULL, "cgroupsPath", "absent",
	      "cgroups disabled: no path");
	check("{\"cgroups_mode\":\"disabled\"}", &f, NULL, "resources", "absent",
	      "cgroups disabled: no limits");
	check(NULL, &f, NULL, "resources", "{\"pids\":{\"limit\":2048}}",
	      "pids_limit from containers.conf (podman create)");
	check(NULL, &f, &withdev, "resources",
	      "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],\"pids\":{\"limit\":2048}}",
	      "the device rules stay first");
	check("{\"resource_limits\":{\"pids\":{\"limit\":100}}}", &f, NULL, "resources",
	      "{\"pids\":{\"limit\":100}}", "--pids-limit 100");
	check("{\"resource_limits\":{\"pids\":{\"limit\":0}}}", &f, NULL, "resources",
	      "{\"pids\":{\"limit\":0}}", "--pids-limit 0: unlimited, written as 0 (podman)");
	check("{\"resource_limits\":{\"pids\":{\"limit\":-1}}}", &f, NULL, "resources",
	      "{\"pids\":{\"limit\":0}}", "--pids-limit -1: unlimited, written as 0 (podman)");
	check_err("{\"resource_limits\":{\"pids\":{\"limit\":-5}}}", &f,
		  "invalid --pids-limit '-5': must be -1 (unlimited) or more", "--pids-limit -5");
	check(NULL, &nopids, NULL, "resources", "absent", "no pids controller: default skipped");
	check("{\"resource_limits\":{\"pids\":{\"limit\":100}}}", &nopids, NULL, "resources",
	      "absent", "no pids controller: the given limit dropped with a warning");
	cc->pids_limit = 0;
	check(NULL, &f, NULL, "resources", "absent", "pids_limit 0: no limit");
	cc->pids_limit = 2048;
	check(NULL, &f, &rl, "resources", "absent", "rootless v1: nothing");
	check("{\"resource_limits\":{\"memory\":{\"limit\":10485760}}}", &f, &rl, "resources",
	      "absent", "rootless v1: resource limits ignored (podman warns)");
	f.unified = true;
	check("{\"resource_limits\":{\"memory\":{\"limit\":10485760}}}", &f, &rl, "resources",
	      "{\"memory\":{\"limit\":10485760}}", "rootless v2: limits kept, no pids default");
}

static void test_memory(void)
{
	cgroup_features f = full_v1(), noswap = full_v1(), nomem = full_v1();

	noswap.swap = false;
	nomem.memory = false;
	nomem.swap = false;
	check("{\"resource_limits\":{\"memory\":{\"limit\":10485760,\"reservation\":5242880,"
	      "\"swap\":20971520,\"swappiness\":10}}}",
	      &f, NULL, "resources",
	      "{\"memory\":{\"limit\":10485760,\"reservation\":5242880,\"swap\":20971520,"
	      "\"swappiness\":10},\"pids\":{\"limit\":2048}}",
	      "--memory 10m --memory-reservation 5m --memory-swap 20m --memory-swappiness 10");
	check("{\"resource_limits\":{\"memory\":{\"limit\":1,\"swap\":2}}}", &f, NULL, "resources",
	      "{\"memory\":{\"limit\":1,\"swap\":2},\"pids\":{\"limit\":2048}}",
	      "no minimum memory (podman 4.3 has none)");
	check("{\"resource_limits\":{\"memory\":{\"limit\":1048576,\"swap\":-1}}}", &f, NULL,
	      "resources", "{\"memory\":{\"limit\":1048576,\"swap\":-1},\"pids\":{\"limit\":2048}}",
	      "swap -1: unlimited");
	check("{\"resource_limits\":{\"memory\":{\"limit\":1048576,\"swap\":2097152}}}", &noswap,
	      NULL, "resources", "{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":2048}}",
	      "no memsw on the host: swap dropped (podman warns)");
	check("{\"resource_limits\":{\"memory\":{\"limit\":1048576,\"swap\":2097152}}}", &nomem,
	      NULL, "resources", "{\"memory\":{},\"pids\":{\"limit\":2048}}",
	      "no memory controller: limit and swap dropped");
	check("{\"resource_limits\":{\"memory\":{\"kernel\":1048576,\"disableOOMKiller\":true}}}",
	      &f, NULL, "resources",
	      "{\"memory\":{\"kernel\":1048576,\"disableOOMKiller\":true},\"pids\":{\"limit\":2048}"
	      "}",
	      "kernel memory and --oom-kill-disable");
	check("{\"resource_limits\":{\"memory\":{\"swappiness\":-1}}}", &f, NULL, "resources",
	      "{\"memory\":{},\"pids\":{\"limit\":2048}}", "swappiness -1 is unset");
	check_err("{\"resource_limits\":{\"memory\":{\"limit\":10485760,\"swap\":5242880}}}", &f,
		  "invalid --memory-swap '5242880': minimum memoryswap limit should be larger than "
		  "memory limit, see usage",
		  "swap below memory (podman's message)");
	check_err("{\"resource_limits\":{\"memory\":{\"swap\":5242880}}}", &f,
		  "invalid --memory-swap '5242880': you should always set a memory limit when "
		  "using "
		  "a memoryswap limit, see usage",
		  "swap without memory");
	check_err("{\"resource_limits\":{\"memory\":{\"swappiness\":200}}}", &f,
		  "invalid --memory-swappiness '200': valid memory swappiness range is 0-100",
		  "swappiness 200");
	check_err("{\"resource_limits\":{\"memory\":{\"limit\":1000,\"reservation\":2000}}}", &f,
		  "invalid --memory-reservation '2000': minimum memory limit cannot be less than "
		  "memory reservation limit, see usage",
		  "reservation above the limit");
	check_err("{\"resource_limits\":{\"memory\":{\"limit\":-5}}}", &f,
		  "invalid --memory '-5': must be -1 or positive", "a negative memory limit");
	check_err("{\"resource_limits\":{\"memory\":{\"limit\":\"1g\"}}}", &f,
		  "'resource_limits.memory.limit': expected integer, got string",
		  "a memory limit of the wrong type");
	check_err("{\"resource_limits\":[]}", &f, "'resource_limits': expected object, got array",
		  "resource_limits of the wrong type");
}

static void test_cpu(void)
{
	cgroup_features f = full_v1(), v2 = full_v1(), nocpuset = full_v1();

	v2.unified = true;
	nocpuset.cpuset = false;
	check("{\"resource_limits\":{\"cpu\":{\"shares\":512,\"quota\":150000,\"period\":100000,"
	      "\"cpus\":\"0\",\"mems\":\"0\"}}}",
	      &f, NULL, "resources",
	      "{\"cpu\":{\"shares\":512,\"quota\":150000,\"period\":100000,\"cpus\":\"0\",\"mems\":"
	      "\"0\"},\"pids\":{\"limit\":2048}}",
	      "--cpus 1.5 --cpu-shares 512 --cpuset-cpus 0 --cpuset-mems 0 (podman)");
	check("{\"resource_limits\":{\"cpu\":{\"cpus\":\"0-1\",\"quota\":-1}}}", &f, NULL,
	      "resources", "{\"cpu\":{\"quota\":-1,\"cpus\":\"0-1\"},\"pids\":{\"limit\":2048}}",
	      "a range, quota -1");
	check("{\"resource_limits\":{\"cpu\":{\"cpus\":\"5\",\"realtimePeriod\":1000}}}", &v2, NULL,
	      "resources", "{\"cpu\":{\"cpus\":\"5\"},\"pids\":{\"limit\":2048}}",
	      "v2: no availability check, realtime dropped");
	check("{\"resource_limits\":{\"cpu\":{\"cpus\":\"0\",\"shares\":2}}}", &nocpuset, NULL,
	      "resources", "{\"cpu\":{\"shares\":2},\"pids\":{\"limit\":2048}}",
	      "no cpuset controller: cpus dropped");
	check_err("{\"resource_limits\":{\"cpu\":{\"period\":100}}}", &f,
		  "invalid --cpu-period '100': CPU cfs period cannot be less than 1ms (i.e. 1000) "
		  "or larger than 1s (i.e. 1000000)",
		  "--cpu-period 100");
	check_err("{\"resource_limits\":{\"cpu\":{\"period\":1000001}}}", &f,
		  "invalid --cpu-period '1000001': CPU cfs period cannot be less than 1ms (i.e. "
		  "1000) or larger than 1s (i.e. 1000000)",
		  "--cpu-period 1000001");
	check_err("{\"resource_limits\":{\"cpu\":{\"quota\":500}}}", &f,
		  "invalid --cpu-quota '500': CPU cfs quota cannot be less than 1ms (i.e. 1000)",
		  "--cpu-quota 500");
	check_err("{\"resource_limits\":{\"cpu\":{\"cpus\":\"7\"}}}", &f,
		  "invalid --cpuset-cpus '7': requested CPUs are not available - requested 7, "
		  "available: 0-1",
		  "--cpuset-cpus 7 (podman's message)");
	check_err("{\"resource_limits\":{\"cpu\":{\"cpus\":\"a\"}}}", &f,
		  "invalid --cpuset-cpus 'a': invalid value a for cpuset cpus", "--cpuset-cpus a");
	check_err("{\"resource_limits\":{\"cpu\":{\"mems\":\"1\"}}}", &f,
		  "invalid --cpuset-mems '1': requested memory nodes are not available - requested "
		  "1, available: 0",
		  "--cpuset-mems 1");
	check_err("{\"resource_limits\":{\"cpu\":{\"shares\":-2}}}", &f,
		  "invalid --cpu-shares '-2'", "negative shares");
	check_err("{\"resource_limits\":{\"cpu\":{\"cpus\":7}}}", &f,
		  "'resource_limits.cpu.cpus': expected string, got integer",
		  "cpus of the wrong type");
}

static void test_blkio_other(void)
{
	cgroup_features f = full_v1(), noweight = full_v1(), v2 = full_v1();

	noweight.blkio_weight = false;
	noweight.blkio_read_bps = false;
	v2.unified = true;
	check("{\"resource_limits\":{\"blockIO\":{\"weight\":100}}}", &f, NULL, "resources",
	      "{\"pids\":{\"limit\":2048},\"blockIO\":{\"weight\":100}}", "--blkio-weight 100");
	check("{\"resource_limits\":{\"blockIO\":{\"weight\":100,\"throttleReadBpsDevice\":"
	      "[{\"major\":8,\"minor\":0,\"rate\":1000}]}}}",
	      &noweight, NULL, "resources", "{\"pids\":{\"limit\":2048},\"blockIO\":{}}",
	      "no blkio.weight: dropped, the object kept (podman)");
	check("{\"resource_limits\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,"
	      "\"minor\":0,\"rate\":1000}]}}}",
	      &f, NULL, "resources",
	      "{\"pids\":{\"limit\":2048},\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,"
	      "\"minor\":0,\"rate\":1000}]}}",
	      "throttle devices copied");
	check_err("{\"resource_limits\":{\"blockIO\":{\"weight\":5}}}", &f,
		  "invalid --blkio-weight '5': range of blkio weight is from 10 to 1000",
		  "weight 5");
	check_err("{\"resource_limits\":{\"blockIO\":{\"weight\":1001}}}", &f,
		  "invalid --blkio-weight '1001': range of blkio weight is from 10 to 1000",
		  "weight 1001");
	check_err("{\"resource_limits\":{\"blockIO\":{\"weightDevice\":[{\"major\":-1,\"minor\":0}]"
		  "}}}",
		  &f, "'resource_limits.blockIO.weightDevice[0]': negative device number",
		  "a bad weight device");
	check_err("{\"resource_limits\":{\"unified\":{\"memory.high\":\"1\"}}}", &f,
		  "invalid --cgroup-conf: cannot use --cgroup-conf without cgroup v2",
		  "unified on v1");
	check("{\"resource_limits\":{\"unified\":{\"memory.high\":\"1\"}}}", &v2, NULL, "resources",
	      "{\"pids\":{\"limit\":2048},\"unified\":{\"memory.high\":\"1\"}}", "unified on v2");
	check("{\"resource_limits\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4}]}}", &f,
	      NULL, "resources",
	      "{\"pids\":{\"limit\":2048},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4}]}",
	      "hugepage limits copied");
	check_err("{\"resource_limits\":{\"hugepageLimits\":[{\"limit\":4}]}}", &f,
		  "'resource_limits.hugepageLimits[0].pageSize': missing required value",
		  "a hugepage limit without size");
}

static void check_cpuset(const char *list, const char *avail, const char *want)
{
	cpod_error *e = NULL;
	_cleanup_free_ char *got = NULL;

	if (cpuset_check(list, avail, "cpus", &e) < 0)
		got = xstrdup(cpod_error_message(e));
	else
		got = xstrdup("ok");
	cpod_error_free(e);
	is_str(got, want, "cpuset '%s' in '%s'", list, avail ? avail : "(any)");
}

static void test_cpuset(void)
{
	check_cpuset("", "0", "ok");
	check_cpuset("0-3,5", NULL, "ok");
	check_cpuset("0-3,5", "0-7", "ok");
	check_cpuset("1,3", "0-1,3", "ok");
	check_cpuset("2", "0-1,3",
		     "requested CPUs are not available - requested 2, available: 0-1,3");
	check_cpuset("3-1", NULL, "invalid value 3-1 for cpuset cpus");
	check_cpuset("1,", NULL, "invalid value 1, for cpuset cpus");
	check_cpuset("-1", NULL, "invalid value -1 for cpuset cpus");
	check_cpuset("1-", NULL, "invalid value 1- for cpuset cpus");
	check_cpuset(" 1", NULL, "invalid value  1 for cpuset cpus");
	check_cpuset("99999", NULL, "invalid value 99999 for cpuset cpus");
}

static void test_probe(void)
{
	_cleanup_free_ char *root = path_of("cg");
	cgroup_features f;

	write_file("cg/memory/memory.limit_in_bytes", "");
	write_file("cg/memory/memory.soft_limit_in_bytes", "");
	write_file("cg/cpu/cpu.shares", "");
	write_file("cg/cpu/cpu.cfs_quota_us", "");
	write_file("cg/cpuset/cpuset.cpus", "0-3\n");
	write_file("cg/cpuset/cpuset.mems", "0\n");
	write_file("cg/blkio/blkio.throttle.read_bps_device", "");
	write_file("cg/pids/cgroup.procs", "");
	cgroup_features_probe(root, false, &f);
	ok(f.memory && f.reservation && !f.swap && !f.swappiness, "memory files probed");
	ok(f.cpu_shares && f.cfs_quota && !f.cfs_period && !f.rt_period, "cpu files probed");
	ok(f.cpuset, "cpuset found");
	is_str(f.cpus, "0-3", "cpuset.cpus read and trimmed");
	is_str(f.mems, "0", "cpuset.mems read");
	ok(f.blkio_read_bps && !f.blkio_weight, "blkio files probed");
	ok(f.pids, "pids controller found");
	cgroup_features_release(&f);
	write_file("cg/memory/memory.memsw.limit_in_bytes", "");
	cgroup_features_probe(root, false, &f);
	ok(f.swap, "memsw makes swap available");
	cgroup_features_release(&f);
	cgroup_features_probe(root, true, &f);
	ok(f.unified && f.pids && f.cpuset && f.memory && !f.cpus, "v2: available, no cpuset list");
	cgroup_features_release(&f);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	cc = containers_conf_new_defaults(false);
	cc->pids_limit = 2048;
	test_path_and_pids();
	test_memory();
	test_cpu();
	test_blkio_other();
	test_cpuset();
	test_probe();
	containers_conf_free(cc);
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
