/* The CLI's JSON reader (recursive descent, UTF-8 through), its three
 * writers (indented JSON, compact JSON and YAML-like text; templates are in
 * template/), and the one growable string and string escaper both use. */
#define _GNU_SOURCE
#include "json.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *d = realloc(b->s, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->s = d;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void sb_cat(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sb_put(b, tmp, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	sb_put(b, big, (size_t)n);
	free(big);
}

void sb_json_str(sbuf *b, const char *s, size_t n)
{
	sb_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };
			sb_put(b, e, 2);
		} else if (ch == '\n') {
			sb_cat(b, "\\n");
		} else if (ch == '\r') {
			sb_cat(b, "\\r");
		} else if (ch == '\t') {
			sb_cat(b, "\\t");
		} else if (ch < 0x20) {
			sb_printf(b, "\\u%04x", ch);
		} else if (ch == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		           ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
			/* U+2028 and U+2029, which encoding/json always escapes */
			sb_printf(b, "\\u202%c", (unsigned char)s[i + 2] == 0xA8 ? '8' : '9');
			i += 2;
		} else {
			sb_put(b, s + i, 1);
		}
	}
	sb_put(b, "\"", 1);
}

struct parser {
	const char *p;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static jnode *node_new(jtype t)
{
	jnode *n = calloc(1, sizeof(*n));
	if (n)
		n->type = t;
	return n;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(char **o, unsigned cp)
{
	char *p = *o;
	if (cp < 0x80) {
		*p++ = (char)cp;
	} else if (cp < 0x800) {
		*p++ = (char)(0xC0 | (cp >> 6));
		*p++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*p++ = (char)(0xE0 | (cp >> 12));
		*p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*p++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*p++ = (char)(0xF0 | (cp >> 18));
		*p++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*p++ = (char)(0x80 | (cp & 0x3F));
	}
	*o = p;
}

/* Parses a string at ps->p (on the opening quote). */
static char *parse_string(struct parser *ps)
{
	const char *s = ++ps->p;
	size_t len = 0;
	char *out, *o;

	while (s[len] && s[len] != '"')
		len += s[len] == '\\' && s[len + 1] ? 2 : 1;
	if (s[len] != '"')
		return NULL;
	/* Escapes never make the text longer. */
	if (!(out = malloc(len + 1)))
		return NULL;
	o = out;
	for (const char *p = s; p < s + len; p++) {
		if ((unsigned char)*p < 0x20)
			goto bad;
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (p + 4 >= s + len || hex4(p + 1, &cp) < 0)
				goto bad;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && p + 6 < s + len && p[1] == '\\' &&
			    p[2] == 'u' && hex4(p + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			put_utf8(&o, cp);
			break;
		}
		default:
			goto bad;
		}
	}
	*o = '\0';
	ps->p = s + len + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static jnode *parse_value(struct parser *ps);

static int push(jnode *n, char *key, jnode *v)
{
	char **nk = NULL;
	jnode **nv = realloc(n->vals, (n->n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	n->vals = nv;
	if (n->type == J_OBJ) {
		if (!(nk = realloc(n->keys, (n->n + 1) * sizeof(*nk))))
			return -1;
		n->keys = nk;
		n->keys[n->n] = key;
	}
	n->vals[n->n++] = v;
	return 0;
}

static jnode *parse_container(struct parser *ps, bool obj)
{
	jnode *n = node_new(obj ? J_OBJ : J_ARR);
	char close = obj ? '}' : ']';

	if (!n || ++ps->depth > 512)
		goto bad;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return n;
	}
	for (;;) {
		char *key = NULL;
		jnode *v;

		skip_ws(ps);
		if (obj) {
			if (*ps->p != '"' || !(key = parse_string(ps)))
				goto bad;
			skip_ws(ps);
			if (*ps->p++ != ':') {
				free(key);
				goto bad;
			}
		}
		if (!(v = parse_value(ps)) || push(n, key, v) < 0) {
			free(key);
			json_free(v);
			goto bad;
		}
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ != close)
			goto bad;
		ps->depth--;
		return n;
	}
bad:
	json_free(n);
	return NULL;
}

static jnode *parse_value(struct parser *ps)
{
	jnode *n;

	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		if (!(n = node_new(J_STR)))
			return NULL;
		if (!(n->str = parse_string(ps))) {
			free(n);
			return NULL;
		}
		return n;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = { "true", "false", "null" };
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(words[i]);
			if (!strncmp(ps->p, words[i], l)) {
				ps->p += l;
				if (!(n = node_new(i == 2 ? J_NULL : J_BOOL)))
					return NULL;
				n->b = i == 0;
				return n;
			}
		}
		return NULL;
	}
	default: {
		const char *s = ps->p;
		if (*s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s) || *s == '.' || *s == 'e' || *s == 'E' || *s == '+' ||
		       *s == '-')
			s++;
		if (!(n = node_new(J_NUM)))
			return NULL;
		if (!(n->str = strndup(ps->p, (size_t)(s - ps->p)))) {
			free(n);
			return NULL;
		}
		ps->p = s;
		return n;
	}
	}
}

