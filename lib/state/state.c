/* Opening a context's store, and running transactions on it: the store lock,
 * switching backends after a migration, and retrying transient conditions so
 * that "busy" never reaches a caller. */
#define _GNU_SOURCE
#include "state_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* How long a transaction keeps retrying a busy store before giving up. */
#define RETRY_DEADLINE_MS (10 * 60 * 1000)

char *ck__state_dir(const ck_context *ctx)
{
	return ck__root_path(ctx, "state");
}

char *ck__state_backend_dir(const ck_context *ctx, const char *backend)
{
	return ck__asprintf("%s/state/%s", ctx->root, backend);
}

int ck__state_marker_read(char *buf, size_t size, const ck_context *ctx)
{
	char *path = ck__root_path(ctx, "state/backend"), *text = NULL;
	int rc;

	if (!path)
		return ck__oom();
	rc = ck__read_file(&text, NULL, path, 256);
	if (rc == CK_OK) {
		text[strcspn(text, "\n")] = '\0';
		/* Garbage never reaches a message: a name is [a-z0-9]+. */
		if (!*text || strlen(text) >= size ||
		    strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(text))
			rc = ck__error_set(CK_ECORRUPT, "%s does not name a state backend (it is empty or "
			                                "holds something other than a backend's name)", path);
		else
			strcpy(buf, text);
	}
	free(text);
	free(path);
	return rc;
}

int ck__state_marker_write(const ck_context *ctx, const char *backend)
{
	char *path = ck__root_path(ctx, "state/backend");
	char *text = ck__asprintf("%s\n", backend);
	int rc = path && text ? ck__write_file_atomic(path, text, strlen(text), 0600) : ck__oom();
	free(path);
	free(text);
	return rc;
}

static int flock_wait(int fd, int op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return ck__error_errno(CK_EIO, "cannot lock the state store");
	}
	return CK_OK;
}

static int shared_acquire(struct ck__state *st)
{
	int rc = CK_OK;
	pthread_mutex_lock(&st->shared_mu);
	if (st->shared_count == 0)
		rc = flock_wait(st->lock_fd, LOCK_SH);
	if (rc == CK_OK)
		st->shared_count++;
	pthread_mutex_unlock(&st->shared_mu);
	return rc;
}

static void shared_release(struct ck__state *st)
{
	pthread_mutex_lock(&st->shared_mu);
	if (--st->shared_count == 0)
		flock(st->lock_fd, LOCK_UN);
	pthread_mutex_unlock(&st->shared_mu);
}

static void remember_marker(struct ck__state *st)
{
	struct stat sb;
	if (stat(st->marker_path, &sb) == 0) {
		st->marker_ino = sb.st_ino;
		st->marker_mtime = sb.st_mtim;
	}
}

static bool marker_changed(struct ck__state *st)
{
	struct stat sb;
	if (stat(st->marker_path, &sb) < 0)
		return false;
	return sb.st_ino != st->marker_ino || sb.st_mtim.tv_sec != st->marker_mtime.tv_sec ||
	       sb.st_mtim.tv_nsec != st->marker_mtime.tv_nsec;
}

/* A process killed while creating the store may have left the marker's
 * temporary file; under the exclusive lock nobody else is writing one. */
static void remove_marker_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (ck__str_has_prefix(de->d_name, "backend.tmp-"))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

/* Opens the backend named by the marker (creating the store and the marker
 * when there is none yet).  Called with the store lock held. */
