/* The containers that use a volume: the "users" array of its state, kept by
 * the container module inside its own transactions. */
#include "volume_int.h"

#include <stdlib.h>
#include <string.h>

/* Rewrites the users array with `id` added (add) or removed (!add). */
static int change_users(ck_state_txn *txn, const char *name, const char *id, bool add)
{
	char *state = NULL, *out = NULL;
	yajl_val tree = NULL, users = NULL;
	yajl_gen g;
	bool found = false;
	int rc = ck__rec_get(NULL, &state, txn, CK__KIND_VOLUME, name);

	if (rc == CK_ENOTFOUND) {
		if (!add) {
			ck__error_clear(); /* nothing to take the user from */
			return CK_OK;
		}
		return ck__rec_ref_error(CK_ENOTFOUND, CK__KIND_VOLUME, name);
	}
	if (rc != CK_OK)
		return rc;
	if (state && ck__json_parse(&tree, state, "volume state", CK_ECORRUPT) == CK_OK)
		users = ck__json_arr(tree, "users");
	ck__error_clear(); /* a damaged state is rewritten */
	if (!(g = ck__json_gen_new(false))) {
		rc = ck__oom();
		goto out;
	}
	yajl_gen_map_open(g);
	ck__json_key(g, "users");
	yajl_gen_array_open(g);
	for (size_t i = 0; users && i < users->u.array.len; i++) {
		yajl_val u = users->u.array.values[i];
		if (!YAJL_IS_STRING(u))
			continue;
		if (strcmp(u->u.string, id) == 0) {
			found = true;
			if (!add)
				continue;
		}
		ck__json_str_val(g, u->u.string);
	}
	if (add && !found)
		ck__json_str_val(g, id);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	if ((rc = ck__json_gen_finish(&out, g)) == CK_OK)
		rc = ck__rec_put_state(txn, CK__KIND_VOLUME, name, out);
out:
	yajl_tree_free(tree);
	free(state);
	free(out);
	return rc;
}

int ck__volume_add_user(ck_state_txn *txn, const char *name, const char *id)
{
	return change_users(txn, name, id, true);
}

int ck__volume_remove_user(ck_state_txn *txn, const char *name, const char *id)
{
	return change_users(txn, name, id, false);
}

int ck__volume_path(char **out, const ck_context *ctx, const char *name)
{
	return ck__volume_data_dir(out, ctx, name);
}
