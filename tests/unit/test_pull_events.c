/* The blob events of a pull (pull_layers() with blob_progress): every layer STARTED in the
 * manifest's order before any byte, RECEIVING with growing counts at most every 100 ms per
 * blob, DONE with the total last; SKIPPED for layers the store has; never two callbacks at
 * once though they come from the download threads; and the "Copying blob" lines unchanged
 * without the callback.  Against a small HTTP registry on 127.0.0.1 (threads of this test)
 * that sends each blob slowly, with the overlay driver (parallel downloads; root only) and vfs
 * (one after the other). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/pull_layers.h"
#include "http_lab.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-pull-events-XXXXXX";
#include "tmpdir.h"

#define N_LAYERS 3
#define CHUNK (32 << 10)
#define CHUNK_DELAY_US 20000

/* ---- the layers: uncompressed tars of one file each ---- */

static struct {
	buf tar;
	char *digest; /* of the tar: blob digest and diffID at once */
} layers[N_LAYERS];

static void octal(char *field, size_t width, unsigned long long v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, v);
}

/* A ustar archive holding name with size pseudo-random bytes (seeded by seed). */
static void make_tar(buf *out, const char *name, size_t size, unsigned seed)
{
	char h[512] = { 0 }, pad[1024] = { 0 };
	unsigned sum = 0, x = seed * 2654435761u + 1;

	snprintf(h, 100, "%s", name);
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 1500000000);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	buf_add(out, h, sizeof(h));
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf_addch(out, (char)x);
	}
	buf_add(out, pad, (512 - size % 512) % 512);
	buf_add(out, pad, sizeof(pad));
}

static void make_layers(void)
{
	static const size_t sizes[N_LAYERS] = { 600 << 10, 400 << 10, 200 << 10 };

	for (int i = 0; i < N_LAYERS; i++) {
		_cleanup_free_ char *name = xasprintf("file%d", i);

		layers[i].tar = (buf)BUF_INIT;
		make_tar(&layers[i].tar, name, sizes[i], (unsigned)i + 1);
		layers[i].digest = digest_buf(DIGEST_SHA256, layers[i].tar.s, layers[i].tar.len);
	}
}

static int layer_of(const char *digest)
{
	for (int i = 0; i < N_LAYERS; i++)
		if (str_eq(layers[i].digest, digest))
			return i;
	return -1;
}

/* ---- the registry: /v2/ and the blobs, each sent in CHUNKs with a pause between ---- */

static int listen_fd;
static unsigned short port;

static void answer(int fd, const char *head)
{
	const char *blobs = strstr(head, "/blobs/");
	char hdr[256], digest[128] = "";
	int i = -1;

	if (blobs)
		sscanf(blobs + 7, "%127[^ ?]", digest);
	if (blobs)
		i = layer_of(digest);
	if (str_has_prefix(head, "GET /v2/ ")) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
		send_all(fd, hdr, strlen(hdr));
		return;
	}
	if (i < 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		send_all(fd, hdr, strlen(hdr));
		return;
	}
	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
		 layers[i].tar.len);
	send_all(fd, hdr, strlen(hdr));
	for (size_t off = 0; off < layers[i].tar.len; off += CHUNK) {
		size_t n = layers[i].tar.len - off < CHUNK ? layers[i].tar.len - off : CHUNK;

		send_all(fd, layers[i].tar.s + off, n);
		usleep(CHUNK_DELAY_US);
	}
}

static void *serve_connection(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char head[4096];

	while (read_head(fd, head, sizeof(head)))
		answer(fd, head);
	close(fd);
	return NULL;
}

