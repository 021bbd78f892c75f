/* Internal API of the state module for the modules above it: transactions
 * with transparent retry, typed records (containers, pods, volumes, images, networks),
 * exclusive access to the whole store, and the consistency-check report.
 * docs/STATE.md describes the buckets. */
#ifndef CK_STATE_H
#define CK_STATE_H

#include "core/core.h"
#include <containerkit/sys/state.h>

/* Version of the bucket layout, kept in meta/schema. */
#define CK__STATE_SCHEMA "1"

/* ---- transactions (state.c) ---- */
/* Runs `fn` in a read snapshot / a durable write transaction.  Transient
 * backend conditions are retried; the store is opened on first use. */
int ck__state_read(ck_context *ctx, ck_state_txn_fn fn, void *payload);
int ck__state_write(ck_context *ctx, ck_state_txn_fn fn, void *payload);
/* A write transaction whose commit need not wait for the disk
 * (CK_BACKEND_TXN_RELAXED): for state transitions that are reconciled
 * after a reboot anyway (a container starting, running, exited). */
int ck__state_write_relaxed(ck_context *ctx, ck_state_txn_fn fn, void *payload);
/* Opens the store now (if not yet open); reports backend errors. */
int ck__state_ensure(ck_context *ctx);
/* Closes the context's store; the next transaction reopens it. */
void ck__state_close(ck_context *ctx);
/* Takes the store lock exclusively: every transaction of every process
 * waits until it is released.  The caller must not run transactions
 * through the context meanwhile (use the backend directly). */
int ck__state_lock_exclusive(ck__lock *lk, ck_context *ctx, int timeout_ms);
/* Paths: <root>/state, <root>/state/<backend>, the marker file. */
char *ck__state_dir(const ck_context *ctx);
char *ck__state_backend_dir(const ck_context *ctx, const char *backend);
/* The backend named by the marker file, into buf; CK_ENOTFOUND if the store
 * was never created. */
int ck__state_marker_read(char *buf, size_t size, const ck_context *ctx);
int ck__state_marker_write(const ck_context *ctx, const char *backend);
/* The registered backend or a CK_ECONFIG error naming the known ones. */
int ck__backend_lookup(const ck_backend_ops **out, const char *name);

/* Transaction primitives (the public ck_state_txn_* call these). */
int ck__txn_get(char **val, size_t *len, ck_state_txn *txn, const char *bucket, const char *key);
int ck__txn_put(ck_state_txn *txn, const char *bucket, const char *key, const void *val, size_t len);
int ck__txn_put_str(ck_state_txn *txn, const char *bucket, const char *key, const char *val);
int ck__txn_del(ck_state_txn *txn, const char *bucket, const char *key);
int ck__txn_scan(ck_state_txn *txn, const char *bucket, const char *prefix, ck_state_scan_fn fn,
                 void *payload);
bool ck__txn_is_write(const ck_state_txn *txn);
ck_context *ck__txn_context(const ck_state_txn *txn);

/* ---- typed records (record.c) ---- */
typedef enum ck__kind {
	CK__KIND_CONTAINER,
	CK__KIND_POD,
	CK__KIND_VOLUME,
	CK__KIND_IMAGE,
	CK__KIND_NETWORK,
	CK__KIND_COUNT
} ck__kind;

const char *ck__kind_name(ck__kind kind);         /* "container" */
const char *ck__kind_bucket(ck__kind kind);       /* "containers": id -> config JSON */
const char *ck__kind_state_bucket(ck__kind kind); /* "containers.state": id -> state JSON */
/* Bucket of the name registry ("names" is shared by containers and pods, as
 * in podman), or NULL for kinds whose id is their name (volumes) or that
 * keep their own names (image tags). */
const char *ck__kind_names_bucket(ck__kind kind);

/* Inserts a record, reserving its id and name in the same transaction.
 * CK_EEXISTS (naming the holder) if either is taken. */
int ck__rec_insert(ck_state_txn *txn, ck__kind kind, const char *id, const char *name,
                   const char *config, const char *state);
/* Reads a record; either output may be NULL.  CK_ENOTFOUND if missing. */
int ck__rec_get(char **config, char **state, ck_state_txn *txn, ck__kind kind, const char *id);
int ck__rec_put_state(ck_state_txn *txn, ck__kind kind, const char *id, const char *state);
/* Deletes the record, its state and its name (NULL if it has none). */
int ck__rec_delete(ck_state_txn *txn, ck__kind kind, const char *id, const char *name);
/* Resolves a name, a full id, or a unique id prefix to a full id: the one
 * lookup by reference that containers, pods, volumes and images share.
 * CK_ENOTFOUND and CK_EAMBIGUOUS come worded by ck__rec_ref_error. */
