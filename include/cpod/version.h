#ifndef CPOD_VERSION_H
#define CPOD_VERSION_H

#include <cpod/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string ("0.1.0"); static storage. */
CPOD_EXPORT const char *cpod_version(void);
/* The podman API version this release is compatible with ("4.3.1"); static storage. */
CPOD_EXPORT const char *cpod_api_version(void);

#ifdef __cplusplus
}
#endif
#endif
