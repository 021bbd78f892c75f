/* The registry client on its own (lib/registry, through its internal API):
 * challenges, base64, auth.json, and manifests and blobs against fakereg.py
 * servers that drop connections, lie about sizes, redirect, or want tokens. */
#define _GNU_SOURCE
#include "harness.h"
#include "registry/registry_int.h"

#include "fake.h"

static ck_context *open_ctx(char **dir)
{
	ck_context_options o;
	ck_context *ctx = NULL;
	char *root, *run;

	*dir = ck_test_tmpdir("regclient");
	if (asprintf(&root, "%s/root", *dir) < 0 || asprintf(&run, "%s/run", *dir) < 0)
		abort();
	ck_context_options_init(&o, CK_CONTEXT_OPTIONS_VERSION);
	o.root = root;
	o.runroot = run;
	if (ck_context_open(&ctx, &o) != 0) {
		fprintf(stderr, "context: %s\n", ck_error_last()->message);
		abort();
	}
	free(root);
	free(run);
	return ctx;
}

/* A sink in memory. */
typedef struct memsink {
	ck__buf buf;
} memsink;

static int mem_write(void *p, const void *data, size_t len)
{
	ck__buf_add(&((memsink *)p)->buf, data, len);
	return CK_OK;
}

static uint64_t mem_offset(void *p)
{
	return ((memsink *)p)->buf.len;
}

/* The fake image's layer descriptor, from its manifest. */
static void layer_of(char *digest, size_t size, int64_t *len, const char *manifest)
{
	yajl_val doc = yajl_tree_parse(manifest, NULL, 0), layers;
	long long n = -1;

	digest[0] = '\0';
	layers = ck__json_arr(doc, "layers");
	if (layers && layers->u.array.len) {
		snprintf(digest, size, "%s", ck__json_str(layers->u.array.values[0], "digest"));
		ck__json_int(layers->u.array.values[0], "size", &n);
	}
	*len = n;
	yajl_tree_free(doc);
}

typedef struct session {
	fake f;
	char *dir;
	ck_context *ctx;
	ck__registry *r;
} session;

static bool session_open(session *s, const char *mode, const ck_registry_options *opts)
{
	memset(s, 0, sizeof(*s));
	if (!fake_start(&s->f, mode)) {
		fprintf(stderr, "  cannot start fakereg.py (%s)\n", mode);
		ck_test_failed_checks++;
		return false;
	}
	s->ctx = open_ctx(&s->dir);
	if (ck__registry_open(&s->r, s->ctx, s->f.addr, "test/img", opts) != CK_OK) {
		fprintf(stderr, "  open: %s\n", ck_error_last()->message);
		ck_test_failed_checks++;
		return false;
	}
	return true;
}

static void session_close(session *s)
{
	ck__registry_free(s->r);
	ck_context_free(s->ctx);
	fake_stop(&s->f);
	ck_test_rmtree(s->dir);
	free(s->dir);
}

static const ck_registry_options insecure = { CK_REGISTRY_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL,
	                                      NULL, NULL, NULL, NULL };

/* Fetches the manifest, then the layer into memory; returns the layer's rc. */
static int fetch_layer(session *s, memsink *m, char *digest, int64_t *size)
{
	char *body = NULL, *mt = NULL, *d = NULL;
	size_t len;
	int rc = ck__registry_get_manifest(&body, &len, &mt, &d, s->r, "latest");
	ck__blob_sink sink = { mem_write, mem_offset, m };

	if (rc != CK_OK) {
		fprintf(stderr, "  manifest: %s\n", ck_error_last()->message);
		return rc;
	}
	layer_of(digest, 80, size, body);
	free(body);
	free(mt);
	free(d);
	return ck__registry_get_blob(s->r, digest, *size, &sink, NULL, NULL);
}

static bool digest_ok(const memsink *m, const char *digest)
{
	char hex[65];
	ck__sha256_hex(hex, m->buf.data ? m->buf.data : "", m->buf.len);
	return !strcmp(digest + 7, hex);
}

/* ---- tests ---- */

