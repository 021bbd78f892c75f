/* Removing images: the record and its tags in one transaction, then the
 * blobs and layers that no other image references; and pruning. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

/* How long a removal waits for commits in progress before it leaves the
 * unreferenced blobs to `ck system check --repair`. */
#define GC_LOCK_TIMEOUT_MS 60000

struct refs {
	char **blobs, **layers;
	size_t nb, nl;
};

static int add_ref(char ***v, size_t *n, const char *s)
{
	int rc;

	if (!s)
		return CK_OK;
	if ((rc = ck__strv_push(v, s)) == CK_OK)
		(*n)++;
	return rc;
}

static int refs_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct refs *r = payload;
	yajl_val tree = NULL, layers;
	int rc = CK_OK;

	if (ck__json_parse(&tree, config, "image record", CK_ECORRUPT) != CK_OK) {
		/* Unreadable: keep everything rather than guess. */
		ck__error_clear();
		return CK_EINVAL;
	}
	if ((rc = add_ref(&r->blobs, &r->nb, ck__json_str(tree, "digest"))) == CK_OK)
		rc = add_ref(&r->blobs, &r->nb, ck__json_str(tree, "config_digest"));
	layers = ck__json_arr(tree, "layers");
	for (size_t i = 0; rc == CK_OK && layers && i < layers->u.array.len; i++) {
		yajl_val l = layers->u.array.values[i];
		if ((rc = add_ref(&r->blobs, &r->nb, ck__json_str(l, "digest"))) == CK_OK)
			rc = add_ref(&r->layers, &r->nl, ck__json_str(l, "diff_id"));
	}
	yajl_tree_free(tree);
	return rc;
}

static void refs_clear(struct refs *r)
{
	ck_strv_free(r->blobs);
	ck_strv_free(r->layers);
	memset(r, 0, sizeof(*r));
}

