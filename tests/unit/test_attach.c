#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "engine/attach.h"
#include "oci/conmon.h"
#include "tap.h"

static char tmp[] = "/tmp/cpod-test-attach-XXXXXX";
#include "tmpdir.h"
#include "conmon_lab.h"

/* ---- detach keys ---- */

static void check_keys(const char *spec, const char *want, size_t want_len)
{
	char *got = NULL;
	size_t len = 99;

	ok(attach_parse_detach_keys(spec, &got, &len, NULL) == 0, "keys '%s': parsed", spec);
	ok(len == want_len && memcmp(got, want, len) == 0, "keys '%s': bytes", spec);
	free(got);
}

static void test_detach_keys(void)
{
	check_keys("ctrl-p,ctrl-q", "\x10\x11", 2);
	check_keys("ctrl-@", "\0", 1);
	check_keys("ctrl-a,ctrl-z", "\x01\x1a", 2);
	check_keys("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\x1b\x1c\x1d\x1e\x1f", 5);
	check_keys("a,b,DEL", "ab\x7f", 3);
	check_keys("-", "-", 1);
	check_keys("", "", 0);
	static const char *const bad[][2] = {
		{ "ctrl-P", "ctrl-P" }, { "ctrl-", "ctrl-" },	{ "ctrl-ab", "ctrl-ab" },
		{ "a,,b", "" },		{ "foo", "foo" },	{ "ctrl-p,", "" },
		{ "del", "del" },	{ "ctrl-1", "ctrl-1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cpod_error *e = NULL;
		char *got = NULL;
		size_t len;
		_cleanup_free_ char *want =
			xasprintf("invalid detach keys: Unknown character: '%s'", bad[i][1]);

		ok(attach_parse_detach_keys(bad[i][0], &got, &len, &e) < 0 &&
			   cpod_error_kind(e) == CPOD_ERR_INVALID,
		   "keys '%s': invalid", bad[i][0]);
		is_str(cpod_error_message(e), want, "keys '%s': podman's message", bad[i][0]);
		cpod_error_free(e);
	}
}

/* ---- terminals ---- */

static int open_pty(int *ret_slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[128];

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)))
		return -1;
	*ret_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *ret_slave < 0 ? -1 : m;
}

static void set_size(int fd, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	ioctl(fd, TIOCSWINSZ, &ws);
}

static void test_tty(void)
{
	int slave = -1, m = open_pty(&slave), p[2];
	struct termios saved, now;
	unsigned short r = 0, c = 0;

	if (!ok(m >= 0, "tty: a pty")) {
		return;
	}
	set_size(m, 33, 77);
	ok(tty_get_size(slave, &r, &c) == 0 && r == 33 && c == 77, "tty: size");
	ok(tty_make_raw(slave, &saved, NULL) == 0, "tty: raw");
	tcgetattr(slave, &now);
	ok(!(now.c_lflag & (ICANON | ECHO | ISIG)) && !(now.c_oflag & OPOST), "tty: raw clears "
									      "ICANON, ECHO, ISIG, "
									      "OPOST");
	ok(saved.c_lflag & ICANON, "tty: saved settings are the old ones");
	ok(tty_restore(slave, &saved) == 0, "tty: restore");
	tcgetattr(slave, &now);
	ok(now.c_lflag & ICANON, "tty: restored");
	if (pipe(p) == 0) {
		cpod_error *e = NULL;
		ok(tty_get_size(p[0], &r, &c) < 0, "tty: a pipe has no size");
		ok(tty_make_raw(p[0], &saved, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_SYSTEM,
		   "tty: a pipe cannot be raw");
		cpod_error_free(e);
		close(p[0]);
		close(p[1]);
	}
	ok(tty_get_size(-1, &r, &c) < 0, "tty: no descriptor");
	close(m);
	close(slave);
}

/* ---- a fake conmon on the other end of a socketpair ---- */

struct pkt {
	char stream;
	const char *data;
	size_t len;
};

struct fake {
	int fd;
	const struct pkt *first; /* sent at once */
	size_t n_first;
	bool wait_input_eof;	/* then read input until EOF */
	int linger_ms;		/* else read input this long */
	const struct pkt *last; /* sent before closing */
	size_t n_last;
	buf got;
	bool saw_eof;
	pthread_t thread;
};

static void fake_send(struct fake *f, const struct pkt *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *b = xmalloc(p[i].len + 1);
		b[0] = p[i].stream;
		memcpy(b + 1, p[i].data, p[i].len);
		send(f->fd, b, p[i].len + 1, MSG_NOSIGNAL);
		free(b);
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char in[65536];

	fake_send(f, f->first, f->n_first);
	for (;;) {
		struct pollfd pf = { .fd = f->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, f->wait_input_eof ? 5000 : f->linger_ms) <= 0)
			break;
		n = recv(f->fd, in, sizeof(in), 0);
		if (n <= 0) {
			f->saw_eof = n == 0;
			break;
		}
		buf_add(&f->got, in, (size_t)n);
	}
	fake_send(f, f->last, f->n_last);
	shutdown(f->fd, SHUT_RDWR);
	return NULL;
}

