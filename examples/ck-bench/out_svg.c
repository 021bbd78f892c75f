/* ck-bench run: one SVG bar chart per suite, written by hand: a group of
 * horizontal bars per case (one per engine, the median) with whiskers at
 * the interval.  Each case has its own scale, since a `ps` and a `run`
 * differ by orders of magnitude; the figures are printed beside the bars. */
#define _GNU_SOURCE
#include "run.h"

#include <math.h>
#include <string.h>

#define W 1080
#define LABEL_W 170
#define BAR_X 180
#define BAR_W 470
#define BAR_H 14
#define BAR_GAP 4
#define GROUP_GAP 14
#define TOP 64

static const char *const colours[] = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1" };

static void text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				fputc(*s, out);
		}
	}
}

int cb_out_svg(FILE *out, const cb_run *r)
{
	size_t ne = r->nengines;
	int h = TOP + (int)r->nrows * ((int)ne * (BAR_H + BAR_GAP) + GROUP_GAP) + 40;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	             "font-family=\"sans-serif\" font-size=\"12\">\n",
	        W, h, W, h);
	fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, h);
	fputs("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", out);
	text(out, r->suite->name);
	fprintf(out, ": median wall time per run, whiskers at the %g%% interval</text>\n", r->o->confidence);
	fprintf(out, "<text x=\"10\" y=\"40\" fill=\"#555\">each case on its own scale; %d runs per engine; ",
	        r->o->runs);
	text(out, r->host.field[0]);
	fputs(", ", out);
	text(out, r->host.field[2]);
	fputs(" cores</text>\n", out);
	for (size_t e = 0; e < ne; e++) {
		int x = 10 + (int)e * 150;
		fprintf(out, "<rect x=\"%d\" y=\"48\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, colours[e % 6]);
		fprintf(out, "<text x=\"%d\" y=\"57\">", x + 14);
		text(out, r->engines[e].name);
		fputs("</text>\n", out);
	}
	int y = TOP;
	for (size_t i = 0; i < r->nrows; i++) {
		const cb_row *row = &r->rows[i];
		double top = 0;
		int gh = (int)ne * (BAR_H + BAR_GAP);
		for (size_t e = 0; e < ne; e++)
			if (row->res[e].status == CB_OK && isfinite(row->res[e].st.ci_hi) && row->res[e].st.ci_hi > top)
				top = row->res[e].st.ci_hi;
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W, y + gh / 2 + 4);
		text(out, row->label);
		fputs("</text>\n", out);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", BAR_X, y - 2, BAR_X,
		        y + gh - BAR_GAP + 2);
		for (size_t e = 0; e < ne; e++) {
			const cb_result *res = &row->res[e];
			int by = y + (int)e * (BAR_H + BAR_GAP);
			if (res->status != CB_OK || !(top > 0)) {
				fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#b00\">", BAR_X + 6, by + BAR_H - 3);
				text(out, r->engines[e].name);
				fprintf(out, ": %s</text>\n", cb_status_name(res->status));
				continue;
			}
			double k = BAR_W / top;
			double bw = res->st.median * k, lo = BAR_X + res->st.ci_lo * k, hi = BAR_X + res->st.ci_hi * k;
			double cy = by + BAR_H / 2.0;
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", BAR_X, by, bw,
			        BAR_H, colours[e % 6]);
			fprintf(out,
			        "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" stroke=\"black\" "
			        "stroke-width=\"1.2\" fill=\"none\"/>\n",
			        lo, cy, hi, lo, cy - 4, cy + 4, hi, cy - 4, cy + 4);
			fprintf(out, "<text x=\"%.1f\" y=\"%d\">%.2f ms [%.2f, %.2f]", (hi > BAR_X + bw ? hi : BAR_X + bw) + 6,
			        by + BAR_H - 3, res->st.median, res->st.ci_lo, res->st.ci_hi);
			if (e > 0 && row->cmp[e].valid)
			{
				fprintf(out, "  = %.2f x ", row->cmp[e].ratio);
				text(out, r->engines[0].name);
				fprintf(out, ": %s", cb_verdict_name(row->cmp[e].verdict));
			}
			fputs("</text>\n", out);
		}
		y += gh + GROUP_GAP;
	}
	fputs("</svg>\n", out);
	return 0;
}
