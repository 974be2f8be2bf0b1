/* Docker v2 schema 1 manifests, read and converted as containers/image does (manifest.h). */
#include "image/manifest_schema1.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/json.h"
#include "common/timeparse.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* Largest decoded JWS protected header accepted (libtrust writes about 100 bytes). */
#define PROTECTED_MAX (64u << 10)

/* The media types a schema 1 document must not claim (containers/image's GuessMIMEType takes
 * them for what they say). */
static bool is_v2_type(const char *mt)
{
	return str_eq(mt, MEDIA_TYPE_OCI_MANIFEST) || str_eq(mt, MEDIA_TYPE_OCI_INDEX) ||
	       str_eq(mt, MEDIA_TYPE_DOCKER_MANIFEST) || str_eq(mt, MEDIA_TYPE_DOCKER_LIST);
}

/* Prefixes *err with the path of c. */
static int cur_prefix(const json_cur *c, cpod_error **err)
{
	_cleanup_free_ char *path = json_cur_path(c);

	return cpod_err_prefix(err, "'%s'", path);
}

/* ---- the JWS payload of a signed manifest ---- */

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes unpadded base64url (JOSE's form, as libtrust's joseBase64UrlDecode reads it) into
 * out; -1 when s is not that. */
static int b64url_decode(const char *s, buf *out)
{
	size_t n = strlen(s);
	uint32_t acc = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

/* A base64url string member of obj, decoded. */
static int get_b64url(const json_cur *obj, const char *key, buf *out, cpod_error **err)
{
	const char *s;
	json_cur f;

	if (json_get_string(obj, key, &s, err) < 0)
		return -1;
	if (b64url_decode(s, out) == 0)
		return 0;
	f = json_cur_field(obj, key);
	return json_cur_error(&f, err, "invalid base64url");
}

/* formatLength and formatTail from the protected header of the signature at sig. */
static int read_protected(const json_cur *sig, int64_t *ret_len, buf *ret_tail, cpod_error **err)
{
	_cleanup_buf_ buf hdr = BUF_INIT;
	_cleanup_json_ json_object *doc = NULL;
	json_cur root, f = json_cur_field(sig, "protected");

	if (json_cur_object(sig, err) < 0 || get_b64url(sig, "protected", &hdr, err) < 0)
		return -1;
	doc = json_parse_bytes(hdr.s, hdr.len, PROTECTED_MAX, err);
	root = json_cur_root(doc);
	if (!doc || json_get_int64(&root, "formatLength", ret_len, err) < 0 ||
	    get_b64url(&root, "formatTail", ret_tail, err) < 0)
		return cur_prefix(&f, err);
	return 0;
}

/* The signed payload of the manifest data[0..len) (root: its parse): its first formatLength
 * bytes and then formatTail, which every signature must give alike (libtrust's
 * ParsePrettySignature). */
static int jws_payload(const void *data, size_t len, const json_cur *root, buf *out,
		       cpod_error **err)
{
	_cleanup_buf_ buf tail = BUF_INIT;
	json_cur sigs, f = json_cur_field(root, "signatures");
	int64_t flen = -1;
	size_t n;

	if (json_get_array(root, "signatures", &sigs, &n, err) < 0)
		return -1;
	if (!n)
		return json_cur_error(&f, err, "no signatures");
	for (size_t i = 0; i < n; i++) {
		json_cur sig = json_cur_index(&sigs, i);
		_cleanup_buf_ buf t = BUF_INIT;
		int64_t l;

		if (read_protected(&sig, &l, &t, err) < 0)
			return -1;
		if (i == 0) {
			flen = l;
			buf_add(&tail, t.s, t.len);
		} else if (l != flen || t.len != tail.len || memcmp(t.s, tail.s, t.len) != 0) {
			return json_cur_error(&sig, err,
					      "signatures disagree on the signed payload");
		}
	}
	if (flen < 0 || (uint64_t)flen > len)
		return json_cur_error(&f, err, "formatLength %lld is outside the %zu bytes",
				      (long long)flen, len);
	buf_add(out, data, (size_t)flen);
	buf_add(out, tail.s, tail.len);
	return 0;
}

/* A signed schema 1 manifest, as GuessMIMEType tells it (on a document that parsed). */
static bool is_signed_schema1(const json_cur *root)
{
	const char *mt = NULL;
	int64_t version = 0;

	if (json_cur_object(root, NULL) < 0 ||
	    json_get_string_opt(root, "mediaType", NULL, &mt, NULL) < 0 ||
	    json_get_int64_opt(root, "schemaVersion", 0, &version, NULL) < 0)
		return false;
	return !is_v2_type(mt) && version == 1 && json_cur_field(root, "signatures").obj;
}

int manifest_digest(const void *data, size_t len, char **ret, cpod_error **err)
{
	_cleanup_json_ json_object *doc = json_parse_bytes(data, len, MANIFEST_MAX_SIZE, NULL);
	_cleanup_buf_ buf payload = BUF_INIT;
	json_cur root = json_cur_root(doc);

	if (!doc || !is_signed_schema1(&root)) {
		*ret = digest_buf(DIGEST_SHA256, data, len);
		return 0;
	}
	if (jws_payload(data, len, &root, &payload, err) < 0)
		return cpod_err_prefix(err, "computing the manifest digest");
	*ret = digest_buf(DIGEST_SHA256, payload.s, payload.len);
	return 0;
}

/* ---- parsing ---- */

static void entry_release(manifest_v1_entry *e)
{
	free(e->blob_sum);
	free(e->v1_compatibility);
	free(e->id);
	free(e->parent);
	free(e->created);
	free(e->created_by);
	free(e->author);
	free(e->comment);
}

void schema1_free(manifest_schema1 *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->tag);
	free(s->architecture);
	for (size_t i = 0; i < s->n_entries; i++)
		entry_release(&s->entries[i]);
	free(s->entries);
	free(s);
}

