/* Many processes on one store: 32 writers doing 50 create/update/delete
 * operations each, with no error and no lost record; and a reader holding a
 * snapshot open while writers go on. */
#define _GNU_SOURCE
#include "harness.h"
#include "common.h"

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCS 32
#define OPS 50

/* In each group of five operations of process p, starting at b: create
 * p-b, p-b+1 and p-b+2, update p-b, delete p-b+1. */
static int worker(const char *root, const char *backend, int p)
{
	ck_context *ctx = ck_test_open(root, backend);
	char key[64], val[128];
	int errors = 0;

	for (int j = 0; j < OPS; j++) {
		int rc, b = j - j % 5;
		switch (j % 5) {
		case 3:
			snprintf(key, sizeof(key), "p%02d-%02d", p, b);
			snprintf(val, sizeof(val), "updated by %d at %d", p, j);
			rc = ck_test_put(ctx, "conc", key, val);
			break;
		case 4:
			snprintf(key, sizeof(key), "p%02d-%02d", p, b + 1);
			rc = ck_test_del(ctx, "conc", key);
			break;
		default:
			snprintf(key, sizeof(key), "p%02d-%02d", p, j);
			snprintf(val, sizeof(val), "created by %d at %d", p, j);
			rc = ck_test_put(ctx, "conc", key, val);
		}
		if (rc != 0) {
			fprintf(stderr, "  worker %d op %d: %s: %s\n", p, j, ck_error_name(rc), ck_error_last()->message);
			errors++;
		}
	}
	ck_context_free(ctx);
	return errors ? 1 : 0;
}

/* What the store must hold for key p-j after all operations. */
static void expected(int p, int j, char *val, size_t size, int *present)
{
	int b = j - j % 5;
	*present = j % 5 == 0 || j % 5 == 2;
	if (j % 5 == 0)
		snprintf(val, size, "updated by %d at %d", p, b + 3);
	else
		snprintf(val, size, "created by %d at %d", p, j);
}

static void run_writers(const char *backend)
{
	char *root = ck_test_tmpdir(backend);
	pid_t pids[PROCS];
	int failed = 0;

	/* Create the store first so that every worker races on the data, not
	 * on the creation (creation races are covered by the crash loop). */
	ck_context *ctx = ck_test_open(root, backend);
	CK_CHECK_OK(ck_test_put(ctx, "meta-test", "start", "1"));
	ck_context_free(ctx);

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(worker(root, backend, p));
	}
	for (int p = 0; p < PROCS; p++) {
		int status = 0;
		waitpid(pids[p], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	CK_CHECK(failed == 0);

	ctx = ck_test_open(root, NULL);
	long want = 0;
	int lost = 0;
	for (int p = 0; p < PROCS; p++)
		for (int j = 0; j < OPS; j++) {
			char key[64], val[128], *got = NULL;
			int present;
			expected(p, j, val, sizeof(val), &present);
			snprintf(key, sizeof(key), "p%02d-%02d", p, j);
			CK_CHECK_OK(ck_test_get(&got, ctx, "conc", key));
			if (present) {
				want++;
				if (!got || strcmp(got, val) != 0) {
					if (lost++ < 5)
						fprintf(stderr, "  %s: want \"%s\", got \"%s\"\n", key, val, got ? got : "(missing)");
				}
			} else if (got) {
				if (lost++ < 5)
					fprintf(stderr, "  %s should have been deleted\n", key);
			}
			free(got);
		}
	CK_CHECK(lost == 0);
	CK_CHECK(ck_test_count(ctx, "conc") == want);
	char *report = NULL;
	CK_CHECK_OK(ck_system_check(&report, ctx, 0));
	ck_free(report);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void state_sqlite_32_writers_lose_nothing(void)
{
	run_writers("sqlite");
}

static void state_lmdb_32_writers_lose_nothing(void)
{
	run_writers("lmdb");
}

/* The reader signals through a pipe once its snapshot is open, then holds it
 * until the writer has finished; a writer that waited for it would never
 * finish, and the reader would time out. */
struct hold {
	int ready_fd, done_fd;
	int saw_writes_inside;
	int got_done;
};

static int hold_fn(ck_state_txn *txn, void *p)
{
	struct hold *h = p;
	char c = 'r';
	void *v = NULL;
	size_t len;

	if (write(h->ready_fd, &c, 1) != 1)
		return -1;
	/* Wait up to 60 s for the writer's "done". */
	for (int i = 0; i < 6000; i++) {
		fd_set set;
		struct timeval tv = { 0, 10000 };
		FD_ZERO(&set);
		FD_SET(h->done_fd, &set);
		if (select(h->done_fd + 1, &set, NULL, NULL, &tv) > 0) {
			h->got_done = 1;
			break;
		}
	}
	/* The snapshot must not see what was written after it began. */
	h->saw_writes_inside = ck_state_txn_get(&v, &len, txn, "snap", "w19") == 0;
	ck_free(v);
	return 0;
}

static void reader_does_not_block(const char *backend)
{
	char *root = ck_test_tmpdir(backend);
	int ready[2], done[2];
	ck_context *ctx = ck_test_open(root, backend);

	CK_CHECK_OK(ck_test_put(ctx, "snap", "seed", "1"));
	ck_context_free(ctx);
	CK_CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid_t reader = fork();
	if (reader == 0) {
		ck_context *rctx = ck_test_open(root, backend);
		ck_state *st = NULL;
		struct hold h = { ready[1], done[0], 0, 0 };
		int rc = ck_state_open(&st, rctx);
		if (rc == 0)
			rc = ck_state_read(st, hold_fn, &h);
		ck_state_free(st);
		ck_context_free(rctx);
		_exit(rc != 0 ? 2 : h.saw_writes_inside ? 3 : !h.got_done ? 4 : 0);
	}
	char c;
	CK_CHECK(read(ready[0], &c, 1) == 1);
	/* The reader now holds its snapshot; all of these must complete. */
	ctx = ck_test_open(root, backend);
	int ok = 1;
	for (int i = 0; i < 20; i++) {
		char key[16];
		snprintf(key, sizeof(key), "w%d", i);
		if (ck_test_put(ctx, "snap", key, "x") != 0)
			ok = 0;
	}
	CK_CHECK(ok);
	CK_CHECK(write(done[1], "d", 1) == 1);
	int status = 0;
	waitpid(reader, &status, 0);
	CK_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CK_CHECK(ck_test_count(ctx, "snap") == 21);
	ck_context_free(ctx);
	ck_test_rmtree(root);
	free(root);
}

static void state_sqlite_reader_snapshot_never_blocks_writers(void)
{
	reader_does_not_block("sqlite");
}

static void state_lmdb_reader_snapshot_never_blocks_writers(void)
{
	reader_does_not_block("lmdb");
}

CK_TESTS(CK_TEST(state_sqlite_32_writers_lose_nothing), CK_TEST(state_lmdb_32_writers_lose_nothing),
         CK_TEST(state_sqlite_reader_snapshot_never_blocks_writers),
         CK_TEST(state_lmdb_reader_snapshot_never_blocks_writers))
