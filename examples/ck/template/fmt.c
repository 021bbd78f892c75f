/* printf for templates: Go's fmt verbs over template values, with Go's
 * "%!d(string=x)" for a verb that does not fit its operand. */
#define _GNU_SOURCE
#include "tmpl_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct spec {
	bool minus, plus, sharp, space, zero;
	int width, prec; /* -1: none */
} spec;

size_t tmpl__runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			r++;
	return r;
}

/* Writes `s` padded to the width, as fmt pads (counting runes). */
static void pad_put(sbuf *b, const spec *sp, const char *s, size_t n, bool numeric)
{
	size_t w = tmpl__runes(s, n);
	if (sp->prec >= 0 && !numeric) {
		/* a precision cuts a string to that many runes */
		size_t k = 0, r = 0;
		while (k < n && r < (size_t)sp->prec) {
			k++;
			while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
				k++;
			r++;
		}
		n = k;
		w = r;
	}
	if (sp->width < 0 || w >= (size_t)sp->width) {
		sb_put(b, s, n);
		return;
	}
	size_t fill = (size_t)sp->width - w;
	if (sp->minus) {
		sb_put(b, s, n);
		while (fill--)
			sb_put(b, " ", 1);
		return;
	}
	if (sp->zero && numeric) {
		/* zeros go after the sign */
		if (n && (s[0] == '-' || s[0] == '+')) {
			sb_put(b, s, 1);
			s++, n--;
		}
		while (fill--)
			sb_put(b, "0", 1);
	} else {
		while (fill--)
			sb_put(b, " ", 1);
	}
	sb_put(b, s, n);
}

static void bad_verb(tctx *c, sbuf *b, char verb, const val *v)
{
	sb_printf(b, "%%!%c(%s=", verb, val_type_name(v));
	val_print(c, b, v);
	sb_put(b, ")", 1);
}

/* A C format for one numeric conversion with the spec's flags. */
static void c_format(char *out, size_t size, const spec *sp, const char *len_mod, char conv)
{
	char prec[16] = "";
	if (sp->prec >= 0)
		snprintf(prec, sizeof(prec), ".%d", sp->prec);
	snprintf(out, size, "%%%s%s%s%s%s", sp->plus ? "+" : "", sp->space ? " " : "", sp->sharp ? "#" : "", prec,
	         len_mod);
	size_t l = strlen(out);
	if (l + 1 < size) {
		out[l] = conv;
		out[l + 1] = '\0';
	}
}

static void quote(sbuf *b, const char *s, size_t n)
{
	sb_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': sb_cat(b, "\\\""); break;
		case '\\': sb_cat(b, "\\\\"); break;
		case '\n': sb_cat(b, "\\n"); break;
		case '\t': sb_cat(b, "\\t"); break;
		case '\r': sb_cat(b, "\\r"); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				sb_printf(b, "\\x%02x", ch);
			else
				sb_put(b, s + i, 1);
		}
	}
	sb_put(b, "\"", 1);
}

