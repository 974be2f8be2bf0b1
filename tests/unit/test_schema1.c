/* Docker v2 schema 1 manifests: parsing and checks, the JWS payload digest, and the image
 * config made of them, compared with what containers/image (skopeo, Go's encoding/json)
 * writes for the same input. */
#include <stdlib.h>
#include <string.h>

#include <cpod/error.h>

#include "common/digest.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "image/image_config.h"
#include "image/manifest.h"
#include "tap.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"

/* A manifest that skopeo 1.9 pushed with --format v2s1 and distribution 2.8 served back,
 * signatures and all: busybox, an ENV (throwaway), one layer, a CMD (throwaway). */
static const char signed_manifest[] =
	"{\"name\":\"x/v2s1\",\"tag\":\"latest\",\"architecture\":\"amd64\",\"fsLayers\":[{\""
	"blobSum\":\"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
	"\"},{\"blobSum\":\"sha256:a97919c319e1b5d8aa1c505a7b4a265870c5be6dd6cb44aca87f88fa01"
	"7f5f63\"},{\"blobSum\":\"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a"
	"7c22955b46d4\"},{\"blobSum\":\"sha256:5e3ff658301ec1f60717141a0b0b7deab8164285dc4cf1"
	"335a48fb78998a6f7a\"}],\"history\":[{\"v1Compatibility\":\"{\\\"architecture\\\":\\"
	"\"amd64\\\",\\\"author\\\":\\\"cpod-tests\\\",\\\"config\\\":{\\\"Env\\\":[\\\"PATH="
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\\\",\\\"CPOD_V2S1=env\\"
	"\"],\\\"Cmd\\\":[\\\"/bin/echo\\\",\\\"v2s1\\\"],\\\"Labels\\\":{\\\"org.cpod.test\\"
	"\":\\\"busybox\\\"}},\\\"created\\\":\\\"2024-01-01T00:00:00Z\\\",\\\"id\\\":\\\"b43"
	"b75c272411a7f756b26cf514887f56f446d3b48ae18de0d9b2a527e5f915b\\\",\\\"os\\\":\\\"lin"
	"ux\\\",\\\"parent\\\":\\\"2520fba49c4ac5d46a64b0522dbd9b4c5bf241b668b3963f0f051b8f0e"
	"f45dfd\\\",\\\"throwaway\\\":true}\"},{\"v1Compatibility\":\"{\\\"id\\\":\\\"2520fba"
	"49c4ac5d46a64b0522dbd9b4c5bf241b668b3963f0f051b8f0ef45dfd\\\",\\\"parent\\\":\\\"e88"
	"6c33a5ad701638c95a357f2ade28f67dc7606fe2d3efc4311595076980b0b\\\",\\\"created\\\":\\"
	"\"2024-01-01T00:00:00Z\\\",\\\"container_config\\\":{\\\"Cmd\\\":[\\\"layer\\\"]},\\"
	"\"author\\\":\\\"cpod-tests\\\"}\"},{\"v1Compatibility\":\"{\\\"id\\\":\\\"e886c33a5"
	"ad701638c95a357f2ade28f67dc7606fe2d3efc4311595076980b0b\\\",\\\"parent\\\":\\\"79e1e"
	"753813aa3e16ceca4e8da80ae9fc400efc864a638ec24cae4178db1854c\\\",\\\"created\\\":\\\""
	"2024-01-01T00:00:00Z\\\",\\\"container_config\\\":{\\\"Cmd\\\":[\\\"ENV CPOD_V2S1=en"
	"v\\\"]},\\\"author\\\":\\\"cpod-tests\\\",\\\"throwaway\\\":true}\"},{\"v1Compatibil"
	"ity\":\"{\\\"id\\\":\\\"79e1e753813aa3e16ceca4e8da80ae9fc400efc864a638ec24cae4178db1"
	"854c\\\",\\\"created\\\":\\\"2024-01-01T00:00:00Z\\\",\\\"container_config\\\":{\\\""
	"Cmd\\\":[\\\"tests/fixtures/images.sh: busybox-static rootfs\\\"]},\\\"author\\\":\\"
	"\"cpod-tests\\\"}\"}],\"schemaVersion\":1,\"signatures\":[{\"header\":{\"jwk\":{\"cr"
	"v\":\"P-256\",\"kid\":\"GVTP:AXRQ:YSKD:MUW5:3A5Z:AUPO:VCNO:TNRW:JDBO:SDXU:TCZ6:RHJR"
	"\",\"kty\":\"EC\",\"x\":\"f8cU7wwtF-QXTjZ3ICE-OvR8tzuqDt3RfQ1VwTjGs_U\",\"y\":\"RKDu"
	"AvcqRgfos5W8uZAQhFSG-746wmRL-aKUQY0NbnU\"},\"alg\":\"ES256\"},\"signature\":\"QKSM_k"
	"EMum90KEomHJY5HFjttcgLMubSZBQChAmXCfWm3P0LZpGk5JUFZWpCdZgZHFsjjHHz5qIc3sq5dn00Fw\","
	"\"protected\":\"eyJmb3JtYXRMZW5ndGgiOjE3ODUsImZvcm1hdFRhaWwiOiJmUSIsInRpbWUiOiIyMDI2"
	"LTExLTI4VDA0OjE0OjE2WiJ9\"}]}";
