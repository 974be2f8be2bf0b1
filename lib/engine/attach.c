#include "engine/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "oci/conmon.h"
#include "common/banned.h"

/* conmon reads up to 32 KiB of input per packet; 8 KiB keeps packets small. */
#define INPUT_CHUNK 8192

static const int proxied_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

void attach_io_init(attach_io *io)
{
	*io = (attach_io){ .stdin_fd = -1,
			   .stdout_fd = -1,
			   .stderr_fd = -1,
			   .want_stdout = true,
			   .want_stderr = true,
			   .tty_fd = -1,
			   .extra_fd = -1 };
}

int attach_connect(const char *sock_path, cpod_error **err)
{
	return conmon_connect_attach(sock_path, err);
}

/* ---- detach keys ---- */

static int key_byte(const char *key, size_t len, char *ret)
{
	static const char ctrl_punct[] = "@[\\]^_"; /* 0, 27, 28, 29, 30, 31 */
	const char *p;

	if (len == 1) {
		*ret = key[0];
		return 0;
	}
	if (len == 3 && memcmp(key, "DEL", 3) == 0) {
		*ret = 127;
		return 0;
	}
	if (len != 6 || memcmp(key, "ctrl-", 5) != 0)
		return -1;
	if (key[5] >= 'a' && key[5] <= 'z') {
		*ret = (char)(key[5] - 'a' + 1);
		return 0;
	}
	if (key[5] && (p = strchr(ctrl_punct, key[5]))) {
		*ret = p == ctrl_punct ? 0 : (char)(27 + (p - ctrl_punct) - 1);
		return 0;
	}
	return -1;
}

int attach_parse_detach_keys(const char *spec, char **ret, size_t *ret_len, cpod_error **err)
{
	_cleanup_free_ char *out = xmalloc(strlen(spec) + 1);
	size_t n = 0;

	if (!*spec) {
		*ret = TAKE_PTR(out);
		*ret_len = 0;
		return 0;
	}
	for (const char *key = spec;;) {
		size_t len = strcspn(key, ",");

		if (key_byte(key, len, &out[n]) < 0)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid detach keys: Unknown character: '%.*s'", (int)len,
					key);
		n++;
		if (!key[len])
			break;
		key += len + 1;
	}
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

/* ---- terminals ---- */

int tty_get_size(int fd, unsigned short *ret_rows, unsigned short *ret_cols)
{
	struct winsize ws;

	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) < 0) {
		if (fd < 0)
			errno = EBADF;
		return -1;
	}
	*ret_rows = ws.ws_row;
	*ret_cols = ws.ws_col;
	return 0;
}

int tty_make_raw(int fd, struct termios *ret_saved, cpod_error **err)
{
	struct termios saved, raw;

	if (tcgetattr(fd, &saved) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading terminal settings");
	raw = saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "setting the terminal to raw mode");
	*ret_saved = saved;
	return 0;
}

int tty_restore(int fd, const struct termios *saved)
{
	return tcsetattr(fd, TCSANOW, saved);
}

/* ---- the pump ---- */

struct pump {
	int sock;
	const attach_io *io;
	char *keys; /* detach keys */
	size_t nkeys;
	size_t matched; /* how many of them the input ended with so far */
	char *scratch;	/* nkeys + 1 bytes */
	char *pending;	/* input not yet sent */
	size_t pending_len;
	bool stdin_open, stdin_eof, sock_writable, detached, eof, extra_open;
	int sigfd;
	sigset_t old_mask;
	bool mask_set;
	int tty_fd;
	unsigned short rows, cols; /* last size sent */
	char *packet;
};

static void pend(struct pump *p, const char *data, size_t len)
{
	memcpy(p->pending + p->pending_len, data, len);
	p->pending_len += len;
}

/* Feeds input through the detach-key matcher: bytes that may start the key sequence are
 * held back until it is clear whether they do; the rest goes to pending. */
