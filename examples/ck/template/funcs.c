/* The template functions: Go's builtins (and, or, not, len, index, slice,
 * print, printf, println, eq, ne, lt, le, gt, ge) and podman's (join, json,
 * lower, pad, split, title, truncate, upper). */
#define _GNU_SOURCE
#include "tmpl_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool nargs(tctx *c, const node *at, const char *name, size_t n, size_t want)
{
	if (n == want)
		return true;
	return tctx_fail(c, at, "wrong number of args for %s: want %zu got %zu", name, want, n);
}

/* A string argument, as Go converts an argument to a string parameter. */
static bool arg_str(tctx *c, const node *at, const val *v, const char **s, size_t *n)
{
	if ((*s = val_text(c, v, n)))
		return true;
	return tctx_fail(c, at, "wrong type for value; expected string; got %s", val_type_name(v));
}

static bool arg_int(tctx *c, const node *at, const val *v, int64_t *i)
{
	if (v->src != V_NONE && v->kind == TMPL_INT) {
		*i = val_as_int(c, v);
		return true;
	}
	return tctx_fail(c, at, "wrong type for value; expected int; got %s", val_type_name(v));
}

static bool f_not(tctx *c, const node *at, val *a, size_t n, val *out)
{
	if (!nargs(c, at, "not", n, 1))
		return false;
	*out = val_bool(!val_truth(c, &a[0]));
	return true;
}

static bool f_andor(tctx *c, const node *at, val *a, size_t n, val *out)
{
	(void)a;
	/* reached only without arguments: the evaluator does the rest */
	(void)n;
	(void)out;
	return tctx_fail(c, at, "wrong number of args for %s: want at least 1 got 0", at->text);
}

static bool f_len(tctx *c, const node *at, val *a, size_t n, val *out)
{
	size_t len;
	if (!nargs(c, at, "len", n, 1))
		return false;
	if (val_text(c, &a[0], &len)) {
		*out = val_int((int64_t)len);
		return true;
	}
	if (a[0].src != V_NONE && (a[0].kind == TMPL_LIST || a[0].kind == TMPL_MAP)) {
		*out = val_int((int64_t)val_count(c, &a[0]));
		return true;
	}
	return tctx_fail(c, at, "error calling len: len of type %s", val_type_name(&a[0]));
}

/* Whether every member of a map is a string: podman's labels and
 * annotations are map[string]string, whose missing keys index as "". */
static bool string_map(tctx *c, const val *m)
{
	size_t count = val_count(c, m);
	for (size_t i = 0; i < count; i++) {
		val v = val_item(c, m, i);
		if (v.src == V_NONE || v.kind != TMPL_STRING)
			return false;
	}
	return true;
}

static bool f_index(tctx *c, const node *at, val *a, size_t n, val *out)
{
	val v;
	if (n < 1)
		return tctx_fail(c, at, "wrong number of args for index: want at least 1 got 0");
	v = a[0];
	for (size_t k = 1; k < n; k++) {
		if (v.src == V_NONE)
			return tctx_fail(c, at, "error calling index: index of untyped nil");
		if (v.kind == TMPL_LIST || (v.kind == TMPL_STRING && v.src != V_NONE)) {
			int64_t i;
			size_t len;
			if (!val_is_number(&a[k]) || a[k].kind != TMPL_INT)
				return tctx_fail(c, at, "error calling index: cannot index slice/array with type %s",
				                 val_type_name(&a[k]));
			i = val_as_int(c, &a[k]);
			if (v.kind == TMPL_STRING) {
				const char *s = val_text(c, &v, &len);
				if (i < 0 || (size_t)i >= len)
					return tctx_fail(c, at, "error calling index: index out of range: %lld", (long long)i);
				v = val_int((unsigned char)s[i]);
				continue;
			}
			len = val_count(c, &v);
			if (i < 0 || (size_t)i >= len)
				return tctx_fail(c, at, "error calling index: index out of range: %lld", (long long)i);
			v = val_item(c, &v, (size_t)i);
		} else if (v.kind == TMPL_MAP) {
			const char *key;
			size_t klen;
			val found;
			if (!(key = val_text(c, &a[k], &klen)))
				return tctx_fail(c, at, "error calling index: value has type %s; should be string",
				                 val_type_name(&a[k]));
			val_field(c, &v, key, &found);
			if (found.src == V_NONE && string_map(c, &v))
				found = val_str(c, "", 0);
			v = found;
		} else {
			return tctx_fail(c, at, "error calling index: can't index item of type %s", val_type_name(&v));
		}
	}
	*out = v;
	return true;
}