/* What the registry's Docker-Content-Digest said: the digest of the JWS payload. */
#define SIGNED_DIGEST "sha256:40bd1734ec79ed940bc8895ce2f70a25d15ac7215e90f0c01f95b1978417fe14"
/* The config `skopeo copy --format v2s2` made of it (its digest), for these diffIDs. */
#define SIGNED_CONFIG_DIGEST \
	"sha256:44f97b23e716e77177c19abfd64294d09074c1cd47f2337a50a0ca92b5c2f68c"
#define SIGNED_DIFF_BASE "sha256:469e7f590afd88346449e10a47652652615542af025f7774e5186f658d0966e2"
#define SIGNED_DIFF_TOP "sha256:fe2bb085694d2e4645175e9894d1fae2f7786ad64c34b1e6e95540c8d02cf172"

/* Hard cases for the config: whitespace, escapes and numbers as written, nested member order,
 * a repeated key (the last wins), keys to sort, members to drop, "history" and "rootfs" to
 * replace, <>& and U+2028 to escape, times with offsets and fractions. */
static const char hard_top[] =
	"{ \"Size\": 12, \"architecture\" : \"amd64\", \"zeta\":{\"b\":1,\"a\":[1.50, 1e3, -0"
	", true, null]}, \"Z\":\"upper\", \"config\":{\"Env\":[\"A=<b>&c\", \"E=\\u00e9\\/x\""
	"],\"Cmd\":[\"sh\"],\"Labels\":{\"k\":\"line\342\200\250sep\"}}, \"id\":\"aaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"parent\":\"bbbbbbbbbbbbbb"
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"parent_id\":\"x\", \"layer_i"
	"d\":\"y\", \"history\":\"old\", \"rootfs\":\"old\", \"os\":\"linux\", \"os\":\"linux"
	"2\", \"created\":\"2024-05-06T07:08:09.500000000+02:00\", \"author\":\"<a&b>\", \"co"
	"mment\":\"tab\\there\\nnl\", \"throwaway\": true, \"container_config\":null }";
static const char hard_mid[] =
	"{\"id\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"par"
	"ent\": \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\", \"creat"
	"ed\": \"2023-01-02T03:04:05.123Z\", \"container_config\": {\"Cmd\": [\"/bin/sh\", \""
	"-c\", \"echo <hi> & bye\"]}, \"author\": \"me\"}";
static const char hard_bottom[] = "{\"id\": "
				  "\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
				  "cc\", \"cre"
				  "ated\": \"2022-12-31T23:59:59-05:30\", \"comment\": \"base "
				  "\303\251\"}";
