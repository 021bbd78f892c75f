/* Root filesystems (ck_rootfs_*): an overlay mount of an image's layers under
 * rootfs/<owner>/{upper,work,merged}, or, where overlay cannot be mounted, a
 * copy of the layers in merged/.  Recorded in bucket "rootfs" (owner ->
 * {"image","overlay"}), and the image is marked used by "rootfs/<owner>" in
 * the same transaction.  Mounting is rootfs_mount.c's. */
#define _GNU_SOURCE
#include "rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUCKET "rootfs"
#define STORE_LOCK_TIMEOUT_MS 60000


static int validate_owner(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (!n)
		return ck__error_set(CK_EINVAL, "invalid root filesystem owner: the name is %s", id ? "empty" : "NULL");
	if (n > 253 || !strcmp(id, ".") || !strcmp(id, ".."))
		return ck__error_set(CK_EINVAL, "invalid root filesystem owner \"%.60s\": must be 1 to 253 of "
		                                "[a-zA-Z0-9_.-], and not \".\" or \"..\"", id);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return ck__error_set(CK_EINVAL, "invalid root filesystem owner \"%.60s\": character %zu is "
			                                "not one of [a-zA-Z0-9_.-]", id, i + 1);
	}
	return CK_OK;
}

static char *user_key(const char *id)
{
	return ck__asprintf("rootfs/%s", id);
}

static int handle_new(ck_rootfs **out, ck_context *ctx, const char *id, const char *image, bool overlay)
{
	ck_rootfs *r = calloc(1, sizeof(*r));

	if (!r)
		return ck__oom();
	r->ctx = ctx;
	r->overlay = overlay;
	r->id = ck__strdup(id);
	r->image = ck__strdup(image);
	r->dir = ck__asprintf("%s/rootfs/%s", ctx->root, id);
	r->path = r->dir ? ck__path_join(r->dir, "merged") : NULL;
	if (!r->id || !r->image || !r->dir || !r->path) {
		ck_rootfs_free(r);
		return ck__oom();
	}
	*out = r;
	return CK_OK;
}

/* ---- records ---- */

struct rec {
	const char *id;
	char *image;   /* out (get) / in (put) */
	bool overlay;
	char *layers_json; /* the image's config JSON (prepare) */
	const char *image_ref;
	char *user;
};

static int parse_rec(struct rec *a, const char *json)
{
	yajl_val tree = NULL;
	const char *img;
	int rc = ck__json_parse(&tree, json, "root filesystem record", CK_ECORRUPT);

	if (rc != CK_OK)
		return ck__error_wrap(rc, "root filesystem \"%s\"", a->id);
	img = ck__json_str(tree, "image");
	if (!img || !ck__json_bool(tree, "overlay", &a->overlay)) {
		yajl_tree_free(tree);
		return ck__error_set(CK_ECORRUPT, "root filesystem \"%s\": its record lacks \"image\" or \"overlay\"",
		                     a->id);
	}
	a->image = ck__strdup(img);
	yajl_tree_free(tree);
	return a->image ? CK_OK : ck__oom();
}

static int get_fn(ck_state_txn *txn, void *payload)
{
	struct rec *a = payload;
	char *json = NULL;
	int rc = ck__txn_get(&json, NULL, txn, BUCKET, a->id);

	free(a->image);
	a->image = NULL;
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "no root filesystem for \"%s\"", a->id);
	if (rc == CK_OK)
		rc = parse_rec(a, json);
	free(json);
	return rc;
}

/* Resolves the image and reads its record (for the layers). */
static int image_fn(ck_state_txn *txn, void *payload)
{
	struct rec *a = payload;
	int rc;

	free(a->image);
	free(a->layers_json);
	a->image = a->layers_json = NULL;
	if ((rc = ck__image_resolve_txn(&a->image, txn, a->image_ref)) != CK_OK)
		return rc;
	return ck__rec_get(&a->layers_json, NULL, txn, CK__KIND_IMAGE, a->image);
}

