/* ck_image_load: an oci-archive, docker-archive or OCI layout directory into
 * the store.  Everything is read and checked first; then the blobs go in and
 * the layers are unpacked (content-addressed, so invisible until an image
 * references them), and only then are all the images, names and tag moves of
 * the archive recorded, in one transaction: a failure, or a kill, at any
 * moment leaves either every image of the archive or none. */
#define _GNU_SOURCE
#include "archive_int.h"
/* take_back() hands ck__image_gc an image handle made of what the load added. */
#include "image/image_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int detect(ck__arc_plan *p, ck__arc *a)
{
	ck__arc_entry *layout = NULL, *index = NULL, *manifest = NULL;
	int rc;

	if (a->is_dir)
		return ck__arc_plan_oci(p, a);
	if ((rc = ck__arc_find(&layout, a, "oci-layout")) < 0 || (rc = ck__arc_find(&index, a, "index.json")) < 0 ||
	    (rc = ck__arc_find(&manifest, a, "manifest.json")) < 0)
		return rc;
	if (layout && index)
		return ck__arc_plan_oci(p, a);
	if (manifest)
		return ck__arc_plan_docker(p, a);
	return ck__error_set(CK_EINVAL, "%s is neither an oci-archive nor a docker-archive (it has neither "
	                     "oci-layout and index.json nor manifest.json)", a->path);
}

/* What this load added to the store (blob digests and layer diff ids), to
 * take back if it fails. */
typedef struct added {
	ck__image_layer *v; /* a digest or a diff id each */
	size_t n, cap;
} added;

static int note(added *ad, const char *digest, bool layer)
{
	char *copy;

	for (size_t i = 0; i < ad->n; i++) {
		const char *have = layer ? ad->v[i].diff_id : ad->v[i].digest;
		if (have && !strcmp(have, digest))
			return CK_OK;
	}
	if (ad->n == ad->cap) {
		size_t cap = ad->cap ? ad->cap * 2 : 16;
		ck__image_layer *v = realloc(ad->v, cap * sizeof(*v));
		if (!v)
			return ck__oom();
		ad->v = v;
		ad->cap = cap;
	}
	if (!(copy = ck__strdup(digest)))
		return ck__oom();
	memset(&ad->v[ad->n], 0, sizeof(ad->v[ad->n]));
	if (layer)
		ad->v[ad->n++].diff_id = copy;
	else
		ad->v[ad->n++].digest = copy;
	return CK_OK;
}

static void added_free(added *ad)
{
	for (size_t i = 0; i < ad->n; i++) {
		free(ad->v[i].digest);
		free(ad->v[i].diff_id);
	}
	free(ad->v);
	memset(ad, 0, sizeof(*ad));
}

/* Stores one blob of the archive, noting it when it is new. */
static int ingest_one(ck__arc *a, const ck__arc_entry *e, added *ad)
{
	int rc;

	if (ck__blob_exists(a->ctx, e->digest))
		return ck__arc_ingest(a, e); /* reports it as skipped */
	if ((rc = note(ad, e->digest, false)) == CK_OK)
		rc = ck__arc_ingest(a, e);
	return rc;
}

static int ingest(ck__arc *a, const ck__arc_plan *p, added *ad)
{
	int rc = CK_OK;

	for (size_t i = 0; rc == CK_OK && i < p->n; i++) {
		const ck__arc_image *img = &p->v[i];
		for (size_t b = 0; rc == CK_OK && b < img->n_blobs; b++)
			rc = ingest_one(a, img->blobs[b], ad);
		if (rc == CK_OK && img->manifest_entry)
			rc = ingest_one(a, img->manifest_entry, ad);
		else if (rc == CK_OK && !ck__blob_exists(a->ctx, img->manifest_digest) &&
		         (rc = note(ad, img->manifest_digest, false)) == CK_OK)
			rc = ck__blob_put(NULL, a->ctx, img->manifest, img->manifest_len, img->manifest_digest);
	}
	/* The commit unpacks the layers that are missing: they are this load's. */
	for (size_t i = 0; rc == CK_OK && i < p->n; i++)
		for (size_t l = 0; rc == CK_OK && p->v[i].diff_ids && p->v[i].diff_ids[l]; l++)
			if (!ck__layer_exists(a->ctx, p->v[i].diff_ids[l]))
				rc = note(ad, p->v[i].diff_ids[l], true);
	return rc;
}

