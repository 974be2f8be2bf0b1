/* Fuzzes the layer extractor: the input is applied as a layer stream (in overlay and in vfs
 * mode) to a fresh directory "layer" inside a fresh temporary directory, which is removed
 * afterwards.  Whatever the input, nothing may appear next to "layer": an entry that got
 * out of it aborts. */
#include <archive.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "storage/tar_apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless dir holds exactly one entry, "layer". */
static void check_alone(int topfd)
{
	DIR *d = fdopendir(openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "layer"))
			abort();
	closedir(d);
}

static void apply_once(const uint8_t *data, size_t size, tar_apply_mode mode)
{
	char top[] = "/tmp/cpod-fuzz-tar-XXXXXX";
	tar_apply_opts opts = { .mode = mode, .no_chown = geteuid() != 0 };
	cpod_error *err = NULL;
	struct archive *a;
	int topfd, layer;

	if (!mkdtemp(top))
		abort();
	topfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (topfd < 0 || mkdirat(topfd, "layer", 0755) < 0)
		abort();
	layer = openat(topfd, "layer", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (layer < 0)
		abort();
	a = tar_apply_reader_new();
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK &&
	    tar_apply(layer, a, &opts, NULL, &err) < 0) {
		/* an error always carries a message */
		if (!err || !cpod_error_message(err))
			abort();
	}
	archive_read_free(a);
	cpod_error_free(err);
	close(layer);
	check_alone(topfd);
	close(topfd);
	/* Unprivileged, a directory extracted without search permission cannot be emptied. */
	if (fs_rm_rf_at(AT_FDCWD, top) < 0 && geteuid() == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apply_once(data, size, TAR_APPLY_OVERLAY);
	apply_once(data, size, TAR_APPLY_VFS);
	return 0;
}