/* Go's encoding/json (1.19) through containers/image's ToSchema2Config, for D1 and D2. */
static const char hard_config[] =
	"{\"Z\":\"upper\",\"architecture\":\"amd64\",\"author\":\"\\u003ca\\u0026b\\u003e\","
	"\"comment\":\"tab\\there\\nnl\",\"config\":{\"Env\":[\"A=\\u003cb\\u003e\\u0026c\","
	"\"E=\\u00e9\\/x\"],\"Cmd\":[\"sh\"],\"Labels\":{\"k\":\"line\\u2028sep\"}},\"contain"
	"er_config\":null,\"created\":\"2024-05-06T07:08:09.500000000+02:00\",\"history\":[{"
	"\"created\":\"2022-12-31T23:59:59-05:30\",\"comment\":\"base \303\251\"},{\"created"
	"\":\"2023-01-02T03:04:05.123Z\",\"author\":\"me\",\"created_by\":\"/bin/sh -c echo "
	"\\u003chi\\u003e \\u0026 bye\"},{\"created\":\"2024-05-06T07:08:09.5+02:00\",\"autho"
	"r\":\"\\u003ca\\u0026b\\u003e\",\"comment\":\"tab\\there\\nnl\",\"empty_layer\":true"
	"}],\"os\":\"linux2\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:11111111"
	"11111111111111111111111111111111111111111111111111111111\",\"sha256:2222222222222222"
	"222222222222222222222222222222222222222222222222\"]},\"zeta\":{\"b\":1,\"a\":[1.50,1"
	"e3,-0,true,null]}}";

static int contains(const char *s, const char *sub)
{
	return s && sub && strstr(s, sub) != NULL;
}

/* A schema 1 manifest of n entries (blob digest, v1Compatibility text), top first; extra is
 * spliced in as more members (may be ""). */
static char *make(const char *const *blobs, const char *const *v1, size_t n, const char *extra)
{
	json_object *o = json_object_new_object(), *fs = json_object_new_array(),
		    *hist = json_object_new_array();
	char *text, *res;

	json_object_object_add(o, "schemaVersion", json_object_new_int(1));
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_new_object(), *h = json_object_new_object();

		json_object_object_add(f, "blobSum", json_object_new_string(blobs[i]));
		json_object_object_add(h, "v1Compatibility", json_object_new_string(v1[i]));
		json_object_array_add(fs, f);
		json_object_array_add(hist, h);
	}
	json_object_object_add(o, "fsLayers", fs);
	json_object_object_add(o, "history", hist);
	text = json_to_string(o, JSON_FMT_COMPACT);
	json_object_put(o);
	text[strlen(text) - 1] = '\0';
	res = xasprintf("%s%s}", text, extra);
	free(text);
	return res;
}

static image_manifest *parse(const char *s, const char *declared)
{
	image_manifest *m = NULL;
	cpod_error *err = NULL;

	if (manifest_parse(s, strlen(s), declared, &m, &err) < 0) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return m;
}

static void expect_error(const char *s, const char *declared, const char *want, const char *what)
{
	image_manifest *m = NULL;
	cpod_error *err = NULL;
	int r = manifest_parse(s, strlen(s), declared, &m, &err);

	ok(r < 0 && !m && cpod_error_kind(err) == CPOD_ERR_INVALID &&
		   contains(cpod_error_message(err), want),
	   "refused: %s", what);
	if (!contains(cpod_error_message(err), want))
		diag("got '%s', want it to contain '%s'", err ? cpod_error_message(err) : "(none)",
		     want);
	cpod_error_free(err);
	manifest_free(m);
}

/* make() of entries, then expect_error(). */
static void expect_entries_error(const char *const *blobs, const char *const *v1, size_t n,
				 const char *want, const char *what)
{
	char *s = make(blobs, v1, n, "");

	expect_error(s, NULL, want, what);
	free(s);
}

static char *config_of(const image_manifest *m, const char *const *diff_ids, size_t n)
{
	char *text = NULL;
	cpod_error *err = NULL;

	if (manifest_schema1_config(m, diff_ids, n, &text, &err) < 0) {
		diag("%s", cpod_error_message(err));
		cpod_error_free(err);
	}
	return text;
}

