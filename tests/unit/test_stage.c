/* Staged layers: begun and committed on one thread, extracted on others, stages on stages
 * (overlay), the same layers as store_layer_apply() gives, hard links into stages below,
 * abandoned stages, misuse, diffID mismatches, reuse, and what a killed writer leaves.  Needs
 * root (overlay mounts, owners): skipped otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/store.h"
#include "tap.h"

static char top[64];

/* ---- layer tars in memory ---- */

typedef struct {
	struct archive *w;
	char *mem;
	size_t size, used;
} tarbuild;

static void tb_begin(tarbuild *t)
{
	t->size = 1 << 20;
	t->mem = xmalloc(t->size);
	t->used = 0;
	t->w = archive_write_new();
	archive_write_set_format_pax(t->w);
	archive_write_add_filter_none(t->w);
	archive_write_open_memory(t->w, t->mem, t->size, &t->used);
}

static void tb_end(tarbuild *t)
{
	archive_write_close(t->w);
	archive_write_free(t->w);
}

static void tb_add(tarbuild *t, const char *name, mode_t mode, const char *data, const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, 1500000000, 0);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1000);
	if (S_ISLNK(mode))
		archive_entry_set_symlink(e, link);
	else if (link)
		archive_entry_set_hardlink(e, link);
	if (data)
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	archive_write_header(t->w, e);
	if (data)
		archive_write_data(t->w, data, strlen(data));
	archive_entry_free(e);
}

