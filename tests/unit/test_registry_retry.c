/* Streamed blobs that break: the registry client against a small HTTP server on 127.0.0.1
 * (a thread of this test) that cuts answers, honours or ignores Range, answers 206 from the
 * wrong offset, 503 or 404.  Checks the bytes read, the requests made and the errors; and the
 * Content-Range parser and the retry delays. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/xalloc.h"
#include "image/registry.h"
#include "http_lab.h"
#include "tap.h"

/* How the server answers the blob's n-th request (0-based). */
typedef enum {
	ANSWER_FULL,	    /* 200, or 206 for a Range request */
	ANSWER_CUT,	    /* as FULL, but the connection closes after cut_at bytes of the body */
	ANSWER_NO_RANGE,    /* 200 with the whole blob, Range or not */
	ANSWER_BAD_RANGE,   /* 206 starting at 0 */
	ANSWER_UNAVAILABLE, /* 503 */
	ANSWER_NOT_FOUND,   /* 404 */
} answer;

static struct {
	int listen_fd;
	unsigned short port;
	unsigned char *blob;
	size_t blob_len;
	answer plan[8]; /* the answer to request n; the last one repeats */
	size_t cut_at;
	int requests;
	char ranges[8][64]; /* the Range header of each request ("" without) */
	pthread_mutex_t lock;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void answer_blob(int fd, const char *range, bool *close_after)
{
	char hdr[512];
	answer a;
	long long from = 0;
	int k;

	pthread_mutex_lock(&srv.lock);
	k = srv.requests++;
	snprintf(srv.ranges[k < 8 ? k : 7], sizeof(srv.ranges[0]), "%s", range);
	a = srv.plan[k < 8 ? k : 7];
	pthread_mutex_unlock(&srv.lock);
	if (*range)
		sscanf(range, "bytes=%lld-", &from);
	if (a == ANSWER_UNAVAILABLE || a == ANSWER_NOT_FOUND) {
		int code = a == ANSWER_NOT_FOUND ? 404 : 503;

		snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", code);
		send_all(fd, hdr, strlen(hdr));
		return;
	}
	if (a == ANSWER_NO_RANGE || a == ANSWER_BAD_RANGE)
		from = 0;
	if (*range && a != ANSWER_NO_RANGE)
		snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 206 Partial\r\nContent-Length: %zu\r\n"
			 "Content-Range: bytes %lld-%zu/%zu\r\n\r\n",
			 srv.blob_len - (size_t)from, from, srv.blob_len - 1, srv.blob_len);
	else
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			 srv.blob_len - (size_t)from);
	send_all(fd, hdr, strlen(hdr));
	if (a == ANSWER_CUT) {
		send_all(fd, srv.blob + from, srv.cut_at);
		*close_after = true;
		return;
	}
	send_all(fd, srv.blob + from, srv.blob_len - (size_t)from);
}

static void serve_connection(int fd)
{
	char head[8192];

	for (;;) {
		char range[64] = "";
		const char *r;
		bool close_after = false;

		if (!read_head(fd, head, sizeof(head)))
			return;
		r = strcasestr(head, "\r\nRange: ");
		if (r)
			sscanf(r + 9, "%63[^\r]", range);
		if (!strncmp(head, "GET /v2/ ", 9))
			send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 41);
		else
			answer_blob(fd, range, &close_after);
		if (close_after)
			return;
	}
}

static void *server_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(srv.listen_fd, NULL, NULL);

		if (fd < 0)
			return NULL;
		serve_connection(fd);
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
}

static void server_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	pthread_t t;

	srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.listen_fd < 0 || bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv.listen_fd, 16) < 0 ||
	    getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	srv.port = ntohs(a.sin_port);
	pthread_create(&t, NULL, server_main, NULL);
	pthread_detach(t);
}

/* ---- one download ---- */

typedef struct {
	int r;		   /* 0, or -1 with err */
	int requests;	   /* as the server counted them */
	int blob_requests; /* as the blob counted them */
	bool same;	   /* the bytes read are the blob */
	cpod_error *err;
} outcome;

