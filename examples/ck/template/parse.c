/* The template parser: tokens to a tree of text, actions and the control
 * structures (if, else if, range, with, break, continue), with Go's errors. */
#define _GNU_SOURCE
#include "lex.h"
#include "tmpl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	lexer lx;
	size_t i;
	char *err;
	char **vars; /* variables in scope, innermost last */
	size_t nvars, capvars;
} parser;

void tmpl__position(char *buf, size_t size, const char *src, int pos)
{
	int line = 1, last_nl = -1;
	for (int i = 0; i < pos && src[i]; i++)
		if (src[i] == '\n')
			line++, last_nl = i;
	snprintf(buf, size, "%d:%d", line, last_nl < 0 ? pos : pos - (last_nl + 1));
}

static bool perr(parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool perr(parser *p, int pos, const char *fmt, ...)
{
	char where[32], msg[512];
	va_list ap;

	if (p->err)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tmpl__position(where, sizeof(where), p->lx.src, pos);
	if (asprintf(&p->err, "template: :%s: %s", where, msg) < 0)
		p->err = NULL;
	return false;
}

static const tok *peek(parser *p)
{
	return &p->lx.toks[p->i];
}

static const tok *next(parser *p)
{
	const tok *t = &p->lx.toks[p->i];
	if (t->type != T_EOF)
		p->i++;
	return t;
}

static node *node_new(parser *p, node_type type, int pos)
{
	node *n = calloc(1, sizeof(*n));
	if (!n) {
		perr(p, pos, "out of memory");
		return NULL;
	}
	n->type = type;
	n->pos = pos;
	return n;
}

static bool add_kid(parser *p, node *n, node *kid)
{
	node **nk = realloc(n->kids, (n->n + 1) * sizeof(*nk));
	if (!nk) {
		tmpl__node_free(kid);
		return perr(p, n->pos, "out of memory");
	}
	n->kids = nk;
	n->kids[n->n++] = kid;
	return true;
}

static bool add_str(parser *p, char ***v, size_t *n, const char *s, size_t len, int pos)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv || !(nv[*n] = strndup(s, len))) {
		if (nv)
			*v = nv;
		return perr(p, pos, "out of memory");
	}
	*v = nv;
	(*n)++;
	return true;
}

void tmpl__node_free(node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		tmpl__node_free(n->kids[i]);
	for (size_t i = 0; i < n->nfields; i++)
		free(n->fields[i]);
	for (size_t i = 0; i < n->nvars; i++)
		free(n->vars[i]);
	free(n->kids);
	free(n->fields);
	free(n->vars);
	free(n->text);
	tmpl__node_free(n->pipe);
	tmpl__node_free(n->list);
	tmpl__node_free(n->else_list);
	free(n);
}

/* Splits ".A.B" (from `s`) into n->fields. */
static bool split_fields(parser *p, node *n, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t j = ++i;
		while (j < len && s[j] != '.')
			j++;
		if (!add_str(p, &n->fields, &n->nfields, s + i, j - i, n->pos))
			return false;
		i = j;
	}
	return true;
}

static bool var_known(parser *p, const char *name, size_t len)
{
	if (len == 1)
		return true; /* $ */
	for (size_t i = p->nvars; i-- > 0;)
		if (strlen(p->vars[i]) == len && !strncmp(p->vars[i], name, len))
			return true;
	return false;
}

static bool var_push(parser *p, const char *name, int pos)
{
	if (p->nvars == p->capvars) {
		size_t cap = p->capvars ? 2 * p->capvars : 8;
		char **nv = realloc(p->vars, cap * sizeof(*nv));
		if (!nv)
			return perr(p, pos, "out of memory");
		p->vars = nv;
		p->capvars = cap;
	}
	p->vars[p->nvars++] = (char *)name; /* borrowed from the node */
	return true;
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		       o[2] = (char)(0x80 | (cp & 0x3F)), 3;
	return o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
	       o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F)), 4;
}