/* Starts the fake with every signal blocked, so that process signals reach the pump. */
static int fake_start(struct fake *f, int *ret_client)
{
	int sv[2];
	sigset_t all, old;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	f->fd = sv[0];
	buf_init(&f->got, 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&f->thread, NULL, fake_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*ret_client = sv[1];
	return 0;
}

static void fake_join(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->fd);
	buf_release(&f->got);
}

static int out_file(const char *rel)
{
	_cleanup_free_ char *p = path_of(rel);

	return open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static char *file_text(int fd)
{
	buf b = BUF_INIT;

	lseek(fd, 0, SEEK_SET);
	buf_read_fd(&b, fd);
	return buf_detach(&b, NULL);
}

/* A pipe already holding input, its write end closed (or left open when keep). */
static int input(const char *data, size_t len, int *ret_wr)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], data, len) != (ssize_t)len)
		return -1;
	if (ret_wr)
		*ret_wr = p[1];
	else
		close(p[1]);
	return p[0];
}

static void test_pump_demux(void)
{
	static char big[8192];
	const struct pkt first[] = { { 2, "out1", 4 },	 { 3, "err1", 4 }, { 2, "", 0 },
				     { 1, "stdin?", 6 }, { 9, "junk", 4 }, { 2, big, sizeof(big) } };
	const struct pkt last[] = { { 2, "bye", 3 } };
	struct fake f = { .first = first,
			  .n_first = ARRAY_SIZE(first),
			  .wait_input_eof = true,
			  .last = last,
			  .n_last = 1 };
	attach_io io;
	int sock, detached = -1, fo = out_file("o"), fe = out_file("e");
	_cleanup_free_ char *o = NULL, *e = NULL, *want = NULL;

	memset(big, 'x', sizeof(big));
	attach_io_init(&io);
	ok(io.stdin_fd == -1 && io.stdout_fd == -1 && io.stderr_fd == -1 && io.tty_fd == -1 &&
		   io.extra_fd == -1 && io.want_stdout && io.want_stderr,
	   "io init: no descriptors, both streams wanted");
	io.stdin_fd = input("in1\n", 4, NULL);
	io.stdout_fd = fo;
	io.stderr_fd = fe;
	fake_start(&f, &sock);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "demux: pump returns at EOF");
	fake_join(&f);
	is_int(detached, 0, "demux: not detached");
	o = file_text(fo);
	e = file_text(fe);
	want = xasprintf("out1%.*sbye", (int)sizeof(big), big);
	ok(strcmp(o, want) == 0, "demux: stdout has its packets, a full 8192-byte one included");
	is_str(e, "err1", "demux: stderr apart, stream 1 and unknown streams dropped");
	close(io.stdin_fd);
	close(sock);
	close(fo);
	close(fe);
}

static void test_pump_input(void)
{
	struct fake f = { .wait_input_eof = true };
	attach_io io;
	int sock, detached = -1;

	attach_io_init(&io);
	io.stdin_fd = input("in1\n", 4, NULL);
	fake_start(&f, &sock);
	attach_pump(sock, &io, &detached, NULL);
	pthread_join(f.thread, NULL);
	ok(f.got.len == 4 && memcmp(f.got.s, "in1\n", 4) == 0, "input: forwarded raw");
	ok(f.saw_eof, "input: its end shuts the socket's write side");
	close(io.stdin_fd);
	close(sock);
	close(f.fd);
	buf_release(&f.got);

	/* No input at all: the write side stays open. */
	struct fake g = { .linger_ms = 150 };
	attach_io_init(&io);
	fake_start(&g, &sock);
	attach_pump(sock, &io, &detached, NULL);
	pthread_join(g.thread, NULL);
	ok(!g.saw_eof && g.got.len == 0, "no input: no EOF sent");
	close(sock);
	close(g.fd);
	buf_release(&g.got);
}