static bool f_slice(tctx *c, const node *at, val *a, size_t n, val *out)
{
	int64_t idx[2] = { 0, -1 };
	size_t len;
	const char *s;

	if (n < 1 || n > 3)
		return tctx_fail(c, at, "wrong number of args for slice: want 1 to 3 got %zu", n);
	s = val_text(c, &a[0], &len);
	if (!s && (a[0].src == V_NONE || a[0].kind != TMPL_LIST))
		return tctx_fail(c, at, "error calling slice: can't slice item of type %s", val_type_name(&a[0]));
	if (!s)
		len = val_count(c, &a[0]);
	idx[1] = (int64_t)len;
	for (size_t k = 1; k < n; k++) {
		if (!arg_int(c, at, &a[k], &idx[k - 1]))
			return false;
		if (idx[k - 1] < 0 || idx[k - 1] > (int64_t)len)
			return tctx_fail(c, at, "error calling slice: index out of range: %lld", (long long)idx[k - 1]);
	}
	if (idx[0] > idx[1])
		return tctx_fail(c, at, "error calling slice: invalid slice index: %lld > %lld", (long long)idx[0],
		                 (long long)idx[1]);
	if (s) {
		*out = val_str(c, s + idx[0], (size_t)(idx[1] - idx[0]));
		return true;
	}
	val *items = tctx_alloc(c, (size_t)(idx[1] - idx[0] + 1) * sizeof(*items));
	if (!items)
		return false;
	for (int64_t i = idx[0]; i < idx[1]; i++)
		items[i - idx[0]] = val_item(c, &a[0], (size_t)i);
	*out = (val){ .src = V_MADE, .kind = TMPL_LIST, .n = (size_t)(idx[1] - idx[0]), .items = items };
	return true;
}

/* Go's comparison kinds: 0 invalid, 1 bool, 2 int, 3 float, 4 string, 5 nil */
static int basic_kind(const val *v)
{
	if (v->src == V_NONE)
		return 0;
	switch (v->kind) {
	case TMPL_BOOL: return 1;
	case TMPL_INT: return 2;
	case TMPL_FLOAT: return 3;
	case TMPL_STRING:
	case TMPL_TIME: return 4;
	case TMPL_NULL: return 5;
	default: return -1;
	}
}

/* <0, 0, >0; false (error set) when they cannot be compared. */
static bool compare(tctx *c, const node *at, const val *a, const val *b, bool ordered, int *res)
{
	int ka = basic_kind(a), kb = basic_kind(b);

	if (ka < 0 || kb < 0 || (ordered && (ka == 1 || ka == 5 || kb == 1 || kb == 5)))
		return tctx_fail(c, at, "error calling %s: invalid type for comparison", at->text);
	if (ka != kb) {
		if (!ordered && (ka == 0 || kb == 0 || ka == 5 || kb == 5)) {
			*res = 1; /* a missing or nil value equals nothing else */
			return true;
		}
		return tctx_fail(c, at, "error calling %s: incompatible types for comparison", at->text);
	}
	switch (ka) {
	case 0:
	case 5: *res = 0; break;
	case 1: *res = val_truth(c, a) - val_truth(c, b); break;
	case 2: {
		int64_t x = val_as_int(c, a), y = val_as_int(c, b);
		*res = x < y ? -1 : x > y;
		break;
	}
	case 3: {
		double x = val_as_float(c, a), y = val_as_float(c, b);
		*res = x < y ? -1 : x > y;
		break;
	}
	default: {
		size_t la, lb;
		const char *x = val_text(c, a, &la), *y = val_text(c, b, &lb);
		int r = memcmp(x, y, la < lb ? la : lb);
		*res = r ? r : la < lb ? -1 : la > lb;
	}
	}
	return true;
}

