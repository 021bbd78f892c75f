/* Image records: commit and lookup (name, id, prefix, digest), tags that
 * move, removal that refuses used images and keeps shared blobs, prune,
 * list filters, inspect and history, on both state backends. */
#define _GNU_SOURCE
#include "test_records_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const backends[] = { "sqlite", "lmdb" };

static void commit_and_lookup_by_name_id_prefix_and_digest(const char *backend)
{
	char *root = ck_test_tmpdir("rec"), ref[256], *id;
	ck_context *ctx = tr_open(root, backend);
	tr_image a;
	ck_image *img = NULL;
	const char *const names[] = { "app:1", "quay.io/team/app:v2", NULL };

	id = tr_build(&a, ctx, "base,app", "2023-05-19T20:29:37Z", "{\"tier\":\"web\"}", names);
	CK_CHECK(id != NULL);
	if (!id)
		goto out;
	/* short names resolve through localhost first */
	const char *refs[] = { "app:1", "localhost/app:1", "quay.io/team/app:v2", id, NULL };
	for (const char **r = refs; *r; r++) {
		CK_CHECK_OK(ck_image_lookup(&img, ctx, *r));
		CK_CHECK(img && !strcmp(ck_image_id(img), id));
		ck_image_free(img);
		img = NULL;
	}
	snprintf(ref, sizeof(ref), "%.12s", id);
	CK_CHECK_OK(ck_image_lookup(&img, ctx, ref));
	ck_image_free(img);
	snprintf(ref, sizeof(ref), "sha256:%.20s", id);
	CK_CHECK_OK(ck_image_lookup(&img, ctx, ref));
	ck_image_free(img);
	snprintf(ref, sizeof(ref), "sha256:%s", id);
	CK_CHECK_OK(ck_image_lookup(&img, ctx, ref));
	ck_image_free(img);
	snprintf(ref, sizeof(ref), "%s", a.manifest); /* the manifest digest alone */
	CK_CHECK_OK(ck_image_lookup(&img, ctx, ref));
	CK_CHECK(img && !strcmp(ck_image_id(img), id));
	ck_image_free(img);
	/* as docker: with a digest, the tag does not matter */
	const char *digest_refs[] = { "app@%s", "localhost/app@%s", "app:1@%s", "app:2@%s", "quay.io/team/app@%s",
		                      NULL };
	for (const char **r = digest_refs; *r; r++) {
		snprintf(ref, sizeof(ref), *r, a.manifest);
		img = NULL;
		CK_CHECK_OK(ck_image_lookup(&img, ctx, ref));
		CK_CHECK(img && !strcmp(ck_image_id(img), id));
		ck_image_free(img);
	}
	/* getters */
	img = NULL;
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "app:1"));
	if (img) {
		CK_CHECK_STR(ck_image_digest(img), a.manifest);
		CK_CHECK(ck_image_created(img) == 1684528177);
		CK_CHECK(ck_image_size(img) == strlen("base") + strlen("app"));
		CK_CHECK_STR(ck_image_names(img)[0], "localhost/app:1");
		CK_CHECK_STR(ck_image_names(img)[1], "quay.io/team/app:v2");
		CK_CHECK(ck_image_names(img)[2] == NULL);
	}
	ck_image_free(img);
	/* what is not there */
	img = (ck_image *)1;
	CK_CHECK_RC(ck_image_lookup(&img, ctx, "app:2"), CK_ENOTFOUND);
	CK_CHECK_STR(ck_error_last()->message, "app:2: image not known");
	CK_CHECK(img == NULL);
	snprintf(ref, sizeof(ref), "app@sha256:%s", id); /* the id is not the manifest digest */
	CK_CHECK_RC(ck_image_lookup(&img, ctx, ref), CK_ENOTFOUND);
	snprintf(ref, sizeof(ref), "other@%s", a.manifest); /* the digest in another repository */
	CK_CHECK_RC(ck_image_lookup(&img, ctx, ref), CK_ENOTFOUND);
	CK_CHECK_RC(ck_image_lookup(&img, ctx, "docker.io/library/app:1"), CK_ENOTFOUND);
	CK_CHECK_RC(ck_image_lookup(&img, ctx, "App"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "repository name must be lowercase");
	CK_CHECK_RC(ck_image_lookup(&img, ctx, ""), CK_EINVAL);
	CK_CHECK_RC(ck_image_lookup(&img, ctx, "sha256:xyz"), CK_EINVAL);
	CK_CHECK_RC(ck_image_lookup(NULL, ctx, "app"), CK_EINVAL);
	free(id);
out:
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_commit_and_lookup_by_name_id_prefix_and_digest(void)
{
	for (size_t b = 0; b < 2; b++)
		commit_and_lookup_by_name_id_prefix_and_digest(backends[b]);
}

static void records_record_and_state_have_their_shape(void)
{
	char *root = ck_test_tmpdir("rec"), *id;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	const char *const names[] = { "localhost/shape:1", NULL };
	char *config = NULL, *state = NULL;

	id = tr_build(&a, ctx, "base,top", "2023-05-19T20:29:37Z", "{\"k\":\"v\"}", names);
	CK_CHECK(id && tr_record(&config, &state, ctx, id) == 0);
	CK_CHECK(tr_json_has(config, "id", id));
	CK_CHECK(tr_json_has(config, "digest", a.manifest));
	CK_CHECK(tr_json_has(config, "config_digest", a.config));
	CK_CHECK(tr_json_has(config, "manifest_media_type", CK_MT_OCI_MANIFEST));
	CK_CHECK(tr_json_has(config, "os", "linux"));
	CK_CHECK(tr_json_has(config, "arch", "amd64"));
	CK_CHECK_CONTAINS(config, "\"created\":1684528177");
	CK_CHECK_CONTAINS(config, "\"size\":7");
	CK_CHECK_CONTAINS(config, "\"labels\":{\"k\":\"v\"}");
	/* layers base first, each with its blob, diff id, size and type */
	char want[512];
	snprintf(want, sizeof(want), "\"layers\":[{\"digest\":\"%s\",\"diff_id\":\"%s\",\"size\":%lld,\"media_type\":\"%s\"",
	         a.layer[0], a.diff[0], (long long)a.layer_size[0], CK_MT_OCI_LAYER_GZIP);
	CK_CHECK_CONTAINS(config, want);
	snprintf(want, sizeof(want), "{\"digest\":\"%s\",\"diff_id\":\"%s\"", a.layer[1], a.diff[1]);
	CK_CHECK_CONTAINS(config, want);
	CK_CHECK_STR(state, "{\"names\":[\"localhost/shape:1\"],\"users\":[]}");
	free(config);
	free(state);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_commit_again_only_adds_names(void)
{
	char *root = ck_test_tmpdir("rec"), *id1, *id2;
	ck_context *ctx = tr_open(root, "lmdb");
	tr_image a, b;
	ck_image *img = NULL;
	const char *const n1[] = { "one", NULL }, *const n2[] = { "two", "one", NULL };

	id1 = tr_build(&a, ctx, "base", "2023-01-01T00:00:00Z", NULL, n1);
	id2 = tr_build(&b, ctx, "base", "2023-01-01T00:00:00Z", NULL, n2);
	CK_CHECK(id1 && id2 && !strcmp(id1, id2));
	CK_CHECK(tr_count_images(ctx) == 1);
	CK_CHECK_OK(ck_image_lookup(&img, ctx, id1));
	if (img) {
		CK_CHECK_STR(ck_image_names(img)[0], "localhost/one:latest");
		CK_CHECK_STR(ck_image_names(img)[1], "localhost/two:latest");
		CK_CHECK(!ck_image_names(img)[2]);
	}
	ck_image_free(img);
	free(id1);
	free(id2);
	tr_image_clear(&a);
	tr_image_clear(&b);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_tag_moves_a_name_and_untag_removes_it(void)
{
	char *root = ck_test_tmpdir("rec"), *ida, *idb, *state = NULL;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a, b;
	ck_image *ia = NULL, *ib = NULL, *img = NULL;
	const char *const na[] = { "web", NULL };

	ida = tr_build(&a, ctx, "base,a", "2023-01-01T00:00:00Z", NULL, na);
	idb = tr_build(&b, ctx, "base,b", "2023-01-02T00:00:00Z", NULL, NULL);
	CK_CHECK_OK(ck_image_lookup(&ia, ctx, ida));
	CK_CHECK_OK(ck_image_lookup(&ib, ctx, idb));
	if (!ia || !ib)
		goto out;
	CK_CHECK(ck_image_names(ib)[0] == NULL);
	CK_CHECK_OK(ck_image_tag(ib, "web"));
	CK_CHECK_STR(ck_image_names(ib)[0], "localhost/web:latest");
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "web"));
	CK_CHECK(img && !strcmp(ck_image_id(img), idb));
	ck_image_free(img);
	/* a's state lost the name in the same transaction */
	CK_CHECK(tr_record(NULL, &state, ctx, ida) == 0);
	CK_CHECK_STR(state, "{\"names\":[],\"users\":[]}");
	free(state);
	/* tagging twice is a no-op; more names; normalization */
	CK_CHECK_OK(ck_image_tag(ib, "web"));
	CK_CHECK_OK(ck_image_tag(ib, "docker.io/busybox"));
	CK_CHECK_OK(ck_image_tag(ib, "quay.io/x/y:2"));
	CK_CHECK_STR(ck_image_names(ib)[1], "docker.io/library/busybox:latest");
	CK_CHECK_RC(ck_image_tag(ib, "Bad"), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid reference \"Bad\"");
	CK_CHECK_RC(ck_image_tag(ib, "x@sha256:1111111111111111111111111111111111111111111111111111111111111111"),
	            CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot name a digest");
	/* untag: by short name (resolved among the image's names), by full name */
	CK_CHECK_OK(ck_image_untag(ib, "busybox"));
	CK_CHECK_OK(ck_image_untag(ib, "quay.io/x/y:2"));
	CK_CHECK_STR(ck_image_names(ib)[0], "localhost/web:latest");
	CK_CHECK(ck_image_names(ib)[1] == NULL);
	CK_CHECK_RC(ck_image_untag(ib, "nothere"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "has no name \"nothere\"");
	CK_CHECK_RC(ck_image_untag(ia, "web"), CK_ENOTFOUND); /* it moved */
	CK_CHECK_OK(ck_image_untag(ib, NULL));
	CK_CHECK(ck_image_names(ib)[0] == NULL);
	img = NULL;
	CK_CHECK_RC(ck_image_lookup(&img, ctx, "web"), CK_ENOTFOUND);
	CK_CHECK(tr_count_tags(ctx) == 0);
out:
	ck_image_free(ia);
	ck_image_free(ib);
	free(ida);
	free(idb);
	tr_image_clear(&a);
	tr_image_clear(&b);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_remove_refuses_a_used_image_without_force(void)
{
	char *root = ck_test_tmpdir("rec"), *id;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	ck_image *img = NULL;
	const char *const names[] = { "used", NULL };

	id = tr_build(&a, ctx, "base,used", "2023-01-01T00:00:00Z", NULL, names);
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee0000000000000000000000000000000000000000000000000000000000", true));
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee0000000000000000000000000000000000000000000000000000000000", true));
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "used"));
	if (!img)
		goto out;
	CK_CHECK_RC(ck_image_remove(img, 0), CK_EINUSE);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is in use by container c0ffee000000; remove them first");
	CK_CHECK(tr_count_images(ctx) == 1 && tr_count_tags(ctx) == 1);
	CK_CHECK(ck__blob_exists(ctx, a.layer[1]) && ck__layer_exists(ctx, a.diff[1]));
	/* the mark goes, then removal works */
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee0000000000000000000000000000000000000000000000000000000000", false));
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee0000000000000000000000000000000000000000000000000000000000", true));
	CK_CHECK_OK(ck_image_remove(img, CK_REMOVE_FORCE));
	CK_CHECK(tr_count_images(ctx) == 0 && tr_count_tags(ctx) == 0);
	/* forced while used: the layers stay for the user, the check reports them later */
	CK_CHECK(ck__layer_exists(ctx, a.diff[1]));
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee0000000000000000000000000000000000000000000000000000000000", false));
	CK_CHECK_RC(tr_user(ctx, id, "other", true), CK_ENOTFOUND);
	CK_CHECK_RC(ck_image_remove(img, 0), CK_ENOTFOUND);
	CK_CHECK_RC(ck_image_remove(img, 0x80), CK_EINVAL);
out:
	ck_image_free(img);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

struct raw_put {
	const char *bucket, *key, *val;
};

static int raw_put_fn(ck_state_txn *txn, void *payload)
{
	const struct raw_put *p = payload;
	return ck__txn_put_str(txn, p->bucket, p->key, p->val);
}

static int raw_has_fn(ck_state_txn *txn, void *payload)
{
	const struct raw_put *p = payload;
	char *v = NULL;
	int rc = ck__txn_get(&v, NULL, txn, p->bucket, p->key);
	free(v);
	return rc;
}

static size_t count_users(ck_context *ctx, const char *id)
{
	char key[200];
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "%s/%s", id, i == 0 ? "c0ffee" : i == 1 ? "beef" : "rootfs/x");
		struct raw_put p = { "images.users", key, NULL };
		if (ck__state_read(ctx, raw_has_fn, &p) == CK_OK)
			n++;
		ck__error_clear();
	}
	return n;
}

/* One key per user; users that an older store listed in the state's JSON
 * still count, and move to keys at the image's next change.  A forced
 * removal takes the keys with it; a key whose image is gone is reported
 * and repaired by the check. */
static void records_users_are_keys_and_older_lists_are_moved(void)
{
	char *root = ck_test_tmpdir("rec"), *id, *config = NULL, *state = NULL, *report = NULL;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	ck_image *img = NULL;
	const char *const names[] = { "localhost/old:1", NULL };

	id = tr_build(&a, ctx, "base,old", "2023-01-01T00:00:00Z", NULL, names);
	struct raw_put old = { "images.state", id, "{\"names\":[\"localhost/old:1\"],\"users\":[\"c0ffee\"]}" };
	CK_CHECK_OK(ck__state_write(ctx, raw_put_fn, &old));
	CK_CHECK_OK(ck_image_lookup(&img, ctx, "localhost/old:1"));
	if (!img)
		goto out;
	CK_CHECK_RC(ck_image_remove(img, 0), CK_EINUSE);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container c0ffee");
	CK_CHECK(count_users(ctx, id) == 0);
	CK_CHECK_OK(tr_user(ctx, id, "beef", true));
	CK_CHECK_OK(tr_user(ctx, id, "rootfs/x", true));
	CK_CHECK(count_users(ctx, id) == 3);
	CK_CHECK(tr_record(&config, &state, ctx, id) == 0);
	CK_CHECK_STR(state, "{\"names\":[\"localhost/old:1\"],\"users\":[]}");
	CK_CHECK_RC(ck_image_remove(img, 0), CK_EINUSE);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container c0ffee");
	CK_CHECK_CONTAINS(ck_error_last()->message, "rootfs x");
	CK_CHECK_OK(tr_user(ctx, id, "c0ffee", false));
	CK_CHECK_OK(tr_user(ctx, id, "beef", false));
	CK_CHECK(count_users(ctx, id) == 1);
	CK_CHECK_OK(ck_image_remove(img, CK_REMOVE_FORCE));
	CK_CHECK(count_users(ctx, id) == 0);
	/* (The check reports the layers a forced removal leaves, by design.) */
	ck_system_check(&report, ctx, 0);
	CK_CHECK(report && !strstr(report, "orphan-state"));
	ck_free(report);
	report = NULL;
	/* A mark left without its image. */
	char key[200];
	snprintf(key, sizeof(key), "%s/beef", id);
	struct raw_put orphan = { "images.users", key, "1" };
	CK_CHECK_OK(ck__state_write(ctx, raw_put_fn, &orphan));
	CK_CHECK_RC(ck_system_check(&report, ctx, 0), CK_ECORRUPT);
	CK_CHECK_CONTAINS(report, "\"kind\":\"orphan-state\",\"object\":\"");
	CK_CHECK_CONTAINS(report, "is marked used by beef");
	ck_free(report);
	report = NULL;
	ck_system_check(NULL, ctx, CK_CHECK_REPAIR);
	CK_CHECK(count_users(ctx, id) == 0);
	ck_system_check(&report, ctx, 0);
	CK_CHECK(report && !strstr(report, "orphan-state"));
	ck_free(report);
	report = NULL;
out:
	free(config);
	free(state);
	ck_image_free(img);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_shared_blobs_survive_the_removal_of_one_image(void)
{
	for (size_t bk = 0; bk < 2; bk++) {
		char *root = ck_test_tmpdir("rec"), *ida, *idb;
		ck_context *ctx = tr_open(root, backends[bk]);
		tr_image a, b;
		ck_image *ia = NULL, *ib = NULL;
		char *insp = NULL;
		const char *const na[] = { "a", NULL }, *const nb[] = { "b", NULL };

		ida = tr_build(&a, ctx, "base,mid,a", "2023-01-01T00:00:00Z", NULL, na);
		idb = tr_build(&b, ctx, "base,mid,b", "2023-01-02T00:00:00Z", NULL, nb);
		CK_CHECK(!strcmp(a.layer[0], b.layer[0]) && !strcmp(a.diff[1], b.diff[1]));
		CK_CHECK_OK(ck_image_lookup(&ia, ctx, "a"));
		if (ia)
			CK_CHECK_OK(ck_image_remove(ia, 0));
		for (int i = 0; i < 2; i++)
			CK_CHECK(ck__blob_exists(ctx, a.layer[i]) && ck__layer_exists(ctx, a.diff[i]));
		CK_CHECK(!ck__blob_exists(ctx, a.layer[2]) && !ck__layer_exists(ctx, a.diff[2]));
		CK_CHECK(!ck__blob_exists(ctx, a.config) && !ck__blob_exists(ctx, a.manifest));
		CK_CHECK_OK(ck_image_lookup(&ib, ctx, "b"));
		if (ib)
			CK_CHECK_OK(ck_image_inspect(&insp, ib));
		free(insp);
		for (int i = 0; i < 3; i++)
			CK_CHECK(ck__blob_exists(ctx, b.layer[i]) && ck__layer_exists(ctx, b.diff[i]));
		if (ib)
			CK_CHECK_OK(ck_image_remove(ib, 0));
		CK_CHECK(tr_dir_entries(root, "images/blobs/sha256") == 0);
		CK_CHECK(tr_dir_entries(root, "images/layers") == 0);
		ck_image_free(ia);
		ck_image_free(ib);
		free(ida);
		free(idb);
		tr_image_clear(&a);
		tr_image_clear(&b);
		ck_context_free(ctx);
		ck_test_rmtree(root);
		free(root);
	}
}

static void records_prune_removes_dangling_then_all_unused(void)
{
	char *root = ck_test_tmpdir("rec"), *idt, *idd, *idu, **removed = NULL;
	ck_context *ctx = tr_open(root, "lmdb");
	tr_image t, d, u;
	const char *const nt[] = { "tagged", NULL };

	idt = tr_build(&t, ctx, "base,t", "2023-01-01T00:00:00Z", NULL, nt);
	idd = tr_build(&d, ctx, "base,d", "2023-01-02T00:00:00Z", NULL, NULL);
	idu = tr_build(&u, ctx, "base,u", "2023-01-03T00:00:00Z", NULL, NULL);
	CK_CHECK_OK(tr_user(ctx, idu, "rootfs-owner", true));
	CK_CHECK_OK(ck_image_prune(&removed, ctx, 0));
	CK_CHECK(removed && removed[0] && !strcmp(removed[0], idd) && !removed[1]);
	ck_strv_free(removed);
	removed = NULL;
	CK_CHECK(tr_count_images(ctx) == 2);
	CK_CHECK_OK(ck_image_prune(&removed, ctx, CK_IMAGE_PRUNE_ALL));
	CK_CHECK(removed && removed[0] && !strcmp(removed[0], idt) && !removed[1]);
	ck_strv_free(removed);
	CK_CHECK(tr_count_images(ctx) == 1);
	CK_CHECK(ck__layer_exists(ctx, u.diff[0]) && ck__layer_exists(ctx, u.diff[1]));
	CK_CHECK_OK(ck_image_prune(NULL, ctx, CK_IMAGE_PRUNE_ALL));
	CK_CHECK(tr_count_images(ctx) == 1);
	CK_CHECK_RC(ck_image_prune(NULL, ctx, 0x10), CK_EINVAL);
	free(idt);
	free(idd);
	free(idu);
	tr_image_clear(&t);
	tr_image_clear(&d);
	tr_image_clear(&u);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

/* The ids listed, in order, joined by spaces as "A B C" with the letters
 * the test gave its images. */
static const char *listed(ck_context *ctx, unsigned int flags, const char *const *filters, char *const *ids,
                          const char *letters)
{
	static char out[64];
	ck_image **imgs = NULL;
	size_t n = 0, len = 0;

	out[0] = '\0';
	if (ck_image_list(&imgs, &n, ctx, flags, filters) != 0)
		return "error";
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; ids[k]; k++)
			if (!strcmp(ck_image_id(imgs[i]), ids[k]))
				len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%c", len ? " " : "", letters[k]);
	ck_image_list_free(imgs, n);
	return out;
}

static void records_list_is_newest_first_and_filters(void)
{
	char *root = ck_test_tmpdir("rec"), *ids[5] = { NULL };
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image im[4];
	const char *const n0[] = { "docker.io/library/busybox:1.36", NULL };
	const char *const n1[] = { "app:1", "quay.io/team/app:2", NULL };
	const char *const n2[] = { "localhost/db:latest", NULL };

	ids[0] = tr_build(&im[0], ctx, "b0", "2023-01-01T00:00:00Z", "{\"tier\":\"base\"}", n0);
	ids[1] = tr_build(&im[1], ctx, "b1", "2023-01-03T00:00:00Z", "{\"tier\":\"web\",\"x\":\"1\"}", n1);
	ids[2] = tr_build(&im[2], ctx, "b2", "2023-01-02T00:00:00Z", NULL, n2);
	ids[3] = tr_build(&im[3], ctx, "b3", "2023-01-04T00:00:00Z", "{\"tier\":\"web\"}", NULL);
	CK_CHECK_STR(listed(ctx, 0, NULL, ids, "ABCD"), "B C A");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, NULL, ids, "ABCD"), "D B C A");
#define F(...) ((const char *const[]){ __VA_ARGS__, NULL })
	CK_CHECK_STR(listed(ctx, 0, F("reference=busybox"), ids, "ABCD"), "A");
	CK_CHECK_STR(listed(ctx, 0, F("reference=busybox:1.36"), ids, "ABCD"), "A");
	CK_CHECK_STR(listed(ctx, 0, F("reference=busybox:latest"), ids, "ABCD"), "");
	CK_CHECK_STR(listed(ctx, 0, F("reference=library/busy*"), ids, "ABCD"), "A");
	CK_CHECK_STR(listed(ctx, 0, F("reference=docker.io/*"), ids, "ABCD"), "A");
	CK_CHECK_STR(listed(ctx, 0, F("reference=app"), ids, "ABCD"), "B");
	CK_CHECK_STR(listed(ctx, 0, F("reference=team/app:2"), ids, "ABCD"), "B");
	CK_CHECK_STR(listed(ctx, 0, F("reference=localhost/*"), ids, "ABCD"), "B C");
	CK_CHECK_STR(listed(ctx, 0, F("reference=db", "reference=app"), ids, "ABCD"), "B C");
	CK_CHECK_STR(listed(ctx, 0, F("label=tier"), ids, "ABCD"), "B A");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("label=tier=web"), ids, "ABCD"), "D B");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("label=tier=web", "label=x"), ids, "ABCD"), "B");
	CK_CHECK_STR(listed(ctx, 0, F("dangling=true"), ids, "ABCD"), "D");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("dangling=false"), ids, "ABCD"), "B C A");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("before=db"), ids, "ABCD"), "A");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("since=db"), ids, "ABCD"), "D B");
	CK_CHECK_STR(listed(ctx, CK_IMAGE_LIST_ALL, F("since=busybox:1.36", "before=app:1"), ids, "ABCD"), "C");
	CK_CHECK_STR(listed(ctx, 0, F("colour=blue"), ids, "ABCD"), "error");
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid image filter \"colour=blue\": unknown key \"colour\"");
	CK_CHECK_STR(listed(ctx, 0, F("dangling=maybe"), ids, "ABCD"), "error");
	CK_CHECK_STR(listed(ctx, 0, F("label="), ids, "ABCD"), "error");
	CK_CHECK_STR(listed(ctx, 0, F("reference"), ids, "ABCD"), "error");
	CK_CHECK_STR(listed(ctx, 0, F("before=nothere"), ids, "ABCD"), "error");
	CK_CHECK_CONTAINS(ck_error_last()->message, "invalid image filter \"before=nothere\": nothere: image not known");
	CK_CHECK_STR(listed(ctx, 0x8, NULL, ids, "ABCD"), "error");
