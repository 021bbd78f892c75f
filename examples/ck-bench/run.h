/* ck-bench run: engines against engines, timed as whole processes.  The
 * types shared by option parsing, suites, the runner, statistics, the host
 * record, baselines and the four renderings of a result. */
#ifndef CK_BENCH_RUN_H
#define CK_BENCH_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes of `ck-bench run`. */
#define CB_EXIT_OK 0
#define CB_EXIT_REGRESSION 1 /* --compare found a significant regression */
#define CB_EXIT_USAGE 2      /* bad options, bad suite file */
#define CB_EXIT_FAILED 3     /* a case failed (prepare, setup, run, timeout) */

typedef struct cb_kv {
	char *key, *val;
	int line; /* in the suite file, 0 when from the command line */
} cb_kv;

typedef struct cb_case {
	char *name;
	char *prepare, *setup, *command, *cleanup, *finish; /* NULL when absent */
	double timeout; /* seconds; 0: the run's --timeout */
	bool scaled;    /* run at every size (true) or only at the first */
	int line;
} cb_case;

typedef struct cb_suite {
	char *path; /* NULL for an ad hoc suite from --case */
	char *name;
	char *dir; /* directory of the suite file, {suite_dir} */
	cb_case *cases;
	size_t ncases;
	cb_kv *params, *engines; /* engines: default engines of the suite */
	size_t nparams, nengines;
	char *prepare, *populate, *finish;  /* per engine: start, each size, end */
	char *version_cmd, *driver_cmd;     /* host record, per engine */
	long *sizes;
	size_t nsizes;
} cb_suite;

typedef struct cb_opts {
	cb_kv *engines, *cases, *sets;
	size_t nengines, ncases, nsets;
	const char *suite, *json, *svg, *markdown, *save, *compare, *baseline_dir, *workdir, *runtime;
	long *sizes;
	size_t nsizes;
	int runs, warmup;
	uint64_t seed;
	bool seed_given, quiet;
	double pause_ms, timeout_s, prepare_timeout_s, threshold_pct, confidence;
} cb_opts;

typedef struct cb_sample {
	double wall_ms, user_ms, sys_ms;
	long maxrss_kb;
} cb_sample;

typedef struct cb_stats {
	size_t n;
	double median, mad, min, max, mean, ci_lo, ci_hi;
	double user_median, sys_median;
	long maxrss_kb; /* the largest peak of all runs */
} cb_stats;

enum cb_status { CB_OK, CB_FAILED_PREPARE, CB_FAILED_SETUP, CB_FAILED_RUN, CB_TIMEOUT, CB_FAILED_CLEANUP };
enum cb_verdict { CB_NONE, CB_SAME, CB_FASTER, CB_SLOWER };

typedef struct cb_cmp {
	bool valid;
	double ratio, lo, hi; /* time of this / time of the reference */
	enum cb_verdict verdict;
	bool regression; /* baseline comparisons only */
} cb_cmp;

typedef struct cb_result {
	enum cb_status status;
	char *error; /* why, with the tail of stderr */
	cb_sample *s;
	size_t n, cap;
	cb_stats st;
} cb_result;

/* One case at one size, measured on every engine. */
typedef struct cb_row {
	char *label; /* "ps -a" or "ps -a @1000" */
	const cb_case *c;
	long size;
	char *order;    /* the schedule, engine names separated by spaces */
	cb_result *res; /* one per engine */
	cb_cmp *cmp;    /* one per engine, against engine 0 */
	cb_cmp *base;   /* one per engine, against the baseline */
} cb_row;

typedef struct cb_engine {
	char *name, *prefix; /* prefix with {scratch} already expanded */
	char *scratch;
	char *version, *driver;
} cb_engine;

#define CB_HOST_FIELDS 10
typedef struct cb_host {
	/* kernel, cpu, cores, memory, distro, fs, cgroup, runtime, hostname, date */
	char *field[CB_HOST_FIELDS];
	double load_before[3], load_after[3];
} cb_host;
extern const char *const cb_host_keys[CB_HOST_FIELDS];