static void registry_challenge_parsing(void)
{
	enum ck__reg_auth scheme;
	char *realm = NULL, *service = NULL;

	CK_CHECK_OK(ck__reg_parse_challenge(&scheme, &realm, &service,
	                                    "Bearer realm=\"https://auth.example/token\",service=\"reg \\\"x\\\"\","
	                                    "scope=\"repository:a:pull\""));
	CK_CHECK(scheme == CK__AUTH_BEARER);
	CK_CHECK_STR(realm, "https://auth.example/token");
	CK_CHECK_STR(service, "reg \"x\"");
	free(realm);
	free(service);
	CK_CHECK_OK(ck__reg_parse_challenge(&scheme, &realm, &service, "Basic realm=ck-test"));
	CK_CHECK(scheme == CK__AUTH_BASIC);
	CK_CHECK_STR(realm, "ck-test");
	CK_CHECK(service == NULL);
	free(realm);
	CK_CHECK_OK(ck__reg_parse_challenge(&scheme, &realm, &service, "Negotiate abc"));
	CK_CHECK(scheme == CK__AUTH_NONE);
}

static void registry_base64_roundtrip(void)
{
	const char *samples[] = { "", "a", "ab", "abc", "tester:s3cret", "user:pa:ss" };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char *enc = NULL, *dec = NULL;
		size_t len = 0;
		CK_CHECK_OK(ck__base64_encode(&enc, samples[i], strlen(samples[i])));
		CK_CHECK_OK(ck__base64_decode(&dec, &len, enc));
		CK_CHECK(dec && len == strlen(samples[i]) && !memcmp(dec, samples[i], len));
		free(enc);
		free(dec);
	}
	char *dec = NULL;
	size_t len;
	CK_CHECK_RC(ck__base64_decode(&dec, &len, "abc"), CK_EINVAL);
}

static void registry_authfile_keeps_other_entries(void)
{
	char *dir = ck_test_tmpdir("authfile"), *path, *user = NULL, *pass = NULL, *text = NULL;
	ck_registry_options o = { CK_REGISTRY_OPTIONS_VERSION, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	size_t len;

	if (asprintf(&path, "%s/sub/auth.json", dir) < 0)
		abort();
	o.authfile = path;
	CK_CHECK_RC(ck__auth_lookup(&user, &pass, &o, "example.com"), CK_ENOTFOUND);
	CK_CHECK_RC(ck__auth_remove(&o, "example.com"), CK_ENOTFOUND);
	CK_CHECK_OK(ck__auth_store(&o, "example.com", "alice", "pw:1"));
	CK_CHECK_OK(ck__auth_store(&o, "other.io:5000", "bob", "x"));
	CK_CHECK_OK(ck__auth_lookup(&user, &pass, &o, "example.com/some/repo"));
	CK_CHECK_STR(user, "alice");
	CK_CHECK_STR(pass, "pw:1");
	free(user);
	free(pass);
	/* a hand-written file with docker's key spelling and an unknown key */
	static const char hand[] =
		"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"ZDpw\"},"
		"\"ns.io/team\":{\"auth\":\"dGVhbTpw\"},\"ns.io\":{\"auth\":\"YWxsOnA=\"}},\"x\":1}";
	CK_CHECK_OK(ck__write_file_atomic(path, hand, strlen(hand), 0600));
	CK_CHECK_OK(ck__auth_lookup(&user, &pass, &o, "docker.io/library/busybox"));
	CK_CHECK_STR(user, "d");
	free(user);
	free(pass);
	CK_CHECK_OK(ck__auth_lookup(&user, &pass, &o, "ns.io/team/app"));
	CK_CHECK_STR(user, "team");
	free(user);
	free(pass);
	CK_CHECK_OK(ck__auth_lookup(&user, &pass, &o, "ns.io/other"));
	CK_CHECK_STR(user, "all");
	free(user);
	free(pass);
	CK_CHECK_OK(ck__auth_remove(&o, "docker.io"));
	CK_CHECK_OK(ck__read_file(&text, &len, path, 1 << 20));
	CK_CHECK(text && !strstr(text, "index.docker.io") && strstr(text, "ns.io/team") && strstr(text, "\"x\""));
	free(text);
	CK_CHECK_OK(ck__auth_remove(&o, NULL));
	CK_CHECK_RC(ck__auth_lookup(&user, &pass, &o, "ns.io"), CK_ENOTFOUND);
	free(path);
	ck_test_rmtree(dir);
	free(dir);
}

static void registry_manifest_and_blob(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80], *body = NULL, *mt = NULL, *d = NULL;
	size_t len;
	int64_t size;
	bool exists = false;

	if (session_open(&s, "good", &insecure)) {
		CK_CHECK_OK(fetch_layer(&s, &m, digest, &size));
		CK_CHECK((int64_t)m.buf.len == size);
		CK_CHECK(digest_ok(&m, digest));
		CK_CHECK_OK(ck__registry_blob_exists(&exists, s.r, digest));
		CK_CHECK(exists);
		CK_CHECK_OK(ck__registry_blob_exists(&exists, s.r,
		        "sha256:0000000000000000000000000000000000000000000000000000000000000000"));
		CK_CHECK(!exists);
		CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "nope"), CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, "MANIFEST_UNKNOWN");
		CK_CHECK_CONTAINS(ck_error_last()->message, "test/img");
		CK_CHECK_OK(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "latest"));
		CK_CHECK_STR(mt, "application/vnd.oci.image.manifest.v1+json");
		free(body);
		free(mt);
		char *d2 = NULL;
		/* by digest, verified */
		CK_CHECK_OK(ck__registry_get_manifest(&body, &len, NULL, &d2, s.r, d));
		CK_CHECK_STR(d2, d);
		free(body);
		free(d2);
		free(d);
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