static int open_backend(struct ck__state *st, bool create)
{
	ck_context *ctx = st->ctx;
	char name[32], *bdir = NULL;
	int rc = ck__state_marker_read(name, sizeof(name), ctx);
	bool fresh = false;

	if (rc == CK_ENOTFOUND) {
		char found[2][32];
		if (!create)
			return rc;
		ck__error_clear();
		snprintf(name, sizeof(name), "%s", ctx->db_backend);
		/* A store of another backend without its marker is a lost marker,
		 * not a store to create: a new one would hide its records.  (Our
		 * own backend's directory is an interrupted creation to finish.) */
		bdir = ck__state_backend_dir(ctx, name);
		if (!bdir)
			return ck__oom();
		if (!ck__path_exists(bdir) && ck__state_find_stores(found, 2, ctx) > 0) {
			rc = ck__error_set(CK_ECORRUPT,
			                   "the store at %s has lost its marker %s/backend, but %s/%s holds a %s store; "
			                   "run 'ck system check --repair' to name it again",
			                   ctx->root, st->dir, st->dir, found[0], found[0]);
			free(bdir);
			return rc;
		}
		free(bdir);
		bdir = NULL;
		fresh = true;
		remove_marker_temps(st->dir);
	} else if (rc == CK_ECORRUPT) {
		return ck__error_wrap(rc, "cannot open the store at %s ('ck system check --repair' names its "
		                          "backend again)", ctx->root);
	} else if (rc != CK_OK) {
		return rc;
	} else if (ctx->db_backend_explicit && strcmp(name, ctx->db_backend) != 0) {
		if ((rc = ck__backend_lookup(&st->ops, ctx->db_backend)) != CK_OK)
			return rc;
		return ck__error_set(CK_ECONFIG,
		                     "the store at %s uses the %s backend, not %s; run "
		                     "'ck system migrate --to %s' to switch it",
		                     ctx->root, name, ctx->db_backend, ctx->db_backend);
	}
	if ((rc = ck__backend_lookup(&st->ops, name)) != CK_OK)
		return fresh ? rc : ck__error_wrap(rc, "%s/backend names the store's backend", st->dir);
	bdir = ck__state_backend_dir(ctx, name);
	if (!bdir)
		return ck__oom();
	if (fresh)
		rc = ck__mkdir_p(bdir, 0700);
	if (rc == CK_OK)
		rc = st->ops->open(&st->be, bdir, fresh ? CK_BACKEND_CREATE : 0);
	if (rc == CK_ENOTFOUND)
		rc = ck__error_set(CK_ECORRUPT,
		                   "the store at %s names the %s backend, but %s holds no store; "
		                   "restore it from a backup or run 'ck system reset' "
		                   "('ck system check' names the backup)",
		                   ctx->root, name, bdir);
	else if (rc == CK_ECORRUPT)
		rc = ck__error_wrap(rc, "cannot open the %s state store (run 'ck system check' for the next step)",
		                    name);
	else if (rc != CK_OK)
		rc = ck__error_wrap(rc, "cannot open the %s state store", name);
	if (rc == CK_OK && fresh && (rc = ck__state_marker_write(ctx, name)) != CK_OK) {
		st->ops->close(st->be);
		st->be = NULL;
	}
	free(bdir);
	if (rc == CK_OK) {
		snprintf(st->backend, sizeof(st->backend), "%s", name);
		snprintf(ctx->active_backend, sizeof(ctx->active_backend), "%s", name);
		remember_marker(st);
	}
	return rc;
}

static void state_free(struct ck__state *st)
{
	if (!st)
		return;
	if (st->be)
		st->ops->close(st->be);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	pthread_mutex_destroy(&st->shared_mu);
	pthread_rwlock_destroy(&st->switch_lock);
	free(st->dir);
	free(st->marker_path);
	free(st);
}

