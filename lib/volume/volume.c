/* Creating, looking up and removing one volume, and the handle's getters. */
#include "volume_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct insert_args {
	const char *name, *config;
};

static int insert_fn(ck_state_txn *txn, void *payload)
{
	struct insert_args *a = payload;
	return ck__rec_insert(txn, CK__KIND_VOLUME, a->name, NULL, a->config, CK__VOLUME_STATE_EMPTY);
}

static int delete_fn(ck_state_txn *txn, void *payload)
{
	return ck__rec_delete(txn, CK__KIND_VOLUME, (const char *)payload, NULL);
}

/* Takes the record back after the directory could not be made, keeping the
 * message of the failure that caused it. */
static void undo_insert(ck_context *ctx, const char *name)
{
	const ck_error *e = ck_error_last();
	char saved[1024];
	int code = e->code;

	snprintf(saved, sizeof(saved), "%s", e->message);
	if (ck__state_write(ctx, delete_fn, (void *)name) != CK_OK)
		ck__log(ctx, CK_LOG_ERROR, "volume %s: cannot delete the record after a failed create: %s",
		        name, ck_error_last()->message);
	ck__error_set(code, "%s", saved);
}

static int make_dirs(ck_context *ctx, const char *name)
{
	char *base = NULL, *dir = NULL, *data = NULL;
	int rc;

	if ((rc = ck__volume_base(&base, ctx)) != CK_OK || (rc = ck__volume_dir(&dir, ctx, name)) != CK_OK ||
	    (rc = ck__volume_data_dir(&data, ctx, name)) != CK_OK)
		goto out;
	if ((rc = ck__mkdir_p(base, 0700)) != CK_OK)
		goto out;
	rc = ck__volume_mkdir(dir, 0700, false);
	if (rc == CK_EEXISTS) {
		/* Left by a removal that crashed, or put there by hand: never hand
		 * someone else's data to a new volume. */
		rc = ck__error_set(CK_EEXISTS,
		                   "cannot create volume \"%s\": its directory %s already exists without a "
		                   "volume record; `ck system check --repair` adopts it as a volume",
		                   name, dir);
		goto out;
	}
	if (rc != CK_OK)
		goto out;
	if ((rc = ck__volume_mkdir(data, 0755, false)) != CK_OK)
		rmdir(dir);
out:
	if (rc != CK_OK && rc != CK_EEXISTS)
		rc = ck__error_wrap(rc, "cannot create volume \"%s\"", name);
	free(base);
	free(dir);
	free(data);
	return rc;
}

/* The record is written before the directory exists (and deleted before the
 * directory goes, see trash_dir()): a crash in between leaves a one-sided
 * state that lookups and check.c repair, never half a volume. */
int ck_volume_create(ck_volume **out, ck_context *ctx, const ck_volume_spec *spec)
{
	ck__lock lk = CK__LOCK_INIT;
	ck_volume *vol = NULL;
	char generated[65], *config = NULL, *data = NULL;
	const char *name;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_volume_create: ctx is NULL");
	if (!spec)
		return ck__error_set(CK_EINVAL, "ck_volume_create: spec is NULL");
	name = spec->name;
	if (!name) {
		if ((rc = ck__random_id(generated)) != CK_OK)
			return rc;
		name = generated;
	}
	if ((rc = ck__volume_data_dir(&data, ctx, name)) != CK_OK)
		return rc;
	rc = ck__volume_config_json(&config, name, spec->driver, &spec->labels, data,
	                            ck__now_ns() / 1000000000);
	/* The handle is built first, so that nothing can fail after the volume
	 * exists. */
	if (rc == CK_OK)
		rc = ck__volume_from_record(&vol, ctx, name, config, CK__VOLUME_STATE_EMPTY);
	if (rc == CK_OK)
		rc = ck__volume_lock(&lk, ctx, name);
	if (rc != CK_OK)
		goto out;

	struct insert_args args = { name, config };
	rc = ck__state_write(ctx, insert_fn, &args);
	if (rc == CK_EEXISTS)
		rc = ck__error_set(CK_EEXISTS, "volume with name \"%s\" already exists", name);
	if (rc != CK_OK)
		goto out;
	if ((rc = make_dirs(ctx, name)) != CK_OK) {
		undo_insert(ctx, name);
		goto out;
	}
	ck__log(ctx, CK_LOG_DEBUG, "volume %s: created at %s", name, data);
	if (out) {
		*out = vol;
		vol = NULL;
	}
out:
	ck__lock_release(&lk);
	ck_volume_free(vol);
	free(config);
	free(data);
	return rc;
}

