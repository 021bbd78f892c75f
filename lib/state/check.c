/* Consistency checks of the store: the backend's own integrity check, then
 * the records (names, states, references between kinds), then leftovers of
 * interrupted migrations.  Repairs never delete user data. */
#define _GNU_SOURCE
#include "state_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

struct problem {
	const char *kind;
	char *object, *detail, *hint; /* hint: NULL for the default */
	bool repairable;
	const char *bucket; /* what a repair deletes or writes */
	char *key;
	const char *put;    /* value written by the repair, NULL to delete */
};

struct scan {
	ck_state_txn *txn;
	struct problem *list;
	size_t n, cap;
	ck__kind kind;
	int oom;
};

static void add_problem(struct scan *s, const char *kind, const char *object, const char *detail,
                        const char *hint, bool repairable, const char *bucket, const char *key,
                        const char *put)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct problem *l = realloc(s->list, cap * sizeof(*l));
		if (!l) {
			s->oom = 1;
			return;
		}
		s->list = l;
		s->cap = cap;
	}
	struct problem *p = &s->list[s->n];
	p->kind = kind;
	p->object = ck__strdup(object);
	p->detail = ck__strdup(detail);
	p->key = ck__strdup(key);
	p->hint = hint ? ck__strdup(hint) : NULL;
	p->repairable = repairable;
	p->bucket = bucket;
	p->put = put;
	if (!p->object || !p->detail || !p->key || (hint && !p->hint)) {
		free(p->object);
		free(p->detail);
		free(p->key);
		free(p->hint);
		s->oom = 1;
		return;
	}
	s->n++;
}

static void problems_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->list[i].object);
		free(s->list[i].detail);
		free(s->list[i].key);
		free(s->list[i].hint);
	}
	free(s->list);
	s->list = NULL;
	s->n = s->cap = 0;
}

static bool exists(ck_state_txn *txn, const char *bucket, const char *key)
{
	char *v = NULL;
	int rc = ck__txn_get(&v, NULL, txn, bucket, key);
	free(v);
	ck__error_clear();
	return rc == CK_OK;
}

/* A container whose record reads well but points to what is gone. */
static char *remove_hint(const char *id)
{
	return ck__asprintf("remove the container with 'ck rm -f %s'", id);
}

static int check_config(const char *id, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	const char *kname = ck__kind_name(s->kind);
	char *text = strndup(val, len), *detail = NULL, *hint = NULL;
	yajl_val tree = NULL;

	if (!text)
		return ck__oom();
	if (ck__json_parse(&tree, text, "the record", CK_ECORRUPT) != CK_OK || !YAJL_IS_OBJECT(tree)) {
		detail = ck__asprintf("%s %s: %s", kname, id,
		                      tree ? "the record is not a JSON object" : ck_error_last()->message);
		hint = ck__check_unreadable_record_hint(ck__txn_context(s->txn), s->kind, id);
		add_problem(s, CK_CHECK_BAD_RECORD, id, detail ? detail : "bad record", hint, false, NULL, id,
		            NULL);
		goto out;
	}
	if (!exists(s->txn, ck__kind_state_bucket(s->kind), id)) {
		detail = ck__asprintf("%s %s has no state record; a default one can be written", kname, id);
		add_problem(s, CK_CHECK_MISSING_STATE, id, detail ? detail : "", NULL, true,
		            ck__kind_state_bucket(s->kind), id,
		            s->kind == CK__KIND_CONTAINER ? "{\"status\":\"exited\",\"pid\":0}" : "{}");
		free(detail);
		detail = NULL;
	}
	if (s->kind == CK__KIND_CONTAINER) {
		/* A container whose pod is gone is lib/pod's check (it can repair). */
		const char *image = ck__json_str(tree, "image_id");
		if (image && *image && !exists(s->txn, "images", image)) {
			detail = ck__asprintf("container %s uses image %s, which no longer exists", id, image);
			if (!hint)
				hint = remove_hint(id);
			add_problem(s, CK_CHECK_MISSING_IMAGE, id, detail ? detail : "", hint, false, NULL, id, NULL);
		}
	}
out:
	free(detail);
	free(hint);
	if (tree)
		yajl_tree_free(tree);
	free(text);
	ck__error_clear();
	return s->oom ? ck__oom() : 0;
}

static int check_state(const char *id, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	if (!exists(s->txn, ck__kind_bucket(s->kind), id)) {
		char *detail = ck__asprintf("state of %s %s, which has no record; it can be deleted",
		                            ck__kind_name(s->kind), id);
		add_problem(s, CK_CHECK_ORPHAN_STATE, id, detail ? detail : "", NULL, true,
		            ck__kind_state_bucket(s->kind), id, NULL);
		free(detail);
	}
	return s->oom ? ck__oom() : 0;
}

static int check_name(const char *name, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	char *v = strndup(val, len), *slash = v ? strchr(v, '/') : NULL;
	bool ok = false;

	if (!v)
		return ck__oom();
	if (slash) {
		*slash = '\0';
		for (int k = 0; k < CK__KIND_COUNT; k++)
			if (!strcmp(v, ck__kind_name((ck__kind)k)))
				ok = exists(s->txn, ck__kind_bucket((ck__kind)k), slash + 1);
		*slash = '/';
	}
	if (!ok) {
		char *detail = ck__asprintf("the name \"%s\" points to %s, which does not exist; it can be freed",
		                            name, v);
		add_problem(s, CK_CHECK_DANGLING_NAME, name, detail ? detail : "", NULL, true, "names", name, NULL);
		free(detail);
	}
	free(v);
	return s->oom ? ck__oom() : 0;
}

