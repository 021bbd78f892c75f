/* The "sqlite" state backend: every bucket's pairs live in one SQLite table in
 * <dir>/state.db, in WAL mode, shared by many processes and threads. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "sqlite_int.h"
#include "state/backends.h"

struct ck_backend_txn {
	ck_backend *be;
	ck__sq_conn *c;
	bool write;
	bool relaxed; /* synchronous=NORMAL until the end: the commit does not sync */
	bool queued; /* holds the writers' queue lock */
	int dead; /* the CK_E* code, once SQLite rolled the transaction back */
};

/* ck__sq_fail() for a statement inside a transaction.  After an I/O error, a full disk
 * or lack of memory SQLite may roll the transaction back by itself, and the
 * caller's next statements would then run in autocommit mode, outside any
 * transaction; the transaction is marked dead so they are refused. */
static int txn_fail(ck_backend_txn *txn, int rc, const char *fmt, ...) CK_PRINTF(3, 4);
static int txn_fail(ck_backend_txn *txn, int rc, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ck__sq_vfail(txn->be, txn->c, rc, fmt, ap);
	va_end(ap);
	if (sqlite3_get_autocommit(txn->c->db) && !txn->dead)
		txn->dead = ret;
	return ret;
}

/* ---- open and close ---- */

static void sq_close(ck_backend *be)
{
	if (!be)
		return;
	while (be->idle) {
		ck__sq_conn *c = be->idle;

		be->idle = c->next;
		ck__sq_conn_close(c);
	}
	pthread_mutex_destroy(&be->lock);
	free(be->path);
	free(be);
}

