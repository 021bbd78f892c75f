/* Connections of the sqlite backend: opening and setting them up, checking
 * the schema, caching statements, pooling, and mapping SQLite's errors. */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_int.h"

#define SQ_APP_ID      0x434b4954 /* "CKIT" */
#define SQ_VERSION     1          /* PRAGMA user_version of this schema */
#define SQ_BUSY_MS     2000       /* SQLite's own wait for a lock */
#define SQ_MMAP_SIZE   "268435456" /* bytes of the file read through mmap */
#define SQ_CHECKPOINT  256        /* WAL pages (~1 MiB) before a checkpoint */
#define SQ_WAL_KEEP    "4194304"  /* bytes of WAL file kept after a checkpoint */
#define SQ_POOL_MAX    8          /* idle connections kept per store */
#define SQ_OPEN_MS     5000       /* retrying a busy open stops after this */

/* Waits for a lock in short, jittered steps.  SQLite's built-in busy
 * timeout sleeps up to 100 ms at a time, which with many writers makes the
 * slowest commits wait far longer than the lock is actually held. */
static int busy_wait(void *payload, int count)
{
	ck__sq_conn *c = payload;
	int64_t now = ck__mono_ns();
	int step_us;

	if (count == 0)
		c->busy_since = now;
	if (now - c->busy_since > (int64_t)SQ_BUSY_MS * 1000000)
		return 0; /* SQLITE_BUSY: the state layer reruns the transaction */
	step_us = count < 10 ? 50 << (count / 2) : 2000;
	step_us = step_us / 2 + (int)(random() % (step_us / 2 + 1));
	struct timespec ts = { 0, (long)step_us * 1000 };
	nanosleep(&ts, NULL);
	return 1;
}

const char *const ck__sq_sql[ST_COUNT] = {
	[ST_BEGIN_READ] = "BEGIN",
	[ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[ST_PIN] = "SELECT 1 FROM sqlite_schema LIMIT 1",
	[ST_COMMIT] = "COMMIT",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_GET] = "SELECT value FROM kv WHERE bucket = ?1 AND key = ?2",
	[ST_PUT] = "INSERT INTO kv(bucket, key, value) VALUES (?1, ?2, ?3)"
	           " ON CONFLICT(bucket, key) DO UPDATE SET value = excluded.value",
	[ST_DEL] = "DELETE FROM kv WHERE bucket = ?1 AND key = ?2",
	[ST_SCAN] = "SELECT key, value FROM kv"
	            " WHERE bucket = ?1 AND key >= ?2 AND key < ?3 ORDER BY key",
	[ST_SCAN_OPEN] = "SELECT key, value FROM kv"
	                 " WHERE bucket = ?1 AND key >= ?2 ORDER BY key",
	[ST_BUCKETS] = "SELECT DISTINCT bucket FROM kv ORDER BY bucket",
};

/* ---- errors ---- */

int ck__sq_vfail(const ck_backend *be, ck__sq_conn *c, int rc, const char *fmt, va_list ap)
{
	sqlite3 *db = c ? c->db : NULL;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int err = 0, code;
	char what[256];

	vsnprintf(what, sizeof(what), fmt, ap);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL:
	case SQLITE_SCHEMA:
		/* Another connection holds the lock or changed the schema.  The
		 * library reruns the whole transaction, so SQLite's text ("database
		 * is locked") would only mislead if it ever surfaced. */
		return ck__error_set(CK_EAGAIN, "state database %s: %s: busy, the transaction must be run again",
		                     be->path, what);
	case SQLITE_NOMEM:
		return ck__oom();
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = CK_ECORRUPT;
		break;
	case SQLITE_FULL:
		code = CK_EIO;
		err = ENOSPC;
		break;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		/* Only these two codes update sqlite3_system_errno(). */
		err = db ? sqlite3_system_errno(db) : 0;
		code = CK_EIO;
		if ((rc & 0xff) == SQLITE_CANTOPEN && err == ENOENT)
			code = CK_ENOTFOUND;
		else if (err == EACCES || err == EPERM || err == EROFS)
			code = CK_EPERM;
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		code = CK_EPERM;
		break;
	case SQLITE_TOOBIG:
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		code = CK_EINVAL;
		break;
	default:
		code = CK_ERROR;
		break;
	}
	if (c && (code == CK_EIO || code == CK_ECORRUPT || code == CK_ERROR))
		c->broken = true;
	if (err)
		return ck__error_sys(code, err, "state database %s: %s: %s", be->path, what, msg);
	return ck__error_set(code, "state database %s: %s: %s", be->path, what, msg);
}

