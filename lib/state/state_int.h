/* Private to the state module: the open store of one context and the
 * transaction handle handed to transaction bodies. */
#ifndef CK_STATE_INT_H
#define CK_STATE_INT_H

#include "state.h"

#include <sys/stat.h>

struct ck__state {
	ck_context *ctx;
	const ck_backend_ops *ops;
	ck_backend *be;
	char backend[32];
	char *dir;         /* <root>/state */
	char *marker_path; /* <root>/state/backend */
	int lock_fd;       /* <root>/state/store.lock */

	/* flock(2) locks belong to an open file description, so the threads of
	 * one process share one shared lock and count its holders. */
	pthread_mutex_t shared_mu;
	int shared_count;

	/* Transactions hold the read side; switching to another backend after
	 * a migration by another process takes the write side. */
	pthread_rwlock_t switch_lock;
	ino_t marker_ino;
	struct timespec marker_mtime;

	int boot_checked;
};

struct ck_state_txn {
	struct ck__state *st;
	ck_backend_txn *bt;
	bool write;
};

/* Reboot detection: marks containers of an earlier boot as exited. */
int ck__state_boot_check(ck_context *ctx);

/* ---- the store as a whole, for the check (check_store.c) ---- */
/* Names of the backends whose directory under <root>/state holds their main
 * file (at most `max`); their count. */
size_t ck__state_find_stores(char names[][32], size_t max, const ck_context *ctx);
/* Whether <root>/state/backend exists (whatever it holds). */
bool ck__marker_exists(const ck_context *ctx);
/* What to do about a store that cannot be read: restore the newest backup
 * a migration left (the path and the commands), or reset.  `current` is
 * the damaged backend, or NULL.  NULL when out of memory. */
char *ck__state_restore_hint(const ck_context *ctx, const char *current);
/* The marker and the backend's own integrity check, each finding in the
 * report.  CK_OK: the records can be read; CK_ENOTFOUND: no store yet;
 * CK_ECORRUPT: the store is damaged (reported). */
int ck__check_store(ck_context *ctx, ck__check_report *r);

#endif
