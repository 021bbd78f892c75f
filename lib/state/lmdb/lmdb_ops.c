/* Bucket handles, reads, writes and listings of the "lmdb" state backend;
 * the environment and transactions are in lmdb.c, the check in lmdb_check.c. */
#include "lmdb_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a reader waits for another thread's write transaction to commit
 * the buckets it created before giving up with CK_EAGAIN. */
#define OWNER_WAIT_MS 1000

/* ---- the bucket handle cache ---- */

static ck__lmdb_dbi *cache_find(ck_backend *be, const char *name)
{
	for (size_t i = 0; i < be->ndbis; i++)
		if (!strcmp(be->dbis[i].name, name))
			return &be->dbis[i];
	return NULL;
}

void ck__lmdb_cache_add(ck_backend *be, char *name, MDB_dbi dbi, uint64_t epoch)
{
	be->dbis[be->ndbis].name = name;
	be->dbis[be->ndbis].dbi = dbi;
	be->dbis[be->ndbis].epoch = epoch;
	be->ndbis++;
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Waits (with mu held) until no transaction of another thread owns
 * uncommitted handles.  The owner never waits for the waiter (it needs at
 * most mu, which the wait releases), so this ends when the owner's
 * transaction does; bounded all the same, the caller's CK_EAGAIN covering
 * the rest.  Waiting matters: a retry loop spinning through CK_EAGAIN would
 * keep the owner's thread from the CPU it needs to finish. */
static void wait_for_owner(ck_backend *be, ck_backend_txn *t)
{
	struct timespec deadline;
	bool armed = false;

	while (be->dbi_owner && be->dbi_owner != t && !pthread_equal(be->dbi_owner->thread, pthread_self())) {
		if (!armed) {
			deadline_after(&deadline, OWNER_WAIT_MS);
			armed = true;
		}
		if (pthread_cond_timedwait(&be->cv, &be->mu, &deadline) == ETIMEDOUT)
			break;
	}
}

/* Opens the handle inside write transaction `t`.  It is valid only in `t`
 * until `t` commits, and LMDB takes the slot for it from the process-wide
 * table: while `t` holds such uncommitted handles it is the `dbi_owner`, and
 * no other transaction may open handles.  A transaction that began before
 * the last handle was published has a stale view of that table and must not
 * open any either. */
/* The error for mdb_dbi_open's failure `rc` on `bucket`. */
static int open_error(ck_backend_txn *t, int rc, const char *bucket)
{
	if (rc == MDB_INCOMPATIBLE)
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: %s in the main database is not a bucket",
		                     t->be->dir, bucket);
	if (rc == MDB_DBS_FULL)
		return ck__error_set(CK_ERROR, "LMDB store %s: cannot open bucket %s: more than %d buckets",
		                     t->be->dir, bucket, CK__LMDB_MAXDBS - 3);
	return ck__lmdb_fail(t->be, t, rc, "cannot open bucket %s", bucket);
}

static int open_in_txn(ck_backend_txn *t, const char *bucket, bool create)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	char *name;
	bool allowed;
	int rc = 0;

	if (t->nfresh == t->capfresh) {
		size_t cap = t->capfresh ? t->capfresh * 2 : 4;
		ck__lmdb_dbi *v = realloc(t->fresh, cap * sizeof(*v));
		if (!v)
			return ck__oom();
		t->fresh = v;
		t->capfresh = cap;
	}
	if (!(name = ck__strdup(bucket)))
		return ck__oom();

	pthread_mutex_lock(&be->mu);
	wait_for_owner(be, t);
	allowed = be->dbi_owner == t || (!be->dbi_owner && be->epoch == t->epoch);
	if (allowed) {
		ck__lmdb_guard_mem(name, true);
		ck__lmdb_guard_lock(be);
		rc = mdb_dbi_open(t->txn, bucket, create ? MDB_CREATE : 0, &dbi);
		ck__lmdb_guard_lock(NULL);
		ck__lmdb_guard_mem(name, false);
		if (!rc) {
			be->dbi_owner = t;
			t->fresh[t->nfresh].name = name;
			t->fresh[t->nfresh].dbi = dbi;
			t->fresh[t->nfresh].epoch = t->epoch;
			t->nfresh++;
			name = NULL;
		}
	}
	pthread_mutex_unlock(&be->mu);
	free(name);

	if (!allowed)
		return ck__error_set(CK_EAGAIN, "LMDB store %s: bucket %s: another transaction of this process "
		                     "opened buckets since this one began", be->dir, bucket);
	return rc ? open_error(t, rc, bucket) : CK_OK;
}

