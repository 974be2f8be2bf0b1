/* Pull and push through the local transports (see transport.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "image/local.h"
#include "image/policy.h"
#include "image/reference.h"
#include "image/transport.h"
#include "common/banned.h"

#define DIR_VERSION "Directory Transport Version: 1.1\n"

typedef struct {
	image_transport t;
	char *path; /* the path, or containers-storage's name */
	char *ref;  /* after the first ':' (NULL when none or empty) */
} local_ref;

static void local_ref_clear(local_ref *r)
{
	free(r->path);
	free(r->ref);
}

bool image_transport_is_local(const char *reference)
{
	image_transport t;
	const char *rest;

	if (reference_split_transport(reference, &t, &rest, NULL) < 0)
		return false;
	return t != TRANSPORT_NONE && t != TRANSPORT_DOCKER;
}

static int parse_local(const char *reference, local_ref *ret, cpod_error **err)
{
	const char *rest, *colon;

	if (reference_split_transport(reference, &ret->t, &rest, err) < 0)
		return -1;
	if (ret->t == TRANSPORT_NONE || ret->t == TRANSPORT_DOCKER)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "'%s' is not a local transport",
				reference);
	if (ret->t == TRANSPORT_CONTAINERS_STORAGE) {
		if (rest[0] == '[')
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"'%s': naming another store is not supported", reference);
		ret->path = xstrdup(rest);
		return 0;
	}
	colon = ret->t == TRANSPORT_DIR ? NULL : strchr(rest, ':');
	ret->path = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
	ret->ref = colon && colon[1] ? xstrdup(colon + 1) : NULL;
	if (!*ret->path)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid image name \"%s\": empty path",
				reference);
	if (ret->ref && ret->t == TRANSPORT_DOCKER_ARCHIVE && ret->ref[0] != '@') {
		_cleanup_reference_ image_reference *r = NULL;

		if (reference_parse(ret->ref, &r, err) < 0)
			return cpod_err_prefix(err, "'%s'", reference);
	}
	return 0;
}

/* ---- pull ---- */

/* The scope policy.json sees: the absolute path (and :REF). */
static int check_policy(const image_transport_pull_opts *o, const local_ref *lr, cpod_error **err)
{
	_cleanup_(policy_freep) image_policy *p = NULL;
	_cleanup_free_ char *scope = NULL;
	char abs[PATH_MAX];

	if (policy_load(o->signature_policy, NULL, &p, err) < 0)
		return -1;
	if (lr->t == TRANSPORT_CONTAINERS_STORAGE)
		scope = xstrdup(lr->path);
	else if (!realpath(lr->path, abs))
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"'%s'", lr->path);
	else
		scope = lr->ref ? xasprintf("%s:%s", abs, lr->ref) : xstrdup(abs);
	return policy_check(p, reference_transport_name(lr->t), scope, err);
}

