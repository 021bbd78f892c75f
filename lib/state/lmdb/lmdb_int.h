/* Private types of the LMDB state backend, shared by lmdb.c (environment,
 * transactions, map growth), lmdb_ops.c (bucket handles, reads, writes) and
 * lmdb_check.c. */
#ifndef CK_STATE_LMDB_INT_H
#define CK_STATE_LMDB_INT_H

#include "core/core.h"

#include <lmdb.h>
#include <pthread.h>
#include <setjmp.h>
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
	/* Where LMDB mapped data.mdb (map_base 0 if unknown), and the file
	 * size last seen: see ck__lmdb_in_file(). */
	uintptr_t map_base;
	size_t map_len;
	uint64_t file_size;

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
	 * committed; see ck__lmdb_resolve() in lmdb_ops.c. */
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

/* LMDB calls abort() when one of its internal assertions fails, and damaged
 * pages trip them.  The backend's entry points therefore run under a guard
 * frame: LMDB's assert callback releases what the frame recorded (cursors,
 * buffers, a transaction of our own, be->mu), pops it and jumps back to its
 * setjmp(), and the call fails with CK_ECORRUPT instead of killing the
 * process.  Frames nest per thread (a scan callback may call get). */
#define CK__LMDB_GUARD_SLOTS 4
typedef struct ck__lmdb_guard {
	jmp_buf jb;
	struct ck__lmdb_guard *prev;
	void *cursors[CK__LMDB_GUARD_SLOTS]; /* MDB_cursor * */
	void *mem[CK__LMDB_GUARD_SLOTS];
	MDB_txn *txn;          /* a transaction of ours to abort */
	ck_backend *locked;    /* whose mu this thread holds */
} ck__lmdb_guard;

/* lmdb_guard.c */
/* Installed with mdb_env_set_assert: jumps to the innermost guard. */
void ck__lmdb_on_assert(MDB_env *env, const char *msg);
/* Pushes `g` (whose jb the caller then set with setjmp()) and pops it on a
 * normal return; after the jump it is already popped. */
void ck__lmdb_guard_push(ck__lmdb_guard *g);
void ck__lmdb_guard_pop(ck__lmdb_guard *g);
/* Records or forgets a resource in the innermost frame, if any. */
void ck__lmdb_guard_cursor(MDB_cursor *cur, bool held);
void ck__lmdb_guard_mem(void *mem, bool held);
void ck__lmdb_guard_txn(MDB_txn *txn);
void ck__lmdb_guard_lock(ck_backend *be);
/* The text of the assertion that made the last jump on this thread. */
const char *ck__lmdb_guard_reason(void);
/* Sets CK_ECORRUPT for that assertion and returns it. */
int ck__lmdb_guard_failed(ck_backend *be);
/* Sets the error for LMDB result `rc` (an MDB_* code or an errno value) with
 * a message naming the store and `fmt`, and returns the CK_E code.  A full
 * map, a full reader table or a map grown elsewhere are fixed up here and
 * come back as CK_EAGAIN.  `t` may be NULL. */
int ck__lmdb_fail(ck_backend *be, ck_backend_txn *t, int rc, const char *fmt, ...) CK_PRINTF(4, 5);

/* lmdb.c */
/* Whether the bytes LMDB points `v` at can be read: a damaged page can claim
 * a size that runs past the end of the file, and touching the map there
 * raises SIGBUS.  (Pages a write transaction changed live in memory.) */
bool ck__lmdb_in_file(ck_backend *be, const MDB_val *v);
/* Fails with CK_ECORRUPT if data.mdb is shorter than the pages the newest
 * meta page claims: touching those pages through the map would raise SIGBUS.
 * `detail` (may be NULL) receives a malloc()ed description of the damage. */
int ck__lmdb_check_size(ck_backend *be, char **detail);
/* Checks, reading the file and not the map, the pages LMDB will follow in
 * the snapshot of `txn`: the directory of buckets and the bucket that marks
 * the store (what opening reads), and with `all` every bucket and the
 * free-page list.  CK_ECORRUPT with `*detail` (malloc'd,
 * naming the file and the page) when one is damaged; CK_EAGAIN when a
 * writer replaced the snapshot's meta page (begin again). */
int ck__lmdb_walk_pages(ck_backend *be, MDB_txn *txn, bool all, char **detail);
/* The same in a read transaction of its own, retried when a writer moves
 * on; CK_OK if it cannot catch a snapshot (the pages are then LMDB's). */
int ck__lmdb_walk_snapshot(ck_backend *be, bool all, char **detail);
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
/* Copies a key of the main database into `buf` (maxkey + 1 bytes) if it can
 * name a bucket. */
bool ck__lmdb_bucket_name(ck_backend *be, const MDB_val *k, char *buf);
/* A cursor over the main database, whose keys are the bucket names, and a
 * buffer for one name (for ck__lmdb_bucket_name), both guarded until
 * ck__lmdb_names_close.  A negative CK_E* code, or mdb_cursor_open's code
 * for the caller to word. */
int ck__lmdb_names_open(MDB_cursor **cur, char **name, ck_backend_txn *t);
void ck__lmdb_names_close(MDB_cursor *cur, char *name);

/* lmdb_check.c */
int ck__lmdb_check(ck_backend *be, ck_backend_problem_fn fn, void *payload);

#endif