static int check_tag(const char *tag, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	char *id = strndup(val, len);

	if (!id)
		return ck__oom();
	if (!exists(s->txn, "images", id)) {
		char *detail = ck__asprintf("the tag \"%s\" points to image %s, which does not exist; it can be removed",
		                            tag, id);
		add_problem(s, CK_CHECK_DANGLING_NAME, tag, detail ? detail : "", NULL, true, "images.tags", tag, NULL);
		free(detail);
	}
	free(id);
	return s->oom ? ck__oom() : 0;
}

/* "<image id>/<user>": the mark of a user of an image that is gone. */
static int check_image_user(const char *key, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	const char *slash = strchr(key, '/');
	char *id = slash ? strndup(key, (size_t)(slash - key)) : strdup(key);

	(void)val;
	(void)len;
	if (!id)
		return ck__oom();
	if (!exists(s->txn, "images", id)) {
		char *detail = ck__asprintf("image %.12s, which does not exist, is marked used by %s; the mark can be "
		                            "removed", id, slash ? slash + 1 : "nobody");
		add_problem(s, CK_CHECK_ORPHAN_STATE, key, detail ? detail : "", NULL, true, "images.users", key, NULL);
		free(detail);
	}
	free(id);
	return s->oom ? ck__oom() : 0;
}

static int scan_records(ck_state_txn *txn, void *payload)
{
	struct scan *s = payload;
	int rc = CK_OK;

	problems_free(s); /* the transaction may run again */
	s->txn = txn;
	for (int k = 0; rc == CK_OK && k < CK__KIND_COUNT; k++) {
		s->kind = (ck__kind)k;
		rc = ck__txn_scan(txn, ck__kind_bucket(s->kind), "", check_config, s);
		if (rc == CK_OK)
			rc = ck__txn_scan(txn, ck__kind_state_bucket(s->kind), "", check_state, s);
	}
	if (rc == CK_OK)
		rc = ck__txn_scan(txn, "names", "", check_name, s);
	if (rc == CK_OK)
		rc = ck__txn_scan(txn, "images.tags", "", check_tag, s);
	if (rc == CK_OK)
		rc = ck__txn_scan(txn, "images.users", "", check_image_user, s);
	if (rc != CK_OK || !ck__txn_is_write(txn))
		return rc;
	/* Repair in the same transaction that found the problems, so nothing
	 * can change in between. */
	for (size_t i = 0; rc == CK_OK && i < s->n; i++) {
		struct problem *p = &s->list[i];
		if (!p->repairable)
			continue;
		if (p->put)
			rc = ck__txn_put_str(txn, p->bucket, p->key, p->put);
		else
			rc = ck__txn_del(txn, p->bucket, p->key);
	}
	return rc;
}

/* ---- leftovers of interrupted migrations ---- */

static int check_leftovers(ck_context *ctx, ck__check_report *r)
{
	char *dir = ck__state_dir(ctx);
	DIR *d;
	struct dirent *de;
	ck__lock lk = CK__LOCK_INIT;
	bool locked = false;
	int rc = CK_OK;

	if (!dir)
		return ck__oom();
	d = opendir(dir);
	if (!d) {
		free(dir);
		return CK_OK;
	}
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".migrating-") && !strstr(de->d_name, ".tmp-"))
			continue;
		char *path = ck__path_join(dir, de->d_name), *detail;
		if (!path) {
			rc = ck__oom();
			break;
		}
		bool repaired = false;
		/* Only an exclusive hold proves no migration is still running. */
		if (r->repair && !locked && ck__state_lock_exclusive(&lk, ctx, 5000) == CK_OK)
			locked = true;
		if (r->repair && locked)
			repaired = ck__rm_rf(path) == CK_OK;
		detail = ck__asprintf("%s is left over from an interrupted operation%s", path,
		                      r->repair && !locked ? " (not removed: the store is in use)" : "");
		ck__check_add(r, CK_CHECK_LEFTOVER, de->d_name, detail ? detail : path, true, repaired);
		free(detail);
		free(path);
	}
	closedir(d);
	ck__lock_release(&lk);
	free(dir);
	ck__error_clear();
	return rc;
}

int ck__state_check(ck_context *ctx, ck__check_report *r)
{
	struct scan s;
	int rc;

	memset(&s, 0, sizeof(s));
	/* Without a marker, opening the store finishes an interrupted creation
	 * (and clears its temporary marker), or refuses a store it would hide.
	 * An existing store is examined before anything reads its records:
	 * opening it runs the boot check, which would read damaged pages. */
	if (!ck__marker_exists(ctx) && ck__state_ensure(ctx) != CK_OK)
		ck__error_clear();
	rc = ck__check_store(ctx, r);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return check_leftovers(ctx, r);
	}
	if (rc == CK_ENOMEM)
		return rc;
	if (rc != CK_OK) {
		/* The records cannot be trusted; report and stop there. */
		r->unreadable = true;
		ck__error_clear();
		return check_leftovers(ctx, r);
	}
	rc = r->repair ? ck__state_write(ctx, scan_records, &s) : ck__state_read(ctx, scan_records, &s);
	if (rc == CK_OK && s.oom)
		rc = ck__oom();
	if (rc == CK_OK) {
		for (size_t i = 0; i < s.n; i++) {
			struct problem *p = &s.list[i];
			ck__check_add_hint(r, p->kind, p->object, p->detail, p->hint, p->repairable,
			                   r->repair && p->repairable);
		}
		rc = check_leftovers(ctx, r);
	}
	problems_free(&s);
	return rc;
}
