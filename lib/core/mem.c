/* Memory and string helpers, and the growable buffer used to build output. */
#define _GNU_SOURCE
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ck_free(void *ptr)
{
	free(ptr);
}

void ck_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **p = strv; *p; p++)
		free(*p);
	free(strv);
}

char *ck__strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *ck__asprintf(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		out = NULL;
	va_end(ap);
	return out;
}

char *ck__path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la && a[la - 1] == '/')
		return ck__asprintf("%s%s", a, b);
	return ck__asprintf("%s/%s", a, b);
}

size_t ck__strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int ck__strv_push(char ***v, const char *s)
{
	size_t n = ck__strv_len(*v);
	char *copy = strdup(s);
	char **nv;

	if (!copy)
		return ck__oom();
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return ck__oom();
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*v = nv;
	return CK_OK;
}

bool ck__str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool buf_reserve(ck__buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void ck__buf_add(ck__buf *b, const void *data, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ck__buf_puts(ck__buf *b, const char *s)
{
	ck__buf_add(b, s, strlen(s));
}

void ck__buf_printf(ck__buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && buf_reserve(b, (size_t)n)) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	} else if (n < 0) {
		b->oom = true;
	}
	va_end(ap2);
}

char *ck__buf_take(ck__buf *b)
{
	char *out;

	if (b->oom || !buf_reserve(b, 0)) {
		ck__buf_free(b);
		ck__oom();
		return NULL;
	}
	b->data[b->len] = '\0'; /* an empty buffer was never terminated */
	out = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return out;
}

void ck__buf_free(ck__buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}
