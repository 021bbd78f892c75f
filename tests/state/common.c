/* Implementation of the state-test helpers in common.h. */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ck_test_backends[] = { "sqlite", "lmdb", NULL };

ck_context *ck_test_open(const char *root, const char *backend)
{
	ck_context_options o = CK_CONTEXT_OPTIONS_INIT;
	ck_context *ctx = NULL;
	char run[4096];

	snprintf(run, sizeof(run), "%s/run", root);
	o.root = root;
	o.runroot = run;
	o.db_backend = backend;
	o.flags = CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG;
	if (ck_context_open(&ctx, &o) != 0) {
		fprintf(stderr, "cannot open context on %s: %s\n", root, ck_error_last()->message);
		abort();
	}
	return ctx;
}

struct kv {
	const char *bucket, *key, *val;
	char *out;
	long count;
};

static int put_fn(ck_state_txn *txn, void *p)
{
	struct kv *kv = p;
	return ck_state_txn_put(txn, kv->bucket, kv->key, kv->val, strlen(kv->val));
}

static int del_fn(ck_state_txn *txn, void *p)
{
	struct kv *kv = p;
	return ck_state_txn_delete(txn, kv->bucket, kv->key);
}

static int get_fn(ck_state_txn *txn, void *p)
{
	struct kv *kv = p;
	void *v = NULL;
	size_t len = 0;
	int rc = ck_state_txn_get(&v, &len, txn, kv->bucket, kv->key);
	free(kv->out);
	kv->out = rc == 0 ? v : NULL;
	return rc == CK_ENOTFOUND ? 0 : rc;
}

static int count_one(const char *key, const void *val, size_t len, void *p)
{
	((struct kv *)p)->count++;
	return 0;
}

static int count_fn(ck_state_txn *txn, void *p)
{
	struct kv *kv = p;
	kv->count = 0;
	return ck_state_txn_scan(txn, kv->bucket, "", count_one, kv);
}

static int run(ck_context *ctx, int write, ck_state_txn_fn fn, struct kv *kv)
{
	ck_state *st = NULL;
	int rc = ck_state_open(&st, ctx);
	if (rc == 0)
		rc = write ? ck_state_write(st, fn, kv) : ck_state_read(st, fn, kv);
	ck_state_free(st);
	return rc;
}

int ck_test_put(ck_context *ctx, const char *bucket, const char *key, const char *val)
{
	struct kv kv = { bucket, key, val, NULL, 0 };
	return run(ctx, 1, put_fn, &kv);
}

int ck_test_del(ck_context *ctx, const char *bucket, const char *key)
{
	struct kv kv = { bucket, key, NULL, NULL, 0 };
	return run(ctx, 1, del_fn, &kv);
}

int ck_test_get(char **out, ck_context *ctx, const char *bucket, const char *key)
{
	struct kv kv = { bucket, key, NULL, NULL, 0 };
	int rc = run(ctx, 0, get_fn, &kv);
	*out = kv.out;
	return rc;
}

long ck_test_count(ck_context *ctx, const char *bucket)
{
	struct kv kv = { bucket, NULL, NULL, NULL, 0 };
	int rc = run(ctx, 0, count_fn, &kv);
	return rc ? rc : kv.count;
}