static void feed(struct pump *p, const char *in, size_t n)
{
	for (size_t i = 0; i < n && !p->detached; i++) {
		size_t total = p->matched + 1, len;

		if (!p->nkeys) {
			pend(p, &in[i], 1);
			continue;
		}
		memcpy(p->scratch, p->keys, p->matched);
		p->scratch[p->matched] = in[i];
		/* The longest end of what is held that starts the key sequence stays held. */
		for (len = total < p->nkeys ? total : p->nkeys; len > 0; len--)
			if (memcmp(p->scratch + total - len, p->keys, len) == 0)
				break;
		pend(p, p->scratch, total - len);
		p->matched = len;
		if (len == p->nkeys)
			p->detached = true;
	}
}

static int deliver(struct pump *p, size_t n, cpod_error **err)
{
	const attach_io *io = p->io;
	int fd = -1;

	if (n < 1)
		return 0;
	if (p->packet[0] == 2 && io->want_stdout)
		fd = io->stdout_fd;
	else if (p->packet[0] == 3 && io->want_stderr)
		fd = io->stderr_fd;
	if (fd < 0 || n == 1)
		return 0;
	if (fs_write_all(fd, p->packet + 1, n - 1) < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "writing the container's %s",
				p->packet[0] == 2 ? "stdout" : "stderr");
	return 0;
}

/* Reads the packets that are there (a bounded number, so input is not starved). */
static int on_socket(struct pump *p, cpod_error **err)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(p->sock, p->packet, ATTACH_PACKET_SIZE, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			p->eof = true;
			return 0;
		}
		if (n < 0)
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading the attach socket");
		if (deliver(p, (size_t)n, err) < 0)
			return -1;
	}
	return 0;
}

static void close_input(struct pump *p)
{
	/* The held bytes of an unfinished detach sequence were typed: they go too. */
	if (p->matched) {
		pend(p, p->keys, p->matched);
		p->matched = 0;
	}
	p->stdin_open = false;
	p->stdin_eof = true;
}

static void on_stdin(struct pump *p)
{
	char chunk[INPUT_CHUNK];
	ssize_t n = read(p->io->stdin_fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF, or EIO from a hung-up terminal. */
		close_input(p);
		return;
	}
	feed(p, chunk, (size_t)n);
}

/* Sends pending input; at the input's end, shuts the write side down once all is sent. */
static void flush_input(struct pump *p)
{
	ssize_t n;

	if (p->pending_len && p->sock_writable) {
		n = send(p->sock, p->pending, p->pending_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n < 0) {
			/* conmon stopped reading: input has nowhere to go any more. */
			log_debug("attach: sending input: %s", strerror(errno));
			p->sock_writable = false;
			p->stdin_open = false;
		}
		p->pending_len = 0;
	}
	if (!p->pending_len && p->stdin_eof && p->sock_writable && !p->detached) {
		if (shutdown(p->sock, SHUT_WR) < 0)
			log_debug("attach: shutdown: %s", strerror(errno));
		p->sock_writable = false;
	}
	if (!p->sock_writable)
		p->pending_len = 0;
}

static void send_size(struct pump *p, bool force)
{
	unsigned short rows, cols;
	cpod_error *e = NULL;

	if (!p->io->resize_bundle || tty_get_size(p->tty_fd, &rows, &cols) < 0)
		return;
	if (!force && rows == p->rows && cols == p->cols)
		return;
	if (conmon_resize(p->io->resize_bundle, rows, cols, &e) < 0) {
		log_debug("attach: %s", cpod_error_message(e));
		cpod_error_free(e);
		return;
	}
	p->rows = rows;
	p->cols = cols;
}

static void proxy_signal(struct pump *p, int sig)
{
	const attach_io *io = p->io;

	if (io->signal_cb) {
		if (io->signal_cb(io->signal_userdata, sig) < 0)
			log_debug("attach: forwarding signal %d failed", sig);
	} else if (io->signal_pid > 0 && kill(io->signal_pid, sig) < 0) {
		log_debug("attach: forwarding signal %d: %s", sig, strerror(errno));
	}
}

