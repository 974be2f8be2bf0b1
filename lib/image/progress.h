/* The progress lines of image copies ("Copying blob sha256:..."), as podman prints them
 * without a terminal. */
#ifndef CPOD_IMAGE_PROGRESS_H
#define CPOD_IMAGE_PROGRESS_H

#include <stdarg.h>

/* Called with each line, without the newline; line lives for the call only. */
typedef void (*image_progress_fn)(void *data, const char *line);

/* Formats the line and gives it to fn(data); nothing when fn is NULL. */
void image_vprogress(image_progress_fn fn, void *data, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
