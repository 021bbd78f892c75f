/* ck_image_load on bad input: truncated archives, wrong digests, malformed
 * index.json and manifest.json, paths that leave the archive; a load killed
 * midway, and two loads of one archive at once.  Each must fail clearly (or
 * succeed) and leave no partial image behind. */
#define _GNU_SOURCE
#include "test_archive_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- bad input ---- */

static void archive_load_truncated_fails_and_stores_nothing(void)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "full.tar"), *cut = at(root, "cut.tar"),
	     *gz = at(root, "full.tar.gz"), *gzcut = at(root, "cut.tar.gz");
	ck_context *ctx = open_ctx(root);
	struct stat st;

	mk(path, "--format docker-archive --name localhost/t:1 " BB);
	CK_CHECK(stat(path, &st) == 0);
	CK_CHECK(sh("head -c %lld %s > %s", (long long)st.st_size / 2, path, cut) == 0);
	expect_load_fails(ctx, root, cut, CK_ECORRUPT, "cut.tar");
	CK_CHECK_CONTAINS(last_msg, "truncated");

	mk(gz, "--format oci-archive --name localhost/t:1 " BB " --archive-compress gzip");
	CK_CHECK(stat(gz, &st) == 0);
	CK_CHECK(sh("head -c %lld %s > %s", (long long)st.st_size * 2 / 3, gz, gzcut) == 0);
	expect_load_fails(ctx, root, gzcut, CK_ECORRUPT, "cut.tar.gz");
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(path);
	free(cut);
	free(gz);
	free(gzcut);
	free(root);
}

static void archive_load_not_an_archive_is_refused(void)
{
	char *root = ck_test_tmpdir("archive"), *junk = at(root, "junk.tar"), *empty = at(root, "empty.tar"),
	     *plain = at(root, "plain.tar"), *missing = at(root, "missing.tar");
	ck_context *ctx = open_ctx(root);

	CK_CHECK(sh("head -c 5000 /dev/urandom > %s && : > %s", junk, empty) == 0);
	tent files[] = { { "hello.txt", 'f', "hi\n", NULL } };
	char *seed = at(root, "seed.tar");
	mk(seed, "--format oci-archive " BB);
	tar_edit(seed, plain, "index.json", NULL, files, 1); /* a tar, but no index.json */
	CK_CHECK(sh("tar --delete -f %s oci-layout", plain) == 0);
	expect_load_fails(ctx, root, junk, CK_EINVAL, "junk.tar is neither an oci-archive nor a docker-archive");
	expect_load_fails(ctx, root, empty, CK_EINVAL, "empty.tar is neither an oci-archive nor a docker-archive");
	expect_load_fails(ctx, root, plain, CK_EINVAL, "plain.tar is neither an oci-archive nor a docker-archive");
	expect_load_fails(ctx, root, missing, CK_ENOTFOUND, "missing.tar");
	CK_CHECK_RC(ck_image_load(NULL, ctx, NULL, NULL, NULL), CK_EINVAL);
	free(seed);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(junk);
	free(empty);
	free(plain);
	free(missing);
	free(root);
}

/* A blob whose content does not match its name: CK_EDIGEST, no image, and
 * nothing in the store, whichever blob it is. */
static void archive_load_digest_mismatch_fails(void)
{
	char *root = ck_test_tmpdir("archive"), *lay = at(root, "lay"), *bad = at(root, "bad.tar"), args[512];
	ck_context *ctx = open_ctx(root);

	char *id = mk_id(lay, "--format oci-dir --name localhost/d:1 " BB);
	/* Flip one byte of the config. */
	CK_CHECK(sh("cd %s/blobs/sha256 && printf X | dd of=%s bs=1 seek=10 conv=notrunc status=none", lay, id) == 0);
	snprintf(args, sizeof(args), "--format oci-archive --from-dir %s", lay);
	mk(bad, args);
	expect_load_fails(ctx, root, bad, CK_EDIGEST, "does not match its digest");
	CK_CHECK_CONTAINS(last_msg, id);
	CK_CHECK_CONTAINS(last_msg, "bad.tar");
	/* The layout directory itself fails the same way. */
	expect_load_fails(ctx, root, lay, CK_EDIGEST, "does not match its digest");

	/* docker-archive: a layer that is not the config's diff id. */
	char *d = at(root, "d.tar"), *dbad = at(root, "dbad.tar"), layer[100] = "";
	mk(d, "--format docker-archive --name localhost/d:2 " BB);
	first_line(layer, sizeof(layer), "tar -tf %s | grep '\\.tar$'", d);
	CK_CHECK(layer[0] != '\0');
	tar_edit(d, dbad, layer, "not the layer", NULL, 0);
	expect_load_fails(ctx, root, dbad, CK_EDIGEST, "diff id");
	free(d);
	free(dbad);
	free(id);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(lay);
	free(bad);
	free(root);
}

