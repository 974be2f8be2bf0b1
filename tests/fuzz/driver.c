/* Runs a fuzz target over files (or every file of directories) given on the command line, so
 * that each target's corpus is a regression test in every build, with or without libFuzzer.
 * Built with -Dfuzzing=true under clang, the targets link libFuzzer's own main instead. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	buf b = BUF_INIT;
	uint8_t *copy;

	if (buf_read_file(&b, path) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	/* An exact-size copy so that ASan sees reads past the end. */
	copy = malloc(b.len ? b.len : 1);
	if (!copy)
		abort();
	memcpy(copy, b.s, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0)
			return 1;
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		if (!d)
			return 1;
		while ((de = readdir(d))) {
			char path[4096];
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (run_file(path) < 0) {
				closedir(d);
				return 1;
			}
			n++;
		}
		closedir(d);
	}
	/* TAP, so meson counts the corpus run as one test. */
	printf("ok 1 - %d corpus inputs ran without a crash\n1..1\n", n);
	return 0;
}
