/* Listing containers with podman's ps filters, and renaming one. */
#define _GNU_SOURCE
#include "container_int.h"
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

static const char *const filter_keys[] = { "id", "name", "label", "status", "ancestor", "exited", NULL };
static const char *const statuses[] = { "created", "running", "stopping", "exited", "restarting",
	                                "removing", "unknown", "creating", "starting", "paused", NULL };

typedef struct filter {
	const char *const *raw;
	char **ancestor_ids; /* resolved ancestor= values (parallel to the raw ones, NULL if unresolved) */
	ck_context *ctx;
	bool implies_all;
} filter;

/* Checks the values that can be wrong, and resolves ancestor= once. */
static int filter_one(size_t key, const char *v, const char *flt, void *payload)
{
	filter *f = payload;
	size_t i = 0;

	while (f->raw[i] != flt)
		i++;
	if (!strcmp(filter_keys[key], "status")) {
		bool ok = false;
		for (size_t k = 0; statuses[k]; k++)
			ok |= !strcmp(statuses[k], v);
		if (!ok)
			return ck__error_set(CK_EINVAL, "invalid filter \"%s\": the status must be one of created, "
			                                "running, stopping, exited, restarting, removing, unknown", flt);
		f->implies_all = true;
	} else if (!strcmp(filter_keys[key], "exited")) {
		char *end;
		strtol(v, &end, 10);
		if (!*v || *end)
			return ck__error_set(CK_EINVAL, "invalid filter \"%s\": exited= takes an exit code", flt);
		f->implies_all = true;
	} else if (!strcmp(filter_keys[key], "ancestor")) {
		if (ck__image_resolve(&f->ancestor_ids[i], f->ctx, v) != CK_OK) {
			ck__error_clear();
			f->ancestor_ids[i] = NULL;
		}
	}
	return CK_OK;
}

static int filter_parse(filter *f, ck_context *ctx, const char *const *filters)
{
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	f->raw = filters;
	f->ctx = ctx;
	while (filters && filters[n])
		n++;
	if (n && !(f->ancestor_ids = calloc(n, sizeof(char *))))
		return ck__oom();
	return ck__filters_parse("container", filter_keys, 0, filters, filter_one, f);
}

static void filter_free(filter *f)
{
	for (size_t i = 0; f->raw && f->raw[i]; i++)
		free(f->ancestor_ids ? f->ancestor_ids[i] : NULL);
	free(f->ancestor_ids);
}

static bool one_matches(const filter *f, size_t i, const ck_container *c)
{
	const char *text = f->raw[i], *v = strchr(text, '=') + 1;

	switch (text[0]) {
	case 'i':
		return *v && ck__str_has_prefix(c->cfg.id, v);
	case 'n':
		return strstr(c->cfg.name, v) != NULL;
	case 's':
		return !strcmp(c->status, v);
	case 'e':
		return !strcmp(c->status, "exited") && c->st.exit_code == atoi(v);
	case 'a':
		if (f->ancestor_ids[i] && !strcmp(f->ancestor_ids[i], c->cfg.image_id))
			return true;
		return !strcmp(c->cfg.image_name, v) || (*v && strlen(v) >= 3 && ck__str_has_prefix(c->cfg.image_id, v));
	case 'l':
		return ck__label_filter_match_map(v, &c->cfg.labels);
	}
	return false;
}

static bool matches(const filter *f, const ck_container *c)
{
	for (size_t i = 0; f->raw && f->raw[i]; i++) {
		size_t klen = (size_t)(strchr(f->raw[i], '=') - f->raw[i]);
		bool label = !strncmp(f->raw[i], "label=", 6);
		if (label) { /* every label filter must match */
			if (!one_matches(f, i, c))
				return false;
			continue;
		}
		bool seen = false, any = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strncmp(f->raw[j], f->raw[i], klen + 1);
		if (seen)
			continue;
		for (size_t j = i; f->raw[j] && !any; j++)
			if (!strncmp(f->raw[j], f->raw[i], klen + 1))
				any = one_matches(f, j, c);
		if (!any)
			return false;
	}
	return true;
}

static int make_container(void *slot, ck_context *ctx, const char *id, const char *config, const char *state)
{
	return ck__ctr_handle_summary(slot, ctx, id, config, state);
}

static void free_containers(void *items, size_t n)
{
	ck_container_list_free(items, n);
}

/* A damaged record is skipped without a word: it is ck system check's business. */
static const ck__rec_collector container_collector = {
	.kind = CK__KIND_CONTAINER, .size = sizeof(ck_container *), .make = make_container,
	.free_list = free_containers,
};

