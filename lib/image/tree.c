/* podman's image tree: the image's layers (or, with --whatrequires, the layers stacked on it)
 * printed the way the gotree module draws a tree. */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "image/manage.h"
#include "common/banned.h"

typedef struct tnode {
	char *text;
	struct tnode **items;
	size_t n;
} tnode;

static tnode *tnode_new(char *text)
{
	tnode *t = xcalloc(1, sizeof(*t));

	t->text = text;
	return t;
}

static void tnode_add(tnode *parent, tnode *child)
{
	parent->items = xreallocarray(parent->items, parent->n + 1, sizeof(*parent->items));
	parent->items[parent->n++] = child;
}

static void tnode_free(tnode *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		tnode_free(t->items[i]);
	free(t->items);
	free(t->text);
	free(t);
}
DEFINE_CLEANUP_FUNC(tnode, tnode_free)

/* spaces[i]: the ancestor at depth i was the last of its siblings. */
static void print_items(buf *b, const tnode *t, bool *spaces, size_t depth)
{
	for (size_t i = 0; i < t->n; i++) {
		bool last = i == t->n - 1;
		const char *line = t->items[i]->text;

		for (size_t d = 0; d < depth; d++)
			buf_adds(b, spaces[d] ? "    " : "\u2502   ");
		buf_adds(b, last ? "\u2514\u2500\u2500 " : "\u251c\u2500\u2500 ");
		buf_adds(b, line);
		buf_adds(b, "\n");
		if (t->items[i]->n) {
			spaces[depth] = last;
			print_items(b, t->items[i], spaces, depth + 1);
		}
	}
}

/* Everything the tree needs, read once. */
typedef struct {
	meta_image **imgs;
	meta_layer **layers; /* ready ones only */
	size_t n_layers;
} tree_data;

static void tree_data_release(tree_data *d)
{
	meta_imagev_free(d->imgs);
	meta_layerv_free(d->layers);
}

static int tree_data_load(store *s, tree_data *d, cpod_error **err)
{
	meta_layer **all = NULL;
	size_t n = 0;

	if (store_image_list(s, &d->imgs, err) < 0)
		return -1;
	if (meta_layer_list(store_meta(s), META_LAYER_LIST_ALL, &all, err) < 0)
		return -1;
	for (meta_layer **l = all; *l; l++)
		n++;
	d->layers = xcalloc(n + 1, sizeof(*d->layers));
	for (meta_layer **l = all; *l; l++) {
		if ((*l)->state == META_LAYER_READY)
			d->layers[d->n_layers++] = *l;
		else
			meta_layer_free(*l);
	}
	free(all);
	return 0;
}

/* Go's %s of a []string: "[a b c]". */
static void go_list(buf *b, char *const *v)
{
	buf_adds(b, "[");
	for (size_t i = 0; v && v[i]; i++)
		buf_addf(b, "%s%s", i ? " " : "", v[i]);
	buf_adds(b, "]");
}

/* The tags (names without a digest) of img, or of every image whose top layer is layer. */
static void repo_tags(const tree_data *d, const meta_image *img, const char *layer, strv *out)
{
	for (meta_image **i = d->imgs; *i; i++) {
		if (img ? *i != img && strcmp((*i)->id, img->id) != 0
			: !(*i)->top_layer || strcmp((*i)->top_layer, layer) != 0)
			continue;
		for (char **n = (*i)->names; *n; n++)
			if (!strchr(*n, '@') && !strv_contains((const char *const *)out->v, *n))
				strv_push(out, *n);
	}
}

static char *layer_text(const tree_data *d, const meta_layer *l)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;
	_cleanup_strv_ strv tags = STRV_INIT;
	_cleanup_free_ char *size =
		units_human_size_prec(l->uncompressed_size > 0 ? l->uncompressed_size : 0, 4);

	buf_addf(&b, "ID: %.12s Size: %7s", l->id, size);
	repo_tags(d, NULL, l->id, &tags);
	if (tags.n) {
		buf_adds(&b, " Top Layer of: ");
		go_list(&b, tags.v);
	}
	return buf_detach(&b, NULL);
}

static const meta_layer *find_layer(const tree_data *d, const char *id)
{
	for (size_t i = 0; id && i < d->n_layers; i++)
		if (strcmp(d->layers[i]->id, id) == 0)
			return d->layers[i];
	return NULL;
}

static size_t n_children(const tree_data *d, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_layers; i++)
		n += d->layers[i]->parent && strcmp(d->layers[i]->parent, id) == 0;
	return n;
}

/* libimage's imageTreeTraverseChildren: an only child continues its parent's list, siblings
 * each open a branch. */
static void traverse(const tree_data *d, const meta_layer *l, tnode *parent, unsigned depth)
{
	tnode *t = parent;
	char *text = layer_text(d, l);

	if (!l->parent || !find_layer(d, l->parent) || n_children(d, l->parent) <= 1) {
		tnode_add(parent, tnode_new(text));
	} else {
		t = tnode_new(text);
		tnode_add(parent, t);
	}
	for (size_t i = 0; depth < 4096 && i < d->n_layers; i++)
		if (d->layers[i]->parent && strcmp(d->layers[i]->parent, l->id) == 0)
			traverse(d, d->layers[i], t, depth + 1);
}

static char *header(const tree_data *d, const meta_image *img)
{
	_cleanup_(buf_releasep) buf b = BUF_INIT;
	_cleanup_strv_ strv tags = STRV_INIT;
	_cleanup_free_ char *size = units_human_size_prec(img->size > 0 ? img->size : 0, 4);

	repo_tags(d, img, NULL, &tags);
	buf_addf(&b, "Image ID: %.12s\nTags:     ", img->id);
	go_list(&b, tags.v);
	buf_addf(&b, "\nSize:     %s\n%s", size,
		 img->top_layer ? "Image Layers" : "No Image Layers");
	return buf_detach(&b, NULL);
}

static void build(const tree_data *d, const meta_image *img, bool whatrequires, tnode *root)
{
	const meta_layer *top = find_layer(d, img->top_layer);
	size_t n = 0;

	if (!top)
		return;
	if (whatrequires) {
		traverse(d, top, root, 0);
		return;
	}
	/* the chain, base first */
	for (const meta_layer *l = top; l && n < 4096; l = find_layer(d, l->parent))
		n++;
	for (size_t i = n; i > 0; i--) {
		const meta_layer *l = top;

		for (size_t j = 1; j < i; j++)
			l = find_layer(d, l->parent);
		tnode_add(root, tnode_new(layer_text(d, l)));
	}
}

int image_tree(store *s, const meta_image *img, bool whatrequires, char **ret, cpod_error **err)
{
	_cleanup_(tnode_freep) tnode *root = NULL;
	_cleanup_(buf_releasep) buf b = BUF_INIT;
	_cleanup_free_ bool *spaces = NULL;
	tree_data d = { 0 };

	if (tree_data_load(s, &d, err) < 0) {
		tree_data_release(&d);
		return cpod_err_prefix(err, "image tree of '%s'", img->id);
	}
	root = tnode_new(header(&d, img));
	build(&d, img, whatrequires, root);
	spaces = xcalloc(d.n_layers + 1, sizeof(*spaces));
	buf_addf(&b, "%s\n", root->text);
	print_items(&b, root, spaces, 0);
	tree_data_release(&d);
	*ret = buf_detach(&b, NULL);
	return 0;
}
