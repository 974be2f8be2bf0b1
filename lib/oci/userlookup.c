/* passwd(5)/group(5) parsing and user spec resolution; see userlookup.h. */
#include "oci/userlookup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* uid_t/gid_t -1 means "unchanged" to the kernel, so it cannot name a user. */
#define FILE_MAX_ID 4294967294u

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trims line in place; returns the first non-blank character. */
static char *trim(char *line)
{
	size_t n;

	while (is_space(*line))
		line++;
	n = strlen(line);
	while (n > 0 && is_space(line[n - 1]))
		line[--n] = '\0';
	return line;
}

/* Splits line at ':' into at most max fields; returns how many there are. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;

	fields[n++] = line;
	while (n < max) {
		char *c = strchr(fields[n - 1], ':');

		if (!c)
			break;
		*c = '\0';
		fields[n++] = c + 1;
	}
	/* A last field keeps any further ':' (never looked at). */
	return n;
}

/* A uid or gid field: decimal digits only, up to FILE_MAX_ID. */
static bool parse_file_id(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > FILE_MAX_ID)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

int userlookup_parse_passwd_line(char *line, passwd_entry *ret)
{
	char *f[7];
	size_t n;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	n = split_fields(line, f, 7);
	if (n < 4 || !*f[0] || !parse_file_id(f[2], &ret->uid) || !parse_file_id(f[3], &ret->gid))
		return -1;
	ret->name = f[0];
	ret->home = n > 5 ? f[5] : "";
	return 1;
}

int userlookup_parse_group_line(char *line, group_entry *ret)
{
	char *f[4];
	size_t n;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	n = split_fields(line, f, 4);
	if (n < 3 || !*f[0] || !parse_file_id(f[2], &ret->gid))
		return -1;
	ret->name = f[0];
	ret->members = n > 3 ? f[3] : "";
	return 1;
}

bool userlookup_group_has_member(const group_entry *g, const char *user)
{
	size_t ul = strlen(user);

	for (const char *p = g->members; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == ul && strncmp(p, user, ul) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* Calls fn on a private copy of every line of f until it returns non-zero (which is
 * returned).  Lines holding a NUL byte are skipped as malformed. */
static int each_line(const userlookup_file *f, int (*fn)(char *line, void *ud), void *ud)
{
	const char *p = f ? f->data : NULL, *end = p ? p + f->len : NULL;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		_cleanup_free_ char *line = NULL;
		int r;

		if (!memchr(p, '\0', len)) {
			line = xstrndup(p, len);
			r = fn(line, ud);
			if (r)
				return r;
		}
		p += len + 1;
	}
	return 0;
}

/* Go's strconv.Atoi, which runc uses to tell ids from names: an optional sign, then digits,
 * within int64. */
static bool parse_go_int(const char *s, int64_t *ret)
{
	bool neg = false;
	uint64_t v = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_C(1) << 63) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > (UINT64_C(1) << 63) - (neg ? 0 : 1))
			return false;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static int range_error(cpod_error **err)
{
	return cpod_err(err, CPOD_ERR_INVALID, 0, "uids and gids must be in range 0-%u",
			USERLOOKUP_MAX_ID);
}

void userlookup_file_release(userlookup_file *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
}

void exec_user_release(exec_user *u)
{
	free(u->sgids);
	free(u->home);
	u->sgids = NULL;
	u->n_sgids = 0;
	u->home = NULL;
}

static void push_id(uint32_t **v, size_t *n, uint32_t id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = id;
}

/* ---- the user ---- */

struct user_match {
	const char *arg; /* "" = uid 0 */
	bool numeric;
	int64_t id;
	bool found;
	passwd_entry e;
	char *name, *home;
};

static int match_user(char *line, void *ud)
{
	struct user_match *m = ud;
	passwd_entry e;
	bool hit;

	if (userlookup_parse_passwd_line(line, &e) != 1)
		return 0;
	if (!*m->arg)
		hit = e.uid == 0;
	else if (m->numeric)
		hit = (int64_t)e.uid == m->id;
	else
		hit = strcmp(e.name, m->arg) == 0;
	if (!hit)
		return 0;
	m->found = true;
	m->e = e;
	m->name = xstrdup(e.name);
	m->home = xstrdup(e.home);
	return 1;
}

struct group_match {
	const char *arg; /* explicit group, or NULL */
	bool numeric;
	int64_t id;
	const char *member; /* implicit form: groups listing this user */
	bool found;
	uint32_t gid;
	uint32_t *sgids;
	size_t n_sgids;
};

static int match_group(char *line, void *ud)
{
	struct group_match *m = ud;
	group_entry g;

	if (userlookup_parse_group_line(line, &g) != 1)
		return 0;
	if (!m->arg) {
		if (userlookup_group_has_member(&g, m->member))
			push_id(&m->sgids, &m->n_sgids, g.gid);
		return 0;
	}
	if (m->numeric ? (int64_t)g.gid != m->id : strcmp(g.name, m->arg) != 0)
		return 0;
	m->found = true;
	m->gid = g.gid;
	return 1;
}

/* The group part of the spec: an explicit group sets the gid, a matched user name collects
 * the supplementary groups. */