/* Three layers: a base, a layer that deletes and adds, one that hard-links a base file. */
static void build_layers(tarbuild t[3])
{
	tb_begin(&t[0]);
	tb_add(&t[0], "etc/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[0], "etc/passwd", S_IFREG | 0644, "root:x:0:0\n", NULL);
	tb_add(&t[0], "home/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[0], "home/file", S_IFREG | 0640, "base file", NULL);
	tb_add(&t[0], "opt/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[0], "opt/gone", S_IFREG | 0600, "gone", NULL);
	tb_end(&t[0]);
	tb_begin(&t[1]);
	tb_add(&t[1], "opt/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[1], "opt/.wh.gone", S_IFREG | 0600, "", NULL);
	tb_add(&t[1], "opt/new", S_IFREG | 0644, "middle", NULL);
	tb_end(&t[1]);
	tb_begin(&t[2]);
	tb_add(&t[2], "bin/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[2], "bin/top", S_IFREG | 0755, "top", NULL);
	/* below this layer: copied up from the base, across the middle stage */
	tb_add(&t[2], "home/", S_IFDIR | 0755, NULL, NULL);
	tb_add(&t[2], "home/link", S_IFREG | 0640, NULL, "home/file");
	tb_end(&t[2]);
}

static void free_layers(tarbuild t[3])
{
	for (int i = 0; i < 3; i++)
		free(t[i].mem);
}

typedef struct {
	const char *p;
	size_t len, off;
} memsrc;

static ssize_t mem_read(void *cb, void *p, size_t len, cpod_error **err)
{
	memsrc *m = cb;
	size_t n = m->len - m->off;

	(void)err;
	if (n > len)
		n = len;
	if (n > 1000)
		n = 1000;
	memcpy(p, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static int stage_apply_mem(store_stage *st, const tarbuild *t, cpod_error **err)
{
	memsrc m = { .p = t->mem, .len = t->used };

	return store_layer_stage_apply(st, mem_read, &m, err);
}

/* ---- applying on threads ---- */

typedef struct {
	store_stage *st;
	const tarbuild *t;
	int delay_ms; /* before starting */
	int r;
	cpod_error *err;
	pthread_t thread;
} apply_job;

static void *apply_thread(void *arg)
{
	apply_job *j = arg;

	if (j->delay_ms)
		usleep((useconds_t)j->delay_ms * 1000);
	j->r = stage_apply_mem(j->st, j->t, &j->err);
	return NULL;
}

/* ---- looking at the result ---- */

static char *tree_of(int dfd, const char *prefix)
{
	_cleanup_buf_ buf b = BUF_INIT;
	_cleanup_strv_ strv names = STRV_INIT;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(dfd, *prefix ? prefix : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return xstrdup("?");
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(&names, de->d_name);
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *path = *prefix ? xasprintf("%s/%s", prefix, names.v[i])
						    : xstrdup(names.v[i]);
		_cleanup_buf_ buf content = BUF_INIT;
		struct stat st;

		if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			_cleanup_free_ char *full = xasprintf("/proc/self/fd/%d/%s", dfd, path);

			buf_read_file(&content, full);
		}
		buf_addf(&b, "%s %o %u [%s] n%lu\n", path, (unsigned)st.st_mode, st.st_uid,
			 content.s, (unsigned long)st.st_nlink);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_free_ char *sub = tree_of(dfd, path);

			buf_adds(&b, sub);
		}
	}
	/* readdir's order is the file system's: sort the lines */
	{
		_cleanup_(strv_freep) char **lines = strv_split(b.s, "\n", 1);
		size_t n = strv_length(lines);

		for (size_t i = 1; i < n; i++)
			for (size_t k = i; k > 0 && strcmp(lines[k - 1], lines[k]) > 0; k--) {
				char *tmp = lines[k];

				lines[k] = lines[k - 1];
				lines[k - 1] = tmp;
			}
		return strv_join((const char *const *)lines, "\n");
	}
}

/* The merged tree of layer top_layer (through an image made for it). */
static char *merged_tree(store *s, const char *image_id, const char *top_layer)
{
	store_image_spec spec = { .id = image_id, .top_layer = top_layer, .size = -1 };
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	cpod_error *err = NULL;
	char *tree;

	if (store_image_create(s, &spec, &err) < 0 ||
	    store_image_mount(s, image_id, &path, &err) < 0) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
		return xstrdup("(no mount)");
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tree = tree_of(fd, "");
	store_image_unmount(s, image_id, true, NULL);
	return tree;
}

static int count_prefixed(const char *dir, const char *prefix)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	return n;
}

static int count_entries(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	return n;
}

/* ---- stores ---- */

typedef struct {
	const char *driver;
	char *graphroot, *runroot, *home, *incomplete;
	store *s;
} fixture;

static void fixture_open(fixture *f, const char *driver, const char *name)
{
	store_opts o = { .driver = driver };
	cpod_error *err = NULL;

	f->driver = driver;
	f->graphroot = xasprintf("%s/%s/root", top, name);
	f->runroot = xasprintf("%s/%s/run", top, name);
	f->home = xasprintf("%s/%s", f->graphroot, driver);
	f->incomplete = xasprintf("%s/incomplete", f->graphroot);
	o.graphroot = f->graphroot;
	o.runroot = f->runroot;
	if (store_open(&o, &f->s, &err) < 0) {
		diag("store_open: %s", cpod_error_message(err));
		abort();
	}
}

static void fixture_reopen(fixture *f)
{
	store_opts o = { .graphroot = f->graphroot, .runroot = f->runroot, .driver = f->driver };
	cpod_error *err = NULL;

	store_close(f->s);
	f->s = NULL;
	if (store_open(&o, &f->s, &err) < 0) {
		diag("store_open: %s", cpod_error_message(err));
		abort();
	}
}

static void fixture_close(fixture *f)
{
	store_close(f->s);
	free(f->graphroot);
	free(f->runroot);
	free(f->home);
	free(f->incomplete);
}

static void clean_after(fixture *f, const char *what)
{
	is_int(count_prefixed(f->home, "staging-"), 0, "%s: no staging directory left", what);
	is_int(count_entries(f->incomplete), 0, "%s: no writer marker left", what);
}

/* ---- tests ---- */

static void test_independent(void)
{
	fixture ov, vfs;
	store_stage *a = NULL, *b = NULL;
	cpod_error *err = NULL;

	fixture_open(&ov, "overlay", "indep-overlay");
	fixture_open(&vfs, "vfs", "indep-vfs");
	ok(store_layer_stage_independent(ov.s), "overlay stages layers on stages");
	ok(!store_layer_stage_independent(vfs.s), "vfs does not");
	is_int(store_layer_stage_begin(vfs.s, NULL, NULL, NULL, &a, &err), 0, "vfs: a base stage");
	is_int(store_layer_stage_begin(vfs.s, NULL, a, NULL, &b, &err), -1,
	       "vfs: no stage on a stage");
	ok(err && cpod_error_kind(err) == CPOD_ERR_INVALID &&
		   strstr(cpod_error_message(err), "only on a committed parent"),
	   "vfs: %s", err ? cpod_error_message(err) : "no error");
	cpod_error_freep(&err);
	store_layer_stage_free(a);
	a = NULL;
	is_int(store_layer_stage_begin(ov.s, NULL, NULL, "sha256:nope", &a, &err), -1,
	       "a bad expected diffID is refused at once");
	cpod_error_freep(&err);
	is_int(store_layer_stage_begin(ov.s,
				       "0123456789012345678901234567890123456789012345678901"
				       "234567890123",
				       NULL, NULL, &a, &err),
	       -1, "an unknown parent is refused");
	ok(err && cpod_error_kind(err) == CPOD_ERR_NOT_FOUND, "not found: %s",
	   err ? cpod_error_message(err) : "no error");
	cpod_error_freep(&err);
	clean_after(&ov, "refused begins");
	clean_after(&vfs, "a freed vfs stage");
	fixture_close(&ov);
	fixture_close(&vfs);
}

/* The layers applied one by one with store_layer_apply(): ids and the merged tree. */
static void reference_chain(tarbuild t[3], char *ids[3], char **tree)
{
	fixture f;
	cpod_error *err = NULL;
	const char *parent = NULL;

	fixture_open(&f, "overlay", "reference");
	for (int i = 0; i < 3; i++) {
		store_layer_result r = { 0 };
		memsrc m = { .p = t[i].mem, .len = t[i].used };

		if (store_layer_apply(f.s, parent, mem_read, &m, NULL, &r, &err) < 0)
			diag("reference layer %d: %s", i, cpod_error_message(err));
		ids[i] = r.id;
		free(r.diff_id);
		parent = ids[i];
	}
	*tree = merged_tree(f.s, "1111111111111111111111111111111111111111111111111111111111111111",
			    ids[2]);
	fixture_close(&f);
}

static void test_parallel_chain(tarbuild t[3])
{
	char *ref_ids[3] = { 0 }, *ref_tree = NULL, *tree = NULL;
	store_stage *st[3] = { 0 };
	apply_job jobs[3] = { 0 };
	store_layer_result res[3] = { 0 };
	cpod_error *err = NULL;
	fixture f;

	reference_chain(t, ref_ids, &ref_tree);
	ok(strstr(ref_tree, "home/link 100640 1000 [base file] n2") != NULL, "the reference tree "
									     "has the hard link "
									     "copied up");
	fixture_open(&f, "overlay", "parallel");
	for (int i = 0; i < 3; i++)
		ok(store_layer_stage_begin(f.s, NULL, i ? st[i - 1] : NULL, NULL, &st[i], &err) ==
			   0,
		   "stage %d begun%s", i, i ? " on the one below" : "");
	/* top first: it waits for the two below only when it meets the hard link */
	for (int i = 2; i >= 0; i--) {
		jobs[i] = (apply_job){ .st = st[i], .t = &t[i], .delay_ms = (2 - i) * 30 };
		pthread_create(&jobs[i].thread, NULL, apply_thread, &jobs[i]);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(jobs[i].thread, NULL);
		ok(jobs[i].r == 0, "stage %d extracted on its thread (%s)", i,
		   jobs[i].err ? cpod_error_message(jobs[i].err) : "ok");
		cpod_error_freep(&jobs[i].err);
	}
	for (int i = 0; i < 3; i++) {
		ok(store_layer_stage_commit(f.s, st[i], &res[i], &err) == 0, "stage %d committed",
		   i);
		is_str(res[i].id, ref_ids[i], "stage %d: the chain id store_layer_apply gives", i);
		ok(!res[i].existed, "stage %d: a new layer", i);
	}
	tree = merged_tree(f.s, "2222222222222222222222222222222222222222222222222222222222222222",
			   res[2].id);
	is_str(tree, ref_tree, "the merged tree is store_layer_apply's");
	for (int i = 2; i >= 0; i--)
		store_layer_stage_free(st[i]);
	clean_after(&f, "committed stages");
	for (int i = 0; i < 3; i++) {
		store_layer_result_clear(&res[i]);
		free(ref_ids[i]);
	}
	free(ref_tree);
	free(tree);
	fixture_close(&f);
}

/* A stage without links below does not wait: applied before the stage below even starts. */
static void test_no_wait(tarbuild t[3])
{
	store_stage *a = NULL, *b = NULL;
	cpod_error *err = NULL;
	fixture f;

	fixture_open(&f, "overlay", "nowait");
	store_layer_stage_begin(f.s, NULL, NULL, NULL, &a, &err);
	store_layer_stage_begin(f.s, NULL, a, NULL, &b, &err);
	is_int(stage_apply_mem(b, &t[1], &err), 0, "the upper stage is extracted first, alone");
	is_int(store_layer_stage_commit(f.s, b, NULL, &err), -1,
	       "it cannot be committed before the one below");
	ok(err && cpod_error_kind(err) == CPOD_ERR_STATE, "state: %s",
	   err ? cpod_error_message(err) : "no error");
	cpod_error_freep(&err);
	is_int(store_layer_stage_commit(f.s, a, NULL, &err), -1,
	       "nor can a stage that was not extracted");
	cpod_error_freep(&err);
	is_int(stage_apply_mem(a, &t[0], &err), 0, "then the lower one");
	is_int(stage_apply_mem(a, &t[0], &err), -1, "a second apply is refused");
	ok(err && cpod_error_kind(err) == CPOD_ERR_STATE, "state: %s",
	   err ? cpod_error_message(err) : "no error");
	cpod_error_freep(&err);
	is_int(store_layer_stage_commit(f.s, a, NULL, &err), 0, "bottom committed");
	is_int(store_layer_stage_commit(f.s, b, NULL, &err), 0, "then the top");
	store_layer_stage_free(b);
	store_layer_stage_free(a);
	clean_after(&f, "out of order applies");
	fixture_close(&f);
}

/* The stage below is abandoned while the one above waits for it. */
static void test_abandon(tarbuild t[3])
{
	store_stage *st[3] = { 0 };
	apply_job j = { 0 };
	cpod_error *err = NULL;
	fixture f;

	fixture_open(&f, "overlay", "abandon");
	for (int i = 0; i < 3; i++)
		store_layer_stage_begin(f.s, NULL, i ? st[i - 1] : NULL, NULL, &st[i], &err);
	j = (apply_job){ .st = st[2], .t = &t[2] };
	pthread_create(&j.thread, NULL, apply_thread, &j);
	is_int(stage_apply_mem(st[1], &t[1], &err), 0, "the middle stage is extracted");
	usleep(50 * 1000);
	store_layer_stage_abandon(st[0]);
	pthread_join(j.thread, NULL);
	is_int(j.r, -1, "the top stage fails: a layer below will never be there");
	ok(j.err && cpod_error_kind(j.err) == CPOD_ERR_STATE &&
		   strstr(cpod_error_message(j.err), "a layer below was not extracted"),
	   "its error: %s", j.err ? cpod_error_message(j.err) : "none");
	cpod_error_freep(&j.err);
	is_int(stage_apply_mem(st[0], &t[0], &err), -1, "an abandoned stage cannot be applied");
	cpod_error_freep(&err);
	for (int i = 2; i >= 0; i--)
		store_layer_stage_free(st[i]);
	clean_after(&f, "abandoned stages");
	fixture_close(&f);
}

static void test_mismatch_and_reuse(tarbuild t[3])
{
	store_stage *a = NULL, *b = NULL, *c = NULL;
	store_layer_result ra = { 0 }, rc = { 0 };
	cpod_error *err = NULL;
	fixture f;

	fixture_open(&f, "overlay", "mismatch");
	store_layer_stage_begin(f.s, NULL, NULL,
				"sha256:"
				"0000000000000000000000000000000000000000000000000000000000000000",
				&a, &err);
	is_int(stage_apply_mem(a, &t[0], &err), -1, "a diffID other than the expected one fails");
	ok(err && cpod_error_kind(err) == CPOD_ERR_INVALID &&
		   strstr(cpod_error_message(err), "applying a layer: layer diffID mismatch"),
	   "mismatch: %s", err ? cpod_error_message(err) : "none");
	cpod_error_freep(&err);
	is_int(store_layer_stage_commit(f.s, a, NULL, &err), -1, "a failed stage is not committed");
	cpod_error_freep(&err);
	store_layer_stage_free(a);
	clean_after(&f, "a failed stage");

	/* the same content twice on the same parent: the second finds the first's layer */
	store_layer_stage_begin(f.s, NULL, NULL, NULL, &b, &err);
	store_layer_stage_begin(f.s, NULL, NULL, NULL, &c, &err);
	stage_apply_mem(b, &t[0], &err);
	stage_apply_mem(c, &t[0], &err);
	is_int(store_layer_stage_commit(f.s, b, &ra, &err), 0, "first committed");
	is_int(store_layer_stage_commit(f.s, c, &rc, &err), 0, "second committed");
	ok(!ra.existed && rc.existed, "the second reuses the first's layer");
	is_str(rc.id, ra.id, "one layer id");
	is_int(count_entries(f.home), 2, "one layer directory (and l/)");
	store_layer_stage_free(b);
	store_layer_stage_free(c);
	store_layer_result_clear(&ra);
	store_layer_result_clear(&rc);
	clean_after(&f, "a reused layer");
	fixture_close(&f);
}

/* A writer killed with staged, extracted layers: the next open removes them. */
static void test_killed_writer(tarbuild t[3])
{
	fixture f;
	pid_t pid;
	int status = 0;

	fixture_open(&f, "overlay", "killed");
	pid = fork();
	if (pid == 0) {
		store_opts o = { .graphroot = f.graphroot,
				 .runroot = f.runroot,
				 .driver = "overlay" };
		store_stage *a = NULL, *b = NULL;
		store *s = NULL;

		/* a store handle of its own: SQLite connections do not cross fork() */
		if (store_open(&o, &s, NULL) < 0 ||
		    store_layer_stage_begin(s, NULL, NULL, NULL, &a, NULL) < 0 ||
		    store_layer_stage_begin(s, NULL, a, NULL, &b, NULL) < 0 ||
		    stage_apply_mem(a, &t[0], NULL) < 0 || stage_apply_mem(b, &t[1], NULL) < 0 ||
		    store_layer_stage_commit(s, a, NULL, NULL) < 0)
			_exit(1);
		_exit(0); /* as killed: b is neither committed nor freed */
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer staged two layers, committed "
							  "one");
	is_int(count_prefixed(f.home, "staging-"), 1, "the killed writer left a staging layer");
	ok(count_entries(f.incomplete) >= 1, "and its marker");
	fixture_reopen(&f);
	clean_after(&f, "the next open");
	fixture_close(&f);
}

/* vfs: stages on committed parents, one after the other. */
static void test_vfs_sequence(tarbuild t[3])
{
	fixture f;
	char *parent = NULL, *tree = NULL;
	cpod_error *err = NULL;
	int failed = 0;

	fixture_open(&f, "vfs", "vfs");
	for (int i = 0; i < 3; i++) {
		store_stage *st = NULL;
		store_layer_result r = { 0 };

		if (store_layer_stage_begin(f.s, parent, NULL, NULL, &st, &err) < 0 ||
		    stage_apply_mem(st, &t[i], &err) < 0 ||
		    store_layer_stage_commit(f.s, st, &r, &err) < 0) {
			diag("vfs layer %d: %s", i, cpod_error_message(err));
			cpod_error_freep(&err);
			failed++;
		}
		store_layer_stage_free(st);
		free(parent);
		parent = r.id;
		free(r.diff_id);
	}
	is_int(failed, 0, "vfs: three layers staged and committed in turn");
	tree = merged_tree(f.s, "3333333333333333333333333333333333333333333333333333333333333333",
			   parent);
	ok(strstr(tree, "home/link 100640 1000 [base file]") && strstr(tree, "opt/new") &&
		   !strstr(tree, "opt/gone"),
	   "vfs: the tree has the link, the new file, not the deleted one");
	clean_after(&f, "vfs");
	free(tree);
	free(parent);
	fixture_close(&f);
}

int main(void)
{
	tarbuild t[3];

	if (geteuid() != 0) {
		ok(1, "# SKIP not root");
		return done_testing();
	}
	snprintf(top, sizeof(top), "/tmp/cpod-test-stage-XXXXXX");
	if (!mkdtemp(top))
		abort();
	build_layers(t);
	test_independent();
	test_parallel_chain(t);
	test_no_wait(t);
	test_abandon(t);
	test_mismatch_and_reuse(t);
	test_killed_writer(t);
	test_vfs_sequence(t);
	free_layers(t);
	fs_rm_rf_at(AT_FDCWD, top);
	return done_testing();
}
