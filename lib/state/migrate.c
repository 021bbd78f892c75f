/* Migration between backends: copy every pair into a new store beside the
 * old one, verify the copy pair by pair, then switch by atomically replacing
 * the marker file.  Until that rename the old store stays in charge. */
#define _GNU_SOURCE
#include "state_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 2000

struct pair {
	char *key;
	void *val;
	size_t len;
};

struct copy {
	const ck_backend_ops *to_ops;
	ck_backend *to;
	const char *bucket;
	struct pair batch[BATCH];
	size_t n;
	uint64_t done, total, bytes_done, bytes_total;
	ck_system_migrate_progress_fn progress;
	void *payload;
};

static void report(ck_system_migrate_progress_fn fn, void *payload, const char *phase, const char *object,
                   uint64_t done, uint64_t total, uint64_t bytes_done, uint64_t bytes_total)
{
	ck_system_migrate_progress p = {
		.version = CK_SYSTEM_MIGRATE_PROGRESS_VERSION, .phase = phase, .object = object ? object : "",
		.bytes_done = bytes_done, .bytes_total = bytes_total, .objects_done = done, .objects_total = total,
	};
	if (fn)
		fn(&p, payload);
}

static void batch_clear(struct copy *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->batch[i].key);
		free(c->batch[i].val);
	}
	c->n = 0;
}

/* Writes the buffered pairs in one transaction, again from the start when
 * the backend asks for it (an LMDB map that had to grow). */
static int batch_flush(struct copy *c)
{
	int rc;

	if (!c->n)
		return CK_OK;
	for (int attempt = 0; attempt < 64; attempt++) {
		ck_backend_txn *t = NULL;
		rc = c->to_ops->begin(&t, c->to, 1);
		for (size_t i = 0; rc == CK_OK && i < c->n; i++)
			rc = c->to_ops->put(t, c->bucket, c->batch[i].key, c->batch[i].val, c->batch[i].len);
		if (rc == CK_OK)
			rc = c->to_ops->commit(t);
		else if (t)
			c->to_ops->abort(t);
		if (rc != CK_EAGAIN)
			break;
		ck__error_clear();
		ck__sleep_ms(attempt < 10 ? 1 : 20);
	}
	if (rc == CK_OK) {
		c->done += c->n;
		for (size_t i = 0; i < c->n; i++)
			c->bytes_done += strlen(c->batch[i].key) + c->batch[i].len;
		report(c->progress, c->payload, "copy", c->bucket, c->done, c->total, c->bytes_done, c->bytes_total);
	}
	batch_clear(c);
	return rc;
}

static int copy_pair(const char *key, const void *val, size_t len, void *payload)
{
	struct copy *c = payload;
	struct pair *p = &c->batch[c->n];

	p->key = ck__strdup(key);
	p->val = malloc(len ? len : 1);
	if (!p->key || !p->val) {
		free(p->key);
		free(p->val);
		return ck__oom();
	}
	memcpy(p->val, val, len);
	p->len = len;
	c->n++;
	return c->n == BATCH ? batch_flush(c) : 0;
}

static int count_pair(const char *key, const void *val, size_t len, void *payload)
{
	(*(uint64_t *)payload)++;
	return 0;
}

/* Records and bytes to copy, for the progress. */
static int measure_pair(const char *key, const void *val, size_t len, void *payload)
{
	struct copy *c = payload;
	c->total++;
	c->bytes_total += strlen(key) + len;
	return 0;
}

struct names {
	char **v;
};

static int collect_bucket(const char *bucket, void *payload)
{
	return ck__strv_push(&((struct names *)payload)->v, bucket);
}

struct verify {
	const ck_backend_ops *ops;
	ck_backend_txn *other;
	const char *bucket;
	uint64_t done, total, bytes_done, bytes_total;
	ck_system_migrate_progress_fn progress;
	void *payload;
};

static int verify_pair(const char *key, const void *val, size_t len, void *payload)
{
	struct verify *v = payload;
	void *copy = NULL;
	size_t clen = 0;
	int rc = v->ops->get(&copy, &clen, v->other, v->bucket, key);

	if (rc == CK_ENOTFOUND)
		return ck__error_set(CK_ECORRUPT, "verification failed: %s/%s is missing from the copy",
		                     v->bucket, key);
	if (rc != CK_OK)
		return rc;
	rc = clen == len && memcmp(copy, val, len) == 0
	             ? CK_OK
	             : ck__error_set(CK_ECORRUPT, "verification failed: %s/%s differs in the copy", v->bucket, key);
	free(copy);
	v->bytes_done += strlen(key) + len;
	if (rc == CK_OK && ++v->done % BATCH == 0)
		report(v->progress, v->payload, "verify", NULL, v->done, v->total, v->bytes_done, v->bytes_total);
	return rc;
}