/* Go's unquoting of "..." and '...' (the quotes included in s, len). */
static bool unquote(parser *p, const tok *t, char **out, size_t *outlen)
{
	const char *s = t->s + 1, *e = t->s + t->len - 1;
	char *o = malloc(t->len * 2 + 4), *w = o;

	if (!o)
		return perr(p, t->pos, "out of memory");
	while (s < e) {
		if (*s != '\\') {
			*w++ = *s++;
			continue;
		}
		s++;
		switch (*s++) {
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'r': *w++ = '\r'; break;
		case 'a': *w++ = '\a'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'v': *w++ = '\v'; break;
		case '\\': *w++ = '\\'; break;
		case '"': *w++ = '"'; break;
		case '\'': *w++ = '\''; break;
		case 'x': case 'u': case 'U': {
			int digits = s[-1] == 'x' ? 2 : s[-1] == 'u' ? 4 : 8;
			unsigned v = 0;
			for (int k = 0; k < digits; k++, s++) {
				if (s >= e || unhex(*s) < 0)
					goto bad;
				v = v * 16 + (unsigned)unhex(*s);
			}
			if (digits == 2)
				*w++ = (char)v;
			else
				w += put_utf8(w, v);
			break;
		}
		default:
			if (s[-1] >= '0' && s[-1] <= '7' && s + 1 < e + 1 && s[0] >= '0' && s[0] <= '7' &&
			    s[1] >= '0' && s[1] <= '7') {
				*w++ = (char)((s[-1] - '0') * 64 + (s[0] - '0') * 8 + (s[1] - '0'));
				s += 2;
				break;
			}
			goto bad;
		}
	}
	*w = '\0';
	*out = o;
	*outlen = (size_t)(w - o);
	return true;
bad:
	free(o);
	return perr(p, t->pos, "invalid syntax: %.*s", (int)t->len, t->s);
}

static node *parse_number(parser *p, const tok *t)
{
	node *n = node_new(p, N_NUMBER, t->pos);
	char *end;

	if (!n)
		return NULL;
	n->text = strndup(t->s, t->len);
	if (!n->text) {
		tmpl__node_free(n);
		return perr(p, t->pos, "out of memory"), NULL;
	}
	errno = 0;
	n->i = strtoll(n->text, &end, 0);
	if (!*end && errno == 0) {
		n->is_int = true;
		n->f = (double)n->i;
		return n;
	}
	errno = 0;
	n->f = strtod(n->text, &end);
	if (*end || errno) {
		perr(p, t->pos, "illegal number syntax: \"%s\"", n->text);
		tmpl__node_free(n);
		return NULL;
	}
	return n;
}

static node *parse_pipeline(parser *p, const char *context, bool allow_decl, int max_vars);