/* s, or NULL when it is NULL or empty (Go's omitempty strings). */
static char *dup_nonempty(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static bool valid_v1_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");

	return n == 64 && !id[n];
}

/* container_config.Cmd joined with spaces (null elements are empty strings, as in Go). */
static int read_created_by(const json_cur *root, char **ret, cpod_error **err)
{
	_cleanup_buf_ buf b = BUF_INIT;
	json_cur cc, cmd;
	size_t n;

	if (json_get_object_opt(root, "container_config", &cc, err) < 0 ||
	    json_get_array_opt(&cc, "Cmd", &cmd, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_cur e = json_cur_index(&cmd, i);
		const char *s;

		if (json_cur_string_opt(&e, "", &s, err) < 0)
			return -1;
		if (i)
			buf_addch(&b, ' ');
		buf_adds(&b, s);
	}
	*ret = b.len ? buf_detach(&b, NULL) : NULL;
	return 0;
}

/* The fields of one v1Compatibility text (containers/image's Schema1V1Compatibility). */
static int read_v1(const char *text, manifest_v1_entry *e, cpod_error **err)
{
	_cleanup_json_ json_object *doc = json_parse_bytes(text, strlen(text), 0, err);
	json_cur root = json_cur_root(doc), f;
	const char *id, *parent, *created, *author, *comment;
	struct timespec ts;

	if (!doc || json_cur_object(&root, err) < 0 ||
	    json_get_string_opt(&root, "id", "", &id, err) < 0 ||
	    json_get_string_opt(&root, "parent", NULL, &parent, err) < 0 ||
	    json_get_string_opt(&root, "created", NULL, &created, err) < 0 ||
	    json_get_string_opt(&root, "author", NULL, &author, err) < 0 ||
	    json_get_string_opt(&root, "comment", NULL, &comment, err) < 0 ||
	    json_get_bool_opt(&root, "throwaway", false, &e->throwaway, err) < 0 ||
	    read_created_by(&root, &e->created_by, err) < 0)
		return -1;
	if (!valid_v1_id(id)) {
		f = json_cur_field(&root, "id");
		return json_cur_error(&f, err, "invalid image ID \"%s\"", id);
	}
	if (created && timeparse_rfc3339(created, &ts, err) < 0) {
		f = json_cur_field(&root, "created");
		return cur_prefix(&f, err);
	}
	e->id = xstrdup(id);
	e->parent = dup_nonempty(parent);
	e->created = created ? xstrdup(created) : NULL;
	e->author = dup_nonempty(author);
	e->comment = dup_nonempty(comment);
	return 0;
}

/* Entry i: fsLayers[i] and history[i]. */
static int read_entry(const json_cur *fs, const json_cur *hist, size_t i, manifest_v1_entry *e,
		      cpod_error **err)
{
	json_cur f = json_cur_index(fs, i), h = json_cur_index(hist, i), v;
	const char *sum, *text;

	if (json_cur_object(&f, err) < 0 || json_get_string(&f, "blobSum", &sum, err) < 0 ||
	    json_cur_object(&h, err) < 0 || json_get_string(&h, "v1Compatibility", &text, err) < 0)
		return -1;
	if (digest_validate(sum, NULL) < 0) {
		v = json_cur_field(&f, "blobSum");
		return json_cur_error(&v, err, "invalid digest \"%s\"", sum);
	}
	e->blob_sum = xstrdup(sum);
	e->v1_compatibility = xstrdup(text);
	if (read_v1(text, e, err) < 0) {
		v = json_cur_field(&h, "v1Compatibility");
		return cur_prefix(&v, err);
	}
	return 0;
}

static int get_str_opt(const json_cur *obj, const char *key, char **ret, cpod_error **err)
{
	const char *s;

	if (json_get_string_opt(obj, key, NULL, &s, err) < 0)
		return -1;
	*ret = s ? xstrdup(s) : NULL;
	return 0;
}

static int read_entries(const json_cur *root, manifest_schema1 *s, cpod_error **err)
{
	json_cur fs, hist;
	size_t nf, nh;

	if (get_str_opt(root, "name", &s->name, err) < 0 ||
	    get_str_opt(root, "tag", &s->tag, err) < 0 ||
	    get_str_opt(root, "architecture", &s->architecture, err) < 0 ||
	    json_get_array_opt(root, "fsLayers", &fs, &nf, err) < 0 ||
	    json_get_array_opt(root, "history", &hist, &nh, err) < 0)
		return -1;
	if (nf != nh)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"%zu history entries for %zu fsLayers: the lengths must be equal",
				nh, nf);
	if (!nf)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "no fsLayers");
	s->entries = xcalloc(nf, sizeof(*s->entries));
	for (size_t i = 0; i < nf; i++) {
		s->n_entries++;
		if (read_entry(&fs, &hist, i, &s->entries[i], err) < 0)
			return -1;
	}
	return 0;
}

