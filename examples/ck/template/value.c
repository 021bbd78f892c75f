/* Values as the evaluator sees them (a node of a tree, or one it made),
 * and how Go prints them: fmt's %v, encoding/json, and time.Time. */
#define _GNU_SOURCE
#include "tmpl_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

val val_none(void)
{
	return (val){ .src = V_NONE };
}

val val_tree(tctx *c, const void *n)
{
	if (!n)
		return val_none();
	return (val){ .src = V_TREE, .kind = c->ops->kind(n), .node = n };
}

val val_str(tctx *c, const char *s, size_t n)
{
	return (val){ .src = V_MADE, .kind = TMPL_STRING, .s = tctx_strndup(c, s, n), .n = n };
}

val val_int(int64_t i)
{
	return (val){ .src = V_MADE, .kind = TMPL_INT, .i = i };
}

val val_bool(bool b)
{
	return (val){ .src = V_MADE, .kind = TMPL_BOOL, .b = b };
}

val val_float(double f)
{
	return (val){ .src = V_MADE, .kind = TMPL_FLOAT, .f = f };
}

const char *val_type_name(const val *v)
{
	static const char *const names[] = {
		[TMPL_NULL] = "<nil>",  [TMPL_BOOL] = "bool",       [TMPL_INT] = "int",
		[TMPL_FLOAT] = "float64", [TMPL_STRING] = "string", [TMPL_TIME] = "time.Time",
		[TMPL_LIST] = "[]interface {}", [TMPL_MAP] = "map[string]interface {}", [TMPL_STRUCT] = "struct",
	};
	if (v->src == V_NONE)
		return "<no value>";
	if (v->src == V_MADE && v->kind == TMPL_LIST)
		return "[]string";
	return names[v->kind];
}

const char *val_text(tctx *c, const val *v, size_t *n)
{
	const char *s;
	if (v->src == V_NONE || (v->kind != TMPL_STRING && v->kind != TMPL_TIME))
		return NULL;
	if (v->src == V_MADE) {
		if (n)
			*n = v->n;
		return v->s;
	}
	s = c->ops->text(v->node);
	if (!s)
		s = "";
	if (n)
		*n = strlen(s);
	return s;
}

bool val_is_number(const val *v)
{
	return v->src != V_NONE && (v->kind == TMPL_INT || v->kind == TMPL_FLOAT);
}

int64_t val_as_int(tctx *c, const val *v)
{
	if (v->src == V_MADE)
		return v->kind == TMPL_FLOAT ? (int64_t)v->f : v->i;
	const char *s = c->ops->text(v->node);
	return v->kind == TMPL_FLOAT ? (int64_t)strtod(s, NULL) : strtoll(s, NULL, 10);
}

double val_as_float(tctx *c, const val *v)
{
	if (v->src == V_MADE)
		return v->kind == TMPL_FLOAT ? v->f : (double)v->i;
	return strtod(c->ops->text(v->node), NULL);
}

size_t val_count(tctx *c, const val *v)
{
	if (v->src == V_MADE)
		return v->kind == TMPL_LIST ? v->n : 0;
	if (v->src == V_TREE && (v->kind == TMPL_LIST || v->kind == TMPL_MAP || v->kind == TMPL_STRUCT))
		return c->ops->count(v->node);
	return 0;
}

val val_item(tctx *c, const val *v, size_t i)
{
	if (v->src == V_MADE)
		return v->items[i];
	return val_tree(c, c->ops->item(v->node, i));
}

const char *val_key(tctx *c, const val *v, size_t i)
{
	return v->src == V_TREE && (v->kind == TMPL_MAP || v->kind == TMPL_STRUCT) ? c->ops->key(v->node, i) : NULL;
}

static tctx *sort_ctx;
static const val *sort_val;

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(val_key(sort_ctx, sort_val, *(const size_t *)a),
	              val_key(sort_ctx, sort_val, *(const size_t *)b));
}