int ck__sq_fail(const ck_backend *be, ck__sq_conn *c, int rc, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ck__sq_vfail(be, c, rc, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- connections ---- */

void ck__sq_conn_close(ck__sq_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close_v2(c->db);
	if (c->wlock_fd >= 0)
		close(c->wlock_fd);
	free(c);
}

/* A prepared statement of `c`: the cached one, unless it is in the middle of
 * a scan (whose callback may read through the same transaction), in which
 * case a one-off copy that ck__sq_stmt_give() finalizes. */
int ck__sq_stmt_take(const ck_backend *be, ck__sq_conn *c, int id, sqlite3_stmt **out)
{
	sqlite3_stmt *st = c->st[id];
	int rc;

	if (st && !sqlite3_stmt_busy(st)) {
		*out = st;
		return CK_OK;
	}
	rc = sqlite3_prepare_v3(c->db, ck__sq_sql[id], -1, st ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return ck__sq_fail(be, c, rc, "preparing a statement");
	if (!c->st[id])
		c->st[id] = st;
	*out = st;
	return CK_OK;
}

void ck__sq_stmt_give(ck__sq_conn *c, int id, sqlite3_stmt *st)
{
	if (st != c->st[id]) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement without parameters, ignoring any rows. */
int ck__sq_conn_run(const ck_backend *be, ck__sq_conn *c, int id, const char *what)
{
	sqlite3_stmt *st;
	int ret, rc;

	if ((ret = ck__sq_stmt_take(be, c, id, &st)) < 0)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = ck__sq_fail(be, c, rc, "%s", what);
	ck__sq_stmt_give(c, id, st);
	return ret;
}

/* Ends whatever transaction `c` is in without touching the thread's error,
 * which still describes the failure that got us here. */
void ck__sq_conn_rollback(ck__sq_conn *c)
{
	sqlite3_stmt *st = c->st[ST_ROLLBACK];
	int rc;

	if (sqlite3_get_autocommit(c->db))
		return;
	if (!st && sqlite3_prepare_v3(c->db, ck__sq_sql[ST_ROLLBACK], -1, SQLITE_PREPARE_PERSISTENT,
	                              &c->st[ST_ROLLBACK], NULL) != SQLITE_OK) {
		c->broken = true;
		return;
	}
	st = c->st[ST_ROLLBACK];
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || !sqlite3_get_autocommit(c->db))
		c->broken = true;
}

/* Runs one-off setup SQL, possibly several statements. */
static int conn_exec(const ck_backend *be, ck__sq_conn *c, const char *sql, const char *what)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CK_OK : ck__sq_fail(be, c, rc, "%s", what);
}

static int conn_wal(const ck_backend *be, ck__sq_conn *c)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc, ret = CK_OK;

	rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ck__sq_fail(be, c, rc, "opening");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = ck__sq_fail(be, c, rc, "switching to WAL mode");
	} else {
		mode = (const char *)sqlite3_column_text(st, 0);
		if (!mode || strcmp(mode, "wal") != 0)
			ret = ck__error_set(CK_EIO, "state database %s: cannot switch to WAL mode (still %s)",
			                    be->path, mode ? mode : "unknown");
	}
	sqlite3_finalize(st);
	return ret;
}

/* Opens a connection and sets it up; no schema check. */
static int conn_connect(const ck_backend *be, bool create, ck__sq_conn **out)
{
	bool ro = be->flags & CK_BACKEND_READONLY;
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	ck__sq_conn *c;
	int rc, ret;
	char sql[128];

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return ck__oom();
	c->wlock_fd = -1;
	oflags |= ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (create && !ro)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(be->path, &c->db, oflags, ck__sq_vfs());
	if (rc != SQLITE_OK) {
		ret = ck__sq_fail(be, c, rc, "opening");
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, busy_wait, c);
	/* Reads through a mapping of the file rather than a pread per page: a
	 * process that lists a thousand containers reads most of the file. */
	if ((ret = conn_exec(be, c, "PRAGMA mmap_size = " SQ_MMAP_SIZE, "opening")) < 0)
		goto fail;
	if (!ro) {
		/* WAL: readers never wait for the writer, nor the writer for them.
		 * synchronous=FULL syncs the WAL at every commit, so a commit that
		 * returned survives power loss; NORMAL would only sync at
		 * checkpoints and could lose the last commits. */
		if ((ret = conn_wal(be, c)) < 0)
			goto fail;
		/* The WAL file stays, with its blocks: it is neither deleted
		 * and made again (which would sync the directory) nor
		 * truncated after a checkpoint (journal_size_limit keeps up to
		 * SQ_WAL_KEEP), so a commit overwrites blocks the file has and
		 * its sync need not write the file's size to the journal too.
		 * The last connection to close does not checkpoint: that cost
		 * a copy and two more syncs at the end of every short-lived
		 * process.  Checkpoints run every SQ_CHECKPOINT pages instead,
		 * which also bounds what the next first opener reads to
		 * rebuild the WAL's index. */
		int one = 1;
		sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
		sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		snprintf(sql, sizeof(sql), "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = %d; "
		         "PRAGMA journal_size_limit = " SQ_WAL_KEEP, SQ_CHECKPOINT);
		if ((ret = conn_exec(be, c, sql, "opening")) < 0)
			goto fail;
	}
	*out = c;
	return CK_OK;
fail:
	ck__sq_conn_close(c);
	return ret;
}

typedef struct sq_probe {
	long long app_id, version, objects, kv_tables;
} sq_probe;

/* Reads what identifies the file, in one statement and so one snapshot.  It
 * reads the header and the schema pages, so a damaged file fails here. */
