/* Root filesystems: an overlay of a multi-layer image shows whiteouts,
 * replaced files and opaque directories as a container should see them;
 * the copy fallback shows the same; prepare -> read -> release keeps the
 * upper directory until removal; the image is marked used meanwhile; fifty
 * layers mount; bad input fails cleanly. */
#define _GNU_SOURCE
#include "layer/test_layer_util.h"
#include "image/image_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct fx {
	char *root;
	ck_context *ctx;
};

static struct fx fx_open(bool rootless)
{
	struct fx f;
	f.root = ck_test_tmpdir("rootfs");
	f.ctx = tl_open(f.root);
	f.ctx->rootless = rootless;
	return f;
}

/* Detaches whatever a failed test left mounted under the root. */
static void fx_close(struct fx *f)
{
	FILE *m = fopen("/proc/self/mounts", "re");
	char line[4096], mp[4096];

	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "%*s %4095s", mp) == 1 && ck__str_has_prefix(mp, f->root))
			umount2(mp, MNT_DETACH);
	if (m)
		fclose(m);
	ck_context_free(f->ctx);
	ck_test_rmtree(f->root);
	free(f->root);
	unsetenv("CK_ROOTFS_FORCE_COPY");
}

struct insert {
	const char *id, *config;
};

static int insert_fn(ck_state_txn *txn, void *p)
{
	struct insert *a = p;
	return ck__rec_insert(txn, CK__KIND_IMAGE, a->id, NULL, a->config, "{\"names\":[],\"users\":[]}");
}

/* An image record whose layers are `layers[i]` (base first), unpacked.
 * Returns its id (static buffer). */
static const char *make_image(struct fx *f, const tl_ent *const *layers, const size_t *counts, size_t n)
{
	static char id[65];
	ck__buf b = { 0 };

	ck__random_id(id);
	ck__buf_printf(&b, "{\"id\":\"%s\",\"layers\":[", id);
	for (size_t i = 0; i < n; i++) {
		size_t tlen, clen;
		char *tar = tl_tar(&tlen, layers[i], counts[i]), *gz = tl_compress(&clen, tar, tlen, "gzip");
		char *blob = tl_put(f->ctx, gz, clen), *diff = NULL;
		if (ck__layer_unpack(&diff, f->ctx, blob, NULL, NULL, NULL, NULL) != 0) {
			fprintf(stderr, "  layer %zu: %s\n", i, ck_error_last()->message);
			abort();
		}
		ck__buf_printf(&b, "%s{\"digest\":\"%s\",\"diff_id\":\"%s\",\"size\":%zu,\"media_type\":\"%s\"}",
		               i ? "," : "", blob, diff, clen, CK_MT_OCI_LAYER_GZIP);
		free(tar);
		free(gz);
		free(blob);
		free(diff);
	}
	ck__buf_puts(&b, "]}");
	char *config = ck__buf_take(&b);
	struct insert a = { id, config };
	if (ck__state_write(f->ctx, insert_fn, &a) != 0) {
		fprintf(stderr, "  insert: %s\n", ck_error_last()->message);
		abort();
	}
	free(config);
	return id;
}

/* Three layers exercising what a container must see. */
static const tl_ent L1[] = {
	{ .path = "a/keep", .data = "keep" },
	{ .path = "a/gone", .data = "gone" },
	{ .path = "b/old1", .data = "1" },
	{ .path = "b/sub/old2", .data = "2" },
	{ .path = "c/file", .data = "v1" },
	{ .path = "c/dir/", .type = 'd' },
	{ .path = "c/dir/in", .data = "lower" },
};
/* Devices only where the store may hold them (rootful). */
static const tl_ent L0[] = {
	{ .path = "dev/null", .type = 'c', .major = 1, .minor = 3, .mode = 0666 },
};
static const tl_ent L2[] = {
	{ .path = "a/.wh.gone", .data = "" },
	{ .path = "b/.wh..wh..opq", .data = "" },
	{ .path = "b/new", .data = "new" },
	{ .path = "c/file", .data = "v2", .mode = 0600, .uid = 1234, .gid = 4321, .mtime = 1234567890 },
	{ .path = "c/.wh.dir", .data = "" },
};
static const tl_ent L3[] = {
	{ .path = "d/x", .data = "x" },
	{ .path = "e/hard1", .data = "linked", .mode = 0755 },
	{ .path = "e/hard2", .type = 'h', .target = "e/hard1" },
	{ .path = "s", .type = 'l', .target = "c/file" },
	{ .path = "c/dir", .data = "dir became a file" },
};

