/* Image housekeeping against a real store (vfs driver in a temporary directory): prune with
 * its filters and an image in use by a container's layer, the tree of a layer chain with
 * branches (--whatrequires), disk usage with shared layers, vfs's uncounted mounts, and the
 * store reset that must not reach outside the store. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "image/local.h"
#include "image/manage.h"
#include "tap.h"

static char tmpdir[] = "/tmp/cpod-test-manage-XXXXXX";

/* A layer made of one file name with content. */
static char *layer(store *s, const char *parent, const char *name, const char *content,
		   int64_t *ret_size)
{
	char *path = xasprintf("%s/%s.tar", tmpdir, name);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	store_layer_result r = { 0 };
	cpod_error *err = NULL;
	int fd;

	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(content));
	archive_write_header(a, e);
	archive_write_data(a, content, strlen(content));
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (store_layer_apply_fd(s, parent, fd, NULL, &r, &err) < 0) {
		diag("applying %s: %s", name, cpod_error_message(err));
		exit(1);
	}
	close(fd);
	free(path);
	*ret_size = r.size;
	free(r.diff_id);
	return r.id;
}

/* Registers an image with id 64 times c on top_layer. */
static char *image(store *s, char c, const char *top, const char *name, const char *labels)
{
	char *id = xmalloc(65);
	const char *const names[] = { name, NULL };
	store_image_spec spec = { .id = id,
				  .top_layer = top,
				  .names = name ? names : NULL,
				  .labels = labels,
				  .size = 1234 };
	cpod_error *err = NULL;

	memset(id, c, 64);
	id[64] = '\0';
	if (store_image_create(s, &spec, &err) < 0) {
		diag("creating image: %s", cpod_error_message(err));
		exit(1);
	}
	return id;
}

static char *layer_line(const char *prefix, const char *id, int64_t size, const char *tags)
{
	char *hs = units_human_size_prec(size, 4);
	char *line = xasprintf("%sID: %.12s Size: %7s%s%s\n", prefix, id, hs,
			       tags ? " Top Layer of: " : "", tags ? tags : "");
	free(hs);
	return line;
}

static char *tree(store *s, const char *name, bool whatrequires)
{
	meta_image *img = NULL;
	char *text = NULL;
	cpod_error *err = NULL;

	if (image_lookup(s, name, &img, &err) < 0 ||
	    image_tree(s, img, whatrequires, &text, &err) < 0) {
		text = xasprintf("ERR %s", cpod_error_message(err));
		cpod_error_free(err);
	}
	meta_image_free(img);
	return text;
}

static json_object *row_of(json_object *df, const char *id)
{
	json_object *imgs = json_object_object_get(df, "Images");

	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		json_object *r = json_object_array_get_idx(imgs, i);
		if (strcmp(json_object_get_string(json_object_object_get(r, "ImageID")), id) == 0)
			return r;
	}
	return NULL;
}

static int64_t jint(json_object *o, const char *key)
{
	return json_object_get_int64(json_object_object_get(o, key));
}

