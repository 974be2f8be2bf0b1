/* `top`: the processes of a container, described with podman's (psgo's) AIX-format
 * descriptors, read from /proc.  A process belongs to the container when it is in the same
 * pid namespace as the container's init. */
#include "engine/container_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "oci/userlookup.h"
#include "common/banned.h"

typedef struct {
	long pid;
	char comm[64];
	char state;
	long ppid, pgid, tty;
	unsigned long long utime, stime, starttime, vsize;
	long rss, nice;
	uint32_t uid, gid;
	long nspid, nsppid;
	char *args;
} proc_info;

static const struct {
	const char *name, *header;
} descriptors[] = {
	{ "args", "COMMAND" },	  { "comm", "COMMAND" }, { "etime", "ELAPSED" },
	{ "elapsed", "ELAPSED" }, { "group", "GROUP" },	 { "nice", "NI" },
	{ "pcpu", "%CPU" },	  { "%cpu", "%CPU" },	 { "pgid", "PGID" },
	{ "pid", "PID" },	  { "ppid", "PPID" },	 { "rss", "RSS" },
	{ "state", "STATE" },	  { "time", "TIME" },	 { "tty", "TTY" },
	{ "user", "USER" },	  { "uid", "UID" },	 { "gid", "GID" },
	{ "vsz", "VSZ" },
};

static const char *header_of(const char *d)
{
	for (size_t i = 0; i < sizeof(descriptors) / sizeof(descriptors[0]); i++)
		if (strcmp(descriptors[i].name, d) == 0)
			return descriptors[i].header;
	return NULL;
}

static int read_stat(long pid, proc_info *p)
{
	_cleanup_free_ char *path = xasprintf("/proc/%ld/stat", pid);
	_cleanup_buf_ buf b = BUF_INIT;
	char *open, *close_;

	if (fs_read_file(path, 8192, &b, NULL) < 0)
		return -1;
	open = strchr(b.s, '(');
	close_ = strrchr(b.s, ')');
	if (!open || !close_ || close_ < open)
		return -1;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_ - open - 1), open + 1);
	if (sscanf(close_ + 2,
		   "%c %ld %ld %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %ld %*d %*d "
		   "%llu %llu %ld",
		   &p->state, &p->ppid, &p->pgid, &p->tty, &p->utime, &p->stime, &p->nice,
		   &p->starttime, &p->vsize, &p->rss) != 10)
		return -1;
	p->pid = pid;
	return 0;
}

/* Uid, gid and the pids in the innermost namespace from /proc/PID/status. */
static void read_status(long pid, proc_info *p)
{
	_cleanup_free_ char *path = xasprintf("/proc/%ld/status", pid);
	_cleanup_buf_ buf b = BUF_INIT;
	char *line, *save = NULL;

	p->nspid = pid;
	if (fs_read_file(path, 65536, &b, NULL) < 0)
		return;
	for (line = strtok_r(b.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Uid:", 4) == 0)
			p->uid = (uint32_t)strtoul(line + 4, NULL, 10);
		else if (strncmp(line, "Gid:", 4) == 0)
			p->gid = (uint32_t)strtoul(line + 4, NULL, 10);
		else if (strncmp(line, "NSpid:", 6) == 0) {
			char *last = strrchr(line, '\t');

			p->nspid = strtol(last ? last + 1 : line + 6, NULL, 10);
		}
	}
}

static char *read_args(long pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%ld/cmdline", pid);
	_cleanup_buf_ buf b = BUF_INIT;

	if (fs_read_file(path, 65536, &b, NULL) < 0 || !b.len)
		return NULL;
	for (size_t i = 0; i + 1 < b.len; i++)
		if (!b.s[i])
			b.s[i] = ' ';
	return buf_detach(&b, NULL);
}

/* Go's time.Duration String() rounded as psgo prints it ("1m2.5s", "3.2s", "0s"). */
static char *go_duration(double secs)
{
	long long m = (long long)(secs / 60), h = m / 60;

	if (secs < 0.0005)
		return xstrdup("0s");
	if (h)
		return xasprintf("%lldh%lldm%gs", h, m % 60, secs - (double)m * 60);
	if (m)
		return xasprintf("%lldm%gs", m, secs - (double)m * 60);
	return xasprintf("%gs", secs);
}

static char *name_of(const userlookup_file *f, uint32_t id, bool group)
{
	_cleanup_free_ char *copy = NULL;
	char *line, *save = NULL;

	if (!f->data)
		return xasprintf("%u", id);
	copy = xstrndup(f->data, f->len);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		passwd_entry pw;
		group_entry gr;

		if (!group && userlookup_parse_passwd_line(line, &pw) == 1 && pw.uid == id)
			return xstrdup(pw.name);
		if (group && userlookup_parse_group_line(line, &gr) == 1 && gr.gid == id)
			return xstrdup(gr.name);
	}
	return xasprintf("%u", id);
}