/* Removes what the failed load added and no image uses, keeping the error
 * that made it fail.  The image store lock must be free: this takes it
 * exclusively, after any commit in progress that may share a blob. */
static void take_back(ck__arc *a, added *ad)
{
	const ck_error *e = ck_error_last();
	char saved[1024];
	int code = e->code;
	ck_image gone;

	if (!ad->n)
		return;
	snprintf(saved, sizeof(saved), "%s", e->message);
	memset(&gone, 0, sizeof(gone));
	gone.id = (char *)"(load)";
	gone.layers = ad->v;
	gone.n_layers = ad->n;
	ck__image_gc(a->ctx, &gone);
	ck__error_set(code, "%s", saved);
}

/* Every image of the plan, in one commit; `*names` gets what ck load
 * prints: each image's names, or its id when it has none. */
static int commit_all(char ***names, ck__arc *a, const ck__arc_plan *p)
{
	ck__commit_item *items = calloc(p->n ? p->n : 1, sizeof(*items));
	char **whats = calloc(p->n + 1, sizeof(*whats)), **out = NULL;
	int rc = CK_OK;

	if (!items || !whats)
		rc = ck__oom();
	for (size_t i = 0; rc == CK_OK && i < p->n; i++) {
		const ck__arc_image *img = &p->v[i];
		items[i].manifest_digest = img->manifest_digest;
		items[i].names = (const char *const *)img->names;
		if (!(whats[i] = ck__asprintf("%s: %s", a->path, img->what ? img->what : img->manifest_digest)))
			rc = ck__oom();
		items[i].what = whats[i];
	}
	if (rc == CK_OK)
		rc = ck__image_commit_all(NULL, a->ctx, items, p->n, a->progress, a->payload);
	for (size_t i = 0; rc == CK_OK && i < p->n; i++) {
		const ck__arc_image *img = &p->v[i];
		if (!img->names)
			rc = ck__strv_push(&out, img->config_digest + 7);
		for (size_t k = 0; rc == CK_OK && img->names && img->names[k]; k++)
			rc = ck__strv_push(&out, img->names[k]);
	}
	if (rc == CK_OK && names)
		*names = out;
	else
		ck_strv_free(out);
	ck_strv_free(whats);
	free(items);
	return rc;
}

static int load(char ***names, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload);

int ck_image_load(char ***names, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload)
{
	CK_ENTER();
	return load(names, ctx, path, progress, payload);
}

int ck_image_load_v2(char ***names, ck_context *ctx, const char *path, ck_image_progress_fn progress,
                     void *payload)
{
	ck__image_progress relay = { .fn = progress, .payload = payload };
	int rc;

	CK_ENTER();
	rc = load(names, ctx, path, progress ? ck__image_progress_relay : NULL, &relay);
	ck__image_progress_free(&relay);
	return rc;
}

static int load(char ***names, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload)
{
	ck__arc a;
	ck__arc_plan plan = { 0 };
	ck__lock lk = CK__LOCK_INIT;
	added ad = { NULL, 0, 0 };
	int rc;

	if (names)
		*names = NULL;
	if (!ctx || !path || !*path)
		return ck__error_set(CK_EINVAL, "ck_image_load: a context and a path are required");
	rc = ck__arc_open(&a, ctx, path, progress, payload);
	if (rc == CK_OK)
		rc = detect(&plan, &a);
	/* Held from the first blob stored to the commit, so that no removal
	 * takes a blob or layer the archive's images are about to reference
	 * (and so that taking back waits for other commits sharing one). */
	if (rc == CK_OK)
		rc = ck__image_store_lock(&lk, ctx, false, -1);
	if (rc == CK_OK)
		rc = ingest(&a, &plan, &ad);
	if (rc == CK_OK)
		rc = commit_all(names, &a, &plan);
	ck__lock_release(&lk);
	if (rc < 0)
		take_back(&a, &ad);
	added_free(&ad);
	ck__arc_plan_free(&plan);
	ck__arc_close(&a);
	return rc;
}