static int64_t usage_of(store *s, const char *id)
{
	store_layer_usage *v = NULL;
	size_t n = 0;
	int64_t size = -1;

	if (store_usage(s, &v, &n, NULL) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			size = v[i].size;
	store_usage_free(v, n);
	return size;
}

/* base <- child <- grand, base <- sib: "one" tops base, "two" tops child, an unnamed image
 * tops sib. */
static void test_tree(store *s, const char *base, int64_t bs, const char *child, int64_t cs,
		      const char *sib, int64_t ss, const char *grand, int64_t gs, const char *two)
{
	char *want, *got, *l1, *l2, *l3, *l4;
	meta_layer **all = NULL;
	bool child_first = true;

	l1 = layer_line("\u251c\u2500\u2500 ", base, bs, "[localhost/one:latest]");
	l2 = layer_line("\u2514\u2500\u2500 ", child, cs, "[localhost/two:latest]");
	want = xasprintf("Image ID: %.12s\nTags:     [localhost/two:latest]\nSize:     1.234kB\n"
			 "Image Layers\n%s%s",
			 two, l1, l2);
	got = tree(s, "two", false);
	is_str(got, want, "tree: the chain base first, each with the image it tops");
	free(got), free(want), free(l1), free(l2);

	/* siblings open branches in the order the store lists the layers */
	meta_layer_list(store_meta(s), META_LAYER_LIST_ALL, &all, NULL);
	for (meta_layer **l = all; *l; l++) {
		if (strcmp((*l)->id, sib) == 0)
			child_first = false;
		if (strcmp((*l)->id, sib) == 0 || strcmp((*l)->id, child) == 0)
			break;
	}
	meta_layerv_free(all);
	l1 = layer_line("\u251c\u2500\u2500 ", base, bs, "[localhost/one:latest]");
	if (child_first) {
		l2 = layer_line("\u251c\u2500\u2500 ", child, cs, "[localhost/two:latest]");
		l3 = layer_line("\u2502   \u2514\u2500\u2500 ", grand, gs, NULL);
		l4 = layer_line("\u2514\u2500\u2500 ", sib, ss, NULL);
	} else {
		l2 = layer_line("\u251c\u2500\u2500 ", sib, ss, NULL);
		l3 = layer_line("\u2514\u2500\u2500 ", child, cs, "[localhost/two:latest]");
		l4 = layer_line("    \u2514\u2500\u2500 ", grand, gs, NULL);
	}
	/* image "one" has the ID 64 times '1' */
	want = xasprintf("Image ID: 111111111111\nTags:     [localhost/one:latest]\n"
			 "Size:     1.234kB\nImage Layers\n%s%s%s%s",
			 l1, l2, l3, l4);
	got = tree(s, "one", true);
	is_str(got, want, "tree --whatrequires: siblings branch, an only child continues");
	free(got), free(want), free(l1), free(l2), free(l3), free(l4);

	got = tree(s, "nope", false);
	is_str(got, "ERR nope: image not known", "tree of an unknown image");
	free(got);
}

static void test_usage(store *s, const char *base, const char *child, const char *one,
		       const char *two)
{
	json_object *df = image_disk_usage(s, NULL);
	json_object *r1 = row_of(df, one), *r2 = row_of(df, two);
	int64_t b = usage_of(s, base), c = usage_of(s, child);

	ok(df && r1 && r2, "df: a row for each image");
	is_int(jint(r1, "SharedSize"), b, "one shares its base layer with two");
	is_int(jint(r2, "SharedSize"), b, "two shares the base layer");
	is_int(jint(r2, "UniqueSize"), 1234 - b, "unique: the image size minus the shared bytes");
	is_int(jint(r1, "Size"), 1234, "the image size");
	is_str(json_object_get_string(json_object_object_get(r1, "Repository")), "localhost/one",
	       "repository");
	is_str(json_object_get_string(json_object_object_get(r1, "Tag")), "latest", "tag");
	ok(jint(df, "ImagesSize") >= b + c, "ImagesSize counts every image layer");
	is_int(json_object_array_length(json_object_object_get(df, "Containers")), 0,
	       "no container yet");
	is_int(json_object_array_length(json_object_object_get(df, "Volumes")), 0, "no volumes");
	json_object_put(df);
}

static int prune(store *s, bool all, const char *const *filters, char **ret)
{
	strv removed = STRV_INIT;
	cpod_error *err = NULL;
	int r = image_prune(s, all, filters, &removed, &err);

	*ret = r < 0 ? xasprintf("ERR %s", cpod_error_message(err))
		     : strv_join((const char *const *)removed.v, ",");
	cpod_error_free(err);
	strv_clear(&removed);
	return r;
}

static void test_prune(store *s, const char *one, const char *two, const char *dangling)
{
	const char *const bad[] = { "bogus=1", NULL };
	const char *const keep_two[] = { "label!=keep=yes", NULL };
	const char *const keep_any[] = { "label!=keep", NULL };
	char *got;

	is_int(prune(s, false, bad, &got), -1, "a bad filter fails");
	is_str(got, "ERR invalid image filter bogus=1", "naming it");
	free(got);
	prune(s, false, NULL, &got);
	is_str(got, dangling, "prune: only the image without a name");
	free(got);
	prune(s, false, NULL, &got);
	is_str(got, "", "then nothing");
	free(got);

	ok(store_container_create(s, "ctr1", one, NULL, NULL) == 0, "a container layer on one");
	prune(s, true, keep_any, &got);
	is_str(got, "", "-a: one is used by a container, two has the label keep");
	free(got);
	json_object *df = image_disk_usage(s, NULL);
	is_int(jint(row_of(df, one), "Containers"), 1, "df: one has a container");
	is_int(json_object_array_length(json_object_object_get(df, "Containers")), 1,
	       "df: one container row");
	json_object_put(df);
	prune(s, true, keep_two, &got);
	is_str(got, "", "label!=keep=yes keeps two (label value matches)");
	free(got);
	ok(store_container_delete(s, "ctr1", NULL) == 0, "the container layer goes");
	prune(s, true, keep_two, &got);
	is_str(got, one, "-a: one, no longer used, goes; two keeps its label");
	free(got);
	prune(s, true, NULL, &got);
	is_str(got, two, "-a without filters: two goes too");
	free(got);
}

static void test_mounts_vfs(store *s, const char *two)
{
	long n = 5;
	char *path = NULL;
	meta_image *img = NULL;
	json_object *m;

	ok(store_image_mounted(s, two, &n, &path, NULL) == 0 && n == -1 && !path, "vfs does not "
										  "count mounts: "
										  "-1");
	ok(image_lookup(s, two, &img, NULL) == 0 && image_mount(s, img, &path, NULL) == 0, "vfs "
											   "mount "
											   "works");
	m = image_mounted(s, NULL);
	is_int(m ? (int)json_object_array_length(m) : -1, 0, "and lists nothing");
	json_object_put(m);
	ok(image_unmount(s, img, false, NULL) == 0, "vfs unmount works");
	free(path);
	meta_image_free(img);
}

static void test_destroy(store *s, const char *graph, const char *run, const store_opts *so)
{
	char *outside = xasprintf("%s/outside", tmpdir);
	char *file = xasprintf("%s/file", outside);
	char *link = xasprintf("%s/link-out", graph);
	char *rlink = xasprintf("%s/sub", run);
	buf b = BUF_INIT;
	json_object *list;
	int64_t sz;

	mkdir(outside, 0700);
	fs_write_atomic(AT_FDCWD, file, "keep", 4, 0600, false, NULL);
	ok(symlink(outside, link) == 0, "a link out of the graphroot");
	mkdir(rlink, 0700);
	free(layer(s, NULL, "last", "x", &sz));
	ok(store_destroy(s, NULL) == 0, "store_destroy");
	ok(buf_read_file(&b, file) == 0 && strcmp(b.s, "keep") == 0, "the file outside stays");
	ok(access(outside, F_OK) == 0, "so does its directory");
	ok(access(graph, F_OK) == 0 && access(run, F_OK) == 0, "the roots themselves stay");
	ok(rmdir(graph) == 0 && rmdir(run) == 0, "and are empty");
	s = NULL;
	ok(store_open(so, &s, NULL) == 0, "a new store opens");
	list = image_list(s, true, NULL, NULL);
	is_int(list ? (int)json_object_array_length(list) : -1, 0, "with no image");
	json_object_put(list);
	store_close(s);
	buf_release(&b);
	free(outside), free(file), free(link), free(rlink);
}

int main(void)
{
	cpod_error *err = NULL;
	store *s = NULL;
	char *graph, *run, *base, *child, *sib, *grand, *one, *two, *dangling;
	int64_t bs, cs, ss, gs;

	if (!mkdtemp(tmpdir))
		return 1;
	graph = xasprintf("%s/root", tmpdir);
	run = xasprintf("%s/run", tmpdir);
	store_opts so = { .graphroot = graph, .runroot = run, .driver = "vfs" };
	ok(store_open(&so, &s, &err) == 0, "store opens");

	base = layer(s, NULL, "base", "base layer\n", &bs);
	child = layer(s, base, "child", "child layer, a bit longer\n", &cs);
	sib = layer(s, base, "sib", "sibling\n", &ss);
	grand = layer(s, child, "grand", "grandchild\n", &gs);
	one = image(s, '1', base, "localhost/one:latest", NULL);
	two = image(s, '2', child, "localhost/two:latest", "{\"keep\":\"yes\"}");
	dangling = image(s, '3', sib, NULL, NULL);

	test_tree(s, base, bs, child, cs, sib, ss, grand, gs, two);
	test_usage(s, base, child, one, two);
	test_mounts_vfs(s, two);
	test_prune(s, one, two, dangling);
	test_destroy(s, graph, run, &so);

	free(base), free(child), free(sib), free(grand), free(one), free(two), free(dangling);
	fs_rm_rf_at(AT_FDCWD, tmpdir);
	free(graph), free(run);
	return done_testing();
}
