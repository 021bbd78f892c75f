/* Manifests, indexes and image configs: what is valid parses into the
 * structures records need; every malformed document, wrong type or missing
 * field fails with CK_ECORRUPT naming the document and the field. */
#define _GNU_SOURCE
#include "image/image_int.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444444444444444444444444444"
#define WHAT "manifest sha256:" H4

#define LAYER(h, size) "{\"mediaType\":\"" CK_MT_OCI_LAYER_GZIP "\",\"digest\":\"sha256:" h "\",\"size\":" size "}"
#define OCI_MANIFEST                                                                                        \
	"{\"schemaVersion\":2,\"mediaType\":\"" CK_MT_OCI_MANIFEST "\","                                   \
	"\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1 "\",\"size\":123},"     \
	"\"layers\":[" LAYER(H2, "1000") "," LAYER(H3, "0") "],\"annotations\":{\"a\":\"b\"}}"

static int parse_str(ck__manifest **m, const char *json)
{
	return ck__manifest_parse(m, json, strlen(json), WHAT);
}

static void manifest_oci_parses(void)
{
	ck__manifest *m = NULL;
	char *mt = NULL;

	CK_CHECK_OK(parse_str(&m, OCI_MANIFEST));
	CK_CHECK(m != NULL);
	if (!m)
		return;
	CK_CHECK_STR(m->media_type, CK_MT_OCI_MANIFEST);
	CK_CHECK_STR(m->config.media_type, CK_MT_OCI_CONFIG);
	CK_CHECK_STR(m->config.digest, "sha256:" H1);
	CK_CHECK(m->config.size == 123);
	CK_CHECK(m->n_layers == 2);
	CK_CHECK_STR(m->layers[0].digest, "sha256:" H2);
	CK_CHECK(m->layers[0].size == 1000 && m->layers[1].size == 0);
	CK_CHECK_STR(m->layers[1].media_type, CK_MT_OCI_LAYER_GZIP);
	ck__manifest_free(m);
	CK_CHECK_OK(ck__manifest_kind(&mt, OCI_MANIFEST, strlen(OCI_MANIFEST), WHAT));
	CK_CHECK_STR(mt, CK_MT_OCI_MANIFEST);
	free(mt);
	ck__manifest_free(NULL);
}

static void manifest_docker_and_untyped_parse(void)
{
	const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" CK_MT_DOCKER_MANIFEST "\","
	                     "\"config\":{\"mediaType\":\"" CK_MT_DOCKER_CONFIG "\",\"digest\":\"sha256:" H1 "\","
	                     "\"size\":7},\"layers\":[{\"mediaType\":\"" CK_MT_DOCKER_LAYER "\",\"digest\":"
	                     "\"sha256:" H2 "\",\"size\":5}]}";
	const char *untyped = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":"
	                      "\"sha256:" H1 "\",\"size\":7},\"layers\":[]}";
	ck__manifest *m = NULL;
	char *mt = NULL;

	CK_CHECK_OK(parse_str(&m, docker));
	CK_CHECK(m && !strcmp(m->media_type, CK_MT_DOCKER_MANIFEST) && m->n_layers == 1);
	ck__manifest_free(m);
	m = NULL;
	CK_CHECK_OK(parse_str(&m, untyped));
	CK_CHECK(m && !strcmp(m->media_type, CK_MT_OCI_MANIFEST) && m->n_layers == 0);
	ck__manifest_free(m);
	CK_CHECK_OK(ck__manifest_kind(&mt, untyped, strlen(untyped), WHAT));
	CK_CHECK_STR(mt, CK_MT_OCI_MANIFEST); /* inferred from its shape */
	free(mt);
	/* The length is honoured: trailing bytes beyond it are not read. */
	char buf[1024];
	snprintf(buf, sizeof(buf), "%sGARBAGE", untyped);
	m = NULL;
	CK_CHECK_OK(ck__manifest_parse(&m, buf, strlen(untyped), WHAT));
	ck__manifest_free(m);
}

struct bad_case {
	const char *json;
	int code;
	const char *message; /* the whole message after "WHAT: ", or a part of it */
};

