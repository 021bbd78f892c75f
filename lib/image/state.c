/* The mutable side of an image: its state JSON (names; the users of stores
 * written before they were keys), the edits of it, its tags, and its users,
 * one key each in bucket images.users. */
#define _GNU_SOURCE
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

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

int ck__strv_empty(char ***v)
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
	return rc == CK_OK ? ck__strv_empty(out) : rc;
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

int ck__image_state_read(ck__image_state *st, bool *damaged, ck_state_txn *txn, const char *id,
                         bool missing_words)
{
	char *json = NULL;
	int rc = ck__rec_get(NULL, &json, txn, CK__KIND_IMAGE, id);

	if (damaged)
		*damaged = false;
	if (rc == CK_ENOTFOUND && missing_words)
		return ck__error_set(CK_ENOTFOUND, "image %.12s does not exist (any more)", id);
	if (rc != CK_OK)
		return rc;
	rc = ck__image_state_parse(st, json, id);
	free(json);
	if (rc != CK_OK && damaged)
		*damaged = true;
	return rc;
}

static int edit_state(ck_state_txn *txn, const char *id, state_edit_fn fn, const void *arg, bool *edited)
{
	ck__image_state st;
	char *json = NULL;
	bool changed = false;
	int rc = ck__image_state_read(&st, NULL, txn, id, false);

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
		rc = ck__strv_empty(&st->users);
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
		rc = ck__strv_empty(out);
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
