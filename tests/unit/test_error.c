#include <errno.h>
#include <cpod/error.h>

#include "common/cleanup.h"
#include "tap.h"

int main(void)
{
	cpod_error *e = NULL;

	is_int(cpod_err(&e, CPOD_ERR_NOT_FOUND, 0, "image '%s' not found", "busybox"), -1,
	       "cpod_err returns -1");
	is_str(cpod_error_message(e), "image 'busybox' not found", "message");
	is_int(cpod_error_kind(e), CPOD_ERR_NOT_FOUND, "kind");
	cpod_err_prefix(&e, "creating container '%s'", "web");
	is_str(cpod_error_message(e), "creating container 'web': image 'busybox' not found",
	       "prefix prepends context");
	is_int(cpod_error_exit_code(e), 125, "engine errors exit 125");
	is_int(cpod_error_http_status(e), 404, "not found is HTTP 404");

	/* A second error does not overwrite the first. */
	cpod_err(&e, CPOD_ERR_INTERNAL, 0, "later");
	is_int(cpod_error_kind(e), CPOD_ERR_NOT_FOUND, "first error wins");
	cpod_error_freep(&e);
	ok(e == NULL, "freep clears");

	cpod_err(&e, CPOD_ERR_SYSTEM, ENOENT, "opening '%s'", "/x");
	is_str(cpod_error_message(e), "opening '/x': No such file or directory", "errno appended");
	is_int(cpod_error_errno(e), ENOENT, "errno kept");
	cpod_error_freep(&e);

	cpod_err(&e, CPOD_ERR_CANNOT_INVOKE, 0, "x");
	is_int(cpod_error_exit_code(e), 126, "cannot invoke is 126");
	cpod_error_freep(&e);
	cpod_err(&e, CPOD_ERR_CMD_NOT_FOUND, 0, "x");
	is_int(cpod_error_exit_code(e), 127, "command not found is 127");
	cpod_error_freep(&e);
	cpod_err(&e, CPOD_ERR_EXISTS, 0, "x");
	is_int(cpod_error_http_status(e), 409, "exists is HTTP 409");
	cpod_error_freep(&e);

	is_int(cpod_err(NULL, CPOD_ERR_SYSTEM, 0, "discarded"), -1, "NULL err is allowed");
	cpod_error_free(NULL);
	errno = EBUSY;
	cpod_err(&e, CPOD_ERR_STATE, 0, "x");
	cpod_error_freep(&e);
	is_int(errno, EBUSY, "errno preserved through err and free");
	return done_testing();
}
