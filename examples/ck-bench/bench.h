/* ck-bench: what the benchmark groups share: the clock, latency samples and
 * their percentiles, the report printed as JSON or as a text table, scratch
 * directories, and the harness of concurrent writer processes. */
#ifndef CK_BENCH_H
#define CK_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- clock and randomness (util.c) ---- */
/* CLOCK_MONOTONIC in nanoseconds: comparable between processes. */
int64_t bench_now_ns(void);
/* A fixed-seed generator, so that two runs pick the same names. */
uint64_t bench_rand(uint64_t *state);

/* ---- samples (util.c) ---- */
typedef struct bench_samples {
	int64_t *ns;
	size_t n, cap;
} bench_samples;

int bench_samples_add(bench_samples *s, int64_t ns);
void bench_samples_free(bench_samples *s);
/* The q-quantile (0 < q <= 1) by nearest rank, in milliseconds; sorts the
 * samples.  0 when there are none. */
double bench_samples_ms(bench_samples *s, double q);

/* ---- scratch directories (util.c) ---- */
/* Removes a directory tree; never follows symlinks or crosses mounts. */
int bench_rm_rf(const char *path);
/* The name of the file system holding `path` ("ext4", "tmpfs", ...). */
const char *bench_fs_name(const char *path);
/* Writes back everything dirty on the file system of `path`, so that a
 * measurement does not pay for the writes of the step before it. */
void bench_settle(const char *path);
/* Parses a positive count; false if `s` is not one. */
bool bench_parse_count(long *out, const char *s);

/* ---- the report (report.c) ---- */
#define BENCH_REPORT_MAX 64

typedef struct bench_item {
	const char *key;   /* JSON key: static string */
	const char *label; /* text label: static string */
	const char *unit;  /* static string, "" for none */
	char *str;         /* the value when it is a string (owned) */
	double num;
	int decimals;
} bench_item;

typedef struct bench_report {
	const char *title;
	bench_item items[BENCH_REPORT_MAX];
	size_t n;
} bench_report;

void bench_report_str(bench_report *r, const char *key, const char *label, const char *val);
void bench_report_num(bench_report *r, const char *key, const char *label, double val, const char *unit,
                      int decimals);
/* One JSON object on one line, or an aligned table of label, value, unit. */
void bench_report_print(FILE *out, const bench_report *r, bool json);
void bench_report_free(bench_report *r);

/* ---- concurrent writer processes (writers.c) ---- */
/* What each forked writer does.  `setup` runs in the child before the start
 * signal (open the store, warm up), `op` is the operation timed `per_writer`
 * times, `teardown` runs before the child exits.  Each returns 0 or prints
 * why it failed to stderr and returns -1. */
typedef struct bench_writer_ops {
	int (*setup)(void **state, int writer, void *arg);
	int (*op)(void *state, long seq);
	void (*teardown)(void *state);
} bench_writer_ops;

/* Forks `nwriters` processes, starts them together once all are set up, and
 * gathers every latency into `lat`; `*ops_per_s` is the number of operations
 * of all writers over the time from the first start to the last end.
 * Returns 0, or -1 after printing why. */
int bench_run_writers(bench_samples *lat, double *ops_per_s, int nwriters, long per_writer,
                      const bench_writer_ops *ops, void *arg);

/* ---- benchmark groups ---- */
int bench_state_main(int argc, char **argv);

#endif