static void *server_main(void *arg)
{
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, serve_connection, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static void server_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(listen_fd, 16) < 0 || getsockname(listen_fd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	port = ntohs(a.sin_port);
	pthread_create(&t, NULL, server_main, NULL);
	pthread_detach(t);
}

/* ---- what the callbacks saw ---- */

typedef struct {
	int layer; /* by digest; -1 for an unknown one */
	int index;
	cpod_pull_blob_state state;
	int64_t current, total;
	int64_t ms; /* when (a fine monotonic clock) */
	bool main;  /* on the thread that called pull_layers() */
} event;

static struct {
	event ev[4096];
	size_t n;
	strv lines;
	atomic_int inside;
	int overlaps; /* a callback entered while another ran */
	pthread_t main;
	pthread_mutex_t lock; /* only so that a broken serialisation cannot corrupt the record */
} rec = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_line(void *data, const char *line)
{
	strv_push(&rec.lines, line);
}

static void on_blob(void *data, const cpod_pull_blob_progress *p)
{
	if (atomic_fetch_add(&rec.inside, 1) != 0)
		rec.overlaps++;
	pthread_mutex_lock(&rec.lock);
	if (rec.n < sizeof(rec.ev) / sizeof(rec.ev[0]))
		rec.ev[rec.n++] = (event){
			.layer = layer_of(p->digest),
			.index = p->index,
			.state = p->state,
			.current = p->current,
			.total = p->total,
			.ms = now_ms(),
			.main = pthread_equal(pthread_self(), rec.main),
		};
	pthread_mutex_unlock(&rec.lock);
	usleep(2000); /* a slow callback: overlapping calls would be seen */
	atomic_fetch_sub(&rec.inside, 1);
}

static void rec_reset(void)
{
	rec.n = 0;
	rec.overlaps = 0;
	strv_clear(&rec.lines);
	strv_init(&rec.lines);
	rec.main = pthread_self();
}

/* ---- pulling ---- */

static image_manifest *manifest(void)
{
	_cleanup_buf_ buf j = BUF_INIT;
	image_manifest *m = NULL;
	cpod_error *err = NULL;

	buf_addf(&j,
		 "{\"schemaVersion\": 2, \"mediaType\": \"%s\", \"config\": {\"mediaType\": "
		 "\"%s\", \"digest\": \"%s\", \"size\": 2}, \"layers\": [",
		 MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_CONFIG, layers[0].digest);
	for (int i = 0; i < N_LAYERS; i++)
		buf_addf(&j, "%s{\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": %zu}",
			 i ? ", " : "", MEDIA_TYPE_OCI_LAYER, layers[i].digest, layers[i].tar.len);
	buf_adds(&j, "]}");
	if (manifest_parse(j.s, j.len, NULL, &m, &err) < 0) {
		diag("manifest: %s", cpod_error_message(err));
		abort();
	}
	return m;
}

/* pull_layers() of the three layers into s; 0 or -1. */
static int pull(store *s, bool events)
{
	_cleanup_(registry_client_freep) registry_client *rc = NULL;
	_cleanup_manifest_ image_manifest *m = manifest();
	_cleanup_image_config_ image_config *cfg = image_config_new();
	_cleanup_free_ char *host = xasprintf("127.0.0.1:%u", port), *top = NULL;
	_cleanup_strv_ strv made = STRV_INIT;
	registry_opts ro = { .host = host, .tls_verify = false };
	cpod_error *err = NULL;
	int64_t size = 0;

	for (int i = 0; i < N_LAYERS; i++)
		strv_push(&cfg->diff_ids, layers[i].digest);
	if (registry_client_new(&ro, &rc, &err) < 0)
		abort();
	pull_layers_opts o = {
		.s = s,
		.rc = rc,
		.repo = "test/repo",
		.m = m,
		.cfg = cfg,
		.progress = on_line,
		.blob_progress = events ? on_blob : NULL,
	};
	rec_reset();
	if (pull_layers(&o, &top, &size, &made, &err) < 0) {
		diag("pull_layers: %s", cpod_error_message(err));
		cpod_error_free(err);
		return -1;
	}
	return 0;
}

/* A store with driver in tmp/name. */
static store *open_store(const char *driver, const char *name)
{
	_cleanup_free_ char *g = xasprintf("%s/%s/root", tmp, name);
	_cleanup_free_ char *r = xasprintf("%s/%s/run", tmp, name);
	store_opts o = { .graphroot = g, .runroot = r, .driver = driver };
	cpod_error *err = NULL;
	store *s = NULL;

	if (store_open(&o, &s, &err) < 0) {
		diag("store_open %s: %s", driver, cpod_error_message(err));
		cpod_error_free(err);
		return NULL;
	}
	return s;
}

/* ---- the checks ---- */

/* One blob's events after its STARTED: RECEIVING with growing counts at least ~100 ms apart,
 * then DONE with the total, last.  Returns the number of RECEIVING events, -1 on a failure
 * (described by diag()). */
