/* The guard against LMDB's assertions (an assertion on a damaged page
 * jumps back to the innermost guarded call instead of aborting the process,
 * and what that call held is released), and LMDB's result codes turned into
 * the library's errors. */
#include "lmdb_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the guard against LMDB's assertions ---- */

static __thread ck__lmdb_guard *guard_top;
static __thread char guard_reason[256];

void ck__lmdb_guard_push(ck__lmdb_guard *g)
{
	memset(g->cursors, 0, sizeof(g->cursors));
	memset(g->mem, 0, sizeof(g->mem));
	g->txn = NULL;
	g->locked = NULL;
	g->prev = guard_top;
	guard_top = g;
}

void ck__lmdb_guard_pop(ck__lmdb_guard *g)
{
	guard_top = g->prev;
}

static void slot_set(void **slots, void *p, bool held)
{
	for (int i = 0; i < CK__LMDB_GUARD_SLOTS; i++) {
		if (slots[i] == (held ? NULL : p)) {
			slots[i] = held ? p : NULL;
			return;
		}
	}
	/* No slot left: only a leak if an assertion fails. */
}

void ck__lmdb_guard_cursor(MDB_cursor *cur, bool held)
{
	if (guard_top)
		slot_set(guard_top->cursors, cur, held);
}

void ck__lmdb_guard_mem(void *mem, bool held)
{
	if (guard_top)
		slot_set(guard_top->mem, mem, held);
}

void ck__lmdb_guard_txn(MDB_txn *txn)
{
	if (guard_top)
		guard_top->txn = txn;
}

void ck__lmdb_guard_lock(ck_backend *be)
{
	if (guard_top)
		guard_top->locked = be;
}

const char *ck__lmdb_guard_reason(void)
{
	return guard_reason;
}

int ck__lmdb_guard_failed(ck_backend *be)
{
	return ck__error_set(CK_ECORRUPT, "LMDB store %s: damaged page: %s", be->dir, guard_reason);
}

/* LMDB's assert callback.  Without a frame (which no entry point lacks) it
 * returns, and LMDB aborts as it always would. */
void ck__lmdb_on_assert(MDB_env *env, const char *msg)
{
	ck__lmdb_guard *g = guard_top;

	(void)env;
	if (!g)
		return;
	snprintf(guard_reason, sizeof(guard_reason), "%s", msg);
	for (int i = 0; i < CK__LMDB_GUARD_SLOTS; i++) {
		if (g->cursors[i])
			mdb_cursor_close(g->cursors[i]);
		free(g->mem[i]);
	}
	if (g->txn)
		mdb_txn_abort(g->txn);
	if (g->locked)
		pthread_mutex_unlock(&g->locked->mu);
	guard_top = g->prev;
	longjmp(g->jb, 1);
}

int ck__lmdb_fail(ck_backend *be, ck_backend_txn *t, int rc, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	int code, dead;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	switch (rc) {
	case MDB_MAP_FULL: {
		/* LMDB cannot remap under open transactions, so the caller's
		 * transaction has to go first; the next begin() grows the map. */
		MDB_envinfo info;
		size_t at;
		if (t) {
			at = t->mapsize;
		} else {
			mdb_env_info(be->env, &info);
			at = info.me_mapsize;
		}
		pthread_mutex_lock(&be->mu);
		be->need_grow = true;
		if (at > be->full_at)
			be->full_at = at;
		pthread_mutex_unlock(&be->mu);
		return ck__error_set(CK_EAGAIN, "LMDB store %s: %s: the map is full; it grows before the next transaction",
		                     be->dir, what);
	}
	case MDB_MAP_RESIZED:
		pthread_mutex_lock(&be->mu);
		be->need_resync = true;
		pthread_mutex_unlock(&be->mu);
		return ck__error_set(CK_EAGAIN, "LMDB store %s: %s: another process grew the map", be->dir, what);
	case MDB_READERS_FULL:
		/* Usually slots of processes that died inside a read transaction. */
		mdb_reader_check(be->env, &dead);
		return ck__error_set(CK_EAGAIN, "LMDB store %s: %s: the reader table is full (%d stale readers cleared)",
		                     be->dir, what, dead);
	case MDB_NOTFOUND:
	case ENOENT:
		code = CK_ENOTFOUND;
		break;
	case MDB_KEYEXIST:
		code = CK_EEXISTS;
		break;
	case MDB_PAGE_NOTFOUND:
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		code = CK_ECORRUPT;
		break;
	case MDB_PANIC:
		code = CK_EIO;
		break;
	case MDB_BAD_VALSIZE:
	case EINVAL:
		code = CK_EINVAL;
		break;
	case MDB_BAD_TXN:
	case MDB_BAD_RSLOT:
	case MDB_BAD_DBI:
		code = CK_ESTATE;
		break;
	case ENOMEM:
		code = CK_ENOMEM;
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		code = CK_EPERM;
		break;
	case EAGAIN:
	case EBUSY:
		code = CK_EBUSY;
		break;
	default:
		/* ENOSPC, EIO and the other errno values are I/O failures;
		 * MDB_DBS_FULL, MDB_TXN_FULL and the like are limits. */
		code = rc > 0 ? CK_EIO : CK_ERROR;
		break;
	}
	if (rc > 0)
		return ck__error_sys(code, rc, "LMDB store %s: %s", be->dir, what);
	return ck__error_set(code, "LMDB store %s: %s: %s", be->dir, what, mdb_strerror(rc));
}
