/* The template engine's own types: the parse tree and the values the
 * evaluator passes around (it writes into json.h's sbuf). */
#ifndef CK_CLI_TMPL_INT_H
#define CK_CLI_TMPL_INT_H

#include "tmpl.h"
#include "../json.h" /* sbuf, the buffer the evaluator writes into */

#include <stdio.h>

typedef enum node_type {
	N_LIST,     /* kids */
	N_TEXT,     /* text, len */
	N_ACTION,   /* pipe */
	N_IF,       /* pipe, list, else_list */
	N_RANGE,
	N_WITH,
	N_BREAK,
	N_CONTINUE,
	N_PIPE,     /* kids: commands; vars: declared or assigned variables */
	N_CMD,      /* kids: the operands */
	N_FIELD,    /* fields: ".A.B" applied to dot */
	N_VAR,      /* text: "$x"; fields: what follows */
	N_DOT,
	N_CHAIN,    /* pipe (a parenthesized pipeline); fields */
	N_IDENT,    /* text: a function name */
	N_STRING,   /* text, len: the unquoted string */
	N_NUMBER,   /* text; is_int, i, f */
	N_BOOL,     /* b */
	N_NIL,
} node_type;

typedef struct node {
	node_type type;
	int pos; /* byte offset in the template, for errors */
	char *text;
	size_t len;
	struct node **kids;
	size_t n;
	struct node *pipe, *list, *else_list;
	char **fields;
	size_t nfields;
	char **vars;
	size_t nvars;
	bool decl; /* N_PIPE: ":=" rather than "=" */
	bool is_int, b;
	int64_t i;
	double f;
} node;

struct tmpl {
	char *src; /* the template text, for positions in errors */
	node *root;
};

void tmpl__node_free(node *n);
/* "1:9" for byte offset `pos` of `src`, as Go's ErrorContext counts. */
void tmpl__position(char *buf, size_t size, const char *src, int pos);
/* How a node reads in a template, for "at <...>" in errors. */
char *tmpl__node_string(const node *n);

/* ---- values ---- */

typedef enum val_src { V_NONE, V_TREE, V_MADE } val_src;

typedef struct val {
	val_src src;      /* V_NONE: Go's invalid value, printed "<no value>" */
	tmpl_kind kind;   /* for V_TREE and V_MADE */
	const void *node; /* V_TREE */
	bool b;
	int64_t i;
	double f;
	const char *s;     /* V_MADE STRING/TIME: the text (in the arena) */
	size_t n;          /* V_MADE LIST: items */
	struct val *items;
} val;

/* The UTF-8 characters in n bytes, as Go counts runes for widths (fmt.c). */
size_t tmpl__runes(const char *s, size_t n);

/* The evaluation: the tree, an arena for made values, and the error. */
typedef struct tctx {
	const tmpl *t;
	const tmpl_ops *ops;
	tmpl_exec_opts o;
	const void *root;
	void **arena;
	size_t narena;
	char *err;
	bool oom;
} tctx;

void *tctx_alloc(tctx *c, size_t size);
const char *tctx_strndup(tctx *c, const char *s, size_t n);
/* Records an error at `n` (the first one wins); returns false. */
bool tctx_fail(tctx *c, const node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

val val_none(void);
val val_tree(tctx *c, const void *node);
val val_str(tctx *c, const char *s, size_t n);
val val_int(int64_t i);
val val_bool(bool b);
val val_float(double f);

/* Go's name of a value's type, for errors: "string", "int", "[]interface {}". */
const char *val_type_name(const val *v);
bool val_truth(tctx *c, const val *v);
/* The text of a STRING or TIME value (NULL otherwise); *n its length. */
const char *val_text(tctx *c, const val *v, size_t *n);
bool val_is_number(const val *v);
/* Integer and float views of a number value. */
int64_t val_as_int(tctx *c, const val *v);
double val_as_float(tctx *c, const val *v);
size_t val_count(tctx *c, const val *v);
val val_item(tctx *c, const val *v, size_t i);
/* A map's key i (made values have none). */
const char *val_key(tctx *c, const val *v, size_t i);
/* Map member order sorted by key, as Go prints and ranges over maps;
 * returns an arena array of indexes. */
size_t *val_sorted(tctx *c, const val *v);
/* A member: found, missing (V_NONE), or false if `v` has no members. */
bool val_field(tctx *c, const val *v, const char *name, val *out);

/* fmt.Print of a value (%v). */
void val_print(tctx *c, sbuf *b, const val *v);
/* json.Marshal of a value, compact, HTML not escaped (podman's json). */
void val_json(tctx *c, sbuf *b, const val *v);
/* A time in Go's time.Time.String() form from RFC 3339 text; false if the
 * text is not a time. */
bool tmpl__go_time(char *buf, size_t size, const char *rfc3339);
/* Parses RFC 3339 text into seconds since the epoch (with fraction). */
bool tmpl__parse_time(const char *s, double *out);

/* ---- functions ---- */

typedef bool (*tfunc)(tctx *c, const node *at, val *args, size_t n, val *out);
/* The function called `name`, NULL if none. */
tfunc tmpl__func(const char *name);
/* Go's fmt.Sprintf over values (printf's verbs). */
bool tmpl__sprintf(tctx *c, const node *at, sbuf *b, const char *fmt, size_t fmtlen, const val *args,
                   size_t n);

#endif
