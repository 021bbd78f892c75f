/* Crash loop: a child writes durably and reports each acknowledged commit; it
 * is SIGKILLed at a random moment, and then the store must open, pass its
 * integrity check, and hold every acknowledged write with the right bytes. */
#define _GNU_SOURCE
#include "harness.h"
#include "common.h"

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CK_CRASH_ROUNDS
#define CK_CRASH_ROUNDS 200
#endif

static void value_for(char *buf, size_t size, unsigned i)
{
	size_t n = 16 + (i * 37u) % 3000u, off;
	off = (size_t)snprintf(buf, size, "v%u:", i);
	while (off < n && off + 1 < size) {
		buf[off] = (char)('a' + (off + i) % 26);
		off++;
	}
	buf[off] = '\0';
}

static void child_writer(const char *root, const char *backend, unsigned start, int ackfd)
{
	ck_context *ctx = ck_test_open(root, backend);
	char key[32], val[4096];

	for (unsigned i = start;; i++) {
		snprintf(key, sizeof(key), "%08u", i);
		value_for(val, sizeof(val), i);
		if (ck_test_put(ctx, "crash", key, val) != 0) {
			fprintf(stderr, "child: put failed: %s\n", ck_error_last()->message);
			_exit(3);
		}
		/* Acknowledge only after the commit returned. */
		if (write(ackfd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
	}
}

struct verify {
	unsigned max_acked;
	int have_acked;
	unsigned seen;
	int bad;
};

static int verify_one(const char *key, const void *val, size_t len, void *p)
{
	struct verify *v = p;
	char want[4096];
	unsigned i = (unsigned)strtoul(key, NULL, 10);

	value_for(want, sizeof(want), i);
	if (len != strlen(want) || memcmp(val, want, len) != 0) {
		fprintf(stderr, "  record %s is damaged\n", key);
		v->bad++;
	}
	if (i == v->seen)
		v->seen++;
	return 0;
}

static int verify_fn(ck_state_txn *txn, void *p)
{
	struct verify *v = p;
	v->seen = 0;
	v->bad = 0;
	return ck_state_txn_scan(txn, "crash", "", verify_one, v);
}

static void crash_loop(const char *backend)
{
	char *root = ck_test_tmpdir(backend);
	unsigned next = 0;
	int failures = 0;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < CK_CRASH_ROUNDS && failures < 3; round++) {
		int fds[2];
		CK_CHECK(pipe(fds) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child_writer(root, backend, next, fds[1]);
		}
		close(fds[1]);
		usleep((useconds_t)(rand() % 40000));
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
			fprintf(stderr, "  round %d: writer ended on its own (status %d)\n", round, status);
			failures++;
		}

		struct verify v = { 0, 0, 0, 0 };
		unsigned a;
		while (read(fds[0], &a, sizeof(a)) == sizeof(a)) {
			v.max_acked = a;
			v.have_acked = 1;
		}
		close(fds[0]);

		ck_context *ctx = ck_test_open(root, backend);
		char *report = NULL;
		int rc = ck_system_check(&report, ctx, 0);
		if (rc != 0) {
			fprintf(stderr, "  round %d: check failed: %s\n%s\n", round, ck_error_last()->message,
			        report ? report : "");
			failures++;
		}
		ck_free(report);
		ck_state *st = NULL;
		CK_CHECK_OK(ck_state_open(&st, ctx));
		CK_CHECK_OK(ck_state_read(st, verify_fn, &v));
		ck_state_free(st);
		ck_context_free(ctx);
		if (v.bad || (v.have_acked && v.seen <= v.max_acked)) {
			fprintf(stderr, "  round %d: acknowledged up to %u, store holds 0..%u contiguous, %d damaged\n",
			        round, v.max_acked, v.seen, v.bad);
			failures++;
		}
		next = v.seen; /* writes past the last ack may or may not be there */
	}
	fprintf(stderr, "  %s: %d rounds, %u records at the end\n", backend, CK_CRASH_ROUNDS, next);
	CK_CHECK(failures == 0);
	CK_CHECK(next > 0);
	ck_test_rmtree(root);
	free(root);
}

static void state_sqlite_survives_sigkill_loop(void)
{
	crash_loop("sqlite");
}

static void state_lmdb_survives_sigkill_loop(void)
{
	crash_loop("lmdb");
}

CK_TESTS(CK_TEST(state_sqlite_survives_sigkill_loop), CK_TEST(state_lmdb_survives_sigkill_loop))
