/* What the image commands share: reading the library's records and printing sizes, times and
 * IDs the way podman's image commands do. */
#include "commands.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/timeparse.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "common/banned.h"

void cli_print_progress(void *data, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

json_object *cli_json_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object))
		return NULL;
	if (json_object_object_get_ex(o, key, &v))
		return v;
	/* The library's records use podman's JSON names, whose case varies between commands
	 * ("Id" in images, "id" in history); accept either. */
	json_object_object_foreach(o, k, val) {
		if (strcasecmp(k, key) == 0)
			return val;
	}
	return NULL;
}

const char *cli_json_str(json_object *o, const char *key)
{
	json_object *v = cli_json_get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

int64_t cli_json_int(json_object *o, const char *key)
{
	json_object *v = cli_json_get(o, key);

	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
		return json_object_get_int64(v);
	return 0;
}

time_t cli_json_time(json_object *o, const char *key)
{
	json_object *v = cli_json_get(o, key);
	struct timespec ts;

	if (json_object_is_type(v, json_type_string) &&
	    timeparse_rfc3339(json_object_get_string(v), &ts, NULL) == 0)
		return ts.tv_sec;
	return (time_t)cli_json_int(o, key);
}

char *cli_human_size(int64_t size)
{
	_cleanup_free_ char *s = units_human_size_prec(size, 3);
	size_t n = strlen(s), j = n;

	/* podman puts a space between the number and its unit: "1.2MB" -> "1.2 MB". */
	while (j > 0 && !(s[j - 1] >= '0' && s[j - 1] <= '9'))
		j--;
	return xasprintf("%.*s %s", (int)j, s, s + j);
}

char *cli_time_string(time_t t)
{
	struct tm tm;
	char out[64];

	/* Go's time.Time.String() of a UTC time. */
	if (!gmtime_r(&t, &tm) ||
	    strftime(out, sizeof(out), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm) == 0)
		return xstrdup("");
	return xstrdup(out);
}

char *cli_rfc3339(time_t t)
{
	struct timespec ts = { .tv_sec = t };

	return timeparse_format_utc(&ts);
}

char *cli_time_ago(time_t t)
{
	return units_time_ago(t, time(NULL));
}

json_object *cli_json_strings(const strv *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}