#undef F
	for (int i = 0; i < 4; i++) {
		free(ids[i]);
		tr_image_clear(&im[i]);
	}
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_commit_checks_every_blob_and_leaves_no_record(void)
{
	char *root = ck_test_tmpdir("rec");
	ck_context *ctx = tr_open(root, "sqlite");
	char *m = NULL;

	/* a layer blob that is not in the store */
	m = tr_manifest_for(ctx, "base", TR_MISSING_LAYER);
	CK_CHECK_RC(ck__image_commit(NULL, ctx, m, NULL, NULL, NULL), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "its layer 1 sha256:");
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not in the blob store");
	free(m);
	/* a layer whose size is not the manifest's */
	m = tr_manifest_for(ctx, "base", TR_WRONG_SIZE);
	CK_CHECK_RC(ck__image_commit(NULL, ctx, m, NULL, NULL, NULL), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "but the manifest says");
	free(m);
	/* a config whose diff id is not the layer's */
	m = tr_manifest_for(ctx, "base", TR_WRONG_DIFF_ID);
	CK_CHECK(ck__image_commit(NULL, ctx, m, NULL, NULL, NULL) != 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "layer 1");
	free(m);
	/* more layers than diff ids */
	m = tr_manifest_for(ctx, "base", TR_EXTRA_DIFF_ID);
	CK_CHECK_RC(ck__image_commit(NULL, ctx, m, NULL, NULL, NULL), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "has 1 layers, but its config");
	free(m);
	/* an index is not an image */
	m = tr_manifest_for(ctx, "base", TR_INDEX);
	CK_CHECK_RC(ck__image_commit(NULL, ctx, m, NULL, NULL, NULL), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is an image index");
	free(m);
	/* the manifest itself is missing, or not a digest */
	CK_CHECK_RC(ck__image_commit(NULL, ctx, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
	                             NULL, NULL, NULL), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "manifest sha256:1111");
	CK_CHECK_RC(ck__image_commit(NULL, ctx, "latest", NULL, NULL, NULL), CK_EINVAL);
	/* a bad name fails before anything is done */
	m = tr_manifest_for(ctx, "base", TR_OK);
	CK_CHECK_RC(ck__image_commit(NULL, ctx, m, (const char *const[]){ "ok", "NOT OK", NULL }, NULL, NULL),
	            CK_EINVAL);
	CK_CHECK(tr_count_images(ctx) == 0 && tr_count_tags(ctx) == 0);
	CK_CHECK_OK(ck__image_commit(NULL, ctx, m, (const char *const[]){ "ok", NULL }, NULL, NULL));
	CK_CHECK(tr_count_images(ctx) == 1 && tr_count_tags(ctx) == 1);
	free(m);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void records_manifest_of_an_image(void)
{
	char *root = ck_test_tmpdir("rec"), *id, *json = NULL, *digest = NULL, *mt = NULL;
	ck_context *ctx = tr_open(root, "sqlite");
	tr_image a;
	size_t len = 0;

	id = tr_build(&a, ctx, "base", "2023-01-01T00:00:00Z", NULL, NULL);
	CK_CHECK_OK(ck__image_manifest(&json, &len, &digest, &mt, ctx, id));
	CK_CHECK_STR(digest, a.manifest);
	CK_CHECK_STR(mt, CK_MT_OCI_MANIFEST);
	CK_CHECK(json && len == strlen(json));
	CK_CHECK_CONTAINS(json, a.config);
	free(json);
	CK_CHECK_RC(ck__image_manifest(&json, NULL, NULL, NULL, ctx, "nothere"), CK_ENOTFOUND);
	CK_CHECK(json == NULL);
	char *rid = NULL;
	CK_CHECK_OK(ck__image_resolve(&rid, ctx, a.manifest));
	CK_CHECK_STR(rid, id);
	free(rid);
	free(json);
	free(digest);
	free(mt);
	free(id);
	tr_image_clear(&a);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

CK_TESTS(CK_TEST(records_commit_and_lookup_by_name_id_prefix_and_digest),
         CK_TEST(records_record_and_state_have_their_shape), CK_TEST(records_commit_again_only_adds_names),
         CK_TEST(records_tag_moves_a_name_and_untag_removes_it),
         CK_TEST(records_remove_refuses_a_used_image_without_force),
         CK_TEST(records_users_are_keys_and_older_lists_are_moved),
         CK_TEST(records_shared_blobs_survive_the_removal_of_one_image),
         CK_TEST(records_prune_removes_dangling_then_all_unused), CK_TEST(records_list_is_newest_first_and_filters),
         CK_TEST(records_commit_checks_every_blob_and_leaves_no_record), CK_TEST(records_manifest_of_an_image))