static void test_signed(void)
{
	image_manifest *m = parse(signed_manifest, MEDIA_TYPE_DOCKER_V2S1_SIGNED);
	const char *diffs[] = { SIGNED_DIFF_BASE, SIGNED_DIFF_TOP };
	char *digest = NULL, *cfg, *cfg_digest;
	image_config *ic = NULL;
	cpod_error *err = NULL;

	ok(m != NULL, "signed: parses");
	if (!m)
		return;
	is_int(m->kind, MANIFEST_DOCKER_V2S1, "signed: kind");
	is_str(m->media_type, MEDIA_TYPE_DOCKER_V2S1_SIGNED, "signed: media type");
	ok(m->config.digest == NULL && m->n_manifests == 0, "signed: no config descriptor");
	is_str(m->schema1->name, "x/v2s1", "signed: name");
	is_str(m->schema1->tag, "latest", "signed: tag");
	is_str(m->schema1->architecture, "amd64", "signed: architecture");
	is_int(m->schema1->n_entries, 4, "signed: four entries");
	ok(m->schema1->entries[0].throwaway && !m->schema1->entries[1].throwaway &&
		   m->schema1->entries[2].throwaway && !m->schema1->entries[3].throwaway,
	   "signed: throwaway flags");
	is_str(m->schema1->entries[1].created_by, "layer", "signed: created_by from Cmd");
	is_int(m->n_layers, 2, "signed: throwaway entries are not layers");
	is_str(m->layers[0].digest,
	       "sha256:5e3ff658301ec1f60717141a0b0b7deab8164285dc4cf1335a48fb78998a6f7a",
	       "signed: bottom layer first");
	is_str(m->layers[1].digest,
	       "sha256:a97919c319e1b5d8aa1c505a7b4a265870c5be6dd6cb44aca87f88fa017f5f63",
	       "signed: then the one above");
	is_str(m->layers[0].media_type, MEDIA_TYPE_DOCKER_LAYER, "signed: layers are gzip");
	is_int(m->layers[1].size, -1, "signed: sizes unknown");

	ok(manifest_digest(signed_manifest, strlen(signed_manifest), &digest, &err) == 0, "signed: "
											  "digest "
											  "compute"
											  "d");
	is_str(digest, SIGNED_DIGEST, "signed: digest of the payload, as the registry says");
	free(digest);

	cfg = config_of(m, diffs, 2);
	cfg_digest = cfg ? digest_buf(DIGEST_SHA256, cfg, strlen(cfg)) : NULL;
	is_str(cfg_digest, SIGNED_CONFIG_DIGEST, "signed: config byte for byte as skopeo's");
	ok(cfg && image_config_parse(cfg, strlen(cfg), &ic, NULL) == 0, "signed: config parses");
	if (ic) {
		is_int(ic->diff_ids.n, 2, "signed: two diffIDs");
		is_str(ic->env.v[1], "CPOD_V2S1=env", "signed: Env from v1Compatibility");
		is_str(ic->cmd.v[0], "/bin/echo", "signed: Cmd from v1Compatibility");
		is_int(ic->n_history, 4, "signed: a history item per entry");
		ok(ic->history[1].empty_layer && ic->history[3].empty_layer &&
			   !ic->history[0].empty_layer && !ic->history[2].empty_layer,
		   "signed: empty_layer for the throwaway entries, bottom first");
		is_str(ic->history[1].created_by, "ENV CPOD_V2S1=env",
		       "signed: history created_by");
	}
	image_config_free(ic);
	free(cfg_digest);
	free(cfg);
	manifest_free(m);
}

static void test_digest(void)
{
	static const char v2[] = "{\"schemaVersion\":2,\"signatures\":[]}";
	static const char other[] = "{\"schemaVersion\":1,\"mediaType\":"
				    "\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"signatures\":[{}]}";
	static const char unsigned_s1[] = "{\"schemaVersion\":1,\"signatures\":null}";
	static const char not_json[] = "not json";
	const char *plain[] = { v2, other, unsigned_s1, not_json };
	char *d = NULL, *want;
	cpod_error *err = NULL;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		want = digest_buf(DIGEST_SHA256, plain[i], strlen(plain[i]));
		ok(manifest_digest(plain[i], strlen(plain[i]), &d, NULL) == 0,
		   "digest: %zu computed", i);
		is_str(d, want, "digest: %zu is that of the bytes (not a signed schema 1)", i);
		free(d);
		free(want);
		d = NULL;
	}
	ok(manifest_digest("{\"schemaVersion\":1,\"signatures\":[]}", 35, &d, &err) < 0 &&
		   contains(cpod_error_message(err), "no signatures"),
	   "digest: signed without signatures fails");
	cpod_error_freep(&err);
	free(d);
}

