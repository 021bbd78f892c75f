/* The integrity check of the "lmdb" state backend: walks every page it can
 * reach through LMDB and reports what is damaged. */
#include "lmdb_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LMDB's handle of its free-page database; not in lmdb.h, fixed by its
 * file format. */
#define FREE_DBI 0
/* check() begins this many transactions at most for one step that keeps
 * meeting buckets new to the process or a map grown elsewhere. */
#define CHECK_RETRIES 16

/* Problems are collected first and reported at the end, so that a step run
 * again after CK_EAGAIN does not report one twice. */
typedef struct problems {
	char **v;
	size_t n, cap;
} problems;

static int problem(problems *p, const char *fmt, ...) CK_PRINTF(2, 3);
static int problem(problems *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return ck__oom();
		p->v = v;
		p->cap = cap;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return ck__oom();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	p->v[p->n++] = s;
	return CK_OK;
}

static void problems_free(problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

typedef struct found {
	char *name;
	MDB_dbi dbi;
} found;

/* Lists the buckets and gets their handles.  A corrupted main database
 * ends the list where the damage starts. */
static int list_buckets(ck_backend_txn *t, found *out, size_t *n, problems *p)
{
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_val k, v;
	char *name;
	int rc, code = CK_OK;

	*n = 0;
	if ((rc = ck__lmdb_names_open(&cur, &name, t)))
		return rc < 0 ? rc : problem(p, "main database: %s", mdb_strerror(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		MDB_dbi dbi;
		int r;

		if (!ck__lmdb_bucket_name(be, &k, name)) {
			code = problem(p, "main database: a key of %zu bytes is not a bucket name", k.mv_size);
		} else if ((r = ck__lmdb_resolve(t, name, false, &dbi)) == CK_ECORRUPT) {
			code = problem(p, "main database: %s is not a bucket", name);
		} else if (r < 0) {
			code = r;
		} else if (r == 0 && *n < CK__LMDB_MAXDBS) {
			if (!(out[*n].name = ck__strdup(name)))
				code = ck__oom();
			else
				out[(*n)++].dbi = dbi;
		}
		if (code)
			goto out;
	}
	if (rc != MDB_NOTFOUND)
		code = problem(p, "main database: %s", mdb_strerror(rc));
out:
	ck__lmdb_names_close(cur, name);
	return code;
}

/* Reads every key and value of one bucket: LMDB verifies the type and number
 * of each page it visits, and the values are touched so that their overflow
 * pages are read too. */
static int walk_bucket(ck_backend_txn *t, const found *b, problems *p)
{
	const char *label = strcmp(b->name, CK__LMDB_META_DB) ? b->name : "(reserved " CK__LMDB_META_DB ")";
	ck_backend *be = t->be;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat st;
	volatile unsigned char sink = 0;
	size_t count = 0, bad_keys = 0;
	int rc, code = CK_OK;

	if ((rc = mdb_stat(t->txn, b->dbi, &st)))
		return problem(p, "bucket %s: %s", label, mdb_strerror(rc));
	if ((rc = mdb_cursor_open(t->txn, b->dbi, &cur)))
		return problem(p, "bucket %s: %s", label, mdb_strerror(rc));
	ck__lmdb_guard_cursor(cur, true);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const unsigned char *d = v.mv_data;

		count++;
		if (!ck__lmdb_in_file(be, &k) || !ck__lmdb_in_file(be, &v)) {
			/* Stop here: what follows is as untrustworthy. */
			code = problem(p, "bucket %s: pair %zu runs past the end of the file", label, count);
			break;
		}
		if (!k.mv_size || memchr(k.mv_data, 0, k.mv_size))
			bad_keys++;
		for (size_t i = 0; i < v.mv_size; i += 512)
			sink ^= d[i];
		if (v.mv_size)
			sink ^= d[v.mv_size - 1];
	}
	ck__lmdb_guard_cursor(cur, false);
	mdb_cursor_close(cur);
	(void)sink;
	if (!code && bad_keys)
		code = problem(p, "bucket %s: %zu keys are empty or hold a NUL byte", label, bad_keys);
	if (code || rc == 0)
		return code;
	if (rc != MDB_NOTFOUND)
		return problem(p, "bucket %s: %s after %zu keys", label, mdb_strerror(rc), count);
	if (count != st.ms_entries)
		return problem(p, "bucket %s: %zu keys found, but its header counts %zu", label, count,
		               (size_t)st.ms_entries);
	if (!strcmp(b->name, CK__LMDB_META_DB)) {
		k.mv_data = CK__LMDB_FORMAT_KEY;
		k.mv_size = strlen(CK__LMDB_FORMAT_KEY);
		rc = mdb_get(t->txn, b->dbi, &k, &v);
		if (rc || !ck__lmdb_in_file(be, &v) || v.mv_size != strlen(CK__LMDB_FORMAT) || memcmp(v.mv_data, CK__LMDB_FORMAT, v.mv_size))
			return problem(p, "the format marker is missing or wrong");
	}
	return CK_OK;
}

/* The free-page list must only name pages that exist and are not the two
 * meta pages; a bad entry would hand live or missing pages to a writer. */
static int walk_freelist(ck_backend_txn *t, problems *p)
{
	MDB_envinfo info;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, code = CK_OK;

	mdb_env_info(t->be->env, &info);
	if ((rc = mdb_cursor_open(t->txn, FREE_DBI, &cur)))
		return problem(p, "free-page list: %s", mdb_strerror(rc));
	ck__lmdb_guard_cursor(cur, true);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t n, pg;

		if (!ck__lmdb_in_file(t->be, &v) || v.mv_size < sizeof(size_t) || v.mv_size % sizeof(size_t)) {
			code = problem(p, "free-page list: an entry of %zu bytes is malformed", v.mv_size);
		} else {
			memcpy(&n, v.mv_data, sizeof(n));
			if (n != v.mv_size / sizeof(size_t) - 1) {
				code = problem(p, "free-page list: an entry counts %zu pages in %zu bytes", n, v.mv_size);
			} else {
				for (size_t i = 1; i <= n; i++) {
					memcpy(&pg, (const char *)v.mv_data + i * sizeof(size_t), sizeof(pg));
					if (pg < 2 || pg > info.me_last_pgno) {
						code = problem(p, "free-page list: page %zu is outside the file (last page %zu)",
						               pg, (size_t)info.me_last_pgno);
						break;
					}
				}
			}
		}
		if (code)
			break;
	}
	ck__lmdb_guard_cursor(cur, false);
	mdb_cursor_close(cur);
	if (code)
		return code;
	if (rc != MDB_NOTFOUND)
		return problem(p, "free-page list: %s", mdb_strerror(rc));
	return CK_OK;
}

