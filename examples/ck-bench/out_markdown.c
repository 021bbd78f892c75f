/* ck-bench run: the Markdown report: the host record, then one table per
 * suite with medians, intervals and verdicts, ready for docs/BENCHMARKS.md. */
#define _GNU_SOURCE
#include "run.h"

#include <stdlib.h>
#include <string.h>

static void cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

int cb_out_markdown(FILE *out, const cb_run *r)
{
	fputs("## ", out);
	cell(out, r->suite->name);
	fprintf(out, "\n\n%s; %s; %s cores; %s; %s; cgroups %s; storage on %s; %s; load average %.2f before, "
	             "%.2f after.\n",
	        r->host.field[0], r->host.field[1], r->host.field[2], r->host.field[3], r->host.field[4],
	        r->host.field[6], r->host.field[5], r->host.field[7], r->host.load_before[0], r->host.load_after[0]);
	fprintf(out, "%d timed runs per engine and case after %d discarded, interleaved in a random order (seed "
	             "%llu); %g%% bootstrap intervals of the median and of the ratio.\n\nEngines:\n\n",
	        r->o->runs, 1 + r->o->warmup, (unsigned long long)r->seed, r->o->confidence);
	for (size_t e = 0; e < r->nengines; e++) {
		/* The whole version output on one line: `version` prints a block. */
		char *v = cb_strdup(r->engines[e].version);
		for (char *p = v; *p; p++)
			if (*p == '\n')
				*p = ';';
		fprintf(out, "- `%s`: ", r->engines[e].name);
		cell(out, v);
		fprintf(out, " (storage driver: %s)\n", r->engines[e].driver);
		free(v);
	}
	fputs("\n| case | engine | median ms | interval ms | MAD | min | max |", out);
	if (r->nengines > 1)
		fprintf(out, " vs %s | verdict |", r->engines[0].name);
	if (r->baseline_name)
		fputs(" vs baseline | |", out);
	fputs("\n|:--|:--|--:|--:|--:|--:|--:|", out);
	if (r->nengines > 1)
		fputs("--:|:--|", out);
	if (r->baseline_name)
		fputs("--:|:--|", out);
	fputc('\n', out);
	for (size_t i = 0; i < r->nrows; i++) {
		const cb_row *row = &r->rows[i];
		for (size_t e = 0; e < r->nengines; e++) {
			const cb_result *res = &row->res[e];
			fputs("| `", out);
			cell(out, row->label);
			fprintf(out, "` | %s |", r->engines[e].name);
			if (res->status != CB_OK) {
				fprintf(out, " %s | | | | |", cb_status_name(res->status));
			} else {
				fprintf(out, " %.2f | %.2f – %.2f | %.2f | %.2f | %.2f |", res->st.median, res->st.ci_lo,
				        res->st.ci_hi, res->st.mad, res->st.min, res->st.max);
			}
			if (r->nengines > 1) {
				const cb_cmp *c = &row->cmp[e];
				if (e == 0)
					fputs(res->status == CB_OK ? " 1 | reference |" : " | |", out);
				else if (c->valid)
					fprintf(out, " %.2f (%.2f – %.2f) | %s |", c->ratio, c->lo, c->hi,
					        cb_verdict_name(c->verdict));
				else
					fputs(" | |", out);
			}
			if (r->baseline_name) {
				const cb_cmp *c = &row->base[e];
				if (c->valid)
					fprintf(out, " %.2f (%.2f – %.2f) | %s%s |", c->ratio, c->lo, c->hi,
					        cb_verdict_name(c->verdict), c->regression ? ", regression" : "");
				else
					fputs(" | |", out);
			}
			fputc('\n', out);
		}
	}
	int failed = 0;
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t e = 0; e < r->nengines; e++)
			if (r->rows[i].res[e].status != CB_OK) {
				if (!failed++)
					fputs("\nFailed cases:\n\n", out);
				fprintf(out, "- `%s` on %s: ", r->rows[i].label, r->engines[e].name);
				cell(out, r->rows[i].res[e].error);
				fputc('\n', out);
			}
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(out, "%sWarning: %s\n", i ? "" : "\n", r->warnings[i]);
	return 0;
}
