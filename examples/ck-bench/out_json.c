/* ck-bench run: the result as one JSON document: host record, engines, and
 * every case with its samples, statistics and comparisons.  It is also the
 * format of a saved baseline (baseline.c reads it back). */
#define _GNU_SOURCE
#include "run.h"

#include <containerkit.h>
#include <math.h>

static void num(FILE *out, const char *key, double v, int comma)
{
	fprintf(out, "%s\"%s\": ", comma ? ", " : "", key);
	if (isfinite(v))
		fprintf(out, "%.4f", v);
	else
		fputs("null", out);
}

static void kstr(FILE *out, const char *key, const char *v, int comma)
{
	fprintf(out, "%s\"%s\": ", comma ? ", " : "", key);
	if (v)
		cb_json_str(out, v);
	else
		fputs("null", out);
}

static void cmp(FILE *out, const char *key, const cb_cmp *c, const char *against, int with_regression)
{
	fprintf(out, ", \"%s\": ", key);
	if (!c->valid) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	kstr(out, "against", against, 0);
	num(out, "ratio", c->ratio, 1);
	num(out, "ci_low", c->lo, 1);
	num(out, "ci_high", c->hi, 1);
	kstr(out, "verdict", cb_verdict_name(c->verdict), 1);
	if (with_regression)
		fprintf(out, ", \"regression\": %s", c->regression ? "true" : "false");
	fputc('}', out);
}

static void result(FILE *out, const cb_run *r, const cb_row *row, size_t e)
{
	const cb_result *res = &row->res[e];
	const cb_stats *st = &res->st;

	fputs("        {", out);
	kstr(out, "engine", r->engines[e].name, 0);
	kstr(out, "status", cb_status_name(res->status), 1);
	kstr(out, "error", res->error, 1);
	fprintf(out, ", \"n\": %zu", st->n);
	num(out, "median_ms", st->median, 1);
	num(out, "mad_ms", st->mad, 1);
	num(out, "min_ms", st->min, 1);
	num(out, "max_ms", st->max, 1);
	num(out, "mean_ms", st->mean, 1);
	num(out, "ci_low_ms", st->ci_lo, 1);
	num(out, "ci_high_ms", st->ci_hi, 1);
	num(out, "user_ms", st->user_median, 1);
	num(out, "sys_ms", st->sys_median, 1);
	fprintf(out, ", \"max_rss_kb\": %ld", st->maxrss_kb);
	if (e > 0)
		cmp(out, "vs_reference", &row->cmp[e], r->engines[0].name, 0);
	if (r->baseline_name)
		cmp(out, "vs_baseline", &row->base[e], r->baseline_name, 1);
	fputs(",\n          \"samples\": [", out);
	for (size_t i = 0; i < res->n; i++)
		fprintf(out, "%s{\"wall_ms\": %.4f, \"user_ms\": %.3f, \"sys_ms\": %.3f, \"max_rss_kb\": %ld}",
		        i ? ", " : "", res->s[i].wall_ms, res->s[i].user_ms, res->s[i].sys_ms, res->s[i].maxrss_kb);
	fputs("]}", out);
}

int cb_out_json(FILE *out, const cb_run *r)
{
	const cb_opts *o = r->o;

	fputs("{\n  \"tool\": \"ck-bench\", ", out);
	kstr(out, "library_version", ck_version(), 0);
	kstr(out, "suite", r->suite->name, 1);
	kstr(out, "suite_file", r->suite->path, 1);
	fprintf(out, ",\n  \"seed\": %llu, \"runs\": %d, \"discarded\": %d, \"confidence\": %g, \"pause_ms\": %g, "
	             "\"timeout_s\": %g,\n  \"host\": {",
	        (unsigned long long)r->seed, o->runs, 1 + o->warmup, o->confidence, o->pause_ms, o->timeout_s);
	for (int i = 0; i < CB_HOST_FIELDS; i++)
		kstr(out, cb_host_keys[i], r->host.field[i], i > 0);
	fprintf(out, ", \"load_before\": [%.2f, %.2f, %.2f], \"load_after\": [%.2f, %.2f, %.2f]},\n  \"engines\": [",
	        r->host.load_before[0], r->host.load_before[1], r->host.load_before[2], r->host.load_after[0],
	        r->host.load_after[1], r->host.load_after[2]);
	for (size_t i = 0; i < r->nengines; i++) {
		fputs(i ? ",\n    {" : "\n    {", out);
		kstr(out, "name", r->engines[i].name, 0);
		kstr(out, "prefix", r->engines[i].prefix, 1);
		kstr(out, "version", r->engines[i].version, 1);
		kstr(out, "driver", r->engines[i].driver, 1);
		fputc('}', out);
	}
	fputs("],\n  \"cases\": [", out);
	for (size_t i = 0; i < r->nrows; i++) {
		const cb_row *row = &r->rows[i];
		fputs(i ? ",\n    {" : "\n    {", out);
		kstr(out, "name", row->label, 0);
		kstr(out, "case", row->c->name, 1);
		fprintf(out, ", \"size\": %ld", row->size);
		kstr(out, "command", row->c->command, 1);
		kstr(out, "order", row->order, 1);
		fputs(", \"results\": [\n", out);
		for (size_t e = 0; e < r->nengines; e++) {
			result(out, r, row, e);
			fputs(e + 1 < r->nengines ? ",\n" : "]}", out);
		}
	}
	fputs("],\n  \"baseline\": ", out);
	if (r->baseline_name) {
		fputc('{', out);
		kstr(out, "name", r->baseline_name, 0);
		fprintf(out, ", \"threshold_pct\": %g, \"regression\": %s, \"warnings\": [", o->threshold_pct,
		        r->any_regression ? "true" : "false");
		for (size_t i = 0; i < r->nwarnings; i++) {
			fputs(i ? ", " : "", out);
			cb_json_str(out, r->warnings[i]);
		}
		fputs("]}", out);
	} else {
		fputs("null", out);
	}
	fputs("\n}\n", out);
	return 0;
}
