/* ck_image_pull, ck_registry_login and ck_registry_logout through the shared
 * library's public API against fakereg.py: the error codes a caller sees,
 * the progress it is told, and that a failed pull leaves nothing behind. */
#define _GNU_SOURCE
#include <containerkit.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fake.h"
#include "harness.h"

typedef struct env {
	char *dir;
	ck_context *ctx;
	fake f;
	char ref[128];
	char authfile[512];
} env;

static bool env_open(env *e, const char *mode)
{
	ck_context_options o;
	char root[512], run[512];

	memset(e, 0, sizeof(*e));
	e->dir = ck_test_tmpdir("regapi");
	snprintf(root, sizeof(root), "%s/root", e->dir);
	snprintf(run, sizeof(run), "%s/run", e->dir);
	snprintf(e->authfile, sizeof(e->authfile), "%s/auth.json", e->dir);
	ck_context_options_init(&o, CK_CONTEXT_OPTIONS_VERSION);
	o.root = root;
	o.runroot = run;
	if (ck_context_open(&e->ctx, &o) != 0) {
		fprintf(stderr, "  context: %s\n", ck_error_last()->message);
		ck_test_failed_checks++;
		return false;
	}
	if (!fake_start(&e->f, mode)) {
		fprintf(stderr, "  cannot start fakereg.py --mode %s\n", mode);
		ck_test_failed_checks++;
		return false;
	}
	snprintf(e->ref, sizeof(e->ref), "%s/test/img:latest", e->f.addr);
	return true;
}

static void env_close(env *e)
{
	ck_context_free(e->ctx);
	fake_stop(&e->f);
	ck_test_rmtree(e->dir);
	free(e->dir);
}

static void options(ck_registry_options *o, const env *e)
{
	ck_registry_options_init(o, CK_REGISTRY_OPTIONS_VERSION);
	o->tls_verify = 0; /* fakereg speaks plain HTTP */
	o->authfile = e->authfile;
}

