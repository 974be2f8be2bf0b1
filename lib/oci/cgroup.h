/* What the host's cgroup setup is: unified (v2), legacy (v1) or hybrid (v1 controllers with a
 * cgroup2 mount beside them, as on this project's CI), and which controllers are usable. */
#ifndef CPOD_OCI_CGROUP_H
#define CPOD_OCI_CGROUP_H

typedef enum {
	CGROUP_UNKNOWN = 0,
	CGROUP_LEGACY,	/* v1 only */
	CGROUP_HYBRID,	/* v1 controllers, plus a cgroup2 mount with no controllers */
	CGROUP_UNIFIED, /* v2 */
} cgroup_mode;

/* Reads the mode from the mount table (statfs of /sys/fs/cgroup and its children). */
cgroup_mode cgroup_detect_mode(const char *cgroup_root);
/* "v1" for legacy and hybrid, "v2" for unified, as podman reports it. */
const char *cgroup_version_name(cgroup_mode mode);

/* The controllers usable by containers, sorted as the kernel lists them: from
 * cgroup.controllers on v2, from the v1 hierarchies mounted under cgroup_root otherwise.
 * Returns a NULL-terminated vector the caller frees with strv_free(). */
char **cgroup_controllers(const char *cgroup_root, cgroup_mode mode);

#endif
