#include "oci/ociruntime.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/spawn.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* How much of a runtime's output is kept: `state` prints a few hundred bytes, errors a line. */
#define OUT_CAP (1 << 20)
#define ERR_CAP (64 * 1024)

struct oci_rt {
	const oci_rt_ops *ops;
	void *userdata;
	char *path;
	char *name;
	char **global_args;
};

static const oci_rt_ops cli_ops;

oci_rt *oci_rt_new_with_ops(const oci_rt_ops *ops, void *userdata, const char *path,
			    const char *name, const char *const *global_args)
{
	oci_rt *rt = xcalloc(1, sizeof(*rt));
	const char *slash = strrchr(path, '/');

	rt->ops = ops;
	rt->userdata = userdata;
	rt->path = xstrdup(path);
	rt->name = xstrdup(name ? name : slash ? slash + 1 : path);
	rt->global_args = strv_copy(global_args ? global_args : (const char *const[]){ NULL });
	return rt;
}

oci_rt *oci_rt_new(const char *path, const char *name, const char *const *global_args)
{
	return oci_rt_new_with_ops(&cli_ops, NULL, path, name, global_args);
}

void oci_rt_free(oci_rt *rt)
{
	if (!rt)
		return;
	free(rt->path);
	free(rt->name);
	strv_free(rt->global_args);
	free(rt);
}

const char *oci_rt_path(const oci_rt *rt)
{
	return rt->path;
}

const char *oci_rt_name(const oci_rt *rt)
{
	return rt->name;
}

const char *const *oci_rt_global_args(const oci_rt *rt)
{
	return (const char *const *)rt->global_args;
}

void *oci_rt_userdata(const oci_rt *rt)
{
	return rt->userdata;
}

int oci_rt_start(oci_rt *rt, const char *id, cpod_error **err)
{
	return rt->ops->start(rt, id, err);
}

int oci_rt_kill(oci_rt *rt, const char *id, int sig, bool all, cpod_error **err)
{
	return rt->ops->kill(rt, id, sig, all, err);
}

int oci_rt_delete(oci_rt *rt, const char *id, bool force, cpod_error **err)
{
	cpod_error *first = NULL;

	if (!force)
		return rt->ops->del(rt, id, false, err);
	if (rt->ops->del(rt, id, true, &first) == 0)
		return 0;
	/* conmon.md 8.14: crun delete --force once failed right after the container exited and
	 * worked when asked again. */
	if (cpod_error_kind(first) == CPOD_ERR_NOT_FOUND) {
		if (err && !*err)
			*err = first;
		else
			cpod_error_free(first);
		return -1;
	}
	log_debug("%s delete --force '%s' failed (%s), trying once more", rt->name, id,
		  cpod_error_message(first));
	cpod_error_free(first);
	return rt->ops->del(rt, id, true, err);
}

int oci_rt_pause(oci_rt *rt, const char *id, cpod_error **err)
{
	return rt->ops->pause(rt, id, err);
}

int oci_rt_resume(oci_rt *rt, const char *id, cpod_error **err)
{
	return rt->ops->resume(rt, id, err);
}

int oci_rt_state(oci_rt *rt, const char *id, oci_state *ret, cpod_error **err)
{
	return rt->ops->state(rt, id, ret, err);
}

static const char *const status_names[] = {
	[OCI_STATUS_UNKNOWN] = "unknown", [OCI_STATUS_CREATING] = "creating",
	[OCI_STATUS_CREATED] = "created", [OCI_STATUS_RUNNING] = "running",
	[OCI_STATUS_PAUSED] = "paused",	  [OCI_STATUS_STOPPED] = "stopped",
};

const char *oci_status_name(oci_status s)
{
	if ((size_t)s >= ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[s];
}

oci_status oci_status_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_SIZE(status_names); i++)
		if (strcmp(s, status_names[i]) == 0)
			return (oci_status)i;
	return OCI_STATUS_UNKNOWN;
}

/* ---- reading the runtime's messages ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_utf8(buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_addch(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addch(b, (char)(0xc0 | (cp >> 6)));
		buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(b, (char)(0xe0 | (cp >> 12)));
		buf_addch(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(b, (char)(0xf0 | (cp >> 18)));
		buf_addch(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addch(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Reads n hex digits at *p into *ret. */