static const char *stack_image(struct fx *f)
{
	const tl_ent *layers[] = { L0, L1, L2, L3 };
	const size_t counts[] = { TL_N(L0), TL_N(L1), TL_N(L2), TL_N(L3) };
	bool devices = !f->ctx->rootless;
	return make_image(f, layers + !devices, counts + !devices, 4 - !devices);
}

static void check_view(const char *p)
{
	struct stat st, st2;
	char t[64];

	CK_CHECK_STR(tl_read(tl_at(p, "a/keep")), "keep");
	CK_CHECK(lstat(tl_at(p, "a/gone"), &st) < 0 && errno == ENOENT);
	CK_CHECK(lstat(tl_at(p, "b/old1"), &st) < 0 && errno == ENOENT);
	CK_CHECK(lstat(tl_at(p, "b/sub"), &st) < 0 && errno == ENOENT);
	CK_CHECK_STR(tl_read(tl_at(p, "b/new")), "new");
	CK_CHECK(tl_count(tl_at(p, "b")) == 1);
	CK_CHECK_STR(tl_read(tl_at(p, "c/file")), "v2");
	CK_CHECK(lstat(tl_at(p, "c/file"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 4321 &&
	         (st.st_mode & 07777) == 0600 && st.st_mtime == 1234567890);
	CK_CHECK_STR(tl_read(tl_at(p, "c/dir")), "dir became a file");
	CK_CHECK_STR(tl_read(tl_at(p, "d/x")), "x");
	CK_CHECK(lstat(tl_at(p, "e/hard1"), &st) == 0 && lstat(tl_at(p, "e/hard2"), &st2) == 0 &&
	         st.st_ino == st2.st_ino && (st.st_mode & 0777) == 0755);
	CK_CHECK(readlink(tl_at(p, "s"), t, sizeof(t)) == 6 && !memcmp(t, "c/file", 6));
	CK_CHECK(lstat(tl_at(p, "dev/null"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	/* No whiteout markers show through. */
	CK_CHECK(lstat(tl_at(p, "a/.wh.gone"), &st) < 0);
	CK_CHECK(lstat(tl_at(p, "b/.wh..wh..opq"), &st) < 0);
}

static char *image_users(struct fx *f, const char *id);

static void rootfs_overlay_applies_whiteouts_and_opaque_dirs(void)
{
	struct fx f = fx_open(false);
	const char *id = stack_image(&f);
	ck_rootfs *r = NULL;

	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "ctr1"));
	if (r) {
		CK_CHECK(ck_rootfs_is_overlay(r) == 1);
		CK_CHECK_STR(ck_rootfs_path(r), tl_at(f.root, "rootfs/ctr1/merged"));
		check_view(ck_rootfs_path(r));
		CK_CHECK_OK(ck_rootfs_release(r, 1));
	}
	ck_rootfs_free(r);
	fx_close(&f);
}

static void rootfs_copy_fallback_gives_the_same_view(void)
{
	struct fx f = fx_open(false);
	const char *id = stack_image(&f);
	ck_rootfs *r = NULL;

	setenv("CK_ROOTFS_FORCE_COPY", "1", 1);
	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "ctr1"));
	if (r) {
		CK_CHECK(ck_rootfs_is_overlay(r) == 0);
		check_view(ck_rootfs_path(r));
		CK_CHECK(!ck__path_exists(tl_at(f.root, "rootfs/ctr1/upper")));
		/* Writes land in the copy and survive a release without removal. */
		int fd = open(tl_at(ck_rootfs_path(r), "written"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		CK_CHECK(fd >= 0 && write(fd, "w", 1) == 1);
		close(fd);
		CK_CHECK_OK(ck_rootfs_release(r, 0));
		ck_rootfs_free(r);
		r = NULL;
		CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "ctr1"));
		CK_CHECK(r && ck_rootfs_is_overlay(r) == 0);
		CK_CHECK_STR(tl_read(tl_at(f.root, "rootfs/ctr1/merged/written")), "w");
		CK_CHECK_OK(ck_rootfs_release(r, 1));
		CK_CHECK(!ck__path_exists(tl_at(f.root, "rootfs/ctr1")));
	}
	ck_rootfs_free(r);
	fx_close(&f);
}

struct users_args {
	const char *id;
	char *state;
};

/* The image's users, each quoted: "\"u1\",\"u2\"". */
static int users_fn(ck_state_txn *txn, void *p)
{
	struct users_args *a = p;
	char **users = NULL;
	size_t len = 1;
	int rc = ck__image_users(&users, txn, a->id, NULL);

	free(a->state);
	a->state = NULL;
	if (rc != CK_OK)
		return rc;
	for (char **u = users; *u; u++)
		len += strlen(*u) + 3;
	if ((a->state = calloc(1, len)))
		for (char **u = users; *u; u++)
			snprintf(a->state + strlen(a->state), len - strlen(a->state), "%s\"%s\"", u == users ? "" : ",", *u);
	ck_strv_free(users);
	return a->state ? CK_OK : CK_ENOMEM;
}

static char *image_users(struct fx *f, const char *id)
{
	struct users_args a = { id, NULL };
	if (ck__state_read(f->ctx, users_fn, &a) != 0)
		return NULL;
	return a.state;
}

static void rootfs_prepare_read_release_keeps_upper(void)
{
	struct fx f = fx_open(false);
	const char *id = stack_image(&f);
	ck_rootfs *r = NULL, *again = NULL;
	ck_context *other = tl_open(f.root);
	char *users;

	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "web.1_a-b"));
	if (!r)
		goto out;
	char m[4096];
	snprintf(m, sizeof(m), "%s", ck_rootfs_path(r));
	CK_CHECK_STR(tl_read(tl_at(m, "c/file")), "v2");
	users = image_users(&f, id);
	CK_CHECK_CONTAINS(users, "\"rootfs/web.1_a-b\"");
	free(users);
	/* A write goes to the upper directory; the layer stays untouched. */
	int fd = open(tl_at(m, "a/keep"), O_WRONLY | O_TRUNC | O_CLOEXEC);
	CK_CHECK(fd >= 0 && write(fd, "changed", 7) == 7);
	close(fd);
	CK_CHECK_STR(tl_read(tl_at(f.root, "rootfs/web.1_a-b/upper/a/keep")), "changed");
	/* Another context (as another process would) finds it. */
	CK_CHECK_OK(ck_rootfs_lookup(&again, other, "web.1_a-b"));
	CK_CHECK(again && !strcmp(ck_rootfs_path(again), m) && ck_rootfs_is_overlay(again) == 1);
	/* Unmounted, kept, mounted again with the change. */
	CK_CHECK_OK(ck_rootfs_release(r, 0));
	CK_CHECK(lstat(tl_at(m, "a/keep"), &(struct stat){ 0 }) < 0);
	ck_rootfs_free(r);
	r = NULL;
	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "web.1_a-b"));
	CK_CHECK(r != NULL);
	CK_CHECK_STR(tl_read(tl_at(m, "a/keep")), "changed");
	/* Preparing a mounted one again is fine too. */
	ck_rootfs *twice = NULL;
	CK_CHECK_OK(ck_rootfs_prepare(&twice, f.ctx, id, "web.1_a-b"));
	ck_rootfs_free(twice);
	/* Removal: unmounted, directory and record gone, image unmarked. */
	CK_CHECK_OK(ck_rootfs_release(again, 1));
	CK_CHECK(!ck__path_exists(tl_at(f.root, "rootfs/web.1_a-b")));
	CK_CHECK_RC(ck_rootfs_lookup(&twice, f.ctx, "web.1_a-b"), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no root filesystem for \"web.1_a-b\"");
	users = image_users(&f, id);
	CK_CHECK(users && !strstr(users, "rootfs/"));
	free(users);
	CK_CHECK(tl_count(tl_at(f.root, "rootfs")) == 0);
