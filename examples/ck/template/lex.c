/* The template lexer: text between actions, and the tokens inside
 * {{ }} (with Go's trim markers "{{- " and " -}}" and comments). */
#define _GNU_SOURCE
#include "lex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool push(lexer *l, tok_type type, const char *s, size_t len, bool space)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		tok *nt = realloc(l->toks, cap * sizeof(*nt));
		if (!nt) {
			l->err = "out of memory";
			return false;
		}
		l->toks = nt;
		l->cap = cap;
	}
	l->toks[l->n++] = (tok){ type, (int)(s - l->src), s, len, space };
	return true;
}

static bool fail(lexer *l, const char *at, const char *msg)
{
	l->err = msg;
	l->err_pos = (int)(at - l->src);
	return false;
}

/* A quoted string, raw string or character constant at p. */
static const char *scan_quote(lexer *l, const char *p)
{
	char q = *p;
	const char *s = p + 1;

	for (; *s && *s != q; s++) {
		if (q == '`')
			continue;
		if (*s == '\n') {
			fail(l, p, q == '"' ? "unterminated quoted string" : "unterminated character constant");
			return NULL;
		}
		if (*s == '\\' && s[1])
			s++;
	}
	if (!*s) {
		fail(l, p, q == '"' ? "unterminated quoted string" : q == '`' ? "unterminated raw quoted string"
		                                                               : "unterminated character constant");
		return NULL;
	}
	return s + 1;
}

/* The tokens of one action from p (just after "{{" and any trim marker);
 * returns the position after "}}". */
static const char *lex_action(lexer *l, const char *p, const char *open, bool *trim_right)
{
	bool space = true;
	int parens = 0;

	*trim_right = false;
	for (;;) {
		const char *s = p;
		if (!*p)
			return fail(l, open, "unclosed action"), NULL;
		if (is_space(*p)) {
			while (is_space(*p))
				p++;
			if (p[0] == '-' && p[1] == '}' && p[2] == '}') {
				*trim_right = true;
				p++;
			}
			space = true;
			continue;
		}
		if (p[0] == '}' && p[1] == '}') {
			if (parens)
				return fail(l, p, "unclosed left paren"), NULL;
			push(l, T_RIGHT, p, 2, space);
			return p + 2;
		}
		if (*p == '.' && !isdigit((unsigned char)p[1])) {
			/* a field chain ".A.B", or dot alone */
			if (!is_alnum(p[1])) {
				push(l, T_DOT, p, 1, space);
				p++;
			} else {
				while (*p == '.' && is_alnum(p[1])) {
					p++;
					while (is_alnum(*p))
						p++;
				}
				push(l, T_FIELD, s, (size_t)(p - s), space);
			}
		} else if (*p == '$') {
			p++;
			while (is_alnum(*p))
				p++;
			while (*p == '.' && is_alnum(p[1])) { /* $x.A.B */
				p++;
				while (is_alnum(*p))
					p++;
			}
			push(l, T_VAR, s, (size_t)(p - s), space);
		} else if (*p == '"' || *p == '`' || *p == '\'') {
			if (!(p = scan_quote(l, p)))
				return NULL;
			push(l, *s == '"' ? T_STRING : *s == '`' ? T_RAW : T_CHAR, s, (size_t)(p - s), space);
		} else if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+' || *p == '.') &&
		                                           isdigit((unsigned char)p[1]))) {
			p++;
			while (is_alnum(*p) || *p == '.' ||
			       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E' || p[-1] == 'p' || p[-1] == 'P')))
				p++;
			push(l, T_NUMBER, s, (size_t)(p - s), space);
		} else if (is_alnum(*p)) {
			while (is_alnum(*p))
				p++;
			push(l, T_IDENT, s, (size_t)(p - s), space);
		} else if (*p == '|') {
			push(l, T_PIPE, p++, 1, space);
		} else if (*p == '(') {
			parens++;
			push(l, T_LPAREN, p++, 1, space);
		} else if (*p == ')') {
			if (--parens < 0)
				return fail(l, p, "unexpected right paren U+0029 ')'"), NULL;
			push(l, T_RPAREN, p++, 1, space);
		} else if (*p == ':' && p[1] == '=') {
			push(l, T_DECLARE, p, 2, space);
			p += 2;
		} else if (*p == '=') {
			push(l, T_ASSIGN, p++, 1, space);
		} else if (*p == ',') {
			push(l, T_COMMA, p++, 1, space);
		} else {
			static char msg[64];
			unsigned char c = (unsigned char)*p;
			snprintf(msg, sizeof(msg), "bad character U+%04X '%c'", c, c >= 0x20 && c < 0x7f ? c : '?');
			return fail(l, p, msg), NULL;
		}
		if (l->err)
			return NULL;
		space = false;
	}
}

bool tmpl__lex(lexer *l, const char *src)
{
	const char *p = src;
	bool trim_left_next = false;

	memset(l, 0, sizeof(*l));
	l->src = src;
	while (*p) {
		const char *open = strstr(p, "{{"), *text_end = open ? open : p + strlen(p);
		const char *ts = p;
		bool trim = open && open[2] == '-' && is_space(open[3]);

		if (trim_left_next)
			while (ts < text_end && is_space(*ts))
				ts++;
		const char *te = text_end;
		if (trim)
			while (te > ts && is_space(te[-1]))
				te--;
		if (te > ts && !push(l, T_TEXT, ts, (size_t)(te - ts), false))
			return false;
		if (!open)
			break;
		p = open + 2 + (trim ? 2 : 0);
		if (p[0] == '/' && p[1] == '*') {
			/* a comment: only trim markers and spaces may follow it */
			const char *end = strstr(p + 2, "*/");
			if (!end)
				return fail(l, open, "unclosed comment");
			p = end + 2;
			trim_left_next = false;
			if (p[0] == ' ' && p[1] == '-' && p[2] == '}' && p[3] == '}') {
				trim_left_next = true;
				p += 4;
			} else if (p[0] == '}' && p[1] == '}') {
				p += 2;
			} else {
				return fail(l, end, "comment ends before closing delimiter");
			}
			continue;
		}
		if (!push(l, T_LEFT, open, 2, false))
			return false;
		if (!(p = lex_action(l, p, open, &trim_left_next)))
			return false;
	}
	return push(l, T_EOF, p, 0, true);
}

void tmpl__lex_free(lexer *l)
{
	free(l->toks);
	memset(l, 0, sizeof(*l));
}
