/* Linux capabilities and resource limits, named and combined the way podman 4.3 does it
 * (containers/common pkg/capabilities, pkg/specgen/generate/security_linux.go, oci.go).
 *
 * Capability names are the kernel's in "CAP_CHOWN" form.  The known ones are those of the
 * table (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE) up to the running kernel's cap_last_cap.  Sets
 * are NULL-terminated string vectors sorted with strcmp(), as podman sorts them.
 */
#ifndef CPOD_OCI_CAPS_H
#define CPOD_OCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cpod/error.h>

/* The number of the last capability this host knows (/proc/sys/kernel/cap_last_cap, else the
 * table's last, CAP_CHECKPOINT_RESTORE = 40). */
int caps_last_cap(void);
/* The name of capability number cap, or NULL when the table has none. */
const char *cap_name(int cap);
/* The number of a name in "CAP_X" form (exact case), or -1. */
int cap_number(const char *name);

/* Normalizes a capability as the user wrote it: upper-cased, "CAP_" prefixed unless present
 * ("chown", "CAP_CHOWN", "cap_chown" -> "CAP_CHOWN"); "all" in any case gives "ALL".  Sets
 * *ret (caller frees).  A name the host does not know is CPOD_ERR_INVALID
 * "unknown capability 'CAP_X'". */
int cap_normalize(const char *name, char **ret, cpod_error **err);

/* The capabilities in this process's bounding set (prctl PR_CAPBSET_READ), sorted; the
 * caller frees it with strv_free(). */
char **caps_bounding_set(void);
/* Whether this process has cap in its effective set. */
bool caps_have_effective(int cap);

/* podman's MergeCapabilities: base (containers.conf default_capabilities) with add and drop
 * applied, each normalized first.  "ALL" in drop gives exactly add; "ALL" in add starts from
 * bounding (the caller's bounding set) and then drops; "ALL" in both, or one capability in
 * both, is CPOD_ERR_INVALID.  Any vector may be NULL.  *ret is sorted (caller strv_free()s). */
int caps_merge(const char *const *base, const char *const *add, const char *const *drop,
	       const char *const *bounding, char ***ret, cpod_error **err);

typedef struct {
	const char *const *defaults; /* containers.conf default_capabilities */
	const char *const *add;	     /* specgen cap_add */
	const char *const *drop;     /* specgen cap_drop */
	/* the image's (or container's) io.containers.capabilities label, or NULL */
	const char *required;
	bool privileged;
	/* the process runs as root: user empty (and no keep-id), "root" or "0" */
	bool root_user;
	bool ambient;		     /* the kernel has ambient capabilities (Linux >= 4.3) */
	const char *const *bounding; /* the caller's bounding set (caps_bounding_set()) */
} caps_opts;

/* Computes the container's process.capabilities object as podman 4.3 writes it: bounding =
 * the merged set limited to the caller's bounding set (privileged: the whole bounding set);
 * effective and permitted the same for a root user; for another user they hold only cap_add
 * (limited to the bounding set), as do inheritable and ambient when o->ambient.  Empty sets
 * are left out.  Sets *ret_obj (new) and *ret_bounding (the bounding set, for seccomp; caller
 * strv_free()s).  Bad names fail as caps_merge(). */
int caps_process(const caps_opts *o, json_object **ret_obj, char ***ret_bounding, cpod_error **err);

/* ---- resource limits (ulimits) ----
 * This part depends on nothing but lib/common and belongs in lib/common/ulimit.h once the CLI
 * needs it (cli/ may not include lib/oci). */

/* docker/go-units ParseUlimit, as podman's --ulimit and containers.conf default_ulimits use it:
 * "name=soft[:hard]", hard defaulting to soft, -1 meaning unlimited; names are core, cpu, data,
 * fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending,
 * stack.  soft must not pass hard unless hard is -1, and soft may be -1 only when hard is.
 * Sets *ret_type (the name, "nofile"; caller frees), *soft and *hard; CPOD_ERR_INVALID with
 * go-units' words otherwise ("invalid ulimit type: foo"). */
int ulimit_parse(const char *s, char **ret_type, int64_t *soft, int64_t *hard, cpod_error **err);

/* The resource number (RLIMIT_NOFILE ...) of a limit named "nofile", "NOFILE" or
 * "RLIMIT_NOFILE" (any case); also "as".  Sets *ret_name to the "RLIMIT_NOFILE" form (static).
 * Returns -1 for an unknown name. */
int rlimit_lookup(const char *name, const char **ret_name);

#endif
