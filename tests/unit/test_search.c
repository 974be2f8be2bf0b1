/* The pure parts of search: filtering catalog names and the Link header's next page. */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/registry.h"
#include "image/search.h"
#include "tap.h"

static void test_filter(void)
{
	char *v[] = { xstrdup("a/busybox-x"), xstrdup("other"), xstrdup("busybox"),
		      xstrdup("ns/busybox"),  xstrdup("zzz"),	NULL };
	size_t n = search_filter_repos(v, 5, "busybox", 10);

	is_int((int)n, 3, "three names contain the term");
	is_str(v[0], "busybox", "the full match first");
	is_str(v[1], "a/busybox-x", "then the registry's order");
	is_str(v[2], "ns/busybox", "third");
	for (size_t i = 0; i < n; i++)
		free(v[i]);

	char *w[] = { xstrdup("x1"), xstrdup("x2"), xstrdup("x3"), xstrdup("x"), NULL };
	n = search_filter_repos(w, 4, "x", 2);
	is_int((int)n, 2, "limit stops at 2");
	is_str(w[0], "x1", "the first two matches");
	is_str(w[1], "x2", "second");
	ok(!w[2] && !w[3], "the rest freed and cleared");
	free(w[0]);
	free(w[1]);

	char *e[] = { xstrdup("a"), xstrdup("b"), NULL };
	n = search_filter_repos(e, 2, "", 25);
	is_int((int)n, 2, "an empty term matches everything");
	free(e[0]);
	free(e[1]);

	char *z[] = { xstrdup("a"), NULL };
	n = search_filter_repos(z, 1, "q", 25);
	is_int((int)n, 0, "no match");
	ok(!z[0], "freed");
}

static void test_link(void)
{
	char *s;

	s = registry_link_next("</v2/_catalog?last=b&n=100>; rel=\"next\"");
	is_str(s, "/v2/_catalog?last=b&n=100", "relative next link");
	free(s);
	s = registry_link_next("<https://r.example/v2/x/tags/list?n=1&last=a>; rel=next");
	is_str(s, "https://r.example/v2/x/tags/list?n=1&last=a", "absolute, unquoted rel");
	free(s);
	ok(!registry_link_next(NULL), "no header");
	ok(!registry_link_next("</v2/_catalog?last=b>; rel=\"prev\""), "not next");
	ok(!registry_link_next("<>; rel=\"next\""), "empty url");
	ok(!registry_link_next("/v2/_catalog; rel=\"next\""), "no angle brackets");
	ok(!registry_link_next("</v2/_catalog; rel=\"next\""), "unclosed");
}

int main(void)
{
	test_filter();
	test_link();
	return done_testing();
}