/* Every pair of `a` is in `b` with the same bytes, and both hold as many. */
static int verify_copy(const ck_backend_ops *aops, ck_backend_txn *a, const ck_backend_ops *bops,
                       ck_backend_txn *b, char **buckets, struct verify *v)
{
	int rc = CK_OK;
	for (size_t i = 0; rc == CK_OK && buckets && buckets[i]; i++) {
		uint64_t na = 0, nb = 0;
		v->ops = bops;
		v->other = b;
		v->bucket = buckets[i];
		rc = aops->scan(a, buckets[i], "", verify_pair, v);
		if (rc == CK_OK)
			rc = aops->scan(a, buckets[i], "", count_pair, &na);
		if (rc == CK_OK)
			rc = bops->scan(b, buckets[i], "", count_pair, &nb);
		if (rc == CK_OK && na != nb)
			rc = ck__error_set(CK_ECORRUPT, "verification failed: bucket %s has %llu pairs, the copy %llu",
			                   buckets[i], (unsigned long long)na, (unsigned long long)nb);
	}
	if (rc == CK_OK) {
		struct names bb = { NULL };
		rc = bops->buckets(b, collect_bucket, &bb);
		if (rc == CK_OK && ck__strv_len(bb.v) != ck__strv_len(buckets))
			rc = ck__error_set(CK_ECORRUPT, "verification failed: the copy has %zu buckets, the store %zu",
			                   ck__strv_len(bb.v), ck__strv_len(buckets));
		ck_strv_free(bb.v);
	}
	return rc;
}

/* Removes temporary stores of earlier, interrupted migrations. */
static void remove_leftovers(const char *sdir)
{
	DIR *d = opendir(sdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".migrating-")) {
			char *p = ck__path_join(sdir, de->d_name);
			if (p)
				ck__rm_rf(p);
			free(p);
		}
	closedir(d);
	ck__error_clear();
}

static char *backup_name(const char *sdir, const char *backend)
{
	char stamp[32];
	ck__rfc3339(stamp, sizeof(stamp), ck__now_ns());
	stamp[19] = '\0'; /* seconds are enough */
	for (char *p = stamp; *p; p++)
		if (*p == ':')
			*p = '-';
	for (int i = 0; i < 1000; i++) {
		char *p = i ? ck__asprintf("%s/%s.backup-%s.%d", sdir, backend, stamp, i)
		            : ck__asprintf("%s/%s.backup-%s", sdir, backend, stamp);
		if (!p || !ck__path_exists(p))
			return p;
		free(p);
	}
	return NULL;
}

struct migration {
	ck_context *ctx;
	const ck_backend_ops *from_ops, *to_ops;
	ck_backend *from, *to;
	char from_name[32];
	char *sdir, *from_dir, *to_dir, *tmp_dir;
};

static int do_copy(struct migration *m, ck_system_migrate_progress_fn progress, void *payload)
{
	ck_backend_txn *src = NULL, *dst = NULL;
	struct names buckets = { NULL };
	struct copy *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return ck__oom();
	c->to_ops = m->to_ops;
	c->to = m->to;
	c->progress = progress;
	c->payload = payload;
	rc = m->from_ops->begin(&src, m->from, 0);
	if (rc == CK_OK)
		rc = m->from_ops->buckets(src, collect_bucket, &buckets);
	for (size_t i = 0; rc == CK_OK && buckets.v && buckets.v[i]; i++)
		rc = m->from_ops->scan(src, buckets.v[i], "", measure_pair, c);
	for (size_t i = 0; rc == CK_OK && buckets.v && buckets.v[i]; i++) {
		c->bucket = buckets.v[i];
		rc = m->from_ops->scan(src, buckets.v[i], "", copy_pair, c);
		if (rc == CK_OK)
			rc = batch_flush(c);
	}
	batch_clear(c);
	if (rc == CK_OK)
		rc = m->to_ops->begin(&dst, m->to, 0);
	if (rc == CK_OK) {
		struct verify v = { NULL, NULL, NULL, 0, c->total, 0, c->bytes_total, progress, payload };
		rc = verify_copy(m->from_ops, src, m->to_ops, dst, buckets.v, &v);
		if (rc == CK_OK)
			report(progress, payload, "verify", NULL, v.done, c->total, v.bytes_done, c->bytes_total);
		m->to_ops->abort(dst);
	}
	if (src)
		m->from_ops->abort(src);
	ck_strv_free(buckets.v);
	free(c);
	return rc;
}

