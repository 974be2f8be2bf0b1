/* Fuzzes passwd/group parsing and user resolution: the first line of the input is a user spec
 * (also used as a --group-add value), the rest serves as both /etc/passwd and /etc/group.
 * Checks what must hold of any result: resolved ids are in range, a spec naming a group gets
 * no supplementary groups, and the --group-add list has no duplicates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/userlookup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_groups(const char *spec, const userlookup_file *file)
{
	const char *names[] = { spec, "0", spec };
	uint32_t *gids = NULL;
	size_t n = 0;

	if (userlookup_groups(names, 3, file, &gids, &n, NULL) < 0)
		return;
	if (n < 1 || n > 3)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (gids[i] == gids[j])
				abort();
	free(gids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t spec_len = nl ? (size_t)(nl - (const char *)data) : size;
	char *spec = malloc(spec_len + 1);
	userlookup_file file = { 0 };
	exec_user u;

	if (!spec)
		abort();
	memcpy(spec, data, spec_len);
	spec[spec_len] = '\0';
	if (nl) {
		file.len = size - spec_len - 1;
		file.data = malloc(file.len + 1);
		if (!file.data)
			abort();
		memcpy(file.data, nl + 1, file.len);
		file.data[file.len] = '\0';
	}
	if (!memchr(spec, '\0', spec_len) &&
	    userlookup_exec_user(spec, &file, &file, &u, NULL) == 0) {
		const char *colon = strchr(spec, ':');

		/* "user:group" (a non-empty group) never has supplementary groups. */
		if (!u.home || (colon && colon[1] && colon[1] != ':' && u.n_sgids))
			abort();
		exec_user_release(&u);
	}
	if (!memchr(spec, '\0', spec_len))
		check_groups(spec, &file);
	userlookup_file_release(&file);
	free(spec);
	return 0;
}
