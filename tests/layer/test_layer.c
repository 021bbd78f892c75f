/* Layer unpacking: one pass computes the diff id of plain, gzip and zstd
 * layers; metadata is kept; every unsafe entry is refused with a message
 * naming it and leaves nothing behind; rootless stores get their policy;
 * concurrent unpacks store a layer once.  Also a benchmark entry point
 * (bench/images/unpack.sh) behind CK_BENCH_UNPACK_BLOB. */
#define _GNU_SOURCE
#include "test_layer_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A test on a fresh store: root, ctx, and the layer dir once unpacked. */
struct fx {
	char *root;
	ck_context *ctx;
};

static struct fx fx_open(void)
{
	struct fx f;
	f.root = ck_test_tmpdir("layer");
	f.ctx = tl_open(f.root);
	return f;
}

static void fx_close(struct fx *f)
{
	ck_context_free(f->ctx);
	ck_test_rmtree(f->root);
	free(f->root);
}

/* Stores `ents` as a layer and unpacks it, expecting `code`; returns the
 * layer path on success (malloc'd). */
static char *unpack(struct fx *f, const tl_ent *ents, size_t n, const char *filter, int code)
{
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, n), *comp = tl_compress(&clen, tar, tlen, filter);
	char *blob = tl_put(f->ctx, comp, clen), *diff = NULL, *path = NULL, want[72];

	tl_digest(want, tar, tlen);
	CK_CHECK_RC(ck__layer_unpack(&diff, f->ctx, blob, want, NULL, NULL, NULL), code);
	if (code == 0) {
		CK_CHECK_STR(diff, want);
		path = ck__layer_path(f->ctx, want);
	} else {
		CK_CHECK(diff == NULL);
		CK_CHECK_CONTAINS(ck_error_last()->message, blob);
	}
	free(diff);
	free(tar);
	free(comp);
	free(blob);
	return path;
}

static void layer_unpack_plain_gzip_zstd_agree(void)
{
	const tl_ent ents[] = {
		{ .path = "etc/", .type = 'd' },
		{ .path = "etc/hostname", .data = "box\n" },
		{ .path = "big", .size = 3 << 20 },
	};
	const char *filters[] = { "none", "gzip", "zstd" };
	size_t tlen;
	char *tar = tl_tar(&tlen, ents, TL_N(ents)), want[72];

	tl_digest(want, tar, tlen);
	for (size_t i = 0; i < 3; i++) {
		struct fx f = fx_open();
		size_t clen;
		char *comp = tl_compress(&clen, tar, tlen, filters[i]), *blob = tl_put(f.ctx, comp, clen), *diff = NULL;
		uint64_t calls = 0;

		/* Without the expected diff id: computed. */
		CK_CHECK_OK(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, NULL, NULL));
		CK_CHECK_STR(diff, want);
		char *path = ck__layer_path(f.ctx, want);
		CK_CHECK_STR(tl_read(tl_at(path, "etc/hostname")), "box\n");
		struct stat st;
		CK_CHECK(stat(tl_at(path, "big"), &st) == 0 && st.st_size == 3 << 20);
		CK_CHECK(tl_count(tl_at(f.root, "images/layers")) == 1);
		CK_CHECK(tl_count(tl_at(f.root, "images/tmp")) == 0);
		/* Once per diff id: with it given, it returns without the blob. */
		CK_CHECK_OK(ck__blob_remove(f.ctx, blob));
		free(diff);
		diff = NULL;
		CK_CHECK_OK(ck__layer_unpack(&diff, f.ctx, blob, want, NULL, NULL, &calls));
		CK_CHECK_STR(diff, want);
		CK_CHECK(ck__layer_exists(f.ctx, want));
		CK_CHECK_OK(ck__layer_remove(f.ctx, want));
		CK_CHECK(!ck__layer_exists(f.ctx, want));
		CK_CHECK(tl_store_clean(f.ctx));
		CK_CHECK_OK(ck__layer_remove(f.ctx, want));
		free(path);
		free(diff);
		free(blob);
		free(comp);
		fx_close(&f);
	}
	free(tar);
}

static void progress_count(const char *phase, const char *digest, uint64_t done, uint64_t total, void *p)
{
	if (!strcmp(phase, "unpack") && done <= total)
		(*(int *)p)++;
}

