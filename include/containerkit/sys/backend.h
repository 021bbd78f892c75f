/* The state backend interface: a BoltDB-style store of buckets holding
 * ordered key/value pairs, with serializable transactions.  libcontainerkit
 * ships two implementations, "sqlite" and "lmdb"; a program may register its
 * own.
 *
 * Stability: headers under containerkit/sys/ carry a weaker promise than the
 * rest (see ABI.md).  The vtable is versioned: a backend sets `version` to the
 * CK_BACKEND_OPS_VERSION it was written for, and the library accepts every
 * version it knows.  Members are only ever appended. */
#ifndef CONTAINERKIT_SYS_BACKEND_H
#define CONTAINERKIT_SYS_BACKEND_H

#include "../common.h"

CK_BEGIN_DECLS

#define CK_BACKEND_OPS_VERSION 2

/** Values of begin()'s `write`. */
#define CK_BACKEND_TXN_READ    0 /**< a snapshot for reading */
#define CK_BACKEND_TXN_WRITE   1 /**< reads and writes, made durable by commit() */
/** (Version 2.)  As CK_BACKEND_TXN_WRITE, but commit() need not wait for the
 *  disk: the transaction survives a crash of the process, and after a power
 *  loss it is either there or missing together with every later
 *  transaction that was not durable either; the next durable commit makes
 *  it durable too.  The library asks for it only for state transitions
 *  that it reconciles after a reboot anyway, and only from backends of
 *  version 2 or later; a backend may commit it durably. */
#define CK_BACKEND_TXN_RELAXED 2

/** A backend's open store and one of its transactions; both opaque to the
 *  library. */
typedef struct ck_backend ck_backend;
typedef struct ck_backend_txn ck_backend_txn;

/** Open flags. */
#define CK_BACKEND_CREATE   (1u << 0) /**< create the store if it is missing */
#define CK_BACKEND_READONLY (1u << 1) /**< never write (used by checks) */

/** Called once per pair by `scan`.  `key` is NUL-terminated; `val` is valid
 *  only during the call.  Return 0 to go on, 1 to stop early (scan then
 *  returns 0), or a negative CK_E* code to stop and make scan return it. */
typedef int (*ck_backend_scan_fn)(const char *key, const void *val, size_t len, void *payload);

/** Called once per bucket name by `buckets`; same return convention. */
typedef int (*ck_backend_bucket_fn)(const char *bucket, void *payload);

/** Called by `check` once per problem found; `detail` names what is damaged. */
typedef void (*ck_backend_problem_fn)(const char *detail, void *payload);

/** The vtable.  Every function returns CK_OK or a negative CK_E* code, and on
 *  failure sets the message with ck_backend_set_error().  CK_EAGAIN from any
 *  transaction function means "transient: abort and run the whole
 *  transaction again" (a busy database, a map that must grow); the library
 *  then retries, so the error never reaches a user.  Keys are non-empty
 *  NUL-terminated strings ordered bytewise; values are opaque bytes. */
typedef struct ck_backend_ops {
	unsigned int version;   /**< CK_BACKEND_OPS_VERSION */
	const char *name;       /**< short name, [a-z0-9]+, e.g. "sqlite" */

	/** Opens the store kept in directory `dir` (which exists). */
	int (*open)(ck_backend **out, const char *dir, unsigned int flags);
	/** Closes it; no transaction may be open. */
	void (*close)(ck_backend *be);

	/** Starts a transaction: a consistent snapshot for reading, plus the
	 *  right to write if `write` is non-zero (a CK_BACKEND_TXN_* value).
	 *  Write transactions are serialized; read transactions never wait for
	 *  them. */
	int (*begin)(ck_backend_txn **out, ck_backend *be, int write);
	/** Makes the writes durable and ends the transaction.  When it returns
	 *  CK_OK, the writes survive a crash or power loss (see
	 *  CK_BACKEND_TXN_RELAXED for the exception).  Frees `txn` whatever the
	 *  result. */
	int (*commit)(ck_backend_txn *txn);
	/** Discards the writes and ends the transaction; frees `txn`. */
	void (*abort)(ck_backend_txn *txn);

	/** Reads one value into a buffer from ck_backend_alloc(), which the
	 *  library releases with ck_backend_free(); CK_ENOTFOUND if the bucket
	 *  or key is missing.  (A backend written before 1.1 may use malloc():
	 *  the library's allocator is the C library's, so the two agree.) */
	int (*get)(void **val, size_t *len, ck_backend_txn *txn, const char *bucket, const char *key);
	/** Creates or replaces one pair; creates the bucket if needed. */
	int (*put)(ck_backend_txn *txn, const char *bucket, const char *key, const void *val, size_t len);
	/** Deletes one pair; CK_ENOTFOUND if it is missing. */
	int (*del)(ck_backend_txn *txn, const char *bucket, const char *key);
	/** Visits the pairs of `bucket` whose key starts with `prefix` ("" for
	 *  all), in key order.  A missing bucket has no pairs.  `fn` may call
	 *  `get` on the same transaction, but must not write through it. */
	int (*scan)(ck_backend_txn *txn, const char *bucket, const char *prefix,
	            ck_backend_scan_fn fn, void *payload);
	/** Visits the names of all non-empty buckets, in name order. */
	int (*buckets)(ck_backend_txn *txn, ck_backend_bucket_fn fn, void *payload);

	/** Verifies the physical integrity of the store, reporting each problem
	 *  through `fn`.  Returns CK_OK if none was found, CK_ECORRUPT if some
	 *  were. */
	int (*check)(ck_backend *be, ck_backend_problem_fn fn, void *payload);
	/** Names of the files or directories inside `dir` that make up the
	 *  store, as a static NULL-terminated array (for backups and resets). */
	const char *const *(*files)(void);
} ck_backend_ops;

/** Extra transient code for backends: see ck_backend_ops. */
#define CK_EAGAIN (-1000)

/** Makes `ops` available under `ops->name` to every context opened from then
 *  on.  The table must stay valid for the life of the process.  CK_EEXISTS if
 *  the name is taken, CK_EVERSION if `ops->version` is unknown. */
CK_EXTERN int ck_backend_register(const ck_backend_ops *ops);

/** The registered backend of that name, or NULL.  The built-in ones are
 *  "sqlite" and "lmdb". */
CK_EXTERN const ck_backend_ops *ck_backend_find(const char *name);

/** For backend implementations: memory for what a vtable function hands
 *  to the library (get's value), so that the library, not the backend,
 *  decides how it is freed.  NULL when memory runs out.  Thread-safe. */
CK_EXTERN void *ck_backend_alloc(size_t size);
/** Releases memory from ck_backend_alloc().  Accepts NULL. */
CK_EXTERN void ck_backend_free(void *ptr);

/** For backend implementations: records the error that the failing vtable
 *  function returns, for ck_error_last().  Returns `code`. */
CK_EXTERN int ck_backend_set_error(int code, int sys_errno, const char *message);

CK_END_DECLS

#endif
