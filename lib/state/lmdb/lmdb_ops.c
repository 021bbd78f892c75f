/* Bucket handles, reads, writes, listings and the integrity check of the
 * "lmdb" state backend; the environment and transactions are in lmdb.c. */
#include "lmdb_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* LMDB's handle of its free-page database; not in lmdb.h, fixed by its
 * file format. */
#define FREE_DBI 0
/* check() begins this many transactions at most for one step that keeps
 * meeting buckets new to the process or a map grown elsewhere. */
#define CHECK_RETRIES 16
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
 * uncommitted handles.  The owner cannot be waiting for us: it is either a
 * write transaction that has already left LMDB (we hold the writer lock, or
 * are a reader that never blocks it) or about to end.  Bounded all the same;
 * the caller's CK_EAGAIN covers the rest.  Waiting matters: spinning through
 * CK_EAGAIN would keep the owner's thread from the CPU it needs to finish. */
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
		rc = mdb_dbi_open(t->txn, bucket, create ? MDB_CREATE : 0, &dbi);
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
	if (rc == MDB_INCOMPATIBLE)
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: %s in the main database is not a bucket",
		                     be->dir, bucket);
	if (rc == MDB_DBS_FULL)
		return ck__error_set(CK_ERROR, "LMDB store %s: cannot open bucket %s: more than %d buckets",
		                     be->dir, bucket, CK__LMDB_MAXDBS - 3);
	if (rc)
		return ck__lmdb_fail(be, t, rc, "cannot open bucket %s", bucket);
	return CK_OK;
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
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!k.mv_size || k.mv_size > be->maxkey || memchr(k.mv_data, 0, k.mv_size))
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
		rc = mdb_dbi_open(x, bucket, 0, &dbi);
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
	}
	pthread_mutex_unlock(&be->mu);
	free(name);
	for (size_t i = 0; i < ngot; i++)
		free(got[i].name);

	if (rc == MDB_INCOMPATIBLE)
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: %s in the main database is not a bucket",
		                     be->dir, bucket);
	if (rc == MDB_DBS_FULL)
		return ck__error_set(CK_ERROR, "LMDB store %s: cannot open bucket %s: more than %d buckets",
		                     be->dir, bucket, CK__LMDB_MAXDBS - 3);
	/* MDB_NOTFOUND: another program dropped it since `t` began. */
	if (rc && rc != MDB_NOTFOUND)
		return ck__lmdb_fail(be, t, rc, "cannot open bucket %s", bucket);
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

int ck__lmdb_get(void **val, size_t *len, ck_backend_txn *t, const char *bucket, const char *key)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k, v;
	char *buf;
	int rc;

	*val = NULL;
	*len = 0;
	if ((rc = ck__lmdb_check_bucket(be, bucket)) || (rc = ck__lmdb_check_key(be, bucket, key)))
		return rc;
	if ((rc = ck__lmdb_resolve(t, bucket, false, &dbi)) < 0)
		return rc;
	if (rc == 1)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s (no such bucket)",
		                     be->dir, key, bucket);
	k = str_val(key);
	rc = mdb_get(t->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s", be->dir, key, bucket);
	if (rc)
		return ck__lmdb_fail(be, t, rc, "cannot read key %s of bucket %s", key, bucket);
	/* The NUL lets callers treat text values as strings. */
	if (!(buf = malloc(v.mv_size + 1)))
		return ck__oom();
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	*val = buf;
	*len = v.mv_size;
	return CK_OK;
}