typedef struct cb_run {
	cb_opts *o;
	cb_suite *suite;
	cb_engine *engines;
	size_t nengines;
	cb_row *rows;
	size_t nrows;
	cb_host host;
	char *workdir;
	uint64_t seed;
	char *baseline_name;
	char **warnings; /* host differences against the baseline */
	size_t nwarnings;
	bool any_failed, any_regression;
} cb_run;

/* ---- args.c ---- */
/* Parses `ck-bench run` options; 0, or CB_EXIT_USAGE after printing why. */
int cb_args_parse(cb_opts *o, int argc, char **argv);
void cb_args_free(cb_opts *o);
void cb_args_usage(FILE *out);

/* ---- strs.c: small string helpers ---- */
char *cb_strdup(const char *s);                                  /* exits on ENOMEM */
char *cb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *cb_grow(void *p, size_t *cap, size_t n, size_t size); /* room for n+1 */
/* Expands {name} placeholders from `vars` (then `more`); other braces stay.
 * NULL with *err set (owned) when a placeholder is unknown. */
char *cb_expand(const char *tmpl, const cb_kv *vars, size_t nvars, const cb_kv *more, size_t nmore, char **err);
double cb_now_ms(void);

/* ---- suite.c ---- */
/* Loads a YAML suite.  0, or -1 after printing "FILE:LINE: problem". */
int cb_suite_load(cb_suite *s, const char *path);
/* The ad hoc suite of --case NAME=COMMAND options. */
int cb_suite_adhoc(cb_suite *s, const cb_opts *o);
void cb_suite_free(cb_suite *s);

/* ---- proc.c ---- */
typedef struct cb_proc {
	int exit_code; /* -1 when killed by a signal or the timeout */
	int signal;
	bool timed_out, spawn_failed;
	cb_sample sample;
	char err_tail[512]; /* the end of its stderr */
} cb_proc;
/* Runs `sh -c cmd` with stdout to /dev/null and stderr captured, in its own
 * process group, killed with it after `timeout_s` (0: none).  Returns 0 when
 * it exited 0, -1 otherwise (p says how). */
int cb_proc_run(cb_proc *p, const char *cmd, double timeout_s, const char *errfile);
/* Runs `sh -c cmd` and returns the first `max` bytes of its stdout (owned),
 * trimmed; NULL when it failed. */
char *cb_proc_capture(const char *cmd, size_t max, double timeout_s);

/* ---- runner.c ---- */
int cb_run_main(int argc, char **argv);
uint64_t cb_rand(uint64_t *state);

/* ---- stats.c ---- */
void cb_stats_compute(cb_stats *st, const cb_sample *s, size_t n, double confidence, uint64_t seed);
/* Bootstrap interval of median(a)/median(b).  false when one is empty. */
bool cb_stats_ratio(cb_cmp *c, const cb_sample *a, size_t na, const cb_sample *b, size_t nb, double confidence,
                    uint64_t seed);
const char *cb_verdict_name(enum cb_verdict v);
const char *cb_status_name(enum cb_status s);

/* ---- host.c ---- */
void cb_host_collect(cb_host *h, const char *storage_root, const char *runtime);
void cb_host_load(double out[3]);
void cb_host_free(cb_host *h);

/* ---- baseline.c ---- */
/* The directory: --baseline-dir, $CK_BENCH_BASELINES, $XDG_DATA_HOME/ck-bench,
 * ~/.local/share/ck-bench. */
char *cb_baseline_dir(const cb_opts *o);
int cb_baseline_save(const cb_run *r, const char *name);
/* Fills rows' `base` and the run's warnings; -1 after printing why. */
int cb_baseline_compare(cb_run *r, const char *name);

/* ---- outputs ---- */
void cb_out_table(FILE *out, const cb_run *r);
int cb_out_json(FILE *out, const cb_run *r);
int cb_out_markdown(FILE *out, const cb_run *r);
int cb_out_svg(FILE *out, const cb_run *r);
void cb_json_str(FILE *out, const char *s);
/* Writes through `fn` to `path` atomically (temporary file, rename). */
int cb_write_file(const char *path, int (*fn)(FILE *, const cb_run *), const cb_run *r);

#endif
