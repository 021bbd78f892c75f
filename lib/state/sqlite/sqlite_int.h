/* Private to the sqlite backend: its connection pool and statement cache,
 * shared by conn.c (connections) and sqlite.c (the vtable). */
#ifndef CK_STATE_SQLITE_INT_H
#define CK_STATE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>

#include "core/core.h"

#define SQ_FILE "state.db"

enum sq_stmt_id {
	ST_BEGIN_READ,
	ST_BEGIN_WRITE,
	ST_PIN,
	ST_COMMIT,
	ST_SYNC_NORMAL,
	ST_ROLLBACK,
	ST_GET,
	ST_PUT,
	ST_DEL,
	ST_SCAN,
	ST_SCAN_OPEN,
	ST_BUCKETS,
	ST_COUNT
};

/* The text of each cached statement. */
extern const char *const ck__sq_sql[ST_COUNT];

/* One connection with its statement cache.  SQLITE_OPEN_NOMUTEX: a
 * connection is only ever used by the thread holding its transaction. */
typedef struct ck__sq_conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	bool broken; /* failed in a way that makes reuse unwise */
	int64_t busy_since; /* when the current wait for a lock began */
	int wlock_fd;       /* the writers' queue (<db>-wlock), opened on first write */
	struct ck__sq_conn *next;
} ck__sq_conn;

struct ck_backend {
	char *path;
	unsigned int flags;
	pthread_mutex_t lock; /* guards idle and nidle */
	ck__sq_conn *idle;
	unsigned int nidle;
};

/* Turns a failed SQLite call on `c` (may be NULL) into a CK_E* code and a
 * message naming the database; marks `c` broken if it should not be reused. */
int ck__sq_vfail(const ck_backend *be, ck__sq_conn *c, int rc, const char *fmt, va_list ap);
int ck__sq_fail(const ck_backend *be, ck__sq_conn *c, int rc, const char *fmt, ...) CK_PRINTF(4, 5);

/* Opens a connection, optionally checking (and with `create`, creating) the
 * schema; retries internally while another process holds a lock. */
/* vfs.c: the name of the VFS connections open with (NULL: the default). */
const char *ck__sq_vfs(void);

int ck__sq_conn_open(const ck_backend *be, bool validate, bool create, ck__sq_conn **out);
int ck__sq_conn_validate(const ck_backend *be, ck__sq_conn *c, bool create);
void ck__sq_conn_close(ck__sq_conn *c);
/* Runs a cached statement that has no parameters, ignoring its rows. */
int ck__sq_conn_run(const ck_backend *be, ck__sq_conn *c, int id, const char *what);
/* Ends any open transaction, leaving the thread's error alone. */
void ck__sq_conn_rollback(ck__sq_conn *c);

/* A statement ready to bind, and its return once done with. */
int ck__sq_stmt_take(const ck_backend *be, ck__sq_conn *c, int id, sqlite3_stmt **out);
void ck__sq_stmt_give(ck__sq_conn *c, int id, sqlite3_stmt *st);

/* An idle connection or a new one; and back to the pool (or closed). */
int ck__sq_pool_take(ck_backend *be, ck__sq_conn **out);
void ck__sq_pool_give(ck_backend *be, ck__sq_conn *c);

#endif