static void archive_load_malformed_json_fails_clearly(void)
{
	char *root = ck_test_tmpdir("archive"), *oci = at(root, "o.tar"), *dock = at(root, "d.tar"),
	     *bad = at(root, "bad.tar");
	ck_context *ctx = open_ctx(root);
	static const struct {
		bool docker;
		const char *name, *content, *needle;
		int code;
	} cases[] = {
		{ false, "index.json", "{\"manifests\": [", "index.json", CK_ECORRUPT },
		{ false, "index.json", "[]", "index.json: expected a JSON object", CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": {}}", "\"manifests\" must be an array", CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": []}", "lists no images", CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": [{\"digest\": 5}]}", "manifests[0]: \"digest\" must be a string",
		  CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": [{\"digest\": \"sha256:zz\", \"size\": 1}]}", "manifests[0]",
		  CK_EINVAL },
		{ false, "index.json",
		  "{\"manifests\": [{\"digest\": \"sha256:0000000000000000000000000000000000000000000000000000000000000000\","
		  " \"size\": 10}]}", "is not in the archive", CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": [{\"digest\": \"x\", \"size\": \"big\"}]}", "\"size\" must be an integer",
		  CK_ECORRUPT },
		{ false, "index.json", "{\"manifests\": [{\"digest\": \"x\", \"annotations\": []}]}",
		  "\"annotations\" must be an object", CK_ECORRUPT },
		{ false, "oci-layout", "{\"imageLayoutVersion\": 1}", "oci-layout", CK_ECORRUPT },
		{ true, "manifest.json", "[{\"Config\": ", "manifest.json", CK_ECORRUPT },
		{ true, "manifest.json", "{}", "manifest.json: expected a JSON array", CK_ECORRUPT },
		{ true, "manifest.json", "[]", "lists no images", CK_ECORRUPT },
		{ true, "manifest.json", "[{\"Config\": 1, \"Layers\": []}]", "\"Config\" must be a string", CK_ECORRUPT },
		{ true, "manifest.json", "[{\"Config\": \"a.json\", \"Layers\": \"x\"}]", "\"Layers\" must be an array",
		  CK_ECORRUPT },
		{ true, "manifest.json", "[{\"Config\": \"nothere.json\", \"Layers\": []}]", "no entry nothere.json",
		  CK_ECORRUPT },
		{ true, "manifest.json", "[{\"Config\": \"../x.json\", \"Layers\": []}]", "refused", CK_EINVAL },
	};

	mk(oci, "--format oci-archive --name localhost/m:1 " BB);
	mk(dock, "--format docker-archive --name localhost/m:1 " BB);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fprintf(stderr, "  case %zu: %s = %s\n", i, cases[i].name, cases[i].content);
		tar_edit(cases[i].docker ? dock : oci, bad, cases[i].name, cases[i].content, NULL, 0);
		expect_load_fails(ctx, root, bad, cases[i].code, cases[i].needle);
		CK_CHECK_CONTAINS(last_msg, "bad.tar");
	}
	/* A docker config whose diff ids do not match the layer count. */
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(oci);
	free(dock);
	free(bad);
	free(root);
}

