/* The "lmdb" state backend: buckets are the named databases of one LMDB
 * environment.  This file opens the store, runs transactions and grows the
 * map; lmdb_ops.c hands out bucket handles, reads and writes; lmdb_guard.c
 * turns LMDB's assertions and result codes into errors. */
#include "lmdb_int.h"
#include "state/backends.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

/* The map starts here and doubles whenever it fills up. */
#define MIN_MAPSIZE ((size_t)32 << 20)
/* One slot per concurrent read transaction in the whole machine: hundreds of
 * processes may hold one at once. */
#define MAXREADERS 1024
/* Remaps begin() attempts when other processes keep growing the map. */
#define MAX_REMAPS 8

static const char *const lmdb_files[] = { "data.mdb", "lock.mdb", NULL };

/* ---- bounds of the map ---- */

/* Finds LMDB's mapping of data.mdb in /proc/self/maps: LMDB does not tell
 * where it is.  Runs after every (re)map, when no transaction is open. */
static void find_map(ck_backend *be)
{
	MDB_envinfo info;
	struct stat sb;
	char line[512];
	FILE *f;
	int fd;

	be->map_base = 0;
	if (mdb_env_get_fd(be->env, &fd) || fstat(fd, &sb) < 0 || mdb_env_info(be->env, &info))
		return;
	__atomic_store_n(&be->file_size, (uint64_t)sb.st_size, __ATOMIC_RELAXED);
	if (!(f = fopen("/proc/self/maps", "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;

		if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu", &start, &end, &off, &maj, &min, &ino) == 6 &&
		    ino == sb.st_ino && maj == major(sb.st_dev) && min == minor(sb.st_dev) && off == 0 &&
		    end - start >= info.me_mapsize) {
			be->map_base = (uintptr_t)start;
			be->map_len = info.me_mapsize;
			break;
		}
	}
	fclose(f);
}

bool ck__lmdb_in_file(ck_backend *be, const MDB_val *v)
{
	uintptr_t start = (uintptr_t)v->mv_data;
	uint64_t end, size;
	struct stat sb;
	int fd;

	if (!be->map_base || start < be->map_base || start - be->map_base >= be->map_len)
		return true; /* cannot tell, or a dirty page in memory */
	if (v->mv_size > UINTPTR_MAX - start)
		return false;
	end = start + v->mv_size - be->map_base;
	if (end <= __atomic_load_n(&be->file_size, __ATOMIC_RELAXED))
		return true;
	/* Another transaction may have grown the file since. */
	if (mdb_env_get_fd(be->env, &fd) || fstat(fd, &sb) < 0)
		return false;
	size = (uint64_t)sb.st_size;
	if (size > __atomic_load_n(&be->file_size, __ATOMIC_RELAXED))
		__atomic_store_n(&be->file_size, size, __ATOMIC_RELAXED);
	return end <= size;
}

int ck__lmdb_check_size(ck_backend *be, char **detail)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	char *msg;
	int fd, rc;
	size_t need;

	if (detail)
		*detail = NULL;
	if ((rc = mdb_env_info(be->env, &info)) || (rc = mdb_env_stat(be->env, &st)) ||
	    (rc = mdb_env_get_fd(be->env, &fd)))
		return ck__lmdb_fail(be, NULL, rc, "cannot read the environment's header");
	if (fstat(fd, &sb) < 0)
		return ck__error_errno(CK_EIO, "LMDB store %s: cannot stat data.mdb", be->dir);
	if (st.ms_psize < 512 || (st.ms_psize & (st.ms_psize - 1)))
		msg = ck__asprintf("%s/data.mdb has an invalid page size %u", be->dir, st.ms_psize);
	else if (info.me_last_pgno >= SIZE_MAX / st.ms_psize)
		msg = ck__asprintf("%s/data.mdb claims an impossible last page %zu", be->dir, info.me_last_pgno);
	else if ((uint64_t)sb.st_size < (need = (info.me_last_pgno + 1) * st.ms_psize))
		msg = ck__asprintf("%s/data.mdb is truncated: %lld bytes, but its pages need %zu",
		                   be->dir, (long long)sb.st_size, need);
	else
		return CK_OK;
	if (!msg)
		return ck__oom();
	rc = ck__error_set(CK_ECORRUPT, "LMDB store %s: %s", be->dir, msg);
	if (detail)
		*detail = msg;
	else
		free(msg);
	return rc;
}