static bool f_eq(tctx *c, const node *at, val *a, size_t n, val *out)
{
	int r;
	if (n < 2)
		return tctx_fail(c, at, "error calling eq: missing argument for comparison");
	for (size_t k = 1; k < n; k++) {
		if (!compare(c, at, &a[0], &a[k], false, &r))
			return false;
		if (r == 0) {
			*out = val_bool(true);
			return true;
		}
	}
	*out = val_bool(false);
	return true;
}

static bool f_cmp(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *op = at->text;
	int r;

	if (!nargs(c, at, op, n, 2) || !compare(c, at, &a[0], &a[1], strcmp(op, "ne") != 0, &r))
		return false;
	*out = val_bool(!strcmp(op, "ne") ? r != 0 : !strcmp(op, "lt") ? r < 0 : !strcmp(op, "le") ? r <= 0
	                                              : !strcmp(op, "gt") ? r > 0 : r >= 0);
	return true;
}

static bool is_str(const val *v)
{
	return v->src != V_NONE && v->kind == TMPL_STRING;
}

/* fmt.Sprint: a space between operands when neither is a string;
 * Sprintln: always, and a newline. */
static bool do_print(tctx *c, val *a, size_t n, bool ln, val *out)
{
	sbuf b = { 0 };
	for (size_t k = 0; k < n; k++) {
		if (k && (ln || (!is_str(&a[k - 1]) && !is_str(&a[k]))))
			sb_put(&b, " ", 1);
		val_print(c, &b, &a[k]);
	}
	if (ln)
		sb_put(&b, "\n", 1);
	*out = val_str(c, b.s ? b.s : "", b.n);
	free(b.s);
	return !b.oom;
}

static bool f_print(tctx *c, const node *at, val *a, size_t n, val *out)
{
	(void)at;
	return do_print(c, a, n, false, out);
}

static bool f_println(tctx *c, const node *at, val *a, size_t n, val *out)
{
	(void)at;
	return do_print(c, a, n, true, out);
}

static bool f_printf(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *fmt;
	size_t flen;
	sbuf b = { 0 };

	if (n < 1)
		return tctx_fail(c, at, "wrong number of args for printf: want at least 1 got 0");
	if (!arg_str(c, at, &a[0], &fmt, &flen))
		return false;
	if (!tmpl__sprintf(c, at, &b, fmt, flen, a + 1, n - 1)) {
		free(b.s);
		return false;
	}
	*out = val_str(c, b.s ? b.s : "", b.n);
	free(b.s);
	return !b.oom;
}

static bool f_json(tctx *c, const node *at, val *a, size_t n, val *out)
{
	sbuf b = { 0 };
	if (!nargs(c, at, "json", n, 1))
		return false;
	val_json(c, &b, &a[0]);
	*out = val_str(c, b.s ? b.s : "", b.n);
	free(b.s);
	return !b.oom;
}

static bool f_join(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *sep, *s;
	size_t seplen, len, count;
	sbuf b = { 0 };

	if (!nargs(c, at, "join", n, 2) || !arg_str(c, at, &a[1], &sep, &seplen))
		return false;
	if (a[0].src == V_NONE || (a[0].kind != TMPL_LIST && a[0].kind != TMPL_NULL))
		return tctx_fail(c, at, "wrong type for value; expected []string; got %s", val_type_name(&a[0]));
	count = val_count(c, &a[0]);
	for (size_t i = 0; i < count; i++) {
		val item = val_item(c, &a[0], i);
		if (!(s = val_text(c, &item, &len))) {
			free(b.s);
			return tctx_fail(c, at, "wrong type for value; expected []string; got %s", val_type_name(&a[0]));
		}
		if (i)
			sb_put(&b, sep, seplen);
		sb_put(&b, s, len);
	}
	*out = val_str(c, b.s ? b.s : "", b.n);
	free(b.s);
	return !b.oom;
}

/* lower, upper, title: ASCII case mapping; title upper-cases the first
 * letter of each word (words are separated by anything but letters,
 * digits, underscores and apostrophes, as strings.Title). */
