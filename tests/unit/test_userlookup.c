/* passwd/group parsing, user spec resolution and reading the files inside a rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "oci/userlookup.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-userlookup-XXXXXX";
#include "tmpdir.h"

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "bin:x:1:1:bin:/bin:/sbin/nologin\n"
				  "# a comment\n"
				  "\n"
				  "broken line\n"
				  "evil:x:abc:0::/:/bin/sh\n"
				  "  alice:x:1000:1000:Alice:/home/alice:/bin/sh  \r\n"
				  "alice:x:2000:2000::/dup:/bin/sh\n"
				  "short:x:3000:3000\n";
static const char group_text[] = "root:x:0:root\n"
				 "bin:x:1:root,bin\n"
				 "wheel:x:10:root,alice\n"
				 "bad:x:zz:alice\n"
				 "users:x:100:alice\n"
				 "staff:x:50:\n"
				 "alice:x:1000:\n";

static userlookup_file file_of(const char *text)
{
	userlookup_file f = { .data = (char *)text, .len = text ? strlen(text) : 0 };

	return f;
}

static void test_parse_passwd(void)
{
	char l1[] = "root:x:0:0:root:/root:/bin/sh", l2[] = "  bob:x:5:6::/home/bob  \r";
	char l3[] = "# comment", l4[] = "   ", l5[] = "alice", l6[] = "alice:x:1000";
	char l7[] = "alice:x:abc:1", l8[] = ":x:1:1", l9[] = "bob:x:-1:1";
	char l10[] = "bob:x:4294967295:1", l11[] = "bob:x:4294967294:7", l12[] = "bob:x::1";
	char l13[] = "bob:x:1:1", l14[] = "bob:x:1:1:g:/h:/sh:extra:more";
	passwd_entry e;

	is_int(userlookup_parse_passwd_line(l1, &e), 1, "passwd: a full line parses");
	is_str(e.name, "root", "passwd: name");
	is_int(e.uid, 0, "passwd: uid");
	is_str(e.home, "/root", "passwd: home");
	is_int(userlookup_parse_passwd_line(l2, &e), 1, "passwd: surrounding blanks are trimmed");
	is_str(e.name, "bob", "passwd: trimmed name");
	is_int(e.gid, 6, "passwd: gid");
	is_str(e.home, "/home/bob", "passwd: home without a shell field");
	is_int(userlookup_parse_passwd_line(l3, &e), 0, "passwd: comment skipped");
	is_int(userlookup_parse_passwd_line(l4, &e), 0, "passwd: blank line skipped");
	is_int(userlookup_parse_passwd_line(l5, &e), -1, "passwd: a lone name is malformed");
	is_int(userlookup_parse_passwd_line(l6, &e), -1, "passwd: three fields are malformed");
	is_int(userlookup_parse_passwd_line(l7, &e), -1, "passwd: a non-numeric uid is malformed");
	is_int(userlookup_parse_passwd_line(l8, &e), -1, "passwd: an empty name is malformed");
	is_int(userlookup_parse_passwd_line(l9, &e), -1, "passwd: a negative uid is malformed");
	is_int(userlookup_parse_passwd_line(l10, &e), -1, "passwd: uid 4294967295 is malformed");
	is_int(userlookup_parse_passwd_line(l11, &e), 1, "passwd: uid 4294967294 is fine");
	is_int(e.uid, 4294967294u, "passwd: the largest uid");
	is_int(userlookup_parse_passwd_line(l12, &e), -1, "passwd: an empty uid is malformed");
	is_int(userlookup_parse_passwd_line(l13, &e), 1, "passwd: four fields are enough");
	is_str(e.home, "", "passwd: missing home is empty");
	is_int(userlookup_parse_passwd_line(l14, &e), 1, "passwd: extra fields are ignored");
	is_str(e.home, "/h", "passwd: home with extra fields");
}

static void test_parse_group(void)
{
	char l1[] = "wheel:x:10:root,alice", l2[] = "staff:x:50", l3[] = "g:x";
	char l4[] = "g:x:z:a", l5[] = "#g:x:1:a", l6[] = ":x:1:a", l7[] = "e:x:7:";
	group_entry g;

	is_int(userlookup_parse_group_line(l1, &g), 1, "group: a full line parses");
	is_str(g.name, "wheel", "group: name");
	is_int(g.gid, 10, "group: gid");
	ok(userlookup_group_has_member(&g, "alice"), "group: alice is a member");
	ok(userlookup_group_has_member(&g, "root"), "group: root is a member");
	ok(!userlookup_group_has_member(&g, "ali"), "group: a prefix of a member is not one");
	ok(!userlookup_group_has_member(&g, "alice2"), "group: a longer name is not a member");
	is_int(userlookup_parse_group_line(l2, &g), 1, "group: the member list may be missing");
	is_str(g.members, "", "group: no members");
	ok(!userlookup_group_has_member(&g, ""), "group: nobody in an empty list");
	is_int(userlookup_parse_group_line(l3, &g), -1, "group: two fields are malformed");
	is_int(userlookup_parse_group_line(l4, &g), -1, "group: a bad gid is malformed");
	is_int(userlookup_parse_group_line(l5, &g), 0, "group: comment skipped");
	is_int(userlookup_parse_group_line(l6, &g), -1, "group: an empty name is malformed");
	is_int(userlookup_parse_group_line(l7, &g), 1, "group: an empty member list");
	ok(!userlookup_group_has_member(&g, "x"), "group: empty list has no members");
}

/* Resolves spec; on success returns "uid:gid:home:sgid,sgid" (caller frees), else NULL
 * with *msg (caller frees) set to the error. */
