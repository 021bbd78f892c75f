/* Versioned progress: a real pull and push (docker-registry on 127.0.0.1,
 * started by test_progress.sh, which passes CK_TEST_REGISTRY and
 * CK_TEST_LAYERS), a load and a migration, each counted through the
 * versioned callbacks and, where the old form is set beside, through both. */
#include "harness.h"

#include <containerkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct count {
	unsigned calls, copy, skip, write, unpack, bad_version, non_monotonic;
	uint64_t last_objects_done, objects_total, bytes_at_finish_mismatch;
	unsigned old_calls;
};

static void on_progress(const ck_image_progress *p, void *payload)
{
	struct count *c = payload;

	c->calls++;
	c->bad_version += p->version != CK_IMAGE_PROGRESS_VERSION || !p->phase || !p->object;
	if (!strcmp(p->phase, "copy"))
		c->copy++;
	else if (!strcmp(p->phase, "skip"))
		c->skip++;
	else if (!strcmp(p->phase, "write"))
		c->write++;
	else if (!strcmp(p->phase, "unpack"))
		c->unpack++;
	c->non_monotonic += p->objects_done < c->last_objects_done;
	c->bytes_at_finish_mismatch += p->bytes_total && p->bytes_done > p->bytes_total;
	c->last_objects_done = p->objects_done;
	c->objects_total = p->objects_total;
}

static void on_old(const char *phase, const char *digest, uint64_t done, uint64_t total, void *payload)
{
	((struct count *)payload)->old_calls++;
}

static char *dir;

static ck_context *open_ctx(const char *name, const char *backend)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char root[1024], run[1024];

	if (!dir)
		dir = ck_test_tmpdir("progress");
	snprintf(root, sizeof(root), "%s/%s/root", dir, name);
	snprintf(run, sizeof(run), "%s/%s/run", dir, name);
	o.root = root;
	o.runroot = run;
	o.db_backend = backend;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != CK_OK) {
		fprintf(stderr, "cannot open a context: %s\n", ck_error_last()->message);
		exit(1);
	}
	return ctx;
}

static const char *registry(void)
{
	const char *r = getenv("CK_TEST_REGISTRY");
	return r && *r ? r : NULL;
}

static uint64_t objects(void)
{
	const char *n = getenv("CK_TEST_LAYERS");
	return (n ? strtoull(n, NULL, 10) : 1) + 2; /* the layers, the config and the manifest */
}

static void pull_reports_every_object_through_both_forms(void)
{
	ck_registry_options o = CK_REGISTRY_OPTIONS_INIT;
	struct count c = { 0 };
	ck_context *ctx;
	char ref[512];

	if (!registry()) {
		CK_SKIP("CK_TEST_REGISTRY is not set (test_progress.sh starts a registry)");
		return;
	}
	ctx = open_ctx("pull", NULL);
	snprintf(ref, sizeof(ref), "%s/busybox:latest", registry());
	o.tls_verify = 0;
	o.transfer_progress = on_progress;
	o.transfer_payload = &c;
	o.progress = on_old;
	o.progress_payload = &c;
	CK_CHECK_OK(ck_image_pull(NULL, ctx, ref, &o));
	CK_CHECK(c.calls > 0 && c.calls == c.old_calls);
	CK_CHECK(c.bad_version == 0 && c.non_monotonic == 0 && c.bytes_at_finish_mismatch == 0);
	CK_CHECK(c.copy >= objects() - 1); /* every blob at least once at its end */
	CK_CHECK(c.write == 1 && c.skip == 0);
	CK_CHECK(c.unpack >= objects() - 2);
	CK_CHECK(c.objects_total == objects());
	CK_CHECK(c.last_objects_done == objects());
	if (c.objects_total != objects() || c.last_objects_done != objects())
		fprintf(stderr, "  objects %llu of %llu, expected %llu\n", (unsigned long long)c.last_objects_done,
		        (unsigned long long)c.objects_total, (unsigned long long)objects());

	/* again: every blob is skipped, and still counted */
	memset(&c, 0, sizeof(c));
	o.progress = NULL;
	CK_CHECK_OK(ck_image_pull(NULL, ctx, ref, &o));
	CK_CHECK(c.skip == objects() - 1 && c.copy == 0 && c.old_calls == 0);
	CK_CHECK(c.last_objects_done == objects() && c.objects_total == objects());

	/* a caller built against 1.0 (options version 1) keeps its callback */
	{
		ck_registry_options v1;
		memset(&v1, 0xAA, sizeof(v1)); /* what lies past version 1's fields is not read */
		CK_CHECK_OK(ck_registry_options_init(&v1, 1));
		v1.tls_verify = 0;
		v1.progress = on_old;
		v1.progress_payload = &c;
		memset(&c, 0, sizeof(c));
		CK_CHECK_OK(ck_image_pull(NULL, ctx, ref, &v1));
		CK_CHECK(c.old_calls > 0 && c.calls == 0);
		v1.version = 3;
		CK_CHECK_RC(ck_image_pull(NULL, ctx, ref, &v1), CK_EVERSION);
		CK_CHECK_RC(ck_registry_options_init(&v1, 3), CK_EVERSION);
	}

	/* a push to another repository: every blob and the manifest */
	{
		char dest[600];
		snprintf(dest, sizeof(dest), "%s/progress-copy:1", registry());
		memset(&c, 0, sizeof(c));
		CK_CHECK_OK(ck_image_push(NULL, ctx, ref, dest, &o));
		CK_CHECK(c.calls > 0 && c.bad_version == 0 && c.write == 1);
		CK_CHECK(c.objects_total == objects() && c.last_objects_done == objects());
	}
	ck_context_free(ctx);
}

