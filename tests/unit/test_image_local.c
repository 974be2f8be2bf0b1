/* The local image area against a real store (vfs driver in a temporary directory): import,
 * name resolution as podman does it, list filters, tag/untag/rmi, inspect and history. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/xalloc.h"
#include "image/local.h"
#include "tap.h"

static char tmpdir[] = "/tmp/cpod-test-image-XXXXXX";

/* Writes a tar with the given entries (name, content; content NULL = directory). */
static char *make_tar(const char *file, const char *const (*entries)[2], size_t n)
{
	char *path = xasprintf("%s/%s", tmpdir, file);
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		const char *content = entries[i][1];
		archive_entry_set_pathname(e, entries[i][0]);
		archive_entry_set_filetype(e, content ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, content ? 0644 : 0755);
		archive_entry_set_size(e, content ? (la_int64_t)strlen(content) : 0);
		archive_write_header(a, e);
		if (content)
			archive_write_data(a, content, strlen(content));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return path;
}

static char *import(store *s, const char *tar, const char *ref, const char *const *changes,
		    const char *message, cpod_error **err)
{
	image_import_opts o = {
		.path = tar, .reference = ref, .changes = changes, .message = message
	};
	char *id = NULL;

	return image_import(s, &o, &id, err) == 0 ? id : NULL;
}

static const char *lookup_id(store *s, const char *name)
{
	static char id[65];
	meta_image *img = NULL;
	cpod_error *err = NULL;

	if (image_lookup(s, name, &img, &err) < 0) {
		snprintf(id, sizeof(id), "ERR %s", cpod_error_message(err));
		cpod_error_free(err);
		return id;
	}
	snprintf(id, sizeof(id), "%s", img->id);
	meta_image_free(img);
	return id;
}

static int count(json_object *list)
{
	int n = list ? (int)json_object_array_length(list) : -1;
	json_object_put(list);
	return n;
}

static int list_count(store *s, const char *const *filters)
{
	return count(image_list(s, false, filters, NULL));
}

