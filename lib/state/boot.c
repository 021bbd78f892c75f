/* Reboot detection by the kernel's boot id: /run survives a reboot on some
 * hosts, so a vanished tmpfs cannot be relied on.  Containers recorded as
 * running under an earlier boot are marked exited. */
#define _GNU_SOURCE
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

struct boot {
	char id[40];
	bool same;
	size_t fixed;
};

static int read_boot(ck_state_txn *txn, void *payload)
{
	struct boot *b = payload;
	char *stored = NULL;
	int rc = ck__txn_get(&stored, NULL, txn, "meta", "boot_id");

	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		b->same = false;
		return CK_OK;
	}
	if (rc == CK_OK)
		b->same = strcmp(stored, b->id) == 0;
	free(stored);
	return rc;
}

static bool was_live(const char *status)
{
	return status && (!strcmp(status, "running") || !strcmp(status, "paused") ||
	                  !strcmp(status, "stopping") || !strcmp(status, "created"));
}

/* Rewrites a state object with status "exited" and no pid. */
static char *mark_exited(yajl_val tree)
{
	yajl_gen g = ck__json_gen_new(false);
	char *out = NULL;

	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	for (size_t i = 0; i < tree->u.object.len; i++) {
		const char *k = tree->u.object.keys[i];
		if (!strcmp(k, "status") || !strcmp(k, "pid") || !strcmp(k, "stale_boot"))
			continue;
		ck__json_key(g, k);
		ck__json_emit(g, tree->u.object.values[i]);
	}
	ck__json_key_str(g, "status", "exited");
	ck__json_key_int(g, "pid", 0);
	ck__json_key_bool(g, "stale_boot", true);
	yajl_gen_map_close(g);
	if (ck__json_gen_finish(&out, g) != CK_OK)
		return NULL;
	return out;
}

struct fix {
	ck_state_txn *txn;
	size_t fixed;
	char **ids;
	char **states;
};

static int find_live(const char *id, const char *config, const char *state, void *payload)
{
	struct fix *f = payload;
	yajl_val tree = NULL;
	char *next;

	if (!state || ck__json_parse(&tree, state, "container state", CK_ECORRUPT) != CK_OK) {
		ck__error_clear(); /* damaged records are ck system check's business */
		return 0;
	}
	if (YAJL_IS_OBJECT(tree) && was_live(ck__json_str(tree, "status"))) {
		next = mark_exited(tree);
		if (!next || ck__strv_push(&f->ids, id) != CK_OK || ck__strv_push(&f->states, next) != CK_OK) {
			free(next);
			yajl_tree_free(tree);
			return ck__oom();
		}
		free(next);
	}
	yajl_tree_free(tree);
	return 0;
}

static int fix_boot(ck_state_txn *txn, void *payload)
{
	struct boot *b = payload;
	struct fix f = { txn, 0, NULL, NULL };
	int rc = read_boot(txn, b);

	if (rc != CK_OK || b->same)
		return rc;
	/* Collect first: a scan's callback must not write. */
	rc = ck__rec_foreach(txn, CK__KIND_CONTAINER, find_live, &f);
	for (size_t i = 0; rc == CK_OK && f.ids && f.ids[i]; i++)
		rc = ck__txn_put_str(txn, "containers.state", f.ids[i], f.states[i]);
	b->fixed = ck__strv_len(f.ids);
	ck_strv_free(f.ids);
	ck_strv_free(f.states);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, "meta", "boot_id", b->id);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, "meta", "schema", CK__STATE_SCHEMA);
	return rc;
}

int ck__state_boot_check(ck_context *ctx)
{
	struct boot b;
	int rc;

	memset(&b, 0, sizeof(b));
	ck__boot_id(b.id);
	rc = ck__state_read(ctx, read_boot, &b);
	if (rc != CK_OK || b.same)
		return rc;
	rc = ck__state_write(ctx, fix_boot, &b);
	if (rc == CK_OK && b.fixed)
		ck__log(ctx, CK_LOG_INFO, "state: new boot %s: marked %zu containers of an earlier boot exited",
		        b.id, b.fixed);
	return rc;
}