int ck__rec_resolve(char **id, ck_state_txn *txn, ck__kind kind, const char *ref);
/* Sets and returns error `code` (CK_ENOTFOUND: `ref` names no record of
 * `kind`; CK_EAMBIGUOUS: it names more than one) in the kind's words, the
 * same wherever a module finds its record gone. */
int ck__rec_ref_error(int code, ck__kind kind, const char *ref);
/* Visits every record in id order; `state` is NULL if it is missing. */
typedef int (*ck__rec_fn)(const char *id, const char *config, const char *state, void *payload);
int ck__rec_foreach(ck_state_txn *txn, ck__kind kind, ck__rec_fn fn, void *payload);
int ck__rec_count(size_t *count, ck_state_txn *txn, ck__kind kind);

/* ---- every record of a kind as handles (collect.c) ---- */
typedef struct ck__rec_collector {
	ck__kind kind;
	size_t size; /* of one handle pointer: sizeof(ck_image *) */
	/* Makes the handle of one record into the slot (a `ck_image **`).
	 * CK_ENOMEM stops the listing; any other error skips the record. */
	int (*make)(void *slot, ck_context *ctx, const char *id, const char *config, const char *state);
	void (*free_list)(void *items, size_t n); /* ck_image_list_free */
	bool warn_damaged; /* log each skipped record */
} ck__rec_collector;
/* The handles of every record of `how->kind` readable in one snapshot, in
 * id order: *items (malloc'd, NULL when there are none) holds *n of them. */
int ck__rec_collect(void **items, size_t *n, ck_context *ctx, const ck__rec_collector *how);
/* The record that `ref` (a name, a full id or a unique id prefix) names,
 * resolved and read in one snapshot; the three strings are the caller's
 * (*state NULL if missing).  CK_ENOTFOUND or CK_EAMBIGUOUS as
 * ck__rec_resolve words them. */
int ck__rec_read_ref(char **id, char **config, char **state, ck_context *ctx, ck__kind kind, const char *ref);

/* ---- pods and their members (record.c) ----
 * Bucket "pods.members": key "<pod id>/<container id>", value "infra" or
 * "member", written and deleted in the commits that insert and delete the
 * container.  A pod's config record (lib/pod) is JSON whose members
 * "name", "hostname", "shares" (["net","ipc","uts","pid","cgroup"]) and
 * "exit_policy" ("continue" or "stop") the container module reads when a
 * container joins the pod and when a member exits. */
#define CK__POD_MEMBERS_BUCKET "pods.members"
int ck__pod_member_put(ck_state_txn *txn, const char *pod_id, const char *ctr_id, bool infra);
/* CK_OK also when there was no such key. */
int ck__pod_member_del(ck_state_txn *txn, const char *pod_id, const char *ctr_id);
/* The members' ids (NULL-terminated, NULL when none) and the infra's id
 * (NULL when none); either output may be NULL. */
int ck__pod_members(char ***ids, char **infra, ck_state_txn *txn, const char *pod_id);

/* ---- consistency checks (check.c, check_report.c) ---- */
typedef struct ck__check_report {
	ck_check_report *out; /* the typed report being filled */
	size_t found, remaining;
	bool repair;
	bool unreadable; /* the store failed its integrity check: skip record checks */
	bool oom;        /* a problem could not be recorded */
} ck__check_report;
int ck__check_report_init(ck__check_report *r, bool repair);
/* Records one problem.  `repaired` is only meaningful when repairable. */
void ck__check_add(ck__check_report *r, const char *kind, const char *object, const char *detail,
                   bool repairable, bool repaired);
/* The same, with the next step the user should take (NULL: a default that
 * follows from repairable/repaired). */
void ck__check_add_hint(ck__check_report *r, const char *kind, const char *object, const char *detail,
                        const char *hint, bool repairable, bool repaired);
/* The next step for a record that cannot be read (so no command that looks
 * it up can remove it): delete its keys through the state API, or restore a
 * backup, or reset.  NULL when out of memory. */
char *ck__check_unreadable_record_hint(const ck_context *ctx, ck__kind kind, const char *id);
/* Hands the typed report over (`*out`, the caller's); CK_ENOMEM if a
 * problem could not be recorded. */
int ck__check_report_finish(ck_check_report **out, ck__check_report *r, const char *backend);
/* Frees what a report that is not finished holds. */
void ck__check_report_discard(ck__check_report *r);
/* Backend integrity, then record-level consistency, then leftovers of
 * interrupted migrations.  Repairs when r->repair. */
int ck__state_check(ck_context *ctx, ck__check_report *r);

/* ---- migration (migrate.c) ---- */
int ck__state_migrate(char **backup_path, ck_context *ctx, const char *to,
                      ck_system_migrate_progress_fn progress, void *payload);

#endif
