/* containers-policy.json(5): which images may be pulled, as containers/image's signature
 * policy decides it, without signature verification.
 *
 * The file: the path given (podman's --signature-policy), else
 * $HOME/.config/containers/policy.json when it exists, else /etc/containers/policy.json; a
 * missing file is an error, as in podman.  Requirements understood: "insecureAcceptAnything"
 * and "reject"; "signedBy" and "sigstoreSigned" refuse the image ("signature verification is
 * not supported yet"), never accept it.  Any other type makes the policy invalid.
 *
 * Scope matching for the docker transport, most specific first: "host/repo:tag" (or
 * "@digest"), "host/repo", each parent namespace "host/ns", "host", "*.domain" wildcards of
 * host (e.g. "*.example.com" for "a.example.com"), then the transport's "" entry, then
 * "default".  Other transports match their scope exactly, then "", then "default".
 */
#ifndef CPOD_IMAGE_POLICY_H
#define CPOD_IMAGE_POLICY_H

#include <cpod/error.h>

#include "common/cleanup.h"

typedef struct image_policy image_policy;

/* Reads and checks the policy (path NULL: the default files; home NULL: $HOME).  Errors name
 * the file: CPOD_ERR_NOT_FOUND when missing, CPOD_ERR_INVALID when malformed. */
int policy_load(const char *path, const char *home, image_policy **ret, cpod_error **err);
/* Parses a policy from text (name for messages). */
int policy_parse(const char *text, size_t len, const char *name, image_policy **ret,
		 cpod_error **err);
void policy_free(image_policy *p);
DEFINE_CLEANUP_FUNC(image_policy, policy_free)

/* 0 when the policy accepts transport:scope_ref ("docker", "quay.io/ns/repo:tag"); else -1
 * with CPOD_ERR_INVALID: "Source image rejected: Running image docker://REF is rejected by
 * policy." or "... requires signature verification, which is not supported yet". */
int policy_check(const image_policy *p, const char *transport, const char *ref, cpod_error **err);

#endif