/* One operand: a term, and the fields chained onto a parenthesized one. */
static node *parse_operand(parser *p)
{
	const tok *t = next(p);
	node *n = NULL;

	switch (t->type) {
	case T_FIELD:
		if ((n = node_new(p, N_FIELD, t->pos)) && !split_fields(p, n, t->s, t->len))
			goto fail;
		return n;
	case T_DOT:
		return node_new(p, N_DOT, t->pos);
	case T_VAR: {
		size_t name_len = 1;
		while (name_len < t->len && t->s[name_len] != '.')
			name_len++;
		if (!var_known(p, t->s, name_len))
			return perr(p, t->pos, "undefined variable \"%.*s\"", (int)name_len, t->s), NULL;
		if (!(n = node_new(p, N_VAR, t->pos)) || !(n->text = strndup(t->s, name_len)) ||
		    !split_fields(p, n, t->s + name_len, t->len - name_len))
			goto fail;
		return n;
	}
	case T_STRING:
	case T_RAW:
		if (!(n = node_new(p, N_STRING, t->pos)))
			return NULL;
		if (t->type == T_RAW) {
			if (!(n->text = strndup(t->s + 1, t->len - 2)))
				goto fail;
			n->len = t->len - 2;
		} else if (!unquote(p, t, &n->text, &n->len)) {
			goto fail;
		}
		return n;
	case T_CHAR: {
		char *s;
		size_t len;
		unsigned cp = 0;
		if (!unquote(p, t, &s, &len))
			return NULL;
		/* one UTF-8 character: its code point is the number */
		const unsigned char *u = (const unsigned char *)s;
		int extra = u[0] < 0x80 ? 0 : u[0] < 0xE0 ? 1 : u[0] < 0xF0 ? 2 : 3;
		cp = extra == 0 ? u[0] : u[0] & (0x3F >> extra);
		for (int k = 1; k <= extra && (size_t)k < len; k++)
			cp = (cp << 6) | (u[k] & 0x3F);
		free(s);
		if (len == 0 || (size_t)extra + 1 != len)
			return perr(p, t->pos, "malformed character constant: %.*s", (int)t->len, t->s), NULL;
		if (!(n = node_new(p, N_NUMBER, t->pos)))
			return NULL;
		n->is_int = true;
		n->i = cp;
		n->f = cp;
		if (!(n->text = strndup(t->s, t->len)))
			goto fail;
		return n;
	}
	case T_NUMBER:
		return parse_number(p, t);
	case T_IDENT:
		if (t->len == 4 && !strncmp(t->s, "true", 4)) {
			if ((n = node_new(p, N_BOOL, t->pos)))
				n->b = true;
			return n;
		}
		if (t->len == 5 && !strncmp(t->s, "false", 5))
			return node_new(p, N_BOOL, t->pos);
		if (t->len == 3 && !strncmp(t->s, "nil", 3))
			return node_new(p, N_NIL, t->pos);
		if (!(n = node_new(p, N_IDENT, t->pos)) || !(n->text = strndup(t->s, t->len)))
			goto fail;
		if (!tmpl__func(n->text)) {
			perr(p, t->pos, "function \"%s\" not defined", n->text);
			goto fail;
		}
		return n;
	case T_LPAREN: {
		node *pipe = parse_pipeline(p, "parenthesized pipeline", false, 0);
		if (!pipe)
			return NULL;
		t = next(p);
		if (t->type != T_RPAREN) {
			tmpl__node_free(pipe);
			return perr(p, t->pos, "unclosed left paren"), NULL;
		}
		if (peek(p)->type == T_FIELD && !peek(p)->space_before) {
			t = next(p);
			if (!(n = node_new(p, N_CHAIN, pipe->pos))) {
				tmpl__node_free(pipe);
				return NULL;
			}
			n->pipe = pipe;
			if (!split_fields(p, n, t->s, t->len))
				goto fail;
			return n;
		}
		return pipe;
	}
	default:
		p->i--;
		return NULL; /* not an operand: the caller decides */
	}
fail:
	if (!p->err)
		perr(p, t->pos, "out of memory");
	tmpl__node_free(n);
	return NULL;
}

static const char *tok_text(const tok *t, char *buf, size_t size)
{
	if (t->type == T_EOF)
		return "EOF";
	snprintf(buf, size, "\"%.*s\"", (int)(t->len > 40 ? 40 : t->len), t->s);
	return buf;
}

static node *parse_command(parser *p)
{
	node *cmd = node_new(p, N_CMD, peek(p)->pos);

	if (!cmd)
		return NULL;
	for (;;) {
		const tok *t = peek(p);
		if (t->type == T_PIPE || t->type == T_RIGHT || t->type == T_RPAREN)
			break;
		if (cmd->n && !t->space_before && t->type != T_EOF) {
			char buf[64];
			perr(p, t->pos, "unexpected %s in operand", tok_text(t, buf, sizeof(buf)));
			goto fail;
		}
		node *op = parse_operand(p);
		if (!op) {
			if (!p->err) {
				char buf[64];
				perr(p, t->pos, "unexpected %s in operand", tok_text(t, buf, sizeof(buf)));
			}
			goto fail;
		}
		if (!add_kid(p, cmd, op))
			goto fail;
	}
	if (cmd->n == 0) {
		perr(p, peek(p)->pos, "missing value for command");
		goto fail;
	}
	return cmd;
fail:
	tmpl__node_free(cmd);
	return NULL;
}

