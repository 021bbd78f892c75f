/* The public containerkit/sys/state.h: direct, transactional access to the
 * buckets of a context's store. */
#include "state_int.h"

#include <stdio.h>
#include <stdlib.h>

struct ck_state {
	ck_context *ctx;
	char backend[32];
};

int ck_state_open(ck_state **out, ck_context *ctx)
{
	CK_ENTER();
	if (!out || !ctx)
		return ck__error_set(CK_EINVAL, "ck_state_open: out and ctx must not be NULL");
	*out = NULL;
	int rc = ck__state_ensure(ctx);
	if (rc != CK_OK)
		return rc;
	ck_state *st = calloc(1, sizeof(*st));
	if (!st)
		return ck__oom();
	st->ctx = ctx;
	snprintf(st->backend, sizeof(st->backend), "%s", ck_context_db_backend(ctx));
	*out = st;
	return CK_OK;
}

void ck_state_free(ck_state *st)
{
	free(st);
}

const char *ck_state_backend(const ck_state *st)
{
	return st ? st->backend : NULL;
}

int ck_state_read(ck_state *st, ck_state_txn_fn fn, void *payload)
{
	CK_ENTER();
	if (!st || !fn)
		return ck__error_set(CK_EINVAL, "ck_state_read: st and fn must not be NULL");
	return ck__state_read(st->ctx, fn, payload);
}

int ck_state_write(ck_state *st, ck_state_txn_fn fn, void *payload)
{
	CK_ENTER();
	if (!st || !fn)
		return ck__error_set(CK_EINVAL, "ck_state_write: st and fn must not be NULL");
	return ck__state_write(st->ctx, fn, payload);
}

static int check_args(const ck_state_txn *txn, const char *bucket, const char *key, const char *fn)
{
	if (!txn || !bucket || !*bucket)
		return ck__error_set(CK_EINVAL, "%s: a transaction and a non-empty bucket name are required", fn);
	if (key && !*key)
		return ck__error_set(CK_EINVAL, "%s: keys must not be empty", fn);
	return CK_OK;
}

int ck_state_txn_get(void **val, size_t *len, ck_state_txn *txn, const char *bucket, const char *key)
{
	CK_ENTER();
	if (!val || !key)
		return ck__error_set(CK_EINVAL, "ck_state_txn_get: val and key must not be NULL");
	int rc = check_args(txn, bucket, key, "ck_state_txn_get");
	if (rc != CK_OK)
		return rc;
	char *v = NULL;
	rc = ck__txn_get(&v, len, txn, bucket, key);
	*val = v;
	return rc;
}

int ck_state_txn_put(ck_state_txn *txn, const char *bucket, const char *key, const void *val, size_t len)
{
	CK_ENTER();
	if (!key || (!val && len))
		return ck__error_set(CK_EINVAL, "ck_state_txn_put: key and val must not be NULL");
	int rc = check_args(txn, bucket, key, "ck_state_txn_put");
	return rc == CK_OK ? ck__txn_put(txn, bucket, key, val ? val : "", len) : rc;
}

int ck_state_txn_delete(ck_state_txn *txn, const char *bucket, const char *key)
{
	CK_ENTER();
	if (!key)
		return ck__error_set(CK_EINVAL, "ck_state_txn_delete: key must not be NULL");
	int rc = check_args(txn, bucket, key, "ck_state_txn_delete");
	return rc == CK_OK ? ck__txn_del(txn, bucket, key) : rc;
}

int ck_state_txn_scan(ck_state_txn *txn, const char *bucket, const char *prefix, ck_state_scan_fn fn,
                      void *payload)
{
	CK_ENTER();
	if (!fn)
		return ck__error_set(CK_EINVAL, "ck_state_txn_scan: fn must not be NULL");
	int rc = check_args(txn, bucket, NULL, "ck_state_txn_scan");
	return rc == CK_OK ? ck__txn_scan(txn, bucket, prefix, fn, payload) : rc;
}