static int put_fn(ck_state_txn *txn, void *payload)
{
	struct rec *a = payload;
	yajl_gen g = ck__json_gen_new(false);
	char *json = NULL;
	int rc;

	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "image", a->image);
	ck__json_key_bool(g, "overlay", a->overlay);
	yajl_gen_map_close(g);
	if ((rc = ck__json_gen_finish(&json, g)) != CK_OK)
		return rc;
	/* The image must still be there: it gains a user in the same commit. */
	rc = ck__image_add_user(txn, a->image, a->user);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, BUCKET, a->id, json);
	free(json);
	return rc;
}

static int del_fn(ck_state_txn *txn, void *payload)
{
	struct rec *a = payload;
	int rc = ck__txn_del(txn, BUCKET, a->id);

	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	if (rc == CK_OK && a->image)
		rc = ck__image_remove_user(txn, a->image, a->user);
	return rc;
}

/* A removal holds the lock of its trash directory while it deletes it, so
 * a sweep (or check) deletes only what a crashed removal left. */
static int trash_lock(ck__lock *lk, ck_context *ctx, const char *name, int timeout_ms)
{
	char *dir = ck__runroot_path(ctx, "locks"), *path = ck__asprintf("%s/locks/rootfs-%s.lock", ctx->runroot, name);
	int rc = dir && path ? ck__mkdir_p(dir, 0700) : ck__oom();

	if (rc == CK_OK)
		rc = ck__lock_acquire(lk, path, true, timeout_ms);
	free(dir);
	free(path);
	return rc;
}

static void trash_unlock(ck__lock *lk, ck_context *ctx, const char *name)
{
	char *path = ck__asprintf("%s/locks/rootfs-%s.lock", ctx->runroot, name);
	if (path)
		unlink(path); /* only sweeps try it, and they skip what they cannot lock */
	free(path);
	ck__lock_release(lk);
}

int ck__rootfs_trash_remove(ck_context *ctx, const char *name)
{
	ck__lock lk = CK__LOCK_INIT;
	char *base = ck__root_path(ctx, "rootfs"), *dir = base ? ck__path_join(base, name) : NULL;
	int rc = dir ? CK_OK : ck__oom();

	if (rc == CK_OK && trash_lock(&lk, ctx, name, 0) != CK_OK)
		rc = ck__error_set(CK_EBUSY, "%s is being removed", dir);
	else if (rc == CK_OK) {
		rc = ck__store_remove(ctx, AT_FDCWD, dir, dir);
		trash_unlock(&lk, ctx, name);
	}
	free(dir);
	free(base);
	return rc;
}

bool ck__rootfs_trash_busy(ck_context *ctx, const char *name)
{
	ck__lock lk = CK__LOCK_INIT;

	if (trash_lock(&lk, ctx, name, 0) != CK_OK) {
		ck__error_clear();
		return true;
	}
	trash_unlock(&lk, ctx, name);
	return false;
}

/* Deletes what removals that crashed left in rootfs/.  Best effort. */
static void sweep_trash(ck_context *ctx)
{
	char *base = ck__root_path(ctx, "rootfs");
	DIR *d = base ? opendir(base) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (ck__str_has_prefix(de->d_name, ".trash-") && ck__rootfs_trash_remove(ctx, de->d_name) != CK_OK)
			ck__error_clear();
	}
	if (d)
		closedir(d);
	free(base);
}

struct ck__rootfs_trash {
	ck_context *ctx;
	ck__lock lk;    /* the trash's lock, held until its files are gone */
	char name[32];  /* ".trash-<16 hex>" under rootfs/ */
	char *path;
};

/* Moves rootfs/<id> aside, holding the lock of the trash directory; NULL
 * in *out when there is no directory. */
static int move_aside(ck__rootfs_trash **out, ck_rootfs *r)
{
	ck__rootfs_trash *t;
	char rnd[65];
	int rc;

	*out = NULL;
	if (!ck__path_exists(r->dir))
		return CK_OK;
	if ((rc = ck__random_id(rnd)) != CK_OK)
		return rc;
	if (!(t = calloc(1, sizeof(*t))))
		return ck__oom();
	t->ctx = r->ctx;
	t->lk = (ck__lock)CK__LOCK_INIT;
	snprintf(t->name, sizeof(t->name), ".trash-%.16s", rnd);
	if (!(t->path = ck__asprintf("%s/rootfs/%s", r->ctx->root, t->name))) {
		free(t);
		return ck__oom();
	}
	if ((rc = trash_lock(&t->lk, r->ctx, t->name, -1)) != CK_OK) {
		free(t->path);
		free(t);
		return rc;
	}
	if (rename(r->dir, t->path) < 0) {
		rc = ck__error_errno(CK_EIO, "root filesystem \"%s\": cannot move %s aside", r->id, r->dir);
		trash_unlock(&t->lk, r->ctx, t->name);
		free(t->path);
		free(t);
		return rc;
	}
	*out = t;
	return CK_OK;
}

