/* Direct access to the records of a context's state store, for tools that
 * inspect, snapshot or repair state.  Transactions run through callbacks so
 * that the library can retry them transparently (a busy store, a map that
 * must grow): a callback may therefore run more than once, and must do
 * nothing but read and write through the transaction it is handed.
 *
 * Stability: as for every containerkit/sys/ header (ABI.md).  The bucket
 * layout is described in docs/STATE.md and versioned by the "schema" key of
 * the "meta" bucket. */
#ifndef CONTAINERKIT_SYS_STATE_H
#define CONTAINERKIT_SYS_STATE_H

#include "../common.h"

CK_BEGIN_DECLS

typedef struct ck_state ck_state;
typedef struct ck_state_txn ck_state_txn;

/** A transaction body.  Return CK_OK to commit (write transactions) or a
 *  negative code to abort; that code is then returned to the caller. */
typedef int (*ck_state_txn_fn)(ck_state_txn *txn, void *payload);

/** Called for each pair by ck_state_txn_scan(): 0 goes on, 1 stops, a
 *  negative code stops and is returned. */
typedef int (*ck_state_scan_fn)(const char *key, const void *val, size_t len, void *payload);

/** A handle on the state store of `ctx`, opening the store if needed.  The
 *  handle must be freed (ck_state_free()) before the context. */
CK_EXTERN int ck_state_open(ck_state **out, ck_context *ctx);
/** Accepts NULL. */
CK_EXTERN void ck_state_free(ck_state *st);
/** Name of the backend in charge.  Borrowed; lives as long as the handle. */
CK_EXTERN const char *ck_state_backend(const ck_state *st);

/** Runs `fn` in a read-only snapshot.  It never waits for writers. */
CK_EXTERN int ck_state_read(ck_state *st, ck_state_txn_fn fn, void *payload);
/** Runs `fn` in a write transaction and commits it durably if `fn` returns
 *  CK_OK. */
CK_EXTERN int ck_state_write(ck_state *st, ck_state_txn_fn fn, void *payload);

/** Reads a value; `*val` belongs to the caller (ck_free()) and is followed
 *  by a NUL byte not counted in `*len`.  CK_ENOTFOUND if missing. */
CK_EXTERN int ck_state_txn_get(void **val, size_t *len, ck_state_txn *txn,
                               const char *bucket, const char *key);
/** Creates or replaces a pair (write transactions only). */
CK_EXTERN int ck_state_txn_put(ck_state_txn *txn, const char *bucket, const char *key,
                               const void *val, size_t len);
/** Deletes a pair; CK_ENOTFOUND if missing (write transactions only). */
CK_EXTERN int ck_state_txn_delete(ck_state_txn *txn, const char *bucket, const char *key);
/** Visits the pairs of `bucket` whose key starts with `prefix`, in order. */
CK_EXTERN int ck_state_txn_scan(ck_state_txn *txn, const char *bucket, const char *prefix,
                                ck_state_scan_fn fn, void *payload);

CK_END_DECLS

#endif
