/* Image records: the handle built from a record, the store lock, and
 * ck__image_commit, which turns a manifest in the blob store into an image.
 * The mutable side (names, tags, users) is state.c. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX (32u << 20)
#define STATE_EMPTY "{\"names\":[],\"users\":[]}"

/* ---- the store lock ---- */

int ck__image_store_lock(ck__lock *lk, ck_context *ctx, bool exclusive, int timeout_ms)
{
	char *dir = ck__root_path(ctx, "images"), *path = NULL;
	int rc;

	if (!dir)
		return ck__oom();
	if ((rc = ck__mkdir_p(dir, 0700)) == CK_OK) {
		path = ck__path_join(dir, "images.lock");
		rc = path ? ck__lock_acquire(lk, path, exclusive, timeout_ms) : ck__oom();
	}
	free(path);
	free(dir);
	return rc;
}

/* ---- the handle ---- */

static __thread uint64_t dir_size_acc;

static int dir_size_fn(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_F && S_ISREG(st->st_mode))
		/* Hardlinks count once in all: each link carries its share. */
		dir_size_acc += (uint64_t)st->st_size / (st->st_nlink ? st->st_nlink : 1);
	else if (type == FTW_SL)
		dir_size_acc += (uint64_t)st->st_size;
	return 0;
}

uint64_t ck__image_dir_size(const char *path)
{
	dir_size_acc = 0;
	if (path)
		nftw(path, dir_size_fn, 32, FTW_PHYS | FTW_MOUNT);
	return dir_size_acc;
}

void ck_image_free(ck_image *img)
{
	if (!img)
		return;
	free(img->id);
	free(img->digest);
	free(img->manifest_media_type);
	free(img->config_digest);
	free(img->config_media_type);
	free(img->os);
	free(img->arch);
	free(img->variant);
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].diff_id);
		free(img->layers[i].media_type);
	}
	free(img->layers);
	ck_strv_free(img->label_keys);
	ck_strv_free(img->label_vals);
	ck_strv_free(img->names);
	free(img);
}

const char *ck__image_label(const ck_image *img, const char *key)
{
	for (size_t i = 0; img->label_keys && img->label_keys[i]; i++)
		if (!strcmp(img->label_keys[i], key))
			return img->label_vals[i];
	return NULL;
}

static int dup_field(char **out, yajl_val tree, const char *key, bool required)
{
	const char *s = ck__json_str(tree, key);

	*out = NULL;
	if (!s)
		return required ? CK_ECORRUPT : CK_OK;
	*out = ck__strdup(s);
	return *out ? CK_OK : ck__oom();
}

static int parse_layers(ck_image *img, yajl_val arr)
{
	if (!arr)
		return CK_ECORRUPT;
	if (arr->u.array.len && !(img->layers = calloc(arr->u.array.len, sizeof(*img->layers))))
		return ck__oom();
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val l = arr->u.array.values[i];
		ck__image_layer *d = &img->layers[i];
		long long n = 0;
		int rc;

		img->n_layers++;
		if ((rc = dup_field(&d->digest, l, "digest", true)) != CK_OK ||
		    (rc = dup_field(&d->diff_id, l, "diff_id", true)) != CK_OK ||
		    (rc = dup_field(&d->media_type, l, "media_type", false)) != CK_OK)
			return rc;
		if (ck__json_int(l, "size", &n))
			d->size = n;
		if (ck__json_int(l, "unpacked_size", &n) && n >= 0)
			d->unpacked_size = (uint64_t)n;
	}
	return CK_OK;
}

static int parse_labels(ck_image *img, yajl_val obj)
{
	int rc = CK_OK;

	for (size_t i = 0; obj && i < obj->u.object.len && rc == CK_OK; i++) {
		yajl_val v = obj->u.object.values[i];
		if (!YAJL_IS_STRING(v))
			continue;
		if ((rc = ck__strv_push(&img->label_keys, obj->u.object.keys[i])) == CK_OK)
			rc = ck__strv_push(&img->label_vals, v->u.string);
	}
	return rc;
}