static int state_new(struct ck__state **out, ck_context *ctx)
{
	struct ck__state *st = calloc(1, sizeof(*st));
	char *lock_path = NULL;
	int rc;

	if (!st)
		return ck__oom();
	st->ctx = ctx;
	st->lock_fd = -1;
	pthread_mutex_init(&st->shared_mu, NULL);
	pthread_rwlock_init(&st->switch_lock, NULL);
	st->dir = ck__state_dir(ctx);
	st->marker_path = ck__root_path(ctx, "state/backend");
	lock_path = ck__root_path(ctx, "state/store.lock");
	if (!st->dir || !st->marker_path || !lock_path) {
		rc = ck__oom();
		goto fail;
	}
	if ((rc = ck__mkdir_p(st->dir, 0700)) != CK_OK)
		goto fail;
	st->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0) {
		rc = ck__error_errno(ck__errno_code(errno), "cannot open the store lock %s", lock_path);
		goto fail;
	}
	/* Creating a store must not race another process creating it, so a
	 * missing marker is handled under the exclusive lock. */
	if ((rc = flock_wait(st->lock_fd, LOCK_SH)) != CK_OK)
		goto fail;
	rc = open_backend(st, false);
	flock(st->lock_fd, LOCK_UN);
	if (rc == CK_ENOTFOUND) {
		ck__error_clear();
		if ((rc = flock_wait(st->lock_fd, LOCK_EX)) != CK_OK)
			goto fail;
		rc = open_backend(st, true);
		flock(st->lock_fd, LOCK_UN);
	}
	if (rc != CK_OK)
		goto fail;
	free(lock_path);
	*out = st;
	return CK_OK;
fail:
	free(lock_path);
	state_free(st);
	return rc;
}

int ck__state_ensure(ck_context *ctx)
{
	struct ck__state *st = NULL;
	int rc = CK_OK;

	pthread_mutex_lock(&ctx->state_lock);
	if (!ctx->state) {
		rc = state_new(&st, ctx);
		if (rc == CK_OK) {
			ctx->state = st;
			ctx->state_close = state_free;
		}
	}
	pthread_mutex_unlock(&ctx->state_lock);
	if (rc == CK_OK && !__atomic_exchange_n(&ctx->state->boot_checked, 1, __ATOMIC_ACQ_REL))
		rc = ck__state_boot_check(ctx);
	return rc;
}

void ck__state_close(ck_context *ctx)
{
	pthread_mutex_lock(&ctx->state_lock);
	state_free(ctx->state);
	ctx->state = NULL;
	ctx->active_backend[0] = '\0';
	pthread_mutex_unlock(&ctx->state_lock);
}

int ck__state_lock_exclusive(ck__lock *lk, ck_context *ctx, int timeout_ms)
{
	char *dir = ck__state_dir(ctx), *path = NULL;
	int rc;

	if (!dir)
		return ck__oom();
	rc = ck__mkdir_p(dir, 0700);
	if (rc == CK_OK) {
		path = ck__path_join(dir, "store.lock");
		rc = path ? ck__lock_acquire(lk, path, true, timeout_ms) : ck__oom();
	}
	if (rc == CK_EBUSY)
		rc = ck__error_set(CK_EBUSY, "the state store at %s stayed in use by other processes for %d ms",
		                   ctx->root, timeout_ms);
	free(path);
	free(dir);
	return rc;
}

/* Follows a migration done by another process: reopen on the new backend. */
static int follow_switch(struct ck__state *st)
{
	int rc = CK_OK;

	if (!marker_changed(st))
		return CK_OK;
	pthread_rwlock_unlock(&st->switch_lock);
	pthread_rwlock_wrlock(&st->switch_lock);
	if (marker_changed(st)) {
		ck__log(st->ctx, CK_LOG_INFO, "state: the store switched backends; reopening");
		if (st->be)
			st->ops->close(st->be);
		st->be = NULL;
		rc = open_backend(st, false);
	}
	pthread_rwlock_unlock(&st->switch_lock);
	pthread_rwlock_rdlock(&st->switch_lock);
	if (rc == CK_OK && !st->be)
		rc = ck__error_set(CK_ECORRUPT, "the state store at %s could not be reopened", st->ctx->root);
	return rc;
}