static int read_hex(const char **p, const char *end, int n, uint32_t *ret)
{
	uint32_t v = 0;

	if (end - *p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		int h = hexval((*p)[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*p += n;
	*ret = v;
	return 0;
}

/* One escape of a Go quoted string (strconv.Quote, which logrus uses), *p after the '\'. */
static int unquote_escape(const char **p, const char *end, buf *out)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''";
	const char *s;
	uint32_t cp;
	char c;

	if (*p >= end)
		return -1;
	c = *(*p)++;
	for (s = simple; *s; s += 2)
		if (*s == c)
			return buf_addch(out, s[1]);
	if (c == 'x' || c == 'u' || c == 'U') {
		if (read_hex(p, end, c == 'x' ? 2 : c == 'u' ? 4 : 8, &cp) < 0)
			return -1;
		if (c == 'x')
			return buf_addch(out, (char)cp);
		add_utf8(out, cp > 0x10ffff ? 0xfffd : cp);
		return 0;
	}
	if (c >= '0' && c <= '7' && end - *p >= 2) {
		cp = (uint32_t)(c - '0') << 6 | (uint32_t)((*p)[0] - '0') << 3 |
		     (uint32_t)((*p)[1] - '0');
		*p += 2;
		return buf_addch(out, (char)cp);
	}
	return -1;
}

/* A Go quoted string starting at *p (the opening '"'); the text goes to out. */
static int unquote(const char **p, const char *end, buf *out)
{
	if (*p >= end || **p != '"')
		return -1;
	(*p)++;
	while (*p < end) {
		char c = *(*p)++;

		if (c == '"')
			return 0;
		if (c != '\\')
			buf_addch(out, c);
		else if (unquote_escape(p, end, out) < 0)
			return -1;
	}
	return -1;
}

/* A logrus text line: key=value pairs, values bare or quoted.  Sets level and msg (new
 * strings) when it is one; returns -1 when the line is something else. */
static int parse_logrus_text(const char *s, const char *end, char **ret_level, char **ret_msg)
{
	_cleanup_buf_ buf level = BUF_INIT, msg = BUF_INIT;
	bool have_msg = false;

	while (s < end) {
		const char *key = s;
		buf *dst = NULL;
		_cleanup_buf_ buf val = BUF_INIT;

		while (s < end && *s != '=' && *s != ' ')
			s++;
		if (s >= end || *s != '=' || s == key)
			return -1;
		if (s - key == 5 && memcmp(key, "level", 5) == 0)
			dst = &level;
		else if (s - key == 3 && memcmp(key, "msg", 3) == 0)
			dst = &msg, have_msg = true;
		s++;
		if (s < end && *s == '"') {
			if (unquote(&s, end, &val) < 0)
				return -1;
		} else {
			const char *v = s;
			while (s < end && *s != ' ')
				s++;
			buf_add(&val, v, (size_t)(s - v));
		}
		if (dst) {
			buf_reset(dst);
			buf_add(dst, val.s, val.len);
		}
		while (s < end && *s == ' ')
			s++;
	}
	if (!have_msg)
		return -1;
	*ret_level = buf_detach(&level, NULL);
	*ret_msg = buf_detach(&msg, NULL);
	return 0;
}

static int parse_json_line(const char *s, const char *end, char **ret_level, char **ret_msg)
{
	_cleanup_json_ json_object *doc = json_parse_bytes(s, (size_t)(end - s), ERR_CAP, NULL);
	json_cur root = json_cur_root(doc);
	const char *level, *msg;

	if (!doc || json_get_string(&root, "msg", &msg, NULL) < 0 ||
	    json_get_string_opt(&root, "level", "", &level, NULL) < 0)
		return -1;
	*ret_level = xstrdup(level);
	*ret_msg = xstrdup(msg);
	return 0;
}

static bool is_error_level(const char *level)
{
	return str_eq(level, "error") || str_eq(level, "fatal") || str_eq(level, "panic");
}

static void trim(const char **s, const char **end)
{
	while (*s < *end && strchr(" \t\r\n", **s))
		(*s)++;
	while (*end > *s && strchr(" \t\r\n", (*end)[-1]))
		(*end)--;
}

char *oci_rt_stderr_message(const char *text, size_t len)
{
	_cleanup_free_ char *last_error = NULL, *last_msg = NULL;
	_cleanup_buf_ buf plain = BUF_INIT;
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *s = line, *e = nl ? nl : end;
		char *level = NULL, *msg = NULL;

		line = nl ? nl + 1 : end;
		trim(&s, &e);
		if (s == e)
			continue;
		if ((*s == '{' && parse_json_line(s, e, &level, &msg) == 0) ||
		    parse_logrus_text(s, e, &level, &msg) == 0) {
			if (is_error_level(level)) {
				free(last_error);
				last_error = xstrdup(msg);
			}
			free(last_msg);
			last_msg = msg;
			free(level);
			continue;
		}
		if (plain.len)
			buf_addch(&plain, '\n');
		buf_add(&plain, s, (size_t)(e - s));
	}
	if (last_error)
		return TAKE_PTR(last_error);
	if (plain.len)
		return buf_detach(&plain, NULL);
	return last_msg ? TAKE_PTR(last_msg) : xstrdup("");
}

/* ---- running the runtime ---- */

static int read_some(int *fd, buf *b, size_t cap)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (b->len < cap)
		buf_add(b, chunk, (size_t)n > cap - b->len ? cap - b->len : (size_t)n);
	return 0;
}

/* Reads the child's stdout and stderr until both end. */
static int drain(spawn *sp, buf *out, buf *errtext)
{
	struct pollfd pfd[2] = { { .fd = TAKE_FD(sp->out.fd), .events = POLLIN },
				 { .fd = TAKE_FD(sp->err.fd), .events = POLLIN } };
	int r = 0;

	while (r == 0 && (pfd[0].fd >= 0 || pfd[1].fd >= 0)) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		if (pfd[0].revents && read_some(&pfd[0].fd, out, OUT_CAP) < 0)
			r = -1;
		if (r == 0 && pfd[1].revents && read_some(&pfd[1].fd, errtext, ERR_CAP) < 0)
			r = -1;
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return r;
}

