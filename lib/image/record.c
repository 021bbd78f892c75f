/* Image records: the handle built from a record, the state JSON (names and
 * users), names and tags inside a transaction, the store lock, and
 * ck__image_commit, which turns a manifest in the blob store into an image. */
#define _GNU_SOURCE
#include "image/record_int.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX (32u << 20)
#define STATE_EMPTY "{\"names\":[],\"users\":[]}"

/* ---- small string-vector helpers ---- */

bool ck__strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

int ck__strv_add_unique(char ***v, const char *s, bool *changed)
{
	if (changed)
		*changed = false;
	if (ck__strv_has(*v, s))
		return CK_OK;
	if (changed)
		*changed = true;
	return ck__strv_push(v, s);
}

bool ck__strv_remove(char **v, const char *s)
{
	bool found = false;
	size_t j = 0;

	for (size_t i = 0; v && v[i]; i++) {
		if (!strcmp(v[i], s)) {
			free(v[i]);
			found = true;
		} else {
			v[j++] = v[i];
		}
	}
	if (v)
		v[j] = NULL;
	return found;
}

static int strv_empty(char ***v)
{
	if (*v)
		return CK_OK;
	*v = calloc(1, sizeof(**v));
	return *v ? CK_OK : ck__oom();
}

/* ---- state JSON ---- */

