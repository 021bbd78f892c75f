/* The image part of `ck system check`: every image's manifest, config and
 * layer blobs and its unpacked layers must be there; blobs and layers that
 * no image references, and dead entries of images/tmp, are leftovers. */
#define _GNU_SOURCE
#include "image/image_int.h"
#include "layer/layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A blob that no image references may still belong to a pull that has not
 * committed yet; only older ones are removed. */
#define BLOB_GRACE_SECONDS 600
/* A temporary entry that its writer does not hold locked may just not be
 * locked yet; only older ones are dead (blob.c uses the same rule). */
#define TMP_GRACE_SECONDS 60

struct scan {
	ck_context *ctx;
	ck_image **imgs;
	size_t n;
	char **bad;           /* ids of JSON records that are not image records */
	bool damaged;         /* some record could not be read at all */
	char **lost_rootfs;   /* root filesystems whose image is gone */
	char **blobs, **layers; /* referenced, sorted after the scan */
	size_t nb, nl;
};

static void scan_clear(struct scan *s)
{
	ck_image_list_free(s->imgs, s->n);
	ck_strv_free(s->bad);
	ck_strv_free(s->lost_rootfs);
	ck_strv_free(s->blobs);
	ck_strv_free(s->layers);
	s->imgs = NULL;
	s->damaged = false;
	s->bad = s->lost_rootfs = s->blobs = s->layers = NULL;
	s->n = s->nb = s->nl = 0;
}

static int push(char ***v, size_t *n, const char *s)
{
	int rc = ck__strv_push(v, s);
	if (rc == CK_OK && n)
		(*n)++;
	return rc;
}

static int image_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct scan *s = payload;
	ck_image *img = NULL, **nv;
	int rc = ck__image_from_record(&img, s->ctx, id, config, state);

	if (rc == CK_ENOMEM)
		return rc;
	if (rc != CK_OK) {
		yajl_val tree = NULL;
		bool object;
		/* Records that are not JSON objects are the state check's report. */
		ck__error_clear();
		s->damaged = true;
		object = ck__json_parse(&tree, config, "image record", CK_ECORRUPT) == CK_OK && YAJL_IS_OBJECT(tree);
		if (tree)
			yajl_tree_free(tree);
		ck__error_clear();
		return object ? push(&s->bad, NULL, id) : CK_OK;
	}
	if (!(nv = realloc(s->imgs, (s->n + 1) * sizeof(*nv)))) {
		ck_image_free(img);
		return ck__oom();
	}
	s->imgs = nv;
	s->imgs[s->n++] = img;
	rc = push(&s->blobs, &s->nb, img->digest);
	if (rc == CK_OK)
		rc = push(&s->blobs, &s->nb, img->config_digest);
	for (size_t i = 0; rc == CK_OK && i < img->n_layers; i++) {
		if ((rc = push(&s->blobs, &s->nb, img->layers[i].digest)) == CK_OK)
			rc = push(&s->layers, &s->nl, img->layers[i].diff_id);
	}
	return rc;
}

struct rootfs_scan {
	ck_state_txn *txn;
	struct scan *s;
};

static int rootfs_fn(const char *owner, const void *val, size_t len, void *payload)
{
	struct rootfs_scan *rs = payload;
	char *text = strndup(val, len), *cfg = NULL;
	yajl_val tree = NULL;
	const char *image;
	int rc = CK_OK;

	if (!text)
		return ck__oom();
	if (ck__json_parse(&tree, text, "rootfs record", CK_ECORRUPT) == CK_OK &&
	    (image = ck__json_str(tree, "image")) && *image) {
		rc = ck__txn_get(&cfg, NULL, rs->txn, "images", image);
		free(cfg);
		if (rc == CK_ENOTFOUND)
			rc = push(&rs->s->lost_rootfs, NULL, owner);
	}
	if (tree)
		yajl_tree_free(tree);
	free(text);
	ck__error_clear();
	return rc;
}