/* A signed manifest made here: payload + signatures whose protected headers say
 * formatLength and formatTail (base64url), as libtrust writes them. */
static char *sign(const char *payload_head, const char *sigs_fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *sign(const char *payload_head, const char *sigs_fmt, ...)
{
	va_list ap;
	char *sigs, *res;

	va_start(ap, sigs_fmt);
	if (vasprintf(&sigs, sigs_fmt, ap) < 0)
		abort();
	va_end(ap);
	res = xasprintf("%s,\"signatures\":[%s]}", payload_head, sigs);
	free(sigs);
	return res;
}

/* base64url of {"formatLength":N,"formatTail":"fQ"} ("fQ" is "}"), for N of 2 to 4 digits */
static char *protected_hdr(size_t n)
{
	char *json = xasprintf("{\"formatLength\":%zu,\"formatTail\":\"fQ\"}", n);
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
				  "_";
	size_t len = strlen(json), o = 0;
	char *out = xmalloc(len * 2 + 4);

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)json[i] << 16;
		size_t k = len - i < 3 ? len - i : 3;

		if (k > 1)
			v |= (unsigned char)json[i + 1] << 8;
		if (k > 2)
			v |= (unsigned char)json[i + 2];
		for (size_t j = 0; j < k + 1; j++)
			out[o++] = tbl[(v >> (18 - 6 * j)) & 63];
	}
	out[o] = '\0';
	free(json);
	return out;
}

static void test_signed_made_here(void)
{
	const char *blobs[] = { D1 };
	const char *v1[] = { "{\"id\":\"" ID_A "\",\"architecture\":\"amd64\"}" };
	char *plain = make(blobs, v1, 1, ""), *head, *hdr, *s, *d = NULL, *want;
	image_manifest *m;
	size_t flen;

	/* the payload is plain minus its last "}", then formatTail "}" */
	head = xstrndup(plain, strlen(plain) - 1);
	flen = strlen(head);
	hdr = protected_hdr(flen);
	s = sign(head, "{\"header\":{\"alg\":\"ES256\"},\"signature\":\"x\",\"protected\":\"%s\"}",
		 hdr);
	m = parse(s, NULL);
	ok(m && m->kind == MANIFEST_DOCKER_V2S1, "made: parses");
	is_str(m ? m->media_type : NULL, MEDIA_TYPE_DOCKER_V2S1_SIGNED, "made: signed type");
	manifest_free(m);
	want = digest_buf(DIGEST_SHA256, plain, strlen(plain));
	ok(manifest_digest(s, strlen(s), &d, NULL) == 0, "made: digest");
	is_str(d, want, "made: digest of the payload, which is the unsigned manifest");
	free(d);
	free(want);
	free(s);

	/* two signatures agreeing are fine; disagreeing are not */
	s = sign(head, "{\"protected\":\"%s\"},{\"protected\":\"%s\"}", hdr, hdr);
	m = parse(s, NULL);
	ok(m != NULL, "made: two agreeing signatures");
	manifest_free(m);
	free(s);
	{
		char *other = protected_hdr(flen - 1);

		s = sign(head, "{\"protected\":\"%s\"},{\"protected\":\"%s\"}", hdr, other);
		expect_error(s, NULL, "signatures disagree", "signatures that disagree");
		free(s);
		free(other);
	}
	free(hdr);

	/* formatLength past the end */
	hdr = protected_hdr(100000);
	s = sign(head, "{\"protected\":\"%s\"}", hdr);
	expect_error(s, NULL, "formatLength 100000 is outside", "formatLength past the end");
	free(s);
	free(hdr);
	s = sign(head, "{\"protected\":\"!!\"}");
	expect_error(s, NULL, "'signatures[0].protected': invalid base64url", "bad base64url");
	free(s);
	s = sign(head, "{\"protected\":\"e30\"}");
	expect_error(s, NULL, "'signatures[0].protected': 'formatLength': missing",
		     "a protected header without formatLength");
	free(s);
	s = sign(head, "%s", "");
	expect_error(s, NULL, "'signatures': no signatures", "no signatures");
	free(s);
	free(head);

	/* A member after the signed bytes does not count: the payload is what is read. */
	head = xstrndup(plain, strlen(plain) - 1);
	hdr = protected_hdr(strlen(head));
	s = sign(head, "{\"protected\":\"%s\"}],\"fsLayers\":[{\"blobSum\":\"" D2 "\"}],\"x\":[1",
		 hdr);
	m = parse(s, NULL);
	ok(m && m->n_layers == 1 && strcmp(m->layers[0].digest, D1) == 0, "made: fsLayers after "
									  "the signed payload are "
									  "ignored");
	manifest_free(m);
	free(s);
	free(hdr);
	free(head);

	/* the payload must itself be a schema 1 manifest */
	head = xstrdup("{\"schemaVersion\":2,\"schemaVersion\":1");
	hdr = protected_hdr(strlen("{\"schemaVersion\":2"));
	s = sign(head, "{\"protected\":\"%s\"}", hdr);
	expect_error(s, NULL, "the signed payload: 'schemaVersion': 2, not 1",
		     "a payload of another schema version");
	free(s);
	free(hdr);
	free(head);
	free(plain);
}