/* A pipeline up to "}}" or ")" (not consumed), with its declaration. */
static node *parse_pipeline(parser *p, const char *context, bool allow_decl, int max_vars)
{
	node *pipe = node_new(p, N_PIPE, peek(p)->pos);
	size_t save = p->i;

	if (!pipe)
		return NULL;
	/* "$x :=", "$x =", "$i, $v :=" */
	if (allow_decl && peek(p)->type == T_VAR) {
		size_t k = p->i;
		int nv = 0;
		while (p->lx.toks[k].type == T_VAR && !memchr(p->lx.toks[k].s, '.', p->lx.toks[k].len)) {
			nv++;
			k++;
			if (p->lx.toks[k].type == T_COMMA && max_vars > 1 && nv < max_vars)
				k++;
			else
				break;
		}
		tok_type op = p->lx.toks[k].type;
		if (nv > 0 && (op == T_DECLARE || op == T_ASSIGN) && p->lx.toks[k - 1].type == T_VAR) {
			for (size_t j = p->i; j < k; j++) {
				const tok *v = &p->lx.toks[j];
				if (v->type != T_VAR)
					continue;
				if (op == T_ASSIGN && !var_known(p, v->s, v->len)) {
					perr(p, v->pos, "undefined variable \"%.*s\"", (int)v->len, v->s);
					goto fail;
				}
				if (!add_str(p, &pipe->vars, &pipe->nvars, v->s, v->len, v->pos))
					goto fail;
			}
			pipe->decl = op == T_DECLARE;
			p->i = k + 1;
		} else {
			p->i = save;
		}
	}
	if (peek(p)->type == T_RIGHT || peek(p)->type == T_RPAREN) {
		perr(p, peek(p)->pos, "missing value for %s", context);
		goto fail;
	}
	for (;;) {
		node *cmd = parse_command(p);
		if (!cmd || !add_kid(p, pipe, cmd))
			goto fail;
		if (peek(p)->type != T_PIPE)
			break;
		next(p);
	}
	if (pipe->n == 0) {
		perr(p, pipe->pos, "missing value for %s", context);
		goto fail;
	}
	for (size_t k = 1; k < pipe->n; k++) {
		node *first = pipe->kids[k]->kids[0];
		if (first->type != N_IDENT && first->type != N_FIELD && first->type != N_VAR &&
		    first->type != N_CHAIN && first->type != N_PIPE && first->type != N_DOT) {
			perr(p, first->pos, "non executable command in pipeline stage %zu", k + 1);
			goto fail;
		}
	}
	/* declared variables are visible after the declaration */
	if (pipe->decl)
		for (size_t k = 0; k < pipe->nvars; k++)
			if (!var_push(p, pipe->vars[k], pipe->pos))
				goto fail;
	return pipe;
fail:
	tmpl__node_free(pipe);
	return NULL;
}

static bool expect_right(parser *p, const char *context)
{
	const tok *t = next(p);
	char buf[64];
	if (t->type == T_RIGHT)
		return true;
	return perr(p, t->pos, "unexpected %s in %s", tok_text(t, buf, sizeof(buf)), context);
}

static bool is_keyword(const tok *t, const char *kw)
{
	return t->type == T_IDENT && strlen(kw) == t->len && !strncmp(t->s, kw, t->len);
}

static node *parse_list(parser *p, int depth, int in_range, const tok **stop);

