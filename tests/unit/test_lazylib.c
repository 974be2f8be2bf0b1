/* libcurl and libarchive loaded on first use (common/lazylib.h): nothing is mapped before the
 * first call, every forwarded name resolves, the forwarders pass arguments and results
 * through unchanged (the variadic ones included), and a library that cannot be loaded gives
 * an error or a clear abort. */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cpod/error.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/lazylib.h"
#include "common/xalloc.h"
#include "tap.h"

static const char *const missing_names[] = { "curl_easy_init" };
LAZYLIB_DEFINE(missing_lib, "libcpod-test-missing.so.0", missing_names)

static const char *const partial_names[] = { "curl_easy_init", "curl_no_such_function" };
LAZYLIB_DEFINE(partial_lib, "libcurl.so.4", partial_names)

static const char *const threaded_names[] = { "archive_version_string" };
LAZYLIB_DEFINE(threaded_lib, "libarchive.so.13", threaded_names)

/* Whether a file whose name contains soname is mapped into this process. */
static int mapped(const char *soname)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, soname))
			return 1;
	return 0;
}

static void test_mapped_on_first_use(void)
{
	is_int(mapped("libcurl.so"), 0, "libcurl is not mapped before the first curl call");
	is_int(mapped("libarchive.so"), 0, "libarchive is not mapped before the first call");
	is_str(curl_easy_strerror(CURLE_OK), "No error", "curl_easy_strerror forwards");
	is_int(mapped("libcurl.so.4"), 1, "the first curl call maps libcurl.so.4");
	is_int(mapped("libarchive.so"), 0, "... and not libarchive");
	archive_entry_free(archive_entry_new());
	is_int(mapped("libarchive.so.13"), 1, "the first archive call maps libarchive.so.13");
}

/* Every forwarded name is in the library, and the table holds what dlsym finds. */
static void check_table(lazylib *lib, size_t min)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;
	size_t bad = 0, dup = 0;

	is_int(lazylib_load(lib, &e), 0, "%s loads", lib->soname);
	ok(lib->handle != NULL, "%s has a handle", lib->soname);
	ok(lib->n >= min, "%s forwards %zu functions", lib->soname, lib->n);
	for (size_t i = 0; i < lib->n; i++) {
		void *p = lib->handle ? dlsym(lib->handle, lib->names[i]) : NULL;

		if (!p || p != lib->syms[i] || p != lazylib_sym(lib, i)) {
			diag("%s: '%s' does not resolve", lib->soname, lib->names[i]);
			bad++;
		}
		for (size_t j = 0; j < i; j++)
			dup += strcmp(lib->names[i], lib->names[j]) == 0;
	}
	is_int(bad, 0, "every name of %s resolves to what dlsym finds", lib->soname);
	is_int(dup, 0, "no name of %s is listed twice", lib->soname);
}

static size_t collect(char *p, size_t size, size_t n, void *data)
{
	buf_add((buf *)data, p, size * n);
	return size * n;
}

/* A file:// transfer exercises each kind of curl_easy_setopt argument (long, data pointer,
 * function pointer, curl_off_t, blob pointer) and of curl_easy_getinfo's pointers. */
static void test_curl_variadic(void)
{
	char path[] = "/tmp/cpod-test-lazylib-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	_cleanup_free_ char *url = xasprintf("file://%s", path);
	struct curl_blob blob = { .data = (void *)"", .len = 0, .flags = CURL_BLOB_COPY };
	buf body = BUF_INIT;
	CURL *c = curl_easy_init();
	char *effective = NULL;
	curl_off_t got = -1;
	long code = -1;

	ok(fd >= 0 && write(fd, "hello world\n", 12) == 12, "test file written");
	ok(c != NULL, "curl_easy_init");
	is_int(curl_easy_setopt(c, CURLOPT_URL, url), CURLE_OK, "setopt: string");
	is_int(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect), CURLE_OK,
	       "setopt: function pointer");
	is_int(curl_easy_setopt(c, CURLOPT_WRITEDATA, &body), CURLE_OK, "setopt: data pointer");
	is_int(curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)6), CURLE_OK,
	       "setopt: curl_off_t");
	is_int(curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob), CURLE_OK, "setopt: blob");
	is_int(curl_easy_perform(c), CURLE_OK, "file:// transfer");
	is_str(body.s, "world\n", "the write callback got the data from the resume offset on");
	is_int(curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective), CURLE_OK,
	       "getinfo: string");
	is_str(effective, url, "getinfo: effective url");
	is_int(curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got), CURLE_OK, "getinfo: off_t");
	is_int(got, 6, "getinfo: bytes downloaded");
	is_int(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code), CURLE_OK, "getinfo: long");
	is_int(code, 0, "getinfo: no response code for file://");

	buf_reset(&body);
	is_int(curl_easy_setopt(c, CURLOPT_NOBODY, 1L), CURLE_OK, "setopt: long");
	is_int(curl_easy_perform(c), CURLE_OK, "file:// transfer without the body");
	is_int(body.len, 0, "CURLOPT_NOBODY took effect");
	is_int(curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)-5),
	       CURLE_BAD_FUNCTION_ARGUMENT, "a negative curl_off_t reaches curl as such");
	curl_easy_cleanup(c);
	buf_release(&body);
	unlink(path);
}