static void run_detach(const char *keys, const char *in, size_t in_len, const char *want_sent,
		       size_t want_len, int want_detached, const char *what)
{
	struct fake f = { .linger_ms = 300 };
	attach_io io;
	int sock, detached = -1, wr = -1;

	attach_io_init(&io);
	io.detach_keys = keys;
	io.stdin_fd = input(in, in_len, want_detached ? &wr : NULL);
	fake_start(&f, &sock);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "%s: pump", what);
	is_int(detached, want_detached, "%s: detached", what);
	close(sock); /* the caller closes after a detach */
	pthread_join(f.thread, NULL);
	ok(f.got.len == want_len && memcmp(f.got.s, want_sent, want_len) == 0,
	   "%s: what reached the container", what);
	if (f.got.len != want_len)
		diag("got %zu bytes", f.got.len);
	close(io.stdin_fd);
	if (wr >= 0)
		close(wr);
	close(f.fd);
	buf_release(&f.got);
}

static void test_pump_detach(void)
{
	run_detach(NULL,
		   "ab\x10"
		   "c\x10\x11zz",
		   8,
		   "ab\x10"
		   "c",
		   4, 1, "default keys: detach, the rest not sent");
	run_detach("", "ab\x10\x11", 4, "ab\x10\x11", 4, 0, "detaching disabled");
	run_detach("ctrl-a,x", "1\x01\x01x2", 5, "1\x01", 2, 1, "overlapping start of the keys");
	run_detach(NULL, "q\x10", 2, "q\x10", 2, 0, "input ends inside the keys: bytes sent");
	run_detach("ctrl-a,ctrl-a,x", "\x01\x01\x01x", 4, "\x01", 1, 1,
		   "a repeated key and a longer held prefix");
}

struct slow_writer {
	int fd;
	pthread_t thread;
};

static void *slow_write(void *arg)
{
	struct slow_writer *w = arg;

	if (write(w->fd, "k\x10", 2) != 2)
		return NULL;
	usleep(80000);
	if (write(w->fd, "\x11", 1) != 1)
		return NULL;
	return NULL;
}

static void test_pump_detach_split(void)
{
	struct fake f = { .linger_ms = 300 };
	struct slow_writer w;
	attach_io io;
	int sock, detached = -1, p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	attach_io_init(&io);
	io.stdin_fd = p[0];
	w.fd = p[1];
	fake_start(&f, &sock);
	pthread_create(&w.thread, NULL, slow_write, &w);
	ok(attach_pump(sock, &io, &detached, NULL) == 0 && detached == 1, "split keys: detached "
									  "across two reads");
	pthread_join(w.thread, NULL);
	close(sock);
	pthread_join(f.thread, NULL);
	ok(f.got.len == 1 && f.got.s[0] == 'k', "split keys: only the byte before them sent");
	close(p[0]);
	close(p[1]);
	close(f.fd);
	buf_release(&f.got);
}

static void test_pump_filters_and_errors(void)
{
	const struct pkt first[] = { { 2, "out", 3 }, { 3, "err", 3 } };
	struct fake f = { .first = first, .n_first = 2, .linger_ms = 50 };
	attach_io io;
	int sock, detached = -1, fo = out_file("o2"), fe = out_file("e2"), ro;
	cpod_error *e = NULL;
	_cleanup_free_ char *o = NULL, *er = NULL;

	attach_io_init(&io);
	io.stdout_fd = fo;
	io.stderr_fd = fe;
	io.want_stdout = false;
	fake_start(&f, &sock);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "want: pump");
	fake_join(&f);
	close(sock);
	o = file_text(fo);
	er = file_text(fe);
	is_str(o, "", "want_stdout false: stdout dropped");
	is_str(er, "err", "want_stdout false: stderr still shown");

	/* Output that cannot be written is an error. */
	struct fake g = { .first = first, .n_first = 1, .linger_ms = 50 };
	ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
	attach_io_init(&io);
	io.stdout_fd = ro;
	fake_start(&g, &sock);
	ok(attach_pump(sock, &io, &detached, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_SYSTEM,
	   "unwritable stdout: error");
	is_str(cpod_error_message(e), "writing the container's stdout: Bad file descriptor",
	       "unwritable stdout: message");
	cpod_error_free(e);
	e = NULL;
	close(sock);
	fake_join(&g);
	close(ro);

	attach_io_init(&io);
	io.detach_keys = "ctrl-x,nope";
	detached = 5;
	ok(attach_pump(-1, &io, &detached, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_INVALID &&
		   detached == 5,
	   "bad detach keys: refused before anything");
	cpod_error_free(e);
	close(fo);
	close(fe);
}

/* Sends sig to our process after ms, from a child. */
static pid_t signal_later(int sig, int ms)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		usleep((useconds_t)ms * 1000);
		kill(parent, sig);
		_exit(0);
	}
	return pid;
}

