/* ck_image_import (a rootfs tarball, plain or compressed, becomes a
 * one-layer image; anything else is refused and leaves nothing), the
 * inspect and history JSON, and the image part of ck_system_check. */
#define _GNU_SOURCE
#include "test_records_util.h"
#include "layer/test_layer_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const tl_ent rootfs[] = {
	{ .path = "bin", .type = 'd' },
	{ .path = "bin/busybox", .size = 200000, .mode = 0755 },
	{ .path = "bin/sh", .type = 'l', .target = "busybox" },
	{ .path = "bin/ls", .type = 'h', .target = "bin/busybox" },
	{ .path = "etc", .type = 'd' },
	{ .path = "etc/passwd", .data = "root:x:0:0:root:/root:/bin/sh\n" },
};

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* The rootfs as a file compressed with `filter`; its diff id in diff[72]. */
static char *rootfs_file(const char *root, const char *filter, char diff[72])
{
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, rootfs, TL_N(rootfs)), *data = tl_compress(&clen, tar, tlen, filter), *path;

	tl_digest(diff, tar, tlen);
	if (asprintf(&path, "%s/rootfs-%s.tar", root, filter) < 0)
		abort();
	write_file(path, data, clen);
	free(tar);
	free(data);
	return path;
}

static void import_one(ck_context *ctx, const char *root, const char *filter, const char *media_type)
{
	char diff[72], *path = rootfs_file(root, filter, diff), *json = NULL, *config = NULL, want[256];
	ck_image *img = NULL;

	CK_CHECK_OK(ck_image_import(&img, ctx, path, "bb"));
	if (!img) {
		free(path);
		return;
	}
	CK_CHECK_STR(ck_image_names(img)[0], "localhost/bb:latest");
	CK_CHECK(ck_image_size(img) >= 200000);
	CK_CHECK(ck__layer_exists(ctx, diff));
	char *lp = ck__layer_path(ctx, diff);
	struct stat st;
	CK_CHECK(lp && stat(tl_at(lp, "bin/busybox"), &st) == 0 && st.st_size == 200000);
	CK_CHECK(lp && lstat(tl_at(lp, "bin/sh"), &st) == 0 && S_ISLNK(st.st_mode));
	free(lp);
	CK_CHECK_OK(ck_image_inspect(&json, img));
	snprintf(want, sizeof(want), "\"RootFS\":{\"Type\":\"layers\",\"Layers\":[\"%s\"]}", diff);
	CK_CHECK_CONTAINS(json, want);
	snprintf(want, sizeof(want), "\"Architecture\":\"%s\",\"Os\":\"linux\"", ck__image_host_arch());
	CK_CHECK_CONTAINS(json, want);
	CK_CHECK_CONTAINS(json, "\"RepoTags\":[\"localhost/bb:latest\"]");
	CK_CHECK_CONTAINS(json, "\"created_by\":\"ck import\"");
	CK_CHECK_CONTAINS(json, "\"ManifestType\":\"" CK_MT_OCI_MANIFEST "\"");
	free(json);
	json = NULL;
	CK_CHECK_OK(ck_image_history(&json, img));
	snprintf(want, sizeof(want), "[{\"id\":\"%s\",\"created\":\"", ck_image_id(img));
	CK_CHECK_CONTAINS(json, want);
	CK_CHECK_CONTAINS(json, "\"createdBy\":\"ck import\"");
	CK_CHECK_CONTAINS(json, "\"comment\":\"rootfs-");
	free(json);
	CK_CHECK(tr_record(&config, NULL, ctx, ck_image_id(img)) == 0);
	snprintf(want, sizeof(want), "\"media_type\":\"%s\"", media_type);
	CK_CHECK_CONTAINS(config, want);
	free(config);
	ck_image_free(img);
	free(path);
}