static int check_blob(int layer)
{
	int64_t total = (int64_t)layers[layer].tar.len, last = 0, last_ms = -1;
	int receiving = 0;
	bool done = false;

	for (size_t i = N_LAYERS; i < rec.n; i++) {
		const event *e = &rec.ev[i];

		if (e->layer != layer)
			continue;
		if (done || e->index != layer || e->total != total) {
			diag("layer %d: event %zu after DONE or with index %d, total %lld", layer,
			     i, e->index, (long long)e->total);
			return -1;
		}
		if (e->state == CPOD_PULL_BLOB_DONE) {
			done = true;
			if (e->current != total) {
				diag("layer %d: DONE at %lld", layer, (long long)e->current);
				return -1;
			}
			continue;
		}
		if (e->state != CPOD_PULL_BLOB_RECEIVING || e->current <= last ||
		    e->current > total) {
			diag("layer %d: event %zu state %d at %lld after %lld", layer, i, e->state,
			     (long long)e->current, (long long)last);
			return -1;
		}
		/* the library reads a coarse clock (a few ms of granularity) */
		if (last_ms >= 0 && e->ms - last_ms < PULL_LAYERS_PROGRESS_MS - 10) {
			diag("layer %d: RECEIVING %lld ms after the previous one", layer,
			     (long long)(e->ms - last_ms));
			return -1;
		}
		last = e->current;
		last_ms = e->ms;
		receiving++;
	}
	if (!done) {
		diag("layer %d: no DONE", layer);
		return -1;
	}
	return receiving;
}

static void check_pull_events(const char *driver, bool parallel)
{
	bool started = true, others = false;
	int r;

	for (int i = 0; i < N_LAYERS; i++) {
		const event *e = &rec.ev[i];

		started = started && (size_t)i < rec.n && e->state == CPOD_PULL_BLOB_STARTED &&
			  e->layer == i && e->index == i && e->current == 0 &&
			  e->total == (int64_t)layers[i].tar.len && e->main;
	}
	ok(started, "%s: the layers STARTED first, in the manifest's order, with their sizes",
	   driver);
	for (int i = 0; i < N_LAYERS; i++) {
		r = check_blob(i);
		/* 600 KiB at 32 KiB per 20 ms: about 380 ms, so at least the first bytes and
		 * two more; 200 KiB takes about 130 ms */
		ok(r >= (i == 0 ? 3 : 1),
		   "%s: layer %d: %d RECEIVING events, rate-limited, then DONE", driver, i, r);
	}
	for (size_t i = 0; i < rec.n; i++)
		others = others || !rec.ev[i].main;
	if (parallel)
		ok(others, "%s: events come from the download threads", driver);
	is_int(rec.overlaps, 0, "%s: never two callbacks at once", driver);
	is_int(rec.lines.n, 0, "%s: no \"Copying blob\" lines with blob events", driver);
}

static void check_skipped(const char *driver)
{
	bool skipped = rec.n == N_LAYERS;

	for (size_t i = 0; skipped && i < N_LAYERS; i++)
		skipped = rec.ev[i].state == CPOD_PULL_BLOB_SKIPPED && rec.ev[i].layer == (int)i &&
			  rec.ev[i].index == (int)i &&
			  rec.ev[i].total == (int64_t)layers[i].tar.len;
	ok(skipped, "%s: pulled again, every layer SKIPPED in order, nothing else", driver);
	is_int(rec.lines.n, 0, "%s: and no line", driver);
}

static void test_driver(const char *driver, bool parallel)
{
	_cleanup_free_ char *lines_root = xasprintf("%s-lines", driver);
	_cleanup_(store_closep) store *s = open_store(driver, driver);
	_cleanup_(store_closep) store *s2 = open_store(driver, lines_root);
	bool same = true;

	if (!s || !s2) {
		ok(0, "%s: stores open", driver);
		return;
	}
	ok(pull(s, true) == 0, "%s: pulled with blob events", driver);
	check_pull_events(driver, parallel);
	ok(pull(s, true) == 0, "%s: pulled again", driver);
	check_skipped(driver);

	/* without the callback: the lines as before, and no event */
	ok(pull(s2, false) == 0, "%s: pulled without blob events", driver);
	same = rec.lines.n == N_LAYERS && rec.n == 0;
	for (size_t i = 0; same && i < N_LAYERS; i++) {
		_cleanup_free_ char *want = xasprintf("Copying blob %s", layers[i].digest);

		same = str_eq(rec.lines.v[i], want);
	}
	ok(same, "%s: without the callback, a \"Copying blob\" line per layer, in order", driver);
	ok(pull(s2, false) == 0 && rec.lines.n == N_LAYERS &&
		   str_has_suffix(rec.lines.v[0], " skipped: already exists"),
	   "%s: and \"skipped: already exists\" lines when the store has them", driver);
}

int main(void)
{
	if (!mkdtemp(tmp))
		abort();
	strv_init(&rec.lines);
	make_layers();
	server_start();
	if (geteuid() == 0)
		test_driver("overlay", true);
	else
		ok(1, "# SKIP overlay needs root");
	test_driver("vfs", false);
	nftw(tmp, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	strv_clear(&rec.lines);
	for (int i = 0; i < N_LAYERS; i++) {
		buf_release(&layers[i].tar);
		free(layers[i].digest);
	}
	return done_testing();
}