/* ---- transactions and map resizing ---- */

static bool thread_holds_txn(ck_backend *be)
{
	pthread_t self = pthread_self();

	for (ck_backend_txn *t = be->txns; t; t = t->next)
		if (pthread_equal(t->thread, self))
			return true;
	return false;
}

/* Runs with `exclusive` set and no transaction open in the process, as
 * mdb_env_set_mapsize() demands: it unmaps the file under every reader. */
static int remap(ck_backend *be, bool resync, bool grow, size_t full_at)
{
	MDB_envinfo info;
	int rc = 0;

	if (resync)
		rc = mdb_env_set_mapsize(be->env, 0); /* adopt the size another process chose */
	if (!rc && grow) {
		mdb_env_info(be->env, &info);
		/* Another thread may already have grown it past the size that
		 * was found too small. */
		if (info.me_mapsize <= full_at) {
			if (info.me_mapsize > SIZE_MAX / 4) {
				find_map(be);
				return ck__error_set(CK_EIO, "LMDB store %s: the map cannot grow beyond %zu bytes",
				                     be->dir, info.me_mapsize);
			}
			rc = mdb_env_set_mapsize(be->env, info.me_mapsize * 2);
		}
	}
	if (!rc) {
		find_map(be);
		return CK_OK;
	}
	/* A failed remap leaves LMDB without a map: nothing can run any more. */
	pthread_mutex_lock(&be->mu);
	be->broken = true;
	pthread_mutex_unlock(&be->mu);
	return ck__lmdb_fail(be, NULL, rc, "cannot resize the map");
}

/* Registers `t` as open, first resizing the map if a transaction asked for
 * it.  Writer preference: once a resize waits, new transactions wait too,
 * except in a thread that already holds one (that one must be able to end). */
static int enter(ck_backend *be, ck_backend_txn *t)
{
	MDB_envinfo info;
	bool resync, grow;
	size_t full_at;
	int rc = CK_OK;

	pthread_mutex_lock(&be->mu);
	for (;;) {
		bool mine = thread_holds_txn(be);

		if (be->broken) {
			rc = ck__error_set(CK_EIO, "LMDB store %s: the map could not be resized; reopen the store", be->dir);
			break;
		}
		if (be->exclusive || (be->excl_waiting && !mine)) {
			pthread_cond_wait(&be->cv, &be->mu);
			continue;
		}
		if (!be->need_resync && !be->need_grow)
			break;
		if (mine) {
			/* A resize waits for every transaction of the process, this
			 * thread's too, so it would wait forever. */
			if (!be->need_resync && !t->write)
				break;
			rc = ck__error_set(CK_EBUSY, "LMDB store %s: the map must be resized, which cannot happen "
			                   "while this thread holds another transaction", be->dir);
			break;
		}
		be->excl_waiting++;
		while (be->txns || be->exclusive)
			pthread_cond_wait(&be->cv, &be->mu);
		be->excl_waiting--;
		be->exclusive = true;
		resync = be->need_resync;
		grow = be->need_grow;
		full_at = be->full_at;
		be->need_resync = be->need_grow = false;
		be->full_at = 0;
		pthread_mutex_unlock(&be->mu);
		rc = remap(be, resync, grow, full_at);
		pthread_mutex_lock(&be->mu);
		be->exclusive = false;
		pthread_cond_broadcast(&be->cv);
		if (rc)
			break;
	}
	if (!rc) {
		t->epoch = be->epoch;
		mdb_env_info(be->env, &info);
		t->mapsize = info.me_mapsize;
		t->prev = NULL;
		t->next = be->txns;
		if (be->txns)
			be->txns->prev = t;
		be->txns = t;
	}
	pthread_mutex_unlock(&be->mu);
	return rc;
}