static int seen_sig;

static int record_sig(void *userdata, int sig)
{
	seen_sig = sig;
	*(int *)userdata += 1;
	return 0;
}

static void test_pump_signals(void)
{
	struct fake f = { .linger_ms = 400 };
	attach_io io;
	int sock, detached, calls = 0, ws = 0;
	pid_t sender, victim;
	sigset_t mask;

	attach_io_init(&io);
	io.signal_cb = record_sig;
	io.signal_userdata = &calls;
	fake_start(&f, &sock);
	sender = signal_later(SIGUSR1, 60);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "proxy: pump survives SIGUSR1");
	waitpid(sender, NULL, 0);
	is_int(calls, 1, "proxy: callback called once");
	is_int(seen_sig, SIGUSR1, "proxy: with the signal");
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	ok(!sigismember(&mask, SIGUSR1), "proxy: signal mask restored");
	close(sock);
	fake_join(&f);

	/* To a pid instead. */
	victim = fork();
	if (victim == 0) {
		pause();
		_exit(0);
	}
	struct fake g = { .linger_ms = 400 };
	attach_io_init(&io);
	io.signal_pid = victim;
	fake_start(&g, &sock);
	sender = signal_later(SIGTERM, 60);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "proxy to pid: pump survives SIGTERM");
	waitpid(sender, NULL, 0);
	waitpid(victim, &ws, 0);
	ok(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM, "proxy to pid: the pid got SIGTERM");
	close(sock);
	fake_join(&g);
}

static int extra_calls;

static int extra_cb(void *userdata)
{
	extra_calls++;
	return 1; /* done, without even reading: it must not be polled again */
}

static void test_pump_extra_and_winch(void)
{
	struct fake f = { .linger_ms = 200 };
	attach_io io;
	int sock, detached, p[2], slave = -1, m, rd;
	_cleanup_free_ char *bundle = path_of("winch"), *fifo = path_of("winch/ctl");
	char got[128] = { 0 };
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], "xx", 2) != 2)
		return;
	attach_io_init(&io);
	io.extra_fd = p[0];
	io.extra_cb = extra_cb;
	fake_start(&f, &sock);
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "extra fd: pump");
	is_int(extra_calls, 1, "extra fd: callback until it says done");
	close(sock);
	fake_join(&f);
	close(p[0]);
	close(p[1]);

	m = open_pty(&slave);
	fs_mkdir_p(bundle, 0700);
	mkfifo(fifo, 0600);
	rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!ok(m >= 0 && rd >= 0, "winch: pty and ctl FIFO"))
		return;
	set_size(m, 40, 100);
	struct fake g = { .linger_ms = 400 };
	attach_io_init(&io);
	io.resize_bundle = bundle;
	io.tty_fd = slave;
	io.initial_resize = true;
	fake_start(&g, &sock);
	child = fork();
	if (child == 0) {
		usleep(50000);
		kill(getppid(), SIGWINCH); /* same size: nothing sent */
		usleep(50000);
		set_size(m, 41, 101);
		kill(getppid(), SIGWINCH);
		_exit(0);
	}
	ok(attach_pump(sock, &io, &detached, NULL) == 0, "winch: pump");
	waitpid(child, NULL, 0);
	ok(read(rd, got, sizeof(got) - 1) > 0, "winch: resizes written");
	is_str(got, "1 40 100\n1 41 101\n", "winch: initial size, then the new one only");
	close(sock);
	fake_join(&g);
	close(rd);
	close(m);
	close(slave);
}