/* Entries in a directory of the store (0 if it does not exist). */
static int count(const env *e, const char *rel)
{
	char path[1024];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s/root/images/%s", e->dir, rel);
	if (!(dir = opendir(path)))
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

typedef struct seen {
	int copy_done, skip, copy_calls, write;
} seen;

static void on_progress(const char *phase, const char *digest, uint64_t done, uint64_t total, void *payload)
{
	seen *s = payload;
	if (!strcmp(phase, "copy")) {
		s->copy_calls++;
		if (total && done == total)
			s->copy_done++;
	} else if (!strcmp(phase, "skip")) {
		s->skip++;
	} else if (!strcmp(phase, "write")) {
		s->write++;
	}
	(void)digest;
}

static void pull_digest_mismatch_is_edigest_and_leaves_nothing(void)
{
	env e;
	ck_registry_options o;
	ck_image *img = NULL;

	if (env_open(&e, "baddigest")) {
		options(&o, &e);
		CK_CHECK_RC(ck_image_pull(&img, e.ctx, e.ref, &o), CK_EDIGEST);
		CK_CHECK_CONTAINS(ck_error_last()->message, e.ref);
		CK_CHECK(img == NULL);
		CK_CHECK_RC(ck_image_lookup(&img, e.ctx, e.ref), CK_ENOTFOUND);
		CK_CHECK(count(&e, "blobs/sha256") == 0);
		CK_CHECK(count(&e, "tmp") == 0);
		CK_CHECK(count(&e, "layers") == 0);
	}
	env_close(&e);
}

static void pull_size_lie_is_refused_and_leaves_nothing(void)
{
	env e;
	ck_registry_options o;

	if (env_open(&e, "sizelie")) {
		options(&o, &e);
		CK_CHECK_RC(ck_image_pull(NULL, e.ctx, e.ref, &o), CK_EDIGEST);
		CK_CHECK_CONTAINS(ck_error_last()->message, "the manifest says");
		CK_CHECK(count(&e, "blobs/sha256") == 0);
		CK_CHECK(count(&e, "tmp") == 0);
	}
	env_close(&e);
}

static void pull_resumes_dropped_blob_and_repull_skips(void)
{
	env e;
	ck_registry_options o;
	ck_image *img = NULL, *again = NULL;
	seen s = { 0 };

	if (env_open(&e, "drop")) {
		options(&o, &e);
		o.progress = on_progress;
		o.progress_payload = &s;
		CK_CHECK_OK(ck_image_pull(&img, e.ctx, e.ref, &o));
		CK_CHECK(fake_log_has(&e.f, "bytes="));
		CK_CHECK(s.copy_done == 2 && s.skip == 0 && s.write == 1);
		memset(&s, 0, sizeof(s));
		CK_CHECK_OK(ck_image_pull(&again, e.ctx, e.ref, &o));
		CK_CHECK(s.skip == 2 && s.copy_calls == 0);
		CK_CHECK(img && again && !strcmp(ck_image_id(img), ck_image_id(again)));
		CK_CHECK(count(&e, "tmp") == 0);
	}
	ck_image_free(img);
	ck_image_free(again);
	env_close(&e);
}

static void pull_by_digest_gets_no_tag(void)
{
	env e;
	ck_registry_options o;
	ck_image *img = NULL, *found = NULL;
	char ref[256];

	if (env_open(&e, "good")) {
		options(&o, &e);
		CK_CHECK_OK(ck_image_pull(&img, e.ctx, e.ref, &o));
		if (img) {
			snprintf(ref, sizeof(ref), "%s/test/img@%s", e.f.addr, ck_image_digest(img));
			ck_image_free(img);
			img = NULL;
		}
		/* a fresh store: pulled by digest only */
		env_close(&e);
		if (!env_open(&e, "good"))
			goto out;
		options(&o, &e);
		char *at = strchr(ref, '/');
		char byd[256];
		snprintf(byd, sizeof(byd), "%s%s", e.f.addr, at);
		CK_CHECK_OK(ck_image_pull(&img, e.ctx, byd, &o));
		CK_CHECK_OK(ck_image_lookup(&found, e.ctx, byd));
		char tagged[256];
		snprintf(tagged, sizeof(tagged), "%s/test/img:latest", e.f.addr);
		ck_image *none = NULL;
		CK_CHECK_RC(ck_image_lookup(&none, e.ctx, tagged), CK_ENOTFOUND);
		ck_image_free(none);
	}
out:
	ck_image_free(img);
	ck_image_free(found);
	env_close(&e);
}

static void pull_missing_tag_is_enotfound(void)
{
	env e;
	ck_registry_options o;
	char ref[256];

	if (env_open(&e, "good")) {
		options(&o, &e);
		snprintf(ref, sizeof(ref), "%s/test/img:nope", e.f.addr);
		CK_CHECK_RC(ck_image_pull(NULL, e.ctx, ref, &o), CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, "MANIFEST_UNKNOWN");
		o.version = 99;
		CK_CHECK_RC(ck_image_pull(NULL, e.ctx, e.ref, &o), CK_EVERSION);
	}
	env_close(&e);
}

static void pull_artifact_is_not_an_image(void)
{
	env e;
	ck_registry_options o;

	if (env_open(&e, "artifact")) {
		options(&o, &e);
		CK_CHECK_RC(ck_image_pull(NULL, e.ctx, e.ref, &o), CK_EUNSUPPORTED);
		CK_CHECK_CONTAINS(ck_error_last()->message, "not a container image");
		CK_CHECK(count(&e, "blobs/sha256") == 0);
	}
	env_close(&e);
}

static void pull_token_registry_needs_credentials(void)
{
	env e;
	ck_registry_options o;

	if (env_open(&e, "bearer")) {
		options(&o, &e);
		CK_CHECK_RC(ck_image_pull(NULL, e.ctx, e.ref, &o), CK_EAUTH);
		CK_CHECK_CONTAINS(ck_error_last()->message, e.f.addr);
		CK_CHECK_CONTAINS(ck_error_last()->message, "credentials");
		o.username = "tester";
		o.password = "s3cret";
		CK_CHECK_OK(ck_image_pull(NULL, e.ctx, e.ref, &o));
	}
	env_close(&e);
}

static void login_stores_and_logout_forgets(void)
{
	env e;
	ck_registry_options o;
	struct stat st;

	if (env_open(&e, "bearer")) {
		options(&o, &e);
		CK_CHECK_RC(ck_registry_login(e.ctx, e.f.addr, "tester", "wrong", &o), CK_EAUTH);
		CK_CHECK(stat(e.authfile, &st) != 0);
		CK_CHECK_OK(ck_registry_login(e.ctx, e.f.addr, "tester", "s3cret", &o));
		CK_CHECK(stat(e.authfile, &st) == 0 && (st.st_mode & 077) == 0);
		CK_CHECK_OK(ck_image_pull(NULL, e.ctx, e.ref, &o));
		CK_CHECK_OK(ck_registry_logout(e.ctx, e.f.addr, &o));
		CK_CHECK_RC(ck_registry_logout(e.ctx, e.f.addr, &o), CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, "not logged into");
		CK_CHECK_RC(ck_registry_login(e.ctx, "a/b", "tester", "s3cret", &o), CK_EINVAL);
		CK_CHECK_RC(ck_registry_login(e.ctx, e.f.addr, "", "s3cret", &o), CK_EINVAL);
	}
	env_close(&e);
}

CK_TESTS(CK_TEST(pull_digest_mismatch_is_edigest_and_leaves_nothing),
         CK_TEST(pull_size_lie_is_refused_and_leaves_nothing),
         CK_TEST(pull_resumes_dropped_blob_and_repull_skips), CK_TEST(pull_by_digest_gets_no_tag),
         CK_TEST(pull_missing_tag_is_enotfound), CK_TEST(pull_artifact_is_not_an_image),
         CK_TEST(pull_token_registry_needs_credentials),
         CK_TEST(login_stores_and_logout_forgets))
