/* Go's text/template as podman users write it in --format: the parser, the
 * evaluator over a generic value tree, podman's functions and Go's printing. */
#ifndef CK_CLI_TMPL_H
#define CK_CLI_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a node of the value tree is, in Go's terms.  A STRUCT prints as Go
 * prints a struct ({a b}) and a missing field is an error; a MAP prints as
 * map[k:v] with sorted keys and a missing key is "<no value>". */
typedef enum tmpl_kind {
	TMPL_NULL,
	TMPL_BOOL,
	TMPL_INT,
	TMPL_FLOAT,
	TMPL_STRING,
	TMPL_TIME, /* text is RFC 3339; printed as Go prints a time.Time */
	TMPL_LIST,
	TMPL_MAP,
	TMPL_STRUCT,
} tmpl_kind;

/* How the evaluator reads a tree it does not own.  Nodes are opaque
 * pointers that live as long as the tree; NULL is never a node.  Today the
 * CLI's JSON tree is the only tree (tmpl_json_ops); typed data can get its
 * own table later without touching the evaluator. */
typedef struct tmpl_ops {
	tmpl_kind (*kind)(const void *node);
	bool (*boolean)(const void *node);
	/* STRING and TIME: the text; INT and FLOAT: the number as written. */
	const char *(*text)(const void *node);
	/* LIST, MAP, STRUCT: members in their order (a MAP is sorted on print). */
	size_t (*count)(const void *node);
	const void *(*item)(const void *node, size_t i);
	/* MAP, STRUCT: the name of member i. */
	const char *(*key)(const void *node, size_t i);
	/* The member called `name`, or NULL.  Asked of any node: a table may
	 * give fields to nodes that are not maps (the table headers do). */
	const void *(*field)(const void *node, const char *name);
} tmpl_ops;

typedef struct tmpl tmpl;

/* Parses `text`.  On error returns NULL with *err (malloc()ed) as Go writes
 * it: "template: :LINE:COL: message" (COL counts bytes from 0, as Go's). */
tmpl *tmpl_parse(const char *text, char **err);
void tmpl_free(tmpl *t);

typedef struct tmpl_exec_opts {
	/* Ranging over a value that is not a list or map gives nothing instead
	 * of an error: a table header runs the template on header strings. */
	bool lenient_range;
	/* The root is a struct: a field it lacks is an error, as podman's
	 * "can't evaluate field X in type T", where maps print "<no value>". */
	bool strict_root;
} tmpl_exec_opts;

/* Runs `t` with dot = `root`.  Returns the output (malloc()ed; *len its
 * length if len is not NULL), or NULL with *err set as Go writes it:
 * "template: :1:2: executing \"\" at <.Nmae>: ...". */
char *tmpl_exec(const tmpl *t, const tmpl_ops *ops, const void *root, const tmpl_exec_opts *o,
                size_t *len, char **err);

/* The tree of the CLI's JSON reader (../json.h): objects are maps, strings
 * in RFC 3339 form with a time zone are times. */
extern const tmpl_ops tmpl_json_ops;

/* Table headers: a tree whose every field is a header string, made from
 * the field name as podman makes it (CreatedAt -> "CREATED AT") unless
 * `overrides` (pairs of field name and header, NULL-terminated) names it. */
typedef struct tmpl_headers tmpl_headers;
tmpl_headers *tmpl_headers_new(const char *const *overrides);
void tmpl_headers_free(tmpl_headers *h);
/* The node to run a table's template on (with tmpl_header_ops). */
const void *tmpl_headers_root(const tmpl_headers *h);
extern const tmpl_ops tmpl_header_ops;
/* "CreatedAt" -> "CREATED AT", as podman's camel-case split. */
char *tmpl_header_name(const char *field);

/* Aligns tab-terminated cells as Go's tabwriter with podman's settings
 * (minwidth 12, padding 2, padded with spaces): each column block is as
 * wide as its widest cell plus 2, at least 12; the last cell of a line is
 * not aligned.  Returns a malloc()ed string, NULL when out of memory. */
char *tmpl_tabwrite(const char *text, size_t len);

/* podman's "2 minutes ago" wording (go-units HumanDuration) for a span of
 * `seconds`, without " ago". */
void tmpl_human_duration(char *buf, size_t size, double seconds);

#endif