static void import_a_rootfs_tarball_plain_or_compressed(void)
{
	char *root = ck_test_tmpdir("imp");
	ck_context *ctx = tr_open(root, "sqlite");

	import_one(ctx, root, "none", CK_MT_OCI_LAYER);
	import_one(ctx, root, "gzip", CK_MT_OCI_LAYER_GZIP);
	import_one(ctx, root, "zstd", CK_MT_OCI_LAYER_ZSTD);
	/* xz is not a layer compression: the layer is stored decompressed */
	import_one(ctx, root, "xz", CK_MT_OCI_LAYER);
	/* each import is a new image (created differs), the name moved to the last */
	CK_CHECK(tr_count_images(ctx) == 4);
	CK_CHECK(tr_count_tags(ctx) == 1);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void import_without_a_name_is_dangling_and_shares_its_layer(void)
{
	char *root = ck_test_tmpdir("imp"), diff[72], *path = rootfs_file(root, "none", diff);
	ck_context *ctx = tr_open(root, "lmdb");
	ck_image *a = NULL, *b = NULL;

	CK_CHECK_OK(ck_image_import(&a, ctx, path, NULL));
	CK_CHECK_OK(ck_image_import(&b, ctx, path, "docker.io/me/img:1"));
	if (a && b) {
		CK_CHECK(ck_image_names(a)[0] == NULL);
		CK_CHECK_STR(ck_image_names(b)[0], "docker.io/me/img:1");
		CK_CHECK_OK(ck_image_remove(a, 0));
		CK_CHECK(ck__layer_exists(ctx, diff));
		CK_CHECK_OK(ck_image_remove(b, 0));
		CK_CHECK(!ck__layer_exists(ctx, diff));
		CK_CHECK(tr_dir_entries(root, "images/blobs/sha256") == 0);
	}
	CK_CHECK_OK(ck_image_import(NULL, ctx, path, NULL));
	ck_image_free(a);
	ck_image_free(b);
	free(path);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void import_refuses_what_is_not_a_tar_and_leaves_nothing(void)
{
	char *root = ck_test_tmpdir("imp"), path[4096], diff[72], *good = rootfs_file(root, "none", diff);
	ck_context *ctx = tr_open(root, "sqlite");
	ck_image *img = (ck_image *)1;
	size_t clen;
	char *gz = tl_compress(&clen, "hello, world\n", 13, "gzip");

	snprintf(path, sizeof(path), "%s/text", root);
	write_file(path, "hello, world\n", 13);
	CK_CHECK_RC(ck_image_import(&img, ctx, path, "x"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, path);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not a tar archive");
	CK_CHECK(img == NULL);
	snprintf(path, sizeof(path), "%s/text.gz", root);
	write_file(path, gz, clen);
	CK_CHECK_RC(ck_image_import(&img, ctx, path, "x"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not a tar archive");
	snprintf(path, sizeof(path), "%s/empty", root);
	write_file(path, "", 0);
	CK_CHECK_RC(ck_image_import(&img, ctx, path, "x"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is empty, not a tar archive");
	CK_CHECK_RC(ck_image_import(&img, ctx, root, "x"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "not a regular file");
	snprintf(path, sizeof(path), "%s/nothere.tar", root);
	CK_CHECK_RC(ck_image_import(&img, ctx, path, "x"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot open");
	CK_CHECK_RC(ck_image_import(&img, ctx, good, "Bad Name"), CK_EINVAL);
	CK_CHECK_RC(ck_image_import(&img, ctx, good, "x@sha256:1111111111111111111111111111111111111111111111111111111111111111"),
	            CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot have a digest");
	CK_CHECK_RC(ck_image_import(&img, ctx, NULL, "x"), CK_EINVAL);
	CK_CHECK_RC(ck_image_import(&img, NULL, good, "x"), CK_EINVAL);
	CK_CHECK(tr_count_images(ctx) == 0 && tr_count_tags(ctx) == 0);
	CK_CHECK(tr_dir_entries(root, "images/blobs/sha256") == 0);
	CK_CHECK(tr_dir_entries(root, "images/layers") == 0);
	free(gz);
	free(good);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void inspect_and_history_have_podman_shape(void)
{
	char *root = ck_test_tmpdir("imp"), *id, *json = NULL, want[512];
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	ck_image *img = NULL;
	const char *const names[] = { "app:1", "quay.io/team/app:v2", "quay.io/team/app:v3", NULL };

	id = tr_build(&a, ctx, "base,app", "2023-05-19T20:29:37Z", "{\"tier\":\"web\"}", names);
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "app:1"));
	if (!img)
		goto out;
	CK_CHECK_OK(ck_image_inspect(&json, img));
	snprintf(want, sizeof(want), "{\"Id\":\"%s\",\"Digest\":\"%s\",\"RepoTags\":[\"localhost/app:1\","
	                             "\"quay.io/team/app:v2\",\"quay.io/team/app:v3\"],\"RepoDigests\":["
	                             "\"localhost/app@%s\",\"quay.io/team/app@%s\"]",
	         id, a.manifest, a.manifest, a.manifest);
	CK_CHECK_CONTAINS(json, want);
	CK_CHECK_CONTAINS(json, "\"Created\":\"2023-05-19T20:29:37Z\"");
	CK_CHECK_CONTAINS(json, "\"Config\":{\"Env\":[\"PATH=/usr/bin:/bin\"],\"Cmd\":[\"sh\"],\"Labels\":{\"tier\":\"web\"}}");
	CK_CHECK_CONTAINS(json, "\"Architecture\":\"amd64\",\"Os\":\"linux\",\"Size\":7,\"VirtualSize\":7");
	snprintf(want, sizeof(want), "\"RootFS\":{\"Type\":\"layers\",\"Layers\":[\"%s\",\"%s\"]}", a.diff[0], a.diff[1]);
	CK_CHECK_CONTAINS(json, want);
	CK_CHECK_CONTAINS(json, "\"Labels\":{\"tier\":\"web\"},\"Annotations\":{}");
	CK_CHECK_CONTAINS(json, "\"History\":[{\"created\":\"2023-05-19T20:29:37Z\",\"created_by\":\"ADD base\"}");
	CK_CHECK_CONTAINS(json, "\"GraphDriver\":{\"Name\":\"overlay\",\"Data\":{\"LowerDir\":\"");
	free(json);
	json = NULL;
	/* newest first; the layers' sizes on the entries that made them */
	CK_CHECK_OK(ck_image_history(&json, img));
	snprintf(want, sizeof(want),
	         "[{\"id\":\"%s\",\"created\":\"2023-05-19T20:29:37.000000000Z\",\"createdBy\":\"ENV X=app\","
	         "\"size\":0,\"comment\":\"env\"},{\"id\":\"<missing>\",\"created\":\"2023-05-19T20:29:37.000000000Z\","
	         "\"createdBy\":\"ADD app\",\"size\":3,\"comment\":\"\"},{\"id\":\"<missing>\",",
	         id);
	CK_CHECK_CONTAINS(json, want);
	CK_CHECK_CONTAINS(json, "\"createdBy\":\"ADD base\",\"size\":4,\"comment\":\"\"}]");
	free(json);
	CK_CHECK_RC(ck_image_inspect(NULL, img), CK_EINVAL);
	CK_CHECK_RC(ck_image_history(&json, NULL), CK_EINVAL);
	/* a config blob that went missing is named */
	CK_CHECK_OK(ck__blob_remove(ctx, a.config));
	CK_CHECK_RC(ck_image_inspect(&json, img), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot read its config");
out:
	ck_image_free(img);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

/* Runs the check; returns its code and keeps the report in *report. */
static int check(char **report, ck_context *ctx, bool repair)
{
	free(*report);
	*report = NULL;
	return ck_system_check(report, ctx, repair ? CK_CHECK_REPAIR : 0);
}

static void backdate(const char *path, int seconds)
{
	struct timeval tv[2];
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= seconds;
	tv[1] = tv[0];
	if (lutimes(path, tv) != 0)
		abort();
}

static void backdate_dir(const char *dir, int seconds)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			backdate(tl_at(dir, de->d_name), seconds);
	if (d)
		closedir(d);
}

static void check_reports_damaged_images_and_repairs_layers(void)
{
	char *root = ck_test_tmpdir("chk"), *id, *report = NULL, *lp;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	const char *const names[] = { "app", NULL };

	id = tr_build(&a, ctx, "base,app", "2023-01-01T00:00:00Z", NULL, names);
	CK_CHECK_OK(check(&report, ctx, false));
	CK_CHECK_CONTAINS(report, "\"ok\":true");
	/* an unpacked layer that went missing is unpacked again from its blob */
	lp = ck__layer_path(ctx, a.diff[1]);
	ck_test_rmtree(lp);
	CK_CHECK_RC(check(&report, ctx, false), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"kind\":\"damaged-image\"");
	CK_CHECK_CONTAINS(report, "its layer 2 (");
	CK_CHECK_CONTAINS(report, "is not unpacked; repair unpacks it again from its blob\",\"repairable\":true");
	CK_CHECK_OK(check(&report, ctx, true));
	CK_CHECK(ck__layer_exists(ctx, a.diff[1]));
	CK_CHECK_OK(check(&report, ctx, false));
	/* without its blob it cannot be */
	ck_test_rmtree(lp);
	CK_CHECK_OK(ck__blob_remove(ctx, a.layer[1]));
	CK_CHECK_RC(check(&report, ctx, true), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "its blob is missing too\",\"repairable\":false");
	CK_CHECK_CONTAINS(report, "\"hint\":\"pull or load the image again, or remove it with 'ck rmi -f ");
	CK_CHECK_CONTAINS(report, "\"repairable\":false");
	/* a missing layer blob under a present layer, and a missing config */
	CK_CHECK_OK(ck__blob_remove(ctx, a.layer[0]));
	CK_CHECK_OK(ck__blob_remove(ctx, a.config));
	CK_CHECK_RC(check(&report, ctx, false), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "the blob of its layer 1");
	CK_CHECK_CONTAINS(report, "its config sha256:");
	free(lp);
	free(report);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void check_removes_unreferenced_blobs_layers_and_dead_temporaries(void)
{
	char *root = ck_test_tmpdir("chk"), *report = NULL, *junk, *diff, tmpf[4096], live[4096], young[4096];
	ck_context *ctx = tr_open(root, "lmdb");
	tl_ent e = { .path = "orphan", .data = "orphan" };
	tr_image a;
	char *id = tr_build(&a, ctx, "base", "2023-01-01T00:00:00Z", NULL, NULL);
	int fd;

	junk = tl_put(ctx, "junk", 4);
	diff = tl_layer(ctx, &e, 1, "gzip"); /* unpacked, but no image has it */
	CK_CHECK(diff != NULL);
	CK_CHECK(mkdir(tl_at(root, "images/tmp"), 0700) == 0 || ck__is_dir(tl_at(root, "images/tmp")));
	snprintf(tmpf, sizeof(tmpf), "%s/images/tmp/blob-dead", root);
	snprintf(live, sizeof(live), "%s/images/tmp/blob-live", root);
	snprintf(young, sizeof(young), "%s/images/tmp/blob-young", root);
	write_file(tmpf, "x", 1);
	write_file(live, "x", 1);
	write_file(young, "x", 1);
	backdate(tmpf, 3600);
	backdate(live, 3600);
	fd = open(live, O_RDONLY);
	CK_CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0); /* its writer is alive */

	CK_CHECK_RC(check(&report, ctx, false), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"kind\":\"leftover\",\"object\":\"sha256:");
	CK_CHECK_CONTAINS(report, junk);
	CK_CHECK_CONTAINS(report, "is not used by any image; repair removes it");
	CK_CHECK_CONTAINS(report, diff);
	CK_CHECK_CONTAINS(report, "blob-dead is left over from an interrupted image operation");
	CK_CHECK(!strstr(report, "blob-live") && !strstr(report, "blob-young"));
	/* the image's own blobs and layer are not leftovers */
	CK_CHECK(!strstr(report, a.layer[0]) && !strstr(report, a.diff[0]) && !strstr(report, a.config));
	/* a recent blob stays: a pull may be about to commit it */
	CK_CHECK_RC(check(&report, ctx, true), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "kept: it is recent");
	CK_CHECK(ck__blob_exists(ctx, junk));
	CK_CHECK(!ck__layer_exists(ctx, diff));
	CK_CHECK(access(tmpf, F_OK) != 0 && access(live, F_OK) == 0 && access(young, F_OK) == 0);
	/* the orphan layer's blob was left too: both go once old enough */
	backdate_dir(tl_at(root, "images/blobs/sha256"), 3600);
	CK_CHECK_OK(check(&report, ctx, true));
	CK_CHECK(!ck__blob_exists(ctx, junk));
	CK_CHECK(ck__blob_exists(ctx, a.layer[0]) && ck__layer_exists(ctx, a.diff[0]));
	CK_CHECK_OK(check(&report, ctx, false));
	CK_CHECK_CONTAINS(report, "\"ok\":true");
	close(fd);
	free(junk);
	free(diff);
	free(report);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

struct put_args {
	const char *bucket, *key, *val;
};

static int put_fn(ck_state_txn *txn, void *payload)
{
	struct put_args *a = payload;
	return a->val ? ck__txn_put_str(txn, a->bucket, a->key, a->val) : ck__txn_del(txn, a->bucket, a->key);
}

static void check_keeps_layers_a_lost_root_filesystem_may_use(void)
{
	char *root = ck_test_tmpdir("chk"), *id, *report = NULL, rec[256];
	ck_context *ctx = tr_open(root, "sqlite");
	ck_image *img = NULL;
	tr_image a;

	id = tr_build(&a, ctx, "base,app", "2023-01-01T00:00:00Z", NULL, (const char *const[]){ "app", NULL });
	CK_CHECK_OK(tr_user(ctx, id, "rootfs/web", true));
	snprintf(rec, sizeof(rec), "{\"image\":\"%s\",\"overlay\":true}", id);
	struct put_args p = { "rootfs", "web", rec };
	CK_CHECK_OK(ck__state_write(ctx, put_fn, &p));
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "app"));
	if (img) {
		CK_CHECK_RC(ck_image_remove(img, 0), CK_EINUSE);
		CK_CHECK_CONTAINS(ck_error_last()->message, "is in use by rootfs web");
		CK_CHECK_OK(ck_image_remove(img, CK_REMOVE_FORCE));
	}
	/* the root filesystem still stands on the layers */
	CK_CHECK(ck__layer_exists(ctx, a.diff[0]) && ck__layer_exists(ctx, a.diff[1]));
	CK_CHECK_RC(check(&report, ctx, true), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "kept: root filesystem web was made from an image removed by force");
	CK_CHECK(ck__layer_exists(ctx, a.diff[0]) && ck__layer_exists(ctx, a.diff[1]));
	/* once it is gone, so are they */
	p.val = NULL;
	CK_CHECK_OK(ck__state_write(ctx, put_fn, &p));
	backdate_dir(tl_at(root, "images/blobs/sha256"), 3600);
	CK_CHECK_OK(check(&report, ctx, true));
	CK_CHECK(!ck__layer_exists(ctx, a.diff[0]) && !ck__layer_exists(ctx, a.diff[1]));
	CK_CHECK(tr_dir_entries(root, "images/blobs/sha256") == 0);
	ck_image_free(img);
	free(report);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void registry_options_init_sets_defaults(void)
{
	ck_registry_options o;

	memset(&o, 0x55, sizeof(o));
	CK_CHECK_OK(ck_registry_options_init(&o, CK_REGISTRY_OPTIONS_VERSION));
	CK_CHECK(o.version == CK_REGISTRY_OPTIONS_VERSION && o.tls_verify == -1 && !o.username && !o.password &&
	         !o.authfile && !o.cert_dir && !o.platform && !o.progress && !o.progress_payload);
	CK_CHECK_RC(ck_registry_options_init(&o, 99), CK_EVERSION);
	CK_CHECK_CONTAINS(ck_error_last()->message, "unknown version 99");
	CK_CHECK_RC(ck_registry_options_init(NULL, 1), CK_EINVAL);
}

CK_TESTS(CK_TEST(import_a_rootfs_tarball_plain_or_compressed),
         CK_TEST(import_without_a_name_is_dangling_and_shares_its_layer),
         CK_TEST(import_refuses_what_is_not_a_tar_and_leaves_nothing), CK_TEST(inspect_and_history_have_podman_shape),
         CK_TEST(check_reports_damaged_images_and_repairs_layers),
         CK_TEST(check_removes_unreferenced_blobs_layers_and_dead_temporaries),
         CK_TEST(check_keeps_layers_a_lost_root_filesystem_may_use), CK_TEST(registry_options_init_sets_defaults))