static outcome download(const answer *plan, size_t n_plan, size_t cut_at, int retries)
{
	_cleanup_free_ char *host = xasprintf("127.0.0.1:%u", srv.port);
	_cleanup_free_ char *digest = digest_buf(DIGEST_SHA256, srv.blob, srv.blob_len);
	registry_opts o = { .host = host, .tls_verify = false, .cert_dir = "/nonexistent" };
	_cleanup_(registry_client_freep) registry_client *c = NULL;
	_cleanup_(registry_blob_closep) registry_blob *b = NULL;
	_cleanup_buf_ buf got = BUF_INIT;
	outcome res = { 0 };
	char chunk[70000];
	ssize_t n;

	pthread_mutex_lock(&srv.lock);
	for (size_t i = 0; i < 8; i++)
		srv.plan[i] = plan[i < n_plan ? i : n_plan - 1];
	srv.cut_at = cut_at;
	srv.requests = 0;
	memset(srv.ranges, 0, sizeof(srv.ranges));
	pthread_mutex_unlock(&srv.lock);
	if (registry_client_new(&o, &c, &res.err) < 0) {
		res.r = -1;
		return res;
	}
	registry_client_set_retry(c, retries, 0);
	res.r = registry_blob_open(c, "test/repo", digest, (int64_t)srv.blob_len, &b, &res.err);
	while (res.r == 0 && (n = registry_blob_read(b, chunk, sizeof(chunk), &res.err)) != 0) {
		if (n < 0)
			res.r = -1;
		else
			buf_add(&got, chunk, (size_t)n);
	}
	res.blob_requests = b ? registry_blob_requests(b) : 0;
	pthread_mutex_lock(&srv.lock);
	res.requests = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	res.same = got.len == srv.blob_len && !memcmp(got.s, srv.blob, got.len);
	return res;
}

static const char *msg(const outcome *o)
{
	return o->err ? cpod_error_message(o->err) : "no error";
}

static void set_blob(size_t len)
{
	free(srv.blob);
	srv.blob = xmalloc(len);
	srv.blob_len = len;
	for (size_t i = 0; i < len; i++)
		srv.blob[i] = (unsigned char)((i * 2654435761u) >> 13);
}

static void test_downloads(void)
{
	static const answer full[] = { ANSWER_FULL };
	static const answer cut_then_full[] = { ANSWER_CUT, ANSWER_FULL };
	static const answer cut_then_norange[] = { ANSWER_CUT, ANSWER_NO_RANGE };
	static const answer cut_then_bad[] = { ANSWER_CUT, ANSWER_BAD_RANGE };
	static const answer always_cut[] = { ANSWER_CUT };
	static const answer busy_then_full[] = { ANSWER_UNAVAILABLE, ANSWER_FULL };
	static const answer missing[] = { ANSWER_NOT_FOUND };
	outcome o;

	set_blob(300000);
	o = download(full, 1, 0, 3);
	ok(o.r == 0 && o.same && o.requests == 1 && o.blob_requests == 1,
	   "an unbroken transfer: one request (%s)", msg(&o));
	cpod_error_freep(&o.err);

	o = download(cut_then_full, 2, 120000, 3);
	ok(o.r == 0 && o.same, "cut at 120000: the bytes are whole (%s)", msg(&o));
	is_int(o.requests, 2, "cut at 120000: two requests");
	is_int(o.blob_requests, 2, "cut at 120000: the blob counted two");
	is_str(srv.ranges[0], "", "the first without Range");
	is_str(srv.ranges[1], "bytes=120000-", "the second from where the first stopped");
	cpod_error_freep(&o.err);

	o = download(cut_then_norange, 2, 120000, 3);
	ok(o.r == 0 && o.same,
	   "a registry that ignores Range: the whole blob again, the repeat dropped (%s)", msg(&o));
	is_str(srv.ranges[1], "bytes=120000-", "Range asked for all the same");
	cpod_error_freep(&o.err);

	o = download(cut_then_bad, 2, 120000, 3);
	ok(o.r == -1 && o.err && cpod_error_kind(o.err) == CPOD_ERR_REGISTRY &&
		   strstr(msg(&o), "asked for the bytes from 120000, the registry sent "
				   "'bytes 0-299999/300000'"),
	   "a 206 from the wrong offset fails: %s", msg(&o));
	is_int(o.requests, 2, "and is not retried");
	cpod_error_freep(&o.err);

	o = download(always_cut, 1, 1000, 2);
	ok(o.r == -1 && o.err && cpod_error_kind(o.err) == CPOD_ERR_SYSTEM &&
		   strstr(msg(&o), "reading blob sha256:") && strstr(msg(&o), "in 127.0.0.1:") &&
		   strstr(msg(&o), "test/repo: "),
	   "always cut, 2 retries: fails (%s)", msg(&o));
	is_int(o.requests, 3, "always cut: the first request and two retries");
	is_str(srv.ranges[1], "bytes=1000-", "the first retry continues where the cut was");
	is_str(srv.ranges[2], "bytes=2000-", "and the second where the first retry's was");
	cpod_error_freep(&o.err);

	o = download(always_cut, 1, 1000, 0);
	ok(o.r == -1 && o.requests == 1, "no retries: one request (%s)", msg(&o));
	cpod_error_freep(&o.err);

	o = download(busy_then_full, 2, 0, 3);
	ok(o.r == 0 && o.same && o.requests == 2, "a 503 is retried (%s)", msg(&o));
	is_str(srv.ranges[1], "", "nothing was taken: no Range");
	cpod_error_freep(&o.err);

	o = download(missing, 1, 0, 3);
	ok(o.r == -1 && o.err && cpod_error_kind(o.err) == CPOD_ERR_NOT_FOUND && o.requests == 1,
	   "a 404 is not retried: %s", msg(&o));
	cpod_error_freep(&o.err);
}