static int run_txn(ck_context *ctx, int mode, ck_state_txn_fn fn, void *payload)
{
	bool write = mode != CK_BACKEND_TXN_READ;
	int64_t deadline;
	int rc, backoff_ms = 1;

	if (!ctx)
		return ck__error_set(CK_EINVAL, "context is NULL");
	if ((rc = ck__state_ensure(ctx)) != CK_OK)
		return rc;
	struct ck__state *st = ctx->state;
	deadline = ck__mono_ns() + (int64_t)RETRY_DEADLINE_MS * 1000000;
	for (;;) {
		struct ck_state_txn txn = { st, NULL, write };

		if ((rc = shared_acquire(st)) != CK_OK)
			return rc;
		pthread_rwlock_rdlock(&st->switch_lock);
		rc = follow_switch(st);
		if (rc == CK_OK)
			rc = st->ops->begin(&txn.bt, st->be,
			                    mode == CK_BACKEND_TXN_RELAXED && st->ops->version < 2 ? CK_BACKEND_TXN_WRITE
			                                                                           : mode);
		if (rc == CK_OK) {
			rc = fn(&txn, payload);
			if (rc == CK_OK && write)
				rc = st->ops->commit(txn.bt);
			else
				st->ops->abort(txn.bt);
		}
		pthread_rwlock_unlock(&st->switch_lock);
		shared_release(st);
		if (rc != CK_EAGAIN)
			return rc;
		if (ck__mono_ns() > deadline)
			return ck__error_set(CK_EBUSY, "the %s state store at %s stayed busy for %d s",
			                     st->backend, ctx->root, RETRY_DEADLINE_MS / 1000);
		ck__log(ctx, CK_LOG_TRACE, "state: transient condition, retrying: %s", ck_error_last()->message);
		ck__error_clear();
		/* Jitter keeps a crowd of retrying processes from moving in step. */
		ck__sleep_ms(backoff_ms / 2 + (int)(random() % (backoff_ms + 1)));
		if (backoff_ms < 64)
			backoff_ms *= 2;
	}
}

int ck__state_read(ck_context *ctx, ck_state_txn_fn fn, void *payload)
{
	return run_txn(ctx, CK_BACKEND_TXN_READ, fn, payload);
}

int ck__state_write(ck_context *ctx, ck_state_txn_fn fn, void *payload)
{
	return run_txn(ctx, CK_BACKEND_TXN_WRITE, fn, payload);
}

int ck__state_write_relaxed(ck_context *ctx, ck_state_txn_fn fn, void *payload)
{
	return run_txn(ctx, CK_BACKEND_TXN_RELAXED, fn, payload);
}

bool ck__txn_is_write(const ck_state_txn *txn)
{
	return txn->write;
}

ck_context *ck__txn_context(const ck_state_txn *txn)
{
	return txn->st->ctx;
}

int ck__txn_get(char **val, size_t *len, ck_state_txn *txn, const char *bucket, const char *key)
{
	void *v = NULL;
	size_t l = 0;
	int rc = txn->st->ops->get(&v, &l, txn->bt, bucket, key);

	*val = rc == CK_OK ? v : NULL;
	if (len)
		*len = rc == CK_OK ? l : 0;
	return rc;
}

int ck__txn_put(ck_state_txn *txn, const char *bucket, const char *key, const void *val, size_t len)
{
	if (!txn->write)
		return ck__error_set(CK_EINVAL, "cannot write to bucket %s in a read-only transaction", bucket);
	return txn->st->ops->put(txn->bt, bucket, key, val, len);
}

int ck__txn_put_str(ck_state_txn *txn, const char *bucket, const char *key, const char *val)
{
	return ck__txn_put(txn, bucket, key, val, strlen(val));
}

int ck__txn_del(ck_state_txn *txn, const char *bucket, const char *key)
{
	if (!txn->write)
		return ck__error_set(CK_EINVAL, "cannot delete from bucket %s in a read-only transaction", bucket);
	return txn->st->ops->del(txn->bt, bucket, key);
}

int ck__txn_scan(ck_state_txn *txn, const char *bucket, const char *prefix, ck_state_scan_fn fn,
                 void *payload)
{
	return txn->st->ops->scan(txn->bt, bucket, prefix ? prefix : "", fn, payload);
}
