/* ck-bench run: statistics of the wall times.  Medians, median absolute
 * deviation, and percentile bootstrap intervals of a median and of the ratio
 * of two medians; robust to the odd slow run that a shared machine gives. */
#define _GNU_SOURCE
#include "run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOOT_ROUNDS 2000

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_sorted(const double *v, size_t n)
{
	if (!n)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_d);
	return median_sorted(v, n);
}

/* The median of one resample drawn with replacement from `src`. */
static double resample_median(const double *src, size_t n, double *tmp, uint64_t *rng)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = src[cb_rand(rng) % n];
	return median_of(tmp, n);
}

static void interval(double *boot, size_t n, double confidence, double *lo, double *hi)
{
	double a = (1 - confidence / 100) / 2;
	qsort(boot, n, sizeof(double), cmp_d);
	size_t il = (size_t)floor(a * (double)(n - 1)), ih = (size_t)ceil((1 - a) * (double)(n - 1));
	*lo = boot[il];
	*hi = boot[ih];
}

static double *walls(const cb_sample *s, size_t n)
{
	double *v = calloc(n ? n : 1, sizeof(double));
	if (!v) {
		fputs("ck-bench: out of memory\n", stderr);
		exit(CB_EXIT_USAGE);
	}
	for (size_t i = 0; i < n; i++)
		v[i] = s[i].wall_ms;
	return v;
}

void cb_stats_compute(cb_stats *st, const cb_sample *s, size_t n, double confidence, uint64_t seed)
{
	memset(st, 0, sizeof(*st));
	st->n = n;
	if (!n) {
		st->median = st->mad = st->min = st->max = st->mean = st->ci_lo = st->ci_hi = NAN;
		st->user_median = st->sys_median = NAN;
		return;
	}
	double *v = walls(s, n), *tmp = walls(s, n), *boot = calloc(BOOT_ROUNDS, sizeof(double));
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		if (s[i].maxrss_kb > st->maxrss_kb)
			st->maxrss_kb = s[i].maxrss_kb;
	}
	st->mean = sum / (double)n;
	st->median = median_of(v, n);
	st->min = v[0];
	st->max = v[n - 1];
	for (size_t i = 0; i < n; i++)
		tmp[i] = fabs(v[i] - st->median);
	st->mad = median_of(tmp, n);
	for (size_t i = 0; i < n; i++)
		tmp[i] = s[i].user_ms;
	st->user_median = median_of(tmp, n);
	for (size_t i = 0; i < n; i++)
		tmp[i] = s[i].sys_ms;
	st->sys_median = median_of(tmp, n);
	if (boot) {
		uint64_t rng = seed ^ 0x9e3779b97f4a7c15ULL;
		for (size_t b = 0; b < BOOT_ROUNDS; b++)
			boot[b] = resample_median(v, n, tmp, &rng);
		interval(boot, BOOT_ROUNDS, confidence, &st->ci_lo, &st->ci_hi);
	}
	free(v);
	free(tmp);
	free(boot);
}

bool cb_stats_ratio(cb_cmp *c, const cb_sample *a, size_t na, const cb_sample *b, size_t nb, double confidence,
                    uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	if (!na || !nb)
		return false;
	double *va = walls(a, na), *vb = walls(b, nb), *ta = walls(a, na), *tb = walls(b, nb);
	double *boot = calloc(BOOT_ROUNDS, sizeof(double));
	uint64_t rng = seed ^ 0xd1b54a32d192ed03ULL;
	double mb = median_of(vb, nb);

	c->ratio = median_of(va, na) / mb;
	if (boot) {
		size_t k = 0;
		for (size_t i = 0; i < BOOT_ROUNDS; i++) {
			double x = resample_median(va, na, ta, &rng), y = resample_median(vb, nb, tb, &rng);
			if (y > 0)
				boot[k++] = x / y;
		}
		if (k)
			interval(boot, k, confidence, &c->lo, &c->hi);
		c->valid = k > 0 && mb > 0;
	}
	/* Only an interval that excludes 1 earns a direction. */
	if (c->valid)
		c->verdict = c->lo > 1 ? CB_SLOWER : c->hi < 1 ? CB_FASTER : CB_SAME;
	free(va);
	free(vb);
	free(ta);
	free(tb);
	free(boot);
	return c->valid;
}

const char *cb_verdict_name(enum cb_verdict v)
{
	switch (v) {
	case CB_SAME: return "no difference";
	case CB_FASTER: return "faster";
	case CB_SLOWER: return "slower";
	default: return "";
	}
}

const char *cb_status_name(enum cb_status s)
{
	switch (s) {
	case CB_OK: return "ok";
	case CB_FAILED_PREPARE: return "failed-prepare";
	case CB_FAILED_SETUP: return "failed-setup";
	case CB_FAILED_RUN: return "failed-run";
	case CB_TIMEOUT: return "timeout";
	case CB_FAILED_CLEANUP: return "failed-cleanup";
	}
	return "?";
}
