/* The files the engine makes for a container before it starts: /etc/hosts, /etc/hostname,
 * /etc/resolv.conf and /run/.containerenv, written in its bundle and bind-mounted by the
 * spec. */
#include "engine/ctr_files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <cpod/version.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define HOST_FILE_CAP (1u << 20)

static void add_strings(buf *b, json_object *sg, const char *key, const char *prefix)
{
	json_object *a;

	if (!json_object_object_get_ex(sg, key, &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_string))
			buf_addf(b, "%s%s\n", prefix, json_object_get_string(v));
	}
}

static bool has_strings(json_object *sg, const char *key)
{
	json_object *a;

	return json_object_object_get_ex(sg, key, &a) && json_object_is_type(a, json_type_array) &&
	       json_object_array_length(a) > 0;
}

/* "--add-host name:ip" entries as hosts lines "ip\tname". */
static int add_hosts(buf *b, json_object *sg, cpod_error **err)
{
	json_object *a;

	if (!json_object_object_get_ex(sg, "hostadd", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(a, i));
		const char *colon = e ? strchr(e, ':') : NULL;

		if (!colon || colon == e || !colon[1])
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid --add-host '%s': expected HOST:IP", e ? e : "");
		buf_addf(b, "%s\t%.*s\n", colon + 1, (int)(colon - e), e);
	}
	return 0;
}

static int write_hosts(int dirfd, const ctr_files_opts *o, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	if (add_hosts(&b, o->sg, err) < 0)
		return -1;
	buf_adds(&b, "127.0.0.1\tlocalhost localhost.localdomain localhost4 "
		     "localhost4.localdomain4\n"
		     "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
	if (o->hostname)
		buf_addf(&b, "127.0.1.1\t%s %s\n", o->hostname, o->name);
	return fs_write_atomic(dirfd, "hosts", b.s, b.len, 0644, false, err);
}

/* The host's resolv.conf without loopback name servers (unreachable from the container's
 * own network namespace), with --dns / --dns-search / --dns-option replacing their kind. */
static int write_resolv(int dirfd, const ctr_files_opts *o, cpod_error **err)
{
	_cleanup_buf_ buf host = BUF_INIT, b = BUF_INIT;
	bool dns = has_strings(o->sg, "dns_server"), search = has_strings(o->sg, "dns_search"),
	     opts = has_strings(o->sg, "dns_option");
	char *line, *save = NULL;

	if (fs_read_file(o->host_resolv ? o->host_resolv : "/etc/resolv.conf", HOST_FILE_CAP, &host,
			 NULL) < 0)
		buf_reset(&host);
	for (line = strtok_r(host.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool ns = strncmp(line, "nameserver", 10) == 0;

		if ((ns &&
		     (dns || (!o->host_network && (strstr(line, " 127.") || strstr(line, " ::"
											 "1"))))) ||
		    (search && strncmp(line, "search", 6) == 0) ||
		    (opts && strncmp(line, "options", 7) == 0))
			continue;
		buf_addf(&b, "%s\n", line);
	}
	add_strings(&b, o->sg, "dns_server", "nameserver ");
	if (search) {
		json_object *a;

		json_object_object_get_ex(o->sg, "dns_search", &a);
		buf_adds(&b, "search");
		for (size_t i = 0; i < json_object_array_length(a); i++)
			buf_addf(&b, " %s",
				 json_object_get_string(json_object_array_get_idx(a, i)));
		buf_adds(&b, "\n");
	}
	if (opts) {
		json_object *a;

		json_object_object_get_ex(o->sg, "dns_option", &a);
		buf_adds(&b, "options");
		for (size_t i = 0; i < json_object_array_length(a); i++)
			buf_addf(&b, " %s",
				 json_object_get_string(json_object_array_get_idx(a, i)));
		buf_adds(&b, "\n");
	}
	return fs_write_atomic(dirfd, "resolv.conf", b.s, b.len, 0644, false, err);
}

static int write_containerenv(int dirfd, const ctr_files_opts *o, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;

	/* As podman: the details only for privileged containers. */
	if (o->privileged)
		buf_addf(&b,
			 "engine=\"cpod-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\n"
			 "imageid=\"%s\"\nrootless=%d\n",
			 cpod_version(), o->name, o->id, o->image_name ? o->image_name : "",
			 o->image_id ? o->image_id : "", o->rootless ? 1 : 0);
	return fs_write_atomic(dirfd, ".containerenv", b.s, b.len, 0644, false, err);
}

int ctr_files_write(const char *bundle, const ctr_files_opts *o, cpod_error **err)
{
	_cleanup_close_ int dirfd = open(bundle, O_DIRECTORY | O_PATH | O_CLOEXEC);
	_cleanup_buf_ buf hn = BUF_INIT;

	if (dirfd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", bundle);
	if (o->hostname)
		buf_addf(&hn, "%s\n", o->hostname);
	if (write_hosts(dirfd, o, err) < 0 || write_resolv(dirfd, o, err) < 0 ||
	    fs_write_atomic(dirfd, "hostname", hn.s, hn.len, 0644, false, err) < 0 ||
	    write_containerenv(dirfd, o, err) < 0)
		return cpod_err_prefix(err, "writing the files of container '%s'", o->name);
	return 0;
}