static int refs_txn(ck_state_txn *txn, void *payload)
{
	refs_clear(payload); /* the body may run more than once */
	return ck__rec_foreach(txn, CK__KIND_IMAGE, refs_fn, payload);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool referenced(char **sorted, size_t n, const char *s)
{
	return n && bsearch(&s, sorted, n, sizeof(*sorted), cmp_str);
}

static void drop_blob(ck_context *ctx, const char *id, const char *digest, const struct refs *r)
{
	if (!digest || referenced(r->blobs, r->nb, digest))
		return;
	if (ck__blob_remove(ctx, digest) != CK_OK && ck_error_last()->code != CK_ENOTFOUND)
		ck__log(ctx, CK_LOG_WARN, "image %.12s: cannot remove blob %s: %s (`ck system check --repair` "
		                          "removes it later)", id, digest, ck_error_last()->message);
	ck__error_clear();
}

/* Removes `layers` (their diff ids and blobs) and the blobs `config` and
 * `manifest` that no image record references; `id` names them in messages. */
static void gc(ck_context *ctx, const char *id, const ck__image_layer *layers, size_t n_layers,
               const char *config, const char *manifest)
{
	ck__lock lk = CK__LOCK_INIT;
	struct refs r = { NULL, NULL, 0, 0 };
	int rc;

	/* Exclusive: no commit is between unpacking a layer and recording it. */
	if ((rc = ck__image_store_lock(&lk, ctx, true, GC_LOCK_TIMEOUT_MS)) != CK_OK) {
		ck__log(ctx, CK_LOG_WARN, "image %.12s: its blobs and layers stay for now: %s (`ck system check "
		                          "--repair` removes them)", id, ck_error_last()->message);
		ck__error_clear();
		return;
	}
	rc = ck__state_read(ctx, refs_txn, &r);
	if (rc != CK_OK) {
		ck__log(ctx, CK_LOG_WARN, "image %.12s: its blobs and layers stay, since the other images "
		                          "cannot all be read: %s", id,
		        rc == CK_EINVAL ? "a record is damaged" : ck_error_last()->message);
		ck__error_clear();
		goto out;
	}
	if (r.nb)
		qsort(r.blobs, r.nb, sizeof(*r.blobs), cmp_str);
	if (r.nl)
		qsort(r.layers, r.nl, sizeof(*r.layers), cmp_str);
	for (size_t i = 0; i < n_layers; i++) {
		const char *diff = layers[i].diff_id;
		if (diff && !referenced(r.layers, r.nl, diff) && ck__layer_remove(ctx, diff) != CK_OK &&
		    ck_error_last()->code != CK_ENOTFOUND)
			ck__log(ctx, CK_LOG_WARN, "image %.12s: cannot remove layer %s: %s", id, diff,
			        ck_error_last()->message);
		ck__error_clear();
		drop_blob(ctx, id, layers[i].digest, &r);
	}
	drop_blob(ctx, id, config, &r);
	drop_blob(ctx, id, manifest, &r);
out:
	refs_clear(&r);
	ck__lock_release(&lk);
}

void ck__image_gc(ck_context *ctx, const ck_image *gone)
{
	gc(ctx, gone->id, gone->layers, gone->n_layers, gone->config_digest, gone->digest);
}

void ck__image_gc_layers(ck_context *ctx, const char *what, const ck__image_layer *layers, size_t n)
{
	gc(ctx, what, layers, n, NULL, NULL);
}

struct remove_args {
	const char *id;
	bool force;
	bool only_dangling; /* prune: leave it if it gained a name meanwhile */
	bool had_users;
};

static int tags_of_fn(const char *key, const void *val, size_t len, void *payload)
{
	void **a = payload;
	const char *id = a[0];

	if (len == strlen(id) && !memcmp(val, id, len))
		return ck__strv_push((char ***)a[1], key);
	return 0;
}

static int remove_fn(ck_state_txn *txn, void *payload)
{
	struct remove_args *a = payload;
	ck__image_state st;
	char **tags = NULL;
	void *scan[2] = { (void *)a->id, &tags };
	bool damaged;
	int rc = ck__image_state_read(&st, &damaged, txn, a->id, true);

	if (rc != CK_OK && !damaged)
		return rc;
	if (rc != CK_OK && !a->force)
		return ck__error_wrap(rc, "cannot tell whether image %.12s is in use (remove it with force)", a->id);
	if (rc != CK_OK) {
		ck__error_clear();
		memset(&st, 0, sizeof(st));
	}
	char **users = NULL;
	if ((rc = ck__image_users(&users, txn, a->id, &st)) != CK_OK) {
		ck__image_state_free(&st);
		return rc;
	}
	a->had_users = users[0] != NULL;
	if (a->only_dangling && st.names && st.names[0]) {
		ck__image_state_free(&st);
		ck_strv_free(users);
		return ck__error_set(CK_ESTATE, "image %.12s was tagged meanwhile", a->id);
	}
	if (a->had_users && !a->force) {
		ck__buf b = { 0 };
		for (char **u = users; *u; u++) {
			/* Users are container ids, or "KIND/ID" (a root filesystem's owner). */
			const char *slash = strchr(*u, '/');
			if (slash)
				ck__buf_printf(&b, "%s%.*s %.12s", u == users ? "" : ", ", (int)(slash - *u), *u,
				               slash + 1);
			else
				ck__buf_printf(&b, "%scontainer %.12s", u == users ? "" : ", ", *u);
		}
		rc = ck__error_set(CK_EINUSE, "image %.12s is in use by %s; remove them first, or remove the "
		                              "image with force", a->id, b.data ? b.data : "");
		ck__buf_free(&b);
		ck__image_state_free(&st);
		ck_strv_free(users);
		return rc;
	}
	ck__image_state_free(&st);
	ck_strv_free(users);
	if (a->had_users && (rc = ck__image_users_delete(txn, a->id)) != CK_OK)
		return rc;
	/* Every tag that points here, whatever the state says. */
	rc = ck__txn_scan(txn, "images.tags", "", tags_of_fn, scan);
	for (char **t = tags; rc == CK_OK && t && *t; t++)
		rc = ck__txn_del(txn, "images.tags", *t);
	ck_strv_free(tags);
	if (rc == CK_OK)
		rc = ck__rec_delete(txn, CK__KIND_IMAGE, a->id, NULL);
	return rc;
}

static int remove_image(ck_image *img, bool force, bool only_dangling)
{
	struct remove_args a = { img->id, force, only_dangling, false };
	int rc = ck__state_write(img->ctx, remove_fn, &a);

	if (rc != CK_OK)
		return rc;
	if (a.had_users) {
		/* Its users may still run on its layers: those stay until a
		 * check finds nobody needs them. */
		ck__log(img->ctx, CK_LOG_WARN, "image %.12s was removed by force while in use; its layers stay "
		                               "until `ck system check --repair`", img->id);
		return CK_OK;
	}
	ck__image_gc(img->ctx, img);
	ck__log(img->ctx, CK_LOG_DEBUG, "image %.12s: removed", img->id);
	return CK_OK;
}

int ck_image_remove(ck_image *img, unsigned int flags)
{
	CK_ENTER();
	if (!img)
		return ck__error_set(CK_EINVAL, "ck_image_remove: img is NULL");
	if (flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES))
		return ck__error_set(CK_EINVAL, "ck_image_remove: unknown flags 0x%x",
		                     flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES));
	return remove_image(img, (flags & CK_REMOVE_FORCE) != 0, false);
}

int ck_image_prune(char ***removed, ck_context *ctx, unsigned int flags)
{
	ck_image **imgs = NULL;
	char **ids = NULL;
	size_t n = 0, done = 0;
	int rc;

	CK_ENTER();
	if (removed)
		*removed = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_image_prune: ctx is NULL");
	if (flags & ~CK_IMAGE_PRUNE_ALL)
		return ck__error_set(CK_EINVAL, "ck_image_prune: unknown flags 0x%x", flags & ~CK_IMAGE_PRUNE_ALL);
	if ((rc = ck_image_list(&imgs, &n, ctx, CK_IMAGE_LIST_ALL, NULL)) != CK_OK)
		return rc;
	if (!(ids = calloc(1, sizeof(*ids))))
		rc = ck__oom();
	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		ck_image *img = imgs[i];
		/* An image in use refuses its removal (CK_EINUSE, below). */
		if (img->names[0] && !(flags & CK_IMAGE_PRUNE_ALL))
			continue;
		rc = remove_image(img, false, !(flags & CK_IMAGE_PRUNE_ALL));
		if (rc == CK_EINUSE || rc == CK_ENOTFOUND || rc == CK_ESTATE) {
			/* Taken into use or removed since the listing: not ours to prune. */
			ck__error_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK) {
			done++;
			rc = ck__strv_push(&ids, img->id);
		}
	}
	ck_image_list_free(imgs, n);
	if (rc != CK_OK) {
		if (done)
			ck__error_wrap(rc, "image prune stopped after removing %zu image(s)", done);
		ck_strv_free(ids);
		return rc;
	}
	if (removed)
		*removed = ids;
	else
		ck_strv_free(ids);
	return CK_OK;
}