static void test_unsigned_and_types(void)
{
	const char *blobs[] = { D1 };
	const char *v1[] = { "{\"id\":\"" ID_A "\"}" };
	char *s = make(blobs, v1, 1, "");
	image_manifest *m = parse(s, NULL);
	char *t;

	is_str(m ? m->media_type : NULL, MEDIA_TYPE_DOCKER_V2S1, "unsigned: v1+json");
	manifest_free(m);
	m = parse(s, "application/json");
	ok(m != NULL, "declared application/json: accepted");
	manifest_free(m);
	m = parse(s, MEDIA_TYPE_DOCKER_V2S1_SIGNED);
	ok(m != NULL, "declared prettyjws: accepted");
	manifest_free(m);
	m = parse(s, "text/plain");
	ok(m != NULL, "declared an unknown type: accepted");
	manifest_free(m);
	expect_error(s, MEDIA_TYPE_DOCKER_MANIFEST, "a schema 1 manifest declared as",
		     "declared v2s2");
	expect_error(s, MEDIA_TYPE_OCI_INDEX, "a schema 1 manifest declared as",
		     "declared OCI index");
	free(s);

	s = make(blobs, v1, 1, ",\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\"");
	expect_error(s, NULL, "'mediaType': media type", "an OCI mediaType in schema 1");
	free(s);
	s = make(blobs, v1, 1, ",\"mediaType\":\"" MEDIA_TYPE_DOCKER_V2S1 "\"");
	m = parse(s, NULL);
	ok(m != NULL, "a schema 1 mediaType is fine");
	manifest_free(m);
	free(s);
	s = make(blobs, v1, 1, ",\"config\":{}");
	expect_error(s, NULL, "unexpected field \"config\"", "ambiguous: config");
	free(s);
	s = make(blobs, v1, 1, ",\"layers\":[]");
	expect_error(s, NULL, "unexpected field \"layers\"", "ambiguous: layers");
	free(s);
	s = make(blobs, v1, 1, ",\"manifests\":null,\"config\":null");
	m = parse(s, NULL);
	ok(m != NULL, "null config/manifests are no ambiguity (as in Go)");
	manifest_free(m);
	free(s);

	/* a manifest that is not schema 1 gets no schema 1 config */
	t = NULL;
	m = parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG
		  "\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
		  NULL);
	{
		cpod_error *err = NULL;

		ok(m && manifest_schema1_config(m, NULL, 0, &t, &err) < 0 && !t &&
			   contains(cpod_error_message(err), "not a schema 1 manifest"),
		   "config: refused for an OCI manifest");
		cpod_error_free(err);
	}
	manifest_free(m);
}

