/* The trees templates walk today: the CLI's JSON tree, and the table
 * headers (every field is its header, as podman runs a table's template
 * once on a map of headers). */
#define _GNU_SOURCE
#include "tmpl.h"

#include "../json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- the JSON tree ---- */

static bool looks_like_time(const char *s)
{
	/* "2006-01-02T15:04:05[.frac](Z|+07:00)": what a time.Time marshals to */
	size_t n = strlen(s);
	if (n < 20 || n > 40 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return false;
	for (int i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
			return false;
	const char *z = s + 19;
	if (*z == '.')
		for (z++; isdigit((unsigned char)*z); z++)
			;
	return !strcmp(z, "Z") || (strlen(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':');
}

static tmpl_kind j_kind(const void *p)
{
	const jnode *n = p;
	switch (n->type) {
	case J_NULL: return TMPL_NULL;
	case J_BOOL: return TMPL_BOOL;
	case J_NUM: return strpbrk(n->str, ".eE") ? TMPL_FLOAT : TMPL_INT;
	case J_STR: return looks_like_time(n->str) ? TMPL_TIME : TMPL_STRING;
	case J_ARR: return TMPL_LIST;
	case J_OBJ: return TMPL_MAP;
	}
	return TMPL_NULL;
}

static bool j_bool(const void *p)
{
	return ((const jnode *)p)->b;
}

static const char *j_text(const void *p)
{
	return ((const jnode *)p)->str;
}

static size_t j_count(const void *p)
{
	return ((const jnode *)p)->n;
}

static const void *j_item(const void *p, size_t i)
{
	return ((const jnode *)p)->vals[i];
}

static const char *j_key(const void *p, size_t i)
{
	return ((const jnode *)p)->keys[i];
}

static const void *j_field(const void *p, const char *name)
{
	/* Exact first, then any case: the JSON says "Id" where podman's
	 * structs, which templates name, say "ID". */
	return json_get(p, name);
}

const tmpl_ops tmpl_json_ops = { j_kind, j_bool, j_text, j_count, j_item, j_key, j_field };

/* ---- headers ---- */

typedef struct hnode {
	struct tmpl_headers *root;
	char *text;
	struct hnode *next;
} hnode;

struct tmpl_headers {
	const char *const *overrides;
	hnode *made;
	hnode self; /* the root node: a map */
};

char *tmpl_header_name(const char *f)
{
	size_t n = strlen(f);
	char *out = malloc(2 * n + 1), *o = out;

	if (!out)
		return NULL;
	/* camel-case words: "CreatedAt" -> CREATED AT, "HTTPProxy" -> HTTP PROXY,
	 * "ID" -> ID; digits are a class of their own, as podman's split */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)f[i], prev = i ? (unsigned char)f[i - 1] : 0;
		int cls = islower(ch) ? 1 : isupper(ch) ? 2 : isdigit(ch) ? 3 : 4;
		int pcls = !i ? 0 : islower(prev) ? 1 : isupper(prev) ? 2 : isdigit(prev) ? 3 : 4;
		bool split = i && cls != pcls && !(pcls == 2 && cls == 1);
		/* "HTTPProxy": the last capital of a run starts the next word */
		if (i && pcls == 2 && cls == 1 && i >= 2 && isupper((unsigned char)f[i - 2]))
			o[-1] = ' ', *o++ = (char)prev;
		if (split)
			*o++ = ' ';
		*o++ = (char)toupper(ch);
	}
	*o = '\0';
	return out;
}

tmpl_headers *tmpl_headers_new(const char *const *overrides)
{
	tmpl_headers *h = calloc(1, sizeof(*h));
	if (h) {
		h->overrides = overrides;
		h->self.root = h;
	}
	return h;
}

void tmpl_headers_free(tmpl_headers *h)
{
	if (!h)
		return;
	for (hnode *n = h->made, *next; n; n = next) {
		next = n->next;
		free(n->text);
		free(n);
	}
	free(h);
}

static tmpl_kind h_kind(const void *p)
{
	const hnode *n = p;
	return n == &n->root->self ? TMPL_MAP : TMPL_STRING;
}

static bool h_bool(const void *p)
{
	(void)p;
	return true;
}

static const char *h_text(const void *p)
{
	return ((const hnode *)p)->text;
}

static size_t h_count(const void *p)
{
	(void)p;
	return 0;
}

static const void *h_item(const void *p, size_t i)
{
	(void)i;
	return p;
}

static const char *h_key(const void *p, size_t i)
{
	(void)p;
	(void)i;
	return "";
}

static const void *h_field(const void *p, const char *name)
{
	tmpl_headers *h = ((const hnode *)p)->root;
	hnode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	for (const char *const *o = h->overrides; o && o[0]; o += 2)
		if (!strcmp(o[0], name)) {
			n->text = strdup(o[1]);
			break;
		}
	if (!n->text)
		n->text = tmpl_header_name(name);
	if (!n->text) {
		free(n);
		return NULL;
	}
	n->root = h;
	n->next = h->made;
	h->made = n;
	return n;
}

const tmpl_ops tmpl_header_ops = { h_kind, h_bool, h_text, h_count, h_item, h_key, h_field };

const void *tmpl_headers_root(const tmpl_headers *h)
{
	return &h->self;
}
