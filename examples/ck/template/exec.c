/* The template evaluator: walks the parse tree with dot and variables,
 * evaluates pipelines and commands, and writes the output. */
#define _GNU_SOURCE
#include "tmpl_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct var {
	const char *name;
	val v;
} var;

typedef struct state {
	tctx *c;
	sbuf out;
	var *vars;
	size_t nvars, capvars;
	int flow; /* 1: break, 2: continue */
	int depth;
} state;

void *tctx_alloc(tctx *c, size_t size)
{
	void *p, **na;

	if (c->oom)
		return NULL;
	if (!(na = realloc(c->arena, (c->narena + 1) * sizeof(*na))) || !(p = calloc(1, size ? size : 1))) {
		if (na)
			c->arena = na;
		c->oom = true;
		return NULL;
	}
	c->arena = na;
	c->arena[c->narena++] = p;
	return p;
}

const char *tctx_strndup(tctx *c, const char *s, size_t n)
{
	char *d = tctx_alloc(c, n + 1);
	if (!d)
		return "";
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

bool tctx_fail(tctx *c, const node *n, const char *fmt, ...)
{
	char where[32], msg[512], *at;
	va_list ap;

	if (c->err)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tmpl__position(where, sizeof(where), c->t->src, n->pos);
	at = tmpl__node_string(n);
	if (asprintf(&c->err, "template: :%s: executing \"\" at <%s>: %s", where, at ? at : "", msg) < 0)
		c->err = NULL;
	free(at);
	if (!c->err)
		c->oom = true;
	return false;
}

static void node_string_to(sbuf *b, const node *n)
{
	switch (n->type) {
	case N_FIELD:
	case N_VAR:
	case N_CHAIN:
		if (n->type == N_VAR)
			sb_cat(b, n->text);
		if (n->type == N_CHAIN) {
			sb_put(b, "(", 1);
			node_string_to(b, n->pipe);
			sb_put(b, ")", 1);
		}
		for (size_t i = 0; i < n->nfields; i++) {
			sb_put(b, ".", 1);
			sb_cat(b, n->fields[i]);
		}
		break;
	case N_DOT: sb_put(b, ".", 1); break;
	case N_IDENT:
	case N_NUMBER: sb_cat(b, n->text); break;
	case N_STRING: {
		sb_put(b, "\"", 1);
		sb_put(b, n->text, n->len);
		sb_put(b, "\"", 1);
		break;
	}
	case N_BOOL: sb_cat(b, n->b ? "true" : "false"); break;
	case N_NIL: sb_cat(b, "nil"); break;
	case N_PIPE:
		for (size_t i = 0; i < n->nvars; i++)
			sb_printf(b, "%s%s", i ? ", " : "", n->vars[i]);
		if (n->nvars)
			sb_cat(b, n->decl ? " := " : " = ");
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				sb_cat(b, " | ");
			node_string_to(b, n->kids[i]);
		}
		break;
	case N_CMD:
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				sb_put(b, " ", 1);
			if (n->kids[i]->type == N_PIPE) {
				sb_put(b, "(", 1);
				node_string_to(b, n->kids[i]);
				sb_put(b, ")", 1);
			} else {
				node_string_to(b, n->kids[i]);
			}
		}
		break;
	default: break;
	}
}

