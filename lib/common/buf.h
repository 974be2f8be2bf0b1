/* Growable byte buffer, always NUL-terminated, never NULL after buf_init().
 *
 * A buffer may carry a cap (bytes of content): appends that would pass it fail with -1 and
 * errno EFBIG, leaving the content as it was.  Use a cap for anything read from outside.
 * buf_detach() hands the string to the caller (free() it) and leaves the buffer empty.
 */
#ifndef CPOD_COMMON_BUF_H
#define CPOD_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *s;    /* content, NUL-terminated; points at a static "" while nothing is allocated */
	size_t len; /* bytes of content */
	size_t alloc; /* bytes allocated, 0 while s is the static "" */
	size_t cap;   /* largest len allowed, 0 = no cap */
} buf;

extern char buf_empty_[];
#define BUF_INIT                                                \
	{                                                       \
		.s = buf_empty_, .len = 0, .alloc = 0, .cap = 0 \
	}

void buf_init(buf *b, size_t cap);
/* Frees the content; the buffer is empty and usable again. */
void buf_release(buf *b);
static inline void buf_releasep(buf *b)
{
	buf_release(b);
}
#define _cleanup_buf_ __attribute__((cleanup(buf_releasep)))

/* Returns the content as a malloc'ed string (caller frees); the buffer is empty again. */
char *buf_detach(buf *b, size_t *ret_len);
void buf_reset(buf *b);
void buf_truncate(buf *b, size_t len);
/* Makes room for n more bytes; -1/EFBIG past the cap. */
int buf_grow(buf *b, size_t n);

int buf_add(buf *b, const void *data, size_t n);
int buf_adds(buf *b, const char *s);
int buf_addch(buf *b, char c);
int buf_addf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Reads all of fd (until EOF) into b; -1 with errno on error or past the cap. */
int buf_read_fd(buf *b, int fd);
/* Reads a whole file; -1 with errno set. */
int buf_read_file(buf *b, const char *path);

#endif
