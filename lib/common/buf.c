#include "common/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

char buf_empty_[1];

void buf_init(buf *b, size_t cap)
{
	b->s = buf_empty_;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void buf_release(buf *b)
{
	if (b->alloc)
		free(b->s);
	buf_init(b, b->cap);
}

char *buf_detach(buf *b, size_t *ret_len)
{
	char *s;

	if (ret_len)
		*ret_len = b->len;
	s = b->alloc ? b->s : xstrdup("");
	buf_init(b, b->cap);
	return s;
}

void buf_reset(buf *b)
{
	buf_truncate(b, 0);
}

void buf_truncate(buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->s[len] = '\0';
}

int buf_grow(buf *b, size_t n)
{
	size_t want;

	if (n > SIZE_MAX - b->len - 1) {
		errno = EFBIG;
		return -1;
	}
	if (b->cap && b->len + n > b->cap) {
		errno = EFBIG;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	if (want < b->alloc * 2)
		want = b->alloc * 2;
	if (want < 64)
		want = 64;
	if (b->alloc) {
		b->s = xrealloc(b->s, want);
	} else {
		b->s = xmalloc(want);
		b->s[0] = '\0';
	}
	b->alloc = want;
	return 0;
}

int buf_add(buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int buf_adds(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_read_fd(buf *b, int fd)
{
	for (;;) {
		ssize_t n;

		if (buf_grow(b, 8192) < 0) {
			/* Near the cap: read what still fits, then probe for more. */
			size_t room = b->cap > b->len ? b->cap - b->len : 0;
			char probe;
			if (room) {
				if (buf_grow(b, room) < 0)
					return -1;
				n = read(fd, b->s + b->len, room);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					return -1;
				if (n == 0)
					return 0;
				b->len += (size_t)n;
				b->s[b->len] = '\0';
				continue;
			}
			do
				n = read(fd, &probe, 1);
			while (n < 0 && errno == EINTR);
			if (n == 0)
				return 0;
			errno = n < 0 ? errno : EFBIG;
			return -1;
		}
		size_t room = b->alloc - b->len - 1;
		/* Never read past the cap, however much the allocation grew. */
		if (b->cap && room > b->cap - b->len)
			room = b->cap - b->len;
		n = read(fd, b->s + b->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->s[b->len] = '\0';
	}
}

int buf_read_file(buf *b, const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return buf_read_fd(b, fd);
}