static void on_signals(struct pump *p)
{
	struct signalfd_siginfo si;

	while (read(p->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if ((int)si.ssi_signo == SIGWINCH)
			send_size(p, false);
		else
			proxy_signal(p, (int)si.ssi_signo);
	}
}

static bool proxying(const attach_io *io)
{
	return io->signal_cb || io->signal_pid > 0;
}

static int signals_setup(struct pump *p, cpod_error **err)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	if (p->io->resize_bundle)
		sigaddset(&set, SIGWINCH);
	for (size_t i = 0; proxying(p->io) && i < ARRAY_SIZE(proxied_signals); i++)
		sigaddset(&set, proxied_signals[i]);
	if (sigisemptyset(&set))
		return 0;
	r = pthread_sigmask(SIG_BLOCK, &set, &p->old_mask);
	if (r != 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, r, "blocking signals");
	p->mask_set = true;
	p->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sigfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating a signalfd");
	return 0;
}

static void pump_release(struct pump *p)
{
	if (p->sigfd >= 0) {
		/* Signals that came meanwhile are handled, not left pending for the old mask. */
		on_signals(p);
		close(p->sigfd);
	}
	if (p->mask_set)
		pthread_sigmask(SIG_SETMASK, &p->old_mask, NULL);
	free(p->keys);
	free(p->scratch);
	free(p->pending);
	free(p->packet);
}

static int pump_init(struct pump *p, int sock, const attach_io *io, cpod_error **err)
{
	const char *spec = io->detach_keys ? io->detach_keys : ATTACH_DEFAULT_DETACH_KEYS;

	*p = (struct pump){ .sock = sock, .io = io, .sigfd = -1, .sock_writable = true };
	if (attach_parse_detach_keys(spec, &p->keys, &p->nkeys, err) < 0)
		return -1;
	p->scratch = xmalloc(p->nkeys + 1);
	p->pending = xmalloc(INPUT_CHUNK + p->nkeys + 1);
	p->packet = xmalloc(ATTACH_PACKET_SIZE);
	p->stdin_open = io->stdin_fd >= 0;
	p->extra_open = io->extra_fd >= 0 && io->extra_cb;
	p->tty_fd = io->tty_fd >= 0		 ? io->tty_fd
		    : isatty(io->stdout_fd) == 1 ? io->stdout_fd
						 : io->stdin_fd;
	return signals_setup(p, err);
}

/* One round: waits for something to do and does it. */
static int pump_step(struct pump *p, cpod_error **err)
{
	struct pollfd pfd[4] = {
		{ .fd = p->sock, .events = POLLIN | (p->pending_len ? POLLOUT : 0) },
		{ .fd = p->stdin_open && !p->pending_len && !p->detached ? p->io->stdin_fd : -1,
		  .events = POLLIN },
		{ .fd = p->sigfd, .events = POLLIN },
		{ .fd = p->extra_open ? p->io->extra_fd : -1, .events = POLLIN },
	};

	if (poll(pfd, 4, -1) < 0)
		return errno == EINTR ? 0 : cpod_err(err, CPOD_ERR_SYSTEM, errno, "attach: poll");
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) && on_socket(p, err) < 0)
		return -1;
	if (pfd[1].revents)
		on_stdin(p);
	if (pfd[2].revents)
		on_signals(p);
	if (pfd[3].revents && p->io->extra_cb(p->io->extra_userdata) == 1)
		p->extra_open = false;
	flush_input(p);
	return 0;
}

int attach_pump(int sock, const attach_io *io, int *ret_detached, cpod_error **err)
{
	struct pump p;
	int r = 0;

	if (pump_init(&p, sock, io, err) < 0) {
		pump_release(&p);
		return -1;
	}
	if (io->initial_resize)
		send_size(&p, true);
	while (r == 0 && !p.eof && !(p.detached && !p.pending_len))
		r = pump_step(&p, err);
	pump_release(&p);
	if (r == 0)
		*ret_detached = p.detached ? 1 : 0;
	return r;
}