int ck__lmdb_open_uncached(ck_backend *be, MDB_txn *txn, ck__lmdb_dbi *got, size_t *ngot)
{
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_dbi dbi;
	char *name;
	size_t i;
	int rc;

	if ((rc = mdb_cursor_open(txn, be->main_dbi, &cur)))
		return rc;
	ck__lmdb_guard_cursor(cur, true);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!k.mv_size || k.mv_size > be->maxkey || !ck__lmdb_in_file(be, &k) ||
		    memchr(k.mv_data, 0, k.mv_size))
			continue;
		if (!(name = strndup(k.mv_data, k.mv_size))) {
			rc = ENOMEM;
			break;
		}
		for (i = 0; i < *ngot && strcmp(got[i].name, name); i++)
			;
		if (i < *ngot || cache_find(be, name)) {
			free(name);
			continue;
		}
		rc = mdb_dbi_open(txn, name, 0, &dbi);
		if (rc) {
			free(name);
			if (rc == MDB_INCOMPATIBLE) {
				rc = 0;
				continue;
			}
			break;
		}
		got[*ngot].name = name;
		got[*ngot].dbi = dbi;
		got[*ngot].epoch = 0;
		(*ngot)++;
	}
	ck__lmdb_guard_cursor(cur, false);
	mdb_cursor_close(cur);
	/* Past maxdbs the remaining buckets are refused when they are used. */
	if (rc == MDB_NOTFOUND || rc == MDB_DBS_FULL)
		rc = 0;
	return rc;
}

/* A read transaction opens buckets it has not met before in a short
 * transaction of its own, so that it never owns uncommitted handles (it may
 * live long); it opens every bucket the process lacks at once, to need this
 * once for all of them.  The handles are born after `t` began, hence
 * unusable in `t`: the caller runs its transaction again and finds them. */
static int open_aside(ck_backend_txn *t, const char *bucket)
{
	ck_backend *be = t->be;
	ck__lmdb_dbi got[CK__LMDB_MAXDBS];
	size_t ngot = 0;
	MDB_txn *x;
	MDB_dbi dbi;
	char *name;
	bool busy = false;
	int rc;

	if (!(name = ck__strdup(bucket)))
		return ck__oom();
	pthread_mutex_lock(&be->mu);
	wait_for_owner(be, t);
	if (be->dbi_owner || cache_find(be, bucket)) {
		busy = true;
		rc = 0;
	} else if (!(rc = mdb_txn_begin(be->env, NULL, MDB_RDONLY, &x))) {
		/* The names in `got` are lost if LMDB asserts: a rare leak. */
		ck__lmdb_guard_mem(name, true);
		ck__lmdb_guard_lock(be);
		ck__lmdb_guard_txn(x);
		rc = mdb_dbi_open(x, bucket, 0, &dbi);
		ck__lmdb_guard_mem(name, false);
		if (!rc) {
			got[ngot].name = name;
			got[ngot++].dbi = dbi;
			name = NULL;
			rc = ck__lmdb_open_uncached(be, x, got, &ngot);
		}
		if (rc) {
			mdb_txn_abort(x);
		} else if (!(rc = mdb_txn_commit(x))) {
			/* Committing a read transaction is what keeps its handles. */
			be->epoch++;
			for (size_t i = 0; i < ngot; i++) {
				ck__lmdb_cache_add(be, got[i].name, got[i].dbi, be->epoch);
				got[i].name = NULL;
			}
		}
		ck__lmdb_guard_txn(NULL);
		ck__lmdb_guard_lock(NULL);
	}
	pthread_mutex_unlock(&be->mu);
	free(name);
	for (size_t i = 0; i < ngot; i++)
		free(got[i].name);

	/* MDB_NOTFOUND: another program dropped it since `t` began. */
	if (rc && rc != MDB_NOTFOUND)
		return open_error(t, rc, bucket);
	if (busy)
		return ck__error_set(CK_EAGAIN, "LMDB store %s: bucket %s: another transaction of this process "
		                     "is creating buckets", be->dir, bucket);
	return ck__error_set(CK_EAGAIN, "LMDB store %s: bucket %s is new to this process; "
	                     "the next transaction can use it", be->dir, bucket);
}