static void layer_unpack_reports_progress(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = { { .path = "big", .size = 9 << 20 } };
	size_t tlen;
	char *tar = tl_tar(&tlen, ents, 1), *blob = tl_put(f.ctx, tar, tlen), *diff = NULL;
	int calls = 0;

	CK_CHECK_OK(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, progress_count, &calls));
	CK_CHECK(calls >= 3);
	free(diff);
	free(blob);
	free(tar);
	fx_close(&f);
}

static void layer_unpack_keeps_owners_modes_times_xattrs(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = {
		{ .path = "./", .type = 'd', .mode = 0755, .mtime = 1500000000 },
		{ .path = "srv/", .type = 'd', .mode = 0750, .uid = 1000, .gid = 2000, .mtime = 1400000000 },
		{ .path = "srv/data", .data = "x", .mode = 0640, .uid = 1000, .gid = 2000, .mtime = 1300000000 },
		{ .path = "srv/ro/", .type = 'd', .mode = 0555, .mtime = 1200000000 },
		{ .path = "srv/ro/inside", .data = "in a read-only dir" },
		{ .path = "usr/bin/su", .data = "#!", .mode = 04755 },
		{ .path = "usr/bin/wall", .data = "#!", .mode = 02755, .gid = 5 },
		{ .path = "tmp/", .type = 'd', .mode = 01777 },
		{ .path = "dev/null", .type = 'c', .major = 1, .minor = 3, .mode = 0666 },
		{ .path = "dev/sda", .type = 'b', .major = 8, .minor = 0, .mode = 0660, .gid = 6 },
		{ .path = "run/fifo", .type = 'p', .mode = 0600 },
		{ .path = "link", .type = 'l', .target = "srv/data", .uid = 7, .gid = 8, .mtime = 1100000000 },
		{ .path = "attr", .data = "", .xattr = "user.comment", .xattr_value = "hello" },
		{ .path = "tattr", .data = "", .xattr = "trusted.note", .xattr_value = "t" },
		{ .path = "evil", .data = "", .xattr = "trusted.overlay.redirect", .xattr_value = "/etc" },
	};
	char *p = unpack(&f, ents, TL_N(ents), "gzip", 0), v[64];
	struct stat st;

	CK_CHECK(lstat(p, &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_mtime == 1500000000);
	CK_CHECK(lstat(tl_at(p, "srv"), &st) == 0 && (st.st_mode & 07777) == 0750 && st.st_uid == 1000 &&
	         st.st_gid == 2000 && st.st_mtime == 1400000000);
	CK_CHECK(lstat(tl_at(p, "srv/data"), &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_uid == 1000 &&
	         st.st_mtime == 1300000000);
	CK_CHECK(lstat(tl_at(p, "srv/ro"), &st) == 0 && (st.st_mode & 07777) == 0555 && st.st_mtime == 1200000000);
	CK_CHECK_STR(tl_read(tl_at(p, "srv/ro/inside")), "in a read-only dir");
	CK_CHECK(lstat(tl_at(p, "usr/bin/su"), &st) == 0 && (st.st_mode & 07777) == 04755);
	CK_CHECK(lstat(tl_at(p, "usr/bin/wall"), &st) == 0 && (st.st_mode & 07777) == 02755 && st.st_gid == 5);
	CK_CHECK(lstat(tl_at(p, "tmp"), &st) == 0 && (st.st_mode & 07777) == 01777);
	CK_CHECK(lstat(tl_at(p, "dev/null"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
	         (st.st_mode & 0777) == 0666);
	CK_CHECK(lstat(tl_at(p, "dev/sda"), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(8, 0) &&
	         st.st_gid == 6);
	CK_CHECK(lstat(tl_at(p, "run/fifo"), &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600);
	CK_CHECK(lstat(tl_at(p, "link"), &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid == 7 && st.st_gid == 8 &&
	         st.st_mtime == 1100000000);
	CK_CHECK(getxattr(tl_at(p, "attr"), "user.comment", v, sizeof(v)) == 5 && !memcmp(v, "hello", 5));
	CK_CHECK(getxattr(tl_at(p, "tattr"), "trusted.note", v, sizeof(v)) == 1);
	/* Overlay's own xattrs never come from an archive. */
	CK_CHECK(getxattr(tl_at(p, "evil"), "trusted.overlay.redirect", v, sizeof(v)) < 0);
	free(p);
	fx_close(&f);
}

static void layer_unpack_keeps_hardlinks_and_symlinks(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = {
		{ .path = "bin/", .type = 'd' },
		{ .path = "bin/busybox", .data = "BB", .mode = 0755 },
		{ .path = "bin/sh", .type = 'h', .target = "bin/busybox" },
		{ .path = "./bin/ls", .type = 'h', .target = "./bin/busybox" },
		{ .path = "sbin", .type = 'l', .target = "bin" },
		{ .path = "abs", .type = 'l', .target = "/etc/passwd" },
		{ .path = "dangling", .type = 'l', .target = "../../nowhere" },
		/* Through a symlink that stays inside: allowed, lands in bin/. */
		{ .path = "sbin/init", .data = "init" },
	};
	char *p = unpack(&f, ents, TL_N(ents), "none", 0), t[64];
	struct stat a, b;

	CK_CHECK(lstat(tl_at(p, "bin/busybox"), &a) == 0 && lstat(tl_at(p, "bin/sh"), &b) == 0 &&
	         a.st_ino == b.st_ino && a.st_nlink == 3);
	CK_CHECK(lstat(tl_at(p, "bin/ls"), &b) == 0 && a.st_ino == b.st_ino);
	CK_CHECK(readlink(tl_at(p, "sbin"), t, sizeof(t)) == 3 && !memcmp(t, "bin", 3));
	CK_CHECK(readlink(tl_at(p, "abs"), t, sizeof(t)) == 11);
	CK_CHECK(readlink(tl_at(p, "dangling"), t, sizeof(t)) == 13);
	CK_CHECK_STR(tl_read(tl_at(p, "bin/init")), "init");
	free(p);
	fx_close(&f);
}

static void layer_unpack_records_whiteouts(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = {
		{ .path = "etc/.wh.motd", .data = "" },
		{ .path = "var/cache/.wh..wh..opq", .data = "" },
		{ .path = "var/cache/new", .data = "n" },
	};
	char *p = unpack(&f, ents, TL_N(ents), "gzip", 0), v[8];
	struct stat st;

	CK_CHECK(lstat(tl_at(p, "etc/motd"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	CK_CHECK(lstat(tl_at(p, "etc/.wh.motd"), &st) < 0);
	CK_CHECK(getxattr(tl_at(p, "var/cache"), "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
	CK_CHECK(lstat(tl_at(p, "var/cache/.wh..wh..opq"), &st) < 0);
	free(p);
	fx_close(&f);
}

/* Unpacks entries that must be refused: the code, a phrase of the message,
 * and nothing left in the store (nor at `victim`, when given). */
static void refused(const tl_ent *ents, size_t n, int code, const char *phrase, const char *victim)
{
	struct fx f = fx_open();
	char *p = unpack(&f, ents, n, "gzip", code);

	CK_CHECK_CONTAINS(ck_error_last()->message, phrase);
	CK_CHECK(tl_store_clean(f.ctx));
	if (victim) {
		CK_CHECK(!ck__path_exists(victim));
		if (ck__path_exists(victim))
			unlink(victim);
	}
	free(p);
	fx_close(&f);
}

static void layer_rejects_dotdot_entries(void)
{
	const tl_ent a[] = { { .path = "ok", .data = "" }, { .path = "../../../ck-escaped", .data = "x" } };
	const tl_ent b[] = { { .path = "a/../../ck-escaped", .data = "x" } };
	refused(a, TL_N(a), CK_EINVAL, "entry \"../../../ck-escaped\" has a \"..\" component", NULL);
	refused(b, TL_N(b), CK_EINVAL, "\"..\" component", NULL);
}

static void layer_rejects_absolute_entries(void)
{
	char victim[256];
	snprintf(victim, sizeof(victim), "/tmp/ck-test-abs-%d", (int)getpid());
	const tl_ent a[] = { { .path = victim, .data = "x" } };
	refused(a, TL_N(a), CK_EINVAL, "is an absolute path", victim);
}

static char *victim_dir(void)
{
	return ck_test_tmpdir("victim");
}

static void layer_rejects_write_through_absolute_symlink(void)
{
	char *dir = victim_dir();
	const tl_ent a[] = { { .path = "link", .type = 'l', .target = dir }, { .path = "link/passwd", .data = "pwned" } };
	refused(a, TL_N(a), CK_EINVAL, "entry \"link/passwd\": directory \"link\" resolves outside the layer",
	        tl_at(dir, "passwd"));
	/* Also when the link is deeper and the write is in a subdirectory. */
	const tl_ent b[] = { { .path = "etc/", .type = 'd' }, { .path = "etc/l", .type = 'l', .target = "/" },
	                     { .path = "etc/l/tmp/x", .data = "x" } };
	refused(b, TL_N(b), CK_EINVAL, "resolves outside the layer", NULL);
	ck_test_rmtree(dir);
	free(dir);
}

static void layer_rejects_symlink_chains_out(void)
{
	const tl_ent a[] = { { .path = "up", .type = 'l', .target = "../../.." }, { .path = "up/ck-escaped", .data = "x" } };
	refused(a, TL_N(a), CK_EINVAL, "directory \"up\" resolves outside the layer", NULL);
	const tl_ent b[] = {
		{ .path = "d/", .type = 'd' },
		{ .path = "d/self", .type = 'l', .target = "." },
		{ .path = "d/up", .type = 'l', .target = "self/../.." },
		{ .path = "d/up/ck-escaped", .data = "x" },
	};
	refused(b, TL_N(b), CK_EINVAL, "resolves outside the layer", NULL);
	const tl_ent c[] = {
		{ .path = "a", .type = 'l', .target = "b" },
		{ .path = "b", .type = 'l', .target = "c" },
		{ .path = "c", .type = 'l', .target = "/" },
		{ .path = "a/etc/ck-escaped", .data = "x" },
	};
	refused(c, TL_N(c), CK_EINVAL, "resolves outside the layer", NULL);
}

static void layer_rejects_hardlinks_outside(void)
{
	char *dir = victim_dir();
	int fd = open(tl_at(dir, "secret"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	close(fd);
	const tl_ent a[] = { { .path = "h", .type = 'h', .target = "../../../../../../etc/passwd" } };
	refused(a, TL_N(a), CK_EINVAL, "hard link target \"../../../../../../etc/passwd\" is outside the layer", NULL);
	const tl_ent b[] = { { .path = "h", .type = 'h', .target = tl_at(dir, "secret") } };
	refused(b, TL_N(b), CK_EINVAL, "is outside the layer", NULL);
	const tl_ent c[] = { { .path = "l", .type = 'l', .target = dir }, { .path = "h", .type = 'h', .target = "l/secret" } };
	refused(c, TL_N(c), CK_EINVAL, "directory \"l\" resolves outside the layer", NULL);
	const tl_ent d[] = { { .path = "h", .type = 'h', .target = "missing" } };
	refused(d, TL_N(d), CK_EINVAL, "hard link target \"missing\" is not in the layer", NULL);
	struct stat st;
	CK_CHECK(stat(tl_at(dir, "secret"), &st) == 0 && st.st_nlink == 1);
	ck_test_rmtree(dir);
	free(dir);
}

/* Without openat2, every symbolic link on the way is refused. */
static void layer_manual_walk_refuses_every_symlink(void)
{
	char *dir = victim_dir();
	ck__beneath_force_walk = true;
	const tl_ent a[] = { { .path = "link", .type = 'l', .target = dir }, { .path = "link/passwd", .data = "pwned" } };
	refused(a, TL_N(a), CK_EINVAL, "directory \"link\" goes through a symbolic link", tl_at(dir, "passwd"));
	const tl_ent b[] = { { .path = "up", .type = 'l', .target = "../../.." }, { .path = "up/x", .data = "x" } };
	refused(b, TL_N(b), CK_EINVAL, "goes through a symbolic link", NULL);
	const tl_ent c[] = { { .path = "sub/", .type = 'd' }, { .path = "in", .type = 'l', .target = "sub" },
	                     { .path = "in/f", .data = "x" } };
	refused(c, TL_N(c), CK_EINVAL, "goes through a symbolic link", NULL);
	/* Plain layers still unpack. */
	struct fx f = fx_open();
	const tl_ent ok[] = { { .path = "a/b/c", .data = "deep" }, { .path = "a/l", .type = 'l', .target = "b" } };
	char *p = unpack(&f, ok, TL_N(ok), "none", 0);
	CK_CHECK_STR(tl_read(tl_at(p, "a/b/c")), "deep");
	free(p);
	fx_close(&f);
	ck__beneath_force_walk = false;
	ck_test_rmtree(dir);
	free(dir);
}

static void layer_rootful_keeps_devices_rootless_refuses_them(void)
{
	const tl_ent a[] = { { .path = "dev/null", .type = 'c', .major = 1, .minor = 3 } };
	const tl_ent b[] = { { .path = "dev/sda", .type = 'b', .major = 8, .minor = 0 } };
	struct fx f = fx_open();
	char *p = unpack(&f, a, 1, "none", 0);
	CK_CHECK(p && ck__path_exists(tl_at(p, "dev/null")));
	free(p);
	fx_close(&f);

	for (int i = 0; i < 2; i++) {
		f = fx_open();
		f.ctx->rootless = true;
		p = unpack(&f, i ? b : a, 1, "gzip", CK_EPERM);
		CK_CHECK_CONTAINS(ck_error_last()->message, i ? "entry \"dev/sda\": is a block device, which a rootless"
		                                              : "entry \"dev/null\": is a character device, which a rootless");
		CK_CHECK(tl_store_clean(f.ctx));
		free(p);
		fx_close(&f);
	}
}

/* Rootless: set-id bits are stripped on disk, owners are not changed, and
 * what the archive said is kept in user.containers.override_stat. */
static void layer_rootless_strips_setid_and_records_owner(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = {
		{ .path = "usr/bin/su", .data = "#!", .mode = 04755 },
		{ .path = "usr/bin/wall", .data = "#!", .mode = 02711, .gid = 5 },
		{ .path = "home/u/", .type = 'd', .mode = 0500, .uid = 1000, .gid = 1000 },
		{ .path = "plain", .data = "p", .mode = 0644 },
		{ .path = "cap", .data = "", .xattr = "security.capability", .xattr_value = "junk" },
		{ .path = "note", .data = "", .xattr = "user.note", .xattr_value = "kept" },
		{ .path = "d/.wh..wh..opq", .data = "" },
		{ .path = "d/.wh.gone", .data = "" },
	};
	char *p, v[64];
	struct stat st;
	ssize_t n;

	f.ctx->rootless = true;
	p = unpack(&f, ents, TL_N(ents), "gzip", 0);
	CK_CHECK(lstat(tl_at(p, "usr/bin/su"), &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_uid == 0);
	n = getxattr(tl_at(p, "usr/bin/su"), CK__XATTR_OVERRIDE, v, sizeof(v) - 1);
	v[n > 0 ? n : 0] = '\0';
	CK_CHECK_STR(v, "0:0:04755");
	CK_CHECK(lstat(tl_at(p, "usr/bin/wall"), &st) == 0 && (st.st_mode & 07777) == 0711 && st.st_gid == 0);
	n = getxattr(tl_at(p, "usr/bin/wall"), CK__XATTR_OVERRIDE, v, sizeof(v) - 1);
	v[n > 0 ? n : 0] = '\0';
	CK_CHECK_STR(v, "0:5:02711");
	/* Directories stay writable by the owner on disk. */
	CK_CHECK(lstat(tl_at(p, "home/u"), &st) == 0 && (st.st_mode & 07777) == 0700);
	n = getxattr(tl_at(p, "home/u"), CK__XATTR_OVERRIDE, v, sizeof(v) - 1);
	v[n > 0 ? n : 0] = '\0';
	CK_CHECK_STR(v, "1000:1000:0500");
	/* Nothing to record when disk and archive agree. */
	CK_CHECK(getxattr(tl_at(p, "plain"), CK__XATTR_OVERRIDE, v, sizeof(v)) < 0);
	CK_CHECK(getxattr(tl_at(p, "cap"), "security.capability", v, sizeof(v)) < 0);
	CK_CHECK(getxattr(tl_at(p, "note"), "user.note", v, sizeof(v)) == 4);
	CK_CHECK(getxattr(tl_at(p, "d"), "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
	CK_CHECK(getxattr(tl_at(p, "d"), "trusted.overlay.opaque", v, sizeof(v)) < 0);
	CK_CHECK(lstat(tl_at(p, "d/gone"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0);
	free(p);
	fx_close(&f);
}

static void layer_decompression_bomb_is_stopped(void)
{
	const tl_ent ents[] = { { .path = "zeros", .size = 8 << 20 } };
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, 1), *comp = tl_compress(&clen, tar, tlen, "gzip");

	for (int via_env = 0; via_env < 2; via_env++) {
		struct fx f = fx_open();
		ck__layer_limits lim = { .max_bytes = 1 << 20 };
		char *blob = tl_put(f.ctx, comp, clen), *diff = NULL;

		if (via_env)
			setenv("CK_LAYER_MAX_BYTES", "1048576", 1);
		CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, via_env ? NULL : &lim, NULL, NULL), CK_EINVAL);
		CK_CHECK_CONTAINS(ck_error_last()->message, "exceed the size limit of 1048576 bytes");
		CK_CHECK_CONTAINS(ck_error_last()->message, blob);
		CK_CHECK(tl_store_clean(f.ctx));
		unsetenv("CK_LAYER_MAX_BYTES");
		/* The same layer under the default limit is fine. */
		CK_CHECK_OK(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, NULL, NULL));
		free(diff);
		free(blob);
		fx_close(&f);
	}
	/* Headers count too: many empty files, a stream over the limit. */
	{
		struct fx f = fx_open();
		static tl_ent empty[3000];
		static char names[3000][16];
		ck__layer_limits lim = { .max_bytes = 1 << 20 };
		for (int i = 0; i < 3000; i++) {
			snprintf(names[i], sizeof(names[i]), "e%04d", i);
			empty[i] = (tl_ent){ .path = names[i], .data = "" };
		}
		size_t elen, eclen;
		char *etar = tl_tar(&elen, empty, 3000), *egz = tl_compress(&eclen, etar, elen, "gzip");
		char *blob = tl_put(f.ctx, egz, eclen), *diff = NULL;
		CK_CHECK(elen > (1 << 20));
		CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, &lim, NULL, NULL), CK_EINVAL);
		CK_CHECK_CONTAINS(ck_error_last()->message, "the uncompressed layer exceeds the size limit of 1048576");
		CK_CHECK(tl_store_clean(f.ctx));
		free(etar);
		free(egz);
		free(blob);
		fx_close(&f);
	}
	/* Entry counts are limited too. */
	struct fx f = fx_open();
	const tl_ent many[] = { { .path = "a" }, { .path = "b" }, { .path = "c" }, { .path = "d" } };
	ck__layer_limits lim = { .max_entries = 3 };
	size_t mlen;
	char *mtar = tl_tar(&mlen, many, 4), *blob = tl_put(f.ctx, mtar, mlen), *diff = NULL;
	CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, &lim, NULL, NULL), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "more than 3 entries");
	CK_CHECK(tl_store_clean(f.ctx));
	free(mtar);
	free(blob);
	fx_close(&f);
	free(tar);
	free(comp);
}

static void layer_truncated_archives_fail(void)
{
	const tl_ent ents[] = { { .path = "a", .data = "first" }, { .path = "big", .size = 200000 } };
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, TL_N(ents)), *gz = tl_compress(&clen, tar, tlen, "gzip");
	struct { const char *data; size_t len; const char *phrase; } cases[] = {
		{ tar, 1536 + 100000, "entry \"big\": cannot read its data: Truncated" },
		{ tar, 700, "" },                                 /* inside a header */
		{ gz, clen / 2, "" },
	};

	for (size_t i = 0; i < TL_N(cases); i++) {
		struct fx f = fx_open();
		char *blob = tl_put(f.ctx, cases[i].data, cases[i].len), *diff = NULL;
		CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, NULL, NULL), CK_ECORRUPT);
		CK_CHECK_CONTAINS(ck_error_last()->message, blob);
		CK_CHECK_CONTAINS(ck_error_last()->message, cases[i].phrase);
		CK_CHECK(tl_store_clean(f.ctx));
		free(blob);
		fx_close(&f);
	}
	/* Not an archive at all. */
	struct fx f = fx_open();
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	char *blob = tl_put(f.ctx, junk, sizeof(junk)), *diff = NULL;
	CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, NULL, NULL), CK_ECORRUPT);
	CK_CHECK(tl_store_clean(f.ctx));
	free(blob);
	fx_close(&f);
	free(tar);
	free(gz);
}

static void layer_diff_id_mismatch_fails(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = { { .path = "a", .data = "content" } };
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, 1), *gz = tl_compress(&clen, tar, tlen, "gzip");
	char *blob = tl_put(f.ctx, gz, clen), *diff = NULL, real[72];
	const char *wrong = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

	tl_digest(real, tar, tlen);
	CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, wrong, NULL, NULL, NULL), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "uncompressed content has digest");
	CK_CHECK_CONTAINS(ck_error_last()->message, real);
	CK_CHECK_CONTAINS(ck_error_last()->message, wrong);
	CK_CHECK(tl_store_clean(f.ctx));
	CK_CHECK(!ck__layer_exists(f.ctx, real) && !ck__layer_exists(f.ctx, wrong));
	free(tar);
	free(gz);
	free(blob);
	fx_close(&f);
}

static void layer_blob_damaged_in_store_fails(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = { { .path = "a", .data = "content" } };
	size_t tlen;
	char *tar = tl_tar(&tlen, ents, 1), *blob = tl_put(f.ctx, tar, tlen), *path = ck__blob_path(f.ctx, blob), *diff = NULL;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	CK_CHECK(fd >= 0 && pwrite(fd, "b", 1, 0) == 1); /* the entry is now named "b" */
	close(fd);
	CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, blob, NULL, NULL, NULL, NULL), CK_EDIGEST);
	CK_CHECK_CONTAINS(ck_error_last()->message, "content has digest sha256:");
	CK_CHECK(tl_store_clean(f.ctx));
	free(tar);
	free(blob);
	free(path);
	fx_close(&f);
	/* Missing blob. */
	f = fx_open();
	CK_CHECK_RC(ck__layer_unpack(&diff, f.ctx, "sha256:2222222222222222222222222222222222222222222222222222222222222222",
	                             NULL, NULL, NULL, NULL), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "is not in the store");
	CK_CHECK(tl_store_clean(f.ctx));
	fx_close(&f);
}

static void layer_later_entries_replace_earlier_ones(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = {
		{ .path = "x", .data = "file" },
		{ .path = "x/", .type = 'd' },
		{ .path = "x/in", .data = "in" },
		{ .path = "y/", .type = 'd' },
		{ .path = "y/deep", .data = "d" },
		{ .path = "y", .data = "now a file" },
		{ .path = "z", .data = "old" },
		{ .path = "z", .data = "new" },
		{ .path = "s", .type = 'l', .target = "x" },
		{ .path = "s", .data = "replaced link" },
	};
	char *p = unpack(&f, ents, TL_N(ents), "zstd", 0);
	struct stat st;

	CK_CHECK_STR(tl_read(tl_at(p, "x/in")), "in");
	CK_CHECK_STR(tl_read(tl_at(p, "y")), "now a file");
	CK_CHECK_STR(tl_read(tl_at(p, "z")), "new");
	CK_CHECK(lstat(tl_at(p, "s"), &st) == 0 && S_ISREG(st.st_mode));
	free(p);
	fx_close(&f);
}

static void layer_concurrent_unpacks_store_once(void)
{
	struct fx f = fx_open();
	const tl_ent ents[] = { { .path = "big", .size = 4 << 20 }, { .path = "d/f", .data = "f" } };
	size_t tlen, clen;
	char *tar = tl_tar(&tlen, ents, TL_N(ents)), *gz = tl_compress(&clen, tar, tlen, "gzip");
	char *blob = tl_put(f.ctx, gz, clen), want[72];
	pid_t kids[6];

	tl_digest(want, tar, tlen);
	for (int k = 0; k < 6; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			ck_context *c = tl_open(f.root);
			char *diff = NULL;
			/* Half know the diff id, half do not (different lock keys). */
			int rc = ck__layer_unpack(&diff, c, blob, k % 2 ? want : NULL, NULL, NULL, NULL);
			if (rc)
				fprintf(stderr, "  unpacker %d: %s\n", k, ck_error_last()->message);
			_exit(rc == 0 && diff && !strcmp(diff, want) ? 0 : 1);
		}
	}
	for (int k = 0; k < 6; k++) {
		int st = 0;
		waitpid(kids[k], &st, 0);
		CK_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CK_CHECK(tl_count(tl_at(f.root, "images/layers")) == 1);
	CK_CHECK(tl_count(tl_at(f.root, "images/tmp")) == 0);
	char *p = ck__layer_path(f.ctx, want);
	CK_CHECK_STR(tl_read(tl_at(p, "d/f")), "f");
	free(p);
	free(tar);
	free(gz);
	free(blob);
	fx_close(&f);
}

static void as_nobody_unpack(const char *root)
{
	ck_context *ctx = tl_open(root);
	const tl_ent ents[] = {
		{ .path = "etc/", .type = 'd', .mode = 0755 },
		{ .path = "etc/shadow", .data = "s", .mode = TL_MODE0, .gid = 42 },
		{ .path = "etc/.wh.motd", .data = "" },
		{ .path = "var/.wh..wh..opq", .data = "" },
		{ .path = "usr/bin/su", .data = "#!", .mode = 04755 },
		{ .path = "locked/", .type = 'd', .mode = TL_MODE0 },
		{ .path = "locked/in", .data = "i" },
		{ .path = "fifo", .type = 'p' },
		{ .path = "link", .type = 'l', .target = "etc/shadow", .uid = 5 },
		{ .path = "hard", .type = 'h', .target = "usr/bin/su" },
	};
	const tl_ent dev[] = { { .path = "dev/null", .type = 'c', .major = 1, .minor = 3 } };
	char *diff = NULL, v[64];
	struct stat st;

	CK_CHECK(ck_context_is_rootless(ctx) == 1);
	diff = tl_layer(ctx, ents, TL_N(ents), "gzip");
	if (!diff)
		fprintf(stderr, "  %s\n", ck_error_last()->message);
	CK_CHECK(diff != NULL);
	if (diff) {
		char *p = ck__layer_path(ctx, diff);
		CK_CHECK(lstat(tl_at(p, "etc/shadow"), &st) == 0 && st.st_uid == 65534 && (st.st_mode & 0777) == 0600);
		ssize_t n = getxattr(tl_at(p, "etc/shadow"), CK__XATTR_OVERRIDE, v, sizeof(v) - 1);
		v[n > 0 ? n : 0] = '\0';
		CK_CHECK_STR(v, "0:42:00");
		CK_CHECK(lstat(tl_at(p, "etc/motd"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0);
		CK_CHECK(getxattr(tl_at(p, "var"), "user.overlay.opaque", v, sizeof(v)) == 1);
		CK_CHECK(lstat(tl_at(p, "usr/bin/su"), &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_nlink == 2);
		CK_CHECK(lstat(tl_at(p, "locked"), &st) == 0 && (st.st_mode & 0777) == 0700);
		CK_CHECK_STR(tl_read(tl_at(p, "locked/in")), "i");
		CK_CHECK(lstat(tl_at(p, "fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
		/* And the store can remove what it made. */
		CK_CHECK_OK(ck__layer_remove(ctx, diff));
		CK_CHECK(tl_store_clean(ctx));
		free(p);
	}
	free(diff);
	CK_CHECK(tl_layer(ctx, dev, 1, "none") == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "which a rootless store cannot hold");
	CK_CHECK(tl_store_clean(ctx));
	ck_context_free(ctx);
}

/* The rootless policy for real: an unprivileged user unpacks. */
static void layer_unprivileged_user_unpacks_rootless(void)
{
	char *root = ck_test_tmpdir("layer-nobody");
	int rc = tl_as_nobody(root, as_nobody_unpack);

	if (rc == 77)
		CK_SKIP("the test cannot run as user nobody here");
	else
		CK_CHECK(rc == 0);
	ck_test_rmtree(root);
	free(root);
}

/* bench/images/unpack.sh: unpacks blob $CK_BENCH_UNPACK_BLOB (a digest)
 * in store $CK_BENCH_ROOT, removing the layer first. */
static void bench_unpack(void)
{
	const char *root = getenv("CK_BENCH_ROOT"), *blob = getenv("CK_BENCH_UNPACK_BLOB");
	const char *diff = getenv("CK_BENCH_DIFF_ID");
	char *got = NULL;

	if (!root || !blob) {
		CK_SKIP("benchmark entry point: set CK_BENCH_ROOT and CK_BENCH_UNPACK_BLOB");
		return;
	}
	ck_context *ctx = tl_open(root);
	if (diff)
		CK_CHECK_OK(ck__layer_remove(ctx, diff));
	CK_CHECK_OK(ck__layer_unpack(&got, ctx, blob, diff, NULL, NULL, NULL));
	free(got);
	ck_context_free(ctx);
}

CK_TESTS(CK_TEST(layer_unpack_plain_gzip_zstd_agree), CK_TEST(layer_unpack_reports_progress),
         CK_TEST(layer_unpack_keeps_owners_modes_times_xattrs), CK_TEST(layer_unpack_keeps_hardlinks_and_symlinks),
         CK_TEST(layer_unpack_records_whiteouts), CK_TEST(layer_rejects_dotdot_entries),
         CK_TEST(layer_rejects_absolute_entries), CK_TEST(layer_rejects_write_through_absolute_symlink),
         CK_TEST(layer_rejects_symlink_chains_out), CK_TEST(layer_rejects_hardlinks_outside),
         CK_TEST(layer_manual_walk_refuses_every_symlink),
         CK_TEST(layer_rootful_keeps_devices_rootless_refuses_them),
         CK_TEST(layer_rootless_strips_setid_and_records_owner), CK_TEST(layer_decompression_bomb_is_stopped),
         CK_TEST(layer_truncated_archives_fail), CK_TEST(layer_diff_id_mismatch_fails),
         CK_TEST(layer_blob_damaged_in_store_fails), CK_TEST(layer_later_entries_replace_earlier_ones),
         CK_TEST(layer_concurrent_unpacks_store_once), CK_TEST(layer_unprivileged_user_unpacks_rootless),
         { "bench_unpack", bench_unpack })