/* The /proc/self/fd way reaches sockets whose path is longer than sun_path. */
static void test_connect(void)
{
	_cleanup_free_ char *dir = xasprintf("%s/%0120d", tmp, 7), *sock = NULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	cpod_error *e = NULL;
	int dfd, l, c;

	fs_mkdir_p(dir, 0700);
	sock = xasprintf("%s/attach", dir);
	ok(attach_connect(sock, &e) < 0 && cpod_error_kind(e) == CPOD_ERR_NOT_FOUND, "connect: no "
										     "socket");
	cpod_error_free(e);
	dfd = open(dir, O_PATH | O_CLOEXEC);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach", dfd);
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (!ok(bind(l, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(l, 10) == 0,
		"connect: a listener at a %zu-byte path", strlen(sock)))
		return;
	c = attach_connect(sock, NULL);
	ok(c >= 0, "connect: connected through /proc/self/fd");
	if (c >= 0)
		close(c);
	close(l);
	close(dfd);
}

/* ---- real containers ---- */

static int kill_ctr(void *userdata, int sig)
{
	return oci_rt_kill(lab_rt, (const char *)userdata, sig, false, NULL);
}

static void e2e_attach_stdin(void)
{
	struct lab_ctr c;
	_cleanup_free_ char *dir = xasprintf("%s/long-%0100d", tmp, 1);
	attach_io io;
	int sock = -1, detached = -1, code = -1, fo = out_file("eo"), fe = out_file("ee");
	_cleanup_free_ char *o = NULL, *e = NULL, *sp = NULL;
	cpod_error *err = NULL;

	lab_ctr_init(&c, "attach", dir,
		     (const char *const[]){ "sh", "-c", "echo out; echo err >&2; cat", NULL },
		     false, true);
	if (!ok(lab_create(&c, &err) == 0, "attach: created in a %zu-byte bundle path",
		strlen(c.bundle))) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
		lab_ctr_release(&c);
		return;
	}
	sp = xasprintf("%s/attach", c.bundle);
	sock = attach_connect(sp, NULL);
	ok(sock >= 0, "attach: connected before start");
	ok(oci_rt_start(lab_rt, c.id, NULL) == 0, "attach: started");
	attach_io_init(&io);
	io.stdin_fd = input("hello via attach\n", 17, NULL);
	io.stdout_fd = fo;
	io.stderr_fd = fe;
	ok(attach_pump(sock, &io, &detached, NULL) == 0 && detached == 0, "attach: pumped to the "
									  "end");
	o = file_text(fo);
	e = file_text(fe);
	is_str(o, "out\nhello via attach\n", "attach: stdout, input echoed by cat");
	is_str(e, "err\n", "attach: stderr");
	ok(conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL) == 0 && code == 0, "attach: "
											"cat saw "
											"EOF and "
											"exited 0");
	close(sock);
	close(io.stdin_fd);
	close(fo);
	close(fe);
	lab_ctr_release(&c);
}

static void e2e_exec_attach(void)
{
	struct lab_ctr c;
	struct lab_exec x;
	conmon_exec_session s;
	attach_io io;
	int detached = -1, code = -1, fo = out_file("xo"), fe = out_file("xe");
	_cleanup_free_ char *o = NULL, *e = NULL;
	cpod_error *err = NULL;

	lab_ctr_init(&c, "execat", NULL, (const char *const[]){ "sleep", "30", NULL }, false,
		     false);
	if (!ok(lab_create(&c, NULL) == 0 && oci_rt_start(lab_rt, c.id, NULL) == 0, "exec attach: "
										    "container "
										    "runs")) {
		lab_ctr_release(&c);
		return;
	}
	lab_exec_init(&x, &c, "s1",
		      (const char *const[]){ "sh", "-c", "echo exec-out; echo exec-err >&2; exit 7",
					     NULL },
		      false, false);
	x.eo.attach = true;
	if (ok(conmon_exec(&x.eo, &s, &err) == 0 && s.attach_fd >= 0, "exec attach: started")) {
		attach_io_init(&io);
		io.stdout_fd = fo;
		io.stderr_fd = fe;
		io.extra_fd = s.sync_fd;
		io.extra_cb = conmon_exec_on_sync;
		io.extra_userdata = &s;
		ok(attach_pump(s.attach_fd, &io, &detached, NULL) == 0, "exec attach: pumped");
		ok(s.pid > 0, "exec attach: the pid came while pumping");
		ok(conmon_exec_wait_exit(&s, 5000, &code, NULL) == 0 && code == 7, "exec attach: "
										   "exit code 7");
		o = file_text(fo);
		e = file_text(fe);
		is_str(o, "exec-out\n", "exec attach: stdout");
		is_str(e, "exec-err\n", "exec attach: stderr");
		conmon_exec_session_release(&s);
	} else {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
	}
	lab_exec_release(&x);

	/* A tty exec starts at the size given. */
	/* conmon applies the resize once the pty came from the runtime: give it a moment. */
	lab_exec_init(&x, &c, "s2",
		      (const char *const[]){ "sh", "-c", "sleep 0.2; stty size", NULL }, true,
		      false);
	x.eo.attach = true;
	x.eo.rows = 50;
	x.eo.cols = 132;
	close(fo);
	fo = out_file("xo2");
	if (ok(conmon_exec(&x.eo, &s, NULL) == 0, "tty exec: started")) {
		attach_io_init(&io);
		io.stdout_fd = fo;
		ok(attach_pump(s.attach_fd, &io, &detached, NULL) == 0, "tty exec: pumped");
		free(o);
		o = file_text(fo);
		is_str(o, "50 132\r\n", "tty exec: stty size saw 50x132");
		ok(conmon_exec_wait_exit(&s, 5000, &code, NULL) == 0 && code == 0, "tty exec: exit "
										   "0");
		conmon_exec_session_release(&s);
	}
	lab_exec_release(&x);
	oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL);
	conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	close(fo);
	close(fe);
	lab_ctr_release(&c);
}

