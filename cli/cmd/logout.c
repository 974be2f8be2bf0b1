/* cpod logout: removes stored registry credentials from auth.json, as podman 4.3
 * (containers/common pkg/auth) does. */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct logout_opts {
	const char *authfile;
	bool all;
};

const cli_option cmd_logout_options[] = {
	{ "all", 'a', CLI_BOOL(struct logout_opts, all),
	  .help = "Remove the cached credentials for all registries in the auth file" },
	{ "authfile", 0, CLI_STRING(struct logout_opts, authfile),
	  .help = "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
		  "to override" },
	CLI_OPT_END(struct logout_opts),
};

/* Credentials for key in another file (docker login's): podman says so instead of failing
 * when they still work.  1 when it did. */
static int stored_elsewhere(const char *key)
{
	_cleanup_free_ char *user = NULL, *pass = NULL;
	cpod_error *e = NULL;
	cpod_login_opts lo = { .struct_size = sizeof(lo), .key = key };

	if (cpod_login_lookup(&lo, &user, &pass, NULL, &e) <= 0 || !*user || !*pass) {
		cpod_error_free(e);
		return 0;
	}
	lo.username = user;
	lo.password = pass;
	if (cpod_login_check(&lo, &e) < 0) {
		cpod_error_free(e);
		return 0;
	}
	printf("Not logged into %s with current tool. Existing credentials were established via "
	       "docker login. Please use docker logout instead.\n",
	       key);
	return 1;
}

int cmd_logout(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct logout_opts *o = opts;
	_cleanup_free_ char *authfile = cli_default_authfile(o->authfile), *key = NULL;
	struct stat st;

	if (authfile && stat(authfile, &st) < 0) {
		/* Go's wording: the errno text in lowercase. */
		_cleanup_free_ char *why = xstrdup(strerror(errno));

		why[0] = (char)tolower((unsigned char)why[0]);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "checking authfile: stat %s: %s",
				authfile, why);
	}
	if (o->all) {
		if (argc)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "--all takes no arguments");
		if (cpod_logout(authfile, NULL, err) < 0)
			return -1;
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	if (cpod_login_key(argc ? argv[0] : NULL, NULL, &key, err) < 0)
		return -1;
	if (cpod_logout(authfile, key, err) == 0) {
		printf("Removed login credentials for %s\n", key);
		return 0;
	}
	if (cpod_error_kind(*err) == CPOD_ERR_NOT_FOUND && stored_elsewhere(key)) {
		cpod_error_free(*err);
		*err = NULL;
		return 0;
	}
	return -1;
}