static int scan_txn(ck_state_txn *txn, void *payload)
{
	struct scan *s = payload;
	struct rootfs_scan rs = { txn, s };
	int rc;

	scan_clear(s); /* the body may run more than once */
	if ((rc = ck__rec_foreach(txn, CK__KIND_IMAGE, image_fn, s)) != CK_OK)
		return rc;
	return ck__txn_scan(txn, "rootfs", "", rootfs_fn, &rs);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has(char **sorted, size_t n, const char *s)
{
	return n && bsearch(&s, sorted, n, sizeof(*sorted), cmp_str);
}

/* `hint`: the next step when the problem stays (NULL: the default). */
static void problem_hint(ck__check_report *r, const char *kind, const char *object, const char *hint,
                         bool repairable, bool repaired, const char *fmt, ...) CK_PRINTF(7, 8);

static void problem_hint(ck__check_report *r, const char *kind, const char *object, const char *hint,
                         bool repairable, bool repaired, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ck__check_add_hint(r, kind, object, detail, hint, repairable, repaired);
}

#define problem(r, kind, object, repairable, repaired, ...) \
	problem_hint(r, kind, object, NULL, repairable, repaired, __VA_ARGS__)

/* ---- damaged images ---- */

static void check_image(ck_context *ctx, ck__check_report *r, const ck_image *img)
{
	char again[256];

	snprintf(again, sizeof(again), "pull or load the image again, or remove it with 'ck rmi -f %.12s'",
	         img->id);
	if (!ck__blob_exists(ctx, img->digest))
		problem_hint(r, CK_CHECK_DAMAGED_IMAGE, img->id, again, false, false,
		             "image %.12s: its manifest %s is missing from the blob store", img->id, img->digest);
	if (!ck__blob_exists(ctx, img->config_digest))
		problem_hint(r, CK_CHECK_DAMAGED_IMAGE, img->id, again, false, false,
		             "image %.12s: its config %s is missing from the blob store", img->id,
		             img->config_digest);
	for (size_t i = 0; i < img->n_layers; i++) {
		const ck__image_layer *l = &img->layers[i];
		bool blob = ck__blob_exists(ctx, l->digest);
		if (!ck__layer_exists(ctx, l->diff_id)) {
			bool repaired = false;
			char msg[512] = "";
			if (blob && r->repair) {
				char *diff = NULL;
				repaired = ck__layer_unpack(&diff, ctx, l->digest, l->diff_id, NULL, NULL, NULL) == CK_OK;
				if (!repaired)
					snprintf(msg, sizeof(msg), " (repair failed: %s)", ck_error_last()->message);
				ck__error_clear();
				free(diff);
			}
			problem_hint(r, CK_CHECK_DAMAGED_IMAGE, img->id, blob ? NULL : again, blob, repaired,
			             "image %.12s: its layer %zu (%s) is not unpacked; %s%s", img->id, i + 1,
			             l->diff_id, blob ? "repair unpacks it again from its blob" : "its blob is missing too",
			             blob ? msg : "");
		} else if (!blob) {
			problem_hint(r, CK_CHECK_DAMAGED_IMAGE, img->id, again, false, false,
			             "image %.12s: the blob of its layer %zu (%s) is missing; containers still run from "
			             "the unpacked layer, but the image cannot be pushed or saved", img->id, i + 1,
			             l->digest);
		}
	}
}

/* A rootless store whose files are owned through another user's mapping
 * (images/idmap): its layers cannot be used nor removed here. */
static void check_idmap(ck_context *ctx, ck__check_report *r)
{
	ck__shift sh;

	if (ck__layer_shift(&sh, ctx, false) != CK_OK)
		problem(r, CK_CHECK_DAMAGED_IMAGE, "images/idmap", false, false, "%s", ck_error_last()->message);
	ck__error_clear();
}

/* ---- leftovers ---- */

/* The 64-hex entries of a store directory, sorted. */
static int read_hex_entries(char ***out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = CK_OK;

	*out = NULL;
	if (!d)
		return errno == ENOENT ? CK_OK : ck__error_errno(CK_EIO, "cannot read %s", dir);
	while (rc == CK_OK && (de = readdir(d)))
		if (strlen(de->d_name) == 64 && ck__is_hex(de->d_name, 64))
			rc = ck__strv_push(out, de->d_name);
	closedir(d);
	if (rc == CK_OK && *out)
		qsort(*out, ck__strv_len(*out), sizeof(**out), cmp_str);
	return rc;
}

struct gc {
	ck__lock lk;
	bool tried, locked, blocked_by_damage;
	char **lost_rootfs;
};

/* Exclusive hold of the image store: no commit is between unpacking a
 * layer and recording it while leftovers are removed. */
static bool gc_lock(ck_context *ctx, struct gc *g)
{
	if (!g->tried) {
		g->tried = true;
		g->locked = ck__image_store_lock(&g->lk, ctx, true, 5000) == CK_OK;
		ck__error_clear();
	}
	return g->locked;
}

static void check_unreferenced(ck_context *ctx, ck__check_report *r, struct scan *s, struct gc *g, bool layers)
{
	char *dir = ck__store_path(ctx, layers ? "layers" : "blobs/sha256"), **entries = NULL;
	time_t now = time(NULL);

	if (!dir || read_hex_entries(&entries, dir) != CK_OK) {
		problem(r, CK_CHECK_LEFTOVER, layers ? "images/layers" : "images/blobs", false, false,
		        "cannot list %s: %s", dir ? dir : "the image store", dir ? ck_error_last()->message : "out of memory");
		ck__error_clear();
		free(dir);
		return;
	}
	for (char **e = entries; e && *e; e++) {
		char digest[72], path[4200], why[160] = "";
		struct stat st;
		bool repaired = false;

		snprintf(digest, sizeof(digest), "sha256:%s", *e);
		if (layers ? has(s->layers, s->nl, digest) : has(s->blobs, s->nb, digest))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, *e);
		if (lstat(path, &st) < 0)
			continue; /* removed meanwhile */
		if (r->repair) {
			if (g->blocked_by_damage)
				snprintf(why, sizeof(why), " (kept: an image record is damaged, so what it references is "
				                           "unknown)");
			else if (layers && g->lost_rootfs)
				snprintf(why, sizeof(why), " (kept: root filesystem %.40s was made from an image removed "
				                           "by force and may use it)", g->lost_rootfs[0]);
			else if (!layers && st.st_mtime > now - BLOB_GRACE_SECONDS)
				snprintf(why, sizeof(why), " (kept: it is recent and may belong to a pull in progress; "
				                           "check again later)");
			else if (!gc_lock(ctx, g))
				snprintf(why, sizeof(why), " (kept: images are being written; check again later)");
			else if ((layers ? ck__layer_remove(ctx, digest) : ck__blob_remove(ctx, digest)) == CK_OK)
				repaired = true;
			else
				snprintf(why, sizeof(why), " (repair failed: %.120s)", ck_error_last()->message);
			ck__error_clear();
		}
		problem(r, CK_CHECK_LEFTOVER, digest, true, repaired, "%s %s is not used by any image%s%s",
		        layers ? "layer" : "blob", path, repaired ? "; removed" : "; repair removes it", why);
	}
	ck_strv_free(entries);
	free(dir);
}

