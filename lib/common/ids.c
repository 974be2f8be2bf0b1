#include "common/ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/xalloc.h"
#include "common/banned.h"

/* Fills buf from getrandom(2).  Short reads only happen when a signal interrupts a wait for
 * the entropy pool at early boot; both are retried. */
static int random_bytes(unsigned char *buf, size_t len, cpod_error **err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cpod_err(err, CPOD_ERR_SYSTEM, errno, "reading random bytes");
		}
		done += (size_t)n;
	}
	return 0;
}

int id_encode(const unsigned char raw[ID_RAW_LEN], char ret[ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	int all_digits = 1;

	for (size_t i = 0; i < ID_RAW_LEN; i++) {
		ret[2 * i] = hex[raw[i] >> 4];
		ret[2 * i + 1] = hex[raw[i] & 0xf];
	}
	ret[ID_LEN] = '\0';
	for (size_t i = 0; i < ID_SHORT_LEN; i++) {
		if (ret[i] > '9')
			all_digits = 0;
	}
	return all_digits ? -1 : 0;
}

char *id_generate(cpod_error **err)
{
	unsigned char raw[ID_RAW_LEN];
	char *id = xmalloc(ID_LEN + 1);

	do {
		if (random_bytes(raw, sizeof(raw), err) < 0) {
			free(id);
			return NULL;
		}
	} while (id_encode(raw, id) < 0);
	return id;
}

static size_t hex_span(const char *s)
{
	return strspn(s, "0123456789abcdef");
}

int id_is_full(const char *s)
{
	return s && strlen(s) == ID_LEN && hex_span(s) == ID_LEN;
}

int id_is_valid_prefix(const char *s)
{
	size_t len;

	if (!s)
		return 0;
	len = strlen(s);
	return len >= 1 && len <= ID_LEN && hex_span(s) == len;
}

char *id_short(const char *id)
{
	const char *colon = strchr(id, ':');

	if (colon)
		id = colon + 1;
	return xstrndup(id, ID_SHORT_LEN);
}

/* podman 4.3.1's words (libpod/boltdb_state*.go, common/libnetwork, common/libimage). */
#define CTR_MISSING "no container with name or ID \"%s\" found: no such container"
#define CTR_AMBIGUOUS "more than one result for container ID %s: container already exists"
#define POD_MISSING "no pod with name or ID %s found: no such pod"
#define POD_AMBIGUOUS "more than one result for ID or name %s: pod already exists"
#define VOL_MISSING "no volume with name \"%s\" found: no such volume"
#define VOL_AMBIGUOUS "more than one result for volume name \"%s\": volume already exists"
#define NET_MISSING "unable to find network with name or ID %s: network not found"
#define NET_AMBIGUOUS "more than one result for network ID %s"
#define IMG_MISSING "%s: image not known"

/* The state of one lookup: candidates are fed one by one. */
struct matcher {
	const char *user;
	size_t len;
	int exact;	/* an exact match was seen; it wins */
	size_t matches; /* candidates matched so far */
};

/* Returns 1 when id becomes the answer so far. */
static int matcher_feed(struct matcher *m, const char *id)
{
	if (m->exact || !id)
		return 0;
	if (strcmp(id, m->user) == 0) {
		m->exact = 1;
		m->matches = 1;
		return 1;
	}
	if (strncmp(id, m->user, m->len) != 0)
		return 0;
	m->matches++;
	return m->matches == 1;
}

static int err_not_found(cpod_error **err, id_object what, const char *user)
{
	switch (what) {
	case ID_OBJ_CONTAINER:
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, CTR_MISSING, user);
	case ID_OBJ_POD:
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, POD_MISSING, user);
	case ID_OBJ_VOLUME:
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, VOL_MISSING, user);
	case ID_OBJ_NETWORK:
		return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, NET_MISSING, user);
	case ID_OBJ_IMAGE:
		break;
	}
	return cpod_err(err, CPOD_ERR_NOT_FOUND, 0, IMG_MISSING, user);
}

static int err_ambiguous(cpod_error **err, id_object what, const char *user)
{
	switch (what) {
	case ID_OBJ_CONTAINER:
		return cpod_err(err, CPOD_ERR_INVALID, 0, CTR_AMBIGUOUS, user);
	case ID_OBJ_POD:
		return cpod_err(err, CPOD_ERR_INVALID, 0, POD_AMBIGUOUS, user);
	case ID_OBJ_VOLUME:
		return cpod_err(err, CPOD_ERR_INVALID, 0, VOL_AMBIGUOUS, user);
	case ID_OBJ_NETWORK:
		return cpod_err(err, CPOD_ERR_INVALID, 0, NET_AMBIGUOUS, user);
	case ID_OBJ_IMAGE:
		break;
	}
	/* containers/storage's truncindex: an ambiguous prefix is no match at all. */
	return err_not_found(err, what, user);
}

static int matcher_start(struct matcher *m, const char *user, cpod_error **err)
{
	if (!user || !*user)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "name or ID cannot be empty");
	*m = (struct matcher){ .user = user, .len = strlen(user) };
	return 0;
}

static int matcher_finish(const struct matcher *m, id_object what, size_t *ret_matches,
			  cpod_error **err)
{
	if (ret_matches)
		*ret_matches = m->matches;
	if (m->matches == 0)
		return err_not_found(err, what, m->user);
	if (m->matches > 1)
		return err_ambiguous(err, what, m->user);
	return 0;
}

int id_lookup(const char *const *ids, const char *user, id_object what, const char **ret,
	      size_t *ret_matches, cpod_error **err)
{
	struct matcher m = { 0 };
	const char *found = NULL;

	if (ret_matches)
		*ret_matches = 0;
	if (matcher_start(&m, user, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i] && !m.exact; i++) {
		if (matcher_feed(&m, ids[i]))
			found = ids[i];
	}
	if (matcher_finish(&m, what, ret_matches, err) < 0)
		return -1;
	*ret = found;
	return 0;
}

char *id_lookup_iter(id_iter_fn next, void *ctx, const char *user, id_object what,
		     size_t *ret_matches, cpod_error **err)
{
	struct matcher m = { 0 };
	char *found = NULL;
	const char *id;

	if (ret_matches)
		*ret_matches = 0;
	if (matcher_start(&m, user, err) < 0)
		return NULL;
	while (!m.exact && (id = next(ctx))) {
		if (matcher_feed(&m, id)) {
			free(found);
			found = xstrdup(id);
		}
	}
	if (matcher_finish(&m, what, ret_matches, err) < 0) {
		free(found);
		return NULL;
	}
	return found;
}
