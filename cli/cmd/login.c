/* cpod login: checks credentials against a registry and stores them in auth.json, as podman
 * 4.3 (containers/common pkg/auth) does: the prompts and "Login Succeeded!" go to stdout.
 * Without a terminal on stdin and no password given, the password cannot be read and the
 * login fails ("reading password: inappropriate ioctl for device"). */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct login_opts {
	const char *authfile;
	const char *cert_dir;
	const char *password;
	const char *username;
	bool get_login;
	bool password_stdin;
	bool tls_verify;
	bool verbose;
};

const cli_option cmd_login_options[] = {
	{ "authfile", 0, CLI_STRING(struct login_opts, authfile),
	  .help = "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
		  "to override" },
	{ "cert-dir", 0, CLI_STRING(struct login_opts, cert_dir),
	  .help = "use certificates at the specified path to access the registry" },
	{ "get-login", 0, CLI_BOOL(struct login_opts, get_login),
	  .help = "Return the current login user for the registry" },
	{ "password", 'p', CLI_STRING(struct login_opts, password),
	  .help = "Password for registry" },
	{ "password-stdin", 0, CLI_BOOL(struct login_opts, password_stdin),
	  .help = "Take the password from stdin" },
	{ "tls-verify", 0, CLI_BOOL(struct login_opts, tls_verify), .def = "true",
	  .help = "Require HTTPS and verify certificates when contacting registries" },
	{ "username", 'u', CLI_STRING(struct login_opts, username),
	  .help = "Username for registry" },
	{ "verbose", 'v', CLI_BOOL(struct login_opts, verbose),
	  .help = "Write more detailed information to stdout" },
	CLI_OPT_END(struct login_opts),
};

/* containers/common's default for --authfile: $REGISTRY_AUTH_FILE, else
 * $DOCKER_CONFIG/config.json, else none (the library's default path).  Caller frees. */
char *cli_default_authfile(const char *given)
{
	const char *e;

	if (given && *given)
		return xstrdup(given);
	e = getenv("REGISTRY_AUTH_FILE");
	if (e && *e)
		return xstrdup(e);
	e = getenv("DOCKER_CONFIG");
	if (e && *e)
		return xasprintf("%s/config.json", e);
	return NULL;
}

static void trim_newline(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* --password-stdin: every line of stdin, joined without their newlines. */
static char *read_stdin_password(void)
{
	_cleanup_buf_ buf b = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;

	buf_init(&b, 0);
	while (getline(&line, &cap, stdin) >= 0) {
		trim_newline(line);
		buf_adds(&b, line);
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	return buf_detach(&b, NULL);
}

/* A password typed on the terminal, without echo. */
static int read_password(char **ret, cpod_error **err)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"reading password: inappropriate ioctl for device");
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ICANON;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	n = getline(&line, &cap, stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (n < 0) {
		free(line);
		return cpod_err(err, CPOD_ERR_INVALID, 0, "reading password: EOF");
	}
	trim_newline(line);
	*ret = line;
	return 0;
}

static char *trim_space(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

/* The prompts of containers/common's getUserAndPass(); *user and *pass are replaced. */
static int prompt(char **user, char **pass, const char *stored_user, cpod_error **err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!*user || !**user) {
		if (stored_user && *stored_user)
			printf("Username (%s): ", stored_user);
		else
			printf("Username: ");
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "reading username: EOF");
		free(*user);
		*user = trim_space(line);
		if (!**user && stored_user) {
			free(*user);
			*user = xstrdup(stored_user);
		}
	}
	if (!*pass || !**pass) {
		printf("Password: ");
		fflush(stdout);
		free(*pass);
		*pass = NULL;
		if (read_password(pass, err) < 0)
			return -1;
		printf("\n");
	}
	return 0;
}

/* No -u, no -p and stored credentials: podman checks those first.  1: they are valid. */
static int try_stored(const cpod_login_opts *lo, const char *key, const char *user,
		      const char *pass)
{
	_cleanup_free_ char *registry = xstrdup(key);
	cpod_login_opts check = *lo;
	cpod_error *e = NULL;

	registry[strcspn(registry, "/")] = '\0';
	check.username = user;
	check.password = pass;
	printf("Authenticating with existing credentials for %s\n", key);
	if (cpod_login_check(&check, &e) == 0) {
		printf("Existing credentials are valid. Already logged in to %s\n", registry);
		return 1;
	}
	cpod_error_free(e);
	printf("Existing credentials are invalid, please enter valid username and password\n");
	return 0;
}

static int login_with(const struct login_opts *o, cpod_login_opts *lo, const char *stored_user,
		      const char *stored_pass, cpod_error **err)
{
	_cleanup_free_ char *user = o->username ? xstrdup(o->username) : NULL;
	_cleanup_free_ char *pass = NULL, *path = NULL;

	if (o->password_stdin) {
		if (o->password && *o->password)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"Can't specify both --password-stdin and --password");
		if (!user || !*user)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"Must provide --username with --password-stdin");
		pass = read_stdin_password();
	} else if (o->password) {
		pass = xstrdup(o->password);
	}
	if ((!user || !*user) && (!pass || !*pass) && stored_user && *stored_user && stored_pass &&
	    *stored_pass && try_stored(lo, lo->key, stored_user, stored_pass))
		return 0;
	if (prompt(&user, &pass, stored_user, err) < 0)
		return cpod_err_prefix(err, "getting username and password");
	lo->username = user;
	lo->password = pass;
	if (cpod_login(lo, &path, err) < 0)
		goto fail;
	if (o->verbose)
		printf("Used:  %s\n", path);
	printf("Login Succeeded!\n");
	explicit_bzero(pass, strlen(pass));
	return 0;
fail:
	explicit_bzero(pass, strlen(pass));
	return -1;
}

int cmd_login(cli_ctx *ctx, void *opts, int argc, char **argv, cpod_error **err)
{
	const struct login_opts *o = opts;
	_cleanup_free_ char *key = NULL, *authfile = NULL, *user = NULL, *pass = NULL;
	int has_token = 0, found;
	int r;

	if (cpod_login_key(argc ? argv[0] : NULL, NULL, &key, err) < 0)
		return -1;
	authfile = cli_default_authfile(o->authfile);
	cpod_login_opts lo = {
		.struct_size = sizeof(lo),
		.key = key,
		.authfile = authfile,
		.cert_dir = o->cert_dir && *o->cert_dir ? o->cert_dir : NULL,
		/* The table cannot tell an explicit --tls-verify=true from the default. */
		.tls_verify = cli_tls_verify(ctx, o->tls_verify),
	};
	found = cpod_login_lookup(&lo, &user, &pass, &has_token, err);
	if (found < 0)
		return -1;
	if (o->get_login) {
		if (!found || !*user)
			return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, "not logged into %s", key);
		printf("%s\n", user);
		return 0;
	}
	if (has_token)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"currently logged in, auth file contains an Identity token");
	r = login_with(o, &lo, user, pass, err);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	return r;
}
