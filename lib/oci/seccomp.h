/* seccomp profiles: containers-format profiles (containers/common pkg/seccomp, the format of
 * /usr/share/containers/seccomp.json) converted to the OCI runtime-spec linux.seccomp object,
 * as podman 4.3 does it for the host's architecture and the container's capabilities.
 *
 * The containers format differs from the OCI one by: archMap (architectures per native arch),
 * syscall rules conditioned on includes/excludes {caps, arches, minKernel}, errno names
 * ("errno": "EPERM", "defaultErrno") beside errnoRet numbers, "name" beside "names", and
 * comments.  Conversion keeps the rules that apply, in order, and drops the rest.
 */
#ifndef CPOD_OCI_SECCOMP_H
#define CPOD_OCI_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include <cpod/error.h>

/* podman's default profile locations, in the order it looks at them. */
#define SECCOMP_OVERRIDE_PATH "/etc/containers/seccomp.json"
#define SECCOMP_DEFAULT_PATH "/usr/share/containers/seccomp.json"

/* What the profile is applied to. */
typedef struct {
	/* libseccomp's name of the native architecture ("amd64", "arm64", "s390x" ...); NULL
	 * means the one cpod was built for (seccomp_native_arch()) */
	const char *arch;
	/* the container's bounding capabilities, for includes/excludes "caps"; NULL = none */
	const char *const *bounding;
	/* the kernel release for includes "minKernel" ("6.1.0-13-amd64"); NULL = uname's */
	const char *kernel;
} seccomp_target;

/* libseccomp's name of the architecture cpod was built for ("amd64" on x86_64). */
const char *seccomp_native_arch(void);

/* Converts the profile text[0..len) to a new linux.seccomp object in *ret, or sets *ret to
 * NULL when the profile turns seccomp off (neither defaultAction nor syscalls).  name says
 * where the text came from; every error is CPOD_ERR_INVALID "loading seccomp profile 'NAME':
 * 'syscalls[3].action': unknown action 'X'" and the like:
 * malformed JSON, wrong types, unknown actions, operators, architectures or errno names,
 * both "name" and "names" in a rule, both "architectures" and "archMap". */
int seccomp_convert(const char *text, size_t len, const char *name, const seccomp_target *t,
		    json_object **ret, cpod_error **err);

/* The built-in profile's text (containers/common v0.50.1's default, NUL-terminated). */
const char *seccomp_builtin_profile(void);

/* Chooses the profile as podman does: the container's seccomp_profile_path when not empty,
 * else containers.conf seccomp_profile when not empty, else the first existing file of
 * defaults (NULL-terminated; NULL means SECCOMP_OVERRIDE_PATH, SECCOMP_DEFAULT_PATH).
 * Returns that path (caller frees; may be "unconfined"), or NULL for the built-in profile. */
char *seccomp_choose_profile(const char *sg_path, const char *conf_path,
			     const char *const *defaults);

/* Whether path is one of podman's default profile locations (or NULL, the built-in one):
 * a privileged container runs without seccomp unless another profile was named. */
bool seccomp_is_default_profile(const char *path);

/* Reads the profile at path (NULL: the built-in one) and converts it as seccomp_convert().
 * A file that cannot be read is CPOD_ERR_INVALID "opening seccomp profile 'PATH': ...". */
int seccomp_load(const char *path, const seccomp_target *t, json_object **ret, cpod_error **err);

#endif