static void test_curl_url(void)
{
	CURLU *u = curl_url();
	char *host = NULL;

	is_int(curl_url_set(u, CURLUPART_URL, "https://example.com:5000/v2/", 0), CURLUE_OK,
	       "curl_url_set");
	is_int(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK, "curl_url_get");
	is_str(host, "example.com", "url host");
	curl_free(host);
	curl_url_cleanup(u);
}

/* A tar written and read back in memory, and archive_set_error's format. */
static void test_archive(void)
{
	static char mem[16384];
	struct archive *w = archive_write_new(), *r = archive_read_new();
	struct archive_entry *e = archive_entry_new();
	char data[32] = "";
	size_t used = 0;

	archive_write_set_format_pax_restricted(w);
	archive_write_add_filter_none(w);
	is_int(archive_write_open_memory(w, mem, sizeof(mem), &used), ARCHIVE_OK,
	       "open for writing");
	archive_entry_set_pathname(e, "etc/motd");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_size(e, 3);
	archive_entry_set_mtime(e, 1700000000, 5);
	is_int(archive_write_header(w, e), ARCHIVE_OK, "write header");
	is_int(archive_write_data(w, "hi\n", 3), 3, "write data");
	is_int(archive_write_close(w), ARCHIVE_OK, "close");
	archive_write_free(w);
	archive_entry_free(e);

	archive_read_support_format_tar(r);
	archive_read_support_filter_none(r);
	is_int(archive_read_open_memory(r, mem, used), ARCHIVE_OK, "open for reading");
	is_int(archive_read_next_header(r, &e), ARCHIVE_OK, "read header");
	is_str(archive_entry_pathname(e), "etc/motd", "pathname");
	is_int(archive_entry_perm(e), 0640, "perm");
	is_int(archive_entry_size(e), 3, "size");
	is_int(archive_entry_mtime(e), 1700000000, "mtime");
	is_int(archive_read_data(r, data, sizeof(data)), 3, "read data");
	is_str(data, "hi\n", "data");

	archive_set_error(r, EIO, "bad '%s' at %d", "x", 3);
	is_str(archive_error_string(r), "bad 'x' at 3", "archive_set_error formats its message");
	is_int(archive_errno(r), EIO, "archive_set_error sets the errno");
	archive_set_error(r, EINVAL, "100%% %s", "sure");
	is_str(archive_error_string(r), "100% sure", "the message is not formatted twice");
	archive_read_free(r);
}

static void test_missing_library(void)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL, *e2 = NULL;

	is_int(lazylib_load(&missing_lib, &e), -1, "a missing library does not load");
	is_int(cpod_error_kind(e), CPOD_ERR_SYSTEM, "... a system error");
	is_str(cpod_error_message(e),
	       "libcpod-test-missing.so.0 could not be loaded: libcpod-test-missing.so.0: cannot "
	       "open shared object file: No such file or directory",
	       "... saying what and why");
	is_int(lazylib_load(&missing_lib, &e2), -1, "... and the same on the second try");
	is_str(e2 ? cpod_error_message(e2) : NULL, cpod_error_message(e), "... same message");
}

static void test_missing_function(void)
{
	_cleanup_(cpod_error_freep) cpod_error *e = NULL;

	is_int(lazylib_load(&partial_lib, &e), -1, "a library without one of the names fails");
	ok(e &&
		   strstr(cpod_error_message(e), "libcurl.so.4 could not be loaded: ") ==
			   cpod_error_message(e) &&
		   strstr(cpod_error_message(e), "curl_no_such_function"),
	   "... naming the library and the function: %s", e ? cpod_error_message(e) : "");
	ok(partial_lib.handle == NULL, "... and keeps no handle");
}

/* lazylib_sym on a library that cannot be loaded aborts with the reason on stderr. */
static void test_abort(void)
{
	const char *want = "cpod: libcpod-test-missing.so.0 could not be loaded: "
			   "libcpod-test-missing.so.0: cannot open shared object file: No such "
			   "file or directory\n";
	char out[512] = "";
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		ok(0, "pipe and fork");
		return;
	}
	if (pid == 0) {
		struct rlimit nocore = { 0, 0 };

		setrlimit(RLIMIT_CORE, &nocore);
		dup2(pfd[1], 2);
		lazylib_sym(&missing_lib, 0);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "lazylib_sym aborts");
	is_str(out, want, "... after saying why on stderr");
}

static void *load_in_thread(void *arg)
{
	return lazylib_load(&threaded_lib, NULL) == 0 ? threaded_lib.syms[0] : NULL;
}

static void test_threads(void)
{
	pthread_t t[8];
	void *got[8];
	int same = 1;

	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, load_in_thread, NULL);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], &got[i]);
		same &= got[i] != NULL && got[i] == got[0];
	}
	ok(same, "eight threads loading at once all get the same address");
	ok(same && strncmp(((const char *(*)(void))got[0])(), "libarchive ", 11) == 0, "... of the "
										       "real "
										       "function");
}

int main(void)
{
	test_mapped_on_first_use();
	check_table(&lazy_curl, 20);
	test_curl_variadic();
	test_curl_url();
	check_table(&lazy_archive, 70);
	test_archive();
	test_missing_library();
	test_missing_function();
	test_abort();
	test_threads();
	return done_testing();
}
