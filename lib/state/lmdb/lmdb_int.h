/* Private types of the LMDB state backend, shared by lmdb.c (environment,
 * transactions, map growth) and lmdb_ops.c (bucket handles, reads, writes,
 * check). */
#ifndef CK_STATE_LMDB_INT_H
#define CK_STATE_LMDB_INT_H

#include "core/core.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Named database that marks the environment as ours; never shown as a bucket. */
#define CK__LMDB_META_DB "__ck"
#define CK__LMDB_FORMAT_KEY "format"
#define CK__LMDB_FORMAT "containerkit-lmdb-1"
#define CK__LMDB_FORMAT_PREFIX "containerkit-lmdb-"

/* Upper bound on named databases, the reserved one included.  LMDB keeps a
 * slot per database in every transaction, so this stays modest. */
#define CK__LMDB_MAXDBS 256

/* A bucket whose LMDB handle this process may use.  `epoch` is the value of
 * ck_backend.epoch once the handle became valid for the whole process: a
 * transaction that began at an older epoch does not know the handle. */
typedef struct ck__lmdb_dbi {
	char *name;
	MDB_dbi dbi;
	uint64_t epoch;
} ck__lmdb_dbi;

struct ck_backend {
	MDB_env *env;
	char *dir;
	unsigned int flags;    /* CK_BACKEND_* given to open */
	size_t maxkey;         /* longest key LMDB accepts */
	MDB_dbi main_dbi;      /* unnamed database: its keys are the bucket names */

	/* Guards everything below. */
	pthread_mutex_t mu;
	pthread_cond_t cv;

	/* The map may only be resized while no transaction of this process is
	 * open, so every transaction is registered here from begin to its end,
	 * and a resize waits for `txns` to empty under `exclusive`. */
	struct ck_backend_txn *txns;
	unsigned int excl_waiting;
	bool exclusive;
	bool need_grow;        /* a write hit MDB_MAP_FULL */
	bool need_resync;      /* another process grew the map (MDB_MAP_RESIZED) */
	bool broken;           /* a failed remap left no usable map */
	size_t full_at;        /* map size that proved too small */

	/* Handles of the buckets this process has opened.  LMDB hands out the
	 * handle slots of a process from one table, so at most one transaction
	 * at a time (`dbi_owner`) may have handles open that are not yet
	 * committed; see resolve() in lmdb.c. */
	ck__lmdb_dbi dbis[CK__LMDB_MAXDBS];
	size_t ndbis;
	uint64_t epoch;
	struct ck_backend_txn *dbi_owner;
};

struct ck_backend_txn {
	ck_backend *be;
	MDB_txn *txn;
	bool write;
	pthread_t thread;      /* the thread that began it */
	uint64_t epoch;        /* ck_backend.epoch when it began */
	size_t mapsize;        /* map size when it began */
	struct ck_backend_txn *prev, *next;
	/* Handles this write transaction opened itself: valid in it, and for
	 * everyone once it commits. */
	ck__lmdb_dbi *fresh;
	size_t nfresh, capfresh;
};

/* lmdb.c */
/* Sets the error for LMDB result `rc` (an MDB_* code or an errno value) with
 * a message naming the store and `fmt`, and returns the CK_E code.  A full
 * map, a full reader table or a map grown elsewhere are fixed up here and
 * come back as CK_EAGAIN.  `t` may be NULL. */
int ck__lmdb_fail(ck_backend *be, ck_backend_txn *t, int rc, const char *fmt, ...) CK_PRINTF(4, 5);
/* Validates a bucket name or a key for the messages and LMDB's limits. */
int ck__lmdb_check_bucket(ck_backend *be, const char *bucket);
int ck__lmdb_check_key(ck_backend *be, const char *bucket, const char *key);
/* Fails with CK_ECORRUPT if data.mdb is shorter than the pages the newest
 * meta page claims: touching those pages through the map would raise SIGBUS.
 * `detail` (may be NULL) receives a malloc()ed description of the damage. */
int ck__lmdb_check_size(ck_backend *be, char **detail);
int ck__lmdb_begin(ck_backend_txn **out, ck_backend *be, int write);
void ck__lmdb_abort(ck_backend_txn *t);

/* lmdb_ops.c */
/* Adds a handle valid from `epoch` on; takes ownership of `name`.  The cache
 * has room for every handle LMDB can give out (maxdbs), so it never fills. */
void ck__lmdb_cache_add(ck_backend *be, char *name, MDB_dbi dbi, uint64_t epoch);
/* Opens, in `txn`, the handle of every bucket in its snapshot that neither
 * the cache nor `got` holds yet, appending them to `got` (room for
 * CK__LMDB_MAXDBS).  Main-database keys that are no bucket are skipped, for
 * check() to report.  Returns an LMDB result. */
int ck__lmdb_open_uncached(ck_backend *be, MDB_txn *txn, ck__lmdb_dbi *got, size_t *ngot);
/* The handle of `bucket` for use in `t`.  Returns 0, 1 if the bucket does not
 * exist (only when !create), or a CK_E code; CK_EAGAIN when the handle cannot
 * be used in this transaction yet. */
int ck__lmdb_resolve(ck_backend_txn *t, const char *bucket, bool create, MDB_dbi *out);
int ck__lmdb_get(void **val, size_t *len, ck_backend_txn *t, const char *bucket, const char *key);
int ck__lmdb_put(ck_backend_txn *t, const char *bucket, const char *key, const void *val, size_t len);
int ck__lmdb_del(ck_backend_txn *t, const char *bucket, const char *key);
int ck__lmdb_scan(ck_backend_txn *t, const char *bucket, const char *prefix,
                  ck_backend_scan_fn fn, void *payload);
int ck__lmdb_buckets(ck_backend_txn *t, ck_backend_bucket_fn fn, void *payload);
int ck__lmdb_check(ck_backend *be, ck_backend_problem_fn fn, void *payload);

#endif