/* Unregisters `t`; if it opened bucket handles, publishes them when it
 * committed and forgets them otherwise (LMDB closed them on abort). */
static void leave(ck_backend_txn *t, bool committed)
{
	ck_backend *be = t->be;

	pthread_mutex_lock(&be->mu);
	if (be->dbi_owner == t) {
		if (committed) {
			be->epoch++;
			for (size_t i = 0; i < t->nfresh; i++) {
				ck__lmdb_cache_add(be, t->fresh[i].name, t->fresh[i].dbi, be->epoch);
				t->fresh[i].name = NULL;
			}
		}
		be->dbi_owner = NULL;
	}
	if (t->prev)
		t->prev->next = t->next;
	else
		be->txns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_cond_broadcast(&be->cv);
	pthread_mutex_unlock(&be->mu);
}

static void txn_free(ck_backend_txn *t)
{
	for (size_t i = 0; i < t->nfresh; i++)
		free(t->fresh[i].name);
	free(t->fresh);
	free(t);
}

int ck__lmdb_begin(ck_backend_txn **out, ck_backend *be, int write)
{
	ck_backend_txn *t;
	int rc;

	*out = NULL;
	if (write && (be->flags & CK_BACKEND_READONLY))
		return ck__error_set(CK_ESTATE, "LMDB store %s: opened read-only", be->dir);
	if (!(t = calloc(1, sizeof(*t))))
		return ck__oom();
	t->be = be;
	t->write = write != 0;
	t->thread = pthread_self();

	for (int tries = 0;; tries++) {
		if ((rc = enter(be, t)))
			break;
		/* MDB_NOTLS (set at open) frees read transactions from their
		 * thread; write transactions stay tied to it, as LMDB's writer
		 * lock is a mutex. */
		/* CK_BACKEND_TXN_RELAXED commits durably too: LMDB's sync flags
		 * belong to the environment, which other threads share. */
		rc = mdb_txn_begin(be->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
		if (!rc) {
			*out = t;
			return CK_OK;
		}
		leave(t, false);
		/* The file grew beyond our map in another process: adopt its
		 * size (that needs the exclusive side, taken by enter()) and
		 * try again. */
		rc = ck__lmdb_fail(be, NULL, rc, "cannot begin a %s transaction", write ? "write" : "read");
		if (rc != CK_EAGAIN || tries >= MAX_REMAPS)
			break;
	}
	txn_free(t);
	return rc;
}

static int lmdb_begin(ck_backend_txn **out, ck_backend *be, int write)
{
	return ck__lmdb_begin(out, be, write);
}

void ck__lmdb_abort(ck_backend_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	leave(t, false);
	txn_free(t);
}

/* mdb_txn_commit() under a guard frame.  Damage met while writing back
 * aborts the transaction: nothing reached the meta page. */
static int guarded_commit(ck_backend_txn *t, bool *damaged)
{
	ck__lmdb_guard g;
	int rc;

	ck__lmdb_guard_push(&g);
	if (setjmp(g.jb)) {
		mdb_txn_abort(t->txn);
		*damaged = true;
		return MDB_CORRUPTED;
	}
	rc = mdb_txn_commit(t->txn);
	ck__lmdb_guard_pop(&g);
	return rc;
}

static int lmdb_commit(ck_backend_txn *t)
{
	bool damaged = false;
	int rc, code = CK_OK;

	if (!t->write) {
		/* Read transactions never own handles (see open_aside()). */
		ck__lmdb_abort(t);
		return CK_OK;
	}
	/* LMDB frees the transaction whatever the result.  With the default
	 * sync mode it has fsync()ed the data and then the meta page when
	 * this returns 0, so the commit survives a power loss. */
	rc = guarded_commit(t, &damaged);
	t->txn = NULL;
	leave(t, rc == 0);
	if (damaged)
		code = ck__lmdb_guard_failed(t->be);
	else if (rc)
		code = ck__lmdb_fail(t->be, t, rc, "cannot commit");
	txn_free(t);
	return code;
}

/* ---- opening and closing ---- */

static void lmdb_close(ck_backend *be)
{
	if (!be)
		return;
	if (be->env)
		mdb_env_close(be->env); /* also closes every bucket handle */
	for (size_t i = 0; i < be->ndbis; i++)
		free(be->dbis[i].name);
	pthread_cond_destroy(&be->cv);
	pthread_mutex_destroy(&be->mu);
	free(be->dir);
	free(be);
}

/* Checks the format marker, initializes a store just created, and opens the
 * handle of every existing bucket while no other transaction can run, so
 * that later transactions rarely have to open one. */
static int load(ck_backend *be)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	MDB_stat st;
	bool init = false;
	char *name;
	int rc, code = CK_OK;

	if ((rc = mdb_txn_begin(be->env, NULL, MDB_RDONLY, &txn)))
		return ck__lmdb_fail(be, NULL, rc, "cannot begin a read transaction");
	ck__lmdb_guard_txn(txn);
	if ((rc = mdb_dbi_open(txn, NULL, 0, &be->main_dbi)))
		goto lmdb_error;

	rc = mdb_dbi_open(txn, CK__LMDB_META_DB, 0, &dbi);
	if (rc == MDB_NOTFOUND) {
		/* An environment without buckets is one whose creation was cut
		 * short; anything else belongs to some other program. */
		if ((rc = mdb_stat(txn, be->main_dbi, &st)))
			goto lmdb_error;
		if (st.ms_entries || !(be->flags & CK_BACKEND_CREATE) || (be->flags & CK_BACKEND_READONLY)) {
			code = ck__error_set(CK_ECORRUPT, "LMDB store %s is not a containerkit state store",
			                     be->dir);
			goto out;
		}
		init = true;
	} else if (rc == MDB_INCOMPATIBLE) {
		code = ck__error_set(CK_ECORRUPT, "LMDB store %s is not a containerkit state store",
		                     be->dir);
		goto out;
	} else if (rc) {
		goto lmdb_error;
	} else {
		k.mv_data = CK__LMDB_FORMAT_KEY;
		k.mv_size = strlen(CK__LMDB_FORMAT_KEY);
		rc = mdb_get(txn, dbi, &k, &v);
		if (rc == MDB_NOTFOUND) {
			code = ck__error_set(CK_ECORRUPT, "LMDB store %s is not a containerkit state store",
			                     be->dir);
			goto out;
		}
		if (rc)
			goto lmdb_error;
		if (v.mv_size != strlen(CK__LMDB_FORMAT) || memcmp(v.mv_data, CK__LMDB_FORMAT, v.mv_size)) {
			bool ours = v.mv_size > strlen(CK__LMDB_FORMAT_PREFIX) &&
			            !memcmp(v.mv_data, CK__LMDB_FORMAT_PREFIX, strlen(CK__LMDB_FORMAT_PREFIX));
			code = ck__error_set(ours ? CK_EVERSION : CK_ECORRUPT,
			                     "LMDB store %s: unknown store format \"%.*s\" (this library reads %s)",
			                     be->dir, (int)(v.mv_size > 64 ? 64 : v.mv_size), (const char *)v.mv_data,
			                     CK__LMDB_FORMAT);
			goto out;
		}
		if (!(name = ck__strdup(CK__LMDB_META_DB))) {
			code = ck__oom();
			goto out;
		}
		ck__lmdb_cache_add(be, name, dbi, 0);
	}

	{
		ck__lmdb_dbi got[CK__LMDB_MAXDBS];
		size_t ngot = 0;

		rc = ck__lmdb_open_uncached(be, txn, got, &ngot);
		for (size_t i = 0; i < ngot; i++)
			ck__lmdb_cache_add(be, got[i].name, got[i].dbi, 0);
		if (rc)
			goto lmdb_error;
	}
	/* Committing a read transaction keeps the handles it opened.  (On
	 * failure the cached ones are never used: the store gets closed.) */
	rc = mdb_txn_commit(txn);
	ck__lmdb_guard_txn(NULL);
	txn = NULL;
	if (rc)
		return ck__lmdb_fail(be, NULL, rc, "cannot open the buckets");

	if (init) {
		if ((rc = mdb_txn_begin(be->env, NULL, 0, &txn)))
			return ck__lmdb_fail(be, NULL, rc, "cannot begin a write transaction");
		ck__lmdb_guard_txn(txn);
		if ((rc = mdb_dbi_open(txn, CK__LMDB_META_DB, MDB_CREATE, &dbi)))
			goto init_error;
		k.mv_data = CK__LMDB_FORMAT_KEY;
		k.mv_size = strlen(CK__LMDB_FORMAT_KEY);
		v.mv_data = CK__LMDB_FORMAT;
		v.mv_size = strlen(CK__LMDB_FORMAT);
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)))
			goto init_error;
		if (!(name = ck__strdup(CK__LMDB_META_DB))) {
			code = ck__oom();
			goto out;
		}
		rc = mdb_txn_commit(txn);
		ck__lmdb_guard_txn(NULL);
		txn = NULL;
		if (rc) {
			free(name);
			return ck__lmdb_fail(be, NULL, rc, "cannot write the store's format marker");
		}
		ck__lmdb_cache_add(be, name, dbi, 0);
	}
	return CK_OK;

