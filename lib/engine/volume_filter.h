/* podman's `volume ls --filter` and `volume prune --filter` on cpod's volume rows.
 *
 * Keys: name (POSIX extended regex, unanchored), driver, scope, label (KEY or KEY=VALUE),
 * opt (KEY or KEY=VALUE), until (timeparse_filter()), dangling (true/1/false/0, any case).
 * Values of one key OR (label excepted: every label must match), different keys AND.
 */
#ifndef CPOD_ENGINE_VOLUME_FILTER_H
#define CPOD_ENGINE_VOLUME_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <time.h>

#include <cpod/error.h>

#include "common/strv.h"
#include "engine/volume_internal.h"

typedef struct {
	regex_t *names;
	size_t n_names;
	strv drivers, scopes, labels, opts;
	struct timespec *untils;
	size_t n_untils;
	bool dangling_true, dangling_false;
} vol_filter;

#define VOL_FILTER_INIT                                                                 \
	{                                                                               \
		.names = NULL, .n_names = 0, .drivers = STRV_INIT, .scopes = STRV_INIT, \
		.labels = STRV_INIT, .opts = STRV_INIT, .untils = NULL, .n_untils = 0,  \
		.dangling_true = false, .dangling_false = false                         \
	}

/* Parses "key=value" strings (NULL-terminated; NULL = no filter) into f (initialised with
 * VOL_FILTER_INIT).  Errors are CPOD_ERR_INVALID, in podman's words:
 *   filter input must be in the form of filter=value: x is invalid
 *   "x" is an invalid volume filter
 *   "x" is not a valid value for the "dangling" filter - must be true or false
 * f must be cleared either way. */
int vol_filter_parse(vol_filter *f, const char *const *filters, cpod_error **err);
bool vol_filter_match(const vol_filter *f, const vol *v);
void vol_filter_clear(vol_filter *f);

#endif