static void archive_load_escaping_paths_are_refused(void)
{
	char *root = ck_test_tmpdir("archive"), *src = at(root, "o.tar"), *bad = at(root, "bad.tar"),
	     *abs_target = at(root, "abs-evil");
	ck_context *ctx = open_ctx(root);
	tent cases[][1] = {
		{ { "../evil", 'f', "x", NULL } },
		{ { "blobs/../../evil", 'f', "x", NULL } },
		{ { abs_target, 'f', "x", NULL } },
		{ { "blobs/sha256/link", 's', NULL, "../../../../../etc/passwd" } },
		{ { "blobs/sha256/abslink", 's', NULL, "/etc/passwd" } },
		{ { "hard", 'h', NULL, "../etc/passwd" } },
		{ { "dev", 'c', NULL, NULL } },
	};
	static const char *const needles[] = { "\"..\" component", "\"..\" component", "absolute path",
	                                       "points outside the archive", "points outside the archive",
	                                       "points outside the archive", "character device" };

	mk(src, "--format oci-archive --name localhost/e:1 " BB);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tar_edit(src, bad, NULL, NULL, cases[i], 1);
		expect_load_fails(ctx, root, bad, CK_EINVAL, needles[i]);
		CK_CHECK_CONTAINS(last_msg, "refused");
	}
	char *evil1 = at(root, "store/images/evil"), *evil2 = at(root, "store/evil");
	CK_CHECK(access(abs_target, F_OK) < 0 && access(evil1, F_OK) < 0 && access(evil2, F_OK) < 0);
	free(evil1);
	free(evil2);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(abs_target);
	free(src);
	free(bad);
	free(root);
}

/* Of two images in one archive, the second is broken: neither is loaded. */
static void archive_load_is_all_or_nothing(void)
{
	char *root = ck_test_tmpdir("archive"), *lay = at(root, "lay"), *bad = at(root, "bad.tar"), args[512];
	ck_context *ctx = open_ctx(root);

	mk(lay, "--format oci-dir --name localhost/good:1 " BB);
	char *id = mk_id(lay, "--format oci-dir --append --name localhost/broken:1 " BB " --label broken=yes");
	CK_CHECK(sh("cd %s/blobs/sha256 && printf X | dd of=%s bs=1 seek=3 conv=notrunc status=none", lay, id) == 0);
	snprintf(args, sizeof(args), "--format oci-archive --from-dir %s", lay);
	mk(bad, args);
	expect_load_fails(ctx, root, bad, CK_EDIGEST, "manifests[1]");
	free(id);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(lay);
	free(bad);
	free(root);
}

/* Three images in one archive, the last one bad in a way that shows only
 * late (its layer is not its config's diff id, or its config is not an image
 * config): the load fails naming that image, none of the three appears, a
 * name the archive would have moved stays on the image that held it, what
 * the load stored is removed again, and the next load finds images/tmp
 * empty and the store consistent. */
static void bad_last_image(const char *format, const char *how, int code, const char *needle)
{
	char *root = ck_test_tmpdir("archive"), *lay = at(root, "lay"), *bad = at(root, "bad.tar"),
	     *old = at(root, "old.tar"), *good = at(root, "good.tar"), *blobs = at(root, "store/images/blobs/sha256"),
	     *layers = at(root, "store/images/layers"), *tmp = at(root, "store/images/tmp"), args[512], **names = NULL;
	ck_context *ctx = open_ctx(root);

	fprintf(stderr, "  %s, last image %s\n", format, how);
	char *old_id = mk_id(old, "--format docker-archive --name localhost/a:1 " BB " --label old=1");
	CK_CHECK_OK(ck_image_load(NULL, ctx, old, NULL, NULL));
	size_t blobs0 = count_entries(blobs), layers0 = count_entries(layers);
	for (int i = 0; i < 3; i++) {
		CK_CHECK(sh("mkdir -p %s/l%d/etc && echo %d > %s/l%d/etc/which", root, i, i, root, i) == 0);
		snprintf(args, sizeof(args), "--format oci-dir %s --name localhost/%c:1 " BB " --layer-dir %s/l%d",
		         i ? "--append" : "", 'a' + i, root, i);
		mk(lay, args);
	}
	oci_spoil(lay, 2, how);
	snprintf(args, sizeof(args), "--format %s --from-dir %s", format, lay);
	mk(bad, args);

	CK_CHECK_RC(ck_image_load(&names, ctx, bad, NULL, NULL), code);
	snprintf(last_msg, sizeof(last_msg), "%s", ck_error_last()->message);
	fprintf(stderr, "  %s\n", last_msg);
	CK_CHECK(names == NULL);
	CK_CHECK_CONTAINS(last_msg, needle);
	CK_CHECK_CONTAINS(last_msg, "bad.tar");
	CK_CHECK_CONTAINS(last_msg, "localhost/c:1");
	CK_CHECK_CONTAINS(last_msg, !strcmp(format, "docker-archive") ? "manifest.json[2]" : "manifests[2]");
	/* Nothing of the archive is visible: the old image keeps its name. */
	CK_CHECK(count_images(ctx) == 1);
	char *a = image_id(ctx, "localhost/a:1"), *b = image_id(ctx, "localhost/b:1"),
	     *c = image_id(ctx, "localhost/c:1");
	CK_CHECK_STR(a, old_id);
	CK_CHECK(b == NULL && c == NULL);
	/* What the load stored went again; its staging too. */
	CK_CHECK(count_entries(blobs) == blobs0);
	CK_CHECK(count_entries(layers) == layers0);
	CK_CHECK(count_entries(tmp) == 0);

	/* The next operation: a good archive loads, and leaves nothing behind. */
	mk(good, "--format oci-archive --name localhost/good:1 " BB " --label good=1");
	CK_CHECK_OK(ck_image_load(NULL, ctx, good, NULL, NULL));
	CK_CHECK(count_images(ctx) == 2);
	CK_CHECK(count_entries(tmp) == 0);
	char *report = NULL;
	CK_CHECK_OK(ck_system_check(&report, ctx, 0));
	CK_CHECK_CONTAINS(report, "\"ok\":true");
	ck_free(report);
	free(a);
	free(b);
	free(c);
	free(old_id);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(blobs);
	free(layers);
	free(tmp);
	free(good);
	free(old);
	free(lay);
	free(bad);
	free(root);
}