typedef struct {
	const char *id;
	size_t index;
} id_at;

static int id_at_cmp(const void *a, const void *b)
{
	const id_at *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* An id may repeat only right after itself (containers/image refuses the rest, which would
 * make a layer its own ancestor). */
static int check_repeated_ids(const manifest_schema1 *s, cpod_error **err)
{
	_cleanup_free_ id_at *v = xcalloc(s->n_entries, sizeof(*v));

	for (size_t i = 0; i < s->n_entries; i++)
		v[i] = (id_at){ .id = s->entries[i].id, .index = i };
	qsort(v, s->n_entries, sizeof(*v), id_at_cmp);
	for (size_t i = 1; i < s->n_entries; i++)
		if (str_eq(v[i].id, v[i - 1].id) && v[i].index != v[i - 1].index + 1)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"ID %s appears multiple times in manifest", v[i].id);
	return 0;
}

/* containers/image's fixManifestLayers: checks the parent chain and keeps, of consecutive
 * entries with one id, only the oldest (the lowest). */
static int fix_entries(manifest_schema1 *s, cpod_error **err)
{
	size_t n = s->n_entries, kept = 0;

	if (s->entries[n - 1].parent)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"invalid parent ID in the base layer of the image");
	if (check_repeated_ids(s, err) < 0)
		return -1;
	for (size_t i = n - 1; i-- > 0;) {
		const manifest_v1_entry *e = &s->entries[i], *below = &s->entries[i + 1];

		if (!str_eq(e->id, below->id) && !str_eq(e->parent ? e->parent : "", below->id))
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid parent ID: expected %s, got \"%s\"", below->id,
					e->parent ? e->parent : "");
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && str_eq(s->entries[i].id, s->entries[i + 1].id))
			entry_release(&s->entries[i]);
		else
			s->entries[kept++] = s->entries[i];
	}
	s->n_entries = kept;
	return 0;
}

