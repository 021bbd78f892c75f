/* ck_image_load and ck_image_save through the public API: every archive
 * format (plain, gzip, zstd) from tests/fixtures/mkimage.py, multi-image
 * archives, layers with whiteouts, podman-style links, and round trips
 * through each save format with the image id kept. */
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

/* ---- loading each format ---- */

static void load_one(const char *format, const char *compress, bool outer)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "img.tar"), args[256], **names = NULL;
	ck_context *ctx = open_ctx(root);

	snprintf(args, sizeof(args), "--format %s --name localhost/busybox:latest %s %s %s", format, BB,
	         outer ? "--archive-compress" : "--compress", compress);
	char *want = mk_id(path, args);
	CK_CHECK(want != NULL);
	CK_CHECK_OK(ck_image_load(&names, ctx, path, NULL, NULL));
	CK_CHECK(names && names[0] && !names[1]);
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/busybox:latest");
	char *id = image_id(ctx, "localhost/busybox:latest");
	CK_CHECK_STR(id, want);
	CK_CHECK(count_images(ctx) == 1);
	char *tmp = at(root, "store/images/tmp");
	CK_CHECK(count_entries(tmp) == 0);
	free(tmp);
	/* Loading it again changes nothing. */
	ck_strv_free(names);
	names = NULL;
	CK_CHECK_OK(ck_image_load(&names, ctx, path, NULL, NULL));
	CK_CHECK(count_images(ctx) == 1);
	ck_strv_free(names);
	free(id);
	free(want);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(path);
	free(root);
}

static void archive_load_oci_archive_gzip_layers(void) { load_one("oci-archive", "gzip", false); }
static void archive_load_oci_archive_zstd_layers(void) { load_one("oci-archive", "zstd", false); }
static void archive_load_oci_archive_plain_layers(void) { load_one("oci-archive", "none", false); }
static void archive_load_oci_archive_gzip_file(void) { load_one("oci-archive", "gzip", true); }
static void archive_load_oci_archive_zstd_file(void) { load_one("oci-archive", "zstd", true); }
static void archive_load_docker_archive_plain(void) { load_one("docker-archive", "none", false); }
static void archive_load_docker_archive_gzip(void) { load_one("docker-archive", "gzip", false); }
static void archive_load_docker_archive_zstd(void) { load_one("docker-archive", "zstd", false); }

static void archive_load_oci_dir(void)
{
	char *root = ck_test_tmpdir("archive"), *dir = at(root, "layout"), **names = NULL;
	ck_context *ctx = open_ctx(root);
	char *want = mk_id(dir, "--format oci-dir --name localhost/dir:1 " BB);

	CK_CHECK_OK(ck_image_load(&names, ctx, dir, NULL, NULL));
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/dir:1");
	char *id = image_id(ctx, "localhost/dir:1");
	CK_CHECK_STR(id, want);
	/* A directory that is not a layout is refused by name. */
	char *plain = at(root, "plain");
	mkdir(plain, 0755);
	CK_CHECK_RC(ck_image_load(NULL, ctx, plain, NULL, NULL), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "not an OCI layout");
	free(plain);
	free(id);
	free(want);
	ck_strv_free(names);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(dir);
	free(root);
}

/* A layout directory is read on demand: many layers (more entries than
 * the first allocation holds) load as well as from an archive. */
static void archive_load_oci_dir_with_many_layers(void)
{
	char *root = ck_test_tmpdir("archive"), *dir = at(root, "layout"), *args = NULL, *tmp;
	ck_context *ctx = open_ctx(root);
	size_t len = 0;
	FILE *f = open_memstream(&args, &len);

	fprintf(f, "--format oci-dir --name localhost/many:1 " BB);
	for (int i = 0; i < 80; i++) {
		char *d = NULL;
		if (asprintf(&d, "%s/l%02d", root, i) < 0)
			abort();
		CK_CHECK(sh("mkdir -p %s/layer%02d && echo %d > %s/layer%02d/file", d, i, i, d, i) == 0);
		fprintf(f, " --layer-dir %s", d);
		free(d);
	}
	fclose(f);
	char *want = mk_id(dir, args);
	CK_CHECK_OK(ck_image_load(NULL, ctx, dir, NULL, NULL));
	char *id = image_id(ctx, "localhost/many:1");
	CK_CHECK_STR(id, want);
	tmp = at(root, "store/images/layers");
	CK_CHECK(count_entries(tmp) == 81);
	free(tmp);
	free(id);
	free(want);
	free(args);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(dir);
	free(root);
}