static int sq_open(ck_backend **out, const char *dir, unsigned int flags)
{
	bool create = (flags & CK_BACKEND_CREATE) && !(flags & CK_BACKEND_READONLY);
	ck_backend *be;
	ck__sq_conn *c = NULL;
	struct stat sb;
	int ret;

	*out = NULL;
	if (!(be = calloc(1, sizeof(*be))))
		return ck__oom();
	be->flags = flags;
	if (!(be->path = ck__path_join(dir, SQ_FILE))) {
		free(be);
		return ck__oom();
	}
	if ((ret = pthread_mutex_init(&be->lock, NULL)) != 0) {
		free(be->path);
		free(be);
		return ck__error_sys(CK_ERROR, ret, "state database: cannot create a mutex");
	}
	if (!create && stat(be->path, &sb) < 0 && errno == ENOENT) {
		ret = ck__error_set(CK_ENOTFOUND, "state database %s does not exist", be->path);
		goto fail;
	}
	/* Opening an empty file would write a header into it (WAL mode): a
	 * store that is not being created is left as it was found. */
	if (!create && stat(be->path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
		ret = ck__error_set(CK_ENOTFOUND, "state database %s is empty", be->path);
		goto fail;
	}
	ret = ck__sq_conn_open(be, true, create, &c);
	if (ret == CK_EAGAIN)
		/* Not inside a transaction, so nobody would retry: say it plainly. */
		ret = ck__error_set(CK_EBUSY, "state database %s stayed locked while being opened", be->path);
	if (ret < 0)
		goto fail;
	ck__sq_pool_give(be, c);
	*out = be;
	return CK_OK;
fail:
	sq_close(be);
	return ret;
}

/* ---- transactions ---- */

static void txn_end(ck_backend_txn *txn)
{
	if (txn->c) {
		ck__sq_conn_rollback(txn->c);
		/* Not through ck__sq_conn_run(): the thread's error may describe
		 * the failure that ended the transaction. */
		if (txn->relaxed && sqlite3_exec(txn->c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
			txn->c->broken = true; /* not pooled with relaxed commits */
		if (txn->queued)
			flock(txn->c->wlock_fd, LOCK_UN);
		ck__sq_pool_give(txn->be, txn->c);
	}
	free(txn);
}

/* Writers line up on a flock before BEGIN IMMEDIATE: a blocked flock wakes
 * the moment the lock is free, where SQLite's own busy wait can only poll,
 * so many concurrent writers neither spin nor starve.  The kernel drops the
 * lock of a killed writer. */
static int queue_writer(ck_backend_txn *txn)
{
	ck__sq_conn *c = txn->c;

	if (c->wlock_fd < 0) {
		char *path = ck__asprintf("%s-wlock", txn->be->path);
		if (!path)
			return ck__oom();
		c->wlock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (c->wlock_fd < 0) {
			int ret = ck__error_errno(ck__errno_code(errno), "state database %s: cannot open %s",
			                          txn->be->path, path);
			free(path);
			return ret;
		}
		free(path);
	}
	while (flock(c->wlock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return ck__error_errno(CK_EIO, "state database %s: cannot queue a writer", txn->be->path);
	txn->queued = true;
	return CK_OK;
}

static int txn_usable(ck_backend_txn *txn, bool writing)
{
	if (txn->dead)
		return ck__error_set(txn->dead,
		                     "state database %s: the transaction was rolled back after an earlier failure",
		                     txn->be->path);
	if (writing && !txn->write)
		return ck__error_set(CK_EINVAL, "state database %s: cannot write in a read transaction",
		                     txn->be->path);
	return CK_OK;
}

static int sq_begin(ck_backend_txn **out, ck_backend *be, int write)
{
	ck_backend_txn *txn;
	int ret;

	*out = NULL;
	if (write && (be->flags & CK_BACKEND_READONLY))
		return ck__error_set(CK_EPERM, "state database %s was opened read-only", be->path);
	if (!(txn = calloc(1, sizeof(*txn))))
		return ck__oom();
	txn->be = be;
	txn->write = write != 0;
	if ((ret = ck__sq_pool_take(be, &txn->c)) < 0)
		goto fail;
	if (write && (ret = queue_writer(txn)) < 0)
		goto fail;
	if (write == CK_BACKEND_TXN_RELAXED) {
		/* WAL with synchronous=NORMAL: the commit appends to the WAL
		 * without an fsync; the next FULL commit or checkpoint syncs it,
		 * and recovery keeps the WAL's order. */
		if ((ret = ck__sq_conn_run(be, txn->c, ST_SYNC_NORMAL, "relaxing the commit")) < 0)
			goto fail;
		txn->relaxed = true;
	}
	if (write) {
		/* IMMEDIATE takes the write lock now (waiting busy_timeout for it),
		 * rather than failing at the first write with no wait at all. */
		ret = ck__sq_conn_run(be, txn->c, ST_BEGIN_WRITE, "starting a write transaction");
	} else {
		/* A deferred BEGIN takes no snapshot until the first read; read now
		 * so the snapshot is that of begin(), not of the first get(). */
		ret = ck__sq_conn_run(be, txn->c, ST_BEGIN_READ, "starting a read transaction");
		if (ret == CK_OK)
			ret = ck__sq_conn_run(be, txn->c, ST_PIN, "starting a read transaction");
	}
	if (ret < 0)
		goto fail;
	*out = txn;
	return CK_OK;
fail:
	txn_end(txn);
	return ret;
}

static int sq_commit(ck_backend_txn *txn)
{
	int ret;

	if (!txn)
		return CK_OK;
	ret = txn_usable(txn, false);
	if (ret == CK_OK)
		ret = ck__sq_conn_run(txn->be, txn->c, ST_COMMIT, "committing");
	/* A COMMIT that failed busy leaves the transaction open: roll it back. */
	txn_end(txn);
	return ret;
}

static void sq_abort(ck_backend_txn *txn)
{
	if (txn)
		txn_end(txn);
}

/* ---- reads and writes ---- */

static int bind_pair(sqlite3_stmt *st, const char *bucket, const char *key)
{
	int rc = sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	return rc;
}

static int bad_args(const ck_backend_txn *txn, const char *bucket, const char *key)
{
	return ck__error_set(CK_EINVAL, "state database %s: %s", txn->be->path,
	                     !bucket ? "no bucket name given" : !key ? "no key given" : "empty key");
}

static int sq_get(void **val, size_t *len, ck_backend_txn *txn, const char *bucket, const char *key)
{
	sqlite3_stmt *st;
	const void *data;
	char *copy;
	int ret, rc, n;

	*val = NULL;
	*len = 0;
	if (!bucket || !key)
		return bad_args(txn, bucket, key);
	if ((ret = txn_usable(txn, false)) < 0 || (ret = ck__sq_stmt_take(txn->be, txn->c, ST_GET, &st)) < 0)
		return ret;
	if ((rc = bind_pair(st, bucket, key)) == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		data = sqlite3_column_blob(st, 0);
		n = sqlite3_column_bytes(st, 0);
		/* A NULL pointer is an empty value, or SQLite ran out of memory. */
		if ((!data && n > 0) || !(copy = ck_backend_alloc((size_t)n + 1))) {
			ret = ck__oom();
		} else {
			if (n > 0)
				memcpy(copy, data, (size_t)n);
			copy[n] = '\0';
			*val = copy;
			*len = (size_t)n;
		}
	} else if (rc == SQLITE_DONE) {
		ret = ck__error_set(CK_ENOTFOUND, "state database %s: key \"%s\" not found in bucket \"%s\"",
		                    txn->be->path, key, bucket);
	} else {
		ret = txn_fail(txn, rc, "reading key \"%s\" in bucket \"%s\"", key, bucket);
	}
	ck__sq_stmt_give(txn->c, ST_GET, st);
	return ret;
}

static int sq_put(ck_backend_txn *txn, const char *bucket, const char *key, const void *val, size_t len)
{
	sqlite3_stmt *st;
	int ret, rc;

	if (!bucket || !key || !*key)
		return bad_args(txn, bucket, key);
	if (!val && len > 0)
		return ck__error_set(CK_EINVAL, "state database %s: no value given for key \"%s\"",
		                     txn->be->path, key);
	if ((ret = txn_usable(txn, true)) < 0 || (ret = ck__sq_stmt_take(txn->be, txn->c, ST_PUT, &st)) < 0)
		return ret;
	/* A NULL blob pointer would bind SQL NULL, which NOT NULL refuses. */
	if ((rc = bind_pair(st, bucket, key)) == SQLITE_OK)
		rc = sqlite3_bind_blob64(st, 3, val ? val : "", len, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = txn_fail(txn, rc, "writing key \"%s\" in bucket \"%s\"", key, bucket);
	ck__sq_stmt_give(txn->c, ST_PUT, st);
	return ret;
}

static int sq_del(ck_backend_txn *txn, const char *bucket, const char *key)
{
	sqlite3_stmt *st;
	int ret, rc;

	if (!bucket || !key)
		return bad_args(txn, bucket, key);
	if ((ret = txn_usable(txn, true)) < 0 || (ret = ck__sq_stmt_take(txn->be, txn->c, ST_DEL, &st)) < 0)
		return ret;
	if ((rc = bind_pair(st, bucket, key)) == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = txn_fail(txn, rc, "deleting key \"%s\" in bucket \"%s\"", key, bucket);
	else if (sqlite3_changes(txn->c->db) == 0)
		ret = ck__error_set(CK_ENOTFOUND, "state database %s: key \"%s\" not found in bucket \"%s\"",
		                    txn->be->path, key, bucket);
	ck__sq_stmt_give(txn->c, ST_DEL, st);
	return ret;
}

static int sq_scan(ck_backend_txn *txn, const char *bucket, const char *prefix,
                   ck_backend_scan_fn fn, void *payload)
{
	sqlite3_stmt *st;
	char *upper = NULL;
	size_t n, m;
	int id, ret, rc;

	if (!bucket)
		return bad_args(txn, bucket, "");
	if (!prefix)
		prefix = "";
	if ((ret = txn_usable(txn, false)) < 0)
		return ret;
	/* Keys compare with memcmp (BINARY collation), so those starting with
	 * the prefix are the range [prefix, upper), upper being the prefix less
	 * its trailing 0xff bytes, with the last remaining byte incremented.  A
	 * prefix of only 0xff bytes (or none) has no such bound; the loop below
	 * then stops at the first key past the prefix. */
	n = m = strlen(prefix);
	while (m > 0 && (unsigned char)prefix[m - 1] == 0xff)
		m--;
	if (m > 0) {
		if (!(upper = malloc(m + 1)))
			return ck__oom();
		memcpy(upper, prefix, m);
		upper[m - 1] = (char)((unsigned char)upper[m - 1] + 1);
		upper[m] = '\0';
	}
	id = upper ? ST_SCAN : ST_SCAN_OPEN;
	if ((ret = ck__sq_stmt_take(txn->be, txn->c, id, &st)) < 0) {
		free(upper);
		return ret;
	}
	if ((rc = bind_pair(st, bucket, prefix)) == SQLITE_OK && upper)
		rc = sqlite3_bind_text(st, 3, upper, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *key = (const char *)sqlite3_column_text(st, 0);
			const void *data = sqlite3_column_blob(st, 1);
			int len = sqlite3_column_bytes(st, 1);

			if (!key || (!data && len > 0)) {
				ret = ck__oom();
				break;
			}
			if (strncmp(key, prefix, n) != 0)
				break;
			if ((ret = fn(key, data ? data : "", (size_t)len, payload)) != 0) {
				ret = ret < 0 ? ret : CK_OK;
				break;
			}
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = txn_fail(txn, rc, "scanning bucket \"%s\"", bucket);
	ck__sq_stmt_give(txn->c, id, st);
	free(upper);
	return ret;
}

static int sq_buckets(ck_backend_txn *txn, ck_backend_bucket_fn fn, void *payload)
{
	sqlite3_stmt *st;
	int ret, rc;

	if ((ret = txn_usable(txn, false)) < 0 ||
	    (ret = ck__sq_stmt_take(txn->be, txn->c, ST_BUCKETS, &st)) < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (!name) {
			ret = ck__oom();
			break;
		}
		if ((ret = fn(name, payload)) != 0) {
			ret = ret < 0 ? ret : CK_OK;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = txn_fail(txn, rc, "listing buckets");
	ck__sq_stmt_give(txn->c, ST_BUCKETS, st);
	return ret;
}

/* ---- maintenance ---- */

static int report(const ck_backend *be, ck_backend_problem_fn fn, void *payload, const char *detail)
{
	char *s;

	if (!fn)
		return CK_OK;
	if (!(s = ck__asprintf("state database %s: %s", be->path, detail)))
		return ck__oom();
	fn(s, payload);
	free(s);
	return CK_OK;
}

/* A damaged file may already fail to open; that is a finding, not an error
 * of check() itself. */
static int found_damage(const ck_backend *be, ck_backend_problem_fn fn, void *payload)
{
	/* Copied: the error is about to be replaced. */
	char *msg = ck__strdup(ck_error_last()->message);

	if (!msg)
		return ck__oom();
	if (fn)
		fn(msg, payload);
	free(msg);
	return ck__error_set(CK_ECORRUPT, "state database %s is damaged", be->path);
}

static int sq_check(ck_backend *be, ck_backend_problem_fn fn, void *payload)
{
	sqlite3_stmt *st = NULL;
	ck__sq_conn *c = NULL;
	int ret, rc, problems = 0;

	/* A fresh connection, so no cached page hides what is on disk. */
	if ((ret = ck__sq_conn_open(be, false, false, &c)) == CK_ECORRUPT)
		return found_damage(be, fn, payload);
	if (ret < 0)
		return ret;
	rc = sqlite3_prepare_v2(c->db, "PRAGMA integrity_check", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);

		rc = SQLITE_OK;
		if (row && strcmp(row, "ok") == 0)
			continue;
		problems++;
		if ((ret = report(be, fn, payload, row ? row : "unreadable integrity_check result")) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = ck__sq_fail(be, c, rc, "checking integrity");
		if (ret == CK_ECORRUPT)
			ret = found_damage(be, fn, payload);
		goto out;
	}
	if (problems == 0) {
		ret = ck__sq_conn_validate(be, c, false);
		if (ret == CK_ECORRUPT)
			ret = found_damage(be, fn, payload);
		else if (ret == CK_ENOTFOUND) /* empty: nothing to be damaged */
			ret = CK_OK;
		goto out;
	}
	ret = ck__error_set(CK_ECORRUPT, "state database %s is damaged: %d problem%s found", be->path,
	                    problems, problems == 1 ? "" : "s");
out:
	sqlite3_finalize(st);
	ck__sq_conn_close(c);
	return ret;
}

static const char *const *sq_files(void)
{
	static const char *const files[] = { SQ_FILE, SQ_FILE "-wal", SQ_FILE "-shm", SQ_FILE "-wlock", NULL };

	return files;
}

const ck_backend_ops ck__backend_sqlite = {
	.version = CK_BACKEND_OPS_VERSION,
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.abort = sq_abort,
	.get = sq_get,
	.put = sq_put,
	.del = sq_del,
	.scan = sq_scan,
	.buckets = sq_buckets,
	.check = sq_check,
	.files = sq_files,
};

