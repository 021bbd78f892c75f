/* Reading records for the handles built on them, each in one read
 * snapshot: every record of a kind (what ck_container_list, ck_image_list
 * and ck_volume_list start from), or the one a name or id prefix names. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

struct collect {
	ck_context *ctx;
	const ck__rec_collector *how;
	char *items; /* n handles of how->size bytes each */
	size_t n, cap;
};

static void collect_clear(struct collect *c)
{
	if (c->items)
		c->how->free_list(c->items, c->n);
	c->items = NULL;
	c->n = c->cap = 0;
}

static int collect_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct collect *c = payload;
	const ck__rec_collector *how = c->how;
	int rc;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char *nv = realloc(c->items, cap * how->size);
		if (!nv)
			return ck__oom();
		c->items = nv;
		c->cap = cap;
	}
	rc = how->make(c->items + c->n * how->size, c->ctx, id, config, state);
	if (rc == CK_ENOMEM)
		return rc;
	if (rc != CK_OK) {
		/* One damaged record must not hide every other one; `ck system
		 * check` is where it is reported and repaired. */
		if (how->warn_damaged)
			ck__log(c->ctx, CK_LOG_WARN, "skipping a damaged %s record: %s (run `ck system check`)",
			        ck__kind_name(how->kind), ck_error_last()->message);
		ck__error_clear();
		return CK_OK;
	}
	c->n++;
	return CK_OK;
}

static int collect_txn(ck_state_txn *txn, void *payload)
{
	struct collect *c = payload;

	collect_clear(c); /* the body may run more than once */
	return ck__rec_foreach(txn, c->how->kind, collect_fn, c);
}

int ck__rec_collect(void **items, size_t *n, ck_context *ctx, const ck__rec_collector *how)
{
	struct collect c = { .ctx = ctx, .how = how };
	int rc = ck__state_read(ctx, collect_txn, &c);

	if (rc != CK_OK) {
		collect_clear(&c);
		*items = NULL;
		*n = 0;
		return rc;
	}
	*items = c.items;
	*n = c.n;
	return CK_OK;
}

struct read_ref {
	ck__kind kind;
	const char *ref;
	char *id, *config, *state;
};

static void read_ref_clear(struct read_ref *a)
{
	free(a->id);
	free(a->config);
	free(a->state);
	a->id = a->config = a->state = NULL;
}

static int read_ref_txn(ck_state_txn *txn, void *payload)
{
	struct read_ref *a = payload;
	int rc;

	read_ref_clear(a); /* the body may run more than once */
	if ((rc = ck__rec_resolve(&a->id, txn, a->kind, a->ref)) != CK_OK)
		return rc;
	return ck__rec_get(&a->config, &a->state, txn, a->kind, a->id);
}

int ck__rec_read_ref(char **id, char **config, char **state, ck_context *ctx, ck__kind kind, const char *ref)
{
	struct read_ref a = { .kind = kind, .ref = ref };
	int rc = ck__state_read(ctx, read_ref_txn, &a);

	if (rc != CK_OK) {
		read_ref_clear(&a);
		return rc;
	}
	*id = a.id;
	*config = a.config;
	*state = a.state;
	return CK_OK;
}