/* m->layers: the blobs of the entries that are not throwaway, bottom first. */
static void fill_layers(image_manifest *m)
{
	const manifest_schema1 *s = m->schema1;

	m->layers = xcalloc(s->n_entries, sizeof(*m->layers));
	for (size_t i = s->n_entries; i-- > 0;) {
		manifest_descriptor *d;

		if (s->entries[i].throwaway)
			continue;
		d = &m->layers[m->n_layers++];
		strv_init(&d->annotation_keys);
		strv_init(&d->annotation_values);
		d->media_type = xstrdup(MEDIA_TYPE_DOCKER_LAYER);
		d->digest = xstrdup(s->entries[i].blob_sum);
		d->size = -1;
	}
}

/* What containers/image refuses before reading a schema 1 document: another kind's media
 * type, declared or in the document, and the fields of other kinds (its
 * ValidateUnambiguousManifestFormat). */
static int check_kind(const json_cur *root, const char *declared, cpod_error **err)
{
	static const char *const others[] = { "config", "layers", "manifests" };
	json_cur f = json_cur_field(root, "mediaType");
	const char *mt;

	if (json_cur_object(root, err) < 0 ||
	    json_get_string_opt(root, "mediaType", NULL, &mt, err) < 0)
		return -1;
	if (is_v2_type(mt))
		return json_cur_error(&f, err, "media type \"%s\" in a schema 1 manifest", mt);
	if (is_v2_type(declared))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "a schema 1 manifest declared as \"%s\"",
				declared);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		if (json_cur_field(root, others[i]).obj)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"rejecting ambiguous manifest: unexpected field \"%s\" "
					"in a schema 1 manifest",
					others[i]);
	return 0;
}

/* The document the digest covers: the JWS payload of a signed manifest (so that a member
 * after the signed bytes cannot override what they say), else the manifest itself.  *ret is
 * a new reference. */
static int signed_body(const void *data, size_t len, const json_cur *root, const char *declared,
		       json_object **ret, cpod_error **err)
{
	_cleanup_buf_ buf payload = BUF_INIT;
	_cleanup_json_ json_object *body = NULL;
	json_cur b;
	int64_t version;

	if (jws_payload(data, len, root, &payload, err) < 0)
		return -1;
	body = json_parse_bytes(payload.s, payload.len, MANIFEST_MAX_SIZE, err);
	b = json_cur_root(body);
	if (!body || check_kind(&b, declared, err) < 0 ||
	    json_get_int64(&b, "schemaVersion", &version, err) < 0)
		return cpod_err_prefix(err, "the signed payload");
	if (version != 1)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"the signed payload: 'schemaVersion': %lld, not 1",
				(long long)version);
	*ret = TAKE_PTR(body);
	return 0;
}

int schema1_parse(const void *data, size_t len, json_object *doc, const char *declared,
		  image_manifest *m, cpod_error **err)
{
	_cleanup_json_ json_object *body = NULL;
	json_cur root = json_cur_root(doc), b;
	bool is_signed = json_cur_field(&root, "signatures").obj;

	m->kind = MANIFEST_DOCKER_V2S1;
	m->media_type = xstrdup(is_signed ? MEDIA_TYPE_DOCKER_V2S1_SIGNED : MEDIA_TYPE_DOCKER_V2S1);
	m->schema1 = xcalloc(1, sizeof(*m->schema1));
	if (check_kind(&root, declared, err) < 0)
		return -1;
	if (is_signed && signed_body(data, len, &root, declared, &body, err) < 0)
		return -1;
	b = body ? json_cur_root(body) : root;
	if (read_entries(&b, m->schema1, err) < 0 || fix_entries(m->schema1, err) < 0)
		return -1;
	fill_layers(m);
	return 0;
}

