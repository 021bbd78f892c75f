/* A small JSON reader and writers for the ck CLI, which links only
 * libcontainerkit and re-prints the library's JSON the way podman does, and
 * the growable string that the CLI and its template engine both write into. */
#ifndef CK_CLI_JSON_H
#define CK_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A growable string, always NUL-terminated once written to.  When memory
 * runs out `oom` is set and later writes are dropped: the writer checks it
 * once at the end (the template engine reports it, the CLI's commands exit
 * with EXIT_CK through sb_take()). */
typedef struct sbuf {
	char *s;
	size_t n, cap;
	bool oom;
} sbuf;
void sb_put(sbuf *b, const char *s, size_t n);
void sb_cat(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n bytes of s as a JSON string literal, escaped as Go's encoding/json
 * escapes it (without its HTML escaping, as podman prints). */
void sb_json_str(sbuf *b, const char *s, size_t n);

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jnode {
	jtype type;
	char *str;             /* J_STR: the text; J_NUM: the number as written */
	bool b;                /* J_BOOL */
	size_t n;              /* J_ARR, J_OBJ: members */
	char **keys;           /* J_OBJ */
	struct jnode **vals;   /* J_ARR, J_OBJ */
} jnode;

/* Parses `text`; NULL if it is not valid JSON. */
jnode *json_parse(const char *text);
void json_free(jnode *n);
/* Member `key` of an object (exact match, then case-insensitive), or NULL. */
const jnode *json_get(const jnode *obj, const char *key);
/* A string member, or NULL. */
const char *json_get_str(const jnode *obj, const char *key);

/* Indented JSON as Go's json.MarshalIndent writes it; `indent` is the
 * string used per level, and `level` the starting depth (for nesting one
 * document inside an array printed by the caller). */
void json_print(FILE *f, const jnode *n, const char *indent, int level);
/* json_print() at level 0 followed by a newline. */
void json_print_line(FILE *f, const jnode *n, const char *indent);
/* Compact JSON on one line. */
void json_print_compact(FILE *f, const jnode *n);
/* YAML-like text, as `podman info` prints by default. */
void yaml_print(FILE *f, const jnode *n);

#endif
