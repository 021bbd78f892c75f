/* Conformance of each built-in backend to the vtable contract of
 * containerkit/sys/backend.h, driven directly through the vtable. */
#define _GNU_SOURCE
#include "harness.h"
#include "state/backends.h"

#include <containerkit.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const ck_backend_ops *const all[] = { &ck__backend_sqlite, &ck__backend_lmdb, NULL };

static ck_backend *open_fresh(const ck_backend_ops *ops, char **dir)
{
	ck_backend *be = NULL;
	*dir = ck_test_tmpdir(ops->name);
	CK_CHECK_OK(ops->open(&be, *dir, CK_BACKEND_CREATE));
	return be;
}

static void close_fresh(const ck_backend_ops *ops, ck_backend *be, char *dir)
{
	if (be)
		ops->close(be);
	ck_test_rmtree(dir);
	free(dir);
}

static int put1(const ck_backend_ops *ops, ck_backend *be, const char *b, const char *k, const void *v, size_t n)
{
	ck_backend_txn *t = NULL;
	int rc = ops->begin(&t, be, 1);
	if (rc)
		return rc;
	rc = ops->put(t, b, k, v, n);
	if (rc) {
		ops->abort(t);
		return rc;
	}
	return ops->commit(t);
}

struct seen {
	char keys[16][32];
	int n;
};

static int record_key(const char *key, const void *val, size_t len, void *p)
{
	struct seen *s = p;
	if (s->n < 16)
		snprintf(s->keys[s->n++], 32, "%s", key);
	return 0;
}

static int record_bucket(const char *bucket, void *p)
{
	return record_key(bucket, NULL, 0, p);
}

static void backend_get_put_delete_roundtrip(void)
{
	for (int i = 0; all[i]; i++) {
		const ck_backend_ops *ops = all[i];
		char *dir;
		ck_backend *be = open_fresh(ops, &dir);
		ck_backend_txn *t = NULL;
		void *v = NULL;
		size_t n = 0;
		static const char bin[] = { 'a', 0, 'b', 0, (char)0xff };

		CK_CHECK_OK(put1(ops, be, "b1", "k1", bin, sizeof(bin)));
		CK_CHECK_OK(ops->begin(&t, be, 0));
		CK_CHECK_OK(ops->get(&v, &n, t, "b1", "k1"));
		CK_CHECK(n == sizeof(bin) && v && memcmp(v, bin, n) == 0 && ((char *)v)[n] == 0);
		free(v);
		v = NULL;
		CK_CHECK_RC(ops->get(&v, &n, t, "b1", "nope"), CK_ENOTFOUND);
		CK_CHECK_RC(ops->get(&v, &n, t, "no-bucket", "k1"), CK_ENOTFOUND);
		ops->abort(t);

		CK_CHECK_OK(ops->begin(&t, be, 1));
		CK_CHECK_OK(ops->del(t, "b1", "k1"));
		CK_CHECK_RC(ops->del(t, "b1", "k1"), CK_ENOTFOUND);
		CK_CHECK_OK(ops->commit(t));
		CK_CHECK_OK(ops->begin(&t, be, 0));
		CK_CHECK_RC(ops->get(&v, &n, t, "b1", "k1"), CK_ENOTFOUND);
		ops->abort(t);
		close_fresh(ops, be, dir);
	}
}