int ck__image_from_record(ck_image **out, ck_context *ctx, const char *id, const char *config,
                          const char *state)
{
	ck_image *img = calloc(1, sizeof(*img));
	ck__image_state st = { NULL, NULL };
	yajl_val tree = NULL;
	long long n = 0;
	int rc;

	*out = NULL;
	if (!img)
		return ck__oom();
	img->ctx = ctx;
	if (!(img->id = ck__strdup(id))) {
		rc = ck__oom();
		goto fail;
	}
	if ((rc = ck__json_parse(&tree, config, "image record", CK_ECORRUPT)) != CK_OK) {
		rc = ck__error_wrap(rc, "image %.12s", id);
		goto fail;
	}
	if ((rc = dup_field(&img->digest, tree, "digest", true)) != CK_OK ||
	    (rc = dup_field(&img->config_digest, tree, "config_digest", true)) != CK_OK ||
	    (rc = dup_field(&img->manifest_media_type, tree, "manifest_media_type", false)) != CK_OK ||
	    (rc = dup_field(&img->config_media_type, tree, "config_media_type", false)) != CK_OK ||
	    (rc = dup_field(&img->os, tree, "os", false)) != CK_OK ||
	    (rc = dup_field(&img->arch, tree, "arch", false)) != CK_OK ||
	    (rc = dup_field(&img->variant, tree, "variant", false)) != CK_OK ||
	    (rc = parse_layers(img, ck__json_arr(tree, "layers"))) != CK_OK ||
	    (rc = parse_labels(img, ck__json_obj(tree, "labels"))) != CK_OK)
		goto bad;
	if (ck__json_int(tree, "created", &n))
		img->created = n;
	if (ck__json_int(tree, "size", &n) && n >= 0)
		img->size = (uint64_t)n;
	if ((rc = ck__image_state_parse(&st, state, id)) != CK_OK)
		goto fail;
	img->names = st.names;
	ck_strv_free(st.users); /* a store written before keeps some there: ck__image_users() */
	if ((rc = ck__strv_empty(&img->label_keys)) != CK_OK || (rc = ck__strv_empty(&img->label_vals)) != CK_OK)
		goto fail;
	yajl_tree_free(tree);
	*out = img;
	return CK_OK;
bad:
	if (rc == CK_ECORRUPT)
		rc = ck__error_set(CK_ECORRUPT, "image %.12s: the record lacks its digests or layers; run "
		                                "`ck system check`", id);
fail:
	yajl_tree_free(tree);
	ck_image_free(img);
	return rc;
}

/* ---- commit ---- */

/* One image of a commit. */
struct commit {
	ck_context *ctx;
	const char *manifest_digest;
	char what[96];  /* "manifest sha256:...", for messages */
	char **names;   /* normalized */
	ck__manifest *m;
	ck__image_config cfg;
	char *config_json;
	size_t config_len;
	uint64_t *unpacked;
	bool measured; /* unpacked[] holds the layers' sizes */
	char id[65];
	char *record;
};

struct batch {
	struct commit *v;
	size_t n;
};

/* The size of blob `digest`, or an error naming the image's `role` for it. */
static int blob_size(int64_t *size, ck_context *ctx, const char *digest, const char *what, const char *role)
{
	char *path = ck__blob_path(ctx, digest);
	struct stat st;

	if (!path)
		return ck__error_set(CK_ECORRUPT, "%s: %s digest %s is invalid", what, role, digest);
	if (stat(path, &st) < 0) {
		int e = errno;
		free(path);
		if (e == ENOENT)
			return ck__error_set(CK_ENOTFOUND, "%s: its %s %s is not in the blob store", what, role,
			                     digest);
		return ck__error_sys(CK_EIO, e, "%s: cannot stat its %s %s", what, role, digest);
	}
	free(path);
	*size = (int64_t)st.st_size;
	return CK_OK;
}