static void registry_blob_resumes_after_drop(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80];
	int64_t size;

	if (session_open(&s, "drop", &insecure)) {
		CK_CHECK_OK(fetch_layer(&s, &m, digest, &size));
		CK_CHECK((int64_t)m.buf.len == size);
		CK_CHECK(digest_ok(&m, digest));
		CK_CHECK(fake_log_has(&s.f, "bytes="));
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

static void registry_blob_resumes_when_range_ignored(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80];
	int64_t size;

	if (session_open(&s, "norange", &insecure)) {
		CK_CHECK_OK(fetch_layer(&s, &m, digest, &size));
		CK_CHECK((int64_t)m.buf.len == size);
		CK_CHECK(digest_ok(&m, digest));
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

static void registry_blob_size_lie_is_refused(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80];
	int64_t size;

	if (session_open(&s, "sizelie", &insecure)) {
		CK_CHECK_RC(fetch_layer(&s, &m, digest, &size), CK_EDIGEST);
		CK_CHECK_CONTAINS(ck_error_last()->message, "the manifest says");
		CK_CHECK(m.buf.len == 0);
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

static void registry_blob_redirect_followed(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80];
	int64_t size;

	if (session_open(&s, "redirect", &insecure)) {
		CK_CHECK_OK(fetch_layer(&s, &m, digest, &size));
		CK_CHECK(digest_ok(&m, digest));
		CK_CHECK(fake_log_has(&s.f, "GET /storage/"));
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

static void registry_bearer_token_flow(void)
{
	session s;
	memsink m = { { 0 } };
	char digest[80], *body = NULL, *mt = NULL, *d = NULL;
	size_t len;
	int64_t size;
	ck_registry_options o = insecure;

	/* anonymous: the token service refuses */
	if (session_open(&s, "bearer", &insecure)) {
		CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "latest"), CK_EAUTH);
		CK_CHECK_CONTAINS(ck_error_last()->message, "requires credentials");
		ck__registry_free(s.r);
		s.r = NULL;
		o.username = "tester";
		o.password = "wrong";
		CK_CHECK_OK(ck__registry_open(&s.r, s.ctx, s.f.addr, "test/img", &o));
		CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "latest"), CK_EAUTH);
		CK_CHECK_CONTAINS(ck_error_last()->message, "refused the credentials of user \"tester\"");
		ck__registry_free(s.r);
		s.r = NULL;
		o.password = "s3cret";
		CK_CHECK_OK(ck__registry_open(&s.r, s.ctx, s.f.addr, "test/img", &o));
		CK_CHECK_OK(fetch_layer(&s, &m, digest, &size));
		CK_CHECK(digest_ok(&m, digest));
		CK_CHECK_OK(ck__registry_check_login(s.ctx, s.f.addr, "tester", "s3cret", &insecure));
		CK_CHECK_RC(ck__registry_check_login(s.ctx, s.f.addr, "tester", "bad", &insecure), CK_EAUTH);
	}
	ck__buf_free(&m.buf);
	session_close(&s);
}