static void test_bad_entries(void)
{
	const char *b2[] = { D1, D2 }, *b1[] = { D1 };
	const char *ok1[] = { "{\"id\":\"" ID_A "\"}" };
	char *s;

	s = xstrdup("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"" D1 "\"}],\"history\":[]}");
	expect_error(s, NULL, "0 history entries for 1 fsLayers", "mismatched lengths");
	free(s);
	expect_error("{\"schemaVersion\":1}", NULL, "no fsLayers", "no fsLayers at all");
	expect_error("{\"schemaVersion\":1,\"fsLayers\":[],\"history\":[]}", NULL, "no fsLayers",
		     "empty fsLayers");
	expect_error("{\"schemaVersion\":1,\"fsLayers\":{},\"history\":[]}", NULL,
		     "'fsLayers': expected array", "fsLayers not an array");
	expect_error("{\"schemaVersion\":1,\"fsLayers\":[{}],\"history\":[{\"v1Compatibility\":"
		     "\"{}\"}]}",
		     NULL, "'fsLayers[0].blobSum': missing", "no blobSum");
	expect_error("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"" D1 "\"}],\"history\":[{}]"
		     "}",
		     NULL, "'history[0].v1Compatibility': missing", "no v1Compatibility");
	{
		const char *bad_blob[] = { "sha256:abc" };

		expect_entries_error(bad_blob, ok1, 1, "'fsLayers[0].blobSum': invalid digest",
				     "a bad blobSum");
	}
	{
		const char *v[] = { "not json" };

		expect_entries_error(b1, v, 1, "'history[0].v1Compatibility': invalid JSON",
				     "v1Compatibility not JSON");
	}
	{
		const char *v[] = { "[1]" };

		expect_entries_error(b1, v, 1,
				     "'history[0].v1Compatibility': top-level value: expected "
				     "object",
				     "v1Compatibility not an object");
	}
	{
		const char *v[] = { "{\"architecture\":\"amd64\"}" };

		expect_entries_error(b1, v, 1, "'id': invalid image ID \"\"", "no id");
	}
	{
		const char *v[] = { "{\"id\":\"ABC\"}" };

		expect_entries_error(b1, v, 1, "invalid image ID \"ABC\"", "a malformed id");
	}
	{
		const char *v[] = { "{\"id\":7}" };

		expect_entries_error(b1, v, 1, "'id': expected string, got integer",
				     "an id of the wrong type");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\",\"created\":\"yesterday\"}" };

		expect_entries_error(b1, v, 1, "'history[0].v1Compatibility': 'created'",
				     "a bad created time");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\",\"throwaway\":\"yes\"}" };

		expect_entries_error(b1, v, 1, "'throwaway': expected boolean",
				     "throwaway of the wrong type");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\",\"container_config\":{\"Cmd\":\"sh\"}}" };

		expect_entries_error(b1, v, 1, "'container_config.Cmd': expected array",
				     "a Cmd that is not a list");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\",\"parent\":\"" ID_B "\"}" };

		expect_entries_error(b1, v, 1, "invalid parent ID in the base layer",
				     "a base with a parent");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\",\"parent\":\"" ID_C "\"}",
				    "{\"id\":\"" ID_B "\"}" };

		expect_entries_error(b2, v, 2, "invalid parent ID: expected " ID_B ", got \"" ID_C,
				     "a broken parent chain");
	}
	{
		const char *v[] = { "{\"id\":\"" ID_A "\"}", "{\"id\":\"" ID_B "\"}" };

		expect_entries_error(b2, v, 2, "invalid parent ID: expected " ID_B ", got \"\"",
				     "a missing parent");
	}
	{
		const char *b3[] = { D1, D2, D3 };
		const char *v[] = { "{\"id\":\"" ID_A "\",\"parent\":\"" ID_B "\"}",
				    "{\"id\":\"" ID_B "\",\"parent\":\"" ID_A "\"}",
				    "{\"id\":\"" ID_A "\"}" };

		expect_entries_error(b3, v, 3, "ID " ID_A " appears multiple times",
				     "an id seen again further down");
	}
}