static int newest_first(const void *a, const void *b)
{
	const ck_container *x = *(ck_container *const *)a, *y = *(ck_container *const *)b;
	return x->cfg.created < y->cfg.created ? 1 : x->cfg.created > y->cfg.created ? -1 : 0;
}

int ck_container_list(ck_container ***out, size_t *count, ck_context *ctx, unsigned int flags,
                      const char *const *filters)
{
	struct {
		ck_container **list;
		size_t n;
	} c = { NULL, 0 };
	void *items = NULL;
	filter f;
	size_t k = 0;
	int rc;

	CK_ENTER();
	if (!out || !count)
		return ck__error_set(CK_EINVAL, "ck_container_list: %s is NULL", out ? "count" : "out");
	*out = NULL;
	*count = 0;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_container_list: ctx is NULL");
	if (flags & ~CK_CONTAINER_LIST_ALL)
		return ck__error_set(CK_EINVAL, "ck_container_list: unknown flags 0x%x", flags & ~CK_CONTAINER_LIST_ALL);
	if ((rc = filter_parse(&f, ctx, filters)) != CK_OK) {
		filter_free(&f);
		return rc;
	}
	rc = ck__rec_collect(&items, &c.n, ctx, &container_collector);
	c.list = items;
	if (rc == CK_OK) {
		bool all = (flags & CK_CONTAINER_LIST_ALL) || f.implies_all;
		for (size_t i = 0; i < c.n; i++) {
			ck_container *ctr = c.list[i];
			if ((all || !strcmp(ctr->status, "running") || !strcmp(ctr->status, "paused")) && matches(&f, ctr))
				c.list[k++] = ctr;
			else
				ck_container_free(ctr);
		}
		if (k)
			qsort(c.list, k, sizeof(*c.list), newest_first);
		*out = c.list;
		*count = k;
	}
	filter_free(&f);
	return rc;
}

void ck_container_list_free(ck_container **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		ck_container_free(list[i]);
	free(list);
}

/* ---- rename ---- */

struct rename_args {
	const char *id, *name;
	char *old;
};

static int rename_fn(ck_state_txn *txn, void *payload)
{
	struct rename_args *a = payload;
	const char *names = ck__kind_names_bucket(CK__KIND_CONTAINER), *bucket = ck__kind_bucket(CK__KIND_CONTAINER);
	char *config = NULL, *holder = NULL, *json = NULL, *value = NULL;
	ck__ctr_config cfg;
	int rc;

	free(a->old);
	a->old = NULL;
	if ((rc = ck__rec_get(&config, NULL, txn, CK__KIND_CONTAINER, a->id)) != CK_OK)
		return rc;
	rc = ck__ctr_config_parse(&cfg, config);
	free(config);
	if (rc != CK_OK)
		return rc;
	rc = ck__txn_get(&holder, NULL, txn, names, a->name);
	if (rc == CK_OK) {
		rc = ck__error_set(CK_EEXISTS, "the name \"%s\" is already in use by %s", a->name, holder);
		goto out;
	}
	if (rc != CK_ENOTFOUND)
		goto out;
	ck__error_clear();
	if (!(a->old = strdup(cfg.name)) || !(value = ck__asprintf("container/%s", a->id))) {
		rc = ck__oom();
		goto out;
	}
	free(cfg.name);
	if (!(cfg.name = strdup(a->name))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = ck__ctr_config_json(&json, &cfg)) != CK_OK)
		goto out;
	rc = ck__txn_del(txn, names, a->old);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, names, a->name, value);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, bucket, a->id, json);
out:
	ck__ctr_config_free(&cfg);
	free(holder);
	free(json);
	free(value);
	return rc;
}

int ck_container_rename(ck_container *ctr, const char *new_name)
{
	ck__lock lk = CK__LOCK_INIT;
	struct rename_args a = { NULL, new_name, NULL };
	int rc;

	CK_ENTER();
	if (!ctr)
		return ck__error_set(CK_EINVAL, "ck_container_rename: ctr is NULL");
	CK__CTR_FULL(ctr);
	if (!new_name)
		return ck__error_set(CK_EINVAL, "ck_container_rename: new_name is NULL");
	if ((rc = ck__validate_name(new_name, "container")) != CK_OK)
		return rc;
	a.id = ctr->cfg.id;
	if ((rc = ck__ctr_lock(&lk, ctr->ctx, ctr->cfg.id)) != CK_OK)
		return rc;
	rc = ck__state_write(ctr->ctx, rename_fn, &a);
	ck__lock_release(&lk);
	if (rc == CK_OK) {
		rc = ck__ctr_load(ctr, ctr->ctx, ctr->cfg.id);
		ck__ctr_event(ctr->ctx, &ctr->cfg, "rename", -1);
	}
	free(a.old);
	return rc;
}
