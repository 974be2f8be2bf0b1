/* Does an OCI runtime actually run containers on this host?
 *
 * A runtime binary can be installed and still fail every container: crun refuses hybrid
 * cgroup hosts unless hugetlb is on v1, a runtime may be too old for the kernel, and so on.
 * The only honest test is to run one: oci_probe_runtime() runs `RUNTIME run` on a bundle whose
 * root holds the host's /usr read-only and whose process is /usr/bin/true, with pid, mount,
 * ipc and uts namespaces and a cgroup, exactly the parts a real container needs.
 *
 * A probe costs one container run (10-40 ms), so results are cached in the runroot (a tmpfs,
 * so a reboot or a runtime upgrade, seen by size and mtime, invalidates them).
 */
#ifndef CPOD_OCI_PROBE_H
#define CPOD_OCI_PROBE_H

#include <cpod/error.h>

/* Returns 1 when the runtime at path ran the probe container, 0 when it did not (with
 * *ret_reason set to the runtime's own error, caller frees), -1 with *err when the probe
 * itself could not be set up.  workdir is a directory cpod owns (the runroot): the bundle and
 * the cache file live there. */
int oci_probe_runtime(const char *path, const char *workdir, char **ret_reason, cpod_error **err);

#endif
