/* The two halves of a tiny HTTP server that unit tests run on 127.0.0.1 in a thread of their
 * own, to play a registry to cpod's libcurl client. */
#ifndef CPOD_TEST_HTTP_LAB_H
#define CPOD_TEST_HTTP_LAB_H

#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Sends all of p (a peer that went away ends it quietly). */
static inline void send_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = send(fd, c, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		c += n;
		len -= (size_t)n;
	}
}

/* Reads one request's head into head (NUL-terminated); 0 at a closed connection or a TLS
 * hello (curl tries https first), else its length. */
static inline size_t read_head(int fd, char *head, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = recv(fd, head + len, size - 1 - len, 0);

		if (n <= 0 || (len == 0 && (unsigned char)head[0] == 0x16))
			return 0;
		len += (size_t)n;
		head[len] = '\0';
		if (strstr(head, "\r\n\r\n"))
			return len;
	}
	return 0;
}

#endif