static int check_blob(ck_context *ctx, const ck__descriptor *d, const char *what, const char *role)
{
	int64_t size = -1;
	int rc = blob_size(&size, ctx, d->digest, what, role);

	if (rc == CK_OK && size != d->size)
		rc = ck__error_set(CK_ECORRUPT, "%s: its %s %s has %lld bytes in the store, but the manifest "
		                                "says %lld", what, role, d->digest, (long long)size,
		                   (long long)d->size);
	return rc;
}

static int build_record(struct commit *c)
{
	yajl_val tree = NULL, labels;
	uint64_t total = 0;
	const char *variant;
	yajl_gen g;
	int rc;

	free(c->record);
	c->record = NULL;
	/* The config was validated; labels and variant are read from it again. */
	if ((rc = ck__json_parse(&tree, c->config_json, "image config", CK_ECORRUPT)) != CK_OK)
		return rc;
	labels = ck__json_obj(ck__json_obj(tree, "config"), "Labels");
	variant = ck__json_str(tree, "variant");
	if (!(g = ck__json_gen_new(false))) {
		yajl_tree_free(tree);
		return ck__oom();
	}
	yajl_gen_map_open(g);
	ck__json_key_str(g, "id", c->id);
	ck__json_key_str(g, "digest", c->manifest_digest);
	ck__json_key_str(g, "manifest_media_type", c->m->media_type);
	ck__json_key_str(g, "config_digest", c->m->config.digest);
	ck__json_key_str(g, "config_media_type", c->m->config.media_type);
	ck__json_key(g, "layers");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < c->m->n_layers; i++) {
		yajl_gen_map_open(g);
		ck__json_key_str(g, "digest", c->m->layers[i].digest);
		ck__json_key_str(g, "diff_id", c->cfg.diff_ids[i]);
		ck__json_key_int(g, "size", c->m->layers[i].size);
		ck__json_key_str(g, "media_type", c->m->layers[i].media_type);
		ck__json_key_int(g, "unpacked_size", (long long)c->unpacked[i]);
		yajl_gen_map_close(g);
		total += c->unpacked[i];
	}
	yajl_gen_array_close(g);
	ck__json_key_int(g, "created", c->cfg.created);
	ck__json_key_str(g, "os", c->cfg.os);
	ck__json_key_str(g, "arch", c->cfg.arch);
	if (variant)
		ck__json_key_str(g, "variant", variant);
	ck__json_key_int(g, "size", (long long)total);
	ck__json_key(g, "labels");
	yajl_gen_map_open(g);
	for (size_t i = 0; labels && i < labels->u.object.len; i++)
		if (YAJL_IS_STRING(labels->u.object.values[i]))
			ck__json_key_str(g, labels->u.object.keys[i], labels->u.object.values[i]->u.string);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_tree_free(tree);
	return ck__json_gen_finish(&c->record, g);
}