static void test_merge_and_order(void)
{
	const char *blobs[] = { D1, D2, D3, D4 };
	const char *v1[] = {
		"{\"id\":\"" ID_A "\",\"parent\":\"" ID_B "\",\"throwaway\":true}",
		"{\"id\":\"" ID_B "\",\"parent\":\"" ID_C "\",\"author\":\"newer\"}",
		"{\"id\":\"" ID_B "\",\"parent\":\"" ID_C "\",\"author\":\"older\"}",
		"{\"id\":\"" ID_C "\",\"parent\":\"\"}",
	};
	char *s = make(blobs, v1, 4, ",\"name\":\"n\",\"tag\":\"t\"");
	image_manifest *m = parse(s, NULL);

	ok(m != NULL, "merge: parses");
	if (m) {
		is_int(m->schema1->n_entries, 3, "merge: consecutive entries of one id merged");
		is_str(m->schema1->entries[1].author, "older", "merge: the oldest is kept");
		is_str(m->schema1->entries[1].blob_sum, D3, "merge: with its blob");
		ok(m->schema1->entries[2].parent == NULL, "merge: an empty parent is none");
		is_int(m->n_layers, 2, "merge: the throwaway top is no layer");
		is_str(m->layers[0].digest, D4, "merge: bottom first");
		is_str(m->layers[1].digest, D3, "merge: then the kept duplicate");
	}
	manifest_free(m);
	free(s);
}

static void test_hard_config(void)
{
	const char *blobs[] = { D1, D2, D3 };
	const char *v1[] = { hard_top, hard_mid, hard_bottom };
	const char *diffs[] = { D1, D2 };
	char *s = make(blobs, v1, 3, ""), *cfg;
	image_manifest *m = parse(s, NULL);
	cpod_error *err = NULL;

	ok(m && m->n_layers == 2, "hard: parses, two layers");
	if (!m) {
		free(s);
		return;
	}
	cfg = config_of(m, diffs, 2);
	is_str(cfg, hard_config, "hard: the config Go writes");
	free(cfg);
	cfg = NULL;
	ok(manifest_schema1_config(m, diffs, 3, &cfg, &err) < 0 && !cfg &&
		   contains(cpod_error_message(err), "3 diffIDs for 2 layers"),
	   "hard: more diffIDs than layers refused");
	cpod_error_freep(&err);
	cfg = config_of(m, diffs, 0);
	ok(contains(cfg, "\"rootfs\":{\"type\":\"layers\"},\"zeta\""), "hard: no diffIDs yet: "
								       "diff_ids left out");
	free(cfg);
	manifest_free(m);
	free(s);
}

static void test_all_throwaway(void)
{
	const char *blobs[] = { D1 };
	const char *v1[] = { "{\"id\":\"" ID_C "\",\"architecture\":\"arm64\",\"throwaway\":"
			     "true}" };
	char *s = make(blobs, v1, 1, ""), *cfg;
	image_manifest *m = parse(s, NULL);

	is_int(m ? m->n_layers : 99, 0, "all throwaway: no layers");
	cfg = m ? config_of(m, NULL, 0) : NULL;
	/* Go's output for it, zero created time included */
	is_str(cfg,
	       "{\"architecture\":\"arm64\",\"history\":[{\"created\":\"0001-01-01T00:00:00Z\","
	       "\"empty_layer\":true}],\"rootfs\":{\"type\":\"layers\"}}",
	       "all throwaway: the config Go writes");
	free(cfg);
	manifest_free(m);
	free(s);
}

int main(void)
{
	test_signed();
	test_digest();
	test_signed_made_here();
	test_unsigned_and_types();
	test_bad_entries();
	test_merge_and_order();
	test_hard_config();
	test_all_throwaway();
	return done_testing();
}