static void archive_load_multi_image_archives(void)
{
	char *root = ck_test_tmpdir("archive"), *lay = at(root, "lay"), *oci = at(root, "multi-oci.tar"),
	     *dock = at(root, "multi-docker.tar"), **names = NULL, args[512];
	ck_context *ctx = open_ctx(root);

	mk(lay, "--format oci-dir --name localhost/one:1 " BB " --label n=1");
	mk(lay, "--format oci-dir --append --name localhost/two:2 --name localhost/two:latest " BB " --label n=2");
	mk(lay, "--format oci-dir --append " BB " --label n=3"); /* unnamed */
	snprintf(args, sizeof(args), "--format oci-archive --from-dir '%s'", lay);
	mk(oci, args);
	snprintf(args, sizeof(args), "--format docker-archive --from-dir '%s'", lay);
	mk(dock, args);

	CK_CHECK_OK(ck_image_load(&names, ctx, oci, NULL, NULL));
	CK_CHECK(names && names[0] && names[1] && names[2] && names[3] && !names[4]);
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/one:1");
	CK_CHECK_STR(names ? names[1] : NULL, "localhost/two:2");
	CK_CHECK_STR(names ? names[2] : NULL, "localhost/two:latest");
	CK_CHECK(names && names[3] && strlen(names[3]) == 64); /* the unnamed one, by id */
	CK_CHECK(count_images(ctx) == 3);
	char *id3 = names && names[3] ? strdup(names[3]) : NULL, *id3b = id3 ? image_id(ctx, id3) : NULL;
	CK_CHECK_STR(id3b, id3);
	ck_strv_free(names);
	names = NULL;
	ck_context_free(ctx);

	/* The same images from the docker-archive, in a fresh store. */
	char *root2 = ck_test_tmpdir("archive");
	ctx = open_ctx(root2);
	CK_CHECK_OK(ck_image_load(&names, ctx, dock, NULL, NULL));
	CK_CHECK(count_images(ctx) == 3);
	char *a = image_id(ctx, "localhost/two:2"), *b = image_id(ctx, "localhost/two:latest");
	CK_CHECK(a && b && !strcmp(a, b));
	ck_context *ctx1 = open_ctx(root);
	char *c = image_id(ctx1, "localhost/two:2");
	CK_CHECK_STR(a, c);
	free(a);
	free(b);
	free(c);
	free(id3);
	free(id3b);
	ck_context_free(ctx1);
	ck_strv_free(names);
	ck_context_free(ctx);
	ck_test_rmtree(root2);
	ck_test_rmtree(root);
	free(root2);
	free(lay);
	free(oci);
	free(dock);
	free(root);
}

/* Layers that delete, replace and hide files load, every layer is
 * unpacked, and the root filesystem shows the result. */