int main(void)
{
	static const char *const files1[][2] = { { "bin", NULL }, { "bin/hello", "hi\n" } };
	static const char *const files2[][2] = { { "etc", NULL }, { "etc/os", "two\n" } };
	static const char *const evil[][2] = { { "ok", "fine" }, { "../escape", "x" } };
	cpod_error *err = NULL;
	store *s = NULL;
	char *a, *b, *tar1, *tar2, *bad, *graph, *run, *prefix;

	if (!mkdtemp(tmpdir))
		return 1;
	graph = xasprintf("%s/root", tmpdir);
	run = xasprintf("%s/run", tmpdir);
	store_opts so = { .graphroot = graph, .runroot = run, .driver = "vfs" };
	ok(store_open(&so, &s, &err) == 0, "store opens");
	tar1 = make_tar("one.tar", files1, 2);
	tar2 = make_tar("two.tar", files2, 2);
	bad = make_tar("evil.tar", evil, 2);

	/* import */
	const char *const changes[] = { "CMD [\"/bin/hello\"]", "LABEL team=cpod", "ENV A=1",
					NULL };
	a = import(s, tar1, "myimg", changes, "first import", &err);
	ok(a != NULL, "import with a name and changes");
	is_int(a ? strlen(a) : 0, 64, "the ID is 64 hex");
	b = import(s, tar2, NULL, NULL, NULL, &err);
	ok(b != NULL, "import without a name");
	const char *const badchange[] = { "FROBNICATE x", NULL };
	ok(import(s, tar2, "x", badchange, NULL, &err) == NULL, "a bad --change fails");
	is_int(cpod_error_kind(err), CPOD_ERR_INVALID, "as invalid input");
	cpod_error_freep(&err);
	ok(import(s, bad, "evil", NULL, NULL, &err) == NULL, "an archive with ../ fails");
	ok(err && strstr(cpod_error_message(err), "../escape"), "naming the entry: %s",
	   cpod_error_message(err));
	cpod_error_freep(&err);
	ok(access("/tmp/escape", F_OK) != 0, "nothing written outside");
	is_int(list_count(s, NULL), 2, "the store still has two images");
	{
		meta_layer **layers = NULL;
		is_int(meta_layer_list(store_meta(s), META_LAYER_LIST_ALL, &layers, NULL), 2,
		       "and two layers: the failed import left none");
		meta_layerv_free(layers);
	}

	/* resolution */
	is_str(lookup_id(s, "myimg"), a, "short name finds localhost/myimg:latest");
	is_str(lookup_id(s, "myimg:latest"), a, "short name with tag");
	is_str(lookup_id(s, "localhost/myimg"), a, "qualified name, default tag");
	is_str(lookup_id(s, a), a, "full ID");
	prefix = xasprintf("sha256:%s", a);
	is_str(lookup_id(s, prefix), a, "sha256:ID");
	free(prefix);
	prefix = xstrndup(b, 12);
	is_str(lookup_id(s, prefix), b, "unique ID prefix");
	free(prefix);
	is_str(lookup_id(s, "nope"), "ERR nope: image not known", "unknown name");
	is_str(lookup_id(s, "myimg:other"), "ERR myimg:other: image not known", "unknown tag");

	/* tag, suffix matches */
	ok(image_tag(s, "myimg", "quay.io/team/tool:1", &err) == 0, "tag with a registry");
	is_str(lookup_id(s, "tool:1"), a, "short name matches the end of a stored path");
	is_str(lookup_id(s, "team/tool:1"), a, "and a longer end");
	ok(image_tag(s, b, "example.com/other/tool:1", &err) == 0, "a second */tool:1");
	is_str(lookup_id(s, "tool:1"), "ERR tool:1: image not known",
	       "ambiguous ends find nothing");
	is_str(lookup_id(s, "quay.io/team/tool:1"), a, "the full name still works");
	ok(image_tag(s, b, "quay.io/team/tool:1", &err) == 0, "re-tag moves the name");
	is_str(lookup_id(s, "quay.io/team/tool:1"), b, "the name moved");
	ok(image_tag(s, "nope", "x", &err) < 0 && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND,
	   "tagging a missing image: not found");
	cpod_error_freep(&err);
	ok(image_tag(s, a, "Bad:Name", &err) < 0 && cpod_error_kind(err) == CPOD_ERR_INVALID,
	   "tagging with an invalid name");
	cpod_error_freep(&err);

	/* filters */
	const char *const f_ref[] = { "reference=myimg", NULL };
	const char *const f_label[] = { "label=team=cpod", NULL };
	const char *const f_label_key[] = { "label=team", NULL };
	const char *const f_label_no[] = { "label=team=other", NULL };
	const char *const f_dangling[] = { "dangling=true", NULL };
	const char *const f_or[] = { "reference=myimg", "reference=*/other/*", NULL };
	const char *const f_and[] = { "reference=myimg", "label=team=nope", NULL };
	const char *const f_bad[] = { "colour=red", NULL };
	const char *const f_badd[] = { "dangling=maybe", NULL };
	const char *const f_since[] = { "since=myimg", NULL };
	const char *const f_before[] = { "before=myimg", NULL };
	char *idf = xasprintf("id=%.6s", a);
	const char *const f_id[] = { idf, NULL };
	is_int(list_count(s, f_ref), 1, "reference filter");
	is_int(list_count(s, f_label), 1, "label=key=value");
	is_int(list_count(s, f_label_key), 1, "label=key");
	is_int(list_count(s, f_label_no), 0, "label with another value");
	is_int(list_count(s, f_dangling), 0, "no dangling image while both have names");
	is_int(list_count(s, f_or), 2, "same key: OR");
	is_int(list_count(s, f_and), 0, "different keys: AND");
	is_int(list_count(s, f_id), 1, "id prefix");
	is_int(list_count(s, f_since), 1, "since: the later import");
	is_int(list_count(s, f_before), 0, "before: nothing older");
	ok(image_list(s, false, f_bad, &err) == NULL && cpod_error_kind(err) == CPOD_ERR_INVALID,
	   "an unknown filter is invalid: %s", cpod_error_message(err));
	cpod_error_freep(&err);
	ok(image_list(s, false, f_badd, &err) == NULL, "dangling takes true or false");
	cpod_error_freep(&err);
	free(idf);

	/* inspect and history */
	{
		meta_image *img = NULL;
		json_object *o, *v, *h;
		image_lookup(s, a, &img, NULL);
		o = image_inspect(s, img, &err);
		ok(o != NULL, "inspect");
		ok(json_object_object_get_ex(o, "Config", &v) &&
			   json_object_object_get_ex(v, "Cmd", &v) &&
			   strcmp(json_object_get_string(json_object_array_get_idx(v, 0)),
				  "/bin/hello") == 0,
		   "inspect shows the --change CMD");
		ok(json_object_object_get_ex(o, "Comment", &v) &&
			   strcmp(json_object_get_string(v), "first import") == 0,
		   "the message is the comment");
		ok(json_object_object_get_ex(o, "RootFS", &v) &&
			   json_object_object_get_ex(v, "Layers", &v) &&
			   json_object_array_length(v) == 1,
		   "one layer");
		json_object_put(o);
		h = image_history_records(s, img, &err);
		is_int(h ? (int)json_object_array_length(h) : -1, 1, "history: one row");
		ok(h && json_object_object_get_ex(json_object_array_get_idx(h, 0), "id", &v) &&
			   strcmp(json_object_get_string(v), a) == 0,
		   "history's newest row is the image");
		json_object_put(h);
		meta_image_free(img);
	}

	/* untag and rmi */
	ok(image_untag(s, a, "myimg", &err) == 0, "untag one name");
	is_str(lookup_id(s, "myimg"), "ERR myimg: image not known", "that name is gone");
	is_int(list_count(s, f_dangling), 1, "the image is now dangling");
	ok(image_untag(s, a, "myimg", &err) < 0 && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND,
	   "untag of a name it lacks");
	cpod_error_freep(&err);
	{
		strv untagged = STRV_INIT, deleted = STRV_INIT;
		ok(image_tag(s, b, "localhost/second", &err) == 0, "a second name for b");
		ok(image_remove(s, "localhost/second", false, &untagged, &deleted, &err) == 0,
		   "rmi of one of two names");
		is_int(untagged.n, 1, "untags it");
		is_int(deleted.n, 0, "deletes nothing");
		ok(store_container_create(s,
					  "c0ffee00000000000000000000000000000000000000000000000000"
					  "00000000",
					  b, NULL, &err) == 0,
		   "a container on b");
		ok(image_remove(s, b, false, &untagged, &deleted, &err) < 0 &&
			   cpod_error_kind(err) == CPOD_ERR_STATE,
		   "rmi of an image in use is refused: %s", cpod_error_message(err));
		cpod_error_freep(&err);
		ok(image_remove(s, a, false, &untagged, &deleted, &err) == 0, "rmi of a");
		is_int(deleted.n, 1, "deletes it");
		ok(strncmp(lookup_id(s, a), "ERR ", 4) == 0, "a is gone: %s", lookup_id(s, a));
		strv_clear(&untagged);
		strv_clear(&deleted);
	}
	is_int(list_count(s, NULL), 1, "one image left");
	store_close(s);
	fs_rm_rf_at(AT_FDCWD, tmpdir);
	free(a);
	free(b);
	free(tar1);
	free(tar2);
	free(bad);
	free(graph);
	free(run);
	return done_testing();
}
