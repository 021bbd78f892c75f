/* Typed records on top of the buckets: each object is immutable config JSON
 * plus mutable state JSON, found by name, full id or unique id prefix. */
#define _GNU_SOURCE
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *bucket, *state_bucket, *names_bucket;
} kinds[CK__KIND_COUNT] = {
	[CK__KIND_CONTAINER] = { "container", "containers", "containers.state", "names" },
	[CK__KIND_POD] = { "pod", "pods", "pods.state", "names" },
	[CK__KIND_VOLUME] = { "volume", "volumes", "volumes.state", NULL },
	[CK__KIND_IMAGE] = { "image", "images", "images.state", NULL },
	[CK__KIND_NETWORK] = { "network", "networks", "networks.state", NULL },
};

const char *ck__kind_name(ck__kind kind)
{
	return kinds[kind].name;
}

const char *ck__kind_bucket(ck__kind kind)
{
	return kinds[kind].bucket;
}

const char *ck__kind_state_bucket(ck__kind kind)
{
	return kinds[kind].state_bucket;
}

const char *ck__kind_names_bucket(ck__kind kind)
{
	return kinds[kind].names_bucket;
}

/* A name registry value says which kind holds the name: "container/ID". */
static char *name_value(ck__kind kind, const char *id)
{
	return ck__asprintf("%s/%s", kinds[kind].name, id);
}

static const char *short_id(const char *id, char buf[13])
{
	snprintf(buf, 13, "%s", id);
	return buf;
}

int ck__rec_insert(ck_state_txn *txn, ck__kind kind, const char *id, const char *name,
                   const char *config, const char *state)
{
	char *existing = NULL, *nv = NULL, sid[13];
	int rc = ck__txn_get(&existing, NULL, txn, kinds[kind].bucket, id);

	if (rc == CK_OK) {
		free(existing);
		if (kind == CK__KIND_VOLUME || kind == CK__KIND_NETWORK)
			return ck__error_set(CK_EEXISTS, "%s \"%s\" already exists", kinds[kind].name, id);
		return ck__error_set(CK_EEXISTS, "%s id %s already exists", kinds[kind].name, id);
	}
	if (rc != CK_ENOTFOUND)
		return rc;
	ck__error_clear();
	if (name && kinds[kind].names_bucket) {
		rc = ck__txn_get(&existing, NULL, txn, kinds[kind].names_bucket, name);
		if (rc == CK_OK) {
			char *slash = strchr(existing, '/');
			rc = ck__error_set(CK_EEXISTS, "the name \"%s\" is already in use by %.*s %s", name,
			                   slash ? (int)(slash - existing) : 6, existing,
			                   short_id(slash ? slash + 1 : "?", sid));
			free(existing);
			return rc;
		}
		if (rc != CK_ENOTFOUND)
			return rc;
		ck__error_clear();
		if (!(nv = name_value(kind, id)))
			return ck__oom();
		rc = ck__txn_put_str(txn, kinds[kind].names_bucket, name, nv);
		free(nv);
		if (rc != CK_OK)
			return rc;
	}
	rc = ck__txn_put_str(txn, kinds[kind].bucket, id, config);
	if (rc == CK_OK)
		rc = ck__txn_put_str(txn, kinds[kind].state_bucket, id, state ? state : "{}");
	return rc;
}

int ck__rec_get(char **config, char **state, ck_state_txn *txn, ck__kind kind, const char *id)
{
	char *c = NULL, *s = NULL;
	int rc = ck__txn_get(&c, NULL, txn, kinds[kind].bucket, id);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "no such %s: %s", kinds[kind].name, id);
	if (rc != CK_OK)
		return rc;
	if (state) {
		rc = ck__txn_get(&s, NULL, txn, kinds[kind].state_bucket, id);
		if (rc == CK_ENOTFOUND) {
			/* check --repair restores it; readers see the default. */
			ck__error_clear();
			s = ck__strdup("{}");
			rc = s ? CK_OK : ck__oom();
		}
		if (rc != CK_OK) {
			free(c);
			return rc;
		}
		*state = s;
	}
	if (config)
		*config = c;
	else
		free(c);
	return CK_OK;
}

int ck__rec_put_state(ck_state_txn *txn, ck__kind kind, const char *id, const char *state)
{
	char *c = NULL;
	int rc = ck__txn_get(&c, NULL, txn, kinds[kind].bucket, id);

	free(c);
	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "no such %s: %s", kinds[kind].name, id);
	if (rc != CK_OK)
		return rc;
	return ck__txn_put_str(txn, kinds[kind].state_bucket, id, state);
}