static const struct bad_case bad_manifests[] = {
	{ "{", CK_ECORRUPT, WHAT " is not valid JSON" },
	{ "", CK_ECORRUPT, WHAT " is not valid JSON" },
	{ "[1,2]", CK_ECORRUPT, WHAT " is not a JSON object (it is an array)" },
	{ "\"manifest\"", CK_ECORRUPT, WHAT " is not a JSON object (it is a string)" },
	{ "{\"schemaVersion\":2,\"layers\":[]}", CK_ECORRUPT, WHAT ": config is missing" },
	{ "{\"schemaVersion\":2,\"config\":null,\"layers\":[]}", CK_ECORRUPT, WHAT ": config is missing" },
	{ "{\"schemaVersion\":2,\"config\":[],\"layers\":[]}", CK_ECORRUPT,
	  WHAT ": config is not an object (it is an array)" },
	{ "{\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" H1 "\",\"size\":1},\"layers\":[]}", CK_ECORRUPT,
	  WHAT ": schemaVersion is missing" },
	{ "{\"schemaVersion\":\"2\",\"layers\":[]}", CK_ECORRUPT,
	  WHAT ": schemaVersion is not an integer (it is a string)" },
	{ "{\"schemaVersion\":3,\"layers\":[]}", CK_ECORRUPT, WHAT ": schemaVersion is not 2" },
	{ "{\"schemaVersion\":1,\"fsLayers\":[]}", CK_EUNSUPPORTED, "schema 1" },
	{ "{\"schemaVersion\":2,\"mediaType\":7,\"layers\":[]}", CK_ECORRUPT,
	  WHAT ": mediaType is not a string (it is a number)" },
	{ "{\"schemaVersion\":2,\"mediaType\":\"" CK_MT_OCI_INDEX "\",\"manifests\":[]}", CK_EINVAL,
	  "is an image index" },
	{ "{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", CK_EUNSUPPORTED, "not an image manifest" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1}}", CK_ECORRUPT, WHAT ": layers is missing" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":{}}", CK_ECORRUPT, WHAT ": layers is not an array (it is an object)" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\"},\"layers\":[]}", CK_ECORRUPT, WHAT ": config.size is missing" },
	{ "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" H1 "\",\"size\":1},\"layers\":[]}",
	  CK_ECORRUPT, WHAT ": config.mediaType is missing" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:abc\","
	  "\"size\":1},\"layers\":[]}", CK_ECORRUPT, WHAT ": config.digest: invalid digest \"sha256:abc\"" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha512:" H1 H1
	  "\",\"size\":1},\"layers\":[]}", CK_EUNSUPPORTED, WHAT ": config.digest: digest" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[" LAYER(H2, "1") "," LAYER(H2, "2") "," LAYER(H3, "\"3\"") "]}",
	  CK_ECORRUPT, WHAT ": layers[2].size is not an integer (it is a string)" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[" LAYER(H2, "1.5") "]}", CK_ECORRUPT,
	  WHAT ": layers[0].size is not an integer (it is a number)" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[" LAYER(H2, "-1") "]}", CK_ECORRUPT, WHAT ": layers[0].size is negative" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[7]}", CK_ECORRUPT, WHAT ": layers[0] is not an object (it is a number)" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[{\"mediaType\":\"x\",\"digest\":true,\"size\":1}]}", CK_ECORRUPT,
	  WHAT ": layers[0].digest is not a string (it is a boolean)" },
	{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CK_MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1
	  "\",\"size\":1},\"layers\":[],\"annotations\":{\"a\":1}}", CK_ECORRUPT,
	  WHAT ": annotations[\"a\"] is not a string (it is a number)" },
};

static void check_bad(const struct bad_case *c, int rc)
{
	if (rc != c->code || !strstr(ck_error_last()->message, c->message)) {
		fprintf(stderr, "  %s\n    got rc %d: %s\n    want %d: %s\n", c->json, rc, ck_error_last()->message,
		        c->code, c->message);
		ck_test_failed_checks++;
	}
}

static void manifest_bad_documents_name_the_field(void)
{
	for (size_t i = 0; i < sizeof(bad_manifests) / sizeof(bad_manifests[0]); i++) {
		ck__manifest *m = (ck__manifest *)1;
		check_bad(&bad_manifests[i], parse_str(&m, bad_manifests[i].json));
		CK_CHECK(m == NULL);
	}
}

