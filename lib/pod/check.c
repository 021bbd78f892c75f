/* The pods' part of `ck system check`: containers whose pod is gone, pods
 * whose infra container is gone, and membership keys of containers that
 * are gone.  Repairs keep every container (and what it wrote): a member is
 * taken out of a pod that cannot hold it any more, and a pod without its
 * infra goes (its record holds no data of the user's). */
#define _GNU_SOURCE
#include "pod_int.h"
#include "pod.h"

#include <stdlib.h>
#include <string.h>

enum { P_ORPHAN_MEMBER, P_NO_INFRA, P_DANGLING_KEY };

struct problem {
	int what;
	bool repaired;
	char *a, *b; /* container id / pod id; pod id / name; pod id / container id */
};

struct scan {
	ck_state_txn *txn;
	struct problem *list;
	size_t n;
	int rc;
};

static void add(struct scan *s, int what, const char *a, const char *b)
{
	struct problem *np = realloc(s->list, (s->n + 1) * sizeof(*np));
	if (!np) {
		s->rc = CK_ENOMEM;
		return;
	}
	s->list = np;
	np[s->n].what = what;
	np[s->n].repaired = false;
	np[s->n].a = strdup(a);
	np[s->n].b = strdup(b ? b : "");
	s->n++;
}

static bool has(ck_state_txn *txn, ck__kind kind, const char *id)
{
	char *v = NULL;
	int rc = ck__rec_get(&v, NULL, txn, kind, id);
	free(v);
	ck__error_clear();
	return rc == CK_OK;
}

static int ctr_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct scan *s = payload;
	yajl_val t = NULL;

	if (ck__json_parse(&t, config, "a container's record", CK_ECORRUPT) != CK_OK) {
		ck__error_clear(); /* the state check reports bad records */
		return 0;
	}
	const char *pod = ck__json_str(t, "pod");
	if (pod && *pod && !has(s->txn, CK__KIND_POD, pod))
		add(s, P_ORPHAN_MEMBER, id, pod);
	yajl_tree_free(t);
	return s->rc;
}

static int pod_fn(const char *id, const char *config, const char *state, void *payload)
{
	struct scan *s = payload;
	ck__pod_config c;
	char *infra = NULL;

	if (ck__pod_config_parse(&c, config) != CK_OK) {
		ck__error_clear();
		return 0;
	}
	if (c.infra && (ck__pod_members(NULL, &infra, s->txn, id) != CK_OK || !infra ||
	                !has(s->txn, CK__KIND_CONTAINER, infra)))
		add(s, P_NO_INFRA, id, c.name);
	ck__error_clear();
	free(infra);
	ck__pod_config_free(&c);
	return s->rc;
}

static int key_fn(const char *key, const void *val, size_t len, void *payload)
{
	struct scan *s = payload;
	const char *slash = strchr(key, '/');
	char *pod = slash ? strndup(key, (size_t)(slash - key)) : NULL;

	if (pod && !has(s->txn, CK__KIND_CONTAINER, slash + 1) && has(s->txn, CK__KIND_POD, pod))
		add(s, P_DANGLING_KEY, pod, slash + 1);
	free(pod);
	return s->rc;
}

static void problems_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->list[i].a);
		free(s->list[i].b);
	}
	free(s->list);
	s->list = NULL;
	s->n = 0;
}

/* Finds the problems, and with `repair` fixes them in the same transaction. */
static int scan_txn(ck_state_txn *txn, void *payload)
{
	struct scan *s = payload;
	int rc;

	problems_free(s);
	s->txn = txn;
	s->rc = CK_OK;
	if ((rc = ck__rec_foreach(txn, CK__KIND_CONTAINER, ctr_fn, s)) != CK_OK ||
	    (rc = ck__rec_foreach(txn, CK__KIND_POD, pod_fn, s)) != CK_OK ||
	    (rc = ck__txn_scan(txn, CK__POD_MEMBERS_BUCKET, "", key_fn, s)) != CK_OK)
		return rc;
	if (!ck__txn_is_write(txn))
		return CK_OK;
	/* A record the repair cannot read (bad-record is the state check's)
	 * stays reported; the others are still repaired. */
	for (size_t i = 0; rc == CK_OK && i < s->n; i++) {
		struct problem *p = &s->list[i];
		if (p->what == P_ORPHAN_MEMBER) {
			rc = ck__ctr_pod_detach(txn, p->a);
		} else if (p->what == P_DANGLING_KEY) {
			rc = ck__pod_member_del(txn, p->a, p->b);
		} else {
			char **ids = NULL;
			rc = ck__pod_members(&ids, NULL, txn, p->a);
			for (size_t k = 0; rc == CK_OK && ids && ids[k]; k++)
				rc = ck__ctr_pod_detach(txn, ids[k]);
			ck_strv_free(ids);
			if (rc == CK_OK)
				rc = ck__rec_delete(txn, CK__KIND_POD, p->a, p->b);
		}
		p->repaired = rc == CK_OK;
		if (rc != CK_OK && rc != CK_ENOMEM) {
			ck__error_clear();
			rc = CK_OK;
		}
	}
	return rc;
}

int ck__pod_check(ck_context *ctx, ck__check_report *r)
{
	struct scan s = { 0 };
	int rc = (r->repair ? ck__state_write : ck__state_read)(ctx, scan_txn, &s);

	for (size_t i = 0; rc == CK_OK && i < s.n; i++) {
		const struct problem *p = &s.list[i];
		char *detail;
		if (p->what == P_ORPHAN_MEMBER)
			detail = ck__asprintf("container %s belongs to pod %s, which no longer exists; the repair "
			                      "takes it out of the pod (it keeps its files)", p->a, p->b);
		else if (p->what == P_NO_INFRA)
			detail = ck__asprintf("pod %s (%s) has lost its infra container; the repair removes the pod "
			                      "and takes its containers out of it", p->b, p->a);
		else
			detail = ck__asprintf("pod %s lists container %s, which no longer exists; the entry can be "
			                      "deleted", p->a, p->b);
		ck__check_add(r, p->what == P_ORPHAN_MEMBER ? CK_CHECK_MISSING_POD
		                 : p->what == P_NO_INFRA    ? CK_CHECK_MISSING_INFRA
		                                            : CK_CHECK_LEFTOVER,
		              p->what == P_DANGLING_KEY ? p->b : p->a, detail ? detail : "", true, p->repaired);
		free(detail);
	}
	problems_free(&s);
	return rc;
}
