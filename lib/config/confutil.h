/* Helpers shared by the configuration readers of lib/config/ (internal to the area).
 *
 * Typed reading of TOML values: every getter checks the type and, on a mismatch, fails with
 * CPOD_ERR_INVALID naming the place and the dotted key, the way all of cpod's config errors
 * read:  "/etc/containers/containers.conf:7:1: key 'engine.stop_timeout': expected integer,
 * got string".  FILE is the name the document was parsed under.
 *
 * Also: listing of *.conf drop-in directories, environment and home directory lookups, and
 * $VAR expansion in paths.
 */
#ifndef CPOD_CONFIG_CONFUTIL_H
#define CPOD_CONFIG_CONFUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/strv.h"
#include "config/toml.h"

/* Fails with "FILE:LINE:COL: key 'KEY': <fmt...>" at the position of v; returns -1. */
int conf_error_at(const char *file, const char *key, const toml_value *v, cpod_error **err,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "... expected WANT, got TYPE" */
int conf_type_error(const char *file, const char *key, const toml_value *v, const char *want,
		    cpod_error **err);

/* Checks that v is a table. */
int conf_check_table(const char *file, const char *key, const toml_value *v, cpod_error **err);
/* Replaces *dst (freeing the old string) with a copy of the string v. */
int conf_get_string(const char *file, const char *key, const toml_value *v, char **dst,
		    cpod_error **err);
int conf_get_bool(const char *file, const char *key, const toml_value *v, bool *dst,
		  cpod_error **err);
/* An integer within [min, max]; outside it fails with "value N out of range". */
int conf_get_int(const char *file, const char *key, const toml_value *v, int64_t min, int64_t max,
		 int64_t *dst, cpod_error **err);
/* An array of strings; replaces the content of dst.  A wrong element is named 'KEY[i]'. */
int conf_get_strv(const char *file, const char *key, const toml_value *v, strv *dst,
		  cpod_error **err);
/* A string, integer, float or boolean, as text (for free-form option values); caller frees. */
int conf_get_scalar_text(const char *file, const char *key, const toml_value *v, char **ret,
			 cpod_error **err);

/* Appends to out the regular files and symlinks named *.conf in dir, sorted by name (byte
 * order).  A missing directory adds nothing; other errors fail (CPOD_ERR_SYSTEM). */
int conf_list_dropins(const char *dir, strv *out, cpod_error **err);
/* 1 when path exists, 0 when it does not (ENOENT/ENOTDIR), -1 with *err otherwise. */
int conf_file_exists(const char *path, cpod_error **err);

/* getenv() that treats an empty value as unset. */
const char *conf_getenv(const char *name);
/* The user's home directory: $HOME, else the passwd entry of the real uid; NULL when neither
 * is known.  Caller frees. */
char *conf_home_dir(void);
/* $XDG_CONFIG_HOME, else HOME/.config; NULL without a home.  Caller frees. */
char *conf_config_home(const char *home);

/* Expands $UID to uid and then $NAME / ${NAME} from the environment (unset: empty), like Go's
 * os.ExpandEnv after containers/storage's $UID replacement.  Caller frees. */
char *conf_expand_env(const char *s, uid_t uid);

#endif
