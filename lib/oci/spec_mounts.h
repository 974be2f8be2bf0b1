/* Helpers shared by spec_process.c and spec_mounts.c, and their test hooks.  Internal to
 * lib/oci. */
#ifndef CPOD_OCI_SPEC_MOUNTS_H
#define CPOD_OCI_SPEC_MOUNTS_H

#include <stdbool.h>

#include "oci/spec.h"

/* The lexical form of an absolute path, as Go's filepath.Clean: "//a/./b/../c/" -> "/a/c";
 * ".." never climbs above "/".  Returns a new string. */
char *spec_path_clean(const char *path);

/* Whether path is dir or lies below it (both clean and absolute). */
bool spec_path_within(const char *path, const char *dir);

/* The container-init binary on the host for specgen "init": specgen init_path, else
 * containers.conf containers.init_path, else engine.init_path; "" when none is set.
 * Borrowed from ctx. */
const char *spec_init_path(const spec_ctx *ctx);

/* Tests only: the mounts.conf files tried, in order (the first that exists is used), instead
 * of podman's ($HOME/.config/containers/mounts.conf when rootless,)
 * /etc/containers/mounts.conf, /usr/share/containers/mounts.conf.  NULL restores them; the
 * vector is borrowed until then. */
void spec_mounts_set_conf_paths(const char *const *paths);

#endif
