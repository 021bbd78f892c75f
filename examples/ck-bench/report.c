/* ck-bench: the results of one run, printed as one JSON object (for scripts)
 * or as an aligned table (for people). */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bench_item *next_item(bench_report *r, const char *key, const char *label, const char *unit)
{
	bench_item *it;

	if (r->n == BENCH_REPORT_MAX) {
		/* A programming error in a group: say so rather than drop it quietly. */
		fprintf(stderr, "ck-bench: report full, dropping %s\n", key);
		return NULL;
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->label = label;
	it->unit = unit ? unit : "";
	return it;
}

void bench_report_str(bench_report *r, const char *key, const char *label, const char *val)
{
	bench_item *it = next_item(r, key, label, NULL);

	if (it && !(it->str = strdup(val ? val : "")))
		r->n--;
}

void bench_report_num(bench_report *r, const char *key, const char *label, double val, const char *unit,
                      int decimals)
{
	bench_item *it = next_item(r, key, label, unit);

	if (it) {
		it->num = val;
		it->decimals = decimals;
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void format_num(char *buf, size_t size, const bench_item *it)
{
	if (!isfinite(it->num))
		snprintf(buf, size, "null");
	else
		snprintf(buf, size, "%.*f", it->decimals, it->num);
}

void bench_report_print(FILE *out, const bench_report *r, bool json)
{
	char num[64];
	int wlabel = 0, wvalue = 0;

	if (json) {
		fputc('{', out);
		for (size_t i = 0; i < r->n; i++) {
			const bench_item *it = &r->items[i];
			fprintf(out, "%s\"%s\":", i ? "," : "", it->key);
			if (it->str) {
				json_string(out, it->str);
			} else {
				format_num(num, sizeof(num), it);
				fputs(num, out);
			}
		}
		fputs("}\n", out);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const bench_item *it = &r->items[i];
		int wl = (int)strlen(it->label), wv;
		format_num(num, sizeof(num), it);
		wv = (int)strlen(it->str ? it->str : num);
		wlabel = wl > wlabel ? wl : wlabel;
		/* Long strings (paths) do not widen the number column. */
		if (!it->str || wv < 16)
			wvalue = wv > wvalue ? wv : wvalue;
	}
	if (r->title)
		fprintf(out, "%s\n", r->title);
	for (size_t i = 0; i < r->n; i++) {
		const bench_item *it = &r->items[i];
		if (it->str) {
			fprintf(out, "  %-*s  %s\n", wlabel, it->label, it->str);
		} else {
			format_num(num, sizeof(num), it);
			fprintf(out, "  %-*s  %*s%s%s\n", wlabel, it->label, wvalue, num, *it->unit ? "  " : "",
			        it->unit);
		}
	}
}

void bench_report_free(bench_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].str);
	r->n = 0;
}