/* Dead entries of images/tmp: not held locked by a writer, and old enough
 * that the writer cannot still be about to lock them. */
static void check_tmp(ck_context *ctx, ck__check_report *r)
{
	char *dir = ck__store_path(ctx, "tmp");
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		free(dir);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char path[4200];
		bool repaired = false;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 || st.st_mtime > now - TMP_GRACE_SECONDS) {
			close(fd);
			continue; /* being written */
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* Removed while still holding the lock, so no writer can adopt it;
		 * in a rootless store, in its user namespace where needed. */
		char why[200] = "";
		if (r->repair && !(repaired = ck__store_remove(ctx, AT_FDCWD, path, path) == CK_OK))
			snprintf(why, sizeof(why), ": %.180s", ck_error_last()->message);
		problem(r, CK_CHECK_LEFTOVER, de->d_name, true, repaired,
		        "%s is left over from an interrupted image operation%s%s", path,
		        repaired || !r->repair ? "" : "; it could not be removed", why);
		ck__error_clear();
		close(fd);
	}
	closedir(d);
	free(dir);
}

int ck__image_check(ck_context *ctx, ck__check_report *r)
{
	struct scan s;
	struct gc g;
	int rc;

	if (r->unreadable)
		return CK_OK; /* without trustworthy records, every blob would look unused */
	memset(&s, 0, sizeof(s));
	memset(&g, 0, sizeof(g));
	g.lk.fd = -1;
	s.ctx = ctx;
	if ((rc = ck__state_read(ctx, scan_txn, &s)) != CK_OK) {
		scan_clear(&s);
		return rc;
	}
	if (s.nb)
		qsort(s.blobs, s.nb, sizeof(*s.blobs), cmp_str);
	if (s.nl)
		qsort(s.layers, s.nl, sizeof(*s.layers), cmp_str);
	for (char **b = s.bad; b && *b; b++)
	{
		char *hint = ck__check_unreadable_record_hint(ctx, CK__KIND_IMAGE, *b);
		problem_hint(r, CK_CHECK_BAD_RECORD, *b, hint, false, false,
		             "image %.12s: the record is not an image record (it lacks its digests or layers)", *b);
		free(hint);
	}
	check_idmap(ctx, r);
	for (size_t i = 0; i < s.n; i++)
		check_image(ctx, r, s.imgs[i]);
	g.blocked_by_damage = s.damaged;
	g.lost_rootfs = s.lost_rootfs;
	check_unreferenced(ctx, r, &s, &g, true);
	check_unreferenced(ctx, r, &s, &g, false);
	check_tmp(ctx, r);
	ck__lock_release(&g.lk);
	scan_clear(&s);
	ck__error_clear();
	return CK_OK;
}