/* Uploads a 300 KiB file and a manifest through the session. */
static void upload(const char *mode, const char *want_in_log)
{
	session s;
	char path[600], digest[80], hex[65];
	char *data = malloc(300 * 1024);
	bool exists = true;

	for (size_t i = 0; i < 300 * 1024; i++)
		data[i] = (char)(i * 7 + i / 1000);
	ck__sha256_hex(hex, data, 300 * 1024);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if (session_open(&s, mode, &insecure)) {
		snprintf(path, sizeof(path), "%s/blob", s.dir);
		CK_CHECK_OK(ck__write_file_atomic(path, data, 300 * 1024, 0644));
		ck__registry_set_push(s.r);
		CK_CHECK_OK(ck__registry_blob_exists(&exists, s.r, digest));
		CK_CHECK(!exists);
		CK_CHECK_OK(ck__registry_put_blob(s.r, digest, path, 300 * 1024, NULL, NULL));
		CK_CHECK(fake_log_has(&s.f, want_in_log));
		CK_CHECK_OK(ck__registry_blob_exists(&exists, s.r, digest));
		CK_CHECK(exists);
		/* the registry checks the digest: a wrong one is refused with its reason */
		CK_CHECK_RC(ck__registry_put_blob(s.r, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		                                  path, 300 * 1024, NULL, NULL), CK_ENETWORK);
		CK_CHECK_CONTAINS(ck_error_last()->message, "DIGEST_INVALID");
		CK_CHECK_RC(ck__registry_put_blob(s.r, digest, path, 5, NULL, NULL), CK_ECORRUPT);
		CK_CHECK_OK(ck__registry_put_manifest(s.r, "v1", "{}", 2, "application/vnd.oci.image.manifest.v1+json"));
	}
	free(data);
	session_close(&s);
}

static void registry_upload_relative_location_keeps_its_query(void)
{
	upload("good", "PUT /v2/test/img/blobs/uploads/u1?_state=s1&digest=sha256");
}

static void registry_upload_absolute_location(void)
{
	upload("absupload", "PUT /v2/test/img/blobs/uploads/u1?_state=s1&digest=sha256");
}

static void registry_oversized_manifest_refused(void)
{
	session s;
	char *body = NULL, *mt = NULL, *d = NULL;
	size_t len;

	if (session_open(&s, "bigmanifest", &insecure)) {
		CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "latest"), CK_ECORRUPT);
		CK_CHECK_CONTAINS(ck_error_last()->message, "larger than");
		CK_CHECK(body == NULL);
	}
	session_close(&s);
}

static void registry_server_error_named(void)
{
	session s;
	char *body = NULL, *mt = NULL, *d = NULL;
	size_t len;

	if (session_open(&s, "err500", &insecure)) {
		CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, s.r, "latest"), CK_ENETWORK);
		CK_CHECK_CONTAINS(ck_error_last()->message, "HTTP 500");
		CK_CHECK_CONTAINS(ck_error_last()->message, "the storage backend is on fire");
		CK_CHECK_CONTAINS(ck_error_last()->message, "/test/img");
	}
	session_close(&s);
}

static void registry_refused_connection_named(void)
{
	char *dir;
	ck_context *ctx = open_ctx(&dir);
	ck__registry *r = NULL;
	char *body = NULL, *mt = NULL, *d = NULL;
	size_t len;
	ck_registry_options o = insecure;

	/* port 1 on loopback: nobody listens; https then http are both tried */
	CK_CHECK_OK(ck__registry_open(&r, ctx, "127.0.0.1:1", "x", &o));
	CK_CHECK_RC(ck__registry_get_manifest(&body, &len, &mt, &d, r, "latest"), CK_ENETWORK);
	CK_CHECK_CONTAINS(ck_error_last()->message, "127.0.0.1:1/x");
	CK_CHECK_CONTAINS(ck_error_last()->message, "plain HTTP");
	ck__registry_free(r);
	CK_CHECK_RC(ck__registry_open(&r, ctx, "bad/name", "x", &o), CK_EINVAL);
	ck_context_free(ctx);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(registry_challenge_parsing), CK_TEST(registry_base64_roundtrip),
         CK_TEST(registry_authfile_keeps_other_entries), CK_TEST(registry_manifest_and_blob),
         CK_TEST(registry_blob_resumes_after_drop), CK_TEST(registry_blob_resumes_when_range_ignored),
         CK_TEST(registry_blob_size_lie_is_refused), CK_TEST(registry_blob_redirect_followed),
         CK_TEST(registry_bearer_token_flow), CK_TEST(registry_upload_relative_location_keeps_its_query),
         CK_TEST(registry_upload_absolute_location), CK_TEST(registry_oversized_manifest_refused),
         CK_TEST(registry_server_error_named), CK_TEST(registry_refused_connection_named))
