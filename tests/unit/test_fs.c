#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "tap.h"

/* Layout, under a fresh directory T in /tmp:
 *   T/outside/secret            must never be reached or removed
 *   T/root/etc/passwd           "inside"
 *   T/root/...                  the symlinks made in make_root() */
static char top[64];
static int topfd = -1;
static int rootfd = -1;
static bool can_mount;

static void mk(const char *path, const char *content)
{
	int fd = openat(topfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, content, strlen(content)) < 0)
		diag("cannot create %s", path);
	close(fd);
}

static void ln(const char *target, const char *path)
{
	if (symlinkat(target, topfd, path) < 0)
		diag("cannot link %s", path);
}

static void make_root(void)
{
	char name[32];

	mkdirat(topfd, "outside", 0755);
	mk("outside/secret", "secret");
	mk("passwd", "outside the root");
	mkdirat(topfd, "root", 0755);
	mkdirat(topfd, "root/etc", 0755);
	mkdirat(topfd, "root/dir", 0755);
	mkdirat(topfd, "root/dir/sub", 0755);
	mk("root/etc/passwd", "inside");
	mk("root/file", "file");
	ln("/", "root/link_root");
	ln("../../..", "root/link_up");
	ln("chain2", "root/chain1");
	ln("dir/../chain3", "root/chain2");
	ln("/etc/passwd", "root/chain3");
	ln("../etc", "root/dir/rel");
	ln("loop2", "root/loop1");
	ln("loop1", "root/loop2");
	ln("../../../../created", "root/dangling");
	ln("/etc/excl", "root/dangling_excl");
	ln("/nodir/x", "root/dangling_deep");
	ln("../../outside", "root/to_outside");
	/* long40 -> long39 -> ... -> long1 -> etc/passwd: 40 links; long41 is one too many. */
	ln("etc/passwd", "root/long1");
	for (int i = 2; i <= 41; i++) {
		char target[32];

		snprintf(target, sizeof(target), "long%d", i - 1);
		snprintf(name, sizeof(name), "root/long%d", i);
		ln(target, name);
	}
	rootfd = openat(topfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static char *read_fd(int fd)
{
	buf b = BUF_INIT;

	if (buf_read_fd(&b, fd) < 0)
		buf_adds(&b, "(read error)");
	return buf_detach(&b, NULL);
}

/* Opens path in the root for reading and returns its content, or the errno as "E<n>". */
static char *cat_in_root(const char *path)
{
	cpod_error *e = NULL;
	int fd = fs_open_in_root(rootfd, path, O_RDONLY, 0, &e);
	char *s;

	if (fd < 0) {
		s = xasprintf("E%d", cpod_error_errno(e));
		cpod_error_free(e);
		return s;
	}
	s = read_fd(fd);
	close(fd);
	return s;
}

static void reads(const char *path, const char *want, const char *mode)
{
	_cleanup_free_ char *got = cat_in_root(path);

	is_str(got, want, "%s: '%s'", mode, path);
}

static bool same_file(int fd, int dirfd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, path, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool exists(const char *path)
{
	struct stat st;

	return fstatat(topfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_escapes(const char *m)
{
	_cleanup_free_ char *e_loop = xasprintf("E%d", ELOOP);
	_cleanup_free_ char *e_notdir = xasprintf("E%d", ENOTDIR);
	_cleanup_free_ char *e_noent = xasprintf("E%d", ENOENT);

	reads("etc/passwd", "inside", m);
	reads("../../etc/passwd", "inside", m);
	reads("/etc/passwd", "inside", m);
	reads("/../../../etc/passwd", "inside", m);
	reads("link_root/etc/passwd", "inside", m);
	reads("link_up/etc/passwd", "inside", m);
	reads("link_up/link_up/../passwd", e_noent, m);
	reads("chain1", "inside", m);
	reads("dir/rel/passwd", "inside", m);
	reads("dir/sub/../../etc/./passwd", "inside", m);
	reads("to_outside/secret", e_noent, m);
	reads("long40", "inside", m);
	reads("long41", e_loop, m);
	reads("loop1", e_loop, m);
	reads("file/x", e_notdir, m);
	reads("etc/passwd/", e_notdir, m);
	reads("missing/x", e_noent, m);
	reads("", e_noent, m);
}

static void test_dirs_and_create(const char *m)
{
	cpod_error *e = NULL;
	int fd;

	fd = fs_open_in_root(rootfd, "/", O_RDONLY | O_DIRECTORY, 0, &e);
	ok(fd >= 0 && same_file(fd, topfd, "root"), "%s: '/' is the root", m);
	close(fd);
	fd = fs_open_in_root(rootfd, "link_root/..", O_PATH, 0, &e);
	ok(fd >= 0 && same_file(fd, topfd, "root"), "%s: a symlink to '/' then '..' is the root",
	   m);
	close(fd);
	fd = fs_open_in_root(rootfd, "link_up", O_PATH | O_DIRECTORY, 0, &e);
	ok(fd >= 0 && same_file(fd, topfd, "root"), "%s: '../../..' is the root", m);
	close(fd);

	fd = fs_open_in_root(rootfd, "dangling", O_WRONLY | O_CREAT, 0644, &e);
	ok(fd >= 0, "%s: O_CREAT through a dangling symlink", m);
	close(fd);
	ok(exists("root/created") && !exists("created") && !exists("../created"),
	   "%s: created inside the root only", m);
	unlinkat(topfd, "root/created", 0);

	fd = fs_open_in_root(rootfd, "dangling_excl", O_WRONLY | O_CREAT | O_EXCL, 0644, &e);
	ok(fd < 0 && cpod_error_errno(e) == EEXIST && !exists("root/etc/excl"),
	   "%s: O_EXCL does not follow a dangling symlink", m);
	cpod_error_freep(&e);
	fd = fs_open_in_root(rootfd, "dangling_deep", O_WRONLY | O_CREAT, 0644, &e);
	ok(fd < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "%s: missing directory: not found",
	   m);
	is_str(cpod_error_message(e), "opening 'dangling_deep': No such file or directory",
	       "%s: message names the path", m);
	cpod_error_freep(&e);
	fd = fs_open_in_root(rootfd, "chain1", O_RDONLY | O_NOFOLLOW, 0, &e);
	ok(fd < 0 && cpod_error_errno(e) == ELOOP, "%s: O_NOFOLLOW refuses a final symlink", m);
	cpod_error_freep(&e);
	fd = fs_open_in_root(rootfd, "newdir/", O_WRONLY | O_CREAT, 0644, &e);
	ok(fd < 0 && cpod_error_errno(e) == EISDIR, "%s: O_CREAT with a trailing slash", m);
	cpod_error_freep(&e);
	fd = fs_open_in_root(rootfd, "/dir/sub/new", O_WRONLY | O_CREAT | O_EXCL, 0600, &e);
	ok(fd >= 0 && exists("root/dir/sub/new"), "%s: plain create", m);
	close(fd);
	unlinkat(topfd, "root/dir/sub/new", 0);
}

static void test_mkdir_in_root(const char *m)
{
	cpod_error *e = NULL;
	int fd = -1;

	ok(fs_mkdir_p_in_root(rootfd, "a/b/c", 0755, &fd, &e) == 0, "%s: mkdir -p in root", m);
	ok(same_file(fd, topfd, "root/a/b/c"), "%s: the descriptor is the new directory", m);
	close(fd);
	ok(fs_mkdir_p_in_root(rootfd, "a/b/c/", 0755, NULL, &e) == 0, "%s: existing is fine", m);
	ok(fs_mkdir_p_in_root(rootfd, "link_root/x/../y/z", 0755, NULL, &e) == 0 &&
		   exists("root/y/z") && exists("root/x") && !exists("y"),
	   "%s: through a symlink to '/'", m);
	ok(fs_mkdir_p_in_root(rootfd, "link_up/../up2", 0755, NULL, &e) == 0 &&
		   exists("root/up2") && !exists("up2"),
	   "%s: through '../../..'", m);
	ok(fs_mkdir_p_in_root(rootfd, "file/x", 0755, NULL, &e) < 0 &&
		   cpod_error_errno(e) == ENOTDIR,
	   "%s: a file on the way", m);
	cpod_error_freep(&e);
	ok(fs_mkdir_p_in_root(rootfd, "dangling_deep", 0755, NULL, &e) < 0 &&
		   cpod_error_errno(e) == EEXIST && !exists("root/nodir"),
	   "%s: a dangling symlink is not replaced", m);
	is_str(cpod_error_message(e), "creating directory 'dangling_deep': File exists",
	       "%s: message", m);
	cpod_error_freep(&e);
	fs_rm_rf_at(topfd, "root/a");
	fs_rm_rf_at(topfd, "root/x");
	fs_rm_rf_at(topfd, "root/y");
	fs_rm_rf_at(topfd, "root/up2");
}

static void parent_is(const char *path, bool create, const char *dir, const char *base,
		      const char *m)
{
	cpod_error *e = NULL;
	char *got = NULL;
	int fd = fs_open_parent_in_root(rootfd, path, create, &got, &e);

	ok(fd >= 0 && same_file(fd, topfd, dir), "%s: parent of '%s' is %s", m, path, dir);
	is_str(got, base, "%s: base of '%s'", m, path);
	if (e)
		diag("%s", cpod_error_message(e));
	if (fd >= 0)
		close(fd);
	free(got);
	cpod_error_free(e);
}

static void test_parent(const char *m)
{
	cpod_error *e = NULL;
	char *base = NULL;
	int fd;

	parent_is("etc/passwd", false, "root/etc", "passwd", m);
	parent_is("./link_root/etc/new", false, "root/etc", "new", m);
	parent_is("../../x", false, "root", "x", m);
	parent_is("dir/sub//", false, "root/dir", "sub", m);
	parent_is("chain1", false, "root", "chain1", m);
	parent_is("/p/q/r/file", true, "root/p/q/r", "file", m);
	fd = fs_open_parent_in_root(rootfd, "/p/q/r/file", false, &base, &e);
	ok(fd >= 0, "%s: existing parents need no creation", m);
	ok(fd >= 0 && symlinkat("/etc", fd, base) == 0 && exists("root/p/q/r/file"),
	   "%s: the O_PATH descriptor works with symlinkat()", m);
	if (fd >= 0)
		close(fd);
	free(base);
	base = NULL;
	fs_rm_rf_at(topfd, "root/p");
	fd = fs_open_parent_in_root(rootfd, "nope/file", false, &base, &e);
	ok(fd < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND && !base,
	   "%s: missing parent without create_parents", m);
	cpod_error_freep(&e);
	for (const char *const *p = (const char *const[]){ "", "/", ".", "a/..", "//", NULL }; *p;
	     p++) {
		fd = fs_open_parent_in_root(rootfd, *p, true, &base, &e);
		ok(fd < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID,
		   "%s: '%s' has no last component", m, *p);
		cpod_error_freep(&e);
	}
}

static void test_magic_links(const char *m)
{
	_cleanup_free_ char *got = NULL;

	if (!can_mount) {
		ok(1, "%s: magic links # SKIP cannot mount proc", m);
		return;
	}
	/* With proc mounted inside the root, proc/self/root is a magic link to the host's /. */
	got = cat_in_root("proc/self/root/passwd");
	ok(strcmp(got, "outside the root") != 0, "%s: magic link not followed out (%s)", m, got);
	free(got);
	got = cat_in_root("proc/self/cwd/passwd");
	ok(strcmp(got, "outside the root") != 0, "%s: cwd magic link not followed out (%s)", m,
	   got);
}

static void test_root_both_ways(void)
{
	if (can_mount) {
		mkdirat(topfd, "root/proc", 0755);
		if (mount("proc", "root/proc", "proc", 0, NULL) < 0)
			can_mount = false;
	}
	for (int fallback = 0; fallback < 2; fallback++) {
		const char *m = fallback ? "fallback" : "openat2";

		fs_force_fallback(fallback);
		test_escapes(m);
		test_dirs_and_create(m);
		test_mkdir_in_root(m);
		test_parent(m);
		test_magic_links(m);
	}
	fs_force_fallback(false);
	if (can_mount)
		umount2("root/proc", MNT_DETACH);
	ok(!exists("created") && !exists("etc") && !exists("nodir"), "nothing created outside");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_write_atomic(void)
{
	cpod_error *e = NULL;
	struct stat st1, st2;
	buf b = BUF_INIT;
	mode_t old = umask(022);

	mkdirat(topfd, "w", 0755);
	mkdirat(topfd, "w/sub", 0755);
	ok(fs_write_atomic(topfd, "w/f", "one", 3, 0666, true, &e) == 0, "atomic write, new file");
	ok(fstatat(topfd, "w/f", &st1, 0) == 0 && (st1.st_mode & 07777) == 0666, "mode exact, "
										 "umask ignored");
	ok(fs_write_atomic(topfd, "w/f", "second", 6, 0600, false, &e) == 0, "replace");
	ok(fstatat(topfd, "w/f", &st2, 0) == 0 && st2.st_ino != st1.st_ino &&
		   (st2.st_mode & 07777) == 0600,
	   "replaced by rename");
	ok(fs_read_file("w/f", 0, &b, &e) == 0, "read back");
	is_str(b.s, "second", "new content");
	ok(fs_write_atomic(AT_FDCWD, "w/sub/g", "", 0, 0644, true, &e) == 0, "AT_FDCWD, empty "
									     "data");
	ok(fs_write_atomic(topfd, "w/sub", "x", 1, 0644, false, &e) < 0 &&
		   cpod_error_errno(e) == EISDIR,
	   "replacing a directory fails");
	is_str(cpod_error_message(e), "writing 'w/sub': Is a directory", "message");
	cpod_error_freep(&e);
	ok(fs_write_atomic(topfd, "nodir/f", "x", 1, 0644, false, &e) < 0 &&
		   cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "missing directory");
	cpod_error_freep(&e);
	is_int(count_entries("w"), 2, "no temporary file left in w");
	is_int(count_entries("w/sub"), 1, "no temporary file left in w/sub");
	buf_release(&b);
	umask(old);
}

static void test_mkdir_p(void)
{
	struct stat st;

	ok(fs_mkdir_p("m/a/b//c/", 0700) == 0, "mkdir -p nested");
	ok(stat("m/a/b/c", &st) == 0 && S_ISDIR(st.st_mode), "created");
	ok(fs_mkdir_p("m/a/b/c", 0700) == 0, "existing is fine");
	ok(fs_mkdir_p("m", 0700) == 0, "existing single is fine");
	mk("m/file", "");
	errno = 0;
	ok(fs_mkdir_p("m/file/x", 0700) == -1 && errno == ENOTDIR, "file on the way: ENOTDIR");
	errno = 0;
	ok(fs_mkdir_p("m/file", 0700) == -1 && errno == ENOTDIR, "existing file: ENOTDIR");
	errno = 0;
	ok(fs_mkdir_p("", 0700) == -1 && errno == ENOENT, "empty path: ENOENT");
	ok(fs_mkdir_p(top, 0700) == 0, "absolute existing path");
}

static void test_rm_rf(void)
{
	mkdirat(topfd, "t", 0755);
	mkdirat(topfd, "t/d1", 0755);
	mkdirat(topfd, "t/d1/d2", 0);
	mk("t/d1/f", "x");
	mkfifoat(topfd, "t/d1/fifo", 0600);
	ln("../../outside", "t/d1/to_outside");
	ln("/", "t/d1/to_root");
	ln("../outside/secret", "t/top_link");
	ok(fs_rm_rf_at(topfd, "t/top_link") == 0 && !exists("t/top_link") &&
		   exists("outside/secret"),
	   "a symlink is removed, not followed");
	ok(fs_rm_rf_at(topfd, "t") == 0 && !exists("t"), "tree removed");
	ok(exists("outside/secret"), "symlinked directory left alone");
	ok(fs_rm_rf_at(topfd, "t") == 0, "missing name is success");
	mk("single", "x");
	ok(fs_rm_rf_at(topfd, "single") == 0 && !exists("single"), "a single file");
	if (!can_mount) {
		ok(1, "mount points # SKIP cannot mount");
		return;
	}
	mkdirat(topfd, "t", 0755);
	mkdirat(topfd, "t/mnt", 0755);
	mk("t/f", "x");
	ok(mount("outside", "t/mnt", NULL, MS_BIND, NULL) == 0, "bind mount in the tree");
	errno = 0;
	ok(fs_rm_rf_at(topfd, "t") == -1 && errno == EBUSY, "mount point: EBUSY");
	ok(exists("outside/secret") && exists("t/mnt/secret"), "nothing removed across the mount");
	ok(!exists("t/f"), "the rest removed");
	umount2("t/mnt", MNT_DETACH);
	ok(fs_rm_rf_at(topfd, "t") == 0 && !exists("t"), "after unmounting, all removed");
}

/* As an unprivileged owner, directories with mode 000 (as layers have) are removed too. */
static void test_rm_rf_unreadable(void)
{
	const uid_t nobody = 65534;
	int ws = -1;
	pid_t pid;

	if (geteuid() != 0) {
		ok(1, "unreadable directories # SKIP needs root to switch users");
		return;
	}
	mkdirat(topfd, "u", 0755);
	mkdirat(topfd, "u/d", 0755);
	mkdirat(topfd, "u/d/locked", 0755);
	mk("u/d/locked/f", "x");
	fchmodat(topfd, "u/d/locked", 0, 0);
	ok(fchownat(topfd, "u", nobody, nobody, 0) == 0 &&
		   fchownat(topfd, "u/d", nobody, nobody, 0) == 0 &&
		   fchownat(topfd, "u/d/locked", nobody, nobody, 0) == 0 &&
		   fchownat(topfd, "u/d/locked/f", nobody, nobody, 0) == 0 && chmod(top, 0711) == 0,
	   "tree owned by nobody");
	pid = fork();
	if (pid == 0)
		_exit(setgid(nobody) == 0 && setuid(nobody) == 0 && fs_rm_rf_at(topfd, "u/d") == 0
			      ? 0
			      : errno);
	ok(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws), "child finished");
	is_int(WEXITSTATUS(ws), 0, "removed as the owner");
	ok(!exists("u/d"), "gone");
	fs_rm_rf_at(topfd, "u");
	chmod(top, 0700);
}

static void test_read_file(void)
{
	cpod_error *e = NULL;
	buf b = BUF_INIT;

	buf_adds(&b, "old");
	mk("r", "0123456789");
	ok(fs_read_file("r", 0, &b, &e) == 0, "read");
	is_str(b.s, "0123456789", "content replaced, not appended");
	ok(fs_read_file("r", 10, &b, &e) == 0 && b.len == 10, "exactly at the cap");
	ok(fs_read_file("r", 9, &b, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID &&
		   cpod_error_errno(e) == EFBIG,
	   "past the cap");
	is_str(cpod_error_message(e), "reading 'r': larger than 9 bytes: File too large",
	       "message");
	cpod_error_freep(&e);
	ok(fs_read_file("missing", 0, &b, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND,
	   "missing file: not found");
	cpod_error_freep(&e);
	buf_release(&b);
}

int main(void)
{
	/* Mounts (proc in the root, a bind mount for rm -rf) go into a private namespace, gone
	 * when the test exits.  First, so that every descriptor below sees them. */
	can_mount = unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	snprintf(top, sizeof(top), "/tmp/cpod-test-fs-XXXXXX");
	if (!mkdtemp(top) || chdir(top) < 0)
		return 1;
	topfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	make_root();
	test_root_both_ways();
	test_write_atomic();
	test_mkdir_p();
	test_rm_rf();
	test_rm_rf_unreadable();
	test_read_file();
	close(rootfd);
	ok(chdir("/") == 0 && fs_rm_rf_at(AT_FDCWD, top) == 0, "temporary directory removed");
	close(topfd);
	return done_testing();
}