/* ---- the image config ---- */

/* The length of the UTF-8 sequence at s (at most n bytes), 0 when it is not a valid one (as
 * Go's utf8.DecodeRuneInString decides: no overlong forms, surrogates or values past
 * U+10FFFF). */
static size_t utf8_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (n < len || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return len;
}

/* Appends s[0..n) as Go's encoding/json writes a string (HTML-safe): ", \ and the control
 * characters escaped (\n \r \t, else \u00XX), <, > and & as \u003c \u003e \u0026, U+2028
 * and U+2029 escaped, invalid UTF-8 as \ufffd. */
static void go_string(buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	buf_addch(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t sz;

		if (c < 0x80) {
			if (c == '"' || c == '\\')
				buf_addf(b, "\\%c", c);
			else if (c == '\n' || c == '\r' || c == '\t')
				buf_adds(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
			else if (c < 0x20 || c == '<' || c == '>' || c == '&')
				buf_addf(b, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
			else
				buf_addch(b, (char)c);
			i++;
			continue;
		}
		sz = utf8_len(s + i, n - i);
		if (!sz)
			buf_adds(b, "\\ufffd");
		else if (sz == 3 && c == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] & ~1u) == 0xa8)
			buf_addf(b, "\\u202%c", hex[s[i + 2] & 0xf]);
		else
			buf_add(b, s + i, sz);
		i += sz ? sz : 1;
	}
	buf_addch(b, '"');
}

/* Appends the JSON text v[0..n) as Go's json.Compact with HTML escaping writes a RawMessage:
 * without the whitespace between tokens, with <, >, &, U+2028 and U+2029 escaped, anything
 * else byte for byte (escapes and numbers as written). */
static void go_compact(buf *b, const char *v, size_t n)
{
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c == '<' || c == '>' || c == '&') {
			buf_addf(b, "\\u00%02x", (unsigned)c);
		} else if ((unsigned char)c == 0xe2 && i + 2 < n &&
			   (unsigned char)v[i + 1] == 0x80 &&
			   ((unsigned char)v[i + 2] & ~1u) == 0xa8) {
			buf_addf(b, "\\u202%c", (unsigned char)v[i + 2] == 0xa8 ? '8' : '9');
			i += 2;
		} else if (!in_string && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
			continue;
		} else {
			buf_addch(b, c);
		}
		if (escaped)
			escaped = false;
		else if (in_string && c == '\\')
			escaped = true;
		else if (c == '"')
			in_string = !in_string;
	}
}

/* created as Go's time.Time marshals it: RFC3339Nano in the offset it was written with ("Z"
 * for a zero one); Go's zero time when created is NULL. */