int ck_volume_lookup(ck_volume **out, ck_context *ctx, const char *name)
{
	char *id = NULL, *config = NULL, *state = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_volume_lookup: out is NULL");
	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_volume_lookup: ctx is NULL");
	if (!name || !*name)
		return ck__error_set(CK_EINVAL, "ck_volume_lookup: the volume name is %s",
		                     name ? "empty" : "NULL");
	rc = ck__rec_read_ref(&id, &config, &state, ctx, CK__KIND_VOLUME, name);
	if (rc == CK_OK)
		rc = ck__volume_from_record(out, ctx, id, config, state);
	if (rc == CK_OK && (rc = ck__volume_ensure_dir(ctx, id, false)) != CK_OK) {
		ck_volume_free(*out);
		*out = NULL;
	}
	free(id);
	free(config);
	free(state);
	return rc;
}

struct remove_args {
	const char *name;
	bool force;
};

static int remove_fn(ck_state_txn *txn, void *payload)
{
	struct remove_args *a = payload;
	char *state = NULL;
	yajl_val tree = NULL, users;
	int rc;

	rc = ck__rec_get(NULL, &state, txn, CK__KIND_VOLUME, a->name);
	if (rc == CK_ENOTFOUND)
		return ck__rec_ref_error(CK_ENOTFOUND, CK__KIND_VOLUME, a->name);
	if (rc != CK_OK)
		return rc;
	if (!a->force && state) {
		rc = ck__json_parse(&tree, state, "volume state", CK_ECORRUPT);
		free(state);
		if (rc != CK_OK)
			return ck__error_wrap(rc, "cannot tell whether volume \"%s\" is in use (remove it "
			                          "with force)", a->name);
		users = ck__json_arr(tree, "users");
		if (users && users->u.array.len > 0) {
			ck__buf b = { 0 };
			for (size_t i = 0; i < users->u.array.len; i++) {
				yajl_val u = users->u.array.values[i];
				ck__buf_printf(&b, "%s%.12s", i ? ", " : "",
				               YAJL_IS_STRING(u) ? u->u.string : "?");
			}
			rc = ck__error_set(CK_EINUSE,
			                   "volume \"%s\" is being used by the following container(s): %s "
			                   "(remove them first, or use force)",
			                   a->name, b.data ? b.data : "");
			ck__buf_free(&b);
			yajl_tree_free(tree);
			return rc;
		}
		yajl_tree_free(tree);
	} else {
		free(state);
	}
	return ck__rec_delete(txn, CK__KIND_VOLUME, a->name, NULL);
}

/* Moves the directory out of the way in one rename, so that a crash in the
 * middle of the recursive delete leaves a .trash- leftover and never a
 * half-deleted directory under a volume's name. */