jnode *json_parse(const char *text)
{
	struct parser ps = { text, 0 };
	jnode *n;

	if (!text)
		return NULL;
	n = parse_value(&ps);
	skip_ws(&ps);
	if (n && *ps.p) {
		json_free(n);
		return NULL;
	}
	return n;
}

void json_free(jnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		json_free(n->vals[i]);
	}
	free(n->keys);
	free(n->vals);
	free(n->str);
	free(n);
}

const jnode *json_get(const jnode *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->vals[i];
	for (size_t i = 0; i < obj->n; i++)
		if (!strcasecmp(obj->keys[i], key))
			return obj->vals[i];
	return NULL;
}

const char *json_get_str(const jnode *obj, const char *key)
{
	const jnode *v = json_get(obj, key);
	return v && v->type == J_STR ? v->str : NULL;
}

static void print_string(FILE *f, const char *s)
{
	sbuf b = { 0 };

	sb_json_str(&b, s, strlen(s));
	if (b.s)
		fwrite(b.s, 1, b.n, f);
	free(b.s);
}

static void print_indent(FILE *f, const char *indent, int level)
{
	for (int i = 0; i < level; i++)
		fputs(indent, f);
}

void json_print(FILE *f, const jnode *n, const char *indent, int level)
{
	switch (n->type) {
	case J_NULL: fputs("null", f); break;
	case J_BOOL: fputs(n->b ? "true" : "false", f); break;
	case J_NUM: fputs(n->str, f); break;
	case J_STR: print_string(f, n->str); break;
	case J_ARR:
	case J_OBJ: {
		bool obj = n->type == J_OBJ;
		if (n->n == 0) {
			fputs(obj ? "{}" : "[]", f);
			break;
		}
		fputs(obj ? "{\n" : "[\n", f);
		for (size_t i = 0; i < n->n; i++) {
			print_indent(f, indent, level + 1);
			if (obj) {
				print_string(f, n->keys[i]);
				fputs(": ", f);
			}
			json_print(f, n->vals[i], indent, level + 1);
			fputs(i + 1 < n->n ? ",\n" : "\n", f);
		}
		print_indent(f, indent, level);
		fputc(obj ? '}' : ']', f);
		break;
	}
	}
}

void json_print_line(FILE *f, const jnode *n, const char *indent)
{
	json_print(f, n, indent, 0);
	fputc('\n', f);
}

void json_print_compact(FILE *f, const jnode *n)
{
	if (n->type != J_ARR && n->type != J_OBJ) {
		json_print(f, n, "", 0);
		return;
	}
	fputc(n->type == J_OBJ ? '{' : '[', f);
	for (size_t i = 0; i < n->n; i++) {
		if (i)
			fputc(',', f);
		if (n->type == J_OBJ) {
			print_string(f, n->keys[i]);
			fputc(':', f);
		}
		json_print_compact(f, n->vals[i]);
	}
	fputc(n->type == J_OBJ ? '}' : ']', f);
}

/* Whether a YAML scalar needs quotes to read back as the same string. */
static bool yaml_needs_quotes(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "yes", "no", "on", "off", "~" };
	char *end;

	if (!*s || isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1]))
		return true;
	if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	strtod(s, &end);
	if (!*end)
		return true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (*p == ':' && (p[1] == ' ' || !p[1])) ||
		    (*p == '#' && p > s && p[-1] == ' '))
			return true;
	return false;
}

static void yaml_scalar(FILE *f, const jnode *n)
{
	switch (n->type) {
	case J_NULL: fputs("null", f); break;
	case J_BOOL: fputs(n->b ? "true" : "false", f); break;
	case J_NUM: fputs(n->str, f); break;
	case J_STR:
		if (yaml_needs_quotes(n->str))
			print_string(f, n->str);
		else
			fputs(n->str, f);
		break;
	case J_ARR: fputs("[]", f); break;
	case J_OBJ: fputs("{}", f); break;
	}
}

static bool yaml_block(const jnode *n)
{
	return (n->type == J_OBJ || n->type == J_ARR) && n->n > 0;
}

/* Prints the members of a block at `level`; `first_inline` is set when
 * the first line continues a "- " already written. */
static void yaml_members(FILE *f, const jnode *n, int level, bool first_inline)
{
	for (size_t i = 0; i < n->n; i++) {
		const jnode *v = n->vals[i];
		if (!(i == 0 && first_inline))
			fprintf(f, "%*s", 2 * level, "");
		if (n->type == J_OBJ) {
			fprintf(f, "%s:", n->keys[i]);
			if (yaml_block(v)) {
				fputc('\n', f);
				/* Sequences sit at their key's level, as go-yaml writes them. */
				yaml_members(f, v, v->type == J_ARR ? level : level + 1, false);
				continue;
			}
			fputc(' ', f);
			yaml_scalar(f, v);
			fputc('\n', f);
		} else {
			fputs("- ", f);
			if (yaml_block(v)) {
				yaml_members(f, v, level + 1, true);
				continue;
			}
			yaml_scalar(f, v);
			fputc('\n', f);
		}
	}
}

void yaml_print(FILE *f, const jnode *n)
{
	if (yaml_block(n)) {
		yaml_members(f, n, 0, false);
	} else {
		yaml_scalar(f, n);
		fputc('\n', f);
	}
}
