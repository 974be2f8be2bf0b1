/* Progress lines of image copies (see progress.h). */
#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "image/progress.h"
#include "common/banned.h"

void image_vprogress(image_progress_fn fn, void *data, const char *fmt, va_list ap)
{
	_cleanup_free_ char *line = NULL;

	if (!fn)
		return;
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	fn(data, line);
}
