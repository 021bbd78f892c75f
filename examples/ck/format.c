/* podman's --format over the template engine: "\t" and "\n" escapes, a
 * newline added at the end, "table" with headers, and tabwriter alignment. */
#define _GNU_SOURCE
#include "format.h"

#include <stdlib.h>
#include <string.h>

#include "template/tmpl.h"
#include "util.h"

/* podman's NormalizeFormat: escapes become characters, a table's spaces
 * become tabs (so "table {{.A}} {{.B}}" has two columns), and the text
 * ends in a newline. */
static char *normalize(const char *in, bool is_table)
{
	size_t len = strlen(in);
	char *out = malloc(len + 2), *o = out;

	if (!out)
		return NULL;
	for (const char *p = in; *p; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			*o++ = p[1] == 't' ? '\t' : '\n';
			p++;
		} else if (is_table && *p == ' ') {
			*o++ = '\t';
		} else {
			*o++ = *p;
		}
	}
	if (o == out || o[-1] != '\n')
		*o++ = '\n';
	*o = '\0';
	return out;
}

static tmpl *compile(const char *text, bool is_table)
{
	char *norm = normalize(text, is_table), *err = NULL;
	tmpl *t;

	if (!norm) {
		die("out of memory");
		return NULL;
	}
	if (!(t = tmpl_parse(norm, &err))) {
		die("%s", err ? err : "out of memory");
		free(err);
	}
	free(norm);
	return t;
}

int print_template(const char *text, const jnode *obj)
{
	return print_template_ops(text, &tmpl_json_ops, obj);
}

int print_template_ops(const char *text, const tmpl_ops *ops, const void *obj)
{
	tmpl *t = compile(text, false);
	char *out, *err = NULL;
	size_t len;

	if (!t)
		return EXIT_CK;
	out = tmpl_exec(t, ops, obj, &(tmpl_exec_opts){ .strict_root = true }, &len, &err);
	tmpl_free(t);
	if (!out) {
		die("%s", err ? err : "out of memory");
		free(err);
		return EXIT_CK;
	}
	fwrite(out, 1, len, stdout);
	free(out);
	return 0;
}

int print_list_template(const char *text, jnode *const *items, size_t n, bool noheading,
                        const char *const *headers)
{
	bool is_table = !strncmp(text, "table ", 6);
	tmpl *t = compile(is_table ? text + 6 : text, is_table);
	sbuf all = { 0 };
	char *err = NULL;
	int rc = 0;

	if (!t)
		return EXIT_CK;
	if (is_table && !noheading) {
		/* podman runs the template once on a map of headers */
		tmpl_headers *h = tmpl_headers_new(headers);
		tmpl_exec_opts o = { .lenient_range = true };
		size_t len;
		char *line = h ? tmpl_exec(t, &tmpl_header_ops, tmpl_headers_root(h), &o, &len, &err) : NULL;
		if (line)
			sb_put(&all, line, len);
		free(line);
		tmpl_headers_free(h);
		free(err);
		err = NULL;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len;
		char *out = tmpl_exec(t, &tmpl_json_ops, items[i], &(tmpl_exec_opts){ .strict_root = true }, &len, &err);
		if (!out) {
			rc = die("%s", err ? err : "out of memory");
			free(err);
			break;
		}
		sb_put(&all, out, len);
		free(out);
	}
	tmpl_free(t);
	if (rc == 0 && sb_take(&all) && all.n) {
		char *aligned = is_table ? tmpl_tabwrite(all.s, all.n) : NULL;
		if (is_table && !aligned)
			rc = die("out of memory");
		else
			fputs(aligned ? aligned : all.s, stdout);
		free(aligned);
	}
	free(all.s);
	return rc;
}