char *tmpl__node_string(const node *n)
{
	sbuf b = { 0 };
	node_string_to(&b, n);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

static bool var_set(state *s, const char *name, val v, bool declare)
{
	if (!declare) {
		for (size_t i = s->nvars; i-- > 0;)
			if (!strcmp(s->vars[i].name, name)) {
				s->vars[i].v = v;
				return true;
			}
	}
	if (s->nvars == s->capvars) {
		size_t cap = s->capvars ? 2 * s->capvars : 16;
		var *nv = realloc(s->vars, cap * sizeof(*nv));
		if (!nv) {
			s->c->oom = true;
			return false;
		}
		s->vars = nv;
		s->capvars = cap;
	}
	s->vars[s->nvars++] = (var){ name, v };
	return true;
}

static val var_get(state *s, const char *name)
{
	for (size_t i = s->nvars; i-- > 0;)
		if (!strcmp(s->vars[i].name, name))
			return s->vars[i].v;
	return val_none(); /* the parser checked it is declared */
}

/* Applies ".A.B" to `v`. */
static bool eval_fields(state *s, const node *at, val v, char *const *fields, size_t n, val *out)
{
	for (size_t i = 0; i < n; i++) {
		val next;
		if (v.src == V_NONE) {
			/* a missing map key has no members: Go's invalid value */
			*out = val_none();
			return true;
		}
		if (!val_field(s->c, &v, fields[i], &next) ||
		    (next.src == V_NONE && s->c->o.strict_root && v.src == V_TREE && v.node == s->c->root))
			return tctx_fail(s->c, at, "can't evaluate field %s in type %s", fields[i],
			                 v.node == s->c->root ? "struct" : val_type_name(&v));
		v = next;
	}
	*out = v;
	return true;
}

static bool eval_pipeline(state *s, const node *pipe, val dot, val *out);

/* An operand used as an argument (not as the head of a command). */
static bool eval_arg(state *s, const node *n, val dot, val *out)
{
	switch (n->type) {
	case N_DOT: *out = dot; return true;
	case N_FIELD: return eval_fields(s, n, dot, n->fields, n->nfields, out);
	case N_VAR: return eval_fields(s, n, var_get(s, n->text), n->fields, n->nfields, out);
	case N_CHAIN: {
		val base;
		return eval_pipeline(s, n->pipe, dot, &base) && eval_fields(s, n, base, n->fields, n->nfields, out);
	}
	case N_PIPE: return eval_pipeline(s, n, dot, out);
	case N_STRING: *out = val_str(s->c, n->text, n->len); return true;
	case N_NUMBER: *out = n->is_int ? val_int(n->i) : val_float(n->f); return true;
	case N_BOOL: *out = val_bool(n->b); return true;
	case N_NIL: *out = (val){ .src = V_MADE, .kind = TMPL_NULL }; return true;
	case N_IDENT: {
		/* a function as an argument is called with no arguments */
		tfunc f = tmpl__func(n->text);
		return f(s->c, n, NULL, 0, out);
	}
	default: return tctx_fail(s->c, n, "can't evaluate this operand");
	}
}

/* One command; `final` is the previous stage's value (has_final). */
static bool eval_command(state *s, const node *cmd, val dot, const val *final, val *out)
{
	const node *head = cmd->kids[0];
	size_t nargs = cmd->n - 1 + (final ? 1 : 0);

	if (head->type == N_IDENT) {
		bool is_and = !strcmp(head->text, "and"), is_or = !strcmp(head->text, "or");
		val *args = tctx_alloc(s->c, (nargs ? nargs : 1) * sizeof(*args));
		if (!args)
			return false;
		if ((is_and || is_or) && nargs > 0) {
			/* and/or stop at the first argument that decides, as Go 1.18 */
			for (size_t i = 0; i < nargs; i++) {
				if (i + 1 < cmd->n) {
					if (!eval_arg(s, cmd->kids[i + 1], dot, out))
						return false;
				} else {
					*out = *final;
				}
				if (val_truth(s->c, out) == is_or)
					return true;
			}
			return true;
		}
		for (size_t i = 1; i < cmd->n; i++)
			if (!eval_arg(s, cmd->kids[i], dot, &args[i - 1]))
				return false;
		if (final)
			args[nargs - 1] = *final;
		return tmpl__func(head->text)(s->c, head, args, nargs, out);
	}
	if (nargs > 0) {
		if (head->type == N_FIELD || head->type == N_CHAIN || head->type == N_VAR) {
			char *str = tmpl__node_string(head);
			tctx_fail(s->c, head, "can't give argument to non-function %s", str ? str : "");
			free(str);
			return false;
		}
		return tctx_fail(s->c, head, "can't give argument to non-function");
	}
	if (head->type == N_NIL)
		return tctx_fail(s->c, head, "nil is not a command");
	return eval_arg(s, head, dot, out);
}

static bool eval_pipeline(state *s, const node *pipe, val dot, val *out)
{
	val v = val_none();

	for (size_t i = 0; i < pipe->n; i++) {
		val next;
		if (!eval_command(s, pipe->kids[i], dot, i ? &v : NULL, &next))
			return false;
		v = next;
	}
	for (size_t i = 0; i < pipe->nvars; i++)
		if (!var_set(s, pipe->vars[i], v, pipe->decl))
			return false;
	*out = v;
	return true;
}

static bool walk(state *s, const node *n, val dot);

static bool walk_list(state *s, const node *list, val dot)
{
	size_t mark = s->nvars;
	for (size_t i = 0; i < list->n && !s->flow; i++)
		if (!walk(s, list->kids[i], dot))
			return false;
	s->nvars = mark; /* variables end with their list */
	return true;
}

static bool walk_range(state *s, const node *n, val dot)
{
	size_t mark = s->nvars, count, *idx;
	const node *pipe = n->pipe;
	val v;
	bool iterable;

	/* the pipeline's variables are the loop's, not its value's */
	node copy = *pipe;
	copy.nvars = 0;
	if (!eval_pipeline(s, &copy, dot, &v))
		return false;
	iterable = v.src != V_NONE && (v.kind == TMPL_LIST || v.kind == TMPL_MAP || v.kind == TMPL_STRUCT);
	if (v.src != V_NONE && v.kind == TMPL_STRUCT)
		iterable = false;
	if (!iterable && v.src != V_NONE && v.kind != TMPL_NULL) {
		if (s->c->o.lenient_range)
			return true;
		sbuf b = { 0 };
		val_print(s->c, &b, &v);
		tctx_fail(s->c, n->pipe, "range can't iterate over %s", b.s ? b.s : "");
		free(b.s);
		return false;
	}
	count = iterable ? val_count(s->c, &v) : 0;
	if (count == 0)
		return n->else_list ? walk_list(s, n->else_list, dot) : true;
	if (!(idx = val_sorted(s->c, &v)))
		return false;
	for (size_t i = 0; i < count; i++) {
		val item = val_item(s->c, &v, idx[i]);
		s->nvars = mark;
		if (pipe->nvars == 1 && !var_set(s, pipe->vars[0], item, true))
			return false;
		if (pipe->nvars == 2) {
			const char *k = val_key(s->c, &v, idx[i]);
			val key = k ? val_str(s->c, k, strlen(k)) : val_int((int64_t)i);
			if (!var_set(s, pipe->vars[0], key, true) || !var_set(s, pipe->vars[1], item, true))
				return false;
		}
		if (!walk_list(s, n->list, item))
			return false;
		if (s->flow == 1) {
			s->flow = 0;
			break;
		}
		s->flow = 0;
	}
	s->nvars = mark;
	return true;
}

static bool walk(state *s, const node *n, val dot)
{
	val v;
	bool ok = true;

	if (s->c->oom)
		return false;
	switch (n->type) {
	case N_LIST: return walk_list(s, n, dot);
	case N_TEXT: sb_put(&s->out, n->text, n->len); return true;
	case N_ACTION:
		if (!eval_pipeline(s, n->pipe, dot, &v))
			return false;
		if (n->pipe->nvars == 0)
			val_print(s->c, &s->out, &v);
		return true;
	case N_IF:
	case N_WITH: {
		size_t mark = s->nvars;
		if (!eval_pipeline(s, n->pipe, dot, &v))
			return false;
		if (val_truth(s->c, &v))
			ok = walk_list(s, n->list, n->type == N_WITH ? v : dot);
		else if (n->else_list)
			ok = walk_list(s, n->else_list, dot);
		if (!s->flow)
			s->nvars = mark;
		return ok;
	}
	case N_RANGE:
		if (++s->depth > 10000)
			return tctx_fail(s->c, n, "exceeded maximum template depth");
		ok = walk_range(s, n, dot);
		s->depth--;
		return ok;
	case N_BREAK: s->flow = 1; return true;
	case N_CONTINUE: s->flow = 2; return true;
	default: return tctx_fail(s->c, n, "unexpected node");
	}
}

char *tmpl_exec(const tmpl *t, const tmpl_ops *ops, const void *root, const tmpl_exec_opts *o, size_t *len,
                char **err)
{
	tctx c = { .t = t, .ops = ops };
	state s = { .c = &c };
	val dot;
	bool ok;

	*err = NULL;
	if (o)
		c.o = *o;
	dot = val_tree(&c, root);
	c.root = root;
	ok = var_set(&s, "$", dot, true) && walk(&s, t->root, dot);
	if (!ok || c.oom || s.out.oom) {
		*err = c.err ? c.err : strdup("out of memory");
		c.err = NULL;
		free(s.out.s);
		s.out.s = NULL;
	} else if (!s.out.s) {
		s.out.s = strdup("");
		if (!s.out.s)
			*err = strdup("out of memory");
	}
	if (len)
		*len = s.out.s ? s.out.n : 0;
	for (size_t i = 0; i < c.narena; i++)
		free(c.arena[i]);
	free(c.arena);
	free(c.err);
	free(s.vars);
	return s.out.s;
}