out:
	ck_rootfs_free(r);
	ck_rootfs_free(again);
	ck_context_free(other);
	fx_close(&f);
}

static void rootfs_fifty_layers_mount(void)
{
	enum { N = 50 };
	struct fx f = fx_open(false);
	static tl_ent ents[N][2];
	static char names[N][32], data[N][8];
	const tl_ent *layers[N];
	size_t counts[N];
	ck_rootfs *r = NULL;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "layers/layer-%02d", i);
		snprintf(data[i], sizeof(data[i]), "%d", i);
		ents[i][0] = (tl_ent){ .path = names[i], .data = data[i] };
		ents[i][1] = (tl_ent){ .path = "top", .data = data[i] };
		layers[i] = ents[i];
		counts[i] = 2;
	}
	const char *id = make_image(&f, layers, counts, N);
	/* 50 layer paths under this root do not fit in one page of options. */
	CK_CHECK(N * (strlen(f.root) + strlen("/images/layers/") + 65) > 4096);
	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "many"));
	if (r) {
		CK_CHECK(ck_rootfs_is_overlay(r) == 1);
		CK_CHECK_STR(tl_read(tl_at(ck_rootfs_path(r), "top")), "49");
		CK_CHECK(tl_count(tl_at(ck_rootfs_path(r), "layers")) == N);
		CK_CHECK_STR(tl_read(tl_at(ck_rootfs_path(r), "layers/layer-00")), "0");
		CK_CHECK_OK(ck_rootfs_release(r, 1));
	}
	ck_rootfs_free(r);
	fx_close(&f);
}

