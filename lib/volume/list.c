/* Listing volumes through podman's filters, and pruning the unused ones. */
#include "volume_int.h"

#include <stdlib.h>
#include <string.h>

void ck__volume_filter_free(ck__volume_filter *f)
{
	ck_strv_free(f->names);
	ck_strv_free(f->labels);
	ck_strv_free(f->drivers);
	memset(f, 0, sizeof(*f));
}

static const char *const filter_keys[] = { "name", "label", "driver", "dangling", NULL };

static int filter_one(size_t key, const char *val, const char *flt, void *payload)
{
	ck__volume_filter *f = payload;
	bool dangling;
	int rc;

	switch (key) {
	case 0: return ck__strv_push(&f->names, val);
	case 1: return ck__strv_push(&f->labels, val);
	case 2: return ck__strv_push(&f->drivers, val);
	default:
		if ((rc = ck__filter_bool(&dangling, "volume", flt, val)) == CK_OK)
			*(dangling ? &f->dangling_true : &f->dangling_false) = true;
		return rc;
	}
}

int ck__volume_filter_parse(ck__volume_filter *f, const char *const *filters)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = ck__filters_parse("volume", filter_keys, CK__FILTER_NONEMPTY, filters, filter_one, f);
	if (rc != CK_OK)
		ck__volume_filter_free(f);
	return rc;
}

/* Filters of one key match if any of them does; keys must all match. */
bool ck__volume_filter_match(const ck__volume_filter *f, const ck_volume *vol)
{
	bool any;

	if (f->names) {
		any = false;
		for (char **p = f->names; *p && !any; p++)
			any = strstr(vol->name, *p) != NULL;
		if (!any)
			return false;
	}
	if (f->labels) {
		any = false;
		for (char **p = f->labels; *p && !any; p++)
			any = ck__label_filter_match_map(*p, &vol->labels);
		if (!any)
			return false;
	}
	if (f->drivers) {
		any = false;
		for (char **p = f->drivers; *p && !any; p++)
			any = !strcmp(vol->driver, *p);
		if (!any)
			return false;
	}
	if (f->dangling_true || f->dangling_false) {
		bool dangling = vol->nusers == 0;
		if (!((f->dangling_true && dangling) || (f->dangling_false && !dangling)))
			return false;
	}
	return true;
}

struct collect {
	ck_volume **vols;
	size_t n;
};

static void collect_clear(struct collect *c)
{
	ck_volume_list_free(c->vols, c->n);
	c->vols = NULL;
	c->n = 0;
}

static int make_volume(void *slot, ck_context *ctx, const char *id, const char *config, const char *state)
{
	return ck__volume_from_record(slot, ctx, id, config, state);
}

static void free_volumes(void *items, size_t n)
{
	ck_volume_list_free(items, n);
}

static const ck__rec_collector volume_collector = {
	.kind = CK__KIND_VOLUME, .size = sizeof(ck_volume *), .make = make_volume, .free_list = free_volumes,
	.warn_damaged = true,
};

static int by_name(const void *a, const void *b)
{
	return strcmp((*(ck_volume *const *)a)->name, (*(ck_volume *const *)b)->name);
}

/* Reads every volume and keeps those matching `f`, sorted by name. */
static int collect_matching(struct collect *c, ck_context *ctx, const ck__volume_filter *f)
{
	size_t kept = 0;
	void *items;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = ck__rec_collect(&items, &c->n, ctx, &volume_collector)) != CK_OK)
		return rc;
	c->vols = items;
	for (size_t i = 0; i < c->n; i++) {
		if (ck__volume_filter_match(f, c->vols[i]))
			c->vols[kept++] = c->vols[i];
		else
			ck_volume_free(c->vols[i]);
	}
	c->n = kept;
	if (c->n)
		qsort(c->vols, c->n, sizeof(*c->vols), by_name);
	return CK_OK;
}

/* collect_matching for podman's --filter words (list and prune). */
static int collect_filtered(struct collect *c, ck_context *ctx, const char *const *filters)
{
	ck__volume_filter f;
	int rc = ck__volume_filter_parse(&f, filters);

	if (rc != CK_OK)
		return rc;
	rc = collect_matching(c, ctx, &f);
	ck__volume_filter_free(&f);
	return rc;
}

int ck_volume_list(ck_volume ***out, size_t *count, ck_context *ctx, const char *const *filters)
{
	struct collect c;
	int rc;

	CK_ENTER();
	if (!out || !count)
		return ck__error_set(CK_EINVAL, "ck_volume_list: %s is NULL", out ? "count" : "out");
	*out = NULL;
	*count = 0;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_volume_list: ctx is NULL");
	if ((rc = collect_filtered(&c, ctx, filters)) != CK_OK)
		return rc;
	for (size_t i = 0; i < c.n; i++) {
		if (ck__volume_ensure_dir(ctx, c.vols[i]->name, false) != CK_OK) {
			ck__log(ctx, CK_LOG_WARN, "%s", ck_error_last()->message);
			ck__error_clear();
		}
	}
	if (!c.vols && !(c.vols = calloc(1, sizeof(*c.vols))))
		return ck__oom();
	*out = c.vols;
	*count = c.n;
	return CK_OK;
}

void ck_volume_list_free(ck_volume **list, size_t count)
{
	if (!list)
		return;
	for (size_t i = 0; i < count; i++)
		ck_volume_free(list[i]);
	free(list);
}

int ck_volume_prune(char ***removed, ck_context *ctx, const char *const *filters)
{
	struct collect c;
	char **names = NULL;
	size_t done = 0;
	int rc;

	CK_ENTER();
	if (removed)
		*removed = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_volume_prune: ctx is NULL");
	if ((rc = collect_filtered(&c, ctx, filters)) != CK_OK)
		return rc;
	if (!(names = calloc(1, sizeof(*names)))) {
		collect_clear(&c);
		return ck__oom();
	}
	for (size_t i = 0; i < c.n && rc == CK_OK; i++) {
		if (c.vols[i]->nusers > 0)
			continue; /* only volumes that no container uses */
		rc = ck__volume_remove_name(ctx, c.vols[i]->name, false);
		if (rc == CK_EINUSE || rc == CK_ENOTFOUND) {
			/* Taken into use or removed since the listing: not ours to prune. */
			ck__error_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK) {
			done++;
			rc = ck__strv_push(&names, c.vols[i]->name);
		}
	}
	collect_clear(&c);
	if (rc != CK_OK) {
		if (done)
			ck__error_wrap(rc, "volume prune stopped after removing %zu volume(s)", done);
		ck_strv_free(names);
		return rc;
	}
	if (removed)
		*removed = names;
	else
		ck_strv_free(names);
	return CK_OK;
}
