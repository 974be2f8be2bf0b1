/* Attaching to a container's (or exec session's) conmon attach socket, as a podman client
 * does (conmon.md section 5): output packets [stream byte][<= 8192 bytes] are demultiplexed
 * (2 stdout, 3 stderr; everything is 2 with a terminal), input is forwarded raw, the detach
 * keys are recognized locally, SIGWINCH becomes a resize through conmon's ctl FIFO and, when
 * asked, signals are proxied to the container.
 *
 *	attach_io io;
 *	attach_io_init(&io);
 *	io.stdin_fd = 0; io.stdout_fd = 1; io.stderr_fd = 2;
 *	io.resize_bundle = tty ? bundle : NULL;
 *	int sock = attach_connect("<bundle>/attach", err);	// before `runtime start`
 *	... start ...
 *	r = attach_pump(sock, &io, &detached, err);		// until the container exits
 */
#ifndef CPOD_ENGINE_ATTACH_H
#define CPOD_ENGINE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#include <cpod/error.h>

/* podman's (containers.conf) default detach keys. */
#define ATTACH_DEFAULT_DETACH_KEYS "ctrl-p,ctrl-q"
/* A packet from conmon: stream byte + conmon's STDIO_BUF_SIZE. */
#define ATTACH_PACKET_SIZE 8193

typedef struct {
	/* Input forwarded to the container, raw; -1: none (the socket's write side then stays
	 * open, so an interactive container keeps its stdin).  At its end the write side is shut
	 * down, which closes the container's stdin (-i). */
	int stdin_fd;
	int stdout_fd;	  /* stream 2 goes here (-1: dropped) */
	int stderr_fd;	  /* stream 3 goes here (-1: dropped) */
	bool want_stdout; /* false: stream 2 is dropped (run -a) */
	bool want_stderr; /* false: stream 3 is dropped */
	/* podman's detach key spec ("ctrl-p,ctrl-q"), scanned for in the input: NULL is
	 * ATTACH_DEFAULT_DETACH_KEYS, "" disables detaching. */
	const char *detach_keys;
	/* The container's bundle (or exec session directory) when it has a terminal: on SIGWINCH
	 * the size of tty_fd is sent to conmon (conmon_resize()).  NULL: no resizing. */
	const char *resize_bundle;
	/* The terminal whose size is sent; -1: stdout_fd if it is a terminal, else stdin_fd. */
	int tty_fd;
	bool initial_resize; /* send the size once at the start too */
	/* Signals proxied to the container (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2)
	 * go to signal_cb when set, else to signal_pid when > 0; neither: not proxied. */
	int (*signal_cb)(void *userdata, int sig);
	void *signal_userdata;
	pid_t signal_pid;
	/* Another descriptor watched while pumping (an exec session's sync pipe): extra_cb is
	 * called when it is readable or hung up, and returns 1 to stop watching it, else 0. */
	int extra_fd;
	int (*extra_cb)(void *userdata);
	void *extra_userdata;
} attach_io;

/* Sets every descriptor to -1, want_stdout and want_stderr to true, the rest to 0/NULL. */
void attach_io_init(attach_io *io);

/* Connects to the attach socket at sock_path (the O_PATH + /proc/self/fd way, for long
 * paths).  Returns the socket (caller closes) or -1 (CPOD_ERR_NOT_FOUND when absent). */
int attach_connect(const char *sock_path, cpod_error **err);

/* Pumps until the socket ends (the container exited and conmon closed it: every byte of
 * output has been written by then) or the user typed the detach keys (*ret_detached = 1,
 * else 0; the socket is left for the caller to close).  Signals handled are blocked in the
 * calling thread while it runs and read through a signalfd; the mask is restored on return.
 * Errors: CPOD_ERR_INVALID for bad detach keys (before anything is done), CPOD_ERR_SYSTEM for
 * I/O failures (writing the output included). */
int attach_pump(int sock, const attach_io *io, int *ret_detached, cpod_error **err);

/* podman's term.ToBytes: comma-separated keys, each one character (taken as is), "ctrl-@",
 * "ctrl-a" .. "ctrl-z", "ctrl-[", "ctrl-\", "ctrl-]", "ctrl-^", "ctrl-_" (bytes 0 .. 31) or
 * "DEL" (127).  *ret is a new buffer of *ret_len bytes (an empty spec gives length 0).
 * CPOD_ERR_INVALID: "invalid detach keys: Unknown character: 'x'" as podman says it. */
int attach_parse_detach_keys(const char *spec, char **ret, size_t *ret_len, cpod_error **err);

/* The window size of a terminal; -1 with errno when fd is not one. */
int tty_get_size(int fd, unsigned short *ret_rows, unsigned short *ret_cols);

/* Puts the terminal fd in raw mode (cfmakeraw), saving its settings in *ret_saved. */
int tty_make_raw(int fd, struct termios *ret_saved, cpod_error **err);

/* Restores settings saved by tty_make_raw(); returns 0 or -1 with errno. */
int tty_restore(int fd, const struct termios *saved);

#endif