static void load_reports_through_the_versioned_callback(void)
{
	ck_registry_options o = CK_REGISTRY_OPTIONS_INIT;
	struct count c = { 0 };
	ck_context *src, *dst;
	char ref[512], archive[1200], **names = NULL;
	const char *images[] = { ref, NULL };

	if (!registry()) {
		CK_SKIP("CK_TEST_REGISTRY is not set (test_progress.sh starts a registry)");
		return;
	}
	src = open_ctx("load-src", NULL);
	dst = open_ctx("load-dst", NULL);
	snprintf(ref, sizeof(ref), "%s/busybox:latest", registry());
	snprintf(archive, sizeof(archive), "%s/bb.tar", dir);
	o.tls_verify = 0;
	CK_CHECK_OK(ck_image_pull(NULL, src, ref, &o));
	CK_CHECK_OK(ck_image_save(src, archive, CK_ARCHIVE_OCI, images));
	CK_CHECK_OK(ck_image_load_v2(&names, dst, archive, on_progress, &c));
	CK_CHECK(names && names[0] && !strcmp(names[0], ref));
	CK_CHECK(c.calls > 0 && c.bad_version == 0 && c.non_monotonic == 0);
	CK_CHECK(c.last_objects_done >= objects() - 1); /* the blobs, and the manifest where written */
	CK_CHECK(c.unpack >= objects() - 2);
	ck_strv_free(names);
	names = NULL;
	/* loading it again finds everything there: still reported */
	memset(&c, 0, sizeof(c));
	CK_CHECK_OK(ck_image_load_v2(&names, dst, archive, on_progress, &c));
	CK_CHECK(c.calls > 0 && c.skip > 0);
	ck_strv_free(names);
	CK_CHECK_RC(ck_image_load_v2(NULL, dst, "/nonexistent/archive.tar", on_progress, &c), CK_ENOTFOUND);
	ck_context_free(src);
	ck_context_free(dst);
}

struct mcount {
	unsigned calls, copy, verify, bad;
	uint64_t done, total, bytes_done, bytes_total;
	unsigned old_calls;
	uint64_t old_done, old_total;
};

static void on_migrate(const ck_system_migrate_progress *p, void *payload)
{
	struct mcount *m = payload;

	m->calls++;
	m->bad += p->version != CK_SYSTEM_MIGRATE_PROGRESS_VERSION || !p->object;
	m->bad += !strcmp(p->phase, "copy") && !*p->object; /* a copy names its bucket */
	m->copy += !strcmp(p->phase, "copy");
	m->verify += !strcmp(p->phase, "verify");
	m->done = p->objects_done;
	m->total = p->objects_total;
	m->bytes_done = p->bytes_done;
	m->bytes_total = p->bytes_total;
}

static void on_migrate_old(const char *phase, uint64_t done, uint64_t total, void *payload)
{
	struct mcount *m = payload;
	m->old_calls++;
	m->old_done = done;
	m->old_total = total;
}

static void migration_reports_records_and_bytes(void)
{
	ck_context *ctx = open_ctx("migrate", "sqlite");
	ck_volume_spec *spec = NULL;
	struct mcount m = { 0 };
	char *backup = NULL;

	/* real records: volumes with labels */
	for (int i = 0; i < 40; i++) {
		ck_volume *v = NULL;
		char name[32];
		snprintf(name, sizeof(name), "vol%02d", i);
		CK_CHECK_OK(ck_volume_spec_new(&spec));
		CK_CHECK_OK(ck_volume_spec_set_name(spec, name));
		CK_CHECK_OK(ck_volume_spec_set_label(spec, "n", name));
		CK_CHECK_OK(ck_volume_create(&v, ctx, spec));
		ck_volume_free(v);
		ck_volume_spec_free(spec);
	}
	CK_CHECK_OK(ck_system_migrate_v2(&backup, ctx, "lmdb", on_migrate, &m));
	CK_CHECK(m.calls >= 2 && m.copy >= 1 && m.verify >= 1 && m.bad == 0);
	CK_CHECK(m.total >= 40 && m.done == m.total); /* the last call ends the verification */
	CK_CHECK(m.bytes_total > 0 && m.bytes_done == m.bytes_total);
	ck_free(backup);
	/* and back, through the 1.0 callback */
	CK_CHECK_OK(ck_system_migrate(NULL, ctx, "sqlite", on_migrate_old, &m));
	CK_CHECK(m.old_calls >= 2 && m.old_done == m.old_total && m.old_total == m.total);
	CK_CHECK_RC(ck_system_migrate_v2(NULL, ctx, "sqlite", on_migrate, &m), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "already uses the sqlite backend");
	CK_CHECK_RC(ck_system_migrate_v2(NULL, ctx, NULL, NULL, NULL), CK_EINVAL);
	ck_context_free(ctx);
}

CK_TESTS(CK_TEST(pull_reports_every_object_through_both_forms),
         CK_TEST(load_reports_through_the_versioned_callback), CK_TEST(migration_reports_records_and_bytes))
