/* Listing pods, with podman's pod ps filters. */
#define _GNU_SOURCE
#include "pod_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int ids_fn(const char *id, const char *config, const char *state, void *payload)
{
	return ck__strv_push((char ***)payload, id);
}

static int ids_txn(ck_state_txn *txn, void *payload)
{
	ck_strv_free(*(char ***)payload);
	*(char ***)payload = NULL;
	return ck__rec_foreach(txn, CK__KIND_POD, ids_fn, payload);
}

static const char *const filter_keys[] = { "id", "name", "label", "status", NULL };

/* Filters of one key: any may match; of different keys: all must (labels: all). */
static bool matches(const ck_pod *p, const char *const *filters)
{
	for (size_t k = 0; filter_keys[k]; k++) {
		size_t kl = strlen(filter_keys[k]);
		bool seen = false, any = false, all = true;
		for (size_t i = 0; filters && filters[i]; i++) {
			if (strncmp(filters[i], filter_keys[k], kl) || filters[i][kl] != '=')
				continue;
			const char *v = filters[i] + kl + 1;
			bool m = false;
			seen = true;
			if (k == 0) {
				m = !strncmp(p->cfg.id, v, strlen(v));
			} else if (k == 1) {
				m = strstr(p->cfg.name, v) != NULL;
			} else if (k == 2) {
				m = ck__label_filter_match_map(v, &p->cfg.labels);
			} else {
				m = !strcasecmp(ck_pod_state_name(p->state), v);
			}
			any |= m;
			all &= m;
		}
		if (seen && !(k == 2 ? all : any))
			return false;
	}
	return true;
}

static int newest_first(const void *a, const void *b)
{
	const ck_pod *x = *(ck_pod *const *)a, *y = *(ck_pod *const *)b;
	return x->cfg.created < y->cfg.created ? 1 : x->cfg.created > y->cfg.created ? -1 : 0;
}

int ck_pod_list(ck_pod ***out, size_t *count, ck_context *ctx, const char *const *filters)
{
	char **ids = NULL;
	ck_pod **list = NULL;
	size_t n = 0;
	int rc;

	CK_ENTER();
	if (!out || !count || !ctx)
		return ck__error_set(CK_EINVAL, "ck_pod_list: %s is NULL", !out ? "out" : !count ? "count" : "ctx");
	*out = NULL;
	*count = 0;
	if ((rc = ck__filters_parse("pod", filter_keys, 0, filters, NULL, NULL)) != CK_OK || (rc = ck__state_read(ctx, ids_txn, &ids)) != CK_OK)
		return rc;
	if (!(list = calloc(ck__strv_len(ids) + 1, sizeof(*list)))) {
		ck_strv_free(ids);
		return ck__oom();
	}
	for (size_t i = 0; ids && ids[i] && rc == CK_OK; i++) {
		ck_pod *p = NULL;
		rc = ck__pod_load(&p, ctx, ids[i]);
		if (rc == CK_ENOTFOUND) { /* removed meanwhile */
			ck__error_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK && matches(p, filters))
			list[n++] = p;
		else
			ck_pod_free(p);
	}
	ck_strv_free(ids);
	if (rc != CK_OK) {
		ck_pod_list_free(list, n);
		return rc;
	}
	qsort(list, n, sizeof(*list), newest_first);
	*out = list;
	*count = n;
	return CK_OK;
}

void ck_pod_list_free(ck_pod **list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		ck_pod_free(list[i]);
	free(list);
}