/* if, range, with: "{{if PIPE}} LIST [{{else [if|with ...]}} LIST] {{end}}" */
static node *parse_control(parser *p, node_type type, const tok *kw, int depth, int in_range)
{
	const char *names[] = { [N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with" };
	node *n = node_new(p, type, kw->pos);
	const tok *stop = NULL;
	size_t vars_before = p->nvars;

	if (!n)
		return NULL;
	if (!(n->pipe = parse_pipeline(p, names[type], true, type == N_RANGE ? 2 : 1)) ||
	    !expect_right(p, names[type]))
		goto fail;
	if (!(n->list = parse_list(p, depth + 1, type == N_RANGE ? 1 : in_range, &stop)))
		goto fail;
	if (is_keyword(stop, "else")) {
		const tok *t = peek(p);
		if ((is_keyword(t, "if") && type == N_IF) || (is_keyword(t, "with") && type == N_WITH)) {
			/* "else if": a nested if that ends at this one's {{end}} */
			next(p);
			node *inner = parse_control(p, type, t, depth, in_range);
			if (!inner)
				goto fail;
			if (!(n->else_list = node_new(p, N_LIST, t->pos)) || !add_kid(p, n->else_list, inner))
				goto fail;
			p->nvars = vars_before;
			return n;
		}
		if (!expect_right(p, "else"))
			goto fail;
		if (!(n->else_list = parse_list(p, depth + 1, in_range, &stop)))
			goto fail;
	}
	if (!is_keyword(stop, "end")) {
		char buf[64];
		perr(p, stop->pos, "unexpected %s in %s", tok_text(stop, buf, sizeof(buf)), names[type]);
		goto fail;
	}
	if (!expect_right(p, "end"))
		goto fail;
	p->nvars = vars_before;
	return n;
fail:
	p->nvars = vars_before;
	tmpl__node_free(n);
	return NULL;
}

/* Text and actions until {{end}}, {{else}} or EOF; *stop is the keyword
 * token that ended it (its "}}" not consumed) or the EOF token. */
static node *parse_list(parser *p, int depth, int in_range, const tok **stop)
{
	node *list = node_new(p, N_LIST, peek(p)->pos);
	size_t vars_before = p->nvars;

	if (!list)
		return NULL;
	if (depth > 100) {
		perr(p, peek(p)->pos, "template nests too deeply");
		goto fail;
	}
	for (;;) {
		const tok *t = next(p);
		node *kid = NULL;
		if (t->type == T_EOF) {
			if (depth > 0) {
				perr(p, t->pos, "unexpected EOF");
				goto fail;
			}
			*stop = t;
			break;
		}
		if (t->type == T_TEXT) {
			if (!(kid = node_new(p, N_TEXT, t->pos)) || !(kid->text = strndup(t->s, t->len))) {
				tmpl__node_free(kid);
				goto fail;
			}
			kid->len = t->len;
		} else { /* T_LEFT */
			const tok *k = peek(p);
			if (is_keyword(k, "end") || is_keyword(k, "else")) {
				next(p);
				if (depth == 0) {
					perr(p, k->pos, "unexpected {{%.*s}}", (int)k->len, k->s);
					goto fail;
				}
				*stop = k;
				break;
			}
			if (is_keyword(k, "if") || is_keyword(k, "range") || is_keyword(k, "with")) {
				next(p);
				kid = parse_control(p, k->s[0] == 'i' ? N_IF : k->s[0] == 'r' ? N_RANGE : N_WITH, k, depth,
				                    in_range);
			} else if (is_keyword(k, "break") || is_keyword(k, "continue")) {
				next(p);
				if (!in_range) {
					perr(p, k->pos, "{{%.*s}} outside {{range}}", (int)k->len, k->s);
					goto fail;
				}
				if ((kid = node_new(p, k->s[0] == 'b' ? N_BREAK : N_CONTINUE, k->pos)) &&
				    !expect_right(p, k->s[0] == 'b' ? "break" : "continue")) {
					tmpl__node_free(kid);
					goto fail;
				}
			} else if (is_keyword(k, "define") || is_keyword(k, "template") || is_keyword(k, "block")) {
				perr(p, k->pos, "{{%.*s}} is not supported in --format templates", (int)k->len, k->s);
				goto fail;
			} else if ((kid = node_new(p, N_ACTION, t->pos))) {
				if (!(kid->pipe = parse_pipeline(p, "command", true, 1)) || !expect_right(p, "command")) {
					tmpl__node_free(kid);
					goto fail;
				}
			}
			if (!kid)
				goto fail;
		}
		if (!add_kid(p, list, kid))
			goto fail;
	}
	p->nvars = vars_before;
	return list;
fail:
	p->nvars = vars_before;
	tmpl__node_free(list);
	return NULL;
}

tmpl *tmpl_parse(const char *text, char **err)
{
	parser p = { 0 };
	tmpl *t = calloc(1, sizeof(*t));
	const tok *stop;

	*err = NULL;
	if (!t || !(t->src = strdup(text))) {
		free(t);
		*err = strdup("out of memory");
		return NULL;
	}
	if (!tmpl__lex(&p.lx, t->src)) {
		perr(&p, p.lx.err_pos, "%s", p.lx.err);
	} else {
		t->root = parse_list(&p, 0, 0, &stop);
	}
	tmpl__lex_free(&p.lx);
	free(p.vars);
	if (!t->root) {
		*err = p.err ? p.err : strdup("out of memory");
		tmpl_free(t);
		return NULL;
	}
	free(p.err);
	return t;
}

void tmpl_free(tmpl *t)
{
	if (!t)
		return;
	tmpl__node_free(t->root);
	free(t->src);
	free(t);
}