/* An assertion inside a step is one more problem, not the end of the check. */
static int guarded_step(ck_backend_txn *t, int (*step)(ck_backend_txn *, void *, problems *), void *arg,
                        problems *p, const char *what)
{
	ck__lmdb_guard g;
	int rc;

	ck__lmdb_guard_push(&g);
	if (setjmp(g.jb))
		return problem(p, "%s: %s", what, ck__lmdb_guard_reason());
	rc = step(t, arg, p);
	ck__lmdb_guard_pop(&g);
	return rc;
}

/* Runs one step of the check in a read transaction of its own: a damaged
 * page fails the transaction it was met in, and the next step must still
 * run.  CK_EAGAIN (a bucket new to the process, a map grown elsewhere)
 * runs the step again. */
static int check_step(ck_backend *be, problems *p, int (*step)(ck_backend_txn *, void *, problems *), void *arg,
                      const char *what)
{
	size_t mark = p->n;
	int rc;

	for (int tries = 0;; tries++) {
		ck_backend_txn *t;

		if (!(rc = ck__lmdb_begin(&t, be, 0))) {
			rc = guarded_step(t, step, arg, p, what);
			ck__lmdb_abort(t);
		}
		if (rc != CK_EAGAIN || tries >= CHECK_RETRIES)
			return rc;
		while (p->n > mark)
			free(p->v[--p->n]);
	}
}

struct list_arg {
	found *buckets;
	size_t n;
};

static int step_list(ck_backend_txn *t, void *arg, problems *p)
{
	struct list_arg *a = arg;

	for (size_t i = 0; i < a->n; i++)
		free(a->buckets[i].name);
	return list_buckets(t, a->buckets, &a->n, p);
}

static int step_bucket(ck_backend_txn *t, void *arg, problems *p)
{
	return walk_bucket(t, arg, p);
}

static int step_freelist(ck_backend_txn *t, void *arg, problems *p)
{
	(void)arg;
	return walk_freelist(t, p);
}

int ck__lmdb_check(ck_backend *be, ck_backend_problem_fn fn, void *payload)
{
	struct list_arg list = { NULL, 0 };
	problems p = { NULL, 0, 0 };
	char *detail;
	size_t n;
	int rc;

	/* Walking the pages of a truncated file would raise SIGBUS. */
	rc = ck__lmdb_check_size(be, &detail);
	if (rc == CK_ECORRUPT) {
		fn(detail, payload);
		free(detail);
		return rc;
	}
	if (rc)
		return rc;
	/* Then every page, read from the file: LMDB's own walk below would
	 * crash on a damaged one. */
	rc = ck__lmdb_walk_snapshot(be, true, &detail);
	if (rc == CK_ECORRUPT && detail) {
		fn(detail, payload);
		free(detail);
		return rc;
	}
	free(detail);
	if (rc)
		return rc;

	if (!(list.buckets = calloc(CK__LMDB_MAXDBS, sizeof(*list.buckets))))
		return ck__oom();
	rc = check_step(be, &p, step_list, &list, "main database");
	for (size_t i = 0; !rc && i < list.n; i++)
		rc = check_step(be, &p, step_bucket, &list.buckets[i], list.buckets[i].name);
	if (!rc)
		rc = check_step(be, &p, step_freelist, NULL, "free-page list");
	for (size_t i = 0; i < list.n; i++)
		free(list.buckets[i].name);
	free(list.buckets);

	if (!rc)
		for (size_t i = 0; i < p.n; i++)
			fn(p.v[i], payload);
	n = p.n;
	problems_free(&p);
	if (rc)
		return rc;
	if (n)
		return ck__error_set(CK_ECORRUPT, "LMDB store %s: %zu problem%s found", be->dir, n, n == 1 ? "" : "s");
	return CK_OK;
}