static int go_time(buf *b, const char *created, cpod_error **err)
{
	struct timespec ts;
	struct tm tm;
	size_t n = created ? strlen(created) : 0;
	long off = 0, zone;
	time_t local;

	if (!created) {
		buf_adds(b, "\"0001-01-01T00:00:00Z\"");
		return 0;
	}
	if (timeparse_rfc3339(created, &ts, err) < 0)
		return -1;
	if (created[n - 1] != 'Z') {
		/* timeparse_rfc3339() took it: it ends in "+hh:mm" or "-hh:mm" */
		const char *z = created + n - 6;

		off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600L +
		      ((z[4] - '0') * 10 + (z[5] - '0')) * 60L;
		if (z[0] == '-')
			off = -off;
	}
	local = ts.tv_sec + off;
	if (!gmtime_r(&local, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"created time \"%s\": year outside of range [0,9999]", created);
	buf_addf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (ts.tv_nsec) {
		buf_addf(b, ".%09ld", ts.tv_nsec);
		while (b->s[b->len - 1] == '0')
			buf_truncate(b, b->len - 1);
	}
	zone = off / 60;
	if (off)
		buf_addf(b, "%c%02ld:%02ld", zone < 0 ? '-' : '+', labs(zone) / 60,
			 labs(zone) % 60);
	else
		buf_addch(b, 'Z');
	buf_addch(b, '"');
	return 0;
}

static void add_field(buf *b, const char *key, const char *value)
{
	if (!value)
		return;
	buf_addf(b, ",\"%s\":", key);
	go_string(b, value, strlen(value));
}

/* The "history" of the config: one item per entry, bottom first (Schema2History). */
static int write_history(buf *b, const manifest_schema1 *s, cpod_error **err)
{
	buf_addch(b, '[');
	for (size_t i = s->n_entries; i-- > 0;) {
		const manifest_v1_entry *e = &s->entries[i];

		buf_adds(b, i + 1 < s->n_entries ? ",{\"created\":" : "{\"created\":");
		if (go_time(b, e->created, err) < 0)
			return cpod_err_prefix(err, "history entry of layer %s", e->id);
		add_field(b, "author", e->author);
		add_field(b, "created_by", e->created_by);
		add_field(b, "comment", e->comment);
		if (e->throwaway)
			buf_adds(b, ",\"empty_layer\":true");
		buf_addch(b, '}');
	}
	buf_addch(b, ']');
	return 0;
}

static void write_rootfs(buf *b, const char *const *diff_ids, size_t n)
{
	buf_adds(b, "{\"type\":\"layers\"");
	if (n) {
		buf_adds(b, ",\"diff_ids\":[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addch(b, ',');
			go_string(b, diff_ids[i], strlen(diff_ids[i]));
		}
		buf_addch(b, ']');
	}
	buf_addch(b, '}');
}

/* ---- the members of the top v1Compatibility, as raw text ----
 *
 * containers/image decodes the top v1Compatibility into a map of json.RawMessage, drops and
 * adds members, and encodes the map again: keys sorted, each value's text compacted but
 * otherwise as written.  The image ID is the digest of that text, so the values are taken
 * here as the text they are (a json-c tree would lose their escapes, number spellings and
 * member order).  The text was parsed by json-c already (read_v1()); this only finds where
 * each top-level member starts and ends, and keys are decoded by json-c. */

typedef struct {
	char *key; /* decoded */
	size_t key_len;
	const char *value; /* JSON text, borrowed */
	size_t value_len;
	size_t index; /* in the document; later wins */
} member;

typedef struct {
	member *v;
	size_t n;
} members;

static void members_release(members *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].key);
	free(m->v);
}

static void members_add(members *m, char *key, size_t key_len, const char *value, size_t value_len)
{
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n] = (member){ .key = key,
			       .key_len = key_len,
			       .value = value,
			       .value_len = value_len,
			       .index = m->n };
	m->n++;
}

typedef struct {
	const char *p, *end;
} scanner;

static void skip_space(scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

static bool at(const scanner *s, char c)
{
	return s->p < s->end && *s->p == c;
}

/* Moves past the string that starts at s->p; false when it does not end. */
static bool skip_string(scanner *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"')
			break;
	}
	if (s->p >= s->end)
		return false;
	s->p++;
	return true;
}

/* Moves past the value that starts at s->p; false when it does not end where it should. */
static bool skip_value(scanner *s)
{
	const char *start = s->p;
	size_t depth = 0;

	if (at(s, '"'))
		return skip_string(s);
	if (!at(s, '{') && !at(s, '[')) {
		while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
			s->p++;
		return s->p > start;
	}
	do {
		if (s->p >= s->end)
			return false;
		if (*s->p == '"') {
			if (!skip_string(s))
				return false;
			continue;
		}
		if (*s->p == '{' || *s->p == '[')
			depth++;
		else if (*s->p == '}' || *s->p == ']')
			depth--;
		s->p++;
	} while (depth);
	return true;
}

/* The key whose JSON text is k[0..n), decoded. */
static int decode_key(const char *k, size_t n, char **ret, size_t *ret_len, cpod_error **err)
{
	_cleanup_json_ json_object *o = json_parse_bytes(k, n, 0, err);

	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_string))
		return cpod_err(err, CPOD_ERR_INVALID, 0, "a key that is not a string");
	*ret_len = (size_t)json_object_get_string_len(o);
	*ret = xstrndup(json_object_get_string(o), *ret_len);
	return 0;
}

