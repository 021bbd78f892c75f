/* ck_image_load: an oci-archive, docker-archive or OCI layout directory into
 * the store.  Everything is read and checked first; then the blobs go in,
 * the layers are unpacked, and only then are the images recorded, so a
 * failure (or a kill) before the end leaves no image behind. */
#define _GNU_SOURCE
#include "archive_int.h"
#include "image/libarchive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What committing one image changed, to undo it if a later one fails. */
typedef struct done {
	ck_image *img;
	bool created;      /* the image did not exist before */
	char **added;      /* names it gained */
} done;

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

static int ingest(ck__arc *a, const ck__arc_plan *p)
{
	int rc = CK_OK;

	for (size_t i = 0; rc == CK_OK && i < p->n; i++) {
		const ck__arc_image *img = &p->v[i];
		for (size_t b = 0; rc == CK_OK && b < img->n_blobs; b++)
			rc = ck__arc_ingest(a, img->blobs[b]);
		if (rc == CK_OK && img->manifest_entry)
			rc = ck__arc_ingest(a, img->manifest_entry);
		else if (rc == CK_OK && !ck__blob_exists(a->ctx, img->manifest_digest))
			rc = ck__blob_put(NULL, a->ctx, img->manifest, img->manifest_len, img->manifest_digest);
	}
	return rc;
}

static int unpack(ck__arc *a, const ck__arc_plan *p)
{
	int rc = CK_OK;

	for (size_t i = 0; rc == CK_OK && i < p->n; i++)
		for (size_t l = 0; rc == CK_OK && p->v[i].layer_digests && p->v[i].layer_digests[l]; l++) {
			rc = ck__layer_unpack(NULL, a->ctx, p->v[i].layer_digests[l], p->v[i].diff_ids[l], NULL,
			                      a->progress, a->payload);
			if (rc < 0)
				ck__error_wrap(rc, "%s: layer %s", a->path, p->v[i].layer_digests[l]);
		}
	return rc;
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Records one image, noting what changed. */
static int commit_one(done *d, ck__arc *a, const ck__arc_image *img)
{
	const char *hex = img->config_digest + 7;
	ck_image *before = NULL;
	const char *const *old = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	if (ck_image_lookup(&before, a->ctx, hex) == CK_OK)
		old = ck_image_names(before);
	ck__error_clear();
	d->created = before == NULL;
	rc = ck__image_commit(&d->img, a->ctx, img->manifest_digest, (const char *const *)img->names, a->progress,
	                      a->payload);
	for (size_t i = 0; rc == CK_OK && img->names && img->names[i]; i++)
		if (!strv_has((char *const *)old, img->names[i]))
			rc = ck__strv_push(&d->added, img->names[i]);
	ck_image_free(before);
	return rc;
}

/* Takes back the images committed so far, keeping the error that caused it. */
static void rollback(ck__arc *a, done *v, size_t n)
{
	char saved[1024];
	int code = ck_error_last()->code;

	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	for (size_t i = n; i-- > 0;) {
		int rc = CK_OK;
		if (!v[i].img)
			continue;
		if (v[i].created)
			rc = ck_image_remove(v[i].img, 0);
		else
			for (size_t k = 0; rc == CK_OK && v[i].added && v[i].added[k]; k++)
				rc = ck_image_untag(v[i].img, v[i].added[k]);
		if (rc < 0)
			ck__log(a->ctx, CK_LOG_ERROR, "%s: cannot take back image %s after a failed load: %s", a->path,
			        ck_image_id(v[i].img), ck_error_last()->message);
	}
	ck__error_set(code, "%s", saved);
}

static int commit_all(char ***names, ck__arc *a, const ck__arc_plan *p)
{
	done *v = calloc(p->n ? p->n : 1, sizeof(*v));
	char **out = NULL;
	int rc = CK_OK;
	size_t i;

	if (!v)
		return ck__oom();
	for (i = 0; rc == CK_OK && i < p->n; i++) {
		const ck__arc_image *img = &p->v[i];
		if ((rc = commit_one(&v[i], a, img)) < 0)
			break;
		if (!img->names)
			rc = ck__strv_push(&out, img->config_digest + 7);
		for (size_t k = 0; rc == CK_OK && img->names && img->names[k]; k++)
			rc = ck__strv_push(&out, img->names[k]);
	}
	if (rc < 0) {
		rollback(a, v, p->n);
		ck_strv_free(out);
		out = NULL;
	}
	for (size_t k = 0; k < p->n; k++) {
		ck_image_free(v[k].img);
		ck_strv_free(v[k].added);
	}
	free(v);
	if (names)
		*names = out;
	else
		ck_strv_free(out);
	return rc;
}

int ck_image_load(char ***names, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload)
{
	ck__arc a;
	ck__arc_plan plan = { 0 };
	int rc;

	CK_ENTER();
	if (names)
		*names = NULL;
	if (!ctx || !path || !*path)
		return ck__error_set(CK_EINVAL, "ck_image_load: a context and a path are required");
	if ((rc = ck__archive_require()) != CK_OK)
		return rc;
	rc = ck__arc_open(&a, ctx, path, progress, payload);
	if (rc == CK_OK)
		rc = detect(&plan, &a);
	if (rc == CK_OK)
		rc = ingest(&a, &plan);
	if (rc == CK_OK)
		rc = unpack(&a, &plan);
	if (rc == CK_OK)
		rc = commit_all(names, &a, &plan);
	ck__arc_plan_free(&plan);
	ck__arc_close(&a);
	return rc;
}