/* Reads and validates the manifest, the config and every blob's size. */
static int load_documents(struct commit *c)
{
	const char *what = c->what;
	char *json = NULL, *kind = NULL, cwhat[96];
	size_t len = 0;
	int rc;

	rc = ck__blob_read(&json, &len, c->ctx, c->manifest_digest, MANIFEST_MAX);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot read %s", what);
	rc = ck__manifest_kind(&kind, json, len, what);
	if (rc == CK_OK && (!strcmp(kind, CK_MT_OCI_INDEX) || !strcmp(kind, CK_MT_DOCKER_LIST)))
		rc = ck__error_set(CK_EINVAL, "%s is an image index, not an image manifest: select one "
		                              "platform's manifest from it", what);
	if (rc == CK_OK)
		rc = ck__manifest_parse(&c->m, json, len, what);
	free(kind);
	free(json);
	if (rc != CK_OK)
		return rc;
	if (strcmp(c->m->config.media_type, CK_MT_OCI_CONFIG) && strcmp(c->m->config.media_type, CK_MT_DOCKER_CONFIG))
		return ck__error_set(CK_EUNSUPPORTED, "%s is not a container image: its config has media type "
		                                      "\"%s\"", what, c->m->config.media_type);
	if ((rc = check_blob(c->ctx, &c->m->config, what, "config")) != CK_OK)
		return rc;
	snprintf(cwhat, sizeof(cwhat), "image config %.80s", c->m->config.digest);
	rc = ck__blob_read(&c->config_json, &c->config_len, c->ctx, c->m->config.digest, CONFIG_MAX);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot read the %s", cwhat);
	if ((rc = ck__image_config_parse(&c->cfg, c->config_json, c->config_len, cwhat)) != CK_OK)
		return rc;
	if (ck__strv_len(c->cfg.diff_ids) != c->m->n_layers)
		return ck__error_set(CK_ECORRUPT, "%s has %zu layers, but its config %s lists %zu diff ids",
		                     what, c->m->n_layers, c->m->config.digest, ck__strv_len(c->cfg.diff_ids));
	for (size_t i = 0; i < c->m->n_layers; i++) {
		char role[48];
		snprintf(role, sizeof(role), "layer %zu", i + 1);
		if ((rc = check_blob(c->ctx, &c->m->layers[i], what, role)) != CK_OK)
			return rc;
	}
	return ck__digest_parse(c->m->config.digest, c->id);
}

/* Every record and name of the batch, in one transaction. */
static int commit_fn(ck_state_txn *txn, void *payload)
{
	struct batch *b = payload;
	int rc = CK_OK;

	for (size_t i = 0; rc == CK_OK && i < b->n; i++) {
		struct commit *c = &b->v[i];
		char *existing = NULL;

		rc = ck__txn_get(&existing, NULL, txn, "images", c->id);
		free(existing);
		if (rc == CK_ENOTFOUND && !c->measured)
			return ck__error_set(CK_ESTATE, "image %.12s was removed while it was committed again", c->id);
		if (rc == CK_ENOTFOUND)
			rc = ck__rec_insert(txn, CK__KIND_IMAGE, c->id, NULL, c->record, STATE_EMPTY);
		for (size_t k = 0; rc == CK_OK && c->names && c->names[k]; k++)
			rc = ck__image_tag_txn(txn, c->id, c->names[k]);
	}
	return rc;
}

/* The unpacked size of every layer. */
static int measure(struct commit *c)
{
	for (size_t i = 0; i < c->m->n_layers; i++) {
		char *path = ck__layer_path(c->ctx, c->cfg.diff_ids[i]);
		if (!path)
			return ck__oom();
		c->unpacked[i] = ck__image_dir_size(path);
		free(path);
	}
	c->measured = true;
	return CK_OK;
}

static int exists_fn(ck_state_txn *txn, void *payload)
{
	return ck__rec_get(NULL, NULL, txn, CK__KIND_IMAGE, payload);
}

/* Everything but the transaction: documents checked, layers unpacked, the
 * record built.  Nothing of it is visible yet. */
static int prepare(struct commit *c, ck_progress_fn progress, void *payload)
{
	bool exists;
	int rc;

	if ((rc = load_documents(c)) != CK_OK)
		return rc;
	exists = ck__state_read(c->ctx, exists_fn, c->id) == CK_OK;
	ck__error_clear();
	if (c->m->n_layers && !(c->unpacked = calloc(c->m->n_layers, sizeof(*c->unpacked))))
		return ck__oom();
	for (size_t i = 0; i < c->m->n_layers; i++) {
		rc = ck__layer_unpack(NULL, c->ctx, c->m->layers[i].digest, c->cfg.diff_ids[i], NULL, progress,
		                      payload);
		if (rc != CK_OK)
			return ck__error_wrap(rc, "%s: layer %zu", c->what, i + 1);
	}
	/* An image that exists keeps its record: its layers need no measuring,
	 * unless it is removed before the transaction. */
	if (!exists && (rc = measure(c)) != CK_OK)
		return rc;
	return build_record(c);
}