static void migration_free(struct migration *m)
{
	if (m->from)
		m->from_ops->close(m->from);
	if (m->to)
		m->to_ops->close(m->to);
	free(m->sdir);
	free(m->from_dir);
	free(m->to_dir);
	free(m->tmp_dir);
}

int ck__state_migrate(char **backup_path, ck_context *ctx, const char *to,
                      ck_system_migrate_progress_fn progress, void *payload)
{
	struct migration m;
	ck__lock lk = CK__LOCK_INIT;
	char *backup = NULL, *old_target = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	if ((rc = ck__backend_lookup(&m.to_ops, to)) != CK_OK)
		return rc;
	/* Make sure a store exists (a fresh one is created empty). */
	if ((rc = ck__state_ensure(ctx)) != CK_OK)
		return rc;
	if ((rc = ck__state_lock_exclusive(&lk, ctx, 60000)) != CK_OK)
		return rc;
	if ((rc = ck__state_marker_read(m.from_name, sizeof(m.from_name), ctx)) != CK_OK)
		goto out;
	if (!strcmp(m.from_name, to)) {
		rc = ck__error_set(CK_EINVAL, "the store at %s already uses the %s backend", ctx->root, to);
		goto out;
	}
	if ((rc = ck__backend_lookup(&m.from_ops, m.from_name)) != CK_OK)
		goto out;
	m.sdir = ck__state_dir(ctx);
	m.from_dir = ck__state_backend_dir(ctx, m.from_name);
	m.to_dir = ck__state_backend_dir(ctx, to);
	m.tmp_dir = ck__asprintf("%s/%s.migrating-%d", m.sdir ? m.sdir : "", to, (int)getpid());
	if (!m.sdir || !m.from_dir || !m.to_dir || !m.tmp_dir) {
		rc = ck__oom();
		goto out;
	}
	remove_leftovers(m.sdir);
	if ((rc = ck__mkdir_p(m.tmp_dir, 0700)) != CK_OK)
		goto out;
	if ((rc = m.from_ops->open(&m.from, m.from_dir, 0)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot open the %s store to migrate it", m.from_name);
		goto out;
	}
	if ((rc = m.to_ops->open(&m.to, m.tmp_dir, CK_BACKEND_CREATE)) != CK_OK) {
		rc = ck__error_wrap(rc, "cannot create the %s store", to);
		goto out;
	}
	if ((rc = do_copy(&m, progress, payload)) != CK_OK) {
		rc = ck__error_wrap(rc, "migration to %s failed; the %s store stays in charge", to, m.from_name);
		goto out;
	}
	m.to_ops->close(m.to);
	m.to = NULL;
	m.from_ops->close(m.from);
	m.from = NULL;
	/* A store of the target kind left by an earlier migration is kept too. */
	if (ck__path_exists(m.to_dir)) {
		if (!(old_target = backup_name(m.sdir, to))) {
			rc = ck__oom();
			goto out;
		}
		if (rename(m.to_dir, old_target) < 0) {
			rc = ck__error_errno(CK_EIO, "cannot move the old %s store aside", to);
			goto out;
		}
	}
	if (rename(m.tmp_dir, m.to_dir) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot move the new %s store into place", to);
		goto out;
	}
	if ((rc = ck__fsync_dir(m.sdir)) != CK_OK)
		goto out;
	/* The switch: from here on the new store is in charge. */
	if ((rc = ck__state_marker_write(ctx, to)) != CK_OK)
		goto out;
	ck__state_close(ctx);
	/* This context asked for the old backend; from now on it means the new. */
	char *requested = ck__strdup(to);
	if (requested) {
		free(ctx->db_backend);
		ctx->db_backend = requested;
	}
	if (!(backup = backup_name(m.sdir, m.from_name))) {
		rc = ck__oom();
		goto out;
	}
	if (rename(m.from_dir, backup) < 0) {
		ck__log(ctx, CK_LOG_WARN, "migration: the old store stays at %s", m.from_dir);
		free(backup);
		backup = ck__strdup(m.from_dir);
	}
	ck__fsync_dir(m.sdir);
	ck__log(ctx, CK_LOG_INFO, "migrated the store at %s from %s to %s; backup at %s", ctx->root,
	        m.from_name, to, backup ? backup : "?");
	if (backup_path) {
		*backup_path = backup;
		backup = NULL;
	}
out:
	if (rc != CK_OK && m.tmp_dir && ck__path_exists(m.tmp_dir)) {
		if (m.to) {
			m.to_ops->close(m.to);
			m.to = NULL;
		}
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		ck__rm_rf(m.tmp_dir);
		ck__error_set(rc, "%s", saved);
	}
	free(backup);
	free(old_target);
	migration_free(&m);
	ck__lock_release(&lk);
	return rc;
}