static void archive_load_whiteout_layers(void)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "wh.tar"), *l2 = at(root, "l2"), *l3 = at(root, "l3"),
	     args[1024], **names = NULL;
	ck_context *ctx = open_ctx(root);
	ck_rootfs *rfs = NULL;

	/* l2: replaces /etc/passwd, deletes /var/www/index.html, adds /etc/motd and
	 * an opaque /tmp with one file; l3: deletes /etc/motd again. */
	CK_CHECK(sh("mkdir -p %s/etc %s/var/www %s/tmp && echo 'root:x:0:0::/:/bin/sh' > %s/etc/passwd && "
	            "echo hello > %s/etc/motd && touch %s/var/www/.wh.index.html %s/tmp/.wh..wh..opq && "
	            "echo new > %s/tmp/fresh && mkdir -p %s/etc && touch %s/etc/.wh.motd",
	            l2, l2, l2, l2, l2, l2, l2, l2, l3, l3) == 0);
	snprintf(args, sizeof(args), "--format docker-archive --name localhost/wh:1 " BB " --layer-dir %s --layer-dir %s",
	         l2, l3);
	mk(path, args);
	CK_CHECK_OK(ck_image_load(&names, ctx, path, NULL, NULL));
	char *layers = at(root, "store/images/layers");
	CK_CHECK(count_entries(layers) == 3);
	/* The same layers, gzip-compressed in an oci-archive, load too. */
	char *oci = at(root, "wh-oci.tar");
	snprintf(args, sizeof(args), "--format oci-archive --name localhost/wh:2 " BB " --layer-dir %s --layer-dir %s",
	         l2, l3);
	mk(oci, args);
	CK_CHECK_OK(ck_image_load(NULL, ctx, oci, NULL, NULL));
	CK_CHECK(count_entries(layers) == 3); /* same diff ids: shared */
	CK_CHECK(count_images(ctx) == 1);     /* same config: one image with two names */

	if (ck_rootfs_prepare(&rfs, ctx, "localhost/wh:1", "archive-wh") != 0) {
		fprintf(stderr, "  ck_rootfs_prepare: %s\n", ck_error_last()->message);
		CK_CHECK(!"rootfs prepared");
	} else {
		const char *m = ck_rootfs_path(rfs);
		char *pw = at(m, "etc/passwd"), *motd = at(m, "etc/motd"), *idx = at(m, "var/www/index.html"),
		     *fresh = at(m, "tmp/fresh"), *bb = at(m, "bin/busybox"), *content = slurp(pw);
		struct stat st;
		CK_CHECK_STR(content, "root:x:0:0::/:/bin/sh\n");
		CK_CHECK(lstat(motd, &st) < 0 && errno == ENOENT);
		CK_CHECK(lstat(idx, &st) < 0 && errno == ENOENT);
		CK_CHECK(lstat(fresh, &st) == 0);
		CK_CHECK(lstat(bb, &st) == 0 && st.st_size > 100000);
		char *tmpdir = at(m, "tmp");
		CK_CHECK(count_entries(tmpdir) == 1); /* opaque: busybox's /tmp content is hidden */
		free(tmpdir);
		free(content);
		free(pw);
		free(motd);
		free(idx);
		free(fresh);
		free(bb);
		CK_CHECK_OK(ck_rootfs_release(rfs, 1));
		ck_rootfs_free(rfs);
	}
	free(oci);
	free(layers);
	ck_strv_free(names);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(l2);
	free(l3);
	free(path);
	free(root);
}

/* The podman layout of docker-archives: legacy <id>/layer.tar symlinks. */
static void archive_load_docker_archive_with_links(void)
{
	char *root = ck_test_tmpdir("archive"), *path = at(root, "d.tar"), *edited = at(root, "links.tar");
	ck_context *ctx = open_ctx(root);
	char *want = mk_id(path, "--format docker-archive --name localhost/ln:1 " BB), layer[80], cfg[80], mj[512];

	/* Point manifest.json at a symlink and a hard link. */
	first_line(layer, sizeof(layer), "tar -tf %s | grep '\\.tar$'", path);
	CK_CHECK(layer[0] != '\0');
	snprintf(cfg, sizeof(cfg), "%s.json", want ? want : "x");
	snprintf(mj, sizeof(mj), "[{\"Config\":\"./legacy/config.json\",\"RepoTags\":[\"localhost/ln:1\"],"
	         "\"Layers\":[\"legacy/layer.tar\"]}]");
	tent extra[] = {
		{ "legacy", 'd', NULL, NULL },
		{ "legacy/layer.tar", 's', NULL, NULL },
		{ "legacy/config.json", 'h', NULL, cfg },
	};
	char target[128];
	snprintf(target, sizeof(target), "../%s", layer);
	extra[1].link = target;
	tar_edit(path, edited, "manifest.json", mj, extra, 3);
	CK_CHECK_OK(ck_image_load(NULL, ctx, edited, NULL, NULL));
	char *id = image_id(ctx, "localhost/ln:1");
	CK_CHECK_STR(id, want);
	free(id);
	free(want);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(path);
	free(edited);
	free(root);
}

/* An index.json entry that is an image index: the manifest for this host
 * is loaded, under the entry's name. */
