#include "oci/cgroup.h"

#include <dirent.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "common/banned.h"

static long fs_type(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return -1;
	return (long)st.f_type;
}

cgroup_mode cgroup_detect_mode(const char *root)
{
	_cleanup_free_ char *unified = NULL;
	long t = fs_type(root);

	if (t == CGROUP2_SUPER_MAGIC)
		return CGROUP_UNIFIED;
	if (t != TMPFS_MAGIC)
		return CGROUP_UNKNOWN;
	unified = xasprintf("%s/unified", root);
	if (fs_type(unified) == CGROUP2_SUPER_MAGIC)
		return CGROUP_HYBRID;
	return CGROUP_LEGACY;
}

const char *cgroup_version_name(cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_UNIFIED:
		return "v2";
	case CGROUP_LEGACY:
	case CGROUP_HYBRID:
		return "v1";
	default:
		return "unknown";
	}
}

static char **controllers_v2(const char *root)
{
	_cleanup_free_ char *path = xasprintf("%s/cgroup.controllers", root);
	_cleanup_buf_ buf b = BUF_INIT;

	b.cap = 4096;
	if (buf_read_file(&b, path) < 0)
		return strv_split("", " ", 1);
	return strv_split(b.s, " \n", 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A v1 hierarchy directory is a controller when it is a cgroup mount; named hierarchies
 * (name=systemd) and the co-mount symlinks (cpu,cpuacct) are not listed. */
static char **controllers_v1(const char *root)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	strv out = STRV_INIT;
	struct dirent *de;

	if (!d)
		return strv_detach(&out);
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, "unified") == 0 || strcmp(de->d_name, "systemd") == 0)
			continue;
		path = xasprintf("%s/%s", root, de->d_name);
		if (fs_type(path) == CGROUP_SUPER_MAGIC)
			strv_push(&out, de->d_name);
	}
	qsort(out.v, out.n, sizeof(char *), cmp_str);
	return strv_detach(&out);
}

char **cgroup_controllers(const char *root, cgroup_mode mode)
{
	if (mode == CGROUP_UNIFIED)
		return controllers_v2(root);
	return controllers_v1(root);
}