static char *resolve(const char *spec, const char *pw, const char *gr, char **msg)
{
	userlookup_file p = file_of(pw), g = file_of(gr);
	cpod_error *err = NULL;
	exec_user u;
	buf b = BUF_INIT;

	*msg = NULL;
	if (userlookup_exec_user(spec, &p, &g, &u, &err) < 0) {
		ok(cpod_error_kind(err) == CPOD_ERR_INVALID, "'%s': error kind is invalid", spec);
		*msg = xstrdup(cpod_error_message(err));
		cpod_error_free(err);
		return NULL;
	}
	buf_addf(&b, "%u:%u:%s:", u.uid, u.gid, u.home);
	for (size_t i = 0; i < u.n_sgids; i++)
		buf_addf(&b, "%s%u", i ? "," : "", u.sgids[i]);
	exec_user_release(&u);
	return buf_detach(&b, NULL);
}

static void check_user(const char *spec, const char *pw, const char *gr, const char *want)
{
	_cleanup_free_ char *msg = NULL, *got = resolve(spec, pw, gr, &msg);

	is_str(got, want, "user '%s' resolves to %s", spec, want);
	if (msg)
		diag("error: %s", msg);
}

static void check_user_err(const char *spec, const char *pw, const char *gr, const char *want)
{
	_cleanup_free_ char *msg = NULL, *got = resolve(spec, pw, gr, &msg);

	ok(!got, "user '%s' fails", spec);
	is_str(msg, want, "user '%s': message", spec);
}

static void test_exec_user(void)
{
	check_user("", passwd_text, group_text, "0:0:/root:0,1,10");
	check_user("root", passwd_text, group_text, "0:0:/root:0,1,10");
	check_user("alice", passwd_text, group_text, "1000:1000:/home/alice:10,100");
	check_user("1000", passwd_text, group_text, "1000:1000:/home/alice:10,100");
	check_user("4242", passwd_text, group_text, "4242:0::");
	check_user("+5", passwd_text, group_text, "5:0::");
	check_user("short", passwd_text, group_text, "3000:3000::");
	check_user("alice:staff", passwd_text, group_text, "1000:50:/home/alice:");
	check_user("alice:4000", passwd_text, group_text, "1000:4000:/home/alice:");
	check_user("alice:users:extra", passwd_text, group_text, "1000:100:/home/alice:");
	check_user(":10", passwd_text, group_text, "0:10:/root:");
	check_user("2147483647", passwd_text, group_text, "2147483647:0::");
	check_user("77:88", NULL, NULL, "77:88::");
	check_user("", NULL, NULL, "0:0::");
	check_user("alice", passwd_text, NULL, "1000:1000:/home/alice:");
	check_user_err("nobody", passwd_text, group_text,
		       "unable to find user nobody: no matching entries in passwd file");
	check_user_err("evil", passwd_text, group_text,
		       "unable to find user evil: no matching entries in passwd file");
	check_user_err("alice", NULL, group_text,
		       "unable to find user alice: no matching entries in passwd file");
	check_user_err("alice:nogroup", passwd_text, group_text,
		       "unable to find group nogroup: no matching entries in group file");
	check_user_err("alice:wheel", passwd_text, NULL,
		       "unable to find group wheel: no matching entries in group file");
	check_user_err("0:bad", passwd_text, group_text,
		       "unable to find group bad: no matching entries in group file");
	check_user_err("-1", passwd_text, group_text,
		       "uids and gids must be in range 0-2147483647");
	check_user_err("2147483648", passwd_text, group_text,
		       "uids and gids must be in range 0-2147483647");
	check_user_err("alice:-2", passwd_text, group_text,
		       "uids and gids must be in range 0-2147483647");
	check_user_err("99999999999999999999", passwd_text, group_text,
		       "unable to find user 99999999999999999999: "
		       "no matching entries in passwd file");
}