static cpod_errkind message_kind(const char *msg)
{
	if (strcasestr(msg, "does not exist") || strcasestr(msg, "no such file or directory"))
		return CPOD_ERR_NOT_FOUND;
	if (strcasestr(msg, "not running"))
		return CPOD_ERR_STATE;
	return CPOD_ERR_SYSTEM;
}

static int failed(oci_rt *rt, const char *verb, const char *id, int status, const buf *errtext,
		  cpod_error **err)
{
	_cleanup_free_ char *msg = oci_rt_stderr_message(errtext->s, errtext->len);

	if (!*msg) {
		free(msg);
		msg = status > 128 ? xasprintf("killed by signal %d", status - 128)
				   : xasprintf("exit status %d", status);
	}
	return cpod_err(err, message_kind(msg), 0, "%s %s '%s': %s", rt->name, verb, id, msg);
}

/* Runs `path global... verb opts... id tail...`; stdout goes to out (NULL: dropped). */
static int run(oci_rt *rt, const char *verb, const char *const *opts, const char *id,
	       const char *const *tail, buf *out, cpod_error **err)
{
	_cleanup_strv_ strv argv = STRV_INIT;
	_cleanup_buf_ buf errtext = BUF_INIT, ignored = BUF_INIT;
	_cleanup_spawn_ spawn sp = { .in.fd = -1, .out.fd = -1, .err.fd = -1 };
	int status, r;

	strv_push(&argv, rt->path);
	strv_pushv(&argv, (const char *const *)rt->global_args);
	strv_push(&argv, verb);
	if (opts)
		strv_pushv(&argv, opts);
	strv_push(&argv, id);
	if (tail)
		strv_pushv(&argv, tail);
	spawn_init(&sp, (const char *const *)argv.v);
	sp.in.mode = SPAWN_NULL;
	sp.out.mode = SPAWN_PIPE;
	sp.err.mode = SPAWN_PIPE;
	if (spawn_start(&sp, err) < 0)
		return cpod_err_prefix(err, "%s %s '%s'", rt->name, verb, id);
	r = drain(&sp, out ? out : &ignored, &errtext);
	if (r < 0) {
		cpod_err(err, CPOD_ERR_SYSTEM, errno, "%s %s '%s': reading its output", rt->name,
			 verb, id);
		spawn_kill(&sp, SIGKILL);
	}
	if (spawn_wait(&sp, &status, r < 0 ? NULL : err) < 0 || r < 0)
		return -1;
	if (status != 0)
		return failed(rt, verb, id, status, &errtext, err);
	return 0;
}

static int cli_start(oci_rt *rt, const char *id, cpod_error **err)
{
	return run(rt, "start", NULL, id, NULL, NULL, err);
}

static int cli_kill(oci_rt *rt, const char *id, int sig, bool all, cpod_error **err)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", sig);
	return run(rt, "kill", all ? (const char *const[]){ "--all", NULL } : NULL, id,
		   (const char *const[]){ num, NULL }, NULL, err);
}

static int cli_delete(oci_rt *rt, const char *id, bool force, cpod_error **err)
{
	return run(rt, "delete", force ? (const char *const[]){ "--force", NULL } : NULL, id, NULL,
		   NULL, err);
}

static int cli_pause(oci_rt *rt, const char *id, cpod_error **err)
{
	return run(rt, "pause", NULL, id, NULL, NULL, err);
}

static int cli_resume(oci_rt *rt, const char *id, cpod_error **err)
{
	return run(rt, "resume", NULL, id, NULL, NULL, err);
}

static int cli_state(oci_rt *rt, const char *id, oci_state *ret, cpod_error **err)
{
	_cleanup_buf_ buf out = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	json_cur root;
	const char *status;
	int64_t pid;
	oci_status st;

	if (run(rt, "state", NULL, id, NULL, &out, err) < 0)
		return -1;
	doc = json_parse_bytes(out.s, out.len, OUT_CAP, err);
	root = json_cur_root(doc);
	if (!doc || json_get_string(&root, "status", &status, err) < 0 ||
	    json_get_int64_opt(&root, "pid", 0, &pid, err) < 0)
		return cpod_err_prefix(err, "%s state '%s'", rt->name, id);
	st = oci_status_parse(status);
	if (st == OCI_STATUS_UNKNOWN)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0,
				"%s state '%s': unrecognized status '%s'", rt->name, id, status);
	if (pid < 0 || pid > INT32_MAX)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "%s state '%s': bad pid %lld", rt->name,
				id, (long long)pid);
	*ret = (oci_state){ .status = st, .pid = (pid_t)pid };
	return 0;
}

static const oci_rt_ops cli_ops = {
	.start = cli_start,
	.kill = cli_kill,
	.del = cli_delete,
	.pause = cli_pause,
	.resume = cli_resume,
	.state = cli_state,
};