static char *field(const proc_info *p, const char *d, double uptime, const userlookup_file *pw,
		   const userlookup_file *gr)
{
	double hz = (double)sysconf(_SC_CLK_TCK), cpu = (double)(p->utime + p->stime) / hz;
	double age = uptime - (double)p->starttime / hz;

	if (strcmp(d, "pid") == 0)
		return xasprintf("%ld", p->nspid);
	if (strcmp(d, "ppid") == 0)
		return xasprintf("%ld", p->nsppid);
	if (strcmp(d, "user") == 0)
		return name_of(pw, p->uid, false);
	if (strcmp(d, "group") == 0)
		return name_of(gr, p->gid, true);
	if (strcmp(d, "uid") == 0)
		return xasprintf("%u", p->uid);
	if (strcmp(d, "gid") == 0)
		return xasprintf("%u", p->gid);
	if (strcmp(d, "%cpu") == 0 || strcmp(d, "pcpu") == 0)
		return xasprintf("%.3f", age > 0 ? cpu / age * 100 : 0.0);
	if (strcmp(d, "etime") == 0 || strcmp(d, "elapsed") == 0)
		return go_duration(age);
	if (strcmp(d, "time") == 0)
		return go_duration(cpu);
	if (strcmp(d, "tty") == 0)
		return p->tty ? xasprintf("pts/%ld", (long)(p->tty & 0xff)) : xstrdup("?");
	if (strcmp(d, "comm") == 0)
		return xstrdup(p->comm);
	if (strcmp(d, "args") == 0)
		return xstrdup(p->args ? p->args : p->comm);
	if (strcmp(d, "nice") == 0)
		return xasprintf("%ld", p->nice);
	if (strcmp(d, "pgid") == 0)
		return xasprintf("%ld", p->pgid);
	if (strcmp(d, "vsz") == 0)
		return xasprintf("%llu", p->vsize / 1024);
	if (strcmp(d, "rss") == 0)
		return xasprintf("%ld", p->rss * (sysconf(_SC_PAGESIZE) / 1024));
	if (strcmp(d, "state") == 0)
		return xasprintf("%c", p->state);
	return xstrdup("");
}

static double read_uptime(void)
{
	_cleanup_buf_ buf b = BUF_INIT;

	if (fs_read_file("/proc/uptime", 256, &b, NULL) < 0)
		return 0;
	return strtod(b.s, NULL);
}

/* The processes in the pid namespace ns (a /proc/PID/ns/pid link target). */
static size_t list_procs(const char *ns, proc_info **ret)
{
	_cleanup_(closedirp) DIR *d = opendir("/proc");
	proc_info *v = NULL;
	size_t n = 0;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char link[PATH_MAX], target[128];
		ssize_t len;
		long pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = strtol(e->d_name, NULL, 10);
		snprintf(link, sizeof(link), "/proc/%ld/ns/pid", pid);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, ns) != 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		if (read_stat(pid, &v[n]) < 0)
			continue;
		read_status(pid, &v[n]);
		v[n].args = read_args(pid);
		n++;
	}
	*ret = v;
	return n;
}

json_object *cpod_container_top(cpod_runtime *rt, const char *nameorid, const char *const *descs,
				cpod_error **err)
{
	static const char *const def[] = { "user", "pid",  "ppid", "%cpu", "elapsed",
					   "tty",  "time", "comm", NULL };
	_cleanup_free_ char *id = ctr_lookup_id(rt, nameorid, err), *link = NULL;
	_cleanup_(ctr_freep) ctr *c = NULL;
	_cleanup_close_ int rootfd = -1;
	userlookup_file pw = { 0 }, gr = { 0 };
	proc_info *procs = NULL;
	json_object *out, *hdr;
	char ns[128];
	ssize_t len;
	size_t n;
	double up = read_uptime();

	if (!descs || !*descs)
		descs = def;
	for (const char *const *d = descs; *d; d++)
		if (!header_of(*d))
			return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s': unknown descriptor", *d),
			       NULL;
	if (!id || ctr_load(rt, id, &c, err) < 0 || ctr_sync_exit(rt, c, err) < 0)
		return NULL;
	if (c->state != CTR_RUNNING && c->state != CTR_PAUSED)
		return cpod_err(err, CPOD_ERR_STATE, 0,
				"top can only be used on running containers: container state "
				"improper"),
		       NULL;
	link = xasprintf("/proc/%lld/ns/pid", (long long)c->pid);
	len = readlink(link, ns, sizeof(ns) - 1);
	if (len < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading '%s'", link), NULL;
	ns[len] = '\0';
	if (c->mountpoint &&
	    (rootfd = open(c->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		userlookup_read_in_root(rootfd, "/etc/passwd", &pw, NULL);
		userlookup_read_in_root(rootfd, "/etc/group", &gr, NULL);
	}
	n = list_procs(ns, &procs);
	for (size_t i = 0; i < n; i++) {
		procs[i].nsppid = 0;
		for (size_t j = 0; j < n; j++)
			if (procs[j].pid == procs[i].ppid)
				procs[i].nsppid = procs[j].nspid;
	}
	out = json_object_new_array();
	hdr = json_object_new_array();
	for (const char *const *d = descs; *d; d++)
		json_object_array_add(hdr, json_object_new_string(header_of(*d)));
	json_object_array_add(out, hdr);
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_new_array();

		for (const char *const *d = descs; *d; d++) {
			_cleanup_free_ char *v = field(&procs[i], *d, up, &pw, &gr);

			json_object_array_add(row, json_object_new_string(v));
		}
		json_object_array_add(out, row);
		free(procs[i].args);
	}
	free(procs);
	userlookup_file_release(&pw);
	userlookup_file_release(&gr);
	return out;
}