int ck__lmdb_put(ck_backend_txn *t, const char *bucket, const char *key, const void *val, size_t len)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	if ((rc = ck__lmdb_check_bucket(be, bucket)) || (rc = ck__lmdb_check_key(be, bucket, key)) ||
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

int ck__lmdb_del(ck_backend_txn *t, const char *bucket, const char *key)
{
	ck_backend *be = t->be;
	MDB_dbi dbi;
	MDB_val k;
	int rc;

	if ((rc = ck__lmdb_check_bucket(be, bucket)) || (rc = ck__lmdb_check_key(be, bucket, key)) ||
	    (rc = need_write(t, "delete", bucket)))
		return rc;
	if ((rc = ck__lmdb_resolve(t, bucket, false, &dbi)) < 0)
		return rc;
	if (rc == 1)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s (no such bucket)",
		                     be->dir, key, bucket);
	k = str_val(key);
	rc = mdb_del(t->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return ck__error_set(CK_ENOTFOUND, "LMDB store %s: no key %s in bucket %s", be->dir, key, bucket);
	if (rc)
		return ck__lmdb_fail(be, t, rc, "cannot delete key %s of bucket %s", key, bucket);
	return CK_OK;
}

int ck__lmdb_scan(ck_backend_txn *t, const char *bucket, const char *prefix,
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
	if ((rc = ck__lmdb_check_bucket(be, bucket)))
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
	/* Keys sort bytewise, so those with the prefix form one run starting
	 * at the first key >= prefix.  LMDB rejects an empty search key. */
	k = str_val(prefix);
	rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	for (; !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int r;

		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		if (k.mv_size > be->maxkey) {
			code = ck__error_set(CK_ECORRUPT, "LMDB store %s: bucket %s holds a key of %zu bytes",
			                     be->dir, bucket, k.mv_size);
			goto out;
		}
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
	mdb_cursor_close(cur);
	free(key);
	return code;
}

/* Copies a key of the main database into `buf` (maxkey + 1 bytes) if it can
 * name a bucket. */
static bool bucket_name(ck_backend *be, const MDB_val *k, char *buf)
{
	if (!k->mv_size || k->mv_size > be->maxkey || memchr(k->mv_data, 0, k->mv_size))
		return false;
	memcpy(buf, k->mv_data, k->mv_size);
	buf[k->mv_size] = '\0';
	return true;
}

int ck__lmdb_buckets(ck_backend_txn *t, ck_backend_bucket_fn fn, void *payload)
{
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;
	MDB_stat st;
	char *name;
	int rc, code = CK_OK;

	if (!(name = malloc(be->maxkey + 1)))
		return ck__oom();
	if ((rc = mdb_cursor_open(t->txn, be->main_dbi, &cur))) {
		free(name);
		return ck__lmdb_fail(be, t, rc, "cannot list the buckets");
	}
	/* The main database's keys are the bucket names, in order. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int r;

		if (!bucket_name(be, &k, name) || !strcmp(name, CK__LMDB_META_DB))
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
	mdb_cursor_close(cur);
	free(name);
	return code;
}

/* ---- check ---- */

/* Problems are collected first and reported at the end, so that a step run
 * again after CK_EAGAIN does not report one twice. */
typedef struct problems {
	char **v;
	size_t n, cap;
} problems;

static int problem(problems *p, const char *fmt, ...) CK_PRINTF(2, 3);
static int problem(problems *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return ck__oom();
		p->v = v;
		p->cap = cap;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return ck__oom();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	p->v[p->n++] = s;
	return CK_OK;
}

static void problems_free(problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

typedef struct found {
	char *name;
	MDB_dbi dbi;
} found;

/* Lists the buckets and gets their handles.  A corrupted main database
 * ends the list where the damage starts. */
static int list_buckets(ck_backend_txn *t, found *out, size_t *n, problems *p)
{
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_val k, v;
	char *name;
	int rc, code = CK_OK;

	*n = 0;
	if (!(name = malloc(be->maxkey + 1)))
		return ck__oom();
	if ((rc = mdb_cursor_open(t->txn, be->main_dbi, &cur))) {
		free(name);
		return problem(p, "main database: %s", mdb_strerror(rc));
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		MDB_dbi dbi;
		int r;

		if (!bucket_name(be, &k, name)) {
			code = problem(p, "main database: a key of %zu bytes is not a bucket name", k.mv_size);
		} else if ((r = ck__lmdb_resolve(t, name, false, &dbi)) == CK_ECORRUPT) {
			code = problem(p, "main database: %s is not a bucket", name);
		} else if (r < 0) {
			code = r;
		} else if (r == 0 && *n < CK__LMDB_MAXDBS) {
			if (!(out[*n].name = ck__strdup(name)))
				code = ck__oom();
			else
				out[(*n)++].dbi = dbi;
		}
		if (code)
			goto out;
	}
	if (rc != MDB_NOTFOUND)
		code = problem(p, "main database: %s", mdb_strerror(rc));
out:
	mdb_cursor_close(cur);
	free(name);
	return code;
}

/* Reads every key and value of one bucket: LMDB verifies the type and number
 * of each page it visits, and the values are touched so that their overflow
 * pages are read too. */
static int walk_bucket(ck_backend_txn *t, const found *b, problems *p)
{
	const char *label = strcmp(b->name, CK__LMDB_META_DB) ? b->name : "(reserved " CK__LMDB_META_DB ")";
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat st;
	volatile unsigned char sink = 0;
	size_t count = 0;
	int rc, code = CK_OK;

	if ((rc = mdb_stat(t->txn, b->dbi, &st)))
		return problem(p, "bucket %s: %s", label, mdb_strerror(rc));
	if ((rc = mdb_cursor_open(t->txn, b->dbi, &cur)))
		return problem(p, "bucket %s: %s", label, mdb_strerror(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const unsigned char *d = v.mv_data;

		count++;
		if ((!k.mv_size || memchr(k.mv_data, 0, k.mv_size)) &&
		    (code = problem(p, "bucket %s: key %zu is empty or holds a NUL byte", label, count)))
			break;
		for (size_t i = 0; i < v.mv_size; i += 512)
			sink ^= d[i];
		if (v.mv_size)
			sink ^= d[v.mv_size - 1];
	}
	mdb_cursor_close(cur);
	(void)sink;
	if (code)
		return code;
	if (rc != MDB_NOTFOUND)
		return problem(p, "bucket %s: %s after %zu keys", label, mdb_strerror(rc), count);
	if (count != st.ms_entries)
		return problem(p, "bucket %s: %zu keys found, but its header counts %zu", label, count,
		               (size_t)st.ms_entries);
	if (!strcmp(b->name, CK__LMDB_META_DB)) {
		k.mv_data = CK__LMDB_FORMAT_KEY;
		k.mv_size = strlen(CK__LMDB_FORMAT_KEY);
		rc = mdb_get(t->txn, b->dbi, &k, &v);
		if (rc || v.mv_size != strlen(CK__LMDB_FORMAT) || memcmp(v.mv_data, CK__LMDB_FORMAT, v.mv_size))
			return problem(p, "the format marker is missing or wrong");
	}
	return CK_OK;
}

/* The free-page list must only name pages that exist and are not the two
 * meta pages; a bad entry would hand live or missing pages to a writer. */
static int walk_freelist(ck_backend_txn *t, problems *p)
{
	MDB_envinfo info;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, code = CK_OK;

	mdb_env_info(t->be->env, &info);
	if ((rc = mdb_cursor_open(t->txn, FREE_DBI, &cur)))
		return problem(p, "free-page list: %s", mdb_strerror(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t n, pg;

		if (v.mv_size < sizeof(size_t) || v.mv_size % sizeof(size_t)) {
			code = problem(p, "free-page list: an entry of %zu bytes is malformed", v.mv_size);
		} else {
			memcpy(&n, v.mv_data, sizeof(n));
			if (n != v.mv_size / sizeof(size_t) - 1) {
				code = problem(p, "free-page list: an entry counts %zu pages in %zu bytes", n, v.mv_size);
			} else {
				for (size_t i = 1; i <= n; i++) {
					memcpy(&pg, (const char *)v.mv_data + i * sizeof(size_t), sizeof(pg));
					if (pg < 2 || pg > info.me_last_pgno) {
						code = problem(p, "free-page list: page %zu is outside the file (last page %zu)",
						               pg, (size_t)info.me_last_pgno);
						break;
					}
				}
			}
		}
		if (code)
			break;
	}
	mdb_cursor_close(cur);
	if (code)
		return code;
	if (rc != MDB_NOTFOUND)
		return problem(p, "free-page list: %s", mdb_strerror(rc));
	return CK_OK;
}

/* Runs one step of the check in a read transaction of its own: a damaged
 * page fails the transaction it was met in, and the next step must still
 * run.  CK_EAGAIN (a bucket new to the process, a map grown elsewhere)
 * runs the step again. */
static int check_step(ck_backend *be, problems *p, int (*step)(ck_backend_txn *, void *, problems *), void *arg)
{
	size_t mark = p->n;
	int rc;

	for (int tries = 0;; tries++) {
		ck_backend_txn *t;

		if (!(rc = ck__lmdb_begin(&t, be, 0))) {
			rc = step(t, arg, p);
			ck__lmdb_abort(t);
		}
		if (rc != CK_EAGAIN || tries >= CHECK_RETRIES)
			return rc;
		while (p->n > mark)
			free(p->v[--p->n]);
	}
}

struct list_arg {
	found *buckets;
	size_t n;
};

static int step_list(ck_backend_txn *t, void *arg, problems *p)
{
	struct list_arg *a = arg;

	for (size_t i = 0; i < a->n; i++)
		free(a->buckets[i].name);
	return list_buckets(t, a->buckets, &a->n, p);
}

static int step_bucket(ck_backend_txn *t, void *arg, problems *p)
{
	return walk_bucket(t, arg, p);
}

static int step_freelist(ck_backend_txn *t, void *arg, problems *p)
{
	(void)arg;
	return walk_freelist(t, p);
}

int ck__lmdb_check(ck_backend *be, ck_backend_problem_fn fn, void *payload)
{
	struct list_arg list = { NULL, 0 };
	problems p = { NULL, 0, 0 };
	char *detail;
	size_t n;
	int rc;

	/* Walking the pages of a truncated file would raise SIGBUS. */
	rc = ck__lmdb_check_size(be, &detail);
	if (rc == CK_ECORRUPT) {
		fn(detail, payload);
		free(detail);
		return rc;
	}
	if (rc)
		return rc;

	if (!(list.buckets = calloc(CK__LMDB_MAXDBS, sizeof(*list.buckets))))
		return ck__oom();
	rc = check_step(be, &p, step_list, &list);
	for (size_t i = 0; !rc && i < list.n; i++)
		rc = check_step(be, &p, step_bucket, &list.buckets[i]);
	if (!rc)
		rc = check_step(be, &p, step_freelist, NULL);
	for (size_t i = 0; i < list.n; i++)
		free(list.buckets[i].name);
	free(list.buckets);

	if (!rc)
		for (size_t i = 0; i < p.n; i++)
			fn(p.v[i], payload);
	n = p.n;
	problems_free(&p);
	if (rc)
		return rc;
	if (n)
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: %zu problem%s found", be->dir, n, n == 1 ? "" : "s");
	return CK_OK;
}
