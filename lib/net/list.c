/* Listing and pruning networks (podman's filters), and inspect JSON. */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdlib.h>
#include <string.h>

struct ck_network_list {
	ck_network **items;
	size_t n;
};

typedef struct filter {
	char **names, **ids, **drivers, **labels;
} filter;

static void filter_free(filter *f)
{
	ck_strv_free(f->names);
	ck_strv_free(f->ids);
	ck_strv_free(f->drivers);
	ck_strv_free(f->labels);
}

static const char *const filter_keys[] = { "name", "id", "driver", "label", NULL };

static int filter_one(size_t key, const char *val, const char *flt, void *payload)
{
	filter *f = payload;
	char ***lists[] = { &f->names, &f->ids, &f->drivers, &f->labels };

	(void)flt;
	return ck__strv_push(lists[key], val);
}

static int filter_parse(filter *f, const char *const *filters)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = ck__filters_parse("network", filter_keys, 0, filters, filter_one, f)) != CK_OK)
		filter_free(f);
	return rc;
}

static bool filter_match(const filter *f, const ck__net *n)
{
	bool ok;

	if (f->names) {
		ok = false;
		for (size_t i = 0; f->names[i] && !ok; i++)
			ok = strstr(n->name, f->names[i]) != NULL;
		if (!ok)
			return false;
	}
	if (f->ids) {
		ok = false;
		for (size_t i = 0; f->ids[i] && !ok; i++)
			ok = ck__str_has_prefix(n->id, f->ids[i]);
		if (!ok)
			return false;
	}
	if (f->drivers) {
		ok = false;
		for (size_t i = 0; f->drivers[i] && !ok; i++)
			ok = !strcmp(n->driver, f->drivers[i]);
		if (!ok)
			return false;
	}
	for (size_t i = 0; f->labels && f->labels[i]; i++)
		if (!ck__label_filter_match_map(f->labels[i], &n->labels))
			return false;
	return true;
}

struct list_args {
	ck_context *ctx;
	const filter *f;
	ck_network_list *l;
	ck_state_txn *txn;
};

static int list_one(const ck__net *n, void *payload)
{
	struct list_args *a = payload;
	size_t users = 0;
	int rc;

	if (!filter_match(a->f, n))
		return CK_OK;
	if ((rc = ck__net_count_users(&users, a->txn, n->name)) != CK_OK)
		return rc;
	ck_network **grown = realloc(a->l->items, (a->l->n + 1) * sizeof(*grown));
	if (!grown)
		return ck__oom();
	a->l->items = grown;
	if ((rc = ck__net_handle(&a->l->items[a->l->n], a->ctx, n, users)) == CK_OK)
		a->l->n++;
	return rc;
}

static void list_clear(ck_network_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ck_network_free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int list_fn(ck_state_txn *txn, void *payload)
{
	struct list_args *a = payload;
	list_clear(a->l);
	a->txn = txn;
	return ck__net_foreach(txn, list_one, a);
}

static int by_name(const void *x, const void *y)
{
	return strcmp((*(ck_network *const *)x)->n.name, (*(ck_network *const *)y)->n.name);
}

int ck_network_list_new(ck_network_list **out, ck_context *ctx, const char *const *filters)
{
	filter f;
	int rc;

	CK_ENTER();
	if (!out || !ctx)
		return ck__error_set(CK_EINVAL, "ck_network_list_new: out and ctx are required");
	*out = NULL;
	if ((rc = filter_parse(&f, filters)) != CK_OK)
		return rc;
	ck_network_list *l = calloc(1, sizeof(*l));
	if (!l) {
		filter_free(&f);
		return ck__oom();
	}
	struct list_args a = { ctx, &f, l, NULL };
	rc = ck__state_read(ctx, list_fn, &a);
	filter_free(&f);
	if (rc != CK_OK) {
		ck_network_list_free(l);
		return rc;
	}
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), by_name);
	*out = l;
	return CK_OK;
}

size_t ck_network_list_count(const ck_network_list *list)
{
	return list ? list->n : 0;
}

const ck_network *ck_network_list_byindex(const ck_network_list *list, size_t i)
{
	return list && i < list->n ? list->items[i] : NULL;
}

void ck_network_list_free(ck_network_list *list)
{
	if (!list)
		return;
	list_clear(list);
	free(list);
}

int ck_network_prune(char ***removed, ck_context *ctx, const char *const *filters)
{
	ck_network_list *l = NULL;
	char **names = NULL;
	int rc;

	CK_ENTER();
	if (removed)
		*removed = NULL;
	if ((rc = ck_network_list_new(&l, ctx, filters)) != CK_OK)
		return rc;
	for (size_t i = 0; i < l->n && rc == CK_OK; i++) {
		const ck__net *n = &l->items[i]->n;
		if (n->is_default || l->items[i]->users)
			continue;
		rc = ck__net_remove_record(ctx, n->name, false);
		if (rc == CK_EINUSE || rc == CK_ENOTFOUND) { /* taken or removed meanwhile */
			ck__error_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK)
			rc = ck__strv_push(&names, n->name);
	}
	ck_network_list_free(l);
	if (rc == CK_OK && removed)
		*removed = names;
	else
		ck_strv_free(names);
	return rc;
}

int ck_network_inspect(char **out, const ck_network *net)
{
	char created[64];
	yajl_gen g;

	CK_ENTER();
	if (!out || !net)
		return ck__error_set(CK_EINVAL, "ck_network_inspect: out and net are required");
	if (!(g = ck__json_gen_new(true)))
		return ck__oom();
	const ck__net *n = &net->n;
	ck__rfc3339(created, sizeof(created), n->created * 1000000000LL);
	yajl_gen_map_open(g);
	ck__net_gen_podman(g, n, created);
	ck__json_key_int(g, "containers", (long long)net->users);
	yajl_gen_map_close(g);
	return ck__json_gen_finish(out, g);
}