int ck__lmdb_resolve(ck_backend_txn *t, const char *bucket, bool create, MDB_dbi *out)
{
	ck_backend *be = t->be;
	ck__lmdb_dbi *e;
	MDB_val k, v;
	bool usable = false, cached = false;
	size_t i;
	int rc;

	for (i = 0; i < t->nfresh; i++) {
		if (!strcmp(t->fresh[i].name, bucket)) {
			*out = t->fresh[i].dbi;
			return 0;
		}
	}

	pthread_mutex_lock(&be->mu);
	if ((e = cache_find(be, bucket))) {
		cached = true;
		usable = e->epoch <= t->epoch;
		*out = e->dbi;
	}
	pthread_mutex_unlock(&be->mu);
	if (usable)
		return 0;
	if (cached)
		return ck__error_set(CK_EAGAIN, "LMDB store %s: bucket %s was opened after this transaction began",
		                     be->dir, bucket);

	/* Never opened here: a bucket missing from this snapshot is empty and
	 * needs no handle, unless we are about to write to it. */
	k.mv_data = (void *)bucket;
	k.mv_size = strlen(bucket);
	rc = mdb_get(t->txn, be->main_dbi, &k, &v);
	if (rc == MDB_NOTFOUND && !create)
		return 1;
	if (rc && rc != MDB_NOTFOUND)
		return ck__lmdb_fail(be, t, rc, "cannot look up bucket %s", bucket);
	if (t->write) {
		if ((rc = open_in_txn(t, bucket, create)))
			return rc;
		*out = t->fresh[t->nfresh - 1].dbi;
		return 0;
	}
	return open_aside(t, bucket);
}

/* ---- reads and writes ---- */

/* Bucket names and keys are NUL-free strings LMDB limits in length. */
static int check_bucket(ck_backend *be, const char *bucket)
{
	if (!bucket || !*bucket)
		return ck__error_set(CK_EINVAL, "LMDB store %s: empty bucket name", be->dir);
	if (strlen(bucket) > be->maxkey)
		return ck__error_set(CK_EINVAL, "LMDB store %s: bucket name %.128s... is longer than %zu bytes",
		                     be->dir, bucket, be->maxkey);
	if (!strcmp(bucket, CK__LMDB_META_DB))
		return ck__error_set(CK_EINVAL, "LMDB store %s: bucket name %s is reserved", be->dir, bucket);
	return CK_OK;
}

static int check_key(ck_backend *be, const char *bucket, const char *key)
{
	size_t len;

	if (!key || !*key)
		return ck__error_set(CK_EINVAL, "LMDB store %s: empty key in bucket %s", be->dir, bucket);
	len = strlen(key);
	if (len > be->maxkey)
		return ck__error_set(CK_EINVAL,
		                     "LMDB store %s: key %.128s... in bucket %s is %zu bytes long; LMDB allows %zu",
		                     be->dir, key, bucket, len, be->maxkey);
	return CK_OK;
}

static int need_write(ck_backend_txn *t, const char *what, const char *bucket)
{
	if (t->write)
		return CK_OK;
	return ck__error_set(CK_ESTATE, "LMDB store %s: cannot %s in bucket %s: read-only transaction",
	                     t->be->dir, what, bucket);
}

static MDB_val str_val(const char *s)
{
	MDB_val v = { .mv_size = strlen(s), .mv_data = (void *)s };
	return v;
}

/* The key `key` of an existing bucket, checked, for a get or (with
 * `write_op`, which a read transaction refuses) a delete; CK_ENOTFOUND when
 * the bucket, which is where a missing key would be, does not exist. */
static int existing_key(MDB_dbi *dbi, MDB_val *k, ck_backend_txn *t, const char *bucket, const char *key,
                        const char *write_op)
{
	ck_backend *be = t->be;
	int rc;

	if ((rc = check_bucket(be, bucket)) || (rc = check_key(be, bucket, key)) ||
	    (write_op && (rc = need_write(t, write_op, bucket))))
		return rc;
	if ((rc = ck__lmdb_resolve(t, bucket, false, dbi)) < 0)
		return rc;
	if (rc == 1)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s (no such bucket)",
		                     be->dir, key, bucket);
	*k = str_val(key);
	return CK_OK;
}

static int do_get(void **val, size_t *len, ck_backend_txn *t, const char *bucket, const char *key)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k, v;
	char *buf;
	int rc;

	*val = NULL;
	*len = 0;
	if ((rc = existing_key(&dbi, &k, t, bucket, key, NULL)) != CK_OK)
		return rc;
	rc = mdb_get(t->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s", be->dir, key, bucket);
	if (rc)
		return ck__lmdb_fail(be, t, rc, "cannot read key %s of bucket %s", key, bucket);
	if (!ck__lmdb_in_file(be, &v))
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: the value of key %s in bucket %s runs past the end "
		                     "of data.mdb", be->dir, key, bucket);
	/* The NUL lets callers treat text values as strings. */
	if (!(buf = ck_backend_alloc(v.mv_size + 1)))
		return ck__oom();
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	*val = buf;
	*len = v.mv_size;
	return CK_OK;
}