/* One "key": value member at s->p, into m. */
static int scan_member(scanner *s, members *m, cpod_error **err)
{
	const char *key = s->p, *value;
	char *k = NULL;
	size_t klen = 0;

	if (!at(s, '"') || !skip_string(s))
		return -1;
	if (decode_key(key, (size_t)(s->p - key), &k, &klen, err) < 0)
		return -1;
	skip_space(s);
	if (!at(s, ':')) {
		free(k);
		return -1;
	}
	s->p++;
	skip_space(s);
	value = s->p;
	if (!skip_value(s)) {
		free(k);
		return -1;
	}
	members_add(m, k, klen, value, (size_t)(s->p - value));
	return 0;
}

/* The members of the JSON object text[0..len). */
static int split_members(const char *text, size_t len, members *m, cpod_error **err)
{
	scanner s = { .p = text, .end = text + len };

	skip_space(&s);
	if (!at(&s, '{'))
		goto bad;
	s.p++;
	skip_space(&s);
	if (at(&s, '}'))
		s.p++;
	else
		for (;;) {
			if (scan_member(&s, m, err) < 0)
				goto bad;
			skip_space(&s);
			if (at(&s, '}')) {
				s.p++;
				break;
			}
			if (!at(&s, ','))
				goto bad;
			s.p++;
			skip_space(&s);
		}
	skip_space(&s);
	if (s.p == s.end)
		return 0;
bad:
	if (err && *err)
		return -1;
	return cpod_err(err, CPOD_ERR_INVALID, 0, "malformed JSON object at offset %zu",
			(size_t)(s.p - text));
}

static int member_cmp(const void *a, const void *b)
{
	const member *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* The members ToSchema2Config drops from the top v1Compatibility. */
static bool dropped(const member *m)
{
	static const char *const keys[] = { "id",	"parent",    "parent_id",
					    "layer_id", "throwaway", "Size" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (m->key_len == strlen(keys[i]) && memcmp(m->key, keys[i], m->key_len) == 0)
			return true;
	return false;
}

/* The object of m's members, keys sorted (the last of equal keys wins, as in a Go map). */
static void write_members(buf *b, members *m)
{
	bool first = true;

	qsort(m->v, m->n, sizeof(*m->v), member_cmp);
	buf_addch(b, '{');
	for (size_t i = 0; i < m->n; i++) {
		const member *e = &m->v[i];

		if (i + 1 < m->n && e->key_len == m->v[i + 1].key_len &&
		    memcmp(e->key, m->v[i + 1].key, e->key_len) == 0)
			continue;
		if (dropped(e))
			continue;
		if (!first)
			buf_addch(b, ',');
		first = false;
		go_string(b, e->key, e->key_len);
		buf_addch(b, ':');
		go_compact(b, e->value, e->value_len);
	}
	buf_addch(b, '}');
}

int manifest_schema1_config(const image_manifest *m, const char *const *diff_ids, size_t n,
			    char **ret, cpod_error **err)
{
	_cleanup_buf_ buf history = BUF_INIT, rootfs = BUF_INIT, out = BUF_INIT;
	_cleanup_(members_release) members mem = { 0 };
	const manifest_schema1 *s = m->schema1;
	const char *top;

	if (m->kind != MANIFEST_DOCKER_V2S1 || !s || !s->n_entries)
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"an image config from \"%s\": not a schema 1 manifest",
				m->media_type);
	if (n > m->n_layers)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "%zu diffIDs for %zu layers", n,
				m->n_layers);
	if (write_history(&history, s, err) < 0)
		return -1;
	write_rootfs(&rootfs, diff_ids, n);
	top = s->entries[0].v1_compatibility;
	if (split_members(top, strlen(top), &mem, err) < 0)
		return cpod_err_prefix(err, "the top history entry");
	/* added last: they replace members of these names */
	members_add(&mem, xstrdup("history"), strlen("history"), history.s, history.len);
	members_add(&mem, xstrdup("rootfs"), strlen("rootfs"), rootfs.s, rootfs.len);
	write_members(&out, &mem);
	*ret = buf_detach(&out, NULL);
	return 0;
}