static void rootfs_rejects_bad_owner_names(void)
{
	struct fx f = fx_open(false);
	const char *bad[] = { "", "..", ".", "a/b", "../x", "with space", "x\n" };
	ck_rootfs *r = NULL;

	for (size_t i = 0; i < TL_N(bad); i++) {
		CK_CHECK_RC(ck_rootfs_prepare(&r, f.ctx, "busybox", bad[i]), CK_EINVAL);
		CK_CHECK_CONTAINS(ck_error_last()->message, "invalid root filesystem owner");
		CK_CHECK_RC(ck_rootfs_lookup(&r, f.ctx, bad[i]), CK_EINVAL);
	}
	CK_CHECK_RC(ck_rootfs_prepare(&r, f.ctx, "busybox", NULL), CK_EINVAL);
	CK_CHECK_RC(ck_rootfs_prepare(&r, f.ctx, NULL, "x"), CK_EINVAL);
	CK_CHECK_RC(ck_rootfs_prepare(NULL, f.ctx, "busybox", "x"), CK_EINVAL);
	CK_CHECK_RC(ck_rootfs_release(NULL, 1), CK_EINVAL);
	CK_CHECK(ck_rootfs_path(NULL) == NULL && ck_rootfs_is_overlay(NULL) == 0);
	ck_rootfs_free(NULL);
	CK_CHECK_RC(ck_rootfs_lookup(&r, f.ctx, "nobody"), CK_ENOTFOUND);
	/* An unknown image: nothing made. */
	CK_CHECK_RC(ck_rootfs_prepare(&r, f.ctx, "localhost/nothing:here", "x"), CK_ENOTFOUND);
	CK_CHECK(tl_count(tl_at(f.root, "rootfs")) == 0);
	CK_CHECK(r == NULL);
	fx_close(&f);
}

static void rootfs_same_owner_other_image_is_refused(void)
{
	struct fx f = fx_open(false);
	const tl_ent one[] = { { .path = "one", .data = "1" } }, two[] = { { .path = "two", .data = "2" } };
	const tl_ent *l1[] = { one }, *l2[] = { two };
	size_t c[] = { 1 };
	char id1[65];
	ck_rootfs *r = NULL, *r2 = NULL;

	snprintf(id1, sizeof(id1), "%s", make_image(&f, l1, c, 1));
	const char *id2 = make_image(&f, l2, c, 1);
	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id1, "owner"));
	CK_CHECK_RC(ck_rootfs_prepare(&r2, f.ctx, id2, "owner"), CK_EEXISTS);
	CK_CHECK_CONTAINS(ck_error_last()->message, "root filesystem \"owner\" already exists for image");
	CK_CHECK(r2 == NULL);
	CK_CHECK_STR(tl_read(tl_at(f.root, "rootfs/owner/merged/one")), "1");
	CK_CHECK_OK(ck_rootfs_release(r, 1));
	ck_rootfs_free(r);
	fx_close(&f);
}

static void rootfs_missing_layer_fails_and_leaves_nothing(void)
{
	struct fx f = fx_open(false);
	const tl_ent one[] = { { .path = "one", .data = "1" } };
	const tl_ent *l1[] = { one };
	size_t c[] = { 1 };
	char id[65], *layers = NULL;
	ck_rootfs *r = NULL;

	snprintf(id, sizeof(id), "%s", make_image(&f, l1, c, 1));
	layers = ck__store_path(f.ctx, "layers");
	ck_test_rmtree(layers);
	CK_CHECK_RC(ck_rootfs_prepare(&r, f.ctx, id, "owner"), CK_ECORRUPT);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not unpacked");
	CK_CHECK(!ck__path_exists(tl_at(f.root, "rootfs/owner")));
	CK_CHECK_RC(ck_rootfs_lookup(&r, f.ctx, "owner"), CK_ENOTFOUND);
	char *users = image_users(&f, id);
	CK_CHECK(users && !strstr(users, "rootfs/"));
	free(users);
	free(layers);
	fx_close(&f);
}

static void rootfs_image_without_layers_mounts_empty(void)
{
	struct fx f = fx_open(false);
	const char *id = make_image(&f, NULL, NULL, 0);
	ck_rootfs *r = NULL;

	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "empty"));
	if (r) {
		CK_CHECK(ck_rootfs_is_overlay(r) == 1);
		CK_CHECK(tl_count(ck_rootfs_path(r)) == 0);
		CK_CHECK_OK(ck_rootfs_release(r, 1));
	}
	ck_rootfs_free(r);
	fx_close(&f);
}