static void e2e_detach_and_proxy(void)
{
	struct lab_ctr c;
	attach_io io;
	oci_state st;
	int sock, detached = -1, wr = -1, code = -1, fo = out_file("po");
	_cleanup_free_ char *sp = NULL, *o = NULL;
	pid_t sender;

	lab_ctr_init(&c, "detach", NULL, (const char *const[]){ "cat", NULL }, false, true);
	if (ok(lab_create(&c, NULL) == 0, "detach: created")) {
		sp = xasprintf("%s/attach", c.bundle);
		sock = attach_connect(sp, NULL);
		oci_rt_start(lab_rt, c.id, NULL);
		attach_io_init(&io);
		io.stdin_fd = input("abc\x10\x11", 5, &wr);
		ok(attach_pump(sock, &io, &detached, NULL) == 0 && detached == 1, "detach: ctrl-p "
										  "ctrl-q "
										  "detaches");
		ok(oci_rt_state(lab_rt, c.id, &st, NULL) == 0 && st.status == OCI_STATUS_RUNNING,
		   "detach: the container still runs");
		close(sock);
		close(io.stdin_fd);
		close(wr);
		oci_rt_kill(lab_rt, c.id, SIGKILL, false, NULL);
		conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL);
	}
	lab_ctr_release(&c);

	lab_ctr_init(&c, "proxy", NULL,
		     (const char *const[]){ "sh", "-c",
					    "trap 'echo got-usr1; exit 42' USR1; echo ready; "
					    "while true; do sleep 0.05; done",
					    NULL },
		     false, false);
	if (ok(lab_create(&c, NULL) == 0, "proxy: created")) {
		sp = (free(sp), xasprintf("%s/attach", c.bundle));
		sock = attach_connect(sp, NULL);
		oci_rt_start(lab_rt, c.id, NULL);
		attach_io_init(&io);
		io.stdout_fd = fo;
		io.signal_cb = kill_ctr;
		io.signal_userdata = c.id;
		sender = signal_later(SIGUSR1, 300);
		ok(attach_pump(sock, &io, &detached, NULL) == 0, "proxy: pumped until exit");
		waitpid(sender, NULL, 0);
		o = file_text(fo);
		is_str(o, "ready\ngot-usr1\n", "proxy: the container's trap ran");
		ok(conmon_wait_exit_file(lab_exits, c.id, 5000, &code, NULL) == 0 && code == 42,
		   "proxy: exit 42 from the trap");
		close(sock);
	}
	close(fo);
	lab_ctr_release(&c);
}

int main(void)
{
	const char *why;

	if (!mkdtemp(tmp))
		return 1;
	test_detach_keys();
	test_tty();
	test_pump_demux();
	test_pump_input();
	test_pump_detach();
	test_pump_detach_split();
	test_pump_filters_and_errors();
	test_pump_signals();
	test_pump_extra_and_winch();
	test_connect();
	why = lab_unavailable();
	if (why) {
		ok(1, "# SKIP real containers: %s", why);
	} else if (ok(lab_setup() == 0, "lab: busybox root file system")) {
		e2e_attach_stdin();
		e2e_exec_attach();
		e2e_detach_and_proxy();
		lab_teardown();
	}
	clean_dir();
	rmdir(tmp);
	return done_testing();
}