static void manifest_kind_of_each_document(void)
{
	static const struct {
		const char *json, *kind;
	} kinds[] = {
		{ "{\"mediaType\":\"" CK_MT_DOCKER_LIST "\"}", CK_MT_DOCKER_LIST },
		{ "{\"schemaVersion\":2,\"manifests\":[]}", CK_MT_OCI_INDEX },
		{ "{\"schemaVersion\":2,\"config\":{}}", CK_MT_OCI_MANIFEST },
		{ "{\"schemaVersion\":1,\"fsLayers\":[]}", "application/vnd.docker.distribution.manifest.v1+json" },
	};
	char *mt = NULL;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		CK_CHECK_OK(ck__manifest_kind(&mt, kinds[i].json, strlen(kinds[i].json), WHAT));
		CK_CHECK_STR(mt, kinds[i].kind);
		free(mt);
		mt = NULL;
	}
	CK_CHECK_RC(ck__manifest_kind(&mt, "{\"a\":1}", 7, WHAT), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, WHAT " is neither an image manifest nor an index");
	CK_CHECK_RC(ck__manifest_kind(&mt, "{\"mediaType\":[]}", 16, WHAT), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, WHAT ": mediaType is not a string (it is an array)");
	CK_CHECK_RC(ck__manifest_kind(&mt, "nul\0l", 5, WHAT), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "NUL byte");
	CK_CHECK(mt == NULL);
}

#define ENTRY(h, plat) "{\"mediaType\":\"" CK_MT_OCI_MANIFEST "\",\"digest\":\"sha256:" h "\",\"size\":10" plat "}"
#define PLAT(os, arch, var) ",\"platform\":{\"os\":\"" os "\",\"architecture\":\"" arch "\"" var "}"

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" CK_MT_OCI_INDEX "\",\"manifests\":["
	ENTRY(H1, PLAT("linux", "amd64", "")) ","
	ENTRY(H2, PLAT("linux", "arm64", ",\"variant\":\"v8\"")) ","
	ENTRY(H3, PLAT("linux", "arm", ",\"variant\":\"v6\"")) ","
	ENTRY(H4, PLAT("linux", "arm", ",\"variant\":\"v7\"")) ","
	ENTRY(H4, PLAT("unknown", "unknown", "")) ","
	ENTRY(H1, "") "]}";

static const char *select_digest(const ck__index *idx, const char *platform)
{
	const ck__descriptor *d = NULL;
	return ck__index_select(&d, idx, platform) == CK_OK && d ? d->digest : NULL;
}