/* Deletes a trash directory, releases its lock and sweeps what crashed
 * removals left. */
static int trash_delete(ck__rootfs_trash *t)
{
	if (!t)
		return CK_OK;
	int rc = ck__store_remove(t->ctx, AT_FDCWD, t->path, t->path);
	trash_unlock(&t->lk, t->ctx, t->name);
	if (rc == CK_OK)
		sweep_trash(t->ctx);
	free(t->path);
	free(t);
	return rc;
}

/* Moves rootfs/<id> aside and deletes it; a crash in between leaves a
 * rootfs/.trash-* that the next removal clears. */
static int remove_dir(ck_rootfs *r)
{
	ck__rootfs_trash *t = NULL;
	int rc = move_aside(&t, r);

	return rc == CK_OK ? trash_delete(t) : rc;
}

int ck__rootfs_record_put(ck_state_txn *txn, const ck_rootfs *rootfs)
{
	struct rec a = { .id = rootfs->id, .image = rootfs->image, .overlay = rootfs->overlay };
	int rc;

	if (!rootfs->unrecorded)
		return CK_OK;
	if (!(a.user = user_key(rootfs->id)))
		return ck__oom();
	rc = put_fn(txn, &a);
	free(a.user);
	return rc;
}

int ck__rootfs_release_aside(ck__rootfs_trash **out, ck_rootfs *rootfs)
{
	ck__lock lk = CK__LOCK_INIT;
	int rc;

	*out = NULL;
	if ((rc = ck__lock_object(&lk, rootfs->ctx, "rootfs", rootfs->id)) != CK_OK)
		return rc;
	if ((rc = ck__rootfs_unmount(rootfs)) == CK_OK)
		rc = move_aside(out, rootfs);
	ck__lock_release(&lk);
	return rc;
}

int ck__rootfs_record_delete(ck_state_txn *txn, const char *id)
{
	struct rec a = { .id = id };
	int rc = get_fn(txn, &a);

	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		return CK_OK;
	}
	if (rc == CK_OK && !(a.user = user_key(id)))
		rc = ck__oom();
	if (rc == CK_OK)
		rc = del_fn(txn, &a);
	free(a.image);
	free(a.user);
	return rc;
}

void ck__rootfs_trash_finish(ck__rootfs_trash *trash)
{
	if (!trash)
		return;
	ck_context *ctx = trash->ctx;
	char shown[64];
	snprintf(shown, sizeof(shown), "%s", trash->name);
	if (trash_delete(trash) != CK_OK) {
		ck__log(ctx, CK_LOG_WARN, "rootfs/%s is left for the next removal: %s", shown, ck_error_last()->message);
		ck__error_clear();
	}
}

/* Keeps the message of the failure `code` while undoing. */
static int undo(ck_rootfs *r, int code)
{
	char saved[1024];
	int err = ck_error_last()->sys_errno;

	snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
	if (ck__rootfs_unmount(r) != CK_OK || remove_dir(r) != CK_OK)
		ck__log(r->ctx, CK_LOG_ERROR, "root filesystem \"%s\": cleaning up after a failure: %s", r->id,
		        ck_error_last()->message);
	return ck__error_sys(code, err, "%s", saved);
}

/* ---- the public functions ---- */