static char *groups_of(const char *const *names, size_t n, const char *gr, char **msg)
{
	userlookup_file g = file_of(gr);
	cpod_error *err = NULL;
	uint32_t *gids = NULL;
	size_t n_gids = 0;
	buf b = BUF_INIT;

	*msg = NULL;
	if (userlookup_groups(names, n, &g, &gids, &n_gids, &err) < 0) {
		*msg = xstrdup(cpod_error_message(err));
		cpod_error_free(err);
		return NULL;
	}
	for (size_t i = 0; i < n_gids; i++)
		buf_addf(&b, "%s%u", i ? "," : "", gids[i]);
	free(gids);
	return buf_detach(&b, NULL);
}

static void test_groups(void)
{
	const char *const many[] = { "wheel", "100", "4000", "users", "wheel" };
	const char *const bad[] = { "wheel", "nogroup" };
	const char *const neg[] = { "-3" };
	const char *const num[] = { "5" };
	const char *const named[] = { "wheel" };
	const char *const byname[] = { "42" };
	char *msg, *got;

	got = groups_of(many, 5, group_text, &msg);
	is_str(got, "10,100,4000", "groups: names and ids, in order, without duplicates");
	free(got);
	got = groups_of(bad, 2, group_text, &msg);
	ok(!got, "groups: an unknown name fails");
	is_str(msg, "unable to find group nogroup: no matching entries in group file",
	       "groups: unknown name message");
	free(msg);
	got = groups_of(neg, 1, group_text, &msg);
	is_str(msg, "uids and gids must be in range 0-2147483647", "groups: negative gid refused");
	free(msg);
	got = groups_of(num, 1, NULL, &msg);
	is_str(got, "5", "groups: a gid needs no group file");
	free(got);
	got = groups_of(named, 1, NULL, &msg);
	ok(!got && msg, "groups: a name needs the group file");
	free(msg);
	got = groups_of(byname, 1, "x:x:42:\n42:x:7:\n", &msg);
	is_str(got, "42", "groups: the first line matching by name or gid wins");
	free(got);
	got = groups_of(byname, 1, "42:x:7:\nx:x:42:\n", &msg);
	is_str(got, "7", "groups: a group named like a number, listed first");
	free(got);
}

static void test_nul_and_long_lines(void)
{
	static const char text[] = "root:x:0:0::/root:/bin/sh\nbad\0:x:5:5::/:/\nok:x:6:6::/ok:/\n";
	userlookup_file p = { .data = (char *)text, .len = sizeof(text) - 1 };
	_cleanup_free_ char *big = xmalloc(200000);
	cpod_error *err = NULL;
	exec_user u;
	int r;

	ok(userlookup_exec_user("ok", &p, NULL, &u, &err) == 0, "a line after a NUL byte is read");
	is_int(u.uid, 6, "the line after the NUL line");
	exec_user_release(&u);
	r = userlookup_exec_user("bad", &p, NULL, &u, &err);
	ok(r < 0, "a line with a NUL byte is skipped");
	cpod_error_free(err);
	err = NULL;
	memset(big, 'a', 199990);
	memcpy(big + 199990, ":x:9:9:\n", 9);
	p.data = big;
	p.len = strlen(big);
	ok(userlookup_exec_user("9", &p, NULL, &u, &err) == 0, "a 200 kB line parses");
	is_int(u.gid, 9, "the gid of the long line");
	exec_user_release(&u);
}