/* A rootless store's layout (user.overlay.* xattrs, owners recorded, not
 * set) read by the kernel's overlay with "userxattr", and by the copy. */
static void rootfs_rootless_layout_reads_the_same(void)
{
	static const tl_ent R1[] = { { .path = "a/keep", .data = "keep" }, { .path = "a/gone", .data = "gone" },
	                             { .path = "b/old", .data = "old" } };
	static const tl_ent R2[] = { { .path = "a/.wh.gone", .data = "" }, { .path = "b/.wh..wh..opq", .data = "" },
	                             { .path = "b/new", .data = "new", .uid = 33 } };
	const tl_ent *layers[] = { R1, R2 };
	size_t counts[] = { TL_N(R1), TL_N(R2) };

	for (int copy = 0; copy < 2; copy++) {
		struct fx f = fx_open(true);
		const char *id = make_image(&f, layers, counts, 2);
		ck_rootfs *r = NULL;
		struct stat st;
		char v[64];

		if (copy)
			setenv("CK_ROOTFS_FORCE_COPY", "1", 1);
		CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "rl"));
		if (r) {
			const char *p = ck_rootfs_path(r);
			CK_CHECK(ck_rootfs_is_overlay(r) == !copy);
			CK_CHECK_STR(tl_read(tl_at(p, "a/keep")), "keep");
			CK_CHECK(lstat(tl_at(p, "a/gone"), &st) < 0);
			CK_CHECK(lstat(tl_at(p, "b/old"), &st) < 0);
			CK_CHECK_STR(tl_read(tl_at(p, "b/new")), "new");
			CK_CHECK(lstat(tl_at(p, "b/new"), &st) == 0 && st.st_uid == 0);
			ssize_t n = getxattr(tl_at(p, "b/new"), CK__XATTR_OVERRIDE, v, sizeof(v) - 1);
			v[n > 0 ? n : 0] = '\0';
			CK_CHECK_STR(v, "33:0:0644");
			CK_CHECK_OK(ck_rootfs_release(r, 1));
		}
		ck_rootfs_free(r);
		fx_close(&f);
	}
}

static void as_nobody_rootfs(const char *root)
{
	struct fx f = { (char *)root, tl_open(root) };
	const char *id = stack_image(&f);
	ck_rootfs *r = NULL;

	CK_CHECK_OK(ck_rootfs_prepare(&r, f.ctx, id, "mine"));
	if (r) {
		/* No overlay mount for an unprivileged user outside a namespace. */
		CK_CHECK(ck_rootfs_is_overlay(r) == 0);
		const char *p = ck_rootfs_path(r);
		CK_CHECK_STR(tl_read(tl_at(p, "a/keep")), "keep");
		CK_CHECK(lstat(tl_at(p, "a/gone"), &(struct stat){ 0 }) < 0);
		CK_CHECK(tl_count(tl_at(p, "b")) == 1);
		CK_CHECK_STR(tl_read(tl_at(p, "c/file")), "v2");
		CK_CHECK_STR(tl_read(tl_at(p, "c/dir")), "dir became a file");
		CK_CHECK_OK(ck_rootfs_release(r, 1));
		CK_CHECK(tl_count(tl_at(root, "rootfs")) == 0);
	}
	ck_rootfs_free(r);
	ck_context_free(f.ctx);
}

/* A real unprivileged user, whose store is rootless. */
static void rootfs_unprivileged_user_gets_a_copy(void)
{
	char *root = ck_test_tmpdir("rootfs-nobody");
	int rc = tl_as_nobody(root, as_nobody_rootfs);

	if (rc == 77)
		CK_SKIP("the test cannot run as user nobody here");
	else
		CK_CHECK(rc == 0);
	ck_test_rmtree(root);
	free(root);
}

CK_TESTS(CK_TEST(rootfs_overlay_applies_whiteouts_and_opaque_dirs), CK_TEST(rootfs_copy_fallback_gives_the_same_view),
         CK_TEST(rootfs_prepare_read_release_keeps_upper), CK_TEST(rootfs_fifty_layers_mount),
         CK_TEST(rootfs_rejects_bad_owner_names), CK_TEST(rootfs_same_owner_other_image_is_refused),
         CK_TEST(rootfs_missing_layer_fails_and_leaves_nothing), CK_TEST(rootfs_image_without_layers_mounts_empty),
         CK_TEST(rootfs_rootless_layout_reads_the_same), CK_TEST(rootfs_unprivileged_user_gets_a_copy))