static int do_put(ck_backend_txn *t, const char *bucket, const char *key, const void *val, size_t len)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	if ((rc = check_bucket(be, bucket)) || (rc = check_key(be, bucket, key)) ||
	    (rc = need_write(t, "write", bucket)))
		return rc;
	if (len && !val)
		return ck__error_set(CK_EINVAL, "LMDB store %s: key %s of bucket %s: no value", be->dir, key, bucket);
	if ((rc = ck__lmdb_resolve(t, bucket, true, &dbi)))
		return rc;
	k = str_val(key);
	v.mv_size = len;
	v.mv_data = len ? (void *)val : (void *)"";
	if ((rc = mdb_put(t->txn, dbi, &k, &v, 0)))
		return ck__lmdb_fail(be, t, rc, "cannot write key %s of bucket %s", key, bucket);
	return CK_OK;
}

static int do_del(ck_backend_txn *t, const char *bucket, const char *key)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k;
	int rc;

	if ((rc = existing_key(&dbi, &k, t, bucket, key, "delete")) != CK_OK)
		return rc;
	rc = mdb_del(t->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s", be->dir, key, bucket);
	if (rc)
		return ck__lmdb_fail(be, t, rc, "cannot delete key %s of bucket %s", key, bucket);
	return CK_OK;
}

static int do_scan(ck_backend_txn *t, const char *bucket, const char *prefix,
                  ck_backend_scan_fn fn, void *payload)
{
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;
	size_t plen;
	char *key;
	int rc, code = CK_OK;

	if (!prefix)
		prefix = "";
	plen = strlen(prefix);
	if ((rc = check_bucket(be, bucket)))
		return rc;
	if ((rc = ck__lmdb_resolve(t, bucket, false, &dbi)) < 0)
		return rc;
	if (rc == 1 || plen > be->maxkey)
		return CK_OK; /* no bucket, or no key can be that long */
	if (!(key = malloc(be->maxkey + 1)))
		return ck__oom();
	if ((rc = mdb_cursor_open(t->txn, dbi, &cur))) {
		free(key);
		return ck__lmdb_fail(be, t, rc, "cannot scan bucket %s", bucket);
	}
	ck__lmdb_guard_mem(key, true);
	ck__lmdb_guard_cursor(cur, true);
	/* Keys sort bytewise, so those with the prefix form one run starting
	 * at the first key >= prefix.  LMDB rejects an empty search key. */
	k = str_val(prefix);
	rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	for (; !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int r;

		if (k.mv_size > be->maxkey || !ck__lmdb_in_file(be, &k) || !ck__lmdb_in_file(be, &v)) {
			code = ck__error_set(CK_ECORRUPT, "LMDB store %s: bucket %s holds a damaged pair", be->dir, bucket);
			goto out;
		}
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = '\0';
		if ((r = fn(key, v.mv_data, v.mv_size, payload))) {
			code = r < 0 ? r : CK_OK;
			goto out;
		}
	}
	if (rc && rc != MDB_NOTFOUND)
		code = ck__lmdb_fail(be, t, rc, "cannot scan bucket %s", bucket);
out:
	ck__lmdb_guard_cursor(cur, false);
	ck__lmdb_guard_mem(key, false);
	mdb_cursor_close(cur);
	free(key);
	return code;
}

bool ck__lmdb_bucket_name(ck_backend *be, const MDB_val *k, char *buf)
{
	if (!k->mv_size || k->mv_size > be->maxkey || !ck__lmdb_in_file(be, k) ||
	    memchr(k->mv_data, 0, k->mv_size))
		return false;
	memcpy(buf, k->mv_data, k->mv_size);
	buf[k->mv_size] = '\0';
	return true;
}

int ck__lmdb_names_open(MDB_cursor **cur, char **name, ck_backend_txn *t)
{
	int rc;

	if (!(*name = malloc(t->be->maxkey + 1)))
		return ck__oom();
	if ((rc = mdb_cursor_open(t->txn, t->be->main_dbi, cur))) {
		free(*name);
		*name = NULL;
		return rc;
	}
	ck__lmdb_guard_mem(*name, true);
	ck__lmdb_guard_cursor(*cur, true);
	return 0;
}

