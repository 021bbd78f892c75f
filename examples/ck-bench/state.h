/* ck-bench state: what the throughput part (state.c) and the latency part
 * (state_latency.c) of the state benchmark share. */
#ifndef CK_BENCH_STATE_H
#define CK_BENCH_STATE_H

#include "bench.h"

#include <containerkit.h>
#include <containerkit/sys/state.h>

/* Concurrent writer processes of the contended latency figures. */
#define BENCH_STATE_WRITERS 16
/* Every record carries this label, padded so a record is ~300 bytes. */
#define LABEL_KEY "io.containerkit.bench"

typedef struct bench_state {
	/* options */
	const char *backend, *parent;
	long records, ops;
	bool json, populate_only;
	/* the scratch store: <tmp>/root and <tmp>/run, volumes under volbase */
	char *tmp, *root, *runroot, *volbase;
	ck_context *ctx;
	ck_state *st;
	char pad[320];   /* label value that brings a record to about 300 bytes */
	long warnings;   /* warnings the library logged */
	bench_report rep;
} bench_state;

/* Makes the scratch store under b->parent, opens it (b->ctx, b->st) and
 * learns where volume directories go; returns 0 or -1 after printing why. */
int bench_state_setup(bench_state *b);
/* Writes b->records volumes "vol-%08ld" in batched transactions, then
 * their directories, and reports how long each part took. */
int bench_state_populate(bench_state *b);
/* The lookups draw (seeded with BENCH_STATE_SEED) from the pre-written
 * volumes 0..records-1 and the created ones records..records+ops-1. */
#define BENCH_STATE_SEED UINT64_C(0x9e3779b97f4a7c15)
long bench_state_pick(uint64_t *seed, const bench_state *b);
/* "PREFIX-%08ld": the names of pre-written, created and raw records. */
void bench_state_name(char *buf, size_t size, const char *prefix, long i);
/* Opens a context on the scratch store, with logging to stderr. */
int bench_state_open_ctx(ck_context **out, bench_state *b);
/* Config JSON of volume `name` as the library writes it; returns its length,
 * or -1 if it does not fit. */
int bench_state_config(char *buf, size_t size, const bench_state *b, const char *name, int64_t created);
/* Prints the library's last error after `what` and returns -1. */
int bench_state_fail(const char *what, int rc);
/* The latency figures: closes b->ctx first, as forked writers open their own. */
int bench_state_latency(bench_state *b);

#endif