static void archive_load_picks_this_platform_from_an_index(void)
{
	char *root = ck_test_tmpdir("archive"), *lay = at(root, "lay"), *out = at(root, "multiarch.tar"), args[512];
	ck_context *ctx = open_ctx(root);
	char **names = NULL, host[32];

	first_line(host, sizeof(host), "uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/'");
	const char *other = strcmp(host, "arm64") ? "arm64" : "amd64";
	snprintf(args, sizeof(args), "--format oci-dir --name here " BB " --arch %s", host);
	char *want = mk_id(lay, args);
	snprintf(args, sizeof(args), "--format oci-dir --append --name there " BB " --arch %s", other);
	mk(lay, args);
	/* Replace index.json by one entry pointing at an index of both. */
	CK_CHECK(sh("cd %s && python3 - <<'EOF'\n"
	            "import hashlib, json\n"
	            "idx = json.load(open('index.json'))\n"
	            "arch = {'here': '%s', 'there': '%s'}\n"
	            "ms = [dict(mediaType=m['mediaType'], digest=m['digest'], size=m['size'],\n"
	            "           platform={'os': 'linux', 'architecture': arch[m['annotations']"
	            "['org.opencontainers.image.ref.name']]}) for m in idx['manifests']]\n"
	            "sub = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',"
	            " 'manifests': ms}).encode()\n"
	            "d = hashlib.sha256(sub).hexdigest()\n"
	            "open('blobs/sha256/' + d, 'wb').write(sub)\n"
	            "json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': "
	            "'application/vnd.oci.image.index.v1+json', 'digest': 'sha256:' + d, 'size': len(sub),"
	            " 'annotations': {'org.opencontainers.image.ref.name': 'localhost/multi:1'}}]},"
	            " open('index.json', 'w'))\n"
	            "EOF", lay, host, other) == 0);
	snprintf(args, sizeof(args), "--format oci-archive --from-dir %s", lay);
	mk(out, args);
	CK_CHECK_OK(ck_image_load(&names, ctx, out, NULL, NULL));
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/multi:1");
	char *id = image_id(ctx, "localhost/multi:1");
	CK_CHECK_STR(id, want);
	CK_CHECK(count_images(ctx) == 1);
	free(id);
	free(want);
	ck_strv_free(names);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(lay);
	free(out);
	free(root);
}

/* ---- saving ---- */

static void save_and_reload(int format, const char *ext)
{
	char *root = ck_test_tmpdir("archive"), *src = at(root, "src.tar"), *out = at(root, ext), **names = NULL;
	ck_context *ctx = open_ctx(root);
	char *l2 = at(root, "l2"), args[512];

	CK_CHECK(sh("mkdir -p %s/etc && echo hi > %s/etc/motd && touch %s/etc/.wh.group", l2, l2, l2) == 0);
	snprintf(args, sizeof(args), "--format oci-archive --name localhost/rt:1 " BB " --layer-dir %s", l2);
	char *want = mk_id(src, args);
	CK_CHECK_OK(ck_image_load(NULL, ctx, src, NULL, NULL));
	const char *imgs[] = { "localhost/rt:1", NULL };
	CK_CHECK_OK(ck_image_save(ctx, out, format, imgs));
	/* Saved twice, the archive is the same bytes. */
	char *out2 = at(root, "again");
	CK_CHECK_OK(ck_image_save(ctx, out2, format, imgs));
	if (format != CK_ARCHIVE_OCI_DIR)
		CK_CHECK(sh("cmp -s %s %s", out, out2) == 0);
	ck_context_free(ctx);

	char *root2 = ck_test_tmpdir("archive");
	ctx = open_ctx(root2);
	CK_CHECK_OK(ck_image_load(&names, ctx, out, NULL, NULL));
	CK_CHECK_STR(names ? names[0] : NULL, "localhost/rt:1");
	char *id = image_id(ctx, "localhost/rt:1");
	CK_CHECK_STR(id, want);
	char *layers = at(root2, "store/images/layers");
	CK_CHECK(count_entries(layers) == 2);
	/* By id, the image is saved without a name and loads unnamed. */
	char *byid = at(root2, "byid");
	const char *ids[] = { id ? id : "x", NULL };
	CK_CHECK_OK(ck_image_save(ctx, byid, format, ids));
	ck_context_free(ctx);
	char *root3 = ck_test_tmpdir("archive");
	ctx = open_ctx(root3);
	ck_strv_free(names);
	names = NULL;
	CK_CHECK_OK(ck_image_load(&names, ctx, byid, NULL, NULL));
	CK_CHECK_STR(names ? names[0] : NULL, want);
	free(layers);
	free(byid);
	free(id);
	free(want);
	free(out2);
	ck_strv_free(names);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	ck_test_rmtree(root2);
	ck_test_rmtree(root3);
	free(root2);
	free(root3);
	free(l2);
	free(src);
	free(out);
	free(root);
}

