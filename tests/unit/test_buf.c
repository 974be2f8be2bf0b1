#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "tap.h"

static void test_basic(void)
{
	buf b = BUF_INIT;
	char *s;
	size_t len;

	is_str(b.s, "", "new buffer is the empty string");
	ok(buf_adds(&b, "hello") == 0, "adds");
	ok(buf_addch(&b, ' ') == 0, "addch");
	ok(buf_addf(&b, "%d-%s", 42, "x") == 0, "addf");
	is_str(b.s, "hello 42-x", "content");
	is_int(b.len, 10, "length");
	buf_truncate(&b, 5);
	is_str(b.s, "hello", "truncate");
	s = buf_detach(&b, &len);
	is_str(s, "hello", "detach hands out the string");
	is_int(len, 5, "detach length");
	is_str(b.s, "", "empty after detach");
	free(s);
	s = buf_detach(&b, NULL);
	is_str(s, "", "detach of an empty buffer is a fresh string");
	free(s);
	buf_release(&b);
}

static void test_binary_and_growth(void)
{
	buf b = BUF_INIT;
	char zeros[3] = { 'a', 0, 'b' };

	for (int i = 0; i < 10000; i++)
		buf_add(&b, zeros, sizeof(zeros));
	is_int(b.len, 30000, "binary appends grow");
	ok(b.s[1] == 0 && b.s[2] == 'b' && b.s[30000] == 0, "binary content kept, NUL-terminated");
	buf_release(&b);
	is_int(b.len, 0, "release empties");
}

static void test_cap(void)
{
	buf b;

	buf_init(&b, 8);
	ok(buf_adds(&b, "12345678") == 0, "fill to the cap");
	errno = 0;
	ok(buf_addch(&b, '9') == -1 && errno == EFBIG, "one byte past the cap fails with EFBIG");
	is_str(b.s, "12345678", "content unchanged after a refused append");
	ok(buf_addf(&b, "%s", "x") == -1, "addf past the cap fails");
	buf_release(&b);
}

static void test_read_fd(void)
{
	int p[2];
	buf b;
	char big[100];

	memset(big, 'z', sizeof(big));
	ok(pipe(p) == 0, "pipe");
	ok(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big), "write");
	close(p[1]);
	buf_init(&b, 0);
	ok(buf_read_fd(&b, p[0]) == 0, "read_fd without cap");
	is_int(b.len, 100, "read everything");
	close(p[0]);
	buf_release(&b);

	ok(pipe(p) == 0, "pipe");
	ok(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big), "write");
	close(p[1]);
	buf_init(&b, 50);
	errno = 0;
	ok(buf_read_fd(&b, p[0]) == -1 && errno == EFBIG, "read_fd past the cap fails with EFBIG");
	ok(b.len <= 50, "no more than the cap kept");
	close(p[0]);
	buf_release(&b);

	ok(pipe(p) == 0, "pipe");
	ok(write(p[1], big, 50) == 50, "write exactly the cap");
	close(p[1]);
	buf_init(&b, 50);
	ok(buf_read_fd(&b, p[0]) == 0, "read_fd of exactly the cap succeeds");
	is_int(b.len, 50, "all of it");
	close(p[0]);
	buf_release(&b);

	/* One byte past a cap that is not a multiple of the growth steps. */
	{
		static char many[70001];
		memset(many, 'q', sizeof(many));
		ok(pipe(p) == 0, "pipe");
		if (fork() == 0) {
			close(p[0]);
			if (write(p[1], many, sizeof(many)) < 0)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		buf_init(&b, sizeof(many) - 1);
		errno = 0;
		ok(buf_read_fd(&b, p[0]) == -1 && errno == EFBIG, "cap+1 bytes fail with EFBIG");
		ok(b.len <= sizeof(many) - 1, "never more than the cap in the buffer");
		close(p[0]);
		wait(NULL);
		buf_release(&b);
	}

	buf_init(&b, 0);
	ok(buf_read_file(&b, "/nonexistent/file") == -1 && errno == ENOENT, "missing file: ENOENT");
}

static void test_str_helpers(void)
{
	ok(str_has_prefix("docker.io/x", "docker.io/"), "has_prefix");
	ok(!str_has_prefix("dock", "docker"), "has_prefix shorter");
	ok(str_has_suffix("a.conf", ".conf"), "has_suffix");
	ok(!str_has_suffix("f", ".conf"), "has_suffix shorter");
	ok(str_eq(NULL, NULL) && !str_eq("a", NULL) && str_eq("a", "a"), "str_eq");
	char *s = xasprintf("%s=%d", "k", 3);
	is_str(s, "k=3", "xasprintf");
	free(s);
}

int main(void)
{
	test_basic();
	test_binary_and_growth();
	test_cap();
	test_read_fd();
	test_str_helpers();
	return done_testing();
}