static int open_source(const image_transport_pull_opts *o, const local_ref *lr, layout_reader **ret,
		       cpod_error **err)
{
	_cleanup_close_ int fd = -1;

	if (lr->t == TRANSPORT_OCI || lr->t == TRANSPORT_DIR)
		return layout_reader_open_dir(lr->path, ret, err);
	fd = open(lr->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cpod_err(err, errno == ENOENT ? CPOD_ERR_NOT_FOUND : CPOD_ERR_SYSTEM, errno,
				"opening '%s'", lr->path);
	return layout_reader_open_archive(fd, o->tmpdir, ret, err);
}

static int pull_layout(store *s, const image_transport_pull_opts *o, const local_ref *lr,
		       char **ret_id, cpod_error **err)
{
	_cleanup_(layout_reader_freep) layout_reader *r = NULL;
	_cleanup_strv_ strv loaded = STRV_INIT, ids = STRV_INIT;
	image_load_opts lo = {
		.select = lr->ref ? lr->ref : "",
		/* oci:PATH:REF is named REF by the index entry it selects */
		.unnamed = lr->t == TRANSPORT_DIR || (lr->t == TRANSPORT_OCI && !lr->ref),
		.progress = o->progress,
		.progress_data = o->progress_data,
	};

	if (open_source(o, lr, &r, err) < 0 || image_load_layout(s, r, &lo, &loaded, &ids, err) < 0)
		return -1;
	if (ids.n != 1)
		return cpod_err(err, CPOD_ERR_INTERNAL, 0, "%zu images copied, not one", ids.n);
	*ret_id = xstrdup(ids.v[0]);
	return 0;
}

int image_transport_pull(store *s, const image_transport_pull_opts *o, char **ret_id,
			 cpod_error **err)
{
	_cleanup_(meta_image_freep) meta_image *img = NULL;
	local_ref lr = { 0 };
	int r;

	r = parse_local(o->reference, &lr, err);
	if (r == 0)
		r = check_policy(o, &lr, err);
	if (r == 0 && lr.t == TRANSPORT_CONTAINERS_STORAGE) {
		/* Already in the store. */
		r = image_lookup(s, lr.path, &img, err);
		if (r == 0)
			*ret_id = xstrdup(img->id);
	} else if (r == 0) {
		r = pull_layout(s, o, &lr, ret_id, err);
	}
	local_ref_clear(&lr);
	if (r < 0)
		return cpod_err_prefix(err, "copying from '%s'", o->reference);
	return 0;
}

/* ---- push ---- */

/* dir: may only replace what a dir: copy wrote: an empty or missing directory, or one with
 * the version file, whose entries are then removed. */
static int prepare_dir(const char *path, cpod_error **err)
{
	_cleanup_free_ char *version = xasprintf("%s/%s", path, "version");
	_cleanup_buf_ buf v = BUF_INIT;
	DIR *d = opendir(path);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT
			       ? 0
			       : cpod_err(err, CPOD_ERR_SYSTEM, errno, "opening '%s'", path);
	while ((e = readdir(d)) && (str_eq(e->d_name, ".") || str_eq(e->d_name, "..")))
		;
	if (!e)
		goto out;
	if (fs_read_file(version, 256, &v, NULL) < 0 || !str_eq(v.s, DIR_VERSION)) {
		r = cpod_err(err, CPOD_ERR_INVALID, 0,
			     "'%s' is not empty and is not an image directory", path);
		goto out;
	}
	rewinddir(d);
	while (r == 0 && (e = readdir(d)))
		if (!str_eq(e->d_name, ".") && !str_eq(e->d_name, "..") &&
		    fs_rm_rf_at(dirfd(d), e->d_name) < 0)
			r = cpod_err(err, CPOD_ERR_SYSTEM, errno, "emptying '%s'", path);
out:
	closedir(d);
	return r;
}

static int open_destination(const local_ref *lr, int *ret_fd, layout_writer **ret, cpod_error **err)
{
	if (lr->t == TRANSPORT_OCI)
		return layout_writer_open_dir(lr->path, ret, err);
	if (lr->t == TRANSPORT_DIR)
		return prepare_dir(lr->path, err) < 0 ? -1
						      : layout_writer_open_dir(lr->path, ret, err);
	*ret_fd = open(lr->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (*ret_fd < 0)
		return cpod_err(err, CPOD_ERR_SYSTEM, errno, "creating '%s'", lr->path);
	if (layout_writer_open_archive(*ret_fd, ret, err) < 0) {
		unlink(lr->path);
		return -1;
	}
	return 0;
}

static int push_layout(store *s, const image_transport_push_opts *o, const local_ref *lr,
		       char **ret_digest, cpod_error **err)
{
	_cleanup_(layout_writer_freep) layout_writer *w = NULL;
	_cleanup_close_ int fd = -1;
	const char *const images[] = { o->image, NULL };
	bool oci = lr->t == TRANSPORT_OCI || lr->t == TRANSPORT_OCI_ARCHIVE;
	image_save_opts so = {
		.images = images,
		.format = oci			   ? LAYOUT_OCI
			  : lr->t == TRANSPORT_DIR ? LAYOUT_DIR
						   : LAYOUT_DOCKER_ARCHIVE,
		.compression = oci					   ? o->compression
			       : lr->t == TRANSPORT_DIR && o->dir_compress ? o->compression
									   : COMPRESSION_NONE,
		.docker_v2s2 = o->docker_v2s2,
		/* oci: without REF and dir: name nothing; docker-archive: keeps the image name */
		.ref_name = lr->ref				? lr->ref
			    : lr->t == TRANSPORT_DOCKER_ARCHIVE ? NULL
								: "",
		.merge_index = lr->t == TRANSPORT_OCI,
		.tmpdir = o->tmpdir,
		.progress = o->progress,
		.progress_data = o->progress_data,
	};
	int r;

	if (lr->t == TRANSPORT_DOCKER_ARCHIVE && lr->ref && lr->ref[0] == '@')
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"a docker-archive destination takes a name, not an index");
	if (open_destination(lr, &fd, &w, err) < 0)
		return -1;
	so.w = w;
	r = image_save(s, &so, ret_digest, err);
	if (r == 0)
		r = layout_writer_close(w, err);
	if (r < 0 && fd >= 0)
		unlink(lr->path);
	return r;
}

int image_transport_push(store *s, const image_transport_push_opts *o, char **ret_digest,
			 cpod_error **err)
{
	local_ref lr = { 0 };
	int r;

	*ret_digest = NULL;
	r = parse_local(o->destination, &lr, err);
	if (r == 0 && lr.t == TRANSPORT_CONTAINERS_STORAGE)
		r = image_tag(s, o->image, lr.path, err);
	else if (r == 0)
		r = push_layout(s, o, &lr, ret_digest, err);
	local_ref_clear(&lr);
	if (r < 0)
		return cpod_err_prefix(err, "copying '%s' to '%s'", o->image, o->destination);
	return 0;
}