int ck__rec_delete(ck_state_txn *txn, ck__kind kind, const char *id, const char *name)
{
	int rc = ck__txn_del(txn, kinds[kind].bucket, id);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "no such %s: %s", kinds[kind].name, id);
	if (rc != CK_OK)
		return rc;
	rc = ck__txn_del(txn, kinds[kind].state_bucket, id);
	if (rc == CK_ENOTFOUND)
		rc = CK_OK;
	if (rc == CK_OK && name && kinds[kind].names_bucket) {
		char *holder = NULL, *mine = name_value(kind, id);
		if (!mine)
			return ck__oom();
		rc = ck__txn_get(&holder, NULL, txn, kinds[kind].names_bucket, name);
		if (rc == CK_OK && strcmp(holder, mine) == 0)
			rc = ck__txn_del(txn, kinds[kind].names_bucket, name);
		if (rc == CK_ENOTFOUND)
			rc = CK_OK;
		free(holder);
		free(mine);
	}
	if (rc == CK_OK)
		ck__error_clear();
	return rc;
}

struct prefix_match {
	char *first;
	int count;
};

static int collect_prefix(const char *key, const void *val, size_t len, void *payload)
{
	struct prefix_match *m = payload;
	if (++m->count == 1) {
		m->first = ck__strdup(key);
		if (!m->first)
			return ck__oom();
		return 0;
	}
	return 1; /* two matches are enough to know it is ambiguous */
}

/* The words are podman's where the CLI shows them and tests compare them;
 * the kinds that word their own misses (images, networks) get plain ones. */
int ck__rec_ref_error(int code, ck__kind kind, const char *ref)
{
	if (code == CK_EAMBIGUOUS) {
		if (kind == CK__KIND_CONTAINER)
			return ck__error_set(code, "more than one container id starts with \"%s\"; give more of it "
			                           "or the name", ref);
		if (kind == CK__KIND_VOLUME)
			return ck__error_set(code, "more than one volume name starts with \"%s\"; give the full name",
			                     ref);
		return ck__error_set(code, "\"%s\" matches more than one %s; give more of the id", ref,
		                     kinds[kind].name);
	}
	switch (kind) {
	case CK__KIND_CONTAINER:
		return ck__error_set(code, "no container with name or ID \"%s\" found: no such container", ref);
	case CK__KIND_POD:
		return ck__error_set(code, "no pod with name or ID %s found: no such pod", ref);
	case CK__KIND_VOLUME:
		return ck__error_set(code, "no volume with name \"%s\" found: no such volume", ref);
	default:
		return ck__error_set(code, "no such %s: %s", kinds[kind].name, ref);
	}
}

int ck__rec_resolve(char **id, ck_state_txn *txn, ck__kind kind, const char *ref)
{
	char *val = NULL;
	int rc;

	*id = NULL;
	if (!ref || !*ref)
		return ck__error_set(CK_EINVAL, "an empty %s name or id was given", kinds[kind].name);
	if (kinds[kind].names_bucket) {
		rc = ck__txn_get(&val, NULL, txn, kinds[kind].names_bucket, ref);
		if (rc == CK_OK) {
			size_t kl = strlen(kinds[kind].name);
			if (!strncmp(val, kinds[kind].name, kl) && val[kl] == '/') {
				*id = ck__strdup(val + kl + 1);
				free(val);
				return *id ? CK_OK : ck__oom();
			}
			free(val);
		} else if (rc != CK_ENOTFOUND) {
			return rc;
		}
	}
	rc = ck__txn_get(&val, NULL, txn, kinds[kind].bucket, ref);
	free(val);
	if (rc == CK_OK) {
		*id = ck__strdup(ref);
		return *id ? CK_OK : ck__oom();
	}
	if (rc != CK_ENOTFOUND)
		return rc;
	struct prefix_match m = { NULL, 0 };
	rc = ck__txn_scan(txn, kinds[kind].bucket, ref, collect_prefix, &m);
	if (rc != CK_OK) {
		free(m.first);
		return rc;
	}
	if (m.count == 1) {
		*id = m.first;
		ck__error_clear();
		return CK_OK;
	}
	free(m.first);
	return ck__rec_ref_error(m.count > 1 ? CK_EAMBIGUOUS : CK_ENOTFOUND, kind, ref);
}

/* A whole bucket of states, read in one scan and searched by key: listing
 * n records costs two scans rather than a scan and n lookups. */
struct state_kv {
	char *key, *val;
};

struct foreach_ctx {
	ck__kind kind;
	ck__rec_fn fn;
	void *payload;
	struct state_kv *states;
	size_t n, cap;
};