static void backend_scan_is_ordered_and_prefix_bounded(void)
{
	for (int i = 0; all[i]; i++) {
		const ck_backend_ops *ops = all[i];
		char *dir;
		ck_backend *be = open_fresh(ops, &dir);
		ck_backend_txn *t = NULL;
		const char *keys[] = { "ab", "abc", "b", "aa", "ab\xff", "abd", "a" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			CK_CHECK_OK(put1(ops, be, "s", keys[k], "x", 1));
		CK_CHECK_OK(put1(ops, be, "other", "ab", "y", 1));
		struct seen s = { .n = 0 };
		CK_CHECK_OK(ops->begin(&t, be, 0));
		CK_CHECK_OK(ops->scan(t, "s", "ab", record_key, &s));
		CK_CHECK(s.n == 4);
		CK_CHECK_STR(s.keys[0], "ab");
		CK_CHECK_STR(s.keys[1], "abc");
		CK_CHECK_STR(s.keys[2], "abd");
		CK_CHECK_STR(s.keys[3], "ab\xff");
		s.n = 0;
		CK_CHECK_OK(ops->scan(t, "s", "", record_key, &s));
		CK_CHECK(s.n == 7);
		CK_CHECK_STR(s.keys[0], "a");
		CK_CHECK_STR(s.keys[6], "b");
		s.n = 0;
		CK_CHECK_OK(ops->scan(t, "missing", "", record_key, &s));
		CK_CHECK(s.n == 0);
		s.n = 0;
		CK_CHECK_OK(ops->buckets(t, record_bucket, &s));
		CK_CHECK(s.n == 2);
		CK_CHECK_STR(s.keys[0], "other");
		CK_CHECK_STR(s.keys[1], "s");
		ops->abort(t);
		close_fresh(ops, be, dir);
	}
}

static void backend_abort_discards_and_snapshot_is_isolated(void)
{
	for (int i = 0; all[i]; i++) {
		const ck_backend_ops *ops = all[i];
		char *dir;
		ck_backend *be = open_fresh(ops, &dir);
		ck_backend_txn *w = NULL, *r = NULL;
		void *v = NULL;
		size_t n;

		CK_CHECK_OK(ops->begin(&w, be, 1));
		CK_CHECK_OK(ops->put(w, "b", "gone", "1", 1));
		ops->abort(w);
		CK_CHECK_OK(put1(ops, be, "b", "old", "1", 1));
		CK_CHECK_OK(ops->begin(&r, be, 0)); /* snapshot taken here */
		CK_CHECK_OK(put1(ops, be, "b", "new", "1", 1));
		CK_CHECK_RC(ops->get(&v, &n, r, "b", "new"), CK_ENOTFOUND);
		CK_CHECK_RC(ops->get(&v, &n, r, "b", "gone"), CK_ENOTFOUND);
		CK_CHECK_OK(ops->get(&v, &n, r, "b", "old"));
		free(v);
		ops->abort(r);
		CK_CHECK_OK(ops->begin(&r, be, 0));
		CK_CHECK_OK(ops->get(&v, &n, r, "b", "new"));
		free(v);
		ops->abort(r);
		close_fresh(ops, be, dir);
	}
}

static void count_problem(const char *detail, void *p)
{
	fprintf(stderr, "  integrity problem: %s\n", detail);
	(*(int *)p)++;
}

static void backend_large_values_and_check(void)
{
	for (int i = 0; all[i]; i++) {
		const ck_backend_ops *ops = all[i];
		char *dir;
		ck_backend *be = open_fresh(ops, &dir);
		size_t big = 4u << 20;
		char *val = malloc(big);
		for (size_t k = 0; k < big; k++)
			val[k] = (char)(k * 7);
		int rc;
		/* CK_EAGAIN asks for the whole transaction again (a map that grew). */
		for (int tries = 0; (rc = put1(ops, be, "big", "v", val, big)) == CK_EAGAIN && tries < 10; tries++)
			;
		CK_CHECK_OK(rc);
		ck_backend_txn *t = NULL;
		void *v = NULL;
		size_t n = 0;
		CK_CHECK_OK(ops->begin(&t, be, 0));
		CK_CHECK_OK(ops->get(&v, &n, t, "big", "v"));
		CK_CHECK(n == big && v && memcmp(v, val, big) == 0);
		free(v);
		ops->abort(t);
		int problems = 0;
		CK_CHECK_OK(ops->check(be, count_problem, &problems));
		CK_CHECK(problems == 0);
		free(val);
		close_fresh(ops, be, dir);
	}
}

static void backend_open_without_create_on_empty_dir_is_notfound(void)
{
	for (int i = 0; all[i]; i++) {
		char *dir = ck_test_tmpdir("empty");
		ck_backend *be = NULL;
		CK_CHECK_RC(all[i]->open(&be, dir, 0), CK_ENOTFOUND);
		CK_CHECK_CONTAINS(ck_error_last()->message, dir);
		CK_CHECK(be == NULL);
		ck_test_rmtree(dir);
		free(dir);
	}
}

/* A relaxed commit is a commit: visible at once, and in the files when the
 * process is killed right after it (no close, no checkpoint).  A durable
 * commit on the same store follows it. */
static void backend_relaxed_commit_survives_a_killed_process(void)
{
	for (int i = 0; all[i]; i++) {
		const ck_backend_ops *ops = all[i];
		char *dir;
		ck_backend *be = open_fresh(ops, &dir);
		ck_backend_txn *t = NULL;
		void *v = NULL;
		size_t n = 0;
		int status = -1;

		CK_CHECK(ops->version >= 2);
		pid_t pid = fork();
		if (pid == 0) {
			ck_backend *mine = NULL;
			if (ops->open(&mine, dir, 0) != CK_OK || ops->begin(&t, mine, CK_BACKEND_TXN_RELAXED) != CK_OK ||
			    ops->put(t, "r", "k", "relaxed", 7) != CK_OK || ops->commit(t) != CK_OK)
				_exit(1);
			raise(SIGKILL);
			_exit(2);
		}
		CK_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		CK_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		ops->close(be);
		be = NULL;
		CK_CHECK_OK(ops->open(&be, dir, 0));
		CK_CHECK_OK(ops->begin(&t, be, CK_BACKEND_TXN_READ));
		CK_CHECK_OK(ops->get(&v, &n, t, "r", "k"));
		CK_CHECK(n == 7 && v && !memcmp(v, "relaxed", 7));
		free(v);
		v = NULL;
		ops->abort(t);
		/* Relaxed, aborted, then durable, on the same (pooled) handle. */
		CK_CHECK_OK(ops->begin(&t, be, CK_BACKEND_TXN_RELAXED));
		CK_CHECK_OK(ops->put(t, "r", "gone", "x", 1));
		ops->abort(t);
		CK_CHECK_OK(put1(ops, be, "r", "k2", "durable", 7));
		CK_CHECK_OK(ops->begin(&t, be, CK_BACKEND_TXN_READ));
		CK_CHECK_RC(ops->get(&v, &n, t, "r", "gone"), CK_ENOTFOUND);
		CK_CHECK_OK(ops->get(&v, &n, t, "r", "k2"));
		free(v);
		ops->abort(t);
		close_fresh(ops, be, dir);
	}
}

CK_TESTS(CK_TEST(backend_get_put_delete_roundtrip), CK_TEST(backend_scan_is_ordered_and_prefix_bounded),
         CK_TEST(backend_abort_discards_and_snapshot_is_isolated), CK_TEST(backend_large_values_and_check),
         CK_TEST(backend_open_without_create_on_empty_dir_is_notfound),
         CK_TEST(backend_relaxed_commit_survives_a_killed_process))
