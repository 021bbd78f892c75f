/* How a volume is stored: its paths under the storage root, its lock, its
 * record's JSON, and the lazy re-creation of a missing data directory. */
#include "volume_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ck__volume_base(char **out, const ck_context *ctx)
{
	*out = ck__root_path(ctx, "volumes");
	return *out ? CK_OK : ck__oom();
}

int ck__volume_dir(char **out, const ck_context *ctx, const char *name)
{
	int rc = ck__validate_name(name, "volume");

	*out = NULL;
	if (rc != CK_OK)
		return rc;
	*out = ck__asprintf("%s/volumes/%s", ctx->root, name);
	return *out ? CK_OK : ck__oom();
}

int ck__volume_data_dir(char **out, const ck_context *ctx, const char *name)
{
	int rc = ck__validate_name(name, "volume");

	*out = NULL;
	if (rc != CK_OK)
		return rc;
	*out = ck__asprintf("%s/volumes/%s/_data", ctx->root, name);
	return *out ? CK_OK : ck__oom();
}

int ck__volume_lock(ck__lock *lk, ck_context *ctx, const char *name)
{
	char hashed[65];

	/* "volume-<name>.lock" must fit in NAME_MAX; names may be 253 bytes. */
	if (strlen(name) > 200) {
		int rc = ck__sha256_hex(hashed, name, strlen(name));
		if (rc != CK_OK)
			return rc;
		name = hashed;
	}
	return ck__lock_object(lk, ctx, "volume", name);
}

int ck__volume_config_json(char **out, const char *name, const char *driver, const ck__strmap *labels,
                           const char *mountpoint, int64_t created)
{
	yajl_gen g = ck__json_gen_new(false);

	*out = NULL;
	if (!g)
		return ck__oom();
	yajl_gen_map_open(g);
	ck__json_key_str(g, "name", name);
	ck__json_key_str(g, "driver", driver);
	ck__json_key(g, "labels");
	ck__strmap_gen(g, labels);
	ck__json_key_str(g, "mountpoint", mountpoint);
	ck__json_key_int(g, "created", created);
	ck__json_key(g, "options");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}

static int parse_users(ck_volume *vol, const char *state)
{
	yajl_val tree, users;
	int rc;

	if (!state)
		return CK_OK; /* a missing state is reported by the store check */
	if ((rc = ck__json_parse(&tree, state, "volume state", CK_ECORRUPT)) != CK_OK)
		return ck__error_wrap(rc, "volume \"%s\"", vol->name);
	users = ck__json_arr(tree, "users");
	for (size_t i = 0; users && i < users->u.array.len; i++) {
		yajl_val u = users->u.array.values[i];
		if (!YAJL_IS_STRING(u))
			continue;
		if ((rc = ck__strv_push(&vol->users, u->u.string)) != CK_OK)
			break;
		vol->nusers++;
	}
	yajl_tree_free(tree);
	return rc;
}

int ck__volume_from_record(ck_volume **out, ck_context *ctx, const char *name, const char *config,
                           const char *state)
{
	ck_volume *vol;
	yajl_val tree = NULL;
	const char *driver;
	long long created = 0;
	int rc;

	*out = NULL;
	vol = calloc(1, sizeof(*vol));
	if (!vol)
		return ck__oom();
	vol->ctx = ctx;
	vol->name = ck__strdup(name);
	if (!vol->name) {
		rc = ck__oom();
		goto fail;
	}
	if ((rc = ck__json_parse(&tree, config, "volume record", CK_ECORRUPT)) != CK_OK) {
		rc = ck__error_wrap(rc, "volume \"%s\"", name);
		goto fail;
	}
	driver = ck__json_str(tree, "driver");
	if (!YAJL_IS_OBJECT(tree) || !driver || !ck__json_int(tree, "created", &created)) {
		rc = ck__error_set(CK_ECORRUPT, "volume \"%s\": the record lacks its driver or "
		                                "creation time; run `ck system check`", name);
		goto fail;
	}
	vol->driver = ck__strdup(driver);
	vol->created = created;
	if (!vol->driver) {
		rc = ck__oom();
		goto fail;
	}
	/* The directory follows the storage root, even if the root was moved
	 * since the record was written. */
	if ((rc = ck__volume_data_dir(&vol->mountpoint, ctx, name)) != CK_OK)
		goto fail;
	if ((rc = ck__strmap_from_json(&vol->labels, ck__json_obj(tree, "labels"))) != CK_OK ||
	    (rc = ck__strmap_from_json(&vol->options, ck__json_obj(tree, "options"))) != CK_OK ||
	    (rc = parse_users(vol, state)) != CK_OK)
		goto fail;
	yajl_tree_free(tree);
	*out = vol;
	return CK_OK;
fail:
	yajl_tree_free(tree);
	ck_volume_free(vol);
	return rc;
}

static int exists_fn(ck_state_txn *txn, void *payload)
{
	const char *name = payload;
	return ck__rec_get(NULL, NULL, txn, CK__KIND_VOLUME, name);
}

int ck__volume_mkdir(const char *path, mode_t mode, bool exist_ok)
{
	if (mkdir(path, mode) < 0) {
		if (errno == EEXIST && exist_ok && ck__is_dir(path))
			return CK_OK;
		if (errno == EEXIST)
			return ck__error_set(CK_EEXISTS, "%s already exists", path);
		return ck__error_errno(ck__errno_code(errno), "cannot create directory %s", path);
	}
	if (chmod(path, mode) < 0)
		return ck__error_errno(CK_EIO, "cannot set the mode of %s", path);
	return CK_OK;
}

int ck__volume_ensure_dir(ck_context *ctx, const char *name, bool locked)
{
	ck__lock lk = CK__LOCK_INIT;
	char *base = NULL, *dir = NULL, *data = NULL;
	int rc;

	if ((rc = ck__volume_data_dir(&data, ctx, name)) != CK_OK)
		return rc;
	if (ck__is_dir(data)) {
		free(data);
		return CK_OK;
	}
	if (!locked && (rc = ck__volume_lock(&lk, ctx, name)) != CK_OK)
		goto out;
	/* A remove may have run between the caller's read and the lock: a
	 * directory created now would be an orphan. */
	rc = ck__state_read(ctx, exists_fn, (void *)name);
	if (rc == CK_ENOTFOUND) {
		rc = ck__error_set(CK_ENOTFOUND, "volume \"%s\" was removed meanwhile", name);
		goto out;
	}
	if (rc != CK_OK)
		goto out;
	if ((rc = ck__volume_base(&base, ctx)) != CK_OK || (rc = ck__volume_dir(&dir, ctx, name)) != CK_OK)
		goto out;
	if ((rc = ck__mkdir_p(base, 0700)) == CK_OK && (rc = ck__volume_mkdir(dir, 0700, true)) == CK_OK &&
	    (rc = ck__volume_mkdir(data, 0755, true)) == CK_OK)
		ck__log(ctx, CK_LOG_WARN, "volume %s: recreated its missing directory %s", name, data);
	if (rc != CK_OK)
		rc = ck__error_wrap(rc, "volume \"%s\": its directory is missing and cannot be recreated",
		                    name);
out:
	ck__lock_release(&lk);
	free(base);
	free(dir);
	free(data);
	return rc;
}