static void archive_save_docker_archive_reloads_same_id(void) { save_and_reload(CK_ARCHIVE_DOCKER, "d.tar"); }
static void archive_save_oci_archive_reloads_same_id(void) { save_and_reload(CK_ARCHIVE_OCI, "o.tar"); }
static void archive_save_oci_dir_reloads_same_id(void) { save_and_reload(CK_ARCHIVE_OCI_DIR, "dir"); }

static void archive_save_bad_requests_fail_clearly(void)
{
	char *root = ck_test_tmpdir("archive"), *src = at(root, "src.tar"), *out = at(root, "out.tar");
	ck_context *ctx = open_ctx(root);
	const char *missing[] = { "localhost/nothere:1", NULL }, *ok[] = { "localhost/s:1", NULL };

	mk(src, "--format oci-archive --name localhost/s:1 " BB);
	CK_CHECK_OK(ck_image_load(NULL, ctx, src, NULL, NULL));
	CK_CHECK_RC(ck_image_save(ctx, out, CK_ARCHIVE_DOCKER, missing), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "nothere");
	CK_CHECK(access(out, F_OK) < 0);
	CK_CHECK_RC(ck_image_save(ctx, out, 42, ok), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "format");
	CK_CHECK_RC(ck_image_save(ctx, out, CK_ARCHIVE_DOCKER, NULL), CK_EINVAL);
	/* A non-empty directory is not overwritten by an oci-dir. */
	char *full = at(root, "full");
	CK_CHECK(sh("mkdir -p %s && touch %s/keep", full, full) == 0);
	CK_CHECK_RC(ck_image_save(ctx, full, CK_ARCHIVE_OCI_DIR, ok), CK_EEXISTS);
	CK_CHECK(sh("test -f %s/keep && test $(ls -A %s | wc -l) = 1 && test -z \"$(ls -A %s | grep ck-save)\"", full,
	            full, root) == 0);
	/* Into a directory that does not exist: the temporary is not left. */
	char *nodir = at(root, "no/such/dir/out.tar");
	CK_CHECK(ck_image_save(ctx, nodir, CK_ARCHIVE_DOCKER, ok) < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no/such/dir");
	free(nodir);
	free(full);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(src);
	free(out);
	free(root);
}

/* Saving to a symbolic link replaces the file it points to, not the link. */
static void archive_save_through_symlink_keeps_the_link(void)
{
	char *root = ck_test_tmpdir("archive"), *src = at(root, "src.tar"), *real = at(root, "real.tar"),
	     *link = at(root, "link.tar");
	ck_context *ctx = open_ctx(root);
	const char *imgs[] = { "localhost/s:1", NULL };
	struct stat st;

	mk(src, "--format oci-archive --name localhost/s:1 " BB);
	CK_CHECK_OK(ck_image_load(NULL, ctx, src, NULL, NULL));
	CK_CHECK(sh("echo old > %s && ln -s real.tar %s", real, link) == 0);
	CK_CHECK_OK(ck_image_save(ctx, link, CK_ARCHIVE_DOCKER, imgs));
	CK_CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CK_CHECK(stat(real, &st) == 0 && st.st_size > 100000);
	CK_CHECK(sh("tar -tf %s manifest.json >/dev/null", real) == 0);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(src);
	free(real);
	free(link);
	free(root);
}

CK_TESTS(CK_TEST(archive_load_oci_archive_gzip_layers), CK_TEST(archive_load_oci_archive_zstd_layers),
         CK_TEST(archive_load_oci_archive_plain_layers), CK_TEST(archive_load_oci_archive_gzip_file),
         CK_TEST(archive_load_oci_archive_zstd_file), CK_TEST(archive_load_docker_archive_plain),
         CK_TEST(archive_load_docker_archive_gzip), CK_TEST(archive_load_docker_archive_zstd),
         CK_TEST(archive_load_oci_dir), CK_TEST(archive_load_oci_dir_with_many_layers),
         CK_TEST(archive_load_multi_image_archives), CK_TEST(archive_load_whiteout_layers),
         CK_TEST(archive_load_docker_archive_with_links),
         CK_TEST(archive_load_picks_this_platform_from_an_index),
         CK_TEST(archive_save_docker_archive_reloads_same_id),
         CK_TEST(archive_save_oci_archive_reloads_same_id), CK_TEST(archive_save_oci_dir_reloads_same_id),
         CK_TEST(archive_save_bad_requests_fail_clearly),
         CK_TEST(archive_save_through_symlink_keeps_the_link))