size_t *val_sorted(tctx *c, const val *v)
{
	size_t n = val_count(c, v), *idx = tctx_alloc(c, (n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (v->kind == TMPL_MAP) {
		/* qsort has no payload; the CLI runs one template at a time */
		sort_ctx = c;
		sort_val = v;
		qsort(idx, n, sizeof(*idx), cmp_keys);
	}
	return idx;
}

bool val_field(tctx *c, const val *v, const char *name, val *out)
{
	const void *f;

	if (v->src != V_TREE)
		return false;
	if ((f = c->ops->field(v->node, name))) {
		*out = val_tree(c, f);
		return true;
	}
	if (v->kind == TMPL_MAP || v->kind == TMPL_NULL) {
		*out = val_none();
		return true;
	}
	return false;
}

bool val_truth(tctx *c, const val *v)
{
	if (v->src == V_NONE)
		return false;
	switch (v->kind) {
	case TMPL_NULL: return false;
	case TMPL_BOOL: return v->src == V_MADE ? v->b : c->ops->boolean(v->node);
	case TMPL_INT: return val_as_int(c, v) != 0;
	case TMPL_FLOAT: return val_as_float(c, v) != 0;
	case TMPL_STRING: {
		size_t n;
		val_text(c, v, &n);
		return n > 0;
	}
	case TMPL_TIME: return true;
	case TMPL_LIST:
	case TMPL_MAP: return val_count(c, v) > 0;
	case TMPL_STRUCT: return true;
	}
	return false;
}

bool tmpl__parse_time(const char *s, double *out)
{
	struct tm tm = { 0 };
	const char *p;
	double frac = 0;
	int off = 0;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':')
		return false;
	if (!(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return false;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = (atoi(p + 1) * 60 + atoi(p + 4)) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	*out = (double)timegm(&tm) - off + frac;
	return true;
}

bool tmpl__go_time(char *buf, size_t size, const char *s)
{
	double when;
	const char *dot, *zone;
	char frac[16] = "";

	if (!tmpl__parse_time(s, &when))
		return false;
	/* the text itself already has the wall clock of its zone */
	dot = s + 19;
	zone = dot;
	if (*dot == '.') {
		size_t n = 0;
		for (zone = dot + 1; *zone >= '0' && *zone <= '9'; zone++)
			if (n < 9)
				frac[1 + n++] = *zone;
		while (n > 0 && frac[n] == '0')
			n--;
		if (n) {
			frac[0] = '.';
			frac[n + 1] = '\0';
		} else {
			frac[0] = '\0';
		}
	}
	if (*zone == 'Z' || *zone == 'z' || !strcmp(zone, "+00:00"))
		snprintf(buf, size, "%.10s %.8s%s +0000 UTC", s, s + 11, frac);
	else
		snprintf(buf, size, "%.10s %.8s%s %c%.2s%.2s %c%.2s%.2s", s, s + 11, frac, zone[0], zone + 1, zone + 4,
		         zone[0], zone + 1, zone + 4);
	return true;
}

/* A float as Go's %v prints it: the shortest text that reads back, in
 * exponent form below 1e-4 and from 1e6 (strconv's 'g' with -1). */
static void print_float(sbuf *b, double f)
{
	char tmp[64];
	int prec;

	if (isnan(f)) {
		sb_cat(b, "NaN");
		return;
	}
	if (isinf(f)) {
		sb_cat(b, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	int exp = f == 0 ? 0 : atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6) {
		/* Go writes at least two exponent digits, as C does */
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		char *e = strchr(tmp, 'e'), *m = e;
		/* drop a trailing ".0" mantissa, as shortest formatting does */
		while (m > tmp && m[-1] == '0' && strchr(tmp, '.') && strchr(tmp, '.') < m)
			m--;
		if (m > tmp && m[-1] == '.')
			m--;
		sb_put(b, tmp, (size_t)(m - tmp));
		sb_cat(b, e);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, f);
	sb_cat(b, tmp);
}

void val_print(tctx *c, sbuf *b, const val *v)
{
	if (v->src == V_NONE) {
		sb_cat(b, "<no value>");
		return;
	}
	switch (v->kind) {
	case TMPL_NULL: sb_cat(b, "<nil>"); break;
	case TMPL_BOOL: sb_cat(b, val_truth(c, v) ? "true" : "false"); break;
	case TMPL_INT:
		if (v->src == V_MADE)
			sb_printf(b, "%lld", (long long)v->i);
		else
			sb_cat(b, c->ops->text(v->node));
		break;
	case TMPL_FLOAT: print_float(b, val_as_float(c, v)); break;
	case TMPL_STRING: {
		size_t n;
		const char *s = val_text(c, v, &n);
		sb_put(b, s, n);
		break;
	}
	case TMPL_TIME: {
		char t[64];
		const char *s = val_text(c, v, NULL);
		sb_cat(b, tmpl__go_time(t, sizeof(t), s) ? t : s);
		break;
	}
	case TMPL_LIST:
	case TMPL_MAP:
	case TMPL_STRUCT: {
		size_t n = val_count(c, v), *idx = val_sorted(c, v);
		if (!idx)
			return;
		sb_cat(b, v->kind == TMPL_LIST ? "[" : v->kind == TMPL_MAP ? "map[" : "{");
		for (size_t i = 0; i < n; i++) {
			val item = val_item(c, v, idx[i]);
			if (i)
				sb_put(b, " ", 1);
			if (v->kind == TMPL_MAP) {
				sb_cat(b, val_key(c, v, idx[i]));
				sb_put(b, ":", 1);
			}
			val_print(c, b, &item);
		}
		sb_cat(b, v->kind == TMPL_STRUCT ? "}" : "]");
		break;
	}
	}
}

void val_json(tctx *c, sbuf *b, const val *v)
{
	if (v->src == V_NONE) {
		sb_cat(b, "null");
		return;
	}
	switch (v->kind) {
	case TMPL_NULL: sb_cat(b, "null"); break;
	case TMPL_BOOL:
	case TMPL_INT: val_print(c, b, v); break;
	case TMPL_FLOAT:
		if (v->src == V_TREE)
			sb_cat(b, c->ops->text(v->node));
		else
			print_float(b, v->f);
		break;
	case TMPL_STRING:
	case TMPL_TIME: {
		size_t n;
		const char *s = val_text(c, v, &n);
		sb_json_str(b, s, n);
		break;
	}
	case TMPL_LIST:
	case TMPL_MAP:
	case TMPL_STRUCT: {
		bool obj = v->kind != TMPL_LIST;
		size_t n = val_count(c, v), *idx = val_sorted(c, v);
		if (!idx)
			return;
		sb_put(b, obj ? "{" : "[", 1);
		for (size_t i = 0; i < n; i++) {
			val item = val_item(c, v, idx[i]);
			if (i)
				sb_put(b, ",", 1);
			if (obj) {
				const char *k = val_key(c, v, idx[i]);
				sb_json_str(b, k, strlen(k));
				sb_put(b, ":", 1);
			}
			val_json(c, b, &item);
		}
		sb_put(b, obj ? "}" : "]", 1);
		break;
	}
	}
}
