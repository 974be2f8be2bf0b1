/* cpod's storage configuration: /etc/cpod/storage.conf.
 *
 * The keys are those of containers-storage's storage.conf(5), but the file and the store are
 * cpod's own (cpod never reads or writes /var/lib/containers):
 *
 *   [storage]
 *   driver = "overlay"                  # "" or absent: the storage code picks
 *   graphroot = "/var/lib/cpod"
 *   runroot = "/run/cpod"
 *   rootless_storage_path = "$HOME/.local/share/cpod"
 *   [storage.options]                   # options for any driver
 *   mount_program = "/usr/bin/fuse-overlayfs"
 *   mountopt = "nodev"
 *   additionalimagestores = [ ... ]
 *   [storage.options.overlay]           # options for one driver, winning over the above
 *   mountopt = "nodev,metacopy=on"
 *
 * Which file: $CPOD_STORAGE_CONF when set; otherwise, for a rootless user whose
 * $XDG_CONFIG_HOME/cpod/storage.conf (default ~/.config/cpod/storage.conf) exists, that file;
 * otherwise /etc/cpod/storage.conf.  A missing file means all defaults; $CPOD_STORAGE_CONF
 * naming a missing file is an error.
 *
 * Roots, as containers-storage does it for its own store:
 *   root:     graphroot and runroot from the file, else /var/lib/cpod and /run/cpod.
 *   rootless: graphroot from the user's own file, else rootless_storage_path, else
 *             $XDG_DATA_HOME/cpod (default ~/.local/share/cpod); runroot from the user's own
 *             file, else $XDG_RUNTIME_DIR/cpod, else /tmp/cpod-run-$UID.
 * Paths have $UID and $VAR / ${VAR} expanded and symlinks resolved when they exist; they must
 * be absolute.  "overlay2" means "overlay".  $STORAGE_DRIVER and $STORAGE_OPTS (comma
 * separated) override the file like containers-storage; the caller's --root, --runroot,
 * --storage-driver and --storage-opt override everything.
 */
#ifndef CPOD_CONFIG_STORAGE_CONF_H
#define CPOD_CONFIG_STORAGE_CONF_H

#include <stdbool.h>

#include <cpod/error.h>

#include "common/strv.h"

typedef struct {
	char *path;		     /* the file read, or NULL when there was none */
	char *driver;		     /* "" = not configured */
	char *graphroot;	     /* absolute */
	char *runroot;		     /* absolute */
	char *rootless_storage_path; /* "" = not configured (expanded otherwise) */
	/* [storage.options] as "key=value" in file order; arrays give one entry per element
	 * under containers-storage's option name (additionalimagestores -> "imagestore=X"). */
	strv options;
	/* [storage.options.overlay] and [storage.options.vfs] as "key=value". */
	strv overlay_options;
	strv vfs_options;
	/* Set (even empty) when $STORAGE_OPTS or the caller's --storage-opt replaced the file's
	 * options: "overlay.mountopt=nodev" as the user wrote them. */
	bool driver_options_override;
	strv driver_options;
} storage_conf;

typedef struct {
	const char *path;	 /* an explicit file (must exist); NULL: $CPOD_STORAGE_CONF */
	const char *system_path; /* NULL: /etc/cpod/storage.conf */
	const char *user_path;	 /* NULL: $XDG_CONFIG_HOME/cpod/storage.conf or ~/.config/... */
	int rootless;		 /* < 0: geteuid() != 0; 0: root; > 0: rootless */
	/* The caller's overrides (--root, --runroot, --storage-driver, --storage-opt); NULL when
	 * not given.  storage_opts replaces the file's options, even when empty. */
	const char *graphroot;
	const char *runroot;
	const char *driver;
	const char *const *storage_opts;
} storage_conf_opts;

/* Reads the configuration; opts may be NULL.  Type errors name "FILE:LINE:COL: key
 * 'storage.graphroot': expected string, got integer".  *ret on success (caller frees with
 * storage_conf_free()). */
int storage_conf_load(const storage_conf_opts *opts, storage_conf **ret, cpod_error **err);
void storage_conf_free(storage_conf *c);
static inline void storage_conf_freep(storage_conf **c)
{
	if (*c)
		storage_conf_free(*c);
}
#define _cleanup_storage_conf_ __attribute__((cleanup(storage_conf_freep)))

/* The options for driver, in containers-storage's "driver.key=value" form: the override list
 * as is when there is one, else each key of [storage.options] and of [storage.options.DRIVER],
 * the driver's own value winning.  Caller frees with strv_free(). */
char **storage_conf_driver_options(const storage_conf *c, const char *driver);

#endif