static int trash_dir(ck_context *ctx, const char *name)
{
	char *dir = NULL, *trash = NULL, rnd[65];
	int rc;

	if ((rc = ck__volume_dir(&dir, ctx, name)) != CK_OK)
		return rc;
	if (!ck__path_exists(dir))
		goto out;
	if ((rc = ck__random_id(rnd)) != CK_OK)
		goto out;
	if (!(trash = ck__asprintf("%s/volumes/.trash-%.16s", ctx->root, rnd))) {
		rc = ck__oom();
		goto out;
	}
	if (rename(dir, trash) < 0) {
		if (errno == ENOENT)
			goto out;
		rc = ck__error_errno(CK_EIO, "volume \"%s\" was removed from the store, but its directory "
		                             "%s cannot be moved away", name, dir);
		goto out;
	}
	if ((rc = ck__rm_rf(trash)) != CK_OK)
		rc = ck__error_wrap(rc, "volume \"%s\" was removed, but its data could not all be deleted "
		                        "(`ck system check --repair` deletes the rest)", name);
out:
	free(dir);
	free(trash);
	return rc;
}

int ck__volume_remove_name(ck_context *ctx, const char *name, bool force)
{
	ck__lock lk = CK__LOCK_INIT;
	struct remove_args a = { name, force };
	int rc;

	if ((rc = ck__volume_lock(&lk, ctx, name)) != CK_OK)
		return rc;
	rc = ck__state_write(ctx, remove_fn, &a);
	if (rc == CK_OK)
		rc = trash_dir(ctx, name);
	if (rc == CK_OK)
		ck__log(ctx, CK_LOG_DEBUG, "volume %s: removed", name);
	ck__lock_release(&lk);
	return rc;
}

int ck_volume_remove(ck_volume *vol, unsigned int flags)
{
	CK_ENTER();
	if (!vol)
		return ck__error_set(CK_EINVAL, "ck_volume_remove: vol is NULL");
	if (flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES))
		return ck__error_set(CK_EINVAL, "ck_volume_remove: unknown flags 0x%x",
		                     flags & ~(CK_REMOVE_FORCE | CK_REMOVE_VOLUMES));
	return ck__volume_remove_name(vol->ctx, vol->name, (flags & CK_REMOVE_FORCE) != 0);
}

void ck_volume_free(ck_volume *vol)
{
	if (!vol)
		return;
	free(vol->name);
	free(vol->driver);
	free(vol->mountpoint);
	ck__strmap_free(&vol->labels);
	ck__strmap_free(&vol->options);
	ck_strv_free(vol->users);
	free(vol);
}

const char *ck_volume_name(const ck_volume *vol)
{
	return vol ? vol->name : NULL;
}

const char *ck_volume_driver(const ck_volume *vol)
{
	return vol ? vol->driver : NULL;
}

const char *ck_volume_mountpoint(const ck_volume *vol)
{
	return vol ? vol->mountpoint : NULL;
}

int64_t ck_volume_created(const ck_volume *vol)
{
	return vol ? vol->created : 0;
}

const char *ck_volume_label(const ck_volume *vol, const char *key)
{
	return vol && key ? ck__strmap_get(&vol->labels, key) : NULL;
}

size_t ck_volume_users(const ck_volume *vol)
{
	return vol ? vol->nusers : 0;
}

int ck_volume_inspect(char **out, const ck_volume *vol)
{
	char created[40];
	yajl_gen g;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_volume_inspect: out is NULL");
	*out = NULL;
	if (!vol)
		return ck__error_set(CK_EINVAL, "ck_volume_inspect: vol is NULL");
	if (!(g = ck__json_gen_new(false)))
		return ck__oom();
	ck__rfc3339(created, sizeof(created), vol->created * 1000000000);
	yajl_gen_map_open(g);
	ck__json_key_str(g, "Name", vol->name);
	ck__json_key_str(g, "Driver", vol->driver);
	ck__json_key_str(g, "Mountpoint", vol->mountpoint);
	ck__json_key_str(g, "CreatedAt", created);
	ck__json_key(g, "Labels");
	ck__strmap_gen(g, &vol->labels);
	ck__json_key_str(g, "Scope", "local");
	ck__json_key(g, "Options");
	ck__strmap_gen(g, &vol->options);
	ck__json_key_int(g, "MountCount", 0);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}
