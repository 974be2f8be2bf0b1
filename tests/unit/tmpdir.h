/* Files in a test's temporary directory.  Include after defining the directory's mkdtemp
 * template, which the test creates with mkdtemp(tmp) before use:
 *
 *	static char tmp[] = "/tmp/cpod-test-NAME-XXXXXX";
 *	#include "tmpdir.h"
 */
#ifndef CPOD_TEST_TMPDIR_H
#define CPOD_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

/* tmp/rel, a new string. */
static inline char *path_of(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

/* Writes text to tmp/rel, creating the directories on the way. */
static inline void write_file(const char *rel, const char *text)
{
	_cleanup_free_ char *p = path_of(rel);
	FILE *f;

	for (char *s = strchr(p + strlen(tmp) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static inline int tmpdir_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Empties tmp (removes and recreates it). */
static inline void clean_dir(void)
{
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(tmp, 0700);
}

#endif
