/* Column alignment as Go's text/tabwriter does it with podman's settings,
 * and podman's wording of durations ("About an hour"). */
#define _GNU_SOURCE
#include "tmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cell {
	const char *s;
	size_t len, width; /* width in runes */
} cell;

typedef struct line {
	cell *cells;
	size_t n; /* the last cell is the text after the last tab */
} line;

typedef struct tw {
	line *lines;
	size_t nlines;
	size_t *widths;
	size_t nwidths;
	char *out;
	size_t olen;
	bool final_nl; /* the text ended in a newline */
} tw;

enum { MINWIDTH = 12, PADDING = 2 };

static void write_lines(tw *w, size_t from, size_t to)
{
	for (size_t l = from; l < to; l++) {
		const line *ln = &w->lines[l];
		for (size_t j = 0; j < ln->n; j++) {
			const cell *c = &ln->cells[j];
			memcpy(w->out + w->olen, c->s, c->len);
			w->olen += c->len;
			if (j + 1 < ln->n && j < w->nwidths)
				for (size_t k = c->width; k < w->widths[j]; k++)
					w->out[w->olen++] = ' ';
		}
		if (l + 1 < w->nlines || w->final_nl)
			w->out[w->olen++] = '\n';
	}
}

/* Go's tabwriter.format: a column block is a run of lines that have a
 * cell in the column; its width is the widest cell there. */
static void format(tw *w, size_t line0, size_t line1)
{
	size_t column = w->nwidths;

	for (size_t this = line0; this < line1; this++) {
		if (column + 1 >= w->lines[this].n)
			continue;
		write_lines(w, line0, this);
		line0 = this;
		size_t width = MINWIDTH;
		for (; this < line1; this++) {
			const line *ln = &w->lines[this];
			if (column + 1 >= ln->n)
				break;
			if (ln->cells[column].width + PADDING > width)
				width = ln->cells[column].width + PADDING;
		}
		w->widths[w->nwidths++] = width;
		format(w, line0, this);
		w->nwidths--;
		line0 = this;
	}
	write_lines(w, line0, line1);
}

char *tmpl_tabwrite(const char *text, size_t len)
{
	tw w = { 0 };
	size_t widest = 0, outcap = 1;
	const char *p = text, *end = text + len;

	/* lines and their tab-terminated cells; a text that ends in a newline
	 * has no last, empty line */
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		if (!nl && p == end)
			break;
		line *nlns = realloc(w.lines, (w.nlines + 1) * sizeof(*nlns));
		if (!nlns)
			goto oom;
		w.lines = nlns;
		line *ln = &w.lines[w.nlines];
		ln->n = 1;
		for (const char *q = p; q < le; q++)
			ln->n += *q == '\t';
		if (!(ln->cells = calloc(ln->n, sizeof(cell))))
			goto oom;
		w.nlines++;
		for (size_t k = 0;; k++) {
			const char *tab = memchr(p, '\t', (size_t)(le - p)), *ce = tab ? tab : le;
			ln->cells[k] = (cell){ p, (size_t)(ce - p), tmpl__runes(p, (size_t)(ce - p)) };
			if (ln->cells[k].width > widest)
				widest = ln->cells[k].width;
			outcap += ln->cells[k].len;
			if (!tab)
				break;
			p = tab + 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	/* no column is wider than the widest cell plus padding, or MINWIDTH */
	for (size_t l = 0; l < w.nlines; l++)
		outcap += w.lines[l].n * (widest + MINWIDTH + PADDING) + 1;
	if (!(w.widths = calloc(outcap, sizeof(size_t))) || !(w.out = malloc(outcap)))
		goto oom;
	w.final_nl = len > 0 && text[len - 1] == '\n';
	format(&w, 0, w.nlines);
	w.out[w.olen] = '\0';
	for (size_t l = 0; l < w.nlines; l++)
		free(w.lines[l].cells);
	free(w.lines);
	free(w.widths);
	return w.out;
oom:
	for (size_t l = 0; l < w.nlines; l++)
		free(w.lines[l].cells);
	free(w.lines);
	free(w.widths);
	free(w.out);
	return NULL;
}

void tmpl_human_duration(char *buf, size_t size, double d)
{
	long long s = (long long)d, minutes = (long long)(d / 60), hours = (long long)(d / 3600 + 0.5);

	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", s);
	else if (minutes == 1)
		snprintf(buf, size, "About a minute");
	else if (minutes < 60)
		snprintf(buf, size, "%lld minutes", minutes);
	else if (hours == 1)
		snprintf(buf, size, "About an hour");
	else if (hours < 48)
		snprintf(buf, size, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", hours / 24 / 30);
	else
		snprintf(buf, size, "%lld years", (long long)(d / 3600) / 24 / 365);
}