init_error:
	code = ck__lmdb_fail(be, NULL, rc, "cannot write the store's format marker");
	goto out;
lmdb_error:
	code = ck__lmdb_fail(be, NULL, rc, "cannot read the store's directory of buckets");
out:
	if (txn)
		mdb_txn_abort(txn);
	ck__lmdb_guard_txn(NULL);
	return code;
}

/* The first reads of data pages happen here. */
static int guarded_load(ck_backend *be)
{
	ck__lmdb_guard g;
	int rc;

	ck__lmdb_guard_push(&g);
	if (setjmp(g.jb))
		return ck__lmdb_guard_failed(be);
	rc = load(be);
	ck__lmdb_guard_pop(&g);
	return rc;
}

static int lmdb_open(ck_backend **out, const char *dir, unsigned int flags)
{
	ck_backend *be;
	pthread_condattr_t ca;
	struct stat sb;
	char *data = NULL, *walk_detail = NULL;
	size_t mapsize = MIN_MAPSIZE;
	bool fresh = false;
	int rc, dead;

	*out = NULL;
	if (!(be = calloc(1, sizeof(*be))))
		return ck__oom();
	pthread_mutex_init(&be->mu, NULL);
	/* Timed waits measure time on the monotonic clock, immune to clock
	 * changes. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&be->cv, &ca);
	pthread_condattr_destroy(&ca);
	be->flags = flags;
	be->maxkey = 511;
	if (!(be->dir = ck__strdup(dir)) || !(data = ck__path_join(dir, "data.mdb"))) {
		rc = ck__oom();
		goto fail;
	}

	if (stat(data, &sb) < 0) {
		if (errno != ENOENT) {
			rc = ck__error_errno(CK_EIO, "LMDB store %s: cannot stat %s", dir, data);
			goto fail;
		}
		if (!(flags & CK_BACKEND_CREATE) || (flags & CK_BACKEND_READONLY)) {
			rc = ck__error_set(CK_ENOTFOUND, "LMDB store %s: %s does not exist", dir, data);
			goto fail;
		}
		fresh = true;
	} else if (!S_ISREG(sb.st_mode)) {
		rc = ck__error_set(CK_ECORRUPT, "LMDB store %s: %s is not a regular file", dir, data);
		goto fail;
	} else if (sb.st_size == 0) {
		/* LMDB would initialize it: only do so when asked to create. */
		if (!(flags & CK_BACKEND_CREATE) || (flags & CK_BACKEND_READONLY)) {
			rc = ck__error_set(CK_ECORRUPT, "LMDB store %s: %s is empty", dir, data);
			goto fail;
		}
		fresh = true;
	} else {
		/* Map at least the whole file, with room to grow. */
		while (mapsize < (uint64_t)sb.st_size && mapsize <= SIZE_MAX / 2)
			mapsize *= 2;
	}

	if ((rc = mdb_env_create(&be->env))) {
		be->env = NULL;
		rc = ck__lmdb_fail(be, NULL, rc, "cannot create the environment");
		goto fail;
	}
	mdb_env_set_assert(be->env, ck__lmdb_on_assert);
	if ((rc = mdb_env_set_maxdbs(be->env, CK__LMDB_MAXDBS - 2)) ||
	    (rc = mdb_env_set_maxreaders(be->env, MAXREADERS)) ||
	    (rc = mdb_env_set_mapsize(be->env, mapsize))) {
		rc = ck__lmdb_fail(be, NULL, rc, "cannot configure the environment");
		goto fail;
	}
	/* MDB_NOTLS: a read transaction is not tied to its thread, and one
	 * thread may hold several.  No MDB_NOSYNC, MDB_NOMETASYNC or
	 * MDB_MAPASYNC: every commit is fsync()ed, so a committed transaction
	 * survives a power loss. */
	rc = mdb_env_open(be->env, dir, MDB_NOTLS | ((flags & CK_BACKEND_READONLY) ? MDB_RDONLY : 0), 0600);
	if (rc) {
		if (!fresh && (rc == ENOMEM || rc == EINVAL || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH))
			/* Garbage, a foreign format, or a header claiming a size
			 * no map can hold. */
			rc = ck__error_set(CK_ECORRUPT, "LMDB store %s: %s is not a valid LMDB file: %s",
			                   dir, data, mdb_strerror(rc));
		else
			rc = ck__lmdb_fail(be, NULL, rc, "cannot open %s", data);
		goto fail;
	}
	/* Nothing has touched the data pages yet: check that they exist
	 * before a transaction reads them through the map. */
	if ((rc = ck__lmdb_check_size(be, NULL)))
		goto fail;
	find_map(be);
	/* Slots of readers that died inside a transaction pin old pages. */
	if ((rc = mdb_reader_check(be->env, &dead))) {
		rc = ck__lmdb_fail(be, NULL, rc, "cannot clear stale readers");
		goto fail;
	}
	be->maxkey = (size_t)mdb_env_get_maxkeysize(be->env);
	/* Every page LMDB may follow is read and checked without the map
	 * first: a damaged one would crash the process (SIGBUS) instead of
	 * failing.  About 0.2 ms per MiB of store, once per process. */
	if ((rc = ck__lmdb_walk_snapshot(be, true, &walk_detail)))
		goto fail;
	if ((rc = guarded_load(be)))
		goto fail;
	free(data);
	*out = be;
	return CK_OK;

fail:
	free(walk_detail);
	free(data);
	lmdb_close(be);
	return rc;
}

static const char *const *lmdb_files_fn(void)
{
	return lmdb_files;
}

const ck_backend_ops ck__backend_lmdb = {
	.version = CK_BACKEND_OPS_VERSION,
	.name = "lmdb",
	.open = lmdb_open,
	.close = lmdb_close,
	.begin = lmdb_begin,
	.commit = lmdb_commit,
	.abort = ck__lmdb_abort,
	.get = ck__lmdb_get,
	.put = ck__lmdb_put,
	.del = ck__lmdb_del,
	.scan = ck__lmdb_scan,
	.buckets = ck__lmdb_buckets,
	.check = ck__lmdb_check,
	.files = lmdb_files_fn,
};