void ck__image_state_free(ck__image_state *st)
{
	ck_strv_free(st->names);
	ck_strv_free(st->users);
	st->names = st->users = NULL;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether `v` (k strings) holds a string twice: a sorted copy, O(k log k). */
static bool has_repeats(char **v, size_t k)
{
	char **sorted = k > 1 ? malloc(k * sizeof(*sorted)) : NULL;
	bool repeats = false;

	if (!sorted)
		return k > 1; /* cannot tell: the caller takes the slow way */
	memcpy(sorted, v, k * sizeof(*sorted));
	qsort(sorted, k, sizeof(*sorted), by_string);
	for (size_t i = 1; i < k && !repeats; i++)
		repeats = !strcmp(sorted[i - 1], sorted[i]);
	free(sorted);
	return repeats;
}

/* The strings of a JSON array, in order, once each.  An image used by
 * 10,000 containers lists 10,000 users: linear, not quadratic. */
static int strings_of(char ***out, yajl_val arr)
{
	size_t n = arr && YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0, k = 0;
	char **v = calloc(n + 1, sizeof(*v));
	int rc = CK_OK;

	if (!v)
		return ck__oom();
	for (size_t i = 0; i < n; i++) {
		yajl_val s = arr->u.array.values[i];
		if (YAJL_IS_STRING(s) && !(v[k++] = strdup(s->u.string))) {
			ck_strv_free(v);
			return ck__oom();
		}
	}
	if (!has_repeats(v, k)) {
		*out = v;
		return CK_OK;
	}
	/* A list written by hand (the store never repeats): keep first ones. */
	for (size_t i = 0; i < k && rc == CK_OK; i++)
		rc = ck__strv_add_unique(out, v[i], NULL);
	ck_strv_free(v);
	return rc == CK_OK ? strv_empty(out) : rc;
}

int ck__image_state_parse(ck__image_state *st, const char *json, const char *id)
{
	yajl_val tree = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	if (json && (rc = ck__json_parse(&tree, json, "image state", CK_ECORRUPT)) != CK_OK)
		return ck__error_wrap(rc, "image %.12s", id);
	if (tree && !YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		return ck__error_set(CK_ECORRUPT, "image %.12s: its state is not a JSON object; run "
		                                  "`ck system check`", id);
	}
	rc = strings_of(&st->names, ck__json_arr(tree, "names"));
	if (rc == CK_OK)
		rc = strings_of(&st->users, ck__json_arr(tree, "users"));
	yajl_tree_free(tree);
	if (rc != CK_OK)
		ck__image_state_free(st);
	return rc;
}

int ck__image_state_json(char **out, const ck__image_state *st)
{
	yajl_gen g = ck__json_gen_new(false);

	*out = NULL;
	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key(g, "names");
	yajl_gen_array_open(g);
	for (char **p = st->names; p && *p; p++)
		ck__json_str_val(g, *p);
	yajl_gen_array_close(g);
	ck__json_key(g, "users");
	yajl_gen_array_open(g);
	for (char **p = st->users; p && *p; p++)
		ck__json_str_val(g, *p);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

/* Reads, changes and writes back the state of image `id`. */
typedef int (*state_edit_fn)(ck__image_state *st, const void *arg, bool *changed);

static int edit_state(ck_state_txn *txn, const char *id, state_edit_fn fn, const void *arg, bool *edited)
{
	ck__image_state st;
	char *json = NULL;
	bool changed = false;
	int rc = ck__rec_get(NULL, &json, txn, CK__KIND_IMAGE, id);

	if (rc != CK_OK)
		return rc;
	rc = ck__image_state_parse(&st, json, id);
	free(json);
	json = NULL;
	if (rc != CK_OK)
		return rc;
	rc = fn(&st, arg, &changed);
	if (rc == CK_OK && changed && (rc = ck__image_state_json(&json, &st)) == CK_OK)
		rc = ck__rec_put_state(txn, CK__KIND_IMAGE, id, json);
	free(json);
	ck__image_state_free(&st);
	if (edited)
		*edited = changed;
	return rc;
}

static int add_name(ck__image_state *st, const void *arg, bool *changed)
{
	return ck__strv_add_unique(&st->names, arg, changed);
}

static int drop_name(ck__image_state *st, const void *arg, bool *changed)
{
	*changed = ck__strv_remove(st->names, arg);
	return CK_OK;
}

/* Users are keys of their own, "<image id>/<user>" in bucket images.users,
 * so that marking one costs the same with 10 or 10,000 of them.  Stores
 * written before listed them in the state's "users" array: the first
 * change of an image's users moves them to keys. */
#define USERS_BUCKET "images.users"

static char *users_key(const char *id, const char *user)
{
	return ck__asprintf("%s/%s", id, user ? user : "");
}

struct move_args {
	ck_state_txn *txn;
	const char *id;
};

static int move_users(ck__image_state *st, const void *arg, bool *changed)
{
	const struct move_args *a = arg;
	int rc = CK_OK;

	for (char **u = st->users; rc == CK_OK && u && *u; u++) {
		char *key = users_key(a->id, *u);
		rc = key ? ck__txn_put(a->txn, USERS_BUCKET, key, "1", 1) : ck__oom();
		free(key);
	}
	if (rc == CK_OK && st->users && st->users[0]) {
		ck_strv_free(st->users);
		st->users = NULL;
		*changed = true;
		rc = strv_empty(&st->users);
	}
	return rc;
}

static int edit_user(ck_state_txn *txn, const char *id, const char *user, bool add)
{
	struct move_args ma = { txn, id };
	int rc = edit_state(txn, id, move_users, &ma, NULL);
	char *key;

	if (rc == CK_ENOTFOUND && add)
		return ck__error_set(CK_ENOTFOUND, "image %.12s does not exist (any more)", id);
	if (rc == CK_ENOTFOUND) {
		/* The image was removed by force, with its users' keys. */
		ck__error_clear();
		return CK_OK;
	}
	if (rc != CK_OK)
		return rc;
	if (!(key = users_key(id, user)))
		return ck__oom();
	rc = add ? ck__txn_put(txn, USERS_BUCKET, key, "1", 1) : ck__txn_del(txn, USERS_BUCKET, key);
	free(key);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

int ck__image_add_user(ck_state_txn *txn, const char *id, const char *user)
{
	return edit_user(txn, id, user, true);
}

int ck__image_remove_user(ck_state_txn *txn, const char *id, const char *user)
{
	return edit_user(txn, id, user, false);
}

struct users_scan {
	size_t skip;
	char ***out;
};

static int users_fn(const char *key, const void *val, size_t len, void *payload)
{
	struct users_scan *u = payload;
	return ck__strv_push(u->out, key + u->skip);
}

int ck__image_users(char ***out, ck_state_txn *txn, const char *id, const ck__image_state *st)
{
	char *prefix = users_key(id, NULL);
	struct users_scan u = { prefix ? strlen(prefix) : 0, out };
	int rc = prefix ? CK_OK : ck__oom();

	*out = NULL;
	for (char **p = st ? st->users : NULL; rc == CK_OK && p && *p; p++)
		rc = ck__strv_push(out, *p);
	if (rc == CK_OK)
		rc = ck__txn_scan(txn, USERS_BUCKET, prefix, users_fn, &u);
	if (rc == CK_OK)
		rc = strv_empty(out);
	free(prefix);
	if (rc != CK_OK) {
		ck_strv_free(*out);
		*out = NULL;
	}
	return rc;
}

int ck__image_users_delete(ck_state_txn *txn, const char *id)
{
	char **users = NULL;
	int rc = ck__image_users(&users, txn, id, NULL);

	for (char **u = users; rc == CK_OK && u && *u; u++) {
		char *key = users_key(id, *u);
		rc = key ? ck__txn_del(txn, USERS_BUCKET, key) : ck__oom();
		free(key);
	}
	ck_strv_free(users);
	return rc;
}

/* ---- names and tags ---- */

int ck__image_name_normalize(char **out, const char *name)
{
	ck__ref ref;
	int rc = ck__ref_parse(&ref, name, "localhost");

	*out = NULL;
	if (rc != CK_OK)
		return rc;
	if (ref.tag && ref.digest) {
		/* As docker: a digest pins the content, so the tag says nothing more. */
		free(ref.tag);
		ref.tag = NULL;
	}
	*out = ck__ref_string(&ref);
	ck__ref_free(&ref);
	return *out ? CK_OK : ck__oom();
}

int ck__image_tag_txn(ck_state_txn *txn, const char *id, const char *name)
{
	char *holder = NULL;
	int rc = ck__txn_get(&holder, NULL, txn, "images.tags", name);

	if (rc == CK_OK && strcmp(holder, id) != 0) {
		rc = edit_state(txn, holder, drop_name, name, NULL);
		if (rc == CK_ENOTFOUND) /* a dangling tag: the state check's business */
			rc = CK_OK;
	} else if (rc == CK_ENOTFOUND) {
		rc = CK_OK;
	}
	free(holder);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, "images.tags", name, id);
	if (rc == CK_OK)
		rc = edit_state(txn, id, add_name, name, NULL);
	if (rc == CK_OK)
		ck__error_clear();
	return rc;
}

int ck__image_untag_txn(ck_state_txn *txn, const char *id, const char *name)
{
	char *holder = NULL;
	bool in_tags, in_state = false;
	int rc = ck__txn_get(&holder, NULL, txn, "images.tags", name);

	if (rc != CK_OK && rc != CK_ENOTFOUND)
		return rc;
	in_tags = rc == CK_OK && !strcmp(holder, id);
	free(holder);
	if (in_tags && (rc = ck__txn_del(txn, "images.tags", name)) != CK_OK)
		return rc;
	/* A name only in the state (a half-written record) goes too. */
	if ((rc = edit_state(txn, id, drop_name, name, &in_state)) != CK_OK)
		return rc;
	if (!in_tags && !in_state)
		return ck__error_set(CK_ENOTFOUND, "image %.12s has no name \"%s\"", id, name);
	ck__error_clear();
	return CK_OK;
}

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
	if ((rc = strv_empty(&img->label_keys)) != CK_OK || (rc = strv_empty(&img->label_vals)) != CK_OK)
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