static void index_parses_and_selects_platforms(void)
{
	ck__index *idx = NULL;
	const ck__descriptor *d = NULL;
	const char *host = ck__image_host_arch();

	CK_CHECK_OK(ck__index_parse(&idx, index_json, strlen(index_json), "index sha256:" H4));
	if (!idx)
		return;
	CK_CHECK(idx->n_manifests == 6);
	CK_CHECK_STR(idx->manifests[1].platform_variant, "v8");
	CK_CHECK(idx->manifests[5].platform_os == NULL);
	CK_CHECK_STR(select_digest(idx, "linux/amd64"), "sha256:" H1);
	CK_CHECK_STR(select_digest(idx, "linux/arm64"), "sha256:" H2);   /* v8 is implied */
	CK_CHECK_STR(select_digest(idx, "linux/arm64/v8"), "sha256:" H2);
	CK_CHECK_STR(select_digest(idx, "linux/arm/v7"), "sha256:" H4);
	CK_CHECK_STR(select_digest(idx, "linux/arm/v6"), "sha256:" H3);
	CK_CHECK_STR(select_digest(idx, "linux/arm"), "sha256:" H3);     /* no variant asked: the first */
	CK_CHECK_RC(ck__index_select(&d, idx, "linux/arm/v5"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no manifest for platform linux/arm/v5 (it has: linux/amd64, "
	                                            "linux/arm64/v8, linux/arm/v6, linux/arm/v7, unknown/unknown)");
	CK_CHECK_RC(ck__index_select(&d, idx, "windows/amd64"), CK_ENOTFOUND);
	CK_CHECK_RC(ck__index_select(&d, idx, "linux"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid platform \"linux\"");
	CK_CHECK_RC(ck__index_select(&d, idx, "linux//v7"), CK_EINVAL);
	CK_CHECK_RC(ck__index_select(&d, idx, "linux/arm/v7/x"), CK_EINVAL);
	/* NULL: this host (linux/amd64 or linux/arm64 here). */
	if (!strcmp(host, "amd64") || !strcmp(host, "arm64"))
		CK_CHECK_STR(select_digest(idx, NULL), !strcmp(host, "amd64") ? "sha256:" H1 : "sha256:" H2);
	ck__index_free(idx);
	ck__index_free(NULL);
}

static void index_bad_documents_name_the_field(void)
{
	static const struct bad_case bad[] = {
		{ "{\"schemaVersion\":2}", CK_ECORRUPT, "index X: manifests is missing" },
		{ "{\"schemaVersion\":2,\"manifests\":[" ENTRY(H1, ",\"platform\":{\"os\":\"linux\"}") "]}", CK_ECORRUPT,
		  "index X: manifests[0].platform.architecture is missing" },
		{ "{\"schemaVersion\":2,\"manifests\":[" ENTRY(H1, ",\"platform\":\"linux\"") "]}", CK_ECORRUPT,
		  "index X: manifests[0].platform is not an object (it is a string)" },
		{ "{\"schemaVersion\":2,\"manifests\":[" ENTRY(H1, "") ",{\"mediaType\":\"x\",\"digest\":\"sha256:"
		  H1 "\",\"size\":-5}]}", CK_ECORRUPT, "index X: manifests[1].size is negative" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" CK_MT_OCI_MANIFEST "\",\"manifests\":[]}", CK_EINVAL,
		  "not an image index" },
		{ "{\"schemaVersion\":2,\"manifests\":{}}", CK_ECORRUPT,
		  "index X: manifests is not an array (it is an object)" },
		{ "nope", CK_ECORRUPT, "index X is not valid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck__index *idx = (ck__index *)1;
		check_bad(&bad[i], ck__index_parse(&idx, bad[i].json, strlen(bad[i].json), "index X"));
		CK_CHECK(idx == NULL);
	}
}

#define CONFIG(extra, rootfs)                                                                                \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2023-05-19T20:29:37.123456789Z\"" extra \
	",\"rootfs\":" rootfs "}"
#define ROOTFS2 "{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H1 "\",\"sha256:" H2 "\"]}"

static void config_parses(void)
{
	const char *json = CONFIG(",\"config\":{\"Env\":[\"A=1\"],\"Cmd\":null,\"Labels\":{\"k\":\"v\"},"
	                          "\"ExposedPorts\":{\"80/tcp\":{}}},\"history\":[{\"created_by\":\"x\","
	                          "\"empty_layer\":true},{}]",
	                          ROOTFS2);
	ck__image_config c;

	CK_CHECK_OK(ck__image_config_parse(&c, json, strlen(json), "image config sha256:" H1));
	CK_CHECK(ck__strv_len(c.diff_ids) == 2);
	CK_CHECK_STR(c.diff_ids[1], "sha256:" H2);
	CK_CHECK(c.created == 1684528177);
	CK_CHECK_STR(c.os, "linux");
	CK_CHECK_STR(c.arch, "amd64");
	ck__image_config_free(&c);
	/* Docker writes nulls for what it does not set; no created is 0. */
	json = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"config\":{\"Labels\":null,\"Env\":null},"
	       "\"history\":null,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	CK_CHECK_OK(ck__image_config_parse(&c, json, strlen(json), "image config sha256:" H1));
	CK_CHECK(c.created == 0 && c.diff_ids && !c.diff_ids[0]);
	ck__image_config_free(&c);
	ck__image_config_free(&c); /* twice is harmless */
}

static void config_bad_documents_name_the_field(void)
{
	static const struct bad_case bad[] = {
		{ "{\"os\":\"linux\",\"rootfs\":" ROOTFS2 "}", CK_ECORRUPT, "config C: architecture is missing" },
		{ "{\"architecture\":\"amd64\",\"rootfs\":" ROOTFS2 "}", CK_ECORRUPT, "config C: os is missing" },
		{ "{\"architecture\":1,\"os\":\"linux\",\"rootfs\":" ROOTFS2 "}", CK_ECORRUPT,
		  "config C: architecture is not a string (it is a number)" },
		{ CONFIG("", "null"), CK_ECORRUPT, "config C: rootfs is missing" },
		{ CONFIG("", "{\"type\":\"layers\"}"), CK_ECORRUPT, "config C: rootfs.diff_ids is missing" },
		{ CONFIG("", "{\"type\":\"tar\",\"diff_ids\":[]}"), CK_ECORRUPT,
		  "config C: rootfs.type is \"tar\", not \"layers\"" },
		{ CONFIG("", "{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H1 "\",5]}"), CK_ECORRUPT,
		  "config C: rootfs.diff_ids[1] is not a string (it is a number)" },
		{ CONFIG("", "{\"type\":\"layers\",\"diff_ids\":[\"sha256:12\"]}"), CK_ECORRUPT,
		  "config C: rootfs.diff_ids[0]: invalid digest" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"yesterday\",\"rootfs\":" ROOTFS2 "}",
		  CK_ECORRUPT, "config C: created \"yesterday\" is not an RFC 3339 time" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":5,\"rootfs\":" ROOTFS2 "}", CK_ECORRUPT,
		  "config C: created is not a string (it is a number)" },
		{ CONFIG(",\"config\":[]", ROOTFS2), CK_ECORRUPT, "config C: config is not an object (it is an array)" },
		{ CONFIG(",\"config\":{\"Env\":\"A=1\"}", ROOTFS2), CK_ECORRUPT,
		  "config C: config.Env is not an array (it is a string)" },
		{ CONFIG(",\"config\":{\"Cmd\":[\"sh\",1]}", ROOTFS2), CK_ECORRUPT,
		  "config C: config.Cmd[1] is not a string (it is a number)" },
		{ CONFIG(",\"config\":{\"User\":0}", ROOTFS2), CK_ECORRUPT,
		  "config C: config.User is not a string (it is a number)" },
		{ CONFIG(",\"config\":{\"Labels\":{\"k\":true}}", ROOTFS2), CK_ECORRUPT,
		  "config C: config.Labels[\"k\"] is not a string (it is a boolean)" },
		{ CONFIG(",\"history\":{}", ROOTFS2), CK_ECORRUPT, "config C: history is not an array (it is an object)" },
		{ CONFIG(",\"history\":[{},3]", ROOTFS2), CK_ECORRUPT,
		  "config C: history[1] is not an object (it is a number)" },
		{ CONFIG(",\"history\":[{\"created_by\":[]}]", ROOTFS2), CK_ECORRUPT,
		  "config C: history[0].created_by is not a string (it is an array)" },
		{ CONFIG(",\"history\":[{\"empty_layer\":\"yes\"}]", ROOTFS2), CK_ECORRUPT,
		  "config C: history[0].empty_layer is not a boolean (it is a string)" },
		{ "{\"architecture\":\"amd64\"", CK_ECORRUPT, "config C is not valid JSON" },
		{ "42", CK_ECORRUPT, "config C is not a JSON object (it is a number)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck__image_config c;
		check_bad(&bad[i], ck__image_config_parse(&c, bad[i].json, strlen(bad[i].json), "config C"));
		CK_CHECK(!c.diff_ids && !c.os && !c.arch);
	}
}

static void rfc3339_times(void)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t secs;
	} t[] = {
		{ "1970-01-01T00:00:00Z", true, 0 },
		{ "2023-05-19T20:29:37Z", true, 1684528177 },
		{ "2023-05-19T20:29:37.5Z", true, 1684528177 },
		{ "2023-05-19t20:29:37z", true, 1684528177 },
		{ "2023-05-19T22:29:37+02:00", true, 1684528177 },
		{ "2023-05-19T18:29:37.000000001-02:00", true, 1684528177 },
		{ "2024-02-29T00:00:00Z", true, 1709164800 },
		{ "2023-05-19T20:29:37", false, 0 },
		{ "2023-05-19T20:29:37.Z", false, 0 },
		{ "2023-13-19T20:29:37Z", false, 0 },
		{ "2023-05-32T20:29:37Z", false, 0 },
		{ "2023-05-19T24:00:00Z", false, 0 },
		{ "2023-05-19T20:29:37+0200", false, 0 },
		{ "2023-05-19T20:29:37Zjunk", false, 0 },
		{ "2023/05/19T20:29:37Z", false, 0 },
		{ "", false, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t secs = -1;
		bool ok = ck__rfc3339_parse(&secs, t[i].s);
		if (ok != t[i].ok || (ok && secs != t[i].secs)) {
			fprintf(stderr, "  \"%s\": got %d/%lld, want %d/%lld\n", t[i].s, ok, (long long)secs, t[i].ok,
			        (long long)t[i].secs);
			ck_test_failed_checks++;
		}
	}
	CK_CHECK(!ck__rfc3339_parse(NULL, NULL));
}

CK_TESTS(CK_TEST(manifest_oci_parses), CK_TEST(manifest_docker_and_untyped_parse),
         CK_TEST(manifest_bad_documents_name_the_field), CK_TEST(manifest_kind_of_each_document),
         CK_TEST(index_parses_and_selects_platforms), CK_TEST(index_bad_documents_name_the_field),
         CK_TEST(config_parses), CK_TEST(config_bad_documents_name_the_field), CK_TEST(rfc3339_times))
