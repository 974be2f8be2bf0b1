#include <stdlib.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "tap.h"

int main(void)
{
	strv s = STRV_INIT;
	char **v, *j;

	is_int(strv_length(s.v), 0, "empty vector");
	ok(s.v[0] == NULL, "empty vector is NULL-terminated");
	strv_push(&s, "a");
	strv_pushf(&s, "%s%d", "b", 2);
	for (int i = 0; i < 20; i++)
		strv_push(&s, "x");
	is_int(s.n, 22, "pushes counted");
	ok(s.v[22] == NULL, "NULL-terminated after growth");
	strv_remove(&s, 0);
	is_str(s.v[0], "b2", "remove shifts");
	is_int(strv_length(s.v), 21, "length after remove");
	v = strv_detach(&s);
	is_int(strv_length(v), 21, "detach");
	is_int(s.n, 0, "empty after detach");
	strv_free(v);

	v = strv_split("a,,b", ",", 0);
	is_int(strv_length(v), 3, "split keeps empty fields");
	is_str(v[1], "", "empty field");
	j = strv_join((const char *const *)v, "+");
	is_str(j, "a++b", "join");
	free(j);
	strv_free(v);
	v = strv_split("a,,b", ",", 1);
	is_int(strv_length(v), 2, "split skips empty fields");
	ok(strv_contains((const char *const *)v, "b"), "contains");
	ok(!strv_contains((const char *const *)v, "c"), "does not contain");
	strv_free(v);

	strv env = STRV_INIT;
	strv_push(&env, "PATH=/bin");
	strv_push(&env, "PATHX=no");
	strv_env_set(&env, "HOME", "/root");
	strv_env_set(&env, "PATH", "/usr/bin");
	is_str(strv_env_get((const char *const *)env.v, "PATH"), "/usr/bin", "env_set replaces");
	is_str(strv_env_get((const char *const *)env.v, "HOME"), "/root", "env_set appends");
	ok(strv_env_get((const char *const *)env.v, "PAT") == NULL, "env_get needs the whole key");
	is_int(env.n, 3, "no duplicate key");
	strv_clear(&env);
	{
		_cleanup_strv_ strv scoped = STRV_INIT;
		strv_push(&scoped, "freed at scope end");
		ok(scoped.n == 1, "cleanup attribute compiles");
	}
	return done_testing();
}
