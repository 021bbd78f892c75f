/* ck-bench state: latency of a durable commit (one put per write transaction)
 * with one writer and with BENCH_STATE_WRITERS processes, each opening its
 * own context, beside a raw write(4 KiB) + fdatasync() on the same disk timed
 * the same way: the floor any durable commit there pays. */
#define _GNU_SOURCE
#include "state.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FSYNC_BLOCK 4096

/* ---- one put per durable transaction ---- */

struct commit_writer {
	bench_state *b;
	ck_context *ctx;
	ck_state *st;
	int id;
	char key[64], config[1024];
	size_t len;
};

static int commit_put_fn(ck_state_txn *txn, void *payload)
{
	struct commit_writer *w = payload;
	return ck_state_txn_put(txn, "volumes", w->key, w->config, w->len);
}

static int commit_op(void *state, long seq)
{
	struct commit_writer *w = state;
	int rc, len;

	snprintf(w->key, sizeof(w->key), "lat-w%02d-%08ld", w->id, seq);
	if ((len = bench_state_config(w->config, sizeof(w->config), w->b, w->key, (int64_t)time(NULL))) < 0)
		return -1;
	w->len = (size_t)len;
	if ((rc = ck_state_write(w->st, commit_put_fn, w)) != CK_OK)
		return bench_state_fail("ck_state_write", rc);
	return 0;
}

static void commit_teardown(void *state)
{
	struct commit_writer *w = state;

	if (!w)
		return;
	ck_state_free(w->st);
	ck_context_free(w->ctx);
	free(w);
}

static int commit_setup(void **state, int writer, void *arg)
{
	struct commit_writer *w = calloc(1, sizeof(*w));
	int rc;

	*state = w;
	if (!w)
		return -1;
	w->b = arg;
	w->id = writer;
	if (bench_state_open_ctx(&w->ctx, w->b) != 0)
		return -1;
	if ((rc = ck_state_open(&w->st, w->ctx)) != CK_OK)
		return bench_state_fail("cannot open the state store", rc);
	/* Warm up: the first transaction opens the backend. */
	if (commit_op(w, -1) != 0) {
		commit_teardown(w);
		*state = NULL;
		return -1;
	}
	return 0;
}

static const bench_writer_ops commit_ops = { commit_setup, commit_op, commit_teardown };

/* ---- write(4 KiB) + fdatasync() appended to a file beside the store ---- */

struct fsync_writer {
	int fd;
	char block[FSYNC_BLOCK];
};

static int fsync_op(void *state, long seq)
{
	struct fsync_writer *w = state;

	if (write(w->fd, w->block, sizeof(w->block)) != (ssize_t)sizeof(w->block) || fdatasync(w->fd) != 0) {
		fprintf(stderr, "ck-bench: write+fdatasync: %m\n");
		return -1;
	}
	return 0;
}

static void fsync_teardown(void *state)
{
	struct fsync_writer *w = state;

	if (w) {
		close(w->fd);
		free(w);
	}
}

static int fsync_setup(void **state, int writer, void *arg)
{
	bench_state *b = arg;
	struct fsync_writer *w = calloc(1, sizeof(*w));
	char path[4096];

	*state = w;
	if (!w)
		return -1;
	memset(w->block, 'f', sizeof(w->block));
	snprintf(path, sizeof(path), "%s/fsync-w%02d.dat", b->root, writer);
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		fprintf(stderr, "ck-bench: cannot open %s: %m\n", path);
		free(w);
		*state = NULL;
		return -1;
	}
	if (fsync_op(w, -1) != 0) {
		fsync_teardown(w);
		*state = NULL;
		return -1;
	}
	return 0;
}

static const bench_writer_ops fsync_ops = { fsync_setup, fsync_op, fsync_teardown };

/* ---- the figures ---- */

struct lat_figure {
	double p50, p99, ops_per_s;
};

static int measure(struct lat_figure *f, bench_state *b, const bench_writer_ops *ops, int writers)
{
	bench_samples lat = { NULL, 0, 0 };
	long per_writer = (b->ops + writers - 1) / writers;
	int rc;

	bench_settle(b->root);
	rc = bench_run_writers(&lat, &f->ops_per_s, writers, per_writer, ops, b);

	f->p50 = bench_samples_ms(&lat, 0.50);
	f->p99 = bench_samples_ms(&lat, 0.99);
	bench_samples_free(&lat);
	return rc;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

int bench_state_latency(bench_state *b)
{
	struct lat_figure c1, cn, f1, fn;
	bench_report *r = &b->rep;

	/* The writers are forked: the parent holds no store open meanwhile. */
	ck_state_free(b->st);
	b->st = NULL;
	ck_context_free(b->ctx);
	b->ctx = NULL;
	if (measure(&c1, b, &commit_ops, 1) != 0 || measure(&cn, b, &commit_ops, BENCH_STATE_WRITERS) != 0 ||
	    measure(&f1, b, &fsync_ops, 1) != 0 || measure(&fn, b, &fsync_ops, BENCH_STATE_WRITERS) != 0)
		return -1;
	bench_report_num(r, "writers", "concurrent writers", BENCH_STATE_WRITERS, "processes", 0);
	bench_report_num(r, "commit_1w_p50_ms", "commit, 1 writer, p50", c1.p50, "ms", 3);
	bench_report_num(r, "commit_1w_p99_ms", "commit, 1 writer, p99", c1.p99, "ms", 3);
	bench_report_num(r, "commit_1w_ops_per_s", "commit, 1 writer, rate", c1.ops_per_s, "commits/s", 1);
	bench_report_num(r, "commit_16w_p50_ms", "commit, 16 writers, p50", cn.p50, "ms", 3);
	bench_report_num(r, "commit_16w_p99_ms", "commit, 16 writers, p99", cn.p99, "ms", 3);
	bench_report_num(r, "commit_16w_ops_per_s", "commit, 16 writers, rate", cn.ops_per_s, "commits/s", 1);
	bench_report_num(r, "fsync_1w_p50_ms", "write+fdatasync, 1 writer, p50", f1.p50, "ms", 3);
	bench_report_num(r, "fsync_1w_p99_ms", "write+fdatasync, 1 writer, p99", f1.p99, "ms", 3);
	bench_report_num(r, "fsync_1w_ops_per_s", "write+fdatasync, 1 writer, rate", f1.ops_per_s, "ops/s", 1);
	bench_report_num(r, "fsync_16w_p50_ms", "write+fdatasync, 16 writers, p50", fn.p50, "ms", 3);
	bench_report_num(r, "fsync_16w_p99_ms", "write+fdatasync, 16 writers, p99", fn.p99, "ms", 3);
	bench_report_num(r, "fsync_16w_ops_per_s", "write+fdatasync, 16 writers, rate", fn.ops_per_s, "ops/s", 1);
	bench_report_num(r, "ratio_1w_p50", "commit/fsync, 1 writer, p50", ratio(c1.p50, f1.p50), "x", 2);
	bench_report_num(r, "ratio_1w_p99", "commit/fsync, 1 writer, p99", ratio(c1.p99, f1.p99), "x", 2);
	bench_report_num(r, "ratio_16w_p50", "commit/fsync, 16 writers, p50", ratio(cn.p50, fn.p50), "x", 2);
	bench_report_num(r, "ratio_16w_p99", "commit/fsync, 16 writers, p99", ratio(cn.p99, fn.p99), "x", 2);
	return 0;
}