/* A request that brought 1 MiB or more made progress: it is followed at once, even without
 * retries left. */
static void test_progress(void)
{
	static const answer cut_then_full[] = { ANSWER_CUT, ANSWER_FULL };
	outcome o;

	set_blob(3u << 20);
	o = download(cut_then_full, 2, (3u << 20) / 2, 0);
	ok(o.r == 0 && o.same && o.requests == 2,
	   "cut after 1.5 MiB with no retries: resumed all the same (%s)", msg(&o));
	cpod_error_freep(&o.err);
	{
		static const answer cut_cut_full[] = { ANSWER_CUT, ANSWER_CUT, ANSWER_FULL };

		o = download(cut_cut_full, 3, 1500000, 0);
		ok(o.r == 0 && o.same && o.requests == 3,
		   "cut twice after progress: resumed twice (%s)", msg(&o));
		is_str(srv.ranges[2], "bytes=3000000-", "the second resume from 3000000");
		cpod_error_freep(&o.err);
	}
}

static void test_pure(void)
{
	is_int(registry_content_range_start("bytes 100-199/200"), 100, "Content-Range 100-199/200");
	is_int(registry_content_range_start("bytes 0-0/*"), 0, "Content-Range from 0");
	is_int(registry_content_range_start("BYTES  5-9/10"), 5, "case and spaces");
	is_int(registry_content_range_start("bytes */200"), -1, "an unsatisfied range");
	is_int(registry_content_range_start("items 1-2/3"), -1, "another unit");
	is_int(registry_content_range_start("bytes -5-9/10"), -1, "a negative start");
	is_int(registry_content_range_start("bytes 99999999999999999999-1/2"), -1, "overflow");
	is_int(registry_content_range_start(NULL), -1, "no header");
	is_int(registry_retry_delay_ms(250, 1), 250, "a fixed delay");
	is_int(registry_retry_delay_ms(250, 9), 250, "stays fixed");
	is_int(registry_retry_delay_ms(0, 3), 0, "no delay");
	is_int(registry_retry_delay_ms(-1, 1), 1000, "podman's: 1 s first");
	is_int(registry_retry_delay_ms(-1, 2), 2000, "then 2 s");
	is_int(registry_retry_delay_ms(-1, 3), 4000, "then 4 s");
	is_int(registry_retry_delay_ms(-1, 100), 60000, "at most 60 s");
}

int main(void)
{
	server_start();
	test_pure();
	test_downloads();
	test_progress();
	free(srv.blob);
	return done_testing();
}