static int resolve_group(const char *group_arg, const char *user_name, const userlookup_file *group,
			 exec_user *u, cpod_error **err)
{
	struct group_match m = { .arg = *group_arg ? group_arg : NULL, .member = user_name };

	if (m.arg)
		m.numeric = parse_go_int(m.arg, &m.id);
	each_line(group, match_group, &m);
	if (!m.arg) {
		u->sgids = m.sgids;
		u->n_sgids = m.n_sgids;
		return 0;
	}
	if (m.found) {
		u->gid = m.gid;
		return 0;
	}
	if (!m.numeric)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"unable to find group %s: no matching entries in group file",
				m.arg);
	if (m.id < 0 || m.id > USERLOOKUP_MAX_ID)
		return range_error(err);
	u->gid = (uint32_t)m.id;
	return 0;
}

int userlookup_exec_user(const char *spec, const userlookup_file *passwd,
			 const userlookup_file *group, exec_user *ret, cpod_error **err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *group_arg = strchr(copy, ':'), *c;
	struct user_match m = { .arg = copy };
	exec_user u = { 0 };
	int r;

	/* runc splits at ':' and looks at the first two fields only. */
	if (group_arg) {
		*group_arg++ = '\0';
		c = strchr(group_arg, ':');
		if (c)
			*c = '\0';
	} else {
		group_arg = copy + strlen(copy);
	}
	m.numeric = parse_go_int(m.arg, &m.id);
	each_line(passwd, match_user, &m);
	if (m.found) {
		u.uid = m.e.uid;
		u.gid = m.e.gid;
	} else if (*m.arg) {
		if (!m.numeric)
			return cpod_err(err, CPOD_ERR_INVALID, 0, "unable to find user %s: %s",
					m.arg, "no matching entries in passwd file");
		if (m.id < 0 || m.id > USERLOOKUP_MAX_ID)
			return range_error(err);
		u.uid = (uint32_t)m.id;
	}
	u.home = m.home ? m.home : xstrdup("");
	r = 0;
	if (*group_arg || m.name)
		r = resolve_group(group_arg, m.name ? m.name : "", group, &u, err);
	free(m.name);
	if (r < 0) {
		exec_user_release(&u);
		return -1;
	}
	*ret = u;
	return 0;
}

/* ---- --group-add ---- */

struct add_match {
	const char *arg;
	bool found;
	uint32_t gid;
};

static int match_add(char *line, void *ud)
{
	struct add_match *m = ud;
	char num[16];
	group_entry g;

	if (userlookup_parse_group_line(line, &g) != 1)
		return 0;
	snprintf(num, sizeof(num), "%" PRIu32, g.gid);
	if (strcmp(g.name, m->arg) != 0 && strcmp(num, m->arg) != 0)
		return 0;
	m->found = true;
	m->gid = g.gid;
	return 1;
}

int userlookup_groups(const char *const *groups, size_t n, const userlookup_file *group,
		      uint32_t **ret, size_t *ret_n, cpod_error **err)
{
	_cleanup_free_ uint32_t *gids = NULL;
	size_t n_gids = 0;

	for (size_t i = 0; i < n; i++) {
		struct add_match m = { .arg = groups[i] };
		int64_t id;

		each_line(group, match_add, &m);
		if (!m.found) {
			if (!parse_go_int(m.arg, &id))
				return cpod_err(err, CPOD_ERR_INVALID, 0,
						"unable to find group %s: %s", m.arg,
						"no matching entries in group file");
			if (id < 0 || id > USERLOOKUP_MAX_ID)
				return range_error(err);
			m.gid = (uint32_t)id;
		}
		push_id(&gids, &n_gids, m.gid);
	}
	*ret = TAKE_PTR(gids);
	*ret_n = n_gids;
	return 0;
}

/* ---- reading the files ---- */

static int read_fd(int fd, const char *what, userlookup_file *f, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading %s", what);
	if (!S_ISREG(st.st_mode))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "reading %s: not a regular file", what);
	buf_init(&b, USERLOOKUP_FILE_CAP);
	if (st.st_size > (off_t)USERLOOKUP_FILE_CAP || buf_read_fd(&b, fd) < 0) {
		int e = st.st_size > (off_t)USERLOOKUP_FILE_CAP ? EFBIG : errno;

		if (e == EFBIG)
			return cpod_err(err, CPOD_ERR_INVALID, EFBIG,
					"reading %s: larger than %u bytes", what,
					USERLOOKUP_FILE_CAP);
		return cpod_err(err, CPOD_ERR_SYSTEM, e, "reading %s", what);
	}
	f->data = buf_detach(&b, &f->len);
	return 0;
}

/* Errors that mean "there is no such file here", as runc treats every open failure. */
static bool missing_errno(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP || e == EACCES;
}

int userlookup_read_in_root(int rootfd, const char *path, userlookup_file *f, cpod_error **err)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	_cleanup_free_ char *what = xasprintf("'%s' of the container", path);
	_cleanup_close_ int fd = -1;

	f->data = NULL;
	f->len = 0;
	/* O_NONBLOCK: a FIFO planted at the path must not hang the open. */
	fd = fs_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &e);
	if (fd < 0) {
		if (missing_errno(cpod_error_errno(e)))
			return 0;
		return cpod_err(err, cpod_error_kind(e), cpod_error_errno(e), "reading %s", what);
	}
	return read_fd(fd, what, f, err);
}

int userlookup_read_host(const char *path, userlookup_file *f, cpod_error **err)
{
	_cleanup_free_ char *what = xasprintf("'%s'", path);
	_cleanup_close_ int fd = -1;

	f->data = NULL;
	f->len = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (missing_errno(errno))
			return 0;
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading %s", what);
	}
	return read_fd(fd, what, f, err);
}