static char *dup_val(const void *val, size_t len)
{
	char *s = malloc(len + 1);
	if (s) {
		memcpy(s, val, len);
		s[len] = '\0';
	}
	return s;
}

static int state_one(const char *key, const void *val, size_t len, void *payload)
{
	struct foreach_ctx *f = payload;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct state_kv *ns = realloc(f->states, cap * sizeof(*ns));
		if (!ns)
			return ck__oom();
		f->states = ns;
		f->cap = cap;
	}
	struct state_kv *kv = &f->states[f->n];
	if (!(kv->key = strdup(key)) || !(kv->val = dup_val(val, len))) {
		free(kv->key);
		return ck__oom();
	}
	f->n++;
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct state_kv *)a)->key, ((const struct state_kv *)b)->key);
}

static int foreach_one(const char *key, const void *val, size_t len, void *payload)
{
	struct foreach_ctx *f = payload;
	struct state_kv want = { (char *)key, NULL };
	struct state_kv *st = f->n ? bsearch(&want, f->states, f->n, sizeof(want), kv_cmp) : NULL;
	/* Scanned values are not NUL-terminated; configs are handed on as text. */
	char *config = dup_val(val, len);
	int rc;

	if (!config)
		return ck__oom();
	rc = f->fn(key, config, st ? st->val : NULL, f->payload);
	free(config);
	return rc;
}

int ck__rec_foreach(ck_state_txn *txn, ck__kind kind, ck__rec_fn fn, void *payload)
{
	struct foreach_ctx f = { kind, fn, payload, NULL, 0, 0 };
	int rc = CK_OK;

	if (kinds[kind].state_bucket && (rc = ck__txn_scan(txn, kinds[kind].state_bucket, "", state_one, &f)) == CK_OK &&
	    f.n > 1)
		qsort(f.states, f.n, sizeof(*f.states), kv_cmp);
	if (rc == CK_OK)
		rc = ck__txn_scan(txn, kinds[kind].bucket, "", foreach_one, &f);
	for (size_t i = 0; i < f.n; i++) {
		free(f.states[i].key);
		free(f.states[i].val);
	}
	free(f.states);
	return rc;
}

static int count_one(const char *key, const void *val, size_t len, void *payload)
{
	(*(size_t *)payload)++;
	return 0;
}

int ck__rec_count(size_t *count, ck_state_txn *txn, ck__kind kind)
{
	*count = 0;
	return ck__txn_scan(txn, kinds[kind].bucket, "", count_one, count);
}

/* ---- pod membership ---- */

static char *member_key(const char *pod_id, const char *ctr_id)
{
	return ck__asprintf("%s/%s", pod_id, ctr_id);
}

int ck__pod_member_put(ck_state_txn *txn, const char *pod_id, const char *ctr_id, bool infra)
{
	char *key = member_key(pod_id, ctr_id);
	int rc;

	if (!key)
		return ck__oom();
	rc = ck__txn_put_str(txn, CK__POD_MEMBERS_BUCKET, key, infra ? "infra" : "member");
	free(key);
	return rc;
}

int ck__pod_member_del(ck_state_txn *txn, const char *pod_id, const char *ctr_id)
{
	char *key = member_key(pod_id, ctr_id);
	int rc;

	if (!key)
		return ck__oom();
	rc = ck__txn_del(txn, CK__POD_MEMBERS_BUCKET, key);
	free(key);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		rc = CK_OK;
	}
	return rc;
}

struct members {
	char **ids;
	char *infra;
	size_t prefix_len;
};

static int member_one(const char *key, const void *val, size_t len, void *payload)
{
	struct members *m = payload;
	const char *id = key + m->prefix_len;

	if (len == 5 && !memcmp(val, "infra", 5)) {
		free(m->infra);
		return (m->infra = strdup(id)) ? 0 : ck__oom();
	}
	return ck__strv_push(&m->ids, id);
}

int ck__pod_members(char ***ids, char **infra, ck_state_txn *txn, const char *pod_id)
{
	char *prefix = ck__asprintf("%s/", pod_id);
	struct members m = { NULL, NULL, 0 };
	int rc;

	if (ids)
		*ids = NULL;
	if (infra)
		*infra = NULL;
	if (!prefix)
		return ck__oom();
	m.prefix_len = strlen(prefix);
	rc = ck__txn_scan(txn, CK__POD_MEMBERS_BUCKET, prefix, member_one, &m);
	free(prefix);
	if (rc != CK_OK) {
		ck_strv_free(m.ids);
		free(m.infra);
		return rc;
	}
	if (ids)
		*ids = m.ids;
	else
		ck_strv_free(m.ids);
	if (infra)
		*infra = m.infra;
	else
		free(m.infra);
	return CK_OK;
}
