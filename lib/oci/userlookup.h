/* Users and groups of a container: passwd(5) and group(5) parsing, and the resolution of a
 * user spec ("name", "uid", "name:group", "uid:gid", ...) and of supplementary groups the way
 * podman does it (through runc's libcontainer/user rules).
 *
 * The files are container input, hence hostile: they are read inside the rootfs through
 * fs_open_in_root() (a symlink /etc/passwd -> /../../x stays in the rootfs), must be regular
 * files, and are capped at USERLOOKUP_FILE_CAP bytes.  Parsing is line by line:
 *   - surrounding whitespace is trimmed; blank lines and lines starting with '#' are skipped;
 *   - passwd lines need name:pass:uid:gid (gecos, home and shell may be missing), group lines
 *     name:pass:gid (the member list may be missing);
 *   - a line with an empty name, too few fields, a uid/gid that is not a decimal number up to
 *     4294967294, or a NUL byte is malformed and skipped (runc would read a bad number as 0,
 *     which could turn a broken line into root; glibc skips such lines, and so does cpod).
 */
#ifndef CPOD_OCI_USERLOOKUP_H
#define CPOD_OCI_USERLOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpod/error.h>

/* Largest /etc/passwd or /etc/group read (bigger ones fail with CPOD_ERR_INVALID, EFBIG). */
#define USERLOOKUP_FILE_CAP (16u << 20)
/* Largest uid/gid a user spec or --group-add may name (runc's limit). */
#define USERLOOKUP_MAX_ID 2147483647u

/* One passwd line.  The strings point into the line given to the parser. */
typedef struct {
	const char *name;
	uint32_t uid;
	uint32_t gid;
	const char *home; /* "" when the field is missing */
} passwd_entry;

/* One group line.  The strings point into the line given to the parser. */
typedef struct {
	const char *name;
	uint32_t gid;
	const char *members; /* comma-separated user names, "" when none */
} group_entry;

/* Parses one line (without its '\n'), cutting it in place: fields are NUL-terminated inside
 * line.  Returns 1 with *ret filled, 0 for a blank or comment line, -1 for a malformed one. */
int userlookup_parse_passwd_line(char *line, passwd_entry *ret);
int userlookup_parse_group_line(char *line, group_entry *ret);
/* Whether user is in the member list of g (exact names). */
bool userlookup_group_has_member(const group_entry *g, const char *user);

/* A file's content; data NULL means the file does not exist (so does a NULL pointer to one). */
typedef struct {
	char *data;
	size_t len;
} userlookup_file;

void userlookup_file_release(userlookup_file *f);

/* Reads path (such as "/etc/passwd") inside rootfd.  A missing file (or a path through a
 * non-directory, or a symlink loop) leaves f->data NULL and returns 0; a file that is not a
 * regular file or is larger than USERLOOKUP_FILE_CAP fails (CPOD_ERR_INVALID), naming it. */
int userlookup_read_in_root(int rootfd, const char *path, userlookup_file *f, cpod_error **err);
/* The same for a path on the host (a bind mount's source over /etc/passwd). */
int userlookup_read_host(const char *path, userlookup_file *f, cpod_error **err);

/* The identity a user spec resolves to (runc's ExecUser). */
typedef struct {
	uint32_t uid;
	uint32_t gid;
	uint32_t *sgids; /* supplementary groups: the groups listing the user by name, in file
			    order; only when the spec names no group */
	size_t n_sgids;
	char *home; /* the passwd home, "" when the user has no passwd entry */
} exec_user;

void exec_user_release(exec_user *u);

/* Resolves spec ("" = uid 0) against passwd and group (data NULL: missing file), as runc's
 * GetExecUser: a name must be in passwd ("unable to find user x: no matching entries in
 * passwd file"); a number need not be (gid 0, home "").  "user:group" takes its gid from the
 * group (a number need not be listed; "unable to find group g: no matching entries in group
 * file").  Ids outside 0..2147483647 fail ("uids and gids must be in range 0-2147483647").
 * Errors are CPOD_ERR_INVALID.  *ret is set only on success; release it. */
int userlookup_exec_user(const char *spec, const userlookup_file *passwd,
			 const userlookup_file *group, exec_user *ret, cpod_error **err);

/* Resolves --group-add values (names or gids) against group, in order and without duplicates:
 * a value matches the first group whose name or decimal gid equals it; else a number is taken
 * as is; else "unable to find group x: no matching entries in group file".  *ret (free() it)
 * and *ret_n are set only on success. */
int userlookup_groups(const char *const *groups, size_t n, const userlookup_file *group,
		      uint32_t **ret, size_t *ret_n, cpod_error **err);

#endif
