/* ck-bench run: the terminal table, one block per case: each engine's
 * median with its interval and spread, and its ratio to the first engine
 * (and to the baseline) with a verdict only where the interval allows one. */
#define _GNU_SOURCE
#include "run.h"

#include <string.h>

static void ratio_cell(char *buf, size_t size, const cb_cmp *c)
{
	if (!c->valid)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2fx [%.2f, %.2f] %s%s", c->ratio, c->lo, c->hi, cb_verdict_name(c->verdict),
		         c->regression ? " REGRESSION" : "");
}

void cb_out_table(FILE *out, const cb_run *r)
{
	int w = 6;
	char ci[64], ratio[96], base[96];

	for (size_t i = 0; i < r->nengines; i++)
		if ((int)strlen(r->engines[i].name) > w)
			w = (int)strlen(r->engines[i].name);
	fprintf(out, "suite %s: %d runs per engine, seed %llu, %g%% intervals (bootstrap of the median)\n",
	        r->suite->name, r->o->runs, (unsigned long long)r->seed, r->o->confidence);
	for (size_t i = 0; i < r->nrows; i++) {
		const cb_row *row = &r->rows[i];
		fprintf(out, "\n%s\n  %-*s %10s %21s %8s %9s %9s %8s %8s %8s  %s%s\n", row->label, w, "engine", "median ms",
		        "interval ms", "MAD", "min", "max", "user", "sys", "RSS MB",
		        r->nengines > 1 ? "vs " : "", r->nengines > 1 ? r->engines[0].name : "");
		for (size_t e = 0; e < r->nengines; e++) {
			const cb_result *res = &row->res[e];
			const cb_stats *st = &res->st;
			if (res->status != CB_OK) {
				fprintf(out, "  %-*s %s: %s\n", w, r->engines[e].name, cb_status_name(res->status),
				        res->error ? res->error : "");
				continue;
			}
			snprintf(ci, sizeof(ci), "[%.2f, %.2f]", st->ci_lo, st->ci_hi);
			ratio_cell(ratio, sizeof(ratio), &row->cmp[e]);
			fprintf(out, "  %-*s %10.2f %21s %8.2f %9.2f %9.2f %8.2f %8.2f %8.1f  %s", w, r->engines[e].name,
			        st->median, ci, st->mad, st->min, st->max, st->user_median, st->sys_median,
			        (double)st->maxrss_kb / 1024, e ? ratio : (r->nengines > 1 ? "(reference)" : ""));
			if (r->baseline_name) {
				ratio_cell(base, sizeof(base), &row->base[e]);
				fprintf(out, "  vs baseline %s", base);
			}
			fputc('\n', out);
		}
		fprintf(out, "  order: %s\n", row->order ? row->order : "");
	}
	fprintf(out, "\nhost: %s; %s; %s cores; %s; %s; cgroups %s; storage %s; runtime %s; load %.2f -> %.2f\n",
	        r->host.field[0], r->host.field[1], r->host.field[2], r->host.field[3], r->host.field[4],
	        r->host.field[6], r->host.field[5], r->host.field[7], r->host.load_before[0], r->host.load_after[0]);
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(out, "warning: %s\n", r->warnings[i]);
	if (r->baseline_name)
		fprintf(out, "baseline %s: %s (threshold %g%%)\n", r->baseline_name,
		        r->any_regression ? "REGRESSION" : "no significant regression", r->o->threshold_pct);
}