static void commit_clear(struct commit *c)
{
	ck_strv_free(c->names);
	ck__manifest_free(c->m);
	ck__image_config_free(&c->cfg);
	free(c->config_json);
	free(c->unpacked);
	free(c->record);
}

/* Names the item in a message when the caller said how. */
static int fail_item(int rc, const ck__commit_item *it)
{
	return it->what && rc != CK_ENOMEM ? ck__error_wrap(rc, "%s", it->what) : rc;
}

static int batch_init(struct batch *b, ck_context *ctx, const ck__commit_item *items, size_t n)
{
	int rc = CK_OK;

	if (!(b->v = calloc(n ? n : 1, sizeof(*b->v))))
		return ck__oom();
	b->n = n;
	for (size_t i = 0; rc == CK_OK && i < n; i++) {
		struct commit *c = &b->v[i];
		c->ctx = ctx;
		c->manifest_digest = items[i].manifest_digest;
		if ((rc = ck__digest_parse(c->manifest_digest, NULL)) != CK_OK)
			return fail_item(ck__error_wrap(rc, "cannot commit an image"), &items[i]);
		snprintf(c->what, sizeof(c->what), "manifest %.80s", c->manifest_digest);
		for (size_t k = 0; rc == CK_OK && items[i].names && items[i].names[k]; k++) {
			char *norm = NULL;
			if ((rc = ck__image_name_normalize(&norm, items[i].names[k])) == CK_OK)
				rc = ck__strv_add_unique(&c->names, norm, NULL);
			free(norm);
			if (rc != CK_OK)
				rc = fail_item(rc, &items[i]);
		}
	}
	return rc;
}

int ck__image_commit_all(ck_image **out, ck_context *ctx, const ck__commit_item *items, size_t n,
                         ck_progress_fn progress, void *payload)
{
	struct batch b = { NULL, 0 };
	ck__lock lk = CK__LOCK_INIT;
	int rc;

	if (out)
		memset(out, 0, n * sizeof(*out));
	if ((rc = batch_init(&b, ctx, items, n)) != CK_OK)
		goto out;
	/* Held until the records exist, so that no removal deletes a layer
	 * that these images are about to reference. */
	if ((rc = ck__image_store_lock(&lk, ctx, false, -1)) != CK_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = prepare(&b.v[i], progress, payload)) != CK_OK) {
			rc = fail_item(rc, &items[i]);
			goto out;
		}
	if ((rc = ck__state_write(ctx, commit_fn, &b)) == CK_ESTATE) {
		/* An image that existed was removed meanwhile: it needs its
		 * record after all. */
		ck__error_clear();
		for (size_t i = 0; i < n; i++) {
			struct commit *c = &b.v[i];
			if (!c->measured && ((rc = measure(c)) != CK_OK || (rc = build_record(c)) != CK_OK))
				goto out;
		}
		rc = ck__state_write(ctx, commit_fn, &b);
	}
	if (rc != CK_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		ck__log(ctx, CK_LOG_DEBUG, "image %.12s: committed from %s", b.v[i].id, b.v[i].manifest_digest);
	ck__lock_release(&lk);
	for (size_t i = 0; out && i < n && rc == CK_OK; i++)
		rc = ck__image_load(&out[i], ctx, b.v[i].id);
	if (rc != CK_OK)
		for (size_t i = 0; out && i < n; i++) {
			ck_image_free(out[i]);
			out[i] = NULL;
		}
out:
	ck__lock_release(&lk);
	for (size_t i = 0; b.v && i < b.n; i++)
		commit_clear(&b.v[i]);
	free(b.v);
	return rc;
}

int ck__image_commit(ck_image **out, ck_context *ctx, const char *manifest_digest, const char *const *names,
                     ck_progress_fn progress, void *payload)
{
	const ck__commit_item item = { manifest_digest, names, NULL };

	return ck__image_commit_all(out, ctx, &item, 1, progress, payload);
}