static int conn_probe(const ck_backend *be, ck__sq_conn *c, sq_probe *p)
{
	static const char sql[] =
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_schema),"
		" (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'kv')";
	sqlite3_stmt *st = NULL;
	int rc, ret = CK_OK;

	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		p->app_id = sqlite3_column_int64(st, 0);
		p->version = sqlite3_column_int64(st, 1);
		p->objects = sqlite3_column_int64(st, 2);
		p->kv_tables = sqlite3_column_int64(st, 3);
	} else {
		ret = ck__sq_fail(be, c, rc, "reading the schema");
	}
	sqlite3_finalize(st);
	return ret;
}

/* Creates the schema in an empty database, unless another process beat us
 * to it while we waited for the write lock. */
static int conn_init(const ck_backend *be, ck__sq_conn *c)
{
	sq_probe p;
	char sql[256];
	int ret;

	if ((ret = conn_exec(be, c, "BEGIN IMMEDIATE", "creating the schema")) < 0)
		return ret;
	if ((ret = conn_probe(be, c, &p)) < 0)
		goto out;
	if (p.app_id == 0 && p.objects == 0) {
		snprintf(sql, sizeof(sql),
		         "CREATE TABLE kv(bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
		         " PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
		         " PRAGMA application_id = %d; PRAGMA user_version = %d;",
		         SQ_APP_ID, SQ_VERSION);
		if ((ret = conn_exec(be, c, sql, "creating the schema")) < 0)
			goto out;
	}
	ret = conn_exec(be, c, "COMMIT", "creating the schema");
out:
	ck__sq_conn_rollback(c);
	return ret;
}

/* Makes sure the file is ours, creating the schema if it is empty and
 * `create` allows, and touches the table so that damage shows now. */
int ck__sq_conn_validate(const ck_backend *be, ck__sq_conn *c, bool create)
{
	sq_probe p;
	int ret;

	for (;;) {
		if ((ret = conn_probe(be, c, &p)) < 0)
			return ret;
		if (p.app_id == SQ_APP_ID)
			break;
		if (p.app_id != 0 || p.objects != 0)
			return ck__error_set(CK_ECORRUPT, "%s is not a containerkit state database", be->path);
		if (!create)
			return ck__error_set(CK_ENOTFOUND, "state database %s is empty", be->path);
		if ((ret = conn_init(be, c)) < 0)
			return ret;
		create = false;
	}
	if (p.kv_tables != 1)
		return ck__error_set(CK_ECORRUPT,
		                     "%s is not a containerkit state database (its kv table is missing)",
		                     be->path);
	if (p.version > SQ_VERSION)
		return ck__error_set(CK_EVERSION,
		                     "state database %s has schema version %lld; this library knows up to %d",
		                     be->path, p.version, SQ_VERSION);
	if (p.version < SQ_VERSION)
		return ck__error_set(CK_ECORRUPT, "state database %s has unknown schema version %lld",
		                     be->path, p.version);
	return conn_exec(be, c, "SELECT 1 FROM kv LIMIT 1", "reading");
}

/* Opens a connection, retrying with a short backoff while another process
 * holds a lock that SQLite does not always wait for (changing the journal
 * mode, recovering the WAL).  A deadline rather than a count of attempts:
 * one attempt may itself wait SQ_BUSY_MS. */
int ck__sq_conn_open(const ck_backend *be, bool validate, bool create, ck__sq_conn **out)
{
	int64_t deadline = ck__mono_ns() + (int64_t)SQ_OPEN_MS * 1000000;

	for (int attempt = 1;; attempt++) {
		ck__sq_conn *c = NULL;
		int ret = conn_connect(be, create, &c);

		if (ret == CK_OK && validate)
			ret = ck__sq_conn_validate(be, c, create);
		if (ret == CK_OK) {
			*out = c;
			return CK_OK;
		}
		ck__sq_conn_close(c);
		if (ret != CK_EAGAIN || ck__mono_ns() >= deadline)
			return ret;
		ck__sleep_ms(attempt < 10 ? attempt * 5 : 50);
	}
}

/* ---- the pool ---- */

int ck__sq_pool_take(ck_backend *be, ck__sq_conn **out)
{
	ck__sq_conn *c;

	pthread_mutex_lock(&be->lock);
	if ((c = be->idle)) {
		be->idle = c->next;
		be->nidle--;
	}
	pthread_mutex_unlock(&be->lock);
	if (c) {
		c->next = NULL;
		*out = c;
		return CK_OK;
	}
	return ck__sq_conn_open(be, false, false, out);
}

void ck__sq_pool_give(ck_backend *be, ck__sq_conn *c)
{
	if (!c)
		return;
	if (!c->broken && sqlite3_get_autocommit(c->db)) {
		pthread_mutex_lock(&be->lock);
		if (be->nidle < SQ_POOL_MAX) {
			c->next = be->idle;
			be->idle = c;
			be->nidle++;
			c = NULL;
		}
		pthread_mutex_unlock(&be->lock);
	}
	ck__sq_conn_close(c);
}