static int prepare_new(ck_rootfs **out, ck_context *ctx, const char *image, const char *id, unsigned flags)
{
	struct rec a = { .id = id, .image_ref = image };
	ck__lock store = CK__LOCK_INIT;
	ck_rootfs *r = NULL;
	char **lowers = NULL, *empty = NULL;
	size_t n = 0;
	int rc;

	/* Keeps image removal from deleting the layers while they are
	 * mounted and not yet marked used. */
	if ((rc = ck__image_store_lock(&store, ctx, false, STORE_LOCK_TIMEOUT_MS)) != CK_OK)
		goto out;
	if ((rc = ck__state_read(ctx, image_fn, &a)) != CK_OK ||
	    (rc = ck__layer_dirs(&lowers, &n, ctx, a.image, a.layers_json)) != CK_OK ||
	    (rc = handle_new(&r, ctx, id, a.image, false)) != CK_OK)
		goto out;
	/* Left by a prepare that crashed before its record was written. */
	if (ck__path_exists(r->dir) && (rc = ck__rootfs_unmount(r)) == CK_OK)
		rc = remove_dir(r);
	if (rc != CK_OK || (rc = ck__mkdir_p(r->dir, 0700)) != CK_OK)
		goto out;
	if (n == 0) {
		/* overlay needs a lower layer; an image without any gets an empty one. */
		if (!(empty = ck__path_join(r->dir, "empty")) || !(lowers[0] = ck__strdup(empty))) {
			rc = ck__oom();
			goto out;
		}
		n = 1;
		if ((rc = ck__mkdir_p(empty, 0755)) != CK_OK)
			goto out;
	}
	if ((rc = ck__rootfs_materialize(r, lowers, n, flags)) != CK_OK) {
		rc = undo(r, rc);
		goto out;
	}
	a.overlay = r->overlay;
	if (!(a.user = user_key(id))) {
		rc = undo(r, ck__oom());
		goto out;
	}
	if (flags & CK__ROOTFS_RECORD_LATER)
		r->unrecorded = true;
	else if ((rc = ck__state_write(ctx, put_fn, &a)) != CK_OK) {
		rc = undo(r, rc);
		goto out;
	}
	ck__log(ctx, CK_LOG_DEBUG, "root filesystem \"%s\": image %.12s, %zu layer(s), %s at %s", id, a.image, n,
	        r->overlay ? "overlay" : "copy", r->path);
	*out = r;
	r = NULL;
out:
	ck__lock_release(&store);
	ck_rootfs_free(r);
	ck__layer_dirs_free(lowers, n);
	free(empty);
	free(a.image);
	free(a.layers_json);
	free(a.user);
	return rc;
}

/* Mounts an existing overlay rootfs again after a reboot or a release. */
static int remount(ck_rootfs *r, unsigned flags)
{
	struct rec a = { .id = r->id, .image_ref = r->image };
	char **lowers = NULL, *empty = NULL;
	size_t n = 0;
	int rc;

	if (!r->overlay || ck__rootfs_mounted(r))
		return CK_OK;
	if ((rc = ck__state_read(r->ctx, image_fn, &a)) == CK_OK &&
	    (rc = ck__layer_dirs(&lowers, &n, r->ctx, a.image, a.layers_json)) == CK_OK) {
		if (n == 0) {
			n = 1;
			if (!(empty = ck__path_join(r->dir, "empty")) || !(lowers[0] = ck__strdup(empty)))
				rc = ck__oom();
			else
				rc = ck__mkdir_p(empty, 0755);
		}
		if (rc == CK_OK && (rc = ck__mkdir_p(r->path, 0755)) == CK_OK)
			rc = ck__rootfs_mount_overlay(r, lowers, n, flags);
	}
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "cannot mount root filesystem \"%s\" again", r->id);
	ck__layer_dirs_free(lowers, n);
	free(empty);
	free(a.image);
	free(a.layers_json);
	return rc;
}

int ck_rootfs_prepare(ck_rootfs **out, ck_context *ctx, const char *image, const char *id)
{
	CK_ENTER();
	return ck__rootfs_prepare(out, ctx, image, id, 0);
}

