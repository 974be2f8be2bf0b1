#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpod/error.h>

#include "common/ids.h"
#include "tap.h"

#define ID_A "abc1000000000000000000000000000000000000000000000000000000000001"
#define ID_B "abd2000000000000000000000000000000000000000000000000000000000002"
#define ID_C "ff00000000000000000000000000000000000000000000000000000000000003"
#define ID_UPPER "ABC1000000000000000000000000000000000000000000000000000000000001"
#define ID_NONHEX "gbc1000000000000000000000000000000000000000000000000000000000001"

/* Checks that e is an error of kind with message msg, then frees it. */
static void is_error(cpod_error *e, cpod_errkind kind, const char *msg, const char *name)
{
	ok(e != NULL, "%s: fails", name);
	if (!e)
		return;
	is_int(cpod_error_kind(e), kind, "%s: error kind", name);
	is_str(cpod_error_message(e), msg, "%s: message", name);
	cpod_error_free(e);
}

static void test_encode(void)
{
	unsigned char raw[ID_RAW_LEN] = { 0 };
	char id[ID_LEN + 1];

	is_int(id_encode(raw, id), -1, "all-zero bytes give an all-digit short ID: refused");
	is_str(id, "0000000000000000000000000000000000000000000000000000000000000000",
	       "encode writes the hex even when refusing");
	memcpy(raw, "\x12\x34\x56\x78\x90\x12", 6);
	is_int(id_encode(raw, id), -1, "123456789012... refused (12 digits)");
	raw[5] = 0x1a;
	is_int(id_encode(raw, id), 0, "1234567890 1a...: a letter at position 12 is enough");
	is_str(id, "12345678901a0000000000000000000000000000000000000000000000000000",
	       "lowercase hex, two digits per byte");
	memcpy(raw, "\x12\x34\x56\x78\x90\x12\xab", 7);
	is_int(id_encode(raw, id), -1, "letters after the first 12 characters do not count");
	raw[0] = 0xa0;
	is_int(id_encode(raw, id), 0, "a letter first is fine");
	ok(strncmp(id, "a034", 4) == 0, "high nibble first");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_generate(void)
{
	enum { N = 500 };
	char *ids[N];
	int all_full = 1, none_numeric = 1, distinct = 1;

	for (int i = 0; i < N; i++) {
		cpod_error *e = NULL;

		ids[i] = id_generate(&e);
		if (!ids[i] || !id_is_full(ids[i]))
			all_full = 0;
		if (ids[i] && strspn(ids[i], "0123456789") >= ID_SHORT_LEN)
			none_numeric = 0;
		cpod_error_free(e);
	}
	ok(all_full, "%d generated IDs are 64 lowercase hex characters", N);
	ok(none_numeric, "no generated ID starts with 12 digits");
	qsort(ids, N, sizeof(ids[0]), cmp_str);
	for (int i = 1; i < N; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			distinct = 0;
	ok(distinct, "generated IDs are all different");
	for (int i = 0; i < N; i++)
		free(ids[i]);
}

static void test_validity(void)
{
	char longer[ID_LEN + 2];

	ok(id_is_full(ID_A), "full ID");
	ok(!id_is_full("abc"), "a prefix is not a full ID");
	ok(!id_is_full(ID_A "0"), "65 characters are not a full ID");
	ok(!id_is_full(ID_UPPER), "uppercase is not a full ID");
	ok(!id_is_full(ID_NONHEX), "non-hex is not a full ID");
	ok(!id_is_full(""), "empty is not a full ID");
	ok(!id_is_full(NULL), "NULL is not a full ID");

	ok(id_is_valid_prefix("a"), "one character is a valid prefix");
	ok(id_is_valid_prefix("0123"), "digits are a valid prefix");
	ok(id_is_valid_prefix(ID_A), "a full ID is a valid prefix");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ok(!id_is_valid_prefix(longer), "65 characters are too long for a prefix");
	ok(!id_is_valid_prefix(""), "empty is not a valid prefix");
	ok(!id_is_valid_prefix(NULL), "NULL is not a valid prefix");
	ok(!id_is_valid_prefix("ABC"), "uppercase is not a valid prefix");
	ok(!id_is_valid_prefix("ab-c"), "punctuation is not a valid prefix");
	ok(!id_is_valid_prefix("web"), "a name is not a valid prefix");
}

static void test_short(void)
{
	char *s;

	s = id_short(ID_A);
	is_str(s, "abc100000000", "short form is the first 12 characters");
	free(s);
	s = id_short("sha256:" ID_B);
	is_str(s, "abd200000000", "the algorithm prefix is dropped first");
	free(s);
	s = id_short("abc");
	is_str(s, "abc", "shorter strings stay whole");
	free(s);
}

static void test_lookup(void)
{
	const char *const ids[] = { ID_A, ID_B, ID_C, NULL };
	const char *found = "unset";
	size_t n = 99;
	cpod_error *e = NULL;

	int r;

	r = id_lookup(ids, "abc", ID_OBJ_CONTAINER, &found, &n, &e);
	ok(r == 0 && found == ids[0], "unique prefix found, pointing into the candidates");
	is_int(n, 1, "one match counted");
	r = id_lookup(ids, "f", ID_OBJ_CONTAINER, &found, NULL, &e);
	ok(r == 0 && found == ids[2], "a one-character prefix");
	r = id_lookup(ids, ID_B, ID_OBJ_CONTAINER, &found, NULL, &e);
	ok(r == 0 && found == ids[1], "a full ID");
	found = "unset";
	r = id_lookup(ids, "ab", ID_OBJ_CONTAINER, &found, &n, &e);
	ok(r == -1, "ambiguous prefix fails");
	is_int(n, 2, "the matches are counted");
	is_str(found, "unset", "no result on failure");
	is_error(e, CPOD_ERR_INVALID,
		 "more than one result for container ID ab: container already exists", "ambiguous");
	e = NULL;
	r = id_lookup(ids, "abe", ID_OBJ_CONTAINER, &found, &n, &e);
	ok(r == -1 && n == 0, "no match, zero counted");
	is_error(e, CPOD_ERR_NOT_FOUND,
		 "no container with name or ID \"abe\" found: no such container", "not found");
	e = NULL;
	id_lookup(ids, "", ID_OBJ_CONTAINER, &found, NULL, &e);
	is_error(e, CPOD_ERR_INVALID, "name or ID cannot be empty", "empty user string");
	e = NULL;
	id_lookup(ids, NULL, ID_OBJ_POD, &found, NULL, &e);
	is_error(e, CPOD_ERR_INVALID, "name or ID cannot be empty", "NULL user string");
	e = NULL;
	r = id_lookup(NULL, "ab", ID_OBJ_POD, &found, &n, NULL);
	ok(r == -1 && n == 0, "no candidates at all: not found (err may be NULL)");
}

static void test_lookup_wording(void)
{
	const char *const ids[] = { ID_A, ID_B, NULL };
	const char *found;
	cpod_error *e = NULL;

	id_lookup(ids, "ab", ID_OBJ_POD, &found, NULL, &e);
	is_error(e, CPOD_ERR_INVALID, "more than one result for ID or name ab: pod already exists",
		 "pod ambiguous");
	e = NULL;
	id_lookup(ids, "zz", ID_OBJ_POD, &found, NULL, &e);
	is_error(e, CPOD_ERR_NOT_FOUND, "no pod with name or ID zz found: no such pod",
		 "pod not found");
	e = NULL;
	id_lookup(ids, "ab", ID_OBJ_NETWORK, &found, NULL, &e);
	is_error(e, CPOD_ERR_INVALID, "more than one result for network ID ab", "network dup");
	e = NULL;
	id_lookup(ids, "zz", ID_OBJ_NETWORK, &found, NULL, &e);
	is_error(e, CPOD_ERR_NOT_FOUND,
		 "unable to find network with name or ID zz: network not found",
		 "network not found");
	e = NULL;
	id_lookup(ids, "ab", ID_OBJ_IMAGE, &found, NULL, &e);
	is_error(e, CPOD_ERR_NOT_FOUND, "ab: image not known",
		 "image: an ambiguous prefix is not known (containers/storage)");
	e = NULL;
	id_lookup(ids, "zz", ID_OBJ_IMAGE, &found, NULL, &e);
	is_error(e, CPOD_ERR_NOT_FOUND, "zz: image not known", "image not found");
}

static void test_lookup_names(void)
{
	const char *const vols[] = { "data2", "data", "cache", NULL };
	const char *found = NULL;
	size_t n = 0;
	cpod_error *e = NULL;

	int r;

	r = id_lookup(vols, "data", ID_OBJ_VOLUME, &found, &n, &e);
	ok(r == 0 && found == vols[1], "an exact name beats a longer name, whatever the order");
	is_int(n, 1, "an exact match counts as one");
	r = id_lookup(vols, "c", ID_OBJ_VOLUME, &found, NULL, &e);
	ok(r == 0 && found == vols[2], "volume name prefix");
	id_lookup(vols, "dat", ID_OBJ_VOLUME, &found, NULL, &e);
	is_error(e, CPOD_ERR_INVALID,
		 "more than one result for volume name \"dat\": volume already exists",
		 "volume ambiguous");
	e = NULL;
	id_lookup(vols, "x", ID_OBJ_VOLUME, &found, NULL, &e);
	is_error(e, CPOD_ERR_NOT_FOUND, "no volume with name \"x\" found: no such volume",
		 "volume not found");
}

/* An iterator that reuses one buffer, so a lookup that kept its pointer would see junk. */
struct iter {
	const char *const *src;
	size_t i;
	char scratch[ID_LEN + 1];
	int calls;
};

static const char *iter_next(void *ctx)
{
	struct iter *it = ctx;

	it->calls++;
	if (!it->src[it->i])
		return NULL;
	snprintf(it->scratch, sizeof(it->scratch), "%s", it->src[it->i++]);
	return it->scratch;
}

static void test_lookup_iter(void)
{
	const char *const ids[] = { ID_A, ID_B, ID_C, NULL };
	const char *const names[] = { "web", "web2", "other", NULL };
	struct iter it = { .src = ids };
	size_t n = 0;
	cpod_error *e = NULL;
	char *found;

	found = id_lookup_iter(iter_next, &it, "abd", ID_OBJ_CONTAINER, &n, &e);
	is_str(found, ID_B, "iterator lookup returns a copy of the match");
	is_int(n, 1, "iterator lookup counts one match");
	is_int(it.calls, 4, "all candidates were read to rule out ambiguity");
	free(found);

	it = (struct iter){ .src = names };
	found = id_lookup_iter(iter_next, &it, "web", ID_OBJ_CONTAINER, NULL, &e);
	is_str(found, "web", "iterator: exact match wins");
	is_int(it.calls, 1, "iterator: reading stops at an exact match");
	free(found);

	it = (struct iter){ .src = ids };
	found = id_lookup_iter(iter_next, &it, "a", ID_OBJ_CONTAINER, &n, &e);
	ok(!found && n == 2, "iterator: ambiguous prefix fails, two matches");
	is_error(e, CPOD_ERR_INVALID,
		 "more than one result for container ID a: container already exists",
		 "iterator ambiguous");
	e = NULL;
	it = (struct iter){ .src = ids };
	found = id_lookup_iter(iter_next, &it, "0", ID_OBJ_CONTAINER, &n, &e);
	ok(!found && n == 0, "iterator: no match");
	is_error(e, CPOD_ERR_NOT_FOUND,
		 "no container with name or ID \"0\" found: no such container",
		 "iterator not found");
	e = NULL;
	it = (struct iter){ .src = ids };
	found = id_lookup_iter(iter_next, &it, "", ID_OBJ_CONTAINER, NULL, &e);
	ok(!found && it.calls == 0, "iterator: empty user string fails before reading");
	is_error(e, CPOD_ERR_INVALID, "name or ID cannot be empty", "iterator empty");
}

int main(void)
{
	test_encode();
	test_generate();
	test_validity();
	test_short();
	test_lookup();
	test_lookup_wording();
	test_lookup_names();
	test_lookup_iter();
	return done_testing();
}