static void archive_load_bad_last_layer_commits_nothing(void)
{
	bad_last_image("oci-archive", "bad-layer", CK_EDIGEST, "diff id");
	bad_last_image("docker-archive", "bad-layer", CK_EDIGEST, "diff id");
}

static void archive_load_last_image_not_an_image_commits_nothing(void)
{
	bad_last_image("oci-archive", "artifact", CK_EUNSUPPORTED, "not a container image");
}

/* ---- crashes and concurrency ---- */

/* A load killed with SIGKILL while it reads the archive leaves no image;
 * the next load succeeds and removes the dead load's directory. */
static void archive_load_killed_midway_leaves_nothing(void)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "big.tar"), *fifo = at(root, "fifo"),
	     *big = at(root, "bigdir"), args[512], *tmp = at(root, "store/images/tmp"), prefix[64];
	ck_context *ctx = open_ctx(root);
	struct stat st;

	CK_CHECK(sh("mkdir -p %s && head -c 33554432 /dev/urandom > %s/blob", big, big) == 0);
	snprintf(args, sizeof(args), "--format docker-archive --name localhost/big:1 " BB " --layer-dir %s", big);
	mk(path, args);
	CK_CHECK(stat(path, &st) == 0);
	CK_CHECK(mkfifo(fifo, 0600) == 0);

	pid_t child = fork();
	if (child == 0) {
		ck_context *c = open_ctx(root);
		int rc = ck_image_load(NULL, c, fifo, NULL, NULL);
		_exit(rc == 0 ? 0 : 1);
	}
	/* Feed it half of the archive, then kill it while it waits for more. */
	int in = open(path, O_RDONLY), out = open(fifo, O_WRONLY);
	char buf[65536];
	off_t sent = 0;
	while (sent < st.st_size / 2) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n <= 0 || write(out, buf, (size_t)n) != n)
			break;
		sent += n;
	}
	snprintf(prefix, sizeof(prefix), "load-%ld-", (long)child);
	for (int i = 0; i < 500 && count_prefix(tmp, prefix) == 0; i++)
		usleep(10000);
	usleep(200000);
	CK_CHECK(count_prefix(tmp, prefix) == 1);
	kill(child, SIGKILL);
	int status = 0;
	waitpid(child, &status, 0);
	CK_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(out);
	close(in);

	CK_CHECK(count_images(ctx) == 0);
	char *blobs = at(root, "store/images/blobs/sha256");
	CK_CHECK(count_entries(blobs) == 0);
	CK_CHECK(count_prefix(tmp, prefix) == 1); /* the dead load's staging, until someone sweeps */

	char **names = NULL;
	CK_CHECK_OK(ck_image_load(&names, ctx, path, NULL, NULL));
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/big:1");
	CK_CHECK(count_prefix(tmp, prefix) == 0);
	CK_CHECK(count_entries(tmp) == 0);
	CK_CHECK(count_images(ctx) == 1);
	ck_strv_free(names);
	free(blobs);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(tmp);
	free(big);
	free(fifo);
	free(path);
	free(root);
}