int ck__rootfs_prepare(ck_rootfs **out, ck_context *ctx, const char *image, const char *id, unsigned flags)
{
	struct rec a = { .id = id };
	ck__lock lk = CK__LOCK_INIT;
	ck_rootfs *r = NULL;
	char *want = NULL;
	int rc;

	if (!out)
		return ck__error_set(CK_EINVAL, "ck_rootfs_prepare: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_rootfs_prepare: ctx is NULL");
	if (!image || !*image)
		return ck__error_set(CK_EINVAL, "ck_rootfs_prepare: the image is %s", image ? "empty" : "NULL");
	if ((rc = validate_owner(id)) != CK_OK)
		return rc;
	if ((rc = ck__lock_object(&lk, ctx, "rootfs", id)) != CK_OK)
		return rc;
	rc = ck__state_read(ctx, get_fn, &a);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = prepare_new(out, ctx, image, id, flags);
		goto out;
	}
	if (rc != CK_OK)
		goto out;
	/* It exists: same image, or a clear refusal. */
	if ((rc = ck__image_resolve(&want, ctx, image)) != CK_OK)
		goto out;
	if (strcmp(want, a.image) != 0) {
		rc = ck__error_set(CK_EEXISTS, "root filesystem \"%s\" already exists for image %.12s, not %.12s "
		                               "(release it with remove first)", id, a.image, want);
		goto out;
	}
	if ((rc = handle_new(&r, ctx, id, a.image, a.overlay)) != CK_OK || (rc = remount(r, flags)) != CK_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	ck__lock_release(&lk);
	ck_rootfs_free(r);
	free(a.image);
	free(want);
	return rc;
}

int ck_rootfs_lookup(ck_rootfs **out, ck_context *ctx, const char *id)
{
	struct rec a = { .id = id };
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_rootfs_lookup: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_rootfs_lookup: ctx is NULL");
	if ((rc = validate_owner(id)) != CK_OK)
		return rc;
	if ((rc = ck__state_read(ctx, get_fn, &a)) == CK_OK)
		rc = handle_new(out, ctx, id, a.image, a.overlay);
	free(a.image);
	return rc;
}

const char *ck_rootfs_path(const ck_rootfs *rootfs)
{
	return rootfs ? rootfs->path : NULL;
}

int ck_rootfs_is_overlay(const ck_rootfs *rootfs)
{
	return rootfs && rootfs->overlay ? 1 : 0;
}

int ck_rootfs_release(ck_rootfs *rootfs, int remove)
{
	ck__lock lk = CK__LOCK_INIT;
	struct rec a = { 0 };
	int rc;

	CK_ENTER();
	if (!rootfs)
		return ck__error_set(CK_EINVAL, "ck_rootfs_release: rootfs is NULL");
	if ((rc = ck__lock_object(&lk, rootfs->ctx, "rootfs", rootfs->id)) != CK_OK)
		return rc;
	if ((rc = ck__rootfs_unmount(rootfs)) != CK_OK || !remove)
		goto out;
	a.id = rootfs->id;
	a.image = rootfs->image;
	if (!(a.user = user_key(rootfs->id))) {
		rc = ck__oom();
		goto out;
	}
	/* Record first: a crash before the files go leaves a directory without
	 * a record, which the next prepare of this owner clears. */
	if ((rc = ck__state_write(rootfs->ctx, del_fn, &a)) == CK_OK)
		rc = remove_dir(rootfs);
out:
	free(a.user);
	ck__lock_release(&lk);
	return rc;
}

int ck__rootfs_discard(ck_context *ctx, const char *id)
{
	ck__lock lk = CK__LOCK_INIT;
	struct rec a = { .id = id };
	ck_rootfs *r = NULL;
	int rc;

	if ((rc = validate_owner(id)) != CK_OK || (rc = ck__lock_object(&lk, ctx, "rootfs", id)) != CK_OK)
		return rc;
	rc = ck__state_read(ctx, get_fn, &a);
	if (rc == CK_OK) {
		rc = ck__error_set(CK_EEXISTS, "root filesystem \"%s\" has a record: release it instead", id);
	} else if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		if ((rc = handle_new(&r, ctx, id, "", false)) == CK_OK && (rc = ck__rootfs_unmount(r)) == CK_OK)
			rc = remove_dir(r);
	}
	ck_rootfs_free(r);
	free(a.image);
	ck__lock_release(&lk);
	return rc;
}

void ck_rootfs_free(ck_rootfs *rootfs)
{
	if (!rootfs)
		return;
	free(rootfs->id);
	free(rootfs->image);
	free(rootfs->dir);
	free(rootfs->path);
	free(rootfs);
}