static void one(tctx *c, sbuf *b, const spec *sp, char verb, const val *v)
{
	sbuf tmp = { 0 };
	char f[32];
	bool numeric = false;
	int kind = v->src == V_NONE ? -1 : (int)v->kind;

	switch (verb) {
	case 'v':
		val_print(c, &tmp, v);
		numeric = kind == TMPL_INT || kind == TMPL_FLOAT;
		break;
	case 's':
		if (kind == TMPL_INT || kind == TMPL_FLOAT || kind == TMPL_BOOL) {
			bad_verb(c, b, verb, v);
			return;
		}
		val_print(c, &tmp, v);
		break;
	case 'q':
		if (kind == TMPL_STRING || kind == TMPL_TIME) {
			size_t n;
			const char *s = val_text(c, v, &n);
			quote(&tmp, s, n);
		} else if (kind == TMPL_INT) {
			sb_printf(&tmp, "'%c'", (char)val_as_int(c, v));
		} else {
			bad_verb(c, b, verb, v);
			return;
		}
		break;
	case 'd':
	case 'o':
	case 'x':
	case 'X':
	case 'b':
	case 'c':
		if ((verb == 'x' || verb == 'X') && (kind == TMPL_STRING || kind == TMPL_TIME)) {
			size_t n;
			const char *s = val_text(c, v, &n);
			for (size_t i = 0; i < n; i++)
				sb_printf(&tmp, verb == 'x' ? "%02x" : "%02X", (unsigned char)s[i]);
			break;
		}
		if (kind != TMPL_INT) {
			bad_verb(c, b, verb, v);
			return;
		}
		numeric = true;
		if (verb == 'c') {
			sb_printf(&tmp, "%c", (char)val_as_int(c, v));
		} else if (verb == 'b') {
			unsigned long long u = (unsigned long long)val_as_int(c, v);
			char bits[65];
			int k = 64;
			bits[k] = '\0';
			do
				bits[--k] = (char)('0' + (u & 1));
			while (u >>= 1);
			sb_cat(&tmp, bits + k);
		} else {
			long long x = (long long)val_as_int(c, v);
			c_format(f, sizeof(f), sp, "ll", verb == 'd' ? 'd' : verb);
			if (verb != 'd' && x < 0) {
				/* Go prints -ff, C would print the two's complement */
				sb_put(&tmp, "-", 1);
				x = -x;
			}
			sb_printf(&tmp, f, x);
		}
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
		if (kind != TMPL_FLOAT) {
			bad_verb(c, b, verb, v);
			return;
		}
		numeric = true;
		{
			spec s2 = *sp;
			if ((verb == 'f' || verb == 'F' || verb == 'e' || verb == 'E') && s2.prec < 0)
				s2.prec = 6;
			c_format(f, sizeof(f), &s2, "", verb == 'F' ? 'f' : verb);
			sb_printf(&tmp, f, val_as_float(c, v));
		}
		break;
	case 't':
		if (kind != TMPL_BOOL) {
			bad_verb(c, b, verb, v);
			return;
		}
		sb_cat(&tmp, val_truth(c, v) ? "true" : "false");
		break;
	case 'T':
		sb_cat(&tmp, val_type_name(v));
		break;
	default:
		bad_verb(c, b, verb, v);
		return;
	}
	{
		spec s2 = *sp;
		if (numeric)
			s2.prec = -1;
		pad_put(b, &s2, tmp.s ? tmp.s : "", tmp.n, numeric);
	}
	free(tmp.s);
}

bool tmpl__sprintf(tctx *c, const node *at, sbuf *b, const char *fmt, size_t flen, const val *args, size_t n)
{
	size_t argi = 0;
	const char *p = fmt, *end = fmt + flen;

	(void)at;
	while (p < end) {
		const char *pct = memchr(p, '%', (size_t)(end - p));
		if (!pct) {
			sb_put(b, p, (size_t)(end - p));
			break;
		}
		sb_put(b, p, (size_t)(pct - p));
		p = pct + 1;
		spec sp = { .width = -1, .prec = -1 };
		for (; p < end; p++) {
			if (*p == '-')
				sp.minus = true;
			else if (*p == '+')
				sp.plus = true;
			else if (*p == '#')
				sp.sharp = true;
			else if (*p == ' ')
				sp.space = true;
			else if (*p == '0')
				sp.zero = !sp.minus;
			else
				break;
		}
		while (p < end && *p >= '0' && *p <= '9')
			sp.width = (sp.width < 0 ? 0 : sp.width * 10) + (*p++ - '0');
		if (p < end && *p == '.') {
			sp.prec = 0;
			for (p++; p < end && *p >= '0' && *p <= '9'; p++)
				sp.prec = sp.prec * 10 + (*p - '0');
		}
		if (p >= end) {
			sb_cat(b, "%!(NOVERB)");
			break;
		}
		char verb = *p++;
		if (verb == '%') {
			sb_put(b, "%", 1);
			continue;
		}
		if (argi >= n) {
			sb_printf(b, "%%!%c(MISSING)", verb);
			continue;
		}
		one(c, b, &sp, verb, &args[argi++]);
	}
	if (argi < n) {
		sb_cat(b, "%!(EXTRA ");
		for (size_t i = argi; i < n; i++) {
			if (i > argi)
				sb_cat(b, ", ");
			sb_printf(b, "%s=", val_type_name(&args[i]));
			val_print(c, b, &args[i]);
		}
		sb_put(b, ")", 1);
	}
	return !b->oom;
}