/* The directory of a load that died is also removed by ck system check
 * --repair, once it is old enough that no live writer can be making it. */
static void archive_dead_load_is_repaired_by_system_check(void)
{
	char *root = ck_test_tmpdir("archive"), *tmp = at(root, "store/images/tmp"), *report = NULL;
	ck_context *ctx = open_ctx(root);

	/* What a load killed after staging leaves: its locked directory, whose
	 * lock died with it. */
	pid_t child = fork();
	if (child == 0) {
		char *path = NULL;
		if (asprintf(&path, "%s/load-%ld-0123456789abcdef", tmp, (long)getpid()) < 0 ||
		    sh("mkdir -p %s && head -c 100000 /dev/urandom > %s/0", path, path) != 0)
			_exit(1);
		_exit(0);
	}
	int st = 0;
	waitpid(child, &st, 0);
	CK_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CK_CHECK(count_prefix(tmp, "load-") == 1);
	CK_CHECK(sh("touch -d '5 minutes ago' %s/load-*", tmp) == 0);
	CK_CHECK_OK(ck_system_check(&report, ctx, CK_CHECK_REPAIR));
	CK_CHECK_CONTAINS(report, "load-");
	CK_CHECK(count_prefix(tmp, "load-") == 0);
	ck_free(report);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(tmp);
	free(root);
}

static void archive_two_loads_of_one_archive_at_once(void)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "c.tar"), *l2 = at(root, "l2"), args[512];
	ck_context *ctx = open_ctx(root);
	int go[2];

	CK_CHECK(sh("mkdir -p %s && head -c 8000000 /dev/urandom > %s/data", l2, l2) == 0);
	snprintf(args, sizeof(args), "--format oci-archive --name localhost/c:1 --name localhost/c:2 " BB
	         " --layer-dir %s", l2);
	char *want = mk_id(path, args);
	CK_CHECK(pipe(go) == 0);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			ck_context *cc = open_ctx(root);
			int rc = ck_image_load(NULL, cc, path, NULL, NULL);
			if (rc != 0)
				fprintf(stderr, "  child %d: %s\n", k, ck_error_last()->message);
			ck_context_free(cc);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]); /* both start now */
	for (int k = 0; k < 2; k++) {
		int st = 0;
		waitpid(kids[k], &st, 0);
		CK_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CK_CHECK(count_images(ctx) == 1);
	char *a = image_id(ctx, "localhost/c:1"), *b = image_id(ctx, "localhost/c:2");
	CK_CHECK_STR(a, want);
	CK_CHECK_STR(b, want);
	char *layers = at(root, "store/images/layers"), *blobs = at(root, "store/images/blobs/sha256"),
	     *tmp = at(root, "store/images/tmp");
	CK_CHECK(count_entries(layers) == 2);
	CK_CHECK(count_entries(blobs) == 4); /* config, two layers, manifest */
	CK_CHECK(count_entries(tmp) == 0);
	free(layers);
	free(blobs);
	free(tmp);
	free(a);
	free(b);
	free(want);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(l2);
	free(path);
	free(root);
}

CK_TESTS(CK_TEST(archive_load_truncated_fails_and_stores_nothing),
         CK_TEST(archive_load_not_an_archive_is_refused), CK_TEST(archive_load_digest_mismatch_fails),
         CK_TEST(archive_load_malformed_json_fails_clearly),
         CK_TEST(archive_load_escaping_paths_are_refused), CK_TEST(archive_load_is_all_or_nothing),
         CK_TEST(archive_load_bad_last_layer_commits_nothing),
         CK_TEST(archive_load_last_image_not_an_image_commits_nothing),
         CK_TEST(archive_load_killed_midway_leaves_nothing),
         CK_TEST(archive_dead_load_is_repaired_by_system_check),
         CK_TEST(archive_two_loads_of_one_archive_at_once))