static bool f_case(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *s;
	size_t len;
	char *d;
	int mode = at->text[0] == 'l' ? 0 : at->text[0] == 'u' ? 1 : 2;

	if (!nargs(c, at, at->text, n, 1) || !arg_str(c, at, &a[0], &s, &len))
		return false;
	if (!(d = tctx_alloc(c, len + 1)))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (mode == 0)
			d[i] = (char)tolower(ch);
		else if (mode == 1)
			d[i] = (char)toupper(ch);
		else {
			unsigned char prev = i ? (unsigned char)s[i - 1] : ' ';
			bool sep = !(isalnum(prev) || prev == '_' || prev == '\'' || prev >= 0x80);
			d[i] = (char)(sep ? toupper(ch) : ch);
		}
	}
	*out = (val){ .src = V_MADE, .kind = TMPL_STRING, .s = d, .n = len };
	return true;
}

static bool f_split(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *s, *sep;
	size_t len, seplen, count = 0;
	val *items;

	if (!nargs(c, at, "split", n, 2) || !arg_str(c, at, &a[0], &s, &len) || !arg_str(c, at, &a[1], &sep, &seplen))
		return false;
	/* strings.Split: an empty separator splits after each byte (UTF-8
	 * sequences kept whole) */
	if (!(items = tctx_alloc(c, (len + 1) * sizeof(*items))))
		return false;
	if (seplen == 0) {
		for (size_t i = 0; i < len;) {
			size_t k = 1;
			while (i + k < len && ((unsigned char)s[i + k] & 0xC0) == 0x80)
				k++;
			items[count++] = val_str(c, s + i, k);
			i += k;
		}
	} else {
		const char *p = s, *end = s + len, *hit;
		while ((hit = memmem(p, (size_t)(end - p), sep, seplen))) {
			items[count++] = val_str(c, p, (size_t)(hit - p));
			p = hit + seplen;
		}
		items[count++] = val_str(c, p, (size_t)(end - p));
	}
	*out = (val){ .src = V_MADE, .kind = TMPL_LIST, .n = count, .items = items };
	return true;
}

static bool f_truncate(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *s;
	size_t len;
	int64_t k = 0;

	if (!nargs(c, at, "truncate", n, 2) || !arg_str(c, at, &a[0], &s, &len) || !arg_int(c, at, &a[1], &k))
		return false;
	if (k < 0)
		return tctx_fail(c, at, "error calling truncate: slice bounds out of range [:%lld]", (long long)k);
	*out = val_str(c, s, (size_t)k < len ? (size_t)k : len);
	return true;
}

static bool f_pad(tctx *c, const node *at, val *a, size_t n, val *out)
{
	const char *s;
	size_t len;
	int64_t pre = 0, post = 0;
	sbuf b = { 0 };

	if (!nargs(c, at, "pad", n, 3) || !arg_str(c, at, &a[0], &s, &len) || !arg_int(c, at, &a[1], &pre) ||
	    !arg_int(c, at, &a[2], &post))
		return false;
	for (int64_t i = 0; i < pre; i++)
		sb_put(&b, " ", 1);
	sb_put(&b, s, len);
	for (int64_t i = 0; i < post; i++)
		sb_put(&b, " ", 1);
	*out = val_str(c, b.s ? b.s : "", b.n);
	free(b.s);
	return !b.oom;
}

static const struct {
	const char *name;
	tfunc fn;
} funcs[] = {
	{ "and", f_andor },   { "eq", f_eq },       { "ge", f_cmp },       { "gt", f_cmp },
	{ "index", f_index }, { "join", f_join },   { "json", f_json },    { "le", f_cmp },
	{ "len", f_len },     { "lower", f_case },  { "lt", f_cmp },       { "ne", f_cmp },
	{ "not", f_not },     { "or", f_andor },    { "pad", f_pad },      { "print", f_print },
	{ "printf", f_printf }, { "println", f_println }, { "slice", f_slice }, { "split", f_split },
	{ "title", f_case },  { "truncate", f_truncate }, { "upper", f_case },
};

tfunc tmpl__func(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcmp(funcs[i].name, name))
			return funcs[i].fn;
	return NULL;
}
