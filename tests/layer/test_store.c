/* The content store: blobs are verified while they stream in, mismatches
 * and oversize content fail with the digest named and leave nothing behind,
 * concurrent writers of one blob all succeed and store it once. */
#define _GNU_SOURCE
#include "test_layer_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static const char hello_digest[] = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

static void store_put_read_roundtrip(void)
{
	char *root = ck_test_tmpdir("store"), *d = NULL, *data = NULL, *path;
	ck_context *ctx = tl_open(root);
	size_t len = 0;

	CK_CHECK_OK(ck__blob_put(&d, ctx, "hello", 5, hello_digest));
	CK_CHECK_STR(d, hello_digest);
	CK_CHECK(ck__blob_exists(ctx, hello_digest));
	path = ck__blob_path(ctx, hello_digest);
	CK_CHECK_STR(path, tl_at(root, "images/blobs/sha256/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
	CK_CHECK_OK(ck__blob_read(&data, &len, ctx, hello_digest, 100));
	CK_CHECK(len == 5 && data && !memcmp(data, "hello", 5));
	/* Again: already there, nothing written. */
	CK_CHECK_OK(ck__blob_put(NULL, ctx, "hello", 5, NULL));
	CK_CHECK(tl_store_clean(ctx));
	CK_CHECK_OK(ck__blob_remove(ctx, hello_digest));
	CK_CHECK(!ck__blob_exists(ctx, hello_digest));
	CK_CHECK_OK(ck__blob_remove(ctx, hello_digest));
	free(d);
	free(data);
	free(path);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_writer_mismatch_fails_and_leaves_nothing(void)
{
	char *root = ck_test_tmpdir("store"), *d = NULL;
	ck_context *ctx = tl_open(root);
	ck__blob_writer *w = NULL;

	CK_CHECK_OK(ck__blob_writer_new(&w, ctx, hello_digest, -1));
	CK_CHECK_OK(ck__blob_writer_write(w, "hellO", 5));
	CK_CHECK(ck__blob_writer_offset(w) == 5);
	CK_CHECK_RC(ck__blob_writer_commit(&d, w), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "blob sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824: "
	                                            "content has digest sha256:");
	CK_CHECK(d == NULL);
	CK_CHECK(!ck__blob_exists(ctx, hello_digest));
	CK_CHECK(tl_store_clean(ctx));
	/* The one-call form refuses before writing anything. */
	CK_CHECK_RC(ck__blob_put(NULL, ctx, "hellO", 5, hello_digest), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "content has digest");
	CK_CHECK(tl_store_clean(ctx));
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_writer_oversize_fails_at_once(void)
{
	char *root = ck_test_tmpdir("store");
	ck_context *ctx = tl_open(root);
	ck__blob_writer *w = NULL;

	CK_CHECK_OK(ck__blob_writer_new(&w, ctx, hello_digest, 5));
	CK_CHECK_OK(ck__blob_writer_write(w, "hel", 3));
	CK_CHECK_RC(ck__blob_writer_write(w, "lo!", 3), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, hello_digest);
	CK_CHECK_CONTAINS(ck_error_last()->message, "larger than the expected 5 bytes");
	/* Gone before the caller even aborts. */
	CK_CHECK(tl_store_clean(ctx));
	CK_CHECK_RC(ck__blob_writer_write(w, "x", 1), CK_ESTATE);
	ck__blob_writer_abort(w);
	CK_CHECK(!ck__blob_exists(ctx, hello_digest));
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_writer_short_content_fails(void)
{
	char *root = ck_test_tmpdir("store");
	ck_context *ctx = tl_open(root);
	ck__blob_writer *w = NULL;

	CK_CHECK_OK(ck__blob_writer_new(&w, ctx, NULL, 10));
	CK_CHECK_OK(ck__blob_writer_write(w, "hello", 5));
	CK_CHECK_RC(ck__blob_writer_commit(NULL, w), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "content is 5 bytes, expected 10");
	CK_CHECK_CONTAINS(ck_error_last()->message, hello_digest);
	CK_CHECK(tl_store_clean(ctx));
	CK_CHECK(!ck__blob_exists(ctx, hello_digest));
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_writer_names_blob_by_content(void)
{
	char *root = ck_test_tmpdir("store"), *d = NULL;
	ck_context *ctx = tl_open(root);
	ck__blob_writer *w = NULL;

	CK_CHECK_OK(ck__blob_writer_new(&w, ctx, NULL, -1));
	CK_CHECK_OK(ck__blob_writer_write(w, "hel", 3));
	CK_CHECK_OK(ck__blob_writer_write(w, "lo", 2));
	CK_CHECK_OK(ck__blob_writer_commit(&d, w));
	CK_CHECK_STR(d, hello_digest);
	CK_CHECK(ck__blob_exists(ctx, hello_digest));
	/* Aborting a fresh writer leaves nothing. */
	CK_CHECK_OK(ck__blob_writer_new(&w, ctx, NULL, -1));
	CK_CHECK_OK(ck__blob_writer_write(w, "partial", 7));
	ck__blob_writer_abort(w);
	ck__blob_writer_abort(NULL);
	CK_CHECK(tl_store_clean(ctx));
	free(d);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

#define BIG (4u << 20)

static void store_concurrent_writers_store_once(void)
{
	char *root = ck_test_tmpdir("store"), digest[72], *data = malloc(BIG), *back = NULL;
	ck_context *ctx = tl_open(root);
	pid_t kids[8];
	size_t len = 0;

	for (size_t i = 0; i < BIG; i++)
		data[i] = (char)(i * 31 + (i >> 12));
	tl_digest(digest, data, BIG);
	for (int k = 0; k < 8; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			ck_context *c = tl_open(root);
			ck__blob_writer *w = NULL;
			int rc = ck__blob_writer_new(&w, c, digest, BIG);
			for (size_t off = 0; rc == 0 && off < BIG; off += 65536) {
				rc = ck__blob_writer_write(w, data + off, 65536);
				if (off % (1u << 20) == 0)
					usleep(1000); /* interleave the writers */
			}
			if (rc == 0)
				rc = ck__blob_writer_commit(NULL, w);
			else
				ck__blob_writer_abort(w);
			if (rc)
				fprintf(stderr, "  writer %d: %s\n", k, ck_error_last()->message);
			_exit(rc ? 1 : 0);
		}
	}
	for (int k = 0; k < 8; k++) {
		int st = 0;
		waitpid(kids[k], &st, 0);
		CK_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CK_CHECK(tl_count(tl_at(root, "images/blobs/sha256")) == 1);
	CK_CHECK(tl_store_clean(ctx));
	CK_CHECK_OK(ck__blob_read(&back, &len, ctx, digest, BIG));
	CK_CHECK(len == BIG && back && !memcmp(back, data, BIG));
	free(back);
	free(data);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_read_detects_corruption(void)
{
	char *root = ck_test_tmpdir("store"), *data = NULL, *path;
	ck_context *ctx = tl_open(root);
	size_t len;
	int fd;

	CK_CHECK_OK(ck__blob_put(NULL, ctx, "hello", 5, NULL));
	path = ck__blob_path(ctx, hello_digest);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CK_CHECK(fd >= 0 && pwrite(fd, "J", 1, 0) == 1);
	close(fd);
	CK_CHECK_RC(ck__blob_read(&data, &len, ctx, hello_digest, 100), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "content has digest sha256:");
	CK_CHECK(data == NULL);
	CK_CHECK_RC(ck__blob_read(&data, &len, ctx, hello_digest, 4), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "more than the 4 allowed");
	CK_CHECK_RC(ck__blob_read(&data, &len, ctx, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	                          100), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not in the store");
	free(path);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_rejects_malformed_digests(void)
{
	char hex[65];

	CK_CHECK_RC(ck__digest_parse("sha256:XYZ", hex), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "sha256:XYZ");
	CK_CHECK_RC(ck__digest_parse("sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", hex),
	            CK_EINVAL);
	CK_CHECK_RC(ck__digest_parse("sha512:abcd", hex), CK_EUNSUPPORTED);
	CK_CHECK_CONTAINS(ck_error_last()->message, "sha512");
	CK_CHECK_RC(ck__digest_parse("2cf24dba", hex), CK_EINVAL);
	CK_CHECK_RC(ck__digest_parse(":abc", hex), CK_EINVAL);
	CK_CHECK_RC(ck__digest_parse("", hex), CK_EINVAL);
	CK_CHECK_RC(ck__digest_parse(NULL, hex), CK_EINVAL);
	CK_CHECK_OK(ck__digest_parse(hello_digest, hex));
	CK_CHECK_STR(hex, hello_digest + 7);

	char *root = ck_test_tmpdir("store");
	ck_context *ctx = tl_open(root);
	ck__blob_writer *w = NULL;
	CK_CHECK_RC(ck__blob_writer_new(&w, ctx, "sha256:../../etc", -1), CK_EINVAL);
	CK_CHECK(w == NULL);
	CK_CHECK(ck__blob_path(ctx, "sha256:../../etc/passwd") == NULL);
	CK_CHECK(!ck__blob_exists(ctx, "nonsense"));
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void store_sweep_removes_only_dead_temporaries(void)
{
	char *root = ck_test_tmpdir("store"), *tmp;
	ck_context *ctx = tl_open(root);
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	int held, dead;

	CK_CHECK_OK(ck__store_tmp_dir(&tmp, ctx));
	dead = open(tl_at(tmp, "blob-dead"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	held = open(tl_at(tmp, "blob-held"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CK_CHECK(dead >= 0 && held >= 0);
	CK_CHECK(flock(held, LOCK_EX) == 0);
	close(dead);
	mkdir(tl_at(tmp, "layer-dead"), 0700);
	mkdir(tl_at(tmp, "layer-dead/sub"), 0700);
	utimensat(AT_FDCWD, tl_at(tmp, "blob-dead"), old, 0);
	utimensat(AT_FDCWD, tl_at(tmp, "blob-held"), old, 0);
	utimensat(AT_FDCWD, tl_at(tmp, "layer-dead"), old, 0);
	/* ctime cannot be set back: judge age from the future instead. */
	CK_CHECK(ck__store_tmp_sweep(ctx) == 0);
	CK_CHECK(tl_count(tmp) == 3);
	ck__image_tmp_stale_seconds = -10;
	CK_CHECK(ck__store_tmp_sweep(ctx) == 2);
	CK_CHECK(tl_count(tmp) == 1);
	CK_CHECK(ck__path_exists(tl_at(tmp, "blob-held")));
	ck__image_tmp_stale_seconds = 60;
	close(held);
	free(tmp);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

CK_TESTS(CK_TEST(store_put_read_roundtrip), CK_TEST(store_writer_mismatch_fails_and_leaves_nothing),
         CK_TEST(store_writer_oversize_fails_at_once), CK_TEST(store_writer_short_content_fails),
         CK_TEST(store_writer_names_blob_by_content), CK_TEST(store_concurrent_writers_store_once),
         CK_TEST(store_read_detects_corruption), CK_TEST(store_rejects_malformed_digests),
         CK_TEST(store_sweep_removes_only_dead_temporaries))
