/* ck-bench run: small string helpers and the {placeholder} expansion of
 * suite commands. */
#define _GNU_SOURCE
#include "run.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	/* A benchmark driver with no memory has nothing sensible left to do. */
	fputs("ck-bench: out of memory\n", stderr);
	exit(CB_EXIT_USAGE);
}

char *cb_strdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		oom();
	return d;
}

char *cb_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void *cb_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n + 1 <= *cap)
		return p;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < n + 1)
		ncap *= 2;
	void *q = realloc(p, ncap * size);
	if (!q)
		oom();
	memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return q;
}

double cb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *lookup(const char *name, size_t len, const cb_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].key) == len && !strncmp(v[i].key, name, len))
			return v[i].val;
	return NULL;
}

/* Only {identifier} is a placeholder, so that shell braces (${var}) and Go
 * templates ("{{.Store.GraphDriverName}}") pass through untouched. */
char *cb_expand(const char *tmpl, const cb_kv *vars, size_t nvars, const cb_kv *more, size_t nmore, char **err)
{
	size_t cap = strlen(tmpl) + 64, len = 0;
	char *out = malloc(cap);

	if (!out)
		oom();
	*err = NULL;
	for (const char *p = tmpl; *p;) {
		const char *val = NULL;
		size_t skip = 1;
		if (*p == '{' && (isalpha((unsigned char)p[1]) || p[1] == '_') && !(p > tmpl && p[-1] == '$')) {
			const char *e = p + 1;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			if (*e == '}' && !(p > tmpl && p[-1] == '{' && e[1] == '}')) {
				size_t n = (size_t)(e - p - 1);
				if (!(val = lookup(p + 1, n, vars, nvars)) && !(val = lookup(p + 1, n, more, nmore))) {
					*err = cb_printf("unknown placeholder {%.*s}", (int)n, p + 1);
					free(out);
					return NULL;
				}
				skip = n + 2;
			}
		}
		size_t add = val ? strlen(val) : 1;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			char *q = realloc(out, cap);
			if (!q)
				oom();
			out = q;
		}
		if (val)
			memcpy(out + len, val, add);
		else
			out[len] = *p;
		len += add;
		p += skip;
	}
	out[len] = '\0';
	return out;
}

void cb_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

int cb_write_file(const char *path, int (*fn)(FILE *, const cb_run *), const cb_run *r)
{
	char *tmp = cb_printf("%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	int rc = -1;

	if (!f) {
		fprintf(stderr, "ck-bench: cannot write %s: %m\n", tmp);
		free(tmp);
		return -1;
	}
	if (fn(f, r) == 0 && !ferror(f))
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "ck-bench: cannot write %s: %m\n", path);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}
