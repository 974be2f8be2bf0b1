/* What spec_resources() needs to know about the host's cgroups, and its test hook.  Internal to
 * lib/oci. */
#ifndef CPOD_OCI_SPEC_RESOURCES_H
#define CPOD_OCI_SPEC_RESOURCES_H

#include <stdbool.h>

#include "oci/spec.h"

/* Which limits the host can apply: on cgroup v1 each is the presence of its control file in
 * the controller's root (containers/common pkg/sysinfo, as podman 4.3 checks them); on v2
 * podman checks only swap (memory.swap.max beside memory.max in its own cgroup), so the
 * rest are taken as available. */
typedef struct {
	bool unified;
	bool memory, swap, reservation, swappiness, oom_kill_disable;
	bool cpu_shares, cfs_period, cfs_quota, rt_period, rt_runtime;
	bool cpuset;
	char *cpus, *mems; /* cpuset.cpus / cpuset.mems of the root ("0-3"), or NULL */
	bool blkio_weight, blkio_weight_device;
	bool blkio_read_bps, blkio_write_bps, blkio_read_iops, blkio_write_iops;
	bool pids;
} cgroup_features;

/* Probes the cgroup file system mounted at root (normally /sys/fs/cgroup); unified: it is
 * cgroup v2.  Release with cgroup_features_release(). */
void cgroup_features_probe(const char *root, bool unified, cgroup_features *f);
void cgroup_features_release(cgroup_features *f);

/* spec_resources() with the host's features given. */
int spec_resources_apply(const spec_ctx *ctx, const cgroup_features *f, json_object *spec,
			 cpod_error **err);

/* Checks a cpuset list ("0-3,5", "" is fine) and, when available is not NULL, that every
 * number in it is in available (a list of the same syntax).  Returns 0, or -1 with
 * CPOD_ERR_INVALID "invalid value LIST for cpuset WHAT" / "requested ... are not available". */
int cpuset_check(const char *list, const char *available, const char *what, cpod_error **err);

#endif