void ck__lmdb_names_close(MDB_cursor *cur, char *name)
{
	ck__lmdb_guard_cursor(cur, false);
	ck__lmdb_guard_mem(name, false);
	mdb_cursor_close(cur);
	free(name);
}

static int do_buckets(ck_backend_txn *t, ck_backend_bucket_fn fn, void *payload)
{
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;
	MDB_stat st;
	char *name;
	int rc, code = CK_OK;

	if ((rc = ck__lmdb_names_open(&cur, &name, t)))
		return rc < 0 ? rc : ck__lmdb_fail(be, t, rc, "cannot list the buckets");
	/* The main database's keys are the bucket names, in order. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int r;

		if (!ck__lmdb_bucket_name(be, &k, name) || !strcmp(name, CK__LMDB_META_DB))
			continue;
		if ((r = ck__lmdb_resolve(t, name, false, &dbi)) < 0) {
			code = r;
			goto out;
		}
		if (r == 1)
			continue;
		if ((r = mdb_stat(t->txn, dbi, &st))) {
			code = ck__lmdb_fail(be, t, r, "cannot read bucket %s", name);
			goto out;
		}
		/* Buckets stay behind when their last key goes. */
		if (!st.ms_entries)
			continue;
		if ((r = fn(name, payload))) {
			code = r < 0 ? r : CK_OK;
			goto out;
		}
	}
	if (rc && rc != MDB_NOTFOUND)
		code = ck__lmdb_fail(be, t, rc, "cannot list the buckets");
out:
	ck__lmdb_names_close(cur, name);
	return code;
}

/* The entry points: each runs under a guard frame (see lmdb_int.h), set up
 * in one place, run_guarded, which dispatches on what the call asks for. */
typedef struct lmdb_call {
	enum { CALL_GET, CALL_PUT, CALL_DEL, CALL_SCAN, CALL_BUCKETS } op;
	const char *bucket, *key; /* for a scan, key is the prefix */
	void **val;               /* get */
	size_t *len;
	const void *data;         /* put */
	size_t size;
	ck_backend_scan_fn scan;
	ck_backend_bucket_fn each;
	void *payload;
} lmdb_call;

static int run_guarded(ck_backend_txn *t, const lmdb_call *c)
{
	ck__lmdb_guard g;
	int rc;

	ck__lmdb_guard_push(&g);
	if (setjmp(g.jb))
		return ck__lmdb_guard_failed(t->be);
	switch (c->op) {
	case CALL_GET:
		rc = do_get(c->val, c->len, t, c->bucket, c->key);
		break;
	case CALL_PUT:
		rc = do_put(t, c->bucket, c->key, c->data, c->size);
		break;
	case CALL_DEL:
		rc = do_del(t, c->bucket, c->key);
		break;
	case CALL_SCAN:
		rc = do_scan(t, c->bucket, c->key, c->scan, c->payload);
		break;
	default: /* CALL_BUCKETS */
		rc = do_buckets(t, c->each, c->payload);
		break;
	}
	ck__lmdb_guard_pop(&g);
	return rc;
}

int ck__lmdb_get(void **val, size_t *len, ck_backend_txn *t, const char *bucket, const char *key)
{
	return run_guarded(t, &(lmdb_call){ .op = CALL_GET, .val = val, .len = len, .bucket = bucket, .key = key });
}

int ck__lmdb_put(ck_backend_txn *t, const char *bucket, const char *key, const void *val, size_t len)
{
	return run_guarded(t, &(lmdb_call){ .op = CALL_PUT, .bucket = bucket, .key = key, .data = val, .size = len });
}

int ck__lmdb_del(ck_backend_txn *t, const char *bucket, const char *key)
{
	return run_guarded(t, &(lmdb_call){ .op = CALL_DEL, .bucket = bucket, .key = key });
}

int ck__lmdb_scan(ck_backend_txn *t, const char *bucket, const char *prefix,
                  ck_backend_scan_fn fn, void *payload)
{
	return run_guarded(t, &(lmdb_call){ .op = CALL_SCAN, .bucket = bucket, .key = prefix, .scan = fn,
	                                    .payload = payload });
}

int ck__lmdb_buckets(ck_backend_txn *t, ck_backend_bucket_fn fn, void *payload)
{
	return run_guarded(t, &(lmdb_call){ .op = CALL_BUCKETS, .each = fn, .payload = payload });
}