/* ---- reading inside a rootfs ---- */

static int open_root(void)
{
	_cleanup_free_ char *root = path_of("root");

	return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void test_read(bool fallback)
{
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *link = NULL, *fifo = NULL, *big = NULL, *dir = NULL;
	userlookup_file f = { 0 };
	const char *msg;
	cpod_error *err = NULL;
	int fd;

	fs_force_fallback(fallback);
	clean_dir();
	write_file("root/etc/group", "wheel:x:10:alice\n");
	write_file("host-file", "evil:x:0:0::/:/bin/sh\n");
	rootfd = open_root();
	link = path_of("root/etc/passwd");
	ok(symlink("/../../host-file", link) == 0, "a symlink pointing out of the rootfs");
	ok(userlookup_read_in_root(rootfd, "/etc/passwd", &f, &err) == 0 && !f.data,
	   "%s: the symlink stays inside the rootfs (nothing there)",
	   fallback ? "walk" : "openat2");
	write_file("root/host-file", "inside:x:7:7::/:/bin/sh\n");
	ok(userlookup_read_in_root(rootfd, "/etc/passwd", &f, &err) == 0 && f.data &&
		   strstr(f.data, "inside:") && !strstr(f.data, "evil"),
	   "%s: the symlink resolves to the rootfs's own file", fallback ? "walk" : "openat2");
	userlookup_file_release(&f);
	ok(userlookup_read_in_root(rootfd, "/etc/group", &f, &err) == 0 && f.data &&
		   f.len == strlen("wheel:x:10:alice\n"),
	   "a regular file is read whole");
	userlookup_file_release(&f);
	fifo = path_of("root/etc/fifo");
	ok(mkfifo(fifo, 0644) == 0, "a fifo in the rootfs");
	ok(userlookup_read_in_root(rootfd, "/etc/fifo", &f, &err) < 0, "a fifo is refused");
	msg = err ? cpod_error_message(err) : "";
	ok(strstr(msg, "'/etc/fifo' of the container: not a regular file"), "fifo error message");
	cpod_error_free(err);
	err = NULL;
	dir = path_of("root/etc/dir");
	mkdir(dir, 0755);
	ok(userlookup_read_in_root(rootfd, "/etc/dir", &f, &err) < 0, "a directory is refused");
	cpod_error_free(err);
	err = NULL;
	big = path_of("root/etc/big");
	fd = open(big, O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && ftruncate(fd, USERLOOKUP_FILE_CAP + 1) == 0, "a file one byte over the cap");
	close(fd);
	ok(userlookup_read_in_root(rootfd, "/etc/big", &f, &err) < 0, "a huge file is refused");
	ok(err && cpod_error_kind(err) == CPOD_ERR_INVALID && cpod_error_errno(err) == EFBIG &&
		   strstr(cpod_error_message(err), "'/etc/big' of the container: larger than"),
	   "the huge file error is invalid/EFBIG and names the file");
	cpod_error_free(err);
	err = NULL;
	fd = userlookup_read_in_root(rootfd, "/etc/group/x", &f, &err);
	ok(fd == 0 && !f.data, "a path through a file reads as missing");
	fd = userlookup_read_in_root(rootfd, "/nope/passwd", &f, &err);
	ok(fd == 0 && !f.data, "a missing file reads as missing");
	fs_force_fallback(false);
}

static void test_read_host(void)
{
	_cleanup_free_ char *p = path_of("alt-passwd"), *missing = path_of("nope");
	userlookup_file f = { 0 };
	cpod_error *err = NULL;

	write_file("alt-passwd", "x:x:1:1::/:/\n");
	ok(userlookup_read_host(p, &f, &err) == 0 && f.data &&
		   strcmp(f.data, "x:x:1:1::/:/\n") == 0,
	   "a host file is read");
	userlookup_file_release(&f);
	ok(userlookup_read_host(missing, &f, &err) == 0 && !f.data, "a missing host file");
	ok(userlookup_read_host(tmp, &f, &err) < 0, "a host directory is refused");
	cpod_error_free(err);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	test_parse_passwd();
	test_parse_group();
	test_exec_user();
	test_groups();
	test_nul_and_long_lines();
	test_read(false);
	test_read(true);
	test_read_host();
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
